//! E-CNN — gradient flow in deep convolutional nets on the 8×8 digits:
//! plain 3×3 conv stacks (He init, ReLU) against the same stacks with
//! residual connections (He et al. 2016) and with batch norm (Ioffe &
//! Szegedy 2015).
//!
//! At initialization we read, from one monitored backward pass, the RMS of
//! `∂L/∂(conv output)` at every conv layer; then each net is trained for a
//! fixed small budget with Adam and its training accuracy is measured.
//! Claim: at the deepest setting the residual CNN's first-layer gradient is
//! larger than the plain one's, and the plain net trains worse.

use gradflow::monitor::{GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{
    BatchNorm2d, Conv2d, Dense, GlobalAvgPool2d, Init, Layer, Module, Relu, Residual, Sequential,
};
use gradflow::optim::{Adam, AdamConfig, Optimizer};
use gradflow::plot::LineChart;
use gradflow::prelude::*;

use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, accuracy, permutation, progress};

/// Channels of every conv layer after the stem.
pub const CHANNELS: usize = 16;

/// Headline (a): at the deepest setting,
/// `rms(∂L/∂conv₁)(residual) > GRAD_FACTOR · rms(∂L/∂conv₁)(plain)`,
/// calibrated once (measured factor in docs/repro/cnn_depth.md).
pub const GRAD_FACTOR: f64 = 1.5;
/// Headline (b): at the deepest setting,
/// `acc(residual) ≥ acc(plain) + ACC_MARGIN` (training accuracy after the
/// budget), calibrated once.
pub const ACC_MARGIN: f64 = 0.05;

/// The experiment's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Depths in 3×3 conv layers (odd: stem + 2 per residual block).
    pub depths: Vec<usize>,
    /// Architecture families to run (plain and residual are needed for
    /// the checks).
    pub variants: Vec<Variant>,
    /// Adam steps per net.
    pub steps: usize,
    /// Batch size.
    pub batch: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Base seed.
    pub seed: u64,
}

impl Config {
    /// The test's variant: shallowest and deepest only, fewer steps.
    pub fn quick() -> Config {
        Config {
            depths: vec![13],
            variants: vec![Variant::Plain, Variant::Residual],
            steps: 60,
            batch: 64,
            lr: 2e-3,
            seed: 0,
        }
    }

    /// The example's default.
    pub fn standard() -> Config {
        Config {
            depths: vec![3, 9, 21],
            variants: VARIANTS.to_vec(),
            steps: 150,
            batch: 64,
            lr: 2e-3,
            seed: 0,
        }
    }
}

/// An architecture family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// conv → ReLU, repeated.
    Plain,
    /// Stem conv → ReLU, then blocks `relu(x + conv(relu(conv(x))))`
    /// (He et al. 2016's basic block without BN).
    Residual,
    /// conv → BatchNorm2d → ReLU, repeated.
    PlainBn,
}

/// The variants, in table order.
pub const VARIANTS: [Variant; 3] = [Variant::Plain, Variant::Residual, Variant::PlainBn];

impl Variant {
    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Residual => "residual",
            Variant::PlainBn => "plain+BN",
        }
    }
}

fn conv(cin: usize, rng: &mut Rng) -> Conv2d<f32> {
    Conv2d::new(cin, CHANNELS, (3, 3), Init::he_normal(), rng).with_padding((1, 1))
}

/// A CNN of `depth` 3×3 conv layers (16 channels, padding 1, He init),
/// then global average pooling and `Dense(16, 10)`.
pub fn build(variant: Variant, depth: usize, rng: &mut Rng) -> Sequential<f32> {
    let mut net = Sequential::<f32>::new();
    match variant {
        Variant::Plain | Variant::PlainBn => {
            for l in 0..depth {
                net.add(conv(if l == 0 { 1 } else { CHANNELS }, rng));
                if variant == Variant::PlainBn {
                    net.add(BatchNorm2d::new(CHANNELS));
                }
                net.add(Relu);
            }
        }
        Variant::Residual => {
            assert!(depth % 2 == 1, "residual depth must be 1 + 2·blocks");
            net.add(conv(1, rng));
            net.add(Relu);
            let blocks = (depth - 1) / 2;
            // He std for the second conv, scaled by 1/√blocks so that the
            // stack's forward norm stays O(1) (α = 1/√L, De & Smith 2020).
            let he_std = (2.0 / (9 * CHANNELS) as f64).sqrt();
            let branch = Init::Normal {
                mean: 0.0,
                std: he_std / (blocks as f64).sqrt(),
            };
            for _ in 0..blocks {
                let block = Sequential::new().push(conv(CHANNELS, rng)).push(Relu).push(
                    Conv2d::new(CHANNELS, CHANNELS, (3, 3), branch, rng).with_padding((1, 1)),
                );
                net.add(Residual::new(block));
                net.add(Relu);
            }
        }
    }
    net.push(GlobalAvgPool2d)
        .push(Dense::new(CHANNELS, 10, Init::xavier_uniform(), rng))
}

