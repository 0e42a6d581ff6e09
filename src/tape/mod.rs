//! The tape: reverse-mode automatic differentiation over the tensor layer.
//!
//! A [`Tape`] is a Wengert list: an arena of nodes, each the output of one
//! recorded op whose inputs have smaller indices. [`Var`] is a `Copy`
//! handle (the tape plus an index); its methods and operators compute a
//! value with the tensor kernels and record the op. [`Tape::backward`]
//! sweeps the arena once in reverse: when it reaches a node, that node's
//! gradient is complete, so its hooks fire once with the whole gradient,
//! then its backward rule sends gradients to its inputs and its saved
//! values are dropped.
//!
//! ```
//! use gradflow::{Param, Tape, Tensor};
//!
//! let w = Param::new(Tensor::<f64>::from_vec(vec![1.0, 2.0], [2])?);
//! let tape = Tape::new();
//! let x = tape.constant(Tensor::from_vec(vec![3.0, 4.0], [2])?);
//! let loss = (tape.param(&w) * x).sum_all(); // w·x
//! let grads = tape.backward(loss);
//! assert_eq!(grads.get(&w).unwrap().to_vec(), vec![3.0, 4.0]); // ∂(w·x)/∂w = x
//! # Ok::<(), gradflow::Error>(())
//! ```
//!
//! # Threads
//!
//! A tape is single-threaded: it is neither `Send` nor `Sync` (its nodes
//! sit in `RefCell`s and its hooks are plain closures), so it and its
//! [`Var`]s stay on the thread that made them. Everything that outlives a
//! step is `Send + Sync`: [`Tensor`], [`Param`], [`Grads`], every layer in
//! [`nn`](crate::nn) (the [`Module`](crate::nn::Module) trait requires it),
//! every optimizer, the monitor and state dicts. To train on several
//! threads, give each thread its own model (or move one there) and build
//! one tape per step on that thread; the results are bit-identical to
//! training the same models one after another.
//!
//! ```
//! use gradflow::nn::{Dense, Init, Layer};
//! use gradflow::optim::{Optimizer, Sgd, SgdConfig};
//! use gradflow::{Rng, SeedableRng, Tape, Tensor};
//!
//! let models: Vec<Dense<f32>> = (0..2)
//!     .map(|seed| Dense::new(3, 1, Init::xavier_uniform(), &mut Rng::seed_from_u64(seed)))
//!     .collect();
//! let trained = std::thread::scope(|scope| {
//!     let handles: Vec<_> = models
//!         .into_iter()
//!         .map(|mut model| {
//!             scope.spawn(move || {
//!                 let mut opt = Sgd::new(SgdConfig { lr: 0.1, ..SgdConfig::default() })?;
//!                 for _ in 0..10 {
//!                     let grads = {
//!                         let tape = Tape::new(); // this thread's tape
//!                         let x = tape.constant(Tensor::ones([4, 3]));
//!                         let loss = model.forward(x).square().mean_all();
//!                         tape.backward(loss)
//!                     };
//!                     opt.step(&mut model, &grads);
//!                 }
//!                 Ok::<_, gradflow::Error>(model)
//!             })
//!         })
//!         .collect();
//!     handles
//!         .into_iter()
//!         .map(|h| h.join().unwrap())
//!         .collect::<Result<Vec<Dense<f32>>, _>>()
//! })?;
//! assert_eq!(trained.len(), 2);
//! # Ok::<(), gradflow::Error>(())
//! ```
//!
//! A tape cannot be sent to another thread:
//!
//! ```compile_fail,E0277
//! let tape = gradflow::Tape::<f32>::new();
//! std::thread::spawn(move || tape.len()); // `Tape` is not `Send`
//! ```
//!
//! nor shared with one:
//!
//! ```compile_fail,E0277
//! let tape = gradflow::Tape::<f32>::new();
//! let x = tape.constant(gradflow::Tensor::ones([2]));
//! std::thread::scope(|s| {
//!     s.spawn(|| x.sum_all()); // `Var` borrows the tape, which is not `Sync`
//! });
//! ```

