//! SmolLM2 (Llama architecture) on candle, built for pycwe's use:
//! - weights from a GGUF, dequantized to f32, q/k un-permuted to the Hugging Face layout;
//! - every projection a [`LoraLinear`], so adapters plug in without another model file;
//! - one `step` that runs any number of new tokens per row against a [`KvCache`] (prefill, batched
//!   continuation after a shared prefix, and decode are all the same call), returning hidden states
//!   so callers project to logits only where they need them;
//! - a training-safe path (`Mode::Train`) made of differentiable ops only: candle-nn's fused
//!   `rms_norm`, `rope` and `softmax_last_dim` have no backward pass and would silently cut the graph.

use candle_core::{D, DType, Device, Result, Tensor};

use crate::gguf::{GgufError, GgufFile, unpermute_qk};
use crate::lora::LoraLinear;
pub use crate::models::kv::KvCache;
use crate::models::kv::attend;
pub use crate::models::{CausalLm, Mode};
use crate::models::{embed_rows, project};

/// Hyperparameters, read from GGUF metadata (`llama.*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LlamaConfig {
    pub vocab: usize,
    pub hidden: usize,
    pub intermediate: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub rope_theta: f32,
    pub rms_eps: f32,
    pub max_positions: usize,
}

impl LlamaConfig {
    pub fn head_dim(&self) -> usize {
        self.hidden / self.heads
    }

    pub fn from_gguf(g: &GgufFile) -> std::result::Result<Self, GgufError> {
        let arch = g.get_str("general.architecture")?.to_string();
        let key = |k: &str| format!("{arch}.{k}");
        let heads = g.get_u32(&key("attention.head_count"))? as usize;
        Ok(LlamaConfig {
            vocab: g.get_strings("tokenizer.ggml.tokens")?.len(),
            hidden: g.get_u32(&key("embedding_length"))? as usize,
            intermediate: g.get_u32(&key("feed_forward_length"))? as usize,
            layers: g.get_u32(&key("block_count"))? as usize,
            heads,
            kv_heads: g.get_u32(&key("attention.head_count_kv")).map(|v| v as usize).unwrap_or(heads),
            rope_theta: g.get_f32(&key("rope.freq_base")).unwrap_or(10_000.0),
            rms_eps: g.get_f32(&key("attention.layer_norm_rms_epsilon"))?,
            max_positions: g.get_u32(&key("context_length"))? as usize,
        })
    }
}

/// The projections of one block, addressable by their PEFT target names.
#[derive(Debug, Clone)]
pub struct Block {
    pub attn_norm: Tensor,
    pub q: LoraLinear,
    pub k: LoraLinear,
    pub v: LoraLinear,
    pub o: LoraLinear,
    pub mlp_norm: Tensor,
    pub gate: LoraLinear,
    pub up: LoraLinear,
    pub down: LoraLinear,
}

/// The seven projections of a block, by their PEFT target names.
pub const PROJECTIONS: [&str; 7] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

/// `self_attn` or `mlp`: where a projection sits in the Hugging Face module tree.
pub fn projection_group(name: &str) -> &'static str {
    if matches!(name, "gate_proj" | "up_proj" | "down_proj") { "mlp" } else { "self_attn" }
}

