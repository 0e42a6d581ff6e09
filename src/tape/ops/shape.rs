//! Shape ops: they move elements without changing them, so each rule moves
//! the gradient back (reshape back, inverse permutation, sum over broadcast
//! axes, scatter a slice into zeros).

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::{Shape, Tensor};

use super::Op;

pub(crate) enum ShapeOp {
    /// reshape, squeeze, unsqueeze: the gradient is reshaped back.
    Reshape {
        x: usize,
    },
    Permute {
        x: usize,
        perm: Box<[usize]>,
    },
    BroadcastTo {
        x: usize,
    },
    SumTo {
        x: usize,
    },
    Narrow {
        x: usize,
        axis: usize,
        start: usize,
    },
    /// concat and stack (`stacked`: each input gained a size-1 axis).
    Concat {
        inputs: Box<[usize]>,
        axis: usize,
        stacked: bool,
    },
}

impl ShapeOp {
    pub(crate) fn inputs(&self) -> &[usize] {
        match self {
            ShapeOp::Reshape { x }
            | ShapeOp::Permute { x, .. }
            | ShapeOp::BroadcastTo { x }
            | ShapeOp::SumTo { x }
            | ShapeOp::Narrow { x, .. } => std::slice::from_ref(x),
            ShapeOp::Concat { inputs, .. } => inputs,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            ShapeOp::Reshape { .. } => "reshape",
            ShapeOp::Permute { .. } => "permute",
            ShapeOp::BroadcastTo { .. } => "broadcast_to",
            ShapeOp::SumTo { .. } => "sum_to",
            ShapeOp::Narrow { .. } => "narrow",
            ShapeOp::Concat { stacked: false, .. } => "concat",
            ShapeOp::Concat { stacked: true, .. } => "stack",
        }
    }

    pub(crate) fn backward<T: Scalar>(&self, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        match self {
            ShapeOp::Reshape { x } => {
                let shape = ctx.value(*x).shape_ref().clone();
                ctx.send(*x, g.reshape(shape));
            }
            ShapeOp::Permute { x, perm } => {
                let mut inverse = vec![0; perm.len()];
                for (i, &p) in perm.iter().enumerate() {
                    inverse[p] = i;
                }
                ctx.send(*x, g.permute(&inverse));
            }
            ShapeOp::BroadcastTo { x } => {
                let shape = ctx.value(*x).shape_ref().clone();
                ctx.send(*x, g.sum_to(shape));
            }
            ShapeOp::SumTo { x } => {
                let shape = ctx.value(*x).shape_ref().clone();
                ctx.send(*x, g.broadcast_to(shape));
            }
            ShapeOp::Narrow { x, axis, start } => {
                let shape = ctx.value(*x).shape_ref().clone();
                ctx.send(*x, pad_along(&g, *axis, *start, &shape));
            }
            ShapeOp::Concat {
                inputs,
                axis,
                stacked,
            } => {
                let mut offset = 0;
                for &i in inputs {
                    let shape = ctx.value(i).shape_ref().clone();
                    let len = if *stacked { 1 } else { shape[*axis] };
                    if ctx.needs(i) {
                        ctx.send(i, g.narrow(*axis, offset, len).reshape(shape));
                    }
                    offset += len;
                }
            }
        }
    }
}

/// Zeros of `shape` with `g` placed at `start..` along `axis`.
fn pad_along<T: Scalar>(g: &Tensor<T>, axis: usize, start: usize, shape: &Shape) -> Tensor<T> {
    let mut before = shape.clone();
    before.dims_mut()[axis] = start;
    let mut after = shape.clone();
    after.dims_mut()[axis] = shape[axis] - start - g.shape()[axis];
    let (b, a) = (Tensor::zeros(before), Tensor::zeros(after));
    Tensor::concat(&[&b, g, &a], axis)
}

