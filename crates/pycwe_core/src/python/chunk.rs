//! The chunker: splits a module into the units a model judges, without overlap.
//!
//! - each function and method is a unit (decorators included; nested defs and lambdas stay inside);
//! - each class is one unit made of its header and class-level statements (its methods are units of
//!   their own, so a class unit may have several segments);
//! - the module-level lines outside any definition form the module unit, split when long.
//!
//! Units are cut along whole lines: every line of the file belongs to at most one unit, which makes
//! "no overlap" true by construction even when error recovery yields odd trees.

use std::collections::HashSet;

use serde::Serialize;

use super::parse::{DefKind, Outline, ParseError, ParseOptions, SyntaxIssue, parse_outline};
use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Function,
    Method,
    Class,
    Module,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Function => "function",
            UnitKind::Method => "method",
            UnitKind::Class => "class",
            UnitKind::Module => "module",
        }
    }
}

/// A run of whole lines of the file (`first..=last`, 0-based) and its bytes, newline included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub span: Span,
    pub first_line: usize,
    pub last_line: usize,
}

impl Segment {
    pub fn line_count(&self) -> usize {
        self.last_line - self.first_line + 1
    }
}

/// What the model sees besides the unit's own lines, so it knows which `execute` or `load` it reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitContext {
    /// Module-level imports that bind a name the unit uses (or `*` imports), one line each.
    pub imports: Vec<String>,
    /// For a method or nested class: the enclosing class headers, outermost first, e.g. `class Repo(Base):`.
    pub class_headers: Vec<String>,
}

/// One unit of a module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub kind: UnitKind,
    /// Qualified name (`Repo.find`); module units are `<module>`.
    pub name: String,
    /// The unit's lines, in order and non-overlapping. Never empty.
    pub segments: Vec<Segment>,
    /// 0-based line of the `def` / `class` keyword (what Python's `ast` calls `lineno`); `None` for modules.
    pub def_line: Option<usize>,
    /// The whole definition (decorators through last line of the body), before methods were carved out.
    pub extent: Option<Span>,
    pub context: UnitContext,
}

impl Unit {
    pub fn first_line(&self) -> usize {
        self.segments[0].first_line
    }

    pub fn last_line(&self) -> usize {
        self.segments[self.segments.len() - 1].last_line
    }

    /// Number of lines the unit's text has.
    pub fn line_count(&self) -> usize {
        self.segments.iter().map(Segment::line_count).sum()
    }

    /// The unit's text: its segments' lines, concatenated.
    pub fn text(&self, source: &SourceFile) -> String {
        self.segments.iter().map(|s| source.slice(s.span)).collect()
    }

    /// The file's 0-based line for the unit's 0-based line `unit_line` (clamped to the last line).
    pub fn file_line(&self, unit_line: usize) -> usize {
        let mut remaining = unit_line;
        for segment in &self.segments {
            if remaining < segment.line_count() {
                return segment.first_line + remaining;
            }
            remaining -= segment.line_count();
        }
        self.last_line()
    }

    /// The file lines of the unit, in order.
    pub fn file_lines(&self) -> impl Iterator<Item = usize> + '_ {
        self.segments.iter().flat_map(|s| s.first_line..=s.last_line)
    }
}

/// Knobs for [`chunk`].
#[derive(Debug, Clone, Copy)]
pub struct ChunkOptions {
    /// Module-level code longer than this many lines is split into several module units.
    pub max_module_lines: usize,
    pub parse: ParseOptions,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions { max_module_lines: 200, parse: ParseOptions::default() }
    }
}

/// A chunked module: its units in line order and the syntax errors met on the way.
#[derive(Debug, Clone, Default)]
pub struct ChunkedFile {
    pub units: Vec<Unit>,
    /// The first few syntax errors (the file is still chunked as far as it parses).
    pub syntax_issues: Vec<SyntaxIssue>,
    pub syntax_issue_count: usize,
}

const MODULE: usize = usize::MAX;

