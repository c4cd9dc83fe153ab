//! Dataset records to training examples, through the same pieces (chunker + windows), prompt and
//! answer grammar as inference: one example per piece, its answer from the record's labeled lines.

use std::collections::{HashMap, HashSet};

use pycwe_core::dataset::mature::is_mature;
use pycwe_core::dataset::record::Record;
use pycwe_core::judge::passes_prefilter;
use pycwe_core::pieces::{Budget, label_record};
use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::Example;
use crate::chat;
use crate::tokenize::{TextTokenizer, TokenizerError};

/// What happened to the records on the way to examples.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DataStats {
    pub records: usize,
    /// Records left out because a labeled CWE has no line inside any piece (or no lines at all).
    pub records_unplaced: usize,
    /// Records left out because their code could not be parsed at all.
    pub records_unparsed: usize,
    pub examples: usize,
    pub positive_examples: usize,
    /// `NONE` pieces with the name of a flagged piece in the record's twin (the fixed code): all kept.
    pub hard_negatives: usize,
    /// `NONE` pieces of mature negatives (real code, `dataset build --mature-negatives`) that pass
    /// the prefilter: all kept, and counted in the ratio in place of generated easy negatives.
    pub mature_negatives: usize,
    /// Other `NONE` pieces left out to keep the ratio of negatives to positives.
    pub easy_negatives_dropped: usize,
    /// `NONE` pieces the prefilter keeps from the model at inference (no catalog source or sink):
    /// left out, since the model never judges such code.
    pub easy_negatives_unjudged: usize,
    /// Examples over `max_len` tokens, left out.
    pub too_long: usize,
    pub tokens: usize,
}

/// How many `NONE` examples to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Negatives {
    /// At most this many negatives per positive example (hard negatives always count and stay);
    /// `None` keeps every piece.
    pub per_positive: Option<f64>,
    /// Seeds the choice of the easy negatives kept.
    pub seed: u64,
}

/// One example per piece of every usable record. Pieces are cut to fit `max_len` tokens with the
/// answer; those still over it (a single huge line) are left out. Most pieces of a module are
/// plainly safe helpers; `negatives` keeps every hard negative (the fixed twin of a flagged unit)
/// and a seeded sample of the others that pass the prefilter. Those matter: they are most of what
/// the model judges in a scan, and a model never shown them flags them at its training prior.
pub fn examples(
    records: &[Record],
    tokenizer: &TextTokenizer,
    max_len: usize,
    negatives: Negatives,
) -> Result<(Vec<Example>, DataStats), TokenizerError> {
    let measure = |line: &str| chat::line_cost(tokenizer, line);
    // Room for the context lines, the chat markup and the answer.
    let budget = Budget { max: max_len.saturating_sub(96).max(64), measure: &measure };
    let mut stats = DataStats { records: records.len(), ..DataStats::default() };
    let mut labeled_records = Vec::new();
    // Record id -> names of its flagged pieces.
    let mut flagged: HashMap<&str, HashSet<String>> = HashMap::new();
    for record in records {
        let Ok(labeled) = label_record(record, &budget) else {
            stats.records_unparsed += 1;
            continue;
        };
        if !labeled.unplaced.is_empty() {
            stats.records_unplaced += 1;
            continue;
        }
        flagged.insert(
            record.id.as_str(),
            labeled.pieces.iter().filter(|p| !p.answer.is_empty()).map(|p| p.piece.request.name.clone()).collect(),
        );
        labeled_records.push((record, labeled));
    }
    let (mut positives, mut hard, mut mature, mut easy) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (record, labeled) in labeled_records {
        let twin_flagged = record.twin.as_deref().and_then(|t| flagged.get(t));
        for piece in labeled.pieces {
            let example = Example {
                prompt: chat::unit_tokens(tokenizer, &piece.piece.request)?,
                answer: chat::answer_tokens(tokenizer, &piece.answer)?,
            };
            if example.len() > max_len {
                stats.too_long += 1;
            } else if !piece.answer.is_empty() {
                positives.push(example);
            } else if twin_flagged.is_some_and(|names| names.contains(&piece.piece.request.name)) {
                hard.push(example);
            } else if !passes_prefilter(&piece.piece) {
                stats.easy_negatives_unjudged += 1;
            } else if is_mature(record) {
                mature.push(example);
            } else {
                easy.push(example);
            }
        }
    }
    if let Some(ratio) = negatives.per_positive {
        let keep = ((positives.len() as f64 * ratio) as usize).saturating_sub(hard.len() + mature.len());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(negatives.seed);
        easy.shuffle(&mut rng);
        stats.easy_negatives_dropped = easy.len().saturating_sub(keep);
        easy.truncate(keep);
    }
    stats.positive_examples = positives.len();
    stats.hard_negatives = hard.len();
    stats.mature_negatives = mature.len();
    let out: Vec<Example> = positives.into_iter().chain(hard).chain(mature).chain(easy).collect();
    stats.tokens = out.iter().map(Example::len).sum();
    stats.examples = out.len();
    Ok((out, stats))
}
