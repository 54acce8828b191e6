#!/usr/bin/env python3
"""Writes seeded models whose shapes differ from the fixtures, plus a reference forward pass in
numpy (float64), for ReferenceModelTests.swift. Nothing here imports torch: the PyTorch checkpoint is
written with the standard pickle/zipfile modules in torch.save's format.

usage: make_reference_models.py OUT_DIR
OUT_DIR/clip-other/        ST CLIP layout, model.safetensors in F16 (hub shape without *_config_dict)
OUT_DIR/clip-other-bin/    the same weights as an "archive/" PyTorch zip with HalfStorage
OUT_DIR/bert-other/        ST BERT: Transformer ("bert." key prefix) + Pooling(cls+max) + Dense(no bias, Tanh, BF16 .bin) + Normalize
OUT_DIR/images/img<i>.f32  pixel tensors for clip-other
OUT_DIR/expected.json      inputs and reference outputs
"""
import collections, json, math, os, pickle, sys, types, zipfile

import numpy as np

OUT = sys.argv[1]
rng = np.random.default_rng(20240607)


# ---------------------------------------------------------------- writers
def to_f16(a):
    return np.asarray(a, np.float32).astype(np.float16)


def to_bf16_bits(a):
    bits = np.asarray(a, np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors, dtype):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, arr in tensors.items():
        if dtype == "F16":
            raw = to_f16(arr).tobytes()
        elif dtype == "BF16":
            raw = to_bf16_bits(arr).tobytes()
        else:
            raw = np.asarray(arr, np.float32).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for b in blobs:
            f.write(b)


# Fake "torch" modules so pickle writes the same GLOBAL opcodes torch.save does (no torch import).
torch_mod = types.ModuleType("torch")
utils_mod = types.ModuleType("torch._utils")
storage_classes = {}
for cls_name in ["FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage"]:
    cls = type(cls_name, (), {})
    cls.__module__ = "torch"
    setattr(torch_mod, cls_name, cls)
    storage_classes[cls_name] = cls


def _rebuild_tensor_v2(*args):
    raise RuntimeError("never called")


_rebuild_tensor_v2.__module__ = "torch._utils"
_rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
utils_mod._rebuild_tensor_v2 = _rebuild_tensor_v2
torch_mod._utils = utils_mod
sys.modules["torch"] = torch_mod
sys.modules["torch._utils"] = utils_mod


class StorageRef:
    def __init__(self, key, cls, numel):
        self.key, self.cls, self.numel = key, cls, numel


