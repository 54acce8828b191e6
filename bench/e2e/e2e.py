"""bench/e2e driver, once per precision (fp32, int8): raw engine images/s vs images/s through `iris import` ->
REST batch -> multi2vec-clip; nearText latency with 2 concurrent clients; one client's nearText and nearImage
latency, beside onnxruntime's single-query model latency on the same weights and one image's arithmetic at
the machine's measured GEMM rate. See run.sh for the set-up; prints a table, writes JSON."""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
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


def raw_engine(iris: str, model: str, files: list[Path], threads: int | None, precision: str) -> dict:
    cmd = [iris, "embed", "--clip-model", model, "--timing", "--precision", precision] + [a for f in files for a in ("--image", str(f))]
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


def clip_config(model: str) -> dict:
    return json.loads((Path(model) / "0_CLIPModel" / "config.json").read_text())


def image_flops(model: str) -> float:
    """Floating-point operations of one image through the vision tower (2 per multiply-add), from config.json."""
    cfg = clip_config(model)
    v = cfg["vision_config"]
    d, inter, layers = v["hidden_size"], v["intermediate_size"], v["num_hidden_layers"]
    patch, size = v["patch_size"], v["image_size"]
    patches = (size // patch) ** 2
    seq = patches + 1
    macs = patches * 3 * patch * patch * d  # patch embedding
    macs += layers * (seq * (4 * d * d + 2 * d * inter) + 2 * seq * seq * d)  # QKV + out, MLP, scores and mix
    macs += d * cfg.get("projection_dim", 512)
    return 2.0 * macs


def image_weight_bytes(model: str) -> float:
    """Bytes of the vision tower's fp32 matrices (patch embedding, projections, MLP), each read once per image
    at batch 1."""
    cfg = clip_config(model)
    v = cfg["vision_config"]
    d, inter, layers, patch = v["hidden_size"], v["intermediate_size"], v["num_hidden_layers"], v["patch_size"]
    return 4.0 * (3 * patch * patch * d + layers * (4 * d * d + 2 * d * inter) + d * cfg.get("projection_dim", 512))


def onnxruntime_latency(out_dir: str, threads: int | None) -> dict | None:
    """bench/e2e/ort_latency.py in its own process (so it never competes with the server), or None without
    bench/clip's ONNX graphs and prepared inputs (bench/clip/run.sh writes them)."""
    out = Path(out_dir)
    if not all((out / f).exists() for f in ("onnx/text.onnx", "onnx/vision.onnx", "ids.json", "pixels.f32")):
        return None
    script = Path(__file__).with_name("ort_latency.py")
    res = subprocess.run([sys.executable, str(script), str(out), str(threads or os.cpu_count())], capture_output=True, text=True)
    if res.returncode != 0:
        print(f"onnxruntime latency skipped: {res.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    return json.loads(res.stdout.strip().splitlines()[-1])


def query_latencies(url: str, bodies: list[dict], clients: int, per_client: int) -> dict:
    """Each client sends its share of `bodies` (cycled) one after another; latency p50/p99 and throughput."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client(offset: int):
        with requests.Session() as s:
            for q in range(per_client):
                body = bodies[(offset + q) % len(bodies)]
                t = time.perf_counter()
                res = s.post(url + "/v1/graphql", json=body, timeout=60)
                dt = time.perf_counter() - t
                assert res.status_code == 200 and "errors" not in res.json(), res.text[:500]
                with lock:
                    latencies.append(dt)

    requests.post(url + "/v1/graphql", json=bodies[0], timeout=60).raise_for_status()  # warm-up
    threads = [threading.Thread(target=client, args=(k * 7,)) for k in range(clients)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.monotonic() - t0
    return {"clients": clients, "queries": len(latencies), "qps": len(latencies) / wall,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000}


def run_precision(args, precision: str, files: list[Path], work: Path) -> dict:
    """Raw engine, a fresh server at `precision`, the import, then the queries."""
    raw = raw_engine(args.iris, args.model, files[: args.raw_count], args.threads, precision)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data = work / f"data-{precision}"
    env = dict(os.environ, PERSISTENCE_DATA_PATH=str(data), ENABLE_MODULES="multi2vec-clip",
               DEFAULT_VECTORIZER_MODULE="multi2vec-clip", CLIP_MODEL_DIR=args.model, IRIS_CLIP_PRECISION=precision,
               AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="true", LOG_LEVEL="warning", GRPC_PORT=str(free_port()))
    env.pop("CLIP_INFERENCE_API", None)
    env.pop("TEXT_MODEL_DIR", None)
    if args.threads:
        env["IRIS_CLIP_THREADS"] = str(args.threads)
    log_path = work / f"server-{precision}.log"
    server = subprocess.Popen([args.iris, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if requests.get(url + "/v1/.well-known/ready", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        meta = requests.get(url + "/v1/meta", timeout=30).json()
        reported = json.dumps(meta.get("modules", {}))
        assert f'"precision": "{precision}"' in reported, f"/v1/meta does not report {precision}: {reported[:300]}"
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

        captions = [c for c in Path(args.captions).read_text().splitlines() if c.strip()]
        def near_text(c):
            return {"query": '{ Get { Bench(nearText: {concepts: ["%s"]}, limit: 10) { _additional { id distance } } } }' % c.replace('"', "'")}
        text_bodies = [near_text(c) for c in captions]
        short_bodies = [near_text(c) for c in captions if len(c.split()) <= 6]  # short queries, as a user types them
        image_bodies = [{"query": '{ Get { Bench(nearImage: {image: "%s"}, limit: 10) { _additional { id distance } } } }'
                         % base64.b64encode(f.read_bytes()).decode()} for f in files[:16]]
        return {
            "precision": precision, "raw_engine": raw, "import_seconds": import_s,
            "import_images_per_s": args.count / import_s, "ratio_e2e_to_raw": args.count / import_s / raw["images_per_s"],
            "near_text": query_latencies(url, text_bodies, 2, args.queries),
            "near_text_one_client_short": query_latencies(url, short_bodies, 1, args.queries),
            "near_image_one_client": query_latencies(url, image_bodies, 1, max(16, args.queries // 4)),
            "import_summary": imp.stdout.strip().splitlines()[0],
        }
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()


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
    ap.add_argument("--precisions", default="fp32,int8", help="comma-separated: fp32, int8")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="iris-bench-e2e-"))
    try:
        files = make_folder(Path(args.images), args.count, work / "images")
        runs = [run_precision(args, p, files, work) for p in args.precisions.split(",")]
        ort = onnxruntime_latency(str(Path(args.out).parent), args.threads)
        flops = image_flops(args.model)
        result = {"count": args.count, "batch_size": args.batch_size, "parallel": args.parallel, "runs": runs,
                  "onnxruntime": ort, "image_gflop": flops / 1e9}
        print("| measure | " + " | ".join(r["precision"] for r in runs) + " |")
        print("|---|" + "---|" * len(runs))

        def row(name, fn):
            print(f"| {name} | " + " | ".join(fn(r) for r in runs) + " |")

        row(f"engine raw images/s (`iris embed`, {args.raw_count} images, one batch)", lambda r: f"{r['raw_engine']['images_per_s']:.2f}")
        row(f"end to end images/s (`iris import` -> REST batch {args.batch_size} x{args.parallel} -> multi2vec-clip -> store + HNSW, {args.count} images)",
            lambda r: f"{r['import_images_per_s']:.2f}")
        row("ratio end to end / raw (target >= 0.8)", lambda r: f"{r['ratio_e2e_to_raw']:.2f}")
        row("nearText p50 / p99, 2 concurrent clients", lambda r: f"{r['near_text']['p50_ms']:.1f} / {r['near_text']['p99_ms']:.1f} ms")
        row("nearText throughput, 2 clients", lambda r: f"{r['near_text']['qps']:.1f} q/s")
        row("nearText p50 / p99, one client, short texts (target p50 <= 20 ms)",
            lambda r: f"{r['near_text_one_client_short']['p50_ms']:.1f} / {r['near_text_one_client_short']['p99_ms']:.1f} ms")
        row("nearImage p50 / p99, one client (JPEG/PNG/GIF/BMP/WebP, decode included)",
            lambda r: f"{r['near_image_one_client']['p50_ms']:.1f} / {r['near_image_one_client']['p99_ms']:.1f} ms")
        if ort:
            row("onnxruntime model only: one short text p50", lambda r: f"{ort[r['precision']]['text']['p50_ms']:.1f} ms" if r["precision"] in ort else "-")
            row("onnxruntime model only: one image p50", lambda r: f"{ort[r['precision']]['image']['p50_ms']:.1f} ms" if r["precision"] in ort else "-")
            ms = flops / (ort["gemm_gflops"] * 1e9) * 1000
            result["image_arithmetic_ms"] = ms
            print(f"\none image = {flops / 1e9:.2f} GFLOP; fp32 GEMM rate measured {ort['gemm_gflops']:.0f} GFLOP/s "
                  f"({ort['threads']} threads) -> {ms:.1f} ms; nearImage target p50 <= 1.2x = {1.2 * ms:.1f} ms")
            if "read_gbps" in ort:
                weights = image_weight_bytes(args.model)
                read_ms = weights / (ort["read_gbps"] * 1e9) * 1000
                result["image_weights_read_ms"] = read_ms
                print(f"its fp32 weights = {weights / 1e6:.0f} MB; read bandwidth measured {ort['read_gbps']:.1f} GB/s "
                      f"-> {read_ms:.1f} ms a read (batch 1 reads them all once per image; from cache where they fit)")
        else:
            print("\n(onnxruntime rows need bench/clip/run.sh's ONNX graphs and prepared inputs in bench/out)")
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
