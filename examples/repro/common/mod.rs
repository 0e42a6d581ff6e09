//! What every reproduction example shares: command-line flags, the digits
//! data, the paper / predicted / measured table, progress bars, CSV output.
//!
//! Included with `#[path]` by the examples (`examples/*.rs`) and by their
//! quick-variant tests (`tests/repro_*.rs`), so the logic a test guards is
//! the logic the example runs.

// Each example and test binary uses only part of this module.
#![allow(dead_code, unused_imports)]

pub mod cli;
pub mod digits;
pub mod output;
pub mod table;

pub use cli::Args;
pub use digits::{Digits, accuracy, permutation};
pub use output::{OutDir, progress};
pub use table::{Claim, Table};
