//! User-defined differentiable ops.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::Tensor;

use super::Op;

/// A differentiable op defined outside the crate: a forward on tensors and a
/// backward that maps the output's gradient to the inputs' gradients.
/// Recorded like a built-in op with [`Var::custom`]; check its backward
/// against finite differences with [`crate::check`].
///
/// ```
/// use gradflow::{CustomOp, Tape, Tensor, Var};
///
/// /// `x³`, with its derivative `3x²`.
/// struct Cube;
///
/// impl CustomOp<f64> for Cube {
///     fn name(&self) -> &str { "cube" }
///     fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
///         inputs[0].powi(3)
///     }
///     fn backward(&self, inputs: &[&Tensor<f64>], _output: &Tensor<f64>, grad: &Tensor<f64>)
///         -> Vec<Option<Tensor<f64>>> {
///         vec![Some(grad.mul(&inputs[0].square().mul_scalar(3.0)))]
///     }
/// }
///
/// let tape = Tape::new();
/// let x = tape.leaf(Tensor::scalar(2.0));
/// let grads = tape.backward(Var::custom(Cube, &[x]));
/// assert_eq!(grads.wrt(x).unwrap().item(), 12.0);
/// ```
pub trait CustomOp<T: Scalar>: 'static {
    /// A short name, shown in the printed tape.
    fn name(&self) -> &str;

    /// The output, from the input values.
    fn forward(&self, inputs: &[&Tensor<T>]) -> Tensor<T>;

    /// One gradient per input (of that input's shape), or `None` for an
    /// input that gets none, given the inputs, the output and the output's
    /// gradient.
    fn backward(
        &self,
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
    ) -> Vec<Option<Tensor<T>>>;
}

pub(crate) struct CustomNode<T: Scalar> {
    pub(crate) op: Box<dyn CustomOp<T>>,
    pub(crate) inputs: Vec<usize>,
}

impl<T: Scalar> CustomNode<T> {
    pub(crate) fn backward(&self, out: &Tensor<T>, grad: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let values: Vec<Tensor<T>> = self.inputs.iter().map(|&i| ctx.value(i).clone()).collect();
        let refs: Vec<&Tensor<T>> = values.iter().collect();
        let grads = self.op.backward(&refs, out, &grad);
        assert!(
            grads.len() == self.inputs.len(),
            "custom op {:?}: backward returned {} gradients for {} inputs",
            self.op.name(),
            grads.len(),
            self.inputs.len()
        );
        for ((&i, g), v) in self.inputs.iter().zip(grads).zip(&values) {
            if let Some(g) = g {
                assert!(
                    g.shape() == v.shape(),
                    "custom op {:?}: gradient of shape {:?} for an input of shape {:?}",
                    self.op.name(),
                    g.shape(),
                    v.shape()
                );
                ctx.send(i, g);
            }
        }
    }
}

impl<'t, T: Scalar> Var<'t, T> {
    /// Records a user-defined op on the inputs' tape.
    ///
    /// # Panics
    /// If `inputs` is empty or spans several tapes.
    #[track_caller]
    pub fn custom(op: impl CustomOp<T>, inputs: &[Var<'t, T>]) -> Var<'t, T> {
        assert!(
            !inputs.is_empty(),
            "custom op {:?}: needs at least one input",
            op.name()
        );
        for v in inputs {
            inputs[0].same_tape("custom", *v);
        }
        let values: Vec<Tensor<T>> = inputs.iter().map(|v| v.value()).collect();
        let refs: Vec<&Tensor<T>> = values.iter().collect();
        let value = op.forward(&refs);
        let node = CustomNode {
            op: Box::new(op),
            inputs: inputs.iter().map(|v| v.index()).collect(),
        };
        inputs[0].tape().record(value, Op::Custom(node))
    }
}
