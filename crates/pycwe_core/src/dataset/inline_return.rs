//! The `returns` set's rewrite: a value folded into the `return` that follows it, in both twins alike.
//!
//! Every sink body ends by binding `$out`, and the handler then returns it, so in every earlier set
//! the labeled line is an assignment: `records = "<h1>%s</h1>" % name`, `target = ...` then
//! `return redirect(target)`. Real handlers return the value where they build it
//! (`return f"<h1>{name}</h1>"`, `return redirect(request.args["next"])`,
//! `return hashlib.md5(data).hexdigest()`). This rewrite turns
//!
//! ```text
//! NAME = EXPR
//! return ...NAME...
//! ```
//!
//! into `return ...EXPR...` when that cannot change what runs: the two statements are adjacent one-line
//! statements of one block, NAME is used once in the `return`, where EXPR needs no parentheses, and
//! nothing in the `return` that runs before that use calls anything; no `try` around them and no
//! nested function could read NAME afterwards. Labels on either line go to the joined line.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tree_sitter::Node;

use super::generate::Rendered;
use super::layouts::{defers_evaluation, descendants, finish, is_other_meaning, parse, simple_assignment, text};

/// Share of pairs (where it applies) folded at a labeled line: the layout the recipes never show.
const LABELED_SHARE: f64 = 0.8;
/// Share of the other pairs (where it applies) whose first foldable assignment is folded.
const UNLABELED_SHARE: f64 = 0.5;

/// Draws and applies the rewrite to both twins of a pair.
pub fn rewrite(rng: &mut ChaCha8Rng, vulnerable: &mut Rendered, fixed: &mut Rendered) {
    // Both drawn whatever applies, so one pair's draws never depend on its code.
    let (at_label, elsewhere) = (rng.random_bool(LABELED_SHARE), rng.random_bool(UNLABELED_SHARE));
    let candidates = find_inlinable(&vulnerable.code);
    let labeled = |c: &&Inline| vulnerable.marked.iter().any(|&l| l == c.assign_row + 1 || l == c.assign_row + 2);
    let chosen = match candidates.iter().find(labeled) {
        Some(c) => at_label.then_some(c),
        None => candidates.first().filter(|_| elsewhere),
    };
    let Some(a) = chosen else { return };
    // The same fold in the fixed twin: the same name into the same `return` (a fix may add lines above).
    if let Some(b) =
        find_inlinable(&fixed.code).into_iter().find(|b| (&a.name, &a.return_line) == (&b.name, &b.return_line))
    {
        a.apply(vulnerable);
        b.apply(fixed);
    }
}

/// An assignment to fold into the `return` on the next line.
#[derive(Debug)]
struct Inline {
    assign_row: usize,
    name: String,
    /// The `return` line as written.
    return_line: String,
    /// The `return` line with the use replaced by the value.
    joined: String,
}

impl Inline {
    fn apply(&self, rendered: &mut Rendered) {
        let mut lines: Vec<String> = rendered.code.lines().map(String::from).collect();
        lines[self.assign_row] = self.joined.clone();
        lines.remove(self.assign_row + 1);
        // 1-based: the return line (assign_row + 2) joins the assignment's; later lines go up one.
        let ret = self.assign_row + 2;
        finish(rendered, lines, |line| if line >= ret { line - 1 } else { line });
        // Labels on both joined lines are one label now (the map keeps their order).
        rendered.marked.dedup();
        for sink in &mut rendered.marked_by_sink {
            sink.dedup();
        }
    }
}

/// Values that read the same wherever an expression may stand (so need no parentheses): not a bare
/// tuple (`a, b` would become two arguments), a `yield`, a walrus or a lambda.
fn is_foldable_value(node: Node) -> bool {
    !matches!(
        node.kind(),
        "expression_list"
            | "yield"
            | "assignment"
            | "augmented_assignment"
            | "named_expression"
            | "lambda"
            | "pattern_list"
    )
}

/// Whether a use at `node` is a whole expression slot: the return's value, a call argument, a
/// keyword argument's or a dict entry's value, a list or tuple element.
fn is_whole_slot(node: Node) -> bool {
    let Some(parent) = node.parent() else { return false };
    match parent.kind() {
        "return_statement" | "argument_list" | "list" | "tuple" | "parenthesized_expression" => true,
        "keyword_argument" | "pair" => parent.child_by_field_name("value").is_some_and(|v| v.id() == node.id()),
        _ => false,
    }
}

/// Values that bind tighter than any operator: they may stand before `.attr`, `[i]` or `(...)`.
fn is_primary(node: Node) -> bool {
    matches!(
        node.kind(),
        "call"
            | "attribute"
            | "subscript"
            | "identifier"
            | "string"
            | "parenthesized_expression"
            | "list"
            | "dictionary"
    )
}

