//! Findings as the user reads them: text (`path:line:col: CWE-89 [0.97] message` and a code frame),
//! JSON (a versioned schema, below), GitHub workflow annotations, or SARIF (`sarif.rs`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use pycwe_core::cwe::{CweId, lookup};
use serde::Serialize;

/// Version of the JSON output: bump when a field changes meaning.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// One finding as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanFinding {
    /// Path as given on the command line joined with the file's place under it (forward slashes).
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// 1-based column of the line's first non-blank character.
    pub column: usize,
    pub cwe: CweId,
    /// The catalog's short name (`SQL injection`).
    pub name: String,
    pub message: String,
    pub confidence: f32,
    /// The unit (function, class or `<module>`) it was found in.
    pub unit: String,
    /// The line's text.
    pub snippet: String,
    /// Stable identity across moved lines (baselines, SARIF `partialFingerprints`).
    pub fingerprint: String,
}

/// A file that could not be scanned, or a warning about one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Summary {
    pub files: usize,
    pub lines: usize,
    pub units: usize,
    pub units_judged: usize,
    pub cache_hits: usize,
    pub prefiltered_out: usize,
    pub suppressed: usize,
    pub baselined: usize,
    pub findings: usize,
    pub seconds: f64,
}

/// The JSON output.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub tool: ToolInfo,
    pub findings: &'a [ScanFinding],
    pub errors: &'a [Problem],
    pub warnings: &'a [Problem],
    pub summary: &'a Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// Model, adapter hash and prompt version that judged the code.
    pub detector: String,
}

pub fn message_for(cwe: CweId) -> (String, String) {
    match lookup(cwe) {
        Ok(e) => (e.short_name.to_string(), format!("{}: {}", e.short_name, first_sentence(e.summary))),
        Err(_) => (cwe.to_string(), cwe.to_string()),
    }
}

fn first_sentence(s: &str) -> &str {
    match s.find(". ") {
        Some(i) => &s[..=i],
        None => s,
    }
}

/// Text for a terminal or a log: each finding with a code frame, then the summary line.
pub fn text(findings: &[ScanFinding], summary: &Summary) -> String {
    let mut s = String::new();
    for f in findings {
        let _ = writeln!(s, "{}:{}:{}: {} [{:.2}] {}", f.path, f.line, f.column, f.cwe, f.confidence, f.message);
        let _ = writeln!(s, "   |\n{:>3}| {}\n   |", f.line, f.snippet.trim_end());
    }
    s.push_str(&summary_line(findings, summary));
    s
}

/// `Found N findings in M files (...)`: the last line of a text report, and on stderr for the others.
pub fn summary_line(findings: &[ScanFinding], summary: &Summary) -> String {
    let mut s = String::new();
    let mut by_cwe: BTreeMap<CweId, usize> = BTreeMap::new();
    for f in findings {
        *by_cwe.entry(f.cwe).or_default() += 1;
    }
    let counts: Vec<String> = by_cwe.iter().map(|(c, n)| format!("{c} x{n}")).collect();
    let _ = writeln!(
        s,
        "Found {} finding{} in {} file{} ({} units, {} judged, {} from cache){}{}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        summary.files,
        if summary.files == 1 { "" } else { "s" },
        summary.units,
        summary.units_judged,
        summary.cache_hits,
        if counts.is_empty() { String::new() } else { format!(": {}", counts.join(", ")) },
        if summary.baselined > 0 { format!("; {} hidden by the baseline", summary.baselined) } else { String::new() },
    );
    s
}

/// GitHub Actions workflow commands: one annotation per finding.
pub fn github(findings: &[ScanFinding]) -> String {
    let escape = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    findings
        .iter()
        .map(|f| {
            format!(
                "::error title={},file={},line={},col={}::{} [{:.2}] {}\n",
                prop(&format!("pycwe {}", f.cwe)),
                prop(&f.path),
                f.line,
                f.column,
                f.cwe,
                f.confidence,
                escape(&f.message)
            )
        })
        .collect()
}
