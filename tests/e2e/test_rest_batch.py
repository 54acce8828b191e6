"""Batch import (10,000 objects with 512-d vectors through the client) and batch delete by where filter."""
import random
import uuid

import numpy as np
import pytest

from conftest import error_messages

pytestmark = pytest.mark.backends("sqlite", "postgres")

DIM = 512
COUNT = 10_000


# The embedded engine only: on PostgreSQL this import took over 11 minutes on the 2-core CI machine
# (pgvector builds its HNSW graph row by row); its rate is measured in bench/ instead.
@pytest.mark.backends("sqlite")
def test_batch_import_10k_512d(client, http):
    client.schema.create_class({
        "class": "Image",
        "properties": [
            {"name": "caption", "dataType": ["text"]},
            {"name": "index", "dataType": ["int"]},
            {"name": "score", "dataType": ["number"]},
        ],
    })
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((COUNT, DIM), dtype=np.float32)
    ids = [str(uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | i, version=4)) for i in range(COUNT)]
    failures = []

    def collect(results):
        failures.extend(r for r in results if "errors" in r.get("result", {}))

    client.batch.configure(batch_size=500, dynamic=False, num_workers=1, callback=collect)
    with client.batch as batch:
        for i in range(COUNT):
            batch.add_data_object(
                {"caption": f"caption {i}", "index": i, "score": i / 7},
                "Image", uuid=ids[i], vector=vectors[i].tolist())
    assert failures == []

    nodes = http.get("/v1/nodes").json()["nodes"]
    assert nodes[0]["stats"]["objectCount"] == COUNT
    assert {s["class"]: s["objectCount"] for s in nodes[0]["shards"]} == {"Image": COUNT}

    # Every id is there exactly once (walk the cursor).
    seen = []
    after = None
    while True:
        page = client.data_object.get(class_name="Image", limit=2000, after=after)["objects"]
        if not page:
            break
        seen.extend(o["id"] for o in page)
        after = page[-1]["id"]
    assert len(seen) == COUNT and set(seen) == set(ids)

    # Spot-check properties and vectors bit for bit (float32).
    for i in random.Random(3).sample(range(COUNT), 60):
        got = client.data_object.get_by_id(ids[i], class_name="Image", with_vector=True)
        assert got["properties"] == {"caption": f"caption {i}", "index": i, "score": pytest.approx(i / 7, rel=1e-12)}
        assert np.array_equal(np.asarray(got["vector"], dtype=np.float32), vectors[i])


def test_batch_response_shape_upsert_and_item_errors(client, http):
    client.schema.create_class({"class": "Doc", "properties": [{"name": "n", "dataType": ["int"]}]})
    upper = "A1B2C3D4-0000-4000-8000-00000000000A"
    good = {"class": "Doc", "id": upper, "properties": {"n": 1}, "vector": [0.5, 0.25]}
    bad = {"class": "Doc", "properties": {"n": "not an int"}, "vector": [1.0, 0.0]}
    r = http.post("/v1/batch/objects", json={"fields": ["ALL"], "objects": [good, bad]})
    assert r.status_code == 200
    items = r.json()
    assert isinstance(items, list) and len(items) == 2
    assert items[0]["id"] == upper  # batch does not lower-case ids
    # A stored item is echoed without its vector (megabytes in a big batch; clients read only `result`);
    # a failed one keeps it, because the client's error retry resends the item from the reply.
    assert items[0]["properties"] == {"n": 1} and "vector" not in items[0]
    assert items[0]["result"] == {}
    assert items[1]["result"]["errors"]["error"][0]["message"]
    assert "status" not in items[1]["result"]
    assert items[1]["properties"] == {"n": "not an int"} and items[1]["vector"] == [1, 0]
    # include=vector asks for Weaviate's full echo.
    r = http.post("/v1/batch/objects", params={"include": "vector"}, json={"objects": [good]})
    assert r.status_code == 200 and r.json()[0]["vector"] == [0.5, 0.25] and r.json()[0]["result"] == {}

    # Upsert: the same id again overwrites (no "already exists").
    good2 = {**good, "properties": {"n": 2}, "vector": [0.0, 1.0]}
    r = http.post("/v1/batch/objects", json={"objects": [good2]})
    assert r.status_code == 200 and r.json()[0]["result"] == {}
    stored = http.get("/v1/objects", params={"class": "Doc", "include": "vector"}).json()["objects"]
    assert len(stored) == 1
    assert stored[0]["properties"] == {"n": 2} and stored[0]["vector"] == [0, 1]

    r = http.post("/v1/batch/objects", json={"objects": []})
    assert r.status_code == 422
    assert error_messages(r) == ["invalid param 'objects': cannot be empty, need at least one object for batching"]


