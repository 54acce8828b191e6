"""GraphQL query benchmark: nearVector (limit 10) over HTTP against a release `iris serve`, next to the
in-process HNSW index (bench-ann) at the same ef, on the same 100,000 x 512-d vectors (bench/ann/prepare.py's
random512 set).

Steps: start a server on a fresh data folder, create a class with the given hnsw settings, import the base
vectors through POST /v1/batch/objects, check recall@10 of the GraphQL answers against the exact top 10,
then drive POST /v1/graphql with wrk (2 threads, 2 keep-alive connections = 2 concurrent clients, each
request a different query vector) and report QPS and p50/p99 latency. bench-ann then builds the same
index in-process and times single-threaded searches at the same ef. The ratio is HTTP QPS / in-process QPS.

With --bench-grpc and --v4-python the same queries also go through gRPC Search (the API today's clients
use): grpc_messages.py encodes them with weaviate-client 4.x's protobuf classes, bench-grpc drives them with
the same number of concurrent clients, and recall is checked on its replies.

Usage: query_bench.py --iris PATH --bench-ann PATH --data DIR [--ef 64] [--m 64] [--efc 128] [--duration 20]
                      [--bench-grpc PATH --v4-python PATH]
"""
import argparse
import http.client
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CLASS = "BenchQuery"


def uid(i):
    return f"00000000-0000-4000-8000-{i:012x}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(conn, path, body):
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"POST {path}: {r.status} {data[:300]!r}")
    return json.loads(data)


def graphql_body(vector):
    vec = ", ".join(repr(float(x)) for x in vector)
    q = "{Get{%s(limit: 10 nearVector: {vector: [%s]} ){_additional{id distance} }}}" % (CLASS, vec)
    return json.dumps({"query": q})


def parse_duration(text):
    value, unit = float(re.match(r"[\d.]+", text).group()), re.search(r"[a-z]+", text).group()
    return value * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def load_data(data, n, work):
    """random512's metadata, base, queries, exact top-10 and file paths; with 0 < n < all, only the first n
    base vectors, with their own exact top-10 written to `work` (for bench-ann too)."""
    meta = json.load(open(os.path.join(data, "random512.json")))
    dim = meta["dim"]
    base = np.fromfile(os.path.join(data, "random512.base.f32"), dtype=np.float32).reshape(-1, dim)
    queries = np.fromfile(os.path.join(data, "random512.query.f32"), dtype=np.float32).reshape(-1, dim)
    truth = np.fromfile(os.path.join(data, "random512.truth.i32"), dtype=np.int32).reshape(len(queries), -1)
    files = {kind: os.path.join(data, f"random512.{kind}") for kind in ["base.f32", "query.f32", "truth.i32"]}
    if 0 < n < len(base):
        # A subset (a quick run): its own exact top-10 by cosine.
        base = base[:n]
        unit = base / np.linalg.norm(base, axis=1, keepdims=True)
        q_unit = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        truth = np.argsort(-(q_unit @ unit.T), axis=1)[:, :10].astype(np.int32)
        files["base.f32"] = os.path.join(work, "base.f32")
        files["truth.i32"] = os.path.join(work, "truth.i32")
        base.tofile(files["base.f32"])
        truth.tofile(files["truth.i32"])
    return meta, base, queries, truth, files


