//! Name scopes: labels on recorded nodes, so that gradients can be reported
//! by layer path. Metadata only; no op is inserted.

use std::cell::RefCell;

use super::Tape;
use crate::scalar::Scalar;

/// Interned scope paths and the stack of open scopes.
///
/// A training loop opens the same scopes on a fresh tape every step, so the
/// interned table is recycled between the tapes of a thread
/// ([`Scopes::recycled`]) and a scope that was seen before costs a hash of
/// its name and no allocation (formatting and hashing the full path of every
/// layer on every step was a tenth of a tiny network's step).
pub(crate) struct Scopes {
    /// Every interned path, one after another (one allocation for all of
    /// them, not one `String` each: these tables are kept per thread).
    text: String,
    /// Per path id: where it lies in `text`; `paths[0]` is the empty root.
    paths: Vec<PathEntry>,
    /// Open-addressing index of `(parent, name)` → path id (`EMPTY` empty).
    slots: Vec<u32>,
    /// Open scopes: `(path id, number of nodes when it opened)`.
    stack: Vec<(u32, usize)>,
    /// `(node, path id)`: the node is the last one recorded while the scope
    /// was open — the output of the layer that scope names.
    outputs: Vec<(u32, u32)>,
    /// The capacities the growing tables had when this tape took them, so
    /// that `give_back` keeps each at the size it needed (see `arena`).
    start_capacity: [usize; 3],
}

/// A path's place in [`Scopes::text`]; u32 offsets keep the table small
/// (4 GiB of scope names is not a thing a tape holds).
#[derive(Clone, Copy)]
struct PathEntry {
    start: u32,
    end: u32,
    /// Where its own name starts (after the parent's path and the dot).
    name_start: u32,
    parent: u32,
}

const EMPTY: u32 = u32::MAX;

/// Interned tables larger than this are not recycled (a program that makes
/// new scope names every step must not grow one table forever).
const MAX_RECYCLED_PATHS: usize = 4096;

thread_local! {
    static SPARE: RefCell<Option<Scopes>> = const { RefCell::new(None) };
}

/// FxHash of a scope's parent id and name.
fn hash_of(parent: u32, name: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = u64::from(parent).wrapping_mul(K);
    for &b in name.as_bytes() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    h
}

impl Scopes {
    pub(crate) fn new() -> Scopes {
        let root = PathEntry {
            start: 0,
            end: 0,
            name_start: 0,
            parent: 0,
        };
        Scopes {
            text: String::new(),
            paths: vec![root],
            slots: vec![EMPTY; 32],
            stack: Vec::new(),
            outputs: Vec::new(),
            start_capacity: [0; 3],
        }
    }

    /// A placeholder that allocates nothing (for `mem::replace` on drop).
    pub(crate) fn empty() -> Scopes {
        Scopes {
            text: String::new(),
            paths: Vec::new(),
            slots: Vec::new(),
            stack: Vec::new(),
            outputs: Vec::new(),
            start_capacity: [0; 3],
        }
    }

    /// This thread's spare table (open scopes and outputs cleared), or a
    /// new one.
    pub(crate) fn recycled() -> Scopes {
        let mut s = SPARE
            .try_with(|s| s.borrow_mut().take())
            .ok()
            .flatten()
            .unwrap_or_else(Scopes::new);
        s.start_capacity = [s.text.capacity(), s.paths.capacity(), s.outputs.capacity()];
        s
    }

    /// Keeps the interned table for the thread's next tape, each vector
    /// shrunk to what it held if this tape grew it.
    pub(crate) fn give_back(mut self) {
        if self.paths.len() > MAX_RECYCLED_PATHS {
            return;
        }
        let [text, paths, outputs] = self.start_capacity;
        if self.text.capacity() > text {
            self.text.shrink_to_fit();
        }
        if self.paths.capacity() > paths {
            self.paths.shrink_to_fit();
        }
        if self.outputs.capacity() > outputs {
            self.outputs.shrink_to_fit();
        }
        self.stack.clear();
        self.outputs.clear();
        let _ = SPARE.try_with(|s| *s.borrow_mut() = Some(self));
    }

    /// The id of the innermost open scope (0 when none is open).
    pub(crate) fn current(&self) -> u32 {
        self.stack.last().map_or(0, |&(id, _)| id)
    }

    pub(crate) fn enter(&mut self, name: &str, nodes_so_far: usize) {
        let parent = self.current();
        let id = self.intern(parent, name);
        self.stack.push((id, nodes_so_far));
    }

    /// The name of path `id` (its last component).
    fn name(&self, id: u32) -> &str {
        let e = self.paths[id as usize];
        &self.text[e.name_start as usize..e.end as usize]
    }

