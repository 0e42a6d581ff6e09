//! Property tests for the layout and indexing kernels: `reshape`,
//! `unsqueeze`, `squeeze`, `permute`, `transpose`, `t`, `broadcast_to`,
//! `sum_to`, `concat`, `stack`, `narrow`, `index_select`, `index_add`,
//! `gather`, `scatter_add` and `one_hot`, in `f32` and `f64`.
//!
//! Expected values come from naive references written here: each visits
//! every multi-dimensional output (or source) index and computes where its
//! element comes from (or goes to) by the op's definition, as in PyTorch.
//! Copies must be exact; accumulations (`sum_to`, `index_add`,
//! `scatter_add`) are compared with `f64` sums to a rounding tolerance.

use gradflow::{Indices, Scalar, Tensor};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// Index arithmetic for the references.

fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &d) in index.iter_mut().zip(shape).rev() {
        *i = flat % d;
        flat /= d;
    }
    index
}

/// The row-major position of multi-index `index` in `shape`.
fn ravel(index: &[usize], shape: &[usize]) -> usize {
    assert_eq!(index.len(), shape.len(), "reference: rank mismatch");
    index.iter().zip(shape).fold(0, |acc, (&i, &d)| {
        assert!(i < d, "reference: index {index:?} outside {shape:?}");
        acc * d + i
    })
}

/// Every multi-index of `shape`, in row-major order.
fn all_indices(shape: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
    (0..numel(shape)).map(move |flat| unravel(flat, shape))
}

fn tensor<T: Scalar>(shape: &[usize], values: &[f64]) -> Tensor<T> {
    Tensor::from_vec(values.iter().map(|&x| T::of(x)).collect(), shape).unwrap()
}

fn eps<T: Scalar>() -> f64 {
    T::epsilon().as_f64()
}

/// `got` has exactly `shape` and the elements `expected`, bit for bit.
fn assert_exact<T: Scalar>(
    got: &Tensor<T>,
    shape: &[usize],
    expected: &[T],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), shape);
    prop_assert_eq!(got.numel(), expected.len());
    for (flat, (g, e)) in got.data().iter().zip(expected).enumerate() {
        prop_assert!(
            g == e,
            "element {:?} of shape {:?}: got {}, expected {}",
            unravel(flat, shape),
            shape,
            g,
            e
        );
    }
    Ok(())
}

/// `got` has exactly `shape` and each element within `tol[i]` of `expected[i]`.
fn assert_close<T: Scalar>(
    got: &Tensor<T>,
    shape: &[usize],
    expected: &[f64],
    tol: &[f64],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), shape);
    prop_assert_eq!(got.numel(), expected.len());
    for (flat, ((g, e), t)) in got.data().iter().zip(expected).zip(tol).enumerate() {
        let err = (g.as_f64() - e).abs();
        prop_assert!(
            err <= *t,
            "element {:?} of shape {:?}: got {}, expected {}, error {:e} > tolerance {:e}",
            unravel(flat, shape),
            shape,
            g,
            e,
            err,
            t
        );
    }
    Ok(())
}

/// `<x, y>` in `f64`, with the sum of `|xᵢ·yᵢ|` (to scale a tolerance).
fn dot<T: Scalar>(x: &Tensor<T>, y: &Tensor<T>) -> (f64, f64) {
    assert_eq!(x.shape(), y.shape(), "reference: dot of different shapes");
    x.data()
        .iter()
        .zip(y.data())
        .fold((0.0, 0.0), |(s, a), (&p, &q)| {
            let t = p.as_f64() * q.as_f64();
            (s + t, a + t.abs())
        })
}

// ---------------------------------------------------------------------------
// Strategies.

/// Shapes with dims `0..=max_dim`; an empty dim is drawn one time in ten so
/// that most cases still hold elements.
fn shape_in(ranks: std::ops::RangeInclusive<usize>, max_dim: usize) -> BoxedStrategy<Vec<usize>> {
    let dim = prop_oneof![1 => Just(0usize), 9 => 1..=max_dim];
    prop::collection::vec(dim, ranks).boxed()
}

