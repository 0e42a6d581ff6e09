//! The element types a tensor can hold: `f32` and `f64`, through one sealed trait.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use num_traits::{Float, FloatConst};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type: `f32` or `f64`.
///
/// Sealed: the kernels rely on the exact behaviour of these two types
/// (matrixmultiply's `sgemm`/`dgemm`, libm's `erf`), so no other type may
/// implement it.
pub trait Scalar:
    Float
    + FloatConst
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
    + sealed::Sealed
{
    /// The safetensors dtype name: `"F32"` or `"F64"`.
    const DTYPE: &'static str;

    /// Converts an `f64` constant, rounding to nearest for `f32`.
    fn of(x: f64) -> Self;

    /// Widens (or copies) the value to `f64`.
    fn as_f64(self) -> f64;

    /// The error function, from libm (std has none on stable).
    fn erf(self) -> Self;

    /// A uniform sample in `[0, 1)` from 64 random bits, using as many bits
    /// as the mantissa holds so the result can never round up to 1.
    fn unit_from_bits(bits: u64) -> Self;

    /// `C ← alpha·A·B + beta·C` on strided matrices, via matrixmultiply.
    ///
    /// # Safety
    /// The pointers with their strides must address valid `m×k`, `k×n` and
    /// `m×n` matrices, and `c` must not alias `a` or `b`.
    #[allow(clippy::too_many_arguments)]
    #[doc(hidden)]
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );
}

impl Scalar for f32 {
    const DTYPE: &'static str = "F32";

    #[inline]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn erf(self) -> Self {
        libm::erff(self)
    }
    #[inline]
    fn unit_from_bits(bits: u64) -> Self {
        (bits >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }
    #[inline]
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: forwarded verbatim; the caller upholds `gemm`'s contract.
        unsafe { matrixmultiply::sgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, 0.0, c, rsc, csc) }
    }
}

impl Scalar for f64 {
    const DTYPE: &'static str = "F64";

    #[inline]
    fn of(x: f64) -> Self {
        x
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self
    }
    #[inline]
    fn erf(self) -> Self {
        libm::erf(self)
    }
    #[inline]
    fn unit_from_bits(bits: u64) -> Self {
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    #[inline]
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: forwarded verbatim; the caller upholds `gemm`'s contract.
        unsafe { matrixmultiply::dgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, 0.0, c, rsc, csc) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_from_bits_never_reaches_one() {
        assert!(f32::unit_from_bits(u64::MAX) < 1.0);
        assert!(f64::unit_from_bits(u64::MAX) < 1.0);
        assert_eq!(f32::unit_from_bits(0), 0.0);
    }

    #[test]
    fn erf_matches_known_values() {
        // erf(1) = 0.8427007929497149 (Abramowitz & Stegun table 7.1).
        assert!((Scalar::erf(1.0f64) - 0.842_700_792_949_714_9).abs() < 1e-15);
        assert!((Scalar::erf(1.0f32) - 0.842_700_8).abs() < 1e-6);
    }
}
