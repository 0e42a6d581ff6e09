//! Learning-rate schedules: pure functions of the step.
//!
//! A [`Schedule`] maps `(step, base_lr)` to a learning rate with a closed
//! form (PyTorch's `_get_closed_form_lr` where it has one), so there is no
//! hidden state to save: a checkpoint needs only the step count and the
//! base learning rate. Drive an optimizer with it each step:
//!
//! ```
//! use gradflow::optim::{CosineAnnealing, LinearWarmup, Optimizer, Schedule, Sgd, SgdConfig};
//!
//! let base_lr = 0.1;
//! let mut opt = Sgd::<f32>::new(SgdConfig { lr: base_lr, ..SgdConfig::default() })?;
//! // 100 warmup steps from 0.1·base_lr, then cosine annealing over 900 steps.
//! let schedule = LinearWarmup::new(100, 0.1).then(100, CosineAnnealing::new(900, 0.0));
//! for step in 0..1000 {
//!     opt.set_learning_rate(schedule.lr(step, base_lr));
//!     // ... forward, backward, opt.step(&mut model, &grads) ...
//! }
//! assert!((schedule.lr(0, base_lr) - 0.01).abs() < 1e-15);
//! assert_eq!(schedule.lr(100, base_lr), base_lr);
//! # Ok::<(), gradflow::Error>(())
//! ```
//!
//! `step` counts optimizer steps (or epochs, if the caller steps once per
//! epoch) from 0, like PyTorch's `last_epoch` after construction.

/// A learning rate as a function of the step.
pub trait Schedule: Send + Sync {
    /// The learning rate at `step` (counted from 0) for a base rate
    /// `base_lr`.
    fn lr(&self, step: usize, base_lr: f64) -> f64;

    /// This schedule for `milestone` steps, then `next` with its step count
    /// restarted at 0 ([`SequentialLr`]).
    fn then<B: Schedule>(self, milestone: usize, next: B) -> SequentialLr<Self, B>
    where
        Self: Sized,
    {
        SequentialLr::new(self, milestone, next)
    }

    /// This schedule's output as `next`'s base rate ([`ChainedLr`]); for
    /// multiplicative schedules, the product of their factors.
    fn chain<B: Schedule>(self, next: B) -> ChainedLr<Self, B>
    where
        Self: Sized,
    {
        ChainedLr::new(self, next)
    }
}

impl<S: Schedule + ?Sized> Schedule for &S {
    fn lr(&self, step: usize, base_lr: f64) -> f64 {
        (**self).lr(step, base_lr)
    }
}

impl<S: Schedule + ?Sized> Schedule for Box<S> {
    fn lr(&self, step: usize, base_lr: f64) -> f64 {
        (**self).lr(step, base_lr)
    }
}

/// The base rate at every step (`torch.optim.lr_scheduler.ConstantLR` with
/// factor 1, or no scheduler).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Constant;

impl Schedule for Constant {
    fn lr(&self, _step: usize, base_lr: f64) -> f64 {
        base_lr
    }
}

/// A fixed rate, whatever the base rate: e.g. to hold `η_min` after a
/// cosine, `CosineAnnealing::new(t, η).then(t, Fixed(η))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fixed(pub f64);

impl Schedule for Fixed {
    fn lr(&self, _step: usize, _base_lr: f64) -> f64 {
        self.0
    }
}

/// `base_lr · γ^⌊step / step_size⌋` (`StepLR(step_size, gamma)`, PyTorch's
/// default `gamma = 0.1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepLr {
    step_size: usize,
    gamma: f64,
}

impl StepLr {
    /// Decays by `gamma` every `step_size` steps.
    ///
    /// # Panics
    /// If `step_size` is 0.
    #[track_caller]
    pub fn new(step_size: usize, gamma: f64) -> StepLr {
        assert!(step_size > 0, "StepLr::new: step_size must be at least 1");
        StepLr { step_size, gamma }
    }
}

impl Schedule for StepLr {
    fn lr(&self, step: usize, base_lr: f64) -> f64 {
        base_lr * self.gamma.powf((step / self.step_size) as f64)
    }
}

/// `base_lr · γ^step` (`ExponentialLR(gamma)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialLr {
    gamma: f64,
}

impl ExponentialLr {
    /// Decays by `gamma` every step.
    pub fn new(gamma: f64) -> ExponentialLr {
        ExponentialLr { gamma }
    }
}

impl Schedule for ExponentialLr {
    fn lr(&self, step: usize, base_lr: f64) -> f64 {
        base_lr * self.gamma.powf(step as f64)
    }
}

/// `η_min + (base_lr - η_min)·(1 + cos(π·step / T_max)) / 2`
/// (`CosineAnnealingLR(T_max, eta_min)`'s closed form, default
/// `eta_min = 0`). Past `T_max` the formula continues (the rate rises again
/// towards `base_lr` at `2·T_max`), as the closed form does in PyTorch; to
/// hold `η_min` instead, follow it with [`Fixed`] via [`Schedule::then`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineAnnealing {
    t_max: usize,
    eta_min: f64,
}

