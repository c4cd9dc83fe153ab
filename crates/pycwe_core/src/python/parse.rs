//! Parsing Python with tree-sitter (the only file that loads the grammar: [`python_parser`],
//! [`parse_small`]) into an [`Outline`]: the definitions the chunker cuts along, the module's
//! imports, and the syntax errors found.
//!
//! tree-sitter recovers from errors, so broken code still yields an outline as far as it parses.
//! Every walk over a whole file's tree here uses an explicit stack, and [`parse_small`] gives the
//! passes that recurse over a unit's tree (comments, calls, evidence) none nested deeper than
//! [`MAX_SYNTAX_DEPTH`]: hostile nesting cannot overflow a stack.

use std::time::{Duration, Instant};

use tree_sitter::{Node, Parser, Tree};

use crate::source::Span;

/// Why parsing produced no tree at all (a syntax error is not this: it is an [`SyntaxIssue`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("parsing took longer than {0:?} and was stopped")]
    Timeout(Duration),
    #[error("the Python grammar could not be loaded: {0}")]
    Grammar(String),
    #[error("tree-sitter returned no tree")]
    NoTree,
}

/// The deepest unit tree [`parse_small`] hands out, so every recursive pass over one stays far
/// inside a thread's stack (a 40,000-term `"a" + "a" + ...` once overflowed the scan's). CPython's
/// compiler gives up near it on nesting (2,500 such terms compile on CPython 3.11, 3,000 fail;
/// brackets stop at 200); only `and`/`or` chains, which CPython keeps flat, run deeper.
pub const MAX_SYNTAX_DEPTH: usize = 3_000;

/// Whether some node of `tree` lies more than `limit` levels below its root (an iterative walk
/// that stops at the first such node).
fn deeper_than(tree: &Tree, limit: usize) -> bool {
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            if depth > limit {
                return true;
            }
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return false;
            }
            depth -= 1;
        }
    }
}

/// Knobs for [`parse_outline`].
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Parsing is stopped after this long (pathological input); `None` waits forever.
    pub timeout: Option<Duration>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { timeout: Some(Duration::from_secs(10)) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    Function,
    Class,
}

/// A `def` or `class` outside any function body (at module level, in a class body, or in a module-level
/// `if`/`try`/`with`/... block). Definitions nested in a function are part of that function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub kind: DefKind,
    pub name: String,
    /// The whole definition, decorators included.
    pub span: Span,
    /// Where the `def` / `async def` / `class` keyword starts (Python's `ast` reports this line).
    pub keyword: usize,
    /// From the keyword to the header's closing `:`, e.g. `class Repo(Base):`.
    pub header: Span,
    /// Index in [`Outline::definitions`] of the enclosing class, if any.
    pub parent: Option<usize>,
}

/// A module-level import statement and the names it binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub span: Span,
    /// Names the statement binds in the module (`import a.b` binds `a`; `import a as b` binds `b`).
    pub bound: Vec<String>,
    /// `from m import *`: binds names nobody can list.
    pub wildcard: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxIssueKind {
    /// Text the grammar could not place.
    Unexpected,
    /// A token the grammar expected and did not find (e.g. a closing parenthesis).
    Missing,
}

/// One syntax error, located by byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxIssue {
    pub kind: SyntaxIssueKind,
    pub span: Span,
    /// For `Missing`: the token tree-sitter expected, e.g. `)`.
    pub expected: Option<String>,
}

/// What the chunker needs to know about a module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// Definitions in document order (an enclosing class before its methods), except that those
    /// recovered from module-level syntax-error regions come after the rest.
    pub definitions: Vec<Definition>,
    pub imports: Vec<Import>,
    /// The first [`MAX_SYNTAX_ISSUES`] syntax errors, in document order.
    pub syntax_issues: Vec<SyntaxIssue>,
    /// How many syntax errors there are in all (may exceed `syntax_issues.len()`).
    pub syntax_issue_count: usize,
}

/// More syntax errors than this in one file are counted, not listed.
pub const MAX_SYNTAX_ISSUES: usize = 20;

/// Statement kinds whose children may hold module- or class-level definitions and imports.
const CONTAINERS: &[&str] = &[
    "module",
    "block",
    "if_statement",
    "elif_clause",
    "else_clause",
    "try_statement",
    "except_clause",
    "except_group_clause",
    "finally_clause",
    "with_statement",
    "for_statement",
    "while_statement",
    "match_statement",
    "case_clause",
    "ERROR",
];

