//! The tensor layer: contiguous n-d arrays and the kernels every op calls.
//!
//! No autodiff lives here. Kernels are grouped one family per file:
//! [`unary`] (elementwise maps and activations), [`binary`] (broadcasting
//! arithmetic), [`reduce`], [`matmul`], [`layout`] (reshape, permute, concat,
//! ...), [`index`] (gather, one-hot) and [`softmax`]. `docs/tensor.md` lists
//! every kernel with its semantics.
//!
//! Misuse (mismatched shapes, an axis out of range) panics with a message
//! naming the op, the shapes and the fix; constructors that take outside
//! data return [`crate::Result`].

pub mod binary;
mod display;
pub mod index;
mod indices;
pub mod layout;
pub mod loss;
pub mod matmul;
mod random;
pub mod reduce;
mod shape;
mod small_gemm;
pub mod softmax;
mod strided;
pub mod unary;

use std::sync::Arc;

pub use indices::Indices;
pub use matmul::Transpose;
pub(crate) use shape::same_dims;
pub use shape::{INLINE_RANK, Shape};

use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// An n-dimensional array of `f32` or `f64`, contiguous and row-major.
///
/// The data sits in a shared, reference-counted buffer: cloning a tensor is
/// cheap and never copies elements. Writing through [`Tensor::data_mut`]
/// copies only if the buffer is shared (copy on write), so once a tape that
/// held a parameter is dropped, updates happen in place.
///
/// ```
/// use gradflow::Tensor;
///
/// let a = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2])?;
/// let b = Tensor::<f32>::ones([2]);
/// let c = a.add(&b); // broadcasts `[2]` over the rows
/// assert_eq!(c.to_vec(), vec![2.0, 3.0, 4.0, 5.0]);
/// assert_eq!(c.sum_all().item(), 14.0);
/// # Ok::<(), gradflow::Error>(())
/// ```
#[derive(Clone)]
pub struct Tensor<T: Scalar = f32> {
    data: Arc<[T]>,
    shape: Shape,
}

impl<T: Scalar> Tensor<T> {
    /// Wraps a buffer whose length is already known to match `shape`
    /// (one copy into the shared allocation; hot kernels use
    /// [`Tensor::build`] or [`Tensor::from_arc`] instead).
    #[inline]
    pub(crate) fn from_parts(data: Vec<T>, shape: Shape) -> Tensor<T> {
        debug_assert_eq!(data.len(), shape.numel());
        Tensor {
            data: Arc::from(data),
            shape,
        }
    }

    /// Wraps a shared buffer whose length matches `shape`.
    #[inline]
    pub(crate) fn from_arc(data: Arc<[T]>, shape: Shape) -> Tensor<T> {
        debug_assert_eq!(data.len(), shape.numel());
        Tensor { data, shape }
    }

    /// A tensor of `shape` whose elements `fill` writes into a zeroed
    /// buffer: one allocation (reference count and data together), no copy.
    #[inline]
    pub(crate) fn build(shape: Shape, fill: impl FnOnce(&mut [T])) -> Tensor<T> {
        let mut data = zeroed_buffer::<T>(shape.numel());
        // Just allocated and not yet shared: `get_mut` cannot fail.
        #[allow(clippy::expect_used)]
        fill(Arc::get_mut(&mut data).expect("a new buffer is unique"));
        Tensor { data, shape }
    }

    /// As [`Tensor::build`], without zeroing the buffer first.
    ///
    /// # Safety
    /// `fill` must initialize every element of the slice it gets (also when
    /// it panics midway the tensor is not built, so nothing is read).
    #[inline]
    pub(crate) unsafe fn build_uninit(
        shape: Shape,
        fill: impl FnOnce(&mut [std::mem::MaybeUninit<T>]),
    ) -> Tensor<T> {
        let mut data: Arc<[std::mem::MaybeUninit<T>]> = Arc::new_uninit_slice(shape.numel());
        // Just allocated and not yet shared: `get_mut` cannot fail.
        #[allow(clippy::expect_used)]
        fill(Arc::get_mut(&mut data).expect("a new buffer is unique"));
        // SAFETY: `fill` initialized every element (the caller's contract).
        let data = unsafe { data.assume_init() };
        Tensor { data, shape }
    }

