#!/usr/bin/env python3
"""Reference LoRA trainer for SmolLM2 in plain PyTorch: the same examples, loss and adapter files
as `pycwe train`, for a GPU this project's Rust build cannot use (issue: training).

Run by hand, never by CI. pycwe's Rust trainer runs on candle, whose CUDA build needs nvcc and cargo
on one machine; the GPU machines lent to this project have nvcc and PyTorch but no Rust toolchain.
So the examples are made by pycwe itself and the weights read from the very GGUF file pycwe loads:

    pycwe train --data DIR --out runs/X --top-layers 8 --none-ratio 2 --decision-weight 5 \\
        --max-len 384 --export-examples runs/X.json            # same flags as a real run, plus this one
    python3 scripts/reference/train_torch.py --examples runs/X.json \\
        --gguf ~/.cache/pycwe/models/SmolLM2-135M-Instruct.Q4_1.gguf --out runs/X-torch \\
        --epochs 30 --lr 2e-3 --batch 8 --batch-tokens 2048 [--device cuda]
    pycwe eval --data DIR --adapter runs/X-torch/best --calibrate

What it shares with pycwe, so the adapter means the same there:
- the model: GGUF weights dequantized by the `gguf` package (llama.cpp's own), q/k rows un-permuted to
  the Hugging Face layout as `pycwe_model::gguf::unpermute_qk` does, tied embeddings, RMSNorm, rotate-half
  RoPE, grouped-query attention;
- the shared system prefix is encoded once by the base model (adapters off) and every example attends to
  its keys and values, as `pycwe_model::classifier` and `train::lm` do;
- the loss: cross-entropy on the answer tokens only, the first one weighted `decision_weight`;
- the schedule: AdamW (0.9, 0.999, 1e-8, no decay), linear warmup over ceil(5%) of the steps, cosine to
  zero, gradients clipped to norm 1; length-bucketed batches (the order differs from Rust's);
- the output: `adapter_model.safetensors` (PEFT names, f16), `adapter_config.json`, `pycwe_adapter.json`
  (pycwe's metadata from the export: base model hash, prompt version), in `OUT/best` (the epoch with the
  highest validation decision AUC, or lowest loss with `--select loss`) and `OUT/last` (the latest
  weights: at the end, or when `--max-minutes` stops the run);
- checkpoints: `OUT/checkpoint.pt` after every epoch (written atomically); the same command resumes.

`--check ADAPTER_DIR` computes the validation loss of an adapter exactly as `pycwe train` logs it (the
proof of equivalence: an adapter trained by pycwe must score here what its `log.jsonl` says).

Setup: `python3 -m venv /tmp/cgref && /tmp/cgref/bin/pip install torch safetensors gguf==0.19.0` (numpy comes
with torch; ~3 minutes from PyPI).
"""

import argparse
import bisect
import json
import math
import pathlib
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
# Imported at the top, not where the adapter is written, so a missing package stops the run before its
# first epoch rather than after it.
from safetensors.torch import load_file, save_file

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
GGUF_NAMES = {
    "q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
    "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down",
}


