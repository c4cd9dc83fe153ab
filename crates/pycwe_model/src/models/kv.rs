//! The KV cache every architecture shares, the attention mask it implies, and the attention over
//! it: rows of different lengths in one batch (padding slots never get attention), a prefix shared
//! by every row (one copy, attended with one matrix product for all rows: cascade attention), and
//! decode steps appended one token at a time.

use std::sync::Arc;

use candle_core::{Device, Result, Tensor};

use super::Mode;

/// One layer's keys and values: `[B, kv_heads, capacity, head_dim]` buffers of which the first
/// `len` slots are filled. Inference appends in place (a decode step copies one slot, not the
/// whole cache); training appends by concatenation, which keeps the autograd graph.
#[derive(Debug, Clone)]
pub(crate) struct LayerKv {
    k: Tensor,
    v: Tensor,
    len: usize,
}

/// Per-layer keys and values of every row, plus which key slots are real tokens.
#[derive(Debug, Clone)]
pub struct KvCache {
    pub(crate) layers: Vec<Option<LayerKv>>,
    /// Per row: whether each key slot holds a real token (padding slots never get attention).
    valid: Vec<Vec<bool>>,
    /// Per row: the position of each key slot.
    positions: Vec<Vec<u32>>,
    /// Per row: tokens seen so far (the next token's position), the shared prefix included.
    lengths: Vec<usize>,
    /// Keys and values `[1, kv_heads, P, head_dim]` per layer of a prefix every row starts with,
    /// kept once; the per-row slots above hold only what follows it.
    shared: Option<Arc<Vec<(Tensor, Tensor)>>>,
}

impl KvCache {
    pub fn new(rows: usize, layers: usize) -> Self {
        KvCache {
            layers: vec![None; layers],
            valid: vec![Vec::new(); rows],
            positions: vec![Vec::new(); rows],
            lengths: vec![0; rows],
            shared: None,
        }
    }

    pub fn rows(&self) -> usize {
        self.lengths.len()
    }

    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// A one-row cache of a prompt prefix as named tensors (`k.N`, `v.N` per layer, filled slots
    /// only), to be stored and read back with [`KvCache::from_prefix_tensors`].
    pub fn prefix_tensors(&self) -> Result<std::collections::HashMap<String, Tensor>> {
        assert_eq!(self.rows(), 1, "only a one-row cache is a prefix");
        assert!(self.shared.is_none() && self.valid[0].iter().all(|v| *v), "a prefix has no padding");
        let mut out = std::collections::HashMap::new();
        for (i, l) in self.layers.iter().enumerate() {
            let l = l.as_ref().expect("a prefix has run through every layer");
            out.insert(format!("k.{i}"), l.k.narrow(2, 0, l.len)?.contiguous()?);
            out.insert(format!("v.{i}"), l.v.narrow(2, 0, l.len)?.contiguous()?);
        }
        Ok(out)
    }

    /// The cache [`KvCache::prefix_tensors`] described, on `device`; `None` when the tensors do not
    /// describe `layers` layers of one row of equal length.
    pub fn from_prefix_tensors(
        tensors: &std::collections::HashMap<String, Tensor>,
        layers: usize,
        device: &Device,
    ) -> Result<Option<Self>> {
        let mut out = Vec::with_capacity(layers);
        let mut len = None;
        for i in 0..layers {
            let (Some(k), Some(v)) = (tensors.get(&format!("k.{i}")), tensors.get(&format!("v.{i}"))) else {
                return Ok(None);
            };
            if k.rank() != 4
                || k.dims() != v.dims()
                || k.dim(0)? != 1
                || len.is_some_and(|n| n != k.dim(2).unwrap_or(0))
            {
                return Ok(None);
            }
            len = Some(k.dim(2)?);
            out.push(Some(LayerKv { k: k.to_device(device)?, v: v.to_device(device)?, len: k.dim(2)? }));
        }
        let (Some(len), true) = (len, tensors.len() == 2 * layers) else { return Ok(None) };
        Ok(Some(KvCache {
            layers: out,
            valid: vec![vec![true; len]],
            positions: vec![(0..len as u32).collect()],
            lengths: vec![len],
            shared: None,
        }))
    }

