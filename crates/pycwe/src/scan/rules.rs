//! Which CWEs a file reports, and whether it is scanned at all, from the configuration nearest to
//! it, as ruff resolves settings per file: in a monorepo `packages/api/pyproject.toml` governs
//! `packages/api/**` whichever path the scan was given first, and pre-commit, which passes files
//! from every package at once, sees each package's own `select`, `ignore` and `exclude`. The model,
//! its adapter and the decision (`min-confidence`, `prefilter`, `anchor`, `max-file-size`,
//! `default-excludes`) stay one per scan, from the configuration of the folder holding every path
//! named; a nested file that sets them otherwise is named in a warning rather than silently
//! overruled.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pycwe_core::cwe::{CweId, parse_and_lookup};

use super::config::{Config, Resolver};
use super::paths::Namer;
use super::walk::{ExcludeOptions, Filters};
use crate::args::ScanArgs;

/// `key`: where the list was written (`--select`, or `select` in a configuration), for the error.
fn parse_cwes(list: &[String], key: &str) -> anyhow::Result<BTreeSet<CweId>> {
    list.iter()
        .map(|s| {
            if s.trim().is_empty() {
                anyhow::bail!("{key}: an empty CWE id in the list (a stray comma?)");
            }
            parse_and_lookup(s).map(|e| e.id).map_err(|e| anyhow::anyhow!("{key}: {e}"))
        })
        .collect()
}

/// The CWEs one configuration reports, with the command line applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub select: BTreeSet<CweId>,
    pub ignore: BTreeSet<CweId>,
}

impl Rules {
    /// As in ruff: a `--select` replaces the file's and beats its ignore list; `--ignore` adds to
    /// it. An error is the command line's or, wrapped by the caller, the configuration's.
    pub fn new(args: &ScanArgs, config: &Config) -> anyhow::Result<(Self, ConfigError)> {
        let cli_select = parse_cwes(&args.select, "--select")?;
        let cli_ignore = parse_cwes(&args.ignore, "--ignore")?;
        let from_config = || -> anyhow::Result<(BTreeSet<CweId>, BTreeSet<CweId>)> {
            Ok((parse_cwes(&config.select, "select")?, parse_cwes(&config.ignore, "ignore")?))
        };
        let (config_select, mut ignore, error) = match from_config() {
            Ok((s, i)) => (s, i, None),
            Err(e) => (BTreeSet::new(), BTreeSet::new(), Some(e)),
        };
        let select = if args.select.is_empty() { config_select } else { cli_select.clone() };
        ignore.retain(|id| !cli_select.contains(id));
        ignore.extend(cli_ignore);
        Ok((Rules { select, ignore }, error))
    }

    pub fn reports(&self, cwe: CweId) -> bool {
        (self.select.is_empty() || self.select.contains(&cwe)) && !self.ignore.contains(&cwe)
    }
}

/// A configuration's own mistake (a misspelt CWE id), kept apart from the command line's.
pub type ConfigError = Option<anyhow::Error>;

/// A configuration as it applies to its files.
struct Applied {
    rules: Arc<Rules>,
    /// `None`: it excludes nothing.
    excludes: Option<Filters>,
}

/// Rules per file, each configuration read once.
pub struct PerFile<'a> {
    args: &'a ScanArgs,
    namer: &'a Namer,
    /// The scan's own configuration file (as [`super::config::find`] names it) and what it holds.
    scan_file: Option<PathBuf>,
    scan_config: Config,
    /// For files under the scan's configuration, or under none.
    scan: Applied,
    resolver: Option<Resolver>,
    /// Other configurations by file; `None`: it could not be used, so its files keep the scan's.
    nested: HashMap<PathBuf, Option<Applied>>,
    /// Configuration files and what is wrong with them, for the report.
    pub warnings: Vec<(PathBuf, String)>,
    pub errors: Vec<(PathBuf, String)>,
}

/// A configuration's excludes, matched from its folder (the file it was read from names it
/// lexically, as entries are named).
fn excludes_of(from: &Path, config: &Config) -> anyhow::Result<Option<Filters>> {
    if config.exclude.is_empty() {
        return Ok(None);
    }
    let dir = from.parent().unwrap_or(Path::new("/"));
    let options = ExcludeOptions { force: false, defaults: false };
    Filters::new(&[(dir.to_path_buf(), config.exclude.clone())], &[], dir, options).map(Some)
}

