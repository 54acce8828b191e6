#!/usr/bin/env python3
"""hnswlib side of the ANN benchmark: same files, parameters and measurements as bench-ann.

Build time with each thread count, resident-memory growth of the first build, and an ef sweep with
recall@10 and single-thread queries/s (knn_query over all queries with num_threads=1). Prints JSON.
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--metric", default="cosine")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--efc", type=int, default=200)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--efs", default="10,16,24,32,48,64,96,128,192,256")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    try:
        import hnswlib
    except ImportError:
        sys.exit("hnswlib_bench.py: pip package hnswlib is not installed")

    space = {"cosine": "cosine", "l2-squared": "l2", "dot": "ip"}[args.metric]
    base = np.fromfile(args.base, dtype=np.float32).reshape(-1, args.dim)
    queries = np.fromfile(args.queries, dtype=np.float32).reshape(-1, args.dim)
    truth = np.fromfile(args.truth, dtype=np.int32).reshape(len(queries), -1)[:, :args.k]
    ids = np.arange(len(base))

    build_seconds, build_cpu, memory, sweep = {}, {}, 0, []
    threads_list = [int(t) for t in args.threads.split(",")]
    for threads in threads_list:
        before = resident_bytes()
        index = hnswlib.Index(space=space, dim=args.dim)
        index.init_index(max_elements=len(base), M=args.m, ef_construction=args.efc, random_seed=100)
        t0, c0 = time.perf_counter(), time.process_time()
        index.add_items(base, ids, num_threads=threads)
        build_seconds[str(threads)] = time.perf_counter() - t0
        build_cpu[str(threads)] = time.process_time() - c0
        if threads != threads_list[0]:
            del index
            continue
        memory = resident_bytes() - before
        for ef in [int(e) for e in args.efs.split(",")]:
            index.set_ef(ef)
            elapsed = cpu = float("inf")  # best of --repeats passes: the machine is shared and noisy
            for _ in range(max(1, args.repeats)):
                q0, c0 = time.perf_counter(), time.process_time()
                labels, _ = index.knn_query(queries, k=args.k, num_threads=1)
                elapsed = min(elapsed, time.perf_counter() - q0)
                cpu = min(cpu, time.process_time() - c0)
            hits = sum(len(set(labels[i]) & set(truth[i])) for i in range(len(queries)))
            sweep.append({"ef": ef, "recall": hits / (len(queries) * args.k), "qps": len(queries) / elapsed,
                          "qps_cpu": len(queries) / cpu})
        del index
    print(json.dumps({"lib": "hnswlib", "version": getattr(hnswlib, "__version__", "0.8"), "n": len(base),
                      "dim": args.dim, "m": args.m, "efc": args.efc, "build_seconds": build_seconds, "build_cpu_seconds": build_cpu,
                      "memory_bytes": memory, "sweep": sweep}, sort_keys=True))


if __name__ == "__main__":
    main()
