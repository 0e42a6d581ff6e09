//! Reductions: `sum`, `mean`, `max`, `min`, `var` over all elements or over
//! axes (with `keepdim`), and `argmax`/`argmin`.
//!
//! Every reduction visits elements in one fixed order, so the same input
//! gives the same bits on every run and every machine. Over several axes,
//! the axes are reduced one at a time, the last first.

use super::binary::{nan_max, nan_min};
use super::{Indices, Shape, Tensor, check_axis, split_at_axis};
use crate::scalar::Scalar;

/// Sums a slice with eight interleaved accumulators combined pairwise: a
/// fixed order that the compiler vectorizes, and more accurate than one
/// running sum on long rows.
pub(crate) fn sum_slice<T: Scalar>(xs: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let mut chunks = xs.chunks_exact(8);
    for c in &mut chunks {
        for k in 0..8 {
            acc[k] += c[k];
        }
    }
    for (k, &x) in chunks.remainder().iter().enumerate() {
        acc[k] += x;
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// Reduces one axis of `data` (row-major in `shape`) with `fold`, starting
/// each output from `init`. The result keeps the axis with size 1.
fn fold_axis<T: Scalar>(
    data: &[T],
    shape: &[usize],
    axis: usize,
    init: T,
    fold: impl Fn(T, T) -> T,
) -> Vec<T> {
    let (outer, len, inner) = split_at_axis(shape, axis);
    let mut out = vec![init; outer * inner];
    for (o, acc) in out.chunks_exact_mut(inner.max(1)).enumerate().take(outer) {
        let block = &data[o * len * inner..(o + 1) * len * inner];
        for row in block.chunks_exact(inner.max(1)).take(len) {
            for (a, &x) in acc.iter_mut().zip(row) {
                *a = fold(*a, x);
            }
        }
    }
    out
}

/// Sums one axis; rows along the last axis use [`sum_slice`].
fn sum_axis<T: Scalar>(data: &[T], shape: &[usize], axis: usize) -> Vec<T> {
    let (_, len, inner) = split_at_axis(shape, axis);
    if inner == 1 && len > 0 {
        data.chunks_exact(len).map(sum_slice).collect()
    } else {
        fold_axis(data, shape, axis, T::zero(), |a, x| a + x)
    }
}

/// Validates `axes` for `op` and returns them sorted, without duplicates
/// (an empty list means every axis, as in PyTorch).
#[track_caller]
pub(crate) fn normalize_axes(op: &str, axes: &[usize], shape: &[usize]) -> Vec<usize> {
    if axes.is_empty() {
        return (0..shape.len()).collect();
    }
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        assert!(
            pair[0] != pair[1],
            "{op}: axis {} appears twice in {axes:?}; list each axis once",
            pair[0]
        );
    }
    for &a in &sorted {
        check_axis(op, a, shape);
    }
    sorted
}

/// The shape after reducing `axes`: size 1 kept, or dropped.
pub(crate) fn reduced_shape(shape: &[usize], axes: &[usize], keepdim: bool) -> Shape {
    let dims: Vec<usize> = shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdim) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    Shape::new(&dims)
}

impl<T: Scalar> Tensor<T> {
    /// Reduces `axes` one at a time (the last first) with a per-axis kernel.
    #[track_caller]
    fn reduce_axes(
        &self,
        op: &str,
        axes: &[usize],
        keepdim: bool,
        kernel: impl Fn(&[T], &[usize], usize) -> Vec<T>,
    ) -> Tensor<T> {
        let axes = normalize_axes(op, axes, self.shape());
        let mut shape = Shape::new(self.shape());
        let mut data = None::<Vec<T>>;
        for &axis in axes.iter().rev() {
            let next = kernel(data.as_deref().unwrap_or(self.data()), &shape, axis);
            shape.dims_mut()[axis] = 1;
            data = Some(next);
        }
        let data = data.unwrap_or_else(|| self.to_vec());
        Tensor::from_parts(data, reduced_shape(self.shape(), &axes, keepdim))
    }

