//! E7 — Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017, "Deep Information
//! Propagation": order, chaos and the edge between them for a tanh MLP.
//!
//! Mean-field theory (weights `N(0, σ_w²/n)`, biases `N(0, σ_b²)`) predicts
//! the length fixed point `q*` of the pre-activations and the factor `χ₁` by
//! which the squared back-propagated gradient grows per layer toward the
//! input. Both are computed here by quadrature ([`theory`]), not copied from
//! papers.md, and cross-checked against its table. The network is then
//! built with gradflow, one backward pass is watched by the gradient-flow
//! monitor, and the measured per-layer ratio `‖∂C/∂h_{l-1}‖²/‖∂C/∂h_l‖²` and
//! the mean squared pre-activation `q_l` are compared with the theory.
//! `--full` adds the trainability grid (depth × σ_w², SGD on the digits)
//! against the `6ξ_c` depth scale.

use gradflow::monitor::{GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{Dense, Init, Layer, Module};
use gradflow::optim::{Optimizer, Sgd, SgdConfig};
use gradflow::prelude::*;

use crate::common::stack::{visit_dense, visit_dense_mut};
use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, accuracy, median, permutation, progress};

/// The bias variance of every run (Schoenholz et al.'s figures use 0.05).
pub const SIGMA_B2: f64 = 0.05;
/// Pass: the median measured per-layer gradient ratio over layers 10–40 is
/// within this relative distance of `χ₁` (papers.md: ±5%; calibrated:
/// worst case 0.8%, σ_w² = 4, a finite-width bias).
pub const RATIO_TOL: f64 = 0.05;
/// Pass: the median measured `q_l` over layers 10–40 is within this
/// relative distance of `q*` (calibrated: worst case 0.3% at width 256 ×
/// batch 32, seeds 0–4; frozen at 3%, a 10× margin).
pub const Q_TOL: f64 = 0.03;
/// Pass: quadrature reproduces papers.md's χ₁ and q* to this absolute
/// tolerance (its table has 3 decimals).
pub const TABLE_TOL: f64 = 2e-3;
/// Pass (grid): a cell "trains" when its test accuracy reaches this.
pub const TRAINED_ACC: f64 = 0.5;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Hidden width `n`.
    pub width: usize,
    /// Hidden layers `L`.
    pub depth: usize,
    /// Examples in the Gaussian input batch.
    pub batch: usize,
    /// The weight variances `σ_w²` to test.
    pub sigma_w2: Vec<f64>,
    /// Networks per `σ_w²` (median over them).
    pub seeds: u64,
    /// First seed.
    pub seed: u64,
    /// Run the trainability grid.
    pub grid: bool,
    /// Grid depths.
    pub grid_depths: Vec<usize>,
    /// Grid width.
    pub grid_width: usize,
    /// Grid SGD steps.
    pub grid_steps: usize,
    /// Grid SGD learning rate.
    pub grid_lr: f64,
}

impl Config {
    /// The example's default: width 256, L = 50, five σ_w², five seeds.
    pub fn standard() -> Config {
        Config {
            width: 256,
            depth: 50,
            batch: 32,
            sigma_w2: vec![1.0, 1.5, 1.76, 2.5, 4.0],
            seeds: 5,
            seed: 0,
            grid: false,
            grid_depths: vec![10, 20, 40, 80],
            grid_width: 128,
            grid_steps: 300,
            grid_lr: 0.01,
        }
    }

    /// The test's variant: the same networks (the init part takes about a
    /// second), fewer seeds.
    #[allow(dead_code)] // used by tests/repro_edge_of_chaos.rs
    pub fn quick() -> Config {
        Config {
            seeds: 3,
            ..Config::standard()
        }
    }
}

/// Mean-field theory for `φ = tanh`, by quadrature.
pub mod theory {
    use crate::common::quadrature::{gaussian_mean, gaussian_mean_2d};

    fn sech2(x: f64) -> f64 {
        let c = x.cosh();
        1.0 / (c * c)
    }

    /// The length map `q ↦ σ_w² E[tanh(√q z)²] + σ_b²`.
    pub fn length_map(q: f64, sw2: f64, sb2: f64) -> f64 {
        sw2 * gaussian_mean(q, |x| x.tanh().powi(2)) + sb2
    }

