//! Privacy is the point: `scan`, `eval` and `train` open no network socket. Each runs under
//! `strace -f -e trace=network` and the trace must hold no internet socket (`AF_INET`/`AF_INET6`)
//! and no `connect` at all. Only `model pull` (pip) and explicit fetch scripts use the network.

use std::path::Path;
use std::process::Command;

mod support;
use support::ensure_model;

/// Runs pycwe with `args` under strace in `dir`; returns the network calls it made.
fn network_calls(args: &[&str], dir: &Path) -> Vec<String> {
    let trace = dir.join("strace.log");
    let out = Command::new("strace")
        .args(["-f", "-e", "trace=network", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_pycwe"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("this test needs strace (apt-get install strace)");
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 1)), "pycwe {args:?} failed ({code:?}): {}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .filter(|l| l.contains("AF_INET") || l.contains("connect("))
        .map(str::to_string)
        .collect()
}

#[test]
fn scan_eval_and_train_open_no_network_socket() {
    ensure_model();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), "import os\n\n\ndef run(cmd):\n    os.system(\"ls \" + cmd)\n").unwrap();
    let records = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/top25-500/test.jsonl");
    let first_two: String =
        std::fs::read_to_string(records).unwrap().lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("set.jsonl"), first_two).unwrap();

    let scan = network_calls(&["scan", "--no-cache", "app.py"], dir.path());
    assert!(scan.is_empty(), "scan: {scan:?}");
    let eval = network_calls(&["eval", "--data", "set.jsonl"], dir.path());
    assert!(eval.is_empty(), "eval: {eval:?}");
    let train = network_calls(
        &[
            "train",
            "--data",
            "set.jsonl",
            "--out",
            "run",
            "--epochs",
            "1",
            "--max-len",
            "256",
            "--lora-top-layers",
            "2",
        ],
        dir.path(),
    );
    assert!(train.is_empty(), "train: {train:?}");
    assert!(dir.path().join("run/adapter_model.safetensors").is_file(), "train ran to the end");
}
