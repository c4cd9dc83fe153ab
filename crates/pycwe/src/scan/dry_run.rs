//! `pycwe scan --dry-run`: what a scan would send to the model (units and prompt tokens), found by
//! the scan's own walk, chunking, prefilter and cache lookup, without loading any weights. The
//! model's cost is its prompt tokens, so this sizes a scan (or a prefilter change) in seconds.

use std::fmt::Write;

use pycwe_core::detect::{DetectError, Detector, Prediction, UnitRequest};
use pycwe_core::judge::{JudgeOptions, PredictionCache, judge_files};
use pycwe_core::python::ChunkedFile;
use pycwe_core::source::SourceFile;

use super::LazyDetector;
use super::cache::DiskCache;

/// What a scan would do (also the `--dry-run --output-format json` object, with `files` and `lines`).
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    pub units: usize,
    pub prefiltered_out: usize,
    pub cache_hits: usize,
    pub to_judge: usize,
    /// Prompt tokens of the units to judge, after the shared system prefix.
    pub tokens: usize,
    pub longest: usize,
}

impl Plan {
    /// As JSON: this plan's counts plus the tree's files and lines.
    pub fn json(&self, files: usize, lines: usize) -> serde_json::Value {
        let mut value = serde_json::to_value(self).expect("counts serialize");
        value["files"] = files.into();
        value["lines"] = lines.into();
        value
    }

    pub fn render(&self, files: usize, lines: usize) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{files} files, {lines} lines, {} units", self.units);
        let _ = writeln!(s, "kept back by the prefilter: {}", self.prefiltered_out);
        let _ = writeln!(s, "answered from the cache: {}", self.cache_hits);
        let _ = writeln!(
            s,
            "to judge: {} units, {} prompt tokens after the shared prefix (mean {}, longest {})",
            self.to_judge,
            self.tokens,
            self.tokens.checked_div(self.to_judge).unwrap_or(0),
            self.longest
        );
        s
    }
}

/// Walks the judging path with a detector that only counts what it is given.
pub(super) fn plan(
    files: &[(&SourceFile, &ChunkedFile)],
    lazy: &LazyDetector,
    opts: &JudgeOptions,
    cache: Option<&mut DiskCache>,
) -> anyhow::Result<Plan> {
    let mut counter = Counting { lazy, tokens: 0, longest: 0, units: 0 };
    let mut read_only = cache.map(ReadOnly);
    let cache_ref = read_only.as_mut().map(|c| c as &mut dyn PredictionCache);
    let (_, stats) = judge_files(files, &mut counter, opts, cache_ref)?;
    Ok(Plan {
        units: stats.pieces,
        prefiltered_out: stats.prefiltered_out,
        cache_hits: stats.cache_hits,
        to_judge: counter.units,
        tokens: counter.tokens,
        longest: counter.longest,
    })
}

struct Counting<'a> {
    lazy: &'a LazyDetector,
    tokens: usize,
    longest: usize,
    units: usize,
}

impl Detector for Counting<'_> {
    fn describe(&self) -> String {
        self.lazy.describe()
    }

    fn judge(&mut self, units: &[UnitRequest]) -> Result<Vec<Prediction>, DetectError> {
        for unit in units {
            let n = pycwe_model::chat::unit_tokens(&self.lazy.tokenizer, unit)
                .map_err(|e| DetectError::Model(e.to_string()))?
                .len();
            self.tokens += n;
            self.longest = self.longest.max(n);
            self.units += 1;
        }
        Ok(vec![Prediction::default(); units.len()])
    }

    fn line_cost(&self, line: &str) -> usize {
        self.lazy.line_cost(line)
    }

    fn piece_budget(&self) -> usize {
        self.lazy.piece_budget()
    }

    fn fingerprint(&self) -> String {
        self.lazy.fingerprint()
    }
}

/// Reads the cache, never writes it: a dry run's empty verdicts must not be remembered.
struct ReadOnly<'a>(&'a mut DiskCache);

impl PredictionCache for ReadOnly<'_> {
    fn get(&mut self, request: &UnitRequest) -> Option<Prediction> {
        self.0.get(request)
    }

    fn put(&mut self, _request: &UnitRequest, _prediction: &Prediction) {}
}
