//! One file through the detector, the same way for `scan` and `eval`: pieces -> prefilter ->
//! detector -> findings mapped back to file lines, deduplicated across overlapping windows.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use crate::cwe::{Applicability, CweId, lookup, reportable};
use crate::detect::{DetectError, Detector, Prediction, UnitRequest};
use crate::pieces::{Budget, Piece, pieces};
use crate::python::ChunkedFile;
use crate::python::chunk::identifier_words;
use crate::source::SourceFile;

/// How files are judged (the same knobs for scan and eval).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JudgeOptions {
    /// Send only pieces that touch a catalog source or sink to the detector.
    pub prefilter: bool,
    pub min_confidence: f32,
}

/// Stored verdicts by piece, so unchanged code is never judged twice (scan's `.pycwe_cache`).
pub trait PredictionCache {
    fn get(&mut self, request: &UnitRequest) -> Option<Prediction>;
    fn put(&mut self, request: &UnitRequest, prediction: &Prediction);
}

/// One file's outcome.
#[derive(Debug, Clone, Default)]
pub struct FileVerdict {
    pub pieces: Vec<Piece>,
    /// Per piece: its prediction, or `None` when the prefilter kept it from the detector.
    pub predictions: Vec<Option<Prediction>>,
    pub findings: Vec<FileFinding>,
}

impl FileVerdict {
    /// The highest probability of any judged piece holding a weakness (0 when none was judged).
    pub fn p_vulnerable(&self) -> f32 {
        self.predictions.iter().flatten().map(|p| p.p_vulnerable).fold(0.0, f32::max)
    }
}

/// Counts for the summary line and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JudgeStats {
    pub pieces: usize,
    pub prefiltered_out: usize,
    pub cache_hits: usize,
    pub judged: usize,
}

/// Judges every piece of every file in one detector call (so batches mix files), using `cache`
/// for pieces seen before. The detector is only asked when something is left to judge.
pub fn judge_files(
    files: &[(&SourceFile, &ChunkedFile)],
    detector: &mut dyn Detector,
    opts: &JudgeOptions,
    cache: Option<&mut dyn PredictionCache>,
) -> Result<(Vec<FileVerdict>, JudgeStats), DetectError> {
    judge_files_with_progress(files, detector, opts, cache, &mut |_, _| {})
}

/// Pieces sent to the detector per call: small enough for a live progress bar and for the cache
/// to keep most of an interrupted scan's work, large enough to batch well.
pub const JUDGE_CHUNK: usize = 64;

/// [`judge_files`], calling `progress(judged, to_judge)` after each batch of pieces the detector
/// judged (pieces are sent shortest first, [`JUDGE_CHUNK`] at a time, each chunk cached as it is done).
pub fn judge_files_with_progress(
    files: &[(&SourceFile, &ChunkedFile)],
    detector: &mut dyn Detector,
    opts: &JudgeOptions,
    mut cache: Option<&mut dyn PredictionCache>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Vec<FileVerdict>, JudgeStats), DetectError> {
    // A tokenizer call costs far more than a lookup, and lines repeat (in Django 44% of lines are
    // copies of another one, 14% are empty).
    let costs: RefCell<HashMap<String, usize>> = RefCell::default();
    let measure = |line: &str| {
        if let Some(&cost) = costs.borrow().get(line) {
            return cost;
        }
        let cost = detector.line_cost(line);
        costs.borrow_mut().insert(line.to_string(), cost);
        cost
    };
    let budget = Budget { max: detector.piece_budget(), measure: &measure };
    let mut verdicts: Vec<FileVerdict> = files
        .iter()
        .map(|(source, chunked)| {
            let pieces = pieces(source, chunked, &budget);
            FileVerdict { predictions: vec![None; pieces.len()], pieces, findings: Vec::new() }
        })
        .collect();
    let mut stats = JudgeStats::default();
    let mut todo: Vec<(usize, usize)> = Vec::new();
    for (f, verdict) in verdicts.iter_mut().enumerate() {
        for (p, piece) in verdict.pieces.iter().enumerate() {
            stats.pieces += 1;
            if opts.prefilter && !passes_prefilter(piece) {
                stats.prefiltered_out += 1;
            } else if let Some(hit) = cache.as_deref_mut().and_then(|c| c.get(&piece.request)) {
                stats.cache_hits += 1;
                verdict.predictions[p] = Some(hit);
            } else {
                todo.push((f, p));
            }
        }
    }
    // Similar lengths in one call: the detector pads less.
    todo.sort_by_key(|&(f, p)| verdicts[f].pieces[p].request.text.len());
    let total = todo.len();
    for chunk in todo.chunks(JUDGE_CHUNK) {
        let requests: Vec<UnitRequest> = chunk.iter().map(|&(f, p)| verdicts[f].pieces[p].request.clone()).collect();
        let predictions = detector.judge(&requests)?;
        stats.judged += requests.len();
        for (&(f, p), prediction) in chunk.iter().zip(predictions) {
            if let Some(c) = cache.as_deref_mut() {
                c.put(&verdicts[f].pieces[p].request, &prediction);
            }
            verdicts[f].predictions[p] = Some(prediction);
        }
        progress(stats.judged, total);
    }
    for verdict in &mut verdicts {
        verdict.findings = merge(&verdict.pieces, &verdict.predictions, opts.min_confidence);
    }
    Ok((verdicts, stats))
}

