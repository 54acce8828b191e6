#!/usr/bin/env bash
# Import benchmark: batch import over REST (POST /v1/batch/objects, batches of 100 and 1,000, 512-d
# vectors) against a release `iris serve`, printed next to bench-store's raw store write rate of the
# same objects (Database API, no HTTP) and the server's peak RSS.
#   bench/import/run.sh [--count N]        (default 10,000 objects)
# Builds into $IRIS_SCRATCH_PATH (default .build-import) so it never disturbs other builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
COUNT=10000
if [[ "${1:-}" == "--count" ]]; then COUNT="$2"; fi
PYTHON=${PYTHON:-python3}
SCRATCH=${IRIS_SCRATCH_PATH:-$ROOT/.build-import}

swift build -c release --product iris --scratch-path "$SCRATCH" >&2
swift build -c release --product bench-store --scratch-path "$SCRATCH" >&2
BIN="$SCRATCH/release"

"$PYTHON" bench/import/rest_import.py --iris "$BIN/iris" --store "$BIN/bench-store" \
    --count "$COUNT" --batch-sizes 100,1000 --dimensions 512
