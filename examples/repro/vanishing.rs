//! The seed's story in one run: 54 deep MLPs (activation × init ×
//! normalization × skip) at initialization, the gradient-flow monitor's
//! verdict on each next to the mean-field prediction, then a few of them
//! trained on the digits to show which ones learn.
//!
//! Shared by `examples/vanishing.rs` (the full run) and
//! `tests/repro_vanishing.rs` (`Config::quick()`).

use std::f64::consts::PI;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gradflow::monitor::{Finding, GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{
    self, BatchNorm1d, Dense, Init, Layer, LayerNorm, Module, Relu, Residual, Sequential, Sigmoid,
    Tanh,
};
use gradflow::optim::{Momentum, NonFinite, Optimizer, Sgd, SgdConfig, clip_global_norm};
use gradflow::plot::LineChart;
use gradflow::prelude::*;

use crate::common::quadrature::gaussian_mean;
use crate::common::{Digits, OutDir, Table, accuracy, permutation, progress, table::num};

// ---------------------------------------------------------------------------
// Pass criteria (frozen; calibrated once on the standard configuration)
// ---------------------------------------------------------------------------

/// Sigmoid + Glorot's standard init (plain, no normalization) vanishes:
/// `rms(∂L/∂s_first)/rms(∂L/∂s_last)` below this (the monitor's own
/// default threshold).
pub const VANISH_RATIO: f64 = 1e-3;
/// A run has "learned" when its test accuracy reaches this (chance is 10%).
pub const LEARNED_ACCURACY: f64 = 0.5;

// ---------------------------------------------------------------------------
// The configurations
// ---------------------------------------------------------------------------

/// The nonlinearity between dense layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Logistic sigmoid.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
}

/// The weight initialization of every dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitKind {
    /// Glorot & Bengio's "standard" `U(±1/√fan_in)` (`Init::GlorotStandard`,
    /// PyTorch's `nn.Linear` default): `n·Var[W] = 1/3`.
    Standard,
    /// Xavier (Glorot's normalized) uniform, gain 1: `n·Var[W] = 1`.
    Xavier,
    /// He (Kaiming) normal, fan-in, ReLU gain: `n·Var[W] = 2`.
    He,
}

/// Normalization after each hidden dense layer (plain) or at the start of
/// each residual branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// None.
    None,
    /// `BatchNorm1d`, batch statistics.
    Batch,
    /// `LayerNorm` over the units.
    Layer,
}

/// Plain stack or residual (pre-activation) blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// `Dense → [norm] → act`, repeated.
    Plain,
    /// A stem `Dense`, then blocks `x + Dense(act([norm](x)))`.
    Residual,
}

/// One of the 54 networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arch {
    /// Activation.
    pub act: Act,
    /// Initialization.
    pub init: InitKind,
    /// Normalization.
    pub norm: Norm,
    /// Skip connections.
    pub skip: Skip,
}

impl Arch {
    /// A plain network without normalization.
    pub const fn plain(act: Act, init: InitKind) -> Arch {
        Arch {
            act,
            init,
            norm: Norm::None,
            skip: Skip::Plain,
        }
    }

    /// With normalization `norm`.
    pub const fn with_norm(mut self, norm: Norm) -> Arch {
        self.norm = norm;
        self
    }

    /// With residual connections.
    pub const fn residual(mut self) -> Arch {
        self.skip = Skip::Residual;
        self
    }

    /// All 54 combinations, in table order.
    pub fn all() -> Vec<Arch> {
        let mut out = Vec::new();
        for act in [Act::Sigmoid, Act::Tanh, Act::Relu] {
            for init in [InitKind::Standard, InitKind::Xavier, InitKind::He] {
                for skip in [Skip::Plain, Skip::Residual] {
                    for norm in [Norm::None, Norm::Batch, Norm::Layer] {
                        out.push(Arch {
                            act,
                            init,
                            norm,
                            skip,
                        });
                    }
                }
            }
        }
        out
    }

    /// Short name, e.g. `ReLU+He+BN+res`.
    pub fn name(&self) -> String {
        let mut s = format!("{}+{}", self.act.label(), self.init.label());
        match self.norm {
            Norm::None => {}
            Norm::Batch => s.push_str("+BN"),
            Norm::Layer => s.push_str("+LN"),
        }
        if self.skip == Skip::Residual {
            s.push_str("+res");
        }
        s
    }
}

