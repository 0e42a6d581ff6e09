//! What every reproduction example shares: command-line flags, the digits
//! data, the paper / predicted / measured table, progress bars, CSV output
//! and the end of `main`, and the numerics several experiments need
//! (singular values, Gaussian quadrature, medians, names for dense stacks).
//!
//! Included with `#[path]` by the examples (`examples/*.rs`) and by their
//! quick-variant tests (`tests/repro_*.rs`), so the logic a test guards is
//! the logic the example runs.

// Each example and test binary uses only part of this module.
#![allow(dead_code, unused_imports)]

pub mod cli;
pub mod digits;
pub mod linalg;
pub mod output;
pub mod quadrature;
pub mod stack;
pub mod stats;
pub mod table;

pub use cli::Args;
pub use digits::{Digits, accuracy, permutation};
pub use output::{OutDir, finish, progress};
pub use stats::median;
pub use table::{Claim, Table, assert_passed};
