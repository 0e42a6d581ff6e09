//! E4 + E5 of `papers.md`: He et al. 2015 ("Delving Deep into Rectifiers")
//! — Xavier vs He initialization on deep plain ReLU MLPs — and Hanin 2018's
//! β = Σ 1/n_l, the log-moments of the squared-norm ratio ‖h_L‖²/‖h_0‖² of
//! He-initialized ReLU nets against their exact digamma/trigamma values.
//!
//! Shared by `examples/relu_depth.rs` and `tests/repro_relu_depth.rs`.

use std::path::PathBuf;

use gradflow::monitor::{GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{Dense, Init, Layer, Relu, Sequential};
use gradflow::optim::{Momentum, Optimizer, Sgd, SgdConfig};
use gradflow::prelude::*;

use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, accuracy, median, permutation, progress};

/// E4 pass criterion: He-30's final train loss must be below this.
pub const HE_DEEPEST_MAX_LOSS: f64 = 0.3;
/// E4 pass criterion: Xavier-30's final train loss must stay above this
/// (chance is ln 10 = 2.303).
pub const XAVIER_DEEPEST_MIN_LOSS: f64 = 1.5;
/// E4: the forward ratio at init, averaged over seeds and a batch of
/// digits, must match Π(n Var/2) within this factor on a log scale:
/// |log(measured/predicted)| < ln(FORWARD_FACTOR). The spread is set by
/// β = L/128 (§0 item 2): at L = 30 the per-net std of the log-ratio is
/// ≈ 1.1, so the mean over 8 nets sits within ≈ e^±1.
pub const FORWARD_FACTOR: f64 = 3.0;
/// E4: at depth 30 the Xavier net's input-side activation gradient must be
/// below this fraction of its output-side one (prediction 2^-14.5 ≈ 4e-5).
pub const XAVIER_GRAD_RATIO_MAX: f64 = 1e-3;
/// E4: He's input/output activation-gradient ratio must lie in
/// [1/HE_GRAD_BAND, HE_GRAD_BAND] (prediction ≈ 1).
pub const HE_GRAD_BAND: f64 = 4.0;
/// E5: measured log-moments must be within this many standard errors of
/// the exact prediction.
pub const HANIN_SIGMAS: f64 = 3.0;

/// The experiment's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Hidden width of the E4 nets.
    pub width: usize,
    /// E4 depths (number of hidden ReLU layers).
    pub depths: Vec<usize>,
    /// SGD steps per E4 run.
    pub steps: usize,
    /// Minibatch size.
    pub batch: usize,
    /// SGD learning rate (chosen once, on depth 8).
    pub lr: f64,
    /// Classic momentum (0 = plain SGD).
    pub momentum: f64,
    /// Training seeds per init at the deepest depth (the checked one); the
    /// table shows the median.
    pub train_seeds: usize,
    /// Training seeds per init at the shallower depths (reported only).
    pub shallow_seeds: usize,
    /// Nets per (depth, init) for the forward/backward ratios at init.
    pub init_seeds: usize,
    /// Evaluate the full training loss every this many steps.
    pub eval_every: usize,
    /// E5 (depth, width) configurations.
    pub hanin: Vec<(usize, usize)>,
    /// E5 random nets per configuration.
    pub hanin_nets: usize,
    /// Base seed.
    pub seed: u64,
}

impl Config {
    /// The example's default.
    pub fn standard() -> Config {
        Config {
            width: 128,
            depths: vec![8, 22, 30],
            steps: 600,
            batch: 64,
            lr: 0.03,
            momentum: 0.0,
            train_seeds: 5,
            shallow_seeds: 1,
            init_seeds: 8,
            eval_every: 50,
            hanin: vec![(10, 20), (20, 40), (40, 80), (40, 20)],
            hanin_nets: 2000,
            seed: 0,
        }
    }

    /// The test's variant: depth 30 only, fewer nets.
    pub fn quick() -> Config {
        Config {
            depths: vec![30],
            train_seeds: 1,
            init_seeds: 3,
            eval_every: 100,
            hanin: vec![(10, 20), (40, 20)],
            hanin_nets: 400,
            ..Config::standard()
        }
    }
}

