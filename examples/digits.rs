//! The everyday use of gradflow: a well-configured MLP (64 → 256 → 256 →
//! 10, ReLU, He init) on the 8×8 digits with the fixed 1437/360
//! train/test split, AdamW with a linear warmup and cosine decay of the
//! learning rate, global-norm clipping, the gradient-flow monitor
//! recording (its report is printed at the end), and a checkpoint saved,
//! reloaded into a freshly built model and checked to give bit-identical
//! test logits.
//!
//! Run with
//!
//! ```text
//! cargo run --release --features plot --example digits [-- --seed 0 | --seeds 5] [--epochs 40] [--out DIR]
//! ```
//!
//! One seed by default; `--seeds 5` trains seeds 0..5 and prints the
//! median. The exit status is non-zero if the median test accuracy is
//! below 97% or the reloaded checkpoint differs.

#[path = "repro/common/mod.rs"]
mod common;
#[path = "repro/digits.rs"]
mod digits;

use std::process::ExitCode;
use std::time::Instant;

use common::{Args, OutDir, finish};

const USAGE: &str = "\
usage: digits [--seed N | --seeds K] [--epochs N] [--out DIR]

  --seed    the one seed to train (default 0)
  --seeds   train seeds 0..K and report the median (overrides --seed)
  --epochs  passes over the training set (default 40)
  --out     output folder (default target/repro/digits)";

fn main() -> ExitCode {
    let args = Args::parse(USAGE);
    let start = Instant::now();
    let dir = match OutDir::create(args.out_dir("digits")) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = digits::Config::standard();
    let k: u64 = args.get("seeds", 0);
    let seeds = if k > 0 {
        (0..k).collect()
    } else {
        vec![args.seed()]
    };
    let cfg = digits::Config {
        seeds,
        epochs: args.get("epochs", base.epochs),
        checkpoint: Some(dir.file("digits_checkpoint.safetensors")),
        ..base
    };
    if cfg.epochs <= cfg.warmup_epochs {
        eprintln!(
            "error: --epochs must exceed the {} warmup epochs",
            cfg.warmup_epochs
        );
        return ExitCode::from(2);
    }
    println!(
        "MLP 64→{}→10 (ReLU, He init) on the digits (1437 train / 360 test): AdamW lr {} (warmup {} epochs from lr/10, then cosine to 0),",
        cfg.hidden
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
            .join("→"),
        cfg.lr,
        cfg.warmup_epochs
    );
    println!(
        "weight decay {}, batch {}, {} epochs, clip {}; monitor every {} steps; seeds {:?}.\n",
        cfg.weight_decay, cfg.batch, cfg.epochs, cfg.clip, cfg.record_every, cfg.seeds
    );

    let out = digits::run(&cfg);
    if let Some(first) = out.runs.first() {
        println!(
            "Gradient-flow monitor, seed {}, last recorded step:\n{}",
            first.seed, first.report
        );
    }
    println!("{}", digits::seeds_table(&out));
    if out.runs.len() > 1 {
        println!(
            "median test accuracy over {} seeds: {:.2}%\n",
            out.runs.len(),
            100.0 * out.median
        );
    }
    if let Some(c) = &cfg.checkpoint {
        println!("wrote {} (last seed's checkpoint)\n", c.display());
    }
    finish(
        dir.path(),
        start,
        [("digits_claims.csv", &out.table)],
        &[("digits_curves.csv", digits::curves_csv(&out))],
        |dir| digits::figures(&out, dir),
    )
}
