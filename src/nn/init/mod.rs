//! Weight initialization, with `torch.nn.init`'s formulas.
//!
//! An [`Init`] names a distribution; [`Init::tensor`] samples a tensor of a
//! given shape from it with the caller's seeded RNG. Weights are stored
//! `[out, in, ...kernel]`, as PyTorch's, so [`fans`] reads
//! `fan_in = shape[1]·receptive` and `fan_out = shape[0]·receptive`, where
//! `receptive` is the product of the kernel dimensions `shape[2..]`.
//!
//! | [`Init`] | distribution | PyTorch |
//! |---|---|---|
//! | `Zeros`, `Ones`, `Constant(v)` | filled | `zeros_`, `ones_`, `constant_` |
//! | `Uniform { low, high }` | `U[low, high)` | `uniform_(w, low, high)` |
//! | `Normal { mean, std }` | `N(mean, std²)` | `normal_(w, mean, std)` |
//! | `XavierUniform { gain }` | `U(±gain·√(6/(fan_in + fan_out)))` | `xavier_uniform_` |
//! | `XavierNormal { gain }` | `N(0, (gain·√(2/(fan_in + fan_out)))²)` | `xavier_normal_` |
//! | `KaimingUniform { mode, nonlinearity }` | `U(±gain·√(3/fan))` | `kaiming_uniform_` |
//! | `KaimingNormal { mode, nonlinearity }` | `N(0, (gain/√fan)²)` | `kaiming_normal_` |
//! | `LecunNormal` | `N(0, 1/fan_in)` | `kaiming_normal_(w, nonlinearity='linear')` |
//! | `GlorotStandard` | `U(±1/√fan_in)` | `kaiming_uniform_(w, a=√5)`, the default of `nn.Linear` and `nn.ConvNd` |
//! | `Orthogonal { gain }` | `gain·Q`, `Q` from the QR of a Gaussian matrix | `orthogonal_` |
//!
//! The gains come from [`calculate_gain`]. The formulas and the
//! orthogonal algorithm are PyTorch's; the random stream is gradflow's own
//! (see [`Tensor::uniform`] and [`Tensor::normal`]), so a seed does not
//! reproduce PyTorch's numbers, but it gives the same tensor, bit for bit,
//! on every run and platform.
//!
//! ```
//! use gradflow::nn::init::{FanMode, Init, Nonlinearity, bias_bound};
//! use gradflow::{Rng, SeedableRng, Tensor};
//!
//! let mut rng = Rng::seed_from_u64(0);
//! // He initialization for a ReLU layer with 256 inputs and 128 outputs.
//! let w: Tensor<f32> = Init::he_normal().tensor(&[128, 256], &mut rng);
//! // The same, spelled out.
//! let he = Init::KaimingNormal { mode: FanMode::FanIn, nonlinearity: Nonlinearity::Relu };
//! assert_eq!(he, Init::he_normal());
//! // PyTorch's default bias for that layer: U(±1/√256).
//! let b = bias_bound(256) as f32;
//! let bias = Tensor::<f32>::uniform([128], -b, b, &mut rng);
//! assert_eq!((w.shape(), bias.shape()), (&[128, 256][..], &[128][..]));
//! ```

mod orthogonal;
use orthogonal::orthogonal;

use std::f64::consts::SQRT_2;

use rand::Rng as RandomSource;

use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// The activation that follows a layer, for [`calculate_gain`]; PyTorch's
/// `nonlinearity` strings.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Nonlinearity {
    /// No activation (`'linear'`): gain `1`.
    Linear,
    /// A convolution with no activation (`'conv1d'`, `'conv2d'`, ...,
    /// `'conv_transpose3d'`): gain `1`.
    Conv,
    /// `'sigmoid'`: gain `1`.
    Sigmoid,
    /// `'tanh'`: gain `5/3`.
    Tanh,
    /// `'relu'`: gain `√2`.
    Relu,
    /// `'leaky_relu'` with this negative slope: gain `√(2/(1 + slope²))`.
    /// PyTorch's default slope, `0.01`, is the caller's to pass.
    LeakyRelu(f64),
    /// `'selu'`: gain `3/4`.
    Selu,
}

