"""Remote mode (CLIP_INFERENCE_API -> a second process running `iris inference`) against embedded mode,
the number of inference calls Iris makes, and an inference outage with recovery (reference 2.1, 2.6)."""
from __future__ import annotations

import time

import numpy as np
import pytest
import requests

from clip_helpers import (  # noqa: F401  (fixtures)
    EMBEDDED_ENV, MODULE, CountingProxy, InferenceProcess, b64, clip_client, clip_iris, gql, inference,
    stored_vector,
)
from conftest import free_port, make_client

CLASS = {
    "class": "Photo", "vectorizer": MODULE,
    "moduleConfig": {MODULE: {"textFields": ["title", "tags"], "imageFields": ["image"],
                              "weights": {"textFields": [2, 1], "imageFields": [1]}}},
    "properties": [{"name": "title", "dataType": ["text"]}, {"name": "tags", "dataType": ["text[]"]},
                   {"name": "image", "dataType": ["blob"]}, {"name": "note", "dataType": ["text"]}],
}
IMAGES = ["rocket.jpg", "chelsea.png", "coffee.png", "astronaut.png", "horse.png", "camera.png",
          "variant_rgba.png", "variant_gray16.png", "variant_exif_rot6.jpg", "variant_rocket.bmp"]


def uid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012x}"


def objects(n: int = 12) -> list[dict]:
    return [{"class": "Photo", "id": uid(k), "properties": {
        "title": f"photo {k}", "tags": ["tag", f"t{k}"], "image": b64(IMAGES[k % len(IMAGES)])}} for k in range(n)]


def remote_env(api: str) -> dict:
    return {"ENABLE_MODULES": MODULE, "DEFAULT_VECTORIZER_MODULE": MODULE, "CLIP_INFERENCE_API": api}


@pytest.fixture
def proxy(inference):
    p = CountingProxy(inference.url)
    yield p
    p.close()


def test_remote_equals_embedded_and_batches_in_one_call(iris_factory, clip_client, clip_iris, proxy):
    remote = iris_factory(remote_env(proxy.url))
    rclient = make_client(remote.url)
    for client in (clip_client, rclient):
        client.schema.create_class(CLASS)
    proxy.calls.clear()
    batch = objects()
    for server in (clip_iris, remote):
        r = requests.post(server.url + "/v1/batch/objects", json={"objects": batch}, timeout=120)
        assert r.status_code == 200 and all("errors" not in o["result"] for o in r.json()), r.text
    # One /vectorize call for the whole batch: 12 objects x (title + 2 tags) texts and 12 images.
    assert proxy.vectorize_calls() == [(36, 12)], proxy.calls
    for k in range(len(batch)):
        e, r = stored_vector(clip_iris.url, "Photo", uid(k)), stored_vector(remote.url, "Photo", uid(k))
        assert np.array_equal(e, r), (k, np.max(np.abs(e - r)))

    # Create, PATCH without and with a vectorised field, nearText with a movement, nearImage.
    proxy.calls.clear()
    for server in (clip_iris, remote):
        r = requests.post(server.url + "/v1/objects", json={"class": "Photo", "id": uid(50), "properties": {
            "title": "über den Wolken", "image": b64("astronaut.png")}}, timeout=60)
        assert r.status_code == 200, r.text
        r = requests.patch(f"{server.url}/v1/objects/Photo/{uid(50)}", json={"properties": {"note": "n"}}, timeout=60)
        assert r.status_code == 204, r.text
    assert proxy.vectorize_calls() == [(1, 1)], proxy.calls  # the PATCH of `note` did not call
    for server in (clip_iris, remote):
        r = requests.patch(f"{server.url}/v1/objects/Photo/{uid(50)}", json={"properties": {"tags": ["a", "b"]}},
                           timeout=60)
        assert r.status_code == 204, r.text
    assert proxy.vectorize_calls() == [(1, 1), (3, 1)], proxy.calls
    assert np.array_equal(stored_vector(clip_iris.url, "Photo", uid(50)), stored_vector(remote.url, "Photo", uid(50)))

    proxy.calls.clear()
    query = ('{ Get { Photo(nearText: {concepts: ["a cat", "indoors"], moveTo: {concepts: ["sofa"], force: 0.5}, '
             'moveAwayFrom: {objects: [{id: "%s"}], force: 0.3}}) { _additional { id distance } } } }' % uid(0))
    embedded_hits = gql(clip_iris.url, query)["data"]["Get"]["Photo"]
    remote_hits = gql(remote.url, query)["data"]["Get"]["Photo"]
    assert embedded_hits == remote_hits and len(remote_hits) == 13
    assert proxy.vectorize_calls() == [(1, 0), (1, 0)], proxy.calls  # concepts, then the moveTo concepts
    query = '{ Get { Photo(nearImage: {image: "%s"}, limit: 3) { _additional { id distance } } } }' % b64("horse.png")
    assert gql(clip_iris.url, query) == gql(remote.url, query)
    # /v1/meta lists the module with the service's /meta, in both modes.
    meta = requests.get(proxy.url + "/meta", timeout=30).json()
    for server in (clip_iris, remote):
        assert requests.get(server.url + "/v1/meta", timeout=30).json()["modules"] == {MODULE: meta}


