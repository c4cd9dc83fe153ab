//! `pycwe chunks` on real modules of Python's standard library finds one unit per function, method
//! and class, with the lines CPython's own `ast` gives (def line, decorator start, end line).
//! CPython is the reference, so this test needs `python3`; it fails (never skips) without it.

use std::collections::BTreeSet;
use std::process::Command;

/// Prints one JSON row per def/class outside any function body: [qualified name, first line
/// (decorators included), def line, end line].
const AST_SCRIPT: &str = r#"
import ast, json, sys
rows = []
def visit(node, prefix):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([d.lineno for d in child.decorator_list] + [child.lineno])
            rows.append([prefix + child.name, first, child.lineno, child.end_lineno])
            if isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
        elif not isinstance(child, ast.Lambda):
            visit(child, prefix)
path = sys.argv[1]
visit(ast.parse(open(path, encoding="utf-8").read()), "")
print(json.dumps(rows))
"#;

type Row = (String, u64, u64, u64);

fn stdlib_file(module: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", &format!("import {module} as m; print(m.__file__)")])
        .output()
        .expect("python3 is required: CPython's ast is this test's reference");
    assert!(out.status.success(), "python3 cannot import {module}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn ast_rows(path: &str) -> BTreeSet<Row> {
    let out = Command::new("python3").args(["-c", AST_SCRIPT, path]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<(String, u64, u64, u64)> = serde_json::from_slice(&out.stdout).unwrap();
    rows.into_iter().collect()
}

fn pycwe_rows(path: &str) -> BTreeSet<Row> {
    let out =
        Command::new(env!("CARGO_BIN_EXE_pycwe")).args(["chunks", "--output-format", "json", path]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    files[0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] != "module")
        .map(|u| {
            let n = |v: &serde_json::Value| v.as_u64().unwrap();
            (u["name"].as_str().unwrap().to_string(), n(&u["extent"][0]), n(&u["def_line"]), n(&u["extent"][1]))
        })
        .collect()
}

#[test]
fn units_match_cpython_ast_on_stdlib_modules() {
    for module in ["json.decoder", "argparse", "dataclasses", "asyncio.base_events", "email._header_value_parser"] {
        let path = stdlib_file(module);
        let expected = ast_rows(&path);
        let actual = pycwe_rows(&path);
        assert!(expected.len() > 5, "{module}: too few definitions to be a meaningful check");
        let missing: Vec<_> = expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        assert!(missing.is_empty() && extra.is_empty(), "{module}: missing {missing:?}\nextra {extra:?}");
    }
}
