//! Deep convolutional nets on the 8×8 digits: plain 3×3 conv stacks vs the
//! same stacks with residual connections (He et al. 2016) and with batch
//! norm (Ioffe & Szegedy 2015) — gradient profiles at init and training
//! accuracy after a fixed budget, against depth.
//!
//! Run with
//! `cargo run --release --features plot --example cnn_depth [-- --flags]`.
//! Flags: `--quick` (the test's configuration), `--seed N`, `--steps N`,
//! `--lr X`, `--depths 3,9,21`, `--no-bn` (skip the BN variant), `--out DIR` (default
//! `target/repro/cnn_depth`). Exits with failure if a pass criterion fails.

#[path = "repro/cnn_depth.rs"]
mod cnn_depth;
#[path = "repro/common/mod.rs"]
mod common;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};

const USAGE: &str =
    "cnn_depth [--quick] [--seed N] [--steps N] [--lr X] [--depths 3,9,21] [--no-bn] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let mut cfg = args.preset(cnn_depth::Config::quick, cnn_depth::Config::standard);
    cfg.seed = args.seed();
    cfg.steps = args.get("steps", cfg.steps);
    cfg.lr = args.get("lr", cfg.lr);
    cfg.depths = args.list("depths", &cfg.depths);
    if args.flag("no-bn") {
        cfg.variants.retain(|&v| v != cnn_depth::Variant::PlainBn);
    }
    let outcome = cnn_depth::run(&cfg);
    finish(
        &args.out_dir("cnn_depth"),
        started,
        ["a_init", "b_training"]
            .map(|n| format!("table_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[("profiles.csv", outcome.profile_csv())],
        |out| cnn_depth::figures(&outcome, out),
    )
}
