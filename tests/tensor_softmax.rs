//! Property tests for `softmax`, `log_softmax` and `logsumexp` along every
//! axis of random shapes, in `f32` and `f64`, against a naive max-shifted
//! reference computed in `f64`; and their numerics at the extremes (logits
//! near ±1e4, `-inf` lanes), with `sigmoid` and `tanh` saturation.

use gradflow::{Scalar, Tensor};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// Index arithmetic and the reference.

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
    index.iter().zip(shape).fold(0, |acc, (&i, &d)| acc * d + i)
}

/// Every lane along `axis`, in the row-major order of the reduced
/// (keepdim) shape: the flat positions of its elements.
fn lanes(shape: &[usize], axis: usize) -> Vec<Vec<usize>> {
    let mut reduced = shape.to_vec();
    reduced[axis] = 1;
    (0..numel(&reduced))
        .map(|flat| {
            let mut idx = unravel(flat, &reduced);
            (0..shape[axis])
                .map(|j| {
                    idx[axis] = j;
                    ravel(&idx, shape)
                })
                .collect()
        })
        .collect()
}

/// The naive results along `axis`, in `f64`: softmax and log-softmax (in the
/// input's layout) and logsumexp (one per lane, reduced-shape order), with
/// per-element tolerances for a kernel of precision `eps`.
struct Reference {
    softmax: Vec<f64>,
    softmax_tol: Vec<f64>,
    log_softmax: Vec<f64>,
    log_softmax_tol: Vec<f64>,
    logsumexp: Vec<f64>,
    logsumexp_tol: Vec<f64>,
}

fn reference(shape: &[usize], x: &[f64], axis: usize, eps: f64, tiny: f64) -> Reference {
    let n = x.len();
    let mut r = Reference {
        softmax: vec![0.0; n],
        softmax_tol: vec![0.0; n],
        log_softmax: vec![0.0; n],
        log_softmax_tol: vec![0.0; n],
        logsumexp: Vec::new(),
        logsumexp_tol: Vec::new(),
    };
    let len = shape[axis] as f64;
    for lane in lanes(shape, axis) {
        let max = lane.iter().map(|&p| x[p]).fold(f64::NEG_INFINITY, f64::max);
        let min = lane.iter().map(|&p| x[p]).fold(f64::INFINITY, f64::min);
        let biggest = lane.iter().map(|&p| x[p].abs()).fold(0.0, f64::max);
        let spread = max - min;
        let total: f64 = lane.iter().map(|&p| (x[p] - max).exp()).sum();
        for &p in &lane {
            let sm = (x[p] - max).exp() / total;
            let lsm = x[p] - max - total.ln();
            r.softmax[p] = sm;
            // Rounding of x - max (relative to the spread), the sum and the
            // division, as a relative error of the probability.
            r.softmax_tol[p] = 32.0 * eps * (1.0 + spread + len) * sm + tiny;
            r.log_softmax[p] = lsm;
            r.log_softmax_tol[p] = 32.0 * eps * (1.0 + spread + len + lsm.abs());
        }
        let lse = max + total.ln();
        r.logsumexp.push(lse);
        r.logsumexp_tol
            .push(32.0 * eps * (1.0 + biggest + len + lse.abs()));
    }
    r
}

fn tensor<T: Scalar>(shape: &[usize], values: &[f64]) -> Tensor<T> {
    Tensor::from_vec(values.iter().map(|&x| T::of(x)).collect(), shape).unwrap()
}

fn assert_close<T: Scalar>(
    what: &str,
    got: &Tensor<T>,
    shape: &[usize],
    expected: &[f64],
    tol: &[f64],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), shape, "{} has the wrong shape", what);
    for (flat, ((g, e), t)) in got.data().iter().zip(expected).zip(tol).enumerate() {
        let err = (g.as_f64() - e).abs();
        prop_assert!(
            err <= *t,
            "{} at {:?} of shape {:?}: got {}, naive {}, error {:e} > tolerance {:e}",
            what,
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

/// All three kernels along every axis of `x` against the reference.
fn check_against_reference<T: Scalar>(
    shape: &[usize],
    values: &[f64],
    keepdim: bool,
) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, values);
    let x64: Vec<f64> = x.data().iter().map(|v| v.as_f64()).collect();
    let eps = T::epsilon().as_f64();
    let tiny = T::min_positive_value().as_f64();
    for axis in 0..shape.len() {
        let r = reference(shape, &x64, axis, eps, tiny);
        let ctx = |op: &str| format!("{op} along axis {axis}");
        assert_close(
            &ctx("softmax"),
            &x.softmax(axis),
            shape,
            &r.softmax,
            &r.softmax_tol,
        )?;
        assert_close(
            &ctx("log_softmax"),
            &x.log_softmax(axis),
            shape,
            &r.log_softmax,
            &r.log_softmax_tol,
        )?;
        let mut reduced = shape.to_vec();
        if keepdim {
            reduced[axis] = 1;
        } else {
            reduced.remove(axis);
        }
        assert_close(
            &ctx("logsumexp"),
            &x.logsumexp(axis, keepdim),
            &reduced,
            &r.logsumexp,
            &r.logsumexp_tol,
        )?;
    }
    Ok(())
}

