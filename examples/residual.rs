//! E10 — plain vs residual networks: the `(1+α²)^L` growth of unnormalized
//! residual stacks at init (De & Smith 2020; SkipInit; Fixup) and the
//! degradation of deep plain BN+ReLU nets that residual nets avoid (He et
//! al. 2016, Fig. 1/6), on the digits.
//!
//! Run with
//! `cargo run --release --features plot --example residual [-- --flags]`.
//! Flags: `--quick` (the test's configuration), `--seed N`, `--steps N`,
//! `--lr X`, `--train-seeds N`, `--init-seeds N`, `--out DIR` (default
//! `target/repro/residual`). Exits with failure if a pass criterion fails.

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/residual.rs"]
mod residual;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};

const USAGE: &str = "residual [--quick] [--seed N] [--steps N] [--lr X] [--train-seeds N] [--init-seeds N] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let mut cfg = args.preset(residual::Config::quick, residual::Config::standard);
    cfg.seed = args.seed();
    cfg.steps = args.get("steps", cfg.steps);
    cfg.lr = args.get("lr", cfg.lr);
    cfg.train_seeds = args.get("train-seeds", cfg.train_seeds);
    cfg.init_seeds = args.get("init-seeds", cfg.init_seeds);
    let outcome = residual::run(&cfg);
    finish(
        &args.out_dir("residual"),
        started,
        ["a_init", "b_training"]
            .map(|n| format!("table_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[],
        |out| residual::figures(&outcome, out),
    )
}
