//! Elementwise maps: arithmetic functions and activations.
//!
//! Formulas follow PyTorch's CPU kernels, so results agree to rounding.
//! Every one is stable for large inputs: `sigmoid(±1e4)` and `tanh(±1e4)`
//! are their exact limits, `softplus` switches to the identity above its
//! threshold, `silu` of a huge negative input is `-0`, not NaN.

use std::mem::MaybeUninit;

use super::Tensor;
use crate::scalar::Scalar;

/// Elements from which [`Tensor::map_costly`] splits its work over two
/// cores: 2¹⁴ tanh take ≈ 18 µs on one core (1.1 ns each), ten times what
/// a join costs with the worker awake. Cheap maps (ReLU, arithmetic) are
/// memory-bound and stay on one core.
pub(crate) const SPLIT_COSTLY_MIN: usize = 1 << 14;

impl<T: Scalar> Tensor<T> {
    /// Applies `f` to every element, keeping the shape.
    pub fn map(&self, f: impl Fn(T) -> T) -> Tensor<T> {
        let data = self.data().iter().map(|&x| f(x)).collect();
        Tensor::from_arc(data, self.shape_ref().clone())
    }

    /// [`Tensor::map`] for a costly `f` (a transcendental function): from
    /// [`SPLIT_COSTLY_MIN`] elements, the two halves are computed on two
    /// cores. Each element is `f` of its input wherever it runs, so the
    /// bits are the same with one thread or two.
    pub(crate) fn map_costly(&self, f: impl Fn(T) -> T + Sync) -> Tensor<T> {
        let src = self.data();
        let n = src.len();
        if n < SPLIT_COSTLY_MIN || crate::parallel::threads() == 1 {
            return self.map(f);
        }
        let fill = |d: &mut [MaybeUninit<T>], s: &[T]| {
            for (d, &x) in d.iter_mut().zip(s) {
                d.write(f(x));
            }
        };
        // SAFETY: the two halves write every element (`d` and `s` have the
        // same length in each).
        unsafe {
            Tensor::build_uninit(self.shape_ref().clone(), |data| {
                let (d0, d1) = data.split_at_mut(n / 2);
                let (s0, s1) = src.split_at(n / 2);
                crate::parallel::join(|| fill(d0, s0), || fill(d1, s1));
            })
        }
    }

    /// Applies `f` to every element in place (copy on write if shared).
    pub fn map_inplace(&mut self, f: impl Fn(T) -> T) {
        for x in self.data_mut() {
            *x = f(*x);
        }
    }

    /// `-x`.
    pub fn neg(&self) -> Tensor<T> {
        self.map(|x| -x)
    }

    /// `eˣ`.
    pub fn exp(&self) -> Tensor<T> {
        self.map_costly(T::exp)
    }

    /// Natural logarithm; `ln(0) = -inf`, negative inputs give NaN.
    pub fn ln(&self) -> Tensor<T> {
        self.map_costly(T::ln)
    }

    /// Square root; negative inputs give NaN.
    pub fn sqrt(&self) -> Tensor<T> {
        self.map(T::sqrt)
    }

    /// `|x|`.
    pub fn abs(&self) -> Tensor<T> {
        self.map(T::abs)
    }

    /// `x²`.
    pub fn square(&self) -> Tensor<T> {
        self.map(|x| x * x)
    }

    /// `1/x`.
    pub fn recip(&self) -> Tensor<T> {
        self.map(T::recip)
    }

    /// `xᵖ` for a real exponent (`torch.pow(x, p)`): a negative base with a
    /// non-integer exponent gives NaN; `0⁰ = 1`.
    pub fn powf(&self, p: T) -> Tensor<T> {
        self.map_costly(|x| x.powf(p))
    }

    /// `xⁿ` for an integer exponent, by repeated multiplication.
    pub fn powi(&self, n: i32) -> Tensor<T> {
        self.map(|x| x.powi(n))
    }

    /// `min(max(x, low), high)`, as `torch.clamp`: NaN stays NaN, a NaN
    /// bound gives NaN everywhere, and when `low > high` every element
    /// becomes `high`.
    pub fn clamp(&self, low: T, high: T) -> Tensor<T> {
        self.map(|x| clamp(x, low, high))
    }

