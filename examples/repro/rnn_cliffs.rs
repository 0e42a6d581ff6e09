//! E11 — Pascanu, Mikolov & Bengio 2013: cliffs in a recurrent error
//! surface, gradient clipping (their Algorithm 1), and the λ₁ < 1/γ
//! condition for vanishing gradients.
//!
//! (a) The single unit of their Eq. 8, `x_t = w·σ(x_{t−1}) + b`, `x_0 = 0.5`,
//! loss `(σ(x_50) − 0.7)²`: the gradient norm over a (w, b) grid spans many
//! orders of magnitude (walls), and gradient descent that hits a wall jumps
//! far unless the gradient is clipped (`gradflow::optim::clip_global_norm`).
//! Exact check: with σ = identity and b = 0, `∂x_T/∂w = T·x_0·w^{T−1}`.
//!
//! (b) A vanilla RNN of 32 units written with tape ops,
//! `x_t = W_rec·σ(x_{t−1}) + W_in·u_t`, `W_rec` rescaled to spectral norm
//! λ₁: `‖∂x_T/∂x_0‖ ≤ (γλ₁)^T` (γ = 1 for tanh, ¼ for sigmoid), so it
//! decays at least that fast when λ₁ < 1/γ.

use gradflow::TapeOptions;
use gradflow::nn::{Module, Param};
use gradflow::optim::{NonFinite, clip_global_norm};
use gradflow::plot::LineChart;
use gradflow::prelude::*;

use crate::common::linalg::spectral_norm;
use crate::common::table::num;
use crate::common::{OutDir, Table, median, progress};

/// Sequence length of the single unit (Pascanu's T = 50).
pub const T_UNIT: usize = 50;
/// Initial state of the single unit.
pub const X0: f64 = 0.5;
/// Target of the single unit's loss.
pub const TARGET: f64 = 0.7;

/// (a) The gradient norm over the grid must span at least this many
/// decades (max/min over grid points with a nonzero gradient).
pub const MIN_DECADES: f64 = 6.0;
/// (a) Unclipped GD: the largest single step must exceed the clipped
/// runs' largest possible step (lr·threshold) by at least this factor.
pub const JUMP_FACTOR: f64 = 10.0;
/// (a) Median final loss over all starts: clipped below this fraction of
/// unclipped.
pub const CLIP_GAIN: f64 = 0.5;
/// (a) A wall start has a gradient norm at least this many thresholds.
pub const WALL_GRAD: f64 = 100.0;
/// (a) Exact check tolerance (relative, f64).
pub const EXACT_TOL: f64 = 1e-12;
/// (b) Slack on the log-slope bound, per step (least-squares slopes of a
/// curve that is bounded by the line are not exactly below it).
pub const SLOPE_SLACK: f64 = 1e-9;

/// The experiment's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Grid points per axis.
    pub grid: usize,
    /// w range of the grid.
    pub w_range: (f64, f64),
    /// b range of the grid.
    pub b_range: (f64, f64),
    /// GD starting points.
    pub starts: usize,
    /// GD steps.
    pub gd_steps: usize,
    /// GD learning rate.
    pub lr: f64,
    /// Clipping threshold (Pascanu: 1.0 on their tasks).
    pub clip: f64,
    /// RNN units.
    pub units: usize,
    /// Longest horizon T for the RNN Jacobian.
    pub horizon: usize,
    /// RNN random networks per (activation, λ₁).
    pub rnn_seeds: usize,
    /// Base seed.
    pub seed: u64,
}

impl Config {
    /// The test's variant.
    pub fn quick() -> Config {
        Config {
            grid: 41,
            horizon: 30,
            rnn_seeds: 5,
            ..Config::standard()
        }
    }

    /// The example's default.
    pub fn standard() -> Config {
        Config {
            grid: 121,
            w_range: (-2.0, 14.0),
            b_range: (-10.0, 4.0),
            starts: 24,
            gd_steps: 300,
            lr: 0.5,
            clip: 1.0,
            units: 32,
            horizon: 50,
            rnn_seeds: 7,
            seed: 0,
        }
    }
}

