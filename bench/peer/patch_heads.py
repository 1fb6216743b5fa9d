"""PyTorch peer for bench/patching.ts: all head-output patches on the same model, TransformerLens-style.

Reads the model directory the bench wrote (config.json and model.safetensors in F32: Hugging Face
GPT-2 names and Conv1D layout, the same file the workbench loads) and the prompts, then times, on one
thread:
  load       reading the files and building the model,
  clean      the clean run, caching every layer's hook_z,
  corrupted  the corrupted run,
  patches    one full hooked forward per (layer, head) on the corrupted tokens, replacing that head's
             z at every position with the clean z (denoising), logits at every position as
             TransformerLens computes them; the metric is the mean last-position logit difference.
Prints one JSON object on stdout. Usage: patch_heads.py MODEL_DIR PROMPTS_JSON.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)


def load(model_dir):
    """config.json and model.safetensors (F32, names without the transformer. prefix) of a model directory."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    cfg.setdefault("layer_norm_epsilon", 1e-5)
    with open(os.path.join(model_dir, "model.safetensors"), "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    params = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", f"{name}: dtype {entry['dtype']}, expected F32"
        start, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=start)
        params[name.removeprefix("transformer.")] = torch.from_numpy(array.reshape(entry["shape"]).copy())
    return cfg, params


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


class GPT2:
    """GPT-2 forward with a hook_z point per layer: hooks[l](z) may return a replacement [B, T, H, dh]."""

    def __init__(self, cfg, p):
        self.cfg = cfg
        self.p = p
        self.H = cfg["n_head"]
        self.eps = cfg["layer_norm_epsilon"]
        T = cfg["n_positions"]
        self.mask = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)

    def forward(self, tokens, hooks=None, cache=None):
        p, H = self.p, self.H
        B, T = tokens.shape
        x = p["wte.weight"][tokens] + p["wpe.weight"][:T]  # [B, T, D]
        D = x.shape[-1]
        dh = D // H
        for l in range(self.cfg["n_layer"]):
            a = f"h.{l}."
            h1 = layer_norm(x, p[a + "ln_1.weight"], p[a + "ln_1.bias"], self.eps)
            qkv = h1 @ p[a + "attn.c_attn.weight"] + p[a + "attn.c_attn.bias"]  # [B, T, 3D]
            q, k, v = (t.reshape(B, T, H, dh).transpose(1, 2) for t in qkv.split(D, dim=-1))  # [B, H, T, dh]
            scores = q @ k.transpose(-1, -2) / math.sqrt(dh) + self.mask[:T, :T]  # [B, H, T, T]
            z = (scores.softmax(-1) @ v).transpose(1, 2)  # [B, T, H, dh]
            if cache is not None:
                cache[l] = z
            if hooks is not None and l in hooks:
                z = hooks[l](z)
            x = x + z.reshape(B, T, D) @ p[a + "attn.c_proj.weight"] + p[a + "attn.c_proj.bias"]
            h2 = layer_norm(x, p[a + "ln_2.weight"], p[a + "ln_2.bias"], self.eps)
            m = gelu_new(h2 @ p[a + "mlp.c_fc.weight"] + p[a + "mlp.c_fc.bias"])  # [B, T, M]
            x = x + m @ p[a + "mlp.c_proj.weight"] + p[a + "mlp.c_proj.bias"]
        x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], self.eps)
        return x @ p["wte.weight"].T  # [B, T, V]: every position, as TransformerLens does


def main():
    model_dir, prompts_file = sys.argv[1], sys.argv[2]
    with open(prompts_file) as f:
        prompts = json.load(f)
    t0 = time.perf_counter()
    cfg, params = load(model_dir)
    model = GPT2(cfg, params)
    t1 = time.perf_counter()
    clean = torch.tensor(prompts["clean"])
    corrupted = torch.tensor(prompts["corrupted"])
    rows = torch.arange(clean.shape[0])
    correct = torch.tensor(prompts["correct"])
    incorrect = torch.tensor(prompts["incorrect"])

    def metric(logits):
        last = logits[:, -1, :]
        return (last[rows, correct] - last[rows, incorrect]).mean().item()

    with torch.no_grad():
        clean_z = {}
        m_clean = metric(model.forward(clean, cache=clean_z))
        t2 = time.perf_counter()
        m_corrupted = metric(model.forward(corrupted))
        t3 = time.perf_counter()
        values = []
        for l in range(cfg["n_layer"]):
            for h in range(cfg["n_head"]):
                def patch(z, l=l, h=h):
                    z = z.clone()
                    z[:, :, h, :] = clean_z[l][:, :, h, :]
                    return z
                values.append(metric(model.forward(corrupted, hooks={l: patch})))
        t4 = time.perf_counter()
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "msLoad": (t1 - t0) * 1000,
        "msClean": (t2 - t1) * 1000,
        "msCorrupted": (t3 - t2) * 1000,
        "msPatches": (t4 - t3) * 1000,
        "msTotal": (t4 - t0) * 1000,
        "forwards": 2 + len(values),
        "clean": m_clean,
        "corrupted": m_corrupted,
        "raw": values,
    }))


if __name__ == "__main__":
    main()