impl Block {
    /// The projection named like PEFT's `target_modules` (`q_proj`, ..., `down_proj`).
    pub fn projection_mut(&mut self, name: &str) -> Option<&mut LoraLinear> {
        Some(match name {
            "q_proj" => &mut self.q,
            "k_proj" => &mut self.k,
            "v_proj" => &mut self.v,
            "o_proj" => &mut self.o,
            "gate_proj" => &mut self.gate,
            "up_proj" => &mut self.up,
            "down_proj" => &mut self.down,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Llama {
    pub cfg: LlamaConfig,
    /// `[vocab, hidden]`; also the output projection (SmolLM2 ties them).
    pub embed: Tensor,
    pub blocks: Vec<Block>,
    pub norm: Tensor,
    pub lm_head: Tensor,
    /// Whether `lm_head` is the embedding (SmolLM2 ties them).
    tied: bool,
    cos: Tensor,
    sin: Tensor,
    device: Device,
}

impl Llama {
    /// Loads SmolLM2 (or any Llama-architecture GGUF) to f32 on `device`.
    pub fn from_gguf(g: &mut GgufFile, device: &Device) -> std::result::Result<Self, GgufError> {
        let cfg = LlamaConfig::from_gguf(g)?;
        let embed = g.tensor_f32("token_embd.weight", device)?;
        let mut blocks = Vec::with_capacity(cfg.layers);
        let path = g.path().to_path_buf();
        let perm_err = |name: String, e| GgufError::Tensor { path: path.clone(), name, source: Box::new(e) };
        for i in 0..cfg.layers {
            let mut t = |name: &str| g.tensor_f32(&format!("blk.{i}.{name}.weight"), device);
            let q = t("attn_q")?;
            let k = t("attn_k")?;
            let block = Block {
                attn_norm: t("attn_norm")?,
                q: LoraLinear::new(unpermute_qk(&q, cfg.heads).map_err(|e| perm_err(format!("blk.{i}.attn_q"), e))?),
                k: LoraLinear::new(unpermute_qk(&k, cfg.kv_heads).map_err(|e| perm_err(format!("blk.{i}.attn_k"), e))?),
                v: LoraLinear::new(t("attn_v")?),
                o: LoraLinear::new(t("attn_output")?),
                mlp_norm: t("ffn_norm")?,
                gate: LoraLinear::new(t("ffn_gate")?),
                up: LoraLinear::new(t("ffn_up")?),
                down: LoraLinear::new(t("ffn_down")?),
            };
            blocks.push(block);
        }
        let norm = g.tensor_f32("output_norm.weight", device)?;
        let lm_head =
            if g.has_tensor("output.weight") { g.tensor_f32("output.weight", device)? } else { embed.clone() };
        let (cos, sin) = rope_tables(&cfg, device).map_err(|e| perm_err("rope tables".into(), e))?;
        let tied = lm_head.id() == embed.id();
        Ok(Llama { cfg, embed, blocks, norm, lm_head, tied, cos, sin, device: device.clone() })
    }

    /// A model with random weights of the given shape (tests, benchmarks of the architecture).
    pub fn random(cfg: LlamaConfig, seed: u64, device: &Device) -> Result<Self> {
        // candle cannot seed its CPU generator: draw from our own seeded stream instead
        // (uniform with the variance of the usual normal init).
        let rng = std::cell::RefCell::new(<rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed));
        let uniform = |shape: (usize, usize), std: f32| -> Result<Tensor> {
            let bound = std * 3f32.sqrt();
            let data: Vec<f32> = (0..shape.0 * shape.1)
                .map(|_| rand::Rng::random_range(&mut *rng.borrow_mut(), -bound..bound))
                .collect();
            Tensor::from_vec(data, shape, device)
        };
        let hd = cfg.head_dim();
        let lin = |out: usize, inp: usize| -> Result<LoraLinear> {
            Ok(LoraLinear::new(uniform((out, inp), (1.0 / inp as f32).sqrt())?))
        };
        let ones = || Tensor::ones(cfg.hidden, DType::F32, device);
        let blocks = (0..cfg.layers)
            .map(|_| {
                Ok(Block {
                    attn_norm: ones()?,
                    q: lin(cfg.heads * hd, cfg.hidden)?,
                    k: lin(cfg.kv_heads * hd, cfg.hidden)?,
                    v: lin(cfg.kv_heads * hd, cfg.hidden)?,
                    o: lin(cfg.hidden, cfg.heads * hd)?,
                    mlp_norm: ones()?,
                    gate: lin(cfg.intermediate, cfg.hidden)?,
                    up: lin(cfg.intermediate, cfg.hidden)?,
                    down: lin(cfg.hidden, cfg.intermediate)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let embed = uniform((cfg.vocab, cfg.hidden), 1.0)?;
        let (cos, sin) = rope_tables(&cfg, device)?;
        Ok(Llama {
            cfg,
            lm_head: embed.clone(),
            embed,
            blocks,
            norm: ones()?,
            tied: true,
            cos,
            sin,
            device: device.clone(),
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    #[allow(clippy::too_many_arguments)]
    fn attention(
        &self,
        block: &Block,
        x: &Tensor,
        cos: &Tensor,
        sin: &Tensor,
        bias: &Tensor,
        cache: &mut KvCache,
        layer: usize,
        mode: Mode,
    ) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        let hd = self.cfg.head_dim();
        let (nh, nkv) = (self.cfg.heads, self.cfg.kv_heads);
        let q = block.q.forward(x)?.reshape((b, t, nh, hd))?.transpose(1, 2)?.contiguous()?;
        let k = block.k.forward(x)?.reshape((b, t, nkv, hd))?.transpose(1, 2)?.contiguous()?;
        let v = block.v.forward(x)?.reshape((b, t, nkv, hd))?.transpose(1, 2)?.contiguous()?;
        let (q, k) = match mode {
            Mode::Infer => (candle_nn::rotary_emb::rope(&q, cos, sin)?, candle_nn::rotary_emb::rope(&k, cos, sin)?),
            Mode::Train => (rope_differentiable(&q, cos, sin)?, rope_differentiable(&k, cos, sin)?),
        };
        let (k, v) = cache.extend(layer, k, v, mode == Mode::Infer)?;
        // Grouped-query attention without copying keys and values per query head: the `group`
        // query heads that share a key head are stacked along the rows of one product.
        let group = nh / nkv;
        let q = q.reshape((b, nkv, group * t, hd))?;
        let out = attend(&q, &k, &v, bias, group, cache.shared(layer).as_ref(), mode)?;
        let out = out.reshape((b, nh, t, hd))?.transpose(1, 2)?.reshape((b, t, nh * hd))?;
        block.o.forward(&out)
    }
}

fn rope_tables(cfg: &LlamaConfig, device: &Device) -> Result<(Tensor, Tensor)> {
    let hd = cfg.head_dim();
    let inv: Vec<f32> = (0..hd / 2).map(|i| 1.0 / cfg.rope_theta.powf(2.0 * i as f32 / hd as f32)).collect();
    let inv = Tensor::from_vec(inv, (1, hd / 2), device)?;
    let t = Tensor::arange(0u32, cfg.max_positions as u32, device)?
        .to_dtype(DType::F32)?
        .reshape((cfg.max_positions, 1))?;
    let freqs = t.matmul(&inv)?;
    Ok((freqs.cos()?, freqs.sin()?))
}

fn rms_norm(x: &Tensor, w: &Tensor, eps: f32, mode: Mode) -> Result<Tensor> {
    match mode {
        Mode::Infer => candle_nn::ops::rms_norm(x, w, eps),
        Mode::Train => {
            let denom = (x.sqr()?.mean_keepdim(D::Minus1)? + eps as f64)?.sqrt()?;
            x.broadcast_div(&denom)?.broadcast_mul(w)
        }
    }
}

/// Hugging Face rotary embedding (rotate halves) from differentiable ops; `cos`/`sin` are `[B, T, D/2]`.
fn rope_differentiable(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
    let cos = Tensor::cat(&[cos, cos], D::Minus1)?.unsqueeze(1)?;
    let sin = Tensor::cat(&[sin, sin], D::Minus1)?.unsqueeze(1)?;
    let half = x.dim(D::Minus1)? / 2;
    let x1 = x.narrow(D::Minus1, 0, half)?;
    let x2 = x.narrow(D::Minus1, half, half)?;
    let rotated = Tensor::cat(&[&x2.neg()?, &x1], D::Minus1)?;
    x.broadcast_mul(&cos)? + rotated.broadcast_mul(&sin)?
}

impl CausalLm for Llama {
    fn layers(&self) -> usize {
        self.cfg.layers
    }

    fn hidden_size(&self) -> usize {
        self.cfg.hidden
    }

    fn device(&self) -> &Device {
        &self.device
    }

    fn embed(&self, rows: &[Vec<u32>]) -> Result<Tensor> {
        embed_rows(&self.embed, rows)
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
        let (pos, bias) = cache.append_slots(lengths, t, self.cfg.max_positions, &self.device)?;
        let pos = Tensor::from_vec(pos, b * t, &self.device)?;
        let hd = self.cfg.head_dim();
        let cos = self.cos.index_select(&pos, 0)?.reshape((b, t, hd / 2))?;
        let sin = self.sin.index_select(&pos, 0)?.reshape((b, t, hd / 2))?;
        for layer in layers {
            let block = &self.blocks[layer];
            let h = rms_norm(&x, &block.attn_norm, self.cfg.rms_eps, mode)?;
            let attn = self.attention(block, &h, &cos, &sin, &bias, cache, layer, mode)?;
            x = (x + attn)?;
            let h = rms_norm(&x, &block.mlp_norm, self.cfg.rms_eps, mode)?;
            let mlp = block.down.forward(&(block.gate.forward(&h)?.silu()? * block.up.forward(&h)?)?)?;
            x = (x + mlp)?;
        }
        Ok(x)
    }

    fn final_norm(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        rms_norm(x, &self.norm, self.cfg.rms_eps, mode)
    }

    fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
        project(hidden, &self.lm_head)
    }

    fn output_rows(&self, ids: &[u32]) -> Result<(Tensor, Option<Tensor>)> {
        let index = Tensor::new(ids, &self.device)?;
        Ok((self.lm_head.index_select(&index, 0)?, None))
    }

    fn projection_names(&self) -> &'static [&'static str] {
        &PROJECTIONS
    }

    fn projection_mut(&mut self, layer: usize, name: &str) -> Option<&mut LoraLinear> {
        self.blocks.get_mut(layer)?.projection_mut(name)
    }

    fn peft_module(&self, layer: usize, name: &str) -> String {
        format!("base_model.model.model.layers.{layer}.{}.{name}", projection_group(name))
    }

    fn named_weights(&mut self) -> Vec<(String, &mut Tensor)> {
        let mut out: Vec<(String, &mut Tensor)> = vec![("model.embed_tokens.weight".into(), &mut self.embed)];
        if !self.tied {
            out.push(("lm_head.weight".into(), &mut self.lm_head));
        }
        for (i, block) in self.blocks.iter_mut().enumerate() {
            let p = format!("model.layers.{i}");
            let Block { attn_norm, q, k, v, o, mlp_norm, gate, up, down } = block;
            out.push((format!("{p}.input_layernorm.weight"), attn_norm));
            out.push((format!("{p}.post_attention_layernorm.weight"), mlp_norm));
            for (name, layer) in PROJECTIONS.iter().zip([q, k, v, o, gate, up, down]) {
                out.push((format!("{p}.{}.{name}.weight", projection_group(name)), &mut layer.weight));
            }
        }
        out.push(("model.norm.weight".into(), &mut self.norm));
        out
    }

    fn final_norm_names(&self) -> &'static [&'static str] {
        &["model.norm.weight"]
    }

    /// SmolLM2 ties its output projection to the embedding.
    fn retie(&mut self) {
        if self.tied {
            self.lm_head = self.embed.clone();
        }
    }
}
