//! Gradient checking: the tape's gradients against central finite
//! differences, in `f64`.
//!
//! [`check_gradients`] takes a function of one or more tensors written with
//! the tape and compares every element of every input's gradient with
//! `(L(x + eps) - L(x - eps)) / 2eps`, PyTorch's `gradcheck` defaults
//! (`eps = 1e-6`, `atol = 1e-5`, `rtol = 1e-3`). A non-scalar output is
//! reduced to `L = Σ w ⊙ f(x)` with fixed random weights `w`, so every
//! output element's gradient is exercised. [`CheckMode::Fast`] compares one
//! random directional derivative `vᵀJu` instead: two evaluations in all.
//!
//! ```
//! use gradflow::check::check_gradients;
//! use gradflow::Tensor;
//!
//! let x = Tensor::<f64>::from_vec(vec![0.3, -1.2, 2.0], [3])?;
//! check_gradients(|v| v[0].tanh().mul(v[0]), &[x])?;
//! # Ok::<(), gradflow::Error>(())
//! ```
//!
//! When a closure's lifetimes get in the way (for instance when it is
//! stored in a variable before being passed), write a named function with
//! the lifetime spelled out:
//!
//! ```
//! use gradflow::check::check_gradients;
//! use gradflow::{Tensor, Var};
//!
//! fn weighted<'t>(v: &[Var<'t, f64>]) -> Var<'t, f64> {
//!     v[0].matmul(v[1]).sigmoid()
//! }
//!
//! let a = Tensor::<f64>::from_vec(vec![0.1, 0.2, 0.3, 0.4], [2, 2])?;
//! let b = Tensor::<f64>::from_vec(vec![1.0, -1.0, 0.5, 2.0], [2, 2])?;
//! check_gradients(weighted, &[a, b])?;
//! # Ok::<(), gradflow::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;
use crate::{Rng, SeedableRng};

/// What the checker compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckMode {
    /// Every element of every input's gradient (two evaluations each).
    #[default]
    Full,
    /// One random directional derivative `vᵀJu` (two evaluations in all).
    Fast,
}

/// Tolerances and mode of a gradient check; the defaults are PyTorch's
/// `gradcheck` defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckOptions {
    /// Finite-difference step.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance, against the numeric value.
    pub rtol: f64,
    /// Full or fast.
    pub mode: CheckMode,
    /// Seed of the output weights `w` and fast-mode directions.
    pub seed: u64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
            mode: CheckMode::Full,
            seed: 0,
        }
    }
}

/// Checks `f`'s gradients with the default options.
///
/// # Errors
/// [`Error::GradientMismatch`] naming the worst disagreeing element.
pub fn check_gradients<F>(f: F, inputs: &[Tensor<f64>]) -> Result<()>
where
    F: for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>,
{
    check_gradients_with(f, inputs, &CheckOptions::default())
}

