//! Elementwise ops of one input. `x` is the input value, `y` the output,
//! `g` the output's gradient; each rule computes `g·dy/dx`, elementwise.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::Tensor;

use super::Op;

#[derive(Clone, Copy, Debug)]
pub(crate) enum UnaryKind<T> {
    Neg,
    Exp,
    Ln,
    Sqrt,
    Abs,
    Square,
    Recip,
    Powf(T),
    Powi(i32),
    Clamp(T, T),
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu(T),
    Elu(T),
    Gelu,
    GeluTanh,
    Softplus { beta: T, threshold: T },
    Silu,
    Softsign,
    AddScalar(T),
    MulScalar(T),
    DivScalar(T),
}

impl<T> UnaryKind<T> {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            UnaryKind::Neg => "neg",
            UnaryKind::Exp => "exp",
            UnaryKind::Ln => "ln",
            UnaryKind::Sqrt => "sqrt",
            UnaryKind::Abs => "abs",
            UnaryKind::Square => "square",
            UnaryKind::Recip => "recip",
            UnaryKind::Powf(_) => "powf",
            UnaryKind::Powi(_) => "powi",
            UnaryKind::Clamp(..) => "clamp",
            UnaryKind::Sigmoid => "sigmoid",
            UnaryKind::Tanh => "tanh",
            UnaryKind::Relu => "relu",
            UnaryKind::LeakyRelu(_) => "leaky_relu",
            UnaryKind::Elu(_) => "elu",
            UnaryKind::Gelu => "gelu",
            UnaryKind::GeluTanh => "gelu_tanh",
            UnaryKind::Softplus { .. } => "softplus",
            UnaryKind::Silu => "silu",
            UnaryKind::Softsign => "softsign",
            UnaryKind::AddScalar(_) => "add_scalar",
            UnaryKind::MulScalar(_) => "mul_scalar",
            UnaryKind::DivScalar(_) => "div_scalar",
        }
    }
}

pub(crate) struct UnaryOp<T> {
    pub(crate) x: usize,
    pub(crate) kind: UnaryKind<T>,
}

