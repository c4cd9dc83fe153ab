//! Helpers shared by the CLI tests.

use std::process::Command;

/// Installs the default model (a no-op once it is in the cache): tests that run it need it.
pub fn ensure_model() {
    let pull = Command::new(env!("CARGO_BIN_EXE_pycwe")).args(["model", "pull"]).output().unwrap();
    assert!(pull.status.success(), "{}", String::from_utf8_lossy(&pull.stderr));
}
