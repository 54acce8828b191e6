"""Fixtures for the end-to-end suite written with today's official client, weaviate-client 4.24.1.

It runs in its own virtualenv (`.venv-v4`, made by scripts/install-deps.sh): v3 and v4 share the pip
name `weaviate-client`. The server is a real `iris serve` on 127.0.0.1, with a free HTTP port and a free
gRPC port each; the client connects with `connect_to_local`, as a new user would.

Fixtures:
- `iris_bin`   (session) $IRIS_BIN, else one `swift build -c release --product iris`.
- `iris`       (session) one shared server, anonymous access.
- `client`     (function) a connected `WeaviateClient` for `iris`; every collection is deleted first.
- `start_iris` (function) `start_iris(env) -> Server` for servers with their own settings.

IRIS_E2E_BACKEND=postgres (with $IRIS_TEST_POSTGRES_URL) runs every server on PostgreSQL, each with a
database of its own.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
import weaviate

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests"))
import pg_server  # noqa: E402  (tests/pg_server.py)

FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"

BASE_ENV = {
    "QUERY_DEFAULTS_LIMIT": "25",
    "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "true",
    "DEFAULT_VECTORIZER_MODULE": "none",
    "CLUSTER_HOSTNAME": "node1",
    "LOG_LEVEL": "info",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def iris_bin() -> Path:
    env_bin = os.environ.get("IRIS_BIN")
    if env_bin:
        return Path(env_bin)
    log = Path(tempfile.gettempdir()) / "iris-e2e-v4-build.log"
    with open(log, "w") as out:
        subprocess.run(["swift", "build", "-c", "release", "--product", "iris"], cwd=REPO_ROOT, stdout=out,
                       stderr=subprocess.STDOUT, check=True)
    return REPO_ROOT / ".build" / "release" / "iris"


class Server:
    """One `iris serve` on 127.0.0.1 with free HTTP and gRPC ports and its own data folder."""

    def __init__(self, binary: Path, env: dict[str, str], root: Path):
        if os.environ.get("IRIS_E2E_BACKEND") == "postgres" and "IRIS_STORAGE_URL" not in env:
            env = {**env, "IRIS_STORAGE_URL": pg_server.new_database(os.environ["IRIS_TEST_POSTGRES_URL"])}
        self.binary, self.env, self.root = binary, env, root
        self.port, self.grpc_port = free_port(), free_port()
        self.log_path = root / "server.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "Server":
        env = {**os.environ, **self.env, "PERSISTENCE_DATA_PATH": str(self.root / "data")}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--grpc-port", str(self.grpc_port)],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"iris exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/v1/.well-known/ready", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"iris not ready after {timeout}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def connect(self, **kwargs) -> weaviate.WeaviateClient:
        return weaviate.connect_to_local(host="127.0.0.1", port=self.port, grpc_port=self.grpc_port, **kwargs)


@pytest.fixture(scope="session")
def iris(iris_bin):
    root = Path(tempfile.mkdtemp(prefix="iris-e2e-v4-"))
    server = Server(iris_bin, dict(BASE_ENV), root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def client(iris):
    c = iris.connect()
    c.collections.delete_all()
    yield c
    c.close()


@pytest.fixture
def start_iris(iris_bin, tmp_path):
    servers: list[Server] = []

    def start(env: dict[str, str] | None = None) -> Server:
        root = tmp_path / f"iris{len(servers)}"
        root.mkdir()
        server = Server(iris_bin, {**BASE_ENV, **(env or {})}, root).start()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()
