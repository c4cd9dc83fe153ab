//! `[tool.pycwe]` in `pyproject.toml`, or `pycwe.toml`, found by walking up from the scanned path
//! (the nearest wins, as with ruff). Command-line flags win over the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    pub model: Option<String>,
    pub adapter: Option<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    /// `false` is `--no-default-excludes`.
    pub default_excludes: Option<bool>,
    pub min_confidence: Option<f32>,
    pub max_file_size: Option<u64>,
    pub prefilter: Option<bool>,
    /// `false` is `--no-anchor`.
    pub anchor: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Pyproject {
    tool: Option<Tool>,
}

#[derive(Debug, Deserialize)]
struct Tool {
    pycwe: Option<Config>,
}

/// The configuration file in `dir` itself: `pycwe.toml`, else a `pyproject.toml` with a
/// `[tool.pycwe]` section.
fn in_dir(d: &Path) -> anyhow::Result<Option<(Config, PathBuf)>> {
    let own = d.join("pycwe.toml");
    if own.is_file() {
        let text = std::fs::read_to_string(&own).with_context(|| format!("{}: cannot read", own.display()))?;
        let config: Config =
            toml::from_str(&text).with_context(|| format!("{}: invalid configuration", own.display()))?;
        return Ok(Some((config, own)));
    }
    let pyproject = d.join("pyproject.toml");
    if pyproject.is_file() {
        let text =
            std::fs::read_to_string(&pyproject).with_context(|| format!("{}: cannot read", pyproject.display()))?;
        let parsed: Pyproject = toml::from_str(&text).with_context(|| match toml::from_str::<toml::Table>(&text) {
            Ok(_) => format!("{}: invalid [tool.pycwe] section", pyproject.display()),
            Err(_) => format!("{}: not valid TOML (read for its [tool.pycwe] section)", pyproject.display()),
        })?;
        if let Some(config) = parsed.tool.and_then(|t| t.pycwe) {
            return Ok(Some((config, pyproject)));
        }
    }
    Ok(None)
}

/// As the name reads ([`super::paths::lexical`]): `../proj/a.py` is looked up from `proj`, and a
/// linked package from the folder the link is in, as ruff finds them.
fn absolute(start: &Path) -> PathBuf {
    // Asked for every walked entry, mostly with absolute paths: no getcwd for those.
    let cwd = if start.is_absolute() { PathBuf::new() } else { std::env::current_dir().unwrap_or_default() };
    super::paths::lexical(start, &cwd)
}

/// The nearest configuration at or above `start`, with the file it came from.
pub fn find(start: &Path) -> anyhow::Result<Option<(Config, PathBuf)>> {
    let start = absolute(start);
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(d) = dir {
        if let Some(found) = in_dir(d)? {
            return Ok(Some(found));
        }
        dir = d.parent();
    }
    Ok(None)
}

/// The outermost folder at or above `start` holding a readable configuration: without git, the
/// project's root, so a nested package's own configuration does not move it and a baseline
/// written at the top matches a scan run below. (An unreadable `pyproject.toml` far above is
/// someone else's: it moves nothing.)
pub fn outermost_dir(start: &Path) -> Option<PathBuf> {
    let start = absolute(start);
    let first = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    first?.ancestors().filter(|d| matches!(in_dir(d), Ok(Some(_)))).last().map(Path::to_path_buf)
}

/// A configuration file as read: its settings, or why they could not be read.
pub type Read = Result<Config, String>;

/// The nearest configuration of many files, each folder read once (a scan asks for every file).
#[derive(Debug, Default)]
pub struct Resolver {
    /// Folder -> the configuration file that governs it.
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    read: HashMap<PathBuf, Read>,
}

impl Resolver {
    /// The configuration file nearest to `file` (at or above its folder), and what it holds.
    pub fn for_file(&mut self, file: &Path) -> Option<(&Path, &Read)> {
        let file = absolute(file);
        let found = self.nearest_to(file.parent()?)?;
        self.read.get_key_value(&found).map(|(p, r)| (p.as_path(), r))
    }

    fn nearest_to(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.nearest.get(dir) {
            return known.clone();
        }
        let found = match in_dir(dir) {
            Ok(Some((config, file))) => {
                self.read.insert(file.clone(), Ok(config));
                Some(file)
            }
            Ok(None) => dir.parent().and_then(|up| self.nearest_to(up)),
            Err(e) => {
                // Named by the file in the folder that could not be read.
                let file =
                    if dir.join("pycwe.toml").is_file() { dir.join("pycwe.toml") } else { dir.join("pyproject.toml") };
                self.read.insert(file.clone(), Err(format!("{e:#}")));
                Some(file)
            }
        };
        self.nearest.insert(dir.to_path_buf(), found.clone());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_nearest_pyproject_section_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n\n[tool.pycwe]\nselect = [\"CWE-89\"]\nmin-confidence = 0.7\nexclude = [\"migrations\"]\nanchor = false\ndefault-excludes = false\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        let (config, from) = find(&dir.path().join("pkg")).unwrap().unwrap();
        assert_eq!(config.select, vec!["CWE-89"]);
        assert_eq!(config.min_confidence, Some(0.7));
        assert_eq!(config.anchor, Some(false));
        assert_eq!(config.default_excludes, Some(false));
        assert!(from.ends_with("pyproject.toml"));
        std::fs::write(dir.path().join("pkg").join("pycwe.toml"), "selct = []\n").unwrap();
        let err = find(&dir.path().join("pkg")).unwrap_err();
        assert!(format!("{err:#}").contains("unknown field"), "{err:#}");
    }

    #[test]
    fn each_file_gets_its_nearest_configuration_and_a_broken_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = &super::super::paths::canonical(dir.path());
        std::fs::write(root.join("pyproject.toml"), "[tool.pycwe]\nselect = [\"CWE-89\"]\n").unwrap();
        for sub in ["a/deep", "b", "c"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        // A pyproject without the section does not stop the search; a pycwe.toml does.
        std::fs::write(root.join("a/pyproject.toml"), "[project]\nname = \"a\"\n").unwrap();
        std::fs::write(root.join("b/pycwe.toml"), "ignore = [\"CWE-78\"]\n").unwrap();
        std::fs::write(root.join("c/pycwe.toml"), "selct = []\n").unwrap();
        let mut resolver = Resolver::default();
        let (from, read) = resolver.for_file(&root.join("a/deep/x.py")).unwrap();
        assert_eq!(from, root.join("pyproject.toml"));
        assert_eq!(read.as_ref().unwrap().select, ["CWE-89"]);
        let (from, read) = resolver.for_file(&root.join("b/y.py")).unwrap();
        assert_eq!(from, root.join("b/pycwe.toml"));
        assert_eq!(read.as_ref().unwrap().ignore, ["CWE-78"]);
        let (from, read) = resolver.for_file(&root.join("c/z.py")).unwrap();
        assert_eq!(from, root.join("c/pycwe.toml"));
        assert!(read.as_ref().unwrap_err().contains("unknown field"), "{read:?}");
        assert_eq!(resolver.for_file(&root.join("a/deep/x.py")).unwrap().0, root.join("pyproject.toml"));
        assert_eq!(outermost_dir(&root.join("b/y.py")).as_deref(), Some(root.as_path()));
    }
}
