//! pycwe's CodeGen against Hugging Face `transformers`' `CodeGenForCausalLM` on a tiny random
//! checkpoint (`fixtures/codegen-tiny`, made by `scripts/reference/make_codegen_fixture.py`): the
//! logits agree, both weight formats load, the KV cache and batching change nothing, the training
//! path computes the same function, LoRA with B = 0 is the base, gradients reach every trainable
//! tensor, and a few training steps lower the loss.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use pycwe_model::adapter::AdapterMeta;
use pycwe_model::lora::LoraConfig;
use pycwe_model::models::codegen::{Codegen, PROJECTIONS};
use pycwe_model::models::{CausalLm, KvCache, Mode};
use pycwe_model::tokenize::TextTokenizer;
use pycwe_model::train::lm::{LmTrainee, Trainable};
use pycwe_model::train::{Example, Finish, StopWhen, TrainConfig, TrainModel, run};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn tiny() -> Codegen {
    Codegen::from_dir(&fixture("codegen-tiny"), &Device::Cpu).unwrap()
}

/// `(ids, logits [T, vocab])` for each reference sequence.
fn reference() -> Vec<(Vec<u32>, Tensor)> {
    let t: HashMap<String, Tensor> =
        candle_core::safetensors::load(fixture("codegen-tiny/reference.safetensors"), &Device::Cpu).unwrap();
    (0..)
        .map_while(|i| {
            let ids = t.get(&format!("ids_{i}"))?.to_vec1::<i64>().unwrap().into_iter().map(|x| x as u32).collect();
            Some((ids, t[&format!("logits_{i}")].clone()))
        })
        .collect()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap()
}

#[test]
fn logits_match_transformers_for_both_weight_formats() {
    let refs = reference();
    assert_eq!(refs.len(), 3);
    assert!(refs.iter().any(|(ids, _)| ids.len() >= 90), "one sequence is far longer than rotary_dim");
    for dir in ["codegen-tiny", "codegen-tiny-bin"] {
        let model = Codegen::from_dir(&fixture(dir), &Device::Cpu).unwrap();
        for (ids, expected) in &refs {
            let ours = model.full_logits(ids, Mode::Infer).unwrap();
            let diff = max_diff(&ours, expected);
            // The logits span several units, so 1e-4 is tight enough to catch any layout slip.
            let spread = expected.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
            assert!(spread > 1.0, "the fixture's logits are not degenerate: {spread}");
            assert!(diff < 1e-4, "{dir}, {} tokens: max |diff| {diff}", ids.len());
        }
    }
}

#[test]
fn the_training_path_computes_the_same_logits() {
    let model = tiny();
    let (ids, expected) = &reference()[2];
    let train = model.full_logits(ids, Mode::Train).unwrap();
    assert!(max_diff(&train, expected) < 1e-4);
}

#[test]
fn decoding_with_the_cache_and_padded_batches_equals_full_recompute() {
    let model = tiny();
    let (ids, expected) = &reference()[2];
    let mut cache = KvCache::new(1, model.layers());
    let split = 40;
    let h = model.step(&[ids[..split].to_vec()], &mut cache, Mode::Infer).unwrap();
    let mut rows = vec![model.logits(&h.get(0).unwrap().get(split - 1).unwrap()).unwrap()];
    for &id in &ids[split..] {
        let h = model.step(&[vec![id]], &mut cache, Mode::Infer).unwrap();
        rows.push(model.logits(&h.get(0).unwrap().get(0).unwrap()).unwrap());
    }
    let decoded = Tensor::stack(&rows, 0).unwrap();
    let full = expected.narrow(0, split - 1, ids.len() - split + 1).unwrap();
    assert!(max_diff(&decoded, &full) < 1e-4);

    // Two rows of different lengths in one batch: the short row is padded and must not notice.
    let short = ids[..7].to_vec();
    let mut cache = KvCache::new(2, model.layers());
    let h = model.step(&[ids.clone(), short.clone()], &mut cache, Mode::Infer).unwrap();
    let long_logits = model.logits(&h.get(0).unwrap()).unwrap();
    let short_logits = model.logits(&h.get(1).unwrap().narrow(0, 0, 7).unwrap()).unwrap();
    assert!(max_diff(&long_logits, expected) < 1e-4);
    assert!(max_diff(&short_logits, &expected.narrow(0, 0, 7).unwrap()) < 1e-4);
}