/// One trained net.
#[derive(Debug, Clone)]
pub struct Run {
    /// Its family.
    pub variant: Variant,
    /// Conv layers.
    pub depth: usize,
    /// RMS of `∂L/∂(conv output)` per conv layer at init, input to output.
    pub conv_rms: Vec<f64>,
    /// The monitor's record at init.
    pub init_record: StepRecord,
    /// Training-set accuracy after the budget.
    pub train_acc: f64,
    /// Training-set cross-entropy after the budget.
    pub train_loss: f64,
    /// Held-out accuracy after the budget.
    pub test_acc: f64,
}

impl Run {
    /// Gradient RMS at the first conv layer.
    pub fn first(&self) -> f64 {
        self.conv_rms[0]
    }

    /// First / last conv layer gradient RMS.
    pub fn first_over_last(&self) -> f64 {
        self.conv_rms[0] / self.conv_rms[self.conv_rms.len() - 1]
    }
}

fn images(x: Tensor<f32>) -> Tensor<f32> {
    let n = x.shape()[0];
    x.reshape([n, 1, 8, 8])
}

/// Trains one net, recording its gradient profile at init.
pub fn train_one(variant: Variant, depth: usize, cfg: &Config, data: &Digits<f32>) -> Run {
    let mut rng = Rng::seed_from_u64(cfg.seed ^ (1000 * depth as u64 + 7));
    let mut net = build(variant, depth, &mut rng);
    let n = data.train_y.numel();
    let mut order = permutation(n, &mut rng);
    // One monitored backward pass at init, on the first minibatch.
    let mut monitor = GradMonitor::new();
    {
        let (x, y) = data.train_batch(&order[..cfg.batch]);
        let tape = Tape::new();
        let loss = net.forward(tape.constant(images(x))).cross_entropy(&y);
        let mut grads = tape.backward_with(loss, &mut monitor);
        monitor.record_params(&net, &mut grads);
    }
    let init_record = monitor.history()[0].clone();
    let mut conv_rms: Vec<f64> = init_record
        .layers_of(&[LayerKind::Weighted])
        .map(|l| l.stats.rms())
        .collect();
    conv_rms.pop(); // the Dense head
    assert_eq!(conv_rms.len(), depth, "one record per conv layer");

    let mut opt = Adam::new(AdamConfig {
        lr: cfg.lr,
        ..AdamConfig::default()
    })
    .expect("valid Adam config");
    let mut pos = 0;
    for _ in 0..cfg.steps {
        if pos + cfg.batch > n {
            order = permutation(n, &mut rng);
            pos = 0;
        }
        let (x, y) = data.train_batch(&order[pos..pos + cfg.batch]);
        pos += cfg.batch;
        let grads = {
            let tape = Tape::new();
            let loss = net.forward(tape.constant(images(x))).cross_entropy(&y);
            tape.backward(loss)
        };
        opt.step(&mut net, &grads);
    }
    // Evaluation with running statistics (eval mode) for the BN nets.
    net.set_training(false);
    let tape = Tape::new();
    let logits = net.forward(tape.constant(images(data.train_x.clone())));
    let train_loss = logits.cross_entropy(&data.train_y).item() as f64;
    let train_acc = accuracy(&logits.value(), &data.train_y);
    let tape = Tape::new();
    let logits = net.forward(tape.constant(images(data.test_x.clone())));
    let test_acc = accuracy(&logits.value(), &data.test_y);
    Run {
        variant,
        depth,
        conv_rms,
        init_record,
        train_acc,
        train_loss,
        test_acc,
    }
}

/// Everything the example reports.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every (variant, depth), variant-major.
    pub runs: Vec<Run>,
    /// Tables: (a) gradients at init, (b) training.
    pub tables: Vec<Table>,
}

impl Outcome {
    /// The run of a (variant, depth).
    pub fn get(&self, variant: Variant, depth: usize) -> &Run {
        self.runs
            .iter()
            .find(|r| r.variant == variant && r.depth == depth)
            .expect("run exists")
    }

    /// Tidy CSV of every gradient profile at init:
    /// `variant,depth,layer,rms` (layer 1 = first conv).
    pub fn profile_csv(&self) -> String {
        let mut s = String::from("variant,depth,layer,rms\n");
        for r in &self.runs {
            for (l, g) in r.conv_rms.iter().enumerate() {
                s.push_str(&format!(
                    "{},{},{},{g:e}\n",
                    r.variant.name(),
                    r.depth,
                    l + 1
                ));
            }
        }
        s
    }

    /// The deepest setting.
    pub fn deepest(&self) -> usize {
        self.runs.iter().map(|r| r.depth).max().unwrap_or(0)
    }
}

