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

use common::{Args, OutDir};
use orthogonal_linear::Config;

fn main() -> ExitCode {
    let args = Args::parse(
        "orthogonal_linear: Saxe 2014 — spectra, exact learning curves, depth\n\
         usage: cargo run --release --features plot --example orthogonal_linear -- \
         [--quick] [--depths 2,8,32] [--lr X] [--target X] [--cap N] [--seeds N] [--seed S] [--out DIR]",
    );
    let base = if args.flag("quick") {
        Config::quick()
    } else {
        Config::standard()
    };
    let depths: String = args.get(
        "depths",
        base.depths
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(","),
    );
    let depths = depths
        .split(',')
        .map(|d| d.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| {
            eprintln!("error: --depths {depths}: {e}");
            std::process::exit(2);
        });
    let cfg = Config {
        depths,
        lr_c: args.get("lr", base.lr_c),
        target_mse: args.get("target", base.target_mse),
        max_steps: args.get("cap", base.max_steps),
        seeds: args.get("seeds", base.seeds),
        seed: args.seed(),
        ..base
    };
    let started = std::time::Instant::now();
    let outcome = orthogonal_linear::run(&cfg);
    for t in &outcome.tables {
        println!("{t}");
    }
    let dir = args.out_dir("orthogonal_linear");
    let written = OutDir::create(&dir).and_then(|out| {
        let mut files = Vec::new();
        for (t, name) in outcome.tables.iter().zip(["a", "b", "c"]) {
            files.push(out.write_table(&format!("table_e6{name}.csv"), t)?);
        }
        let mut curves = String::from("init,depth,seed,step,train_mse\n");
        for r in &outcome.runs {
            let init = if r.orthogonal {
                "orthogonal"
            } else {
                "gaussian"
            };
            for (step, loss) in &r.curve {
                curves += &format!("{init},{},{},{step},{loss}\n", r.depth, r.seed);
            }
        }
        files.push(out.write("curves_c.csv", &curves)?);
        files.extend(orthogonal_linear::figures(&outcome, &out)?);
        Ok(files)
    });
    match written {
        Ok(files) => println!("wrote {} files to {}", files.len(), dir.display()),
        Err(e) => {
            eprintln!("error writing outputs: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("elapsed {:.1} s", started.elapsed().as_secs_f64());
    if outcome.tables.iter().all(|t| t.passed()) {
        ExitCode::SUCCESS
    } else {
        eprintln!("some criteria FAILED");
        ExitCode::FAILURE
    }
}
