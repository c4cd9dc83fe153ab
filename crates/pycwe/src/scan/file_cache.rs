//! The per-file cache, beside the per-piece one: a file whose text was scanned before with the same
//! detector, options and pycwe build gets its findings back without being parsed, split into pieces
//! or tokenized, which is what a warm re-scan otherwise spends its time on (Django: ~10 s of
//! front-end work for 880 unchanged files). Entries hold findings and counts, never code: a unit's
//! text enters only as a digest (for baseline fingerprints). Writes are atomic; an unreadable or
//! foreign entry is a miss.

use std::path::{Path, PathBuf};

use pycwe_core::judge::{FileVerdict, JudgeOptions};
use pycwe_core::python::ChunkedFile;
use pycwe_core::source::SourceFile;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped when an entry's meaning changes.
const FORMAT: u32 = 1;

/// What a scan needs from one file once its pieces are judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    pub format: u32,
    pub syntax_issues: usize,
    /// 1-based line of the first syntax issue (0 when there is none).
    pub first_syntax_line: usize,
    pub pieces: usize,
    pub prefiltered_out: usize,
    pub findings: Vec<EntryFinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryFinding {
    /// 1-based file line.
    pub line: usize,
    pub cwe: u32,
    pub confidence: f32,
    pub reason: Option<String>,
    pub unit: String,
    /// 1-based line of the reporting unit's `def` (suppressions there cover the finding).
    pub def_line: usize,
    /// [`super::baseline::unit_digest`] of the reporting piece.
    pub unit_digest: String,
}

/// The 1-based line of a file's first syntax error (0 when it has none).
pub fn first_syntax_line(source: &SourceFile, chunked: &ChunkedFile) -> usize {
    chunked.syntax_issues.first().map_or(0, |issue| source.lines().line_of(issue.span.start) + 1)
}

impl FileEntry {
    /// The entry for a file judged in this scan.
    pub fn from_verdict(source: &SourceFile, chunked: &ChunkedFile, verdict: &FileVerdict) -> Self {
        FileEntry {
            format: FORMAT,
            syntax_issues: chunked.syntax_issue_count,
            first_syntax_line: first_syntax_line(source, chunked),
            pieces: verdict.pieces.len(),
            prefiltered_out: verdict.predictions.iter().filter(|p| p.is_none()).count(),
            findings: verdict
                .findings
                .iter()
                .map(|f| {
                    let piece = &verdict.pieces[f.piece];
                    EntryFinding {
                        line: f.line,
                        cwe: f.cwe.0,
                        confidence: f.confidence,
                        reason: f.reason.clone(),
                        unit: f.unit.clone(),
                        def_line: piece.def_line + 1,
                        unit_digest: super::baseline::unit_digest(&piece.request.name, &piece.request.text),
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug)]
pub struct FileCache {
    dir: PathBuf,
    salt: String,
}

impl FileCache {
    /// `detector_fingerprint` must include the decoding options (threshold, `--explain`).
    pub fn new(root: &Path, detector_fingerprint: &str, opts: &JudgeOptions) -> Self {
        let salt = format!(
            "pycwe {} build {} | {detector_fingerprint} | prefilter {} min-confidence {}",
            env!("CARGO_PKG_VERSION"),
            pycwe_model::registry::executable_identity(),
            opts.prefilter,
            opts.min_confidence
        );
        FileCache { dir: root.join("files-v1"), salt }
    }

    fn path(&self, source: &SourceFile) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        h.update([0]);
        h.update(source.text().as_bytes());
        let key = pycwe_model::registry::hex(&h.finalize());
        self.dir.join(&key[..2]).join(format!("{}.json", &key[2..]))
    }

    pub fn get(&self, source: &SourceFile) -> Option<FileEntry> {
        let bytes = std::fs::read(self.path(source)).ok()?;
        serde_json::from_slice::<FileEntry>(&bytes).ok().filter(|e| e.format == FORMAT)
    }

    /// Stores an entry; false when it could not be written (the scan goes on without it).
    pub fn put(&self, source: &SourceFile, entry: &FileEntry) -> bool {
        let path = self.path(source);
        path.parent().is_some_and(|p| std::fs::create_dir_all(p).is_ok())
            && serde_json::to_vec(entry)
                .ok()
                .is_some_and(|bytes| pycwe_core::atomic::write_atomic(&path, &bytes).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> FileEntry {
        FileEntry {
            format: FORMAT,
            syntax_issues: 1,
            first_syntax_line: 3,
            pieces: 4,
            prefiltered_out: 1,
            findings: vec![EntryFinding {
                line: 5,
                cwe: 89,
                confidence: 0.75,
                reason: None,
                unit: "f".into(),
                def_line: 4,
                unit_digest: "abc".into(),
            }],
        }
    }

    #[test]
    fn an_entry_comes_back_for_the_same_text_and_options_only() {
        let dir = tempfile::tempdir().unwrap();
        let opts = JudgeOptions { prefilter: true, min_confidence: 0.5 };
        let cache = FileCache::new(dir.path(), "det", &opts);
        let source = SourceFile::from_string("a.py", "def f():\n    pass\n".into());
        assert_eq!(cache.get(&source), None);
        assert!(cache.put(&source, &entry()));
        assert_eq!(cache.get(&source), Some(entry()));
        // The path is not part of the key: the same text elsewhere is the same verdict.
        assert_eq!(cache.get(&SourceFile::from_string("b/c.py", "def f():\n    pass\n".into())), Some(entry()));
        assert_eq!(cache.get(&SourceFile::from_string("a.py", "def f():\n    pass  \n".into())), None);
        let other_threshold = FileCache::new(dir.path(), "det", &JudgeOptions { min_confidence: 0.4, ..opts });
        assert_eq!(other_threshold.get(&source), None);
        let other_detector = FileCache::new(dir.path(), "det2", &opts);
        assert_eq!(other_detector.get(&source), None);
    }

    #[test]
    fn a_damaged_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let opts = JudgeOptions { prefilter: false, min_confidence: 0.5 };
        let cache = FileCache::new(dir.path(), "det", &opts);
        let source = SourceFile::from_string("a.py", "x = 1\n".into());
        assert!(cache.put(&source, &entry()));
        std::fs::write(cache.path(&source), b"{\"format\": 1, \"pieces\"").unwrap();
        assert_eq!(cache.get(&source), None);
    }
}
