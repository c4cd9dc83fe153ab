//! The training loop on a tiny random Llama: it learns (8 examples overfit), it is reproducible
//! (same seed, same losses), resuming equals not stopping, gradients are right (finite differences),
//! full fine-tuning reaches every weight, and adapters round-trip through PEFT's format.

use candle_core::{Device, Tensor};
use pycwe_model::adapter::{self, Adapter, AdapterMeta};
use pycwe_model::lora::LoraConfig;
use pycwe_model::models::CausalLm;
use pycwe_model::models::llama::{Llama, LlamaConfig, Mode};
use pycwe_model::train::lm::{LlamaTrainee, Trainable};
use pycwe_model::train::{Example, Finish, LogEntry, StopWhen, TrainConfig, TrainModel, run};

fn tiny() -> Llama {
    let cfg = LlamaConfig {
        vocab: 64,
        hidden: 32,
        intermediate: 48,
        layers: 2,
        heads: 4,
        kv_heads: 2,
        rope_theta: 10_000.0,
        rms_eps: 1e-5,
        max_positions: 96,
    };
    Llama::random(cfg, 11, &Device::Cpu).unwrap()
}

fn meta() -> AdapterMeta {
    AdapterMeta {
        base_model: "tiny".into(),
        base_sha256: "00".repeat(32),
        prompt_version: pycwe_core::prompt::PROMPT_VERSION,
        training: serde_json::Value::Null,
    }
}

const PREFIX: [u32; 6] = [1, 2, 3, 4, 5, 6];

fn lora(seed: u64) -> LlamaTrainee {
    lora_from(seed, 0)
}

fn lora_from(seed: u64, from_layer: usize) -> LlamaTrainee {
    let what = Trainable::Lora {
        from_layer,
        config: LoraConfig { rank: 4, alpha: 8.0 },
        targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
            .map(String::from)
            .to_vec(),
    };
    LlamaTrainee::new(tiny(), what, PREFIX.to_vec(), seed, meta(), "tiny").unwrap()
}

/// Eight prompts whose answer is a function of the prompt (so there is something to learn).
fn examples() -> Vec<Example> {
    (0..8u32)
        .map(|i| Example {
            prompt: (0..5 + i % 3).map(|j| 10 + (i * 7 + j * 3) % 40).collect(),
            answer: vec![50 + i % 4, 55 + i % 2, 63],
        })
        .collect()
}

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        lr: 1e-2,
        batch: 2,
        accum: 2,
        warmup: 0.1,
        checkpoint_every: 1000,
        seed: 5,
        ..TrainConfig::default()
    }
}

fn train(
    model: &mut LlamaTrainee,
    cfg: &TrainConfig,
    dir: &std::path::Path,
    resume: bool,
    stop: &StopWhen,
) -> (Finish, Vec<LogEntry>) {
    let mut log = Vec::new();
    let finish =
        run(model, &examples(), &examples()[..2], cfg, dir, resume, stop, &mut |e, _| log.push(e.clone())).unwrap();
    (finish, log)
}

#[test]
fn a_tiny_model_overfits_eight_examples() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = lora(1);
    let (finish, log) = train(&mut model, &config(40), dir.path(), false, &StopWhen::default());
    assert!(matches!(finish, Finish::Completed { .. }));
    let first = log[0].loss;
    let last = log.last().unwrap().loss;
    assert!(first > 2.0, "starts near ln(64): {first}");
    assert!(last < 0.05, "overfits: {first} -> {last}");
    // The run wrote its adapter, log and config.
    for file in
        ["adapter_model.safetensors", "adapter_config.json", "pycwe_adapter.json", "log.jsonl", "train_config.json"]
    {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    assert!(dir.path().join("best").join("adapter_model.safetensors").is_file());
}

#[test]
fn the_same_seed_gives_the_same_losses_and_resume_equals_an_uninterrupted_run() {
    let straight = tempfile::tempdir().unwrap();
    let (_, full_log) = train(&mut lora(1), &config(3), straight.path(), false, &StopWhen::default());
    let again = tempfile::tempdir().unwrap();
    let (_, again_log) = train(&mut lora(1), &config(3), again.path(), false, &StopWhen::default());
    let losses = |log: &[LogEntry]| log.iter().map(|e| e.loss).collect::<Vec<_>>();
    assert_eq!(losses(&full_log), losses(&again_log));

    // Stop after 3 steps (mid-epoch: 4 batches of 2 make 2 steps an epoch), then resume in a fresh process-like state.
    let split = tempfile::tempdir().unwrap();
    let (stopped, first_log) =
        train(&mut lora(1), &config(3), split.path(), false, &StopWhen { after_step: Some(3), ..StopWhen::default() });
    assert!(matches!(stopped, Finish::Stopped { .. }));
    // A different adapter init proves the weights come from the checkpoint, not from the seed.
    let (resumed, rest_log) = train(&mut lora(99), &config(3), split.path(), true, &StopWhen::default());
    assert!(matches!(resumed, Finish::Completed { .. }));
    let mut joined = losses(&first_log);
    joined.extend(losses(&rest_log));
    assert_eq!(joined, losses(&full_log));
    // The log on disk holds every step once.
    let on_disk = std::fs::read_to_string(split.path().join("log.jsonl")).unwrap();
    assert_eq!(on_disk.lines().count(), full_log.len());
}

