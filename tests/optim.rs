//! Optimizers against scalar re-derivations of PyTorch's update rules,
//! schedules against their closed forms, gradient clipping, optimizer state
//! round trips, and an end-to-end training run.

use std::time::Instant;

use gradflow::io::{StateDict, StateTensor};
use gradflow::nn::{Dense, Init, Layer, Module, Sequential, Tanh};
use gradflow::optim::{
    Adam, AdamConfig, ChainedLr, ClipReport, Constant, CosineAnnealing, ExponentialLr, Fixed,
    LinearWarmup, Momentum, NonFinite, Optimizer, RmsProp, RmsPropConfig, Schedule, SequentialLr,
    Sgd, SgdConfig, StepLr, WeightDecay, clip_global_norm, clip_value,
};
use gradflow::{Error, Grads, Param, Rng, Scalar, SeedableRng, Tape, Tensor, Var};

// ---------------------------------------------------------------------------
// A module that is just named parameters (optionally visiting one twice, as
// tied weights would).

struct Params<T: Scalar> {
    items: Vec<(String, Param<T>)>,
    /// Visit `items[i]` a second time under this name.
    alias: Option<(String, usize)>,
}

impl<T: Scalar> Params<T> {
    fn new(items: Vec<(&str, Tensor<T>)>) -> Self {
        Params {
            items: items
                .into_iter()
                .map(|(n, t)| (n.to_string(), Param::new(t)))
                .collect(),
            alias: None,
        }
    }

    fn values(&self) -> Vec<Vec<T>> {
        self.items.iter().map(|(_, p)| p.value().to_vec()).collect()
    }

    fn param(&self, i: usize) -> &Param<T> {
        &self.items[i].1
    }
}

impl<T: Scalar> Module<T> for Params<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        for (n, p) in &self.items {
            f(n, p);
        }
        if let Some((n, i)) = &self.alias {
            f(n, &self.items[*i].1);
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        for (n, p) in &mut self.items {
            f(n, p);
        }
        if let Some((n, i)) = &self.alias {
            f(n, &mut self.items[*i].1);
        }
    }

    fn describe(&self) -> String {
        "Params".to_string()
    }
}

/// Gradients equal to `gs[i]` exactly, through the tape:
/// `∂/∂θᵢ Σᵢ sum(θᵢ ⊙ gᵢ) = gᵢ`.
fn grads_for<T: Scalar>(model: &Params<T>, gs: &[Vec<T>]) -> Grads<T> {
    let tape = Tape::new();
    let mut loss: Option<Var<'_, T>> = None;
    for ((_, p), g) in model.items.iter().zip(gs) {
        let c = Tensor::from_vec(g.clone(), p.shape()).unwrap();
        let term = (tape.param(p) * tape.constant(c)).sum_all();
        loss = Some(match loss {
            None => term,
            Some(l) => l + term,
        });
    }
    tape.backward(loss.unwrap())
}

/// A weight `[2, 3]` and a bias `[3]` with varied values.
fn two_params() -> Params<f64> {
    Params::new(vec![
        (
            "layer.weight",
            Tensor::from_vec(vec![0.5, -1.2, 0.3, 2.0, -0.7, 0.05], [2, 3]).unwrap(),
        ),
        (
            "layer.bias",
            Tensor::from_vec(vec![0.1, -0.4, 1.5], [3]).unwrap(),
        ),
    ])
}

/// The gradient fed at step `t` (from 1) for parameter `k` at `theta`: a
/// quadratic pull towards a target plus a time-varying term, times `scale`.
fn gradient(t: usize, k: usize, theta: &[f64], scale: f64) -> Vec<f64> {
    theta
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let target = 0.1 * i as f64 - 0.5 + 0.2 * k as f64;
            scale * ((x - target) + 0.3 * (1.7 * t as f64 + 0.9 * i as f64 + k as f64).sin())
        })
        .collect()
}

/// An update rule re-derived in scalar f64 code, with per-parameter state.
trait Reference {
    fn step(&mut self, k: usize, theta: &mut [f64], g: &[f64]);
}

fn assert_close(actual: &[f64], expected: &[f64], rel: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let tol = rel * e.abs().max(1e-300);
        assert!(
            (a - e).abs() <= tol || a == e,
            "{what}[{i}]: got {a:e}, expected {e:e} (difference {:e}, relative {:e})",
            (a - e).abs(),
            ((a - e) / e).abs()
        );
    }
}

/// Runs `opt` and `reference` side by side for `steps` steps on
/// [`two_params`], comparing every parameter after every step to 1e-12
/// relative. `scale(t)` multiplies the step-`t` gradient.
fn check_against(
    mut opt: impl Optimizer<f64>,
    mut reference: impl Reference,
    steps: usize,
    scale: impl Fn(usize) -> f64,
) {
    assert!(steps >= 3);
    let mut model = two_params();
    let initial = model.values();
    let mut expected = model.values();
    for t in 1..=steps {
        let gs: Vec<Vec<f64>> = model
            .values()
            .iter()
            .enumerate()
            .map(|(k, th)| gradient(t, k, th, scale(t)))
            .collect();
        let grads = grads_for(&model, &gs);
        let norms = opt.step(&mut model, &grads);
        assert_eq!(norms.len(), 2);
        for (k, th) in expected.iter_mut().enumerate() {
            let g = gradient(t, k, th, scale(t));
            reference.step(k, th, &g);
        }
        for (k, (name, p)) in model.items.iter().enumerate() {
            assert_close(
                p.value().data(),
                &expected[k],
                1e-12,
                &format!("step {t}, {name}"),
            );
        }
    }
    // The run moved the parameters (a no-op optimizer cannot pass).
    for (a, b) in model.values().iter().zip(&initial) {
        assert!(a.iter().zip(b).all(|(x, y)| x != y));
    }
}

// ---------------------------------------------------------------------------
// SGD

struct SgdRef {
    lr: f64,
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
    buffers: [Option<Vec<f64>>; 2],
}

impl SgdRef {
    fn new(lr: f64, momentum: f64, dampening: f64, weight_decay: f64, nesterov: bool) -> Self {
        SgdRef {
            lr,
            momentum,
            dampening,
            weight_decay,
            nesterov,
            buffers: [None, None],
        }
    }
}