    /// Sum of all elements, as a rank-0 tensor.
    pub fn sum_all(&self) -> Tensor<T> {
        Tensor::scalar(sum_slice(self.data()))
    }

    /// Sum over `axes` (all of them if empty, as `torch.sum(dim=[])`);
    /// `keepdim` keeps each reduced axis with size 1.
    ///
    /// ```
    /// use gradflow::Tensor;
    /// let x = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3])?;
    /// assert_eq!(x.sum(&[0], false).to_vec(), vec![5.0, 7.0, 9.0]);
    /// assert_eq!(x.sum(&[1], true).shape(), [2, 1]);
    /// # Ok::<(), gradflow::Error>(())
    /// ```
    ///
    /// # Panics
    /// If an axis is out of range or listed twice.
    #[track_caller]
    pub fn sum(&self, axes: &[usize], keepdim: bool) -> Tensor<T> {
        self.reduce_axes("sum", axes, keepdim, sum_axis)
    }

    /// The L2 norm `√Σx²` of all elements, in `f64`: fast chunks of plain
    /// sums of squares, and LAPACK's scaled `nrm2` for any chunk whose
    /// squares overflow, so huge `f32` values give the right, finite norm.
    /// NaN anywhere gives NaN; otherwise an infinity gives infinity.
    pub fn l2_norm(&self) -> f64 {
        let data = self.data();
        crate::dispatch::with_avx2(
            #[inline(always)]
            || l2_norm_of(data),
        )
    }

    /// Mean of all elements (NaN for an empty tensor, as PyTorch).
    pub fn mean_all(&self) -> Tensor<T> {
        Tensor::scalar(sum_slice(self.data()) / T::of(self.numel() as f64))
    }

    /// Mean over `axes` (all if empty): the sum divided by the number of
    /// elements reduced.
    #[track_caller]
    pub fn mean(&self, axes: &[usize], keepdim: bool) -> Tensor<T> {
        let count = reduced_count(self.shape(), &normalize_axes("mean", axes, self.shape()));
        let sum = self.reduce_axes("mean", axes, keepdim, sum_axis);
        sum.div_scalar(T::of(count as f64))
    }

    /// Largest element; NaN if any element is NaN (`torch.max()`).
    ///
    /// # Panics
    /// If the tensor is empty.
    #[track_caller]
    pub fn max_all(&self) -> Tensor<T> {
        assert!(
            self.numel() > 0,
            "max_all: the tensor of shape {:?} is empty",
            self.shape()
        );
        Tensor::scalar(
            self.data()
                .iter()
                .fold(T::neg_infinity(), |a, &x| nan_max(a, x)),
        )
    }

    /// Smallest element; NaN if any element is NaN.
    ///
    /// # Panics
    /// If the tensor is empty.
    #[track_caller]
    pub fn min_all(&self) -> Tensor<T> {
        assert!(
            self.numel() > 0,
            "min_all: the tensor of shape {:?} is empty",
            self.shape()
        );
        Tensor::scalar(
            self.data()
                .iter()
                .fold(T::infinity(), |a, &x| nan_min(a, x)),
        )
    }

    /// Maximum over `axes` (all if empty), as `torch.amax`: NaN propagates.
    ///
    /// # Panics
    /// If a reduced axis has size 0, or an axis is invalid.
    #[track_caller]
    pub fn max(&self, axes: &[usize], keepdim: bool) -> Tensor<T> {
        self.check_nonempty_axes("max", axes);
        self.reduce_axes("max", axes, keepdim, |d, s, a| {
            fold_axis(d, s, a, T::neg_infinity(), nan_max)
        })
    }

    /// Minimum over `axes` (all if empty), as `torch.amin`: NaN propagates.
    ///
    /// # Panics
    /// If a reduced axis has size 0, or an axis is invalid.
    #[track_caller]
    pub fn min(&self, axes: &[usize], keepdim: bool) -> Tensor<T> {
        self.check_nonempty_axes("min", axes);
        self.reduce_axes("min", axes, keepdim, |d, s, a| {
            fold_axis(d, s, a, T::infinity(), nan_min)
        })
    }