mod anomaly;
mod grads;
mod hooks;
pub mod ops;
mod param;
mod scope;
mod var;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

pub use anomaly::{Anomaly, Phase};
pub use grads::Grads;
pub use hooks::{BackwardObserver, GradSite};
pub use ops::custom::CustomOp;
pub use param::{Param, ParamId};
pub use scope::ScopeGuard;
pub use var::Var;

use crate::scalar::Scalar;
use crate::tensor::Tensor;
use hooks::NodeHook;
use ops::Op;
use scope::Scopes;

/// One recorded value and the op that produced it.
pub(crate) struct Node<T: Scalar> {
    pub(crate) value: Tensor<T>,
    pub(crate) op: Op<T>,
    /// Whether a gradient must flow into this node (it depends on a param or
    /// leaf). Ops on nodes that do not are recorded as constants.
    pub(crate) requires_grad: bool,
    /// Index into the tape's interned scope paths (0 = no scope).
    pub(crate) scope: u32,
    /// Set for params, gradient-requiring leaves and retained vars.
    pub(crate) grad_id: Option<ParamId>,
    /// A parameter's leaf (its gradient is found by id, not by var).
    pub(crate) param: bool,
}

static NEXT_TAPE_ID: AtomicU64 = AtomicU64::new(1);

/// Options for a tape, set when it is created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TapeOptions {
    /// Keep every node's values after backward, so the tape can be printed,
    /// read or swept again. Off by default: backward frees as it goes.
    pub retain_graph: bool,
    /// Anomaly mode: check every recorded op's output and every gradient
    /// of the sweep for NaN/±Inf and report the first offender (see
    /// [`Anomaly`]). Off by default.
    pub anomaly: bool,
}

impl TapeOptions {
    /// Keep (or free) the graph after backward.
    pub fn with_retain_graph(mut self, retain: bool) -> Self {
        self.retain_graph = retain;
        self
    }

    /// Turns anomaly mode on or off: with it on, the first NaN/±Inf in a
    /// recorded op's output or in a gradient is reported by
    /// [`Tape::anomaly`] and [`Grads::anomaly`]. Backward stays infallible.
    ///
    /// Costs one pass over each value and gradient (measured in
    /// `benches/tape_overhead.rs`); off, one boolean test per op.
    pub fn with_anomaly(mut self, on: bool) -> Self {
        self.anomaly = on;
        self
    }
}

/// A recording of one forward computation, and its reverse sweep.
///
/// Single-threaded by design (neither `Send` nor `Sync`, see the
/// [module docs](self#threads)): build one tape per step and per thread.
/// Parameters live outside it ([`Param`]); `tape.param(&p)` puts one on
/// the tape without copying its storage.
pub struct Tape<T: Scalar = f32> {
    id: u64,
    nodes: RefCell<Vec<Node<T>>>,
    /// The arena's capacity when the tape took it, and the most nodes it
    /// held (the sweep truncates as it goes): how it is given back.
    arena_capacity: usize,
    high_water: Cell<usize>,
    params: RefCell<param::ParamIndex>,
    scopes: RefCell<Scopes>,
    hooks: RefCell<Vec<NodeHook<T>>>,
    swept: Cell<bool>,
    options: TapeOptions,
    /// Anomaly mode: the first anomaly found on this tape.
    anomaly: RefCell<Option<Anomaly>>,
    /// Keeps the tape `!Send + !Sync` whatever its fields become: hooks and
    /// custom ops need not be `Send`, and the node arena is per thread.
    _single_thread: PhantomData<*const ()>,
}

impl<T: Scalar> Default for Tape<T> {
    fn default() -> Self {
        Tape::new()
    }
}

impl<T: Scalar> Tape<T> {
    /// An empty tape.
    pub fn new() -> Tape<T> {
        Tape::with_options(TapeOptions::default())
    }

