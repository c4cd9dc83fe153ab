//! Writing files so that readers never see half of one: write a temporary file beside the target,
//! flush it to disk, then rename it over the target. The result has the mode a plain write would
//! give it (the target's own, or 0666 less the umask for a new file), not a temporary file's 0600:
//! reports and baselines are read by other users, containers and CI steps.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Links followed before giving up, as the kernel's own limit (`ELOOP`) does.
const MAX_LINK_HOPS: usize = 40;

/// Writes `bytes` to `path` atomically, creating parent directories as needed. A symbolic link
/// keeps pointing where it did: its target is replaced, not the link. A target that is not a
/// regular file (`/dev/null`, a named pipe) is written in place: renaming over it would replace it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = follow_links(path)?;
    if let Ok(meta) = std::fs::metadata(&path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(&path)?;
        return file.write_all(bytes);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pycwe-tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with this mode, the umask applies, as it does to any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(parent)?;
    if let Ok(existing) = std::fs::metadata(&path) {
        tmp.as_file().set_permissions(existing.permissions())?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&path).map_err(|e| e.error)?;
    Ok(())
}

/// The file a chain of symbolic links ends at, whether or not it exists yet (a dangling link gets
/// its target created). Each relative target is read from its own link's folder.
fn follow_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Ok(path);
        }
        let target = std::fs::read_link(&path)?;
        // Joining an absolute target replaces the folder.
        path = path.parent().map_or_else(|| target.clone(), |p| p.join(&target));
    }
    Err(std::io::Error::other(format!("{}: too many levels of symbolic links", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["out.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_keeps_pointing_at_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.json");
        std::fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");

        // A chain whose end does not exist yet: the end is created, every link stays a link.
        let (first, second, end) = (dir.path().join("first"), dir.path().join("second"), dir.path().join("sub/end"));
        std::os::unix::fs::symlink("second", &first).unwrap();
        std::os::unix::fs::symlink("sub/end", &second).unwrap();
        write_atomic(&first, b"chained").unwrap();
        assert_eq!(std::fs::read(&end).unwrap(), b"chained");
        assert!(std::fs::symlink_metadata(&second).unwrap().file_type().is_symlink());

        let looped = dir.path().join("loop");
        std::os::unix::fs::symlink("loop", &looped).unwrap();
        let err = write_atomic(&looped, b"x").unwrap_err();
        assert!(err.to_string().contains("too many levels"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), b"report").unwrap();
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_targets_mode_and_gives_a_new_file_more_than_a_temporary_files_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let new = dir.path().join("new.json");
        write_atomic(&new, b"{}").unwrap();
        let plain = dir.path().join("plain.json");
        std::fs::write(&plain, b"{}").unwrap();
        assert_eq!(mode(&new), mode(&plain), "the mode a plain write gets (0666 less the umask)");
        let kept = dir.path().join("kept.json");
        std::fs::write(&kept, b"old").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&kept, b"new").unwrap();
        assert_eq!(mode(&kept), 0o640);
        assert_eq!(std::fs::read(&kept).unwrap(), b"new");
    }
}
