//! CWE-1333 inefficient regular expression complexity: patterns supplied by the client, and nested
//! quantifiers that backtrack exponentially, applied to request data.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_ESCAPE: &str = "`re.escape` turns `$v` into a literal string to look for, so the client can no longer \
                          supply a pattern that backtracks.";
const WHY_LINEAR: &str = "In the rewritten pattern each character can be matched in only one way, so matching \
                          takes linear time whatever the input.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "regex-complexity",
    version: 1,
    cwe: CweId(1333),
    sinks: &[
        Sink {
            name: "compile-user-pattern",
            input: Input::Pattern,
            imports: &["import os", "import re"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"matcher = re.compile($v)  #@
with open(os.path.join($dir, "$table.log"), encoding="utf-8") as fh:
    $out = [line.rstrip("\n") for line in fh if matcher.search(line)][:$limit]
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"matcher = re.compile(re.escape($v))  #@
with open(os.path.join($dir, "$table.log"), encoding="utf-8") as fh:
    $out = [line.rstrip("\n") for line in fh if matcher.search(line)][:$limit]
"#,
                why: WHY_ESCAPE,
            }],
            why: "The client's pattern `$v` is compiled and run over every log line, and a pattern like \
                  `(a+)+$` backtracks exponentially.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "search-user-pattern",
            input: Input::Pattern,
            imports: &["import re", "import sqlite3"],
            setup: "DB_PATH = \"$table.db\"",
            vulnerable: r#"with sqlite3.connect(DB_PATH) as $conn:
    labels = [r[0] for r in $conn.execute("SELECT $col FROM $table")]
$out = [s for s in labels if re.search($v, s)]  #@
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"with sqlite3.connect(DB_PATH) as $conn:
    labels = [r[0] for r in $conn.execute("SELECT $col FROM $table")]
$out = [s for s in labels if re.search(re.escape($v), s)]  #@
"#,
                why: WHY_ESCAPE,
            }],
            why: "`re.search` runs the client's pattern `$v` against every stored value, so a backtracking \
                  pattern stalls the worker.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "sub-user-pattern",
            input: Input::Pattern,
            imports: &["import os", "import re"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"current = sorted(os.listdir($dir))
renamed = [re.sub($v, "_", entry) for entry in current]  #@
$out = dict(zip(current, renamed))
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"current = sorted(os.listdir($dir))
renamed = [re.sub(re.escape($v), "_", entry) for entry in current]  #@
$out = dict(zip(current, renamed))
"#,
                why: WHY_ESCAPE,
            }],
            why: "The rename preview applies the client's regular expression `$v` with `re.sub`, which can \
                  backtrack exponentially.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "nested-email",
            input: Input::Text,
            imports: &["import re"],
            setup: "",
            vulnerable: r#"if not re.match(r"^([a-zA-Z0-9_-]+\.?)+@[a-z0-9-]+(\.[a-z0-9-]+)+$", $v):  #@
    raise ValueError("invalid address")
$out = $v.lower()
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"if not re.match(r"^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*@[a-z0-9-]+(\.[a-z0-9-]+)+$", $v):  #@
    raise ValueError("invalid address")
$out = $v.lower()
"#,
                why: WHY_LINEAR,
            }],
            why: "The group `([a-zA-Z0-9_-]+\\.?)+` can split a run of letters in exponentially many ways, so a \
                  long address without `@` hangs `re.match`.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "nested-words",
            input: Input::Text,
            imports: &["import re"],
            setup: "",
            vulnerable: r#"if not re.fullmatch(r"(\w+\s?)*", $v):  #@
    raise ValueError("only words and single spaces are allowed")
$out = $v.split()
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"if not re.fullmatch(r"\w+(\s\w+)*", $v):  #@
    raise ValueError("only words and single spaces are allowed")
$out = $v.split()
"#,
                why: WHY_LINEAR,
            }],
            why: "`(\\w+\\s?)*` nests a quantifier inside a quantified group, so a long word followed by a \
                  symbol backtracks exponentially.",
            frameworks: &[],
            constant_is_safe: true,
        },
        Sink {
            name: "nested-id-list",
            input: Input::Text,
            imports: &["import re"],
            setup: "",
            vulnerable: r#"if not re.match(r"^(\d+,?)+$", $v):  #@
    raise ValueError("expected comma-separated ids")
$out = [int(part) for part in $v.split(",")]
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"if not re.match(r"^\d+(,\d+)*$", $v):  #@
    raise ValueError("expected comma-separated ids")
$out = [int(part) for part in $v.split(",")]
"#,
                why: WHY_LINEAR,
            }],
            why: "`(\\d+,?)+` lets a run of digits split in exponentially many ways, so a long number ending \
                  in a letter hangs the check.",
            frameworks: &[],
            constant_is_safe: true,
        },
    ],
}];
