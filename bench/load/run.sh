#!/usr/bin/env bash
# Load benchmark: ready-check and nearVector latency (p50/p99) idle and while 4 clients batch-import
# 100,000 128-d objects into a release `iris serve`.
#   bench/load/run.sh [--count N] [--iris OTHER_BINARY ...]   (extra --iris binaries run in the same session)
# Builds into $IRIS_SCRATCH_PATH (default .build-load) so it never disturbs other builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SCRATCH=${IRIS_SCRATCH_PATH:-$ROOT/.build-load}
swift build -c release --product iris --scratch-path "$SCRATCH" >&2
mkdir -p bench/out
python3 bench/load/load_bench.py --iris "$SCRATCH/release/iris" --json bench/out/load.json "$@"
