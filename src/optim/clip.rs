//! Gradient clipping: by global norm (`torch.nn.utils.clip_grad_norm_`)
//! and by value (`clip_grad_value_`).

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::nn::Module;
use crate::scalar::Scalar;
use crate::tape::{Grads, ParamId};

/// What [`clip_global_norm`] does when the gradient norm is NaN or
/// infinite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NonFinite {
    /// Return [`Error::NonFiniteGradient`] naming, by model path, every
    /// parameter whose gradient holds NaN or infinity; the gradients are
    /// left unchanged (`error_if_nonfinite=True`, with names).
    #[default]
    Error,
    /// Zero the model's gradients and report `skipped = true`. The caller
    /// should then skip [`Optimizer::step`](super::Optimizer::step): a
    /// step on zero gradients is not a no-op for momentum, Adam's moments
    /// and step count, or weight decay. Zeroing only guarantees that no
    /// NaN or infinity can reach the parameters or optimizer state if it
    /// is called anyway. This is what mixed-precision loss scalers do.
    SkipStep,
    /// Scale as PyTorch does (`error_if_nonfinite=False`): a NaN norm
    /// gives a NaN scale that turns every gradient into NaN; an infinite
    /// norm gives scale 0, zeroing the finite elements and turning the
    /// infinite ones into NaN.
    Propagate,
}

/// What [`clip_global_norm`] found and did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipReport {
    /// The global L2 norm of the model's gradients before clipping; `inf`
    /// where PyTorch's sum of squares overflows the gradients' dtype.
    pub norm_before: f64,
    /// Their norm after clipping (recomputed; equal to `norm_before` when
    /// nothing was scaled, 0 when skipped).
    pub norm_after: f64,
    /// The factor the gradients were multiplied by: `min(1, max_norm /
    /// (norm + 1e-6))`; 0 when skipped.
    pub scale: f64,
    /// Whether the gradients were scaled (`scale < 1`, or NaN).
    pub clipped: bool,
    /// Whether the norm was not finite and [`NonFinite::SkipStep`] zeroed
    /// the gradients.
    pub skipped: bool,
}

/// The epsilon PyTorch's `clip_grad_norm_` adds to the norm.
const NORM_EPS: f64 = 1e-6;