fn values(len: usize) -> BoxedStrategy<Vec<f64>> {
    prop::collection::vec(-10.0f64..=10.0, len).boxed()
}

/// A shape of rank 1..=4 with dims 0..=5, and values for it.
fn any_tensor() -> BoxedStrategy<(Vec<usize>, Vec<f64>)> {
    shape_in(1..=4, 5)
        .prop_flat_map(|s| {
            let n = numel(&s);
            (Just(s), values(n))
        })
        .boxed()
}

/// A tensor and one of its axes.
fn tensor_and_axis() -> BoxedStrategy<(Vec<usize>, Vec<f64>, usize)> {
    any_tensor()
        .prop_flat_map(|(s, v)| {
            let r = s.len();
            (Just(s), Just(v), 0..r)
        })
        .boxed()
}

/// `(small, big)`: `small` broadcasts to `big`. `big` has rank 1..=4 and
/// dims 0..=5; `small` drops some leading axes and sets some others to 1.
fn broadcast_pair() -> BoxedStrategy<(Vec<usize>, Vec<usize>)> {
    shape_in(1..=4, 5)
        .prop_flat_map(|big| {
            let r = big.len();
            (Just(big), 0..=r, prop::collection::vec(any::<bool>(), r))
        })
        .prop_map(|(big, lead, ones)| {
            let small = big[lead..]
                .iter()
                .zip(&ones[lead..])
                .map(|(&d, &one)| if one { 1 } else { d })
                .collect();
            (small, big)
        })
        .boxed()
}

/// The source position a broadcast output position reads: leading axes
/// dropped, size-1 axes pinned to 0.
fn broadcast_source(out_index: &[usize], small: &[usize]) -> Vec<usize> {
    let lead = out_index.len() - small.len();
    out_index[lead..]
        .iter()
        .zip(small)
        .map(|(&i, &d)| if d == 1 { 0 } else { i })
        .collect()
}

/// A shape, an axis and 1-D indices valid along it (length 0..=6).
fn axis_and_indices() -> BoxedStrategy<(Vec<usize>, usize, Vec<usize>)> {
    shape_in(1..=4, 5)
        .prop_flat_map(|s| {
            let r = s.len();
            (Just(s), 0..r)
        })
        .prop_flat_map(|(s, axis)| {
            let size = s[axis];
            let len = if size == 0 { 0..=0 } else { 0..=6 };
            let idx = prop::collection::vec(0..size.max(1), len);
            (Just(s), Just(axis), idx)
        })
        .boxed()
}

/// A tensor shape, an axis, and a `torch.gather` index for it.
#[derive(Clone, Debug)]
struct GatherCase {
    shape: Vec<usize>,
    axis: usize,
    /// Same rank as `shape`, no larger on the other axes.
    ishape: Vec<usize>,
    /// Row-major in `ishape`, each below `shape[axis]`.
    index: Vec<usize>,
}

fn gather_index() -> BoxedStrategy<GatherCase> {
    shape_in(1..=4, 5)
        .prop_flat_map(|s| {
            let r = s.len();
            (Just(s), 0..r)
        })
        .prop_flat_map(|(s, axis)| {
            let dims: Vec<BoxedStrategy<usize>> = s
                .iter()
                .enumerate()
                .map(|(d, &size)| match (d == axis, size) {
                    (true, 0) => Just(0).boxed(),
                    (true, _) => (0..=5usize).boxed(),
                    (false, _) => (0..=size).boxed(),
                })
                .collect();
            (Just(s), Just(axis), dims)
        })
        .prop_flat_map(|(s, axis, ishape)| {
            let idx = prop::collection::vec(0..s[axis].max(1), numel(&ishape));
            (Just(s), Just(axis), Just(ishape), idx)
        })
        .prop_map(|(shape, axis, ishape, index)| GatherCase {
            shape,
            axis,
            ishape,
            index,
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Checks, generic over the element type.

fn check_reshape<T: Scalar>(
    shape: &[usize],
    vals: &[f64],
    target: &[usize],
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, vals);
    let expected: Vec<T> = all_indices(target)
        .map(|idx| {
            // Same row-major position, read back in the old shape.
            let src = unravel(ravel(&idx, target), shape);
            x.data()[ravel(&src, shape)]
        })
        .collect();
    assert_exact(&x.reshape(target), target, &expected)
}

fn check_unsqueeze<T: Scalar>(
    shape: &[usize],
    vals: &[f64],
    axis: usize,
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, vals);
    let mut out_shape = shape.to_vec();
    out_shape.insert(axis, 1);
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|mut idx| {
            prop_assert_eq!(idx.remove(axis), 0);
            Ok(x.data()[ravel(&idx, shape)])
        })
        .collect::<Result<_, TestCaseError>>()?;
    assert_exact(&x.unsqueeze(axis), &out_shape, &expected)
}