#[test]
fn a_prefix_shared_by_rows_of_different_lengths_matches_transformers() {
    let model = tiny();
    let (ids, expected) = &reference()[2];
    let p = 30;
    for mode in [Mode::Infer, Mode::Train] {
        let mut one = KvCache::new(1, model.layers());
        model.step(&[ids[..p].to_vec()], &mut one, mode).unwrap();
        let mut cache = one.share(2).unwrap();
        // Row 0 continues with 20 tokens, row 1 with 5 (padded), then both decode one token.
        let h = model.step(&[ids[p..p + 20].to_vec(), ids[p..p + 5].to_vec()], &mut cache, mode).unwrap();
        let long = model.logits(&h.get(0).unwrap()).unwrap();
        let short = model.logits(&h.get(1).unwrap().narrow(0, 0, 5).unwrap()).unwrap();
        assert!(max_diff(&long, &expected.narrow(0, p, 20).unwrap()) < 1e-4, "{mode:?}");
        assert!(max_diff(&short, &expected.narrow(0, p, 5).unwrap()) < 1e-4, "{mode:?}");
        let h = model.step(&[vec![ids[p + 20]], vec![ids[p + 5]]], &mut cache, mode).unwrap();
        let next = model.logits(&h.narrow(1, 0, 1).unwrap().squeeze(1).unwrap()).unwrap();
        let want = Tensor::stack(&[expected.get(p + 20).unwrap(), expected.get(p + 5).unwrap()], 0).unwrap();
        assert!(max_diff(&next, &want) < 1e-4, "{mode:?} decode");
    }
}

#[test]
fn the_tokenizer_json_loads_and_encodes_as_the_tokenizers_library_did() {
    let tok = TextTokenizer::from_file(&fixture("codegen-tiny/tokenizer.json")).unwrap();
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("codegen-tiny/tokenizer_cases.json")).unwrap()).unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let expected: Vec<u32> = serde_json::from_value(case["ids"].clone()).unwrap();
        assert_eq!(tok.encode_plain(text).unwrap(), expected, "{text:?}");
        assert_eq!(tok.decode(&expected).unwrap(), text);
    }
    assert!(tok.eos.is_some(), "<|endoftext|> ends answers");
}

fn meta() -> AdapterMeta {
    AdapterMeta {
        base_model: "codegen-tiny".into(),
        base_sha256: "00".repeat(32),
        prompt_version: pycwe_core::prompt::PROMPT_VERSION,
        training: serde_json::Value::Null,
    }
}

fn lora_trainee(seed: u64) -> LmTrainee<Codegen> {
    let what = Trainable::Lora {
        config: LoraConfig { rank: 4, alpha: 8.0 },
        targets: PROJECTIONS.map(String::from).to_vec(),
        from_layer: 0,
    };
    LmTrainee::new(tiny(), what, vec![3, 4, 5, 6], seed, meta(), "tiny-codegen").unwrap()
}

/// Prompts whose answer depends on the prompt, in the fixture's vocabulary (320 tokens).
fn examples() -> Vec<Example> {
    (0..8u32)
        .map(|i| Example {
            prompt: (0..6 + i % 3).map(|j| 20 + (i * 11 + j * 5) % 250).collect(),
            answer: vec![100 + i % 4, 200 + i % 2, 0],
        })
        .collect()
}

#[test]
fn a_fresh_adapter_leaves_the_logits_unchanged() {
    let base = tiny();
    let mut adapted = tiny();
    adapted.add_lora(&PROJECTIONS, LoraConfig { rank: 4, alpha: 8.0 }, 3, 0).unwrap();
    let (ids, _) = &reference()[2];
    let a = base.full_logits(ids, Mode::Infer).unwrap();
    let b = adapted.full_logits(ids, Mode::Infer).unwrap();
    assert_eq!(max_diff(&a, &b), 0.0);
    assert_eq!(adapted.lora_vars().len(), 2 * PROJECTIONS.len() * adapted.layers());
}