impl Reference for SgdRef {
    fn step(&mut self, k: usize, theta: &mut [f64], g: &[f64]) {
        let first = self.buffers[k].is_none();
        let buf = self.buffers[k].get_or_insert_with(|| vec![0.0; g.len()]);
        for i in 0..theta.len() {
            let mut d = g[i];
            if self.weight_decay != 0.0 {
                d += self.weight_decay * theta[i];
            }
            if self.momentum != 0.0 {
                buf[i] = if first {
                    d
                } else {
                    self.momentum * buf[i] + (1.0 - self.dampening) * d
                };
                d = if self.nesterov {
                    d + self.momentum * buf[i]
                } else {
                    buf[i]
                };
            }
            theta[i] -= self.lr * d;
        }
    }
}

#[test]
fn sgd_plain_with_weight_decay_matches_reference() {
    let config = SgdConfig {
        lr: 0.1,
        weight_decay: 0.05,
        ..SgdConfig::default()
    };
    check_against(
        Sgd::new(config).unwrap(),
        SgdRef::new(0.1, 0.0, 0.0, 0.05, false),
        4,
        |_| 1.0,
    );
}

#[test]
fn sgd_momentum_with_dampening_matches_reference_and_first_step_is_undamped() {
    let config = SgdConfig {
        lr: 0.05,
        momentum: Momentum::Classic(0.9),
        dampening: 0.25,
        weight_decay: 0.01,
    };
    check_against(
        Sgd::new(config).unwrap(),
        SgdRef::new(0.05, 0.9, 0.25, 0.01, false),
        5,
        |_| 1.0,
    );

    // The first step's buffer is the gradient itself, not (1 - dampening)·g.
    let mut model = Params::new(vec![("w", Tensor::from_vec(vec![1.0, -2.0], [2]).unwrap())]);
    let mut opt = Sgd::new(config).unwrap();
    let grads = grads_for(&model, &[vec![0.5, 4.0]]);
    opt.step(&mut model, &grads);
    let id = model.param(0).id();
    // g + wd·θ = [0.5 + 0.01, 4.0 - 0.02]
    assert_eq!(
        opt.momentum_buffer(id).unwrap().to_vec(),
        vec![0.5 + 0.01 * 1.0, 4.0 + 0.01 * -2.0]
    );
}

#[test]
fn sgd_nesterov_matches_reference() {
    let config = SgdConfig {
        lr: 0.05,
        momentum: Momentum::Nesterov(0.8),
        dampening: 0.0,
        weight_decay: 1e-3,
    };
    check_against(
        Sgd::new(config).unwrap(),
        SgdRef::new(0.05, 0.8, 0.0, 1e-3, true),
        5,
        |_| 1.0,
    );
}

#[test]
fn sgd_classic_momentum_zero_is_plain_sgd_as_in_pytorch() {
    // PyTorch keeps no buffer when momentum == 0, so dampening has no effect.
    let config = SgdConfig {
        lr: 0.1,
        momentum: Momentum::Classic(0.0),
        dampening: 0.5,
        weight_decay: 0.0,
    };
    check_against(
        Sgd::new(config).unwrap(),
        SgdRef::new(0.1, 0.0, 0.0, 0.0, false),
        3,
        |_| 1.0,
    );
}

#[test]
fn sgd_rejects_nesterov_with_dampening_or_without_momentum_and_negative_values() {
    let bad = |config: SgdConfig| Sgd::<f32>::new(config).unwrap_err().to_string();
    let msg = bad(SgdConfig {
        momentum: Momentum::Nesterov(0.9),
        dampening: 0.1,
        ..SgdConfig::default()
    });
    assert!(
        msg.starts_with("Sgd::new: nesterov momentum needs"),
        "{msg}"
    );
    let msg = bad(SgdConfig {
        momentum: Momentum::Nesterov(0.0),
        ..SgdConfig::default()
    });
    assert!(msg.contains("nesterov"), "{msg}");
    let msg = bad(SgdConfig {
        lr: -0.1,
        ..SgdConfig::default()
    });
    assert_eq!(msg, "Sgd::new: invalid learning rate -0.1");
    let msg = bad(SgdConfig {
        momentum: Momentum::Classic(-0.5),
        ..SgdConfig::default()
    });
    assert_eq!(msg, "Sgd::new: invalid momentum -0.5");
    assert!(matches!(
        Sgd::<f32>::new(SgdConfig {
            weight_decay: f64::NAN,
            ..SgdConfig::default()
        }),
        Err(Error::InvalidArgument { .. })
    ));
}

// ---------------------------------------------------------------------------
// Adam / AdamW

struct AdamRef {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    l2: f64,
    decoupled: f64,
    amsgrad: bool,
    t: [i32; 2],
    m: [Vec<f64>; 2],
    v: [Vec<f64>; 2],
    v_max: [Vec<f64>; 2],
}

impl AdamRef {
    fn new(lr: f64, betas: (f64, f64), eps: f64, l2: f64, decoupled: f64, amsgrad: bool) -> Self {
        AdamRef {
            lr,
            beta1: betas.0,
            beta2: betas.1,
            eps,
            l2,
            decoupled,
            amsgrad,
            t: [0, 0],
            m: [vec![], vec![]],
            v: [vec![], vec![]],
            v_max: [vec![], vec![]],
        }
    }
}

impl Reference for AdamRef {
    fn step(&mut self, k: usize, theta: &mut [f64], g: &[f64]) {
        let n = g.len();
        if self.t[k] == 0 {
            self.m[k] = vec![0.0; n];
            self.v[k] = vec![0.0; n];
            self.v_max[k] = vec![0.0; n];
        }
        self.t[k] += 1;
        let t = self.t[k];
        let bc1 = 1.0 - self.beta1.powi(t);
        let bc2 = 1.0 - self.beta2.powi(t);
        for i in 0..n {
            let gi = g[i] + self.l2 * theta[i];
            theta[i] *= 1.0 - self.lr * self.decoupled;
            let m = &mut self.m[k][i];
            let v = &mut self.v[k][i];
            *m = self.beta1 * *m + (1.0 - self.beta1) * gi;
            *v = self.beta2 * *v + (1.0 - self.beta2) * gi * gi;
            let second = if self.amsgrad {
                self.v_max[k][i] = self.v_max[k][i].max(*v);
                self.v_max[k][i]
            } else {
                *v
            };
            let denom = second.sqrt() / bc2.sqrt() + self.eps;
            theta[i] -= self.lr / bc1 * *m / denom;
        }
    }
}

#[test]
fn adam_defaults_match_reference() {
    check_against(
        Adam::new(AdamConfig::default()).unwrap(),
        AdamRef::new(1e-3, (0.9, 0.999), 1e-8, 0.0, 0.0, false),
        5,
        |_| 1.0,
    );
}

