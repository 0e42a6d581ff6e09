#![cfg(feature = "testing")]
//! Gradients of the elementwise ops of one input (`src/tape/ops/unary.rs`)
//! against central finite differences in `f64`, over random shapes (rank
//! 1..=3, dims 1..=4), values and op parameters.
//!
//! Inputs stay at least `MARGIN` away from the points where an op is not
//! differentiable (relu, leaky_relu, elu and abs at 0; clamp at its bounds;
//! softplus at its threshold), and well away from 0 where an op or its
//! derivative blows up there (ln, sqrt, recip, powf, negative powi), so that
//! the finite differences themselves stay accurate.

use gradflow::Tensor;
use gradflow::testing::{assert_gradients, shape, tensor, tensor_avoiding};
use proptest::prelude::*;

/// Distance kept from kinks: far more than the finite-difference step (1e-6).
const MARGIN: f64 = 1e-3;

/// A tensor of random shape with elements uniform in `[low, high]`.
fn input(low: f64, high: f64) -> impl Strategy<Value = Tensor<f64>> {
    shape(3, 4).prop_flat_map(move |s| tensor(s, low, high))
}

/// As [`input`], with every element at least `margin` away from each kink.
fn input_avoiding(
    low: f64,
    high: f64,
    kinks: Vec<f64>,
    margin: f64,
) -> impl Strategy<Value = Tensor<f64>> {
    shape(3, 4).prop_flat_map(move |s| tensor_avoiding(s, low, high, kinks.clone(), margin))
}

