//! Snapshot of the units found in every fixture under `tests/fixtures/python/` (decorators, nesting,
//! classes, async, lambdas, long lines, tabs, CRLF, BOM, syntax errors), and the typed errors for the
//! fixtures that are not Python text (non-UTF-8 bytes, binary).

mod support;

use std::path::Path;

use pycwe_core::python::{ChunkOptions, FrontendError, load_and_chunk};
use pycwe_core::source::{ReadOptions, SourceError};

#[test]
fn fixtures_chunk_as_snapshotted() {
    insta::glob!("fixtures/python/*.py", |path| {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let rendered = match load_and_chunk(path, &ReadOptions::default(), &ChunkOptions::default()) {
            Ok((source, chunked)) => {
                support::check_invariants(&source, &chunked);
                support::render(&source, &chunked)
            }
            // Error messages start with the path, which differs between machines: keep the file name.
            Err(err) => format!("error: {}", err.to_string().replace(&path.display().to_string(), &name)),
        };
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn non_utf8_and_binary_files_are_typed_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python");
    let err = load_and_chunk(&dir.join("non_utf8.py"), &ReadOptions::default(), &ChunkOptions::default());
    assert!(matches!(err, Err(FrontendError::Source(SourceError::NotUtf8 { line: 2, .. }))), "{err:?}");
    let err = load_and_chunk(&dir.join("binary.py"), &ReadOptions::default(), &ChunkOptions::default());
    assert!(matches!(err, Err(FrontendError::Source(SourceError::Binary { .. }))), "{err:?}");
}

#[test]
fn empty_file_has_zero_units_and_no_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python");
    let (_, chunked) = load_and_chunk(&dir.join("empty.py"), &ReadOptions::default(), &ChunkOptions::default())
        .expect("an empty file is not an error");
    assert!(chunked.units.is_empty());
}
