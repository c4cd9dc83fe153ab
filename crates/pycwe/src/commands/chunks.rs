//! `pycwe chunks FILE...`: the units each file is cut into, for debugging what the model will judge.
//! A file that cannot be read or parsed is reported and the others are still shown (exit 2 at the end).

use std::fmt::Write;
use std::path::Path;

use pycwe_core::python::{ChunkOptions, ChunkedFile, Unit, load_and_chunk, windows};
use pycwe_core::source::{ReadOptions, SourceFile};
use serde::Serialize;

use super::Outcome;
use crate::args::{ChunksArgs, OutputFormat};
use crate::output;

/// JSON for one file: `{"path", "units": [...], "syntax_errors": [...]}`. Lines are 1-based, inclusive.
#[derive(Serialize)]
struct FileView {
    path: String,
    units: Vec<UnitView>,
    syntax_errors: Vec<SyntaxErrorView>,
    /// All syntax errors, including those beyond the listed ones.
    syntax_error_count: usize,
}

#[derive(Serialize)]
struct UnitView {
    kind: &'static str,
    name: String,
    /// First and last line of the unit's own text.
    lines: [usize; 2],
    /// The unit's runs of lines (a class without its methods has several).
    segments: Vec<[usize; 2]>,
    /// Byte ranges of the segments in the file (after a BOM, if any).
    bytes: Vec<[usize; 2]>,
    /// Line of the `def`/`class` keyword (what Python's `ast` calls `lineno`).
    #[serde(skip_serializing_if = "Option::is_none")]
    def_line: Option<usize>,
    /// First and last line of the whole definition, decorators and methods included.
    #[serde(skip_serializing_if = "Option::is_none")]
    extent: Option<[usize; 2]>,
    imports: Vec<String>,
    class_headers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    windows: Option<Vec<[usize; 2]>>,
}

#[derive(Serialize)]
struct SyntaxErrorView {
    line: usize,
    column: usize,
    message: String,
}

pub fn run(args: &ChunksArgs) -> anyhow::Result<Outcome> {
    let read = ReadOptions { max_bytes: args.max_file_size };
    let opts = ChunkOptions::default();
    let mut outcome = Outcome::Clean;
    let mut views = Vec::new();
    for path in &args.files {
        match load_and_chunk(path, &read, &opts) {
            Ok((source, chunked)) => {
                let view = view(path, &source, &chunked, args);
                for e in &view.syntax_errors {
                    output::warn(format!("{}:{}:{}: {} (chunked around it)", view.path, e.line, e.column, e.message));
                }
                if args.output_format == OutputFormat::Text {
                    output::write_text(&render(&view))?;
                }
                views.push(view);
            }
            Err(err) => {
                output::print_error(&anyhow::Error::new(err));
                outcome = Outcome::Error;
            }
        }
    }
    if args.output_format == OutputFormat::Json {
        output::write_json(&views)?;
    }
    Ok(outcome)
}

fn view(path: &Path, source: &SourceFile, chunked: &ChunkedFile, args: &ChunksArgs) -> FileView {
    let lines = source.lines();
    let extent_of =
        |u: &Unit| u.extent.map(|s| [lines.line_of(s.start) + 1, lines.line_of(s.end.max(s.start + 1) - 1) + 1]);
    let words = |s: &str| s.split_whitespace().count();
    let units = chunked
        .units
        .iter()
        .map(|u| UnitView {
            kind: u.kind.as_str(),
            name: u.name.clone(),
            lines: [u.first_line() + 1, u.last_line() + 1],
            segments: u.segments.iter().map(|s| [s.first_line + 1, s.last_line + 1]).collect(),
            bytes: u.segments.iter().map(|s| [s.span.start, s.span.end]).collect(),
            def_line: u.def_line.map(|l| l + 1),
            extent: extent_of(u),
            imports: u.context.imports.clone(),
            class_headers: u.context.class_headers.clone(),
            windows: args.budget.map(|budget| {
                windows(u, source, budget, &words, args.overlap)
                    .iter()
                    .map(|w| [u.file_line(w.lines.start) + 1, u.file_line(w.lines.end - 1) + 1])
                    .collect()
            }),
        })
        .collect();
    let syntax_errors = chunked
        .syntax_issues
        .iter()
        .map(|issue| {
            let (line, column) = lines.line_col(issue.span.start);
            let message = match &issue.expected {
                Some(token) => format!("syntax error: missing `{token}`"),
                None => "syntax error".to_string(),
            };
            SyntaxErrorView { line, column, message }
        })
        .collect();
    FileView { path: path.display().to_string(), units, syntax_errors, syntax_error_count: chunked.syntax_issue_count }
}

fn render(view: &FileView) -> String {
    let mut s = String::new();
    let plural = if view.units.len() == 1 { "" } else { "s" };
    let _ = writeln!(s, "{}: {} unit{plural}", view.path, view.units.len());
    let name_width = view.units.iter().map(|u| u.name.len()).max().unwrap_or(0).min(48);
    for u in &view.units {
        let segments: Vec<String> = u.segments.iter().map(|[a, b]| format!("{a}-{b}")).collect();
        let _ = writeln!(s, "  {:<8}  {:<name_width$}  lines {}", u.kind, u.name, segments.join(","));
        if let Some(windows) = &u.windows
            && windows.len() > 1
        {
            let ws: Vec<String> = windows.iter().map(|[a, b]| format!("{a}-{b}")).collect();
            let _ = writeln!(s, "  {:<8}  {:<name_width$}  windows {}", "", "", ws.join(" "));
        }
    }
    s
}
