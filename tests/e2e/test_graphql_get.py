"""GraphQL Get through weaviate-client 3.26.7's own query builders, checked against brute force."""
from __future__ import annotations

import numpy as np
import pytest

from graphql_helpers import assert_same_as_brute_force, brute_distances, create_class, hits, import_objects, uid

# Both storage engines, same assertions (conftest.py `backend`).
pytestmark = pytest.mark.backends("sqlite", "postgres")

METRICS = ["cosine", "dot", "l2-squared", "manhattan", "hamming"]


def test_weaviate_cosine_acceptance_case(client):
    create_class(client, "Point", [("name", "text")])
    vectors = [[0.7, 0.3], [1.4, 0.6], [1, 1], [-0.7, -0.3]]
    import_objects(client, "Point", [{"name": f"p{i}"} for i in range(4)], vectors)
    result = (client.query.get("Point", ["name"]).with_near_vector({"vector": [0.7, 0.3]})
              .with_additional(["id", "distance", "certainty"]).do())
    got = [h["_additional"]["distance"] for h in hits(result, "Point")]
    assert got == pytest.approx([0, 0, 0.0715, 2], abs=1e-4)
    assert [h["_additional"]["certainty"] for h in hits(result, "Point")] == pytest.approx([1, 1, 0.96424, 0], abs=1e-4)


@pytest.mark.parametrize("metric", METRICS)
def test_near_vector_matches_brute_force(client, metric, backend):
    if backend == "postgres" and metric == "hamming":
        pytest.skip("pgvector has no hamming distance for float vectors: the PostgreSQL engine refuses it (422)")
    rng = np.random.default_rng(7)
    n, dim = 300, 8
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    if metric == "hamming":
        vectors = (vectors > 0).astype(np.float32)
    create_class(client, "Item", [("rank", "int"), ("tag", "text")], metric)
    import_objects(client, "Item", [{"rank": i, "tag": "even" if i % 2 == 0 else "odd"} for i in range(n)], vectors)

    for _ in range(3):
        q = rng.normal(size=dim).astype(np.float32)
        if metric == "hamming":
            q = (q > 0).astype(np.float32)
        dist = brute_distances(metric, q, vectors)
        order = list(np.argsort(dist, kind="stable"))
        near = {"vector": [float(x) for x in q]}

        result = (client.query.get("Item", ["rank"]).with_near_vector(near).with_limit(10)
                  .with_additional(["id", "distance"]).do())
        assert_same_as_brute_force(hits(result, "Item"), order[:10], dist, "limit")

        result = (client.query.get("Item", ["rank", "tag"]).with_near_vector(near).with_limit(7)
                  .with_where({"path": ["tag"], "operator": "Equal", "valueText": "even"})
                  .with_additional(["id", "distance"]).do())
        even = [i for i in order if i % 2 == 0]
        got = hits(result, "Item")
        assert all(h["tag"] == "even" for h in got)
        assert_same_as_brute_force(got, even[:7], dist, "where")

        result = (client.query.get("Item", ["rank"]).with_near_vector(near).with_limit(5).with_offset(4)
                  .with_additional(["id", "distance"]).do())
        assert_same_as_brute_force(hits(result, "Item"), order[4:9], dist, "offset")

        threshold = float(dist[order[25]])
        result = (client.query.get("Item", ["rank"]).with_near_vector({**near, "distance": threshold})
                  .with_additional(["id", "distance"]).do())
        within = [i for i in order if dist[i] <= threshold + 1e-6]
        assert_same_as_brute_force(hits(result, "Item"), within, dist, "distance threshold")

        source = int(order[3])
        result = (client.query.get("Item", ["rank"]).with_near_object({"id": uid(source)}).with_limit(6)
                  .with_additional(["id", "distance"]).do())
        dist_o = brute_distances(metric, vectors[source], vectors)
        assert_same_as_brute_force(hits(result, "Item"), list(np.argsort(dist_o, kind="stable"))[:6], dist_o, "nearObject")


def test_certainty_threshold_and_beacon(client):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(120, 4)).astype(np.float32)
    create_class(client, "Doc", [("rank", "int")])
    import_objects(client, "Doc", [{"rank": i} for i in range(120)], vectors)
    q = vectors[0]
    dist = brute_distances("cosine", q, vectors)
    result = (client.query.get("Doc", ["rank"]).with_near_vector({"vector": [float(x) for x in q], "certainty": 0.8})
              .with_additional(["id", "distance", "certainty"]).do())
    expected = [i for i in np.argsort(dist, kind="stable") if 1 - dist[i] / 2 >= 0.8 - 1e-6]
    got = hits(result, "Doc")
    assert_same_as_brute_force(got, expected, dist, "certainty")
    assert all(h["_additional"]["certainty"] >= 0.8 - 1e-6 for h in got)

    result = (client.query.get("Doc", ["rank"])
              .with_near_object({"beacon": f"weaviate://localhost/Doc/{uid(0)}"}).with_limit(3)
              .with_additional(["id", "distance"]).do())
    assert hits(result, "Doc")[0]["_additional"]["id"] == uid(0)


