#![cfg(feature = "testing")]
//! Gradients of the reductions (`src/tape/ops/reduce.rs`) against central
//! finite differences in `f64`, over random shapes (rank 1..=3, dims 1..=4),
//! random subsets of axes (in random order; the empty set reduces over all
//! axes) and both `keepdim` settings.
//!
//! `max` and `min` get tensors whose elements are all distinct (at least
//! 0.15 apart, far more than the 1e-3 margin from ties where the extremum
//! is not differentiable); `var` is only asked for reductions over more
//! elements than its correction.

use gradflow::Tensor;
use gradflow::testing::{assert_gradients, shape, tensor};
use proptest::prelude::*;
use proptest::sample::subsequence;

/// A shape, and a random subset of its axes in random order (possibly empty,
/// which reduces over every axis).
fn shape_and_axes() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape(3, 4).prop_flat_map(|s| {
        let rank = s.len();
        let axes = subsequence((0..rank).collect::<Vec<_>>(), 0..=rank).prop_shuffle();
        (Just(s), axes)
    })
}

/// A tensor of random shape with elements in `[-3, 3]`, axes and keepdim.
fn reduce_case() -> impl Strategy<Value = (Tensor<f64>, Vec<usize>, bool)> {
    shape_and_axes().prop_flat_map(|(s, axes)| (tensor(s, -3.0, 3.0), Just(axes), any::<bool>()))
}

/// A tensor of `shape` whose elements are all distinct: a random permutation
/// of evenly spaced values (0.25 apart) plus jitter in `[0, 0.1]`.
fn distinct(shape: Vec<usize>) -> impl Strategy<Value = Tensor<f64>> {
    let n: usize = shape.iter().product();
    (
        Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
        prop::collection::vec(0.0f64..=0.1, n),
    )
        .prop_map(move |(rank, jitter)| {
            let data = rank
                .iter()
                .zip(jitter)
                .map(|(&r, j)| (r as f64 - n as f64 / 2.0) * 0.25 + j)
                .collect();
            Tensor::from_vec(data, shape.clone()).expect("length matches")
        })
}

/// As [`reduce_case`], with all elements distinct (no ties anywhere).
fn reduce_case_without_ties() -> impl Strategy<Value = (Tensor<f64>, Vec<usize>, bool)> {
    shape_and_axes().prop_flat_map(|(s, axes)| (distinct(s), Just(axes), any::<bool>()))
}

/// Number of elements each output of a reduction over `axes` (all if
/// empty) combines.
fn reduced_count(shape: &[usize], axes: &[usize]) -> usize {
    if axes.is_empty() {
        shape.iter().product()
    } else {
        axes.iter().map(|&a| shape[a]).product()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn sum_grad_matches_finite_differences_over_random_axes((x, axes, keepdim) in reduce_case()) {
        assert_gradients(|v| v[0].sum(&axes, keepdim), &[x])?;
    }

    #[test]
    fn sum_all_grad_matches_finite_differences((x, _, _) in reduce_case()) {
        assert_gradients(|v| v[0].sum_all(), &[x])?;
    }

    #[test]
    fn mean_grad_matches_finite_differences_over_random_axes((x, axes, keepdim) in reduce_case()) {
        assert_gradients(|v| v[0].mean(&axes, keepdim), &[x])?;
    }

    #[test]
    fn mean_all_grad_matches_finite_differences((x, _, _) in reduce_case()) {
        assert_gradients(|v| v[0].mean_all(), &[x])?;
    }

    #[test]
    fn max_grad_matches_finite_differences_over_random_axes_without_ties(
        (x, axes, keepdim) in reduce_case_without_ties(),
    ) {
        assert_gradients(|v| v[0].max(&axes, keepdim), &[x])?;
    }

    #[test]
    fn min_grad_matches_finite_differences_over_random_axes_without_ties(
        (x, axes, keepdim) in reduce_case_without_ties(),
    ) {
        assert_gradients(|v| v[0].min(&axes, keepdim), &[x])?;
    }

    #[test]
    fn var_grad_matches_finite_differences_over_random_axes_with_correction_0_and_1(
        ((x, axes, keepdim), correction) in (reduce_case(), 0usize..=1)
            .prop_filter("needs more elements than the correction", |((x, axes, _), c)| {
                reduced_count(x.shape(), axes) > *c
            }),
    ) {
        assert_gradients(|v| v[0].var(&axes, correction, keepdim), &[x])?;
    }

    /// Reductions chained under a nonlinearity: each rule receives a
    /// non-uniform upstream gradient of the reduced shape.
    #[test]
    fn chained_reductions_grad_matches_finite_differences(
        (x, axes, keepdim) in reduce_case_without_ties(),
    ) {
        assert_gradients(
            |v| {
                let m = v[0].max(&axes, true).tanh();
                (v[0] * m).mean(&axes, keepdim).square().sum_all()
            },
            &[x],
        )?;
    }
}
