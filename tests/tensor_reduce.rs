//! Property tests for the reductions against naive loops.
//!
//! The reference walks every input multi-index, zeroes the reduced axes to
//! find the output position it belongs to, and collects the elements of
//! each output position in a bucket; sums, means, extrema and variances are
//! then computed per bucket in `f64`. Nothing here calls a gradflow kernel
//! to compute an expected value.
//!
//! Floating-point tolerances are the classical bounds for summation in the
//! tensor's precision `T`: any summation order of `n` terms is off by at
//! most about `n·ε·Σ|x|`, so the `f32` tolerance grows with the reduction
//! length. Extrema and arg-extrema are compared exactly.

use std::panic::{AssertUnwindSafe, catch_unwind};

use gradflow::{Scalar, Tensor};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::test_runner::TestCaseError;

/// Runs `$body` twice, with `$t` standing for `f32` and then for `f64`.
macro_rules! for_f32_and_f64 {
    ($t:ident => $body:block) => {{
        {
            type $t = f32;
            $body
        }
        {
            type $t = f64;
            $body
        }
    }};
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// A dimension in `0..=5`, with size 0 and size 1 drawn often.
fn dim() -> impl Strategy<Value = usize> + Clone {
    prop_oneof![1 => Just(0usize), 2 => Just(1usize), 6 => 2usize..=5]
}

/// A shape of rank `0..=4`.
fn shape() -> impl Strategy<Value = Vec<usize>> + Clone {
    prop::collection::vec(dim(), 0..=4)
}

/// Continuous values, and small integers so that sums are often exact and
/// extrema often tied.
fn values() -> BoxedStrategy<f64> {
    prop_oneof![2 => -10.0..10.0, 3 => (-3i32..=3).prop_map(f64::from)].boxed()
}

/// Like [`values`], with NaN and infinities mixed in, for the extrema.
fn values_with_nan() -> BoxedStrategy<f64> {
    prop_oneof![
        40 => values(),
        1 => Just(f64::NAN),
        1 => select(&[f64::INFINITY, f64::NEG_INFINITY][..]),
    ]
    .boxed()
}

/// Values from `-2..=2` only (ties everywhere), or from a wide range; NaN
/// now and then.
fn values_for_arg() -> BoxedStrategy<f64> {
    prop_oneof![
        40 => (-2i32..=2).prop_map(f64::from),
        10 => -10.0..10.0,
        1 => Just(f64::NAN),
    ]
    .boxed()
}

/// A shape, its values, a random subset of its axes in random order (the
/// empty list means every axis), and `keepdim`.
type ReduceCase = (Vec<usize>, Vec<f64>, Vec<usize>, bool);

fn reduce_case(values: BoxedStrategy<f64>) -> impl Strategy<Value = ReduceCase> {
    shape().prop_flat_map(move |s| {
        let n: usize = s.iter().product();
        let r = s.len();
        (
            Just(s),
            prop::collection::vec(values.clone(), n),
            subsequence((0..r).collect::<Vec<_>>(), 0..=r).prop_shuffle(),
            any::<bool>(),
        )
    })
}

/// A shape of rank `1..=4`, its values, an axis and `keepdim`.
type ArgCase = (Vec<usize>, Vec<f64>, usize, bool);

fn arg_case() -> impl Strategy<Value = ArgCase> {
    prop::collection::vec(dim(), 1..=4).prop_flat_map(|s| {
        let n: usize = s.iter().product();
        let r = s.len();
        (
            Just(s),
            prop::collection::vec(values_for_arg(), n),
            0..r,
            any::<bool>(),
        )
    })
}

// ---------------------------------------------------------------------------
// Naive reference
// ---------------------------------------------------------------------------

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &d) in index.iter_mut().zip(shape).rev() {
        *i = flat % d;
        flat /= d;
    }
    index
}

/// The row-major position of a multi-index in `shape`.
fn ravel(index: &[usize], shape: &[usize]) -> usize {
    index.iter().zip(shape).fold(0, |acc, (&i, &d)| acc * d + i)
}

/// Which axes a reduction over `axes` reduces: all of them when `axes` is
/// empty, as in PyTorch.
fn reduced_mask(rank: usize, axes: &[usize]) -> Vec<bool> {
    (0..rank)
        .map(|a| axes.is_empty() || axes.contains(&a))
        .collect()
}