/// The single unit `x_t = w·σ(x_{t−1}) + b` evaluated on vectors of (w, b)
/// pairs at once: returns `(loss per pair, ∂loss/∂w, ∂loss/∂b)`.
pub fn unit_surface(w: &[f64], b: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = w.len();
    let tape = Tape::<f64>::new();
    let wv = tape.leaf(Tensor::from_vec(w.to_vec(), [n]).expect("length"));
    let bv = tape.leaf(Tensor::from_vec(b.to_vec(), [n]).expect("length"));
    let mut x = tape.constant(Tensor::full([n], X0));
    for _ in 0..T_UNIT {
        x = wv * x.sigmoid() + bv;
    }
    let err = (x.sigmoid() - TARGET).square();
    let losses = err.value().to_vec();
    let grads = tape.backward(err.sum_all());
    (
        losses,
        grads.wrt(wv).expect("leaf").to_vec(),
        grads.wrt(bv).expect("leaf").to_vec(),
    )
}

/// `∂x_T/∂w` of the linear unit `x_t = w·x_{t−1}` by the tape, in f64.
pub fn linear_unit_grad(w: f64, x0: f64, t: usize) -> f64 {
    let tape = Tape::<f64>::new();
    let wv = tape.leaf(Tensor::scalar(w));
    let mut x = tape.constant(Tensor::scalar(x0));
    for _ in 0..t {
        x = wv * x;
    }
    tape.backward(x).wrt(wv).expect("leaf").item()
}

/// The single unit as a module, so the library's clipping applies to it.
pub struct Unit {
    /// Recurrent weight.
    pub w: Param<f64>,
    /// Bias.
    pub b: Param<f64>,
}

impl Module<f64> for Unit {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<f64>)) {
        f("w", &self.w);
        f("b", &self.b);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<f64>)) {
        f("w", &mut self.w);
        f("b", &mut self.b);
    }
    fn describe(&self) -> String {
        "Unit(x_t = w·σ(x_{t−1}) + b)".into()
    }
}

impl Unit {
    fn loss_and_grads(&self) -> (f64, Grads<f64>) {
        let tape = Tape::<f64>::new();
        let w = tape.param(&self.w);
        let b = tape.param(&self.b);
        let mut x = tape.constant(Tensor::full([1], X0));
        for _ in 0..T_UNIT {
            x = w * x.sigmoid() + b;
        }
        let loss = (x.sigmoid() - TARGET).square().sum_all();
        (loss.item(), tape.backward(loss))
    }
}

