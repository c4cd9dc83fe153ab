#!/usr/bin/env python3
"""Build pycwe's real-code development set from the pins in pins.json.

For every pin (one advisory of one PyPI package) the affected and the fixed release are downloaded
as sdists with pip, the pinned file is read from each archive and every named function is cut out
with `ast`. The affected version of a function becomes a vulnerable record (the pin's CWE, with the
lines the fix removed or changed), the fixed version its safe twin. A second part samples functions
from pinned releases of mature, widely reviewed packages as unverified negatives.

Writes, under --out (default data/realcode):
  pairs.jsonl   the vulnerable/fixed twins
  mature.jsonl  the mature-code negatives
  test.jsonl    both, so `pycwe eval --data data/realcode` reads everything

This set measures detectors on real code; nothing may ever train on it.

Usage: python3 scripts/realcode/build.py [--out DIR] [--cache DIR] [--pins FILE]
The download cache defaults to $PYCWE_CACHE/realcode, else ~/.cache/pycwe/realcode (never the repo).
Standard library only (Python 3.11). Fails loudly, naming the pin, when a function is missing,
unchanged between the two versions, or changed only in its docstring or comments.
"""

import argparse
import ast
import difflib
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PINS = Path(__file__).resolve().with_name("pins.json")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".zip")
# Functions longer than this are left out of the mature sample (pins are checked by hand instead).
MATURE_MAX_LINES = 150
MATURE_SKIP_PARTS = {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks"}


class BuildError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Download and read sdists


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def default_cache():
    base = os.environ.get("PYCWE_CACHE")
    return Path(base) / "realcode" if base else Path.home() / ".cache" / "pycwe" / "realcode"


def find_sdist(cache, package, version):
    for path in sorted(cache.iterdir()) if cache.is_dir() else []:
        for suffix in ARCHIVE_SUFFIXES:
            if path.name.endswith(suffix):
                stem = path.name[: -len(suffix)]
                name, _, ver = stem.rpartition("-")
                if canonical(name) == canonical(package) and ver == version:
                    return path
    return None


def download(cache, package, version):
    """The sdist of package==version, downloaded into cache unless it is there already."""
    found = find_sdist(cache, package, version)
    if found:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    spec = f"{package}=={version}"
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q"]
    attempts = [
        base + ["--no-binary", ":all:", spec, "-d", str(cache)],
        # pip prepares the sdist's metadata before it keeps the file; where a build dependency
        # (e.g. a backend plugin) cannot itself be built from source, let only the build
        # dependencies come as wheels. The package itself is still fetched as its sdist.
        base + ["--no-binary", package, spec, "-d", str(cache)],
    ]
    errors = []
    for cmd in attempts:
        flag = " ".join(cmd[cmd.index("--no-binary") :][:2])
        print(f"  pip download {spec} ({flag})", file=sys.stderr)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        found = find_sdist(cache, package, version)
        if found:
            return found
        lines = proc.stderr.strip().splitlines()
        errors.append(lines[-1] if lines else f"exit status {proc.returncode}")
    raise BuildError(f"{spec}: pip could not download the sdist ({' / '.join(errors)})")


class Sdist:
    """Read-only view of an sdist archive. The archive is read once, in memory: the Python files'
    text is kept, nothing is extracted to disk."""

    _recent = {}  # path -> Sdist, the last few opened (pins of one package share archives)

    @classmethod
    def open(cls, path):
        if path not in cls._recent:
            if len(cls._recent) >= 4:
                cls._recent.pop(next(iter(cls._recent)))
            cls._recent[path] = cls(path)
        return cls._recent[path]

    def __init__(self, path):
        self.path = path
        contents = {}
        names = []
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        names.append(info.filename)
                        if info.filename.endswith(".py"):
                            contents[info.filename] = archive.read(info)
        else:
            with tarfile.open(path, "r|*") as archive:  # one sequential pass, no seeking
                for member in archive:
                    if member.isfile():
                        names.append(member.name)
                        if member.name.endswith(".py"):
                            contents[member.name] = archive.extractfile(member).read()
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1:
            raise BuildError(f"{path.name}: expected one top-level folder, found {sorted(tops)[:5]}")
        self.top = tops.pop()
        self.files = sorted(n.split("/", 1)[1] for n in names if "/" in n)
        self._contents = contents

    def read(self, rel):
        """The text of a Python file, by its path inside the sdist's top-level folder."""
        data = self._contents.get(f"{self.top}/{rel}")
        if data is None:
            raise BuildError(f"{self.path.name}: no Python file {rel}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise BuildError(f"{self.path.name}: {rel} is not UTF-8: {e}")


# ---------------------------------------------------------------------------------------------
# Cutting functions out of a module


def walk_units(tree):
    """(qualified name, def node, [enclosing class nodes]) of every function and method outside a
    function body, looking through module-level if/try/with blocks. First definition wins."""
    found = {}

    def visit(body, prefix, classes):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.setdefault(prefix + node.name, (node, classes))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, prefix + node.name + ".", classes + [node])
            elif isinstance(node, (ast.If, ast.Try, ast.With)) or type(node).__name__ == "TryStar":
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, []), prefix, classes)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body, prefix, classes)

    visit(tree.body, "", [])
    return found


