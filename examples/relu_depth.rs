//! He et al. 2015 ("Delving Deep into Rectifiers", Figs. 2–3) and Hanin
//! 2018 on deep plain ReLU MLPs (papers.md E4 + E5).
//!
//! * E4: Xavier-normal vs He-normal init at depths 8, 22, 30 (width 128) on
//!   the digits with SGD. At init the mean squared-norm ratio
//!   ‖h_L‖²/‖h_0‖² is exactly Π(n·Var/2): 1 for He, about 2^-L for Xavier;
//!   the monitor shows the activation gradients ∂C/∂s vanish toward the
//!   input under Xavier. He-30 trains; Xavier-30 stalls near ln 10.
//! * E5: Hanin's β = Σ1/n. Over thousands of random He-Gaussian ReLU nets
//!   (10×20, 20×40, 40×80, 40×20) the log of ‖h_L‖²/‖h_0‖² has exactly the
//!   mean and variance computed here from digamma/trigamma: equal β, nearly
//!   equal spread; the mean of the ratio itself stays 1.
//!
//! Run: `cargo run --release --features plot --example relu_depth [-- --flags]`
//! Flags: `--depths 8,22,30` `--steps N` `--lr X` `--momentum X` `--seeds N` (training seeds)
//! `--nets N` (E5 nets per configuration) `--seed S` `--out DIR` `--quick`.

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/relu_depth.rs"]
mod relu_depth;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};
use relu_depth::Config;

fn main() -> ExitCode {
    let started = Instant::now();
    let args = Args::parse(
        "relu_depth: He vs Xavier on deep ReLU MLPs, and Hanin's β\n\
         usage: cargo run --release --features plot --example relu_depth -- \
         [--quick] [--depths 8,22,30] [--steps N] [--lr X] [--momentum X] [--seeds N] [--nets N] [--seed S] [--out DIR]",
    );
    let base = args.preset(Config::quick, Config::standard);
    let cfg = Config {
        depths: args.list("depths", &base.depths),
        steps: args.get("steps", base.steps),
        lr: args.get("lr", base.lr),
        momentum: args.get("momentum", base.momentum),
        train_seeds: args.get("seeds", base.train_seeds),
        hanin_nets: args.get("nets", base.hanin_nets),
        seed: args.seed(),
        ..base
    };
    let outcome = relu_depth::run(&cfg);
    finish(
        &args.out_dir("relu_depth"),
        started,
        ["table_e4.csv", "table_e5.csv"]
            .into_iter()
            .zip(&outcome.tables),
        &[("curves.csv", relu_depth::curves_csv(&outcome))],
        |out| relu_depth::figures(&outcome, out),
    )
}
