"""pytest plugin for scripts/client-integration/run.py: the official client's integration tests connect to
Weaviate's fixed ports (8080 REST, 50051 gRPC); this sends those connections to the Iris under test,
which runs on free ports (IRIS_HTTP_PORT, IRIS_GRPC_PORT). Nothing else of the tests is changed."""
from __future__ import annotations

import functools
import os

import weaviate
from weaviate.connect.base import ConnectionParams

HTTP = int(os.environ["IRIS_HTTP_PORT"])
GRPC = int(os.environ["IRIS_GRPC_PORT"])
MAP = {8080: HTTP, 50051: GRPC}


def _ports(kwargs: dict, http_key: str, grpc_key: str, http_default: int, grpc_default: int) -> dict:
    kwargs[http_key] = MAP.get(kwargs.get(http_key, http_default), kwargs.get(http_key, http_default))
    kwargs[grpc_key] = MAP.get(kwargs.get(grpc_key, grpc_default), kwargs.get(grpc_key, grpc_default))
    return kwargs


def _wrap(module, name: str, http_key: str, grpc_key: str) -> None:
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        return original(*args, **_ports(kwargs, http_key, grpc_key, 8080, 50051))

    setattr(module, name, wrapper)


for _name in ("connect_to_local", "use_async_with_local"):
    if hasattr(weaviate, _name):
        _wrap(weaviate, _name, "port", "grpc_port")
for _name in ("connect_to_custom", "use_async_with_custom"):
    if hasattr(weaviate, _name):
        _wrap(weaviate, _name, "http_port", "grpc_port")

_from_params = ConnectionParams.from_params.__func__


@classmethod
def _patched_from_params(cls, *args, **kwargs):
    if "http_port" in kwargs:
        kwargs["http_port"] = MAP.get(kwargs["http_port"], kwargs["http_port"])
    if "grpc_port" in kwargs:
        kwargs["grpc_port"] = MAP.get(kwargs["grpc_port"], kwargs["grpc_port"])
    return _from_params(cls, *args, **kwargs)


ConnectionParams.from_params = _patched_from_params
