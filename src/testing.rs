//! Proptest strategies and a gradient assertion, for property-testing ops
//! against finite differences (the `testing` feature).
//!
//! ```
//! use gradflow::testing::{assert_gradients, shape, tensor};
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! // In a test file this is a `proptest! { #[test] fn ... }` block.
//! let config = ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(16) };
//! let mut runner = TestRunner::new(config);
//! let inputs = shape(3, 4).prop_flat_map(|s| tensor(s, -3.0, 3.0));
//! runner
//!     .run(&inputs, |x| assert_gradients(|v| v[0].tanh(), &[x]))
//!     .unwrap();
//! ```

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::check::{CheckOptions, check_gradients_with};
use crate::tape::Var;
use crate::tensor::Tensor;

/// Shapes of rank `1..=max_rank` with every dimension in `1..=max_dim`.
pub fn shape(max_rank: usize, max_dim: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1..=max_dim.max(1), 1..=max_rank.max(1))
}

/// A pair of shapes that broadcast together: the second is the first with
/// some leading axes dropped and some dimensions set to 1, and the pair is
/// swapped at random.
pub fn broadcast_pair(
    max_rank: usize,
    max_dim: usize,
) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape(max_rank, max_dim).prop_flat_map(|full| {
        let rank = full.len();
        (
            Just(full),
            0..=rank,
            prop::collection::vec(any::<bool>(), rank),
            any::<bool>(),
        )
            .prop_map(|(full, drop, ones, swap)| {
                let reduced: Vec<usize> = full
                    .iter()
                    .zip(&ones)
                    .skip(drop.min(full.len().saturating_sub(1)))
                    .map(|(&d, &one)| if one { 1 } else { d })
                    .collect();
                if swap {
                    (reduced, full)
                } else {
                    (full, reduced)
                }
            })
    })
}

/// An `f64` tensor of `shape` with elements uniform in `[low, high]`.
pub fn tensor(shape: Vec<usize>, low: f64, high: f64) -> impl Strategy<Value = Tensor<f64>> {
    let n: usize = shape.iter().product();
    prop::collection::vec(low..=high, n)
        .prop_map(move |data| Tensor::from_parts(data, shape.clone().into()))
}

/// As [`tensor`], with every element at least `margin` away from each of
/// `kinks` (sample away from the points where an op is not differentiable,
/// such as relu at 0, before comparing with finite differences).
pub fn tensor_avoiding(
    shape: Vec<usize>,
    low: f64,
    high: f64,
    kinks: Vec<f64>,
    margin: f64,
) -> impl Strategy<Value = Tensor<f64>> {
    tensor(shape, low, high).prop_map(move |t| {
        t.map(|x| {
            let mut x = x;
            for &k in &kinks {
                if (x - k).abs() < margin {
                    x = if x >= k { k + margin } else { k - margin };
                }
            }
            x
        })
    })
}

/// Checks `f`'s gradients against finite differences (PyTorch's gradcheck
/// tolerances), as a proptest failure rather than a panic.
pub fn assert_gradients<F>(f: F, inputs: &[Tensor<f64>]) -> Result<(), TestCaseError>
where
    F: for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>,
{
    assert_gradients_with(f, inputs, &CheckOptions::default())
}

/// [`assert_gradients`] with explicit tolerances or mode.
pub fn assert_gradients_with<F>(
    f: F,
    inputs: &[Tensor<f64>],
    options: &CheckOptions,
) -> Result<(), TestCaseError>
where
    F: for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>,
{
    check_gradients_with(f, inputs, options).map_err(|e| {
        let shapes: Vec<_> = inputs.iter().map(|t| t.shape().to_vec()).collect();
        TestCaseError::fail(format!("{e} (input shapes {shapes:?})"))
    })
}
