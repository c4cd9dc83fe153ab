#!/usr/bin/env python3
"""Make the tiny CodeGen reference fixture for pycwe_model's tests (issue: the paper's model).

Run by hand, never by CI. The real Salesforce/codegen-350M-mono weights cannot be downloaded on the
team's machines, so the Rust CodeGen is proven against Hugging Face `transformers`' own
`CodeGenForCausalLM` on a tiny random model of the same architecture.

Setup used (Debian 12; PyPI's torch wheel pulls several GB of CUDA libraries, Debian's is CPU-only):
    apt-get install -y python3-torch python3-venv          # torch 1.13
    /usr/bin/python3 -m venv --system-site-packages /tmp/cgref
    /tmp/cgref/bin/pip install "transformers==4.36.2" safetensors   # tokenizers 0.15 comes with it
    /tmp/cgref/bin/python scripts/reference/make_codegen_fixture.py

What it writes into crates/pycwe_model/tests/fixtures/codegen-tiny/ (a checkpoint directory that
`pycwe model add` accepts):
    config.json, model.safetensors   save_pretrained() of a seeded random CodeGenForCausalLM
                                     (2 layers, n_embd 64, 4 heads, rotary_dim 8, n_inner 128)
    tokenizer.json                   a byte-level BPE trained on this repository's example project,
                                     with CodeGen's extra whitespace tokens and <|endoftext|>
    reference.safetensors            ids_<i> (int64) and logits_<i> (float32, every position) from
                                     transformers for a few sequences, one of 90 tokens (far longer
                                     than rotary_dim, so the rotation matters)
    tokenizer_cases.json             text -> ids from the `tokenizers` library
and into codegen-tiny-bin/ the same weights as pytorch_model.bin (torch.save), to prove the pickle path.
"""

import json
import pathlib
import shutil

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from tokenizers import AddedToken
from transformers import CodeGenConfig, CodeGenForCausalLM

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "crates/pycwe_model/tests/fixtures/codegen-tiny"
OUT_BIN = ROOT / "crates/pycwe_model/tests/fixtures/codegen-tiny-bin"
VOCAB = 320


def make_tokenizer():
    corpus = sorted(str(p) for p in (ROOT / "examples").rglob("*.py"))
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB - 12,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train(corpus, trainer)
    # CodeGen's tokenizer adds runs of spaces and tabs as whole tokens.
    tok.add_tokens([AddedToken(" " * n, normalized=False) for n in range(2, 9)])
    tok.add_tokens([AddedToken("\t" * n, normalized=False) for n in range(2, 5)])
    return tok


def main():
    torch.manual_seed(0)
    tok = make_tokenizer()
    assert tok.get_vocab_size() <= VOCAB, tok.get_vocab_size()
    cfg = CodeGenConfig(
        vocab_size=VOCAB, n_positions=128, n_ctx=128, n_embd=64, n_layer=2, n_head=4, rotary_dim=8,
        n_inner=128, activation_function="gelu_new", tie_word_embeddings=False,
        bos_token_id=tok.token_to_id("<|endoftext|>"), eos_token_id=tok.token_to_id("<|endoftext|>"),
    )
    model = CodeGenForCausalLM(cfg).eval()
    # The default init (std 0.02) makes every layer nearly the identity: draw larger weights so
    # that each part of the block shows in the logits.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_f.weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.15 * torch.randn_like(p))
    for d in (OUT, OUT_BIN):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    model.save_pretrained(OUT, safe_serialization=True)
    (OUT / "generation_config.json").unlink(missing_ok=True)
    tok.save(str(OUT / "tokenizer.json"))
    shutil.copy(OUT / "config.json", OUT_BIN / "config.json")
    shutil.copy(OUT / "tokenizer.json", OUT_BIN / "tokenizer.json")
    torch.save(model.state_dict(), OUT_BIN / "pytorch_model.bin")

    texts = [
        "def f(x):\n    return x + 1\n",
        "import os\n\ndef run(cmd):\n\tos.system(cmd)  # noqa\n",
        "query = f\"SELECT * FROM users WHERE name = '{name}'\"\ncursor.execute(query)\n" * 2,
    ]
    cases = [{"text": t, "ids": tok.encode(t).ids} for t in texts]
    (OUT / "tokenizer_cases.json").write_text(json.dumps(cases, indent=1) + "\n")
    seqs = [[5, 17], [c["ids"] for c in cases][0], [c["ids"] for c in cases][2][:90]]
    assert len(seqs[2]) == 90, len(seqs[2])
    ref = {}
    with torch.no_grad():
        for i, ids in enumerate(seqs):
            x = torch.tensor([ids], dtype=torch.long)
            ref[f"ids_{i}"] = x[0].clone()
            ref[f"logits_{i}"] = model(x).logits[0].float().contiguous()
    save_file(ref, str(OUT / "reference.safetensors"))
    for p in sorted(OUT.iterdir()) + sorted(OUT_BIN.iterdir()):
        print(f"{p.relative_to(ROOT)}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
