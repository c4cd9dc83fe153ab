//! The learning-rate schedule: linear warmup, then cosine decay to zero.

/// Learning rate for optimizer step `step` (0-based) of `total`, peaking at `peak` after `warmup` steps.
pub fn learning_rate(step: usize, total: usize, warmup: usize, peak: f64) -> f64 {
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let decay_steps = total.saturating_sub(warmup).max(1);
    let progress = ((step - warmup) as f64 / decay_steps as f64).min(1.0);
    peak * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays_to_zero() {
        let lr = |s| learning_rate(s, 100, 10, 1.0);
        assert!((lr(0) - 0.1).abs() < 1e-12);
        assert!((lr(9) - 1.0).abs() < 1e-12);
        assert!((lr(10) - 1.0).abs() < 1e-12);
        assert!((lr(55) - 0.5).abs() < 1e-12);
        assert!(lr(99) < 0.001);
        assert!((1..100).all(|s| s <= 10 || lr(s) <= lr(s - 1)));
    }

    #[test]
    fn no_warmup_starts_at_the_peak() {
        assert_eq!(learning_rate(0, 10, 0, 2e-4), 2e-4);
    }
}
