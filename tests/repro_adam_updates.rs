//! E12 (examples/adam_updates.rs): the quick variant passes its frozen
//! criteria, and the exact optimizer identities hold.

#[allow(dead_code)]
#[path = "../examples/repro/adam_updates.rs"]
mod adam_updates;
#[path = "../examples/repro/common/mod.rs"]
mod common;

use adam_updates::{
    BETA1, BETA2, Config, Decay, EPS, HandAdam, cauchy_schwarz_bound, decay_run, first_step_checks,
    kingma_bound,
};
use common::Digits;

#[test]
fn quick_variant_passes_every_table() {
    let outcome = adam_updates::run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

/// §0 item 7: Adam's first step is `α·g/(|g|+ε)` per coordinate; the
/// uncorrected first step (gradflow has no switch for bias correction, so
/// it is computed by a hand-written Adam, itself checked against gradflow's)
/// is `α(1−β₁)g/(√(1−β₂)|g|+ε)`, i.e. 3.162α for |g| ≫ ε.
#[test]
fn first_adam_step_is_exact_with_and_without_bias_correction() {
    let (first, hand, raw, (lo, hi)) = first_step_checks(500, 30, 3);
    assert!(first <= 1e-12, "library first step: {first}");
    assert!(hand <= 1e-12, "hand Adam vs library: {hand}");
    assert!(raw <= 1e-12, "uncorrected first step: {raw}");
    let kb = (1.0 - BETA1) / (1.0 - BETA2).sqrt();
    assert!((kb - 3.1622776601683795).abs() < 1e-12);
    assert!(
        (lo - kb).abs() < 1e-6 && (hi - kb).abs() < 1e-6,
        "{lo} … {hi}"
    );
    // The hand Adam with ε = 0 semantics: a constant gradient moves by α
    // on every bias-corrected step.
    let mut adam = HandAdam::new(1, 0.01, true);
    let mut theta = [0.0];
    for t in 1..=20 {
        let before = theta[0];
        adam.step(&mut theta, &[3.0]);
        let step = (before - theta[0]) / 0.01;
        assert!((step - 3.0 / (3.0 + EPS)).abs() < 1e-12, "t = {t}: {step}");
    }
}

#[test]
fn cauchy_schwarz_bound_starts_at_one_and_exceeds_kingmas() {
    assert!((cauchy_schwarz_bound(1) - 1.0).abs() < 1e-15);
    let limit = kingma_bound() / (1.0 - BETA1 * BETA1 / BETA2).sqrt();
    assert!((cauchy_schwarz_bound(100_000) - limit).abs() < 1e-9);
    assert!(limit > 2.0 * kingma_bound());
}

/// Loshchilov & Hutter Prop. 1: SGD with decoupled decay λ equals SGD on
/// `f + (λ/2α)‖θ‖²` and SGD with `weight_decay = λ/α`, step for step.
#[test]
fn sgd_decoupled_decay_equals_l2_step_for_step() {
    let data = Digits::<f64>::load();
    let rows: Vec<usize> = (100..164).collect();
    let (x, y) = data.train_batch(&rows);
    let a = decay_run(false, Decay::DecoupledByHand, 0.2, 5e-3, 20, &x, &y);
    let b = decay_run(false, Decay::PenaltyInLoss, 0.2, 5e-3, 20, &x, &y);
    let c = decay_run(false, Decay::OptimizerL2, 0.2, 5e-3, 20, &x, &y);
    for (t, ((a, b), c)) in a.iter().zip(&b).zip(&c).enumerate() {
        for ((p, q), r) in a.iter().zip(b).zip(c) {
            assert!(
                (p - q).abs() <= 1e-12 * (1.0 + p.abs()),
                "step {t}: {p} vs {q}"
            );
            assert!(
                (p - r).abs() <= 1e-12 * (1.0 + p.abs()),
                "step {t}: {p} vs {r}"
            );
        }
    }
    // Adam: the same λ through L2 and decoupled decay gives different
    // parameters after a few steps.
    let l2 = decay_run(true, Decay::OptimizerL2, 0.01, 5e-3, 10, &x, &y);
    let dw = decay_run(true, Decay::OptimizerDecoupled, 0.01, 5e-3, 10, &x, &y);
    let gap = l2[9]
        .iter()
        .zip(&dw[9])
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    assert!(gap > 1e-4, "Adam L2 and AdamW agree: {gap}");
}
