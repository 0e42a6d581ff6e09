//! Stochastic gradient descent with momentum, dampening, Nesterov momentum
//! and L2 weight decay (`torch.optim.SGD`).

use std::collections::BTreeMap;

use super::{
    Optimizer, StateReader, StateWriter, UpdateNorms, ensure, for_each_update, invalid_argument,
    named_states, non_negative, param_infos, split_update, state_name,
};
use crate::error::Result;
use crate::io::StateDict;
use crate::nn::Module;
use crate::scalar::Scalar;
use crate::tape::{Grads, ParamId};
use crate::tensor::Tensor;

/// SGD's momentum variant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Momentum {
    /// Plain SGD (`momentum=0`).
    #[default]
    None,
    /// Heavy-ball momentum `μ` (`momentum=μ, nesterov=False`). `Classic(0.0)`
    /// is plain SGD, as PyTorch's `momentum=0`.
    Classic(f64),
    /// Nesterov momentum `μ > 0` (`momentum=μ, nesterov=True`); needs
    /// `dampening = 0`, checked by [`Sgd::new`].
    Nesterov(f64),
}

impl Momentum {
    fn value(self) -> f64 {
        match self {
            Momentum::None => 0.0,
            Momentum::Classic(m) | Momentum::Nesterov(m) => m,
        }
    }
}

/// [`Sgd`]'s hyperparameters. The defaults are PyTorch's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    /// Learning rate (default `1e-3`).
    pub lr: f64,
    /// Momentum (default none).
    pub momentum: Momentum,
    /// Dampening of the gradient's contribution to the momentum buffer
    /// (default 0). Must be 0 with Nesterov momentum.
    pub dampening: f64,
    /// L2 penalty added to the gradient, `g + wd·θ` (default 0).
    pub weight_decay: f64,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 1e-3,
            momentum: Momentum::None,
            dampening: 0.0,
            weight_decay: 0.0,
        }
    }
}

impl SgdConfig {
    /// PyTorch's `ValueError` checks.
    fn validate(&self) -> std::result::Result<(), String> {
        let c = *self;
        ensure(non_negative(c.lr), || {
            format!("invalid learning rate {}", c.lr)
        })?;
        let m = c.momentum.value();
        ensure(non_negative(m), || format!("invalid momentum {m}"))?;
        ensure(non_negative(c.weight_decay), || {
            format!("invalid weight decay {}", c.weight_decay)
        })?;
        ensure(c.dampening.is_finite(), || {
            format!("invalid dampening {}", c.dampening)
        })?;
        if let Momentum::Nesterov(m) = c.momentum {
            ensure(m > 0.0 && c.dampening == 0.0, || {
                format!(
                    "nesterov momentum needs momentum > 0 and zero dampening (got momentum {m}, dampening {})",
                    c.dampening
                )
            })?;
        }
        Ok(())
    }
}

/// Stochastic gradient descent, `torch.optim.SGD` (`maximize=False`):
///
/// ```text
/// g ← g + wd·θ                          (if wd ≠ 0)
/// b ← g                                 (first step)
/// b ← μ·b + (1 - dampening)·g           (later steps)
/// g ← g + μ·b  (Nesterov)  or  g ← b    (if μ ≠ 0)
/// θ ← θ - lr·g
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<T: Scalar = f32> {
    config: SgdConfig,
    /// Momentum buffers.
    buffers: BTreeMap<ParamId, Tensor<T>>,
}

impl<T: Scalar> Sgd<T> {
    /// An optimizer with the given hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a
    /// negative learning rate, momentum or weight decay, or Nesterov
    /// momentum with `μ = 0` or non-zero dampening (PyTorch's `ValueError`s).
    pub fn new(config: SgdConfig) -> Result<Sgd<T>> {
        config.validate().map_err(invalid_argument("Sgd::new"))?;
        Ok(Sgd {
            config,
            buffers: BTreeMap::new(),
        })
    }

    /// The hyperparameters.
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }

    /// The momentum buffer of a parameter, once it has one.
    pub fn momentum_buffer(&self, id: ParamId) -> Option<&Tensor<T>> {
        self.buffers.get(&id)
    }
}

