//! Convolutional layers over `NCHW` inputs: convolution, pooling, flatten
//! and per-channel batch norm, with PyTorch's definitions and defaults.

use super::init::{Init, bias_bound, fans};
use super::{BatchNorm1d, Buffer, BufferMut, Layer, Module};
use crate::scalar::Scalar;
use crate::tape::{Param, Var};
use crate::tensor::Tensor;

/// `torch.nn.Conv2d` with `groups = 1`: `y = conv2d(x, W) + b` over inputs
/// `[N, C, H, W]` (see [`Var::conv2d`]). The weight is stored
/// `[out, in, KH, KW]`, the bias `[out]`; stride 1, no padding and
/// dilation 1 unless set with the builder methods.
///
/// ```
/// use gradflow::nn::{Conv2d, Init, Layer};
/// use gradflow::{Rng, SeedableRng, Tape, Tensor};
///
/// let mut rng = Rng::seed_from_u64(0);
/// let mut conv = Conv2d::<f32>::new(3, 8, (3, 3), Init::GlorotStandard, &mut rng)
///     .with_padding((1, 1));
/// let tape = Tape::new();
/// let y = conv.forward(tape.constant(Tensor::ones([2, 3, 5, 5])));
/// assert_eq!(y.shape(), [2, 8, 5, 5]);
/// ```
pub struct Conv2d<T: Scalar = f32> {
    weight: Param<T>,
    bias: Option<Param<T>>,
    stride: (usize, usize),
    padding: (usize, usize),
    dilation: (usize, usize),
}

impl<T: Scalar> Conv2d<T> {
    /// A convolution from `inputs` to `outputs` channels with a
    /// `kernel = (KH, KW)`, its weight drawn with `init` and its bias from
    /// PyTorch's default `U(±1/√fan_in)`, `fan_in = inputs·KH·KW`.
    /// PyTorch's default weight init is [`Init::GlorotStandard`]
    /// (`kaiming_uniform_(a=√5)`, i.e. `U(±1/√fan_in)`).
    pub fn new<R: rand::Rng + ?Sized>(
        inputs: usize,
        outputs: usize,
        kernel: (usize, usize),
        init: Init,
        rng: &mut R,
    ) -> Self {
        let shape = [outputs, inputs, kernel.0, kernel.1];
        let weight = init.tensor::<T, R>(&shape, rng);
        let bound = T::of(bias_bound(fans(&shape).0));
        let bias = Tensor::uniform([outputs], -bound, bound, rng);
        Conv2d {
            weight: Param::new(weight),
            bias: Some(Param::new(bias)),
            stride: (1, 1),
            padding: (0, 0),
            dilation: (1, 1),
        }
    }

    /// Drops the bias (`bias=False`).
    pub fn without_bias(mut self) -> Self {
        self.bias = None;
        self
    }

    /// Sets the stride `(sh, sw)`.
    pub fn with_stride(mut self, stride: (usize, usize)) -> Self {
        self.stride = stride;
        self
    }

    /// Sets the zero padding `(ph, pw)` on each side.
    pub fn with_padding(mut self, padding: (usize, usize)) -> Self {
        self.padding = padding;
        self
    }

    /// Sets the dilation `(dh, dw)`.
    pub fn with_dilation(mut self, dilation: (usize, usize)) -> Self {
        self.dilation = dilation;
        self
    }

    /// The weight, `[out, in, KH, KW]`.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }

    /// The bias, `[out]`, if any.
    pub fn bias(&self) -> Option<&Param<T>> {
        self.bias.as_ref()
    }
}

impl<T: Scalar> Module<T> for Conv2d<T> {
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
        let s = self.weight.shape();
        format!(
            "Conv2d({}, {}, kernel_size=({}, {}), stride={:?}, padding={:?}, dilation={:?}{})",
            s[1],
            s[0],
            s[2],
            s[3],
            self.stride,
            self.padding,
            self.dilation,
            if self.bias.is_some() {
                ""
            } else {
                ", bias=False"
            }
        )
    }
}

impl<T: Scalar> Layer<T> for Conv2d<T> {
    #[track_caller]
    fn forward<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        let bias = self.bias.as_ref().map(|b| tape.param(b));
        x.conv2d(
            tape.param(&self.weight),
            bias,
            self.stride,
            self.padding,
            self.dilation,
        )
    }
}

/// `torch.nn.MaxPool2d(kernel, stride)` without padding (see
/// [`Var::max_pool2d`]). [`MaxPool2d::new`] sets the stride to the kernel,
/// PyTorch's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool2d {
    /// Window size `(KH, KW)`.
    pub kernel: (usize, usize),
    /// Stride `(sh, sw)`.
    pub stride: (usize, usize),
}

impl MaxPool2d {
    /// Max pooling with stride equal to the kernel.
    pub fn new(kernel: (usize, usize)) -> Self {
        MaxPool2d {
            kernel,
            stride: kernel,
        }
    }

    /// Sets the stride.
    pub fn with_stride(mut self, stride: (usize, usize)) -> Self {
        self.stride = stride;
        self
    }
}

/// `torch.nn.AvgPool2d(kernel, stride)` without padding (see
/// [`Var::avg_pool2d`]). [`AvgPool2d::new`] sets the stride to the kernel,
/// PyTorch's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvgPool2d {
    /// Window size `(KH, KW)`.
    pub kernel: (usize, usize),
    /// Stride `(sh, sw)`.
    pub stride: (usize, usize),
}

impl AvgPool2d {
    /// Average pooling with stride equal to the kernel.
    pub fn new(kernel: (usize, usize)) -> Self {
        AvgPool2d {
            kernel,
            stride: kernel,
        }
    }

