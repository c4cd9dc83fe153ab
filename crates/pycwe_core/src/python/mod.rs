//! The Python front-end: parse (tree-sitter, error-tolerant), chunk a module into units, and cut
//! units that exceed a model's budget into overlapping windows.

pub mod calls;
pub mod chunk;
pub mod comments;
pub mod parse;
pub mod window;

pub use chunk::{ChunkOptions, ChunkedFile, Segment, Unit, UnitContext, UnitKind, chunk};
pub use comments::{blank_comments_and_docstrings, comments_by_line};
pub use parse::{ParseError, ParseOptions, SyntaxIssue, SyntaxIssueKind};
pub use window::{Window, windows, windows_by_cost};

/// Anything that can stop a file from being chunked, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum FrontendError {
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error("{path}: cannot parse the file")]
    Parse {
        path: std::path::PathBuf,
        #[source]
        source: ParseError,
    },
}

/// Reads and chunks one file: the front-end in one call.
pub fn load_and_chunk(
    path: &std::path::Path,
    read: &crate::source::ReadOptions,
    opts: &ChunkOptions,
) -> Result<(crate::source::SourceFile, ChunkedFile), FrontendError> {
    let source = crate::source::SourceFile::read(path, read)?;
    let chunked = chunk(&source, opts).map_err(|source| FrontendError::Parse { path: path.to_path_buf(), source })?;
    Ok((source, chunked))
}
