//! Anchors: the (CWE, line) pairs of a unit where the catalog says a weakness would happen, i.e. the
//! lines that use one of a local weakness's sink APIs. Decoding can be held to them
//! ([`crate::prompt::AnswerPrefix::anchored`]): a small model decides well whether a unit is
//! vulnerable but miscounts lines and guesses ids on code unlike its training data (docs/RESULTS.md,
//! "Example project"), and the sink a weakness needs is exactly what static analysis finds reliably.
//!
//! Matching is textual on the unit's shown lines, so it works on any input the chunker produced:
//! - a builtin (`eval`, `open`) matches a call `eval(` that is not an attribute (`ast.literal_eval(`);
//! - a module function or class (`os.system`, `hashlib.md5`, `subprocess.Popen`) matches
//!   `system` after `os.`, or alone when the unit's imports bring it in (`from os import system`);
//! - a method (`sqlite3.Cursor.execute`) matches `.execute`, and where the method's name is common
//!   (`.get`, `.save`) only when the API's package (`requests`, `django`) is named in the unit or its
//!   imports.
//!
//! Sinks that say nothing about a line (`range`, `bytes`: any loop or buffer) anchor nothing.
//!
//! Contextual weaknesses (access control, CSRF) are the handler's: they anchor to units that can be
//! one ([`may_be_handler`]), never to a plain helper or module code.
//!
//! A unit with no anchor at all may name any local weakness on any line while decoding (so that a
//! weakness whose sink the catalog does not know can still be reported); what an anchored answer
//! keeps is [`crate::evidence`]'s to say (a sink-bound weakness needs its call, an injection a call
//! given data): naming SQL injection in code that runs no SQL call is a guess, and on mature code
//! (Django) such guesses were most of the findings (docs/RESULTS.md, "Scan speed").

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::cwe::{Applicability, CweId, reportable};
use crate::detect::UnitRequest;
use crate::prompt::AnswerPrefix;
use crate::python::UnitKind;
use crate::python::chunk::identifier_words;

/// Method names too common to point at a sink without the package named nearby.
const COMMON_METHODS: &[&str] = &[
    "get", "post", "put", "delete", "request", "save", "add", "filter", "info", "error", "debug", "warning", "run",
    "read", "query", "headers", "data", "content", "search", "select", "limit", "submit", "connect", "decode",
    "encode", "open", "load", "loads", "path", "client", "raw", "extra", "cursor", "parse", "route", "config",
];

/// Sinks present in nearly every unit.
const NEVER_ANCHOR: &[&str] = &["range", "bytes", "bytearray", "input", "threading.Thread"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// A builtin called by name.
    Builtin(&'static str),
    /// `module.name` (the module's last component before the name), or `name` imported from `module`.
    ModuleMember { module: &'static str, parent: &'static str, name: &'static str },
    /// `.name` on any object; `package` must be named when `name` is common.
    Method { package: &'static str, name: &'static str, common: bool },
}

/// Every local reportable weakness's sink patterns.
fn patterns() -> &'static [(CweId, Pattern)] {
    static PATTERNS: OnceLock<Vec<(CweId, Pattern)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let mut out = Vec::new();
        for entry in reportable().filter(|e| e.applicability == Applicability::Local) {
            for sink in entry.sinks.iter().filter(|s| !NEVER_ANCHOR.contains(&s.api)) {
                if let Some(pattern) = pattern_of(sink.api) {
                    out.push((entry.id, pattern));
                }
            }
        }
        out
    })
}

impl Pattern {
    /// The identifier a matching line must contain.
    fn name(&self) -> &'static str {
        match self {
            Pattern::Builtin(name) | Pattern::ModuleMember { name, .. } | Pattern::Method { name, .. } => name,
        }
    }
}

fn pattern_of(api: &'static str) -> Option<Pattern> {
    let (module, name) = match api.rsplit_once('.') {
        None => return Some(Pattern::Builtin(api)),
        Some(split) => split,
    };
    if name.is_empty() {
        return None;
    }
    // `sqlite3.Cursor.execute`: a class before the name makes it a method (or a class attribute).
    let class_member = module.rsplit('.').next().is_some_and(|c| c.starts_with(|ch: char| ch.is_ascii_uppercase()));
    if class_member && module.contains('.') {
        let package = module.split('.').next().unwrap_or(module);
        return Some(Pattern::Method { package, name, common: COMMON_METHODS.contains(&name) });
    }
    let parent = module.rsplit('.').next().unwrap_or(module);
    Some(Pattern::ModuleMember { module, parent, name })
}

