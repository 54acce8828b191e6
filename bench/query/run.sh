#!/usr/bin/env bash
# Query benchmark: nearVector limit 10 over GraphQL/HTTP (2 concurrent clients, wrk) and over gRPC Search
# (2 concurrent clients, bench-grpc) vs the in-process index.
#   bench/query/run.sh [--ef 64] [--duration 20] [--n 20000]   needs: wrk, libnghttp2-dev (apt), numpy (pip)
# (--n: only the first N base vectors, exact top-10 recomputed; a 100,000 x 512 HNSW build takes long on 2 cores)
# Data: bench/ann/prepare.py's random512 set (100,000 x 512, cosine) in bench/out/ann (prepared if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
DATA="$ROOT/bench/out/ann"
bash bench/install-deps.sh
PYTHON="$PYTHON" bash bench/common/random512.sh "$DATA"
SCRATCH=${SCRATCH:-"$ROOT/.build-query"}
swift build -c release --product iris --scratch-path "$SCRATCH" >&2
swift build -c release --product bench-ann --scratch-path "$SCRATCH" >&2
# The gRPC load driver is C on libnghttp2 (as wrk is C): little CPU taken from the server it shares cores with.
cc -O2 -o "$SCRATCH/release/bench-grpc" bench/query/grpc-driver/driver.c -lnghttp2 -lpthread
[ -x .venv-v4/bin/python ] || bash scripts/install-deps.sh  # creates .venv-v4 (weaviate-client 4.x)
mkdir -p "$ROOT/bench/out/query"
"$PYTHON" bench/query/query_bench.py --iris "$SCRATCH/release/iris" --bench-ann "$SCRATCH/release/bench-ann" \
    --data "$DATA" \
    --bench-grpc "$SCRATCH/release/bench-grpc" --v4-python "$ROOT/.venv-v4/bin/python" "$@" | tee "$ROOT/bench/out/query/result.json"
