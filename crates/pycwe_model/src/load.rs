//! Loading an installed model by name: the file from the cache, its tokenizer, its weights.

use std::path::PathBuf;

use candle_core::Device;

use crate::gguf::{GgufError, GgufFile};
use crate::models::llama::Llama;
use crate::registry::{RegistryError, known, models_dir};
use crate::tokenize::{TextTokenizer, TokenizerError};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("model `{0}` is not installed: run `pycwe model pull {0}`")]
    NotInstalled(String),
    #[error("`{0}` is not a model pycwe knows (see `pycwe model list`)")]
    Unknown(String),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Gguf(#[from] GgufError),
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
}

/// The installed GGUF of a known model.
pub fn installed_path(name: &str) -> Result<PathBuf, LoadError> {
    let model = known(name).ok_or_else(|| LoadError::Unknown(name.to_string()))?;
    let path = models_dir()?.join(model.file_name);
    if !path.is_file() {
        return Err(LoadError::NotInstalled(name.to_string()));
    }
    Ok(path)
}

/// Loads a known Llama-architecture model and its tokenizer.
pub fn load_llama(name: &str, device: &Device) -> Result<(Llama, TextTokenizer), LoadError> {
    let mut gguf = GgufFile::open(&installed_path(name)?)?;
    let tokenizer = TextTokenizer::from_gguf(&gguf)?;
    let model = Llama::from_gguf(&mut gguf, device)?;
    Ok((model, tokenizer))
}
