//! Which files a scan reads: `.gitignore`-aware, in parallel (the `ignore` crate, as ripgrep and
//! ruff do), `*.py` plus extensionless files with a Python shebang, minus `--exclude` globs and plus
//! `--include` globs. Problems (unreadable directories, symlink loops) are collected, not fatal.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Globs matched against the path relative to the scan root (and against each path component's
/// name, so `tests` excludes every `tests/` directory, as in ruff's `exclude`).
#[derive(Debug, Clone)]
pub struct Filters {
    exclude: GlobSet,
    include: GlobSet,
    has_include: bool,
}

impl Filters {
    pub fn new(exclude: &[String], include: &[String]) -> anyhow::Result<Self> {
        let build = |globs: &[String]| -> anyhow::Result<GlobSet> {
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).map_err(|e| anyhow::anyhow!("bad glob `{g}`: {e}"))?);
            }
            Ok(b.build()?)
        };
        Ok(Filters { exclude: build(exclude)?, include: build(include)?, has_include: !include.is_empty() })
    }

    fn excluded(&self, relative: &Path) -> bool {
        self.exclude.is_match(relative) || relative.components().any(|c| self.exclude.is_match(c.as_os_str()))
    }

    fn included(&self, relative: &Path) -> bool {
        self.include.is_match(relative) || relative.file_name().is_some_and(|n| self.include.is_match(n))
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<PathBuf>,
    /// Paths that could not be walked, with why.
    pub errors: Vec<String>,
}

fn has_python_shebang(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 128];
    let Ok(mut file) = std::fs::File::open(path) else { return false };
    let n = file.read(&mut head).unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    head.starts_with("#!") && head.lines().next().is_some_and(|l| l.contains("python"))
}

/// Walks `roots` (files or directories). Files named directly are always scanned.
pub fn walk(roots: &[PathBuf], filters: &Filters, threads: usize) -> Walked {
    let out = Mutex::new(Walked::default());
    for root in roots {
        if root.is_file() {
            out.lock().expect("not poisoned").files.push(root.clone());
            continue;
        }
        if !root.exists() {
            out.lock().expect("not poisoned").errors.push(format!("{}: no such file or directory", root.display()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .threads(threads)
            .hidden(true)
            .follow_links(true)
            // A scan outside a git repository still honours .gitignore files.
            .require_git(false)
            .build_parallel();
        walker.run(|| {
            let out = &out;
            Box::new(move |entry| {
                match entry {
                    Err(err) => out.lock().expect("not poisoned").errors.push(err.to_string()),
                    Ok(entry) => {
                        let path = entry.path();
                        let relative = path.strip_prefix(root).unwrap_or(path);
                        if !relative.as_os_str().is_empty() && filters.excluded(relative) {
                            return if entry.file_type().is_some_and(|t| t.is_dir()) {
                                ignore::WalkState::Skip
                            } else {
                                ignore::WalkState::Continue
                            };
                        }
                        if entry.file_type().is_some_and(|t| t.is_file()) {
                            let python = match path.extension() {
                                Some(ext) => ext == "py",
                                None => has_python_shebang(path),
                            };
                            if python || (filters.has_include && filters.included(relative)) {
                                out.lock().expect("not poisoned").files.push(path.to_path_buf());
                            }
                        }
                    }
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut walked = out.into_inner().expect("not poisoned");
    walked.files.sort();
    walked.files.dedup();
    walked.errors.sort();
    walked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_python_files_and_shebang_scripts_and_honours_gitignore_and_excludes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |p: &str, text: &str| {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("app/main.py", "x = 1\n");
        write("app/tool", "#!/usr/bin/env python3\nprint(1)\n");
        write("app/notes.txt", "text\n");
        write("build/gen.py", "x = 2\n");
        write("tests/test_x.py", "x = 3\n");
        write(".gitignore", "build/\n");
        let filters = Filters::new(&["tests".to_string()], &[]).unwrap();
        let walked = walk(&[root.to_path_buf()], &filters, 2);
        let names: Vec<String> =
            walked.files.iter().map(|p| p.strip_prefix(root).unwrap().display().to_string()).collect();
        assert_eq!(names, vec!["app/main.py", "app/tool"]);
        assert!(walked.errors.is_empty());
    }
}
