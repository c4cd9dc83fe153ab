//! Pairs written into real functions (`dataset build --carriers DIR`): every sink that fits a plain
//! function, written into the fixture carriers (several draws each), passes review and CPython parses
//! it; the twins keep the carrier and differ by the sink; and the pairs that are not carried render as
//! without a corpus; mature negatives (`--mature-negatives`) go to the training split only.

mod support;

use std::collections::HashSet;
use std::path::Path;

use pycwe_core::dataset::build::{BuildOptions, build, build_with_carriers, build_with_corpus};
use pycwe_core::dataset::card::card_markdown;
use pycwe_core::dataset::carriers::{Corpus, carried_pair, fits_carrier};
use pycwe_core::dataset::mature::is_mature;
use pycwe_core::dataset::recipe::Recipe;
use pycwe_core::dataset::recipes::{RecipeSet, all_recipes};
use pycwe_core::dataset::review::review_pair;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn fixture_corpus() -> Corpus {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/carriers");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("fixture folder") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy().to_string();
        sources.push((name, std::fs::read_to_string(&path).expect("text")));
    }
    Corpus::from_sources(sources)
}

#[test]
fn the_fixture_corpus_yields_functions_and_methods() {
    let corpus = fixture_corpus();
    assert_eq!(corpus.files, 2);
    let origins: Vec<&str> = corpus.carriers.iter().map(|c| c.origin.as_str()).collect();
    // Left out: `summary` (its only parameter is an `int`), `names` (no parameter), `with_tag` and
    // `Notebook.__init__` (three lines: too short to be code around a sink).
    assert_eq!(
        origins,
        [
            "cli_helpers.py:9",
            "cli_helpers.py:20",
            "cli_helpers.py:35",
            "cli_helpers.py:40",
            "notes.py:36",
            "notes.py:54",
            "notes.py:63"
        ]
    );
}

#[test]
fn every_fitting_sink_written_into_the_carriers_passes_review_and_cpython_parses_it() {
    let corpus = fixture_corpus();
    let mut failures = Vec::new();
    let mut codes: Vec<(String, String)> = Vec::new();
    let mut sinks_seen: HashSet<String> = HashSet::new();
    let mut sinks_fitting: HashSet<String> = HashSet::new();
    for recipe in all_recipes() {
        let Recipe::Taint { name, sinks, .. } = recipe else { continue };
        let fitting = sinks.iter().filter(|s| fits_carrier(s)).count();
        if fitting == 0 {
            continue;
        }
        sinks_fitting.extend(sinks.iter().filter(|s| fits_carrier(s)).map(|s| format!("{name}/{}/carrier", s.name)));
        // Enough draws to meet every fitting sink of the recipe in several carriers.
        for seed in 0..(fitting as u64 * 12) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let pair = carried_pair(&mut rng, 0, recipe, &corpus).expect("the recipe has a fitting sink");
            sinks_seen.insert(pair.family.clone());
            if let Err(rejection) = review_pair(&pair) {
                failures.push(format!("{} seed {seed}: {}: {}", pair.family, rejection.check, rejection.detail));
            }
            let (v, f) = (&pair.vulnerable, &pair.fixed);
            assert!(!v.marked.is_empty(), "{}: no labeled line", pair.family);
            // The carrier's own lines are in both twins.
            let shared = v.code.lines().filter(|l| f.code.lines().any(|m| m == *l)).count();
            assert!(shared >= 4, "{}: the twins share only {shared} lines", pair.family);
            codes.push((format!("{} seed {seed} vulnerable", pair.family), v.code.clone()));
            codes.push((format!("{} seed {seed} fixed", pair.family), f.code.clone()));
        }
    }
    let mut missed: Vec<&String> = sinks_fitting.difference(&sinks_seen).collect();
    missed.sort();
    assert!(missed.is_empty(), "fitting sinks never drawn (raise the draws): {missed:?}");
    failures.sort();
    failures.dedup();
    assert!(failures.is_empty(), "{} rejected:\n{}", failures.len(), failures[..failures.len().min(30)].join("\n"));
    let borrowed: Vec<(String, &str)> = codes.iter().map(|(n, c)| (n.clone(), c.as_str())).collect();
    let rejected = support::cpython_rejects(&borrowed);
    assert!(rejected.is_empty(), "CPython rejects:\n{rejected}");
}

