"""The bad-input table: each request gets Weaviate's status and error shape, the server keeps serving,
and stored data (schema and objects) is unchanged afterwards.

Shapes: Weaviate's use-case errors are `{"error":[{"message":…}]}`; bodies its go-swagger layer cannot
bind (malformed JSON, wrong JSON types, too deep) are 400 `{"code":400,"message":"parsing body body
from \"\" failed, because …"}`, swagger validation errors (malformed uuid, required body) are 422
`{"code":601|602,"message":…}`, and an over-limit body is 413 `{"code":413,"message":…}`."""
import base64
import json
import uuid

import pytest
import requests

from conftest import BASE_ENV, IrisServer, backend_env

pytestmark = pytest.mark.backends("sqlite", "postgres")

LIMIT = 64 * 1024
THING_ID = "6f1ab5b4-1c51-4a52-9c88-2d1b0c1a0001"
SCHEMA = {"class": "Thing", "properties": [
    {"name": "name", "dataType": ["text"]},
    {"name": "count", "dataType": ["int"]},
    {"name": "image", "dataType": ["blob"]},
    {"name": "when", "dataType": ["date"]},
]}


@pytest.fixture(scope="module")
def strict(iris_bin, tmp_path_factory, backend, request):
    """A server with auto-schema off and a small body limit, holding one known object."""
    root = tmp_path_factory.mktemp("bad-input")
    env = {**BASE_ENV, "AUTOSCHEMA_ENABLED": "false", "IRIS_MAX_BODY_BYTES": str(LIMIT), **backend_env(backend, request)}
    server = IrisServer(iris_bin, env, root / "data", root / "server.log").start()
    requests.post(server.url + "/v1/schema", json=SCHEMA).raise_for_status()
    r = requests.post(server.url + "/v1/objects", json={
        "class": "Thing", "id": THING_ID, "vector": [1, 2, 3],
        "properties": {"name": "keep me", "count": 7, "image": base64.b64encode(b"img").decode(),
                       "when": "2020-02-02T00:00:00Z"}})
    r.raise_for_status()
    yield server
    server.stop()


def snapshot(url):
    schema = requests.get(url + "/v1/schema").json()
    objects = requests.get(url + "/v1/objects", params={"limit": 100, "include": "vector"}).json()["objects"]
    return schema, sorted(objects, key=lambda o: o["id"])


def nested(depth):
    return "[" * depth + "]" * depth


def weaviate_error(*fragments):
    def check(body):
        assert isinstance(body, dict) and set(body) == {"error"}, body
        assert isinstance(body["error"], list) and len(body["error"]) >= 1
        message = body["error"][0]["message"]
        for f in fragments:
            assert f in message, (f, message)
    return check


def swagger_error(code, *fragments):
    def check(body):
        assert set(body) == {"code", "message"} and body["code"] == code, body
        for f in fragments:
            assert f in body["message"], (f, body["message"])
    return check


PARSE = 'parsing body body from "" failed, because '
OBJ = f"/v1/objects/Thing/{THING_ID}"