def class_header(cls, lines):
    """The `class X(...):` line of a class, as in the source where it fits on one line."""
    line = lines[cls.lineno - 1]
    body_start = cls.body[0].lineno
    if cls.body[0].__dict__.get("decorator_list"):
        body_start = min([body_start] + [d.lineno for d in cls.body[0].decorator_list])
    if body_start > cls.lineno and line.rstrip().endswith(":"):
        return line.rstrip()
    indent = line[: len(line) - len(line.lstrip())]
    args = [ast.unparse(b) for b in cls.bases] + [ast.unparse(k) for k in cls.keywords]
    return f"{indent}class {cls.name}({', '.join(args)}):" if args else f"{indent}class {cls.name}:"


def docstring_lines(node):
    """0-based line offsets, within the function text, of the function's docstring."""
    first = node.body[0] if node.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return set(range(first.lineno, first.end_lineno + 1))
    return set()


class Module:
    """A parsed source file, from which functions are cut out (parsed once, used many times)."""

    def __init__(self, source, where):
        self.where = where
        self.source = source
        try:
            self.tree = ast.parse(source)
        except SyntaxError as e:
            raise BuildError(f"{where}: the file does not parse on Python {sys.version_info[:2]}: {e}")
        self.lines = source.splitlines()
        self.units = walk_units(self.tree)
        self.imports = []
        for stmt in self.tree.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                segment = self.lines[stmt.lineno - 1 : stmt.end_lineno]
                segment[-1] = segment[-1][: stmt.end_col_offset]
                segment[0] = segment[0][stmt.col_offset :]
                self.imports.extend(segment)

    def unit(self, qualname):
        if qualname not in self.units:
            raise BuildError(f"{self.where}: no function {qualname}")
        return Unit(self, qualname)


class Unit:
    """One function cut out of a module, rendered as a small module of its own: the module's
    top-level imports, then the enclosing class headers (for a method), then the function."""

    def __init__(self, module, qualname):
        self.qualname = qualname
        node, classes = module.units[qualname]
        lines = module.lines
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        func = lines[start - 1 : node.end_lineno]
        headers = [class_header(c, lines) for c in classes]
        # Dedent by the outermost block's indentation (a def inside a module-level `if`).
        first = headers[0] if headers else func[0]
        cut = len(first) - len(first.lstrip())

        def dedent(line):
            return line[cut:] if line[:cut].strip() == "" else line

        prefix = module.imports + ([""] if module.imports else []) + [dedent(h) for h in headers]
        self.func_lines = [dedent(line).rstrip() for line in func]
        self.offset = len(prefix)  # func_lines[i] is line offset + i + 1 of code
        self.code = "\n".join(prefix + self.func_lines) + "\n"
        self.docstring = {n - start for n in docstring_lines(node)}
        self.body_start = node.body[0].lineno - start  # offset of the first body statement
        self.signature = set(range(node.lineno - start, self.body_start))
        self.length = len(func)
        try:
            ast.parse(self.code)
        except SyntaxError as e:
            raise BuildError(f"{module.where}: the extracted {qualname} does not parse: {e}")


