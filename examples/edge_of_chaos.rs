//! E7 — Schoenholz et al. 2017, "Deep Information Propagation": a tanh MLP
//! (width 256, L = 50, biases N(0, 0.05), weights N(0, σ_w²/n)) at
//! initialization, for σ_w² ∈ {1.0, 1.5, 1.76, 2.5, 4.0}. The mean-field
//! fixed point q* and the per-layer gradient factor χ₁ are computed by
//! quadrature and compared with what gradflow's gradient-flow monitor
//! measures: vanishing (ordered), flat (critical σ_w² ≈ 1.76), exploding
//! (chaotic).
//!
//! Run with
//! `cargo run --release --features plot --example edge_of_chaos [-- --flags]`.
//! Flags: `--width 256`, `--depth 50`, `--batch 32`, `--seeds 5`,
//! `--seed 0`, `--full` (adds the trainability grid: depths 10–80 × σ_w²,
//! 300 SGD steps each on the digits, about 1–2 minutes), `--out DIR`
//! (default `target/repro/edge_of_chaos`).

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/edge_of_chaos.rs"]
mod edge_of_chaos;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};
use edge_of_chaos::{Config, figures, run};

const USAGE: &str =
    "edge_of_chaos [--width N] [--depth L] [--batch B] [--seeds K] [--seed S] [--full] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let std = Config::standard();
    let cfg = Config {
        width: args.get("width", std.width),
        depth: args.get("depth", std.depth),
        batch: args.get("batch", std.batch),
        seeds: args.get("seeds", std.seeds),
        seed: args.seed(),
        grid: args.flag("full"),
        ..std
    };
    let outcome = run(&cfg);
    finish(
        &args.out_dir("edge_of_chaos"),
        started,
        ["theory", "init", "grid"]
            .map(|n| format!("edge_of_chaos_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[],
        |out| figures(&outcome, out),
    )
}
