//! The detector's decision threshold (`Detector::decide_at`) on a tiny random CodeGen: a finding
//! is decoded exactly for the units whose `p_vulnerable` reaches the threshold, whatever the
//! greedy answer would have been, and every answer still parses; with `explain` every finding
//! carries a reason.

use std::path::Path;

use candle_core::Device;
use pycwe_core::detect::{Detector, Prediction, UnitRequest};
use pycwe_core::python::UnitKind;
use pycwe_model::classifier::LmDetector;
use pycwe_model::models::codegen::Codegen;
use pycwe_model::tokenize::TextTokenizer;

fn detector() -> LmDetector<Codegen> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codegen-tiny");
    let model = Codegen::from_dir(&dir, &Device::Cpu).unwrap();
    let tokenizer = TextTokenizer::from_file(&dir.join("tokenizer.json")).unwrap();
    LmDetector::new(model, tokenizer, "tiny", None).unwrap()
}

fn units() -> Vec<UnitRequest> {
    [
        "def run(cmd):\n    os.system(cmd)\n",
        "def add(a, b):\n    return a + b\n",
        "def load(path):\n    with open(path) as f:\n        return pickle.load(f)\n",
        "x = 1\n",
        "def q(db, name):\n    db.execute(f\"SELECT * FROM t WHERE n = '{name}'\")\n",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| UnitRequest {
        kind: UnitKind::Function,
        name: format!("u{i}"),
        text: text.to_string(),
        imports: vec!["import os".into()],
        class_headers: Vec::new(),
    })
    .collect()
}

fn judge(detector: &mut LmDetector<Codegen>, threshold: Option<f32>) -> Vec<Prediction> {
    if let Some(t) = threshold {
        detector.decide_at(t);
    }
    detector.judge(&units()).unwrap()
}

#[test]
fn a_finding_is_decoded_exactly_where_p_vulnerable_reaches_the_threshold() {
    let mut d = detector();
    let greedy = judge(&mut d, None);
    let p: Vec<f32> = greedy.iter().map(|g| g.p_vulnerable).collect();

    let all = judge(&mut d, Some(0.0));
    assert!(all.iter().all(|a| !a.findings.is_empty()), "threshold 0: a finding for every unit: {all:?}");
    for (a, g) in all.iter().zip(&greedy) {
        assert_eq!(a.p_vulnerable, g.p_vulnerable, "the decision does not change the probabilities");
        assert!(a.findings.iter().all(|f| f.confidence <= a.p_vulnerable + 1e-6), "{a:?}");
    }

    let none = judge(&mut d, Some(1.01));
    assert!(none.iter().all(|a| a.findings.is_empty() && a.answer == "NONE"), "{none:?}");

    let mut sorted = p.clone();
    sorted.sort_by(f32::total_cmp);
    let middle = sorted[sorted.len() / 2];
    let some = judge(&mut d, Some(middle));
    for (a, p) in some.iter().zip(&p) {
        assert_eq!(!a.findings.is_empty(), *p >= middle, "p_vulnerable {p} against {middle}: {a:?}");
    }
}

#[test]
fn the_threshold_is_part_of_the_fingerprint() {
    let mut d = detector();
    let plain = d.fingerprint();
    d.decide_at(0.3);
    let at = d.fingerprint();
    d.decide_at(0.4);
    assert!(plain != at && at != d.fingerprint());
}

#[test]
fn with_explain_every_finding_carries_the_models_own_reason() {
    let mut d = detector();
    let plain = d.fingerprint();
    d.decide_at(0.0);
    d.explain().unwrap();
    assert!(d.fingerprint().contains("explain") && d.fingerprint() != plain);
    let predictions = d.judge(&units()).unwrap();
    for p in &predictions {
        assert!(!p.findings.is_empty(), "{p:?}");
        for f in &p.findings {
            let reason = f.reason.as_deref().unwrap_or_else(|| panic!("no reason: {p:?}"));
            assert!(!reason.is_empty() && !reason.contains('\n'), "{reason:?}");
        }
    }
}
