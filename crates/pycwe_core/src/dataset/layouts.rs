//! Layout rewrites (the `layouts` set): the same module laid out another way, in both twins alike.
//!
//! Adapters trained on the `typed` set score their own partial-guard recipes 0.96-1.00 but the same
//! code with the query built just before its `with` instead of inside it 0.12, and with the allowlist
//! a local instead of a module constant 0.00-0.18 (`data/handwritten/paraphrase.jsonl`, docs/RESULTS.md
//! §6 "Session 21"): they learned where the recipes put things, not what the data does. Real code puts
//! them everywhere. Three rewrites that keep the meaning, each drawn independently for a pair:
//! - **extract**: a labeled call's first argument, when it is a one-line string expression
//!   (`cur.execute(f"...")`), is bound to a name on the line above (`query = f"..."`,
//!   `cur.execute(query)`); a string has no effect, so when it is built does not matter;
//! - **hoist**: the first statement of a `with ... as name:` body, when it is a one-line assignment of
//!   a string expression that does not use the `with`'s targets (`sql = f"..."`), moves just above
//!   the `with` (building a string has no effect the context manager could see);
//! - **localize**: a module constant `NAME = <one-line literal>` (a set, tuple, list, dict, string or
//!   number) used by one function only becomes that function's first statement, `name = ...`, its
//!   uses renamed.
//!
//! A rewrite is made only when it applies to both twins at the same place, and then to both, so the
//! twins still differ only by their fix; labeled lines move with their code. Lines are moved whole,
//! never split or joined, so every line keeps its text but for the renamed constant.

use std::collections::BTreeSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tree_sitter::{Node, Tree};

use super::generate::Rendered;

/// Share of pairs (where it applies) whose first hoistable statement is hoisted.
const HOIST_SHARE: f64 = 0.5;
/// Share of pairs (where it applies) whose first constant used by one function is made local.
const LOCALIZE_SHARE: f64 = 0.5;
/// Share of pairs (where it applies) whose labeled call has its string argument bound to a name first.
const EXTRACT_SHARE: f64 = 0.5;

/// Draws and applies the rewrites to both twins of a pair.
pub fn rewrite(rng: &mut ChaCha8Rng, vulnerable: &mut Rendered, fixed: &mut Rendered) {
    // All drawn whatever applies, so one pair's draws never depend on its code.
    let (hoist, localize) = (rng.random_bool(HOIST_SHARE), rng.random_bool(LOCALIZE_SHARE));
    let extract = rng.random_bool(EXTRACT_SHARE);
    if extract
        && let (Some(a), Some(b)) = (find_extractable(vulnerable), find_extractable(fixed))
        && (a.row, &a.name) == (b.row, &b.name)
    {
        a.apply(vulnerable);
        b.apply(fixed);
    }
    if localize
        && let (Some(a), Some(b)) = (find_localizable(&vulnerable.code), find_localizable(&fixed.code))
        && a.same_place(&b)
        && !a.touches_labels(vulnerable)
        && !b.touches_labels(fixed)
    {
        a.apply(vulnerable);
        b.apply(fixed);
    }
    if hoist
        && let (Some(a), Some(b)) = (find_hoistable(&vulnerable.code), find_hoistable(&fixed.code))
        && (&a.with_header, a.with_row, a.statement_row) == (&b.with_header, b.with_row, b.statement_row)
    {
        a.apply(vulnerable);
        b.apply(fixed);
    }
}

pub(super) fn parse(code: &str) -> Option<Tree> {
    // No time budget: generated records are small, and a budget could make a build depend on the
    // machine's load.
    crate::python::parse::python_parser().ok()?.parse(code, None).filter(|tree| !tree.root_node().has_error())
}

pub(super) fn text<'a>(code: &'a str, node: Node) -> &'a str {
    code.get(node.byte_range()).unwrap_or("")
}

/// Every node under `node` (itself included), in source order.
pub(super) fn descendants(node: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        out.push(n);
        let mut cursor = n.walk();
        let children: Vec<Node> = n.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

fn identifiers<'a>(code: &'a str, node: Node) -> BTreeSet<&'a str> {
    descendants(node).into_iter().filter(|n| n.kind() == "identifier").map(|n| text(code, n)).collect()
}

