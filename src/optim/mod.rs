//! Optimizers, learning-rate schedules and gradient clipping, with
//! PyTorch's update rules and defaults.
//!
//! A training step is: forward on a fresh [`Tape`](crate::Tape), backward
//! to get [`Grads`], optionally clip, drop the tape, then
//! [`Optimizer::step`]. Once the tape is gone each parameter is the only
//! owner of its buffer again, so the step writes in place.
//!
//! ```
//! use gradflow::nn::{Dense, Init, Layer, Sequential, Tanh};
//! use gradflow::optim::{Adam, AdamConfig, NonFinite, Optimizer, clip_global_norm};
//! use gradflow::{Rng, SeedableRng, Tape, Tensor};
//!
//! let mut rng = Rng::seed_from_u64(0);
//! let mut model = Sequential::<f32>::new()
//!     .push(Dense::new(2, 8, Init::xavier_uniform(), &mut rng))
//!     .push(Tanh)
//!     .push(Dense::new(8, 1, Init::xavier_uniform(), &mut rng));
//! let mut opt = Adam::new(AdamConfig { lr: 1e-2, ..AdamConfig::default() })?;
//! let x = Tensor::<f32>::normal([16, 2], 0.0, 1.0, &mut rng);
//! let y = x.sum(&[1], true);
//! for _ in 0..3 {
//!     let mut grads = {
//!         let tape = Tape::new();
//!         let pred = model.forward(tape.constant(x.clone()));
//!         let loss = (pred - tape.constant(y.clone())).square().mean_all();
//!         tape.backward(loss)
//!     }; // the tape is dropped here
//!     clip_global_norm(&model, &mut grads, 1.0, NonFinite::Error)?;
//!     let norms = opt.step(&mut model, &grads);
//!     assert_eq!(norms.len(), 4); // two weights, two biases
//! }
//! # Ok::<(), gradflow::Error>(())
//! ```
//!
//! Optimizer state is keyed by [`ParamId`] while training and by parameter
//! *name* in a [`StateDict`] (ids are per process): `"state.0.weight.exp_avg"`,
//! `"state.0.weight.step"` (I64), `"param_groups.0.lr"` (F64). See
//! `docs/optim.md` for every formula and its PyTorch equivalent.

mod adam;
mod clip;
mod rmsprop;
pub mod schedule;
mod sgd;
mod update;

use std::collections::{BTreeMap, HashSet};

pub use adam::{Adam, AdamConfig, WeightDecay};
pub use clip::{ClipReport, NonFinite, clip_global_norm, clip_value};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use schedule::{
    ChainedLr, Constant, CosineAnnealing, ExponentialLr, Fixed, LinearWarmup, Schedule,
    SequentialLr, StepLr,
};
pub use sgd::{Momentum, Sgd, SgdConfig};
pub(crate) use update::{Accum, split_update};

use crate::error::{Error, Result};
use crate::io::{StateDict, StateTensor};
use crate::nn::Module;
use crate::scalar::Scalar;
use crate::tape::{Grads, Param, ParamId};
use crate::tensor::Tensor;

/// An optimizer: updates a module's parameters from their gradients.
///
/// Object safe: `Box<dyn Optimizer<f32>>` works.
pub trait Optimizer<T: Scalar = f32>: Send + Sync {
    /// Updates, in place, every parameter of `model` that has a gradient in
    /// `grads` (parameters without one are left alone and keep their state,
    /// as PyTorch skips `grad is None`). State is keyed by [`ParamId`] and
    /// created on a parameter's first update.
    ///
    /// Returns, per updated parameter, `‖Δθ‖₂` (the change actually
    /// applied) and `‖θ‖₂` after the update, computed in f64 in the same
    /// pass.
    ///
    /// # Panics
    /// If a gradient's shape differs from its parameter's.
    fn step(&mut self, model: &mut dyn Module<T>, grads: &Grads<T>) -> UpdateNorms;

