//! E6 of `papers.md`: Saxe, McClelland & Ganguli 2014, "Exact solutions to
//! the nonlinear dynamics of learning in deep linear neural networks".
//!
//! (a) singular spectra of products of Gaussian vs orthogonal matrices
//! against the Fuss–Catalan edge; (b) the analytic learning curve u(t) of a
//! 3-layer linear net from a tiny balanced init; (c) steps to a fixed train
//! MSE vs depth for scaled-Gaussian vs orthogonal init on digits regression.
//!
//! Shared by `examples/orthogonal_linear.rs` and
//! `tests/repro_orthogonal_linear.rs`.

use std::path::PathBuf;

use gradflow::monitor::{GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{Dense, Init, Layer, Sequential};
use gradflow::optim::{Optimizer, Sgd, SgdConfig};
use gradflow::prelude::*;

use crate::common::linalg::singular_values;
use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, progress};

/// (a) Orthogonal products: every singular value within this of 1 (f64).
pub const ORTHO_TOL: f64 = 1e-12;
/// (a) Gaussian products: mean s² = ‖P‖²_F/n (E = 1 exactly) within this
/// many standard errors of 1 over `frob_draws` products.
pub const MEAN_S2_SIGMAS: f64 = 3.0;
/// (c) Orthogonal linear net at init: ‖∂C/∂s_1‖/‖∂C/∂s_D‖ within this of 1
/// (exact isometry; f32 rounding).
pub const ORTHO_GRAD_TOL: f64 = 1e-4;
/// (a) Gaussian products: median max s² over draws within this band
/// (fraction of the Fuss–Catalan edge (L+1)^{L+1}/L^L).
pub const EDGE_BAND: (f64, f64) = (0.6, 1.15);
/// (b) Measured half-learning time within this relative error of Eq. 11.
pub const T_HALF_TOL: f64 = 0.10;
/// (c) Orthogonal init: steps(deepest)/steps(shallowest) below this.
pub const ORTHO_DEPTH_RATIO_MAX: f64 = 2.0;
/// (c) Gaussian init at the deepest depth needs at least this many times
/// the steps of orthogonal init at the same depth.
pub const GAUSS_OVER_ORTHO_MIN: f64 = 2.0;

/// The experiment's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// (a) matrix size.
    pub n: usize,
    /// (a) numbers of factors.
    pub factors: Vec<usize>,
    /// (a) draws per L for the singular values.
    pub draws: usize,
    /// (a) draws per L for mean s² (Frobenius norm only, cheap).
    pub frob_draws: usize,
    /// (b) target singular values s_α.
    pub modes: Vec<f64>,
    /// (b) initial mode strength u₀.
    pub u0: f64,
    /// (b) learning rate λ (τ = 1/λ steps).
    pub lr_b: f64,
    /// (b) steps.
    pub steps_b: usize,
    /// (c) depths (number of weight matrices).
    pub depths: Vec<usize>,
    /// (c) width.
    pub width: usize,
    /// (c) training examples (full batch).
    pub examples: usize,
    /// (c) learning rate η; layer count D uses η/D (Saxe: optimal lr ∝ 1/N_l).
    pub lr_c: f64,
    /// (c) target train MSE.
    pub target_mse: f64,
    /// (c) step cap.
    pub max_steps: usize,
    /// (c) seeds (median).
    pub seeds: usize,
    /// Base seed.
    pub seed: u64,
}

impl Config {
    /// The example's default.
    pub fn standard() -> Config {
        Config {
            n: 128,
            factors: vec![2, 5, 10, 20],
            draws: 5,
            frob_draws: 100,
            modes: vec![3.0, 2.0, 1.0, 0.5],
            u0: 1e-4,
            lr_b: 1e-3,
            steps_b: 20_000,
            depths: vec![2, 8, 32],
            width: 64,
            examples: 256,
            lr_c: 0.3,
            target_mse: 0.06,
            max_steps: 1500,
            seeds: 3,
            seed: 0,
        }
    }

    /// The test's variant.
    pub fn quick() -> Config {
        Config {
            factors: vec![2, 10],
            draws: 3,
            depths: vec![2, 32],
            seeds: 1,
            ..Config::standard()
        }
    }
}

