#!/usr/bin/env python3
"""Make the SmolLM2-135M-Instruct reference fixtures for pycwe_model's tests.

Run by hand, never by CI. CI only reads the files this script writes into
crates/pycwe_model/tests/fixtures/smollm2/.

What it writes there:
  tokens.json        token ids from llama.cpp's own tokenizer (llama-cpp-python)
                     for tricky Python / unicode / special-token snippets
  logits.json        per prompt: input ids, argmax at every position from an
                     independent numpy f32 forward pass, top-20 at the last
                     position, llama.cpp's argmax at every position, and the
                     measured numpy-vs-llama.cpp differences
  logits_<name>.f32  numpy f32 logits at ALL positions, row-major
                     [positions, vocab], little-endian float32, no header
  README.md          what each file is, how to regenerate, versions, measured
                     differences, the GGUF tokenizer metadata

The numpy forward pass reads the GGUF with the `gguf` package (GGUFReader,
gguf.quants.dequantize) and implements the llama architecture from scratch;
llama.cpp is used only for the tokenizer and as the independent check of the
numpy logits, twice:
  * on the Q4_1 GGUF as shipped (quantized activations: noise of ~0.2 mean abs;
    the argmax may differ only at near-ties, top-1/top-2 margin < NEAR_TIE);
  * on an all-F32 copy of the model holding the exact dequantized arrays, with an
    f32 KV cache: argmax must agree everywhere and |diff| < F32_TOL.
Either failing makes the script exit 1 (after writing the files, for inspection).
If `tokenizers` is installed, tokens.json is also cross-checked against Hugging
Face tokenizers built from the GGUF's vocab and merges.

Setup (exact versions used for the committed fixtures; llama-cpp-python is
built from source, ~20 min on 2 cores; cmake comes from PyPI through pip's
build isolation; tokenizers is optional):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install numpy==2.4.6 gguf==0.19.0 tokenizers==0.23.3
    CMAKE_BUILD_PARALLEL_LEVEL=2 \
    CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF" \
        nice -n 10 /tmp/refvenv/bin/pip install --no-cache-dir llama-cpp-python==0.3.36

Run (from the repository root; the model comes from `pycwe model pull`):

    /tmp/refvenv/bin/python scripts/reference/make_smollm2_fixtures.py \
        --model ~/.cache/pycwe/models/SmolLM2-135M-Instruct.Q4_1.gguf
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

import gguf
from gguf import GGUFReader
from gguf.quants import dequantize

EXPECTED_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
EXPECTED_SIZE = 98_362_432

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "crates" / "pycwe_model" / "tests" / "fixtures" / "smollm2"
DEFAULT_MODEL = Path.home() / ".cache" / "pycwe" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

TOP_K = 20
# The llama.cpp commit that llama-cpp-python 0.3.36 vendors (vendor/llama.cpp in its sdist).
LLAMA_CPP_VENDOR_COMMIT = "0c1e57098bba43ac29e6e3b677cdceebdd22334f"

# --------------------------------------------------------------------------
# Tokenizer cases: (name, text, special). `special` is llama.cpp's
# parse_special flag: with True, "<|im_start|>" etc. become control tokens;
# with False they are tokenized as plain text.
# --------------------------------------------------------------------------
TOKEN_CASES: list[tuple[str, str, bool]] = [
    ("unicode_identifiers", "def größe(π, λ_2):\n    return π * λ_2 + ñandú\n", False),
    ("tabs", "if x:\n\treturn 1\nelse:\n\tif y:\n\t\tpass\n", False),
    ("crlf", "import os\r\nimport sys\r\n\r\ndef main():\r\n    pass\r\n", False),
    (
        "long_identifier",
        "this_is_a_very_long_identifier_name_that_keeps_going_and_going_forever_and_ever_v2 = None\n",
        False,
    ),
    ("emoji_string", 'print("hello 🐍🔥 world 👍🏽 family 👨\u200d👩\u200d👧")\n', False),
    ("fstring", 'msg = f"{user!r:>10} has {count:,d} items ({ratio:.2%}) and {{braces}}"\n', False),
    (
        "many_digits",
        "x = 12345678901234567890 + 3.14159265358979e-10 + 0xDEADBEEF + 1_000_000 - 007\n",
        False,
    ),
    ("leading_spaces", "        return value\n", False),
    ("leading_space_single", " x", False),
    ("three_newlines", "\n\n\n", False),
    ("mixed_indentation", "def f():\n    if a:\n\t    b()\n  \t  c()\n", False),
    (
        "docstring",
        'def area(r):\n    """Return the area of a circle.\n\n    Args:\n        r: the radius.\n    """\n    return 3.14159 * r ** 2\n',
        False,
    ),
    (
        "regex_literal",
        "pattern = re.compile(r'^(?P<user>[\\w.+-]+)@([a-z0-9-]+\\.)+[a-z]{2,}$', re.I)\n",
        False,
    ),
    ("sql_format", "cursor.execute(\"SELECT * FROM users WHERE name = '%s'\" % name)\n", False),
    ("shell_true", 'subprocess.call("ls -la " + user_input, shell=True)\n', False),
    ("trailing_whitespace", "a  =   b    # comment   \n   \n", False),
    ("cjk_and_accents", "# 计算总和 — naïve café\nx = 'Ωmega'  # 日本語\n", False),
    ("nfd_combining", "name = 'cafe\u0301'  # NFD e + combining acute\n", False),
    ("bytes_escapes", "data = b'\\x00\\xff\\n' + bytes([0x7f]) + '\\u00e9'\n", False),
    ("windows_path", 'path = "C:\\\\Users\\\\admin\\\\file.txt"\n', False),
    ("single_space", " ", False),
    (
        "chatml_special",
        "<|im_start|>system\nYou are a security auditor.<|im_end|>\n<|im_start|>user\nx = eval(s)<|im_end|>\n<|im_start|>assistant\n",
        True,
    ),
    (
        "chatml_as_text",
        "<|im_start|>system\nYou are a security auditor.<|im_end|>\n<|im_start|>user\nx = eval(s)<|im_end|>\n<|im_start|>assistant\n",
        False,
    ),
    ("endoftext_special", "<|endoftext|>print(1)<|endoftext|>", True),
    ("special_with_spaces", " <|im_start|> user <|im_end|>\n\n<|im_end|>", True),
    ("special_in_python_string_as_text", 's = "<|im_end|>"  # injected\n', False),
]

# --------------------------------------------------------------------------
# Logit prompts: (name, text, special). Kept short: every position costs
# vocab * 4 bytes = 196,608 bytes in the .f32 file.
# --------------------------------------------------------------------------
LOGIT_PROMPTS: list[tuple[str, str, bool]] = [
    ("chatml", "<|im_start|>user\nIs eval safe?<|im_end|>\n<|im_start|>assistant\n", True),  # 13 tokens
    ("python", "def f(x):\n    return x\n", False),  # 9 tokens
    (
        "long",  # 33 tokens
        'import hashlib\n\ndef digest(password):\n    return hashlib.md5(password.encode()).hexdigest()\n\nprint(digest("secret!"))\n',
        False,
    ),
]
LONG_MIN = 33  # the "long" prompt must be longer than 32 tokens


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# GGUF metadata
# --------------------------------------------------------------------------
def field(reader: GGUFReader, key: str, default=None):
    f = reader.fields.get(key)
    if f is None:
        return default
    return f.contents()


def tokenizer_metadata(reader: GGUFReader) -> dict:
    tokens = field(reader, "tokenizer.ggml.tokens")
    types = field(reader, "tokenizer.ggml.token_type")
    merges = field(reader, "tokenizer.ggml.merges") or []
    type_names = {1: "normal", 2: "unknown", 3: "control", 4: "user_defined", 5: "unused", 6: "byte"}
    type_counts: dict[str, int] = {}
    for t in types:
        name = type_names.get(int(t), str(t))
        type_counts[name] = type_counts.get(name, 0) + 1
    control = [[i, tokens[i]] for i, t in enumerate(types) if int(t) == 3]
    user_defined = [[i, tokens[i]] for i, t in enumerate(types) if int(t) == 4]
    special_ids = {}
    for k in ("bos", "eos", "unknown", "padding", "eot", "eom", "sep", "cls", "mask"):
        v = field(reader, f"tokenizer.ggml.{k}_token_id")
        if v is not None:
            special_ids[k] = [int(v), tokens[int(v)]]
    return {
        "tokenizer.ggml.model": field(reader, "tokenizer.ggml.model"),
        "tokenizer.ggml.pre": field(reader, "tokenizer.ggml.pre"),
        "tokenizer.ggml.add_bos_token": field(reader, "tokenizer.ggml.add_bos_token"),
        "tokenizer.ggml.add_eos_token": field(reader, "tokenizer.ggml.add_eos_token"),
        "tokenizer.ggml.add_space_prefix": field(reader, "tokenizer.ggml.add_space_prefix"),
        "n_tokens": len(tokens),
        "n_merges": len(merges),
        "first_merges": list(merges[:5]),
        "token_type_counts": type_counts,
        "special_token_ids": special_ids,
        "control_tokens": control,
        "user_defined_tokens": user_defined,
        "has_scores": "tokenizer.ggml.scores" in reader.fields,
    }


# --------------------------------------------------------------------------
# Independent numpy forward pass (llama architecture)
# --------------------------------------------------------------------------
class NumpyLlama:
    def __init__(self, reader: GGUFReader):
        arch = field(reader, "general.architecture")
        if arch != "llama":
            raise SystemExit(f"expected general.architecture == llama, got {arch!r}")
        p = "llama."
        self.n_layer = int(field(reader, p + "block_count"))
        self.n_embd = int(field(reader, p + "embedding_length"))
        self.n_ff = int(field(reader, p + "feed_forward_length"))
        self.n_head = int(field(reader, p + "attention.head_count"))
        self.n_head_kv = int(field(reader, p + "attention.head_count_kv", self.n_head))
        self.eps = float(field(reader, p + "attention.layer_norm_rms_epsilon"))
        self.rope_base = float(field(reader, p + "rope.freq_base", 10000.0))
        self.n_ctx_train = int(field(reader, p + "context_length"))
        self.head_dim = self.n_embd // self.n_head
        self.n_rot = int(field(reader, p + "rope.dimension_count", self.head_dim))
        if field(reader, p + "rope.scaling.type") not in (None, "none"):
            raise SystemExit("rope scaling is not implemented in this reference")
        self.tensor_types = {}
        self.w: dict[str, np.ndarray] = {}
        for t in reader.tensors:
            self.tensor_types[t.name] = t.tensor_type.name
            # dequantize returns numpy order: [ne1 (rows/out), ne0 (cols/in)]
            self.w[t.name] = np.ascontiguousarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        self.tok_embd = self.w["token_embd.weight"]  # [vocab, n_embd]
        self.tied_output = "output.weight" not in self.w
        self.output = self.tok_embd if self.tied_output else self.w["output.weight"]
        self.n_vocab = self.tok_embd.shape[0]

    def hparams(self) -> dict:
        return {
            "n_layer": self.n_layer,
            "n_embd": self.n_embd,
            "n_ff": self.n_ff,
            "n_head": self.n_head,
            "n_head_kv": self.n_head_kv,
            "head_dim": self.head_dim,
            "n_rot": self.n_rot,
            "rope_freq_base": self.rope_base,
            "rms_eps": self.eps,
            "context_length": self.n_ctx_train,
            "n_vocab": self.n_vocab,
            "tied_output": self.tied_output,
        }

    def rms_norm(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        ms = np.mean(x.astype(np.float64) ** 2, axis=-1, keepdims=True)
        return (x / np.sqrt(ms + self.eps)).astype(self.dtype) * w

    def rope_normal(self, x: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """llama.cpp LLAMA_ROPE_TYPE_NORM: rotate adjacent pairs (x[2i], x[2i+1])
        by pos * base^(-2i/n_rot). x: [T, heads, head_dim]. The GGUF's q/k rows
        are already permuted by the converter for this layout."""
        d = self.n_rot
        i = np.arange(d // 2, dtype=np.float64)
        inv_freq = self.rope_base ** (-2.0 * i / d)  # [d/2]
        ang = pos.astype(np.float64)[:, None] * inv_freq[None, :]  # [T, d/2]
        cos = np.cos(ang).astype(self.dtype)[:, None, :]
        sin = np.sin(ang).astype(self.dtype)[:, None, :]
        out = x.copy()
        x0 = x[..., 0:d:2]
        x1 = x[..., 1:d:2]
        out[..., 0:d:2] = x0 * cos - x1 * sin
        out[..., 1:d:2] = x0 * sin + x1 * cos
        return out

    def forward(self, ids: list[int], dtype=np.float32) -> np.ndarray:
        """Logits at every position, [T, vocab], computed in `dtype`."""
        self.dtype = dtype
        W = {k: v.astype(dtype, copy=False) for k, v in self.w.items()}
        T = len(ids)
        hd, nh, nkv = self.head_dim, self.n_head, self.n_head_kv
        group = nh // nkv
        pos = np.arange(T)
        x = W["token_embd.weight"][np.asarray(ids)]  # [T, n_embd]
        mask = np.triu(np.full((T, T), -np.inf, dtype=dtype), k=1)
        scale = dtype(1.0 / np.sqrt(hd))
        for l in range(self.n_layer):
            b = f"blk.{l}."
            h = self.rms_norm(x, W[b + "attn_norm.weight"])
            q = (h @ W[b + "attn_q.weight"].T).reshape(T, nh, hd)
            k = (h @ W[b + "attn_k.weight"].T).reshape(T, nkv, hd)
            v = (h @ W[b + "attn_v.weight"].T).reshape(T, nkv, hd)
            q = self.rope_normal(q, pos)
            k = self.rope_normal(k, pos)
            att_out = np.empty((T, nh, hd), dtype=dtype)
            for hh in range(nh):
                kv = hh // group  # ggml broadcasting: q head h uses kv head h / (nh / nkv)
                s = (q[:, hh, :] @ k[:, kv, :].T) * scale + mask  # [T, T]
                s = s - s.max(axis=-1, keepdims=True)
                p = np.exp(s)
                p = p / p.sum(axis=-1, keepdims=True)
                att_out[:, hh, :] = p @ v[:, kv, :]
            x = x + att_out.reshape(T, nh * hd) @ W[b + "attn_output.weight"].T
            h = self.rms_norm(x, W[b + "ffn_norm.weight"])
            g = h @ W[b + "ffn_gate.weight"].T
            u = h @ W[b + "ffn_up.weight"].T
            act = (g / (1.0 + np.exp(-g))) * u  # SiLU(gate) * up
            x = x + act @ W[b + "ffn_down.weight"].T
        x = self.rms_norm(x, W["output_norm.weight"])
        out = W["token_embd.weight"] if self.tied_output else W["output.weight"]
        return (x @ out.T).astype(np.float32)


# --------------------------------------------------------------------------
# llama.cpp side
# --------------------------------------------------------------------------
def llama_cpp_logits(
    model_path: Path, prompts: list[tuple[str, list[int]]], f32_kv: bool = False
) -> dict[str, np.ndarray]:
    """llama.cpp's logits at every position. Default settings (f16 KV cache) unless
    f32_kv, which also keeps the KV cache in f32 (GGML_TYPE_F32 = 0)."""
    from llama_cpp import Llama

    kw = {"type_k": 0, "type_v": 0} if f32_kv else {}
    llm = Llama(
        model_path=str(model_path),
        logits_all=True,
        n_ctx=512,
        n_threads=2,
        n_threads_batch=2,
        seed=0,
        flash_attn=False,
        verbose=False,
        **kw,
    )
    out = {}
    for name, ids in prompts:
        llm.reset()
        llm.eval(ids)
        out[name] = np.array(llm.scores[: len(ids)], dtype=np.float32, copy=True)
    llm.close()
    return out


def write_f32_gguf(reader: GGUFReader, net: NumpyLlama, path: Path) -> None:
    """A copy of the model with every tensor dequantized to F32 (the exact arrays the
    numpy pass uses) and the same metadata. llama.cpp runs F32 weights with F32
    activations, so on this copy it must match the numpy pass to float rounding."""
    from gguf import GGUFValueType, GGUFWriter

    w = GGUFWriter(str(path), "llama")
    for f in reader.fields.values():
        if f.name == "general.architecture" or f.name.startswith("GGUF."):
            continue
        vtype = f.types[0]
        sub = f.types[-1] if vtype == GGUFValueType.ARRAY else None
        val = 0 if f.name == "general.file_type" else f.contents()  # 0 = LLAMA_FTYPE_ALL_F32
        w.add_key_value(f.name, val, vtype, sub_type=sub)
    for t in reader.tensors:
        w.add_tensor(t.name, net.w[t.name])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def compare(ours: np.ndarray, theirs: np.ndarray) -> dict:
    am, am_ref = ours.argmax(axis=-1), theirs.argmax(axis=-1)
    diff = np.abs(ours - theirs)
    corr = [float(np.corrcoef(ours[i], theirs[i])[0, 1]) for i in range(ours.shape[0])]
    return {
        "max_abs_diff": float(diff.max()),
        "mean_abs_diff": float(diff.mean()),
        "min_corr": float(min(corr)),
        "argmax_agrees_everywhere": bool((am == am_ref).all()),
        "argmax_disagrees_at": np.nonzero(am != am_ref)[0].tolist(),
    }


def hf_tokenizers_crosscheck(reader: GGUFReader, cases: list[dict]) -> dict | None:
    """Optional second tokenizer: Hugging Face `tokenizers` built from the GGUF's own
    vocab and merges (BPE; pre-tokenizer Digits(individual) then ByteLevel's GPT-2 regex;
    control tokens as special added tokens). Returns None if `tokenizers` is absent."""
    try:
        import tokenizers
        from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers
    except ImportError:
        return None
    toks = field(reader, "tokenizer.ggml.tokens")
    types = field(reader, "tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ")) for m in field(reader, "tokenizer.ggml.merges")]
    tk = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(toks)}, merges=merges, fuse_unk=False, byte_fallback=False))
    tk.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
        ]
    )
    control = [toks[i] for i, t in enumerate(types) if int(t) == 3]
    tk.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in control])
    agree, differ, skipped = [], [], []
    for c in cases:
        # HF always splits out added tokens, so special=False texts containing them have no HF equivalent
        if not c["special"] and any(t in c["text"] for t in control):
            skipped.append(c["name"])
            continue
        ids = tk.encode(c["text"], add_special_tokens=False).ids
        (agree if ids == c["ids"] else differ).append(c["name"])
        if ids != c["ids"]:
            print(f"HF tokenizers differs on {c['name']}: {ids} vs llama.cpp {c['ids']}")
    return {"version": tokenizers.__version__, "agree": agree, "differ": differ, "skipped": skipped}


# A quantized-activation implementation (llama.cpp, candle's QMatMul) may flip the
# argmax only where the f32 top-1/top-2 margin is within its noise; the flips we saw
# between llama.cpp and numpy (on other prompts) needed a margin change of ~0.3.
NEAR_TIE = 0.5
F32_TOL = 1e-3  # numpy vs llama.cpp on the F32 copy of the model


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--workdir", type=Path, default=None, help="for the temporary F32 GGUF (~550 MB); default: a temp dir")
    args = ap.parse_args()

    import tempfile

    import llama_cpp
    from llama_cpp import Llama

    model = args.model.expanduser()
    size = model.stat().st_size
    digest = sha256_of(model)
    if digest != EXPECTED_SHA256 or size != EXPECTED_SIZE:
        print(f"warning: model sha256/size {digest}/{size} differ from the expected {EXPECTED_SHA256}/{EXPECTED_SIZE}")
    out_dir = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "gguf": getattr(gguf, "__version__", None) or _dist_version("gguf"),
        "llama_cpp_python": llama_cpp.__version__,
        "llama_cpp_vendored_commit": LLAMA_CPP_VENDOR_COMMIT,
    }
    print("versions:", versions)

    # ---- tokenizer fixtures (llama.cpp's own tokenizer) ----
    vocab = Llama(model_path=str(model), vocab_only=True, verbose=False)

    def tok(text: str, special: bool) -> list[int]:
        return [int(t) for t in vocab.tokenize(text.encode("utf-8"), add_bos=False, special=special)]

    cases = []
    for name, text, special in TOKEN_CASES:
        ids = tok(text, special)
        # llama.cpp's detokenizer should give the text back (renders specials when special=True)
        back = vocab.detokenize(ids, special=special).decode("utf-8", errors="replace")
        if back != text:
            print(f"note: case {name}: detokenize does not round-trip: {back!r}")
        cases.append({"name": name, "text": text, "special": special, "ids": ids})
    tokens_json = {
        "model_sha256": digest,
        "llama_cpp_python": llama_cpp.__version__,
        "llama_cpp_vendored_commit": LLAMA_CPP_VENDOR_COMMIT,
        "add_bos": False,
        "cases": cases,
    }
    (out_dir / "tokens.json").write_text(json.dumps(tokens_json, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"tokens.json: {len(cases)} cases")

    # ---- logits ----
    prompt_ids = []
    for name, text, special in LOGIT_PROMPTS:
        ids = tok(text, special)
        if name == "long":
            assert LONG_MIN <= len(ids) <= 40, (name, len(ids))
        else:
            assert 8 <= len(ids) <= 40, (name, len(ids))
        prompt_ids.append((name, text, special, ids))
    vocab.close()

    reader = GGUFReader(str(model))
    tok_meta = tokenizer_metadata(reader)
    hf = hf_tokenizers_crosscheck(reader, cases)
    print("HF tokenizers cross-check:", hf)
    print("tokenizer metadata:", json.dumps({k: v for k, v in tok_meta.items() if k != "control_tokens"}, ensure_ascii=False))
    print("control tokens:", tok_meta["control_tokens"])
    net = NumpyLlama(reader)
    print("hparams:", net.hparams())
    tensor_type_counts: dict[str, int] = {}
    for ty in net.tensor_types.values():
        tensor_type_counts[ty] = tensor_type_counts.get(ty, 0) + 1

    plist = [(n, ids) for n, _, _, ids in prompt_ids]
    ref_q = llama_cpp_logits(model, plist)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        f32_path = Path(tmp) / "smollm2-135m-f32.gguf"
        write_f32_gguf(reader, net, f32_path)
        ref_f32 = llama_cpp_logits(f32_path, plist, f32_kv=True)

    prompts_out = []
    failures = []
    for name, text, special, ids in prompt_ids:
        ours = net.forward(ids, np.float32)
        ours64 = net.forward(ids, np.float64).astype(np.float32)
        q, f = ref_q[name], ref_f32[name]
        assert ours.shape == q.shape == f.shape == (len(ids), net.n_vocab), (ours.shape, q.shape, f.shape)
        am = ours.argmax(axis=-1)
        srt = np.sort(ours, axis=-1)
        margin = srt[:, -1] - srt[:, -2]
        cq, cf = compare(ours, q), compare(ours, f)
        # pass/fail: exact agreement with llama.cpp on the F32 copy; on the Q4_1 model,
        # argmax may differ only at near-ties
        if not cf["argmax_agrees_everywhere"] or cf["max_abs_diff"] > F32_TOL:
            failures.append(f"{name}: numpy vs llama.cpp(F32 copy) {cf}")
        hard = [i for i in cq["argmax_disagrees_at"] if margin[i] >= NEAR_TIE]
        if hard:
            failures.append(f"{name}: numpy vs llama.cpp(Q4_1) argmax differs at positions {hard} with margin >= {NEAR_TIE}")
        print(f"{name}: T={len(ids)}\n  vs llama.cpp Q4_1: {cq}\n  vs llama.cpp F32 copy: {cf}")
        last = ours[-1]
        top = np.argsort(-last, kind="stable")[:TOP_K]
        qtop = np.argsort(-q[-1], kind="stable")[:TOP_K]
        fname = f"logits_{name}.f32"
        ours.astype("<f4").tofile(out_dir / fname)
        prompts_out.append(
            {
                "name": name,
                "text": text,
                "special": special,
                "ids": [int(i) for i in ids],
                "logits_file": fname,
                "shape": [len(ids), net.n_vocab],
                "argmax": [int(i) for i in am],
                "top1_margin": [round(float(x), 5) for x in margin],
                "last_top": {"ids": [int(i) for i in top], "logits": [float(last[i]) for i in top]},
                "llama_cpp_argmax": [int(i) for i in q.argmax(axis=-1)],
                "llama_cpp_last_top": {"ids": [int(i) for i in qtop], "logits": [float(q[-1][i]) for i in qtop]},
                "vs_llama_cpp_q4_1": cq,
                "vs_llama_cpp_f32_copy": cf,
                "max_abs_diff_f32_vs_f64_numpy": float(np.abs(ours - ours64).max()),
            }
        )

    logits_json = {
        "model_sha256": digest,
        "versions": versions,
        "hparams": net.hparams(),
        "rope": "llama.cpp NORMAL mode: adjacent pairs (x[2i], x[2i+1]), theta = pos * freq_base^(-2i/n_rot), on q/k rows as stored in the GGUF",
        "logits_layout": "row-major [positions, vocab], little-endian float32, no header",
        "llama_cpp_settings": "Llama(model_path, logits_all=True, n_ctx=512, n_threads=2, flash_attn=False), eval(ids); default f16 KV cache",
        "max_abs_diff_vs_llama_cpp": max(p["vs_llama_cpp_q4_1"]["max_abs_diff"] for p in prompts_out),
        "min_corr_vs_llama_cpp": min(p["vs_llama_cpp_q4_1"]["min_corr"] for p in prompts_out),
        "max_abs_diff_vs_llama_cpp_f32_copy": max(p["vs_llama_cpp_f32_copy"]["max_abs_diff"] for p in prompts_out),
        "near_tie_margin": NEAR_TIE,
        "prompts": prompts_out,
    }
    (out_dir / "logits.json").write_text(json.dumps(logits_json, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    write_readme(out_dir, digest, versions, net, tensor_type_counts, tok_meta, prompts_out, cases, hf)
    total = sum(f.stat().st_size for f in out_dir.iterdir() if f.is_file())
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(f"ok; fixtures total {total} bytes in {out_dir}")
    return 0


def _dist_version(name: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:
        return None


def write_readme(out_dir, digest, versions, net, tensor_type_counts, tok_meta, prompts_out, cases, hf) -> None:
    L = []
    a = L.append
    a("# SmolLM2-135M-Instruct reference fixtures")
    a("")
    a("Generated by `scripts/reference/make_smollm2_fixtures.py` (run by hand, never by CI;")
    a("its docstring has the venv setup). Do not edit these files by hand.")
    a("")
    a("Regenerate, from the repository root:")
    a("")
    a("```sh")
    a("python3 -m venv /tmp/refvenv")
    a("/tmp/refvenv/bin/pip install numpy==2.4.6 gguf==0.19.0 tokenizers==0.23.3  # tokenizers: optional cross-check")
    a('CMAKE_BUILD_PARALLEL_LEVEL=2 CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF" \\')
    a("    nice -n 10 /tmp/refvenv/bin/pip install --no-cache-dir llama-cpp-python==0.3.36")
    a("/tmp/refvenv/bin/python scripts/reference/make_smollm2_fixtures.py \\")
    a("    --model ~/.cache/pycwe/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    a("```")
    a("")
    a(f"Model: `SmolLM2-135M-Instruct.Q4_1.gguf`, {EXPECTED_SIZE:,} bytes, SHA-256 `{digest}`")
    a(f"(tensor types: {', '.join(f'{k} x{v}' for k, v in sorted(tensor_type_counts.items()))}).")
    a("")
    a("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".")
    a("")
    a("## Files")
    a("")
    a(f"- `tokens.json`: {len(cases)} cases `{{name, text, special, ids}}` tokenized by llama.cpp's own")
    a("  tokenizer (llama-cpp-python `Llama(model_path, vocab_only=True)`, then")
    a("  `tokenize(text.encode('utf-8'), add_bos=False, special=<case.special>)`). `special` is")
    a("  llama.cpp's parse_special flag: true turns `<|im_start|>` etc. into their control-token ids,")
    a("  false tokenizes them as plain text. No BOS is added.")
    a("- `logits.json`: per prompt `name`, `text`, `special`, `ids` (input ids, from the same")
    a("  tokenizer), `argmax` (numpy argmax at every position), `last_top` (top-20 ids and logits")
    a("  at the last position, numpy), `llama_cpp_argmax` (llama.cpp's argmax at every position),")
    a("  and the measured differences; plus the hyperparameters read from the GGUF.")
    a("- `logits_<name>.f32`: the numpy f32 logits at ALL positions, row-major")
    a(f"  `[positions, {net.n_vocab}]`, little-endian float32, no header.")
    a("")
    a("## The numpy reference forward pass")
    a("")
    a("Independent of llama.cpp: reads the GGUF with `gguf.GGUFReader`, dequantizes every tensor")
    a("with `gguf.quants.dequantize` to f32, and computes in f32 (RMSNorm's mean of squares in f64):")
    a("token embedding; per layer RMSNorm -> q/k/v projections -> rope -> causal grouped-query")
    a("attention (q head h uses kv head h / (n_head / n_head_kv)), scale 1/sqrt(head_dim) ->")
    a("output projection -> residual; RMSNorm -> down(silu(gate(x)) * up(x)) -> residual; final")
    a("RMSNorm; logits = x @ token_embd^T (tied; the GGUF has no `output.weight`).")
    a("Rope is llama.cpp's NORMAL mode on the q/k rows exactly as stored in the GGUF (the converter")
    a("permuted them): adjacent pairs `(x[2i], x[2i+1])` rotated by `pos * freq_base^(-2i/n_rot)`.")
    a("")
    hp = net.hparams()
    a("Hyperparameters from the GGUF metadata: " + ", ".join(f"{k}={v}" for k, v in hp.items()) + ".")
    a("")
    a("## Measured numpy vs llama.cpp")
    a("")
    a("Two llama.cpp runs, both `Llama(model_path, logits_all=True, n_ctx=512, n_threads=2,")
    a("flash_attn=False)`, `eval(ids)`, logits at every position:")
    a("")
    a("1. **Q4_1**: the GGUF as shipped, default settings. llama.cpp multiplies with quantized")
    a("   activations (Q8 dot products against the Q4_1/Q8_0 weights) and keeps an f16 KV cache,")
    a("   so it differs from the dequantized-f32 numpy pass by quantization noise, and the argmax")
    a("   can flip where the top-1/top-2 margin is small (on an earlier candidate long prompt it")
    a("   flipped at two positions whose numpy margins were 0.13 and 0.19, and several other")
    a("   candidates had 1-3 such flips; the committed prompts were chosen so that it agrees")
    a("   everywhere, but the long prompt has a position with margin 0.025).")
    a("2. **F32 copy**: the same model written back as an all-F32 GGUF with the exact dequantized")
    a("   arrays the numpy pass uses (same metadata), run with an f32 KV cache. Here llama.cpp does")
    a("   plain f32 arithmetic, so this is the tight check of the numpy architecture (rope layout,")
    a("   GQA head mapping, norms, SwiGLU, tied output): argmax must agree everywhere and the")
    a(f"   difference must stay under {F32_TOL:g}, or the script fails.")
    a("")
    a("| prompt | positions | Q4_1: max abs diff | Q4_1: mean abs diff | Q4_1: min per-position corr | Q4_1: argmax agrees | F32 copy: max abs diff | F32 copy: argmax agrees | min numpy top1-top2 margin | numpy f32 vs f64 max diff |")
    a("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p in prompts_out:
        q, f = p["vs_llama_cpp_q4_1"], p["vs_llama_cpp_f32_copy"]
        a(
            f"| {p['name']} | {len(p['ids'])} | {q['max_abs_diff']:.3f} | {q['mean_abs_diff']:.3f} | {q['min_corr']:.5f} | "
            f"{q['argmax_agrees_everywhere']} | {f['max_abs_diff']:.2e} | {f['argmax_agrees_everywhere']} | "
            f"{min(p['top1_margin']):.3f} | {p['max_abs_diff_f32_vs_f64_numpy']:.2e} |"
        )
    a("")
    a("The Q4_1 differences are larger than a rule-of-thumb 1e-2..1e-1: logits here are O(10-30)")
    a("and the activation quantization noise accumulates over 30 layers; the F32-copy run shows it")
    a("is quantization noise and not an architecture difference.")
    a("")
    a("Using these fixtures from Rust:")
    a("")
    a("- An implementation that dequantizes the weights to f32 and computes in f32 should match the")
    a("  `.f32` files to ~1e-3 abs (numpy f32 vs f64 differ by ~1e-4).")
    a("- One that multiplies with quantized activations (llama.cpp, candle's `QMatMul` on Q4_1/Q8_0)")
    a("  should be held to the Q4_1 numbers above: max abs diff of a few units at worst, mean ~0.2,")
    a(f"  per-position correlation > 0.99, and the argmax only where `top1_margin` >= {NEAR_TIE}")
    a("  (`top1_margin` in logits.json is numpy's top-1 minus top-2 logit at every position).")
    a("- `llama_cpp_argmax` and `llama_cpp_last_top` are llama.cpp's own answers on the Q4_1 model.")
    a("")
    a("## GGUF tokenizer metadata (printed from GGUFReader)")
    a("")
    for k in (
        "tokenizer.ggml.model",
        "tokenizer.ggml.pre",
        "tokenizer.ggml.add_bos_token",
        "tokenizer.ggml.add_eos_token",
        "tokenizer.ggml.add_space_prefix",
    ):
        a(f"- `{k}` = `{tok_meta[k]}`")
    a(f"- tokens: {tok_meta['n_tokens']}, merges: {tok_meta['n_merges']}, scores present: {tok_meta['has_scores']}")
    a(f"- first merges: {', '.join('`' + m + '`' for m in tok_meta['first_merges'])}")
    a(f"- token_type counts: {tok_meta['token_type_counts']} (1 normal, 2 unknown, 3 control, 4 user_defined, 5 unused, 6 byte)")
    a("- special token ids: " + ", ".join(f"{k} = {v[0]} `{v[1]}`" for k, v in tok_meta["special_token_ids"].items()))
    a(f"- control tokens (token_type == 3), {len(tok_meta['control_tokens'])}:")
    for i, t in tok_meta["control_tokens"]:
        a(f"  - {i} `{t}`")
    if tok_meta["user_defined_tokens"]:
        a(f"- user_defined tokens (token_type == 4), {len(tok_meta['user_defined_tokens'])}: "
          + ", ".join(f"{i} `{t}`" for i, t in tok_meta["user_defined_tokens"]))
    a("")
    a("`tokenizer.ggml.model = gpt2` is byte-level BPE (tokens are in GPT-2's byte-to-unicode")
    a("alphabet, e.g. `Ġ` = space, `Ċ` = newline). In the vendored llama.cpp")
    a(f"({LLAMA_CPP_VENDOR_COMMIT}, src/llama-vocab.cpp), `tokenizer.ggml.pre = smollm` selects")
    a("LLAMA_VOCAB_PRE_TYPE_SMOLLM with `clean_spaces = false` and two pre-tokenizer regexes applied in")
    a("sequence, each splitting the pieces of the previous one: first `\\p{N}` (every digit its own")
    a("piece), then `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)`;")
    a("text between matches is kept as its own piece (so a lone `\\s+` before a non-space still")
    a("forms a piece, as with GPT-2's trailing `|\\s+`). Special tokens (with parse_special) are")
    a("split out before any of this. `tokens.json` is the ground truth.")
    a("")
    if hf is not None:
        a(f"Cross-check: Hugging Face `tokenizers` {hf['version']}, built from the GGUF's vocab and merges")
        a("(`models.BPE`, pre-tokenizer `Sequence([Digits(individual_digits=True), ByteLevel(add_prefix_space=False,")
        a("use_regex=True)])`, the control tokens as special added tokens), gives the same ids as llama.cpp on")
        a(f"{len(hf['agree'])} of {len(hf['agree']) + len(hf['differ'])} cases"
          + (f" (differs on: {', '.join(hf['differ'])})" if hf["differ"] else "")
          + f"; skipped (special=false text containing control tokens, which HF always splits out): {', '.join(hf['skipped'])}.")
        a("")
    (out_dir / "README.md").write_text("\n".join(L), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