    /// The id of `parent.name`, added if new.
    fn intern(&mut self, parent: u32, name: &str) -> u32 {
        let mask = self.slots.len() - 1;
        let mut slot = hash_of(parent, name) as usize & mask;
        loop {
            let id = self.slots[slot];
            if id == EMPTY {
                break;
            }
            if self.paths[id as usize].parent == parent && self.name(id) == name {
                return id;
            }
            slot = (slot + 1) & mask;
        }
        let id = self.paths.len() as u32;
        let p = self.paths[parent as usize];
        let start = self.text.len();
        // Copied from `text` into `text`: the parent's path, then the dot.
        self.text
            .extend_from_within(p.start as usize..p.end as usize);
        if p.end > p.start {
            self.text.push('.');
        }
        let name_start = self.text.len();
        self.text.push_str(name);
        self.paths.push(PathEntry {
            start: start as u32,
            end: self.text.len() as u32,
            name_start: name_start as u32,
            parent,
        });
        self.slots[slot] = id;
        // Linear probing stays short up to three quarters full.
        if self.paths.len() * 4 > self.slots.len() * 3 {
            self.grow();
        }
        id
    }

    /// Doubles the index and reinserts every path.
    fn grow(&mut self) {
        self.slots = vec![EMPTY; self.slots.len() * 2];
        let mask = self.slots.len() - 1;
        for id in 1..self.paths.len() as u32 {
            let parent = self.paths[id as usize].parent;
            let mut slot = hash_of(parent, self.name(id)) as usize & mask;
            while self.slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = id;
        }
    }

    pub(crate) fn exit(&mut self, nodes_now: usize) {
        // Every `ScopeGuard` pushed one entry when it was made and pops one
        // when dropped, so the stack cannot be empty here (guards dropped
        // out of order mislabel nodes but never underflow it).
        #[allow(clippy::expect_used)]
        let (id, start) = self.stack.pop().expect("one entry per live scope guard");
        if nodes_now > start {
            // A tape of 2³² nodes would be 480 GB; saturate rather than wrap.
            let node = u32::try_from(nodes_now - 1).unwrap_or(u32::MAX);
            self.outputs.push((node, id));
        }
    }

    /// The full dotted path of a scope id.
    pub(crate) fn path(&self, id: u32) -> &str {
        let e = self.paths[id as usize];
        &self.text[e.start as usize..e.end as usize]
    }

    /// Paths of the scopes whose output is `node`.
    pub(crate) fn outputs_of(&self, node: usize) -> impl Iterator<Item = &str> {
        self.outputs
            .iter()
            .filter(move |&&(n, _)| n as usize == node)
            .map(|&(_, id)| self.path(id))
    }
}

/// Keeps a name scope open on a tape; closing it when dropped.
///
/// ```
/// use gradflow::{Tape, Tensor};
/// let tape = Tape::<f32>::new();
/// let x = tape.leaf(Tensor::ones([2]));
/// let y = {
///     let _layer = tape.scope("layers.0");
///     x.tanh()
/// };
/// assert!(tape.to_string().contains("@layers.0"));
/// # let _ = y;
/// ```
#[must_use = "the scope closes as soon as the guard is dropped; bind it with `let _scope = ...`"]
pub struct ScopeGuard<'t, T: Scalar> {
    tape: &'t Tape<T>,
}

impl<'t, T: Scalar> ScopeGuard<'t, T> {
    pub(crate) fn new(tape: &'t Tape<T>) -> Self {
        ScopeGuard { tape }
    }
}

impl<T: Scalar> Drop for ScopeGuard<'_, T> {
    fn drop(&mut self) {
        self.tape.exit_scope();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_scopes_join_with_dots_and_record_outputs() {
        let mut s = Scopes::new();
        s.enter("model", 0);
        s.enter("3", 0);
        assert_eq!(s.path(s.current()), "model.3");
        s.exit(2);
        s.exit(2);
        assert_eq!(
            s.outputs_of(1).collect::<Vec<_>>(),
            vec!["model.3", "model"]
        );
        assert_eq!(s.current(), 0);
    }

    #[test]
    fn interning_finds_every_path_again_across_growth_and_recycling() {
        let mut s = Scopes::new();
        let mut ids = Vec::new();
        for i in 0..300 {
            s.enter("net", 0);
            s.enter(&i.to_string(), 0);
            ids.push(s.current());
            s.exit(0);
            s.exit(0);
        }
        s.give_back();
        let mut s = Scopes::recycled();
        for (i, &id) in ids.iter().enumerate() {
            s.enter("net", 0);
            s.enter(&i.to_string(), 0);
            assert_eq!(s.current(), id);
            assert_eq!(s.path(id), format!("net.{i}"));
            s.exit(0);
            s.exit(0);
        }
        // Same name under another parent is another path.
        s.enter("1", 0);
        assert_eq!(s.path(s.current()), "1");
        assert_ne!(s.current(), ids[1]);
    }

    #[test]
    fn a_recycled_table_keeps_what_the_last_tape_needed() {
        let mut s = Scopes::recycled();
        s.outputs = Vec::new();
        s.start_capacity[2] = 0;
        for i in 0..17 {
            s.enter(&i.to_string(), i);
            s.exit(i + 1);
        }
        assert!(s.outputs.capacity() > 17, "grown by doubling");
        s.give_back();
        let s = Scopes::recycled();
        assert!(s.outputs.is_empty());
        assert_eq!(s.outputs.capacity(), 17);
        assert_eq!(s.text.capacity(), s.text.len());
        s.give_back();
    }
}
