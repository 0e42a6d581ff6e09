//! Parameters: tensors with a stable identity that live outside the tape.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// The identity of a parameter (or of a gradient-requiring leaf var):
/// unique within the process, ordered by creation. Gradients, optimizer
/// state and statistics are keyed by it; files key by name instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParamId(std::num::NonZeroU64);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl ParamId {
    /// A fresh id, never handed out before in this process.
    pub fn fresh() -> ParamId {
        // Starts at 1 and never wraps in practice (2⁶⁴ ids); non-zero so
        // that `Option<ParamId>` in every tape node costs no extra word.
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        #[allow(clippy::expect_used)] // 2⁶⁴ - 1 ids at one per nanosecond last 584 years
        ParamId(std::num::NonZeroU64::new(id).expect("parameter ids exhausted"))
    }

    /// The raw number (for display and sorting; not stable across runs).
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for ParamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

/// Which node holds each parameter on a tape. Models put a few dozen
/// parameters on each tape, so a linear scan of a small vector beats
/// hashing; past `SCAN_LIMIT` entries a hash map takes over.
#[derive(Default)]
pub(crate) struct ParamIndex {
    small: Vec<(ParamId, usize)>,
    large: HashMap<ParamId, usize>,
    /// `small`'s capacity when taken from the thread's spares.
    start_capacity: usize,
}

const SCAN_LIMIT: usize = 48;

impl ParamIndex {
    /// An empty index whose vector is recycled from the thread's last tape
    /// (see `arena`: no reallocation while a step puts its parameters on).
    pub(crate) fn recycled() -> ParamIndex {
        let small: Vec<(ParamId, usize)> = super::arena::take_vec();
        ParamIndex {
            start_capacity: small.capacity(),
            small,
            large: HashMap::new(),
        }
    }

    /// Returns the vector for the thread's next tape.
    pub(crate) fn give_back(self) {
        super::arena::give_back_vec(self.small, self.start_capacity, 0);
    }

    pub(crate) fn get(&self, id: ParamId) -> Option<usize> {
        if self.large.is_empty() {
            self.small.iter().find(|(p, _)| *p == id).map(|&(_, i)| i)
        } else {
            self.large.get(&id).copied()
        }
    }

    /// The parameter held by node `node` (a scan: only [`Grads::wrt`] asks).
    ///
    /// [`Grads::wrt`]: crate::Grads::wrt
    pub(crate) fn id_at(&self, node: usize) -> Option<ParamId> {
        let small = self.small.iter().map(|&(p, i)| (p, i));
        let mut all = small.chain(self.large.iter().map(|(&p, &i)| (p, i)));
        all.find(|&(_, i)| i == node).map(|(p, _)| p)
    }

    pub(crate) fn insert(&mut self, id: ParamId, node: usize) {
        if self.large.is_empty() && self.small.len() < SCAN_LIMIT {
            self.small.push((id, node));
        } else {
            self.large.extend(self.small.drain(..));
            self.large.insert(id, node);
        }
    }
}

/// A trainable tensor with a stable [`ParamId`].
///
/// Modules own their parameters; each training step puts them on a fresh
/// tape with [`Tape::param`](crate::Tape::param), which shares the storage
/// rather than copying it. Once the tape is dropped, the parameter is the
/// only owner of its buffer again, so an optimizer updates it in place.
///
/// Cloning a `Param` gives a **new** identity (a separate parameter that
/// starts with the same values, sharing storage until either is written),
/// as `copy.deepcopy` of a PyTorch module does.
pub struct Param<T: Scalar = f32> {
    id: ParamId,
    value: Tensor<T>,
}

impl<T: Scalar> Param<T> {
    /// A new parameter holding `value`.
    pub fn new(value: Tensor<T>) -> Param<T> {
        Param {
            id: ParamId::fresh(),
            value,
        }
    }

    /// Its identity.
    pub fn id(&self) -> ParamId {
        self.id
    }

    /// The current value.
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// Mutable access to the value (copy on write if a tape still holds it).
    pub fn value_mut(&mut self) -> &mut Tensor<T> {
        &mut self.value
    }

    /// Replaces the value, keeping the identity.
    ///
    /// # Panics
    /// If the new value's shape differs (a parameter's shape is fixed).
    #[track_caller]
    pub fn set(&mut self, value: Tensor<T>) {
        assert!(
            value.shape() == self.value.shape(),
            "Param::set: new shape {:?} differs from the parameter's shape {:?}",
            value.shape(),
            self.value.shape()
        );
        self.value = value;
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.value.numel()
    }
}

impl<T: Scalar> Clone for Param<T> {
    fn clone(&self) -> Param<T> {
        Param::new(self.value.clone())
    }
}

impl<T: Scalar> fmt::Debug for Param<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Param({}, {:?})", self.id, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_clone_gets_a_new_one() {
        let a = Param::new(Tensor::<f32>::zeros([2]));
        let b = a.clone();
        assert_ne!(a.id(), b.id());
        assert!(a.value().shares_storage(b.value()));
    }

    #[test]
    #[should_panic(expected = "Param::set: new shape [3] differs")]
    fn set_keeps_the_shape() {
        Param::new(Tensor::<f32>::zeros([2])).set(Tensor::zeros([3]));
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn param_index_finds_entries_before_and_after_switching_to_a_map() {
        let mut index = ParamIndex::default();
        let ids: Vec<ParamId> = (0..100).map(|_| ParamId::fresh()).collect();
        for (node, &id) in ids.iter().enumerate() {
            index.insert(id, node);
        }
        for (node, &id) in ids.iter().enumerate() {
            assert_eq!(index.get(id), Some(node));
        }
        assert_eq!(index.get(ParamId::fresh()), None);
    }
}
