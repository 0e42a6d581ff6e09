//! E10 — plain vs residual networks (He et al. 2016; De & Smith 2020; Fixup,
//! Zhang et al. 2019).
//!
//! (a) At initialization, a stack of L unnormalized residual blocks
//! `x + α·W₂relu(W₁x)` (He `W₁`, `W₂` at variance 1/n, no biases) grows the
//! squared norm by exactly `1 + α²` per block in expectation, so
//! `E‖x_L‖²/‖x_0‖² = (1+α²)^L`: `2^L` for α = 1, about e for α = 1/√L and
//! exactly 1 for SkipInit (α = 0) and Fixup (`W₂ = 0`).
//!
//! (b) Trained on the digits with BN + ReLU and SGD momentum 0.9, a 56-layer
//! *plain* MLP ends at a higher training loss than an 8-layer one
//! (degradation), while residual MLPs of the same depths do not degrade.

use gradflow::monitor::{GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, Relu, Residual, Sequential};
use gradflow::optim::{CosineAnnealing, Momentum, Optimizer, Schedule, Sgd, SgdConfig};
use gradflow::plot::LineChart;
use gradflow::prelude::*;

use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, median, permutation, progress};

/// Width of every residual stream and hidden layer.
pub const WIDTH: usize = 64;

/// (a) The seed mean of `‖x_L‖²/‖x_0‖²` must lie within this many standard
/// errors of `(1+α²)^L` (standard error of a log-normal mean estimated from
/// the sample variance of the log ratio: the raw sample variance is
/// dominated by rare tails).
pub const MEAN_RATIO_SE: f64 = 4.0;
/// (a) The per-block mean of `‖x_{l+1}‖²/‖x_l‖²` over all blocks and seeds
/// must lie within this many standard errors of `1 + α²` (the per-block
/// deviations are martingale differences, so uncorrelated).
pub const BLOCK_RATIO_SE: f64 = 4.0;
/// (a) SkipInit and Fixup: `|ratio - 1|` below this (they are the identity
/// map at init, up to no rounding at all).
pub const IDENTITY_TOL: f64 = 1e-12;
/// (b) `loss(res-deepest) ≤ loss(res-shallowest) + RES_SLACK` (papers.md E10).
pub const RES_SLACK: f64 = 0.05;
/// (b) `loss(plain-deepest) > PLAIN_FACTOR · loss(plain-shallowest)`:
/// degradation, calibrated once (measured factor in the doc).
pub const PLAIN_FACTOR: f64 = 1.5;

/// The experiment's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// (a) depths (number of residual blocks).
    pub init_depths: Vec<usize>,
    /// (a) random networks per configuration.
    pub init_seeds: usize,
    /// (a) input rows per network.
    pub init_batch: usize,
    /// (b) depths in weighted layers (6n+2 style: stem + 2 per block + head).
    pub train_depths: Vec<usize>,
    /// (b) SGD steps.
    pub steps: usize,
    /// (b) batch size.
    pub batch: usize,
    /// (b) peak learning rate (momentum 0.9, cosine annealing to 0).
    pub lr: f64,
    /// (b) training seeds (median over them).
    pub train_seeds: usize,
    /// Base seed.
    pub seed: u64,
}

impl Config {
    /// The test's variant: fewer seeds, shallower training.
    pub fn quick() -> Config {
        Config {
            init_depths: vec![10, 20, 50],
            init_seeds: 60,
            init_batch: 4,
            train_depths: vec![8, 32],
            steps: 150,
            batch: 64,
            lr: 0.02,
            train_seeds: 1,
            seed: 0,
        }
    }

    /// The example's default.
    pub fn standard() -> Config {
        Config {
            init_depths: vec![10, 20, 50],
            init_seeds: 200,
            init_batch: 4,
            train_depths: vec![8, 20, 56],
            steps: 300,
            batch: 64,
            lr: 0.02,
            train_seeds: 3,
            seed: 0,
        }
    }
}

/// One initialization variant of part (a).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Variant {
    /// `x + α·W₂relu(W₁x)` with α folded into `W₂`'s standard deviation.
    Alpha(f64),
    /// α = 1/√L.
    InvSqrtDepth,
    /// The library's `Residual::with_skip_init` (learnable α starting at 0).
    SkipInit,
    /// `W₁` He-scaled by `L^{-1/2}`, `W₂ = 0`.
    Fixup,
}