/// Checks `f`'s gradients with the given options.
///
/// # Errors
/// [`Error::GradientMismatch`] (full mode) naming the input, the element,
/// the analytic and the numeric value of the worst disagreement;
/// [`Error::DirectionalMismatch`] in fast mode.
pub fn check_gradients_with<F>(f: F, inputs: &[Tensor<f64>], options: &CheckOptions) -> Result<()>
where
    F: for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>,
{
    let mut rng = Rng::seed_from_u64(options.seed);
    let out_shape = {
        let tape = Tape::<f64>::new();
        let vars: Vec<_> = inputs.iter().map(|t| tape.constant(t.clone())).collect();
        f(&vars).shape()
    };
    let weights = Tensor::<f64>::uniform(out_shape, 0.5, 1.5, &mut rng);
    let loss = |xs: &[Tensor<f64>]| -> f64 {
        let tape = Tape::<f64>::new();
        let vars: Vec<_> = xs.iter().map(|t| tape.constant(t.clone())).collect();
        f(&vars).value().mul(&weights).sum_all().item()
    };
    let analytic = {
        let tape = Tape::<f64>::new();
        let vars: Vec<_> = inputs.iter().map(|t| tape.leaf(t.clone())).collect();
        let out = f(&vars);
        let grads = tape.backward_with_seed(out, weights.clone());
        vars.iter()
            .zip(inputs)
            .map(|(&v, x)| {
                grads
                    .wrt(v)
                    .cloned()
                    .unwrap_or_else(|| Tensor::zeros(x.shape_ref()))
            })
            .collect::<Vec<_>>()
    };
    let close = |a: f64, n: f64| (a - n).abs() <= options.atol + options.rtol * n.abs();
    match options.mode {
        CheckMode::Full => {
            let mut worst: Option<(f64, Error)> = None;
            let mut xs = inputs.to_vec();
            for (input, grad) in analytic.iter().enumerate() {
                for e in 0..xs[input].numel() {
                    let original = xs[input].data()[e];
                    xs[input].data_mut()[e] = original + options.eps;
                    let plus = loss(&xs);
                    xs[input].data_mut()[e] = original - options.eps;
                    let minus = loss(&xs);
                    xs[input].data_mut()[e] = original;
                    let numeric = (plus - minus) / (2.0 * options.eps);
                    let a = grad.data()[e];
                    if !close(a, numeric) {
                        let excess = (a - numeric).abs() - options.rtol * numeric.abs();
                        if worst
                            .as_ref()
                            .is_none_or(|(w, _)| excess > *w || excess.is_nan())
                        {
                            let index = unravel(e, xs[input].shape());
                            let err = Error::GradientMismatch {
                                input,
                                index,
                                analytic: a,
                                numeric,
                            };
                            worst = Some((excess, err));
                        }
                    }
                }
            }
            worst.map_or(Ok(()), |(_, e)| Err(e))
        }
        CheckMode::Fast => {
            let directions: Vec<Tensor<f64>> = inputs
                .iter()
                .map(|x| Tensor::uniform(x.shape_ref(), -1.0, 1.0, &mut rng))
                .collect();
            let a: f64 = analytic
                .iter()
                .zip(&directions)
                .map(|(g, u)| g.mul(u).sum_all().item())
                .sum();
            let shifted = |sign: f64| -> Vec<Tensor<f64>> {
                inputs
                    .iter()
                    .zip(&directions)
                    .map(|(x, u)| x.add(&u.mul_scalar(sign * options.eps)))
                    .collect()
            };
            let numeric = (loss(&shifted(1.0)) - loss(&shifted(-1.0))) / (2.0 * options.eps);
            if close(a, numeric) {
                Ok(())
            } else {
                Err(Error::DirectionalMismatch {
                    analytic: a,
                    numeric,
                })
            }
        }
    }
}

/// The multi-dimensional index of flat position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &d) in index.iter_mut().zip(shape).rev() {
        *slot = flat % d;
        flat /= d;
    }
    index
}

