//! `SourceFile` (a Python file's text, checked and loaded) and `LineIndex` (byte offset <-> line).
//!
//! Inside pycwe everything is a byte range into [`SourceFile::text`]; 1-based line numbers appear only
//! when printing. Lines end at `\n` (a `\r\n` pair keeps its `\r` in the line's text, which is what
//! Python's own tokenizer and tree-sitter see).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The default largest file pycwe reads (Python files above this are generated or vendored data).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// How many bytes at the start of a file are checked for NUL bytes to tell binary files apart.
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a file could not be loaded as Python source. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: cannot read the file")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: file is {size} bytes, over the {limit}-byte limit (raise it with --max-file-size)")]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{path}: looks like a binary file (NUL byte at offset {offset})")]
    Binary { path: PathBuf, offset: usize },
    #[error("{path}:{line}: not valid UTF-8 (invalid byte at offset {offset}); pycwe reads UTF-8 source only")]
    NotUtf8 { path: PathBuf, line: usize, offset: usize },
}

/// Limits applied when loading a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    pub max_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { max_bytes: DEFAULT_MAX_FILE_BYTES }
    }
}

/// A half-open byte range `start..end` into a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span {start}..{end} is reversed");
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Start offsets of every line of a text, for offset -> line lookups in O(log n).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// `starts[i]` is the byte offset where 0-based line `i` begins; `starts[0] == 0`.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        // A trailing newline does not open a new (empty) line.
        if starts.len() > 1 && starts.last() == Some(&text.len()) {
            starts.pop();
        }
        LineIndex { starts, len: text.len() }
    }

    /// Number of lines; an empty text has zero lines.
    pub fn line_count(&self) -> usize {
        if self.len == 0 { 0 } else { self.starts.len() }
    }

    /// The 0-based line holding byte `offset` (offsets past the end map to the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte range of 0-based `line`, including its terminating `\n`.
    pub fn line_span(&self, line: usize) -> Span {
        let start = self.starts[line];
        let end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        Span::new(start, end)
    }

    /// Byte range covering 0-based lines `first..=last`, newlines included.
    pub fn lines_span(&self, first: usize, last: usize) -> Span {
        Span::new(self.line_span(first).start, self.line_span(last).end)
    }

    /// 1-based line and column (column counted in bytes, 1-based) for printing.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        (line + 1, offset - self.starts[line] + 1)
    }
}

/// A Python file loaded into memory: UTF-8 text (a leading BOM removed) plus its line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    text: String,
    had_bom: bool,
    lines: LineIndex,
}

