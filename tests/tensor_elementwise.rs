//! Property tests for the elementwise kernels.
//!
//! Every unary kernel is checked against a scalar reference written from
//! the math / PyTorch definition and evaluated in `f64`, and every
//! broadcasting binary op against a naive broadcast that walks each output
//! multi-index and works out which element of each operand NumPy reads.
//! Nothing here calls a gradflow kernel to compute an expected value.
//!
//! Each property runs in `f32` and `f64`. Basic arithmetic (`+ - * /`,
//! `sqrt`, negation, comparisons) is compared exactly: an `f64` result
//! rounded to `f32` is the correctly rounded `f32` result, because `f64`
//! carries more than `2·24 + 2` significand bits (double rounding is then
//! innocuous). Functions built on libm get a few-ulps relative tolerance.

use std::f64::consts::PI;
use std::panic::{AssertUnwindSafe, catch_unwind};

use gradflow::{Scalar, Tensor};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// Running one property in both precisions
// ---------------------------------------------------------------------------

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
// Tolerances
// ---------------------------------------------------------------------------

/// `|actual - expected| <= abs + rel·|expected| + per_x·|x|`, where `x` is
/// the input; all zero means "equal after rounding the reference to `T`".
#[derive(Clone, Copy, Debug)]
struct Tol {
    rel: f64,
    abs: f64,
    per_x: f64,
}

impl Tol {
    const EXACT: Tol = Tol {
        rel: 0.0,
        abs: 0.0,
        per_x: 0.0,
    };

    fn is_exact(self) -> bool {
        self.rel == 0.0 && self.abs == 0.0 && self.per_x == 0.0
    }
}

/// One tolerance per precision.
#[derive(Clone, Copy, Debug)]
struct Tols {
    f32: Tol,
    f64: Tol,
}

/// Correctly rounded operations: the kernel must return exactly the `f64`
/// reference rounded to `T`.
const EXACT: Tols = Tols {
    f32: Tol::EXACT,
    f64: Tol::EXACT,
};

/// A libm function followed by a few roundings: about 8 ulps in `f32`,
/// `1e-12` relative in `f64`. The absolute floor only absorbs results that
/// underflow `f32`'s normal range.
const SMOOTH: Tols = Tols {
    f32: Tol {
        rel: 1e-6,
        abs: 1e-37,
        per_x: 0.0,
    },
    f64: Tol {
        rel: 1e-12,
        abs: 1e-300,
        per_x: 0.0,
    },
};

/// Like [`SMOOTH`], plus an error proportional to `|x|`: formulas of the
/// form `x · (1 + f(x))` where `1 + f` cancels (GELU's negative tail), or
/// where `x` is scaled before the transcendental (softplus with `beta`).
/// Four ulps of `f32` (or `f64`) times `|x|`.
const SMOOTH_TIMES_X: Tols = Tols {
    f32: Tol {
        rel: 1e-6,
        abs: 1e-37,
        per_x: 4.0 * f32::EPSILON as f64,
    },
    f64: Tol {
        rel: 1e-12,
        abs: 1e-300,
        per_x: 4.0 * f64::EPSILON,
    },
};

fn tol_for<T: Scalar>(tols: Tols) -> Tol {
    if T::DTYPE == "F32" {
        tols.f32
    } else {
        tols.f64
    }
}

