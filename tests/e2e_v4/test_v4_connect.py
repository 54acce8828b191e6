"""Connecting with weaviate-client 4.24.1: the version gate, the gRPC health check, API keys over
HTTP headers and gRPC metadata, and gRPC status codes for requests without or with a wrong key."""
from __future__ import annotations

import grpc
import pytest
import requests
import weaviate
from weaviate.classes.config import DataType, Property
from weaviate.classes.init import Auth
from weaviate.proto.v1 import search_get_pb2, weaviate_pb2_grpc


def test_connect_to_local_anonymous(iris, client):
    assert client.is_connected() and client.is_ready() and client.is_live()
    meta = client.get_meta()
    assert meta["version"] == "1.27.0"
    # Anonymous servers answer 404 here, so the client does not look for OIDC.
    assert requests.get(iris.url + "/v1/.well-known/openid-configuration").status_code == 404
    client.collections.create("Hello", properties=[Property(name="word", data_type=DataType.TEXT)])
    hello = client.collections.get("Hello")
    hello.data.insert({"word": "world"})
    assert [o.properties["word"] for o in hello.query.fetch_objects().objects] == ["world"]


KEYS = {"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false", "AUTHENTICATION_APIKEY_ENABLED": "true",
        "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "reader-key,admin-key", "AUTHENTICATION_APIKEY_USERS": "reader,admin",
        "AUTHORIZATION_ADMINLIST_ENABLED": "true", "AUTHORIZATION_ADMINLIST_USERS": "admin",
        "AUTHORIZATION_ADMINLIST_READONLY_USERS": "reader"}


def test_connect_with_api_key(start_iris):
    server = start_iris(KEYS)
    with server.connect(auth_credentials=Auth.api_key("admin-key")) as admin:
        admin.collections.create("Secret", properties=[Property(name="n", data_type=DataType.INT)])
        secret = admin.collections.get("Secret")
        result = secret.data.insert_many([{"n": i} for i in range(5)])  # gRPC BatchObjects with the key
        assert not result.has_errors
        assert sorted(o.properties["n"] for o in secret.query.fetch_objects().objects) == [0, 1, 2, 3, 4]

    with server.connect(auth_credentials=Auth.api_key("reader-key")) as reader:
        secret = reader.collections.get("Secret")
        assert len(secret.query.fetch_objects().objects) == 5  # reading is allowed
        with pytest.raises(weaviate.exceptions.InsufficientPermissionsError):
            secret.data.insert_many([{"n": 9}])  # gRPC PERMISSION_DENIED, as Weaviate's admin list

    with pytest.raises(weaviate.exceptions.WeaviateBaseError):
        server.connect(auth_credentials=Auth.api_key("wrong-key"))


def test_grpc_requires_the_key(start_iris):
    """The gRPC port itself checks `authorization` metadata, not only the HTTP side."""
    server = start_iris(KEYS)
    with server.connect(auth_credentials=Auth.api_key("admin-key")) as admin:
        admin.collections.create("Guarded")
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        stub = weaviate_pb2_grpc.WeaviateStub(channel)
        request = search_get_pb2.SearchRequest(collection="Guarded", uses_123_api=True, uses_125_api=True,
                                               uses_127_api=True)
        with pytest.raises(grpc.RpcError) as e:
            stub.Search(request, timeout=10)
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as e:
            stub.Search(request, timeout=10, metadata=[("authorization", "Bearer wrong")])
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        reply = stub.Search(request, timeout=10, metadata=[("authorization", "Bearer reader-key")])
        assert list(reply.results) == []


def test_health_check_without_key(start_iris):
    from weaviate.proto.v1 import health_weaviate_pb2

    server = start_iris(KEYS)
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        check = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_weaviate_pb2.WeaviateHealthCheckRequest.SerializeToString,
            response_deserializer=health_weaviate_pb2.WeaviateHealthCheckResponse.FromString)
        reply = check(health_weaviate_pb2.WeaviateHealthCheckRequest(), timeout=5)
        assert reply.status == health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING
