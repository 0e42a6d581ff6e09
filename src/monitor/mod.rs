//! Gradient flow, measured: per-layer and per-parameter gradient
//! statistics, recorded during training, with a report that says whether
//! gradients vanish or explode, where, and what to try.
//!
//! Three kinds of gradient site:
//!
//! - **layer outputs**: the gradient of the loss with respect to what a
//!   named layer produced — at a dense layer this is `∂L/∂s`, the
//!   pre-activation signal that vanishes. Recorded by passing the monitor
//!   to [`Tape::backward_with`](crate::Tape::backward_with); layers are
//!   the tape's name scopes, so watching inserts no op and cannot change a
//!   result;
//! - **parameters**: each parameter's gradient for the step, after
//!   micro-batch accumulation and before clipping, handed over with
//!   [`GradMonitor::record_params`];
//! - **any tape node**, with the tape's own `observe`/`modify` hooks.
//!
//! ```
//! use gradflow::monitor::GradMonitor;
//! use gradflow::nn::{Dense, Init, Layer, Sequential, Sigmoid};
//! use gradflow::{Rng, SeedableRng, Tape, Tensor};
//!
//! let mut rng = Rng::seed_from_u64(0);
//! let mut model = Sequential::<f32>::new();
//! for _ in 0..20 {
//!     model.add(Dense::new(32, 32, Init::GlorotStandard, &mut rng));
//!     model.add(Sigmoid);
//! }
//! let mut monitor = GradMonitor::new();
//! let x = Tensor::normal([16, 32], 0.0, 1.0, &mut rng);
//! let mut grads = {
//!     let tape = Tape::new();
//!     let loss = model.forward(tape.constant(x)).square().mean_all();
//!     tape.backward_with(loss, &mut monitor)
//! };
//! monitor.record_params(&model, &mut grads);
//! let report = monitor.report().unwrap();
//! assert!(report.is_vanishing());
//! println!("{report}");
//! ```

mod history;
mod hooks;
#[cfg(feature = "plot")]
pub mod plot;
mod record;
mod report;
mod stats;

pub use history::{
    history_from_csv, history_from_jsonl, history_to_csv, history_to_jsonl, load_csv, load_jsonl,
};
pub use hooks::{GradMut, GradRef, HookCtx, HookHandle, SiteKind};
pub use record::{LayerKind, LayerRecord, ParamRecord, StepRecord};
pub use report::{Finding, Report, Thresholds};
pub use stats::GradStats;

use std::sync::Arc;

use crate::nn::Module;
use crate::optim::UpdateNorms;
use crate::scalar::Scalar;
use crate::tape::{BackwardObserver, GradSite, Grads};
use crate::tensor::Tensor;

/// Which steps the monitor records.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Schedule {
    /// Never (the monitor stays attached and costs a branch).
    Off,
    /// Every step.
    EveryStep,
    /// Steps `0, k, 2k, ...`.
    Every(u64),
    /// About `per_decade` steps per power of ten (`0, 1, 2, ... 10, 13, 16, 20, ...`):
    /// dense early, where training changes fastest.
    LogSpaced {
        /// Recorded steps per decade.
        per_decade: u32,
    },
    /// Exactly these steps.
    Steps(Vec<u64>),
}

impl Schedule {
    /// Whether `step` is recorded.
    pub fn is_active(&self, step: u64) -> bool {
        match self {
            Schedule::Off => false,
            Schedule::EveryStep => true,
            Schedule::Every(k) => *k > 0 && step.is_multiple_of(*k),
            Schedule::LogSpaced { per_decade } => {
                if step < 10 || *per_decade == 0 {
                    return step < 10;
                }
                // Recorded if no earlier step rounds to the same log bucket.
                let bucket = |s: u64| ((s as f64).log10() * *per_decade as f64).floor() as i64;
                bucket(step) != bucket(step - 1)
            }
            Schedule::Steps(steps) => steps.contains(&step),
        }
    }
}

