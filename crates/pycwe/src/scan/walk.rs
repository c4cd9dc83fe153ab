//! Which files a scan reads: `.gitignore`-aware, in parallel (the `ignore` crate, as ripgrep and
//! ruff do), `*.py` plus extensionless files with a Python shebang, minus `--exclude` globs and plus
//! `--include` globs. Problems (unreadable directories, symlink loops) are collected, not fatal.
//! Hidden files are scanned (`.github/scripts/deploy.py` is code too); the folders tools and
//! virtual environments fill are skipped by name, as ruff skips them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use super::paths::canonical;

/// Skipped wherever they appear (ruff's default `exclude`, plus pycwe's own cache): version control,
/// tool caches, virtual environments and build output, which hold no code of the project's own.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pycwe_cache",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
];

/// Exclude globs from one place, and the folder their paths start from. Their `*` stays within one
/// name (`**` crosses folders, as in `.gitignore`): `*test*` from the current directory is about
/// names there, not every path that happens to run through a `latest/` folder.
#[derive(Debug, Clone)]
struct Anchored {
    base: PathBuf,
    globs: GlobSet,
    /// Written with leading `..`s (`../other/tests`): the folder was chosen on purpose, so the
    /// project root is no floor for it.
    climbed: bool,
}

impl Anchored {
    /// The folder these globs never match at or above: their own, or the project `root` where
    /// they were written above it (unless they climbed there on purpose).
    fn floor<'a>(&'a self, root: &'a Path) -> &'a Path {
        if self.climbed || self.base.starts_with(root) { &self.base } else { root }
    }
}

/// Globs matched against the path relative to the scanned folder, relative to where the globs were
/// written (the configuration's folder for its `exclude`, the current directory for `--exclude`),
/// and against each name in the path below the scanned folder (so `tests` excludes every `tests/`
/// directory, as in ruff's `exclude`). `./build`, `build/` and `/build` mean `build`; a glob written
/// as an absolute path also matches that path. Folders above the project root (or above the scanned
/// folder, or the current directory for a named file, for names) are never matched: a project
/// under `/tmp/tests/` is scanned.
#[derive(Debug, Clone)]
pub struct Filters {
    exclude: GlobSet,
    /// The globs written as absolute paths (`--exclude $PWD/gen`), untrimmed.
    absolute: GlobSet,
    anchored: Vec<Anchored>,
    /// Canonical: anchored globs never reach above it.
    root: PathBuf,
    include: GlobSet,
    has_include: bool,
    force_exclude: bool,
}

/// How excludes apply beyond the globs themselves.
#[derive(Debug, Clone, Copy)]
pub struct ExcludeOptions {
    /// Also to files named on the command line (ruff's `--force-exclude`; the pre-commit hook's).
    pub force: bool,
    /// Skip [`DEFAULT_EXCLUDES`] too (`--no-default-excludes` turns it off).
    pub defaults: bool,
}

impl Default for ExcludeOptions {
    fn default() -> Self {
        ExcludeOptions { force: false, defaults: true }
    }
}

fn bad_glob(g: &str) -> impl FnOnce(globset::Error) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("bad glob `{g}`: {e}")
}

fn glob(text: &str, within_names: bool) -> Result<Glob, globset::Error> {
    GlobBuilder::new(text).literal_separator(within_names).build()
}

fn glob_set(globs: &[String], within_names: bool) -> anyhow::Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let trimmed = g.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { g.as_str() } else { trimmed };
        b.add(glob(trimmed, within_names).map_err(bad_glob(g))?);
    }
    Ok(b.build()?)
}

fn absolute_glob_set(globs: &[String]) -> anyhow::Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for g in globs.iter().filter(|g| g.starts_with('/') && g.len() > 1) {
        b.add(glob(g.trim_end_matches('/'), true).map_err(bad_glob(g))?);
    }
    Ok(b.build()?)
}

/// `../tests` written in `/a/b` is `tests` from `/a`: a glob leaves its folder only by leading `..`s.
fn climb(base: &Path, glob: &str) -> (PathBuf, String) {
    let (mut base, mut rest) = (base.to_path_buf(), glob.trim_start_matches("./"));
    while let Some(up) = rest.strip_prefix("../") {
        base.pop();
        rest = up.trim_start_matches("./");
    }
    (base, rest.to_string())
}

