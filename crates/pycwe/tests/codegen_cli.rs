//! A registered CodeGen checkpoint goes through the whole CLI: `model add` registers it, `scan`
//! runs it, `train` fine-tunes an adapter with CodeGen's PEFT names (validating by F1 as eval
//! judges), and `eval` loads that adapter. The checkpoint is the tiny random model the CodeGen
//! reference test uses (`pycwe_model/tests/fixtures/codegen-tiny`), so its verdicts mean nothing:
//! these tests check the plumbing, the reference test checks the numbers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn checkpoint() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../pycwe_model/tests/fixtures/codegen-tiny")
}

fn pycwe(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pycwe")).env("PYCWE_CACHE", cache).args(args).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn register(cache: &Path) {
    let out = pycwe(cache, &["model", "add", "codegen-tiny", "--from", checkpoint().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Four records of the committed paper-sized set (two vulnerable, their fixed twins).
fn small_set(dir: &Path) -> PathBuf {
    let all = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/top25-500/train.jsonl"))
        .unwrap();
    let records: Vec<serde_json::Value> = all.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut picked: Vec<&serde_json::Value> = Vec::new();
    for r in records.iter().filter(|r| !r["cwes"].as_array().unwrap().is_empty()) {
        if let Some(twin) = records.iter().find(|t| t["id"] == r["twin"]) {
            picked.extend([r, twin]);
        }
        if picked.len() == 4 {
            break;
        }
    }
    let text: String = picked.iter().map(|r| format!("{r}\n")).collect();
    let path = dir.join("set");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("train.jsonl"), &text).unwrap();
    std::fs::write(path.join("valid.jsonl"), &text).unwrap();
    path
}

/// `pycwe train` on the tiny checkpoint, from `data` into `run`, with `extra` flags.
fn train(cache: &Path, data: &Path, run: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--model", "codegen-tiny", "--data", data.to_str().unwrap()];
    args.extend(["--out", run.to_str().unwrap(), "--max-len", "2048"]);
    args.extend(extra);
    pycwe(cache, &args)
}

#[test]
fn a_registered_codegen_checkpoint_scans_trains_and_evaluates() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    register(&cache);
    let list = ok(&pycwe(&cache, &["model", "list"]));
    assert!(list.lines().any(|l| l.contains("codegen-tiny") && l.contains("codegen")), "{list}");

    // Scan: the model judges every unit (no prefilter) and the answers parse into a report.
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("app.py"), "import os\n\ndef run(cmd):\n    os.system(cmd)\n").unwrap();
    let scan = ok(&Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .env("PYCWE_CACHE", &cache)
        .current_dir(&project)
        .args(["scan", "--model", "codegen-tiny", "--base", "--no-prefilter", "--no-cache", "--output-format", "json"])
        .arg("--isolated")
        .arg(".")
        .output()
        .unwrap());
    let report: serde_json::Value = serde_json::from_str(&scan).unwrap();
    assert!(report.to_string().contains("codegen-tiny"), "the report names the model: {report}");

    // `--explain` with every unit decided positive: each finding's message is the model's own.
    let explained = ok(&Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .env("PYCWE_CACHE", &cache)
        .current_dir(&project)
        .args(["scan", "--model", "codegen-tiny", "--base", "--no-prefilter", "--no-cache", "--output-format", "json"])
        .args(["--isolated", "--explain", "--min-confidence", "0", "."])
        .output()
        .unwrap());
    let report: serde_json::Value = serde_json::from_str(&explained).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "threshold 0 decodes a finding for every unit: {report}");
    for f in findings {
        let entry = pycwe_core::cwe::parse_and_lookup(f["cwe"].as_str().unwrap()).unwrap();
        let message = f["message"].as_str().unwrap();
        assert!(!message.is_empty() && !message.starts_with(&format!("{}: ", entry.short_name)), "{f}");
    }

    // Train one epoch of LoRA on four records: the adapter carries CodeGen's PEFT names.
    let data = small_set(dir.path());
    let run = dir.path().join("run");
    let out = train(&cache, &data, &run, &["--epochs", "1", "--lora-rank", "2", "--accum", "1", "--valid-f1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Validation judged the records as eval does and logged the F1 it chose the best weights by.
    let log = std::fs::read_to_string(run.join("log.jsonl")).unwrap();
    assert!(log.lines().any(|l| l.contains("\"valid_score\"")), "{log}");
    assert!(run.join("best/adapter_model.safetensors").is_file());
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("adapter_config.json")).unwrap()).unwrap();
    let mut targets: Vec<&str> =
        config["target_modules"].as_array().unwrap().iter().filter_map(|t| t.as_str()).collect();
    targets.sort();
    assert_eq!(targets, ["fc_in", "fc_out", "out_proj", "qkv_proj"]);

    // Eval with that adapter.
    let out = pycwe(
        &cache,
        &[
            "eval",
            "--model",
            "codegen-tiny",
            "--adapter",
            run.to_str().unwrap(),
            "--data",
            data.join("train.jsonl").to_str().unwrap(),
            "--no-prefilter",
            "--out",
            dir.path().join("eval").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("codegen-tiny"), "{stdout}");
}

