"""`iris import DIR --class NAME`: a folder of images (+ texts) through the REST batch API, with
deterministic ids, resume after an interruption, and undecodable files reported and skipped."""
from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import time
import uuid

import pytest
import requests

from clip_helpers import (  # noqa: F401  (fixtures)
    IMAGES, MODULE, assert_close, clip_client, clip_iris, combine, inference, stored_vector,
)

pytestmark = pytest.mark.backends("sqlite", "postgres")

NAMESPACE = uuid.UUID("2b5e0c52-6d5c-5b42-9b6a-5d1c3f0a1e7e")  # documented in `iris import --help`
GOOD = ["rocket.jpg", "chelsea.png", "coffee.png", "astronaut.png", "horse.png", "camera.png",
        "variant_palette.png", "variant_cmyk.jpg", "variant_lossless.webp", "variant_anim.gif"]


def object_id(relative_path: str) -> str:
    return str(uuid.uuid5(NAMESPACE, relative_path))


def create_class(client, name="Gallery"):
    client.schema.create_class({
        "class": name, "vectorizer": MODULE,
        "moduleConfig": {MODULE: {"imageFields": ["image"], "textFields": ["name"],
                                  "weights": {"textFields": [0.7], "imageFields": [0.3]}}},
        "properties": [{"name": "name", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]},
                       {"name": "path", "dataType": ["text"]}],
    })


def count(url: str, cls: str) -> int:
    r = requests.post(url + "/v1/graphql", json={"query": f"{{ Aggregate {{ {cls} {{ meta {{ count }} }} }} }}"},
                      timeout=30)
    return r.json()["data"]["Aggregate"][cls][0]["meta"]["count"]