/// Softmax sums to 1 along the axis with entries in `[0, 1]`; log-softmax
/// is finite and at most 0.
fn check_normalized<T: Scalar>(shape: &[usize], values: &[f64]) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, values);
    let eps = T::epsilon().as_f64();
    for axis in 0..shape.len() {
        let p = x.softmax(axis);
        let lp = x.log_softmax(axis);
        prop_assert!(
            p.all_finite(),
            "softmax along {} is not finite: {:?}",
            axis,
            p
        );
        prop_assert!(
            lp.all_finite(),
            "log_softmax along {} is not finite: {:?}",
            axis,
            lp
        );
        for v in p.data() {
            prop_assert!(
                (0.0..=1.0).contains(&v.as_f64()),
                "probability {} outside [0, 1]",
                v
            );
        }
        for v in lp.data() {
            prop_assert!(v.as_f64() <= 0.0, "log-probability {} above 0", v);
        }
        for lane in lanes(shape, axis) {
            let total: f64 = lane.iter().map(|&i| p.data()[i].as_f64()).sum();
            prop_assert!(
                (total - 1.0).abs() <= 4.0 * (lane.len() as f64 + 1.0) * eps,
                "softmax along axis {} sums to {} over a lane",
                axis,
                total
            );
        }
    }
    Ok(())
}

