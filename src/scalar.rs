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

    /// Hyperbolic tangent as the tensor kernels compute it. `f64` calls
    /// the platform's `tanh`; `f32` uses a branch-free rational function
    /// that vectorizes (Eigen's 13/6-degree interpolant on `[-9, 9]`, at
    /// most 8 ulp from the true value (6.4 measured), exactly ±1 beyond), because
    /// libm's `tanhf` made tanh the largest cost of a tiny network's step.
    fn tanh_kernel(self) -> Self;

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
    fn tanh_kernel(self) -> Self {
        tanh_f32(self)
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
    fn tanh_kernel(self) -> Self {
        self.tanh()
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

/// `tanh` for `f32`: `x·p(x²)/q(x²)` on `[-9, 9]` with the coefficients of
/// Eigen's `generic_fast_tanh_float`; outside, `f32`'s tanh is ±1.
#[inline]
fn tanh_f32(x: f32) -> f32 {
    const ALPHA: [f32; 7] = [
        4.893_524_6e-3,
        6.372_619_3e-4,
        1.485_722_4e-5,
        5.122_297e-8,
        -8.604_672e-11,
        2.000_188e-13,
        -2.760_768_5e-16,
    ];
    const BETA: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347_1e-4, 1.198_258_4e-6];
    let c = x.clamp(-9.0, 9.0);
    let x2 = c * c;
    let mut p = ALPHA[6];
    for &a in ALPHA[..6].iter().rev() {
        p = p * x2 + a;
    }
    let mut q = BETA[3];
    for &b in BETA[..3].iter().rev() {
        q = q * x2 + b;
    }
    // Clamping the result keeps |tanh| ≤ 1 exactly where the rational
    // function overshoots by an ulp; NaN passes through both clamps.
    let t = (c * p / q).clamp(-1.0, 1.0);
    if x.abs() >= 9.0 {
        1.0f32.copysign(x)
    } else {
        t
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
    fn f32_tanh_kernel_is_within_a_few_ulp_of_f64_tanh() {
        let mut worst = 0.0f64;
        let mut x = -12.0f32;
        while x < 12.0 {
            let want = (x as f64).tanh();
            let got = x.tanh_kernel() as f64;
            let ulp = (want.abs() as f32).max(f32::MIN_POSITIVE);
            let ulp = (f32::from_bits(ulp.to_bits() + 1) - ulp) as f64;
            worst = worst.max((got - want).abs() / ulp);
            x += 0.000_37;
        }
        assert!(worst <= 8.0, "worst error {worst} ulp");
        assert_eq!(1e4f32.tanh_kernel(), 1.0);
        assert_eq!((-1e4f32).tanh_kernel(), -1.0);
        assert!(f32::NAN.tanh_kernel().is_nan());
        assert_eq!(0.0f32.tanh_kernel(), 0.0);
    }

    #[test]
    fn erf_matches_known_values() {
        // erf(1) = 0.8427007929497149 (Abramowitz & Stegun table 7.1).
        assert!((Scalar::erf(1.0f64) - 0.842_700_792_949_714_9).abs() < 1e-15);
        assert!((Scalar::erf(1.0f32) - 0.842_700_8).abs() < 1e-6);
    }
}
