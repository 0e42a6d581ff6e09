//! The generator of a GAN: Goodfellow et al. 2014, §3.
//!
//! "Early in learning, when G is poor, D can reject samples with high
//! confidence because they are clearly different from the training data.
//! In this case, log(1 − D(G(z))) saturates. Rather than training G to
//! minimize log(1 − D(G(z))) we can train G to maximize log D(G(z))."
//!
//! A small GAN on 8 Gaussians on a circle of radius 2 (std 0.05): a
//! generator MLP 2 → 64 → 64 → 2 and a discriminator MLP 2 → 64 → 64 → 1
//! (LeakyReLU 0.2), each with its own tape step and Adam. The discriminator
//! is first pretrained against the frozen initial generator until it is
//! confident; then both nets train, one D step and one G step per
//! iteration. The generator loss is either (a) the saturating
//! `log(1 − σ(s)) = −softplus(s)` (minimized) or (b) the non-saturating
//! `−log σ(s) = softplus(−s)`, with `s` the discriminator's logit on
//! `G(z)`. A `GradMonitor` records the generator's global gradient norm at
//! every step (the discriminator's parameters are on the tape of the G
//! step, but only G's gradients are recorded and only G's optimizer
//! steps).

use gradflow::monitor::GradMonitor;
use gradflow::nn::{Dense, Init, Layer, LeakyRelu, Module, Relu, Sequential};
use gradflow::optim::{Adam, AdamConfig, Optimizer};
use gradflow::prelude::*;

use crate::common::table::num;
use crate::common::{OutDir, Table, median, progress};

/// Headline (frozen, calibrated once on seed 0 with the standard config):
/// over the last `CONF_WINDOW` steps of D's pretraining (G frozen; the
/// same G, D and noise batches for both losses), the median non-saturating
/// generator gradient norm is at least this many times the saturating one.
pub const MIN_RATIO_CONFIDENT: f64 = 100.0;

/// The headline's window: the last this-many pretraining steps.
pub const CONF_WINDOW: usize = 200;

/// Number of mixture components.
pub const MODES: usize = 8;
/// Radius of the circle of means.
pub const RADIUS: f64 = 2.0;
/// Standard deviation of each component.
pub const STD: f64 = 0.05;

/// The two generator losses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenLoss {
    /// Minimize `log(1 − D(G(z))) = −softplus(s)`.
    Saturating,
    /// Minimize `−log D(G(z)) = softplus(−s)`.
    NonSaturating,
}

impl GenLoss {
    /// Both, in the order of the tables.
    pub const ALL: [GenLoss; 2] = [GenLoss::Saturating, GenLoss::NonSaturating];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            GenLoss::Saturating => "saturating",
            GenLoss::NonSaturating => "non-saturating",
        }
    }

    /// The formula.
    pub fn formula(self) -> &'static str {
        match self {
            GenLoss::Saturating => "log(1 − D(G(z)))",
            GenLoss::NonSaturating => "−log D(G(z))",
        }
    }

    fn loss<'t>(self, s: Var<'t, f32>) -> Var<'t, f32> {
        match self {
            GenLoss::Saturating => s.softplus().neg().mean_all(),
            GenLoss::NonSaturating => s.neg().softplus().mean_all(),
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Hidden width of both nets.
    pub width: usize,
    /// Batch size (real and fake).
    pub batch: usize,
    /// Discriminator-only steps against the frozen initial generator.
    pub pretrain: usize,
    /// Adversarial iterations (one D step, one G step each).
    pub steps: usize,
    /// Adam learning rate (both nets).
    pub lr: f64,
    /// Samples drawn for the mode-coverage count.
    pub eval_samples: usize,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// The example's default.
    pub fn standard() -> Config {
        Config {
            width: 64,
            batch: 128,
            pretrain: 2000,
            steps: 3000,
            lr: 1e-3,
            eval_samples: 2000,
            seed: 0,
        }
    }

    /// The test's variant.
    #[allow(dead_code)] // used by tests/repro_gan_generator.rs
    pub fn quick() -> Config {
        Config {
            steps: 300,
            eval_samples: 1000,
            ..Config::standard()
        }
    }
}