/// `exp(log_softmax(x)) = softmax(x)` elementwise, to rounding.
fn check_exp_log_softmax<T: Scalar>(shape: &[usize], values: &[f64]) -> Result<(), TestCaseError> {
    let x = tensor::<T>(shape, values);
    let eps = T::epsilon().as_f64();
    let tiny = T::min_positive_value().as_f64();
    for axis in 0..shape.len() {
        let len = shape[axis] as f64;
        let p = x.softmax(axis);
        let lp = x.log_softmax(axis);
        for (flat, (&a, &b)) in p.data().iter().zip(lp.data()).enumerate() {
            let (a, b) = (a.as_f64(), b.as_f64());
            // Both carry an error of a few eps times (len + |log p|),
            // relative to p.
            let tol = 16.0 * eps * (len + 4.0 + 3.0 * b.abs()) * a.max(b.exp()) + tiny;
            prop_assert!(
                (b.exp() - a).abs() <= tol,
                "axis {} at {:?}: softmax {} but exp(log_softmax) {}",
                axis,
                unravel(flat, shape),
                a,
                b.exp()
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Strategies.

/// Rank 1..=4, dims 1..=5.
fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..=5, 1..=4)
}

/// A shape and values in `[-10, 10]`.
fn moderate() -> impl Strategy<Value = (Vec<usize>, Vec<f64>)> {
    shape().prop_flat_map(|s| {
        let n = numel(&s);
        (Just(s), prop::collection::vec(-10.0f64..=10.0, n))
    })
}

/// A shape and values within 10 of +1e4 or of -1e4 (the sign drawn per
/// element, or shared by the whole tensor).
fn huge() -> impl Strategy<Value = (Vec<usize>, Vec<f64>)> {
    shape().prop_flat_map(|s| {
        let n = numel(&s);
        let element = (any::<bool>(), -10.0f64..=10.0)
            .prop_map(|(up, d)| if up { 1e4 + d } else { -1e4 + d });
        let mixed = prop::collection::vec(element, n).boxed();
        let same = (any::<bool>(), prop::collection::vec(-10.0f64..=10.0, n))
            .prop_map(|(up, ds)| {
                let c = if up { 1e4 } else { -1e4 };
                ds.into_iter().map(|d| c + d).collect()
            })
            .boxed();
        (Just(s), prop_oneof![mixed, same])
    })
}

macro_rules! softmax_properties {
    ($name:ident, $t:ty) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(48))]

                #[test]
                fn softmax_log_softmax_and_logsumexp_match_the_naive_shifted_reference_on_every_axis(
                    (shape, values) in moderate(),
                    keepdim in any::<bool>(),
                ) {
                    check_against_reference::<$t>(&shape, &values, keepdim)?;
                }

                #[test]
                fn softmax_log_softmax_and_logsumexp_match_the_reference_for_logits_near_plus_minus_1e4(
                    (shape, values) in huge(),
                    keepdim in any::<bool>(),
                ) {
                    check_against_reference::<$t>(&shape, &values, keepdim)?;
                }

                #[test]
                fn softmax_sums_to_one_and_log_softmax_is_finite_for_logits_near_plus_minus_1e4(
                    (shape, values) in huge(),
                ) {
                    check_normalized::<$t>(&shape, &values)?;
                }

                #[test]
                fn softmax_sums_to_one_and_log_softmax_is_at_most_zero_for_moderate_logits(
                    (shape, values) in moderate(),
                ) {
                    check_normalized::<$t>(&shape, &values)?;
                }

                #[test]
                fn exp_of_log_softmax_equals_softmax(
                    (shape, values) in prop_oneof![moderate(), huge()],
                ) {
                    check_exp_log_softmax::<$t>(&shape, &values)?;
                }
            }

            #[test]
            fn logsumexp_of_two_equal_huge_logits_is_that_logit_plus_ln_2_without_overflow() {
                let ulp = <$t>::EPSILON.as_f64() * 1e4;
                for c in [1e4, -1e4] {
                    let x = Tensor::<$t>::from_vec(vec![c, c], [2]).unwrap();
                    let y = x.logsumexp(0, false);
                    assert_eq!(y.shape(), [] as [usize; 0]);
                    let y = y.item().as_f64();
                    assert!(y.is_finite(), "logsumexp([{c}, {c}]) = {y}");
                    let expected = c.as_f64() + std::f64::consts::LN_2;
                    assert!(
                        (y - expected).abs() <= 2.0 * ulp,
                        "logsumexp([{c}, {c}]) = {y}, expected {expected}"
                    );
                }
            }

            #[test]
            fn logsumexp_of_all_minus_infinity_is_minus_infinity() {
                let ninf = <$t>::NEG_INFINITY;
                let x = Tensor::<$t>::full([3], ninf);
                assert_eq!(x.logsumexp(0, false).to_vec(), vec![ninf]);
                let x = Tensor::<$t>::full([2, 3], ninf);
                for keepdim in [false, true] {
                    assert_eq!(x.logsumexp(0, keepdim).to_vec(), vec![ninf; 3]);
                    assert_eq!(x.logsumexp(1, keepdim).to_vec(), vec![ninf; 2]);
                }
            }

            #[test]
            fn logsumexp_ignores_minus_infinity_beside_finite_logits() {
                let x = Tensor::<$t>::from_vec(vec![<$t>::NEG_INFINITY, 0.0, 0.0], [3]).unwrap();
                let y = x.logsumexp(0, false).item().as_f64();
                assert!((y - std::f64::consts::LN_2).abs() <= 4.0 * <$t>::EPSILON.as_f64());
            }

            #[test]
            fn logsumexp_over_an_empty_axis_is_minus_infinity() {
                let x = Tensor::<$t>::zeros([2, 0]);
                let y = x.logsumexp(1, false);
                assert_eq!(y.shape(), [2]);
                assert_eq!(y.to_vec(), vec![<$t>::NEG_INFINITY; 2]);
                assert_eq!(x.softmax(1).shape(), [2, 0]);
                assert_eq!(x.log_softmax(1).shape(), [2, 0]);
            }

            #[test]
            fn sigmoid_and_tanh_of_plus_minus_1e4_are_exactly_their_limits() {
                let x = Tensor::<$t>::from_vec(vec![-1e4, 1e4], [2]).unwrap();
                assert_eq!(x.sigmoid().to_vec(), vec![0.0, 1.0]);
                assert_eq!(x.tanh().to_vec(), vec![-1.0, 1.0]);
            }
        }
    };
}

softmax_properties!(f32_softmax, f32);
softmax_properties!(f64_softmax, f64);