/// Whether `word` occurs in `line` as a whole identifier, with what precedes and follows it.
fn occurrences<'a>(line: &'a str, word: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    line.match_indices(word).filter_map(move |(at, _)| {
        let (before, after) = (&line[..at], &line[at + word.len()..]);
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        let starts = before.chars().next_back().is_none_or(|c| !ident(c));
        let ends = after.chars().next().is_none_or(|c| !ident(c));
        (starts && ends).then_some((before, after))
    })
}

/// The 1-based column (in characters) where a call to one of `cwe`'s sinks starts on `line`
/// (`conn.execute(q)` at `conn`), for reports that point at the call rather than the line; `None`
/// when the line calls none of them by name. Read from the line alone: which call it is needs no
/// imports, only where it is.
pub fn sink_column(cwe: CweId, line: &str) -> Option<usize> {
    let called = |after: &str| after.trim_start().starts_with('(');
    let start = patterns()
        .iter()
        .filter(|(id, _)| *id == cwe)
        .filter_map(|(_, pattern)| {
            occurrences(line, pattern.name()).find(|(_, after)| called(after)).map(|(before, _)| before.len())
        })
        .min()?;
    // Back over the callee's dotted receiver (`self.db.conn.`), not into brackets or strings; after
    // a call or subscript (`get_db().execute`) the method's own name, not the dot.
    let head = line[..start].trim_end_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
    let dots = line[head.len()..start].chars().take_while(|&c| c == '.').count();
    Some(head.chars().count() + dots + 1)
}

/// Whether an import line brings `name` in from `module` (`from hashlib import md5, sha1`).
pub(crate) fn imports_name(imports: &[String], module: &str, name: &str) -> bool {
    imports.iter().any(|import| {
        let Some(rest) = import.trim().strip_prefix("from ") else { return false };
        let Some((from, names)) = rest.split_once(" import ") else { return false };
        from.trim() == module
            && names.split(|c: char| c == ',' || c == '(' || c == ')' || c.is_whitespace()).any(|n| n == name)
    })
}

fn matches(pattern: &Pattern, line: &str, request: &UnitRequest, named: &dyn Fn(&str) -> bool) -> bool {
    match pattern {
        Pattern::Builtin(name) => {
            occurrences(line, name).any(|(before, after)| !before.ends_with('.') && after.trim_start().starts_with('('))
        }
        Pattern::ModuleMember { module, parent, name } => {
            occurrences(line, name).any(|(before, _)| match before.strip_suffix('.') {
                Some(head) => head
                    .strip_suffix(parent)
                    .is_some_and(|rest| !rest.ends_with(|c: char| c.is_alphanumeric() || c == '_')),
                None => imports_name(&request.imports, module, name),
            })
        }
        Pattern::Method { package, name, common } => {
            occurrences(line, name).any(|(before, _)| before.ends_with('.')) && (!common || named(package))
        }
    }
}

/// Whether a unit can be a request handler, where access-control weaknesses live: a method or a
/// class (views, viewsets, handlers), a decorated function (`@app.route`, `@login_required`,
/// `@shared_task`), or a function that touches `request`.
pub fn may_be_handler(request: &UnitRequest) -> bool {
    match request.kind {
        UnitKind::Method | UnitKind::Class => true,
        UnitKind::Module => false,
        UnitKind::Function => decorators(request).next().is_some() || touches_request(request),
    }
}

pub(crate) fn touches_request(request: &UnitRequest) -> bool {
    identifier_words(&request.text).contains("request")
}

/// The decorator lines above a unit's `def` or `class`.
pub(crate) fn decorators(request: &UnitRequest) -> impl Iterator<Item = &str> {
    request
        .text
        .lines()
        .map(str::trim_start)
        .take_while(|l| !l.starts_with("def ") && !l.starts_with("async def ") && !l.starts_with("class "))
        .filter(|l| l.starts_with('@'))
}

/// Whether the catalog knows a sink of `cwe` that anchoring can find on a line.
pub(crate) fn anchorable(cwe: CweId) -> bool {
    patterns().iter().any(|(id, _)| *id == cwe)
}

/// The answer grammar an anchored detector holds `request` to ([`AnswerPrefix::anchored`]): the
/// one statement of the rule, for decoding and for measuring its reach.
pub fn grammar(request: &UnitRequest) -> AnswerPrefix {
    AnswerPrefix::anchored(request.line_count(), &anchors(request), may_be_handler(request))
}

/// The anchors of a unit: (CWE, 1-based line of the unit as shown) for every line using a sink of a
/// local weakness, sorted and without repeats.
pub fn anchors(request: &UnitRequest) -> Vec<(CweId, usize)> {
    let lines: BTreeSet<(CweId, usize)> = sites(request).into_iter().map(|(cwe, line, _)| (cwe, line)).collect();
    lines.into_iter().collect()
}

