//! The softmax family, with rules written from the saved outputs so that
//! large logits give finite gradients.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::Tensor;
use crate::tensor::reduce::reduced_shape;

use super::Op;

#[derive(Clone, Copy, Debug)]
pub(crate) enum SoftmaxKind {
    Softmax,
    LogSoftmax,
    LogSumExp,
}

impl SoftmaxKind {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            SoftmaxKind::Softmax => "softmax",
            SoftmaxKind::LogSoftmax => "log_softmax",
            SoftmaxKind::LogSumExp => "logsumexp",
        }
    }
}

pub(crate) struct SoftmaxOp {
    pub(crate) x: usize,
    pub(crate) axis: usize,
    pub(crate) kind: SoftmaxKind,
}

impl SoftmaxOp {
    pub(crate) fn backward<T: Scalar>(&self, y: &Tensor<T>, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let axes = [self.axis];
        let dx = match self.kind {
            // y·(g - Σ g·y)
            SoftmaxKind::Softmax => {
                let dot = g.mul(y).sum(&axes, true);
                y.mul(&g.sub(&dot))
            }
            // g - exp(y)·Σ g, with exp(y) = softmax ≤ 1: no overflow.
            SoftmaxKind::LogSoftmax => {
                let total = g.sum(&axes, true);
                g.sub(&y.exp().mul(&total))
            }
            // g·exp(x - y): the softmax of x, from the saved result.
            SoftmaxKind::LogSumExp => {
                let x = ctx.value(self.x);
                let keep = reduced_shape(x.shape(), &axes, true);
                let y = y.reshape(&keep);
                let g = g.reshape(&keep);
                x.sub(&y).exp().mul(&g)
            }
        };
        ctx.send(self.x, dx);
    }
}

impl<'t, T: Scalar> Var<'t, T> {
    fn softmax_family(self, kind: SoftmaxKind, axis: usize, value: Tensor<T>) -> Var<'t, T> {
        let op = SoftmaxOp {
            x: self.index(),
            axis,
            kind,
        };
        self.tape().record(value, Op::Softmax(op))
    }

    /// Softmax along `axis`; ∂/∂x = `y ⊙ (g - Σ g·y)`.
    #[track_caller]
    pub fn softmax(self, axis: usize) -> Var<'t, T> {
        let value = self.value_ref().softmax(axis);
        self.softmax_family(SoftmaxKind::Softmax, axis, value)
    }

    /// Log-softmax along `axis`; ∂/∂x = `g - softmax(x)·Σ g`.
    #[track_caller]
    pub fn log_softmax(self, axis: usize) -> Var<'t, T> {
        let value = self.value_ref().log_softmax(axis);
        self.softmax_family(SoftmaxKind::LogSoftmax, axis, value)
    }

    /// `ln Σ exp(x)` along `axis`; ∂/∂x = `g·softmax(x)`.
    #[track_caller]
    pub fn logsumexp(self, axis: usize, keepdim: bool) -> Var<'t, T> {
        let value = self.value_ref().logsumexp(axis, keepdim);
        self.softmax_family(SoftmaxKind::LogSumExp, axis, value)
    }
}
