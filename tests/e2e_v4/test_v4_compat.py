"""Behaviours the official client's own integration suite relies on, each checked against a known answer:
property names read with a lower-case first letter, filter values read as the property's type, autocut,
explain_score on every search, reference entries, list operators and date aggregations in Aggregate,
and `collection.shards()` (GET /v1/nodes/{class})."""
from __future__ import annotations

import uuid

import pytest
import weaviate
from weaviate.classes.aggregate import Metrics
from weaviate.classes.config import Configure, DataType, Property, ReferenceProperty
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery, QueryReference


def test_property_names_take_a_lower_case_first_letter(client):
    client.collections.create("Named", properties=[Property(name="Name", data_type=DataType.TEXT)],
                              vectorizer_config=Configure.Vectorizer.none())
    col = client.collections.get("Named")
    assert col.config.get().properties[0].name == "name"
    first = col.data.insert({"Name": "first"})
    col.data.insert_many([{"Name": "second"}])
    col.data.update(first, properties={"Name": "first, updated"})
    got = sorted(o.properties["name"] for o in col.query.fetch_objects().objects)
    assert got == ["first, updated", "second"]
    assert [o.properties["name"] for o in col.query.bm25("updated", return_properties="name").objects] == ["first, updated"]


@pytest.mark.parametrize("flt,expected", [
    (Filter.by_property("int").equal(1.0), [1]),       # a float that is whole reads as an int
    (Filter.by_property("float").equal(2), [2]),       # an int reads as a number
    (Filter.by_property("floats").contains_any([3]), [3]),
    (Filter.by_property("ints").contains_all([1.0, 2.0]), [1, 2]),
])
def test_filter_values_are_read_as_the_property_type(client, flt, expected):
    client.collections.create("Typed", vectorizer_config=Configure.Vectorizer.none(), properties=[
        Property(name="int", data_type=DataType.INT), Property(name="float", data_type=DataType.NUMBER),
        Property(name="ints", data_type=DataType.INT_ARRAY), Property(name="floats", data_type=DataType.NUMBER_ARRAY)])
    col = client.collections.get("Typed")
    for i in (1, 2, 3):
        col.data.insert({"int": i, "float": float(i), "ints": [1, 2] if i < 3 else [3], "floats": [float(i)]})
    assert sorted(o.properties["int"] for o in col.query.fetch_objects(filters=flt).objects) == expected


def test_a_fraction_on_an_int_property_is_an_error(client):
    client.collections.create("Typed", vectorizer_config=Configure.Vectorizer.none(),
                              properties=[Property(name="int", data_type=DataType.INT)])
    col = client.collections.get("Typed")
    col.data.insert({"int": 1})
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.query.fetch_objects(filters=Filter.by_property("int").equal(1.5))
    assert "not a whole number" in str(e.value)
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.query.fetch_objects(return_properties=["nope"])
    assert "could not find property 'nope'" in str(e.value)


def test_autocut_cuts_at_the_first_jump(client):
    client.collections.create("Rain", properties=[Property(name="text", data_type=DataType.TEXT)],
                              vectorizer_config=Configure.Vectorizer.none())
    col = client.collections.get("Rain")
    col.data.insert_many([{"text": "rain rain"}] * 4 + [{"text": "rain"}] * 4 + [{"text": "sun"}] * 4)
    assert len(col.query.bm25("rain").objects) == 8
    assert len(col.query.bm25("rain", auto_limit=1).objects) == 4
    assert len(col.query.bm25("rain", auto_limit=2).objects) == 8
    assert len(col.query.hybrid("rain", alpha=0, auto_limit=1, fusion_type=HybridFusion.RELATIVE_SCORE).objects) == 4


