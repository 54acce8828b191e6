#!/usr/bin/env python3
"""Prints the Iris / onnxruntime ratio table from OUT/iris.json and OUT/ort.json, and checks that both
computed the same vectors (cosine of every text and image embedding); then, when OUT/iris-int8.json and
OUT/ort-int8.json exist, the int8 table: Iris int8 against onnxruntime's quantize_dynamic model and
against Iris fp32, and how far each side's int8 vectors are from the fp32 ones.

With OUT/rounds/1..N (run.sh --rounds N), every number is the median over the rounds.

usage: report.py OUT_DIR
"""
import json, os, statistics, sys

import numpy as np

OUT = sys.argv[1]
ROUNDS_DIR = os.path.join(OUT, "rounds")
ROUNDS = sorted(os.listdir(ROUNDS_DIR), key=int) if os.path.isdir(ROUNDS_DIR) else []


def load(tag):
    """OUT/tag.json, or with rounds each numeric field's median over them."""
    if not ROUNDS:
        return json.load(open(os.path.join(OUT, tag + ".json")))
    runs = [json.load(open(os.path.join(ROUNDS_DIR, r, tag + ".json"))) for r in ROUNDS]
    return {k: statistics.median(r[k] for r in runs) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            for k, v in runs[-1].items()}


iris = load("iris")
ort = load("ort")
if ROUNDS:
    print(f"median of {len(ROUNDS)} rounds (each: onnxruntime fp32, Iris fp32, onnxruntime int8, Iris int8 in turn)")


def cos_min(a, b):
    a = np.fromfile(os.path.join(OUT, a), "<f4").reshape(-1, 512)
    b = np.fromfile(os.path.join(OUT, b), "<f4").reshape(-1, 512)
    c = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    return float(c.min()), float(np.abs(a - b).max() / np.linalg.norm(b, axis=1).max())


tc, td = cos_min("iris.text.f32", "ort.text.f32")
ic, idf = cos_min("iris.image.f32", "ort.image.f32")
rows = [
    ("images/s, batch 1", iris["images_per_s_batch1"], ort["images_per_s_batch1"], 1.0),
    ("images/s, batch 16", iris["images_per_s_batch16"], ort["images_per_s_batch16"], 1.0),
    ("texts/s, 64-caption mix vs ORT padded to longest", iris["texts_per_s_mix"], ort["texts_per_s_padded"], 2.0),
    ("texts/s, 64-caption mix vs ORT at identical lengths", iris["texts_per_s_mix"], ort["texts_per_s_same_length"], 1.0),
    ("texts/s, 64-caption mix vs ORT padded to 77", iris["texts_per_s_mix"], ort["texts_per_s_padded_77"], None),
]
print(f"{'measure':54} {'Iris':>9} {'ORT':>9} {'ratio':>7}  target")
for name, a, b, target in rows:
    t = f">= {target:.1f}x " + ("ok" if a / b >= target else "MISSED") if target else ""
    print(f"{name:54} {a:9.2f} {b:9.2f} {a / b:6.2f}x  {t}")
print()
print("CPU seconds per item (user + system, all threads; steadier than wall time on a busy machine):")
cpu_rows = [
    ("image, batch 1", iris["cpu_s_per_image_batch1"], ort["cpu_s_per_image_batch1"]),
    ("image, batch 16", iris["cpu_s_per_image_batch16"], ort["cpu_s_per_image_batch16"]),
    ("text, mix vs ORT padded to longest", iris["cpu_s_per_text_mix"], ort["cpu_s_per_text_padded"]),
    ("text, mix vs ORT at identical lengths", iris["cpu_s_per_text_mix"], ort["cpu_s_per_text_same_length"]),
]
for name, a, b in cpu_rows:
    print(f"{name:54} {a:9.4f} {b:9.4f} {b / a:6.2f}x less CPU")
print()
w = iris["weights_mib"]
print(f"{'peak RSS MiB (weights ' + format(w, '.0f') + ' MiB)':54} {iris['peak_rss_mib']:9.0f} {ort['peak_rss_mib']:9.0f} "
      f"{iris['peak_rss_mib'] / ort['peak_rss_mib']:6.2f}x  Iris/weights {iris['peak_rss_mib'] / w:.2f} (<= 1.3 " +
      ("ok" if iris["peak_rss_mib"] / w <= 1.3 else "MISSED") + ")")
