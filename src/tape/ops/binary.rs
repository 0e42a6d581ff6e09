//! Broadcasting ops of two inputs. Each rule computes the gradient for the
//! broadcast output shape, then sums it back to each input's shape
//! (`sum_to`), the adjoint of broadcasting.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::Tensor;

use super::Op;

#[derive(Clone, Copy, Debug)]
pub(crate) enum BinaryKind {
    Add,
    Sub,
    Mul,
    Div,
    Maximum,
    Minimum,
}

impl BinaryKind {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            BinaryKind::Add => "add",
            BinaryKind::Sub => "sub",
            BinaryKind::Mul => "mul",
            BinaryKind::Div => "div",
            BinaryKind::Maximum => "maximum",
            BinaryKind::Minimum => "minimum",
        }
    }
}

pub(crate) struct BinaryOp {
    pub(crate) a: usize,
    pub(crate) b: usize,
    pub(crate) kind: BinaryKind,
}

impl BinaryOp {
    pub(crate) fn backward<T: Scalar>(&self, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let (need_a, need_b) = (ctx.needs(self.a), ctx.needs(self.b));
        // Borrowed, not cloned: the gradients are computed first, then sent.
        let (a, b) = (ctx.value(self.a), ctx.value(self.b));
        let half = T::of(0.5);
        let zero = T::zero();
        let (da, db): (Option<Tensor<T>>, Option<Tensor<T>>) = match self.kind {
            BinaryKind::Add => (need_a.then(|| g.clone()), need_b.then(|| g.clone())),
            BinaryKind::Sub => (need_a.then(|| g.clone()), need_b.then(|| g.neg())),
            BinaryKind::Mul => (need_a.then(|| g.mul(b)), need_b.then(|| g.mul(a))),
            // d/db (a/b) = -a/b², as PyTorch: -grad·a/(b·b).
            BinaryKind::Div => (
                need_a.then(|| g.div(b)),
                need_b.then(|| g.neg().mul(a).div(&b.mul(b))),
            ),
            // Ties split the gradient evenly, as torch.maximum.
            BinaryKind::Maximum | BinaryKind::Minimum => {
                let wins = |x: T, y: T| match self.kind {
                    BinaryKind::Maximum => x > y,
                    _ => x < y,
                };
                let share = |x: T, y: T| {
                    if wins(x, y) {
                        T::one()
                    } else if x == y {
                        half
                    } else {
                        zero
                    }
                };
                let to_a = |x: &Tensor<T>, y: &Tensor<T>| {
                    g.mul(&crate::tensor::binary::broadcast_zip(
                        "maximum", x, y, share,
                    ))
                };
                (need_a.then(|| to_a(a, b)), need_b.then(|| to_a(b, a)))
            }
        };
        let da = da.map(|d| d.sum_to(a.shape_ref()));
        let db = db.map(|d| d.sum_to(b.shape_ref()));
        if let Some(da) = da {
            ctx.send(self.a, da);
        }
        if let Some(db) = db {
            ctx.send(self.b, db);
        }
    }
}

// The operators (`a + b`, `-x`) call these methods; the methods carry the docs
// and read well in chains (`x.mul(w).add(b)`).
#[allow(clippy::should_implement_trait)]
impl<'t, T: Scalar> Var<'t, T> {
    #[track_caller]
    fn binary(self, kind: BinaryKind, other: Var<'t, T>, value: Tensor<T>) -> Var<'t, T> {
        self.same_tape(kind.name(), other);
        let op = BinaryOp {
            a: self.index(),
            b: other.index(),
            kind,
        };
        self.tape().record(value, Op::Binary(op))
    }

    /// `a + b`, broadcasting; ∂/∂a = ∂/∂b = 1 (summed over broadcast axes).
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn add(self, other: Var<'t, T>) -> Var<'t, T> {
        let value = self.value_ref().add(&other.value_ref());
        self.binary(BinaryKind::Add, other, value)
    }

    /// `a - b`, broadcasting; ∂/∂a = 1, ∂/∂b = -1.
    #[track_caller]
    pub fn sub(self, other: Var<'t, T>) -> Var<'t, T> {
        let value = self.value_ref().sub(&other.value_ref());
        self.binary(BinaryKind::Sub, other, value)
    }

    /// `a·b` elementwise, broadcasting; ∂/∂a = b, ∂/∂b = a.
    #[track_caller]
    pub fn mul(self, other: Var<'t, T>) -> Var<'t, T> {
        let value = self.value_ref().mul(&other.value_ref());
        self.binary(BinaryKind::Mul, other, value)
    }

    /// `a/b` elementwise, broadcasting; ∂/∂a = 1/b, ∂/∂b = -a/b².
    #[track_caller]
    pub fn div(self, other: Var<'t, T>) -> Var<'t, T> {
        let value = self.value_ref().div(&other.value_ref());
        self.binary(BinaryKind::Div, other, value)
    }

    /// Elementwise maximum, broadcasting; the gradient goes to the larger
    /// operand, split in half on ties (as `torch.maximum`).
    #[track_caller]
    pub fn maximum(self, other: Var<'t, T>) -> Var<'t, T> {
        let value = self.value_ref().maximum(&other.value_ref());
        self.binary(BinaryKind::Maximum, other, value)
    }

    /// Elementwise minimum, broadcasting; the gradient goes to the smaller
    /// operand, split in half on ties.
    #[track_caller]
    pub fn minimum(self, other: Var<'t, T>) -> Var<'t, T> {
        let value = self.value_ref().minimum(&other.value_ref());
        self.binary(BinaryKind::Minimum, other, value)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Tape, Tensor};

    #[test]
    fn a_var_used_twice_gets_the_sum_of_both_paths() {
        let tape = Tape::<f64>::new();
        let x = tape.leaf(Tensor::scalar(3.0));
        // d/dx (x·x + x) = 2x + 1 = 7
        let y = x * x + x;
        let grads = tape.backward(y);
        assert_eq!(grads.wrt(x).unwrap().item(), 7.0);
    }

    #[test]
    fn bias_gradient_sums_over_the_batch() {
        let tape = Tape::<f64>::new();
        let x = tape.constant(Tensor::ones([4, 3]));
        let b = tape.leaf(Tensor::zeros([3]));
        let grads = tape.backward((x + b).sum_all());
        assert_eq!(grads.wrt(b).unwrap().to_vec(), vec![4.0, 4.0, 4.0]);
    }

    #[test]
    fn maximum_splits_ties() {
        let tape = Tape::<f64>::new();
        let a = tape.leaf(Tensor::scalar(2.0));
        let b = tape.leaf(Tensor::scalar(2.0));
        let grads = tape.backward(a.maximum(b));
        assert_eq!(grads.wrt(a).unwrap().item(), 0.5);
        assert_eq!(grads.wrt(b).unwrap().item(), 0.5);
    }
}
