//! `pycwe eval`: judge every record of a labeled JSONL set exactly as `scan` judges a file, then
//! report the paper's table (binary accuracy/precision/recall/F1) with CWE-level, line-level,
//! bootstrap intervals and calibration; several detectors side by side with `--compare`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use pycwe_core::cwe::CweId;
use pycwe_core::dataset::record::{Record, read_jsonl};
use pycwe_core::detect::Detector;
use pycwe_core::judge::{FileVerdict, JudgeOptions, judge_files};
use pycwe_core::metrics::{Flips, Item, Metrics, compute, flips};
use pycwe_core::perturb::{Perturbation, perturb};
use pycwe_core::python::{ChunkOptions, ChunkedFile, chunk};
use pycwe_core::source::SourceFile;
use serde::{Deserialize, Serialize};

use super::Outcome;
use super::detector::{AdapterChoice, build};
use crate::args::EvalArgs;

/// One record's verdict, as `predictions.jsonl` stores it.
#[derive(Debug, Serialize)]
struct PredictionLine<'a> {
    id: &'a str,
    truth: &'a [String],
    predicted: Vec<(String, usize, f32)>,
    p_vulnerable: f32,
    /// The model's own reasons (`--explain`): CWE, line, reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<(String, usize, String)>,
}

/// What `metrics.json` holds: the detector, the data, how it ran, and the metrics.
#[derive(Debug, Serialize, Deserialize)]
pub struct MetricsFile {
    pub detector: String,
    pub data: String,
    pub prefilter: bool,
    pub units_per_s: f64,
    pub judged_units: usize,
    /// Of the labeled lines, the share inside a piece that passed the prefilter (reached the model).
    #[serde(default)]
    pub prefilter_recall: Option<f64>,
    /// Of the labeled lines, the share an anchored answer can still name (`None` without anchoring).
    #[serde(default)]
    pub anchor_reach: Option<f64>,
    pub metrics: Metrics,
    /// The robustness probe (`--perturb`), one row per rewrite.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub perturbations: Vec<PerturbationRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PerturbationRow {
    pub rewrite: String,
    pub flips: Flips,
    pub f1: f64,
    pub recall: f64,
}

fn perturbations(names: &[String]) -> anyhow::Result<Vec<Perturbation>> {
    if names.iter().any(|n| n == "all") {
        return Ok(Perturbation::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| {
            Perturbation::parse(n).with_context(|| {
                let known: Vec<&str> = Perturbation::ALL.iter().map(|p| p.name()).collect();
                format!("--perturb {n}: unknown rewrite (known: {}, all)", known.join(", "))
            })
        })
        .collect()
}

fn perturbation_table(row: &MetricsFile) -> String {
    let mut s = String::from(
        "| rewrite | items | flipped | silenced | raised | F1 | recall |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let _ = writeln!(
        s,
        "| (none) | {} | | | | {} | {} |",
        row.metrics.items,
        pct(row.metrics.binary.prf.f1),
        pct(row.metrics.binary.prf.recall)
    );
    for p in &row.perturbations {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            p.rewrite,
            p.flips.items,
            p.flips.flipped,
            p.flips.silenced,
            p.flips.raised,
            pct(p.f1),
            pct(p.recall)
        );
    }
    s
}

/// `DIR` means `DIR/test.jsonl`.
fn data_file(data: &Path) -> PathBuf {
    if data.is_dir() { data.join("test.jsonl") } else { data.to_path_buf() }
}

/// The record's group for the bootstrap: a twin pair shares one (the lower of the two ids).
fn group(record: &Record) -> String {
    match &record.twin {
        Some(t) if t < &record.id => t.clone(),
        _ => record.id.clone(),
    }
}