/// Nodes that evaluate part of themselves later, conditionally or in a scope of their own.
pub(super) fn defers_evaluation(kind: &str) -> bool {
    matches!(
        kind,
        "lambda"
            | "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "boolean_operator"
            | "conditional_expression"
    )
}

/// The two sides of a statement that is one plain assignment (`x = ...`: no annotation, no chain).
pub(super) fn simple_assignment(statement: Node) -> Option<(Node, Node)> {
    let assignment = (statement.kind() == "expression_statement").then(|| statement.named_child(0)).flatten()?;
    if assignment.kind() != "assignment" || assignment.child_by_field_name("type").is_some() {
        return None;
    }
    Some((assignment.child_by_field_name("left")?, assignment.child_by_field_name("right")?))
}

/// Moves rows `from` (0-based, one line) to just above row `to` (`to < from`), dedented by `dedent`.
fn move_line_up(rendered: &mut Rendered, from: usize, to: usize, dedent: usize) {
    let mut lines: Vec<String> = rendered.code.lines().map(String::from).collect();
    let moved = lines.remove(from);
    lines.insert(to, moved[dedent.min(moved.len() - moved.trim_start().len())..].to_string());
    // 1-based labels: the moved line goes to `to + 1`; lines `to + 1 ..= from` go down by one.
    let map = |line: usize| {
        if line == from + 1 {
            to + 1
        } else if line > to && line <= from {
            line + 1
        } else {
            line
        }
    };
    finish(rendered, lines, map);
}

/// `obj.NAME` and `f(NAME=...)` spell the name but are not it.
pub(super) fn is_other_meaning(n: Node) -> bool {
    n.parent().is_some_and(|p| {
        (p.kind() == "attribute" && p.child_by_field_name("attribute").is_some_and(|a| a.id() == n.id()))
            || (p.kind() == "keyword_argument" && p.child_by_field_name("name").is_some_and(|a| a.id() == n.id()))
    })
}

pub(super) fn finish(rendered: &mut Rendered, lines: Vec<String>, map: impl Fn(usize) -> usize) {
    let trailing = rendered.code.ends_with('\n');
    rendered.code = lines.join("\n");
    if trailing {
        rendered.code.push('\n');
    }
    rendered.marked = rendered.marked.iter().map(|&l| map(l)).collect();
    rendered.marked.sort_unstable();
    for sink in &mut rendered.marked_by_sink {
        *sink = sink.iter().map(|&l| map(l)).collect();
    }
}

/// A statement to hoist above its `with`.
#[derive(Debug)]
struct Hoist {
    /// The `with` statement's first line, as written (the same in both twins when they agree).
    with_header: String,
    with_row: usize,
    statement_row: usize,
    dedent: usize,
}

impl Hoist {
    fn apply(&self, rendered: &mut Rendered) {
        move_line_up(rendered, self.statement_row, self.with_row, self.dedent);
    }
}

/// Expressions whose evaluation has no effect a context manager could see: strings and what
/// builds them from names (`f"..."`, `"a" + b`, `"... %s" % x`, `"{}".format(x)`, `", ".join(xs)`).
fn is_string_expression(code: &str, node: Node) -> bool {
    match node.kind() {
        "string" | "concatenated_string" => true,
        "binary_operator" => {
            let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right"))
            else {
                return false;
            };
            let operand = |n: Node| is_string_expression(code, n) || matches!(n.kind(), "identifier" | "tuple");
            operand(left) && operand(right) && (is_string_expression(code, left) || is_string_expression(code, right))
        }
        "call" => {
            let function = node.child_by_field_name("function");
            function.is_some_and(|f| {
                f.kind() == "attribute"
                    && f.child_by_field_name("object").is_some_and(|o| is_string_expression(code, o))
                    && f.child_by_field_name("attribute").is_some_and(|a| matches!(text(code, a), "format" | "join"))
            })
        }
        _ => false,
    }
}

