//! Writing results to stdout and diagnostics to stderr, the way every command does it.

use std::io::{self, Write};

/// Whether an error is stdout closed under us (`pycwe cwe list | head`): not worth a word.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

/// `error: <message>` and one `  caused by: ...` line per cause, on stderr.
pub fn print_error(err: &anyhow::Error) {
    let mut stderr = io::stderr().lock();
    // A TOML error ends in a newline of its own: no blank line before the next.
    let _ = writeln!(stderr, "error: {}", err.to_string().trim_end());
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {}", cause.to_string().trim_end());
    }
}

/// `warning: <message>` on stderr.
pub fn warn(message: impl std::fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "warning: {message}");
}

/// Writes `value` as pretty JSON plus a newline to stdout.
pub fn write_json<T: serde::Serialize>(value: &T) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()
}

/// Writes text that may carry ANSI styles to stdout: kept on a terminal, stripped when stdout is
/// a pipe or a file, or when `NO_COLOR` / `CLICOLOR=0` ask for plain text (`CLICOLOR_FORCE` keeps them).
pub fn write_styled_text(text: &str) -> io::Result<()> {
    let mut out = anstream::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `text` without its ANSI styles (for `--output FILE`).
pub fn plain(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}

/// Writes already-rendered text to stdout.
pub fn write_text(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// A progress bar on stderr, hidden when stderr is not a terminal (logs and CI stay clean).
pub fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::stderr());
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:30}} {{pos}}/{{len}} {{elapsed}}<{{eta}} {{msg}}"
        ))
        .expect("a valid template"),
    );
    bar
}
