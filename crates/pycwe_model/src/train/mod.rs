//! Instruction fine-tuning, model-agnostic: any [`TrainModel`] (SmolLM2 with LoRA or fully
//! trainable, CodeGen next) is trained on token-level [`Example`]s with AdamW, warmup + cosine,
//! gradient clipping and accumulation; loss only on the answer tokens; validation loss with the
//! best adapter kept; atomic checkpoints every N steps, on a stop request and when the time budget
//! runs out, from which `resume` continues to the same losses as an uninterrupted run.

pub mod adamw;
pub mod checkpoint;
pub mod data;
pub mod lm;
pub mod schedule;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use candle_core::{Tensor, Var};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use self::adamw::{AdamW, clip_grad_norm};
use self::checkpoint::{CHECKPOINT_FILE, Progress};

/// One training example: the unit's prompt tokens (after the shared prefix) and the answer tokens
/// the model must produce (ending with the end-of-turn token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub prompt: Vec<u32>,
    pub answer: Vec<u32>,
}

impl Example {
    pub fn len(&self) -> usize {
        self.prompt.len() + self.answer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.answer.is_empty()
    }
}

/// What the loop needs from a model.
pub trait TrainModel {
    /// The trainable parameters with stable names (PEFT's for adapters), in a fixed order.
    fn trainable(&mut self) -> Vec<(String, Var)>;
    /// Mean cross-entropy over the answer tokens of `batch`, on a graph gradients can flow through
    /// when `train` is set.
    fn answer_loss(&self, batch: &[&Example], train: bool) -> candle_core::Result<Tensor>;
    /// Writes the trained weights (an adapter, or the full weights) to `dir`.
    fn export(&mut self, dir: &Path) -> Result<(), TrainError>;
    /// A validation score where higher is better (the task's F1), when the model can compute one;
    /// the best checkpoint is then chosen by it instead of by the validation loss.
    fn validation_score(&mut self) -> Result<Option<f64>, TrainError> {
        Ok(None)
    }
}

/// The loop's knobs (what `train_config.json` records).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub lr: f64,
    /// Examples per micro-batch.
    pub batch: usize,
    /// At most this many padded tokens per micro-batch.
    pub max_batch_tokens: usize,
    /// Micro-batches per optimizer step.
    pub accum: usize,
    /// Warmup as a share of all optimizer steps.
    pub warmup: f64,
    pub weight_decay: f64,
    pub max_grad_norm: f64,
    pub seed: u64,
    /// Optimizer steps between checkpoints.
    pub checkpoint_every: usize,
    /// Optimizer steps between validations (0: at the end of each epoch).
    pub eval_every: usize,
    /// Anything else worth recording with the run (model, data, adapter shape).
    #[serde(default)]
    pub extra: serde_json::Value,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 3,
            lr: 2e-4,
            batch: 1,
            max_batch_tokens: 1024,
            accum: 8,
            warmup: 0.05,
            weight_decay: 0.0,
            max_grad_norm: 1.0,
            seed: 0,
            checkpoint_every: 20,
            eval_every: 0,
            extra: serde_json::Value::Null,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{path}: cannot write: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: bad checkpoint: {message}")]
    Checkpoint { path: PathBuf, message: String },
    #[error("{0}: it was started with other settings; resume with the same ones or start a new --out")]
    ConfigMismatch(PathBuf),
    #[error("no training examples")]
    NoData,
    #[error("validation: {0}")]
    Validation(String),
    #[error(transparent)]
    Model(#[from] candle_core::Error),
    #[error(transparent)]
    Adapter(#[from] crate::adapter::AdapterError),
}

/// One line of `log.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub step: usize,
    pub epoch: usize,
    pub loss: f64,
    pub lr: f64,
    pub grad_norm: f64,
    pub tokens_per_s: f64,
    pub elapsed_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_loss: Option<f64>,
    /// [`TrainModel::validation_score`] at this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_score: Option<f64>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// All epochs done; the final weights are exported to the run directory.
    Completed { progress: Progress },
    /// Stopped early (a stop request or the time budget); the checkpoint holds everything.
    Stopped { progress: Progress, reason: &'static str },
}

/// When to stop early (both checked after every optimizer step).
#[derive(Debug, Default)]
pub struct StopWhen<'a> {
    pub requested: Option<&'a AtomicBool>,
    pub deadline: Option<Instant>,
    /// Stop after this many optimizer steps (for tests of resume).
    pub after_step: Option<usize>,
}

