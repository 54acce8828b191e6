"""Authentication (anonymous off, API keys) and authorization (admin list, read-only list)."""
import pytest
import requests

from conftest import BASE_ENV, IrisServer, error_messages, make_client, wipe_schema

AUTH_ENV = {
    "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
    "AUTHENTICATION_APIKEY_ENABLED": "true",
    "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "admin-secret,reader-secret,guest-secret",
    "AUTHENTICATION_APIKEY_USERS": "admin@example.com,reader@example.com,guest@example.com",
    "AUTHORIZATION_ADMINLIST_ENABLED": "true",
    "AUTHORIZATION_ADMINLIST_USERS": "admin@example.com",
    "AUTHORIZATION_ADMINLIST_READONLY_USERS": "reader@example.com",
}
ADMIN = {"Authorization": "Bearer admin-secret"}
READER = {"Authorization": "Bearer reader-secret"}
GUEST = {"Authorization": "Bearer guest-secret"}


@pytest.fixture(scope="module")
def secured(iris_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("auth")
    server = IrisServer(iris_bin, {**BASE_ENV, **AUTH_ENV}, root / "data", root / "server.log").start()
    yield server
    server.stop()


@pytest.fixture
def url(secured):
    wipe_schema(secured.url, ADMIN)
    return secured.url


def test_unauthenticated_requests_get_401(url):
    for method, path in [("get", "/v1/schema"), ("get", "/v1/meta"), ("post", "/v1/objects"),
                         ("get", "/v1/nodes"), ("post", "/v1/graphql")]:
        r = requests.request(method, url + path, json={})
        assert r.status_code == 401, path
        assert r.json() == {"code": 401,
                            "message": "anonymous access not enabled, please provide an auth scheme such as OIDC"}
    r = requests.get(url + "/v1/schema", headers={"Authorization": "Bearer wrong-key"})
    assert r.status_code == 401
    assert r.json() == {"code": 401, "message": "invalid api key, please provide a valid api key"}


def test_probes_are_public(url):
    assert requests.get(url + "/v1/.well-known/live").status_code == 200
    assert requests.get(url + "/v1/.well-known/ready").status_code == 200
    assert requests.get(url + "/v1/.well-known/openid-configuration").status_code == 404


def test_admin_may_do_everything_with_the_official_client(url):
    client = make_client(url, api_key="admin-secret")
    client.schema.create_class({"class": "Secret", "properties": [{"name": "v", "dataType": ["text"]}]})
    oid = client.data_object.create({"v": "x"}, "Secret")
    assert client.data_object.get_by_id(oid, class_name="Secret")["properties"] == {"v": "x"}
    client.data_object.delete(oid, class_name="Secret")
    # the access_token query parameter is accepted like the header
    assert requests.get(url + "/v1/schema", params={"access_token": "admin-secret"}).status_code == 200


def test_read_only_user_may_only_get_and_list(url):
    requests.post(url + "/v1/schema", headers=ADMIN, json={"class": "Doc"}).raise_for_status()
    oid = requests.post(url + "/v1/objects", headers=ADMIN,
                        json={"class": "Doc", "properties": {"t": "a"}}).json()["id"]

    assert requests.get(url + "/v1/schema", headers=READER).json()["classes"][0]["class"] == "Doc"
    assert requests.get(url + f"/v1/objects/Doc/{oid}", headers=READER).json()["properties"] == {"t": "a"}
    assert len(requests.get(url + "/v1/objects", headers=READER).json()["objects"]) == 1
    assert requests.get(url + "/v1/meta", headers=READER).json()["version"] == "1.27.0"

    r = requests.post(url + "/v1/objects", headers=READER, json={"class": "Doc", "properties": {"t": "b"}})
    assert r.status_code == 403
    assert error_messages(r) == ["forbidden: user 'reader@example.com' has insufficient permissions to create objects"]
    r = requests.delete(url + f"/v1/objects/Doc/{oid}", headers=READER)
    assert r.status_code == 403
    assert error_messages(r) == [
        f"forbidden: user 'reader@example.com' has insufficient permissions to delete objects/Doc/{oid}"]
    r = requests.delete(url + "/v1/schema/Doc", headers=READER)
    assert r.status_code == 403
    # Nothing changed.
    assert requests.get(url + f"/v1/objects/Doc/{oid}", headers=ADMIN).json()["properties"] == {"t": "a"}
    assert len(requests.get(url + "/v1/objects", headers=ADMIN).json()["objects"]) == 1


def test_user_on_neither_list_is_forbidden(url):
    r = requests.get(url + "/v1/schema", headers=GUEST)
    assert r.status_code == 403
    assert error_messages(r) == ["forbidden: user 'guest@example.com' has insufficient permissions to list schema/*"]
    r = requests.post(url + "/v1/schema", headers=GUEST, json={"class": "Nope"})
    assert r.status_code == 403
    assert requests.get(url + "/v1/schema", headers=ADMIN).json()["classes"] == []


def test_single_user_for_all_keys_and_anonymous_alongside(iris_factory):
    server = iris_factory({
        "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "true",
        "AUTHENTICATION_APIKEY_ENABLED": "true",
        "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "k1,k2",
        "AUTHENTICATION_APIKEY_USERS": "solo",
        "AUTHORIZATION_ADMINLIST_ENABLED": "on",
        "AUTHORIZATION_ADMINLIST_USERS": "solo",
        "AUTHORIZATION_ADMINLIST_READONLY_USERS": "anonymous",
    })
    for key in ("k1", "k2"):
        r = requests.post(server.url + "/v1/schema", headers={"Authorization": f"Bearer {key}"},
                          json={"class": f"C{key}"})
        assert r.status_code == 200, r.text
    # Anonymous callers are the user "anonymous": read-only here.
    assert len(requests.get(server.url + "/v1/schema").json()["classes"]) == 2
    r = requests.post(server.url + "/v1/schema", json={"class": "Anon"})
    assert r.status_code == 403
    assert error_messages(r) == [
        "forbidden: user 'anonymous' has insufficient permissions to create schema/objects"]


@pytest.mark.parametrize("env,variable", [
    ({"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false"}, "no authentication scheme configured"),
    ({"AUTHENTICATION_APIKEY_ENABLED": "true", "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "a,b,c",
      "AUTHENTICATION_APIKEY_USERS": "x,y"}, "AUTHENTICATION_APIKEY_USERS"),
    ({"AUTHENTICATION_APIKEY_ENABLED": "true"}, "AUTHENTICATION_APIKEY_ALLOWED_KEYS"),
    ({"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "maybe"}, "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"),
])
def test_bad_auth_configuration_stops_start_up(iris_factory, env, variable):
    server = iris_factory(env, wait=False)
    assert server.proc.wait(timeout=30) != 0
    assert variable in server.log_tail()