    /// The fixed point `q*` of the length map (iterated from q = 1; the map
    /// is a contraction for tanh).
    pub fn q_star(sw2: f64, sb2: f64) -> f64 {
        let mut q = 1.0;
        for _ in 0..1000 {
            let next = length_map(q, sw2, sb2);
            if (next - q).abs() < 1e-13 {
                return next;
            }
            q = next;
        }
        q
    }

    /// `χ₁ = σ_w² E[tanh'(√q* z)²]`: the factor by which the squared
    /// gradient grows per layer toward the input.
    pub fn chi1(sw2: f64, sb2: f64) -> f64 {
        let q = q_star(sw2, sb2);
        sw2 * gaussian_mean(q, |x| sech2(x).powi(2))
    }

    /// The critical `σ_w²` (χ₁ = 1), by bisection on [1, 4].
    pub fn critical_sw2(sb2: f64) -> f64 {
        let (mut lo, mut hi) = (1.0, 4.0);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if chi1(mid, sb2) < 1.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// The correlation map at `q*`: `c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q*`
    /// with `u₁ = √q* z₁`, `u₂ = √q*(c z₁ + √(1−c²) z₂)`.
    pub fn correlation_map(c: f64, q: f64, sw2: f64, sb2: f64) -> f64 {
        let s = q.sqrt();
        let r = (1.0 - c * c).max(0.0).sqrt();
        (sw2 * gaussian_mean_2d(|z1, z2| (s * z1).tanh() * (s * (c * z1 + r * z2)).tanh()) + sb2)
            / q
    }

    /// The stable fixed point `c*` of the correlation map: 1 in the
    /// ordered phase (χ₁ ≤ 1), below 1 in the chaotic phase.
    pub fn c_star(sw2: f64, sb2: f64) -> f64 {
        if chi1(sw2, sb2) <= 1.0 {
            return 1.0;
        }
        let q = q_star(sw2, sb2);
        // Bisection on c_map(c) - c, which is > 0 at c = 0 (σ_b² > 0) and
        // < 0 just below 1 in the chaotic phase.
        let (mut lo, mut hi) = (0.0, 0.999_999);
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            if correlation_map(mid, q, sw2, sb2) > mid {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// The correlation depth scale `ξ_c = −1/log(σ_w² E[φ'(u₁)φ'(u₂)])` at
    /// `c*` (`−1/log χ₁` when c* = 1); infinite at criticality.
    pub fn xi_c(sw2: f64, sb2: f64) -> f64 {
        let chi = chi1(sw2, sb2);
        let slope = if chi <= 1.0 {
            chi
        } else {
            let q = q_star(sw2, sb2);
            let c = c_star(sw2, sb2);
            let s = q.sqrt();
            let r = (1.0 - c * c).max(0.0).sqrt();
            sw2 * gaussian_mean_2d(|z1, z2| sech2(s * z1) * sech2(s * (c * z1 + r * z2)))
        };
        if slope >= 1.0 {
            f64::INFINITY
        } else {
            -1.0 / slope.ln()
        }
    }
}

/// papers.md §1.8's quadrature table (computed there; "computed" numbers,
/// not the paper's): `(σ_w², χ₁, q*)`; q* from §2 E7.
pub const PAPERS_MD: [(f64, f64, f64); 5] = [
    (1.0, 0.759, 0.194),
    (1.5, 0.939, 0.418),
    (1.76, 1.0, 0.570),
    (2.5, 1.134, 1.06),
    (4.0, 1.342, 2.20),
];

/// A tanh MLP `n → (Dense → tanh) × L`, named as a `Sequential` would name
/// it (`"0"` dense, `"1"` tanh, ...), that also keeps each layer's mean
/// squared pre-activation `q_l` from its last forward pass.
pub struct TanhNet {
    layers: Vec<Dense<f32>>,
    /// `q_l = mean(s_l²)` per hidden layer, from the last forward pass.
    pub q: Vec<f64>,
}

impl TanhNet {
    /// `depth` layers of width `width` on `inputs` features, weights
    /// `N(0, σ_w²/fan_in)`, biases `N(0, σ_b²)`.
    pub fn new(inputs: usize, width: usize, depth: usize, sw2: f64, rng: &mut Rng) -> TanhNet {
        let layers = (0..depth)
            .map(|l| {
                let fan_in = if l == 0 { inputs } else { width };
                let w = Init::Normal {
                    mean: 0.0,
                    std: (sw2 / fan_in as f64).sqrt(),
                }
                .tensor::<f32, _>(&[width, fan_in], rng);
                let b = Tensor::<f32>::normal([width], 0.0, SIGMA_B2.sqrt() as f32, rng);
                Dense::from_tensors(w, Some(b))
            })
            .collect();
        TanhNet {
            layers,
            q: Vec::new(),
        }
    }
}

impl Module<f32> for TanhNet {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<f32>)) {
        visit_dense(&self.layers, f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<f32>)) {
        visit_dense_mut(&mut self.layers, f);
    }

    fn describe(&self) -> String {
        format!("TanhNet({} layers)", self.layers.len())
    }
}

impl Layer<f32> for TanhNet {
    fn forward<'t>(&mut self, x: Var<'t, f32>) -> Var<'t, f32> {
        let tape = x.tape();
        self.q.clear();
        let mut h = x;
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let s = {
                let _scope = tape.scope(&(2 * i).to_string());
                layer.forward(h)
            };
            let v = s.value();
            self.q.push(
                v.data().iter().map(|&a| f64::from(a).powi(2)).sum::<f64>() / v.numel() as f64,
            );
            h = {
                let _scope = tape.scope(&(2 * i + 1).to_string());
                s.tanh()
            };
        }
        h
    }
}

