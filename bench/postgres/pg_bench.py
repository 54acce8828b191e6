"""Iris on PostgreSQL + pgvector next to Iris on its embedded store, on the same data in one run.

Data: the first --n vectors of bench/ann/prepare.py's random512 set (512-d, cosine) and its 1,000 queries,
with their exact top 10 (recomputed for a subset). Each engine gets a fresh `iris serve` (PostgreSQL: a
fresh throw-away server from tests/pg_server.py, started here, IRIS_STORAGE_URL pointing at it); the engines
run one after the other, never at once, so neither takes the other's cores.

Per engine: import objects/s (POST /v1/batch/objects, batches of 1,000, vectors given) until the last batch
is acknowledged, and until every vector is in the HNSW index (GET /v1/nodes shows the shard READY): the
embedded engine indexes each batch before acknowledging it, PostgreSQL builds its index once the import
pauses (docs/design/postgres-backend.md, "Building the index"); then for each --efs value the class's vectorIndexConfig ef is set with
PUT /v1/schema/{class} (the embedded index applies it live; the PostgreSQL engine sends it as
hnsw.ef_search with each query), recall@10 of 1,000 GraphQL nearVector queries one at a time, and QPS with
p50/p99 from wrk (--connections concurrent keep-alive clients, --duration seconds). Memory: a sampler reads
/proc every 0.25 s; the peak of the iris process's RSS (and its VmHWM), and for PostgreSQL the peak of the
summed RSS and of the summed PSS of the postmaster and all its children (RSS counts shared_buffers once per
backend that touched it; PSS splits shared pages among the processes, so its sum is the honest total).

Prints one JSON object (stdout) and a table with PostgreSQL / embedded ratios (stderr).
Helpers (data, server start, import, recall, wrk) are bench/query/query_bench.py's.
"""
import argparse
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "query"))
sys.path.insert(0, str(HERE.parent.parent / "tests"))
import query_bench as qb  # noqa: E402
import pg_server  # noqa: E402

CLASS = qb.CLASS


