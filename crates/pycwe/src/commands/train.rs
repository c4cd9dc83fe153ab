//! `pycwe train`: records -> pieces -> token examples -> the training loop, with a progress bar,
//! a checkpoint on Ctrl-C and when `--max-minutes` runs out.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use candle_core::Device;
use pycwe_core::dataset::record::Record;
use pycwe_core::dataset::record::read_jsonl;
use pycwe_core::detect::Detector;
use pycwe_core::judge::JudgeOptions;
use pycwe_model::adapter::AdapterMeta;
use pycwe_model::chat;
use pycwe_model::classifier::LmDetector;
use pycwe_model::load::{AnyModel, ModelInfo, info};
use pycwe_model::lora::LoraConfig;
use pycwe_model::models::CausalLm;
use pycwe_model::tokenize::TextTokenizer;
use pycwe_model::train::lm::{LmTrainee, Scorer, Trainable};
use pycwe_model::train::{Finish, StopWhen, TrainConfig, data, run as train_loop};

use super::Outcome;
use super::eval::judge_records;
use crate::args::{DeviceChoice, TrainArgs};

pub fn device(choice: DeviceChoice) -> anyhow::Result<Device> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Cuda => Device::new_cuda(0)
            .context("cannot use CUDA (build pycwe with `--features cuda` on a machine with an NVIDIA GPU)"),
    }
}

/// `DIR` means `DIR/train.jsonl` and, when present, `DIR/valid.jsonl`.
fn data_files(data: &Path) -> (PathBuf, Option<PathBuf>) {
    if data.is_dir() {
        let valid = data.join("valid.jsonl");
        (data.join("train.jsonl"), valid.is_file().then_some(valid))
    } else {
        (data.to_path_buf(), None)
    }
}

/// A projection's PEFT name from its short name (`q` -> `q_proj`, `qkv` -> `qkv_proj`), checked
/// against the projections the architecture has.
fn full_target(short: &str, known: &[&str]) -> anyhow::Result<String> {
    let full = [short.to_string(), format!("{short}_proj")].into_iter().find(|name| known.contains(&name.as_str()));
    full.with_context(|| {
        let shorts: Vec<&str> = known.iter().map(|n| n.strip_suffix("_proj").unwrap_or(n)).collect();
        format!("unknown LoRA target `{short}` for this model (use {})", shorts.join(","))
    })
}

pub fn run(args: &TrainArgs) -> anyhow::Result<Outcome> {
    let info = info(&args.model)?;
    let device = device(args.device)?;
    let (train_path, valid_path) = data_files(&args.data);
    let train_records = read_jsonl(&train_path)?;
    let valid_records = match &valid_path {
        Some(p) => read_jsonl(p)?,
        None => Vec::new(),
    };
    let (weights, tokenizer) = info.load(&device)?;
    match weights {
        AnyModel::Llama(model) => train(model, tokenizer, &info, args, &train_records, &valid_records),
        AnyModel::Codegen(model) => train(model, tokenizer, &info, args, &train_records, &valid_records),
    }
}

