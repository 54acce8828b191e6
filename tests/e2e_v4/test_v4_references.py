"""Cross-references with weaviate-client 4.24.1: references given to insert_many (gRPC BatchObjects),
added over REST, returned by Search (`return_references`) and used in filters (`Filter.by_ref`)."""
from __future__ import annotations

import uuid

from weaviate.classes.config import Configure, DataType, Property, ReferenceProperty
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, MetadataQuery, QueryReference


def uid(i: int) -> str:
    return str(uuid.UUID(int=(0xBEEF << 96) | i, version=4))


AUTHORS = ["Ann", "Bob", "Cy"]


def test_references_round_trip(client):
    client.collections.create("Author", properties=[Property(name="name", data_type=DataType.TEXT)],
                              vectorizer_config=Configure.Vectorizer.none())
    client.collections.create("Book", properties=[Property(name="title", data_type=DataType.TEXT)],
                              references=[ReferenceProperty(name="writtenBy", target_collection="Author")],
                              vectorizer_config=Configure.Vectorizer.none())
    authors, books = client.collections.get("Author"), client.collections.get("Book")
    assert not authors.data.insert_many([DataObject(properties={"name": n}, uuid=uid(i))
                                         for i, n in enumerate(AUTHORS)]).has_errors
    # Book k is written by author k % 3; book 0 also by Bob.
    written = {k: [uid(k % 3)] for k in range(6)}
    result = books.data.insert_many([DataObject(properties={"title": f"book {k}"}, uuid=uid(100 + k),
                                                references={"writtenBy": written[k]}) for k in range(6)])
    assert not result.has_errors, result.errors
    books.data.reference_add(from_uuid=uid(100), from_property="writtenBy", to=uid(1))
    written[0].append(uid(1))

    got = books.query.fetch_objects(
        limit=10, return_properties=["title"],
        return_references=QueryReference(link_on="writtenBy", return_properties=["name"],
                                         return_metadata=MetadataQuery(creation_time=True)))
    assert len(got.objects) == 6
    for o in got.objects:
        k = int(o.properties["title"].split()[1])
        refs = o.references["writtenBy"].objects
        assert [str(r.uuid) for r in refs] == written[k]
        assert [r.properties["name"] for r in refs] == [AUTHORS[int(w[-1], 16)] for w in written[k]]
        assert all(r.metadata.creation_time is not None for r in refs)

    by_bob = books.query.fetch_objects(filters=Filter.by_ref("writtenBy").by_property("name").equal("Bob"))
    assert sorted(o.properties["title"] for o in by_bob.objects) == sorted(
        f"book {k}" for k, ws in written.items() if uid(1) in ws)
