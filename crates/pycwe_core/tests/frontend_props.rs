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
        }
    }
}