/// The measurements for one σ_w².
#[derive(Debug, Clone)]
pub struct Sweep {
    /// σ_w².
    pub sw2: f64,
    /// Predicted q* (quadrature).
    pub q_star: f64,
    /// Predicted χ₁ (quadrature).
    pub chi1: f64,
    /// Predicted ξ_c.
    pub xi_c: f64,
    /// Median over seeds of the per-layer ratio, layer l = 2..=L:
    /// `(l, ‖∂C/∂h_{l-1}‖²/‖∂C/∂h_l‖²)`.
    pub ratio_profile: Vec<(f64, f64)>,
    /// Median over seeds of `‖∂C/∂h_l‖²/‖∂C/∂h_L‖²`, l = 1..=L.
    pub grad_profile: Vec<(f64, f64)>,
    /// Median over seeds of `q_l`, l = 1..=L.
    pub q_profile: Vec<(f64, f64)>,
    /// Median of the per-layer ratios over layers 10–40 and all seeds.
    pub median_ratio: f64,
    /// Median of `q_l` over layers 10–40 and all seeds.
    pub median_q: f64,
    /// The first seed's monitor record (for the depth-profile figure).
    pub record: StepRecord,
}

/// One trainability-grid cell.
#[derive(Debug, Clone)]
pub struct Cell {
    /// σ_w².
    pub sw2: f64,
    /// Depth.
    pub depth: usize,
    /// Test accuracy after training.
    pub accuracy: f64,
}

/// Everything `run` measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Per σ_w².
    pub sweeps: Vec<Sweep>,
    /// The grid (empty unless asked for).
    pub grid: Vec<Cell>,
    /// The tables.
    pub tables: Vec<Table>,
}

/// One network at init: `(‖∂C/∂h_l‖² for l = 1..=L, q_l, monitor record)`.
/// The loss is linear, `C = Σ h_L ⊙ V / B` with a fixed Gaussian `V`, so
/// `∂C/∂h_L` is a random direction per example and the backward pass
/// carries no information from a task.
fn measure(cfg: &Config, sw2: f64, seed: u64) -> (Vec<f64>, Vec<f64>, StepRecord) {
    let mut rng = Rng::seed_from_u64(seed);
    let n = cfg.width;
    let mut net = TanhNet::new(n, n, cfg.depth, sw2, &mut rng);
    let x = Tensor::<f32>::normal([cfg.batch, n], 0.0, 1.0, &mut rng);
    let v = Tensor::<f32>::normal([cfg.batch, n], 0.0, 1.0, &mut rng);
    let mut monitor = GradMonitor::new();
    let mut grads = {
        let tape = Tape::new();
        let h = net.forward(tape.constant(x));
        let loss = (h * tape.constant(v)).sum_all() / cfg.batch as f32;
        tape.backward_with(loss, &mut monitor)
    };
    monitor.record_params(&net, &mut grads);
    let record = monitor.history()[0].clone();
    let mut sq = vec![f64::NAN; cfg.depth];
    for layer in record.layers_of(&[LayerKind::Activation]) {
        let idx: usize = layer.path.parse().expect("numeric path");
        sq[(idx - 1) / 2] = layer.stats.l2.powi(2);
    }
    (sq, net.q.clone(), record)
}

