//! Type annotations drawn independently of the label (the `typed` set).
//!
//! In the earlier sets a function's annotations told its label: the plain library functions that
//! hold a sink returned `-> dict`, `-> list` or nothing, while the safe filler around them returned
//! `-> str`, `-> int`, `-> bool` or `-> None`. Models learned it: the `varied` adapter gives
//! `def evaluate_rule(expression, book)` over an `eval` p(vulnerable) 0.70, the same function with
//! `-> bool` 0.001 and with `-> str` 0.01 (docs/RESULTS.md, "Session 18"). Real code annotates
//! freely, so the `typed` set redraws every function's annotations the same way whatever the
//! function holds: a share lose them all, a share get a return type from one pool, the rest keep
//! what they had.
//!
//! Only a one-line `def` that reads the same in both twins is rewritten, and identically in both, so
//! the twins still differ only by their fix, and no line moves (labels keep their line numbers).
//! Modules of frameworks that read annotations at run time (FastAPI, Typer, pydantic) are left as
//! they are: there an annotation is behaviour, sometimes the fix itself.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::generate::Rendered;

/// Share of function definitions whose annotations are all removed.
const STRIP_SHARE: f64 = 0.3;
/// Share of the others given a return annotation drawn from [`RETURN_TYPES`].
const RETURN_SHARE: f64 = 0.6;
/// Builtin types only, so no import is needed.
const RETURN_TYPES: &[&str] = &["str", "bool", "int", "dict", "list", "bytes", "None", "float"];
/// Packages whose behaviour depends on annotations.
const ANNOTATION_DRIVEN: &[&str] = &["fastapi", "typer", "pydantic"];

/// Whether `line` is a whole `def` statement's header on one line (its `:` last).
fn is_one_line_def(line: &str) -> bool {
    let trimmed = line.trim_start();
    (trimmed.starts_with("def ") || trimmed.starts_with("async def ")) && line.trim_end().ends_with(':')
}

/// A one-line `def` as tree-sitter reads it, in byte offsets of the line.
#[derive(Debug, PartialEq, Eq)]
struct DefLine {
    name: String,
    /// Where the `)` closing the parameters is.
    params_end: usize,
    /// Each annotated parameter's span and its text without the annotation (`x: int = 5` is `x=5`).
    annotated: Vec<(std::ops::Range<usize>, String)>,
}

fn parse_def(line: &str) -> Option<DefLine> {
    if !is_one_line_def(line) {
        return None;
    }
    let indent = line.len() - line.trim_start().len();
    // A body on the same line makes the header a complete statement on its own.
    let source = format!("{} pass\n", line.trim());
    let tree = crate::python::parse::python_parser().ok()?.parse(&source, None)?;
    let root = tree.root_node();
    let def = root.named_child(0).filter(|n| n.kind() == "function_definition" && !root.has_error())?;
    let text = |node: tree_sitter::Node| source.get(node.byte_range()).map(String::from);
    let params = def.child_by_field_name("parameters")?;
    let mut cursor = params.walk();
    let mut annotated = Vec::new();
    for param in params.named_children(&mut cursor) {
        let stripped = match param.kind() {
            // `name: type`, `*args: type`: the first child is the name or the splat.
            "typed_parameter" => text(param.named_child(0)?)?,
            "typed_default_parameter" => {
                format!("{}={}", text(param.child_by_field_name("name")?)?, text(param.child_by_field_name("value")?)?)
            }
            _ => continue,
        };
        let span = param.byte_range();
        annotated.push((span.start + indent..span.end + indent, stripped));
    }
    Some(DefLine {
        name: text(def.child_by_field_name("name")?)?,
        params_end: params.end_byte() - 1 + indent,
        annotated,
    })
}

/// What happens to one function's annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rewrite {
    Keep,
    Strip,
    Return(&'static str),
}

fn draw(rng: &mut impl Rng) -> Rewrite {
    if rng.random_bool(STRIP_SHARE) {
        Rewrite::Strip
    } else if rng.random_bool(RETURN_SHARE) {
        Rewrite::Return(RETURN_TYPES.choose(rng).expect("types"))
    } else {
        Rewrite::Keep
    }
}

fn apply(line: &str, rewrite: Rewrite) -> Option<String> {
    match rewrite {
        Rewrite::Keep => None,
        Rewrite::Strip => {
            let def = parse_def(line)?;
            let mut out = String::new();
            let mut at = 0;
            for (span, stripped) in &def.annotated {
                out.push_str(&line[at..span.start]);
                out.push_str(stripped);
                at = span.end;
            }
            out.push_str(&line[at..def.params_end]);
            out.push_str("):");
            Some(out)
        }
        Rewrite::Return(ty) => {
            let def = parse_def(line)?;
            // A constructor returns None whatever the pool says.
            (def.name != "__init__").then(|| format!("{}) -> {ty}:", &line[..def.params_end]))
        }
    }
}