/// Checks a layer's gradients — with respect to its input and to every
/// parameter — against central finite differences, with the default
/// tolerances. The output is reduced with fixed random weights as in
/// [`check_gradients`]. The layer runs in whatever mode it is in (a batch
/// norm in training mode normalizes with each evaluation's own batch
/// statistics, so its check covers the statistics' gradient too).
///
/// ```
/// use gradflow::check::check_layer;
/// use gradflow::nn::{Dense, Init};
/// use gradflow::{Rng, SeedableRng, Tensor};
///
/// let mut rng = Rng::seed_from_u64(0);
/// let mut layer = Dense::<f64>::new(3, 2, Init::xavier_uniform(), &mut rng);
/// let x = Tensor::normal([4, 3], 0.0, 1.0, &mut rng);
/// check_layer(&mut layer, &x)?;
/// # Ok::<(), gradflow::Error>(())
/// ```
///
/// # Errors
/// [`Error::GradientMismatch`]: `input` 0 is the layer's input, `input`
/// `k ≥ 1` the `k`-th parameter in visiting order.
pub fn check_layer<L: crate::nn::Layer<f64> + ?Sized>(
    layer: &mut L,
    input: &Tensor<f64>,
) -> Result<()> {
    let options = CheckOptions::default();
    let mut rng = Rng::seed_from_u64(options.seed);
    let weights = {
        let tape = Tape::<f64>::new();
        let shape = layer.forward(tape.constant(input.clone())).shape();
        Tensor::<f64>::uniform(shape, 0.5, 1.5, &mut rng)
    };
    let loss = |layer: &mut L, x: &Tensor<f64>| -> f64 {
        let tape = Tape::<f64>::new();
        layer
            .forward(tape.constant(x.clone()))
            .value()
            .mul(&weights)
            .sum_all()
            .item()
    };
    // Analytic gradients: the input's, then each parameter's in order.
    let mut analytic = Vec::new();
    {
        let tape = Tape::<f64>::new();
        let x = tape.leaf(input.clone());
        let out = layer.forward(x);
        let grads = tape.backward_with_seed(out, weights.clone());
        analytic.push(
            grads
                .wrt(x)
                .cloned()
                .unwrap_or_else(|| Tensor::zeros(input.shape_ref())),
        );
        layer.visit_params(&mut |_, p| {
            analytic.push(
                grads
                    .get(p)
                    .cloned()
                    .unwrap_or_else(|| Tensor::zeros(p.value().shape_ref())),
            );
        });
    }
    let close = |a: f64, n: f64| (a - n).abs() <= options.atol + options.rtol * n.abs();
    let mut worst: Option<(f64, Error)> = None;
    let mut consider = |input_no: usize, e: usize, shape: &[usize], a: f64, numeric: f64| {
        if !close(a, numeric) {
            let excess = (a - numeric).abs() - options.rtol * numeric.abs();
            if worst
                .as_ref()
                .is_none_or(|(w, _)| excess > *w || excess.is_nan())
            {
                let err = Error::GradientMismatch {
                    input: input_no,
                    index: unravel(e, shape),
                    analytic: a,
                    numeric,
                };
                worst = Some((excess, err));
            }
        }
    };
    let mut x = input.clone();
    for e in 0..x.numel() {
        let original = x.data()[e];
        x.data_mut()[e] = original + options.eps;
        let plus = loss(layer, &x);
        x.data_mut()[e] = original - options.eps;
        let minus = loss(layer, &x);
        x.data_mut()[e] = original;
        consider(
            0,
            e,
            x.shape(),
            analytic[0].data()[e],
            (plus - minus) / (2.0 * options.eps),
        );
    }
    let mut count = 0;
    layer.visit_params(&mut |_, _| count += 1);
    for k in 0..count {
        let numel = nth_param(layer, k, |p| p.numel());
        for e in 0..numel {
            let original = nth_param(layer, k, |p| p.value().data()[e]);
            nth_param(layer, k, |p| {
                p.value_mut().data_mut()[e] = original + options.eps
            });
            let plus = loss(layer, input);
            nth_param(layer, k, |p| {
                p.value_mut().data_mut()[e] = original - options.eps
            });
            let minus = loss(layer, input);
            nth_param(layer, k, |p| p.value_mut().data_mut()[e] = original);
            let shape = nth_param(layer, k, |p| p.shape().to_vec());
            consider(
                k + 1,
                e,
                &shape,
                analytic[k + 1].data()[e],
                (plus - minus) / (2.0 * options.eps),
            );
        }
    }
    worst.map_or(Ok(()), |(_, e)| Err(e))
}

