"""Multi-tenancy with weaviate-client 4.24.1: tenants created, listed, read, (de)activated and removed over
REST and gRPC (TenantsGet); objects imported per tenant over gRPC; every query kind answered from one
tenant only, checked against brute force over that tenant's data; delete_many per tenant; Weaviate's
errors for a missing, unknown or inactive tenant; tenant data across a restart."""
from __future__ import annotations

import threading
import uuid

import numpy as np
import pytest
import requests
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, MetadataQuery
from weaviate.classes.tenants import Tenant, TenantActivityStatus

DIM = 8
WORDS = ["apple", "banana", "cherry"]


def uid(tenant: int, i: int) -> str:
    return str(uuid.UUID(int=(0x7E4A << 96) | (tenant << 32) | i, version=4))


def tenant_rows(t: int, n: int):
    rng = np.random.default_rng(100 + t)
    return [{
        "id": uid(t, i),
        "vector": rng.normal(size=DIM).astype(np.float32),
        "props": {"title": f"t{t} item {i} {WORDS[i % 3]}", "n": i, "word": WORDS[i % 3]},
    } for i in range(n)]


def create_mt(client, name="Mt", **mt):
    client.collections.create(
        name,
        properties=[Property(name="title", data_type=DataType.TEXT),
                    Property(name="n", data_type=DataType.INT),
                    Property(name="word", data_type=DataType.TEXT)],
        vectorizer_config=Configure.Vectorizer.none(),
        vector_index_config=Configure.VectorIndex.hnsw(distance_metric=weaviate.classes.config.VectorDistances.L2_SQUARED),
        multi_tenancy_config=Configure.multi_tenancy(enabled=True, **mt))
    return client.collections.get(name)


@pytest.fixture
def mt(client):
    col = create_mt(client)
    col.tenants.create([Tenant(name="t0"), Tenant(name="t1"), "t2"])
    data = {t: tenant_rows(t, n) for t, n in [(0, 50), (1, 30)]}
    for t, rows in data.items():
        res = col.with_tenant(f"t{t}").data.insert_many(
            [DataObject(properties=r["props"], uuid=r["id"], vector=r["vector"].tolist()) for r in rows])
        assert not res.has_errors, res.errors
    return col, data


def test_collection_config_shows_multi_tenancy(client, iris):
    col = create_mt(client, auto_tenant_creation=True)
    cfg = col.config.get()
    assert cfg.multi_tenancy_config.enabled is True
    assert cfg.multi_tenancy_config.auto_tenant_creation is True
    assert cfg.multi_tenancy_config.auto_tenant_activation is False
    schema = requests.get(f"{iris.url}/v1/schema/Mt").json()
    assert schema["multiTenancyConfig"] == {"enabled": True, "autoTenantCreation": True, "autoTenantActivation": False}


def test_tenants_create_list_get_update_remove(client, iris):
    col = create_mt(client)
    col.tenants.create([Tenant(name="a"), Tenant(name="b", activity_status=TenantActivityStatus.INACTIVE), "c"])
    got = col.tenants.get()  # gRPC TenantsGet against 1.27
    assert sorted(got) == ["a", "b", "c"]
    assert got["a"].activity_status == TenantActivityStatus.ACTIVE
    assert got["b"].activity_status == TenantActivityStatus.INACTIVE
    assert col.tenants.get_by_name("b").activity_status == TenantActivityStatus.INACTIVE
    assert col.tenants.get_by_name("nope") is None
    assert sorted(col.tenants.get_by_names(["a", "c", "nope"])) == ["a", "c"]
    assert col.tenants.exists("a") and not col.tenants.exists("nope")
    # REST shows the stored values, as 1.27 does.
    rest = requests.get(f"{iris.url}/v1/schema/Mt/tenants").json()
    assert sorted((t["name"], t["activityStatus"]) for t in rest) == [("a", "HOT"), ("b", "COLD"), ("c", "HOT")]

    col.tenants.update(Tenant(name="b", activity_status=TenantActivityStatus.ACTIVE))
    col.tenants.deactivate("a")
    got = col.tenants.get()
    assert got["a"].activity_status == TenantActivityStatus.INACTIVE
    assert got["b"].activity_status == TenantActivityStatus.ACTIVE
    col.tenants.activate("a")
    assert col.tenants.get()["a"].activity_status == TenantActivityStatus.ACTIVE

    col.tenants.remove(["c", "never"])
    assert sorted(col.tenants.get()) == ["a", "b"]


