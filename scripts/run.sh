#!/usr/bin/env bash
# Builds Iris in release mode and runs the server (REST + GraphQL on :8080, gRPC on :50051).
# multi2vec-clip runs in-process when CLIP_MODEL_DIR (and optionally TEXT_MODEL_DIR) point at model
# folders, e.g. ones fetched with `iris model pull sentence-transformers/clip-ViT-B-32`.
# Extra arguments go to `iris serve` (e.g. --port 8081).
set -euo pipefail
cd "$(dirname "$0")/.."
IRIS_SKIP_PIP=1 bash scripts/install-deps.sh
swift build -c release --product iris
export PERSISTENCE_DATA_PATH="${PERSISTENCE_DATA_PATH:-./data}"
export QUERY_DEFAULTS_LIMIT="${QUERY_DEFAULTS_LIMIT:-25}"
export AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="${AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED:-true}"
if [ -n "${CLIP_MODEL_DIR:-}" ] && [ -z "${ENABLE_MODULES:-}" ]; then
  export ENABLE_MODULES=multi2vec-clip DEFAULT_VECTORIZER_MODULE="${DEFAULT_VECTORIZER_MODULE:-multi2vec-clip}"
fi
exec .build/release/iris serve "$@"