impl SourceFile {
    /// Reads `path`, refusing files over the size limit, binary files and non-UTF-8 text.
    pub fn read(path: &Path, opts: &ReadOptions) -> Result<Self, SourceError> {
        let io = |source| SourceError::Io { path: path.to_path_buf(), source };
        let file = fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size > opts.max_bytes {
            return Err(SourceError::TooLarge { path: path.to_path_buf(), size, limit: opts.max_bytes });
        }
        // Read at most one byte past the limit: the file may have grown since `metadata`.
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(opts.max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
        Self::from_bytes(path, bytes, opts)
    }

    /// Checks and loads in-memory bytes as if read from `path` (used by tests and by eval's JSONL records).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>, opts: &ReadOptions) -> Result<Self, SourceError> {
        let path = path.to_path_buf();
        if bytes.len() as u64 > opts.max_bytes {
            return Err(SourceError::TooLarge { path, size: bytes.len() as u64, limit: opts.max_bytes });
        }
        let sniff = &bytes[..bytes.len().min(BINARY_SNIFF_BYTES)];
        if let Some(offset) = sniff.iter().position(|&b| b == 0) {
            return Err(SourceError::Binary { path, offset });
        }
        let had_bom = bytes.starts_with(UTF8_BOM);
        let mut bytes = bytes;
        if had_bom {
            bytes.drain(..UTF8_BOM.len());
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            let offset = offset + if had_bom { UTF8_BOM.len() } else { 0 };
            SourceError::NotUtf8 { path: path.clone(), line, offset }
        })?;
        Ok(Self::from_text(path, text, had_bom))
    }

    /// Wraps text that is already known to be UTF-8 (e.g. a dataset record's `code`).
    pub fn from_string(path: impl Into<PathBuf>, text: String) -> Self {
        match text.strip_prefix('\u{feff}') {
            Some(rest) => Self::from_text(path.into(), rest.to_string(), true),
            None => Self::from_text(path.into(), text, false),
        }
    }

    fn from_text(path: PathBuf, text: String, had_bom: bool) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile { path, text, had_bom, lines }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text without its BOM; every `Span` indexes into this.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the file started with a UTF-8 byte order mark (stripped from `text`; lines are unaffected).
    pub fn had_bom(&self) -> bool {
        self.had_bom
    }

    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    /// The text of `span`.
    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.start..span.end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(bytes: &[u8]) -> Result<SourceFile, SourceError> {
        SourceFile::from_bytes(Path::new("t.py"), bytes.to_vec(), &ReadOptions::default())
    }

    #[test]
    fn line_index_maps_offsets_both_ways() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.line_of(0), 0);
        assert_eq!(idx.line_of(1), 0); // the newline belongs to its line
        assert_eq!(idx.line_of(2), 1);
        assert_eq!(idx.line_of(5), 2);
        assert_eq!(idx.line_of(6), 3);
        assert_eq!(idx.line_span(1), Span::new(2, 5));
        assert_eq!(idx.line_span(3), Span::new(6, 7));
        assert_eq!(idx.line_col(3), (2, 2));
    }

    #[test]
    fn trailing_newline_does_not_add_a_line() {
        assert_eq!(LineIndex::new("a\n").line_count(), 1);
        assert_eq!(LineIndex::new("").line_count(), 0);
        assert_eq!(LineIndex::new("\n").line_count(), 1);
    }

    #[test]
    fn crlf_lines_keep_their_carriage_return() {
        let src = load(b"x = 1\r\ny = 2\r\n").unwrap();
        assert_eq!(src.lines().line_count(), 2);
        assert_eq!(src.slice(src.lines().line_span(1)), "y = 2\r\n");
    }

    #[test]
    fn bom_is_stripped_and_remembered() {
        let src = load(b"\xEF\xBB\xBFimport os\n").unwrap();
        assert!(src.had_bom());
        assert_eq!(src.text(), "import os\n");
    }

    #[test]
    fn binary_and_non_utf8_are_typed_errors_naming_the_file() {
        let err = load(b"import os\n\x00\x01").unwrap_err();
        assert!(matches!(err, SourceError::Binary { offset: 10, .. }), "{err:?}");
        let err = load(b"x = 1\ny = '\xff'\n").unwrap_err();
        assert!(matches!(err, SourceError::NotUtf8 { line: 2, offset: 11, .. }), "{err:?}");
        assert!(err.to_string().starts_with("t.py:2: not valid UTF-8"), "{err}");
    }

    #[test]
    fn size_limit_is_enforced() {
        let opts = ReadOptions { max_bytes: 4 };
        let err = SourceFile::from_bytes(Path::new("big.py"), b"x = 12".to_vec(), &opts).unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { size: 6, limit: 4, .. }), "{err:?}");
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = SourceFile::read(Path::new("/nonexistent/x.py"), &ReadOptions::default()).unwrap_err();
        assert!(matches!(err, SourceError::Io { .. }));
        assert!(err.to_string().starts_with("/nonexistent/x.py: cannot read"));
    }

    #[test]
    fn the_largest_limit_reads_the_whole_file() {
        // `--max-file-size 18446744073709551615`: one byte past the limit must not wrap to zero.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "x = 1\n").unwrap();
        let file = SourceFile::read(&path, &ReadOptions { max_bytes: u64::MAX }).unwrap();
        assert_eq!(file.text(), "x = 1\n");
    }
}
