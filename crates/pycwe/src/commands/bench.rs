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
use crate::args::{BenchCodegenArgs, BenchModelArgs};
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

/// candle's f32 matmul rate on a `[512, k] x [k, n]` product (the reference a forward pass can approach).
fn matmul_gflops(device: &Device) -> anyhow::Result<f64> {
    matmul_gflops_of(device, 576, 1536)
}

fn matmul_gflops_of(device: &Device, k: usize, n: usize) -> anyhow::Result<f64> {
    let a = Tensor::randn(0f32, 1.0, (512, k), device)?;
    let b = Tensor::randn(0f32, 1.0, (k, n), device)?;
    let _ = a.matmul(&b)?; // warm up
    let reps = 20;
    let t = Instant::now();
    for _ in 0..reps {
        let _ = a.matmul(&b)?.to_dtype(DType::F32)?;
    }
    Ok(2.0 * 512.0 * (k * n) as f64 * reps as f64 / t.elapsed().as_secs_f64() / 1e9)
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

    // Decode tokens/s for the rows of `cache`, each after its own 32-token prompt.
    let decode_from = |model: &pycwe_model::models::llama::Llama, mut cache: KvCache| -> anyhow::Result<f64> {
        let rows = cache.rows();
        model.step(&vec![ids[..32].to_vec(); rows], &mut cache, Mode::Infer)?;
        let t = Instant::now();
        for step in 0..args.decode_steps {
            let h = model.step(&vec![vec![(200 + step) as u32]; rows], &mut cache, Mode::Infer)?;
            let _ = model.logits(&h.squeeze(1)?)?;
        }
        Ok((rows * args.decode_steps) as f64 / t.elapsed().as_secs_f64())
    };
    // One row, then 16 rows together, from an empty cache.
    let decode =
        |model: &pycwe_model::models::llama::Llama, rows: usize| decode_from(model, KvCache::new(rows, cfg.layers));
    let decode_1 = decode(&model, 1)?;
    let decode_16 = decode(&model, 16)?;
    // The detector's situation: every row starts with the system prefix, then its own 32 tokens.
    // Copied per row (how the cache worked before cascade attention) vs kept once and shared.
    let prefix_ids = pycwe_model::chat::prefix_tokens(&tokenizer)?;
    let mut prefix = KvCache::new(1, cfg.layers);
    model.step(std::slice::from_ref(&prefix_ids), &mut prefix, Mode::Infer)?;
    let after_prefix = |rows: usize, shared: bool| -> anyhow::Result<f64> {
        decode_from(&model, if shared { prefix.share(rows)? } else { prefix.repeat(rows)? })
    };
    let prefixed_1 = after_prefix(1, true)?;
    let prefixed_16_copied = after_prefix(16, false)?;
    let prefixed_16 = after_prefix(16, true)?;
    let mut q8 = model.clone();
    q8.quantize_for_decode()?;
    let q8_decode_1 = decode(&q8, 1)?;
    let q8_decode_16 = decode(&q8, 16)?;

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
    let f32_answers = detector.judge(&units)?;
    let units_per_s = units.len() as f64 / t.elapsed().as_secs_f64();
    detector.use_q8_decode()?;
    let t = Instant::now();
    let q8_answers = detector.judge(&units)?;
    let q8_units_per_s = units.len() as f64 / t.elapsed().as_secs_f64();
    let same = f32_answers.iter().zip(&q8_answers).filter(|(a, b)| a.answer == b.answer).count();

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
    let p = prefix_ids.len();
    let _ = writeln!(s, "| decode after the {p}-token system prefix, 1 row | {prefixed_1:.1} tokens/s |");
    let _ = writeln!(
        s,
        "| decode after the {p}-token system prefix, 16 rows, prefix copied per row | {prefixed_16_copied:.1} tokens/s ({:.1}x one row) |",
        prefixed_16_copied / prefixed_1
    );
    let _ = writeln!(
        s,
        "| decode after the {p}-token system prefix, 16 rows, prefix shared (cascade attention) | {prefixed_16:.1} tokens/s ({:.1}x one row, {:.2}x copied) |",
        prefixed_16 / prefixed_1,
        prefixed_16 / prefixed_16_copied
    );
    let _ = writeln!(
        s,
        "| decode with Q8_0 weights, 1 row | {q8_decode_1:.1} tokens/s ({:.1}x f32) |",
        q8_decode_1 / decode_1
    );
    let _ = writeln!(
        s,
        "| decode with Q8_0 weights, 16 rows together | {q8_decode_16:.1} tokens/s ({:.1}x f32) |",
        q8_decode_16 / decode_16
    );
    let _ = writeln!(s, "| detector, 16 units in one batch, f32 | {units_per_s:.2} units/s |");
    let _ = writeln!(
        s,
        "| detector, 16 units in one batch, Q8_0 decode | {q8_units_per_s:.2} units/s ({:.1}x; {same} of {} answers identical to f32) |",
        q8_units_per_s / units_per_s,
        units.len()
    );
    if let Some(rss) = peak_rss_mib() {
        let _ = writeln!(s, "| peak RSS | {rss:.0} MiB |");
    }
    output::write_text(&s)?;
    Ok(Outcome::Clean)
}

