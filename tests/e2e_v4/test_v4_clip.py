"""multi2vec-clip through weaviate-client 4.24.1: objects imported over gRPC BatchObjects are vectorised
by the module, and near_text / near_image search with query vectors from CLIP. The expected vectors
come from a separate `iris embed` process with the same tiny fixture models (32-d)."""
from __future__ import annotations

import base64
import json
import subprocess
import uuid

import numpy as np
import pytest
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.query import MetadataQuery

from conftest import FIXTURES

CLIP_MODEL = FIXTURES / "models" / "clip-tiny"
TEXT_MODEL = FIXTURES / "models" / "mclip-tiny"
IMAGES = FIXTURES / "images"
ENV = {"ENABLE_MODULES": "multi2vec-clip", "CLIP_MODEL_DIR": str(CLIP_MODEL), "TEXT_MODEL_DIR": str(TEXT_MODEL)}

NAMES = ["a red sports car", "a cat sleeping on a sofa", "a cup of hot coffee", "an astronaut in space",
         "a horse in a field", "ein Hund im Park"]
PICTURES = ["rocket.jpg", "chelsea.png", "coffee.png", "astronaut.png", "horse.png", "camera.png"]


def uid(i: int) -> str:
    return str(uuid.UUID(int=(0xC119 << 96) | i, version=4))


def b64(name: str) -> str:
    return base64.b64encode((IMAGES / name).read_bytes()).decode()


def embed(iris_bin, texts=(), images=()) -> tuple[list, list]:
    cmd = [str(iris_bin), "embed", "--clip-model", str(CLIP_MODEL), "--text-model", str(TEXT_MODEL)]
    for t in texts:
        cmd += ["--text", t]
    for i in images:
        cmd += ["--image", str(IMAGES / i)]
    out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    return out["textVectors"], out["imageVectors"]


def cosine(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture
def clip(start_iris, iris_bin):
    server = start_iris(ENV)
    client = server.connect()
    client.collections.create(
        "Picture",
        properties=[Property(name="name", data_type=DataType.TEXT), Property(name="image", data_type=DataType.BLOB)],
        vectorizer_config=Configure.Vectorizer.multi2vec_clip(image_fields=["image"], text_fields=["name"]))
    col = client.collections.get("Picture")
    with col.batch.fixed_size(batch_size=5) as batch:
        for k, n in enumerate(NAMES):
            batch.add_object(properties={"name": n}, uuid=uid(k))
        for k, p in enumerate(PICTURES):
            batch.add_object(properties={"image": b64(p)}, uuid=uid(100 + k))
    assert col.batch.failed_objects == []
    t, i = embed(iris_bin, NAMES, PICTURES)
    expected = {uid(k): t[k] for k in range(len(NAMES))}
    expected.update({uid(100 + k): i[k] for k in range(len(PICTURES))})
    yield col, expected
    client.close()


def test_imported_objects_are_vectorised_by_the_module(clip):
    col, expected = clip
    stored = {str(o.uuid): o.vector["default"] for o in col.iterator(include_vector=True)}
    assert set(stored) == set(expected)
    for k, v in stored.items():
        assert np.allclose(v, expected[k], atol=1e-5), k


def check_ranking(objects, expected, query):
    want = sorted((cosine(query, v), k) for k, v in expected.items())
    assert [str(o.uuid) for o in objects] == [k for _, k in want][:len(objects)]
    for o, (d, _) in zip(objects, want):
        assert o.metadata.distance == pytest.approx(d, abs=2e-5)


def test_near_text(clip, iris_bin):
    col, expected = clip
    (q,), _ = embed(iris_bin, texts=["a small cat"])
    got = col.query.near_text("a small cat", limit=12, return_metadata=MetadataQuery(distance=True))
    assert len(got.objects) == 12
    check_ranking(got.objects, expected, q)


def test_near_image(clip, iris_bin):
    col, expected = clip
    _, (q,) = embed(iris_bin, images=["horse.png"])
    got = col.query.near_image(b64("horse.png"), limit=5, return_metadata=MetadataQuery(distance=True))
    check_ranking(got.objects, expected, q)
    assert str(got.objects[0].uuid) == uid(100 + PICTURES.index("horse.png"))