/// Clips the gradients of `model`'s parameters to a global L2 norm of at
/// most `max_norm`, as `torch.nn.utils.clip_grad_norm_(model.parameters(),
/// max_norm)`:
///
/// ```text
/// norm  = sqrt(Σ g²)  over the gradients of the model's parameters
/// scale = min(1, max_norm / (norm + 1e-6))
/// g ← g·scale   (only when scale < 1: small gradients are left bit-identical)
/// ```
///
/// The norm is [`Grads::global_norm`]'s (f64, each parameter once — a
/// layer used twice has one summed gradient — in ascending [`ParamId`]
/// order), with PyTorch's overflow: PyTorch sums the squares in the
/// gradients' dtype, so when `Σ g²` exceeds `T::MAX` (a norm above
/// `√T::MAX`, about 1.8e19 for `f32`, e.g. one element of 1e20) its norm
/// is `inf`, and so is this one — then `policy` applies, and
/// [`NonFinite::Propagate`] zeroes the finite gradients, as PyTorch does.
/// Squares are formed in `T`, as in PyTorch, so those that underflow
/// count as 0 in both (gradients of 1e-25 in `f32` have norm 0; the scale
/// is 1 either way, since the `1e-6` term dominates there).
/// Only gradients of `model`'s parameters are counted and scaled, so vars
/// kept with [`Tape::retain`](crate::Tape::retain) or leaves in the same
/// `Grads` do not distort the norm; when `grads` holds only the model's
/// gradients and the norm is below `√T::MAX` it is exactly
/// `grads.global_norm()`.
///
/// A NaN or infinite norm is handled by `policy` ([`NonFinite`]). Under
/// [`NonFinite::Error`] a norm that overflowed while every element is
/// finite names no parameter.
///
/// # Errors
/// [`Error::InvalidArgument`] if `max_norm` is negative or NaN;
/// [`Error::NonFiniteGradient`] for a non-finite norm under
/// [`NonFinite::Error`].
pub fn clip_global_norm<T: Scalar>(
    model: &dyn Module<T>,
    grads: &mut Grads<T>,
    max_norm: f64,
    policy: NonFinite,
) -> Result<ClipReport> {
    if max_norm.is_nan() || max_norm < 0.0 {
        return Err(Error::InvalidArgument {
            context: "clip_global_norm",
            reason: format!("max_norm must be ≥ 0, got {max_norm}"),
        });
    }
    let mut ids = HashSet::new();
    model.visit_params(&mut |_, p| {
        ids.insert(p.id());
    });
    let norm = model_norm(grads, &ids);
    // PyTorch's Σ g² in T overflows exactly when the norm exceeds √T::MAX.
    let norm = if norm > T::max_value().as_f64().sqrt() {
        f64::INFINITY
    } else {
        norm
    };
    if !norm.is_finite() {
        match policy {
            NonFinite::Error => {
                return Err(Error::NonFiniteGradient {
                    context: "clip_global_norm",
                    norm,
                    params: non_finite_params(model, grads),
                });
            }
            NonFinite::SkipStep => {
                for (_, g) in model_grads(grads, &ids) {
                    g.data_mut().fill(T::zero());
                }
                return Ok(ClipReport {
                    norm_before: norm,
                    norm_after: 0.0,
                    scale: 0.0,
                    clipped: false,
                    skipped: true,
                });
            }
            NonFinite::Propagate => {}
        }
    }
    let ratio = max_norm / (norm + NORM_EPS);
    // torch.clamp(max=1.0) keeps NaN; f64::min would drop it.
    let scale = if ratio.is_nan() {
        f64::NAN
    } else {
        ratio.min(1.0)
    };
    let clipped = scale.is_nan() || scale < 1.0;
    let norm_after = if clipped {
        let s = T::of(scale);
        for (_, g) in model_grads(grads, &ids) {
            g.map_inplace(|x| x * s);
        }
        model_norm(grads, &ids)
    } else {
        norm
    };
    Ok(ClipReport {
        norm_before: norm,
        norm_after,
        scale,
        clipped,
        skipped: false,
    })
}

/// Clamps every gradient element in `grads` to `[-limit, limit]`, as
/// `torch.nn.utils.clip_grad_value_`; NaN stays NaN. Unlike
/// [`clip_global_norm`] it takes no model: every gradient in `grads` is
/// clamped.
///
/// # Panics
/// If `limit` is negative or NaN.
#[track_caller]
pub fn clip_value<T: Scalar>(grads: &mut Grads<T>, limit: f64) {
    assert!(limit >= 0.0, "clip_value: limit must be ≥ 0, got {limit}");
    let (low, high) = (T::of(-limit), T::of(limit));
    for (_, g) in grads.iter_mut() {
        g.map_inplace(|x| {
            if x > high {
                high
            } else if x < low {
                low
            } else {
                x
            }
        });
    }
}

/// The model's gradients, mutably, in ascending id order.
fn model_grads<'g, T: Scalar>(
    grads: &'g mut Grads<T>,
    ids: &HashSet<ParamId>,
) -> impl Iterator<Item = (ParamId, &'g mut crate::tensor::Tensor<T>)> {
    grads.iter_mut().filter(move |(id, _)| ids.contains(id))
}

/// [`Grads::global_norm`] over the model's gradients only.
fn model_norm<T: Scalar>(grads: &Grads<T>, ids: &HashSet<ParamId>) -> f64 {
    if grads.iter().all(|(id, _)| ids.contains(&id)) {
        return grads.global_norm();
    }
    let mut own = Grads::new();
    for (id, g) in grads.iter().filter(|(id, _)| ids.contains(id)) {
        own.insert(id, g.clone()); // shares storage: no copy
    }
    own.global_norm()
}

/// Model paths of the parameters whose gradients hold NaN or infinity, in
/// visiting order.
fn non_finite_params<T: Scalar>(model: &dyn Module<T>, grads: &Grads<T>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    model.visit_params(&mut |name, p| {
        if seen.insert(p.id()) && grads.get_id(p.id()).is_some_and(|g| !g.all_finite()) {
            names.push(name.to_string());
        }
    });
    names
}
