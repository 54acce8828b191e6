"""nearText (concept join, moveTo / moveAwayFrom with concepts, ids and beacons) and nearImage through
multi2vec-clip: the query vector Iris uses must be the one the reference's math gives (2.4, 2.5),
re-computed here from `iris inference` outputs."""
from __future__ import annotations

import json

import numpy as np
import pytest

from clip_helpers import IMAGES as IMAGES_DIR
from clip_helpers import (  # noqa: F401  (fixtures)
    MODULE, b64, clip_client, clip_iris, cosine_distance, gql, inference, join_concepts, move_away, move_to,
)

pytestmark = pytest.mark.backends("sqlite", "postgres")

CLS = "Item"
NAMES = ["a red sports car", "a cat sleeping on a sofa", "a cup of hot coffee", "an astronaut in space",
         "a horse in a field", "a rocket launch at night", "ein Hund im Park", "un chat noir", "fresh bread",
         "a black and white photograph"]
IMAGES = ["rocket.jpg", "chelsea.png", "coffee.png", "astronaut.png", "horse.png", "camera.png"]


def uid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012x}"


@pytest.fixture
def items(clip_client, clip_iris, inference):
    """Item: texts (uid 0..9) and images (uid 100..105) in one class; returns {uid: expected vector}."""
    clip_client.schema.create_class({
        "class": CLS, "vectorizer": MODULE,
        "moduleConfig": {MODULE: {"textFields": ["name"], "imageFields": ["image"]}},
        "properties": [{"name": "name", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]}],
    })
    with clip_client.batch(batch_size=50) as batch:
        for k, n in enumerate(NAMES):
            batch.add_data_object({"name": n}, CLS, uuid=uid(k))
        for k, img in enumerate(IMAGES):
            batch.add_data_object({"image": b64(img)}, CLS, uuid=uid(100 + k))
    t, i = inference.vectorize(NAMES, [b64(x) for x in IMAGES])
    vectors = {uid(k): t[k] for k in range(len(NAMES))}
    vectors.update({uid(100 + k): i[k] for k in range(len(IMAGES))})
    return vectors


def near_text_hits(url: str, near: dict, limit: int = 100, cls: str = CLS) -> list[dict]:
    arg = json.dumps(near)
    # GraphQL input objects take unquoted keys.
    for key in ("concepts", "moveTo", "moveAwayFrom", "force", "objects", "beacon", "id", "distance", "certainty"):
        arg = arg.replace(f'"{key}":', f"{key}:")
    result = gql(url, f"{{ Get {{ {cls}(nearText: {arg}, limit: {limit}) {{ _additional {{ id distance }} }} }} }}")
    assert "errors" not in result, result
    return result["data"]["Get"][cls]


def assert_query_vector(hits: list[dict], vectors: dict, query, what: str) -> None:
    """The hits are every stored object, ordered by, and at, their cosine distance to `query`."""
    want = sorted((cosine_distance(query, v), k) for k, v in vectors.items())
    assert len(hits) == len(want), what
    for h in hits:
        d = cosine_distance(query, vectors[h["_additional"]["id"]])
        assert abs(h["_additional"]["distance"] - d) < 2e-5, (what, h, d)
    got = [h["_additional"]["distance"] for h in hits]
    assert got == sorted(got), what
    assert np.allclose(got, [d for d, _ in want], atol=2e-5), what


def test_concepts_are_joined_into_one_text(clip_iris, inference, items):
    url = clip_iris.url
    for concepts in (["car"], ["red car", "fast"], ["a cat.", "sofa"], ["hello,", "world", "again!", "x"],
                     ["", "empty first"], ["Katze", "chat", "猫"]):
        joined = join_concepts(concepts)
        q = inference.text(joined)
        assert_query_vector(near_text_hits(url, {"concepts": concepts}), items, q, f"join {concepts!r} -> {joined!r}")
    # The join is not an average: ["red car", "fast"] is "red car. fast".
    assert join_concepts(["red car", "fast"]) == "red car. fast"
    assert join_concepts(["a cat.", "sofa"]) == "a cat. sofa"