/// The b at which `x_T` jumps from one attractor to the other at fixed `w`
/// (the wall: the unstable fixed point crosses `x_0`), located by a scan of
/// the loss along b and bisection to f64 resolution.
pub fn wall_b(w: f64, b_range: (f64, f64)) -> f64 {
    let scan = 2001;
    let bs: Vec<f64> = (0..scan)
        .map(|i| b_range.0 + (b_range.1 - b_range.0) * i as f64 / (scan - 1) as f64)
        .collect();
    let xt = |b: &[f64]| -> Vec<f64> {
        let (l, _, _) = unit_surface(&vec![w; b.len()], b);
        l
    };
    let loss = xt(&bs);
    // The largest jump of the loss between neighbours.
    let i = (0..scan - 1)
        .max_by(|&i, &j| {
            (loss[i + 1] - loss[i])
                .abs()
                .total_cmp(&(loss[j + 1] - loss[j]).abs())
        })
        .expect("scan");
    let (mut lo, mut hi) = (bs[i], bs[i + 1]);
    let (l_lo, l_hi) = (loss[i], loss[i + 1]);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        let l = xt(&[mid])[0];
        if (l - l_lo).abs() < (l - l_hi).abs() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A start on the face of the wall at `w`: the closest point to
/// [`wall_b`] (offsets 10⁻², 10⁻³, … on either side) whose gradient norm
/// is at least `WALL_GRAD` × the clipping threshold.
pub fn wall_start(w: f64, cfg: &Config) -> Option<f64> {
    let wb = wall_b(w, cfg.b_range);
    for k in 2..=12 {
        let d = 10f64.powi(-k);
        let cands = [wb + d, wb - d];
        let (_, dw, db) = unit_surface(&[w, w], &cands);
        let g = [dw[0].hypot(db[0]), dw[1].hypot(db[1])];
        let i = if g[0] >= g[1] { 0 } else { 1 };
        if g[i] >= WALL_GRAD * cfg.clip {
            return Some(cands[i]);
        }
    }
    None
}

/// One gradient-descent run on the single unit.
#[derive(Debug, Clone)]
pub struct GdRun {
    /// Starting (w, b).
    pub start: (f64, f64),
    /// Started on a wall?
    pub wall: bool,
    /// Clipped with Algorithm 1?
    pub clipped: bool,
    /// Loss before each step and after the last.
    pub losses: Vec<f64>,
    /// Largest single-step move ‖Δ(w, b)‖.
    pub max_jump: f64,
    /// Steps whose pre-clip gradient norm exceeded the threshold.
    pub clipped_steps: usize,
}

/// Plain GD (optionally with clipping) from `start`.
pub fn gd(start: (f64, f64), wall: bool, clipped: bool, cfg: &Config) -> GdRun {
    let mut unit = Unit {
        w: Param::new(Tensor::full([1], start.0)),
        b: Param::new(Tensor::full([1], start.1)),
    };
    let mut losses = Vec::new();
    let mut max_jump: f64 = 0.0;
    let mut clipped_steps = 0;
    for _ in 0..cfg.gd_steps {
        let (loss, mut grads) = unit.loss_and_grads();
        losses.push(loss);
        if clipped {
            let report = clip_global_norm(&unit, &mut grads, cfg.clip, NonFinite::SkipStep)
                .expect("policy SkipStep does not fail");
            clipped_steps += usize::from(report.clipped);
        } else if grads.global_norm() > cfg.clip {
            clipped_steps += 1;
        }
        let gw = grads.get(&unit.w).map_or(0.0, |g| g.item());
        let gb = grads.get(&unit.b).map_or(0.0, |g| g.item());
        let (w, b) = (unit.w.value().item(), unit.b.value().item());
        let (nw, nb) = (w - cfg.lr * gw, b - cfg.lr * gb);
        max_jump = max_jump.max(((nw - w).powi(2) + (nb - b).powi(2)).sqrt());
        unit.w.set(Tensor::full([1], nw));
        unit.b.set(Tensor::full([1], nb));
    }
    losses.push(unit.loss_and_grads().0);
    GdRun {
        start,
        wall,
        clipped,
        losses,
        max_jump,
        clipped_steps,
    }
}

/// The activation of the RNN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// γ = 1.
    Tanh,
    /// γ = 1/4.
    Sigmoid,
}

impl Act {
    /// The bound γ on the derivative.
    pub fn gamma(self) -> f64 {
        match self {
            Act::Tanh => 1.0,
            Act::Sigmoid => 0.25,
        }
    }
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Act::Tanh => "tanh",
            Act::Sigmoid => "sigmoid",
        }
    }
}

