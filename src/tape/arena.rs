//! Recycles the node arena's allocation between tapes on one thread.
//!
//! A training loop builds one tape per step; without this, each step asks
//! malloc for a fresh multi-kilobyte arena, and glibc consolidates its
//! small-chunk bins on every such request (5% of a tiny network's step in
//! the `tape_overhead` bench).

use std::any::Any;
use std::cell::RefCell;

use super::Node;
use crate::scalar::Scalar;

/// Arenas kept per thread: enough for nested tapes (e.g. a gradient
/// check inside a training step) without hoarding memory.
const KEEP: usize = 4;

thread_local! {
    static SPARE: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// An empty arena, reusing a spare allocation of the right type if any.
pub(super) fn take_nodes<T: Scalar>() -> Vec<Node<T>> {
    SPARE
        .try_with(|spare| {
            let mut spare = spare.borrow_mut();
            let pos = spare.iter().position(|b| b.is::<Vec<Node<T>>>())?;
            spare
                .swap_remove(pos)
                .downcast::<Vec<Node<T>>>()
                .ok()
                .map(|b| *b)
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Vec::with_capacity(64))
}

/// Returns an arena's allocation for the next tape (its nodes dropped).
pub(super) fn give_back<T: Scalar>(mut nodes: Vec<Node<T>>) {
    nodes.clear();
    if nodes.capacity() == 0 || nodes.capacity() > 1 << 16 {
        return;
    }
    let _ = SPARE.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < KEEP {
            spare.push(Box::new(nodes));
        }
    });
}
