//! E1 + E2 — Glorot & Bengio 2010: standard `U[±1/√n]` vs normalized
//! (Xavier) init at initialization (§4.2, Figs. 6–8), and the sigmoid
//! top-layer saturation during training (§3.1, Fig. 2) beside tanh and
//! softsign (§3.2, Figs. 3–4).
//!
//! E1 runs one forward/backward pass of the NLL on 300 fixed digits through
//! a 64 → 5×256 → 10 MLP (zero biases) and reads, per hidden layer, the
//! activation spread, `∂C/∂s_l` (the gradient-flow monitor's layer-output
//! records) and `∂C/∂W_l` (its parameter records), and the singular values
//! of the layer Jacobian `diag(f'(s_l))·W_l`. The mean-field factor
//! `χ_l = E[f'(√q_l z)²]·n_{l+1}Var[W_{l+1}]` is computed by quadrature from
//! the *measured* `q_l` and compared with the measured
//! `ms(∂C/∂s_l)/ms(∂C/∂s_{l+1})`.
//!
//! E2 trains 64 → 4×256 → 10 (and 5×256) with standard init and plain SGD
//! on mini-batches of 10, and follows each layer's mean activation and
//! 98th percentile on the same 300 digits.

use std::path::PathBuf;

use gradflow::monitor::{GradMonitor, LayerKind, StepRecord};
use gradflow::nn::{Dense, Init, Layer, Module, Param};
use gradflow::optim::{Optimizer, Sgd, SgdConfig};
use gradflow::prelude::*;
use gradflow::{Indices, Tensor};

use crate::common::linalg::mean_singular_value;
use crate::common::quadrature::{gaussian_mean, gaussian_mean_with};
use crate::common::stack::{visit_dense, visit_dense_mut};
use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, median, permutation};

// ---------------------------------------------------------------------
// Pass criteria (calibrated once against the theory, then frozen).

/// E1: each measured per-layer factor `ms(∂C/∂s_l)/ms(∂C/∂s_{l+1})`
/// (layers 1–4, seed median) lies within this relative distance of the
/// mean-field `χ_l` computed from the measured `q_l` (papers.md: ±15%).
pub const CHI_TOLERANCE: f64 = 0.15;
/// E1: tanh + standard init, `rms(∂C/∂s_1)/rms(∂C/∂s_5)` is below this.
pub const TANH_STANDARD_MAX_RATIO: f64 = 0.2;
/// E1: tanh + normalized init, that ratio is above this.
pub const TANH_NORMALIZED_MIN_RATIO: f64 = 0.35;
/// E1: tanh, max/min of `rms(∂C/∂W_l)` over the 5 hidden layers.
pub const WEIGHT_GRAD_MAX_SPREAD: f64 = 2.0;
/// E1: the W-only mean singular value is within this relative distance of
/// the quarter-circle law `(8/3π)·σ`.
pub const SV_TOLERANCE: f64 = 0.03;
/// E1: the Jacobian's mean singular value is within this absolute distance
/// of Glorot's "≈0.5 (standard) vs ≈0.8 (normalized)".
pub const JACOBIAN_SV_TOLERANCE: f64 = 0.1;
/// E1 cross-check: the mean-field recursion under papers.md §1.1's
/// assumptions reproduces its computed table within half a unit of its
/// last printed digit plus this relative error.
pub const TABLE_TOLERANCE: f64 = 0.02;

/// Half a unit in the last digit papers.md printed for `b` (its entries
/// are rounded to 2 significant digits, 3 for 0.333, 1 for 0.0005).
pub fn printed_half_unit(b: f64) -> f64 {
    let text = format!("{b}");
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
    0.5 * 10f64.powi(-(decimals as i32))
}
/// E2: the sigmoid top hidden layer's mean activation falls below this
/// at some checkpoint in the first quarter of training.
pub const SIGMOID_TOP_MEAN_MAX: f64 = 0.2;

// ---------------------------------------------------------------------
// Activations and mean-field quadrature.

/// The activations Glorot & Bengio compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// `tanh`.
    Tanh,
    /// `x/(1+|x|)`.
    Softsign,
    /// Logistic sigmoid.
    Sigmoid,
}

impl Act {
    /// Name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Act::Tanh => "tanh",
            Act::Softsign => "softsign",
            Act::Sigmoid => "sigmoid",
        }
    }

    /// `f(x)`.
    pub fn f(self, x: f64) -> f64 {
        match self {
            Act::Tanh => x.tanh(),
            Act::Softsign => x / (1.0 + x.abs()),
            Act::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        }
    }

    /// `f'(x)`.
    pub fn df(self, x: f64) -> f64 {
        match self {
            Act::Tanh => 1.0 - x.tanh().powi(2),
            Act::Softsign => 1.0 / (1.0 + x.abs()).powi(2),
            Act::Sigmoid => {
                let s = self.f(x);
                s * (1.0 - s)
            }
        }
    }

    fn apply<'t>(self, x: Var<'t, f32>) -> Var<'t, f32> {
        match self {
            Act::Tanh => x.tanh(),
            Act::Softsign => x.softsign(),
            Act::Sigmoid => x.sigmoid(),
        }
    }
}

