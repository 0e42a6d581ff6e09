//! E12 — optimizers: Adam's step sizes and bias correction (Kingma & Ba
//! 2015), decoupled weight decay vs L2 (Loshchilov & Hutter 2019), and how
//! Adam's per-coordinate normalization hides vanishing gradients in the
//! update sizes.
//!
//! (a) Exact: Adam's first step moves every coordinate by `α|g|/(|g|+ε)`;
//! without bias correction by `α(1−β₁)|g|/(√(1−β₂)|g|+ε)` → 3.162α.
//! gradflow's `AdamConfig` has no switch for bias correction, so the
//! uncorrected rule is computed by a hand-written Adam that is first checked
//! against the library's (bias-corrected) Adam to 1e-12. On random
//! gradient streams `|Δθ| ≤ α(1−β₁)/√(1−β₂)`; a (non-random) geometrically
//! growing stream exceeds it, up to the Cauchy–Schwarz bound.
//!
//! (b) Exact: SGD with decoupled decay `θ ← (1−λ)θ − α∇f` equals SGD on
//! `f + (λ/2α)‖θ‖²` (and gradflow's `SgdConfig::weight_decay = λ/α`) step
//! for step; Adam with L2 and AdamW with the same λ part ways.
//!
//! (c) SGD vs Adam on a standard-init (PyTorch default) 5-layer sigmoid net:
//! per-layer update-to-weight ratios from the monitor's `record_updates`.

use gradflow::monitor::{GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{Dense, Init, Layer, Module, Param, Sequential, Sigmoid};
use gradflow::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig, UpdateNorms, WeightDecay};
use gradflow::plot::LineChart;
use gradflow::prelude::*;

use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, permutation, progress};

/// Adam's default β₁.
pub const BETA1: f64 = 0.9;
/// Adam's default β₂.
pub const BETA2: f64 = 0.999;
/// Adam's default ε.
pub const EPS: f64 = 1e-8;

/// (a), (b) exact identities: relative tolerance (f64).
pub const EXACT_TOL: f64 = 1e-12;
/// (b) Adam with L2 and AdamW must differ by at least this (relative
/// parameter distance after the run); SGD's three forms agree to
/// [`SGD_TOL`].
pub const ADAM_DIFF_MIN: f64 = 1e-4;
/// (b) SGD: decoupled, L2-in-loss and `weight_decay = λ/α` agree to this
/// (relative parameter distance, f64 over the whole run).
pub const SGD_TOL: f64 = 1e-12;
/// (c) SGD's update-to-weight ratio: last layer over first at least this.
pub const SGD_SPREAD_MIN: f64 = 100.0;
/// (c) Adam's update-to-weight ratio: max over min across layers at most this.
pub const ADAM_SPREAD_MAX: f64 = 5.0;
/// (c) Adam's first step: `‖Δθ_l‖/‖θ_l‖` within this relative distance of
/// `α‖|g|/(|g|+ε)‖/‖θ_l‖` (f32 arithmetic).
pub const ADAM_FIRST_TOL: f64 = 1e-3;

/// The experiment's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// (a) coordinates per stream.
    pub coords: usize,
    /// (a) steps per stream.
    pub stream_steps: usize,
    /// (b) steps.
    pub decay_steps: usize,
    /// (c) steps.
    pub steps: usize,
    /// (c) hidden layers.
    pub hidden: usize,
    /// (c) width.
    pub width: usize,
    /// (c) batch size.
    pub batch: usize,
    /// (c) SGD learning rate.
    pub sgd_lr: f64,
    /// (c) Adam learning rate.
    pub adam_lr: f64,
    /// Base seed.
    pub seed: u64,
}

impl Config {
    /// The test's variant.
    pub fn quick() -> Config {
        Config {
            coords: 200,
            stream_steps: 3000,
            decay_steps: 30,
            steps: 30,
            ..Config::standard()
        }
    }

    /// The example's default.
    pub fn standard() -> Config {
        Config {
            coords: 1000,
            stream_steps: 3000,
            decay_steps: 100,
            steps: 100,
            hidden: 5,
            width: 256,
            batch: 32,
            sgd_lr: 0.1,
            adam_lr: 1e-3,
            seed: 0,
        }
    }
}

/// One parameter vector as a module, so the library's optimizers apply.
pub struct Vector {
    /// The parameters.
    pub theta: Param<f64>,
}

impl Module<f64> for Vector {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<f64>)) {
        f("theta", &self.theta);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<f64>)) {
        f("theta", &mut self.theta);
    }
    fn describe(&self) -> String {
        format!("Vector({})", self.theta.numel())
    }
}