/// A weakness found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileFinding {
    /// 1-based file line.
    pub line: usize,
    pub cwe: CweId,
    pub confidence: f32,
    /// The model's own one-line reason (`--explain`), if any.
    pub reason: Option<String>,
    /// Qualified name of the unit it was found in.
    pub unit: String,
    /// Index of the piece that reported it (for fingerprints and snippets).
    pub piece: usize,
}

/// The words the prefilter looks for: every component of every source and sink API in the catalog
/// (`sqlite3`, `execute`, `request`, `args`, ...), lower-cased, minus words too common to say anything.
pub fn prefilter_words() -> &'static HashSet<String> {
    static WORDS: OnceLock<HashSet<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        // Method names that any code calls (`Session.add` is a sink only with its module around).
        const TOO_COMMON: &[&str] = &[
            "self", "object", "str", "http", "models", "db", "utils", "core", "add", "get", "set", "update", "append",
        ];
        reportable()
            .flat_map(|e| e.sources.iter().chain(e.sinks))
            .flat_map(|api| api.api.split(['.', '(', ')', ' ']))
            .filter(|w| w.len() > 1 && !TOO_COMMON.contains(w))
            .map(str::to_ascii_lowercase)
            .collect()
    })
}

/// Whether a piece touches any catalog source or sink (in its code or the imports it uses), and so
/// is worth the model's time.
pub fn passes_prefilter(piece: &Piece) -> bool {
    mentions_catalog(&piece.request.text) || piece.request.imports.iter().any(|i| mentions_catalog(i))
}

/// Whether `text` names any of [`prefilter_words`]: the prefilter's test on one text.
pub fn mentions_catalog(text: &str) -> bool {
    let words = prefilter_words();
    identifier_words(text).into_iter().any(|w| words.contains(&w.to_ascii_lowercase()))
}

/// Share of labeled (record, CWE, line) triples whose line sits in a piece that reached the
/// detector: the prefilter's recall, the ceiling it puts on any detector behind it.
pub fn prefilter_recall(records: &[crate::dataset::record::Record], verdicts: &[FileVerdict]) -> Option<f64> {
    let (mut reached, mut total) = (0usize, 0usize);
    for (record, verdict) in records.iter().zip(verdicts) {
        for &line in record.lines.values().flatten() {
            total += 1;
            let judged = verdict
                .pieces
                .iter()
                .zip(&verdict.predictions)
                .any(|(p, pred)| pred.is_some() && p.file_lines.contains(&line.saturating_sub(1)));
            reached += usize::from(judged);
        }
    }
    (total > 0).then(|| reached as f64 / total as f64)
}

