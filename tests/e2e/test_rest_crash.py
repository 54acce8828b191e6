"""Durability: batch-import in a loop while the server is SIGKILLed at random moments (>= 20 times).

After every restart each object acknowledged with 200 (and no per-item error) must be present with
identical properties and vector, and every object of a batch that was in flight when the server died
must be either absent or complete (never half-written)."""
import os
import random
import threading
import time
import uuid

import numpy as np
import pytest
import requests

from conftest import backend_env

pytestmark = pytest.mark.backends("sqlite", "postgres")

KILLS = int(os.environ.get("IRIS_CRASH_KILLS", "20"))
DIM = 64
BATCH = 40


def make_batch(rng: random.Random, serial: int):
    objects = []
    for j in range(BATCH):
        n = serial * BATCH + j
        vector = np.asarray([rng.uniform(-1, 1) for _ in range(DIM)], dtype=np.float32)
        objects.append({
            "class": "Crash",
            "id": str(uuid.UUID(int=(0xC0FFEE << 96) | n, version=4)),
            "properties": {"serial": serial, "n": n, "text": f"object {n} " + "x" * rng.randint(0, 200),
                           "score": rng.random(), "tags": [f"t{n % 5}", f"s{serial}"]},
            "vector": [float(x) for x in vector],
        })
    return objects


def stored_objects(url):
    """Every Crash object, by id, via the cursor."""
    out, after = {}, None
    while True:
        params = {"class": "Crash", "limit": 1000, "include": "vector"}
        if after:
            params["after"] = after
        page = requests.get(url + "/v1/objects", params=params, timeout=60).json()["objects"]
        if not page:
            return out
        for o in page:
            out[o["id"]] = o
        after = page[-1]["id"]


def same(expected, got):
    return (got is not None and got["properties"] == expected["properties"]
            and np.array_equal(np.asarray(got["vector"], dtype=np.float32),
                               np.asarray(expected["vector"], dtype=np.float32)))


def test_sigkill_during_batch_import_loses_nothing_acknowledged(iris_factory, backend, request):
    # On PostgreSQL the restarted server opens the same database (the environment stays).
    server = iris_factory(env=backend_env(backend, request))
    schema = {"class": "Crash", "properties": [
        {"name": "serial", "dataType": ["int"]}, {"name": "n", "dataType": ["int"]},
        {"name": "text", "dataType": ["text"]}, {"name": "score", "dataType": ["number"]},
        {"name": "tags", "dataType": ["text[]"]}]}
    requests.post(server.url + "/v1/schema", json=schema, timeout=30).raise_for_status()

    rng = random.Random(20240601)
    acknowledged: dict[str, dict] = {}
    serial = 0
    kills = 0
    while kills < KILLS:
        # Kill at a random moment while the importer is busy.
        delay = rng.uniform(0.05, 0.6)
        killer = threading.Timer(delay, server.kill)
        in_flight: list[dict] = []
        killer.start()
        session = requests.Session()
        try:
            while True:
                batch = make_batch(rng, serial)
                serial += 1
                in_flight = batch
                r = session.post(server.url + "/v1/batch/objects", json={"objects": batch}, timeout=30)
                assert r.status_code == 200, r.text
                results = r.json()
                assert all("errors" not in item["result"] for item in results), results
                for o in batch:
                    acknowledged[o["id"]] = o
                in_flight = []
        except requests.ConnectionError:
            pass  # the server died under us
        finally:
            killer.join()
            session.close()
        kills += 1
        assert not server.running

        server.start()
        stored = stored_objects(server.url)
        missing = [i for i, o in acknowledged.items() if not same(o, stored.get(i))]
        assert missing == [], f"after kill {kills}: {len(missing)} acknowledged objects lost or changed"
        for o in in_flight:  # the batch that may or may not have committed
            if o["id"] in stored:
                assert same(o, stored[o["id"]]), f"half-written object {o['id']} after kill {kills}"
        unexpected = set(stored) - set(acknowledged) - {o["id"] for o in in_flight}
        assert unexpected == set()
        # Objects of the in-flight batch that did commit are now as good as acknowledged.
        for o in in_flight:
            if o["id"] in stored:
                acknowledged[o["id"]] = o

    assert kills >= 20 or KILLS < 20
    assert len(acknowledged) > 0
    # A final graceful stop persists and restarts cleanly with the same data.
    assert server.stop() == 0
    server.start()
    assert set(stored_objects(server.url)) == set(acknowledged)
