#!/usr/bin/env bash
# What the benchmarks need beyond the project's own set-up: the peers (hnswlib, onnxruntime), the GloVe
# data, and wrk for the HTTP load. Idempotent; run by each bench/*/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
IRIS_SKIP_PIP=1 bash scripts/install-deps.sh
python3 -m pip install -q --disable-pip-version-check -r bench/requirements.txt
if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq wrk >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
fi