fn train<M: CausalLm + 'static>(
    model: M,
    tokenizer: TextTokenizer,
    info: &ModelInfo,
    args: &TrainArgs,
    train_records: &[Record],
    valid_records: &[Record],
) -> anyhow::Result<Outcome> {
    let negatives =
        data::Negatives { per_positive: (args.none_ratio > 0.0).then_some(args.none_ratio), seed: args.seed };
    let (train, stats) = data::examples(train_records, &tokenizer, args.max_len, negatives)?;
    // Validation keeps every unit: it measures what inference will meet.
    let (valid, _) =
        data::examples(valid_records, &tokenizer, args.max_len, data::Negatives { per_positive: None, seed: 0 })?;
    eprintln!(
        "data: {} records -> {} examples ({} with findings, {} hard negatives, {} mature negatives, {} tokens); left out: {} easy negatives by --none-ratio, {} the prefilter skips, {} over {} tokens, {} with unplaced labels, {} unparsable; {} validation examples",
        stats.records,
        stats.examples,
        stats.positive_examples,
        stats.hard_negatives,
        stats.mature_negatives,
        stats.tokens,
        stats.easy_negatives_dropped,
        stats.easy_negatives_unjudged,
        stats.too_long,
        args.max_len,
        stats.records_unplaced,
        stats.records_unparsed,
        valid.len()
    );
    let layers = model.layers();
    let from_layer = match args.top_layers {
        None => 0,
        Some(n) if (1..=layers).contains(&n) => layers - n,
        Some(n) => bail!("--top-layers {n}: {} has {layers} layers", args.model),
    };
    let targets: Vec<String> = if args.targets.is_empty() {
        model.projection_names().iter().map(|t| t.to_string()).collect()
    } else {
        args.targets.iter().map(|t| full_target(t, model.projection_names())).collect::<anyhow::Result<_>>()?
    };
    let what = if args.full {
        Trainable::Full { from_layer }
    } else {
        Trainable::Lora {
            config: LoraConfig { rank: args.lora_rank, alpha: args.lora_alpha },
            targets: targets.clone(),
            from_layer,
        }
    };
    let extra = serde_json::json!({
        "model": args.model,
        "data": args.data,
        "max_len": args.max_len,
        "full": args.full,
        "lora_rank": args.lora_rank,
        "lora_alpha": args.lora_alpha,
        "targets": targets,
        "from_layer": from_layer,
        "none_ratio": args.none_ratio,
        "decision_weight": args.decision_weight,
        "examples": stats.examples,
    });
    let cfg = TrainConfig {
        epochs: args.epochs,
        lr: args.lr,
        batch: args.batch,
        max_batch_tokens: args.batch_tokens,
        accum: args.accum,
        warmup: args.warmup,
        seed: args.seed,
        checkpoint_every: args.checkpoint_every,
        eval_every: args.eval_every,
        extra: extra.clone(),
        ..TrainConfig::default()
    };
    let meta = AdapterMeta {
        base_model: args.model.clone(),
        base_sha256: info.sha256.clone(),
        prompt_version: pycwe_core::prompt::PROMPT_VERSION,
        training: extra,
    };
    let prefix = chat::prefix_tokens(&tokenizer)?;
    if let Some(file) = &args.export_examples {
        if args.full {
            bail!("--export-examples feeds the reference trainer, which trains LoRA adapters only (drop --full)");
        }
        let export = serde_json::json!({
            "format": 1,
            "hf_name": info.hf_name,
            "prefix": prefix,
            "lora": { "rank": args.lora_rank, "alpha": args.lora_alpha, "targets": targets, "from_layer": from_layer },
            "decision_weight": args.decision_weight,
            "meta": meta,
            "train": train,
            "valid": valid,
        });
        pycwe_core::atomic::write_atomic(file, &serde_json::to_vec(&export)?)
            .with_context(|| format!("cannot write {}", file.display()))?;
        eprintln!("wrote {} training and {} validation examples to {}", train.len(), valid.len(), file.display());
        return Ok(Outcome::Clean);
    }
    let scorer = (args.valid_f1 && !valid_records.is_empty())
        .then(|| f1_scorer(model.clone(), tokenizer.clone(), valid_records.to_vec(), &args.model));
    let mut trainee = LmTrainee::new(model, what, prefix, args.seed, meta, &info.hf_name)?;
    trainee.scorer = scorer;
    trainee.decision_weight = args.decision_weight as f32;

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // The handler replaces the default one, so a second Ctrl-C cannot kill a half-written
        // checkpoint (the write is atomic anyway); it only says what is going on.
        let _ = ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                eprintln!("\nstill saving the checkpoint; wait a moment");
            } else {
                eprintln!("\nstopping after this step (a checkpoint will be written)...");
            }
        });
    }
    let deadline = args.max_minutes.map(|m| Instant::now() + Duration::from_secs_f64(m * 60.0));
    let bar = crate::output::progress_bar(0, "train");
    let finish = train_loop(
        &mut trainee,
        &train,
        &valid,
        &cfg,
        &args.out,
        args.resume,
        &StopWhen { requested: Some(&stop), deadline, after_step: None },
        &mut |entry, total| {
            bar.set_length(total as u64);
            bar.set_position(entry.step as u64);
            let f1 = entry.valid_score.map(|f| format!(" F1 {:.1}", 100.0 * f)).unwrap_or_default();
            let valid = entry.valid_loss.map(|v| format!(" valid {v:.4}{f1}")).unwrap_or_default();
            bar.set_message(format!(
                "loss {:.4}{valid} lr {:.2e} {:.0} tok/s",
                entry.loss, entry.lr, entry.tokens_per_s
            ));
            if bar.is_hidden() {
                eprintln!(
                    "step {}/{total} epoch {} loss {:.4}{valid} lr {:.2e} {:.0} tok/s {:.0} s",
                    entry.step, entry.epoch, entry.loss, entry.lr, entry.tokens_per_s, entry.elapsed_s
                );
            } else if entry.valid_loss.is_some() {
                bar.println(format!("step {} epoch {}: loss {:.4}{valid}", entry.step, entry.epoch, entry.loss));
            }
        },
    )?;
    bar.finish_and_clear();
    match finish {
        Finish::Completed { progress } => {
            eprintln!(
                "done: {} steps in {:.0} s; adapter in {} (best by validation loss in {})",
                progress.step,
                progress.elapsed_s,
                args.out.display(),
                args.out.join("best").display()
            );
            Ok(Outcome::Clean)
        }
        Finish::Stopped { progress, reason } => {
            eprintln!(
                "{reason}: stopped at step {} (epoch {}); continue with the same command and --resume",
                progress.step, progress.epoch
            );
            Ok(Outcome::Clean)
        }
    }
}

/// Binary F1 of `base` plus the exported weights on `records`, judged as `eval` judges them, at
/// the threshold that suits these weights best (what `eval --calibrate` would choose on them): a
/// fixed 0.5 scores every early checkpoint 0, since a model trained on mostly clean units puts
/// p(vulnerable) below one half long before it ranks the units well.
fn f1_scorer<M: CausalLm + 'static>(base: M, tokenizer: TextTokenizer, records: Vec<Record>, name: &str) -> Scorer {
    let name = format!("{name} (validation)");
    Scorer(Box::new(move |adapter| {
        let mut detector =
            LmDetector::new(base.clone(), tokenizer.clone(), &name, Some(adapter)).map_err(|e| e.to_string())?;
        // Every unit's likeliest finding, so the threshold below is chosen over all of them.
        detector.decide_at(0.0);
        let opts = JudgeOptions { prefilter: true, min_confidence: 0.0 };
        let (items, ..) = judge_records(&records, &mut detector, &opts).map_err(|e| format!("{e:#}"))?;
        let threshold = pycwe_core::metrics::best_threshold(&items);
        Ok(pycwe_core::metrics::compute(&items, threshold, 0, 0).binary.prf.f1)
    }))
}