/// The anchors with the sink name each line uses (`execute`, `system`): (CWE, line, name), sorted
/// and without repeats; what [`crate::evidence`] reads the calls of.
pub(crate) fn sites(request: &UnitRequest) -> Vec<(CweId, usize, &'static str)> {
    let words = identifier_words(&request.text);
    let import_words: BTreeSet<&str> = request.imports.iter().flat_map(|i| identifier_words(i)).collect();
    let named = |package: &str| words.contains(package) || import_words.contains(package);
    let mut out = BTreeSet::new();
    for (index, line) in request.text.lines().enumerate() {
        // Most lines name no sink: a set lookup rules each pattern out before any scan of the line.
        let line_words = identifier_words(line);
        for (cwe, pattern) in patterns() {
            if line_words.contains(pattern.name()) && matches(pattern, line, request, &named) {
                out.insert((*cwe, index + 1, pattern.name()));
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sink_column_points_at_the_call_not_the_line() {
        assert_eq!(sink_column(CweId(89), "        return conn.execute(query).fetchall()"), Some(16));
        assert_eq!(sink_column(CweId(78), "    rc = os.system(cmd)"), Some(10));
        assert_eq!(sink_column(CweId(502), "    é = pickle.loads(blob)"), Some(9));
        assert_eq!(sink_column(CweId(89), "    get_db().execute(q)"), Some(14));
        assert_eq!(sink_column(CweId(89), "    dbs[0].cursor().execute(q)"), Some(12), "the first sink, `cursor`");
        assert_eq!(sink_column(CweId(89), "    x = execute_later"), None);
        assert_eq!(sink_column(CweId(78), "    return build(query)"), None);
    }
    use crate::python::UnitKind;

    fn request(text: &str, imports: &[&str]) -> UnitRequest {
        UnitRequest::function_for_tests(text, imports)
    }

    fn ids_on(anchors: &[(CweId, usize)], line: usize) -> Vec<u32> {
        anchors.iter().filter(|(_, l)| *l == line).map(|(c, _)| c.0).collect()
    }

    #[test]
    fn module_functions_anchor_on_their_line_with_or_without_the_module_prefix() {
        let a = anchors(&request(
            "def f(cmd, blob):\n    x = 1\n    os.system(cmd)\n    return loads(blob)\n",
            &["import os", "from pickle import loads"],
        ));
        assert_eq!(ids_on(&a, 3), vec![78]);
        assert_eq!(ids_on(&a, 4), vec![502]);
        assert!(ids_on(&a, 1).is_empty() && ids_on(&a, 2).is_empty());
    }

    #[test]
    fn builtins_match_calls_but_not_attributes_or_longer_names() {
        let a = anchors(&request(
            "def f(e):\n    ast.literal_eval(e)\n    evaluate(e)\n    return eval(e, {}, {})\n",
            &["import ast"],
        ));
        assert!(ids_on(&a, 2).is_empty() && ids_on(&a, 3).is_empty());
        assert_eq!(ids_on(&a, 4), vec![94]);
    }

    #[test]
    fn a_name_from_another_module_is_not_the_sink() {
        // `json.loads` is not `pickle.loads`; a bare `loads` imported from json is not either.
        let a = anchors(&request(
            "def f(b):\n    json.loads(b)\n    loads(b)\n    myos.system(b)\n",
            &["import json", "from json import loads"],
        ));
        assert!(a.is_empty(), "{a:?}");
    }

    #[test]
    fn common_method_names_need_their_package_named() {
        let dict_get = anchors(&request("def f(d):\n    return d.get(\"k\")\n", &[]));
        assert!(dict_get.is_empty(), "{dict_get:?}");
        let execute = anchors(&request("def f(conn, q):\n    return conn.execute(q)\n", &[]));
        assert_eq!(ids_on(&execute, 2), vec![89]);
    }

    #[test]
    fn handlers_are_decorated_functions_methods_classes_or_request_users() {
        let mut helper = request("def export(shelf):\n    os.system(shelf)\n", &[]);
        assert!(!may_be_handler(&helper));
        helper.text = "@app.post(\"/x\")\ndef export(shelf):\n    os.system(shelf)\n".into();
        assert!(may_be_handler(&helper));
        helper.text = "def export(shelf):\n    return request.args[shelf]\n".into();
        assert!(may_be_handler(&helper));
        helper.kind = UnitKind::Method;
        helper.text = "def get(self):\n    pass\n".into();
        assert!(may_be_handler(&helper));
        helper.kind = UnitKind::Module;
        assert!(!may_be_handler(&helper));
    }

    #[test]
    fn loops_and_buffers_anchor_nothing() {
        assert!(anchors(&request("def f(n):\n    for i in range(n):\n        bytes(i)\n", &[])).is_empty());
    }
}