fn find_hoistable(code: &str) -> Option<Hoist> {
    let tree = parse(code)?;
    let lines: Vec<&str> = code.lines().collect();
    for with in descendants(tree.root_node()).into_iter().filter(|n| n.kind() == "with_statement") {
        let Some(clause) = with.named_children(&mut with.walk()).find(|n| n.kind() == "with_clause") else { continue };
        let targets: BTreeSet<&str> = clause
            .named_children(&mut clause.walk())
            .filter_map(|item| item.child_by_field_name("value"))
            .filter(|value| value.kind() == "as_pattern")
            .filter_map(|pattern| pattern.child_by_field_name("alias"))
            .flat_map(|alias| identifiers(code, alias))
            .collect();
        let Some(body) = with.child_by_field_name("body") else { continue };
        let statements: Vec<Node> = body.named_children(&mut body.walk()).filter(|n| n.kind() != "comment").collect();
        let (Some(first), true) = (statements.first(), statements.len() >= 2) else { continue };
        let Some((left, right)) = simple_assignment(*first) else { continue };
        let one_line = first.start_position().row == first.end_position().row;
        let header_ends_line = with.start_position().row < first.start_position().row;
        if targets.is_empty()
            || left.kind() != "identifier"
            || !one_line
            || !header_ends_line
            || !is_string_expression(code, right)
            || !identifiers(code, right).is_disjoint(&targets)
        {
            continue;
        }
        let statement_row = first.start_position().row;
        let (with_row, with_col) = (with.start_position().row, with.start_position().column);
        return Some(Hoist {
            with_header: lines.get(with_row)?.to_string(),
            with_row,
            statement_row,
            dedent: first.start_position().column.checked_sub(with_col)?,
        });
    }
    None
}

/// A call's string argument to bind to a name on the line above the call's statement.
#[derive(Debug)]
struct Extract {
    /// Row of the statement holding the call (the bound name goes above it).
    row: usize,
    indent: usize,
    argument: std::ops::Range<usize>,
    name: String,
}

impl Extract {
    fn apply(&self, rendered: &mut Rendered) {
        let mut code = rendered.code.clone();
        let argument = code[self.argument.clone()].to_string();
        code.replace_range(self.argument.clone(), &self.name);
        let mut lines: Vec<String> = code.lines().map(String::from).collect();
        lines.insert(self.row, format!("{}{} = {}", " ".repeat(self.indent), self.name, argument));
        let inserted = self.row + 1;
        // Labels stay on the call, which moves down a line with everything after it.
        finish(rendered, lines, |line| if line >= inserted { line + 1 } else { line });
    }
}

/// What to call an extracted argument, by the callee's last name.
fn extracted_name(callee: &str) -> &'static str {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    match last {
        "execute" | "executemany" | "executescript" | "raw" | "text" => "query",
        "system" | "popen" | "run" | "call" | "check_call" | "check_output" | "Popen" | "getoutput" => "command",
        "eval" | "exec" | "compile" => "source",
        _ => "text_value",
    }
}

fn find_extractable(rendered: &Rendered) -> Option<Extract> {
    let code = &rendered.code;
    let tree = parse(code)?;
    let root = tree.root_node();
    let taken = identifiers(code, root);
    for call in descendants(root).into_iter().filter(|n| n.kind() == "call") {
        let row = call.start_position().row;
        if !rendered.marked.contains(&(row + 1)) {
            continue;
        }
        let Some(arguments) = call.child_by_field_name("arguments") else { continue };
        let Some(first) = arguments.named_child(0) else { continue };
        let Some(function) = call.child_by_field_name("function") else { continue };
        let name = extracted_name(text(code, function));
        if !is_string_expression(code, first)
            || first.start_position().row != first.end_position().row
            || taken.contains(name)
        {
            continue;
        }
        // The statement holding the call, which the binding goes above: the call must be
        // evaluated in it unconditionally (not in a lambda, comprehension or `and`/`or`, not in
        // a `with`/`if` header, whose clause the line above would leave).
        let mut statement = call;
        while let Some(parent) = statement.parent() {
            if matches!(parent.kind(), "block" | "module") {
                break;
            }
            if defers_evaluation(parent.kind())
                || matches!(
                    parent.kind(),
                    "with_clause"
                        | "with_item"
                        | "if_statement"
                        | "elif_clause"
                        | "while_statement"
                        | "for_statement"
                        | "decorator"
                        | "default_parameter"
                        | "typed_default_parameter"
                        | "parameters"
                )
            {
                statement = root; // marks "no"
                break;
            }
            statement = parent;
        }
        if statement.id() == root.id() || !matches!(statement.kind(), "expression_statement" | "return_statement") {
            continue;
        }
        // The binding's line must start where the statement does.
        if statement.start_position().row != row {
            continue;
        }
        return Some(Extract {
            row: statement.start_position().row,
            indent: statement.start_position().column,
            argument: first.byte_range(),
            name: name.to_string(),
        });
    }
    None
}

