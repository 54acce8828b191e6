"""Two Iris nodes on one PostgreSQL database (issue #12, design §4): a class created through node A is
used through node B at once; batch import through A while B serves queries; SIGKILL of A mid-import
loses no acknowledged object, and B keeps serving."""
import random
import threading
import time
import uuid

import numpy as np
import pytest
import requests

import pg_server

DIM = 16


def objects(serial: int, rng: random.Random, count: int = 50):
    return [{"class": "Shared",
             "id": str(uuid.UUID(int=(0xB0B << 96) | (serial * count + j), version=4)),
             "properties": {"serial": serial, "label": f"item {serial}-{j}"},
             "vector": [rng.uniform(-1, 1) for _ in range(DIM)]} for j in range(count)]


@pytest.fixture
def two_nodes(iris_factory, postgres_url):
    env = {"IRIS_STORAGE_URL": pg_server.new_database(postgres_url)}
    return iris_factory(env=env), iris_factory(env=env)


def test_class_created_on_one_node_is_used_at_once_on_the_other(two_nodes):
    a, b = two_nodes
    r = requests.post(a.url + "/v1/schema", json={"class": "Shared", "properties": [
        {"name": "serial", "dataType": ["int"]}, {"name": "label", "dataType": ["text"]}]}, timeout=30)
    assert r.status_code == 200, r.text
    # B has been told by notification, or catches up when it takes the schema lock for auto-schema.
    r = requests.post(b.url + "/v1/objects", json={"class": "Shared", "properties": {"serial": 1, "label": "from b"},
                                                   "vector": [0.5] * DIM}, timeout=30)
    assert r.status_code == 200, r.text
    got = requests.get(f"{a.url}/v1/objects/Shared/{r.json()['id']}", timeout=30)
    assert got.status_code == 200 and got.json()["properties"]["label"] == "from b"
    classes = [c["class"] for c in requests.get(b.url + "/v1/schema", timeout=30).json()["classes"]]
    assert classes == ["Shared"]



def test_each_request_on_the_other_node_sees_the_acknowledged_schema(two_nodes):
    """Read-only requests on B right after each acknowledged change on A (no write on B to take the schema
    lock): B's check before every request, not the notification, must make the change visible."""
    a, b = two_nodes
    for i in range(15):
        name = f"Quick{i}"
        r = requests.post(a.url + "/v1/schema", json={"class": name, "properties": [{"name": "a", "dataType": ["text"]}]},
                          timeout=30)
        assert r.status_code == 200, r.text
        got = requests.post(b.url + "/v1/graphql", json={"query": f"{{ Get {{ {name} {{ a }} }} }}"}, timeout=30).json()
        assert "errors" not in got and got["data"]["Get"][name] == [], got
        r = requests.post(f"{a.url}/v1/schema/{name}/properties", json={"name": "n", "dataType": ["int"]}, timeout=30)
        assert r.status_code == 200, r.text
        where = '{path: ["n"], operator: GreaterThan, valueInt: 0}'
        got = requests.post(b.url + "/v1/graphql", json={"query": f"{{ Get {{ {name}(where: {where}) {{ n }} }} }}"},
                            timeout=30).json()
        assert "errors" not in got, got
        assert requests.delete(f"{a.url}/v1/schema/{name}", timeout=30).status_code == 200
        assert requests.get(f"{b.url}/v1/schema/{name}", timeout=30).status_code == 404

