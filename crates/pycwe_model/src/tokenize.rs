//! The tokenizer, built with the `tokenizers` crate from a GGUF's metadata (BPE vocabulary, merges,
//! control tokens). SmolLM2's pre-tokenizer (`tokenizer.ggml.pre = smollm`) splits digits one by
//! one, then applies byte-level BPE without a prefix space; candle's own GGUF helper treats it as
//! plain GPT-2 and adds a prefix space, which changes the ids.

use serde_json::json;
use tokenizers::Tokenizer;

use crate::gguf::{GgufError, GgufFile};

#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error(transparent)]
    Gguf(#[from] GgufError),
    #[error("tokenizer model `{0}` is not supported (only BPE, `gpt2`)")]
    UnsupportedModel(String),
    #[error("cannot build the tokenizer: {0}")]
    Build(String),
    #[error("cannot tokenize: {0}")]
    Encode(String),
    #[error("the tokenizer has no `{0}` token")]
    MissingToken(String),
}

/// GGUF `token_type` of control tokens (`<|im_start|>` etc.): matched as special tokens.
const TOKEN_TYPE_CONTROL: i32 = 3;

/// How a model expects its prompt: SmolLM2 is a chat model (ChatML turns); CodeGen is a plain
/// language model, prompted with headed sections and ended by its end-of-text token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    ChatMl,
    Plain,
}

impl Template {
    /// The token that ends an answer.
    pub fn end_of_answer(self) -> &'static str {
        match self {
            Template::ChatMl => "<|im_end|>",
            Template::Plain => "<|endoftext|>",
        }
    }
}

/// A tokenizer and the special ids a prompt needs.
#[derive(Debug, Clone)]
pub struct TextTokenizer {
    pub template: Template,
    inner: Tokenizer,
    /// The same tokenizer with control-token spellings treated as text (built once: cloning a
    /// tokenizer per call copies its whole vocabulary).
    plain: Tokenizer,
    pub bos: Option<u32>,
    pub eos: Option<u32>,
}

impl TextTokenizer {
    /// Builds the tokenizer described by the GGUF's `tokenizer.ggml.*` metadata.
    pub fn from_gguf(gguf: &GgufFile) -> Result<Self, TokenizerError> {
        let model = gguf.get_str("tokenizer.ggml.model")?;
        if model != "gpt2" {
            return Err(TokenizerError::UnsupportedModel(model.to_string()));
        }
        let pre = gguf.get_str("tokenizer.ggml.pre").unwrap_or("default");
        let tokens = gguf.get_strings("tokenizer.ggml.tokens")?;
        let merges = gguf.get_strings("tokenizer.ggml.merges")?;
        let types = gguf.get_i32s("tokenizer.ggml.token_type").unwrap_or_default();
        let vocab: serde_json::Map<String, serde_json::Value> =
            tokens.iter().enumerate().map(|(i, t)| (t.to_string(), json!(i))).collect();
        let added: Vec<serde_json::Value> = tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| types.get(*i) == Some(&TOKEN_TYPE_CONTROL))
            .map(|(i, t)| {
                json!({"id": i, "content": t, "single_word": false, "lstrip": false, "rstrip": false,
                       "normalized": false, "special": true})
            })
            .collect();
        let byte_level =
            json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true});
        let pre_tokenizer = match pre {
            "smollm" => json!({"type": "Sequence", "pretokenizers": [
                {"type": "Digits", "individual_digits": true},
                byte_level,
            ]}),
            _ => byte_level,
        };
        let spec = json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": added,
            "normalizer": null,
            "pre_tokenizer": pre_tokenizer,
            "post_processor": null,
            "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
            "model": {
                "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": vocab, "merges": merges,
            },
        });
        let inner: Tokenizer =
            spec.to_string().parse().map_err(|e: tokenizers::Error| TokenizerError::Build(e.to_string()))?;
        let id = |key: &str| gguf.get_u32(key).ok();
        let mut plain = inner.clone();
        plain.set_encode_special_tokens(true);
        Ok(TextTokenizer {
            template: Template::ChatMl,
            inner,
            plain,
            bos: id("tokenizer.ggml.bos_token_id"),
            eos: id("tokenizer.ggml.eos_token_id"),
        })
    }

    /// A Hugging Face `tokenizer.json` (a local checkpoint's), prompted as a plain language model.
    pub fn from_file(path: &std::path::Path) -> Result<Self, TokenizerError> {
        let inner =
            Tokenizer::from_file(path).map_err(|e| TokenizerError::Build(format!("{}: {e}", path.display())))?;
        let mut plain = inner.clone();
        plain.set_encode_special_tokens(true);
        let end = inner.token_to_id(Template::Plain.end_of_answer());
        if end.is_none() {
            return Err(TokenizerError::MissingToken(Template::Plain.end_of_answer().to_string()));
        }
        Ok(TextTokenizer { template: Template::Plain, inner, plain, bos: None, eos: end })
    }

    /// Token ids of `text`. Control tokens written in the text (`<|im_start|>`) become their ids.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        let enc = self.inner.encode(text, false).map_err(|e| TokenizerError::Encode(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Token ids of `text` where control-token spellings are plain text (for user code).
    pub fn encode_plain(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        let enc = self.plain.encode(text, false).map_err(|e| TokenizerError::Encode(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String, TokenizerError> {
        self.inner.decode(ids, false).map_err(|e| TokenizerError::Encode(e.to_string()))
    }

    pub fn id_of(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }
}