    /// A tensor of the given shape filled with `value`.
    ///
    /// # Panics
    /// If the element count overflows `usize`.
    pub fn full(shape: impl Into<Shape>, value: T) -> Tensor<T> {
        let shape = shape.into();
        Tensor::build(shape, |out| out.fill(value))
    }

    /// A tensor of zeros.
    #[inline]
    pub fn zeros(shape: impl Into<Shape>) -> Tensor<T> {
        Tensor::full(shape, T::zero())
    }

    /// A tensor of ones.
    pub fn ones(shape: impl Into<Shape>) -> Tensor<T> {
        Tensor::full(shape, T::one())
    }

    /// A rank-0 tensor holding one value.
    #[inline]
    pub fn scalar(value: T) -> Tensor<T> {
        Tensor::from_parts(vec![value], Shape::scalar())
    }

    /// A tensor owning `data`, laid out row-major in `shape`.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] if `data.len()` is not the shape's element
    /// count, [`Error::InvalidShape`] if that count overflows `usize`.
    pub fn from_vec(data: Vec<T>, shape: impl Into<Shape>) -> Result<Tensor<T>> {
        let shape = shape.into();
        let expected = checked_numel(&shape, "Tensor::from_vec")?;
        if data.len() != expected {
            return Err(Error::LengthMismatch {
                context: "Tensor::from_vec",
                shape: shape.to_vec(),
                expected,
                actual: data.len(),
            });
        }
        Ok(Tensor::from_parts(data, shape))
    }

    /// A tensor copying `data`, laid out row-major in `shape`.
    ///
    /// # Errors
    /// As [`Tensor::from_vec`].
    pub fn from_slice(data: &[T], shape: impl Into<Shape>) -> Result<Tensor<T>> {
        let shape = shape.into();
        let expected = checked_numel(&shape, "Tensor::from_slice")?;
        if data.len() != expected {
            return Err(Error::LengthMismatch {
                context: "Tensor::from_slice",
                shape: shape.to_vec(),
                expected,
                actual: data.len(),
            });
        }
        Ok(Tensor::from_parts(data.to_vec(), shape))
    }

    /// The 1-D tensor `start, start + step, ...` up to but excluding `end`,
    /// with `ceil((end - start) / step)` elements, as `torch.arange`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `step` is zero or any argument is not
    /// finite, or if `step` points away from `end`.
    pub fn arange(start: T, end: T, step: T) -> Result<Tensor<T>> {
        let bad = |reason: &str| {
            Err(Error::InvalidArgument {
                context: "Tensor::arange",
                reason: reason.to_string(),
            })
        };
        if !(start.is_finite() && end.is_finite() && step.is_finite()) {
            return bad("start, end and step must be finite");
        }
        if step == T::zero() {
            return bad("step must be nonzero");
        }
        let count = ((end - start) / step).ceil();
        if count < T::zero() {
            return bad("step has the wrong sign for the range start..end");
        }
        let count = count.as_f64() as usize;
        let data = (0..count).map(|i| start + T::of(i as f64) * step).collect();
        Ok(Tensor::from_parts(data, Shape::new(&[count])))
    }

    /// `steps` evenly spaced values from `start` to `end` inclusive, computed
    /// as `torch.linspace` does: the first half counts up from `start`, the
    /// second half down from `end`, so both ends are exact.
    pub fn linspace(start: T, end: T, steps: usize) -> Tensor<T> {
        let data = match steps {
            0 => Vec::new(),
            1 => vec![start],
            _ => {
                let step = (end - start) / T::of((steps - 1) as f64);
                let half = steps / 2;
                (0..steps)
                    .map(|i| {
                        if i < half {
                            start + step * T::of(i as f64)
                        } else {
                            end - step * T::of((steps - 1 - i) as f64)
                        }
                    })
                    .collect()
            }
        };
        Tensor::from_parts(data, Shape::new(&[steps]))
    }

