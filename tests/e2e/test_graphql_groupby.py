"""Get `groupBy`, `group` (merge / closest), the `after` cursor, `consistencyLevel` / `consistency_level`
and `_additional { isConsistent }` through weaviate-client 3.26.7's own builders (`with_group_by`,
`with_after`, `with_consistency_level`), checked against answers computed here from the data."""
from __future__ import annotations

import uuid as uuidlib

import numpy as np
import pytest
import requests
from weaviate.data.replication import ConsistencyLevel

from graphql_helpers import brute_distances, create_class, hits, import_objects, uid

pytestmark = pytest.mark.backends("sqlite", "postgres")

GROUP_FIELDS = ("group{id groupedBy{value path} count maxDistance minDistance "
                "hits{n category _additional{id distance vector}}}")


def expected_groups(values: list[list[str]], order: list[int], groups: int, per_group: int) -> list[tuple[str, list[int]]]:
    """Weaviate 1.19's groupBy over hits in `order` (closest first): each value of an object is a group key,
    groups open in order of first appearance; a full group skips the value; a value that would open a group
    beyond `groups` drops the rest of that object."""
    out: dict[str, list[int]] = {}
    for i in order:
        for v in dict.fromkeys(values[i] or [""]):
            if len(out.get(v, [])) >= per_group:
                continue
            if v not in out:
                if len(out) >= groups:
                    break
                out[v] = []
            out[v].append(i)
    return list(out.items())


@pytest.fixture
def grouped(client):
    rng = np.random.default_rng(14)
    n, dim = 240, 6
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    cats = ["red", "green", "blue", "cyan", "plum", None]
    rows = []
    for i in range(n):
        row = {"n": i}
        c = cats[int(rng.integers(0, len(cats)))]
        if c is not None:
            row["category"] = c
        rows.append(row)
    create_class(client, "Doc", [("n", "int"), ("category", "text")])
    import_objects(client, "Doc", rows, vectors)
    return rng, vectors, rows


@pytest.mark.parametrize("groups,per_group,limit", [(2, 3, 50), (4, 5, 240), (6, 1, 30), (3, 100, 120)])
def test_group_by_matches_brute_force(client, grouped, groups, per_group, limit):
    rng, vectors, rows = grouped
    q = rng.normal(size=vectors.shape[1]).astype(np.float32)
    dist = brute_distances("cosine", q, vectors)
    order = list(np.argsort(dist, kind="stable"))[:limit]
    want = expected_groups([[r["category"]] if "category" in r else [] for r in rows], order, groups, per_group)

    result = (client.query.get("Doc", ["n"]).with_near_vector({"vector": [float(x) for x in q]})
              .with_group_by(["category"], groups, per_group).with_limit(limit)
              .with_additional(["id", "distance", GROUP_FIELDS]).do())
    got = hits(result, "Doc")
    assert [g["_additional"]["group"]["groupedBy"]["value"] for g in got] == [v for v, _ in want]
    for k, (g, (value, members)) in enumerate(zip(got, want)):
        group = g["_additional"]["group"]
        assert group["id"] == k
        assert group["groupedBy"]["path"] == ["category"]
        assert group["count"] == len(members)
        assert [h["n"] for h in group["hits"]] == members
        assert [h["_additional"]["id"] for h in group["hits"]] == [uid(i) for i in members]
        for h, i in zip(group["hits"], members):
            assert h["_additional"]["distance"] == pytest.approx(dist[i], abs=1e-5)
            assert h["_additional"]["vector"] == pytest.approx([float(x) for x in vectors[i]], abs=1e-6)
            assert h["category"] == (value or None)
        assert group["minDistance"] == pytest.approx(dist[members[0]], abs=1e-5)
        assert group["maxDistance"] == pytest.approx(dist[members[-1]], abs=1e-5)
        # The result object is the group's closest member.
        assert g["n"] == members[0] and g["_additional"]["id"] == uid(members[0])
        assert g["_additional"]["distance"] == pytest.approx(dist[members[0]], abs=1e-5)