/// Which initializer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Xavier-normal, `Var = 2/(fan_in + fan_out)`.
    Xavier,
    /// He-normal, `Var = 2/fan_in`.
    He,
}

impl Scheme {
    /// Name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Xavier => "Xavier",
            Scheme::He => "He",
        }
    }

    fn init(self) -> Init {
        match self {
            Scheme::Xavier => Init::XavierNormal { gain: 1.0 },
            Scheme::He => Init::he_normal(),
        }
    }

    /// The weight variance the initializer draws for a `[out, in]` matrix.
    pub fn variance(self, fan_out: usize, fan_in: usize) -> f64 {
        match self {
            Scheme::Xavier => 2.0 / (fan_in + fan_out) as f64,
            Scheme::He => 2.0 / fan_in as f64,
        }
    }
}

/// One E4 training run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Depth (hidden ReLU layers).
    pub depth: usize,
    /// Initializer.
    pub scheme: Scheme,
    /// Seed.
    pub seed: u64,
    /// (step, full train loss).
    pub curve: Vec<(f64, f64)>,
    /// Final full train loss.
    pub final_loss: f64,
    /// Final train accuracy.
    pub final_acc: f64,
    /// The monitor's record of the first step (activation gradients at init).
    pub init_record: StepRecord,
}

/// Forward and backward ratios at init for one (depth, init).
#[derive(Debug, Clone)]
pub struct InitRatios {
    /// Depth.
    pub depth: usize,
    /// Initializer.
    pub scheme: Scheme,
    /// Exact expectation Π_l (n_{l-1} Var[W_l]/2) of ‖h_L‖²/‖h_0‖².
    pub predicted: f64,
    /// Mean over nets of Σ_batch ‖h_L‖² / Σ_batch ‖h_0‖².
    pub measured_mean: f64,
    /// Per layer l = 0..=L: mean over nets of log(‖h_l‖²/‖h_0‖²).
    pub log_profile: Vec<f64>,
    /// Predicted log(‖h_l‖²/‖h_0‖²) per layer (log of the exact mean).
    pub predicted_profile: Vec<f64>,
    /// Median over nets of ‖∂C/∂s_1‖/‖∂C/∂s_L‖ (RMS, equal sizes).
    pub grad_ratio: f64,
    /// Mean-field prediction √Π_{l=2..L}(n_l Var[W_l]/2).
    pub grad_predicted: f64,
}

/// E5: one (depth, width) configuration.
#[derive(Debug, Clone)]
pub struct Hanin {
    /// Depth L.
    pub depth: usize,
    /// Width n.
    pub width: usize,
    /// Nets whose signal survived (K > 0 at every layer).
    pub nets: usize,
    /// Nets whose signal died (some layer had every unit off).
    pub dead: usize,
    /// Sample mean of log(‖h_L‖²/‖h_0‖²) and its standard error.
    pub mean: (f64, f64),
    /// Sample variance and its standard error.
    pub var: (f64, f64),
    /// Exact prediction L·E[log R(n)], L·Var[log R(n)].
    pub predicted: (f64, f64),
    /// Mean of the ratio itself (exactly 1 in expectation) and its SE.
    pub ratio_mean: (f64, f64),
    /// Sample variance of log(∂y_1/∂x_1)².
    pub jac_log_var: f64,
    /// Per layer l = 1..=L: sample variance of log(‖h_l‖²/‖h_0‖²).
    pub var_profile: Vec<f64>,
}

/// Everything the experiment produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// E4 runs.
    pub runs: Vec<Run>,
    /// E4 ratios at init.
    pub ratios: Vec<InitRatios>,
    /// E5 configurations.
    pub hanin: Vec<Hanin>,
    /// Tables: E4, E5.
    pub tables: Vec<Table>,
}

// ---------------------------------------------------------------- theory

