//! Adam and AdamW (`torch.optim.Adam`, `torch.optim.AdamW`), with AMSGrad.
//!
//! One type covers both: AdamW is Adam with decoupled weight decay (PyTorch
//! itself implements `AdamW` as `Adam(decoupled_weight_decay=True)` since
//! 2.6). The weight-decay mode is one enum, [`WeightDecay`], so "L2 and
//! decoupled at once" cannot be written, and the state format and update
//! loop are shared. [`AdamConfig::default`] is `torch.optim.Adam`'s
//! defaults, [`AdamConfig::adamw`] is `torch.optim.AdamW`'s.

use std::collections::BTreeMap;

use super::{
    Optimizer, StateReader, StateWriter, UpdateNorms, ensure, for_each_update, invalid_argument,
    named_states, nan_max, non_negative, param_infos, split_update, state_name,
};
use crate::error::Result;
use crate::io::StateDict;
use crate::nn::Module;
use crate::scalar::Scalar;
use crate::tape::{Grads, ParamId};
use crate::tensor::Tensor;

/// How Adam applies weight decay.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum WeightDecay {
    /// None (`weight_decay=0`).
    #[default]
    None,
    /// L2 penalty added to the gradient before the moments, `g ← g + wd·θ`
    /// (`torch.optim.Adam(weight_decay=wd)`).
    L2(f64),
    /// Decoupled weight decay, `θ ← θ·(1 - lr·wd)` before the Adam update
    /// (`torch.optim.AdamW(weight_decay=wd)`).
    Decoupled(f64),
}

impl WeightDecay {
    fn value(self) -> f64 {
        match self {
            WeightDecay::None => 0.0,
            WeightDecay::L2(w) | WeightDecay::Decoupled(w) => w,
        }
    }
}

/// [`Adam`]'s hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate (default `1e-3`).
    pub lr: f64,
    /// Decay rates `(β1, β2)` of the first and second moment averages
    /// (default `(0.9, 0.999)`).
    pub betas: (f64, f64),
    /// Added to the denominator (default `1e-8`).
    pub eps: f64,
    /// Weight decay (Adam's default: none; AdamW's: `Decoupled(1e-2)`).
    pub weight_decay: WeightDecay,
    /// AMSGrad: divide by the running maximum of the second moment
    /// (default off).
    pub amsgrad: bool,
}

impl Default for AdamConfig {
    /// `torch.optim.Adam`'s defaults.
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: WeightDecay::None,
            amsgrad: false,
        }
    }
}

impl AdamConfig {
    /// `torch.optim.AdamW`'s defaults: Adam's, with
    /// `weight_decay = Decoupled(1e-2)`.
    pub fn adamw() -> AdamConfig {
        AdamConfig {
            weight_decay: WeightDecay::Decoupled(1e-2),
            ..AdamConfig::default()
        }
    }

    /// PyTorch's `ValueError` checks.
    fn validate(&self) -> std::result::Result<(), String> {
        let c = *self;
        let (b1, b2) = c.betas;
        ensure(non_negative(c.lr), || {
            format!("invalid learning rate {}", c.lr)
        })?;
        ensure(non_negative(c.eps), || format!("invalid epsilon {}", c.eps))?;
        ensure(non_negative(b1) && b1 < 1.0, || {
            format!("invalid beta1 {b1} (needs 0 ≤ β1 < 1)")
        })?;
        ensure(non_negative(b2) && b2 < 1.0, || {
            format!("invalid beta2 {b2} (needs 0 ≤ β2 < 1)")
        })?;
        let wd = c.weight_decay.value();
        ensure(non_negative(wd), || format!("invalid weight decay {wd}"))?;
        Ok(())
    }
}

/// One parameter's Adam state.
#[derive(Debug, Clone)]
struct AdamState<T: Scalar> {
    step: u64,
    exp_avg: Tensor<T>,
    exp_avg_sq: Tensor<T>,
    /// Only with AMSGrad.
    max_exp_avg_sq: Option<Tensor<T>>,
}

