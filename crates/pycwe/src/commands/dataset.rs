//! `pycwe dataset build` and `pycwe dataset review`.

use anyhow::Context;
use pycwe_core::atomic::write_atomic;
use pycwe_core::dataset::build::{BuildOptions, build_with_corpus, write_dataset};
use pycwe_core::dataset::carriers::Corpus;
use pycwe_core::dataset::human_review::{extend_log, log_to_jsonl, read_log, render_for_review};
use pycwe_core::dataset::record::read_jsonl;
use rand::SeedableRng;
use rand::seq::IndexedRandom;

use super::Outcome;
use crate::args::{DatasetBuildArgs, DatasetReviewArgs};
use crate::output;

pub fn build(args: &DatasetBuildArgs) -> anyhow::Result<Outcome> {
    if args.size < 2 {
        anyhow::bail!("--size must be at least 2 (one vulnerable example and its fixed twin)");
    }
    let reviews_path = args.reviews.clone().unwrap_or_else(|| args.out.join("review.jsonl"));
    let reviews = read_log(&reviews_path)?;
    let started = std::time::Instant::now();
    let corpus = args.carriers.as_deref().map(read_corpus).transpose()?;
    let options = BuildOptions { size: args.size, seed: args.seed, recipes: args.recipes.into() };
    let dataset = build_with_corpus(&options, &reviews, corpus.as_ref(), args.mature_negatives);
    if let Some(c) = dataset.card.carriers.as_ref().filter(|_| args.mature_negatives > 0) {
        eprintln!("mature negatives: {} of {} candidates", c.mature_negatives, c.mature_candidates);
    }
    write_dataset(&dataset, &args.out)
        .with_context(|| format!("cannot write the dataset to {}", args.out.display()))?;
    let card = &dataset.card;
    let family = &card.leak["family"];
    let audit = &card.shortcut_audit;
    let summary = format!(
        "{}: {} examples ({} vulnerable, {} safe), {} families\n\
         random split {}/{}/{}, family split {}/{}/{} (train/valid/test)\n\
         family split: {} of {} test items have a training item with 5-gram Jaccard > {}\n\
         shortcut audit (naive Bayes, family split): binary F1 {:.3} (limit {:.2})\n",
        args.out.display(),
        card.size,
        card.vulnerable,
        card.safe,
        card.families,
        card.splits["random"].train,
        card.splits["random"].valid,
        card.splits["random"].test,
        card.splits["family"].train,
        card.splits["family"].valid,
        card.splits["family"].test,
        family.over_threshold,
        family.test_items,
        family.threshold,
        audit.binary_f1,
        audit.max_allowed,
    );
    output::write_text(&summary)?;
    if !audit.passes {
        output::warn("the shortcut audit exceeds its limit: the recipes carry token shortcuts");
    }
    eprintln!("built in {:.1} s", started.elapsed().as_secs_f64());
    Ok(Outcome::Clean)
}

/// Every `.py` file under `dir` (hidden and ignored files too: the corpus is a plain folder), read
/// as text; a file that is not UTF-8 is skipped with a warning, an unreadable folder is an error.
fn read_corpus(dir: &std::path::Path) -> anyhow::Result<Corpus> {
    let mut sources = Vec::new();
    for entry in ignore::WalkBuilder::new(dir).standard_filters(false).build() {
        let entry = entry.with_context(|| format!("cannot read the carrier corpus {}", dir.display()))?;
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) || path.extension().is_none_or(|e| e != "py") {
            continue;
        }
        let relative = path.strip_prefix(dir).unwrap_or(path).to_string_lossy().replace('\\', "/");
        match std::fs::read_to_string(path) {
            Ok(text) => sources.push((relative, text)),
            Err(err) => output::warn(format!("{}: skipped ({err})", path.display())),
        }
    }
    if sources.is_empty() {
        anyhow::bail!("{}: no Python files to use as carriers (run scripts/fetch_carriers.sh)", dir.display());
    }
    let corpus = Corpus::from_sources(sources);
    eprintln!("carriers: {} functions from {} files", corpus.carriers.len(), corpus.files);
    Ok(corpus)
}

pub fn review(args: &DatasetReviewArgs) -> anyhow::Result<Outcome> {
    let mut records = Vec::new();
    for split in ["train", "valid", "test"] {
        records.extend(read_jsonl(&args.dir.join(format!("{split}.jsonl")))?);
    }
    records.sort_by(|a, b| a.id.cmp(&b.id));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed);
    let sampled: Vec<_> = records.choose_multiple(&mut rng, args.sample.min(records.len())).collect();
    let log_path = args.out.clone().unwrap_or_else(|| args.dir.join("review.jsonl"));
    let mut log = read_log(&log_path)?;
    let before = log.len();
    extend_log(&mut log, &sampled, args.reviewer.as_deref());
    let mut text = String::new();
    for record in &sampled {
        text.push_str(&render_for_review(record));
        text.push('\n');
    }
    output::write_text(&text)?;
    write_atomic(&log_path, log_to_jsonl(&log).as_bytes())
        .with_context(|| format!("cannot write the review log {}", log_path.display()))?;
    eprintln!(
        "{} new entries in {} (set each \"verdict\" to \"accept\" or \"reject\"; `dataset build` applies them)",
        log.len() - before,
        log_path.display()
    );
    Ok(Outcome::Clean)
}
