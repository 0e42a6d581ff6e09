//! Integer indexing: `index_select`, `gather`, `one_hot`, and their adjoints
//! `index_add` and `scatter_add` (the gradient rules of the first two).

use super::strided::StridedRows;
use super::{Indices, Shape, Tensor, check_axis, split_at_axis};
use crate::scalar::Scalar;

#[track_caller]
fn check_index(op: &str, index: usize, axis: usize, shape: &[usize]) {
    assert!(
        index < shape[axis],
        "{op}: index {index} is out of range for axis {axis} of shape {shape:?} (size {})",
        shape[axis]
    );
}

impl<T: Scalar> Tensor<T> {
    /// Picks the slices `indices[0], indices[1], ...` along `axis`, as
    /// `torch.index_select`: the output has `axis` of size `indices.numel()`.
    ///
    /// # Panics
    /// If `indices` is not 1-D, the axis is out of range, or an index is.
    #[track_caller]
    pub fn index_select(&self, axis: usize, indices: &Indices) -> Tensor<T> {
        check_axis("index_select", axis, self.shape());
        assert!(
            indices.rank() == 1,
            "index_select: indices must be 1-D, got shape {:?}",
            indices.shape()
        );
        let (outer, len, inner) = split_at_axis(self.shape(), axis);
        for &i in indices.data() {
            check_index("index_select", i, axis, self.shape());
        }
        let data = self.data();
        let mut out = Vec::with_capacity(outer * indices.numel() * inner);
        for o in 0..outer {
            for &i in indices.data() {
                let begin = (o * len + i) * inner;
                out.extend_from_slice(&data[begin..begin + inner]);
            }
        }
        let mut shape = self.shape_ref().clone();
        shape.dims_mut()[axis] = indices.numel();
        Tensor::from_parts(out, shape)
    }

    /// The adjoint of [`Tensor::index_select`]: a zero tensor of `shape` with
    /// each slice of `self` along `axis` added at position `indices[j]`
    /// (repeated indices accumulate), as `torch.index_add`.
    ///
    /// # Panics
    /// If the shapes do not correspond or an index is out of range.
    #[track_caller]
    pub fn index_add(&self, axis: usize, indices: &Indices, shape: impl Into<Shape>) -> Tensor<T> {
        let shape = shape.into();
        check_axis("index_add", axis, &shape);
        let mut expected = shape.clone();
        expected.dims_mut()[axis] = indices.numel();
        assert!(
            indices.rank() == 1 && self.shape() == expected.dims(),
            "index_add: source of shape {:?} with indices of shape {:?} does not fit target {:?} along axis {axis}",
            self.shape(),
            indices.shape(),
            shape.dims()
        );
        for &i in indices.data() {
            check_index("index_add", i, axis, &shape);
        }
        let (outer, len, inner) = split_at_axis(&shape, axis);
        let mut out = vec![T::zero(); shape.numel()];
        let src = self.data();
        let picked = indices.numel();
        for o in 0..outer {
            for (j, &i) in indices.data().iter().enumerate() {
                let from = &src[(o * picked + j) * inner..][..inner];
                let to = &mut out[(o * len + i) * inner..][..inner];
                for (t, &s) in to.iter_mut().zip(from) {
                    *t += s;
                }
            }
        }
        Tensor::from_parts(out, shape)
    }

    /// `out[..., j, ...] = self[..., index[..., j, ...], ...]` along `axis`,
    /// as `torch.gather`: `index` has the tensor's rank, the output its shape,
    /// and on every other axis it may be no larger than the tensor.
    ///
    /// # Panics
    /// If the ranks differ, `index` is larger on another axis, or an index
    /// is out of range.
    #[track_caller]
    pub fn gather(&self, axis: usize, index: &Indices) -> Tensor<T> {
        let offsets = gather_offsets("gather", self.shape(), axis, index);
        let data = self.data();
        let out = offsets.into_iter().map(|o| data[o]).collect();
        Tensor::from_parts(out, Shape::new(index.shape()))
    }

    /// The adjoint of [`Tensor::gather`]: a zero tensor of `shape` with each
    /// element of `self` added at the position `index` names along `axis`
    /// (repeated positions accumulate), as `torch.scatter_add`.
    ///
    /// # Panics
    /// If `self` and `index` differ in shape, or as [`Tensor::gather`].
    #[track_caller]
    pub fn scatter_add(&self, axis: usize, index: &Indices, shape: impl Into<Shape>) -> Tensor<T> {
        let shape = shape.into();
        assert!(
            self.shape() == index.shape(),
            "scatter_add: source shape {:?} and index shape {:?} must be equal",
            self.shape(),
            index.shape()
        );
        let offsets = gather_offsets("scatter_add", &shape, axis, index);
        let mut out = vec![T::zero(); shape.numel()];
        for (&o, &x) in offsets.iter().zip(self.data()) {
            out[o] += x;
        }
        Tensor::from_parts(out, shape)
    }