#[test]
fn adam_with_l2_weight_decay_and_other_betas_matches_reference() {
    let config = AdamConfig {
        lr: 0.05,
        betas: (0.8, 0.95),
        eps: 1e-6,
        weight_decay: WeightDecay::L2(0.1),
        amsgrad: false,
    };
    check_against(
        Adam::new(config).unwrap(),
        AdamRef::new(0.05, (0.8, 0.95), 1e-6, 0.1, 0.0, false),
        6,
        |_| 1.0,
    );
}

#[test]
fn adamw_decoupled_weight_decay_matches_reference_and_differs_from_l2() {
    let config = AdamConfig {
        lr: 0.02,
        weight_decay: WeightDecay::Decoupled(0.1),
        ..AdamConfig::adamw()
    };
    check_against(
        Adam::new(config).unwrap(),
        AdamRef::new(0.02, (0.9, 0.999), 1e-8, 0.0, 0.1, false),
        5,
        |_| 1.0,
    );
    // The same decay as an L2 penalty gives a different trajectory.
    let run = |wd: WeightDecay| {
        let mut model = two_params();
        let mut opt = Adam::new(AdamConfig {
            weight_decay: wd,
            ..config
        })
        .unwrap();
        for t in 1..=3 {
            let gs: Vec<_> = (0..2)
                .map(|k| gradient(t, k, &model.values()[k], 1.0))
                .collect();
            let grads = grads_for(&model, &gs);
            opt.step(&mut model, &grads);
        }
        model.values()
    };
    assert_ne!(run(WeightDecay::Decoupled(0.1)), run(WeightDecay::L2(0.1)));
}

#[test]
fn adam_amsgrad_matches_reference_and_uses_the_running_maximum() {
    // Large gradients first, then small ones: v decays below its maximum,
    // so AMSGrad's denominator differs from Adam's.
    let scale = |t: usize| if t <= 2 { 5.0 } else { 0.05 };
    let config = AdamConfig {
        lr: 0.01,
        betas: (0.9, 0.9),
        amsgrad: true,
        ..AdamConfig::default()
    };
    check_against(
        Adam::new(config).unwrap(),
        AdamRef::new(0.01, (0.9, 0.9), 1e-8, 0.0, 0.0, true),
        6,
        scale,
    );
    // Without AMSGrad the reference run differs (so the test above can fail).
    let mut with = two_params().values();
    let mut without = two_params().values();
    let mut a = AdamRef::new(0.01, (0.9, 0.9), 1e-8, 0.0, 0.0, true);
    let mut b = AdamRef::new(0.01, (0.9, 0.9), 1e-8, 0.0, 0.0, false);
    for t in 1..=6 {
        for k in 0..2 {
            let g = gradient(t, k, &with[k], scale(t));
            a.step(k, &mut with[k], &g);
            let g = gradient(t, k, &without[k], scale(t));
            b.step(k, &mut without[k], &g);
        }
    }
    assert!((with[0][0] - without[0][0]).abs() > 1e-6);
}

#[test]
fn adams_first_step_moves_each_coordinate_by_lr_g_over_abs_g_plus_eps() {
    let g = vec![3.0, -0.5, 1e-3, -2e-8, 1e-9, 0.0, 250.0];
    for (lr, betas, eps) in [(1e-3, (0.9, 0.999), 1e-8), (0.05, (0.5, 0.7), 1e-4)] {
        let mut model = Params::new(vec![("w", Tensor::<f64>::zeros([g.len()]))]);
        let mut opt = Adam::new(AdamConfig {
            lr,
            betas,
            eps,
            ..AdamConfig::default()
        })
        .unwrap();
        let grads = grads_for(&model, std::slice::from_ref(&g));
        let norms = opt.step(&mut model, &grads);
        let moved = model.param(0).value().to_vec();
        let expected: Vec<f64> = g.iter().map(|&g| -lr * g / (g.abs() + eps)).collect();
        assert_close(&moved, &expected, 1e-12, "first Adam step");
        let norm = norms.get(model.param(0).id()).unwrap();
        let l2 = expected.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!((norm.update_l2 / l2 - 1.0).abs() < 1e-12);
    }
}

#[test]
fn adam_defaults_and_adamw_defaults_are_pytorchs() {
    let adam = AdamConfig::default();
    assert_eq!(adam.lr, 1e-3);
    assert_eq!(adam.betas, (0.9, 0.999));
    assert_eq!(adam.eps, 1e-8);
    assert_eq!(adam.weight_decay, WeightDecay::None);
    assert!(!adam.amsgrad);
    let adamw = AdamConfig::adamw();
    assert_eq!(adamw.weight_decay, WeightDecay::Decoupled(1e-2));
    assert_eq!(adamw.lr, 1e-3);
    let sgd = SgdConfig::default();
    assert_eq!(
        (sgd.lr, sgd.momentum, sgd.dampening, sgd.weight_decay),
        (1e-3, Momentum::None, 0.0, 0.0)
    );
    let rms = RmsPropConfig::default();
    assert_eq!(
        (
            rms.lr,
            rms.alpha,
            rms.eps,
            rms.weight_decay,
            rms.momentum,
            rms.centered
        ),
        (1e-2, 0.99, 1e-8, 0.0, 0.0, false)
    );
    let msg = Adam::<f32>::new(AdamConfig {
        betas: (1.0, 0.999),
        ..AdamConfig::default()
    })
    .unwrap_err()
    .to_string();
    assert!(msg.starts_with("Adam::new: invalid beta1 1"), "{msg}");
}

#[test]
fn adam_in_f32_follows_the_f64_reference_closely() {
    let mut model = Params::new(vec![(
        "w",
        Tensor::<f32>::from_vec(vec![0.5, -1.2, 0.3, 2.0], [4]).unwrap(),
    )]);
    let mut expected: Vec<f64> = model.values()[0].iter().map(|&x| f64::from(x)).collect();
    let mut reference = AdamRef::new(0.01, (0.9, 0.999), 1e-8, 0.0, 0.05, false);
    let mut opt = Adam::<f32>::new(AdamConfig {
        lr: 0.01,
        weight_decay: WeightDecay::Decoupled(0.05),
        ..AdamConfig::default()
    })
    .unwrap();
    for t in 1..=5 {
        let g64 = gradient(t, 0, &expected, 1.0);
        let g32: Vec<f32> = g64.iter().map(|&x| x as f32).collect();
        let grads = grads_for(&model, &[g32]);
        opt.step(&mut model, &grads);
        reference.step(0, &mut expected, &g64);
    }
    let got: Vec<f64> = model.values()[0].iter().map(|&x| f64::from(x)).collect();
    assert_close(&got, &expected, 1e-5, "f32 Adam");
}

// ---------------------------------------------------------------------------
// RMSprop