/// Whether a kernel output agrees with the `f64` reference. NaN must match
/// NaN, infinities must match exactly.
fn agrees<T: Scalar>(actual: T, expected: f64, x_magnitude: f64, tol: Tol) -> bool {
    let actual = actual.as_f64();
    if expected.is_nan() || actual.is_nan() {
        return expected.is_nan() && actual.is_nan();
    }
    if tol.is_exact() {
        return actual == T::of(expected).as_f64();
    }
    if expected.is_infinite() || actual.is_infinite() {
        return actual == expected;
    }
    // (Skipped when zero, so that an infinite input does not make it NaN.)
    let input_term = if tol.per_x > 0.0 {
        tol.per_x * x_magnitude
    } else {
        0.0
    };
    (actual - expected).abs() <= tol.abs + tol.rel * expected.abs() + input_term
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

/// A shape and row-major values for it.
fn tensor(values: BoxedStrategy<f64>) -> impl Strategy<Value = (Vec<usize>, Vec<f64>)> {
    shape().prop_flat_map(move |s| {
        let n: usize = s.iter().product();
        (Just(s), prop::collection::vec(values.clone(), n))
    })
}

/// `shape` with its first `drop` dims removed and each dim where `ones` is
/// set replaced by 1: a shape that broadcasts to `shape`.
fn derive(shape: &[usize], drop: usize, ones: &[bool]) -> Vec<usize> {
    shape
        .iter()
        .zip(ones)
        .skip(drop)
        .map(|(&d, &one)| if one { 1 } else { d })
        .collect()
}

/// Two broadcast-compatible shapes. The first is a random shape, or that
/// shape with some dims set to 1 (so size-1 dims can sit on both sides);
/// the second is derived from the first's shape by dropping leading dims
/// and setting dims to 1; then the two are randomly swapped.
fn broadcast_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape()
        .prop_flat_map(|full| {
            let r = full.len();
            let ones = || prop::collection::vec(prop::bool::weighted(0.3), r);
            (
                Just(full),
                prop_oneof![Just(0usize), 0..=r],
                prop::option::weighted(0.4, ones()),
                0..=r,
                ones(),
                any::<bool>(),
            )
        })
        .prop_map(|(full, drop_a, ones_a, drop_b, ones_b, swap)| {
            let a = match ones_a {
                Some(ones) => derive(&full, drop_a, &ones),
                None => full.clone(),
            };
            let b = derive(&full, drop_b, &ones_b);
            if swap { (b, a) } else { (a, b) }
        })
}

/// Two broadcast-compatible shapes with values for each.
type BinaryCase = (Vec<usize>, Vec<f64>, Vec<usize>, Vec<f64>);

fn binary_case(
    left: BoxedStrategy<f64>,
    right: BoxedStrategy<f64>,
) -> impl Strategy<Value = BinaryCase> {
    broadcast_pair().prop_flat_map(move |(sa, sb)| {
        let (na, nb): (usize, usize) = (sa.iter().product(), sb.iter().product());
        (
            Just(sa),
            prop::collection::vec(left.clone(), na),
            Just(sb),
            prop::collection::vec(right.clone(), nb),
        )
    })
}

/// Values drawn uniformly from `lo..hi`, with one of `specials` one time in
/// thirteen.
fn range_with(lo: f64, hi: f64, specials: &'static [f64]) -> BoxedStrategy<f64> {
    if specials.is_empty() {
        (lo..hi).boxed()
    } else {
        prop_oneof![12 => lo..hi, 1 => select(specials)].boxed()
    }
}

/// Magnitudes in `lo..hi` with a random sign: bounded away from zero.
fn away_from_zero(lo: f64, hi: f64) -> BoxedStrategy<f64> {
    (lo..hi, any::<bool>())
        .prop_map(|(m, negative)| if negative { -m } else { m })
        .boxed()
}

/// Positive values spread over twelve decades, and often close to 1.
fn positive() -> BoxedStrategy<f64> {
    prop_oneof![
        1e-6..1.0,
        1.0..1e6,
        0.5..2.0,
        (-13.8..13.8f64).prop_map(f64::exp),
    ]
    .boxed()
}

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;
/// IEEE specials every kernel must handle like its formula does.
const SPECIALS: &[f64] = &[NAN, INF, -INF, 0.0, -0.0, 1e4, -1e4];
/// Specials for the arithmetic ops (no huge finite values, which would
/// overflow `f32` products).
const ARITH_SPECIALS: &[f64] = &[NAN, INF, -INF, 0.0, -0.0];

fn arith_values() -> BoxedStrategy<f64> {
    range_with(-100.0, 100.0, ARITH_SPECIALS)
}

// ---------------------------------------------------------------------------
// Checkers
// ---------------------------------------------------------------------------

fn to_tensor<T: Scalar>(xs: &[f64], shape: &[usize]) -> Tensor<T> {
    Tensor::from_vec(xs.iter().map(|&x| T::of(x)).collect(), shape).unwrap()
}