/// The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`:
/// the factor that keeps the scale of activations (or gradients) from
/// shrinking or growing from layer to layer.
///
/// | nonlinearity | gain |
/// |---|---|
/// | `Linear`, `Conv`, `Sigmoid` | `1` |
/// | `Tanh` | `5/3` |
/// | `Relu` | `√2` |
/// | `LeakyRelu(a)` | `√(2/(1 + a²))` |
/// | `Selu` | `3/4` |
///
/// ```
/// use gradflow::nn::init::{Nonlinearity, calculate_gain};
/// assert_eq!(calculate_gain(Nonlinearity::Tanh), 5.0 / 3.0);
/// assert_eq!(calculate_gain(Nonlinearity::Relu), std::f64::consts::SQRT_2);
/// ```
pub fn calculate_gain(nl: Nonlinearity) -> f64 {
    match nl {
        Nonlinearity::Linear | Nonlinearity::Conv | Nonlinearity::Sigmoid => 1.0,
        Nonlinearity::Tanh => 5.0 / 3.0,
        Nonlinearity::Relu => SQRT_2,
        Nonlinearity::LeakyRelu(slope) => (2.0 / (1.0 + slope * slope)).sqrt(),
        Nonlinearity::Selu => 3.0 / 4.0,
    }
}

/// Which fan the Kaiming (He) initializers scale by, PyTorch's `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FanMode {
    /// `'fan_in'` (PyTorch's default): preserves the variance of the
    /// activations in the forward pass.
    FanIn,
    /// `'fan_out'`: preserves the variance of the gradients in the backward
    /// pass.
    FanOut,
}

/// `(fan_in, fan_out)` of a weight of shape `[out, in, ...kernel]`, as
/// PyTorch's `_calculate_fan_in_and_fan_out`: `fan_in = shape[1]·r` and
/// `fan_out = shape[0]·r`, where `r` is the receptive field, the product of
/// `shape[2..]` (`1` for a matrix).
///
/// ```
/// use gradflow::nn::init::fans;
/// assert_eq!(fans(&[128, 256]), (256, 128)); // Linear(256 → 128)
/// assert_eq!(fans(&[8, 3, 5, 5]), (75, 200)); // Conv2d(3 → 8, 5×5)
/// ```
///
/// # Panics
/// If `shape` has rank below 2 (PyTorch raises `ValueError`).
#[track_caller]
pub fn fans(shape: &[usize]) -> (usize, usize) {
    assert!(
        shape.len() >= 2,
        "fans: fan in and fan out can not be computed for a tensor of shape {shape:?} \
         (rank {}); they need rank >= 2, a weight stored as [out, in, ...kernel] \
         (initialize biases and other vectors with Zeros, Constant, Uniform or Normal, \
         or use bias_bound(fan_in))",
        shape.len()
    );
    let receptive: usize = shape[2..].iter().product();
    (shape[1] * receptive, shape[0] * receptive)
}

/// The bound of PyTorch's default bias initialization for `nn.Linear` and
/// `nn.ConvNd`, `U(±1/√fan_in)`: `1/√fan_in`, or `0` when `fan_in` is `0`
/// (as PyTorch).
///
/// ```
/// use gradflow::nn::init::bias_bound;
/// assert_eq!(bias_bound(4), 0.5);
/// assert_eq!(bias_bound(0), 0.0);
/// ```
pub fn bias_bound(fan_in: usize) -> f64 {
    if fan_in == 0 {
        0.0
    } else {
        1.0 / (fan_in as f64).sqrt()
    }
}

