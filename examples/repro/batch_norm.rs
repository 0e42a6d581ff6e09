//! E8 — batch normalization, two sides of it.
//!
//! (a) Ioffe & Szegedy 2015 §4.1 on the digits: a 64 → 3×100 sigmoid → 10
//! MLP with small Gaussian weights `N(0, 0.01²)`, trained with SGD at batch
//! 60, with and without `BatchNorm1d` before each sigmoid. BN learns sooner,
//! and the distribution of a last-layer sigmoid input (its 15th, 50th and
//! 85th percentiles) stays put instead of drifting.
//!
//! (b) The caveat (Yang et al. 2019, papers.md §0 item 5): in a plain deep
//! BN → ReLU network at initialization the squared gradient norm grows by
//! `π/(π−1) ≈ 1.467` per layer toward the input, where the same network
//! without BN (He init) keeps it flat. Read from gradflow's gradient-flow
//! monitor.

use gradflow::monitor::{GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, Relu, Sequential, Sigmoid};
use gradflow::optim::{Optimizer, Sgd, SgdConfig};
use gradflow::prelude::*;

use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, accuracy, median, permutation, progress};

/// Yang et al.'s large-batch rate: squared gradient norm ×π/(π−1) per
/// BN → ReLU layer toward the input.
pub const BN_RELU_RATE: f64 = std::f64::consts::PI / (std::f64::consts::PI - 1.0);
/// Pass (b): the median interior per-layer ratio lies in this interval
/// (papers.md E8: [1.38, 1.56], i.e. ≈ ±6% around 1.467).
pub const BN_RATE_BAND: (f64, f64) = (1.38, 1.56);
/// Pass (b): without BN (He init) the median interior ratio is within this
/// relative distance of 1.
pub const PLAIN_TOL: f64 = 0.05;
/// Pass (a): the step at which BN's test accuracy must beat the baseline's.
pub const COMPARE_STEP: usize = 500;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// (a) SGD steps.
    pub steps: usize,
    /// (a) mini-batch size.
    pub batch: usize,
    /// (a) learning rate (both variants).
    pub lr: f64,
    /// (a) evaluate every this many steps.
    pub eval_every: usize,
    /// (a) training seeds (medians over them).
    pub train_seeds: u64,
    /// (b) layers.
    pub depth: usize,
    /// (b) width.
    pub width: usize,
    /// (b) batch.
    pub init_batch: usize,
    /// (b) networks (medians over them).
    pub init_seeds: u64,
    /// First seed.
    pub seed: u64,
}

impl Config {
    /// The example's default: papers.md's E8 sizes.
    pub fn standard() -> Config {
        Config {
            steps: 3000,
            batch: 60,
            lr: 0.5,
            eval_every: 50,
            train_seeds: 5,
            depth: 20,
            width: 128,
            init_batch: 128,
            init_seeds: 5,
            seed: 0,
        }
    }

    /// The test's variant: (a) shortened to 600 steps and 3 seeds (the
    /// step-500 comparison still falls inside); (b) unchanged.
    #[allow(dead_code)] // used by tests/repro_batch_norm.rs
    pub fn quick() -> Config {
        Config {
            steps: 600,
            train_seeds: 3,
            ..Config::standard()
        }
    }
}

/// One training run of (a).
#[derive(Debug, Clone)]
pub struct TrainRun {
    /// `(step, test accuracy)`.
    pub accuracy: Vec<(f64, f64)>,
    /// `(step, [p15, p50, p85])` of the input of sigmoid unit 0 in the last
    /// hidden layer, over the test set (eval mode).
    pub percentiles: Vec<(f64, [f64; 3])>,
    /// Drift of that input: mean over the three percentiles of
    /// `max_t p(t) − min_t p(t)`, taken over every unit of the layer and
    /// summarized by its median.
    pub drift: f64,
}