/// The expected output shape.
fn expected_shape(shape: &[usize], axes: &[usize], keepdim: bool) -> Vec<usize> {
    let mask = reduced_mask(shape.len(), axes);
    shape
        .iter()
        .zip(&mask)
        .filter_map(|(&d, &reduced)| match (reduced, keepdim) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

/// The elements each output position reduces, in row-major order of the
/// output: every input element goes to the output position whose index is
/// its own with the reduced axes set to 0.
fn buckets(data: &[f64], shape: &[usize], axes: &[usize]) -> Vec<Vec<f64>> {
    let mask = reduced_mask(shape.len(), axes);
    let kept: Vec<usize> = shape
        .iter()
        .zip(&mask)
        .map(|(&d, &reduced)| if reduced { 1 } else { d })
        .collect();
    let mut out = vec![Vec::new(); kept.iter().product()];
    for (flat, &x) in data.iter().enumerate() {
        let index: Vec<usize> = unravel(flat, shape)
            .into_iter()
            .zip(&mask)
            .map(|(i, &reduced)| if reduced { 0 } else { i })
            .collect();
        out[ravel(&index, &kept)].push(x);
    }
    out
}

fn sum_abs(xs: &[f64]) -> f64 {
    xs.iter().map(|x| x.abs()).sum()
}

/// Sum and tolerance: the kernel's and the reference's rounding errors are
/// each at most `(n - 1)·ε·Σ|x|`.
fn sum_ref(xs: &[f64], eps: f64) -> (f64, f64) {
    let n = xs.len() as f64;
    (xs.iter().sum(), 2.0 * n * eps * sum_abs(xs))
}

/// Mean (NaN for no elements) and tolerance: the sum's error over `n`,
/// plus the division's rounding.
fn mean_ref(xs: &[f64], eps: f64) -> (f64, f64) {
    let n = xs.len() as f64;
    let total: f64 = xs.iter().sum();
    (total / n, 2.0 * (n + 1.0) * eps * sum_abs(xs) / n)
}

/// `torch.amax` of one bucket: NaN if any element is NaN.
fn max_ref(xs: &[f64]) -> f64 {
    if xs.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    xs.iter()
        .copied()
        .fold(f64::NEG_INFINITY, |a, x| if x > a { x } else { a })
}

/// `torch.amin` of one bucket: NaN if any element is NaN.
fn min_ref(xs: &[f64]) -> f64 {
    if xs.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    xs.iter()
        .copied()
        .fold(f64::INFINITY, |a, x| if x < a { x } else { a })
}

/// `torch.var(correction=c)` of one bucket, two-pass:
/// `Σ(x - mean)² / max(n - c, 0)`, and a tolerance.
///
/// The kernel's mean is off by at most `δ = (n + 1)·ε·Σ|x| / n`; that shifts
/// `Σ(x - mean)²` by `n·δ²` (the first-order term cancels because the
/// deviations sum to zero), and the squares and their sum add
/// `(n + 2)·ε·Σ(x - mean)²`. The result is doubled for the reference's own
/// rounding, and again for slack.
fn var_ref(xs: &[f64], correction: usize, eps: f64) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let s2: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    let denom = (n - correction as f64).max(0.0);
    let delta = (n + 1.0) * eps * sum_abs(xs) / n;
    let tol = 4.0 * ((n + 2.0) * eps * s2 + 2.0 * n * delta * delta) / denom;
    (s2 / denom, tol)
}

/// Whether a kernel output agrees with the reference: NaN matches NaN,
/// infinities must match exactly, finite values within `tol`.
fn agrees(actual: f64, expected: f64, tol: f64) -> bool {
    if expected.is_nan() || actual.is_nan() {
        expected.is_nan() && actual.is_nan()
    } else if expected.is_infinite() || actual.is_infinite() {
        actual == expected
    } else {
        (actual - expected).abs() <= tol
    }
}

// ---------------------------------------------------------------------------
// Checkers
// ---------------------------------------------------------------------------

fn to_tensor<T: Scalar>(xs: &[f64], shape: &[usize]) -> Tensor<T> {
    Tensor::from_vec(xs.iter().map(|&x| T::of(x)).collect(), shape).unwrap()
}

/// The values of a tensor, widened to `f64`.
fn widened<T: Scalar>(t: &Tensor<T>) -> Vec<f64> {
    t.data().iter().map(|x| x.as_f64()).collect()
}

/// Compares `kernel(x)`, a reduction over `axes` (all if empty), with
/// `reference(bucket, ε_T) -> (expected, tolerance)` per output position.
#[allow(clippy::too_many_arguments)]
fn check_reduce<T: Scalar>(
    name: &str,
    shape: &[usize],
    xs: &[f64],
    axes: &[usize],
    keepdim: bool,
    kernel: impl Fn(&Tensor<T>) -> Tensor<T>,
    reference: impl Fn(&[f64], f64) -> (f64, f64),
) -> Result<(), TestCaseError> {
    let input = to_tensor::<T>(xs, shape);
    let output = kernel(&input);
    let out_shape = expected_shape(shape, axes, keepdim);
    prop_assert_eq!(
        output.shape(),
        &out_shape[..],
        "{} ({}) of shape {:?} over axes {:?}, keepdim {}: wrong output shape",
        name,
        T::DTYPE,
        shape,
        axes,
        keepdim
    );
    let eps = T::epsilon().as_f64();
    let groups = buckets(&widened(&input), shape, axes);
    for (o, (group, &y)) in groups.iter().zip(output.data()).enumerate() {
        let (expected, tol) = reference(group, eps);
        let y = y.as_f64();
        prop_assert!(
            agrees(y, expected, tol),
            "{} ({}) of shape {:?} over axes {:?}, keepdim {}, at output position {}: \
             {} elements {:?}, expected {:e} (± {:e}), got {:e}",
            name,
            T::DTYPE,
            shape,
            axes,
            keepdim,
            o,
            group.len(),
            group,
            expected,
            tol,
            y
        );
    }
    Ok(())
}

/// Exact comparison, for the extrema.
fn exact(reference: fn(&[f64]) -> f64) -> impl Fn(&[f64], f64) -> (f64, f64) {
    move |xs, _| (reference(xs), 0.0)
}

/// `torch.argmax` / `torch.argmin` along `axis`: for each output position,
/// the first index of a NaN if there is one, else the first index of the
/// largest (smallest) value.
fn arg_ref(data: &[f64], shape: &[usize], axis: usize, largest: bool) -> Vec<usize> {
    let kept: Vec<usize> = shape
        .iter()
        .enumerate()
        .map(|(a, &d)| if a == axis { 1 } else { d })
        .collect();
    let numel: usize = kept.iter().product();
    (0..numel)
        .map(|o| {
            let mut index = unravel(o, &kept);
            let mut best: Option<(usize, f64)> = None;
            for j in 0..shape[axis] {
                index[axis] = j;
                let x = data[ravel(&index, shape)];
                if x.is_nan() {
                    return j;
                }
                let better = match best {
                    None => true,
                    Some((_, b)) => (largest && x > b) || (!largest && x < b),
                };
                if better {
                    best = Some((j, x));
                }
            }
            best.expect("the test only calls this for a nonempty axis")
                .0
        })
        .collect()
}

fn check_arg<T: Scalar>(case: &ArgCase, largest: bool) -> Result<(), TestCaseError> {
    let (shape, xs, axis, keepdim) = case;
    let (axis, keepdim) = (*axis, *keepdim);
    let name = if largest { "argmax" } else { "argmin" };
    let input = to_tensor::<T>(xs, shape);
    let run = || {
        if largest {
            input.argmax(axis, keepdim)
        } else {
            input.argmin(axis, keepdim)
        }
    };
    if shape[axis] == 0 {
        // Like torch.argmax over an empty dimension: an error.
        prop_assert!(
            catch_unwind(AssertUnwindSafe(run)).is_err(),
            "{} ({}) over empty axis {} of {:?} must panic",
            name,
            T::DTYPE,
            axis,
            shape
        );
        return Ok(());
    }
    let output = run();
    let mut out_shape = shape.clone();
    if keepdim {
        out_shape[axis] = 1;
    } else {
        out_shape.remove(axis);
    }
    prop_assert_eq!(
        output.shape(),
        &out_shape[..],
        "{} ({}) shape",
        name,
        T::DTYPE
    );
    let expected = arg_ref(&widened(&input), shape, axis, largest);
    prop_assert_eq!(
        output.data(),
        &expected[..],
        "{} ({}) of shape {:?} along axis {}, values {:?}",
        name,
        T::DTYPE,
        shape,
        axis,
        widened(&input)
    );
    Ok(())
}

/// A reduction with a fixed axis list and name, for the determinism check.
type NamedReduction<'a, T> = (&'static str, Box<dyn Fn(&Tensor<T>) -> Tensor<T> + 'a>);

/// Whether reducing `axes` of `shape` (all if empty) reduces a size-0 axis.
fn reduces_empty_axis(shape: &[usize], axes: &[usize]) -> bool {
    shape
        .iter()
        .zip(reduced_mask(shape.len(), axes))
        .any(|(&d, reduced)| reduced && d == 0)
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sum_over_axes_matches_naive_loops((shape, xs, axes, keepdim) in reduce_case(values())) {
        for_f32_and_f64!(T => {
            check_reduce::<T>("sum", &shape, &xs, &axes, keepdim, |t| t.sum(&axes, keepdim), sum_ref)?;
        });
    }

    #[test]
    fn sum_all_matches_naive_loop((shape, xs, _, _) in reduce_case(values())) {
        for_f32_and_f64!(T => {
            check_reduce::<T>("sum_all", &shape, &xs, &[], false, |t| t.sum_all(), sum_ref)?;
        });
    }

    #[test]
    fn mean_over_axes_matches_naive_loops((shape, xs, axes, keepdim) in reduce_case(values())) {
        for_f32_and_f64!(T => {
            check_reduce::<T>("mean", &shape, &xs, &axes, keepdim, |t| t.mean(&axes, keepdim), mean_ref)?;
        });
    }

    #[test]
    fn mean_all_matches_naive_loop((shape, xs, _, _) in reduce_case(values())) {
        for_f32_and_f64!(T => {
            check_reduce::<T>("mean_all", &shape, &xs, &[], false, |t| t.mean_all(), mean_ref)?;
        });
    }

    #[test]
    fn max_over_axes_propagates_nan_and_matches_naive_loops(
        (shape, xs, axes, keepdim) in reduce_case(values_with_nan())
    ) {
        for_f32_and_f64!(T => {
            if reduces_empty_axis(&shape, &axes) {
                // torch.amax has no identity to return for an empty axis.
                let t = to_tensor::<T>(&xs, &shape);
                prop_assert!(catch_unwind(AssertUnwindSafe(|| t.max(&axes, keepdim))).is_err());
            } else {
                check_reduce::<T>("max", &shape, &xs, &axes, keepdim, |t| t.max(&axes, keepdim), exact(max_ref))?;
            }
        });
    }

    #[test]
    fn min_over_axes_propagates_nan_and_matches_naive_loops(
        (shape, xs, axes, keepdim) in reduce_case(values_with_nan())
    ) {
        for_f32_and_f64!(T => {
            if reduces_empty_axis(&shape, &axes) {
                let t = to_tensor::<T>(&xs, &shape);
                prop_assert!(catch_unwind(AssertUnwindSafe(|| t.min(&axes, keepdim))).is_err());
            } else {
                check_reduce::<T>("min", &shape, &xs, &axes, keepdim, |t| t.min(&axes, keepdim), exact(min_ref))?;
            }
        });
    }

    #[test]
    fn max_all_and_min_all_propagate_nan_and_match_naive_loops(
        (shape, xs, _, _) in reduce_case(values_with_nan())
    ) {
        for_f32_and_f64!(T => {
            if xs.is_empty() {
                let t = to_tensor::<T>(&xs, &shape);
                prop_assert!(catch_unwind(AssertUnwindSafe(|| t.max_all())).is_err());
                prop_assert!(catch_unwind(AssertUnwindSafe(|| t.min_all())).is_err());
            } else {
                check_reduce::<T>("max_all", &shape, &xs, &[], false, |t| t.max_all(), exact(max_ref))?;
                check_reduce::<T>("min_all", &shape, &xs, &[], false, |t| t.min_all(), exact(min_ref))?;
            }
        });
    }

    #[test]
    fn var_over_axes_matches_two_pass_reference(
        (shape, xs, axes, keepdim) in reduce_case(values()),
        correction in 0usize..=2,
    ) {
        for_f32_and_f64!(T => {
            check_reduce::<T>(
                "var", &shape, &xs, &axes, keepdim,
                |t| t.var(&axes, correction, keepdim),
                |g, eps| var_ref(g, correction, eps),
            )?;
        });
    }

    #[test]
    fn var_all_matches_two_pass_reference(
        (shape, xs, _, _) in reduce_case(values()),
        correction in 0usize..=2,
    ) {
        for_f32_and_f64!(T => {
            check_reduce::<T>(
                "var_all", &shape, &xs, &[], false,
                |t| t.var_all(correction),
                |g, eps| var_ref(g, correction, eps),
            )?;
        });
    }

    #[test]
    fn argmax_takes_first_of_ties_and_first_nan(case in arg_case()) {
        for_f32_and_f64!(T => {
            check_arg::<T>(&case, true)?;
        });
    }

    #[test]
    fn argmin_takes_first_of_ties_and_first_nan(case in arg_case()) {
        for_f32_and_f64!(T => {
            check_arg::<T>(&case, false)?;
        });
    }

    #[test]
    fn argmax_all_is_the_first_flat_maximum((shape, xs, _, _) in reduce_case(values_for_arg())) {
        for_f32_and_f64!(T => {
            let t = to_tensor::<T>(&xs, &shape);
            if xs.is_empty() {
                prop_assert!(catch_unwind(AssertUnwindSafe(|| t.argmax_all())).is_err());
            } else {
                let flat = widened(&t);
                let expected = arg_ref(&flat, &[flat.len()], 0, true)[0];
                prop_assert_eq!(t.argmax_all(), expected, "argmax_all ({}) of {:?}", T::DTYPE, flat);
            }
        });
    }

    #[test]
    fn reductions_are_deterministic(
        (shape, xs, axes, keepdim) in reduce_case(prop_oneof![-1e3..1e3, values_with_nan()].boxed()),
        correction in 0usize..=2,
    ) {
        for_f32_and_f64!(T => {
            // Two separately allocated copies of the same input.
            let a = to_tensor::<T>(&xs, &shape);
            let b = to_tensor::<T>(&xs, &shape);
            let bits = |t: Tensor<T>| -> Vec<u64> { t.data().iter().map(|x| x.as_f64().to_bits()).collect() };
            let mut runs: Vec<NamedReduction<'_, T>> = vec![
                ("sum", Box::new(|t| t.sum(&axes, keepdim))),
                ("mean", Box::new(|t| t.mean(&axes, keepdim))),
                ("var", Box::new(|t| t.var(&axes, correction, keepdim))),
                ("sum_all", Box::new(|t| t.sum_all())),
                ("mean_all", Box::new(|t| t.mean_all())),
                ("var_all", Box::new(|t| t.var_all(correction))),
            ];
            if !reduces_empty_axis(&shape, &axes) {
                runs.push(("max", Box::new(|t| t.max(&axes, keepdim))));
                runs.push(("min", Box::new(|t| t.min(&axes, keepdim))));
            }
            if !xs.is_empty() {
                runs.push(("max_all", Box::new(|t| t.max_all())));
                runs.push(("min_all", Box::new(|t| t.min_all())));
            }
            for (name, run) in &runs {
                let first = bits(run(&a));
                prop_assert_eq!(&first, &bits(run(&a)), "{} ({}) changed between calls", name, T::DTYPE);
                prop_assert_eq!(&first, &bits(run(&b)), "{} ({}) differs on a copy", name, T::DTYPE);
            }
            if let Some(axis) = shape.iter().position(|&d| d > 0) {
                let first = a.argmax(axis, keepdim);
                prop_assert_eq!(&first, &a.argmax(axis, keepdim));
                prop_assert_eq!(&first, &b.argmax(axis, keepdim));
                let first = a.argmin(axis, keepdim);
                prop_assert_eq!(&first, &b.argmin(axis, keepdim));
            }
        });
    }
}