CASES = [
    # (id, method, path, raw body or JSON, status, check)
    ("malformed json object", "POST", "/v1/objects", b'{"class": "Thing", ', 400,
     swagger_error(400, PARSE + "unexpected end of JSON input")),
    ("malformed json schema", "POST", "/v1/schema", b'{"class": Thing}', 400,
     swagger_error(400, PARSE + "invalid character 'T' looking for beginning of value")),
    ("malformed json batch", "POST", "/v1/batch/objects", b'{"objects": [}', 400, swagger_error(400, PARSE)),
    ("trailing garbage", "PUT", OBJ, b'{"class":"Thing","id":"%s"} x' % THING_ID.encode(), 400,
     swagger_error(400, PARSE + "invalid character 'x' after top-level value")),
    ("not json at all", "PATCH", OBJ, b"name=value", 400, swagger_error(400, PARSE)),
    ("empty body", "POST", "/v1/objects", b"", 422, swagger_error(602, "body in body is required")),
    ("wrong type class", "POST", "/v1/objects", {"class": 5}, 400,
     swagger_error(400, PARSE + "json: cannot unmarshal number into Go struct field Object.class of type string")),
    ("wrong type vector", "POST", "/v1/objects", {"class": "Thing", "vector": "abc"}, 400,
     swagger_error(400, "cannot unmarshal string into Go struct field Object.vector")),
    ("wrong type vector item", "POST", "/v1/objects", {"class": "Thing", "vector": [1, "2"]}, 400,
     swagger_error(400, "of type float32")),
    ("wrong type properties", "POST", "/v1/objects", {"class": "Thing", "properties": [1, 2]}, 400,
     swagger_error(400, "cannot unmarshal array into Go struct field Object.properties")),
    ("wrong type batch objects", "POST", "/v1/batch/objects", {"objects": {"class": "Thing"}}, 400,
     swagger_error(400, "cannot unmarshal object")),
    ("wrong type schema properties", "POST", "/v1/schema", {"class": "Fresh", "properties": "name"}, 400,
     swagger_error(400, "Class.properties")),
    ("wrong property value type", "POST", "/v1/objects", {"class": "Thing", "properties": {"count": "seven"}}, 422,
     weaviate_error("count")),
    ("unknown class (auto-schema off)", "POST", "/v1/objects", {"class": "Nope", "properties": {"name": "x"}}, 422,
     weaviate_error("Nope")),
    ("unknown property (auto-schema off)", "POST", "/v1/objects",
     {"class": "Thing", "properties": {"bogus": "x"}}, 422,
     weaviate_error("no such prop with name 'bogus' found in class 'Thing' in the schema. "
                    "Check your schema files for which properties in this class are available")),
    ("unknown class batch item", "POST", "/v1/batch/objects", {"objects": [{"class": "Nope"}]}, 200, None),
    ("bad uuid in body", "POST", "/v1/objects", {"class": "Thing", "id": "not-a-uuid"}, 422,
     swagger_error(601, 'id in body must be of type uuid: "not-a-uuid"')),
    ("bad uuid in path", "GET", "/v1/objects/Thing/not-a-uuid", None, 422,
     swagger_error(601, 'id in path must be of type uuid: "not-a-uuid"')),
    ("bad uuid in batch", "POST", "/v1/batch/objects", {"objects": [{"class": "Thing", "id": "123"}]}, 422,
     swagger_error(601, 'objects.0.id in body must be of type uuid: "123"')),
    ("bad date property", "POST", "/v1/objects", {"class": "Thing", "properties": {"when": "yesterday"}}, 422,
     weaviate_error("when")),
    ("invalid base64 blob", "POST", "/v1/objects", {"class": "Thing", "properties": {"image": "not base64!"}}, 422,
     weaviate_error("invalid blob property 'image' on class 'Thing': not a valid blob base64 string")),
    ("unpadded base64 blob", "POST", "/v1/objects", {"class": "Thing", "properties": {"image": "aW1n"[:3]}}, 422,
     weaviate_error("not a valid blob base64 string")),
    ("data uri blob", "POST", "/v1/objects",
     {"class": "Thing", "properties": {"image": "data:image/png;base64,aW1n"}}, 422,
     weaviate_error("not a valid blob base64 string")),
    ("wrong vector length", "POST", "/v1/objects", {"class": "Thing", "vector": [1, 2]}, 422,
     weaviate_error("length")),
    ("body over the limit", "POST", "/v1/batch/objects", {"objects": [{"class": "Thing", "properties": {
        "name": "x" * (LIMIT + 10)}}]}, 413, swagger_error(413, "IRIS_MAX_BODY_BYTES")),
    ("deeply nested json", "POST", "/v1/objects",
     ('{"class":"Thing","properties":{"name":' + nested(5000) + "}}").encode(), 400,
     swagger_error(400, PARSE + "exceeded max depth")),
    ("deeply nested where", "DELETE", "/v1/batch/objects",
     ('{"match":{"class":"Thing","where":' + '{"operator":"Not","operands":[' * 1000 + "]}" * 1000 + "}}").encode(),
     400, swagger_error(400, "exceeded max depth")),
    ("where unknown operator", "DELETE", "/v1/batch/objects",
     {"match": {"class": "Thing", "where": {"path": ["count"], "operator": "Bigger", "valueInt": 1}}}, 422,
     weaviate_error()),
    ("where wrong value type", "DELETE", "/v1/batch/objects",
     {"match": {"class": "Thing", "where": {"path": ["name"], "operator": "Equal", "valueInt": 1}}}, 422,
     weaviate_error('data type filter cannot use "valueInt" on type "text", use "valueText" instead')),
    ("where unknown property", "DELETE", "/v1/batch/objects",
     {"match": {"class": "Thing", "where": {"path": ["bogus"], "operator": "Equal", "valueText": "x"}}}, 422,
     weaviate_error("bogus")),
    ("where without value", "DELETE", "/v1/batch/objects",
     {"match": {"class": "Thing", "where": {"path": ["count"], "operator": "Equal"}}}, 422, weaviate_error()),
    ("where blob property", "DELETE", "/v1/batch/objects",
     {"match": {"class": "Thing", "where": {"path": ["image"], "operator": "Equal", "valueText": "aW1n"}}}, 422,
     weaviate_error()),
    ("invalid class name", "POST", "/v1/schema", {"class": "9Lives"}, 422,
     weaviate_error("'9Lives' is not a valid class name")),
    ("class name with dash", "POST", "/v1/schema", {"class": "Bad-Name"}, 422, weaviate_error("not a valid class name")),
    ("class name too long", "POST", "/v1/schema", {"class": "C" * 256}, 422,
     weaviate_error(f"'{'C' * 256}' is not a valid class name")),
    # Property names are capped like class names (Weaviate: 231 characters, room for index suffixes).
    ("property name too long", "POST", "/v1/schema",
     {"class": "Fresh", "properties": [{"name": "p" * 10_000, "dataType": ["text"]}]}, 422,
     weaviate_error("is not a valid property name. Name should not be longer than 231 characters")),
    ("added property name too long", "POST", "/v1/schema/Thing/properties",
     {"name": "q" * 232, "dataType": ["text"]}, 422,
     weaviate_error(f"'{'q' * 232}' is not a valid property name. Name should not be longer than 231 characters")),
    ("reserved property _additional", "POST", "/v1/schema",
     {"class": "Fresh", "properties": [{"name": "_additional", "dataType": ["text"]}]}, 422,
     weaviate_error("'_additional' is a reserved property name")),
    ("reserved property id", "POST", "/v1/schema",
     {"class": "Fresh", "properties": [{"name": "id", "dataType": ["text"]}]}, 422,
     weaviate_error("'id' is a reserved property name")),
    ("reserved property _id", "POST", "/v1/schema",
     {"class": "Fresh", "properties": [{"name": "_id", "dataType": ["text"]}]}, 422,
     weaviate_error("'_id' is a reserved property name")),
    ("invalid property name", "POST", "/v1/schema/Thing/properties", {"name": "bad name", "dataType": ["text"]}, 422,
     weaviate_error("bad name")),
    ("unknown data type", "POST", "/v1/schema/Thing/properties", {"name": "odd", "dataType": ["money"]}, 422,
     weaviate_error()),
    ("duplicate id", "POST", "/v1/objects", {"class": "Thing", "id": THING_ID}, 422,
     weaviate_error(f"id '{THING_ID}' already exists")),
    ("immutable id", "PUT", OBJ, {"class": "Thing", "id": str(uuid.UUID(int=5)), "properties": {}}, 422,
     weaviate_error("invalid update: field 'id' is immutable")),
    ("empty batch", "POST", "/v1/batch/objects", {"objects": []}, 422,
     weaviate_error("invalid param 'objects': cannot be empty, need at least one object for batching")),
    ("unknown path", "GET", "/v1/nothing-here", None, 404, swagger_error(404, "/v1/nothing-here")),
    ("method not allowed", "PATCH", "/v1/schema", {}, 405, swagger_error(405, "PATCH")),
]


