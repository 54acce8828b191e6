"""Helpers and fixtures for the multi2vec-clip end-to-end tests.

Everything runs for real: `iris serve` with ENABLE_MODULES=multi2vec-clip and the tiny fixture models
(clip-tiny for images, mclip-tiny for texts, both 32-d), and `iris inference` with the same models as the
source of truth for the expected vectors. The vector math (weights, nearText movements) is re-computed
here in float64 from the reference (sections 2.3-2.5), independently of the Swift code.

Fixtures (import them by name into a test module):
- `inference`   (session) one `iris inference` process (`InferenceProcess`).
- `clip_iris`   (session) one embedded-mode `iris serve` with the module enabled and the default vectorizer
                set to multi2vec-clip, as in the seed's docker-compose file.
- `clip_client` (function) a weaviate.Client for `clip_iris`, schema wiped first.
"""
from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import requests

from conftest import BASE_ENV, IrisServer, backend_env, free_port, make_client, wipe_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"
CLIP_MODEL = FIXTURES / "models" / "clip-tiny"
TEXT_MODEL = FIXTURES / "models" / "mclip-tiny"
IMAGES = FIXTURES / "images"
MODULE = "multi2vec-clip"

# The environment of a server that vectorises in-process with the fixture models.
EMBEDDED_ENV = {
    "ENABLE_MODULES": MODULE,
    "DEFAULT_VECTORIZER_MODULE": MODULE,
    "CLIP_MODEL_DIR": str(CLIP_MODEL),
    "TEXT_MODEL_DIR": str(TEXT_MODEL),
}


def b64(name: str) -> str:
    """A fixture image as the raw base64 string Weaviate expects in a blob field."""
    return base64.b64encode((IMAGES / name).read_bytes()).decode()


class InferenceProcess:
    """`iris inference` on 127.0.0.1:<free port> with the fixture models; restartable on the same port."""

    def __init__(self, binary: Path, log_path: Path, port: int | None = None):
        self.binary = binary
        self.log_path = log_path
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "InferenceProcess":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(self.binary), "inference", "--host", "127.0.0.1", "--port", str(self.port),
             "--clip-model", str(CLIP_MODEL), "--text-model", str(TEXT_MODEL)],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"iris inference exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/.well-known/ready", timeout=1).status_code == 204:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"iris inference not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def vectorize(self, texts=(), images=()) -> tuple[np.ndarray, np.ndarray]:
        """POST /vectorize; returns (textVectors, imageVectors) as float64 arrays (rows in input order)."""
        r = requests.post(self.url + "/vectorize", json={"texts": list(texts), "images": list(images)}, timeout=120)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["textVectors"]) == len(texts) and len(body["imageVectors"]) == len(images), body

        def rows(vectors):
            return np.asarray(vectors, dtype=np.float64) if vectors else np.zeros((0, 0))

        return rows(body["textVectors"]), rows(body["imageVectors"])

    def text(self, text: str) -> np.ndarray:
        return self.vectorize(texts=[text])[0][0]

    def image(self, image_b64: str) -> np.ndarray:
        return self.vectorize(images=[image_b64])[1][0]


def combine(vectors, weights=None) -> np.ndarray:
    """Weaviate's CombineVectorsWithWeights (reference 2.3): weights normalised to sum 1, then
    out = Σ w_k v_k / N; without weights the plain mean. No normalisation."""
    v = np.asarray(vectors, dtype=np.float64)
    if weights is None:
        return v.mean(axis=0)
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    return (w[:, None] * v).sum(axis=0) / len(v)


def join_concepts(concepts: list[str]) -> str:
    """Reference 2.4: '" "' after a concept ending in . , ? ! (or empty), otherwise '". "'."""
    out = ""
    for i, c in enumerate(concepts):
        if i > 0:
            prev = concepts[i - 1]
            out += " " if (not prev or prev[-1] in ".,?!") else ". "
        out += c
    return out


def move_to(v, target, force):
    return v * (1 - force / 2) + target * (force / 2)


def move_away(v, target, force):
    return v + (force / 2) * (v - target)


def cosine_distance(a, b) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def stored_vector(url: str, cls: str, uid: str) -> np.ndarray | None:
    r = requests.get(f"{url}/v1/objects/{cls}/{uid}?include=vector", timeout=30)
    assert r.status_code == 200, r.text
    vec = r.json().get("vector")
    return np.asarray(vec, dtype=np.float64) if vec else None


def gql(url: str, query: str) -> dict:
    r = requests.post(url + "/v1/graphql", json={"query": query}, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def assert_close(got, want, tol: float = 1e-5, what: str = "") -> None:
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    assert err <= tol, f"{what}: max abs difference {err:.3g} > {tol}"


def start_embedded(iris_factory, **extra):
    env = dict(EMBEDDED_ENV)
    env.update(extra)
    return iris_factory(env)


@pytest.fixture(scope="session")
def inference(iris_bin):
    root = Path(tempfile.mkdtemp(prefix="iris-inference-"))
    service = InferenceProcess(iris_bin, root / "inference.log").start()
    yield service
    service.kill()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def clip_iris(iris_bin, backend, request):
    root = Path(tempfile.mkdtemp(prefix="iris-clip-e2e-"))
    env = dict(BASE_ENV)
    env.update(EMBEDDED_ENV)
    env.update(backend_env(backend, request))
    server = IrisServer(iris_bin, env, root / "data", root / "server.log")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def clip_client(clip_iris):
    wipe_schema(clip_iris.url)
    return make_client(clip_iris.url)


def post_json(url: str, body, method: str = "POST"):
    return requests.request(method, url, data=json.dumps(body), headers={"Content-Type": "application/json"},
                            timeout=120)


class CountingProxy:
    """A loopback HTTP proxy in front of an inference service that records every request it forwards
    (method, path, number of texts and images), so a test can see how Iris calls the service."""

    def __init__(self, upstream: str):
        import http.server
        import threading

        self.upstream = upstream
        self.calls: list[tuple[str, str, int, int]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                texts = images = 0
                if self.path == "/vectorize":
                    payload = json.loads(body or b"{}")
                    texts, images = len(payload.get("texts") or []), len(payload.get("images") or [])
                proxy.calls.append((method, self.path, texts, images))
                try:
                    r = requests.request(method, proxy.upstream + self.path, data=body, timeout=120)
                    status, content = r.status_code, r.content
                except requests.RequestException:
                    status, content = 502, b'{"error":"upstream down"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Connection", "close")
                self.end_headers()
                if content:
                    self.wfile.write(content)

            def do_GET(self):
                self._forward("GET")

            def do_POST(self):
                self._forward("POST")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def vectorize_calls(self) -> list[tuple[int, int]]:
        return [(t, i) for m, p, t, i in self.calls if p == "/vectorize"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
