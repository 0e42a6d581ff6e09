//! The reverse sweep: one pass over the arena, last node first.

use super::anomaly::{self, Anomaly, Phase};
use super::hooks::{BackwardObserver, GradSite, NodeHook};
use super::scope::Scopes;
use super::{Grads, Node};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// What a backward rule sees: the values of the nodes before it, and a sink
/// for the gradients it sends to its inputs.
pub(crate) struct Ctx<'a, T: Scalar> {
    nodes: &'a [Node<T>],
    grads: &'a mut [Option<Tensor<T>>],
    /// Anomaly mode: check each sent gradient for NaN/±Inf.
    check: bool,
    /// The first non-finite gradient sent: `(input, nonfinite, numel)`.
    bad: Option<(usize, usize, usize)>,
}

impl<T: Scalar> Ctx<'_, T> {
    /// The forward value of input node `i`.
    pub(crate) fn value(&self, i: usize) -> &Tensor<T> {
        &self.nodes[i].value
    }

    /// Whether input `i` wants a gradient (rules skip work for those that
    /// do not, such as a matmul's constant input).
    pub(crate) fn needs(&self, i: usize) -> bool {
        self.nodes[i].requires_grad
    }

    /// Sends a gradient contribution to input `i`: the first is stored by
    /// move, later ones are added (fan-in).
    pub(crate) fn send(&mut self, i: usize, grad: Tensor<T>) {
        if !self.nodes[i].requires_grad {
            return;
        }
        debug_assert_eq!(
            grad.shape(),
            self.nodes[i].value.shape(),
            "gradient shape of node {i}"
        );
        if self.check {
            self.check_sent(i, &grad);
        }
        match &mut self.grads[i] {
            slot @ None => *slot = Some(grad),
            Some(acc) => acc.add_inplace(&grad),
        }
    }

    /// Anomaly mode: notes the first non-finite gradient sent, and stops
    /// checking.
    #[inline(never)]
    fn check_sent(&mut self, i: usize, grad: &Tensor<T>) {
        let nonfinite = anomaly::count_nonfinite(grad.data());
        if nonfinite > 0 {
            self.bad = Some((i, nonfinite, grad.numel()));
            self.check = false;
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn run<T: Scalar>(
    nodes: &mut Vec<Node<T>>,
    output: usize,
    seed: Tensor<T>,
    hooks: &mut [NodeHook<T>],
    mut observer: Option<&mut dyn BackwardObserver<T>>,
    scopes: &Scopes,
    tape_id: u64,
    retain: bool,
    // Anomaly mode: check gradients until the first non-finite one.
    mut check: bool,
) -> Grads<T> {
    let mut result = Grads::new();
    if !nodes[output].requires_grad {
        return result;
    }
    if !retain {
        // Nodes recorded after the output cannot lead to it.
        nodes.truncate(output + 1);
    }
    let mut grads: Vec<Option<Tensor<T>>> = super::arena::take_vec();
    grads.resize_with(output + 1, || None);
    grads[output] = Some(seed);
    // Latest node first; the stable sort keeps registration order per node.
    hooks.sort_by_key(|h| std::cmp::Reverse(h.node()));
    let mut next_hook = 0;

    for i in (0..=output).rev() {
        let Some(mut grad) = grads[i].take() else {
            if !retain {
                nodes.truncate(i);
            }
            continue;
        };
        // Hooks are sorted by node, latest first, like the sweep: skip those
        // of nodes that got no gradient, then run this node's, if any.
        while next_hook < hooks.len() && hooks[next_hook].node() > i {
            next_hook += 1;
        }
        if next_hook < hooks.len() && hooks[next_hook].node() == i {
            let end = hooks[next_hook..]
                .iter()
                .position(|h| h.node() != i)
                .map_or(hooks.len(), |p| next_hook + p);
            for hook in &mut hooks[next_hook..end] {
                if let NodeHook::Modify { f, .. } = hook {
                    f(&mut grad);
                }
            }
            for hook in &mut hooks[next_hook..end] {
                if let NodeHook::Observe { f, .. } = hook {
                    f(&grad);
                }
            }
            next_hook = end;
        }
        let (before, rest) = nodes.split_at(i);
        let node = &rest[0];
        if let Some(obs) = observer.as_deref_mut()
            && node.scope != 0
        {
            let site = GradSite {
                node: i,
                path: scopes.path(node.scope),
                op: node.op.name(),
                output_of: scopes.outputs_of(i).collect(),
            };
            if obs.wants_to_modify(&site) {
                obs.modify(&site, &mut grad);
            }
            obs.observe(&site, &grad);
        }
        // Anomaly mode: the complete gradient, as it flows on (after hooks
        // and the observer's modifiers).
        if check {
            let nonfinite = anomaly::count_nonfinite(grad.data());
            if nonfinite > 0 {
                result.set_anomaly(Anomaly {
                    phase: Phase::Backward,
                    op: node.op.name(),
                    path: scopes.path(node.scope).to_string(),
                    node: i,
                    input: None,
                    nonfinite,
                    numel: grad.numel(),
                });
                check = false;
            }
        }
        if node.op.is_leaf() {
            if let Some(id) = node.grad_id {
                result.insert_var((tape_id, i), id, grad);
            }
        } else {
            if let Some(id) = node.grad_id {
                result.insert_var((tape_id, i), id, grad.clone());
            }
            let mut ctx = Ctx {
                nodes: before,
                grads: &mut grads[..i],
                check,
                bad: None,
            };
            node.op.backward(&node.value, grad, &mut ctx);
            // Anomaly mode: this node's gradient was finite, so its rule
            // made the NaN/±Inf it sent (e.g. sqrt at 0).
            if let Some((input, nonfinite, numel)) = ctx.bad {
                result.set_anomaly(Anomaly {
                    phase: Phase::Backward,
                    op: node.op.name(),
                    path: scopes.path(node.scope).to_string(),
                    node: i,
                    input: Some(input),
                    nonfinite,
                    numel,
                });
                check = false;
            }
        }
        if !retain {
            // Drops the node's saved values in place, as soon as its rule ran.
            nodes.truncate(i);
        }
    }
    result.finish();
    super::arena::give_back_vec(grads);
    result
}