fn sweep(cfg: &Config, sw2: f64) -> Sweep {
    let (q_star, chi1, xi_c) = (
        theory::q_star(sw2, SIGMA_B2),
        theory::chi1(sw2, SIGMA_B2),
        theory::xi_c(sw2, SIGMA_B2),
    );
    let runs: Vec<_> = (0..cfg.seeds)
        .map(|s| measure(cfg, sw2, cfg.seed + s))
        .collect();
    let l_max = cfg.depth;
    let ratio = |sq: &[f64], l: usize| sq[l - 2] / sq[l - 1];
    let ratio_profile = (2..=l_max)
        .map(|l| (l as f64, median(runs.iter().map(|r| ratio(&r.0, l)))))
        .collect();
    let grad_profile = (1..=l_max)
        .map(|l| {
            (
                l as f64,
                median(runs.iter().map(|r| r.0[l - 1] / r.0[l_max - 1])),
            )
        })
        .collect();
    let q_profile = (1..=l_max)
        .map(|l| (l as f64, median(runs.iter().map(|r| r.1[l - 1]))))
        .collect();
    let window = 10..=40.min(l_max);
    let median_ratio = median(
        runs.iter()
            .flat_map(|r| window.clone().map(|l| ratio(&r.0, l))),
    );
    let median_q = median(runs.iter().flat_map(|r| window.clone().map(|l| r.1[l - 1])));
    Sweep {
        sw2,
        q_star,
        chi1,
        xi_c,
        ratio_profile,
        grad_profile,
        q_profile,
        median_ratio,
        median_q,
        record: runs.into_iter().next().expect("seeds ≥ 1").2,
    }
}

/// Trains a width-`grid_width` tanh net of `depth` hidden layers on the
/// digits with plain SGD; returns the test accuracy.
fn train_cell(cfg: &Config, data: &Digits<f32>, sw2: f64, depth: usize) -> f64 {
    let mut rng = Rng::seed_from_u64(cfg.seed + 1000);
    let mut net = TanhNet::new(64, cfg.grid_width, depth, sw2, &mut rng);
    let mut head = Dense::<f32>::new(
        cfg.grid_width,
        10,
        Init::Normal {
            mean: 0.0,
            std: (sw2 / cfg.grid_width as f64).sqrt(),
        },
        &mut rng,
    );
    let mut opt = Sgd::new(SgdConfig {
        lr: cfg.grid_lr,
        ..SgdConfig::default()
    })
    .expect("valid SGD config");
    let mut opt_head = Sgd::new(SgdConfig {
        lr: cfg.grid_lr,
        ..SgdConfig::default()
    })
    .expect("valid SGD config");
    let n = data.train_x.shape()[0];
    let mut order = permutation(n, &mut rng);
    let mut pos = 0;
    for _ in 0..cfg.grid_steps {
        if pos + 64 > n {
            order = permutation(n, &mut rng);
            pos = 0;
        }
        let (x, y) = data.train_batch(&order[pos..pos + 64]);
        pos += 64;
        let grads = {
            let tape = Tape::new();
            let logits = head.forward(net.forward(tape.constant(x)));
            tape.backward(logits.cross_entropy(&y))
        };
        opt.step(&mut net, &grads);
        opt_head.step(&mut head, &grads);
    }
    let tape = Tape::new();
    let logits = head.forward(net.forward(tape.constant(data.test_x.clone())));
    let value = logits.value();
    if value.data().iter().any(|v| !v.is_finite()) {
        return 0.0;
    }
    accuracy(&value, &data.test_y)
}

