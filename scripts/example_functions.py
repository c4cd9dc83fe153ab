#!/usr/bin/env python3
"""The example project as one eval record per function, labeled by its `# expect: CWE-N` markers.

Each record holds the function (decorators included, markers stripped) below all of its module's
imports, so `pycwe eval` reports each function's p(vulnerable) on its own: where the end-to-end
scan misses a planted weakness, this says whether the model's decision or its naming is at fault.

    scripts/example_functions.py > /tmp/example-functions.jsonl
    pycwe eval --data /tmp/example-functions.jsonl --adapter DIR --threshold 0.5 --out runs/eval/example-functions
"""

import ast
import json
import pathlib
import re
import sys

MARKER = re.compile(r" *# expect: (CWE-\d+)")


def records(package: pathlib.Path):
    for path in sorted(package.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        imports = [ast.get_source_segment(source, n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            body = lines[first:node.end_lineno]
            header = imports + ["", ""]
            labels: dict[str, list[int]] = {}
            for i, line in enumerate(body):
                m = MARKER.search(line)
                if m:
                    labels.setdefault(m.group(1), []).append(len(header) + i + 1)
            code = "\n".join(header + [MARKER.sub("", line) for line in body]) + "\n"
            yield {"id": f"{path.stem}.{node.name}", "code": code, "cwes": sorted(labels), "lines": labels}


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent / "examples" / "bookshelf" / "bookshelf"
    for record in records(root):
        sys.stdout.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
