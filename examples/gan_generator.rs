//! The generator of a GAN (Goodfellow et al. 2014, §3): the
//! saturating loss `log(1 − D(G(z)))` loses the generator's gradient once
//! the discriminator is confident; the non-saturating `−log D(G(z))` does
//! not. 8 Gaussians on a circle, small MLPs, Adam, the generator's gradient
//! norm recorded by `GradMonitor`.
//!
//! Run with
//! `cargo run --release --features plot --example gan_generator [-- --flags]`.
//! Flags: `--quick` (the test's configuration), `--seed N`, `--steps N`,
//! `--pretrain N`, `--batch N`, `--lr X`, `--out DIR` (default
//! `target/repro/gan_generator`). Exits with failure if a pass criterion
//! fails.

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/gan_generator.rs"]
mod gan_generator;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};

const USAGE: &str = "gan_generator [--quick] [--seed N] [--steps N] [--pretrain N] [--batch N] [--lr X] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let mut cfg = args.preset(
        gan_generator::Config::quick,
        gan_generator::Config::standard,
    );
    cfg.seed = args.seed();
    cfg.steps = args.get("steps", cfg.steps);
    cfg.pretrain = args.get("pretrain", cfg.pretrain);
    cfg.batch = args.get("batch", cfg.batch);
    cfg.lr = args.get("lr", cfg.lr);
    let outcome = gan_generator::run(&cfg);
    finish(
        &args.out_dir("gan_generator"),
        started,
        ["a_grad_norm", "b_modes"]
            .map(|n| format!("table_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[],
        |out| gan_generator::figures(&outcome, out),
    )
}
