"""Writes and searches with weaviate-client 4.24.1 (gRPC Search and BatchObjects), each result checked
against a brute-force answer computed here from the data the test inserted."""
from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery, Sort

DIM = 8
COLORS = ["red", "green", "blue"]


def uid(i: int) -> str:
    return str(uuid.UUID(int=(0xA11CE << 96) | i, version=4))


def rows(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        out.append({
            "id": uid(i),
            "vector": rng.normal(size=DIM).astype(np.float32),
            "props": {
                "title": f"item {i} {COLORS[i % 3]} {'even' if i % 2 == 0 else 'odd'}",
                "n": i,
                "price": round(i * 1.5, 2),
                "color": COLORS[i % 3],
                "tags": [COLORS[i % 3], "big" if i >= n // 2 else "small"],
                "sold": i % 4 == 0,
            },
        })
    return out


def create(client, name="Item", **kw):
    client.collections.create(
        name,
        properties=[Property(name="title", data_type=DataType.TEXT),
                    Property(name="n", data_type=DataType.INT),
                    Property(name="price", data_type=DataType.NUMBER),
                    Property(name="color", data_type=DataType.TEXT),
                    Property(name="tags", data_type=DataType.TEXT_ARRAY),
                    Property(name="sold", data_type=DataType.BOOL)],
        vectorizer_config=Configure.Vectorizer.none(),
        inverted_index_config=Configure.inverted_index(index_timestamps=True),
        **kw)
    return client.collections.get(name)


@pytest.fixture
def items(client):
    data = rows(60)
    col = create(client)
    result = col.data.insert_many([DataObject(properties=r["props"], vector=r["vector"].tolist(), uuid=r["id"])
                                   for r in data])
    assert not result.has_errors, result.errors
    return col, data


def cosine(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def ids(objects) -> list[str]:
    return [str(o.uuid) for o in objects]


def test_insert_and_fetch_by_id_round_trips_every_type(client):
    col = create(client, "Typed")
    vector = [0.25, -1.0, 3.5, 0.0, 1.0, 2.0, -0.5, 0.125]
    props = {"title": "hello", "n": 42, "price": 9.75, "color": "red", "tags": ["a", "b"], "sold": True}
    oid = col.data.insert(properties=props, vector=vector)
    got = col.query.fetch_object_by_id(oid, include_vector=True)
    assert got.properties == props
    assert isinstance(got.properties["n"], int)
    assert got.vector["default"] == pytest.approx(vector)
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((got.metadata.creation_time - now).total_seconds()) < 60
    assert got.metadata.last_update_time >= got.metadata.creation_time
    assert col.query.fetch_object_by_id(uid(999)) is None


def test_insert_many_reports_per_object_errors(client):
    col = create(client, "Partial")
    result = col.data.insert_many([
        DataObject(properties={"n": 1}, uuid=uid(1)),
        DataObject(properties={"n": "not a number"}, uuid=uid(2)),
        DataObject(properties={"n": 2.5}, uuid=uid(3)),  # not an integer
        DataObject(properties={"n": 4}, uuid=uid(4)),
    ])
    assert sorted(result.errors) == [1, 2]
    assert "n" in result.errors[1].message
    assert sorted(ids(col.query.fetch_objects().objects)) == sorted([uid(1), uid(4)])
    with pytest.raises(weaviate.exceptions.WeaviateInsertManyAllFailedError):
        col.data.insert_many([{"n": "bad"}])


@pytest.mark.parametrize("mode", ["dynamic", "fixed_size"])
def test_batch_context_managers(client, mode):
    data = rows(250, seed=3)
    col = create(client, "Batched")
    with (col.batch.dynamic() if mode == "dynamic" else col.batch.fixed_size(batch_size=40)) as batch:
        for r in data:
            batch.add_object(properties=r["props"], vector=r["vector"].tolist(), uuid=r["id"])
        batch.add_object(properties={"n": "wrong"}, uuid=uid(10_000))
    assert [str(f.object_.uuid) for f in col.batch.failed_objects] == [uid(10_000)]
    stored = {str(o.uuid): o for o in col.iterator(include_vector=True)}
    assert set(stored) == {r["id"] for r in data}
    for r in data[:20]:
        assert stored[r["id"]].properties == r["props"]
        assert stored[r["id"]].vector["default"] == pytest.approx(r["vector"].tolist(), rel=1e-6)


def test_large_batches_from_two_clients_at_once(client, iris):
    """Two clients each send the same 20,000 ids in one request, with their own values. PostgreSQL holds a
    lock per object written until its transaction ends, so a request this size must not be one
    transaction (its shared lock table once overflowed at 50,000). Every object ends up whole from one
    writer: its property and its vector agree."""
    import threading
    client.collections.create("Large", properties=[Property(name="writer", data_type=DataType.INT)],
                              vectorizer_config=Configure.Vectorizer.none())
    n = 20_000
    results = {}

    rest = np.random.default_rng(5).normal(size=(n, 3)).astype(np.float32)

    def send(writer: int):
        with iris.connect() as c:
            col = c.collections.get("Large")
            results[writer] = col.data.insert_many([
                DataObject(properties={"writer": writer}, vector=[float(writer), *rest[i].tolist()], uuid=uid(i))
                for i in range(n)])

    threads = [threading.Thread(target=send, args=(w,)) for w in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in (1, 2):
        assert not results[w].has_errors, list(results[w].errors.items())[:3]
    col = client.collections.get("Large")
    assert len(col) == n
    seen = 0
    for o in col.iterator(include_vector=True):
        assert o.vector["default"][0] == o.properties["writer"], o
        seen += 1
    assert seen == n


def test_fetch_objects_filters_match_brute_force(items):
    col, data = items
    cases = [
        (Filter.by_property("color").equal("red"), lambda p: p["color"] == "red"),
        (Filter.by_property("n").greater_than(10) & Filter.by_property("n").less_or_equal(30),
         lambda p: 10 < p["n"] <= 30),
        (Filter.by_property("color").equal("blue") | Filter.by_property("sold").equal(True),
         lambda p: p["color"] == "blue" or p["sold"]),
        (Filter.by_property("price").greater_or_equal(45.0) & Filter.by_property("color").not_equal("green")
         & Filter.by_property("sold").equal(False),
         lambda p: p["price"] >= 45.0 and p["color"] != "green" and not p["sold"]),
        (Filter.by_property("tags").contains_any(["green", "big"]), lambda p: "green" in p["tags"] or "big" in p["tags"]),
        (Filter.by_property("tags").contains_all(["blue", "small"]), lambda p: {"blue", "small"} <= set(p["tags"])),
        (Filter.by_property("title").like("*even"), lambda p: p["title"].endswith("even")),
        (Filter.not_(Filter.by_property("color").equal("red")), lambda p: p["color"] != "red"),
        (Filter.by_id().equal(uid(5)), lambda p: p["n"] == 5),
        (Filter.by_id().contains_any([uid(1), uid(2), uid(59)]), lambda p: p["n"] in (1, 2, 59)),
    ]
    for f, predicate in cases:
        got = sorted(o.properties["n"] for o in col.query.fetch_objects(filters=f, limit=100).objects)
        want = sorted(r["props"]["n"] for r in data if predicate(r["props"]))
        assert got == want, f


def test_creation_time_filter(items):
    col, data = items
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    assert len(col.query.fetch_objects(filters=Filter.by_creation_time().less_than(later), limit=100).objects) == 60
    assert col.query.fetch_objects(filters=Filter.by_creation_time().greater_than(later)).objects == []


def test_limit_offset_sort_and_default_limit(items):
    col, data = items
    by_price_desc = sorted(data, key=lambda r: -r["props"]["price"])
    page = col.query.fetch_objects(sort=Sort.by_property("price", ascending=False), limit=7, offset=5).objects
    assert ids(page) == [r["id"] for r in by_price_desc[5:12]]
    two_keys = col.query.fetch_objects(sort=Sort.by_property("color").by_property("n", ascending=False), limit=100)
    want = sorted(data, key=lambda r: (r["props"]["color"], -r["props"]["n"]))
    assert ids(two_keys.objects) == [r["id"] for r in want]
    # No limit: QUERY_DEFAULTS_LIMIT (25 on the test server).
    assert len(col.query.fetch_objects().objects) == 25


def test_iterator_visits_every_object_once(client):
    data = rows(230, seed=11)
    col = create(client, "Many")
    assert not col.data.insert_many([DataObject(properties=r["props"], uuid=r["id"]) for r in data]).has_errors
    seen = [str(o.uuid) for o in col.iterator()]
    assert len(seen) == len(set(seen)) == 230
    assert set(seen) == {r["id"] for r in data}
    assert seen == sorted(seen)  # the cursor walks ids in order


def test_near_vector_matches_brute_force(items):
    col, data = items
    q = np.random.default_rng(1).normal(size=DIM).astype(np.float32)
    want = sorted((cosine(q, r["vector"]), r["id"]) for r in data)
    got = col.query.near_vector(q.tolist(), limit=10, return_metadata=MetadataQuery(distance=True, certainty=True))
    assert ids(got.objects) == [i for _, i in want[:10]]
    for o, (d, _) in zip(got.objects, want):
        assert o.metadata.distance == pytest.approx(d, abs=1e-5)
        assert o.metadata.certainty == pytest.approx(1 - d / 2, abs=1e-5)
    # A distance threshold and no limit: everything within it.
    within = col.query.near_vector(q.tolist(), distance=0.9, return_metadata=MetadataQuery(distance=True))
    assert ids(within.objects) == [i for d, i in want if d <= 0.9]
    # With a filter: the nearest among the matches.
    red = col.query.near_vector(q.tolist(), limit=5, filters=Filter.by_property("color").equal("red"))
    color = {r["id"]: r["props"]["color"] for r in data}
    assert ids(red.objects) == [i for _, i in want if color[i] == "red"][:5]


def test_near_object_uses_the_stored_vector(items):
    col, data = items
    source = data[17]
    want = sorted((cosine(source["vector"], r["vector"]), r["id"]) for r in data)
    got = col.query.near_object(source["id"], limit=6, return_metadata=MetadataQuery(distance=True))
    assert ids(got.objects) == [i for _, i in want[:6]]
    assert got.objects[0].metadata.distance == pytest.approx(0, abs=1e-5)


DOCS = ["the quick brown fox", "the lazy dog sleeps", "a quick quick fox jumps", "dogs and foxes",
        "nothing to see here"]


@pytest.fixture
def docs(client):
    client.collections.create("Doc", properties=[Property(name="text", data_type=DataType.TEXT)],
                              vectorizer_config=Configure.Vectorizer.none())
    col = client.collections.get("Doc")
    rng = np.random.default_rng(5)
    vectors = [rng.normal(size=4).astype(np.float32) for _ in DOCS]
    assert not col.data.insert_many([DataObject(properties={"text": t}, vector=v.tolist(), uuid=uid(i))
                                     for i, (t, v) in enumerate(zip(DOCS, vectors))]).has_errors
    return col, vectors


def test_bm25_known_answer(docs):
    col, _ = docs
    got = col.query.bm25("quick", return_metadata=MetadataQuery(score=True, explain_score=True))
    # Only docs 0 and 2 contain "quick"; doc 2 has it twice in a text of similar length.
    assert ids(got.objects) == [uid(2), uid(0)]
    assert got.objects[0].metadata.score > got.objects[1].metadata.score > 0
    assert "quick" in got.objects[0].metadata.explain_score
    assert col.query.bm25("elephant").objects == []


def test_hybrid_fuses_by_relative_score(docs):
    col, vectors = docs
    q = np.array([0.3, -0.2, 0.9, 0.1], np.float32)
    keyword = col.query.bm25("quick fox", return_metadata=MetadataQuery(score=True), limit=100).objects
    dense = sorted((cosine(q, v), uid(i)) for i, v in enumerate(vectors))

    # Relative score fusion (the client's default): min-max normalised scores, weighted by alpha.
    alpha = 0.6
    scores: dict[str, float] = {}
    kw = {str(o.uuid): o.metadata.score for o in keyword}
    lo, hi = min(kw.values()), max(kw.values())
    for k, s in kw.items():
        scores[k] = scores.get(k, 0) + (1 - alpha) * ((s - lo) / (hi - lo) if hi > lo else 1)
    sims = {i: 1 - d for d, i in dense}
    lo, hi = min(sims.values()), max(sims.values())
    for k, s in sims.items():
        scores[k] = scores.get(k, 0) + alpha * ((s - lo) / (hi - lo) if hi > lo else 1)
    got = col.query.hybrid("quick fox", vector=q.tolist(), alpha=alpha, return_metadata=MetadataQuery(score=True))
    assert ids(got.objects) == sorted(scores, key=lambda k: -scores[k])
    for o in got.objects:
        assert o.metadata.score == pytest.approx(scores[str(o.uuid)], abs=1e-5)

    # alpha 1 is the vector search alone, alpha 0 the keyword search alone.
    assert ids(col.query.hybrid("quick fox", vector=q.tolist(), alpha=1).objects) == [i for _, i in dense]
    assert ids(col.query.hybrid("quick fox", vector=q.tolist(), alpha=0).objects) == ids(keyword)
    ranked = col.query.hybrid("quick fox", vector=q.tolist(), alpha=alpha, fusion_type=HybridFusion.RANKED)
    assert set(ids(ranked.objects)) == set(scores)


def test_delete_many(items):
    col, data = items
    red = Filter.by_property("color").equal("red")
    n_red = sum(r["props"]["color"] == "red" for r in data)
    dry = col.data.delete_many(where=red, dry_run=True, verbose=True)
    assert (dry.matches, dry.failed) == (n_red, 0)
    assert sorted(str(o.uuid) for o in dry.objects) == sorted(r["id"] for r in data if r["props"]["color"] == "red")
    assert len(col.query.fetch_objects(limit=100).objects) == 60
    done = col.data.delete_many(where=red, verbose=True)
    assert done.matches == done.successful == n_red
    assert sorted(str(o.uuid) for o in done.objects) == sorted(r["id"] for r in data if r["props"]["color"] == "red")
    assert all(o.successful for o in done.objects)
    left = col.query.fetch_objects(limit=100).objects
    assert len(left) == 60 - n_red and all(o.properties["color"] != "red" for o in left)
    assert col.aggregate.over_all(total_count=True).total_count == 60 - n_red


def test_errors_use_weaviate_status_codes(client, items):
    col, _ = items
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        client.collections.get("Missing").query.fetch_objects()
    assert "Missing" in str(e.value)
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.query.fetch_objects(filters=Filter.by_property("nope").equal(1))
    assert "nope" in str(e.value)
    with pytest.raises(weaviate.exceptions.WeaviateQueryError):
        col.query.near_vector([1.0, 2.0], limit=3)  # wrong dimension
    with pytest.raises(weaviate.exceptions.WeaviateDeleteManyError):
        client.collections.get("Missing").data.delete_many(where=Filter.by_property("n").equal(1))
    with pytest.raises(weaviate.exceptions.WeaviateTenantGetError) as e:
        col.tenants.get()
    assert "multi-tenancy" in str(e.value)


def test_non_finite_vectors_are_refused_over_grpc(items):
    """Issue #17: NaN and infinity never reach the store or the index, through BatchObjects or Search."""
    col, data = items
    dim = len(data[0]["vector"])
    bad = [float("nan")] + [0.5] * (dim - 1)
    result = col.data.insert_many([DataObject(properties={"n": 1}, vector=bad, uuid=uid(9001)),
                                   DataObject(properties={"n": 2}, vector=[float("inf")] * dim, uuid=uid(9002)),
                                   DataObject(properties={"n": 3}, vector=[0.25] * dim, uuid=uid(9003))])
    assert sorted(result.errors) == [0, 1]
    assert all("finite" in e.message for e in result.errors.values()), result.errors
    assert col.query.fetch_object_by_id(uid(9001)) is None and col.query.fetch_object_by_id(uid(9003)) is not None
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.query.near_vector(bad, limit=3)
    assert "finite" in str(e.value)


def test_aggregate_over_all_and_grouped(items):
    """Aggregations go over GraphQL at server version 1.27 (the client's own gate)."""
    from weaviate.classes.aggregate import GroupByAggregate
    from weaviate.classes.query import Metrics

    col, data = items
    total = col.aggregate.over_all(total_count=True, return_metrics=Metrics("n").integer(mean=True, maximum=True))
    assert total.total_count == 60
    assert total.properties["n"].mean == np.mean([r["props"]["n"] for r in data])
    assert total.properties["n"].maximum == 59
    grouped = col.aggregate.over_all(group_by=GroupByAggregate(prop="color"), total_count=True)
    counts = {g.grouped_by.value: g.total_count for g in grouped.groups}
    assert counts == {c: sum(r["props"]["color"] == c for r in data) for c in COLORS}
    red = col.aggregate.over_all(filters=Filter.by_property("color").equal("red"), total_count=True)
    assert red.total_count == counts["red"]