/// A record's labels and the `(CWE, line, confidence)` findings reported for it, as a metrics item;
/// without `p_vulnerable`, the highest confidence stands in for it.
fn item_for(
    record: &Record,
    findings: impl IntoIterator<Item = (CweId, usize, f32)>,
    p_vulnerable: Option<f32>,
) -> Item {
    let mut predicted: BTreeMap<CweId, (f32, Vec<usize>)> = BTreeMap::new();
    for (cwe, line, confidence) in findings {
        let e = predicted.entry(cwe).or_insert((0.0, Vec::new()));
        e.0 = e.0.max(confidence);
        e.1.push(line);
    }
    Item {
        group: group(record),
        truth: record.cwes.iter().filter_map(|c| c.parse().ok()).collect(),
        truth_lines: record.lines.iter().filter_map(|(c, l)| Some((c.parse::<CweId>().ok()?, l.clone()))).collect(),
        p_vulnerable: p_vulnerable.unwrap_or_else(|| predicted.values().map(|v| v.0).fold(0.0, f32::max)),
        predicted,
        lines: record.code.lines().count(),
    }
}

/// Judges `records` with `detector`: one `Item` per record, plus throughput.
pub fn judge_records(
    records: &[Record],
    detector: &mut dyn Detector,
    opts: &JudgeOptions,
) -> anyhow::Result<(Vec<Item>, Vec<FileVerdict>, f64, usize)> {
    let sources: Vec<SourceFile> =
        records.iter().map(|r| SourceFile::from_string(format!("{}.py", r.id), r.code.clone())).collect();
    let chunked: Vec<ChunkedFile> =
        sources.iter().map(|s| chunk(s, &ChunkOptions::default()).unwrap_or_default()).collect();
    let files: Vec<(&SourceFile, &ChunkedFile)> = sources.iter().zip(&chunked).collect();
    let started = Instant::now();
    let (verdicts, stats) = judge_files(&files, detector, opts, None)?;
    let rate = stats.judged as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let items = records
        .iter()
        .zip(&verdicts)
        .map(|(record, verdict)| {
            let findings = verdict.findings.iter().map(|f| (f.cwe, f.line, f.confidence));
            item_for(record, findings, Some(verdict.p_vulnerable()))
        })
        .collect();
    Ok((items, verdicts, rate, stats.judged))
}

fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// The comparison table (the paper's columns first).
pub fn markdown_table(rows: &[MetricsFile]) -> String {
    let mut s = String::from(
        "| detector | n | accuracy | precision | recall | F1 (95% CI) | CWE micro F1 | CWE macro F1 | line hits | AUC | twin AUC | ECE |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let m = &r.metrics;
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} ({}–{}) | {} | {} | {} | {} | {} | {:.3} |",
            r.detector,
            m.items,
            pct(m.binary.accuracy),
            pct(m.binary.prf.precision),
            pct(m.binary.prf.recall),
            pct(m.binary.prf.f1),
            pct(m.f1_ci.0),
            pct(m.f1_ci.1),
            pct(m.cwe_micro.f1),
            pct(m.cwe_macro.f1),
            m.line_hit_rate.map(pct).unwrap_or_else(|| "–".into()),
            m.roc_auc.map(|a| format!("{a:.3}")).unwrap_or_else(|| "–".into()),
            m.group_auc.map(|a| format!("{a:.3}")).unwrap_or_else(|| "–".into()),
            m.calibration.ece,
        );
    }
    s
}

fn per_cwe_table(m: &Metrics) -> String {
    let mut s = String::from("| CWE | support | reported | P | R | F1 |\n|---|---:|---:|---:|---:|---:|\n");
    for p in &m.per_cwe {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            p.cwe,
            p.support,
            p.predicted,
            pct(p.prf.precision),
            pct(p.prf.recall),
            pct(p.prf.f1)
        );
    }
    if !m.confusions.is_empty() {
        s.push_str("\nMost frequent confusions (labeled -> reported instead):");
        for c in &m.confusions {
            let _ = write!(s, " {} -> {} ({}x);", c.truth, c.predicted, c.count);
        }
        s.push('\n');
    }
    s
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    pycwe_core::atomic::write_atomic(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}

#[derive(Debug, Deserialize)]
struct ExternalLine {
    #[serde(default)]
    id: String,
    predicted: Vec<(String, usize, f32)>,
}

