//! Shared by the front-end integration tests: a readable rendering of a chunked file and the
//! invariants every chunking must satisfy, whatever the input.

#![allow(dead_code)]

use std::fmt::Write;

use pycwe_core::python::{ChunkedFile, Unit, windows};
use pycwe_core::source::SourceFile;

/// One line per unit (kind, name, 1-based segments, def line) plus its context, then syntax warnings.
pub fn render(source: &SourceFile, chunked: &ChunkedFile) -> String {
    let mut out = String::new();
    for unit in &chunked.units {
        let segments: Vec<String> =
            unit.segments.iter().map(|s| format!("{}-{}", s.first_line + 1, s.last_line + 1)).collect();
        let def = unit.def_line.map(|l| format!(" def@{}", l + 1)).unwrap_or_default();
        writeln!(out, "{:<8} {:<24} lines {}{def}", unit.kind.as_str(), unit.name, segments.join(",")).unwrap();
        for header in &unit.context.class_headers {
            writeln!(out, "           in: {header}").unwrap();
        }
        for import in &unit.context.imports {
            writeln!(out, "           uses: {import}").unwrap();
        }
    }
    for issue in &chunked.syntax_issues {
        let (line, col) = source.lines().line_col(issue.span.start);
        writeln!(out, "syntax {:?} at {line}:{col} expected={:?}", issue.kind, issue.expected).unwrap();
    }
    out
}

/// Panics with a message if the chunking breaks an invariant.
pub fn check_invariants(source: &SourceFile, chunked: &ChunkedFile) {
    let text_len = source.text().len();
    let line_count = source.lines().line_count();
    let mut seen_lines = vec![false; line_count];
    for unit in &chunked.units {
        assert!(!unit.segments.is_empty(), "unit {} has no segments", unit.name);
        for pair in unit.segments.windows(2) {
            assert!(pair[0].last_line < pair[1].first_line, "segments of {} out of order", unit.name);
        }
        for segment in &unit.segments {
            assert!(segment.span.start <= segment.span.end && segment.span.end <= text_len, "span outside file");
            assert!(segment.last_line < line_count, "line outside file");
            assert!(source.text().is_char_boundary(segment.span.start));
            assert!(source.text().is_char_boundary(segment.span.end));
            for (line, seen) in seen_lines.iter_mut().enumerate().take(segment.last_line + 1).skip(segment.first_line) {
                assert!(!*seen, "line {} is in two units", line + 1);
                *seen = true;
            }
        }
        if let Some(def_line) = unit.def_line {
            assert!(def_line < line_count);
        }
        check_windows(source, unit);
    }
    for window in chunked.units.windows(2) {
        assert!(window[0].first_line() <= window[1].first_line(), "units not in line order");
    }
}

fn check_windows(source: &SourceFile, unit: &Unit) {
    let words = |s: &str| s.split_whitespace().count();
    let ws = windows(unit, source, 40, &words, 3);
    assert_eq!(ws.first().map(|w| w.lines.start), Some(0));
    assert_eq!(ws.last().map(|w| w.lines.end), Some(unit.line_count()));
    for pair in ws.windows(2) {
        assert!(pair[0].lines.start < pair[1].lines.start, "windows must advance");
        assert!(pair[1].lines.start <= pair[0].lines.end, "windows must leave no gap");
    }
}

/// Parses each `(name, code)` with CPython's own parser (`python3`, required: it is the reference)
/// and returns the first failures, one per line; empty when every module parses.
pub fn cpython_rejects(codes: &[(String, &str)]) -> String {
    use std::io::Write;
    let script = "import ast, json, sys\nbad = []\nfor name, code in json.load(sys.stdin):\n    try:\n        ast.parse(code)\n    except SyntaxError as e:\n        bad.append(f'{name}: {e}')\nprint('\\n'.join(sorted(set(bad))[:40]))\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is required: CPython's parser is the reference");
    child.stdin.take().unwrap().write_all(serde_json::to_string(codes).unwrap().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python3 failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