    /// The current learning rate.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate used by the following steps (what a
    /// [`Schedule`] drives).
    fn set_learning_rate(&mut self, lr: f64);

    /// The optimizer's state by parameter name, plus its hyperparameters
    /// (including the current learning rate): everything needed to resume
    /// bit-identically with a fresh optimizer.
    fn state_dict(&self, model: &dyn Module<T>) -> StateDict;

    /// Replaces the state and hyperparameters with those in `state`, as
    /// PyTorch's `load_state_dict` does (the saved hyperparameters win over
    /// the ones this optimizer was built with). Parameters of `model`
    /// without entries start fresh. Nothing changes on error.
    ///
    /// # Errors
    /// [`Error::InvalidState`] naming the entry if one is missing, has the
    /// wrong shape or type, names no parameter of `model`, is not used by
    /// this optimizer, or holds an invalid hyperparameter.
    fn load_state_dict(&mut self, model: &dyn Module<T>, state: &StateDict) -> Result<()>;
}

/// One parameter's update size, from [`Optimizer::step`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpdateNorm {
    /// The parameter.
    pub id: ParamId,
    /// `‖θ_new - θ_old‖₂`, in f64.
    pub update_l2: f64,
    /// `‖θ_old‖₂`, in f64: the weights the gradient was taken at (the
    /// denominator of the usual update-to-weight ratio).
    pub param_l2: f64,
}

impl UpdateNorm {
    /// The update-to-weight ratio `‖Δθ‖₂ / ‖θ‖₂` (infinite or NaN for a
    /// zero parameter).
    pub fn ratio(&self) -> f64 {
        self.update_l2 / self.param_l2
    }
}

/// Per-parameter update norms of one step, sorted by [`ParamId`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateNorms {
    entries: Vec<UpdateNorm>,
}

impl UpdateNorms {
    /// The entry for `id`, if that parameter was updated.
    pub fn get(&self, id: ParamId) -> Option<UpdateNorm> {
        self.entries
            .binary_search_by_key(&id, |e| e.id)
            .ok()
            .map(|i| self.entries[i])
    }

    /// Entries in ascending id order.
    pub fn iter(&self) -> impl Iterator<Item = UpdateNorm> + '_ {
        self.entries.iter().copied()
    }

    /// The entries, in ascending id order.
    pub fn as_slice(&self) -> &[UpdateNorm] {
        &self.entries
    }

    /// Number of parameters updated.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no parameter was updated.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Walks a model's parameters for a step: finds each one's gradient,
/// guards against updating a parameter twice, checks shapes and collects
/// the update norms.
pub(crate) fn for_each_update<T: Scalar>(
    context: &'static str,
    model: &mut dyn Module<T>,
    grads: &Grads<T>,
    mut update: impl FnMut(ParamId, &[usize], &mut [T], &[T], &mut Accum),
) -> UpdateNorms {
    // A flag per gradient, by its place in the table: catches a parameter
    // registered twice (shared weights) without hashing.
    let n = grads.len();
    let mut seen = vec![false; n];
    let mut entries = Vec::with_capacity(n);
    let mut mismatch = None;
    model.for_each_param_mut(&mut |p: &mut Param<T>| {
        let id = p.id();
        let Some((pos, g)) = grads.find(id) else {
            return;
        };
        if std::mem::replace(&mut seen[pos], true) {
            return;
        }
        if g.shape() != p.shape() {
            mismatch.get_or_insert((id, g.shape().to_vec(), p.shape().to_vec()));
            return;
        }
        let mut acc = Accum::default();
        update(id, g.shape(), p.value_mut().data_mut(), g.data(), &mut acc);
        entries.push(UpdateNorm {
            id,
            update_l2: acc.update_sq.sqrt(),
            param_l2: acc.param_sq.sqrt(),
        });
    });
    if let Some((id, g_shape, p_shape)) = mismatch {
        // Names are only built here: the walk above is every step's.
        let mut name = String::from("?");
        model.visit_params(&mut |n, p| {
            if p.id() == id {
                name = n.to_string();
            }
        });
        panic!(
            "{context}: gradient of {name} has shape {g_shape:?} but the parameter has shape {p_shape:?}"
        );
    }
    entries.sort_unstable_by_key(|e| e.id);
    UpdateNorms { entries }
}

