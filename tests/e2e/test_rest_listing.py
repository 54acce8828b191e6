"""GET /v1/objects: cursor (after), offset/limit, sort/order, include, the default limit and the maximum."""
import uuid

import pytest

from conftest import error_messages

# Both storage engines, same assertions (conftest.py `backend`).
pytestmark = pytest.mark.backends("sqlite", "postgres")

N = 30


@pytest.fixture
def items(client):
    client.schema.create_class({"class": "Item", "properties": [
        {"name": "rank", "dataType": ["int"]}, {"name": "label", "dataType": ["text"]}]})
    client.schema.create_class({"class": "Other", "properties": [{"name": "rank", "dataType": ["int"]}]})
    ids = []
    with client.batch(batch_size=100, dynamic=False) as batch:
        for i in range(N):
            # ranks are a permutation so sorting is distinguishable from insertion and id order
            ids.append(batch.add_data_object({"rank": (i * 7) % N, "label": f"item-{i:02d}"}, "Item",
                                             vector=[float(i), 1.0]))
        batch.add_data_object({"rank": 1000}, "Other")
    return client, ids


def test_cursor_walks_every_object_in_id_order(items):
    client, ids = items
    seen, after = [], None
    while True:
        page = client.data_object.get(class_name="Item", limit=7, after=after)["objects"]
        if not page:
            break
        assert len(page) <= 7
        seen.extend(o["id"] for o in page)
        after = page[-1]["id"]
    assert seen == sorted(ids)  # Weaviate's cursor order is by uuid


def test_offset_limit_with_sort(items, http):
    client, _ = items
    ranks = lambda objs: [o["properties"]["rank"] for o in objs]
    asc = client.data_object.get(class_name="Item", limit=5, offset=5,
                                 sort={"properties": ["rank"], "order_asc": True})
    assert ranks(asc["objects"]) == [5, 6, 7, 8, 9]
    assert asc["totalResults"] == 5  # the page length, not the total
    desc = client.data_object.get(class_name="Item", limit=4, sort={"properties": "rank", "order_asc": False})
    assert ranks(desc["objects"]) == [29, 28, 27, 26]

    r = http.get("/v1/objects", params={"class": "Item", "sort": "label", "order": "desc", "limit": 3})
    assert [o["properties"]["label"] for o in r.json()["objects"]] == ["item-29", "item-28", "item-27"]


def test_include_vector_and_default_limit(items, http):
    body = http.get("/v1/objects", params={"class": "Item"}).json()
    assert len(body["objects"]) == 25  # QUERY_DEFAULTS_LIMIT of the test server
    assert body["totalResults"] == 25
    assert all("vector" not in o for o in body["objects"])
    with_vec = http.get("/v1/objects", params={"class": "Item", "include": "vector", "limit": 2}).json()
    assert all(len(o["vector"]) == 2 for o in with_vec["objects"])

    everything = http.get("/v1/objects", params={"limit": 100}).json()["objects"]
    assert {o["class"] for o in everything} == {"Item", "Other"} and len(everything) == N + 1


def test_listing_limits(items, http):
    r = http.get("/v1/objects", params={"class": "Item", "offset": 9995, "limit": 10})
    assert r.status_code == 422
    assert "query maximum results exceeded" in error_messages(r)[0]
    r = http.get("/v1/objects", params={"offset": 9995, "limit": 10})
    assert r.status_code == 500
    # Int64 extremes: their sum once overflowed and stopped the server.
    big = str(2**63 - 1)
    for params in [{"class": "Item", "limit": big, "offset": 5}, {"class": "Item", "limit": 5, "offset": big},
                   {"class": "Item", "limit": big, "offset": big}, {"limit": big, "offset": big}]:
        r = http.get("/v1/objects", params=params)
        assert r.status_code in (422, 500), (params, r.status_code)
        assert "query maximum results exceeded" in error_messages(r)[0]
    assert http.get("/v1/.well-known/ready").status_code == 200
    r = http.get("/v1/objects", params={"class": "Item", "limit": "ten"})
    assert r.status_code == 422
    assert r.json()["message"] == 'limit in query must be of type int64: "ten"'
    r = http.get("/v1/objects", params={"class": "Item", "after": str(uuid.uuid4()), "limit": 100})
    assert r.status_code == 200
