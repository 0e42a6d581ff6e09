//! E9 — Ba, Kiros & Hinton 2016, "Layer Normalization".
//!
//! (a) Table 1's invariances, tested exactly (f64, eps = 0, maximum
//! absolute output change ≤ 1e-10 for "invariant", ≥ 1e-3 for "not"): a
//! `Dense` (no bias) followed by gradflow's `BatchNorm1d` (training mode)
//! or `LayerNorm`, under the six transformations of the weights and the
//! data.
//!
//! (b) Fig. 6's batch-size robustness on the digits: a 64 → 256 → 256 → 10
//! ReLU MLP trained with Adam, with no normalization, BN or LN on the hidden
//! layers, at batch 128 and batch 4. LN's final training loss barely
//! depends on the batch size; BN's does.

use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, LayerNorm, Relu, Sequential};
use gradflow::optim::{Adam, AdamConfig, Optimizer};
use gradflow::prelude::*;

use crate::common::table::num;
use crate::common::{Digits, OutDir, Table, accuracy, median, permutation, progress};

/// Pass (a): an invariant output moves by at most this (max abs, f64).
pub const INVARIANT_TOL: f64 = 1e-10;
/// Pass (a): a non-invariant output moves by at least this.
pub const CHANGED_MIN: f64 = 1e-3;

/// The two normalizations of (a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// `BatchNorm1d`, training mode (batch statistics).
    Batch,
    /// `LayerNorm` over the features.
    Layer,
}

/// Table 1's six transformations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// `W → δW`.
    WeightMatrixRescale,
    /// `W → δW + 1γᵀ` (Ba et al. Eq. 6: rescale and recenter together).
    WeightMatrixRecenter,
    /// Row `i` of `W` times `c_i` (one incoming weight vector per neuron).
    WeightVectorRescale,
    /// Every input `x → δx`.
    DatasetRescale,
    /// Every input `x → x + c` (one shift for the whole dataset).
    DatasetRecenter,
    /// One input `x₀ → δx₀` (Ba et al. Eq. 7).
    SingleCaseRescale,
}

impl Transform {
    /// All six, in Table 1's column order.
    pub const ALL: [Transform; 6] = [
        Transform::WeightMatrixRescale,
        Transform::WeightMatrixRecenter,
        Transform::WeightVectorRescale,
        Transform::DatasetRescale,
        Transform::DatasetRecenter,
        Transform::SingleCaseRescale,
    ];

    /// Table 1's column name.
    pub fn name(self) -> &'static str {
        match self {
            Transform::WeightMatrixRescale => "weight matrix rescale",
            Transform::WeightMatrixRecenter => "weight matrix re-centering (δW + 1γᵀ)",
            Transform::WeightVectorRescale => "weight vector rescale",
            Transform::DatasetRescale => "dataset rescale",
            Transform::DatasetRecenter => "dataset re-centering",
            Transform::SingleCaseRescale => "single training case rescale",
        }
    }

    /// Ba et al. Table 1: whether `norm` is invariant to this.
    pub fn invariant_in_paper(self, norm: Norm) -> bool {
        use Transform::*;
        match norm {
            Norm::Batch => !matches!(self, WeightMatrixRecenter | SingleCaseRescale),
            Norm::Layer => !matches!(self, WeightVectorRescale | DatasetRecenter),
        }
    }
}

/// `norm(x·Wᵀ)` in f64 with gradflow's layers, random affine γ, β.
pub fn normalized(
    norm: Norm,
    w: &Tensor<f64>,
    x: &Tensor<f64>,
    eps: f64,
    seed: u64,
) -> Tensor<f64> {
    let h = w.shape()[0];
    let mut rng = Rng::seed_from_u64(seed);
    let gamma = Tensor::<f64>::uniform([h], 0.5, 1.5, &mut rng);
    let beta = Tensor::<f64>::normal([h], 0.0, 1.0, &mut rng);
    let mut dense = Dense::from_tensors(w.clone(), None);
    let mut layer: Box<dyn Layer<f64>> = match norm {
        Norm::Batch => Box::new(BatchNorm1d::new(h).with_eps(eps)),
        Norm::Layer => Box::new(LayerNorm::new(&[h]).with_eps(eps)),
    };
    layer.visit_params_mut(&mut |name, p| {
        p.set(if name == "weight" {
            gamma.clone()
        } else {
            beta.clone()
        });
    });
    let tape = Tape::new();
    layer
        .forward(dense.forward(tape.constant(x.clone())))
        .value()
}

