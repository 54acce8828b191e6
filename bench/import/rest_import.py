"""REST batch-import benchmark: objects/s over POST /v1/batch/objects against a release `iris serve`,
next to `bench-store` (the same objects written through the Database API, no HTTP).

The objects are bench-store's: class BenchImport, {title, index, score, tag}, a 512-d vector of
xorshift64* uniforms in [-1, 1), ids from the index. Request bodies are encoded before the clock starts
and sent over one keep-alive connection with http.client, so the rate is the server's, not Python's
JSON encoder's. Each batch size runs on a fresh server (fresh data folder); the server's peak RSS is its
VmHWM after the import.

Usage: rest_import.py --iris PATH --store PATH [--count 10000] [--batch-sizes 100,1000] [--dimensions 512]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

MASK = (1 << 64) - 1
TAGS = ["red", "green", "blue", "cyan", "magenta", "yellow", "black", "white"]


def vectors(count, dims, seed):
    """bench-store's xorshift64* stream, as floats exactly equal to its Float values."""
    state = seed
    scale = 2.0 / (1 << 24)
    out = []
    for _ in range(count):
        v = []
        for _ in range(dims):
            state ^= state >> 12
            state ^= (state << 25) & MASK
            state ^= state >> 27
            v.append((((state * 2685821657736338717) & MASK) >> 40) * scale - 1.0)
        out.append(v)
    return out


def objects(count, dims, seed):
    for i, vec in enumerate(vectors(count, dims, seed)):
        yield {
            "class": "BenchImport",
            "id": f"{i >> 16:08x}-0000-4000-8000-{i:012x}",
            "properties": {"title": f"object {i}", "index": i, "score": i * 0.25, "tag": TAGS[i % len(TAGS)]},
            "vector": vec,
        }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def run_rest(iris, bodies, count, batch_size):
    data = tempfile.mkdtemp(prefix="iris-bench-import-")
    port = free_port()
    env = {**os.environ, "PERSISTENCE_DATA_PATH": data, "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "true",
           "LOG_LEVEL": "info", "QUERY_DEFAULTS_LIMIT": "25", "GRPC_PORT": str(free_port())}
    server = subprocess.Popen([iris, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn = None
        for _ in range(600):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                conn.request("GET", "/v1/.well-known/ready")
                ready = conn.getresponse()
                ready.read()
                if ready.status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        schema = {"class": "BenchImport", "properties": [
            {"name": "title", "dataType": ["text"]}, {"name": "index", "dataType": ["int"]},
            {"name": "score", "dataType": ["number"]}, {"name": "tag", "dataType": ["text"]}]}
        conn.request("POST", "/v1/schema", body=json.dumps(schema), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"create class: {response.status} {response.read()[:300]!r}")
        response.read()
        headers = {"Content-Type": "application/json"}
        t0 = time.perf_counter()
        for body in bodies:
            conn.request("POST", "/v1/batch/objects", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200 or b'"errors"' in payload:
                raise RuntimeError(f"batch failed: {response.status} {payload[:300]!r}")
        seconds = time.perf_counter() - t0
        rss = peak_rss(server.pid)
        conn.request("GET", "/v1/nodes")
        stored = json.loads(conn.getresponse().read())["nodes"][0]["stats"]["objectCount"]
        if stored != count:
            raise RuntimeError(f"{stored} of {count} objects stored")
        return {"batchSize": batch_size, "seconds": seconds, "objectsPerSecond": count / seconds,
                "serverPeakRSSBytes": rss, "requestBytes": sum(len(b) for b in bodies)}
    finally:
        server.terminate()
        server.wait(60)
        shutil.rmtree(data, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iris", required=True)
    ap.add_argument("--store", required=True)
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--batch-sizes", default="100,1000")
    ap.add_argument("--dimensions", type=int, default=512)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    sizes = [int(s) for s in args.batch_sizes.split(",")]

    t = time.perf_counter()
    objs = list(objects(args.count, args.dimensions, args.seed))
    print(f"generated {len(objs)} objects in {time.perf_counter() - t:.1f}s", file=sys.stderr)

    rest = []
    for size in sizes:
        bodies = [json.dumps({"fields": ["ALL"], "objects": objs[i:i + size]}).encode()
                  for i in range(0, len(objs), size)]
        rest.append(run_rest(args.iris, bodies, args.count, size))
        print(f"REST batch {size}: {rest[-1]['objectsPerSecond']:.0f} objects/s", file=sys.stderr)

    store = json.loads(subprocess.run(
        [args.store, "--count", str(args.count), "--batch-sizes", args.batch_sizes,
         "--dimensions", str(args.dimensions), "--seed", str(args.seed)],
        check=True, capture_output=True, text=True).stdout)
    store_rates = {r["batchSize"]: r["objectsPerSecond"] for r in store["results"]}

    print(f"\nbench/import: {args.count} objects, {args.dimensions}-d vectors "
          f"(REST client: Python http.client, pre-encoded bodies, one connection)")
    print(f"{'batch':>6} {'REST obj/s':>12} {'store obj/s':>12} {'REST/store':>11} {'server peak RSS':>16}")
    for r in rest:
        s = store_rates.get(r["batchSize"])
        ratio = f"{r['objectsPerSecond'] / s:.2f}" if s else "-"
        print(f"{r['batchSize']:>6} {r['objectsPerSecond']:>12.0f} {s or 0:>12.0f} {ratio:>11} "
              f"{r['serverPeakRSSBytes'] / 2**20:>13.0f} MiB")
    print(f"bench-store peak RSS (whole run): {store['peakRSSBytes'] / 2**20:.0f} MiB")
    print(json.dumps({"rest": rest, "store": store}))


if __name__ == "__main__":
    main()
