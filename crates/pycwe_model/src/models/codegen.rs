//! Salesforce CodeGen (`CodeGenForCausalLM` as Hugging Face `transformers` defines it), the seed
//! paper's codegen-350M-mono, on candle:
//! - a GPT-J-like parallel block: one LayerNorm feeds both attention and the MLP, and both outputs
//!   are added to the residual;
//! - a fused `qkv_proj` whose output is split into `mp_num = 4` groups, each holding q, v, k in
//!   that order (a leftover of the TPU-v4 sharding it was trained with);
//! - rotary embedding on the first `rotary_dim` dimensions of each head, interleaved (rotate every
//!   two), the rest passed through;
//! - `gelu_new` (tanh approximation), LayerNorm with bias, `lm_head` with bias;
//! - every projection a [`LoraLinear`], and a training path (`Mode::Train`) of differentiable ops.
//!
//! Weights come from a local Hugging Face checkpoint: `model.safetensors` or `pytorch_model.bin`
//! (candle reads PyTorch pickles) with its `config.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{D, DType, Device, Result, Tensor};
use serde::Deserialize;

use crate::lora::LoraLinear;
use crate::models::kv::attend;
use crate::models::{CausalLm, KvCache, Mode, embed_rows, project};

/// `qkv_proj`'s output is laid out in this many groups of (q, v, k).
const MP_NUM: usize = 4;

/// The projections an adapter can target, by their PEFT names.
pub const PROJECTIONS: [&str; 4] = ["qkv_proj", "out_proj", "fc_in", "fc_out"];

/// `config.json` of a CodeGen checkpoint (the fields the architecture reads).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CodegenConfig {
    pub vocab_size: usize,
    pub n_embd: usize,
    pub n_layer: usize,
    pub n_head: usize,
    pub rotary_dim: Option<usize>,
    pub n_positions: usize,
    /// MLP width; `None` means `4 * n_embd`.
    #[serde(default)]
    pub n_inner: Option<usize>,
    #[serde(default = "default_eps")]
    pub layer_norm_epsilon: f64,
    #[serde(default = "default_activation")]
    pub activation_function: String,
    #[serde(default)]
    pub tie_word_embeddings: bool,
}

fn default_eps() -> f64 {
    1e-5
}

fn default_activation() -> String {
    "gelu_new".into()
}

impl CodegenConfig {
    /// codegen-350M-mono's published configuration.
    pub fn codegen_350m_mono() -> Self {
        CodegenConfig {
            vocab_size: 51_200,
            n_embd: 1024,
            n_layer: 20,
            n_head: 16,
            rotary_dim: Some(32),
            n_positions: 2048,
            n_inner: None,
            layer_norm_epsilon: 1e-5,
            activation_function: "gelu_new".into(),
            tie_word_embeddings: false,
        }
    }

    pub fn head_dim(&self) -> usize {
        self.n_embd / self.n_head
    }

    pub fn inner(&self) -> usize {
        self.n_inner.unwrap_or(4 * self.n_embd)
    }

    pub fn rotary(&self) -> usize {
        self.rotary_dim.unwrap_or(self.head_dim()).min(self.head_dim())
    }

    /// Rejects configurations this implementation would compute wrongly.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.activation_function != "gelu_new" {
            return Err(format!("activation `{}` is not supported (gelu_new)", self.activation_function));
        }
        if self.n_head == 0 || !self.n_embd.is_multiple_of(self.n_head) {
            return Err(format!("n_embd {} is not a multiple of n_head {}", self.n_embd, self.n_head));
        }
        if !self.n_head.is_multiple_of(MP_NUM) {
            return Err(format!("n_head {} is not a multiple of {MP_NUM} (qkv_proj's layout needs it)", self.n_head));
        }
        if !self.rotary().is_multiple_of(2) {
            return Err(format!("rotary_dim {} is odd", self.rotary()));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("{path}: cannot read the weights: {source}")]
    Weights {
        path: PathBuf,
        #[source]
        source: candle_core::Error,
    },
    #[error("{path}: tensor `{name}` is missing")]
    Missing { path: PathBuf, name: String },
    #[error("{path}: tensor `{name}` has shape {found:?}, expected {expected:?}")]
    Shape { path: PathBuf, name: String, found: Vec<usize>, expected: Vec<usize> },
}