    /// The `n × n` identity matrix.
    pub fn eye(n: usize) -> Tensor<T> {
        let mut data = vec![T::zero(); n * n];
        for i in 0..n {
            data[i * n + i] = T::one();
        }
        Tensor::from_parts(data, Shape::new(&[n, n]))
    }

    /// The dimensions, outermost first.
    #[inline]
    pub fn shape(&self) -> &[usize] {
        self.shape.dims()
    }

    /// The shape as a [`Shape`] value (cheap to clone: inline up to rank 4, the NCHW of a convolution).
    pub fn shape_ref(&self) -> &Shape {
        &self.shape
    }

    /// Number of dimensions.
    #[inline]
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }

    /// Number of elements.
    #[inline]
    pub fn numel(&self) -> usize {
        self.data.len()
    }

    /// The elements in row-major order.
    #[inline]
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// Mutable access to the elements; copies the buffer first only if it
    /// is shared with another tensor (copy on write).
    pub fn data_mut(&mut self) -> &mut [T] {
        Arc::make_mut(&mut self.data)
    }

    /// Whether this tensor is the only owner of its buffer, so that
    /// [`Tensor::data_mut`] will not copy.
    #[inline]
    pub fn is_unique(&self) -> bool {
        Arc::strong_count(&self.data) == 1
    }

    /// Whether two tensors share one buffer.
    #[inline]
    pub fn shares_storage(&self, other: &Tensor<T>) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }

    /// The element at a multi-dimensional index, or `None` if the index has
    /// the wrong rank or is out of bounds.
    #[inline]
    pub fn get(&self, index: &[usize]) -> Option<T> {
        if index.len() != self.rank() {
            return None;
        }
        let mut flat = 0;
        for (&i, &d) in index.iter().zip(self.shape()) {
            if i >= d {
                return None;
            }
            flat = flat * d + i;
        }
        Some(self.data[flat])
    }

    /// The value of a one-element tensor, as `torch.Tensor.item`.
    ///
    /// # Panics
    /// If the tensor does not hold exactly one element.
    #[track_caller]
    #[inline]
    pub fn item(&self) -> T {
        assert!(
            self.numel() == 1,
            "item: tensor of shape {:?} has {} elements; item() needs exactly one (reduce it first, e.g. with sum_all)",
            self.shape(),
            self.numel()
        );
        self.data[0]
    }

    /// The elements copied into a `Vec`, row-major.
    pub fn to_vec(&self) -> Vec<T> {
        self.data.to_vec()
    }

    /// The elements as a `Vec` (a copy: the buffer is shared storage).
    pub fn into_vec(self) -> Vec<T> {
        self.data.to_vec()
    }

    /// The same elements converted to another element type.
    pub fn cast<U: Scalar>(&self) -> Tensor<U> {
        let data = self.data.iter().map(|&x| U::of(x.as_f64())).collect();
        Tensor::from_parts(data, self.shape.clone())
    }

    /// Whether every element is finite (no NaN, no infinity).
    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|x| x.is_finite())
    }
}

impl<T: Scalar> PartialEq for Tensor<T> {
    /// Same shape and elementwise `==` (so NaN ≠ NaN, as for floats).
    #[inline]
    fn eq(&self, other: &Tensor<T>) -> bool {
        self.shape == other.shape && self.data[..] == other.data[..]
    }
}

/// A shared buffer of `n` zeros, allocated zeroed (calloc: large buffers
/// come from the OS already zero, so this costs no pass over memory).
#[inline]
fn zeroed_buffer<T: Scalar>(n: usize) -> Arc<[T]> {
    let zeroed: Arc<[std::mem::MaybeUninit<T>]> = Arc::new_zeroed_slice(n);
    // SAFETY: `T` is `f32` or `f64` (the trait is sealed), for which the
    // all-zero bit pattern is the valid value `+0.0`.
    unsafe { zeroed.assume_init() }
}

#[inline]
fn checked_numel(shape: &Shape, context: &'static str) -> Result<usize> {
    shape.checked_numel().ok_or_else(|| Error::InvalidShape {
        context,
        shape: shape.to_vec(),
        reason: "element count overflows usize".to_string(),
    })
}

