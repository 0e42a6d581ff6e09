//! The vanishing-gradient story in one run.
//!
//! 54 deep MLPs on the 8×8 digits — every combination of activation
//! (sigmoid, tanh, ReLU), initialization (Glorot's standard `U(±1/√n)`,
//! Xavier, He), normalization (none, batch norm, layer norm) and skip
//! connections (plain, residual) — are looked at through
//! `gradflow::monitor::GradMonitor` at initialization: the RMS of `∂L/∂s`
//! at the dense layers' outputs, the first/last ratio, the per-layer factor
//! next to its mean-field prediction, and the monitor's verdict. Then five
//! of them are trained with SGD for a fixed budget, to see which learn.
//!
//! Run with
//!
//! ```text
//! cargo run --release --features plot --example vanishing [-- --depth 20 --width 128 --seed 0 --out DIR]
//! ```
//!
//! Figures and CSVs go to `target/repro/vanishing` (or `--out`). The exit
//! status is non-zero if a headline claim fails: sigmoid + standard init
//! vanishes and does not learn; ReLU + He does not vanish and learns.

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/vanishing.rs"]
mod vanishing;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, finish};

const USAGE: &str = "\
usage: vanishing [--depth N] [--width N] [--seed N] [--steps N] [--out DIR]

  --depth  hidden dense layers (default 20)
  --width  units per hidden layer (default 128)
  --seed   seed of every generator (default 0)
  --steps  SGD steps per trained network (default 200)
  --lr     SGD learning rate (default 0.02)
  --clip   global-norm clipping threshold (default 5)
  --out    output folder (default target/repro/vanishing)";

fn main() -> ExitCode {
    let args = Args::parse(USAGE);
    let start = Instant::now();
    let base = vanishing::Config::standard();
    let cfg = vanishing::Config {
        depth: args.get("depth", base.depth),
        width: args.get("width", base.width),
        seed: args.seed(),
        train_steps: args.get("steps", base.train_steps),
        lr: args.get("lr", base.lr),
        clip: args.get("clip", base.clip),
        ..base
    };
    if cfg.depth < 3 || cfg.width == 0 {
        eprintln!("error: need --depth >= 3 and --width >= 1\n\n{USAGE}");
        return ExitCode::from(2);
    }
    println!(
        "Gradient flow at initialization: {} hidden dense layers of {} units, one batch of {} digits, cross-entropy, seed {}.",
        cfg.depth, cfg.width, cfg.init_batch, cfg.seed
    );
    println!(
        "rms = RMS of ∂L/∂s at a dense layer's output (first hidden, middle hidden, output layer);"
    );
    println!(
        "factor = per-layer ratio rms(∂L/∂s_l)/rms(∂L/∂s_(l+1)), geometric mean over the hidden layers (< 1: shrinks toward the input);"
    );
    println!(
        "predicted = the same factor from theory, on the basis named; monitor = the GradMonitor report's verdict (first/last < 1e-3: vanishing, > 1e3: exploding).\n"
    );

    let out = vanishing::run(&cfg);
    println!("{}", vanishing::config_table(&out));
    println!(
        "(BN rows: the dense biases feeding a batch norm get exactly zero gradient — BN subtracts the batch mean — and the\n monitor lists them as stalled; the table leaves them out. 'stalled' here means other parameters, behind a vanishing gradient.)\n"
    );

    println!(
        "Training {} networks: SGD, momentum {}, lr {}, batch {}, global-norm clip {}, {} steps each; learned = test accuracy >= {:.0}%.\n",
        cfg.train.len(),
        cfg.momentum,
        cfg.lr,
        cfg.train_batch,
        cfg.clip,
        cfg.train_steps,
        100.0 * vanishing::LEARNED_ACCURACY
    );
    println!("{}", vanishing::training_table(&out));
    let (summary, curves) = vanishing::runs_csv(&out);
    finish(
        &args.out_dir("vanishing"),
        start,
        [("vanishing_claims.csv", &out.table)],
        &[
            ("vanishing_configurations.csv", vanishing::rows_csv(&out)),
            ("vanishing_training.csv", summary),
            ("vanishing_loss_curves.csv", curves),
        ],
        |dir| vanishing::figures(&out, dir),
    )
}
