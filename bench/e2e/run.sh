#!/usr/bin/env bash
# End-to-end multi2vec-clip benchmark with full-size ViT-B/32 shapes (seeded weights from bench/clip):
#   1. the engine's raw images/s (`iris embed --timing`: decode + preprocess + vision tower, no HTTP);
#   2. `iris import` of COUNT images through the REST batch API into an embedded-mode `iris serve`
#      (base64 + JSON + batch vectorisation + store + HNSW), images/s end to end and its ratio to (1);
#   3. nearText latency p50/p99 with 2 concurrent clients; one client's short nearText and nearImage p50/p99;
#   4. the same at IRIS_CLIP_PRECISION=int8 (--precisions fp32,int8 is the default);
#   5. onnxruntime's single-query model latency on the same weights (bench/e2e/ort_latency.py) and one
#      image's arithmetic at the machine's measured GEMM rate.
# usage: bench/e2e/run.sh [--count N] [--queries N] [--precisions fp32,int8]   (from anywhere; writes bench/out/e2e.json)
# Builds into $IRIS_SCRATCH_PATH (default .build-e2e). The machine is shared: run it when it is quiet.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OUT=bench/out
FIXTURES=${FIXTURES:-$ROOT/../shared/fixtures}
SCRATCH=${IRIS_SCRATCH_PATH:-$ROOT/.build-e2e}
if [[ ! -f "$OUT/clip-vit-b32/0_CLIPModel/model.safetensors" ]]; then
    python3 bench/clip/make_model.py "$OUT" "$FIXTURES"   # needs numpy + onnx (see bench/clip/README.md)
fi
if [[ -z "${IRIS_BIN:-}" ]]; then
    swift build -c release --product iris --scratch-path "$SCRATCH" >&2
    IRIS_BIN="$SCRATCH/release/iris"
fi
# onnxruntime's side needs the token ids and pixel tensors Iris computes (bench-clip prepare, as bench/clip does).
if [[ ! -f "$OUT/ids.json" || ! -f "$OUT/pixels.f32" ]]; then
    swift build -c release --product bench-clip --scratch-path "$SCRATCH" >&2
    "$SCRATCH/release/bench-clip" prepare "$OUT/clip-vit-b32" bench/clip/captions.txt "$FIXTURES/images" "$OUT"
fi
python3 bench/e2e/e2e.py --iris "$IRIS_BIN" --model "$OUT/clip-vit-b32" --images "$FIXTURES/images" \
    --captions bench/clip/captions.txt --out "$OUT/e2e.json" "$@"
