//! pycwe's language models. Empty until the models issue lands: it will hold the candle-based
//! SmolLM2 (Llama) and CodeGen implementations, LoRA, the tokenizer and the training loop.
//! Kept in the workspace now so the crate boundary (no candle in `pycwe_core`) is fixed from day one.
