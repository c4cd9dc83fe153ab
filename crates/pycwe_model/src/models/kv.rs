//! The KV cache every architecture shares, and the attention mask it implies: rows of different
//! lengths in one batch (padding slots never get attention), a shared prefix copied to many rows,
//! and decode steps appended one token at a time.

use candle_core::{Device, Result, Tensor};

/// Per-layer keys and values of every row, plus which key slots are real tokens.
#[derive(Debug, Clone)]
pub struct KvCache {
    /// Per layer: `[B, kv_heads, S, head_dim]` keys and values.
    pub(crate) layers: Vec<Option<(Tensor, Tensor)>>,
    /// Per row: whether each key slot holds a real token (padding slots never get attention).
    valid: Vec<Vec<bool>>,
    /// Per row: the position of each key slot.
    positions: Vec<Vec<u32>>,
    /// Per row: tokens seen so far (the next token's position).
    lengths: Vec<usize>,
}

impl KvCache {
    pub fn new(rows: usize, layers: usize) -> Self {
        KvCache {
            layers: vec![None; layers],
            valid: vec![Vec::new(); rows],
            positions: vec![Vec::new(); rows],
            lengths: vec![0; rows],
        }
    }

    pub fn rows(&self) -> usize {
        self.lengths.len()
    }

    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// A cache of one row copied to `rows` rows (a shared prompt prefix computed once).
    pub fn repeat(&self, rows: usize) -> Result<Self> {
        assert_eq!(self.rows(), 1, "only a one-row cache can be repeated");
        let layers = self
            .layers
            .iter()
            .map(|l| match l {
                Some((k, v)) => Ok(Some((k.repeat((rows, 1, 1, 1))?, v.repeat((rows, 1, 1, 1))?))),
                None => Ok(None),
            })
            .collect::<Result<_>>()?;
        Ok(KvCache {
            layers,
            valid: vec![self.valid[0].clone(); rows],
            positions: vec![self.positions[0].clone(); rows],
            lengths: vec![self.lengths[0]; rows],
        })
    }

    /// Appends `t` key slots per row for a step whose row `r` has `lengths[r]` real tokens (the
    /// rest padding). Returns each new token's position (`B * t`, capped below `max_positions`)
    /// and the additive attention bias `[B, 1, t, S]` over all `S` slots (0 visible, -inf not).
    pub fn append_slots(
        &mut self,
        lengths: &[usize],
        t: usize,
        max_positions: usize,
        device: &Device,
    ) -> Result<(Vec<u32>, Tensor)> {
        let b = lengths.len();
        assert_eq!(b, self.rows(), "one token list per cache row");
        let mut pos = Vec::with_capacity(b * t);
        for (r, &len) in lengths.iter().enumerate() {
            for i in 0..t {
                let p = self.lengths[r] + i.min(len.saturating_sub(1));
                pos.push(p.min(max_positions - 1) as u32);
            }
        }
        for (r, &len) in lengths.iter().enumerate() {
            for i in 0..t {
                self.valid[r].push(i < len);
                self.positions[r].push(pos[r * t + i]);
            }
            self.lengths[r] += len;
        }
        let s = self.valid[0].len();
        let mut bias = vec![0f32; b * t * s];
        for (r, &len) in lengths.iter().enumerate() {
            for i in 0..t {
                let qpos = pos[r * t + i];
                let q_slot = s - t + i;
                for j in 0..s {
                    // A padding query sees only itself: its output is discarded, but it must stay
                    // finite, since 0 * NaN in a later layer would leak into real rows.
                    let visible = if i >= len {
                        j == q_slot
                    } else {
                        self.valid[r][j] && j <= q_slot && self.positions[r][j] <= qpos
                    };
                    if !visible {
                        bias[(r * t + i) * s + j] = f32::NEG_INFINITY;
                    }
                }
            }
        }
        Ok((pos, Tensor::from_vec(bias, (b, 1, t, s), device)?))
    }

    /// Appends this step's keys and values `[B, heads, t, d]` of `layer` and returns all of them.
    pub(crate) fn extend(&mut self, layer: usize, k: Tensor, v: Tensor) -> Result<(Tensor, Tensor)> {
        let (k, v) = match self.layers[layer].take() {
            Some((pk, pv)) => (Tensor::cat(&[&pk, &k], 2)?, Tensor::cat(&[&pv, &v], 2)?),
            None => (k, v),
        };
        self.layers[layer] = Some((k.clone(), v.clone()));
        Ok((k, v))
    }
}