    /// `σ(x) = 1 / (1 + e⁻ˣ)`. Saturates to exactly 0 and 1 (no overflow:
    /// `e⁻ˣ = inf` gives `1/inf = 0`).
    pub fn sigmoid(&self) -> Tensor<T> {
        self.map_costly(sigmoid)
    }

    /// Hyperbolic tangent.
    pub fn tanh(&self) -> Tensor<T> {
        self.map_costly(T::tanh_kernel)
    }

    /// `max(0, x)`; NaN stays NaN.
    pub fn relu(&self) -> Tensor<T> {
        self.map(|x| {
            if x > T::zero() || x.is_nan() {
                x
            } else {
                T::zero()
            }
        })
    }

    /// `x` if `x > 0`, else `slope·x` (PyTorch's default slope is 0.01).
    pub fn leaky_relu(&self, slope: T) -> Tensor<T> {
        self.map(|x| if x > T::zero() { x } else { x * slope })
    }

    /// `x` if `x > 0`, else `alpha·(eˣ - 1)` computed with `expm1` as
    /// PyTorch does (PyTorch's default alpha is 1).
    pub fn elu(&self, alpha: T) -> Tensor<T> {
        self.map_costly(|x| if x > T::zero() { x } else { x.exp_m1() * alpha })
    }

    /// Exact GELU, `x·Φ(x) = x·½·(1 + erf(x/√2))` (`approximate='none'`).
    pub fn gelu(&self) -> Tensor<T> {
        self.map_costly(gelu)
    }

    /// GELU's tanh approximation (`approximate='tanh'`):
    /// `½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
    pub fn gelu_tanh(&self) -> Tensor<T> {
        self.map_costly(gelu_tanh)
    }

    /// `softplus(x) = ln(1 + eˣ)`, returning `x` itself above PyTorch's
    /// threshold of 20 (where the two agree to f64 rounding).
    pub fn softplus(&self) -> Tensor<T> {
        self.softplus_with(T::one(), T::of(20.0))
    }

    /// `softplus` with PyTorch's `beta` and `threshold`:
    /// `x` if `beta·x > threshold`, else `ln(1 + e^(beta·x)) / beta`.
    pub fn softplus_with(&self, beta: T, threshold: T) -> Tensor<T> {
        self.map_costly(|x| {
            if x * beta > threshold {
                x
            } else {
                (x * beta).exp().ln_1p() / beta
            }
        })
    }

    /// SiLU (swish): `x·σ(x)`, computed as `x / (1 + e⁻ˣ)` like PyTorch.
    pub fn silu(&self) -> Tensor<T> {
        self.map_costly(|x| x / (T::one() + (-x).exp()))
    }

    /// `x / (1 + |x|)`.
    pub fn softsign(&self) -> Tensor<T> {
        self.map(|x| x / (T::one() + x.abs()))
    }
}

/// `1 / (1 + e⁻ˣ)`; the building block of the sigmoid kernels and rules.
#[inline]
pub(crate) fn sigmoid<T: Scalar>(x: T) -> T {
    T::one() / (T::one() + (-x).exp())
}

/// `torch.clamp` for one value: a NaN input passes through, and a NaN
/// bound makes the result NaN (PyTorch's `min != min || max != max` check).
#[inline]
pub(crate) fn clamp<T: Scalar>(x: T, low: T, high: T) -> T {
    if low.is_nan() || high.is_nan() {
        T::nan()
    } else if x.is_nan() {
        x
    } else {
        let raised = if x < low { low } else { x };
        if raised > high { high } else { raised }
    }
}

/// `x·½·(1 + erf(x/√2))`.
#[inline]
pub(crate) fn gelu<T: Scalar>(x: T) -> T {
    x * T::of(0.5) * (T::one() + (x * T::FRAC_1_SQRT_2()).erf())
}

/// √(2/π), the tanh-GELU's inner scale.
pub(crate) const GELU_TANH_BETA: f64 =
    std::f64::consts::SQRT_2 * std::f64::consts::FRAC_2_SQRT_PI * 0.5;
/// The tanh-GELU's cubic coefficient.
pub(crate) const GELU_TANH_KAPPA: f64 = 0.044715;

