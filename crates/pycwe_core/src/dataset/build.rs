//! `dataset build`: generate pairs, review them, drop duplicates, split, and describe the result.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::card::{Card, CarrierCounts, card};
use super::carriers::{Corpus, carried_pair};
use super::generate::{Job, Pair, allocate, generate_job};
use super::human_review::{ReviewEntry, Verdict, code_hash};
use super::mature::{MATURE_RECIPE, MatureCounts, mature_negatives};
use super::recipes::RecipeSet;
use super::record::{Origin, Record, Review, ReviewStatus};
use super::review::review_pair;
use super::split::{Split, family_split, random_split};
use crate::cwe::CweId;

#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Number of records wanted (an odd size drops the last record's twin).
    pub size: usize,
    pub seed: u64,
    pub recipes: RecipeSet,
}

/// A built dataset: every record, both splits, and the card.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub records: Vec<Record>,
    pub random: Split,
    pub family: Split,
    pub card: Card,
}

/// What happened to generated pairs that did not make it into the dataset.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Dropped {
    /// Failed automated review, by check name.
    pub by_check: BTreeMap<String, usize>,
    /// Exact or whitespace-normalized duplicates of an earlier example.
    pub duplicates: usize,
    /// Rejected by a person in the review log.
    pub rejected_by_reviewer: usize,
}

/// Share of single taint pairs written into a carrier when a corpus is given.
const CARRIER_SHARE: f64 = 0.5;

/// Redraws allowed for one planned pair before it is given up (the card then shows fewer examples).
const MAX_ATTEMPTS: u64 = 50;