/// Adam and AdamW, PyTorch's single-tensor algorithm (`maximize=False`,
/// `capturable=False`), per parameter with its own step count `t`:
///
/// ```text
/// t ← t + 1
/// g ← g + wd·θ                      (WeightDecay::L2)
/// θ ← θ·(1 - lr·wd)                 (WeightDecay::Decoupled)
/// m ← β1·m + (1-β1)·g
/// v ← β2·v + (1-β2)·g²
/// v̂ ← max(v̂, v); use v̂ for v       (AMSGrad)
/// bc1 = 1 - β1^t,  bc2 = 1 - β2^t    (in f64)
/// step_size = lr / bc1
/// denom = sqrt(v) / sqrt(bc2) + eps
/// θ ← θ - step_size·m / denom
/// ```
#[derive(Debug, Clone)]
pub struct Adam<T: Scalar = f32> {
    config: AdamConfig,
    states: BTreeMap<ParamId, AdamState<T>>,
}

impl<T: Scalar> Adam<T> {
    /// An optimizer with the given hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a
    /// negative learning rate, epsilon or weight decay, or a beta outside
    /// `[0, 1)` (PyTorch's `ValueError`s).
    pub fn new(config: AdamConfig) -> Result<Adam<T>> {
        config.validate().map_err(invalid_argument("Adam::new"))?;
        Ok(Adam {
            config,
            states: BTreeMap::new(),
        })
    }

    /// The hyperparameters.
    pub fn config(&self) -> &AdamConfig {
        &self.config
    }

    /// How many updates a parameter has received (0 if none).
    pub fn step_count(&self, id: ParamId) -> u64 {
        self.states.get(&id).map_or(0, |s| s.step)
    }
}

