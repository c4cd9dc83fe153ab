#!/usr/bin/env python3
"""Static baselines for `pycwe eval`: Bandit and Ruff's security rules (S) on a labeled JSONL set.

Installs pinned Bandit and Ruff into their own venv (~/.cache/pycwe/peers-venv; the only network
use), writes each record's code to a file, runs the tool, maps its findings to CWE ids, and hands
the per-record predictions to `pycwe eval --from-predictions`, so the metrics are computed by the
same code as the models' and land in the same metrics.json format.

    scripts/peers.py --data data/top25-500/test.jsonl --out runs/eval/top25-random [--pycwe target/release/pycwe]

Mapping: Bandit reports a CWE per issue; Ruff's S rules are ports of Bandit's tests (S608 = B608)
and take that test's CWE. Ids outside pycwe's reportable catalog are mapped to the catalog entry
that covers them when one does (CWE-259 -> CWE-798, CWE-330 -> CWE-338, CWE-80 -> CWE-79,
yaml.load's CWE-20 -> CWE-502, the XML parsers' CWE-20 -> CWE-611) and dropped otherwise (e.g.
CWE-703 try/except/pass, CWE-605 binding to 0.0.0.0): those are not weaknesses pycwe's task asks for.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv

BANDIT = "bandit==1.8.6"
RUFF = "ruff==0.14.0"
VENV = os.path.expanduser("~/.cache/pycwe/peers-venv")

# Bandit test id -> CWE, from Bandit's own issue metadata (bandit/plugins, bandit/blacklists).
BANDIT_CWE = {
    "B102": 78, "B103": 732, "B104": 605, "B105": 259, "B106": 259, "B107": 259, "B108": 377,
    "B110": 703, "B112": 703, "B113": 400, "B201": 94, "B202": 22, "B301": 502, "B302": 502,
    "B303": 327, "B304": 327, "B305": 327, "B306": 377, "B307": 78, "B308": 79, "B310": 22,
    "B311": 330, "B312": 319, "B313": 20, "B314": 20, "B315": 20, "B316": 20, "B317": 20,
    "B318": 20, "B319": 20, "B320": 20, "B321": 319, "B323": 295, "B324": 327, "B501": 295,
    "B502": 327, "B503": 327, "B504": 327, "B505": 326, "B506": 20, "B507": 295, "B508": 319,
    "B509": 319, "B601": 78, "B602": 78, "B603": 78, "B604": 78, "B605": 78, "B606": 78,
    "B607": 78, "B608": 89, "B609": 78, "B610": 89, "B611": 89, "B612": 94, "B613": 838,
    "B614": 502, "B615": 494, "B701": 94, "B702": 80, "B703": 80, "B704": 80,
}
XML_TESTS = {"B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320"}
REPORTABLE = {22, 77, 78, 79, 89, 90, 94, 113, 117, 200, 269, 284, 287, 295, 306, 327, 328, 338, 352,
              377, 400, 434, 502, 601, 611, 639, 643, 770, 798, 862, 863, 918, 1333, 1336}
REMAP = {259: 798, 330: 338, 80: 79}


def to_catalog(test_id, cwe):
    if test_id == "B506" or test_id == "S506":
        return 502
    if test_id in XML_TESTS or test_id.replace("S", "B") in XML_TESTS:
        return 611
    cwe = REMAP.get(cwe, cwe)
    return cwe if cwe in REPORTABLE else None


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        venv.create(VENV, with_pip=True)
    subprocess.run([py, "-m", "pip", "install", "-q", BANDIT, RUFF], check=True)
    return os.path.join(VENV, "bin")


def run_bandit(bindir, folder):
    out = subprocess.run([os.path.join(bindir, "bandit"), "-q", "-f", "json", "-r", folder],
                         capture_output=True, text=True)
    found = []
    for r in json.loads(out.stdout or "{}").get("results", []):
        cwe = to_catalog(r["test_id"], (r.get("issue_cwe") or {}).get("id") or BANDIT_CWE.get(r["test_id"], 0))
        conf = {"HIGH": 0.9, "MEDIUM": 0.6, "LOW": 0.3}.get(r.get("issue_confidence"), 0.5)
        found.append((r["filename"], cwe, r["line_number"], conf))
    return found


def run_ruff(bindir, folder):
    out = subprocess.run([os.path.join(bindir, "ruff"), "check", "--no-cache", "--isolated", "--select", "S",
                          "--output-format", "json", "--exit-zero", folder], capture_output=True, text=True)
    found = []
    for r in json.loads(out.stdout or "[]"):
        code = r.get("code") or ""
        bandit_id = "B" + code[1:]
        cwe = to_catalog(code, BANDIT_CWE.get(bandit_id, 0))
        found.append((r["filename"], cwe, r["location"]["row"], 1.0))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="JSONL records (code, cwes) or a dataset dir (its test.jsonl)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--pycwe", default="target/release/pycwe")
    args = ap.parse_args()
    data = os.path.join(args.data, "test.jsonl") if os.path.isdir(args.data) else args.data
    records = [json.loads(l) for l in open(data, encoding="utf-8") if l.strip()]
    bindir = ensure_venv()
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for i, r in enumerate(records):
            path = os.path.join(folder, f"r{i:05d}.py")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(r["code"])
            names[os.path.realpath(path)] = i
        for tool, runner in (("bandit", run_bandit), ("ruff", run_ruff)):
            started = time.time()
            found = runner(bindir, folder)
            seconds = time.time() - started
            per = [[] for _ in records]
            for filename, cwe, line, conf in found:
                i = names.get(os.path.realpath(filename))
                if i is not None and cwe is not None:
                    per[i].append([f"CWE-{cwe}", line, conf])
            preds = os.path.join(args.out, tool, "predictions.jsonl")
            os.makedirs(os.path.dirname(preds), exist_ok=True)
            with open(preds, "w", encoding="utf-8") as fh:
                for r, p in zip(records, per):
                    fh.write(json.dumps({"id": r.get("id", ""), "predicted": p}) + "\n")
            version = BANDIT if tool == "bandit" else RUFF
            subprocess.run([args.pycwe, "eval", "--data", data, "--from-predictions", preds,
                            "--name", f"{version} ({seconds:.1f} s)", "--threshold", "0.0",
                            "--out", os.path.join(args.out, tool)], check=True, stdout=sys.stderr)
            print(os.path.join(args.out, tool, "from-predictions", "metrics.json"))


if __name__ == "__main__":
    main()
