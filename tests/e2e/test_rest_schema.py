"""Schema endpoints through the official client: create, get, exists, update, add property, delete."""
import pytest
import weaviate

from conftest import error_messages

# Both storage engines, same assertions (conftest.py `backend`).
pytestmark = pytest.mark.backends("sqlite", "postgres")


ARTICLE = {
    "class": "Article",
    "description": "news articles",
    "properties": [
        {"name": "title", "dataType": ["text"]},
        {"name": "WordCount", "dataType": ["int"]},
        {"name": "legacy", "dataType": ["string"]},
        {"name": "tags", "dataType": ["string[]"]},
        {"name": "score", "dataType": ["number"], "indexFilterable": False},
    ],
}


def test_create_applies_and_echoes_defaults(client, http):
    r = http.post("/v1/schema", json=ARTICLE)
    assert r.status_code == 200, r.text
    echoed = r.json()
    assert echoed["class"] == "Article"
    assert echoed["vectorizer"] == "none"
    assert echoed["vectorIndexType"] == "hnsw"
    assert echoed["vectorIndexConfig"]["distance"] == "cosine"
    assert echoed["vectorIndexConfig"]["efConstruction"] == 128
    assert echoed["vectorIndexConfig"]["maxConnections"] == 64
    inverted = echoed["invertedIndexConfig"]
    assert inverted["bm25"] == {"k1": 1.2, "b": 0.75}
    assert inverted["stopwords"]["preset"] == "en"
    assert inverted["cleanupIntervalSeconds"] == 60
    assert echoed["replicationConfig"]["factor"] == 1
    sharding = echoed["shardingConfig"]
    assert sharding["virtualPerPhysical"] == 128
    assert (sharding["key"], sharding["strategy"], sharding["function"]) == ("_id", "hash", "murmur3")

    props = {p["name"]: p for p in echoed["properties"]}
    assert set(props) == {"title", "wordCount", "legacy", "tags", "score"}  # first letter lower-cased
    assert props["legacy"]["dataType"] == ["text"] and props["tags"]["dataType"] == ["text[]"]
    assert props["legacy"]["tokenization"] == "whitespace"  # old string: word -> whitespace
    assert props["title"]["tokenization"] == "word"
    assert props["title"]["indexFilterable"] is True and props["title"]["indexSearchable"] is True
    assert props["wordCount"]["indexSearchable"] is False
    assert props["score"]["indexFilterable"] is False

    # What GET returns is what POST echoed.
    assert client.schema.get("Article") == echoed
    assert [c["class"] for c in client.schema.get()["classes"]] == ["Article"]


def test_client_create_exists_update_delete(client):
    client.schema.create_class({"class": "paragraph", "properties": [{"name": "body", "dataType": ["text"]}]})
    assert client.schema.exists("Paragraph")  # first letter upper-cased
    assert not client.schema.exists("Missing")

    client.schema.update_config("Paragraph", {"vectorIndexConfig": {"ef": 321, "flatSearchCutoff": 1000}})
    updated = client.schema.get("Paragraph")
    assert updated["vectorIndexConfig"]["ef"] == 321
    assert updated["vectorIndexConfig"]["flatSearchCutoff"] == 1000

    client.schema.property.create("Paragraph", {"name": "words", "dataType": ["int"]})
    names = [p["name"] for p in client.schema.get("Paragraph")["properties"]]
    assert names == ["body", "words"]

    client.schema.delete_class("Paragraph")
    assert not client.schema.exists("Paragraph")
    assert client.schema.get()["classes"] == []


def test_cross_reference_property_via_client(client):
    client.schema.create_class({"class": "Author", "properties": [{"name": "name", "dataType": ["text"]}]})
    client.schema.create_class({
        "class": "Book",
        "properties": [{"name": "title", "dataType": ["text"]}, {"name": "writtenBy", "dataType": ["Author"]}],
    })
    props = {p["name"]: p["dataType"] for p in client.schema.get("Book")["properties"]}
    assert props == {"title": ["text"], "writtenBy": ["Author"]}


def test_schema_errors(client, http):
    http.post("/v1/schema", json=ARTICLE).raise_for_status()
    r = http.post("/v1/schema", json={"class": "Article"})
    assert r.status_code == 422
    assert error_messages(r) == ['class name "Article" already exists']

    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeException):
        client.schema.create_class({"class": "Article"})

    r = http.get("/v1/schema/Nope")
    assert r.status_code == 404 and r.content == b""

    # Iris reports 1.27.0 and answers as Weaviate 1.27 does (1.19 answered 400 "could not find class").
    r = http.delete("/v1/schema/Nope")
    assert r.status_code == 200

    current = http.get("/v1/schema/Article").json()
    r = http.put("/v1/schema/Article", json={**current, "vectorizer": "text2vec-contextionary"})
    assert r.status_code == 422
    assert "vectorizer" in error_messages(r)[0]

    changed = dict(current)
    changed["properties"] = current["properties"][:1]
    r = http.put("/v1/schema/Article", json=changed)
    assert r.status_code == 422
    assert error_messages(r)[0].startswith("properties cannot be updated through updating the class")

    changed = dict(current)
    changed["vectorIndexConfig"] = {**current["vectorIndexConfig"], "efConstruction": 7}
    r = http.put("/v1/schema/Article", json=changed)
    assert r.status_code == 422

    r = http.put("/v1/schema/Nope", json={**current, "class": "Nope"})
    assert r.status_code == 404

    r = http.post("/v1/schema/Article/properties", json={"name": "title", "dataType": ["text"]})
    assert r.status_code == 422
    assert "title" in error_messages(r)[0]

    # Nothing changed by the failed calls.
    assert http.get("/v1/schema/Article").json() == current


def test_shards_and_cluster_status(client, http):
    http.post("/v1/schema", json=ARTICLE).raise_for_status()
    shards = http.get("/v1/schema/Article/shards")
    assert shards.status_code == 200
    body = shards.json()
    assert len(body) == 1 and body[0]["status"] == "READY" and body[0]["name"]

    name = body[0]["name"]
    r = http.put(f"/v1/schema/Article/shards/{name}", json={"status": "READONLY"})
    assert r.status_code == 200 and r.json() == {"status": "READONLY"}
    assert http.get("/v1/schema/Article/shards").json()[0]["status"] == "READONLY"
    http.put(f"/v1/schema/Article/shards/{name}", json={"status": "READY"}).raise_for_status()

    assert http.get("/v1/schema/Nope/shards").status_code == 404

    status = http.get("/v1/schema/cluster-status")
    assert status.status_code == 200
    assert status.json()["healthy"] is True
