//! State dicts: named tensors, to and from safetensors files.
//!
//! A [`StateDict`] maps names (PyTorch's dotted module paths, such as
//! `"0.weight"` or `"2.block.1.running_mean"`) to tensors of `f32`, `f64`
//! or `i64` (batch norm's `num_batches_tracked`). Models export and import
//! one; optimizers save their state into one; files hold one.
//!
//! - [`state_dict`] / [`load_state_dict`]: a model's parameters and buffers
//!   out and in, with PyTorch's `strict` semantics ([`LoadReport`]).
//! - [`save_safetensors`] / [`load_safetensors`] (and [`to_bytes`] /
//!   [`from_bytes`]): the safetensors format, readable by
//!   `safetensors.torch.load_file` and able to read files it writes.
//! - [`Checkpoint`]: model, optimizer and step in one file.
//! - [`write_atomic`]: every save goes through it — a temporary file in the
//!   target's directory, `sync_all`, then a rename over the target.
//!
//! See `docs/io.md` for the format, the names and the differences from
//! PyTorch.
//!
//! ```
//! use gradflow::io::{from_bytes, load_state_dict, state_dict, to_bytes};
//! use gradflow::nn::{BatchNorm1d, Dense, Init, Sequential};
//! use gradflow::{Rng, SeedableRng};
//!
//! let mut rng = Rng::seed_from_u64(0);
//! let model = Sequential::<f32>::new()
//!     .push(Dense::new(3, 4, Init::he_normal(), &mut rng))
//!     .push(BatchNorm1d::new(4));
//! let bytes = to_bytes(&state_dict(&model))?;
//!
//! let mut fresh = Sequential::<f32>::new()
//!     .push(Dense::new(3, 4, Init::he_normal(), &mut rng))
//!     .push(BatchNorm1d::new(4));
//! let report = load_state_dict(&mut fresh, &from_bytes(&bytes)?, true)?;
//! assert!(report.is_complete());
//! assert_eq!(state_dict(&fresh), state_dict(&model));
//! # Ok::<(), gradflow::Error>(())
//! ```

mod atomic;
mod checkpoint;
mod format;
mod module;

pub use atomic::write_atomic;
pub use checkpoint::Checkpoint;
pub use format::{
    Metadata, from_bytes, from_bytes_with_metadata, load_safetensors,
    load_safetensors_with_metadata, save_safetensors, save_safetensors_with_metadata, to_bytes,
    to_bytes_with_metadata,
};
pub use module::{LoadReport, load_state_dict, state_dict};

use std::any::Any;

use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// One entry of a state dict.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StateTensor {
    /// A 32-bit float tensor.
    F32(Tensor<f32>),
    /// A 64-bit float tensor.
    F64(Tensor<f64>),
    /// A 64-bit integer tensor (row-major data and shape).
    I64 {
        /// Elements, row-major.
        data: Vec<i64>,
        /// Dimensions.
        shape: Vec<usize>,
    },
}

impl StateTensor {
    /// The safetensors dtype name: `"F32"`, `"F64"` or `"I64"`.
    pub fn dtype(&self) -> &'static str {
        match self {
            StateTensor::F32(_) => "F32",
            StateTensor::F64(_) => "F64",
            StateTensor::I64 { .. } => "I64",
        }
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        match self {
            StateTensor::F32(t) => t.shape(),
            StateTensor::F64(t) => t.shape(),
            StateTensor::I64 { shape, .. } => shape,
        }
    }
}

/// Named tensors in insertion order (the order a module visits them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateDict {
    entries: Vec<(String, StateTensor)>,
}

impl StateDict {
    /// An empty state dict.
    pub fn new() -> StateDict {
        StateDict::default()
    }

