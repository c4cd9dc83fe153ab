//! Baselines: adopt pycwe on an old codebase and see only new findings. A finding's fingerprint
//! hashes its CWE, its unit's name and text, and its line's text, never line numbers, so it survives
//! code moving around; the baseline counts fingerprints, so one old finding never hides two new
//! identical ones.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::report::ScanFinding;

/// A unit's identity for fingerprints: its name and its text with whitespace runs collapsed (so
/// re-indenting or re-wrapping keeps it). The file cache stores this digest, never the text.
pub fn unit_digest(unit_name: &str, unit_text: &str) -> String {
    let mut h = Sha256::new();
    let normalized: String = unit_text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [unit_name, &normalized] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    pycwe_model::registry::hex(&h.finalize())
}

/// A finding's stable identity (also SARIF's `partialFingerprints`).
pub fn fingerprint(path: &str, cwe: &str, unit_digest: &str, line_text: &str) -> String {
    let mut h = Sha256::new();
    for part in [path, cwe, unit_digest, line_text.trim()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    pycwe_model::registry::hex(&h.finalize())[..32].to_string()
}

/// Version 3: the path hashed is the file's from the project root, read through symbolic links, so
/// a baseline matches from any folder (version 2 hashed the name as typed from the current
/// directory). Version 2: fingerprints hash the unit through [`unit_digest`] (version 1 hashed its
/// text directly).
pub const BASELINE_VERSION: u32 = 3;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    /// Fingerprint -> how many findings had it.
    pub fingerprints: BTreeMap<String, usize>,
}

impl Baseline {
    pub fn from_findings(findings: &[ScanFinding]) -> Self {
        let mut fingerprints = BTreeMap::new();
        for f in findings {
            *fingerprints.entry(f.fingerprint.clone()).or_insert(0) += 1;
        }
        Baseline { version: BASELINE_VERSION, fingerprints }
    }

    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read the baseline", path.display()))?;
        let baseline: Baseline =
            serde_json::from_str(&text).with_context(|| format!("{}: not a pycwe baseline", path.display()))?;
        anyhow::ensure!(
            baseline.version == BASELINE_VERSION,
            "{}: a version {} baseline; this pycwe reads version {BASELINE_VERSION}: write it again with --write-baseline",
            path.display(),
            baseline.version
        );
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        pycwe_core::atomic::write_atomic(path, &bytes).with_context(|| format!("{}: cannot write", path.display()))
    }

    /// Drops findings the baseline already knows (each baseline entry absorbs at most its count).
    pub fn filter(&self, findings: Vec<ScanFinding>) -> (Vec<ScanFinding>, usize) {
        let mut left = self.fingerprints.clone();
        let mut hidden = 0;
        let kept = findings
            .into_iter()
            .filter(|f| match left.get_mut(&f.fingerprint) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    hidden += 1;
                    false
                }
                _ => true,
            })
            .collect();
        (kept, hidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pycwe_core::cwe::CweId;

    fn finding(line: usize, print: &str) -> ScanFinding {
        ScanFinding {
            path: "a.py".into(),
            line,
            column: 5,
            cwe: CweId(78),
            name: "OS command injection".into(),
            message: String::new(),
            confidence: 0.9,
            unit: "run".into(),
            snippet: "os.system(cmd)".into(),
            fingerprint: print.into(),
        }
    }

    #[test]
    fn one_known_finding_never_hides_two_new_identical_ones() {
        let baseline = Baseline::from_findings(&[finding(5, "x")]);
        let (kept, hidden) = baseline.filter(vec![finding(5, "x"), finding(9, "x"), finding(7, "y")]);
        assert_eq!(hidden, 1);
        assert_eq!(kept.iter().map(|f| f.line).collect::<Vec<_>>(), vec![9, 7]);
    }

    #[test]
    fn fingerprints_ignore_whitespace_and_line_numbers_but_not_the_unit_or_cwe() {
        let unit = unit_digest("run", "def run(cmd):\n    os.system(cmd)\n");
        let reindented = unit_digest("run", "def run(cmd):\n        os.system(cmd)");
        assert_eq!(unit, reindented);
        let print = fingerprint("a.py", "CWE-78", &unit, "    os.system(cmd)");
        assert_eq!(print, fingerprint("a.py", "CWE-78", &reindented, "os.system(cmd)  "));
        assert_ne!(print, fingerprint("a.py", "CWE-77", &unit, "os.system(cmd)"));
        assert_ne!(
            print,
            fingerprint("a.py", "CWE-78", &unit_digest("go", "def run(cmd): os.system(cmd)"), "os.system(cmd)")
        );
        assert_ne!(print, fingerprint("b.py", "CWE-78", &unit, "os.system(cmd)"));
    }
}
