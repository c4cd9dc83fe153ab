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

/// A finding's stable identity (also SARIF's `partialFingerprints`).
pub fn fingerprint(path: &str, cwe: &str, unit_name: &str, unit_text: &str, line_text: &str) -> String {
    let mut h = Sha256::new();
    let normalized: String = unit_text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [path, cwe, unit_name, &normalized, line_text.trim()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    pycwe_model::registry::hex(&h.finalize())[..32].to_string()
}

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
        Baseline { version: 1, fingerprints }
    }

    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read the baseline", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}: not a pycwe baseline", path.display()))
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
