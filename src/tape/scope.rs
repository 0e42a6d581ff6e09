//! Name scopes: labels on recorded nodes, so that gradients can be reported
//! by layer path. Metadata only; no op is inserted.

use std::collections::HashMap;

use super::Tape;
use crate::scalar::Scalar;

/// Interned scope paths and the stack of open scopes.
pub(crate) struct Scopes {
    /// `paths[0]` is the empty root path.
    paths: Vec<String>,
    lookup: HashMap<String, u32>,
    /// Open scopes: `(path id, number of nodes when it opened)`.
    stack: Vec<(u32, usize)>,
    /// `(node, path id)`: the node is the last one recorded while the scope
    /// was open — the output of the layer that scope names.
    outputs: Vec<(usize, u32)>,
}

impl Scopes {
    pub(crate) fn new() -> Scopes {
        Scopes {
            paths: vec![String::new()],
            lookup: HashMap::new(),
            stack: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// The id of the innermost open scope (0 when none is open).
    pub(crate) fn current(&self) -> u32 {
        self.stack.last().map_or(0, |&(id, _)| id)
    }

    pub(crate) fn enter(&mut self, name: &str, nodes_so_far: usize) {
        let parent = self.path(self.current());
        let path = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        let id = match self.lookup.get(&path) {
            Some(&id) => id,
            None => {
                let id = self.paths.len() as u32;
                self.lookup.insert(path.clone(), id);
                self.paths.push(path);
                id
            }
        };
        self.stack.push((id, nodes_so_far));
    }

    pub(crate) fn exit(&mut self, nodes_now: usize) {
        let (id, start) = self.stack.pop().expect("scope guards are dropped in order");
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
}
