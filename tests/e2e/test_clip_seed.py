"""The seed document (shared/seed/multi2vec-clip.md) run verbatim against an embedded-mode Iris, and the
class moduleConfig validation messages of reference 2.2."""
from __future__ import annotations

import json

import numpy as np
import pytest
import requests

from clip_helpers import (  # noqa: F401  (fixtures)
    MODULE, b64, clip_client, clip_iris, cosine_distance, gql, inference, join_concepts, move_away, move_to,
)

pytestmark = pytest.mark.backends("sqlite", "postgres")

# The seed's "valid payload for a class" exactly as printed (indentation was lost in the web copy).
SEED_SCHEMA = """{
"classes": [
{
"class": "ClipExample",
"moduleConfig": {
"multi2vec-clip": {
"imageFields": [
"image"
],
"textFields": [
"name"
],
"weights": {
"textFields": [0.7],
"imageFields": [0.3]
}
}
},
"properties": [
{
"dataType": [
"text"
],
"name": "name"
},
{
"dataType": [
"blob"
],
"name": "image"
}
],
"vectorIndexType": "hnsw",
"vectorizer": "multi2vec-clip"
}
]
}"""

# The seed's GraphQL examples, verbatim (comments included).
SEED_NEAR_TEXT = """{
Get{
Publication(
nearText: {
concepts: ["fashion"],
distance: 0.6 # prior to v1.14 use "certainty" instead of "distance"
moveAwayFrom: {
concepts: ["finance"],
force: 0.45
},
moveTo: {
concepts: ["haute couture"],
force: 0.85
}
}
){
name
_additional {
certainty # only supported if distance==cosine.
distance # always supported
}
}
}
}"""

SEED_NEAR_IMAGE = """{
Get {
FashionItem(nearImage: {
image: "/9j/4AAQSkZJRgABAgE..."
}) {
image
}
}
}"""

SEED_MOVE_OBJECTS = """{
Get{
Publication(
nearText: {
concepts: ["fashion"],
distance: 0.6,
moveTo: {
objects: [{
beacon: "weaviate://localhost/Article/e5dc4a4c-ef0f-3aed-89a3-a73435c6bbcf"
}, {
id: "9f0c7463-8633-30ff-99e9-fd84349018f5"
}],
concepts: ["summer"],
force: 0.9
}
}
){
name
_additional {
distance
id
}
}
}
}"""

PUBLICATIONS = {
    "e5dc4a4c-ef0f-3aed-89a3-a73435c6bbcf": "Vogue",
    "9f0c7463-8633-30ff-99e9-fd84349018f5": "The Wall Street Journal",
    "00000000-0000-4000-8000-000000000003": "Financial Times",
    "00000000-0000-4000-8000-000000000004": "Elle",
    "00000000-0000-4000-8000-000000000005": "New York Times",
    "00000000-0000-4000-8000-000000000006": "Harper's Bazaar",
}
FASHION_IMAGES = ["rocket.jpg", "chelsea.png", "coffee.png", "astronaut.png", "horse.png"]


def _expected_hits(query_vec, stored: dict[str, np.ndarray], max_distance: float) -> dict[str, float]:
    dists = {uid: cosine_distance(query_vec, v) for uid, v in stored.items()}
    return {uid: d for uid, d in dists.items() if d <= max_distance}


def _check_hits(hits: list[dict], expected: dict[str, float], by_name: dict[str, str] | None = None) -> None:
    got_distances = [h["_additional"]["distance"] for h in hits]
    assert got_distances == sorted(got_distances), got_distances
    assert len(hits) == len(expected), (hits, expected)
    for h in hits:
        uid = h["_additional"].get("id") or by_name[h["name"]]
        assert abs(h["_additional"]["distance"] - expected[uid]) < 1e-4, (h, expected[uid])
        if "certainty" in h["_additional"]:
            assert abs(h["_additional"]["certainty"] - (1 - expected[uid] / 2)) < 1e-4


