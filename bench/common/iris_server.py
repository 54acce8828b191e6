"""One `iris serve` process on 127.0.0.1:<free port> for the Python benchmarks (bench/load, bench/restart).

Import it with `sys.path.insert(0, <bench>/common)`; the benchmarks run as plain scripts, not a package.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class IrisServer:
    """Anonymous access, no default vectorizer, warnings-only log in `<root>/server.log`, data in `<root>/data`."""

    def __init__(self, binary: str, root: str, env: dict[str, str] | None = None):
        self.binary, self.root, self.port = binary, root, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, PERSISTENCE_DATA_PATH=os.path.join(root, "data"), LOG_LEVEL="warning",
                        AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="true", DEFAULT_VECTORIZER_MODULE="none")
        # GRPC_PORT, not --grpc-port: builds from before gRPC (compared with --iris) ignore the variable.
        self.env["GRPC_PORT"] = str(free_port())
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Starts the process; returns its start time (perf_counter)."""
        log = open(os.path.join(self.root, "server.log"), "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return t0

    def wait_ready(self, timeout: float = 3600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"iris exited with {self.proc.returncode}")
            try:
                if requests.get(self.url + "/v1/.well-known/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.01)
        self.kill()
        raise RuntimeError(f"iris not ready after {timeout} s")

    def kill(self) -> None:
        """SIGKILL (the crash the restart benchmark measures)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """Graceful stop (SIGTERM)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(600)
