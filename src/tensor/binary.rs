//! Broadcasting binary arithmetic: `add`, `sub`, `mul`, `div`, `maximum`,
//! `minimum`, their scalar variants, and the `+ - * /` operators on `&Tensor`.
//!
//! Shapes broadcast as in NumPy and PyTorch: align trailing dimensions; a
//! pair must be equal or one of them 1; missing leading dimensions count as 1.

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::shape::{broadcast_strides, same_dims};
use super::strided::StridedRows;
use super::{Shape, Tensor};
use crate::scalar::Scalar;

/// Combines two tensors elementwise under broadcasting.
///
/// # Panics
/// If the shapes do not broadcast; the message names `op` and both shapes.
#[track_caller]
pub(crate) fn broadcast_zip<T: Scalar>(
    op: &str,
    a: &Tensor<T>,
    b: &Tensor<T>,
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    // Fast paths: equal shapes, or one side a single element that does not
    // raise the rank.
    if same_dims(a.shape(), b.shape()) {
        let data = a
            .data()
            .iter()
            .zip(b.data())
            .map(|(&x, &y)| f(x, y))
            .collect();
        return Tensor::from_parts(data, a.shape_ref().clone());
    }
    if b.numel() == 1 && b.rank() <= a.rank() {
        let y = b.data()[0];
        return a.map(|x| f(x, y));
    }
    if a.numel() == 1 && a.rank() <= b.rank() {
        let x = a.data()[0];
        return b.map(|y| f(x, y));
    }
    // One operand repeats over the other's leading axes (a bias row added
    // to every row of a batch): zip it against each chunk.
    if is_trailing_block(b.shape(), a.shape()) {
        let row = b.data();
        return Tensor::build(a.shape_ref().clone(), |out| {
            for (o, chunk) in out
                .chunks_exact_mut(row.len())
                .zip(a.data().chunks_exact(row.len()))
            {
                for ((o, &x), &y) in o.iter_mut().zip(chunk).zip(row) {
                    *o = f(x, y);
                }
            }
        });
    }
    if is_trailing_block(a.shape(), b.shape()) {
        let row = a.data();
        return Tensor::build(b.shape_ref().clone(), |out| {
            for (o, chunk) in out
                .chunks_exact_mut(row.len())
                .zip(b.data().chunks_exact(row.len()))
            {
                for ((o, &y), &x) in o.iter_mut().zip(chunk).zip(row) {
                    *o = f(x, y);
                }
            }
        });
    }
    let out_shape = broadcast_shape(op, a.shape(), b.shape());
    let sa = broadcast_strides(a.shape(), &out_shape);
    let sb = broadcast_strides(b.shape(), &out_shape);
    let (da, db) = (a.data(), b.data());
    let mut out = Vec::with_capacity(out_shape.numel());
    let rank = out_shape.rank();
    let row = out_shape[rank - 1];
    let (ia, ib) = (sa[rank - 1], sb[rank - 1]);
    for [oa, ob] in StridedRows::new(&out_shape, [&sa, &sb]) {
        // The last dimension is either contiguous (stride 1) or broadcast (0).
        match (ia, ib) {
            (0, 0) => out.extend(std::iter::repeat_n(f(da[oa], db[ob]), row)),
            (_, 0) => {
                let y = db[ob];
                out.extend(da[oa..oa + row].iter().map(|&x| f(x, y)));
            }
            (0, _) => {
                let x = da[oa];
                out.extend(db[ob..ob + row].iter().map(|&y| f(x, y)));
            }
            _ => out.extend(
                da[oa..oa + row]
                    .iter()
                    .zip(&db[ob..ob + row])
                    .map(|(&x, &y)| f(x, y)),
            ),
        }
    }
    Tensor::from_parts(out, out_shape)
}

/// Whether `small` (ignoring leading 1s) equals the trailing dimensions of
/// `big` and is not empty, so that `big` is a stack of copies of `small`'s
/// layout and broadcasting is a plain repeat.
pub(crate) fn is_trailing_block(small: &[usize], big: &[usize]) -> bool {
    let first = small.iter().position(|&d| d != 1).unwrap_or(small.len());
    let core = &small[first..];
    !core.is_empty()
        && core.len() <= big.len()
        && small.len() <= big.len()
        && same_dims(&big[big.len() - core.len()..], core)
        && core.iter().all(|&d| d > 0)
}

