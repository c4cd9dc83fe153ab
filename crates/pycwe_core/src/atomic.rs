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
    if is_open_stream(path) {
        return std::fs::OpenOptions::new().append(true).open(path)?.write_all(bytes);
    }
    let path = link_target(path)?;
    if let Ok(meta) = std::fs::metadata(&path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(&path)?;
        return file.write_all(bytes);
    }
    let parent = folder_of(&path);
    std::fs::create_dir_all(parent)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pycwe-tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with this mode, the umask applies, as it does to any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // The temporary file's random name would only confuse: the folder is what the user can fix.
    let mut tmp = builder.tempfile_in(parent).map_err(|e| cannot_create_in(parent, &e))?;
    if let Ok(existing) = std::fs::metadata(&path) {
        tmp.as_file().set_permissions(existing.permissions())?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&path).map_err(|e| e.error)?;
    Ok(())
}

/// `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`: a stream already open, whatever it leads to (a
/// pipe, a terminal, the file of a shell's `>>`). Written through, appending; replacing the file
/// behind it would lose what the shell had written there, and a pipe has no folder to rename in.
fn is_open_stream(path: &Path) -> bool {
    cfg!(unix)
        && (path == Path::new("/dev/stdout")
            || path == Path::new("/dev/stderr")
            || path.starts_with("/dev/fd")
            || path.starts_with("/proc/self/fd"))
}

/// An I/O error's text without Rust's ` (os error 2)` suffix: the system's own words
/// (`No such file or directory`), as the messages that name a path show them.
pub fn without_os_code(text: &str) -> &str {
    text.split(" (os error").next().unwrap_or(text)
}

/// `path`'s folder, `.` for a bare file name.
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn cannot_create_in(dir: &Path, e: &std::io::Error) -> std::io::Error {
    // The system's words (`Read-only file system`), not the error kind's name or tempfile's path.
    let reason = e.raw_os_error().map_or_else(
        || e.kind().to_string(),
        |code| without_os_code(&std::io::Error::from_raw_os_error(code).to_string()).to_string(),
    );
    std::io::Error::new(e.kind(), format!("cannot create a file in {}: {reason}", dir.display()))
}

/// Whether [`write_atomic`] could write `path`, asked before the work that produces its bytes (a
/// scan should not run for minutes to fail at its report): the nearest existing folder on the way
/// must be a folder and take a new file. Leaves nothing behind.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if is_open_stream(path) {
        return std::fs::metadata(path).map(drop);
    }
    let path = link_target(path)?;
    if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
        // A device or a pipe is written in place; a folder is the caller's to refuse.
        return Ok(());
    }
    let mut dir = folder_of(&path).to_path_buf();
    loop {
        match std::fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => {
                let message = format!("{} is not a folder", dir.display());
                return Err(std::io::Error::new(std::io::ErrorKind::NotADirectory, message));
            }
            Err(_) => match dir.parent() {
                Some(up) if !up.as_os_str().is_empty() => dir = up.to_path_buf(),
                _ => {
                    dir = PathBuf::from(".");
                    break;
                }
            },
        }
    }
    tempfile::Builder::new().prefix(".pycwe-tmp-").tempfile_in(&dir).map(drop).map_err(|e| cannot_create_in(&dir, &e))
}

/// The file a chain of symbolic links ends at, whether or not it exists yet (a dangling link gets
/// its target created). Each relative target is read from its own link's folder.
pub fn link_target(path: &Path) -> std::io::Result<PathBuf> {
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

    #[cfg(target_os = "linux")]
    #[test]
    fn an_open_stream_is_written_through_appending_not_replaced() {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log.txt");
        std::fs::write(&log, "PRE\n").unwrap();
        // As a shell's `>> log.txt` hands it over: open for appending.
        let open = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        let stream = PathBuf::from(format!("/proc/self/fd/{}", open.as_raw_fd()));
        let inode = std::fs::metadata(&log).unwrap().ino();
        check_writable(&stream).unwrap();
        write_atomic(&stream, b"report\n").unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "PRE\nreport\n");
        assert_eq!(std::fs::metadata(&log).unwrap().ino(), inode, "the file behind the stream was replaced");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn writability_is_known_before_the_write_and_the_check_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        check_writable(&dir.path().join("new/deeper/report.json")).unwrap();
        assert!(!dir.path().join("new").exists(), "a check creates no folder");
        std::fs::write(dir.path().join("clean.py"), "x = 1\n").unwrap();
        let err = check_writable(&dir.path().join("clean.py/x.json")).unwrap_err();
        assert!(err.to_string().ends_with("clean.py is not a folder"), "{err}");
        check_writable(&dir.path().join("clean.py")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let locked = dir.path().join("locked");
            std::fs::create_dir(&locked).unwrap();
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
            // Root writes anywhere: the check is only as strict as the system.
            if std::fs::write(locked.join("probe"), "").is_err() {
                let err = check_writable(&locked.join("r.json")).unwrap_err();
                assert_eq!(err.to_string(), format!("cannot create a file in {}: Permission denied", locked.display()));
                let err = write_atomic(&locked.join("r.json"), b"{}").unwrap_err();
                assert!(!err.to_string().contains(".pycwe-tmp"), "{err}");
            }
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

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
