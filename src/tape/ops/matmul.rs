//! Matrix products. With `C = op(A)·op(B)`: `dop(A) = dC·op(B)ᵀ` and
//! `dop(B) = op(A)ᵀ·dC`, computed with transposes read through strides (no
//! copies); an operand broadcast over the batch gets its gradient summed
//! over the batch.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::{Tensor, Transpose};

use super::Op;

pub(crate) struct MatMulOp {
    pub(crate) a: usize,
    pub(crate) b: usize,
    pub(crate) ta: Transpose,
    pub(crate) tb: Transpose,
}

fn flip(t: Transpose) -> Transpose {
    match t {
        Transpose::No => Transpose::Yes,
        Transpose::Yes => Transpose::No,
    }
}

/// Sums a batched gradient back to an operand's own shape when the operand
/// was 2-D or had a batch of 1.
fn to_shape<T: Scalar>(grad: Tensor<T>, shape: &[usize]) -> Tensor<T> {
    if crate::tensor::same_dims(grad.shape(), shape) {
        grad
    } else {
        grad.sum(&[0], false).reshape(shape)
    }
}

impl MatMulOp {
    pub(crate) fn backward<T: Scalar>(&self, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        // Borrowed, not cloned: both gradients are computed, then sent.
        let (a, b) = (ctx.value(self.a), ctx.value(self.b));
        // Stored A: dA = dC·op(B)ᵀ, or its transpose op(B)·dCᵀ if A was used transposed.
        let da = ctx.needs(self.a).then(|| {
            let da = match self.ta {
                Transpose::No => g.matmul_t(Transpose::No, b, flip(self.tb)),
                Transpose::Yes => b.matmul_t(self.tb, &g, Transpose::Yes),
            };
            to_shape(da, a.shape())
        });
        // Stored B: dB = op(A)ᵀ·dC, or dCᵀ·op(A) if B was used transposed.
        let db = ctx.needs(self.b).then(|| {
            let db = match self.tb {
                Transpose::No => a.matmul_t(flip(self.ta), &g, Transpose::No),
                Transpose::Yes => g.matmul_t(Transpose::Yes, a, self.ta),
            };
            to_shape(db, b.shape())
        });
        if let Some(da) = da {
            ctx.send(self.a, da);
        }
        if let Some(db) = db {
            ctx.send(self.b, db);
        }
    }
}

impl<'t, T: Scalar> Var<'t, T> {
    /// Matrix product, 2-D or batched 3-D, as [`Tensor::matmul`];
    /// `dA = dC·Bᵀ`, `dB = Aᵀ·dC`.
    ///
    /// # Panics
    /// If the shapes do not multiply.
    #[track_caller]
    pub fn matmul(self, other: Var<'t, T>) -> Var<'t, T> {
        self.matmul_t(Transpose::No, other, Transpose::No)
    }

    /// `op(a)·op(b)`, transposes read through strides (no copy), as
    /// [`Tensor::matmul_t`]; gradients likewise need no transposed copies.
    #[track_caller]
    pub fn matmul_t(self, ta: Transpose, other: Var<'t, T>, tb: Transpose) -> Var<'t, T> {
        self.same_tape("matmul", other);
        let value = self.value_ref().matmul_t(ta, &other.value_ref(), tb);
        let op = MatMulOp {
            a: self.index(),
            b: other.index(),
            ta,
            tb,
        };
        self.tape().record(value, Op::MatMul(op))
    }
}
