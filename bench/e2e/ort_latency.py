#!/usr/bin/env python3
"""onnxruntime's single-query latency on bench/clip's ONNX graphs of the same weights (2 intra-op threads):
one short caption (token ids from `bench-clip prepare`) and one preprocessed image per call, fp32 and
onnxruntime's quantize_dynamic int8 copy (QInt8 weights per channel; written here if bench/clip has not yet). Model time only: no HTTP, no image
decoding, no search. Also the machine's fp32 GEMM rate and memory read bandwidth (numpy's BLAS, the same
threads), to put one image's arithmetic and one read of its weights in milliseconds.

usage: ort_latency.py OUT_DIR [THREADS]   -> prints JSON
"""
import json, os, sys, time

OUT = sys.argv[1]
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))  # before numpy loads its BLAS
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402


def session(path):
    o = ort.SessionOptions()
    o.intra_op_num_threads = THREADS
    o.inter_op_num_threads = 1
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


def latencies(fn, inputs, rounds):
    fn(inputs[0])  # warm-up
    out = []
    for _ in range(rounds):
        for x in inputs:
            t = time.perf_counter()
            fn(x)
            out.append(time.perf_counter() - t)
    out.sort()
    return {"p50_ms": out[len(out) // 2] * 1000, "p99_ms": out[min(len(out) - 1, int(len(out) * 0.99))] * 1000, "calls": len(out)}


def gemm_gflops():
    """Best of 5 of one [800, 768] x [768, 3072] fp32 product (16 images' worth of MLP rows)."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((800, 768), dtype=np.float32)
    b = rng.standard_normal((768, 3072), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(5))
    return 2 * 800 * 768 * 3072 / best / 1e9


def read_gbps():
    """Best of 5 of one [32768, 8192] fp32 matrix-vector product: 1 GiB read once, the way a batch-1 image
    reads its weights when they do not stay in cache."""
    a = np.ones((32768, 8192), dtype=np.float32)
    x = np.ones(8192, dtype=np.float32)
    a @ x
    best = min(_timed(lambda: a @ x) for _ in range(5))
    return a.nbytes / best / 1e9


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


ids = json.load(open(os.path.join(OUT, "ids.json")))["ids"]
pixels = np.fromfile(os.path.join(OUT, "pixels.f32"), dtype="<f4").reshape(16, 3, 224, 224)
result = {"threads": THREADS, "onnxruntime": ort.__version__, "gemm_gflops": gemm_gflops(), "read_gbps": read_gbps()}
for precision, suffix in (("fp32", ""), ("int8", ".int8")):
    text_path = os.path.join(OUT, "onnx", f"text{suffix}.onnx")
    vision_path = os.path.join(OUT, "onnx", f"vision{suffix}.onnx")
    for path in (text_path, vision_path):
        if not os.path.exists(path):
            from onnxruntime.quantization import QuantType, quantize_dynamic
            quantize_dynamic(path.replace(".int8", ""), path, per_channel=True, weight_type=QuantType.QInt8)
    text, vision = session(text_path), session(vision_path)
    short = [np.array([x], np.int64) for x in ids if len(x) <= 12]  # short queries, as a user types them
    result[precision] = {
        "text": latencies(lambda x: text.run(None, {"input_ids": x}), short, 3),
        "image": latencies(lambda i: vision.run(None, {"pixel_values": pixels[i : i + 1]}), list(range(16)), 2),
    }
print(json.dumps(result))
