//! Saxe, McClelland & Ganguli 2014, "Exact solutions to the nonlinear
//! dynamics of learning in deep linear neural networks" (papers.md E6).
//!
//! * (a) Products of L random 128×128 matrices: scaled Gaussian (var 1/n)
//!   keeps the norm on average (mean s² = 1) but its spectrum spreads out
//!   toward the Fuss–Catalan edge (L+1)^{L+1}/L^L with most singular values
//!   tiny; products of orthogonal matrices (`Init::Orthogonal`) keep every
//!   singular value at 1 to rounding.
//! * (b) A 3-layer linear net W₂W₁ on whitened inputs from a tiny balanced
//!   init: each mode strength follows Eq. 12 (a plateau, then a sigmoidal
//!   rise) and is half-learned at Eq. 11's t½ = (τ/2s)·ln((s−u₀)/u₀).
//! * (c) Deep linear nets on digits regression: steps to a fixed train MSE
//!   vs depth, orthogonal vs scaled-Gaussian init (Fig. 6A).
//!
//! Run: `cargo run --release --features plot --example orthogonal_linear [-- --flags]`
//! Flags: `--depths 2,8,32` `--lr X` (η of (c), lr = η/D) `--target X`
//! `--cap N` `--seeds N` `--seed S` `--out DIR` `--quick`.

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/orthogonal_linear.rs"]
mod orthogonal_linear;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};
use orthogonal_linear::Config;

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(
        "orthogonal_linear: Saxe 2014 — spectra, exact learning curves, depth\n\
         usage: cargo run --release --features plot --example orthogonal_linear -- \
         [--quick] [--depths 2,8,32] [--lr X] [--target X] [--cap N] [--seeds N] [--seed S] [--out DIR]",
    );
    let base = args.preset(Config::quick, Config::standard);
    let cfg = Config {
        depths: args.list("depths", &base.depths),
        lr_c: args.get("lr", base.lr_c),
        target_mse: args.get("target", base.target_mse),
        max_steps: args.get("cap", base.max_steps),
        seeds: args.get("seeds", base.seeds),
        seed: args.seed(),
        ..base
    };
    let outcome = orthogonal_linear::run(&cfg);
    finish(
        &args.out_dir("orthogonal_linear"),
        started,
        ["table_e6a.csv", "table_e6b.csv", "table_e6c.csv"]
            .into_iter()
            .zip(&outcome.tables),
        &[("curves_c.csv", orthogonal_linear::curves_csv(&outcome))],
        |out| orthogonal_linear::figures(&outcome, out),
    )
}