if "one_short_text_ms_p50" in iris and "one_short_text_ms_p50" in ort:
    print(f"{'one short text (<= 12 tokens) alone, p50 ms':54} {iris['one_short_text_ms_p50']:9.1f} {ort['one_short_text_ms_p50']:9.1f} "
          f"{ort['one_short_text_ms_p50'] / iris['one_short_text_ms_p50']:6.2f}x faster")
print(f"{'load seconds':54} {iris['load_seconds']:9.2f} {ort['load_seconds']:9.2f}")
print(f"same vectors: text min cosine {tc:.7f} (max|diff|/norm {td:.1e}), image min cosine {ic:.7f} (max|diff|/norm {idf:.1e})")
print(f"Iris: {iris['threads']} threads, mode {iris['mode']}, kernels {iris['kernels']}, int8 kernel {iris.get('int8_kernel', '?')}; ORT {ort['onnxruntime']}, {ort['threads']} threads")

if os.path.exists(os.path.join(OUT, "iris-int8.json")) and os.path.exists(os.path.join(OUT, "ort-int8.json")):
    i8 = load("iris-int8")
    o8 = load("ort-int8")
    print()
    print("int8 (Iris: int8_gemm.c; ORT: quantize_dynamic, QInt8 weights per channel), same threads, same run:")
    print(f"{'measure':40} {'Iris int8':>10} {'ORT int8':>9} {'ratio':>7}  {'Iris fp32':>9} {'int8/fp32':>9}  targets")
    for name, key, okey in [("images/s, batch 1", "images_per_s_batch1", "images_per_s_batch1"),
                            ("images/s, batch 16", "images_per_s_batch16", "images_per_s_batch16"),
                            ("texts/s, mix vs ORT at identical lengths", "texts_per_s_mix", "texts_per_s_same_length")]:
        a, b, f = i8[key], o8[okey], iris[key]
        t = ""
        if key.startswith("images"):
            t = (">= 1.2x ORT " + ("ok" if a / b >= 1.2 else "MISSED") + ", >= 2x fp32 " + ("ok" if a / f >= 2 else "MISSED"))
        print(f"{name:40} {a:10.2f} {b:9.2f} {a / b:6.2f}x  {f:9.2f} {a / f:8.2f}x  {t}")
    for name, key, okey in [("CPU s per image, batch 1", "cpu_s_per_image_batch1", "cpu_s_per_image_batch1"),
                            ("CPU s per image, batch 16", "cpu_s_per_image_batch16", "cpu_s_per_image_batch16"),
                            ("CPU s per text, mix / identical lengths", "cpu_s_per_text_mix", "cpu_s_per_text_same_length")]:
        a, b, f = i8[key], o8[okey], iris[key]
        print(f"{name:40} {a:10.4f} {b:9.4f} {b / a:6.2f}x  {f:9.4f} {f / a:8.2f}x  (less CPU)")
    if "one_short_text_ms_p50" in i8 and "one_short_text_ms_p50" in o8:
        a, b, f = i8["one_short_text_ms_p50"], o8["one_short_text_ms_p50"], iris["one_short_text_ms_p50"]
        print(f"{'one short text alone, p50 ms':40} {a:10.1f} {b:9.1f} {b / a:6.2f}x  {f:9.1f} {f / a:8.2f}x  (faster)")
    print(f"{'peak RSS MiB':40} {i8['peak_rss_mib']:10.0f} {o8['peak_rss_mib']:9.0f} {i8['peak_rss_mib'] / o8['peak_rss_mib']:6.2f}x  {iris['peak_rss_mib']:9.0f}")
    fid = [("Iris int8 vs Iris fp32", "iris-int8", "iris"), ("ORT int8 vs ORT fp32", "ort-int8", "ort")]
    for name, a, b in fid:
        tc8, _ = cos_min(a + ".text.f32", b + ".text.f32")
        ic8, _ = cos_min(a + ".image.f32", b + ".image.f32")
        print(f"{name:40} min cosine: texts {tc8:.4f}, images {ic8:.4f} (seeded random weights: see docs for real ones)")
