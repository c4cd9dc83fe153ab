//! Loading a model by name: a known model's file from the cache or a registered Hugging Face
//! checkpoint, its tokenizer, its weights.

use std::path::PathBuf;

use candle_core::Device;

use crate::gguf::{GgufError, GgufFile};
use crate::models::codegen::{Codegen, CodegenError};
use crate::models::llama::Llama;
use crate::registry::{Arch, RegistryError, known, models_dir, read_registry};
use crate::tokenize::{TextTokenizer, TokenizerError};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("model `{0}` is not installed: run `pycwe model pull {0}`")]
    NotInstalled(String),
    #[error(
        "`{0}` is not a model pycwe knows: see `pycwe model list`, or register a checkpoint with `pycwe model add {0} --from DIR`"
    )]
    Unknown(String),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Gguf(#[from] GgufError),
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    #[error(transparent)]
    Codegen(#[from] CodegenError),
    #[error(
        "`{name}` is a registered {arch} checkpoint; pycwe runs Hugging Face checkpoints of CodeGen only (SmolLM2 comes from `pycwe model pull`)"
    )]
    Unsupported { name: String, arch: &'static str },
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

/// A model pycwe can run, whatever its architecture.
#[derive(Debug, Clone)]
pub enum AnyModel {
    Llama(Llama),
    Codegen(Codegen),
}

/// What `train`, `eval` and `scan` need to know about a model before loading its weights.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    pub name: String,
    pub arch: Arch,
    /// SHA-256 of the weights file: adapters record it and are refused on another base.
    pub sha256: String,
    /// What PEFT adapters name as their base (`base_model_name_or_path`).
    pub hf_name: String,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// A known model's file in the cache.
    Gguf(PathBuf),
    /// A registered Hugging Face checkpoint directory.
    Checkpoint(PathBuf),
}

/// Looks `name` up among the known models (installed) and the registered checkpoints.
pub fn info(name: &str) -> Result<ModelInfo, LoadError> {
    if let Some(model) = known(name) {
        return Ok(ModelInfo {
            name: name.to_string(),
            arch: model.arch,
            sha256: model.source.sha256.to_string(),
            hf_name: model.hf_repo.to_string(),
            source: Source::Gguf(installed_path(name)?),
        });
    }
    let registry = read_registry()?;
    let entry = registry.models.into_iter().find(|m| m.name == name).ok_or_else(|| LoadError::Unknown(name.into()))?;
    if entry.arch != Arch::Codegen {
        return Err(LoadError::Unsupported { name: name.into(), arch: entry.arch.as_str() });
    }
    Ok(ModelInfo {
        name: name.to_string(),
        arch: entry.arch,
        sha256: entry.sha256,
        hf_name: entry.dir.display().to_string(),
        source: Source::Checkpoint(entry.dir),
    })
}

impl ModelInfo {
    /// The model's tokenizer alone (cheap: no weights are read).
    pub fn tokenizer(&self) -> Result<TextTokenizer, LoadError> {
        Ok(match &self.source {
            Source::Gguf(path) => TextTokenizer::from_gguf(&GgufFile::open(path)?)?,
            Source::Checkpoint(dir) => TextTokenizer::from_file(&dir.join("tokenizer.json"))?,
        })
    }

    /// The weights and the tokenizer.
    pub fn load(&self, device: &Device) -> Result<(AnyModel, TextTokenizer), LoadError> {
        match &self.source {
            Source::Gguf(_) => {
                let (model, tokenizer) = load_llama(&self.name, device)?;
                Ok((AnyModel::Llama(model), tokenizer))
            }
            Source::Checkpoint(dir) => {
                let tokenizer = self.tokenizer()?;
                Ok((AnyModel::Codegen(Codegen::from_dir(dir, device)?), tokenizer))
            }
        }
    }
}
