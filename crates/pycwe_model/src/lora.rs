//! A linear layer with an optional LoRA side path: `y = x Wᵀ + (alpha / r) · (x Aᵀ) Bᵀ`.
//! `B` starts at zero, so a fresh adapter leaves the model exactly as it was; only `A` and `B` are
//! trainable (`Var`s), the base weight is a plain tensor.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Module, Result, Tensor, Var};

/// Inference inputs of at most this many rows (decode steps: one token per unit in a batch) use
/// the Q8_0 copy of the weight when there is one: a decode step is bound by reading the weights,
/// and Q8_0 reads a quarter of f32's bytes. Longer inputs (prefill) stay in f32, where the
/// matrix-matrix kernel is faster.
pub const Q8_MAX_ROWS: usize = 32;

/// Shape and scale of an adapter, with PEFT's field names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoraConfig {
    /// Rank `r`.
    pub rank: usize,
    /// `lora_alpha`; the side path is scaled by `alpha / rank`.
    pub alpha: f64,
}

/// The pair of matrices of one adapted layer.
#[derive(Debug, Clone)]
pub struct LoraPair {
    /// `[rank, in]`, initialised from a small uniform distribution (as PEFT's Kaiming init).
    pub a: Tensor,
    /// `[out, rank]`, initialised to zero.
    pub b: Tensor,
    pub scale: f64,
    /// The trainable variables behind `a` and `b` (training only). A loaded adapter holds plain
    /// tensors: variables would make every activation, and so the KV cache, keep its graph alive.
    pub vars: Option<(Var, Var)>,
}

#[derive(Debug, Clone)]
pub struct LoraLinear {
    /// `[out, in]`, frozen unless full fine-tuning made it a variable.
    pub weight: Tensor,
    pub lora: Option<LoraPair>,
    /// A Q8_0 copy of `weight` for decode steps (see [`Q8_MAX_ROWS`]); inference only.
    pub q8: Option<QMatMul>,
}

impl LoraLinear {
    pub fn new(weight: Tensor) -> Self {
        LoraLinear { weight, lora: None, q8: None }
    }

    /// Adds the Q8_0 copy of the weight that decode steps use (the input width must be a
    /// multiple of 32, Q8_0's block).
    pub fn quantize_for_decode(&mut self) -> Result<()> {
        let q = QTensor::quantize(&self.weight.detach(), GgmlDType::Q8_0)?;
        self.q8 = Some(QMatMul::from_qtensor(q)?);
        Ok(())
    }

    pub fn out_dim(&self) -> usize {
        self.weight.dims()[0]
    }

    pub fn in_dim(&self) -> usize {
        self.weight.dims()[1]
    }

    /// Adds a fresh, trainable adapter: `A` uniform in `±1/sqrt(in)` drawn from `rng` (candle's own
    /// generator cannot be seeded, and training runs must be reproducible), `B` zero.
    pub fn add_lora(&mut self, cfg: LoraConfig, rng: &mut impl rand::Rng, device: &Device) -> Result<()> {
        let bound = 1.0 / (self.in_dim() as f32).sqrt();
        let data: Vec<f32> = (0..cfg.rank * self.in_dim()).map(|_| rng.random_range(-bound..bound)).collect();
        let a = Var::from_tensor(&Tensor::from_vec(data, (cfg.rank, self.in_dim()), device)?)?;
        let b = Var::zeros((self.out_dim(), cfg.rank), DType::F32, device)?;
        self.lora = Some(LoraPair {
            a: a.as_tensor().clone(),
            b: b.as_tensor().clone(),
            scale: cfg.alpha / cfg.rank as f64,
            vars: Some((a, b)),
        });
        Ok(())
    }

    /// Sets a trained adapter for inference (`a`: `[rank, in]`, `b`: `[out, rank]`).
    pub fn set_lora(&mut self, a: Tensor, b: Tensor, scale: f64) -> Result<()> {
        let (rank, inp) = a.dims2()?;
        let (out, rank_b) = b.dims2()?;
        if inp != self.in_dim() || out != self.out_dim() || rank != rank_b {
            return Err(candle_core::Error::Msg(format!(
                "adapter shapes A {:?} / B {:?} do not fit a {}x{} layer",
                a.dims(),
                b.dims(),
                self.out_dim(),
                self.in_dim()
            )));
        }
        self.lora = Some(LoraPair { a: a.detach(), b: b.detach(), scale, vars: None });
        Ok(())
    }

    /// `x` is `[..., in]`; returns `[..., out]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let rows = x.elem_count() / self.in_dim().max(1);
        let base = if let Some(q8) = self.q8.as_ref().filter(|_| !x.track_op() && rows <= Q8_MAX_ROWS) {
            q8.forward(x)?
        } else if x.track_op() && !self.weight.track_op() && x.device().is_cpu() {
            // Training an adapter: candle's matmul backward would also compute the gradient of the
            // frozen weight (a full `[out, in]` product per step, thrown away).
            x.apply_op1(FrozenLinear { weight: self.weight.clone() })?
        } else {
            matmul_2d(x, &self.weight.t()?)?
        };
        match &self.lora {
            None => Ok(base),
            Some(l) => {
                let side = matmul_2d(&matmul_2d(x, &l.a.t()?)?, &l.b.t()?)?;
                base + (side * l.scale)?
            }
        }
    }
}