def is_code(line):
    s = line.strip()
    return bool(s) and not s.startswith("#")


def changed_lines(old, new):
    """1-based lines of `old.code` that the fix removed or changed (difflib over the function
    text). A hunk that only adds code marks the code lines on either side of the insertion point
    (within the body), where the missing step belonged. The `def` signature, docstring, comment
    and blank lines are never marked (new parameters are plumbing, not the weakness)."""
    a = [line.rstrip() for line in old.func_lines]
    b = [line.rstrip() for line in new.func_lines]
    marked = set()

    def eligible(i):
        return 0 <= i < len(a) and i not in old.docstring and i not in old.signature and is_code(a[i])

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        hit = [i for i in range(i1, i2) if eligible(i)]
        if hit:  # code the fix removed or changed
            marked.update(hit)
            continue
        # Only additions (or comment/blank lines replaced by code). New parameters mark nothing.
        added = [b[j] for j in range(j1, j2) if j not in new.docstring and is_code(b[j])]
        if not added or i1 < old.body_start:
            continue
        # The missing step sat between the code lines on either side of the insertion point.
        after = next((i for i in range(i2, len(a)) if eligible(i)), None)
        before = next((i for i in range(i1 - 1, old.body_start - 1, -1) if eligible(i)), None)
        marked.update(i for i in (before, after) if i is not None)
    return sorted(old.offset + i + 1 for i in marked)


# ---------------------------------------------------------------------------------------------
# Records


def dump(records):
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)


def build_pairs(pins, cache):
    records = []
    counters = {}
    seen = set()
    for pin in pins:
        package, advisory, cwe = pin["package"], pin["advisory"], pin["cwe"]
        label = f"pin {package} {pin['affected']}->{pin['fixed']} {advisory} ({pin['file']})"
        if not re.fullmatch(r"CWE-\d+", cwe):
            raise BuildError(f"{label}: bad cwe {cwe!r}")
        if not re.fullmatch(r"(CVE-\d{4}-\d+|GHSA(-[23456789cfghjmpqrvwx]{4}){3})", advisory):
            raise BuildError(f"{label}: bad advisory id {advisory!r}")
        modules = {}
        for key in ("affected", "fixed"):
            try:
                source = Sdist.open(download(cache, package, pin[key])).read(pin["file"])
            except BuildError as e:
                raise BuildError(f"{label}: {e}")
            modules[key] = Module(source, f"{label} {key} {pin[key]}")
        if not pin["functions"]:
            raise BuildError(f"{label}: no functions named")
        for qualname in pin["functions"]:
            if (package, advisory, pin["file"], qualname) in seen:
                raise BuildError(f"{label}: {qualname} listed twice")
            seen.add((package, advisory, pin["file"], qualname))
            old = modules["affected"].unit(qualname)
            new = modules["fixed"].unit(qualname)
            if old.func_lines == new.func_lines:
                raise BuildError(f"{label}: {qualname} is identical in both versions")
            lines = changed_lines(old, new)
            if not lines:
                raise BuildError(f"{label}: {qualname} changed only in docstring, comments or blank lines")
            slug = canonical(package)
            counters[slug] = counters.get(slug, 0) + 1
            base = f"realcode-{slug}-{counters[slug]}"
            common = {
                "explanation": pin["why"],
                "family": f"realcode/{slug}",
            }
            for suffix, twin, unit, version, vulnerable in (
                ("v", "s", old, pin["affected"], True),
                ("s", "v", new, pin["fixed"], False),
            ):
                record = {
                    "id": f"{base}-{suffix}",
                    "code": unit.code,
                    "cwes": [cwe] if vulnerable else [],
                }
                if vulnerable:
                    record["lines"] = {cwe: lines}
                record.update(common)
                record["twin"] = f"{base}-{twin}"
                record["origin"] = {"recipe": f"realcode:{advisory}", "version": 1, "seed": 0}
                record["review"] = {
                    "status": "reviewed",
                    "checks": ["advisory-and-diff"],
                    "reviewer": "realcode-pins",
                    "verdict": "accept",
                }
                record["source"] = {
                    "package": package,
                    "version": version,
                    "advisory": advisory,
                    "file": pin["file"],
                    "function": qualname,
                }
                records.append(record)
    return records


