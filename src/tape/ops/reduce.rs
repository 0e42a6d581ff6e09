//! Reductions. Each rule reshapes the output gradient to the kept-dims
//! shape and broadcasts it back over the reduced axes.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::reduce::{normalize_axes, reduced_shape};
use crate::tensor::{Shape, Tensor};

use super::Op;

#[derive(Clone, Copy, Debug)]
pub(crate) enum ReduceKind {
    Sum,
    Mean,
    Max,
    Min,
    // u32 keeps `Op` (and every tape node) a word smaller; a correction
    // of 2³² or more is saturated (the divisor N - correction is negative
    // either way).
    Var { correction: u32 },
}

impl ReduceKind {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            ReduceKind::Sum => "sum",
            ReduceKind::Mean => "mean",
            ReduceKind::Max => "max",
            ReduceKind::Min => "min",
            ReduceKind::Var { .. } => "var",
        }
    }
}

pub(crate) struct ReduceOp {
    pub(crate) x: usize,
    pub(crate) kind: ReduceKind,
    /// Sorted, validated axes (never empty: "all" is spelled out).
    pub(crate) axes: Box<[usize]>,
}

impl ReduceOp {
    pub(crate) fn backward<T: Scalar>(&self, y: &Tensor<T>, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let x = ctx.value(self.x);
        let keep: Shape = reduced_shape(x.shape(), &self.axes, true);
        let count: usize = self.axes.iter().map(|&a| x.shape()[a]).product();
        let g = g.reshape(&keep);
        let dx = match self.kind {
            ReduceKind::Sum => g.broadcast_to(x.shape_ref()),
            ReduceKind::Mean => g
                .div_scalar(T::of(count as f64))
                .broadcast_to(x.shape_ref()),
            // Split evenly among the elements equal to the extreme, as
            // torch.amax/amin.
            ReduceKind::Max | ReduceKind::Min => {
                let y = y.reshape(&keep);
                let hits = crate::tensor::binary::broadcast_zip("max", x, &y, |a, b| {
                    if a == b { T::one() } else { T::zero() }
                });
                let ties = hits.sum(&self.axes, true);
                hits.mul(&g.div(&ties))
            }
            // ∂var/∂x = 2(x - mean)/(N - correction), PyTorch's var_backward.
            ReduceKind::Var { correction } => {
                let mean = x.mean(&self.axes, true);
                let scale = T::of(2.0) / T::of(count as f64 - f64::from(correction));
                x.sub(&mean).mul(&g).mul_scalar(scale)
            }
        };
        ctx.send(self.x, dx);
    }
}

impl<'t, T: Scalar> Var<'t, T> {
    #[track_caller]
    fn reduce(self, kind: ReduceKind, axes: &[usize], value: Tensor<T>) -> Var<'t, T> {
        let axes = normalize_axes(kind.name(), axes, &self.shape());
        self.tape().record(
            value,
            Op::Reduce(ReduceOp {
                x: self.index(),
                kind,
                axes: axes.into(),
            }),
        )
    }

    /// Sum over `axes` (all if empty); ∂/∂x = 1 on every element.
    ///
    /// # Panics
    /// If an axis is out of range or repeated.
    #[track_caller]
    pub fn sum(self, axes: &[usize], keepdim: bool) -> Var<'t, T> {
        let value = self.value_ref().sum(axes, keepdim);
        self.reduce(ReduceKind::Sum, axes, value)
    }

    /// Sum of all elements (rank 0); ∂/∂x = 1.
    pub fn sum_all(self) -> Var<'t, T> {
        let value = self.value_ref().sum_all();
        self.reduce(ReduceKind::Sum, &[], value)
    }

    /// Mean over `axes` (all if empty); ∂/∂x = 1/N.
    #[track_caller]
    pub fn mean(self, axes: &[usize], keepdim: bool) -> Var<'t, T> {
        let value = self.value_ref().mean(axes, keepdim);
        self.reduce(ReduceKind::Mean, axes, value)
    }

    /// Mean of all elements (rank 0); ∂/∂x = 1/N.
    pub fn mean_all(self) -> Var<'t, T> {
        let value = self.value_ref().mean_all();
        self.reduce(ReduceKind::Mean, &[], value)
    }

    /// Maximum over `axes` (all if empty), as `torch.amax`; the gradient is
    /// split evenly among tied maxima.
    #[track_caller]
    pub fn max(self, axes: &[usize], keepdim: bool) -> Var<'t, T> {
        let value = self.value_ref().max(axes, keepdim);
        self.reduce(ReduceKind::Max, axes, value)
    }

    /// Minimum over `axes` (all if empty), as `torch.amin`; ties split.
    #[track_caller]
    pub fn min(self, axes: &[usize], keepdim: bool) -> Var<'t, T> {
        let value = self.value_ref().min(axes, keepdim);
        self.reduce(ReduceKind::Min, axes, value)
    }

    /// Variance over `axes` with `correction` (PyTorch's default is 1);
    /// ∂/∂x = `2(x - mean)/(N - correction)`.
    #[track_caller]
    pub fn var(self, axes: &[usize], correction: usize, keepdim: bool) -> Var<'t, T> {
        let value = self.value_ref().var(axes, correction, keepdim);
        let correction = u32::try_from(correction).unwrap_or(u32::MAX);
        self.reduce(ReduceKind::Var { correction }, axes, value)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Tape, Tensor};

    #[test]
    fn max_splits_gradient_among_ties() {
        let tape = Tape::<f64>::new();
        let x = tape.leaf(Tensor::from_vec(vec![1.0, 3.0, 3.0], [3]).unwrap());
        let grads = tape.backward(x.max(&[], false));
        assert_eq!(grads.wrt(x).unwrap().to_vec(), vec![0.0, 0.5, 0.5]);
    }
}
