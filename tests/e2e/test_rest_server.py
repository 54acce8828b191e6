"""Server-level behaviour: root/meta/probes/nodes, configuration errors, graceful shutdown (metrics: test_rest_cors_metrics.py)."""
import json
import os
import signal
import subprocess

import pytest
import requests

from conftest import BASE_ENV, error_messages, free_port


def test_root_meta_and_probes(iris):
    r = requests.get(iris.url + "/", allow_redirects=False)
    assert r.status_code == 301 and r.headers["Location"] == "/v1"
    links = requests.get(iris.url + "/v1").json()["links"]
    assert {"/v1/meta", "/v1/schema"} <= {link["href"] for link in links}

    meta = requests.get(iris.url + "/v1/meta").json()
    assert meta["version"] == "1.27.0"
    assert meta["modules"] == {}
    assert meta["hostname"].endswith(f":{iris.port}")

    for probe in ("live", "ready"):
        r = requests.get(iris.url + f"/v1/.well-known/{probe}")
        assert r.status_code == 200 and r.content == b""
    assert requests.get(iris.url + "/v1/.well-known/openid-configuration").status_code == 404


def test_nodes(client, iris):
    client.schema.create_class({"class": "Counted"})
    for i in range(3):
        client.data_object.create({"i": i}, "Counted")
    node = requests.get(iris.url + "/v1/nodes").json()["nodes"][0]
    assert node["name"] == "node1"
    assert node["status"] == "HEALTHY"
    assert node["version"] == "1.27.0"
    assert node["stats"] == {"shardCount": 1, "objectCount": 3}
    assert [(s["class"], s["objectCount"]) for s in node["shards"]] == [("Counted", 3)]
    assert node["shards"][0]["vectorIndexingStatus"] == "READY"
    # Weaviate >= 1.24: one class's shards, and `output=minimal` without them.
    client.schema.create_class({"class": "Other"})
    node = requests.get(iris.url + "/v1/nodes/Counted?output=verbose").json()["nodes"][0]
    assert [(s["class"], s["objectCount"]) for s in node["shards"]] == [("Counted", 3)]
    node = requests.get(iris.url + "/v1/nodes?output=minimal").json()["nodes"][0]
    assert "shards" not in node and node["stats"]["shardCount"] == 2
    r = requests.get(iris.url + "/v1/nodes/Nope")
    assert r.status_code == 404 and r.json()["error"][0]["message"] == "class 'Nope' not found"
    assert requests.get(iris.url + "/v1/nodes?output=everything").status_code == 422


def test_graphql_route_with_empty_schema(client, iris):
    r = requests.post(iris.url + "/v1/graphql", json={"query": "{Get{Nope{x}}}"})
    assert r.status_code == 422
    assert error_messages(r) == [
        "no graphql provider present, this is most likely because no schema is present. Import a schema first!"]


@pytest.mark.parametrize("env,variable", [
    ({"QUERY_MAXIMUM_RESULTS": "lots"}, "QUERY_MAXIMUM_RESULTS"),
    ({"QUERY_DEFAULTS_LIMIT": "-1"}, "QUERY_DEFAULTS_LIMIT"),
    ({"AUTOSCHEMA_ENABLED": "perhaps"}, "AUTOSCHEMA_ENABLED"),
    ({"IRIS_MAX_BODY_BYTES": "0"}, "IRIS_MAX_BODY_BYTES"),
    ({"IRIS_MAX_BODY_VALUES": "-5"}, "IRIS_MAX_BODY_VALUES"),
    ({"DEFAULT_VECTOR_DISTANCE_METRIC": "euclid"}, "DEFAULT_VECTOR_DISTANCE_METRIC"),
    ({"DEFAULT_VECTORIZER_MODULE": "text2vec-openai"}, "DEFAULT_VECTORIZER_MODULE"),
    ({"ENABLE_MODULES": "no-such-module"}, "ENABLE_MODULES"),
    ({"GRPC_PORT": "fifty"}, "GRPC_PORT"),
    ({"GRPC_MAX_MESSAGE_SIZE": "0"}, "GRPC_MAX_MESSAGE_SIZE"),
])
def test_bad_configuration_stops_start_up(iris_factory, env, variable):
    server = iris_factory(env, wait=False)
    assert server.proc.wait(timeout=30) != 0
    assert variable in server.log_tail()


def test_empty_data_path_stops_start_up(iris_bin, tmp_path):
    proc = subprocess.run([str(iris_bin), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
                          env={**os.environ, **BASE_ENV, "PERSISTENCE_DATA_PATH": ""},
                          capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert proc.returncode != 0
    assert "PERSISTENCE_DATA_PATH" in proc.stderr


def test_defaults_and_distance_from_environment(iris_factory):
    server = iris_factory({"DEFAULT_VECTOR_DISTANCE_METRIC": "dot", "CLUSTER_HOSTNAME": "iris-a", "LOG_FORMAT": "text"})
    r = requests.post(server.url + "/v1/schema", json={"class": "Dotted"})
    assert r.json()["vectorIndexConfig"]["distance"] == "dot"
    assert requests.get(server.url + "/v1/nodes").json()["nodes"][0]["name"] == "iris-a"
    assert "level=info" in server.log_tail()


def test_json_logs_by_default(iris_factory):
    server = iris_factory()
    lines = [l for l in server.log_tail().splitlines() if l.startswith("{")]
    assert lines, server.log_tail()
    record = json.loads(lines[0])
    assert {"level", "msg", "time"} <= set(record)


def test_graceful_shutdown_keeps_data(iris_factory):
    server = iris_factory()
    requests.post(server.url + "/v1/schema", json={"class": "Kept"}).raise_for_status()
    objects = [{"class": "Kept", "properties": {"i": i}, "vector": [i, 1.0, 0.5]} for i in range(50)]
    assert requests.post(server.url + "/v1/batch/objects", json={"objects": objects}).status_code == 200
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=30) == 0
    server.start()
    stored = requests.get(server.url + "/v1/objects", params={"class": "Kept", "limit": 100,
                                                              "include": "vector"}).json()["objects"]
    assert sorted((o["properties"]["i"], tuple(o["vector"])) for o in stored) == [
        (i, (i, 1, 0.5)) for i in range(50)]
