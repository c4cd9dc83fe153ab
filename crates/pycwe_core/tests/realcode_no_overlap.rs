//! The real-code set (`data/realcode/`) is for measurement only: no record of it may be a near copy
//! (token 5-gram Jaccard > 0.5) of anything the generator produces, and the generator never reads it.

use std::path::Path;

use pycwe_core::dataset::generate::generate_pairs;
use pycwe_core::dataset::record::read_jsonl;
use pycwe_core::dataset::similarity::{jaccard, shingles};

const NEAR_COPY: f64 = 0.5;

#[test]
fn no_realcode_record_is_a_near_copy_of_generated_data() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/realcode/test.jsonl");
    let real = read_jsonl(&path).expect("data/realcode/test.jsonl is committed");
    assert!(real.len() >= 80, "the real-code set has {} records", real.len());
    // The --size 5000 set: every recipe variant many times over.
    let generated: Vec<Vec<u64>> = generate_pairs(2500, 1, pycwe_core::dataset::recipes::RecipeSet::Varied)
        .iter()
        .flat_map(|p| [shingles(&p.vulnerable.code), shingles(&p.fixed.code)])
        .collect();
    for record in &real {
        let s = shingles(&record.code);
        let nearest = generated.iter().map(|g| jaccard(&s, g)).fold(0.0, f64::max);
        assert!(nearest <= NEAR_COPY, "{} is a near copy of a generated example (Jaccard {nearest:.2})", record.id);
    }
}

#[test]
fn the_generator_does_not_read_the_realcode_set() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dataset");
    for entry in walk(&src) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(!text.contains("realcode"), "{} mentions the real-code set", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