impl<T: Scalar> Optimizer<T> for Adam<T> {
    fn step(&mut self, model: &mut dyn Module<T>, grads: &Grads<T>) -> UpdateNorms {
        let c = self.config;
        let (beta1, beta2) = c.betas;
        let (b1, b2) = (T::of(beta1), T::of(beta2));
        let (one_minus_b1, one_minus_b2) = (T::of(1.0 - beta1), T::of(1.0 - beta2));
        let eps = T::of(c.eps);
        let (l2, decay) = match c.weight_decay {
            WeightDecay::L2(w) if w != 0.0 => (Some(T::of(w)), None),
            WeightDecay::Decoupled(w) if w != 0.0 => (None, Some(T::of(1.0 - c.lr * w))),
            _ => (None, None),
        };
        let states = &mut self.states;
        for_each_update("Adam::step", model, grads, |id, shape, theta, g, acc| {
            let n = theta.len();
            let st = states.entry(id).or_insert_with(|| AdamState {
                step: 0,
                exp_avg: Tensor::zeros(shape),
                exp_avg_sq: Tensor::zeros(shape),
                max_exp_avg_sq: c.amsgrad.then(|| Tensor::zeros(shape)),
            });
            if c.amsgrad && st.max_exp_avg_sq.is_none() {
                st.max_exp_avg_sq = Some(Tensor::zeros(shape));
            }
            st.step += 1;
            // Python floats in PyTorch: f64 whatever the parameter's dtype.
            let t = st.step as f64;
            let bias_correction1 = 1.0 - beta1.powf(t);
            let bias_correction2 = 1.0 - beta2.powf(t);
            let step_size = T::of(c.lr / bias_correction1);
            let bc2_sqrt = T::of(bias_correction2.sqrt());
            let g = &g[..n];
            let m = &mut st.exp_avg.data_mut()[..n];
            let v = &mut st.exp_avg_sq.data_mut()[..n];
            let v_max = match (&mut st.max_exp_avg_sq, c.amsgrad) {
                (Some(vm), true) => Some(&mut vm.data_mut()[..n]),
                _ => None,
            };
            // One zipped loop per case, the conditions decided outside it,
            // so that it vectorizes. PyTorch's order of operations:
            // exp_avg.lerp_(g, 1-β1); exp_avg_sq.mul_(β2).addcmul_(g, g,
            // value=1-β2); param.addcdiv_(m, √v/√bc2 + eps, value=-step_size).
            let parts = (theta, g, m, v, v_max);
            split_update(n, parts, acc, |(theta, g, m, v, mut v_max), acc| {
                crate::dispatch::with_avx2(
                    #[inline(always)]
                    || {
                        // `move`: the closure holds copies of the scalars (a
                        // value read through a reference was re-read every
                        // iteration).
                        acc.update(theta, move |r, t| {
                            let (g, m, v) = (&g[r.clone()], &mut m[r.clone()], &mut v[r.clone()]);
                            let mut vm = v_max.as_deref_mut().map(|vm| &mut vm[r]);
                            for (j, ((t, &gi), (mi, vi))) in t
                                .iter_mut()
                                .zip(g)
                                .zip(m.iter_mut().zip(v.iter_mut()))
                                .enumerate()
                            {
                                let mut p = *t;
                                let mut gi = gi;
                                if let Some(wd) = l2 {
                                    gi += wd * p;
                                }
                                if let Some(decay) = decay {
                                    p *= decay;
                                }
                                *mi = b1 * *mi + one_minus_b1 * gi;
                                *vi = *vi * b2 + one_minus_b2 * gi * gi;
                                let second = match vm.as_deref_mut() {
                                    Some(vm) => {
                                        vm[j] = nan_max(vm[j], *vi);
                                        vm[j]
                                    }
                                    None => *vi,
                                };
                                *t = p + -step_size * *mi / (second.sqrt() / bc2_sqrt + eps);
                            }
                        })
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
        for (name, st) in named_states(model, &self.states) {
            w.count(state_name(&name, "step"), st.step);
            w.tensor(state_name(&name, "exp_avg"), &st.exp_avg);
            w.tensor(state_name(&name, "exp_avg_sq"), &st.exp_avg_sq);
            if let (true, Some(vm)) = (self.config.amsgrad, &st.max_exp_avg_sq) {
                w.tensor(state_name(&name, "max_exp_avg_sq"), vm);
            }
        }
        let c = self.config;
        w.hyper("lr", c.lr);
        w.hyper_vec("betas", &[c.betas.0, c.betas.1]);
        w.hyper("eps", c.eps);
        w.hyper("weight_decay", c.weight_decay.value());
        w.flag("amsgrad", c.amsgrad);
        w.flag(
            "decoupled_weight_decay",
            matches!(c.weight_decay, WeightDecay::Decoupled(_)),
        );
        w.dict
    }

    fn load_state_dict(&mut self, model: &dyn Module<T>, state: &StateDict) -> Result<()> {
        let mut r = StateReader::new("Adam::load_state_dict", state);
        let lr = r.hyper("lr")?;
        let betas = r.hyper_vec("betas", 2)?;
        let eps = r.hyper("eps")?;
        let wd = r.hyper("weight_decay")?;
        let amsgrad = r.flag("amsgrad")?;
        let decoupled = r.flag("decoupled_weight_decay")?;
        let config = AdamConfig {
            lr,
            betas: (betas[0], betas[1]),
            eps,
            weight_decay: if decoupled {
                WeightDecay::Decoupled(wd)
            } else if wd == 0.0 {
                WeightDecay::None
            } else {
                WeightDecay::L2(wd)
            },
            amsgrad,
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
            let st = AdamState {
                step: r.count(&step)?,
                exp_avg: r.tensor(&state_name(&p.name, "exp_avg"), &p.shape)?,
                exp_avg_sq: r.tensor(&state_name(&p.name, "exp_avg_sq"), &p.shape)?,
                max_exp_avg_sq: if amsgrad {
                    Some(r.tensor(&state_name(&p.name, "max_exp_avg_sq"), &p.shape)?)
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