    /// Inserts or replaces an entry.
    pub fn insert(&mut self, name: impl Into<String>, tensor: StateTensor) {
        let name = name.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = tensor,
            None => self.entries.push((name, tensor)),
        }
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&StateTensor> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// Removes and returns the entry named `name`.
    pub fn remove(&mut self, name: &str) -> Option<StateTensor> {
        let pos = self.entries.iter().position(|(n, _)| n == name)?;
        Some(self.entries.remove(pos).1)
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &StateTensor)> {
        self.entries.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// Names in insertion order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether an entry is named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A copy with `prefix.` in front of every name (`"0.weight"` becomes
    /// `"model.0.weight"` for the prefix `"model"`). Tensors share storage.
    pub fn with_prefix(&self, prefix: &str) -> StateDict {
        StateDict {
            entries: self
                .entries
                .iter()
                .map(|(n, t)| (format!("{prefix}.{n}"), t.clone()))
                .collect(),
        }
    }

    /// The entries whose names start with `prefix.`, with that removed
    /// (the inverse of [`StateDict::with_prefix`]; PyTorch users strip
    /// `"module."` this way). Other entries are left out.
    pub fn strip_prefix(&self, prefix: &str) -> StateDict {
        let dotted = format!("{prefix}.");
        StateDict {
            entries: self
                .entries
                .iter()
                .filter_map(|(n, t)| Some((n.strip_prefix(&dotted)?.to_string(), t.clone())))
                .collect(),
        }
    }

    /// A copy with every `F32` and `F64` entry converted to `T` (rounding to
    /// nearest when narrowing); `I64` entries are kept. [`load_state_dict`]
    /// refuses a float dtype that differs from the model's instead of
    /// converting silently: call this first to load, say, an `f64`
    /// checkpoint into an `f32` model (as PyTorch's `copy_` would).
    pub fn cast_floats<T: Scalar>(&self) -> StateDict {
        let entries = self
            .entries
            .iter()
            .map(|(n, t)| {
                let t = match t {
                    StateTensor::F32(x) => StateTensor::from_tensor(&x.cast::<T>()),
                    StateTensor::F64(x) => StateTensor::from_tensor(&x.cast::<T>()),
                    other => other.clone(),
                };
                (n.clone(), t)
            })
            .collect();
        StateDict { entries }
    }

    /// Appends an entry whose name the caller knows to be new (no search).
    pub(crate) fn push_new(&mut self, name: String, tensor: StateTensor) {
        debug_assert!(
            self.get(&name).is_none(),
            "push_new: duplicate name {name:?}"
        );
        self.entries.push((name, tensor));
    }
}

impl IntoIterator for StateDict {
    type Item = (String, StateTensor);
    type IntoIter = std::vec::IntoIter<(String, StateTensor)>;

    /// The entries by value, in insertion order.
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl StateTensor {
    /// Wraps a float tensor of either element type (no copy: tensors share
    /// storage).
    pub fn from_tensor<T: Scalar>(tensor: &Tensor<T>) -> StateTensor {
        let any = tensor as &dyn Any;
        if let Some(t) = any.downcast_ref::<Tensor<f32>>() {
            StateTensor::F32(t.clone())
        } else if let Some(t) = any.downcast_ref::<Tensor<f64>>() {
            StateTensor::F64(t.clone())
        } else {
            unreachable!("Scalar is sealed: only f32 and f64 implement it")
        }
    }

    /// The float tensor as `Tensor<T>` if its dtype is `T`'s (no copy).
    pub fn to_tensor<T: Scalar>(&self) -> Option<Tensor<T>> {
        let any: &dyn Any = match self {
            StateTensor::F32(t) => t,
            StateTensor::F64(t) => t,
            StateTensor::I64 { .. } => return None,
        };
        any.downcast_ref::<Tensor<T>>().cloned()
    }

    /// Number of elements (the length of the data).
    pub fn numel(&self) -> usize {
        match self {
            StateTensor::F32(t) => t.numel(),
            StateTensor::F64(t) => t.numel(),
            StateTensor::I64 { data, .. } => data.len(),
        }
    }
}
