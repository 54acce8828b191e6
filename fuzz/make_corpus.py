#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<harness>/ from ../shared/fixtures (and a few hand-made
inputs). Re-run only to change the seeds; the output is checked in. Needs Pillow (pip install pillow)
for the image seeds; everything else is the standard library.

    python3 fuzz/make_corpus.py [--fixtures ../shared/fixtures]
"""
import argparse, collections, hashlib, io, json, os, pickle, shutil, struct, sys, types, zipfile

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--fixtures", default=os.path.join(here, "..", "..", "shared", "fixtures"))
args = ap.parse_args()
fx = args.fixtures
out = os.path.join(here, "corpus")


def put(harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for h in ["image", "json", "graphql-vector", "unpickle", "checkpoint", "safetensors", "clip-bpe", "wordpiece", "tokenizer-file"]:
    shutil.rmtree(os.path.join(out, h), ignore_errors=True)

# --- image: tiny crops of the fixture images, one per format variant the decoders handle --------------
from PIL import Image

img = lambda n: Image.open(os.path.join(fx, "images", n))
with open(os.path.join(fx, "images", "variant_1x1.png"), "rb") as f:
    put("image", "variant_1x1.png", f.read())
base = img("chelsea.png").convert("RGB").resize((12, 9))
rgba = img("variant_rgba.png").convert("RGBA").resize((10, 7))


def save(name, im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    put("image", name, b.getvalue())


save("baseline.jpg", base, "JPEG", quality=80)
save("progressive.jpg", base, "JPEG", progressive=True, quality=70)
save("gray.jpg", base.convert("L"), "JPEG")
save("cmyk.jpg", base.convert("CMYK"), "JPEG")
save("subsample444.jpg", base, "JPEG", subsampling=0)
save("rgb.png", base, "PNG")
save("rgba.png", rgba, "PNG")
save("palette.png", base.convert("P", palette=Image.ADAPTIVE, colors=16), "PNG")
save("gray16.png", base.convert("I;16"), "PNG")
save("la.png", rgba.convert("LA"), "PNG")
save("bilevel.png", base.convert("1"), "PNG")
frames = [base.convert("P"), base.rotate(90).convert("P")]
b = io.BytesIO(); frames[0].save(b, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0); put("image", "anim.gif", b.getvalue())
save("still.gif", base.convert("P"), "GIF", transparency=0)
save("lossy.webp", base, "WEBP", quality=50)
save("lossless.webp", rgba, "WEBP", lossless=True)
save("alpha.webp", rgba, "WEBP", quality=60)
b = io.BytesIO(); frames2 = [base, base.rotate(180)]; frames2[0].save(b, "WEBP", save_all=True, append_images=frames2[1:], duration=50); put("image", "anim.webp", b.getvalue())
save("rgb24.bmp", base, "BMP")
save("pal8.bmp", base.convert("P", palette=Image.ADAPTIVE, colors=16), "BMP")
save("bilevel.bmp", base.convert("1"), "BMP")
save("rgba32.bmp", rgba, "BMP")


def bmp(width, height, bits, compression, pixels, palette=b"", header=40, masks=b""):
    """A BMP with the given info-header size (40/108/124), for codings Pillow does not write."""
    info = struct.pack("<IiiHHIIiiII", header, width, height, 1, bits, compression, len(pixels), 2835, 2835,
                       len(palette) // 4, 0)
    if header > 40:
        info += masks.ljust(header - 40, b"\0")
    elif masks:
        info += masks
    off = 14 + len(info) + len(palette)
    return b"BM" + struct.pack("<IHHI", off + len(pixels), 0, 0, off) + info + palette + pixels


pal = b"".join(struct.pack("<BBBB", c, 255 - c, c // 2, 0) for c in range(0, 256, 16))
# RLE8: a run, an absolute run (padded to a word), end of line, a full row, a delta, end of bitmap.
put("image", "rle8.bmp", bmp(6, 3, 8, 1, bytes([3, 1, 0, 3, 2, 3, 4, 0, 0, 0, 6, 5, 0, 0, 0, 2, 2, 0, 4, 7, 0, 1]), pal))
put("image", "rle4.bmp", bmp(6, 2, 4, 2, bytes([6, 0x12, 0, 0, 0, 4, 0x34, 0x56, 2, 0x77, 0, 1]), pal))
put("image", "rgb565.bmp", bmp(2, 2, 16, 3, b"\x1f\x00\xe0\x07\x00\xf8\xff\xff", masks=struct.pack("<III", 0xF800, 0x7E0, 0x1F)))
put("image", "v5-bitfields32.bmp", bmp(2, -2, 32, 3, b"\x00\x00\xff\x00" * 4, header=124,
                                        masks=struct.pack("<IIII", 0xFF0000, 0xFF00, 0xFF, 0xFF000000)))
core = struct.pack("<IHHHH", 12, 2, 2, 1, 24)
px = b"\x00\x00\xff\x00\xff\x00\x00\x00" + b"\xff\x00\x00\xff\xff\xff\x00\x00"
put("image", "core.bmp", b"BM" + struct.pack("<IHHI", 26 + len(px), 0, 0, 26) + core + px)

# --- json: request bodies and edge cases of the grammar ------------------------------------------------
J = {
    "object.json": '{"class":"Article","id":"8e7b6c3a-0d0a-4b36-9b3c-1d2f3a4b5c6d","properties":{"title":"Hello","wordCount":12,"score":0.5,"tags":["a","b"],"published":true,"ref":[{"beacon":"weaviate://localhost/Article/8e7b6c3a-0d0a-4b36-9b3c-1d2f3a4b5c6d"}]},"vector":[0.1,-0.2,3e-5,1E+2]}',
    "batch.json": '{"objects":[{"class":"A","properties":{"n":1}},{"class":"A","vector":[1,2,3],"properties":{"geo":{"latitude":52.1,"longitude":-0.5}}}]}',
    "schema.json": '{"class":"Article","vectorizer":"none","vectorIndexConfig":{"distance":"cosine","ef":-1},"properties":[{"name":"title","dataType":["text"],"tokenization":"word"}],"moduleConfig":{"multi2vec-clip":{"imageFields":["image"]}}}',
    "escapes.json": '["\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/", "\\ud800", "caf\xc3\xa9", ""]',
    "numbers.json": "[0, -0, 1.5e300, -1e-320, 123456789012345678901234567890, 9223372036854775807, -9223372036854775808, 1e400, 0.1]",
    "nested.json": "[[[[[[[[[[{\"a\":[[[]]]}]]]]]]]]]]",
    "literals.json": ' {"t":true,"f":false,"n":null,"e":{},"l":[]} ',
    "bad-trailing.json": '{"a":1,}',
    "bad-number.json": "[01, 1., .5, -, 1e]",
    "bad-control.json": '"tab\there"',
    "scalar.json": "42",
    "patch.json": '{"properties":{"title":"new"},"vectorWeights":{"cat":0.5}}',
}
for k, v in J.items():
    put("json", k, v)

# --- graphql-vector: queries with long vector lists, and the lexical traps around them ---------------
vec = lambda n, f=lambda i: f"{(i * 0.137) % 1 - 0.5:.4f}": ", ".join(f(i) for i in range(n))
G = {
    "near-vector.graphql": "{ Get { Article(nearVector: {vector: [%s] certainty: 0.7} limit: 5) { title _additional { distance id } } } }" % vec(16),
    "hybrid.graphql": '{ Get { Article(hybrid: {query: "cat", alpha: 0.5, vector: [%s]}) { title } } }' % vec(8),
    "explore.graphql": "{ Explore(nearVector: {vector: [%s]}, limit: 3) { beacon certainty } }" % vec(12, lambda i: str(i)),
    "two-lists.graphql": "query Q { a: Get { A(nearVector: {vector: [%s]}) { x } } b: Get { B(nearVector: {vector: [%s]}) { y } } }" % (vec(9), vec(10, lambda i: f"{i}e-3")),
    "strings-comments.graphql": '# vector: [1,2,3,4,5,6,7,8,9]\n{ Get { A(where: {path: ["t"], operator: Equal, valueText: "vector: [1,2,3,4,5,6,7,8,9]"}, nearVector: {vector: [%s]}) { t } } }' % vec(8),
    "block-string.graphql": '{ Get { A(where: {valueText: """ vector: [1,2,3,4,5,6,7,8] \\""" """}, nearVector: {vector:[%s]}) { t } } }' % vec(8),
    "variables.graphql": "query ($v: [Float]) { Get { A(nearVector: {vector: $v}) { t } } }",
    "variable-default.graphql": "query ($v: [Float] = [%s]) { Get { A(nearVector: {vector: $v}) { t } } }" % vec(8),
    "short.graphql": "{ Get { A(nearVector: {vector: [1, 2, 3]}) { t } } }",
    "not-numbers.graphql": '{ Get { A(nearVector: {vector: [1, 2, 3, 4, 5, 6, 7, "8", 9]}) { t } } }',
    "crlf.graphql": "{ Get { A(nearVector: {vector: [\r\n%s\r\n]}) { t } } }" % vec(8).replace(", ", ",\r\n"),
    "unterminated.graphql": "{ Get { A(nearVector: {vector: [%s" % vec(20),
    "aggregate.graphql": "{ Aggregate { A(nearVector: {vector: [%s], distance: 0.3}, objectLimit: 10) { meta { count } } } }" % vec(8, lambda i: f"-{i}.5E2"),
}
for k, v in G.items():
    put("graphql-vector", k, v)

