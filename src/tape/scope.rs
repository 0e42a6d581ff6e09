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
    /// `paths[0]` is the empty root path.
    paths: Vec<String>,
    /// Per path: its parent's id and where its own name starts in it.
    links: Vec<(u32, u32)>,
    /// Open-addressing index of `(parent, name)` → path id (`u32::MAX` empty).
    slots: Vec<u32>,
    /// Open scopes: `(path id, number of nodes when it opened)`.
    stack: Vec<(u32, usize)>,
    /// `(node, path id)`: the node is the last one recorded while the scope
    /// was open — the output of the layer that scope names.
    outputs: Vec<(usize, u32)>,
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
        Scopes {
            paths: vec![String::new()],
            links: vec![(0, 0)],
            slots: vec![EMPTY; 64],
            stack: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// A placeholder that allocates nothing (for `mem::replace` on drop).
    pub(crate) fn empty() -> Scopes {
        Scopes {
            paths: Vec::new(),
            links: Vec::new(),
            slots: Vec::new(),
            stack: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// This thread's spare table (open scopes and outputs cleared), or a
    /// new one.
    pub(crate) fn recycled() -> Scopes {
        SPARE
            .try_with(|s| s.borrow_mut().take())
            .ok()
            .flatten()
            .unwrap_or_else(Scopes::new)
    }

    /// Keeps the interned table for the thread's next tape.
    pub(crate) fn give_back(mut self) {
        if self.paths.len() > MAX_RECYCLED_PATHS {
            return;
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

    /// The id of `parent.name`, added if new.
    fn intern(&mut self, parent: u32, name: &str) -> u32 {
        let mask = self.slots.len() - 1;
        let mut slot = hash_of(parent, name) as usize & mask;
        loop {
            let id = self.slots[slot];
            if id == EMPTY {
                break;
            }
            let (p, start) = self.links[id as usize];
            if p == parent && &self.paths[id as usize][start as usize..] == name {
                return id;
            }
            slot = (slot + 1) & mask;
        }
        let id = self.paths.len() as u32;
        let parent_path = &self.paths[parent as usize];
        let path = if parent_path.is_empty() {
            name.to_string()
        } else {
            format!("{parent_path}.{name}")
        };
        self.links.push((parent, (path.len() - name.len()) as u32));
        self.paths.push(path);
        self.slots[slot] = id;
        if self.paths.len() * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    /// Doubles the index and reinserts every path.
    fn grow(&mut self) {
        self.slots = vec![EMPTY; self.slots.len() * 2];
        let mask = self.slots.len() - 1;
        for id in 1..self.paths.len() {
            let (parent, start) = self.links[id];
            let mut slot = hash_of(parent, &self.paths[id][start as usize..]) as usize & mask;
            while self.slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = id as u32;
        }
    }

    pub(crate) fn exit(&mut self, nodes_now: usize) {
        // Every `ScopeGuard` pushed one entry when it was made and pops one
        // when dropped, so the stack cannot be empty here (guards dropped
        // out of order mislabel nodes but never underflow it).
        #[allow(clippy::expect_used)]
        let (id, start) = self.stack.pop().expect("one entry per live scope guard");
        if nodes_now > start {
            self.outputs.push((nodes_now - 1, id));
        }
    }

    /// The full dotted path of a scope id.
    pub(crate) fn path(&self, id: u32) -> &str {
        &self.paths[id as usize]
    }

    /// Paths of the scopes whose output is `node`.
    pub(crate) fn outputs_of(&self, node: usize) -> impl Iterator<Item = &str> {
        self.outputs
            .iter()
            .filter(move |&&(n, _)| n == node)
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
}