/// ψ(k/2) for an integer k ≥ 1, exactly from ψ(1) = -γ, ψ(1/2) = -γ - 2 ln 2
/// and ψ(x + 1) = ψ(x) + 1/x.
pub fn digamma_half(k: usize) -> f64 {
    assert!(k >= 1, "digamma_half: k must be >= 1");
    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
    let (mut x, mut v) = if k.is_multiple_of(2) {
        (1.0, -EULER_GAMMA)
    } else {
        (0.5, -EULER_GAMMA - 2.0 * std::f64::consts::LN_2)
    };
    while x < k as f64 / 2.0 - 0.25 {
        v += 1.0 / x;
        x += 1.0;
    }
    v
}

/// ψ'(k/2) for an integer k ≥ 1, from ψ'(1) = π²/6, ψ'(1/2) = π²/2 and
/// ψ'(x + 1) = ψ'(x) - 1/x².
pub fn trigamma_half(k: usize) -> f64 {
    assert!(k >= 1, "trigamma_half: k must be >= 1");
    let pi2 = std::f64::consts::PI * std::f64::consts::PI;
    let (mut x, mut v) = if k.is_multiple_of(2) {
        (1.0, pi2 / 6.0)
    } else {
        (0.5, pi2 / 2.0)
    };
    while x < k as f64 / 2.0 - 0.25 {
        v -= 1.0 / (x * x);
        x += 1.0;
    }
    v
}

/// Exact per-layer log-moments of R = ‖h_l‖²/‖h_{l-1}‖² for a ReLU layer of
/// width n with He-Gaussian weights (papers.md §0 item 2):
/// R = (2/n)·χ²_K with K ~ Bin(n, ½), conditioned on K ≥ 1 (K = 0, with
/// probability 2^-n, kills the signal and is counted separately).
/// E[log χ²_K | K] = ψ(K/2) + ln 2, Var[log χ²_K | K] = ψ'(K/2).
/// Returns (E[log R], Var[log R]).
pub fn log_r_moments(n: usize) -> (f64, f64) {
    // Binomial(n, 1/2) weights in log space.
    let ln_choose = |k: usize| -> f64 {
        (1..=k)
            .map(|i| ((n - k + i) as f64).ln() - (i as f64).ln())
            .sum()
    };
    let p0 = 0.5f64.powi(n as i32);
    let mut weights = Vec::with_capacity(n);
    for k in 1..=n {
        weights.push((ln_choose(k) - n as f64 * std::f64::consts::LN_2).exp() / (1.0 - p0));
    }
    let shift = (2.0 / n as f64).ln() + std::f64::consts::LN_2;
    let mut mean = 0.0;
    let mut second = 0.0;
    let mut within = 0.0;
    for (i, w) in weights.iter().enumerate() {
        let k = i + 1;
        let m = shift + digamma_half(k);
        mean += w * m;
        second += w * m * m;
        within += w * trigamma_half(k);
    }
    (mean, within + second - mean * mean)
}

/// Π_l (n_{l-1} Var[W_l] / 2) over the hidden layers of widths
/// `dims[0] → dims[1] → ...`: the exact E[‖h_L‖²]/‖h_0‖² (§0 item 1).
pub fn forward_prediction(scheme: Scheme, dims: &[usize]) -> f64 {
    dims.windows(2)
        .map(|w| w[0] as f64 * scheme.variance(w[1], w[0]) / 2.0)
        .product()
}

// ---------------------------------------------------------------- E4

fn hidden_weights(scheme: Scheme, dims: &[usize], rng: &mut Rng) -> Vec<Tensor<f32>> {
    dims.windows(2)
        .map(|w| scheme.init().tensor::<f32, _>(&[w[1], w[0]], rng))
        .collect()
}

/// A plain ReLU MLP `64 → width×depth → 10`, zero biases (He et al.).
fn build(weights: &[Tensor<f32>], out: Tensor<f32>) -> Sequential<f32> {
    let mut model = Sequential::new();
    for w in weights {
        let b = Tensor::zeros([w.shape()[0]]);
        model.add(Dense::from_tensors(w.clone(), Some(b)));
        model.add(Relu);
    }
    let b = Tensor::zeros([out.shape()[0]]);
    model.add(Dense::from_tensors(out, Some(b)));
    model
}

