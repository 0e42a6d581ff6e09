//! Shape and layout kernels: `reshape`, `transpose`/`permute` (which
//! materialize a copy), `broadcast_to` and its reverse `sum_to`, `concat`,
//! `stack`, `narrow`, `squeeze`/`unsqueeze`.

use super::shape::{broadcast_strides, same_dims};
use super::strided::StridedRows;
use super::{Shape, Tensor, check_axis, split_at_axis};
use crate::scalar::Scalar;

impl<T: Scalar> Tensor<T> {
    /// The same elements in a new shape with the same element count. Shares
    /// the buffer (no copy): tensors are always contiguous.
    ///
    /// # Panics
    /// If the element counts differ.
    #[track_caller]
    pub fn reshape(&self, shape: impl Into<Shape>) -> Tensor<T> {
        let shape = shape.into();
        assert!(
            shape.checked_numel() == Some(self.numel()),
            "reshape: cannot view shape {:?} ({} elements) as {:?}; the element counts must match",
            self.shape(),
            self.numel(),
            shape.dims()
        );
        let mut out = self.clone();
        out.shape = shape;
        out
    }

    /// Inserts an axis of size 1 at position `axis` (`0..=rank`).
    ///
    /// # Panics
    /// If `axis > rank`.
    #[track_caller]
    pub fn unsqueeze(&self, axis: usize) -> Tensor<T> {
        assert!(
            axis <= self.rank(),
            "unsqueeze: axis {axis} is out of range for shape {:?}; it may be at most the rank {}",
            self.shape(),
            self.rank()
        );
        let mut dims = self.shape().to_vec();
        dims.insert(axis, 1);
        self.reshape(dims)
    }

    /// Removes axis `axis`, which must have size 1.
    ///
    /// # Panics
    /// If the axis is out of range or its size is not 1.
    #[track_caller]
    pub fn squeeze(&self, axis: usize) -> Tensor<T> {
        check_axis("squeeze", axis, self.shape());
        assert!(
            self.shape()[axis] == 1,
            "squeeze: axis {axis} of shape {:?} has size {}, not 1",
            self.shape(),
            self.shape()[axis]
        );
        let mut dims = self.shape().to_vec();
        dims.remove(axis);
        self.reshape(dims)
    }

    /// Reorders the axes: output axis `i` is input axis `perm[i]`, as
    /// `torch.permute`. Materializes a contiguous copy.
    ///
    /// # Panics
    /// If `perm` is not a permutation of `0..rank`.
    #[track_caller]
    pub fn permute(&self, perm: &[usize]) -> Tensor<T> {
        let rank = self.rank();
        let mut seen = vec![false; rank];
        let valid = perm.len() == rank
            && perm
                .iter()
                .all(|&p| p < rank && !std::mem::replace(&mut seen[p], true));
        assert!(
            valid,
            "permute: {perm:?} is not a permutation of the {rank} axes of shape {:?}",
            self.shape()
        );
        if rank == 0 {
            return self.clone();
        }
        let strides = self.shape_ref().strides();
        let out_shape: Vec<usize> = perm.iter().map(|&p| self.shape()[p]).collect();
        let in_strides: Vec<usize> = perm.iter().map(|&p| strides[p]).collect();
        let row = out_shape[rank - 1];
        let step = in_strides[rank - 1];
        let data = self.data();
        let mut out = Vec::with_capacity(self.numel());
        for [offset] in StridedRows::new(&out_shape, [&in_strides]) {
            out.extend((0..row).map(|j| data[offset + j * step]));
        }
        Tensor::from_parts(out, Shape::new(&out_shape))
    }

    /// Swaps two axes (a copy), as `torch.transpose(a, b)`.
    ///
    /// # Panics
    /// If either axis is out of range.
    #[track_caller]
    pub fn transpose(&self, a: usize, b: usize) -> Tensor<T> {
        check_axis("transpose", a, self.shape());
        check_axis("transpose", b, self.shape());
        let mut perm: Vec<usize> = (0..self.rank()).collect();
        perm.swap(a, b);
        self.permute(&perm)
    }

    /// The transpose of a matrix (a copy). To multiply by a transpose
    /// without copying, use [`Tensor::matmul_t`].
    ///
    /// # Panics
    /// If the tensor is not 2-D.
    #[track_caller]
    pub fn t(&self) -> Tensor<T> {
        assert!(
            self.rank() == 2,
            "t: expects a 2-D tensor, got shape {:?}",
            self.shape()
        );
        self.transpose(0, 1)
    }

