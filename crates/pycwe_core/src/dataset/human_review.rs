//! Review by reading: a file-based log of a person's verdicts, keyed by the example's content hash
//! so it survives rebuilds. `pycwe dataset review` samples records and writes entries to fill in;
//! `pycwe dataset build` applies filled entries (accepted records become `reviewed`, rejected ones
//! are dropped with their twin) and the card counts them.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::record::Record;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accept,
    Reject,
}

/// One line of `review.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEntry {
    /// SHA-256 of the record's `code` (hex).
    pub hash: String,
    /// The record's id when the entry was written (for people; matching uses `hash`).
    pub id: String,
    pub reviewer: Option<String>,
    /// `null` until someone fills it in.
    pub verdict: Option<Verdict>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewLogError {
    #[error("{path}: cannot read the review log")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a review entry")]
    Json {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
}

pub fn code_hash(code: &str) -> String {
    let digest = Sha256::digest(code.as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Reads a review log; a missing file is an empty log.
pub fn read_log(path: &Path) -> Result<Vec<ReviewEntry>, ReviewLogError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(ReviewLogError::Io { path: path.to_path_buf(), source }),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| ReviewLogError::Json {
                path: path.to_path_buf(),
                line: i + 1,
                source,
            })
        })
        .collect()
}

pub fn log_to_jsonl(entries: &[ReviewEntry]) -> String {
    entries.iter().map(|e| serde_json::to_string(e).expect("entries serialize") + "\n").collect()
}

/// Adds an empty entry for each sampled record not already in the log (filled entries are kept).
pub fn extend_log(log: &mut Vec<ReviewEntry>, sampled: &[&Record], reviewer: Option<&str>) {
    for record in sampled {
        let hash = code_hash(&record.code);
        if log.iter().all(|e| e.hash != hash) {
            log.push(ReviewEntry {
                hash,
                id: record.id.clone(),
                reviewer: reviewer.map(String::from),
                verdict: None,
                comment: String::new(),
            });
        }
    }
}

/// A record shown for reading: header, label, explanation, then the code with line numbers.
pub fn render_for_review(record: &Record) -> String {
    let mut s = String::new();
    let label = if record.cwes.is_empty() { "SAFE".to_string() } else { record.cwes.join(", ") };
    let _ = writeln!(s, "=== {}  [{label}]  family {}", record.id, record.family);
    for (cwe, lines) in &record.lines {
        let _ = writeln!(s, "    {cwe} at line(s) {lines:?}");
    }
    let _ = writeln!(s, "    why: {}", record.explanation);
    let _ = writeln!(s, "    hash: {}", code_hash(&record.code));
    let labeled: Vec<usize> = record.lines.values().flatten().copied().collect();
    for (i, line) in record.code.lines().enumerate() {
        let mark = if labeled.contains(&(i + 1)) { ">" } else { " " };
        let _ = writeln!(s, "{mark}{:>4} | {line}", i + 1);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(code_hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn extending_keeps_filled_entries() {
        let record: Record = serde_json::from_str(r#"{"id":"a","code":"x = 1\n","cwes":[]}"#).unwrap();
        let mut log = vec![ReviewEntry {
            hash: code_hash("x = 1\n"),
            id: "a".into(),
            reviewer: Some("me".into()),
            verdict: Some(Verdict::Accept),
            comment: String::new(),
        }];
        extend_log(&mut log, &[&record], Some("you"));
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].verdict, Some(Verdict::Accept));
    }
}
