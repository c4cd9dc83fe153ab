//! What a unit's calls are given: its syntax tree read for call sites and for whether an argument
//! can carry data into them.
//!
//! An argument is *constant* when nothing from outside the code can reach it: literals (f-strings
//! whose parts are constant), operators and containers over constants, names bound in the unit only
//! to constants (or unbound `UPPER_CASE` module constants), and the results of the quoting and
//! conversion calls a query or command is made safe with (`quote_name`, `shlex.quote`, `int`). A
//! sink call given only constants cannot be injected, whatever a model believes: this is what
//! Bandit's B608 and Semgrep's `pattern-not: $F("...")` encode, read on the unit's own tree.
//!
//! Conservative where it cannot see: parameters, attributes, subscripts, loop and `with` targets and
//! names bound above a window are data; a unit that does not parse, or a sink line without a call,
//! counts as carrying data.

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::{Node, Tree};

use super::parse::parse_small;

/// Calls whose result is safe to embed in a query, a command or code, whatever they are given.
const SANITIZERS: &[&str] = &[
    "quote_name",
    "qn",
    "quote_ident",
    "quote",
    "Identifier",
    "Literal",
    "escape_string",
    "int",
    "float",
    "len",
    "bool",
];

/// Keyword arguments that hold a query's text (`.extra(select=...)`, `text(sql=...)`).
const QUERY_KEYWORDS: &[&str] = &["sql", "query", "statement", "select", "where", "tables", "order_by"];

/// Which of a call's arguments can inject into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataArguments {
    /// The query text: the first positional argument or a query keyword ([`QUERY_KEYWORDS`]); the
    /// parameters passed beside it are bound by the driver.
    Query,
    /// Every argument.
    All,
}

/// A call as evidence reads it.
#[derive(Debug, Clone, Copy)]
pub struct CallSite<'t> {
    /// The `call` node.
    pub call: Node<'t>,
    /// The callee's last identifier (`compile` of `re.compile`).
    pub name: &'t str,
    /// The 1-based line the callee ends on (where an anchor finds its name).
    pub line: usize,
    /// The object of an attribute callee (`re`, `self`, `PATTERN`) and its text.
    pub receiver: Option<Node<'t>>,
    pub receiver_text: Option<&'t str>,
    /// The first positional argument.
    pub first: Option<Node<'t>>,
}

/// A unit's text parsed once, with its name bindings.
#[derive(Debug)]
pub struct UnitCalls {
    text: String,
    tree: Tree,
    /// Names bound in the unit, and whether every binding is constant.
    constant_names: BTreeMap<String, bool>,
}

impl UnitCalls {
    /// Parses a unit's lines (a method's indentation removed, so its body parses as code); `None`
    /// when tree-sitter cannot run or gives up on hostile input ([`parse_small`]).
    pub fn parse(text: &str) -> Option<Self> {
        let text = dedent(text);
        let tree = parse_small(&text)?;
        let mut calls = UnitCalls { text, tree, constant_names: BTreeMap::new() };
        calls.constant_names = calls.bindings();
        Some(calls)
    }

    /// Whether some call of `name` (the callee's last identifier) whose callee ends on 1-based
    /// `line` is given data in `which` arguments; `true` when the line holds no such call.
    pub fn carries_data(&self, line: usize, name: &str, which: DataArguments) -> bool {
        let calls: Vec<CallSite> = self.call_sites(&[name]).into_iter().filter(|site| site.line == line).collect();
        calls.is_empty() || calls.iter().any(|site| self.data_arguments(site.call, which).any(|a| !self.constant(a)))
    }

    /// Whether every call of `name` whose callee ends on 1-based `line` passes `keyword=False`
    /// (`hashlib.md5(data, usedforsecurity=False)`); `false` when the line holds no such call.
    pub fn passes_false(&self, line: usize, name: &str, keyword: &str) -> bool {
        let calls: Vec<CallSite> = self.call_sites(&[name]).into_iter().filter(|site| site.line == line).collect();
        !calls.is_empty()
            && calls.iter().all(|site| {
                let Some(args) = site.call.child_by_field_name("arguments") else { return false };
                let mut cursor = args.walk();
                args.named_children(&mut cursor).filter(|a| a.kind() == "keyword_argument").any(|a| {
                    a.child_by_field_name("name").is_some_and(|n| self.source(n) == keyword)
                        && a.child_by_field_name("value").is_some_and(|v| self.source(v) == "False")
                })
            })
    }