    /// An empty tape with the given options.
    pub fn with_options(options: TapeOptions) -> Tape<T> {
        let nodes = arena::take_nodes();
        Tape {
            id: NEXT_TAPE_ID.fetch_add(1, Ordering::Relaxed),
            arena_capacity: nodes.capacity(),
            high_water: Cell::new(0),
            nodes: RefCell::new(nodes),
            params: RefCell::new(param::ParamIndex::recycled()),
            scopes: RefCell::new(Scopes::recycled()),
            hooks: RefCell::new(Vec::new()),
            swept: Cell::new(false),
            options,
            anomaly: RefCell::new(None),
            _single_thread: PhantomData,
        }
    }

    /// A value that needs no gradient (inputs, targets, masks).
    pub fn constant(&self, value: Tensor<T>) -> Var<'_, T> {
        self.push(value, Op::Leaf, false, None)
    }

    /// A leaf that requires a gradient; read it with
    /// [`Grads::wrt`] after backward.
    pub fn leaf(&self, value: Tensor<T>) -> Var<'_, T> {
        self.push(value, Op::Leaf, true, Some(ParamId::fresh()))
    }

    /// Puts a parameter on the tape, sharing its storage. A parameter put on
    /// twice is one node: its uses sum into one gradient.
    pub fn param(&self, param: &Param<T>) -> Var<'_, T> {
        if let Some(index) = self.params.borrow().get(param.id()) {
            return Var::new(self, index);
        }
        let var = self.push(param.value().clone(), Op::Leaf, true, Some(param.id()));
        self.nodes.borrow_mut()[var.index()].param = true;
        self.params.borrow_mut().insert(param.id(), var.index());
        var
    }

    /// The parameter whose leaf is node `index`, if any.
    pub(crate) fn param_at(&self, index: usize) -> Option<ParamId> {
        self.params.borrow().id_at(index)
    }

    /// Asks backward to report the gradient of an intermediate var too
    /// (read it with [`Grads::wrt`]).
    pub fn retain(&self, var: Var<'_, T>) {
        let mut nodes = self.nodes.borrow_mut();
        let node = &mut nodes[var.index()];
        if node.grad_id.is_none() {
            node.grad_id = Some(ParamId::fresh());
        }
    }

    /// Opens a name scope: every node recorded while the guard lives is
    /// labelled with the current path (nested scopes join with `.`). Only
    /// metadata; no op is inserted.
    pub fn scope(&self, name: &str) -> ScopeGuard<'_, T> {
        let len = self.nodes.borrow().len();
        self.scopes.borrow_mut().enter(name, len);
        ScopeGuard::new(self)
    }

    pub(crate) fn exit_scope(&self) {
        let len = self.nodes.borrow().len();
        self.scopes.borrow_mut().exit(len);
    }

    /// Number of recorded nodes.
    pub fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.nodes.borrow().is_empty()
    }

    /// The tape's process-unique id.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Records a node and returns its handle.
    pub(crate) fn push(
        &self,
        value: Tensor<T>,
        op: Op<T>,
        requires_grad: bool,
        grad_id: Option<ParamId>,
    ) -> Var<'_, T> {
        assert!(
            !self.swept.get(),
            "tape: cannot record after backward has consumed the tape; build a new tape for the next step"
        );
        let scope = self.scopes.borrow().current();
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node {
            value,
            op,
            requires_grad,
            scope,
            grad_id,
            param: false,
        });
        Var::new(self, nodes.len() - 1)
    }

    /// Records an op's output: as the op if any input requires a gradient,
    /// as a constant otherwise (so backward skips it).
    pub(crate) fn record(&self, value: Tensor<T>, op: Op<T>) -> Var<'_, T> {
        if self.options.anomaly {
            self.check_forward(&value, op.name());
        }
        let requires_grad = {
            let nodes = self.nodes.borrow();
            let mut any = false;
            op.for_each_input(|i| any |= nodes[i].requires_grad);
            any
        };
        if requires_grad {
            self.push(value, op, true, None)
        } else {
            self.push(value, Op::Leaf, false, None)
        }
    }

    /// A node's value (a cheap, storage-sharing clone).
    #[track_caller]
    pub(crate) fn value(&self, index: usize) -> Tensor<T> {
        self.value_ref(index).clone()
    }

    /// A node's value, borrowed.
    #[track_caller]
    pub(crate) fn value_ref(&self, index: usize) -> std::cell::Ref<'_, Tensor<T>> {
        let nodes = self.nodes.borrow();
        if index >= nodes.len() {
            panic!(
                "tape: var #{index} is gone: backward consumed the tape (read values before calling backward, \
                 or create the tape with TapeOptions::default().with_retain_graph(true))"
            );
        }
        std::cell::Ref::map(nodes, |n| &n[index].value)
    }

    /// Anomaly mode, forward: checks the value about to be recorded as the
    /// next node, unless an anomaly was already found.
    #[cold]
    #[inline(never)]
    fn check_forward(&self, value: &Tensor<T>, op: &'static str) {
        if self.anomaly.borrow().is_some() {
            return;
        }
        let nonfinite = anomaly::count_nonfinite(value.data());
        if nonfinite == 0 {
            return;
        }
        let scopes = self.scopes.borrow();
        *self.anomaly.borrow_mut() = Some(Anomaly {
            phase: Phase::Forward,
            op,
            path: scopes.path(scopes.current()).to_string(),
            node: self.nodes.borrow().len(),
            input: None,
            nonfinite,
            numel: value.numel(),
        });
    }

    /// Anomaly mode: the first NaN/±Inf found on this tape — in a recorded
    /// op's output (found while recording, so it can be read before
    /// backward) or, after a sweep, in a gradient. `None` with anomaly mode
    /// off or when every checked value was finite.
    ///
    /// The [`Grads`] of a sweep carry the same report
    /// ([`Grads::anomaly`]).
    pub fn anomaly(&self) -> Option<Anomaly> {
        self.anomaly.borrow().clone()
    }

    pub(crate) fn add_hook(&self, hook: NodeHook<T>) {
        self.hooks.borrow_mut().push(hook);
    }

    /// Reverse-mode sweep from a scalar `loss`, returning the gradients of
    /// every parameter, gradient-requiring leaf and retained var.
    ///
    /// # Panics
    /// If `loss` has more than one element (use
    /// [`Tape::backward_with_seed`]) or belongs to another tape.
    #[track_caller]
    pub fn backward(&self, loss: Var<'_, T>) -> Grads<T> {
        let seed = self.scalar_seed(loss);
        self.sweep(loss, seed, None)
    }

    /// Reverse-mode sweep seeded with `seed` (the gradient of some scalar
    /// with respect to `output`; it must have `output`'s shape).
    ///
    /// # Panics
    /// If the seed's shape differs from the output's.
    #[track_caller]
    pub fn backward_with_seed(&self, output: Var<'_, T>, seed: Tensor<T>) -> Grads<T> {
        let shape = output.shape();
        assert!(
            seed.shape() == shape.dims(),
            "backward_with_seed: seed shape {:?} differs from the output's shape {shape:?}",
            seed.shape()
        );
        self.sweep(output, seed, None)
    }

    /// As [`Tape::backward`], calling `observer` with the complete gradient
    /// of every labelled node (recorded inside a [`Tape::scope`]) as the
    /// sweep reaches it.
    #[track_caller]
    pub fn backward_with(
        &self,
        loss: Var<'_, T>,
        observer: &mut dyn BackwardObserver<T>,
    ) -> Grads<T> {
        let seed = self.scalar_seed(loss);
        self.sweep(loss, seed, Some(observer))
    }

    #[track_caller]
    fn scalar_seed(&self, loss: Var<'_, T>) -> Tensor<T> {
        let shape = loss.shape();
        assert!(
            shape.iter().product::<usize>() == 1,
            "backward: the loss has shape {shape:?}; backward needs a single element \
             (reduce it with sum_all or mean_all, or call backward_with_seed)"
        );
        Tensor::full(shape, T::one())
    }

    #[track_caller]
    fn sweep(
        &self,
        output: Var<'_, T>,
        seed: Tensor<T>,
        observer: Option<&mut dyn BackwardObserver<T>>,
    ) -> Grads<T> {
        assert!(
            output.tape_id() == self.id,
            "backward: the var belongs to another tape"
        );
        assert!(
            !self.swept.get(),
            "backward: this tape was already swept; keep the graph with TapeOptions::default().with_retain_graph(true)"
        );
        // Taken out of the RefCell first: a hook or custom op that touches
        // the tape cannot hit a borrow panic.
        let mut nodes = std::mem::take(&mut *self.nodes.borrow_mut());
        self.high_water.set(self.high_water.get().max(nodes.len()));
        let mut hooks = std::mem::take(&mut *self.hooks.borrow_mut());
        let scopes = self.scopes.borrow();
        let retain = self.options.retain_graph;
        if !retain {
            self.swept.set(true);
        }
        // Anomaly mode: a forward anomaly is the first offender of every
        // sweep (and backward checks are then pointless); a backward one
        // belongs to the sweep that found it.
        let forward_anomaly = if self.options.anomaly {
            self.anomaly
                .borrow()
                .as_ref()
                .filter(|a| a.phase == Phase::Forward)
                .cloned()
        } else {
            None
        };
        let check = self.options.anomaly && forward_anomaly.is_none();
        let mut grads = backward::run(
            &mut nodes,
            output.index(),
            seed,
            &mut hooks,
            observer,
            &scopes,
            self.id,
            retain,
            check,
        );
        if let Some(a) = forward_anomaly {
            grads.set_anomaly(a);
        } else if let Some(a) = grads.anomaly() {
            let mut first = self.anomaly.borrow_mut();
            if first.is_none() {
                *first = Some(a.clone());
            }
        }
        if retain {
            *self.hooks.borrow_mut() = hooks;
        } else {
            // Emptied by the sweep; kept for its allocation (see `arena`).
            nodes.clear();
        }
        *self.nodes.borrow_mut() = nodes;
        grads
    }
}