    /// Repeats the tensor along size-1 and missing leading axes to `shape`,
    /// as `torch.broadcast_to` (here a materialized copy).
    ///
    /// # Panics
    /// If the tensor does not broadcast to exactly `shape`.
    #[track_caller]
    pub fn broadcast_to(&self, shape: impl Into<Shape>) -> Tensor<T> {
        let shape = shape.into();
        let fits = Shape::broadcast(self.shape(), &shape).is_some_and(|b| b == shape);
        assert!(
            fits,
            "broadcast_to: shape {:?} does not broadcast to {:?}; each dimension must equal the target's or be 1",
            self.shape(),
            shape.dims()
        );
        if shape.rank() == 0 {
            return self.clone();
        }
        let strides = broadcast_strides(self.shape(), &shape);
        let rank = shape.rank();
        let (row, step) = (shape[rank - 1], strides[rank - 1]);
        let data = self.data();
        let mut out = Vec::with_capacity(shape.numel());
        for [offset] in StridedRows::new(&shape, [&strides]) {
            if step == 0 {
                out.extend(std::iter::repeat_n(data[offset], row));
            } else {
                out.extend_from_slice(&data[offset..offset + row]);
            }
        }
        Tensor::from_parts(out, shape)
    }

    /// Sums over the axes along which `shape` was broadcast to this tensor's
    /// shape: the reverse of [`Tensor::broadcast_to`], and the gradient rule
    /// of every broadcasting op.
    ///
    /// # Panics
    /// If `shape` does not broadcast to this tensor's shape.
    #[track_caller]
    pub fn sum_to(&self, shape: impl Into<Shape>) -> Tensor<T> {
        let target = shape.into();
        if same_dims(target.dims(), self.shape()) {
            return self.clone();
        }
        // A bias gradient: summing whole leading blocks is a row sum.
        if super::binary::is_trailing_block(&target, self.shape()) && target.rank() <= self.rank() {
            let row = target.numel();
            return Tensor::build(target, |out| {
                for chunk in self.data().chunks_exact(row) {
                    for (o, &x) in out.iter_mut().zip(chunk) {
                        *o += x;
                    }
                }
            });
        }
        let fits =
            Shape::broadcast(&target, self.shape()).is_some_and(|b| b.dims() == self.shape());
        assert!(
            fits,
            "sum_to: shape {:?} does not broadcast to {:?}, so {:?} cannot be summed back to it",
            target.dims(),
            self.shape(),
            self.shape()
        );
        let lead = self.rank() - target.rank();
        let axes: Vec<usize> = (0..self.rank())
            .filter(|&i| i < lead || (target[i - lead] == 1 && self.shape()[i] != 1))
            .collect();
        if axes.is_empty() {
            return self.reshape(target);
        }
        self.sum(&axes, true).reshape(target)
    }

    /// The sub-tensor `start..start + len` along `axis` (a copy), as
    /// `torch.narrow`.
    ///
    /// # Panics
    /// If the axis is out of range or `start + len` exceeds its size.
    #[track_caller]
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Tensor<T> {
        check_axis("narrow", axis, self.shape());
        let size = self.shape()[axis];
        assert!(
            start.checked_add(len).is_some_and(|end| end <= size),
            "narrow: range {start}..{} is out of bounds for axis {axis} of shape {:?} (size {size})",
            start.saturating_add(len),
            self.shape()
        );
        let (outer, _, inner) = split_at_axis(self.shape(), axis);
        let data = self.data();
        let mut out = Vec::with_capacity(outer * len * inner);
        for o in 0..outer {
            let begin = (o * size + start) * inner;
            out.extend_from_slice(&data[begin..begin + len * inner]);
        }
        let mut shape = self.shape_ref().clone();
        shape.dims_mut()[axis] = len;
        Tensor::from_parts(out, shape)
    }