    /// A cache of one row copied to `rows` rows (a shared prompt prefix computed once).
    pub fn repeat(&self, rows: usize) -> Result<Self> {
        assert_eq!(self.rows(), 1, "only a one-row cache can be repeated");
        let layers = self
            .layers
            .iter()
            .map(|l| match l {
                // Always fresh storage: an in-place append must never write into the original.
                Some(l) => {
                    let fresh = |t: &Tensor| -> Result<Tensor> {
                        let t = t.narrow(2, 0, l.len)?;
                        if rows == 1 { t.copy() } else { t.repeat((rows, 1, 1, 1)) }
                    };
                    Ok(Some(LayerKv { k: fresh(&l.k)?, v: fresh(&l.v)?, len: l.len }))
                }
                None => Ok(None),
            })
            .collect::<Result<_>>()?;
        Ok(KvCache {
            layers,
            valid: vec![self.valid[0].clone(); rows],
            positions: vec![self.positions[0].clone(); rows],
            lengths: vec![self.lengths[0]; rows],
            shared: self.shared.clone(),
        })
    }

    /// A cache for `rows` rows that all start with this one-row cache's tokens, kept once and
    /// shared: nothing is copied per row, and attention reads the prefix with one product for
    /// all rows ([`attend`]). Every prefix token is visible to every later token.
    pub fn share(&self, rows: usize) -> Result<Self> {
        assert_eq!(self.rows(), 1, "only a one-row cache can be shared");
        assert!(self.shared.is_none(), "a shared cache cannot be shared again");
        if self.lengths[0] == 0 {
            return Ok(KvCache::new(rows, self.layers.len()));
        }
        assert!(self.valid[0].iter().all(|v| *v), "a shared prefix has no padding");
        let layers = self
            .layers
            .iter()
            .map(|l| {
                let l = l.as_ref().expect("a shared prefix has run through every layer");
                Ok((l.k.narrow(2, 0, l.len)?.contiguous()?, l.v.narrow(2, 0, l.len)?.contiguous()?))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(KvCache {
            layers: vec![None; self.layers.len()],
            valid: vec![Vec::new(); rows],
            positions: vec![Vec::new(); rows],
            lengths: vec![self.lengths[0]; rows],
            shared: Some(Arc::new(layers)),
        })
    }

    /// The shared prefix's keys and values of `layer`, if the cache has one.
    pub(crate) fn shared(&self, layer: usize) -> Option<(Tensor, Tensor)> {
        self.shared.as_ref().map(|s| s[layer].clone())
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

    /// Appends this step's keys and values `[B, heads, t, d]` of `layer` and returns all of them
    /// (views of the cache's buffers). `in_place` (inference only) writes into spare capacity,
    /// growing it by [`DECODE_HEADROOM`] slots at a time; otherwise the step's tensors are
    /// concatenated, keeping the graph.
    pub(crate) fn extend(&mut self, layer: usize, k: Tensor, v: Tensor, in_place: bool) -> Result<(Tensor, Tensor)> {
        let t = k.dim(2)?;
        let Some(mut l) = self.layers[layer].take() else {
            self.layers[layer] = Some(LayerKv { k: k.clone(), v: v.clone(), len: t });
            return Ok((k, v));
        };
        if in_place {
            let capacity = l.k.dim(2)?;
            if l.len + t > capacity {
                let grown = (l.len + t).max(capacity + DECODE_HEADROOM);
                let grow = |buf: &Tensor| -> Result<Tensor> {
                    let (b, h, _, d) = buf.dims4()?;
                    let spare = Tensor::zeros((b, h, grown - l.len, d), buf.dtype(), buf.device())?;
                    Tensor::cat(&[&buf.narrow(2, 0, l.len)?, &spare], 2)
                };
                l.k = grow(&l.k)?;
                l.v = grow(&l.v)?;
            }
            l.k.slice_set(&k.contiguous()?, 2, l.len)?;
            l.v.slice_set(&v.contiguous()?, 2, l.len)?;
            l.len += t;
        } else {
            l.k = Tensor::cat(&[&l.k.narrow(2, 0, l.len)?, &k], 2)?;
            l.v = Tensor::cat(&[&l.v.narrow(2, 0, l.len)?, &v], 2)?;
            l.len += t;
        }
        let out = (l.k.narrow(2, 0, l.len)?, l.v.narrow(2, 0, l.len)?);
        self.layers[layer] = Some(l);
        Ok(out)
    }
}

/// Key slots an in-place cache grows by when a step does not fit. Not doubling: after a prefill of
/// `t` tokens per row, doubling reserved another `t` slots in every row of every layer (~155 MB
/// more for 8 rows of 420 tokens with SmolLM2) for answers that are a few tokens long; growing by
/// a fixed step copies the cache once per that many decode steps instead.
pub(crate) const DECODE_HEADROOM: usize = 32;

/// Inference attention works on at most this many bytes of scores at a time: a batch's scores
/// `[B, heads, T, P + S]` are computed for a few rows (or, for one long row, one key head) at a
/// time, since every row and head attends independently. Without it, 8 rows of 420 tokens after
/// SmolLM2's shared prefix held ~110 MB per score tensor, five of them alive at once, the bulk of
/// a scan's peak memory.
const ATTEND_CHUNK_BYTES: usize = 16 << 20;

/// Scaled dot-product attention for `q` `[B, kv_heads, group * T, d]` (the `group` query heads
/// that share a key head stacked along the rows, `group` 1 without grouped-query attention) over
/// each row's own keys and values `k`, `v` `[B, kv_heads, S, d]` under the additive mask `bias`
/// `[B, 1, T, S]`, and over the `shared` prefix `[1, kv_heads, P, d]` if there is one (visible
/// to every query). Returns `[B, kv_heads, group * T, d]`.
///
/// The shared prefix is read with one product per key head for all rows at once (a matrix
/// product with `B * group * T` rows instead of `B` thin ones), then one softmax runs over the
/// prefix's and the row's scores together, so the result is exactly attention over the
/// concatenation.
pub(crate) fn attend(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    bias: &Tensor,
    group: usize,
    shared: Option<&(Tensor, Tensor)>,
    mode: Mode,
) -> Result<Tensor> {
    attend_within(q, k, v, bias, group, shared, mode, ATTEND_CHUNK_BYTES)
}

/// [`attend`], which in inference works on a few rows (or one row's key heads) at a time when all
/// of them would need more than `budget` bytes of scores; the result is the same either way.
/// Training keeps one graph over the whole batch (its batches are budgeted in tokens).
#[allow(clippy::too_many_arguments)]
fn attend_within(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    bias: &Tensor,
    group: usize,
    shared: Option<&(Tensor, Tensor)>,
    mode: Mode,
    budget: usize,
) -> Result<Tensor> {
    let (b, nkv, rows, d) = q.dims4()?;
    let keys = k.dim(2)? + shared.map_or(Ok(0), |(pk, _)| pk.dim(2))?;
    let per_row = nkv * rows * keys * std::mem::size_of::<f32>();
    if mode == Mode::Infer && b * per_row > budget && b > 1 {
        let step = (budget / per_row).clamp(1, b);
        let parts = (0..b)
            .step_by(step)
            .map(|start| {
                let rows_of = |t: &Tensor| t.narrow(0, start, step.min(b - start));
                attend_within(&rows_of(q)?, &rows_of(k)?, &rows_of(v)?, &rows_of(bias)?, group, shared, mode, budget)
            })
            .collect::<Result<Vec<_>>>()?;
        return Tensor::cat(&parts, 0);
    }
    if mode == Mode::Infer && per_row > budget && nkv > 1 {
        let parts = (0..nkv)
            .map(|head| {
                let head_of = |t: &Tensor| t.narrow(1, head, 1);
                let shared_head = match shared {
                    Some((pk, pv)) => Some((head_of(pk)?, head_of(pv)?)),
                    None => None,
                };
                attend_within(&head_of(q)?, &head_of(k)?, &head_of(v)?, bias, group, shared_head.as_ref(), mode, budget)
            })
            .collect::<Result<Vec<_>>>()?;
        return Tensor::cat(&parts, 1);
    }
    let (s, t) = (k.dim(2)?, rows / group);
    let scale = 1.0 / (d as f64).sqrt();
    let own = (q.matmul(&k.t()?)? * scale)?
        .reshape((b, nkv, group, t, s))?
        .broadcast_add(&bias.unsqueeze(1)?)?
        .reshape((b, nkv, rows, s))?;
    let Some((pk, pv)) = shared else {
        return super::softmax(&own, mode)?.matmul(v);
    };
    let p = pk.dim(2)?;
    let q_all = q.transpose(0, 1)?.contiguous()?.reshape((nkv, b * rows, d))?;
    let prefix =
        (q_all.matmul(&pk.squeeze(0)?.t()?)? * scale)?.reshape((nkv, b, rows, p))?.transpose(0, 1)?.contiguous()?;
    let probs = super::softmax(&Tensor::cat(&[&prefix, &own], 3)?, mode)?;
    let to_prefix = probs.narrow(3, 0, p)?.transpose(0, 1)?.contiguous()?.reshape((nkv, b * rows, p))?;
    let from_prefix = to_prefix.matmul(&pv.squeeze(0)?.contiguous()?)?.reshape((nkv, b, rows, d))?.transpose(0, 1)?;
    let from_own = probs.narrow(3, p, s)?.contiguous()?.matmul(v)?;
    from_prefix + from_own
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(rows: usize, t: usize, value: f32) -> Tensor {
        Tensor::full(value, (rows, 1, t, 2), &Device::Cpu).unwrap()
    }

    fn all(cache: &KvCache) -> Vec<f32> {
        let l = cache.layers[0].as_ref().unwrap();
        l.k.narrow(2, 0, l.len).unwrap().flatten_all().unwrap().to_vec1().unwrap()
    }

    #[test]
    fn in_place_appends_grow_the_buffer_and_never_write_into_a_repeated_original() {
        let mut prefix = KvCache::new(1, 1);
        prefix.extend(0, slots(1, 2, 1.0), slots(1, 2, 1.0), true).unwrap();
        // Grows by DECODE_HEADROOM with 3 slots filled: spare room a copy could scribble into.
        let (k, _) = prefix.extend(0, slots(1, 1, 2.0), slots(1, 1, 2.0), true).unwrap();
        assert_eq!(k.dims(), &[1, 1, 3, 2]);
        assert_eq!(all(&prefix), [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]);

        let mut a = prefix.repeat(1).unwrap();
        let mut b = prefix.repeat(2).unwrap();
        a.extend(0, slots(1, 1, 7.0), slots(1, 1, 7.0), true).unwrap();
        b.extend(0, slots(2, 1, 9.0), slots(2, 1, 9.0), true).unwrap();
        prefix.extend(0, slots(1, 1, 5.0), slots(1, 1, 5.0), true).unwrap();
        assert_eq!(all(&a), [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 7.0, 7.0]);
        assert_eq!(all(&prefix), [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 5.0, 5.0]);
        assert_eq!(&all(&b)[..8], [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 9.0, 9.0]);

        // Concatenation (training) gives the same contents.
        let mut c = KvCache::new(1, 1);
        c.extend(0, slots(1, 2, 1.0), slots(1, 2, 1.0), false).unwrap();
        c.extend(0, slots(1, 1, 2.0), slots(1, 1, 2.0), false).unwrap();
        assert_eq!(all(&c), [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]);
    }

    #[test]
    fn attention_in_chunks_of_rows_or_heads_equals_attention_over_the_whole_batch() {
        let dev = Device::Cpu;
        let (b, nkv, group, t, s, p, d) = (3, 2, 3, 4, 6, 5, 8);
        let q = Tensor::randn(0f32, 1.0, (b, nkv, group * t, d), &dev).unwrap();
        let k = Tensor::randn(0f32, 1.0, (b, nkv, s, d), &dev).unwrap();
        let v = Tensor::randn(0f32, 1.0, (b, nkv, s, d), &dev).unwrap();
        let shared = (
            Tensor::randn(0f32, 1.0, (1, nkv, p, d), &dev).unwrap(),
            Tensor::randn(0f32, 1.0, (1, nkv, p, d), &dev).unwrap(),
        );
        // Causal over the last t slots, and row 1's first two slots are padding.
        let mut bias = vec![0f32; b * t * s];
        for r in 0..b {
            for i in 0..t {
                for j in 0..s {
                    if j > s - t + i || (r == 1 && j < 2) {
                        bias[(r * t + i) * s + j] = f32::NEG_INFINITY;
                    }
                }
            }
        }
        let bias = Tensor::from_vec(bias, (b, 1, t, s), &dev).unwrap();
        let per_row = nkv * group * t * (s + p) * 4;
        for shared in [None, Some(&shared)] {
            let whole = attend_within(&q, &k, &v, &bias, group, shared, Mode::Infer, usize::MAX).unwrap();
            // Everything at once, two rows then one, one row at a time, one key head at a time.
            for budget in [usize::MAX, 2 * per_row, per_row, 1] {
                let chunked = attend_within(&q, &k, &v, &bias, group, shared, Mode::Infer, budget).unwrap();
                assert_eq!(chunked.dims(), whole.dims());
                let diff = (&chunked - &whole).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
                assert!(diff < 1e-5, "budget {budget}, shared {}: differs by {diff}", shared.is_some());
            }
        }
    }
}