    /// Every call whose callee's last identifier is one of `names`.
    pub fn call_sites(&self, names: &[&str]) -> Vec<CallSite<'_>> {
        let mut out = Vec::new();
        self.walk(|node| {
            if node.kind() == "call"
                && let Some(function) = node.child_by_field_name("function")
                && names.contains(&last_name(function, &self.text))
            {
                let receiver =
                    (function.kind() == "attribute").then(|| function.child_by_field_name("object")).flatten();
                out.push(CallSite {
                    call: node,
                    name: last_name(function, &self.text),
                    line: function.end_position().row + 1,
                    receiver,
                    receiver_text: receiver.map(|r| self.source(r)),
                    first: node.child_by_field_name("arguments").and_then(|args| positional(args).next()),
                });
            }
        });
        out
    }

    /// The pattern a name bound once in the unit to `re.compile("...")` (or `regex.compile`) holds.
    pub fn compiled_pattern(&self, receiver: Node) -> Option<String> {
        if receiver.kind() != "identifier" {
            return None;
        }
        let value = self.bound_once(self.source(receiver))?;
        let function = value.child_by_field_name("function").filter(|_| value.kind() == "call")?;
        if last_name(function, &self.text) != "compile" {
            return None;
        }
        value
            .child_by_field_name("arguments")
            .and_then(|args| positional(args).next())
            .and_then(|a| self.string_value(a))
    }

    /// The literal text of a string argument, or of a name bound once in the unit to one, escapes
    /// of a non-raw literal resolved; `None` for anything else.
    pub fn string_value(&self, node: Node) -> Option<String> {
        match node.kind() {
            "string" => literal_value(node, &self.text),
            "concatenated_string" => {
                let mut cursor = node.walk();
                node.named_children(&mut cursor).map(|part| literal_value(part, &self.text)).collect()
            }
            "parenthesized_expression" => node.named_child(0).and_then(|inner| self.string_value(inner)),
            "identifier" => self
                .bound_once(self.source(node))
                .filter(|v| v.kind() != "identifier")
                .and_then(|v| self.string_value(v)),
            _ => None,
        }
    }

    /// The text of every node of one of `kinds` (`identifier`, `string_content`), in source order.
    pub fn texts_of(&self, kinds: &[&str]) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(|node| {
            if kinds.contains(&node.kind()) {
                out.push(self.source(node));
            }
        });
        out
    }

    fn source(&self, node: Node) -> &str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn walk<'t>(&'t self, mut visit: impl FnMut(Node<'t>)) {
        let mut cursor = self.tree.walk();
        loop {
            visit(cursor.node());
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return;
                }
            }
        }
    }

    fn data_arguments<'t>(&self, call: Node<'t>, which: DataArguments) -> impl Iterator<Item = Node<'t>> {
        let mut out = Vec::new();
        if let Some(args) = call.child_by_field_name("arguments") {
            // `f(x for x in xs)`: the generator is the argument list.
            if args.kind() != "argument_list" {
                return vec![args].into_iter();
            }
            let mut cursor = args.walk();
            let mut first_positional = true;
            for arg in args.named_children(&mut cursor) {
                let keyword = (arg.kind() == "keyword_argument").then(|| {
                    let name = arg.child_by_field_name("name").map(|n| self.source(n)).unwrap_or("");
                    (name, arg.child_by_field_name("value"))
                });
                match (which, keyword) {
                    (DataArguments::All, None) => out.push(arg),
                    (DataArguments::All, Some((_, value))) => out.extend(value),
                    (DataArguments::Query, None) if first_positional && arg.kind() != "comment" => out.push(arg),
                    (DataArguments::Query, Some((name, value))) if QUERY_KEYWORDS.contains(&name) => out.extend(value),
                    _ => {}
                }
                if keyword.is_none() && arg.kind() != "comment" {
                    first_positional = false;
                }
            }
        }
        out.into_iter()
    }

    /// Whether nothing from outside the code can reach `node`'s value.
    fn constant(&self, node: Node) -> bool {
        self.constant_with(node, &self.constant_names)
    }

    fn constant_with(&self, node: Node, names: &BTreeMap<String, bool>) -> bool {
        let all = |node: Node| {
            let mut cursor = node.walk();
            node.named_children(&mut cursor).all(|child| self.constant_with(child, names))
        };
        match node.kind() {
            "integer" | "float" | "true" | "false" | "none" | "ellipsis" | "comment" => true,
            "string_start" | "string_content" | "string_end" | "escape_sequence" => true,
            "string"
            | "concatenated_string"
            | "parenthesized_expression"
            | "binary_operator"
            | "unary_operator"
            | "boolean_operator"
            | "tuple"
            | "list"
            | "set"
            | "dictionary"
            | "pair"
            | "expression_list" => all(node),
            "keyword_argument" => node.child_by_field_name("value").is_some_and(|v| self.constant_with(v, names)),
            "interpolation" => node.child_by_field_name("expression").is_none_or(|e| self.constant_with(e, names)),
            "conditional_expression" => {
                // `a if cond else b`: the condition chooses, it does not flow in.
                let mut cursor = node.walk();
                let parts: Vec<Node> = node.named_children(&mut cursor).collect();
                parts.len() == 3 && self.constant_with(parts[0], names) && self.constant_with(parts[2], names)
            }
            "identifier" => {
                let name = self.source(node);
                names.get(name).copied().unwrap_or_else(|| is_constant_name(name))
            }
            "generator_expression" | "list_comprehension" | "set_comprehension" => {
                node.child_by_field_name("body").is_some_and(|body| self.constant_with(body, names))
            }
            "call" => {
                let Some(function) = node.child_by_field_name("function") else { return false };
                if SANITIZERS.contains(&last_name(function, &self.text)) {
                    return true;
                }
                // `", ".join(...)`, `"... {}".format(...)`: a constant template given constants.
                let template_method = function.kind() == "attribute"
                    && matches!(last_name(function, &self.text), "join" | "format")
                    && function.child_by_field_name("object").is_some_and(|o| self.constant_with(o, names));
                template_method
                    && node.child_by_field_name("arguments").is_some_and(|args| match args.kind() {
                        "argument_list" => all(args),
                        _ => self.constant_with(args, names),
                    })
            }
            _ => false,
        }
    }

    /// The right-hand side of `name`'s only binding by plain or augmented assignment, if it has
    /// exactly one.
    fn bound_once(&self, name: &str) -> Option<Node<'_>> {
        let mut out = Vec::new();
        self.walk(|node| {
            if matches!(node.kind(), "assignment" | "augmented_assignment")
                && let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right"))
                && left.kind() == "identifier"
                && self.source(left) == name
            {
                out.push(right);
            }
        });
        match out[..] {
            [value] => Some(value),
            _ => None,
        }
    }

    /// Every name the unit binds, and whether all its bindings are constant: the greatest fixed
    /// point, so that `sql = "..."; sql += "..."` stays constant and a loop target taints for good.
    fn bindings(&self) -> BTreeMap<String, bool> {
        let mut assigned: Vec<(String, Node)> = Vec::new();
        let mut tainted = BTreeSet::new();
        self.walk(|node| match node.kind() {
            "assignment" | "augmented_assignment" => {
                let (Some(left), right) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
                    return;
                };
                match (left.kind(), right) {
                    ("identifier", Some(right)) => assigned.push((self.source(left).to_string(), right)),
                    // Unpacking binds each name to a part nobody reads here; `self.x = ...` binds none.
                    ("pattern_list" | "tuple_pattern" | "list_pattern", _) => {
                        tainted.extend(identifiers(left, &self.text))
                    }
                    _ => {}
                }
            }
            "for_statement" | "for_in_clause" => {
                tainted.extend(node.child_by_field_name("left").into_iter().flat_map(|l| identifiers(l, &self.text)))
            }
            "parameters" | "lambda_parameters" | "as_pattern_target" | "global_statement" | "nonlocal_statement" => {
                tainted.extend(identifiers(node, &self.text))
            }
            "named_expression" => {
                tainted.extend(node.child_by_field_name("name").into_iter().flat_map(|n| identifiers(n, &self.text)))
            }
            "except_clause" => {
                // `except E as err`: the alias is an identifier after `as`.
                let mut cursor = node.walk();
                let mut after_as = false;
                for child in node.children(&mut cursor) {
                    if after_as && child.kind() == "identifier" {
                        tainted.insert(self.source(child).to_string());
                    }
                    after_as = child.kind() == "as";
                }
            }
            _ => {}
        });
        let mut names: BTreeMap<String, bool> =
            assigned.iter().map(|(name, _)| (name.clone(), !tainted.contains(name))).collect();
        names.extend(tainted.iter().map(|name| (name.clone(), false)));
        loop {
            let mut changed = false;
            for (name, right) in &assigned {
                if names[name] && !self.constant_with(*right, &names) {
                    names.insert(name.clone(), false);
                    changed = true;
                }
            }
            if !changed {
                return names;
            }
        }
    }
}