# --- unpickle / checkpoint: the real fixture pickle, and tiny checkpoints written by a stand-in torch --
with zipfile.ZipFile(os.path.join(fx, "models", "clip-tiny-bin", "0_CLIPModel", "pytorch_model.bin")) as z:
    put("unpickle", "clip-tiny-data.pkl", z.read("pytorch_model/data.pkl"))

torch = types.ModuleType("torch"); utils = types.ModuleType("torch._utils")
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
storages = {}
for cls in ["FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "BoolStorage"]:
    c = type(cls, (), {}); c.__module__ = "torch"; setattr(torch, cls, c); storages[cls] = c


def _rebuild_tensor_v2(*a): pass
def _rebuild_parameter(*a): pass
for f in (_rebuild_tensor_v2, _rebuild_parameter):
    f.__module__ = "torch._utils"; setattr(utils, f.__name__, f)


class Storage:
    def __init__(self, key, cls, numel): self.key, self.cls, self.numel = key, cls, numel


class Tensor:
    def __init__(self, storage, offset, shape, stride, param=False):
        self.a = (storage, offset, tuple(shape), tuple(stride), False, collections.OrderedDict())
        self.param = param

    def __reduce__(self):
        if self.param:
            inner = Tensor(*self.a[:4])
            return (_rebuild_parameter, (inner, True, collections.OrderedDict()))
        return (_rebuild_tensor_v2, self.a)


class P(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", storages[obj.cls], obj.key, "cpu", obj.numel)
        return None


def checkpoint(state, blobs, protocol=2):
    b = io.BytesIO(); P(b, protocol=protocol).dump(state); pkl = b.getvalue()
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        stamp = lambda name: zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))  # reproducible bytes
        zf.writestr(stamp("archive/data.pkl"), pkl)
        zf.writestr(stamp("archive/byteorder"), "little")
        for k, v in blobs.items():
            zf.writestr(stamp("archive/data/" + k), v)
        zf.writestr(stamp("archive/version"), "3\n")
    return pkl, z.getvalue()


