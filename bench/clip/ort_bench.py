#!/usr/bin/env python3
"""The onnxruntime side of the CLIP benchmark: same weights (OUT/onnx/*.onnx), same token ids and pixel
tensors as Iris (OUT/ids.json, OUT/pixels.f32), 2 intra-op threads; fp32, or with `int8` the graphs
onnxruntime's quantize_dynamic makes of them (QInt8 weights per channel, activations quantised at run time).

usage: ort_bench.py OUT_DIR [THREADS] [fp32|int8]
    -> OUT/ort.json, OUT/ort.text.f32, OUT/ort.image.f32 (int8: OUT/ort-int8.*)
"""
import json, os, resource, sys, time

import numpy as np
import onnxruntime as ort

OUT = sys.argv[1]
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
PRECISION = sys.argv[3] if len(sys.argv) > 3 else "fp32"
TAG = "ort" if PRECISION == "fp32" else "ort-" + PRECISION
PAD = 49407  # CLIP's pad token (= <|endoftext|>); pooling takes the first one, so padding does not change results


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def session(path):
    o = ort.SessionOptions()
    o.intra_op_num_threads = THREADS
    o.inter_op_num_threads = 1
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


CPU = {}


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def best(repeats, fn, key=None):
    """Best wall seconds per call after a warm-up; mean CPU seconds per call go to CPU[key]."""
    fn()
    t = float("inf")
    c0 = cpu_seconds()
    for _ in range(repeats):
        s = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - s)
    if key:
        CPU[key] = (cpu_seconds() - c0) / repeats
    return t


def model_path(tower):
    """The fp32 graph, or its quantize_dynamic copy (written once, next to it)."""
    fp32 = os.path.join(OUT, "onnx", tower + ".onnx")
    if PRECISION == "fp32":
        return fp32
    q = os.path.join(OUT, "onnx", tower + ".int8.onnx")
    if not os.path.exists(q):
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantize_dynamic(fp32, q, per_channel=True, weight_type=QuantType.QInt8)
    return q


text_path, vision_path = model_path("text"), model_path("vision")  # quantising is not load time
rss_before = rss_mib()
t0 = time.perf_counter()
text = session(text_path)
vision = session(vision_path)
load = time.perf_counter() - t0
rss_loaded = rss_mib()

ids = json.load(open(os.path.join(OUT, "ids.json")))["ids"]
pixels = np.fromfile(os.path.join(OUT, "pixels.f32"), dtype="<f4").reshape(16, 3, 224, 224)

img1 = best(8, lambda: vision.run(None, {"pixel_values": pixels[:1]}), "img1")
image_vectors = None


def run16():
    global image_vectors
    image_vectors = vision.run(None, {"pixel_values": pixels})[0]


img16 = best(3, run16, "img16")

longest = max(len(x) for x in ids)
padded = np.full((len(ids), longest), PAD, np.int64)
for i, x in enumerate(ids):
    padded[i, : len(x)] = x
text_vectors = None


def run_padded():
    global text_vectors
    text_vectors = text.run(None, {"input_ids": padded})[0]


t_padded = best(3, run_padded, "padded")

# Identical lengths: texts grouped by length, one batch per length (exactly the tokens Iris computes).
groups = {}
for i, x in enumerate(ids):
    groups.setdefault(len(x), []).append(i)
batches = [(idx, np.array([ids[i] for i in idx], np.int64)) for idx in groups.values()]
same_len_vectors = np.zeros_like(text_vectors)


def run_same_length():
    for idx, arr in batches:
        same_len_vectors[idx] = text.run(None, {"input_ids": arr})[0]


t_same = best(3, run_same_length, "same")

# What a search feels: one short text (<= 12 tokens) per call, median of 3 rounds (as bench-clip run).
short = [np.array([x], np.int64) for x in ids if len(x) <= 12]
text.run(None, {"input_ids": short[0]})
one_text = []
for _ in range(3):
    for x in short:
        s = time.perf_counter()
        text.run(None, {"input_ids": x})
        one_text.append(time.perf_counter() - s)
one_text.sort()

# Padded to 77 (what a pipeline padding to max_length would do): orientation only.
pad77 = np.full((len(ids), 77), PAD, np.int64)
pad77[:, :longest] = padded
t_77 = best(1, lambda: text.run(None, {"input_ids": pad77}))

text_vectors.astype("<f4").tofile(os.path.join(OUT, TAG + ".text.f32"))
image_vectors.astype("<f4").tofile(os.path.join(OUT, TAG + ".image.f32"))
diff = float(np.abs(same_len_vectors - text_vectors).max())
result = {
    "threads": THREADS, "precision": PRECISION, "onnxruntime": ort.__version__, "load_seconds": load,
    "images_per_s_batch1": 1 / img1, "images_per_s_batch16": 16 / img16,
    "texts_per_s_padded": len(ids) / t_padded, "texts_per_s_same_length": len(ids) / t_same,
    "texts_per_s_padded_77": len(ids) / t_77,
    "one_short_text_ms_p50": one_text[len(one_text) // 2] * 1000, "one_image_ms_best": img1 * 1000, "padded_vs_same_length_max_abs_diff": diff,
    "cpu_s_per_image_batch1": CPU["img1"], "cpu_s_per_image_batch16": CPU["img16"] / 16,
    "cpu_s_per_text_padded": CPU["padded"] / len(ids), "cpu_s_per_text_same_length": CPU["same"] / len(ids),
    "rss_before_mib": rss_before, "rss_loaded_mib": rss_loaded,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}
json.dump(result, open(os.path.join(OUT, TAG + ".json"), "w"), indent=1, sort_keys=True)
print(json.dumps(result, sort_keys=True))