/// The positional arguments of an argument list (no keywords, comments or splats).
fn positional<'t>(args: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    if args.kind() != "argument_list" {
        return vec![args].into_iter();
    }
    let mut cursor = args.walk();
    let nodes: Vec<Node> = args
        .named_children(&mut cursor)
        .filter(|a| !matches!(a.kind(), "keyword_argument" | "comment" | "list_splat" | "dictionary_splat"))
        .collect();
    nodes.into_iter()
}

/// The last identifier of a callee: `execute` of `cursor.execute`, `eval` of `eval`.
fn last_name<'t>(function: Node, text: &'t str) -> &'t str {
    let name = match function.kind() {
        "attribute" => function.child_by_field_name("attribute").unwrap_or(function),
        _ => function,
    };
    text.get(name.byte_range()).unwrap_or("")
}

fn identifiers(node: Node, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" {
            out.extend(text.get(node.byte_range()).map(str::to_string));
        }
        // A default value (`def f(x=1)`) or an annotation is not bound; its names are not either.
        if matches!(node.kind(), "default_parameter" | "typed_default_parameter" | "typed_parameter") {
            stack.extend(node.child_by_field_name("name").or_else(|| node.named_child(0)));
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out
}

/// `UPPER_CASE` names are module constants by convention (PEP 8).
fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase()) && !name.chars().any(|c| c.is_ascii_lowercase())
}