/// Redraws the annotations of the one-line `def`s both twins share; `rng` is the pair's own.
pub fn redraw(rng: &mut ChaCha8Rng, vulnerable: &mut Rendered, fixed: &mut Rendered) {
    if ANNOTATION_DRIVEN.iter().any(|p| vulnerable.code.contains(p) || fixed.code.contains(p)) {
        return;
    }
    let defs = |code: &str| -> Vec<String> {
        code.lines().filter(|l| is_one_line_def(l)).map(String::from).collect::<Vec<_>>()
    };
    let (in_vulnerable, in_fixed) = (defs(&vulnerable.code), defs(&fixed.code));
    let mut plan: Vec<(String, String)> = Vec::new();
    for line in &in_vulnerable {
        let shared =
            in_vulnerable.iter().filter(|l| *l == line).count() == in_fixed.iter().filter(|l| *l == line).count();
        if !shared || plan.iter().any(|(old, _)| old == line) {
            continue;
        }
        if let Some(new) = apply(line, draw(rng)) {
            plan.push((line.clone(), new));
        }
    }
    for side in [vulnerable, fixed] {
        let mut code: String = side
            .code
            .lines()
            .map(|l| plan.iter().find(|(old, _)| old == l).map_or(l, |(_, new)| new.as_str()))
            .collect::<Vec<_>>()
            .join("\n");
        if side.code.ends_with('\n') {
            code.push('\n');
        }
        side.code = code;
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn parses_one_line_defs_only() {
        let find = "    def find(self, term: str, limit: int = 5) -> list:";
        assert_eq!(apply(find, Rewrite::Strip).unwrap(), "    def find(self, term, limit=5):");
        assert_eq!(
            apply(find, Rewrite::Return("bool")).unwrap(),
            "    def find(self, term: str, limit: int = 5) -> bool:"
        );
        assert_eq!(apply("async def go(x):", Rewrite::Return("str")).unwrap(), "async def go(x) -> str:");
        assert!(parse_def("def go(x,").is_none());
        assert!(parse_def("x = 1").is_none());
        assert!(parse_def("def f(a=(1, 2)) -> Dict[str, int]:").is_some());
    }

    #[test]
    fn strips_annotations_and_keeps_defaults() {
        let strip = |line: &str| apply(line, Rewrite::Strip).unwrap();
        assert_eq!(
            strip("def f(a: Dict[str, int] = {\"k\": 1}, *args: str, **kw):"),
            "def f(a={\"k\": 1}, *args, **kw):"
        );
        assert_eq!(strip("def f(x=\"a:b\"):"), "def f(x=\"a:b\"):");
        assert_eq!(strip("def f(x: str = \"a\\\")\", y: int):"), "def f(x=\"a\\\")\", y):");
        assert_eq!(strip("def f():"), "def f():");
        assert_eq!(strip("def evaluate(expression: str, book: dict) -> bool:"), "def evaluate(expression, book):");
        assert_eq!(apply("def f(x) -> dict:", Rewrite::Return("bool")).unwrap(), "def f(x) -> bool:");
        assert_eq!(apply("    def __init__(self, x):", Rewrite::Return("str")), None);
    }

    fn rendered(code: &str, marked: usize) -> Rendered {
        Rendered { code: code.into(), marked: vec![marked], marked_by_sink: vec![vec![marked]] }
    }

    #[test]
    fn twins_get_the_same_rewrite_and_no_line_moves() {
        let vulnerable = "import os\n\n\ndef run(cmd: str) -> dict:\n    os.system(cmd)\n    return {}\n\n\ndef helper(x: int) -> str:\n    return str(x)\n";
        let fixed = "import os\n\n\ndef run(cmd: str) -> dict:\n    subprocess.run([cmd])\n    return {}\n\n\ndef helper(x: int) -> str:\n    return str(x)\n";
        let mut changed = 0;
        for seed in 0..40 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (mut v, mut f) = (rendered(vulnerable, 5), rendered(fixed, 5));
            redraw(&mut rng, &mut v, &mut f);
            assert_eq!(v.code.lines().count(), vulnerable.lines().count());
            assert!(v.code.ends_with('\n'));
            let differing: Vec<_> = v.code.lines().zip(f.code.lines()).filter(|(a, b)| a != b).collect();
            assert_eq!(differing.len(), 1, "{}", v.code);
            assert_eq!(v.code.lines().nth(4), Some("    os.system(cmd)"));
            changed += usize::from(v.code != vulnerable);
        }
        assert!(changed > 10, "{changed} of 40 rewritten");
    }

    #[test]
    fn a_def_that_differs_between_twins_and_fastapi_modules_stay() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (mut v, mut f) =
            (rendered("def get(item_id: str):\n    pass\n", 1), rendered("def get(item_id: int):\n    pass\n", 1));
        for _ in 0..20 {
            redraw(&mut rng, &mut v, &mut f);
        }
        assert_eq!(v.code, "def get(item_id: str):\n    pass\n");
        let code = "from fastapi import FastAPI\n\ndef get(q: str) -> dict:\n    pass\n";
        let (mut v, mut f) = (rendered(code, 3), rendered(code, 3));
        for _ in 0..20 {
            redraw(&mut rng, &mut v, &mut f);
        }
        assert_eq!(v.code, code);
    }
}