/// Runs `f` on the `k`-th parameter of `layer` (visiting order).
fn nth_param<L: crate::nn::Layer<f64> + ?Sized, R>(
    layer: &mut L,
    k: usize,
    f: impl FnOnce(&mut crate::Param<f64>) -> R,
) -> R {
    let mut f = Some(f);
    let mut out = None;
    let mut i = 0;
    layer.visit_params_mut(&mut |_, p| {
        if i == k
            && let Some(f) = f.take()
        {
            out = Some(f(p));
        }
        i += 1;
    });
    // `k` counts the parameters of this same layer (the caller's loop runs
    // over `num_params` of it), so the visit reaches index `k`.
    #[allow(clippy::expect_used)]
    out.expect("parameter index in range")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomOp;

    /// `x²` with a deliberately wrong backward (`x` instead of `2x`).
    struct WrongSquare;

    impl CustomOp<f64> for WrongSquare {
        fn name(&self) -> &str {
            "wrong_square"
        }
        fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
            inputs[0].square()
        }
        fn backward(
            &self,
            inputs: &[&Tensor<f64>],
            _output: &Tensor<f64>,
            grad: &Tensor<f64>,
        ) -> Vec<Option<Tensor<f64>>> {
            vec![Some(grad.mul(inputs[0]))]
        }
    }

    #[test]
    fn checker_fails_on_a_wrong_backward_and_names_the_element() {
        let x = Tensor::<f64>::from_vec(vec![1.0, -2.0, 30.0], [3]).unwrap();
        let err = check_gradients(
            |v| Var::custom(WrongSquare, &[v[0]]),
            std::slice::from_ref(&x),
        )
        .unwrap_err();
        match err {
            Error::GradientMismatch {
                input,
                index,
                analytic,
                numeric,
            } => {
                assert_eq!(input, 0);
                // The worst element is the largest |x|: index 2 (x = 30), whatever the weights in [0.5, 1.5].
                assert_eq!(index, vec![2]);
                assert!(
                    (numeric / analytic - 2.0).abs() < 1e-6,
                    "{analytic} vs {numeric}"
                );
            }
            other => panic!("unexpected error {other:?}"),
        }
        let fast = CheckOptions {
            mode: CheckMode::Fast,
            ..CheckOptions::default()
        };
        let err = check_gradients_with(|v| Var::custom(WrongSquare, &[v[0]]), &[x], &fast);
        assert!(matches!(err, Err(Error::DirectionalMismatch { .. })));
    }

    #[test]
    fn checker_passes_a_correct_function_in_both_modes() {
        let a = Tensor::<f64>::from_vec(vec![0.5, -0.3, 0.8, 1.1, -0.7, 0.2], [2, 3]).unwrap();
        let b = Tensor::<f64>::from_vec(vec![0.1, 0.2, 0.3], [3]).unwrap();
        fn f<'t>(v: &[Var<'t, f64>]) -> Var<'t, f64> {
            (v[0] * v[1]).tanh().sum(&[1], false)
        }
        check_gradients(f, &[a.clone(), b.clone()]).unwrap();
        let fast = CheckOptions {
            mode: CheckMode::Fast,
            ..CheckOptions::default()
        };
        check_gradients_with(f, &[a, b], &fast).unwrap();
    }

    /// A layer `y = WrongSquare(x·w)`: its backward is wrong by a factor 2.
    struct BrokenLayer {
        w: crate::Param<f64>,
    }

    impl crate::nn::Module<f64> for BrokenLayer {
        fn visit_params(&self, f: &mut dyn FnMut(&str, &crate::Param<f64>)) {
            f("w", &self.w);
        }
        fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut crate::Param<f64>)) {
            f("w", &mut self.w);
        }
        fn describe(&self) -> String {
            "BrokenLayer".to_string()
        }
    }

    impl crate::nn::Layer<f64> for BrokenLayer {
        fn forward<'t>(&mut self, x: Var<'t, f64>) -> Var<'t, f64> {
            let w = x.tape().param(&self.w);
            Var::custom(WrongSquare, &[x * w])
        }
    }

    #[test]
    fn check_layer_fails_on_a_wrong_backward() {
        let mut layer = BrokenLayer {
            w: crate::Param::new(Tensor::from_vec(vec![1.5, -2.0], [2]).unwrap()),
        };
        let x = Tensor::from_vec(vec![0.5, 1.0, -1.5, 2.0], [2, 2]).unwrap();
        let err = check_layer(&mut layer, &x).unwrap_err();
        assert!(matches!(err, Error::GradientMismatch { .. }), "{err:?}");
    }

    #[test]
    fn unravel_inverts_row_major_order() {
        assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
        assert_eq!(unravel(0, &[]), Vec::<usize>::new());
    }
}