/// A weight initializer: a distribution whose parameters may depend on the
/// weight's shape through [`fans`]. [`Init::tensor`] samples from it.
///
/// `U(±b)` below means the uniform distribution on `[-b, b)`. The
/// fan-based variants need a weight of rank ≥ 2 (`[out, in, ...kernel]`);
/// the others take any shape.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// All zeros: `torch.nn.init.zeros_`.
    Zeros,
    /// All ones: `torch.nn.init.ones_`.
    Ones,
    /// Every element equal to the value: `torch.nn.init.constant_(w, value)`.
    Constant(f64),
    /// `U[low, high)`: `torch.nn.init.uniform_(w, a=low, b=high)`.
    Uniform {
        /// Lower bound (inclusive); finite and `<= high`.
        low: f64,
        /// Upper bound (exclusive); finite.
        high: f64,
    },
    /// `N(mean, std²)`: `torch.nn.init.normal_(w, mean, std)`.
    Normal {
        /// Mean; finite.
        mean: f64,
        /// Standard deviation; finite and `>= 0`.
        std: f64,
    },
    /// Glorot & Bengio (2010): `U(±b)` with
    /// `b = gain·√(6/(fan_in + fan_out))`, so the variance is
    /// `gain²·2/(fan_in + fan_out)`: `torch.nn.init.xavier_uniform_(w, gain)`.
    XavierUniform {
        /// Scale factor, finite and `>= 0`; see [`calculate_gain`].
        gain: f64,
    },
    /// Glorot & Bengio (2010): `N(0, std²)` with
    /// `std = gain·√(2/(fan_in + fan_out))`:
    /// `torch.nn.init.xavier_normal_(w, gain)`.
    XavierNormal {
        /// Scale factor, finite and `>= 0`; see [`calculate_gain`].
        gain: f64,
    },
    /// He et al. (2015): `U(±b)` with `b = gain·√(3/fan)`, so the variance
    /// is `gain²/fan`, where `gain = calculate_gain(nonlinearity)` and `fan`
    /// is `fan_in` or `fan_out` by `mode`:
    /// `torch.nn.init.kaiming_uniform_(w, a, mode, nonlinearity)`, with
    /// PyTorch's `nonlinearity='leaky_relu', a=a` written
    /// `Nonlinearity::LeakyRelu(a)`.
    KaimingUniform {
        /// Which fan to scale by.
        mode: FanMode,
        /// The activation after the layer, for the gain.
        nonlinearity: Nonlinearity,
    },
    /// He et al. (2015): `N(0, std²)` with `std = gain/√fan`, `gain` and
    /// `fan` as for [`Init::KaimingUniform`]:
    /// `torch.nn.init.kaiming_normal_(w, a, mode, nonlinearity)`.
    KaimingNormal {
        /// Which fan to scale by.
        mode: FanMode,
        /// The activation after the layer, for the gain.
        nonlinearity: Nonlinearity,
    },
    /// LeCun normal: `N(0, 1/fan_in)`, the initialization for
    /// self-normalizing (SELU) networks. PyTorch has no function of that
    /// name; this is `kaiming_normal_(w, mode='fan_in', nonlinearity='linear')`,
    /// which `nn.SELU`'s documentation recommends. (Keras's and JAX's
    /// `lecun_normal` draw from a truncated normal instead.)
    LecunNormal,
    /// Saxe et al. (2014): a (semi-)orthogonal matrix times `gain`, as
    /// `torch.nn.init.orthogonal_(w, gain)`. The weight is viewed as a
    /// `[rows, cols]` matrix with `rows = shape[0]` and
    /// `cols = numel/rows`; a matrix `A` of `N(0, 1)` samples of that shape
    /// (transposed when `rows < cols`) is factored `A = Q·R` by Householder
    /// QR in `f64`; `Q`'s columns are multiplied by the signs of `diag(R)`,
    /// which makes the result the unique `Q` whose `R` has a positive
    /// diagonal, hence Haar-distributed; the transpose is undone and the
    /// result scaled by `gain`. So `WᵀW = gain²·I` when `rows >= cols`, and
    /// `W·Wᵀ = gain²·I` when `rows <= cols`.
    ///
    /// Unlike PyTorch, a zero on `R`'s diagonal (probability zero) counts
    /// as positive rather than zeroing the column. The cost is
    /// `O(rows·cols·min(rows, cols))` scalar flops.
    Orthogonal {
        /// Scale factor; finite.
        gain: f64,
    },
    /// Glorot's "standard" initialization, `U(±1/√fan_in)` (Glorot &
    /// Bengio, 2010, eq. 1), whose variance `1/(3·fan_in)` shrinks the
    /// signal by a factor of 3 per layer: the bad case in the
    /// vanishing-gradient story. It is also PyTorch's default for the
    /// weights of `nn.Linear` and `nn.ConvNd`,
    /// `kaiming_uniform_(w, a=√5)`, whose bound
    /// `√(2/(1 + 5))·√(3/fan_in)` is exactly `1/√fan_in`.
    GlorotStandard,
}

impl Init {
    /// Glorot (Xavier) uniform with gain 1:
    /// `torch.nn.init.xavier_uniform_(w)`.
    pub const fn xavier_uniform() -> Init {
        Init::XavierUniform { gain: 1.0 }
    }

    /// He normal for ReLU layers, `N(0, 2/fan_in)`:
    /// `torch.nn.init.kaiming_normal_(w, mode='fan_in', nonlinearity='relu')`.
    pub const fn he_normal() -> Init {
        Init::KaimingNormal {
            mode: FanMode::FanIn,
            nonlinearity: Nonlinearity::Relu,
        }
    }

    /// He uniform for ReLU layers, `U(±√(6/fan_in))`:
    /// `torch.nn.init.kaiming_uniform_(w, mode='fan_in', nonlinearity='relu')`.
    pub const fn he_uniform() -> Init {
        Init::KaimingUniform {
            mode: FanMode::FanIn,
            nonlinearity: Nonlinearity::Relu,
        }
    }