/// Applies `kernel` to a tensor of `shape` holding `xs` (rounded to `T`)
/// and compares each output with `reference` of the rounded input.
fn check_unary<T: Scalar>(
    name: &str,
    shape: &[usize],
    xs: &[f64],
    kernel: impl Fn(&Tensor<T>) -> Tensor<T>,
    reference: impl Fn(f64) -> f64,
    tols: Tols,
) -> Result<(), TestCaseError> {
    let input = to_tensor::<T>(xs, shape);
    let output = kernel(&input);
    prop_assert_eq!(
        output.shape(),
        shape,
        "{} ({}) changed the shape",
        name,
        T::DTYPE
    );
    let tol = tol_for::<T>(tols);
    for (i, (&x, &y)) in input.data().iter().zip(output.data()).enumerate() {
        let x = x.as_f64();
        let expected = reference(x);
        prop_assert!(
            agrees(y, expected, x.abs(), tol),
            "{} ({}) at flat index {} of shape {:?}: input {:e}, expected {:e}, got {:e}",
            name,
            T::DTYPE,
            i,
            shape,
            x,
            expected,
            y.as_f64()
        );
    }
    Ok(())
}

/// NumPy's broadcast shape, from the rules: pad the shorter shape with
/// leading 1s; each aligned pair must be equal or contain a 1.
fn broadcast_shape_ref(a: &[usize], b: &[usize]) -> Vec<usize> {
    let rank = a.len().max(b.len());
    let pad = |s: &[usize]| -> Vec<usize> {
        std::iter::repeat_n(1, rank - s.len())
            .chain(s.iter().copied())
            .collect()
    };
    pad(a)
        .into_iter()
        .zip(pad(b))
        .map(|(x, y)| {
            assert!(x == y || x == 1 || y == 1, "test bug: {a:?} and {b:?}");
            if x == 1 { y } else { x }
        })
        .collect()
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

/// The row-major position of a multi-index in `shape`.
fn ravel(index: &[usize], shape: &[usize]) -> usize {
    index.iter().zip(shape).fold(0, |acc, (&i, &d)| acc * d + i)
}

/// The element of `data` (row-major in `shape`) that NumPy reads at
/// `out_index` of the broadcast result: `shape` is aligned to the trailing
/// output axes, and a size-1 axis always reads index 0.
fn broadcast_read(data: &[f64], shape: &[usize], out_index: &[usize]) -> f64 {
    let offset = out_index.len() - shape.len();
    let index: Vec<usize> = shape
        .iter()
        .enumerate()
        .map(|(k, &d)| if d == 1 { 0 } else { out_index[offset + k] })
        .collect();
    data[ravel(&index, shape)]
}

/// Compares `kernel(a, b)` with `reference` applied over a naive broadcast.
fn check_binary<T: Scalar>(
    name: &str,
    case: &BinaryCase,
    kernel: impl Fn(&Tensor<T>, &Tensor<T>) -> Tensor<T>,
    reference: impl Fn(f64, f64) -> f64,
) -> Result<(), TestCaseError> {
    let (sa, xa, sb, xb) = case;
    let a = to_tensor::<T>(xa, sa);
    let b = to_tensor::<T>(xb, sb);
    // The reference reads the rounded values, as the kernel does.
    let ra: Vec<f64> = a.data().iter().map(|x| x.as_f64()).collect();
    let rb: Vec<f64> = b.data().iter().map(|x| x.as_f64()).collect();
    let out_shape = broadcast_shape_ref(sa, sb);
    let output = kernel(&a, &b);
    prop_assert_eq!(
        output.shape(),
        &out_shape[..],
        "{} ({}) of {:?} and {:?}: wrong output shape",
        name,
        T::DTYPE,
        sa,
        sb
    );
    for (flat, &y) in output.data().iter().enumerate() {
        let index = unravel(flat, &out_shape);
        let x1 = broadcast_read(&ra, sa, &index);
        let x2 = broadcast_read(&rb, sb, &index);
        let expected = reference(x1, x2);
        prop_assert!(
            agrees(y, expected, 0.0, Tol::EXACT),
            "{} ({}) of shapes {:?} and {:?} at output index {:?}: inputs {:e}, {:e}, expected {:e}, got {:e}",
            name,
            T::DTYPE,
            sa,
            sb,
            index,
            x1,
            x2,
            expected,
            y.as_f64()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Scalar references
// ---------------------------------------------------------------------------

/// `torch.maximum`: NaN in either operand gives NaN.
fn maximum_ref(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if y > x {
        y
    } else {
        x
    }
}

/// `torch.minimum`: NaN in either operand gives NaN.
fn minimum_ref(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if y < x {
        y
    } else {
        x
    }
}

/// C / PyTorch `pow(x, p)` for finite `x`: `x⁰ = 1` (even for NaN), a
/// negative base with a non-integer exponent is NaN, `0` to a negative
/// power is infinite, odd integer powers keep the sign. The magnitude is
/// `exp(p·ln|x|)`.
fn pow_ref(x: f64, p: f64) -> f64 {
    if p == 0.0 {
        return 1.0;
    }
    if x.is_nan() {
        return f64::NAN;
    }
    let integral = p.fract() == 0.0;
    if x < 0.0 && !integral {
        return f64::NAN;
    }
    let odd = integral && p.rem_euclid(2.0) == 1.0;
    let magnitude = if x == 0.0 {
        if p > 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        (p * x.abs().ln()).exp()
    };
    if odd && x.is_sign_negative() {
        -magnitude
    } else {
        magnitude
    }
}

/// `xⁿ` by `|n|` multiplications, then a reciprocal for negative `n`.
fn powi_ref(x: f64, n: i32) -> f64 {
    let product = (0..n.unsigned_abs()).fold(1.0, |acc, _| acc * x);
    if n < 0 { 1.0 / product } else { product }
}

/// `torch.clamp(x, low, high)` = `min(max(x, low), high)` with NaN kept.
fn clamp_ref(x: f64, low: f64, high: f64) -> f64 {
    if x.is_nan() {
        x
    } else if low > high {
        high
    } else if x < low {
        low
    } else if x > high {
        high
    } else {
        x
    }
}

/// `F.softplus(x, beta, threshold)`. PyTorch decides the branch on
/// `x·beta` computed in the tensor's own precision, so the reference does
/// too; the value is computed in `f64`.
fn softplus_ref<T: Scalar>(x: f64, beta: f64, threshold: f64) -> f64 {
    if T::of(x) * T::of(beta) > T::of(threshold) {
        x
    } else {
        (beta * x).exp().ln_1p() / beta
    }
}

fn gelu_ref(x: f64) -> f64 {
    x * 0.5 * (1.0 + libm::erf(x / 2f64.sqrt()))
}

fn gelu_tanh_ref(x: f64) -> f64 {
    let inner = (2.0 / PI).sqrt() * (x + 0.044715 * x.powi(3));
    0.5 * x * (1.0 + inner.tanh())
}

// ---------------------------------------------------------------------------
// Unary kernels
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn neg_matches_reference((shape, xs) in tensor(range_with(-1e3, 1e3, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("neg", &shape, &xs, |t| t.neg(), |x| -x, EXACT)?;
            check_unary::<T>("-&t", &shape, &xs, |t| -t, |x| -x, EXACT)?;
            check_unary::<T>("-t (owned)", &shape, &xs, |t| -t.clone(), |x| -x, EXACT)?;
        });
    }

    #[test]
    fn exp_matches_reference((shape, xs) in tensor(range_with(-80.0, 80.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("exp", &shape, &xs, |t| t.exp(), f64::exp, SMOOTH)?;
        });
    }

    #[test]
    fn ln_matches_reference(
        (shape, xs) in tensor(prop_oneof![8 => positive(), 1 => select(&[0.0, -0.0, -1.0, -1e-3, INF, NAN][..])].boxed())
    ) {
        for_f32_and_f64!(T => {
            check_unary::<T>("ln", &shape, &xs, |t| t.ln(), f64::ln, SMOOTH)?;
        });
    }

    #[test]
    fn sqrt_matches_reference(
        (shape, xs) in tensor(prop_oneof![8 => positive(), 1 => select(&[0.0, -0.0, -1.0, INF, NAN][..])].boxed())
    ) {
        for_f32_and_f64!(T => {
            check_unary::<T>("sqrt", &shape, &xs, |t| t.sqrt(), f64::sqrt, EXACT)?;
        });
    }

    #[test]
    fn abs_matches_reference((shape, xs) in tensor(range_with(-1e3, 1e3, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("abs", &shape, &xs, |t| t.abs(), |x| if x < 0.0 { -x } else { x }, EXACT)?;
        });
    }

    #[test]
    fn square_matches_reference((shape, xs) in tensor(range_with(-1e3, 1e3, ARITH_SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("square", &shape, &xs, |t| t.square(), |x| x * x, EXACT)?;
        });
    }

    #[test]
    fn recip_matches_reference(
        (shape, xs) in tensor(prop_oneof![8 => away_from_zero(1e-3, 1e3), 1 => select(ARITH_SPECIALS)].boxed())
    ) {
        for_f32_and_f64!(T => {
            check_unary::<T>("recip", &shape, &xs, |t| t.recip(), |x| 1.0 / x, EXACT)?;
        });
    }

    #[test]
    fn powf_matches_reference(
        (shape, xs) in tensor(range_with(-10.0, 10.0, &[0.0, -0.0, 1.0, -1.0, NAN])),
        p in prop_oneof![(-3i32..=3).prop_map(f64::from), -3.0..3.0, select(&[0.5, -0.5, 1.5][..])],
    ) {
        for_f32_and_f64!(T => {
            let p = T::of(p);
            check_unary::<T>("powf", &shape, &xs, |t| t.powf(p), |x| pow_ref(x, p.as_f64()), SMOOTH)?;
        });
    }

    #[test]
    fn powi_matches_reference(
        (shape, xs) in tensor(range_with(-10.0, 10.0, &[0.0, -0.0, 1.0, -1.0, NAN, INF, -INF])),
        n in -4i32..=6,
    ) {
        for_f32_and_f64!(T => {
            check_unary::<T>("powi", &shape, &xs, |t| t.powi(n), |x| powi_ref(x, n), SMOOTH)?;
        });
    }

    #[test]
    fn clamp_matches_reference(
        (shape, xs) in tensor(range_with(-10.0, 10.0, SPECIALS)),
        low in -6.0..4.0f64,
        high in -4.0..6.0f64,
    ) {
        // `low > high` happens about a fifth of the time: then every
        // element becomes `high`.
        for_f32_and_f64!(T => {
            let (lo, hi) = (T::of(low), T::of(high));
            check_unary::<T>(
                "clamp", &shape, &xs, |t| t.clamp(lo, hi),
                |x| clamp_ref(x, lo.as_f64(), hi.as_f64()), EXACT,
            )?;
        });
    }

    #[test]
    fn sigmoid_matches_reference((shape, xs) in tensor(range_with(-40.0, 40.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("sigmoid", &shape, &xs, |t| t.sigmoid(), |x| 1.0 / (1.0 + (-x).exp()), SMOOTH)?;
        });
    }

    #[test]
    fn tanh_matches_reference((shape, xs) in tensor(range_with(-20.0, 20.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("tanh", &shape, &xs, |t| t.tanh(), f64::tanh, SMOOTH)?;
        });
    }

    #[test]
    fn relu_matches_reference((shape, xs) in tensor(range_with(-10.0, 10.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>(
                "relu", &shape, &xs, |t| t.relu(),
                |x| if x.is_nan() || x > 0.0 { x } else { 0.0 }, EXACT,
            )?;
        });
    }

    #[test]
    fn leaky_relu_matches_reference(
        (shape, xs) in tensor(range_with(-10.0, 10.0, SPECIALS)),
        slope in prop_oneof![Just(0.01), 0.0..1.0, -1.0..0.0],
    ) {
        for_f32_and_f64!(T => {
            let slope = T::of(slope);
            let s = slope.as_f64();
            check_unary::<T>(
                "leaky_relu", &shape, &xs, |t| t.leaky_relu(slope),
                |x| if x > 0.0 { x } else { s * x }, EXACT,
            )?;
        });
    }

    #[test]
    fn elu_matches_reference(
        (shape, xs) in tensor(range_with(-30.0, 30.0, SPECIALS)),
        alpha in prop_oneof![Just(1.0), 0.1..3.0],
    ) {
        for_f32_and_f64!(T => {
            let alpha = T::of(alpha);
            let a = alpha.as_f64();
            check_unary::<T>(
                "elu", &shape, &xs, |t| t.elu(alpha),
                |x| if x > 0.0 { x } else { a * x.exp_m1() }, SMOOTH,
            )?;
        });
    }

    #[test]
    fn gelu_matches_reference((shape, xs) in tensor(range_with(-10.0, 10.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("gelu", &shape, &xs, |t| t.gelu(), gelu_ref, SMOOTH_TIMES_X)?;
        });
    }

    #[test]
    fn gelu_tanh_matches_reference((shape, xs) in tensor(range_with(-10.0, 10.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("gelu_tanh", &shape, &xs, |t| t.gelu_tanh(), gelu_tanh_ref, SMOOTH_TIMES_X)?;
        });
    }

    #[test]
    fn softplus_matches_reference((shape, xs) in tensor(range_with(-30.0, 30.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("softplus", &shape, &xs, |t| t.softplus(), |x| softplus_ref::<T>(x, 1.0, 20.0), SMOOTH)?;
        });
    }

    #[test]
    fn softplus_with_matches_reference(
        (shape, xs) in tensor(range_with(-20.0, 20.0, SPECIALS)),
        beta in prop_oneof![Just(1.0), Just(2.0), 0.5..3.0],
        threshold in prop_oneof![Just(20.0), 1.0..20.0],
    ) {
        for_f32_and_f64!(T => {
            let (b, th) = (T::of(beta), T::of(threshold));
            let (bf, tf) = (b.as_f64(), th.as_f64());
            check_unary::<T>(
                "softplus_with", &shape, &xs, |t| t.softplus_with(b, th),
                |x| softplus_ref::<T>(x, bf, tf), SMOOTH_TIMES_X,
            )?;
        });
    }

    #[test]
    fn silu_matches_reference((shape, xs) in tensor(range_with(-30.0, 30.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("silu", &shape, &xs, |t| t.silu(), |x| x / (1.0 + (-x).exp()), SMOOTH)?;
        });
    }

    #[test]
    fn softsign_matches_reference((shape, xs) in tensor(range_with(-100.0, 100.0, SPECIALS))) {
        for_f32_and_f64!(T => {
            check_unary::<T>("softsign", &shape, &xs, |t| t.softsign(), |x| x / (1.0 + x.abs()), SMOOTH)?;
        });
    }
}

// ---------------------------------------------------------------------------
// Broadcasting binary ops and operators
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn add_broadcasts_like_numpy(case in binary_case(arith_values(), arith_values())) {
        for_f32_and_f64!(T => {
            check_binary::<T>("add", &case, |a, b| a.add(b), |x, y| x + y)?;
            check_binary::<T>("&a + &b", &case, |a, b| a + b, |x, y| x + y)?;
            check_binary::<T>("a + b (owned)", &case, |a, b| a.clone() + b.clone(), |x, y| x + y)?;
        });
    }

    #[test]
    fn sub_broadcasts_like_numpy(case in binary_case(arith_values(), arith_values())) {
        for_f32_and_f64!(T => {
            check_binary::<T>("sub", &case, |a, b| a.sub(b), |x, y| x - y)?;
            check_binary::<T>("&a - &b", &case, |a, b| a - b, |x, y| x - y)?;
            check_binary::<T>("a - b (owned)", &case, |a, b| a.clone() - b.clone(), |x, y| x - y)?;
        });
    }

    #[test]
    fn mul_broadcasts_like_numpy(case in binary_case(arith_values(), arith_values())) {
        for_f32_and_f64!(T => {
            check_binary::<T>("mul", &case, |a, b| a.mul(b), |x, y| x * y)?;
            check_binary::<T>("&a * &b", &case, |a, b| a * b, |x, y| x * y)?;
            check_binary::<T>("a * b (owned)", &case, |a, b| a.clone() * b.clone(), |x, y| x * y)?;
        });
    }

    #[test]
    fn div_broadcasts_like_numpy(
        case in binary_case(arith_values(), away_from_zero(1e-2, 1e2))
    ) {
        for_f32_and_f64!(T => {
            check_binary::<T>("div", &case, |a, b| a.div(b), |x, y| x / y)?;
            check_binary::<T>("&a / &b", &case, |a, b| a / b, |x, y| x / y)?;
            check_binary::<T>("a / b (owned)", &case, |a, b| a.clone() / b.clone(), |x, y| x / y)?;
        });
    }

    #[test]
    fn maximum_broadcasts_like_numpy(case in binary_case(arith_values(), arith_values())) {
        for_f32_and_f64!(T => {
            check_binary::<T>("maximum", &case, |a, b| a.maximum(b), maximum_ref)?;
        });
    }

    #[test]
    fn minimum_broadcasts_like_numpy(case in binary_case(arith_values(), arith_values())) {
        for_f32_and_f64!(T => {
            check_binary::<T>("minimum", &case, |a, b| a.minimum(b), minimum_ref)?;
        });
    }

    #[test]
    fn add_scalar_matches_reference((shape, xs) in tensor(arith_values()), c in arith_values()) {
        for_f32_and_f64!(T => {
            let c = T::of(c);
            let cf = c.as_f64();
            check_unary::<T>("add_scalar", &shape, &xs, |t| t.add_scalar(c), |x| x + cf, EXACT)?;
            check_unary::<T>("&t + c", &shape, &xs, |t| t + c, |x| x + cf, EXACT)?;
            check_unary::<T>("t + c (owned)", &shape, &xs, |t| t.clone() + c, |x| x + cf, EXACT)?;
        });
    }

    #[test]
    fn sub_scalar_matches_reference((shape, xs) in tensor(arith_values()), c in arith_values()) {
        for_f32_and_f64!(T => {
            let c = T::of(c);
            let cf = c.as_f64();
            check_unary::<T>("sub_scalar", &shape, &xs, |t| t.sub_scalar(c), |x| x - cf, EXACT)?;
            check_unary::<T>("&t - c", &shape, &xs, |t| t - c, |x| x - cf, EXACT)?;
            check_unary::<T>("t - c (owned)", &shape, &xs, |t| t.clone() - c, |x| x - cf, EXACT)?;
        });
    }

    #[test]
    fn mul_scalar_matches_reference((shape, xs) in tensor(arith_values()), c in arith_values()) {
        for_f32_and_f64!(T => {
            let c = T::of(c);
            let cf = c.as_f64();
            check_unary::<T>("mul_scalar", &shape, &xs, |t| t.mul_scalar(c), |x| x * cf, EXACT)?;
            check_unary::<T>("&t * c", &shape, &xs, |t| t * c, |x| x * cf, EXACT)?;
            check_unary::<T>("t * c (owned)", &shape, &xs, |t| t.clone() * c, |x| x * cf, EXACT)?;
        });
    }

    #[test]
    fn div_scalar_matches_reference(
        (shape, xs) in tensor(arith_values()),
        c in away_from_zero(1e-2, 1e2),
    ) {
        for_f32_and_f64!(T => {
            let c = T::of(c);
            let cf = c.as_f64();
            check_unary::<T>("div_scalar", &shape, &xs, |t| t.div_scalar(c), |x| x / cf, EXACT)?;
            check_unary::<T>("&t / c", &shape, &xs, |t| t / c, |x| x / cf, EXACT)?;
            check_unary::<T>("t / c (owned)", &shape, &xs, |t| t.clone() / c, |x| x / cf, EXACT)?;
        });
    }

    #[test]
    fn incompatible_shapes_panic(
        (shape, k) in prop::collection::vec(2usize..=5, 1..=4)
            .prop_flat_map(|s| { let r = s.len(); (Just(s), 0..r) })
    ) {
        // Changing one non-1 dimension to another non-1 size breaks
        // broadcasting, whichever side it is on.
        let mut other = shape.clone();
        other[k] = if shape[k] == 5 { 2 } else { shape[k] + 1 };
        let a = Tensor::<f32>::zeros(&shape[..]);
        let b = Tensor::<f32>::zeros(&other[..]);
        prop_assert!(catch_unwind(AssertUnwindSafe(|| a.add(&b))).is_err());
        prop_assert!(catch_unwind(AssertUnwindSafe(|| b.maximum(&a))).is_err());
    }
}

// ---------------------------------------------------------------------------
// NaN handling of the comparison kernels
// ---------------------------------------------------------------------------

fn nan_cases<T: Scalar>() {
    let nan = T::nan();
    let of = |xs: &[f64]| {
        Tensor::<T>::from_vec(xs.iter().map(|&x| T::of(x)).collect(), [xs.len()]).unwrap()
    };
    let x = of(&[f64::NAN, 1.0, f64::NAN, -3.0, f64::NAN]);
    let y = of(&[2.0, f64::NAN, f64::NAN, -4.0, f64::INFINITY]);
    let dtype = T::DTYPE;

    // maximum / minimum: NaN on either side wins, in both argument orders.
    for (name, out) in [
        ("maximum(x, y)", x.maximum(&y)),
        ("maximum(y, x)", y.maximum(&x)),
        ("minimum(x, y)", x.minimum(&y)),
        ("minimum(y, x)", y.minimum(&x)),
    ] {
        let d = out.data();
        for i in [0, 1, 2, 4] {
            assert!(
                d[i].is_nan(),
                "{name} ({dtype})[{i}] = {:?}, expected NaN",
                d[i]
            );
        }
        let expected = if name.starts_with("max") { -3.0 } else { -4.0 };
        assert_eq!(d[3].as_f64(), expected, "{name} ({dtype})[3]");
    }
    // Broadcast NaN scalar: every element becomes NaN.
    let s = Tensor::<T>::scalar(nan);
    assert!(x.maximum(&s).data().iter().all(|v| v.is_nan()));
    assert!(s.minimum(&y).data().iter().all(|v| v.is_nan()));

    // relu keeps NaN.
    let r = x.relu();
    assert!(
        r.data()[0].is_nan() && r.data()[2].is_nan(),
        "relu ({dtype}) must keep NaN"
    );
    assert_eq!(r.data()[1].as_f64(), 1.0);
    assert_eq!(r.data()[3].as_f64(), 0.0);

    // clamp keeps a NaN input, with ordinary and with inverted bounds.
    for (low, high) in [(T::of(-1.0), T::of(1.0)), (T::of(2.0), T::of(1.0))] {
        let c = x.clamp(low, high);
        assert!(
            c.data()[0].is_nan() && c.data()[2].is_nan() && c.data()[4].is_nan(),
            "clamp({low}, {high}) ({dtype}) must keep NaN inputs, got {:?}",
            c.data()
        );
    }
}

#[test]
fn maximum_minimum_relu_clamp_propagate_nan() {
    nan_cases::<f32>();
    nan_cases::<f64>();
}

fn clamp_nan_bound_cases<T: Scalar>() {
    let x = Tensor::<T>::from_vec(vec![T::of(-2.0), T::of(0.5), T::of(3.0)], [3]).unwrap();
    let nan = T::nan();
    let (lo, hi) = (T::of(-1.0), T::of(1.0));
    for (low, high) in [(nan, hi), (lo, nan), (nan, nan)] {
        let c = x.clamp(low, high);
        assert!(
            c.data().iter().all(|v| v.is_nan()),
            "clamp(x = [-2, 0.5, 3], {low}, {high}) ({}) = {:?}; torch.clamp fills the result with NaN when a bound is NaN",
            T::DTYPE,
            c.data()
        );
    }
}

/// `torch.clamp(x, min, max)` with a NaN `min` or `max` returns all NaN
/// (ATen's `clamp_out` fills the result with NaN in that case).
#[test]
fn clamp_with_nan_bound_gives_nan_like_torch() {
    clamp_nan_bound_cases::<f32>();
    clamp_nan_bound_cases::<f64>();
}
