//! `softmax`, `log_softmax` and `logsumexp` along an axis, all shifted by
//! the maximum so that no `exp` overflows: logits near ±1e4 give finite,
//! exact results in `f32`.

use super::binary::nan_max;
use super::reduce::reduced_shape;
use super::{Tensor, check_axis, split_at_axis};
use crate::scalar::Scalar;

/// Calls `f` with the elements of each lane along the axis, gathered into a
/// scratch row, and with the output positions of that lane.
fn for_each_lane<T: Scalar>(
    shape: &[usize],
    axis: usize,
    data: &[T],
    mut f: impl FnMut(&[T], usize, usize),
) {
    let (outer, len, inner) = split_at_axis(shape, axis);
    let mut lane = vec![T::zero(); len];
    for o in 0..outer {
        for i in 0..inner {
            let base = o * len * inner + i;
            for (j, x) in lane.iter_mut().enumerate() {
                *x = data[base + j * inner];
            }
            f(&lane, base, inner);
        }
    }
}

/// The shift applied before `exp`: the lane's maximum, or 0 when that is
/// infinite (so `+inf` inputs give `inf` and all-`-inf` lanes give `-inf`
/// in `logsumexp`, as PyTorch).
fn shift<T: Scalar>(lane: &[T]) -> T {
    let m = lane.iter().fold(T::neg_infinity(), |a, &x| nan_max(a, x));
    if m.is_infinite() { T::zero() } else { m }
}

impl<T: Scalar> Tensor<T> {
    /// `softmax(x)ᵢ = exp(xᵢ - m) / Σⱼ exp(xⱼ - m)` along `axis`, `m` the
    /// lane's maximum.
    ///
    /// # Panics
    /// If the axis is out of range.
    #[track_caller]
    pub fn softmax(&self, axis: usize) -> Tensor<T> {
        check_axis("softmax", axis, self.shape());
        let mut out = vec![T::zero(); self.numel()];
        for_each_lane(self.shape(), axis, self.data(), |lane, base, stride| {
            let m = lane.iter().fold(T::neg_infinity(), |a, &x| nan_max(a, x));
            let mut total = T::zero();
            for (j, &x) in lane.iter().enumerate() {
                let e = (x - m).exp();
                out[base + j * stride] = e;
                total += e;
            }
            for j in 0..lane.len() {
                out[base + j * stride] /= total;
            }
        });
        Tensor::from_parts(out, self.shape_ref().clone())
    }

    /// `log_softmax(x)ᵢ = xᵢ - m - ln Σⱼ exp(xⱼ - m)` along `axis`: finite
    /// for finite inputs however large.
    ///
    /// # Panics
    /// If the axis is out of range.
    #[track_caller]
    pub fn log_softmax(&self, axis: usize) -> Tensor<T> {
        check_axis("log_softmax", axis, self.shape());
        let mut out = vec![T::zero(); self.numel()];
        for_each_lane(self.shape(), axis, self.data(), |lane, base, stride| {
            let m = lane.iter().fold(T::neg_infinity(), |a, &x| nan_max(a, x));
            let total: T = lane.iter().map(|&x| (x - m).exp()).sum();
            let log_total = total.ln();
            for (j, &x) in lane.iter().enumerate() {
                out[base + j * stride] = x - m - log_total;
            }
        });
        Tensor::from_parts(out, self.shape_ref().clone())
    }

    /// `ln Σ exp(x)` along `axis`, computed as `m + ln Σ exp(x - m)`, as
    /// `torch.logsumexp(dim, keepdim)`.
    ///
    /// # Panics
    /// If the axis is out of range.
    #[track_caller]
    pub fn logsumexp(&self, axis: usize, keepdim: bool) -> Tensor<T> {
        check_axis("logsumexp", axis, self.shape());
        let (outer, _, inner) = split_at_axis(self.shape(), axis);
        let mut out = vec![T::zero(); outer * inner];
        let mut slot = 0;
        for_each_lane(self.shape(), axis, self.data(), |lane, _, _| {
            let m = shift(lane);
            let total: T = lane.iter().map(|&x| (x - m).exp()).sum();
            out[slot] = total.ln() + m;
            slot += 1;
        });
        Tensor::from_parts(out, reduced_shape(self.shape(), &[axis], keepdim))
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn softmax_of_huge_logits_is_finite_and_normalized() {
        let x = Tensor::<f32>::from_vec(vec![1e4, -1e4, 0.0, 9999.0], [1, 4]).unwrap();
        let p = x.softmax(1);
        assert!(p.all_finite());
        assert!((p.sum_all().item() - 1.0).abs() < 1e-6);
        let lp = x.log_softmax(1);
        assert!(lp.all_finite());
        // log p(1e4) = -ln(1 + e⁻¹) to f32 precision.
        assert!((lp.data()[0] + (1.0f32 + (-1.0f32).exp()).ln()).abs() < 1e-6);
    }

    #[test]
    fn logsumexp_does_not_overflow() {
        let x = Tensor::<f32>::from_vec(vec![1e4, 1e4], [2]).unwrap();
        let y = x.logsumexp(0, false).item();
        assert!((y - (1e4 + std::f32::consts::LN_2)).abs() < 1e-2);
        let neg = Tensor::<f64>::full([3], f64::NEG_INFINITY);
        assert_eq!(neg.logsumexp(0, false).item(), f64::NEG_INFINITY);
    }

    #[test]
    fn softmax_along_a_middle_axis() {
        let x = Tensor::<f64>::from_vec((0..12).map(|v| v as f64).collect(), [2, 3, 2]).unwrap();
        let s = x.softmax(1).sum(&[1], false);
        for v in s.data() {
            assert!((v - 1.0).abs() < 1e-12);
        }
    }
}
