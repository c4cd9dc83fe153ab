//! The CWE catalog: the one table that `explain`, prompts, the dataset, SARIF rules and reports read.
//!
//! Every entry of the MITRE CWE Top 25 (2024 and 2025 editions) plus extra weaknesses common in Python.
//! Ranks live in [`TOP25_2024`] / [`TOP25_2025`] (rank = position + 1) so that an edition is exactly the
//! list MITRE published; the entries themselves live in `entries/`, grouped by theme.

mod entries;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A CWE identifier, e.g. `CweId(89)` for CWE-89. Displays and parses as `CWE-89`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CweId(pub u32);

impl fmt::Display for CweId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CWE-{}", self.0)
    }
}

impl Serialize for CweId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CweId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a string is not a CWE id pycwe knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CweIdError {
    #[error("`{0}` is not a CWE id (expected e.g. CWE-89 or 89)")]
    Malformed(String),
    #[error("{0} is not in pycwe's catalog (see `pycwe cwe list --all`)")]
    Unknown(CweId),
}

impl FromStr for CweId {
    type Err = CweIdError;

    /// Accepts `CWE-89`, `cwe-89`, `CWE89` and `89`; does not check the catalog (see [`lookup`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        // One optional dash: `CWE--1` is a typo, not CWE-1. `get`, not slicing: `ab€` has no
        // character boundary at byte 3.
        let digits = match (t.get(..3), t.get(3..)) {
            (Some(prefix), Some(rest)) if prefix.eq_ignore_ascii_case("cwe") => rest.strip_prefix('-').unwrap_or(rest),
            _ => t,
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 6 {
            return Err(CweIdError::Malformed(s.to_string()));
        }
        digits.parse().map(CweId).map_err(|_| CweIdError::Malformed(s.to_string()))
    }
}

/// An edition of the MITRE CWE Top 25 Most Dangerous Software Weaknesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Edition {
    #[serde(rename = "2024")]
    Y2024,
    #[serde(rename = "2025")]
    Y2025,
}

impl Edition {
    pub const ALL: [Edition; 2] = [Edition::Y2024, Edition::Y2025];
    pub const NEWEST: Edition = Edition::Y2025;

    /// The edition's entries in rank order (rank = index + 1).
    pub fn ranking(self) -> &'static [CweId; 25] {
        match self {
            Edition::Y2024 => &TOP25_2024,
            Edition::Y2025 => &TOP25_2025,
        }
    }

    pub fn year(self) -> u16 {
        match self {
            Edition::Y2024 => 2024,
            Edition::Y2025 => 2025,
        }
    }
}

impl FromStr for Edition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "2024" => Ok(Edition::Y2024),
            "2025" => Ok(Edition::Y2025),
            _ => Err(format!("unknown Top 25 edition `{s}` (known: 2024, 2025)")),
        }
    }
}

const fn ids<const N: usize>(raw: [u32; N]) -> [CweId; N] {
    let mut out = [CweId(0); N];
    let mut i = 0;
    while i < N {
        out[i] = CweId(raw[i]);
        i += 1;
    }
    out
}

/// The 2024 CWE Top 25, in rank order.
pub const TOP25_2024: [CweId; 25] = ids([
    79, 787, 89, 352, 22, 125, 78, 416, 862, 434, 94, 20, 77, 287, 269, 502, 200, 863, 918, 119, 476, 798, 190, 400,
    306,
]);

/// The 2025 CWE Top 25, in rank order.
pub const TOP25_2025: [CweId; 25] = ids([
    79, 89, 352, 862, 787, 22, 416, 125, 78, 94, 120, 434, 476, 121, 502, 122, 863, 20, 284, 200, 306, 918, 77, 639,
    770,
]);

