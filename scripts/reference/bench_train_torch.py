#!/usr/bin/env python3
"""The PyTorch reference next to `pycwe bench train`: the same step (the same synthetic batch, prefix,
LoRA rank and top layers, one untimed warm-up step so the frozen bottom is cached) in
scripts/reference/train_torch.py's model, so the two tables compare rows measured the same way.

Run by hand, right after `pycwe bench train` on an otherwise idle machine:
    pycwe train --data data/top25-500 --out /tmp/x --export-examples /tmp/x.json   # for the prefix
    python3 scripts/reference/bench_train_torch.py --examples /tmp/x.json \\
        --gguf ~/.cache/pycwe/models/SmolLM2-135M-Instruct.Q4_1.gguf
"""

import argparse
import json
import pathlib
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import train_torch as tt  # noqa: E402


def synthetic_batch(batch, tokens, vocab):
    """pycwe's bench_train::synthetic_batch: the same ids, the last 12 tokens the answer."""
    out = []
    for b in range(batch):
        ids = [100 + (i * 7919 + b * 104_729) % (vocab - 100) for i in range(tokens)]
        out.append({"prompt": ids[: tokens - 12], "answer": ids[tokens - 12 :]})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", required=True, help="any `pycwe train --export-examples` file (for its prefix)")
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=192)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--lora-rank", type=int, default=16)
    ap.add_argument("--top-layers", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    spec = json.loads(pathlib.Path(args.examples).read_text())
    cfg, weights = tt.load_gguf(args.gguf)
    vocab = weights["token_embd.weight"].shape[0]
    from_layer = cfg["layers"] - args.top_layers
    model = tt.Llama(cfg, weights, args.lora_rank, 2.0 * args.lora_rank, tt.TARGETS, from_layer, 0)
    batch = synthetic_batch(args.batch, args.tokens, vocab)
    with torch.no_grad():
        model.lora_on = False
        _, prefix_kv = model(torch.tensor([spec["prefix"]]))
        model.lora_on = True
        rows = torch.tensor([e["prompt"] + e["answer"] for e in batch])
        t = time.perf_counter()
        model(rows, prefix_kv)
        forward = time.perf_counter() - t

    bottom = tt.Bottom(model, prefix_kv, from_layer)
    params = list(model.lora.values())
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)

    def step():
        loss = tt.answer_loss(model, prefix_kv, batch, 1.0, "cpu", bottom)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()  # warm-up: caches the bottom
    t = time.perf_counter()
    for _ in range(args.steps):
        step()
    per_step = (time.perf_counter() - t) / args.steps
    tokens = args.batch * args.tokens
    trainable = sum(p.numel() for p in params)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; {args.batch} x {args.tokens} tokens after a {len(spec['prefix'])}-token prefix\n")
    print("| training | trainable params | per step | tokens/s | time vs forward |")
    print("|---|---:|---:|---:|---:|")
    print(f"| forward only (inference mode, all {cfg['layers']} layers) | - | {forward:.2f} s | {tokens / forward:.0f} | 1.00x |")
    print(f"| LoRA r{args.lora_rank}, top {args.top_layers} layers | {trainable:,} | {per_step:.2f} s | {tokens / per_step:.0f} | {per_step / forward:.2f}x |")


if __name__ == "__main__":
    main()