/// Runs E7.
pub fn run(cfg: &Config) -> Outcome {
    let critical = theory::critical_sw2(SIGMA_B2);
    let bar = progress(cfg.sigma_w2.len() as u64, "E7 init sweeps");
    let sweeps: Vec<Sweep> = cfg
        .sigma_w2
        .iter()
        .map(|&sw2| {
            let s = sweep(cfg, sw2);
            bar.inc(1);
            s
        })
        .collect();
    bar.finish_and_clear();

    let mut theory_table = Table::new(
        "E7 theory — mean field for tanh, σ_b² = 0.05, by quadrature (vs papers.md §1.8)",
    );
    theory_table.check(
        "critical σ_w² (χ₁ = 1)",
        "order/chaos transition",
        "1.761 (papers.md)",
        format!("{critical:.4}"),
        format!("|Δ| ≤ {TABLE_TOL}"),
        (critical - 1.761).abs() <= TABLE_TOL,
    );
    for &(sw2, chi_md, q_md) in &PAPERS_MD {
        let chi = theory::chi1(sw2, SIGMA_B2);
        let q = theory::q_star(sw2, SIGMA_B2);
        theory_table.check(
            format!("σ_w² = {sw2}: χ₁"),
            "—",
            num(chi_md),
            format!("{chi:.4}"),
            format!("|Δ| ≤ {TABLE_TOL}"),
            (chi - chi_md).abs() <= TABLE_TOL,
        );
        theory_table.check(
            format!("σ_w² = {sw2}: q*"),
            "—",
            num(q_md),
            format!("{q:.4}"),
            format!("|Δ| ≤ {}", 5e-3),
            (q - q_md).abs() <= 5e-3,
        );
    }

    let mut init = Table::new(format!(
        "E7 at init — tanh MLP width {}, L = {}, batch {}, {} seeds: median over layers 10–40",
        cfg.width, cfg.depth, cfg.batch, cfg.seeds
    ));
    for s in &sweeps {
        let phase = if s.chi1 < 0.995 {
            "ordered: vanishing"
        } else if s.chi1 > 1.005 {
            "chaotic: exploding"
        } else {
            "critical"
        };
        init.check(
            format!("σ_w² = {}: ‖∂C/∂h_(l−1)‖²/‖∂C/∂h_l‖²", s.sw2),
            phase,
            format!("χ₁ = {:.3}", s.chi1),
            format!("{:.3}", s.median_ratio),
            format!("±{:.0}%", RATIO_TOL * 100.0),
            ((s.median_ratio / s.chi1) - 1.0).abs() <= RATIO_TOL,
        );
        init.check(
            format!("σ_w² = {}: q_l", s.sw2),
            "q_l → q*",
            format!("q* = {:.3}", s.q_star),
            format!("{:.3}", s.median_q),
            format!("±{:.0}%", Q_TOL * 100.0),
            ((s.median_q / s.q_star) - 1.0).abs() <= Q_TOL,
        );
    }
    for s in &sweeps {
        let total = s.grad_profile[0].1;
        init.report(
            format!("σ_w² = {}: ‖∂C/∂h_1‖²/‖∂C/∂h_L‖²", s.sw2),
            format!("ξ_c = {}", num(s.xi_c)),
            format!("χ₁^(L−1) = {}", num(s.chi1.powi(cfg.depth as i32 - 1))),
            num(total),
        );
    }
    let mut tables = vec![theory_table, init];

    let mut grid = Vec::new();
    if cfg.grid {
        let data = Digits::<f32>::load();
        let bar = progress(
            (cfg.grid_depths.len() * cfg.sigma_w2.len()) as u64,
            "E7 trainability grid",
        );
        let mut t = Table::new(format!(
            "E7 grid — {} SGD steps (lr {}, batch 64) on the digits, width {}: trains iff L ≲ 6ξ_c",
            cfg.grid_steps, cfg.grid_lr, cfg.grid_width
        ));
        for &sw2 in &cfg.sigma_w2 {
            let xi = theory::xi_c(sw2, SIGMA_B2);
            for &depth in &cfg.grid_depths {
                let acc = train_cell(cfg, &data, sw2, depth);
                bar.inc(1);
                grid.push(Cell {
                    sw2,
                    depth,
                    accuracy: acc,
                });
                let l = depth as f64;
                let what = format!("σ_w² = {sw2}, L = {depth} (6ξ_c = {})", num(6.0 * xi));
                if l < 3.0 * xi {
                    t.check(
                        what,
                        "trainable",
                        "L < 3ξ_c: trains",
                        format!("acc {acc:.3}"),
                        format!("≥ {TRAINED_ACC}"),
                        acc >= TRAINED_ACC,
                    );
                } else if l > 12.0 * xi {
                    t.check(
                        what,
                        "untrainable",
                        "L > 12ξ_c: does not train",
                        format!("acc {acc:.3}"),
                        format!("< {TRAINED_ACC}"),
                        acc < TRAINED_ACC,
                    );
                } else {
                    t.report(what, "—", "between 3ξ_c and 12ξ_c", format!("acc {acc:.3}"));
                }
            }
        }
        bar.finish_and_clear();
        let agree = grid
            .iter()
            .filter(|c| {
                let trains = c.accuracy >= TRAINED_ACC;
                trains == ((c.depth as f64) < 6.0 * theory::xi_c(c.sw2, SIGMA_B2))
            })
            .count();
        t.report(
            "cells agreeing with \"trains iff L < 6ξ_c\"",
            "L ≲ 6ξ_c (heat maps)",
            "all",
            format!("{agree}/{}", grid.len()),
        );
        tables.push(t);
    }

    Outcome {
        sweeps,
        grid,
        tables,
    }
}

