//! RMSprop (`torch.optim.RMSprop`), plain or centered, with momentum.

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

/// [`RmsProp`]'s hyperparameters. The defaults are PyTorch's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsPropConfig {
    /// Learning rate (default `1e-2`).
    pub lr: f64,
    /// Smoothing constant of the squared-gradient average (default `0.99`).
    pub alpha: f64,
    /// Added to the denominator (default `1e-8`).
    pub eps: f64,
    /// L2 penalty added to the gradient, `g + wd·θ` (default 0).
    pub weight_decay: f64,
    /// Momentum (default 0: none).
    pub momentum: f64,
    /// Normalize by the estimated variance `E[g²] - E[g]²` instead of the
    /// raw second moment (default off).
    pub centered: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        RmsPropConfig {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
        }
    }
}

impl RmsPropConfig {
    /// PyTorch's `ValueError` checks.
    fn validate(&self) -> std::result::Result<(), String> {
        let c = *self;
        ensure(non_negative(c.lr), || {
            format!("invalid learning rate {}", c.lr)
        })?;
        ensure(non_negative(c.eps), || format!("invalid epsilon {}", c.eps))?;
        ensure(non_negative(c.momentum), || {
            format!("invalid momentum {}", c.momentum)
        })?;
        ensure(non_negative(c.weight_decay), || {
            format!("invalid weight decay {}", c.weight_decay)
        })?;
        ensure(non_negative(c.alpha), || {
            format!("invalid alpha {}", c.alpha)
        })?;
        Ok(())
    }
}

/// One parameter's RMSprop state.
#[derive(Debug, Clone)]
struct RmsPropState<T: Scalar> {
    step: u64,
    square_avg: Tensor<T>,
    /// Only with momentum > 0.
    momentum_buffer: Option<Tensor<T>>,
    /// Only when centered.
    grad_avg: Option<Tensor<T>>,
}

/// RMSprop, PyTorch's single-tensor algorithm (`maximize=False`):
///
/// ```text
/// g ← g + wd·θ                              (if wd ≠ 0)
/// s ← α·s + (1-α)·g²
/// centered:  ḡ ← α·ḡ + (1-α)·g;  a = sqrt(s - ḡ²) + eps
/// otherwise: a = sqrt(s) + eps
/// momentum μ > 0:  b ← μ·b + g/a;  θ ← θ - lr·b     (b starts at 0)
/// otherwise:       θ ← θ - lr·g/a
/// ```
#[derive(Debug, Clone)]
pub struct RmsProp<T: Scalar = f32> {
    config: RmsPropConfig,
    states: BTreeMap<ParamId, RmsPropState<T>>,
}

impl<T: Scalar> RmsProp<T> {
    /// An optimizer with the given hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a
    /// negative learning rate, epsilon, momentum, weight decay or alpha
    /// (PyTorch's `ValueError`s).
    pub fn new(config: RmsPropConfig) -> Result<RmsProp<T>> {
        config
            .validate()
            .map_err(invalid_argument("RmsProp::new"))?;
        Ok(RmsProp {
            config,
            states: BTreeMap::new(),
        })
    }

    /// The hyperparameters.
    pub fn config(&self) -> &RmsPropConfig {
        &self.config
    }

    /// How many updates a parameter has received (0 if none).
    pub fn step_count(&self, id: ParamId) -> u64 {
        self.states.get(&id).map_or(0, |s| s.step)
    }
}

