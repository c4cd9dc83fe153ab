//! Judges every unit of a Python file with the base SmolLM2 (no adapter), for eyeballing:
//! `cargo run -p pycwe_model --release --example judge -- FILE`.
use candle_core::Device;
use pycwe_core::detect::{Detector, UnitRequest};
use pycwe_core::python::{ChunkOptions, load_and_chunk};
use pycwe_core::source::ReadOptions;
use pycwe_model::classifier::LlamaDetector;
use pycwe_model::gguf::GgufFile;
use pycwe_model::models::llama::Llama;
use pycwe_model::tokenize::TextTokenizer;

fn main() -> anyhow::Result<()> {
    let file = std::env::args().nth(1).expect("a Python file");
    let (source, chunked) = load_and_chunk(file.as_ref(), &ReadOptions::default(), &ChunkOptions::default())?;
    let units: Vec<UnitRequest> = chunked.units.iter().map(|u| UnitRequest::from_unit(u, &source)).collect();
    let path = pycwe_model::registry::models_dir()?.join(pycwe_model::registry::SMOLLM2_135M.file_name);
    let mut g = GgufFile::open(&path)?;
    let tok = TextTokenizer::from_gguf(&g)?;
    let model = Llama::from_gguf(&mut g, &Device::Cpu)?;
    let t0 = std::time::Instant::now();
    let mut det = LlamaDetector::new(model, tok, "smollm2-135m (base)", None)?;
    eprintln!("prefix in {:.2}s", t0.elapsed().as_secs_f64());
    let t1 = std::time::Instant::now();
    let preds = det.judge(&units)?;
    eprintln!("{} units in {:.2}s", units.len(), t1.elapsed().as_secs_f64());
    for (u, p) in units.iter().zip(preds) {
        println!("{:<30} p_vuln={:.3} answer={:?} findings={:?}", u.name, p.p_vulnerable, p.answer, p.findings);
    }
    Ok(())
}
