//! The interface every detector implements (a language model with or without an adapter, a fake for
//! tests): it judges chunker units, one [`Prediction`] per unit, in the task of [`crate::prompt`].

use crate::cwe::CweId;
use crate::python::{Unit, UnitKind};
use crate::source::SourceFile;

/// One unit as a detector sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRequest {
    pub kind: UnitKind,
    pub name: String,
    /// The unit's lines (what the prompt numbers from 1).
    pub text: String,
    pub imports: Vec<String>,
    pub class_headers: Vec<String>,
    /// The whole unit when this request is one window of a longer one (`None` otherwise): never
    /// shown to the model, read by [`crate::evidence`] for a name bound above the window or a call
    /// the window cuts off.
    pub whole: Option<WholeUnit>,
}

/// A long unit's shown text, of which a request is a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WholeUnit {
    pub text: std::sync::Arc<str>,
    /// How many of the unit's shown lines come before the window's first.
    pub lines_before: usize,
}

impl UnitRequest {
    pub fn from_unit(unit: &Unit, source: &SourceFile) -> Self {
        UnitRequest {
            kind: unit.kind,
            name: unit.name.clone(),
            text: unit.text(source),
            imports: unit.context.imports.clone(),
            class_headers: unit.context.class_headers.clone(),
            whole: None,
        }
    }

    pub fn line_count(&self) -> usize {
        self.text.lines().count().max(1)
    }

    /// A plain function `f` with these lines and imports, for unit tests.
    #[cfg(test)]
    pub(crate) fn function_for_tests(text: &str, imports: &[&str]) -> Self {
        UnitRequest {
            kind: UnitKind::Function,
            name: "f".into(),
            text: text.into(),
            imports: imports.iter().map(|s| s.to_string()).collect(),
            class_headers: Vec::new(),
            whole: None,
        }
    }
}

/// A weakness a detector reports in a unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnitFinding {
    pub cwe: CweId,
    /// 1-based line within the unit.
    pub line: usize,
    /// 0..=1, from the detector's own probabilities.
    pub confidence: f32,
    pub reason: Option<String>,
}

/// A detector's verdict on one unit.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Prediction {
    pub findings: Vec<UnitFinding>,
    /// The answer as the detector wrote it (the grammar's text for a model).
    pub answer: String,
    /// Probability that the unit contains any listed weakness.
    pub p_vulnerable: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("the model failed: {0}")]
    Model(String),
}

pub trait Detector {
    /// A short description for reports, e.g. `smollm2-135m + adapter 1a2b3c`.
    fn describe(&self) -> String;
    /// Judges `units`; the result has one prediction per unit, in order.
    fn judge(&mut self, units: &[UnitRequest]) -> Result<Vec<Prediction>, DetectError>;
    /// What a line costs in this detector's budget (tokens for a model).
    fn line_cost(&self, line: &str) -> usize {
        crate::pieces::approx_tokens(line)
    }
    /// Longest piece, in [`Detector::line_cost`] units; longer units are cut into windows.
    fn piece_budget(&self) -> usize {
        DEFAULT_PIECE_BUDGET
    }
    /// Identifies the detector's weights and prompt, for caches (changes whenever a verdict could).
    fn fingerprint(&self) -> String {
        self.describe()
    }
    /// Write a finding for every unit whose `p_vulnerable` is at least `threshold`. A model left to
    /// itself writes one only where a finding is the likelier answer (about 0.5), so a threshold
    /// below that would change nothing. A finding's confidence never exceeds its unit's
    /// `p_vulnerable`, so deciding at the reporting threshold loses no finding that would pass it.
    /// Detectors without probabilities ignore it.
    fn decide_at(&mut self, _threshold: f32) {}
    /// Decode the model's own one-line reason after each finding (`--explain`: slower, since
    /// every token of the reason is decoded). Detectors that do not write reasons ignore it.
    fn explain(&mut self) -> Result<(), DetectError> {
        Ok(())
    }
    /// Hold each unit's findings to its anchors ([`crate::anchor`]): a local weakness only on a
    /// line using one of its sinks, when the unit has such lines. Detectors that do not decode
    /// answers ignore it.
    fn anchor(&mut self) {}
}

