#!/usr/bin/env bash
# Runs every test: Swift unit tests (swift test), then the end-to-end suite (pytest with the official
# weaviate-client 3.26.7) against a release build of the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "==> swift test"
swift test

echo "==> swift build -c release --product iris"
swift build -c release --product iris 2>&1 | tail -3
export IRIS_BIN="$PWD/.build/release/iris"

echo "==> pytest tests/e2e"
set +e
python3 -m pytest -q tests/e2e "$@"
rc=$?
set -e
# pytest exits 5 when it collected no test: treat that as a failure of the suite's wiring.
exit $rc
