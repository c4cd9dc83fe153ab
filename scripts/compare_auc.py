#!/usr/bin/env python3
"""Paired bootstrap of the ROC AUC difference between two `pycwe eval` runs on the same records.

Each run's `predictions.jsonl` holds a record's id, its labels (`truth`) and `p_vulnerable`. The
bootstrap resamples twin pairs (ids that differ only by a trailing `-v`/`-s`), the unit the
real-code set is built from, and scores both runs on every resample, so the interval is for the
difference itself rather than two overlapping intervals. Used for the shipping rule in
docs/RESULTS.md §6 ("Session 19").

    scripts/compare_auc.py CANDIDATE/predictions.jsonl SHIPPED/predictions.jsonl [--reps 10000] [--seed 0]
"""
import argparse
import json
import random
import re
import sys


def load(path):
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out[r["id"]] = (1 if r["truth"] else 0, float(r["p_vulnerable"]))
    return out


def auc(items):
    """Mann-Whitney AUC with ties counted half."""
    pos = [p for y, p in items if y]
    neg = [p for y, p in items if not y]
    if not pos or not neg:
        return None
    ranked = sorted((p, y) for y, p in items)
    ranks = {}
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        ranks[ranked[i][0]] = (i + j + 1) / 2  # mean 1-based rank of the tie block
        i = j
    rank_sum = sum(ranks[p] for p in pos)
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("candidate")
    ap.add_argument("reference")
    ap.add_argument("--reps", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    a, b = load(args.candidate), load(args.reference)
    if set(a) != set(b):
        sys.exit(f"error: the runs judged different records ({len(set(a) ^ set(b))} ids differ)")
    groups = {}
    for rid in sorted(a):
        groups.setdefault(re.sub(r"-[vs]$", "", rid), []).append(rid)
    keys = sorted(groups)
    rng = random.Random(args.seed)
    diffs = []
    for _ in range(args.reps):
        ids = [rid for k in (rng.choice(keys) for _ in keys) for rid in groups[k]]
        da, db = auc([a[i] for i in ids]), auc([b[i] for i in ids])
        if da is not None and db is not None:
            diffs.append(da - db)
    diffs.sort()
    lo, hi = diffs[int(0.025 * len(diffs))], diffs[int(0.975 * len(diffs)) - 1]
    full_a, full_b = auc(list(a.values())), auc(list(b.values()))
    print(f"records {len(a)}, groups {len(keys)}, resamples {len(diffs)}")
    print(f"AUC candidate {full_a:.3f}, reference {full_b:.3f}, difference {full_a - full_b:+.3f} "
          f"(95% paired bootstrap interval {lo:+.3f} to {hi:+.3f}); "
          f"share of resamples where the candidate is lower: {sum(d < 0 for d in diffs) / len(diffs):.2f}")


if __name__ == "__main__":
    main()
