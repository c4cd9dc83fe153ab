//! Carriers: real functions that a recipe's sink is written into (`dataset build --carriers DIR`).
//!
//! Every other pair is a scaffold the generator wrote: its handlers, helpers, names and filler
//! share a handful of shapes, and the models learned those shapes (the return annotation, a check
//! near the sink, the way the result is returned) instead of the sink and its data
//! (docs/RESULTS.md, sessions 17 and 18). Here the function around the sink is someone else's
//! code, taken from a pinned corpus of PyPI packages that no evaluation set uses
//! (`scripts/fetch_carriers.sh`): its parameters, docstring, annotations, control flow and
//! style are real and different in every pair, and one of its parameters carries the input to a
//! sink body inserted between two of its statements. Both twins share the carrier and differ only
//! by the sink body (vulnerable or fixed), so the only thing that tells them apart is the sink
//! and what reaches it.
//!
//! The corpus is read from text (`Corpus::from_sources`), so this module does no I/O; the CLI walks
//! the directory.

use std::collections::BTreeSet;

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::generate::{Pair, finish, import_block, used_imports};
use super::names::Names;
use super::recipe::{Input, Recipe, Sink};
use super::string_shape::StringShape;

/// A function of the corpus a sink can be written into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    /// Where it comes from: `package/path.py:line`.
    pub origin: String,
    /// `class Name:` when the function is a method (the method is shown under it alone).
    pub class_header: Option<String>,
    /// The function's lines (decorators included), indented as shown: column 0 for a function,
    /// 4 for a method.
    pub lines: Vec<String>,
    /// Indices in `lines` of the top-level body statements a sink may go before: every one but a
    /// docstring, so a sink never lands above the docstring or after the last statement.
    pub insert_before: Vec<usize>,
    /// The body's indentation.
    pub body_indent: usize,
    /// Parameters that can carry text (not `self`/`cls`, not `*args`, not annotated as a number or flag).
    pub params: Vec<String>,
    /// The file's one-line top-level imports (a pair keeps those its code uses).
    pub imports: Vec<String>,
}

/// The functions of a corpus, in a stable order.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub carriers: Vec<Carrier>,
    /// Files read.
    pub files: usize,
}

/// Bounds on a carrier's length in lines: long enough to be real code around the sink, short
/// enough that the pair fits the model's window with the sink inside.
const MIN_LINES: usize = 4;
const MAX_LINES: usize = 40;

/// Annotations of parameters that never hold text.
const NON_TEXT_TYPES: &[&str] =
    &["int", "bool", "float", "None", "Callable", "type", "Type", "Iterable", "List", "list"];

