//! `Detector` for any [`CausalLm`] (plus an optional adapter): the prompt from [`crate::chat`], the
//! fixed system prefix computed once and its KV cache shared by every unit, units batched, answers
//! decoded together under the grammar constraint.
//!
//! Confidence: `p_vulnerable` is the probability mass, among the tokens the grammar allows first, of
//! those that start a finding (versus `NONE`). A finding's confidence is `p_vulnerable` times the
//! probabilities of the tokens that spelled its CWE id.
//!
//! The first decision (a finding or `NONE`) is greedy unless [`Detector::decide_at`] set a
//! threshold: then every unit whose `p_vulnerable` reaches it gets its likeliest finding decoded.
//!
//! Anchored answers keep only findings with evidence in their unit; a unit that loses them all is
//! decoded once more, held to the weaknesses it shows ([`pycwe_core::evidence::second_choices`]).

use candle_core::Tensor;
use pycwe_core::detect::{DetectError, Detector, Prediction, UnitFinding, UnitRequest};
use pycwe_core::prompt::{AnswerPrefix, parse_answer};

use crate::chat;
use crate::constrain::{AnswerVocab, pick, stops_at_repeat};
use crate::models::llama::Llama;
use crate::models::{CausalLm, KvCache, Mode};
use crate::tokenize::TextTokenizer;

/// Where a model's encoded prompt prefix is kept between runs: one safetensors file per base model
/// and prefix, named by hashes of both and of the pycwe build that wrote it (so nothing stale is
/// read back; a new build replaces the file rather than adding one). A missing, unreadable or
/// unwritable file only costs the encoding.
#[derive(Debug, Clone)]
pub struct PrefixStore {
    dir: std::path::PathBuf,
    /// The base weights' SHA-256.
    weights: String,
    build: String,
}

impl PrefixStore {
    /// `build` names the code that encodes (pass [`crate::registry::executable_identity`]).
    pub fn new(dir: &std::path::Path, weights_sha256: &str, build: &str) -> Self {
        PrefixStore { dir: dir.to_path_buf(), weights: weights_sha256.to_string(), build: build.to_string() }
    }

    /// `(stem shared by every build, this build's file)`.
    fn path(&self, prefix_ids: &[u32]) -> (String, std::path::PathBuf) {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.weights.as_bytes());
        for id in prefix_ids {
            h.update(id.to_le_bytes());
        }
        let stem = crate::registry::hex(&h.finalize())[..32].to_string();
        let build = crate::registry::hex(&sha2::Sha256::digest(self.build.as_bytes()))[..16].to_string();
        let path = self.dir.join(format!("{stem}-{build}.safetensors"));
        (stem, path)
    }

    fn load(&self, prefix_ids: &[u32], layers: usize, device: &candle_core::Device) -> Option<KvCache> {
        let (_, path) = self.path(prefix_ids);
        let tensors = candle_core::safetensors::load(&path, &candle_core::Device::Cpu).ok()?;
        let cache = KvCache::from_prefix_tensors(&tensors, layers, device).ok()??;
        (cache.lengths() == [prefix_ids.len()]).then_some(cache)
    }

    fn save(&self, prefix_ids: &[u32], prefix: &KvCache) {
        let (stem, path) = self.path(prefix_ids);
        let Ok(tensors) = prefix.prefix_tensors() else { return };
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::create_dir_all(&self.dir).is_err() || candle_core::safetensors::save(&tensors, &tmp).is_err() {
            let _ = std::fs::remove_file(&tmp);
            return;
        }
        if std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
            return;
        }
        // Earlier builds' copies of this prefix will not be read again.
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&format!("{stem}-")) && name.ends_with(".safetensors") && entry.path() != path {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

pub struct LmDetector<M: CausalLm> {
    model: M,
    tokenizer: TextTokenizer,
    vocab: AnswerVocab,
    prefix: KvCache,
    /// Rows of the output projection for the tokens an answer can use: decoding scores only these
    /// (a few hundred) instead of all 49,152.
    answer_head: Tensor,
    /// The output projection's bias for those tokens (CodeGen has one).
    answer_bias: Option<Tensor>,
    answer_ids: Vec<u32>,
    /// Units judged together.
    pub batch: usize,
    name: String,
    fingerprint: String,
    /// Decode a finding when `p_vulnerable` is at least this (`None`: when it is the likelier answer).
    decide_at: Option<f32>,
    /// Decode each finding's reason (`--explain`).
    explain: bool,
    /// Hold findings to each unit's anchors ([`pycwe_core::anchor`]).
    anchored: bool,
}

/// SmolLM2's detector.
pub type LlamaDetector = LmDetector<Llama>;

impl<M: CausalLm> std::fmt::Debug for LmDetector<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LmDetector").field("name", &self.name).field("batch", &self.batch).finish()
    }
}

