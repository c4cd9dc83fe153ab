//! Inline suppressions: `# pycwe: ignore` (every CWE) or `# pycwe: ignore[CWE-89, CWE-78]` on the
//! finding's line or on the `def` line of its unit. Only comments count (tree-sitter's comment
//! tokens): `"# pycwe: ignore"` inside a string literal is data, and must not hide a finding.

use std::collections::{BTreeMap, BTreeSet};

use pycwe_core::cwe::CweId;

/// What one comment suppresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppression {
    All,
    /// The ids listed; none when the list named no valid id (a typo hides nothing).
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

/// The suppression a comment holds, if any: `#` then `pycwe`, `:` and `ignore`, spaces optional
/// (`#pycwe:ignore[CWE-89]`), anywhere in the comment (`# noqa: S608  # pycwe: ignore`).
pub fn parse(comment: &str) -> Option<Suppression> {
    // Case as ruff takes `# NOQA`: any.
    let word = |text: &'_ str, word: &str| -> Option<usize> {
        text.get(..word.len()).filter(|head| head.eq_ignore_ascii_case(word)).map(|_| word.len())
    };
    comment.match_indices('#').find_map(|(at, _)| {
        let rest = comment[at + 1..].trim_start();
        let rest = rest[word(rest, "pycwe")?..].trim_start().strip_prefix(':')?.trim_start();
        let rest = &rest[word(rest, "ignore")?..];
        match rest.strip_prefix('[') {
            Some(list) => {
                let list = list.split(']').next().unwrap_or("");
                Some(Suppression::Only(list.split(',').filter_map(|s| s.trim().parse().ok()).collect()))
            }
            None if rest.is_empty() || rest.starts_with(char::is_whitespace) => Some(Suppression::All),
            None => None,
        }
    })
}

/// The suppressions of one file, by 1-based line.
#[derive(Debug, Default)]
pub struct FileSuppressions(BTreeMap<usize, Suppression>);

impl FileSuppressions {
    /// From the file's comments; a file that does not parse in time is read line by line instead.
    pub fn of(text: &str) -> Self {
        let found = match pycwe_core::python::comments_by_line(text) {
            Some(comments) => comments.into_iter().filter_map(|(line, c)| Some((line, parse(&c)?))).collect(),
            None => text.lines().enumerate().filter_map(|(i, l)| Some((i + 1, parse(l)?))).collect(),
        };
        FileSuppressions(found)
    }

    pub fn at(&self, line: usize) -> Option<&Suppression> {
        self.0.get(&line)
    }

    /// Lines that hold a suppression.
    pub fn lines(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bare_and_listed_suppressions() {
        assert_eq!(parse("# pycwe: ignore"), Some(Suppression::All));
        assert_eq!(parse("#pycwe:ignore reviewed"), Some(Suppression::All));
        let s = parse("# pycwe: ignore[CWE-89, cwe-78] reviewed").unwrap();
        assert!(s.covers(CweId(89)) && s.covers(CweId(78)) && !s.covers(CweId(22)));
        assert!(parse("#pycwe:ignore[CWE-89]").unwrap().covers(CweId(89)));
        assert!(parse("# PYCWE: IGNORE[cwe-89]").unwrap().covers(CweId(89)));
        assert_eq!(parse("# noqa: S608  # pycwe: ignore"), Some(Suppression::All));
        assert_eq!(parse("# noqa"), None);
        assert_eq!(parse("# pycwe: ignored-by-someone"), None);
        // A misspelt id hides nothing rather than everything.
        assert!(!parse("# pycwe: ignore[CWE-8g]").unwrap().covers(CweId(89)));
    }

    #[test]
    fn a_suppression_inside_a_string_is_not_one() {
        let text = "def f(conn, q):\n    return conn.execute(q + \"# pycwe: ignore\")\n\n\ndef g(x):  # pycwe: ignore[CWE-78]\n    s = '# pycwe: ignore'\n";
        let found = FileSuppressions::of(text);
        assert_eq!(found.lines().collect::<Vec<_>>(), [5]);
        assert!(found.at(5).unwrap().covers(CweId(78)));
        assert!(found.at(2).is_none() && found.at(6).is_none());
    }
}
