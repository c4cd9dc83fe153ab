//! The dataset record: one JSON object per line of a `.jsonl` file.
//!
//! Wire format, version [`RECORD_VERSION`] (the card names the version its files use):
//!
//! ```json
//! {"id": "sqli-0042-v", "code": "import sqlite3\n...", "cwes": ["CWE-89"], "lines": {"CWE-89": [12]},
//!  "explanation": "...", "family": "sqli/sqlite3-fstring/helper", "twin": "sqli-0042-f",
//!  "origin": {"recipe": "sqli", "version": 1, "seed": 1},
//!  "review": {"status": "auto", "checks": ["parses", "..."], "reviewer": null, "verdict": null}}
//! ```
//!
//! Only `code` and `cwes` are required: any labeled set a user has can be read as it is. An empty
//! `cwes` list means the code is labeled safe. Line numbers are 1-based within `code`.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The version of this record format. Bump it when a field changes meaning.
pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// A small Python module: exactly what a user's file would hold.
    pub code: String,
    /// The weaknesses in `code` (`CWE-89` spelling); empty = safe.
    pub cwes: Vec<String>,
    /// Per CWE, the 1-based lines (within `code`) where it happens.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lines: BTreeMap<String, Vec<usize>>,
    /// One sentence: why it is vulnerable, or why this safe code is safe.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub explanation: String,
    /// The recipe variant group (recipe/sink/flow), the unit of the family split.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub family: String,
    /// Id of the vulnerable/safe counterpart, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
}

impl Record {
    pub fn is_vulnerable(&self) -> bool {
        !self.cwes.is_empty()
    }
}

/// Where a generated record came from: enough to regenerate it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub recipe: String,
    pub version: u32,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Passed the automated checks only.
    Auto,
    /// Read and accepted by a person (see `pycwe dataset review`).
    Reviewed,
    /// Not checked at all (e.g. mined real-world negatives).
    Unverified,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub status: ReviewStatus,
    /// Names of the automated checks the record passed.
    #[serde(default)]
    pub checks: Vec<String>,
    #[serde(default)]
    pub reviewer: Option<String>,
    #[serde(default)]
    pub verdict: Option<String>,
}

/// Why a JSONL file could not be read, naming the file and line.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{path}: cannot read the file")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a dataset record")]
    Json {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}:{line}: `{value}` in `cwes` is not a CWE id")]
    BadCwe { path: PathBuf, line: usize, value: String },
}

/// Reads every record of a JSONL file (blank lines are skipped).
pub fn read_jsonl(path: &Path) -> Result<Vec<Record>, RecordError> {
    let io = |source| RecordError::Io { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut records = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).map_err(|source| RecordError::Json {
            path: path.to_path_buf(),
            line: i + 1,
            source,
        })?;
        if let Some(bad) = record.cwes.iter().find(|c| c.parse::<crate::cwe::CweId>().is_err()) {
            return Err(RecordError::BadCwe { path: path.to_path_buf(), line: i + 1, value: bad.clone() });
        }
        records.push(record);
    }
    Ok(records)
}

/// Renders records as JSONL text (one compact object per line).
pub fn to_jsonl(records: &[Record]) -> String {
    let mut out = String::new();
    for record in records {
        out.push_str(&serde_json::to_string(record).expect("records always serialize"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_records_need_only_code_and_cwes() {
        let r: Record = serde_json::from_str(r#"{"code": "x = 1\n", "cwes": []}"#).unwrap();
        assert!(!r.is_vulnerable());
        assert_eq!(to_jsonl(&[r]), "{\"code\":\"x = 1\\n\",\"cwes\":[]}\n");
    }

    #[test]
    fn full_records_round_trip() {
        let line = r#"{"id":"a","code":"import os\n","cwes":["CWE-78"],"lines":{"CWE-78":[1]},"explanation":"e","family":"f","twin":"b","origin":{"recipe":"r","version":1,"seed":7},"review":{"status":"auto","checks":["parses"],"reviewer":null,"verdict":null}}"#;
        let r: Record = serde_json::from_str(line).unwrap();
        assert_eq!(to_jsonl(std::slice::from_ref(&r)).trim_end(), line);
    }

    #[test]
    fn bad_lines_are_named() {
        let dir = std::env::temp_dir().join(format!("pycwe-record-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.jsonl");
        std::fs::write(&path, "{\"code\": \"\", \"cwes\": []}\n\n{oops\n").unwrap();
        let err = read_jsonl(&path).unwrap_err();
        assert!(err.to_string().ends_with("bad.jsonl:3: not a dataset record"), "{err}");
        std::fs::write(&path, "{\"code\": \"\", \"cwes\": [\"SQLi\"]}\n").unwrap();
        assert!(matches!(read_jsonl(&path), Err(RecordError::BadCwe { line: 1, .. })));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