impl CosineAnnealing {
    /// Anneals from the base rate to `eta_min` over `t_max` steps.
    ///
    /// # Panics
    /// If `t_max` is 0.
    #[track_caller]
    pub fn new(t_max: usize, eta_min: f64) -> CosineAnnealing {
        assert!(t_max > 0, "CosineAnnealing::new: t_max must be at least 1");
        CosineAnnealing { t_max, eta_min }
    }
}

impl Schedule for CosineAnnealing {
    fn lr(&self, step: usize, base_lr: f64) -> f64 {
        let phase = std::f64::consts::PI * step as f64 / self.t_max as f64;
        self.eta_min + (base_lr - self.eta_min) * (1.0 + phase.cos()) / 2.0
    }
}

/// Linear warmup: `base_lr · (f₀ + (1 - f₀)·min(step, W) / W)`, from
/// `f₀·base_lr` at step 0 to `base_lr` at step `W` and after
/// (`LinearLR(start_factor=f₀, end_factor=1, total_iters=W)`'s closed form;
/// PyTorch's defaults are `f₀ = 1/3`, `W = 5`). From step `W` on the rate
/// is exactly `base_lr`. `W = 0` means no warmup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearWarmup {
    warmup_steps: usize,
    start_factor: f64,
}

impl LinearWarmup {
    /// Warms up over `warmup_steps` steps from `start_factor · base_lr`.
    ///
    /// # Panics
    /// Unless `0 < start_factor ≤ 1` (PyTorch's check).
    #[track_caller]
    pub fn new(warmup_steps: usize, start_factor: f64) -> LinearWarmup {
        assert!(
            start_factor > 0.0 && start_factor <= 1.0,
            "LinearWarmup::new: start_factor must be in (0, 1], got {start_factor}"
        );
        LinearWarmup {
            warmup_steps,
            start_factor,
        }
    }
}

impl Schedule for LinearWarmup {
    fn lr(&self, step: usize, base_lr: f64) -> f64 {
        if step >= self.warmup_steps {
            return base_lr;
        }
        let f0 = self.start_factor;
        base_lr * (f0 + (1.0 - f0) * step as f64 / self.warmup_steps as f64)
    }
}

/// `first` for steps `< milestone`, then `then` at `step - milestone`
/// (`SequentialLR(schedulers=[first, then], milestones=[milestone])`, in
/// closed form: each schedule sees its own step count from 0 and the same
/// base rate). Nest it for more than two phases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequentialLr<A, B> {
    first: A,
    milestone: usize,
    then: B,
}

impl<A: Schedule, B: Schedule> SequentialLr<A, B> {
    /// `first` until `milestone`, then `then`.
    pub fn new(first: A, milestone: usize, then: B) -> SequentialLr<A, B> {
        SequentialLr {
            first,
            milestone,
            then,
        }
    }
}

impl<A: Schedule, B: Schedule> Schedule for SequentialLr<A, B> {
    fn lr(&self, step: usize, base_lr: f64) -> f64 {
        if step < self.milestone {
            self.first.lr(step, base_lr)
        } else {
            self.then.lr(step - self.milestone, base_lr)
        }
    }
}

/// `outer.lr(step, inner.lr(step, base_lr))`: the inner schedule's rate is
/// the outer's base rate. For multiplicative schedules ([`StepLr`],
/// [`ExponentialLr`], [`LinearWarmup`], [`Constant`], [`CosineAnnealing`]
/// with `eta_min = 0`) this is `base_lr` times the product of their
/// factors, which is what `ChainedScheduler` computes; with `eta_min ≠ 0`
/// the cosine anneals from the inner rate to `eta_min`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainedLr<A, B> {
    inner: A,
    outer: B,
}

impl<A: Schedule, B: Schedule> ChainedLr<A, B> {
    /// `outer` applied to `inner`'s rate.
    pub fn new(inner: A, outer: B) -> ChainedLr<A, B> {
        ChainedLr { inner, outer }
    }
}

impl<A: Schedule, B: Schedule> Schedule for ChainedLr<A, B> {
    fn lr(&self, step: usize, base_lr: f64) -> f64 {
        self.outer.lr(step, self.inner.lr(step, base_lr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxed_and_borrowed_schedules_delegate() {
        let s: Box<dyn Schedule> = Box::new(ExponentialLr::new(0.5));
        assert_eq!(s.lr(2, 1.0), 0.25);
        let r = &StepLr::new(2, 0.1);
        assert_eq!(r.lr(1, 1.0), 1.0);
    }

    #[test]
    #[should_panic(expected = "StepLr::new: step_size must be at least 1")]
    fn step_lr_rejects_zero_step_size() {
        let _ = StepLr::new(0, 0.1);
    }
}
