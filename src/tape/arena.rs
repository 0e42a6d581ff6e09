//! Recycles per-tape allocations between tapes on one thread.
//!
//! A training loop builds one tape per step; without this, each step asks
//! malloc for a fresh multi-kilobyte node arena and gradient table, and
//! glibc consolidates its small-chunk bins on every such request (several
//! percent of a tiny network's step in the `tape_overhead` bench).

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

/// An empty node arena, reusing a spare allocation if any.
pub(super) fn take_nodes<T: Scalar>() -> Vec<Node<T>> {
    take_vec::<Node<T>>()
}

/// Returns a node arena's allocation for the next tape (its nodes dropped).
pub(super) fn give_back<T: Scalar>(nodes: Vec<Node<T>>) {
    give_back_vec(nodes);
}

/// An empty vector, reusing a spare allocation of the same type if any.
pub(super) fn take_vec<X: 'static>() -> Vec<X> {
    SPARE
        .try_with(|spare| {
            let mut spare = spare.borrow_mut();
            let pos = spare.iter().position(|b| b.is::<Vec<X>>())?;
            spare.swap_remove(pos).downcast::<Vec<X>>().ok().map(|b| *b)
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Vec::with_capacity(64))
}

/// Keeps a vector's allocation for the next [`take_vec`] (items dropped).
pub(super) fn give_back_vec<X: 'static>(mut items: Vec<X>) {
    items.clear();
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