impl Filters {
    /// `excludes`: each list with the folder its globs are relative to; `root`: the project's (or
    /// a configuration's folder). Both absolute, spelled as the paths they will be matched against
    /// (canonical for the walk, lexical for a configuration's entries).
    pub fn new(
        excludes: &[(PathBuf, Vec<String>)],
        include: &[String],
        root: &Path,
        options: ExcludeOptions,
    ) -> anyhow::Result<Self> {
        let defaults = if options.defaults { DEFAULT_EXCLUDES } else { &[] };
        let users: Vec<String> = excludes.iter().flat_map(|(_, g)| g.iter().cloned()).collect();
        // `./gen` and `/gen` are anchored at their folder, as in `.gitignore`: never matched as a
        // bare name at any depth.
        let unanchored = users.iter().filter(|g| !g.starts_with("./") && !g.starts_with('/') && !g.starts_with("../"));
        let all: Vec<String> = defaults.iter().map(|g| g.to_string()).chain(unanchored.cloned()).collect();
        let mut anchored = Vec::new();
        for (base, globs) in excludes {
            let (climbing, own): (Vec<&String>, Vec<&String>) =
                globs.iter().partition(|g| g.trim_start_matches("./").starts_with("../"));
            anchored.push(Anchored {
                base: base.clone(),
                globs: glob_set(&own.into_iter().cloned().collect::<Vec<_>>(), true)?,
                climbed: false,
            });
            for g in climbing {
                let (base, rest) = climb(base, g);
                let globs = glob_set(std::slice::from_ref(&rest), true).with_context(|| format!("in `{g}`"))?;
                anchored.push(Anchored { base, globs, climbed: true });
            }
        }
        Ok(Filters {
            exclude: glob_set(&all, true)?,
            absolute: absolute_glob_set(&users)?,
            anchored,
            root: root.to_path_buf(),
            include: glob_set(include, false)?,
            has_include: !include.is_empty(),
            force_exclude: options.force,
        })
    }

    /// No globs at all.
    #[cfg(test)]
    fn none() -> Self {
        Filters::new(&[], &[], Path::new("/"), ExcludeOptions::default()).expect("no globs")
    }

    /// `relative`: from the scanned folder (for a named file, from the current directory, else
    /// its name alone); `absolute`: canonical in the walk, lexical for a named path; `below`: a named folder the path was reached
    /// through, which, with its own folders above, no anchored glob matches (`pycwe scan build`
    /// scans `build/c.py`; only `--force-exclude` weighs the named path itself, before the walk).
    fn excluded(&self, relative: &Path, absolute: &Path, below: Option<&Path>) -> bool {
        // The path or a folder it is in, below the globs' folder, the project root and `below`.
        let anchored_match = |a: &Anchored| {
            let floor = a.floor(&self.root);
            let floor = match below {
                Some(b) if b.starts_with(floor) => b,
                _ => floor,
            };
            (absolute.ancestors())
                .take_while(|p| *p != floor && p.starts_with(floor))
                .filter_map(|p| p.strip_prefix(&a.base).ok())
                .any(|r| a.globs.is_match(r))
        };
        self.exclude.is_match(relative)
            || relative.components().any(|c| self.exclude.is_match(c.as_os_str()))
            || absolute.ancestors().take_while(|p| below.is_none_or(|b| *p != b)).any(|p| self.absolute.is_match(p))
            || self.anchored.iter().any(anchored_match)
    }

    /// Whether `entry` itself (absolute, lexical), a file or a folder strictly below the root, is
    /// excluded: a configuration's globs, rooted at its folder, asked of one entry at a time (the
    /// folders above it are the business of the configurations governing them).
    pub fn excludes_entry(&self, entry: &Path) -> bool {
        let Ok(relative) = entry.strip_prefix(&self.root) else { return false };
        if relative.as_os_str().is_empty() {
            return false;
        }
        let anchored_match = |a: &Anchored| {
            let floor = a.floor(&self.root);
            entry != floor && entry.starts_with(floor) && entry.strip_prefix(&a.base).is_ok_and(|r| a.globs.is_match(r))
        };
        self.exclude.is_match(relative)
            || entry.file_name().is_some_and(|n| self.exclude.is_match(n))
            || self.absolute.is_match(entry)
            || self.anchored.iter().any(anchored_match)
    }