impl<'t, T: Scalar> Var<'t, T> {
    fn shape_op(self, op: ShapeOp, value: Tensor<T>) -> Var<'t, T> {
        self.tape().record(value, Op::Shape(op))
    }

    /// The same elements in a new shape; the gradient is reshaped back.
    ///
    /// # Panics
    /// If the element counts differ.
    #[track_caller]
    pub fn reshape(self, shape: impl Into<Shape>) -> Var<'t, T> {
        let value = self.value_ref().reshape(shape);
        self.shape_op(ShapeOp::Reshape { x: self.index() }, value)
    }

    /// Inserts a size-1 axis; the gradient is reshaped back.
    #[track_caller]
    pub fn unsqueeze(self, axis: usize) -> Var<'t, T> {
        let value = self.value_ref().unsqueeze(axis);
        self.shape_op(ShapeOp::Reshape { x: self.index() }, value)
    }

    /// Removes a size-1 axis; the gradient is reshaped back.
    #[track_caller]
    pub fn squeeze(self, axis: usize) -> Var<'t, T> {
        let value = self.value_ref().squeeze(axis);
        self.shape_op(ShapeOp::Reshape { x: self.index() }, value)
    }

    /// Reorders axes; the gradient is permuted by the inverse permutation.
    #[track_caller]
    pub fn permute(self, perm: &[usize]) -> Var<'t, T> {
        let value = self.value_ref().permute(perm);
        let op = ShapeOp::Permute {
            x: self.index(),
            perm: perm.into(),
        };
        self.shape_op(op, value)
    }

    /// Swaps two axes; the gradient is swapped back.
    #[track_caller]
    pub fn transpose(self, a: usize, b: usize) -> Var<'t, T> {
        let rank = self.shape().rank();
        assert!(
            a < rank && b < rank,
            "transpose: axes ({a}, {b}) are out of range for rank {rank}"
        );
        let mut perm: Vec<usize> = (0..rank).collect();
        perm.swap(a, b);
        self.permute(&perm)
    }

    /// Repeats along broadcast axes; the gradient is summed over them.
    #[track_caller]
    pub fn broadcast_to(self, shape: impl Into<Shape>) -> Var<'t, T> {
        let value = self.value_ref().broadcast_to(shape);
        self.shape_op(ShapeOp::BroadcastTo { x: self.index() }, value)
    }

    /// Sums over the axes along which `shape` broadcasts to this var's
    /// shape; the gradient is broadcast back.
    #[track_caller]
    pub fn sum_to(self, shape: impl Into<Shape>) -> Var<'t, T> {
        let value = self.value_ref().sum_to(shape);
        self.shape_op(ShapeOp::SumTo { x: self.index() }, value)
    }

    /// The slice `start..start + len` along `axis`; the gradient is placed
    /// back into zeros.
    #[track_caller]
    pub fn narrow(self, axis: usize, start: usize, len: usize) -> Var<'t, T> {
        let value = self.value_ref().narrow(axis, start, len);
        let op = ShapeOp::Narrow {
            x: self.index(),
            axis,
            start,
        };
        self.shape_op(op, value)
    }

    /// Joins vars along an existing axis; each input's gradient is its slice
    /// of the output gradient.
    ///
    /// # Panics
    /// If `vars` is empty or the shapes do not fit, as [`Tensor::concat`].
    #[track_caller]
    pub fn concat(vars: &[Var<'t, T>], axis: usize) -> Var<'t, T> {
        Var::join(vars, axis, false)
    }

    /// Joins vars of one shape along a new axis; each input's gradient is
    /// its slice of the output gradient.
    #[track_caller]
    pub fn stack(vars: &[Var<'t, T>], axis: usize) -> Var<'t, T> {
        Var::join(vars, axis, true)
    }

    #[track_caller]
    fn join(vars: &[Var<'t, T>], axis: usize, stacked: bool) -> Var<'t, T> {
        let op_name = if stacked { "stack" } else { "concat" };
        assert!(!vars.is_empty(), "{op_name}: needs at least one var");
        for v in vars {
            vars[0].same_tape(op_name, *v);
        }
        let values: Vec<Tensor<T>> = vars.iter().map(|v| v.value()).collect();
        let refs: Vec<&Tensor<T>> = values.iter().collect();
        let value = if stacked {
            Tensor::stack(&refs, axis)
        } else {
            Tensor::concat(&refs, axis)
        };
        let op = ShapeOp::Concat {
            inputs: vars.iter().map(|v| v.index()).collect(),
            axis,
            stacked,
        };
        vars[0].shape_op(op, value)
    }
}