def test_group_by_offset_pages_groups(client, grouped):
    rng, vectors, rows = grouped
    q = rng.normal(size=vectors.shape[1]).astype(np.float32)
    order = list(np.argsort(brute_distances("cosine", q, vectors), kind="stable"))[:41]
    want = expected_groups([[r["category"]] if "category" in r else [] for r in rows], order, 5, 2)
    result = (client.query.get("Doc", ["n"]).with_near_vector({"vector": [float(x) for x in q]})
              .with_group_by(["category"], 5, 2).with_limit(40).with_offset(1)
              .with_additional(["group{id groupedBy{value}}"]).do())
    got = [g["_additional"]["group"] for g in hits(result, "Doc")]
    assert [(g["id"], g["groupedBy"]["value"]) for g in got] == [(k, v) for k, (v, _) in enumerate(want)][1:]


def test_group_by_a_cross_reference_as_the_clients_own_test(client):
    """The shape of weaviate-python-client v3.18.0's `test_group_by`, with vectors given (its CI vectorised
    the objects with text2vec-contextionary): group calls by their `caller` reference."""
    client.schema.create({"classes": [
        {"class": "Person", "vectorizer": "none", "properties": [{"name": "name", "dataType": ["text"]}]},
        {"class": "Call", "vectorizer": "none", "properties": [{"name": "caller", "dataType": ["Person"]}]},
    ]})
    persons = [str(uuidlib.UUID(int=i + 1)) for i in range(6)]
    for i, p in enumerate(persons):
        client.data_object.create({"name": f"randomName{i}"}, "Person", p, vector=[1.0, float(i)])
    calls = {"3ab05e06-2bb2-41d1-b5c5-e044f3aa9623": ([1.0, 0.0], [0, 2, 4]),
             "3ab05e06-2bb2-41d1-b5c5-e044f3aa9622": ([0.9, 0.1], [1, 3]),
             "3ab05e06-2bb2-41d1-b5c5-e044f3aa9621": ([0.0, 1.0], [0, 5])}
    for cid, (vec, callers) in calls.items():
        client.data_object.create({}, "Call", cid, vector=vec)
        for i in callers:
            client.data_object.reference.add(cid, "caller", persons[i], from_class_name="Call", to_class_name="Person")

    result = (client.query.get("Call", ["caller{... on Person{name}}"])
              .with_near_object({"id": "3ab05e06-2bb2-41d1-b5c5-e044f3aa9623"})
              .with_group_by(properties=["caller"], groups=2, objects_per_group=3)
              .with_additional("group{groupedBy{value} count hits {_additional{id vector} caller{... on Person{name}}}}")
              .do())
    got = hits(result, "Call")
    # Closest first: ...9623 (callers 0, 2, 4) opens the groups of persons 0 and 2; person 4 would open a third.
    # ...9622 only has callers that would open new groups; ...9621 joins person 0's group.
    assert [c["name"] for c in got[0]["caller"]] == ["randomName0", "randomName2", "randomName4"]
    values = [g["_additional"]["group"]["groupedBy"]["value"] for g in got]
    assert values == [f"weaviate://localhost/Person/{persons[0]}", f"weaviate://localhost/Person/{persons[2]}"]
    first = got[0]["_additional"]["group"]
    assert first["count"] == 2
    assert [h["_additional"]["id"] for h in first["hits"]] == ["3ab05e06-2bb2-41d1-b5c5-e044f3aa9623",
                                                               "3ab05e06-2bb2-41d1-b5c5-e044f3aa9621"]
    assert [c["name"] for c in first["hits"][1]["caller"]] == ["randomName0", "randomName5"]
    assert first["hits"][0]["_additional"]["vector"] == pytest.approx([1.0, 0.0])
    assert got[1]["_additional"]["group"]["count"] == 1