fn sq_norm(t: &Tensor<f32>) -> f64 {
    t.data().iter().map(|&v| f64::from(v) * f64::from(v)).sum()
}

/// Per-layer squared norms ‖h_l‖² (l = 0..=L) summed over the batch.
fn forward_norms(weights: &[Tensor<f32>], x: &Tensor<f32>) -> Vec<f64> {
    let mut h = x.clone();
    let mut norms = vec![sq_norm(&h)];
    for w in weights {
        h = h.matmul_t(Transpose::No, w, Transpose::Yes).relu();
        norms.push(sq_norm(&h));
    }
    norms
}

/// RMS of ∂C/∂s for the weighted layers, input to output.
fn weighted_rms(record: &StepRecord) -> Vec<f64> {
    let mut layers: Vec<_> = record.layers_of(&[LayerKind::Weighted]).collect();
    layers.sort_by_key(|l| l.order);
    layers.iter().map(|l| l.stats.rms()).collect()
}

fn train_loss(model: &mut Sequential<f32>, data: &Digits<f32>) -> (f64, f64) {
    let tape = Tape::new();
    let logits = model.forward(tape.constant(data.train_x.clone())).value();
    let loss = f64::from(logits.cross_entropy(&data.train_y, 0.0));
    (loss, accuracy(&logits, &data.train_y))
}

fn train_run(cfg: &Config, data: &Digits<f32>, depth: usize, scheme: Scheme, seed: u64) -> Run {
    let mut rng = Rng::seed_from_u64(seed);
    let mut dims = vec![64];
    dims.extend(std::iter::repeat_n(cfg.width, depth));
    let weights = hidden_weights(scheme, &dims, &mut rng);
    let out = scheme.init().tensor::<f32, _>(&[10, cfg.width], &mut rng);
    let mut model = build(&weights, out);
    let mut opt = Sgd::<f32>::new(SgdConfig {
        lr: cfg.lr,
        momentum: if cfg.momentum > 0.0 {
            Momentum::Classic(cfg.momentum)
        } else {
            Momentum::None
        },
        ..SgdConfig::default()
    })
    .expect("valid SGD config");
    let mut monitor = GradMonitor::with_schedule(gradflow::monitor::Schedule::Steps(vec![0]));
    let n = data.train_x.shape()[0];
    let mut order = permutation(n, &mut rng);
    let mut cursor = 0;
    let mut curve = Vec::new();
    let bar = progress(
        cfg.steps as u64,
        &format!("{} depth {depth}", scheme.name()),
    );
    for step in 0..cfg.steps {
        if step % cfg.eval_every == 0 {
            let (loss, _) = train_loss(&mut model, data);
            curve.push((step as f64, loss));
            bar.set_message(format!("loss {loss:.3}"));
        }
        if cursor + cfg.batch > n {
            order = permutation(n, &mut rng);
            cursor = 0;
        }
        let (x, y) = data.train_batch(&order[cursor..cursor + cfg.batch]);
        cursor += cfg.batch;
        let mut grads = {
            let tape = Tape::new();
            let loss = model.forward(tape.constant(x)).cross_entropy(&y);
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&model, &mut grads);
        opt.step(&mut model, &grads);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let (final_loss, final_acc) = train_loss(&mut model, data);
    curve.push((cfg.steps as f64, final_loss));
    let init_record = monitor.history()[0].clone();
    Run {
        depth,
        scheme,
        seed,
        curve,
        final_loss,
        final_acc,
        init_record,
    }
}

fn init_ratios(cfg: &Config, data: &Digits<f32>, depth: usize, scheme: Scheme) -> InitRatios {
    let mut dims = vec![64];
    dims.extend(std::iter::repeat_n(cfg.width, depth));
    let rows: Vec<usize> = (0..256).collect();
    let (x, y) = data.train_batch(&rows);
    let mut ratio_sum = 0.0;
    let mut log_profile = vec![0.0; depth + 1];
    let mut grad_ratios = Vec::new();
    for s in 0..cfg.init_seeds {
        let mut rng = Rng::seed_from_u64(cfg.seed ^ (1000 + s as u64));
        let weights = hidden_weights(scheme, &dims, &mut rng);
        let norms = forward_norms(&weights, &x);
        ratio_sum += norms[depth] / norms[0];
        for (l, v) in norms.iter().enumerate() {
            log_profile[l] += (v / norms[0]).ln() / cfg.init_seeds as f64;
        }
        // Activation gradients ∂C/∂s_l through the monitor.
        let out = scheme.init().tensor::<f32, _>(&[10, cfg.width], &mut rng);
        let mut model = build(&weights, out);
        let mut monitor = GradMonitor::new();
        let mut grads = {
            let tape = Tape::new();
            let loss = model.forward(tape.constant(x.clone())).cross_entropy(&y);
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&model, &mut grads);
        let rms = weighted_rms(&monitor.history()[0]);
        // rms[0] = s_1, rms[depth - 1] = s_L (rms[depth] is the output layer).
        grad_ratios.push(rms[0] / rms[depth - 1]);
    }
    let predicted_profile = (0..=depth)
        .map(|l| forward_prediction(scheme, &dims[..=l]).ln())
        .collect();
    let grad_predicted = forward_prediction(scheme, &dims[1..]).sqrt();
    InitRatios {
        depth,
        scheme,
        predicted: forward_prediction(scheme, &dims),
        measured_mean: ratio_sum / cfg.init_seeds as f64,
        log_profile,
        predicted_profile,
        grad_ratio: median(&grad_ratios),
        grad_predicted,
    }
}

// ---------------------------------------------------------------- E5

/// Sample mean with its standard error, and sample variance with its
/// standard error (from the fourth central moment).
pub fn moments(xs: &[f64]) -> ((f64, f64), (f64, f64)) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let m2 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
    let var = m2 * n / (n - 1.0);
    let var_se = ((m4 - m2 * m2).max(0.0) / n).sqrt();
    ((mean, (var / n).sqrt()), (var, var_se))
}