/// One training run.
#[derive(Debug, Clone)]
#[allow(dead_code)] // some numbers are for callers
pub struct Run {
    /// The generator loss.
    pub loss: GenLoss,
    /// `(step, ‖∇G‖)`: steps `−pretrain..0` are D's pretraining (G frozen,
    /// its gradient only measured), `0..steps` the adversarial phase.
    pub grad_norm: Vec<(f64, f64)>,
    /// `(step, mean D(G(z)))` on the G step's batch.
    pub d_fake: Vec<(f64, f64)>,
    /// Generated samples at the end.
    pub samples: Vec<(f64, f64)>,
    /// Modes with a sample within 3σ of their mean.
    pub modes_covered: usize,
    /// Fraction of samples within 3σ of some mean.
    pub high_quality: f64,
}

/// Everything `run` measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The runs, saturating first.
    pub runs: Vec<Run>,
    /// Target samples for the figures.
    pub target: Vec<(f64, f64)>,
    /// The tables.
    pub tables: Vec<Table>,
}

fn centers() -> Vec<(f64, f64)> {
    (0..MODES)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * k as f64 / MODES as f64;
            (RADIUS * a.cos(), RADIUS * a.sin())
        })
        .collect()
}

/// `n` samples of the mixture, `[n, 2]`.
pub fn sample_target(n: usize, rng: &mut Rng) -> Tensor<f32> {
    let c = centers();
    let u = Tensor::<f64>::uniform([n], 0.0, 1.0, rng);
    let e = Tensor::<f64>::normal([n, 2], 0.0, STD, rng);
    let mut v = Vec::with_capacity(2 * n);
    for (i, ui) in u.data().iter().enumerate() {
        let k = ((ui * MODES as f64) as usize).min(MODES - 1);
        v.push((c[k].0 + e.data()[2 * i]) as f32);
        v.push((c[k].1 + e.data()[2 * i + 1]) as f32);
    }
    Tensor::from_vec(v, [n, 2]).expect("n×2 values")
}

/// The generator's output layer (weights and bias) is scaled by this at
/// init, so that G starts as a "poor" generator (Goodfellow et al.'s
/// "early in learning"): its samples sit in a small blob at the origin,
/// far from every mode, where a discriminator can become confident.
pub const G_OUT_GAIN: f32 = 0.1;

fn generator(width: usize, rng: &mut Rng) -> Sequential<f32> {
    let mut g = Sequential::new()
        .push(Dense::new(2, width, Init::he_normal(), rng))
        .push(Relu)
        .push(Dense::new(width, width, Init::he_normal(), rng))
        .push(Relu)
        .push(Dense::new(width, 2, Init::xavier_uniform(), rng));
    g.visit_params_mut(&mut |name, p| {
        if name.starts_with("4.") {
            let v = p.value().mul_scalar(G_OUT_GAIN);
            p.set(v);
        }
    });
    g
}

fn discriminator(width: usize, rng: &mut Rng) -> Sequential<f32> {
    Sequential::new()
        .push(Dense::new(2, width, Init::he_normal(), rng))
        .push(LeakyRelu {
            negative_slope: 0.2,
        })
        .push(Dense::new(width, width, Init::he_normal(), rng))
        .push(LeakyRelu {
            negative_slope: 0.2,
        })
        .push(Dense::new(width, 1, Init::xavier_uniform(), rng))
}

fn adam(lr: f64) -> Adam {
    Adam::new(AdamConfig {
        lr,
        betas: (0.5, 0.999),
        ..AdamConfig::default()
    })
    .expect("valid Adam")
}