def test_explain_score_and_reference_entries(client):
    client.collections.create("Target", vectorizer_config=Configure.Vectorizer.none())
    target = client.collections.get("Target")
    t = target.data.insert({})
    client.collections.create("Source", vectorizer_config=Configure.Vectorizer.none(),
                              references=[ReferenceProperty(name="ref", target_collection="Target")])
    source = client.collections.get("Source")
    never = source.data.insert({})
    emptied = source.data.insert({}, references={"ref": t})
    source.data.reference_delete(from_uuid=emptied, from_property="ref", to=t)
    linked = source.data.insert({}, references={"ref": t})

    def refs(u):
        return source.query.fetch_object_by_id(u, return_references=QueryReference(link_on="ref")).references

    assert refs(never) == {}                        # never set: no entry
    assert len(refs(emptied)["ref"].objects) == 0   # emptied: an entry without objects
    assert [o.uuid for o in refs(linked)["ref"].objects] == [t]
    # A PATCH adds the references it carries, as Weaviate's merge does.
    t2 = target.data.insert({})
    source.data.update(linked, references={"ref": t2})
    assert sorted(str(o.uuid) for o in refs(linked)["ref"].objects) == sorted([str(t), str(t2)])

    got = source.query.fetch_objects(return_metadata=MetadataQuery(explain_score=True, creation_time=True)).objects
    assert all(o.metadata.explain_score == "" for o in got)


def test_aggregate_list_operators_and_dates(client):
    client.collections.create("Agg", vectorizer_config=Configure.Vectorizer.none(), properties=[
        Property(name="texts", data_type=DataType.TEXT_ARRAY), Property(name="date", data_type=DataType.DATE),
        Property(name="dates", data_type=DataType.DATE_ARRAY)])
    col = client.collections.get("Agg")
    col.data.insert({"texts": ["one", "two"], "date": "2021-01-01T00:00:00Z",
                     "dates": ["2021-01-01T00:00:00Z", "2021-01-02T00:00:00Z"]})
    col.data.insert({"texts": ["three"], "date": "2021-01-03T00:00:00Z", "dates": ["2021-01-05T00:00:00Z"]})
    count = lambda f: col.aggregate.over_all(filters=f, total_count=True).total_count
    assert count(Filter.by_property("texts").contains_any(["two", "three"])) == 2
    assert count(Filter.by_property("texts").contains_all(["one", "two"])) == 1
    dates = col.aggregate.over_all(return_metrics=[Metrics("date").date_(), Metrics("dates").date_()]).properties
    assert (dates["date"].count, dates["date"].minimum, dates["date"].maximum, dates["date"].median) == \
        (2, "2021-01-01T00:00:00Z", "2021-01-03T00:00:00Z", "2021-01-02T00:00:00Z")
    assert (dates["dates"].count, dates["dates"].median) == (3, "2021-01-02T00:00:00Z")
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.aggregate.over_all(total_count=False)
    assert "no body" in e.value.message   # the client's words for graphql-go's "Unexpected empty IN"


def test_collection_shards(client):
    client.collections.create("Sharded", vectorizer_config=Configure.Vectorizer.none())
    col = client.collections.get("Sharded")
    col.data.insert_many([{}] * 3)
    shards = col.shards()
    assert [(s.collection, s.object_count, s.vector_indexing_status) for s in shards] == [("Sharded", 3, "READY")]
    client.collections.create("Tenanted", vectorizer_config=Configure.Vectorizer.none(),
                              multi_tenancy_config=Configure.multi_tenancy(enabled=True))
    from weaviate.classes.tenants import Tenant
    tenanted = client.collections.get("Tenanted")
    tenanted.tenants.create([Tenant(name="a"), Tenant(name="b")])
    tenanted.with_tenant("b").data.insert({})
    assert sorted((s.name, s.object_count) for s in tenanted.shards()) == [("a", 0), ("b", 1)]


def test_hybrid_max_vector_distance(client):
    """Only objects within the distance are results, the keyword half's included (Weaviate >= 1.26.3)."""
    client.collections.create("Fruit", properties=[Property(name="name", data_type=DataType.TEXT)],
                              vectorizer_config=Configure.Vectorizer.none())
    col = client.collections.get("Fruit")
    for name, vector in [("banana one", [1, 0, 0, 0]), ("banana two", [0, 1, 0, 0]),
                         ("banana three", [0, 1, 0, 0]), ("banana four", [1, 0, 0, 0])]:
        col.data.insert({"name": name}, vector=vector)
    got = col.query.hybrid("banana", vector=[1, 0, 0, 0], max_vector_distance=0.5, alpha=0.5).objects
    assert sorted(o.properties["name"] for o in got) == ["banana four", "banana one"]
    assert len(col.query.hybrid("banana", vector=[1, 0, 0, 0], alpha=0.5).objects) == 4
    res = col.aggregate.hybrid("banana", vector=[1, 0, 0, 0], max_vector_distance=0.5,
                               return_metrics=[Metrics("name").text(count=True)])
    assert res.total_count == 2
