"""group_by over gRPC Search with weaviate-client 4.24.1 (`GroupBy(prop, number_of_groups,
objects_per_group)` on near_vector, near_object and bm25), checked against groups computed here."""
from __future__ import annotations

import uuid

import numpy as np
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import GroupBy, MetadataQuery

DIM = 6
CATS = ["red", "green", "blue", "cyan", None]


def uid(i: int) -> str:
    return str(uuid.UUID(int=(0x6B0 << 96) | int(i), version=4))


def cosine(q, v) -> np.ndarray:
    q, v = np.asarray(q, np.float64), np.asarray(v, np.float64)
    return 1 - (v @ q) / (np.linalg.norm(v, axis=1) * np.linalg.norm(q))


def expected(values: list[str], order: list[int], groups: int, per_group: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i in order:
        v = values[i]
        if len(out.get(v, [])) >= per_group:
            continue
        if v not in out:
            if len(out) >= groups:
                continue
            out[v] = []
        out[v].append(i)
    return out


@pytest.fixture
def docs(client):
    rng = np.random.default_rng(41)
    n = 150
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    cats = [CATS[int(rng.integers(0, len(CATS)))] for _ in range(n)]
    client.collections.create("Doc", properties=[Property(name="category", data_type=DataType.TEXT),
                                                 Property(name="n", data_type=DataType.INT)],
                              vectorizer_config=Configure.Vectorizer.none())
    col = client.collections.get("Doc")
    objs = [DataObject(properties={"n": i, **({"category": c} if c else {})}, vector=vectors[i].tolist(), uuid=uid(i))
            for i, c in enumerate(cats)]
    res = col.data.insert_many(objs)
    assert not res.has_errors, res.errors
    return col, vectors, [c or "" for c in cats], rng


@pytest.mark.parametrize("groups,per_group,limit", [(2, 3, 40), (5, 4, 150), (3, 1, 10)])
def test_near_vector_group_by_matches_brute_force(docs, groups, per_group, limit):
    col, vectors, values, rng = docs
    q = rng.normal(size=DIM).astype(np.float32)
    dist = cosine(q, vectors)
    order = list(np.argsort(dist, kind="stable"))[:limit]
    want = expected(values, order, groups, per_group)
    ret = col.query.near_vector(q.tolist(), limit=limit, include_vector=True,
                                group_by=GroupBy(prop="category", number_of_groups=groups, objects_per_group=per_group),
                                return_metadata=MetadataQuery(distance=True))
    assert list(ret.groups) == list(want)
    for name, members in want.items():
        g = ret.groups[name]
        assert g.name == name
        assert g.number_of_objects == len(members)
        assert [str(o.uuid) for o in g.objects] == [uid(i) for i in members]
        assert [o.properties["n"] for o in g.objects] == members
        assert g.min_distance == pytest.approx(dist[members[0]], abs=1e-5)
        assert g.max_distance == pytest.approx(dist[members[-1]], abs=1e-5)
        for o, i in zip(g.objects, members):
            assert o.metadata.distance == pytest.approx(dist[i], abs=1e-5)
            assert o.vector["default"] == pytest.approx(vectors[i].tolist(), abs=1e-6)
            assert o.belongs_to_group == name
    # `objects` lists every group's members, group after group.
    assert [str(o.uuid) for o in ret.objects] == [uid(i) for m in want.values() for i in m]


def test_near_object_and_bm25_group_by(client, docs):
    col, vectors, values, _ = docs
    dist = cosine(vectors[7], vectors)
    order = list(np.argsort(dist, kind="stable"))[:25]
    want = expected(values, order, 3, 2)
    ret = col.query.near_object(uid(7), limit=25, group_by=GroupBy(prop="category", number_of_groups=3, objects_per_group=2))
    assert {k: [str(o.uuid) for o in g.objects] for k, g in ret.groups.items()} == \
        {k: [uid(i) for i in m] for k, m in want.items()}
    assert str(ret.objects[0].uuid) == uid(7)

    # The v4 client's own test_bm25_group_by: grouping a keyword search's hits (its objects spell the
    # property "Name"; Iris does not yet match object keys to a schema property case-insensitively).
    client.collections.create("Words", properties=[Property(name="Name", data_type=DataType.TEXT)],
                              vectorizer_config=Configure.Vectorizer.none())
    words = client.collections.get("Words")
    assert not words.data.insert_many([{"name": "test"}, {"name": "another"}, {"name": "test"}]).has_errors
    objs = words.query.bm25(query="test", group_by=GroupBy(prop="name", objects_per_group=1, number_of_groups=2)).objects
    assert len(objs) == 1 and objs[0].belongs_to_group == "test"


def test_group_by_errors(docs):
    col, _, _, _ = docs
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.query.near_vector([1.0] * DIM, group_by=GroupBy(prop="nope", number_of_groups=1, objects_per_group=1))
    assert "no such prop with name 'nope' found in class 'Doc'" in str(e.value)