#[test]
fn gradients_reach_every_adapter_matrix_and_every_weight_in_full_fine_tuning() {
    let batch = examples();
    let refs: Vec<&Example> = batch.iter().take(3).collect();

    let mut lora = lora_trainee(1);
    let vars = lora.trainable();
    // With B = 0 the gradient of A is zero by construction: give B values first.
    for (name, var) in &vars {
        if name.contains("lora_B") {
            var.set(&Tensor::randn(0f32, 0.1, var.shape(), &Device::Cpu).unwrap()).unwrap();
        }
    }
    let grads = lora.answer_loss(&refs, true).unwrap().backward().unwrap();
    for (name, var) in &vars {
        let g = grads.get(var.as_tensor()).unwrap_or_else(|| panic!("{name} has no gradient"));
        assert!(g.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap() > 0.0, "{name}: zero gradient");
    }

    let mut full =
        LmTrainee::new(tiny(), Trainable::Full { from_layer: 0 }, vec![3, 4, 5, 6], 1, meta(), "tiny-codegen").unwrap();
    let vars = full.trainable();
    // Embedding, 8 tensors per block, final norm, head and its bias.
    assert_eq!(vars.len(), 1 + 8 * 2 + 2 + 2);
    let grads = full.answer_loss(&refs, true).unwrap().backward().unwrap();
    for (name, var) in &vars {
        let g = grads.get(var.as_tensor()).unwrap_or_else(|| panic!("{name} has no gradient"));
        assert!(g.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap() > 0.0, "{name}: zero gradient");
    }
}

#[test]
fn a_few_lora_steps_lower_the_loss_and_the_adapter_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = lora_trainee(1);
    let cfg =
        TrainConfig { epochs: 15, lr: 1e-2, batch: 4, accum: 1, checkpoint_every: 1000, ..TrainConfig::default() };
    let mut log = Vec::new();
    let data = examples();
    let finish =
        run(&mut model, &data, &data[..2], &cfg, dir.path(), false, &StopWhen::default(), &mut |e, _| log.push(e.loss))
            .unwrap();
    assert!(matches!(finish, Finish::Completed { .. }));
    let (first, last) = (log[0], *log.last().unwrap());
    assert!(last < 0.5 * first, "{first} -> {last}");

    // The exported adapter carries PEFT's CodeGen names and, applied to a fresh model, gives the
    // trained model's logits.
    let adapter = pycwe_model::adapter::Adapter::read(dir.path(), &Device::Cpu).unwrap();
    assert!(adapter.tensors.contains_key("base_model.model.transformer.h.1.mlp.fc_out.lora_B.weight"));
    assert_eq!(adapter.config.as_ref().unwrap().target_modules.len(), 4);
    let mut fresh = tiny();
    adapter.apply(&mut fresh).unwrap();
    let ids: Vec<u32> = (0..12).map(|i| 30 + i * 7).collect();
    let trained = model.model.full_logits(&ids, Mode::Infer).unwrap();
    let applied = fresh.full_logits(&ids, Mode::Infer).unwrap();
    // The adapter is stored in f16.
    assert!(max_diff(&trained, &applied) < 2e-2);
}

#[test]
fn a_checkpoint_that_does_not_match_its_config_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["model.safetensors", "tokenizer.json"] {
        std::fs::copy(fixture("codegen-tiny").join(file), dir.path().join(file)).unwrap();
    }
    let config = std::fs::read_to_string(fixture("codegen-tiny/config.json")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.replace("\"n_layer\": 2", "\"n_layer\": 3")).unwrap();
    let err = Codegen::from_dir(dir.path(), &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("transformer.h.2.ln_1.weight") && err.contains("missing"), "{err}");

    std::fs::write(dir.path().join("config.json"), config.replace("\"n_head\": 4", "\"n_head\": 2")).unwrap();
    let err = Codegen::from_dir(dir.path(), &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("config.json") && err.contains("multiple of 4"), "{err}");
}

#[test]
fn peft_computes_what_pycwe_computes_with_an_adapter_pycwe_trained() {
    // `scripts/reference/make_peft_fixture.py`: `pycwe train` wrote the adapter, PEFT 0.7.1 loaded
    // it onto transformers' CodeGen (every tensor into its LoRA module) and wrote these logits.
    let dir = fixture("codegen-tiny-peft");
    let adapter = pycwe_model::adapter::Adapter::read(&dir, &Device::Cpu).unwrap();
    let mut model = tiny();
    adapter.apply(&mut model).unwrap();
    let t: HashMap<String, Tensor> =
        candle_core::safetensors::load(dir.join("peft_logits.safetensors"), &Device::Cpu).unwrap();
    let ids: Vec<u32> = t["ids"].to_vec1::<i64>().unwrap().into_iter().map(|x| x as u32).collect();
    let ours = model.full_logits(&ids, Mode::Infer).unwrap();
    let diff = max_diff(&ours, &t["logits"]);
    assert!(diff < 1e-4, "max |diff| {diff}");
    // The adapter matters: without it the logits are elsewhere.
    assert!(max_diff(&tiny().full_logits(&ids, Mode::Infer).unwrap(), &t["logits"]) > 1e-2);
}