impl<T: Scalar> UnaryOp<T> {
    pub(crate) fn backward(&self, y: &Tensor<T>, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let zero = T::zero();
        let one = T::one();
        let x = ctx.value(self.x);
        // Rules written from the output `y` or from the input `x`; generic
        // closures (not `dyn`) so each rule compiles to its own tight loop.
        // The incoming gradient is this rule's to consume: it is rewritten
        // in place (a copy only if a hook or retained var shares it).
        fn rewrite<T: Scalar>(
            mut g: Tensor<T>,
            by: &Tensor<T>,
            f: impl Fn(T, T) -> T,
        ) -> Tensor<T> {
            g.zip_apply(by, f);
            g
        }
        macro_rules! from_y {
            ($f:expr) => {
                rewrite(g, y, $f)
            };
        }
        macro_rules! from_x {
            ($f:expr) => {
                rewrite(g, x, $f)
            };
        }
        let dx = match self.kind {
            UnaryKind::Neg => g.neg(),
            UnaryKind::Exp => from_y!(|g, y| g * y),
            UnaryKind::Ln => from_x!(|g, x| g / x),
            // PyTorch: grad / (2·result).
            UnaryKind::Sqrt => from_y!(|g, y| g / (y + y)),
            // sign(0) = 0, as torch.sgn.
            UnaryKind::Abs => from_x!(|g, x| {
                if x > zero {
                    g
                } else if x < zero {
                    -g
                } else {
                    g * zero
                }
            }),
            UnaryKind::Square => from_x!(|g, x| g * (x + x)),
            // PyTorch: -grad·result².
            UnaryKind::Recip => from_y!(|g, y| -g * y * y),
            // PyTorch: p·x^(p-1), and exactly 0 when p = 0.
            UnaryKind::Powf(p) => {
                if p == zero {
                    g.map(|g| g * zero)
                } else {
                    from_x!(|g, x| g * p * x.powf(p - one))
                }
            }
            UnaryKind::Powi(n) => {
                if n == 0 {
                    g.map(|g| g * zero)
                } else {
                    let nf = T::of(n as f64);
                    from_x!(|g, x| g * nf * x.powi(n - 1))
                }
            }
            // Passes where low ≤ x ≤ high (bounds included), as PyTorch.
            UnaryKind::Clamp(lo, hi) => from_x!(|g, x| if x >= lo && x <= hi { g } else { zero }),
            UnaryKind::Sigmoid => from_y!(|g, y| g * y * (one - y)),
            UnaryKind::Tanh => from_y!(|g, y| g * (one - y * y)),
            // relu'(0) = 0: the gradient passes only where the output is positive.
            UnaryKind::Relu => from_y!(|g, y| if y > zero { g } else { zero }),
            UnaryKind::LeakyRelu(s) => from_x!(|g, x| if x > zero { g } else { g * s }),
            // x ≤ 0: alpha·eˣ (PyTorch's elu_backward on the input).
            UnaryKind::Elu(alpha) => from_x!(|g, x| if x > zero { g } else { g * alpha * x.exp() }),
            UnaryKind::Gelu => from_x!(|g, x| g * gelu_derivative(x)),
            UnaryKind::GeluTanh => from_x!(|g, x| g * gelu_tanh_derivative(x)),
            // z = e^(beta·x): g·z/(z+1) below the threshold, g above.
            UnaryKind::Softplus { beta, threshold } => from_x!(|g, x| {
                if x * beta > threshold {
                    g
                } else {
                    let z = (x * beta).exp();
                    g * z / (z + one)
                }
            }),
            // σ(x)·(1 + x·(1 - σ(x))), PyTorch's silu_backward.
            UnaryKind::Silu => from_x!(|g, x| {
                let s = one / (one + (-x).exp());
                g * s * (one + x * (one - s))
            }),
            // At ±inf PyTorch's quotient rule gives inf·0 = NaN (the value
            // inf/inf is NaN too); the select keeps the loop branch-free.
            UnaryKind::Softsign => from_x!(|g, x| {
                let d = one + x.abs();
                let dx = g / (d * d);
                if x.is_infinite() { T::nan() } else { dx }
            }),
            UnaryKind::AddScalar(_) => g,
            UnaryKind::MulScalar(c) => g.mul_scalar(c),
            UnaryKind::DivScalar(c) => g.div_scalar(c),
        };
        ctx.send(self.x, dx);
    }
}

/// d/dx of `x·Φ(x)` = `Φ(x) + x·φ(x)`, PyTorch's GeluBackward.
fn gelu_derivative<T: Scalar>(x: T) -> T {
    let beta = T::of(std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2 * 0.5);
    let half = T::of(0.5);
    let cdf = half * (T::one() + (x * T::FRAC_1_SQRT_2()).erf());
    let pdf = beta * (-half * x * x).exp();
    cdf + x * pdf
}

/// d/dx of the tanh-approximated GELU, PyTorch's formula.
fn gelu_tanh_derivative<T: Scalar>(x: T) -> T {
    use crate::tensor::unary::{GELU_TANH_BETA, GELU_TANH_KAPPA};
    let (beta, kappa) = (T::of(GELU_TANH_BETA), T::of(GELU_TANH_KAPPA));
    let half = T::of(0.5);
    let x_sq = x * x;
    let inner = beta * (x + kappa * x_sq * x);
    let t = inner.tanh();
    let left = half * x;
    let right = T::one() + t;
    let left_derivative = half * right;
    let right_derivative =
        left * (T::one() - t * t) * beta * (T::one() + T::of(3.0) * kappa * x_sq);
    left_derivative + right_derivative
}

