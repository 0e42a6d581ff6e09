#![cfg(feature = "testing")]
//! Gradients of the broadcasting ops of two inputs (`src/tape/ops/binary.rs`),
//! of the operators that call them, and of a user-defined [`CustomOp`],
//! against central finite differences in `f64`.
//!
//! Operand shapes come from `broadcast_pair` (rank 1..=3, dims 1..=4, some
//! leading axes dropped and some dims set to 1, in either order), so every
//! rule's sum back over broadcast axes is exercised. Divisors stay away from
//! 0; `maximum`/`minimum` operands differ by at least `MARGIN` wherever they
//! meet, so no tie (where the op is not differentiable) is sampled.

use gradflow::testing::{assert_gradients, broadcast_pair, shape, tensor, tensor_avoiding};
use gradflow::{CustomOp, Tensor, Var};
use proptest::prelude::*;

/// Distance kept from ties: far more than the finite-difference step (1e-6).
const MARGIN: f64 = 1e-3;

/// Two tensors whose shapes broadcast together, elements in `[-3, 3]`.
fn pair() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcast_pair(3, 4).prop_flat_map(|(a, b)| (tensor(a, -3.0, 3.0), tensor(b, -3.0, 3.0)))
}

/// As [`pair`], with the second operand at least 0.25 away from 0.
fn pair_with_nonzero_divisor() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcast_pair(3, 4).prop_flat_map(|(a, b)| {
        (
            tensor(a, -3.0, 3.0),
            tensor_avoiding(b, -3.0, 3.0, vec![0.0], 0.25),
        )
    })
}

/// As [`pair`], with no two broadcast-matched elements within `MARGIN`.
fn pair_without_ties() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    pair().prop_filter("maximum/minimum operands tie", |(a, b)| {
        a.sub(b).data().iter().all(|d| d.abs() >= MARGIN)
    })
}

/// A tensor of random shape with elements in `[-3, 3]`, and a scalar.
fn tensor_and_scalar() -> impl Strategy<Value = (Tensor<f64>, f64)> {
    (
        shape(3, 4).prop_flat_map(|s| tensor(s, -3.0, 3.0)),
        -3.0f64..=3.0,
    )
}

/// `a·eᵇ` for two inputs of one shape, with its hand-written backward:
/// `∂/∂a = eᵇ`, `∂/∂b = a·eᵇ` (read from the saved output).
struct ScaledExp;

impl CustomOp<f64> for ScaledExp {
    fn name(&self) -> &str {
        "scaled_exp"
    }

    fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
        inputs[0].mul(&inputs[1].exp())
    }

    fn backward(
        &self,
        inputs: &[&Tensor<f64>],
        output: &Tensor<f64>,
        grad: &Tensor<f64>,
    ) -> Vec<Option<Tensor<f64>>> {
        vec![Some(grad.mul(&inputs[1].exp())), Some(grad.mul(output))]
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn add_grad_matches_finite_differences_with_broadcasting((a, b) in pair()) {
        assert_gradients(|v| v[0].add(v[1]), &[a, b])?;
    }

    #[test]
    fn sub_grad_matches_finite_differences_with_broadcasting((a, b) in pair()) {
        assert_gradients(|v| v[0].sub(v[1]), &[a, b])?;
    }

    #[test]
    fn mul_grad_matches_finite_differences_with_broadcasting((a, b) in pair()) {
        assert_gradients(|v| v[0].mul(v[1]), &[a, b])?;
    }

    #[test]
    fn div_grad_matches_finite_differences_with_broadcasting(
        (a, b) in pair_with_nonzero_divisor(),
    ) {
        assert_gradients(|v| v[0].div(v[1]), &[a, b])?;
    }

    #[test]
    fn maximum_grad_matches_finite_differences_with_broadcasting_and_no_ties(
        (a, b) in pair_without_ties(),
    ) {
        assert_gradients(|v| v[0].maximum(v[1]), &[a, b])?;
    }

    #[test]
    fn minimum_grad_matches_finite_differences_with_broadcasting_and_no_ties(
        (a, b) in pair_without_ties(),
    ) {
        assert_gradients(|v| v[0].minimum(v[1]), &[a, b])?;
    }

    #[test]
    fn add_operator_on_vars_grad_matches_finite_differences((a, b) in pair()) {
        assert_gradients(|v| v[0] + v[1], &[a, b])?;
    }

    #[test]
    fn sub_operator_on_vars_grad_matches_finite_differences((a, b) in pair()) {
        assert_gradients(|v| v[0] - v[1], &[a, b])?;
    }

    #[test]
    fn mul_operator_on_vars_grad_matches_finite_differences((a, b) in pair()) {
        assert_gradients(|v| v[0] * v[1], &[a, b])?;
    }

    #[test]
    fn div_operator_on_vars_grad_matches_finite_differences(
        (a, b) in pair_with_nonzero_divisor(),
    ) {
        assert_gradients(|v| v[0] / v[1], &[a, b])?;
    }

    #[test]
    fn add_operator_with_scalar_grad_matches_finite_differences((x, c) in tensor_and_scalar()) {
        assert_gradients(move |v| v[0] + c, &[x])?;
    }

    #[test]
    fn sub_operator_with_scalar_grad_matches_finite_differences((x, c) in tensor_and_scalar()) {
        assert_gradients(move |v| v[0] - c, &[x])?;
    }

    #[test]
    fn mul_operator_with_scalar_grad_matches_finite_differences((x, c) in tensor_and_scalar()) {
        assert_gradients(move |v| v[0] * c, &[x])?;
    }

    #[test]
    fn div_operator_with_scalar_grad_matches_finite_differences(
        (x, c) in tensor_and_scalar().prop_filter("divisor near 0", |(_, c)| c.abs() >= 0.25),
    ) {
        assert_gradients(move |v| v[0] / c, &[x])?;
    }

    #[test]
    fn unary_minus_operator_grad_matches_finite_differences((x, _) in tensor_and_scalar()) {
        assert_gradients(|v| -v[0], &[x])?;
    }

    /// Both operands of one var: the two paths' gradients add up (fan-in).
    #[test]
    fn operators_on_one_var_used_twice_grad_matches_finite_differences(
        (x, c) in tensor_and_scalar(),
    ) {
        assert_gradients(move |v| (v[0] * v[0] - v[0]) * c + -v[0] / 2.0, &[x])?;
    }

    #[test]
    fn custom_op_grad_matches_finite_differences(
        (a, b) in shape(3, 4).prop_flat_map(|s| (tensor(s.clone(), -3.0, 3.0), tensor(s, -2.0, 2.0))),
    ) {
        assert_gradients(|v| Var::custom(ScaledExp, &[v[0], v[1]]), &[a, b])?;
    }

    /// A custom op between built-in ops: its backward receives a non-trivial
    /// upstream gradient and its inputs' gradients flow on.
    #[test]
    fn custom_op_inside_a_graph_grad_matches_finite_differences(
        (a, b) in shape(3, 4).prop_flat_map(|s| (tensor(s.clone(), -3.0, 3.0), tensor(s, -2.0, 2.0))),
    ) {
        assert_gradients(|v| Var::custom(ScaledExp, &[v[0].tanh(), v[1] * 0.5]).square(), &[a, b])?;
    }
}
