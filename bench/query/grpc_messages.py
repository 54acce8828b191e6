"""The gRPC half of bench/query, run with weaviate-client 4.x's Python (.venv-v4): it owns the protobuf
classes, so requests are built, and replies read, by the official client's own definitions.

  grpc_messages.py encode --class C --queries Q.f32 --dim D --out FILE [--k 10]
      one weaviate.v1.SearchRequest per query (near_vector as packed float32 `vectors`, limit k,
      metadata uuid + distance, no properties), framed as bench-grpc reads them
  grpc_messages.py recall --replies FILE --truth T.i32 [--k 10]
      prints recall@k of the SearchReply messages against the exact top k (ids are bench/query's uid(i))
"""
import argparse
import struct
import sys

import numpy as np
from weaviate.proto.v1 import base_pb2, base_search_pb2, search_get_pb2


def framed(messages):
    return b"".join(struct.pack("<I", len(m)) + m for m in messages)


def unframed(data):
    at = 0
    while at + 4 <= len(data):
        (n,) = struct.unpack_from("<I", data, at)
        yield data[at + 4:at + 4 + n]
        at += 4 + n


def encode(args):
    queries = np.fromfile(args.queries, dtype=np.float32).reshape(-1, args.dim)
    messages = []
    for q in queries:
        vectors = base_pb2.Vectors(vector_bytes=q.astype("<f4").tobytes(), type=base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32)
        request = search_get_pb2.SearchRequest(
            collection=args.cls, limit=args.k, uses_127_api=True,
            metadata=search_get_pb2.MetadataRequest(uuid=True, distance=True),
            properties=search_get_pb2.PropertiesRequest(),
            near_vector=base_search_pb2.NearVector(vectors=[vectors]))
        messages.append(request.SerializeToString())
    with open(args.out, "wb") as f:
        f.write(framed(messages))


def recall(args):
    replies = [search_get_pb2.SearchReply.FromString(m) for m in unframed(open(args.replies, "rb").read())]
    truth = np.fromfile(args.truth, dtype=np.int32).reshape(len(replies), -1)
    hits = 0
    for reply, exact in zip(replies, truth):
        got = {int(r.metadata.id.rsplit("-", 1)[1], 16) for r in reply.results}
        hits += len(got & set(exact[:args.k].tolist()))
    print(f"{hits / (args.k * len(replies)):.4f}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    e = sub.add_parser("encode")
    e.add_argument("--class", dest="cls", required=True)
    e.add_argument("--queries", required=True)
    e.add_argument("--dim", type=int, required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--k", type=int, default=10)
    r = sub.add_parser("recall")
    r.add_argument("--replies", required=True)
    r.add_argument("--truth", required=True)
    r.add_argument("--k", type=int, default=10)
    args = ap.parse_args()
    encode(args) if args.command == "encode" else recall(args)


if __name__ == "__main__":
    sys.exit(main())