/// A tree-sitter parser for Python (an error only when the linked grammar's ABI does not match the
/// runtime's: a build fault, reported rather than panicked on).
pub fn python_parser() -> Result<Parser, ParseError> {
    let mut parser = Parser::new();
    parser.set_language(&tree_sitter_python::LANGUAGE.into()).map_err(|e| ParseError::Grammar(e.to_string()))?;
    Ok(parser)
}

/// A unit is at most a window of a function, so its parse takes microseconds; this only bounds
/// hostile input (a single line of thousands of nested brackets is a window of its own).
pub const SMALL_PARSE_BUDGET: Duration = Duration::from_millis(500);

/// The tree of a unit-sized text of scanned code (a unit, a window), or `None` when the grammar is
/// missing, the parse ran past [`SMALL_PARSE_BUDGET`] or the tree is nested deeper than
/// [`MAX_SYNTAX_DEPTH`] (the passes over a unit's tree recurse): callers then read the text
/// conservatively, and the rest of the file is scanned as usual.
pub fn parse_small(text: &str) -> Option<Tree> {
    let mut parser = python_parser().ok()?;
    let opts = ParseOptions { timeout: Some(SMALL_PARSE_BUDGET) };
    parse_with_deadline(&mut parser, text, Instant::now(), &opts)
        .ok()
        .filter(|tree| !deeper_than(tree, MAX_SYNTAX_DEPTH))
}

/// The tree of a whole file's `text` (for passes that need its tokens, such as comments).
pub fn parse_file(text: &str, opts: &ParseOptions) -> Result<Tree, ParseError> {
    parse_with_deadline(&mut python_parser()?, text, Instant::now(), opts)
}

/// Parses `text` and extracts its outline.
pub fn parse_outline(text: &str, opts: &ParseOptions) -> Result<Outline, ParseError> {
    let mut parser = python_parser()?;
    let started = Instant::now();
    let tree = parse_with_deadline(&mut parser, text, started, opts)?;
    let root = tree.root_node();
    let mut outline = Outline::default();
    collect_definitions(root, text, 0, &mut outline);
    if root.has_error() {
        collect_syntax_issues(root, &mut outline);
        recover_after_errors(&mut parser, root, text, started, opts, &mut outline)?;
    }
    Ok(outline)
}

fn parse_with_deadline(
    parser: &mut Parser,
    text: &str,
    started: Instant,
    opts: &ParseOptions,
) -> Result<tree_sitter::Tree, ParseError> {
    let mut timed_out = false;
    let mut progress = |_: &tree_sitter::ParseState| {
        timed_out = opts.timeout.is_some_and(|limit| started.elapsed() > limit);
        timed_out // true cancels the parse
    };
    let bytes = text.as_bytes();
    let tree = parser.parse_with_options(
        &mut |offset, _| &bytes[offset.min(bytes.len())..],
        None,
        Some(tree_sitter::ParseOptions::new().progress_callback(&mut progress)),
    );
    match tree {
        Some(tree) => Ok(tree),
        None if timed_out => Err(ParseError::Timeout(opts.timeout.unwrap_or_default())),
        None => Err(ParseError::NoTree),
    }
}

/// tree-sitter often swallows everything after a syntax error into one ERROR node, hiding later
/// definitions. Each module-level ERROR region is cut at lines that start a new top-level `def`,
/// `class` or decorator (column 0, as Python requires) and each piece is parsed on its own, so one
/// typo does not turn the rest of the file into module-level code.
fn recover_after_errors(
    parser: &mut Parser,
    root: Node,
    text: &str,
    started: Instant,
    opts: &ParseOptions,
    outline: &mut Outline,
) -> Result<(), ParseError> {
    let mut cursor = root.walk();
    let regions: Vec<Span> = root.children(&mut cursor).filter(|n| n.is_error()).map(span).collect();
    for region in regions {
        let mut cuts = vec![region.start];
        cuts.extend(top_level_starts(text, region));
        for (i, &start) in cuts.iter().enumerate() {
            let end = cuts.get(i + 1).copied().unwrap_or(region.end);
            let piece = &text[start..end];
            let tree = parse_with_deadline(parser, piece, started, opts)?;
            collect_definitions(tree.root_node(), piece, start, outline);
        }
    }
    outline.imports.sort_by_key(|i| i.span.start);
    Ok(())
}

