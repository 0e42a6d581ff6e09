//! The everyday use: a well-configured MLP on the digits, trained with
//! AdamW and a warmup + cosine learning-rate schedule while the
//! gradient-flow monitor records, then saved as a checkpoint and reloaded.
//!
//! Shared by `examples/digits.rs` and `tests/repro_digits.rs`
//! (`Config::quick()`).

use std::path::PathBuf;
use std::time::Instant;

use gradflow::io::{Checkpoint, load_state_dict, state_dict};
use gradflow::monitor::{GradMonitor, Report, Schedule as Recording, StepRecord};
use gradflow::nn::{self, Dense, Init, Layer, Relu, Sequential};
use gradflow::optim::{
    Adam, AdamConfig, CosineAnnealing, LinearWarmup, NonFinite, Optimizer, Schedule, WeightDecay,
    clip_global_norm,
};
use gradflow::plot::LineChart;
use gradflow::prelude::*;

use crate::common::{Digits, OutDir, Table, accuracy, median, permutation, progress};

/// The target: median test accuracy over the seeds (5 in the documented
/// run) must reach this.
pub const TARGET_ACCURACY: f64 = 0.97;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Seeds, one training run each (the first one's monitor is kept).
    pub seeds: Vec<u64>,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Passes over the 1437 training digits.
    pub epochs: usize,
    /// Minibatch size.
    pub batch: usize,
    /// Peak learning rate (AdamW).
    pub lr: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
    /// Linear warmup, in epochs, from `lr/10` to `lr`; then cosine to 0.
    pub warmup_epochs: usize,
    /// Global-norm clipping threshold.
    pub clip: f64,
    /// The monitor records every this many steps (and the last step).
    pub record_every: u64,
    /// Where the checkpoint goes; `None`: round trip in memory.
    pub checkpoint: Option<PathBuf>,
    /// Accuracy the median must reach.
    pub target: f64,
}

impl Config {
    /// The example's default: one seed, 64 → 256 → 256 → 10, 40 epochs.
    pub fn standard() -> Config {
        Config {
            seeds: vec![0],
            hidden: vec![256, 256],
            epochs: 40,
            batch: 32,
            lr: 2e-3,
            weight_decay: 1e-2,
            warmup_epochs: 2,
            clip: 5.0,
            record_every: 45,
            checkpoint: None,
            target: TARGET_ACCURACY,
        }
    }

    /// The test's variant: fewer epochs, a lower bar.
    #[allow(dead_code)] // used by the quick test, not the example
    pub fn quick() -> Config {
        Config {
            epochs: 8,
            target: QUICK_TARGET,
            ..Config::standard()
        }
    }
}

/// The quick variant's frozen lower bound on the test accuracy.
#[allow(dead_code)] // used by the quick test, not the example
pub const QUICK_TARGET: f64 = 0.95;

/// The network: dense layers with He init and ReLU, a Xavier output layer.
pub fn build(hidden: &[usize], rng: &mut Rng) -> Sequential<f32> {
    let mut net = Sequential::<f32>::new();
    let mut inputs = 64;
    for &h in hidden {
        net.add(Dense::new(inputs, h, Init::he_normal(), rng));
        net.add(Relu);
        inputs = h;
    }
    net.add(Dense::new(inputs, 10, Init::xavier_uniform(), rng));
    net
}

/// One seed's run.
#[derive(Debug, Clone)]
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// `(epoch, mean training loss over the epoch)`.
    pub train_loss: Vec<(usize, f64)>,
    /// `(epoch, test accuracy after the epoch)`.
    pub test_accuracy: Vec<(usize, f64)>,
    /// Final test accuracy.
    pub accuracy: f64,
    /// Final test loss.
    pub test_loss: f64,
    /// Steps taken.
    pub steps: u64,
    /// Whether the reloaded checkpoint gave bit-identical test logits.
    pub checkpoint_identical: bool,
    /// Largest `|Δ|` between the two sets of test logits.
    pub checkpoint_max_diff: f64,
    /// Bytes of the checkpoint.
    pub checkpoint_bytes: usize,
    /// The monitor's report at the last recorded step, printed.
    pub report: String,
    /// The monitor's report, structured.
    pub report_data: Option<Report>,
    /// The monitor's records.
    pub history: Vec<StepRecord>,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Everything `run` measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The configuration.
    pub config: Config,
    /// One run per seed.
    pub runs: Vec<SeedRun>,
    /// Median final test accuracy.
    pub median: f64,
    /// The criteria, judged.
    pub table: Table,
}

fn eval_logits(model: &mut Sequential<f32>, x: &Tensor<f32>) -> Tensor<f32> {
    nn::eval(model);
    let tape = Tape::new();
    let logits = model.forward(tape.constant(x.clone())).value();
    nn::train(model);
    logits
}