/// A module constant to move into the one function that uses it.
#[derive(Debug)]
struct Localize {
    /// The constant's line, as written.
    constant_line: String,
    constant_row: usize,
    function_name: String,
    /// Row the local is inserted above (the function's first statement, after a docstring), and
    /// that statement's indentation.
    insert_row: usize,
    indent: usize,
    local_name: String,
    /// Byte ranges of the uses to rename, in the original code.
    uses: Vec<std::ops::Range<usize>>,
}

impl Localize {
    fn same_place(&self, other: &Localize) -> bool {
        (self.constant_line.as_str(), self.constant_row, self.function_name.as_str(), self.insert_row)
            == (other.constant_line.as_str(), other.constant_row, other.function_name.as_str(), other.insert_row)
    }

    /// A label on the constant's line would have no single place to go.
    fn touches_labels(&self, rendered: &Rendered) -> bool {
        rendered.marked.contains(&(self.constant_row + 1))
    }

    fn apply(&self, rendered: &mut Rendered) {
        let mut code = rendered.code.clone();
        for range in self.uses.iter().rev() {
            code.replace_range(range.clone(), &self.local_name);
        }
        let mut lines: Vec<String> = code.lines().map(String::from).collect();
        let (_, value) = self.constant_line.split_once('=').expect("an assignment");
        let local = format!("{}{} ={}", " ".repeat(self.indent), self.local_name, value);
        lines.insert(self.insert_row, local);
        let constant_row = if self.constant_row < self.insert_row { self.constant_row } else { self.constant_row + 1 };
        lines.remove(constant_row);
        let (insert, removed) = (self.insert_row + 1, constant_row + 1);
        finish(rendered, lines, |line| {
            let after_insert = if line >= insert { line + 1 } else { line };
            if after_insert > removed { after_insert - 1 } else { after_insert }
        });
    }
}