#[test]
fn resuming_with_other_settings_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    train(&mut lora(1), &config(3), dir.path(), false, &StopWhen { after_step: Some(1), ..StopWhen::default() });
    let mut other = config(3);
    other.lr = 1.0;
    let err = run(&mut lora(1), &examples(), &[], &other, dir.path(), true, &StopWhen::default(), &mut |_, _| {})
        .unwrap_err();
    assert!(err.to_string().contains("other settings"), "{err}");
}

#[test]
fn lora_gradients_of_the_answer_loss_match_finite_differences() {
    let mut model = lora(2);
    let params = model.trainable();
    // Give every B a value, so A's gradients are not zero.
    for (name, var) in &params {
        if name.contains("lora_B") {
            var.set(&Tensor::randn(0f32, 0.2, var.shape(), &Device::Cpu).unwrap()).unwrap();
        }
    }
    let data = examples();
    let batch: Vec<&Example> = data.iter().take(3).collect();
    let loss = |m: &LlamaTrainee| m.answer_loss(&batch, true).unwrap();
    let grads = loss(&model).backward().unwrap();
    for (name, var) in
        params.iter().filter(|(n, _)| n.contains("layers.1.self_attn.k_proj") || n.contains("layers.0.mlp.up_proj"))
    {
        let grad = grads.get(var.as_tensor()).expect("in the graph").flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let orig = var.as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let i = grad.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
        let eps = 1e-2f32;
        let bump = |delta: f32| {
            let mut v = orig.clone();
            v[i] += delta;
            var.set(&Tensor::from_vec(v, var.shape(), &Device::Cpu).unwrap()).unwrap();
            loss(&model).to_scalar::<f32>().unwrap()
        };
        let numeric = (bump(eps) - bump(-eps)) / (2.0 * eps);
        var.set(&Tensor::from_vec(orig, var.shape(), &Device::Cpu).unwrap()).unwrap();
        assert!(
            (numeric - grad[i]).abs() <= 2e-2 * (1.0 + grad[i].abs()),
            "{name}: numeric {numeric} vs autograd {}",
            grad[i]
        );
    }
}

#[test]
fn full_fine_tuning_reaches_every_weight_and_lowers_the_loss() {
    let mut model =
        LlamaTrainee::new(tiny(), Trainable::Full { from_layer: 0 }, PREFIX.to_vec(), 0, meta(), "tiny").unwrap();
    let params = model.trainable();
    assert_eq!(params.len(), 1 + 2 * 9 + 1, "embedding, 9 per layer, final norm");
    let data = examples();
    let batch: Vec<&Example> = data.iter().collect();
    let grads = model.answer_loss(&batch, true).unwrap().backward().unwrap();
    for (name, var) in &params {
        let g = grads.get(var.as_tensor()).unwrap_or_else(|| panic!("{name} has no gradient"));
        assert!(g.sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0, "{name}: zero gradient");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(10);
    cfg.lr = 3e-3;
    let mut log = Vec::new();
    run(&mut model, &data, &[], &cfg, dir.path(), false, &StopWhen::default(), &mut |e, _| log.push(e.loss)).unwrap();
    assert!(log.last().unwrap() < &(log[0] * 0.5), "{log:?}");
    assert!(dir.path().join("model.safetensors").is_file());
}

#[test]
fn full_fine_tuning_of_the_top_layer_trains_it_alone_and_its_patch_loads_back() {
    let mut model =
        LlamaTrainee::new(tiny(), Trainable::Full { from_layer: 1 }, PREFIX.to_vec(), 0, meta(), "tiny").unwrap();
    let names: Vec<String> = model.trainable().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 9 + 1, "layer 1's 9 weights and the final norm: {names:?}");
    assert!(names.iter().all(|n| n.starts_with("model.layers.1.") || n == "model.norm.weight"), "{names:?}");
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(20);
    cfg.lr = 3e-3;
    let data = examples();
    let mut log = Vec::new();
    run(&mut model, &data, &[], &cfg, dir.path(), false, &StopWhen::default(), &mut |e, _| log.push(e.loss)).unwrap();
    assert!(log.last().unwrap() < &(log[0] * 0.5), "{log:?}");

    // The patch holds the trained tensors only and, applied to a fresh base, gives the trained
    // model's logits exactly (it is stored in f32); the bottom layer is untouched.
    let patch = Adapter::read(dir.path(), &Device::Cpu).unwrap();
    assert!(patch.config.is_none());
    assert_eq!(patch.tensors.len(), 10);
    let mut fresh = tiny();
    patch.apply(&mut fresh).unwrap();
    let ids: Vec<u32> = (0..9).map(|i| 7 + i * 5).collect();
    let trained = model.model.full_logits(&ids, Mode::Infer).unwrap();
    let loaded = fresh.full_logits(&ids, Mode::Infer).unwrap();
    let diff = (trained - loaded).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert_eq!(diff, 0.0);
    let before = tiny().blocks[0].q.weight.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(fresh.blocks[0].q.weight.flatten_all().unwrap().to_vec1::<f32>().unwrap(), before);
    assert_ne!(
        fresh.blocks[1].q.weight.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        tiny().blocks[1].q.weight.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    );
}

