//! Batch normalization and layer normalization, with PyTorch's defaults
//! and statistics.

use super::{Buffer, BufferMut, Layer, Module};
use crate::scalar::Scalar;
use crate::tape::{Param, Var};
use crate::tensor::{Shape, Tensor};

/// `torch.nn.BatchNorm1d` over inputs `[N, C]` or `[N, C, L]`.
///
/// Training mode normalizes each channel with the batch mean and the
/// **biased** batch variance, and updates the running averages with the
/// **unbiased** variance: `running = (1 - momentum)·running + momentum·batch`
/// (PyTorch's convention; `momentum: None` is the cumulative average
/// `1/num_batches_tracked`). Evaluation mode uses the running averages.
/// Defaults: `eps = 1e-5`, `momentum = 0.1`, affine weight 1 and bias 0.
/// A batch of one in training mode panics, as PyTorch raises.
pub struct BatchNorm1d<T: Scalar = f32> {
    eps: f64,
    momentum: Option<f64>,
    weight: Option<Param<T>>,
    bias: Option<Param<T>>,
    running_mean: Tensor<T>,
    running_var: Tensor<T>,
    num_batches_tracked: i64,
    training: bool,
}

impl<T: Scalar> BatchNorm1d<T> {
    /// Batch norm over `features` channels with PyTorch's defaults.
    pub fn new(features: usize) -> Self {
        BatchNorm1d {
            eps: 1e-5,
            momentum: Some(0.1),
            weight: Some(Param::new(Tensor::ones([features]))),
            bias: Some(Param::new(Tensor::zeros([features]))),
            running_mean: Tensor::zeros([features]),
            running_var: Tensor::ones([features]),
            num_batches_tracked: 0,
            training: true,
        }
    }

    /// Sets `eps`.
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// Sets the momentum (`None`: cumulative moving average).
    pub fn with_momentum(mut self, momentum: Option<f64>) -> Self {
        self.momentum = momentum;
        self
    }

    /// Drops the affine weight and bias (`affine=False`).
    pub fn without_affine(mut self) -> Self {
        self.weight = None;
        self.bias = None;
        self
    }

    /// The running mean.
    pub fn running_mean(&self) -> &Tensor<T> {
        &self.running_mean
    }

    /// The running (unbiased) variance.
    pub fn running_var(&self) -> &Tensor<T> {
        &self.running_var
    }

    /// Training batches seen.
    pub fn num_batches_tracked(&self) -> i64 {
        self.num_batches_tracked
    }

    fn features(&self) -> usize {
        self.running_mean.numel()
    }
}

impl<T: Scalar> Module<T> for BatchNorm1d<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        visit_affine(&self.weight, &self.bias, f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        visit_affine_mut(&mut self.weight, &mut self.bias, f);
    }

    fn visit_buffers(&self, f: &mut dyn FnMut(&str, Buffer<'_, T>)) {
        f("running_mean", Buffer::Tensor(&self.running_mean));
        f("running_var", Buffer::Tensor(&self.running_var));
        f(
            "num_batches_tracked",
            Buffer::Count(self.num_batches_tracked),
        );
    }

    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&str, BufferMut<'_, T>)) {
        f("running_mean", BufferMut::Tensor(&mut self.running_mean));
        f("running_var", BufferMut::Tensor(&mut self.running_var));
        f(
            "num_batches_tracked",
            BufferMut::Count(&mut self.num_batches_tracked),
        );
    }

    fn set_training(&mut self, training: bool) {
        self.training = training;
    }

    fn describe(&self) -> String {
        format!(
            "BatchNorm1d({}, eps={}, momentum={}{})",
            self.features(),
            self.eps,
            self.momentum.map_or("None".to_string(), |m| m.to_string()),
            if self.weight.is_some() {
                ""
            } else {
                ", affine=False"
            }
        )
    }
}

impl<T: Scalar> Layer<T> for BatchNorm1d<T> {
    #[track_caller]
    fn forward<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T> {
        let shape = x.shape();
        assert!(
            (shape.rank() == 2 || shape.rank() == 3) && shape[1] == self.features(),
            "BatchNorm1d: expects [N, {c}] or [N, {c}, L], got {shape:?}",
            c = self.features()
        );
        self.forward_channels(x)
    }
}