/// (a) one L.
#[derive(Debug, Clone)]
pub struct Spectrum {
    /// Number of factors.
    pub factors: usize,
    /// Mean s² = ‖P‖²_F/n over `frob_draws` Gaussian products, and its SE.
    pub mean_s2: (f64, f64),
    /// Mean s⁴ (Gaussian); Fuss–Catalan: L + 1.
    pub mean_s4: f64,
    /// Median over draws of max s² (Gaussian).
    pub max_s2: f64,
    /// Fraction of s < 0.1 (Gaussian).
    pub frac_small: f64,
    /// max |s − 1| over all orthogonal draws.
    pub ortho_dev: f64,
    /// Sorted singular values of the first Gaussian draw.
    pub gauss_sv: Vec<f64>,
}

/// (b) one mode.
#[derive(Debug, Clone)]
pub struct Mode {
    /// Target strength s.
    pub s: f64,
    /// Measured t½ (steps, interpolated).
    pub t_half: f64,
    /// Eq. 11 with u_f = s/2.
    pub t_half_pred: f64,
    /// max_t |u(t) − u_Eq12(t)| / s.
    pub max_dev: f64,
    /// (step, u) measured.
    pub curve: Vec<(f64, f64)>,
}

/// (c) one run.
#[derive(Debug, Clone)]
pub struct DepthRun {
    /// Number of weight matrices.
    pub depth: usize,
    /// Orthogonal (true) or scaled Gaussian.
    pub orthogonal: bool,
    /// Seed.
    pub seed: u64,
    /// Steps to reach the target (None: not within the cap).
    pub steps: Option<usize>,
    /// (step, train MSE).
    pub curve: Vec<(f64, f64)>,
    /// Monitor record at step 0.
    pub init_record: StepRecord,
}

/// Everything the experiment produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// (a).
    pub spectra: Vec<Spectrum>,
    /// (b).
    pub modes: Vec<Mode>,
    /// τ = 1/λ for (b).
    pub tau: f64,
    /// u₀ for (b).
    pub u0: f64,
    /// (c).
    pub runs: Vec<DepthRun>,
    /// (c) target train MSE.
    pub target_mse: f64,
    /// Tables (a), (b), (c).
    pub tables: Vec<Table>,
}

// ---------------------------------------------------------------- (a)

/// Product of `factors` random `n×n` matrices drawn from `init`.
pub fn product(init: Init, n: usize, factors: usize, rng: &mut Rng) -> Tensor<f64> {
    let mut p = init.tensor::<f64, _>(&[n, n], rng);
    for _ in 1..factors {
        let w = init.tensor::<f64, _>(&[n, n], rng);
        p = w.matmul(&p);
    }
    p
}

/// Fuss–Catalan top edge of the squared singular values of a product of L
/// Gaussian matrices (var 1/n), large n: (L+1)^{L+1}/L^L.
pub fn fuss_catalan_edge(l: usize) -> f64 {
    let l = l as f64;
    ((l + 1.0) * (l + 1.0).ln() - l * l.ln()).exp()
}

fn spectrum(cfg: &Config, factors: usize, rng: &mut Rng) -> Spectrum {
    let gauss = Init::Normal {
        mean: 0.0,
        std: 1.0 / (cfg.n as f64).sqrt(),
    };
    let frob: Vec<f64> = (0..cfg.frob_draws)
        .map(|_| {
            let p = product(gauss, cfg.n, factors, rng);
            p.data().iter().map(|v| v * v).sum::<f64>() / cfg.n as f64
        })
        .collect();
    let fm = frob.iter().sum::<f64>() / frob.len() as f64;
    let fv = frob.iter().map(|v| (v - fm).powi(2)).sum::<f64>() / (frob.len() as f64 - 1.0);
    let mut s4 = 0.0;
    let mut small = 0usize;
    let mut maxes = Vec::new();
    let mut first = Vec::new();
    let mut ortho_dev: f64 = 0.0;
    for d in 0..cfg.draws {
        let sv = singular_values(product(gauss, cfg.n, factors, rng).data(), cfg.n, cfg.n);
        s4 += sv.iter().map(|s| s.powi(4)).sum::<f64>();
        small += sv.iter().filter(|&&s| s < 0.1).count();
        maxes.push(sv[0] * sv[0]);
        if d == 0 {
            first = sv;
        }
        let orthogonal = product(Init::Orthogonal { gain: 1.0 }, cfg.n, factors, rng);
        let so = singular_values(orthogonal.data(), cfg.n, cfg.n);
        ortho_dev = so.iter().fold(ortho_dev, |m, s| m.max((s - 1.0).abs()));
    }
    let total = (cfg.draws * cfg.n) as f64;
    maxes.sort_by(f64::total_cmp);
    Spectrum {
        factors,
        mean_s2: (fm, (fv / frob.len() as f64).sqrt()),
        mean_s4: s4 / total,
        max_s2: maxes[maxes.len() / 2],
        frac_small: small as f64 / total,
        ortho_dev,
        gauss_sv: first,
    }
}