def test_group_by_errors(client):
    create_class(client, "E", [("c", "text")])
    import_objects(client, "E", [{"c": "x"}], [[1.0, 0.0]])
    r = client.query.get("E", ["c"]).with_group_by(["c"], 1, 1).with_additional("group{count}").do()
    assert r["data"]["Get"]["E"] is None
    assert r["errors"][0]["message"] == ("groupBy needs a search to group: use it with nearVector, nearObject, "
                                         "nearText, nearImage, bm25 or hybrid")
    r = (client.query.get("E", ["c"]).with_near_vector({"vector": [1.0, 0.0]}).with_group_by(["nope"], 1, 1)
         .with_additional("group{count}").do())
    assert "no such prop with name 'nope' found in class 'E' in the schema" in r["errors"][0]["message"]
    assert r["errors"][0]["message"].endswith("unrecognized property: nope")
    # Required fields are checked by GraphQL validation, under Weaviate's input type name.
    r = client.query.raw('{ Get { E(nearVector: {vector: [1, 0]} groupBy: {path: ["c"] groups: 1}) { c } } }')
    assert "data" not in r
    assert "GetObjectsEGroupByInpObj" in r["errors"][0]["message"]
    assert "objectsPerGroup" in r["errors"][0]["message"]


def test_group_merge_and_closest(client):
    create_class(client, "M", [("name", "text"), ("size", "int"), ("w", "number")])
    vectors = [[1.0, 0.0], [0.99, 0.05], [0.0, 1.0], [0.98, 0.1], [0.05, 0.99]]
    rows = [{"name": "a", "size": 1, "w": 1.0}, {"name": "b", "size": 2, "w": 2.0}, {"name": "c", "size": 7, "w": 7.0},
            {"name": "a", "size": 4, "w": 4.0}, {"name": "d", "size": 3, "w": 3.0}]
    import_objects(client, "M", rows, vectors)
    q = "nearVector: {vector: [1, 0]}"
    v = np.asarray(vectors)
    d = brute_distances("cosine", [1.0, 0.0], v)
    order = list(np.argsort(d, kind="stable"))
    # Python's own fold: normalised distance (1 - cos) / 2 below the force joins the first matching group.
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    folded: list[list[int]] = []
    for i in order:
        for g in folded:
            if any((1 - unit[i] @ unit[j]) / 2 < 0.05 for j in g):
                g.append(i)
                break
        else:
            folded.append([i])
    r = client.query.raw('{ Get { M(%s group: {type: closest, force: 0.05}) { name _additional { id distance isConsistent } } } }' % q)
    got = hits(r, "M")
    assert [h["_additional"]["id"] for h in got] == [uid(g[0]) for g in folded]
    assert all(h["_additional"]["isConsistent"] is True for h in got)
    r = client.query.raw('{ Get { M(%s group: {type: merge, force: 0.05}) { name size w _additional { vector distance } } } }' % q)
    got = hits(r, "M")
    assert len(got) == len(folded)
    for h, g in zip(got, folded):
        names = list(dict.fromkeys(rows[i]["name"] for i in g))
        assert h["name"] == (names[0] if len(names) == 1 else f"{names[0]} ({', '.join(names[1:])})")
        assert h["size"] == int(np.mean([rows[i]["size"] for i in g]))
        assert h["w"] == pytest.approx(np.mean([rows[i]["w"] for i in g]))
        assert h["_additional"]["vector"] == pytest.approx(list(v[g].mean(axis=0)), abs=1e-6)
        assert h["_additional"]["distance"] == 0
    # Without a vector search (a plain listing) the same fold applies.
    r = client.query.raw('{ Get { M(group: {type: closest, force: 0.05}) { name } } }')
    assert len(hits(r, "M")) == len(folded)


