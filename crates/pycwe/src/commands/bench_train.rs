//! `pycwe bench train` (and the training half of `pycwe bench codegen`): what one optimizer step
//! costs for each way of training, next to a forward pass in inference mode in the same run.
//! The cached frozen bottom is warm after the first (untimed) step, as it is from a run's second
//! epoch on.

use std::fmt::Write;
use std::time::Instant;

use anyhow::Context;
use candle_core::{Device, Tensor, Var};
use pycwe_model::adapter::AdapterMeta;
use pycwe_model::chat;
use pycwe_model::load::{AnyModel, info};
use pycwe_model::lora::LoraConfig;
use pycwe_model::models::{CausalLm, KvCache, Mode};
use pycwe_model::train::adamw::AdamW;
use pycwe_model::train::lm::{LmTrainee, Trainable};
use pycwe_model::train::{Example, TrainModel};

use super::Outcome;
use crate::args::BenchTrainArgs;
use crate::output;

/// One row of the table: a way of training and what its step cost.
#[derive(Debug)]
pub struct StepCost {
    pub label: String,
    pub params: usize,
    pub seconds: f64,
}

/// `batch` synthetic examples of `tokens` tokens each (the last 12 are the answer).
pub fn synthetic_batch(batch: usize, tokens: usize, vocab: usize) -> Vec<Example> {
    (0..batch)
        .map(|b| {
            let ids: Vec<u32> = (0..tokens).map(|i| (100 + (i * 7919 + b * 104_729) % (vocab - 100)) as u32).collect();
            Example { prompt: ids[..tokens - 12].to_vec(), answer: ids[tokens - 12..].to_vec() }
        })
        .collect()
}

/// Seconds of one forward pass over the batch in inference mode, after `prefix`.
pub fn forward_seconds<M: CausalLm>(model: &M, prefix: &[u32], batch: &[Example]) -> anyhow::Result<f64> {
    let mut cache = KvCache::new(1, model.layers());
    if !prefix.is_empty() {
        model.step(&[prefix.to_vec()], &mut cache, Mode::Infer)?;
    }
    let mut cache = cache.share(batch.len())?;
    let rows: Vec<Vec<u32>> = batch.iter().map(|e| e.prompt.iter().chain(&e.answer).copied().collect()).collect();
    let t = Instant::now();
    let h = model.step(&rows, &mut cache, Mode::Infer)?;
    let _ = h.sum_all()?.to_scalar::<f32>()?;
    Ok(t.elapsed().as_secs_f64())
}

/// Mean seconds of `steps` optimizer steps (forward, backward, AdamW) for each way of training,
/// after one untimed warm-up step.
pub fn step_costs<M: CausalLm>(
    model: &M,
    prefix: &[u32],
    batch: &[Example],
    steps: usize,
    ways: Vec<(String, Trainable)>,
) -> anyhow::Result<Vec<StepCost>> {
    let meta = AdapterMeta {
        base_model: "bench".into(),
        base_sha256: String::new(),
        prompt_version: pycwe_core::prompt::PROMPT_VERSION,
        training: serde_json::Value::Null,
    };
    let refs: Vec<&Example> = batch.iter().collect();
    let mut out = Vec::new();
    for (label, what) in ways {
        eprintln!("timing: {label} ...");
        let mut trainee = LmTrainee::new(model.clone(), what, prefix.to_vec(), 0, meta.clone(), "bench")?;
        let vars: Vec<Var> = trainee.trainable().into_iter().map(|(_, v)| v).collect();
        let params = vars.iter().map(|v| v.elem_count()).sum();
        let mut opt = AdamW::new(&vars, 0.0)?;
        let mut timed = 0.0;
        for step in 0..=steps {
            let t = Instant::now();
            let grads = trainee.answer_loss(&refs, true)?.backward()?;
            let g: Vec<Tensor> = vars
                .iter()
                .map(|v| grads.get(v.as_tensor()).cloned().map_or_else(|| v.as_tensor().zeros_like(), Ok))
                .collect::<candle_core::Result<_>>()?;
            opt.step(&vars, &g, 1e-5)?;
            if step > 0 {
                timed += t.elapsed().as_secs_f64();
            }
        }
        out.push(StepCost { label, params, seconds: timed / steps.max(1) as f64 });
    }
    Ok(out)
}

/// The usual ways to train a model of `layers` layers: LoRA everywhere and on the top layers, and
/// full fine-tuning of the top layers.
pub fn ways(projections: &[&str], layers: usize, rank: usize, top: usize) -> Vec<(String, Trainable)> {
    let lora = |from_layer: usize| Trainable::Lora {
        config: LoraConfig { rank, alpha: 2.0 * rank as f64 },
        targets: projections.iter().map(|p| p.to_string()).collect(),
        from_layer,
    };
    let top = top.min(layers);
    vec![
        (format!("LoRA r{rank}, all {layers} layers"), lora(0)),
        (format!("LoRA r{rank}, top {top} layers"), lora(layers - top)),
        (format!("full, top {top} layers + final norm"), Trainable::Full { from_layer: layers - top }),
    ]
}

/// Table rows for the costs, in tokens/s of the whole batch.
pub fn write_rows(s: &mut String, costs: &[StepCost], forward_s: f64, tokens: usize) {
    let _ = writeln!(
        s,
        "| forward only (inference mode) | - | {forward_s:.2} s | {:.0} | 1.00x |",
        tokens as f64 / forward_s
    );
    for c in costs {
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} s | {:.0} | {:.2}x |",
            c.label,
            c.params,
            c.seconds,
            tokens as f64 / c.seconds,
            c.seconds / forward_s
        );
    }
}

pub fn run(args: &BenchTrainArgs) -> anyhow::Result<Outcome> {
    let device = Device::Cpu;
    let info = info(&args.model)?;
    let (weights, tokenizer) = info.load(&device).with_context(|| format!("cannot load {}", args.model))?;
    let prefix = chat::prefix_tokens(&tokenizer)?;
    let batch = synthetic_batch(args.batch, args.tokens, tokenizer.vocab_size());
    let (costs, forward_s) = match weights {
        AnyModel::Llama(m) => measure(&m, &prefix, &batch, args)?,
        AnyModel::Codegen(m) => measure(&m, &prefix, &batch, args)?,
    };
    let tokens = args.batch * args.tokens;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} on CPU ({} threads): one optimizer step over {} examples of {} tokens after the {}-token shared prefix\n",
        args.model,
        candle_core::utils::get_num_threads(),
        args.batch,
        args.tokens,
        prefix.len()
    );
    let _ = writeln!(
        s,
        "| training | trainable params | per step | tokens/s | time vs forward |\n|---|---:|---:|---:|---:|"
    );
    write_rows(&mut s, &costs, forward_s, tokens);
    output::write_text(&s)?;
    Ok(Outcome::Clean)
}

fn measure<M: CausalLm>(
    model: &M,
    prefix: &[u32],
    batch: &[Example],
    args: &BenchTrainArgs,
) -> anyhow::Result<(Vec<StepCost>, f64)> {
    let forward_s = forward_seconds(model, prefix, batch)?;
    let costs = step_costs(
        model,
        prefix,
        batch,
        args.steps,
        ways(model.projection_names(), model.layers(), args.lora_rank, args.top_layers),
    )?;
    Ok((costs, forward_s))
}