/// One discriminator step on a real and a fake batch (the fakes enter as
/// constants: no gradient reaches G).
fn d_step(
    g: &mut Sequential<f32>,
    d: &mut Sequential<f32>,
    opt: &mut Adam,
    cfg: &Config,
    rng: &mut Rng,
) {
    let real = sample_target(cfg.batch, rng);
    let z = Tensor::<f32>::normal([cfg.batch, 2], 0.0, 1.0, rng);
    let fake = {
        let tape = Tape::new();
        g.forward(tape.constant(z)).value()
    };
    let grads = {
        let tape = Tape::new();
        let sr = d.forward(tape.constant(real));
        let sf = d.forward(tape.constant(fake));
        let lr = sr.bce_with_logits(tape.constant(Tensor::ones([cfg.batch, 1])));
        let lf = sf.bce_with_logits(tape.constant(Tensor::zeros([cfg.batch, 1])));
        tape.backward(lr.add(lf))
    };
    opt.step(d, &grads);
}

/// One generator backward: records ‖∇G‖ in `monitor`, returns the
/// gradients and the mean `D(G(z))`. D's gradients are computed too (its
/// parameters are on the tape) and discarded by the caller.
fn g_grads(
    g: &mut Sequential<f32>,
    d: &mut Sequential<f32>,
    loss: GenLoss,
    z: Tensor<f32>,
    monitor: &mut GradMonitor,
) -> (Grads<f32>, f64) {
    let tape = Tape::new();
    let s = d.forward(g.forward(tape.constant(z)));
    let d_fake = f64::from(s.sigmoid().mean_all().item());
    let mut grads = tape.backward_with(loss.loss(s), monitor);
    monitor.record_params(&*g, &mut grads);
    (grads, d_fake)
}

