//! Automated review of generated pairs. Every check has a name; a record lists the checks it passed
//! in `review.checks`, and a pair that fails any check is left out of the dataset (the card counts it).

use super::generate::{Pair, Rendered};
use super::leak::find_label_leaks;
use crate::python::{ChunkOptions, chunk};
use crate::source::SourceFile;

/// The checks, in the order they run.
pub const CHECKS: &[&str] = &["parses", "label-lines", "twin-local-diff", "no-label-words"];

/// How far (in lines) from the marked lines the twins may differ: a fix body plus a guard.
const FIX_REACH: usize = 8;

/// Why a pair failed review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub check: &'static str,
    pub detail: String,
}

/// Runs every check on a pair; `Ok` holds the names of the checks passed (all of them).
pub fn review_pair(pair: &Pair) -> Result<Vec<&'static str>, Rejection> {
    let reject = |check, detail: String| Err(Rejection { check, detail });
    for (side, r) in [("vulnerable", &pair.vulnerable), ("fixed", &pair.fixed)] {
        let source = SourceFile::from_string("example.py", r.code.clone());
        match chunk(&source, &ChunkOptions::default()) {
            Ok(c) if c.syntax_issue_count == 0 && !c.units.is_empty() => {}
            Ok(c) => return reject("parses", format!("{side}: {} syntax errors", c.syntax_issue_count)),
            Err(e) => return reject("parses", format!("{side}: {e}")),
        }
    }
    if let Err(detail) = label_lines_hold_code(&pair.vulnerable) {
        return reject("label-lines", detail);
    }
    if let Err(detail) = twins_differ_only_around_fix(&pair.vulnerable, &pair.fixed) {
        return reject("twin-local-diff", detail);
    }
    for (side, r) in [("vulnerable", &pair.vulnerable), ("fixed", &pair.fixed)] {
        if let Some(leak) = find_label_leaks(&r.code).first() {
            return reject("no-label-words", format!("{side}:{}: `{}` says `{}`", leak.line, leak.token, leak.word));
        }
    }
    Ok(CHECKS.to_vec())
}

fn label_lines_hold_code(r: &Rendered) -> Result<(), String> {
    if r.marked.is_empty() {
        return Err("no labeled line".into());
    }
    let lines: Vec<&str> = r.code.lines().collect();
    for &line in &r.marked {
        let text = lines.get(line - 1).ok_or_else(|| format!("line {line} is past the end"))?.trim();
        if text.is_empty() || text.starts_with('#') {
            return Err(format!("line {line} holds no code"));
        }
    }
    Ok(())
}

fn is_import(line: &str) -> bool {
    line.starts_with("import ") || line.starts_with("from ")
}

/// Outside the import block, the twins' differing lines must lie within reach of the marked lines.
fn twins_differ_only_around_fix(vulnerable: &Rendered, fixed: &Rendered) -> Result<(), String> {
    if vulnerable.code == fixed.code {
        return Err("the twins are identical".into());
    }
    // Imports may change with a fix (and with them isort's blank line between groups): compare the
    // rest, ignoring blank lines.
    let strip = |r: &Rendered| -> Vec<(usize, String)> {
        r.code
            .lines()
            .enumerate()
            .filter(|(_, l)| !is_import(l) && !l.trim().is_empty())
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect()
    };
    let (v, f) = (strip(vulnerable), strip(fixed));
    let prefix = v.iter().zip(&f).take_while(|(a, b)| a.1 == b.1).count();
    let suffix =
        v.iter().rev().zip(f.iter().rev()).take_while(|(a, b)| a.1 == b.1).count().min(v.len().min(f.len()) - prefix);
    let check = |side: &[(usize, String)], marked: &[usize], name: &str| -> Result<(), String> {
        let changed = &side[prefix..side.len() - suffix];
        let (Some(lo), Some(hi)) = (marked.iter().min(), marked.iter().max()) else {
            return Err(format!("{name}: no marked line"));
        };
        for (line, _) in changed {
            if *line + FIX_REACH < *lo || *line > hi + FIX_REACH {
                return Err(format!("{name}: line {line} changed, far from the fix at {lo}-{hi}"));
            }
        }
        Ok(())
    };
    check(&v, &vulnerable.marked, "vulnerable")?;
    check(&f, &fixed.marked, "fixed")
}
