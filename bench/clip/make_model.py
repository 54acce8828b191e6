#!/usr/bin/env python3
"""Writes the benchmark model: openai/clip-vit-base-patch32 shapes (151M parameters) with seeded random
weights, as a sentence-transformers CLIP folder for Iris and as two ONNX graphs (text, vision) with the
same weights for onnxruntime. numpy + onnx only (no torch).

usage: make_model.py OUT_DIR FIXTURES_DIR
  OUT_DIR/clip-vit-b32/            modules.json, 0_CLIPModel/{config.json, model.safetensors, tokenizer files, preprocessor_config.json}
  OUT_DIR/onnx/text.onnx           input_ids int64 [B, L]            -> text_embeds  [B, 512]
  OUT_DIR/onnx/vision.onnx         pixel_values float [B, 3, 224, 224] -> image_embeds [B, 512]
"""
import json, math, os, shutil, sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT, FIX = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(1234)

TEXT = dict(vocab_size=49408, hidden_size=512, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=8,
            max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=512,
            bos_token_id=0, eos_token_id=2, pad_token_id=1, model_type="clip_text_model")
VISION = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12, image_size=224,
              patch_size=32, num_channels=3, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=512,
              model_type="clip_vision_model")
PROJ = 512


def normal(shape, std):
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std)).astype(np.float32)


W = {}


def linear(name, out_f, in_f, bias=True):
    W[name + ".weight"] = normal((out_f, in_f), 1 / math.sqrt(in_f))
    if bias:
        W[name + ".bias"] = normal((out_f,), 0.02)


def ln(name, d):
    W[name + ".weight"] = (1 + normal((d,), 0.1)).astype(np.float32)
    W[name + ".bias"] = normal((d,), 0.02)


W["text_model.embeddings.token_embedding.weight"] = normal((TEXT["vocab_size"], TEXT["hidden_size"]), 0.02)
W["text_model.embeddings.position_embedding.weight"] = normal((77, TEXT["hidden_size"]), 0.01)
for tower, c in (("text_model", TEXT), ("vision_model", VISION)):
    d = c["hidden_size"]
    for i in range(c["num_hidden_layers"]):
        p = f"{tower}.encoder.layers.{i}."
        for n in ["q_proj", "k_proj", "v_proj", "out_proj"]:
            linear(p + "self_attn." + n, d, d)
        linear(p + "mlp.fc1", c["intermediate_size"], d)
        linear(p + "mlp.fc2", d, c["intermediate_size"])
        ln(p + "layer_norm1", d)
        ln(p + "layer_norm2", d)
ln("text_model.final_layer_norm", TEXT["hidden_size"])
linear("text_projection", PROJ, TEXT["hidden_size"], bias=False)
vd = VISION["hidden_size"]
W["vision_model.embeddings.class_embedding"] = normal((vd,), 0.5)
W["vision_model.embeddings.patch_embedding.weight"] = normal((vd, 3, 32, 32), 1 / math.sqrt(3 * 32 * 32))
W["vision_model.embeddings.position_embedding.weight"] = normal((50, vd), 0.02)
ln("vision_model.pre_layrnorm", vd)
ln("vision_model.post_layernorm", vd)
linear("visual_projection", PROJ, vd, bias=False)
W["logit_scale"] = np.array(2.6592, dtype=np.float32)
print("parameters:", sum(v.size for v in W.values()))

# ---------------------------------------------------------------- the sentence-transformers folder
folder = os.path.join(OUT, "clip-vit-b32")
mdir = os.path.join(folder, "0_CLIPModel")
os.makedirs(mdir, exist_ok=True)
with open(os.path.join(folder, "modules.json"), "w") as f:
    json.dump([{"idx": 0, "name": "0", "path": "0_CLIPModel", "type": "sentence_transformers.models.CLIPModel"}], f, indent=2)