fn check_squeeze<T: Scalar>(
    shape: &[usize],
    vals: &[f64],
    axis: usize,
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, vals);
    let mut out_shape = shape.to_vec();
    out_shape.remove(axis);
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|mut idx| {
            idx.insert(axis, 0);
            x.data()[ravel(&idx, shape)]
        })
        .collect();
    assert_exact(&x.squeeze(axis), &out_shape, &expected)
}

fn check_permute<T: Scalar>(
    shape: &[usize],
    vals: &[f64],
    perm: &[usize],
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, vals);
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|idx| {
            // Output axis i is input axis perm[i].
            let mut src = vec![0; shape.len()];
            for (&p, &i) in perm.iter().zip(&idx) {
                src[p] = i;
            }
            x.data()[ravel(&src, shape)]
        })
        .collect();
    assert_exact(&x.permute(perm), &out_shape, &expected)
}

fn check_transpose<T: Scalar>(
    shape: &[usize],
    vals: &[f64],
    a: usize,
    b: usize,
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, vals);
    let mut out_shape = shape.to_vec();
    out_shape.swap(a, b);
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|mut idx| {
            idx.swap(a, b);
            x.data()[ravel(&idx, shape)]
        })
        .collect();
    assert_exact(&x.transpose(a, b), &out_shape, &expected)
}

fn check_t<T: Scalar>(rows: usize, cols: usize, vals: &[f64]) -> Result<(), TestCaseError> {
    let x = tensor::<T>(&[rows, cols], vals);
    let mut expected = Vec::with_capacity(rows * cols);
    for j in 0..cols {
        for i in 0..rows {
            expected.push(x.data()[i * cols + j]);
        }
    }
    assert_exact(&x.t(), &[cols, rows], &expected)
}

fn check_broadcast_to<T: Scalar>(
    small: &[usize],
    big: &[usize],
    vals: &[f64],
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(small, vals);
    let expected: Vec<T> = all_indices(big)
        .map(|idx| x.data()[ravel(&broadcast_source(&idx, small), small)])
        .collect();
    assert_exact(&x.broadcast_to(big), big, &expected)
}

fn check_sum_to_of_broadcast<T: Scalar>(
    small: &[usize],
    big: &[usize],
    vals: &[f64],
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(small, vals);
    let lead = big.len() - small.len();
    // How many copies of each element broadcasting makes.
    let repeats: usize = big
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i < lead || small[i - lead] == 1 {
                d
            } else {
                1
            }
        })
        .product();
    let expected: Vec<f64> = x
        .data()
        .iter()
        .map(|v| v.as_f64() * repeats as f64)
        .collect();
    // Summing `repeats` copies is within (repeats - 1)·eps·repeats·|x| of exact.
    let tol: Vec<f64> = expected
        .iter()
        .map(|e| repeats as f64 * eps::<T>() * e.abs())
        .collect();
    let round_trip = x.broadcast_to(big).sum_to(small);
    assert_close(&round_trip, small, &expected, &tol)
}