impl Act {
    /// Display name.
    pub fn label(self) -> &'static str {
        match self {
            Act::Sigmoid => "sigmoid",
            Act::Tanh => "tanh",
            Act::Relu => "ReLU",
        }
    }

    fn f(self, x: f64) -> f64 {
        match self {
            Act::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Act::Tanh => x.tanh(),
            Act::Relu => x.max(0.0),
        }
    }

    fn df(self, x: f64) -> f64 {
        match self {
            Act::Sigmoid => {
                let s = 1.0 / (1.0 + (-x).exp());
                s * (1.0 - s)
            }
            Act::Tanh => 1.0 - x.tanh().powi(2),
            Act::Relu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    fn layer(self) -> Box<dyn Layer<f32>> {
        match self {
            Act::Sigmoid => Box::new(Sigmoid),
            Act::Tanh => Box::new(Tanh),
            Act::Relu => Box::new(Relu),
        }
    }
}

impl InitKind {
    /// Display name.
    pub fn label(self) -> &'static str {
        match self {
            InitKind::Standard => "standard",
            InitKind::Xavier => "Xavier",
            InitKind::He => "He",
        }
    }

    /// The library initializer.
    pub fn init(self) -> Init {
        match self {
            InitKind::Standard => Init::GlorotStandard,
            InitKind::Xavier => Init::xavier_uniform(),
            InitKind::He => Init::he_normal(),
        }
    }

    /// `σ_w² = n·Var[W]` of a square `n × n` layer.
    pub fn sigma_w2(self) -> f64 {
        match self {
            InitKind::Standard => 1.0 / 3.0,
            InitKind::Xavier => 1.0,
            InitKind::He => 2.0,
        }
    }
}

impl Norm {
    fn label(self) -> &'static str {
        match self {
            Norm::None => "none",
            Norm::Batch => "BN",
            Norm::Layer => "LN",
        }
    }
}

impl Skip {
    fn label(self) -> &'static str {
        match self {
            Skip::Plain => "plain",
            Skip::Residual => "res",
        }
    }
}

/// The five networks drawn and trained by default.
pub fn representative() -> Vec<Arch> {
    vec![
        Arch::plain(Act::Sigmoid, InitKind::Standard),
        Arch::plain(Act::Tanh, InitKind::Xavier),
        Arch::plain(Act::Relu, InitKind::He),
        Arch::plain(Act::Relu, InitKind::He).with_norm(Norm::Batch),
        Arch::plain(Act::Relu, InitKind::He).residual(),
    ]
}

/// The network whose vanishing the run must see.
pub const SIGMOID_STANDARD: Arch = Arch::plain(Act::Sigmoid, InitKind::Standard);
/// The network whose gradient must not vanish, and which must learn.
pub const RELU_HE: Arch = Arch::plain(Act::Relu, InitKind::He);

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Hidden dense layers (the output layer comes on top).
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Seed of every generator.
    pub seed: u64,
    /// Examples in the fixed batch used at initialization.
    pub init_batch: usize,
    /// Networks to train.
    pub train: Vec<Arch>,
    /// SGD steps per trained network.
    pub train_steps: usize,
    /// Minibatch size for training.
    pub train_batch: usize,
    /// SGD learning rate.
    pub lr: f64,
    /// Heavy-ball momentum.
    pub momentum: f64,
    /// Global-norm clipping threshold (the same for every network).
    pub clip: f64,
}

impl Config {
    /// The example's default: 20 hidden layers of 128 units.
    pub fn standard() -> Config {
        Config {
            depth: 20,
            width: 128,
            seed: 0,
            init_batch: 256,
            train: representative(),
            train_steps: 200,
            train_batch: 64,
            lr: 0.02,
            momentum: 0.9,
            clip: 5.0,
        }
    }

    /// The test's variant: 8 layers of 32 units, a tiny training budget.
    #[allow(dead_code)] // used by the quick test, not the example
    pub fn quick() -> Config {
        Config {
            depth: 8,
            width: 32,
            init_batch: 128,
            train: vec![SIGMOID_STANDARD, RELU_HE],
            train_steps: 150,
            train_batch: 32,
            ..Config::standard()
        }
    }
}

// ---------------------------------------------------------------------------
// Building the networks
// ---------------------------------------------------------------------------

/// What a [`Probe`] saw: `(mean of x², mean over units of the batch
/// variance)` at each probed point, in forward order.
type Sink = Arc<Mutex<Vec<(f64, f64)>>>;

/// An identity layer that records the second moment of what passes
/// through it (the pre-activation variance `q_l` the mean-field prediction
/// needs). It records no tape node, so the monitor never sees it.
struct Probe {
    sink: Sink,
}

impl Module<f32> for Probe {
    fn visit_params(&self, _f: &mut dyn FnMut(&str, &Param<f32>)) {}
    fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&str, &mut Param<f32>)) {}
    fn describe(&self) -> String {
        "Probe".to_string()
    }
}

