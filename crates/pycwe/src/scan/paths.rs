//! How a scanned file is named in reports. People read paths relative to where they ran the scan
//! (as ruff and Bandit print them); SARIF and fingerprints need a name that does not depend on it:
//! the path under the project root (the enclosing git work tree, else the outermost configuration's folder,
//! else the current directory), read through the file system, so GitHub places an alert on the
//! right file and a baseline written at the root still matches a scan run from a subdirectory.

use std::path::{Component, Path, PathBuf};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// `path` made absolute against `cwd`, with `.` components dropped. `..` stays: after a symbolic
/// link it leads somewhere the text does not say (`lnk/..` is the link target's parent), so only
/// the file system may fold it ([`Namer::under_root`] asks it).
pub fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() { path.to_path_buf() } else { cwd.join(path) };
    joined.components().filter(|c| *c != Component::CurDir).collect()
}

/// `path` made absolute against `cwd` with `.` and `..` folded by the text alone, as the name
/// reads (ruff's normalization): what configurations and their excludes are matched on, so a
/// linked `vendor` folder is `vendor` and `../proj/a.py` is under `proj`.
pub fn lexical(path: &Path, cwd: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in absolute(path, cwd).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The deepest path at or above every one of `paths` (lexical): the scan's own configuration and
/// project root are looked up from there, so no argument order changes them.
pub fn common_ancestor(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let mut all = paths.iter().map(|p| lexical(p, cwd));
    let Some(first) = all.next() else { return cwd.to_path_buf() };
    all.fold(first, |common, p| {
        common.components().zip(p.components()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
    })
}

#[cfg(windows)]
fn slashes(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// On Unix a backslash is an ordinary character of a file name.
#[cfg(not(windows))]
fn slashes(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Where reports' stable names are rooted, for one scan.
#[derive(Debug, Clone)]
pub struct Namer {
    cwd: PathBuf,
    root: PathBuf,
}

impl Namer {
    /// The project root of `first` (the folder holding every scanned path): the nearest folder at
    /// or above it holding `.git`, else `config_dir` (the outermost configuration's), else `cwd`.
    pub fn new(first: &Path, config_dir: Option<&Path>, cwd: PathBuf) -> Self {
        let start = canonical(&absolute(first, &cwd));
        let git = start.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf);
        let root = git.or_else(|| config_dir.map(|d| canonical(&absolute(d, &cwd)))).unwrap_or_else(|| canonical(&cwd));
        Namer { cwd, root }
    }

    /// The current directory's namer (tests, and scans with nothing better to go on).
    #[cfg(test)]
    pub fn at(root: &Path) -> Self {
        Namer { cwd: root.to_path_buf(), root: root.to_path_buf() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// As people read it: relative to the current directory when the file is under it, else
    /// absolute; forward slashes.
    pub fn shown(&self, path: &Path) -> String {
        let abs = absolute(path, &self.cwd);
        let shown = slashes(abs.strip_prefix(&self.cwd).unwrap_or(&abs));
        if shown.is_empty() { ".".to_string() } else { shown }
    }

    /// Relative to the project root, or `None` for a file outside it. Read through the file
    /// system (symbolic links and `..` resolved), so every way of reaching a file names it alike.
    pub fn under_root(&self, path: &Path) -> Option<String> {
        let real = canonical(&absolute(path, &self.cwd));
        real.strip_prefix(&self.root).ok().map(slashes)
    }

    /// Like [`Namer::under_root`], for a problem's path: the entry itself, not where it leads (a
    /// link looping to the root, `pkg/up -> ..`, is `pkg/up`, not the root's empty name).
    pub fn entry_under_root(&self, path: &Path) -> Option<String> {
        let abs = absolute(path, &self.cwd);
        let real = match (abs.parent(), abs.file_name()) {
            (Some(parent), Some(name)) => canonical(parent).join(name),
            _ => canonical(&abs),
        };
        real.strip_prefix(&self.root).ok().map(slashes).filter(|s| !s.is_empty())
    }

    /// The name fingerprints hash: the path under the root, or the real absolute path outside it.
    pub fn stable(&self, path: &Path) -> String {
        self.under_root(path).unwrap_or_else(|| slashes(&canonical(&absolute(path, &self.cwd))))
    }
}

/// The file system's name for `path` (links and `..` resolved), or `path` itself when it does not
/// exist (a name in a test, or a file deleted mid-scan). On Windows, `C:\x` rather than the
/// `\\?\C:\x` that `canonicalize` gives and no report should show.
pub fn canonical(path: &Path) -> PathBuf {
    dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Where a file about to be written ends up: through its chain of links (a dangling one is
/// created at its target), then the part that exists through the file system and the part still
/// to be created by its text (`nosuch/../b.json` is `b.json`), so two spellings of one output
/// compare equal before either exists.
pub fn destination(path: &Path, cwd: &Path) -> PathBuf {
    let abs = absolute(path, cwd);
    let target = pycwe_core::atomic::link_target(&abs).unwrap_or(abs);
    let mut out = PathBuf::new();
    let mut exists = true;
    for component in target.components() {
        match component {
            Component::ParentDir if !exists => {
                out.pop();
            }
            c => {
                out.push(c);
                if exists {
                    if out.symlink_metadata().is_ok() {
                        out = canonical(&out);
                    } else {
                        exists = false;
                    }
                }
            }
        }
    }
    out
}

/// What a URI reference's path may hold unescaped (RFC 3986 `pchar` and `/`, minus `:`, which in
/// a relative reference's first segment would read as a scheme).
const URI_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b':');

/// A forward-slash path as the path part of a URI reference (percent-encoded).
pub fn uri_path(path: &str) -> String {
    utf8_percent_encode(path, URI_PATH).to_string()
}

/// `file:///abs/dir/` for a folder (the trailing slash makes relative references resolve inside it).
pub fn folder_uri(dir: &Path) -> String {
    let mut path = slashes(dir);
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    format!("file://{}", uri_path(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_not_yet_written_is_named_alike_however_it_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        assert_eq!(destination(Path::new("b.json"), cwd), destination(Path::new("./b.json"), cwd));
        std::fs::create_dir(cwd.join("sub")).unwrap();
        assert_eq!(destination(Path::new("sub/../b.json"), cwd), destination(Path::new("b.json"), cwd));
        assert_ne!(destination(Path::new("sub/b.json"), cwd), destination(Path::new("b.json"), cwd));
        assert_eq!(destination(Path::new("nosuch/../b.json"), cwd), destination(Path::new("b.json"), cwd));
        #[cfg(unix)]
        {
            // A dangling link is written at its target.
            std::os::unix::fs::symlink("b.json", cwd.join("link.json")).unwrap();
            assert_eq!(destination(Path::new("link.json"), cwd), destination(Path::new("b.json"), cwd));
        }
    }

    #[test]
    fn paths_are_shown_relative_to_the_current_directory_without_dot_components() {
        let cwd = Path::new("/work/proj");
        let namer = Namer { cwd: cwd.into(), root: cwd.into() };
        assert_eq!(namer.shown(Path::new(".//app/./db.py")), "app/db.py");
        assert_eq!(namer.shown(Path::new("/work/proj/app/db.py")), "app/db.py");
        // `..` is the file system's to resolve, not the text's.
        assert_eq!(namer.shown(Path::new("lnk/../db.py")), "lnk/../db.py");
        assert_eq!(namer.shown(Path::new("/elsewhere/x.py")), "/elsewhere/x.py");
        assert_eq!(namer.shown(Path::new(".")), ".", "a problem with the current directory names it");
        assert_eq!(lexical(Path::new("./a/../b/./c.py"), cwd), Path::new("/work/proj/b/c.py"));
        assert_eq!(lexical(Path::new("../other/x.py"), cwd), Path::new("/work/other/x.py"));
        let common = |ps: &[&str]| common_ancestor(&ps.iter().map(PathBuf::from).collect::<Vec<_>>(), cwd);
        assert_eq!(common(&["pkg/vendor/v.py", "pkg/a.py"]), Path::new("/work/proj/pkg"));
        assert_eq!(common(&["pkga/a.py", "pkgb/b.py"]), common(&["pkgb/b.py", "pkga/a.py"]));
        assert_eq!(common(&["pkga/a.py", "pkgb/b.py"]), cwd);
        assert_eq!(common(&["pkg/a.py"]), Path::new("/work/proj/pkg/a.py"));
        assert_eq!(common(&[]), cwd);
        #[cfg(not(windows))]
        assert_eq!(namer.shown(Path::new("a\\b.py")), "a\\b.py");
    }

    #[test]
    fn stable_names_are_rooted_at_the_project_and_read_through_links() {
        let namer = Namer { cwd: "/repo/pkg".into(), root: "/repo".into() };
        assert_eq!(namer.shown(Path::new("db.py")), "db.py");
        assert_eq!(namer.stable(Path::new("db.py")), "pkg/db.py");
        assert_eq!(namer.under_root(Path::new("/elsewhere/x.py")), None);
        assert_eq!(namer.stable(Path::new("/elsewhere/x.py")), "/elsewhere/x.py");

        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().canonicalize().unwrap();
            std::fs::create_dir_all(root.join("real/inner")).unwrap();
            std::fs::write(root.join("real/x.py"), "x = 1\n").unwrap();
            std::os::unix::fs::symlink(root.join("real/inner"), root.join("lnk")).unwrap();
            let namer = Namer { cwd: root.clone(), root: root.clone() };
            // `lnk/..` is `real`, whatever the text suggests.
            assert_eq!(namer.stable(Path::new("lnk/../x.py")), "real/x.py");
            assert_eq!(namer.under_root(Path::new("real/x.py")).as_deref(), Some("real/x.py"));
            // A problem names the entry: a loop back to the root is `real/up`, not the root's "".
            std::os::unix::fs::symlink("..", root.join("real/up")).unwrap();
            assert_eq!(namer.under_root(Path::new("real/up")).as_deref(), Some(""));
            assert_eq!(namer.entry_under_root(Path::new("real/up")).as_deref(), Some("real/up"));
            assert_eq!(namer.entry_under_root(Path::new("lnk/x.py")).as_deref(), Some("real/inner/x.py"));
        }
    }

    #[test]
    fn the_root_is_the_enclosing_git_work_tree_else_the_configuration_folder() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("pkg/sub")).unwrap();
        let namer = Namer::new(Path::new("sub"), None, repo.join("pkg"));
        assert_eq!(namer.root(), repo.canonicalize().unwrap());
        let plain = dir.path().join("plain");
        std::fs::create_dir_all(plain.join("a")).unwrap();
        let plain = plain.canonicalize().unwrap();
        assert_eq!(Namer::new(Path::new("a"), Some(&plain), plain.join("a")).root(), plain);
        assert_eq!(Namer::new(Path::new("."), None, plain.join("a")).root(), plain.join("a"));
    }

    #[test]
    fn uris_escape_what_a_uri_reference_cannot_hold() {
        assert_eq!(uri_path("app/db.py"), "app/db.py");
        assert_eq!(uri_path("a\\b.py"), "a%5Cb.py");
        assert_eq!(uri_path("odd/we,ird:na%me 1.py"), "odd/we,ird%3Ana%25me%201.py");
        assert_eq!(uri_path("ünï/x.py"), "%C3%BCn%C3%AF/x.py");
        assert_eq!(folder_uri(Path::new("/tmp/my repo")), "file:///tmp/my%20repo/");
    }
}
