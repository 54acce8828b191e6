"""~200 MB REST bodies of numbers (issue #17): the server stays up, answers its readiness probe within a
second meanwhile, and its resident memory grows by less than 2 GiB; the batch reply does not echo the
vectors it stored.

Each test sends its body once (about 10 s each on a 2-core machine) and reads the server's peak resident
memory from /proc/<pid>/status (VmHWM) against its resident memory before the request."""
from __future__ import annotations

import json
import threading
import time

import requests

MIB = 1 << 20
GIB = 1 << 30
DIM = 8192
OBJECTS = 2048  # x DIM components of ~12 bytes: ~201 MB


def status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field}")


class ReadyProbe(threading.Thread):
    """Polls /v1/.well-known/ready until stopped; keeps the slowest answer (inf for none within 1 s)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.slowest = 0.0
        self.probes = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                ok = requests.get(self.url + "/v1/.well-known/ready", timeout=1).status_code == 200
            except requests.RequestException:
                ok = False
            took = time.monotonic() - started if ok else float("inf")
            self.slowest = max(self.slowest, took)
            self.probes += 1
            self.stop.wait(0.1)


def send(server, path: str, body: bytes, timeout: float = 120):
    """POSTs `body`; returns (response, RSS growth in bytes, slowest ready probe in s, probes)."""
    before = status_kib(server.proc.pid, "VmRSS")
    probe = ReadyProbe(server.url)
    probe.start()
    try:
        r = requests.post(server.url + path, data=body, headers={"content-type": "application/json"},
                          timeout=timeout)
    finally:
        probe.stop.set()
        probe.join()
    grown = status_kib(server.proc.pid, "VmHWM") - before
    return r, grown, probe.slowest, probe.probes


def vector_text(i: int) -> str:
    # Distinct vectors (HNSW dislikes duplicates); ~12 characters per component.
    return "[" + ",".join(f"{((i * 7919 + k * 104729) % 1000003) / 1000003:.9f}" for k in range(DIM)) + "]"


def big_batch() -> bytes:
    tails = [vector_text(i) for i in range(16)]
    parts = []
    for i in range(OBJECTS):
        # The first component makes every vector unique without formatting 16 M numbers in Python.
        tail = tails[i % 16]
        parts.append('{"class":"Big","properties":{"i":%d},"vector":[%d.5,%s}' % (i, i, tail[1:-1] + "]"))
    return ('{"objects":[' + ",".join(parts) + "]}").encode()


def test_batch_of_big_vectors(iris_factory):
    server = iris_factory()
    r = requests.post(server.url + "/v1/schema", json={"class": "Big", "vectorizer": "none", "properties": [
        {"name": "i", "dataType": ["int"]}]})
    assert r.status_code == 200, r.text
    body = big_batch()
    assert len(body) >= 200_000_000

    r, grown, slowest, probes = send(server, "/v1/batch/objects", body)
    print(f"batch: {len(body) / MIB:.0f} MiB body, RSS grew {grown / MIB:.0f} MiB, slowest ready {slowest:.3f} s "
          f"({probes} probes), reply {len(r.content) / MIB:.2f} MiB")
    assert r.status_code == 200, r.text[:500]
    items = r.json()
    assert len(items) == OBJECTS
    assert all(item["result"] == {} for item in items), [i for i in items if i["result"]][:2]
    # No vector echo: the reply is a few hundred bytes per object, not the 100 KB each vector took.
    assert "vector" not in items[0] and len(r.content) < OBJECTS * 400
    assert server.running, server.log_tail()
    assert grown < 2 * GIB, grown
    assert slowest < 1, slowest

    stored = requests.get(f"{server.url}/v1/objects/Big/{items[7]['id']}", params={"include": "vector"}).json()
    assert stored["properties"] == {"i": 7}
    assert len(stored["vector"]) == DIM + 1 and stored["vector"][0] == 7.5


def test_single_object_with_a_huge_array(iris_factory):
    server = iris_factory()
    # ~17 M numbers in one property: autoschema makes it number[].
    count = 17_000_000  # x 12 bytes: 204 MB
    numbers = ",".join(["0.123456789"] * 1000)
    body = ('{"class":"Huge","properties":{"nums":[' + ",".join([numbers] * (count // 1000)) + "]}}").encode()
    assert len(body) >= 200_000_000

    r, grown, slowest, probes = send(server, "/v1/objects", body)
    print(f"object: {len(body) / MIB:.0f} MiB body, RSS grew {grown / MIB:.0f} MiB, slowest ready {slowest:.3f} s "
          f"({probes} probes), status {r.status_code}, reply {len(r.content) / MIB:.2f} MiB")
    assert server.running, server.log_tail()
    assert grown < 2 * GIB, grown
    assert slowest < 1, slowest
    assert requests.get(server.url + "/v1/.well-known/ready", timeout=1).status_code == 200


def test_body_of_tiny_numbers(iris_factory):
    # 100 M one-digit numbers in ~191 MiB: under IRIS_MAX_BODY_BYTES, but 16+ bytes each once parsed (this
    # took 5.2 GiB before IRIS_MAX_BODY_VALUES); refused once the parser passes the value cap.
    server = iris_factory()
    ones = ",".join(["1"] * 1000)
    body = ('{"class":"Tiny","properties":{"nums":[' + ",".join([ones] * 100_000) + "]}}").encode()
    r, grown, slowest, probes = send(server, "/v1/objects", body)
    print(f"tiny: {len(body) / MIB:.0f} MiB body, RSS grew {grown / MIB:.0f} MiB, slowest ready {slowest:.3f} s "
          f"({probes} probes), status {r.status_code}")
    assert r.status_code == 413, r.text[:300]
    assert r.json() == {"code": 413, "message": "request body too large: it holds more than 25000000 JSON values "
                                                "(IRIS_MAX_BODY_VALUES)"}
    assert server.running, server.log_tail()
    assert grown < 2 * GIB, grown
    assert slowest < 1, slowest
    assert requests.get(server.url + "/v1/schema").json()["classes"] == []


def test_value_cap_from_the_environment(iris_factory):
    server = iris_factory({"IRIS_MAX_BODY_VALUES": "10"})
    # Object, class string, properties object, array and 3 numbers: 7 values.
    r = requests.post(server.url + "/v1/objects", json={"class": "Few", "properties": {"n": [1, 2, 3]}})
    assert r.status_code == 200, r.text
    r = requests.post(server.url + "/v1/objects", json={"class": "Few", "properties": {"n": list(range(8))}})
    assert r.status_code == 413 and "more than 10 JSON values" in r.json()["message"]
    r = requests.post(server.url + "/v1/batch/objects", json={"objects": [{"class": "Few", "vector": list(range(9))}]})
    assert r.status_code == 413 and "IRIS_MAX_BODY_VALUES" in r.json()["message"]
