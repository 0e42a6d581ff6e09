//! Tape hooks and the backward observer.
//!
//! Firing rule: when the reverse sweep reaches a node, the node's gradient
//! is complete (every consumer has already sent its contribution). Then,
//! before the gradient flows to the node's inputs, (1) the node's modifiers
//! run in registration order, each seeing the previous one's edits, (2) its
//! observers run in registration order and see the edited gradient, and
//! (3) a [`BackwardObserver`] passed to
//! [`Tape::backward_with`](crate::Tape::backward_with) sees it if the node
//! carries a scope label. A node that receives no gradient fires nothing.
//! With no hook registered, the sweep does no hook work at all.

use crate::scalar::Scalar;
use crate::tensor::Tensor;

pub(crate) type Modifier<T> = Box<dyn FnMut(&mut Tensor<T>)>;
pub(crate) type Observer<T> = Box<dyn FnMut(&Tensor<T>)>;

/// A hook registered on one node of one tape.
pub(crate) enum NodeHook<T: Scalar> {
    Modify { node: usize, f: Modifier<T> },
    Observe { node: usize, f: Observer<T> },
}

impl<T: Scalar> NodeHook<T> {
    pub(crate) fn node(&self) -> usize {
        match self {
            NodeHook::Modify { node, .. } | NodeHook::Observe { node, .. } => *node,
        }
    }
}

/// Where a gradient was observed: a labelled tape node.
#[derive(Debug, Clone)]
pub struct GradSite<'a> {
    /// The node's index on the tape.
    pub node: usize,
    /// The scope path the node was recorded under, e.g. `"layers.3"`.
    pub path: &'a str,
    /// The op that produced the node, e.g. `"tanh"`.
    pub op: &'static str,
    /// The scopes whose output this node is (the last node recorded while
    /// each was open): the gradient here is the gradient of the loss with
    /// respect to that layer's output.
    pub output_of: Vec<&'a str>,
}

/// Receives gradients during a backward sweep.
///
/// [`Tape::backward_with`](crate::Tape::backward_with) calls
/// [`BackwardObserver::observe`] once for every labelled node (recorded
/// inside a [`Tape::scope`](crate::Tape::scope)) that receives a gradient,
/// with the node's complete gradient, after the node's own tape hooks ran
/// and before the gradient flows to the node's inputs. The gradient-flow
/// monitor implements this trait.
pub trait BackwardObserver<T: Scalar> {
    /// One labelled node's complete gradient, read-only.
    fn observe(&mut self, site: &GradSite<'_>, grad: &Tensor<T>);

    /// Whether [`BackwardObserver::modify`] may change the gradient at
    /// `site`. The default says no, and the sweep then calls `observe`
    /// only; an observer that edits gradients (the monitor's layer
    /// modifiers) answers yes for the sites it edits.
    fn wants_to_modify(&self, site: &GradSite<'_>) -> bool {
        let _ = site;
        false
    }

    /// May change the gradient at `site` before `observe` sees it; the
    /// change flows upstream. Called only where
    /// [`BackwardObserver::wants_to_modify`] answered yes.
    fn modify(&mut self, site: &GradSite<'_>, grad: &mut Tensor<T>) {
        let _ = (site, grad);
    }
}
