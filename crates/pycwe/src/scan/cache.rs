//! The result cache (`.pycwe_cache/` at the project root, like `.ruff_cache`): one small JSON file
//! per judged piece holding the detector's verdict, never the code. The key hashes the piece's text
//! and context with the pycwe version and the detector's fingerprint (model, adapter, prompt
//! version), so any change to either misses. Writes are atomic; an unreadable entry is a miss.

use std::path::{Path, PathBuf};

use pycwe_core::detect::{Prediction, UnitRequest};
use pycwe_core::judge::PredictionCache;
use sha2::{Digest, Sha256};

pub const CACHE_DIR: &str = ".pycwe_cache";

#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    salt: String,
    pub write_errors: usize,
}

impl DiskCache {
    pub fn new(dir: &Path, detector_fingerprint: &str) -> Self {
        let salt = format!("pycwe {} | {detector_fingerprint}", env!("CARGO_PKG_VERSION"));
        DiskCache { dir: dir.join("v1"), salt, write_errors: 0 }
    }

    fn path(&self, request: &UnitRequest) -> PathBuf {
        let mut h = Sha256::new();
        for part in [self.salt.as_str(), request.kind.as_str(), &request.name, &request.text] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for part in request.imports.iter().chain(&request.class_headers) {
            h.update(part.as_bytes());
            h.update([1]);
        }
        // A window's findings depend on the rest of its unit through the evidence rules.
        if let Some(whole) = &request.whole {
            h.update(whole.text.as_bytes());
            h.update(whole.lines_before.to_le_bytes());
        }
        let key = pycwe_model::registry::hex(&h.finalize());
        self.dir.join(&key[..2]).join(format!("{}.json", &key[2..]))
    }
}

impl PredictionCache for DiskCache {
    fn get(&mut self, request: &UnitRequest) -> Option<Prediction> {
        let bytes = std::fs::read(self.path(request)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn put(&mut self, request: &UnitRequest, prediction: &Prediction) {
        let path = self.path(request);
        let ok = path.parent().is_some_and(|p| std::fs::create_dir_all(p).is_ok())
            && serde_json::to_vec(prediction)
                .ok()
                .is_some_and(|bytes| pycwe_core::atomic::write_atomic(&path, &bytes).is_ok());
        if !ok {
            self.write_errors += 1;
        }
    }
}

/// Makes the cache directory self-describing and ignored by git (as ruff does).
pub fn init(dir: &Path) {
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = std::fs::write(dir.join(".gitignore"), "# Automatically created by pycwe.\n*\n");
        let _ = std::fs::write(dir.join("CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55\n");
    }
}