#[test]
fn an_unknown_model_name_says_how_to_register_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = pycwe(dir.path(), &["scan", "--model", "codegen-350m-mono", "--no-cache", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pycwe model add codegen-350m-mono --from DIR"), "{err}");
}

#[test]
fn a_name_registered_again_to_other_weights_does_not_reuse_cached_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("app.py"), "import os\n\ndef run(cmd):\n    os.system(cmd)\n").unwrap();
    let scan = |cache: &Path| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_pycwe"))
            .env("PYCWE_CACHE", cache)
            .current_dir(&project)
            .args(["scan", "--model", "codegen-tiny", "--base", "--output-format", "json", "--isolated", "."])
            .output()
            .unwrap();
        serde_json::from_str(&ok(&out)).unwrap()
    };
    register(&cache);
    let first = scan(&cache);
    assert!(first["summary"]["units_judged"].as_u64().unwrap() > 0, "{first}");
    assert_eq!(scan(&cache)["summary"]["units_judged"], 0, "the same weights: all from the cache");
    // The same name, now the pickle copy of the weights: another file, another hash.
    let other = checkpoint().with_file_name("codegen-tiny-bin");
    let out = pycwe(&cache, &["model", "add", "codegen-tiny", "--from", other.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = scan(&cache);
    assert_eq!(again["summary"]["units_judged"], first["summary"]["units_judged"], "{again}");
}

#[test]
fn export_examples_writes_the_training_input_and_trains_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    register(&cache);
    let data = small_set(dir.path());
    let run = dir.path().join("run");
    let file = dir.path().join("examples.json");
    let flags = ["--top-layers", "1", "--decision-weight", "3", "--export-examples", file.to_str().unwrap()];
    let out = train(&cache, &data, &run, &[&flags[..], &["--full"]].concat());
    assert_eq!(out.status.code(), Some(2), "the reference trainer trains LoRA only");
    assert!(!file.exists());

    let out = train(&cache, &data, &run, &flags);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!run.join("log.jsonl").exists(), "exporting trains nothing");
    let spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(spec["decision_weight"], 3.0);
    assert!(!spec["prefix"].as_array().unwrap().is_empty());
    let train = spec["train"].as_array().unwrap();
    assert_eq!(spec["meta"]["training"]["examples"].as_u64().unwrap() as usize, train.len());
    assert!(!train.is_empty() && !spec["valid"].as_array().unwrap().is_empty());
    // Every answer ends with the same end-of-turn token; some answers are findings, some NONE.
    let ends: std::collections::HashSet<u64> =
        train.iter().map(|e| e["answer"].as_array().unwrap().last().unwrap().as_u64().unwrap()).collect();
    assert_eq!(ends.len(), 1, "{ends:?}");
    let lengths: std::collections::HashSet<usize> =
        train.iter().map(|e| e["answer"].as_array().unwrap().len()).collect();
    assert!(lengths.len() > 1, "findings and NONE answers differ in length: {lengths:?}");
    let layers = spec["lora"]["from_layer"].as_u64().unwrap();
    assert_eq!(spec["meta"]["training"]["from_layer"].as_u64().unwrap(), layers);
    assert!(spec["meta"]["base_sha256"].as_str().unwrap().len() == 64);
}