impl Layer<f32> for Probe {
    fn forward<'t>(&mut self, x: Var<'t, f32>) -> Var<'t, f32> {
        let v = x.value();
        let dims = v.shape().to_vec();
        let (rows, cols) = (dims[0], v.numel() / dims[0]);
        let d = v.data();
        let second = d.iter().map(|&a| f64::from(a).powi(2)).sum::<f64>() / d.len() as f64;
        let mut batch_var = 0.0;
        for c in 0..cols {
            let mean = (0..rows).map(|r| f64::from(d[r * cols + c])).sum::<f64>() / rows as f64;
            batch_var += (0..rows)
                .map(|r| (f64::from(d[r * cols + c]) - mean).powi(2))
                .sum::<f64>()
                / rows as f64;
        }
        self.sink
            .lock()
            .expect("probe sink")
            .push((second, batch_var / cols as f64));
        x
    }
}

fn norm_layer(norm: Norm, width: usize) -> Option<Box<dyn Layer<f32>>> {
    match norm {
        Norm::None => None,
        Norm::Batch => Some(Box::new(BatchNorm1d::new(width))),
        Norm::Layer => Some(Box::new(LayerNorm::new(&[width]))),
    }
}

/// The network `arch` with `depth` hidden dense layers of `width` units
/// on the 64 digit pixels, 10 logits out. With a sink, probes record the
/// input of every activation (plain) or the residual stream entering each
/// block and the head (residual).
pub fn build(
    arch: Arch,
    depth: usize,
    width: usize,
    rng: &mut Rng,
    sink: Option<&Sink>,
) -> Sequential<f32> {
    let init = arch.init.init();
    let probe = |seq: &mut Sequential<f32>| {
        if let Some(s) = sink {
            seq.add(Probe { sink: s.clone() });
        }
    };
    let mut net = Sequential::<f32>::new();
    match arch.skip {
        Skip::Plain => {
            for l in 0..depth {
                let inputs = if l == 0 { 64 } else { width };
                net.add(Dense::new(inputs, width, init, rng));
                if let Some(n) = norm_layer(arch.norm, width) {
                    net.add_boxed(n);
                }
                probe(&mut net);
                net.add_boxed(arch.act.layer());
            }
        }
        Skip::Residual => {
            net.add(Dense::new(64, width, init, rng));
            for _ in 1..depth {
                let mut block = Sequential::<f32>::new();
                probe(&mut block);
                if let Some(n) = norm_layer(arch.norm, width) {
                    block.add_boxed(n);
                }
                block.add_boxed(arch.act.layer());
                block.add(Dense::new(width, width, init, rng));
                net.add(Residual::new(block));
            }
            probe(&mut net);
            if let Some(n) = norm_layer(arch.norm, width) {
                net.add_boxed(n);
            }
            net.add_boxed(arch.act.layer());
        }
    }
    net.add(Dense::new(width, 10, init, rng));
    net
}

/// A generator for network `index` of a run seeded `seed`.
fn rng_for(seed: u64, index: usize) -> Rng {
    Rng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(index as u64 + 1))
}

// ---------------------------------------------------------------------------
// Mean-field predictions
// ---------------------------------------------------------------------------

/// Which prediction a row carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Plain, no normalization: `√(σ_w²·E[f′(s)²])`, `s ~ N(0, q_l)` with
    /// `q_l` measured at each layer.
    MeanField,
    /// Plain, batch norm before ReLU: squared norm ×`π/(π−1)` per layer
    /// (Yang et al. 2019), so `√(π/(π−1))`.
    BatchNormRelu,
    /// Plain, layer norm: `√(E[f′(z)²]/E[f(z)²])`, `z ~ N(0, 1)` (the
    /// norm divides by the pre-activation's scale, which `W` set).
    LayerNorm,
    /// Residual, no normalization: `√(1 + σ_w²·E[f′(x)²])`, `x ~ N(0, q_k)`
    /// the measured stream entering block `k` (the `(1+α²)` growth).
    Residual,
    /// Residual with layer norm: `√(1 + σ_w²·E[f′(z)²]/q_k)`, the branch
    /// seen through the norm's `1/√q_k`.
    ResidualLayerNorm,
    /// No simple prediction (batch norm before a saturating activation,
    /// batch norm inside residual branches).
    None,
}

impl Basis {
    /// Legend entry for the figure.
    pub fn legend(self) -> &'static str {
        match self {
            Basis::MeanField => "plain: √(σw²·E[f′(s)²])",
            Basis::BatchNormRelu => "plain, BN+ReLU: √(π/(π−1))",
            Basis::LayerNorm => "plain, LN: √(E[f′(z)²]/E[f(z)²])",
            Basis::Residual => "residual: √(1+σw²·E[f′(x)²])",
            Basis::ResidualLayerNorm => "residual, LN: √(1+σw²·E[f′(z)²]/q)",
            Basis::None => "—",
        }
    }

    /// Short label for the table's "basis" column (the squared factor:
    /// the predicted factor is its square root).
    pub fn label(self) -> &'static str {
        match self {
            Basis::MeanField => "χ=σw²E[f'²]",
            Basis::BatchNormRelu => "π/(π−1)",
            Basis::LayerNorm => "E[f'²]/E[f²]",
            Basis::Residual => "1+σw²E[f'²]",
            Basis::ResidualLayerNorm => "1+σw²E[f'²]/q",
            Basis::None => "—",
        }
    }
}