fn err(e: impl std::fmt::Display) -> DetectError {
    DetectError::Model(e.to_string())
}

impl<M: CausalLm> LmDetector<M> {
    /// A detector from a base model and, optionally, an adapter (applied after the shared prefix
    /// is encoded by the base model, as training does). `fingerprint` names the weights for caches.
    pub fn new(
        model: M,
        tokenizer: TextTokenizer,
        name: &str,
        adapter: Option<&crate::adapter::Adapter>,
    ) -> Result<Self, DetectError> {
        Self::with_prefix_store(model, tokenizer, name, adapter, None)
    }

    /// [`LmDetector::new`], reading the shared prefix's keys and values from `store` when an
    /// earlier run left them there (and leaving them there otherwise): encoding the ~500-token
    /// prefix is most of what a re-scan that judges one unit spends on the model.
    pub fn with_prefix_store(
        mut model: M,
        tokenizer: TextTokenizer,
        name: &str,
        adapter: Option<&crate::adapter::Adapter>,
        store: Option<&PrefixStore>,
    ) -> Result<Self, DetectError> {
        let end = chat::end_of_answer(&tokenizer).map_err(err)?;
        let vocab = AnswerVocab::new(token_texts(&tokenizer), end);
        let prefix_ids = chat::prefix_tokens(&tokenizer).map_err(err)?;
        let stored = store.and_then(|s| s.load(&prefix_ids, model.layers(), model.device()));
        let prefix = match stored {
            Some(prefix) => prefix,
            None => {
                let mut prefix = KvCache::new(1, model.layers());
                model.without_lora().step(std::slice::from_ref(&prefix_ids), &mut prefix, Mode::Infer).map_err(err)?;
                if let Some(store) = store {
                    store.save(&prefix_ids, &prefix);
                }
                prefix
            }
        };
        let mut fingerprint = format!(
            "{name} prompt-v{} decode-v{}",
            pycwe_core::prompt::PROMPT_VERSION,
            crate::constrain::DECODE_VERSION
        );
        if let Some(adapter) = adapter {
            adapter.apply(&mut model).map_err(err)?;
            fingerprint.push_str(&format!(" adapter-{}", adapter.sha256));
        }
        let answer_ids = vocab.token_ids();
        let (answer_head, answer_bias) = model.output_rows(&answer_ids).map_err(err)?;
        Ok(LmDetector {
            model,
            tokenizer,
            vocab,
            prefix,
            answer_head,
            answer_bias,
            answer_ids,
            batch: 8,
            name: name.to_string(),
            fingerprint,
            decide_at: None,
            explain: false,
            anchored: false,
        })
    }

    /// Decode steps read Q8_0 copies of the weights instead of f32 (prefill stays f32). The
    /// answers can differ from f32 decoding only where two tokens are nearly tied.
    pub fn use_q8_decode(&mut self) -> Result<(), DetectError> {
        self.model.quantize_for_decode().map_err(err)?;
        self.fingerprint.push_str(" q8-decode");
        Ok(())
    }

    fn judge_batch(&self, units: &[UnitRequest]) -> Result<Vec<Prediction>, DetectError> {
        let grammars: Vec<AnswerPrefix> = units
            .iter()
            .map(|u| {
                let mut grammar =
                    if self.anchored { pycwe_core::anchor::grammar(u) } else { AnswerPrefix::new(u.line_count()) };
                grammar.allow_reason = self.explain;
                grammar
            })
            .collect();
        let decoded = self.decode(units, &grammars, false)?;
        let mut predictions: Vec<Prediction> = units
            .iter()
            .zip(&decoded)
            .map(|(unit, d)| {
                let items = parse_answer(&d.text, unit.line_count()).map_err(err)?;
                let findings =
                    unit_findings(items, &id_confidences(&d.tokens), d.p_vulnerable, self.anchored.then_some(unit));
                Ok(Prediction { findings, answer: d.text.clone(), p_vulnerable: d.p_vulnerable })
            })
            .collect::<Result<_, DetectError>>()?;
        if self.anchored {
            self.second_choices(units, grammars, &mut predictions)?;
        }
        Ok(predictions)
    }