// The operators (`a + b`, `-x`) call these methods; the methods carry the docs
// and read well in chains (`x.mul(w).add(b)`).
#[allow(clippy::should_implement_trait)]
impl<'t, T: Scalar> Var<'t, T> {
    fn unary(self, kind: UnaryKind<T>, value: Tensor<T>) -> Var<'t, T> {
        self.tape().record(
            value,
            Op::Unary(UnaryOp {
                x: self.index(),
                kind,
            }),
        )
    }

    /// `-x`; d/dx = -1.
    pub fn neg(self) -> Var<'t, T> {
        let value = self.value_ref().neg();
        self.unary(UnaryKind::Neg, value)
    }

    /// `eˣ`; d/dx = `eˣ` (the saved output).
    pub fn exp(self) -> Var<'t, T> {
        let value = self.value_ref().exp();
        self.unary(UnaryKind::Exp, value)
    }

    /// `ln x`; d/dx = `1/x`.
    pub fn ln(self) -> Var<'t, T> {
        let value = self.value_ref().ln();
        self.unary(UnaryKind::Ln, value)
    }

    /// `√x`; d/dx = `1/(2√x)` (from the output).
    pub fn sqrt(self) -> Var<'t, T> {
        let value = self.value_ref().sqrt();
        self.unary(UnaryKind::Sqrt, value)
    }

    /// `|x|`; d/dx = `sign(x)`, 0 at 0 (as `torch.abs`).
    pub fn abs(self) -> Var<'t, T> {
        let value = self.value_ref().abs();
        self.unary(UnaryKind::Abs, value)
    }

    /// `x²`; d/dx = `2x`.
    pub fn square(self) -> Var<'t, T> {
        let value = self.value_ref().square();
        self.unary(UnaryKind::Square, value)
    }

    /// `1/x`; d/dx = `-1/x²` (from the output: `-y²`).
    pub fn recip(self) -> Var<'t, T> {
        let value = self.value_ref().recip();
        self.unary(UnaryKind::Recip, value)
    }

    /// `xᵖ`; d/dx = `p·xᵖ⁻¹` (exactly 0 when `p = 0`).
    pub fn powf(self, p: T) -> Var<'t, T> {
        let value = self.value_ref().powf(p);
        self.unary(UnaryKind::Powf(p), value)
    }

    /// `xⁿ`; d/dx = `n·xⁿ⁻¹` (exactly 0 when `n = 0`).
    pub fn powi(self, n: i32) -> Var<'t, T> {
        let value = self.value_ref().powi(n);
        self.unary(UnaryKind::Powi(n), value)
    }

    /// `min(max(x, low), high)`; d/dx = 1 where `low ≤ x ≤ high`, else 0.
    pub fn clamp(self, low: T, high: T) -> Var<'t, T> {
        let value = self.value_ref().clamp(low, high);
        self.unary(UnaryKind::Clamp(low, high), value)
    }

    /// `σ(x)`; d/dx = `σ(x)(1 - σ(x))` from the saved output: exactly 0,
    /// never NaN, where σ saturates (`x = -90`).
    pub fn sigmoid(self) -> Var<'t, T> {
        let value = self.value_ref().sigmoid();
        self.unary(UnaryKind::Sigmoid, value)
    }

    /// `tanh x`; d/dx = `1 - tanh²x` from the saved output.
    pub fn tanh(self) -> Var<'t, T> {
        let value = self.value_ref().tanh();
        self.unary(UnaryKind::Tanh, value)
    }

    /// `max(0, x)`; d/dx = 1 where `x > 0`, else 0 (so `relu'(0) = 0`).
    pub fn relu(self) -> Var<'t, T> {
        let value = self.value_ref().relu();
        self.unary(UnaryKind::Relu, value)
    }

    /// `x` if `x > 0` else `slope·x`; d/dx = 1 or `slope`.
    pub fn leaky_relu(self, slope: T) -> Var<'t, T> {
        let value = self.value_ref().leaky_relu(slope);
        self.unary(UnaryKind::LeakyRelu(slope), value)
    }

    /// `x` if `x > 0` else `alpha·(eˣ - 1)`; d/dx = 1 or `alpha·eˣ`.
    pub fn elu(self, alpha: T) -> Var<'t, T> {
        let value = self.value_ref().elu(alpha);
        self.unary(UnaryKind::Elu(alpha), value)
    }

    /// Exact GELU `x·Φ(x)`; d/dx = `Φ(x) + x·φ(x)`.
    pub fn gelu(self) -> Var<'t, T> {
        let value = self.value_ref().gelu();
        self.unary(UnaryKind::Gelu, value)
    }

    /// Tanh-approximated GELU; d/dx = `½(1 + t) + ½x(1 - t²)·√(2/π)(1 + 3·0.044715x²)`
    /// with `t = tanh(√(2/π)(x + 0.044715x³))`.
    pub fn gelu_tanh(self) -> Var<'t, T> {
        let value = self.value_ref().gelu_tanh();
        self.unary(UnaryKind::GeluTanh, value)
    }

    /// `softplus(x)` with PyTorch's beta 1 and threshold 20; d/dx = `σ(x)`
    /// (computed as `eˣ/(eˣ + 1)`), 1 above the threshold.
    pub fn softplus(self) -> Var<'t, T> {
        self.softplus_with(T::one(), T::of(20.0))
    }

    /// `softplus` with `beta` and `threshold`; d/dx = `z/(z + 1)` with
    /// `z = e^(beta·x)`, 1 where `beta·x > threshold`.
    pub fn softplus_with(self, beta: T, threshold: T) -> Var<'t, T> {
        let value = self.value_ref().softplus_with(beta, threshold);
        self.unary(UnaryKind::Softplus { beta, threshold }, value)
    }

    /// SiLU `x·σ(x)`; d/dx = `σ(x)(1 + x(1 - σ(x)))`.
    pub fn silu(self) -> Var<'t, T> {
        let value = self.value_ref().silu();
        self.unary(UnaryKind::Silu, value)
    }

    /// `x/(1 + |x|)`; d/dx = `1/(1 + |x|)²`, NaN at ±inf (where the value
    /// `inf/inf` is NaN too), as PyTorch. PyTorch's quotient rule loses
    /// digits at large `|x|` (8e-5 relative at 1e4 in `f32`); this form
    /// does not.
    pub fn softsign(self) -> Var<'t, T> {
        let value = self.value_ref().softsign();
        self.unary(UnaryKind::Softsign, value)
    }

    /// `x + c`; d/dx = 1.
    pub fn add_scalar(self, c: T) -> Var<'t, T> {
        let value = self.value_ref().add_scalar(c);
        self.unary(UnaryKind::AddScalar(c), value)
    }

    /// `x - c`; d/dx = 1.
    pub fn sub_scalar(self, c: T) -> Var<'t, T> {
        let value = self.value_ref().sub_scalar(c);
        self.unary(UnaryKind::AddScalar(-c), value)
    }

    /// `c·x`; d/dx = `c`.
    pub fn mul_scalar(self, c: T) -> Var<'t, T> {
        let value = self.value_ref().mul_scalar(c);
        self.unary(UnaryKind::MulScalar(c), value)
    }

    /// `x/c`; d/dx = `1/c`.
    pub fn div_scalar(self, c: T) -> Var<'t, T> {
        let value = self.value_ref().div_scalar(c);
        self.unary(UnaryKind::DivScalar(c), value)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Tape, Tensor};

    fn grad_at(x: f64, f: impl for<'t> Fn(crate::Var<'t, f64>) -> crate::Var<'t, f64>) -> f64 {
        let tape = Tape::<f64>::new();
        let v = tape.leaf(Tensor::scalar(x));
        let grads = tape.backward(f(v));
        grads.wrt(v).unwrap().item()
    }

    #[test]
    fn sigmoid_grad_at_minus_90_is_zero_and_finite() {
        let g = grad_at(-90.0, |v| v.sigmoid());
        assert!(g.is_finite());
        // σ'(-90) = e⁻⁹⁰/(1+e⁻⁹⁰)² ≈ 8e-40: representable in f64.
        assert!((0.0..1e-38).contains(&g), "{g}");
    }

    #[test]
    fn tanh_grad_at_30_is_finite() {
        assert_eq!(grad_at(30.0, |v| v.tanh()), 0.0);
        assert_eq!(grad_at(-30.0, |v| v.tanh()), 0.0);
    }

    #[test]
    fn relu_grad_at_zero_is_zero() {
        assert_eq!(grad_at(0.0, |v| v.relu()), 0.0);
        assert_eq!(grad_at(2.0, |v| v.relu()), 1.0);
    }
}