fn basis_of(arch: Arch) -> Basis {
    match (arch.skip, arch.norm, arch.act) {
        (Skip::Plain, Norm::None, _) => Basis::MeanField,
        (Skip::Plain, Norm::Batch, Act::Relu) => Basis::BatchNormRelu,
        (Skip::Plain, Norm::Batch, _) => Basis::None,
        (Skip::Plain, Norm::Layer, _) => Basis::LayerNorm,
        (Skip::Residual, Norm::None, _) => Basis::Residual,
        (Skip::Residual, Norm::Layer, _) => Basis::ResidualLayerNorm,
        (Skip::Residual, Norm::Batch, _) => Basis::None,
    }
}

/// The predicted per-layer factor `rms(∂L/∂s_l)/rms(∂L/∂s_{l+1})`
/// (geometric mean over the hidden layers), from the probes' `q`.
fn predict(arch: Arch, probes: &[(f64, f64)], depth: usize) -> Option<f64> {
    let s2 = arch.init.sigma_w2();
    let f = arch.act;
    let geo = |v: Vec<f64>| -> Option<f64> {
        if v.is_empty() {
            return None;
        }
        let n = v.len() as f64;
        Some((v.iter().map(|x| x.ln()).sum::<f64>() / n).exp())
    };
    match basis_of(arch) {
        // Ratio l → l+1 goes through f'(s_l) and W_{l+1}: layers 0..depth-1.
        Basis::MeanField => geo(probes[..depth - 1]
            .iter()
            .map(|&(q, _)| (s2 * gaussian_mean(q, |x| f.df(x).powi(2))).sqrt())
            .collect()),
        Basis::BatchNormRelu => Some((PI / (PI - 1.0)).sqrt()),
        Basis::LayerNorm => Some(
            (gaussian_mean(1.0, |x| f.df(x).powi(2)) / gaussian_mean(1.0, |x| f.f(x).powi(2)))
                .sqrt(),
        ),
        // Probes 0..depth-1 are the streams entering blocks 1..depth-1.
        Basis::Residual => geo(probes[..depth - 1]
            .iter()
            .map(|&(q, _)| (1.0 + s2 * gaussian_mean(q, |x| f.df(x).powi(2))).sqrt())
            .collect()),
        Basis::ResidualLayerNorm => {
            let e = gaussian_mean(1.0, |x| f.df(x).powi(2));
            geo(probes[..depth - 1]
                .iter()
                .map(|&(q, _)| (1.0 + s2 * e / q).sqrt())
                .collect())
        }
        Basis::None => None,
    }
}

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/// The monitor's verdict at initialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A `Finding::Vanishing`.
    Vanishing,
    /// A `Finding::Exploding` or `Finding::LargeGlobalNorm`.
    Exploding,
    /// Neither.
    Ok,
}

impl Verdict {
    /// `vanishing`, `exploding` or `ok`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Vanishing => "vanishing",
            Verdict::Exploding => "exploding",
            Verdict::Ok => "ok",
        }
    }
}

/// One network at initialization.
#[derive(Debug, Clone)]
pub struct Row {
    /// The network.
    pub arch: Arch,
    /// `rms(∂L/∂s)` at each dense layer's output, input to output (the
    /// last is the output layer's, `∂L/∂logits`).
    pub dense_rms: Vec<f64>,
    /// The monitor's `rms(first)/rms(last)` (`Report::first_over_last`).
    pub first_over_last: f64,
    /// Measured per-layer factor: geometric mean of
    /// `rms(∂L/∂s_l)/rms(∂L/∂s_{l+1})` over the hidden dense layers.
    pub factor: f64,
    /// Predicted factor, if a simple prediction exists.
    pub predicted: Option<f64>,
    /// Which prediction.
    pub basis: Basis,
    /// The monitor's verdict.
    pub verdict: Verdict,
    /// Other findings of the report, e.g. `stalled`, `dead units`.
    pub notes: Vec<&'static str>,
    /// The loss at initialization.
    pub loss: f64,
    /// The monitor's record (for the depth-profile figure).
    pub record: StepRecord,
}

impl Row {
    /// `rms` at the first hidden dense layer.
    pub fn first(&self) -> f64 {
        self.dense_rms[0]
    }

