//! pycwe's language models. Today: the model registry (known models pinned by checksum, local
//! checkpoints registered by the user) and `model pull`. The candle-based SmolLM2 (Llama) and
//! CodeGen implementations, LoRA, the tokenizer and the training loop land here next; the crate
//! boundary (no candle in `pycwe_core`) is fixed from day one.

pub mod pull;
pub mod registry;