impl<'a> PerFile<'a> {
    /// `scan_file`: the configuration the scan's settings came from; nothing else is read when the
    /// scan is `--isolated`. An error is in the scan's configuration (a bad glob).
    pub fn new(
        args: &'a ScanArgs,
        namer: &'a Namer,
        scan_file: Option<&Path>,
        scan_config: &Config,
        scan_rules: Rules,
    ) -> anyhow::Result<Self> {
        let excludes = match scan_file {
            Some(file) => excludes_of(file, scan_config)?,
            None => None,
        };
        Ok(PerFile {
            args,
            namer,
            scan_file: scan_file.map(Path::to_path_buf),
            scan_config: scan_config.clone(),
            scan: Applied { rules: Arc::new(scan_rules), excludes },
            resolver: (!args.isolated).then(Resolver::default),
            nested: HashMap::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
        })
    }

    /// The rules `file` reports under, or `None` when a configuration excludes it ([`Self::excludes`]).
    #[cfg(test)]
    pub fn for_file(&mut self, file: &Path, named: Option<&Path>) -> Option<Arc<Rules>> {
        if self.excludes(file, named) {
            return None;
        }
        Some(self.rules_for(file))
    }

    /// The rules `file` (as walked) reports under. Whether it is scanned at all was settled by
    /// [`Self::excludes`] during the walk.
    pub fn rules_for(&mut self, file: &Path) -> Arc<Rules> {
        let file = super::paths::lexical(file, self.namer.cwd());
        self.applied(&file).rules.clone()
    }

    /// Whether `entry` (a file or folder, as walked) or a folder above it is excluded, each by the
    /// configuration governing it (the nearest one above it), asked from the top down: a folder
    /// its parent's configuration excludes is the end of it, whatever configuration it holds
    /// (that one is never read). `named`: the path on the command line it was reached through
    /// (the entry itself, or a folder above it): that path and the folders above it are excluded
    /// only with `--force-exclude`, as for `--exclude`.
    pub fn excludes(&mut self, entry: &Path, named: Option<&Path>) -> bool {
        let cwd = self.namer.cwd();
        let entry = super::paths::lexical(entry, cwd);
        let named = if self.args.force_exclude { None } else { named.map(|n| super::paths::lexical(n, cwd)) };
        // Nor are the project root and the folders above it asked (their configurations, if any,
        // are other projects').
        let root = self.namer.root();
        let chain: Vec<PathBuf> = (entry.ancestors())
            .take_while(|p| named.as_ref().is_none_or(|s| p != s && p.starts_with(s)))
            .take_while(|p| *p != root)
            .map(Path::to_path_buf)
            .collect();
        chain.iter().rev().any(|p| self.applied(p).excludes.as_ref().is_some_and(|e| e.excludes_entry(p)))
    }

    fn applied(&mut self, file: &Path) -> &Applied {
        let Some(resolver) = self.resolver.as_mut() else { return &self.scan };
        let Some((from, read)) = resolver.for_file(file) else { return &self.scan };
        if self.scan_file.as_deref() == Some(from) {
            return &self.scan;
        }
        let (from, read) = (from.to_path_buf(), read.clone());
        if !self.nested.contains_key(&from) {
            let nested = match read {
                Ok(config) => self.nested_config(&from, &config),
                Err(e) => {
                    // The report names the file already.
                    let e = e.strip_prefix(&format!("{}: ", from.display())).unwrap_or(&e).trim_end();
                    self.not_used(&from, e);
                    None
                }
            };
            self.nested.insert(from.clone(), nested);
        }
        self.nested.get(&from).expect("inserted above").as_ref().unwrap_or(&self.scan)
    }

    /// Records that the configuration in `from` could not be used, and why.
    fn not_used(&mut self, from: &Path, why: &str) {
        let scan = match &self.scan_file {
            Some(file) => format!("the rules of {}", self.namer.shown(file)),
            None => "the default rules".to_string(),
        };
        self.errors.push((from.to_path_buf(), format!("not used (its files were scanned under {scan}): {why}")));
    }

