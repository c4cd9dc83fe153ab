//! The adapter that ships inside the binary for the default model (trained on `pycwe train`'s
//! examples; its card, `adapters/smollm2-135m/README.md`, says on what and how well). Embedded with
//! `include_bytes!`, so `scan` finds it without a path and without a network.

use std::path::Path;

use candle_core::Device;

use crate::adapter::{Adapter, AdapterError};
use crate::registry::SMOLLM2_135M;

#[cfg(shipped_adapter)]
const FILES: Option<(&[u8], &[u8], &[u8])> = Some((
    include_bytes!("../adapters/smollm2-135m/adapter_config.json"),
    include_bytes!("../adapters/smollm2-135m/pycwe_adapter.json"),
    include_bytes!("../adapters/smollm2-135m/adapter_model.safetensors"),
));
#[cfg(not(shipped_adapter))]
const FILES: Option<(&[u8], &[u8], &[u8])> = None;

/// The shipped adapter for `model`, if one ships.
pub fn adapter(model: &str, device: &Device) -> Result<Option<Adapter>, AdapterError> {
    match FILES {
        Some((config, meta, weights)) if model == SMOLLM2_135M.name => {
            Adapter::from_bytes(Path::new("<shipped adapter>"), config, meta, weights, device).map(Some)
        }
        _ => Ok(None),
    }
}

/// The confidence threshold recorded in the shipped adapter's metadata (`pack_adapter`'s last
/// argument), or 0.5, where a finding is likelier than `NONE`: scan's `--min-confidence` default.
/// `threshold_chosen_by` beside it says why: the one `pycwe eval --calibrate` chose on the last
/// training stage's validation split (`calibrated_threshold`) failed the shipping rule on real code.
pub fn threshold() -> f32 {
    FILES
        .and_then(|(_, meta, _)| serde_json::from_slice::<serde_json::Value>(meta).ok())
        .and_then(|m| m["threshold"].as_f64())
        .map_or(0.5, |t| t as f32)
}

#[cfg(all(test, shipped_adapter))]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_is_the_one_its_metadata_records_and_says_how_it_was_chosen() {
        let meta: serde_json::Value = serde_json::from_slice(FILES.unwrap().1).unwrap();
        assert_eq!(threshold(), meta["threshold"].as_f64().unwrap() as f32);
        assert!(threshold() > 0.0 && threshold() < 1.0);
        assert!(meta["calibrated_threshold"].as_f64().is_some_and(|t| t > 0.0 && t < 1.0));
        let how = meta["threshold_chosen_by"].as_str().unwrap_or_default();
        assert!(how.contains("--calibrate") && how.contains("valid"), "how the threshold was chosen: {how:?}");
    }
}
