//! `pycwe scan`: walk -> parse + chunk -> prefilter -> model (batched, cached) -> findings ->
//! suppressions / baseline -> report. The model is loaded only when some unit misses the cache.

pub mod baseline;
pub mod cache;
pub mod config;
pub mod diff;
pub mod dry_run;
pub mod file_cache;
pub mod paths;
pub mod report;
pub mod rules;
pub mod sarif;
pub mod suppress;
pub mod walk;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use candle_core::Device;
use pycwe_core::cwe::{CweId, lookup};
use pycwe_core::detect::{DetectError, Detector, Prediction, UnitRequest};
use pycwe_core::judge::{JudgeOptions, judge_files_with_progress};
use pycwe_core::python::{ChunkOptions, ChunkedFile, FrontendError, chunk};
use pycwe_core::source::{ReadOptions, SourceFile};
use rayon::prelude::*;

use self::report::{JsonReport, Problem, ScanFinding, Summary, ToolInfo};
use crate::args::{ScanArgs, ScanFormat};
use crate::commands::Outcome;
use crate::commands::detector::{AdapterChoice, build};

/// The detector, built on first use: a scan where every unit hits the cache never loads weights.
struct LazyDetector {
    model: String,
    choice: AdapterChoice,
    device: Device,
    fingerprint: String,
    tokenizer: pycwe_model::tokenize::TextTokenizer,
    q8_decode: bool,
    decide_at: Option<f32>,
    explain: bool,
    anchored: bool,
    loaded: Option<Box<dyn Detector + Send>>,
}

impl LazyDetector {
    fn new(model: &str, choice: AdapterChoice, device: Device, q8_decode: bool) -> anyhow::Result<Self> {
        let info = pycwe_model::load::info(model)?;
        let tokenizer = info.tokenizer()?;
        let adapter_id = match &choice {
            AdapterChoice::Base => "base".to_string(),
            AdapterChoice::Shipped => pycwe_model::shipped::adapter(model, &device)?
                .map(|a| a.sha256)
                .with_context(|| format!("no adapter ships for `{model}`: pass --adapter DIR or --base"))?,
            AdapterChoice::Dir(dir) => pycwe_model::adapter::Adapter::read(dir, &device)?.sha256,
        };
        Ok(LazyDetector {
            // The weights' hash too: a name re-registered to another checkpoint must not reuse verdicts.
            fingerprint: format!(
                "{model} {} prompt-v{} decode-v{} {adapter_id}{}",
                &info.sha256[..info.sha256.len().min(16)],
                pycwe_core::prompt::PROMPT_VERSION,
                pycwe_model::constrain::DECODE_VERSION,
                if q8_decode { " q8-decode" } else { "" }
            ),
            q8_decode,
            model: model.to_string(),
            choice,
            device,
            tokenizer,
            decide_at: None,
            explain: false,
            anchored: false,
            loaded: None,
        })
    }
}

impl Detector for LazyDetector {
    fn describe(&self) -> String {
        self.fingerprint.clone()
    }

    fn judge(&mut self, units: &[UnitRequest]) -> Result<Vec<Prediction>, DetectError> {
        if self.loaded.is_none() {
            eprintln!("loading {} ({}) ...", self.model, self.choice.label());
            let mut detector = build(&self.model, &self.choice, &self.device, self.q8_decode)
                .map_err(|e| DetectError::Model(format!("{e:#}")))?;
            if let Some(t) = self.decide_at {
                detector.decide_at(t);
            }
            if self.explain {
                detector.explain()?;
            }
            if self.anchored {
                detector.anchor();
            }
            self.loaded = Some(detector);
        }
        self.loaded.as_mut().expect("loaded above").judge(units)
    }

    fn line_cost(&self, line: &str) -> usize {
        pycwe_model::chat::line_cost(&self.tokenizer, line)
    }

    fn fingerprint(&self) -> String {
        pycwe_core::detect::with_decoding(&self.fingerprint, self.decide_at, self.explain, self.anchored)
    }

    fn anchor(&mut self) {
        self.anchored = true;
        if let Some(detector) = &mut self.loaded {
            detector.anchor();
        }
    }

