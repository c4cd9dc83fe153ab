//! `pycwe bench model`: the model runtime's speed and memory on this machine, next to candle's own
//! f32 matmul rate measured in the same run (the ceiling a forward pass can approach).

use std::fmt::Write;
use std::time::Instant;

use anyhow::Context;
use candle_core::{DType, Device, Tensor};
use pycwe_core::cwe::reportable;
use pycwe_core::detect::{Detector, UnitRequest};
use pycwe_core::python::{ChunkOptions, chunk};
use pycwe_core::source::SourceFile;
use pycwe_model::classifier::LlamaDetector;
use pycwe_model::load::load_llama;
use pycwe_model::models::CausalLm;
use pycwe_model::models::llama::{KvCache, LlamaConfig, Mode};

use super::Outcome;
use crate::args::BenchModelArgs;
use crate::output;

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// FLOPs of one token through the matmuls of all blocks (2 per multiply-add), plus attention over
/// `context` keys; the output projection is counted separately.
fn flops_per_token(cfg: &LlamaConfig, context: usize) -> f64 {
    let (h, kv, i) = (cfg.hidden as f64, (cfg.kv_heads * cfg.head_dim()) as f64, cfg.intermediate as f64);
    let weights = h * h * 2.0 + h * kv * 2.0 + 3.0 * h * i;
    let attention = 2.0 * context as f64 * h;
    cfg.layers as f64 * 2.0 * (weights + attention)
}

fn matmul_gflops(device: &Device) -> anyhow::Result<f64> {
    let a = Tensor::randn(0f32, 1.0, (512, 576), device)?;
    let b = Tensor::randn(0f32, 1.0, (576, 1536), device)?;
    let _ = a.matmul(&b)?; // warm up
    let reps = 20;
    let t = Instant::now();
    for _ in 0..reps {
        let _ = a.matmul(&b)?.to_dtype(DType::F32)?;
    }
    Ok(2.0 * 512.0 * 576.0 * 1536.0 * reps as f64 / t.elapsed().as_secs_f64() / 1e9)
}

pub fn model(args: &BenchModelArgs) -> anyhow::Result<Outcome> {
    let device = Device::Cpu;
    let t = Instant::now();
    let (model, tokenizer) = load_llama(&args.model, &device).with_context(|| format!("cannot load {}", args.model))?;
    let load_s = t.elapsed().as_secs_f64();
    let cfg = model.cfg;
    let reference = matmul_gflops(&device)?;

    // Prefill: one prompt of `prefill_tokens`, logits at the last position only.
    let ids: Vec<u32> = (0..args.prefill_tokens).map(|i| (100 + (i * 7919) % 40_000) as u32).collect();
    let mut cache = KvCache::new(1, cfg.layers);
    let t = Instant::now();
    let h = model.step(std::slice::from_ref(&ids), &mut cache, Mode::Infer)?;
    let _ = model.logits(&h.get(0)?.get(ids.len() - 1)?)?;
    let prefill_s = t.elapsed().as_secs_f64();
    let prefill_flops =
        flops_per_token(&cfg, args.prefill_tokens) * args.prefill_tokens as f64 + 2.0 * (cfg.hidden * cfg.vocab) as f64;
    let prefill_gflops = prefill_flops / prefill_s / 1e9;

    // Decode: one row, then 16 rows together, each after a 32-token prompt.
    let decode = |rows: usize| -> anyhow::Result<f64> {
        let mut cache = KvCache::new(rows, cfg.layers);
        model.step(&vec![ids[..32].to_vec(); rows], &mut cache, Mode::Infer)?;
        let t = Instant::now();
        for step in 0..args.decode_steps {
            let h = model.step(&vec![vec![(200 + step) as u32]; rows], &mut cache, Mode::Infer)?;
            let _ = model.logits(&h.squeeze(1)?)?;
        }
        Ok((rows * args.decode_steps) as f64 / t.elapsed().as_secs_f64())
    };
    let decode_1 = decode(1)?;
    let decode_16 = decode(16)?;

    // Units/s: the detector judging 16 units (the catalog's examples), system prefix already cached.
    let mut units = Vec::new();
    for entry in reportable() {
        let source = SourceFile::from_string("example.py", entry.vulnerable_example.to_string());
        for unit in chunk(&source, &ChunkOptions::default())?.units.iter().filter(|u| u.def_line.is_some()) {
            units.push(UnitRequest::from_unit(unit, &source));
        }
    }
    units.truncate(16);
    let mut detector = LlamaDetector::new(model, tokenizer, &args.model, None)?;
    detector.batch = 16;
    let t = Instant::now();
    detector.judge(&units)?;
    let units_per_s = units.len() as f64 / t.elapsed().as_secs_f64();

    let mut s = String::new();
    let _ = writeln!(s, "| measure | value |\n|---|---|");
    let _ = writeln!(
        s,
        "| model | {} ({} layers, hidden {}, f32 on CPU, {} threads) |",
        args.model,
        cfg.layers,
        cfg.hidden,
        candle_core::utils::get_num_threads()
    );
    let _ = writeln!(s, "| load (GGUF -> f32) | {load_s:.2} s |");
    let _ = writeln!(s, "| candle f32 matmul (512x576 @ 576x1536), reference | {reference:.1} GFLOP/s |");
    let _ = writeln!(
        s,
        "| prefill, {} tokens | {:.0} tokens/s |",
        args.prefill_tokens,
        args.prefill_tokens as f64 / prefill_s
    );
    let _ = writeln!(
        s,
        "| prefill FLOP rate | {prefill_gflops:.1} GFLOP/s = {:.0}% of the matmul reference |",
        100.0 * prefill_gflops / reference
    );
    let _ = writeln!(s, "| decode, 1 row | {decode_1:.1} tokens/s |");
    let _ =
        writeln!(s, "| decode, 16 rows together | {decode_16:.1} tokens/s ({:.1}x one row) |", decode_16 / decode_1);
    let _ = writeln!(s, "| detector, 16 units in one batch | {units_per_s:.2} units/s |");
    if let Some(rss) = peak_rss_mib() {
        let _ = writeln!(s, "| peak RSS | {rss:.0} MiB |");
    }
    output::write_text(&s)?;
    Ok(Outcome::Clean)
}