/// One step of `opt` on `v` with gradient exactly `g` (the gradient of
/// `Σ θ_i·g_i`, through the tape).
pub fn step_with(opt: &mut Adam<f64>, v: &mut Vector, g: &[f64]) {
    let tape = Tape::<f64>::new();
    let c = tape.constant(Tensor::from_vec(g.to_vec(), [g.len()]).expect("length"));
    let loss = (tape.param(&v.theta) * c).sum_all();
    let grads = tape.backward(loss);
    opt.step(v, &grads);
}

/// Adam written out by hand, with a switch for bias correction (which
/// gradflow's `AdamConfig` does not have).
#[derive(Debug, Clone)]
pub struct HandAdam {
    /// First moment.
    pub m: Vec<f64>,
    /// Second moment.
    pub v: Vec<f64>,
    /// Step count.
    pub t: i32,
    /// Divide by `1 − β^t`?
    pub bias_correction: bool,
    /// α.
    pub lr: f64,
}

impl HandAdam {
    /// Fresh state for `n` coordinates.
    pub fn new(n: usize, lr: f64, bias_correction: bool) -> HandAdam {
        HandAdam {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
            bias_correction,
            lr,
        }
    }

    /// One step on `theta` with gradient `g`.
    pub fn step(&mut self, theta: &mut [f64], g: &[f64]) {
        self.t += 1;
        let (bc1, bc2) = if self.bias_correction {
            (1.0 - BETA1.powi(self.t), 1.0 - BETA2.powi(self.t))
        } else {
            (1.0, 1.0)
        };
        for i in 0..theta.len() {
            self.m[i] = BETA1 * self.m[i] + (1.0 - BETA1) * g[i];
            self.v[i] = BETA2 * self.v[i] + (1.0 - BETA2) * g[i] * g[i];
            let denom = self.v[i].sqrt() / bc2.sqrt() + EPS;
            theta[i] += -(self.lr / bc1) * self.m[i] / denom;
        }
    }
}

/// The rigorous bound on `|Δθ_t|/α` for bias-corrected Adam (ε = 0), by
/// Cauchy–Schwarz: `(1−β₁)/(1−β₁^t)·√((1−β₂^t)/(1−β₂))·√(Σ_{k<t}(β₁²/β₂)^k)`.
pub fn cauchy_schwarz_bound(t: i32) -> f64 {
    let r = BETA1 * BETA1 / BETA2;
    let sum = (1.0 - r.powi(t)) / (1.0 - r);
    (1.0 - BETA1) / (1.0 - BETA1.powi(t))
        * ((1.0 - BETA2.powi(t)) / (1.0 - BETA2)).sqrt()
        * sum.sqrt()
}

/// Kingma & Ba's bound on `|Δθ|/α`: `(1−β₁)/√(1−β₂)` = 3.162.
pub fn kingma_bound() -> f64 {
    (1.0 - BETA1) / (1.0 - BETA2).sqrt()
}

/// A gradient stream kind for part (a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// i.i.d. N(0, 1).
    Gaussian,
    /// i.i.d. Student-t with one degree of freedom (Cauchy): heavy tails.
    Cauchy,
    /// Zero except with probability 1% (then N(0, 1)): Kingma's sparse case.
    Sparse,
    /// `g_t = (β₂/β₁)^t` (capped at 1e100): the growing stream that
    /// approaches the Cauchy–Schwarz bound. Not random.
    Growing,
}

impl Stream {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Gaussian => "Gaussian",
            Stream::Cauchy => "Cauchy",
            Stream::Sparse => "sparse (1%)",
            Stream::Growing => "growing (β₂/β₁)^t",
        }
    }
}

