"""Operations conventions of Weaviate 1.19 (issue #17): Prometheus metrics on their own port when
PROMETHEUS_MONITORING_ENABLED is on, and CORS answered as Weaviate answers it (CORS_ALLOW_ORIGIN restricts
the allowed origins)."""
import socket

import pytest
import requests

from conftest import free_port

# Weaviate 1.19.13's preflight answer (adapters/handlers/rest/middlewares.go, addPreflight).
ALLOW_HEADERS = ("Content-Type, Authorization, Batch, X-Openai-Api-Key, X-Cohere-Api-Key, "
                 "X-Huggingface-Api-Key, X-Azure-Api-Key, X-Palm-Api-Key")


def metrics_env(port: int) -> dict:
    return {"PROMETHEUS_MONITORING_ENABLED": "true", "PROMETHEUS_MONITORING_PORT": str(port)}


def test_metrics_on_their_own_port(iris_factory):
    port = free_port()
    server = iris_factory(metrics_env(port))
    requests.post(server.url + "/v1/schema", json={"class": "Metered"}).raise_for_status()
    for a in (1, 2):
        requests.post(server.url + "/v1/objects", json={"class": "Metered", "properties": {"a": a}}).raise_for_status()
    requests.get(server.url + "/v1/objects/Metered/00000000-0000-4000-8000-000000000000")

    r = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    text = r.text
    assert 'iris_objects{class="Metered"} 2' in text
    lines = [l for l in text.splitlines() if l.startswith("iris_http_requests_total{")]
    assert any('route="/v1/objects"' in l and 'status="200"' in l and 'method="POST"' in l for l in lines), lines
    assert any('route="/v1/objects/{className}/{id}"' in l and 'status="404"' in l for l in lines), lines
    assert any(l.startswith("iris_http_request_duration_seconds_bucket{") for l in text.splitlines())

    # Only /metrics there, and no metrics on the API port (Weaviate serves neither).
    assert requests.get(f"http://127.0.0.1:{port}/v1/meta", timeout=5).status_code == 404
    assert requests.get(server.url + "/metrics").status_code == 404
    # Bound to the server's host (127.0.0.1 in these tests), as the API is.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) == 0


def test_no_metrics_unless_enabled(iris):
    assert requests.get(iris.url + "/metrics").status_code == 404


def test_metrics_default_port(iris_factory):
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 2112)) == 0:
            pytest.skip("port 2112 is taken on this machine")
    server = iris_factory({"PROMETHEUS_MONITORING_ENABLED": "true"})
    r = requests.get("http://127.0.0.1:2112/metrics", timeout=5)
    assert r.status_code == 200 and "iris_http_requests_total" in r.text
    server.stop()


@pytest.mark.parametrize("value", ["lots", "70000", "-1"])
def test_bad_metrics_port_stops_start_up(iris_factory, value):
    server = iris_factory({"PROMETHEUS_MONITORING_ENABLED": "true", "PROMETHEUS_MONITORING_PORT": value}, wait=False)
    assert server.proc.wait(timeout=30) != 0
    assert "PROMETHEUS_MONITORING_PORT" in server.log_tail()


def test_metrics_port_in_use_stops_start_up(iris_factory):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = iris_factory(metrics_env(taken.getsockname()[1]), wait=False)
        assert server.proc.wait(timeout=30) != 0


def preflight(url: str, path: str, origin: str) -> requests.Response:
    return requests.options(url + path, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization"}, timeout=5)


def test_cors_preflight_as_weaviate(iris_factory):
    # With API keys on: browsers send preflights without credentials, so they are answered before auth.
    server = iris_factory({"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
                           "AUTHENTICATION_APIKEY_ENABLED": "true", "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "k",
                           "AUTHENTICATION_APIKEY_USERS": "u"})
    for path in ("/v1/objects", "/v1/graphql", "/v1/schema/Anything", "/v1/nowhere"):
        r = preflight(server.url, path, "https://app.example")
        assert r.status_code == 200, (path, r.status_code, r.text)
        assert r.content == b""
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert r.headers["Access-Control-Allow-Methods"] == "*"
        assert r.headers["Access-Control-Allow-Headers"] == ALLOW_HEADERS
    # The request itself still needs its key.
    r = requests.post(server.url + "/v1/schema", json={"class": "A"}, headers={"Origin": "https://app.example"})
    assert r.status_code == 401 and r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.post(server.url + "/v1/schema", json={"class": "A"},
                      headers={"Origin": "https://app.example", "Authorization": "Bearer k"})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_simple_requests(iris):
    r = requests.get(iris.url + "/v1/meta", headers={"Origin": "https://app.example"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Origin" in r.headers["Vary"]
    r = requests.post(iris.url + "/v1/graphql", json={"query": "{Get{X{a}}}"}, headers={"Origin": "http://x"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    # No Origin, no CORS headers (not a cross-origin request).
    r = requests.get(iris.url + "/v1/meta")
    assert "Access-Control-Allow-Origin" not in r.headers


def test_cors_allowed_origins_restricted(iris_factory):
    server = iris_factory({"CORS_ALLOW_ORIGIN": "https://good.example, https://also.example"})
    r = preflight(server.url, "/v1/objects", "https://good.example")
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "https://good.example"
    assert r.headers["Access-Control-Allow-Methods"] == "*"
    assert r.headers["Access-Control-Allow-Headers"] == ALLOW_HEADERS
    assert "Origin" in r.headers["Vary"]
    r = requests.get(server.url + "/v1/meta", headers={"Origin": "https://also.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://also.example"

    # A disallowed origin gets no CORS headers at all, so a browser refuses to send or read.
    r = preflight(server.url, "/v1/objects", "https://evil.example")
    assert r.status_code == 200 and r.content == b""
    assert not [h for h in r.headers if h.lower().startswith("access-control-")], r.headers
    r = requests.get(server.url + "/v1/meta", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200
    assert not [h for h in r.headers if h.lower().startswith("access-control-")], r.headers