    /// Decode v10: a unit the model called vulnerable whose every decoded finding evidence dropped
    /// is decoded again, held to the weaknesses it shows specific evidence of
    /// ([`pycwe_core::evidence::second_choices`]); the decision and its `p_vulnerable` stay the
    /// first pass's. The answer keeps both texts, the second after ` then `.
    fn second_choices(
        &self,
        units: &[UnitRequest],
        grammars: Vec<AnswerPrefix>,
        predictions: &mut [Prediction],
    ) -> Result<(), DetectError> {
        let mut rows = Vec::new();
        let mut held = Vec::new();
        for (r, (mut grammar, prediction)) in grammars.into_iter().zip(predictions.iter()).enumerate() {
            let dropped_all = prediction.findings.is_empty() && prediction.answer.starts_with('C');
            if dropped_all && grammar.keep_only(&pycwe_core::evidence::second_choices(&units[r])) {
                rows.push(r);
                held.push(grammar);
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        let retried: Vec<UnitRequest> = rows.iter().map(|&r| units[r].clone()).collect();
        for ((&r, unit), d) in rows.iter().zip(&retried).zip(self.decode(&retried, &held, true)?) {
            let prediction = &mut predictions[r];
            let items = parse_answer(&d.text, unit.line_count()).map_err(err)?;
            prediction.findings = unit_findings(items, &id_confidences(&d.tokens), prediction.p_vulnerable, Some(unit));
            prediction.answer = format!("{} then {}", prediction.answer, d.text);
        }
        Ok(())
    }

    /// Decodes every row under its grammar, in one batch. The first step's finding mass is each
    /// row's `p_vulnerable`; the first token is then the greedy choice, or the side of
    /// [`Detector::decide_at`]'s threshold the mass falls on, or (`finding`) always a finding's.
    fn decode(
        &self,
        units: &[UnitRequest],
        grammars: &[AnswerPrefix],
        finding: bool,
    ) -> Result<Vec<Decoded>, DetectError> {
        let rows: Vec<Vec<u32>> =
            units.iter().map(|u| chat::unit_tokens(&self.tokenizer, u).map_err(err)).collect::<Result<_, _>>()?;
        let mut cache = self.prefix.share(rows.len()).map_err(err)?;
        let hidden = self.model.step(&rows, &mut cache, Mode::Infer).map_err(err)?;
        let last: Vec<Tensor> = rows
            .iter()
            .enumerate()
            .map(|(r, row)| hidden.get(r).and_then(|h| h.get(row.len() - 1)))
            .collect::<Result<_, _>>()
            .map_err(err)?;
        let mut logits = self.answer_logits(&Tensor::stack(&last, 0).map_err(err)?)?;
        let n = units.len();
        let mut out: Vec<Decoded> = (0..n).map(|_| Decoded::default()).collect();
        let mut done = vec![false; n];
        let mut first = true;
        while done.iter().any(|d| !d) {
            let mut next: Vec<Vec<u32>> = vec![Vec::new(); n];
            for r in 0..n {
                if done[r] {
                    continue;
                }
                let row = &mut out[r];
                let mut allowed = self.vocab.allowed(&grammars[r], &row.text);
                if first {
                    row.p_vulnerable = start_mass(&logits[r], &allowed, &self.vocab);
                    if finding {
                        allowed = first_choices(allowed, &self.vocab, true);
                    } else if let Some(t) = self.decide_at {
                        allowed = first_choices(allowed, &self.vocab, row.p_vulnerable >= t);
                    }
                }
                let (token, p) = pick(&logits[r], &allowed);
                if token == self.vocab.end || stops_at_repeat(&self.vocab, token, &row.text) {
                    done[r] = true;
                    continue;
                }
                row.text.push_str(self.vocab.text(token));
                row.tokens.push((self.vocab.text(token).to_string(), p));
                next[r] = vec![token];
            }
            first = false;
            if done.iter().all(|d| *d) {
                break;
            }
            let h = self.model.step(&next, &mut cache, Mode::Infer).map_err(err)?;
            logits = self.answer_logits(&h.narrow(1, 0, 1).map_err(err)?.squeeze(1).map_err(err)?)?;
        }
        Ok(out)
    }
}

/// One row's decoding: the answer text, the first step's finding mass, and each token written
/// with its probability among the tokens allowed at its step.
#[derive(Debug, Default)]
struct Decoded {
    text: String,
    p_vulnerable: f32,
    tokens: Vec<(String, f32)>,
}

impl<M: CausalLm> LmDetector<M> {
    /// Dense per-row logits over the whole vocabulary, but computed only for answer tokens (the
    /// rest are -inf, which the grammar never allows anyway).
    fn answer_logits(&self, hidden: &Tensor) -> Result<Vec<Vec<f32>>, DetectError> {
        let scores = hidden.matmul(&self.answer_head.t().map_err(err)?).map_err(err)?;
        let scores = match &self.answer_bias {
            Some(bias) => scores.broadcast_add(bias).map_err(err)?,
            None => scores,
        };
        let scores: Vec<Vec<f32>> = scores.to_vec2().map_err(err)?;
        let vocab = self.tokenizer.vocab_size();
        Ok(scores
            .into_iter()
            .map(|row| {
                let mut dense = vec![f32::NEG_INFINITY; vocab];
                for (id, v) in self.answer_ids.iter().zip(row) {
                    dense[*id as usize] = v;
                }
                dense
            })
            .collect())
    }
}

/// Every token id with its text, as the answer vocabulary reads them.
fn token_texts(tokenizer: &TextTokenizer) -> impl Iterator<Item = (u32, String)> + '_ {
    (0..tokenizer.vocab_size() as u32).map(|id| (id, tokenizer.decode(&[id]).unwrap_or_default()))
}

/// Probability mass (softmax over the allowed tokens) of tokens that start a finding rather than `NONE`.
fn start_mass(logits: &[f32], allowed: &[u32], vocab: &AnswerVocab) -> f32 {
    let max = allowed.iter().map(|&t| logits[t as usize]).fold(f32::NEG_INFINITY, f32::max);
    let (mut finding, mut total) = (0f32, 0f32);
    for &t in allowed {
        let p = (logits[t as usize] - max).exp();
        total += p;
        if vocab.text(t).starts_with('C') {
            finding += p;
        }
    }
    if total > 0.0 { finding / total } else { 0.0 }
}

/// A decoded answer's findings: `id_conf[i]` is the probability of the `i`-th answer item's id
/// tokens (in answer order, repeats included). A repeated finding says nothing new (small models
/// loop); an anchored answer (`anchored_to` the unit) keeps only findings with evidence in the unit
/// (`evidence::evidenced`).
fn unit_findings(
    items: Vec<pycwe_core::prompt::AnswerItem>,
    id_conf: &[f32],
    p_vulnerable: f32,
    anchored_to: Option<&UnitRequest>,
) -> Vec<UnitFinding> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .enumerate()
        .filter(|(_, item)| seen.insert((item.cwe, item.line)))
        .filter(|(_, item)| anchored_to.is_none_or(|unit| pycwe_core::evidence::evidenced(unit, item.cwe)))
        .map(|(i, item)| UnitFinding {
            cwe: item.cwe,
            line: item.line,
            confidence: p_vulnerable * id_conf.get(i).copied().unwrap_or(1.0),
            reason: item.reason,
        })
        .collect()
}

