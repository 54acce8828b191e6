"""Shared fixtures for Iris's end-to-end tests.

The suite drives a real `iris serve` process over loopback HTTP with the official
weaviate-client 3.26.7. Fixtures:

- `iris_bin`      (session) path of the `iris` executable: $IRIS_BIN if set, otherwise one
                  `swift build -c release --product iris` (log in $TMPDIR/iris-e2e-build.log).
- `iris_factory`  (function) `start(env=None, data_path=None, wait=True) -> IrisServer`;
                  every server it starts is killed at the end of the test.
- `backend`       (session) the storage engine of `iris`: "sqlite" (the embedded store; or
                  $IRIS_E2E_BACKEND), or in modules that set `pytestmark = pytest.mark.backends("sqlite", "postgres")` each
                  test runs once per engine, with the same assertions.
- `postgres_url`  (session) a PostgreSQL with pgvector: $IRIS_TEST_POSTGRES_URL (scripts/test.sh
                  starts one) or one started here from tests/pg_server.py; `pg_server.new_database()`
                  gives each server a database of its own.
- `iris`          (session, per backend) one shared server with anonymous access on.
- `client`        (function) a `weaviate.Client` for `iris`; the schema is wiped before each test.
- `http`          (function) a `requests.Session` bound to `iris.url` (see `Http`); wipes like `client`.

Helpers: `wipe_schema(url, headers=None)`, `free_port()`, `IrisServer` (stop/kill/restart).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pg_server  # noqa: E402  (tests/pg_server.py)

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_LOG = Path(tempfile.gettempdir()) / "iris-e2e-build.log"

# Environment every test server starts with unless a test overrides it.
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


def _build_iris() -> Path:
    """Builds the release binary once and returns its path."""
    cmd = ["swift", "build", "-c", "release", "--product", "iris"]
    scratch = os.environ.get("IRIS_SCRATCH_PATH")
    if scratch:
        cmd += ["--scratch-path", scratch]
    with open(BUILD_LOG, "w") as log:
        proc = subprocess.run(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = BUILD_LOG.read_text()[-4000:]
        raise RuntimeError(f"`{' '.join(cmd)}` failed (full log: {BUILD_LOG}):\n{tail}")
    bin_dir = subprocess.run(cmd[:4] + cmd[6:] + ["--show-bin-path"], cwd=REPO_ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
    return Path(bin_dir) / "iris"


@pytest.fixture(scope="session")
def iris_bin() -> Path:
    env_bin = os.environ.get("IRIS_BIN")
    path = Path(env_bin) if env_bin else _build_iris()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise RuntimeError(f"iris binary not found or not executable: {path}")
    return path


class IrisServer:
    """One `iris serve` process on 127.0.0.1:<free port> with its own data folder."""

    def __init__(self, binary: Path, env: dict[str, str], data_path: Path, log_path: Path):
        self.binary = binary
        self.env = env
        self.data_path = data_path
        self.log_path = log_path
        self.port = free_port()
        # Every server also opens a gRPC port: a free one each, so servers started side by side never
        # collide on the default 50051.
        self.grpc_port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True, timeout: float = 60.0) -> "IrisServer":
        env = dict(os.environ)
        env.update(self.env)
        env["PERSISTENCE_DATA_PATH"] = str(self.data_path)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--grpc-port", str(self.grpc_port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.data_path.parent,
        )
        log.close()
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"iris exited with {self.proc.returncode} before ready:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/v1/.well-known/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"iris not ready after {timeout}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int | None:
        """Graceful stop (SIGTERM); returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: the crash a durable store must survive."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def restart(self, graceful: bool = True, wait: bool = True) -> "IrisServer":
        """Same data folder and port, new process."""
        self.stop() if graceful else self.kill()
        return self.start(wait=wait)


@pytest.fixture
def iris_factory(iris_bin, tmp_path_factory):
    servers: list[IrisServer] = []

    def start(env: dict[str, str] | None = None, data_path: Path | None = None,
              wait: bool = True) -> IrisServer:
        root = tmp_path_factory.mktemp("iris")
        merged = dict(BASE_ENV)
        merged.update(env or {})
        server = IrisServer(iris_bin, merged, data_path or root / "data", root / "server.log")
        servers.append(server)
        return server.start(wait=wait)

    yield start
    for server in servers:
        server.kill()


def pytest_configure(config):
    config.addinivalue_line("markers", "backends(*names): run the module's tests once per storage engine")


def pytest_generate_tests(metafunc):
    """`backend` is "sqlite" unless the module names several (`pytest.mark.backends`)."""
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("backends")
    if marker:  # unmarked tests keep their ids and the default engine
        metafunc.parametrize("backend", list(marker.args), indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request) -> str:
    # IRIS_E2E_BACKEND=postgres runs the unmarked modules' shared server on PostgreSQL too.
    return getattr(request, "param", os.environ.get("IRIS_E2E_BACKEND", "sqlite"))


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A PostgreSQL 18 + pgvector for the session (the one scripts/test.sh started, if any)."""
    url = os.environ.get("IRIS_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="iris-e2e-pg-"))
    server = pg_server.PostgresServer.start(folder)
    yield server.url
    server.stop()


def backend_env(backend: str, request) -> dict[str, str]:
    """The environment that selects `backend` for a new server (a new database for PostgreSQL)."""
    if backend == "sqlite":
        return {}
    return {"IRIS_STORAGE_URL": pg_server.new_database(request.getfixturevalue("postgres_url"))}


@pytest.fixture(scope="session")
def iris(iris_bin, backend, request):
    root = Path(tempfile.mkdtemp(prefix="iris-e2e-"))
    env = dict(BASE_ENV)
    env.update(backend_env(backend, request))
    server = IrisServer(iris_bin, env, root / "data", root / "server.log")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def wipe_schema(url: str, headers: dict[str, str] | None = None) -> None:
    """Deletes every class (and so every object) through the REST API."""
    classes = requests.get(url + "/v1/schema", headers=headers, timeout=30).json()["classes"]
    for cls in classes or []:
        r = requests.delete(f"{url}/v1/schema/{cls['class']}", headers=headers, timeout=60)
        assert r.status_code == 200, r.text


def make_client(url: str, api_key: str | None = None):
    import weaviate

    auth = weaviate.AuthApiKey(api_key=api_key) if api_key else None
    return weaviate.Client(url, auth_client_secret=auth, timeout_config=(5, 120))


@pytest.fixture
def client(iris):
    wipe_schema(iris.url)
    return make_client(iris.url)


class Http(requests.Session):
    """requests.Session whose relative paths go to one server (`http.get("/v1/meta")`)."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 60)
        return super().request(method, self.base + url if url.startswith("/") else url,
                               *args, **kwargs)


@pytest.fixture
def http(client, iris):
    # Depends on `client` so the schema is wiped exactly once, before any class-creating fixture.
    with Http(iris.url) as session:
        yield session


def error_messages(response) -> list[str]:
    """The messages of a Weaviate `{"error":[{"message":...}]}` body (asserts the shape)."""
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), list) and body["error"], body
    return [e["message"] for e in body["error"]]
