//! Constrained decoding: at each step only tokens that keep the answer a valid prefix of the answer
//! grammar (`pycwe_core::prompt`) may be chosen, and the end token only once the answer is complete.
//! So every answer parses, whatever the model's logits say.

use std::collections::HashMap;

use pycwe_core::prompt::{AnswerPrefix, PrefixState};

/// Characters an answer can contain outside its reasons; grammar tokens with other characters are
/// never allowed (`:` only starts a reason, which the grammar allows only when reasons are on).
const ALPHABET: &str = "NOCWE-0123456789 line\n:";

/// Bumped when decoding changes what an answer can be for the same logits; part of every model
/// detector's fingerprint (scan's cache key included), so cached answers from before are not reused.
/// 2: a repeated finding ends the answer.
/// 3: an anchored answer drops findings without evidence in the unit (`evidence::evidenced`).
/// 4: access-control findings need a unit that shows it handles a request.
/// 5: injections need a sink given something other than constants, ReDoS a regex that can backtrack.
/// 6: a bare `match(...)` counts as `re`'s only when the unit imports that name from `re`/`regex`.
/// 7: cross-site scripting needs a unit that shows markup (a tag in a string, an HTML or template name).
/// 8: a weak-hash call passing `usedforsecurity=False` is no evidence of a weak hash.
/// 9: an open redirect needs a unit that shows a redirect or its target (a redirect call, a URL, `next`).
/// 10: a unit whose every decoded finding evidence dropped gets a second choice among the weaknesses it
///     shows specific evidence of (`evidence::second_choices`).
/// 11: an unrestricted upload needs a unit that shows an uploaded file (`upload`, `FileStorage`, multipart).
pub const DECODE_VERSION: u32 = 11;

/// A reason stops growing at this many bytes (the next token must end the line or the answer).
pub const MAX_REASON_BYTES: usize = 160;

/// The vocabulary entries that can appear in an answer, found once per tokenizer.
#[derive(Debug, Clone)]
pub struct AnswerVocab {
    /// (token id, its text) for tokens made only of [`ALPHABET`] characters.
    candidates: Vec<(u32, String)>,
    /// The token that ends an answer (`<|im_end|>` for SmolLM2).
    pub end: u32,
    /// At most this many findings per answer (keeps decoding finite).
    pub max_findings: usize,
    /// Tokens a reason may use (any text without a line break); empty unless reasons are decoded.
    reasons: Vec<u32>,
    /// The text of every token above (a lookup for each decoded token: the vocabulary is 49,152
    /// entries once reasons are on).
    texts: HashMap<u32, String>,
}

impl AnswerVocab {
    /// `tokens[i]` is the decoded text of token `i`.
    pub fn new(tokens: impl IntoIterator<Item = (u32, String)>, end: u32) -> Self {
        let candidates: Vec<(u32, String)> =
            tokens.into_iter().filter(|(_, t)| !t.is_empty() && t.chars().all(|c| ALPHABET.contains(c))).collect();
        let texts = candidates.iter().cloned().collect();
        AnswerVocab { candidates, end, max_findings: 8, reasons: Vec::new(), texts }
    }

    /// The same vocabulary, plus the tokens a reason may use (`tokens[i]` is token `i`'s text): for
    /// grammars with `allow_reason`.
    pub fn with_reasons(mut self, tokens: impl IntoIterator<Item = (u32, String)>) -> Self {
        let end = self.end;
        let reasons = tokens
            .into_iter()
            // Control tokens (`<|im_start|>`, `<|endoftext|>`) are not text.
            .filter(|(id, t)| *id != end && !t.is_empty() && !t.chars().any(char::is_control))
            .filter(|(_, t)| !(t.starts_with("<|") && t.ends_with("|>")));
        for (id, text) in reasons {
            self.reasons.push(id);
            self.texts.insert(id, text);
        }
        self
    }

