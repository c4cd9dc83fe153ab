//! The shortcut audit: a multinomial naive Bayes over identifier and punctuation tokens, trained on
//! the family split's train and scored on its test. If such a bag of tokens separates vulnerable
//! from safe code, the data has shortcuts a model will learn instead of the weakness; the card
//! requires its binary F1 to stay at or below [`MAX_SHORTCUT_F1`].

use std::collections::HashMap;

use super::similarity::tokens;

pub const MAX_SHORTCUT_F1: f64 = 0.90;

/// A two-class multinomial naive Bayes with add-one smoothing.
#[derive(Debug, Default)]
pub struct NaiveBayes {
    counts: [HashMap<String, f64>; 2],
    totals: [f64; 2],
    docs: [f64; 2],
    vocab: usize,
}

impl NaiveBayes {
    /// Trains on `(code, is_vulnerable)` examples.
    pub fn train<'a>(examples: impl IntoIterator<Item = (&'a str, bool)>) -> Self {
        let mut nb = NaiveBayes::default();
        for (code, label) in examples {
            let class = usize::from(label);
            nb.docs[class] += 1.0;
            for tok in tokens(code) {
                *nb.counts[class].entry(tok.to_string()).or_default() += 1.0;
                nb.totals[class] += 1.0;
            }
        }
        let mut vocab: std::collections::HashSet<&String> = nb.counts[0].keys().collect();
        vocab.extend(nb.counts[1].keys());
        nb.vocab = vocab.len();
        nb
    }

    /// Log-odds of "vulnerable" for `code` (> 0 predicts vulnerable).
    pub fn log_odds(&self, code: &str) -> f64 {
        let docs = self.docs[0] + self.docs[1];
        let mut score = [0.0f64; 2];
        for (class, s) in score.iter_mut().enumerate() {
            *s = ((self.docs[class] + 1.0) / (docs + 2.0)).ln();
            let denom = self.totals[class] + self.vocab as f64 + 1.0;
            for tok in tokens(code) {
                let c = self.counts[class].get(tok).copied().unwrap_or(0.0);
                *s += ((c + 1.0) / denom).ln();
            }
        }
        score[1] - score[0]
    }
}

/// Binary F1 (vulnerable = positive) of predictions against labels.
pub fn binary_f1(pairs: impl IntoIterator<Item = (bool, bool)>) -> f64 {
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for (predicted, actual) in pairs {
        match (predicted, actual) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
            (false, false) => {}
        }
    }
    if tp == 0.0 { 0.0 } else { 2.0 * tp / (2.0 * tp + fp + fn_) }
}

/// Trains on `train`, scores on `test`; returns the binary F1.
pub fn shortcut_f1(train: &[(&str, bool)], test: &[(&str, bool)]) -> f64 {
    let nb = NaiveBayes::train(train.iter().copied());
    binary_f1(test.iter().map(|&(code, label)| (nb.log_odds(code) > 0.0, label)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_matches_hand_counts() {
        // tp=2, fp=1, fn=1 -> 4 / 6
        let f1 = binary_f1([(true, true), (true, true), (true, false), (false, true), (false, false)]);
        assert!((f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(binary_f1([(false, true)]), 0.0);
    }

    #[test]
    fn a_token_shortcut_is_caught() {
        let train = [("eval ( x )", true), ("eval ( y )", true), ("int ( x )", false), ("int ( y )", false)];
        let test = [("eval ( z )", true), ("int ( z )", false)];
        assert_eq!(shortcut_f1(&train, &test), 1.0);
    }
}
