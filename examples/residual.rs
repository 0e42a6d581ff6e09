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

use common::{Args, OutDir};

const USAGE: &str = "residual [--quick] [--seed N] [--steps N] [--lr X] [--train-seeds N] [--init-seeds N] [--out DIR]";

fn main() -> ExitCode {
    let args = Args::parse(USAGE);
    let mut cfg = if args.flag("quick") {
        residual::Config::quick()
    } else {
        residual::Config::standard()
    };
    cfg.seed = args.seed();
    cfg.steps = args.get("steps", cfg.steps);
    cfg.lr = args.get("lr", cfg.lr);
    cfg.train_seeds = args.get("train-seeds", cfg.train_seeds);
    cfg.init_seeds = args.get("init-seeds", cfg.init_seeds);
    let start = std::time::Instant::now();
    let outcome = residual::run(&cfg);
    let mut ok = true;
    let out = match OutDir::create(args.out_dir("residual")) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (i, t) in outcome.tables.iter().enumerate() {
        println!("{t}");
        ok &= t.passed();
        if let Err(e) = out.write_table(&format!("table_{}.csv", ["a_init", "b_training"][i]), t) {
            eprintln!("error: {e}");
            ok = false;
        }
    }
    match residual::figures(&outcome, &out) {
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