/// `torch.maximum` for two elements: NaN wins.
#[inline]
pub(crate) fn nan_max<T: Scalar>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::nan()
    } else if a >= b {
        a
    } else {
        b
    }
}

/// `Err(reason)` unless `ok`: hyperparameter validation, turned into
/// [`Error::InvalidArgument`] by constructors and [`Error::InvalidState`]
/// by `load_state_dict`.
pub(crate) fn ensure(ok: bool, reason: impl FnOnce() -> String) -> std::result::Result<(), String> {
    if ok { Ok(()) } else { Err(reason()) }
}

/// Whether `x` is a number `≥ 0` (NaN is not).
pub(crate) fn non_negative(x: f64) -> bool {
    x >= 0.0
}

/// A constructor's validation failure.
pub(crate) fn invalid_argument(context: &'static str) -> impl FnOnce(String) -> Error {
    move |reason| Error::InvalidArgument { context, reason }
}

/// A parameter as a state dict sees it.
pub(crate) struct ParamInfo {
    pub(crate) name: String,
    pub(crate) id: ParamId,
    pub(crate) shape: Vec<usize>,
}

/// The model's parameters in visiting order (first visit of each id).
pub(crate) fn param_infos<T: Scalar>(model: &dyn Module<T>) -> Vec<ParamInfo> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    model.visit_params(&mut |name, p| {
        if seen.insert(p.id()) {
            out.push(ParamInfo {
                name: name.to_string(),
                id: p.id(),
                shape: p.shape().to_vec(),
            });
        }
    });
    out
}

/// The prefix of the entries holding one hyperparameter group.
pub(crate) const GROUP: &str = "param_groups.0.";

/// Writes state dict entries.
pub(crate) struct StateWriter {
    pub(crate) dict: StateDict,
}

impl StateWriter {
    pub(crate) fn new() -> StateWriter {
        StateWriter {
            dict: StateDict::new(),
        }
    }

    /// A tensor in the parameters' own dtype.
    pub(crate) fn tensor<T: Scalar>(&mut self, name: String, t: &Tensor<T>) {
        let entry = if T::DTYPE == "F32" {
            StateTensor::F32(t.cast::<f32>())
        } else {
            StateTensor::F64(t.cast::<f64>())
        };
        self.dict.insert(name, entry);
    }

    /// A 0-d F64 hyperparameter `param_groups.0.<name>`.
    pub(crate) fn hyper(&mut self, name: &str, x: f64) {
        self.dict.insert(
            format!("{GROUP}{name}"),
            StateTensor::F64(Tensor::scalar(x)),
        );
    }

    /// An F64 `[n]` hyperparameter (e.g. Adam's betas).
    pub(crate) fn hyper_vec(&mut self, name: &str, xs: &[f64]) {
        let t = Tensor::from_parts(xs.to_vec(), [xs.len()].into());
        self.dict
            .insert(format!("{GROUP}{name}"), StateTensor::F64(t));
    }

    /// A 0-d I64 flag (0 or 1) `param_groups.0.<name>`.
    pub(crate) fn flag(&mut self, name: &str, b: bool) {
        self.dict.insert(
            format!("{GROUP}{name}"),
            StateTensor::I64 {
                data: vec![i64::from(b)],
                shape: vec![],
            },
        );
    }

    /// A 0-d I64 counter.
    pub(crate) fn count(&mut self, name: String, n: u64) {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.dict.insert(
            name,
            StateTensor::I64 {
                data: vec![n],
                shape: vec![],
            },
        );
    }
}

/// Reads state dict entries, remembering which were used so that
/// [`StateReader::finish`] can reject the rest.
pub(crate) struct StateReader<'a> {
    context: &'static str,
    dict: &'a StateDict,
    used: HashSet<String>,
}