    /// Variance over `axes` (all if empty): `Σ(x - mean)² / (N - correction)`
    /// with `N` the number of elements reduced, as `torch.var(dim,
    /// correction=...)`. `correction = 1` (PyTorch's default) is the unbiased
    /// estimate, `0` the biased one. Where `N ≤ correction` the result is
    /// `inf` or NaN, as in PyTorch.
    #[track_caller]
    pub fn var(&self, axes: &[usize], correction: usize, keepdim: bool) -> Tensor<T> {
        let normalized = normalize_axes("var", axes, self.shape());
        let count = reduced_count(self.shape(), &normalized);
        let mean = self.mean(&normalized, true);
        let dev2 = self.sub(&mean).square();
        let denom = T::of(count as f64 - correction as f64).max(T::zero());
        dev2.sum(&normalized, keepdim).div_scalar(denom)
    }

    /// Variance of all elements with the given `correction` (rank 0).
    pub fn var_all(&self, correction: usize) -> Tensor<T> {
        self.var(&[], correction, false)
    }

    /// Index of the largest element along `axis`, as `torch.argmax`: the
    /// first one on ties; a NaN counts as the largest (the first NaN wins).
    ///
    /// # Panics
    /// If the axis is invalid or has size 0.
    #[track_caller]
    pub fn argmax(&self, axis: usize, keepdim: bool) -> Indices {
        self.arg_best("argmax", axis, keepdim, |x, best| x > best)
    }

    /// Index of the smallest element along `axis` (first on ties; NaN wins).
    ///
    /// # Panics
    /// If the axis is invalid or has size 0.
    #[track_caller]
    pub fn argmin(&self, axis: usize, keepdim: bool) -> Indices {
        self.arg_best("argmin", axis, keepdim, |x, best| x < best)
    }

    /// Flat (row-major) index of the largest element; first on ties, NaN wins.
    ///
    /// # Panics
    /// If the tensor is empty.
    #[track_caller]
    pub fn argmax_all(&self) -> usize {
        assert!(
            self.numel() > 0,
            "argmax_all: the tensor of shape {:?} is empty",
            self.shape()
        );
        let flat = self.reshape([self.numel()]);
        flat.argmax(0, false).data()[0]
    }

    #[track_caller]
    fn arg_best(
        &self,
        op: &str,
        axis: usize,
        keepdim: bool,
        better: impl Fn(T, T) -> bool,
    ) -> Indices {
        check_axis(op, axis, self.shape());
        let (outer, len, inner) = split_at_axis(self.shape(), axis);
        assert!(
            len > 0,
            "{op}: axis {axis} of shape {:?} is empty",
            self.shape()
        );
        let data = self.data();
        let mut out = Vec::with_capacity(outer * inner);
        for o in 0..outer {
            for i in 0..inner {
                let at = |j: usize| data[(o * len + j) * inner + i];
                let (mut best_j, mut best) = (0, at(0));
                for j in 1..len {
                    let x = at(j);
                    if best.is_nan() {
                        break;
                    }
                    if x.is_nan() || better(x, best) {
                        best_j = j;
                        best = x;
                    }
                }
                out.push(best_j);
            }
        }
        Indices::from_parts(out, reduced_shape(self.shape(), &[axis], keepdim))
    }

    #[track_caller]
    fn check_nonempty_axes(&self, op: &str, axes: &[usize]) {
        for a in normalize_axes(op, axes, self.shape()) {
            assert!(
                self.shape()[a] > 0,
                "{op}: cannot reduce axis {a} of shape {:?}: it is empty and {op} has no identity",
                self.shape()
            );
        }
    }
}

fn reduced_count(shape: &[usize], axes: &[usize]) -> usize {
    axes.iter().map(|&a| shape[a]).product()
}

