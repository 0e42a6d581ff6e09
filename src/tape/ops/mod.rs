//! Recorded ops, grouped in families. Each family's file holds its forward
//! entry points (methods on [`Var`](crate::Var)), its backward rules with
//! the derivative written in the doc comment, and its unit tests.
//!
//! The sweep dispatches with one `match` over the families; every rule is
//! `rule(output value, output gradient, ctx)` and sends input gradients
//! through `ctx.send(input, grad)`. `docs/ops.md` lists every op.

pub(crate) mod binary;
pub(crate) mod conv;
pub mod custom;
pub(crate) mod index;
pub(crate) mod linear;
pub(crate) mod loss;
pub(crate) mod matmul;
pub mod norm;
mod norm_kernels;
pub(crate) mod reduce;
pub(crate) mod shape;
pub(crate) mod softmax;
pub(crate) mod unary;

use super::backward::Ctx;
use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// A recorded op: a family variant holding its inputs (node indices) and
/// whatever its backward rule needs beyond the nodes' values.
pub(crate) enum Op<T: Scalar> {
    /// A constant, leaf or parameter: no inputs, no rule.
    Leaf,
    Unary(unary::UnaryOp<T>),
    Binary(binary::BinaryOp),
    Reduce(reduce::ReduceOp),
    MatMul(matmul::MatMulOp),
    Linear(linear::LinearOp),
    Shape(shape::ShapeOp),
    Index(index::IndexOp),
    Softmax(softmax::SoftmaxOp),
    Loss(loss::LossOp),
    // Boxed: the largest payload; `Op` is as large as its largest variant
    // and every node holds one.
    Norm(Box<norm::NormOp<T>>),
    // Boxed: the max-pool arg-max indices and the window geometry.
    Conv(Box<conv::ConvOp>),
    Custom(custom::CustomNode<T>),
}

impl<T: Scalar> Op<T> {
    pub(crate) fn is_leaf(&self) -> bool {
        matches!(self, Op::Leaf)
    }

    /// Calls `f` with each input's node index.
    pub(crate) fn for_each_input(&self, mut f: impl FnMut(usize)) {
        match self {
            Op::Leaf => {}
            Op::Unary(op) => f(op.x),
            Op::Binary(op) => {
                f(op.a);
                f(op.b);
            }
            Op::Reduce(op) => f(op.x),
            Op::MatMul(op) => {
                f(op.a);
                f(op.b);
            }
            Op::Linear(op) => op.inputs().for_each(f),
            Op::Shape(op) => op.inputs().iter().copied().for_each(f),
            Op::Index(op) => f(op.x),
            Op::Softmax(op) => f(op.x),
            Op::Loss(op) => op.inputs().for_each(f),
            Op::Norm(op) => op.inputs().for_each(f),
            Op::Conv(op) => op.inputs().for_each(f),
            Op::Custom(op) => op.inputs.iter().copied().for_each(f),
        }
    }

    /// The op's short name, as printed in the tape and in reports.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::Leaf => "leaf",
            Op::Unary(op) => op.kind.name(),
            Op::Binary(op) => op.kind.name(),
            Op::Reduce(op) => op.kind.name(),
            Op::MatMul(_) => "matmul",
            Op::Linear(_) => "linear",
            Op::Shape(op) => op.name(),
            Op::Index(op) => op.name(),
            Op::Softmax(op) => op.kind.name(),
            Op::Loss(op) => op.name(),
            Op::Norm(op) => op.name(),
            Op::Conv(op) => op.name(),
            Op::Custom(_) => "custom",
        }
    }

    /// `name(#inputs)` for the printed tape.
    pub(crate) fn describe(&self) -> String {
        let mut inputs = Vec::new();
        self.for_each_input(|i| inputs.push(format!("#{i}")));
        let name = match self {
            Op::Custom(op) => op.op.name().to_string(),
            _ => self.name().to_string(),
        };
        if inputs.is_empty() {
            name
        } else {
            format!("{name}({})", inputs.join(", "))
        }
    }

    /// Runs the op's backward rule.
    pub(crate) fn backward(&self, out: &Tensor<T>, grad: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        match self {
            Op::Leaf => {}
            Op::Unary(op) => op.backward(out, grad, ctx),
            Op::Binary(op) => op.backward(grad, ctx),
            Op::Reduce(op) => op.backward(out, grad, ctx),
            Op::MatMul(op) => op.backward(grad, ctx),
            Op::Linear(op) => op.backward(grad, ctx),
            Op::Shape(op) => op.backward(grad, ctx),
            Op::Index(op) => op.backward(grad, ctx),
            Op::Softmax(op) => op.backward(out, grad, ctx),
            Op::Loss(op) => op.backward(grad, ctx),
            Op::Norm(op) => op.backward(grad, ctx),
            Op::Conv(op) => op.backward(grad, ctx),
            Op::Custom(op) => op.backward(out, grad, ctx),
        }
    }
}