/// A scalar with magnitude in `[low, high]` and a random sign.
fn nonzero(low: f64, high: f64) -> impl Strategy<Value = f64> {
    (low..=high, any::<bool>()).prop_map(|(m, negative)| if negative { -m } else { m })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn neg_grad_matches_finite_differences(x in input(-3.0, 3.0)) {
        assert_gradients(|v| v[0].neg(), &[x])?;
    }

    #[test]
    fn exp_grad_matches_finite_differences(x in input(-4.0, 4.0)) {
        assert_gradients(|v| v[0].exp(), &[x])?;
    }

    #[test]
    fn ln_grad_matches_finite_differences_on_positive_inputs(x in input(0.1, 5.0)) {
        assert_gradients(|v| v[0].ln(), &[x])?;
    }

    #[test]
    fn sqrt_grad_matches_finite_differences_on_positive_inputs(x in input(0.1, 5.0)) {
        assert_gradients(|v| v[0].sqrt(), &[x])?;
    }

    #[test]
    fn abs_grad_matches_finite_differences_away_from_zero(
        x in input_avoiding(-3.0, 3.0, vec![0.0], MARGIN),
    ) {
        assert_gradients(|v| v[0].abs(), &[x])?;
    }

    #[test]
    fn square_grad_matches_finite_differences(x in input(-3.0, 3.0)) {
        assert_gradients(|v| v[0].square(), &[x])?;
    }

    #[test]
    fn recip_grad_matches_finite_differences_away_from_zero(
        x in input_avoiding(-3.0, 3.0, vec![0.0], 0.2),
    ) {
        assert_gradients(|v| v[0].recip(), &[x])?;
    }

    #[test]
    fn powf_grad_matches_finite_differences_on_positive_inputs(
        x in input(0.2, 3.0),
        p in -2.5f64..=3.5,
    ) {
        assert_gradients(move |v| v[0].powf(p), &[x])?;
    }

    #[test]
    fn powf_with_zero_exponent_has_zero_grad(x in input(0.2, 3.0)) {
        assert_gradients(|v| v[0].powf(0.0), &[x])?;
    }

    #[test]
    fn powi_grad_matches_finite_differences(
        x in input_avoiding(-2.5, 2.5, vec![0.0], 0.3),
        n in -3i32..=4,
    ) {
        assert_gradients(move |v| v[0].powi(n), &[x])?;
    }

    #[test]
    fn clamp_grad_matches_finite_differences_away_from_the_bounds(
        (x, low, high) in (-2.0f64..=1.0, 0.5f64..=3.0).prop_flat_map(|(low, width)| {
            let high = low + width;
            (input_avoiding(-4.0, 4.0, vec![low, high], MARGIN), Just(low), Just(high))
        }),
    ) {
        assert_gradients(move |v| v[0].clamp(low, high), &[x])?;
    }

    #[test]
    fn sigmoid_grad_matches_finite_differences(x in input(-6.0, 6.0)) {
        assert_gradients(|v| v[0].sigmoid(), &[x])?;
    }

    #[test]
    fn tanh_grad_matches_finite_differences(x in input(-4.0, 4.0)) {
        assert_gradients(|v| v[0].tanh(), &[x])?;
    }

    #[test]
    fn relu_grad_matches_finite_differences_away_from_zero(
        x in input_avoiding(-3.0, 3.0, vec![0.0], MARGIN),
    ) {
        assert_gradients(|v| v[0].relu(), &[x])?;
    }

    #[test]
    fn leaky_relu_grad_matches_finite_differences_away_from_zero(
        x in input_avoiding(-3.0, 3.0, vec![0.0], MARGIN),
        slope in 0.0f64..=0.5,
    ) {
        assert_gradients(move |v| v[0].leaky_relu(slope), &[x])?;
    }

    #[test]
    fn elu_grad_matches_finite_differences_away_from_zero(
        x in input_avoiding(-4.0, 3.0, vec![0.0], MARGIN),
        alpha in 0.1f64..=2.0,
    ) {
        assert_gradients(move |v| v[0].elu(alpha), &[x])?;
    }

    #[test]
    fn gelu_grad_matches_finite_differences(x in input(-4.0, 4.0)) {
        assert_gradients(|v| v[0].gelu(), &[x])?;
    }

    #[test]
    fn gelu_tanh_grad_matches_finite_differences(x in input(-4.0, 4.0)) {
        assert_gradients(|v| v[0].gelu_tanh(), &[x])?;
    }

    /// Default beta 1 and threshold 20: the inputs reach past the threshold.
    #[test]
    fn softplus_grad_matches_finite_differences(
        x in input_avoiding(-6.0, 25.0, vec![20.0], MARGIN),
    ) {
        assert_gradients(|v| v[0].softplus(), &[x])?;
    }

    /// Random beta and threshold; inputs on both sides of `threshold/beta`,
    /// where the op switches to the identity (and jumps by
    /// `ln(1 + e^-threshold)/beta`), but never within `MARGIN` of it.
    #[test]
    fn softplus_with_grad_matches_finite_differences_away_from_the_threshold(
        (x, beta, threshold) in (0.5f64..=3.0, 0.5f64..=10.0).prop_flat_map(|(beta, threshold)| {
            let switch = threshold / beta;
            (input_avoiding(-4.0, 8.0, vec![switch], MARGIN), Just(beta), Just(threshold))
        }),
    ) {
        assert_gradients(move |v| v[0].softplus_with(beta, threshold), &[x])?;
    }

    #[test]
    fn silu_grad_matches_finite_differences(x in input(-5.0, 5.0)) {
        assert_gradients(|v| v[0].silu(), &[x])?;
    }

    #[test]
    fn softsign_grad_matches_finite_differences(x in input(-4.0, 4.0)) {
        assert_gradients(|v| v[0].softsign(), &[x])?;
    }

    #[test]
    fn add_scalar_grad_matches_finite_differences(x in input(-3.0, 3.0), c in -3.0f64..=3.0) {
        assert_gradients(move |v| v[0].add_scalar(c), &[x])?;
    }

    #[test]
    fn sub_scalar_grad_matches_finite_differences(x in input(-3.0, 3.0), c in -3.0f64..=3.0) {
        assert_gradients(move |v| v[0].sub_scalar(c), &[x])?;
    }

    #[test]
    fn mul_scalar_grad_matches_finite_differences(x in input(-3.0, 3.0), c in -3.0f64..=3.0) {
        assert_gradients(move |v| v[0].mul_scalar(c), &[x])?;
    }

    #[test]
    fn div_scalar_grad_matches_finite_differences(x in input(-3.0, 3.0), c in nonzero(0.25, 3.0)) {
        assert_gradients(move |v| v[0].div_scalar(c), &[x])?;
    }

    /// The ops composed: every rule receives a non-trivial upstream gradient.
    #[test]
    fn composed_unary_ops_grad_matches_finite_differences(x in input(-2.0, 2.0)) {
        assert_gradients(|v| v[0].tanh().exp().mul_scalar(0.5).softplus().sqrt().ln(), &[x])?;
    }
}