def test_move_to_and_away_with_concepts_ids_and_beacons(clip_iris, inference, items):
    url = clip_iris.url
    v_base = inference.text("space travel")
    cases = []
    # moveTo concepts only.
    near = {"concepts": ["space travel"], "moveTo": {"concepts": ["coffee", "breakfast"], "force": 0.85}}
    cases.append((near, move_to(v_base, inference.text("coffee. breakfast"), 0.85)))
    # moveAwayFrom concepts only.
    near = {"concepts": ["space travel"], "moveAwayFrom": {"concepts": ["rocket"], "force": 0.45}}
    cases.append((near, move_away(v_base, inference.text("rocket"), 0.45)))
    # moveTo objects by id and by beacon (the beacon's class segment is ignored) plus concepts: plain mean.
    near = {"concepts": ["space travel"],
            "moveTo": {"concepts": ["summer"], "force": 0.9,
                       "objects": [{"id": uid(1)}, {"beacon": f"weaviate://localhost/Article/{uid(102)}"}]}}
    target = np.mean([inference.text("summer"), items[uid(1)], items[uid(102)]], axis=0)
    cases.append((near, move_to(v_base, target, 0.9)))
    # Both movements, objects only in moveAwayFrom (beacon without class), moveTo first then away.
    near = {"concepts": ["space travel"],
            "moveTo": {"concepts": ["horse"], "force": 0.3},
            "moveAwayFrom": {"objects": [{"beacon": f"weaviate://localhost/{uid(5)}"}, {"id": uid(103)}], "force": 0.7}}
    v = move_to(v_base, inference.text("horse"), 0.3)
    v = move_away(v, np.mean([items[uid(5)], items[uid(103)]], axis=0), 0.7)
    cases.append((near, v))
    # force 0 means no movement; force 1 moves half way.
    near = {"concepts": ["space travel"], "moveTo": {"concepts": ["bread"], "force": 0}}
    cases.append((near, v_base))
    near = {"concepts": ["space travel"], "moveTo": {"objects": [{"id": uid(104)}], "force": 1}}
    cases.append((near, (v_base + items[uid(104)]) / 2))
    for near, want in cases:
        hits = near_text_hits(url, near)
        assert_query_vector(hits, items, want, json.dumps(near))
        # The same vector through nearVector gives the same hits at the same distances.
        res = gql(url, f"{{ Get {{ {CLS}(nearVector: {{vector: {json.dumps([float(x) for x in want])}}}, limit: 100) "
                       f"{{ _additional {{ id distance }} }} }} }}")
        assert [h["_additional"]["id"] for h in res["data"]["Get"][CLS]][:3] == [h["_additional"]["id"] for h in hits][:3]


def test_movement_errors_and_thresholds(clip_iris, inference, items):
    url = clip_iris.url

    def error(arg: str) -> str:
        res = gql(url, f"{{ Get {{ {CLS}(nearText: {arg}) {{ name }} }} }}")
        assert res.get("errors"), res
        return res["errors"][0]["message"]

    assert "force must be between 0 and 1" in error('{concepts: ["a"], moveTo: {concepts: ["b"], force: 1.5}}')
    # A force past Int64 once stopped the server while the message was formatted.
    assert ("movement: force must be between 0 and 1: got 100000000000000001097906362944045541740492309677311846"
            in error('{concepts: ["a"], moveTo: {concepts: ["b"], force: 1e308}}'))
    assert "'nearText.moveTo' parameter needs to have defined either 'concepts' or 'objects' fields" in error(
        '{concepts: ["a"], moveTo: {force: 0.5}}')
    assert "'nearText.moveAwayFrom' parameter needs to have defined either 'concepts' or 'objects' fields" in error(
        '{concepts: ["a"], moveAwayFrom: {force: 0.5}}')
    assert "nearText cannot provide both distance and certainty" in error('{concepts: ["a"], distance: 0.3, certainty: 0.8}')
    assert error('{concepts: ["a"], moveTo: {objects: [{id: "00000000-0000-4000-8000-00000000ffff"}], force: 0.5}}')
    # certainty / distance thresholds without a limit.
    q = inference.text("a cat")
    dists = sorted(cosine_distance(q, v) for v in items.values())
    cut = (dists[3] + dists[4]) / 2
    res = gql(url, f'{{ Get {{ {CLS}(nearText: {{concepts: ["a cat"], distance: {cut}}}) {{ _additional {{ distance }} }} }} }}')
    assert len(res["data"]["Get"][CLS]) == 4, res
    res = gql(url, f'{{ Get {{ {CLS}(nearText: {{concepts: ["a cat"], certainty: {1 - cut / 2}}}) '
                   f'{{ _additional {{ certainty }} }} }} }}')
    assert len(res["data"]["Get"][CLS]) == 4, res