fn check_sum_to<T: Scalar>(
    small: &[usize],
    big: &[usize],
    vals: &[f64],
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(big, vals);
    let mut sums = vec![0.0f64; numel(small)];
    let mut abs_sums = vec![0.0f64; numel(small)];
    let mut counts = vec![0usize; numel(small)];
    for (flat, idx) in all_indices(big).enumerate() {
        let to = ravel(&broadcast_source(&idx, small), small);
        let v = x.data()[flat].as_f64();
        sums[to] += v;
        abs_sums[to] += v.abs();
        counts[to] += 1;
    }
    // Any summation order is within (n - 1)·eps·Σ|x| of the exact sum.
    let tol: Vec<f64> = abs_sums
        .iter()
        .zip(&counts)
        .map(|(a, &n)| n as f64 * eps::<T>() * a)
        .collect();
    assert_close(&x.sum_to(small), small, &sums, &tol)
}

fn check_concat<T: Scalar>(
    base: &[usize],
    axis: usize,
    parts: &[(usize, Vec<f64>)],
) -> Result<(), TestCaseError> {
    let shapes: Vec<Vec<usize>> = parts
        .iter()
        .map(|(size, _)| {
            let mut s = base.to_vec();
            s[axis] = *size;
            s
        })
        .collect();
    let tensors: Vec<Tensor<T>> = shapes
        .iter()
        .zip(parts)
        .map(|(s, (_, v))| tensor::<T>(s, v))
        .collect();
    let mut out_shape = base.to_vec();
    out_shape[axis] = parts.iter().map(|(size, _)| size).sum();
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|mut idx| {
            // Find the part whose range along `axis` holds idx[axis].
            let mut p = 0;
            while idx[axis] >= shapes[p][axis] {
                idx[axis] -= shapes[p][axis];
                p += 1;
            }
            tensors[p].data()[ravel(&idx, &shapes[p])]
        })
        .collect();
    let refs: Vec<&Tensor<T>> = tensors.iter().collect();
    assert_exact(&Tensor::concat(&refs, axis), &out_shape, &expected)
}

fn check_stack<T: Scalar>(
    shape: &[usize],
    axis: usize,
    parts: &[Vec<f64>],
) -> Result<(), TestCaseError> {
    let tensors: Vec<Tensor<T>> = parts.iter().map(|v| tensor::<T>(shape, v)).collect();
    let mut out_shape = shape.to_vec();
    out_shape.insert(axis, parts.len());
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|mut idx| {
            let p = idx.remove(axis);
            tensors[p].data()[ravel(&idx, shape)]
        })
        .collect();
    let refs: Vec<&Tensor<T>> = tensors.iter().collect();
    assert_exact(&Tensor::stack(&refs, axis), &out_shape, &expected)
}

fn check_narrow<T: Scalar>(
    shape: &[usize],
    vals: &[f64],
    axis: usize,
    start: usize,
    len: usize,
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, vals);
    let mut out_shape = shape.to_vec();
    out_shape[axis] = len;
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|mut idx| {
            idx[axis] += start;
            x.data()[ravel(&idx, shape)]
        })
        .collect();
    assert_exact(&x.narrow(axis, start, len), &out_shape, &expected)
}

fn check_index_select<T: Scalar>(
    shape: &[usize],
    vals: &[f64],
    axis: usize,
    picks: &[usize],
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, vals);
    let mut out_shape = shape.to_vec();
    out_shape[axis] = picks.len();
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|mut idx| {
            idx[axis] = picks[idx[axis]];
            x.data()[ravel(&idx, shape)]
        })
        .collect();
    assert_exact(
        &x.index_select(axis, &Indices::new(picks)),
        &out_shape,
        &expected,
    )
}