/// Splits `source` into units. Fails only when no tree could be built at all (e.g. a parse timeout).
pub fn chunk(source: &SourceFile, opts: &ChunkOptions) -> Result<ChunkedFile, ParseError> {
    let outline = parse_outline(source.text(), &opts.parse)?;
    let line_count = source.lines().line_count();
    let mut chunked = ChunkedFile {
        units: Vec::new(),
        syntax_issues: outline.syntax_issues.clone(),
        syntax_issue_count: outline.syntax_issue_count,
    };
    if line_count == 0 {
        return Ok(chunked);
    }
    let owner = assign_lines(source, &outline, line_count);
    let runs = owned_runs(source, &owner);

    let mut units = Vec::new();
    for (index, def) in outline.definitions.iter().enumerate() {
        let Some(segments) = runs.get(&index).filter(|s| !s.is_empty()) else {
            continue;
        };
        let kind = match (def.kind, def.parent) {
            (DefKind::Class, _) => UnitKind::Class,
            (DefKind::Function, Some(_)) => UnitKind::Method,
            (DefKind::Function, None) => UnitKind::Function,
        };
        let enclosing = enclosing_classes(&outline, index);
        let name = enclosing
            .iter()
            .map(|&i| outline.definitions[i].name.as_str())
            .chain([def.name.as_str()])
            .collect::<Vec<_>>()
            .join(".");
        let class_headers = enclosing.iter().map(|&i| one_line(source.slice(outline.definitions[i].header))).collect();
        units.push(Unit {
            kind,
            name,
            segments: segments.clone(),
            def_line: Some(source.lines().line_of(def.keyword)),
            extent: Some(def.span),
            context: UnitContext { imports: Vec::new(), class_headers },
        });
    }
    let module_segments = runs.get(&MODULE).map(Vec::as_slice).unwrap_or_default();
    for segments in split_module(module_segments, source, opts.max_module_lines.max(1)) {
        units.push(Unit {
            kind: UnitKind::Module,
            name: "<module>".to_string(),
            segments,
            def_line: None,
            extent: None,
            context: UnitContext::default(),
        });
    }
    for unit in &mut units {
        unit.context.imports = relevant_imports(source, &outline, unit);
    }
    units.sort_by_key(Unit::first_line);
    chunked.units = units;
    Ok(chunked)
}

/// For each line, the index of the definition that owns it (`MODULE` if none). Definitions come in
/// pre-order, so a method overwrites the lines of its class; each is clamped inside its parent.
fn assign_lines(source: &SourceFile, outline: &Outline, line_count: usize) -> Vec<usize> {
    let mut owner = vec![MODULE; line_count];
    let mut ranges: Vec<Option<(usize, usize)>> = Vec::with_capacity(outline.definitions.len());
    for (index, def) in outline.definitions.iter().enumerate() {
        let mut first = source.lines().line_of(def.span.start);
        let mut last = source.lines().line_of(def.span.end.max(def.span.start + 1) - 1);
        if let Some(parent) = def.parent {
            match ranges.get(parent).copied().flatten() {
                Some((p_first, p_last)) => {
                    first = first.max(p_first);
                    last = last.min(p_last);
                }
                None => {
                    ranges.push(None);
                    continue;
                }
            }
        }
        if first > last || first >= line_count {
            ranges.push(None);
            continue;
        }
        let last = last.min(line_count - 1);
        owner[first..=last].fill(index);
        ranges.push(Some((first, last)));
    }
    owner
}

/// Maximal runs of lines with the same owner, with blank lines trimmed from both ends of each run.
fn owned_runs(source: &SourceFile, owner: &[usize]) -> std::collections::HashMap<usize, Vec<Segment>> {
    let lines = source.lines();
    let is_blank = |line: usize| source.slice(lines.line_span(line)).trim().is_empty();
    let mut runs: std::collections::HashMap<usize, Vec<Segment>> = std::collections::HashMap::new();
    let mut start = 0;
    while start < owner.len() {
        let who = owner[start];
        let mut end = start;
        while end + 1 < owner.len() && owner[end + 1] == who {
            end += 1;
        }
        let (mut first, mut last) = (start, end);
        while first <= last && is_blank(first) {
            first += 1;
        }
        while last > first && is_blank(last) {
            last -= 1;
        }
        if first <= last {
            let span = lines.lines_span(first, last);
            runs.entry(who).or_default().push(Segment { span, first_line: first, last_line: last });
        }
        start = end + 1;
    }
    runs
}

/// Groups module segments into units of at most `max_lines` lines, cutting a long segment at line ends.
fn split_module(segments: &[Segment], source: &SourceFile, max_lines: usize) -> Vec<Vec<Segment>> {
    let mut units = Vec::new();
    let mut current: Vec<Segment> = Vec::new();
    let mut current_lines = 0;
    for segment in segments {
        let mut first = segment.first_line;
        while first <= segment.last_line {
            if current_lines == max_lines {
                units.push(std::mem::take(&mut current));
                current_lines = 0;
            }
            let last = segment.last_line.min(first + (max_lines - current_lines) - 1);
            let span = source.lines().lines_span(first, last);
            current.push(Segment { span, first_line: first, last_line: last });
            current_lines += last - first + 1;
            first = last + 1;
        }
    }
    if !current.is_empty() {
        units.push(current);
    }
    units
}

