#!/usr/bin/env python3
"""The end-to-end test's rule (crates/pycwe/tests/example_project.rs) at several thresholds.

Copies `examples/bookshelf` with every `# expect: CWE-N` marker stripped, scans the copy once at a
low `--min-confidence`, and for each threshold counts the markers found (same file, same CWE, within
one line) and the strays (findings matching no marker). The test passes at a threshold when at least
80% are found and there is at most one stray for every four markers. Opens no network connection.

    scripts/example_score.py [--pycwe target/release/pycwe] [--adapter DIR] [--thresholds 0.5,0.4,0.3]
"""

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

MARKER = re.compile(r"  # expect: (CWE-\d+)")
ROOT = pathlib.Path(__file__).resolve().parent.parent


def strip(example: pathlib.Path, copy: pathlib.Path):
    """Copies the project without its markers; returns [(relative path, line, CWE)]."""
    markers = []
    shutil.copytree(example, copy)
    for path in sorted(copy.rglob("*.py")):
        rel = path.relative_to(copy).as_posix()
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            m = MARKER.search(line)
            if m:
                markers.append((rel, i + 1, m.group(1)))
                lines[i] = line[: m.start()]
        path.write_text("\n".join(lines), encoding="utf-8")
    return markers


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pycwe", default=str(ROOT / "target/release/pycwe"))
    ap.add_argument("--adapter", help="adapter directory (default: the shipped adapter)")
    ap.add_argument("--thresholds", default="0.5,0.4,0.3")
    ap.add_argument("--example", default=str(ROOT / "examples/bookshelf"))
    args = ap.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp) / "bookshelf"
        markers = strip(pathlib.Path(args.example), copy)
        cmd = [args.pycwe, "scan", "--no-cache", "--output-format", "json", "--min-confidence", str(min(thresholds)), "."]
        if args.adapter:
            cmd[2:2] = ["--adapter", str(pathlib.Path(args.adapter).resolve())]
        out = subprocess.run(cmd, cwd=copy, capture_output=True, text=True)
        if out.returncode not in (0, 1):
            sys.exit(f"error: {' '.join(cmd)} exited {out.returncode}:\n{out.stderr}")
        findings = [
            (f["path"].removeprefix("./"), f["line"], f["cwe"], f["confidence"]) for f in json.loads(out.stdout)["findings"]
        ]

    def hits(m, f):
        return m[0] == f[0] and m[2] == f[2] and abs(m[1] - f[1]) <= 1

    print(f"| threshold | found (of {len(markers)}) | strays | test passes |")
    print("|---:|---:|---:|---|")
    for t in thresholds:
        kept = [f for f in findings if f[3] >= t]
        found = [m for m in markers if any(hits(m, f) for f in kept)]
        strays = [f for f in kept if not any(hits(m, f) for m in markers)]
        passes = len(found) * 10 >= len(markers) * 8 and len(strays) * 4 <= len(markers)
        print(f"| {t:g} | {len(found)} | {len(strays)} | {'yes' if passes else 'no'} |")
    print()
    for f in sorted(findings, key=lambda f: (f[0], f[1], f[2])):
        marked = any(hits(m, f) for m in markers)
        print(f"- {f[0]}:{f[1]} {f[2]} [{f[3]:.2f}] {'marker' if marked else 'stray'}")
    for m in markers:
        if not any(hits(m, f) for f in findings):
            print(f"- missed {m[0]}:{m[1]} {m[2]}")


if __name__ == "__main__":
    main()
