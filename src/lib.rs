//! # gradflow
//!
//! Reverse-mode automatic differentiation and deep networks on the CPU,
//! built to make gradient flow visible.
//!
//! This release holds the foundation: [`Tensor`], contiguous n-d arrays of
//! `f32` or `f64` with broadcasting arithmetic, reductions, fast matrix
//! products, activations and numerically stable softmax. The tape (autodiff),
//! layers, optimizers and the gradient-flow monitor build on it.
//!
//! ```
//! use gradflow::prelude::*;
//!
//! let mut rng = Rng::seed_from_u64(0);
//! let x = Tensor::<f32>::normal([4, 3], 0.0, 1.0, &mut rng);
//! let w = Tensor::<f32>::uniform([2, 3], -0.5, 0.5, &mut rng);
//! // y = x·wᵀ without copying the transpose
//! let y = x.matmul_t(Transpose::No, &w, Transpose::Yes);
//! let p = y.softmax(1);
//! assert_eq!(p.shape(), [4, 2]);
//! assert!((p.sum_all().item() - 4.0).abs() < 1e-5);
//! ```
#![warn(missing_docs)]
// Library code reports outside data through `Result` and states its
// internal invariants where it relies on them (a local `#[allow]` with the
// reason); tests, doctests and examples may unwrap (see `clippy.toml`).
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod check;
mod dispatch;
pub mod error;
pub mod io;
pub mod monitor;
pub mod nn;
pub mod optim;
pub(crate) mod parallel;
#[cfg(feature = "plot")]
pub mod plot;
pub mod scalar;
pub mod tape;
pub mod tensor;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, Result};
pub use parallel::threads as num_threads;
pub use rand::SeedableRng;
pub use scalar::Scalar;
pub use tape::{
    Anomaly, BackwardObserver, CustomOp, GradSite, Grads, Param, ParamId, ScopeGuard, Tape,
    TapeOptions, Var,
};
pub use tensor::{Indices, Shape, Tensor, Transpose};

/// The crate's seeded random number generator: PCG-64 (`Mcg128Xsl64`), a
/// fixed, portable algorithm, so the same seed gives the same numbers on
/// every platform and in every version of gradflow.
///
/// ```
/// use gradflow::{Rng, SeedableRng};
/// let mut rng = Rng::seed_from_u64(42);
/// # let _ = &mut rng;
/// ```
pub type Rng = rand_pcg::Pcg64Mcg;

/// The types most programs need: `use gradflow::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Error, Grads, Indices, Param, ParamId, Rng, Scalar, SeedableRng, Shape, Tape, Tensor,
        Transpose, Var,
    };
}

/// The README's code, compiled and run as a doctest so it stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
