"""Several named vectors per collection through weaviate-client 4.24.1: each named vector has its own
index and distance; objects carry them by name; searches name the vectors they use (one, or several
joined by minimum, sum, average, manual weights or relative score), checked against brute force in
numpy. Also: the vectors survive a restart after SIGKILL, and multi2vec-clip as two named vectors (one
from the image, one from the text) stores what `iris embed` computes for each."""
from __future__ import annotations

import signal
import uuid

import numpy as np
import pytest
import weaviate.classes as wvc
from weaviate.classes.config import Configure, DataType, Property, VectorDistances
from weaviate.classes.query import MetadataQuery, TargetVectors
from weaviate.exceptions import WeaviateQueryError, WeaviateInsertManyAllFailedError, UnexpectedStatusCodeError

from test_v4_clip import ENV as CLIP_ENV, NAMES, PICTURES, b64, cosine, embed

N = 60


def uid(i: int) -> str:
    return str(uuid.UUID(int=(0xBEC7 << 96) | int(i), version=4))


def cos_dist(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def l2(a, b) -> float:
    d = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    return float(d @ d)


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    return {"title": rng.normal(size=(N, 8)).astype(np.float32), "body": rng.normal(size=(N, 5)).astype(np.float32)}


@pytest.fixture
def col(client, data):
    client.collections.create(
        "Doc",
        properties=[Property(name="n", data_type=DataType.INT)],
        vectorizer_config=[
            Configure.NamedVectors.none("title"),
            Configure.NamedVectors.none("body", vector_index_config=Configure.VectorIndex.hnsw(
                distance_metric=VectorDistances.L2_SQUARED)),
        ])
    c = client.collections.get("Doc")
    with c.batch.fixed_size(batch_size=25) as batch:
        for i in range(N):
            batch.add_object({"n": i}, uuid=uid(i),
                             vector={"title": data["title"][i].tolist(), "body": data["body"][i].tolist()})
    assert not c.batch.failed_objects
    return c


def test_config_shows_each_named_vector_with_its_own_index(col):
    cfg = col.config.get()
    assert set(cfg.vector_config) == {"title", "body"}
    assert cfg.vector_config["title"].vector_index_config.distance_metric == VectorDistances.COSINE
    assert cfg.vector_config["body"].vector_index_config.distance_metric == VectorDistances.L2_SQUARED


def test_objects_return_every_named_vector(col, data):
    o = col.query.fetch_object_by_id(uid(3), include_vector=True)
    assert np.allclose(o.vector["title"], data["title"][3])
    assert np.allclose(o.vector["body"], data["body"][3])
    o = col.query.fetch_object_by_id(uid(3), include_vector=["body"])
    assert set(o.vector) == {"body"}


def test_single_target_matches_brute_force_in_its_own_metric(col, data):
    rng = np.random.default_rng(1)
    for name, dist in (("title", cos_dist), ("body", l2)):
        q = rng.normal(size=data[name].shape[1]).astype(np.float32)
        res = col.query.near_vector(q.tolist(), target_vector=name, limit=5, return_metadata=MetadataQuery(distance=True))
        expected = sorted(range(N), key=lambda i: dist(data[name][i], q))[:5]
        assert [o.uuid for o in res.objects] == [uuid.UUID(uid(i)) for i in expected]
        for o, i in zip(res.objects, expected):
            assert o.metadata.distance == pytest.approx(dist(data[name][i], q), abs=1e-4)


def test_several_vectors_and_no_target_is_an_error(col, data):
    with pytest.raises(WeaviateQueryError, match="multiple vectors, but no target vectors"):
        col.query.near_vector(data["title"][0].tolist(), limit=3)


@pytest.mark.parametrize("join", ["minimum", "sum", "average", "manual", "relative"])
def test_multi_target_joins_match_brute_force(col, data, join):
    rng = np.random.default_rng(2)
    qt, qb = rng.normal(size=8).astype(np.float32), rng.normal(size=5).astype(np.float32)
    dt = np.array([cos_dist(v, qt) for v in data["title"]])
    db = np.array([l2(v, qb) for v in data["body"]])
    targets = {
        "minimum": (TargetVectors.minimum(["title", "body"]), np.minimum(dt, db)),
        "sum": (TargetVectors.sum(["title", "body"]), dt + db),
        "average": (TargetVectors.average(["title", "body"]), (dt + db) / 2),
        "manual": (TargetVectors.manual_weights({"title": 2.0, "body": 0.5}), 2 * dt + 0.5 * db),
    }
    limit = N  # every object is a candidate of both searches, so the join sees all of them
    if join == "relative":
        target = TargetVectors.relative_score({"title": 1.0, "body": 3.0})
        joined = (dt - dt.min()) / (dt.max() - dt.min()) + 3 * (db - db.min()) / (db.max() - db.min())
    else:
        target, joined = targets[join]
    res = col.query.near_vector({"title": qt.tolist(), "body": qb.tolist()}, target_vector=target, limit=limit,
                                return_metadata=MetadataQuery(distance=True))
    got = [o.uuid for o in res.objects]
    expected = [uuid.UUID(uid(i)) for i in np.argsort(joined, kind="stable")]
    assert got[:10] == expected[:10]
    if join != "relative":
        assert [o.metadata.distance for o in res.objects[:10]] == pytest.approx(sorted(joined)[:10], abs=1e-4)


def test_multi_target_with_few_results_computes_missing_distances(col, data):
    # limit 3: each target's own top 3 are candidates; a candidate the other target did not find still
    # gets its exact distance there, so the sum is exact for every result.
    qt, qb = data["title"][10], data["body"][20]
    dt = np.array([cos_dist(v, qt) for v in data["title"]])
    db = np.array([l2(v, qb) for v in data["body"]])
    res = col.query.near_vector({"title": qt.tolist(), "body": qb.tolist()}, target_vector=TargetVectors.sum(["title", "body"]),
                                limit=3, return_metadata=MetadataQuery(distance=True))
    for o in res.objects:
        i = int(o.properties["n"])
        assert o.metadata.distance == pytest.approx(dt[i] + db[i], abs=1e-4)


def test_near_object_uses_the_objects_vector_of_each_target(col, data):
    res = col.query.near_object(uid(7), target_vector="body", limit=3, return_metadata=MetadataQuery(distance=True))
    expected = sorted(range(N), key=lambda i: l2(data["body"][i], data["body"][7]))[:3]
    assert [o.uuid for o in res.objects] == [uuid.UUID(uid(i)) for i in expected]


def test_hybrid_vector_half_over_two_targets(col, data):
    res = col.query.hybrid(query=None, vector={"title": data["title"][5].tolist(), "body": data["body"][5].tolist()},
                           target_vector=["title", "body"], limit=3)
    assert res.objects[0].uuid == uuid.UUID(uid(5))


def test_unknown_vector_names_are_refused(col, client):
    with pytest.raises(WeaviateQueryError, match="does not have named vector"):
        col.query.near_vector([1.0] * 8, target_vector="nope")
    with pytest.raises(UnexpectedStatusCodeError, match="no named vector 'nope'"):
        col.data.insert({"n": 1}, vector={"nope": [1.0, 2.0]})


def test_a_vector_of_the_wrong_length_is_refused_per_named_vector(col):
    with pytest.raises(UnexpectedStatusCodeError, match="length 3. Existing nodes have vectors with length 5"):
        col.data.insert({"n": 1}, vector={"title": [1.0] * 8, "body": [1.0] * 3})


def test_patch_keeps_the_other_named_vector(col, data):
    col.data.update(uid(4), properties={"n": 400}, vector={"body": [1.0, 0, 0, 0, 0]})
    o = col.query.fetch_object_by_id(uid(4), include_vector=True)
    assert o.properties["n"] == 400
    assert np.allclose(o.vector["title"], data["title"][4])
    assert np.allclose(o.vector["body"], [1, 0, 0, 0, 0])
    res = col.query.near_vector([1.0, 0, 0, 0, 0], target_vector="body", limit=1)
    assert res.objects[0].uuid == uuid.UUID(uid(4))


def test_delete_removes_every_named_vector(col, data):
    col.data.delete_by_id(uid(9))
    for name in ("title", "body"):
        res = col.query.near_vector(data[name][9].tolist(), target_vector=name, limit=1)
        assert res.objects[0].uuid != uuid.UUID(uid(9))


def test_named_vectors_survive_sigkill(start_iris, data):
    server = start_iris()
    c = server.connect()
    c.collections.create("Doc", vectorizer_config=[Configure.NamedVectors.none("title"), Configure.NamedVectors.none("body")])
    col = c.collections.get("Doc")
    col.data.insert_many([wvc.data.DataObject(properties={}, uuid=uid(i),
                                              vector={"title": data["title"][i].tolist(), "body": data["body"][i].tolist()})
                          for i in range(N)])
    c.close()
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    server.start()
    c = server.connect()
    col = c.collections.get("Doc")
    for name in ("title", "body"):
        for i in (0, 17, 59):
            res = col.query.near_vector(data[name][i].tolist(), target_vector=name, limit=1)
            assert res.objects[0].uuid == uuid.UUID(uid(i))
    c.close()


def test_multi2vec_clip_as_an_image_vector_and_a_text_vector(start_iris, iris_bin):
    server = start_iris(CLIP_ENV)
    c = server.connect()
    c.collections.create(
        "Picture",
        properties=[Property(name="name", data_type=DataType.TEXT), Property(name="image", data_type=DataType.BLOB)],
        vectorizer_config=[
            Configure.NamedVectors.multi2vec_clip("image", image_fields=["image"]),
            Configure.NamedVectors.multi2vec_clip("text", text_fields=["name"]),
        ])
    col = c.collections.get("Picture")
    col.data.insert_many([wvc.data.DataObject(properties={"name": n, "image": b64(p)}, uuid=uid(i))
                          for i, (n, p) in enumerate(zip(NAMES, PICTURES))])
    text_vectors, image_vectors = embed(iris_bin, texts=NAMES, images=PICTURES)
    for i in range(len(NAMES)):
        o = col.query.fetch_object_by_id(uid(i), include_vector=True)
        assert cosine(o.vector["image"], image_vectors[i]) < 1e-5
        assert cosine(o.vector["text"], text_vectors[i]) < 1e-5
    # near_text searches the text vectors with the text model, near_image the image vectors.
    res = col.query.near_text(NAMES[3], target_vector="text", limit=1)
    assert res.objects[0].uuid == uuid.UUID(uid(3))
    res = col.query.near_image(b64(PICTURES[2]), target_vector="image", limit=1)
    assert res.objects[0].uuid == uuid.UUID(uid(2))
    c.close()


def test_graphql_target_vectors_and_additional_vectors(client, col, data):
    q = data["body"][11]
    res = client.graphql_raw_query(
        "{ Get { Doc(nearVector: {vector: %s, targetVectors: [\"body\"]}, limit: 3) "
        "{ n _additional { distance vectors { title body } } } } }" % q.tolist())
    assert not res.errors
    hits = res.get["Doc"]
    expected = sorted(range(N), key=lambda i: l2(data["body"][i], q))[:3]
    assert [h["n"] for h in hits] == expected
    assert np.allclose(hits[0]["_additional"]["vectors"]["title"], data["title"][11])
    assert np.allclose(hits[0]["_additional"]["vectors"]["body"], q)
    res = client.graphql_raw_query("{ Get { Doc(nearVector: {vector: %s}) { n } } }" % q.tolist())
    assert "multiple vectors, but no target vectors" in str(res.errors)


@pytest.mark.parametrize("join", ["minimum", "sum", "average", "manual", "relative"])
def test_graphql_targets_and_vector_per_target_answer_as_grpc_does(client, col, data, join):
    """Raw GraphQL `targets` + `vectorPerTarget` and the client's gRPC `target_vector` + per-target vectors:
    the same hits with the same distances."""
    rng = np.random.default_rng(12)
    qt, qb = rng.normal(size=8).astype(np.float32), rng.normal(size=5).astype(np.float32)
    grpc_target, method, weights = {
        "minimum": (TargetVectors.minimum(["title", "body"]), "minimum", ""),
        "sum": (TargetVectors.sum(["title", "body"]), "sum", ""),
        "average": (TargetVectors.average(["title", "body"]), "average", ""),
        "manual": (TargetVectors.manual_weights({"title": 2.0, "body": 0.5}), "manualWeights", "weights: {title: 2, body: 0.5}"),
        "relative": (TargetVectors.relative_score({"title": 1.0, "body": 3.0}), "relativeScore", "weights: {title: 1, body: 3}"),
    }[join]
    over_grpc = col.query.near_vector({"title": qt.tolist(), "body": qb.tolist()}, target_vector=grpc_target, limit=10,
                                      return_metadata=MetadataQuery(distance=True))
    res = client.graphql_raw_query(
        "{ Get { Doc(limit: 10, nearVector: {vectorPerTarget: {title: %s, body: %s} "
        "targets: {targetVectors: [\"title\", \"body\"] combinationMethod: %s %s}}) { n _additional { id distance } } } }"
        % (qt.tolist(), qb.tolist(), method, weights))
    assert not res.errors, res.errors
    hits = res.get["Doc"]
    assert [uuid.UUID(h["_additional"]["id"]) for h in hits] == [o.uuid for o in over_grpc.objects]
    assert [h["_additional"]["distance"] for h in hits] == pytest.approx([o.metadata.distance for o in over_grpc.objects], abs=1e-5)


def test_graphql_target_searched_with_two_vectors(client, col, data):
    qb1, qb2 = data["body"][4], data["body"][9]
    d = np.array([l2(v, qb1) + 0.25 * l2(v, qb2) for v in data["body"]])
    res = client.graphql_raw_query(
        "{ Get { Doc(limit: %d, nearVector: {vectorPerTarget: {body: [%s, %s]} targets: {targetVectors: [\"body\", \"body\"] "
        "combinationMethod: manualWeights weights: {body: [1, 0.25]}}}) { n _additional { distance } } } }"
        % (N, qb1.tolist(), qb2.tolist()))  # limit N: every object is a candidate of both searches
    assert not res.errors, res.errors
    hits = res.get["Doc"]
    assert [h["n"] for h in hits[:5]] == [int(i) for i in np.argsort(d, kind="stable")[:5]]
    assert [h["_additional"]["distance"] for h in hits[:5]] == pytest.approx(sorted(d)[:5], abs=1e-4)
    res = client.graphql_raw_query(
        "{ Get { Doc(nearVector: {vectorPerTarget: {body: %s} targets: {targetVectors: [\"title\", \"body\"]}}) { n } } }"
        % qb1.tolist())
    assert "vectorPerTarget for target title is not provided" in str(res.errors)