/// Offsets inside `region` (after its first line) of lines starting a top-level definition.
fn top_level_starts(text: &str, region: Span) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = region.start;
    for line in text[region.start..region.end].split_inclusive('\n') {
        let is_def = ["def ", "async def ", "class ", "@"].iter().any(|p| line.starts_with(p));
        if is_def && offset > region.start {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

fn span(node: Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

fn shifted(node: Node, base: usize) -> Span {
    Span::new(base + node.start_byte(), base + node.end_byte())
}

fn text_of<'a>(node: Node, text: &'a str) -> &'a str {
    text.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

/// Pre-order walk over containers, class bodies and decorated definitions; never into function bodies.
/// `text` is what was parsed, found at offset `base` of the file.
fn collect_definitions(root: Node, text: &str, base: usize, outline: &mut Outline) {
    // (node, enclosing class index)
    let first_new = outline.definitions.len();
    let mut stack: Vec<(Node, Option<usize>)> = vec![(root, None)];
    let mut cursor = root.walk();
    while let Some((node, parent)) = stack.pop() {
        let kind = node.kind();
        match kind {
            "function_definition" | "class_definition" | "decorated_definition" => {
                let Some(def_node) = definition_node(node) else {
                    continue;
                };
                let index = outline.definitions.len();
                outline.definitions.push(definition(node, def_node, text, base, parent));
                if def_node.kind() == "class_definition"
                    && let Some(body) = def_node.child_by_field_name("body")
                {
                    push_children_reversed(&mut stack, body, Some(index), &mut cursor);
                }
            }
            "import_statement" | "import_from_statement" | "future_import_statement" if parent.is_none() => {
                outline.imports.push(import(node, text, base));
            }
            // Module-level error regions are re-parsed piecewise by `recover_after_errors`.
            "ERROR" if node.parent().is_some_and(|p| p.id() == root.id()) => {}
            _ if CONTAINERS.contains(&kind) => push_children_reversed(&mut stack, node, parent, &mut cursor),
            _ => {}
        }
    }
    debug_assert!(outline.definitions[first_new..].iter().all(|d| d.parent.is_none_or(|p| p >= first_new)));
}

fn push_children_reversed<'t>(
    stack: &mut Vec<(Node<'t>, Option<usize>)>,
    node: Node<'t>,
    parent: Option<usize>,
    cursor: &mut tree_sitter::TreeCursor<'t>,
) {
    let first = stack.len();
    stack.extend(node.named_children(cursor).map(|child| (child, parent)));
    stack[first..].reverse();
}

/// The `function_definition` / `class_definition` itself (unwrapping decorators).
fn definition_node(node: Node) -> Option<Node> {
    match node.kind() {
        "decorated_definition" => node
            .child_by_field_name("definition")
            .filter(|d| matches!(d.kind(), "function_definition" | "class_definition")),
        _ => Some(node),
    }
}

fn definition(outer: Node, def_node: Node, text: &str, base: usize, parent: Option<usize>) -> Definition {
    let kind = if def_node.kind() == "class_definition" { DefKind::Class } else { DefKind::Function };
    let name = def_node
        .child_by_field_name("name")
        .map(|n| text_of(n, text).to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "<unnamed>".to_string());
    let mut cursor = def_node.walk();
    let colon_end = def_node
        .children(&mut cursor)
        .find(|c| c.kind() == ":")
        .map(|c| c.end_byte())
        .or_else(|| def_node.child_by_field_name("body").map(|b| b.start_byte()))
        .unwrap_or(def_node.end_byte());
    let end = last_code_end(def_node);
    Definition {
        kind,
        name,
        span: Span::new(base + outer.start_byte(), base + end),
        keyword: base + def_node.start_byte(),
        header: Span::new(base + def_node.start_byte(), base + colon_end.max(def_node.start_byte())),
        parent,
    }
}

/// End of the last token of `node` that is not a comment: a definition ends with its last
/// statement, as in Python's `ast` (comments after it belong to whatever follows).
fn last_code_end(node: Node) -> usize {
    let mut current = node;
    loop {
        let count = current.child_count();
        let last = (0..count)
            .rev()
            .filter_map(|i| current.child(i))
            .find(|c| c.kind() != "comment" && c.end_byte() > c.start_byte());
        match last {
            Some(child) => current = child,
            None => return current.end_byte(),
        }
    }
}

fn import(node: Node, text: &str, base: usize) -> Import {
    let mut bound = Vec::new();
    let mut wildcard = false;
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "wildcard_import" => wildcard = true,
            "aliased_import" => {
                if let Some(alias) = child.child_by_field_name("alias") {
                    bound.push(text_of(alias, text).to_string());
                }
            }
            "dotted_name" if node.child_by_field_name("module_name") != Some(child) => {
                let dotted = text_of(child, text);
                // `import a.b.c` binds `a`; `from m import c` binds `c` (a one-part dotted name).
                let bound_name = if node.kind() == "import_statement" {
                    dotted.split('.').next()
                } else {
                    dotted.rsplit('.').next()
                };
                bound.extend(bound_name.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
            }
            _ => {}
        }
    }
    Import { span: shifted(node, base), bound, wildcard }
}

/// Finds ERROR and MISSING nodes, descending only into subtrees that contain errors.
fn collect_syntax_issues(root: Node, outline: &mut Outline) {
    let mut stack = vec![root];
    let mut cursor = root.walk();
    let mut found = Vec::new();
    while let Some(node) = stack.pop() {
        if node.is_error() {
            found.push(SyntaxIssue { kind: SyntaxIssueKind::Unexpected, span: span(node), expected: None });
            continue; // one report per error region
        }
        if node.is_missing() {
            let expected = Some(node.kind().to_string());
            found.push(SyntaxIssue { kind: SyntaxIssueKind::Missing, span: span(node), expected });
            continue;
        }
        if node.has_error() {
            let first = stack.len();
            stack.extend(node.children(&mut cursor));
            stack[first..].reverse();
        }
    }
    outline.syntax_issue_count = found.len();
    found.truncate(MAX_SYNTAX_ISSUES);
    outline.syntax_issues = found;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(src: &str) -> Outline {
        parse_outline(src, &ParseOptions::default()).unwrap()
    }

    #[test]
    fn finds_functions_classes_methods_and_decorators() {
        let src = "import os\n\n@app.route('/')\nasync def index():\n    def inner():\n        pass\n\nclass A(B):\n    x = 1\n    def m(self):\n        pass\n";
        let o = outline(src);
        let names: Vec<_> = o.definitions.iter().map(|d| (d.name.as_str(), d.kind, d.parent)).collect();
        assert_eq!(
            names,
            [("index", DefKind::Function, None), ("A", DefKind::Class, None), ("m", DefKind::Function, Some(1))]
        );
        assert_eq!(o.definitions[0].span.start, src.find('@').unwrap());
        assert_eq!(o.definitions[0].keyword, src.find("async").unwrap());
        let a = &o.definitions[1];
        assert_eq!(&src[a.header.start..a.header.end], "class A(B):");
        assert!(o.syntax_issues.is_empty());
    }

    #[test]
    fn a_unit_tree_nested_past_the_limit_is_not_handed_out_but_its_file_still_outlines() {
        let chain = |terms: usize| format!("x = {}\n\ndef f():\n    return x\n", vec!["\"a\""; terms].join(" + "));
        // CPython 3.11 compiles 2,500 terms.
        assert!(parse_small(&chain(2_500)).is_some());
        // 40,000 overflowed a recursive pass's stack before the limit existed.
        assert!(parse_small(&chain(40_000)).is_none());
        let outline = parse_outline(&chain(40_000), &ParseOptions::default()).unwrap();
        assert_eq!(outline.definitions.len(), 1, "the file around the deep line is still read");
        let nested = format!("x = {}1{}\n", "[".repeat(5_000), "]".repeat(5_000));
        assert!(parse_small(&nested).is_none());
    }

    #[test]
    fn import_bindings() {
        let o = outline(
            "import os.path\nimport numpy as np\nfrom a.b import c, d as e\nfrom x import *\nfrom __future__ import annotations\n",
        );
        let bound: Vec<_> = o.imports.iter().map(|i| (i.bound.join(","), i.wildcard)).collect();
        assert_eq!(
            bound,
            [
                ("os".into(), false),
                ("np".into(), false),
                ("c,e".into(), false),
                (String::new(), true),
                ("annotations".into(), false)
            ]
        );
    }

    #[test]
    fn defs_in_module_level_blocks_are_found_but_not_in_functions() {
        let o = outline(
            "try:\n    import ujson as json\nexcept ImportError:\n    def dumps(x):\n        def helper():\n            pass\n",
        );
        assert_eq!(o.definitions.len(), 1);
        assert_eq!(o.definitions[0].name, "dumps");
        assert_eq!(o.imports.len(), 1);
    }

    #[test]
    fn syntax_errors_are_reported_and_the_rest_still_parses() {
        let o = outline("def ok():\n    return 1\n\ndef broken(:\n    pass\n\ndef later():\n    return 2\n");
        assert!(o.syntax_issue_count >= 1);
        let names: Vec<_> = o.definitions.iter().map(|d| d.name.as_str()).collect();
        assert!(names.contains(&"ok") && names.contains(&"later"), "{names:?}");
    }
}