/// One He-Gaussian ReLU net of `depth` layers of width `n`, zero bias, on
/// input `x` `[1, n]`: log(‖h_l‖²/‖h_0‖²) for l = 1..=L (None if the signal
/// died), and log(∂s_{L,1}/∂x_1)² by reverse mode on the tape.
pub fn hanin_net(
    depth: usize,
    n: usize,
    x: &Tensor<f64>,
    rng: &mut Rng,
) -> Option<(Vec<f64>, f64)> {
    let tape = Tape::<f64>::new();
    let input = tape.leaf(x.clone());
    let h0 = x.data().iter().map(|v| v * v).sum::<f64>();
    let mut h = input;
    let mut logs = Vec::with_capacity(depth);
    let mut s = input;
    for l in 0..depth {
        let w = Init::he_normal().tensor::<f64, _>(&[n, n], rng);
        s = h.matmul_t(Transpose::No, tape.constant(w), Transpose::Yes);
        h = s.relu();
        let hl = h.value().data().iter().map(|v| v * v).sum::<f64>();
        if hl == 0.0 {
            // Still draw the remaining layers so every net uses the same
            // number of random draws (keeps seeds aligned).
            for _ in l + 1..depth {
                let _ = Init::he_normal().tensor::<f64, _>(&[n, n], rng);
            }
            return None;
        }
        logs.push((hl / h0).ln());
    }
    let y1 = s.narrow(1, 0, 1).sum_all();
    let grads = tape.backward(y1);
    let j = grads.wrt(input).expect("input is a leaf").data()[0];
    Some((logs, (j * j).ln()))
}