/// The broadcast shape of `a` and `b`, or a panic naming `op`.
#[track_caller]
pub(crate) fn broadcast_shape(op: &str, a: &[usize], b: &[usize]) -> Shape {
    // A `match`, not `unwrap_or_else(|| panic!(..))`: a closure is not
    // `#[track_caller]`, so its panic would point here instead of at the
    // user's line.
    match Shape::broadcast(a, b) {
        Some(shape) => shape,
        None => panic!(
            "{op}: shapes {a:?} and {b:?} do not broadcast: trailing dimensions must be equal or 1 \
             (reshape one operand, or add a size-1 axis where it should be repeated)"
        ),
    }
}

impl<T: Scalar> Tensor<T> {
    /// `self + other`, broadcasting.
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn add(&self, other: &Tensor<T>) -> Tensor<T> {
        broadcast_zip("add", self, other, |x, y| x + y)
    }

    /// `self - other`, broadcasting.
    #[track_caller]
    pub fn sub(&self, other: &Tensor<T>) -> Tensor<T> {
        broadcast_zip("sub", self, other, |x, y| x - y)
    }

    /// `self * other` elementwise, broadcasting.
    #[track_caller]
    pub fn mul(&self, other: &Tensor<T>) -> Tensor<T> {
        broadcast_zip("mul", self, other, |x, y| x * y)
    }

    /// `self / other` elementwise, broadcasting (IEEE: `x/0 = ±inf`, `0/0 = NaN`).
    #[track_caller]
    pub fn div(&self, other: &Tensor<T>) -> Tensor<T> {
        broadcast_zip("div", self, other, |x, y| x / y)
    }

    /// Elementwise maximum, broadcasting; NaN in either operand gives NaN
    /// (`torch.maximum`, unlike `f32::max`).
    #[track_caller]
    pub fn maximum(&self, other: &Tensor<T>) -> Tensor<T> {
        broadcast_zip("maximum", self, other, nan_max)
    }

    /// Elementwise minimum, broadcasting; NaN propagates (`torch.minimum`).
    #[track_caller]
    pub fn minimum(&self, other: &Tensor<T>) -> Tensor<T> {
        broadcast_zip("minimum", self, other, nan_min)
    }

    /// `self + c`.
    pub fn add_scalar(&self, c: T) -> Tensor<T> {
        self.map(|x| x + c)
    }

    /// `self - c`.
    pub fn sub_scalar(&self, c: T) -> Tensor<T> {
        self.map(|x| x - c)
    }

    /// `self · c`.
    pub fn mul_scalar(&self, c: T) -> Tensor<T> {
        self.map(|x| x * c)
    }

    /// `self / c`.
    pub fn div_scalar(&self, c: T) -> Tensor<T> {
        self.map(|x| x / c)
    }

    /// Combines two tensors of the same shape elementwise.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn zip_map(&self, other: &Tensor<T>, f: impl Fn(T, T) -> T) -> Tensor<T> {
        assert_same_shape("zip_map", self, other);
        let data = self
            .data()
            .iter()
            .zip(other.data())
            .map(|(&x, &y)| f(x, y))
            .collect();
        Tensor::from_parts(data, self.shape_ref().clone())
    }

    /// `self += other` in place, for tensors of the same shape (copy on
    /// write if the buffer is shared). This is how gradients accumulate.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn add_inplace(&mut self, other: &Tensor<T>) {
        self.zip_in_place("add_inplace", other, |x, y| x + y);
    }

    /// `self = f(self, other)` elementwise, in place (copy on write if the
    /// buffer is shared): [`Tensor::zip_map`] without a new buffer, for a
    /// gradient that is consumed by the rule that rewrites it.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn zip_apply(&mut self, other: &Tensor<T>, f: impl Fn(T, T) -> T) {
        self.zip_in_place("zip_apply", other, f);
    }

    /// `self += alpha · other` in place, for tensors of the same shape.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn axpy_inplace(&mut self, alpha: T, other: &Tensor<T>) {
        self.zip_in_place("axpy_inplace", other, |x, y| x + alpha * y);
    }

    /// The loop behind the in-place elementwise ops; `op` names the public
    /// op in the shape panic.
    #[track_caller]
    #[inline]
    fn zip_in_place(&mut self, op: &str, other: &Tensor<T>, f: impl Fn(T, T) -> T) {
        assert_same_shape(op, self, other);
        for (x, &y) in self.data_mut().iter_mut().zip(other.data()) {
            *x = f(*x, y);
        }
    }
}