impl<'a> StateReader<'a> {
    pub(crate) fn new(context: &'static str, dict: &'a StateDict) -> StateReader<'a> {
        StateReader {
            context,
            dict,
            used: HashSet::new(),
        }
    }

    pub(crate) fn error(&self, entry: &str, reason: impl Into<String>) -> Error {
        Error::InvalidState {
            context: self.context,
            entry: entry.to_string(),
            reason: reason.into(),
        }
    }

    fn get(&mut self, name: &str) -> Result<&'a StateTensor> {
        let t = self
            .dict
            .get(name)
            .ok_or_else(|| self.error(name, "missing"))?;
        self.used.insert(name.to_string());
        Ok(t)
    }

    /// Whether the entry exists (without using it).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.dict.get(name).is_some()
    }

    /// The values of a float entry of `n` elements (checked before they
    /// are converted, so a huge entry is refused without a copy).
    fn floats(&mut self, name: &str, n: usize) -> Result<Vec<f64>> {
        let entry = self.get(name)?;
        if matches!(entry, StateTensor::F32(_) | StateTensor::F64(_)) && entry.numel() != n {
            let found = entry.numel();
            return Err(self.error(
                name,
                if n == 1 {
                    format!("expected one value, found {found}")
                } else {
                    format!("expected {n} values, found {found}")
                },
            ));
        }
        match entry {
            StateTensor::F64(t) => Ok(t.to_vec()),
            StateTensor::F32(t) => Ok(t.data().iter().map(|&x| f64::from(x)).collect()),
            other => Err(self.error(
                name,
                format!("expected a float tensor, found {}", other.dtype()),
            )),
        }
    }

    /// A 0-d (or one-element) float hyperparameter `param_groups.0.<name>`.
    pub(crate) fn hyper(&mut self, name: &str) -> Result<f64> {
        let full = format!("{GROUP}{name}");
        Ok(self.floats(&full, 1)?[0])
    }

    /// An `[n]` float hyperparameter.
    pub(crate) fn hyper_vec(&mut self, name: &str, n: usize) -> Result<Vec<f64>> {
        let full = format!("{GROUP}{name}");
        self.floats(&full, n)
    }

    fn int(&mut self, name: &str) -> Result<i64> {
        match self.get(name)? {
            StateTensor::I64 { data, .. } if data.len() == 1 => Ok(data[0]),
            StateTensor::I64 { data, .. } => {
                let n = data.len();
                Err(self.error(name, format!("expected one value, found {n}")))
            }
            other => Err(self.error(
                name,
                format!("expected an I64 value, found {}", other.dtype()),
            )),
        }
    }

    /// An I64 flag `param_groups.0.<name>` (0 or 1).
    pub(crate) fn flag(&mut self, name: &str) -> Result<bool> {
        let full = format!("{GROUP}{name}");
        match self.int(&full)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(self.error(&full, format!("expected 0 or 1, found {v}"))),
        }
    }

    /// A non-negative I64 counter.
    pub(crate) fn count(&mut self, name: &str) -> Result<u64> {
        let v = self.int(name)?;
        u64::try_from(v).map_err(|_| self.error(name, format!("expected a count ≥ 0, found {v}")))
    }

    /// A float tensor of the given shape, converted to `T` (as PyTorch
    /// casts loaded state to the parameter's dtype).
    pub(crate) fn tensor<T: Scalar>(&mut self, name: &str, shape: &[usize]) -> Result<Tensor<T>> {
        let entry = self.get(name)?;
        // The shape is checked before the (copying) conversion.
        if matches!(entry, StateTensor::F32(_) | StateTensor::F64(_)) && entry.shape() != shape {
            return Err(self.error(
                name,
                format!(
                    "shape {:?} does not match the parameter's shape {shape:?}",
                    entry.shape()
                ),
            ));
        }
        match entry {
            StateTensor::F64(t) => Ok(t.cast()),
            StateTensor::F32(t) => Ok(t.cast()),
            other => Err(self.error(
                name,
                format!("expected a float tensor, found {}", other.dtype()),
            )),
        }
    }

    /// Rejects every entry not read: a `state.<name>.<field>` naming no
    /// parameter of the model, a field without the parameter's `anchor`
    /// field (the one whose presence means "this parameter has state",
    /// e.g. `step`), a field this optimizer does not keep with these
    /// hyperparameters, or an unknown hyperparameter.
    pub(crate) fn finish(self, params: &[ParamInfo], anchor: &str) -> Result<()> {
        for name in self.dict.names() {
            if self.used.contains(name) {
                continue;
            }
            let reason = match name
                .strip_prefix("state.")
                .and_then(|rest| rest.rsplit_once('.'))
            {
                Some((param, _)) if !params.iter().any(|p| p.name == param) => {
                    format!("the model has no parameter named \"{param}\"")
                }
                Some((param, field))
                    if field != anchor && !self.has(&state_name(param, anchor)) =>
                {
                    format!(
                        "partial state for \"{param}\": \"{}\" is missing",
                        state_name(param, anchor)
                    )
                }
                _ => "not used by this optimizer with these hyperparameters".to_string(),
            };
            return Err(self.error(name, reason));
        }
        Ok(())
    }
}