/// The order of micro-batches in one epoch: shuffled by `(seed, epoch)`, then, for batches of more
/// than one example, grouped by length (less padding) into batches of at most `batch` examples and
/// `max_tokens` padded tokens (attention memory grows with the square of the longest row), and the
/// batches shuffled again.
pub fn epoch_plan(examples: &[Example], batch: usize, max_tokens: usize, seed: u64, epoch: usize) -> Vec<Vec<usize>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.shuffle(&mut rng);
    let batch = batch.max(1);
    if batch == 1 {
        return order.into_iter().map(|i| vec![i]).collect();
    }
    let mut batches: Vec<Vec<usize>> = Vec::new();
    for pool in order.chunks(batch * 16) {
        let mut pool = pool.to_vec();
        pool.sort_by_key(|&i| examples[i].len());
        let mut current: Vec<usize> = Vec::new();
        for i in pool {
            // Sorted ascending, so the newest example is the longest row.
            let padded = (current.len() + 1) * examples[i].len();
            if !current.is_empty() && (current.len() == batch || padded > max_tokens) {
                batches.push(std::mem::take(&mut current));
            }
            current.push(i);
        }
        if !current.is_empty() {
            batches.push(current);
        }
    }
    batches.shuffle(&mut rng);
    batches
}

/// Trains `model` on `train` into `out`, resuming from `out`'s checkpoint when `resume` is set.
/// `on_log` sees every logged step (progress bars).
// The run's inputs are independent of each other; bundling them would only rename the list.
#[allow(clippy::too_many_arguments)]
pub fn run<M: TrainModel>(
    model: &mut M,
    train: &[Example],
    valid: &[Example],
    cfg: &TrainConfig,
    out: &Path,
    resume: bool,
    stop: &StopWhen,
    on_log: &mut dyn FnMut(&LogEntry, usize),
) -> Result<Finish, TrainError> {
    if train.is_empty() {
        return Err(TrainError::NoData);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TrainError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let params = model.trainable();
    let vars: Vec<Var> = params.iter().map(|(_, v)| v.clone()).collect();
    let mut opt = AdamW::new(&vars, cfg.weight_decay)?;
    let config_json = serde_json::to_value(cfg).expect("plain data");
    let ckpt_path = out.join(CHECKPOINT_FILE);
    let log_path = out.join("log.jsonl");
    let mut progress = Progress::default();
    if resume && ckpt_path.is_file() {
        let device = vars[0].as_tensor().device().clone();
        let (saved, saved_cfg) = checkpoint::load(&ckpt_path, &params, &mut opt, &device)?;
        if !same_run(&saved_cfg, &config_json) {
            return Err(TrainError::ConfigMismatch(ckpt_path));
        }
        progress = saved;
        truncate_log(&log_path, progress.step).map_err(io(&log_path))?;
    } else {
        let _ = std::fs::remove_file(&log_path);
        pycwe_core::atomic::write_atomic(&out.join("train_config.json"), &crate::adapter::pretty_json(cfg))
            .map_err(io(out))?;
    }
    let mut log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).map_err(io(&log_path))?;

    let accum = cfg.accum.max(1);
    let batches_per_epoch = epoch_plan(train, cfg.batch, cfg.max_batch_tokens, cfg.seed, 0).len();
    let steps_per_epoch = batches_per_epoch.div_ceil(accum);
    let total_steps = steps_per_epoch * cfg.epochs;
    let warmup = (cfg.warmup * total_steps as f64).ceil() as usize;
    let started = Instant::now();
    let elapsed_before = progress.elapsed_s;
    let save_checkpoint =
        |progress: &Progress, opt: &AdamW| checkpoint::save(&ckpt_path, &params, opt, progress, &config_json);

    while progress.epoch < cfg.epochs {
        let plan = epoch_plan(train, cfg.batch, cfg.max_batch_tokens, cfg.seed, progress.epoch);
        while progress.batch_in_epoch < plan.len() {
            let step_started = Instant::now();
            let group = &plan[progress.batch_in_epoch..(progress.batch_in_epoch + accum).min(plan.len())];
            let mut grads: Vec<Option<Tensor>> = vec![None; vars.len()];
            let mut loss_sum = 0f64;
            let mut tokens = 0u64;
            for micro in group {
                let batch: Vec<&Example> = micro.iter().map(|&i| &train[i]).collect();
                tokens += batch.iter().map(|e| e.len() as u64).sum::<u64>();
                let loss = model.answer_loss(&batch, true)?;
                loss_sum += loss.to_scalar::<f32>()? as f64;
                let store = (loss / group.len() as f64)?.backward()?;
                for (slot, var) in grads.iter_mut().zip(&vars) {
                    if let Some(g) = store.get(var.as_tensor()) {
                        *slot = Some(match slot.take() {
                            Some(acc) => (acc + g)?,
                            None => g.clone(),
                        });
                    }
                }
            }
            let mut grads: Vec<Tensor> = grads
                .into_iter()
                .zip(&vars)
                .map(|(g, v)| g.map_or_else(|| v.as_tensor().zeros_like(), Ok))
                .collect::<candle_core::Result<_>>()?;
            let grad_norm = clip_grad_norm(&mut grads, cfg.max_grad_norm)?;
            let lr = schedule::learning_rate(progress.step, total_steps, warmup, cfg.lr);
            opt.step(&vars, &grads, lr)?;
            progress.step += 1;
            progress.batch_in_epoch += group.len();
            progress.tokens_seen += tokens;
            progress.elapsed_s = elapsed_before + started.elapsed().as_secs_f64();
            let epoch_done = progress.batch_in_epoch >= plan.len();
            let validate = !valid.is_empty()
                && (if cfg.eval_every == 0 { epoch_done } else { progress.step.is_multiple_of(cfg.eval_every) });
            let mut entry = LogEntry {
                step: progress.step,
                epoch: progress.epoch,
                loss: loss_sum / group.len() as f64,
                lr,
                grad_norm,
                tokens_per_s: tokens as f64 / step_started.elapsed().as_secs_f64(),
                elapsed_s: progress.elapsed_s,
                valid_loss: None,
                valid_score: None,
            };
            if validate {
                let loss = validation_loss(model, valid, cfg.batch)?;
                entry.valid_loss = Some(loss);
                entry.valid_score = model.validation_score()?;
                let better = match entry.valid_score {
                    // Ties go to the later step: the loss alone cannot tell them apart.
                    Some(score) => progress.best_valid_score.is_none_or(|best| score >= best),
                    None => progress.best_valid_loss.is_none_or(|best| loss < best),
                };
                progress.best_valid_loss = Some(progress.best_valid_loss.map_or(loss, |b| b.min(loss)));
                if let Some(score) = entry.valid_score {
                    progress.best_valid_score = Some(progress.best_valid_score.map_or(score, |b| b.max(score)));
                }
                if better {
                    model.export(&out.join("best"))?;
                }
            }
            writeln!(log, "{}", serde_json::to_string(&entry).expect("plain data")).map_err(io(&log_path))?;
            on_log(&entry, total_steps);
            if epoch_done {
                progress.epoch += 1;
                progress.batch_in_epoch = 0;
            }
            let reason = if stop.requested.is_some_and(|s| s.load(Ordering::SeqCst)) {
                Some("stop requested")
            } else if stop.deadline.is_some_and(|d| Instant::now() >= d) {
                Some("time budget spent")
            } else if stop.after_step.is_some_and(|s| progress.step >= s) {
                Some("step limit")
            } else {
                None
            };
            if reason.is_some() || progress.step.is_multiple_of(cfg.checkpoint_every.max(1)) {
                save_checkpoint(&progress, &opt)?;
            }
            if let Some(reason) = reason {
                return Ok(Finish::Stopped { progress, reason });
            }
            if epoch_done {
                break;
            }
        }
    }
    save_checkpoint(&progress, &opt)?;
    model.export(out)?;
    Ok(Finish::Completed { progress })
}

