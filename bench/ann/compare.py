#!/usr/bin/env python3
"""Prints the Iris vs hnswlib table from the JSON results of one run (ratios are Iris / hnswlib)."""
import json
import sys


def best_qps(sweep, target, key):
    """The operating point for a recall target: the smallest ef whose recall reaches it (None if none).
    (Taking the fastest of all qualifying points would reward timing noise at larger ef.)"""
    ok = [p for p in sweep if p["recall"] >= target]
    return min(ok, key=lambda p: p["ef"]) if ok else None


def fmt_ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "n/a"


def main(paths):
    runs = {}
    for path in paths:
        with open(path) as f:
            r = json.load(f)
        runs.setdefault((r["dataset"], r["m"], r["efc"]), {})[r["lib"]] = r
    lines = []
    header = (f"{'dataset':<10} {'M/efC':<8} {'metric':<22} {'iris':>12} {'hnswlib':>12} {'ratio':>7}  target")
    lines.append(header)
    lines.append("-" * len(header))
    for (dataset, m, efc), libs in sorted(runs.items()):
        iris, ref = libs.get("iris"), libs.get("hnswlib")
        if not iris or not ref:
            lines.append(f"{dataset:<10} {m}/{efc}: missing results ({', '.join(libs)})")
            continue
        tag = f"{m}/{efc}"
        for threads in sorted(iris["build_seconds"]):
            if threads == "1":  # single-threaded work: CPU seconds are steady on a shared machine
                a, b = iris["build_cpu_seconds"]["1"], ref["build_cpu_seconds"]["1"]
                lines.append(f"{dataset:<10} {tag:<8} {'build CPU s, 1 thread':<22} {a:>12.2f} {b:>12.2f} "
                             f"{fmt_ratio(a, b):>7}  <= 1.20x")
            a, b = iris["build_seconds"][threads], ref["build_seconds"].get(threads)
            lines.append(f"{dataset:<10} {tag:<8} {'build wall s, ' + threads + ' thr':<22} {a:>12.2f} {b:>12.2f} "
                         f"{fmt_ratio(a, b):>7}")
        a, b = iris["memory_bytes"] / 2**20, ref["memory_bytes"] / 2**20
        lines.append(f"{dataset:<10} {tag:<8} {'index memory MiB':<22} {a:>12.1f} {b:>12.1f} {fmt_ratio(a, b):>7}  <= 1.30x")
        for key, what in (("qps_cpu", "QPS(cpu)"), ("qps", "QPS(wall)")):
            for target in (0.95, 0.99):
                pi, pr = best_qps(iris["sweep"], target, key), best_qps(ref["sweep"], target, key)
                label = f"{what} @ rec>={target}"
                a = f"{pi[key]:.0f} (ef {pi['ef']:.0f})" if pi else "not reached"
                b = f"{pr[key]:.0f} (ef {pr['ef']:.0f})" if pr else "not reached"
                ratio = fmt_ratio(pi[key] if pi else None, pr[key] if pr else None)
                lines.append(f"{dataset:<10} {tag:<8} {label:<22} {a:>12} {b:>12} {ratio:>7}  "
                             f"{'>= 1.00x' if key == 'qps_cpu' else ''}")
    lines.append("")
    for (dataset, m, efc), libs in sorted(runs.items()):
        snap = libs.get("iris", {}).get("snapshot") or {}
        if snap:
            lines.append(f"Iris snapshot {dataset} M={m}: {snap['bytes'] / 2**20:.0f} MiB, persist {snap['write_seconds']:.2f} s, "
                         f"load {snap['load_seconds']:.2f} s, identical results: {'yes' if snap['identical_results'] else 'NO'}")
    lines.append("")
    lines.append("ef sweep (recall@10 / single-thread QPS by CPU time / by wall time):")
    for (dataset, m, efc), libs in sorted(runs.items()):
        if "iris" not in libs or "hnswlib" not in libs:
            continue
        lines.append(f"  {dataset} M={m} efC={efc}")
        ref = {p["ef"]: p for p in libs["hnswlib"]["sweep"]}
        for p in libs["iris"]["sweep"]:
            r = ref.get(p["ef"])
            rs = f"hnswlib {r['recall']:.4f} / {r['qps_cpu']:7.0f} / {r['qps']:7.0f}" if r else ""
            lines.append(f"    ef {p['ef']:>4.0f}: iris {p['recall']:.4f} / {p['qps_cpu']:7.0f} / {p['qps']:7.0f}   {rs}")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
