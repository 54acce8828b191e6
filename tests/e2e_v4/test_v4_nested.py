"""Nested `object` / `object[]` properties through weaviate-client 4.24.1: the schema with its nested
properties, objects written over gRPC (insert_many) and REST (insert), read back typed (ints stay ints,
numbers numbers, dates dates) by fetch and by a vector search, and bad nested values refused."""
from __future__ import annotations

import datetime
import uuid

import pytest
from weaviate.classes.config import DataType, Property
from weaviate.classes.data import DataObject
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateInsertManyAllFailedError

ADDRESS = [Property(name="street", data_type=DataType.TEXT), Property(name="number", data_type=DataType.INT),
           Property(name="geo", data_type=DataType.OBJECT, nested_properties=[
               Property(name="lat", data_type=DataType.NUMBER), Property(name="lon", data_type=DataType.NUMBER)])]
VISITS = [Property(name="when", data_type=DataType.DATE), Property(name="tags", data_type=DataType.TEXT_ARRAY),
          Property(name="score", data_type=DataType.NUMBER)]


@pytest.fixture
def col(client):
    client.collections.create("Person", properties=[
        Property(name="name", data_type=DataType.TEXT),
        Property(name="address", data_type=DataType.OBJECT, nested_properties=ADDRESS),
        Property(name="visits", data_type=DataType.OBJECT_ARRAY, nested_properties=VISITS),
    ])
    return client.collections.get("Person")


def test_schema_shows_the_nested_properties(col):
    cfg = col.config.get()
    address = next(p for p in cfg.properties if p.name == "address")
    assert address.data_type == DataType.OBJECT
    assert [(n.name, n.data_type) for n in address.nested_properties] == [
        ("street", DataType.TEXT), ("number", DataType.INT), ("geo", DataType.OBJECT)]
    assert [n.name for n in address.nested_properties[2].nested_properties] == ["lat", "lon"]
    visits = next(p for p in cfg.properties if p.name == "visits")
    assert visits.data_type == DataType.OBJECT_ARRAY


def test_objects_round_trip_over_grpc_and_rest(col):
    when = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc)
    a = {"name": "Ada", "address": {"street": "Main", "number": 7, "geo": {"lat": 51.5, "lon": -0.12}},
         "visits": [{"when": when, "tags": ["x", "y"], "score": 2.5}, {"when": when, "tags": [], "score": 3.0}]}
    ids = col.data.insert_many([DataObject(properties=a, vector=[1.0, 0.0])]).uuids  # gRPC BatchObjects
    rest_id = col.data.insert({"name": "Bob", "address": {"street": "Side", "number": 12}}, vector=[0.0, 1.0])  # REST
    got = col.query.fetch_object_by_id(ids[0])
    addr = got.properties["address"]
    assert addr["street"] == "Main" and addr["number"] == 7 and isinstance(addr["number"], int)
    assert addr["geo"] == {"lat": 51.5, "lon": -0.12}
    visits = got.properties["visits"]
    assert [v["score"] for v in visits] == [2.5, 3.0]
    assert visits[0]["tags"] == ["x", "y"]
    assert visits[0]["when"] == when
    res = col.query.near_vector([0.0, 1.0], limit=1)
    assert res.objects[0].uuid == rest_id
    assert res.objects[0].properties["address"] == {"street": "Side", "number": 12}


def test_bad_nested_values_are_refused(col):
    with pytest.raises(UnexpectedStatusCodeError, match="no such nested property 'floor'"):
        col.data.insert({"address": {"street": "Main", "floor": 3}})
    with pytest.raises(UnexpectedStatusCodeError, match="invalid integer property 'address.number'"):
        col.data.insert({"address": {"number": "seven"}})
    with pytest.raises(WeaviateInsertManyAllFailedError, match="invalid integer property 'address.number'"):
        col.data.insert_many([DataObject(properties={"address": {"number": 1.5}})])  # gRPC


def test_an_object_property_needs_nested_properties(client):
    with pytest.raises(UnexpectedStatusCodeError, match="At least one nested property is required"):
        client.collections.create("Bad", properties=[Property(name="o", data_type=DataType.OBJECT, nested_properties=[])])


def test_a_nested_selection_returns_only_the_fields_asked_for(col):
    from weaviate.classes.query import QueryNested
    col.data.insert({"name": "Ada", "address": {"street": "Main", "number": 7, "geo": {"lat": 51.5, "lon": -0.12}},
                     "visits": [{"tags": ["x"], "score": 1.0}]})
    got = col.query.fetch_objects(return_properties=[
        QueryNested(name="address", properties=["street", QueryNested(name="geo", properties=["lat"])]),
        QueryNested(name="visits", properties=["score"])]).objects[0]
    assert got.properties == {"address": {"street": "Main", "geo": {"lat": 51.5}}, "visits": [{"score": 1.0}]}


def test_graphql_selects_nested_fields(client, col):
    col.data.insert({"name": "Ada", "address": {"street": "Main", "number": 7, "geo": {"lat": 51.5, "lon": -0.12}},
                     "visits": [{"tags": ["x"], "score": 1.5}, {"score": 2.0}]})
    res = client.graphql_raw_query("{ Get { Person { name address { street number geo { lat } } visits { score tags } } } }")
    assert not res.errors, res.errors
    assert res.get["Person"] == [{"name": "Ada", "address": {"street": "Main", "number": 7, "geo": {"lat": 51.5}},
                                  "visits": [{"score": 1.5, "tags": ["x"]}, {"score": 2.0, "tags": None}]}]