    /// `rms` at the middle hidden dense layer.
    pub fn middle(&self) -> f64 {
        self.dense_rms[(self.dense_rms.len() - 1) / 2]
    }

    /// `rms` at the output layer.
    pub fn last(&self) -> f64 {
        self.dense_rms[self.dense_rms.len() - 1]
    }
}

/// One trained network.
#[derive(Debug, Clone)]
pub struct TrainRun {
    /// The network.
    pub arch: Arch,
    /// `(step, minibatch loss)`, every step.
    pub losses: Vec<(usize, f64)>,
    /// Cross-entropy on the whole training set at the end (eval mode).
    pub train_loss: f64,
    /// Test accuracy at the end.
    pub test_accuracy: f64,
    /// `test_accuracy >= LEARNED_ACCURACY`.
    pub learned: bool,
    /// Wall time of the training, seconds.
    pub seconds: f64,
}

/// Everything `run` measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The configuration.
    pub config: Config,
    /// The 54 networks at initialization.
    pub rows: Vec<Row>,
    /// The trained networks.
    pub runs: Vec<TrainRun>,
    /// The headline claims, judged.
    pub table: Table,
}

impl Outcome {
    /// The row of `arch`.
    pub fn row(&self, arch: Arch) -> Option<&Row> {
        self.rows.iter().find(|r| r.arch == arch)
    }

    /// The training run of `arch`.
    pub fn run_of(&self, arch: Arch) -> Option<&TrainRun> {
        self.runs.iter().find(|r| r.arch == arch)
    }
}

// ---------------------------------------------------------------------------
// The experiment
// ---------------------------------------------------------------------------

/// One forward/backward of `arch` on the fixed batch, watched by the
/// monitor.
pub fn at_init(cfg: &Config, arch: Arch, index: usize, x: &Tensor<f32>, y: &Indices) -> Row {
    let sink: Sink = Arc::default();
    let mut rng = rng_for(cfg.seed, index);
    let mut model = build(arch, cfg.depth, cfg.width, &mut rng, Some(&sink));
    nn::train(&mut model);
    let mut monitor = GradMonitor::new();
    let (loss, mut grads) = {
        let tape = Tape::new();
        let logits = model.forward(tape.constant(x.clone()));
        let loss = logits.cross_entropy(y);
        let value = f64::from(loss.item());
        (value, tape.backward_with(loss, &mut monitor))
    };
    monitor.record_params(&model, &mut grads);
    let report = monitor.report().expect("one step was recorded");
    let record = monitor.history()[0].clone();
    let dense_rms: Vec<f64> = record
        .layers_of(&[LayerKind::Weighted])
        .map(|l| l.stats.rms())
        .collect();
    assert_eq!(
        dense_rms.len(),
        cfg.depth + 1,
        "{}: expected one record per dense layer",
        arch.name()
    );
    let hidden = &dense_rms[..cfg.depth];
    let factor = (hidden[0] / hidden[cfg.depth - 1]).powf(1.0 / (cfg.depth - 1) as f64);
    let probes = sink.lock().expect("probe sink").clone();
    let output_path = record
        .layers_of(&[LayerKind::Weighted])
        .last()
        .map(|l| l.path.clone())
        .unwrap_or_default();
    let mut verdict = Verdict::Ok;
    let mut notes = Vec::new();
    for f in &report.findings {
        match f {
            Finding::Vanishing { .. } => verdict = Verdict::Vanishing,
            Finding::Exploding { .. } | Finding::LargeGlobalNorm { .. } => {
                verdict = Verdict::Exploding
            }
            Finding::DeadUnits { .. } if !notes.contains(&"dead units") => notes.push("dead units"),
            // Dense biases that feed a batch norm (directly, or through
            // residual sums that reach one) get a zero gradient by
            // construction: BN subtracts the batch mean. Leave them out.
            Finding::Stalled { params } => {
                let out_bias = format!("{}.bias", output_path);
                let real = params.iter().any(|(name, _)| {
                    !(arch.norm == Norm::Batch && name.ends_with(".bias") && *name != out_bias)
                });
                if real {
                    notes.push("stalled");
                }
            }
            Finding::NonFinite { .. } => notes.push("non-finite"),
            _ => {}
        }
    }
    Row {
        arch,
        first_over_last: report.first_over_last.unwrap_or(f64::NAN),
        factor,
        predicted: predict(arch, &probes, cfg.depth),
        basis: basis_of(arch),
        verdict,
        notes,
        loss,
        dense_rms,
        record,
    }
}