    /// One-hot encoding, as `torch.nn.functional.one_hot`: shape
    /// `indices.shape() + [num_classes]`, with a 1 at each index.
    ///
    /// # Panics
    /// If an index is `>= num_classes`.
    #[track_caller]
    pub fn one_hot(indices: &Indices, num_classes: usize) -> Tensor<T> {
        let mut out = vec![T::zero(); indices.numel() * num_classes];
        for (row, &i) in indices.data().iter().enumerate() {
            assert!(
                i < num_classes,
                "one_hot: class index {i} is out of range for {num_classes} classes"
            );
            out[row * num_classes + i] = T::one();
        }
        let mut dims = indices.shape().to_vec();
        dims.push(num_classes);
        Tensor::from_parts(out, Shape::new(&dims))
    }
}

/// For each element of `index` (row-major), its flat offset into a tensor of
/// `shape` when the coordinate along `axis` is replaced by the index value.
#[track_caller]
fn gather_offsets(op: &str, shape: &[usize], axis: usize, index: &Indices) -> Vec<usize> {
    check_axis(op, axis, shape);
    let ishape = index.shape();
    let fits = ishape.len() == shape.len()
        && ishape
            .iter()
            .zip(shape)
            .enumerate()
            .all(|(d, (&i, &s))| d == axis || i <= s);
    assert!(
        fits,
        "{op}: index of shape {ishape:?} does not fit tensor of shape {shape:?} along axis {axis}; \
         it needs the same rank and no larger size on the other axes"
    );
    let strides = Shape::new(shape).strides();
    let mut walk = strides.to_vec();
    let axis_stride = std::mem::replace(&mut walk[axis], 0);
    let rank = shape.len();
    let (row, step) = (ishape[rank - 1], walk[rank - 1]);
    let mut offsets = Vec::with_capacity(index.numel());
    let idx = index.data();
    for [base] in StridedRows::new(ishape, [&walk]) {
        let start = offsets.len();
        for j in 0..row {
            let i = idx[start + j];
            check_index(op, i, axis, shape);
            offsets.push(base + j * step + i * axis_stride);
        }
    }
    offsets
}

#[cfg(test)]
mod tests {
    use crate::{Indices, Tensor};

    fn iota(shape: &[usize]) -> Tensor<f64> {
        let n = shape.iter().product::<usize>();
        Tensor::from_vec((0..n).map(|x| x as f64).collect(), shape).unwrap()
    }

    #[test]
    fn index_select_picks_rows_and_index_add_puts_them_back() {
        let x = iota(&[3, 2]);
        let idx = Indices::new(&[2, 0, 2]);
        let y = x.index_select(0, &idx);
        assert_eq!(y.to_vec(), vec![4.0, 5.0, 0.0, 1.0, 4.0, 5.0]);
        let back = y.index_add(0, &idx, [3, 2]);
        assert_eq!(back.to_vec(), vec![0.0, 1.0, 0.0, 0.0, 8.0, 10.0]);
    }

    #[test]
    fn gather_picks_class_scores() {
        // Picking each row's target logit, as cross-entropy does.
        let logits = iota(&[2, 3]);
        let targets = Indices::from_vec(vec![2, 0], [2, 1]).unwrap();
        assert_eq!(logits.gather(1, &targets).to_vec(), vec![2.0, 3.0]);
        let back = Tensor::<f64>::ones([2, 1]).scatter_add(1, &targets, [2, 3]);
        assert_eq!(back.to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn one_hot_marks_each_class() {
        let h = Tensor::<f32>::one_hot(&Indices::new(&[1, 0]), 3);
        assert_eq!(h.shape(), [2, 3]);
        assert_eq!(h.to_vec(), vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "one_hot: class index 3 is out of range for 3 classes")]
    fn one_hot_out_of_range_panics() {
        let _ = Tensor::<f32>::one_hot(&Indices::new(&[3]), 3);
    }

    #[test]
    #[should_panic(expected = "gather: index 5 is out of range for axis 1 of shape [2, 3]")]
    fn gather_out_of_range_panics() {
        let idx = Indices::from_vec(vec![5, 0], [2, 1]).unwrap();
        let _ = iota(&[2, 3]).gather(1, &idx);
    }
}