/// Mean answer loss over `examples` without building a graph for gradients.
pub fn validation_loss<M: TrainModel>(model: &M, examples: &[Example], batch: usize) -> Result<f64, TrainError> {
    let mut total = 0f64;
    let mut weight = 0f64;
    for chunk in examples.chunks(batch.max(1)) {
        let batch: Vec<&Example> = chunk.iter().collect();
        let n = batch.iter().map(|e| e.answer.len()).sum::<usize>() as f64;
        total += model.answer_loss(&batch, false)?.detach().to_scalar::<f32>()? as f64 * n;
        weight += n;
    }
    Ok(if weight > 0.0 { total / weight } else { 0.0 })
}

/// Whether a checkpoint's config allows resuming under `current` (the schedule-shaping fields must match).
fn same_run(saved: &serde_json::Value, current: &serde_json::Value) -> bool {
    ["epochs", "lr", "batch", "max_batch_tokens", "accum", "warmup", "weight_decay", "max_grad_norm", "seed", "extra"]
        .iter()
        .all(|k| saved.get(k) == current.get(k))
}

/// Drops log lines past `step` (written after the checkpoint a resumed run starts from).
fn truncate_log(path: &Path, step: usize) -> std::io::Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(()) };
    let kept: String = text
        .lines()
        .filter(|l| serde_json::from_str::<LogEntry>(l).is_ok_and(|e| e.step <= step))
        .map(|l| format!("{l}\n"))
        .collect();
    pycwe_core::atomic::write_atomic(path, kept.as_bytes())
}
