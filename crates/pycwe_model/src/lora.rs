//! A linear layer with an optional LoRA side path: `y = x Wᵀ + (alpha / r) · (x Aᵀ) Bᵀ`.
//! `B` starts at zero, so a fresh adapter leaves the model exactly as it was; only `A` and `B` are
//! trainable (`Var`s), the base weight is a plain tensor.

use candle_core::{DType, Device, Result, Tensor, Var};

/// Shape and scale of an adapter, with PEFT's field names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoraConfig {
    /// Rank `r`.
    pub rank: usize,
    /// `lora_alpha`; the side path is scaled by `alpha / rank`.
    pub alpha: f64,
}

/// The trainable pair of one adapted layer.
#[derive(Debug, Clone)]
pub struct LoraPair {
    /// `[rank, in]`, initialised from a small uniform distribution (as PEFT's Kaiming init).
    pub a: Var,
    /// `[out, rank]`, initialised to zero.
    pub b: Var,
    pub scale: f64,
}

#[derive(Debug, Clone)]
pub struct LoraLinear {
    /// `[out, in]`, frozen.
    pub weight: Tensor,
    pub lora: Option<LoraPair>,
}

impl LoraLinear {
    pub fn new(weight: Tensor) -> Self {
        LoraLinear { weight, lora: None }
    }

    pub fn out_dim(&self) -> usize {
        self.weight.dims()[0]
    }

    pub fn in_dim(&self) -> usize {
        self.weight.dims()[1]
    }

    /// Adds a fresh adapter: `A` uniform in `±1/sqrt(in)`, `B` zero.
    pub fn add_lora(&mut self, cfg: LoraConfig, device: &Device) -> Result<()> {
        let bound = 1.0 / (self.in_dim() as f64).sqrt();
        let a = Var::rand(-bound as f32, bound as f32, (cfg.rank, self.in_dim()), device)?;
        let b = Var::zeros((self.out_dim(), cfg.rank), DType::F32, device)?;
        self.lora = Some(LoraPair { a, b, scale: cfg.alpha / cfg.rank as f64 });
        Ok(())
    }

    /// `x` is `[..., in]`; returns `[..., out]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let base = x.broadcast_matmul(&self.weight.t()?)?;
        match &self.lora {
            None => Ok(base),
            Some(l) => {
                let side = x.broadcast_matmul(&l.a.as_tensor().t()?)?.broadcast_matmul(&l.b.as_tensor().t()?)?;
                base + (side * l.scale)?
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_adapter_changes_nothing_and_a_trained_one_does() {
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 1.0, (6, 4), &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (2, 3, 4), &dev).unwrap();
        let mut layer = LoraLinear::new(w);
        let base = layer.forward(&x).unwrap();
        layer.add_lora(LoraConfig { rank: 2, alpha: 4.0 }, &dev).unwrap();
        let with_zero_b = layer.forward(&x).unwrap();
        let diff = (base.clone() - with_zero_b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert_eq!(diff, 0.0);
        let pair = layer.lora.as_ref().unwrap();
        pair.b.set(&Tensor::ones((6, 2), DType::F32, &dev).unwrap()).unwrap();
        let changed = layer.forward(&x).unwrap();
        let diff = (base - changed).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff > 1e-3);
    }

    #[test]
    fn gradients_reach_both_lora_matrices_and_match_finite_differences() {
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 1.0, (3, 4), &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (5, 4), &dev).unwrap();
        let mut layer = LoraLinear::new(w);
        layer.add_lora(LoraConfig { rank: 2, alpha: 2.0 }, &dev).unwrap();
        let pair = layer.lora.clone().unwrap();
        pair.b.set(&Tensor::randn(0f32, 0.5, (3, 2), &dev).unwrap()).unwrap();
        let loss = |layer: &LoraLinear| layer.forward(&x).unwrap().sqr().unwrap().sum_all().unwrap();
        let grads = loss(&layer).backward().unwrap();
        let ga = grads.get(pair.a.as_tensor()).expect("A has a gradient").to_vec2::<f32>().unwrap();
        let gb = grads.get(pair.b.as_tensor()).expect("B has a gradient").to_vec2::<f32>().unwrap();
        // Central finite difference on one entry of each.
        for (var, grad, (i, j)) in [(&pair.a, ga[1][2], (1usize, 2usize)), (&pair.b, gb[2][1], (2, 1))] {
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
