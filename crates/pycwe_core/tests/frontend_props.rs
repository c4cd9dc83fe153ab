//! Property test: mutate the fixture files at random (insert Python-ish fragments and raw bytes,
//! delete and duplicate ranges) and check that loading + chunking + windowing never panics, that
//! units never overlap and that every range lies inside the file.
//!
//! `PROPTEST_CASES` sets the number of cases (default 10,000; the foundation note records a
//! 20,000-case run).

mod support;

use std::path::Path;

use proptest::prelude::*;
use pycwe_core::python::{ChunkOptions, chunk};
use pycwe_core::source::{ReadOptions, SourceFile};

const FRAGMENTS: &[&str] = &[
    "def ",
    "async def ",
    "class ",
    "lambda x: ",
    "@deco\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "\n",
    "\r\n",
    "\r",
    "    ",
    "\t",
    "\"\"\"",
    "'",
    "\"",
    "#",
    "\\\n",
    "f\"{x}\"",
    "import os\n",
    "from a import (b,\n",
    "if x:\n",
    "try:\n",
    "except:\n",
    "return ",
    "yield ",
    "\u{feff}",
    "é",
    "🦀",
    "\u{2028}",
    "=",
    ",",
    "...",
    "\n\n\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    Insert { at: usize, fragment: usize },
    InsertByte { at: usize, byte: u8 },
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..FRAGMENTS.len()).prop_map(|(at, fragment)| Mutation::Insert { at, fragment }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::InsertByte { at, byte }),
        (any::<usize>(), 0usize..200).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 0usize..400).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let n = bytes.len();
        match *m {
            Mutation::Insert { at, fragment } => {
                let at = at % (n + 1);
                bytes.splice(at..at, FRAGMENTS[fragment].bytes());
            }
            Mutation::InsertByte { at, byte } => bytes.insert(at % (n + 1), byte),
            Mutation::Delete { at, len } => {
                let at = at % (n + 1);
                bytes.drain(at..(at + len).min(n));
            }
            Mutation::Duplicate { at, len } => {
                let at = at % (n + 1);
                let copy = bytes[at..(at + len).min(n)].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.into_iter().map(|p| std::fs::read(p).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_fixtures_never_break_the_front_end(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..12),
    ) {
        let all = fixtures();
        let bytes = apply(all[which.index(all.len())].clone(), &mutations);
        // Invalid UTF-8 or NUL bytes must give a typed error; everything else must chunk.
        if let Ok(source) = SourceFile::from_bytes(Path::new("m.py"), bytes, &ReadOptions::default()) {
            let chunked = chunk(&source, &ChunkOptions { max_module_lines: 7, ..ChunkOptions::default() })
                .expect("parsing a small file never times out");
            support::check_invariants(&source, &chunked);
            // What the model is shown: every unit's comments and docstrings blanked, every line kept.
            for unit in &chunked.units {
                let text = unit.text(&source);
                let blanked = pycwe_core::python::blank_comments_and_docstrings(&text);
                prop_assert_eq!(blanked.split('\n').count(), text.split('\n').count());
                prop_assert!(blanked.len() <= text.len());
            }
        }
    }
}

/// A detector that flags lines by a hash of their text (any line, any reportable CWE, any
/// confidence): the pipeline below the model must cope with whatever a model says.
struct ChaosDetector;

fn hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

impl pycwe_core::detect::Detector for ChaosDetector {
    fn describe(&self) -> String {
        "chaos".into()
    }

    // Small pieces, so long units are cut into overlapping windows.
    fn piece_budget(&self) -> usize {
        40
    }

    fn judge(
        &mut self,
        units: &[pycwe_core::detect::UnitRequest],
    ) -> Result<Vec<pycwe_core::detect::Prediction>, pycwe_core::detect::DetectError> {
        let ids: Vec<_> = pycwe_core::cwe::reportable().map(|e| e.id).collect();
        Ok(units
            .iter()
            .map(|u| {
                let findings: Vec<_> = u
                    .text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| hash(l).is_multiple_of(3))
                    .map(|(i, l)| pycwe_core::detect::UnitFinding {
                        cwe: ids[(hash(l) / 3) as usize % ids.len()],
                        line: i + 1,
                        confidence: (hash(l) % 1000) as f32 / 1000.0,
                        reason: None,
                    })
                    .collect();
                pycwe_core::detect::Prediction {
                    p_vulnerable: if findings.is_empty() { 0.0 } else { 0.9 },
                    answer: String::new(),
                    findings,
                }
            })
            .collect())
    }
}

#[derive(Default)]
struct MemoryCache(std::collections::HashMap<String, pycwe_core::detect::Prediction>);

impl pycwe_core::judge::PredictionCache for MemoryCache {
    fn get(&mut self, r: &pycwe_core::detect::UnitRequest) -> Option<pycwe_core::detect::Prediction> {
        self.0.get(&format!("{r:?}")).cloned()
    }
    fn put(&mut self, r: &pycwe_core::detect::UnitRequest, p: &pycwe_core::detect::Prediction) {
        self.0.insert(format!("{r:?}"), p.clone());
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse::<u32>().ok()).map_or(1_000, |n| n / 10),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The whole pipeline below the model (read, chunk, pieces, prefilter, judge, merge, cache) on
    /// mutated files with a detector that says anything: no panic, every finding on a line of the
    /// file, never the same (line, CWE) twice, and a second run from the cache gives the same findings.
    #[test]
    fn the_judge_pipeline_survives_any_file_and_any_detector(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..12),
        prefilter in any::<bool>(),
    ) {
        use pycwe_core::judge::{JudgeOptions, judge_files};
        let all = fixtures();
        let bytes = apply(all[which.index(all.len())].clone(), &mutations);
        if let Ok(source) = SourceFile::from_bytes(Path::new("m.py"), bytes, &ReadOptions::default()) {
            let chunked = chunk(&source, &ChunkOptions::default()).expect("small files parse in time");
            let opts = JudgeOptions { prefilter, min_confidence: 0.2 };
            let mut cache = MemoryCache::default();
            let files = [(&source, &chunked)];
            let (first, _) = judge_files(&files, &mut ChaosDetector, &opts, Some(&mut cache)).unwrap();
            let lines = source.lines().line_count();
            let mut seen = std::collections::HashSet::new();
            for f in &first[0].findings {
                prop_assert!(f.line >= 1 && f.line <= lines, "line {} of {}", f.line, lines);
                prop_assert!(f.confidence >= 0.2);
                prop_assert!(seen.insert((f.line, f.cwe)), "reported twice: {:?}", (f.line, f.cwe));
                prop_assert!(f.piece < first[0].pieces.len());
            }
            prop_assert_eq!(first[0].predictions.len(), first[0].pieces.len());
            // The evidence rules read each piece's syntax (the whole unit's for a window): any text.
            for piece in &first[0].pieces {
                for cwe in [89, 78, 94, 1333, 639, 22] {
                    let _ = pycwe_core::evidence::evidenced(&piece.request, pycwe_core::cwe::CweId(cwe));
                }
            }
            let (again, stats) = judge_files(&files, &mut ChaosDetector, &opts, Some(&mut cache)).unwrap();
            prop_assert_eq!(stats.judged, 0);
            let key = |v: &pycwe_core::judge::FileVerdict| v.findings.iter().map(|f| (f.line, f.cwe, f.unit.clone())).collect::<Vec<_>>();
            prop_assert_eq!(key(&first[0]), key(&again[0]));
        }
    }
}