fn check_index_add<T: Scalar>(
    shape: &[usize],
    axis: usize,
    picks: &[usize],
    x_vals: &[f64],
    y_vals: &[f64],
) -> Result<(), TestCaseError> {
    let mut src_shape = shape.to_vec();
    src_shape[axis] = picks.len();
    let x = tensor::<T>(shape, x_vals);
    let y = tensor::<T>(&src_shape, y_vals);
    let indices = Indices::new(picks);

    // Naive: every source slice j lands on target slice picks[j].
    let mut sums = vec![0.0f64; numel(shape)];
    let mut abs_sums = vec![0.0f64; numel(shape)];
    for (flat, mut idx) in all_indices(&src_shape).enumerate() {
        idx[axis] = picks[idx[axis]];
        let v = y.data()[flat].as_f64();
        sums[ravel(&idx, shape)] += v;
        abs_sums[ravel(&idx, shape)] += v.abs();
    }
    let tol: Vec<f64> = abs_sums
        .iter()
        .map(|a| picks.len() as f64 * eps::<T>() * a)
        .collect();
    let added = y.index_add(axis, &indices, shape);
    assert_close(&added, shape, &sums, &tol)?;

    // Adjoint: <index_select(x), y> = <x, index_add(y)>.
    let (lhs, lhs_abs) = dot(&x.index_select(axis, &indices), &y);
    let (rhs, rhs_abs) = dot(&x, &added);
    let tol = 4.0 * (picks.len() + numel(shape)) as f64 * eps::<T>() * (lhs_abs + rhs_abs);
    prop_assert!(
        (lhs - rhs).abs() <= tol,
        "<index_select(x), y> = {} but <x, index_add(y)> = {}",
        lhs,
        rhs
    );
    Ok(())
}

fn check_gather<T: Scalar>(case: &GatherCase, vals: &[f64]) -> Result<(), TestCaseError> {
    let (shape, axis, ishape, idx_vals) = (
        &case.shape[..],
        case.axis,
        &case.ishape[..],
        &case.index[..],
    );
    let x = tensor::<T>(shape, vals);
    let index = Indices::from_vec(idx_vals.to_vec(), ishape).unwrap();
    let expected: Vec<T> = all_indices(ishape)
        .enumerate()
        .map(|(flat, mut idx)| {
            idx[axis] = idx_vals[flat];
            x.data()[ravel(&idx, shape)]
        })
        .collect();
    assert_exact(&x.gather(axis, &index), ishape, &expected)
}

fn check_scatter_add<T: Scalar>(
    case: &GatherCase,
    x_vals: &[f64],
    y_vals: &[f64],
) -> Result<(), TestCaseError> {
    let (shape, axis, ishape, idx_vals) = (
        &case.shape[..],
        case.axis,
        &case.ishape[..],
        &case.index[..],
    );
    let x = tensor::<T>(shape, x_vals);
    let y = tensor::<T>(ishape, y_vals);
    let index = Indices::from_vec(idx_vals.to_vec(), ishape).unwrap();

    // Naive: source element at idx lands at idx with axis -> index[idx].
    let mut sums = vec![0.0f64; numel(shape)];
    let mut abs_sums = vec![0.0f64; numel(shape)];
    let mut counts = vec![0usize; numel(shape)];
    for (flat, mut idx) in all_indices(ishape).enumerate() {
        idx[axis] = idx_vals[flat];
        let to = ravel(&idx, shape);
        let v = y.data()[flat].as_f64();
        sums[to] += v;
        abs_sums[to] += v.abs();
        counts[to] += 1;
    }
    let tol: Vec<f64> = abs_sums
        .iter()
        .zip(&counts)
        .map(|(a, &n)| n as f64 * eps::<T>() * a)
        .collect();
    let scattered = y.scatter_add(axis, &index, shape);
    assert_close(&scattered, shape, &sums, &tol)?;

    // Adjoint: <gather(x), y> = <x, scatter_add(y)>.
    let (lhs, lhs_abs) = dot(&x.gather(axis, &index), &y);
    let (rhs, rhs_abs) = dot(&x, &scattered);
    let tol = 4.0 * (numel(ishape) + numel(shape)) as f64 * eps::<T>() * (lhs_abs + rhs_abs);
    prop_assert!(
        (lhs - rhs).abs() <= tol,
        "<gather(x), y> = {} but <x, scatter_add(y)> = {}",
        lhs,
        rhs
    );
    Ok(())
}

fn check_one_hot<T: Scalar>(
    ishape: &[usize],
    idx_vals: &[usize],
    classes: usize,
) -> Result<(), TestCaseError> {
    let index = Indices::from_vec(idx_vals.to_vec(), ishape).unwrap();
    let mut out_shape = ishape.to_vec();
    out_shape.push(classes);
    let expected: Vec<T> = all_indices(&out_shape)
        .map(|mut idx| {
            let c = idx.pop().unwrap();
            if idx_vals[ravel(&idx, ishape)] == c {
                T::one()
            } else {
                T::zero()
            }
        })
        .collect();
    assert_exact(
        &Tensor::<T>::one_hot(&index, classes),
        &out_shape,
        &expected,
    )
}

