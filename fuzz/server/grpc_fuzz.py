"""Random protobuf messages to a running Iris's gRPC services.

    python fuzz/server/grpc_fuzz.py HTTP_URL GRPC_HOST:PORT SECONDS [SEED]

Run it with the Python that has weaviate-client 4 (`.venv-v4/bin/python`): the messages are built from
that client's own descriptors (every field filled at random, nested up to six levels, with extreme
numbers, odd strings and bytes) and sent to Search, BatchObjects, BatchDelete and TenantsGet. Generative
and rerank parts, which Iris refuses at once, are mostly left out. Prints each INTERNAL, UNKNOWN,
UNAVAILABLE or DEADLINE_EXCEEDED answer and each call over 2 s; exits 3 when the server stops answering.
Run http_fuzz.py against the same server first: it makes the classes these messages name.
"""
import random
import sys
import time

import grpc
import requests
from google.protobuf.descriptor import FieldDescriptor as F
from weaviate.proto.v1 import weaviate_pb2_grpc, search_get_pb2, batch_pb2, batch_delete_pb2, tenants_pb2
HTTP, GRPC, SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else 1
rng = random.Random(SEED)
NAMES = ["Doc", "Ref", "Photo", "title", "n", "ns", "x", "ok", "when", "loc", "tags", "ref", "id", "_id", "", "Nope", "phone", "u", "vector", "default"]
def rstr():
    return rng.choice(NAMES + ["hello", "\u0000", "a" * 3000, "00000000-0000-0000-0000-000000000001", "2020-01-01T00:00:00Z", "*", "日本"])
def fill(msg, depth=0):
    d = msg.DESCRIPTOR
    oneofs_done = set()
    for f in d.fields:
        if rng.random() < (0.45 if depth < 3 else 0.85): continue
        if f.containing_oneof is not None:
            if f.containing_oneof.name in oneofs_done: continue
            oneofs_done.add(f.containing_oneof.name)
        rep = f.is_repeated
        n = rng.choice([0, 1, 1, 2, 3, 8, 200 if depth == 0 else 2]) if rep else 1
        for _ in range(n):
            if f.type == F.TYPE_MESSAGE:
                if f.message_type.GetOptions().map_entry:
                    m = getattr(msg, f.name)
                    kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
                    key = rstr() if kf.type == F.TYPE_STRING else rng.randint(0, 5)
                    if vf.type == F.TYPE_MESSAGE:
                        if depth < 5: fill(m[key], depth + 1)
                    else: m[key] = scalar(vf)
                    continue
                if depth >= 6: continue
                sub = getattr(msg, f.name).add() if rep else getattr(msg, f.name)
                fill(sub, depth + 1)
                if not rep: sub.SetInParent()
            else:
                v = scalar(f)
                if rep: getattr(msg, f.name).append(v)
                else: setattr(msg, f.name, v)
def scalar(f):
    t = f.type
    if t == F.TYPE_STRING: return rstr()
    if t == F.TYPE_BYTES: return rng.choice([b"", b"\x00\x00\x80\x3f", bytes(rng.randrange(256) for _ in range(rng.choice([3, 4, 8, 16, 1000]))), b"\xff" * 16])
    if t == F.TYPE_BOOL: return rng.random() < 0.5
    if t in (F.TYPE_FLOAT, F.TYPE_DOUBLE): return rng.choice([0.0, 1.0, -1.0, 0.5, 1e30, -1e30, float("inf"), float("nan"), 1e-40, 3.4e38])
    if t == F.TYPE_ENUM: return rng.choice([v.number for v in f.enum_type.values] + [99])
    if t in (F.TYPE_UINT32, F.TYPE_FIXED32): return rng.choice([0, 1, 5, 100, 10000, 2**31, 2**32 - 1])
    if t in (F.TYPE_UINT64, F.TYPE_FIXED64): return rng.choice([0, 1, 5, 2**63, 2**64 - 1])
    if t in (F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32): return rng.choice([0, 1, -1, 5, 2**31 - 1, -2**31])
    return rng.choice([0, 1, -1, 5, 2**63 - 1, -2**63])
ch = grpc.insecure_channel(GRPC, options=[("grpc.max_receive_message_length", 100 << 20), ("grpc.max_send_message_length", 100 << 20)])
stub = weaviate_pb2_grpc.WeaviateStub(ch)
# Search three times as often as the others (it has the most to parse).
calls = [(stub.Search, search_get_pb2.SearchRequest)] * 3 + [
    (stub.BatchObjects, batch_pb2.BatchObjectsRequest), (stub.BatchDelete, batch_delete_pb2.BatchDeleteRequest),
    (stub.TenantsGet, tenants_pb2.TenantsGetRequest)]
end = time.time() + SECONDS; n = 0; codes = {}; details = {}; bad = 0
while time.time() < end:
    n += 1
    call, cls = rng.choice(calls)
    m = cls(); fill(m)
    if hasattr(m, "collection") and rng.random() < 0.8: m.collection = rng.choice(["Doc", "Ref", "Photo"])
    if cls is search_get_pb2.SearchRequest and rng.random() < 0.9:
        for name in ("generative", "rerank"): m.ClearField(name)
        if m.HasField("near_text") and rng.random() < 0.9: m.near_text.ClearField("move_to"); m.near_text.ClearField("move_away")
    t0 = time.time()
    try:
        call(m, timeout=20); codes["OK"] = codes.get("OK", 0) + 1
        if time.time() - t0 > 2:
            bad += 1
            print("SLOW", round(time.time() - t0, 1), cls.__name__, str(m)[:800].replace("\n", " "), flush=True)
    except grpc.RpcError as e:
        c = e.code().name; codes[c] = codes.get(c, 0) + 1; codes[cls.__name__ + ":" + c] = codes.get(cls.__name__ + ":" + c, 0) + 1
        if time.time() - t0 > 2:
            bad += 1
            print("SLOW", c, round(time.time() - t0, 1), cls.__name__, str(m)[:800].replace("\n", " "), flush=True)
        if c == "UNIMPLEMENTED": details[(e.details() or "")[:80]] = details.get((e.details() or "")[:80], 0) + 1
        if c in ("UNAVAILABLE", "INTERNAL", "UNKNOWN", "DEADLINE_EXCEEDED"):
            bad += 1
            print("BAD", c, (e.details() or "")[:200], cls.__name__, str(m)[:1500].replace("\n", " "), flush=True)
            try: requests.get(HTTP + "/v1/.well-known/ready", timeout=5)
            except Exception: print("SERVER DOWN after", n); sys.exit(3)
print("done", n, "calls; answers:", codes)
print("most frequent UNIMPLEMENTED:", sorted(details.items(), key=lambda x: -x[1])[:5])
sys.exit(1 if bad else 0)
