//! Hostile input ends in a result or a clean error: deep nesting, random bytes, huge files.

mod support;

use std::path::Path;

use pycwe_core::python::{ChunkOptions, UnitKind, chunk};
use pycwe_core::source::{ReadOptions, SourceError, SourceFile};

fn chunk_text(text: String) -> (SourceFile, pycwe_core::python::ChunkedFile) {
    let source = SourceFile::from_string("hostile.py", text);
    let chunked = chunk(&source, &ChunkOptions::default()).expect("no parse failure");
    support::check_invariants(&source, &chunked);
    (source, chunked)
}

#[test]
fn five_thousand_nested_parentheses() {
    let (_, chunked) = chunk_text(format!("x = {}1{}\n\ndef f():\n    return x\n", "(".repeat(5000), ")".repeat(5000)));
    assert!(chunked.units.iter().any(|u| u.name == "f"));
}

#[test]
fn five_thousand_unclosed_brackets() {
    chunk_text(format!("def f():\n    return {}\n", "[{(".repeat(5000)));
}

#[test]
fn deeply_nested_classes_and_blocks() {
    let mut text = String::new();
    for depth in 0..1500 {
        text.push_str(&" ".repeat(depth));
        text.push_str(if depth % 2 == 0 { "class C:\n" } else { "if x:\n" });
    }
    text.push_str(&" ".repeat(1500));
    text.push_str("def deepest(self):\n");
    text.push_str(&" ".repeat(1501));
    text.push_str("pass\n");
    let (_, chunked) = chunk_text(text);
    assert!(chunked.units.iter().any(|u| u.name.ends_with("deepest")));
}

#[test]
fn sixty_thousand_defs() {
    let text: String = (0..60_000).map(|i| format!("def f{i}(a):\n    return a + {i}\n")).collect();
    let (_, chunked) = chunk_text(text);
    assert_eq!(chunked.units.len(), 60_000);
    assert!(chunked.units.iter().all(|u| u.kind == UnitKind::Function));
}

#[test]
fn random_bytes_give_a_result_or_a_typed_error() {
    // A fixed xorshift stream: the same "random" files on every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..200 {
        let len = 1 + (round * 977) % 20_000;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        // Half the rounds: printable ASCII, which is valid UTF-8 and reaches the parser.
        let bytes = if round % 2 == 0 { bytes.into_iter().map(|b| 32 + b % 95).collect() } else { bytes };
        match SourceFile::from_bytes(Path::new("r.py"), bytes, &ReadOptions::default()) {
            Ok(source) => {
                let chunked = chunk(&source, &ChunkOptions::default()).expect("parses");
                support::check_invariants(&source, &chunked);
            }
            Err(SourceError::Binary { .. } | SourceError::NotUtf8 { .. }) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
}

#[test]
fn a_parse_that_exceeds_its_timeout_is_a_typed_error() {
    use pycwe_core::python::{ParseError, ParseOptions};
    let text: String = (0..20_000).map(|i| format!("def f{i}(a):\n    return (a + {i}\n")).collect();
    let source = SourceFile::from_string("slow.py", text);
    let opts = ChunkOptions { parse: ParseOptions { timeout: Some(std::time::Duration::ZERO) }, ..Default::default() };
    assert!(matches!(chunk(&source, &opts), Err(ParseError::Timeout(_))));
}
