//! The README's main job, as a test: scan a copy of `examples/bookshelf` with every
//! `# expect: CWE-N` marker stripped (the model must not read the answers) using the shipped
//! adapter, and require at least 80% of the marked weaknesses found (same file, same CWE, within
//! one line) with at most one finding for every four markers outside them.

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;

/// Copies `from` into `to` with the markers removed; returns (relative path, line, CWE) per marker.
fn strip_markers(from: &Path, to: &Path, rel: &Path, out: &mut Vec<(String, usize, String)>) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, name) = (entry.path(), entry.file_name());
        let (dst, rel) = (to.join(&name), rel.join(&name));
        if src.is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            strip_markers(&src, &dst, &rel, out);
            continue;
        }
        let text = std::fs::read_to_string(&src).unwrap();
        if src.extension().is_none_or(|e| e != "py") {
            std::fs::write(&dst, text).unwrap();
            continue;
        }
        let mut stripped = String::new();
        for (i, line) in text.split_inclusive('\n').enumerate() {
            match line.find("  # expect: ") {
                Some(at) => {
                    let cwe = line[at + "  # expect: ".len()..].trim().to_string();
                    out.push((rel.to_string_lossy().replace('\\', "/"), i + 1, cwe));
                    stripped.push_str(&line[..at]);
                    stripped.push('\n');
                }
                None => stripped.push_str(line),
            }
        }
        std::fs::write(&dst, stripped).unwrap();
    }
}

#[test]
fn the_shipped_adapter_finds_the_example_projects_weaknesses() {
    support::ensure_model();
    let example: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bookshelf");
    let dir = tempfile::tempdir().unwrap();
    let mut markers = Vec::new();
    strip_markers(&example, dir.path(), Path::new(""), &mut markers);
    assert!(markers.len() >= 8, "the example seeds at least eight weaknesses: {markers:?}");
    let copy = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(copy > 0);
    let out = Command::new(env!("CARGO_BIN_EXE_pycwe"))
        .args(["scan", "--no-cache", "--output-format", "json", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<(String, usize, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().trim_start_matches("./").to_string(),
                f["line"].as_u64().unwrap() as usize,
                f["cwe"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let hits =
        |m: &(String, usize, String), f: &(String, usize, String)| m.0 == f.0 && m.2 == f.2 && m.1.abs_diff(f.1) <= 1;
    let found: Vec<_> = markers.iter().filter(|m| findings.iter().any(|f| hits(m, f))).collect();
    let strays: Vec<_> = findings.iter().filter(|f| !markers.iter().any(|m| hits(m, f))).collect();
    let missed: Vec<_> = markers.iter().filter(|m| !findings.iter().any(|f| hits(m, f))).collect();
    assert!(
        found.len() * 10 >= markers.len() * 8,
        "found {} of {} markers; missed {missed:?}; strays {strays:?}",
        found.len(),
        markers.len()
    );
    assert!(strays.len() * 4 <= markers.len(), "{} strays for {} markers: {strays:?}", strays.len(), markers.len());
}