fn is_constant_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn find_localizable(code: &str) -> Option<Localize> {
    let tree = parse(code)?;
    let root = tree.root_node();
    let lines: Vec<&str> = code.lines().collect();
    let all_names = identifiers(code, root);
    let nodes = descendants(root);
    let functions: Vec<Node> = nodes.iter().copied().filter(|n| n.kind() == "function_definition").collect();
    for statement in root.named_children(&mut root.walk()) {
        let Some((left, right)) = simple_assignment(statement) else { continue };
        let name = text(code, left);
        let row = statement.start_position().row;
        let local_name = name.to_ascii_lowercase();
        if left.kind() != "identifier"
            || !is_constant_name(name)
            || !matches!(right.kind(), "set" | "tuple" | "list" | "dictionary" | "string" | "integer" | "float")
            || row != statement.end_position().row
            || all_names.contains(local_name.as_str())
        {
            continue;
        }
        let uses: Vec<Node> = nodes
            .iter()
            .copied()
            .filter(|n| n.kind() == "identifier" && text(code, *n) == name && n.id() != left.id())
            .collect();
        // `obj.NAME` and `f(NAME=...)` are other names spelled the same: leave such a module alone.
        if uses.iter().any(|n| is_other_meaning(*n)) {
            continue;
        }
        // The innermost function holding each use: all must be the same one, and it must come after
        // the constant (a function above it could be called before the module sets it; either way
        // the local is defined where it is used).
        let holder = |n: &Node| {
            functions.iter().rev().find(|f| f.start_byte() <= n.start_byte() && n.end_byte() <= f.end_byte()).copied()
        };
        let holders: Vec<Option<Node>> = uses.iter().map(holder).collect();
        let Some(Some(function)) = holders.first().copied() else { continue };
        if holders.iter().any(|h| h.map(|h| h.id()) != Some(function.id())) {
            continue;
        }
        let Some(body) = function.child_by_field_name("body") else { continue };
        // A default or annotation is evaluated when the `def` runs, not in the body; `global NAME`
        // would bind the module's name.
        let in_body = |n: &Node| body.start_byte() <= n.start_byte() && n.end_byte() <= body.end_byte();
        if !uses.iter().all(in_body) || descendants(function).iter().any(|n| n.kind() == "global_statement") {
            continue;
        }
        let statements: Vec<Node> = body.named_children(&mut body.walk()).filter(|n| n.kind() != "comment").collect();
        let docstring = statements.first().is_some_and(|s| {
            s.kind() == "expression_statement" && s.named_child(0).is_some_and(|e| e.kind() == "string")
        });
        let Some(first) = statements.get(usize::from(docstring)) else { continue };
        let insert_row = first.start_position().row;
        // The body must start on its own line (`def f(): return X` has nowhere to put a local).
        if insert_row == function.start_position().row || lines.get(insert_row).is_none() {
            continue;
        }
        return Some(Localize {
            constant_line: lines.get(row)?.to_string(),
            constant_row: row,
            function_name: function.child_by_field_name("name").map(|n| text(code, n).to_string())?,
            insert_row,
            indent: first.start_position().column,
            local_name,
            uses: uses.iter().map(|n| n.byte_range()).collect(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(code: &str, marked: &[usize]) -> Rendered {
        Rendered { code: code.to_string(), marked: marked.to_vec(), marked_by_sink: vec![marked.to_vec()] }
    }

    const SEARCH: &str = "import sqlite3\n\nSORTABLE = {\"title\", \"id\"}\n\n\ndef search(term, sort=\"title\"):\n    if sort not in SORTABLE:\n        sort = \"title\"\n    with sqlite3.connect(\"x.db\") as conn:\n        sql = f\"SELECT id FROM t WHERE a LIKE '%{term}%' ORDER BY {sort}\"\n        return conn.execute(sql).fetchall()\n";

    #[test]
    fn hoists_a_string_built_inside_a_with_above_it_and_moves_its_label() {
        let mut r = rendered(SEARCH, &[10]);
        find_hoistable(SEARCH).expect("hoistable").apply(&mut r);
        let lines: Vec<&str> = r.code.lines().collect();
        assert_eq!(lines[8], "    sql = f\"SELECT id FROM t WHERE a LIKE '%{term}%' ORDER BY {sort}\"");
        assert_eq!(lines[9], "    with sqlite3.connect(\"x.db\") as conn:");
        assert_eq!(r.marked, vec![9]);
        assert_eq!(r.marked_by_sink, vec![vec![9]]);
        assert!(parse(&r.code).is_some());
        // A label on the line that follows stays on its code.
        let mut r = rendered(SEARCH, &[11]);
        find_hoistable(SEARCH).unwrap().apply(&mut r);
        assert_eq!(r.code.lines().nth(r.marked[0] - 1).unwrap().trim(), "return conn.execute(sql).fetchall()");
    }

    #[test]
    fn never_hoists_what_uses_the_context_or_has_effects() {
        for code in [
            // uses the target
            "def f(p):\n    with open(p) as fh:\n        head = fh.readline() + \"x\"\n        return head\n",
            "def f(p):\n    with db() as conn:\n        sql = \"SELECT \" + conn.table\n        return conn.execute(sql)\n",
            // a call with effects
            "def f(p):\n    with db() as conn:\n        sql = build(p)\n        return conn.execute(sql)\n",
            // no target: `with lock:` is about what runs inside
            "def f(p):\n    with lock:\n        sql = f\"SELECT {p}\"\n        run(sql)\n",
            // the only statement
            "def f(p):\n    with db() as conn:\n        sql = f\"SELECT {p}\"\n",
            // spans lines: dedenting a multi-line string would change it
            "def f(p):\n    with db() as conn:\n        sql = f\"\"\"SELECT\n        {p}\"\"\"\n        return conn.execute(sql)\n",
        ] {
            assert!(find_hoistable(code).is_none(), "{code}");
        }
    }

    #[test]
    fn makes_a_constant_used_by_one_function_its_local_and_keeps_labels_on_their_code() {
        let mut r = rendered(SEARCH, &[10]);
        let plan = find_localizable(SEARCH).expect("localizable");
        plan.apply(&mut r);
        let lines: Vec<&str> = r.code.lines().collect();
        assert!(!r.code.contains("SORTABLE"), "{}", r.code);
        assert_eq!(lines[5], "    sortable = {\"title\", \"id\"}");
        assert_eq!(lines[6], "    if sort not in sortable:");
        assert_eq!(
            lines[r.marked[0] - 1].trim(),
            "sql = f\"SELECT id FROM t WHERE a LIKE '%{term}%' ORDER BY {sort}\""
        );
        assert_eq!(r.code.lines().count(), SEARCH.lines().count());
        assert!(parse(&r.code).is_some());
        // After a docstring, not above it.
        let code = "LIMITS = (1, 2)\n\n\ndef f(n):\n    \"\"\"Doc.\"\"\"\n    return n in LIMITS\n";
        let mut r = rendered(code, &[6]);
        find_localizable(code).unwrap().apply(&mut r);
        assert_eq!(r.code, "\n\ndef f(n):\n    \"\"\"Doc.\"\"\"\n    limits = (1, 2)\n    return n in limits\n");
        assert_eq!(r.marked, vec![6]);
    }

    #[test]
    fn never_localizes_a_constant_two_functions_or_the_module_use() {
        for code in [
            "A = (1, 2)\n\n\ndef f(n):\n    return n in A\n\n\ndef g(n):\n    return n in A\n",
            "A = (1, 2)\nB = len(A)\n\n\ndef f(n):\n    return n in A\n",
            "A = (1, 2)\n\n\ndef f(n, a):\n    return n in A or a\n", // `a` is taken
            "A = compute()\n\n\ndef f(n):\n    return n in A\n",
            "A = (1, 2)\n\n\ndef f(n): return n in A\n",
            "A = (1, 2)\n\n\ndef f(n=A):\n    return n\n", // a default is evaluated at `def`
            "A = (1, 2)\n\n\ndef f(n):\n    return n.A or n in A\n",
        ] {
            assert!(find_localizable(code).is_none(), "{code}");
        }
    }

    #[test]
    fn binds_a_labeled_calls_string_argument_to_a_name_above_it() {
        let code = "def f(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n    return cur.fetchall()\n";
        let mut r = rendered(code, &[2]);
        find_extractable(&r).expect("extractable").apply(&mut r);
        assert_eq!(
            r.code,
            "def f(cur, name):\n    query = \"SELECT * FROM t WHERE n = '\" + name + \"'\"\n    cur.execute(query)\n    return cur.fetchall()\n"
        );
        assert_eq!(r.marked, vec![3]);
        // In a return, and then hoisted above its `with`.
        let code = "def f(p):\n    with db() as conn:\n        return conn.execute(f\"SELECT {p}\").fetchall()\n";
        let mut r = rendered(code, &[3]);
        find_extractable(&r).unwrap().apply(&mut r);
        find_hoistable(&r.code).expect("hoistable").apply(&mut r);
        assert_eq!(
            r.code,
            "def f(p):\n    query = f\"SELECT {p}\"\n    with db() as conn:\n        return conn.execute(query).fetchall()\n"
        );
        assert_eq!(r.marked, vec![4]);
        for (code, line) in [
            ("def f(cur, q):\n    cur.execute(q)\n", 2), // already a name
            ("def f(cur, q):\n    if cur.execute(f\"x {q}\"):\n        pass\n", 2), // an `if` header
            ("def f(cur, q):\n    return q and cur.execute(f\"x {q}\")\n", 2), // may not run
            ("def f(cur, query):\n    cur.execute(f\"x {query}\")\n", 2), // the name is taken
            ("def f(cur, q):\n    cur.execute(f\"x {q}\")\n    cur.execute(f\"y {q}\")\n", 3 + 10), // not labeled
        ] {
            assert!(find_extractable(&rendered(code, &[line])).is_none(), "{code}");
        }
    }

    #[test]
    fn rewrites_both_twins_alike_or_neither() {
        let fixed_code = SEARCH
            .replace("LIKE '%{term}%' ORDER BY {sort}\"", "LIKE ? ORDER BY {sort}\"")
            .replace("execute(sql)", "execute(sql, (term,))");
        let mut applied = 0;
        for seed in 0..40 {
            use rand::SeedableRng;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (mut v, mut f) = (rendered(SEARCH, &[10]), rendered(&fixed_code, &[10]));
            rewrite(&mut rng, &mut v, &mut f);
            assert_eq!(v.marked, f.marked);
            let differing = v.code.lines().zip(f.code.lines()).filter(|(a, b)| a != b).count();
            assert_eq!(differing, 2, "seed {seed}:\n{}\n{}", v.code, f.code);
            applied += usize::from(v.code != SEARCH);
        }
        assert!(applied > 20, "{applied} of 40 rewritten");
    }
}
