//! Fused losses (mean reduction, as PyTorch): one node each, with
//! numerically stable forwards (the kernels in `tensor/loss.rs`) and
//! closed-form rules. Every output is a rank-0 tensor, so each rule reads
//! the upstream gradient `g` as a scalar.
//!
//! Nothing is saved beyond the node values: the cross-entropy rule
//! recomputes `softmax(x)` from the logits node (one max-shifted pass, so
//! logits near ±1e4 give finite gradients); the class-index losses keep a
//! copy of their targets.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::unary::sigmoid;
use crate::tensor::{Indices, Tensor};

use super::Op;

/// A recorded loss: its inputs (node indices) and, for the class-index
/// losses, the targets.
pub(crate) enum LossOp {
    CrossEntropy {
        logits: usize,
        /// Boxed to keep `Op` small, as `IndexOp` does.
        targets: Box<Indices>,
        /// Stored as `f64` (exact for `f32` too) so the op needs no `T`.
        label_smoothing: f64,
    },
    Nll {
        log_probs: usize,
        targets: Box<Indices>,
    },
    BceWithLogits {
        x: usize,
        y: usize,
    },
    Mse {
        a: usize,
        b: usize,
    },
}

impl LossOp {
    /// The input node indices.
    pub(crate) fn inputs(&self) -> impl Iterator<Item = usize> {
        let (first, second) = match *self {
            LossOp::CrossEntropy { logits, .. } => (logits, None),
            LossOp::Nll { log_probs, .. } => (log_probs, None),
            LossOp::BceWithLogits { x, y } => (x, Some(y)),
            LossOp::Mse { a, b } => (a, Some(b)),
        };
        std::iter::once(first).chain(second)
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            LossOp::CrossEntropy { .. } => "cross_entropy",
            LossOp::Nll { .. } => "nll",
            LossOp::BceWithLogits { .. } => "bce_with_logits",
            LossOp::Mse { .. } => "mse",
        }
    }

    pub(crate) fn backward<T: Scalar>(&self, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let g = g.item();
        match self {
            LossOp::CrossEntropy {
                logits,
                targets,
                label_smoothing,
            } => {
                let dx =
                    cross_entropy_grad(ctx.value(*logits), targets, T::of(*label_smoothing), g);
                ctx.send(*logits, dx);
            }
            LossOp::Nll { log_probs, targets } => {
                let dx = nll_grad(ctx.value(*log_probs), targets, g);
                ctx.send(*log_probs, dx);
            }
            &LossOp::BceWithLogits { x, y } => {
                let (xv, yv) = (ctx.value(x).clone(), ctx.value(y).clone());
                let scale = g / T::of(xv.numel() as f64);
                if ctx.needs(x) {
                    ctx.send(x, xv.zip_map(&yv, |x, y| (sigmoid(x) - y) * scale));
                }
                if ctx.needs(y) {
                    ctx.send(y, xv.map(|x| -x * scale));
                }
            }
            &LossOp::Mse { a, b } => {
                let (av, bv) = (ctx.value(a), ctx.value(b));
                let scale = T::of(2.0) * g / T::of(av.numel() as f64);
                let da = av.zip_map(bv, |a, b| (a - b) * scale);
                if ctx.needs(b) {
                    ctx.send(b, da.neg());
                }
                ctx.send(a, da);
            }
        }
    }
}

/// `∂L/∂x = g·(softmax(x) - q)/N` with `q = (1-ε)·onehot(t) + ε/C`: the
/// softmax is recomputed, max-shifted, from the logits.
fn cross_entropy_grad<T: Scalar>(x: &Tensor<T>, targets: &Indices, eps: T, g: T) -> Tensor<T> {
    let (n, c) = (x.shape()[0], x.shape()[1]);
    let scale = g / T::of(n as f64);
    let on_target = T::one() - eps;
    let spread = eps / T::of(c as f64);
    let mut dx = x.softmax(1);
    let d = dx.data_mut(); // a fresh buffer: no copy
    for (i, &t) in targets.data().iter().enumerate() {
        let row = &mut d[i * c..(i + 1) * c];
        row[t] -= on_target;
        for v in row {
            *v = (*v - spread) * scale;
        }
    }
    dx
}