fn train_seed(cfg: &Config, seed: u64, data: &Digits<f32>, label: &str) -> SeedRun {
    let start = Instant::now();
    let mut rng = Rng::seed_from_u64(seed);
    let mut model = build(&cfg.hidden, &mut rng);
    let mut opt = Adam::new(AdamConfig {
        lr: cfg.lr,
        weight_decay: WeightDecay::Decoupled(cfg.weight_decay),
        ..AdamConfig::default()
    })
    .expect("valid Adam settings");
    let n = data.train_y.numel();
    let per_epoch = n.div_ceil(cfg.batch);
    let total = per_epoch * cfg.epochs;
    let warmup = per_epoch * cfg.warmup_epochs;
    let schedule = LinearWarmup::new(warmup.max(1), 0.1)
        .then(warmup, CosineAnnealing::new(total - warmup, 0.0));
    let last_step = (total - 1) as u64;
    let recorded: Vec<u64> = (0..total as u64)
        .filter(|s| s % cfg.record_every == 0 || *s == last_step)
        .collect();
    let mut monitor = GradMonitor::with_schedule(Recording::Steps(recorded));
    let bar = progress(total as u64, label);
    let mut train_loss = Vec::new();
    let mut test_accuracy = Vec::new();
    let mut step = 0usize;
    for epoch in 0..cfg.epochs {
        let order = permutation(n, &mut rng);
        let mut sum = 0.0;
        for rows in order.chunks(cfg.batch) {
            let (x, y) = data.train_batch(rows);
            let (loss, mut grads) = {
                let tape = Tape::new();
                let loss = model.forward(tape.constant(x)).cross_entropy(&y);
                (
                    f64::from(loss.item()),
                    tape.backward_with(loss, &mut monitor),
                )
            };
            monitor.record_params(&model, &mut grads);
            let clip = clip_global_norm(&model, &mut grads, cfg.clip, NonFinite::SkipStep)
                .expect("SkipStep never errs");
            if !clip.skipped {
                opt.set_learning_rate(schedule.lr(step, cfg.lr));
                let updates = opt.step(&mut model, &grads);
                monitor.record_updates(&model, &updates);
            }
            sum += loss;
            step += 1;
            bar.inc(1);
        }
        let mean = sum / per_epoch as f64;
        train_loss.push((epoch + 1, mean));
        let acc = accuracy(&eval_logits(&mut model, &data.test_x), &data.test_y);
        test_accuracy.push((epoch + 1, acc));
        bar.set_message(format!("loss {mean:.3}  test {:.1}%", 100.0 * acc));
    }
    bar.finish_and_clear();

    // Final numbers, then the checkpoint round trip.
    let logits = eval_logits(&mut model, &data.test_x);
    let accuracy_final = accuracy(&logits, &data.test_y);
    let test_loss = {
        let tape = Tape::new();
        f64::from(
            tape.constant(logits.clone())
                .cross_entropy(&data.test_y)
                .item(),
        )
    };
    let checkpoint = Checkpoint {
        model: state_dict(&model),
        optimizer: opt.state_dict(&model),
        step: step as u64,
    };
    let restored = match &cfg.checkpoint {
        Some(path) => {
            checkpoint.save(path).expect("checkpoint saves");
            Checkpoint::load(path).expect("checkpoint loads")
        }
        None => Checkpoint::from_bytes(&checkpoint.to_bytes().expect("checkpoint serializes"))
            .expect("checkpoint parses"),
    };
    let checkpoint_bytes = checkpoint.to_bytes().map(|b| b.len()).unwrap_or(0);
    // A fresh model from another seed, then the saved state on top.
    let mut fresh = build(&cfg.hidden, &mut Rng::seed_from_u64(seed ^ 0xdead_beef));
    load_state_dict(&mut fresh, &restored.model, true).expect("state dict matches the model");
    let mut fresh_opt = Adam::new(AdamConfig::default()).expect("valid Adam settings");
    fresh_opt
        .load_state_dict(&fresh, &restored.optimizer)
        .expect("optimizer state matches the model");
    let reloaded = eval_logits(&mut fresh, &data.test_x);
    let identical = restored.step == step as u64
        && reloaded.shape() == logits.shape()
        && reloaded
            .data()
            .iter()
            .zip(logits.data())
            .all(|(a, b)| a.to_bits() == b.to_bits());
    let max_diff = reloaded
        .data()
        .iter()
        .zip(logits.data())
        .map(|(a, b)| f64::from((a - b).abs()))
        .fold(0.0, f64::max);

    let report_data = monitor.report();
    SeedRun {
        seed,
        train_loss,
        test_accuracy,
        accuracy: accuracy_final,
        test_loss,
        steps: step as u64,
        checkpoint_identical: identical,
        checkpoint_max_diff: max_diff,
        checkpoint_bytes,
        report: report_data
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "(no step recorded)".into()),
        report_data,
        history: monitor.history().to_vec(),
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Trains one model per seed and judges the criteria.
pub fn run(cfg: &Config) -> Outcome {
    assert!(!cfg.seeds.is_empty() && cfg.epochs > cfg.warmup_epochs);
    let data = Digits::<f32>::load();
    let runs: Vec<SeedRun> = cfg
        .seeds
        .iter()
        .map(|&s| train_seed(cfg, s, &data, &format!("seed {s}")))
        .collect();
    let accs: Vec<f64> = runs.iter().map(|r| r.accuracy).collect();
    let median = median(&accs);
    let mut out = Outcome {
        config: cfg.clone(),
        runs,
        median,
        table: Table::new(""),
    };
    out.table = judge(&out);
    out
}

/// The criteria as a checked table.
pub fn judge(out: &Outcome) -> Table {
    let cfg = &out.config;
    let mut t = Table::new(format!(
        "digits — MLP 64→{}→10, AdamW, {} epochs, {} seed(s)",
        cfg.hidden
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
            .join("→"),
        cfg.epochs,
        cfg.seeds.len()
    ));
    let accs: Vec<String> = out
        .runs
        .iter()
        .map(|r| format!("{:.2}", 100.0 * r.accuracy))
        .collect();
    t.check(
        "median test accuracy (%)",
        "—",
        "—",
        format!("{:.2} (seeds: {})", 100.0 * out.median, accs.join(", ")),
        format!(">= {:.0}", 100.0 * cfg.target),
        out.median >= cfg.target,
    );
    let all_identical = out.runs.iter().all(|r| r.checkpoint_identical);
    let max_diff = out
        .runs
        .iter()
        .map(|r| r.checkpoint_max_diff)
        .fold(0.0, f64::max);
    t.check(
        "checkpoint reload: test logits",
        "—",
        "bit-identical",
        if all_identical {
            "bit-identical".to_string()
        } else {
            format!("max |Δ| = {max_diff:e}")
        },
        "every bit equal",
        all_identical,
    );
    if let Some(r) = out.runs.first().and_then(|r| r.report_data.as_ref()) {
        t.report(
            "monitor, last step: first/last ∂L/∂s rms",
            "—",
            "—",
            r.first_over_last
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "—".into()),
        );
    }
    t
}

