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
        whole: None,
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

#[test]
fn anchored_findings_sit_on_sink_lines_and_keep_the_decision() {
    use pycwe_core::cwe::{Applicability, lookup};
    let mut free = detector();
    free.decide_at(0.0);
    let free_predictions = free.judge(&units()).unwrap();
    let mut d = detector();
    d.decide_at(0.0);
    let plain = d.fingerprint();
    d.anchor();
    assert!(d.fingerprint().contains("anchored") && d.fingerprint() != plain);
    let requests = units();
    let predictions = d.judge(&requests).unwrap();
    for ((request, p), f) in requests.iter().zip(&predictions).zip(&free_predictions) {
        assert_eq!(p.p_vulnerable, f.p_vulnerable, "anchoring changes what is named, not whether");
        let anchors = pycwe_core::anchor::anchors(request);
        for finding in &p.findings {
            let contextual = lookup(finding.cwe).unwrap().applicability == Applicability::Contextual;
            assert!(!contextual || pycwe_core::anchor::may_be_handler(request), "{finding:?} outside a handler");
            assert!(pycwe_core::evidence::evidenced(request, finding.cwe), "{finding:?} kept without evidence");
            assert!(
                anchors.is_empty() || contextual || anchors.contains(&(finding.cwe, finding.line)),
                "{} line {} is not an anchor of {:?}: {anchors:?}",
                finding.cwe,
                finding.line,
                request.text
            );
        }
    }
    // The random model names something on every unit at threshold 0; with anchors the `os.system`,
    // `pickle.load` and `execute` units can only name their sinks (or a contextual weakness).
    let anchored_units = requests.iter().filter(|r| !pycwe_core::anchor::anchors(r).is_empty()).count();
    assert_eq!(anchored_units, 3);
}

#[test]
fn a_unit_whose_every_finding_evidence_dropped_gets_a_second_choice_it_shows_evidence_of() {
    use pycwe_core::evidence::{evidenced, second_choices};
    use pycwe_core::prompt::parse_answer;
    let mut requests = units();
    // Each unit anchors two injections, one given only constants (which evidence drops) and one
    // given data: a random model names either.
    for (i, text) in [
        "def f(db, q):\n    os.system(\"ls -l\")\n    db.execute(\"SELECT \" + q)\n",
        "def f(db, cmd):\n    db.execute(\"SELECT 1\")\n    os.system(cmd)\n",
        "def f(blob):\n    os.system(\"ls -l\")\n    return pickle.loads(blob)\n",
        "def f(cmd):\n    pickle.loads(b\"x\")\n    os.system(cmd)\n",
        "def f(db, blob):\n    db.execute(\"SELECT 1\")\n    return pickle.loads(blob)\n",
        "def f(db, q):\n    pickle.loads(b\"x\")\n    db.execute(\"SELECT \" + q)\n",
    ]
    .iter()
    .enumerate()
    {
        requests.push(UnitRequest { name: format!("two{i}"), text: text.to_string(), ..requests[0].clone() });
    }
    let mut d = detector();
    d.decide_at(0.0);
    d.anchor();
    let predictions = d.judge(&requests).unwrap();
    let mut second = 0;
    for (request, p) in requests.iter().zip(&predictions) {
        let choices = second_choices(request);
        match p.answer.split_once(" then ") {
            Some((first, _)) => {
                second += 1;
                let named = parse_answer(first, request.line_count()).unwrap();
                assert!(!named.is_empty() && named.iter().all(|i| !evidenced(request, i.cwe)), "{p:?}");
                assert!(!p.findings.is_empty(), "the second choice is always a finding: {p:?}");
                assert!(p.findings.iter().all(|f| choices.contains(&f.cwe)), "{p:?} outside {choices:?}");
                assert!(p.findings.iter().all(|f| f.confidence <= p.p_vulnerable + 1e-6), "{p:?}");
            }
            // None owed: something the model named was kept, or the unit shows nothing specific.
            None => assert!(!p.findings.is_empty() || choices.is_empty(), "{p:?} with choices {choices:?}"),
        }
    }
    assert!(second > 0, "the random model's guesses on these units include ids their evidence drops: {predictions:?}");
}