struct RmsRef {
    lr: f64,
    alpha: f64,
    eps: f64,
    weight_decay: f64,
    momentum: f64,
    centered: bool,
    square_avg: [Vec<f64>; 2],
    grad_avg: [Vec<f64>; 2],
    buf: [Vec<f64>; 2],
}

impl RmsRef {
    fn new(config: RmsPropConfig) -> Self {
        RmsRef {
            lr: config.lr,
            alpha: config.alpha,
            eps: config.eps,
            weight_decay: config.weight_decay,
            momentum: config.momentum,
            centered: config.centered,
            square_avg: [vec![], vec![]],
            grad_avg: [vec![], vec![]],
            buf: [vec![], vec![]],
        }
    }
}

impl Reference for RmsRef {
    fn step(&mut self, k: usize, theta: &mut [f64], g: &[f64]) {
        let n = g.len();
        if self.square_avg[k].is_empty() {
            self.square_avg[k] = vec![0.0; n];
            self.grad_avg[k] = vec![0.0; n];
            self.buf[k] = vec![0.0; n];
        }
        for i in 0..n {
            let gi = g[i] + self.weight_decay * theta[i];
            let s = &mut self.square_avg[k][i];
            *s = self.alpha * *s + (1.0 - self.alpha) * gi * gi;
            let avg = if self.centered {
                let ga = &mut self.grad_avg[k][i];
                *ga = self.alpha * *ga + (1.0 - self.alpha) * gi;
                (*s - *ga * *ga).sqrt() + self.eps
            } else {
                s.sqrt() + self.eps
            };
            if self.momentum > 0.0 {
                let b = &mut self.buf[k][i];
                *b = self.momentum * *b + gi / avg;
                theta[i] -= self.lr * *b;
            } else {
                theta[i] -= self.lr * gi / avg;
            }
        }
    }
}

#[test]
fn rmsprop_defaults_match_reference() {
    let config = RmsPropConfig::default();
    check_against(
        RmsProp::new(config).unwrap(),
        RmsRef::new(config),
        5,
        |_| 1.0,
    );
}

#[test]
fn rmsprop_centered_with_momentum_and_weight_decay_matches_reference() {
    let config = RmsPropConfig {
        lr: 0.01,
        alpha: 0.9,
        eps: 1e-6,
        weight_decay: 0.05,
        momentum: 0.8,
        centered: true,
    };
    check_against(
        RmsProp::new(config).unwrap(),
        RmsRef::new(config),
        6,
        |_| 1.0,
    );
}

#[test]
fn rmsprop_centered_alone_and_momentum_alone_match_reference() {
    for (centered, momentum) in [(true, 0.0), (false, 0.9)] {
        let config = RmsPropConfig {
            lr: 0.02,
            centered,
            momentum,
            ..RmsPropConfig::default()
        };
        check_against(
            RmsProp::new(config).unwrap(),
            RmsRef::new(config),
            4,
            |_| 1.0,
        );
    }
}

// ---------------------------------------------------------------------------
// Behaviour common to all optimizers

fn all_optimizers() -> Vec<(&'static str, Box<dyn Optimizer<f64>>)> {
    vec![
        (
            "sgd",
            Box::new(
                Sgd::new(SgdConfig {
                    lr: 0.1,
                    momentum: Momentum::Nesterov(0.9),
                    dampening: 0.0,
                    weight_decay: 0.01,
                })
                .unwrap(),
            ),
        ),
        ("adam", Box::new(Adam::new(AdamConfig::adamw()).unwrap())),
        (
            "rmsprop",
            Box::new(
                RmsProp::new(RmsPropConfig {
                    momentum: 0.5,
                    centered: true,
                    ..RmsPropConfig::default()
                })
                .unwrap(),
            ),
        ),
    ]
}

#[test]
fn step_reports_update_and_parameter_norms_and_skips_parameters_without_gradients() {
    for (name, mut opt) in all_optimizers() {
        let mut model = two_params();
        let before = model.values();
        // Only the bias gets a gradient.
        let grads = {
            let tape = Tape::new();
            let b = tape.param(model.param(1));
            let c = tape.constant(Tensor::from_vec(vec![0.3, -2.0, 0.7], [3]).unwrap());
            tape.backward((b * c).sum_all())
        };
        let norms = opt.step(&mut model, &grads);
        let after = model.values();
        assert_eq!(after[0], before[0], "{name}: weight has no gradient");
        assert_eq!(norms.len(), 1, "{name}");
        assert!(norms.get(model.param(0).id()).is_none());
        let n = norms.get(model.param(1).id()).unwrap();
        let update: f64 = after[1]
            .iter()
            .zip(&before[1])
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        // The weights the gradient was taken at.
        let param: f64 = before[1].iter().map(|a| a * a).sum::<f64>().sqrt();
        assert!(update > 0.0);
        assert!((n.update_l2 / update - 1.0).abs() < 1e-12, "{name}");
        assert!((n.param_l2 / param - 1.0).abs() < 1e-12, "{name}");
        assert!((n.ratio() - update / param).abs() < 1e-12);
    }
}

#[test]
fn update_norms_are_sorted_by_id() {
    // Visit order (bias first) differs from id order.
    let w = Param::new(Tensor::<f64>::ones([2]));
    let b = Param::new(Tensor::<f64>::ones([2]));
    let mut model = Params {
        items: vec![("b".to_string(), b), ("w".to_string(), w)],
        alias: None,
    };
    let grads = grads_for(&model, &[vec![1.0, 2.0], vec![3.0, 4.0]]);
    let norms = Sgd::new(SgdConfig::default())
        .unwrap()
        .step(&mut model, &grads);
    let ids: Vec<_> = norms.iter().map(|n| n.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);
}

#[test]
fn step_writes_in_place_once_the_tape_is_gone() {
    for (name, mut opt) in all_optimizers() {
        let mut model = two_params();
        let grads = grads_for(&model, &[vec![0.1; 6], vec![0.2; 3]]);
        let ptrs: Vec<_> = model
            .items
            .iter()
            .map(|(_, p)| p.value().data().as_ptr())
            .collect();
        opt.step(&mut model, &grads);
        for ((_, p), ptr) in model.items.iter().zip(ptrs) {
            assert_eq!(p.value().data().as_ptr(), ptr, "{name}: buffer was copied");
        }
    }
}

