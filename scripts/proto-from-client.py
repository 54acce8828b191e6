#!/usr/bin/env python3
"""Writes Sources/GRPCAPI/Proto/v1/*.proto from the compiled descriptors inside weaviate-client.

Why: Weaviate's own grpc/proto/v1 files change between releases, and the server must agree with the
client field for field. The client package carries the exact descriptors it was built from, so the
.proto text is rendered from them (comments are lost; field names, numbers, types, oneofs and proto3
`optional` are kept). Usage: PYTHON_WITH_WEAVIATE_CLIENT scripts/proto-from-client.py OUT_DIR [--verify PROTO_ROOT]
With --verify, the files are compiled with protoc and each FileDescriptorProto is compared with the
client's (json_name aside, which protoc fills in): any difference fails.
"""
import importlib
import sys
from google.protobuf import descriptor_pb2 as d

MODULES = ["base", "base_search", "properties", "search_get", "generative", "batch", "batch_delete",
           "tenants", "aggregate", "weaviate"]

SCALAR = {
    d.FieldDescriptorProto.TYPE_DOUBLE: "double", d.FieldDescriptorProto.TYPE_FLOAT: "float",
    d.FieldDescriptorProto.TYPE_INT64: "int64", d.FieldDescriptorProto.TYPE_UINT64: "uint64",
    d.FieldDescriptorProto.TYPE_INT32: "int32", d.FieldDescriptorProto.TYPE_FIXED64: "fixed64",
    d.FieldDescriptorProto.TYPE_FIXED32: "fixed32", d.FieldDescriptorProto.TYPE_BOOL: "bool",
    d.FieldDescriptorProto.TYPE_STRING: "string", d.FieldDescriptorProto.TYPE_BYTES: "bytes",
    d.FieldDescriptorProto.TYPE_UINT32: "uint32", d.FieldDescriptorProto.TYPE_SFIXED32: "sfixed32",
    d.FieldDescriptorProto.TYPE_SFIXED64: "sfixed64", d.FieldDescriptorProto.TYPE_SINT32: "sint32",
    d.FieldDescriptorProto.TYPE_SINT64: "sint64",
}


def type_name(f):
    if f.type in SCALAR:
        return SCALAR[f.type]
    return f.type_name  # fully qualified, leading dot: always unambiguous


def field_opts(f):
    opts = []
    if f.options.deprecated:
        opts.append("deprecated = true")
    if f.options.HasField("packed"):
        opts.append("packed = %s" % ("true" if f.options.packed else "false"))
    return " [%s]" % ", ".join(opts) if opts else ""


def render_enum(e, ind):
    out = [f"{ind}enum {e.name} {{"]
    if e.options.allow_alias:
        out.append(f"{ind}  option allow_alias = true;")
    for v in e.value:
        dep = " [deprecated = true]" if v.options.deprecated else ""
        out.append(f"{ind}  {v.name} = {v.number}{dep};")
    for r in e.reserved_range:  # enum ranges are inclusive at both ends
        out.append(f"{ind}  reserved {r.start} to {r.end};" if r.end > r.start else f"{ind}  reserved {r.start};")
    for n in e.reserved_name:
        out.append(f'{ind}  reserved "{n}";')
    out.append(f"{ind}}}")
    return out


