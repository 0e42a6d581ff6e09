//! E9's quick variant (every table must pass) and Ba et al. Table 1's
//! invariances as exact tests, including the gradient side of BN's
//! weight-scale invariance (Ioffe & Szegedy §3.3).

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/layer_norm.rs"]
mod layer_norm;

use gradflow::nn::{BatchNorm1d, Dense, Layer, Module};
use gradflow::{Rng, SeedableRng, Tape, Tensor};
use layer_norm::{Config, Norm, Transform, invariance_gap, run};

#[test]
fn quick_run_passes_every_table() {
    let outcome = run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

#[test]
fn table_1_holds_exactly_for_several_draws() {
    for seed in [1, 2, 3] {
        for norm in [Norm::Batch, Norm::Layer] {
            for t in Transform::ALL {
                let gap = invariance_gap(norm, t, 0.0, 100 * seed);
                if t.invariant_in_paper(norm) {
                    assert!(gap <= 1e-10, "{norm:?} {:?}: {gap}", t);
                } else {
                    assert!(gap >= 1e-3, "{norm:?} {:?}: {gap}", t);
                }
            }
        }
    }
}

#[test]
fn eps_breaks_scale_invariance_only_slightly() {
    // With eps > 0 the invariance is approximate: the change stays far
    // below an actual violation (≥ 1e-3) but above rounding.
    let gap = invariance_gap(Norm::Layer, Transform::WeightMatrixRescale, 1e-5, 7);
    assert!(gap > 1e-12 && gap < 1e-3, "{gap}");
}

#[test]
fn bn_weight_gradient_scales_inversely_with_the_weights() {
    // Ioffe & Szegedy §3.3: BN((aW)u) = BN(Wu), so ∂ℓ/∂(aW) = (1/a)·∂ℓ/∂W.
    let mut rng = Rng::seed_from_u64(5);
    let w = Tensor::<f64>::normal([6, 4], 0.0, 1.0, &mut rng);
    let x = Tensor::<f64>::normal([10, 4], 0.0, 1.0, &mut rng);
    let v = Tensor::<f64>::normal([10, 6], 0.0, 1.0, &mut rng);
    let grad = |w: Tensor<f64>| {
        let mut dense = Dense::from_tensors(w, None);
        let mut bn = BatchNorm1d::<f64>::new(6).with_eps(0.0);
        let tape = Tape::new();
        let y = bn.forward(dense.forward(tape.constant(x.clone())));
        let grads = tape.backward((y * tape.constant(v.clone())).sum_all());
        let mut g = None;
        dense.visit_params(&mut |_, p| g = grads.get(p).cloned());
        g.expect("weight gradient")
    };
    let a = 2.5;
    let g1 = grad(w.clone());
    let ga = grad(w.mul_scalar(a));
    for (p, q) in g1.data().iter().zip(ga.data()) {
        assert!((p / a - q).abs() < 1e-10, "{p} / {a} vs {q}");
    }
}