    fn explain(&mut self) -> Result<(), DetectError> {
        self.explain = true;
        match &mut self.loaded {
            Some(detector) => detector.explain(),
            None => Ok(()),
        }
    }

    fn decide_at(&mut self, threshold: f32) {
        self.decide_at = Some(threshold);
        if let Some(detector) = &mut self.loaded {
            detector.decide_at(threshold);
        }
    }
}

/// A file read, with its findings from the file cache or its units still to judge.
enum Judged {
    Cached(file_cache::FileEntry),
    Pending(ChunkedFile),
}

/// A file read and answered or chunked, or why it could not be.
type Loaded = Result<(SourceFile, Judged), FrontendError>;

/// A read or parse error's message without the path the report already names (`blob.py: looks
/// like a binary file` -> `looks like a binary file`; `x.py:3: not valid UTF-8` -> `line 3: ...`).
fn problem_message(path: &Path, message: &str) -> String {
    let Some(rest) = message.strip_prefix(&format!("{}:", path.display())) else { return message.to_string() };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    match rest[digits..].strip_prefix(':') {
        Some(after) if digits > 0 => format!("line {}:{after}", &rest[..digits]),
        _ => rest.trim_start().to_string(),
    }
}

fn syntax_warning(path: String, issues: usize, first_line: usize) -> Problem {
    Problem {
        path,
        message: format!(
            "{issues} syntax error{} (first on line {first_line}); the rest of the file is still scanned",
            if issues == 1 { "" } else { "s" }
        ),
    }
}

fn print_problems(warnings: &[Problem], errors: &[Problem]) {
    for w in warnings {
        eprintln!("warning: {}: {}", w.path, w.message);
    }
    for e in errors {
        if e.path.is_empty() {
            eprintln!("error: {}", e.message);
        } else {
            eprintln!("error: {}: {}", e.path, e.message);
        }
    }
}

