"""Objects through the official client and raw REST: every 1.19 data type, create/get/exists/update/
replace/delete/validate, timestamps, ids, and the legacy id-only paths."""
import base64
import time
import uuid

import numpy as np
import pytest
import weaviate

from conftest import error_messages

# Both storage engines, same assertions (conftest.py `backend`).
pytestmark = pytest.mark.backends("sqlite", "postgres")

THING = {
    "class": "Thing",
    "properties": [
        {"name": "name", "dataType": ["text"]},
        {"name": "legacy", "dataType": ["string"]},
        {"name": "count", "dataType": ["int"]},
        {"name": "price", "dataType": ["number"]},
        {"name": "active", "dataType": ["boolean"]},
        {"name": "born", "dataType": ["date"]},
        {"name": "ref", "dataType": ["uuid"]},
        {"name": "words", "dataType": ["text[]"]},
        {"name": "counts", "dataType": ["int[]"]},
        {"name": "prices", "dataType": ["number[]"]},
        {"name": "flags", "dataType": ["boolean[]"]},
        {"name": "dates", "dataType": ["date[]"]},
        {"name": "refs", "dataType": ["uuid[]"]},
        {"name": "image", "dataType": ["blob"]},
        {"name": "location", "dataType": ["geoCoordinates"]},
        {"name": "phone", "dataType": ["phoneNumber"]},
    ],
}

PNG_BYTES = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(40))).decode()

FULL_PROPS = {
    "name": "first thing",
    "legacy": "old style",
    "count": 42,
    "price": 9.75,
    "active": True,
    "born": "2021-03-04T05:06:07Z",
    "ref": "c8f7a6c3-93a6-4a1d-9e0a-4a8d0f3c1f10",
    "words": ["alpha", "beta"],
    "counts": [1, 2, 3],
    "prices": [0.5, 1.25],
    "flags": [True, False],
    "dates": ["2020-01-01T00:00:00Z", "2022-12-31T23:59:59Z"],
    "refs": ["0a5a2d8c-63d0-4b4e-8f0e-2b1b4f2d0c11"],
    "image": PNG_BYTES,
    "location": {"latitude": 52.37, "longitude": 4.89},
}


@pytest.fixture
def thing(client):
    client.schema.create_class(THING)
    return client


def f32(values):
    return np.asarray(values, dtype=np.float32)


def test_create_get_all_types(thing):
    client = thing
    vector = [0.1, -0.2, 0.3, 0.4]
    before = int(time.time() * 1000)
    oid = client.data_object.create({**FULL_PROPS, "phone": {"input": "+31 20 1234567"}}, "Thing", vector=vector)
    after = int(time.time() * 1000)
    assert uuid.UUID(oid).version == 4

    got = client.data_object.get_by_id(oid, class_name="Thing", with_vector=True)
    assert got["id"] == oid and got["class"] == "Thing"
    props = got["properties"]
    for key, value in FULL_PROPS.items():
        assert props[key] == value, key
    assert props["phone"]["input"] == "+31 20 1234567"
    assert np.array_equal(f32(got["vector"]), f32(vector))
    assert before <= got["creationTimeUnix"] <= after
    assert got["lastUpdateTimeUnix"] == got["creationTimeUnix"]

    without = client.data_object.get_by_id(oid, class_name="Thing")
    assert "vector" not in without
    assert client.data_object.exists(oid, class_name="Thing")


