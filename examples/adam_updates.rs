//! E12 — optimizers and gradient flow: Adam's first step and its bias
//! correction (Kingma & Ba 2015), the `α(1−β₁)/√(1−β₂)` step bound on
//! random gradient streams, decoupled weight decay vs L2 for SGD and Adam
//! (Loshchilov & Hutter 2019), and SGD vs Adam update-to-weight ratios per
//! layer on a standard-init deep sigmoid net: Adam's updates are
//! layer-uniform while the gradient still vanishes.
//!
//! Run with
//! `cargo run --release --features plot --example adam_updates [-- --flags]`.
//! Flags: `--quick` (the test's configuration), `--seed N`, `--steps N`,
//! `--sgd-lr X`, `--adam-lr X`, `--out DIR` (default
//! `target/repro/adam_updates`). Exits with failure if a pass criterion fails.

#[path = "repro/adam_updates.rs"]
mod adam_updates;
#[path = "repro/common/mod.rs"]
mod common;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};

const USAGE: &str =
    "adam_updates [--quick] [--seed N] [--steps N] [--sgd-lr X] [--adam-lr X] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let mut cfg = args.preset(adam_updates::Config::quick, adam_updates::Config::standard);
    cfg.seed = args.seed();
    cfg.steps = args.get("steps", cfg.steps);
    cfg.sgd_lr = args.get("sgd-lr", cfg.sgd_lr);
    cfg.adam_lr = args.get("adam-lr", cfg.adam_lr);
    let outcome = adam_updates::run(&cfg);
    finish(
        &args.out_dir("adam_updates"),
        started,
        ["a_steps", "b_decay", "c_layers"]
            .map(|n| format!("table_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[],
        |out| adam_updates::figures(&outcome, out),
    )
}
