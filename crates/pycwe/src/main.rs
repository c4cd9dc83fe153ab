//! The `pycwe` binary: parse arguments, run one command, turn the outcome into an exit code.
//! Results go to stdout, progress and diagnostics to stderr; 0 clean, 1 findings, 2 error.

mod args;
mod commands;
mod output;
mod scan;

use std::process::ExitCode;

use clap::Parser;

use crate::commands::Outcome;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli.command) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            output::print_error(&err);
            Outcome::Error.exit_code()
        }
    }
}
