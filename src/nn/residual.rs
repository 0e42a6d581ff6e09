//! Residual (skip) connections.

use super::{Buffer, BufferMut, Dense, Layer, Module, join};
use crate::scalar::Scalar;
use crate::tape::{Param, Var};
use crate::tensor::Tensor;

/// `y = x + f(x)`, the skip connection of ResNets: the identity path
/// carries the gradient past `f` unchanged, so it cannot vanish with depth.
///
/// Options: a projection `P` when `f` changes the width (`y = P(x) + f(x)`,
/// a bias-free [`Dense`]), and SkipInit's learnable scalar `α` on the
/// branch, initialized to 0 (`y = x + α·f(x)`: the block starts as the
/// identity). Parameter names: `block.*`, `projection.weight`, `alpha`.
pub struct Residual<T: Scalar = f32> {
    block: Box<dyn Layer<T>>,
    projection: Option<Dense<T>>,
    alpha: Option<Param<T>>,
}

impl<T: Scalar> Residual<T> {
    /// `x + block(x)`; the block must keep the width.
    pub fn new(block: impl Layer<T> + 'static) -> Self {
        Residual {
            block: Box::new(block),
            projection: None,
            alpha: None,
        }
    }

    /// Adds a projection of the skip path (for a block that changes width).
    pub fn with_projection(mut self, projection: Dense<T>) -> Self {
        self.projection = Some(projection);
        self
    }

    /// Adds SkipInit's learnable branch scale, starting at 0.
    pub fn with_skip_init(mut self) -> Self {
        self.alpha = Some(Param::new(Tensor::zeros([1])));
        self
    }
}

impl<T: Scalar> Module<T> for Residual<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        self.block.visit_params(&mut |n, p| f(&join("block", n), p));
        if let Some(proj) = &self.projection {
            proj.visit_params(&mut |n, p| f(&join("projection", n), p));
        }
        if let Some(a) = &self.alpha {
            f("alpha", a);
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        self.block
            .visit_params_mut(&mut |n, p| f(&join("block", n), p));
        if let Some(proj) = &mut self.projection {
            proj.visit_params_mut(&mut |n, p| f(&join("projection", n), p));
        }
        if let Some(a) = &mut self.alpha {
            f("alpha", a);
        }
    }

    fn for_each_param_mut(&mut self, f: &mut dyn FnMut(&mut Param<T>)) {
        self.block.for_each_param_mut(f);
        if let Some(proj) = &mut self.projection {
            proj.for_each_param_mut(f);
        }
        if let Some(a) = &mut self.alpha {
            f(a);
        }
    }

    fn visit_buffers(&self, f: &mut dyn FnMut(&str, Buffer<'_, T>)) {
        self.block
            .visit_buffers(&mut |n, b| f(&join("block", n), b));
    }

    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&str, BufferMut<'_, T>)) {
        self.block
            .visit_buffers_mut(&mut |n, b| f(&join("block", n), b));
    }

    fn set_training(&mut self, training: bool) {
        self.block.set_training(training);
    }

    fn describe(&self) -> String {
        let mut s = format!("Residual(x + {}", self.block.describe());
        if let Some(p) = &self.projection {
            s = format!("Residual({p}(x) + {}", self.block.describe());
        }
        if self.alpha.is_some() {
            s.push_str(", skip_init");
        }
        s.push(')');
        s
    }
}

impl<T: Scalar> Layer<T> for Residual<T> {
    #[track_caller]
    fn forward<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        let branch = {
            let _scope = tape.scope("block");
            self.block.forward(x)
        };
        let branch = match &self.alpha {
            Some(a) => branch * tape.param(a),
            None => branch,
        };
        let skip = match &mut self.projection {
            Some(p) => {
                let _scope = tape.scope("projection");
                p.forward(x)
            }
            None => x,
        };
        skip + branch
    }
}