s0 = Storage("0", "FloatStorage", 6)
s1 = Storage("1", "HalfStorage", 4)
state = collections.OrderedDict([
    ("w", Tensor(s0, 0, [2, 3], [3, 1])),
    ("w_t", Tensor(s0, 0, [3, 2], [1, 3])),          # a strided view of the same storage
    ("b", Tensor(s0, 4, [2], [1], param=True)),
    ("h", Tensor(s1, 1, [3], [1])),
    ("step", 7),
])
pkl, ck = checkpoint(state, {"0": struct.pack("<6f", 1, 2, 3, 4, 5, 6), "1": struct.pack("<4e", 1, -2, 0.5, 8)})
put("unpickle", "views.pkl", pkl); put("checkpoint", "views.bin", ck)
pkl, ck = checkpoint(collections.OrderedDict([("x", Tensor(Storage("0", "BFloat16Storage", 2), 0, [2], [1])),
                                              ("i", Tensor(Storage("1", "LongStorage", 1), 0, [], []))]),
                     {"0": b"\x80\x3f\x00\x40", "1": struct.pack("<q", 3)}, protocol=4)
put("unpickle", "protocol4.pkl", pkl); put("checkpoint", "protocol4.bin", ck)
put("unpickle", "dict-misc.pkl", pickle.dumps({"a": [1, 2.5, None, True, "s", (1, (2,))], "big": 1 << 40}, protocol=2))