PEOPLE = [
    {"name": "ann", "age": 31, "height": 1.71, "member": True, "joined": "2020-01-05T10:00:00Z"},
    {"name": "bob", "age": 45, "height": 1.82, "member": False, "joined": "2021-06-01T00:00:00Z"},
    {"name": "cid", "age": 19, "height": 1.65, "member": True, "joined": "2022-03-15T12:30:00Z"},
    {"name": "dan", "age": 62, "height": 1.77, "member": False, "joined": "2019-11-30T08:00:00Z"},
    {"name": "eve", "age": 27, "height": 1.60, "member": True, "joined": "2023-02-01T00:00:00Z"},
    {"name": "fay", "age": 45, "height": 1.70, "member": True, "joined": "2018-07-04T00:00:00Z"},
]


@pytest.fixture
def people(client):
    client.schema.create_class({"class": "Person", "properties": [
        {"name": "name", "dataType": ["text"], "tokenization": "field"},
        {"name": "age", "dataType": ["int"]},
        {"name": "height", "dataType": ["number"]},
        {"name": "member", "dataType": ["boolean"]},
        {"name": "joined", "dataType": ["date"]},
    ]})
    ids = {}
    with client.batch(batch_size=100, dynamic=False) as batch:
        for p in PEOPLE:
            ids[p["name"]] = batch.add_data_object(p, "Person", vector=[p["age"] / 100, p["height"]])
    return client, ids


def remaining(client):
    objs = client.data_object.get(class_name="Person", limit=100)["objects"]
    return sorted(o["properties"]["name"] for o in objs)


@pytest.mark.parametrize("where,deleted", [
    ({"path": ["age"], "operator": "GreaterThan", "valueInt": 40}, {"bob", "dan", "fay"}),
    ({"path": ["age"], "operator": "LessThanEqual", "valueInt": 27}, {"cid", "eve"}),
    ({"path": ["height"], "operator": "GreaterThanEqual", "valueNumber": 1.77}, {"bob", "dan"}),
    ({"path": ["member"], "operator": "Equal", "valueBoolean": False}, {"bob", "dan"}),
    ({"path": ["name"], "operator": "Equal", "valueText": "eve"}, {"eve"}),
    ({"path": ["name"], "operator": "NotEqual", "valueString": "eve"}, {"ann", "bob", "cid", "dan", "fay"}),
    ({"path": ["name"], "operator": "Like", "valueText": "?a*"}, {"dan", "fay"}),
    ({"path": ["joined"], "operator": "LessThan", "valueDate": "2020-01-01T00:00:00Z"}, {"dan", "fay"}),
    ({"operator": "And", "operands": [
        {"path": ["member"], "operator": "Equal", "valueBoolean": True},
        {"path": ["age"], "operator": "GreaterThan", "valueInt": 30}]}, {"ann", "fay"}),
    ({"operator": "Or", "operands": [
        {"path": ["name"], "operator": "Equal", "valueText": "ann"},
        {"path": ["age"], "operator": "Equal", "valueInt": 62}]}, {"ann", "dan"}),
])
def test_batch_delete_where(people, where, deleted):
    client, ids = people
    result = client.batch.delete_objects("Person", where, output="verbose")
    assert result["results"]["matches"] == len(deleted)
    assert result["results"]["successful"] == len(deleted)
    assert result["results"]["failed"] == 0
    assert result["results"]["limit"] == 10_000
    assert result["output"] == "verbose" and result["dryRun"] is False
    assert result["match"]["class"] == "Person"
    statuses = {o["id"]: o["status"] for o in result["results"]["objects"]}
    assert statuses == {ids[n]: "SUCCESS" for n in deleted}
    assert remaining(client) == sorted({p["name"] for p in PEOPLE} - deleted)


def test_batch_delete_id_path_dry_run_and_minimal(people):
    client, ids = people
    where = {"path": ["id"], "operator": "Equal", "valueText": ids["cid"]}
    dry = client.batch.delete_objects("Person", where, output="verbose", dry_run=True)
    assert dry["dryRun"] is True
    assert dry["results"]["matches"] == 1
    assert dry["results"]["objects"] == [{"id": ids["cid"], "status": "DRYRUN"}]
    assert remaining(client) == sorted(p["name"] for p in PEOPLE)  # nothing deleted

    minimal = client.batch.delete_objects("Person", where)  # default output: minimal
    assert minimal["output"] == "minimal"
    assert minimal["results"]["successful"] == 1
    assert not minimal["results"].get("objects")  # minimal lists only failures
    assert "cid" not in remaining(client)


def test_batch_delete_errors(people, http):
    client, _ = people
    cases = [
        ({"match": {"where": {"path": ["age"], "operator": "Equal", "valueInt": 1}}}, "empty match.class clause"),
        ({"match": {"class": "Person"}}, "empty match.where clause"),
        ({"match": {"class": "Nope", "where": {"path": ["age"], "operator": "Equal", "valueInt": 1}}},
         "class: Nope doesn't exist"),
        ({"match": {"class": "Person", "where": {"path": ["age"], "operator": "Equal", "valueInt": 1}},
          "output": "loud"}, "invalid output"),
    ]
    for body, message in cases:
        r = http.delete("/v1/batch/objects", json=body)
        assert r.status_code == 422, (body, r.text)
        assert message in error_messages(r)[0]
    assert remaining(client) == sorted(p["name"] for p in PEOPLE)