    fn nested_config(&mut self, from: &Path, config: &Config) -> Option<Applied> {
        let dir = from.parent().unwrap_or(Path::new("/"));
        let checked = Rules::new(self.args, config).and_then(|(rules, error)| match error {
            Some(e) => Err(e),
            None => Ok(rules),
        });
        let checked = checked.and_then(|rules| {
            if let Some(t) = config.min_confidence.filter(|t| !(0.0..=1.0).contains(t)) {
                anyhow::bail!("min-confidence = {t}: a confidence is between 0 and 1");
            }
            Ok((rules, excludes_of(from, config)?))
        });
        let (rules, excludes) = match checked {
            Ok(ok) => ok,
            Err(e) => {
                self.not_used(from, &format!("{e:#}"));
                return None;
            }
        };
        let overruled = self.scan_wide_differences(config, dir);
        if !overruled.is_empty() {
            self.warnings.push((
                from.to_path_buf(),
                format!(
                    "{} appl{} to a whole scan, and this one takes {} from {}; scan {} on its own to use {}",
                    overruled.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                    if overruled.len() == 1 { "ies" } else { "y" },
                    if overruled.len() == 1 { "it" } else { "them" },
                    self.scan_file.as_ref().map_or("the defaults".to_string(), |f| self.namer.shown(f)),
                    self.namer.shown(dir),
                    if overruled.len() == 1 { "it" } else { "them" },
                ),
            ));
        }
        Some(Applied { rules: Arc::new(rules), excludes })
    }