def test_seed_payload_and_graphql_examples(clip_client, clip_iris, inference):
    url = clip_iris.url
    # 1. The schema payload, verbatim, through the client's own schema.create (it takes {"classes": [...]}).
    clip_client.schema.create(json.loads(SEED_SCHEMA))
    cls = clip_client.schema.get("ClipExample")
    assert cls["vectorizer"] == MODULE
    assert cls["moduleConfig"][MODULE]["imageFields"] == ["image"]
    assert cls["moduleConfig"][MODULE]["weights"] == {"textFields": [0.7], "imageFields": [0.3]}
    assert all(p["moduleConfig"] == {MODULE: {}} for p in cls["properties"]), cls["properties"]
    # ... and as the raw REST body of one class (what the seed's payload holds).
    requests.delete(url + "/v1/schema/ClipExample", timeout=30)
    raw_class = SEED_SCHEMA[SEED_SCHEMA.index("[") + 1: SEED_SCHEMA.rindex("]")].strip()
    r = requests.post(url + "/v1/schema", data=raw_class, headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text

    # "Import data objects for the class as usual": text in name, a base64 image in image.
    obj = clip_client.data_object.create({"name": "a rocket launch", "image": b64("rocket.jpg")}, "ClipExample",
                                         uuid="00000000-0000-4000-8000-0000000000aa")
    got = np.asarray(clip_client.data_object.get_by_id(obj, class_name="ClipExample", with_vector=True)["vector"])
    t, i = inference.vectorize(["a rocket launch"], [b64("rocket.jpg")])
    want = (0.7 * t[0] + 0.3 * i[0]) / 2  # weights normalised (sum 1.0), then divided by N = 2 (reference 2.3)
    assert np.max(np.abs(got - want)) < 1e-5

    # 2. The nearText examples run verbatim on Publication (the class the seed queries).
    clip_client.schema.create_class({
        "class": "Publication", "moduleConfig": {MODULE: {"textFields": ["name"]}},
        "properties": [{"name": "name", "dataType": ["text"]}],
    })
    with clip_client.batch(batch_size=100) as batch:
        for uid, name in PUBLICATIONS.items():
            batch.add_data_object({"name": name}, "Publication", uuid=uid)
    stored = {uid: inference.text(name) for uid, name in PUBLICATIONS.items()}
    by_name = {name: uid for uid, name in PUBLICATIONS.items()}

    result = gql(url, SEED_NEAR_TEXT)
    assert "errors" not in result, result
    v = inference.text("fashion")
    v = move_to(v, inference.text("haute couture"), 0.85)
    v = move_away(v, inference.text("finance"), 0.45)
    _check_hits(result["data"]["Get"]["Publication"], _expected_hits(v, stored, 0.6), by_name)

    result = gql(url, SEED_MOVE_OBJECTS)
    assert "errors" not in result, result
    target = np.mean([inference.text("summer"), stored["e5dc4a4c-ef0f-3aed-89a3-a73435c6bbcf"],
                      stored["9f0c7463-8633-30ff-99e9-fd84349018f5"]], axis=0)
    v = move_to(inference.text("fashion"), target, 0.9)
    _check_hits(result["data"]["Get"]["Publication"], _expected_hits(v, stored, 0.6))

    # 3. nearImage on FashionItem: the seed's placeholder is a truncated JPEG, so Iris must answer a clean
    # GraphQL error; with the same query holding a whole JPEG the imported item comes first at distance ~0.
    clip_client.schema.create_class({
        "class": "FashionItem", "moduleConfig": {MODULE: {"imageFields": ["image"]}},
        "properties": [{"name": "image", "dataType": ["blob"]}],
    })
    with clip_client.batch(batch_size=100) as batch:
        for k, name in enumerate(FASHION_IMAGES):
            batch.add_data_object({"image": b64(name)}, "FashionItem", uuid=f"00000000-0000-4000-8000-{k:012x}")
    result = gql(url, SEED_NEAR_IMAGE)
    assert result["errors"] and result["errors"][0]["message"], result
    assert (result.get("data") or {}).get("Get", {}).get("FashionItem") is None, result

    rocket = b64("rocket.jpg")
    assert rocket.startswith("/9j/")
    result = gql(url, SEED_NEAR_IMAGE.replace("/9j/4AAQSkZJRgABAgE...", rocket).replace(
        "image\n}\n}\n}", "image\n_additional { distance }\n}\n}\n}"))
    assert "errors" not in result, result
    items = result["data"]["Get"]["FashionItem"]
    assert len(items) == len(FASHION_IMAGES)
    assert items[0]["image"] == rocket  # blobs come back verbatim
    assert abs(items[0]["_additional"]["distance"]) < 1e-5


VALIDATION_CASES = [
    # (moduleConfig of the class, expected message after "module 'multi2vec-clip': ")
    (None, "textFields or imageFields setting needs to be present"),
    ({}, "textFields or imageFields setting needs to be present"),
    ({"weights": {"textFields": [1]}}, "textFields or imageFields setting needs to be present"),
    ({"imageFields": "image"}, "imageFields must be an array"),
    ({"textFields": {"name": 1}}, "textFields must be an array"),
    ({"imageFields": []}, "must contain at least one image field name in imageFields"),
    ({"textFields": []}, "must contain at least one text field name in textFields"),
    ({"imageFields": [1]}, "imageField must be a string"),
    ({"textFields": [None]}, "textField must be a string"),
    ({"imageFields": [""]}, "imageField values cannot be empty"),
    ({"textFields": ["name", ""]}, "textField values cannot be empty"),
    ({"imageFields": ["image"], "weights": {"imageFields": [0.5, 0.5]}},
     "weights.imageFields does not equal number of imageFields"),
    ({"textFields": ["name"], "weights": {"textFields": []}}, "weights.textFields does not equal number of textFields"),
    ({"textFields": ["name"], "weights": {"textFields": [True]}}, "Unrecognized weight entry type: bool"),
    ({"textFields": ["name"], "weights": {"textFields": [None]}}, "Unrecognized weight entry type: <nil>"),
    ({"imageFields": ["image"], "weights": {"imageFields": [[1]]}}, "Unrecognized weight entry type: []interface {}"),
    ({"textFields": ["name"], "weights": {"textFields": ["heavy"]}},
     'strconv.ParseFloat: parsing "heavy": invalid syntax'),
    # imageFields are checked (fields, then weights) before textFields.
    ({"imageFields": [], "textFields": [""]}, "must contain at least one image field name in imageFields"),
    ({"imageFields": ["image"], "textFields": [], "weights": {"imageFields": [1, 2]}},
     "weights.imageFields does not equal number of imageFields"),
]


@pytest.mark.parametrize("module_config,message", VALIDATION_CASES, ids=[m for _, m in VALIDATION_CASES])
def test_module_config_validation(clip_client, clip_iris, module_config, message):
    body = {"class": "Bad", "vectorizer": MODULE,
            "properties": [{"name": "name", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]}]}
    if module_config is not None:
        body["moduleConfig"] = {MODULE: module_config}
    r = requests.post(clip_iris.url + "/v1/schema", json=body, timeout=30)
    assert r.status_code == 422, r.text
    assert r.json() == {"error": [{"message": f"module '{MODULE}': {message}"}]}
    assert requests.get(clip_iris.url + "/v1/schema/Bad", timeout=30).status_code == 404


