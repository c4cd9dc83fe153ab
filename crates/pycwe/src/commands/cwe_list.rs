//! `pycwe cwe list`: a Top 25 edition in rank order, or the whole catalog with `--all`.

use std::collections::BTreeMap;
use std::fmt::Write;

use pycwe_core::cwe::{Applicability, CweEntry, Edition, catalog, lookup};
use serde::Serialize;

use super::Outcome;
use crate::args::{CweListArgs, OutputFormat};
use crate::output;

#[derive(Serialize)]
struct Row {
    /// Rank in the listed edition; absent with `--all`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rank: Option<u8>,
    /// Rank per edition, e.g. `{"2024": 3, "2025": 2}`; empty for extras.
    ranks: BTreeMap<u16, u8>,
    id: String,
    short_name: &'static str,
    name: &'static str,
    /// `local`, `contextual`, `parent` or `not_applicable`.
    python: &'static str,
    extra: bool,
}

pub fn run(args: &CweListArgs) -> anyhow::Result<Outcome> {
    let rows: Vec<Row> = if args.all {
        let mut entries: Vec<&CweEntry> = catalog().collect();
        entries.sort_by_key(|e| e.id);
        entries.into_iter().map(|e| row(e, None)).collect()
    } else {
        let ranking = args.edition.ranking();
        ranking
            .iter()
            .enumerate()
            .map(|(i, id)| Ok(row(lookup(*id)?, Some(i as u8 + 1))))
            .collect::<Result<_, pycwe_core::cwe::CweIdError>>()?
    };
    match args.output_format {
        OutputFormat::Json => output::write_json(&rows)?,
        OutputFormat::Text => output::write_text(&render(&rows, (!args.all).then_some(args.edition)))?,
    }
    Ok(Outcome::Clean)
}

fn row(e: &'static CweEntry, rank: Option<u8>) -> Row {
    let python = match e.applicability {
        Applicability::Local => "local",
        Applicability::Contextual => "contextual",
        Applicability::Parent { .. } => "parent",
        Applicability::NotApplicable { .. } => "not_applicable",
    };
    let ranks = Edition::ALL.iter().filter_map(|&ed| e.rank(ed).map(|r| (ed.year(), r))).collect();
    Row { rank, ranks, id: e.id.to_string(), short_name: e.short_name, name: e.name, python, extra: e.is_extra() }
}

fn render(rows: &[Row], edition: Option<Edition>) -> String {
    let mut s = String::new();
    match edition {
        Some(edition) => {
            let _ = writeln!(s, "CWE Top 25 ({}), and how pycwe treats each entry in Python code:\n", edition.year());
            let _ = writeln!(s, "{:>4}  {:<9}  {:<40}  PYTHON", "RANK", "CWE", "WEAKNESS");
        }
        None => {
            let _ = writeln!(s, "{:>4}  {:>4}  {:<9}  {:<40}  PYTHON", "2024", "2025", "CWE", "WEAKNESS");
        }
    }
    for r in rows {
        let rank_in = |year| r.ranks.get(&year).map(|n| n.to_string()).unwrap_or_else(|| "-".into());
        let ranks = match r.rank {
            Some(rank) => format!("{rank:>4}"),
            None => format!("{:>4}  {:>4}", rank_in(2024), rank_in(2025)),
        };
        let extra = if r.extra { " (extra)" } else { "" };
        let _ = writeln!(s, "{ranks}  {:<9}  {:<40}  {}{extra}", r.id, r.short_name, r.python);
    }
    s
}