def unpermute_qk(w, n_heads):
    """Inverse of llama.cpp's convert_hf_to_gguf.py `permute` (rows grouped (head, pair, half))."""
    rows, cols = w.shape
    return w.reshape(n_heads, rows // n_heads // 2, 2, cols).swapaxes(1, 2).reshape(rows, cols)


def load_gguf(path):
    import gguf

    reader = gguf.GGUFReader(path)
    field = lambda k: reader.fields[k].parts[-1][0].item()
    cfg = {
        "layers": field("llama.block_count"),
        "hidden": field("llama.embedding_length"),
        "heads": field("llama.attention.head_count"),
        "kv_heads": field("llama.attention.head_count_kv"),
        "eps": field("llama.attention.layer_norm_rms_epsilon"),
        "theta": field("llama.rope.freq_base") if "llama.rope.freq_base" in reader.fields else 10000.0,
    }
    weights = {}
    for t in reader.tensors:
        shape = tuple(int(d) for d in reversed(t.shape))  # GGUF lists ne0 (columns) first
        w = np.asarray(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float32).reshape(shape)
        if t.name.endswith("attn_q.weight"):
            w = unpermute_qk(w, cfg["heads"])
        elif t.name.endswith("attn_k.weight"):
            w = unpermute_qk(w, cfg["kv_heads"])
        weights[t.name] = torch.from_numpy(np.ascontiguousarray(w))
    return cfg, weights


class Llama(torch.nn.Module):
    def __init__(self, cfg, weights, lora_rank, lora_alpha, targets, from_layer, seed):
        super().__init__()
        self.cfg = cfg
        self.w = weights  # frozen, plain tensors
        self.scale = lora_alpha / lora_rank
        self.lora_on = True
        gen = torch.Generator().manual_seed(seed)
        self.lora = torch.nn.ParameterDict()
        for i in range(from_layer, cfg["layers"]):
            for t in targets:
                out_dim, in_dim = weights[f"blk.{i}.{GGUF_NAMES[t]}.weight"].shape
                a = torch.empty(lora_rank, in_dim)
                # PEFT's init: A Kaiming-uniform (a = sqrt(5)), B zero, so step 0 is the base model.
                bound = 1.0 / math.sqrt(in_dim)
                a.uniform_(-bound, bound, generator=gen)
                self.lora[f"{i}_{t}_A"] = torch.nn.Parameter(a)
                self.lora[f"{i}_{t}_B"] = torch.nn.Parameter(torch.zeros(out_dim, lora_rank))
        hd = cfg["hidden"] // cfg["heads"]
        self.inv_freq = 1.0 / (cfg["theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))

    def to_device(self, device):
        self.w = {k: v.to(device) for k, v in self.w.items()}
        self.inv_freq = self.inv_freq.to(device)
        return self.to(device)

    def linear(self, x, i, target):
        y = x @ self.w[f"blk.{i}.{GGUF_NAMES[target]}.weight"].T
        key = f"{i}_{target}_A"
        if self.lora_on and key in self.lora:
            y = y + (x @ self.lora[key].T) @ self.lora[f"{i}_{target}_B"].T * self.scale
        return y

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.cfg["eps"]) * w

    def rope(self, x, start):
        t = x.shape[2]
        pos = torch.arange(start, start + t, device=x.device, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)
        cos, sin = torch.cat([freqs, freqs], -1).cos(), torch.cat([freqs, freqs], -1).sin()
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rotated * sin

    def forward(self, ids, past=None):
        """Hidden states after the final norm (`[B, T, H]`) and each layer's keys and values.
        `past`: the prefix's keys and values (`[1, kv_heads, P, hd]` per layer), attended by every row."""
        x, kv = self.layers(self.w["token_embd.weight"][ids], past, 0, self.cfg["layers"])
        return self.rms(x, self.w["output_norm.weight"]), kv

    def layers(self, x, past, lo, hi):
        """The residual stream after layers `lo..hi` (and their keys and values), from `x` entering `lo`."""
        cfg = self.cfg
        b, t, _ = x.shape
        nh, kvh = cfg["heads"], cfg["kv_heads"]
        hd = cfg["hidden"] // nh
        p = past[0][0].shape[2] if past else 0
        # Causal among the new tokens, everything in the prefix visible.
        mask = torch.ones(t, p + t, dtype=torch.bool, device=x.device).tril(diagonal=p)
        kv = []
        for i in range(lo, hi):
            h = self.rms(x, self.w[f"blk.{i}.attn_norm.weight"])
            q = self.linear(h, i, "q_proj").view(b, t, nh, hd).transpose(1, 2)
            k = self.linear(h, i, "k_proj").view(b, t, kvh, hd).transpose(1, 2)
            v = self.linear(h, i, "v_proj").view(b, t, kvh, hd).transpose(1, 2)
            q, k = self.rope(q, p), self.rope(k, p)
            kv.append((k, v))
            if past:
                pk, pv = past[i]
                k = torch.cat([pk.expand(b, -1, -1, -1).to(k.dtype), k], 2)
                v = torch.cat([pv.expand(b, -1, -1, -1).to(v.dtype), v], 2)
            k = k.repeat_interleave(nh // kvh, dim=1)
            v = v.repeat_interleave(nh // kvh, dim=1)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            x = x + self.linear(a.transpose(1, 2).reshape(b, t, nh * hd), i, "o_proj")
            h = self.rms(x, self.w[f"blk.{i}.ffn_norm.weight"])
            x = x + self.linear(F.silu(self.linear(h, i, "gate_proj")) * self.linear(h, i, "up_proj"), i, "down_proj")
        return x, kv

    def logits(self, hidden):
        head = self.w.get("output.weight", self.w["token_embd.weight"])
        return hidden @ head.T


class Bottom:
    """The frozen layers' output per example (layers below the first adapted one never change), kept
    after its first computation, as pycwe_model::train::lm does: later epochs run the top only."""

    def __init__(self, model, prefix_kv, from_layer):
        self.model, self.prefix_kv, self.from_layer, self.cache = model, prefix_kv, from_layer, {}

    @torch.no_grad()
    def rows(self, rows, device):
        missing = [r for r in rows if tuple(r) not in self.cache]
        if missing:
            t = max(len(r) for r in missing)
            ids = torch.zeros(len(missing), t, dtype=torch.long)
            for i, r in enumerate(missing):
                ids[i, : len(r)] = torch.tensor(r)
            x = self.model.w["token_embd.weight"][ids.to(device)]
            x, _ = self.model.layers(x, self.prefix_kv, 0, self.from_layer)
            for i, r in enumerate(missing):
                self.cache[tuple(r)] = x[i, : len(r)].clone()
        t = max(len(r) for r in rows)
        out = torch.zeros(len(rows), t, self.model.cfg["hidden"], device=device)
        for i, r in enumerate(rows):
            out[i, : len(r)] = self.cache[tuple(r)]
        return out


def answer_loss(model, prefix_kv, batch, decision_weight, device, bottom=None, scores=None):
    """pycwe_model::train::lm::answer_loss: weighted cross-entropy over the answer tokens.
    `scores` (a `Scores`), when given, collects each example's decision score."""
    rows = [e["prompt"] + e["answer"][:-1] for e in batch]
    if bottom is not None and bottom.from_layer > 0:
        x, _ = model.layers(bottom.rows(rows, device), prefix_kv, bottom.from_layer, model.cfg["layers"])
        hidden = model.rms(x, model.w["output_norm.weight"])
    else:
        t = max(len(r) for r in rows)
        ids = torch.zeros(len(rows), t, dtype=torch.long)
        for r, row in enumerate(rows):
            ids[r, : len(row)] = torch.tensor(row)
        hidden, _ = model(ids.to(device), prefix_kv)
    rows_idx, cols_idx, targets, weights, first = [], [], [], [], []
    for r, e in enumerate(batch):
        first.append(len(targets))
        for j, target in enumerate(e["answer"]):
            rows_idx.append(r)
            cols_idx.append(len(e["prompt"]) - 1 + j)
            targets.append(target)
            weights.append(decision_weight if j == 0 else 1.0)
    picked = hidden[torch.tensor(rows_idx, device=device), torch.tensor(cols_idx, device=device)]
    log_p = F.log_softmax(model.logits(picked).float(), -1)
    nll = -log_p.gather(1, torch.tensor(targets, device=device).unsqueeze(1)).squeeze(1)
    w = torch.tensor(weights, device=device)
    if scores is not None:
        scores.add(log_p[first].detach(), [targets[k] for k in first])
    return (nll * w).sum() / w.sum()


class Scores:
    """How well the first answer token tells findings from `NONE`: per example, log p(finding's first
    token) - log p(`NONE`'s), and the ROC AUC of that score (pycwe's p(vulnerable) ranks the same way
    up to the other allowed first tokens). Loss alone hides whether the model reads the code."""

    def __init__(self, finding_id, none_id):
        self.finding_id, self.none_id, self.pos, self.neg = finding_id, none_id, [], []

    def add(self, log_p, first_targets):
        margin = (log_p[:, self.finding_id] - log_p[:, self.none_id]).tolist()
        for m, t in zip(margin, first_targets):
            (self.neg if t == self.none_id else self.pos).append(m)

    def auc(self):
        if not self.pos or not self.neg:
            return None
        neg = sorted(self.neg)
        right = sum(bisect.bisect_left(neg, p) + 0.5 * (bisect.bisect_right(neg, p) - bisect.bisect_left(neg, p)) for p in self.pos)
        return right / (len(self.pos) * len(neg))


def decision_ids(examples):
    """(the first token of findings, the first token of `NONE`): the two most common first tokens,
    the one of the shortest answers being `NONE`."""
    from collections import Counter

    firsts = Counter((e["answer"][0], len(e["answer"])) for e in examples)
    none_id = min(firsts, key=lambda k: k[1])[0]
    finding_id = Counter(e["answer"][0] for e in examples if e["answer"][0] != none_id).most_common(1)[0][0]
    return finding_id, none_id


@torch.no_grad()
def validation_loss(model, prefix_kv, valid, batch, decision_weight, device, bottom=None, scores=None):
    """pycwe_model::train::validation_loss: batches in file order, weighted by answer tokens."""
    total, weight = 0.0, 0
    for s in range(0, len(valid), batch):
        chunk = valid[s : s + batch]
        n = sum(len(e["answer"]) for e in chunk)
        total += answer_loss(model, prefix_kv, chunk, decision_weight, device, bottom, scores).item() * n
        weight += n
    return total / weight if weight else 0.0


def epoch_plan(examples, batch, max_tokens, rng):
    """Length-bucketed batches, as pycwe_model::train::epoch_plan builds them (own shuffle)."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    batches = []
    for s in range(0, len(order), batch * 16):
        pool = sorted(order[s : s + batch * 16], key=lambda i: len(examples[i]["prompt"]) + len(examples[i]["answer"]))
        current = []
        for i in pool:
            length = len(examples[i]["prompt"]) + len(examples[i]["answer"])
            if current and (len(current) == batch or (len(current) + 1) * length > max_tokens):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
    rng.shuffle(batches)
    return batches


def learning_rate(step, total, warmup, peak):
    """pycwe_model::train::schedule::learning_rate."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min((step - warmup) / max(total - warmup, 1), 1.0)
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))


def peft_name(key):
    layer, rest = key.split("_", 1)  # "22_q_proj_A"
    target, ab = rest[:-2], rest[-1]
    block = "self_attn" if target in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp"
    return f"base_model.model.model.layers.{layer}.{block}.{target}.lora_{ab}.weight"


def export(model, spec, extra, out):
    out.mkdir(parents=True, exist_ok=True)
    tensors = {peft_name(k): v.detach().to("cpu", torch.float16).contiguous() for k, v in model.lora.items()}
    lora = spec["lora"]
    layers = sorted({int(k.split("_")[0]) for k in model.lora.keys()})
    config = {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": lora["rank"], "lora_alpha": lora["alpha"],
        "lora_dropout": 0.0, "target_modules": lora["targets"], "base_model_name_or_path": spec["hf_name"],
        "bias": "none", "fan_in_fan_out": False, "inference_mode": True,
    }
    if len(layers) < model.cfg["layers"]:
        config["layers_to_transform"] = layers
    meta = dict(spec["meta"])
    meta["training"] = {**meta["training"], **extra}
    for name, write in [
        ("adapter_model.safetensors", lambda p: save_file(tensors, str(p))),
        ("adapter_config.json", lambda p: p.write_text(json.dumps(config, indent=2) + "\n")),
        ("pycwe_adapter.json", lambda p: p.write_text(json.dumps(meta, indent=2) + "\n")),
    ]:
        tmp = out / (name + ".tmp")
        write(tmp)
        tmp.replace(out / name)


def save_checkpoint(model, opt, state, ckpt):
    tmp = ckpt.with_suffix(".tmp")
    torch.save({"lora": model.lora.state_dict(), "opt": opt.state_dict(), "state": state}, tmp)
    tmp.replace(ckpt)


def export_best_if_last(model, spec, extra, state, out):
    """Exports `best/` when the last checkpoint's weights are the best so far (again on resume: the
    weights are the same, so a second export is harmless and a failed one is made good)."""
    if state.get("last_is_best"):
        export(model, spec, {**extra, **state["last_is_best"]}, out / "best")


def load_adapter(model, directory):
    saved = load_file(str(pathlib.Path(directory) / "adapter_model.safetensors"))
    for key, param in model.lora.items():
        param.data.copy_(saved[peft_name(key)].float())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", required=True, help="the JSON `pycwe train --export-examples` wrote")
    ap.add_argument("--gguf", required=True, help="the base model file (pycwe's model cache)")
    ap.add_argument("--out", help="run directory (checkpoint, log.jsonl, best/, last/)")
    ap.add_argument("--check", help="only print the validation loss of this adapter directory (or a checkpoint.pt)")
    ap.add_argument("--check-split", default="valid", choices=["valid", "train"], help="the examples --check scores")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--batch-tokens", type=int, default=2048)
    ap.add_argument("--warmup", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--bf16", action="store_true", help="autocast to bfloat16 (GPU)")
    ap.add_argument("--select", choices=["auc", "loss"], default="auc",
                    help="what picks `best/`: the validation decision AUC (default) or the validation loss")
    ap.add_argument("--max-minutes", type=float, help="stop (after a checkpoint) after this long")
    ap.add_argument("--init", help="start from this adapter directory's weights (fresh optimizer and schedule); "
                    "ignored when OUT already holds a checkpoint to resume")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    spec = json.loads(pathlib.Path(args.examples).read_text())
    cfg, weights = load_gguf(args.gguf)
    lora = spec["lora"]
    model = Llama(cfg, weights, lora["rank"], lora["alpha"], lora["targets"], lora["from_layer"], args.seed)
    model = model.to_device(args.device)
    device = args.device
    with torch.no_grad():
        model.lora_on = False
        _, prefix_kv = model(torch.tensor([spec["prefix"]], device=device))
        model.lora_on = True
    train, valid, dw = spec["train"], spec["valid"], spec["decision_weight"]
    bottom = Bottom(model, prefix_kv, lora["from_layer"])
    decisions = decision_ids(train)

    if args.check:
        if args.check.endswith(".pt"):
            model.lora.load_state_dict(torch.load(args.check, map_location=device)["lora"])
        else:
            load_adapter(model, args.check)
        scores = Scores(*decisions)
        examples = valid if args.check_split == "valid" else train
        loss = validation_loss(model, prefix_kv, examples, args.batch, dw, device, bottom, scores)
        print(f"{args.check_split} loss {loss:.6f}; decision AUC {scores.auc()} ({len(scores.pos)} findings, {len(scores.neg)} NONE)")
        return

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    params = list(model.lora.values())
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    steps_per_epoch = len(epoch_plan(train, args.batch, args.batch_tokens, random.Random(0)))
    total = steps_per_epoch * args.epochs
    warmup = math.ceil(args.warmup * total)
    state = {"epoch": 0, "step": 0, "best_score": None}
    ckpt = out / "checkpoint.pt"
    if args.init and not ckpt.exists():
        load_adapter(model, args.init)
        print(f"starting from {args.init}", file=sys.stderr)
    if ckpt.exists():
        saved = torch.load(ckpt, map_location=device)
        model.lora.load_state_dict(saved["lora"])
        opt.load_state_dict(saved["opt"])
        state = saved["state"]
        print(f"resuming at epoch {state['epoch']}", file=sys.stderr)
        planned = state.get("epochs", args.epochs)
        if planned != args.epochs:
            # The warmup and cosine span all planned steps, so a new --epochs moves the learning rate.
            before = learning_rate(state["step"], steps_per_epoch * planned,
                                   math.ceil(args.warmup * steps_per_epoch * planned), args.lr)
            after = learning_rate(state["step"], total, warmup, args.lr)
            print(f"warning: this run was planned for {planned} epochs and resumes with --epochs {args.epochs}: the "
                  f"learning-rate schedule now spans {args.epochs} epochs, so the rate at step {state['step']} is "
                  f"{after:.2e}, not {before:.2e}", file=sys.stderr)
    state["epochs"] = args.epochs
    extra = {
        "trainer": "scripts/reference/train_torch.py", "epochs": args.epochs, "lr": args.lr, "batch": args.batch,
        "batch_tokens": args.batch_tokens, "seed": args.seed, "init": args.init, "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
    }
    export_best_if_last(model, spec, extra, state, out)
    started = time.time()
    log = open(out / "log.jsonl", "a")
    autocast = torch.autocast(device_type="cuda" if device == "cuda" else "cpu", dtype=torch.bfloat16, enabled=args.bf16)
    while state["epoch"] < args.epochs:
        plan = epoch_plan(train, args.batch, args.batch_tokens, random.Random(args.seed * 1000003 + state["epoch"]))
        tokens, losses, t0 = 0, [], time.time()
        train_scores, valid_scores = Scores(*decisions), Scores(*decisions)
        for batch_ids in plan:
            batch = [train[i] for i in batch_ids]
            lr = learning_rate(state["step"], total, warmup, args.lr)
            for g in opt.param_groups:
                g["lr"] = lr
            with autocast:
                loss = answer_loss(model, prefix_kv, batch, dw, device, bottom, train_scores)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            state["step"] += 1
            losses.append(loss.item())
            tokens += sum(len(e["prompt"]) + len(e["answer"]) for e in batch)
        with autocast:
            vloss = validation_loss(model, prefix_kv, valid, args.batch, dw, device, bottom, valid_scores)
        entry = {
            "epoch": state["epoch"], "step": state["step"], "loss": sum(losses) / len(losses), "valid_loss": vloss,
            "train_auc": train_scores.auc(), "valid_auc": valid_scores.auc(),
            "lr": lr, "tokens_per_s": tokens / (time.time() - t0), "elapsed_s": time.time() - started,
        }
        print(json.dumps(entry), file=log, flush=True)
        auc = lambda a: "-" if a is None else f"{a:.3f}"
        print(
            f"epoch {state['epoch']} loss {entry['loss']:.4f} valid {vloss:.4f} decision AUC train {auc(entry['train_auc'])}"
            f" valid {auc(entry['valid_auc'])} {entry['tokens_per_s']:.0f} tok/s",
            file=sys.stderr,
        )
        # The validation loss rewards calibrated ids and line digits and turns up long before the decision
        # stops improving (session 6: loss best at epoch 3, decision AUC best at 15-20), so `best` follows
        # the decision AUC unless asked otherwise.
        score = -vloss if args.select == "loss" or entry["valid_auc"] is None else entry["valid_auc"]
        improved = state.get("best_score") is None or score > state["best_score"]
        if improved:
            state["best_score"] = score
        state["last_is_best"] = {"best_epoch": state["epoch"], "valid_loss": vloss, "valid_auc": entry["valid_auc"],
                                 "selected_by": args.select} if improved else None
        state["epoch"] += 1
        # The checkpoint first: an export that fails (disk, a package) must not cost the epoch. A
        # `best` is exported from the checkpoint's own weights, now or on resume.
        save_checkpoint(model, opt, state, ckpt)
        export_best_if_last(model, spec, extra, state, out)
        if args.max_minutes and time.time() - started > args.max_minutes * 60:
            export(model, spec, {**extra, "epochs_done": state["epoch"], "valid_loss": vloss}, out / "last")
            print("time is up: stopped after a checkpoint (`last` holds its weights); run the same command to resume", file=sys.stderr)
            return
    export(model, spec, {**extra, "epochs_done": state["epoch"], "valid_loss": vloss}, out / "last")


if __name__ == "__main__":
    main()