#[test]
fn a_saved_adapter_loads_back_to_the_same_logits_with_peft_names() {
    let mut model = lora(3);
    for (name, var) in model.trainable() {
        if name.contains("lora_B") {
            var.set(&Tensor::randn(0f32, 0.3, var.shape(), &Device::Cpu).unwrap()).unwrap();
        }
    }
    // Adapters are stored in f16: round the weights first, so the round trip must be exact.
    for (_, var) in model.trainable() {
        let rounded =
            var.as_tensor().to_dtype(candle_core::DType::F16).unwrap().to_dtype(candle_core::DType::F32).unwrap();
        var.set(&rounded).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    model.export(dir.path()).unwrap();
    let seq = [3u32, 9, 27, 17, 40];
    let trained = model.model.full_logits(&seq, Mode::Infer).unwrap();

    let loaded = Adapter::read(dir.path(), &Device::Cpu).unwrap();
    let mut names: Vec<&String> = loaded.tensors.keys().collect();
    names.sort();
    assert_eq!(names.len(), 2 * 7 * 2);
    assert_eq!(names[0], "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight");
    assert!(names.contains(&&"base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight".to_string()));
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(adapter::CONFIG_FILE)).unwrap()).unwrap();
    assert_eq!(config["peft_type"], "LORA");
    assert_eq!(config["r"], 4);
    assert_eq!(config["lora_alpha"], 8.0);
    assert_eq!(config["target_modules"].as_array().unwrap().len(), 7);

    let mut fresh = tiny();
    loaded.apply(&mut fresh).unwrap();
    let applied = fresh.full_logits(&seq, Mode::Infer).unwrap();
    let diff = (trained - applied).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert_eq!(diff, 0.0);

    // The wrong base or prompt version is refused with the fix named.
    let err = loaded.check_base("other", &"11".repeat(32)).unwrap_err();
    assert!(err.to_string().contains("use the adapter with its own base model"), "{err}");
    loaded.check_base("tiny", &"00".repeat(32)).unwrap();
}

#[test]
fn adapters_on_the_top_layer_train_the_same_with_the_frozen_bottom_cached() {
    let cfg = config(3);
    let cached_dir = tempfile::tempdir().unwrap();
    let mut cached = lora_from(1, 1);
    let (_, cached_log) = train(&mut cached, &cfg, cached_dir.path(), false, &StopWhen::default());
    let plain_dir = tempfile::tempdir().unwrap();
    let mut plain = lora_from(1, 1);
    plain.cache_bottom = false;
    let (_, plain_log) = train(&mut plain, &cfg, plain_dir.path(), false, &StopWhen::default());
    assert_eq!(cached_log.len(), plain_log.len());
    for (a, b) in cached_log.iter().zip(&plain_log) {
        // The cached bottom ran with inference kernels, the plain one with training ops.
        assert!((a.loss - b.loss).abs() < 1e-4, "step {}: {} vs {}", a.step, a.loss, b.loss);
    }
    assert!(cached_log.last().unwrap().loss < cached_log[0].loss, "it learns");

    // Only layer 1 has adapters, and PEFT is told so.
    let adapter = Adapter::read(cached_dir.path(), &Device::Cpu).unwrap();
    assert_eq!(adapter.config.as_ref().unwrap().layers_to_transform, Some(vec![1]));
    assert!(adapter.tensors.keys().all(|k| k.contains(".layers.1.")), "{:?}", adapter.tensors.keys());
    let mut applied = tiny();
    adapter.apply(&mut applied).unwrap();
    assert!(applied.blocks[0].q.lora.is_none() && applied.blocks[1].q.lora.is_some());
}

#[test]
fn with_a_validation_score_the_best_checkpoint_is_the_best_scored_one() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let scores = [0.2, 0.9, 0.5, 0.1];
    let mut model = lora(1);
    let log_of_calls = seen.clone();
    model.scorer = Some(pycwe_model::train::lm::Scorer(Box::new(move |adapter: &Adapter| {
        let mut calls = log_of_calls.borrow_mut();
        calls.push(adapter.sha256.clone());
        Ok(scores[calls.len() - 1])
    })));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(2);
    cfg.eval_every = 1;
    let mut log = Vec::new();
    run(&mut model, &examples(), &examples()[..2], &cfg, dir.path(), false, &StopWhen::default(), &mut |e, _| {
        log.push(e.clone())
    })
    .unwrap();
    let got: Vec<Option<f64>> = log.iter().map(|e| e.valid_score).collect();
    assert_eq!(got, [Some(0.2), Some(0.9), Some(0.5), Some(0.1)]);
    // The scorer judged the adapter as exported; the best one is the second (0.9), not the one with
    // the lowest validation loss.
    let best = Adapter::read(&dir.path().join("best"), &Device::Cpu).unwrap();
    assert_eq!(best.sha256, seen.borrow()[1]);
}