def _status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(ppid):
    """Direct children of ppid (PostgreSQL's backends are all the postmaster's children)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # The field after the parenthesised command name: state, then ppid.
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == ppid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return out


class MemorySampler(threading.Thread):
    """Peak summed RSS and PSS (KiB) over time of the processes `pids()` names, sampled every `interval` s."""

    def __init__(self, pids, interval=0.25):
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak_rss = self.peak_pss = 0
        self.done = threading.Event()

    def sample(self):
        pids = self.pids()
        self.peak_rss = max(self.peak_rss, sum(_status_kib(p, "VmRSS") for p in pids))
        self.peak_pss = max(self.peak_pss, sum(_pss_kib(p) for p in pids))

    def run(self):
        while not self.done.wait(self.interval):
            self.sample()

    def stop(self):
        self.sample()
        self.done.set()
        self.join()


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def put_ef(conn, ef):
    conn.request("PUT", f"/v1/schema/{CLASS}", body=json.dumps({"class": CLASS, "vectorIndexConfig": {"ef": ef}}),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"PUT schema ef={ef}: {r.status} {data[:300]!r}")
    got = json.loads(data)["vectorIndexConfig"]["ef"]
    if got != ef:
        raise RuntimeError(f"PUT schema ef={ef}: the class says ef={got}")


def wait_until_indexed(conn):
    """Seconds until GET /v1/nodes shows every shard READY with no vector waiting."""
    t0 = time.time()
    while True:
        conn.request("GET", "/v1/nodes")
        shards = json.loads(conn.getresponse().read())["nodes"][0]["shards"]
        if all(s["vectorIndexingStatus"] == "READY" and s["vectorQueueLength"] == 0 for s in shards):
            return time.time() - t0
        time.sleep(0.5)


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def run_engine(engine, args, meta, base, bodies, truth):
    work = tempfile.mkdtemp(prefix=f"iris-pg-bench-{engine}-")
    pg, env = None, {}
    try:
        if engine == "postgres":
            # The server's folder is handed to an unprivileged user: under /tmp, which it can enter.
            pg = pg_server.PostgresServer.start(Path(tempfile.mkdtemp(prefix="iris-pg-", dir="/tmp")),
                                                settings={"shared_buffers": args.pg_shared_buffers})
            env["IRIS_STORAGE_URL"] = pg.url
            postmaster = int((pg.data / "postmaster.pid").read_text().split()[0])
        port, grpc_port = qb.free_port(), qb.free_port()
        load_before = loadavg()
        server = qb.start_server(args.iris, work, port, grpc_port, env)
        iris_mem = MemorySampler(lambda: [server.pid])
        pg_mem = MemorySampler(lambda: [postmaster] + children(postmaster)) if pg else None
        for s in (iris_mem, pg_mem):
            if s:
                s.start()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            qb.post(conn, "/v1/schema", json.dumps({
                "class": CLASS, "vectorizer": "none",
                "vectorIndexConfig": {"distance": meta["metric"], "ef": args.efs[0], "efConstruction": args.efc,
                                      "maxConnections": args.m}}))
            seconds = qb.import_base(conn, base, args.batch)
            index_wait = wait_until_indexed(conn)
            print(f"[{engine}] imported {len(base)} objects in {seconds:.1f}s ({len(base) / seconds:.0f}/s), "
                  f"indexed {index_wait:.1f}s later ({len(base) / (seconds + index_wait):.0f}/s overall)", file=sys.stderr)
            points = []
            for ef in args.efs:
                put_ef(conn, ef)
                recall = qb.recall_at_10(conn, bodies, truth)
                qps, p50, p99 = qb.wrk_graphql(port, bodies, work, args.connections, args.duration)
                points.append({"ef": ef, "recall": recall, "qps": qps, "p50_ms": p50, "p99_ms": p99})
                print(f"[{engine}] ef={ef}: recall@10 {recall:.3f}, {qps:.0f} QPS, p50 {p50:.2f} ms, p99 {p99:.2f} ms",
                      file=sys.stderr)
            iris_hwm = _status_kib(server.pid, "VmHWM")
            pg_hwm_sum = sum(_status_kib(p, "VmHWM") for p in [postmaster] + children(postmaster)) if pg else None
        finally:
            for s in (iris_mem, pg_mem):
                if s:
                    s.stop()
            server.terminate()
            try:
                server.wait(120)
            except subprocess.TimeoutExpired:
                server.kill()
        # After the stop: the embedded store has written its index snapshots and checkpointed its WAL.
        disk_mib = (int(pg.psql("SELECT pg_database_size('iris')")) if pg else dir_bytes(os.path.join(work, "data"))) / 2**20
        result = {"engine": engine, "import_seconds": seconds, "import_objects_per_s": len(base) / seconds,
                  "index_wait_seconds": index_wait, "indexed_objects_per_s": len(base) / (seconds + index_wait),
                  "points": points, "iris_peak_rss_mib": iris_mem.peak_rss / 1024, "iris_vmhwm_mib": iris_hwm / 1024, "disk_mib": disk_mib,
                  "load_before": load_before, "load_after": loadavg()}
        if pg:
            result.update({"pg_peak_rss_sum_mib": pg_mem.peak_rss / 1024, "pg_peak_pss_sum_mib": pg_mem.peak_pss / 1024,
                           "pg_vmhwm_sum_mib": pg_hwm_sum / 1024,
                           "pg_version": pg.psql("SHOW server_version").strip(),
                           "pgvector_version": pg.psql("SELECT extversion FROM pg_extension WHERE extname = 'vector'").strip(),
                           "pg_settings": {"shared_buffers": pg.psql("SHOW shared_buffers").strip()}})
        return result
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)


def machine():
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "?")
    flags = next((line for line in lscpu.splitlines() if line.startswith("Flags")), "")
    return {"cpu": model, "cores": os.cpu_count(), "avx2": " avx2 " in flags + " ", "kernel": platform.release(),
            "mem_total_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iris", required=True)
    ap.add_argument("--data", required=True, help="folder with bench/ann/prepare.py's random512.* files")
    ap.add_argument("--n", type=int, default=100_000, help="the first N base vectors (exact top 10 recomputed)")
    ap.add_argument("--efs", default="64,128", help="query ef values, comma-separated (both engines)")
    ap.add_argument("--m", type=int, default=64, help="maxConnections (pgvector: m)")
    ap.add_argument("--efc", type=int, default=128, help="efConstruction (pgvector: ef_construction)")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--duration", type=int, default=20, help="wrk seconds per ef")
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--engines", default="embedded,postgres")
    ap.add_argument("--pg-shared-buffers", default="1GB")
    args = ap.parse_args()
    args.efs = [int(e) for e in args.efs.split(",")]

    scratch = tempfile.mkdtemp(prefix="iris-pg-bench-data-")
    try:
        meta, base, queries, truth, _ = qb.load_data(args.data, args.n, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    bodies = [qb.graphql_body(q) for q in queries]
    engines = {e: run_engine(e, args, meta, base, bodies, truth) for e in args.engines.split(",")}

    result = {"n": len(base), "dim": meta["dim"], "metric": meta["metric"], "m": args.m, "efc": args.efc,
              "batch": args.batch, "clients": args.connections, "duration_s": args.duration,
              "machine": machine(), "engines": engines}
    emb, pg = engines.get("embedded"), engines.get("postgres")
    if emb and pg:
        ratios = {"import_objects_per_s": pg["import_objects_per_s"] / emb["import_objects_per_s"],
                  "indexed_objects_per_s": pg["indexed_objects_per_s"] / emb["indexed_objects_per_s"],
                  "server_memory": (pg["iris_peak_rss_mib"] + pg["pg_peak_pss_sum_mib"]) / emb["iris_peak_rss_mib"],
                  "disk": pg["disk_mib"] / emb["disk_mib"]}
        for a, b in zip(emb["points"], pg["points"]):
            for k in ("qps", "p50_ms", "p99_ms", "recall"):
                ratios[f"ef{a['ef']}_{k}"] = b[k] / a[k] if a[k] else None
        result["ratios_postgres_over_embedded"] = ratios
    print(json.dumps(result))

    m = result["machine"]
    out = sys.stderr
    print(f"\nIris engines, {len(base)} x {meta['dim']} {meta['metric']}, M={args.m} efC={args.efc}, batch {args.batch}, "
          f"nearVector limit 10 over GraphQL, {args.connections} wrk clients x {args.duration}s", file=out)
    print(f"machine: {m['cpu']}, {m['cores']} cores, AVX2 {'yes' if m['avx2'] else 'no'}, {m['mem_total_gib']} GiB", file=out)
    if pg:
        print(f"PostgreSQL {pg['pg_version']}, pgvector {pg['pgvector_version']}, shared_buffers {pg['pg_settings']['shared_buffers']}",
              file=out)
    names = list(engines)
    print(f"{'':24}" + "".join(f"{n:>14}" for n in names) + ("   pg/embedded" if emb and pg else ""), file=out)

    def row(label, values, fmt, ratio=None):
        cells = "".join(f"{fmt.format(v):>14}" if v is not None else f"{'-':>14}" for v in values)
        print(f"{label:24}{cells}" + (f"{ratio:>14.2f}" if ratio is not None else ""), file=out)

    r = result.get("ratios_postgres_over_embedded", {})
    row("import objects/s", [engines[n]["import_objects_per_s"] for n in names], "{:.0f}", r.get("import_objects_per_s"))
    row("  until indexed", [engines[n]["indexed_objects_per_s"] for n in names], "{:.0f}", r.get("indexed_objects_per_s"))
    for i, ef in enumerate(args.efs):
        pts = [engines[n]["points"][i] for n in names]
        row(f"ef {ef}: recall@10", [p["recall"] for p in pts], "{:.3f}", r.get(f"ef{ef}_recall"))
        row(f"ef {ef}: QPS", [p["qps"] for p in pts], "{:.0f}", r.get(f"ef{ef}_qps"))
        row(f"ef {ef}: p50 ms", [p["p50_ms"] for p in pts], "{:.2f}", r.get(f"ef{ef}_p50_ms"))
        row(f"ef {ef}: p99 ms", [p["p99_ms"] for p in pts], "{:.2f}", r.get(f"ef{ef}_p99_ms"))
    row("iris peak RSS MiB", [engines[n]["iris_peak_rss_mib"] for n in names], "{:.0f}")
    row("postgres peak RSS sum", [engines[n].get("pg_peak_rss_sum_mib") for n in names], "{:.0f}")
    row("postgres peak PSS sum", [engines[n].get("pg_peak_pss_sum_mib") for n in names], "{:.0f}")
    row("server total MiB", [engines[n]["iris_peak_rss_mib"] + (engines[n].get("pg_peak_pss_sum_mib") or 0) for n in names],
        "{:.0f}", r.get("server_memory"))
    row("on disk MiB", [engines[n]["disk_mib"] for n in names], "{:.0f}", r.get("disk"))
    print("load average (1/5/15 min) before/after: "
          + "; ".join(f"{n} {engines[n]['load_before']} / {engines[n]['load_after']}" for n in names), file=out)


if __name__ == "__main__":
    main()