def test_near_image_finds_the_imported_image_first(clip_client, clip_iris, inference, items):
    url = clip_iris.url
    for k, img in enumerate(IMAGES):
        res = clip_client.query.get(CLS, ["name"]).with_near_image({"image": b64(img)}, encode=False) \
            .with_additional(["id", "distance"]).with_limit(3).do()
        hits = res["data"]["Get"][CLS]
        assert hits[0]["_additional"]["id"] == uid(100 + k), (img, hits)
        assert abs(hits[0]["_additional"]["distance"]) < 1e-5, hits
    # The client's own file helper (encode=True reads and base64-encodes the file).
    res = clip_client.query.get(CLS).with_near_image({"image": str(IMAGES_DIR / "coffee.png")}) \
        .with_additional(["id", "distance"]).with_limit(1).do()
    assert res["data"]["Get"][CLS][0]["_additional"]["id"] == uid(102), res
    # A variant of the same photo lands close to its original.
    res = clip_client.query.get(CLS).with_near_image({"image": b64("variant_progressive.jpg")}, encode=False) \
        .with_additional(["id", "distance"]).with_limit(1).do()
    assert res["data"]["Get"][CLS][0]["_additional"]["id"] == uid(100), res
    # Undecodable or empty images: GraphQL errors, and the server keeps serving.
    for bad in ("bm90IGFuIGltYWdl", ""):
        res = gql(url, f'{{ Get {{ {CLS}(nearImage: {{image: "{bad}"}}) {{ name }} }} }}')
        assert res.get("errors"), res
    assert "'nearImage.image' needs to be defined" in json.dumps(res)
    # Explore and Aggregate with nearText / nearImage.
    res = gql(url, '{ Explore(nearText: {concepts: ["a cup of hot coffee"]}, limit: 3) { beacon className distance } }')
    assert "errors" not in res, res
    assert res["data"]["Explore"][0]["beacon"].endswith(uid(2)), res
    assert abs(res["data"]["Explore"][0]["distance"]) < 1e-5
    res = gql(url, f'{{ Explore(nearImage: {{image: "{b64("horse.png")}"}}, limit: 1) {{ beacon distance }} }}')
    assert res["data"]["Explore"][0]["beacon"].endswith(uid(104)), res
    res = gql(url, f'{{ Aggregate {{ {CLS}(nearText: {{concepts: ["coffee"]}}, objectLimit: 5) {{ meta {{ count }} }} }} }}')
    assert "errors" not in res, res
    assert res["data"]["Aggregate"][CLS][0]["meta"]["count"] == 5, res


def test_near_text_and_image_rejected_without_the_module(clip_client, clip_iris, items):
    url = clip_iris.url
    clip_client.schema.create_class({"class": "Plain", "vectorizer": "none",
                                     "properties": [{"name": "name", "dataType": ["text"]}]})
    clip_client.data_object.create({"name": "x"}, "Plain", vector=[0.1] * 32)
    for arg in ('nearText: {concepts: ["x"]}', f'nearImage: {{image: "{b64("horse.png")}"}}'):
        res = gql(url, f"{{ Get {{ Plain({arg}) {{ name }} }} }}")
        assert res.get("errors"), res
    # The class's Get field has no such argument (Weaviate: `Unknown argument "nearText" on field "Plain" …`).
    res = gql(url, '{ Get { Plain(nearText: {concepts: ["x"]}) { name } } }')
    assert '"nearText"' in res["errors"][0]["message"] and "Plain" in res["errors"][0]["message"], res
    # The CLIP class next to it still answers.
    assert near_text_hits(url, {"concepts": ["x"]}, limit=1)
