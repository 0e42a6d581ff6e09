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

use common::{Args, OutDir};

const USAGE: &str =
    "adam_updates [--quick] [--seed N] [--steps N] [--sgd-lr X] [--adam-lr X] [--out DIR]";

fn main() -> ExitCode {
    let args = Args::parse(USAGE);
    let mut cfg = if args.flag("quick") {
        adam_updates::Config::quick()
    } else {
        adam_updates::Config::standard()
    };
    cfg.seed = args.seed();
    cfg.steps = args.get("steps", cfg.steps);
    cfg.sgd_lr = args.get("sgd-lr", cfg.sgd_lr);
    cfg.adam_lr = args.get("adam-lr", cfg.adam_lr);
    let start = std::time::Instant::now();
    let outcome = adam_updates::run(&cfg);
    let out = match OutDir::create(args.out_dir("adam_updates")) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    let names = ["a_steps", "b_decay", "c_layers"];
    for (t, name) in outcome.tables.iter().zip(names) {
        println!("{t}");
        ok &= t.passed();
        if let Err(e) = out.write_table(&format!("table_{name}.csv"), t) {
            eprintln!("error: {e}");
            ok = false;
        }
    }
    match adam_updates::figures(&outcome, &out) {
        Ok(paths) => {
            for p in paths {
                println!("figure: {}", p.display());
            }
        }
        Err(e) => {
            eprintln!("error drawing figures: {e}");
            ok = false;
        }
    }
    println!(
        "outputs in {} ({:.1} s)",
        out.path().display(),
        start.elapsed().as_secs_f64()
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