def test_after_pages_a_plain_get_like_the_clients_own_test(client):
    """v3.18.0's `test_get_data_after`: for every object of a plain Get, `after` that id with limit 1 gives the next."""
    create_class(client, "Ship", [("name", "text")])
    ids = [str(uuidlib.uuid4()) for _ in range(30)]
    for i, oid in enumerate(ids):
        client.data_object.create({"name": f"ship{i}"}, "Ship", oid, vector=[1.0, float(i)])
    full = [h["_additional"]["id"] for h in hits(client.query.get("Ship", ["name"]).with_additional(["id"]).do(), "Ship")]
    assert full == sorted(ids)  # the object store's key order
    for i, oid in enumerate(full[:-1]):
        page = hits(client.query.get("Ship", ["name"]).with_additional(["id"]).with_limit(1).with_after(oid).do(), "Ship")
        assert [h["_additional"]["id"] for h in page] == [full[i + 1]]
    assert hits(client.query.get("Ship", ["name"]).with_additional(["id"]).with_after(full[-1]).do(), "Ship") == []
    listed = [o["id"] for o in client.data_object.get(class_name="Ship", limit=100)["objects"]]
    assert listed == full
    after = [o["id"] for o in client.data_object.get(class_name="Ship", limit=100, after=full[9])["objects"]]
    assert after == full[10:]


def test_consistency_level_on_reads_and_writes(client, iris):
    create_class(client, "Cl", [("name", "text")])
    for level in ConsistencyLevel:
        oid = str(uuidlib.uuid4())
        client.data_object.create({"name": level.value}, "Cl", oid, vector=[1.0, 0.0], consistency_level=level)
        got = client.data_object.get_by_id(oid, class_name="Cl", consistency_level=level)
        assert got["properties"]["name"] == level.value
        assert client.data_object.exists(oid, class_name="Cl", consistency_level=level)
        client.data_object.update({"name": level.value + "!"}, "Cl", oid, consistency_level=level)
        client.data_object.replace({"name": level.value + "?"}, "Cl", oid, consistency_level=level)
        r = client.query.get("Cl", ["name"]).with_consistency_level(level).with_additional("isConsistent").do()
        assert hits(r, "Cl") and all(h["_additional"]["isConsistent"] is True for h in hits(r, "Cl"))
        client.data_object.delete(oid, class_name="Cl", consistency_level=level)
        assert not client.data_object.exists(oid, class_name="Cl")
    client.batch.configure(batch_size=10, dynamic=False, consistency_level=ConsistencyLevel.QUORUM)
    with client.batch as batch:
        for i in range(5):
            batch.add_data_object({"name": f"b{i}"}, "Cl", uuid=uid(i), vector=[1.0, float(i)])
    assert len(client.data_object.get(class_name="Cl")["objects"]) == 5

    message = "unrecognized consistency level \"SOME\", try one of the following: ['ONE', 'QUORUM', 'ALL']"
    for method, path, body in [("GET", f"/v1/objects/Cl/{uid(0)}", None), ("PUT", f"/v1/objects/Cl/{uid(0)}", {"class": "Cl"}),
                               ("PATCH", f"/v1/objects/Cl/{uid(0)}", {"class": "Cl"}), ("DELETE", f"/v1/objects/Cl/{uid(0)}", None),
                               ("POST", "/v1/objects", {"class": "Cl"}), ("POST", "/v1/batch/objects", {"objects": []})]:
        r = requests.request(method, iris.url + path + "?consistency_level=SOME", json=body, timeout=30)
        assert (r.status_code, r.json()) == (400, {"error": [{"message": message}]}), (method, path)
    assert requests.head(f"{iris.url}/v1/objects/Cl/{uid(0)}?consistency_level=SOME", timeout=30).status_code == 400
    assert requests.get(f"{iris.url}/v1/objects/Cl/{uid(0)}", timeout=30).status_code == 200  # nothing was changed
    r = client.query.raw("{ Get { Cl(consistencyLevel: SOME) { name } } }")
    assert "data" not in r and "ClConsistencyLevelEnum" in r["errors"][0]["message"]