/// Whether a use at `node` is the object of an attribute, the value of a subscript or the called function.
fn is_primary_slot(node: Node) -> bool {
    let Some(parent) = node.parent() else { return false };
    let field = match parent.kind() {
        "attribute" => "object",
        "subscript" => "value",
        "call" => "function",
        _ => return false,
    };
    parent.child_by_field_name(field).is_some_and(|v| v.id() == node.id())
}

/// Every fold the code allows, in source order.
fn find_inlinable(code: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let Some(tree) = parse(code) else { return out };
    let root = tree.root_node();
    let lines: Vec<&str> = code.lines().collect();
    let nodes = descendants(root);
    for block in nodes.iter().filter(|n| n.kind() == "block") {
        let Some(function) = enclosing_function(*block) else { continue };
        let statements: Vec<Node> = block.named_children(&mut block.walk()).filter(|n| n.kind() != "comment").collect();
        for pair in statements.windows(2) {
            let (assign, ret) = (pair[0], pair[1]);
            let Some((left, value)) = simple_assignment(assign) else { continue };
            let assign_row = assign.start_position().row;
            if ret.kind() != "return_statement"
                || left.kind() != "identifier"
                || !is_foldable_value(value)
                || assign_row != assign.end_position().row
                || ret.start_position().row != assign_row + 1
                || ret.end_position().row != assign_row + 1
                || assign.start_position().column != ret.start_position().column
            {
                continue;
            }
            let name = text(code, left);
            let ret_nodes = descendants(ret);
            let uses: Vec<Node> = ret_nodes
                .iter()
                .copied()
                .filter(|n| n.kind() == "identifier" && text(code, *n) == name && !is_other_meaning(*n))
                .collect();
            let [used] = uses[..] else { continue };
            let fits = is_whole_slot(used) || (is_primary(value) && is_primary_slot(used));
            if !fits {
                continue;
            }
            let mut up = used.parent();
            let mut deferred = false;
            while let Some(node) = up {
                if node.id() == ret.id() {
                    break;
                }
                // An f-string's quotes would clash with the value's.
                deferred |= defers_evaluation(node.kind()) || node.kind() == "interpolation";
                up = node.parent();
            }
            // Anything called before the use would now run before EXPR instead of after it.
            let called_before = ret_nodes.iter().any(|n| n.kind() == "call" && n.end_byte() <= used.start_byte());
            if deferred || called_before || inside_try(ret, function) || read_by_nested_scope(code, function, name) {
                continue;
            }
            let Some(line) = lines.get(assign_row + 1) else { continue };
            let (column, end) = (used.start_position().column, used.end_position().column);
            let (Some(head), Some(tail)) = (line.get(..column), line.get(end..)) else { continue };
            let joined = format!("{head}{}{tail}", text(code, value));
            out.push(Inline { assign_row, name: name.to_string(), return_line: line.to_string(), joined });
        }
    }
    out.sort_by_key(|c| c.assign_row);
    out
}

fn enclosing_function(node: Node) -> Option<Node> {
    let mut up = node.parent();
    while let Some(n) = up {
        match n.kind() {
            "function_definition" => return Some(n),
            "class_definition" | "module" => return None,
            _ => up = n.parent(),
        }
    }
    None
}

/// A `try` (its `finally` or handlers could read the name after the return) between the statement and its function.
fn inside_try(statement: Node, function: Node) -> bool {
    let mut up = statement.parent();
    while let Some(n) = up {
        if n.id() == function.id() {
            return false;
        }
        if n.kind() == "try_statement" {
            return true;
        }
        up = n.parent();
    }
    false
}