/// The pass behind [`Tensor::l2_norm`]: plain sums of squares per chunk,
/// redone with LAPACK `nrm2` scaling where a chunk's sum overflows.
#[inline(always)]
fn l2_norm_of<T: Scalar>(data: &[T]) -> f64 {
    let mut plain = 0.0f64;
    let (mut scale, mut scaled) = (0.0f64, 1.0f64);
    let mut infinite = false;
    for chunk in data.chunks(256) {
        // Sixteen independent lanes in the element type vectorize;
        // their sum folds into f64 once per chunk.
        let mut lanes = [T::zero(); 16];
        let mut parts = chunk.chunks_exact(16);
        for part in &mut parts {
            for l in 0..16 {
                lanes[l] += part[l] * part[l];
            }
        }
        for (l, &x) in parts.remainder().iter().enumerate() {
            lanes[l] += x * x;
        }
        let s: f64 = lanes.iter().map(|v| v.as_f64()).sum();
        if s.is_finite() {
            plain += s;
            continue;
        }
        for &x in chunk {
            let a = x.as_f64().abs();
            if a.is_nan() {
                return f64::NAN;
            } else if a.is_infinite() {
                infinite = true;
            } else if a > 0.0 {
                if scale < a {
                    scaled = 1.0 + scaled * (scale / a) * (scale / a);
                    scale = a;
                } else {
                    scaled += (a / scale) * (a / scale);
                }
            }
        }
    }
    if infinite {
        f64::INFINITY
    } else if scale == 0.0 {
        plain.sqrt()
    } else {
        scale * (scaled + plain / scale / scale).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
        Tensor::from_slice(data, shape).unwrap()
    }

    #[test]
    fn sum_over_axes_matches_hand_computation() {
        let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        assert_eq!(x.sum(&[0], false).to_vec(), vec![5.0, 7.0, 9.0]);
        assert_eq!(x.sum(&[1], false).to_vec(), vec![6.0, 15.0]);
        assert_eq!(x.sum(&[0, 1], true).shape(), [1, 1]);
        assert_eq!(x.sum(&[], false).item(), 21.0);
        assert_eq!(x.sum_all().item(), 21.0);
    }

    #[test]
    fn l2_norm_is_exact_for_small_and_huge_values() {
        assert_eq!(t(&[3.0, 4.0], &[2]).l2_norm(), 5.0);
        let huge = Tensor::<f32>::from_vec(vec![3e30, 4e30], [2]).unwrap();
        assert!((huge.l2_norm() / 5e30 - 1.0).abs() < 1e-6);
        assert!(t(&[1.0, f64::NAN], &[2]).l2_norm().is_nan());
        assert_eq!(t(&[1.0, f64::INFINITY], &[2]).l2_norm(), f64::INFINITY);
        // 1000 elements cross several chunks.
        let ones = Tensor::<f32>::ones([1000]);
        assert!((ones.l2_norm() - 1000f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn var_uses_the_correction() {
        let x = t(&[1.0, 2.0, 3.0, 4.0], &[4]);
        // mean 2.5, squared deviations sum to 5.
        assert_eq!(x.var_all(1).item(), 5.0 / 3.0);
        assert_eq!(x.var_all(0).item(), 5.0 / 4.0);
        assert!(t(&[1.0], &[1]).var_all(1).item().is_nan());
    }

    #[test]
    fn argmax_takes_first_tie_and_nan() {
        let x = t(&[1.0, 3.0, 3.0, 0.0, f64::NAN, 5.0], &[2, 3]);
        assert_eq!(x.argmax(1, false).to_vec(), vec![1, 1]);
        assert_eq!(x.argmin(1, false).to_vec(), vec![0, 1]);
        assert_eq!(x.argmax_all(), 4);
    }

    #[test]
    fn max_propagates_nan() {
        let x = t(&[1.0, f64::NAN, 3.0], &[3]);
        assert!(x.max(&[0], false).item().is_nan());
        assert!(x.max_all().item().is_nan());
    }

    #[test]
    #[should_panic(expected = "sum: axis 2 is out of range for a tensor of shape [2, 3]")]
    fn sum_over_missing_axis_panics() {
        let _ = Tensor::<f32>::zeros([2, 3]).sum(&[2], false);
    }

    #[test]
    #[should_panic(expected = "max: cannot reduce axis 0 of shape [0, 3]")]
    fn max_of_empty_axis_panics() {
        let _ = Tensor::<f32>::zeros([0, 3]).max(&[0], false);
    }
}
