//! E3 — the sigmoid's ¼ derivative bound and Hochreiter's "weights below
//! 4.0" rule, at initialization (papers.md §2 E3).
//!
//! A 10-layer, width-128 stack with zero biases and Gaussian weights of
//! `σ_w² = n·Var[W] ∈ {1/3, 1, 4, 16}` (sigmoid) and tanh at gain 1 and
//! 5/3, fed Gaussian inputs. The gradient-flow monitor reads `∂C/∂h_l` at
//! every activation; each layer's ratio `‖∂C/∂h_(l−1)‖/‖∂C/∂h_l‖` is
//! printed beside the mean-field prediction `√(σ_w² E[f'(√q_l z)²])`
//! (computed by quadrature, not hard-coded) and the ¼ bound.
//!
//! Run: `cargo run --release --features plot --example sigmoid_bound [-- --quick --seeds 7 --batch 128 --depth 10 --width 128 --seed 0 --out DIR]`

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/sigmoid_bound.rs"]
mod sigmoid_bound;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};
use sigmoid_bound::Config;

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(
        "sigmoid_bound [--quick] [--depth 10] [--width 128] [--batch 128] [--seeds 7] [--seed 0] [--out DIR]",
    );
    let base = args.preset(Config::quick, Config::standard);
    let cfg = Config {
        depth: args.get("depth", base.depth),
        width: args.get("width", base.width),
        batch: args.get("batch", base.batch),
        seeds: args.get("seeds", base.seeds),
        seed: args.seed(),
        ..base
    };
    let outcome = sigmoid_bound::run(&cfg);
    finish(
        &args.out_dir("sigmoid_bound"),
        started,
        (outcome.tables.iter().enumerate()).map(|(i, t)| (format!("table_{}.csv", i + 1), t)),
        &[],
        |out| sigmoid_bound::figures(&outcome, out),
    )
}
