#![cfg(feature = "testing")]
//! Gradients of the integer-indexing ops (`src/tape/ops/index.rs`) and of
//! the softmax family (`src/tape/ops/softmax.rs`) against central finite
//! differences in `f64`, over random shapes (rank 1..=3, dims 1..=4).
//!
//! Indices are random and valid, and repeat often (more picks than the
//! axis has positions), so the scatter-back rules must accumulate. Softmax
//! inputs get a random common offset so large logits are exercised too.

use gradflow::Indices;
use gradflow::Tensor;
use gradflow::testing::{assert_gradients, shape, tensor};
use proptest::prelude::*;

/// A tensor and an axis.
fn tensor_and_axis(low: f64, high: f64) -> impl Strategy<Value = (Tensor<f64>, usize)> {
    shape(3, 4).prop_flat_map(move |s| {
        let rank = s.len();
        (tensor(s, low, high), 0..rank)
    })
}

/// A tensor, an axis, and 1..=6 indices into that axis (repeats likely).
fn index_select_case() -> impl Strategy<Value = (Tensor<f64>, usize, Indices)> {
    tensor_and_axis(-3.0, 3.0).prop_flat_map(|(x, axis)| {
        let size = x.shape()[axis];
        let indices = prop::collection::vec(0..size, 1..=6).prop_map(|i| Indices::new(&i));
        (Just(x), Just(axis), indices)
    })
}

/// A tensor, an axis, and a gather index of the tensor's rank: no larger
/// than the tensor on the other axes, 1..=5 long along `axis`, its values
/// valid positions along `axis` (repeats likely).
fn gather_case() -> impl Strategy<Value = (Tensor<f64>, usize, Indices)> {
    tensor_and_axis(-3.0, 3.0)
        .prop_flat_map(|(x, axis)| {
            let dims: Vec<_> = x
                .shape()
                .iter()
                .enumerate()
                .map(|(i, &d)| if i == axis { 1..=5usize } else { 1..=d })
                .collect();
            (Just(x), Just(axis), dims)
        })
        .prop_flat_map(|(x, axis, index_shape)| {
            let size = x.shape()[axis];
            let n: usize = index_shape.iter().product();
            let index = prop::collection::vec(0..size, n).prop_map(move |data| {
                Indices::from_vec(data, index_shape.clone()).expect("length matches")
            });
            (Just(x), Just(axis), index)
        })
}

/// A tensor with elements in `[-4, 4]` plus a common offset in `[-30, 30]`,
/// and an axis.
fn logits_and_axis() -> impl Strategy<Value = (Tensor<f64>, usize)> {
    (tensor_and_axis(-4.0, 4.0), -30.0f64..=30.0)
        .prop_map(|((x, axis), offset)| (x.add_scalar(offset), axis))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn index_select_grad_matches_finite_differences_with_repeated_indices(
        (x, axis, indices) in index_select_case(),
    ) {
        assert_gradients(|v| v[0].index_select(axis, &indices), &[x])?;
    }

    #[test]
    fn gather_grad_matches_finite_differences_with_repeated_indices(
        (x, axis, index) in gather_case(),
    ) {
        assert_gradients(|v| v[0].gather(axis, &index), &[x])?;
    }

    #[test]
    fn softmax_grad_matches_finite_differences((x, axis) in logits_and_axis()) {
        assert_gradients(|v| v[0].softmax(axis), &[x])?;
    }

    #[test]
    fn log_softmax_grad_matches_finite_differences((x, axis) in logits_and_axis()) {
        assert_gradients(|v| v[0].log_softmax(axis), &[x])?;
    }

    #[test]
    fn logsumexp_grad_matches_finite_differences(
        ((x, axis), keepdim) in (logits_and_axis(), any::<bool>()),
    ) {
        assert_gradients(|v| v[0].logsumexp(axis, keepdim), &[x])?;
    }

    /// A cross-entropy-like chain: log_softmax, then gather the target
    /// class's log-probability; the indices pick repeated rows too.
    #[test]
    fn log_softmax_then_gather_grad_matches_finite_differences(
        (x, axis, index) in gather_case(),
    ) {
        assert_gradients(|v| v[0].log_softmax(axis).gather(axis, &index).mean_all(), &[x])?;
    }
}
