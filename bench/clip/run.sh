#!/usr/bin/env bash
# CLIP benchmark: Iris vs onnxruntime (fp32 and int8, 2 threads) on the same seeded ViT-B/32-shaped weights.
# Needs: python3 with numpy, onnx, onnxruntime (pip install numpy onnx onnxruntime); a release build of bench-clip.
# usage: [SCRATCH=dir] bench/clip/run.sh [--threads N] [--rounds N]   (from the repository root; writes bench/out/)
# --rounds N runs the four measurements N times in turn and reports each number's median: on a shared machine
# the same binary's rate moves by 1.5x between runs a minute apart, so one round says little.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench/out
FIXTURES=${FIXTURES:-../shared/fixtures}
THREADS=2
ROUNDS=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --threads) THREADS=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT"
bash bench/install-deps.sh
if [[ ! -f "$OUT/clip-vit-b32/0_CLIPModel/model.safetensors" || ! -f "$OUT/onnx/vision.onnx" ]]; then
    python3 bench/clip/make_model.py "$OUT" "$FIXTURES"
fi
# SCRATCH=<dir> builds in another scratch path (e.g. to leave .build alone).
SWIFT_FLAGS=(-c release ${SCRATCH:+--scratch-path "$SCRATCH"})
swift build "${SWIFT_FLAGS[@]}" --product bench-clip >/dev/null
BIN=$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)/bench-clip
"$BIN" prepare "$OUT/clip-vit-b32" bench/clip/captions.txt "$FIXTURES/images" "$OUT"
# Each side in its own process, so peak memory is its own; each round's results go to rounds/N/.
rm -rf "$OUT/rounds"
for round in $(seq 1 "$ROUNDS"); do
    for precision in fp32 int8; do
        python3 bench/clip/ort_bench.py "$OUT" "$THREADS" "$precision"
        "$BIN" run "$OUT/clip-vit-b32" "$OUT" --threads "$THREADS" --precision "$precision"
    done
    mkdir -p "$OUT/rounds/$round"
    cp "$OUT"/{ort,iris,ort-int8,iris-int8}.json "$OUT/rounds/$round/"
done
python3 bench/clip/report.py "$OUT"