impl Corpus {
    /// Reads every function of `sources` (`(path, text)`, sorted by path here) that can carry a sink.
    pub fn from_sources(mut sources: Vec<(String, String)>) -> Self {
        sources.sort();
        let Ok(mut parser) = crate::python::parse::python_parser() else { return Corpus::default() };
        let mut carriers = Vec::new();
        for (path, text) in &sources {
            // Tabs and CRLF would make the inserted lines' indentation wrong.
            if text.contains('\t') || text.contains('\r') {
                continue;
            }
            let Some(tree) = parser.parse(text, None) else { continue };
            let source_lines: Vec<&str> = text.lines().collect();
            let root = tree.root_node();
            let mut cursor = root.walk();
            let imports: Vec<String> = root
                .named_children(&mut cursor)
                .filter(|n| matches!(n.kind(), "import_statement" | "import_from_statement"))
                .map(|n| text[n.byte_range()].to_string())
                .filter(|line| !line.contains('\n') && !line.contains('(') && !line.contains('*'))
                .collect();
            let first = carriers.len();
            let mut cursor = root.walk();
            for top in root.named_children(&mut cursor) {
                match definition(top) {
                    Some(def) if def.kind() == "function_definition" => {
                        carriers.extend(carrier(path, text, &source_lines, top, def, None));
                    }
                    Some(def) if def.kind() == "class_definition" => {
                        let Some(name) = def.child_by_field_name("name") else { continue };
                        let header = format!("class {}:", &text[name.byte_range()]);
                        let Some(body) = def.child_by_field_name("body") else { continue };
                        let mut inner = body.walk();
                        for member in body.named_children(&mut inner) {
                            if let Some(method) = definition(member).filter(|d| d.kind() == "function_definition") {
                                carriers.extend(carrier(
                                    path,
                                    text,
                                    &source_lines,
                                    member,
                                    method,
                                    Some(header.clone()),
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
            for carrier in &mut carriers[first..] {
                carrier.imports = imports.clone();
            }
        }
        Corpus { carriers, files: sources.len() }
    }
}

/// The definition a top-level node holds (a decorated one unwrapped).
fn definition(node: tree_sitter::Node) -> Option<tree_sitter::Node> {
    match node.kind() {
        "decorated_definition" => node.child_by_field_name("definition"),
        "function_definition" | "class_definition" => Some(node),
        _ => None,
    }
}

/// `source_lines` is `text` split into lines, once per file: a file holds many functions.
fn carrier(
    path: &str,
    text: &str,
    source_lines: &[&str],
    outer: tree_sitter::Node,
    def: tree_sitter::Node,
    class_header: Option<String>,
) -> Option<Carrier> {
    if outer.has_error() {
        return None;
    }
    let (first_row, last_row) = (outer.start_position().row, outer.end_position().row);
    let count = last_row - first_row + 1;
    if !(MIN_LINES..=MAX_LINES).contains(&count) {
        return None;
    }
    let column = outer.start_position().column;
    let shown_column = if class_header.is_some() { 4 } else { 0 };
    let mut lines = Vec::with_capacity(count);
    for row in first_row..=last_row {
        let line = source_lines.get(row)?;
        let lead = line.len() - line.trim_start().len();
        // A line indented less than the definition (inside a multi-line string) cannot be moved.
        if !line.trim().is_empty() && lead < column {
            return None;
        }
        let rest = line.get(column.min(line.len())..)?;
        lines.push(if rest.trim().is_empty() { String::new() } else { format!("{}{rest}", " ".repeat(shown_column)) });
    }
    let body = def.child_by_field_name("body")?;
    if body.start_position().row == def.start_position().row {
        return None; // `def f(): ...` on one line
    }
    let body_indent = body.start_position().column - column + shown_column;
    let mut statements = Vec::new();
    let mut cursor = body.walk();
    for (i, statement) in body.named_children(&mut cursor).enumerate() {
        if statement.kind() == "comment" {
            continue;
        }
        let is_docstring = i == 0
            && statement.kind() == "expression_statement"
            && statement.named_child(0).is_some_and(|s| s.kind() == "string");
        if !is_docstring {
            statements.push(statement.start_position().row - first_row);
        }
    }
    // Before any statement but never after the last one: inserted code should run.
    let body_pad = " ".repeat(body_indent);
    let insert_before: Vec<usize> = statements.into_iter().filter(|&i| lines[i].starts_with(&body_pad)).collect();
    if insert_before.is_empty() {
        return None;
    }
    let params = text_params(text, def.child_by_field_name("parameters")?);
    if params.is_empty() {
        return None;
    }
    Some(Carrier {
        origin: format!("{path}:{}", first_row + 1),
        class_header,
        lines,
        insert_before,
        body_indent,
        params,
        imports: Vec::new(),
    })
}

/// The parameters that may hold text: plain names, with or without a default or a text-like annotation.
fn text_params(text: &str, parameters: tree_sitter::Node) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = parameters.walk();
    for param in parameters.named_children(&mut cursor) {
        let (name, annotation) = match param.kind() {
            "identifier" => (param, None),
            "default_parameter" => match param.child_by_field_name("name") {
                Some(name) if name.kind() == "identifier" => (name, None),
                _ => continue,
            },
            "typed_parameter" | "typed_default_parameter" => {
                let name = match param.kind() {
                    "typed_parameter" => param.named_child(0),
                    _ => param.child_by_field_name("name"),
                };
                match name {
                    Some(name) if name.kind() == "identifier" => (name, param.child_by_field_name("type")),
                    _ => continue,
                }
            }
            _ => continue,
        };
        let name = &text[name.byte_range()];
        if matches!(name, "self" | "cls") || name.starts_with('_') {
            continue;
        }
        if let Some(annotation) = annotation {
            let annotation = &text[annotation.byte_range()];
            if NON_TEXT_TYPES.iter().any(|t| annotation == *t || annotation.starts_with(&format!("{t}["))) {
                continue;
            }
        }
        out.push(name.to_string());
    }
    out
}

/// Whether a sink can live in a plain function (its body needs no request object or framework).
pub fn fits_carrier(sink: &Sink) -> bool {
    (sink.frameworks.is_empty() || sink.frameworks.contains(&"library")) && !sink.vulnerable.contains("request")
}

/// Renders a pair: `recipe`'s sink (vulnerable, then one of its fixes) written into a carrier
/// drawn from `corpus`. `None` when the recipe has no sink that fits a plain function.
pub fn carried_pair(rng: &mut ChaCha8Rng, index: usize, recipe: &Recipe, corpus: &Corpus) -> Option<Pair> {
    let Recipe::Taint { name, version, cwe, sinks } = *recipe else { return None };
    let fitting: Vec<&Sink> = sinks.iter().filter(|s| fits_carrier(s)).collect();
    let sink = *fitting.choose(rng)?;
    let carrier = corpus.carriers.choose(rng)?;
    let param = carrier.params.choose(rng)?;
    let fix = sink.fixed.choose(rng)?;
    let names = Names::draw(rng, sink.input).with_input_expr(param);
    let shape = StringShape::draw(rng);
    let at = *carrier.insert_before.choose(rng)?;
    // A payload sink reads bytes; a text parameter is encoded on the way, as real code would.
    let encode = sink.input == Input::Payload && rng.random_bool(0.5);
    let render = |body: &str, extra_imports: &[&str]| {
        let mut imports: BTreeSet<String> = sink.imports.iter().chain(extra_imports).map(|s| names.fill(s)).collect();
        imports.extend(carrier.imports.iter().cloned());
        let pad = " ".repeat(carrier.body_indent);
        let mut inserted: Vec<String> = Vec::new();
        let input = if encode {
            let raw = format!("{param}_bytes");
            inserted.push(format!("{pad}{raw} = {param}.encode() if isinstance({param}, str) else {param}"));
            raw
        } else {
            param.clone()
        };
        let names = names.with_input_expr(&input);
        let filled = shape.apply(&names.fill(body), &[&input]);
        inserted.extend(filled.lines().map(|l| if l.is_empty() { String::new() } else { format!("{pad}{l}") }));
        let mut function: Vec<String> = carrier.lines[..at].to_vec();
        function.extend(inserted);
        function.extend(carrier.lines[at..].iter().cloned());
        let mut blocks: Vec<String> = Vec::new();
        let setup = names.fill(sink.setup);
        if !setup.trim().is_empty() {
            blocks.push(setup.trim().to_string());
        }
        let mut shown = function.join("\n");
        if let Some(header) = &carrier.class_header {
            shown = format!("{header}\n{shown}");
        }
        blocks.push(shown);
        let used = used_imports(&imports, &blocks.join("\n"));
        if !used.is_empty() {
            blocks.insert(0, import_block(&used).trim_end().to_string());
        }
        finish(&(blocks.join("\n\n\n") + "\n"))
    };
    let vulnerable = render(sink.vulnerable, &[]);
    let fixed = render(fix.body, fix.imports);
    Some(Pair {
        index,
        recipe: name.to_string(),
        version,
        cwes: vec![cwe],
        family: format!("{name}/{}/carrier", sink.name),
        framework: "carrier".to_string(),
        vulnerable,
        fixed,
        why_vulnerable: names.fill(sink.why),
        why_fixed: names.fill(fix.why),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const SOURCE: &str = r#"import os


def top(path, count: int = 3):
    """Read a file."""
    with open(path) as fh:
        data = fh.read()
    return data[:count]


class Store:
    def get(self, key: str, default=None):
        value = self.items.get(key)
        if value is None:
            return default
        return value

    def short(self):
        return 1


def tiny(x): return x
"#;

    #[test]
    fn reads_functions_and_methods_with_text_parameters() {
        let corpus = Corpus::from_sources(vec![("pkg/mod.py".into(), SOURCE.into())]);
        let origins: Vec<&str> = corpus.carriers.iter().map(|c| c.origin.as_str()).collect();
        assert_eq!(origins, ["pkg/mod.py:4", "pkg/mod.py:12"]);
        let top = &corpus.carriers[0];
        assert_eq!(top.params, ["path"], "an int parameter carries no text");
        assert_eq!(top.insert_before, [2, 4], "never before the docstring, only before top-level statements");
        assert_eq!(top.body_indent, 4);
        let method = &corpus.carriers[1];
        assert_eq!(method.class_header.as_deref(), Some("class Store:"));
        assert_eq!(method.params, ["key", "default"]);
        assert_eq!(method.lines[0], "    def get(self, key: str, default=None):");
        assert_eq!(method.body_indent, 8);
        assert_eq!(top.imports, ["import os"]);
    }

    #[test]
    fn twins_share_the_carrier_and_differ_by_the_sink() {
        let corpus = Corpus::from_sources(vec![("pkg/mod.py".into(), SOURCE.into())]);
        let recipe = crate::dataset::recipes::all_recipes()
            .into_iter()
            .find(|r| r.cwe() == crate::cwe::CweId(78) && matches!(r, Recipe::Taint { .. }))
            .expect("a command injection recipe");
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let pair = carried_pair(&mut rng, 0, recipe, &corpus).expect("a sink fits");
            assert!(!pair.vulnerable.marked.is_empty(), "the sink line is labeled");
            assert_ne!(pair.vulnerable.code, pair.fixed.code);
            let carried = |code: &str| code.contains("def top(") || code.contains("def get(self, key: str");
            assert!(carried(&pair.vulnerable.code) && carried(&pair.fixed.code));
            if let Err(rejection) = crate::dataset::review::review_pair(&pair) {
                panic!("seed {seed}: {rejection:?}\n{}\n{}", pair.vulnerable.code, pair.fixed.code);
            }
        }
    }
}