def render_message(m, ind):
    out = [f"{ind}message {m.name} {{"]
    if m.options.deprecated:
        out.append(f"{ind}  option deprecated = true;")
    maps = {n.name: n for n in m.nested_type if n.options.map_entry}
    for n in m.nested_type:
        if not n.options.map_entry:
            out += render_message(n, ind + "  ")
    for e in m.enum_type:
        out += render_enum(e, ind + "  ")

    def field_line(f, in_oneof):
        if f.type == d.FieldDescriptorProto.TYPE_MESSAGE and f.type_name.split(".")[-1] in maps \
                and f.label == d.FieldDescriptorProto.LABEL_REPEATED:
            entry = maps[f.type_name.split(".")[-1]]
            k, v = entry.field[0], entry.field[1]
            return f"map<{type_name(k)}, {type_name(v)}> {f.name} = {f.number}{field_opts(f)};"
        label = ""
        if f.label == d.FieldDescriptorProto.LABEL_REPEATED:
            label = "repeated "
        elif f.proto3_optional:
            label = "optional "
        return f"{label}{type_name(f)} {f.name} = {f.number}{field_opts(f)};"

    real_oneofs = {}
    for f in m.field:
        if f.HasField("oneof_index") and not f.proto3_optional:
            real_oneofs.setdefault(f.oneof_index, []).append(f)
    emitted = set()
    for f in m.field:
        if f.HasField("oneof_index") and not f.proto3_optional:
            if f.oneof_index in emitted:
                continue
            emitted.add(f.oneof_index)
            out.append(f"{ind}  oneof {m.oneof_decl[f.oneof_index].name} {{")
            for g in real_oneofs[f.oneof_index]:
                out.append(f"{ind}    {field_line(g, True)}")
            out.append(f"{ind}  }}")
        else:
            out.append(f"{ind}  {field_line(f, False)}")
    for r in m.reserved_range:
        out.append(f"{ind}  reserved {r.start} to {r.end - 1};" if r.end - 1 > r.start else f"{ind}  reserved {r.start};")
    for n in m.reserved_name:
        out.append(f'{ind}  reserved "{n}";')
    out.append(f"{ind}}}")
    return out


def render_file(fd, client_version):
    out = [
        f"// {fd.name}: Weaviate's public gRPC API (weaviate/weaviate, grpc/proto/{fd.name}, Apache License 2.0).",
        f"// Rendered by scripts/proto-from-client.py from the compiled descriptor shipped in",
        f"// weaviate-client {client_version} (weaviate/proto/v1/v6300/{fd.name.replace('.proto', '_pb2.py')}),",
        "// so that field names and numbers are exactly the ones the client sends. Do not edit by hand.",
        "",
        f'syntax = "{fd.syntax or "proto2"}";',
        "",
        f"package {fd.package};",
        "",
    ]
    for dep in fd.dependency:
        out.append(f'import "{dep}";')
    if fd.dependency:
        out.append("")
    o = fd.options
    for name in ("go_package", "java_package", "java_outer_classname"):
        if o.HasField(name):
            out.append(f'option {name} = "{getattr(o, name)}";')
    out.append("")
    for e in fd.enum_type:
        out += render_enum(e, "")
        out.append("")
    for m in fd.message_type:
        out += render_message(m, "")
        out.append("")
    for s in fd.service:
        out.append(f"service {s.name} {{")
        for meth in s.method:
            cs = "stream " if meth.client_streaming else ""
            ss = "stream " if meth.server_streaming else ""
            out.append(f"  rpc {meth.name}({cs}{meth.input_type}) returns ({ss}{meth.output_type}) {{}};")
        out.append("}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def verify(proto_root):
    import os, subprocess, tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        files = [f"v1/{m}.proto" for m in MODULES]
        subprocess.run(["protoc", f"-I{proto_root}", "--include_imports", f"--descriptor_set_out={out}"] + files,
                       check=True)
        got = d.FileDescriptorSet()
        with open(out, "rb") as f:
            got.ParseFromString(f.read())

    def canonical(fd):
        fd.ClearField("source_code_info")

        def clear(messages):
            for m in messages:
                for f in m.field:
                    f.ClearField("json_name")
                clear(m.nested_type)
        clear(fd.message_type)
        return fd.SerializeToString(deterministic=True)

    bad = []
    for fd in got.file:
        if not fd.name.startswith("v1/"):
            continue
        ref = d.FileDescriptorProto()
        importlib.import_module(f"weaviate.proto.v1.v6300.{fd.name[:-6].replace('/', '.')}_pb2").DESCRIPTOR.CopyToProto(ref)
        if canonical(fd) != canonical(ref):
            bad.append(fd.name)
    if bad:
        sys.exit("differs from the client's descriptor: " + ", ".join(bad))
    print(f"{len(MODULES)} .proto files match the client's descriptors")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--verify":
        return verify(sys.argv[2])
    out_dir = sys.argv[1]
    import weaviate
    for mod in MODULES:
        m = importlib.import_module(f"weaviate.proto.v1.v6300.v1.{mod}_pb2")
        fd = d.FileDescriptorProto()
        m.DESCRIPTOR.CopyToProto(fd)
        with open(f"{out_dir}/{fd.name.split('/')[-1]}", "w") as f:
            f.write(render_file(fd, weaviate.__version__))


if __name__ == "__main__":
    main()