/// Applies `t` to `(W, X)`.
pub fn transform(
    t: Transform,
    w: &Tensor<f64>,
    x: &Tensor<f64>,
    rng: &mut Rng,
) -> (Tensor<f64>, Tensor<f64>) {
    let (h, d) = (w.shape()[0], w.shape()[1]);
    let n = x.shape()[0];
    let delta = 3.7;
    match t {
        Transform::WeightMatrixRescale => (w.mul_scalar(delta), x.clone()),
        Transform::WeightMatrixRecenter => {
            let g = Tensor::<f64>::normal([1, d], 0.0, 1.0, rng);
            (&w.mul_scalar(delta) + &g, x.clone())
        }
        Transform::WeightVectorRescale => {
            let c = Tensor::<f64>::uniform([h, 1], 0.3, 3.0, rng);
            (w * &c, x.clone())
        }
        Transform::DatasetRescale => (w.clone(), x.mul_scalar(delta)),
        Transform::DatasetRecenter => {
            let c = Tensor::<f64>::normal([1, d], 0.0, 1.0, rng);
            (w.clone(), x + &c)
        }
        Transform::SingleCaseRescale => {
            let mut s = vec![1.0; n];
            s[0] = delta;
            let s = Tensor::from_vec(s, [n, 1]).expect("n scales");
            (w.clone(), x * &s)
        }
    }
}