/// `‖t‖₂`, accumulated in f64.
fn norm(t: &Tensor<f32>) -> f64 {
    t.data()
        .iter()
        .map(|v| f64::from(*v).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// `θ = 0` with `coords` coordinates and the library's Adam (default β, ε)
/// at learning rate `lr`.
fn adam_at_zero(coords: usize, lr: f64) -> (Vector, Adam<f64>) {
    let v = Vector {
        theta: Param::new(Tensor::zeros([coords])),
    };
    let opt = Adam::new(AdamConfig {
        lr,
        ..AdamConfig::default()
    })
    .expect("valid config");
    (v, opt)
}

/// Per step, the largest `|Δθ|/α` over the coordinates (library Adam, f64).
pub fn stream_max_steps(kind: Stream, coords: usize, steps: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    let lr = 1e-3;
    let (mut v, mut opt) = adam_at_zero(coords, lr);
    let mut out = Vec::with_capacity(steps);
    let growth = BETA2 / BETA1;
    let mut scale = 1.0f64;
    for _ in 0..steps {
        let g: Vec<f64> = match kind {
            Stream::Gaussian => Tensor::<f64>::normal([coords], 0.0, 1.0, &mut rng).to_vec(),
            Stream::Cauchy => {
                let a = Tensor::<f64>::normal([coords], 0.0, 1.0, &mut rng).to_vec();
                let b = Tensor::<f64>::normal([coords], 0.0, 1.0, &mut rng).to_vec();
                a.iter().zip(&b).map(|(x, y)| x / y).collect()
            }
            Stream::Sparse => {
                let u = Tensor::<f64>::uniform([coords], 0.0, 1.0, &mut rng).to_vec();
                let z = Tensor::<f64>::normal([coords], 0.0, 1.0, &mut rng).to_vec();
                u.iter()
                    .zip(&z)
                    .map(|(u, z)| if *u < 0.01 { *z } else { 0.0 })
                    .collect()
            }
            Stream::Growing => {
                scale *= growth;
                // Capped before g² could overflow (after ≈2200 steps);
                // from there the stream is constant.
                scale = scale.min(1e100);
                vec![scale; coords]
            }
        };
        let before = v.theta.value().to_vec();
        step_with(&mut opt, &mut v, &g);
        let worst = v
            .theta
            .value()
            .data()
            .iter()
            .zip(&before)
            .map(|(a, b)| (a - b).abs() / lr)
            .fold(0.0, f64::max);
        out.push(worst);
    }
    out
}

/// Part (c): one optimizer's run.
#[derive(Debug, Clone)]
pub struct NetRun {
    /// `"SGD"` or `"Adam"`.
    pub name: &'static str,
    /// Per weight layer (input to output): mean of `‖Δθ‖/‖θ‖` over the steps.
    pub mean_ratio: Vec<f64>,
    /// Per weight layer: `‖Δθ‖/‖θ‖` at the first step.
    pub first_ratio: Vec<f64>,
    /// Per weight layer: `α√numel/‖θ‖` before the first step.
    pub adam_prediction: Vec<f64>,
    /// Per weight layer: `α‖|g|/(|g|+ε)‖/‖θ‖` from the first step's gradient.
    pub first_prediction: Vec<f64>,
    /// Per weight layer: mean `‖g‖/‖w‖`.
    pub grad_ratio: Vec<f64>,
    /// RMS of `∂C/∂s` at the first over the last weighted layer: first and last step.
    pub act_first_over_last: (f64, f64),
    /// The monitor's last record.
    pub last: StepRecord,
    /// Training loss per step.
    pub losses: Vec<f64>,
}

/// Glorot's "standard" init (PyTorch's `nn.Linear` default) for the
/// weights, zero biases: `64 → hidden×width → 10` with sigmoids.
pub fn sigmoid_net(cfg: &Config, rng: &mut Rng) -> Sequential<f32> {
    let mut net = Sequential::<f32>::new();
    let mut fan = 64;
    for _ in 0..cfg.hidden {
        let w = Init::GlorotStandard.tensor::<f32, _>(&[cfg.width, fan], rng);
        net.add(Dense::from_tensors(w, Some(Tensor::zeros([cfg.width]))));
        net.add(Sigmoid);
        fan = cfg.width;
    }
    let w = Init::GlorotStandard.tensor::<f32, _>(&[10, fan], rng);
    net.push(Dense::from_tensors(w, Some(Tensor::zeros([10]))))
}

/// Trains the sigmoid net with SGD or Adam, monitored.
pub fn net_run(adam: bool, cfg: &Config, data: &Digits<f32>) -> NetRun {
    let mut rng = Rng::seed_from_u64(cfg.seed + 7);
    let mut net = sigmoid_net(cfg, &mut rng);
    let mut opt: Box<dyn Optimizer<f32>> = if adam {
        Box::new(
            Adam::new(AdamConfig {
                lr: cfg.adam_lr,
                ..AdamConfig::default()
            })
            .expect("valid config"),
        )
    } else {
        Box::new(
            Sgd::new(SgdConfig {
                lr: cfg.sgd_lr,
                ..SgdConfig::default()
            })
            .expect("valid config"),
        )
    };
    let weights: Vec<String> = net
        .named_param_ids()
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.ends_with("weight"))
        .collect();
    let mut adam_prediction = Vec::new();
    net.visit_params(&mut |name, p| {
        if name.ends_with("weight") {
            adam_prediction.push(cfg.adam_lr * (p.numel() as f64).sqrt() / norm(p.value()));
        }
    });
    let mut first_prediction = Vec::new();
    let mut monitor = GradMonitor::new();
    let n = data.train_y.numel();
    let mut order = permutation(n, &mut rng);
    let mut pos = 0;
    let mut losses = Vec::new();
    let mut last_updates: Option<UpdateNorms> = None;
    for _ in 0..cfg.steps {
        if pos + cfg.batch > n {
            order = permutation(n, &mut rng);
            pos = 0;
        }
        let (x, y) = data.train_batch(&order[pos..pos + cfg.batch]);
        pos += cfg.batch;
        let mut grads = {
            let tape = Tape::new();
            let loss = net.forward(tape.constant(x)).cross_entropy(&y);
            losses.push(loss.item() as f64);
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&net, &mut grads);
        if first_prediction.is_empty() {
            // Adam's first step moves coordinate i by α|g_i|/(|g_i|+ε).
            net.visit_params(&mut |name, p| {
                if name.ends_with("weight") {
                    let g = grads.get(p).expect("gradient");
                    let step: f64 = g
                        .data()
                        .iter()
                        .map(|v| {
                            let a = f64::from(v.abs());
                            (a / (a + EPS)).powi(2)
                        })
                        .sum::<f64>()
                        .sqrt();
                    first_prediction.push(cfg.adam_lr * step / norm(p.value()));
                }
            });
        }
        let updates = opt.step(&mut net, &grads);
        monitor.record_updates(&net, &updates);
        last_updates = Some(updates);
    }
    let _ = last_updates;
    let hist = monitor.history();
    let per_layer = |f: &dyn Fn(&gradflow::monitor::ParamRecord) -> f64, rec: &StepRecord| {
        weights
            .iter()
            .map(|w| f(rec.params.iter().find(|p| &p.name == w).expect("recorded")))
            .collect::<Vec<f64>>()
    };
    let mut mean_ratio = vec![0.0; weights.len()];
    let mut grad_ratio = vec![0.0; weights.len()];
    for rec in hist {
        let r = per_layer(&|p| p.update_to_weight().expect("updates recorded"), rec);
        let g = per_layer(&|p| p.grad_to_weight(), rec);
        for i in 0..weights.len() {
            mean_ratio[i] += r[i] / hist.len() as f64;
            grad_ratio[i] += g[i] / hist.len() as f64;
        }
    }
    let first_ratio = per_layer(&|p| p.update_to_weight().expect("updates"), &hist[0]);
    let act = |rec: &StepRecord| {
        let w: Vec<f64> = rec
            .layers_of(&[LayerKind::Weighted])
            .map(|l| l.stats.rms())
            .collect();
        w[0] / w[w.len() - 1]
    };
    NetRun {
        name: if adam { "Adam" } else { "SGD" },
        mean_ratio,
        first_ratio,
        adam_prediction,
        first_prediction,
        grad_ratio,
        act_first_over_last: (act(&hist[0]), act(&hist[hist.len() - 1])),
        last: hist[hist.len() - 1].clone(),
        losses,
    }
}

/// A small f64 MLP for part (b).
fn decay_net(rng: &mut Rng) -> Sequential<f64> {
    Sequential::<f64>::new()
        .push(Dense::new(64, 32, Init::xavier_uniform(), rng))
        .push(gradflow::nn::Tanh)
        .push(Dense::new(32, 10, Init::xavier_uniform(), rng))
}

fn flat(m: &dyn Module<f64>) -> Vec<f64> {
    let mut out = Vec::new();
    m.visit_params(&mut |_, p| out.extend_from_slice(p.value().data()));
    out
}

fn rel_dist(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    let n: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    d / n
}

/// How part (b) applies weight decay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decay {
    /// `θ ← (1−λ)θ` by hand, then the optimizer on f.
    DecoupledByHand,
    /// The optimizer on `f + (λ/2α)‖θ‖²` (the penalty on the tape).
    PenaltyInLoss,
    /// The optimizer's own option: SGD `weight_decay = λ/α`, Adam `L2(λ/α)`.
    OptimizerL2,
    /// Adam's `Decoupled(λ/α)` (PyTorch's AdamW: `θ ← θ(1 − lr·wd)`).
    OptimizerDecoupled,
}