/// Writes the figures: the gradient profile (headline, SVG + PNG), the
/// per-layer ratio against χ₁, q_l against q*, the monitor's depth
/// profile, and the grid when it ran.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<std::path::PathBuf>> {
    use gradflow::plot::LineChart;
    let mut written = Vec::new();

    let mut chart = LineChart::new("E7: tanh MLP at init — squared gradient norm by layer")
        .x_label("hidden layer l (1 = input side)")
        .y_label("‖∂C/∂h_l‖² / ‖∂C/∂h_L‖² (median of seeds)")
        .log_y();
    for s in &outcome.sweeps {
        let l_max = s.grad_profile.len() as f64;
        chart = chart
            .series(format!("σ_w² = {} measured", s.sw2), s.grad_profile.clone())
            .dashed_series(
                format!("χ₁^(L−l) = {:.3}^(L−l)", s.chi1),
                s.grad_profile
                    .iter()
                    .map(|&(l, _)| (l, s.chi1.powf(l_max - l))),
            );
    }
    for ext in ["svg", "png"] {
        let p = out.file(&format!("edge_of_chaos_grad_profile.{ext}"));
        chart.save(&p)?;
        written.push(p);
    }

    let mut chart = LineChart::new("E7: per-layer gradient ratio vs mean-field χ₁")
        .x_label("hidden layer l")
        .y_label("‖∂C/∂h_(l−1)‖² / ‖∂C/∂h_l‖² (median of seeds)");
    for s in &outcome.sweeps {
        chart = chart
            .series(format!("σ_w² = {}", s.sw2), s.ratio_profile.clone())
            .dashed_series(
                format!("χ₁ = {:.3}", s.chi1),
                [(2.0, s.chi1), (s.ratio_profile.len() as f64 + 1.0, s.chi1)],
            );
    }
    let p = out.file("edge_of_chaos_ratio.svg");
    chart.save(&p)?;
    written.push(p);

    let mut chart = LineChart::new("E7: length map — q_l approaches the fixed point q*")
        .x_label("hidden layer l")
        .y_label("q_l = mean squared pre-activation")
        .log_y();
    for s in &outcome.sweeps {
        chart = chart
            .series(format!("σ_w² = {}", s.sw2), s.q_profile.clone())
            .dashed_series(
                format!("q* = {:.3}", s.q_star),
                [(1.0, s.q_star), (s.q_profile.len() as f64, s.q_star)],
            );
    }
    let p = out.file("edge_of_chaos_q.svg");
    chart.save(&p)?;
    written.push(p);

    let runs: Vec<(String, &StepRecord)> = outcome
        .sweeps
        .iter()
        .map(|s| (format!("σ_w² = {}", s.sw2), &s.record))
        .collect();
    let runs: Vec<(&str, &StepRecord)> = runs.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    let p = out.file("edge_of_chaos_monitor_profile.svg");
    gradflow::monitor::plot::plot_depth_profile(&runs, &p)?;
    written.push(p);

    if !outcome.grid.is_empty() {
        let mut chart = LineChart::new("E7 grid: test accuracy after SGD vs depth")
            .x_label("hidden layers L")
            .y_label("test accuracy (fraction)")
            .log_x()
            .hline(0.1, "chance");
        let mut sws: Vec<f64> = outcome.grid.iter().map(|c| c.sw2).collect();
        sws.dedup();
        for sw2 in sws {
            chart = chart.series(
                format!("σ_w² = {sw2}"),
                outcome
                    .grid
                    .iter()
                    .filter(|c| c.sw2 == sw2)
                    .map(|c| (c.depth as f64, c.accuracy)),
            );
        }
        let p = out.file("edge_of_chaos_grid.svg");
        chart.save(&p)?;
        written.push(p);
    }
    Ok(written)
}