    /// A named path as excludes read it: from the project root, else from the current directory,
    /// else its name alone. Folders above the project are not the project's (`/ci/build/proj/a.py`).
    fn named(&self, absolute: &Path, cwd: &Path) -> PathBuf {
        match absolute.strip_prefix(&self.root).or_else(|_| absolute.strip_prefix(cwd)) {
            Ok(r) => r.to_path_buf(),
            Err(_) => absolute.file_name().map(PathBuf::from).unwrap_or_default(),
        }
    }

    fn included(&self, relative: &Path) -> bool {
        self.include.is_match(relative) || relative.file_name().is_some_and(|n| self.include.is_match(n))
    }
}

/// A path the walk could not go into, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkError {
    /// Empty when the walker did not say.
    pub path: PathBuf,
    pub message: String,
}

impl WalkError {
    /// The path the `ignore` crate's error is about, and the problem without it.
    fn from_ignore(err: &ignore::Error) -> Self {
        match err {
            ignore::Error::WithPath { path, err } => {
                // The system's words, as for a missing named path.
                let message = pycwe_core::atomic::without_os_code(&err.to_string()).to_string();
                WalkError { path: path.clone(), message }
            }
            ignore::Error::WithDepth { err, .. } => WalkError::from_ignore(err),
            ignore::Error::Loop { ancestor, child } => WalkError {
                path: child.clone(),
                message: format!("symbolic link loop: it points back to {}; not followed", ancestor.display()),
            },
            other => WalkError { path: PathBuf::new(), message: other.to_string() },
        }
    }
}

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => is_loop(err),
        _ => false,
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Each file once, however many of the roots reach it.
    pub files: Vec<PathBuf>,
    /// Paths that could not be walked, with why.
    pub errors: Vec<WalkError>,
    /// Symbolic links back to a folder above them: not followed, and nothing is missed.
    pub warnings: Vec<WalkError>,
}

fn has_python_shebang(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 128];
    let Ok(mut file) = std::fs::File::open(path) else { return false };
    let n = file.read(&mut head).unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    head.starts_with("#!") && head.lines().next().is_some_and(|l| l.contains("python") || l.contains("pypy"))
}

/// Walks `roots` (files or directories). Files named directly are scanned unless `force_exclude`
/// and an exclude matches them.
#[cfg(test)]
pub fn walk(roots: &[PathBuf], filters: &Filters, threads: usize) -> Walked {
    walk_with(roots, filters, threads, &|_, _| false)
}

