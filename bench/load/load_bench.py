"""Latency of ready checks and nearVector queries while a big batch import runs.

One `iris serve` (the binary given with --iris; pass several to compare builds in one run). For each:
preload --preload objects, measure idle latency of `GET /v1/.well-known/ready` and a GraphQL
nearVector query (limit 10) for --idle-seconds, then import --count objects from --clients processes
in batches of --batch while the probe keeps measuring. Prints p50/p99 idle and under load, the
ratios, and the import rate; --json writes them to a file.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid

import numpy as np
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from iris_server import IrisServer  # noqa: E402

CLASS = "LoadBench"


def vectors(seed: int, n: int, dim: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)


def import_range(url: str, start: int, stop: int, dim: int, batch: int, seed: int) -> int:
    s = requests.Session()
    v = vectors(seed, stop - start, dim)
    for i in range(start, stop, batch):
        objs = [{"class": CLASS, "id": str(uuid.UUID(int=k + 1)), "properties": {"n": k},
                 "vector": v[k - start].tolist()} for k in range(i, min(i + batch, stop))]
        r = s.post(url + "/v1/batch/objects", json={"objects": objs}, timeout=600)
        r.raise_for_status()
        errors = [o for o in r.json() if "errors" in o["result"]]
        if errors:
            raise RuntimeError(errors[0])
    return stop - start


def probe(url: str, dim: int, stop_at: mp.Event, out: mp.Queue, pause: float) -> None:
    """Alternates a ready check and a nearVector query until `stop_at` is set."""
    s = requests.Session()
    q = vectors(99, 64, dim)
    ready, query, k = [], [], 0
    while not stop_at.is_set():
        t0 = time.perf_counter()
        s.get(url + "/v1/.well-known/ready", timeout=60).raise_for_status()
        ready.append(time.perf_counter() - t0)
        gql = "{Get{%s(nearVector:{vector:%s} limit:10){_additional{id}}}}" % (CLASS, json.dumps(q[k % 64].tolist()))
        t0 = time.perf_counter()
        r = s.post(url + "/v1/graphql", json={"query": gql}, timeout=60)
        query.append(time.perf_counter() - t0)
        r.raise_for_status()
        k += 1
        time.sleep(pause)
    out.put((ready, query))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def measure(url: str, dim: int, seconds: float | None, pause: float, work=None):
    stop_at, out = mp.Event(), mp.Queue()
    p = mp.Process(target=probe, args=(url, dim, stop_at, out, pause))
    p.start()
    t0 = time.perf_counter()
    result = None
    if work is None:
        time.sleep(seconds)
    else:
        result = work()
    elapsed = time.perf_counter() - t0
    stop_at.set()
    ready, query = out.get()
    p.join()
    return ready, query, elapsed, result


def run_one(binary: str, args) -> dict:
    root = tempfile.mkdtemp(prefix="iris-load-")
    server = IrisServer(binary, root, {"QUERY_DEFAULTS_LIMIT": "25"})
    server.start()
    server.wait_ready(120)
    url = server.url
    try:
        requests.post(url + "/v1/schema", json={"class": CLASS, "vectorizer": "none", "properties": [
            {"name": "n", "dataType": ["int"]}]}, timeout=60).raise_for_status()
        import_range(url, 0, args.preload, args.dim, args.batch, seed=1)
        idle_ready, idle_query, _, _ = measure(url, args.dim, args.idle_seconds, args.pause)

        per = args.count // args.clients
        ranges = [(args.preload + c * per, args.preload + (c + 1) * per) for c in range(args.clients)]

        def work():
            with mp.Pool(args.clients) as pool:
                return sum(pool.starmap(import_range, [(url, a, b, args.dim, args.batch, 10 + c)
                                                       for c, (a, b) in enumerate(ranges)]))
        load_ready, load_query, elapsed, imported = measure(url, args.dim, None, args.pause, work)
        count = requests.post(url + "/v1/graphql", json={"query": "{Aggregate{%s{meta{count}}}}" % CLASS},
                              timeout=60).json()["data"]["Aggregate"][CLASS][0]["meta"]["count"]
        assert count == args.preload + imported, (count, args.preload, imported)
        return {
            "binary": binary,
            "idle": {"ready_p50_ms": pct(idle_ready, 50), "ready_p99_ms": pct(idle_ready, 99),
                     "query_p50_ms": pct(idle_query, 50), "query_p99_ms": pct(idle_query, 99), "samples": len(idle_query)},
            "import": {"ready_p50_ms": pct(load_ready, 50), "ready_p99_ms": pct(load_ready, 99),
                       "ready_max_ms": max(load_ready) * 1000,
                       "query_p50_ms": pct(load_query, 50), "query_p99_ms": pct(load_query, 99),
                       "samples": len(load_query), "objects": imported, "seconds": elapsed,
                       "objects_per_second": imported / elapsed},
        }
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iris", action="append", required=True, help="iris binary (repeat to compare builds)")
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--preload", type=int, default=10_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--idle-seconds", type=float, default=10)
    ap.add_argument("--pause", type=float, default=0.02, help="seconds between probe rounds")
    ap.add_argument("--json")
    args = ap.parse_args()
    results = [run_one(b, args) for b in args.iris]
    print(f"{'binary':<40} {'phase':<7} {'ready p50':>10} {'ready p99':>10} {'query p50':>10} {'query p99':>10} {'obj/s':>8}")
    for r in results:
        for phase in ("idle", "import"):
            m = r[phase]
            print(f"{r['binary'][-40:]:<40} {phase:<7} {m['ready_p50_ms']:>10.2f} {m['ready_p99_ms']:>10.2f} "
                  f"{m['query_p50_ms']:>10.2f} {m['query_p99_ms']:>10.2f} {m.get('objects_per_second', 0):>8.0f}")
        print(f"  query p99 under import / idle: {r['import']['query_p99_ms'] / r['idle']['query_p99_ms']:.2f}x"
              f"  (target < 3x); ready p99 under import: {r['import']['ready_p99_ms']:.1f} ms (target < 50 ms)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