# --- safetensors --------------------------------------------------------------------------------------
def safetensors(tensors, metadata=None, pad=True):
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


put("safetensors", "f32.safetensors", safetensors({"w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
                                                    "b": ("F32", [2], struct.pack("<2f", 0.5, -1))}, {"format": "pt"}))
put("safetensors", "mixed.safetensors", safetensors({"h": ("F16", [3], struct.pack("<3e", 1, 2, 3)),
                                                      "bf": ("BF16", [1, 2], b"\x80\x3f\x00\xc0"),
                                                      "d": ("F64", [1], struct.pack("<d", 2.5)),
                                                      "ids": ("I64", [2], struct.pack("<2q", 1, 2)),
                                                      "e": ("F32", [0, 4], b""),
                                                      "odd": ("F8_E4M3", [2], b"\x01\x02")}))
put("safetensors", "scalar.safetensors", safetensors({"s": ("F32", [], struct.pack("<f", 9))}, {"k": "v"}, pad=False))

# --- tokenizers: texts from the golden inputs (and the multilingual ones), as UTF-8 -----------------
golden = json.load(open(os.path.join(fx, "tokenizers", "clip-golden.json")))
for item in golden["inputs"]:
    t = item["text"]
    if len(t.encode()) > 600:
        t = t[:200]
    put("clip-bpe", item["id"] + ".txt", t)
    put("wordpiece", item["id"] + ".txt", t)
put("wordpiece", "bert-specials.txt", "[CLS] hello [SEP] [MASK] un##known [UNK] [PAD]")
put("wordpiece", "long-word.txt", "x" * 130 + " pneumonoultramicroscopicsilicovolcanoconiosis")
put("clip-bpe", "invalid-utf8.txt", b"a \xff\xfe photo \xc3 of \xed\xa0\x80 cat")

# --- tokenizer-file: the fixture tokenizer.json files cut to a few hundred tokens ----------------------
clip = json.load(open(os.path.join(fx, "tokenizers", "clip-bpe", "tokenizer.json")))
keep_ids = 512 + 120
merges = clip["model"]["merges"][:120]
vocab = {k: v for k, v in clip["model"]["vocab"].items() if v < keep_ids or v >= 49406}
clip["model"]["vocab"], clip["model"]["merges"] = vocab, merges
put("tokenizer-file", "clip-hub-era.json", json.dumps(clip, ensure_ascii=False, separators=(",", ":")))
new = json.load(open(os.path.join(fx, "tokenizers", "clip-bpe", "tokenizer.tokenizers-0.23.json")))
new["model"]["vocab"] = {k: v for k, v in new["model"]["vocab"].items() if v < keep_ids or v >= 49406}
new["model"]["merges"] = new["model"]["merges"][:120]
put("tokenizer-file", "clip-tokenizers-0.23.json", json.dumps(new, ensure_ascii=False, separators=(",", ":")))
wp = json.load(open(os.path.join(fx, "models", "mclip-tiny", "tokenizer.json")))
wp["model"]["vocab"] = {k: v for k, v in wp["model"]["vocab"].items() if v < 1200 or k in ("a", "photo", "of", "cat", "##s")}
put("tokenizer-file", "wordpiece.json", json.dumps(wp, ensure_ascii=False, separators=(",", ":")))
# No model type and no pre_tokenizer: read as BPE, refused as not CLIP's (the tests expect the error).
put("tokenizer-file", "invalid-no-pre-tokenizer.json", json.dumps({"model": {"vocab": {"a": 0, "b": 1, "ab</w>": 2, "a</w>": 3},
                                                               "merges": ["a b</w>"], "end_of_word_suffix": "</w>"}}))

total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out) for f in fs)
print(f"corpus: {total / 1024:.0f} KiB")
