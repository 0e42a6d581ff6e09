//! Fused losses with mean reduction, as PyTorch defines them:
//! `cross_entropy` (with optional label smoothing), `nll`,
//! `binary_cross_entropy_with_logits` and `mse`. Each returns the loss as a
//! scalar `T`.
//!
//! Cross-entropy works from the row maximum `m`: `-log pⱼ = (m - xⱼ) +
//! ln Σₖ exp(xₖ - m)`, a sum of two nonnegative terms, so logits near ±1e4
//! give finite, accurate losses even in `f32`. Binary cross-entropy uses
//! PyTorch's stable form `(1 - y)·x - logsigmoid(x)`, with
//! `logsigmoid(x) = min(x, 0) - ln(1 + e^{-|x|})`.

use super::binary::nan_max;
use super::{Indices, Tensor};
use crate::scalar::Scalar;

/// Checks `[N, C]` scores against `[N]` class targets, returning `(N, C)`.
#[track_caller]
fn check_class_targets(op: &str, what: &str, shape: &[usize], targets: &Indices) -> (usize, usize) {
    assert!(
        shape.len() == 2,
        "{op}: {what} must have shape [N, C], got {shape:?}; reshape them to [N, C] \
         (flatten any extra axes into the batch axis)"
    );
    let (n, c) = (shape[0], shape[1]);
    assert!(
        targets.shape() == [n],
        "{op}: targets of shape {:?} do not match {what} of shape {shape:?}; \
         targets need shape [{n}], one class index per row",
        targets.shape()
    );
    for &t in targets.data() {
        assert!(
            t < c,
            "{op}: class index {t} is out of range for {c} classes ({what} shape {shape:?}); \
             targets must lie in 0..{c}"
        );
    }
    (n, c)
}

/// Checks that an elementwise loss's two operands have one shape.
#[track_caller]
fn check_same_shape(op: &str, input: &[usize], target: &[usize]) {
    assert!(
        input == target,
        "{op}: input shape {input:?} and target shape {target:?} differ; \
         they must be equal (no broadcasting: call broadcast_to first)"
    );
}

/// The mean of `total` over `count` elements (NaN when `count` is 0, as
/// PyTorch's mean of an empty batch).
fn mean<T: Scalar>(total: T, count: usize) -> T {
    total / T::of(count as f64)
}

impl<T: Scalar> Tensor<T> {
    /// Cross-entropy of `[N, C]` logits against `[N]` class indices, as
    /// `torch.nn.functional.cross_entropy(logits, targets,
    /// label_smoothing=ε)` with mean reduction:
    /// `mean_i [(1-ε)·(-log p_{i,tᵢ}) + ε/C · Σ_c (-log p_{i,c})]`,
    /// `log p = log_softmax(logits)` along the class axis (max-shifted).
    ///
    /// # Panics
    /// If the logits are not `[N, C]`, the targets not `[N]`, a class index
    /// is `>= C`, or `label_smoothing` is outside `[0, 1]`.
    #[track_caller]
    pub fn cross_entropy(&self, targets: &Indices, label_smoothing: T) -> T {
        let (n, c) = check_class_targets("cross_entropy", "logits", self.shape(), targets);
        let eps = label_smoothing;
        assert!(
            eps >= T::zero() && eps <= T::one(),
            "cross_entropy: label_smoothing must be in [0, 1], got {eps}"
        );
        let on_target = T::one() - eps;
        let spread = eps / T::of(c as f64);
        let data = self.data();
        let mut total = T::zero();
        for (i, &t) in targets.data().iter().enumerate() {
            let row = &data[i * c..(i + 1) * c];
            let m = row.iter().fold(T::neg_infinity(), |a, &x| nan_max(a, x));
            let log_total = row.iter().map(|&x| (x - m).exp()).sum::<T>().ln();
            // -log p_j = (m - x_j) + ln Σ exp(x - m): both terms ≥ 0.
            let mut loss = on_target * ((m - row[t]) + log_total);
            // Skipped at ε = 0, as PyTorch: a -inf logit (a masked class)
            // must not turn 0·inf into NaN.
            if eps != T::zero() {
                let all: T = row.iter().map(|&x| (m - x) + log_total).sum();
                loss += spread * all;
            }
            total += loss;
        }
        mean(total, n)
    }

