"""Restart after SIGKILL without recomputation: 100,000 128-d vectors written after the last snapshot
come back from the HNSW graph log, so the restarted server answers nearVector correctly within seconds
(re-inserting them would take about as long as the import did)."""
import json
import os
import time
import uuid

import numpy as np
import requests

COUNT = int(os.environ.get("IRIS_RESTART_COUNT", "100000"))
DIM = 128
BATCH = 1000
LIMIT_SECONDS = 5.0


def object_id(k: int) -> str:
    return str(uuid.UUID(int=(0xABCD << 96) | k, version=4))


def nearest(url: str, vector: np.ndarray) -> str | None:
    gql = "{Get{Restart(nearVector:{vector:%s} limit:1){_additional{id}}}}" % json.dumps(vector.tolist())
    try:
        hits = requests.post(url + "/v1/graphql", json={"query": gql}, timeout=10).json()["data"]["Get"]["Restart"]
    except (requests.RequestException, KeyError, TypeError, ValueError):
        return None
    return hits[0]["_additional"]["id"] if hits else None


def test_sigkill_after_100k_vectors_answers_within_seconds(iris_factory):
    server = iris_factory(env={"IRIS_SNAPSHOT_INTERVAL_SECONDS": "0"})  # no snapshot: everything is in the log
    requests.post(server.url + "/v1/schema", json={"class": "Restart", "vectorizer": "none", "properties": [
        {"name": "n", "dataType": ["int"]}]}, timeout=30).raise_for_status()
    vectors = np.random.default_rng(11).standard_normal((COUNT, DIM), dtype=np.float32)
    session = requests.Session()
    started = time.perf_counter()
    for i in range(0, COUNT, BATCH):
        objs = [{"class": "Restart", "id": object_id(k), "properties": {"n": k}, "vector": vectors[k].tolist()}
                for k in range(i, min(i + BATCH, COUNT))]
        r = session.post(server.url + "/v1/batch/objects", json={"objects": objs}, timeout=600)
        assert r.status_code == 200 and all("errors" not in o["result"] for o in r.json())
    import_seconds = time.perf_counter() - started
    assert not list((server.data_path / "indexes").glob("*.index")), "a snapshot was written; the test needs none"

    server.kill()
    picks = np.random.default_rng(12).choice(COUNT, size=20, replace=False)
    t0 = time.perf_counter()
    server.start(wait=False)
    while True:
        elapsed = time.perf_counter() - t0
        assert elapsed < LIMIT_SECONDS, (f"no correct nearVector answer {LIMIT_SECONDS} s after the restart "
                                         f"(the import took {import_seconds:.0f} s)\n{server.log_tail()}")
        if all(nearest(server.url, vectors[k]) == object_id(int(k)) for k in picks):
            break
        time.sleep(0.05)
    count = requests.post(server.url + "/v1/graphql", json={"query": "{Aggregate{Restart{meta{count}}}}"},
                          timeout=30).json()["data"]["Aggregate"]["Restart"][0]["meta"]["count"]
    assert count == COUNT
    print(f"import {import_seconds:.1f} s; correct answers {elapsed:.2f} s after SIGKILL restart")