impl<T: Scalar> Optimizer<T> for Sgd<T> {
    fn step(&mut self, model: &mut dyn Module<T>, grads: &Grads<T>) -> UpdateNorms {
        let c = self.config;
        let lr = T::of(c.lr);
        let wd = T::of(c.weight_decay);
        let mu_f = c.momentum.value();
        let mu = T::of(mu_f);
        let one_minus_damp = T::of(1.0 - c.dampening);
        let nesterov = matches!(c.momentum, Momentum::Nesterov(_));
        let buffers = &mut self.buffers;
        for_each_update("Sgd::step", model, grads, |id, shape, theta, g, acc| {
            let buf = if mu_f != 0.0 {
                Some(match buffers.entry(id) {
                    std::collections::btree_map::Entry::Occupied(e) => (e.into_mut(), false),
                    std::collections::btree_map::Entry::Vacant(e) => {
                        (e.insert(Tensor::zeros(shape)), true)
                    }
                })
            } else {
                None
            };
            let n = theta.len();
            let g = &g[..n];
            let first = buf.as_ref().is_some_and(|(_, first)| *first);
            let b = buf.map(|(b, _)| &mut b.data_mut()[..n]);
            // Every condition is decided here, outside the loops, and the
            // closures hold copies (`move`): a condition read through a
            // reference was re-read every iteration and kept the loop scalar.
            // Each case is then a plain zipped loop that vectorizes.
            let wd_on = c.weight_decay != 0.0;
            split_update(n, (theta, g, b), acc, |(theta, g, b), acc| {
                crate::dispatch::with_avx2(
                    #[inline(always)]
                    || match b {
                        None => acc.update(theta, move |r, t| {
                            for (t, &gi) in t.iter_mut().zip(&g[r]) {
                                let gi = if wd_on { gi + wd * *t } else { gi };
                                *t -= lr * gi;
                            }
                        }),
                        Some(b) => acc.update(theta, move |r, t| {
                            for ((t, &gi), bi) in t.iter_mut().zip(&g[r.clone()]).zip(&mut b[r]) {
                                let gi = if wd_on { gi + wd * *t } else { gi };
                                // The first step seeds the buffer with the gradient.
                                *bi = if first {
                                    gi
                                } else {
                                    *bi * mu + one_minus_damp * gi
                                };
                                let step = if nesterov { gi + mu * *bi } else { *bi };
                                *t -= lr * step;
                            }
                        }),
                    },
                );
            });
        })
    }

    fn learning_rate(&self) -> f64 {
        self.config.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.config.lr = lr;
    }

    fn state_dict(&self, model: &dyn Module<T>) -> StateDict {
        let mut w = StateWriter::new();
        for (name, buf) in named_states(model, &self.buffers) {
            w.tensor(state_name(&name, "momentum_buffer"), buf);
        }
        let c = self.config;
        w.hyper("lr", c.lr);
        w.hyper("momentum", c.momentum.value());
        w.hyper("dampening", c.dampening);
        w.hyper("weight_decay", c.weight_decay);
        w.flag("nesterov", matches!(c.momentum, Momentum::Nesterov(_)));
        w.dict
    }

    fn load_state_dict(&mut self, model: &dyn Module<T>, state: &StateDict) -> Result<()> {
        const CONTEXT: &str = "Sgd::load_state_dict";
        let mut r = StateReader::new(CONTEXT, state);
        let lr = r.hyper("lr")?;
        let momentum = r.hyper("momentum")?;
        let dampening = r.hyper("dampening")?;
        let weight_decay = r.hyper("weight_decay")?;
        let nesterov = r.flag("nesterov")?;
        let config = SgdConfig {
            lr,
            momentum: if nesterov {
                Momentum::Nesterov(momentum)
            } else if momentum == 0.0 {
                Momentum::None
            } else {
                Momentum::Classic(momentum)
            },
            dampening,
            weight_decay,
        };
        config
            .validate()
            .map_err(|reason| r.error("param_groups.0", reason))?;
        let params = param_infos(model);
        let mut buffers = BTreeMap::new();
        if momentum != 0.0 {
            for p in &params {
                let name = state_name(&p.name, "momentum_buffer");
                if r.has(&name) {
                    buffers.insert(p.id, r.tensor(&name, &p.shape)?);
                }
            }
        }
        r.finish(&params, "momentum_buffer")?;
        self.config = config;
        self.buffers = buffers;
        Ok(())
    }
}