/// `∂L/∂lp[i, c] = -g/N` where `c = tᵢ`, 0 elsewhere.
fn nll_grad<T: Scalar>(lp: &Tensor<T>, targets: &Indices, g: T) -> Tensor<T> {
    let (n, c) = (lp.shape()[0], lp.shape()[1]);
    let mut dx = Tensor::zeros(lp.shape_ref().clone());
    let d = dx.data_mut();
    let value = -g / T::of(n as f64);
    for (i, &t) in targets.data().iter().enumerate() {
        d[i * c + t] = value;
    }
    dx
}

impl<'t, T: Scalar> Var<'t, T> {
    fn record_loss(self, value: T, op: LossOp) -> Var<'t, T> {
        self.tape().record(Tensor::scalar(value), Op::Loss(op))
    }

    /// Cross-entropy of `[N, C]` logits against `[N]` class indices, as
    /// `torch.nn.functional.cross_entropy` (mean reduction):
    /// `L = mean_i -log softmax(x)_{i,tᵢ}`, a rank-0 var.
    /// ∂L/∂x = `(softmax(x) - onehot(t))/N`, computed from a max-shifted
    /// softmax: finite for logits near ±1e4.
    ///
    /// # Panics
    /// If the logits are not `[N, C]`, the targets not `[N]`, or a class
    /// index is `>= C`.
    #[track_caller]
    pub fn cross_entropy(self, targets: &Indices) -> Var<'t, T> {
        self.cross_entropy_smoothed(targets, T::zero())
    }

    /// Cross-entropy with label smoothing `ε`, as
    /// `torch.nn.functional.cross_entropy(label_smoothing=ε)`: the target
    /// distribution is `q = (1-ε)·onehot(t) + ε/C`, so
    /// `L = mean_i [(1-ε)·(-log p_{i,tᵢ}) + ε/C · Σ_c (-log p_{i,c})]`.
    /// ∂L/∂x = `(softmax(x) - q)/N`. `ε = 0` is [`Var::cross_entropy`].
    ///
    /// # Panics
    /// As [`Var::cross_entropy`], or if `ε` is outside `[0, 1]`.
    #[track_caller]
    pub fn cross_entropy_smoothed(self, targets: &Indices, label_smoothing: T) -> Var<'t, T> {
        let value = self.value().cross_entropy(targets, label_smoothing);
        let op = LossOp::CrossEntropy {
            logits: self.index(),
            targets: Box::new(targets.clone()),
            label_smoothing: label_smoothing.as_f64(),
        };
        self.record_loss(value, op)
    }

    /// Negative log-likelihood of `[N, C]` log-probabilities against `[N]`
    /// class indices, as `torch.nn.functional.nll_loss` (mean reduction):
    /// `L = -mean_i lp[i, tᵢ]`. ∂L/∂lp = `-onehot(t)/N`.
    ///
    /// # Panics
    /// If the input is not `[N, C]`, the targets not `[N]`, or a class
    /// index is `>= C`.
    #[track_caller]
    pub fn nll(self, targets: &Indices) -> Var<'t, T> {
        let value = self.value().nll(targets);
        let op = LossOp::Nll {
            log_probs: self.index(),
            targets: Box::new(targets.clone()),
        };
        self.record_loss(value, op)
    }

    /// Binary cross-entropy of logits `x` (this var) against targets `y`
    /// of the same shape, as
    /// `torch.nn.functional.binary_cross_entropy_with_logits` (mean
    /// reduction), in PyTorch's stable form
    /// `L = mean((1 - y)·x - logsigmoid(x))`,
    /// `logsigmoid(x) = min(x, 0) - ln(1 + e^{-|x|})` (NaN where PyTorch's
    /// is: `(±inf, 1)` and `(-inf, 0)`).
    /// ∂L/∂x = `(σ(x) - y)/numel`, ∂L/∂y = `-x/numel`.
    ///
    /// # Panics
    /// If the shapes differ or the vars live on different tapes.
    #[track_caller]
    pub fn bce_with_logits(self, targets: Var<'t, T>) -> Var<'t, T> {
        self.same_tape("bce_with_logits", targets);
        let value = self
            .value()
            .binary_cross_entropy_with_logits(&targets.value());
        let op = LossOp::BceWithLogits {
            x: self.index(),
            y: targets.index(),
        };
        self.record_loss(value, op)
    }

    /// Mean squared error `L = mean((a - b)²)`, as
    /// `torch.nn.functional.mse_loss` (mean reduction), for `a` (this var)
    /// and `b` of the same shape. ∂L/∂a = `2(a - b)/numel`, ∂L/∂b =
    /// `-2(a - b)/numel`.
    ///
    /// # Panics
    /// If the shapes differ or the vars live on different tapes.
    #[track_caller]
    pub fn mse(self, target: Var<'t, T>) -> Var<'t, T> {
        self.same_tape("mse", target);
        let value = self.value().mse(&target.value());
        let op = LossOp::Mse {
            a: self.index(),
            b: target.index(),
        };
        self.record_loss(value, op)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Indices, Scalar, Tape, Tensor, Var};

    /// The loss value and the gradient of every input, on a fresh tape.
    fn run<T: Scalar>(
        inputs: &[Tensor<T>],
        f: impl for<'t> Fn(&[Var<'t, T>]) -> Var<'t, T>,
    ) -> (T, Vec<Tensor<T>>) {
        let tape = Tape::<T>::new();
        let vars: Vec<_> = inputs.iter().map(|x| tape.leaf(x.clone())).collect();
        let loss = f(&vars);
        assert_eq!(loss.shape().dims(), [0usize; 0], "losses are rank 0");
        let value = loss.item();
        let grads = tape.backward(loss);
        let grads = vars
            .iter()
            .map(|&v| grads.wrt(v).unwrap().clone())
            .collect();
        (value, grads)
    }

    fn t64(data: &[f64], shape: &[usize]) -> Tensor<f64> {
        Tensor::from_slice(data, shape).unwrap()
    }

    #[track_caller]
    fn assert_close(got: &[f64], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= tol * (1.0 + w.abs()),
                "element {i}: got {g}, want {w} (tol {tol})\n got {got:?}\nwant {want:?}"
            );
        }
    }

    fn as_f64<T: Scalar>(t: &Tensor<T>) -> Vec<f64> {
        t.data().iter().map(|x| x.as_f64()).collect()
    }

    /// Row 0: `[1e4, -1e4, 0, 9999]`, target 0. Only classes 0 and 3
    /// survive the shift (the others are e^-1e4 = 0 even in f64), so
    /// p = [1, 0, 0, e⁻¹]/(1 + e⁻¹) and -log p₀ = ln(1 + e⁻¹).
    /// Row 1: `[-1e4, -9998, -1e4, -1e4]`, target 2. With m = -9998,
    /// Σ exp(x - m) = 1 + 3e⁻², so -log p₂ = 2 + ln(1 + 3e⁻²),
    /// p₁ = 1/(1 + 3e⁻²) and the other three are e⁻²/(1 + 3e⁻²).
    fn huge_logits_case<T: Scalar>(tol: f64) {
        let x: Tensor<T> = t64(
            &[1e4, -1e4, 0.0, 9999.0, -1e4, -9998.0, -1e4, -1e4],
            &[2, 4],
        )
        .cast();
        let targets = Indices::new(&[0, 2]);
        let (loss, grads) = run(std::slice::from_ref(&x), |v| v[0].cross_entropy(&targets));
        assert!(loss.is_finite() && grads[0].all_finite());
        let e1 = (-1.0f64).exp();
        let e2 = (-2.0f64).exp();
        let want = ((1.0 + e1).ln() + 2.0 + (1.0 + 3.0 * e2).ln()) / 2.0;
        assert_close(&[loss.as_f64()], &[want], tol);
        let (p0, p3) = (1.0 / (1.0 + e1), e1 / (1.0 + e1));
        let (big, small) = (1.0 / (1.0 + 3.0 * e2), e2 / (1.0 + 3.0 * e2));
        // (softmax - onehot)/N with N = 2.
        let want_grad = [
            (p0 - 1.0) / 2.0,
            0.0,
            0.0,
            p3 / 2.0,
            small / 2.0,
            big / 2.0,
            (small - 1.0) / 2.0,
            small / 2.0,
        ];
        assert_close(&as_f64(&grads[0]), &want_grad, tol);
        // Label smoothing adds the ε/C-weighted -log p of every class,
        // up to 2e4 here: large but finite.
        let (smoothed, grads) = run(&[x], |v| v[0].cross_entropy_smoothed(&targets, T::of(0.1)));
        assert!(smoothed.is_finite() && grads[0].all_finite());
        assert!(smoothed > loss);
    }

    #[test]
    fn cross_entropy_of_logits_near_1e4_is_finite_with_correct_grad_f64() {
        huge_logits_case::<f64>(1e-12);
    }

    #[test]
    fn cross_entropy_of_logits_near_1e4_is_finite_with_correct_grad_f32() {
        huge_logits_case::<f32>(1e-6);
    }

    /// x = ±100 with y ∈ {0, 1}: a naive `-(y ln σ(x) + (1-y) ln(1-σ(x)))`
    /// gives 0·(-inf) = NaN in f32; the stable form gives per-element
    /// losses ≈ 0, 0, 100, 100 (mean 50).
    fn bce_at_100_case<T: Scalar>() {
        let x: Tensor<T> = t64(&[100.0, -100.0, 100.0, -100.0], &[2, 2]).cast();
        let y: Tensor<T> = t64(&[1.0, 0.0, 0.0, 1.0], &[2, 2]).cast();
        let (loss, grads) = run(&[x, y], |v| v[0].bce_with_logits(v[1]));
        assert!(loss.is_finite());
        assert!(grads.iter().all(Tensor::all_finite));
        assert_close(&[loss.as_f64()], &[50.0], 1e-6);
        // (σ(x) - y)/4 and -x/4.
        assert_close(&as_f64(&grads[0]), &[0.0, 0.0, 0.25, -0.25], 1e-6);
        assert_close(&as_f64(&grads[1]), &[-25.0, 25.0, -25.0, 25.0], 1e-6);
    }

    #[test]
    fn bce_with_logits_at_plus_minus_100_is_finite() {
        bce_at_100_case::<f32>();
        bce_at_100_case::<f64>();
    }

    #[test]
    fn label_smoothing_zero_equals_plain_cross_entropy() {
        let x = t64(
            &[
                0.3, -1.2, 2.0, 0.7, 1.1, 0.0, -0.4, 0.9, -2.5, 1.5, 0.2, 0.1,
            ],
            &[3, 4],
        );
        let targets = Indices::new(&[3, 0, 1]);
        let plain = run(std::slice::from_ref(&x), |v| v[0].cross_entropy(&targets));
        let smoothed = run(std::slice::from_ref(&x), |v| {
            v[0].cross_entropy_smoothed(&targets, 0.0)
        });
        assert_eq!(plain.0, smoothed.0);
        assert_eq!(plain.1[0], smoothed.1[0]);
        // And both agree with the unfused log_softmax → nll.
        let unfused = run(&[x], |v| v[0].log_softmax(1).nll(&targets));
        assert_close(&[plain.0], &[unfused.0], 1e-14);
        assert_close(&as_f64(&plain.1[0]), &as_f64(&unfused.1[0]), 1e-14);
    }

    /// Logits `[[1, 2, 3], [1, 1, 1]]`, targets `[2, 0]`, from the
    /// textbook (unshifted) softmax: row 0 has p_c = e^{x_c}/(e + e² + e³),
    /// row 1 is uniform, so -log p_c = ln 3 for every c.
    #[test]
    fn cross_entropy_hand_computed_2x3() {
        let x = t64(&[1.0, 2.0, 3.0, 1.0, 1.0, 1.0], &[2, 3]);
        let targets = Indices::new(&[2, 0]);
        let e = std::f64::consts::E;
        let s = e + e * e + e * e * e;
        let p0 = [e / s, e * e / s, e * e * e / s];
        let third = 1.0 / 3.0;

        // ε = 0: (-ln p₀₂ + ln 3)/2 = (ln(1 + e⁻¹ + e⁻²) + ln 3)/2.
        let (loss, grads) = run(std::slice::from_ref(&x), |v| v[0].cross_entropy(&targets));
        assert_close(&[loss], &[0.753_109_126_556_245_1], 1e-14);
        assert_close(&[loss], &[(-p0[2].ln() + 3f64.ln()) / 2.0], 1e-14);
        let want = [
            p0[0] / 2.0,
            p0[1] / 2.0,
            (p0[2] - 1.0) / 2.0,
            (third - 1.0) / 2.0,
            third / 2.0,
            third / 2.0,
        ];
        assert_close(&as_f64(&grads[0]), &want, 1e-14);

        // ε = 0.3: q = 0.7·onehot + 0.1. Row 0: 0.7·(-ln p₀₂) + 0.1·Σ -ln p₀c;
        // row 1: 0.7·ln 3 + 0.1·3 ln 3 = ln 3.
        let (loss, grads) = run(&[x], |v| v[0].cross_entropy_smoothed(&targets, 0.3));
        let row0 = 0.7 * -p0[2].ln() + 0.1 * p0.iter().map(|p| -p.ln()).sum::<f64>();
        assert_close(&[loss], &[(row0 + 3f64.ln()) / 2.0], 1e-14);
        let want = [
            (p0[0] - 0.1) / 2.0,
            (p0[1] - 0.1) / 2.0,
            (p0[2] - 0.8) / 2.0,
            (third - 0.8) / 2.0,
            (third - 0.1) / 2.0,
            (third - 0.1) / 2.0,
        ];
        assert_close(&as_f64(&grads[0]), &want, 1e-14);
    }

    #[test]
    fn nll_hand_computed_2x3() {
        let lp = t64(&[-1.2, -0.5, -2.0, -0.1, -3.0, -2.5], &[2, 3]);
        let targets = Indices::new(&[1, 0]);
        let (loss, grads) = run(&[lp], |v| v[0].nll(&targets));
        // -(-0.5 + -0.1)/2
        assert_close(&[loss], &[0.3], 1e-15);
        assert_eq!(grads[0].to_vec(), vec![0.0, -0.5, 0.0, -0.5, 0.0, 0.0]);
    }

    #[test]
    fn bce_with_logits_hand_computed_2x3() {
        let xs = [0.0, 1.0, -2.0, 3.0, -0.5, 0.25];
        let ys = [0.0, 1.0, 0.5, 1.0, 0.0, 0.3];
        let (loss, grads) = run(&[t64(&xs, &[2, 3]), t64(&ys, &[2, 3])], |v| {
            v[0].bce_with_logits(v[1])
        });
        // The textbook form, fine for moderate logits.
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let naive: f64 = xs
            .iter()
            .zip(&ys)
            .map(|(&x, &y)| -(y * sig(x).ln() + (1.0 - y) * (1.0 - sig(x)).ln()))
            .sum::<f64>()
            / 6.0;
        assert_close(&[loss], &[naive], 1e-14);
        // First element alone: x = 0, y = 0 gives ln 2.
        assert_close(
            &[t64(&[0.0], &[1]).binary_cross_entropy_with_logits(&t64(&[0.0], &[1]))],
            &[std::f64::consts::LN_2],
            1e-15,
        );
        let dx: Vec<f64> = xs
            .iter()
            .zip(&ys)
            .map(|(&x, &y)| (sig(x) - y) / 6.0)
            .collect();
        let dy: Vec<f64> = xs.iter().map(|&x| -x / 6.0).collect();
        assert_close(&as_f64(&grads[0]), &dx, 1e-14);
        assert_close(&as_f64(&grads[1]), &dy, 1e-14);
    }

    #[test]
    fn mse_hand_computed_2x3() {
        let a = t64(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        let b = t64(&[1.0, 0.0, 3.0, 2.0, 5.0, 9.0], &[2, 3]);
        let (loss, grads) = run(&[a, b], |v| v[0].mse(v[1]));
        // a - b = [0, 2, 0, 2, 0, -3]: (4 + 4 + 9)/6.
        assert_close(&[loss], &[17.0 / 6.0], 1e-15);
        // ±2(a - b)/6 = ±(a - b)/3.
        let third = 1.0 / 3.0;
        assert_close(
            &as_f64(&grads[0]),
            &[0.0, 2.0 * third, 0.0, 2.0 * third, 0.0, -1.0],
            1e-15,
        );
        assert_close(
            &as_f64(&grads[1]),
            &[0.0, -2.0 * third, 0.0, -2.0 * third, 0.0, 1.0],
            1e-15,
        );
    }

    /// A loss of `(x, y, targets)`, each using the inputs it needs.
    type LossFn = for<'t> fn(Var<'t, f64>, Var<'t, f64>, &Indices) -> Var<'t, f64>;

    #[test]
    fn rules_scale_by_the_upstream_gradient() {
        let x = t64(&[0.5, -1.0, 2.0, 0.1], &[2, 2]);
        let y = t64(&[0.2, 0.9, 0.4, 0.0], &[2, 2]);
        let targets = Indices::new(&[1, 0]);
        let losses: [LossFn; 4] = [
            |x, _, t| x.cross_entropy_smoothed(t, 0.2),
            |x, _, t| x.nll(t),
            |x, y, _| x.bce_with_logits(y),
            |x, y, _| x.mse(y),
        ];
        for f in losses {
            let grads_with = |seed: f64| {
                let tape = Tape::<f64>::new();
                let (xv, yv) = (tape.leaf(x.clone()), tape.leaf(y.clone()));
                let out = f(xv, yv, &targets);
                let g = tape.backward_with_seed(out, Tensor::scalar(seed));
                let dy = g.wrt(yv).map(|t| t.mul_scalar(1.0 / seed));
                (g.wrt(xv).unwrap().mul_scalar(1.0 / seed), dy)
            };
            let (one, three) = (grads_with(1.0), grads_with(3.0));
            assert_close(&one.0.to_vec(), &three.0.to_vec(), 1e-15);
            assert_eq!(one.1.is_some(), three.1.is_some());
            if let (Some(a), Some(b)) = (one.1, three.1) {
                assert_close(&a.to_vec(), &b.to_vec(), 1e-15);
            }
        }
    }

    #[test]
    fn constant_targets_get_no_gradient_and_the_tape_names_the_op() {
        let tape = Tape::<f64>::new();
        let x = tape.leaf(t64(&[0.5, -1.0], &[2]));
        let y = tape.constant(t64(&[1.0, 0.0], &[2]));
        let loss = x.bce_with_logits(y);
        let printed = format!("{tape}");
        assert!(printed.contains("bce_with_logits(#0, #1)"), "{printed}");
        let grads = tape.backward(loss);
        assert!(grads.wrt(y).is_none());
        assert!(grads.wrt(x).is_some());
        // A loss of constants is recorded as a constant.
        let tape = Tape::<f64>::new();
        let c = tape.constant(t64(&[1.0, 2.0], &[1, 2]));
        assert!(!c.cross_entropy(&Indices::new(&[1])).requires_grad());
    }

    #[test]
    #[should_panic(
        expected = "cross_entropy: class index 7 is out of range for 5 classes (logits shape [4, 5])"
    )]
    fn cross_entropy_class_out_of_range_panics() {
        let tape = Tape::<f32>::new();
        let x = tape.leaf(Tensor::zeros([4, 5]));
        let _ = x.cross_entropy(&Indices::new(&[0, 1, 7, 2]));
    }

    #[test]
    #[should_panic(
        expected = "nll: class index 3 is out of range for 3 classes (log_probs shape [1, 3])"
    )]
    fn nll_class_out_of_range_panics() {
        let tape = Tape::<f32>::new();
        let _ = tape.leaf(Tensor::zeros([1, 3])).nll(&Indices::new(&[3]));
    }

    #[test]
    #[should_panic(expected = "cross_entropy: logits must have shape [N, C], got [6]")]
    fn cross_entropy_of_rank_1_logits_panics() {
        let tape = Tape::<f32>::new();
        let _ = tape
            .leaf(Tensor::zeros([6]))
            .cross_entropy(&Indices::new(&[0]));
    }

    #[test]
    #[should_panic(
        expected = "binary_cross_entropy_with_logits: input shape [2, 3] and target shape [3] differ"
    )]
    fn bce_shape_mismatch_panics() {
        let tape = Tape::<f32>::new();
        let x = tape.leaf(Tensor::zeros([2, 3]));
        let _ = x.bce_with_logits(tape.constant(Tensor::zeros([3])));
    }

    #[test]
    #[should_panic(expected = "mse: input shape [2] and target shape [2, 1] differ")]
    fn mse_shape_mismatch_panics() {
        let tape = Tape::<f32>::new();
        let x = tape.leaf(Tensor::zeros([2]));
        let _ = x.mse(tape.constant(Tensor::zeros([2, 1])));
    }
}
