//! E11 — Pascanu, Mikolov & Bengio 2013: the cliffs of a recurrent unit's
//! error surface, gradient clipping (Algorithm 1, through
//! `gradflow::optim::clip_global_norm`), and the `λ₁ < 1/γ` condition under
//! which a vanilla RNN's gradient `∂x_T/∂x_0` must vanish.
//!
//! Run with
//! `cargo run --release --features plot --example rnn_cliffs [-- --flags]`.
//! Flags: `--quick` (the test's configuration), `--seed N`, `--grid N`,
//! `--lr X`, `--clip X`, `--gd-steps N`, `--out DIR` (default
//! `target/repro/rnn_cliffs`). Exits with failure if a pass criterion fails.
//! `--full` (the temporal-order task, part (c)) is not implemented yet.

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/rnn_cliffs.rs"]
mod rnn_cliffs;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};

const USAGE: &str =
    "rnn_cliffs [--quick] [--seed N] [--grid N] [--lr X] [--clip X] [--gd-steps N] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let mut cfg = args.preset(rnn_cliffs::Config::quick, rnn_cliffs::Config::standard);
    cfg.seed = args.seed();
    cfg.grid = args.get("grid", cfg.grid);
    cfg.lr = args.get("lr", cfg.lr);
    cfg.clip = args.get("clip", cfg.clip);
    cfg.gd_steps = args.get("gd-steps", cfg.gd_steps);
    if args.flag("full") {
        eprintln!(
            "note: --full (the temporal-order task of Pascanu et al. §4.1) is not implemented; running parts (a) and (b)"
        );
    }
    let outcome = rnn_cliffs::run(&cfg);
    finish(
        &args.out_dir("rnn_cliffs"),
        started,
        ["a_unit", "b_rnn"]
            .map(|n| format!("table_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[],
        |out| rnn_cliffs::figures(&outcome, out),
    )
}