/// The entry name of a parameter's state field.
pub(crate) fn state_name(param: &str, field: &str) -> String {
    format!("state.{param}.{field}")
}

/// Per-parameter state in a deterministic order, and the model's names for
/// it: the common part of every `state_dict`.
pub(crate) fn named_states<'s, T: Scalar, S>(
    model: &dyn Module<T>,
    states: &'s BTreeMap<ParamId, S>,
) -> Vec<(String, &'s S)> {
    param_infos(model)
        .into_iter()
        .filter_map(|p| states.get(&p.id).map(|s| (p.name, s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_max_keeps_nan_as_torch_maximum() {
        assert!(nan_max(1.0f64, f64::NAN).is_nan());
        assert!(nan_max(f64::NAN, 1.0f64).is_nan());
        assert_eq!(nan_max(1.0f64, 2.0), 2.0);
        assert_eq!(nan_max(3.0f32, 2.0), 3.0);
    }

    #[test]
    fn state_writer_and_reader_round_trip_hyperparameters() {
        let mut w = StateWriter::new();
        w.hyper("lr", 0.25);
        w.hyper_vec("betas", &[0.9, 0.999]);
        w.flag("amsgrad", true);
        w.count("state.w.step".to_string(), 7);
        w.tensor(
            "state.w.exp_avg".to_string(),
            &Tensor::<f32>::full([2], 1.5),
        );
        let mut r = StateReader::new("test", &w.dict);
        assert_eq!(r.hyper("lr").unwrap(), 0.25);
        assert_eq!(r.hyper_vec("betas", 2).unwrap(), vec![0.9, 0.999]);
        assert!(r.flag("amsgrad").unwrap());
        assert_eq!(r.count("state.w.step").unwrap(), 7);
        let t: Tensor<f32> = r.tensor("state.w.exp_avg", &[2]).unwrap();
        assert_eq!(t.to_vec(), vec![1.5, 1.5]);
        let err = r.tensor::<f32>("state.w.exp_avg", &[3]).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
        assert!(
            r.hyper("eps")
                .unwrap_err()
                .to_string()
                .contains("param_groups.0.eps")
        );
    }

    #[test]
    fn reader_rejects_unused_entries_naming_them() {
        let mut w = StateWriter::new();
        w.hyper("lr", 0.1);
        w.hyper("extra", 1.0);
        let mut r = StateReader::new("test", &w.dict);
        r.hyper("lr").unwrap();
        let err = r.finish(&[], "step").unwrap_err();
        assert_eq!(
            err.to_string(),
            "test: state entry \"param_groups.0.extra\": not used by this optimizer with these hyperparameters"
        );
    }
}
