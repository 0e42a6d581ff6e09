//! Recycles per-tape allocations between tapes on one thread.
//!
//! A training loop builds one tape per step; without this, each step asks
//! malloc for a fresh multi-kilobyte node arena and gradient table, and
//! glibc consolidates its small-chunk bins on every such request (several
//! percent of a tiny network's step in the `tape_overhead` bench).
//!
//! A recycled vector keeps the capacity its largest user needed — no more:
//! one that grew while in use is shrunk to the length it reached before it
//! is kept, so a loop of same-sized tapes reallocates nothing after its
//! first step and holds exactly one step's worth of bookkeeping (doubling
//! growth would otherwise leave up to half of it unused, for good).

use std::any::Any;
use std::cell::RefCell;

use super::Node;
use crate::scalar::Scalar;

/// Vectors kept per thread: enough for nested tapes (a gradient check
/// inside a training step) without hoarding memory.
const KEEP: usize = 8;

/// Larger vectors are not kept (a huge tape should give its memory back).
const MAX_CAPACITY: usize = 1 << 16;

thread_local! {
    static SPARE: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// An empty vector, reusing a spare allocation of the same type if any
/// (or one without capacity). Note its capacity for [`give_back_vec`].
pub(crate) fn take_vec<X: 'static>() -> Vec<X> {
    SPARE
        .try_with(|spare| {
            let mut spare = spare.borrow_mut();
            let pos = spare.iter().position(|b| b.is::<Vec<X>>())?;
            spare.swap_remove(pos).downcast::<Vec<X>>().ok().map(|b| *b)
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps a vector's allocation for the next [`take_vec`] (items dropped).
/// `start_capacity` is the capacity it was taken with, `high_water` the
/// most items it held: if this use grew it, it is shrunk to that mark.
pub(crate) fn give_back_vec<X: 'static>(
    mut items: Vec<X>,
    start_capacity: usize,
    high_water: usize,
) {
    let high_water = high_water.max(items.len());
    items.clear();
    if items.capacity() > start_capacity {
        items.shrink_to(high_water);
    }
    if items.capacity() == 0 || items.capacity() > MAX_CAPACITY {
        return;
    }
    let _ = SPARE.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < KEEP {
            spare.push(Box::new(items));
        }
    });
}

/// An empty node arena, reusing a spare allocation if any.
pub(super) fn take_nodes<T: Scalar>() -> Vec<Node<T>> {
    take_vec::<Node<T>>()
}

#[cfg(test)]
mod tests {
    use super::{give_back_vec, take_vec};

    /// A distinct element type, so other tests' tapes on this thread do
    /// not share the spare.
    struct Probe(#[allow(dead_code)] u64);

    #[test]
    fn a_grown_vector_is_kept_at_its_high_water_mark_and_then_reused() {
        let mut v = take_vec::<Probe>();
        assert_eq!(v.capacity(), 0);
        for i in 0..37 {
            v.push(Probe(i)); // one at a time, as a tape records
        }
        assert!(v.capacity() > 37, "doubling growth overshoots");
        give_back_vec(v, 0, 0);

        let mut v = take_vec::<Probe>();
        assert_eq!(v.capacity(), 37, "shrunk to the 37 it held");
        let (ptr, cap) = (v.as_ptr(), v.capacity());
        v.extend((0..37).map(Probe));
        assert_eq!(v.as_ptr(), ptr, "the same size needs no realloc");
        give_back_vec(v, cap, 0);
        assert_eq!(take_vec::<Probe>().capacity(), 37);
    }

    #[test]
    fn a_smaller_use_keeps_the_larger_allocation() {
        let mut v = take_vec::<Probe>();
        v.extend((0..20).map(Probe));
        give_back_vec(v, 0, 0);
        let mut v = take_vec::<Probe>();
        let cap = v.capacity();
        v.extend((0..5).map(Probe));
        give_back_vec(v, cap, 0);
        assert_eq!(take_vec::<Probe>().capacity(), 20);
    }

    #[test]
    fn the_peak_counts_even_after_truncation() {
        let mut v = take_vec::<Probe>();
        v.extend((0..30).map(Probe));
        v.truncate(3);
        give_back_vec(v, 0, 30);
        assert_eq!(take_vec::<Probe>().capacity(), 30);
    }
}
