//! CLI snapshots: stdout, stderr and exit code of each command, run on the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../pycwe_core/tests/fixtures/python")
}

/// Runs `pycwe ARGS` in the fixtures folder (so paths print relative) and renders everything it did.
fn pycwe(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(args)
        .current_dir(fixtures())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the pycwe binary runs");
    format!(
        "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        out.status.code().map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn explain_text() {
    insta::assert_snapshot!(pycwe(&["explain", "CWE-89"]));
}

#[test]
fn explain_contextual_and_not_applicable_entries() {
    insta::assert_snapshot!(pycwe(&["explain", "352"]));
    insta::assert_snapshot!(pycwe(&["explain", "cwe-787"]));
}

#[test]
fn explain_json() {
    insta::assert_snapshot!(pycwe(&["explain", "CWE-22", "--output-format", "json"]));
}

#[test]
fn explain_unknown_or_malformed_id_exits_2() {
    insta::assert_snapshot!(pycwe(&["explain", "CWE-31337"]));
    insta::assert_snapshot!(pycwe(&["explain", "SQLi"]));
}

#[test]
fn cwe_list_editions() {
    insta::assert_snapshot!(pycwe(&["cwe", "list"]));
    insta::assert_snapshot!(pycwe(&["cwe", "list", "--edition", "2024"]));
    insta::assert_snapshot!(pycwe(&["cwe", "list", "--all"]));
}

#[test]
fn cwe_list_json_parses_back() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_pycwe")).args(["cwe", "list", "--output-format", "json"]).output().unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 25);
    assert_eq!(rows[0]["id"], "CWE-79");
    assert_eq!(rows[0]["rank"], 1);
    assert_eq!(rows[24]["id"], "CWE-770");
}

#[test]
fn cwe_list_unknown_edition_exits_2() {
    insta::assert_snapshot!(pycwe(&["cwe", "list", "--edition", "1999"]));
}

#[test]
fn chunks_text_and_json() {
    insta::assert_snapshot!(pycwe(&["chunks", "classes.py", "decorators.py"]));
    insta::assert_snapshot!(pycwe(&["chunks", "--output-format", "json", "nested.py"]));
}

#[test]
fn chunks_windows_with_a_budget() {
    insta::assert_snapshot!(pycwe(&["chunks", "--budget", "300", "--overlap", "1", "long_lines.py"]));
}

#[test]
fn chunks_warns_on_syntax_errors_and_keeps_going_past_bad_files() {
    insta::assert_snapshot!(pycwe(&["chunks", "syntax_error.py", "missing.py", "non_utf8.py", "binary.py", "bom.py"]));
}

#[test]
fn chunks_missing_file_exits_2() {
    insta::assert_snapshot!(pycwe(&["chunks", "does_not_exist.py"]));
}

#[test]
fn a_closed_stdout_exits_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(["cwe", "list", "--all", "--output-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // like `| head -0`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
