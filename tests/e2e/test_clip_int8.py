"""IRIS_CLIP_PRECISION=int8 end to end (issue #15): the server loads the CLIP towers with int8 Linear
layers, says so in /v1/meta, and stores vectors within the measured fidelity of the fp32 ones that
`iris inference` (fp32) computes for the same images and texts."""
import subprocess

import pytest
import requests

from clip_helpers import MODULE, b64, cosine_distance, inference, post_json, start_embedded, stored_vector  # noqa: F401

IMAGES = ["astronaut.png", "chelsea.png", "coffee.png", "horse.png", "rocket.jpg"]


def test_int8_server_reports_precision_and_stays_close_to_fp32(iris_factory, inference):  # noqa: F811
    server = start_embedded(iris_factory, IRIS_CLIP_PRECISION="int8")
    meta = requests.get(server.url + "/v1/meta", timeout=10).json()["modules"][MODULE]
    assert meta["precision"] == "int8", meta
    # The kernels this CPU runs: any x86-64 CI machine has AVX2 at least.
    assert meta["kernels"] in ("avx2", "avx512"), meta
    assert meta["int8_kernel"] in ("avx2", "avx-vnni", "avx512-vnni", "amx"), meta
    fp32_meta = requests.get(inference.url + "/meta", timeout=10).json()
    assert fp32_meta["precision"] == "fp32" and "int8_kernel" not in fp32_meta, fp32_meta

    r = post_json(server.url + "/v1/schema", {
        "class": "Photo", "vectorizer": MODULE,
        "moduleConfig": {MODULE: {"imageFields": ["image"]}},
        "properties": [{"name": "image", "dataType": ["blob"]}]})
    assert r.status_code == 200, r.text
    for i, name in enumerate(IMAGES):
        uid = f"00000000-0000-4000-8000-{i:012x}"
        r = post_json(server.url + "/v1/objects", {"class": "Photo", "id": uid, "properties": {"image": b64(name)}})
        assert r.status_code == 200, r.text
        got = stored_vector(server.url, "Photo", uid)
        want = inference.image(b64(name))
        assert cosine_distance(got, want) < 0.01, (name, cosine_distance(got, want))
        assert cosine_distance(got, want) > 0, f"{name}: the int8 path gave exactly the fp32 vector"


def test_bad_precision_stops_start_up_with_the_variable_named(iris_bin, tmp_path):
    result = subprocess.run([str(iris_bin), "embed", "--clip-model", "x", "--precision", "int4", "--text", "hello"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "int4" in result.stderr, result.stderr
    env = {"PATH": "/usr/bin:/bin", "IRIS_CLIP_PRECISION": "int4", "PERSISTENCE_DATA_PATH": str(tmp_path)}
    result = subprocess.run([str(iris_bin), "inference", "--clip-model", "x"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 78 and "IRIS_CLIP_PRECISION" in result.stderr, result.stderr