/// (b) one configuration at init.
#[derive(Debug, Clone)]
#[allow(dead_code)] // `ratios` is for callers; the figures use the profile
pub struct InitProfile {
    /// Median over seeds of `‖∂C/∂h_(l−1)‖²/‖∂C/∂h_l‖²`, l = 2..=L.
    pub ratios: Vec<(f64, f64)>,
    /// Median over seeds of `‖∂C/∂h_l‖²/‖∂C/∂h_L‖²`, l = 1..=L.
    pub profile: Vec<(f64, f64)>,
    /// Median of the interior per-layer ratios (all seeds).
    pub median_ratio: f64,
    /// The first seed's monitor record.
    pub record: StepRecord,
}

/// Everything `run` measured.
#[derive(Debug, Clone)]
#[allow(dead_code)] // the summary numbers are for callers; the example prints the tables
pub struct Outcome {
    /// (a) seed-0 runs without and with BN.
    pub plain: TrainRun,
    /// (a) with BN.
    pub bn: TrainRun,
    /// (a) median test accuracy at `COMPARE_STEP` over seeds: (plain, BN).
    pub acc_at_compare: (f64, f64),
    /// (a) median final test accuracy: (plain, BN).
    pub acc_final: (f64, f64),
    /// (a) median drift over seeds: (plain, BN).
    pub drift: (f64, f64),
    /// (b) BN → ReLU.
    pub bn_relu: InitProfile,
    /// (b) Dense → ReLU without BN.
    pub plain_relu: InitProfile,
    /// The tables.
    pub tables: Vec<Table>,
}

/// The `p`-th percentile (linear interpolation, numpy's default).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let pos = p / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
}

fn small_dense(inputs: usize, outputs: usize, rng: &mut Rng) -> Dense<f32> {
    let w = Init::Normal {
        mean: 0.0,
        std: 0.01,
    }
    .tensor::<f32, _>(&[outputs, inputs], rng);
    Dense::from_tensors(w, Some(Tensor::zeros([outputs])))
}

/// (a) The network, split where the percentiles are read: `body` ends with
/// the input of the last hidden sigmoid layer, `head` is that sigmoid and
/// the output layer.
fn sigmoid_net(bn: bool, rng: &mut Rng) -> (Sequential<f32>, Sequential<f32>) {
    let mut body = Sequential::new();
    let mut inputs = 64;
    for l in 0..3 {
        body.add(small_dense(inputs, 100, rng));
        if bn {
            body.add(BatchNorm1d::new(100));
        }
        if l < 2 {
            body.add(Sigmoid);
        }
        inputs = 100;
    }
    let head = Sequential::new()
        .push(Sigmoid)
        .push(small_dense(100, 10, rng));
    (body, head)
}

fn train(cfg: &Config, data: &Digits<f32>, bn: bool, seed: u64) -> TrainRun {
    let mut rng = Rng::seed_from_u64(seed);
    let (mut body, mut head) = sigmoid_net(bn, &mut rng);
    let sgd = || {
        Sgd::new(SgdConfig {
            lr: cfg.lr,
            ..SgdConfig::default()
        })
        .expect("valid SGD config")
    };
    let (mut opt_body, mut opt_head) = (sgd(), sgd());
    let n = data.train_x.shape()[0];
    let mut order = permutation(n, &mut rng);
    let mut pos = 0;
    let mut accuracy_curve = Vec::new();
    let mut percentiles = Vec::new();
    let mut per_unit: Vec<Vec<[f64; 3]>> = vec![Vec::new(); 100];
    let mut evaluate = |step: usize, body: &mut Sequential<f32>, head: &mut Sequential<f32>| {
        gradflow::nn::eval(body);
        gradflow::nn::eval(head);
        let tape = Tape::new();
        let s = body.forward(tape.constant(data.test_x.clone()));
        let logits = head.forward(s);
        accuracy_curve.push((step as f64, accuracy(&logits.value(), &data.test_y)));
        let s = s.value();
        let rows = s.shape()[0];
        for (unit, track) in per_unit.iter_mut().enumerate() {
            let mut col: Vec<f64> = (0..rows)
                .map(|r| f64::from(s.data()[r * 100 + unit]))
                .collect();
            col.sort_by(f64::total_cmp);
            let p = [15.0, 50.0, 85.0].map(|q| percentile(&col, q));
            if unit == 0 {
                percentiles.push((step as f64, p));
            }
            track.push(p);
        }
        gradflow::nn::train(body);
        gradflow::nn::train(head);
    };
    for step in 0..cfg.steps {
        if step % cfg.eval_every == 0 {
            evaluate(step, &mut body, &mut head);
        }
        if pos + cfg.batch > n {
            order = permutation(n, &mut rng);
            pos = 0;
        }
        let (x, y) = data.train_batch(&order[pos..pos + cfg.batch]);
        pos += cfg.batch;
        let grads = {
            let tape = Tape::new();
            let logits = head.forward(body.forward(tape.constant(x)));
            tape.backward(logits.cross_entropy(&y))
        };
        opt_body.step(&mut body, &grads);
        opt_head.step(&mut head, &grads);
    }
    evaluate(cfg.steps, &mut body, &mut head);
    let drift = median(per_unit.iter().map(|track| {
        (0..3)
            .map(|j| {
                let (lo, hi) = track.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
                    (lo.min(p[j]), hi.max(p[j]))
                });
                hi - lo
            })
            .sum::<f64>()
            / 3.0
    }));
    TrainRun {
        accuracy: accuracy_curve,
        percentiles,
        drift,
    }
}

