//! pycwe's language models on candle: the model registry and `model pull`, GGUF loading, the
//! tokenizer, LoRA, and the SmolLM2 (Llama) architecture. CodeGen, the prompt/answer grammar and the
//! training loop land here next; the crate boundary (no candle in `pycwe_core`) is fixed.

pub mod adapter;
pub mod chat;
pub mod classifier;
pub mod constrain;
pub mod gguf;
pub mod load;
pub mod lora;
pub mod models;
pub mod pull;
pub mod registry;
pub mod shipped;
pub mod tokenize;
pub mod train;