class TensorRef:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, tuple(shape)

    def __reduce__(self):
        strides, acc = [], 1
        for d in reversed(self.shape):
            strides.insert(0, acc)
            acc *= d
        return (_rebuild_tensor_v2, (self.storage, 0, self.shape, tuple(strides), False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, StorageRef):
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


def write_torch_zip(path, tensors, storage, prefix="archive"):
    """storage: 'HalfStorage' | 'BFloat16Storage' | 'FloatStorage'. Adds an int64 position_ids buffer."""
    state, blobs = collections.OrderedDict(), {}
    for i, (name, arr) in enumerate(tensors.items()):
        if storage == "HalfStorage":
            raw = to_f16(arr).tobytes()
        elif storage == "BFloat16Storage":
            raw = to_bf16_bits(arr).tobytes()
        else:
            raw = np.asarray(arr, np.float32).tobytes()
        key = str(i)
        state[name] = TensorRef(StorageRef(key, storage_classes[storage], int(np.prod(arr.shape))), arr.shape)
        blobs[key] = raw
    key = str(len(blobs))
    state["embeddings.position_ids"] = TensorRef(StorageRef(key, storage_classes["LongStorage"], 7), (1, 7))
    blobs[key] = np.arange(7, dtype=np.int64).tobytes()
    import io
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(state)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(f"{prefix}/data.pkl", buf.getvalue())
        for k, raw in blobs.items():
            z.writestr(f"{prefix}/data/{k}", raw)
        z.writestr(f"{prefix}/version", "3\n")


# ---------------------------------------------------------------- reference math (float64)
def layer_norm(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def act(name, x):
    if name == "quick_gelu":
        return x / (1 + np.exp(-1.702 * x))
    if name == "gelu":
        erf = np.vectorize(math.erf)
        return 0.5 * x * (1 + erf(x / math.sqrt(2)))
    if name == "gelu_new":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    raise ValueError(name)


def attention(x, W, p, heads, causal):
    L, d = x.shape
    hd = d // heads
    q = x @ W[p + "q.weight"].T + W[p + "q.bias"]
    k = x @ W[p + "k.weight"].T + W[p + "k.bias"]
    v = x @ W[p + "v.weight"].T + W[p + "v.bias"]
    out = np.zeros_like(x)
    for h in range(heads):
        s = slice(h * hd, (h + 1) * hd)
        sc = q[:, s] @ k[:, s].T / math.sqrt(hd)
        if causal:
            sc = sc + np.triu(np.full((L, L), -np.inf), 1)
        sc = np.exp(sc - sc.max(-1, keepdims=True))
        sc /= sc.sum(-1, keepdims=True)
        out[:, s] = sc @ v[:, s]
    return out @ W[p + "o.weight"].T + W[p + "o.bias"]


def randn(*shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def linear(W, name, out_f, in_f, bias=True):
    W[name + ".weight"] = randn(out_f, in_f, scale=1 / math.sqrt(in_f))
    if bias:
        W[name + ".bias"] = randn(out_f, scale=0.05)


def ln(W, name, d):
    W[name + ".weight"] = 1 + randn(d, scale=0.1)
    W[name + ".bias"] = randn(d, scale=0.05)


# ---------------------------------------------------------------- a CLIP of another shape
V = dict(image_size=64, patch_size=16, hidden_size=40, num_hidden_layers=3, num_attention_heads=5,
         intermediate_size=72, hidden_act="gelu", layer_norm_eps=1e-6)
T = dict(vocab_size=1000, max_position_embeddings=20, hidden_size=24, num_hidden_layers=3, num_attention_heads=6,
         intermediate_size=50, hidden_act="quick_gelu", eos_token_id=999)  # layer_norm_eps left to its default 1e-5
PROJ = 16
W = {}
W["text_model.embeddings.token_embedding.weight"] = randn(T["vocab_size"], T["hidden_size"], scale=0.5)
W["text_model.embeddings.position_embedding.weight"] = randn(T["max_position_embeddings"], T["hidden_size"], scale=0.3)
for tower, c in (("text_model", T), ("vision_model", V)):
    d = c["hidden_size"]
    for i in range(c["num_hidden_layers"]):
        p = f"{tower}.encoder.layers.{i}."
        for n in ["q_proj", "k_proj", "v_proj", "out_proj"]:
            linear(W, p + "self_attn." + n, d, d)
        linear(W, p + "mlp.fc1", c["intermediate_size"], d)
        linear(W, p + "mlp.fc2", d, c["intermediate_size"])
        ln(W, p + "layer_norm1", d)
        ln(W, p + "layer_norm2", d)
ln(W, "text_model.final_layer_norm", T["hidden_size"])
W["text_projection.weight"] = randn(PROJ, T["hidden_size"], scale=1 / math.sqrt(T["hidden_size"]))
vd, P = V["hidden_size"], V["patch_size"]
npos = (V["image_size"] // P) ** 2 + 1
W["vision_model.embeddings.class_embedding"] = randn(vd, scale=0.5)
W["vision_model.embeddings.patch_embedding.weight"] = randn(vd, 3, P, P, scale=1 / math.sqrt(3 * P * P))
W["vision_model.embeddings.position_embedding.weight"] = randn(npos, vd, scale=0.3)
ln(W, "vision_model.pre_layrnorm", vd)
ln(W, "vision_model.post_layernorm", vd)
W["visual_projection.weight"] = randn(PROJ, vd, scale=1 / math.sqrt(vd))
W["logit_scale"] = np.array(2.6592)
W = {k: to_f16(v).astype(np.float64) for k, v in W.items()}  # the model is stored in fp16


def clip_layer(x, p, c, causal):
    A = {f"{p}{s}.{t}": W[f"{p}self_attn.{n}.{t}"] for s, n in [("q", "q_proj"), ("k", "k_proj"), ("v", "v_proj"), ("o", "out_proj")] for t in ["weight", "bias"]}
    eps = c.get("layer_norm_eps", 1e-5)
    x = x + attention(layer_norm(x, W[p + "layer_norm1.weight"], W[p + "layer_norm1.bias"], eps), A, p, c["num_attention_heads"], causal)
    h = layer_norm(x, W[p + "layer_norm2.weight"], W[p + "layer_norm2.bias"], eps)
    h = act(c["hidden_act"], h @ W[p + "mlp.fc1.weight"].T + W[p + "mlp.fc1.bias"])
    return x + h @ W[p + "mlp.fc2.weight"].T + W[p + "mlp.fc2.bias"]


def clip_text(ids):
    x = W["text_model.embeddings.token_embedding.weight"][ids] + W["text_model.embeddings.position_embedding.weight"][: len(ids)]
    for i in range(T["num_hidden_layers"]):
        x = clip_layer(x, f"text_model.encoder.layers.{i}.", T, True)
    row = ids.index(T["eos_token_id"])  # eos_token_id != 2: pooled at the first eos
    x = layer_norm(x[row], W["text_model.final_layer_norm.weight"], W["text_model.final_layer_norm.bias"], 1e-5)
    return x @ W["text_projection.weight"].T


def clip_image(px):
    g = V["image_size"] // P
    patches = px.reshape(3, g, P, g, P).transpose(1, 3, 0, 2, 4).reshape(g * g, 3 * P * P)
    x = patches @ W["vision_model.embeddings.patch_embedding.weight"].reshape(vd, -1).T
    x = np.concatenate([W["vision_model.embeddings.class_embedding"][None], x]) + W["vision_model.embeddings.position_embedding.weight"]
    eps = V["layer_norm_eps"]
    x = layer_norm(x, W["vision_model.pre_layrnorm.weight"], W["vision_model.pre_layrnorm.bias"], eps)
    for i in range(V["num_hidden_layers"]):
        x = clip_layer(x, f"vision_model.encoder.layers.{i}.", V, False)
    x = layer_norm(x[0], W["vision_model.post_layernorm.weight"], W["vision_model.post_layernorm.bias"], eps)
    return x @ W["visual_projection.weight"].T


texts = [[998, 5, 17, 999], [998, 999], [998] + list(range(100, 117)) + [999],  # 19 ids
         [998, 3, 999, 7, 999, 0], [998, 40, 41, 42, 43, 44, 45, 999]]
images = [(rng.standard_normal((3, 64, 64)) * 1.2).astype(np.float32) for _ in range(3)]
clip_cfg = {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": PROJ,
            "text_config": dict(T, model_type="clip_text_model"),
            "vision_config": dict(V, model_type="clip_vision_model")}
for folder in ["clip-other", "clip-other-bin"]:
    d = os.path.join(OUT, folder, "0_CLIPModel")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(OUT, folder, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "0_CLIPModel", "type": "sentence_transformers.models.CLIPModel"}], f)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(clip_cfg, f, indent=1)
write_safetensors(os.path.join(OUT, "clip-other", "0_CLIPModel", "model.safetensors"), W, "F16")
write_torch_zip(os.path.join(OUT, "clip-other-bin", "0_CLIPModel", "pytorch_model.bin"), W, "HalfStorage")
os.makedirs(os.path.join(OUT, "images"), exist_ok=True)
for i, im in enumerate(images):
    im.tofile(os.path.join(OUT, "images", f"img{i}.f32"))

# ---------------------------------------------------------------- a BERT of another shape
B = dict(model_type="bert", vocab_size=500, hidden_size=36, num_hidden_layers=2, num_attention_heads=3,
         intermediate_size=60, hidden_act="gelu_new", max_position_embeddings=40, type_vocab_size=2,
         layer_norm_eps=1e-12, position_embedding_type="absolute")
BW = {}
bd = B["hidden_size"]
BW["embeddings.word_embeddings.weight"] = randn(B["vocab_size"], bd, scale=0.5)
BW["embeddings.position_embeddings.weight"] = randn(B["max_position_embeddings"], bd, scale=0.3)
BW["embeddings.token_type_embeddings.weight"] = randn(2, bd, scale=0.3)
ln(BW, "embeddings.LayerNorm", bd)
for i in range(B["num_hidden_layers"]):
    p = f"encoder.layer.{i}."
    for n in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
        linear(BW, p + n, bd, bd)
    linear(BW, p + "intermediate.dense", B["intermediate_size"], bd)
    linear(BW, p + "output.dense", bd, B["intermediate_size"])
    ln(BW, p + "attention.output.LayerNorm", bd)
    ln(BW, p + "output.LayerNorm", bd)
BW = {k: np.asarray(v, np.float32).astype(np.float64) for k, v in BW.items()}
DENSE_OUT = 20
DW = {"linear.weight": from_bf16_bits(to_bf16_bits(randn(DENSE_OUT, 2 * bd, scale=1 / math.sqrt(2 * bd)))).astype(np.float64)}
MAX_SEQ = 12


def bert(ids):
    ids = ids[: MAX_SEQ - 1] + [ids[-1]] if len(ids) > MAX_SEQ else ids
    x = BW["embeddings.word_embeddings.weight"][ids] + BW["embeddings.position_embeddings.weight"][: len(ids)] + BW["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, BW["embeddings.LayerNorm.weight"], BW["embeddings.LayerNorm.bias"], 1e-12)
    for i in range(B["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        A = {p + "q.weight": BW[p + "attention.self.query.weight"], p + "q.bias": BW[p + "attention.self.query.bias"],
             p + "k.weight": BW[p + "attention.self.key.weight"], p + "k.bias": BW[p + "attention.self.key.bias"],
             p + "v.weight": BW[p + "attention.self.value.weight"], p + "v.bias": BW[p + "attention.self.value.bias"],
             p + "o.weight": BW[p + "attention.output.dense.weight"], p + "o.bias": BW[p + "attention.output.dense.bias"]}
        x = layer_norm(x + attention(x, A, p, B["num_attention_heads"], False), BW[p + "attention.output.LayerNorm.weight"], BW[p + "attention.output.LayerNorm.bias"], 1e-12)
        h = act("gelu_new", x @ BW[p + "intermediate.dense.weight"].T + BW[p + "intermediate.dense.bias"])
        x = layer_norm(x + h @ BW[p + "output.dense.weight"].T + BW[p + "output.dense.bias"], BW[p + "output.LayerNorm.weight"], BW[p + "output.LayerNorm.bias"], 1e-12)
    pooled = np.concatenate([x[0], x.max(0)])  # cls then max, ST's order
    y = np.tanh(DW["linear.weight"] @ pooled)
    return y / max(np.linalg.norm(y), 1e-12)


bdir = os.path.join(OUT, "bert-other")
for sub in ["1_Pooling", "2_Dense"]:
    os.makedirs(os.path.join(bdir, sub), exist_ok=True)
with open(os.path.join(bdir, "modules.json"), "w") as f:
    json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
               {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
               {"idx": 3, "name": "3", "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"}], f)
with open(os.path.join(bdir, "config.json"), "w") as f:
    json.dump(B, f)
with open(os.path.join(bdir, "sentence_bert_config.json"), "w") as f:
    json.dump({"max_seq_length": MAX_SEQ, "do_lower_case": False}, f)
with open(os.path.join(bdir, "1_Pooling", "config.json"), "w") as f:
    json.dump({"word_embedding_dimension": bd, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False,
               "pooling_mode_max_tokens": True, "pooling_mode_mean_sqrt_len_tokens": False}, f)
with open(os.path.join(bdir, "2_Dense", "config.json"), "w") as f:
    json.dump({"in_features": 2 * bd, "out_features": DENSE_OUT, "bias": False,
               "activation_function": "torch.nn.modules.activation.Tanh"}, f)
write_safetensors(os.path.join(bdir, "model.safetensors"), {"bert." + k: v for k, v in BW.items()}, "F32")
write_torch_zip(os.path.join(bdir, "2_Dense", "pytorch_model.bin"), DW, "BFloat16Storage", prefix="pytorch_model")
bert_texts = [[101, 7, 8, 9, 102], [101, 102], [101] + list(range(200, 220)) + [102], [101, 499, 0, 250, 102]]

expected = {
    "clip": {"texts": texts, "text_embeddings": [clip_text(t).tolist() for t in texts],
             "images": [f"img{i}.f32" for i in range(len(images))],
             "image_embeddings": [clip_image(im.astype(np.float64)).tolist() for im in images]},
    "bert": {"texts": bert_texts, "embeddings": [bert(t).tolist() for t in bert_texts], "max_seq_length": MAX_SEQ},
}
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f)
print("ok")