/// Runs `steps` full-batch steps of SGD or Adam with the given decay;
/// returns the flattened parameters after every step.
pub fn decay_run(
    adam: bool,
    decay: Decay,
    lr: f64,
    lambda: f64,
    steps: usize,
    x: &Tensor<f64>,
    y: &Indices,
) -> Vec<Vec<f64>> {
    let mut rng = Rng::seed_from_u64(11);
    let mut net = decay_net(&mut rng);
    let wd = match decay {
        Decay::OptimizerL2 | Decay::OptimizerDecoupled => lambda / lr,
        _ => 0.0,
    };
    let mut opt: Box<dyn Optimizer<f64>> = if adam {
        let weight_decay = match decay {
            Decay::OptimizerL2 => WeightDecay::L2(wd),
            Decay::OptimizerDecoupled => WeightDecay::Decoupled(wd),
            _ => WeightDecay::None,
        };
        Box::new(
            Adam::<f64>::new(AdamConfig {
                lr,
                weight_decay,
                ..AdamConfig::default()
            })
            .expect("valid"),
        )
    } else {
        assert!(
            decay != Decay::OptimizerDecoupled,
            "SGD has no decoupled option"
        );
        Box::new(
            Sgd::<f64>::new(SgdConfig {
                lr,
                weight_decay: wd,
                ..SgdConfig::default()
            })
            .expect("valid"),
        )
    };
    let mut out = Vec::with_capacity(steps);
    for _ in 0..steps {
        let grads = {
            let tape = Tape::<f64>::new();
            let mut loss = net.forward(tape.constant(x.clone())).cross_entropy(y);
            if decay == Decay::PenaltyInLoss {
                let mut params = Vec::new();
                net.visit_params(&mut |_, p| params.push(tape.param(p)));
                for p in params {
                    loss = loss + p.square().sum_all() * (lambda / (2.0 * lr));
                }
            }
            tape.backward(loss)
        };
        if decay == Decay::DecoupledByHand {
            net.visit_params_mut(&mut |_, p| {
                let v = p.value().mul_scalar(1.0 - lambda);
                p.set(v);
            });
        }
        opt.step(&mut net, &grads);
        out.push(flat(&net));
    }
    out
}

