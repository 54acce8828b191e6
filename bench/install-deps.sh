#!/usr/bin/env bash
# What the benchmarks need beyond the project's own set-up: the peers (hnswlib, onnxruntime), the GloVe
# data, wrk for the HTTP load and libnghttp2 for bench/query's gRPC driver. Idempotent; run by each bench/*/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
IRIS_SKIP_PIP=1 bash scripts/install-deps.sh
python3 -m pip install -q --disable-pip-version-check -r bench/requirements.txt
if ! command -v wrk >/dev/null || [ ! -e /usr/include/nghttp2/nghttp2.h ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq wrk libnghttp2-dev >/dev/null ||
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk libnghttp2-dev >/dev/null; }
fi
