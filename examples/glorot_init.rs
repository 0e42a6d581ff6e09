//! E1 + E2 — Glorot & Bengio 2010, "Understanding the difficulty of
//! training deep feedforward neural networks" (papers.md §2 E1, E2).
//!
//! E1, at initialization: a 64 → 5×256 → 10 MLP (zero biases) with tanh,
//! softsign or sigmoid, Glorot's standard init `U[±1/√n]`
//! (`Init::GlorotStandard`, PyTorch's `nn.Linear` default) vs normalized
//! init (`Init::xavier_uniform()`), one forward/backward pass on 300 digits.
//! The gradient-flow monitor reads `∂C/∂s_l` and `∂C/∂W_l` per layer; the
//! per-layer backward factor is compared with the mean-field
//! `χ_l = E[f'(√q_l z)²]·n Var[W]` computed by quadrature from the measured
//! `q_l`; the layer Jacobians' mean singular values with Glorot's ≈0.5 / ≈0.8.
//!
//! E2, during training: 4- and 5-layer sigmoid, 4-layer tanh and softsign
//! nets (standard init) trained with SGD on mini-batches of 10; the sigmoid
//! top hidden layer saturates at 0 early (Fig. 2).
//!
//! Run: `cargo run --release --features plot --example glorot_init [-- --quick --seeds 5 --updates 3000 --lr 0.1 --seed 0 --out DIR]`

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/glorot_init.rs"]
mod glorot_init;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};
use glorot_init::Config;

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(
        "glorot_init [--quick] [--seeds 5] [--updates 3000] [--lr 0.1] [--jacobian-examples 3] [--seed 0] [--out DIR]",
    );
    let base = args.preset(Config::quick, Config::standard);
    let cfg = Config {
        seeds: args.get("seeds", base.seeds),
        updates: args.get("updates", base.updates),
        lr: args.get("lr", base.lr),
        jacobian_examples: args.get("jacobian-examples", base.jacobian_examples),
        seed: args.seed(),
        ..base
    };
    let outcome = glorot_init::run(&cfg);
    finish(
        &args.out_dir("glorot_init"),
        started,
        (outcome.tables.iter().enumerate()).map(|(i, t)| (format!("table_{}.csv", i + 1), t)),
        &[],
        |out| glorot_init::figures(&outcome, out),
    )
}