/// Everything the example reports.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// (a) per stream kind: the per-step maximum `|Δθ|/α`.
    pub streams: Vec<(Stream, Vec<f64>)>,
    /// (b) per step: relative distance SGD decoupled vs SGD penalty, and Adam L2 vs AdamW.
    pub decay_gap: Vec<(f64, f64)>,
    /// (c) SGD and Adam.
    pub nets: Vec<NetRun>,
    /// Tables (a), (b), (c).
    pub tables: Vec<Table>,
}

/// The first-step checks of part (a): (max relative error of the library's
/// first step against `α|g|/(|g|+ε)`, max relative error of the hand Adam
/// against the library over `steps` (relative distance), max relative error
/// of the uncorrected first step against `α(1−β₁)|g|/(√(1−β₂)|g|+ε)`, and
/// its `|Δθ|/α` for `|g| ≥ 1`: min and max).
pub fn first_step_checks(coords: usize, steps: usize, seed: u64) -> (f64, f64, f64, (f64, f64)) {
    let mut rng = Rng::seed_from_u64(seed);
    let lr = 1e-3;
    // |g| from 1e-12 to 1e2, random signs: some coordinates near ε.
    let expo = Tensor::<f64>::uniform([coords], -12.0, 2.0, &mut rng).to_vec();
    let sign = Tensor::<f64>::uniform([coords], -1.0, 1.0, &mut rng).to_vec();
    let g: Vec<f64> = expo
        .iter()
        .zip(&sign)
        .map(|(e, s)| 10f64.powf(*e) * s.signum())
        .collect();
    // θ = 0, so θ after the step is Δθ exactly (no cancellation).
    let (mut v, mut opt) = adam_at_zero(coords, lr);
    step_with(&mut opt, &mut v, &g);
    let first_err = v
        .theta
        .value()
        .data()
        .iter()
        .zip(&g)
        .map(|(d, g)| {
            let want = -lr * g / (g.abs() + EPS);
            ((d - want) / want).abs()
        })
        .fold(0.0, f64::max);
    // The hand Adam with bias correction follows the library step for step.
    let mut hand = HandAdam::new(coords, lr, true);
    let mut theta = vec![0.0; coords];
    hand.step(&mut theta, &g);
    let mut hand_err: f64 = 0.0;
    let cmp = |a: &[f64], b: &[f64]| rel_dist(a, b);
    hand_err = hand_err.max(cmp(&theta, v.theta.value().data()));
    for _ in 1..steps {
        let g = Tensor::<f64>::normal([coords], 0.0, 1.0, &mut rng).to_vec();
        step_with(&mut opt, &mut v, &g);
        hand.step(&mut theta, &g);
        hand_err = hand_err.max(cmp(&theta, v.theta.value().data()));
    }
    // Without bias correction: the first step is α(1−β₁)|g|/(√(1−β₂)|g|+ε).
    let mut raw = HandAdam::new(coords, lr, false);
    let mut theta = vec![0.0; coords];
    raw.step(&mut theta, &g);
    let raw_err = theta
        .iter()
        .zip(&g)
        .map(|(d, g)| {
            let want = -lr * (1.0 - BETA1) * g / ((1.0 - BETA2).sqrt() * g.abs() + EPS);
            ((d - want) / want).abs()
        })
        .fold(0.0, f64::max);
    let big: Vec<f64> = theta
        .iter()
        .zip(&g)
        .filter(|(_, g)| g.abs() >= 1.0)
        .map(|(d, _)| d.abs() / lr)
        .collect();
    let lo = big.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = big.iter().copied().fold(0.0, f64::max);
    (first_err, hand_err, raw_err, (lo, hi))
}