def test_phone_numbers_as_libphonenumber_reads_them(thing):
    """Known answers of libphonenumber: REST omits `valid` when false (Weaviate's omitempty), GraphQL
    answers false."""
    client = thing
    london = client.data_object.create({"phone": {"input": "0161 2345000", "defaultCountry": "gb"}}, "Thing")
    short = client.data_object.create({"phone": {"input": "+44 161 234"}}, "Thing")
    mountain_view = client.data_object.create({"phone": {"input": "(650) 253-0000", "defaultCountry": "US"}}, "Thing")
    assert client.data_object.get_by_id(london, class_name="Thing")["properties"]["phone"] == {
        "input": "0161 2345000", "defaultCountry": "GB", "countryCode": 44, "national": 1612345000,
        "internationalFormatted": "+44 161 234 5000", "nationalFormatted": "0161 234 5000", "valid": True,
    }
    assert "valid" not in client.data_object.get_by_id(short, class_name="Thing")["properties"]["phone"]
    result = client.query.get("Thing", ["phone { internationalFormatted nationalFormatted valid national countryCode }"]) \
        .with_additional("id").do()
    assert "errors" not in result, result
    by_id = {o["_additional"]["id"]: o["phone"] for o in result["data"]["Get"]["Thing"]}
    assert by_id[london] == {"internationalFormatted": "+44 161 234 5000", "nationalFormatted": "0161 234 5000",
                             "valid": True, "national": 1612345000, "countryCode": 44}
    # GraphQL's Int is 32 bits: Weaviate answers null for 6,502,530,000, without an error.
    assert by_id[mountain_view] == {"internationalFormatted": "+1 650-253-0000", "nationalFormatted": "(650) 253-0000",
                                    "valid": True, "national": None, "countryCode": 1}
    assert by_id[short] == {"internationalFormatted": "+44 161234", "nationalFormatted": "161234", "valid": False,
                            "national": 161234, "countryCode": 44}
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeException) as e:
        client.data_object.create({"phone": {"input": "0161 2345000"}}, "Thing")
    assert "invalid or missing defaultCountry" in str(e.value)