/// `[..., in] x [in, out]` as one 2-D product (a broadcast matmul would materialise, and in
/// backward differentiate, one copy of the right-hand side per batch row).
fn matmul_2d(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    let dims = x.dims();
    let inp = dims[dims.len() - 1];
    let rows = x.elem_count() / inp.max(1);
    let y = x.reshape((rows, inp))?.matmul(w)?;
    let mut out_dims = dims.to_vec();
    *out_dims.last_mut().expect("rank >= 1") = w.dims()[1];
    y.reshape(out_dims)
}

/// `x Wᵀ` with a frozen `W`: its backward returns only the input's gradient.
struct FrozenLinear {
    weight: Tensor,
}

impl candle_core::CustomOp1 for FrozenLinear {
    fn name(&self) -> &'static str {
        "frozen-linear"
    }

    fn cpu_fwd(
        &self,
        storage: &candle_core::CpuStorage,
        layout: &candle_core::Layout,
    ) -> Result<(candle_core::CpuStorage, candle_core::Shape)> {
        let candle_core::CpuStorage::F32(data) = storage else {
            candle_core::bail!("frozen-linear: only f32 is supported");
        };
        let x = match layout.contiguous_offsets() {
            Some((start, end)) => Tensor::from_slice(&data[start..end], layout.shape(), &Device::Cpu)?,
            None => candle_core::bail!("frozen-linear: the input must be contiguous"),
        };
        let y = matmul_2d(&x, &self.weight.t()?)?;
        let shape = y.shape().clone();
        Ok((candle_core::CpuStorage::F32(y.flatten_all()?.to_vec1::<f32>()?), shape))
    }

    fn bwd(&self, _arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(matmul_2d(grad_res, &self.weight)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> rand_chacha::ChaCha8Rng {
        rand::SeedableRng::seed_from_u64(7)
    }

    #[test]
    fn a_fresh_adapter_changes_nothing_and_a_trained_one_does() {
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 1.0, (6, 4), &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (2, 3, 4), &dev).unwrap();
        let mut layer = LoraLinear::new(w);
        let base = layer.forward(&x).unwrap();
        layer.add_lora(LoraConfig { rank: 2, alpha: 4.0 }, &mut rng(), &dev).unwrap();
        let with_zero_b = layer.forward(&x).unwrap();
        let diff = (base.clone() - with_zero_b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert_eq!(diff, 0.0);
        let (_, b) = layer.lora.as_ref().unwrap().vars.clone().unwrap();
        b.set(&Tensor::ones((6, 2), DType::F32, &dev).unwrap()).unwrap();
        let changed = layer.forward(&x).unwrap();
        let diff = (base - changed).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff > 1e-3);
    }

    #[test]
    fn the_q8_copy_serves_short_inputs_only_and_stays_close_to_f32() {
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 1.0, (48, 64), &dev).unwrap();
        let mut layer = LoraLinear::new(w);
        let short = Tensor::randn(0f32, 1.0, (2, 1, 64), &dev).unwrap();
        let long = Tensor::randn(0f32, 1.0, (1, Q8_MAX_ROWS + 1, 64), &dev).unwrap();
        let (f32_short, f32_long) = (layer.forward(&short).unwrap(), layer.forward(&long).unwrap());
        layer.quantize_for_decode().unwrap();
        let (q8_short, q8_long) = (layer.forward(&short).unwrap(), layer.forward(&long).unwrap());
        let diff =
            |a: &Tensor, b: &Tensor| (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        // Prefill-sized inputs are untouched; decode-sized ones differ by Q8_0's rounding only.
        assert_eq!(diff(&f32_long, &q8_long), 0.0);
        let d = diff(&f32_short, &q8_short);
        let scale = f32_short.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(d > 0.0 && d < 0.03 * scale, "{d} of {scale}");
    }

    #[test]
    fn gradients_reach_both_lora_matrices_and_match_finite_differences() {
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 1.0, (3, 4), &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (5, 4), &dev).unwrap();
        let mut layer = LoraLinear::new(w);
        layer.add_lora(LoraConfig { rank: 2, alpha: 2.0 }, &mut rng(), &dev).unwrap();
        let (a, b) = layer.lora.clone().unwrap().vars.unwrap();
        b.set(&Tensor::randn(0f32, 0.5, (3, 2), &dev).unwrap()).unwrap();
        let loss = |layer: &LoraLinear| layer.forward(&x).unwrap().sqr().unwrap().sum_all().unwrap();
        let grads = loss(&layer).backward().unwrap();
        let ga = grads.get(a.as_tensor()).expect("A has a gradient").to_vec2::<f32>().unwrap();
        let gb = grads.get(b.as_tensor()).expect("B has a gradient").to_vec2::<f32>().unwrap();
        // Central finite difference on one entry of each.
        for (var, grad, (i, j)) in [(&a, ga[1][2], (1usize, 2usize)), (&b, gb[2][1], (2, 1))] {
            let orig = var.as_tensor().to_vec2::<f32>().unwrap();
            let eps = 1e-2f32;
            let bump = |delta: f32| {
                let mut m = orig.clone();
                m[i][j] += delta;
                var.set(&Tensor::new(m, &dev).unwrap()).unwrap();
                loss(&layer).to_scalar::<f32>().unwrap()
            };
            let numeric = (bump(eps) - bump(-eps)) / (2.0 * eps);
            var.set(&Tensor::new(orig, &dev).unwrap()).unwrap();
            assert!((numeric - grad).abs() <= 1e-2 * (1.0 + grad.abs()), "numeric {numeric} vs autograd {grad}");
        }
    }
}