fn normalized(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn build(opts: &BuildOptions, reviews: &[ReviewEntry]) -> Dataset {
    build_with_carriers(opts, reviews, None)
}

/// [`build`], with [`CARRIER_SHARE`] of the single taint pairs written into real functions of
/// `carriers` ([`crate::dataset::carriers`]); the other pairs render exactly as without it.
pub fn build_with_carriers(opts: &BuildOptions, reviews: &[ReviewEntry], carriers: Option<&Corpus>) -> Dataset {
    build_with_corpus(opts, reviews, carriers, 0)
}

/// [`build_with_carriers`], plus up to `mature` unchanged functions of `carriers` as safe records
/// of the training split only ([`crate::dataset::mature`]); the other records are the same.
pub fn build_with_corpus(
    opts: &BuildOptions,
    reviews: &[ReviewEntry],
    carriers: Option<&Corpus>,
    mature: usize,
) -> Dataset {
    let wanted_pairs = opts.size.div_ceil(2);
    let jobs = allocate(wanted_pairs, opts.seed, opts.recipes);
    let verdicts: HashMap<&str, &ReviewEntry> = reviews.iter().map(|e| (e.hash.as_str(), e)).collect();
    let mut dropped = Dropped::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept: Vec<(Pair, Vec<&'static str>)> = Vec::new();
    for (index, job) in jobs.iter().enumerate() {
        // A rejected or duplicate pair is redrawn from the same job, so the planned balance holds.
        for attempt in 0..MAX_ATTEMPTS {
            let pair = match (job, carriers) {
                (Job::Single(recipe), Some(corpus)) => {
                    // A stream of its own, so the scaffolded pairs draw exactly what they draw without carriers.
                    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0xCA22_1E25);
                    rng.set_stream(index as u64 + 1 + attempt * (1 << 32));
                    let carried = if rng.random_bool(CARRIER_SHARE) {
                        carried_pair(&mut rng, index, recipe, corpus)
                    } else {
                        None
                    };
                    carried.unwrap_or_else(|| generate_job(job, opts.seed, index, attempt, opts.recipes))
                }
                _ => generate_job(job, opts.seed, index, attempt, opts.recipes),
            };
            let checks = match review_pair(&pair) {
                Ok(checks) => checks,
                Err(rejection) => {
                    *dropped.by_check.entry(rejection.check.to_string()).or_default() += 1;
                    continue;
                }
            };
            let (kv, kf) = (normalized(&pair.vulnerable.code), normalized(&pair.fixed.code));
            if seen.contains(&kv) || seen.contains(&kf) {
                dropped.duplicates += 1;
                continue;
            }
            let rejected = [&pair.vulnerable.code, &pair.fixed.code]
                .iter()
                .any(|c| verdicts.get(code_hash(c).as_str()).is_some_and(|e| e.verdict == Some(Verdict::Reject)));
            if rejected {
                dropped.rejected_by_reviewer += 1;
                continue;
            }
            seen.insert(kv);
            seen.insert(kf);
            kept.push((pair, checks));
            break;
        }
    }
    let mut records: Vec<Record> = Vec::with_capacity(kept.len() * 2);
    let mut frameworks: HashMap<String, String> = HashMap::new();
    for (n, (pair, checks)) in kept.iter().enumerate() {
        let stem = format!("{}-{:05}", pair.recipe.split(':').next().unwrap_or("x"), n);
        let (vid, sid) = (format!("{stem}-v"), format!("{stem}-s"));
        let review = |code: &str| {
            let human = verdicts.get(code_hash(code).as_str()).filter(|e| e.verdict == Some(Verdict::Accept));
            Some(Review {
                status: if human.is_some() { ReviewStatus::Reviewed } else { ReviewStatus::Auto },
                checks: checks.iter().map(|c| c.to_string()).collect(),
                reviewer: human.and_then(|e| e.reviewer.clone()),
                verdict: human.map(|_| "accept".to_string()),
            })
        };
        let origin = Some(Origin { recipe: pair.recipe.clone(), version: pair.version, seed: opts.seed });
        let lines: BTreeMap<String, Vec<usize>> = pair
            .cwes
            .iter()
            .enumerate()
            .map(|(i, cwe)| (cwe.to_string(), pair.vulnerable.marked_by_sink.get(i).cloned().unwrap_or_default()))
            .collect();
        records.push(Record {
            id: vid.clone(),
            code: pair.vulnerable.code.clone(),
            cwes: sorted_ids(&pair.cwes),
            lines,
            explanation: pair.why_vulnerable.clone(),
            family: pair.family.clone(),
            twin: Some(sid.clone()),
            origin: origin.clone(),
            review: review(&pair.vulnerable.code),
        });
        records.push(Record {
            id: sid.clone(),
            code: pair.fixed.code.clone(),
            cwes: Vec::new(),
            lines: BTreeMap::new(),
            explanation: pair.why_fixed.clone(),
            family: pair.family.clone(),
            twin: Some(vid.clone()),
            origin,
            review: review(&pair.fixed.code),
        });
        frameworks.insert(vid, pair.framework.clone());
        frameworks.insert(sid, pair.framework.clone());
    }
    if records.len() > opts.size {
        records.truncate(opts.size);
        if let Some(last) = records.last_mut() {
            last.twin = None;
        }
    }
    let mut random = random_split(&records, opts.seed);
    let mut family = family_split(&records, opts.seed);
    let mut mature_counts = MatureCounts::default();
    if let Some(corpus) = carriers.filter(|_| mature > 0) {
        // The two splits hold out different records; a negative must share code with neither's.
        let held_out: Vec<&Record> =
            [&random.valid, &random.test, &family.valid, &family.test].into_iter().flatten().collect();
        let (negatives, counts) = mature_negatives(corpus, &held_out, mature, opts.seed);
        mature_counts = counts;
        for record in &negatives {
            frameworks.insert(record.id.clone(), MATURE_RECIPE.to_string());
        }
        random.train.extend(negatives.iter().cloned());
        family.train.extend(negatives.iter().cloned());
        records.extend(negatives);
    }
    let mut card = card(opts, &records, &random, &family, &frameworks, &dropped, reviews);
    card.carriers = carriers.map(|corpus| CarrierCounts {
        files: corpus.files,
        functions: corpus.carriers.len(),
        pairs: frameworks.values().filter(|f| f.as_str() == "carrier").count() / 2,
        mature_candidates: mature_counts.candidates,
        mature_negatives: mature_counts.records,
    });
    Dataset { records, random, family, card }
}

/// Writes the dataset into `dir`: `{train,valid,test}.jsonl` (random split), `family/` (family
/// split), `card.json` and `card.md`. Each file is written atomically.
pub fn write_dataset(dataset: &Dataset, dir: &std::path::Path) -> std::io::Result<()> {
    use super::card::card_markdown;
    use super::record::to_jsonl;
    use crate::atomic::write_atomic;
    for (sub, split) in [("", &dataset.random), ("family", &dataset.family)] {
        for (name, records) in split.parts() {
            write_atomic(&dir.join(sub).join(format!("{name}.jsonl")), to_jsonl(records).as_bytes())?;
        }
    }
    let json = serde_json::to_string_pretty(&dataset.card).expect("the card serializes") + "\n";
    write_atomic(&dir.join("card.json"), json.as_bytes())?;
    write_atomic(&dir.join("card.md"), card_markdown(&dataset.card).as_bytes())
}

/// A record's CWE ids as it lists them: sorted by number.
fn sorted_ids(cwes: &[CweId]) -> Vec<String> {
    let mut sorted = cwes.to_vec();
    sorted.sort();
    sorted.iter().map(|c| c.to_string()).collect()
}
