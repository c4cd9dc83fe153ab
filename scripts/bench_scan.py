#!/usr/bin/env python3
"""Scan benchmark: pycwe on a pinned real codebase next to Bandit and Ruff, in the same run.

Fetches Django's sdist (`pip download --no-deps --no-binary :all: django==5.1.15`, cached in
~/.cache/pycwe/bench; the only network use besides the peers' venv from scripts/peers.py) and
scans its `django/` package (or `--subtree`, e.g. `django/contrib/auth`, for a shorter run):

- pycwe cold (empty cache), warm (every unit from the cache) and after editing one file, each
  with wall time and peak RSS; files, lines, units, units sent to the model and findings;
- Bandit and Ruff (S rules) on the same tree, as time ratios.

    scripts/bench_scan.py [--pycwe target/release/pycwe] [--subtree django/contrib/auth] [--sample 0.1 --seed 1]
        [--adapter DIR]

`--sample F` scans a seeded random share F of the tree's `.py` files (the rest deleted from the copy)
and estimates what the whole tree would report from the per-file counts (a mean-per-file estimate
with a 95% interval); Bandit runs on the sample and on the whole tree, so its actual full-tree count
checks the estimator in the same run. It also times a one-file re-scan at the whole tree's size:
the sample's files copied until there are as many as the whole tree has (the caches key on a file's
text, not its path, so every copy is answered from the real cache the cold scan filled), one of
them edited, scanned, against Bandit's time on the whole tree.

`--combine DIR...` scans nothing: it reads the runs `--sample ... --keep DIR` kept (each
`DIR/pycwe-bench-*/tree` and its `cold.json`) and estimates the whole tree's findings from the union
of their files, a file in several samples counted once (independent samples taken as one), for
the default `django` subtree (880 files); `--min-confidence T` counts only findings at or above T.

Prints a Markdown table on stdout (progress on stderr).
"""

import argparse
import collections
import glob
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402  (Bandit and Ruff, pinned, in their own venv)

DJANGO = "django==5.1.15"
CACHE = os.path.expanduser("~/.cache/pycwe/bench")
EDIT = """

def read_fixture(name):
    with open(name, encoding="utf-8") as fh:
        return fh.read()
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fetch_django():
    os.makedirs(CACHE, exist_ok=True)
    tree = os.path.join(CACHE, "django-5.1.15")
    if not os.path.isdir(tree):
        found = glob.glob(os.path.join(CACHE, "[Dd]jango-5.1.15.tar.gz"))
        if not found:
            log(f"downloading {DJANGO} (sdist) ...")
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                            DJANGO, "-d", CACHE], check=True)
            found = glob.glob(os.path.join(CACHE, "[Dd]jango-5.1.15.tar.gz"))
        with tarfile.open(found[0]) as tar:
            tar.extractall(CACHE, filter="data")
    return tree


def timed(cmd, cwd=None):
    """Runs cmd; returns (seconds, this child's peak RSS in MiB, stdout, stderr, exit code)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read().decode(), err.read().decode(), child.returncode


def pycwe_scan(pycwe, tree, cache_dir, adapter=None):
    cmd = [pycwe, "scan", "--isolated", "--cache-dir", cache_dir, "--output-format", "json", "--exit-zero", tree]
    if adapter:
        cmd[2:2] = ["--adapter", adapter]
    seconds, rss, stdout, stderr, code = timed(cmd)
    if code not in (0, 1):
        log(stderr)
        raise SystemExit(f"pycwe scan failed with exit code {code}")
    return seconds, rss, json.loads(stdout)


def count_lines(path):
    with open(path, encoding="utf-8", errors="replace") as fh:
        return sum(1 for _ in fh)


def py_files(root):
    return sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "**", "*.py"), recursive=True))


def sample_tree(copy, fraction, seed):
    """Deletes all but a seeded random share of the copy's .py files; returns (kept, total) counts."""
    files = py_files(copy)
    keep = set(random.Random(seed).sample(files, max(1, round(fraction * len(files)))))
    for rel in files:
        if rel not in keep:
            os.remove(os.path.join(copy, rel))
    return len(keep), len(files)


def estimate_total(per_file, sampled, population):
    """Mean-per-file estimate of a whole-tree count from a simple random sample of files, with a 95%
    normal interval (finite-population corrected)."""
    counts = list(per_file.values()) + [0] * (sampled - len(per_file))
    mean = sum(counts) / sampled
    var = sum((c - mean) ** 2 for c in counts) / max(1, sampled - 1)
    half = 1.96 * population * math.sqrt(var / sampled * (1 - sampled / population))
    return population * mean, max(0.0, population * mean - half), population * mean + half