// ---------------------------------------------------------------- (b)

/// Eq. 12: u(t) = s·e^{2st/τ} / (e^{2st/τ} − 1 + s/u₀).
pub fn saxe_u(s: f64, u0: f64, tau: f64, t: f64) -> f64 {
    let e = (2.0 * s * t / tau).exp();
    s * e / (e - 1.0 + s / u0)
}

/// Eq. 11 with u_f = s/2: t½ = (τ/2s)·ln((s − u₀)/u₀).
pub fn saxe_t_half(s: f64, u0: f64, tau: f64) -> f64 {
    tau / (2.0 * s) * ((s - u0) / u0).ln()
}

fn learning_curve(cfg: &Config, rng: &mut Rng) -> Vec<Mode> {
    let (n1, n2, n3) = (32usize, 16usize, 8usize);
    let k = cfg.modes.len();
    let orth = |r: usize, c: usize, rng: &mut Rng| {
        Init::Orthogonal { gain: 1.0 }.tensor::<f64, _>(&[r, c], rng)
    };
    let u = orth(n3, k, rng); // output singular vectors, columns
    let v = orth(n1, k, rng); // input singular vectors
    let r = orth(n2, k, rng); // hidden directions
    let s = Tensor::from_vec(cfg.modes.clone(), [1, k]).expect("shape");
    // Y = U S Vᵀ  [n3, n1]; targets are its columns (X = I, one-hot inputs).
    let us = &u * &s;
    let y = us.matmul_t(Transpose::No, &v, Transpose::Yes);
    let targets = y.t();
    let a0 = cfg.u0.sqrt();
    // Balanced, decoupled init: W1 = a0·R Vᵀ, W2 = a0·U Rᵀ, so W2W1 = u0·U Vᵀ.
    let w1 = r.matmul_t(Transpose::No, &v, Transpose::Yes).mul_scalar(a0);
    let w2 = u.matmul_t(Transpose::No, &r, Transpose::Yes).mul_scalar(a0);
    let mut model = Sequential::<f64>::new()
        .push(Dense::from_tensors(w1, None))
        .push(Dense::from_tensors(w2, None));
    let mut opt = Sgd::<f64>::new(SgdConfig {
        lr: cfg.lr_b,
        ..SgdConfig::default()
    })
    .expect("valid SGD config");
    let x = Tensor::<f64>::eye(n1);
    let tau = 1.0 / cfg.lr_b;
    let mut curves: Vec<Vec<(f64, f64)>> = vec![Vec::new(); k];
    let every = (cfg.steps_b / 400).max(1);
    let mut prev = vec![cfg.u0; k];
    let mut t_half = vec![f64::NAN; k];
    let mut max_dev = vec![0.0f64; k];
    let bar = progress(cfg.steps_b as u64, "(b) 3-layer linear net");
    for step in 0..=cfg.steps_b {
        let tape = Tape::<f64>::new();
        let pred = model.forward(tape.constant(x.clone()));
        // P = W2W1 = predᵀ; u_α = u_αᵀ P v_α.
        let p = pred.value().t();
        let pv = p.matmul(&v); // [n3, k]
        for a in 0..k {
            let ua: f64 = (0..n3)
                .map(|i| u.data()[i * k + a] * pv.data()[i * k + a])
                .sum();
            let sa = cfg.modes[a];
            if t_half[a].is_nan() && ua >= sa / 2.0 && step > 0 {
                let frac = (sa / 2.0 - prev[a]) / (ua - prev[a]);
                t_half[a] = (step - 1) as f64 + frac;
            }
            prev[a] = ua;
            let dev = (ua - saxe_u(sa, cfg.u0, tau, step as f64)).abs() / sa;
            max_dev[a] = max_dev[a].max(dev);
            if step % every == 0 {
                curves[a].push((step as f64, ua));
            }
        }
        if step == cfg.steps_b {
            break;
        }
        // Saxe's loss: ½ Σ_μ ‖y_μ − ŷ_μ‖².
        let loss = (pred - tape.constant(targets.clone()))
            .square()
            .sum_all()
            .mul_scalar(0.5);
        let grads = tape.backward(loss);
        opt.step(&mut model, &grads);
        bar.inc(1);
    }
    bar.finish_and_clear();
    (0..k)
        .map(|a| Mode {
            s: cfg.modes[a],
            t_half: t_half[a],
            t_half_pred: saxe_t_half(cfg.modes[a], cfg.u0, tau),
            max_dev: max_dev[a],
            curve: std::mem::take(&mut curves[a]),
        })
        .collect()
}