#[track_caller]
pub(crate) fn assert_same_shape<T: Scalar>(op: &str, a: &Tensor<T>, b: &Tensor<T>) {
    assert!(
        same_dims(a.shape(), b.shape()),
        "{op}: shapes {:?} and {:?} differ; this op needs equal shapes (broadcast explicitly with broadcast_to)",
        a.shape(),
        b.shape()
    );
}

#[inline]
pub(crate) fn nan_max<T: Scalar>(x: T, y: T) -> T {
    if x.is_nan() || x > y { x } else { y }
}

#[inline]
pub(crate) fn nan_min<T: Scalar>(x: T, y: T) -> T {
    if x.is_nan() || x < y { x } else { y }
}

macro_rules! impl_operator {
    ($trait:ident, $method:ident, $kernel:ident, $scalar_kernel:ident) => {
        impl<T: Scalar> $trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                Tensor::$kernel(self, rhs)
            }
        }
        impl<T: Scalar> $trait<Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                Tensor::$kernel(&self, &rhs)
            }
        }
        impl<T: Scalar> $trait<T> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: T) -> Tensor<T> {
                Tensor::$scalar_kernel(self, rhs)
            }
        }
        impl<T: Scalar> $trait<T> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: T) -> Tensor<T> {
                Tensor::$scalar_kernel(&self, rhs)
            }
        }
    };
}

impl_operator!(Add, add, add, add_scalar);
impl_operator!(Sub, sub, sub, sub_scalar);
impl_operator!(Mul, mul, mul, mul_scalar);
impl_operator!(Div, div, div, div_scalar);

impl<T: Scalar> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        Tensor::neg(self)
    }
}

impl<T: Scalar> Neg for Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        Tensor::neg(&self)
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn bias_add_broadcasts_over_rows() {
        let x = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]).unwrap();
        let b = Tensor::<f32>::from_vec(vec![10.0, 20.0, 30.0], [3]).unwrap();
        assert_eq!((&x + &b).to_vec(), vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
        let col = Tensor::<f32>::from_vec(vec![100.0, 200.0], [2, 1]).unwrap();
        assert_eq!(
            x.add(&col).to_vec(),
            vec![101.0, 102.0, 103.0, 204.0, 205.0, 206.0]
        );
    }

    #[test]
    fn scalar_tensor_of_higher_rank_raises_the_output_rank() {
        let x = Tensor::<f32>::ones([3]);
        let s = Tensor::<f32>::full([1, 1], 2.0);
        assert_eq!(x.mul(&s).shape(), [1, 3]);
    }

    #[test]
    fn maximum_propagates_nan() {
        let a = Tensor::<f64>::from_vec(vec![1.0, f64::NAN, 3.0], [3]).unwrap();
        let b = Tensor::<f64>::from_vec(vec![2.0, 0.0, f64::NAN], [3]).unwrap();
        let m = a.maximum(&b).to_vec();
        assert_eq!(m[0], 2.0);
        assert!(m[1].is_nan() && m[2].is_nan());
        let m = a.minimum(&b).to_vec();
        assert_eq!(m[0], 1.0);
        assert!(m[1].is_nan() && m[2].is_nan());
    }

    #[test]
    fn zip_apply_rewrites_in_place_and_leaves_a_sharer_untouched() {
        let mut g = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], [3]).unwrap();
        let y = Tensor::<f64>::from_vec(vec![0.5, -1.0, 4.0], [3]).unwrap();
        let sharer = g.clone();
        g.zip_apply(&y, |a, b| a * b - 1.0);
        assert_eq!(g.to_vec(), vec![-0.5, -3.0, 11.0]);
        assert_eq!(sharer.to_vec(), vec![1.0, 2.0, 3.0]);
        assert!(!g.shares_storage(&sharer));
    }

    #[test]
    #[should_panic(expected = "zip_apply: shapes [2] and [3] differ")]
    fn zip_apply_needs_equal_shapes() {
        Tensor::<f32>::zeros([2]).zip_apply(&Tensor::zeros([3]), |a, b| a + b);
    }

    #[test]
    #[should_panic(expected = "add: shapes [2, 3] and [3, 2] do not broadcast")]
    fn mismatched_add_panics_with_both_shapes() {
        let _ = Tensor::<f32>::zeros([2, 3]).add(&Tensor::zeros([3, 2]));
    }

    #[test]
    #[should_panic(expected = "add_inplace: shapes [2] and [3] differ")]
    fn add_inplace_needs_equal_shapes() {
        let mut a = Tensor::<f32>::zeros([2]);
        a.add_inplace(&Tensor::zeros([3]));
    }
}
