//! AdamW (decoupled weight decay) whose moments can be saved and restored: candle-nn's `AdamW`
//! keeps its state private, and a resumed run must continue exactly where it stopped.

use candle_core::{Result, Tensor, Var};

#[derive(Debug, Clone)]
pub struct AdamW {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Updates taken so far (the bias correction's `t`).
    pub t: usize,
    /// First and second moments, one per parameter, in the order of the parameter list.
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
}

impl AdamW {
    pub fn new(params: &[Var], weight_decay: f64) -> Result<Self> {
        let zeros = |p: &Var| p.as_tensor().zeros_like();
        Ok(AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
            t: 0,
            m: params.iter().map(zeros).collect::<Result<_>>()?,
            v: params.iter().map(zeros).collect::<Result<_>>()?,
        })
    }

    /// One update of every parameter with its gradient (`grads[i]` for `params[i]`).
    pub fn step(&mut self, params: &[Var], grads: &[Tensor], lr: f64) -> Result<()> {
        self.t += 1;
        let c1 = 1.0 - self.beta1.powi(self.t as i32);
        let c2 = 1.0 - self.beta2.powi(self.t as i32);
        for (i, (p, g)) in params.iter().zip(grads).enumerate() {
            let m = ((&self.m[i] * self.beta1)? + (g * (1.0 - self.beta1))?)?;
            let v = ((&self.v[i] * self.beta2)? + (g.sqr()? * (1.0 - self.beta2))?)?;
            let update = ((&m / c1)? / ((&v / c2)?.sqrt()? + self.eps)?)?;
            let decayed = (p.as_tensor() * (1.0 - lr * self.weight_decay))?;
            p.set(&(decayed - (update * lr)?)?)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(())
    }
}

/// Scales `grads` so their global L2 norm is at most `max_norm`; returns the norm before clipping.
pub fn clip_grad_norm(grads: &mut [Tensor], max_norm: f64) -> Result<f64> {
    let mut total = 0f64;
    for g in grads.iter() {
        total += g.sqr()?.sum_all()?.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?;
    }
    let norm = total.sqrt();
    if max_norm > 0.0 && norm > max_norm {
        let scale = max_norm / (norm + 1e-6);
        for g in grads.iter_mut() {
            *g = (&*g * scale)?;
        }
    }
    Ok(norm)
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    #[test]
    fn minimises_a_quadratic() {
        let x = Var::new(&[3f32, -2.0], &Device::Cpu).unwrap();
        let mut opt = AdamW::new(std::slice::from_ref(&x), 0.0).unwrap();
        for _ in 0..500 {
            let loss = x.as_tensor().sqr().unwrap().sum_all().unwrap();
            let g = loss.backward().unwrap().get(x.as_tensor()).unwrap().clone();
            opt.step(std::slice::from_ref(&x), &[g], 0.05).unwrap();
        }
        let v = x.as_tensor().to_vec1::<f32>().unwrap();
        assert!(v.iter().all(|x| x.abs() < 1e-2), "{v:?}");
    }

    #[test]
    fn the_first_step_moves_each_weight_by_the_learning_rate() {
        // With bias correction, step 1 is lr * g / |g| (eps aside), whatever the gradient's scale.
        let x = Var::new(&[1f32, 1.0], &Device::Cpu).unwrap();
        let mut opt = AdamW::new(std::slice::from_ref(&x), 0.0).unwrap();
        let g = Tensor::new(&[100f32, -0.001], &Device::Cpu).unwrap();
        opt.step(std::slice::from_ref(&x), &[g], 0.1).unwrap();
        let v = x.as_tensor().to_vec1::<f32>().unwrap();
        assert!((v[0] - 0.9).abs() < 1e-4 && (v[1] - 1.1).abs() < 1e-3, "{v:?}");
    }

    #[test]
    fn clipping_bounds_the_global_norm() {
        let mut grads = vec![Tensor::new(&[3f32], &Device::Cpu).unwrap(), Tensor::new(&[4f32], &Device::Cpu).unwrap()];
        let norm = clip_grad_norm(&mut grads, 1.0).unwrap();
        assert!((norm - 5.0).abs() < 1e-6);
        let after = clip_grad_norm(&mut grads, 0.0).unwrap();
        assert!((after - 1.0).abs() < 1e-4, "{after}");
    }
}
