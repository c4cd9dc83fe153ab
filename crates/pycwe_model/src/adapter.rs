//! LoRA adapters on disk, in Hugging Face PEFT's format so `peft` can load what pycwe trains:
//! `adapter_model.safetensors` (tensors named `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight`,
//! ...) and `adapter_config.json` (`r`, `lora_alpha`, `target_modules`, ...). pycwe's own metadata
//! (the base model's hash, the prompt version, how it was trained) sits beside them in
//! `pycwe_adapter.json`, so PEFT never sees keys it does not know.
//!
//! Full fine-tuning of the top layers (`pycwe train --full --top-layers N`) writes a weights patch
//! instead: `model.safetensors` with the trained tensors under their Hugging Face names and
//! `pycwe_model.json` with the same metadata. Both load through [`Adapter::read`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::models::CausalLm;

pub const WEIGHTS_FILE: &str = "adapter_model.safetensors";
pub const CONFIG_FILE: &str = "adapter_config.json";
pub const META_FILE: &str = "pycwe_adapter.json";
/// A weights patch: the fine-tuned tensors, by their Hugging Face names.
pub const PATCH_WEIGHTS_FILE: &str = "model.safetensors";
pub const PATCH_META_FILE: &str = "pycwe_model.json";

/// PEFT's `adapter_config.json` (the fields PEFT's `LoraConfig` reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeftConfig {
    pub peft_type: String,
    pub task_type: String,
    pub r: usize,
    pub lora_alpha: f64,
    pub lora_dropout: f64,
    pub target_modules: Vec<String>,
    pub base_model_name_or_path: String,
    pub bias: String,
    pub fan_in_fan_out: bool,
    pub inference_mode: bool,
    /// The layers that have adapters, when not all of them do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers_to_transform: Option<Vec<usize>>,
}

/// What pycwe needs to know to use an adapter safely.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterMeta {
    /// pycwe's name of the base model (`smollm2-135m`).
    pub base_model: String,
    /// SHA-256 of the base weights file the adapter was trained on.
    pub base_sha256: String,
    /// [`pycwe_core::prompt::PROMPT_VERSION`] at training time.
    pub prompt_version: u32,
    /// Free-form facts about the run (data, seed, steps), copied from the training config.
    #[serde(default)]
    pub training: serde_json::Value,
}

/// An adapter read into memory.
#[derive(Debug, Clone)]
pub struct Adapter {
    /// PEFT's configuration; `None` for a weights patch (full fine-tuning).
    pub config: Option<PeftConfig>,
    pub meta: AdapterMeta,
    pub tensors: HashMap<String, Tensor>,
    /// SHA-256 of the weights file: identifies the adapter in caches and reports.
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error("{path}: cannot read the adapter")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid adapter file: {message}")]
    Format { path: PathBuf, message: String },
    #[error(
        "the adapter was trained on {trained} (sha256 {trained_sha}) but the model is {model} (sha256 {model_sha}): \
         use the adapter with its own base model"
    )]
    WrongBase { trained: String, trained_sha: String, model: String, model_sha: String },
    #[error("the adapter was trained with prompt version {trained}, this pycwe uses {current}: retrain it")]
    WrongPrompt { trained: u32, current: u32 },
    #[error("cannot apply the adapter: {0}")]
    Apply(String),
}