/// ‖∂x_T/∂x_0‖₂ for T = 1..=horizon of one random RNN with
/// `‖W_rec‖₂ = lambda`.
pub fn rnn_jacobian_norms(
    act: Act,
    lambda: f64,
    units: usize,
    horizon: usize,
    seed: u64,
) -> Vec<f64> {
    let n = units;
    let inputs = 4;
    let mut rng = Rng::seed_from_u64(seed);
    let w = Tensor::<f64>::normal([n, n], 0.0, 1.0 / (n as f64).sqrt(), &mut rng);
    let scale = lambda / spectral_norm(w.data(), n);
    let w = w.mul_scalar(scale);
    let w_in = Tensor::<f64>::normal([n, inputs], 0.0, 0.5 / (inputs as f64).sqrt(), &mut rng);
    let x0 = Tensor::<f64>::normal([1, n], 0.0, 1.0, &mut rng);
    let us: Vec<Tensor<f64>> = (0..horizon)
        .map(|_| Tensor::<f64>::normal([1, inputs], 0.0, 1.0, &mut rng))
        .collect();
    // A batch of n identical sequences; seeding x_T with the identity
    // gives the full Jacobian (row i = e_iᵀ·∂x_T/∂x_0) in one sweep.
    let ones = Tensor::<f64>::ones([n, 1]);
    let tape = Tape::<f64>::with_options(TapeOptions::default().with_retain_graph(true));
    let x0v = tape.leaf(ones.matmul(&x0));
    let wt = tape.constant(w.t());
    let w_in_t = tape.constant(w_in.t());
    let mut x = x0v;
    let mut norms = Vec::with_capacity(horizon);
    for u in &us {
        let h = match act {
            Act::Tanh => x.tanh(),
            Act::Sigmoid => x.sigmoid(),
        };
        let drive = tape.constant(ones.matmul(u)).matmul(w_in_t);
        x = h.matmul(wt) + drive;
        let grads = tape.backward_with_seed(x, Tensor::eye(n));
        let j = grads.wrt(x0v).expect("leaf");
        norms.push(spectral_norm(j.data(), n));
    }
    norms
}

/// Least-squares slope of `ln y` against `t = 1, 2, ...`.
pub fn log_slope(y: &[f64]) -> f64 {
    let pts: Vec<(f64, f64)> = y
        .iter()
        .enumerate()
        .map(|(i, v)| ((i + 1) as f64, v.ln()))
        .collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// The RNN cell of part (b) for one (activation, λ₁).
#[derive(Debug, Clone)]
pub struct RnnCell {
    /// Activation.
    pub act: Act,
    /// Spectral norm of W_rec.
    pub lambda: f64,
    /// Per seed: ‖∂x_T/∂x_0‖ for T = 1..=horizon.
    pub norms: Vec<Vec<f64>>,
}

impl RnnCell {
    /// Per-seed log-slopes.
    pub fn slopes(&self) -> Vec<f64> {
        self.norms.iter().map(|n| log_slope(n)).collect()
    }
    /// Whether λ₁ < 1/γ.
    pub fn contractive(&self) -> bool {
        self.lambda * self.act.gamma() < 1.0
    }
    /// Largest `‖J_T‖ / (γλ₁)^T` over seeds and T (≤ 1 by the theorem).
    pub fn worst_bound_ratio(&self) -> f64 {
        let g = self.act.gamma() * self.lambda;
        self.norms
            .iter()
            .flat_map(|n| {
                n.iter()
                    .enumerate()
                    .map(move |(t, v)| v / g.powi(t as i32 + 1))
            })
            .fold(0.0, f64::max)
    }
}

/// The (activation, λ₁) pairs of part (b).
pub const RNN_CELLS: [(Act, f64); 8] = [
    (Act::Tanh, 0.5),
    (Act::Tanh, 0.9),
    (Act::Tanh, 1.5),
    (Act::Tanh, 3.0),
    (Act::Sigmoid, 2.0),
    (Act::Sigmoid, 3.6),
    (Act::Sigmoid, 6.0),
    (Act::Sigmoid, 12.0),
];

/// A curve at fixed w: `(w, [(x, y₁, y₂)])`.
pub type Profile = (f64, Vec<(f64, f64, f64)>);

/// Everything the example reports.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Grid axes.
    pub ws: Vec<f64>,
    /// Grid axes.
    pub bs: Vec<f64>,
    /// Loss on the grid, `[b][w]` row-major.
    pub grid_loss: Vec<f64>,
    /// Gradient norm on the grid, `[b][w]` row-major.
    pub grid_grad: Vec<f64>,
    /// Fine scans along b at a few w: (w, [(b, loss, ‖∇‖)]).
    pub scans: Vec<Profile>,
    /// Approach to the wall at a few w: (w, [(distance, ‖∇‖ above, ‖∇‖ below)]).
    pub wall_profiles: Vec<Profile>,
    /// GD runs.
    pub runs: Vec<GdRun>,
    /// RNN cells.
    pub rnn: Vec<RnnCell>,
    /// Tables.
    pub tables: Vec<Table>,
}

