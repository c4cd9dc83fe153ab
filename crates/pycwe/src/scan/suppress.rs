//! Inline suppressions: `# pycwe: ignore` (every CWE) or `# pycwe: ignore[CWE-89, CWE-78]` on the
//! finding's line or on the `def` line of its unit.

use std::collections::BTreeSet;

use pycwe_core::cwe::CweId;

/// What one comment suppresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppression {
    All,
    Only(BTreeSet<CweId>),
}

impl Suppression {
    pub fn covers(&self, cwe: CweId) -> bool {
        match self {
            Suppression::All => true,
            Suppression::Only(ids) => ids.contains(&cwe),
        }
    }
}

/// The suppression written on `line`, if any.
pub fn parse(line: &str) -> Option<Suppression> {
    let at = line.find("# pycwe: ignore").or_else(|| line.find("#pycwe: ignore"))?;
    let rest = &line[at..];
    let rest = &rest[rest.find("ignore").expect("found above") + "ignore".len()..];
    match rest.strip_prefix('[') {
        Some(list) => {
            let list = list.split(']').next().unwrap_or("");
            let ids: BTreeSet<CweId> = list.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            Some(if ids.is_empty() { Suppression::All } else { Suppression::Only(ids) })
        }
        None => Some(Suppression::All),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bare_and_listed_suppressions() {
        assert_eq!(parse("os.system(cmd)  # pycwe: ignore"), Some(Suppression::All));
        let s = parse("cur.execute(q)  # pycwe: ignore[CWE-89, cwe-78] reviewed").unwrap();
        assert!(s.covers(CweId(89)) && s.covers(CweId(78)) && !s.covers(CweId(22)));
        assert_eq!(parse("x = 1  # noqa"), None);
    }
}
