//! The generated dataset as a whole: coverage of every reportable CWE, the paper's split sizes,
//! twins kept together, no duplicates, no label words, the leak and shortcut limits, determinism,
//! and CPython accepting every example.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};

use pycwe_core::cwe::reportable;
use pycwe_core::dataset::audit::MAX_SHORTCUT_F1;
use pycwe_core::dataset::build::{BuildOptions, Dataset, build};
use pycwe_core::dataset::card::{MAX_FAMILY_NEAR_COPY_SHARE, NEAR_COPY_JACCARD};
use pycwe_core::dataset::leak::find_label_leaks;
use pycwe_core::dataset::recipes::RecipeSet;
use pycwe_core::dataset::record::Record;
use pycwe_core::dataset::split::{Split, family_group};

fn paper_sized() -> Dataset {
    build(&BuildOptions { size: 500, seed: 1, recipes: RecipeSet::Core }, &[])
}

fn per_cwe_counts(records: &[Record]) -> BTreeMap<String, (usize, usize)> {
    let by_id: HashMap<&str, &Record> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in records {
        if r.is_vulnerable() {
            for c in &r.cwes {
                counts.entry(c.clone()).or_default().0 += 1;
            }
        } else if let Some(twin) = r.twin.as_deref().and_then(|t| by_id.get(t)) {
            for c in &twin.cwes {
                counts.entry(c.clone()).or_default().1 += 1;
            }
        }
    }
    counts
}

fn assert_coverage(records: &[Record], minimum: usize) {
    let counts = per_cwe_counts(records);
    for entry in reportable() {
        let (v, s) = counts.get(&entry.id.to_string()).copied().unwrap_or_default();
        assert!(v >= minimum && s >= minimum, "{}: {v} vulnerable and {s} safe, want {minimum} of each", entry.id);
    }
}

#[test]
fn paper_sized_set_covers_every_reportable_cwe_and_splits_like_the_paper() {
    let d = paper_sized();
    assert_eq!(d.records.len(), 500);
    assert_coverage(&d.records, 8);
    let r = &d.random;
    assert_eq!((r.train.len(), r.valid.len(), r.test.len()), (360, 40, 100));
    for split in [&d.random, &d.family] {
        let sizes = split.train.len() + split.valid.len() + split.test.len();
        assert_eq!(sizes, 500);
        assert_twins_together(split);
    }
    let groups = |rs: &[Record]| rs.iter().map(family_group).collect::<HashSet<_>>();
    assert!(groups(&d.family.train).is_disjoint(&groups(&d.family.test)), "a family group straddles train and test");
}

fn assert_twins_together(split: &Split) {
    let side: HashMap<&str, &str> =
        split.parts().iter().flat_map(|(name, rs)| rs.iter().map(move |r| (r.id.as_str(), *name))).collect();
    for (id, name) in &side {
        let twin =
            split.parts().iter().flat_map(|(_, rs)| rs.iter()).find(|r| r.id == *id).and_then(|r| r.twin.clone());
        if let Some(twin) = twin {
            assert_eq!(side.get(twin.as_str()), Some(name), "{id} and its twin {twin} are split apart");
        }
    }
}

#[test]
fn leak_shortcut_and_label_limits_hold() {
    let d = paper_sized();
    let family = &d.card.leak["family"];
    assert_eq!(family.threshold, NEAR_COPY_JACCARD);
    assert!(
        family.over_threshold as f64 <= MAX_FAMILY_NEAR_COPY_SHARE * family.test_items as f64,
        "{} of {} family-test items are near copies of training items",
        family.over_threshold,
        family.test_items
    );
    let audit = &d.card.shortcut_audit;
    assert!(audit.binary_f1 <= MAX_SHORTCUT_F1, "shortcut audit F1 {:.3} > {MAX_SHORTCUT_F1}", audit.binary_f1);
    for r in &d.records {
        assert!(find_label_leaks(&r.code).is_empty(), "{}: {:?}", r.id, find_label_leaks(&r.code));
        for (cwe, lines) in &r.lines {
            assert!(!lines.is_empty(), "{}: {cwe} has no line", r.id);
            assert!(lines.iter().all(|&l| l >= 1 && l <= r.code.lines().count()), "{}: line out of range", r.id);
        }
        assert_eq!(r.lines.len(), r.cwes.len(), "{}: every CWE has its lines", r.id);
    }
    let normalized: HashSet<String> =
        d.records.iter().map(|r| r.code.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(normalized.len(), d.records.len(), "whitespace-normalized duplicates");
}

#[test]
fn the_same_seed_gives_the_same_dataset_and_another_seed_does_not() {
    let a = paper_sized();
    let b = paper_sized();
    assert_eq!(a.records, b.records);
    assert_eq!(a.family, b.family);
    let c = build(&BuildOptions { size: 500, seed: 2, recipes: RecipeSet::Core }, &[]);
    assert_ne!(a.records, c.records);
}

#[test]
fn cpython_parses_every_example() {
    let d = paper_sized();
    let codes: Vec<(String, &str)> = d.records.iter().map(|r| (r.id.clone(), r.code.as_str())).collect();
    let rejected = support::cpython_rejects(&codes);
    assert!(rejected.is_empty(), "CPython rejects:\n{rejected}");
}

#[test]
fn five_thousand_examples_cover_every_cwe_eighty_times() {
    let pairs = pycwe_core::dataset::generate::generate_pairs(2500, 1, RecipeSet::Core);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in &pairs {
        for c in &p.cwes {
            *counts.entry(c.to_string()).or_default() += 1;
        }
    }
    for entry in reportable() {
        let n = counts.get(&entry.id.to_string()).copied().unwrap_or(0);
        assert!(n >= 80, "{}: {n} pairs at --size 5000, want 80", entry.id);
    }
}

#[test]
fn committed_paper_sized_set_is_what_the_generator_builds() {
    use pycwe_core::dataset::human_review::read_log;
    use pycwe_core::dataset::record::to_jsonl;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/top25-500");
    let reviews = read_log(&dir.join("review.jsonl")).unwrap();
    assert!(reviews.len() >= 100, "the committed review log holds {} entries", reviews.len());
    let d = build(&BuildOptions { size: 500, seed: 1, recipes: RecipeSet::Core }, &reviews);
    for (sub, split) in [("", &d.random), ("family", &d.family)] {
        for (name, records) in split.parts() {
            let committed = std::fs::read_to_string(dir.join(sub).join(format!("{name}.jsonl"))).unwrap();
            assert!(
                committed == to_jsonl(records),
                "data/top25-500/{sub}/{name}.jsonl is stale: rebuild it with \
                 `pycwe dataset build --size 500 --seed 1 --out data/top25-500`"
            );
        }
    }
    assert_eq!(d.card.review.reviewed, 100, "every reviewed entry still matches a record");
}
