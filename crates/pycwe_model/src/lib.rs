//! pycwe's language models on candle: the model registry, `model pull` and `model add`, GGUF and
//! Hugging Face checkpoint loading, the tokenizer and prompt template, LoRA, the SmolLM2 (Llama) and
//! CodeGen architectures behind one `CausalLm` trait, the constrained-decoding detector and the
//! training loop. The crate boundary (no candle in `pycwe_core`) is fixed.

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
