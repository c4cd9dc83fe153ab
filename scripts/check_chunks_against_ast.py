#!/usr/bin/env python3
"""Compare `pycwe chunks` with CPython's `ast` over a whole tree of Python files.

For every file CPython can parse, the set of (qualified name, first line incl. decorators, def line,
end line) of each def/class outside a function body must equal what pycwe reports for its
function, method and class units. Prints mismatches and a summary line.

Usage: scripts/check_chunks_against_ast.py [--pycwe target/release/pycwe] [ROOT]
(ROOT defaults to this interpreter's standard library.)
"""
import argparse
import ast
import glob
import json
import os
import subprocess
import sys


def ast_rows(path):
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None
    rows = set()

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                rows.add((prefix + child.name, first, child.lineno, child.end_lineno))
                if isinstance(child, ast.ClassDef):
                    visit(child, prefix + child.name + ".")
            elif not isinstance(child, ast.Lambda):
                visit(child, prefix)

    visit(tree, "")
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pycwe", default="target/release/pycwe")
    parser.add_argument("root", nargs="?", default=os.path.dirname(os.__file__))
    args = parser.parse_args()
    files = sorted(f for f in glob.glob(os.path.join(args.root, "**", "*.py"), recursive=True)
                   if "site-packages" not in f)
    checked = mismatched = unreadable = 0
    for i in range(0, len(files), 200):
        batch = files[i:i + 200]
        run = subprocess.run([args.pycwe, "chunks", "--output-format", "json", *batch], capture_output=True)
        unreadable += run.stderr.decode(errors="replace").count("error:")
        for view in json.loads(run.stdout):
            expected = ast_rows(view["path"])
            if expected is None:
                continue
            checked += 1
            actual = {(u["name"], u["extent"][0], u["def_line"], u["extent"][1])
                      for u in view["units"] if u["kind"] != "module"}
            if actual != expected:
                mismatched += 1
                print(view["path"], "ast only:", sorted(expected - actual)[:3],
                      "pycwe only:", sorted(actual - expected)[:3])
    print(f"{checked} files checked, {mismatched} mismatched, {unreadable} refused by pycwe (not UTF-8 etc.)")
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
