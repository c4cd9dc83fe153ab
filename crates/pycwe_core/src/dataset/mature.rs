//! Mature negatives: real functions of the carrier corpus, unchanged, as safe training records
//! (`dataset build --carriers DIR --mature-negatives N`).
//!
//! Every safe record the generator writes is the fixed twin of a vulnerable one: a sink with its
//! fix. A scan meets something else: mature code that touches a catalog API (a path join, a
//! regex, a cache read) with nothing wrong in it. The adapters judge those at their prior and
//! flag them (Django's sample: most findings of every candidate since session 18 sit at
//! 0.50-0.59, docs/RESULTS.md). These records are such code: functions of the carrier corpus
//! (pinned PyPI packages no evaluation set uses) that pass the prefilter, left as they were.
//!
//! Their label is weak: nobody reviewed them, they are taken as safe because published library
//! code mostly is. Functions whose safety rests on where their data comes from are left out
//! ([`AMBIGUOUS_CALLS`]), since a weak label cannot know that, and the train split is the only
//! one that gets them, so no figure is measured against a weak label. A carrier whose function a
//! valid or test record holds is left out too, so no held-out record shares code with one.

use std::collections::BTreeSet;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::carriers::{Carrier, Corpus};
use super::generate::{import_block, used_imports};
use super::record::{Origin, Record, Review, ReviewStatus};
use crate::judge::mentions_catalog;

/// The recipe name and family prefix of mature negatives.
pub const MATURE_RECIPE: &str = "mature";

/// Text that makes a function's safety depend on its callers' data (what Bandit flags at medium
/// or high severity, and the sinks whose carried pairs label a parameter reaching them as
/// vulnerable): such a function is no safe example without knowing its callers.
pub const AMBIGUOUS_CALLS: &[&str] = &[
    "eval(",
    "exec(",
    "os.system(",
    "os.popen(",
    "subprocess",
    "shell=True",
    "pickle",
    "marshal",
    "shelve",
    "yaml.load(",
    "md5",
    "sha1",
    "mktemp(",
    ".execute(",
    "mark_safe",
    "Markup(",
    "render_template_string",
    "verify=False",
    "urlopen(",
    "requests.",
    "__import__(",
    "import_module(",
    "etree",
    "random.",
];

/// What [`mature_negatives`] found and took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MatureCounts {
    /// Carriers that pass the prefilter, hold no ambiguous call and no held-out record holds.
    pub candidates: usize,
    /// Records made (at most the number asked for).
    pub records: usize,
}

/// The carrier as a module: the imports it uses, its class header when a method, its lines.
fn render(carrier: &Carrier) -> String {
    let mut shown = carrier.lines.join("\n");
    if let Some(header) = &carrier.class_header {
        shown = format!("{header}\n{shown}");
    }
    let imports: BTreeSet<String> = carrier.imports.iter().cloned().collect();
    let used = used_imports(&imports, &shown);
    if used.is_empty() { shown + "\n" } else { format!("{}\n\n\n{shown}\n", import_block(&used).trim_end()) }
}

/// The `def` line of a carrier: enough to tell whether a held-out record holds it.
fn def_line(carrier: &Carrier) -> Option<&str> {
    carrier.lines.iter().map(|l| l.trim()).find(|l| l.starts_with("def ") || l.starts_with("async def "))
}

