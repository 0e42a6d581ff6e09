//! E1 + E2 (papers.md §2): the quick variant of `examples/glorot_init.rs`
//! passes its criteria, and the exact pieces it relies on are right: the
//! quadrature, the eigenvalue solver, and the quarter-circle mean singular
//! value (papers.md §0 item 3).

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/glorot_init.rs"]
mod glorot_init;

use common::quadrature::gaussian_mean;
use glorot_init::{Act, Config, mean_field_table};

#[test]
fn quick_variant_passes_every_criterion() {
    let outcome = glorot_init::run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

#[test]
fn mean_field_recursion_matches_hand_values() {
    // Small q: E[tanh'(√q z)²] = 1 − 2q + O(q²); σ'(0) = 1/4.
    let q = 1e-4;
    assert!((gaussian_mean(q, |x| Act::Tanh.df(x).powi(2)) - (1.0 - 2.0 * q)).abs() < 1e-7);
    let (qs, chi) = mean_field_table(Act::Sigmoid, 1.0 / 3.0, 5);
    assert!((qs[0] - 1.0 / 3.0).abs() < 1e-15);
    // Deep sigmoid, standard init: χ → σw²·σ'(0)²-ish ≈ 0.020 (papers.md).
    assert!((chi[4] - 0.020).abs() < 5e-4, "{chi:?}");
    // Softsign's derivative at 0 is 1: χ → σw² as q → 0.
    assert!((gaussian_mean(1e-8, |x| Act::Softsign.df(x).powi(2)) - 1.0).abs() < 1e-3);
}
