//! The dataset card (`card.json` + `card.md`): what is in the set and how far to trust it —
//! counts, lengths, review, leak statistics, and the shortcut audit.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use serde::Serialize;

use super::audit::{MAX_SHORTCUT_F1, shortcut_f1};
use super::build::{BuildOptions, Dropped};
use super::human_review::{ReviewEntry, Verdict};
use super::recipes::{RecipeSet, recipes};
use super::record::{RECORD_VERSION, Record, ReviewStatus};
use super::similarity::{LeakStats, leak_stats};
use super::split::{Split, family_group};

/// Test items closer than this to a training item count as near copies.
pub const NEAR_COPY_JACCARD: f64 = 0.8;
/// On the family split at most this share of test items may be near copies.
pub const MAX_FAMILY_NEAR_COPY_SHARE: f64 = 0.10;

#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub record_version: u32,
    pub size: usize,
    pub seed: u64,
    /// Left out of the JSON for the core set, so cards written before the wide set existed still match.
    #[serde(skip_serializing_if = "RecipeSet::is_core")]
    pub recipe_set: RecipeSet,
    pub recipes: BTreeMap<String, u32>,
    /// The corpus of real functions some pairs were written into (`--carriers`), when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carriers: Option<CarrierCounts>,
    pub vulnerable: usize,
    pub safe: usize,
    /// Per CWE: vulnerable examples, and safe examples that are fixed twins of that CWE.
    pub per_cwe: BTreeMap<String, CweCount>,
    pub per_framework: BTreeMap<String, usize>,
    pub per_recipe: BTreeMap<String, usize>,
    pub families: usize,
    pub family_groups: usize,
    pub splits: BTreeMap<String, SplitCounts>,
    /// Whitespace-separated tokens per example (the model's tokenizer is not part of pycwe_core).
    pub whitespace_tokens: Lengths,
    pub review: ReviewCounts,
    pub leak: BTreeMap<String, LeakStats>,
    pub shortcut_audit: ShortcutAudit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CarrierCounts {
    /// Files read and functions that could carry a sink.
    pub files: usize,
    pub functions: usize,
    /// Pairs written into a carrier.
    pub pairs: usize,
    /// Carriers fit to be a mature negative (`--mature-negatives`), and those made records of the
    /// training split.
    pub mature_candidates: usize,
    pub mature_negatives: usize,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CweCount {
    pub vulnerable: usize,
    pub safe: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SplitCounts {
    pub train: usize,
    pub valid: usize,
    pub test: usize,
    pub test_vulnerable: usize,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Lengths {
    pub p50: usize,
    pub p95: usize,
    pub max: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewCounts {
    pub auto: usize,
    pub reviewed: usize,
    pub dropped: Dropped,
    pub log_entries: usize,
    pub log_accepted: usize,
    pub log_rejected: usize,
    pub log_pending: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShortcutAudit {
    pub model: &'static str,
    pub trained_on: &'static str,
    pub scored_on: &'static str,
    pub binary_f1: f64,
    pub max_allowed: f64,
    pub passes: bool,
    /// The same audit on the random split, for comparison (no limit applies).
    pub random_split_binary_f1: f64,
}

fn percentile(sorted: &[usize], p: f64) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn split_counts(split: &Split) -> SplitCounts {
    SplitCounts {
        train: split.train.len(),
        valid: split.valid.len(),
        test: split.test.len(),
        test_vulnerable: split.test.iter().filter(|r| r.is_vulnerable()).count(),
    }
}

fn leak(split: &Split) -> LeakStats {
    let train: Vec<&str> = split.train.iter().map(|r| r.code.as_str()).collect();
    let test: Vec<&str> = split.test.iter().map(|r| r.code.as_str()).collect();
    leak_stats(&train, &test, NEAR_COPY_JACCARD)
}

fn labeled(records: &[Record]) -> Vec<(&str, bool)> {
    records.iter().map(|r| (r.code.as_str(), r.is_vulnerable())).collect()
}

fn audit(split: &Split) -> f64 {
    shortcut_f1(&labeled(&split.train), &labeled(&split.test))
}

pub fn card(
    opts: &BuildOptions,
    records: &[Record],
    random: &Split,
    family: &Split,
    frameworks: &HashMap<String, String>,
    dropped: &Dropped,
    log: &[ReviewEntry],
) -> Card {
    let by_id: HashMap<&str, &Record> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut per_cwe: BTreeMap<String, CweCount> = BTreeMap::new();
    let mut per_framework: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_recipe: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        if r.is_vulnerable() {
            for cwe in &r.cwes {
                per_cwe.entry(cwe.clone()).or_default().vulnerable += 1;
            }
        } else if let Some(twin) = r.twin.as_deref().and_then(|t| by_id.get(t)) {
            for cwe in &twin.cwes {
                per_cwe.entry(cwe.clone()).or_default().safe += 1;
            }
        }
        *per_framework.entry(frameworks.get(&r.id).cloned().unwrap_or_else(|| "unknown".into())).or_default() += 1;
        if let Some(origin) = &r.origin {
            *per_recipe.entry(origin.recipe.clone()).or_default() += 1;
        }
    }
    let mut lengths: Vec<usize> = records.iter().map(|r| r.code.split_whitespace().count()).collect();
    lengths.sort_unstable();
    let status = |s: ReviewStatus| records.iter().filter(|r| r.review.as_ref().is_some_and(|v| v.status == s)).count();
    let family_f1 = audit(family);
    let families: std::collections::HashSet<&str> = records.iter().map(|r| r.family.as_str()).collect();
    let groups: std::collections::HashSet<String> = records.iter().map(family_group).collect();
    Card {
        record_version: RECORD_VERSION,
        size: records.len(),
        seed: opts.seed,
        recipe_set: opts.recipes,
        recipes: recipes(opts.recipes).iter().map(|r| (r.name().to_string(), r.version())).collect(),
        carriers: None,
        vulnerable: records.iter().filter(|r| r.is_vulnerable()).count(),
        safe: records.iter().filter(|r| !r.is_vulnerable()).count(),
        per_cwe,
        per_framework,
        per_recipe,
        families: families.len(),
        family_groups: groups.len(),
        splits: [("random".to_string(), split_counts(random)), ("family".to_string(), split_counts(family))].into(),
        whitespace_tokens: Lengths {
            p50: percentile(&lengths, 0.5),
            p95: percentile(&lengths, 0.95),
            max: lengths.last().copied().unwrap_or(0),
        },
        review: ReviewCounts {
            auto: status(ReviewStatus::Auto),
            reviewed: status(ReviewStatus::Reviewed),
            dropped: dropped.clone(),
            log_entries: log.len(),
            log_accepted: log.iter().filter(|e| e.verdict == Some(Verdict::Accept)).count(),
            log_rejected: log.iter().filter(|e| e.verdict == Some(Verdict::Reject)).count(),
            log_pending: log.iter().filter(|e| e.verdict.is_none()).count(),
        },
        leak: [("random".to_string(), leak(random)), ("family".to_string(), leak(family))].into(),
        shortcut_audit: ShortcutAudit {
            model: "multinomial naive Bayes over identifier and punctuation tokens",
            trained_on: "family/train.jsonl",
            scored_on: "family/test.jsonl",
            binary_f1: family_f1,
            max_allowed: MAX_SHORTCUT_F1,
            passes: family_f1 <= MAX_SHORTCUT_F1,
            random_split_binary_f1: audit(random),
        },
    }
}

/// The card as Markdown, for people.
pub fn card_markdown(card: &Card) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Dataset card\n");
    let _ = writeln!(
        s,
        "Generated by `pycwe dataset build --size {} --seed {}{}{}` (record format v{}). {} examples: {} vulnerable, {} safe \
         (each safe example{} is the fixed twin of a vulnerable one).\n",
        card.size,
        card.seed,
        if card.recipe_set.is_core() { String::new() } else { format!(" --recipes {}", card.recipe_set.name()) },
        match &card.carriers {
            Some(c) if c.mature_negatives > 0 => format!(" --carriers DIR --mature-negatives {}", c.mature_negatives),
            Some(_) => " --carriers DIR".to_string(),
            None => String::new(),
        },
        card.record_version,
        card.size,
        card.vulnerable,
        card.safe,
        if card.carriers.as_ref().is_some_and(|c| c.mature_negatives > 0) { " but the mature negatives" } else { "" }
    );
    if let Some(c) = &card.carriers {
        let _ = writeln!(
            s,
            "{} pairs were written into real functions ({} candidates from {} files of `scripts/fetch_carriers.sh`'s \
             corpus; framework `carrier` below).\n",
            c.pairs, c.functions, c.files
        );
        if c.mature_negatives > 0 {
            let _ = writeln!(
                s,
                "The training split also holds {} of these functions unchanged, as safe records (`--mature-negatives`, \
                 framework `mature`; {} candidates: they pass the prefilter and hold no call whose safety rests on \
                 its callers' data). Their label is weak (not reviewed); no valid or test record holds one.\n",
                c.mature_negatives, c.mature_candidates
            );
        }
    }
    let _ = writeln!(s, "## Splits\n\n| split | train | valid | test | test vulnerable |\n|---|---|---|---|---|");
    for (name, c) in &card.splits {
        let _ = writeln!(s, "| {name} | {} | {} | {} | {} |", c.train, c.valid, c.test, c.test_vulnerable);
    }
    let _ = writeln!(
        s,
        "\nTwins always share a split. `family/` holds out whole variant groups (recipe + sink or module \
                         template, all flows), stratified by recipe.\n"
    );
    let _ = writeln!(
        s,
        "## Leaks and shortcuts\n\n| split | test items | max 5-gram Jaccard to train | items > {} |\n|---|---|---|---|",
        NEAR_COPY_JACCARD
    );
    for (name, l) in &card.leak {
        let _ = writeln!(
            s,
            "| {name} | {} | {:.3} | {} ({:.1}%) |",
            l.test_items,
            l.max_jaccard,
            l.over_threshold,
            100.0 * l.over_threshold as f64 / l.test_items.max(1) as f64
        );
    }
    let a = &card.shortcut_audit;
    let _ = writeln!(
        s,
        "\nShortcut audit ({}; trained on {}, scored on {}): binary F1 **{:.3}** (limit {:.2}: {}). On the random split \
         it scores {:.3}.\n",
        a.model,
        a.trained_on,
        a.scored_on,
        a.binary_f1,
        a.max_allowed,
        if a.passes { "passes" } else { "FAILS" },
        a.random_split_binary_f1
    );
    let _ = writeln!(s, "## Per CWE\n\n| CWE | vulnerable | safe (fixed twins) |\n|---|---|---|");
    for (cwe, c) in &card.per_cwe {
        let _ = writeln!(s, "| {cwe} | {} | {} |", c.vulnerable, c.safe);
    }
    let _ = writeln!(s, "\n## Per framework\n\n| framework | examples |\n|---|---|");
    for (fw, n) in &card.per_framework {
        let _ = writeln!(s, "| {fw} | {n} |");
    }
    let _ =
        writeln!(s, "\n{} families in {} groups; {} recipes.\n", card.families, card.family_groups, card.recipes.len());
    let w = card.whitespace_tokens;
    let _ = writeln!(s, "## Lengths\n\nWhitespace tokens per example: p50 {}, p95 {}, max {}.\n", w.p50, w.p95, w.max);
    let r = &card.review;
    let _ = writeln!(
        s,
        "## Review\n\n{} examples passed the automated checks only, {} were also read and accepted by a person. \
         Dropped while building: {:?} by automated checks, {} duplicates, {} rejected by a reviewer. Review log: {} \
         entries ({} accepted, {} rejected, {} pending).",
        r.auto,
        r.reviewed,
        r.dropped.by_check,
        r.dropped.duplicates,
        r.dropped.rejected_by_reviewer,
        r.log_entries,
        r.log_accepted,
        r.log_rejected,
        r.log_pending
    );
    s
}
