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

use common::{Args, OutDir};
use relu_depth::Config;

fn main() -> ExitCode {
    let args = Args::parse(
        "relu_depth: He vs Xavier on deep ReLU MLPs, and Hanin's β\n\
         usage: cargo run --release --features plot --example relu_depth -- \
         [--quick] [--depths 8,22,30] [--steps N] [--lr X] [--momentum X] [--seeds N] [--nets N] [--seed S] [--out DIR]",
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
        steps: args.get("steps", base.steps),
        lr: args.get("lr", base.lr),
        momentum: args.get("momentum", base.momentum),
        train_seeds: args.get("seeds", base.train_seeds),
        hanin_nets: args.get("nets", base.hanin_nets),
        seed: args.seed(),
        ..base
    };
    let started = std::time::Instant::now();
    let outcome = relu_depth::run(&cfg);
    for t in &outcome.tables {
        println!("{t}");
    }
    let dir = args.out_dir("relu_depth");
    let written = OutDir::create(&dir).and_then(|out| {
        let mut files = Vec::new();
        for (i, t) in outcome.tables.iter().enumerate() {
            files.push(out.write_table(&format!("table_e{}.csv", i + 4), t)?);
        }
        let mut curves = String::from("init,depth,seed,step,train_loss\n");
        for r in &outcome.runs {
            for (step, loss) in &r.curve {
                curves += &format!("{},{},{},{step},{loss}\n", r.scheme.name(), r.depth, r.seed);
            }
        }
        files.push(out.write("curves.csv", &curves)?);
        files.extend(relu_depth::figures(&outcome, &out)?);
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