def run_import(iris_bin, *args, timeout=300):
    return subprocess.run([str(iris_bin), "import", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_import_folder_with_texts_and_a_broken_image(iris_bin, clip_client, clip_iris, inference, tmp_path):
    url = clip_iris.url
    create_class(clip_client)
    folder = tmp_path / "photos"
    (folder / "sub" / "deeper").mkdir(parents=True)
    for name in GOOD[:6]:
        shutil.copy(IMAGES / name, folder / name)
    for name in GOOD[6:]:
        shutil.copy(IMAGES / name, folder / "sub" / "deeper" / name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG" * 10)
    (folder / "notes.txt").write_text("not an image")
    shutil.copy(IMAGES / "horse.png", folder / ".hidden.png")
    texts = tmp_path / "texts.csv"
    texts.write_text('file,name\nrocket.jpg,"a rocket, at night"\nsub/deeper/variant_cmyk.jpg,"a cat, ""in CMYK"""\n'
                     'coffee.png,Kaffee und Kuchen\nmissing.png,no such file\n')

    out = run_import(iris_bin, folder, "--class", "Gallery", "--text-file", texts, "--url", url,
                     "--batch-size", 4, "--path-field", "path")
    assert out.returncode == 0, out.stderr + out.stdout
    # Progress (stderr, not a terminal: plain lines) and the summary (stdout).
    assert "img/s" in out.stderr and "left" in out.stderr and "11/11" in out.stderr, out.stderr
    assert "1 of 4 texts match no image file" in out.stderr, out.stderr
    assert f"imported {len(GOOD)} of 11 images into Gallery" in out.stdout, out.stdout
    assert "0 already present; 1 failed" in out.stdout and "skipped broken.jpg:" in out.stdout, out.stdout
    assert count(url, "Gallery") == len(GOOD)

    expected_texts = {"rocket.jpg": "a rocket, at night", "sub/deeper/variant_cmyk.jpg": 'a cat, "in CMYK"',
                      "coffee.png": "Kaffee und Kuchen"}
    rels = GOOD[:6] + [f"sub/deeper/{n}" for n in GOOD[6:]]
    for rel in rels:
        obj = clip_client.data_object.get_by_id(object_id(rel), class_name="Gallery", with_vector=True)
        assert obj is not None, rel
        props = obj["properties"]
        data = (folder / rel).read_bytes()
        assert props["path"] == rel and props.get("name") == expected_texts.get(rel), props.get("name")
        image = inference.image(base64.b64encode(data).decode())
        want = combine([inference.text(props["name"]), image], [0.7, 0.3]) if "name" in props else image
        assert_close(obj["vector"], want, 1e-5, rel)
    assert requests.head(f"{url}/v1/objects/Gallery/{object_id('broken.jpg')}", timeout=10).status_code == 404

    # Running it again: everything is present already, nothing is sent twice.
    out = run_import(iris_bin, folder, "--class", "Gallery", "--text-file", texts, "--url", url)
    assert out.returncode == 0, out.stderr
    assert f"imported 0 of 11 images" in out.stdout and f"{len(GOOD)} already present; 1 failed" in out.stdout, out.stdout
    assert count(url, "Gallery") == len(GOOD)


def test_interrupted_import_resumes_without_duplicates(iris_bin, clip_client, clip_iris, tmp_path):
    url = clip_iris.url
    create_class(clip_client)
    folder = tmp_path / "many"
    rels = []
    for copy in range(8):
        (folder / f"set{copy}").mkdir(parents=True)
        for name in GOOD:
            shutil.copy(IMAGES / name, folder / f"set{copy}" / name)
            rels.append(f"set{copy}/{name}")
    texts = tmp_path / "texts.jsonl"
    texts.write_text("\n".join(json.dumps({"file": r, "name": f"text of {r}"}) for r in rels) + "\n")
    total = len(rels)

    proc = subprocess.Popen([str(iris_bin), "import", str(folder), "--class", "Gallery", "--url", url,
                             "--text-file", str(texts), "--batch-size", "2", "--parallel", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while count(url, "Gallery") < 6 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    # A batch the importer sent just before the interrupt may still be committing on the server:
    # wait until the count is stable before taking it as the interrupted state.
    interrupted_at, stable_since = count(url, "Gallery"), time.monotonic()
    while time.monotonic() - stable_since < 1.0 and time.monotonic() < deadline + 30:
        time.sleep(0.1)
        now = count(url, "Gallery")
        if now != interrupted_at:
            interrupted_at, stable_since = now, time.monotonic()
    assert 6 <= interrupted_at < total, (interrupted_at, total)

    out = run_import(iris_bin, folder, "--class", "Gallery", "--url", url, "--text-file", texts, "--batch-size", 8)
    assert out.returncode == 0, out.stderr
    assert f"imported {total - interrupted_at} of {total} images" in out.stdout, out.stdout
    assert f"{interrupted_at} already present; 0 failed" in out.stdout, out.stdout
    assert count(url, "Gallery") == total
    listed = requests.get(f"{url}/v1/objects?class=Gallery&limit=1000", timeout=60).json()["objects"]
    assert sorted(o["id"] for o in listed) == sorted(object_id(r) for r in rels)
    assert all(o["properties"]["name"] == f"text of {r}" for r in rels for o in listed if o["id"] == object_id(r))

    # --no-skip-existing sends everything again (overwrites; still no duplicates).
    out = run_import(iris_bin, folder / "set0", "--class", "Gallery", "--url", url, "--no-skip-existing")
    assert out.returncode == 0 and f"imported {len(GOOD)} of {len(GOOD)}" in out.stdout, out.stdout + out.stderr
    assert count(url, "Gallery") == total + len(GOOD)  # ids of set0/x differ from x: a different relative path


def test_import_errors_are_clear(iris_bin, clip_client, clip_iris, tmp_path):
    url = clip_iris.url
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(IMAGES / "horse.png", folder / "horse.png")
    out = run_import(iris_bin, folder, "--class", "Nope", "--url", url)
    assert out.returncode == 1 and "class Nope does not exist" in out.stderr, out.stderr
    clip_client.schema.create_class({"class": "Texty", "vectorizer": "none",
                                     "properties": [{"name": "image", "dataType": ["text"]}]})
    out = run_import(iris_bin, folder, "--class", "Texty", "--url", url)
    assert out.returncode == 1 and "is text, not blob" in out.stderr, out.stderr
    out = run_import(iris_bin, tmp_path / "absent", "--class", "Texty", "--url", url)
    assert out.returncode == 1 and "is not a folder" in out.stderr, out.stderr
    out = run_import(iris_bin, folder, "--class", "Texty", "--url", "http://127.0.0.1:1")
    assert out.returncode == 1 and "error:" in out.stderr, out.stderr