#[inline]
pub(crate) fn gelu_tanh<T: Scalar>(x: T) -> T {
    let inner = T::of(GELU_TANH_BETA) * (x + T::of(GELU_TANH_KAPPA) * x * x * x);
    T::of(0.5) * x * (T::one() + inner.tanh())
}

#[cfg(test)]
mod tests {
    use super::SPLIT_COSTLY_MIN;
    use crate::{Rng, Scalar, SeedableRng, Tensor};

    /// A costly map large enough to be split writes, at every index, the
    /// same bits as the one-core map (an odd length, so the halves differ).
    #[test]
    fn a_split_costly_map_matches_the_one_core_map_bit_for_bit() {
        let n = 2 * SPLIT_COSTLY_MIN + 3;
        let x = Tensor::<f32>::uniform([n], -12.0, 12.0, &mut Rng::seed_from_u64(3));
        let bits = |t: Tensor<f32>| t.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(x.tanh()), bits(x.map(f32::tanh_kernel)));
        assert_eq!(bits(x.exp()), bits(x.map(f32::exp)));
        assert_eq!(
            bits(x.map_costly(|v| v * 2.0 + 1.0)),
            bits(x.map(|v| v * 2.0 + 1.0))
        );
        assert_eq!(x.tanh().shape(), [n]);
    }

    #[test]
    fn a_panic_in_a_split_costly_map_reaches_the_caller() {
        let x = Tensor::<f64>::zeros([2 * SPLIT_COSTLY_MIN]);
        let r = std::panic::catch_unwind(|| x.map_costly(|_| panic!("in f")));
        assert!(r.is_err());
        let ones = x.map_costly(|v| v + 1.0);
        assert!(ones.to_vec().iter().all(|&v| v == 1.0));
    }

    #[test]
    fn sigmoid_and_tanh_saturate_exactly() {
        let x = Tensor::<f32>::from_vec(vec![-1e4, 1e4], [2]).unwrap();
        assert_eq!(x.sigmoid().to_vec(), vec![0.0, 1.0]);
        assert_eq!(x.tanh().to_vec(), vec![-1.0, 1.0]);
        let x = Tensor::<f64>::from_vec(vec![-1e4, 1e4], [2]).unwrap();
        assert_eq!(x.sigmoid().to_vec(), vec![0.0, 1.0]);
        assert_eq!(x.tanh().to_vec(), vec![-1.0, 1.0]);
    }

    #[test]
    fn relu_keeps_nan_and_zeroes_negatives() {
        let x = Tensor::<f32>::from_vec(vec![-2.0, 0.0, 3.0, f32::NAN], [4]).unwrap();
        let y = x.relu().to_vec();
        assert_eq!(&y[..3], &[0.0, 0.0, 3.0]);
        assert!(y[3].is_nan());
    }

    #[test]
    fn softplus_is_identity_above_threshold_and_finite_below() {
        let x = Tensor::<f32>::from_vec(vec![-1e4, 0.0, 25.0, 1e4], [4]).unwrap();
        let y = x.softplus().to_vec();
        assert_eq!(y[0], 0.0);
        assert!((y[1] - std::f32::consts::LN_2).abs() < 1e-7);
        assert_eq!(y[2], 25.0);
        assert_eq!(y[3], 1e4);
    }

    #[test]
    fn silu_of_huge_negative_is_zero_not_nan() {
        let x = Tensor::<f32>::from_vec(vec![-1e4, 1e4], [2]).unwrap();
        assert_eq!(x.silu().to_vec(), vec![0.0, 1e4]);
    }

    #[test]
    fn clamp_follows_torch_for_nan_and_inverted_bounds() {
        let x = Tensor::<f64>::from_vec(vec![-3.0, 0.5, 3.0, f64::NAN], [4]).unwrap();
        let y = x.clamp(-1.0, 1.0).to_vec();
        assert_eq!(&y[..3], &[-1.0, 0.5, 1.0]);
        assert!(y[3].is_nan());
        assert_eq!(x.clamp(2.0, 1.0).data()[1], 1.0);
    }

    #[test]
    fn gelu_at_one_matches_closed_form() {
        // Φ(1) = 0.8413447460685429 (standard normal table).
        let y = Tensor::<f64>::scalar(1.0).gelu().item();
        assert!((y - 0.841_344_746_068_542_9).abs() < 1e-15);
    }
}