def test_a_thousand_and_one_tenants_in_one_request(client):
    """The official client's own test size. On PostgreSQL each tenant's tables hold locks until the end
    of their transaction: 1,001 tenants made, or dropped with their class, in one transaction overflowed
    its lock table."""
    col = create_mt(client, "Many")
    col.tenants.create([Tenant(name=f"tenant{i}") for i in range(1001)])
    assert len(col.tenants.get()) == 1001
    last = col.with_tenant("tenant1000")
    last.data.insert({"title": "last", "n": 1, "word": "apple"}, uuid=uid(1000, 1), vector=[0.0] * DIM)
    assert [o.properties["title"] for o in last.query.fetch_objects().objects] == ["last"]
    assert len(col.with_tenant("tenant0")) == 0
    client.collections.delete("Many")  # dropping their tables locks them as making them did
    assert not client.collections.exists("Many")


def test_tenant_errors(client):
    col = create_mt(client)
    col.tenants.create("a")
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError) as e:
        col.tenants.create("bad name")
    assert e.value.status_code == 422 and "tenant name at index 0" in str(e.value)
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError) as e:
        col.tenants.update(Tenant(name="zz", activity_status=TenantActivityStatus.INACTIVE))
    assert e.value.status_code == 422 and "tenant not found" in str(e.value)
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError) as e:
        col.tenants.offload("a")
    assert e.value.status_code == 422 and "offload-s3" in str(e.value)
    client.collections.create("Plain", vectorizer_config=Configure.Vectorizer.none())
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError) as e:
        client.collections.get("Plain").tenants.create("a")
    assert e.value.status_code == 422 and 'multi-tenancy is not enabled for class "Plain"' in str(e.value)
    with pytest.raises(weaviate.exceptions.WeaviateTenantGetError):
        client.collections.get("Plain").tenants.get()


def test_queries_are_isolated_per_tenant(mt):
    col, data = mt
    rng = np.random.default_rng(5)
    for t, rows in data.items():
        tc = col.with_tenant(f"t{t}")
        # fetch_objects: every object of this tenant and no other.
        got = tc.query.fetch_objects(limit=1000)
        assert sorted(str(o.uuid) for o in got.objects) == sorted(r["id"] for r in rows)
        assert tc.aggregate.over_all(total_count=True).total_count == len(rows)
        # near_vector against brute force over this tenant's vectors.
        q = rng.normal(size=DIM).astype(np.float32)
        res = tc.query.near_vector(q.tolist(), limit=7, return_metadata=MetadataQuery(distance=True))
        d = {r["id"]: float(((r["vector"] - q) ** 2).sum()) for r in rows}
        want = sorted(d, key=d.get)[:7]
        assert [str(o.uuid) for o in res.objects] == want
        for o in res.objects:
            assert o.metadata.distance == pytest.approx(d[str(o.uuid)], rel=1e-4, abs=1e-4)
        # Filters.
        res = tc.query.fetch_objects(filters=Filter.by_property("word").equal("banana") & Filter.by_property("n").less_than(20),
                                     limit=1000)
        assert sorted(str(o.uuid) for o in res.objects) == sorted(
            r["id"] for r in rows if r["props"]["word"] == "banana" and r["props"]["n"] < 20)
        # bm25 finds only this tenant's documents (the title names the tenant).
        res = tc.query.bm25(query="cherry", limit=100)
        assert sorted(str(o.uuid) for o in res.objects) == sorted(r["id"] for r in rows if r["props"]["word"] == "cherry")
        assert all(o.properties["title"].startswith(f"t{t} ") for o in res.objects)
        # By id: only in its own tenant.
        assert tc.query.fetch_object_by_id(rows[0]["id"]) is not None
        other = col.with_tenant(f"t{1 - t}")
        assert other.query.fetch_object_by_id(rows[0]["id"]) is None
    # The empty tenant has nothing.
    assert col.with_tenant("t2").query.fetch_objects().objects == []


def test_rest_object_paths_take_the_tenant(mt, iris):
    col, data = mt
    url = iris.url
    oid = data[0][3]["id"]
    r = requests.get(f"{url}/v1/objects/Mt/{oid}", params={"tenant": "t0"})
    assert r.status_code == 200 and r.json()["tenant"] == "t0"
    assert requests.get(f"{url}/v1/objects/Mt/{oid}", params={"tenant": "t1"}).status_code == 404
    r = requests.get(f"{url}/v1/objects/Mt/{oid}")
    assert r.status_code == 422
    assert r.json()["error"][0]["message"] == "class Mt has multi-tenancy enabled, but request was without tenant"
    listed = requests.get(f"{url}/v1/objects", params={"class": "Mt", "tenant": "t1", "limit": 100}).json()
    assert len(listed["objects"]) == 30 and all(o["tenant"] == "t1" for o in listed["objects"])
    col.with_tenant("t1").data.update(uuid=data[1][0]["id"], properties={"n": 999})
    assert col.with_tenant("t1").query.fetch_object_by_id(data[1][0]["id"]).properties["n"] == 999
    col.with_tenant("t0").data.delete_by_id(oid)
    assert requests.head(f"{url}/v1/objects/Mt/{oid}", params={"tenant": "t0"}).status_code == 404