// ---------------------------------------------------------------- (c)

fn depth_run(
    cfg: &Config,
    data: &Digits<f32>,
    depth: usize,
    orthogonal: bool,
    seed: u64,
) -> DepthRun {
    let mut rng = Rng::seed_from_u64(seed);
    let init = if orthogonal {
        Init::Orthogonal { gain: 1.0 }
    } else {
        Init::Normal {
            mean: 0.0,
            std: 1.0 / (cfg.width as f64).sqrt(),
        }
    };
    let mut model = Sequential::<f32>::new();
    let mut fan_in = 64;
    for l in 0..depth {
        let out = if l + 1 == depth { 10 } else { cfg.width };
        model.add(Dense::<f32>::without_bias(fan_in, out, init, &mut rng));
        fan_in = out;
    }
    let rows: Vec<usize> = (0..cfg.examples).collect();
    let (x, labels) = data.train_batch(&rows);
    let y = Digits::<f32>::one_hot(&labels);
    let mut opt = Sgd::<f32>::new(SgdConfig {
        lr: cfg.lr_c / depth as f64,
        ..SgdConfig::default()
    })
    .expect("valid SGD config");
    let mut monitor = GradMonitor::with_schedule(gradflow::monitor::Schedule::Steps(vec![0]));
    let mut curve = Vec::new();
    let mut steps = None;
    let kind = if orthogonal { "orthogonal" } else { "Gaussian" };
    let bar = progress(cfg.max_steps as u64, &format!("(c) {kind} depth {depth}"));
    for step in 0..=cfg.max_steps {
        let tape = Tape::new();
        let loss = model
            .forward(tape.constant(x.clone()))
            .mse(tape.constant(y.clone()));
        let value = f64::from(loss.item());
        if step % 10 == 0 || value <= cfg.target_mse {
            curve.push((step as f64, value));
        }
        if value <= cfg.target_mse || !value.is_finite() || step == cfg.max_steps {
            if value <= cfg.target_mse {
                steps = Some(step);
            }
            break;
        }
        let mut grads = tape.backward_with(loss, &mut monitor);
        monitor.record_params(&model, &mut grads);
        opt.step(&mut model, &grads);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let init_record = monitor.history()[0].clone();
    DepthRun {
        depth,
        orthogonal,
        seed,
        steps,
        curve,
        init_record,
    }
}

fn median_steps(runs: &[DepthRun], depth: usize, orthogonal: bool, cap: usize) -> f64 {
    let mut v: Vec<f64> = runs
        .iter()
        .filter(|r| r.depth == depth && r.orthogonal == orthogonal)
        .map(|r| r.steps.map_or(f64::INFINITY, |s| s as f64))
        .collect();
    v.sort_by(f64::total_cmp);
    let m = v[v.len() / 2];
    if m.is_finite() { m } else { cap as f64 + 1.0 }
}

/// Ratio ‖∂C/∂s_1‖₂/‖∂C/∂s_D‖₂ (L2 norms over the batch) from a monitor
/// record: exactly 1 for a linear net with orthogonal weights.
pub fn grad_ratio(record: &StepRecord) -> f64 {
    let mut layers: Vec<_> = record.layers_of(&[LayerKind::Weighted]).collect();
    layers.sort_by_key(|l| l.order);
    let l2 = |l: &&gradflow::monitor::LayerRecord| l.stats.rms() * (l.stats.numel as f64).sqrt();
    let first = layers.first().map_or(f64::NAN, l2);
    let last = layers.last().map_or(f64::NAN, l2);
    first / last
}

// ---------------------------------------------------------------- run

/// Runs (a), (b), (c).
pub fn run(cfg: &Config) -> Outcome {
    let mut rng = Rng::seed_from_u64(cfg.seed);
    let spectra: Vec<Spectrum> = cfg
        .factors
        .iter()
        .map(|&l| spectrum(cfg, l, &mut rng))
        .collect();
    let modes = learning_curve(cfg, &mut rng);
    let data = Digits::<f32>::load();
    let mut runs = Vec::new();
    for &depth in &cfg.depths {
        for orthogonal in [true, false] {
            for s in 0..cfg.seeds {
                runs.push(depth_run(
                    cfg,
                    &data,
                    depth,
                    orthogonal,
                    cfg.seed + 100 + s as u64,
                ));
            }
        }
    }
    let tables = vec![
        table_a(cfg, &spectra),
        table_b(cfg, &modes),
        table_c(cfg, &runs),
    ];
    Outcome {
        spectra,
        modes,
        tau: 1.0 / cfg.lr_b,
        u0: cfg.u0,
        runs,
        target_mse: cfg.target_mse,
        tables,
    }
}

fn table_a(cfg: &Config, spectra: &[Spectrum]) -> Table {
    let mut t = Table::new(format!(
        "E6a — Saxe 2014 Fig. 6B: singular values of products of L random {0}×{0} matrices ({1} draws)",
        cfg.n, cfg.draws
    ));
    for s in spectra {
        let l = s.factors;
        t.check(
            format!(
                "L={l} Gaussian (var 1/n): mean s² ({} products)",
                cfg.frob_draws
            ),
            "norm preserved on average",
            "1 (exact)",
            format!("{:.3} ± {:.3}", s.mean_s2.0, s.mean_s2.1),
            format!("within {MEAN_S2_SIGMAS} SE"),
            (s.mean_s2.0 - 1.0).abs() < MEAN_S2_SIGMAS * s.mean_s2.1,
        );
        t.report(
            format!("L={l} Gaussian: mean s⁴"),
            "—",
            format!("{} (Fuss–Catalan, n→∞)", l + 1),
            format!("{:.2}", s.mean_s4),
        );
        let edge = fuss_catalan_edge(l);
        t.check(
            format!("L={l} Gaussian: max s² (median over draws)"),
            "a few large",
            format!("edge (L+1)^(L+1)/L^L = {}", num(edge)),
            num(s.max_s2),
            format!("in [{}, {}]×edge", EDGE_BAND.0, EDGE_BAND.1),
            s.max_s2 > EDGE_BAND.0 * edge && s.max_s2 < EDGE_BAND.1 * edge,
        );
        t.report(
            format!("L={l} Gaussian: fraction of s < 0.1"),
            "most tiny (kurtotic)",
            "grows with L",
            format!("{:.1}%", 100.0 * s.frac_small),
        );
        t.check(
            format!("L={l} orthogonal: max |s − 1|"),
            "isometry",
            "0 (exact)",
            format!("{:.1e}", s.ortho_dev),
            format!("< {ORTHO_TOL:e}"),
            s.ortho_dev < ORTHO_TOL,
        );
    }
    t
}

fn table_b(cfg: &Config, modes: &[Mode]) -> Table {
    let mut t = Table::new(format!(
        "E6b — Saxe 2014 Eqs. 11–12: 3-layer linear net 32→16→8, X = I, balanced init u₀ = {}, full-batch GD λ = {} (τ = {} steps)",
        cfg.u0,
        cfg.lr_b,
        1.0 / cfg.lr_b
    ));
    for m in modes {
        let err = (m.t_half - m.t_half_pred).abs() / m.t_half_pred;
        t.check(
            format!("s = {}: half-learning time t½ (steps)", m.s),
            "t = (τ/2s)·ln(...) (Eq. 11)",
            format!("{:.1}", m.t_half_pred),
            format!(
                "{:.1} ({:+.2}%)",
                m.t_half,
                100.0 * (m.t_half - m.t_half_pred) / m.t_half_pred
            ),
            format!("within {:.0}%", 100.0 * T_HALF_TOL),
            err < T_HALF_TOL,
        );
        t.report(
            format!("s = {}: max_t |u(t) − u_Eq12(t)|/s", m.s),
            "u(t) sigmoidal (Eq. 12)",
            "0 (continuous time)",
            format!("{:.2e}", m.max_dev),
        );
    }
    t
}

fn table_c(cfg: &Config, runs: &[DepthRun]) -> Table {
    let mut t = Table::new(format!(
        "E6c — Saxe 2014 Fig. 6A: steps to train MSE ≤ {} on {} digits (one-hot regression), linear nets width {}, full-batch GD lr {}/D, median of {} seeds",
        cfg.target_mse, cfg.examples, cfg.width, cfg.lr_c, cfg.seeds
    ));
    let show = |v: f64| {
        if v > cfg.max_steps as f64 {
            format!("> {}", cfg.max_steps)
        } else {
            format!("{v:.0}")
        }
    };
    for &d in &cfg.depths {
        for orth in [true, false] {
            let name = if orth {
                "orthogonal"
            } else {
                "scaled Gaussian"
            };
            let mut ratios: Vec<f64> = runs
                .iter()
                .filter(|r| r.depth == d && r.orthogonal == orth)
                .map(|r| grad_ratio(&r.init_record))
                .collect();
            ratios.sort_by(f64::total_cmp);
            t.report(
                format!("D={d} {name}: steps to target (‖∂C/∂s_1‖/‖∂C/∂s_D‖ at init)"),
                if orth {
                    "depth-independent"
                } else {
                    "grows with depth"
                },
                "—",
                format!(
                    "{} ({})",
                    show(median_steps(runs, d, orth, cfg.max_steps)),
                    num(ratios[ratios.len() / 2])
                ),
            );
        }
    }
    let worst = runs
        .iter()
        .filter(|r| r.orthogonal)
        .map(|r| (grad_ratio(&r.init_record) - 1.0).abs())
        .fold(0.0f64, f64::max);
    t.check(
        "orthogonal, every D: ‖∂C/∂s_1‖/‖∂C/∂s_D‖ at init",
        "isometry (dynamical isometry)",
        "1 (exact)",
        format!("1 ± {worst:.1e}"),
        format!("within {ORTHO_GRAD_TOL:e}"),
        worst < ORTHO_GRAD_TOL,
    );
    let shallow = *cfg.depths.iter().min().expect("depths");
    let deep = *cfg.depths.iter().max().expect("depths");
    let o_s = median_steps(runs, shallow, true, cfg.max_steps);
    let o_d = median_steps(runs, deep, true, cfg.max_steps);
    let g_d = median_steps(runs, deep, false, cfg.max_steps);
    t.check(
        format!("orthogonal: steps(D={deep}) / steps(D={shallow})"),
        "≈ 1 (depth-independent)",
        "≈ 1",
        format!("{:.2}", o_d / o_s),
        format!("< {ORTHO_DEPTH_RATIO_MAX}"),
        o_d / o_s < ORTHO_DEPTH_RATIO_MAX,
    );
    t.check(
        format!("D={deep}: steps Gaussian / steps orthogonal"),
        "Gaussian slower at depth",
        "> 1",
        if g_d > cfg.max_steps as f64 {
            format!("> {:.1}", cfg.max_steps as f64 / o_d)
        } else {
            format!("{:.2}", g_d / o_d)
        },
        format!("> {GAUSS_OVER_ORTHO_MIN}"),
        g_d / o_d > GAUSS_OVER_ORTHO_MIN,
    );
    t
}

// ---------------------------------------------------------------- figures

/// Part (c)'s training curves as CSV: `init,depth,seed,step,train_mse`.
pub fn curves_csv(outcome: &Outcome) -> String {
    let mut csv = String::from("init,depth,seed,step,train_mse\n");
    for r in &outcome.runs {
        let init = if r.orthogonal {
            "orthogonal"
        } else {
            "gaussian"
        };
        for (step, loss) in &r.curve {
            csv += &format!("{init},{},{},{step},{loss}\n", r.depth, r.seed);
        }
    }
    csv
}

/// Writes the figures: (b) learning curves (SVG + PNG, headline), (a)
/// spectra, (c) training curves and the init gradient profile.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<PathBuf>> {
    use gradflow::plot::LineChart;
    let mut files = Vec::new();

    let mut chart = LineChart::new("Saxe 2014: mode strengths of a 3-layer linear net vs Eq. 12")
        .x_label("GD step (τ = 1/λ steps)")
        .y_label("mode strength u = uᵀ W₂W₁ v");
    for m in &outcome.modes {
        let tmax = m.curve.last().map_or(0.0, |p| p.0);
        chart = chart
            .series(format!("s = {} measured", m.s), m.curve.clone())
            .dashed_series(
                format!("s = {} Eq. 12", m.s),
                (0..=200)
                    .map(|i| {
                        let t = tmax * i as f64 / 200.0;
                        (t, saxe_u(m.s, outcome.u0, outcome.tau, t))
                    })
                    .collect::<Vec<_>>(),
            );
    }
    for ext in ["svg", "png"] {
        let path = out.file(&format!("orthogonal_linear_learning_curves.{ext}"));
        chart.save(&path)?;
        files.push(path);
    }

    let mut chart =
        LineChart::new("Singular values of products of L Gaussian 128×128 matrices (var 1/n)")
            .x_label("rank (largest first)")
            .y_label("singular value s")
            .log_y();
    for s in &outcome.spectra {
        chart = chart.series(
            format!("L = {}", s.factors),
            s.gauss_sv
                .iter()
                .enumerate()
                .map(|(i, v)| ((i + 1) as f64, *v))
                .collect::<Vec<_>>(),
        );
    }
    chart = chart.hline(1.0, "orthogonal product: every s = 1");
    let path = out.file("orthogonal_linear_spectra.svg");
    chart.save(&path)?;
    files.push(path);

    let mut chart =
        LineChart::new("Deep linear nets on digits: train MSE, orthogonal vs scaled Gaussian")
            .x_label("full-batch GD step")
            .y_label("train MSE (one-hot targets)")
            .log_y();
    for r in outcome
        .runs
        .iter()
        .filter(|r| r.seed == outcome.runs[0].seed)
    {
        let name = format!(
            "{} D={}",
            if r.orthogonal {
                "orthogonal"
            } else {
                "Gaussian"
            },
            r.depth
        );
        chart = if r.orthogonal {
            chart.series(name, r.curve.clone())
        } else {
            chart.dashed_series(name, r.curve.clone())
        };
    }
    chart = chart.hline(outcome.target_mse, "target MSE");
    let path = out.file("orthogonal_linear_depth.svg");
    chart.save(&path)?;
    files.push(path);

    let deep = outcome.runs.iter().map(|r| r.depth).max().unwrap_or(0);
    let profiles: Vec<(String, &StepRecord)> = outcome
        .runs
        .iter()
        .filter(|r| r.depth == deep && r.seed == outcome.runs[0].seed)
        .map(|r| {
            (
                format!(
                    "{} D={}",
                    if r.orthogonal {
                        "orthogonal"
                    } else {
                        "Gaussian"
                    },
                    r.depth
                ),
                &r.init_record,
            )
        })
        .collect();
    let refs: Vec<(&str, &StepRecord)> = profiles.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    let path = out.file("orthogonal_linear_grad_profile.svg");
    gradflow::monitor::plot::plot_depth_profile(&refs, &path)?;
    files.push(path);
    Ok(files)
}