#[test]
fn a_parameter_visited_twice_is_updated_once() {
    for (name, mut opt) in all_optimizers() {
        let mut tied = two_params();
        tied.alias = Some(("decoder.weight".to_string(), 0));
        let mut single = two_params();
        let gs = [vec![0.1, 0.2, -0.3, 0.4, 0.5, -0.6], vec![0.2; 3]];
        let grads = grads_for(&tied, &gs);
        let norms = opt.step(&mut tied, &grads);
        assert_eq!(norms.len(), 2, "{name}");
        let (_, mut fresh) = all_optimizers()
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap();
        let grads = grads_for(&single, &gs);
        fresh.step(&mut single, &grads);
        assert_eq!(tied.values(), single.values(), "{name}");
    }
}

#[test]
#[should_panic(expected = "Sgd::step: gradient of w has shape [3] but the parameter has shape [2]")]
fn a_gradient_of_the_wrong_shape_panics_naming_the_parameter() {
    let mut model = Params::new(vec![("w", Tensor::<f64>::ones([2]))]);
    let mut grads = grads_for(&model, &[vec![1.0, 2.0]]);
    *grads.get_mut(model.param(0).id()).unwrap() = Tensor::ones([3]);
    Sgd::new(SgdConfig::default())
        .unwrap()
        .step(&mut model, &grads);
}

#[test]
fn learning_rate_can_be_read_and_set() {
    for (name, mut opt) in all_optimizers() {
        opt.set_learning_rate(0.125);
        assert_eq!(opt.learning_rate(), 0.125, "{name}");
    }
    // The new rate is the one used.
    let mut model = Params::new(vec![("w", Tensor::<f64>::zeros([1]))]);
    let mut opt = Sgd::new(SgdConfig::default()).unwrap();
    opt.set_learning_rate(0.5);
    let grads = grads_for(&model, &[vec![2.0]]);
    opt.step(&mut model, &grads);
    assert_eq!(model.values()[0], vec![-1.0]);
}

// ---------------------------------------------------------------------------
// Schedules

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-15 * b.abs().max(1e-300)
}

#[test]
fn step_and_exponential_schedules_follow_their_closed_forms() {
    let s = StepLr::new(3, 0.5);
    let base = 0.2;
    for (step, factor) in [
        (0, 1.0),
        (2, 1.0),
        (3, 0.5),
        (5, 0.5),
        (6, 0.25),
        (10, 0.125),
    ] {
        assert!(close(s.lr(step, base), base * factor), "StepLr at {step}");
    }
    let e = ExponentialLr::new(0.9);
    assert_eq!(e.lr(0, base), base);
    for step in [1, 5, 37] {
        let expected = base * (0..step).fold(1.0, |acc, _| acc * 0.9);
        assert!((e.lr(step, base) / expected - 1.0).abs() < 1e-13);
    }
}

#[test]
fn cosine_annealing_follows_pytorchs_closed_form() {
    let s = CosineAnnealing::new(10, 0.001);
    let base = 0.1;
    assert!(close(s.lr(0, base), 0.1));
    assert!(close(s.lr(5, base), 0.001 + 0.099 * 0.5));
    assert!(close(s.lr(10, base), 0.001));
    // A quarter of the way: (1 + cos(π/4))/2.
    let q = CosineAnnealing::new(8, 0.0).lr(2, 1.0);
    assert!(close(q, (1.0 + std::f64::consts::FRAC_1_SQRT_2) / 2.0));
    // Past T_max the closed form rises again (as PyTorch's).
    assert!(close(s.lr(15, base), s.lr(5, base)));
    assert!(close(s.lr(20, base), 0.1));
    // Held with Fixed.
    let held = CosineAnnealing::new(10, 0.001).then(10, Fixed(0.001));
    assert_eq!(held.lr(15, base), 0.001);
}

#[test]
fn linear_warmup_goes_from_start_factor_to_one() {
    let s = LinearWarmup::new(4, 0.25);
    let base = 0.2;
    assert!(close(s.lr(0, base), 0.05));
    assert!(close(s.lr(1, base), 0.2 * (0.25 + 0.75 / 4.0)));
    assert!(close(s.lr(2, base), 0.2 * 0.625));
    assert_eq!(s.lr(4, base), base);
    assert_eq!(s.lr(1000, base), base);
    assert_eq!(LinearWarmup::new(0, 0.1).lr(0, base), base);
}

#[test]
fn sequential_and_chained_schedules_compose() {
    let base = 0.4;
    let s: SequentialLr<LinearWarmup, CosineAnnealing> =
        LinearWarmup::new(5, 0.2).then(5, CosineAnnealing::new(10, 0.0));
    assert!(close(s.lr(0, base), 0.08));
    assert!(close(s.lr(4, base), 0.4 * (0.2 + 0.8 * 4.0 / 5.0)));
    assert_eq!(s.lr(5, base), base); // the cosine's step 0
    assert!(close(s.lr(10, base), 0.2)); // the cosine's step 5
    assert!(s.lr(15, base).abs() < 1e-16); // the cosine's step 10

    let c: ChainedLr<StepLr, ExponentialLr> = StepLr::new(2, 0.5).chain(ExponentialLr::new(0.9));
    assert!(close(c.lr(3, base), base * 0.5 * 0.9f64.powf(3.0)));
    assert_eq!(Constant.chain(Constant).lr(7, base), base);
    let boxed: Vec<Box<dyn Schedule>> = vec![Box::new(s), Box::new(c), Box::new(Constant)];
    assert_eq!(boxed[2].lr(3, base), base);
}

// ---------------------------------------------------------------------------
// Clipping

fn clip_model() -> Params<f64> {
    Params::new(vec![
        ("encoder.0.weight", Tensor::zeros([2])),
        ("encoder.0.bias", Tensor::zeros([1])),
    ])
}

#[test]
fn clipping_reports_the_pre_clip_norm_and_scales_to_max_norm() {
    let model = clip_model();
    let mut grads = grads_for(&model, &[vec![3.0, 4.0], vec![12.0]]);
    let report = clip_global_norm(&model, &mut grads, 1.3, NonFinite::Error).unwrap();
    assert!((report.norm_before / 13.0 - 1.0).abs() < 1e-15);
    let scale = 1.3 / (report.norm_before + 1e-6);
    assert_eq!(report.scale, scale);
    assert!(report.clipped && !report.skipped);
    assert_eq!(
        grads.get(model.param(0)).unwrap().to_vec(),
        vec![3.0 * scale, 4.0 * scale]
    );
    assert_eq!(
        grads.get(model.param(1)).unwrap().to_vec(),
        vec![12.0 * scale]
    );
    assert!((report.norm_after - 1.3).abs() < 1e-6);
    assert!(report.norm_after <= 1.3);
    assert!((report.norm_after - grads.global_norm()).abs() < 1e-15);
}

