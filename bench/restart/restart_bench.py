"""Restart after SIGKILL: how long until a killed server answers nearVector correctly again.

For each --iris binary (several compare builds in one run): start `iris serve` with snapshots off
(IRIS_SNAPSHOT_INTERVAL_SECONDS=0, so every vector was written after the last snapshot), import
--count vectors of --dim dimensions, SIGKILL it, start it again and time (a) until
`/v1/.well-known/ready` answers and (b) until --queries nearVector queries return the exact nearest
object (each query is a stored vector, so its own object must come first). Then --kills more
kill/restart rounds check that no acknowledged object is lost. Prints the times and writes --json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid

import numpy as np
import orjson
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from iris_server import IrisServer  # noqa: E402

CLASS = "RestartBench"


def data(count: int, dim: int) -> np.ndarray:
    return np.random.default_rng(5).standard_normal((count, dim), dtype=np.float32)


def object_id(k: int) -> str:
    return str(uuid.UUID(int=k + 1))


def import_all(url: str, vecs: np.ndarray, batch: int) -> None:
    s = requests.Session()
    for i in range(0, len(vecs), batch):
        objs = [{"class": CLASS, "id": object_id(k), "properties": {"n": k}, "vector": vecs[k]}
                for k in range(i, min(i + batch, len(vecs)))]
        # orjson writes numpy rows directly: at 1M x 512-d, json.dumps of Python floats would take longer
        # than the server needs to import them.
        body = orjson.dumps({"objects": objs}, option=orjson.OPT_SERIALIZE_NUMPY)
        r = s.post(url + "/v1/batch/objects", data=body, headers={"content-type": "application/json"}, timeout=600)
        r.raise_for_status()
        assert all("errors" not in o["result"] for o in r.json())


def answers(url: str, vecs: np.ndarray, picks: list[int]) -> list[list[str]] | None:
    """The ids of each pick's 10 nearest objects, or None while the server cannot answer."""
    s = requests.Session()
    out = []
    for k in picks:
        gql = "{Get{%s(nearVector:{vector:%s} limit:10){_additional{id}}}}" % (CLASS, json.dumps(vecs[k].tolist()))
        try:
            hits = s.post(url + "/v1/graphql", json={"query": gql}, timeout=30).json()["data"]["Get"][CLASS]
        except (requests.RequestException, KeyError, TypeError, ValueError):
            return None
        out.append([h["_additional"]["id"] for h in hits or []])
    return out


def count(url: str) -> int:
    r = requests.post(url + "/v1/graphql", json={"query": "{Aggregate{%s{meta{count}}}}" % CLASS}, timeout=60)
    return r.json()["data"]["Aggregate"][CLASS][0]["meta"]["count"]


def run_one(binary: str, args) -> dict:
    root = args.reuse or tempfile.mkdtemp(prefix="iris-restart-")
    server = IrisServer(binary, root, {"IRIS_SNAPSHOT_INTERVAL_SECONDS": "0"})
    vecs = data(args.count, args.dim)
    picks = list(np.random.default_rng(6).choice(args.count, size=args.queries, replace=False))
    import_seconds = None
    try:
        server.start()
        server.wait_ready()
        if not args.reuse:
            import_seconds = create_and_import(server.url, vecs, args)
        # "Correct" is: the same answers as before the kill. Each query is a stored vector, so its own
        # object comes first when the search finds it, but an approximate index on hard data (random
        # 512-d at 1M) may miss some, before a kill and after alike.
        before = answers(server.url, vecs, picks)
        assert before and all(before), "no answers before the kill"
        server.kill()

        t0 = server.start()
        server.wait_ready()
        ready = time.perf_counter() - t0
        while answers(server.url, vecs, picks) != before:
            time.sleep(0.05)
        correct = time.perf_counter() - t0
        assert count(server.url) == args.count

        lost = 0
        for _ in range(args.kills):
            server.kill()
            server.start()
            server.wait_ready()
            lost = max(lost, args.count - count(server.url))
            assert answers(server.url, vecs, picks[:5]) == before[:5]
        return {"binary": binary, "count": args.count, "dim": args.dim, "m": args.m, "efc": args.efc,
                "import_seconds": import_seconds,
                "ready_after_kill_seconds": ready, "correct_after_kill_seconds": correct,
                "kills": args.kills, "max_lost": lost}
    finally:
        server.stop()
        if not args.reuse:
            shutil.rmtree(root, ignore_errors=True)


def create_and_import(url: str, vecs: np.ndarray, args) -> float:
    """Creates the class and imports every vector; returns the import's seconds."""
    requests.post(server.url + "/v1/schema", json={"class": CLASS, "vectorizer": "none", "properties": [
            {"name": "n", "dataType": ["int"]}], "vectorIndexConfig": {"maxConnections": args.m,
                                                                        "efConstruction": args.efc}},
                  timeout=60).raise_for_status()
    t = time.perf_counter()
    import_all(url, vecs, args.batch)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iris", action="append", required=True)
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--m", type=int, default=64, help="maxConnections (Weaviate's default 64)")
    ap.add_argument("--efc", type=int, default=128, help="efConstruction (Weaviate's default 128)")
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--kills", type=int, default=0, help="extra kill/restart rounds checking for lost objects")
    ap.add_argument("--reuse", help="a folder a previous run of the same --count/--dim left (its data/ is kept): "
                                     "skip the import; a kill mid-way through the queries does no harm")
    ap.add_argument("--json")
    args = ap.parse_args()
    results = [run_one(b, args) for b in args.iris]
    for r in results:
        print(f"{r['binary']}: {r['count']} x {r['dim']}-d (M={r['m']}, efC={r['efc']}) imported in "
              f"{r['import_seconds'] or 0:.1f} s; after SIGKILL "
              f"ready in {r['ready_after_kill_seconds']:.2f} s, correct nearVector in {r['correct_after_kill_seconds']:.2f} s; "
              f"{r['kills']} more kills lost {r['max_lost']} objects")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