/// Trains `arch` with SGD + momentum on the digits for the fixed budget.
fn train(cfg: &Config, arch: Arch, index: usize, data: &Digits<f32>) -> TrainRun {
    let start = Instant::now();
    let mut rng = rng_for(cfg.seed, 1000 + index);
    let mut model = build(arch, cfg.depth, cfg.width, &mut rng, None);
    let mut opt = Sgd::new(SgdConfig {
        lr: cfg.lr,
        momentum: Momentum::Classic(cfg.momentum),
        ..SgdConfig::default()
    })
    .expect("valid SGD settings");
    let n = data.train_y.numel();
    let mut order = permutation(n, &mut rng);
    let mut cursor = 0;
    let bar = progress(cfg.train_steps as u64, &arch.name());
    let mut losses = Vec::with_capacity(cfg.train_steps);
    nn::train(&mut model);
    for step in 0..cfg.train_steps {
        if cursor + cfg.train_batch > n {
            order = permutation(n, &mut rng);
            cursor = 0;
        }
        let (x, y) = data.train_batch(&order[cursor..cursor + cfg.train_batch]);
        cursor += cfg.train_batch;
        let (loss, mut grads) = {
            let tape = Tape::new();
            let loss = model.forward(tape.constant(x)).cross_entropy(&y);
            (f64::from(loss.item()), tape.backward(loss))
        };
        losses.push((step, loss));
        let clip = clip_global_norm(&model, &mut grads, cfg.clip, NonFinite::SkipStep)
            .expect("SkipStep never errs");
        if !clip.skipped {
            opt.step(&mut model, &grads);
        }
        bar.inc(1);
        if step % 10 == 0 {
            bar.set_message(format!("loss {loss:.3}"));
        }
    }
    bar.finish_and_clear();
    nn::eval(&mut model);
    let mut eval = |x: &Tensor<f32>, y: &Indices| {
        let tape = Tape::new();
        let logits = model.forward(tape.constant(x.clone()));
        let loss = f64::from(logits.cross_entropy(y).item());
        (loss, accuracy(&logits.value(), y))
    };
    let (train_loss, _) = eval(&data.train_x, &data.train_y);
    let (_, test_accuracy) = eval(&data.test_x, &data.test_y);
    TrainRun {
        arch,
        losses,
        train_loss,
        test_accuracy,
        learned: test_accuracy >= LEARNED_ACCURACY,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Runs the 54 networks at initialization, trains `cfg.train`, and judges
/// the headline claims.
pub fn run(cfg: &Config) -> Outcome {
    assert!(cfg.depth >= 3, "depth must be at least 3");
    let data = Digits::<f32>::load();
    let rows_idx: Vec<usize> = (0..cfg.init_batch.min(data.train_y.numel())).collect();
    let (x, y) = data.train_batch(&rows_idx);
    let archs = Arch::all();
    let bar = progress(archs.len() as u64, "at initialization");
    let rows: Vec<Row> = archs
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let r = at_init(cfg, a, i, &x, &y);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let runs: Vec<TrainRun> = cfg
        .train
        .iter()
        .enumerate()
        .map(|(i, &a)| train(cfg, a, i, &data))
        .collect();
    let mut out = Outcome {
        config: cfg.clone(),
        rows,
        runs,
        table: Table::new(""),
    };
    out.table = judge(&out);
    out
}

/// The headline claims as a checked table.
pub fn judge(out: &Outcome) -> Table {
    let cfg = &out.config;
    let mut t = Table::new(format!(
        "vanishing — {} hidden layers of {}, seed {}",
        cfg.depth, cfg.width, cfg.seed
    ));
    let chance = 10f64.ln();
    let depth_pred = |r: &Row| {
        r.predicted
            .map(|p| {
                format!(
                    "~{} ({p:.3}^{} layers)",
                    num(p.powi(cfg.depth as i32 - 1)),
                    cfg.depth - 1
                )
            })
            .unwrap_or_else(|| "—".into())
    };
    if let Some(r) = out.row(SIGMOID_STANDARD) {
        t.check(
            "sigmoid+standard: ∂L/∂s first/last",
            "vanishes (Glorot & Bengio 2010 §4.2)",
            depth_pred(r),
            num(r.first_over_last),
            format!("< {}", num(VANISH_RATIO)),
            r.first_over_last < VANISH_RATIO,
        );
        t.check(
            "sigmoid+standard: monitor verdict",
            "—",
            "vanishing",
            r.verdict.label(),
            "= vanishing",
            r.verdict == Verdict::Vanishing,
        );
    }
    if let Some(r) = out.row(RELU_HE) {
        t.check(
            "ReLU+He: ∂L/∂s first/last",
            "does not vanish (He et al. 2015)",
            depth_pred(r),
            num(r.first_over_last),
            format!(">= {}", num(VANISH_RATIO)),
            r.first_over_last >= VANISH_RATIO,
        );
        t.check(
            "ReLU+He: monitor verdict",
            "—",
            "not vanishing",
            r.verdict.label(),
            "!= vanishing",
            r.verdict != Verdict::Vanishing,
        );
    }
    if let Some(r) = out.run_of(RELU_HE) {
        t.check(
            "ReLU+He learns: test accuracy",
            "trains (He et al. 2015)",
            "—",
            format!(
                "{:.1}% (train loss {:.3})",
                100.0 * r.test_accuracy,
                r.train_loss
            ),
            format!(">= {:.0}%", 100.0 * LEARNED_ACCURACY),
            r.learned,
        );
    }
    if let Some(r) = out.run_of(SIGMOID_STANDARD) {
        t.check(
            "sigmoid+standard does not learn: test accuracy",
            "stuck (Glorot & Bengio 2010)",
            format!("chance 10%, loss ln 10 = {chance:.3}"),
            format!(
                "{:.1}% (train loss {:.3})",
                100.0 * r.test_accuracy,
                r.train_loss
            ),
            format!("< {:.0}%", 100.0 * LEARNED_ACCURACY),
            !r.learned,
        );
    }
    t
}

// ---------------------------------------------------------------------------
// Presentation (no printing here: the example prints)
// ---------------------------------------------------------------------------

/// The 54-row table, aligned for a terminal.
pub fn config_table(out: &Outcome) -> String {
    let header = [
        "act",
        "init",
        "norm",
        "skip",
        "rms first",
        "rms mid",
        "rms last",
        "first/last",
        "factor",
        "predicted",
        "basis (factor²)",
        "monitor",
    ];
    let mut cells: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in &out.rows {
        let mut verdict = r.verdict.label().to_string();
        for n in &r.notes {
            verdict.push_str(&format!(", {n}"));
        }
        cells.push(vec![
            r.arch.act.label().into(),
            r.arch.init.label().into(),
            r.arch.norm.label().into(),
            r.arch.skip.label().into(),
            format!("{:.2e}", r.first()),
            format!("{:.2e}", r.middle()),
            format!("{:.2e}", r.last()),
            format!("{:.2e}", r.first_over_last),
            format!("{:.3}", r.factor),
            r.predicted
                .map(|p| format!("{p:.3}"))
                .unwrap_or_else(|| "—".into()),
            r.basis.label().into(),
            verdict,
        ]);
    }
    let ncol = header.len();
    let width: Vec<usize> = (0..ncol)
        .map(|c| {
            cells
                .iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let numeric = |c: usize| (4..10).contains(&c);
    let mut s = String::new();
    for (i, row) in cells.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = width[c] - cell.chars().count();
            if numeric(c) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if c + 1 < ncol {
                    line.push_str(&" ".repeat(pad));
                }
            }
            if c + 1 < ncol {
                line.push_str("  ");
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
        if i == 0 {
            s.push_str(&"-".repeat(width.iter().sum::<usize>() + 2 * (ncol - 1)));
            s.push('\n');
        } else if i < out.rows.len() && (i % 6 == 0) {
            // A blank line between activation × init groups.
            s.push('\n');
        }
    }
    s
}

/// The trained networks, aligned.
pub fn training_table(out: &Outcome) -> String {
    let mut s = format!(
        "{:<22} {:>12} {:>10} {:>8} {:>7}\n",
        "network", "train loss", "test acc", "learned", "time"
    );
    for r in &out.runs {
        s.push_str(&format!(
            "{:<22} {:>12.3} {:>9.1}% {:>8} {:>6.1}s\n",
            r.arch.name(),
            r.train_loss,
            100.0 * r.test_accuracy,
            if r.learned { "yes" } else { "no" },
            r.seconds
        ));
    }
    s
}

/// The 54 rows as CSV (full precision).
pub fn rows_csv(out: &Outcome) -> String {
    let mut s = String::from(
        "act,init,norm,skip,loss,rms_first,rms_middle,rms_last,first_over_last,factor_measured,factor_predicted,basis,verdict,notes,per_layer_rms\n",
    );
    for r in &out.rows {
        let per_layer: Vec<String> = r.dense_rms.iter().map(|v| format!("{v:e}")).collect();
        s.push_str(&format!(
            "{},{},{},{},{},{:e},{:e},{:e},{:e},{},{},\"{}\",{},\"{}\",\"{}\"\n",
            r.arch.act.label(),
            r.arch.init.label(),
            r.arch.norm.label(),
            r.arch.skip.label(),
            r.loss,
            r.first(),
            r.middle(),
            r.last(),
            r.first_over_last,
            r.factor,
            r.predicted.map(|p| p.to_string()).unwrap_or_default(),
            r.basis.label(),
            r.verdict.label(),
            r.notes.join(";"),
            per_layer.join(" "),
        ));
    }
    s
}

/// The training runs as CSV: one row per network, then the loss curves.
pub fn runs_csv(out: &Outcome) -> (String, String) {
    let mut summary = String::from(
        "network,steps,batch,lr,momentum,clip,train_loss,test_accuracy,learned,seconds\n",
    );
    let mut curves = String::from("network,step,loss\n");
    let c = &out.config;
    for r in &out.runs {
        summary.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{:.2}\n",
            r.arch.name(),
            c.train_steps,
            c.train_batch,
            c.lr,
            c.momentum,
            c.clip,
            r.train_loss,
            r.test_accuracy,
            r.learned,
            r.seconds
        ));
        for (step, loss) in &r.losses {
            curves.push_str(&format!("{},{step},{loss}\n", r.arch.name()));
        }
    }
    (summary, curves)
}

/// Smooths a loss curve with a trailing mean over `window` steps.
fn smooth(points: &[(usize, f64)], window: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len());
    let mut acc = 0.0;
    for (i, &(step, loss)) in points.iter().enumerate() {
        acc += loss;
        if i >= window {
            acc -= points[i - window].1;
        }
        let n = (i + 1).min(window) as f64;
        out.push((step as f64 + 1.0, acc / n));
    }
    out
}

