//! The `pycwe` binary: parse arguments, run one command, turn the outcome into an exit code.
//! Results go to stdout, progress and diagnostics to stderr; 0 clean, 1 findings, 2 error.

// Diagnostics that a closed stderr (`pycwe scan 2>&1 | head`) cannot turn into a panic, as std's
// `eprintln!` does: the exit code must stay the command's. Defined before the modules, so they
// shadow std's everywhere in the binary.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

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