/// Runs parts (a) and (b).
pub fn run(cfg: &Config) -> Outcome {
    // (a) the surface.
    let lin = |(lo, hi): (f64, f64), i: usize| lo + (hi - lo) * i as f64 / (cfg.grid - 1) as f64;
    let ws: Vec<f64> = (0..cfg.grid).map(|i| lin(cfg.w_range, i)).collect();
    let bs: Vec<f64> = (0..cfg.grid).map(|i| lin(cfg.b_range, i)).collect();
    let (mut gw, mut gb) = (Vec::new(), Vec::new());
    for &b in &bs {
        for &w in &ws {
            gw.push(w);
            gb.push(b);
        }
    }
    let (grid_loss, dw, db) = unit_surface(&gw, &gb);
    let grid_grad: Vec<f64> = dw.iter().zip(&db).map(|(a, b)| a.hypot(*b)).collect();
    let nonzero: Vec<f64> = grid_grad.iter().copied().filter(|g| *g > 0.0).collect();
    let gmax = nonzero.iter().copied().fold(0.0, f64::max);
    let gmin = nonzero.iter().copied().fold(f64::INFINITY, f64::min);
    let decades = (gmax / gmin).log10();

    // (a) GD with and without clipping from seeded starts.
    let mut rng = Rng::seed_from_u64(cfg.seed);
    // Half the starts uniform on the grid; half on a wall: at the largest
    // gradient of a fine scan along b at a random w in the bistable range
    // (walls are too thin for random starts to meet them often).
    let mut starts: Vec<(f64, f64, bool)> = Vec::new();
    for k in 0..cfg.starts {
        let u = Tensor::<f64>::uniform([2], 0.0, 1.0, &mut rng).to_vec();
        let w = cfg.w_range.0 + u[0] * (cfg.w_range.1 - cfg.w_range.0);
        if k % 2 == 0 {
            let b = cfg.b_range.0 + u[1] * (cfg.b_range.1 - cfg.b_range.0);
            starts.push((w, b, false));
        } else {
            let w = 5.0 + 7.0 * u[0];
            if let Some(b) = wall_start(w, cfg) {
                starts.push((w, b, true));
            }
        }
    }
    let bar = progress(2 * starts.len() as u64, "E11a GD");
    let mut runs = Vec::new();
    for &(w, b, wall) in &starts {
        for clipped in [false, true] {
            runs.push(gd((w, b), wall, clipped, cfg));
            bar.inc(1);
        }
    }
    bar.finish_and_clear();

    // (a) exact check.
    let exact: Vec<(f64, f64, f64)> = [0.5, 0.9, 1.0, 1.1, -1.3]
        .iter()
        .map(|&w| {
            let t = T_UNIT;
            (
                w,
                linear_unit_grad(w, X0, t),
                t as f64 * X0 * w.powi(t as i32 - 1),
            )
        })
        .collect();
    let exact_err = exact
        .iter()
        .map(|(_, a, b)| ((a - b) / b).abs())
        .fold(0.0, f64::max);

    let mut ta = Table::new(format!(
        "E11a — single unit x_t = w·σ(x_(t−1)) + b, x_0 = {X0}, T = {T_UNIT}, loss (σ(x_T) − {TARGET})², grid {0}×{0}",
        cfg.grid
    ));
    ta.check(
        "σ = id, b = 0: ∂x_T/∂w (tape) vs T·x_0·w^(T−1), max rel. error over 5 w",
        "∂x_t/∂w = t·x_0·w^(t−1) (§2.3)",
        "0 (f64 rounding)",
        format!("{exact_err:.1e}"),
        format!("≤ {EXACT_TOL:e}"),
        exact_err <= EXACT_TOL,
    );
    ta.check(
        "‖∇E‖ over the grid: decades spanned (max/min)",
        "walls: gradient explodes with curvature (Fig. 6)",
        "many orders of magnitude",
        format!("{decades:.1} ({} … {})", num(gmin), num(gmax)),
        format!("≥ {MIN_DECADES}"),
        decades >= MIN_DECADES,
    );
    let pick = |wall: bool, clipped: bool| -> Vec<&GdRun> {
        runs.iter()
            .filter(|r| r.wall == wall && r.clipped == clipped)
            .collect()
    };
    let finals = |v: &[&GdRun]| -> Vec<f64> {
        v.iter()
            .map(|r| *r.losses.last().expect("losses"))
            .collect()
    };
    let (wu, wc) = (pick(true, false), pick(true, true));
    let (ru, rc) = (pick(false, false), pick(false, true));
    let max_jump = |v: &[&GdRun]| v.iter().map(|r| r.max_jump).fold(0.0, f64::max);
    let (max_un, max_cl) = (max_jump(&wu), max_jump(&wc).max(max_jump(&rc)));
    ta.check(
        format!(
            "GD lr {} from {} wall starts (‖∇‖ ≥ {WALL_GRAD}·threshold): largest step, unclipped",
            cfg.lr,
            wu.len()
        ),
        "steps hitting a wall jump far",
        format!("≫ lr·threshold = {}", num(cfg.lr * cfg.clip)),
        num(max_un),
        format!("> {JUMP_FACTOR}·lr·threshold"),
        max_un > JUMP_FACTOR * cfg.lr * cfg.clip,
    );
    ta.check(
        format!(
            "largest step with clipping (threshold {}), all runs",
            cfg.clip
        ),
        "Algorithm 1 bounds the step",
        format!("≤ {}", num(cfg.lr * cfg.clip)),
        num(max_cl),
        "≤ lr·threshold·(1+1e-9)",
        max_cl <= cfg.lr * cfg.clip * (1.0 + 1e-9),
    );
    let (mu, mc) = (median(finals(&wu)), median(finals(&wc)));
    ta.check(
        format!(
            "wall starts: median loss after {} steps, unclipped / clipped",
            cfg.gd_steps
        ),
        "clipped runs keep descending (Fig. 6)",
        "clipped < unclipped",
        format!("{} / {}", num(mu), num(mc)),
        format!("clipped < {CLIP_GAIN}·unclipped"),
        mc < CLIP_GAIN * mu,
    );
    let start_loss = median(wu.iter().map(|r| r.losses[0]));
    ta.report(
        "wall starts: median starting loss",
        "—",
        "—",
        num(start_loss),
    );
    ta.report(
        format!(
            "{} random starts: median loss after {} steps, unclipped / clipped",
            ru.len(),
            cfg.gd_steps
        ),
        "—",
        "—",
        format!(
            "{} / {}",
            num(median(finals(&ru))),
            num(median(finals(&rc)))
        ),
    );
    let thrown = |v: &[&GdRun]| {
        v.iter()
            .filter(|r| r.max_jump > JUMP_FACTOR * cfg.lr * cfg.clip)
            .count()
    };
    ta.report(
        format!("runs with a step > {JUMP_FACTOR}·lr·threshold: wall / random starts, unclipped"),
        "a wall throws the parameters far",
        "—",
        format!(
            "{} of {} / {} of {}",
            thrown(&wu),
            wu.len(),
            thrown(&ru),
            ru.len()
        ),
    );
    let over = |v: &[&GdRun]| v.iter().map(|r| r.clipped_steps).sum::<usize>();
    ta.report(
        "steps with ‖∇‖ > threshold (clipped ones): wall / random starts",
        "—",
        "—",
        format!("{} / {}", over(&wc), over(&rc)),
    );

    // (b) RNN Jacobians.
    let bar = progress((RNN_CELLS.len() * cfg.rnn_seeds) as u64, "E11b RNN");
    let mut rnn = Vec::new();
    for (ci, &(act, lambda)) in RNN_CELLS.iter().enumerate() {
        let mut norms = Vec::new();
        for s in 0..cfg.rnn_seeds {
            norms.push(rnn_jacobian_norms(
                act,
                lambda,
                cfg.units,
                cfg.horizon,
                cfg.seed + 1000 * ci as u64 + s as u64,
            ));
            bar.inc(1);
        }
        rnn.push(RnnCell { act, lambda, norms });
    }
    bar.finish_and_clear();
    let mut tb = Table::new(format!(
        "E11b — vanilla RNN, {} units, x_t = W_rec·σ(x_(t−1)) + W_in·u_t, ‖W_rec‖₂ = λ₁, T ≤ {}, {} nets: log-slope of ‖∂x_T/∂x_0‖₂",
        cfg.units, cfg.horizon, cfg.rnn_seeds
    ));
    for c in &rnn {
        let g = c.act.gamma() * c.lambda;
        let slopes = c.slopes();
        let worst_slope = slopes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let name = format!("{} λ₁ = {}", c.act.name(), c.lambda);
        if c.contractive() {
            let ratio = c.worst_bound_ratio();
            tb.check(
                format!("{name} (γλ₁ = {g}): max slope over nets"),
                "λ₁ < 1/γ ⇒ vanishing (§2.1)",
                format!("≤ ln(γλ₁) = {:.3}", g.ln()),
                format!("{worst_slope:.3} (median {:.3})", median(&slopes)),
                "≤ ln(γλ₁)",
                worst_slope <= g.ln() + SLOPE_SLACK,
            );
            tb.check(
                format!("{name}: max over T, nets of ‖J_T‖/(γλ₁)^T"),
                "‖∂x_T/∂x_0‖ ≤ η^T",
                "≤ 1",
                format!("{ratio:.3}"),
                "≤ 1 + 1e-9",
                ratio <= 1.0 + 1e-9,
            );
        } else {
            tb.report(
                format!("{name} (γλ₁ = {g}): slope median (max)"),
                "λ₁ > 1/γ necessary for explosion",
                format!("≤ ln(γλ₁) = {:.3}", g.ln()),
                format!("{:.3} ({worst_slope:.3})", median(&slopes)),
            );
        }
    }
    let scans = [6.0, 8.0, 10.0]
        .iter()
        .map(|&w| {
            let n = 4001;
            let bs: Vec<f64> = (0..n)
                .map(|i| {
                    cfg.b_range.0 + (cfg.b_range.1 - cfg.b_range.0) * i as f64 / (n - 1) as f64
                })
                .collect();
            let (l, dw, db) = unit_surface(&vec![w; n], &bs);
            let pts = (0..n).map(|i| (bs[i], l[i], dw[i].hypot(db[i]))).collect();
            (w, pts)
        })
        .collect();
    let wall_profiles = [6.0, 8.0, 10.0]
        .iter()
        .map(|&w| {
            let wb = wall_b(w, cfg.b_range);
            let ds: Vec<f64> = (0..=140)
                .map(|k| 10f64.powf(-14.0 + 0.1 * k as f64))
                .collect();
            let above: Vec<f64> = ds.iter().map(|d| wb + d).collect();
            let below: Vec<f64> = ds.iter().map(|d| wb - d).collect();
            let norm = |b: &[f64]| {
                let (_, dw, db) = unit_surface(&vec![w; b.len()], b);
                dw.iter()
                    .zip(&db)
                    .map(|(a, b)| a.hypot(*b))
                    .collect::<Vec<_>>()
            };
            let (ga, gb) = (norm(&above), norm(&below));
            (w, (0..ds.len()).map(|i| (ds[i], ga[i], gb[i])).collect())
        })
        .collect();
    Outcome {
        wall_profiles,
        scans,
        ws,
        bs,
        grid_loss,
        grid_grad,
        runs,
        rnn,
        tables: vec![ta, tb],
    }
}