impl Adapter {
    /// Reads an adapter directory: a PEFT LoRA adapter, or a weights patch from full fine-tuning.
    pub fn read(dir: &Path, device: &Device) -> Result<Self, AdapterError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| AdapterError::Io { path, source })
        };
        if !dir.join(CONFIG_FILE).is_file() && dir.join(PATCH_META_FILE).is_file() {
            return Self::patch_from_bytes(dir, &read(PATCH_META_FILE)?, &read(PATCH_WEIGHTS_FILE)?, device);
        }
        Self::from_bytes(dir, &read(CONFIG_FILE)?, &read(META_FILE)?, &read(WEIGHTS_FILE)?, device)
    }

    /// A weights patch from its two files' bytes.
    pub fn patch_from_bytes(origin: &Path, meta: &[u8], weights: &[u8], device: &Device) -> Result<Self, AdapterError> {
        let format = |file: &str, message: String| AdapterError::Format { path: origin.join(file), message };
        let meta: AdapterMeta = serde_json::from_slice(meta).map_err(|e| format(PATCH_META_FILE, e.to_string()))?;
        let tensors = candle_core::safetensors::load_buffer(weights, device)
            .map_err(|e| format(PATCH_WEIGHTS_FILE, e.to_string()))?;
        if tensors.is_empty() {
            return Err(format(PATCH_WEIGHTS_FILE, "no tensors".into()));
        }
        Ok(Adapter { config: None, meta, tensors, sha256: crate::registry::hex(&sha2_digest(weights)) })
    }

    /// Builds an adapter from the three files' bytes (`origin` names it in errors); this is how the
    /// adapter embedded in the binary is loaded.
    pub fn from_bytes(
        origin: &Path,
        config: &[u8],
        meta: &[u8],
        weights: &[u8],
        device: &Device,
    ) -> Result<Self, AdapterError> {
        let format = |file: &str, message: String| AdapterError::Format { path: origin.join(file), message };
        let config: PeftConfig = serde_json::from_slice(config).map_err(|e| format(CONFIG_FILE, e.to_string()))?;
        let meta: AdapterMeta = serde_json::from_slice(meta).map_err(|e| format(META_FILE, e.to_string()))?;
        let tensors =
            candle_core::safetensors::load_buffer(weights, device).map_err(|e| format(WEIGHTS_FILE, e.to_string()))?;
        if config.r == 0 {
            return Err(format(CONFIG_FILE, "rank `r` is 0".into()));
        }
        Ok(Adapter { config: Some(config), meta, tensors, sha256: crate::registry::hex(&sha2_digest(weights)) })
    }

    /// Checks the adapter against the base model it is about to be applied to.
    pub fn check_base(&self, model_name: &str, model_sha256: &str) -> Result<(), AdapterError> {
        if self.meta.base_sha256 != model_sha256 {
            return Err(AdapterError::WrongBase {
                trained: self.meta.base_model.clone(),
                trained_sha: self.meta.base_sha256.clone(),
                model: model_name.to_string(),
                model_sha: model_sha256.to_string(),
            });
        }
        if !pycwe_core::prompt::reads_current_prompt(self.meta.prompt_version) {
            return Err(AdapterError::WrongPrompt {
                trained: self.meta.prompt_version,
                current: pycwe_core::prompt::PROMPT_VERSION,
            });
        }
        Ok(())
    }

    /// Sets the adapter's matrices on `model`'s projections (or, for a weights patch, replaces the
    /// weights it names). Every tensor must find its place in the model.
    pub fn apply<M: CausalLm>(&self, model: &mut M) -> Result<(), AdapterError> {
        let Some(config) = &self.config else {
            let replaced = model.replace_weights(&self.tensors).map_err(|e| AdapterError::Apply(e.to_string()))?;
            if replaced != self.tensors.len() {
                let mut names: Vec<&String> = self.tensors.keys().collect();
                names.sort();
                return Err(AdapterError::Apply(format!(
                    "{replaced} of {} patched weights match the model (names: {:?}...)",
                    self.tensors.len(),
                    names.into_iter().take(3).collect::<Vec<_>>()
                )));
            }
            return Ok(());
        };
        let scale = config.lora_alpha / config.r as f64;
        let mut used = 0;
        let device = model.device().clone();
        for i in 0..model.layers() {
            for name in model.projection_names() {
                let path = model.peft_module(i, name);
                let (Some(a), Some(b)) = (
                    self.tensors.get(&format!("{path}.lora_A.weight")),
                    self.tensors.get(&format!("{path}.lora_B.weight")),
                ) else {
                    continue;
                };
                let to = |t: &Tensor| {
                    t.to_dtype(candle_core::DType::F32)
                        .and_then(|t| t.to_device(&device))
                        .map_err(|e| AdapterError::Apply(e.to_string()))
                };
                model
                    .projection_mut(i, name)
                    .expect("known projection")
                    .set_lora(to(a)?, to(b)?, scale)
                    .map_err(|e| AdapterError::Apply(format!("{path}: {e}")))?;
                used += 2;
            }
        }
        if used != self.tensors.len() || used == 0 {
            let mut unknown: Vec<&String> = self.tensors.keys().collect();
            unknown.sort();
            return Err(AdapterError::Apply(format!(
                "{} of {} tensors match the model's layers (names: {:?}...)",
                used,
                self.tensors.len(),
                unknown.into_iter().take(3).collect::<Vec<_>>()
            )));
        }
        Ok(())
    }
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// Writes `model`'s LoRA matrices as a PEFT adapter in `dir` (each file atomically).
pub fn save<M: CausalLm>(
    model: &mut M,
    rank: usize,
    alpha: f64,
    base_name_or_path: &str,
    meta: &AdapterMeta,
    dir: &Path,
) -> Result<(), AdapterError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AdapterError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let vars = model.lora_vars();
    if vars.is_empty() {
        return Err(AdapterError::Apply("the model has no LoRA layers to save".into()));
    }
    let mut targets: Vec<String> = Vec::new();
    let mut layers: Vec<usize> = Vec::new();
    for (name, _) in &vars {
        let layer = name.split('.').nth(4).and_then(|i| i.parse().ok()).expect("PEFT names carry the layer");
        if !layers.contains(&layer) {
            layers.push(layer);
        }
        let target = name.rsplit('.').nth(2).unwrap_or_default().to_string();
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    // Half precision halves the file (adapters ship inside the binary); LoRA weights are small and
    // far from f16's range limits, and loading converts back to f32.
    let tensors: Vec<(String, Tensor)> = vars
        .into_iter()
        .map(|(n, v)| Ok((n, v.as_tensor().to_dtype(candle_core::DType::F16)?)))
        .collect::<candle_core::Result<_>>()
        .map_err(|e| AdapterError::Apply(e.to_string()))?;
    let weights = safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), None)
        .map_err(|e| AdapterError::Format { path: dir.join(WEIGHTS_FILE), message: e.to_string() })?;
    let config = PeftConfig {
        peft_type: "LORA".into(),
        task_type: "CAUSAL_LM".into(),
        r: rank,
        lora_alpha: alpha,
        lora_dropout: 0.0,
        target_modules: targets,
        base_model_name_or_path: base_name_or_path.to_string(),
        bias: "none".into(),
        fan_in_fan_out: false,
        inference_mode: true,
        layers_to_transform: (layers.len() < model.layers()).then_some(layers),
    };
    for (file, bytes) in [(WEIGHTS_FILE, weights), (CONFIG_FILE, pretty_json(&config)), (META_FILE, pretty_json(meta))]
    {
        let path = dir.join(file);
        pycwe_core::atomic::write_atomic(&path, &bytes).map_err(io(&path))?;
    }
    Ok(())
}