fn acc_at(run: &TrainRun, step: usize) -> f64 {
    run.accuracy
        .iter()
        .find(|(s, _)| *s as usize >= step)
        .or(run.accuracy.last())
        .map_or(f64::NAN, |p| p.1)
}

/// (b) One network at init: `‖∂C/∂h_l‖²` for l = 1..=L (ReLU outputs, read
/// from the monitor) and the monitor's record. Linear loss
/// `C = Σ h_L ⊙ V / B` with a fixed Gaussian `V`.
pub fn init_gradients(
    depth: usize,
    width: usize,
    batch: usize,
    bn: bool,
    seed: u64,
) -> (Vec<f64>, StepRecord) {
    let mut rng = Rng::seed_from_u64(seed);
    let mut net = Sequential::<f32>::new();
    for _ in 0..depth {
        net.add(Dense::without_bias(
            width,
            width,
            Init::he_normal(),
            &mut rng,
        ));
        if bn {
            net.add(BatchNorm1d::new(width));
        }
        net.add(Relu);
    }
    let x = Tensor::<f32>::normal([batch, width], 0.0, 1.0, &mut rng);
    let v = Tensor::<f32>::normal([batch, width], 0.0, 1.0, &mut rng);
    let mut monitor = GradMonitor::new();
    let mut grads = {
        let tape = Tape::new();
        let h = net.forward(tape.constant(x));
        let loss = (h * tape.constant(v)).sum_all() / batch as f32;
        tape.backward_with(loss, &mut monitor)
    };
    monitor.record_params(&net, &mut grads);
    let record = monitor.history()[0].clone();
    let sq: Vec<f64> = record
        .layers_of(&[LayerKind::Activation])
        .map(|l| l.stats.l2.powi(2))
        .collect();
    assert_eq!(sq.len(), depth, "one ReLU record per layer");
    (sq, record)
}

/// The interior layers whose ratios count: l = 4..=L−2 (away from the input
/// and from the loss).
fn interior(depth: usize) -> std::ops::RangeInclusive<usize> {
    4..=depth.saturating_sub(2)
}

fn init_profile(cfg: &Config, bn: bool) -> InitProfile {
    let runs: Vec<_> = (0..cfg.init_seeds)
        .map(|s| init_gradients(cfg.depth, cfg.width, cfg.init_batch, bn, cfg.seed + s))
        .collect();
    let l_max = cfg.depth;
    let ratio = |sq: &[f64], l: usize| sq[l - 2] / sq[l - 1];
    InitProfile {
        ratios: (2..=l_max)
            .map(|l| (l as f64, median(runs.iter().map(|r| ratio(&r.0, l)))))
            .collect(),
        profile: (1..=l_max)
            .map(|l| {
                (
                    l as f64,
                    median(runs.iter().map(|r| r.0[l - 1] / r.0[l_max - 1])),
                )
            })
            .collect(),
        median_ratio: median(
            runs.iter()
                .flat_map(|r| interior(l_max).map(|l| ratio(&r.0, l))),
        ),
        record: runs.into_iter().next().expect("seeds ≥ 1").1,
    }
}