mod arena;
mod backward;

impl<T: Scalar> Drop for Tape<T> {
    fn drop(&mut self) {
        let nodes = std::mem::take(self.nodes.get_mut());
        arena::give_back_vec(nodes, self.arena_capacity, self.high_water.get());
        std::mem::take(self.params.get_mut()).give_back();
        std::mem::replace(self.scopes.get_mut(), Scopes::empty()).give_back();
    }
}

impl<T: Scalar> fmt::Display for Tape<T> {
    /// One line per node: index, op and inputs, shape, and scope path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes = self.nodes.borrow();
        let scopes = self.scopes.borrow();
        if nodes.is_empty() && self.swept.get() {
            return writeln!(f, "(tape consumed by backward)");
        }
        for (i, node) in nodes.iter().enumerate() {
            write!(
                f,
                "#{i:<4} {:<28} {:?}",
                node.op.describe(),
                node.value.shape()
            )?;
            if node.scope != 0 {
                write!(f, "  @{}", scopes.path(node.scope))?;
            }
            if let Some(id) = node.grad_id {
                write!(f, "  [{id}]")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl<T: Scalar> fmt::Debug for Tape<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tape(#{}, {} nodes)", self.id, self.len())
    }
}
#[cfg(all(test, target_pointer_width = "64"))]
mod size_tests {
    /// Every recorded op costs one node, and a small network's step is
    /// mostly nodes: a payload that grows `Op` grows them all.
    #[test]
    fn a_tape_node_stays_within_112_bytes() {
        use std::mem::size_of;
        assert_eq!(
            size_of::<crate::Tensor<f32>>(),
            56,
            "Arc<[T]> + inline rank-4 shape"
        );
        assert!(
            size_of::<super::ops::Op<f32>>() <= 40,
            "box large op payloads"
        );
        assert!(size_of::<super::Node<f32>>() <= 112);
        assert!(size_of::<super::Node<f64>>() <= 112);
    }
}