/// Pretty JSON with a trailing newline, for the files a person may read.
pub fn pretty_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("plain data serializes");
    out.push(b'\n');
    out
}

impl Adapter {
    /// Writes the adapter to `dir` in f16 with `meta` (how the shipped adapter is packed).
    pub fn write_half(&self, meta: &AdapterMeta, dir: &Path) -> Result<(), AdapterError> {
        let Some(config) = &self.config else {
            return Err(AdapterError::Apply("only LoRA adapters are packed in f16".into()));
        };
        let io = |path: PathBuf| move |source| AdapterError::Io { path, source };
        std::fs::create_dir_all(dir).map_err(io(dir.to_path_buf()))?;
        let mut names: Vec<&String> = self.tensors.keys().collect();
        names.sort();
        let tensors: Vec<(&str, Tensor)> = names
            .into_iter()
            .map(|n| Ok((n.as_str(), self.tensors[n].to_dtype(candle_core::DType::F16)?)))
            .collect::<candle_core::Result<_>>()
            .map_err(|e| AdapterError::Apply(e.to_string()))?;
        let weights = safetensors::serialize(tensors.iter().map(|(n, t)| (*n, t)), None)
            .map_err(|e| AdapterError::Format { path: dir.join(WEIGHTS_FILE), message: e.to_string() })?;
        for (file, bytes) in
            [(WEIGHTS_FILE, weights), (CONFIG_FILE, pretty_json(config)), (META_FILE, pretty_json(meta))]
        {
            let path = dir.join(file);
            pycwe_core::atomic::write_atomic(&path, &bytes).map_err(io(path.clone()))?;
        }
        Ok(())
    }
}

/// Writes a weights patch (full fine-tuning): the trained tensors in f32 and the metadata.
pub fn save_patch(tensors: &[(String, Tensor)], meta: &AdapterMeta, dir: &Path) -> Result<(), AdapterError> {
    let io = |path: PathBuf| move |source| AdapterError::Io { path, source };
    std::fs::create_dir_all(dir).map_err(io(dir.to_path_buf()))?;
    let weights = safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), None)
        .map_err(|e| AdapterError::Format { path: dir.join(PATCH_WEIGHTS_FILE), message: e.to_string() })?;
    for (file, bytes) in [(PATCH_WEIGHTS_FILE, weights), (PATCH_META_FILE, pretty_json(meta))] {
        let path = dir.join(file);
        pycwe_core::atomic::write_atomic(&path, &bytes).map_err(io(path.clone()))?;
    }
    Ok(())
}
