//! E9 — Ba, Kiros & Hinton 2016, Layer Normalization. (a) Table 1's
//! invariances, tested exactly in f64: layer norm is invariant to
//! `W → δW + 1γᵀ` and to rescaling a single example; batch norm to
//! per-neuron weight rescaling and to shifting or rescaling the whole
//! dataset, but not to rescaling one example. (b) Fig. 6's batch-size
//! robustness on the digits: none / BN / LN at batch 128 and batch 4; LN's
//! training loss depends less on the batch size than BN's.
//!
//! Run with
//! `cargo run --release --features plot --example layer_norm [-- --flags]`.
//! Flags: `--epochs 4`, `--seeds 5`, `--width 256`, `--seed 0`,
//! `--out DIR` (default `target/repro/layer_norm`).

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/layer_norm.rs"]
mod layer_norm;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};
use layer_norm::{Config, figures, run};

const USAGE: &str = "layer_norm [--epochs N] [--seeds K] [--width N] [--seed S] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let std = Config::standard();
    let cfg = Config {
        epochs: args.get("epochs", std.epochs),
        seeds: args.get("seeds", std.seeds),
        width: args.get("width", std.width),
        seed: args.seed(),
        ..std
    };
    let outcome = run(&cfg);
    finish(
        &args.out_dir("layer_norm"),
        started,
        ["invariances", "batch_size"]
            .map(|n| format!("layer_norm_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[],
        |out| figures(&outcome, out),
    )
}