def replicate(sample, dest, files, lines):
    """Copies the sample's .py files round after round (the first round at `dest/`, the next ones at
    `dest/copy-N/`) until there are at least `files` of them holding at least `lines` lines; returns
    (files, lines) as made."""
    sources = py_files(sample)
    made = made_lines = 0
    while made < files or made_lines < lines:
        round_no, index = divmod(made, len(sources))
        rel = sources[index]
        target = os.path.join(dest, f"copy-{round_no}" if round_no else "", rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(sample, rel), target)
        made += 1
        made_lines += count_lines(target)
    return made, made_lines


def bandit(bindir, path):
    """Bandit on `path`: (seconds, peak RSS MiB, its results)."""
    seconds, rss, out, _, _ = timed([os.path.join(bindir, "bandit"), "-q", "-f", "json", "-r", path])
    return seconds, rss, json.loads(out or "{}").get("results", [])


def findings_per_file(findings, run_dir):
    """Cold findings counted per file of the scanned copy, by path relative to `run_dir/tree`
    (the scan reports paths as it was given the copy, absolute or relative to where it ran)."""
    marker = os.path.basename(os.path.normpath(run_dir)) + "/tree/"
    return collections.Counter(f["path"].split(marker, 1)[-1] for f in findings)


def combine(kept_dirs, min_confidence=None, population=880):
    """The whole-tree estimate from several kept sample runs: per-file cold findings over the union
    of their sampled files, only those at or above `min_confidence` when given (a report holds every
    finding at or above its scan's threshold, so a higher one reads it exactly)."""
    counts = {}
    for kept in kept_dirs:
        runs = glob.glob(os.path.join(kept, "pycwe-bench-*"))
        if len(runs) != 1:
            print(f"error: {kept}: expected one pycwe-bench-* run, found {len(runs)}", file=sys.stderr)
            sys.exit(2)
        tree = os.path.join(runs[0], "tree")
        for rel in py_files(tree):
            counts.setdefault(rel, 0)
        with open(os.path.join(runs[0], "cold.json"), encoding="utf-8") as f:
            findings = json.load(f)["findings"]
        if min_confidence is not None:
            findings = [x for x in findings if x["confidence"] >= min_confidence]
        per_file = findings_per_file(findings, runs[0])
        for rel, n in per_file.items():
            counts[rel] = max(counts.get(rel, 0), n)
    found = {rel: n for rel, n in counts.items() if n}
    total, low, high = estimate_total(found, len(counts), population)
    print(f"{len(counts)} distinct files of {population}, {sum(found.values())} findings: "
          f"whole tree estimated at {total:.0f} (95% interval {low:.0f}-{high:.0f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pycwe", default="target/release/pycwe")
    ap.add_argument("--subtree", default="django", help="part of the sdist to scan (default: django)")
    ap.add_argument("--keep", metavar="DIR",
                    help="keep the scanned copy, the cache and each scan's JSON report in DIR (for triage)")
    ap.add_argument("--sample", type=float, help="scan only this random share of the .py files and estimate the rest")
    ap.add_argument("--seed", type=int, default=1, help="the sample's seed")
    ap.add_argument("--adapter", metavar="DIR", help="scan with this adapter instead of the shipped one")
    ap.add_argument("--combine", nargs="+", metavar="DIR",
                    help="scan nothing: estimate the whole tree from the union of these --keep runs' samples")
    ap.add_argument("--min-confidence", type=float,
                    help="with --combine: count only findings at or above this (not below the runs' own threshold)")
    args = ap.parse_args()
    if args.min_confidence is not None and not args.combine:
        ap.error("--min-confidence goes with --combine (a scan takes the shipped threshold)")
    if args.combine:
        return combine(args.combine, args.min_confidence)
    adapter = os.path.abspath(args.adapter) if args.adapter else None
    pycwe = os.path.abspath(args.pycwe)
    tree = os.path.join(fetch_django(), args.subtree)
    bindir = peers.ensure_venv()
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    work = tempfile.mkdtemp(prefix="pycwe-bench-", dir=args.keep)
    try:
        copy = os.path.join(work, "tree")
        shutil.copytree(tree, copy)
        sampled = None
        if args.sample:
            sampled = sample_tree(copy, args.sample, args.seed)
            log(f"sample: {sampled[0]} of {sampled[1]} .py files (seed {args.seed})")
            bandit_full_s, _, bandit_full_results = bandit(bindir, tree)
            bandit_full = len(bandit_full_results)
        cache_dir = os.path.join(work, "cache")
        log("pycwe cold ...")
        cold_s, cold_rss, cold = pycwe_scan(pycwe, copy, cache_dir, adapter)
        if args.keep:
            with open(os.path.join(work, "cold.json"), "w", encoding="utf-8") as out:
                json.dump(cold, out, indent=1)
            log(f"cold report kept in {work}/cold.json")
        log("pycwe warm ...")
        warm_s, warm_rss, _ = pycwe_scan(pycwe, copy, cache_dir, adapter)
        # Edit one file the way a commit does, so that exactly one unit must reach the model: add a
        # function that reads a file named by its parameter (an edit inside an existing function can
        # land in a unit the prefilter keeps back, and then nothing is judged at all).
        path = os.path.join(copy, py_files(copy)[0])
        with open(path, "a", encoding="utf-8") as out:
            out.write(EDIT)
        edited = os.path.relpath(path, copy)
        log(f"pycwe after editing {edited} ...")
        edit_s, edit_rss, edit = pycwe_scan(pycwe, copy, cache_dir, adapter)
        if sampled:
            whole_lines = sum(count_lines(os.path.join(tree, rel)) for rel in py_files(tree))
            replica = os.path.join(work, "replica")
            replica_files, replica_lines = replicate(copy, replica, sampled[1], whole_lines)
            log(f"pycwe warm on {replica_files} files (the sample's, copied) ...")
            rwarm_s, rwarm_rss, _ = pycwe_scan(pycwe, replica, cache_dir, adapter)
            with open(os.path.join(replica, edited), "a", encoding="utf-8") as out:
                out.write(EDIT.replace("read_fixture", "read_fixture_again"))
            log(f"pycwe after editing one of {replica_files} files ...")
            redit_s, redit_rss, redit = pycwe_scan(pycwe, replica, cache_dir, adapter)
        log("bandit ...")
        bandit_s, bandit_rss, bandit_results = bandit(bindir, copy)
        bandit_findings = len(bandit_results)
        log("ruff ...")
        ruff_s, ruff_rss, ruff_out, _, _ = timed([os.path.join(bindir, "ruff"), "check", "--no-cache", "--isolated",
                                                  "--select", "S", "--output-format", "json", "--exit-zero", copy])
        ruff_findings = len(json.loads(ruff_out or "[]"))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    s = cold["summary"]
    what = f" (random {sampled[0]} of {sampled[1]} .py files, seed {args.seed})" if sampled else ""
    print(f"# pycwe scan benchmark: {DJANGO} `{args.subtree}`{what}\n")
    print(f"{s['files']} files, {s['lines']} lines, {s['units']} units; {s['units_judged']} sent to the model "
          f"({s['prefiltered_out']} kept back by the prefilter); detector: {cold['tool']['detector']}\n")
    print("| run | seconds | lines/s | peak RSS MiB | units judged | findings | time vs Bandit |")
    print("|---|---:|---:|---:|---:|---:|---:|")

    def row(name, seconds, rss, judged, findings):
        print(f"| {name} | {seconds:.1f} | {s['lines'] / seconds:,.0f} | {rss:.0f} | {judged} | {findings} | "
              f"{seconds / bandit_s:.2f}x |")

    row("pycwe cold", cold_s, cold_rss, s["units_judged"], s["findings"])
    row("pycwe warm (all cached)", warm_s, warm_rss, 0, s["findings"])
    row(f"pycwe after editing `{edited}`", edit_s, edit_rss, edit["summary"]["units_judged"],
        edit["summary"]["findings"])
    row(f"Bandit ({peers.BANDIT})", bandit_s, bandit_rss, "", bandit_findings)
    row(f"Ruff S rules ({peers.RUFF})", ruff_s, ruff_rss, "", ruff_findings)
    by_cwe = {}
    for f in cold["findings"]:
        by_cwe[f["cwe"]] = by_cwe.get(f["cwe"], 0) + 1
    print("\npycwe findings by CWE (cold): " + (", ".join(f"{k} {v}" for k, v in sorted(by_cwe.items())) or "none"))
    if sampled:
        k, n = sampled
        est, lo, hi = estimate_total(findings_per_file(cold["findings"], work), k, n)
        b_est, b_lo, b_hi = estimate_total(collections.Counter(b["filename"] for b in bandit_results), k, n)
        print(f"\nWhole-tree findings estimated from the sample (mean per file x {n} files, 95% interval): "
              f"pycwe {est:.0f} ({lo:.0f}-{hi:.0f}); Bandit {b_est:.0f} ({b_lo:.0f}-{b_hi:.0f}), "
              f"actual Bandit count on the whole tree {bandit_full}.")
        print(f"\nAt the whole tree's size ({replica_files} files, {replica_lines:,} lines, against the tree's {n} files "
              f"and {whole_lines:,} lines: the sample's files copied, "
              f"every copy answered from the cache by its text), against Bandit on the whole tree "
              f"({bandit_full_s:.1f} s):\n")
        print("| run | seconds | peak RSS MiB | units judged | time vs Bandit (whole tree) |")
        print("|---|---:|---:|---:|---:|")
        print(f"| pycwe warm (all cached) | {rwarm_s:.1f} | {rwarm_rss:.0f} | 0 | {rwarm_s / bandit_full_s:.2f}x |")
        print(f"| pycwe after editing one file | {redit_s:.1f} | {redit_rss:.0f} | {redit['summary']['units_judged']} | "
              f"{redit_s / bandit_full_s:.2f}x |")


if __name__ == "__main__":
    main()