/// The mean-field recursion with the same `σ_w² = n·Var[W]` at every layer
/// and input second moment 1 (papers.md §1.1's assumptions): `q_l` and
/// `χ_l = σ_w² E[f'(√q_l z)²]`, `l = 1..=depth`.
pub fn mean_field_table(act: Act, sigma_w2: f64, depth: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut q, mut chi) = (Vec::new(), Vec::new());
    let mut ql = sigma_w2;
    for _ in 0..depth {
        q.push(ql);
        chi.push(sigma_w2 * gaussian_mean(ql, |x| act.df(x).powi(2)));
        ql = sigma_w2 * gaussian_mean(ql, |x| act.f(x).powi(2));
    }
    (q, chi)
}

/// One row of papers.md §1.1's table: activation, init, σw², q₁..q₅, χ₁..χ₅.
pub type PapersMdRow = (Act, &'static str, f64, [f64; 5], [f64; 5]);

/// papers.md §1.1's computed table (q₁..q₅, χ₁..χ₅), for the cross-check.
pub fn papers_md_table() -> Vec<PapersMdRow> {
    // Entries as printed there (2–3 significant digits; 0.0005 has one).
    vec![
        (
            Act::Tanh,
            "standard",
            1.0 / 3.0,
            [0.333, 0.071, 0.021, 0.0067, 0.0022],
            [0.22, 0.30, 0.32, 0.33, 0.33],
        ),
        (
            Act::Tanh,
            "normalized",
            1.0,
            [1.0, 0.39, 0.24, 0.17, 0.13],
            [0.46, 0.64, 0.73, 0.78, 0.82],
        ),
        (
            Act::Softsign,
            "standard",
            1.0 / 3.0,
            [0.333, 0.034, 0.0070, 0.0018, 0.0005],
            [0.11, 0.21, 0.26, 0.29, 0.31],
        ),
        (
            Act::Sigmoid,
            "standard",
            1.0 / 3.0,
            [0.333, 0.089, 0.085, 0.085, 0.085],
            [0.018, 0.020, 0.020, 0.020, 0.020],
        ),
        (
            Act::Sigmoid,
            "normalized",
            1.0,
            [1.0, 0.29, 0.27, 0.27, 0.27],
            [0.045, 0.055, 0.056, 0.056, 0.056],
        ),
    ]
}

// ---------------------------------------------------------------------
// The network.

/// Glorot's two initializations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitKind {
    /// `U[±1/√fan_in]` (Eq. 1; PyTorch's `nn.Linear` default): `Init::GlorotStandard`.
    Standard,
    /// `U[±√6/√(fan_in+fan_out)]` (Eq. 16): `Init::xavier_uniform()`.
    Normalized,
}

impl InitKind {
    /// Name for tables.
    pub fn name(self) -> &'static str {
        match self {
            InitKind::Standard => "standard",
            InitKind::Normalized => "normalized",
        }
    }

    fn init(self) -> Init {
        match self {
            InitKind::Standard => Init::GlorotStandard,
            InitKind::Normalized => Init::xavier_uniform(),
        }
    }

    /// `Var[W]` of a `[out, in]` weight.
    pub fn var(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            InitKind::Standard => 1.0 / (3.0 * fan_in as f64),
            InitKind::Normalized => 2.0 / (fan_in + fan_out) as f64,
        }
    }
}

/// An MLP of dense layers (zero biases) with one activation, named as a
/// `Sequential` would name it (dense at even indices), so the monitor's
/// records read `"0"`, `"2"`, ... for `s_1, s_2, ...`.
pub struct Mlp {
    dense: Vec<Dense<f32>>,
    act: Act,
}

impl Module<f32> for Mlp {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<f32>)) {
        visit_dense(&self.dense, f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<f32>)) {
        visit_dense_mut(&mut self.dense, f);
    }

    fn describe(&self) -> String {
        format!("Mlp({} dense, {})", self.dense.len(), self.act.name())
    }
}

impl Mlp {
    /// `widths[0] → … → widths[last]`, weights from `init`, zero biases.
    pub fn new(widths: &[usize], init: InitKind, act: Act, rng: &mut Rng) -> Mlp {
        let dense = widths
            .windows(2)
            .map(|w| {
                let weight = init.init().tensor::<f32, _>(&[w[1], w[0]], rng);
                Dense::from_tensors(weight, Some(Tensor::zeros([w[1]])))
            })
            .collect();
        Mlp { dense, act }
    }

    /// The logits, and the values of every hidden pre-activation `s_l` and
    /// activation `h_l`.
    fn forward<'t>(
        &mut self,
        x: Var<'t, f32>,
    ) -> (Var<'t, f32>, Vec<Tensor<f32>>, Vec<Tensor<f32>>) {
        let tape = x.tape();
        let last = self.dense.len() - 1;
        let (mut pre, mut post) = (Vec::new(), Vec::new());
        let mut h = x;
        for (i, d) in self.dense.iter_mut().enumerate() {
            let s = {
                let _g = tape.scope(&(2 * i).to_string());
                d.forward(h)
            };
            if i == last {
                return (s, pre, post);
            }
            pre.push(s.value());
            let _g = tape.scope(&(2 * i + 1).to_string());
            h = self.act.apply(s);
            post.push(h.value());
        }
        unreachable!("at least one layer")
    }

    fn weight_f64(&self, l: usize) -> Vec<f64> {
        self.dense[l]
            .weight()
            .value()
            .data()
            .iter()
            .map(|&v| f64::from(v))
            .collect()
    }
}

