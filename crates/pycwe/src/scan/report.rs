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
    /// 1-based column (in characters) of the call to one of the CWE's catalog sinks on the line,
    /// else of the line's first non-blank character.
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
    /// Problems that kept a file or folder from being scanned (listed in `errors`).
    pub errors: usize,
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

/// Whether a weakness is reported at error level (SARIF `error`, a GitHub `::error`) rather than as
/// a warning: the catalog's severity is high (7.0 or more, CVSS's "high").
pub fn is_error_level(cwe: CweId) -> bool {
    lookup(cwe).is_ok_and(|e| e.severity >= 7.0)
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

/// Text for a terminal or a log: each finding with a code frame, then the summary line. Styled
/// with ANSI codes like Ruff's output (path bold, CWE red, frame gutter blue); the writer strips
/// them where they do not belong ([`crate::output::write_styled_text`], [`crate::output::plain`]).
pub fn text(findings: &[ScanFinding], summary: &Summary) -> String {
    use anstyle::{AnsiColor, Style};
    let path = Style::new().bold();
    let cwe = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
    let confidence = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
    let gutter = Style::new().bold().fg_color(Some(AnsiColor::Blue.into()));
    let mut s = String::new();
    for f in findings {
        let _ = writeln!(
            s,
            "{path}{}{path:#}:{}:{}: {cwe}{}{cwe:#} {confidence}[{:.2}]{confidence:#} {}",
            f.path, f.line, f.column, f.cwe, f.confidence, f.message
        );
        let _ = writeln!(
            s,
            "{gutter}   |{gutter:#}\n{gutter}{:>3}|{gutter:#} {}\n{gutter}   |{gutter:#}",
            f.line,
            f.snippet.trim_end()
        );
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
        "Found {} finding{} in {} file{} ({} units, {} judged, {} from cache){}{}{}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        summary.files,
        if summary.files == 1 { "" } else { "s" },
        summary.units,
        summary.units_judged,
        summary.cache_hits,
        if counts.is_empty() { String::new() } else { format!(": {}", counts.join(", ")) },
        if summary.baselined > 0 { format!("; {} hidden by the baseline", summary.baselined) } else { String::new() },
        match summary.errors {
            0 => String::new(),
            1 => "; 1 path could not be scanned (see the error)".to_string(),
            n => format!("; {n} paths could not be scanned (see the errors)"),
        },
    );
    s
}

/// GitHub Actions workflow commands: one annotation per finding, at the level SARIF gives it, and
/// one per file that could not be scanned (an error) or was scanned with a warning. `name` turns
/// a finding's path into the one the annotation carries, `problem_name` a problem's.
pub fn github(
    findings: &[ScanFinding],
    warnings: &[Problem],
    errors: &[Problem],
    name: impl Fn(&str) -> String,
    problem_name: impl Fn(&str) -> String,
) -> String {
    let escape = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(
            out,
            "::{} title={},file={},line={},col={}::{} [{:.2}] {}",
            if is_error_level(f.cwe) { "error" } else { "warning" },
            prop(&format!("pycwe {}", f.cwe)),
            prop(&name(&f.path)),
            f.line,
            f.column,
            f.cwe,
            f.confidence,
            escape(&f.message)
        );
    }
    for (level, problems) in [("error", errors), ("warning", warnings)] {
        for p in problems {
            let file =
                if p.path.is_empty() { String::new() } else { format!(",file={}", prop(&problem_name(&p.path))) };
            let _ = writeln!(out, "::{level} title=pycwe{file}::{}", escape(&p.message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_styled_for_a_terminal_and_plain_once_stripped() {
        let finding = ScanFinding {
            path: "app/db.py".into(),
            line: 12,
            column: 5,
            cwe: CweId(89),
            name: "SQL Injection".into(),
            message: "SQL built from input".into(),
            confidence: 0.875,
            unit: "find".into(),
            snippet: "    cur.execute(q)\n".into(),
            fingerprint: "f".into(),
        };
        let summary = Summary { files: 1, units: 3, units_judged: 2, ..Summary::default() };
        let styled = text(&[finding], &summary);
        assert!(styled.contains("\u{1b}["), "ANSI styles for a terminal");
        assert_eq!(
            crate::output::plain(&styled),
            "app/db.py:12:5: CWE-89 [0.88] SQL built from input\n   |\n 12|     cur.execute(q)\n   |\n\
             Found 1 finding in 1 file (3 units, 2 judged, 0 from cache): CWE-89 x1\n"
        );
        let with_errors = Summary { files: 1, errors: 2, ..Summary::default() };
        assert_eq!(
            summary_line(&[], &with_errors),
            "Found 0 findings in 1 file (0 units, 0 judged, 0 from cache); 2 paths could not be scanned (see the errors)\n"
        );
    }
}