/// The figures: depth profiles of the representative networks (SVG and
/// PNG) and the training curves (SVG and PNG).
pub fn figures(out: &Outcome, dir: &OutDir) -> gradflow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let c = &out.config;
    // The dense layers only: a batch-norm net records two layers per block
    // (dense and norm), and `plot_depth_profile` indexes layers per run, so
    // unfiltered the BN run would stretch to twice the depth of the others.
    let shown: Vec<(String, StepRecord)> = representative()
        .into_iter()
        .filter_map(|a| {
            out.row(a).map(|r| {
                let mut rec = r.record.clone();
                rec.layers.retain(|l| l.kind == LayerKind::Weighted);
                (a.name(), rec)
            })
        })
        .collect();
    let runs: Vec<(&str, &StepRecord)> = shown.iter().map(|(n, r)| (n.as_str(), r)).collect();
    for ext in ["svg", "png"] {
        let path = dir.file(&format!("vanishing_depth_profile.{ext}"));
        gradflow::monitor::plot::plot_depth_profile(&runs, &path)?;
        written.push(path);
    }
    if !out.runs.is_empty() {
        let window = (c.train_steps / 20).max(1);
        let mut chart = LineChart::new(format!(
            "Training {} × {} nets: SGD, momentum {}, lr {}, batch {}, clip {}",
            c.depth, c.width, c.momentum, c.lr, c.train_batch, c.clip
        ))
        .x_label("SGD step")
        .y_label(format!("cross-entropy (nats, mean of {window} steps)"))
        .log_y()
        .hline(10f64.ln(), "chance (ln 10)");
        for r in &out.runs {
            chart = chart.series(r.arch.name(), smooth(&r.losses, window));
        }
        for ext in ["svg", "png"] {
            let path = dir.file(&format!("vanishing_loss.{ext}"));
            chart.save(&path)?;
            written.push(path);
        }
    }
    // Measured against predicted per-layer factor, where a prediction exists.
    let bases = [
        Basis::MeanField,
        Basis::BatchNormRelu,
        Basis::LayerNorm,
        Basis::Residual,
        Basis::ResidualLayerNorm,
    ];
    let all: Vec<(f64, f64)> = out
        .rows
        .iter()
        .filter_map(|r| r.predicted.map(|p| (p, r.factor)))
        .collect();
    if !all.is_empty() {
        let lo = all
            .iter()
            .map(|p| p.0.min(p.1))
            .fold(f64::INFINITY, f64::min);
        let hi = all.iter().map(|p| p.0.max(p.1)).fold(0.0, f64::max);
        let mut chart = LineChart::new(format!(
            "Per-layer gradient factor at init, {} × {}: measured vs predicted",
            c.depth, c.width
        ))
        .x_label("predicted factor rms(∂L/∂s_l) / rms(∂L/∂s_(l+1))")
        .y_label("measured factor (geometric mean over layers)")
        .log_x()
        .log_y()
        .dashed_series(
            "measured = predicted",
            [(lo * 0.9, lo * 0.9), (hi * 1.1, hi * 1.1)],
        );
        for b in bases {
            let pts: Vec<(f64, f64)> = out
                .rows
                .iter()
                .filter(|r| r.basis == b)
                .filter_map(|r| r.predicted.map(|p| (p, r.factor)))
                .collect();
            if !pts.is_empty() {
                chart = chart.scatter(b.legend(), pts);
            }
        }
        for ext in ["svg", "png"] {
            let path = dir.file(&format!("vanishing_factor.{ext}"));
            chart.save(&path)?;
            written.push(path);
        }
    }
    Ok(written)
}
