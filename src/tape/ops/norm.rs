//! Fused normalization: batch norm (training mode) and layer norm. One node
//! each, with the closed-form backward, instead of a dozen elementwise
//! nodes: faster, and the gradient of the statistics is exact.
//!
//! Both normalize groups of `M` elements: `x̂ = (x - μ)·s` with `μ` the
//! group mean, `s = 1/√(σ² + eps)` and `σ²` the biased group variance, then
//! `y = γ·x̂ + β`. With `g = γ·dy`, the input gradient is
//! `dx = s/M · (M·g - Σg - x̂·Σ(g·x̂))` (sums over the group),
//! `dγ = Σ dy·x̂` and `dβ = Σ dy` (sums over everything a parameter touches).

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::Tensor;

use super::Op;
use super::norm_kernels::{self as kernels, Layout, moments};

pub(crate) struct NormOp<T: Scalar> {
    x: usize,
    gamma: Option<usize>,
    beta: Option<usize>,
    layout: Layout,
    /// Per-group mean and `1/√(σ² + eps)`.
    mean: Vec<T>,
    invstd: Vec<T>,
}

impl<T: Scalar> NormOp<T> {
    pub(crate) fn name(&self) -> &'static str {
        match self.layout {
            Layout::Channels { .. } => "batch_norm",
            Layout::Rows { .. } => "layer_norm",
        }
    }

    pub(crate) fn inputs(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.x).chain(self.gamma).chain(self.beta)
    }

    pub(crate) fn backward(&self, dy: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let x = ctx.value(self.x).clone();
        let layout = self.layout;
        let gamma_t = self.gamma.map(|g| ctx.value(g).clone());
        let ones;
        let gamma = match &gamma_t {
            Some(t) => t.data(),
            None => {
                ones = vec![T::one(); affine_len(layout)];
                &ones
            }
        };
        let (xd, dyd) = (x.data(), dy.data());
        let sums = kernels::backward_sums(xd, dyd, layout, &self.mean, &self.invstd, gamma);
        if ctx.needs(self.x) {
            let dx = Tensor::build(x.shape_ref().clone(), |out| {
                let (mean, invstd) = (&self.mean, &self.invstd);
                kernels::backward_dx(xd, dyd, layout, mean, invstd, gamma, &sums, out);
            });
            ctx.send(self.x, dx);
        }
        if let Some(gi) = self.gamma
            && ctx.needs(gi)
        {
            let shape = ctx.value(gi).shape_ref().clone();
            ctx.send(gi, Tensor::from_parts(sums.dgamma, shape));
        }
        if let Some(bi) = self.beta
            && ctx.needs(bi)
        {
            let shape = ctx.value(bi).shape_ref().clone();
            ctx.send(bi, Tensor::from_parts(sums.dbeta, shape));
        }
    }
}

/// Entries of `γ` and `β`: one per channel, or one per normalized element.
fn affine_len(layout: Layout) -> usize {
    match layout {
        Layout::Channels { c, .. } => c,
        Layout::Rows { d, .. } => d,
    }
}

/// Normalizes and applies the affine transform; returns the op's output.
fn normalize<T: Scalar>(
    x: &Tensor<T>,
    layout: Layout,
    mean: &[T],
    invstd: &[T],
    gamma: Option<&Tensor<T>>,
    beta: Option<&Tensor<T>>,
) -> Tensor<T> {
    let len = affine_len(layout);
    let ones;
    let gamma = match gamma {
        Some(g) => g.data(),
        None => {
            ones = vec![T::one(); len];
            &ones
        }
    };
    let zeros;
    let beta = match beta {
        Some(b) => b.data(),
        None => {
            zeros = vec![T::zero(); len];
            &zeros
        }
    };
    Tensor::build(x.shape_ref().clone(), |out| {
        kernels::normalize(x.data(), layout, mean, invstd, gamma, beta, out);
    })
}

/// Batch statistics returned by [`Var::batch_norm`] for the running
/// averages: per-channel mean and biased variance.
pub struct BatchStats<T: Scalar> {
    /// Per-channel mean.
    pub mean: Tensor<T>,
    /// Per-channel biased variance (divide by `M`, the count per channel).
    pub var: Tensor<T>,
    /// Elements per channel (`N·L`), to turn `var` into the unbiased estimate.
    pub count: usize,
}

impl<'t, T: Scalar> Var<'t, T> {
    /// Batch normalization with batch statistics (training mode) over an
    /// input `[N, C]` or `[N, C, L]`: each channel is normalized by its
    /// mean and biased variance over `N` (and `L`), then scaled by `gamma`
    /// and shifted by `beta` (each `[C]`, optional). Returns the output and
    /// the statistics, for the caller's running averages.
    ///
    /// # Panics
    /// If the input is not 2-D or 3-D, the affine shapes differ from `[C]`,
    /// or a channel has a single value (as PyTorch raises).
    #[track_caller]
    pub fn batch_norm(
        self,
        gamma: Option<Var<'t, T>>,
        beta: Option<Var<'t, T>>,
        eps: T,
    ) -> (Var<'t, T>, BatchStats<T>) {
        let shape = self.shape();
        // `[N, C, ...]`: every position after the channel axis is one more
        // sample of its channel (`[N, C, L]`, `[N, C, H, W]`).
        let (n, c, l) = match *shape.dims() {
            [n, c, ref rest @ ..] => (n, c, rest.iter().product()),
            _ => panic!("batch_norm: expects an input [N, C, ...], got {shape:?}"),
        };
        assert!(
            n * l > 1,
            "batch_norm: expected more than 1 value per channel when training, got input of shape {shape:?} \
             (use a batch larger than 1, or evaluation mode)"
        );
        let layout = Layout::Channels { n, c, l };
        self.norm_op(layout, gamma, beta, eps, c, "batch_norm")
    }