/// Records gradient statistics of every layer output and every parameter,
/// step by step, and reports on them.
///
/// A step starts with the first backward sweep after the previous step was
/// closed and is closed by [`GradMonitor::record_params`] (micro-batches:
/// several sweeps, then one `record_params`; layer statistics are merged
/// across the sweeps). [`GradMonitor::record_updates`] attaches the
/// optimizer's update norms to the step just closed.
pub struct GradMonitor {
    schedule: Schedule,
    thresholds: Thresholds,
    /// Index of the current (or next) step.
    step: u64,
    open: bool,
    recording: bool,
    current: StepRecord,
    /// Where each layer path sits in `current.layers` while the step is
    /// recorded (a model of many layers must not scan them per gradient).
    layer_slots: std::collections::HashMap<String, usize>,
    history: Vec<StepRecord>,
    /// Running average of the global norm, for spike detection.
    global_ema: Option<f64>,
    /// Whether `record_updates` has been called: from then on the weight
    /// norms come from the optimizer's pass instead of one of our own.
    weights_from_updates: bool,
    hooks: Arc<hooks::Registry>,
}

impl std::fmt::Debug for GradMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GradMonitor")
            .field("schedule", &self.schedule)
            .field("step", &self.step)
            .field("recorded_steps", &self.history.len())
            .finish()
    }
}

impl Default for GradMonitor {
    fn default() -> Self {
        GradMonitor::new()
    }
}

impl GradMonitor {
    /// A monitor recording every step with the default thresholds.
    pub fn new() -> GradMonitor {
        GradMonitor::with_schedule(Schedule::EveryStep)
    }

    /// A monitor recording the steps `schedule` selects.
    pub fn with_schedule(schedule: Schedule) -> GradMonitor {
        GradMonitor {
            schedule,
            thresholds: Thresholds::default(),
            step: 0,
            open: false,
            recording: false,
            current: StepRecord::new(0),
            layer_slots: std::collections::HashMap::new(),
            history: Vec::new(),
            global_ema: None,
            weights_from_updates: false,
            hooks: Arc::default(),
        }
    }

    /// Replaces the thresholds the report's findings use.
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> GradMonitor {
        self.thresholds = thresholds;
        self
    }

    /// The thresholds in use.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// The index of the step being recorded, or of the next one.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Whether the current step is being recorded.
    pub fn is_recording(&self) -> bool {
        self.open && self.recording
    }

    /// Every recorded step, oldest first.
    pub fn history(&self) -> &[StepRecord] {
        &self.history
    }

    fn open_step(&mut self) {
        if !self.open {
            self.open = true;
            self.recording = self.schedule.is_active(self.step);
            if self.recording {
                self.current = StepRecord::new(self.step);
                self.layer_slots.clear();
            }
        }
    }

    /// Records every parameter's gradient for this step (after micro-batch
    /// accumulation, before clipping) and closes the step. Parameters are
    /// named by the model's paths; the gradient-to-weight ratio `‖g‖/‖w‖`
    /// comes with each. The tape's anomaly report
    /// ([`Grads::anomaly`](crate::Grads::anomaly)) is kept with the step.
    ///
    /// The weight norms `‖w‖` are measured here until the monitor has seen
    /// a [`GradMonitor::record_updates`] call; from then on that call
    /// supplies them from the optimizer's own pass over the weights (which
    /// keeps recording every step within a few percent of a step's time),
    /// and they read NaN between the two calls.
    pub fn record_params<T: Scalar>(&mut self, model: &dyn Module<T>, grads: &mut Grads<T>) {
        self.open_step();
        if self.hooks.has_param_hooks() {
            let step = self.step;
            let hooks = &self.hooks;
            model.visit_params(&mut |name, p| {
                if let Some(g) = grads.get_mut(p.id()) {
                    let ctx = HookCtx {
                        name,
                        site: SiteKind::Param,
                        step,
                        param: Some(p.id()),
                    };
                    hooks.run(&ctx, g, true);
                }
            });
        }
        if self.recording {
            let mut params = Vec::new();
            let weights_later = self.weights_from_updates;
            model.visit_params(&mut |name, p| {
                if let Some(g) = grads.get(p) {
                    let stats = GradStats::of(g);
                    let weight_l2 = if weights_later {
                        f64::NAN
                    } else {
                        p.value().l2_norm()
                    };
                    params.push(ParamRecord {
                        name: name.to_string(),
                        id: p.id(),
                        stats,
                        weight_l2,
                        update_l2: None,
                    });
                }
            });
            // The global norm over the model's parameters, from the
            // statistics just taken (no second pass over the gradients).
            let global = if params.iter().any(|r: &ParamRecord| r.stats.nonfinite > 0) {
                f64::NAN
            } else {
                params.iter().fold(0.0f64, |acc, r| acc.hypot(r.stats.l2))
            };
            self.current.params = params;
            self.current.anomaly = grads.anomaly().cloned();
            self.current.global_norm = Some(global);
            self.current.global_ema = self.global_ema;
            if global.is_finite() {
                self.global_ema = Some(match self.global_ema {
                    Some(ema) => 0.9 * ema + 0.1 * global,
                    None => global,
                });
            }
            self.current.finish_layers();
            self.layer_slots.clear();
            let done = std::mem::replace(&mut self.current, StepRecord::new(self.step + 1));
            self.history.push(done);
        }
        self.open = false;
        self.step += 1;
    }

