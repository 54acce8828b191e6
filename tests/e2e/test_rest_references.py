"""Cross-references: single add/replace/delete through the client, raw paths, and batch references."""
import uuid

import pytest

from conftest import error_messages

# Both storage engines, same assertions (conftest.py `backend`).
pytestmark = pytest.mark.backends("sqlite", "postgres")


@pytest.fixture
def library(client):
    client.schema.create_class({"class": "Book", "properties": [{"name": "title", "dataType": ["text"]}]})
    client.schema.create_class({
        "class": "Author",
        "properties": [{"name": "name", "dataType": ["text"]}, {"name": "wrote", "dataType": ["Book"]}],
    })
    books = [client.data_object.create({"title": f"book {i}"}, "Book") for i in range(3)]
    author = client.data_object.create({"name": "ann"}, "Author")
    return client, author, books


def beacons(client, author):
    props = client.data_object.get_by_id(author, class_name="Author")["properties"]
    return [ref["beacon"] for ref in props.get("wrote", [])]


def test_add_update_delete_references(library):
    client, author, books = library
    ref = client.data_object.reference
    ref.add(author, "wrote", books[0], from_class_name="Author", to_class_name="Book")
    ref.add(author, "wrote", books[1], from_class_name="Author", to_class_name="Book")
    assert beacons(client, author) == [f"weaviate://localhost/Book/{b}" for b in books[:2]]
    stored = client.data_object.get_by_id(author, class_name="Author")["properties"]["wrote"][0]
    assert stored["href"] == f"/v1/objects/Book/{books[0]}"

    ref.update(author, "wrote", [books[2]], from_class_name="Author", to_class_names="Book")
    assert beacons(client, author) == [f"weaviate://localhost/Book/{books[2]}"]

    ref.delete(author, "wrote", books[2], from_class_name="Author", to_class_name="Book")
    assert beacons(client, author) == []
    # The other properties are untouched by reference operations.
    assert client.data_object.get_by_id(author, class_name="Author")["properties"]["name"] == "ann"


def test_reference_errors(library, http):
    client, author, books = library
    path = f"/v1/objects/Author/{author}/references"
    r = http.post(f"{path}/nope", json={"beacon": f"weaviate://localhost/Book/{books[0]}"})
    assert r.status_code == 422
    assert "nope" in error_messages(r)[0]

    r = http.post(f"{path}/name", json={"beacon": f"weaviate://localhost/Book/{books[0]}"})
    assert r.status_code == 422  # not a reference property

    r = http.post(f"/v1/objects/Author/{uuid.uuid4()}/references/wrote",
                  json={"beacon": f"weaviate://localhost/Book/{books[0]}"})
    assert r.status_code == 404

    r = http.post(f"{path}/wrote", json={"beacon": "not a beacon"})
    assert r.status_code == 422
    assert beacons(client, author) == []


def test_batch_references(library):
    client, author, books = library
    other = client.data_object.create({"name": "bob"}, "Author")
    results = []
    client.batch.configure(batch_size=10, dynamic=False, callback=results.extend)
    with client.batch as batch:
        for b in books:
            batch.add_reference(author, "Author", "wrote", b, "Book")
        batch.add_reference(other, "Author", "wrote", books[0], "Book")
    assert beacons(client, author) == [f"weaviate://localhost/Book/{b}" for b in books]
    assert beacons(client, other) == [f"weaviate://localhost/Book/{books[0]}"]
    refs = [r for r in results if "from" in r]
    assert len(refs) == 4 and all(r["result"]["status"] == "SUCCESS" for r in refs)


def test_batch_references_raw_results(library, http):
    client, author, books = library
    body = [
        {"from": f"weaviate://localhost/Author/{author}/wrote", "to": f"weaviate://localhost/Book/{books[0]}"},
        {"from": f"weaviate://localhost/Author/{author}/missing", "to": f"weaviate://localhost/Book/{books[1]}"},
    ]
    r = http.post("/v1/batch/references", json=body)
    assert r.status_code == 200
    out = r.json()
    assert [item["from"] for item in out] == [b["from"] for b in body]
    assert out[0]["result"]["status"] == "SUCCESS"
    assert out[1]["result"]["status"] == "FAILED"
    assert out[1]["result"]["errors"]["error"][0]["message"]
    assert beacons(client, author) == [f"weaviate://localhost/Book/{books[0]}"]
