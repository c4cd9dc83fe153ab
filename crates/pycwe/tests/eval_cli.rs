//! `pycwe eval --from-predictions`: another tool's verdicts scored by the same metrics code, with
//! `metrics.json` written, and bad prediction files named in the error.

use std::process::Command;

mod support;

fn write_set(dir: &std::path::Path) -> std::path::PathBuf {
    let data = dir.join("set.jsonl");
    std::fs::write(
        &data,
        concat!(
            r#"{"id": "a", "code": "x = 1\n", "cwes": ["CWE-89"], "lines": {"CWE-89": [1]}, "twin": "b"}"#,
            "\n",
            r#"{"id": "b", "code": "x = 2\n", "cwes": [], "twin": "a"}"#,
            "\n",
            r#"{"id": "c", "code": "x = 3\n", "cwes": ["CWE-78"]}"#,
            "\n",
            r#"{"id": "d", "code": "x = 4\n", "cwes": []}"#,
            "\n",
        ),
    )
    .unwrap();
    data
}

#[test]
fn external_predictions_are_scored_like_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_set(dir.path());
    let preds = dir.path().join("preds.jsonl");
    std::fs::write(
        &preds,
        "{\"id\": \"a\", \"predicted\": [[\"CWE-89\", 1, 0.9]]}\n{\"id\": \"b\", \"predicted\": [[\"CWE-89\", 1, 0.4]]}\n\
         {\"id\": \"c\", \"predicted\": []}\n{\"id\": \"d\", \"predicted\": []}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(["eval", "--data"])
        .arg(&data)
        .arg("--from-predictions")
        .arg(&preds)
        .args(["--name", "tool", "--threshold", "0.5", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/from-predictions/metrics.json")).unwrap())
            .unwrap();
    // At 0.5: a flagged (tp), b not (tn: 0.4 < 0.5), c missed (fn), d clean (tn).
    let b = &m["metrics"]["binary"];
    assert_eq!(
        (b["tp"].as_u64(), b["fp"].as_u64(), b["tn"].as_u64(), b["fn"].as_u64()),
        (Some(1), Some(0), Some(2), Some(1))
    );
    assert_eq!(b["precision"], 1.0);
    assert_eq!(b["recall"], 0.5);
    assert_eq!(m["metrics"]["line_hit_rate"], 1.0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("| tool | 4 | 75.00 | 100.00 | 50.00 |"));
}

#[test]
fn a_prediction_file_of_the_wrong_length_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_set(dir.path());
    let preds = dir.path().join("preds.jsonl");
    std::fs::write(&preds, "{\"predicted\": []}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(["eval", "--data"])
        .arg(&data)
        .arg("--from-predictions")
        .arg(&preds)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 prediction lines for 4 records"));
}

#[test]
fn the_robustness_probe_rejudges_rewritten_records_and_counts_flips() {
    support::ensure_model();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("set.jsonl");
    std::fs::write(
        &data,
        concat!(
            r#"{"id": "v", "code": "import os\n\n\ndef run(cmd):\n    os.system(\"ls \" + cmd)\n", "cwes": ["CWE-78"], "lines": {"CWE-78": [5]}}"#,
            "\n",
            r#"{"id": "s", "code": "import subprocess\n\n\ndef run(cmd):\n    subprocess.run([\"ls\", cmd])\n", "cwes": []}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(["eval", "--data"])
        .arg(&data)
        .args(["--perturb", "injection,docstring,rename", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/shipped/metrics.json")).unwrap()).unwrap();
    let rows = metrics["perturbations"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["rewrite"], "injection");
    for row in rows {
        assert_eq!(row["flips"]["items"], 2);
        let flipped = row["flips"]["flipped"].as_u64().unwrap();
        assert!(flipped >= row["flips"]["silenced"].as_u64().unwrap() + row["flips"]["raised"].as_u64().unwrap());
        assert!(flipped <= 2);
        // The model is shown neither comments nor docstrings (prompt v4): the words cannot reach it.
        if row["rewrite"] != "rename" {
            assert_eq!(flipped, 0, "{row}");
        }
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("| injection | 2 |"), "{stdout}");

    let bad = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(["eval", "--data"])
        .arg(&data)
        .args(["--perturb", "shuffle"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--perturb shuffle"));
}