def test_sigkill_of_one_node_mid_import_loses_nothing_acknowledged(two_nodes):
    a, b = two_nodes
    requests.post(a.url + "/v1/schema", json={"class": "Shared", "properties": [
        {"name": "serial", "dataType": ["int"]}, {"name": "label", "dataType": ["text"]}]},
        timeout=30).raise_for_status()
    # Reads on B see a class once B has handled A's schema notification (milliseconds; a read does not
    # check the stored schema version yet, docs/design/postgres-backend.md "Status").
    deadline = time.monotonic() + 10
    while not requests.get(b.url + "/v1/schema/Shared", timeout=30).ok:
        assert time.monotonic() < deadline, "node B never heard of class Shared"
        time.sleep(0.02)
    rng = random.Random(12)
    acknowledged: dict[str, dict] = {}
    stop = threading.Event()
    query_errors: list[str] = []

    def query_b():  # B serves nearVector queries throughout
        q = {"query": "{Get{Shared(nearVector: {vector: [%s]} limit: 3){serial}}}" % ",".join(["0.1"] * DIM)}
        while not stop.is_set():
            r = requests.post(b.url + "/v1/graphql", json=q, timeout=30)
            if r.status_code != 200 or "errors" in r.json():
                query_errors.append(r.text)
            time.sleep(0.01)

    reader = threading.Thread(target=query_b)
    reader.start()
    killer = threading.Timer(1.5, a.kill)
    killer.start()
    serial = 0
    try:
        with requests.Session() as s:
            while True:
                batch = objects(serial, rng)
                serial += 1
                r = s.post(a.url + "/v1/batch/objects", json={"objects": batch}, timeout=30)
                assert r.status_code == 200, r.text
                assert all("errors" not in item["result"] for item in r.json())
                for o in batch:
                    acknowledged[o["id"]] = o
    except requests.ConnectionError:
        pass
    finally:
        killer.join()
        stop.set()
        reader.join()
    assert not a.running
    assert query_errors == []
    assert len(acknowledged) > 0
    for oid, o in acknowledged.items():
        got = requests.get(f"{b.url}/v1/objects/Shared/{oid}", params={"include": "vector"}, timeout=30)
        assert got.status_code == 200, oid
        assert got.json()["properties"] == o["properties"]
        assert np.allclose(got.json()["vector"], o["vector"], atol=1e-6)


def test_vectors_wait_for_their_index_until_the_import_pauses(two_nodes):
    """The HNSW index is built once writes pause (docs/design/postgres-backend.md, "Building the index"):
    meanwhile every node shows the shard INDEXING with the waiting vectors, and answers nearVector by exact
    scan; afterwards READY, through the index, with the same answers."""
    a, b = two_nodes
    requests.post(a.url + "/v1/schema", json={"class": "Shared", "vectorIndexConfig": {"distance": "l2-squared"}},
                  timeout=30).raise_for_status()
    rng = random.Random(5)
    stored = []
    for serial in range(4):
        batch = objects(serial, rng, count=250)
        r = requests.post(a.url + "/v1/batch/objects", json={"objects": batch}, timeout=60)
        assert r.status_code == 200 and all("errors" not in i["result"] for i in r.json()), r.text
        stored += batch
    vectors = np.array([o["vector"] for o in stored], dtype=np.float32)
    query = [rng.uniform(-1, 1) for _ in range(DIM)]
    exact = [stored[i]["id"] for i in np.argsort(((vectors - np.array(query, dtype=np.float32)) ** 2).sum(axis=1))[:10]]
    gql = {"query": "{Get{Shared(nearVector: {vector: [%s]} limit: 10){_additional{id}}}}" % ",".join(map(str, query))}

    def shard(node):
        return requests.get(node.url + "/v1/nodes", timeout=30).json()["nodes"][0]["shards"][0]

    def answer(node):
        r = requests.post(node.url + "/v1/graphql", json=gql, timeout=30)
        return [h["_additional"]["id"] for h in r.json()["data"]["Get"]["Shared"]]

    first = shard(b)  # two seconds without writes have not passed yet
    assert (first["vectorIndexingStatus"], first["vectorQueueLength"], first["objectCount"]) == ("INDEXING", 1000, 1000)
    assert answer(b) == exact
    deadline = time.monotonic() + 120
    while shard(b)["vectorIndexingStatus"] != "READY":
        assert time.monotonic() < deadline, shard(b)
        time.sleep(0.2)
    assert shard(a)["vectorQueueLength"] == 0
    assert answer(b) == exact and answer(a) == exact