def mature_units(sdist, root, where):
    units = []
    for rel in sdist.files:
        if not rel.endswith(".py") or not rel.startswith(root.rstrip("/") + "/"):
            continue
        parts = rel.split("/")
        if (
            MATURE_SKIP_PARTS.intersection(parts[:-1])
            or parts[-1].startswith("test_")
            or parts[-1] == "conftest.py"
        ):
            continue
        module = Module(sdist.read(rel), f"{where} {rel}")
        for qualname in sorted(module.units):
            units.append((rel, qualname, module))
    return sorted(units, key=lambda u: (u[0], u[1]))


def build_mature(mature, cache, total):
    records = []
    if not mature:
        return records
    share, extra = divmod(total, len(mature))
    per_package = [share + (1 if i < extra else 0) for i in range(len(mature))]
    for entry, quota in zip(mature, per_package):
        package, version = entry["package"], entry["version"]
        where = f"mature {package}=={version}"
        sdist = Sdist.open(download(cache, package, version))
        candidates = []
        for rel, qualname, module in mature_units(sdist, entry["root"], where):
            unit = module.unit(qualname)
            if unit.length <= MATURE_MAX_LINES:
                candidates.append((rel, qualname, unit))
        if len(candidates) < quota:
            raise BuildError(f"{where}: only {len(candidates)} functions under {entry['root']}")
        # Every k-th unit (k fractional), sorted by (file, name): deterministic and spread out.
        picks = [candidates[(i * len(candidates)) // quota] for i in range(quota)]
        slug = canonical(package)
        for n, (rel, qualname, unit) in enumerate(picks, 1):
            records.append(
                {
                    "id": f"mature-{slug}-{n}",
                    "code": unit.code,
                    "cwes": [],
                    "explanation": (
                        f"Unmodified function from {package} {version}, a widely used and reviewed "
                        "release; assumed free of the catalog's weaknesses (not checked by hand)."
                    ),
                    "family": f"mature/{slug}",
                    "origin": {"recipe": f"mature:{slug}", "version": 1, "seed": 0},
                    "review": {"status": "unverified", "checks": [], "reviewer": None, "verdict": None},
                    "source": {
                        "package": package,
                        "version": version,
                        "advisory": None,
                        "file": rel,
                        "function": qualname,
                    },
                }
            )
    return records


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "data" / "realcode")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--pins", type=Path, default=DEFAULT_PINS)
    args = parser.parse_args(argv)
    cache = (args.cache or default_cache()).expanduser().resolve()
    if cache == REPO or REPO in cache.parents:
        parser.error(f"the cache must be outside the repository: {cache}")
    config = json.loads(args.pins.read_text(encoding="utf-8"))
    try:
        pairs = build_pairs(config["pins"], cache)
        mature = build_mature(config["mature"], cache, config.get("mature_sample_size", 150))
    except BuildError as e:
        print(f"build.py: error: {e}", file=sys.stderr)
        return 1
    ids = [r["id"] for r in pairs + mature]
    if len(ids) != len(set(ids)):
        print("build.py: error: duplicate record ids", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pairs.jsonl").write_text(dump(pairs), encoding="utf-8")
    (args.out / "mature.jsonl").write_text(dump(mature), encoding="utf-8")
    (args.out / "test.jsonl").write_text(dump(pairs + mature), encoding="utf-8")
    cwes = {}
    for r in pairs:
        for c in r["cwes"]:
            cwes[c] = cwes.get(c, 0) + 1
    print(
        f"{len(config['pins'])} pins, {len(pairs) // 2} function pairs ({len(pairs)} records), "
        f"{len(cwes)} CWEs, {len(mature)} mature negatives -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
