//! Near-duplicate measurement: Jaccard similarity of token 5-gram sets. The card reports it between
//! test and train, and the real-code set is checked against the generated data with it.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde::Serialize;

/// Tokens: identifiers/numbers, and single punctuation characters (whitespace dropped).
pub fn tokens(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80) {
                i += 1;
            }
            out.push(&code[start..i]);
        } else {
            out.push(&code[i..i + 1]);
            i += 1;
        }
    }
    out
}

/// Sorted, de-duplicated hashes of the token 5-grams of `code` (a short code's whole token list
/// counts as one gram).
pub fn shingles(code: &str) -> Vec<u64> {
    let toks = tokens(code);
    let hash = |gram: &[&str]| {
        let mut h = DefaultHasher::new();
        gram.hash(&mut h);
        h.finish()
    };
    let mut out: Vec<u64> = if toks.len() < 5 { vec![hash(&toks)] } else { toks.windows(5).map(hash).collect() };
    out.sort_unstable();
    out.dedup();
    out
}

/// Jaccard similarity of two sorted, de-duplicated sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

/// How close the test items come to the training items.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LeakStats {
    pub test_items: usize,
    /// The largest 5-gram Jaccard between any test and any train example.
    pub max_jaccard: f64,
    /// Test items whose nearest training example exceeds `threshold`.
    pub over_threshold: usize,
    pub threshold: f64,
}

/// For each test code, its highest similarity to any train code; summarized.
pub fn leak_stats(train: &[&str], test: &[&str], threshold: f64) -> LeakStats {
    let train: Vec<Vec<u64>> = train.iter().map(|c| shingles(c)).collect();
    let nearest: Vec<f64> = test
        .iter()
        .map(|c| {
            let s = shingles(c);
            train.iter().map(|t| jaccard(&s, t)).fold(0.0, f64::max)
        })
        .collect();
    LeakStats {
        test_items: test.len(),
        max_jaccard: nearest.iter().copied().fold(0.0, f64::max),
        over_threshold: nearest.iter().filter(|&&j| j > threshold).count(),
        threshold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_code_is_one_and_disjoint_code_is_zero() {
        let a = shingles("def f(x):\n    return x + 1\n");
        assert_eq!(jaccard(&a, &a), 1.0);
        let b = shingles("class Z: pass\nimport os\nprint(os.getcwd())\n");
        assert_eq!(jaccard(&a, &b), 0.0);
        assert_eq!(tokens("a_b(1)+c"), ["a_b", "(", "1", ")", "+", "c"]);
    }

    #[test]
    fn whitespace_does_not_matter_but_renaming_does() {
        let a = shingles("def f(x):\n    return x + 1\n");
        let b = shingles("def f( x ):\n\treturn x+1");
        assert_eq!(jaccard(&a, &b), 1.0);
        let c = shingles("def g(y):\n    return y + 1\n");
        assert!(jaccard(&a, &c) < 0.5);
    }

    #[test]
    fn leak_stats_count_items_over_the_threshold() {
        let train = ["def f(x):\n    return x + 1\n"];
        let test = ["def f(x):\n    return x + 1\n", "import os\nos.getcwd()\n"];
        let stats = leak_stats(&train, &test, 0.8);
        assert_eq!((stats.over_threshold, stats.max_jaccard), (1, 1.0));
    }
}
