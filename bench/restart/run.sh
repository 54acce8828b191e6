#!/usr/bin/env bash
# Restart benchmark: import 100,000 128-d vectors with snapshots off, SIGKILL, and time until the
# restarted server answers nearVector correctly; 100 more kill/restart rounds check nothing is lost.
# Then the durability test with 100 kills during batch imports (CI runs it with 20).
#   bench/restart/run.sh [--count N --dim D --kills K] [--iris OTHER_BINARY ...]
# Builds into $IRIS_SCRATCH_PATH (default .build-load, shared with bench/load).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SCRATCH=${IRIS_SCRATCH_PATH:-$ROOT/.build-load}
swift build -c release --product iris --scratch-path "$SCRATCH" >&2
mkdir -p bench/out
python3 bench/restart/restart_bench.py --iris "$SCRATCH/release/iris" --kills 100 --json bench/out/restart.json "$@"
IRIS_BIN="$SCRATCH/release/iris" IRIS_CRASH_KILLS=100 python3 -m pytest -q tests/e2e/test_rest_crash.py
