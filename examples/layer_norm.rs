//! E9 — Ba, Kiros & Hinton 2016, Layer Normalization. (a) Table 1's
//! invariances, tested exactly in f64: layer norm is invariant to
//! `W → δW + 1γᵀ` and to rescaling a single example; batch norm to
//! per-neuron weight rescaling and to shifting or rescaling the whole
//! dataset, but not to rescaling one example. (b) Fig. 6's batch-size
//! robustness on the digits: none / BN / LN at batch 128 and batch 4; LN's
//! training loss depends less on the batch size than BN's.
//!
//! Run with
//! `cargo run --release --features plot --example layer_norm [-- --flags]`.
//! Flags: `--epochs 4`, `--seeds 5`, `--width 256`, `--seed 0`,
//! `--out DIR` (default `target/repro/layer_norm`).

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/layer_norm.rs"]
mod layer_norm;

use std::process::ExitCode;

use common::{Args, OutDir};
use layer_norm::{Config, figures, run};

const USAGE: &str = "layer_norm [--epochs N] [--seeds K] [--width N] [--seed S] [--out DIR]";

fn main() -> ExitCode {
    let args = Args::parse(USAGE);
    let std = Config::standard();
    let cfg = Config {
        epochs: args.get("epochs", std.epochs),
        seeds: args.get("seeds", std.seeds),
        width: args.get("width", std.width),
        seed: args.seed(),
        ..std
    };
    let outcome = run(&cfg);
    let mut ok = true;
    for t in &outcome.tables {
        println!("{t}");
        ok &= t.passed();
    }
    let out = match OutDir::create(args.out_dir("layer_norm")) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let names = ["invariances", "batch_size"];
    for (t, name) in outcome.tables.iter().zip(names) {
        if let Err(e) = out.write_table(&format!("layer_norm_{name}.csv"), t) {
            eprintln!("error: {e}");
            ok = false;
        }
    }
    match figures(&outcome, &out) {
        Ok(files) => {
            for f in files {
                println!("figure: {}", f.display());
            }
        }
        Err(e) => {
            eprintln!("error writing figures: {e}");
            ok = false;
        }
    }
    println!("output folder: {}", out.path().display());
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