/// Share of labeled (record, CWE) pairs that an anchored answer ([`crate::anchor::grammar`], and
/// [`crate::evidence::evidenced`] for what it keeps) can still name on or next to one of its labeled
/// lines (as eval's line hits count), in a piece that reached the detector. The ceiling anchoring
/// puts on a detector's line hits, as the prefilter's recall is the ceiling on everything.
pub fn anchor_reach(records: &[crate::dataset::record::Record], verdicts: &[FileVerdict]) -> Option<f64> {
    let (mut reached, mut total) = (0usize, 0usize);
    for (record, verdict) in records.iter().zip(verdicts) {
        for (cwe, lines) in &record.lines {
            let Ok(id) = cwe.parse::<CweId>() else { continue };
            total += 1;
            let reachable = verdict.pieces.iter().zip(&verdict.predictions).any(|(piece, prediction)| {
                let labeled: Vec<usize> =
                    lines.iter().copied().filter(|l| piece.file_lines.contains(&l.saturating_sub(1))).collect();
                if prediction.is_none() || labeled.is_empty() || !crate::evidence::evidenced(&piece.request, id) {
                    return false;
                }
                let grammar = crate::anchor::grammar(&piece.request);
                (1..=piece.request.line_count()).any(|n| {
                    labeled.iter().any(|&line| (piece.file_line(n) + 1).abs_diff(line) <= 1)
                        && grammar.check(&format!("{cwe} line {n}")) == crate::prompt::PrefixState::Complete
                })
            });
            reached += usize::from(reachable);
        }
    }
    (total > 0).then(|| reached as f64 / total as f64)
}

/// Maps the predictions of `pieces` to file findings: prompt lines to file lines, contextual
/// weaknesses (access control) to the unit's `def` line, one finding per (line, CWE) with the
/// highest confidence (windows overlap), at or above `min_confidence`, sorted by line then CWE.
pub fn merge(pieces: &[Piece], predictions: &[Option<Prediction>], min_confidence: f32) -> Vec<FileFinding> {
    let mut best: BTreeMap<(usize, CweId), FileFinding> = BTreeMap::new();
    for (index, (piece, prediction)) in pieces.iter().zip(predictions).enumerate() {
        let Some(prediction) = prediction else { continue };
        for f in &prediction.findings {
            if f.confidence < min_confidence {
                continue;
            }
            let contextual = lookup(f.cwe).is_ok_and(|e| e.applicability == Applicability::Contextual);
            let file_line = if contextual { piece.def_line } else { piece.file_line(f.line) };
            let finding = FileFinding {
                line: file_line + 1,
                cwe: f.cwe,
                confidence: f.confidence,
                reason: f.reason.clone(),
                unit: piece.request.name.clone(),
                piece: index,
            };
            best.entry((finding.line, finding.cwe))
                .and_modify(|old| {
                    if finding.confidence > old.confidence {
                        *old = finding.clone();
                    }
                })
                .or_insert(finding);
        }
    }
    best.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Detector, FakeDetector};
    use crate::pieces::{Budget, approx_tokens, pieces};
    use crate::python::{ChunkOptions, chunk};
    use crate::source::SourceFile;

    #[test]
    fn progress_is_reported_per_chunk_and_chunked_judging_changes_no_verdict() {
        let code: String =
            (0..150).map(|i| format!("def f{i}(cmd):\n    os.system(cmd + \"{}\")\n\n\n", "x".repeat(i % 7))).collect();
        let source = SourceFile::from_string("t.py", format!("import os\n\n\n{code}"));
        let chunked = chunk(&source, &ChunkOptions::default()).unwrap();
        let mut fake = FakeDetector { rules: vec![("os.system".into(), crate::cwe::CweId(78))] };
        let opts = JudgeOptions { prefilter: true, min_confidence: 0.5 };
        let mut seen = Vec::new();
        let (verdicts, stats) =
            judge_files_with_progress(&[(&source, &chunked)], &mut fake, &opts, None, &mut |done, total| {
                seen.push((done, total))
            })
            .unwrap();
        // 150 functions and the module unit (its `import os` names a sink module).
        assert_eq!(stats.judged, 151);
        assert_eq!(seen, vec![(64, 151), (128, 151), (151, 151)]);
        assert_eq!(verdicts[0].findings.len(), 150);
        assert!(verdicts[0].findings.iter().all(|f| source.lines().line_count() >= f.line && f.cwe.0 == 78));
    }

    fn file_pieces(code: &str) -> Vec<Piece> {
        let source = SourceFile::from_string("t.py", code.to_string());
        let chunked = chunk(&source, &ChunkOptions::default()).unwrap();
        pieces(&source, &chunked, &Budget { max: 512, measure: &approx_tokens })
    }

    #[test]
    fn the_prefilter_keeps_units_that_touch_sinks_and_skips_plain_helpers() {
        let ps = file_pieces(
            "import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n\ndef add(a, b):\n    return a + b\n",
        );
        let by_name = |n: &str| ps.iter().find(|p| p.request.name == n).unwrap();
        assert!(passes_prefilter(by_name("run")));
        assert!(!passes_prefilter(by_name("add")));
    }

    #[test]
    fn findings_map_to_file_lines_and_overlapping_reports_merge() {
        let code = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n";
        let ps = file_pieces(code);
        let reqs: Vec<_> = ps.iter().map(|p| p.request.clone()).collect();
        let mut fake = FakeDetector { rules: vec![("os.system".into(), CweId(78))] };
        let preds: Vec<Option<Prediction>> = fake.judge(&reqs).unwrap().into_iter().map(Some).collect();
        // The same piece twice (as overlapping windows would) still gives one finding.
        let doubled: Vec<Piece> = ps.iter().chain(&ps).cloned().collect();
        let doubled_preds: Vec<Option<Prediction>> = preds.iter().chain(&preds).cloned().collect();
        let findings = merge(&doubled, &doubled_preds, 0.0);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].line, findings[0].cwe, findings[0].unit.as_str()), (5, CweId(78), "run"));
        assert!(merge(&ps, &preds, 1.5).is_empty(), "below the threshold");
    }
}