    /// Tokens allowed after `so_far` (the end token included when the answer may stop there).
    pub fn allowed(&self, grammar: &AnswerPrefix, so_far: &str) -> Vec<u32> {
        let state = grammar.check(so_far);
        let findings = so_far.matches('\n').count() + 1;
        let line = so_far.rsplit('\n').next().unwrap_or_default();
        if let (true, Some((_, reason))) = (grammar.allow_reason, line.split_once(": ")) {
            // Inside a reason: any text, until the line (a new finding) or the answer ends.
            let mut out: Vec<u32> = if reason.len() < MAX_REASON_BYTES { self.reasons.clone() } else { Vec::new() };
            if state == PrefixState::Complete {
                if findings < self.max_findings {
                    out.extend(self.continuations(grammar, so_far, |t| t.starts_with('\n')));
                }
                out.push(self.end);
            }
            return out;
        }
        let finding_done = state == PrefixState::Complete && so_far != "NONE";
        let mut out: Vec<u32> = if finding_done && findings >= self.max_findings && !grammar.allow_reason {
            Vec::new()
        } else {
            self.continuations(grammar, so_far, |_| true)
        };
        if grammar.allow_reason && finding_done && out.iter().any(|&t| self.text(t).starts_with(':')) {
            // Reasons were asked for: a finding may not end before its reason starts.
            out.retain(|&t| !self.text(t).starts_with('\n'));
            return out;
        }
        if state == PrefixState::Complete {
            out.push(self.end);
        }
        out
    }