/// Indices of the classes enclosing definition `index`, outermost first.
fn enclosing_classes(outline: &Outline, index: usize) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut parent = outline.definitions[index].parent;
    while let Some(p) = parent {
        chain.push(p);
        parent = outline.definitions[p].parent;
    }
    chain.reverse();
    chain
}

/// The identifier-like words of `text` (names, keywords, words in strings and comments): what
/// "this code mentions the name" means for import relevance.
pub fn identifier_words(text: &str) -> HashSet<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect()
}

/// Module imports outside the unit that bind a name the unit mentions.
fn relevant_imports(source: &SourceFile, outline: &Outline, unit: &Unit) -> Vec<String> {
    if outline.imports.is_empty() {
        return Vec::new();
    }
    let text = unit.text(source);
    let words = identifier_words(&text);
    let inside = |span: Span| unit.segments.iter().any(|s| s.span.start <= span.start && span.end <= s.span.end);
    outline
        .imports
        .iter()
        .filter(|import| !inside(import.span))
        .filter(|import| import.wildcard || import.bound.iter().any(|name| words.contains(name.as_str())))
        .map(|import| one_line(source.slice(import.span)))
        .collect()
}

/// Collapses a possibly multi-line header or import onto one line.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.replace("( ", "(").replace(", )", ")").replace(" )", ")")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(src: &str) -> Vec<Unit> {
        let source = SourceFile::from_string("t.py", src.to_string());
        chunk(&source, &ChunkOptions::default()).unwrap().units
    }

    fn summary(units: &[Unit]) -> Vec<String> {
        units
            .iter()
            .map(|u| {
                let lines: Vec<_> =
                    u.segments.iter().map(|s| format!("{}-{}", s.first_line + 1, s.last_line + 1)).collect();
                format!("{} {} {}", u.kind.as_str(), u.name, lines.join(","))
            })
            .collect()
    }

    #[test]
    fn empty_file_has_no_units() {
        assert!(units("").is_empty());
        assert!(units("\n\n   \n").is_empty());
    }

    #[test]
    fn classes_lose_their_methods_to_method_units() {
        let src =
            "import os\n\nclass A:\n    x = 1\n\n    def m(self):\n        return os.getcwd()\n\n    y = 2\n\nZ = 3\n";
        assert_eq!(summary(&units(src)), ["module <module> 1-1,11-11", "class A 3-4,9-9", "method A.m 6-7"]);
    }

    #[test]
    fn context_has_used_imports_and_class_headers() {
        let src = "import os\nimport sqlite3\nfrom flask import (\n    request,\n)\n\nclass Repo(\n    Base,\n):\n    def find(self):\n        return sqlite3.connect(request.args['db'])\n";
        let u = units(src);
        let method = u.iter().find(|u| u.kind == UnitKind::Method).unwrap();
        assert_eq!(method.context.imports, ["import sqlite3", "from flask import (request)"]);
        assert_eq!(method.context.class_headers, ["class Repo(Base):"]);
        let module = u.iter().find(|u| u.kind == UnitKind::Module).unwrap();
        assert!(module.context.imports.is_empty(), "its own imports are in its text");
    }

    #[test]
    fn long_module_code_is_split() {
        let src: String = (0..450).map(|i| format!("X{i} = {i}\n")).collect();
        let source = SourceFile::from_string("t.py", src);
        let opts = ChunkOptions { max_module_lines: 200, ..ChunkOptions::default() };
        let units = chunk(&source, &opts).unwrap().units;
        let counts: Vec<_> = units.iter().map(Unit::line_count).collect();
        assert_eq!(counts, [200, 200, 50]);
    }

    #[test]
    fn file_line_maps_through_segments() {
        let src = "class A:\n    x = 1\n    def m(self):\n        pass\n    y = 2\n";
        let u = units(src);
        let class = u.iter().find(|u| u.kind == UnitKind::Class).unwrap();
        assert_eq!(class.text(&SourceFile::from_string("t.py", src.into())), "class A:\n    x = 1\n    y = 2\n");
        assert_eq!((class.file_line(0), class.file_line(1), class.file_line(2)), (0, 1, 4));
    }
}