#[test]
fn clipping_leaves_small_gradients_untouched() {
    let model = clip_model();
    let mut grads = grads_for(&model, &[vec![0.3, -0.4], vec![1.2]]);
    let before = grads.clone();
    let report = clip_global_norm(&model, &mut grads, 2.0, NonFinite::Error).unwrap();
    let norm = grads.global_norm();
    assert!((norm / 1.3 - 1.0).abs() < 1e-15);
    assert_eq!(
        report,
        ClipReport {
            norm_before: norm,
            norm_after: norm,
            scale: 1.0,
            clipped: false,
            skipped: false
        }
    );
    for (id, g) in before.iter() {
        assert_eq!(grads.get_id(id).unwrap(), g);
    }
}

#[test]
fn a_parameter_used_twice_counts_once_in_the_norm() {
    // A layer applied twice: one summed gradient per parameter.
    let mut rng = Rng::seed_from_u64(3);
    let mut layer = Dense::<f64>::new(2, 2, Init::xavier_uniform(), &mut rng);
    let mut grads = {
        let tape = Tape::new();
        let x = tape.constant(Tensor::from_vec(vec![1.0, -2.0, 0.5, 3.0], [2, 2]).unwrap());
        let h = layer.forward(x);
        let y = layer.forward(h);
        tape.backward(y.sum_all())
    };
    let expected: f64 = [layer.weight(), layer.bias().unwrap()]
        .iter()
        .flat_map(|p| grads.get(p).unwrap().to_vec())
        .map(|g| g * g)
        .sum::<f64>()
        .sqrt();
    assert_eq!(grads.len(), 2);
    let report = clip_global_norm(&layer, &mut grads, 1e9, NonFinite::Error).unwrap();
    assert!((report.norm_before / expected - 1.0).abs() < 1e-14);

    // A module that visits one tensor under two names (tied weights).
    let mut tied = clip_model();
    tied.alias = Some(("decoder.weight".to_string(), 0));
    let mut grads = grads_for(&tied, &[vec![3.0, 4.0], vec![12.0]]);
    let report = clip_global_norm(&tied, &mut grads, 1e9, NonFinite::Error).unwrap();
    // 13, not sqrt(169 + 25).
    assert!((report.norm_before / 13.0 - 1.0).abs() < 1e-15);
}

#[test]
fn clipping_counts_only_the_models_gradients() {
    let model = clip_model();
    let mut grads = {
        let tape = Tape::new();
        let w = tape.param(model.param(0));
        let leaf = tape.leaf(Tensor::zeros([1]));
        let c = tape.constant(Tensor::from_vec(vec![3.0, 4.0], [2]).unwrap());
        let k = tape.constant(Tensor::from_vec(vec![1000.0], [1]).unwrap());
        tape.backward((w * c).sum_all() + (leaf * k).sum_all())
    };
    // The weight's gradient [3, 4] and the leaf's [1000]; no bias gradient.
    assert_eq!(grads.len(), 2);
    let w_id = model.param(0).id();
    let report = clip_global_norm(&model, &mut grads, 1.0, NonFinite::Error).unwrap();
    assert!((report.norm_before - 5.0).abs() < 1e-14);
    assert!(report.clipped);
    for (id, g) in grads.iter() {
        if id == w_id {
            assert!((g.data()[0] - 3.0 / (5.0 + 1e-6)).abs() < 1e-14);
        } else {
            assert_eq!(g.to_vec(), vec![1000.0], "the leaf's gradient is untouched");
        }
    }
}

fn poisoned() -> (Params<f64>, Grads<f64>) {
    let model = Params::new(vec![
        ("block.0.weight", Tensor::zeros([2])),
        ("block.0.bias", Tensor::zeros([1])),
        ("block.2.weight", Tensor::zeros([2])),
    ]);
    let grads = grads_for(
        &model,
        &[vec![1.0, 2.0], vec![f64::INFINITY], vec![f64::NAN, 1.0]],
    );
    (model, grads)
}

#[test]
fn non_finite_gradients_error_naming_the_parameters() {
    let (model, mut grads) = poisoned();
    let before = grads.clone();
    let err = clip_global_norm(&model, &mut grads, 1.0, NonFinite::Error).unwrap_err();
    match &err {
        Error::NonFiniteGradient { params, norm, .. } => {
            assert_eq!(params, &["block.0.bias", "block.2.weight"]);
            assert!(norm.is_nan());
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "clip_global_norm: gradient norm is NaN; non-finite gradients in block.0.bias, block.2.weight"
    );
    // Unchanged.
    assert_eq!(
        grads.get(model.param(0)).unwrap(),
        before.get(model.param(0)).unwrap()
    );
    // Infinity alone.
    let mut grads = grads_for(
        &model,
        &[vec![1.0, f64::NEG_INFINITY], vec![0.0], vec![0.0; 2]],
    );
    let err = clip_global_norm(&model, &mut grads, 1.0, NonFinite::Error).unwrap_err();
    assert!(
        err.to_string()
            .contains("norm is inf; non-finite gradients in block.0.weight"),
        "{err}"
    );
}

#[test]
fn non_finite_gradients_with_skip_step_are_zeroed_and_reported() {
    let (model, mut grads) = poisoned();
    let report = clip_global_norm(&model, &mut grads, 1.0, NonFinite::SkipStep).unwrap();
    assert!(report.skipped && !report.clipped);
    assert!(report.norm_before.is_nan());
    assert_eq!((report.norm_after, report.scale), (0.0, 0.0));
    for (_, g) in grads.iter() {
        assert!(g.data().iter().all(|&x| x == 0.0));
    }
}

#[test]
fn non_finite_gradients_propagate_as_in_pytorch() {
    // NaN norm: NaN scale, every gradient NaN.
    let (model, mut grads) = poisoned();
    let report = clip_global_norm(&model, &mut grads, 1.0, NonFinite::Propagate).unwrap();
    assert!(report.scale.is_nan() && report.clipped && !report.skipped);
    assert!(report.norm_after.is_nan());
    for (_, g) in grads.iter() {
        assert!(g.data().iter().all(|x| x.is_nan()));
    }
    // Infinite norm: scale 0; finite elements become 0, infinite ones NaN.
    let mut grads = grads_for(
        &model,
        &[vec![1.0, f64::INFINITY], vec![2.0], vec![3.0, 4.0]],
    );
    let report = clip_global_norm(&model, &mut grads, 1.0, NonFinite::Propagate).unwrap();
    assert_eq!(report.norm_before, f64::INFINITY);
    assert_eq!(report.scale, 0.0);
    let w = grads.get(model.param(0)).unwrap().to_vec();
    assert_eq!(w[0], 0.0);
    assert!(w[1].is_nan());
    assert_eq!(grads.get(model.param(2)).unwrap().to_vec(), vec![0.0, 0.0]);
}

#[test]
fn clip_global_norm_rejects_a_negative_max_norm() {
    let model = clip_model();
    let mut grads = grads_for(&model, &[vec![3.0, 4.0], vec![12.0]]);
    let err = clip_global_norm(&model, &mut grads, -1.0, NonFinite::Error).unwrap_err();
    assert_eq!(
        err.to_string(),
        "clip_global_norm: max_norm must be ≥ 0, got -1"
    );
}

#[test]
fn clip_value_clamps_elementwise_and_keeps_nan() {
    let model = clip_model();
    let mut grads = grads_for(&model, &[vec![-3.0, 0.25], vec![f64::NAN]]);
    clip_value(&mut grads, 0.5);
    assert_eq!(
        grads.get(model.param(0)).unwrap().to_vec(),
        vec![-0.5, 0.25]
    );
    assert!(grads.get(model.param(1)).unwrap().item().is_nan());
}

// ---------------------------------------------------------------------------
// Optimizer state: save, load into a fresh optimizer, resume bit-identically

fn mlp(seed: u64, width: usize, hidden_layers: usize) -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    let mut model = Sequential::new()
        .push(Dense::new(4, width, Init::xavier_uniform(), &mut rng))
        .push(Tanh);
    for _ in 1..hidden_layers {
        model = model
            .push(Dense::new(width, width, Init::xavier_uniform(), &mut rng))
            .push(Tanh);
    }
    model.push(Dense::new(width, 1, Init::xavier_uniform(), &mut rng))
}

