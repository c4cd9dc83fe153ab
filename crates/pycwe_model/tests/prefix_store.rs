//! The encoded prompt prefix kept on disk between runs: a detector that reads it back judges
//! exactly as one that encoded the prefix itself, a damaged file is re-encoded, not trusted, and
//! a new build replaces its predecessor's file instead of adding one.

use std::path::Path;

use candle_core::Device;
use pycwe_core::detect::{Detector, UnitRequest};
use pycwe_core::python::UnitKind;
use pycwe_model::classifier::{LmDetector, PrefixStore};
use pycwe_model::models::codegen::Codegen;
use pycwe_model::tokenize::TextTokenizer;

fn detector(store: Option<&PrefixStore>) -> LmDetector<Codegen> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codegen-tiny");
    let model = Codegen::from_dir(&dir, &Device::Cpu).unwrap();
    let tokenizer = TextTokenizer::from_file(&dir.join("tokenizer.json")).unwrap();
    let mut detector = LmDetector::with_prefix_store(model, tokenizer, "tiny", None, store).unwrap();
    detector.decide_at(0.0);
    detector
}

fn units() -> Vec<UnitRequest> {
    ["def run(cmd):\n    os.system(cmd)\n", "def add(a, b):\n    return a + b\n"]
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

#[test]
fn a_stored_prefix_judges_exactly_as_a_freshly_encoded_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = PrefixStore::new(dir.path(), "tiny-weights", "build 1");
    let fresh = detector(None).judge(&units()).unwrap();

    let first = detector(Some(&store)).judge(&units()).unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one file, no temp files left: {files:?}");
    let reread = detector(Some(&store)).judge(&units()).unwrap();
    for answers in [&first, &reread] {
        assert_eq!(answers.len(), fresh.len());
        for (a, b) in fresh.iter().zip(answers.iter()) {
            assert_eq!(a.findings, b.findings);
            assert_eq!(a.p_vulnerable, b.p_vulnerable, "bit-identical: the same tensors are read back");
        }
    }

    // A damaged file is a miss: the prefix is encoded again (and the file rewritten).
    std::fs::write(&files[0], b"not safetensors").unwrap();
    let repaired = detector(Some(&store)).judge(&units()).unwrap();
    assert_eq!(repaired[0].p_vulnerable, fresh[0].p_vulnerable);
    assert!(candle_core::safetensors::load(&files[0], &Device::Cpu).is_ok());

    // Other weights never read this prefix; another build replaces its own build's file.
    detector(Some(&PrefixStore::new(dir.path(), "other-weights", "build 1")));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    detector(Some(&PrefixStore::new(dir.path(), "tiny-weights", "build 2")));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    assert!(!files[0].exists(), "build 1's copy of the prefix is gone");
}