impl Variant {
    /// Its branch scale α at depth `l`.
    pub fn alpha(self, l: usize) -> f64 {
        match self {
            Variant::Alpha(a) => a,
            Variant::InvSqrtDepth => 1.0 / (l as f64).sqrt(),
            Variant::SkipInit | Variant::Fixup => 0.0,
        }
    }

    /// A short name.
    pub fn name(self) -> String {
        match self {
            Variant::Alpha(a) => format!("α={a}"),
            Variant::InvSqrtDepth => "α=1/√L".into(),
            Variant::SkipInit => "SkipInit (α=0)".into(),
            Variant::Fixup => "Fixup (W₂=0)".into(),
        }
    }
}

/// The variants of part (a).
pub const VARIANTS: [Variant; 4] = [
    Variant::Alpha(1.0),
    Variant::InvSqrtDepth,
    Variant::SkipInit,
    Variant::Fixup,
];

/// A stack of `l` unnormalized residual blocks in f64.
pub fn residual_stack(variant: Variant, l: usize, n: usize, rng: &mut Rng) -> Vec<Residual<f64>> {
    let mut net = Vec::new();
    let he = Init::he_normal();
    for _ in 0..l {
        let (w1, w2) = match variant {
            Variant::Alpha(_) | Variant::InvSqrtDepth => (
                he,
                Init::Normal {
                    mean: 0.0,
                    std: variant.alpha(l) / (n as f64).sqrt(),
                },
            ),
            Variant::SkipInit => (
                he,
                Init::Normal {
                    mean: 0.0,
                    std: 1.0 / (n as f64).sqrt(),
                },
            ),
            Variant::Fixup => (
                Init::Normal {
                    mean: 0.0,
                    std: (2.0 / n as f64).sqrt() / (l as f64).sqrt(),
                },
                Init::Zeros,
            ),
        };
        let block = Sequential::new()
            .push(Dense::without_bias(n, n, w1, rng))
            .push(Relu)
            .push(Dense::without_bias(n, n, w2, rng));
        let res = Residual::new(block);
        net.push(if variant == Variant::SkipInit {
            res.with_skip_init()
        } else {
            res
        });
    }
    net
}

/// Part (a)'s measurements for one (variant, depth).
#[derive(Debug, Clone)]
pub struct InitCell {
    /// The variant.
    pub variant: Variant,
    /// Blocks.
    pub depth: usize,
    /// `(1+α²)^L`.
    pub predicted: f64,
    /// Per seed: `‖x_L‖²/‖x_0‖²` averaged over the input rows.
    pub ratios: Vec<f64>,
    /// Per seed: `‖∂(v·x_L)/∂x_0‖²/‖v‖²` averaged over rows.
    pub grad_ratios: Vec<f64>,
    /// Mean of all per-block ratios `‖x_{l+1}‖²/‖x_l‖²`.
    pub block_mean: f64,
    /// Its standard error.
    pub block_se: f64,
    /// `‖x_l‖²/‖x_0‖²` against l, averaged over seeds (figure).
    pub profile: Vec<f64>,
}

impl InitCell {
    /// Seed mean of the ratio.
    pub fn mean(&self) -> f64 {
        mean(&self.ratios)
    }