// ---------------------------------------------------------------------------
// The properties, once per element type.

macro_rules! layout_properties {
    ($name:ident, $t:ty) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(48))]

                #[test]
                fn reshape_reads_the_same_row_major_elements_in_the_new_shape(
                    (shape, vals, target) in any_tensor().prop_flat_map(|(s, v)| {
                        let r = s.len();
                        (Just(s.clone()), Just(v), Just(s).prop_shuffle(),
                         prop::collection::vec(0..=r, 0..=2), any::<bool>())
                    }).prop_map(|(s, v, mut target, ones, merge)| {
                        for at in ones {
                            target.insert(at.min(target.len()), 1);
                        }
                        if merge && target.len() >= 2 {
                            let d = target.remove(0);
                            target[0] *= d;
                        }
                        (s, v, target)
                    })
                ) {
                    check_reshape::<$t>(&shape, &vals, &target)?;
                }

                #[test]
                fn unsqueeze_inserts_a_size_one_axis_at_any_position(
                    (shape, vals, axis) in any_tensor().prop_flat_map(|(s, v)| {
                        let r = s.len();
                        (Just(s), Just(v), 0..=r)
                    })
                ) {
                    check_unsqueeze::<$t>(&shape, &vals, axis)?;
                }

                #[test]
                fn squeeze_removes_a_size_one_axis_at_any_position(
                    (shape, vals, axis) in (shape_in(0..=3, 5), 0usize..=3)
                        .prop_flat_map(|(mut s, at)| {
                            let axis = at.min(s.len());
                            s.insert(axis, 1);
                            let n = numel(&s);
                            (Just(s), values(n), Just(axis))
                        })
                ) {
                    check_squeeze::<$t>(&shape, &vals, axis)?;
                }

                #[test]
                fn permute_moves_each_element_to_its_permuted_index(
                    (shape, vals, perm) in any_tensor().prop_flat_map(|(s, v)| {
                        let perm = Just((0..s.len()).collect::<Vec<_>>()).prop_shuffle();
                        (Just(s), Just(v), perm)
                    })
                ) {
                    check_permute::<$t>(&shape, &vals, &perm)?;
                }

                #[test]
                fn transpose_swaps_two_axes(
                    (shape, vals, a, b) in any_tensor().prop_flat_map(|(s, v)| {
                        let r = s.len();
                        (Just(s), Just(v), 0..r, 0..r)
                    })
                ) {
                    check_transpose::<$t>(&shape, &vals, a, b)?;
                }

                #[test]
                fn t_of_a_matrix_swaps_rows_and_columns(
                    (rows, cols, vals) in (0usize..=6, 0usize..=6)
                        .prop_flat_map(|(r, c)| (Just(r), Just(c), values(r * c)))
                ) {
                    check_t::<$t>(rows, cols, &vals)?;
                }

                #[test]
                fn broadcast_to_repeats_size_one_and_missing_leading_axes(
                    (small, big, vals) in broadcast_pair().prop_flat_map(|(s, b)| {
                        let n = numel(&s);
                        (Just(s), Just(b), values(n))
                    })
                ) {
                    check_broadcast_to::<$t>(&small, &big, &vals)?;
                }

                #[test]
                fn sum_to_of_broadcast_to_is_x_times_the_repeat_count(
                    (small, big, vals) in broadcast_pair().prop_flat_map(|(s, b)| {
                        let n = numel(&s);
                        (Just(s), Just(b), values(n))
                    })
                ) {
                    check_sum_to_of_broadcast::<$t>(&small, &big, &vals)?;
                }

                #[test]
                fn sum_to_matches_a_naive_reduction_over_the_broadcast_axes(
                    (small, big, vals) in broadcast_pair().prop_flat_map(|(s, b)| {
                        let n = numel(&b);
                        (Just(s), Just(b), values(n))
                    })
                ) {
                    check_sum_to::<$t>(&small, &big, &vals)?;
                }

                #[test]
                fn concat_of_random_parts_along_a_random_axis_places_each_part_in_order(
                    (base, axis, parts) in shape_in(1..=4, 5)
                        .prop_flat_map(|s| {
                            let r = s.len();
                            (Just(s), 0..r, prop::collection::vec(0usize..=5, 1..=4))
                        })
                        .prop_flat_map(|(s, axis, sizes)| {
                            let parts: Vec<_> = sizes
                                .iter()
                                .map(|&size| {
                                    let mut shape = s.clone();
                                    shape[axis] = size;
                                    (Just(size), values(numel(&shape)))
                                })
                                .collect();
                            (Just(s), Just(axis), parts)
                        })
                ) {
                    check_concat::<$t>(&base, axis, &parts)?;
                }

                #[test]
                fn stack_puts_each_tensor_at_its_position_along_the_new_axis(
                    (shape, axis, parts) in (shape_in(1..=3, 5), 1usize..=4)
                        .prop_flat_map(|(s, count)| {
                            let r = s.len();
                            let n = numel(&s);
                            (Just(s), 0..=r, prop::collection::vec(values(n), count))
                        })
                ) {
                    check_stack::<$t>(&shape, axis, &parts)?;
                }

                #[test]
                fn narrow_takes_the_slice_start_to_start_plus_len(
                    (shape, vals, axis, start, len) in tensor_and_axis()
                        .prop_flat_map(|(s, v, axis)| {
                            let size = s[axis];
                            (Just(s), Just(v), Just(axis), 0..=size)
                        })
                        .prop_flat_map(|(s, v, axis, start)| {
                            let rest = s[axis] - start;
                            (Just(s), Just(v), Just(axis), Just(start), 0..=rest)
                        })
                ) {
                    check_narrow::<$t>(&shape, &vals, axis, start, len)?;
                }

                #[test]
                fn index_select_picks_the_listed_slices_in_order(
                    (shape, axis, picks, vals) in axis_and_indices().prop_flat_map(|(s, a, i)| {
                        let n = numel(&s);
                        (Just(s), Just(a), Just(i), values(n))
                    })
                ) {
                    check_index_select::<$t>(&shape, &vals, axis, &picks)?;
                }

                #[test]
                fn index_add_accumulates_slices_and_is_the_adjoint_of_index_select(
                    (shape, axis, picks, x, y) in axis_and_indices().prop_flat_map(|(s, a, i)| {
                        let mut src = s.clone();
                        src[a] = i.len();
                        let (n, m) = (numel(&s), numel(&src));
                        (Just(s), Just(a), Just(i), values(n), values(m))
                    })
                ) {
                    check_index_add::<$t>(&shape, axis, &picks, &x, &y)?;
                }

                #[test]
                fn gather_reads_the_indexed_position_along_the_axis(
                    (case, vals) in gather_index().prop_flat_map(|c| {
                        let n = numel(&c.shape);
                        (Just(c), values(n))
                    })
                ) {
                    check_gather::<$t>(&case, &vals)?;
                }

                #[test]
                fn scatter_add_accumulates_at_indexed_positions_and_is_the_adjoint_of_gather(
                    (case, x, y) in gather_index().prop_flat_map(|c| {
                        let (n, m) = (numel(&c.shape), numel(&c.ishape));
                        (Just(c), values(n), values(m))
                    })
                ) {
                    check_scatter_add::<$t>(&case, &x, &y)?;
                }

                #[test]
                fn one_hot_sets_a_single_one_at_each_class_index(
                    (ishape, idx, classes) in (shape_in(1..=3, 5), 1usize..=6)
                        .prop_flat_map(|(s, c)| {
                            let n = numel(&s);
                            (Just(s), prop::collection::vec(0..c, n), Just(c))
                        })
                ) {
                    check_one_hot::<$t>(&ishape, &idx, classes)?;
                }
            }
        }
    };
}