/// A hand-checked case of every reduction, in case the generators drift.
#[test]
fn reductions_of_a_small_matrix_match_hand_computation() {
    for_f32_and_f64!(T => {
        // [[1, 5, 5], [4, -2, 4]]
        let x = to_tensor::<T>(&[1.0, 5.0, 5.0, 4.0, -2.0, 4.0], &[2, 3]);
        let v = |t: Tensor<T>| widened(&t);
        assert_eq!(v(x.sum(&[1], false)), [11.0, 6.0]);
        assert_eq!(v(x.sum(&[0], true)), [5.0, 3.0, 9.0]);
        assert_eq!(v(x.mean(&[0], false)), [2.5, 1.5, 4.5]);
        assert_eq!(v(x.max(&[1], false)), [5.0, 4.0]);
        assert_eq!(v(x.min(&[], false)), [-2.0]);
        // Row 0 has mean 11/3 and Σ(x - mean)² = 32/3.
        let var = v(x.var(&[1], 0, false))[0];
        assert!((var - 32.0 / 9.0).abs() < 1e-6, "{var}");
        assert_eq!(x.argmax(1, false).to_vec(), [1, 0]);
        assert_eq!(x.argmin(1, false).to_vec(), [0, 1]);
        assert_eq!(x.argmax_all(), 1);
    });
}