fn ms(t: &Tensor<f32>) -> f64 {
    t.data().iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / t.numel() as f64
}

fn std_of(t: &Tensor<f32>) -> f64 {
    let n = t.numel() as f64;
    let mean = t.data().iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    (t.data()
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt()
}

/// The q-th quantile (0..1) of the values.
fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i]
}

// ---------------------------------------------------------------------
// Configuration and outcome.

/// The experiment's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Hidden width (256).
    pub width: usize,
    /// E1 hidden layers (5).
    pub depth: usize,
    /// Fixed evaluation digits (300, from the test split).
    pub eval: usize,
    /// E1 seeds (medians over them).
    pub seeds: usize,
    /// First seed.
    pub seed: u64,
    /// E1: examples per layer whose Jacobian spectrum is computed (tanh).
    pub jacobian_examples: usize,
    /// E2: trained configurations (activation, hidden layers).
    pub train_runs: Vec<(Act, usize)>,
    /// E2: SGD updates per run.
    pub updates: usize,
    /// E2: mini-batch size (Glorot: 10).
    pub batch: usize,
    /// E2: learning rate.
    pub lr: f64,
    /// E2: statistics every this many updates.
    pub every: usize,
}

impl Config {
    /// The example's default.
    pub fn standard() -> Config {
        Config {
            width: 256,
            depth: 5,
            eval: 300,
            seeds: 5,
            seed: 0,
            jacobian_examples: 3,
            train_runs: vec![
                (Act::Sigmoid, 4),
                (Act::Sigmoid, 5),
                (Act::Tanh, 4),
                (Act::Softsign, 4),
            ],
            updates: 3000,
            batch: 10,
            lr: 0.1,
            every: 50,
        }
    }

    /// The test's variant: E1 with 3 seeds and one Jacobian example, E2 only
    /// the 4-layer sigmoid for a shorter run.
    pub fn quick() -> Config {
        Config {
            seeds: 3,
            jacobian_examples: 1,
            train_runs: vec![(Act::Sigmoid, 4)],
            updates: 2400,
            ..Config::standard()
        }
    }
}

/// E1 for one activation × init, medians over seeds.
#[derive(Debug, Clone)]
pub struct InitResult {
    /// Activation.
    pub act: Act,
    /// Init.
    pub init: InitKind,
    /// Std of `h_l`, `l = 1..=depth`.
    pub h_std: Vec<f64>,
    /// Measured `q_l = ms(s_l)`.
    #[allow(dead_code)]
    pub q: Vec<f64>,
    /// `rms(∂C/∂s_l)`, `l = 1..=depth+1` (the last is the logits).
    pub ds_rms: Vec<f64>,
    /// `rms(∂C/∂W_l)`, `l = 1..=depth+1`.
    pub dw_rms: Vec<f64>,
    /// Measured `ms(∂C/∂s_l)/ms(∂C/∂s_{l+1})`, `l = 1..depth`.
    pub chi_meas: Vec<f64>,
    /// Mean-field `χ_l` from the measured per-example `q_l(x)`, `l = 1..depth`.
    pub chi_pred: Vec<f64>,
    /// The same from one pooled `q_l` (all examples together).
    pub chi_pooled: Vec<f64>,
    /// Top→bottom `rms(∂C/∂s_1)/rms(∂C/∂s_depth)`, measured.
    pub top_bottom: f64,
    /// The same from the mean-field `χ_l`.
    pub top_bottom_pred: f64,
    /// Mean singular value of `W_l`, hidden-to-hidden layers `l = 2..=depth`.
    pub w_sv: Vec<f64>,
    /// Mean singular value of `diag(f'(s_l))·W_l`, same layers (tanh only).
    pub j_sv: Vec<f64>,
    /// Approximation `(8/3π)·√χ'_l` for it (`χ'_l = n Var[W_l]·E[f'(s_l)²]`).
    pub j_sv_pred: Vec<f64>,
    /// The monitor's record for the first seed.
    pub record: StepRecord,
}

/// E2 for one trained configuration.
#[derive(Debug, Clone)]
pub struct TrainResult {
    /// Activation.
    pub act: Act,
    /// Hidden layers.
    pub depth: usize,
    /// Checkpoint update indices.
    pub steps: Vec<usize>,
    /// `[checkpoint][layer]` mean activation.
    pub mean: Vec<Vec<f64>>,
    /// `[checkpoint][layer]` 98th percentile of `h` (sigmoid) or `|h|`.
    pub p98: Vec<Vec<f64>>,
    /// Training loss (mean over the last `every` updates) per checkpoint.
    #[allow(dead_code)]
    pub loss: Vec<f64>,
    /// Final test accuracy on the 300 evaluation digits.
    pub accuracy: f64,
    /// Final activations of every hidden layer on the evaluation digits.
    pub final_h: Vec<Vec<f64>>,
}