def test_delete_many_per_tenant(mt):
    col, data = mt
    res = col.with_tenant("t0").data.delete_many(where=Filter.by_property("word").equal("apple"))
    n_apple = sum(1 for r in data[0] if r["props"]["word"] == "apple")
    assert res.successful == n_apple
    assert col.with_tenant("t0").aggregate.over_all(total_count=True).total_count == 50 - n_apple
    assert col.with_tenant("t1").aggregate.over_all(total_count=True).total_count == 30


def test_missing_unknown_and_inactive_tenants_get_weaviates_errors(mt, client):
    col, _ = mt
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.query.fetch_objects()
    assert "has multi-tenancy enabled, but request was without tenant" in str(e.value)
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.with_tenant("zz").query.near_vector([0.0] * DIM)
    assert 'tenant not found: "zz"' in str(e.value)
    # 4.24 raises when every object of insert_many failed; the message carries each object's error.
    with pytest.raises(weaviate.exceptions.WeaviateInsertManyAllFailedError) as e:
        col.data.insert_many([DataObject(properties={"n": 1}, vector=[0.0] * DIM)])
    assert "has multi-tenancy enabled, but request was without tenant" in str(e.value)
    col.tenants.deactivate("t1")
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        col.with_tenant("t1").query.fetch_objects()
    assert "tenant not active: 't1'" in str(e.value)
    col.tenants.activate("t1")
    assert len(col.with_tenant("t1").query.fetch_objects(limit=100).objects) == 30
    client.collections.create("Plain", vectorizer_config=Configure.Vectorizer.none())
    with pytest.raises(weaviate.exceptions.WeaviateQueryError) as e:
        client.collections.get("Plain").with_tenant("t0").query.fetch_objects()
    assert "has multi-tenancy disabled, but request was with tenant" in str(e.value)


def test_auto_tenant_creation(client):
    col = create_mt(client, auto_tenant_creation=True)
    res = col.with_tenant("fresh").data.insert_many([DataObject(properties={"n": i}, vector=[float(i)] * DIM) for i in range(5)])
    assert not res.has_errors
    assert "fresh" in col.tenants.get()
    assert col.with_tenant("fresh").aggregate.over_all(total_count=True).total_count == 5


def test_removing_a_tenant_while_importing_into_others(mt):
    """A tenant removed and re-created while another client imports into a different tenant: every
    acknowledged object of that tenant is there afterwards."""
    col, _ = mt
    col.tenants.create("busy")
    stop = threading.Event()
    errors: list[str] = []

    def churn():
        while not stop.is_set():
            col.tenants.remove("t2")
            col.tenants.create("t2")

    th = threading.Thread(target=churn)
    th.start()
    try:
        busy = col.with_tenant("busy")
        ids = []
        for k in range(10):
            objs = [DataObject(properties={"n": k * 20 + i}, vector=[float(i)] * DIM, uuid=uid(9, k * 20 + i)) for i in range(20)]
            res = busy.data.insert_many(objs)
            errors += [e.message for e in res.errors.values()]
            ids += [str(res.uuids[i]) for i in range(20) if i in res.uuids]
    finally:
        stop.set()
        th.join()
    assert errors == []
    assert len(ids) == 200
    assert col.with_tenant("busy").aggregate.over_all(total_count=True).total_count == 200
    got = {str(o.uuid) for o in col.with_tenant("busy").iterator()}
    assert got == set(ids)


def test_tenants_survive_a_restart(start_iris):
    server = start_iris()
    c = server.connect()
    try:
        col = create_mt(c)
        col.tenants.create(["a", Tenant(name="b", activity_status=TenantActivityStatus.INACTIVE)])
        rows = tenant_rows(0, 20)
        col.with_tenant("a").data.insert_many(
            [DataObject(properties=r["props"], uuid=r["id"], vector=r["vector"].tolist()) for r in rows])
    finally:
        c.close()
    server.stop()
    server.start()
    c = server.connect()
    try:
        col = c.collections.get("Mt")
        got = col.tenants.get()
        assert got["a"].activity_status == TenantActivityStatus.ACTIVE
        assert got["b"].activity_status == TenantActivityStatus.INACTIVE
        q = rows[4]["vector"]
        res = col.with_tenant("a").query.near_vector(q.tolist(), limit=1)
        assert str(res.objects[0].uuid) == rows[4]["id"]
        assert col.with_tenant("a").aggregate.over_all(total_count=True).total_count == 20
    finally:
        c.close()
