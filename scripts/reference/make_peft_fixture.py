#!/usr/bin/env python3
"""Prove that Hugging Face PEFT loads what `pycwe train` writes, and computes the same model.

Run by hand, never by CI (it needs torch, transformers and peft; see make_codegen_fixture.py for the
setup, plus `pip install peft==0.7.1`):
    cargo build --release
    /tmp/cgref/bin/python scripts/reference/make_peft_fixture.py target/release/pycwe

It registers the tiny CodeGen checkpoint (crates/pycwe_model/tests/fixtures/codegen-tiny) in a
temporary model cache, trains a LoRA adapter on it with `pycwe train` (four records of
data/top25-500, two epochs, rank 4, all four CodeGen targets), loads the base with `transformers`
and the adapter with `peft.PeftModel.from_pretrained`, checks that every adapter tensor landed in a
LoRA module (no missing or unexpected keys), and writes into
crates/pycwe_model/tests/fixtures/codegen-tiny-peft/:
    adapter_model.safetensors, adapter_config.json, pycwe_adapter.json   the adapter as pycwe wrote it
    peft_logits.safetensors   ids (int64) and the PEFT model's logits at every position (float32)
The Rust test `codegen_reference.rs` applies the same adapter with pycwe and compares the logits.
"""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import torch
from peft import PeftModel
from safetensors.torch import save_file
from transformers import CodeGenForCausalLM

ROOT = pathlib.Path(__file__).resolve().parents[2]
BASE = ROOT / "crates/pycwe_model/tests/fixtures/codegen-tiny"
OUT = ROOT / "crates/pycwe_model/tests/fixtures/codegen-tiny-peft"


def four_records():
    records = [json.loads(l) for l in (ROOT / "data/top25-500/train.jsonl").read_text().splitlines()]
    by_id = {r["id"]: r for r in records}
    picked = []
    for r in records:
        if r["cwes"] and r.get("twin") in by_id:
            picked += [r, by_id[r["twin"]]]
        if len(picked) == 4:
            return picked
    raise SystemExit("not enough twin pairs")


def main():
    pycwe = pathlib.Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        env = {"PYCWE_CACHE": str(tmp / "cache"), "PATH": "/usr/bin:/bin"}
        subprocess.run([pycwe, "model", "add", "codegen-tiny", "--from", BASE], check=True, env=env)
        data = tmp / "data"
        data.mkdir()
        (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in four_records()))
        run = tmp / "run"
        subprocess.run(
            [pycwe, "train", "--model", "codegen-tiny", "--data", data, "--out", run, "--epochs", "2",
             "--lora-rank", "4", "--lora-alpha", "8", "--lr", "5e-3", "--accum", "1", "--max-len", "4096"],
            check=True, env=env,
        )
        shutil.rmtree(OUT, ignore_errors=True)
        OUT.mkdir(parents=True)
        for f in ["adapter_model.safetensors", "adapter_config.json", "pycwe_adapter.json"]:
            shutil.copy(run / f, OUT / f)
    # The config names the base by the absolute path it was trained from; point it at the fixture.
    config = json.loads((OUT / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = "../codegen-tiny"
    (OUT / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")

    base = CodeGenForCausalLM.from_pretrained(BASE).eval()
    model = PeftModel.from_pretrained(base, OUT).eval()
    loaded = {n for n, _ in model.named_parameters() if "lora_" in n}
    from safetensors import safe_open
    with safe_open(OUT / "adapter_model.safetensors", "pt") as f:
        written = set(f.keys())
    # PEFT names parameters with the adapter name inserted: ...lora_A.default.weight
    expected = {k.replace("lora_A.weight", "lora_A.default.weight").replace("lora_B.weight", "lora_B.default.weight")
                for k in written}
    assert loaded == expected, (sorted(loaded ^ expected)[:5])
    with safe_open(OUT / "adapter_model.safetensors", "pt") as f:
        for k in written:
            name = k.replace("lora_A.weight", "lora_A.default.weight").replace("lora_B.weight", "lora_B.default.weight")
            got = dict(model.named_parameters())[name]
            assert torch.equal(got.detach().float(), f.get_tensor(k).float()), k
    ids = torch.tensor([[(7 + 13 * i) % 300 for i in range(40)]], dtype=torch.long)
    with torch.no_grad():
        tuned = model(ids).logits[0].float().contiguous()
    save_file({"ids": ids[0].clone(), "logits": tuned}, str(OUT / "peft_logits.safetensors"))
    print(f"{len(written)} adapter tensors loaded by PEFT; logits written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