/// Everything [`run`] measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The configuration.
    pub config: Config,
    /// E1 per activation × init.
    pub init: Vec<InitResult>,
    /// E2 per trained run.
    pub train: Vec<TrainResult>,
    /// Judged tables.
    pub tables: Vec<Table>,
}

// ---------------------------------------------------------------------
// E1.

struct SeedE1 {
    h_std: Vec<f64>,
    q: Vec<f64>,
    ds_rms: Vec<f64>,
    dw_rms: Vec<f64>,
    chi_meas: Vec<f64>,
    chi_pred: Vec<f64>,
    chi_pooled: Vec<f64>,
    w_sv: Vec<f64>,
    j_sv: Vec<f64>,
    j_sv_pred: Vec<f64>,
    record: StepRecord,
}

fn e1_seed(
    cfg: &Config,
    x: &Tensor<f32>,
    y: &Indices,
    act: Act,
    init: InitKind,
    seed: u64,
) -> SeedE1 {
    let mut rng = Rng::seed_from_u64(seed);
    let mut widths = vec![64];
    widths.extend(std::iter::repeat_n(cfg.width, cfg.depth));
    widths.push(10);
    let mut mlp = Mlp::new(&widths, init, act, &mut rng);
    let mut monitor = GradMonitor::new();
    let (pre, post, mut grads) = {
        let tape = Tape::new();
        let (logits, pre, post) = mlp.forward(tape.constant(x.clone()));
        let loss = logits.cross_entropy(y);
        let grads = tape.backward_with(loss, &mut monitor);
        (pre, post, grads)
    };
    monitor.record_params(&mlp, &mut grads);
    let record = monitor.history()[0].clone();
    let ds_rms: Vec<f64> = record
        .layers_of(&[LayerKind::Weighted])
        .map(|l| l.stats.rms())
        .collect();
    assert_eq!(ds_rms.len(), cfg.depth + 1, "one record per dense layer");
    let dw_rms: Vec<f64> = record
        .params
        .iter()
        .filter(|p| p.name.ends_with("weight"))
        .map(|p| p.stats.rms())
        .collect();
    let q: Vec<f64> = pre.iter().map(ms).collect();
    let h_std: Vec<f64> = post.iter().map(std_of).collect();
    let chi_meas: Vec<f64> = (0..cfg.depth - 1)
        .map(|l| (ds_rms[l] / ds_rms[l + 1]).powi(2))
        .collect();
    // χ_l = E[f'(s_l)²] · n_{l+1} Var[W_{l+1}]; W_{l+1} is [widths[l+2], widths[l+1]].
    // Mean field is per input: for a fixed digit x, s_l is Gaussian over the
    // random weights with variance q_l(x) (the digits' norms differ, so one
    // pooled q would make s_1 a scale mixture). E[f'²] is averaged over
    // the examples' measured q_l(x).
    let batch = x.shape()[0];
    let chi_pred: Vec<f64> = (0..cfg.depth - 1)
        .map(|l| {
            let (fan_in, fan_out) = (widths[l + 1], widths[l + 2]);
            let d = pre[l].data();
            let mean_df2 = (0..batch)
                .map(|e| {
                    let row = &d[e * fan_in..(e + 1) * fan_in];
                    let qe = row.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / fan_in as f64;
                    gaussian_mean_with(qe, 1600, |z| act.df(z).powi(2))
                })
                .sum::<f64>()
                / batch as f64;
            mean_df2 * fan_out as f64 * init.var(fan_in, fan_out)
        })
        .collect();
    let chi_pooled: Vec<f64> = (0..cfg.depth - 1)
        .map(|l| {
            let (fan_in, fan_out) = (widths[l + 1], widths[l + 2]);
            gaussian_mean(q[l], |z| act.df(z).powi(2)) * fan_out as f64 * init.var(fan_in, fan_out)
        })
        .collect();
    let (mut w_sv, mut j_sv, mut j_sv_pred) = (Vec::new(), Vec::new(), Vec::new());
    let quarter = 8.0 / (3.0 * std::f64::consts::PI);
    if act == Act::Tanh {
        let n = cfg.width;
        for l in 1..cfg.depth {
            let w = mlp.weight_f64(l);
            w_sv.push(mean_singular_value(&w, n, n));
            // Per example: J = diag(f'(s_{l+1})) W_{l+1}; s of layer index l.
            let s = &pre[l];
            let mut acc = 0.0;
            for e in 0..cfg.jacobian_examples {
                let mut j = w.clone();
                for r in 0..n {
                    let fp = act.df(f64::from(s.data()[e * n + r]));
                    j[r * n..(r + 1) * n].iter_mut().for_each(|v| *v *= fp);
                }
                acc += mean_singular_value(&j, n, n);
            }
            j_sv.push(acc / cfg.jacobian_examples as f64);
            let chi = n as f64 * init.var(n, n) * gaussian_mean(q[l], |z| act.df(z).powi(2));
            j_sv_pred.push(quarter * chi.sqrt());
        }
    }
    SeedE1 {
        h_std,
        q,
        ds_rms,
        dw_rms,
        chi_meas,
        chi_pred,
        chi_pooled,
        w_sv,
        j_sv,
        j_sv_pred,
        record,
    }
}