/// A report on stdout. A reader that stops early (`| head`) is not an error: the scan's exit code
/// (findings, errors) stands.
fn print_report(rendered: &str) -> std::io::Result<()> {
    match crate::output::write_styled_text(rendered) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

pub fn run(args: &ScanArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    // Found now, not after the model has run.
    for (flag, out) in [("--output", &args.output), ("--write-baseline", &args.write_baseline)] {
        let Some(out) = out else { continue };
        let text = out.as_os_str().to_string_lossy();
        if out.is_dir() {
            anyhow::bail!("{flag} {}: is a directory; name a file", out.display());
        }
        if text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) {
            anyhow::bail!("{flag} {}: ends in a slash, so it names a folder; name a file", out.display());
        }
        pycwe_core::atomic::check_writable(out).map_err(|e| anyhow::anyhow!("{flag} {}: {e}", out.display()))?;
    }
    for (flag, baseline) in [("--write-baseline", &args.write_baseline), ("--baseline", &args.baseline)] {
        if let (Some(report), Some(baseline)) = (&args.output, baseline)
            && let target = paths::destination(report, &cwd)
            && target == paths::destination(baseline, &cwd)
            // `/dev/null` twice is harmless: only a file would lose the baseline.
            && !std::fs::metadata(&target).is_ok_and(|m| !m.is_file())
        {
            anyhow::bail!(
                "--output and {flag} both name {}: the report would overwrite the baseline",
                report.display()
            );
        }
    }
    if args.dry_run && matches!(args.output_format, ScanFormat::Sarif | ScanFormat::Github) {
        anyhow::bail!("--dry-run prints text or json (it finds nothing to put in a {:?} report)", args.output_format);
    }
    let paths: Vec<PathBuf> = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    // The scan's own settings (model, decision) and root come from the folder holding every path
    // named (the current directory when none), so no argument order changes them: two sibling
    // packages with configurations of their own scan under the defaults, each with its own rules.
    let common = paths::common_ancestor(&paths, &cwd);
    let config = if args.isolated { None } else { config::find(&common)? };
    let (config, config_dir, config_file) = match config {
        Some((c, from)) => (c, from.parent().map(Path::to_path_buf), Some(from)),
        None => (config::Config::default(), None, None),
    };
    let project_dir = if args.isolated { None } else { config::outermost_dir(&common) };
    let namer = paths::Namer::new(&common, project_dir.as_deref(), cwd);
    let model = args.model.clone().or(config.model.clone()).unwrap_or(pycwe_model::registry::DEFAULT_MODEL.into());
    let adapter_path = args
        .adapter
        .clone()
        .or_else(|| config.adapter.as_ref().map(|a| config_dir.as_deref().map_or(a.clone(), |d| d.join(a))));
    let choice = AdapterChoice::from_flags(adapter_path.as_deref(), args.base);
    let min_confidence = args.min_confidence.or(config.min_confidence).unwrap_or(match choice {
        AdapterChoice::Shipped => pycwe_model::shipped::threshold(),
        _ => 0.5,
    });
    if !(0.0..=1.0).contains(&min_confidence) {
        let from = match (&args.min_confidence, &config_file) {
            (None, Some(file)) => format!("{}: min-confidence = {min_confidence}", file.display()),
            _ => format!("--min-confidence {min_confidence}"),
        };
        anyhow::bail!("{from}: a confidence is between 0 and 1");
    }
    let config_named = |e: anyhow::Error| match &config_file {
        Some(file) if file.ends_with("pyproject.toml") => e.context(format!("{}: [tool.pycwe]", file.display())),
        Some(file) => e.context(file.display().to_string()),
        None => e,
    };
    let (scan_rules, config_error) = rules::Rules::new(args, &config)?;
    if let Some(e) = config_error {
        return Err(config_named(e));
    }
    let select = scan_rules.select.clone();
    let select_from = if args.select.is_empty() { "select =" } else { "--select" };
    for id in &select {
        if lookup(*id).is_ok_and(|e| !e.is_reportable()) {
            crate::output::warn(format!("{select_from} {id}: pycwe never reports it (see `pycwe cwe list`)"));
        }
    }
    let prefilter = !args.no_prefilter && config.prefilter.unwrap_or(true);

    // Walk, read and chunk.
    // The configurations' excludes are each file's own (below); the flag's apply to the walk.
    let excludes = [(namer.cwd().to_path_buf(), args.exclude.clone())];
    let exclude_options = walk::ExcludeOptions {
        force: args.force_exclude,
        defaults: !args.no_default_excludes && config.default_excludes.unwrap_or(true),
    };
    let filters =
        walk::Filters::new(&excludes, &args.include, namer.root(), exclude_options).context("--exclude / --include")?;
    // Each file's configuration excludes it or not, and says what it reports (a monorepo's
    // packages); asked during the walk too, so an excluded folder is never entered.
    let per_file = std::sync::Mutex::new(
        rules::PerFile::new(args, &namer, config_file.as_deref(), &config, scan_rules).map_err(config_named)?,
    );
    let excluded_by_config =
        |entry: &Path, root: &Path| per_file.lock().expect("not poisoned").excludes(entry, Some(root));
    let mut walked = walk::walk_with(&paths, &filters, 2, &excluded_by_config);
    let changed = match &args.diff {
        Some(rev) => {
            let dir = if paths[0].is_dir() {
                paths[0].clone()
            } else {
                paths[0].parent().map_or(".".into(), Path::to_path_buf)
            };
            let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
            let by_canonical = diff::changed_since(&dir, rev)?;
            // Keyed by the walked path from here on: each file is canonicalized once.
            let mut changed = HashMap::new();
            walked.files.retain(|p| {
                let key = paths::canonical(p);
                by_canonical.get(&key).map(|c| changed.insert(p.clone(), c.clone())).is_some()
            });
            Some(changed)
        }
        None => None,
    };
    let mut per_file = per_file.into_inner().expect("not poisoned");
    // Which files are scanned was settled in the walk (entries by their configurations, named
    // paths only when forced); what each reports is its own configuration's.
    let file_rules: HashMap<PathBuf, Arc<rules::Rules>> =
        walked.files.iter().map(|p| (p.clone(), per_file.rules_for(p))).collect();
    let problem = |e: &walk::WalkError| Problem {
        path: if e.path.as_os_str().is_empty() { String::new() } else { namer.shown(&e.path) },
        message: e.message.clone(),
    };
    let mut errors: Vec<Problem> = walked.errors.iter().map(problem).collect();
    // A link back up the tree (common in virtualenvs and monorepos) hides no file: not an error.
    let mut warnings: Vec<Problem> = walked.warnings.iter().map(problem).collect();
    let config_problem = |(path, message): &(PathBuf, String)| Problem {
        path: namer.shown(path),
        message: problem_message(path, message),
    };
    warnings.extend(per_file.warnings.iter().map(config_problem));
    errors.extend(per_file.errors.iter().map(config_problem));

    let device = crate::commands::train::device(args.device)?;
    let mut detector = LazyDetector::new(&model, choice, device, args.q8_decode)?;
    detector.decide_at(min_confidence);
    if args.explain {
        detector.explain()?;
    }
    if !args.no_anchor && config.anchor.unwrap_or(true) {
        detector.anchor();
    }
    let cache_root = args
        .cache_dir
        .clone()
        .unwrap_or_else(|| config_dir.clone().unwrap_or(PathBuf::from(".")).join(cache::CACHE_DIR));
    let mut disk_cache = (!args.no_cache).then(|| {
        if !args.dry_run {
            cache::init(&cache_root);
        }
        cache::DiskCache::new(&cache_root, &detector.fingerprint)
    });
    let opts = JudgeOptions { prefilter, min_confidence };
    // Whole files come from the file cache only when the scan needs nothing but their findings:
    // --diff judges part of a file, unused suppressions need its units, a dry run counts pieces.
    let file_cache = (!args.no_cache && !args.dry_run && changed.is_none() && !args.report_unused_suppressions)
        .then(|| file_cache::FileCache::new(&cache_root, &detector.fingerprint(), &opts));

    // Read; parse and chunk what the file cache does not answer.
    let max_bytes = args.max_file_size.or(config.max_file_size).unwrap_or(pycwe_core::source::DEFAULT_MAX_FILE_BYTES);
    let read = ReadOptions { max_bytes };
    let loaded: Vec<(PathBuf, Loaded)> = walked
        .files
        .par_iter()
        .map(|p| {
            let loaded = SourceFile::read(p, &read).map_err(FrontendError::from).and_then(|source| {
                if let Some(entry) = file_cache.as_ref().and_then(|c| c.get(&source)) {
                    return Ok((source, Judged::Cached(entry)));
                }
                let chunked = chunk(&source, &ChunkOptions::default())
                    .map_err(|e| FrontendError::Parse { path: p.clone(), source: e })?;
                Ok((source, Judged::Pending(chunked)))
            });
            (p.clone(), loaded)
        })
        .collect();
    let mut files: Vec<(PathBuf, SourceFile, Judged)> = Vec::new();
    for (path, result) in loaded {
        match result {
            Ok((source, mut judged)) => {
                if let (Some(changed), Judged::Pending(chunked)) =
                    (changed.as_ref().and_then(|c| c.get(&path)), &mut judged)
                {
                    chunked.units.retain(|u| changed.touches(u));
                }
                files.push((path, source, judged));
            }
            Err(err) => errors.push(Problem {
                path: namer.shown(&path),
                message: problem_message(&path, &format!("{:#}", anyhow::Error::from(err))),
            }),
        }
    }

    // Judge.
    let pending: Vec<(usize, &SourceFile, &ChunkedFile)> = files
        .iter()
        .enumerate()
        .filter_map(|(i, (_, s, j))| match j {
            Judged::Pending(c) => Some((i, s, c)),
            Judged::Cached(_) => None,
        })
        .collect();
    let refs: Vec<(&SourceFile, &ChunkedFile)> = pending.iter().map(|&(_, s, c)| (s, c)).collect();
    if args.dry_run {
        let lines = files.iter().map(|(_, s, _)| s.lines().line_count()).sum();
        let plan = dry_run::plan(&refs, &detector, &opts, disk_cache.as_mut())?;
        for (path, source, judged) in &files {
            if let Judged::Pending(chunked) = judged
                && chunked.syntax_issue_count > 0
            {
                let first = file_cache::first_syntax_line(source, chunked);
                warnings.push(syntax_warning(namer.shown(path), chunked.syntax_issue_count, first));
            }
        }
        let rendered = match args.output_format {
            ScanFormat::Json => serde_json::to_string_pretty(&plan.json(files.len(), lines))? + "\n",
            _ => plan.render(files.len(), lines),
        };
        print_report(&rendered)?;
        print_problems(&warnings, &errors);
        return Ok(if errors.is_empty() { Outcome::Clean } else { Outcome::Error });
    }
    let cache_ref = disk_cache.as_mut().map(|c| c as &mut dyn pycwe_core::judge::PredictionCache);
    let bar = crate::output::progress_bar(0, "judging");
    if refs.is_empty() {
        // Every file answered by the file cache: nothing to show progress on.
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_message(format!("pieces; {} files, {} unchanged", files.len(), files.len() - pending.len()));
    let (verdicts, mut stats) =
        judge_files_with_progress(&refs, &mut detector, &opts, cache_ref, &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })?;
    bar.finish_and_clear();
    let mut entries: Vec<Option<file_cache::FileEntry>> = vec![None; files.len()];
    let mut file_cache_write_errors = 0;
    for (&(i, source, chunked), verdict) in pending.iter().zip(&verdicts) {
        let entry = file_cache::FileEntry::from_verdict(source, chunked, verdict);
        if file_cache.as_ref().is_some_and(|c| !c.put(source, &entry)) {
            file_cache_write_errors += 1;
        }
        entries[i] = Some(entry);
    }
    for (i, (_, _, judged)) in files.iter().enumerate() {
        if let Judged::Cached(entry) = judged {
            stats.pieces += entry.pieces;
            stats.prefiltered_out += entry.prefiltered_out;
            stats.cache_hits += entry.pieces - entry.prefiltered_out;
            entries[i] = Some(entry.clone());
        }
    }
    let write_errors = disk_cache.as_ref().map_or(0, |c| c.write_errors) + file_cache_write_errors;
    if write_errors > 0 {
        eprintln!(
            "warning: {write_errors} cache entr{} could not be written",
            if write_errors == 1 { "y" } else { "ies" }
        );
    }

    // Findings.
    let mut findings = Vec::new();
    let mut suppressed = 0;
    for ((path, source, judged), entry) in files.iter().zip(&entries) {
        let entry = entry.as_ref().expect("every file has an entry by now");
        let shown = namer.shown(path);
        // A canonicalize per file that has findings, not per file scanned.
        let stable = if entry.findings.is_empty() { String::new() } else { namer.stable(path) };
        if entry.syntax_issues > 0 {
            warnings.push(syntax_warning(shown.clone(), entry.syntax_issues, entry.first_syntax_line));
        }
        let line_text = |line: usize| -> &str {
            source.slice(source.lines().line_span(line.saturating_sub(1))).trim_end_matches(['\n', '\r'])
        };
        let mut used_suppressions = BTreeSet::new();
        // Parsed for its comments only where a suppression could matter.
        let suppressions = if !entry.findings.is_empty() || args.report_unused_suppressions {
            suppress::FileSuppressions::of(source.text())
        } else {
            suppress::FileSuppressions::default()
        };
        for f in &entry.findings {
            let cwe = CweId(f.cwe);
            if !file_rules.get(path).is_none_or(|r| r.reports(cwe)) {
                continue;
            }
            let by =
                [f.line, f.def_line].into_iter().find(|&line| suppressions.at(line).is_some_and(|s| s.covers(cwe)));
            if let Some(line) = by {
                used_suppressions.insert(line);
                suppressed += 1;
                continue;
            }
            let snippet = line_text(f.line).to_string();
            let (name, catalog_message) = report::message_for(cwe);
            findings.push(ScanFinding {
                column: pycwe_core::anchor::sink_column(cwe, &snippet)
                    .unwrap_or(snippet.chars().take_while(|c| c.is_whitespace()).count() + 1),
                fingerprint: baseline::fingerprint(&stable, &cwe.to_string(), &f.unit_digest, &snippet),
                path: shown.clone(),
                line: f.line,
                cwe,
                name,
                message: f.reason.clone().unwrap_or(catalog_message),
                confidence: f.confidence,
                unit: f.unit.clone(),
                snippet,
            });
        }
        if let (true, Judged::Pending(chunked)) = (args.report_unused_suppressions, judged) {
            // Lines of the units this scan judged (all of them, or the changed ones with --diff).
            let scanned: BTreeSet<usize> = chunked
                .units
                .iter()
                .flat_map(|u| u.segments.iter().flat_map(|s| s.first_line + 1..=s.last_line + 1))
                .collect();
            let unused: BTreeSet<usize> =
                suppressions.lines().filter(|l| scanned.contains(l) && !used_suppressions.contains(l)).collect();
            warnings.extend(unused.into_iter().map(|line| Problem {
                path: shown.clone(),
                message: match suppressions.at(line) {
                    Some(suppress::Suppression::Only(ids)) if ids.is_empty() => {
                        format!("line {line}: the suppression names no CWE id (`# pycwe: ignore[CWE-89]`), so it ignores nothing")
                    }
                    _ => format!("line {line}: unused suppression (no finding here to ignore)"),
                },
            }));
        }
    }
    findings.sort_by(|a, b| (&a.path, a.line, a.cwe).cmp(&(&b.path, b.line, b.cwe)));
    if let Some(path) = &args.write_baseline {
        baseline::Baseline::from_findings(&findings).write(path)?;
        eprintln!("wrote a baseline of {} finding(s) to {}", findings.len(), path.display());
    }
    let mut baselined = 0;
    if let Some(path) = &args.baseline {
        let (kept, hidden) = baseline::Baseline::read(path)?.filter(findings);
        findings = kept;
        baselined = hidden;
    }
    let summary = Summary {
        files: files.len(),
        lines: files.iter().map(|(_, s, _)| s.lines().line_count()).sum(),
        units: stats.pieces,
        units_judged: stats.judged,
        cache_hits: stats.cache_hits,
        prefiltered_out: stats.prefiltered_out,
        suppressed,
        baselined,
        findings: findings.len(),
        errors: errors.len(),
        seconds: started.elapsed().as_secs_f64(),
    };
    let tool = ToolInfo { name: "pycwe", version: env!("CARGO_PKG_VERSION"), detector: detector.fingerprint.clone() };
    let rendered = match args.output_format {
        ScanFormat::Text => report::text(&findings, &summary),
        ScanFormat::Github => {
            // Annotations land on the pull request's files: name them from the repository's root.
            let from_root = |shown: &str| namer.under_root(Path::new(shown)).unwrap_or_else(|| shown.to_string());
            let entry_from_root =
                |shown: &str| namer.entry_under_root(Path::new(shown)).unwrap_or_else(|| shown.to_string());
            report::github(&findings, &warnings, &errors, from_root, entry_from_root)
        }
        ScanFormat::Json => {
            let report = JsonReport {
                version: report::JSON_SCHEMA_VERSION,
                tool,
                findings: &findings,
                errors: &errors,
                warnings: &warnings,
                summary: &summary,
            };
            serde_json::to_string_pretty(&report)? + "\n"
        }
        ScanFormat::Sarif => {
            let log = sarif::render(
                &findings,
                &tool,
                &sarif::Invocation { namer: &namer, warnings: &warnings, errors: &errors },
            );
            serde_json::to_string_pretty(&log)? + "\n"
        }
    };
    print_problems(&warnings, &errors);
    match &args.output {
        Some(out) => pycwe_core::atomic::write_atomic(out, crate::output::plain(&rendered).as_bytes())
            .with_context(|| format!("{}: cannot write", out.display()))?,
        None => print_report(&rendered)?,
    }
    if !matches!(args.output_format, ScanFormat::Text) || args.output.is_some() {
        eprint!("{}", report::summary_line(&findings, &summary));
    }
    Ok(if !errors.is_empty() {
        Outcome::Error
    } else if !findings.is_empty() && !args.exit_zero && args.write_baseline.is_none() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
