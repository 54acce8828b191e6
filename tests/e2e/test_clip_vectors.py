"""Stored object vectors = the weighted combination (reference 2.3 plus Iris's deliberate differences)
of the field vectors a running `iris inference` returns for the same models, on every write path."""
from __future__ import annotations

import numpy as np
import pytest
import requests

from clip_helpers import (  # noqa: F401  (fixtures)
    MODULE, assert_close, b64, clip_client, clip_iris, combine, inference, stored_vector,
)

pytestmark = pytest.mark.backends("sqlite", "postgres")

CLS = "Mixed"


def uid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012x}"


def create_classes(client):
    props = [("title", "text"), ("caption", "text"), ("tags", "text[]"), ("image", "blob"), ("photo", "blob"),
             ("note", "text"), ("count", "int")]
    properties = [{"name": n, "dataType": [t]} for n, t in props]
    # Weighted: the text weights weigh the text fields (fixed in Iris; 1.19 read the image weights).
    client.schema.create_class({
        "class": CLS, "vectorizer": MODULE, "properties": properties,
        "moduleConfig": {MODULE: {"textFields": ["title", "caption", "tags"], "imageFields": ["image", "photo"],
                                  "weights": {"textFields": [0.5, 0.2, 0.1], "imageFields": [0.15, 0.05]}}},
    })
    # Unweighted: equal weights, i.e. the plain mean.
    client.schema.create_class({
        "class": "Plain", "vectorizer": MODULE, "properties": properties,
        "moduleConfig": {MODULE: {"textFields": ["title", "caption", "tags"], "imageFields": ["image", "photo"]}},
    })
    # Weights for the images only: each text field weighs 1.
    client.schema.create_class({
        "class": "ImageWeights", "vectorizer": MODULE, "properties": properties,
        "moduleConfig": {MODULE: {"textFields": ["title"], "imageFields": ["image", "photo"],
                                  "weights": {"imageFields": [3, 1]}}},
    })


TEXT_W = {"title": 0.5, "caption": 0.2, "tags": 0.1}
IMAGE_W = {"image": 0.15, "photo": 0.05}

CASES = [
    {"title": "a red rocket"},
    {"tags": ["space", "launch", "night"]},
    {"image": "rocket.jpg"},
    {"photo": "chelsea.png"},
    {"title": "a cat on a sofa", "image": "chelsea.png"},
    {"title": "coffee", "caption": "a cup of espresso", "tags": ["morning"], "image": "coffee.png", "photo": "horse.png"},
    {"caption": "Ein Pferd auf der Wiese", "photo": "horse.png", "note": "not vectorised", "count": 3},
    {"tags": ["one"], "image": "astronaut.png", "photo": "camera.png"},
    {"title": "", "tags": []},  # an empty string is a text; an empty list contributes nothing
]


def expected(inference, case: dict, text_w: dict | None, image_w: dict | None,
             text_fields=("title", "caption", "tags"), image_fields=("image", "photo")):
    """The vector Iris must store for `case`: textFields in config order (text[] = one text per element,
    each with the field's weight), then imageFields in config order."""
    texts, images, weights = [], [], []
    for f in text_fields:
        if f in case:
            values = case[f] if isinstance(case[f], list) else [case[f]]
            for v in values:
                texts.append(v)
                weights.append(text_w[f] if text_w else 1.0)
    for f in image_fields:
        if f in case:
            images.append(b64(case[f]))
            weights.append(image_w[f] if image_w else 1.0)
    if not texts and not images:
        return None
    t, i = inference.vectorize(texts, images)
    vectors = list(t) + list(i)
    return combine(vectors, weights if (text_w or image_w) else None)


def props(case: dict) -> dict:
    return {k: (b64(v) if k in ("image", "photo") else v) for k, v in case.items()}


def test_batch_create_replace_and_weights(clip_client, clip_iris, inference):
    url = clip_iris.url
    create_classes(clip_client)
    # Batch: one request per class with every case (Iris vectorises each class's batch in one model call).
    for cls in (CLS, "Plain"):
        body = {"objects": [{"class": cls, "id": uid(k), "properties": props(c)} for k, c in enumerate(CASES)]}
        r = requests.post(url + "/v1/batch/objects", json=body, timeout=120)
        assert r.status_code == 200, r.text
        assert all("errors" not in (item.get("result") or {}) for item in r.json()), r.text
    for k, case in enumerate(CASES):
        for cls, tw, iw in ((CLS, TEXT_W, IMAGE_W), ("Plain", None, None)):
            want = expected(inference, case, tw, iw)
            got = stored_vector(url, cls, uid(k))
            if want is None:
                assert got is None, (cls, case)
            else:
                assert got is not None, (cls, case)
                assert_close(got, want, 1e-5, f"batch {cls} {case}")

    # Image-only weights: the text field weighs 1, images 3 and 1 (then all normalised to sum 1).
    case = {"title": "a horse", "image": "horse.png", "photo": "rocket.jpg"}
    r = requests.post(url + "/v1/objects", json={"class": "ImageWeights", "id": uid(100), "properties": props(case)},
                      timeout=60)
    assert r.status_code == 200, r.text
    want = expected(inference, case, {"title": 1.0}, {"image": 3.0, "photo": 1.0}, text_fields=("title",))
    assert_close(r.json()["vector"], want, 1e-5, "create response vector")
    assert_close(stored_vector(url, "ImageWeights", uid(100)), want, 1e-5, "ImageWeights")

    # Create (the client), replace (PUT) re-vectorises from the new properties.
    first = {"title": "a cup", "image": "coffee.png"}
    clip_client.data_object.create(props(first), CLS, uuid=uid(200))
    assert_close(stored_vector(url, CLS, uid(200)), expected(inference, first, TEXT_W, IMAGE_W), 1e-5, "create")
    second = {"caption": "an astronaut", "photo": "astronaut.png", "tags": ["nasa", "space"]}
    clip_client.data_object.replace(props(second), CLS, uid(200))
    assert_close(stored_vector(url, CLS, uid(200)), expected(inference, second, TEXT_W, IMAGE_W), 1e-5, "replace")


