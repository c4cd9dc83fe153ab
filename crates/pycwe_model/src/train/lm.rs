//! Any [`CausalLm`] (SmolLM2, CodeGen) as a [`TrainModel`]: LoRA on the chosen projections, or
//! every weight (`--full`).
//!
//! The shared system prefix is encoded once by the base model and its KV cache reused by every
//! step, exactly as inference does ([`crate::chat`]): adapters and fine-tuned weights act on each
//! unit's own tokens and the answer only.
//!
//! With the top layers only trained (`from_layer` > 0), the layers below are frozen and their
//! output for an example never changes: it is computed once, the first time the example is seen,
//! and kept in memory (about 1 MiB per example), so later steps and epochs run only the top.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use candle_core::{Tensor, Var};

use super::{Example, TrainError, TrainModel};
use crate::adapter::AdapterMeta;
use crate::lora::LoraConfig;
use crate::models::llama::Llama;
use crate::models::{CausalLm, KvCache, Mode};

#[derive(Debug, Clone)]
pub enum Trainable {
    /// Adapters on `targets` in layers `from_layer..` (0: every layer).
    Lora { config: LoraConfig, targets: Vec<String>, from_layer: usize },
    /// Every weight of layers `from_layer..` and the final norm (0: every weight, embeddings too).
    Full { from_layer: usize },
}

impl Trainable {
    /// The first trained layer: the layers below are frozen.
    pub fn from_layer(&self) -> usize {
        match self {
            Trainable::Lora { from_layer, .. } | Trainable::Full { from_layer } => *from_layer,
        }
    }
}

#[derive(Debug)]
pub struct LmTrainee<M: CausalLm> {
    pub model: M,
    pub what: Trainable,
    /// The prefix's KV cache from the base model: the trained weights act on each example's own
    /// tokens only, exactly as inference applies them ([`crate::classifier`]).
    frozen_prefix: KvCache,
    params: Vec<(String, Var)>,
    /// Written next to the adapter.
    pub meta: AdapterMeta,
    /// `base_model_name_or_path` for PEFT.
    pub hf_name: String,
    /// Hidden states entering the first adapted layer, per example's input tokens (`[len, hidden]`).
    bottom: Mutex<HashMap<Vec<u32>, Tensor>>,
    /// Reuse the frozen layers' output (on by default; off only to check that reuse changes nothing).
    pub cache_bottom: bool,
    /// Scores the current weights as inference would use them (see [`Scorer`]).
    pub scorer: Option<Scorer>,
    /// Loss weight of each answer's first token (the finding-or-`NONE` decision); the others weigh 1.
    pub decision_weight: f32,
}

/// Judges the validation records with the weights as exported (an adapter or a weights patch read
/// back from disk, so validation runs exactly what `eval` and `scan` will) and returns a score,
/// higher is better. The caller builds it: the judging pipeline lives above this crate.
pub struct Scorer(pub Box<ScoreFn>);

/// What a [`Scorer`] runs: the exported weights in, a score (or why not) out.
pub type ScoreFn = dyn FnMut(&crate::adapter::Adapter) -> Result<f64, String>;

impl std::fmt::Debug for Scorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scorer")
    }
}

/// SmolLM2's trainee.
pub type LlamaTrainee = LmTrainee<Llama>;

impl<M: CausalLm> LmTrainee<M> {
    /// Prepares `model` for training: adds fresh adapters (A drawn from `seed`) or makes every weight trainable.
    pub fn new(
        mut model: M,
        what: Trainable,
        prefix_ids: Vec<u32>,
        seed: u64,
        meta: AdapterMeta,
        hf_name: &str,
    ) -> candle_core::Result<Self> {
        if what.from_layer() >= model.layers() {
            candle_core::bail!("training from layer {}: the model has {} layers", what.from_layer(), model.layers());
        }
        let mut frozen_prefix = KvCache::new(1, model.layers());
        if !prefix_ids.is_empty() {
            model.step(std::slice::from_ref(&prefix_ids), &mut frozen_prefix, Mode::Infer)?;
        }
        let params = match &what {
            Trainable::Lora { config, targets, from_layer } => {
                let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
                model.add_lora(&targets, *config, seed, *from_layer)?;
                model.lora_vars()
            }
            Trainable::Full { from_layer } => model.make_trainable(*from_layer)?,
        };
        Ok(LmTrainee {
            model,
            what,
            frozen_prefix,
            params,
            meta,
            hf_name: hf_name.to_string(),
            bottom: Mutex::new(HashMap::new()),
            cache_bottom: true,
            scorer: None,
            decision_weight: 1.0,
        })
    }

    /// The first trained layer when the layers below are frozen (`None`: run every layer).
    fn frozen_below(&self) -> Option<usize> {
        let from = self.what.from_layer();
        (from > 0 && self.cache_bottom).then_some(from)
    }

    /// The hidden states entering layer `from` for `rows`, padded to `[B, T, hidden]`: cached rows
    /// are reused, the others computed together and cached.
    fn bottom_hidden(&self, rows: &[Vec<u32>], from: usize) -> candle_core::Result<Tensor> {
        let mut bottom = self.bottom.lock().expect("no panic while holding the cache");
        let missing: Vec<Vec<u32>> = rows.iter().filter(|r| !bottom.contains_key(*r)).cloned().collect();
        if !missing.is_empty() {
            let mut cache = self.prefix_cache(missing.len())?;
            let x = self.model.hidden_before(&missing, from, &mut cache, Mode::Infer)?;
            for (r, row) in missing.into_iter().enumerate() {
                // A copy, so the cache does not pin the whole batch's storage.
                let h = x.get(r)?.narrow(0, 0, row.len())?.copy()?;
                bottom.insert(row, h);
            }
        }
        let t = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let hidden = self.model.hidden_size();
        let padded: Vec<Tensor> = rows
            .iter()
            .map(|row| {
                let h = &bottom[row];
                if row.len() == t {
                    Ok(h.clone())
                } else {
                    // Zeros stay finite through the norms; padded positions are never read.
                    let pad = Tensor::zeros((t - row.len(), hidden), h.dtype(), h.device())?;
                    Tensor::cat(&[h, &pad], 0)
                }
            })
            .collect::<candle_core::Result<_>>()?;
        Tensor::stack(&padded, 0)
    }

