//! The seed's case: recurrent nets through time: `‖∂L/∂h_t‖` against `t` at init for a
//! tanh RNN and an LSTM (Bengio et al. 1994; Hochreiter & Schmidhuber
//! 1997), an exploding RNN with and without gradient clipping (Pascanu et
//! al. 2013), and a recall-the-first-token task over a sweep of lengths.
//!
//! Run with
//! `cargo run --release --features plot --example rnn_through_time [-- --flags]`.
//! Flags: `--quick` (the test's configuration), `--seed N`, `--steps N`,
//! `--lr X`, `--batch N`, `--noise X`, `--lengths 5,10,20,40`, `--init-seeds N`, `--train-seeds N`, `--out DIR`
//! (default `target/repro/rnn_through_time`). Exits with failure if a pass
//! criterion fails.

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/rnn_through_time.rs"]
mod rnn_through_time;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};

const USAGE: &str = "rnn_through_time [--quick] [--seed N] [--steps N] [--lr X] [--batch N] [--noise X] [--lengths A,B,..] [--init-seeds N] [--train-seeds N] [--out DIR]";

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(USAGE);
    let mut cfg = args.preset(
        rnn_through_time::Config::quick,
        rnn_through_time::Config::standard,
    );
    cfg.seed = args.seed();
    cfg.steps = args.get("steps", cfg.steps);
    cfg.lr = args.get("lr", cfg.lr);
    cfg.batch = args.get("batch", cfg.batch);
    cfg.noise = args.get("noise", cfg.noise);
    cfg.lengths = args.list("lengths", &cfg.lengths);
    cfg.init_seeds = args.get("init-seeds", cfg.init_seeds);
    cfg.train_seeds = args.get("train-seeds", cfg.train_seeds);
    cfg.explode_sigma = args.get("explode-sigma", cfg.explode_sigma);
    cfg.explode_lr = args.get("explode-lr", cfg.explode_lr);
    cfg.explode_t = args.get("explode-t", cfg.explode_t);
    cfg.explode_steps = args.get("explode-steps", cfg.explode_steps);
    if args.flag("explode-tanh") {
        cfg.explode_act = gradflow::nn::RnnNonlinearity::Tanh;
    }
    let outcome = rnn_through_time::run(&cfg);
    finish(
        &args.out_dir("rnn_through_time"),
        started,
        ["a_init", "b_explode", "c_recall"]
            .map(|n| format!("table_{n}.csv"))
            .into_iter()
            .zip(&outcome.tables),
        &[],
        |out| rnn_through_time::figures(&outcome, out),
    )
}