def test_inference_outage_gives_clear_errors_and_recovers(iris_factory, iris_bin, tmp_path):
    service = InferenceProcess(iris_bin, tmp_path / "inference.log").start()
    try:
        server = iris_factory(remote_env(service.url))
        url = server.url
        client = make_client(url)
        client.schema.create_class(CLASS)
        r = requests.post(url + "/v1/objects", json={"class": "Photo", "id": uid(1), "properties": {
            "title": "before", "image": b64("coffee.png")}}, timeout=60)
        assert r.status_code == 200, r.text

        service.kill()
        # Object create and replace need the service: 500 with a message naming the failed call.
        r = requests.post(url + "/v1/objects", json={"class": "Photo", "properties": {"title": "during"}}, timeout=60)
        assert r.status_code == 500, r.text
        message = r.json()["error"][0]["message"]
        assert "vectorize" in message and service.url in message and "connection refused" in message, message
        r = requests.put(f"{url}/v1/objects/Photo/{uid(1)}", json={"class": "Photo", "properties": {"title": "x"}},
                         timeout=60)
        assert r.status_code == 500, r.text
        # Batch: 200 with the error on each item that needed the service; the others are written.
        r = requests.post(url + "/v1/batch/objects", json={"objects": [
            {"class": "Photo", "id": uid(2), "properties": {"title": "needs the service"}},
            {"class": "Photo", "id": uid(3), "properties": {"title": "has a vector"}, "vector": [0.5] * 32},
            {"class": "Photo", "id": uid(4), "properties": {"note": "nothing to vectorise"}},
        ]}, timeout=60)
        assert r.status_code == 200, r.text
        results = [item["result"] for item in r.json()]
        assert "connection refused" in results[0]["errors"]["error"][0]["message"], results
        assert "errors" not in results[1] and "errors" not in results[2], results
        # nearText / nearImage: GraphQL errors[] and a null class.
        res = gql(url, '{ Get { Photo(nearText: {concepts: ["x"]}) { title } } }')
        assert "connection refused" in res["errors"][0]["message"], res
        assert res["data"]["Get"]["Photo"] is None, res
        res = gql(url, '{ Get { Photo(nearImage: {image: "%s"}) { title } } }' % b64("horse.png"))
        assert res["errors"], res
        # Everything else keeps working.
        assert requests.get(f"{url}/v1/objects/Photo/{uid(1)}", timeout=30).status_code == 200
        assert requests.patch(f"{url}/v1/objects/Photo/{uid(1)}", json={"properties": {"note": "ok"}},
                              timeout=30).status_code == 204
        res = gql(url, '{ Get { Photo(nearVector: {vector: %s}) { _additional { id } } } }' % ([0.5] * 32))
        assert {h["_additional"]["id"] for h in res["data"]["Get"]["Photo"]} == {uid(1), uid(3)}, res
        res = gql(url, '{ Get { Photo(nearObject: {id: "%s"}) { _additional { id } } } }' % uid(1))
        assert "errors" not in res, res
        client.schema.create_class({"class": "Other", "vectorizer": "none"})
        client.data_object.create({"a": "b"}, "Other", vector=[1, 2, 3])
        assert requests.get(url + "/v1/meta", timeout=30).status_code == 200  # the last /meta answer is kept
        assert requests.get(url + "/v1/.well-known/ready", timeout=30).status_code == 200

        # The service comes back on the same address: Iris recovers without a restart.
        service.start()
        r = requests.post(url + "/v1/objects", json={"class": "Photo", "id": uid(5), "properties": {"title": "after"}},
                          timeout=60)
        assert r.status_code == 200, r.text
        assert np.allclose(r.json()["vector"], service.text("after"), atol=1e-6)
        res = gql(url, '{ Get { Photo(nearText: {concepts: ["after"]}, limit: 1) { _additional { id distance } } } }')
        assert res["data"]["Get"]["Photo"][0]["_additional"]["id"] == uid(5), res
    finally:
        service.kill()


def test_startup_waits_for_the_inference_service(iris_factory, iris_bin, tmp_path):
    port = free_port()
    server = iris_factory(remote_env(f"http://127.0.0.1:{port}"), wait=False)
    time.sleep(2.5)
    assert server.running
    with pytest.raises(requests.RequestException):
        requests.get(server.url + "/v1/.well-known/ready", timeout=1)
    service = InferenceProcess(iris_bin, tmp_path / "inference.log", port=port).start()
    try:
        server.wait_ready(30)
        assert MODULE in requests.get(server.url + "/v1/meta", timeout=30).json()["modules"]
    finally:
        service.kill()


@pytest.mark.parametrize("env,message", [
    ({"CLIP_INFERENCE_API": "ftp://example.org"}, "is not an http(s) URL"),
    ({"CLIP_MODEL_DIR": "/nonexistent/clip"}, "cannot load the CLIP model"),
    ({"ENABLE_MODULES": "text2vec-nope"}, "text2vec-nope"),
    ({"IRIS_CLIP_THREADS": "0"}, "IRIS_CLIP_THREADS"),
])
def test_bad_module_configuration_stops_startup(iris_factory, env, message):
    merged = {"ENABLE_MODULES": MODULE, "DEFAULT_VECTORIZER_MODULE": "none"}
    merged.update(env)
    server = iris_factory(merged, wait=False)
    assert server.proc.wait(30) == 78
    assert message in server.log_tail()


def test_embedded_is_the_default(iris_factory):
    # No CLIP_INFERENCE_API: the models are loaded in-process (the env of the session server).
    server = iris_factory(dict(EMBEDDED_ENV))
    assert "CLIP models loaded in-process" in server.log_tail()
