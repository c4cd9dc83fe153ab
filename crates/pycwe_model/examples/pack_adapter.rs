//! Packs a trained adapter for shipping: f16 weights, and the confidence threshold chosen on the
//! validation split recorded in `pycwe_adapter.json`. Run by hand:
//!
//! `cargo run --release -p pycwe_model --example pack_adapter -- runs/NAME/best crates/pycwe_model/adapters/smollm2-135m 0.5`

use std::path::Path;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [from, to, threshold] = args.as_slice() else {
        anyhow::bail!("usage: pack_adapter FROM_DIR TO_DIR THRESHOLD");
    };
    let adapter = pycwe_model::adapter::Adapter::read(Path::new(from), &candle_core::Device::Cpu)?;
    let mut meta = adapter.meta.clone();
    let mut training = meta.training.as_object().cloned().unwrap_or_default();
    training.insert("packed_from".into(), serde_json::json!(from));
    meta.training = serde_json::Value::Object(training);
    adapter.write_half(&meta, Path::new(to))?;
    // The threshold sits at the top level, where `shipped::threshold` reads it.
    let meta_path = Path::new(to).join(pycwe_model::adapter::META_FILE);
    let mut value: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta_path)?)?;
    value["threshold"] = serde_json::json!(threshold.parse::<f64>()?);
    std::fs::write(&meta_path, serde_json::to_vec_pretty(&value)?)?;
    println!("packed {from} -> {to}");
    Ok(())
}