    /// Attaches the optimizer's per-parameter update norms (as returned by
    /// `Optimizer::step`) to the step just closed, for the update-to-weight
    /// ratio, and the weight norms the optimizer measured on its way (see
    /// [`GradMonitor::record_params`]). Adam's normalized updates can stay
    /// healthy while the gradients vanish; the report shows both.
    ///
    /// A parameter the optimizer did not update gets its weight norm from
    /// `model`.
    pub fn record_updates<T: Scalar>(&mut self, model: &dyn Module<T>, updates: &UpdateNorms) {
        self.weights_from_updates = true;
        let Some(last) = self.history.last_mut() else {
            return;
        };
        if last.step + 1 != self.step {
            return;
        }
        let mut missing = false;
        for p in &mut last.params {
            if let Some(u) = updates.get(p.id) {
                p.update_l2 = Some(u.update_l2);
                if p.weight_l2.is_nan() {
                    p.weight_l2 = u.param_l2;
                }
            }
            missing |= p.weight_l2.is_nan();
        }
        if missing {
            model.visit_params(&mut |_, param| {
                if let Some(p) = last.params.iter_mut().find(|p| p.id == param.id())
                    && p.weight_l2.is_nan()
                {
                    p.weight_l2 = param.value().l2_norm();
                }
            });
        }
    }

    /// Registers a read-only hook on the output gradient of layer `path`
    /// (e.g. `"3"` or `"2.block.0"`). It runs on every backward sweep the
    /// monitor is passed to, recorded step or not, after the modifiers.
    /// Registering another observer on the same layer replaces this one.
    pub fn observe_layer(
        &mut self,
        path: &str,
        f: impl FnMut(&HookCtx<'_>, GradRef<'_>) + Send + 'static,
    ) -> HookHandle {
        hooks::register(
            &self.hooks,
            SiteKind::LayerOutput,
            path,
            Some(Box::new(f)),
            None,
        )
    }

    /// Registers a hook that may change the output gradient of layer
    /// `path`; the change flows to every layer before it. Modifiers run in
    /// ascending `priority`, then registration order. Registering another
    /// modifier on the same layer with the same priority replaces this one.
    pub fn modify_layer(
        &mut self,
        path: &str,
        priority: i32,
        f: impl FnMut(&HookCtx<'_>, GradMut<'_>) + Send + 'static,
    ) -> HookHandle {
        hooks::register(
            &self.hooks,
            SiteKind::LayerOutput,
            path,
            None,
            Some((priority, Box::new(f))),
        )
    }

    /// Registers a read-only hook on parameter `name`'s gradient (e.g.
    /// `"0.weight"`), run by [`GradMonitor::record_params`] once per step,
    /// after the parameter modifiers.
    pub fn observe_param(
        &mut self,
        name: &str,
        f: impl FnMut(&HookCtx<'_>, GradRef<'_>) + Send + 'static,
    ) -> HookHandle {
        hooks::register(&self.hooks, SiteKind::Param, name, Some(Box::new(f)), None)
    }