    /// Layer normalization over the trailing dimensions whose product is
    /// `normalized_len` (PyTorch's `normalized_shape`): each group of the
    /// last `normalized_len` elements is normalized by its own mean and
    /// biased variance, then scaled by `gamma` and shifted by `beta` (each
    /// of `normalized_len` elements, optional).
    ///
    /// # Panics
    /// If `normalized_len` does not divide the input, or the affine sizes differ.
    #[track_caller]
    pub fn layer_norm(
        self,
        normalized_len: usize,
        gamma: Option<Var<'t, T>>,
        beta: Option<Var<'t, T>>,
        eps: T,
    ) -> Var<'t, T> {
        let numel = self.value_ref().numel();
        assert!(
            normalized_len > 0 && numel.is_multiple_of(normalized_len),
            "layer_norm: normalized size {normalized_len} does not divide the input of shape {:?}",
            self.shape()
        );
        let layout = Layout::Rows {
            rows: numel / normalized_len,
            d: normalized_len,
        };
        self.norm_op(layout, gamma, beta, eps, normalized_len, "layer_norm")
            .0
    }

    #[track_caller]
    fn norm_op(
        self,
        layout: Layout,
        gamma: Option<Var<'t, T>>,
        beta: Option<Var<'t, T>>,
        eps: T,
        affine_len: usize,
        op_name: &str,
    ) -> (Var<'t, T>, BatchStats<T>) {
        for v in [gamma, beta].into_iter().flatten() {
            self.same_tape(op_name, v);
            let len = v.value_ref().numel();
            assert!(
                len == affine_len,
                "{op_name}: affine parameter of shape {:?} has {len} elements; it needs {affine_len}",
                v.shape()
            );
        }
        let gamma_t = gamma.map(|g| g.value());
        let beta_t = beta.map(|b| b.value());
        let (value, mean, var, invstd) = {
            let x = self.value_ref();
            let (mean, var) = moments(x.data(), layout);
            let invstd: Vec<T> = var.iter().map(|&v| (v + eps).sqrt().recip()).collect();
            let y = normalize(
                &x,
                layout,
                &mean,
                &invstd,
                gamma_t.as_ref(),
                beta_t.as_ref(),
            );
            (y, mean, var, invstd)
        };
        let stats = BatchStats {
            mean: Tensor::from_parts(mean.clone(), [mean.len()].into()),
            var: Tensor::from_parts(var.clone(), [var.len()].into()),
            count: layout.group_size(),
        };
        let op = NormOp {
            x: self.index(),
            gamma: gamma.map(|g| g.index()),
            beta: beta.map(|b| b.index()),
            layout,
            mean,
            invstd,
        };
        (self.tape().record(value, Op::Norm(Box::new(op))), stats)
    }
}

#[cfg(test)]
mod tests {
    use crate::check::check_gradients;
    use crate::{Tape, Tensor};

    fn data(shape: &[usize], seed: u64) -> Tensor<f64> {
        use crate::{Rng, SeedableRng};
        Tensor::normal(shape, 0.3, 1.5, &mut Rng::seed_from_u64(seed))
    }

    #[test]
    fn batch_norm_output_has_zero_mean_unit_variance_per_channel() {
        let tape = Tape::<f64>::new();
        let x = tape.constant(data(&[16, 3], 1));
        let (y, stats) = x.batch_norm(None, None, 0.0);
        let y = y.value();
        let mean = y.mean(&[0], false);
        let var = y.var(&[0], 0, false);
        for c in 0..3 {
            assert!(mean.data()[c].abs() < 1e-12);
            assert!((var.data()[c] - 1.0).abs() < 1e-9);
        }
        assert_eq!(stats.count, 16);
    }

    #[test]
    fn batch_norm_grad_matches_finite_differences() {
        for shape in [vec![5, 3], vec![4, 2, 3]] {
            let c = shape[1];
            check_gradients(
                |v| v[0].batch_norm(Some(v[1]), Some(v[2]), 1e-5).0.square(),
                &[data(&shape, 2), data(&[c], 3), data(&[c], 4)],
            )
            .unwrap();
        }
    }

    #[test]
    fn layer_norm_grad_matches_finite_differences() {
        check_gradients(
            |v| v[0].layer_norm(4, Some(v[1]), Some(v[2]), 1e-5).square(),
            &[data(&[3, 4], 5), data(&[4], 6), data(&[4], 7)],
        )
        .unwrap();
        check_gradients(
            |v| v[0].layer_norm(6, None, None, 1e-5).sin_free(),
            &[data(&[2, 2, 3], 8)],
        )
        .unwrap();
    }

    #[test]
    #[should_panic(expected = "batch_norm: expected more than 1 value per channel when training")]
    fn batch_norm_of_one_example_panics() {
        let tape = Tape::<f32>::new();
        let _ = tape
            .constant(Tensor::ones([1, 4]))
            .batch_norm(None, None, 1e-5);
    }

    trait SinFree<'t> {
        fn sin_free(self) -> crate::Var<'t, f64>;
    }

    impl<'t> SinFree<'t> for crate::Var<'t, f64> {
        /// A non-linear function of the output, so the check sees more than
        /// the (zero) gradient of a plain sum of normalized values.
        fn sin_free(self) -> crate::Var<'t, f64> {
            (self * self * self).tanh()
        }
    }
}