/// Runs E8.
pub fn run(cfg: &Config) -> Outcome {
    let data = Digits::<f32>::load();
    let bar = progress(2 * cfg.train_seeds, "E8a sigmoid ± BN");
    let mut plain_runs = Vec::new();
    let mut bn_runs = Vec::new();
    for s in 0..cfg.train_seeds {
        plain_runs.push(train(cfg, &data, false, cfg.seed + s));
        bar.inc(1);
        bn_runs.push(train(cfg, &data, true, cfg.seed + s));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let med = |runs: &[TrainRun], f: &dyn Fn(&TrainRun) -> f64| median(runs.iter().map(f));
    let acc_at_compare = (
        med(&plain_runs, &|r| acc_at(r, COMPARE_STEP)),
        med(&bn_runs, &|r| acc_at(r, COMPARE_STEP)),
    );
    let acc_final = (
        med(&plain_runs, &|r| {
            r.accuracy.last().map_or(f64::NAN, |p| p.1)
        }),
        med(&bn_runs, &|r| r.accuracy.last().map_or(f64::NAN, |p| p.1)),
    );
    let drift = (med(&plain_runs, &|r| r.drift), med(&bn_runs, &|r| r.drift));

    let mut a = Table::new(format!(
        "E8a — Ioffe & Szegedy §4.1 on the digits: 64→3×100 sigmoid→10, N(0, 0.01²), SGD lr {}, batch {}, {} steps, median of {} seeds",
        cfg.lr, cfg.batch, cfg.steps, cfg.train_seeds
    ));
    a.check(
        format!("test accuracy at step {COMPARE_STEP}: BN vs none"),
        "BN higher throughout (Fig. 1a)",
        "BN > none",
        format!("{:.3} vs {:.3}", acc_at_compare.1, acc_at_compare.0),
        "BN > none",
        acc_at_compare.1 > acc_at_compare.0,
    );
    a.report(
        format!("final test accuracy (step {})", cfg.steps),
        "BN higher (Fig. 1a)",
        "—",
        format!("BN {:.3}, none {:.3}", acc_final.1, acc_final.0),
    );
    a.check(
        "drift of a last-layer sigmoid input {15,50,85}th pct (max − min over time, median unit)",
        "large without BN, small with (Fig. 1b,c)",
        "BN < none",
        format!("BN {}, none {}", num(drift.1), num(drift.0)),
        "BN < none",
        drift.1 < drift.0,
    );
    let last = |r: &TrainRun| r.percentiles.last().map_or([f64::NAN; 3], |p| p.1);
    let (pl, pb) = (last(&plain_runs[0]), last(&bn_runs[0]));
    a.report(
        "unit 0, seed 0, end: {15,50,85}th percentiles",
        "BN ≈ (−1, 0, 1)·γ + β",
        "—",
        format!(
            "BN ({}, {}, {}); none ({}, {}, {})",
            num(pb[0]),
            num(pb[1]),
            num(pb[2]),
            num(pl[0]),
            num(pl[1]),
            num(pl[2])
        ),
    );

    let bn_relu = init_profile(cfg, true);
    let plain_relu = init_profile(cfg, false);
    let mut b = Table::new(format!(
        "E8b — BN → ReLU at init, {} layers × width {}, He init, batch {}, {} seeds: ‖∂C/∂h_(l−1)‖²/‖∂C/∂h_l‖², median over layers {}–{}",
        cfg.depth,
        cfg.width,
        cfg.init_batch,
        cfg.init_seeds,
        interior(cfg.depth).start(),
        interior(cfg.depth).end()
    ));
    b.check(
        "BN → ReLU: per-layer ratio toward the input",
        "explodes (Yang et al. 2019)",
        format!("π/(π−1) = {BN_RELU_RATE:.3}"),
        format!("{:.3}", bn_relu.median_ratio),
        format!("in [{}, {}]", BN_RATE_BAND.0, BN_RATE_BAND.1),
        (BN_RATE_BAND.0..=BN_RATE_BAND.1).contains(&bn_relu.median_ratio),
    );
    b.check(
        "Dense → ReLU (no BN): per-layer ratio",
        "He 2015: preserved",
        "1",
        format!("{:.3}", plain_relu.median_ratio),
        format!("±{:.0}%", PLAIN_TOL * 100.0),
        (plain_relu.median_ratio - 1.0).abs() <= PLAIN_TOL,
    );
    b.report(
        "BN → ReLU: ‖∂C/∂h_1‖²/‖∂C/∂h_L‖²",
        "—",
        format!(
            "(π/(π−1))^{} = {}",
            cfg.depth - 1,
            num(BN_RELU_RATE.powi(cfg.depth as i32 - 1))
        ),
        num(bn_relu.profile[0].1),
    );

    Outcome {
        plain: plain_runs.swap_remove(0),
        bn: bn_runs.swap_remove(0),
        acc_at_compare,
        acc_final,
        drift,
        bn_relu,
        plain_relu,
        tables: vec![a, b],
    }
}

/// Writes the figures: test accuracy vs step (headline, SVG + PNG), the
/// percentiles over time without and with BN, and the (b) gradient profile.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<std::path::PathBuf>> {
    use gradflow::plot::LineChart;
    let mut written = Vec::new();
    let chart = LineChart::new("E8a: sigmoid MLP on the digits, with and without batch norm")
        .x_label("SGD step (batch 60)")
        .y_label("test accuracy (fraction, 360 digits)")
        .series("with BN", outcome.bn.accuracy.clone())
        .series("without BN", outcome.plain.accuracy.clone())
        .hline(0.1, "chance");
    for ext in ["svg", "png"] {
        let p = out.file(&format!("batch_norm_accuracy.{ext}"));
        chart.save(&p)?;
        written.push(p);
    }
    for (name, run) in [("without", &outcome.plain), ("with", &outcome.bn)] {
        let mut chart = LineChart::new(format!(
            "E8a: input of last-layer sigmoid unit 0, {name} BN (test set)"
        ))
        .x_label("SGD step")
        .y_label("sigmoid input (pre-activation units)");
        for (j, label) in ["15th percentile", "50th percentile", "85th percentile"]
            .iter()
            .enumerate()
        {
            chart = chart.series(*label, run.percentiles.iter().map(|(s, p)| (*s, p[j])));
        }
        let p = out.file(&format!("batch_norm_percentiles_{name}.svg"));
        chart.save(&p)?;
        written.push(p);
    }
    let l_max = outcome.bn_relu.profile.len() as f64;
    let chart = LineChart::new("E8b: BN → ReLU at init — squared gradient norm by layer")
        .x_label("layer l (1 = input side)")
        .y_label("‖∂C/∂h_l‖² / ‖∂C/∂h_L‖² (median of seeds)")
        .log_y()
        .series("BN → ReLU", outcome.bn_relu.profile.clone())
        .dashed_series(
            "(π/(π−1))^(L−l)",
            outcome
                .bn_relu
                .profile
                .iter()
                .map(|&(l, _)| (l, BN_RELU_RATE.powf(l_max - l))),
        )
        .series("Dense → ReLU, no BN", outcome.plain_relu.profile.clone());
    let p = out.file("batch_norm_explosion.svg");
    chart.save(&p)?;
    written.push(p);
    let p = out.file("batch_norm_monitor_profile.svg");
    gradflow::monitor::plot::plot_depth_profile(
        &[
            ("BN → ReLU", &outcome.bn_relu.record),
            ("Dense → ReLU", &outcome.plain_relu.record),
        ],
        &p,
    )?;
    written.push(p);
    Ok(written)
}
