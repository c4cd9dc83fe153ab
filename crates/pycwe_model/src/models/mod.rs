//! Model architectures, and what the detector and the training loop need from any of them
//! ([`CausalLm`]): a step over rows of new tokens against a [`KvCache`], split at a layer so a
//! frozen bottom can be computed once, logits where asked, and projections addressable by their
//! PEFT names so one adapter format and one training loop serve every architecture.

pub mod codegen;
pub mod kv;
pub mod llama;

use candle_core::{Device, Result, Tensor, Var};

pub use self::kv::KvCache;
use crate::lora::{LoraConfig, LoraLinear};

/// Inference may use candle's fused kernels; training must not (they have no backward pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Infer,
    Train,
}

pub trait CausalLm: Clone + std::fmt::Debug + Send + Sync {
    /// Number of transformer blocks.
    fn layers(&self) -> usize;
    /// Width of the hidden states.
    fn hidden_size(&self) -> usize;
    fn device(&self) -> &Device;
    /// Embeds rows of new tokens, padded to the longest: `[B, T, hidden]`.
    fn embed(&self, rows: &[Vec<u32>]) -> Result<Tensor>;
    /// Runs `x` (`[B, T, hidden]`, rows of `lengths` real tokens) through `layers`, recording the
    /// new key slots in `cache`.
    fn run_layers(
        &self,
        x: Tensor,
        layers: std::ops::Range<usize>,
        lengths: &[usize],
        cache: &mut KvCache,
        mode: Mode,
    ) -> Result<Tensor>;
    /// The norm after the last layer.
    fn final_norm(&self, x: &Tensor, mode: Mode) -> Result<Tensor>;
    /// Logits for hidden states `[..., hidden]` -> `[..., vocab]`.
    fn logits(&self, hidden: &Tensor) -> Result<Tensor>;
    /// The output projection restricted to the tokens `ids`: weight rows `[n, hidden]` and, where
    /// the architecture has one, the bias `[n]` (decoding scores only the tokens an answer can use).
    fn output_rows(&self, ids: &[u32]) -> Result<(Tensor, Option<Tensor>)>;
    /// The projections an adapter can target, by their PEFT names, in a fixed order.
    fn projection_names(&self) -> &'static [&'static str];
    fn projection_mut(&mut self, layer: usize, name: &str) -> Option<&mut LoraLinear>;
    /// PEFT's module path of projection `name` of layer `layer`
    /// (`base_model.model.model.layers.3.self_attn.q_proj`).
    fn peft_module(&self, layer: usize, name: &str) -> String;
    /// Every weight with its Hugging Face name (`model.layers.3.self_attn.q_proj.weight`), in a
    /// fixed order; an output projection tied to the embedding is not listed twice.
    fn named_weights(&mut self) -> Vec<(String, &mut Tensor)>;
    /// The names of the norm after the last layer (trained with the top layers).
    fn final_norm_names(&self) -> &'static [&'static str];
    /// Re-ties the output projection to the embedding where the architecture ties them, after
    /// the embedding was replaced.
    fn retie(&mut self) {}

    /// Makes the weights of layers `from_layer..` and the final norm trainable (every weight,
    /// embeddings included, when `from_layer` is 0) and returns them with their Hugging Face names.
    fn make_trainable(&mut self, from_layer: usize) -> Result<Vec<(String, Var)>> {
        let finals = self.final_norm_names();
        let mut out = Vec::new();
        for (name, t) in self.named_weights() {
            let trained = match layer_of(&name) {
                Some(layer) => layer >= from_layer,
                None => from_layer == 0 || finals.contains(&name.as_str()),
            };
            if trained {
                make_var(&mut out, name, t)?;
            }
        }
        self.retie();
        Ok(out)
    }

    /// Replaces the weights named in `tensors` (a fine-tuned patch) and returns how many it replaced.
    fn replace_weights(&mut self, tensors: &std::collections::HashMap<String, Tensor>) -> Result<usize> {
        let mut replaced = 0;
        for (name, t) in self.named_weights() {
            if let Some(new) = tensors.get(&name) {
                if new.dims() != t.dims() {
                    candle_core::bail!("{name}: shape {:?}, the model has {:?}", new.dims(), t.dims());
                }
                *t = new.to_dtype(candle_core::DType::F32)?.to_device(t.device())?.detach();
                replaced += 1;
            }
        }
        self.retie();
        Ok(replaced)
    }

    /// Adds fresh LoRA adapters (B = 0) to the named projections of every block from layer
    /// `from_layer` up, `A` drawn from a generator seeded with `seed`.
    fn add_lora(&mut self, targets: &[&str], cfg: LoraConfig, seed: u64, from_layer: usize) -> Result<()> {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        let device = self.device().clone();
        for layer in from_layer..self.layers() {
            for target in targets {
                let projection = self
                    .projection_mut(layer, target)
                    .ok_or_else(|| candle_core::Error::Msg(format!("unknown LoRA target `{target}`")))?;
                projection.add_lora(cfg, &mut rng, &device)?;
            }
        }
        Ok(())
    }

    /// The same weights with every adapter removed (tensors are shared, not copied).
    fn without_lora(&self) -> Self {
        let mut base = self.clone();
        for layer in 0..base.layers() {
            for name in base.projection_names() {
                base.projection_mut(layer, name).expect("known projection").lora = None;
            }
        }
        base
    }

    /// Gives every projection a Q8_0 copy for decode steps ([`crate::lora::Q8_MAX_ROWS`]).
    fn quantize_for_decode(&mut self) -> Result<()> {
        for layer in 0..self.layers() {
            for name in self.projection_names() {
                self.projection_mut(layer, name).expect("known projection").quantize_for_decode()?;
            }
        }
        Ok(())
    }

    /// Every trainable LoRA matrix, named as PEFT saves them, in a stable order.
    fn lora_vars(&mut self) -> Vec<(String, Var)> {
        let mut out = Vec::new();
        for layer in 0..self.layers() {
            for name in self.projection_names() {
                let path = self.peft_module(layer, name);
                let projection = self.projection_mut(layer, name).expect("known projection");
                if let Some((a, b)) = projection.lora.as_ref().and_then(|pair| pair.vars.clone()) {
                    out.push((format!("{path}.lora_A.weight"), a));
                    out.push((format!("{path}.lora_B.weight"), b));
                }
            }
        }
        out
    }

    /// Runs `rows[b]` (new tokens of row `b`, possibly of different lengths) through the model,
    /// appending to `cache`. Returns hidden states `[B, T, hidden]` after the final norm (padding
    /// positions hold garbage).
    fn step(&self, rows: &[Vec<u32>], cache: &mut KvCache, mode: Mode) -> Result<Tensor> {
        let x = self.embed(rows)?;
        self.step_from(&x, 0, &row_lengths(rows), cache, mode)
    }

    /// The hidden states entering layer `upto` for `rows` (no final norm), appending to `cache`
    /// the keys and values of the layers below `upto` only.
    fn hidden_before(&self, rows: &[Vec<u32>], upto: usize, cache: &mut KvCache, mode: Mode) -> Result<Tensor> {
        let x = self.embed(rows)?;
        self.run_layers(x, 0..upto, &row_lengths(rows), cache, mode)
    }

    /// Continues from `x`, the hidden states entering layer `from` for rows of `lengths` real
    /// tokens, through the remaining layers and the final norm. With [`CausalLm::hidden_before`]
    /// this splits [`CausalLm::step`] in two: training adapters on the top layers only computes
    /// the frozen bottom once per example.
    fn step_from(&self, x: &Tensor, from: usize, lengths: &[usize], cache: &mut KvCache, mode: Mode) -> Result<Tensor> {
        let x = self.run_layers(x.clone(), from..self.layers(), lengths, cache, mode)?;
        self.final_norm(&x, mode)
    }

    /// Logits at every position of one sequence (no cache kept): `[T, vocab]`. For tests.
    fn full_logits(&self, ids: &[u32], mode: Mode) -> Result<Tensor> {
        let mut cache = KvCache::new(1, self.layers());
        let h = self.step(&[ids.to_vec()], &mut cache, mode)?;
        self.logits(&h.squeeze(0)?)
    }
}