/// Checks an axis against a rank, panicking with the op's name otherwise.
#[track_caller]
#[inline]
pub(crate) fn check_axis(op: &str, axis: usize, shape: &[usize]) {
    assert!(
        axis < shape.len(),
        "{op}: axis {axis} is out of range for a tensor of shape {shape:?} (rank {}); axes count from 0",
        shape.len()
    );
}

/// Splits `shape` around `axis` into `(outer, len, inner)`: the tensor is
/// then a row-major `[outer, len, inner]` block, the view that axis kernels
/// (reductions, softmax, concat, gather) iterate over.
#[inline]
pub(crate) fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_rejects_wrong_length() {
        let err = Tensor::<f32>::from_vec(vec![1.0; 5], [2, 3]).unwrap_err();
        assert_eq!(
            err,
            Error::LengthMismatch {
                context: "Tensor::from_vec",
                shape: vec![2, 3],
                expected: 6,
                actual: 5
            }
        );
        assert!(Tensor::<f64>::from_slice(&[1.0; 7], [2, 3]).is_err());
    }

    #[test]
    fn from_vec_rejects_overflowing_shape() {
        let err = Tensor::<f32>::from_vec(vec![], [usize::MAX, 2]).unwrap_err();
        assert!(matches!(err, Error::InvalidShape { .. }));
    }

    #[test]
    fn arange_matches_torch_lengths() {
        // torch.arange(0, 1, 0.3) -> [0.0, 0.3, 0.6, 0.9]
        let t = Tensor::<f64>::arange(0.0, 1.0, 0.3).unwrap();
        assert_eq!(t.shape(), [4]);
        assert!((t.data()[3] - 0.9).abs() < 1e-15);
        let down = Tensor::<f64>::arange(3.0, 0.0, -1.0).unwrap();
        assert_eq!(down.to_vec(), vec![3.0, 2.0, 1.0]);
        assert!(Tensor::<f64>::arange(0.0, 1.0, 0.0).is_err());
        assert!(Tensor::<f64>::arange(0.0, 1.0, -1.0).is_err());
        assert!(Tensor::<f32>::arange(0.0, f32::NAN, 1.0).is_err());
    }

    #[test]
    fn linspace_hits_both_ends_exactly() {
        let t = Tensor::<f32>::linspace(-1.0, 0.7, 11);
        assert_eq!(t.data()[0], -1.0);
        assert_eq!(t.data()[10], 0.7);
        assert_eq!(Tensor::<f32>::linspace(2.0, 5.0, 1).to_vec(), vec![2.0]);
        assert_eq!(Tensor::<f32>::linspace(2.0, 5.0, 0).numel(), 0);
    }

    #[test]
    fn eye_has_ones_on_the_diagonal() {
        let e = Tensor::<f64>::eye(3);
        for i in 0..3 {
            for j in 0..3 {
                assert_eq!(e.get(&[i, j]).unwrap(), if i == j { 1.0 } else { 0.0 });
            }
        }
    }

    #[test]
    fn get_checks_rank_and_bounds() {
        let t = Tensor::<f32>::from_vec((0..6).map(|x| x as f32).collect(), [2, 3]).unwrap();
        assert_eq!(t.get(&[1, 2]), Some(5.0));
        assert_eq!(t.get(&[2, 0]), None);
        assert_eq!(t.get(&[1]), None);
    }

    #[test]
    #[should_panic(expected = "item: tensor of shape [2] has 2 elements")]
    fn item_of_two_elements_panics() {
        Tensor::<f32>::ones([2]).item();
    }

    #[test]
    fn clone_shares_and_data_mut_copies_on_write() {
        let a = Tensor::<f32>::zeros([4]);
        let mut b = a.clone();
        assert!(a.shares_storage(&b));
        b.data_mut()[0] = 1.0;
        assert!(!a.shares_storage(&b));
        assert_eq!(a.data()[0], 0.0);
        assert!(b.is_unique());
    }
}
