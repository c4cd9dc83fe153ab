//! Building the detector `scan` and `eval` use: a known model, plus the shipped adapter, another
//! adapter directory, or none (`--base`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use candle_core::Device;
use pycwe_core::detect::Detector;
use pycwe_model::adapter::Adapter;
use pycwe_model::classifier::{LmDetector, PrefixStore};
use pycwe_model::load::{AnyModel, info};
use pycwe_model::models::CausalLm;

/// Which weights judge the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterChoice {
    /// The adapter shipped inside the binary for the default model.
    Shipped,
    /// An adapter directory (`adapter_model.safetensors`, `adapter_config.json`, `pycwe_adapter.json`).
    Dir(PathBuf),
    /// The base model alone.
    Base,
}

impl AdapterChoice {
    pub fn from_flags(adapter: Option<&Path>, base: bool) -> Self {
        match (adapter, base) {
            (_, true) => AdapterChoice::Base,
            (Some(dir), false) => AdapterChoice::Dir(dir.to_path_buf()),
            (None, false) => AdapterChoice::Shipped,
        }
    }

    pub fn label(&self) -> String {
        match self {
            AdapterChoice::Shipped => "tuned (shipped adapter)".into(),
            AdapterChoice::Dir(d) => format!("tuned ({})", d.display()),
            AdapterChoice::Base => "base".into(),
        }
    }
}

/// Loads `model` (known or registered) with the chosen adapter, checked against the model's hash
/// and the prompt version.
pub fn build(
    model: &str,
    choice: &AdapterChoice,
    device: &Device,
    q8_decode: bool,
) -> anyhow::Result<Box<dyn Detector + Send>> {
    let info = info(model)?;
    let adapter = match choice {
        AdapterChoice::Base => None,
        AdapterChoice::Dir(dir) => Some(Adapter::read(dir, device)?),
        AdapterChoice::Shipped => Some(
            pycwe_model::shipped::adapter(model, device)?
                .with_context(|| format!("no adapter ships for `{model}`: pass --adapter DIR or --base"))?,
        ),
    };
    if let Some(adapter) = &adapter {
        adapter.check_base(model, &info.sha256)?;
    }
    let name = match choice {
        AdapterChoice::Base => format!("{model} (base)"),
        _ => format!("{model} + adapter {}", &adapter.as_ref().map(|a| a.sha256.clone()).unwrap_or_default()[..12]),
    };
    let (weights, tokenizer) = info.load(device)?;
    fn finish<M: CausalLm + 'static>(
        mut detector: LmDetector<M>,
        q8_decode: bool,
    ) -> anyhow::Result<Box<dyn Detector + Send>> {
        if q8_decode {
            detector.use_q8_decode()?;
        }
        Ok(Box::new(detector))
    }
    // Beside the models (a file per base model and build, ~25 MiB for SmolLM2); none when there is
    // no cache directory.
    let store = pycwe_model::registry::models_dir().ok().and_then(|d| {
        d.parent().map(|p| {
            PrefixStore::new(&p.join("prefix-kv"), &info.sha256, &pycwe_model::registry::executable_identity())
        })
    });
    let store = store.as_ref();
    match weights {
        AnyModel::Llama(m) => {
            finish(LmDetector::with_prefix_store(m, tokenizer, &name, adapter.as_ref(), store)?, q8_decode)
        }
        AnyModel::Codegen(m) => {
            finish(LmDetector::with_prefix_store(m, tokenizer, &name, adapter.as_ref(), store)?, q8_decode)
        }
    }
}