/// The first tokens left once the decision is taken: those that start a finding, or the others.
fn first_choices(allowed: Vec<u32>, vocab: &AnswerVocab, finding: bool) -> Vec<u32> {
    allowed.into_iter().filter(|&t| vocab.text(t).starts_with('C') == finding).collect()
}

/// For each finding (in answer order), the product of the probabilities of the tokens that wrote
/// its id (the characters between `CWE-` and ` line`).
fn id_confidences(tokens: &[(String, f32)]) -> Vec<f32> {
    let mut spans = Vec::with_capacity(tokens.len());
    let mut text = String::new();
    for (t, p) in tokens {
        spans.push((text.len(), text.len() + t.len(), *p));
        text.push_str(t);
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split('\n') {
        if let (Some(0), Some(id_end)) = (line.find("CWE-"), line.find(" line")) {
            let (lo, hi) = (offset + 4, offset + id_end);
            out.push(spans.iter().filter(|(s, e, _)| *s < hi && *e > lo).map(|(_, _, p)| p).product());
        }
        offset += line.len() + 1;
    }
    out
}

impl<M: CausalLm> Detector for LmDetector<M> {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn line_cost(&self, line: &str) -> usize {
        chat::line_cost(&self.tokenizer, line)
    }

    fn fingerprint(&self) -> String {
        pycwe_core::detect::with_decoding(&self.fingerprint, self.decide_at, self.explain, self.anchored)
    }

    fn decide_at(&mut self, threshold: f32) {
        self.decide_at = Some(threshold);
    }

    fn anchor(&mut self) {
        self.anchored = true;
    }

    fn explain(&mut self) -> Result<(), DetectError> {
        if self.explain {
            return Ok(());
        }
        let vocab = self.vocab.clone().with_reasons(token_texts(&self.tokenizer));
        let ids = vocab.token_ids();
        (self.answer_head, self.answer_bias) = self.model.output_rows(&ids).map_err(err)?;
        (self.vocab, self.answer_ids, self.explain) = (vocab, ids, true);
        Ok(())
    }

    fn judge(&mut self, units: &[UnitRequest]) -> Result<Vec<Prediction>, DetectError> {
        // Similar lengths together: less padding per batch.
        let mut order: Vec<usize> = (0..units.len()).collect();
        order.sort_by_key(|&i| units[i].text.len());
        let mut out: Vec<Option<Prediction>> = vec![None; units.len()];
        for chunk in order.chunks(self.batch.max(1)) {
            let batch: Vec<UnitRequest> = chunk.iter().map(|&i| units[i].clone()).collect();
            for (pred, &i) in self.judge_batch(&batch)?.into_iter().zip(chunk) {
                out[i] = Some(pred);
            }
        }
        Ok(out.into_iter().map(|p| p.expect("every unit judged")).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_drop_repeats_and_unevidenced_ids_and_keep_each_items_own_confidence() {
        use pycwe_core::cwe::CweId;
        use pycwe_core::prompt::AnswerItem;
        let item = |cwe: u32, line: usize| AnswerItem { cwe: CweId(cwe), line, reason: None };
        // SQL on the `execute` line, the same again, then LDAP, which the unit gives no call for.
        let items = vec![item(89, 2), item(89, 2), item(90, 1), item(22, 1)];
        let id_conf = [0.9, 0.8, 0.7, 0.5];
        let unit = UnitRequest {
            kind: pycwe_core::python::UnitKind::Function,
            name: "f".into(),
            text: "def f(db, name):\n    return db.execute(\"SELECT \" + name)\n".into(),
            imports: Vec::new(),
            class_headers: Vec::new(),
            whole: None,
        };
        let got = |anchored| -> Vec<(u32, usize, f32)> {
            unit_findings(items.clone(), &id_conf, 0.5, anchored)
                .into_iter()
                .map(|f| (f.cwe.0, f.line, f.confidence))
                .collect()
        };
        assert_eq!(got(None), vec![(89, 2, 0.45), (90, 1, 0.35), (22, 1, 0.25)]);
        assert_eq!(got(Some(&unit)), vec![(89, 2, 0.45), (22, 1, 0.25)]);
    }

    #[test]
    fn the_decision_keeps_only_the_chosen_kind_of_first_token() {
        let texts = ["NONE", "N", "CWE-", "C", "7"].iter().enumerate().map(|(i, t)| (i as u32, t.to_string()));
        let vocab = AnswerVocab::new(texts, 9);
        let grammar = AnswerPrefix::new(10);
        let allowed = vocab.allowed(&grammar, "");
        assert_eq!(first_choices(allowed.clone(), &vocab, true), vec![2, 3]);
        assert_eq!(first_choices(allowed, &vocab, false), vec![0, 1]);
    }

    #[test]
    fn id_confidence_multiplies_the_tokens_of_each_id() {
        let toks: Vec<(String, f32)> = [
            ("CWE-", 0.9),
            ("8", 0.5),
            ("9", 0.8),
            (" line ", 1.0),
            ("4", 0.7),
            ("\nCWE-", 0.6),
            ("7", 0.25),
            ("8", 1.0),
            (" line", 1.0),
            (" ", 1.0),
            ("2", 1.0),
        ]
        .iter()
        .map(|(t, p)| (t.to_string(), *p))
        .collect();
        let c = id_confidences(&toks);
        assert_eq!(c.len(), 2);
        assert!((c[0] - 0.4).abs() < 1e-6, "{c:?}");
        assert!((c[1] - 0.25).abs() < 1e-6, "{c:?}");
    }
}