fn e1(cfg: &Config, digits: &Digits<f32>) -> Vec<InitResult> {
    let rows: Vec<usize> = (0..cfg.eval).collect();
    let idx = Indices::from_vec(rows.clone(), [cfg.eval]).expect("1-D");
    let x = digits.test_x.index_select(0, &idx);
    let y = Indices::from_vec(
        rows.iter().map(|&r| digits.test_y.data()[r]).collect(),
        [cfg.eval],
    )
    .expect("1-D");
    let mut out = Vec::new();
    let combos: Vec<(Act, InitKind)> = [Act::Tanh, Act::Softsign, Act::Sigmoid]
        .iter()
        .flat_map(|&a| [InitKind::Standard, InitKind::Normalized].map(|i| (a, i)))
        .collect();
    let bar = crate::common::progress((combos.len() * cfg.seeds) as u64, "E1 at init");
    for (act, init) in combos {
        let seeds: Vec<SeedE1> = (0..cfg.seeds)
            .map(|k| {
                let r = e1_seed(cfg, &x, &y, act, init, cfg.seed + k as u64);
                bar.inc(1);
                r
            })
            .collect();
        let med = |f: &dyn Fn(&SeedE1) -> &Vec<f64>| -> Vec<f64> {
            let len = f(&seeds[0]).len();
            (0..len)
                .map(|i| median(seeds.iter().map(|s| f(s)[i])))
                .collect()
        };
        let top_bottom = median(seeds.iter().map(|s| s.ds_rms[0] / s.ds_rms[cfg.depth - 1]));
        let top_bottom_pred = median(
            seeds
                .iter()
                .map(|s| s.chi_pred.iter().product::<f64>().sqrt()),
        );
        out.push(InitResult {
            act,
            init,
            h_std: med(&|s| &s.h_std),
            q: med(&|s| &s.q),
            ds_rms: med(&|s| &s.ds_rms),
            dw_rms: med(&|s| &s.dw_rms),
            chi_meas: med(&|s| &s.chi_meas),
            chi_pred: med(&|s| &s.chi_pred),
            chi_pooled: med(&|s| &s.chi_pooled),
            top_bottom,
            top_bottom_pred,
            w_sv: med(&|s| &s.w_sv),
            j_sv: med(&|s| &s.j_sv),
            j_sv_pred: med(&|s| &s.j_sv_pred),
            record: seeds.into_iter().next().expect("≥ 1 seed").record,
        });
    }
    bar.finish_and_clear();
    out
}

// ---------------------------------------------------------------------
// E2.

fn e2_run(cfg: &Config, digits: &Digits<f32>, act: Act, depth: usize) -> TrainResult {
    let mut rng = Rng::seed_from_u64(cfg.seed);
    let mut widths = vec![64];
    widths.extend(std::iter::repeat_n(cfg.width, depth));
    widths.push(10);
    let mut mlp = Mlp::new(&widths, InitKind::Standard, act, &mut rng);
    let mut opt = Sgd::<f32>::new(SgdConfig {
        lr: cfg.lr,
        ..SgdConfig::default()
    })
    .expect("valid lr");
    let idx = Indices::from_vec((0..cfg.eval).collect(), [cfg.eval]).expect("1-D");
    let ex = digits.test_x.index_select(0, &idx);
    let ey = Indices::from_vec(digits.test_y.data()[..cfg.eval].to_vec(), [cfg.eval]).expect("1-D");
    let n = digits.train_x.shape()[0];
    let mut order = permutation(n, &mut rng);
    let mut pos = 0;
    let (mut steps, mut mean, mut p98, mut loss_curve) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut window = Vec::new();
    let mut accuracy = 0.0;
    let mut final_h = Vec::new();
    let bar = crate::common::progress(cfg.updates as u64, &format!("E2 {} ×{depth}", act.name()));
    for step in 0..=cfg.updates {
        if step % cfg.every == 0 {
            let tape = Tape::new();
            let (logits, _, post) = mlp.forward(tape.constant(ex.clone()));
            steps.push(step);
            mean.push(
                post.iter()
                    .map(|h| h.data().iter().map(|&v| f64::from(v)).sum::<f64>() / h.numel() as f64)
                    .collect(),
            );
            p98.push(
                post.iter()
                    .map(|h| {
                        let v = h.data().iter().map(|&v| {
                            if act == Act::Sigmoid {
                                f64::from(v)
                            } else {
                                f64::from(v).abs()
                            }
                        });
                        quantile(v.collect(), 0.98)
                    })
                    .collect(),
            );
            loss_curve.push(if window.is_empty() {
                f64::NAN
            } else {
                window.iter().sum::<f64>() / window.len() as f64
            });
            window.clear();
            if step == cfg.updates {
                accuracy = crate::common::accuracy(&logits.value(), &ey);
                final_h = post
                    .iter()
                    .map(|h| h.data().iter().map(|&v| f64::from(v)).collect())
                    .collect();
                break;
            }
        }
        if pos + cfg.batch > n {
            order = permutation(n, &mut rng);
            pos = 0;
        }
        let (bx, by) = digits.train_batch(&order[pos..pos + cfg.batch]);
        pos += cfg.batch;
        let grads = {
            let tape = Tape::new();
            let (logits, _, _) = mlp.forward(tape.constant(bx));
            let loss = logits.cross_entropy(&by);
            window.push(f64::from(loss.item()));
            tape.backward(loss)
        };
        opt.step(&mut mlp, &grads);
        bar.inc(1);
    }
    bar.finish_and_clear();
    TrainResult {
        act,
        depth,
        steps,
        mean,
        p98,
        loss: loss_curve,
        accuracy,
        final_h,
    }
}