/// [`walk`], also skipping what `excluded(entry, named_root)` says to (each entry's own
/// configuration's excludes; both paths as walked): a folder it names is never entered, so
/// nothing in it is read.
pub fn walk_with(
    roots: &[PathBuf],
    filters: &Filters,
    threads: usize,
    excluded: &(dyn Fn(&Path, &Path) -> bool + Sync),
) -> Walked {
    let out = Mutex::new(Walked::default());
    let cwd = std::env::current_dir().unwrap_or_default();
    let cwd_real = canonical(&cwd);
    for root in roots {
        // As the name reads (a link named `vendor` is `vendor`), `..` folded by its text.
        let absolute = super::paths::lexical(root, &cwd);
        // A named file or folder is excluded only when forced, as in ruff.
        // A configuration weighs it as it would any entry (forced, its own name counts).
        if filters.force_exclude
            && absolute.exists()
            && (filters.excluded(&filters.named(&absolute, &cwd_real), &absolute, None) || excluded(root, root))
        {
            continue;
        }
        if root.is_file() {
            out.lock().expect("not poisoned").files.push(root.clone());
            continue;
        }
        if let Err(e) = std::fs::metadata(root) {
            // The system's own words: "No such file or directory", "Not a directory" (`a.py/`), ...
            let message = pycwe_core::atomic::without_os_code(&e.to_string()).to_string();
            out.lock().expect("not poisoned").errors.push(WalkError { path: root.clone(), message });
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .threads(threads)
            .hidden(false)
            .follow_links(true)
            // A scan outside a git repository still honours .gitignore files.
            .require_git(false)
            .build_parallel();
        let root_abs = canonical(&super::paths::absolute(root, &cwd));
        let before = out.lock().expect("not poisoned").files.len();
        walker.run(|| {
            let (out, root_abs) = (&out, &root_abs);
            Box::new(move |entry| {
                match entry {
                    Err(err) => {
                        let mut out = out.lock().expect("not poisoned");
                        let mut problem = WalkError::from_ignore(&err);
                        // A link to nothing (an editor's `.#a.py` lock, a stale `cfg.json`) holds no
                        // code to miss: worth a word, not a failed scan.
                        let dangling = !problem.path.as_os_str().is_empty()
                            && std::fs::symlink_metadata(&problem.path).is_ok_and(|m| m.file_type().is_symlink())
                            && std::fs::metadata(&problem.path).is_err();
                        if dangling {
                            problem.message = format!("broken symbolic link ({}); not followed", problem.message);
                        }
                        if is_loop(&err) || dangling { out.warnings.push(problem) } else { out.errors.push(problem) }
                    }
                    Ok(entry) => {
                        let path = entry.path();
                        let relative = path.strip_prefix(root).unwrap_or(path);
                        if !relative.as_os_str().is_empty()
                            && (filters.excluded(relative, &root_abs.join(relative), Some(root_abs))
                                || excluded(path, root))
                        {
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
        let mut out = out.lock().expect("not poisoned");
        if out.files.len() == before {
            // `pycwe scan tests --exclude tests` scans what is below `tests`; a folder that still
            // gives nothing deserves a word rather than a silent "0 files" (ruff warns too).
            let message = "no Python files found here (none, or all excluded or ignored)".to_string();
            out.warnings.push(WalkError { path: root.clone(), message });
        }
    }
    let mut walked = out.into_inner().expect("not poisoned");
    walked.files.sort();
    // `pycwe scan app ./app` or `. app/db.py` reach a file twice: report it once (the first name).
    let mut seen = std::collections::HashSet::new();
    walked.files.retain(|p| seen.insert(canonical(p)));
    walked.errors.sort();
    walked.errors.dedup();
    walked.warnings.sort();
    walked.warnings.dedup();
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
        write(".github/scripts/deploy.py", "x = 4\n");
        write(".venv/lib/site.py", "x = 5\n");
        write(".gitignore", "build/\n");
        let filters =
            Filters::new(&[(root.to_path_buf(), vec!["tests".to_string()])], &[], root, ExcludeOptions::default())
                .unwrap();
        let walked = walk(&[root.to_path_buf()], &filters, 2);
        let names: Vec<String> =
            walked.files.iter().map(|p| p.strip_prefix(root).unwrap().display().to_string()).collect();
        assert_eq!(names, vec![".github/scripts/deploy.py", "app/main.py", "app/tool"]);
        assert!(walked.errors.is_empty());
    }

    #[test]
    fn a_file_two_roots_reach_is_walked_once_and_problems_name_their_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("app")).unwrap();
        std::fs::write(root.join("app/db.py"), "x = 1\n").unwrap();
        let filters = Filters::none();
        let roots = [root.join("app"), root.join("app/./"), root.join("app/db.py"), root.join("gone")];
        let walked = walk(&roots, &filters, 2);
        assert_eq!(walked.files.len(), 1, "{:?}", walked.files);
        assert_eq!(walked.errors, [WalkError { path: root.join("gone"), message: "No such file or directory".into() }]);

        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("app"), root.join("app/loop")).unwrap();
            let walked = walk(&[root.join("app")], &filters, 2);
            assert_eq!(walked.files.len(), 1);
            assert!(walked.errors.is_empty(), "{:?}", walked.errors);
            assert_eq!(walked.warnings.len(), 1, "{:?}", walked.warnings);
            assert_eq!(walked.warnings[0].path, root.join("app/loop"));
            assert!(walked.warnings[0].message.contains("loop"), "{}", walked.warnings[0].message);
        }
    }

    #[test]
    fn excludes_anchor_at_their_folder_whatever_folder_is_scanned_and_force_exclude_covers_named_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for p in ["sub/b.py", "sub/keep.py", "build/c.py", "a.py"] {
            std::fs::create_dir_all(root.join(p).parent().unwrap()).unwrap();
            std::fs::write(root.join(p), "x = 1\n").unwrap();
        }
        // As a configuration in `root` would write them.
        let globs = vec!["sub/b.py".to_string(), "./build/".to_string()];
        let filters =
            Filters::new(&[(root.to_path_buf(), globs.clone())], &[], root, ExcludeOptions::default()).unwrap();
        let names = |w: Walked| -> Vec<String> {
            w.files.iter().map(|p| p.strip_prefix(root).unwrap().display().to_string()).collect()
        };
        assert_eq!(names(walk(&[root.to_path_buf()], &filters, 2)), ["a.py", "sub/keep.py"]);
        assert_eq!(names(walk(&[root.join("sub")], &filters, 2)), ["sub/keep.py"], "scanning `sub` itself");
        // A named folder is scanned whole unless forced, as a named file is (ruff's `--force-exclude`).
        assert_eq!(names(walk(&[root.join("build")], &filters, 2)), ["build/c.py"]);
        let forced_build = ExcludeOptions { force: true, defaults: true };
        let filters_forced = Filters::new(&[(root.to_path_buf(), globs.clone())], &[], root, forced_build).unwrap();
        assert_eq!(names(walk(&[root.join("build")], &filters_forced, 2)), Vec::<String>::new());
        // A named folder that gives nothing says so (forced away, it is silent, as a named file).
        std::fs::create_dir_all(root.join("empty")).unwrap();
        let walked = walk(&[root.join("empty")], &filters, 2);
        assert_eq!(walked.warnings.len(), 1, "{:?}", walked.warnings);
        assert!(walked.warnings[0].message.starts_with("no Python files found here"));
        assert!(walk(&[root.join("build")], &filters_forced, 2).warnings.is_empty());
        let by_absolute_path = vec![root.join("sub/keep.py").display().to_string()];
        let filters =
            Filters::new(&[(root.to_path_buf(), by_absolute_path)], &[], root, ExcludeOptions::default()).unwrap();
        assert!(!names(walk(&[root.to_path_buf()], &filters, 2)).contains(&"sub/keep.py".to_string()));
        // Named files pass unless forced (ruff's --force-exclude; the pre-commit hook forces).
        let named = [root.join("sub/b.py"), root.join("a.py")];
        assert_eq!(names(walk(&named, &filters, 2)), ["a.py", "sub/b.py"]);
        let forced =
            Filters::new(&[(root.to_path_buf(), globs)], &[], root, ExcludeOptions { force: true, defaults: true })
                .unwrap();
        assert_eq!(names(walk(&named, &forced, 2)), ["a.py"]);
        // Written in `sub` (the flag from there), `../build` is the project's `build`.
        let climbing = vec!["../build".to_string(), "../../a.py".to_string()];
        let options = ExcludeOptions { force: false, defaults: false };
        let filters = Filters::new(&[(root.join("sub"), climbing)], &[], root, options).unwrap();
        assert_eq!(names(walk(&[root.to_path_buf()], &filters, 2)), ["a.py", "sub/b.py", "sub/keep.py"]);
        // A glob that climbs out of the project on purpose is honoured there (the root is no floor).
        let from_sub = Filters::new(&[(root.join("sub"), vec!["./../build".into()])], &[], &root.join("sub"), options);
        assert_eq!(names(walk(&[root.to_path_buf()], &from_sub.unwrap(), 2)), ["a.py", "sub/b.py", "sub/keep.py"]);
        // `./build` is the top `build` only: `sub/build` is scanned.
        std::fs::create_dir_all(root.join("sub/build")).unwrap();
        std::fs::write(root.join("sub/build/d.py"), "x = 1\n").unwrap();
        let anchored = Filters::new(&[(root.to_path_buf(), vec!["./build".into()])], &[], root, options).unwrap();
        assert_eq!(
            names(walk(&[root.to_path_buf()], &anchored, 2)),
            ["a.py", "sub/b.py", "sub/build/d.py", "sub/keep.py"]
        );
        std::fs::remove_dir_all(root.join("sub/build")).unwrap();
        // One entry at a time, for a configuration's globs: the entry itself, never the root.
        let config = Filters::new(&[(root.to_path_buf(), vec!["sub".into(), "a.py".into()])], &[], root, options);
        let config = config.unwrap();
        assert!(config.excludes_entry(&root.join("sub")) && config.excludes_entry(&root.join("a.py")));
        assert!(!config.excludes_entry(&root.join("sub/b.py")), "its folder is asked on its own");
        assert!(!config.excludes_entry(root) && !config.excludes_entry(&root.join("..")));
    }

    #[test]
    fn folders_above_the_project_are_never_matched_and_default_excludes_can_be_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        // A project checked out under folders that look like excludes (`latest` for `*test*`, `build`).
        let root = dir.path().join("latest/build/proj");
        for p in ["app.py", "test_app.py", "gen/x.py", ".venv/lib/y.py"] {
            std::fs::create_dir_all(root.join(p).parent().unwrap()).unwrap();
            std::fs::write(root.join(p), "x = 1\n").unwrap();
        }
        let names = |w: Walked| -> Vec<String> {
            w.files.iter().map(|p| p.strip_prefix(&root).unwrap().display().to_string()).collect()
        };
        let star = vec!["*test*".to_string()];
        // Written from a folder far above the project, as `--exclude` from `/` would be.
        let from_above =
            Filters::new(&[(dir.path().to_path_buf(), star.clone())], &[], &root, ExcludeOptions::default());
        assert_eq!(names(walk(std::slice::from_ref(&root), &from_above.unwrap(), 2)), ["app.py", "gen/x.py"]);
        let forced = ExcludeOptions { force: true, defaults: true };
        let filters = Filters::new(&[(root.clone(), star)], &[], &root, forced).unwrap();
        assert_eq!(names(walk(&[root.join("app.py"), root.join("test_app.py")], &filters, 2)), ["app.py"]);
        let by_absolute = vec![format!("{}/", root.join("gen").display())];
        let filters = Filters::new(&[(root.clone(), by_absolute)], &[], &root, forced).unwrap();
        assert_eq!(names(walk(&[root.join("gen/x.py"), root.join("app.py")], &filters, 2)), ["app.py"]);

        // Forced: named by absolute path, the `build` and `latest` above the project are not its.
        let filters = Filters::new(&[(root.clone(), vec!["*test*".into(), "gen".into()])], &[], &root, forced).unwrap();
        assert_eq!(names(walk(&[root.join("app.py")], &filters, 2)), ["app.py"]);
        // ... and a named folder that is excluded is skipped whole, as a named file is.
        assert_eq!(names(walk(&[root.join("gen"), root.join(".venv")], &filters, 2)), Vec::<String>::new());
        // `*` keeps within one name from the scanned folder too (the globs' own folder is elsewhere).
        std::fs::create_dir_all(root.join("gen/deep")).unwrap();
        std::fs::write(root.join("gen/deep/y.py"), "x = 1\n").unwrap();
        let elsewhere = (dir.path().join("elsewhere"), vec!["gen/*.py".to_string()]);
        let filters = Filters::new(&[elsewhere], &[], &root, ExcludeOptions::default()).unwrap();
        assert_eq!(names(walk(std::slice::from_ref(&root), &filters, 2)), ["app.py", "gen/deep/y.py", "test_app.py"]);
        std::fs::remove_dir_all(root.join("gen/deep")).unwrap();

        let no_defaults = ExcludeOptions { force: false, defaults: false };
        let filters = Filters::new(&[], &[], &root, no_defaults).unwrap();
        assert_eq!(
            names(walk(std::slice::from_ref(&root), &filters, 2)),
            [".venv/lib/y.py", "app.py", "gen/x.py", "test_app.py"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_nothing_is_a_warning_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.py"), "x = 1\n").unwrap();
        // Emacs's lock file for a.py, a stale link, and a link to itself.
        std::os::unix::fs::symlink("user@host.1234:1", root.join(".#a.py")).unwrap();
        std::os::unix::fs::symlink("missing.json", root.join("cfg.json")).unwrap();
        std::os::unix::fs::symlink("self", root.join("self")).unwrap();
        let walked = walk(&[root.to_path_buf()], &Filters::none(), 2);
        assert_eq!(walked.files, [root.join("a.py")]);
        assert!(walked.errors.is_empty(), "{:?}", walked.errors);
        assert_eq!(walked.warnings.len(), 3, "{:?}", walked.warnings);
        assert!(
            walked
                .warnings
                .iter()
                .all(|w| w.message.contains("broken symbolic link") && !w.message.contains("os error"))
        );
    }
}