/// The values as a table cell: `num` each, comma-separated.
fn nums(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| num(*v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs all three parts.
pub fn run(cfg: &Config) -> Outcome {
    // (a)
    let (first_err, hand_err, raw_err, (lo, hi)) = first_step_checks(cfg.coords, 50, cfg.seed);
    let kb = kingma_bound();
    let mut ta = Table::new(format!(
        "E12a — Adam's step sizes (α = 1e-3, β = ({BETA1}, {BETA2}), ε = {EPS:e}), f64"
    ));
    ta.check(
        format!(
            "first step: |Δθ| vs α|g|/(|g|+ε), {} coords, |g| ∈ [1e-12, 1e2]",
            cfg.coords
        ),
        "m̂₁ = g, v̂₁ = g² (Alg. 1)",
        "exact",
        format!("max rel. err {first_err:.1e}"),
        format!("≤ {EXACT_TOL:e}"),
        first_err <= EXACT_TOL,
    );
    ta.check(
        "hand-written Adam (bias-corrected) vs gradflow's Adam, 50 steps",
        "—",
        "equal",
        format!("max rel. err {hand_err:.1e}"),
        format!("≤ {EXACT_TOL:e}"),
        hand_err <= EXACT_TOL,
    );
    ta.check(
        "first step without bias correction (hand Adam): |Δθ| vs α(1−β₁)|g|/(√(1−β₂)|g|+ε)",
        "—",
        "exact",
        format!("max rel. err {raw_err:.1e}"),
        format!("≤ {EXACT_TOL:e}"),
        raw_err <= EXACT_TOL,
    );
    ta.check(
        "first step without bias correction, |g| ≥ 1: |Δθ|/α",
        "unstable early steps without correction (§3, §6.4)",
        format!("(1−β₁)/√(1−β₂) = {kb:.4}"),
        format!("{lo:.6} … {hi:.6}"),
        "within 1e-6 of it",
        (lo - kb).abs() < 1e-6 && (hi - kb).abs() < 1e-6,
    );
    let mut streams = Vec::new();
    let bar = progress(4, "E12a streams");
    for (i, kind) in [
        Stream::Gaussian,
        Stream::Cauchy,
        Stream::Sparse,
        Stream::Growing,
    ]
    .into_iter()
    .enumerate()
    {
        let coords = if kind == Stream::Growing {
            1
        } else {
            cfg.coords
        };
        streams.push((
            kind,
            stream_max_steps(kind, coords, cfg.stream_steps, cfg.seed + 100 + i as u64),
        ));
        bar.inc(1);
    }
    bar.finish_and_clear();
    for (kind, maxes) in &streams {
        let worst = maxes.iter().copied().fold(0.0, f64::max);
        let cs_ok = maxes
            .iter()
            .enumerate()
            .all(|(t, m)| *m <= cauchy_schwarz_bound(t as i32 + 1) * (1.0 + 1e-9));
        let what = if *kind == Stream::Growing {
            format!(
                "{}: max |Δθ|/α over {} steps",
                kind.name(),
                cfg.stream_steps
            )
        } else {
            format!(
                "{}: max |Δθ|/α over {} coords × {} steps",
                kind.name(),
                cfg.coords,
                cfg.stream_steps
            )
        };
        let kingma = "|Δ| ≤ α(1−β₁)/√(1−β₂) (§2.1)";
        let measured = format!("{worst:.3}");
        match kind {
            Stream::Cauchy => ta.report(
                what,
                kingma,
                format!("≤ {kb:.4} (fails for same-sign spikes in a row)"),
                measured,
            ),
            Stream::Growing => ta.report(
                what,
                "|Δ| ⪅ α (§2.1)",
                format!(
                    "→ C–S bound {:.3} (not random)",
                    cauchy_schwarz_bound(cfg.stream_steps as i32)
                ),
                measured,
            ),
            Stream::Gaussian | Stream::Sparse => ta.check(
                what,
                kingma,
                format!("≤ {kb:.4}"),
                measured,
                format!("≤ {kb:.4}"),
                worst <= kb,
            ),
        };
        ta.check(
            format!(
                "{}: |Δθ_t|/α ≤ Cauchy–Schwarz bound at every t",
                kind.name()
            ),
            "—",
            "always (proof)",
            if cs_ok {
                "holds".into()
            } else {
                "violated".to_string()
            },
            "every step",
            cs_ok,
        );
    }

    // (b)
    let data = Digits::<f64>::load();
    let rows: Vec<usize> = (0..256).collect();
    let (x, y) = data.train_batch(&rows);
    let (lr, lambda) = (0.1, 1e-3);
    let adam_lr = 0.01;
    let runs = [
        (false, Decay::DecoupledByHand, lr),
        (false, Decay::PenaltyInLoss, lr),
        (false, Decay::OptimizerL2, lr),
        (true, Decay::OptimizerL2, adam_lr),
        (true, Decay::OptimizerDecoupled, adam_lr),
        (true, Decay::DecoupledByHand, adam_lr),
    ];
    let bar = progress(runs.len() as u64, "E12b decay");
    let [sgd_hand, sgd_pen, sgd_opt, adam_l2, adam_w, adam_hand] = runs.map(|(adam, decay, lr)| {
        let run = decay_run(adam, decay, lr, lambda, cfg.decay_steps, &x, &y);
        bar.inc(1);
        run
    });
    bar.finish_and_clear();
    let max_gap = |a: &[Vec<f64>], b: &[Vec<f64>]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| rel_dist(p, q))
            .fold(0.0, f64::max)
    };
    let decay_gap: Vec<(f64, f64)> = sgd_hand
        .iter()
        .zip(&sgd_pen)
        .zip(adam_l2.iter().zip(&adam_w))
        .map(|((a, b), (c, d))| (rel_dist(a, b), rel_dist(c, d)))
        .collect();
    let g_pen = max_gap(&sgd_hand, &sgd_pen);
    let g_opt = max_gap(&sgd_hand, &sgd_opt);
    let g_adam = rel_dist(
        adam_l2.last().expect("steps"),
        adam_w.last().expect("steps"),
    );
    let g_adamw = max_gap(&adam_w, &adam_hand);
    let mut tb = Table::new(format!(
        "E12b — decoupled decay vs L2: 64→32 tanh→10 MLP, 256 digits, full batch, {} steps, λ = {lambda} per step, f64",
        cfg.decay_steps
    ));
    tb.check(
        format!("SGD α = {lr}: (1−λ)θ − α∇f vs SGD on f + (λ/2α)‖θ‖²"),
        "equal (Prop. 1)",
        "equal to rounding",
        format!("max rel. distance {g_pen:.1e}"),
        format!("≤ {SGD_TOL:e}"),
        g_pen <= SGD_TOL,
    );
    tb.check(
        "SGD: decoupled vs SgdConfig::weight_decay = λ/α",
        "equal (Prop. 1)",
        "equal to rounding",
        format!("max rel. distance {g_opt:.1e}"),
        format!("≤ {SGD_TOL:e}"),
        g_opt <= SGD_TOL,
    );
    tb.check(
        format!(
            "Adam α = {adam_lr}: L2(λ/α) vs Decoupled(λ/α), after {} steps",
            cfg.decay_steps
        ),
        "differ (Prop. 2)",
        "differ",
        format!("rel. distance {}", num(g_adam)),
        format!("≥ {ADAM_DIFF_MIN:e}"),
        g_adam >= ADAM_DIFF_MIN,
    );
    tb.check(
        "gradflow AdamW Decoupled(wd) vs θ ← (1 − α·wd)θ then Adam",
        "PyTorch: decay scaled by lr",
        "equal (λ_paper = α·wd)",
        format!("max rel. distance {g_adamw:.1e}"),
        format!("≤ {SGD_TOL:e}"),
        g_adamw <= SGD_TOL,
    );

    // (c)
    let data32 = Digits::<f32>::load();
    let bar = progress(2, "E12c sigmoid net");
    let sgd = net_run(false, cfg, &data32);
    bar.inc(1);
    let adam = net_run(true, cfg, &data32);
    bar.finish_and_clear();
    let spread = |v: &[f64]| {
        v.iter().copied().fold(0.0, f64::max) / v.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let mut tc = Table::new(format!(
        "E12c — 64→{}×{} sigmoid→10, Glorot standard init (PyTorch default), zero biases, batch {}, {} steps: ‖Δθ_l‖/‖θ_l‖ (weights)",
        cfg.hidden, cfg.width, cfg.batch, cfg.steps
    ));
    for r in [&sgd, &adam] {
        tc.report(
            format!(
                "{}: mean ‖Δθ_l‖/‖θ_l‖, layer 1 … {}",
                r.name,
                r.mean_ratio.len()
            ),
            "—",
            "—",
            nums(&r.mean_ratio),
        );
    }
    tc.report(
        "Adam: α√numel_l/‖θ_l‖ (every coordinate moving by α)",
        "≈α√(#params)/‖θ_l‖ (papers.md E12c)",
        nums(&adam.adam_prediction),
        "—",
    );
    tc.report(
        "SGD: mean ‖g_l‖/‖θ_l‖ (same profile × lr)",
        "—",
        "—",
        nums(&sgd.grad_ratio),
    );
    let s_spread = sgd.mean_ratio[sgd.mean_ratio.len() - 1] / sgd.mean_ratio[0];
    tc.check(
        format!("SGD lr {}: ratio last layer / first layer", cfg.sgd_lr),
        "SGD mirrors the vanishing ∂C/∂W (papers.md E12c)",
        "≫ 1",
        num(s_spread),
        format!("≥ {SGD_SPREAD_MIN}"),
        s_spread >= SGD_SPREAD_MIN,
    );
    let a_spread = spread(&adam.mean_ratio);
    tc.check(
        format!("Adam lr {}: ratio max / min over layers", cfg.adam_lr),
        "per-coordinate normalization (§2.1)",
        "≈ 1 (layer-uniform)",
        num(a_spread),
        format!("≤ {ADAM_SPREAD_MAX}"),
        a_spread <= ADAM_SPREAD_MAX,
    );
    let first_err = adam
        .first_ratio
        .iter()
        .zip(&adam.first_prediction)
        .map(|(m, p)| (m / p - 1.0).abs())
        .fold(0.0, f64::max);
    tc.check(
        "Adam first step: ‖Δθ_l‖/‖θ_l‖ vs α‖|g|/(|g|+ε)‖/‖θ_l‖ (f32)",
        "every coordinate moves by ≈α",
        nums(&adam.first_prediction),
        format!("{} (max rel. err {first_err:.1e})", nums(&adam.first_ratio)),
        format!("within {ADAM_FIRST_TOL:e} rel."),
        first_err <= ADAM_FIRST_TOL,
    );
    for r in [&sgd, &adam] {
        tc.report(
            format!(
                "{}: ∂C/∂s rms first/last weighted layer, step 0 → last",
                r.name
            ),
            "Adam hides vanishing, does not fix it",
            "≪ 1 both",
            format!(
                "{} → {}",
                num(r.act_first_over_last.0),
                num(r.act_first_over_last.1)
            ),
        );
    }
    tc.report(
        "training loss: first → last step, SGD / Adam",
        "—",
        "—",
        format!(
            "{} → {} / {} → {}",
            num(sgd.losses[0]),
            num(*sgd.losses.last().expect("steps")),
            num(adam.losses[0]),
            num(*adam.losses.last().expect("steps"))
        ),
    );
    Outcome {
        streams,
        decay_gap,
        nets: vec![sgd, adam],
        tables: vec![ta, tb, tc],
    }
}

/// Draws the figures.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<std::path::PathBuf>> {
    let mut paths = Vec::new();
    // (c) headline: per-layer update ratios.
    let mut chart = LineChart::new("Sigmoid net, standard init: update/weight ratio per layer")
        .x_label("weight layer (1 = input side)")
        .y_label("‖Δθ_l‖ / ‖θ_l‖, mean over the steps")
        .log_y();
    for r in &outcome.nets {
        chart = chart.series(
            r.name,
            r.mean_ratio
                .iter()
                .enumerate()
                .map(|(i, v)| ((i + 1) as f64, *v)),
        );
    }
    let adam = &outcome.nets[1];
    chart = chart.dashed_series(
        "Adam prediction α√numel/‖θ‖ (first step)",
        adam.adam_prediction
            .iter()
            .enumerate()
            .map(|(i, v)| ((i + 1) as f64, *v)),
    );
    for name in ["adam_updates_layers.svg", "adam_updates_layers.png"] {
        let p = out.file(name);
        chart.save(&p)?;
        paths.push(p);
    }
    // (c) the activation-gradient profile after training: Adam did not fix it.
    let p = out.file("adam_updates_depth_profile.svg");
    gradflow::monitor::plot::plot_depth_profile(
        &[
            ("SGD", &outcome.nets[0].last),
            ("Adam", &outcome.nets[1].last),
        ],
        &p,
    )?;
    paths.push(p);
    // (a) per-step maximum |Δθ|/α.
    let mut chart = LineChart::new("Adam (bias-corrected): largest |Δθ|/α per step")
        .x_label("step t")
        .y_label("max over coordinates of |Δθ_t| / α")
        .log_x();
    for (kind, maxes) in &outcome.streams {
        chart = chart.series(
            kind.name(),
            maxes.iter().enumerate().map(|(t, v)| ((t + 1) as f64, *v)),
        );
    }
    let n = outcome.streams[0].1.len();
    chart = chart
        .dashed_series(
            "Cauchy–Schwarz bound",
            (1..=n).map(|t| (t as f64, cauchy_schwarz_bound(t as i32))),
        )
        .hline(kingma_bound(), "(1−β₁)/√(1−β₂) = 3.162");
    let p = out.file("adam_updates_streams.svg");
    chart.save(&p)?;
    paths.push(p);
    // (b) trajectory gaps.
    let chart = LineChart::new("Decoupled decay vs L2: distance between trajectories")
        .x_label("step")
        .y_label("‖θ_A − θ_B‖ / ‖θ_A‖")
        .log_y()
        .series(
            "Adam L2 vs AdamW",
            outcome
                .decay_gap
                .iter()
                .enumerate()
                .map(|(t, g)| ((t + 1) as f64, g.1)),
        )
        .series(
            "SGD decoupled vs SGD on f + (λ/2α)‖θ‖²",
            outcome
                .decay_gap
                .iter()
                .enumerate()
                .map(|(t, g)| ((t + 1) as f64, g.0.max(1e-17))),
        );
    let p = out.file("adam_updates_decay.svg");
    chart.save(&p)?;
    paths.push(p);
    Ok(paths)
}