layout_properties!(f32_layout, f32);
layout_properties!(f64_layout, f64);

// ---------------------------------------------------------------------------
// Misuse panics with the documented messages.

fn iota(shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec((0..numel(shape)).map(|x| x as f64).collect(), shape).unwrap()
}

#[test]
#[should_panic(
    expected = "reshape: cannot view shape [2, 3] (6 elements) as [4, 2]; the element counts must match"
)]
fn reshape_to_a_different_element_count_panics() {
    let _ = iota(&[2, 3]).reshape([4, 2]);
}

#[test]
#[should_panic(expected = "broadcast_to: shape [2, 3] does not broadcast to [3, 3]")]
fn broadcast_to_an_incompatible_shape_panics() {
    let _ = iota(&[2, 3]).broadcast_to([3, 3]);
}

#[test]
#[should_panic(expected = "broadcast_to: shape [2, 3] does not broadcast to [3]")]
fn broadcast_to_a_lower_rank_panics() {
    let _ = iota(&[2, 3]).broadcast_to([3]);
}

#[test]
#[should_panic(expected = "sum_to: shape [4] does not broadcast to [2, 3]")]
fn sum_to_a_shape_that_does_not_broadcast_panics() {
    let _ = iota(&[2, 3]).sum_to([4]);
}

