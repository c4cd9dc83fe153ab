//! The robustness probe's rewrites on the whole synthetic test split: CPython accepts every
//! rewritten module, and every labeled line still holds the same statement (renamed at most).

mod support;

use pycwe_core::dataset::record::read_jsonl;
use pycwe_core::perturb::{Perturbation, perturb};

#[test]
fn every_rewrite_of_every_test_record_parses_and_keeps_its_labeled_lines() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/top25-500/test.jsonl");
    let records = read_jsonl(&path).unwrap();
    let mut codes = Vec::new();
    let mut moved_any = false;
    for p in Perturbation::ALL {
        for r in &records {
            let out = perturb(r, p);
            let old: Vec<&str> = r.code.lines().collect();
            let new: Vec<&str> = out.code.lines().collect();
            for (cwe, lines) in &r.lines {
                for (before, after) in lines.iter().zip(&out.lines[cwe]) {
                    moved_any |= before != after;
                    let (a, b) = (old[before - 1].trim(), new[after - 1].trim());
                    assert!(
                        a == b || (p == Perturbation::Rename && b.replace("_impl", "") == a.replace("_impl", "")),
                        "{} {}: line {before} `{a}` became line {after} `{b}`",
                        p.name(),
                        r.id
                    );
                }
            }
            // `docstring` writes into function bodies only: module-level code gets nothing.
            if p != Perturbation::Rename && (p != Perturbation::Docstring || r.code.contains("def ")) {
                assert!(new.len() > old.len(), "{} {}: nothing inserted", p.name(), r.id);
            }
            codes.push((format!("{} {}", p.name(), r.id), out.code));
        }
    }
    assert!(moved_any, "insertions move labeled lines");
    let refs: Vec<(String, &str)> = codes.iter().map(|(n, c)| (n.clone(), c.as_str())).collect();
    let rejected = support::cpython_rejects(&refs);
    assert!(rejected.is_empty(), "{rejected}");
}
