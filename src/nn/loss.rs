//! Loss functions: thin wrappers over the tape's fused loss ops, with
//! PyTorch's names and mean reduction.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tensor::Indices;

/// `mean((prediction - target)²)`, as `nn.MSELoss()`.
#[track_caller]
pub fn mse<'t, T: Scalar>(prediction: Var<'t, T>, target: Var<'t, T>) -> Var<'t, T> {
    prediction.mse(target)
}

/// Cross-entropy of logits `[N, C]` against class indices `[N]`, with a
/// fused, max-shifted log-softmax, as `nn.CrossEntropyLoss()`.
#[track_caller]
pub fn cross_entropy<'t, T: Scalar>(logits: Var<'t, T>, targets: &Indices) -> Var<'t, T> {
    logits.cross_entropy(targets)
}

/// Cross-entropy with label smoothing `ε`: the target distribution is
/// `(1 - ε)·onehot + ε/C`, as `nn.CrossEntropyLoss(label_smoothing=ε)`.
#[track_caller]
pub fn cross_entropy_smoothed<'t, T: Scalar>(
    logits: Var<'t, T>,
    targets: &Indices,
    label_smoothing: T,
) -> Var<'t, T> {
    logits.cross_entropy_smoothed(targets, label_smoothing)
}

/// Binary cross-entropy of logits against targets in `[0, 1]` (same
/// shape), in PyTorch's stable form `(1 - y)·x - logsigmoid(x)`, equal to
/// `max(x, 0) - x·y + ln(1 + e^(-|x|))` for finite `x`, as
/// `nn.BCEWithLogitsLoss()`.
#[track_caller]
pub fn bce_with_logits<'t, T: Scalar>(logits: Var<'t, T>, targets: Var<'t, T>) -> Var<'t, T> {
    logits.bce_with_logits(targets)
}

/// Negative log-likelihood of log-probabilities `[N, C]` at class indices
/// `[N]`, as `nn.NLLLoss()`.
#[track_caller]
pub fn nll<'t, T: Scalar>(log_probs: Var<'t, T>, targets: &Indices) -> Var<'t, T> {
    log_probs.nll(targets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Tape, Tensor};

    #[test]
    fn wrappers_equal_the_tape_ops() {
        let tape = Tape::<f64>::new();
        let logits =
            tape.constant(Tensor::from_vec(vec![1.0, 2.0, 0.5, -1.0, 0.0, 3.0], [2, 3]).unwrap());
        let t = Indices::new(&[1, 2]);
        // −mean(log p): row 0 picks 2.0, row 1 picks 3.0.
        let lse0 = (1f64.exp() + 2f64.exp() + 0.5f64.exp()).ln();
        let lse1 = ((-1f64).exp() + 1.0 + 3f64.exp()).ln();
        let want = ((lse0 - 2.0) + (lse1 - 3.0)) / 2.0;
        assert!((cross_entropy(logits, &t).item() - want).abs() < 1e-12);
        let a = tape.constant(Tensor::from_vec(vec![1.0, 2.0], [2]).unwrap());
        let b = tape.constant(Tensor::from_vec(vec![0.0, 4.0], [2]).unwrap());
        assert_eq!(mse(a, b).item(), (1.0 + 4.0) / 2.0);
    }
}