impl<T: Scalar> Optimizer<T> for RmsProp<T> {
    fn step(&mut self, model: &mut dyn Module<T>, grads: &Grads<T>) -> UpdateNorms {
        let c = self.config;
        let lr = T::of(c.lr);
        let wd = T::of(c.weight_decay);
        let alpha = T::of(c.alpha);
        let one_minus_alpha = T::of(1.0 - c.alpha);
        let eps = T::of(c.eps);
        let mu = T::of(c.momentum);
        let use_momentum = c.momentum > 0.0;
        let states = &mut self.states;
        for_each_update("RmsProp::step", model, grads, |id, shape, theta, g, acc| {
            let st = states.entry(id).or_insert_with(|| RmsPropState {
                step: 0,
                square_avg: Tensor::zeros(shape),
                momentum_buffer: None,
                grad_avg: None,
            });
            if use_momentum && st.momentum_buffer.is_none() {
                st.momentum_buffer = Some(Tensor::zeros(shape));
            }
            if c.centered && st.grad_avg.is_none() {
                st.grad_avg = Some(Tensor::zeros(shape));
            }
            st.step += 1;
            let n = theta.len();
            let g = &g[..n];
            let sq = &mut st.square_avg.data_mut()[..n];
            let buf = match (&mut st.momentum_buffer, use_momentum) {
                (Some(b), true) => Some(&mut b.data_mut()[..n]),
                _ => None,
            };
            let grad_avg = match (&mut st.grad_avg, c.centered) {
                (Some(a), true) => Some(&mut a.data_mut()[..n]),
                _ => None,
            };
            // RMSprop is rare in the workloads this crate is tuned for: one
            // general loop, its branches loop-invariant.
            let parts = (theta, g, sq, buf, grad_avg);
            split_update(
                n,
                parts,
                acc,
                |(theta, g, sq, mut buf, mut grad_avg), acc| {
                    acc.update(theta, move |r, t| {
                        for (j, t) in t.iter_mut().enumerate() {
                            let i = r.start + j;
                            let old = *t;
                            let mut gi = g[i];
                            if c.weight_decay != 0.0 {
                                gi += wd * old;
                            }
                            // square_avg.mul_(α).addcmul_(g, g, value=1-α)
                            sq[i] = sq[i] * alpha + one_minus_alpha * gi * gi;
                            let avg = match grad_avg.as_deref_mut() {
                                Some(ga) => {
                                    ga[i] = alpha * ga[i] + one_minus_alpha * gi;
                                    // square_avg.addcmul(ḡ, ḡ, value=-1).sqrt_()
                                    (sq[i] + -ga[i] * ga[i]).sqrt()
                                }
                                None => sq[i].sqrt(),
                            } + eps;
                            *t = match buf.as_deref_mut() {
                                Some(b) => {
                                    // buf.mul_(μ).addcdiv_(g, avg); param.add_(buf, alpha=-lr)
                                    b[i] = b[i] * mu + gi / avg;
                                    old + -lr * b[i]
                                }
                                // param.addcdiv_(g, avg, value=-lr)
                                None => old + -lr * gi / avg,
                            };
                        }
                    });
                },
            );
        })
    }

    fn learning_rate(&self) -> f64 {
        self.config.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.config.lr = lr;
    }

    fn state_dict(&self, model: &dyn Module<T>) -> StateDict {
        let c = self.config;
        let mut w = StateWriter::new();
        for (name, st) in named_states(model, &self.states) {
            w.count(state_name(&name, "step"), st.step);
            w.tensor(state_name(&name, "square_avg"), &st.square_avg);
            if let (true, Some(b)) = (c.momentum > 0.0, &st.momentum_buffer) {
                w.tensor(state_name(&name, "momentum_buffer"), b);
            }
            if let (true, Some(a)) = (c.centered, &st.grad_avg) {
                w.tensor(state_name(&name, "grad_avg"), a);
            }
        }
        w.hyper("lr", c.lr);
        w.hyper("alpha", c.alpha);
        w.hyper("eps", c.eps);
        w.hyper("weight_decay", c.weight_decay);
        w.hyper("momentum", c.momentum);
        w.flag("centered", c.centered);
        w.dict
    }

    fn load_state_dict(&mut self, model: &dyn Module<T>, state: &StateDict) -> Result<()> {
        let mut r = StateReader::new("RmsProp::load_state_dict", state);
        let config = RmsPropConfig {
            lr: r.hyper("lr")?,
            alpha: r.hyper("alpha")?,
            eps: r.hyper("eps")?,
            weight_decay: r.hyper("weight_decay")?,
            momentum: r.hyper("momentum")?,
            centered: r.flag("centered")?,
        };
        config
            .validate()
            .map_err(|reason| r.error("param_groups.0", reason))?;
        let params = param_infos(model);
        let mut states = BTreeMap::new();
        for p in &params {
            let step = state_name(&p.name, "step");
            if !r.has(&step) {
                continue;
            }
            let field = |f: &str| state_name(&p.name, f);
            let st = RmsPropState {
                step: r.count(&step)?,
                square_avg: r.tensor(&field("square_avg"), &p.shape)?,
                momentum_buffer: if config.momentum > 0.0 {
                    Some(r.tensor(&field("momentum_buffer"), &p.shape)?)
                } else {
                    None
                },
                grad_avg: if config.centered {
                    Some(r.tensor(&field("grad_avg"), &p.shape)?)
                } else {
                    None
                },
            };
            states.insert(p.id, st);
        }
        r.finish(&params, "step")?;
        self.config = config;
        self.states = states;
        Ok(())
    }
}