def test_valid_module_configs_and_defaults(clip_client, clip_iris):
    # Weights as numeric strings and ints are accepted; field names are not checked against properties;
    # with DEFAULT_VECTORIZER_MODULE=multi2vec-clip a class without "vectorizer" gets the module.
    for k, cfg in enumerate([
        {"textFields": ["name"], "weights": {"textFields": ["0.5"]}},
        {"imageFields": ["image", "other"], "weights": {"imageFields": [1, 2]}},
        {"textFields": ["notAProperty"]},
    ]):
        r = requests.post(clip_iris.url + "/v1/schema", json={"class": f"Ok{k}", "moduleConfig": {MODULE: cfg}},
                          timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["vectorizer"] == MODULE
        assert r.json()["moduleConfig"][MODULE] == cfg
    # moduleConfig is immutable on PUT.
    cls = clip_client.schema.get("Ok0")
    cls["moduleConfig"][MODULE]["textFields"] = ["other"]
    r = requests.put(clip_iris.url + "/v1/schema/Ok0", json=cls, timeout=30)
    assert r.status_code == 422, r.text
    # Auto-schema with the module as default vectorizer fails validation, as in Weaviate 1.19.
    r = requests.post(clip_iris.url + "/v1/objects", json={"class": "Auto", "properties": {"name": "x"}}, timeout=30)
    assert r.status_code == 422, r.text
    assert "textFields or imageFields setting needs to be present" in r.text
