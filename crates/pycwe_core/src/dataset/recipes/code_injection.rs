//! CWE-94 code injection: input run as Python code (`eval`, `compile`, `DataFrame.query`) or
//! choosing the module that gets imported.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_LITERAL: &str =
    "`ast.literal_eval` only accepts Python literals, so `$v` is parsed as data and never executed.";
const WHY_JSON: &str = "`json.loads` parses `$v` as data; nothing in it is executed.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "code-eval",
    version: 1,
    cwe: CweId(94),
    sinks: &[
        Sink {
            name: "eval-literal",
            input: Input::Text,
            imports: &["from operator import itemgetter"],
            setup: "",
            vulnerable: r#"points = eval($v)  #@
$out = {"count": len(points), "total": sum(map(itemgetter(1), points))}
"#,
            fixed: &[
                Fix {
                    imports: &["import ast"],
                    body: r#"points = ast.literal_eval($v)  #@
$out = {"count": len(points), "total": sum(map(itemgetter(1), points))}
"#,
                    why: WHY_LITERAL,
                },
                Fix {
                    imports: &["import json"],
                    body: r#"points = json.loads($v)  #@
$out = {"count": len(points), "total": sum(map(itemgetter(1), points))}
"#,
                    why: WHY_JSON,
                },
            ],
            why: "`eval` runs `$v` as a Python expression, so a caller can call `__import__(\"os\")` and run anything.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "eval-payload",
            input: Input::Payload,
            imports: &["from collections import ChainMap"],
            setup: "DEFAULTS = {\"page_size\": $limit, \"theme\": \"light\", \"digest\": \"weekly\"}",
            vulnerable: r#"overrides = eval($v.decode("utf-8"))  #@
$out = {"updated": sorted(overrides), "effective": dict(ChainMap(overrides, DEFAULTS))}
"#,
            fixed: &[
                Fix {
                    imports: &["import json"],
                    body: r#"overrides = json.loads($v)  #@
$out = {"updated": sorted(overrides), "effective": dict(ChainMap(overrides, DEFAULTS))}
"#,
                    why: WHY_JSON,
                },
                Fix {
                    imports: &["import ast"],
                    body: r#"overrides = ast.literal_eval($v.decode("utf-8"))  #@
$out = {"updated": sorted(overrides), "effective": dict(ChainMap(overrides, DEFAULTS))}
"#,
                    why: WHY_LITERAL,
                },
            ],
            why: "The request body `$v` is decoded and passed to `eval`, so it runs as Python code.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "eval-arithmetic",
            input: Input::Text,
            imports: &["import re"],
            setup: "",
            vulnerable: r#"left, op_symbol, right = re.split(r"\s+", $v.strip(), maxsplit=2)
$out = eval(f"{float(left)} {op_symbol} {float(right)}")  #@
"#,
            fixed: &[Fix {
                imports: &["import operator"],
                body: r#"left, op_symbol, right = re.split(r"\s+", $v.strip(), maxsplit=2)
arithmetic = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
if op_symbol not in arithmetic:  #@
    raise ValueError("unsupported operator")
$out = arithmetic[op_symbol](float(left), float(right))  #@
"#,
                why: "The operator taken from `$v` only selects a function from a fixed `operator` table; nothing is evaluated.",
            }],
            why: "The operator part of `$v` is pasted into a string passed to `eval`, so it can hold any Python expression.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "eval-formula",
            input: Input::Pattern,
            imports: &["import ast"],
            setup: "",
            vulnerable: r#"variables = {"price": 12.5, "qty": 3, "discount": 0.1}
tree = ast.parse($v, mode="eval")
$out = eval(compile(tree, "<formula>", "eval"), {"__builtins__": {}}, variables)  #@
"#,
            fixed: &[Fix {
                imports: &["import operator"],
                body: r#"variables = {"price": 12.5, "qty": 3, "discount": 0.1}
tree = ast.parse($v, mode="eval")
binary_ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
def _evaluate(node):  #@
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name) and node.id in variables:
        return variables[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in binary_ops:
        return binary_ops[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError("unsupported expression")
$out = _evaluate(tree.body)  #@
"#,
                why: "The formula is parsed with `ast` and only numbers, known variables and four arithmetic operators are evaluated.",
            }],
            why: "The parsed formula `$v` is compiled and run by `eval`; parsing it first and emptying `__builtins__` do not stop attribute walks such as `().__class__.__base__`.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "eval-sort-key",
            input: Input::Text,
            imports: &["from dataclasses import dataclass"],
            setup: r#"@dataclass
class $model:
    id: int
    $col: str
    created: int


RECORDS = [$model(1, "north", 1700000000), $model(2, "south", 1700086400), $model(3, "east", 1700172800)]"#,
            vulnerable: r#"sort_key = eval(f"lambda item: item.{$v}")  #@
$out = [vars(r) for r in sorted(RECORDS, key=sort_key)]
"#,
            fixed: &[
                Fix {
                    imports: &["import operator"],
                    body: r#"if $v not in ("id", "$col", "created"):  #@
    raise ValueError("unknown sort field")
sort_key = operator.attrgetter($v)  #@
$out = [vars(r) for r in sorted(RECORDS, key=sort_key)]
"#,
                    why: "`$v` must name one of the record's fields and is looked up with `attrgetter`, so no code is built from it.",
                },
                Fix {
                    imports: &["import operator"],
                    body: r#"sort_key = operator.attrgetter($v)  #@
$out = [vars(r) for r in sorted(RECORDS, key=sort_key)]
"#,
                    why: "`attrgetter` only looks up the attribute named by `$v`; no source code is built or evaluated.",
                },
            ],
            why: "`$v` is pasted into a lambda's source and evaluated, so it can append any expression to the attribute access.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "import-module",
            input: Input::Text,
            imports: &["import importlib"],
            setup: "",
            vulnerable: r#"exporter = importlib.import_module($v)  #@
$out = exporter.render([{"id": 1, "$col": "$entity"}])
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"exporters = {"csv": "app.exporters.csv_export", "json": "app.exporters.json_export", "xlsx": "app.exporters.xlsx_export"}
if $v not in exporters:  #@
    raise ValueError("unknown export format")
exporter = importlib.import_module(exporters[$v])  #@
$out = exporter.render([{"id": 1, "$col": "$entity"}])
"#,
                why: "`$v` only picks a module path from a fixed table, so no other module can be imported.",
            }],
            why: "`$v` names the module to import, so a caller can load any importable module and run its top-level code.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "pandas-query",
            input: Input::Pattern,
            imports: &["import os", "import pandas as pd"],
            setup: "",
            vulnerable: r#"frame = pd.read_csv(os.path.join("$dirpath", "$table.csv"))
subset = frame.query($v)  #@
$out = subset.head($limit).to_dict(orient="records")
"#,
            fixed: &[Fix {
                imports: &["import operator", "import re"],
                body: r#"frame = pd.read_csv(os.path.join("$dirpath", "$table.csv"))
parsed = re.fullmatch(r"\s*(\w+)\s*(==|!=|>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*", $v)
if parsed is None or parsed.group(1) not in frame.columns:  #@
    raise ValueError("filters look like: column > 10")
comparisons = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
column, op_symbol, number = parsed.groups()
subset = frame[comparisons[op_symbol](frame[column], float(number))]  #@
$out = subset.head($limit).to_dict(orient="records")
"#,
                why: "The filter is parsed into a known column, a comparison from a fixed table and a number; pandas never evaluates `$v`.",
            }],
            why: "`DataFrame.query` evaluates `$v` as an expression, and `@` references let it reach Python objects and call them.",
            frameworks: &[],
            constant_is_safe: false,
        },
    ],
}];