def start_server(iris, work, port, grpc_port, env=None):
    """`iris serve` on 127.0.0.1 with its data in work/data and its log in work/server.log; returns when ready."""
    env = dict(os.environ, PERSISTENCE_DATA_PATH=os.path.join(work, "data"), QUERY_DEFAULTS_LIMIT="25",
               AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="true", DEFAULT_VECTORIZER_MODULE="none", LOG_LEVEL="info",
               **(env or {}))
    log = open(os.path.join(work, "server.log"), "wb")
    server = subprocess.Popen([iris, "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--grpc-port", str(grpc_port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"iris exited with {server.returncode}; see {os.path.join(work, 'server.log')}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/v1/.well-known/ready")
            if c.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.1)
    return server



def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` so far (/proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CPUSplit:
    """CPU seconds the server and the load driver (a child that has exited) spent during a timed phase, so
    the transport's cost per query can be told from the driver's on a machine they share."""
    def __init__(self, server):
        self.server = server
        self.server0, self.driver0 = cpu_seconds(server.pid), children_cpu_seconds()

    def per_query_ms(self, queries):
        server = cpu_seconds(self.server.pid) - self.server0
        driver = children_cpu_seconds() - self.driver0
        return {"server_cpu_ms_per_query": 1000 * server / queries, "driver_cpu_ms_per_query": 1000 * driver / queries}

def import_base(conn, base, batch=1000):
    """POST /v1/batch/objects in batches of `batch`, vectors given; returns the seconds it took."""
    t0 = time.time()
    for start in range(0, len(base), batch):
        objs = [{"class": CLASS, "id": uid(i), "vector": base[i].tolist()} for i in range(start, min(start + batch, len(base)))]
        result = post(conn, "/v1/batch/objects", json.dumps({"objects": objs}))
        errors = [r for r in result if r.get("result", {}).get("errors")]
        if errors:
            raise RuntimeError(f"import errors: {errors[:2]}")
    return time.time() - t0


def recall_at_10(conn, bodies, truth):
    """Mean recall@10 of the GraphQL answers to `bodies` against the exact top 10, one query at a time."""
    hits = 0
    for i, body in enumerate(bodies):
        answer = post(conn, "/v1/graphql", body)
        if "errors" in answer:
            raise RuntimeError(f"GraphQL errors: {answer['errors'][:1]}")
        got = {int(h["_additional"]["id"].rsplit("-", 1)[1], 16) for h in answer["data"]["Get"][CLASS]}
        hits += len(got & set(truth[i][:10].tolist()))
    return hits / (10 * len(bodies))


def wrk_graphql(port, bodies, work, connections, duration):
    """wrk with `connections` threads and keep-alive connections POSTing `bodies` round-robin for `duration`
    seconds; returns (QPS, p50 ms, p99 ms). Any non-2xx answer is an error."""
    bodies_path = os.path.join(work, "bodies.jsonl")
    with open(bodies_path, "w") as f:
        f.write("\n".join(bodies) + "\n")
    wrk = subprocess.run(
        ["wrk", f"-t{connections}", f"-c{connections}", f"-d{duration}s", "--latency",
         "-s", os.path.join(HERE, "bodies.lua"), f"http://127.0.0.1:{port}", "--", bodies_path],
        capture_output=True, text=True, check=True).stdout
    qps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
    # Anchored at the line start: the thread stats' "+/- Stdev" column (e.g. "75.50%") also ends in "50%".
    p50 = parse_duration(re.search(r"^\s+50%\s+(\S+)", wrk, re.M).group(1))
    p99 = parse_duration(re.search(r"^\s+99%\s+(\S+)", wrk, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
    if bad:
        raise RuntimeError(f"wrk saw {bad.group(1)} error responses:\n{wrk}")
    return qps, p50, p99


def grpc_run(args, work, port, files, dim, server):
    """gRPC Search with the same queries and clients as the GraphQL run; its recall from the replies."""
    helper = [args.v4_python, os.path.join(HERE, "grpc_messages.py")]
    requests, replies = os.path.join(work, "grpc-requests.bin"), os.path.join(work, "grpc-replies.bin")
    subprocess.run(helper + ["encode", "--class", CLASS, "--queries", files["query.f32"], "--dim", str(dim),
                             "--out", requests], check=True)
    # The replies (for recall) first, untimed; then the timed run.
    subprocess.run([args.bench_grpc, "--port", str(port), "--requests", requests, "--replies", replies, "--duration", "0.001"],
                   capture_output=True, text=True, check=True)
    split = CPUSplit(server)
    out = json.loads(subprocess.run(
        [args.bench_grpc, "--port", str(port), "--requests", requests, "--clients", str(args.connections),
         "--duration", str(args.duration)], capture_output=True, text=True, check=True).stdout)
    out.update(split.per_query_ms(out["requests"]))
    out["recall"] = float(subprocess.run(helper + ["recall", "--replies", replies, "--truth", files["truth.i32"]],
                                         capture_output=True, text=True, check=True).stdout)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iris", required=True)
    ap.add_argument("--bench-ann", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ef", type=int, default=64)
    ap.add_argument("--m", type=int, default=64)
    ap.add_argument("--efc", type=int, default=128)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--n", type=int, default=0, help="use only the first N base vectors (0: all)")
    ap.add_argument("--bench-grpc", help="bench-grpc driver: also time gRPC Search")
    ap.add_argument("--v4-python", help="a Python with weaviate-client 4.x (for grpc_messages.py)")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="iris-query-bench-")
    meta, base, queries, truth, files = load_data(args.data, args.n, work)
    dim = meta["dim"]

    port, grpc_port = free_port(), free_port()
    server = start_server(args.iris, work, port, grpc_port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        post(conn, "/v1/schema", json.dumps({
            "class": CLASS, "vectorizer": "none",
            "vectorIndexConfig": {"distance": meta["metric"], "ef": args.ef, "efConstruction": args.efc,
                                  "maxConnections": args.m}}))

        import_seconds = import_base(conn, base)
        print(f"imported {len(base)} objects in {import_seconds:.1f}s", file=sys.stderr)

        bodies = [graphql_body(q) for q in queries]
        recall = recall_at_10(conn, bodies, truth)
        split = CPUSplit(server)
        qps, p50, p99 = wrk_graphql(port, bodies, work, args.connections, args.duration)
        http_cpu = split.per_query_ms(qps * args.duration)
        grpc = grpc_run(args, work, grpc_port, files, dim, server) if args.bench_grpc else None
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()

    try:
        ann = json.loads(subprocess.run(
            [args.bench_ann, "--base", files["base.f32"], "--queries", files["query.f32"], "--truth", files["truth.i32"],
             "--dim", str(dim), "--metric", meta["metric"], "--m", str(args.m), "--efc", str(args.efc),
             "--efs", str(args.ef), "--threads", "2", "--repeats", "3"],
            capture_output=True, text=True, check=True).stdout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    point = ann["sweep"][0]

    result = {"n": len(base), "dim": dim, "ef": args.ef, "m": args.m, "efc": args.efc, "clients": args.connections,
              "http_qps": qps, "http_p50_ms": p50, "http_p99_ms": p99, "http_recall": recall,
              "inprocess_qps_1thread": point["qps"], "inprocess_qps_2threads": point.get("qps_2threads"),
              "inprocess_recall": point["recall"],
              "ratio": qps / point["qps"], "import_seconds": import_seconds, "cores": os.cpu_count(),
              **{"http_" + k: v for k, v in http_cpu.items()}}
    if grpc:
        result.update({"grpc_qps": grpc["qps"], "grpc_p50_ms": grpc["p50_ms"], "grpc_p99_ms": grpc["p99_ms"],
                       "grpc_recall": grpc["recall"], "grpc_ratio": grpc["qps"] / point["qps"],
                       **{"grpc_" + k: grpc[k] for k in ("server_cpu_ms_per_query", "driver_cpu_ms_per_query")}})
    print(json.dumps(result))
    print(f"\nnearVector limit 10, {len(base)} x {dim}, ef={args.ef} M={args.m} efC={args.efc}, "
          f"{args.connections} concurrent HTTP clients, {os.cpu_count()} cores", file=sys.stderr)
    print(f"  HTTP + GraphQL   : {qps:8.0f} QPS   p50 {p50:.2f} ms   p99 {p99:.2f} ms   recall@10 {recall:.3f}", file=sys.stderr)
    if grpc:
        print(f"  gRPC Search      : {grpc['qps']:8.0f} QPS   p50 {grpc['p50_ms']:.2f} ms   p99 {grpc['p99_ms']:.2f} ms   "
              f"recall@10 {grpc['recall']:.3f}", file=sys.stderr)
    print(f"  in-process index : {point['qps']:8.0f} QPS   (1 thread)             recall@10 {point['recall']:.3f}", file=sys.stderr)
    if point.get("qps_2threads"):
        print(f"  in-process index : {point['qps_2threads']:8.0f} QPS   (2 threads at once: two searches sharing the caches)", file=sys.stderr)
    print(f"  ratio HTTP / in-process: {qps / point['qps']:.2f}  (target >= 0.5)", file=sys.stderr)
    if grpc:
        print(f"  ratio gRPC / in-process: {grpc['qps'] / point['qps']:.2f}  (target >= 0.8)", file=sys.stderr)
    # The drivers share the cores with the server: CPU per query tells the server's cost from theirs.
    print(f"  CPU ms per query: in-process {1000 / point['qps']:.2f}; HTTP server {http_cpu['server_cpu_ms_per_query']:.2f}"
          f" + wrk {http_cpu['driver_cpu_ms_per_query']:.2f}", file=sys.stderr, end="")
    if grpc:
        print(f"; gRPC server {grpc['server_cpu_ms_per_query']:.2f} + bench-grpc {grpc['driver_cpu_ms_per_query']:.2f}",
              file=sys.stderr, end="")
    print(file=sys.stderr)


if __name__ == "__main__":
    main()