    /// Sets the stride.
    pub fn with_stride(mut self, stride: (usize, usize)) -> Self {
        self.stride = stride;
        self
    }
}

/// Mean over `H` and `W`: `[N, C, H, W] → [N, C]`, as
/// `nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GlobalAvgPool2d;

/// `torch.nn.Flatten()`: `[N, d1, d2, ...] → [N, d1·d2·...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flatten;

/// Implements `Module` (no parameters) and `Layer` for a parameter-free layer.
macro_rules! stateless_layer {
    ($name:ident, |$s:ident, $x:ident| $body:expr, |$d:ident| $describe:expr) => {
        impl<T: Scalar> Module<T> for $name {
            fn visit_params(&self, _f: &mut dyn FnMut(&str, &Param<T>)) {}
            fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&str, &mut Param<T>)) {}
            fn describe(&self) -> String {
                let $d = self;
                $describe
            }
        }

        impl<T: Scalar> Layer<T> for $name {
            #[track_caller]
            fn forward<'t>(&mut self, $x: Var<'t, T>) -> Var<'t, T> {
                let $s = &*self;
                $body
            }
        }
    };
}

stateless_layer!(
    MaxPool2d,
    |s, x| x.max_pool2d(s.kernel, s.stride),
    |d| format!(
        "MaxPool2d(kernel_size={:?}, stride={:?})",
        d.kernel, d.stride
    )
);
stateless_layer!(
    AvgPool2d,
    |s, x| x.avg_pool2d(s.kernel, s.stride),
    |d| format!(
        "AvgPool2d(kernel_size={:?}, stride={:?})",
        d.kernel, d.stride
    )
);
stateless_layer!(
    GlobalAvgPool2d,
    |s, x| {
        let _ = s;
        x.global_avg_pool2d()
    },
    |d| {
        let _ = d;
        "GlobalAvgPool2d".to_string()
    }
);
stateless_layer!(
    Flatten,
    |s, x| {
        let _ = s;
        let shape = x.shape();
        assert!(
            shape.rank() >= 1,
            "Flatten: expects an input [N, ...], got a scalar"
        );
        let n = shape[0];
        let rest: usize = shape.dims()[1..].iter().product();
        x.reshape([n, rest])
    },
    |d| {
        let _ = d;
        "Flatten".to_string()
    }
);

/// `torch.nn.BatchNorm2d` over inputs `[N, C, H, W]`: each channel is
/// normalized over `N`, `H` and `W`, with the same semantics, defaults,
/// running statistics and state-dict names as [`BatchNorm1d`] (it runs a
/// `BatchNorm1d` on the input viewed as `[N, C, H·W]`).
pub struct BatchNorm2d<T: Scalar = f32> {
    inner: BatchNorm1d<T>,
    eps: f64,
    momentum: Option<f64>,
    affine: bool,
}

impl<T: Scalar> BatchNorm2d<T> {
    /// Batch norm over `channels` with PyTorch's defaults (eps `1e-5`,
    /// momentum `0.1`, affine weight 1 and bias 0).
    pub fn new(channels: usize) -> Self {
        BatchNorm2d {
            inner: BatchNorm1d::new(channels),
            eps: 1e-5,
            momentum: Some(0.1),
            affine: true,
        }
    }

    /// Sets `eps`.
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.inner = self.inner.with_eps(eps);
        self.eps = eps;
        self
    }

    /// Sets the momentum (`None`: cumulative moving average).
    pub fn with_momentum(mut self, momentum: Option<f64>) -> Self {
        self.inner = self.inner.with_momentum(momentum);
        self.momentum = momentum;
        self
    }

    /// Drops the affine weight and bias (`affine=False`).
    pub fn without_affine(mut self) -> Self {
        self.inner = self.inner.without_affine();
        self.affine = false;
        self
    }

    /// The running mean.
    pub fn running_mean(&self) -> &Tensor<T> {
        self.inner.running_mean()
    }

    /// The running (unbiased) variance.
    pub fn running_var(&self) -> &Tensor<T> {
        self.inner.running_var()
    }

    /// Training batches seen.
    pub fn num_batches_tracked(&self) -> i64 {
        self.inner.num_batches_tracked()
    }
}

impl<T: Scalar> Module<T> for BatchNorm2d<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        self.inner.visit_params(f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        self.inner.visit_params_mut(f);
    }

    fn visit_buffers(&self, f: &mut dyn FnMut(&str, Buffer<'_, T>)) {
        self.inner.visit_buffers(f);
    }

    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&str, BufferMut<'_, T>)) {
        self.inner.visit_buffers_mut(f);
    }

    fn set_training(&mut self, training: bool) {
        self.inner.set_training(training);
    }

    fn describe(&self) -> String {
        format!(
            "BatchNorm2d({}, eps={}, momentum={}{})",
            self.running_mean().numel(),
            self.eps,
            self.momentum.map_or("None".to_string(), |m| m.to_string()),
            if self.affine { "" } else { ", affine=False" }
        )
    }
}

impl<T: Scalar> Layer<T> for BatchNorm2d<T> {
    #[track_caller]
    fn forward<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T> {
        let shape = x.shape();
        let c = self.running_mean().numel();
        assert!(
            shape.rank() == 4 && shape[1] == c,
            "BatchNorm2d: expects [N, {c}, H, W], got {shape:?}; channels are dimension 1 \
             (build BatchNorm2d::new with the previous layer's output channels)"
        );
        self.inner.forward_channels(x)
    }
}
