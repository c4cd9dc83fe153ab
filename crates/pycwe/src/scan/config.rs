//! `[tool.pycwe]` in `pyproject.toml`, or `pycwe.toml`, found by walking up from the scanned path
//! (the nearest wins, as with ruff). Command-line flags win over the file.

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

/// The nearest configuration at or above `start`, with the file it came from.
pub fn find(start: &Path) -> anyhow::Result<Option<(Config, PathBuf)>> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(d) = dir {
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
            let parsed: Pyproject = toml::from_str(&text)
                .with_context(|| format!("{}: invalid [tool.pycwe] section", pyproject.display()))?;
            if let Some(config) = parsed.tool.and_then(|t| t.pycwe) {
                return Ok(Some((config, pyproject)));
            }
        }
        dir = d.parent();
    }
    Ok(None)
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
}
