//! Embeds the shipped adapter when its files are present (`adapters/smollm2-135m/`), so a checkout
//! without it still builds and says plainly that no adapter ships.

fn main() {
    println!("cargo::rerun-if-changed=adapters/smollm2-135m");
    println!("cargo::rustc-check-cfg=cfg(shipped_adapter)");
    let dir = std::path::Path::new("adapters/smollm2-135m");
    if ["adapter_config.json", "pycwe_adapter.json", "adapter_model.safetensors"].iter().all(|f| dir.join(f).is_file())
    {
        println!("cargo::rustc-cfg=shipped_adapter");
    }
}
