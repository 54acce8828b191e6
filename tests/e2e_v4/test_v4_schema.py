"""Collections as the v4 client creates and reads them: the default `collections.create` (a named
vector "default"), `Configure.Vectors.self_provided(name=…)`, a named multi2vec-clip vector, and
`config.get()` parsing Iris's 1.27-shaped class JSON."""
from __future__ import annotations

import numpy as np
import pytest
import requests
import weaviate
from weaviate.classes.config import Configure, DataType, Property, VectorDistances
from weaviate.classes.data import DataObject
from weaviate.classes.query import MetadataQuery

from test_v4_clip import CLIP_MODEL, ENV, TEXT_MODEL, b64, embed


def cosine(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_default_create_and_config_get(client, iris):
    client.collections.create("Plain", properties=[Property(name="title", data_type=DataType.TEXT),
                                                   Property(name="n", data_type=DataType.INT)])
    assert client.collections.exists("Plain") and not client.collections.exists("Nope")
    config = client.collections.get("Plain").config.get()
    assert config.name == "Plain"
    assert [(p.name, p.data_type) for p in config.properties] == [("title", DataType.TEXT), ("n", DataType.INT)]
    assert config.properties[0].index_searchable and config.properties[1].index_filterable
    assert config.inverted_index_config.bm25.k1 == pytest.approx(1.2)
    assert config.replication_config.factor == 1
    # With no vector settings the client asks for one self-provided vector named "default".
    assert list(config.vector_config) == ["default"]
    assert config.vector_config["default"].vector_index_config.distance_metric == VectorDistances.COSINE
    raw = requests.get(f"{iris.url}/v1/schema/Plain").json()
    assert "vectorizer" not in raw and raw["vectorConfig"]["default"]["vectorizer"] == {"none": {}}
    assert [c.name for c in client.collections.list_all().values()] == ["Plain"]
    client.collections.delete("Plain")
    client.collections.delete("Plain")  # deleting a missing collection is fine, as in Weaviate
    assert not client.collections.exists("Plain")


def test_named_self_provided_vector(client):
    client.collections.create(
        "Own", properties=[Property(name="k", data_type=DataType.INT)],
        vector_config=Configure.Vectors.self_provided(name="own", vector_index_config=Configure.VectorIndex.hnsw(
            distance_metric=VectorDistances.DOT)))
    col = client.collections.get("Own")
    assert col.config.get().vector_config["own"].vector_index_config.distance_metric == VectorDistances.DOT
    rng = np.random.default_rng(2)
    vectors = [rng.normal(size=6).astype(np.float32) for _ in range(30)]
    assert not col.data.insert_many([DataObject(properties={"k": i}, vector={"own": v.tolist()})
                                     for i, v in enumerate(vectors)]).has_errors
    col.data.insert({"k": 30}, vector={"own": [1.0, 0, 0, 0, 0, 0]})  # REST with "vectors"
    vectors.append(np.array([1.0, 0, 0, 0, 0, 0], np.float32))
    q = rng.normal(size=6).astype(np.float32)
    # dot distance is -a·b: brute force over every stored vector.
    want = sorted(range(len(vectors)), key=lambda i: -float(np.dot(q, vectors[i])))[:5]
    got = col.query.near_vector(q.tolist(), target_vector="own", limit=5, include_vector=True,
                                return_metadata=MetadataQuery(distance=True))
    assert [o.properties["k"] for o in got.objects] == want
    for o in got.objects:
        k = o.properties["k"]
        assert o.vector["own"] == pytest.approx(vectors[k].tolist(), rel=1e-6)
        assert o.metadata.distance == pytest.approx(-float(np.dot(q, vectors[k])), rel=1e-4)
    with pytest.raises(weaviate.exceptions.WeaviateQueryError):
        col.query.near_vector(q.tolist(), target_vector="other", limit=5)
    # Several named vectors (test_v4_named_vectors.py covers them); a name that is no GraphQL name is refused.
    client.collections.create("Two", vector_config=[Configure.Vectors.self_provided(name="a"),
                                                    Configure.Vectors.self_provided(name="b")])
    assert sorted(client.collections.get("Two").config.get().vector_config) == ["a", "b"]
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError, match="invalid vector name"):
        client.collections.create("Bad", vector_config=[Configure.Vectors.self_provided(name="a"),
                                                        Configure.Vectors.self_provided(name="b-c")])


def test_named_clip_vector(start_iris, iris_bin):
    server = start_iris(ENV)
    with server.connect() as client:
        client.collections.create(
            "Photo", properties=[Property(name="caption", data_type=DataType.TEXT),
                                 Property(name="image", data_type=DataType.BLOB)],
            vector_config=Configure.Vectors.multi2vec_clip(name="clip", image_fields=["image"], text_fields=["caption"]))
        config = client.collections.get("Photo").config.get()
        assert config.vector_config["clip"].vectorizer.vectorizer == "multi2vec-clip"
        col = client.collections.get("Photo")
        pictures = ["horse.png", "coffee.png", "rocket.jpg"]
        assert not col.data.insert_many([{"image": b64(p)} for p in pictures]).has_errors
        _, image_vectors = embed(iris_bin, images=pictures)
        (q,), _ = embed(iris_bin, texts=["a horse"])
        got = col.query.near_text("a horse", target_vector="clip", include_vector=True,
                                  return_metadata=MetadataQuery(distance=True))
        by_distance = sorted(range(3), key=lambda i: cosine(q, image_vectors[i]))
        assert [np.argmin([cosine(o.vector["clip"], v) for v in image_vectors]) for o in got.objects] == by_distance
        for o in got.objects:
            assert o.metadata.distance == pytest.approx(cosine(q, o.vector["clip"]), abs=2e-5)
