"""`iris inference`: the multi2vec-clip container's HTTP API (reference 1.1, 1.5) with the fixture models."""
from __future__ import annotations

import base64
import json
import subprocess
import threading

import numpy as np
import requests

from clip_helpers import FIXTURES, b64, clip_iris, inference  # noqa: F401  (fixtures)


def test_seed_curl_command_works(inference):
    # The seed's debugging command, verbatim apart from the port: curl -d sends a form Content-Type.
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", f"localhost:{inference.port}/vectorize",
                          "-d", '{"texts": ["foo bar"], "images":[]}'], capture_output=True, text=True, timeout=60)
    body, status = out.stdout.rsplit("\n", 1)
    assert status == "200", out
    answer = json.loads(body)
    assert answer["imageVectors"] == [] and len(answer["textVectors"]) == 1 and len(answer["textVectors"][0]) == 32
    # No Content-Type at all (what Weaviate's Go client sends) reads as JSON too.
    r = requests.post(inference.url + "/vectorize", data=b'{"texts": ["foo bar"]}', timeout=60,
                      headers={"Content-Type": None})
    assert r.status_code == 200 and r.json()["textVectors"] == answer["textVectors"], r.text


def test_vectorize_matches_the_reference_goldens(inference):
    golden = json.loads((FIXTURES / "golden" / "mclip-tiny.json").read_text())
    entries = golden.get("texts") or golden.get("inputs") or []
    checked = 0
    for e in entries[:8]:
        text = e.get("text")
        vec = e.get("embedding") or e.get("vector")
        if text is None or vec is None:
            continue
        assert np.allclose(inference.text(text), vec, atol=1e-4), text
        checked += 1
    clip_golden = json.loads((FIXTURES / "golden" / "clip-tiny.json").read_text())
    for e in (clip_golden.get("images") or [])[:4]:
        name = e.get("file") or e.get("image") or e.get("name")
        vec = e.get("embedding") or e.get("vector")
        if not name or vec is None:
            continue
        assert np.allclose(inference.image(b64(name.split("/")[-1])), vec, atol=1e-4), name
        checked += 1
    assert checked >= 4, "golden files not understood"


def test_bad_input_answers_and_keeps_serving(inference):
    url = inference.url + "/vectorize"
    # Wrong shapes: FastAPI's 422 {"detail": [...]}.
    for body in ('{"texts": "foo"}', '{"images": [1, {"a": 1}]}', "[1, 2]", "not json", ""):
        r = requests.post(url, data=body, timeout=30)
        assert r.status_code == 422, (body, r.text)
        assert isinstance(r.json()["detail"], list) and r.json()["detail"], r.text
    # Both fields optional.
    r = requests.post(url, data="{}", timeout=30)
    assert r.status_code == 200 and r.json() == {"textVectors": [], "imageVectors": []}, r.text
    # Inference failures: 500 {"error": "<message>"}.
    for images in (["!!!not base64!!!"], [base64.b64encode(b"plain text, not an image").decode()],
                   [b64("rocket.jpg")[:2000]]):
        r = requests.post(url, json={"texts": ["ok"], "images": images}, timeout=30)
        assert r.status_code == 500, r.text
        assert set(r.json()) == {"error"} and r.json()["error"], r.text
    # A text longer than the model's context is truncated (a deliberate difference: never a 500).
    r = requests.post(url, json={"texts": ["word " * 2000]}, timeout=60)
    assert r.status_code == 200 and len(r.json()["textVectors"]) == 1, r.text
    # Still serving, with correct answers.
    t, i = inference.vectorize(["a", "b"], [b64("horse.png")])
    assert t.shape == (2, 32) and i.shape == (1, 32)


def test_meta_liveness_and_module_meta(inference, clip_iris):
    for path in ("/.well-known/live", "/.well-known/ready"):
        r = requests.get(inference.url + path, timeout=10)
        assert r.status_code == 204 and r.content == b"", (path, r.status_code)
    meta = requests.get(inference.url + "/meta", timeout=10)
    assert meta.status_code == 200
    meta = meta.json()
    # The sentence-transformers layout: the CLIP config and the text model's config.
    assert meta["clip_model"]["projection_dim"] == 32, meta
    assert "text_model" in meta and meta["text_model"], meta
    # /v1/meta of a server with the module lists it with that meta (embedded mode reads the same folders).
    server_meta = requests.get(clip_iris.url + "/v1/meta", timeout=10).json()
    assert server_meta["modules"] == {"multi2vec-clip": meta}, server_meta


def test_concurrent_requests_are_answered_correctly(inference):
    texts = [f"sentence number {k}" for k in range(24)]
    images = ["rocket.jpg", "chelsea.png", "coffee.png", "astronaut.png"]
    alone = {t: inference.text(t) for t in texts}
    alone_images = {n: inference.image(b64(n)) for n in images}
    results: dict = {}

    def worker(k: int):
        t = texts[k]
        n = images[k % len(images)]
        results[k] = inference.vectorize([t], [b64(n)])

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(texts))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for k, (tv, iv) in results.items():
        assert np.allclose(tv[0], alone[texts[k]], atol=1e-5)
        assert np.allclose(iv[0], alone_images[images[k % len(images)]], atol=1e-5)
    assert len(results) == len(texts)