/// `pycwe bench codegen`: what the paper's model costs on this machine, measured on random weights
/// of codegen-350M-mono's real shape (the real checkpoint has the same cost; it cannot be fetched here).
pub fn codegen(args: &BenchCodegenArgs) -> anyhow::Result<Outcome> {
    use pycwe_model::models::codegen::{Codegen, CodegenConfig, PROJECTIONS};

    let device = Device::Cpu;
    let cfg = CodegenConfig::codegen_350m_mono();
    let (e, inner) = (cfg.n_embd, cfg.inner());
    let reference = matmul_gflops_of(&device, e, inner)?;
    let t = Instant::now();
    let model = Codegen::random(cfg.clone(), 0, &device)?;
    let init_s = t.elapsed().as_secs_f64();
    let n = args.tokens;
    let ids: Vec<u32> = (0..n).map(|i| (100 + (i * 7919) % 50_000) as u32).collect();

    // Forward, logits at the last position (what inference needs).
    let mut cache = KvCache::new(1, cfg.n_layer);
    let t = Instant::now();
    let h = model.step(std::slice::from_ref(&ids), &mut cache, Mode::Infer)?;
    let _ = model.logits(&h.get(0)?.get(n - 1)?)?;
    let forward_s = t.elapsed().as_secs_f64();
    let per_token =
        cfg.n_layer as f64 * 2.0 * (4.0 * (e * e) as f64 + 2.0 * (e * inner) as f64 + 2.0 * n as f64 * e as f64);
    let forward_gflops = (per_token * n as f64 + 2.0 * (e * cfg.vocab_size) as f64) / forward_s / 1e9;

    let batch = super::bench_train::synthetic_batch(1, n, cfg.vocab_size);
    let train_forward_s = super::bench_train::forward_seconds(&model, &[], &batch)?;
    let ways = super::bench_train::ways(&PROJECTIONS, cfg.n_layer, args.lora_rank, 4);
    let costs = super::bench_train::step_costs(&model, &[], &batch, args.steps, ways)?;

    let mut s = String::new();
    let _ = writeln!(s, "| measure | value |\n|---|---|");
    let _ = writeln!(
        s,
        "| model | codegen-350m-mono shape, random weights ({} layers, n_embd {e}, f32 on CPU, {} threads) |",
        cfg.n_layer,
        candle_core::utils::get_num_threads()
    );
    let _ = writeln!(s, "| candle f32 matmul (512x{e} @ {e}x{inner}), reference | {reference:.1} GFLOP/s |");
    let _ = writeln!(s, "| build (random init) | {init_s:.1} s |");
    let _ = writeln!(s, "| forward, {n} tokens | {forward_s:.2} s ({:.0} tokens/s) |", n as f64 / forward_s);
    let _ = writeln!(
        s,
        "| forward FLOP rate | {forward_gflops:.1} GFLOP/s = {:.0}% of the matmul reference |",
        100.0 * forward_gflops / reference
    );
    let _ = writeln!(
        s,
        "\n| training step, one example of {n} tokens | trainable params | per step | tokens/s | time vs forward |\n|---|---:|---:|---:|---:|"
    );
    super::bench_train::write_rows(&mut s, &costs, train_forward_s, n);
    if let Some(rss) = peak_rss_mib() {
        let _ = writeln!(s, "| peak RSS | {rss:.0} MiB |");
    }
    output::write_text(&s)?;
    Ok(Outcome::Clean)
}