/// `y = sin(x₀) + x₁·x₂/2 - 0.3·x₃`, `x ~ N(0, 1)`.
fn regression_data(n: usize, seed: u64) -> (Tensor<f32>, Tensor<f32>) {
    let x = Tensor::<f32>::normal([n, 4], 0.0, 1.0, &mut Rng::seed_from_u64(seed));
    let y: Vec<f32> = x
        .data()
        .chunks(4)
        .map(|r| r[0].sin() + 0.5 * r[1] * r[2] - 0.3 * r[3])
        .collect();
    (x, Tensor::from_vec(y, [n, 1]).unwrap())
}

fn loss_and_grads(
    model: &mut Sequential<f32>,
    x: &Tensor<f32>,
    y: &Tensor<f32>,
) -> (f32, Grads<f32>) {
    let tape = Tape::new();
    let pred = model.forward(tape.constant(x.clone()));
    let loss = (pred - tape.constant(y.clone())).square().mean_all();
    let value = loss.item();
    (value, tape.backward(loss))
}

fn copy_values(from: &dyn Module<f32>, to: &mut dyn Module<f32>) {
    let mut values = Vec::new();
    from.visit_params(&mut |name, p| values.push((name.to_string(), p.value().clone())));
    to.visit_params_mut(&mut |name, p| {
        let v = &values.iter().find(|(n, _)| n == name).unwrap().1;
        p.set(v.clone());
    });
}

fn values_of(model: &dyn Module<f32>) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    model.visit_params(&mut |_, p| out.push(p.value().to_vec()));
    out
}

fn check_resume(name: &str, make: impl Fn() -> Box<dyn Optimizer<f32>>) {
    let (x, y) = regression_data(32, 7);
    let mut a = mlp(1, 8, 2);
    let mut opt_a = make();
    opt_a.set_learning_rate(0.037); // as a schedule would; must be saved
    for _ in 0..3 {
        let (_, grads) = loss_and_grads(&mut a, &x, &y);
        opt_a.step(&mut a, &grads);
    }
    let saved = opt_a.state_dict(&a);

    // A new process: new ids, same values, a fresh optimizer with other
    // hyperparameters that the state overrides.
    let mut b = mlp(1, 8, 2);
    copy_values(&a, &mut b);
    let mut opt_b: Box<dyn Optimizer<f32>> = match name {
        "sgd" => Box::new(Sgd::new(SgdConfig::default()).unwrap()),
        "adam" => Box::new(Adam::new(AdamConfig::default()).unwrap()),
        _ => Box::new(RmsProp::new(RmsPropConfig::default()).unwrap()),
    };
    opt_b.load_state_dict(&b, &saved).unwrap();
    assert_eq!(opt_b.learning_rate(), 0.037, "{name}");
    assert_eq!(
        opt_b.state_dict(&b),
        saved,
        "{name}: state changed in a round trip"
    );

    for step in 0..3 {
        let (_, ga) = loss_and_grads(&mut a, &x, &y);
        let (_, gb) = loss_and_grads(&mut b, &x, &y);
        opt_a.step(&mut a, &ga);
        opt_b.step(&mut b, &gb);
        let (va, vb) = (values_of(&a), values_of(&b));
        for (pa, pb) in va.iter().zip(&vb) {
            let bits_a: Vec<u32> = pa.iter().map(|v| v.to_bits()).collect();
            let bits_b: Vec<u32> = pb.iter().map(|v| v.to_bits()).collect();
            assert_eq!(bits_a, bits_b, "{name}: resumed run differs at step {step}");
        }
    }
}

#[test]
fn sgd_state_round_trip_resumes_bit_identically() {
    check_resume("sgd", || {
        Box::new(
            Sgd::new(SgdConfig {
                lr: 0.1,
                momentum: Momentum::Nesterov(0.9),
                dampening: 0.0,
                weight_decay: 1e-3,
            })
            .unwrap(),
        )
    });
    check_resume("sgd", || {
        Box::new(
            Sgd::new(SgdConfig {
                lr: 0.1,
                momentum: Momentum::Classic(0.7),
                dampening: 0.2,
                weight_decay: 0.0,
            })
            .unwrap(),
        )
    });
}

#[test]
fn adam_state_round_trip_resumes_bit_identically() {
    check_resume("adam", || {
        Box::new(
            Adam::new(AdamConfig {
                amsgrad: true,
                weight_decay: WeightDecay::L2(0.01),
                ..AdamConfig::default()
            })
            .unwrap(),
        )
    });
    check_resume("adam", || Box::new(Adam::new(AdamConfig::adamw()).unwrap()));
}

#[test]
fn rmsprop_state_round_trip_resumes_bit_identically() {
    check_resume("rmsprop", || {
        Box::new(
            RmsProp::new(RmsPropConfig {
                momentum: 0.9,
                centered: true,
                weight_decay: 1e-3,
                ..RmsPropConfig::default()
            })
            .unwrap(),
        )
    });
}