/// Draws the figures.
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<std::path::PathBuf>> {
    let mut paths = Vec::new();
    let nw = outcome.ws.len();
    // (a) the whole grid as CSV, for a heat map elsewhere.
    let mut csv = String::from("w,b,loss,grad_norm\n");
    for (bi, b) in outcome.bs.iter().enumerate() {
        for (wi, w) in outcome.ws.iter().enumerate() {
            let k = bi * nw + wi;
            csv += &format!(
                "{w},{b},{},{}\n",
                outcome.grid_loss[k], outcome.grid_grad[k]
            );
        }
    }
    paths.push(out.write("rnn_cliffs_grid.csv", &csv)?);
    // (a) fine scans along b at a few w: the cliff and its gradient spike.
    let mut chart = LineChart::new(format!("Single unit, T = {T_UNIT}: ‖∇E‖ near the wall"))
        .x_label("distance |b − b_wall| at fixed w (b units)")
        .y_label("‖∂E/∂(w, b)‖ (loss per unit parameter)")
        .log_x()
        .log_y();
    for (w, pts) in &outcome.wall_profiles {
        chart = chart
            .series(
                format!("w = {w}, b above the wall"),
                pts.iter().map(|p| (p.0, p.1)),
            )
            .dashed_series(
                format!("w = {w}, b below the wall"),
                pts.iter().map(|p| (p.0, p.2)),
            );
    }
    chart = chart.hline(1.0, "clipping threshold 1");
    for name in ["rnn_cliffs_wall.svg", "rnn_cliffs_wall.png"] {
        let p = out.file(name);
        chart.save(&p)?;
        paths.push(p);
    }
    let mut chart = LineChart::new(format!("Single unit, T = {T_UNIT}: ‖∇E‖ along b"))
        .x_label("b (bias)")
        .y_label("‖∂E/∂(w, b)‖ (loss per unit parameter)")
        .log_y();
    for (w, pts) in &outcome.scans {
        chart = chart.series(format!("w = {w}"), pts.iter().map(|p| (p.0, p.2)));
    }
    let p = out.file("rnn_cliffs_surface.svg");
    chart.save(&p)?;
    paths.push(p);
    let mut chart = LineChart::new(format!("Single unit, T = {T_UNIT}: loss along b (cliffs)"))
        .x_label("b (bias)")
        .y_label("E = (σ(x_T) − 0.7)²");
    for (w, pts) in &outcome.scans {
        chart = chart.series(format!("w = {w}"), pts.iter().map(|p| (p.0, p.1)));
    }
    let p = out.file("rnn_cliffs_loss_slices.svg");
    chart.save(&p)?;
    paths.push(p);
    // (a) GD loss curves.
    let mut chart = LineChart::new("GD from wall starts (‖∇E‖ ≥ 100): with and without clipping")
        .x_label("step")
        .y_label("loss E")
        .log_y();
    for r in outcome.runs.iter().filter(|r| r.wall).take(6) {
        let pts = r.losses.iter().enumerate().map(|(t, l)| (t as f64, *l));
        let name = format!(
            "{} ({:.2}, {:.2}) {}",
            if r.wall { "wall" } else { "random" },
            r.start.0,
            r.start.1,
            if r.clipped { "clipped" } else { "unclipped" }
        );
        chart = if r.clipped {
            chart.series(name, pts)
        } else {
            chart.dashed_series(name, pts)
        };
    }
    let p = out.file("rnn_cliffs_gd.svg");
    chart.save(&p)?;
    paths.push(p);
    // (b) Jacobian norms against T, median over nets, with the bounds.
    let mut chart = LineChart::new("Vanilla RNN: ‖∂x_T/∂x_0‖₂ against T (median over nets)")
        .x_label("T (time steps)")
        .y_label("‖∂x_T/∂x_0‖₂")
        .log_y();
    for c in &outcome.rnn {
        let horizon = c.norms[0].len();
        let med: Vec<(f64, f64)> = (0..horizon)
            .map(|t| {
                let v: Vec<f64> = c.norms.iter().map(|n| n[t]).collect();
                ((t + 1) as f64, median(&v))
            })
            .collect();
        chart = chart.series(format!("{} λ₁={}", c.act.name(), c.lambda), med);
        if c.contractive() {
            let g = c.act.gamma() * c.lambda;
            chart = chart.dashed_series(
                format!("(γλ₁)^T = {g}^T"),
                (1..=horizon).map(|t| (t as f64, g.powi(t as i32))),
            );
        }
    }
    let p = out.file("rnn_cliffs_jacobian.svg");
    chart.save(&p)?;
    paths.push(p);
    Ok(paths)
}