/// How a weakness can show up in Python source, which decides how pycwe reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Applicability {
    /// Visible within one function: a source reaches a sink (or a constant is misused) in the unit.
    /// Reported on the sink's line.
    Local,
    /// Only visible with application context (which routes need a login, who owns a record):
    /// reported with lower confidence, on the `def` line of the handler.
    Contextual,
    /// A parent class (CWE-20): never reported itself; findings use one of `children`.
    Parent { children: &'static [CweId] },
    /// Does not apply to Python code (memory safety); never reported.
    NotApplicable { reason: &'static str },
}

/// One API that brings untrusted data in (a source) or does the dangerous thing (a sink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Api {
    /// `stdlib`, `flask`, `django`, `fastapi`, `aiohttp`, `sqlalchemy`, `requests`, ... (lower case).
    pub framework: &'static str,
    /// Dotted path as a Python user writes it, e.g. `sqlite3.Cursor.execute`, `flask.request.args`.
    pub api: &'static str,
}

/// Shorthand for the entry tables: `api("flask", "flask.request.args")`.
pub const fn api(framework: &'static str, api: &'static str) -> Api {
    Api { framework, api }
}

/// One catalog entry. All text is static, written for a developer reading `pycwe explain`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CweEntry {
    pub id: CweId,
    /// MITRE's name, e.g. "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')".
    pub name: &'static str,
    /// A short name for tables and one-line messages, e.g. "SQL injection".
    pub short_name: &'static str,
    /// Two or three sentences: what the weakness is and how it looks in Python.
    pub summary: &'static str,
    pub applicability: Applicability,
    /// Severity from 0.1 to 10, for SARIF's `security-severity` (GitHub: >= 9 critical, >= 7 high, >= 4 medium).
    pub severity: f32,
    /// Where untrusted data typically comes from for this weakness. Empty for not-applicable entries.
    pub sources: &'static [Api],
    /// The APIs where the weakness happens. Non-empty for every reportable entry.
    pub sinks: &'static [Api],
    /// How to fix it, in Markdown (SARIF `help`, `pycwe explain`).
    pub remediation: &'static str,
    /// A small Python module containing the weakness. Empty for not-applicable entries.
    pub vulnerable_example: &'static str,
    /// The same module with the weakness fixed the way a reviewer would ask for.
    pub fixed_example: &'static str,
}

impl CweEntry {
    /// MITRE's page for the entry.
    pub fn mitre_url(&self) -> String {
        format!("https://cwe.mitre.org/data/definitions/{}.html", self.id.0)
    }

    /// This entry's rank in an edition of the Top 25, if it is listed there.
    pub fn rank(&self, edition: Edition) -> Option<u8> {
        edition.ranking().iter().position(|&id| id == self.id).map(|i| i as u8 + 1)
    }

    /// Extra weaknesses are in the catalog because they are common in Python, not because of a Top 25 rank.
    pub fn is_extra(&self) -> bool {
        Edition::ALL.iter().all(|&e| self.rank(e).is_none())
    }

    /// Whether pycwe ever reports this id itself (false for CWE-20 and the memory-safety entries).
    pub fn is_reportable(&self) -> bool {
        matches!(self.applicability, Applicability::Local | Applicability::Contextual)
    }
}

/// Every entry, group by group as `entries/` declares them (see [`Edition::ranking`] for rank order).
pub fn catalog() -> impl Iterator<Item = &'static CweEntry> {
    entries::GROUPS.iter().flat_map(|group| group.iter())
}

/// The entry for `id`, or `CweIdError::Unknown`.
pub fn lookup(id: CweId) -> Result<&'static CweEntry, CweIdError> {
    catalog().find(|e| e.id == id).ok_or(CweIdError::Unknown(id))
}

/// Parses `CWE-89` / `89` and looks it up in one step.
pub fn parse_and_lookup(s: &str) -> Result<&'static CweEntry, CweIdError> {
    lookup(s.parse()?)
}

/// The entries pycwe can report, in id order: what the model may answer and SARIF lists as rules.
pub fn reportable() -> impl Iterator<Item = &'static CweEntry> {
    catalog().filter(|e| e.is_reportable())
}

#[cfg(test)]
mod tests;