// ---------------------------------------------------------------------

/// Runs E1 and E2 and judges them.
pub fn run(cfg: &Config) -> Outcome {
    let digits = Digits::<f32>::load();
    let init = e1(cfg, &digits);
    let train = cfg
        .train_runs
        .iter()
        .map(|&(act, depth)| e2_run(cfg, &digits, act, depth))
        .collect::<Vec<_>>();
    let tables = judge(cfg, &init, &train);
    Outcome {
        config: cfg.clone(),
        init,
        train,
        tables,
    }
}

fn list(v: &[f64]) -> String {
    v.iter().map(|&x| num(x)).collect::<Vec<_>>().join(" ")
}

fn judge(cfg: &Config, init: &[InitResult], train: &[TrainResult]) -> Vec<Table> {
    let mut tables = Vec::new();
    let find = |a: Act, i: InitKind| init.iter().find(|r| r.act == a && r.init == i);

    // Per-layer χ vs mean field, all six nets.
    let mut t = Table::new(format!(
        "E1 — per-layer backward factor ms(∂C/∂s_l)/ms(∂C/∂s_(l+1)), l = 1..{}, at init \
         (64 → {}×{} → 10, 300 digits, median of {} seeds; Glorot & Bengio 2010 §4.2)",
        cfg.depth - 1,
        cfg.depth,
        cfg.width,
        cfg.seeds
    ));
    for r in init {
        let worst = r
            .chi_meas
            .iter()
            .zip(&r.chi_pred)
            .map(|(m, p)| (m / p - 1.0).abs())
            .fold(0.0f64, f64::max);
        t.check(
            format!("{} {}: χ_l", r.act.name(), r.init.name()),
            if r.init == InitKind::Standard {
                "Fig. 7: shrinks toward the input"
            } else {
                "Fig. 7: about flat"
            },
            list(&r.chi_pred),
            format!(
                "{} (worst {:.1}%; one pooled q predicts {})",
                list(&r.chi_meas),
                100.0 * worst,
                list(&r.chi_pooled)
            ),
            format!("each within ±{:.0}%", 100.0 * CHI_TOLERANCE),
            worst <= CHI_TOLERANCE,
        );
    }
    tables.push(t);

    // The tanh story of Figs. 6–8.
    let mut t =
        Table::new("E1 — tanh at init: activations, ∂C/∂s and ∂C/∂W per hidden layer (Figs. 6–8)");
    for i in [InitKind::Standard, InitKind::Normalized] {
        let Some(r) = find(Act::Tanh, i) else {
            continue;
        };
        t.report(
            format!("tanh {}: std(h_l), l = 1..{}", i.name(), cfg.depth),
            if i == InitKind::Standard {
                "Fig. 6: shrinks going up"
            } else {
                "about constant"
            },
            "—",
            list(&r.h_std),
        );
        t.report(
            format!("tanh {}: rms(∂C/∂s_l)", i.name()),
            if i == InitKind::Standard {
                "Fig. 7: shrinks going down"
            } else {
                "about constant"
            },
            "—",
            list(&r.ds_rms[..cfg.depth]),
        );
        let (crit, pass, paper, pm) = match i {
            InitKind::Standard => (
                format!("< {TANH_STANDARD_MAX_RATIO}"),
                r.top_bottom < TANH_STANDARD_MAX_RATIO,
                "vanishes (Fig. 7)",
                "papers.md 0.10",
            ),
            InitKind::Normalized => (
                format!("> {TANH_NORMALIZED_MIN_RATIO}"),
                r.top_bottom > TANH_NORMALIZED_MIN_RATIO,
                "about flat",
                "papers.md 0.54",
            ),
        };
        t.check(
            format!("tanh {}: rms(∂C/∂s_1)/rms(∂C/∂s_{})", i.name(), cfg.depth),
            format!("{paper}; {pm}"),
            num(r.top_bottom_pred),
            num(r.top_bottom),
            crit,
            pass,
        );
        let dw = &r.dw_rms[..cfg.depth];
        let spread = dw.iter().copied().fold(0.0f64, f64::max)
            / dw.iter().copied().fold(f64::INFINITY, f64::min);
        t.check(
            format!("tanh {}: rms(∂C/∂W_l), max/min over layers", i.name()),
            "Fig. 8: about equal at every layer",
            "1 (linear regime, §4.2.1)",
            format!("{} → {:.2}×", list(dw), spread),
            format!("< {WEIGHT_GRAD_MAX_SPREAD}×"),
            spread < WEIGHT_GRAD_MAX_SPREAD,
        );
    }
    // Singular values.
    for (i, paper, sigma2) in [
        (InitKind::Standard, "≈0.5", 1.0 / 3.0),
        (InitKind::Normalized, "≈0.8", 1.0),
    ] {
        let Some(r) = find(Act::Tanh, i) else {
            continue;
        };
        let pred = 8.0 / (3.0 * std::f64::consts::PI) * f64::sqrt(sigma2);
        let w = median(&r.w_sv);
        let rel = w / pred - 1.0;
        t.check(
            format!(
                "tanh {}: mean singular value of W_l (l = 2..{})",
                i.name(),
                cfg.depth
            ),
            "—",
            format!("{} (quarter circle)", num(pred)),
            format!("{} ({:+.1}%)", num(w), 100.0 * rel),
            format!("within ±{:.0}%", 100.0 * SV_TOLERANCE),
            rel.abs() <= SV_TOLERANCE,
        );
        let j = median(&r.j_sv);
        let target = if i == InitKind::Standard { 0.5 } else { 0.8 };
        t.check(
            format!("tanh {}: mean singular value of ∂h_l/∂h_(l−1)", i.name()),
            format!("{paper} (§4.2)"),
            format!("{} ((8/3π)√χ, approx.)", num(median(&r.j_sv_pred))),
            format!("{} (per layer {})", num(j), list(&r.j_sv)),
            format!("|· − {target}| ≤ {JACOBIAN_SV_TOLERANCE}"),
            (j - target).abs() <= JACOBIAN_SV_TOLERANCE,
        );
    }
    tables.push(t);

    // Cross-check of the quadrature against papers.md's computed table.
    let mut t = Table::new(
        "E1 cross-check — this code's mean-field recursion (σw² equal at every layer, input moment 1) \
         vs papers.md §1.1's computed table",
    );
    for (act, init_name, s2, q_md, chi_md) in papers_md_table() {
        let (q, chi) = mean_field_table(act, s2, 5);
        let worst = q
            .iter()
            .zip(q_md)
            .chain(chi.iter().zip(chi_md))
            .map(|(a, b)| (a - b).abs() / (printed_half_unit(b) + TABLE_TOLERANCE * b))
            .fold(0.0f64, f64::max);
        t.check(
            format!("{} {init_name}: q₁..q₅ | χ₁..χ₅", act.name()),
            format!("{} | {}", list(&q_md), list(&chi_md)),
            format!("{} | {}", list(&q), list(&chi)),
            "— (computed)",
            format!(
                "each within ½ printed unit + {:.0}%",
                100.0 * TABLE_TOLERANCE
            ),
            worst <= 1.0,
        );
    }
    tables.push(t);

    // E2.
    if !train.is_empty() {
        let mut t = Table::new(format!(
            "E2 — activations during training: SGD lr {}, batch {}, {} updates, standard init, \
             statistics on {} fixed digits every {} updates (Glorot & Bengio 2010 §3, Figs. 2–4)",
            cfg.lr, cfg.batch, cfg.updates, cfg.eval, cfg.every
        ));
        for r in train {
            let top = r.depth - 1;
            match r.act {
                Act::Sigmoid => {
                    let quarter = cfg.updates / 4;
                    // The first checkpoint in the first quarter where the top
                    // layer's mean is < threshold and below every lower layer.
                    let hit = r.steps.iter().enumerate().find(|&(k, &s)| {
                        s <= quarter
                            && r.mean[k][top] < SIGMOID_TOP_MEAN_MAX
                            && (0..top).all(|l| r.mean[k][l] > r.mean[k][top])
                    });
                    let kmin = (0..r.steps.len())
                        .filter(|&k| r.steps[k] <= quarter)
                        .min_by(|&a, &b| r.mean[a][top].total_cmp(&r.mean[b][top]))
                        .unwrap_or(0);
                    let measured = match hit {
                        Some((k, s)) => format!("update {s}: layer means {}", list(&r.mean[k])),
                        None => format!(
                            "lowest top mean at update {}: layer means {}",
                            r.steps[kmin],
                            list(&r.mean[kmin])
                        ),
                    };
                    t.check(
                        format!("sigmoid ×{}: top-layer mean early", r.depth),
                        "Fig. 2: top layer → 0 early, lower layers > 0.5",
                        "h → 0 is how the net makes W·h small (§3.1)",
                        measured,
                        format!(
                            "< {SIGMOID_TOP_MEAN_MAX} and below all lower layers, in the first 25%"
                        ),
                        hit.is_some(),
                    );
                    t.report(
                        format!("sigmoid ×{}: layer means at the end", r.depth),
                        "depth 4 desaturates ≈ epoch 100; depth 5 never does",
                        "—",
                        format!(
                            "{} (acc {:.1}%)",
                            list(r.mean.last().expect("≥ 1 checkpoint")),
                            100.0 * r.accuracy
                        ),
                    );
                }
                Act::Tanh | Act::Softsign => {
                    let last = r
                        .final_h
                        .iter()
                        .flatten()
                        .map(|v| v.abs())
                        .collect::<Vec<_>>();
                    let sat = last.iter().filter(|&&v| v > 0.9).count() as f64 / last.len() as f64;
                    let knee = last.iter().filter(|&&v| (0.6..=0.8).contains(&v)).count() as f64
                        / last.len() as f64;
                    t.report(
                        format!(
                            "{} ×{}: 98th pct of |h_l| at the end",
                            r.act.name(),
                            r.depth
                        ),
                        if r.act == Act::Tanh {
                            "Fig. 3: climbs toward 1, layer 1 first"
                        } else {
                            "Fig. 4: saturates less"
                        },
                        "—",
                        format!(
                            "{} (acc {:.1}%)",
                            list(r.p98.last().expect("≥ 1 checkpoint")),
                            100.0 * r.accuracy
                        ),
                    );
                    t.report(
                        format!(
                            "{} ×{}: share of |h| > 0.9 | in [0.6, 0.8]",
                            r.act.name(),
                            r.depth
                        ),
                        if r.act == Act::Tanh {
                            "mass at −1, 0, +1"
                        } else {
                            "peak at the knee ±0.6–0.8"
                        },
                        "—",
                        format!("{:.1}% | {:.1}%", 100.0 * sat, 100.0 * knee),
                    );
                }
            }
        }
        tables.push(t);
    }
    tables
}

