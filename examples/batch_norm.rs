//! E8 — batch normalization. (a) Ioffe & Szegedy 2015 §4.1 on the digits:
//! a 64 → 3×100 sigmoid → 10 MLP with N(0, 0.01²) weights, SGD at batch 60,
//! with and without `BatchNorm1d` before each sigmoid: test accuracy over
//! the steps and the {15, 50, 85}th percentiles of one last-layer sigmoid
//! input. (b) The caveat: a plain 20-layer BN → ReLU net at init, where the
//! gradient-flow monitor sees the squared gradient norm grow by
//! π/(π−1) ≈ 1.467 per layer toward the input (Yang et al. 2019).
//!
//! Run with
//! `cargo run --release --features plot --example batch_norm [-- --flags]`.
//! Flags: `--steps 3000`, `--lr 0.5`, `--seeds 5` (training seeds),
//! `--depth 20`, `--width 128`, `--batch 128` (part b), `--seed 0`,
//! `--out DIR` (default `target/repro/batch_norm`).

#[path = "repro/batch_norm.rs"]
mod batch_norm;
#[path = "repro/common/mod.rs"]
mod common;

use std::process::ExitCode;
use std::time::Instant;

use batch_norm::{Config, figures, run};
use common::{Args, finish};

const USAGE: &str = "batch_norm [--steps N] [--lr LR] [--seeds K] [--depth L] [--width N] [--batch B] [--seed S] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let std = Config::standard();
    let cfg = Config {
        steps: args.get("steps", std.steps),
        lr: args.get("lr", std.lr),
        train_seeds: args.get("seeds", std.train_seeds),
        depth: args.get("depth", std.depth),
        width: args.get("width", std.width),
        init_batch: args.get("batch", std.init_batch),
        seed: args.seed(),
        ..std
    };
    let outcome = run(&cfg);
    finish(
        &args.out_dir("batch_norm"),
        started,
        ["sigmoid_mnist_replica", "bn_relu_explosion"]
            .map(|n| format!("batch_norm_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[],
        |out| figures(&outcome, out),
    )
}