with open(os.path.join(mdir, "config.json"), "w") as f:
    json.dump({"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": PROJ, "logit_scale_init_value": 2.6592,
               "text_config": TEXT, "text_config_dict": None, "vision_config": VISION, "vision_config_dict": None}, f, indent=2)
header, off = {"__metadata__": {"format": "pt"}}, 0
names = sorted(W)
for n in names:
    header[n] = {"dtype": "F32", "shape": list(W[n].shape), "data_offsets": [off, off + W[n].nbytes]}
    off += W[n].nbytes
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open(os.path.join(mdir, "model.safetensors"), "wb") as f:
    f.write(len(h).to_bytes(8, "little"))
    f.write(h)
    for n in names:
        f.write(np.ascontiguousarray(W[n]).tobytes())
src = os.path.join(FIX, "models", "clip-tiny", "0_CLIPModel")
for fn in ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "preprocessor_config.json"]:
    dst = os.path.join(mdir, fn)
    if os.path.exists(dst):
        os.remove(dst)
    shutil.copyfile(os.path.join(src, fn), dst)

# ---------------------------------------------------------------- ONNX graphs
class G:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, arr, base="c"):
        nm = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), nm))
        return nm

    def op(self, kind, inputs, base=None, **attrs):
        out = self.name(base or kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out


def encoder_layers(g, x, tower, c, causal_mask):
    d, H = c["hidden_size"], c["num_attention_heads"]
    hd = d // H
    for i in range(c["num_hidden_layers"]):
        p = f"{tower}.encoder.layers.{i}."
        h = g.op("LayerNormalization", [x, g.const(W[p + "layer_norm1.weight"]), g.const(W[p + "layer_norm1.bias"])], axis=-1, epsilon=1e-5)
        wqkv = np.concatenate([W[p + f"self_attn.{n}.weight"] for n in ["q_proj", "k_proj", "v_proj"]], 0).T.copy()
        bqkv = np.concatenate([W[p + f"self_attn.{n}.bias"] for n in ["q_proj", "k_proj", "v_proj"]])
        qkv = g.op("Add", [g.op("MatMul", [h, g.const(wqkv)]), g.const(bqkv)])
        qkv = g.op("Reshape", [qkv, g.const(np.array([0, 0, 3, H, hd], np.int64))])
        qkv = g.op("Transpose", [qkv], perm=[2, 0, 3, 1, 4])  # [3, B, H, L, hd]
        q, k, v = (g.op("Gather", [qkv, g.const(np.array(j, np.int64))], axis=0) for j in range(3))
        kt = g.op("Transpose", [k], perm=[0, 1, 3, 2])
        s = g.op("Mul", [g.op("MatMul", [q, kt]), g.const(np.array(1 / math.sqrt(hd), np.float32))])
        if causal_mask is not None:
            s = g.op("Add", [s, causal_mask])
        a = g.op("MatMul", [g.op("Softmax", [s], axis=-1), v])  # [B, H, L, hd]
        a = g.op("Reshape", [g.op("Transpose", [a], perm=[0, 2, 1, 3]), g.const(np.array([0, 0, d], np.int64))])
        a = g.op("Add", [g.op("MatMul", [a, g.const(W[p + "self_attn.out_proj.weight"].T.copy())]), g.const(W[p + "self_attn.out_proj.bias"])])
        x = g.op("Add", [x, a])
        h = g.op("LayerNormalization", [x, g.const(W[p + "layer_norm2.weight"]), g.const(W[p + "layer_norm2.bias"])], axis=-1, epsilon=1e-5)
        h = g.op("Add", [g.op("MatMul", [h, g.const(W[p + "mlp.fc1.weight"].T.copy())]), g.const(W[p + "mlp.fc1.bias"])])
        h = g.op("Mul", [h, g.op("Sigmoid", [g.op("Mul", [h, g.const(np.array(1.702, np.float32))])])])  # quick_gelu
        h = g.op("Add", [g.op("MatMul", [h, g.const(W[p + "mlp.fc2.weight"].T.copy())]), g.const(W[p + "mlp.fc2.bias"])])
        x = g.op("Add", [x, h])
    return x


def save(g, inputs, output, path):
    graph = helper.make_graph(g.nodes, os.path.basename(path), inputs, [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
# Text: token + position embeddings, causal mask, pooled at argmax(ids) (the first end token), final LN, projection.
g = G()
ids = "input_ids"
L = g.op("Gather", [g.op("Shape", [ids]), g.const(np.array([1], np.int64))])
x = g.op("Gather", [g.const(W["text_model.embeddings.token_embedding.weight"]), ids], axis=0)
pos = g.op("Slice", [g.const(W["text_model.embeddings.position_embedding.weight"]), g.const(np.array([0], np.int64)), L, g.const(np.array([0], np.int64))])
x = g.op("Add", [x, pos])
mask_full = np.triu(np.full((77, 77), -1e9, np.float32), 1)
zero2 = g.const(np.array([0, 0], np.int64))
Ls = g.op("Concat", [L, L], axis=0)
mask = g.op("Slice", [g.const(mask_full), zero2, Ls, g.const(np.array([0, 1], np.int64))])
x = encoder_layers(g, x, "text_model", TEXT, mask)
x = g.op("LayerNormalization", [x, g.const(W["text_model.final_layer_norm.weight"]), g.const(W["text_model.final_layer_norm.bias"])], axis=-1, epsilon=1e-5)
idx = g.op("ArgMax", [ids], axis=1, keepdims=1)  # [B, 1]
pooled = g.op("GatherND", [x, idx], batch_dims=1)  # [B, D]
out = g.op("MatMul", [pooled, g.const(W["text_projection.weight"].T.copy())], base="text_embeds")
save(g, [helper.make_tensor_value_info(ids, TensorProto.INT64, ["B", "L"])], out, os.path.join(OUT, "onnx", "text.onnx"))

# Vision: conv patch embedding, class token, positions, pre-LN, encoder, post-LN on row 0, projection.
g = G()
px = "pixel_values"
e = g.op("Conv", [px, g.const(W["vision_model.embeddings.patch_embedding.weight"])], kernel_shape=[32, 32], strides=[32, 32])
e = g.op("Transpose", [g.op("Reshape", [e, g.const(np.array([0, vd, -1], np.int64))])], perm=[0, 2, 1])  # [B, 49, D]
B = g.op("Gather", [g.op("Shape", [px]), g.const(np.array([0], np.int64))])
cls = g.op("Expand", [g.const(W["vision_model.embeddings.class_embedding"].reshape(1, 1, vd)), g.op("Concat", [B, g.const(np.array([1, vd], np.int64))], axis=0)])
x = g.op("Add", [g.op("Concat", [cls, e], axis=1), g.const(W["vision_model.embeddings.position_embedding.weight"])])
x = g.op("LayerNormalization", [x, g.const(W["vision_model.pre_layrnorm.weight"]), g.const(W["vision_model.pre_layrnorm.bias"])], axis=-1, epsilon=1e-5)
x = encoder_layers(g, x, "vision_model", VISION, None)
x0 = g.op("Gather", [x, g.const(np.array(0, np.int64))], axis=1)
x0 = g.op("LayerNormalization", [x0, g.const(W["vision_model.post_layernorm.weight"]), g.const(W["vision_model.post_layernorm.bias"])], axis=-1, epsilon=1e-5)
out = g.op("MatMul", [x0, g.const(W["visual_projection.weight"].T.copy())], base="image_embeds")
save(g, [helper.make_tensor_value_info(px, TensorProto.FLOAT, ["B", 3, 224, 224])], out, os.path.join(OUT, "onnx", "vision.onnx"))
print("wrote", folder, "and", os.path.join(OUT, "onnx"))
