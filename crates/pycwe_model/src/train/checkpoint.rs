//! Training checkpoints: one safetensors file holding the trainable tensors, the optimizer's moments,
//! and (in its metadata) the run's progress and configuration. Written atomically, so a `kill -9`
//! at any moment leaves the previous checkpoint intact.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor, Var};
use serde::{Deserialize, Serialize};

use super::TrainError;
use super::adamw::AdamW;

pub const CHECKPOINT_FILE: &str = "checkpoint.safetensors";
const META_KEY: &str = "pycwe_checkpoint";

/// Where a run stands: enough to continue it exactly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Optimizer steps taken.
    pub step: usize,
    pub epoch: usize,
    /// Micro-batches of the current epoch already consumed.
    pub batch_in_epoch: usize,
    pub tokens_seen: u64,
    pub elapsed_s: f64,
    pub best_valid_loss: Option<f64>,
    /// The best validation score (binary F1 of the real task) when the model reports one.
    #[serde(default)]
    pub best_valid_score: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    progress: Progress,
    config: serde_json::Value,
    names: Vec<String>,
}

/// Saves the parameters `params` (named), the optimizer state and the progress.
pub fn save(
    path: &Path,
    params: &[(String, Var)],
    opt: &AdamW,
    progress: &Progress,
    config: &serde_json::Value,
) -> Result<(), TrainError> {
    let mut tensors: Vec<(String, Tensor)> = Vec::with_capacity(params.len() * 3);
    for (i, (name, var)) in params.iter().enumerate() {
        tensors.push((format!("param/{name}"), var.as_tensor().clone()));
        tensors.push((format!("adam_m/{name}"), opt.m[i].clone()));
        tensors.push((format!("adam_v/{name}"), opt.v[i].clone()));
    }
    let meta = Meta {
        progress: progress.clone(),
        config: serde_json::json!({ "train": config, "adam_t": opt.t }),
        names: params.iter().map(|(n, _)| n.clone()).collect(),
    };
    let info = HashMap::from([(META_KEY.to_string(), serde_json::to_string(&meta).expect("plain data"))]);
    let bytes = safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(info))
        .map_err(|e| TrainError::Checkpoint { path: path.to_path_buf(), message: e.to_string() })?;
    pycwe_core::atomic::write_atomic(path, &bytes)
        .map_err(|e| TrainError::Checkpoint { path: path.to_path_buf(), message: e.to_string() })
}

/// Restores a checkpoint into `params` and `opt`; returns its progress and the config it was saved with.
pub fn load(
    path: &Path,
    params: &[(String, Var)],
    opt: &mut AdamW,
    device: &Device,
) -> Result<(Progress, serde_json::Value), TrainError> {
    let bad = |message: String| TrainError::Checkpoint { path: path.to_path_buf(), message };
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
    let meta_json = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get(META_KEY))
        .ok_or_else(|| bad("no pycwe metadata: not a pycwe checkpoint".into()))?;
    let meta: Meta = serde_json::from_str(meta_json).map_err(|e| bad(e.to_string()))?;
    let names: Vec<&String> = params.iter().map(|(n, _)| n).collect();
    if meta.names.iter().collect::<Vec<_>>() != names {
        return Err(bad(format!(
            "it holds {} parameters that do not match this run's {} (different targets, rank or --full?)",
            meta.names.len(),
            names.len()
        )));
    }
    let tensors = candle_core::safetensors::load_buffer(&bytes, device).map_err(|e| bad(e.to_string()))?;
    let get = |key: String| tensors.get(&key).cloned().ok_or_else(|| bad(format!("missing tensor `{key}`")));
    for (i, (name, var)) in params.iter().enumerate() {
        var.set(&get(format!("param/{name}"))?).map_err(|e| bad(format!("{name}: {e}")))?;
        opt.m[i] = get(format!("adam_m/{name}"))?;
        opt.v[i] = get(format!("adam_v/{name}"))?;
    }
    opt.t = meta.config["adam_t"].as_u64().unwrap_or(meta.progress.step as u64) as usize;
    Ok((meta.progress, meta.config["train"].clone()))
}