    /// Standard error of [`mean`](Self::mean) under a log-normal model.
    pub fn se(&self) -> f64 {
        let logs: Vec<f64> = self.ratios.iter().map(|r| r.ln()).collect();
        let m = mean(&logs);
        let s2 = logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (logs.len() as f64 - 1.0);
        self.mean() * ((s2.exp() - 1.0) / logs.len() as f64).sqrt()
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn row_sq_norms(t: &Tensor<f64>) -> Vec<f64> {
    let cols = t.shape()[1];
    t.data()
        .chunks(cols)
        .map(|r| r.iter().map(|v| v * v).sum())
        .collect()
}

/// Measures one (variant, depth) cell of part (a).
pub fn init_cell(variant: Variant, depth: usize, cfg: &Config) -> InitCell {
    let n = WIDTH;
    let a = variant.alpha(depth);
    let mut ratios = Vec::new();
    let mut grad_ratios = Vec::new();
    let mut blocks = Vec::new();
    let mut profile = vec![0.0; depth + 1];
    for s in 0..cfg.init_seeds {
        let mut rng = Rng::seed_from_u64(cfg.seed ^ (1000 * depth as u64 + s as u64) << 8);
        let mut net = residual_stack(variant, depth, n, &mut rng);
        let x0 = Tensor::<f64>::normal([cfg.init_batch, n], 0.0, 1.0, &mut rng);
        let v = Tensor::<f64>::normal([cfg.init_batch, n], 0.0, 1.0, &mut rng);
        let tape = Tape::<f64>::new();
        let x = tape.leaf(x0.clone());
        let mut h = x;
        let n0 = row_sq_norms(&x0);
        let mut prev = n0.clone();
        // Walk the blocks one by one to read every intermediate norm.
        for (l, block) in net.iter_mut().enumerate() {
            h = {
                let _scope = tape.scope(&l.to_string());
                block.forward(h)
            };
            let now = row_sq_norms(&h.value());
            for (p, q) in prev.iter().zip(&now) {
                blocks.push(q / p);
            }
            let rel: f64 = now.iter().zip(&n0).map(|(a, b)| a / b).sum::<f64>() / n0.len() as f64;
            profile[l + 1] += rel / cfg.init_seeds as f64;
            prev = now;
        }
        profile[0] += 1.0 / cfg.init_seeds as f64;
        let r: f64 = prev.iter().zip(&n0).map(|(a, b)| a / b).sum::<f64>() / n0.len() as f64;
        ratios.push(r);
        let loss = (h * tape.constant(v.clone())).sum_all();
        let grads = tape.backward(loss);
        let g = grads.wrt(x).expect("x is a leaf");
        let gn = row_sq_norms(g);
        let vn = row_sq_norms(&v);
        grad_ratios.push(gn.iter().zip(&vn).map(|(a, b)| a / b).sum::<f64>() / vn.len() as f64);
    }
    let bm = mean(&blocks);
    let bvar = blocks.iter().map(|x| (x - bm).powi(2)).sum::<f64>() / (blocks.len() as f64 - 1.0);
    InitCell {
        variant,
        depth,
        predicted: (1.0 + a * a).powi(depth as i32),
        ratios,
        grad_ratios,
        block_mean: bm,
        block_se: (bvar / blocks.len() as f64).sqrt(),
        profile,
    }
}

/// Part (b): one trained network.
#[derive(Debug, Clone)]
pub struct TrainRun {
    /// `"plain"` or `"residual"`.
    pub kind: &'static str,
    /// Weighted layers.
    pub depth: usize,
    /// Final full-training-set loss, per seed.
    pub final_loss: Vec<f64>,
    /// Final training accuracy, per seed.
    pub final_acc: Vec<f64>,
    /// Loss curve of the first seed: (step, mean minibatch loss of the last 25 steps).
    pub curve: Vec<(f64, f64)>,
    /// `‖∂C/∂W‖` of the first dense layer at init (first seed).
    pub first_weight_grad: f64,
    /// RMS of `∂C/∂s` at the first vs the last weighted layer, at init.
    pub first_over_last: f64,
    /// The monitor's record at init (first seed), for the depth profile.
    pub init_record: Option<StepRecord>,
}

/// A BN+ReLU MLP of `depth` weighted layers on the digits: plain or residual.
pub fn train_net(residual: bool, depth: usize, rng: &mut Rng) -> Sequential<f32> {
    let he = Init::he_normal();
    let mut net = Sequential::<f32>::new()
        .push(Dense::without_bias(64, WIDTH, he, rng))
        .push(BatchNorm1d::new(WIDTH))
        .push(Relu);
    if residual {
        for _ in 0..(depth - 2) / 2 {
            let block = Sequential::new()
                .push(Dense::without_bias(WIDTH, WIDTH, he, rng))
                .push(BatchNorm1d::new(WIDTH))
                .push(Relu)
                .push(Dense::without_bias(WIDTH, WIDTH, he, rng))
                .push(BatchNorm1d::new(WIDTH));
            net.add(Residual::new(block));
            net.add(Relu);
        }
    } else {
        for _ in 0..depth - 2 {
            net.add(Dense::without_bias(WIDTH, WIDTH, he, rng));
            net.add(BatchNorm1d::new(WIDTH));
            net.add(Relu);
        }
    }
    net.push(Dense::new(WIDTH, 10, Init::xavier_uniform(), rng))
}

/// Trains one network for `cfg.steps` steps.
pub fn train_one(
    residual: bool,
    depth: usize,
    seed: u64,
    cfg: &Config,
    data: &Digits<f32>,
) -> (f64, f64, Vec<(f64, f64)>, StepRecord) {
    let mut rng = Rng::seed_from_u64(seed);
    let mut net = train_net(residual, depth, &mut rng);
    // One monitored backward pass at init (no update).
    let mut monitor = GradMonitor::new();
    {
        let rows: Vec<usize> = permutation(data.train_y.numel(), &mut rng)[..cfg.batch].to_vec();
        let (x, y) = data.train_batch(&rows);
        let mut grads = {
            let tape = Tape::new();
            let loss = net.forward(tape.constant(x)).cross_entropy(&y);
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&net, &mut grads);
    }
    let record = monitor.history()[0].clone();
    let mut opt = Sgd::new(SgdConfig {
        lr: cfg.lr,
        momentum: Momentum::Classic(0.9),
        ..SgdConfig::default()
    })
    .expect("valid SGD config");
    let n = data.train_y.numel();
    let mut order = permutation(n, &mut rng);
    let mut pos = 0;
    let mut curve = Vec::new();
    let mut window = 0.0;
    let schedule = CosineAnnealing::new(cfg.steps, 0.0);
    for step in 0..cfg.steps {
        if pos + cfg.batch > n {
            order = permutation(n, &mut rng);
            pos = 0;
        }
        let (x, y) = data.train_batch(&order[pos..pos + cfg.batch]);
        pos += cfg.batch;
        opt.set_learning_rate(schedule.lr(step, cfg.lr));
        let (loss, grads) = {
            let tape = Tape::new();
            let loss = net.forward(tape.constant(x)).cross_entropy(&y);
            (loss.item() as f64, tape.backward(loss))
        };
        opt.step(&mut net, &grads);
        window += loss;
        if (step + 1) % 25 == 0 {
            curve.push(((step + 1) as f64, window / 25.0));
            window = 0.0;
        }
    }
    // Full training set, batch statistics (training mode), no update.
    let tape = Tape::new();
    let logits = net.forward(tape.constant(data.train_x.clone()));
    let loss = logits.cross_entropy(&data.train_y).item() as f64;
    let acc = crate::common::accuracy(&logits.value(), &data.train_y);
    (loss, acc, curve, record)
}

/// Everything the example reports.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Part (a) cells.
    pub init: Vec<InitCell>,
    /// Part (b) runs.
    pub train: Vec<TrainRun>,
    /// Tables: (a), (b).
    pub tables: Vec<Table>,
}

/// Runs both parts.
pub fn run(cfg: &Config) -> Outcome {
    let mut init = Vec::new();
    let bar = progress((VARIANTS.len() * cfg.init_depths.len()) as u64, "E10a init");
    for &v in &VARIANTS {
        for &l in &cfg.init_depths {
            init.push(init_cell(v, l, cfg));
            bar.inc(1);
        }
    }
    bar.finish_and_clear();

    let mut ta = Table::new(format!(
        "E10a — residual stack at init, width {WIDTH}, {} nets × {} inputs: E‖x_L‖²/‖x_0‖² = (1+α²)^L",
        cfg.init_seeds, cfg.init_batch
    ));
    for c in &init {
        let name = format!("{} L={}", c.variant.name(), c.depth);
        let paper = match c.variant {
            Variant::Alpha(_) => "2^L (De & Smith §1)",
            Variant::InvSqrtDepth => "O(1)",
            Variant::SkipInit => "identity (SkipInit)",
            Variant::Fixup => "identity (Fixup)",
        };
        match c.variant {
            Variant::SkipInit | Variant::Fixup => {
                let worst = c
                    .ratios
                    .iter()
                    .chain(&c.grad_ratios)
                    .map(|r| (r - 1.0).abs())
                    .fold(0.0, f64::max);
                ta.check(
                    format!("{name}: max |ratio−1| (fwd and input grad)"),
                    paper,
                    "0",
                    num(worst),
                    format!("≤ {IDENTITY_TOL:e}"),
                    worst <= IDENTITY_TOL,
                );
            }
            _ => {
                let (m, se) = (c.mean(), c.se());
                let z = (m - c.predicted).abs() / se;
                ta.check(
                    format!("{name}: seed mean ‖x_L‖²/‖x_0‖²"),
                    paper,
                    num(c.predicted),
                    format!("{} ± {} ({z:.1} SE)", num(m), num(se)),
                    format!("within {MEAN_RATIO_SE} SE"),
                    z <= MEAN_RATIO_SE,
                );
                let a = c.variant.alpha(c.depth);
                let zb = (c.block_mean - (1.0 + a * a)).abs() / c.block_se;
                ta.check(
                    format!("{name}: per-block E‖x_(l+1)‖²/‖x_l‖²"),
                    "—",
                    format!("{:.4}", 1.0 + a * a),
                    format!("{:.4} ± {:.4} ({zb:.1} SE)", c.block_mean, c.block_se),
                    format!("within {BLOCK_RATIO_SE} SE"),
                    zb <= BLOCK_RATIO_SE,
                );
                ta.report(
                    format!("{name}: median input-grad ‖∂/∂x_0‖²/‖v‖²"),
                    "—",
                    format!("≈{} (mean field)", num(c.predicted)),
                    num(median(&c.grad_ratios)),
                );
            }
        }
    }

    let data = Digits::<f32>::load();
    let mut train = Vec::new();
    let total = (2 * cfg.train_depths.len() * cfg.train_seeds) as u64;
    let bar = progress(total, "E10b training");
    for residual in [false, true] {
        for &d in &cfg.train_depths {
            let mut run = TrainRun {
                kind: if residual { "residual" } else { "plain" },
                depth: d,
                final_loss: Vec::new(),
                final_acc: Vec::new(),
                curve: Vec::new(),
                first_weight_grad: 0.0,
                first_over_last: 0.0,
                init_record: None,
            };
            for s in 0..cfg.train_seeds {
                bar.set_message(format!("{}-{d} seed {s}", run.kind));
                let (loss, acc, curve, rec) =
                    train_one(residual, d, cfg.seed + 101 * s as u64, cfg, &data);
                run.final_loss.push(loss);
                run.final_acc.push(acc);
                if s == 0 {
                    run.curve = curve;
                    run.first_weight_grad = rec
                        .params
                        .iter()
                        .find(|p| p.name == "0.weight")
                        .map_or(f64::NAN, |p| p.stats.l2);
                    let w: Vec<f64> = rec
                        .layers_of(&[LayerKind::Weighted])
                        .map(|l| l.stats.rms())
                        .collect();
                    run.first_over_last = w[0] / w[w.len() - 1];
                    run.init_record = Some(rec);
                }
                bar.inc(1);
            }
            train.push(run);
        }
    }
    bar.finish_and_clear();

    let shallow = *cfg.train_depths.first().expect("depths");
    let deep = *cfg.train_depths.last().expect("depths");
    let loss_of = |kind: &str, d: usize| {
        median(
            &train
                .iter()
                .find(|r| r.kind == kind && r.depth == d)
                .expect("trained")
                .final_loss,
        )
    };
    let mut tb = Table::new(format!(
        "E10b — BN+ReLU MLPs (width {WIDTH}) on digits, SGD momentum 0.9, lr {} cosine → 0, batch {}, {} steps, median of {} seeds",
        cfg.lr, cfg.batch, cfg.steps, cfg.train_seeds
    ));
    for r in &train {
        tb.report(
            format!("{}-{}: final train loss (acc)", r.kind, r.depth),
            "—",
            "—",
            format!(
                "{} ({:.1}%)",
                num(median(&r.final_loss)),
                100.0 * median(&r.final_acc)
            ),
        );
    }
    for r in train.iter().filter(|r| r.kind == "plain") {
        tb.report(
            format!(
                "plain-{}: ∂C/∂s rms first/last weighted layer at init",
                r.depth
            ),
            "\"healthy norms\" (He 2016 §4.1)",
            format!(
                "≈{} = 1.211^{} (E8b, BN)",
                num((std::f64::consts::PI / (std::f64::consts::PI - 1.0))
                    .powf(0.5 * (r.depth - 1) as f64)),
                r.depth - 1
            ),
            format!(
                "{} (‖∂C/∂W₁‖ = {})",
                num(r.first_over_last),
                num(r.first_weight_grad)
            ),
        );
    }
    let (p_s, p_d) = (loss_of("plain", shallow), loss_of("plain", deep));
    let (r_s, r_d) = (loss_of("residual", shallow), loss_of("residual", deep));
    tb.check(
        format!("plain-{deep} vs plain-{shallow}: degradation"),
        "plain-56 trains worse than plain-20 (Fig. 1, 6)",
        "deeper plain ⇒ higher loss",
        format!("{} vs {} (×{:.1})", num(p_d), num(p_s), p_d / p_s),
        format!("> {PLAIN_FACTOR}× plain-{shallow}"),
        p_d > PLAIN_FACTOR * p_s,
    );
    tb.check(
        format!("res-{deep} vs res-{shallow}: no degradation"),
        "deeper ResNets train better (Fig. 6)",
        "no degradation",
        format!("{} vs {}", num(r_d), num(r_s)),
        format!("≤ res-{shallow} + {RES_SLACK}"),
        r_d <= r_s + RES_SLACK,
    );
    Outcome {
        init,
        train,
        tables: vec![ta, tb],
    }
}

/// Draws the figures.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<std::path::PathBuf>> {
    let mut paths = Vec::new();
    // (a) growth of ‖x_l‖² with depth for the deepest stack.
    let deepest = outcome.init.iter().map(|c| c.depth).max().unwrap_or(0);
    let mut chart = LineChart::new(format!(
        "Residual stack at init (L = {deepest}, width {WIDTH}): ‖x_l‖²/‖x_0‖², seed mean"
    ))
    .x_label("block l")
    .y_label("‖x_l‖² / ‖x_0‖² (ratio)")
    .log_y();
    for c in outcome.init.iter().filter(|c| c.depth == deepest) {
        let a = c.variant.alpha(c.depth);
        chart = chart.series(
            format!("{} measured", c.variant.name()),
            c.profile.iter().enumerate().map(|(l, &p)| (l as f64, p)),
        );
        if matches!(c.variant, Variant::Alpha(_) | Variant::InvSqrtDepth) {
            chart = chart.dashed_series(
                format!("(1+α²)^l, {}", c.variant.name()),
                (0..=c.depth).map(|l| (l as f64, (1.0 + a * a).powi(l as i32))),
            );
        }
    }
    for name in ["residual_init.svg", "residual_init.png"] {
        let p = out.file(name);
        chart.save(&p)?;
        paths.push(p);
    }
    // (b) training curves.
    let mut chart = LineChart::new("Plain vs residual BN+ReLU MLPs on digits (SGD momentum 0.9)")
        .x_label("step")
        .y_label("training cross-entropy (mean of 25 minibatches)")
        .log_y();
    for r in &outcome.train {
        let name = format!("{}-{}", r.kind, r.depth);
        chart = if r.kind == "plain" {
            chart.dashed_series(name, r.curve.clone())
        } else {
            chart.series(name, r.curve.clone())
        };
    }
    for name in ["residual_training.svg", "residual_training.png"] {
        let p = out.file(name);
        chart.save(&p)?;
        paths.push(p);
    }
    // (b) gradient profile at init.
    let runs: Vec<(String, &StepRecord)> = outcome
        .train
        .iter()
        .filter(|r| r.depth == outcome.train.iter().map(|r| r.depth).max().unwrap_or(0))
        .filter_map(|r| Some((format!("{}-{}", r.kind, r.depth), r.init_record.as_ref()?)))
        .collect();
    let runs: Vec<(&str, &StepRecord)> = runs.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    let p = out.file("residual_depth_profile.svg");
    gradflow::monitor::plot::plot_depth_profile(&runs, &p)?;
    paths.push(p);
    Ok(paths)
}
