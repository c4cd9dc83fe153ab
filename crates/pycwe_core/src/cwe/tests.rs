//! Catalog invariants: both Top 25 editions complete and ranked, every reportable entry usable.

use std::collections::HashSet;

use super::*;
use crate::python::{ChunkOptions, chunk};
use crate::source::SourceFile;

fn id_set(raw: &[u32]) -> HashSet<CweId> {
    raw.iter().map(|&n| CweId(n)).collect()
}

#[test]
fn catalog_ids_are_unique_and_complete() {
    let all: Vec<CweId> = catalog().map(|e| e.id).collect();
    let unique: HashSet<CweId> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "duplicate ids in the catalog");
    let top25: HashSet<CweId> = TOP25_2024.iter().chain(TOP25_2025.iter()).copied().collect();
    let extras = id_set(&[327, 328, 295, 611, 1336, 601, 377, 338, 90, 643, 113, 117, 1333]);
    assert_eq!(top25.len(), 31);
    assert_eq!(unique, top25.union(&extras).copied().collect());
    for id in &extras {
        assert!(lookup(*id).unwrap().is_extra(), "{id} must be marked extra");
    }
    for id in &top25 {
        assert!(!lookup(*id).unwrap().is_extra(), "{id} is in a Top 25");
    }
}

#[test]
fn every_edition_lists_25_distinct_ids_with_their_ranks() {
    for edition in Edition::ALL {
        let ranking = edition.ranking();
        assert_eq!(ranking.iter().collect::<HashSet<_>>().len(), 25, "{edition:?} has duplicates");
        for (i, id) in ranking.iter().enumerate() {
            assert_eq!(lookup(*id).unwrap().rank(edition), Some(i as u8 + 1));
        }
    }
    assert_eq!(lookup(CweId(79)).unwrap().rank(Edition::Y2024), Some(1));
    assert_eq!(lookup(CweId(89)).unwrap().rank(Edition::Y2025), Some(2));
    assert_eq!(lookup(CweId(770)).unwrap().rank(Edition::Y2024), None);
    assert_eq!(lookup(CweId(770)).unwrap().rank(Edition::Y2025), Some(25));
}

#[test]
fn applicability_matches_how_each_weakness_shows_in_python() {
    let kind = |n: u32| lookup(CweId(n)).unwrap().applicability;
    for n in [787, 125, 416, 119, 120, 121, 122, 476, 190] {
        assert!(matches!(kind(n), Applicability::NotApplicable { reason } if !reason.is_empty()), "CWE-{n}");
    }
    for n in [79, 89, 22, 78, 77, 94, 434, 502, 918, 798, 200, 400, 770] {
        assert_eq!(kind(n), Applicability::Local, "CWE-{n}");
    }
    for n in [352, 862, 863, 639, 284, 287, 306, 269] {
        assert_eq!(kind(n), Applicability::Contextual, "CWE-{n}");
    }
    let Applicability::Parent { children } = kind(20) else { panic!("CWE-20 must be a parent class") };
    assert!(!children.is_empty());
    for child in children {
        assert!(lookup(*child).unwrap().is_reportable(), "CWE-20 maps to {child}, which is never reported");
    }
}

#[test]
fn reportable_entries_have_sinks_examples_and_severity() {
    for entry in catalog() {
        assert!((0.1..=10.0).contains(&entry.severity), "{}: severity {}", entry.id, entry.severity);
        assert!(!entry.name.is_empty() && !entry.short_name.is_empty() && !entry.summary.is_empty());
        assert!(!entry.remediation.is_empty(), "{} has no remediation", entry.id);
        if !entry.is_reportable() {
            continue;
        }
        assert!(!entry.sinks.is_empty(), "{} has no sinks", entry.id);
        assert!(!entry.vulnerable_example.trim().is_empty(), "{} has no vulnerable example", entry.id);
        assert!(!entry.fixed_example.trim().is_empty(), "{} has no fixed example", entry.id);
        assert_ne!(entry.vulnerable_example, entry.fixed_example, "{}: examples are identical", entry.id);
        for (label, code) in [("vulnerable", entry.vulnerable_example), ("fixed", entry.fixed_example)] {
            let source = SourceFile::from_string(format!("{}-{label}.py", entry.id), code.to_string());
            let chunked = chunk(&source, &ChunkOptions::default()).unwrap();
            assert_eq!(chunked.syntax_issue_count, 0, "{} {label} example has a syntax error", entry.id);
            assert!(!chunked.units.is_empty(), "{} {label} example has no units", entry.id);
        }
    }
}

#[test]
fn examples_are_valid_python_for_cpython_too() {
    let examples: Vec<(String, &str)> = reportable()
        .flat_map(|e| {
            [(format!("{} vulnerable", e.id), e.vulnerable_example), (format!("{} fixed", e.id), e.fixed_example)]
        })
        .collect();
    let payload = serde_json::to_string(&examples).unwrap();
    let script = "import ast, json, sys\nbad = []\nfor name, code in json.load(sys.stdin):\n    try:\n        ast.parse(code)\n    except SyntaxError as e:\n        bad.append(f'{name}: {e}')\nprint('\\n'.join(bad))\nsys.exit(1 if bad else 0)\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is required by the test suite (CPython's own parser is the reference)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(payload.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "CPython rejects: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn ids_parse_in_the_usual_spellings() {
    assert_eq!("CWE-89".parse::<CweId>(), Ok(CweId(89)));
    assert_eq!("cwe-89".parse::<CweId>(), Ok(CweId(89)));
    assert_eq!("CWE89".parse::<CweId>(), Ok(CweId(89)));
    assert_eq!(" 89 ".parse::<CweId>(), Ok(CweId(89)));
    assert!(matches!("CWE-".parse::<CweId>(), Err(CweIdError::Malformed(_))));
    assert!(matches!("SQLi".parse::<CweId>(), Err(CweIdError::Malformed(_))));
    assert!(matches!("CWE-9999999".parse::<CweId>(), Err(CweIdError::Malformed(_))));
    assert!(matches!("CWE--1".parse::<CweId>(), Err(CweIdError::Malformed(_))), "one dash at most");
    assert!(matches!("ab€".parse::<CweId>(), Err(CweIdError::Malformed(_))), "no panic off a char boundary");
    assert_eq!(parse_and_lookup("CWE-31337").unwrap_err(), CweIdError::Unknown(CweId(31337)));
    assert_eq!(CweId(89).to_string(), "CWE-89");
}