#[derive(Debug, Clone)]
pub struct CodegenBlock {
    pub ln_weight: Tensor,
    pub ln_bias: Tensor,
    pub qkv: LoraLinear,
    pub out: LoraLinear,
    pub fc_in: LoraLinear,
    pub fc_in_bias: Tensor,
    pub fc_out: LoraLinear,
    pub fc_out_bias: Tensor,
}

impl CodegenBlock {
    fn projection_mut(&mut self, name: &str) -> Option<&mut LoraLinear> {
        Some(match name {
            "qkv_proj" => &mut self.qkv,
            "out_proj" => &mut self.out,
            "fc_in" => &mut self.fc_in,
            "fc_out" => &mut self.fc_out,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Codegen {
    pub cfg: CodegenConfig,
    /// `[vocab, n_embd]`.
    pub wte: Tensor,
    pub blocks: Vec<CodegenBlock>,
    pub ln_f_weight: Tensor,
    pub ln_f_bias: Tensor,
    /// `[vocab, n_embd]` and `[vocab]`.
    pub lm_head: Tensor,
    pub lm_head_bias: Option<Tensor>,
    /// Whether `lm_head` is the embedding (`tie_word_embeddings` and no `lm_head.weight`).
    tied: bool,
    /// `[n_positions, rotary / 2]`.
    cos: Tensor,
    sin: Tensor,
    device: Device,
}

/// Reads `config.json` from a checkpoint directory.
pub fn read_config(dir: &Path) -> std::result::Result<CodegenConfig, CodegenError> {
    let path = dir.join("config.json");
    let bad = |message: String| CodegenError::Config { path: path.clone(), message };
    let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let cfg: CodegenConfig = serde_json::from_str(&text).map_err(|e| bad(format!("not a CodeGen config: {e}")))?;
    cfg.check().map_err(bad)?;
    Ok(cfg)
}

/// Every tensor of a weights file that candle can hold, by name: safetensors, or a PyTorch pickle
/// (`.bin`). Tensors of other types (older checkpoints store their causal masks as bool buffers)
/// are left out; a weight the model needs is then reported missing by name.
fn read_tensors(path: &Path, device: &Device) -> std::result::Result<HashMap<String, Tensor>, CodegenError> {
    let err = |source| CodegenError::Weights { path: path.to_path_buf(), source };
    if path.extension().is_some_and(|e| e == "safetensors") {
        use candle_core::safetensors::Load;
        let bytes = std::fs::read(path).map_err(|e| err(e.into()))?;
        let file = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| err(candle_core::Error::Msg(format!("not a safetensors file: {e}"))))?;
        Ok(file.tensors().into_iter().filter_map(|(name, view)| Some((name, view.load(device).ok()?))).collect())
    } else {
        Ok(candle_core::pickle::read_all(path).map_err(err)?.into_iter().collect())
    }
}

impl Codegen {
    /// Loads a checkpoint directory (`config.json` plus `model.safetensors` or `pytorch_model.bin`) to f32.
    pub fn from_dir(dir: &Path, device: &Device) -> std::result::Result<Self, CodegenError> {
        let cfg = read_config(dir)?;
        let weights = ["model.safetensors", "pytorch_model.bin"]
            .into_iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| CodegenError::Config {
                path: dir.to_path_buf(),
                message: "neither model.safetensors nor pytorch_model.bin is there".into(),
            })?;
        let mut tensors = read_tensors(&weights, device)?;
        Self::from_tensors(cfg, &mut tensors, &weights, device)
    }

    /// Builds the model from Hugging Face-named tensors (`transformer.h.0.attn.qkv_proj.weight`, ...).
    pub fn from_tensors(
        cfg: CodegenConfig,
        tensors: &mut HashMap<String, Tensor>,
        origin: &Path,
        device: &Device,
    ) -> std::result::Result<Self, CodegenError> {
        let (e, inner, vocab) = (cfg.n_embd, cfg.inner(), cfg.vocab_size);
        let mut take = |name: &str, shape: &[usize]| -> std::result::Result<Tensor, CodegenError> {
            let t = tensors
                .remove(name)
                .ok_or_else(|| CodegenError::Missing { path: origin.to_path_buf(), name: name.to_string() })?;
            if t.dims() != shape {
                return Err(CodegenError::Shape {
                    path: origin.to_path_buf(),
                    name: name.to_string(),
                    found: t.dims().to_vec(),
                    expected: shape.to_vec(),
                });
            }
            t.to_dtype(DType::F32)
                .and_then(|t| t.to_device(device))
                .map_err(|source| CodegenError::Weights { path: origin.to_path_buf(), source })
        };
        let wte = take("transformer.wte.weight", &[vocab, e])?;
        let mut blocks = Vec::with_capacity(cfg.n_layer);
        for i in 0..cfg.n_layer {
            let p = format!("transformer.h.{i}");
            blocks.push(CodegenBlock {
                ln_weight: take(&format!("{p}.ln_1.weight"), &[e])?,
                ln_bias: take(&format!("{p}.ln_1.bias"), &[e])?,
                qkv: LoraLinear::new(take(&format!("{p}.attn.qkv_proj.weight"), &[3 * e, e])?),
                out: LoraLinear::new(take(&format!("{p}.attn.out_proj.weight"), &[e, e])?),
                fc_in: LoraLinear::new(take(&format!("{p}.mlp.fc_in.weight"), &[inner, e])?),
                fc_in_bias: take(&format!("{p}.mlp.fc_in.bias"), &[inner])?,
                fc_out: LoraLinear::new(take(&format!("{p}.mlp.fc_out.weight"), &[e, inner])?),
                fc_out_bias: take(&format!("{p}.mlp.fc_out.bias"), &[e])?,
            });
        }
        let ln_f_weight = take("transformer.ln_f.weight", &[e])?;
        let ln_f_bias = take("transformer.ln_f.bias", &[e])?;
        let (lm_head, lm_head_bias, tied) = match take("lm_head.weight", &[vocab, e]) {
            Ok(w) => (w, take("lm_head.bias", &[vocab]).ok(), false),
            Err(CodegenError::Missing { .. }) if cfg.tie_word_embeddings => (wte.clone(), None, true),
            Err(other) => return Err(other),
        };
        let (cos, sin) = rotary_tables(&cfg, device)
            .map_err(|source| CodegenError::Weights { path: origin.to_path_buf(), source })?;
        Ok(Codegen {
            cfg,
            wte,
            blocks,
            ln_f_weight,
            ln_f_bias,
            lm_head,
            lm_head_bias,
            tied,
            cos,
            sin,
            device: device.clone(),
        })
    }

    /// A model with random weights of the given shape (benchmarks of the architecture, tests).
    pub fn random(cfg: CodegenConfig, seed: u64, device: &Device) -> Result<Self> {
        let rng = std::cell::RefCell::new(<rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed));
        let uniform = |shape: &[usize], std: f32| -> Result<Tensor> {
            let bound = std * 3f32.sqrt();
            let n: usize = shape.iter().product();
            let data: Vec<f32> =
                (0..n).map(|_| rand::Rng::random_range(&mut *rng.borrow_mut(), -bound..bound)).collect();
            Tensor::from_vec(data, shape, device)
        };
        let (e, inner, vocab) = (cfg.n_embd, cfg.inner(), cfg.vocab_size);
        let lin = |out: usize, inp: usize| -> Result<LoraLinear> { Ok(LoraLinear::new(uniform(&[out, inp], 0.02)?)) };
        let zeros = |n: usize| Tensor::zeros(n, DType::F32, device);
        let ones = |n: usize| Tensor::ones(n, DType::F32, device);
        let blocks = (0..cfg.n_layer)
            .map(|_| {
                Ok(CodegenBlock {
                    ln_weight: ones(e)?,
                    ln_bias: zeros(e)?,
                    qkv: lin(3 * e, e)?,
                    out: lin(e, e)?,
                    fc_in: lin(inner, e)?,
                    fc_in_bias: zeros(inner)?,
                    fc_out: lin(e, inner)?,
                    fc_out_bias: zeros(e)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (cos, sin) = rotary_tables(&cfg, device)?;
        Ok(Codegen {
            wte: uniform(&[vocab, e], 0.02)?,
            lm_head: uniform(&[vocab, e], 0.02)?,
            lm_head_bias: Some(zeros(vocab)?),
            tied: false,
            ln_f_weight: ones(e)?,
            ln_f_bias: zeros(e)?,
            blocks,
            cfg,
            cos,
            sin,
            device: device.clone(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn attention(
        &self,
        block: &CodegenBlock,
        x: &Tensor,
        cos: &Tensor,
        sin: &Tensor,
        bias: &Tensor,
        cache: &mut KvCache,
        layer: usize,
        mode: Mode,
    ) -> Result<Tensor> {
        let (b, t, e) = x.dims3()?;
        let (nh, hd) = (self.cfg.n_head, self.cfg.head_dim());
        let local = e / MP_NUM;
        let qkv = block.qkv.forward(x)?.reshape((b, t, MP_NUM, 3 * local))?;
        // Each group holds (q, v, k); group g carries heads g * nh/4 .. (g + 1) * nh/4.
        let heads = |offset: usize| -> Result<Tensor> {
            qkv.narrow(3, offset, local)?.reshape((b, t, nh, hd))?.transpose(1, 2)?.contiguous()
        };
        let q = heads(0)?;
        let v = heads(local)?;
        let k = heads(2 * local)?;
        let q = self.rotate(&q, cos, sin, mode)?;
        let k = self.rotate(&k, cos, sin, mode)?;
        let (k, v) = cache.extend(layer, k, v, mode == Mode::Infer)?;
        let out = attend(&q, &k, &v, bias, 1, cache.shared(layer).as_ref(), mode)?;
        let out = out.transpose(1, 2)?.reshape((b, t, e))?;
        block.out.forward(&out)
    }

    /// Interleaved rotary embedding on the first `rotary_dim` dimensions of each head of `x`
    /// (`[B, H, T, head_dim]`); `cos`/`sin` are `[B, T, rotary_dim / 2]`.
    fn rotate(&self, x: &Tensor, cos: &Tensor, sin: &Tensor, mode: Mode) -> Result<Tensor> {
        let (rot, hd) = (self.cfg.rotary(), self.cfg.head_dim());
        let x_rot = x.narrow(D::Minus1, 0, rot)?.contiguous()?;
        let rotated = match mode {
            Mode::Infer => candle_nn::rotary_emb::rope_i(&x_rot, cos, sin)?,
            Mode::Train => rope_interleaved_differentiable(&x_rot, cos, sin)?,
        };
        if rot == hd {
            return Ok(rotated);
        }
        Tensor::cat(&[&rotated, &x.narrow(D::Minus1, rot, hd - rot)?], D::Minus1)?.contiguous()
    }
}

/// HF's `create_sinusoidal_positions`: angle `pos / 10000^(2i / rotary_dim)` for pair `i`.
fn rotary_tables(cfg: &CodegenConfig, device: &Device) -> Result<(Tensor, Tensor)> {
    let rot = cfg.rotary();
    let inv: Vec<f32> = (0..rot / 2).map(|i| 1.0 / 10_000f32.powf((2 * i) as f32 / rot as f32)).collect();
    let inv = Tensor::from_vec(inv, (1, rot / 2), device)?;
    let t =
        Tensor::arange(0u32, cfg.n_positions as u32, device)?.to_dtype(DType::F32)?.reshape((cfg.n_positions, 1))?;
    let freqs = t.matmul(&inv)?;
    Ok((freqs.cos()?, freqs.sin()?))
}

/// `rotate_every_two` from differentiable ops: each pair `(x0, x1)` becomes
/// `(x0 cos - x1 sin, x1 cos + x0 sin)`; `cos`/`sin` are `[B, T, D/2]`.
fn rope_interleaved_differentiable(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
    let (b, h, t, d) = x.dims4()?;
    let pairs = x.reshape((b, h, t, d / 2, 2))?;
    let x0 = pairs.narrow(4, 0, 1)?.squeeze(4)?;
    let x1 = pairs.narrow(4, 1, 1)?.squeeze(4)?;
    let cos = cos.unsqueeze(1)?;
    let sin = sin.unsqueeze(1)?;
    let y0 = (x0.broadcast_mul(&cos)? - x1.broadcast_mul(&sin)?)?;
    let y1 = (x1.broadcast_mul(&cos)? + x0.broadcast_mul(&sin)?)?;
    Tensor::stack(&[y0, y1], 4)?.reshape((b, h, t, d))
}

fn layer_norm(x: &Tensor, w: &Tensor, b: &Tensor, eps: f64, mode: Mode) -> Result<Tensor> {
    match mode {
        Mode::Infer => candle_nn::ops::layer_norm(x, w, b, eps as f32),
        Mode::Train => {
            let mean = x.mean_keepdim(D::Minus1)?;
            let centered = x.broadcast_sub(&mean)?;
            let var = centered.sqr()?.mean_keepdim(D::Minus1)?;
            centered.broadcast_div(&(var + eps)?.sqrt()?)?.broadcast_mul(w)?.broadcast_add(b)
        }
    }
}

impl CausalLm for Codegen {
    fn layers(&self) -> usize {
        self.cfg.n_layer
    }

    fn hidden_size(&self) -> usize {
        self.cfg.n_embd
    }

    fn device(&self) -> &Device {
        &self.device
    }

    fn embed(&self, rows: &[Vec<u32>]) -> Result<Tensor> {
        embed_rows(&self.wte, rows)
    }

    fn run_layers(
        &self,
        mut x: Tensor,
        layers: std::ops::Range<usize>,
        lengths: &[usize],
        cache: &mut KvCache,
        mode: Mode,
    ) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        assert_eq!(b, lengths.len(), "one length per row");
        let (pos, bias) = cache.append_slots(lengths, t, self.cfg.n_positions, &self.device)?;
        let pos = Tensor::from_vec(pos, b * t, &self.device)?;
        let half = self.cfg.rotary() / 2;
        let cos = self.cos.index_select(&pos, 0)?.reshape((b, t, half))?;
        let sin = self.sin.index_select(&pos, 0)?.reshape((b, t, half))?;
        for layer in layers {
            let block = &self.blocks[layer];
            let h = layer_norm(&x, &block.ln_weight, &block.ln_bias, self.cfg.layer_norm_epsilon, mode)?;
            let attn = self.attention(block, &h, &cos, &sin, &bias, cache, layer, mode)?;
            let mlp = block.fc_in.forward(&h)?.broadcast_add(&block.fc_in_bias)?.gelu()?;
            let mlp = block.fc_out.forward(&mlp)?.broadcast_add(&block.fc_out_bias)?;
            x = ((x + attn)? + mlp)?;
        }
        Ok(x)
    }

    fn final_norm(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        layer_norm(x, &self.ln_f_weight, &self.ln_f_bias, self.cfg.layer_norm_epsilon, mode)
    }

    fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
        let logits = project(hidden, &self.lm_head)?;
        match &self.lm_head_bias {
            Some(bias) => logits.broadcast_add(bias),
            None => Ok(logits),
        }
    }

    fn output_rows(&self, ids: &[u32]) -> Result<(Tensor, Option<Tensor>)> {
        let index = Tensor::new(ids, &self.device)?;
        let bias = match &self.lm_head_bias {
            Some(b) => Some(b.index_select(&index, 0)?),
            None => None,
        };
        Ok((self.lm_head.index_select(&index, 0)?, bias))
    }

    fn projection_names(&self) -> &'static [&'static str] {
        &PROJECTIONS
    }

    fn projection_mut(&mut self, layer: usize, name: &str) -> Option<&mut LoraLinear> {
        self.blocks.get_mut(layer)?.projection_mut(name)
    }

    fn peft_module(&self, layer: usize, name: &str) -> String {
        let group = if name.starts_with("fc_") { "mlp" } else { "attn" };
        format!("base_model.model.transformer.h.{layer}.{group}.{name}")
    }

    fn named_weights(&mut self) -> Vec<(String, &mut Tensor)> {
        let mut out: Vec<(String, &mut Tensor)> = vec![("transformer.wte.weight".into(), &mut self.wte)];
        for (i, block) in self.blocks.iter_mut().enumerate() {
            let p = format!("transformer.h.{i}");
            let CodegenBlock { ln_weight, ln_bias, qkv, out: out_proj, fc_in, fc_in_bias, fc_out, fc_out_bias } = block;
            out.push((format!("{p}.ln_1.weight"), ln_weight));
            out.push((format!("{p}.ln_1.bias"), ln_bias));
            out.push((format!("{p}.attn.qkv_proj.weight"), &mut qkv.weight));
            out.push((format!("{p}.attn.out_proj.weight"), &mut out_proj.weight));
            out.push((format!("{p}.mlp.fc_in.weight"), &mut fc_in.weight));
            out.push((format!("{p}.mlp.fc_in.bias"), fc_in_bias));
            out.push((format!("{p}.mlp.fc_out.weight"), &mut fc_out.weight));
            out.push((format!("{p}.mlp.fc_out.bias"), fc_out_bias));
        }
        out.push(("transformer.ln_f.weight".into(), &mut self.ln_f_weight));
        out.push(("transformer.ln_f.bias".into(), &mut self.ln_f_bias));
        if !self.tied {
            out.push(("lm_head.weight".into(), &mut self.lm_head));
        }
        if let Some(bias) = self.lm_head_bias.as_mut() {
            out.push(("lm_head.bias".into(), bias));
        }
        out
    }

    fn final_norm_names(&self) -> &'static [&'static str] {
        &["transformer.ln_f.weight", "transformer.ln_f.bias"]
    }

    fn retie(&mut self) {
        if self.tied {
            self.lm_head = self.wte.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_350m_configuration_is_accepted_and_has_the_model_card_shape() {
        let cfg = CodegenConfig::codegen_350m_mono();
        cfg.check().unwrap();
        assert_eq!((cfg.head_dim(), cfg.inner(), cfg.rotary()), (64, 4096, 32));
        let per_layer = 3 * 1024 * 1024 + 1024 * 1024 + 2 * 1024 * 4096 + 4096 + 1024 + 2 * 1024;
        let params = cfg.n_layer * per_layer + 2 * 51_200 * 1024 + 51_200 + 2 * 1024;
        // The model card's "350M".
        assert!((350_000_000..360_000_000).contains(&params), "{params}");
    }

    #[test]
    fn configurations_the_layout_cannot_serve_are_rejected() {
        let mut cfg = CodegenConfig::codegen_350m_mono();
        cfg.n_head = 6;
        cfg.n_embd = 384;
        assert!(cfg.check().unwrap_err().contains("multiple of 4"));
        let mut cfg = CodegenConfig::codegen_350m_mono();
        cfg.activation_function = "relu".into();
        assert!(cfg.check().is_err());
    }

    #[test]
    fn the_differentiable_rotary_matches_candles_kernel() {
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 1.0, (2, 3, 5, 8), &dev).unwrap();
        let cos = Tensor::randn(0f32, 1.0, (2, 5, 4), &dev).unwrap();
        let sin = Tensor::randn(0f32, 1.0, (2, 5, 4), &dev).unwrap();
        let a = candle_nn::rotary_emb::rope_i(&x, &cos, &sin).unwrap();
        let b = rope_interleaved_differentiable(&x, &cos, &sin).unwrap();
        let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 1e-5, "{diff}");
    }
}