impl<T: Scalar> BatchNorm1d<T> {
    /// The forward pass over `[N, C, ...]` (callers check the rank):
    /// `BatchNorm1d` for `[N, C]` and `[N, C, L]`, `BatchNorm2d` for
    /// `[N, C, H, W]`. One `batch_norm` node in training mode, so the
    /// monitor sees a normalization layer.
    #[track_caller]
    pub(crate) fn forward_channels<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        let shape = x.shape();
        let weight = self.weight.as_ref().map(|w| tape.param(w));
        let bias = self.bias.as_ref().map(|b| tape.param(b));
        if self.training {
            let (y, stats) = x.batch_norm(weight, bias, T::of(self.eps));
            self.num_batches_tracked += 1;
            let factor = match self.momentum {
                Some(m) => T::of(m),
                None => T::of(1.0 / self.num_batches_tracked as f64),
            };
            // The running variance is unbiased: the batch's biased variance
            // times n/(n-1).
            let n = T::of(stats.count as f64);
            let unbiased = stats.var.mul_scalar(n / (n - T::one()));
            let keep = T::one() - factor;
            self.running_mean = self
                .running_mean
                .mul_scalar(keep)
                .add(&stats.mean.mul_scalar(factor));
            self.running_var = self
                .running_var
                .mul_scalar(keep)
                .add(&unbiased.mul_scalar(factor));
            y
        } else {
            // [C] statistics broadcast over [N, C] directly, over
            // [N, C, L] as [C, 1], over [N, C, H, W] as [C, 1, 1].
            let mut stat_dims = vec![1; shape.rank() - 1];
            stat_dims[0] = self.features();
            let stat_shape = Shape::new(&stat_dims);
            let eps = T::of(self.eps);
            let invstd = self
                .running_var
                .map(|v| (v + eps).sqrt().recip())
                .reshape(stat_shape.clone());
            let mean = self.running_mean.reshape(stat_shape.clone());
            let mut y = (x - tape.constant(mean)) * tape.constant(invstd);
            if let Some(w) = weight {
                y = y * w.reshape(stat_shape.clone());
            }
            if let Some(b) = bias {
                y = y + b.reshape(stat_shape);
            }
            y
        }
    }
}

/// `torch.nn.LayerNorm` over the trailing `normalized_shape` dimensions:
/// each sample is normalized by its own mean and biased variance, then
/// scaled and shifted elementwise. Defaults: `eps = 1e-5`, elementwise
/// affine weight 1 and bias 0 (of shape `normalized_shape`). The same in
/// training and evaluation mode.
pub struct LayerNorm<T: Scalar = f32> {
    normalized_shape: Vec<usize>,
    eps: f64,
    weight: Option<Param<T>>,
    bias: Option<Param<T>>,
}

impl<T: Scalar> LayerNorm<T> {
    /// Layer norm over trailing dimensions `normalized_shape` (e.g. `&[256]`).
    pub fn new(normalized_shape: &[usize]) -> Self {
        LayerNorm {
            normalized_shape: normalized_shape.to_vec(),
            eps: 1e-5,
            weight: Some(Param::new(Tensor::ones(normalized_shape))),
            bias: Some(Param::new(Tensor::zeros(normalized_shape))),
        }
    }

    /// Sets `eps`.
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// Drops the affine weight and bias (`elementwise_affine=False`).
    pub fn without_affine(mut self) -> Self {
        self.weight = None;
        self.bias = None;
        self
    }
}

impl<T: Scalar> Module<T> for LayerNorm<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        visit_affine(&self.weight, &self.bias, f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        visit_affine_mut(&mut self.weight, &mut self.bias, f);
    }

    fn describe(&self) -> String {
        format!("LayerNorm({:?}, eps={})", self.normalized_shape, self.eps)
    }
}

impl<T: Scalar> Layer<T> for LayerNorm<T> {
    #[track_caller]
    fn forward<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T> {
        let shape = x.shape();
        let k = self.normalized_shape.len();
        assert!(
            shape.rank() >= k && shape[shape.rank() - k..] == self.normalized_shape[..],
            "LayerNorm: input of shape {shape:?} does not end with the normalized shape {:?}",
            self.normalized_shape
        );
        let tape = x.tape();
        let weight = self.weight.as_ref().map(|w| tape.param(w));
        let bias = self.bias.as_ref().map(|b| tape.param(b));
        let len = self.normalized_shape.iter().product();
        x.layer_norm(len, weight, bias, T::of(self.eps))
    }
}

/// The optional affine `weight` and `bias` both norms share, in PyTorch's
/// order and names.
fn visit_affine<T: Scalar>(
    weight: &Option<Param<T>>,
    bias: &Option<Param<T>>,
    f: &mut dyn FnMut(&str, &Param<T>),
) {
    if let Some(w) = weight {
        f("weight", w);
    }
    if let Some(b) = bias {
        f("bias", b);
    }
}

/// [`visit_affine`], mutably.
fn visit_affine_mut<T: Scalar>(
    weight: &mut Option<Param<T>>,
    bias: &mut Option<Param<T>>,
    f: &mut dyn FnMut(&str, &mut Param<T>),
) {
    if let Some(w) = weight {
        f("weight", w);
    }
    if let Some(b) = bias {
        f("bias", b);
    }
}