/// A fingerprint extended with how answers are decoded ([`Detector::decide_at`],
/// [`Detector::explain`], [`Detector::anchor`]): each changes verdicts, so cached verdicts must not
/// be shared across them.
pub fn with_decoding(fingerprint: &str, decide_at: Option<f32>, explain: bool, anchored: bool) -> String {
    let mut out = fingerprint.to_string();
    if let Some(t) = decide_at {
        out.push_str(&format!(" decide-at-{t}"));
    }
    if explain {
        out.push_str(" explain");
    }
    if anchored {
        out.push_str(" anchored");
    }
    out
}

/// A boxed detector is a detector (the CLI picks the model's architecture at run time).
impl<T: Detector + ?Sized> Detector for Box<T> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn judge(&mut self, units: &[UnitRequest]) -> Result<Vec<Prediction>, DetectError> {
        (**self).judge(units)
    }
    fn line_cost(&self, line: &str) -> usize {
        (**self).line_cost(line)
    }
    fn piece_budget(&self) -> usize {
        (**self).piece_budget()
    }
    fn fingerprint(&self) -> String {
        (**self).fingerprint()
    }
    fn decide_at(&mut self, threshold: f32) {
        (**self).decide_at(threshold)
    }
    fn explain(&mut self) -> Result<(), DetectError> {
        (**self).explain()
    }
    fn anchor(&mut self) {
        (**self).anchor()
    }
}

/// Pieces' budget in tokens: training's default `--max-len` of 512 minus room for context and answer.
pub const DEFAULT_PIECE_BUDGET: usize = 416;

/// A detector for tests: reports `cwe` on every line containing `needle`.
#[derive(Debug, Clone)]
pub struct FakeDetector {
    pub rules: Vec<(String, CweId)>,
}

impl Detector for FakeDetector {
    fn describe(&self) -> String {
        "fake".to_string()
    }

    fn judge(&mut self, units: &[UnitRequest]) -> Result<Vec<Prediction>, DetectError> {
        Ok(units
            .iter()
            .map(|u| {
                let findings: Vec<UnitFinding> =
                    u.text
                        .lines()
                        .enumerate()
                        .flat_map(|(i, line)| {
                            self.rules.iter().filter(move |(needle, _)| line.contains(needle.as_str())).map(
                                move |(_, cwe)| UnitFinding { cwe: *cwe, line: i + 1, confidence: 1.0, reason: None },
                            )
                        })
                        .collect();
                let answer = crate::prompt::format_answer(
                    &findings
                        .iter()
                        .map(|f| crate::prompt::AnswerItem { cwe: f.cwe, line: f.line, reason: None })
                        .collect::<Vec<_>>(),
                );
                Prediction { p_vulnerable: if findings.is_empty() { 0.0 } else { 1.0 }, findings, answer }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::{ChunkOptions, chunk};

    #[test]
    fn the_fake_detector_reports_matching_lines_per_unit() {
        let source = SourceFile::from_string(
            "t.py",
            "import os\n\ndef run(cmd):\n    os.system(cmd)\n\ndef ok():\n    return 1\n".to_string(),
        );
        let units: Vec<UnitRequest> = chunk(&source, &ChunkOptions::default())
            .unwrap()
            .units
            .iter()
            .map(|u| UnitRequest::from_unit(u, &source))
            .collect();
        let mut fake = FakeDetector { rules: vec![("os.system".into(), CweId(78))] };
        let preds = fake.judge(&units).unwrap();
        let run = units.iter().position(|u| u.name == "run").unwrap();
        assert_eq!(preds[run].findings.len(), 1);
        assert_eq!(preds[run].findings[0].line, 2);
        assert_eq!(preds[run].answer, "CWE-78 line 2");
        assert!(preds.iter().enumerate().all(|(i, p)| i == run || p.findings.is_empty()));
    }
}