def test_create_response_and_id_lowercasing(thing, http):
    upper = "7A5D3E4B-1C2D-4E5F-8A9B-0C1D2E3F4A5B"
    r = http.post("/v1/objects", json={"class": "Thing", "id": upper, "properties": {"name": "x"},
                                       "vector": [1, 2, 3]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == upper.lower()
    assert body["properties"] == {"name": "x"}
    assert body["vector"] == [1, 2, 3]
    assert isinstance(body["creationTimeUnix"], int) and body["creationTimeUnix"] > 1_600_000_000_000

    r = http.post("/v1/objects", json={"class": "Thing", "id": upper.lower(), "properties": {"name": "y"}})
    assert r.status_code == 422
    assert error_messages(r) == [f"id '{upper.lower()}' already exists"]
    with pytest.raises(weaviate.exceptions.ObjectAlreadyExistsException):
        weaviate.Client(http.base).data_object.create({"name": "z"}, "Thing", uuid=upper.lower())
    # The failed creates did not touch the object.
    assert http.get(f"/v1/objects/Thing/{upper.lower()}").json()["properties"] == {"name": "x"}


def test_update_replace_delete(thing):
    client = thing
    oid = client.data_object.create({"name": "orig", "count": 1, "words": ["a"]}, "Thing", vector=[1, 0, 0])
    created = client.data_object.get_by_id(oid, class_name="Thing")
    time.sleep(0.01)

    # PATCH merges (204); null deletes a property.
    client.data_object.update({"count": 2, "words": None}, "Thing", oid)
    merged = client.data_object.get_by_id(oid, class_name="Thing", with_vector=True)
    assert merged["properties"] == {"name": "orig", "count": 2}
    assert merged["vector"] == [1, 0, 0]
    assert merged["creationTimeUnix"] == created["creationTimeUnix"]
    assert merged["lastUpdateTimeUnix"] > created["lastUpdateTimeUnix"]

    # PUT replaces (200).
    client.data_object.replace({"name": "new"}, "Thing", oid, vector=[0, 1, 0])
    replaced = client.data_object.get_by_id(oid, class_name="Thing", with_vector=True)
    assert replaced["properties"] == {"name": "new"}
    assert replaced["vector"] == [0, 1, 0]

    client.data_object.delete(oid, class_name="Thing")
    assert client.data_object.get_by_id(oid, class_name="Thing") is None
    assert not client.data_object.exists(oid, class_name="Thing")


def test_raw_status_codes(thing, http):
    oid = str(uuid.uuid4())
    r = http.post("/v1/objects", json={"class": "Thing", "id": oid, "properties": {"name": "a"}})
    assert r.status_code == 200
    assert http.head(f"/v1/objects/Thing/{oid}").status_code == 204
    missing = str(uuid.uuid4())
    assert http.head(f"/v1/objects/Thing/{missing}").status_code == 404
    r = http.get(f"/v1/objects/Thing/{missing}")
    assert r.status_code == 404 and r.content == b""

    r = http.patch(f"/v1/objects/Thing/{oid}", json={"class": "Thing", "properties": {"count": 5}})
    assert r.status_code == 204 and r.content == b""
    r = http.patch(f"/v1/objects/Thing/{missing}", json={"class": "Thing", "properties": {"count": 5}})
    assert r.status_code == 404

    r = http.put(f"/v1/objects/Thing/{oid}", json={"class": "Thing", "id": str(uuid.uuid4()), "properties": {}})
    assert r.status_code == 422
    assert error_messages(r) == ["invalid update: field 'id' is immutable"]

    r = http.put(f"/v1/objects/Thing/{oid}", json={"class": "Thing", "id": oid, "properties": {"name": "b"}})
    assert r.status_code == 200 and r.json()["properties"] == {"name": "b"}
    r = http.put(f"/v1/objects/Thing/{missing}", json={"class": "Thing", "id": missing, "properties": {}})
    assert r.status_code == 404

    assert http.delete(f"/v1/objects/Thing/{oid}").status_code == 204
    assert http.delete(f"/v1/objects/Thing/{oid}").status_code == 404


def test_legacy_id_only_paths(thing, http):
    oid = str(uuid.uuid4())
    http.post("/v1/objects", json={"class": "Thing", "id": oid, "properties": {"name": "legacy"}}).raise_for_status()
    r = http.get(f"/v1/objects/{oid}")
    assert r.status_code == 200 and r.json()["properties"] == {"name": "legacy"} and r.json()["class"] == "Thing"
    assert http.head(f"/v1/objects/{oid}").status_code == 204
    r = http.patch(f"/v1/objects/{oid}", json={"properties": {"count": 3}})
    assert r.status_code == 204
    assert http.get(f"/v1/objects/{oid}").json()["properties"] == {"name": "legacy", "count": 3}
    r = http.put(f"/v1/objects/{oid}", json={"class": "Thing", "id": oid, "properties": {"name": "put"}})
    assert r.status_code == 200
    assert http.get(f"/v1/objects/{oid}").json()["properties"] == {"name": "put"}
    assert http.delete(f"/v1/objects/{oid}").status_code == 204
    assert http.get(f"/v1/objects/{oid}").status_code == 404


def test_validate(thing, http):
    client = thing
    assert client.data_object.validate({"name": "ok", "count": 3}, "Thing")["valid"] is True
    result = client.data_object.validate({"count": "three"}, "Thing")
    assert result["valid"] is False
    assert "count" in result["error"][0]["message"]

    r = http.post("/v1/objects/validate", json={"class": "Thing", "properties": {"name": "ok"}})
    assert r.status_code == 200 and r.content == b""
    r = http.post("/v1/objects/validate", json={"class": "Thing", "properties": {"image": "not base64!"}})
    assert r.status_code == 422
    assert "invalid blob property 'image' on class 'Thing': not a valid blob base64 string" in error_messages(r)[0]
    # Validation stores nothing.
    assert http.get("/v1/objects?class=Thing").json()["objects"] == []


def test_auto_schema_creates_class_and_types(client, http):
    r = http.post("/v1/objects", json={"class": "Auto", "properties": {
        "title": "hello", "when": "2022-01-02T03:04:05Z", "n": 3, "ok": True, "tags": ["a", "b"],
        "where": {"latitude": 1.5, "longitude": 2.5}, "image": PNG_BYTES}})
    assert r.status_code == 200, r.text
    types = {p["name"]: p["dataType"] for p in client.schema.get("Auto")["properties"]}
    assert types == {"title": ["text"], "when": ["date"], "n": ["number"], "ok": ["boolean"],
                     "tags": ["text[]"], "where": ["geoCoordinates"], "image": ["text"]}
    assert client.schema.get("Auto")["vectorizer"] == "none"


def test_graphql_ints_outside_32_bits(thing):
    """GraphQL's Int is 32 bits: a scalar int outside it is null, as in Weaviate; an int[] item outside it
    comes back as stored (Weaviate answers null there; failing the query would be worse)."""
    client = thing
    client.data_object.create({"count": 3_000_000_000, "counts": [1_733_580_000_000, 7, -(2**40)]}, "Thing")
    got = client.query.get("Thing", ["count", "counts"]).do()
    assert "errors" not in got, got
    assert got["data"]["Get"]["Thing"] == [{"count": None, "counts": [1_733_580_000_000, 7, -(2**40)]}]
    # REST has no such limit.
    assert client.data_object.get(class_name="Thing")["objects"][0]["properties"]["count"] == 3_000_000_000
