//! One file per command; `run` dispatches and every command reports an [`Outcome`].

mod bench;
mod bench_train;
mod chunks;
mod cwe_list;
mod dataset;
pub mod detector;
mod eval;
mod eval_chart;
mod explain;
mod model;
pub mod train;

use std::process::ExitCode;

use crate::args::{BenchCommand, Command, CweCommand, DatasetCommand, ModelCommand};

/// How a command ended, mapped to the documented exit codes (errors win over findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Clean,
    /// Findings were reported (used by `scan`).
    Findings,
    /// Something failed; the command may still have done the rest of its work.
    Error,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Clean => ExitCode::from(0),
            Outcome::Findings => ExitCode::from(1),
            Outcome::Error => ExitCode::from(2),
        }
    }
}

pub fn run(command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Explain(args) => explain::run(&args),
        Command::Cwe(CweCommand::List(args)) => cwe_list::run(&args),
        Command::Chunks(args) => chunks::run(&args),
        Command::Dataset(DatasetCommand::Build(args)) => dataset::build(&args),
        Command::Dataset(DatasetCommand::Review(args)) => dataset::review(&args),
        Command::Model(ModelCommand::Pull(args)) => model::pull(&args),
        Command::Model(ModelCommand::List(args)) => model::list(&args),
        Command::Model(ModelCommand::Add(args)) => model::add(&args),
        Command::Scan(args) => crate::scan::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Bench(BenchCommand::Model(args)) => bench::model(&args),
        Command::Bench(BenchCommand::Codegen(args)) => bench::codegen(&args),
        Command::Bench(BenchCommand::Train(args)) => bench_train::run(&args),
    }
}