/// The layer a Hugging Face weight name belongs to (`model.layers.3.…`, `transformer.h.3.…`).
pub fn layer_of(name: &str) -> Option<usize> {
    name.split('.').nth(2)?.parse().ok()
}

/// Turns a tensor into a trainable variable in place and records it under `name`.
pub(crate) fn make_var(out: &mut Vec<(String, Var)>, name: String, t: &mut Tensor) -> Result<()> {
    let v = Var::from_tensor(t)?;
    *t = v.as_tensor().clone();
    out.push((name, v));
    Ok(())
}

/// Row lengths of a batch of token lists.
pub(crate) fn row_lengths(rows: &[Vec<u32>]) -> Vec<usize> {
    rows.iter().map(Vec::len).collect()
}

/// Embeds rows of token ids, padded with id 0 to the longest row: `[B, T, hidden]`.
pub(crate) fn embed_rows(embed: &Tensor, rows: &[Vec<u32>]) -> Result<Tensor> {
    let b = rows.len();
    let t = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let hidden = embed.dim(1)?;
    let ids: Vec<u32> = rows.iter().flat_map(|row| (0..t).map(|i| row.get(i).copied().unwrap_or(0))).collect();
    let ids = Tensor::from_vec(ids, b * t, embed.device())?;
    embed.index_select(&ids, 0)?.reshape((b, t, hidden))
}

/// Hidden states `[..., hidden]` times an output projection `[vocab, hidden]`: `[..., vocab]`.
/// Callers pass only the positions they score (the projection is a large share of a forward pass).
pub(crate) fn project(hidden: &Tensor, weight: &Tensor) -> Result<Tensor> {
    if hidden.rank() == 1 {
        return hidden.unsqueeze(0)?.matmul(&weight.t()?)?.squeeze(0);
    }
    hidden.broadcast_matmul(&weight.t()?)
}

/// Softmax over the last dimension: candle's fused kernel for inference, differentiable ops for training.
pub(crate) fn softmax(scores: &Tensor, mode: Mode) -> Result<Tensor> {
    match mode {
        Mode::Infer => candle_nn::ops::softmax_last_dim(scores),
        Mode::Train => candle_nn::ops::softmax(scores, candle_core::D::Minus1),
    }
}