@pytest.mark.parametrize("name,method,path,body,status,check", CASES, ids=[c[0] for c in CASES])
def test_bad_input(strict, name, method, path, body, status, check):
    before = snapshot(strict.url)
    if isinstance(body, (bytes, type(None))):
        r = requests.request(method, strict.url + path, data=body,
                             headers={"Content-Type": "application/json"}, timeout=60)
    else:
        r = requests.request(method, strict.url + path, data=json.dumps(body),
                             headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == status, r.text[:500]
    if check is not None:
        check(r.json())
    elif status == 200:  # batch: per-item error, whole request 200
        items = r.json()
        assert "Nope" in items[0]["result"]["errors"]["error"][0]["message"]
    # Still serving, and nothing changed.
    assert requests.get(strict.url + "/v1/.well-known/ready", timeout=10).status_code == 200
    assert snapshot(strict.url) == before


def test_keeps_serving_after_a_burst_of_garbage(strict):
    before = snapshot(strict.url)
    junk = [b"\x00\xff\xfe", b"[" * 100_000, b'{"a":' * 10_000, b'"\\ud800"', b"1e999999", b"-", b"{}" * 1000]
    for body in junk:
        r = requests.post(strict.url + "/v1/objects", data=body, timeout=30)
        assert r.status_code in (400, 413, 422), (body[:20], r.status_code)
    assert snapshot(strict.url) == before


def test_nul_characters_in_text(strict, backend):
    """SQLite keeps U+0000 in text; PostgreSQL cannot, and its writes failed whole with a 500 (a batch's
    neighbours too), its filters with NUL as well. There each object gets a 422 of its own instead."""
    url = strict.url
    ids = [str(uuid.UUID(int=n)) for n in (901, 902)]
    batch = [{"class": "Thing", "id": ids[0], "properties": {"name": "a\u0000b"}},
             {"class": "Thing", "id": ids[1], "properties": {"name": "plain"}}]
    r = requests.post(url + "/v1/batch/objects", json={"objects": batch}, timeout=30)
    assert r.status_code == 200
    results = [item["result"] for item in r.json()]
    assert results[1] == {}, results  # the neighbour is stored either way
    like = '{Get{Thing(where: {path: ["name"], operator: Like, valueText: "a\\u0000*"}){name}}}'
    answer = requests.post(url + "/v1/graphql", json={"query": like}, timeout=30).json()
    if backend == "sqlite":
        assert results[0] == {}, results
        assert requests.get(f"{url}/v1/objects/Thing/{ids[0]}").json()["properties"]["name"] == "a\u0000b"
        assert answer["data"]["Get"]["Thing"] == [{"name": "a\u0000b"}]
    else:
        message = results[0]["errors"]["error"][0]["message"]
        assert message == ("invalid object: property 'name' of class 'Thing': text with the NUL character (U+0000) "
                           "cannot be stored by the PostgreSQL storage engine"), message
        assert requests.get(f"{url}/v1/objects/Thing/{ids[0]}").status_code == 404
        r = requests.post(url + "/v1/objects", json=batch[0], timeout=30)
        assert r.status_code == 422 and "U+0000" in r.json()["error"][0]["message"], r.text
        assert "NUL character (U+0000) cannot be compared" in answer["errors"][0]["message"], answer
        r = requests.get(url + "/v1/objects", params={"class": "Thing", "after": "\u0000"}, timeout=30)
        assert r.status_code == 422, r.text
    for i in ids:
        requests.delete(f"{url}/v1/objects/Thing/{i}", timeout=30)