fn hanin(depth: usize, n: usize, nets: usize, seed: u64) -> Hanin {
    let mut rng = Rng::seed_from_u64(seed);
    let x = Tensor::<f64>::normal([1, n], 0.0, 1.0, &mut rng);
    let mut finals = Vec::with_capacity(nets);
    let mut jac = Vec::with_capacity(nets);
    let mut per_layer: Vec<Vec<f64>> = vec![Vec::with_capacity(nets); depth];
    let mut dead = 0;
    let bar = progress(nets as u64, &format!("Hanin {depth}x{n}"));
    for _ in 0..nets {
        match hanin_net(depth, n, &x, &mut rng) {
            Some((logs, j)) => {
                finals.push(logs[depth - 1]);
                jac.push(j);
                for (l, v) in logs.iter().enumerate() {
                    per_layer[l].push(*v);
                }
            }
            None => dead += 1,
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let (mean, var) = moments(&finals);
    let ratios: Vec<f64> = finals.iter().map(|v| v.exp()).collect();
    let (ratio_mean, _) = moments(&ratios);
    let (_, (jac_log_var, _)) = moments(&jac);
    let (m1, v1) = log_r_moments(n);
    let var_profile = per_layer.iter().map(|xs| moments(xs).1.0).collect();
    Hanin {
        depth,
        width: n,
        nets: finals.len(),
        dead,
        mean,
        var,
        predicted: (depth as f64 * m1, depth as f64 * v1),
        ratio_mean,
        jac_log_var,
        var_profile,
    }
}

// ---------------------------------------------------------------- run

/// Runs E4 and E5.
pub fn run(cfg: &Config) -> Outcome {
    let data = Digits::<f32>::load();
    let schemes = [Scheme::He, Scheme::Xavier];

    let mut ratios = Vec::new();
    for &depth in &cfg.depths {
        for scheme in schemes {
            ratios.push(init_ratios(cfg, &data, depth, scheme));
        }
    }
    let mut runs = Vec::new();
    let deepest = cfg.depths.iter().copied().max().unwrap_or(0);
    for &depth in &cfg.depths {
        let seeds = if depth == deepest {
            cfg.train_seeds
        } else {
            cfg.shallow_seeds
        };
        for scheme in schemes {
            for s in 0..seeds {
                runs.push(train_run(cfg, &data, depth, scheme, cfg.seed + s as u64));
            }
        }
    }
    let hanin: Vec<Hanin> = cfg
        .hanin
        .iter()
        .enumerate()
        .map(|(i, &(l, n))| {
            hanin(
                l,
                n,
                cfg.hanin_nets,
                cfg.seed.wrapping_add(7919 * (i as u64 + 1)),
            )
        })
        .collect();

    let tables = vec![e4_table(cfg, &ratios, &runs), e5_table(&hanin)];
    Outcome {
        runs,
        ratios,
        hanin,
        tables,
    }
}

fn e4_table(cfg: &Config, ratios: &[InitRatios], runs: &[Run]) -> Table {
    let mut t = Table::new(format!(
        "E4 — He et al. 2015 Figs. 2–3: Xavier vs He, plain ReLU MLP width {}, SGD lr {} momentum {}, batch {}, {} steps, median of {} seeds at the deepest depth",
        cfg.width, cfg.lr, cfg.momentum, cfg.batch, cfg.steps, cfg.train_seeds
    ));
    for r in ratios {
        let paper = match r.scheme {
            Scheme::He => "1 (std preserved)".to_string(),
            Scheme::Xavier => format!("2^-{} (std ×1/√2^L)", r.depth),
        };
        let off = (r.measured_mean / r.predicted).ln().abs();
        t.check(
            format!(
                "{}-{}: E‖h_L‖²/‖h_0‖² at init (mean of {} nets)",
                r.scheme.name(),
                r.depth,
                cfg.init_seeds
            ),
            paper,
            format!("Π(n·Var/2) = {}", num(r.predicted)),
            num(r.measured_mean),
            format!("within ×{FORWARD_FACTOR}"),
            off < FORWARD_FACTOR.ln(),
        );
    }
    for r in ratios {
        let what = format!(
            "{}-{}: ‖∂C/∂s_1‖/‖∂C/∂s_L‖ at init (median)",
            r.scheme.name(),
            r.depth
        );
        let predicted = format!("≈ {}", num(r.grad_predicted));
        let measured = num(r.grad_ratio);
        let deepest = cfg.depths.iter().copied().max() == Some(r.depth);
        match (r.scheme, deepest) {
            (Scheme::Xavier, true) => {
                t.check(
                    what,
                    "gradients diminish",
                    predicted,
                    measured,
                    format!("< {XAVIER_GRAD_RATIO_MAX:e}"),
                    r.grad_ratio < XAVIER_GRAD_RATIO_MAX,
                );
            }
            (Scheme::He, _) => {
                t.check(
                    what,
                    "—",
                    predicted,
                    measured,
                    format!("in [1/{HE_GRAD_BAND}, {HE_GRAD_BAND}]"),
                    r.grad_ratio > 1.0 / HE_GRAD_BAND && r.grad_ratio < HE_GRAD_BAND,
                );
            }
            _ => {
                t.report(what, "—", predicted, measured);
            }
        }
    }
    let deepest = cfg.depths.iter().copied().max().unwrap_or(0);
    for &depth in &cfg.depths {
        for scheme in [Scheme::He, Scheme::Xavier] {
            let losses: Vec<f64> = runs
                .iter()
                .filter(|r| r.depth == depth && r.scheme == scheme)
                .map(|r| r.final_loss)
                .collect();
            let accs: Vec<f64> = runs
                .iter()
                .filter(|r| r.depth == depth && r.scheme == scheme)
                .map(|r| r.final_acc)
                .collect();
            let loss = median(&losses);
            let acc = median(&accs);
            let what = format!("{}-{depth}: final train loss (acc)", scheme.name());
            let measured = format!("{} ({:.1}%)", num(loss), 100.0 * acc);
            let paper = match (scheme, depth >= 30, depth >= 22) {
                (Scheme::He, true, _) => "converges",
                (Scheme::Xavier, true, _) => "completely stalls",
                (Scheme::He, false, true) => "converges, starts earlier",
                (Scheme::Xavier, false, true) => "converges, later",
                _ => "—",
            };
            match (scheme, depth == deepest) {
                (Scheme::He, true) => {
                    t.check(
                        what,
                        paper,
                        "trains",
                        measured,
                        format!("< {HE_DEEPEST_MAX_LOSS}"),
                        loss < HE_DEEPEST_MAX_LOSS,
                    );
                }
                (Scheme::Xavier, true) => {
                    t.check(
                        what,
                        paper,
                        format!("ln 10 = {}", num(10f64.ln())),
                        measured,
                        format!("> {XAVIER_DEEPEST_MIN_LOSS}"),
                        loss > XAVIER_DEEPEST_MIN_LOSS,
                    );
                }
                _ => {
                    t.report(what, paper, "—", measured);
                }
            }
        }
    }
    t
}

fn e5_table(hanin: &[Hanin]) -> Table {
    let mut t = Table::new(
        "E5 — Hanin 2018 β = Σ1/n: log(‖h_L‖²/‖h_0‖²) over random He-Gaussian ReLU nets (exact: digamma/trigamma)",
    );
    for h in hanin {
        let beta = h.depth as f64 / h.width as f64;
        let tag = format!("{}×{} (β={beta})", h.depth, h.width);
        let (m, m_se) = h.mean;
        let (v, v_se) = h.var;
        let (pm, pv) = h.predicted;
        t.check(
            format!("{tag}: E[log ratio], {} nets", h.nets),
            "—",
            format!("{pm:.4}"),
            format!("{m:.4} ± {m_se:.4}"),
            format!("within {HANIN_SIGMAS} SE"),
            (m - pm).abs() < HANIN_SIGMAS * m_se,
        );
        t.check(
            format!("{tag}: Var[log ratio]"),
            format!("grows like β (≈5β = {})", num(5.0 * beta)),
            format!("{pv:.4}"),
            format!("{v:.4} ± {v_se:.4}"),
            format!("within {HANIN_SIGMAS} SE"),
            (v - pv).abs() < HANIN_SIGMAS * v_se,
        );
        t.report(
            format!("{tag}: E[ratio] (heavy-tailed; dead nets {})", h.dead),
            "architecture-free",
            "1",
            format!("{} ± {}", num(h.ratio_mean.0), num(h.ratio_mean.1)),
        );
        t.report(
            format!("{tag}: Var[log (∂y_1/∂x_1)²]"),
            "exponential in β",
            "—",
            num(h.jac_log_var),
        );
    }
    t
}

// ---------------------------------------------------------------- figures

/// The training curves as CSV: `init,depth,seed,step,train_loss`.
pub fn curves_csv(outcome: &Outcome) -> String {
    let mut csv = String::from("init,depth,seed,step,train_loss\n");
    for r in &outcome.runs {
        for (step, loss) in &r.curve {
            csv += &format!("{},{},{},{step},{loss}\n", r.scheme.name(), r.depth, r.seed);
        }
    }
    csv
}

/// Writes the figures: training curves (SVG + PNG), forward profile at init,
/// activation-gradient profile at init, Hanin variance growth.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<PathBuf>> {
    use gradflow::plot::LineChart;
    let mut files = Vec::new();

    let mut chart = LineChart::new("Plain ReLU MLP on digits: He vs Xavier init (SGD)")
        .x_label("SGD step")
        .y_label("train cross-entropy (nats)");
    for r in &outcome.runs {
        if r.seed != outcome.runs[0].seed {
            continue;
        }
        let name = format!("{}-{}", r.scheme.name(), r.depth);
        chart = match r.scheme {
            Scheme::He => chart.series(name, r.curve.clone()),
            Scheme::Xavier => chart.dashed_series(name, r.curve.clone()),
        };
    }
    chart = chart.hline(10f64.ln(), "chance, ln 10");
    for ext in ["svg", "png"] {
        let path = out.file(&format!("relu_depth_training.{ext}"));
        chart.save(&path)?;
        files.push(path);
    }

    let mut chart = LineChart::new("Signal at init: ‖h_l‖²/‖h_0‖² through a ReLU MLP")
        .x_label("hidden layer l")
        .y_label("‖h_l‖² / ‖h_0‖² (geometric mean over nets)")
        .log_y();
    for r in &outcome.ratios {
        if r.depth != outcome.ratios.iter().map(|r| r.depth).max().unwrap_or(0) {
            continue;
        }
        let pts = |v: &[f64]| {
            v.iter()
                .enumerate()
                .map(|(l, y)| (l as f64, y.exp()))
                .collect::<Vec<_>>()
        };
        chart = chart
            .series(format!("{} measured", r.scheme.name()), pts(&r.log_profile))
            .dashed_series(
                format!("{} Π(n·Var/2)", r.scheme.name()),
                pts(&r.predicted_profile),
            );
    }
    let path = out.file("relu_depth_forward.svg");
    chart.save(&path)?;
    files.push(path);

    let deepest = outcome.runs.iter().map(|r| r.depth).max().unwrap_or(0);
    let profiles: Vec<(String, &StepRecord)> = outcome
        .runs
        .iter()
        .filter(|r| r.depth == deepest && r.seed == outcome.runs[0].seed)
        .map(|r| (format!("{}-{}", r.scheme.name(), r.depth), &r.init_record))
        .collect();
    let refs: Vec<(&str, &StepRecord)> = profiles.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    if !refs.is_empty() {
        let path = out.file("relu_depth_grad_profile.svg");
        gradflow::monitor::plot::plot_depth_profile(&refs, &path)?;
        files.push(path);
    }

    let mut chart = LineChart::new("Hanin's β: Var[log ‖h_l‖²/‖h_0‖²] over random He ReLU nets")
        .x_label("layer l")
        .y_label("variance of log squared-norm ratio (nats²)");
    for h in &outcome.hanin {
        let (_, v1) = log_r_moments(h.width);
        let name = format!("{}×{}", h.depth, h.width);
        chart = chart
            .series(
                format!("{name} measured"),
                h.var_profile
                    .iter()
                    .enumerate()
                    .map(|(l, v)| ((l + 1) as f64, *v))
                    .collect::<Vec<_>>(),
            )
            .dashed_series(
                format!("{name} exact l·Var[log R]"),
                (0..=h.depth)
                    .map(|l| (l as f64, l as f64 * v1))
                    .collect::<Vec<_>>(),
            );
    }
    let path = out.file("relu_depth_hanin.svg");
    chart.save(&path)?;
    files.push(path);
    Ok(files)
}
