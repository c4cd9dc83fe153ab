//! `pycwe model pull | list | add`.

use std::fmt::Write;

use anyhow::Context;
use pycwe_model::pull::{PullOptions, PullOutcome, pull as pull_model};
use pycwe_model::registry::{KNOWN, known, list as list_models, register};

use super::Outcome;
use crate::args::{ModelAddArgs, ModelListArgs, ModelPullArgs, OutputFormat};
use crate::output;

pub fn pull(args: &ModelPullArgs) -> anyhow::Result<Outcome> {
    let Some(model) = known(&args.name) else {
        let names: Vec<&str> = KNOWN.iter().map(|m| m.name).collect();
        anyhow::bail!(
            "`{}` is not a model pycwe can pull (known: {}); register a local checkpoint with `pycwe model add`",
            args.name,
            names.join(", ")
        );
    };
    let opts = PullOptions { from: args.from.clone(), ..PullOptions::default() };
    let outcome = pull_model(model, &opts, &mut |line| eprintln!("{line}"))
        .with_context(|| format!("cannot install {}", model.name))?;
    let line = match outcome {
        PullOutcome::AlreadyInstalled(path) => format!("{} is already installed: {}\n", model.name, path.display()),
        PullOutcome::Installed(path) => {
            format!("installed {} ({}): {}\n", model.name, model.source.sha256, path.display())
        }
    };
    output::write_text(&line)?;
    Ok(Outcome::Clean)
}

pub fn list(args: &ModelListArgs) -> anyhow::Result<Outcome> {
    let rows = list_models()?;
    match args.output_format {
        OutputFormat::Json => output::write_json(&rows)?,
        OutputFormat::Text => {
            let mut s = String::new();
            let _ =
                writeln!(s, "{:<20} {:<8} {:>10}  {:<24}  {:<16}  PATH", "NAME", "ARCH", "SIZE", "SOURCE", "SHA-256");
            for r in &rows {
                let path = match (&r.path, r.installed) {
                    (Some(p), true) => p.display().to_string(),
                    _ => "not installed (pycwe model pull)".to_string(),
                };
                let size = format!("{:.1} MB", r.size as f64 / 1e6);
                let hash = r.sha256.get(..16).unwrap_or(&r.sha256);
                let _ = writeln!(
                    s,
                    "{:<20} {:<8} {size:>10}  {:<24}  {hash:<16}  {path}",
                    r.name,
                    r.arch.as_str(),
                    r.source
                );
            }
            output::write_text(&s)?;
        }
    }
    Ok(Outcome::Clean)
}

pub fn add(args: &ModelAddArgs) -> anyhow::Result<Outcome> {
    let entry = register(&args.name, &args.from).with_context(|| format!("cannot register `{}`", args.name))?;
    output::write_text(&format!(
        "registered {} ({}, {}): {}\n",
        entry.name,
        entry.arch.as_str(),
        entry.weights,
        entry.dir.display()
    ))?;
    Ok(Outcome::Clean)
}