/// One line per seed, aligned.
pub fn seeds_table(out: &Outcome) -> String {
    let mut s = format!(
        "{:>6} {:>10} {:>10} {:>7} {:>8} {:>22}\n",
        "seed", "test acc", "test loss", "steps", "time", "checkpoint reload"
    );
    for r in &out.runs {
        s.push_str(&format!(
            "{:>6} {:>9.2}% {:>10.4} {:>7} {:>7.1}s {:>22}\n",
            r.seed,
            100.0 * r.accuracy,
            r.test_loss,
            r.steps,
            r.seconds,
            format!(
                "{} ({} kB)",
                if r.checkpoint_identical {
                    "identical"
                } else {
                    "DIFFERS"
                },
                r.checkpoint_bytes.div_ceil(1024)
            )
        ));
    }
    s
}

/// Per-epoch curves of every seed, as CSV.
pub fn curves_csv(out: &Outcome) -> String {
    let mut s = String::from("seed,epoch,train_loss,test_accuracy\n");
    for r in &out.runs {
        for ((e, l), (_, a)) in r.train_loss.iter().zip(&r.test_accuracy) {
            s.push_str(&format!("{},{e},{l},{a}\n", r.seed));
        }
    }
    s
}

/// The figures: training loss and test error per epoch (every seed), and
/// the monitor's heat map and global norm for the first seed.
pub fn figures(out: &Outcome, dir: &OutDir) -> gradflow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut loss = LineChart::new("Digits MLP: training loss per epoch")
        .x_label("epoch")
        .y_label("mean cross-entropy over the epoch (nats)")
        .log_y();
    let mut err = LineChart::new("Digits MLP: test error after each epoch")
        .x_label("epoch")
        .y_label("test error (%, 360 digits)")
        .log_y()
        .hline(
            100.0 * (1.0 - out.config.target),
            format!("target ({:.0}% error)", 100.0 * (1.0 - out.config.target)),
        );
    for r in &out.runs {
        let name = format!("seed {}", r.seed);
        loss = loss.series(&name, r.train_loss.iter().map(|&(e, l)| (e as f64, l)));
        err = err.series(
            &name,
            r.test_accuracy
                .iter()
                .map(|&(e, a)| (e as f64, 100.0 * (1.0 - a).max(1.0 / 360.0 / 2.0))),
        );
    }
    for ext in ["svg", "png"] {
        let p = dir.file(&format!("digits_loss.{ext}"));
        loss.save(&p)?;
        written.push(p);
        let p = dir.file(&format!("digits_test_error.{ext}"));
        err.save(&p)?;
        written.push(p);
    }
    if let Some(r) = out.runs.first() {
        for ext in ["svg", "png"] {
            let p = dir.file(&format!("digits_grad_heatmap.{ext}"));
            gradflow::monitor::plot::plot_heatmap(&r.history, &p)?;
            written.push(p);
            let p = dir.file(&format!("digits_global_norm.{ext}"));
            gradflow::monitor::plot::plot_global_norm(&r.history, Some(out.config.clip), &p)?;
            written.push(p);
        }
        let p = dir.file("digits_grad_history.csv");
        gradflow::io::write_atomic(&p, |f| {
            use std::io::Write;
            f.write_all(gradflow::monitor::history_to_csv(&r.history).as_bytes())
        })?;
        written.push(p);
    }
    Ok(written)
}
