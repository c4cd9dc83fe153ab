//! `pycwe dataset build` and `pycwe dataset review` end to end: files written, review log filled in
//! and applied on rebuild, bad sizes refused.

use std::path::Path;
use std::process::Command;

fn pycwe(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pycwe")).args(args).output().expect("the pycwe binary runs")
}

fn card(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("card.json")).unwrap()).unwrap()
}

#[test]
fn build_writes_both_splits_and_a_card() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("d");
    let run = pycwe(&["dataset", "build", "--size", "60", "--seed", "3", "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    for name in [
        "train.jsonl",
        "valid.jsonl",
        "test.jsonl",
        "family/train.jsonl",
        "family/valid.jsonl",
        "family/test.jsonl",
        "card.md",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    assert_eq!(card(&out)["size"], 60);
    let mut total = 0;
    for split in ["train", "valid", "test"] {
        for line in std::fs::read_to_string(out.join(format!("{split}.jsonl"))).unwrap().lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(record["code"].is_string() && record["cwes"].is_array());
            total += 1;
        }
    }
    assert_eq!(total, 60);
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".pycwe-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
}

#[test]
fn review_log_is_written_filled_and_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("d");
    let dir = out.to_str().unwrap();
    assert!(pycwe(&["dataset", "build", "--size", "40", "--seed", "5", "--out", dir]).status.success());
    let run = pycwe(&["dataset", "review", dir, "--sample", "4", "--reviewer", "tester"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(String::from_utf8_lossy(&run.stdout).matches("=== ").count(), 4);
    let log_path = out.join("review.jsonl");
    let mut entries: Vec<serde_json::Value> =
        std::fs::read_to_string(&log_path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e["verdict"].is_null() && e["reviewer"] == "tester"));
    // Accept three, reject one: the rebuild marks three reviewed and drops the rejected pair.
    for (i, e) in entries.iter_mut().enumerate() {
        e["verdict"] = if i == 0 { "reject".into() } else { "accept".into() };
    }
    let text: String = entries.iter().map(|e| e.to_string() + "\n").collect();
    std::fs::write(&log_path, text).unwrap();
    assert!(pycwe(&["dataset", "build", "--size", "40", "--seed", "5", "--out", dir]).status.success());
    let card = card(&out);
    assert_eq!(card["size"], 40);
    assert_eq!(card["review"]["dropped"]["rejected_by_reviewer"], 1);
    assert_eq!(card["review"]["log_accepted"], 3);
    let reviewed = card["review"]["reviewed"].as_u64().unwrap();
    assert!((1..=3).contains(&reviewed), "reviewed {reviewed}");
}

#[test]
fn a_size_below_two_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let run = pycwe(&["dataset", "build", "--size", "1", "--out", tmp.path().to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--size must be at least 2"));
}