/// Up to `count` safe records, drawn with `seed` from the carriers of `corpus` that pass the
/// prefilter, hold no [`AMBIGUOUS_CALLS`] and whose `def` line no record of `held_out` holds.
pub fn mature_negatives(corpus: &Corpus, held_out: &[&Record], count: usize, seed: u64) -> (Vec<Record>, MatureCounts) {
    let mut candidates: Vec<(&Carrier, String)> = corpus
        .carriers
        .iter()
        .filter(|c| def_line(c).is_some_and(|def| !held_out.iter().any(|r| r.code.contains(def))))
        .map(|c| (c, render(c)))
        .filter(|(_, code)| mentions_catalog(code) && !AMBIGUOUS_CALLS.iter().any(|a| code.contains(a)))
        .collect();
    let found = candidates.len();
    candidates.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x3A7_0BE5));
    candidates.truncate(count);
    let records: Vec<Record> = candidates
        .into_iter()
        .enumerate()
        .map(|(n, (carrier, code))| {
            let package = carrier.origin.split('/').next().unwrap_or("unknown");
            Record {
                id: format!("{MATURE_RECIPE}-{n:05}-s"),
                code,
                cwes: Vec::new(),
                lines: Default::default(),
                explanation: format!(
                    "Published code ({}), unchanged: it touches a catalog API with no call whose safety rests on its \
                     callers' data; taken as safe, not reviewed.",
                    carrier.origin
                ),
                family: format!("{MATURE_RECIPE}/{package}"),
                twin: None,
                origin: Some(Origin { recipe: MATURE_RECIPE.to_string(), version: 1, seed }),
                review: Some(Review {
                    status: ReviewStatus::Auto,
                    checks: vec!["mature-negative".to_string()],
                    reviewer: None,
                    verdict: None,
                }),
            }
        })
        .collect();
    let counts = MatureCounts { candidates: found, records: records.len() };
    (records, counts)
}

/// Whether a record is a mature negative (its pieces are kept in training whatever the
/// `--none-ratio` drops: they are the negatives a scan meets).
pub fn is_mature(record: &Record) -> bool {
    record.origin.as_ref().is_some_and(|o| o.recipe == MATURE_RECIPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"import os
import re
from pathlib import Path


def join_under(root, name):
    """Where a name lives."""
    full = os.path.join(root, name)
    return Path(full)


def run_it(command, cwd=None):
    import subprocess
    out = subprocess.run(command, cwd=cwd)
    return out


def plain(text, width=3):
    parts = text.split()
    return parts[:width]


class Matcher:
    def find(self, pattern: str, text):
        found = re.search(pattern, text)
        if found is None:
            return None
        return found.group(0)
"#;

    fn corpus() -> Corpus {
        Corpus::from_sources(vec![("pkg-1.0/pkg/mod.py".into(), SOURCE.into())])
    }

    #[test]
    fn takes_functions_that_touch_the_catalog_without_an_ambiguous_call() {
        let (records, counts) = mature_negatives(&corpus(), &[], 10, 1);
        let defs: BTreeSet<&str> =
            records.iter().map(|r| r.code.lines().find(|l| l.contains("def ")).unwrap().trim()).collect();
        // `run_it` calls subprocess; `plain` touches no catalog API.
        assert_eq!(defs, BTreeSet::from(["def join_under(root, name):", "def find(self, pattern: str, text):"]));
        assert_eq!(counts, MatureCounts { candidates: 2, records: 2 });
        assert!(records.iter().all(|r| r.cwes.is_empty() && r.twin.is_none() && is_mature(r)));
        assert!(records.iter().all(|r| r.family == "mature/pkg-1.0"));
    }

    #[test]
    fn renders_the_imports_the_function_uses_and_a_method_under_its_class() {
        let (records, _) = mature_negatives(&corpus(), &[], 10, 1);
        let join = records.iter().find(|r| r.code.contains("join_under")).unwrap();
        assert!(join.code.starts_with("import os\nfrom pathlib import Path\n\n\ndef join_under"), "{}", join.code);
        assert!(!join.code.contains("import re"));
        let find = records.iter().find(|r| r.code.contains("def find")).unwrap();
        assert!(find.code.contains("import re\n\n\nclass Matcher:\n    def find"), "{}", find.code);
    }

    #[test]
    fn leaves_out_a_function_a_held_out_record_holds_and_respects_the_count() {
        let held = Record {
            code: "def join_under(root, name):\n    x = 1\n".into(),
            cwes: vec!["CWE-22".into()],
            ..Record::default()
        };
        let (records, counts) = mature_negatives(&corpus(), &[&held], 10, 1);
        assert_eq!(counts.candidates, 1);
        assert!(records.iter().all(|r| !r.code.contains("join_under")));
        let (one, counts) = mature_negatives(&corpus(), &[], 1, 1);
        assert_eq!((one.len(), counts.records), (1, 1));
        assert_eq!(one, mature_negatives(&corpus(), &[], 1, 1).0, "the same seed draws the same");
    }
}