#[test]
#[should_panic(
    expected = "narrow: range 2..5 is out of bounds for axis 1 of shape [2, 3] (size 3)"
)]
fn narrow_past_the_end_of_the_axis_panics() {
    let _ = iota(&[2, 3]).narrow(1, 2, 3);
}

#[test]
#[should_panic(expected = "concat: shape [3, 4] does not match [2, 3] outside axis 1")]
fn concat_of_shapes_differing_outside_the_axis_panics() {
    let _ = Tensor::concat(&[&iota(&[2, 3]), &iota(&[3, 4])], 1);
}

#[test]
#[should_panic(expected = "concat: needs at least one tensor")]
fn concat_of_no_tensors_panics() {
    let _ = Tensor::<f32>::concat(&[], 0);
}

#[test]
#[should_panic(expected = "stack: shapes [2, 2] and [2, 3] differ")]
fn stack_of_different_shapes_panics() {
    let _ = Tensor::stack(&[&iota(&[2, 3]), &iota(&[2, 2])], 0);
}

#[test]
#[should_panic(expected = "permute: [0, 0] is not a permutation of the 2 axes of shape [2, 3]")]
fn permute_with_a_repeated_axis_panics() {
    let _ = iota(&[2, 3]).permute(&[0, 0]);
}

#[test]
#[should_panic(expected = "squeeze: axis 1 of shape [2, 3] has size 3, not 1")]
fn squeeze_of_an_axis_larger_than_one_panics() {
    let _ = iota(&[2, 3]).squeeze(1);
}

#[test]
#[should_panic(expected = "gather: index 5 is out of range for axis 1 of shape [2, 3] (size 3)")]
fn gather_with_an_index_out_of_range_panics() {
    let idx = Indices::from_vec(vec![0, 5], [2, 1]).unwrap();
    let _ = iota(&[2, 3]).gather(1, &idx);
}

#[test]
#[should_panic(expected = "gather: index of shape [3, 1] does not fit tensor of shape [2, 3]")]
fn gather_with_an_index_larger_on_another_axis_panics() {
    let idx = Indices::from_vec(vec![0, 0, 0], [3, 1]).unwrap();
    let _ = iota(&[2, 3]).gather(1, &idx);
}

#[test]
#[should_panic(
    expected = "index_select: index 3 is out of range for axis 0 of shape [3, 2] (size 3)"
)]
fn index_select_with_an_index_out_of_range_panics() {
    let _ = iota(&[3, 2]).index_select(0, &Indices::new(&[0, 3]));
}

#[test]
#[should_panic(
    expected = "scatter_add: index 4 is out of range for axis 0 of shape [3, 2] (size 3)"
)]
fn scatter_add_with_an_index_out_of_range_panics() {
    let idx = Indices::from_vec(vec![0, 4], [1, 2]).unwrap();
    let _ = iota(&[1, 2]).scatter_add(0, &idx, [3, 2]);
}