#[cfg(test)]
mod same_path_tests {
    use super::*;
    use crate::detect::FakeDetector;
    use crate::python::{ChunkOptions, chunk, load_and_chunk};
    use crate::source::ReadOptions;

    /// Eval judges records from memory; scan reads files. Both must see the same pieces and report
    /// the same findings.
    #[test]
    fn judging_records_in_memory_equals_scanning_them_as_files() {
        let codes = [
            "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n",
            "import sqlite3\n\nclass Repo:\n    def find(self, name):\n        return self.db.execute(f\"SELECT {name}\")\n",
            "def add(a, b):\n    return a + b\n",
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut memory = Vec::new();
        let mut disk = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            let path = dir.path().join(format!("r{i}.py"));
            std::fs::write(&path, code).unwrap();
            let source = SourceFile::from_string(format!("r{i}.py"), code.to_string());
            let chunked = chunk(&source, &ChunkOptions::default()).unwrap();
            memory.push((source, chunked));
            disk.push(load_and_chunk(&path, &ReadOptions::default(), &ChunkOptions::default()).unwrap());
        }
        let opts = JudgeOptions { prefilter: true, min_confidence: 0.0 };
        let mut fake = FakeDetector { rules: vec![("os.system".into(), CweId(78)), ("execute(f".into(), CweId(89))] };
        let memory_refs: Vec<(&SourceFile, &ChunkedFile)> = memory.iter().map(|(s, c)| (s, c)).collect();
        let disk_refs: Vec<(&SourceFile, &ChunkedFile)> = disk.iter().map(|(s, c)| (s, c)).collect();
        let (from_memory, _) = judge_files(&memory_refs, &mut fake, &opts, None).unwrap();
        let (from_disk, stats) = judge_files(&disk_refs, &mut fake, &opts, None).unwrap();
        let findings = |v: &[FileVerdict]| v.iter().map(|f| f.findings.clone()).collect::<Vec<_>>();
        assert_eq!(findings(&from_memory), findings(&from_disk));
        assert_eq!(findings(&from_disk)[0][0].line, 5);
        assert_eq!(findings(&from_disk)[1][0].cwe, CweId(89));
        assert_eq!(stats.prefiltered_out, 1, "the helper never reaches the detector");
    }
}