/// A string literal's value, when it has no interpolation: raw strings as written, others with the
/// escapes a regex or query cares about resolved (unknown escapes keep their backslash, as Python does).
fn literal_value(node: Node, text: &str) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    let mut prefix = "";
    let mut out = String::new();
    for part in node.children(&mut cursor) {
        let part_text = text.get(part.byte_range())?;
        match part.kind() {
            "string_start" => prefix = part_text.trim_end_matches(['"', '\'']),
            "string_content" if prefix.to_ascii_lowercase().contains('r') => out.push_str(part_text),
            "string_content" => {
                // Escapes are children of the content.
                let mut at = part.start_byte();
                let mut inner = part.walk();
                for escape in part.children(&mut inner).filter(|c| c.kind() == "escape_sequence") {
                    out.push_str(text.get(at..escape.start_byte())?);
                    out.push_str(&unescape(text.get(escape.byte_range())?));
                    at = escape.end_byte();
                }
                out.push_str(text.get(at..part.end_byte())?);
            }
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

fn unescape(escape: &str) -> String {
    match escape {
        "\\\\" => "\\".into(),
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        "\\\n" => String::new(),
        other => other.into(),
    }
}

/// The unit's lines with the first line's indentation removed from every line that has it, so a
/// method's text parses as a top-level definition with its line numbers unchanged.
fn dedent(text: &str) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let indent = &first[..first.len() - first.trim_start().len()];
    if indent.is_empty() {
        return text.to_string();
    }
    text.split_inclusive('\n').map(|line| line.strip_prefix(indent).unwrap_or(line)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carries(text: &str, line: usize, name: &str, which: DataArguments) -> bool {
        UnitCalls::parse(text).expect("parses").carries_data(line, name, which)
    }

    #[test]
    fn literal_and_quoted_queries_carry_no_data_but_interpolated_input_does() {
        let unit = "def clear(self, term):\n    table = connection.ops.quote_name(self._table)\n    \
                    cursor.execute(\"DELETE FROM %s\" % table)\n    cursor.execute(\"SELECT 1 WHERE x = %s\", [term])\n    \
                    cursor.execute(f\"SELECT * FROM t WHERE title LIKE '%{term}%'\")\n    \
                    cursor.execute(\"SELECT %s, %s\" % (qn(\"a\"), qn(self.b)))\n";
        assert!(!carries(unit, 3, "execute", DataArguments::Query));
        assert!(!carries(unit, 4, "execute", DataArguments::Query), "parameters are bound by the driver");
        assert!(carries(unit, 4, "execute", DataArguments::All));
        assert!(carries(unit, 5, "execute", DataArguments::Query));
        assert!(!carries(unit, 6, "execute", DataArguments::Query));
        assert!(carries(unit, 2, "execute", DataArguments::Query), "no call there: assume data");
    }

    #[test]
    fn names_are_constant_only_when_every_binding_is() {
        let unit = "def run(args):\n    cmd = \"ls\"\n    cmd += \" -l\"\n    os.system(cmd)\n    \
                    other = \"tar\"\n    for part in args:\n        other += part\n    os.system(other)\n    \
                    os.system(SETTINGS_CMD)\n    os.system(args)\n    os.system(\" \".join(shlex.quote(a) for a in args))\n";
        assert!(!carries(unit, 4, "system", DataArguments::All));
        assert!(carries(unit, 8, "system", DataArguments::All));
        assert!(!carries(unit, 9, "system", DataArguments::All), "UPPER_CASE module constant");
        assert!(carries(unit, 10, "system", DataArguments::All));
        assert!(!carries(unit, 11, "system", DataArguments::All));
    }

    #[test]
    fn methods_parse_after_dedenting_and_zero_argument_calls_carry_nothing() {
        let unit = "    def clear(self):\n        with connection.cursor() as cursor:\n            \
                    cursor.execute(\"DELETE FROM t\")\n";
        assert!(!carries(unit, 2, "cursor", DataArguments::Query));
        assert!(!carries(unit, 3, "execute", DataArguments::Query));
        assert!(carries("    def f(self, q):\n        self.db.execute(q)\n", 2, "execute", DataArguments::Query));
    }

    #[test]
    fn string_values_resolve_literals_and_single_bindings() {
        let unit = "def f(s):\n    p = r\"[a-z]+\\d\"\n    re.compile(p)\n    re.match(\"a\\\\d\" \"b\", s)\n    \
                    re.sub(s, \"\", s)\n    re.search(f\"{s}x\", s)\n";
        let calls = UnitCalls::parse(unit).unwrap();
        let sites = calls.call_sites(&["compile", "match", "sub", "search"]);
        let values: Vec<Option<String>> = sites.iter().map(|s| s.first.and_then(|a| calls.string_value(a))).collect();
        assert_eq!(values, vec![Some("[a-z]+\\d".into()), Some("a\\db".into()), None, None]);
        assert_eq!(sites[0].receiver_text, Some("re"));
        let compiled =
            UnitCalls::parse("def f(s):\n    word = re.compile(r\"\\w{2}\")\n    return word.match(s)\n").unwrap();
        let site = compiled.call_sites(&["match"])[0];
        assert_eq!(site.receiver.and_then(|r| compiled.compiled_pattern(r)), Some("\\w{2}".into()));
    }
}