/// Trains one GAN with `loss` for G. Everything but G's loss (init, data,
/// noise, D's pretraining) is identical across the two losses.
pub fn train(cfg: &Config, loss: GenLoss) -> Run {
    let mut rng = Rng::seed_from_u64(cfg.seed);
    let mut g = generator(cfg.width, &mut rng);
    let mut d = discriminator(cfg.width, &mut rng);
    let mut opt_g = adam(cfg.lr);
    let mut opt_d = adam(cfg.lr);
    // G's noise comes from its own stream so that both runs see the same
    // D batches whatever G does.
    let mut zrng = Rng::seed_from_u64(cfg.seed + 1000);
    let mut monitor = GradMonitor::new();
    let mut d_fake = Vec::new();
    let total = cfg.pretrain + cfg.steps;
    let bar = progress(total as u64, &format!("GAN {}", loss.name()));
    for step in 0..total {
        let x = step as f64 - cfg.pretrain as f64;
        let adversarial = step >= cfg.pretrain;
        // G's gradient before this step's D update; G moves only in the
        // adversarial phase.
        let z = Tensor::<f32>::normal([cfg.batch, 2], 0.0, 1.0, &mut zrng);
        let (grads, df) = g_grads(&mut g, &mut d, loss, z, &mut monitor);
        d_fake.push((x, df));
        if adversarial {
            opt_g.step(&mut g, &grads);
        }
        d_step(&mut g, &mut d, &mut opt_d, cfg, &mut rng);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let grad_norm = monitor
        .history()
        .iter()
        .map(|r| {
            (
                r.step as f64 - cfg.pretrain as f64,
                r.global_norm.unwrap_or(f64::NAN),
            )
        })
        .collect();

    let mut erng = Rng::seed_from_u64(cfg.seed + 2000);
    let z = Tensor::<f32>::normal([cfg.eval_samples, 2], 0.0, 1.0, &mut erng);
    let out = {
        let tape = Tape::new();
        g.forward(tape.constant(z)).value()
    };
    let samples: Vec<(f64, f64)> = out
        .data()
        .chunks_exact(2)
        .map(|p| (f64::from(p[0]), f64::from(p[1])))
        .collect();
    let (modes_covered, high_quality) = coverage(&samples);
    Run {
        loss,
        grad_norm,
        d_fake,
        samples,
        modes_covered,
        high_quality,
    }
}

/// Modes with at least one sample within 3σ of their mean, and the
/// fraction of samples within 3σ of some mean.
pub fn coverage(samples: &[(f64, f64)]) -> (usize, f64) {
    let c = centers();
    let mut hit = [false; MODES];
    let mut good = 0usize;
    for &(x, y) in samples {
        for (k, &(cx, cy)) in c.iter().enumerate() {
            if (x - cx).hypot(y - cy) <= 3.0 * STD {
                hit[k] = true;
                good += 1;
                break;
            }
        }
    }
    (
        hit.iter().filter(|&&h| h).count(),
        good as f64 / samples.len().max(1) as f64,
    )
}

fn at(points: &[(f64, f64)], x: f64) -> f64 {
    points.iter().find(|p| p.0 == x).map_or(f64::NAN, |p| p.1)
}

fn window(points: &[(f64, f64)], from: f64, to: f64) -> f64 {
    let v: Vec<f64> = points
        .iter()
        .filter(|p| p.0 >= from && p.0 < to)
        .map(|p| p.1)
        .collect();
    median(&v)
}

/// Runs the GAN experiment.
pub fn run(cfg: &Config) -> Outcome {
    let runs: Vec<Run> = GenLoss::ALL.iter().map(|&l| train(cfg, l)).collect();
    let (sat, ns) = (&runs[0], &runs[1]);
    let p = cfg.pretrain as f64;

    let mut a = Table::new(format!(
        "GAN (a) — Goodfellow et al. 2014 §3: generator gradient norm ‖∇G‖, saturating vs non-saturating loss (8 Gaussians, G/D 2→{w}→{w}→·, Adam lr {lr}, β1 0.5, batch {b}, D pretrained {p} steps, seed {s})",
        w = cfg.width,
        lr = cfg.lr,
        b = cfg.batch,
        p = cfg.pretrain,
        s = cfg.seed
    ));
    let init_sat = at(&sat.grad_norm, -p);
    let init_ns = at(&ns.grad_norm, -p);
    a.report(
        "‖∇G‖ at init, before D trains (sat / non-sat)",
        "—",
        "ratio = mean-weighted e^(−s): set by D's random logits",
        format!(
            "{} / {} (ratio {})",
            num(init_sat),
            num(init_ns),
            num(init_ns / init_sat)
        ),
    );
    let df = at(&sat.d_fake, 0.0);
    a.report(
        "mean D(G(z)) after D's pretraining",
        "D rejects G's samples confidently",
        "≪ ½",
        format!("{df:.2e}"),
    );
    // The confident-D window: the last CONF_WINDOW pretraining steps (G
    // frozen at its init, D near the end of its pretraining; both runs
    // see the same G, D and noise there).
    let cw = CONF_WINDOW.min(cfg.pretrain) as f64;
    let conf_sat = window(&sat.grad_norm, -cw, 0.5);
    let conf_ns = window(&ns.grad_norm, -cw, 0.5);
    let ratio = conf_ns / conf_sat;
    a.check(
        format!(
            "confident D: median ‖∇G‖ over the last {} pretraining steps, non-sat / sat",
            cw as usize
        ),
        "log(1 − D(G(z))) saturates",
        "≈ 1/D(G(z)) ≫ 1",
        format!("{} / {} = {}", num(conf_ns), num(conf_sat), num(ratio)),
        format!("≥ {MIN_RATIO_CONFIDENT}"),
        ratio >= MIN_RATIO_CONFIDENT,
    );
    a.report(
        "‖∇G‖ collapse from init to confident D: sat / non-sat",
        "only the saturating loss loses its gradient",
        "sat ≪ 1, non-sat ≳ 1",
        format!("{} / {}", num(conf_sat / init_sat), num(conf_ns / init_ns)),
    );
    let w = (cfg.steps as f64 / 4.0).floor();
    let med_sat = window(&sat.grad_norm, 0.0, w);
    let med_ns = window(&ns.grad_norm, 0.0, w);
    a.report(
        format!("median ‖∇G‖ over adversarial steps 0..{w} (sat / non-sat)"),
        "—",
        "—",
        format!(
            "{} / {} (ratio {})",
            num(med_sat),
            num(med_ns),
            num(med_ns / med_sat)
        ),
    );
    let end_sat = window(&sat.grad_norm, cfg.steps as f64 - w, cfg.steps as f64);
    let end_ns = window(&ns.grad_norm, cfg.steps as f64 - w, cfg.steps as f64);
    a.report(
        format!(
            "median ‖∇G‖ over the last {w} steps (sat / non-sat)",
            w = w as usize
        ),
        "—",
        "—",
        format!("{} / {}", num(end_sat), num(end_ns)),
    );

    let mut b = Table::new(format!(
        "GAN (b) — mode coverage after {} adversarial steps: modes with a sample within 3σ = {} of their mean, of {MODES} ({} samples)",
        cfg.steps,
        num(3.0 * STD),
        cfg.eval_samples
    ));
    for r in &runs {
        b.report(
            format!("{} ({})", r.loss.name(), r.loss.formula()),
            match r.loss {
                GenLoss::Saturating => "may fail early (§3)",
                GenLoss::NonSaturating => "strong gradients early (§3)",
            },
            "—",
            format!(
                "{} / {MODES} modes, {:.0}% of samples within 3σ",
                r.modes_covered,
                100.0 * r.high_quality
            ),
        );
    }

    Outcome {
        runs,
        target: {
            let mut rng = Rng::seed_from_u64(cfg.seed + 3000);
            let t = sample_target(cfg.eval_samples.min(1000), &mut rng);
            t.data()
                .chunks_exact(2)
                .map(|p| (f64::from(p[0]), f64::from(p[1])))
                .collect()
        },
        tables: vec![a, b],
    }
}

/// Steps per point in the gradient-norm figure (median of each block).
pub const FIG_BLOCK: usize = 20;

/// `(first x of the block, median y)` over consecutive blocks of `k`.
fn block_medians(points: &[(f64, f64)], k: usize) -> Vec<(f64, f64)> {
    points
        .chunks(k)
        .map(|c| {
            let y: Vec<f64> = c.iter().map(|p| p.1).collect();
            (c[0].0, median(&y))
        })
        .collect()
}

/// Writes the figures: ‖∇G‖ vs step for both losses (headline) and the
/// final samples over the target for each loss (SVG + PNG).
pub fn figures(outcome: &Outcome, out: &OutDir) -> gradflow::Result<Vec<std::path::PathBuf>> {
    use gradflow::plot::LineChart;
    let mut written = Vec::new();
    let mut chart =
        LineChart::new("GAN: ‖∇G‖, median per 20 steps (step < 0: D pretrains, G frozen)")
            .x_label("step (0 = start of adversarial training)")
            .y_label("global ‖∇G‖ (pre-update)")
            .log_y();
    for r in &outcome.runs {
        chart = chart.series(
            format!("{} {}", r.loss.name(), r.loss.formula()),
            block_medians(&r.grad_norm, FIG_BLOCK),
        );
    }
    for ext in ["svg", "png"] {
        let p = out.file(&format!("gan_generator_grad_norm.{ext}"));
        chart.save(&p)?;
        written.push(p);
    }
    for r in &outcome.runs {
        let n = r.samples.len().min(1000);
        let chart = LineChart::new(format!(
            "GAN: G(z) vs the 8-Gaussian target — {} loss ({}/{MODES} modes)",
            r.loss.name(),
            r.modes_covered
        ))
        .x_label("x₁")
        .y_label("x₂")
        .scatter("target", outcome.target.clone())
        .scatter("G(z)", r.samples[..n].to_vec());
        let tag = match r.loss {
            GenLoss::Saturating => "saturating",
            GenLoss::NonSaturating => "nonsaturating",
        };
        for ext in ["svg", "png"] {
            let p = out.file(&format!("gan_generator_samples_{tag}.{ext}"));
            chart.save(&p)?;
            written.push(p);
        }
    }
    Ok(written)
}