    /// A tensor of `shape` drawn from this initializer with `rng`.
    ///
    /// Random variants sample with [`Tensor::uniform`] and
    /// [`Tensor::normal`] directly in `T`; `Orthogonal` works in `f64` and
    /// rounds once. A shape with zero elements gives an empty tensor and
    /// draws nothing.
    ///
    /// # Panics
    /// If a fan-based variant (Xavier, Kaiming, LeCun, Glorot standard,
    /// orthogonal) gets a shape of rank below 2, or if a parameter is out
    /// of range: `low > high` or a non-finite bound for `Uniform`, a
    /// negative or non-finite `std`, a negative or non-finite Xavier gain, a
    /// non-finite orthogonal gain or leaky-ReLU slope.
    #[track_caller]
    pub fn tensor<T: Scalar, R: RandomSource + ?Sized>(
        &self,
        shape: &[usize],
        rng: &mut R,
    ) -> Tensor<T> {
        match *self {
            Init::Zeros => Tensor::zeros(shape),
            Init::Ones => Tensor::ones(shape),
            Init::Constant(value) => Tensor::full(shape, T::of(value)),
            Init::Uniform { low, high } => {
                assert!(
                    low.is_finite() && high.is_finite() && low <= high,
                    "Init::Uniform: bounds must be finite with low <= high, got low = {low}, high = {high}"
                );
                Tensor::uniform(shape, T::of(low), T::of(high), rng)
            }
            Init::Normal { mean, std } => {
                assert!(
                    mean.is_finite() && std.is_finite() && std >= 0.0,
                    "Init::Normal: mean must be finite and std finite and >= 0, got mean = {mean}, std = {std}"
                );
                Tensor::normal(shape, T::of(mean), T::of(std), rng)
            }
            Init::XavierUniform { gain } => {
                check_xavier_gain("XavierUniform", gain);
                let (fan_in, fan_out) = fans(shape);
                let bound = gain * (6.0 / (fan_in + fan_out) as f64).sqrt();
                symmetric_uniform(shape, bound, rng)
            }
            Init::XavierNormal { gain } => {
                check_xavier_gain("XavierNormal", gain);
                let (fan_in, fan_out) = fans(shape);
                let std = gain * (2.0 / (fan_in + fan_out) as f64).sqrt();
                centered_normal(shape, std, rng)
            }
            Init::KaimingUniform { mode, nonlinearity } => {
                let gain = kaiming_gain("KaimingUniform", nonlinearity);
                let fan = select_fan(shape, mode);
                let bound = gain * (3.0 / fan as f64).sqrt();
                symmetric_uniform(shape, bound, rng)
            }
            Init::KaimingNormal { mode, nonlinearity } => {
                let gain = kaiming_gain("KaimingNormal", nonlinearity);
                let fan = select_fan(shape, mode);
                let std = gain / (fan as f64).sqrt();
                centered_normal(shape, std, rng)
            }
            Init::LecunNormal => {
                let (fan_in, _) = fans(shape);
                centered_normal(shape, 1.0 / (fan_in as f64).sqrt(), rng)
            }
            Init::GlorotStandard => {
                let (fan_in, _) = fans(shape);
                symmetric_uniform(shape, 1.0 / (fan_in as f64).sqrt(), rng)
            }
            Init::Orthogonal { gain } => orthogonal(shape, gain, rng),
        }
    }
}

#[track_caller]
fn check_xavier_gain(variant: &str, gain: f64) {
    assert!(
        gain.is_finite() && gain >= 0.0,
        "Init::{variant}: gain must be finite and >= 0, got {gain}"
    );
}

/// The Kaiming gain, checked finite (a NaN or infinite leaky-ReLU slope
/// would otherwise surface as a confusing bound).
#[track_caller]
fn kaiming_gain(variant: &str, nonlinearity: Nonlinearity) -> f64 {
    let gain = calculate_gain(nonlinearity);
    assert!(
        gain.is_finite(),
        "Init::{variant}: the gain of {nonlinearity:?} is {gain}; a leaky-ReLU slope must be finite"
    );
    gain
}

#[track_caller]
fn select_fan(shape: &[usize], mode: FanMode) -> usize {
    let (fan_in, fan_out) = fans(shape);
    match mode {
        FanMode::FanIn => fan_in,
        FanMode::FanOut => fan_out,
    }
}

/// `U[-bound, bound)`; empty shapes draw nothing (their fans may be 0).
fn symmetric_uniform<T: Scalar, R: RandomSource + ?Sized>(
    shape: &[usize],
    bound: f64,
    rng: &mut R,
) -> Tensor<T> {
    if shape.contains(&0) {
        return Tensor::zeros(shape);
    }
    Tensor::uniform(shape, T::of(-bound), T::of(bound), rng)
}

/// `N(0, std²)`; empty shapes draw nothing (their fans may be 0).
fn centered_normal<T: Scalar, R: RandomSource + ?Sized>(
    shape: &[usize],
    std: f64,
    rng: &mut R,
) -> Tensor<T> {
    if shape.contains(&0) {
        return Tensor::zeros(shape);
    }
    Tensor::normal(shape, T::zero(), T::of(std), rng)
}

#[cfg(test)]
mod tests;