def test_limit_defaults_sort_and_timestamps(client):
    create_class(client, "Many", [("rank", "int")])
    rng = np.random.default_rng(3)
    import_objects(client, "Many", [{"rank": i} for i in range(150)], rng.normal(size=(150, 3)))
    assert len(hits(client.query.get("Many", ["rank"]).do(), "Many")) == 100
    near = {"vector": [1.0, 0.0, 0.0]}
    assert len(hits(client.query.get("Many", ["rank"]).with_near_vector(near).do(), "Many")) == 100
    # Offset without a limit: QUERY_DEFAULTS_LIMIT (25 in the test servers).
    assert len(hits(client.query.get("Many", ["rank"]).with_offset(10).do(), "Many")) == 25
    # A threshold without a limit is a search by distance, not capped at 100.
    assert len(hits(client.query.get("Many", ["rank"]).with_near_vector({**near, "distance": 2.0}).do(), "Many")) == 150

    result = (client.query.get("Many", ["rank"]).with_sort({"path": ["rank"], "order": "desc"}).with_limit(3)
              .with_where({"path": ["rank"], "operator": "LessThan", "valueInt": 50})
              .with_additional(["id", "creationTimeUnix", "lastUpdateTimeUnix"]).do())
    got = hits(result, "Many")
    assert [h["rank"] for h in got] == [49, 48, 47]
    assert isinstance(got[0]["_additional"]["creationTimeUnix"], str)
    assert int(got[0]["_additional"]["lastUpdateTimeUnix"]) >= int(got[0]["_additional"]["creationTimeUnix"])


def test_errors_have_weaviate_shapes(client, http):
    # No classes: 422 from the endpoint itself.
    r = http.post("/v1/graphql", json={"query": "{Get{X{y}}}"})
    assert r.status_code == 422
    assert r.json() == {"error": [{"message": "no graphql provider present, this is most likely because no schema "
                                              "is present. Import a schema first!"}]}
    create_class(client, "L2", [("name", "text")], "l2-squared")
    import_objects(client, "L2", [{"name": "a"}], [[1.0, 2.0]])
    r = http.post("/v1/graphql", json={"query": ""})
    assert r.status_code == 422 and r.json() == {"error": [{"message": "query cannot be empty"}]}

    result = (client.query.get("L2", ["name"]).with_near_vector({"vector": [1.0, 2.0], "certainty": 0.7})
              .with_limit(2).do())
    assert result["data"] == {"Get": {"L2": None}}
    assert result["errors"][0]["message"] == "can't use certainty when vector index is configured with l2-squared distance"
    assert result["errors"][0]["path"] == ["Get", "L2"]
    assert result["errors"][0]["locations"][0]["line"] == 1

    result = client.query.raw('{Get{L2(nearVector: {vector: [1, 2]} nearObject: {id: "%s"}){name}}}' % uid(0))
    assert result["errors"][0]["message"] == ("explorer: get class: vectorize params: found both 'nearVector' and "
                                              "'nearObject' parameters which are conflicting, choose one instead")
    result = client.query.raw("{Get{L2(nearVector: {vector: [1, 2] certainty: 0.7 distance: 0.2}){name}}}")
    assert result["errors"][0]["message"] == "cannot provide distance and certainty"
    result = client.query.raw("{Get{L2(limit: 9000 offset: 1001){name}}}")
    assert result["errors"][0]["message"] == "query maximum results exceeded"

    # Parse and validation errors: no data at all.
    result = client.query.raw("{Get{L2{nope}}}")
    assert "data" not in result
    assert result["errors"][0]["message"].startswith('Cannot query field "nope" on type "L2".')
    result = client.query.raw("{Get{L2{name}")
    assert "data" not in result and result["errors"]


def test_batch_endpoint_and_explore(client, http):
    create_class(client, "A")
    create_class(client, "B")
    import_objects(client, "A", [{}, {}], [[1.0, 0.0], [0.0, 1.0]])
    client.data_object.create({}, "B", uuid=uid(9), vector=[0.9, 0.1])
    r = http.post("/v1/graphql/batch", json=[{"query": "{Aggregate{A{meta{count}}}}"},
                                             {"query": "{Explore(nearVector: {vector: [1, 0]}){beacon className distance}}"}])
    assert r.status_code == 200
    first, second = r.json()
    assert first["data"]["Aggregate"]["A"][0]["meta"]["count"] == 2
    explored = second["data"]["Explore"]
    assert [e["className"] for e in explored] == ["A", "B", "A"]
    assert explored[0]["beacon"] == f"weaviate://localhost/A/{uid(0)}"
    assert explored[2]["distance"] == pytest.approx(1.0, abs=1e-6)


def test_plain_get_follows_the_after_cursor_order(client):
    """A plain Get, the REST listing and the `after` cursor walk one order (Weaviate's object store key
    order, i.e. by uuid), so paging a plain Get with `after` neither skips nor repeats (issue #14)."""
    import uuid as uuidlib
    create_class(client, "Cursor", [("n", "int")])
    ids = [str(uuidlib.UUID(int=int(x), version=4)) for x in np.random.default_rng(9).integers(1, 2**62, 120)]
    client.batch.configure(batch_size=50, dynamic=False)
    with client.batch as batch:  # inserted in an order unrelated to the uuids
        for n, oid in enumerate(ids):
            batch.add_data_object({"n": n}, "Cursor", uuid=oid, vector=[1.0, float(n)])
    plain = [h["_additional"]["id"] for h in hits(client.query.get("Cursor", ["n"]).with_additional(["id"])
                                                  .with_limit(200).do(), "Cursor")]
    assert plain == sorted(ids)
    walked, after = [], None
    while True:
        q = client.query.get("Cursor", ["n"]).with_additional(["id"]).with_limit(25)
        page = [h["_additional"]["id"] for h in hits((q.with_after(after) if after else q).do(), "Cursor")]
        if not page:
            break
        walked += page
        after = page[-1]
    assert walked == plain
    listed = [o["id"] for o in client.data_object.get(class_name="Cursor", limit=200)["objects"]]
    assert listed == plain
    # With a where filter the matches come in doc id (insertion) order, as Weaviate's inverted index yields them.
    evens = hits(client.query.get("Cursor", ["n"]).with_where({"path": ["n"], "operator": "LessThan", "valueInt": 10})
                 .with_additional(["id"]).do(), "Cursor")
    assert [h["n"] for h in evens] == list(range(10))
