//! Layers and the `Module` trait: everything needed to build the deep
//! networks the vanishing-gradient story is about.
//!
//! A module owns its parameters ([`Param`]) and buffers (batch norm's
//! running statistics); each training step puts the parameters on a fresh
//! [`Tape`](crate::Tape) in [`Layer::forward`]. Names follow PyTorch's
//! module tree (`"0.weight"`, `"2.block.1.running_mean"`), so state dicts
//! port between the two. Containers open a name scope on the tape while a
//! child runs, so every node a layer records carries the layer's path.
//!
//! A layer applied twice in one forward gets one summed gradient and one
//! update (its parameters are one node per tape). Tying one tensor between
//! two *different* modules is not supported: each module owns its own
//! parameters.

mod activation;
mod conv;
mod dense;
mod dropout;
pub mod init;
pub mod loss;
mod norm;
mod residual;
mod rnn;
mod sequential;

use std::fmt;

pub use crate::tape::Param;
pub use activation::{Elu, Gelu, LeakyRelu, Relu, Sigmoid, Silu, Softplus, Softsign, Tanh};
pub use conv::{AvgPool2d, BatchNorm2d, Conv2d, Flatten, GlobalAvgPool2d, MaxPool2d};
pub use dense::Dense;
pub use dropout::Dropout;
pub use init::{FanMode, Init, Nonlinearity};
pub use norm::{BatchNorm1d, LayerNorm};
pub use residual::Residual;
pub use rnn::{LstmCell, Recurrent, RnnCell, RnnNonlinearity, unroll};
pub use sequential::Sequential;

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tensor::Tensor;

/// A non-trainable value a module keeps (and saves in its state dict).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Buffer<'a, T: Scalar> {
    /// A floating-point tensor, e.g. batch norm's `running_mean`.
    Tensor(&'a Tensor<T>),
    /// An integer counter, e.g. batch norm's `num_batches_tracked` (saved
    /// as i64, as PyTorch does).
    Count(i64),
}

/// Mutable access to a buffer.
#[derive(Debug)]
#[non_exhaustive]
pub enum BufferMut<'a, T: Scalar> {
    /// A floating-point tensor.
    Tensor(&'a mut Tensor<T>),
    /// An integer counter.
    Count(&'a mut i64),
}

/// A part of a network: named parameters and buffers, train/eval mode.
///
/// Names are relative to the module and dotted for nested modules, as in
/// PyTorch's `named_parameters()`. Visiting order is registration order,
/// and is stable: optimizers and state dicts rely on it.
pub trait Module<T: Scalar = f32>: Send + Sync {
    /// Calls `f(name, param)` for every parameter.
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>));

    /// Calls `f(name, param)` for every parameter, mutably.
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>));

    /// Calls `f(param)` for every parameter, mutably, in the order of
    /// [`visit_params_mut`](Module::visit_params_mut) but without names:
    /// the optimizers' walk on every step. Containers override it so that
    /// no dotted name is built per parameter per step (that formatting was
    /// a tenth of a tiny network's step); leaf layers keep the default.
    fn for_each_param_mut(&mut self, f: &mut dyn FnMut(&mut Param<T>)) {
        self.visit_params_mut(&mut |_, p| f(p));
    }

    /// Calls `f(name, buffer)` for every buffer (none by default).
    fn visit_buffers(&self, f: &mut dyn FnMut(&str, Buffer<'_, T>)) {
        let _ = f;
    }

    /// Calls `f(name, buffer)` for every buffer, mutably (none by default).
    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&str, BufferMut<'_, T>)) {
        let _ = f;
    }

    /// Switches training mode (batch norm's batch statistics, dropout's
    /// masks) on or off, recursively.
    fn set_training(&mut self, training: bool) {
        let _ = training;
    }

    /// A one-line description, e.g. `Dense(64 → 256, bias)`.
    fn describe(&self) -> String;

    /// Number of scalar parameters.
    fn num_params(&self) -> usize {
        let mut n = 0;
        self.visit_params(&mut |_, p| n += p.numel());
        n
    }

    /// `(name, param id)` pairs in visiting order.
    fn named_param_ids(&self) -> Vec<(String, crate::ParamId)> {
        let mut out = Vec::new();
        self.visit_params(&mut |name, p| out.push((name.to_string(), p.id())));
        out
    }
}

/// A module with one input and one output: what [`Sequential`] and
/// [`Residual`] compose.
pub trait Layer<T: Scalar = f32>: Module<T> {
    /// Records the layer's computation on `x`'s tape and returns its output.
    /// `&mut self` because batch norm updates its running statistics and
    /// dropout draws from its generator.
    #[track_caller]
    fn forward<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T>;
}

/// Switches a module to training mode (convenience for `set_training(true)`).
pub fn train<T: Scalar>(module: &mut impl Module<T>) {
    module.set_training(true);
}

/// Switches a module to evaluation mode.
pub fn eval<T: Scalar>(module: &mut impl Module<T>) {
    module.set_training(false);
}

/// Joins a child's name to its parent's: `"0"` + `"weight"` = `"0.weight"`.
pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

impl<T: Scalar> fmt::Debug for dyn Layer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