    /// Joins tensors along an existing `axis`, as `torch.cat`. All must have
    /// the same rank and equal sizes on every other axis.
    ///
    /// # Panics
    /// If `tensors` is empty, or the ranks or other dimensions differ.
    #[track_caller]
    pub fn concat(tensors: &[&Tensor<T>], axis: usize) -> Tensor<T> {
        assert!(!tensors.is_empty(), "concat: needs at least one tensor");
        let first = tensors[0].shape();
        check_axis("concat", axis, first);
        for t in tensors {
            let same = t.rank() == first.len()
                && t.shape()
                    .iter()
                    .zip(first)
                    .enumerate()
                    .all(|(i, (a, b))| i == axis || a == b);
            assert!(
                same,
                "concat: shape {:?} does not match {:?} outside axis {axis}; all tensors need the same rank and sizes on the other axes",
                t.shape(),
                first
            );
        }
        let total: usize = tensors.iter().map(|t| t.shape()[axis]).sum();
        let (outer, _, inner) = split_at_axis(first, axis);
        let mut out = Vec::with_capacity(outer * total * inner);
        for o in 0..outer {
            for t in tensors {
                let block = t.shape()[axis] * inner;
                out.extend_from_slice(&t.data()[o * block..(o + 1) * block]);
            }
        }
        let mut shape = Shape::new(first);
        shape.dims_mut()[axis] = total;
        Tensor::from_parts(out, shape)
    }

    /// Joins tensors of one shape along a new axis inserted at `axis`
    /// (`0..=rank`), as `torch.stack`.
    ///
    /// # Panics
    /// If `tensors` is empty, the shapes differ, or `axis > rank`.
    #[track_caller]
    pub fn stack(tensors: &[&Tensor<T>], axis: usize) -> Tensor<T> {
        assert!(!tensors.is_empty(), "stack: needs at least one tensor");
        let first = tensors[0].shape();
        for t in tensors {
            assert!(
                t.shape() == first,
                "stack: shapes {:?} and {first:?} differ; stacked tensors must have one shape",
                t.shape()
            );
        }
        assert!(
            axis <= first.len(),
            "stack: axis {axis} is out of range for stacking shape {first:?}; it may be at most the rank {}",
            first.len()
        );
        let expanded: Vec<Tensor<T>> = tensors.iter().map(|t| t.unsqueeze(axis)).collect();
        let refs: Vec<&Tensor<T>> = expanded.iter().collect();
        Tensor::concat(&refs, axis)
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    fn iota(shape: &[usize]) -> Tensor<f64> {
        let n = shape.iter().product::<usize>();
        Tensor::from_vec((0..n).map(|x| x as f64).collect(), shape).unwrap()
    }

    #[test]
    fn reshape_shares_storage() {
        let x = iota(&[2, 3]);
        let y = x.reshape([3, 2]);
        assert!(x.shares_storage(&y));
        assert_eq!(y.shape(), [3, 2]);
    }

    #[test]
    fn transpose_moves_elements() {
        let x = iota(&[2, 3]);
        assert_eq!(x.t().to_vec(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        let p = iota(&[2, 3, 4]).permute(&[2, 0, 1]);
        assert_eq!(p.shape(), [4, 2, 3]);
        // p[k, i, j] = x[i, j, k] = 12i + 4j + k
        assert_eq!(p.get(&[3, 1, 2]).unwrap(), 12.0 + 8.0 + 3.0);
    }

    #[test]
    fn broadcast_then_sum_to_multiplies_by_the_repeat_count() {
        let b = iota(&[3, 1]);
        let big = b.broadcast_to([2, 3, 4]);
        assert_eq!(big.get(&[1, 2, 3]).unwrap(), 2.0);
        assert_eq!(big.sum_to([3, 1]).to_vec(), vec![0.0, 8.0, 16.0]);
    }

    #[test]
    fn concat_stack_narrow_round_trip() {
        let a = iota(&[2, 3]);
        let b = iota(&[2, 2]).add_scalar(100.0);
        let c = Tensor::concat(&[&a, &b], 1);
        assert_eq!(c.shape(), [2, 5]);
        assert_eq!(c.narrow(1, 0, 3), a);
        assert_eq!(c.narrow(1, 3, 2), b);
        let s = Tensor::stack(&[&a, &a], 1);
        assert_eq!(s.shape(), [2, 2, 3]);
        assert_eq!(s.narrow(1, 1, 1).reshape([2, 3]), a);
    }

    #[test]
    #[should_panic(expected = "reshape: cannot view shape [2, 3] (6 elements) as [4, 2]")]
    fn reshape_with_wrong_count_panics() {
        let _ = iota(&[2, 3]).reshape([4, 2]);
    }

    #[test]
    #[should_panic(expected = "broadcast_to: shape [2, 3] does not broadcast to [3, 3]")]
    fn bad_broadcast_to_panics() {
        let _ = iota(&[2, 3]).broadcast_to([3, 3]);
    }

    #[test]
    #[should_panic(expected = "narrow: range 2..5 is out of bounds for axis 1")]
    fn narrow_past_the_end_panics() {
        let _ = iota(&[2, 3]).narrow(1, 2, 3);
    }
}
