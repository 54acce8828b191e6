"""Helpers for the GraphQL end-to-end tests: class set-up, batch import and brute-force answers."""
from __future__ import annotations

import numpy as np


def uid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012x}"


def create_class(client, name: str, properties: list[tuple[str, str]] = (), metric: str = "cosine") -> None:
    client.schema.create_class({
        "class": name,
        "vectorizer": "none",
        "vectorIndexConfig": {"distance": metric},
        "properties": [{"name": n, "dataType": [t]} for n, t in properties],
    })


def import_objects(client, name: str, rows: list[dict], vectors) -> None:
    """Imports rows (properties) with vectors and ids uid(i) through the client's batch."""
    client.batch.configure(batch_size=200, dynamic=False)
    with client.batch as batch:
        for i, (props, vec) in enumerate(zip(rows, vectors)):
            batch.add_data_object(props, name, uuid=uid(i), vector=[float(x) for x in vec])


def brute_distances(metric: str, query, vectors) -> np.ndarray:
    """Weaviate 1.19's distances (reference 3.3), in float64."""
    q = np.asarray(query, dtype=np.float64)
    v = np.asarray(vectors, dtype=np.float64)
    if metric == "cosine":
        return 1 - (v @ q) / (np.linalg.norm(v, axis=1) * np.linalg.norm(q))
    if metric == "dot":
        return -(v @ q)
    if metric == "l2-squared":
        return ((v - q) ** 2).sum(axis=1)
    if metric == "manhattan":
        return np.abs(v - q).sum(axis=1)
    if metric == "hamming":
        return (v != q).sum(axis=1).astype(np.float64)
    raise ValueError(metric)


def hits(result: dict, name: str) -> list[dict]:
    assert "errors" not in result, result
    return result["data"]["Get"][name]


def assert_same_as_brute_force(got: list[dict], expected_ids: list[int], dist: np.ndarray, what: str = "") -> None:
    """Same number of hits, each hit's distance equals its brute-force distance, and the distance
    sequence equals the expected one (ties may order ids differently)."""
    assert len(got) == len(expected_ids), (what, len(got), len(expected_ids))
    by_id = {uid(i): dist[i] for i in range(len(dist))}
    for hit, want in zip(got, expected_ids):
        d = hit["_additional"]["distance"]
        assert abs(d - by_id[hit["_additional"]["id"]]) <= 1e-4 * max(1.0, abs(d)), (what, hit)
        assert abs(d - dist[want]) <= 1e-4 * max(1.0, abs(d)), (what, d, dist[want])