def test_patch_user_vector_and_nothing_to_vectorise(clip_client, clip_iris, inference):
    url = clip_iris.url
    create_classes(clip_client)
    case = {"title": "a camera", "photo": "camera.png", "note": "first"}
    clip_client.data_object.create(props(case), CLS, uuid=uid(1))
    v1 = stored_vector(url, CLS, uid(1))
    assert_close(v1, expected(inference, case, TEXT_W, IMAGE_W), 1e-5, "create")

    # PATCH of a field that is not vectorised keeps the vector (byte for byte).
    r = requests.patch(f"{url}/v1/objects/{CLS}/{uid(1)}", json={"class": CLS, "properties": {"note": "second", "count": 7}},
                       timeout=60)
    assert r.status_code == 204, r.text
    assert np.array_equal(stored_vector(url, CLS, uid(1)), v1)

    # PATCH of a vectorised field re-vectorises from the merged properties.
    clip_client.data_object.update({"caption": "grayscale photographer"}, CLS, uid(1))
    merged = dict(case, caption="grayscale photographer")
    assert_close(stored_vector(url, CLS, uid(1)), expected(inference, merged, TEXT_W, IMAGE_W), 1e-5, "patch")

    # PATCH removing a vectorised field (null) re-vectorises too.
    r = requests.patch(f"{url}/v1/objects/{CLS}/{uid(1)}", json={"class": CLS, "properties": {"photo": None}}, timeout=60)
    assert r.status_code == 204, r.text
    merged.pop("photo")
    assert_close(stored_vector(url, CLS, uid(1)), expected(inference, merged, TEXT_W, IMAGE_W), 1e-5, "patch null")

    # A user-supplied vector wins on create, batch, replace and patch (stored as float32).
    user = [float(x) for x in np.linspace(-1, 1, 32)]
    clip_client.data_object.create(props({"title": "ignored"}), "Plain", uuid=uid(2), vector=user)
    assert_close(stored_vector(url, "Plain", uid(2)), user, 1e-6, "user vector on create")
    user2 = list(reversed(user))
    r = requests.post(url + "/v1/batch/objects", json={"objects": [
        {"class": "Plain", "id": uid(3), "properties": props({"image": "rocket.jpg"}), "vector": user2}]}, timeout=60)
    assert r.status_code == 200 and "errors" not in r.json()[0]["result"], r.text
    assert_close(stored_vector(url, "Plain", uid(3)), user2, 1e-6, "user vector in batch")
    clip_client.data_object.replace(props({"title": "still ignored"}), "Plain", uid(2), vector=user2)
    assert_close(stored_vector(url, "Plain", uid(2)), user2, 1e-6, "user vector on replace")
    r = requests.patch(f"{url}/v1/objects/Plain/{uid(2)}",
                       json={"class": "Plain", "properties": {"title": "x"}, "vector": user}, timeout=60)
    assert r.status_code == 204, r.text
    assert_close(stored_vector(url, "Plain", uid(2)), user, 1e-6, "user vector on patch")

    # Nothing to vectorise: stored without a vector, and invisible to vector search.
    for k, p in enumerate([{}, {"note": "only a note", "count": 1}, {"tags": []}]):
        r = requests.post(url + "/v1/objects", json={"class": "Plain", "id": uid(10 + k), "properties": p}, timeout=60)
        assert r.status_code == 200, r.text
        assert not r.json().get("vector"), r.text
        assert stored_vector(url, "Plain", uid(10 + k)) is None
    res = clip_client.query.get("Plain", ["note"]).with_near_vector({"vector": user}).with_additional(["id"]).do()
    ids = {h["_additional"]["id"] for h in res["data"]["Get"]["Plain"]}
    assert ids == {uid(2), uid(3)}, res
    # Adding a vectorised field later by PATCH gives the object its vector.
    r = requests.patch(f"{url}/v1/objects/Plain/{uid(11)}", json={"class": "Plain", "properties": {"title": "now"}},
                       timeout=60)
    assert r.status_code == 204, r.text
    assert_close(stored_vector(url, "Plain", uid(11)), inference.text("now"), 1e-5, "patch adds the first field")


def test_python_client_batch_with_many_objects(clip_client, clip_iris, inference):
    """The client's own batching (several requests) over a mixed import; every object checked."""
    url = clip_iris.url
    create_classes(clip_client)
    images = ["rocket.jpg", "chelsea.png", "coffee.png", "astronaut.png", "horse.png", "camera.png",
              "variant_palette.png", "variant_cmyk.jpg", "variant_lossless.webp", "variant_anim.gif"]
    cases = [{"title": f"item number {k}", "image": images[k % len(images)]} for k in range(30)]
    clip_client.batch.configure(batch_size=8, dynamic=False)
    with clip_client.batch as batch:
        for k, c in enumerate(cases):
            batch.add_data_object(props(c), CLS, uuid=uid(k))
    t, i = inference.vectorize([c["title"] for c in cases], [b64(c["image"]) for c in cases])
    for k in range(len(cases)):
        want = combine([t[k], i[k]], [0.5, 0.15])
        assert_close(stored_vector(url, CLS, uid(k)), want, 1e-5, f"object {k}")