#[test]
fn a_corpus_carries_some_pairs_and_leaves_the_others_as_they_were() {
    let corpus = fixture_corpus();
    let options = BuildOptions { size: 400, seed: 5, recipes: RecipeSet::Typed };
    let plain = build(&options, &[]);
    let carried = build_with_carriers(&options, &[], Some(&corpus));
    let counts = carried.card.carriers.as_ref().expect("the card names the corpus");
    assert_eq!((counts.files, counts.functions), (2, corpus.carriers.len()));
    assert!(counts.pairs >= 40, "{} of ~200 pairs carried", counts.pairs);
    assert!(plain.card.carriers.is_none());
    let plain_codes: HashSet<&str> = plain.records.iter().map(|r| r.code.as_str()).collect();
    let scaffolded: Vec<_> = carried.records.iter().filter(|r| !r.family.ends_with("/carrier")).collect();
    let unchanged = scaffolded.iter().filter(|r| plain_codes.contains(r.code.as_str())).count();
    assert_eq!(unchanged, scaffolded.len(), "a pair that is not carried renders exactly as without a corpus");
    assert_eq!(carried.records.len(), 400);
}

#[test]
fn mature_negatives_join_the_training_split_only_and_leave_every_other_record_as_it_was() {
    let corpus = fixture_corpus();
    let options = BuildOptions { size: 40, seed: 5, recipes: RecipeSet::Returns };
    let without = build_with_carriers(&options, &[], Some(&corpus));
    let with = build_with_corpus(&options, &[], Some(&corpus), 100);
    let counts = with.card.carriers.as_ref().expect("the card names the corpus");
    let mature: Vec<_> = with.records.iter().filter(|r| is_mature(r)).collect();
    assert!(!mature.is_empty(), "no fixture carrier became a mature negative");
    assert_eq!((counts.mature_negatives, counts.mature_candidates), (mature.len(), mature.len()));
    let others: Vec<_> = with.records.iter().filter(|r| !is_mature(r)).cloned().collect();
    assert_eq!(others, without.records, "the generated records are the same with mature negatives");
    for (name, split, before) in [("random", &with.random, &without.random), ("family", &with.family, &without.family)]
    {
        assert_eq!((&split.valid, &split.test), (&before.valid, &before.test), "{name}: held-out parts changed");
        let trained: Vec<_> = split.train.iter().filter(|r| !is_mature(r)).cloned().collect();
        assert_eq!(&trained, &before.train, "{name}: generated training records changed");
        assert_eq!(split.train.iter().filter(|r| is_mature(r)).count(), mature.len(), "{name}");
        for record in split.valid.iter().chain(&split.test) {
            for negative in &mature {
                let def = negative
                    .code
                    .lines()
                    .map(str::trim_start)
                    .find(|l| l.starts_with("def ") || l.starts_with("async def "));
                let def = def.expect("a def line");
                assert!(!record.code.contains(def), "{}: held-out {} holds {def}", name, record.id);
            }
        }
    }
    assert!(mature.iter().all(|r| r.cwes.is_empty() && r.twin.is_none()));
    let codes: Vec<(String, &str)> = mature.iter().map(|r| (r.id.clone(), r.code.as_str())).collect();
    let rejected = support::cpython_rejects(&codes);
    assert!(rejected.is_empty(), "CPython rejects:\n{rejected}");
    let markdown = card_markdown(&with.card);
    assert!(markdown.contains("--carriers DIR --mature-negatives"), "{markdown}");
    assert!(markdown.contains("each safe example but the mature negatives is the fixed twin"), "{markdown}");
    let again = build_with_corpus(&options, &[], Some(&corpus), 100);
    assert_eq!(again.records, with.records, "the same seed builds the same");
}
