//! `scan --diff REV`: only the units whose lines changed since a git revision (for CI on pull
//! requests). Git itself computes the diff (`git diff --unified=0 REV`, working tree against REV);
//! files git does not track yet count as changed everywhere. A unit is judged when one of its
//! lines was added or modified, or lines were deleted right inside it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use pycwe_core::python::Unit;

/// Changed lines of one file: 0-based, half-open ranges in the working-tree version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// A new (untracked) file: every line.
    Everything,
    Lines(Vec<(usize, usize)>),
}

impl Changed {
    /// Whether `unit` has a changed line.
    pub fn touches(&self, unit: &Unit) -> bool {
        match self {
            Changed::Everything => true,
            Changed::Lines(ranges) => unit
                .segments
                .iter()
                .any(|s| ranges.iter().any(|&(start, end)| start <= s.last_line && end > s.first_line)),
        }
    }
}

/// The changes since `rev` in the git work tree that holds `dir`, keyed by canonical path.
pub fn changed_since(dir: &Path, rev: &str) -> anyhow::Result<HashMap<PathBuf, Changed>> {
    if rev.starts_with('-') {
        bail!("--diff {rev}: not a git revision");
    }
    let git = |args: &[&str]| -> anyhow::Result<Vec<u8>> {
        // Every byte past ASCII octal-escaped in diff headers, whatever the user's setting: the
        // header then reads back to the exact bytes of any name, UTF-8 or not.
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "core.quotepath=on"])
            .args(args)
            .output()
            .context("--diff needs git on PATH")?;
        if !out.status.success() {
            bail!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(out.stdout)
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let root = path_from_bytes(top.strip_suffix(b"\n").unwrap_or(&top));
    let diff = git(&["diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-renames", rev, "--"])?;
    // Only headers and hunk lines are read: changed code that is not UTF-8 does not matter.
    let diff = String::from_utf8_lossy(&diff);
    let untracked = git(&["ls-files", "-z", "--others", "--exclude-standard", "--full-name"])?;
    let canonical = |relative: &Path| super::paths::canonical(&root.join(relative));
    let mut changed: HashMap<PathBuf, Changed> =
        parse_unified_zero(&diff).into_iter().map(|(p, r)| (canonical(&p), Changed::Lines(r))).collect();
    for file in untracked.split(|&b| b == 0).filter(|name| !name.is_empty()) {
        changed.insert(canonical(&path_from_bytes(file)), Changed::Everything);
    }
    Ok(changed)
}

/// A path as a diff header writes it: a name holding a space ends in a tab, and one holding `"`,
/// `\\` or a control character (or any non-ASCII byte without `core.quotepath=off`) is C-quoted
/// with octal escapes for its bytes.
fn header_path(raw: &str) -> Vec<u8> {
    let raw = raw.strip_suffix('\t').unwrap_or(raw);
    let Some(quoted) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else { return raw.into() };
    let mut bytes = Vec::with_capacity(quoted.len());
    let mut chars = quoted.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match chars.next() {
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&o @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(o - b'0');
                            chars.next();
                        }
                        _ => break,
                    }
                }
                bytes.push(value as u8);
            }
            Some(b'a') => bytes.push(7),
            Some(b'b') => bytes.push(8),
            Some(b't') => bytes.push(b'\t'),
            Some(b'n') => bytes.push(b'\n'),
            Some(b'v') => bytes.push(11),
            Some(b'f') => bytes.push(12),
            Some(b'r') => bytes.push(b'\r'),
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    bytes
}

/// A file name as git printed its bytes (on Unix any bytes name a file; elsewhere names are text).
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Parses `git diff --unified=0` output: for each file on the new side, the changed line ranges
/// (0-based, half-open). A pure deletion marks the line after it, so the unit it cut into counts.
pub fn parse_unified_zero(diff: &str) -> HashMap<PathBuf, Vec<(usize, usize)>> {
    let mut out: HashMap<PathBuf, Vec<(usize, usize)>> = HashMap::new();
    let mut current: Option<PathBuf> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = header_path(path).strip_prefix(b"b/").map(path_from_bytes);
            if let Some(p) = &current {
                out.entry(p.clone()).or_default();
            }
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            // @@ -a[,b] +c[,d] @@
            let Some(new) = hunk.split(' ').find_map(|w| w.strip_prefix('+')) else { continue };
            let mut parts = new.split(',');
            let start: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            let count: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            let ranges = out.entry(path.clone()).or_default();
            if count == 0 {
                // Deleted lines sit after new line `start`: flag it and the next.
                ranges.push((start.saturating_sub(1), start + 1));
            } else {
                ranges.push((start - 1, start - 1 + count));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/app/db.py b/app/db.py
index 1111111..2222222 100644
--- a/app/db.py
+++ b/app/db.py
@@ -10,0 +11,2 @@ def find(name):
+    q = f\"SELECT * FROM t WHERE n = '{name}'\"
+    return cur.execute(q)
@@ -20 +22 @@ def other():
-    return 1
+    return 2
@@ -30,3 +31,0 @@ class A:
-    a
-    b
-    c
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1,2 +0,0 @@
-x = 1
-y = 2
";

    #[test]
    fn hunks_become_zero_based_ranges_on_the_new_side() {
        let parsed = parse_unified_zero(DIFF);
        assert_eq!(parsed.len(), 1, "{parsed:?}");
        assert_eq!(parsed[Path::new("app/db.py")], vec![(10, 12), (21, 22), (30, 32)]);
    }

    #[test]
    fn names_with_spaces_quotes_or_non_ascii_bytes_are_read_back() {
        let diff = "+++ b/sp ace.py\t\n@@ -1 +1 @@\n+x\n\
                    +++ \"b/dir \\303\\251/\\303\\274.py\"\n@@ -2 +2 @@\n+y\n\
                    +++ \"b/q\\\"t.py\"\n@@ -3 +3 @@\n+z\n\
                    +++ b/dir é/plain.py\n@@ -4 +4 @@\n+w\n";
        let parsed = parse_unified_zero(diff);
        assert_eq!(parsed[Path::new("sp ace.py")], vec![(0, 1)]);
        assert_eq!(parsed[Path::new("dir é/ü.py")], vec![(1, 2)]);
        assert_eq!(parsed[Path::new("q\"t.py")], vec![(2, 3)]);
        assert_eq!(parsed[Path::new("dir é/plain.py")], vec![(3, 4)]);
        // A Latin-1 name (not UTF-8) keeps its bytes.
        #[cfg(unix)]
        {
            let parsed = parse_unified_zero("+++ \"b/caf\\351.py\"\n@@ -1 +1 @@\n+x\n");
            assert_eq!(parsed[&path_from_bytes(b"caf\xe9.py")], vec![(0, 1)]);
        }
    }

    #[test]
    fn a_unit_is_touched_when_a_segment_overlaps_a_range() {
        use pycwe_core::python::{ChunkOptions, chunk};
        use pycwe_core::source::SourceFile;
        let source =
            SourceFile::from_string("m.py", "def a():\n    return 1\n\n\ndef b():\n    return 2\n".to_string());
        let units = chunk(&source, &ChunkOptions::default()).unwrap().units;
        let named = |n: &str| units.iter().find(|u| u.name == n).unwrap();
        let changed = Changed::Lines(vec![(5, 6)]);
        assert!(changed.touches(named("b")) && !changed.touches(named("a")));
        assert!(Changed::Everything.touches(named("a")));
    }
}
