#!/usr/bin/env bash
# Runs every test: Swift unit tests (swift test), then the end-to-end suites against one release build of
# the server: tests/e2e with the official weaviate-client 3.26.7, tests/e2e_v4 with weaviate-client 4.24.1
# (its own virtualenv, .venv-v4), on the embedded engine and again on PostgreSQL (tests/e2e's modules
# marked `backends` run on both within the one run). Extra arguments go to every pytest run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

# A throw-away PostgreSQL + pgvector (tests/pg_server.py) for the PostgreSQL dialect and engine tests.
pg_dir="$(mktemp -d /tmp/iris-pg-XXXXXX)"
trap 'python3 tests/pg_server.py stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
echo "==> PostgreSQL for the tests"
IRIS_TEST_POSTGRES_URL="$(python3 tests/pg_server.py start "$pg_dir")"
IRIS_TEST_PSQL="$(python3 tests/pg_server.py bin psql)"
export IRIS_TEST_POSTGRES_URL IRIS_TEST_PSQL

echo "==> swift test"
# Only what the tests need: a plain `swift build`/`swift test` also builds swift-protobuf's protoc (C++,
# ~10 minutes) for build plugins Iris never uses (its gRPC code is generated once and committed).
swift build --product IrisPackageTests
swift test --skip-build

echo "==> swift build -c release --product iris"
swift build -c release --product iris 2>&1 | tail -3
export IRIS_BIN="$PWD/.build/release/iris"

echo "==> pytest tests/e2e (weaviate-client 3.26.7)"
set +e
python3 -m pytest -q tests/e2e "$@"
rc=$?
echo "==> pytest tests/e2e_v4 (weaviate-client 4.24.1)"
.venv-v4/bin/python -m pytest -q tests/e2e_v4 "$@"
rc_v4=$?
echo "==> pytest tests/e2e_v4 on the PostgreSQL engine"
IRIS_E2E_BACKEND=postgres .venv-v4/bin/python -m pytest -q tests/e2e_v4 "$@"
rc_v4_pg=$?
set -e
# pytest exits 5 when it collected no test: treat that as a failure of the suite's wiring.
[ $rc -ne 0 ] && exit $rc
[ $rc_v4 -ne 0 ] && exit $rc_v4
exit $rc_v4_pg