fn adam_state() -> (Sequential<f32>, Adam<f32>, StateDict) {
    let (x, y) = regression_data(8, 2);
    let mut model = mlp(4, 4, 1);
    let mut opt = Adam::new(AdamConfig {
        amsgrad: true,
        ..AdamConfig::default()
    })
    .unwrap();
    for _ in 0..2 {
        let (_, grads) = loss_and_grads(&mut model, &x, &y);
        opt.step(&mut model, &grads);
    }
    let state = opt.state_dict(&model);
    (model, opt, state)
}

#[test]
fn state_dict_is_keyed_by_parameter_name() {
    let (model, opt, state) = adam_state();
    let names: Vec<&str> = state.names().collect();
    assert_eq!(
        &names[..5],
        &[
            "state.0.weight.step",
            "state.0.weight.exp_avg",
            "state.0.weight.exp_avg_sq",
            "state.0.weight.max_exp_avg_sq",
            "state.0.bias.step"
        ]
    );
    assert_eq!(
        state.get("state.2.weight.step"),
        Some(&StateTensor::I64 {
            data: vec![2],
            shape: vec![]
        })
    );
    assert_eq!(state.get("state.2.bias.exp_avg").unwrap().shape(), [1]);
    assert_eq!(state.get("state.0.weight.exp_avg").unwrap().dtype(), "F32");
    for h in [
        "lr",
        "betas",
        "eps",
        "weight_decay",
        "amsgrad",
        "decoupled_weight_decay",
    ] {
        assert!(state.get(&format!("param_groups.0.{h}")).is_some(), "{h}");
    }
    assert_eq!(opt.step_count(model.named_param_ids()[0].1), 2);
}

#[test]
fn loading_a_bad_state_names_the_entry_and_changes_nothing() {
    let (model, opt, state) = adam_state();
    let expect_err = |state: &StateDict, needle: &str| {
        let mut fresh = opt.clone();
        let err = fresh.load_state_dict(&model, state).unwrap_err();
        assert!(matches!(err, Error::InvalidState { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.starts_with("Adam::load_state_dict: state entry"),
            "{msg}"
        );
        assert!(msg.contains(needle), "{msg} should mention {needle}");
        // Unchanged on error.
        assert_eq!(fresh.state_dict(&model), opt.state_dict(&model));
    };

    let mut missing = state.clone();
    missing.remove("state.0.bias.exp_avg_sq");
    expect_err(&missing, "\"state.0.bias.exp_avg_sq\": missing");

    let mut wrong_shape = state.clone();
    wrong_shape.insert(
        "state.0.weight.exp_avg",
        StateTensor::F32(Tensor::zeros([3])),
    );
    expect_err(
        &wrong_shape,
        "\"state.0.weight.exp_avg\": shape [3] does not match the parameter's shape [4, 4]",
    );

    let mut unknown = state.clone();
    unknown.insert(
        "state.9.weight.step",
        StateTensor::I64 {
            data: vec![1],
            shape: vec![],
        },
    );
    expect_err(&unknown, "the model has no parameter named \"9.weight\"");

    let mut no_lr = state.clone();
    no_lr.remove("param_groups.0.lr");
    expect_err(&no_lr, "\"param_groups.0.lr\": missing");

    let mut bad_beta = state.clone();
    bad_beta.insert(
        "param_groups.0.betas",
        StateTensor::F64(Tensor::from_vec(vec![0.9, 1.5], [2]).unwrap()),
    );
    expect_err(&bad_beta, "invalid beta2 1.5");

    let mut bad_step = state.clone();
    bad_step.insert("state.0.weight.step", StateTensor::F32(Tensor::scalar(2.0)));
    expect_err(&bad_step, "expected an I64 value, found F32");

    let mut orphan = state.clone();
    orphan.remove("state.0.weight.step");
    expect_err(
        &orphan,
        "partial state for \"0.weight\": \"state.0.weight.step\" is missing",
    );

    // AMSGrad switched off, but its maxima are still there.
    let mut no_amsgrad = state.clone();
    no_amsgrad.insert(
        "param_groups.0.amsgrad",
        StateTensor::I64 {
            data: vec![0],
            shape: vec![],
        },
    );
    expect_err(
        &no_amsgrad,
        "\"state.0.weight.max_exp_avg_sq\": not used by this optimizer with these hyperparameters",
    );

    // Another optimizer's state.
    let sgd_state = {
        let mut m = mlp(4, 4, 1);
        let mut sgd = Sgd::new(SgdConfig::default()).unwrap();
        let (x, y) = regression_data(8, 2);
        let (_, g) = loss_and_grads(&mut m, &x, &y);
        sgd.step(&mut m, &g);
        sgd.state_dict(&m)
    };
    expect_err(&sgd_state, "\"param_groups.0.betas\": missing");
    let err = Sgd::<f32>::new(SgdConfig::default())
        .unwrap()
        .load_state_dict(&model, &state)
        .unwrap_err();
    assert!(err.to_string().contains("param_groups.0.momentum"), "{err}");
}

// ---------------------------------------------------------------------------
// End to end

#[test]
fn a_deep_mlp_trains_to_a_tenth_of_its_initial_loss() {
    let started = Instant::now();
    let (x, y) = regression_data(128, 11);
    let mut model = mlp(5, 24, 4); // 4 hidden tanh layers
    assert_eq!(model.len(), 9);
    let base_lr = 3e-3;
    let mut opt = Adam::new(AdamConfig {
        lr: base_lr,
        ..AdamConfig::adamw()
    })
    .unwrap();
    let steps = 400;
    let schedule =
        LinearWarmup::new(20, 0.1).then(20, CosineAnnealing::new(steps - 20, base_lr * 0.1));
    let mut initial = None;
    let mut last = f32::NAN;
    for step in 0..steps {
        let (loss, mut grads) = loss_and_grads(&mut model, &x, &y);
        initial.get_or_insert(loss);
        last = loss;
        let report = clip_global_norm(&model, &mut grads, 5.0, NonFinite::Error).unwrap();
        assert!(report.norm_before.is_finite());
        opt.set_learning_rate(schedule.lr(step, base_lr));
        let norms = opt.step(&mut model, &grads);
        assert_eq!(norms.len(), 10);
    }
    let (final_loss, _) = loss_and_grads(&mut model, &x, &y);
    let initial = initial.unwrap();
    assert!(last.is_finite());
    assert!(
        final_loss < 0.1 * initial,
        "loss went from {initial} to {final_loss}"
    );
    eprintln!(
        "end-to-end: loss {initial:.4} → {final_loss:.5} in {steps} steps, {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
}
