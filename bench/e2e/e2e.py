"""bench/e2e driver: raw engine images/s vs images/s through `iris import` -> REST batch -> multi2vec-clip,
and nearText latency with 2 concurrent clients. See run.sh for the set-up; prints a table, writes JSON."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_folder(images: Path, count: int, dest: Path) -> list[Path]:
    """COUNT files cycling through the fixture images (real, varied formats and sizes)."""
    sources = sorted(p for p in images.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
    dest.mkdir(parents=True)
    files = []
    for k in range(count):
        src = sources[k % len(sources)]
        f = dest / f"img{k:05d}{src.suffix.lower()}"
        shutil.copy(src, f)
        files.append(f)
    return files


def raw_engine(iris: str, model: str, files: list[Path], threads: int | None) -> dict:
    cmd = [iris, "embed", "--clip-model", model, "--timing"] + [a for f in files for a in ("--image", str(f))]
    if threads:
        cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    timing = json.loads(out.stderr.strip().splitlines()[-1])
    return {"images": len(files), "seconds": timing["images_s"], "images_per_s": len(files) / timing["images_s"],
            "load_s": timing["load_s"]}


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iris", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--captions", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--raw-count", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--queries", type=int, default=100, help="nearText queries per client")
    ap.add_argument("--threads", type=int, default=None, help="engine threads (default: all cores)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="iris-bench-e2e-"))
    server = None
    try:
        files = make_folder(Path(args.images), args.count, work / "images")
        raw = raw_engine(args.iris, args.model, files[: args.raw_count], args.threads)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PERSISTENCE_DATA_PATH=str(work / "data"), ENABLE_MODULES="multi2vec-clip",
                   DEFAULT_VECTORIZER_MODULE="multi2vec-clip", CLIP_MODEL_DIR=args.model,
                   AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="true", LOG_LEVEL="warning", GRPC_PORT=str(free_port()))
        env.pop("CLIP_INFERENCE_API", None)
        env.pop("TEXT_MODEL_DIR", None)
        if args.threads:
            env["IRIS_CLIP_THREADS"] = str(args.threads)
        log = open(work / "server.log", "wb")
        server = subprocess.Popen([args.iris, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while True:
            try:
                if requests.get(url + "/v1/.well-known/ready", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{(work / 'server.log').read_text()[-3000:]}")
            time.sleep(0.2)
        r = requests.post(url + "/v1/schema", json={
            "class": "Bench", "moduleConfig": {"multi2vec-clip": {"imageFields": ["image"], "textFields": ["name"]}},
            "properties": [{"name": "name", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]}]}, timeout=30)
        r.raise_for_status()

        t0 = time.monotonic()
        imp = subprocess.run([args.iris, "import", str(work / "images"), "--class", "Bench", "--url", url,
                              "--batch-size", str(args.batch_size), "--parallel", str(args.parallel), "--quiet"],
                             capture_output=True, text=True)
        import_s = time.monotonic() - t0
        if imp.returncode != 0 or f"imported {args.count} of {args.count}" not in imp.stdout:
            raise SystemExit(f"import failed:\n{imp.stdout}\n{imp.stderr}")
        e2e_rate = args.count / import_s

        captions = [c for c in Path(args.captions).read_text().splitlines() if c.strip()]
        latencies: list[float] = []
        lock = threading.Lock()

        def client(offset: int):
            with requests.Session() as s:
                for q in range(args.queries):
                    text = captions[(offset + q) % len(captions)].replace('"', "'")
                    body = {"query": '{ Get { Bench(nearText: {concepts: ["%s"]}, limit: 10) { _additional { id distance } } } }' % text}
                    t = time.perf_counter()
                    res = s.post(url + "/v1/graphql", json=body, timeout=60)
                    dt = time.perf_counter() - t
                    assert res.status_code == 200 and "errors" not in res.json(), res.text
                    with lock:
                        latencies.append(dt)

        warm = requests.post(url + "/v1/graphql", json={"query": '{ Get { Bench(nearText: {concepts: ["warm up"]}, limit: 10) { name } } }'}, timeout=60)
        warm.raise_for_status()
        threads = [threading.Thread(target=client, args=(k * 7,)) for k in range(2)]
        tq = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        query_s = time.monotonic() - tq

        result = {
            "count": args.count, "batch_size": args.batch_size, "parallel": args.parallel,
            "raw_engine": raw, "import_seconds": import_s, "import_images_per_s": e2e_rate,
            "ratio_e2e_to_raw": e2e_rate / raw["images_per_s"],
            "near_text": {"clients": 2, "queries": len(latencies), "qps": len(latencies) / query_s,
                          "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000},
            "import_summary": imp.stdout.strip().splitlines()[0],
        }
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        print(f"| measure | value |\n|---|---|")
        print(f"| engine raw images/s (`iris embed`, {raw['images']} images, one batch) | {raw['images_per_s']:.2f} |")
        print(f"| end to end images/s (`iris import` -> REST batch {args.batch_size} x{args.parallel} -> multi2vec-clip -> store + HNSW, {args.count} images) | {e2e_rate:.2f} |")
        print(f"| ratio end to end / raw (target >= 0.8) | {result['ratio_e2e_to_raw']:.2f} |")
        print(f"| nearText p50 / p99, 2 concurrent clients ({len(latencies)} queries) | {result['near_text']['p50_ms']:.1f} ms / {result['near_text']['p99_ms']:.1f} ms |")
        print(f"| nearText throughput, 2 clients | {result['near_text']['qps']:.1f} q/s |")
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
