"""GraphQL Aggregate through weaviate-client 3.26.7's aggregate builder, checked against numpy."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from graphql_helpers import brute_distances, create_class, import_objects

# Both storage engines, same assertions (conftest.py `backend`).
pytestmark = pytest.mark.backends("sqlite", "postgres")

COLORS = ["red", "green", "blue", "black"]


@pytest.fixture
def shirts(client):
    rng = np.random.default_rng(11)
    n = 80
    rows = [{"color": COLORS[int(rng.integers(0, 4))], "price": float(np.round(rng.uniform(5, 100), 2)),
             "size": int(rng.integers(1, 6)), "onSale": bool(rng.integers(0, 2))} for _ in range(n)]
    vectors = rng.normal(size=(n, 4)).astype(np.float32)
    create_class(client, "Shirt", [("color", "text"), ("price", "number"), ("size", "int"), ("onSale", "boolean")])
    import_objects(client, "Shirt", rows, vectors)
    return rows, vectors


def stats(values):
    values = sorted(values)
    counts = Counter(values)
    top = max(counts.values())
    return {"count": len(values), "sum": sum(values), "mean": float(np.mean(values)), "median": float(np.median(values)),
            "minimum": values[0], "maximum": values[-1], "mode": min(v for v, c in counts.items() if c == top)}


def check_group(group, rows):
    assert group["meta"]["count"] == len(rows)
    for prop in ["price", "size"]:
        want = stats([r[prop] for r in rows])
        for key, value in want.items():
            assert group[prop][key] == pytest.approx(value), (prop, key)
    counts = Counter(r["color"] for r in rows)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert [(t["value"], t["occurs"]) for t in group["color"]["topOccurrences"]] == top
    true = sum(r["onSale"] for r in rows)
    assert group["onSale"]["totalTrue"] == true and group["onSale"]["totalFalse"] == len(rows) - true
    assert group["onSale"]["percentageTrue"] == pytest.approx(true / len(rows))


FIELDS = ("price {count sum mean median minimum maximum mode} size {count sum mean median minimum maximum mode} "
          "color {count topOccurrences(limit: 2) {value occurs}} onSale {count totalTrue totalFalse percentageTrue}")


def test_aggregate_all_where_and_group_by(client, shirts):
    rows, _ = shirts
    result = client.query.aggregate("Shirt").with_meta_count().with_fields(FIELDS).do()
    assert "errors" not in result, result
    check_group(result["data"]["Aggregate"]["Shirt"][0], rows)

    result = (client.query.aggregate("Shirt").with_meta_count().with_fields(FIELDS)
              .with_where({"path": ["price"], "operator": "GreaterThan", "valueNumber": 50}).do())
    check_group(result["data"]["Aggregate"]["Shirt"][0], [r for r in rows if r["price"] > 50])

    result = (client.query.aggregate("Shirt").with_group_by_filter(["color"]).with_meta_count()
              .with_fields("groupedBy {path value} " + FIELDS).do())
    groups = result["data"]["Aggregate"]["Shirt"]
    assert sorted(g["groupedBy"]["value"] for g in groups) == sorted(set(r["color"] for r in rows))
    for g in groups:
        assert g["groupedBy"]["path"] == ["color"]
        check_group(g, [r for r in rows if r["color"] == g["groupedBy"]["value"]])


def test_aggregate_near_vector(client, shirts):
    rows, vectors = shirts
    q = [0.5, -0.2, 0.1, 0.9]
    dist = brute_distances("cosine", q, vectors)
    order = np.argsort(dist, kind="stable")
    result = (client.query.aggregate("Shirt").with_near_vector({"vector": q}).with_object_limit(10)
              .with_meta_count().with_fields(FIELDS).do())
    assert "errors" not in result, result
    check_group(result["data"]["Aggregate"]["Shirt"][0], [rows[i] for i in order[:10]])

    result = (client.query.aggregate("Shirt").with_near_vector({"vector": q, "certainty": 0.7})
              .with_meta_count().with_fields(FIELDS).do())
    check_group(result["data"]["Aggregate"]["Shirt"][0], [rows[i] for i in order if 1 - dist[i] / 2 >= 0.7])

    result = client.query.aggregate("Shirt").with_near_vector({"vector": q}).with_meta_count().do()
    assert result["data"] == {"Aggregate": {"Shirt": None}}
    assert result["errors"][0]["message"] == "must provide certainty or objectLimit with vector search"
