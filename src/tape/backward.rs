//! The reverse sweep: one pass over the arena, last node first.

use super::anomaly::{self, Anomaly, Phase};
use super::hooks::{BackwardObserver, GradSite, NodeHook};
use super::scope::Scopes;
use super::{Grads, Node};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// Gradients in flight during the sweep, kept sparsely: a node's gradient
/// lives here from its first consumer's rule until its own turn, so a chain
/// of layers needs a handful of slots however long the tape (a table with
/// a slot per node was most of a tiny network's bookkeeping).
struct Pending<T: Scalar> {
    /// Per node: its index in `live`, or [`NONE`].
    slot_of: Vec<u32>,
    /// `(node, gradient so far)`, in no particular order.
    live: Vec<(usize, Tensor<T>)>,
    /// The capacities the two vectors came with, and `live`'s peak length,
    /// for giving them back (see `arena`).
    capacities: (usize, usize),
    live_peak: usize,
}

const NONE: u32 = u32::MAX;

impl<T: Scalar> Pending<T> {
    /// No gradients yet for nodes `0..n`.
    fn new(n: usize) -> Pending<T> {
        // Slot indices are u32 (4 bytes a node); 2³² nodes would be 480 GB
        // of tape.
        assert!(
            n < NONE as usize,
            "a tape of {n} nodes is too long to sweep"
        );
        let mut slot_of: Vec<u32> = super::arena::take_vec();
        let live: Vec<(usize, Tensor<T>)> = super::arena::take_vec();
        let capacities = (slot_of.capacity(), live.capacity());
        slot_of.resize(n, NONE);
        Pending {
            slot_of,
            live,
            capacities,
            live_peak: 0,
        }
    }

    /// The gradient sent so far to node `i`, removed.
    fn take(&mut self, i: usize) -> Option<Tensor<T>> {
        let slot = std::mem::replace(&mut self.slot_of[i], NONE);
        if slot == NONE {
            return None;
        }
        let (_, grad) = self.live.swap_remove(slot as usize);
        if let Some(&(moved, _)) = self.live.get(slot as usize) {
            self.slot_of[moved] = slot;
        }
        Some(grad)
    }

    /// Stores `grad` for node `i`, or adds it to what `i` has (fan-in).
    fn add(&mut self, i: usize, grad: Tensor<T>) {
        match self.slot_of[i] {
            NONE => {
                // Fewer live gradients than nodes, so this fits in a u32.
                self.slot_of[i] = self.live.len() as u32;
                self.live.push((i, grad));
                self.live_peak = self.live_peak.max(self.live.len());
            }
            slot => self.live[slot as usize].1.add_inplace(&grad),
        }
    }

    /// Returns the vectors' allocations for the next sweep on this thread.
    fn give_back(self) {
        let n = self.slot_of.len();
        super::arena::give_back_vec(self.slot_of, self.capacities.0, n);
        super::arena::give_back_vec(self.live, self.capacities.1, self.live_peak);
    }
}

/// What a backward rule sees: the values of the nodes before it, and a sink
/// for the gradients it sends to its inputs.
pub(crate) struct Ctx<'a, T: Scalar> {
    nodes: &'a [Node<T>],
    pending: &'a mut Pending<T>,
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
        self.pending.add(i, grad);
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
    if !nodes[output].requires_grad {
        return Grads::new();
    }
    // Sized exactly: the table outlives the sweep (a tiny network's
    // optimizer step ran with a doubling-grown table a third empty).
    let (mut params, mut vars) = (0, 0);
    for node in &nodes[..=output] {
        match (node.grad_id, node.param) {
            (Some(_), true) => params += 1,
            (Some(_), false) => vars += 1,
            (None, _) => {}
        }
    }
    let mut result = Grads::for_sweep(tape_id, params, vars);
    if !retain {
        // Nodes recorded after the output cannot lead to it.
        nodes.truncate(output + 1);
    }
    let mut pending = Pending::new(output + 1);
    pending.add(output, seed);
    // Latest node first; the stable sort keeps registration order per node.
    hooks.sort_by_key(|h| std::cmp::Reverse(h.node()));
    let mut next_hook = 0;

    for i in (0..=output).rev() {
        let Some(mut grad) = pending.take(i) else {
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
            match node.grad_id {
                Some(id) if node.param => result.insert_param(id, grad),
                Some(id) => result.insert_var((tape_id, i), id, grad),
                None => {}
            }
        } else {
            if let Some(id) = node.grad_id {
                result.insert_var((tape_id, i), id, grad.clone());
            }
            let mut ctx = Ctx {
                nodes: before,
                pending: &mut pending,
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
    pending.give_back();
    result
}
