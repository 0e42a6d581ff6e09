//! E1 + E2 (papers.md §2): the quick variant of `examples/glorot_init.rs`
//! passes its criteria, and the exact pieces it relies on are right: the
//! quadrature, the eigenvalue solver, and the quarter-circle mean singular
//! value (papers.md §0 item 3).

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/glorot_init.rs"]
mod glorot_init;

use glorot_init::{
    Act, Config, gauss_mean, mean_field_table, mean_singular_value, sym_eigenvalues,
};
use gradflow::nn::Init;
use gradflow::{Rng, SeedableRng, Tensor};

#[test]
fn quick_variant_passes_every_criterion() {
    let outcome = glorot_init::run(&Config::quick());
    for t in &outcome.tables {
        assert!(t.passed(), "{t}");
    }
}

#[test]
fn eigenvalues_match_trace_and_frobenius_and_a_known_spectrum() {
    let n = 40;
    let mut rng = Rng::seed_from_u64(7);
    let b = Tensor::<f64>::normal([n, n], 0.0, 1.0, &mut rng);
    let b = b.data();
    let a: Vec<f64> = (0..n * n).map(|k| b[k] + b[(k % n) * n + k / n]).collect();
    let eig = sym_eigenvalues(a.clone(), n);
    let trace: f64 = (0..n).map(|i| a[i * n + i]).sum();
    let frob: f64 = a.iter().map(|x| x * x).sum();
    assert!((eig.iter().sum::<f64>() - trace).abs() < 1e-9 * frob.sqrt());
    assert!((eig.iter().map(|l| l * l).sum::<f64>() - frob).abs() < 1e-9 * frob);
    // A diagonal matrix with a rotation applied keeps its eigenvalues.
    let (c, s) = (0.6f64, 0.8f64);
    let m = vec![
        3.0 * c * c + 1.0 * s * s,
        (3.0 - 1.0) * c * s,
        0.0,
        (3.0 - 1.0) * c * s,
        3.0 * s * s + 1.0 * c * c,
        0.0,
        0.0,
        0.0,
        -2.0,
    ];
    let mut e = sym_eigenvalues(m, 3);
    e.sort_by(f64::total_cmp);
    for (got, want) in e.iter().zip([-2.0, 1.0, 3.0]) {
        assert!((got - want).abs() < 1e-12, "{e:?}");
    }
}

#[test]
fn quarter_circle_mean_singular_value() {
    // papers.md §0 item 3: (8/3π)·σ for a square i.i.d. matrix with entry
    // variance σ²/n; 0.490 for U[±1/√n] (σ² = 1/3), 0.849 for Xavier.
    let n = 200;
    let mut rng = Rng::seed_from_u64(1);
    for (init, want) in [
        (Init::GlorotStandard, 0.490),
        (Init::xavier_uniform(), 0.849),
    ] {
        let w = init.tensor::<f64, _>(&[n, n], &mut rng);
        let got = mean_singular_value(w.data(), n, n);
        assert!((got / want - 1.0).abs() < 0.02, "{got} vs {want}");
    }
    assert!((8.0 / (3.0 * std::f64::consts::PI) / 3f64.sqrt() - 0.490).abs() < 5e-4);
}

#[test]
fn mean_field_recursion_matches_hand_values() {
    // Small q: E[tanh'(√q z)²] = 1 − 2q + O(q²); σ'(0) = 1/4.
    let q = 1e-4;
    assert!((gauss_mean(q, |x| Act::Tanh.df(x).powi(2)) - (1.0 - 2.0 * q)).abs() < 1e-7);
    let (qs, chi) = mean_field_table(Act::Sigmoid, 1.0 / 3.0, 5);
    assert!((qs[0] - 1.0 / 3.0).abs() < 1e-15);
    // Deep sigmoid, standard init: χ → σw²·σ'(0)²-ish ≈ 0.020 (papers.md).
    assert!((chi[4] - 0.020).abs() < 5e-4, "{chi:?}");
    // Softsign's derivative at 0 is 1: χ → σw² as q → 0.
    assert!((gauss_mean(1e-8, |x| Act::Softsign.df(x).powi(2)) - 1.0).abs() < 1e-3);
}
