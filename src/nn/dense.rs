//! The fully connected layer.

use std::fmt;

use super::init::{Init, bias_bound};
use super::{Layer, Module};
use crate::scalar::Scalar;
use crate::tape::{Param, Var};
use crate::tensor::Tensor;

/// `y = x·Wᵀ + b`, as `torch.nn.Linear`: the weight is stored `[out, in]`,
/// the bias `[out]`. The product reads `Wᵀ` through strides (no copy).
///
/// ```
/// use gradflow::nn::{Dense, Init, Layer};
/// use gradflow::{Rng, SeedableRng, Tape, Tensor};
///
/// let mut rng = Rng::seed_from_u64(0);
/// let mut layer = Dense::<f32>::new(3, 2, Init::he_normal(), &mut rng);
/// let tape = Tape::new();
/// let y = layer.forward(tape.constant(Tensor::ones([4, 3])));
/// assert_eq!(y.shape(), [4, 2]);
/// ```
pub struct Dense<T: Scalar = f32> {
    weight: Param<T>,
    bias: Option<Param<T>>,
}

impl<T: Scalar> Dense<T> {
    /// A layer from `inputs` to `outputs` features, its weight drawn with
    /// `init` and its bias from PyTorch's default `U(±1/√inputs)`.
    pub fn new<R: rand::Rng + ?Sized>(
        inputs: usize,
        outputs: usize,
        init: Init,
        rng: &mut R,
    ) -> Self {
        let weight = init.tensor::<T, R>(&[outputs, inputs], rng);
        let bound = T::of(bias_bound(inputs));
        let bias = Tensor::uniform([outputs], -bound, bound, rng);
        Dense {
            weight: Param::new(weight),
            bias: Some(Param::new(bias)),
        }
    }

    /// As [`Dense::new`] but without a bias (`bias=False`).
    pub fn without_bias<R: rand::Rng + ?Sized>(
        inputs: usize,
        outputs: usize,
        init: Init,
        rng: &mut R,
    ) -> Self {
        Dense {
            weight: Param::new(init.tensor::<T, R>(&[outputs, inputs], rng)),
            bias: None,
        }
    }

    /// A layer with PyTorch's `nn.Linear` default initialization: weight and
    /// bias both `U(±1/√inputs)` ([`Init::GlorotStandard`]). That default is
    /// the one the vanishing-gradient story warns about for deep sigmoid and
    /// tanh stacks; prefer [`Dense::new`] with `Init::xavier_uniform()` or
    /// `Init::he_normal()`.
    pub fn with_default_init<R: rand::Rng + ?Sized>(
        inputs: usize,
        outputs: usize,
        rng: &mut R,
    ) -> Self {
        Dense::new(inputs, outputs, Init::GlorotStandard, rng)
    }

    /// A layer with the given weight `[out, in]` and optional bias `[out]`.
    ///
    /// # Panics
    /// If the shapes do not fit together.
    #[track_caller]
    pub fn from_tensors(weight: Tensor<T>, bias: Option<Tensor<T>>) -> Self {
        assert!(
            weight.rank() == 2,
            "Dense: weight must be [out, in], got {:?}",
            weight.shape()
        );
        if let Some(b) = &bias {
            assert!(
                b.shape() == [weight.shape()[0]],
                "Dense: bias of shape {:?} does not fit weight {:?}; it must be [out]",
                b.shape(),
                weight.shape()
            );
        }
        Dense {
            weight: Param::new(weight),
            bias: bias.map(Param::new),
        }
    }

    /// Input features.
    pub fn inputs(&self) -> usize {
        self.weight.shape()[1]
    }

    /// Output features.
    pub fn outputs(&self) -> usize {
        self.weight.shape()[0]
    }

    /// The weight, `[out, in]`.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }

    /// The bias, `[out]`, if any.
    pub fn bias(&self) -> Option<&Param<T>> {
        self.bias.as_ref()
    }
}

impl<T: Scalar> Module<T> for Dense<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        f("weight", &self.weight);
        if let Some(b) = &self.bias {
            f("bias", b);
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        f("weight", &mut self.weight);
        if let Some(b) = &mut self.bias {
            f("bias", b);
        }
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl<T: Scalar> Layer<T> for Dense<T> {
    /// `x·Wᵀ + b` for `x` of shape `[batch, in]` (or `[b, m, in]`).
    ///
    /// # Panics
    /// If the last dimension of `x` is not the layer's input width.
    #[track_caller]
    fn forward<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T> {
        let shape = x.shape();
        let inputs = self.inputs();
        if shape.dims().last() != Some(&inputs) {
            panic!(
                "{self}: input of shape {shape:?} has {} features but the layer takes {inputs}; \
                 the input's last dimension must be {inputs} (or build the layer with that many inputs)",
                shape
                    .dims()
                    .last()
                    .map_or("no".to_string(), ToString::to_string)
            );
        }
        let tape = x.tape();
        // One fused node (matmul and bias): `Var::linear`.
        x.linear(
            tape.param(&self.weight),
            self.bias.as_ref().map(|b| tape.param(b)),
        )
    }
}

impl<T: Scalar> fmt::Display for Dense<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Dense({} → {}{})",
            self.inputs(),
            self.outputs(),
            if self.bias.is_some() {
                ", bias"
            } else {
                ", no bias"
            }
        )
    }
}