/// Items from another tool's per-record verdicts (`--from-predictions`).
fn external_items(path: &Path, records: &[Record]) -> anyhow::Result<Vec<Item>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let lines: Vec<ExternalLine> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{}:{}: not a prediction line", path.display(), i + 1))
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(
        lines.len() == records.len(),
        "{}: {} prediction lines for {} records",
        path.display(),
        lines.len(),
        records.len()
    );
    records
        .iter()
        .zip(lines)
        .map(|(record, line)| {
            anyhow::ensure!(
                line.id.is_empty() || line.id == record.id,
                "{}: `{}` is out of order",
                path.display(),
                line.id
            );
            let findings = line
                .predicted
                .into_iter()
                .map(|(cwe, l, c)| {
                    Ok((cwe.parse::<CweId>().with_context(|| format!("{}: bad CWE `{cwe}`", path.display()))?, l, c))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(item_for(record, findings, None))
        })
        .collect()
}

pub fn run(args: &EvalArgs) -> anyhow::Result<Outcome> {
    let rewrites = perturbations(&args.perturb)?;
    let data = data_file(&args.data);
    let mut records = read_jsonl(&data)?;
    if let Some(limit) = args.limit {
        records.truncate(limit);
    }
    if let Some(path) = &args.from_predictions {
        let items = external_items(path, &records)?;
        let row = MetricsFile {
            detector: args.name.clone(),
            data: data.display().to_string(),
            prefilter: false,
            units_per_s: 0.0,
            judged_units: 0,
            prefilter_recall: None,
            anchor_reach: None,
            metrics: compute(&items, args.threshold.unwrap_or(0.0), 1000, 0),
            perturbations: Vec::new(),
        };
        if let Some(out) = &args.out {
            let dir = out.join("from-predictions");
            std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
            write_file(&dir.join("metrics.json"), &pycwe_model::adapter::pretty_json(&row))?;
        }
        let mut report = markdown_table(std::slice::from_ref(&row));
        report.push('\n');
        report.push_str(&per_cwe_table(&row.metrics));
        crate::output::write_text(&report)?;
        return Ok(Outcome::Clean);
    }
    let device = super::train::device(args.device)?;
    let choices: Vec<String> = if args.compare.is_empty() {
        vec![match AdapterChoice::from_flags(args.adapter.as_deref(), args.base) {
            AdapterChoice::Base => "base".into(),
            AdapterChoice::Shipped => "shipped".into(),
            AdapterChoice::Dir(d) => d.display().to_string(),
        }]
    } else {
        args.compare.clone()
    };
    let mut rows = Vec::new();
    for choice in &choices {
        if choice.ends_with(".json") {
            let text = std::fs::read_to_string(choice).with_context(|| format!("{choice}: cannot read"))?;
            let file: MetricsFile =
                serde_json::from_str(&text).with_context(|| format!("{choice}: not a pycwe metrics.json"))?;
            rows.push(file);
            continue;
        }
        let adapter = match choice.as_str() {
            "base" => AdapterChoice::Base,
            "shipped" | "tuned" => AdapterChoice::Shipped,
            dir => AdapterChoice::Dir(PathBuf::from(dir)),
        };
        eprintln!("judging {} records with {} ...", records.len(), adapter.label());
        let mut detector = build(&args.model, &adapter, &device, args.q8_decode)?;
        if args.explain {
            detector.explain()?;
        }
        if !args.no_anchor {
            detector.anchor();
        }
        let opts = JudgeOptions { prefilter: !args.no_prefilter, min_confidence: 0.0 };
        let threshold = if args.calibrate {
            let valid_path = args.data.join("valid.jsonl");
            let valid = read_jsonl(&valid_path).context("--calibrate needs a dataset directory with valid.jsonl")?;
            eprintln!("choosing the threshold on {} validation records ...", valid.len());
            detector.decide_at(0.0);
            let (valid_items, _, _, _) = judge_records(&valid, &mut detector, &opts)?;
            let t = pycwe_core::metrics::best_threshold(&valid_items);
            eprintln!("threshold {t:.4} (best binary F1 on {})", valid_path.display());
            t
        } else {
            args.threshold.unwrap_or(match adapter {
                AdapterChoice::Shipped => pycwe_model::shipped::threshold(),
                _ => 0.5,
            })
        };
        detector.decide_at(threshold);
        let (items, verdicts, rate, judged) = judge_records(&records, &mut detector, &opts)?;
        let metrics = compute(&items, threshold, 1000, 0);
        let mut probe = Vec::new();
        for &p in &rewrites {
            eprintln!("judging the records rewritten by `{}` ...", p.name());
            let rewritten: Vec<Record> = records.iter().map(|r| perturb(r, p)).collect();
            let (after, _, _, _) = judge_records(&rewritten, &mut detector, &opts)?;
            let m = compute(&after, threshold, 0, 0);
            probe.push(PerturbationRow {
                rewrite: p.name().to_string(),
                flips: flips(&items, &after, threshold),
                f1: m.binary.prf.f1,
                recall: m.binary.prf.recall,
            });
        }
        let row = MetricsFile {
            detector: format!("{} [{}]", adapter.label(), args.model),
            data: data.display().to_string(),
            prefilter: opts.prefilter,
            units_per_s: rate,
            judged_units: judged,
            prefilter_recall: if opts.prefilter {
                pycwe_core::judge::prefilter_recall(&records, &verdicts)
            } else {
                None
            },
            anchor_reach: (!args.no_anchor).then(|| pycwe_core::judge::anchor_reach(&records, &verdicts)).flatten(),
            metrics,
            perturbations: probe,
        };
        if let Some(out) = &args.out {
            let dir = out.join(match &adapter {
                AdapterChoice::Base => "base".to_string(),
                AdapterChoice::Shipped => "shipped".to_string(),
                AdapterChoice::Dir(d) => {
                    d.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or("adapter".into())
                }
            });
            std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
            write_file(&dir.join("metrics.json"), &pycwe_model::adapter::pretty_json(&row))?;
            let mut lines = String::new();
            for ((record, item), verdict) in records.iter().zip(&items).zip(&verdicts) {
                let line = PredictionLine {
                    id: &record.id,
                    truth: &record.cwes,
                    predicted: item
                        .predicted
                        .iter()
                        .flat_map(|(id, (c, ls))| ls.iter().map(move |l| (id.to_string(), *l, *c)))
                        .collect(),
                    p_vulnerable: item.p_vulnerable,
                    reasons: verdict
                        .findings
                        .iter()
                        .filter_map(|f| f.reason.as_ref().map(|r| (f.cwe.to_string(), f.line, r.clone())))
                        .collect(),
                };
                lines.push_str(&serde_json::to_string(&line)?);
                lines.push('\n');
            }
            write_file(&dir.join("predictions.jsonl"), lines.as_bytes())?;
        }
        rows.push(row);
    }
    let mut report = format!("# pycwe eval: {} ({} records)\n\n", data.display(), records.len());
    report.push_str(&markdown_table(&rows));
    for row in &rows {
        let _ = write!(
            report,
            "\n## {}\n\nthreshold {:.3}; binary tp {} fp {} tn {} fn {}; {}; {:.2} units/s over {} judged units; prefilter recall {}; anchor reach {}\n\n",
            row.detector,
            row.metrics.threshold,
            row.metrics.binary.tp,
            row.metrics.binary.fp,
            row.metrics.binary.tn,
            row.metrics.binary.fn_,
            row.metrics.findings_per_kloc.map_or_else(
                || "findings per 1,000 lines unknown".to_string(),
                |k| format!("{k:.1} findings per 1,000 lines")
            ),
            row.units_per_s,
            row.judged_units,
            row.prefilter_recall.map(|r| format!("{:.1}%", 100.0 * r)).unwrap_or_else(|| "n/a".into()),
            row.anchor_reach.map(|r| format!("{:.1}%", 100.0 * r)).unwrap_or_else(|| "n/a".into())
        );
        report.push_str(&per_cwe_table(&row.metrics));
        if !row.perturbations.is_empty() {
            let _ = write!(report, "\nRobustness probe (threshold {:.3}):\n\n", row.metrics.threshold);
            report.push_str(&perturbation_table(row));
        }
    }
    if let Some(out) = &args.out {
        write_file(&out.join("report.md"), report.as_bytes())?;
        let chart =
            super::eval_chart::per_cwe_f1_svg(&rows).map_err(|e| anyhow::anyhow!("cannot draw the chart: {e}"))?;
        write_file(&out.join("per_cwe_f1.svg"), chart.as_bytes())?;
    }
    crate::output::write_text(&report)?;
    Ok(Outcome::Clean)
}