    fn prefix_cache(&self, rows: usize) -> candle_core::Result<KvCache> {
        self.frozen_prefix.share(rows)
    }
}

/// Cross-entropy of `targets` under `logits` (`[n, vocab]`), averaged with `weights` (all 1: the
/// plain mean).
fn weighted_cross_entropy(logits: &Tensor, targets: &[u32], weights: &[f32]) -> candle_core::Result<Tensor> {
    let device = logits.device();
    let log_p = candle_nn::ops::log_softmax(logits, candle_core::D::Minus1)?;
    let picked = log_p.gather(&Tensor::new(targets, device)?.unsqueeze(1)?, 1)?.squeeze(1)?;
    let total: f32 = weights.iter().sum();
    let w = Tensor::new(weights, device)?.to_dtype(picked.dtype())?;
    (picked * w)?.sum_all()?.neg()? / total as f64
}

impl<M: CausalLm> TrainModel for LmTrainee<M> {
    fn validation_score(&mut self) -> Result<Option<f64>, TrainError> {
        if self.scorer.is_none() {
            return Ok(None);
        }
        let dir = tempfile::tempdir().map_err(|source| TrainError::Io { path: std::env::temp_dir(), source })?;
        self.export(dir.path())?;
        let adapter = crate::adapter::Adapter::read(dir.path(), self.model.device())?;
        let scorer = self.scorer.as_mut().expect("checked above");
        (scorer.0)(&adapter).map(Some).map_err(TrainError::Validation)
    }

    fn trainable(&mut self) -> Vec<(String, Var)> {
        self.params.clone()
    }

    fn answer_loss(&self, batch: &[&Example], train: bool) -> candle_core::Result<Tensor> {
        let mode = if train { Mode::Train } else { Mode::Infer };
        // Input: prompt + answer without its last token; the answer tokens are the targets of the
        // positions from the prompt's last token on.
        let rows: Vec<Vec<u32>> =
            batch.iter().map(|e| e.prompt.iter().chain(&e.answer[..e.answer.len() - 1]).copied().collect()).collect();
        let mut cache = self.prefix_cache(rows.len())?;
        let hidden = match self.frozen_below() {
            Some(from) => {
                let x = self.bottom_hidden(&rows, from)?;
                let lengths: Vec<usize> = rows.iter().map(Vec::len).collect();
                self.model.step_from(&x, from, &lengths, &mut cache, mode)?
            }
            None => self.model.step(&rows, &mut cache, mode)?,
        };
        let (b, t, h) = hidden.dims3()?;
        let mut positions = Vec::new();
        let mut targets = Vec::new();
        let mut weights = Vec::new();
        for (r, e) in batch.iter().enumerate() {
            for (j, &target) in e.answer.iter().enumerate() {
                positions.push((r * t + e.prompt.len() - 1 + j) as u32);
                targets.push(target);
                weights.push(if j == 0 { self.decision_weight } else { 1.0 });
            }
        }
        let device = hidden.device();
        let picked = hidden.reshape((b * t, h))?.index_select(&Tensor::new(positions.as_slice(), device)?, 0)?;
        let logits = self.model.logits(&picked)?;
        weighted_cross_entropy(&logits, &targets, &weights)
    }

    fn export(&mut self, dir: &Path) -> Result<(), TrainError> {
        match &self.what {
            Trainable::Lora { config, .. } => {
                crate::adapter::save(&mut self.model, config.rank, config.alpha, &self.hf_name, &self.meta, dir)?;
            }
            Trainable::Full { .. } => {
                let tensors: Vec<(String, Tensor)> =
                    self.params.iter().map(|(n, v)| (n.clone(), v.as_tensor().detach())).collect();
                crate::adapter::save_patch(&tensors, &self.meta, dir)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn weighted_cross_entropy_with_unit_weights_is_candles_cross_entropy() -> candle_core::Result<()> {
        let logits = Tensor::new(&[[1.0f32, 2.0, 0.5], [0.1, -1.0, 3.0], [2.0, 2.0, 2.0]], &Device::Cpu)?;
        let targets = [1u32, 0, 2];
        let plain = candle_nn::loss::cross_entropy(&logits, &Tensor::new(&targets, &Device::Cpu)?)?;
        let ours = weighted_cross_entropy(&logits, &targets, &[1.0, 1.0, 1.0])?;
        assert!((plain.to_scalar::<f32>()? - ours.to_scalar::<f32>()?).abs() < 1e-6);
        // Weight 3 on the first row: (3·l0 + l1 + l2) / 5.
        let rows: Vec<f32> = (0..3)
            .map(|i| {
                candle_nn::loss::cross_entropy(&logits.narrow(0, i, 1)?, &Tensor::new(&targets[i..=i], &Device::Cpu)?)?
                    .to_scalar::<f32>()
            })
            .collect::<candle_core::Result<_>>()?;
        let weighted = weighted_cross_entropy(&logits, &targets, &[3.0, 1.0, 1.0])?.to_scalar::<f32>()?;
        assert!((weighted - (3.0 * rows[0] + rows[1] + rows[2]) / 5.0).abs() < 1e-6);
        Ok(())
    }
}
