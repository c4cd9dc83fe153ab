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

/// One `def` line split into its parts.
#[derive(Debug, PartialEq, Eq)]
struct DefLine<'a> {
    /// Indentation, `async ` and `def name(`.
    head: &'a str,
    params: &'a str,
    /// The return annotation without `->`, trimmed; `None` when absent.
    returns: Option<&'a str>,
}

fn parse_def(line: &str) -> Option<DefLine<'_>> {
    let trimmed = line.trim_start();
    if !(trimmed.starts_with("def ") || trimmed.starts_with("async def ")) || !line.trim_end().ends_with(':') {
        return None;
    }
    let open = line.find('(')?;
    let close = matching_paren(line, open)?;
    let rest = line[close + 1..].trim_end().strip_suffix(':')?.trim();
    let returns = match rest {
        "" => None,
        r => Some(r.strip_prefix("->")?.trim()),
    };
    Some(DefLine { head: &line[..=open], params: &line[open + 1..close], returns })
}

/// Byte index of the `)` closing the `(` at `open`, skipping brackets and strings in between.
fn matching_paren(line: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices().skip_while(|(i, _)| *i < open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return (c == ')').then_some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The pieces of `text` between the `sep`s of its own level (not inside brackets or strings).
fn split_top_level(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                out.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// A parameter list with every annotation removed: `x: int = 5` becomes `x=5`.
fn strip_params(params: &str) -> String {
    split_top_level(params, ',')
        .into_iter()
        .map(|param| {
            let (name_part, default) = match split_top_level(param, '=').as_slice() {
                [name, _, ..] => (*name, Some(param[name.len() + 1..].trim())),
                _ => (param, None),
            };
            let name = split_top_level(name_part, ':')[0].trim();
            let leading = &param[..param.len() - param.trim_start().len()];
            match default {
                Some(default) => format!("{leading}{name}={default}"),
                None => format!("{leading}{name}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
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
    let def = parse_def(line)?;
    let name = def.head.trim_start().trim_start_matches("async ").trim_start_matches("def ").trim_end_matches('(');
    match rewrite {
        Rewrite::Keep => None,
        Rewrite::Strip => Some(format!("{}{}):", def.head, strip_params(def.params))),
        // A constructor returns None whatever the pool says.
        Rewrite::Return(_) if name == "__init__" => None,
        Rewrite::Return(ty) => Some(format!("{}{}) -> {ty}:", def.head, def.params)),
    }
}

/// Redraws the annotations of the one-line `def`s both twins share; `rng` is the pair's own.
pub fn redraw(rng: &mut ChaCha8Rng, vulnerable: &mut Rendered, fixed: &mut Rendered) {
    if ANNOTATION_DRIVEN.iter().any(|p| vulnerable.code.contains(p) || fixed.code.contains(p)) {
        return;
    }
    let defs = |code: &str| -> Vec<String> {
        code.lines().filter(|l| parse_def(l).is_some()).map(String::from).collect::<Vec<_>>()
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
        let def = parse_def("    def find(self, term: str, limit: int = 5) -> list:").unwrap();
        assert_eq!(def.head, "    def find(");
        assert_eq!(def.params, "self, term: str, limit: int = 5");
        assert_eq!(def.returns, Some("list"));
        assert_eq!(parse_def("async def go(x):").unwrap().returns, None);
        assert!(parse_def("def go(x,").is_none());
        assert!(parse_def("x = 1").is_none());
        assert!(parse_def("def f(a=(1, 2)) -> Dict[str, int]:").is_some());
    }

    #[test]
    fn strips_annotations_and_keeps_defaults() {
        assert_eq!(strip_params("self, term: str, limit: int = 5"), "self, term, limit=5");
        assert_eq!(strip_params("a: Dict[str, int] = {\"k\": 1}, *args: str, **kw"), "a={\"k\": 1}, *args, **kw");
        assert_eq!(strip_params("x=\"a:b\""), "x=\"a:b\"");
        assert_eq!(strip_params(""), "");
        assert_eq!(
            apply("def evaluate(expression: str, book: dict) -> bool:", Rewrite::Strip).unwrap(),
            "def evaluate(expression, book):"
        );
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
