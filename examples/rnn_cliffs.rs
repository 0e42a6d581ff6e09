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

use common::{Args, OutDir};

const USAGE: &str =
    "rnn_cliffs [--quick] [--seed N] [--grid N] [--lr X] [--clip X] [--gd-steps N] [--out DIR]";

fn main() -> ExitCode {
    let args = Args::parse(USAGE);
    let mut cfg = if args.flag("quick") {
        rnn_cliffs::Config::quick()
    } else {
        rnn_cliffs::Config::standard()
    };
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
    let start = std::time::Instant::now();
    let outcome = rnn_cliffs::run(&cfg);
    let out = match OutDir::create(args.out_dir("rnn_cliffs")) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    for (i, t) in outcome.tables.iter().enumerate() {
        println!("{t}");
        ok &= t.passed();
        if let Err(e) = out.write_table(&format!("table_{}.csv", ["a_unit", "b_rnn"][i]), t) {
            eprintln!("error: {e}");
            ok = false;
        }
    }
    match rnn_cliffs::figures(&outcome, &out) {
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
