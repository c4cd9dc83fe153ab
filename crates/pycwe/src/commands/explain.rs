//! `pycwe explain CWE-89`: one catalog entry, for a person (text) or a tool (json).

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::Context;
use pycwe_core::cwe::{Applicability, CweEntry, Edition, lookup, parse_and_lookup};
use serde::Serialize;

use super::Outcome;
use crate::args::{ExplainArgs, OutputFormat};
use crate::output;

/// The JSON shape of an entry: the catalog's fields plus what is derived from them.
#[derive(Serialize)]
pub struct EntryView<'a> {
    pub id: String,
    #[serde(flatten)]
    pub entry: &'a CweEntry,
    /// Rank per Top 25 edition, e.g. `{"2024": 3, "2025": 2}`; empty for extras.
    pub ranks: BTreeMap<u16, u8>,
    pub extra: bool,
    pub reportable: bool,
    pub url: String,
}

impl<'a> EntryView<'a> {
    pub fn new(entry: &'a CweEntry) -> Self {
        let ranks = Edition::ALL.iter().filter_map(|&e| entry.rank(e).map(|r| (e.year(), r))).collect();
        EntryView {
            id: entry.id.to_string(),
            entry,
            ranks,
            extra: entry.is_extra(),
            reportable: entry.is_reportable(),
            url: entry.mitre_url(),
        }
    }
}

pub fn run(args: &ExplainArgs) -> anyhow::Result<Outcome> {
    let entry = parse_and_lookup(&args.id).with_context(|| format!("cannot explain `{}`", args.id))?;
    match args.output_format {
        OutputFormat::Json => output::write_json(&EntryView::new(entry))?,
        OutputFormat::Text => output::write_text(&render(entry))?,
    }
    Ok(Outcome::Clean)
}

fn render(e: &CweEntry) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", e.id, e.name);
    let ranks: Vec<String> =
        Edition::ALL.iter().filter_map(|&ed| e.rank(ed).map(|r| format!("#{r} in {}", ed.year()))).collect();
    let listed = if ranks.is_empty() { "extra (not in a Top 25)".to_string() } else { ranks.join(", ") };
    let _ = writeln!(s, "{} | severity {:.1} | Top 25: {listed}", e.short_name, e.severity);
    let _ = writeln!(s, "{}", wrap(&applicability_line(e.applicability), ""));
    let _ = writeln!(s, "\n{}", wrap(e.summary, ""));
    for (title, apis) in [("Sources", e.sources), ("Sinks", e.sinks)] {
        if apis.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}:");
        let width = apis.iter().map(|a| a.framework.len()).max().unwrap_or(0);
        for api in apis {
            let _ = writeln!(s, "  {:<width$}  {}", api.framework, api.api);
        }
    }
    let _ = writeln!(s, "\nHow to fix:\n{}", wrap(e.remediation, "  "));
    for (title, code) in [("Example", e.vulnerable_example), ("Fixed", e.fixed_example)] {
        if code.trim().is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}:");
        for (i, line) in code.lines().enumerate() {
            let _ = writeln!(s, "  {:>3} | {line}", i + 1);
        }
    }
    let _ = writeln!(s, "\nMore: {}", e.mitre_url());
    s
}

/// Wraps prose to the width people read comfortably in a terminal; code blocks are left alone.
fn wrap(text: &str, indent: &str) -> String {
    let options = textwrap::Options::new(WIDTH).initial_indent(indent).subsequent_indent(indent);
    textwrap::fill(text, options)
}

const WIDTH: usize = 100;

fn applicability_line(a: Applicability) -> String {
    match a {
        Applicability::Local => "Reported on the line where it happens (visible within one function).".to_string(),
        Applicability::Contextual => "Reported with lower confidence on the handler's def line \
                                      (needs application context to confirm)."
            .to_string(),
        Applicability::Parent { children } => {
            let ids: Vec<String> =
                children.iter().map(|c| lookup(*c).map(|e| e.id.to_string()).unwrap_or_default()).collect();
            format!("Not reported itself: pycwe reports the specific weakness instead ({}).", ids.join(", "))
        }
        Applicability::NotApplicable { reason } => format!("Not reported for Python code: {reason}"),
    }
}