    /// Registers a hook that may change parameter `name`'s gradient in
    /// [`GradMonitor::record_params`], before the statistics are taken and
    /// before clipping; ascending `priority`, then registration order. The
    /// same name and priority again replaces this modifier.
    pub fn modify_param(
        &mut self,
        name: &str,
        priority: i32,
        f: impl FnMut(&HookCtx<'_>, GradMut<'_>) + Send + 'static,
    ) -> HookHandle {
        hooks::register(
            &self.hooks,
            SiteKind::Param,
            name,
            None,
            Some((priority, Box::new(f))),
        )
    }

    /// The report for the most recently recorded step, if any.
    pub fn report(&self) -> Option<Report> {
        self.history
            .last()
            .map(|r| Report::new(r, &self.thresholds))
    }

    /// The report for a given recorded step.
    pub fn report_for(&self, step: u64) -> Option<Report> {
        self.history
            .iter()
            .find(|r| r.step == step)
            .map(|r| Report::new(r, &self.thresholds))
    }
}

impl GradMonitor {
    /// Runs the hooks of every layer whose output is this site's node.
    fn run_layer_hooks<T: Scalar>(&self, site: &GradSite<'_>, grad: &mut Tensor<T>, modify: bool) {
        for path in &site.output_of {
            let ctx = HookCtx {
                name: path,
                site: SiteKind::LayerOutput,
                step: self.step,
                param: None,
            };
            self.hooks.run(&ctx, grad, modify);
        }
    }
}

impl<T: Scalar> BackwardObserver<T> for GradMonitor {
    fn wants_to_modify(&self, site: &GradSite<'_>) -> bool {
        self.hooks.has_layer_modifiers()
            && site
                .output_of
                .iter()
                .any(|p| self.hooks.modifies(SiteKind::LayerOutput, p))
    }

    fn modify(&mut self, site: &GradSite<'_>, grad: &mut Tensor<T>) {
        self.run_layer_hooks(site, grad, true);
    }

    fn observe(&mut self, site: &GradSite<'_>, grad: &Tensor<T>) {
        self.open_step();
        if self.hooks.has_layer_hooks() && !site.output_of.is_empty() {
            // Observers get a view only; modifiers already ran in `modify`.
            self.run_layer_hooks(site, &mut grad.clone(), false);
        }
        if !self.recording {
            return;
        }
        if site.op == "leaf" {
            // A parameter put on the tape inside this scope: the layer is weighted.
            self.current.mark_weighted(site.path);
            return;
        }
        if site.output_of.is_empty() {
            return;
        }
        let stats = GradStats::of_layer_output(grad);
        for path in &site.output_of {
            match self.layer_slots.get(*path) {
                Some(&slot) => self.current.merge_layer_output(slot, &stats),
                None => {
                    let slot = self
                        .current
                        .push_layer_output(path, site.op, site.node, &stats);
                    self.layer_slots.insert((*path).to_string(), slot);
                }
            }
        }
    }
}

impl GradMonitor {
    /// Saves the history as tidy CSV, one row per step × site (format:
    /// [`history_to_csv`]), atomically: the file at `path` is either the
    /// old one or the complete new one, and no temporary file is left.
    /// Reload with [`load_csv`].
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if the file cannot be written;
    /// `path` is then untouched.
    pub fn save_csv(&self, path: impl AsRef<std::path::Path>) -> crate::Result<()> {
        let text = history_to_csv(&self.history);
        crate::io::write_atomic(path, |f| std::io::Write::write_all(f, text.as_bytes()))
    }

    /// Saves the history as JSON Lines, one object per step (format:
    /// [`history_to_jsonl`]), atomically as [`GradMonitor::save_csv`].
    /// Reload with [`load_jsonl`].
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if the file cannot be written;
    /// `path` is then untouched.
    pub fn save_jsonl(&self, path: impl AsRef<std::path::Path>) -> crate::Result<()> {
        let text = history_to_jsonl(&self.history);
        crate::io::write_atomic(path, |f| std::io::Write::write_all(f, text.as_bytes()))
    }
}