    /// The whole-scan keys `nested` sets otherwise than the scan's configuration, where no flag
    /// decides them anyway.
    fn scan_wide_differences(&self, nested: &Config, nested_dir: &Path) -> Vec<&'static str> {
        let (args, scan) = (self.args, &self.scan_config);
        let scan_dir = self.scan_file.as_deref().and_then(Path::parent);
        let adapter = |a: &Option<PathBuf>, dir: Option<&Path>| {
            a.as_ref().map(|a| dir.map_or(a.clone(), |d| super::paths::canonical(&d.join(a))))
        };
        let differs = |set: bool, same: bool| set && !same;
        let mut keys = Vec::new();
        if args.model.is_none() && differs(nested.model.is_some(), nested.model == scan.model) {
            keys.push("model");
        }
        let nested_adapter = adapter(&nested.adapter, Some(nested_dir));
        if args.adapter.is_none()
            && !args.base
            && differs(nested_adapter.is_some(), nested_adapter == adapter(&scan.adapter, scan_dir))
        {
            keys.push("adapter");
        }
        if args.min_confidence.is_none()
            && differs(nested.min_confidence.is_some(), nested.min_confidence == scan.min_confidence)
        {
            keys.push("min-confidence");
        }
        if !args.no_prefilter && differs(nested.prefilter.is_some(), nested.prefilter == scan.prefilter) {
            keys.push("prefilter");
        }
        if !args.no_anchor && differs(nested.anchor.is_some(), nested.anchor == scan.anchor) {
            keys.push("anchor");
        }
        if args.max_file_size.is_none()
            && differs(nested.max_file_size.is_some(), nested.max_file_size == scan.max_file_size)
        {
            keys.push("max-file-size");
        }
        if !args.no_default_excludes
            && differs(nested.default_excludes.is_some(), nested.default_excludes == scan.default_excludes)
        {
            keys.push("default-excludes");
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn scan_args(flags: &[&str]) -> ScanArgs {
        match crate::args::Cli::parse_from(["pycwe", "scan"].iter().chain(flags)).command {
            crate::args::Command::Scan(args) => args,
            _ => unreachable!("a scan"),
        }
    }

    fn cwes(ids: &[&str]) -> BTreeSet<CweId> {
        ids.iter().map(|s| parse_and_lookup(s).unwrap().id).collect()
    }

    #[test]
    fn the_command_line_select_replaces_the_configuration_and_ignore_adds_to_it() {
        let config = Config { select: vec!["CWE-89".into()], ignore: vec!["CWE-78".into()], ..Config::default() };
        let (rules, error) = Rules::new(&scan_args(&[]), &config).unwrap();
        assert!(error.is_none());
        assert_eq!((rules.select.clone(), rules.ignore.clone()), (cwes(&["CWE-89"]), cwes(&["CWE-78"])));
        let (rules, _) = Rules::new(&scan_args(&["--select", "CWE-78,CWE-22", "--ignore", "CWE-22"]), &config).unwrap();
        let id = |s: &str| parse_and_lookup(s).unwrap().id;
        assert!(rules.reports(id("CWE-78")));
        assert!(!rules.reports(id("CWE-89")));
        assert!(!rules.reports(id("CWE-22")), "--ignore adds to the selection's");
        let bad = Config { ignore: vec!["CWE-99999".into()], ..Config::default() };
        assert!(Rules::new(&scan_args(&[]), &bad).unwrap().1.is_some());
        assert!(Rules::new(&scan_args(&["--select", "CWE-99999"]), &Config::default()).is_err());
    }

    #[test]
    fn each_package_reports_under_its_own_configuration_whatever_the_scan_was_given_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = &super::super::paths::canonical(dir.path());
        let root_toml = "[tool.pycwe]\nselect = [\"CWE-89\"]\nexclude = [\"cli/gen_*.py\", \"tools/gen_*.py\"]\n";
        std::fs::write(root.join("pyproject.toml"), root_toml).unwrap();
        for sub in ["api/migrations", "cli", "broken", "tools"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::fs::write(
            root.join("api/pycwe.toml"),
            "ignore = [\"CWE-89\"]\nexclude = [\"migrations\", \"../cli\"]\nmin-confidence = 0.9\n",
        )
        .unwrap();
        std::fs::write(root.join("broken/pycwe.toml"), "select = [\"CWE-99999\"]\n").unwrap();
        // cli has a configuration of its own, so the root's `cli/gen_*.py` is not its.
        std::fs::write(root.join("cli/pycwe.toml"), "").unwrap();
        let args = scan_args(&[]);
        let scan_config = Config {
            select: vec!["CWE-89".into()],
            exclude: vec!["cli/gen_*.py".into(), "tools/gen_*.py".into()],
            ..Config::default()
        };
        let scan_rules = Rules::new(&args, &scan_config).unwrap().0;
        let namer = Namer::at(root);
        let mut per_file =
            PerFile::new(&args, &namer, Some(&root.join("pyproject.toml")), &scan_config, scan_rules.clone()).unwrap();

        // Each file answers to its nearest configuration: api's `../cli` reaches no sibling, the
        // root's exclude reaches tools (its own) but not cli (which has a configuration).
        assert_eq!(per_file.for_file(&root.join("cli/main.py"), None).unwrap().select, BTreeSet::new());
        assert!(per_file.for_file(&root.join("cli/gen_x.py"), None).is_some());
        assert!(per_file.for_file(&root.join("tools/gen_x.py"), None).is_none());
        assert_eq!(*per_file.for_file(&root.join("tools/run.py"), None).unwrap(), scan_rules);
        // A named folder is not excluded by its own name or those above it; what is below still is.
        assert!(per_file.for_file(&root.join("api/migrations/0001.py"), Some(&root.join("api/migrations"))).is_some());
        assert!(per_file.for_file(&root.join("api/migrations/0001.py"), Some(&root.join("api"))).is_none());
        let api = per_file.for_file(&root.join("api/views.py"), None).unwrap();
        assert_eq!(api.ignore, cwes(&["CWE-89"]));
        assert!(per_file.for_file(&root.join("api/migrations/0001.py"), None).is_none());
        // Named, it is scanned unless forced, as the scan's own excludes behave.
        assert!(
            per_file
                .for_file(&root.join("api/migrations/0001.py"), Some(&root.join("api/migrations/0001.py")))
                .is_some()
        );
        assert_eq!(*per_file.for_file(&root.join("broken/x.py"), None).unwrap(), scan_rules);
        assert_eq!(per_file.warnings.len(), 1, "{:?}", per_file.warnings);
        assert_eq!(
            per_file.warnings[0].1,
            "`min-confidence` applies to a whole scan, and this one takes it from pyproject.toml; scan api on its own to use it"
        );
        assert_eq!(per_file.errors.len(), 1, "read once: {:?}", per_file.errors);
        assert!(per_file.errors[0].1.contains("CWE-99999"), "{:?}", per_file.errors);

        let forced = scan_args(&["--force-exclude", "--isolated"]);
        let mut isolated = PerFile::new(&forced, &namer, None, &Config::default(), scan_rules.clone()).unwrap();
        assert_eq!(
            *isolated
                .for_file(&root.join("api/migrations/0001.py"), Some(&root.join("api/migrations/0001.py")))
                .unwrap(),
            scan_rules
        );
        let forced = scan_args(&["--force-exclude"]);
        let mut per_file = PerFile::new(&forced, &namer, None, &Config::default(), scan_rules).unwrap();
        assert!(
            per_file
                .for_file(&root.join("api/migrations/0001.py"), Some(&root.join("api/migrations/0001.py")))
                .is_none()
        );
    }
}
