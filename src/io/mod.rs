//! State dicts: named tensors, to and from safetensors files.
//!
//! A [`StateDict`] maps names (PyTorch's dotted module paths, such as
//! `"0.weight"` or `"2.block.1.running_mean"`) to tensors of `f32`, `f64`
//! or `i64` (batch norm's `num_batches_tracked`). Models export and import
//! one; optimizers save their state into one; files hold one.

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
}