/// A nested function or lambda that names NAME could read the binding after the return; `global`
/// or `nonlocal` make it visible outside.
fn read_by_nested_scope(code: &str, function: Node, name: &str) -> bool {
    let body = function.child_by_field_name("body");
    descendants(function).into_iter().any(|n| {
        let nested = matches!(n.kind(), "function_definition" | "lambda") && n.id() != function.id();
        let declares = matches!(n.kind(), "global_statement" | "nonlocal_statement");
        (nested || declares)
            && body.is_some_and(|b| b.start_byte() <= n.start_byte())
            && descendants(n).iter().any(|i| i.kind() == "identifier" && text(code, *i) == name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(code: &str, marked: &[usize]) -> Rendered {
        Rendered { code: code.to_string(), marked: marked.to_vec(), marked_by_sink: vec![marked.to_vec()] }
    }

    #[test]
    fn folds_a_labeled_value_into_the_return_and_the_label_with_it() {
        let code = "@app.get(\"/g\")\ndef greet():\n    name = request.args.get(\"name\", \"\")\n    page = f\"<h1>Hi {name}</h1>\"\n    return jsonify({\"html\": page})\n\n\ndef other():\n    return 1\n";
        let mut r = rendered(code, &[4]);
        find_inlinable(code)[0].apply(&mut r);
        assert_eq!(
            r.code,
            "@app.get(\"/g\")\ndef greet():\n    name = request.args.get(\"name\", \"\")\n    return jsonify({\"html\": f\"<h1>Hi {name}</h1>\"})\n\n\ndef other():\n    return 1\n"
        );
        assert_eq!(r.marked, vec![4]);
        assert!(parse(&r.code).is_some());
        // A label on the return, or on a later line, follows its code.
        let mut r = rendered(code, &[5, 9]);
        find_inlinable(code)[0].apply(&mut r);
        assert_eq!(r.marked, vec![4, 8]);
        assert_eq!(r.code.lines().nth(7), Some("    return 1"));
        // The first pair found, as a plain return.
        let code = "def go(target):\n    target = target.strip()\n    return redirect(target)\n";
        let mut r = rendered(code, &[3]);
        find_inlinable(code)[0].apply(&mut r);
        assert_eq!(r.code, "def go(target):\n    return redirect(target.strip())\n");
        assert_eq!(r.marked, vec![2]);
        // A call's value may take an attribute; an operator's may not.
        let code = "def h(p):\n    digest = hashlib.md5(p)\n    return digest.hexdigest()\n";
        let mut r = rendered(code, &[2]);
        find_inlinable(code)[0].apply(&mut r);
        assert_eq!(r.code, "def h(p):\n    return hashlib.md5(p).hexdigest()\n");
        assert!(find_inlinable("def h(p):\n    path = ROOT / p\n    return path.read_bytes()\n").is_empty());
    }

    #[test]
    fn never_folds_where_the_meaning_or_the_parse_could_change() {
        for code in [
            "def f(a, b):\n    x = a + b\n    return x * 2\n", // needs parentheses
            "def f(a):\n    x = a, 1\n    return g(x)\n",      // a bare tuple
            "def f(a):\n    x = a()\n    return g(h(), x)\n",  // h() would run first
            "def f(a):\n    x = a()\n    return x, x\n",       // used twice
            "def f(a):\n    x = a()\n    return c and g(x)\n", // may not run
            "def f(a):\n    x = a()\n    return [g(x) for _ in range(2)]\n", // runs twice, own scope
            "def f(a):\n    x = a()\n    return f\"{x}\"\n",   // quotes inside an f-string
            "def f(a):\n    try:\n        x = a()\n        return g(x)\n    finally:\n        log(x)\n",
            "def f(a):\n    x = a()\n    cb = lambda: x\n    return g(x)\n",
            "def f(a):\n    x = a()\n\n    return g(x)\n", // not adjacent
            "def f(a):\n    x = (a +\n         1)\n    return g(x)\n", // spans lines
            "def f(a):\n    x: int = a()\n    return g(x)\n", // annotated
            "def f(a):\n    x = a()\n    return g(x=1)\n", // `x=` is not the name
            "x = 1\nclass C:\n    y = x\n",                // no function
        ] {
            assert!(find_inlinable(code).is_empty(), "{code}");
        }
    }

    #[test]
    fn folds_both_twins_alike_or_neither() {
        use rand::SeedableRng;
        let vulnerable = "def go(request):\n    target = request.args[\"next\"]\n    return redirect(target)\n";
        let fixed = "def go(request):\n    target = safe_next(request.args[\"next\"])\n    return redirect(target)\n";
        let other = "def go(request):\n    target = safe_next(request.args[\"next\"])\n    log(target)\n    return redirect(target, 302)\n";
        let mut folded = 0;
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (mut v, mut f) = (rendered(vulnerable, &[3]), rendered(fixed, &[2]));
            rewrite(&mut rng, &mut v, &mut f);
            assert_eq!(v.code.lines().count(), f.code.lines().count());
            folded += usize::from(v.code != vulnerable);
            assert_eq!(v.code != vulnerable, f.code != fixed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (mut v, mut f) = (rendered(vulnerable, &[3]), rendered(other, &[2]));
            rewrite(&mut rng, &mut v, &mut f);
            assert_eq!((v.code.as_str(), f.code.as_str()), (vulnerable, other));
        }
        assert!((5..20).contains(&folded), "{folded} of 20 folded");
    }
}