/// Runs every (variant, depth).
pub fn run(cfg: &Config) -> Outcome {
    let data = Digits::<f32>::load();
    let mut runs = Vec::new();
    let bar = progress((cfg.variants.len() * cfg.depths.len()) as u64, "cnn_depth");
    for &v in &cfg.variants {
        for &d in &cfg.depths {
            bar.set_message(format!("{}-{d}", v.name()));
            runs.push(train_one(v, d, cfg, &data));
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let mut outcome = Outcome {
        runs,
        tables: Vec::new(),
    };
    let deep = outcome.deepest();

    let mut ta = Table::new(format!(
        "CNN (a) — ∂L/∂(conv output) RMS at init, 3×3 convs × {CHANNELS} ch, padding 1, He init, batch {}",
        cfg.batch
    ));
    for r in &outcome.runs {
        ta.report(
            format!(
                "{}-{}: rms first conv (first/last)",
                r.variant.name(),
                r.depth
            ),
            "—",
            "—",
            format!("{} ({})", num(r.first()), num(r.first_over_last())),
        );
    }
    let (p, res) = (
        outcome.get(Variant::Plain, deep),
        outcome.get(Variant::Residual, deep),
    );
    ta.check(
        format!("residual-{deep} vs plain-{deep}: first-layer gradient RMS"),
        "skips carry the gradient to early layers (He et al. 2016)",
        "residual > plain",
        format!(
            "{} vs {} (×{:.1})",
            num(res.first()),
            num(p.first()),
            res.first() / p.first()
        ),
        format!("> {GRAD_FACTOR}×"),
        res.first() > GRAD_FACTOR * p.first(),
    );

    let mut tb = Table::new(format!(
        "CNN (b) — training accuracy after {} Adam steps (lr {}, batch {}) on the 1437 training digits",
        cfg.steps, cfg.lr, cfg.batch
    ));
    for r in &outcome.runs {
        tb.report(
            format!(
                "{}-{}: train acc (loss; test acc)",
                r.variant.name(),
                r.depth
            ),
            "—",
            "—",
            format!(
                "{:.1}% ({}; {:.1}%)",
                100.0 * r.train_acc,
                num(r.train_loss),
                100.0 * r.test_acc
            ),
        );
    }
    tb.check(
        format!("residual-{deep} vs plain-{deep}: training accuracy"),
        "deep plain nets train worse (He et al. 2016, Fig. 1)",
        "residual > plain",
        format!(
            "{:.1}% vs {:.1}%",
            100.0 * res.train_acc,
            100.0 * p.train_acc
        ),
        format!("≥ plain + {:.0} points", 100.0 * ACC_MARGIN),
        res.train_acc >= p.train_acc + ACC_MARGIN,
    );
    outcome.tables = vec![ta, tb];
    outcome
}

/// Draws the figures.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<std::path::PathBuf>> {
    let mut paths = Vec::new();
    let deep = outcome.deepest();
    let variants: Vec<Variant> = VARIANTS
        .into_iter()
        .filter(|&v| outcome.runs.iter().any(|r| r.variant == v))
        .collect();
    let names: Vec<(String, &StepRecord)> = variants
        .iter()
        .map(|&v| {
            let r = outcome.get(v, deep);
            (format!("{}-{deep}", v.name()), &r.init_record)
        })
        .collect();
    let runs: Vec<(&str, &StepRecord)> = names.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    let p = out.file("cnn_depth_profile.svg");
    gradflow::monitor::plot::plot_depth_profile(&runs, &p)?;
    paths.push(p);

    let mut chart = LineChart::new(format!(
        "First-conv gradient RMS at init vs depth ({CHANNELS} ch, He init)"
    ))
    .x_label("conv layers")
    .y_label("RMS ∂L/∂(first conv output)")
    .log_y();
    for &v in &variants {
        chart = chart.series(
            v.name(),
            outcome
                .runs
                .iter()
                .filter(|r| r.variant == v)
                .map(|r| (r.depth as f64, r.first())),
        );
    }
    for name in ["cnn_depth_first_grad.svg", "cnn_depth_first_grad.png"] {
        let p = out.file(name);
        chart.save(&p)?;
        paths.push(p);
    }

    let mut chart = LineChart::new("Training accuracy after the budget vs depth (digits)")
        .x_label("conv layers")
        .y_label("training accuracy")
        .hline(0.1, "chance");
    for &v in &variants {
        chart = chart.series(
            v.name(),
            outcome
                .runs
                .iter()
                .filter(|r| r.variant == v)
                .map(|r| (r.depth as f64, r.train_acc)),
        );
    }
    for name in ["cnn_depth_accuracy.svg", "cnn_depth_accuracy.png"] {
        let p = out.file(name);
        chart.save(&p)?;
        paths.push(p);
    }
    Ok(paths)
}
