//! Greedy decoding with the pulled SmolLM2, for eyeballing: `cargo run -p pycwe_model --release --example greedy -- "prompt"`.
use candle_core::Device;
use pycwe_model::gguf::GgufFile;
use pycwe_model::models::CausalLm;
use pycwe_model::models::llama::{KvCache, Llama, Mode};
use pycwe_model::tokenize::TextTokenizer;

fn main() -> anyhow::Result<()> {
    let prompt = std::env::args().nth(1).unwrap_or_else(|| "What is the capital of France?".into());
    let path = pycwe_model::registry::models_dir()?.join(pycwe_model::registry::SMOLLM2_135M.file_name);
    let t0 = std::time::Instant::now();
    let mut g = GgufFile::open(&path)?;
    let tok = TextTokenizer::from_gguf(&g)?;
    let model = Llama::from_gguf(&mut g, &Device::Cpu)?;
    eprintln!("loaded in {:.2}s: {:?}", t0.elapsed().as_secs_f64(), model.cfg);
    let text = format!("<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n");
    let ids = tok.encode(&text)?;
    eprintln!("{} prompt tokens: {:?}", ids.len(), ids);
    let mut cache = KvCache::new(1, model.cfg.layers);
    let t1 = std::time::Instant::now();
    let mut h = model.step(std::slice::from_ref(&ids), &mut cache, Mode::Infer)?;
    eprintln!("prefill {:.3}s", t1.elapsed().as_secs_f64());
    let mut out = Vec::new();
    let t2 = std::time::Instant::now();
    for _ in 0..24 {
        let last = h.dim(1)? - 1;
        let logits = model.logits(&h.narrow(1, last, 1)?.squeeze(1)?)?;
        let next = logits.argmax(candle_core::D::Minus1)?.to_vec1::<u32>()?[0];
        if Some(next) == tok.eos || tok.decode(&[next])? == "<|im_end|>" {
            break;
        }
        out.push(next);
        h = model.step(&[vec![next]], &mut cache, Mode::Infer)?;
    }
    eprintln!("decode {:.1} tok/s", out.len() as f64 / t2.elapsed().as_secs_f64());
    println!("{}", tok.decode(&out)?);
    Ok(())
}