    /// Negative log-likelihood of `[N, C]` log-probabilities against `[N]`
    /// class indices, as `torch.nn.functional.nll_loss` with mean
    /// reduction: `-mean_i log_probs[i, tᵢ]`.
    ///
    /// # Panics
    /// If the log-probabilities are not `[N, C]`, the targets not `[N]`, or
    /// a class index is `>= C`.
    #[track_caller]
    pub fn nll(&self, targets: &Indices) -> T {
        let (n, c) = check_class_targets("nll", "log_probs", self.shape(), targets);
        let data = self.data();
        let picked: T = targets
            .data()
            .iter()
            .enumerate()
            .map(|(i, &t)| data[i * c + t])
            .sum();
        -mean(picked, n)
    }

    /// Binary cross-entropy of logits `x` (this tensor) against targets `y`
    /// of the same shape, as
    /// `torch.nn.functional.binary_cross_entropy_with_logits` with mean
    /// reduction, in PyTorch's stable form
    /// `mean((1 - y)·x - logsigmoid(x))` with
    /// `logsigmoid(x) = min(x, 0) - ln(1 + e^{-|x|})`: finite for any finite
    /// `x`. At infinite logits it gives PyTorch's answers: `inf` at
    /// `(x, y) = (inf, 0)`, NaN (from `0·inf` or `inf - inf`) at `(inf, 1)`,
    /// `(-inf, 0)` and `(-inf, 1)`.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn binary_cross_entropy_with_logits(&self, targets: &Tensor<T>) -> T {
        check_same_shape(
            "binary_cross_entropy_with_logits",
            self.shape(),
            targets.shape(),
        );
        let total: T = self
            .data()
            .iter()
            .zip(targets.data())
            .map(|(&x, &y)| {
                let log_sigmoid = x.min(T::zero()) - (-x.abs()).exp().ln_1p();
                (T::one() - y) * x - log_sigmoid
            })
            .sum();
        mean(total, self.numel())
    }

    /// Mean squared error `mean((a - b)²)`, as
    /// `torch.nn.functional.mse_loss` with mean reduction.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn mse(&self, target: &Tensor<T>) -> T {
        check_same_shape("mse", self.shape(), target.shape());
        let total: T = self
            .data()
            .iter()
            .zip(target.data())
            .map(|(&a, &b)| (a - b) * (a - b))
            .sum();
        mean(total, self.numel())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Indices, Tensor};

    #[test]
    fn cross_entropy_is_shift_invariant_and_finite_at_1e4() {
        let x = Tensor::<f32>::from_vec(vec![0.5, -1.0, 2.0, 0.0, 0.0, 1.0], [2, 3]).unwrap();
        let shifted = x.add_scalar(1e4);
        let t = Indices::new(&[2, 0]);
        let (a, b) = (x.cross_entropy(&t, 0.1), shifted.cross_entropy(&t, 0.1));
        assert!(b.is_finite());
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }

    #[test]
    fn empty_batch_gives_nan_as_pytorch() {
        let x = Tensor::<f64>::zeros([0, 3]);
        assert!(x.cross_entropy(&Indices::new(&[]), 0.0).is_nan());
        assert!(x.nll(&Indices::new(&[])).is_nan());
        assert!(x.mse(&x).is_nan());
    }

    #[test]
    #[should_panic(expected = "nll: targets of shape [3] do not match log_probs of shape [2, 4]")]
    fn nll_with_wrong_target_count_panics() {
        let _ = Tensor::<f64>::zeros([2, 4]).nll(&Indices::new(&[0, 1, 2]));
    }

    #[test]
    #[should_panic(expected = "cross_entropy: label_smoothing must be in [0, 1], got 1.5")]
    fn label_smoothing_above_one_panics() {
        let _ = Tensor::<f64>::zeros([1, 2]).cross_entropy(&Indices::new(&[0]), 1.5);
    }
}
