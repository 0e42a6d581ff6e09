//! E11 (examples/rnn_cliffs.rs): the quick variant passes its frozen
//! criteria, and the exact single-unit derivative holds.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/rnn_cliffs.rs"]
mod rnn_cliffs;

use rnn_cliffs::{Act, Config, linear_unit_grad, rnn_jacobian_norms};

#[test]
fn quick_variant_passes_every_table() {
    let outcome = rnn_cliffs::run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

/// Pascanu et al. §2.3: with σ = identity and b = 0, `x_T = x_0·w^T`, so
/// `∂x_T/∂w = T·x_0·w^(T−1)`; the tape gets it to f64 rounding.
#[test]
fn linear_unit_gradient_is_t_x0_w_to_the_t_minus_1() {
    for &w in &[0.5, 0.97, 1.0, 1.03, -1.2, 2.0] {
        for &t in &[1usize, 2, 10, 50] {
            let x0 = 0.5;
            let got = linear_unit_grad(w, x0, t);
            let want = t as f64 * x0 * f64::powi(w, t as i32 - 1);
            assert!(
                ((got - want) / want).abs() <= 1e-12,
                "w = {w}, T = {t}: tape {got}, closed form {want}"
            );
        }
    }
}

/// `‖∂x_T/∂x_0‖ ≤ (γλ₁)^T` for every T (Pascanu §2.1's proof), here for
/// a sigmoid RNN with λ₁ = 3.9 (just inside 1/γ = 4) and a tanh RNN with
/// λ₁ = 0.99.
#[test]
fn jacobian_norm_is_bounded_by_gamma_lambda_to_the_t() {
    for (act, lambda) in [(Act::Sigmoid, 3.9), (Act::Tanh, 0.99)] {
        for seed in 0..3 {
            let norms = rnn_jacobian_norms(act, lambda, 16, 40, seed);
            let g = act.gamma() * lambda;
            for (t, n) in norms.iter().enumerate() {
                let bound = g.powi(t as i32 + 1);
                assert!(
                    *n <= bound * (1.0 + 1e-9),
                    "{act:?} T = {}: {n} > {bound}",
                    t + 1
                );
            }
        }
    }
}