    /// The grammar tokens, among those whose text passes `keep`, that keep `so_far` a valid prefix.
    fn continuations(&self, grammar: &AnswerPrefix, so_far: &str, keep: impl Fn(&str) -> bool) -> Vec<u32> {
        let mut buf = String::with_capacity(so_far.len() + 16);
        self.candidates
            .iter()
            .filter(|(_, t)| keep(t))
            .filter(|(_, t)| {
                buf.clear();
                buf.push_str(so_far);
                buf.push_str(t);
                grammar.check(&buf) != PrefixState::Invalid
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Every token id that can ever be allowed (candidates and the end token).
    pub fn token_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self.texts.keys().copied().collect();
        ids.push(self.end);
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub fn text(&self, id: u32) -> &str {
        self.texts.get(&id).map_or("", String::as_str)
    }
}

/// The allowed token with the highest logit, and its probability among the allowed tokens.
pub fn pick(logits: &[f32], allowed: &[u32]) -> (u32, f32) {
    let best = *allowed
        .iter()
        .max_by(|a, b| logits[**a as usize].total_cmp(&logits[**b as usize]))
        .expect("the grammar always allows a token");
    let max = logits[best as usize];
    let total: f32 = allowed.iter().map(|&t| (logits[t as usize] - max).exp()).sum();
    (best, 1.0 / total)
}

/// Whether the finding `so_far` just completed (its last line) names the same CWE and line as an
/// earlier one. Small models loop, and a repeated finding is dropped anyway, so decoding ends there:
/// the same findings in fewer steps. (The base model's usual loop counts lines up, `CWE-117 line 1`,
/// `line 2`, ..., which this does not cut: on 20 test records its findings were the same to 3 in 381.)
pub fn repeats_a_finding(so_far: &str) -> bool {
    fn key(line: &str) -> &str {
        line.split(": ").next().unwrap_or_default()
    }
    let (earlier, last) = so_far.rsplit_once('\n').unwrap_or(("", so_far));
    !earlier.is_empty() && earlier.split('\n').any(|line| key(line) == key(last))
}

/// Whether decoding should stop instead of writing `token`: it would start another finding after
/// one that repeats an earlier finding.
pub fn stops_at_repeat(vocab: &AnswerVocab, token: u32, so_far: &str) -> bool {
    vocab.text(token).starts_with('\n') && repeats_a_finding(so_far)
}

/// Greedy constrained decoding with logits from `next_logits(answer_so_far_tokens)`; returns the
/// answer text. Used with a model (the caller feeds tokens through its KV cache) and in tests.
pub fn decode_greedy(
    vocab: &AnswerVocab,
    grammar: &AnswerPrefix,
    mut next_logits: impl FnMut(&[u32]) -> Vec<f32>,
) -> String {
    let mut tokens = Vec::new();
    let mut text = String::new();
    loop {
        let logits = next_logits(&tokens);
        let allowed = vocab.allowed(grammar, &text);
        let (token, _) = pick(&logits, &allowed);
        if token == vocab.end || stops_at_repeat(vocab, token, &text) {
            return text;
        }
        text.push_str(vocab.text(token));
        tokens.push(token);
    }
}

#[cfg(test)]
mod tests {
    use pycwe_core::prompt::parse_answer;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// A toy vocabulary: every single character, some merged pieces, and junk that must never be picked.
    fn vocab() -> (AnswerVocab, usize) {
        let mut texts: Vec<String> = ALPHABET.chars().map(String::from).collect();
        texts.extend(
            [
                "CWE",
                "CWE-",
                " line",
                " line ",
                "NONE",
                "NO",
                "NE",
                "89",
                "\nCWE-",
                "ine",
                "foo",
                "<|im_end|>",
                "x",
                "CWE-89",
            ]
            .map(String::from),
        );
        let end = texts.iter().position(|t| t == "<|im_end|>").unwrap() as u32;
        let n = texts.len();
        (AnswerVocab::new(texts.into_iter().enumerate().map(|(i, t)| (i as u32, t)), end), n)
    }

    #[test]
    fn random_logits_always_decode_to_a_parseable_answer() {
        let (vocab, n) = vocab();
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        for case in 0..3_000 {
            let lines = rng.random_range(1..40);
            let grammar = AnswerPrefix::new(lines);
            // Sometimes favour the end token, sometimes junk, sometimes nothing in particular.
            let bias: Vec<f32> = (0..n).map(|_| rng.random_range(-3.0..3.0)).collect();
            let answer =
                decode_greedy(&vocab, &grammar, |_| (0..n).map(|i| bias[i] + rng.random_range(-4.0f32..4.0)).collect());
            assert!(parse_answer(&answer, lines).is_ok(), "case {case}: {answer:?} does not parse");
        }
    }

    #[test]
    fn with_reasons_on_every_finding_gets_one_and_every_answer_parses() {
        let (plain, n) = vocab();
        let texts: Vec<(u32, String)> = (0..n as u32).map(|i| (i, plain.text(i).to_string())).collect();
        let mut extra: Vec<(u32, String)> = texts.clone();
        for (i, t) in ["because", " f-string", " in execute", "\t", ": ", "é"].iter().enumerate() {
            extra.push(((n + i) as u32, t.to_string()));
        }
        let vocab = AnswerVocab::new(texts, plain.end).with_reasons(extra);
        let n = n + 6;
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut with_reason = 0;
        for case in 0..2_000 {
            let lines = rng.random_range(1..40);
            let mut grammar = AnswerPrefix::new(lines);
            grammar.allow_reason = true;
            let bias: Vec<f32> = (0..n).map(|_| rng.random_range(-3.0..3.0)).collect();
            let answer =
                decode_greedy(&vocab, &grammar, |_| (0..n).map(|i| bias[i] + rng.random_range(-4.0f32..4.0)).collect());
            let items = parse_answer(&answer, lines).unwrap_or_else(|e| panic!("case {case}: {e}"));
            for item in &items {
                let reason = item.reason.as_ref().unwrap_or_else(|| panic!("case {case}: no reason in {answer:?}"));
                with_reason += 1;
                assert!(!reason.is_empty() && reason.len() < MAX_REASON_BYTES + 16, "case {case}: {reason:?}");
            }
        }
        assert!(with_reason > 100, "reasons were decoded: {with_reason}");
    }

    #[test]
    fn a_repeated_finding_ends_the_answer() {
        assert!(!repeats_a_finding("CWE-117 line 1"));
        assert!(!repeats_a_finding("CWE-117 line 1\nCWE-117 line 2"));
        assert!(repeats_a_finding("CWE-117 line 1\nCWE-89 line 3\nCWE-117 line 1"));
        assert!(repeats_a_finding("CWE-89 line 3: f-string\nCWE-89 line 3: again"), "reasons do not count");
        // A model that writes the same finding forever stops after writing it twice.
        let (vocab, n) = vocab();
        let id = |t: &str| (0..n as u32).find(|&i| vocab.text(i) == t).unwrap();
        let script = [id("CWE-89"), id(" line "), id("1")];
        let newline = id("\nCWE-");
        let answer = decode_greedy(&vocab, &AnswerPrefix::new(5), |so_far| {
            // "CWE-89 line 1", then "\nCWE-" "89" " line " "1" again and again.
            let want = if so_far.len() < 3 {
                script[so_far.len()]
            } else {
                [newline, id("89"), id(" line "), id("1")][(so_far.len() - 3) % 4]
            };
            (0..n as u32).map(|i| if i == want { 10.0 } else { 0.0 }).collect()
        });
        assert_eq!(answer, "CWE-89 line 1\nCWE-89 line 1");
    }

    #[test]
    fn pick_reports_the_probability_among_allowed_tokens() {
        let (token, p) = pick(&[0.0, 2.0, 1.0, 100.0], &[0, 1, 2]);
        assert_eq!(token, 1);
        let expected = 2f32.exp() / (0f32.exp() + 2f32.exp() + 1f32.exp());
        assert!((p - expected).abs() < 1e-6);
    }
}
