//! E3 (papers.md §2): the quick variant of `examples/sigmoid_bound.rs`
//! passes its criteria, and the mean-field predictions it is judged
//! against are right (the quadrature itself: tests/repro_common.rs).

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/sigmoid_bound.rs"]
mod sigmoid_bound;

use common::quadrature::gaussian_mean;
use sigmoid_bound::{Act, Config, fixed_point, mean_field};

#[test]
fn quick_variant_passes_every_criterion() {
    let outcome = sigmoid_bound::run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

#[test]
fn sigmoid_derivative_is_bounded_by_a_quarter() {
    let max = (-4000..=4000)
        .map(|i| Act::Sigmoid.df(i as f64 * 1e-3))
        .fold(0.0f64, f64::max);
    assert!((max - 0.25).abs() < 1e-15, "{max}");
    // And E[σ'(√q z)²] < 1/16 for every q > 0, so χ < σw²/16.
    for q in [1e-3, 0.1, 1.0, 10.0, 100.0] {
        assert!(gaussian_mean(q, |x| Act::Sigmoid.df(x).powi(2)) < 1.0 / 16.0);
    }
}

#[test]
fn mean_field_matches_papers_md_computed_values() {
    // papers.md E3: sigmoid 0.141 (σw² = 1/3), 0.236 (1), 0.63 (16), deep
    // in the stack (layer 10 has reached its fixed point).
    for (s2, want, tol) in [
        (1.0 / 3.0, 0.141, 0.002),
        (1.0, 0.236, 0.002),
        (16.0, 0.63, 0.01),
    ] {
        let (_, r) = mean_field(Act::Sigmoid, s2, 1.0, 10);
        assert!((r[9] - want).abs() < tol, "σw² = {s2}: {} vs {want}", r[9]);
    }
    // papers.md §0: tanh at gain 5/3 has q* ≈ 1.18 and χ₁ ≈ 1.21 (ratio
    // ≈ 1.10); 1/√E[tanh(z)²] = 1.593.
    let (q, chi) = fixed_point(Act::Tanh, 25.0 / 9.0);
    assert!(
        (q - 1.18).abs() < 0.01 && (chi - 1.21).abs() < 0.01,
        "{q} {chi}"
    );
    let g = 1.0 / gaussian_mean(1.0, |x| x.tanh().powi(2)).sqrt();
    assert!((g - 1.593).abs() < 1e-3, "{g}");
    // tanh at gain 1 is critical: ratio < 1 and rising toward 1.
    let (_, r) = mean_field(Act::Tanh, 1.0, 1.0, 10);
    assert!(r.windows(2).all(|w| w[0] < w[1] && w[1] < 1.0), "{r:?}");
}
