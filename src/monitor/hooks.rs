//! Hooks by name on the monitor: observers and prioritized modifiers of a
//! layer's output gradient or a parameter's gradient, removed when their
//! handle is dropped.
//!
//! Hooks receive plain gradient values ([`GradRef`], [`GradMut`]) with the
//! site's name and step — never graph nodes — so they cannot keep a tape
//! alive, and the same hook works for `f32` and `f64` models. Modules never
//! hold hooks, so models stay `Send + Sync`.

use std::any::Any;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::scalar::Scalar;
use crate::tape::ParamId;
use crate::tensor::Tensor;

/// A gradient handed to an observer, in its model's precision.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum GradRef<'a> {
    /// An `f32` gradient.
    F32(&'a Tensor<f32>),
    /// An `f64` gradient.
    F64(&'a Tensor<f64>),
}

impl GradRef<'_> {
    /// Statistics of the gradient (one pass).
    pub fn stats(&self) -> super::GradStats {
        match self {
            GradRef::F32(t) => super::GradStats::of(*t),
            GradRef::F64(t) => super::GradStats::of(*t),
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            GradRef::F32(t) => t.shape(),
            GradRef::F64(t) => t.shape(),
        }
    }

    /// The elements widened to `f64`.
    pub fn to_f64_vec(&self) -> Vec<f64> {
        match self {
            GradRef::F32(t) => t.data().iter().map(|&x| x as f64).collect(),
            GradRef::F64(t) => t.to_vec(),
        }
    }
}

/// A gradient handed to a modifier, which may change it in place.
#[derive(Debug)]
#[non_exhaustive]
pub enum GradMut<'a> {
    /// An `f32` gradient.
    F32(&'a mut Tensor<f32>),
    /// An `f64` gradient.
    F64(&'a mut Tensor<f64>),
}

impl GradMut<'_> {
    /// Applies `f` to every element (computed in `f64`, rounded back).
    pub fn map(&mut self, f: impl Fn(f64) -> f64) {
        match self {
            GradMut::F32(t) => t.map_inplace(|x| f(x as f64) as f32),
            GradMut::F64(t) => t.map_inplace(f),
        }
    }

    /// Multiplies every element by `factor`.
    pub fn scale(&mut self, factor: f64) {
        self.map(|x| x * factor);
    }

    /// A read-only view.
    pub fn as_ref(&self) -> GradRef<'_> {
        match self {
            GradMut::F32(t) => GradRef::F32(t),
            GradMut::F64(t) => GradRef::F64(t),
        }
    }
}

/// Which kind of site a hook watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SiteKind {
    /// The gradient of the loss with respect to a layer's output.
    LayerOutput,
    /// A parameter's gradient for the step.
    Param,
}

/// What a hook is told besides the gradient.
#[derive(Debug, Clone, Copy)]
pub struct HookCtx<'a> {
    /// The layer path or parameter name.
    pub name: &'a str,
    /// Layer output or parameter.
    pub site: SiteKind,
    /// The monitor's step.
    pub step: u64,
    /// The parameter's id, for parameter sites.
    pub param: Option<ParamId>,
}

type ObserveFn = Box<dyn FnMut(&HookCtx<'_>, GradRef<'_>) + Send>;
type ModifyFn = Box<dyn FnMut(&HookCtx<'_>, GradMut<'_>) + Send>;

enum Action {
    Observe(ObserveFn),
    Modify { priority: i32, f: ModifyFn },
}

struct Entry {
    id: u64,
    site: SiteKind,
    name: String,
    action: Action,
}

/// The monitor's hooks. Shared with the handles through a `Weak`, so a
/// handle never keeps the monitor's hooks alive.
#[derive(Default)]
pub(crate) struct Registry {
    /// Locked with poisoning ignored: a user hook that panicked while the
    /// lock was held left the list whole (hooks never add or remove
    /// entries), so the monitor stays usable after the panic is caught.
    entries: Mutex<Vec<Entry>>,
    /// Counts kept outside the lock: the sweep asks "any layer hook?" per
    /// labelled node and must not pay for a lock when there is none.
    layer_hooks: AtomicUsize,
    layer_modifiers: AtomicUsize,
    param_hooks: AtomicUsize,
}

static NEXT_HOOK: AtomicU64 = AtomicU64::new(1);

impl Registry {
    fn counters(&self, site: SiteKind, modifier: bool) -> [&AtomicUsize; 2] {
        match site {
            SiteKind::LayerOutput if modifier => [&self.layer_hooks, &self.layer_modifiers],
            SiteKind::LayerOutput => [&self.layer_hooks, &self.layer_hooks],
            SiteKind::Param => [&self.param_hooks, &self.param_hooks],
        }
    }

    fn adjust(&self, entry: &Entry, delta: isize) {
        let modifier = matches!(entry.action, Action::Modify { .. });
        let [a, b] = self.counters(entry.site, modifier);
        let apply = |c: &AtomicUsize| {
            if delta > 0 {
                c.fetch_add(1, Ordering::Relaxed);
            } else {
                c.fetch_sub(1, Ordering::Relaxed);
            }
        };
        apply(a);
        if !std::ptr::eq(a, b) {
            apply(b);
        }
    }