// ---------------------------------------------------------------------
// Figures.

/// Draws the figures: per-layer ∂C/∂s and ∂C/∂W (tanh, both inits),
/// measured vs predicted χ_l, the monitor's depth profile, and the E2
/// activation curves.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<PathBuf>> {
    use gradflow::plot::LineChart;
    let mut paths = Vec::new();
    let depth = outcome.config.depth;
    let layers = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .map(|(i, &y)| ((i + 1) as f64, y))
            .collect()
    };
    let tanh: Vec<&InitResult> = outcome.init.iter().filter(|r| r.act == Act::Tanh).collect();

    let mut c = LineChart::new(
        "Tanh at init: ∂C/∂s vanishes toward the input, ∂C/∂W does not (standard init)",
    )
    .x_label("hidden layer l (1 = input side)")
    .y_label("RMS gradient (loss units per unit, log)")
    .log_y();
    for r in &tanh {
        c = c
            .series(
                format!("∂C/∂s_l, {}", r.init.name()),
                layers(&r.ds_rms[..depth]),
            )
            .dashed_series(
                format!("∂C/∂W_l, {}", r.init.name()),
                layers(&r.dw_rms[..depth]),
            );
    }
    for ext in ["svg", "png"] {
        let p = out.file(&format!("glorot_init_tanh_gradients.{ext}"));
        c.save(&p)?;
        paths.push(p);
    }

    let mut c = LineChart::new("Activation spread at init (Glorot Fig. 6): std(h_l)")
        .x_label("hidden layer l")
        .y_label("std of h_l (activation units, log)")
        .log_y();
    for r in &outcome.init {
        c = c.series(
            format!("{} {}", r.act.name(), r.init.name()),
            layers(&r.h_std),
        );
    }
    let p = out.file("glorot_init_activations.svg");
    c.save(&p)?;
    paths.push(p);

    let mut c = LineChart::new(
        "Per-layer backward factor: measured (dots) vs mean field from measured q_l (dashed)",
    )
    .x_label("hidden layer l")
    .y_label("ms(∂C/∂s_l) / ms(∂C/∂s_(l+1)) (log)")
    .log_y();
    for r in &outcome.init {
        let name = format!("{} {}", r.act.name(), r.init.name());
        c = c
            .scatter(format!("{name} measured"), layers(&r.chi_meas))
            .dashed_series(format!("{name} χ_l"), layers(&r.chi_pred));
    }
    let p = out.file("glorot_init_chi.svg");
    c.save(&p)?;
    paths.push(p);

    let runs: Vec<(String, &StepRecord)> = tanh
        .iter()
        .map(|r| (format!("tanh {}", r.init.name()), &r.record))
        .collect();
    let runs: Vec<(&str, &StepRecord)> = runs.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    let p = out.file("glorot_init_depth_profile.svg");
    gradflow::monitor::plot::plot_depth_profile(&runs, &p)?;
    paths.push(p);

    for r in &outcome.train {
        let (what, data, ylab) = match r.act {
            Act::Sigmoid => ("mean activation", &r.mean, "mean of h_l (activation units)"),
            _ => (
                "98th percentile of |h|",
                &r.p98,
                "98th percentile of |h_l| (activation units)",
            ),
        };
        let mut c = LineChart::new(format!(
            "{} ×{} during SGD training: {} per hidden layer (Glorot Fig. {})",
            r.act.name(),
            r.depth,
            what,
            match r.act {
                Act::Sigmoid => 2,
                Act::Tanh => 3,
                Act::Softsign => 4,
            }
        ))
        .x_label("SGD update (batch 10)")
        .y_label(ylab);
        for l in 0..r.depth {
            c = c.series(
                format!("layer {}", l + 1),
                r.steps.iter().zip(data).map(|(&s, row)| (s as f64, row[l])),
            );
        }
        let p = out.file(&format!(
            "glorot_init_train_{}{}.svg",
            r.act.name(),
            r.depth
        ));
        c.save(&p)?;
        paths.push(p);
    }
    Ok(paths)
}