/// `max |norm(t(W, X)) − norm(W, X)|` at `eps`.
pub fn invariance_gap(norm: Norm, t: Transform, eps: f64, seed: u64) -> f64 {
    let mut rng = Rng::seed_from_u64(seed);
    let w = Tensor::<f64>::normal([12, 8], 0.0, 0.5, &mut rng);
    let x = Tensor::<f64>::normal([16, 8], 0.3, 1.0, &mut rng);
    let before = normalized(norm, &w, &x, eps, seed + 1);
    let (w2, x2) = transform(t, &w, &x, &mut rng);
    let after = normalized(norm, &w2, &x2, eps, seed + 1);
    before
        .data()
        .iter()
        .zip(after.data())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// What to run in (b).
#[derive(Debug, Clone)]
pub struct Config {
    /// Hidden width.
    pub width: usize,
    /// Training epochs for every run (both batch sizes).
    pub epochs: usize,
    /// The two batch sizes.
    pub batches: (usize, usize),
    /// Seeds (medians over them).
    pub seeds: u64,
    /// First seed.
    pub seed: u64,
}

impl Config {
    /// The example's default.
    pub fn standard() -> Config {
        Config {
            width: 256,
            epochs: 4,
            batches: (128, 4),
            seeds: 5,
            seed: 0,
        }
    }

    /// The test's variant.
    #[allow(dead_code)] // used by tests/repro_layer_norm.rs
    pub fn quick() -> Config {
        Config {
            epochs: 2,
            seeds: 3,
            ..Config::standard()
        }
    }
}

/// The (b) variants.
pub const VARIANTS: [&str; 3] = ["none", "BN", "LN"];

/// One (b) run: the train NLL (eval mode, whole training set) after each
/// epoch.
#[derive(Debug, Clone)]
#[allow(dead_code)] // `test_acc` is for callers
pub struct Curve {
    /// Variant name.
    pub variant: &'static str,
    /// Batch size.
    pub batch: usize,
    /// `(epoch, train NLL)`, epoch 0 = init.
    pub nll: Vec<(f64, f64)>,
    /// Final test accuracy.
    pub test_acc: f64,
}

/// Everything `run` measured.
#[derive(Debug, Clone)]
#[allow(dead_code)] // the raw numbers are for callers; the example prints the tables
pub struct Outcome {
    /// (a) `(norm, transform, gap at eps 0, gap at eps 1e-5)`.
    pub invariances: Vec<(Norm, Transform, f64, f64)>,
    /// (b) seed-0 curves.
    pub curves: Vec<Curve>,
    /// (b) per variant: median final train NLL at (large, small) batch.
    pub finals: Vec<(&'static str, f64, f64)>,
    /// The tables.
    pub tables: Vec<Table>,
}

fn mlp(variant: &str, width: usize, rng: &mut Rng) -> Sequential<f32> {
    let mut net = Sequential::new();
    let mut inputs = 64;
    for _ in 0..2 {
        net.add(Dense::new(inputs, width, Init::he_normal(), rng));
        match variant {
            "BN" => net.add(BatchNorm1d::new(width)),
            "LN" => net.add(LayerNorm::new(&[width])),
            _ => {}
        }
        net.add(Relu);
        inputs = width;
    }
    net.add(Dense::new(width, 10, Init::xavier_uniform(), rng));
    net
}

fn eval_nll(net: &mut Sequential<f32>, x: &Tensor<f32>, y: &Indices) -> (f64, Tensor<f32>) {
    gradflow::nn::eval(net);
    let tape = Tape::new();
    let logits = net.forward(tape.constant(x.clone()));
    let nll = f64::from(logits.cross_entropy(y).item());
    gradflow::nn::train(net);
    (nll, logits.value())
}

fn train(
    cfg: &Config,
    data: &Digits<f32>,
    variant: &'static str,
    batch: usize,
    seed: u64,
) -> Curve {
    let mut rng = Rng::seed_from_u64(seed);
    let mut net = mlp(variant, cfg.width, &mut rng);
    let mut opt = Adam::new(AdamConfig::default()).expect("default Adam");
    let n = data.train_x.shape()[0];
    let mut nll = vec![(0.0, eval_nll(&mut net, &data.train_x, &data.train_y).0)];
    for epoch in 1..=cfg.epochs {
        let order = permutation(n, &mut rng);
        // Drop the last incomplete batch (BN cannot train on one example).
        for rows in order.chunks_exact(batch) {
            let (x, y) = data.train_batch(rows);
            let grads = {
                let tape = Tape::new();
                let logits = net.forward(tape.constant(x));
                tape.backward(logits.cross_entropy(&y))
            };
            opt.step(&mut net, &grads);
        }
        nll.push((
            epoch as f64,
            eval_nll(&mut net, &data.train_x, &data.train_y).0,
        ));
    }
    let (_, logits) = eval_nll(&mut net, &data.test_x, &data.test_y);
    Curve {
        variant,
        batch,
        nll,
        test_acc: accuracy(&logits, &data.test_y),
    }
}

/// Runs E9.
pub fn run(cfg: &Config) -> Outcome {
    let mut a = Table::new(
        "E9a — Ba et al. Table 1 invariances, exact: max |Δ output| of Dense → norm in f64, eps = 0",
    );
    let mut invariances = Vec::new();
    for norm in [Norm::Batch, Norm::Layer] {
        for (k, t) in Transform::ALL.into_iter().enumerate() {
            let gap = invariance_gap(norm, t, 0.0, 10 + k as u64);
            let gap_eps = invariance_gap(norm, t, 1e-5, 10 + k as u64);
            invariances.push((norm, t, gap, gap_eps));
            let inv = t.invariant_in_paper(norm);
            let label = match norm {
                Norm::Batch => "BatchNorm",
                Norm::Layer => "LayerNorm",
            };
            a.check(
                format!("{label}: {}", t.name()),
                if inv { "invariant" } else { "not invariant" },
                if inv { "Δ = 0" } else { "Δ ≠ 0" },
                format!("{gap:.1e} (eps 1e-5: {gap_eps:.1e})"),
                if inv {
                    format!("≤ {INVARIANT_TOL:.0e}")
                } else {
                    format!("≥ {CHANGED_MIN:.0e}")
                },
                if inv {
                    gap <= INVARIANT_TOL
                } else {
                    gap >= CHANGED_MIN
                },
            );
        }
    }

    let data = Digits::<f32>::load();
    let (big, small) = cfg.batches;
    let bar = progress(
        (VARIANTS.len() * 2) as u64 * cfg.seeds,
        "E9b batch-size robustness",
    );
    let mut curves = Vec::new();
    let mut finals = Vec::new();
    for variant in VARIANTS {
        let mut end = [Vec::new(), Vec::new()];
        for s in 0..cfg.seeds {
            for (i, batch) in [big, small].into_iter().enumerate() {
                let c = train(cfg, &data, variant, batch, cfg.seed + s);
                end[i].push(c.nll.last().map_or(f64::NAN, |p| p.1));
                if s == 0 {
                    curves.push(c);
                }
                bar.inc(1);
            }
        }
        let [e_big, e_small] = end;
        finals.push((variant, median(&e_big), median(&e_small)));
    }
    bar.finish_and_clear();

    let mut b = Table::new(format!(
        "E9b — Ba et al. Fig. 6 on the digits: 64→{w}→{w}→10 ReLU, Adam (defaults), {e} epochs, final train NLL (eval mode), median of {s} seeds",
        w = cfg.width,
        e = cfg.epochs,
        s = cfg.seeds
    ));
    let get = |v: &str| {
        finals
            .iter()
            .find(|f| f.0 == v)
            .map_or((f64::NAN, f64::NAN), |f| (f.1, f.2))
    };
    // Batch-size penalty: how much worse the final train NLL is at the
    // small batch than at the large one (negative: better). At equal
    // epochs the small batch takes 32× more Adam steps, so an unnormalized
    // net improves a lot; the penalty is what normalization adds to that.
    let penalty = |v: &str| {
        let (nb, ns) = get(v);
        ns - nb
    };
    for &(v, nb, ns) in &finals {
        b.report(
            format!("{v}: train NLL at batch {big} / batch {small}"),
            match v {
                "LN" => "robust to batch size",
                "BN" => "degrades at batch 4",
                _ => "—",
            },
            "—",
            format!("{} / {} (penalty {})", num(nb), num(ns), num(ns - nb)),
        );
    }
    b.check(
        format!("batch-size penalty NLL(batch {small}) − NLL(batch {big}): LN vs BN"),
        "LN robust, BN not (Fig. 6)",
        "LN < BN",
        format!("LN {}, BN {}", num(penalty("LN")), num(penalty("BN"))),
        "LN < BN",
        penalty("LN") < penalty("BN"),
    );
    let rel = |v: &str| get(v).1 / get("none").1;
    b.check(
        format!("batch {small}: final train NLL relative to no normalization"),
        "BN worst at batch 4 (Fig. 6 right)",
        "LN/none < BN/none",
        format!("LN {}, BN {}", num(rel("LN")), num(rel("BN"))),
        "LN < BN",
        rel("LN") < rel("BN"),
    );

    Outcome {
        invariances,
        curves,
        finals,
        tables: vec![a, b],
    }
}

/// Writes the figures: the train-NLL curves of (b) (headline, SVG + PNG).
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<std::path::PathBuf>> {
    use gradflow::plot::LineChart;
    let mut written = Vec::new();
    let mut chart = LineChart::new("E9b: train NLL vs epoch — none / BN / LN at batch 128 and 4")
        .x_label("epoch")
        .y_label("train NLL (nats, eval mode, 1437 digits)")
        .log_y();
    for c in &outcome.curves {
        let name = format!("{} batch {}", c.variant, c.batch);
        chart = if c.batch == outcome.curves[0].batch {
            chart.series(name, c.nll.clone())
        } else {
            chart.dashed_series(name, c.nll.clone())
        };
    }
    for ext in ["svg", "png"] {
        let p = out.file(&format!("layer_norm_batch_size.{ext}"));
        chart.save(&p)?;
        written.push(p);
    }
    Ok(written)
}
