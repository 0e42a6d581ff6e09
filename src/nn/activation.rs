//! Activation layers: parameter-free wrappers over the tape's ops, so they
//! can sit in a [`Sequential`](super::Sequential) and be labelled by the
//! gradient-flow monitor like any other layer.

use super::{Layer, Module};
use crate::scalar::Scalar;
use crate::tape::{Param, Var};

macro_rules! activation {
    // A layer without settings: a unit struct.
    ($(#[$doc:meta])* $name:ident, |$self_:ident, $x:ident| $body:expr, $describe:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Default)]
        pub struct $name;
        activation!(@impls $name, |$self_, $x| $body, $describe);
    };
    // A layer with settings, each with PyTorch's default.
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty = $default:expr),* }, |$self_:ident, $x:ident| $body:expr, $describe:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name {
            $(#[doc = concat!("`", stringify!($field), "`, default `", stringify!($default), "`.")] pub $field: $ty),*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $($field: $default),* }
            }
        }
        activation!(@impls $name, |$self_, $x| $body, $describe);
    };
    (@impls $name:ident, |$self_:ident, $x:ident| $body:expr, $describe:expr) => {
        impl<T: Scalar> Module<T> for $name {
            fn visit_params(&self, _f: &mut dyn FnMut(&str, &Param<T>)) {}
            fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&str, &mut Param<T>)) {}
            fn describe(&self) -> String {
                let $self_ = self;
                let _ = $self_;
                $describe
            }
        }

        impl<T: Scalar> Layer<T> for $name {
            fn forward<'t>(&mut self, $x: Var<'t, T>) -> Var<'t, T> {
                let $self_ = &*self;
                let _ = $self_;
                $body
            }
        }
    };
}

activation!(
    /// `σ(x) = 1/(1 + e⁻ˣ)`: saturates, and its slope is at most 1/4 — the
    /// classic vanishing-gradient activation.
    Sigmoid, |s, x| x.sigmoid(), "Sigmoid".to_string()
);
activation!(
    /// `tanh(x)`: slope at most 1, saturating.
    Tanh, |s, x| x.tanh(), "Tanh".to_string()
);
activation!(
    /// `max(0, x)`; `relu'(0) = 0` as PyTorch.
    Relu, |s, x| x.relu(), "ReLU".to_string()
);
activation!(
    /// `x` if `x > 0`, else `negative_slope·x` (PyTorch's default 0.01).
    LeakyRelu { negative_slope: f64 = 0.01 },
    |s, x| x.leaky_relu(T::of(s.negative_slope)),
    format!("LeakyReLU(negative_slope={})", s.negative_slope)
);
activation!(
    /// `x` if `x > 0`, else `alpha·(eˣ - 1)` (PyTorch's default alpha 1).
    Elu { alpha: f64 = 1.0 },
    |s, x| x.elu(T::of(s.alpha)),
    format!("ELU(alpha={})", s.alpha)
);
activation!(
    /// GELU, exact (`x·Φ(x)`) unless `tanh_approximation` is set
    /// (PyTorch's `approximate='tanh'`).
    Gelu { tanh_approximation: bool = false },
    |s, x| if s.tanh_approximation { x.gelu_tanh() } else { x.gelu() },
    if s.tanh_approximation { "GELU(approximate='tanh')".to_string() } else { "GELU".to_string() }
);
activation!(
    /// `ln(1 + e^(beta·x))/beta`, the identity where `beta·x > threshold`
    /// (PyTorch's defaults 1 and 20).
    Softplus { beta: f64 = 1.0, threshold: f64 = 20.0 },
    |s, x| x.softplus_with(T::of(s.beta), T::of(s.threshold)),
    format!("Softplus(beta={}, threshold={})", s.beta, s.threshold)
);
activation!(
    /// SiLU (swish) `x·σ(x)`.
    Silu, |s, x| x.silu(), "SiLU".to_string()
);
activation!(
    /// `x/(1 + |x|)`.
    Softsign, |s, x| x.softsign(), "Softsign".to_string()
);