    /// Adds a hook, replacing the observer of the same site, or the
    /// modifier of the same site and priority.
    fn add(&self, site: SiteKind, name: &str, action: Action) -> u64 {
        let id = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
        let entry = Entry {
            id,
            site,
            name: name.to_string(),
            action,
        };
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // One observer per site, and one modifier per site and priority:
        // registering again (e.g. each time a training loop restarts)
        // replaces instead of piling up; distinct priorities coexist.
        let same_kind = |e: &Entry| {
            e.site == site
                && e.name == name
                && match (&e.action, &entry.action) {
                    (Action::Observe(_), Action::Observe(_)) => true,
                    (Action::Modify { priority: a, .. }, Action::Modify { priority: b, .. }) => {
                        a == b
                    }
                    _ => false,
                }
        };
        if let Some(pos) = entries.iter().position(same_kind) {
            let old = entries.remove(pos);
            self.adjust(&old, -1);
        }
        self.adjust(&entry, 1);
        entries.push(entry);
        id
    }

    fn remove(&self, id: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pos) = entries.iter().position(|e| e.id == id) {
            let old = entries.remove(pos);
            self.adjust(&old, -1);
        }
    }

    pub(crate) fn has_layer_hooks(&self) -> bool {
        self.layer_hooks.load(Ordering::Relaxed) > 0
    }

    pub(crate) fn has_layer_modifiers(&self) -> bool {
        self.layer_modifiers.load(Ordering::Relaxed) > 0
    }

    pub(crate) fn has_param_hooks(&self) -> bool {
        self.param_hooks.load(Ordering::Relaxed) > 0
    }

    /// Whether some modifier watches `name` at `site`.
    pub(crate) fn modifies(&self, site: SiteKind, name: &str) -> bool {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .any(|e| e.site == site && e.name == name && matches!(e.action, Action::Modify { .. }))
    }

    /// Runs the modifiers (by priority, then registration) and then the
    /// observers registered for `ctx.site` and `ctx.name`.
    pub(crate) fn run<T: Scalar>(&self, ctx: &HookCtx<'_>, grad: &mut Tensor<T>, modify: bool) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if modify {
            let mut mods: Vec<&mut Entry> = entries
                .iter_mut()
                .filter(|e| {
                    e.site == ctx.site
                        && e.name == ctx.name
                        && matches!(e.action, Action::Modify { .. })
                })
                .collect();
            mods.sort_by_key(|e| match e.action {
                Action::Modify { priority, .. } => (priority, e.id),
                Action::Observe(_) => (0, e.id),
            });
            for e in mods {
                if let Action::Modify { f, .. } = &mut e.action {
                    f(ctx, grad_mut(grad));
                }
            }
        }
        for e in entries.iter_mut() {
            if e.site == ctx.site
                && e.name == ctx.name
                && let Action::Observe(f) = &mut e.action
            {
                f(ctx, grad_ref(grad));
            }
        }
    }
}

// `Scalar` is sealed and implemented for `f32` and `f64` only, so a tensor
// that is not `Tensor<f32>` is a `Tensor<f64>`: the downcasts cannot fail.
#[allow(clippy::expect_used)]
fn grad_ref<T: Scalar>(t: &Tensor<T>) -> GradRef<'_> {
    let any = t as &dyn Any;
    match any.downcast_ref::<Tensor<f32>>() {
        Some(t) => GradRef::F32(t),
        None => GradRef::F64(
            any.downcast_ref::<Tensor<f64>>()
                .expect("Scalar is f32 or f64"),
        ),
    }
}

// As `grad_ref`: the downcasts cannot fail.
#[allow(clippy::expect_used)]
fn grad_mut<T: Scalar>(t: &mut Tensor<T>) -> GradMut<'_> {
    let any = t as &mut dyn Any;
    if any.is::<Tensor<f32>>() {
        GradMut::F32(any.downcast_mut::<Tensor<f32>>().expect("checked"))
    } else {
        GradMut::F64(
            any.downcast_mut::<Tensor<f64>>()
                .expect("Scalar is f32 or f64"),
        )
    }
}

/// Keeps a hook registered; dropping it removes the hook.
#[must_use = "dropping a HookHandle removes its hook at once; call .keep() to keep the hook for the monitor's lifetime"]
pub struct HookHandle {
    id: u64,
    registry: Weak<Registry>,
    keep: bool,
}

impl HookHandle {
    /// Keeps the hook for as long as the monitor lives.
    pub fn keep(mut self) {
        self.keep = true;
    }

    /// Removes the hook now.
    pub fn remove(self) {}
}

impl Drop for HookHandle {
    fn drop(&mut self) {
        if !self.keep
            && let Some(registry) = self.registry.upgrade()
        {
            registry.remove(self.id);
        }
    }
}

impl std::fmt::Debug for HookHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HookHandle(#{})", self.id)
    }
}

/// Registration, shared by the monitor's four `*_layer`/`*_param` methods.
pub(crate) fn register(
    registry: &Arc<Registry>,
    site: SiteKind,
    name: &str,
    observe: Option<ObserveFn>,
    modify: Option<(i32, ModifyFn)>,
) -> HookHandle {
    let action = match (observe, modify) {
        (Some(f), _) => Action::Observe(f),
        (None, Some((priority, f))) => Action::Modify { priority, f },
        (None, None) => unreachable!("a hook is an observer or a modifier"),
    };
    let id = registry.add(site, name, action);
    HookHandle {
        id,
        registry: Arc::downgrade(registry),
        keep: false,
    }
}
