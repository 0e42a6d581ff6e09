//! Anomaly mode: the first NaN or ±Inf in a recorded value or a gradient.
//!
//! With [`TapeOptions::with_anomaly`](crate::TapeOptions::with_anomaly) on,
//! the tape checks every recorded op's output as it is recorded (forward)
//! and, during backward, every node's complete gradient when the sweep
//! reaches it (after its hooks and the observer's modifiers) and every
//! gradient a backward rule sends to an input. The first offender is kept;
//! once one is found, checking stops. Off, the only cost is one boolean
//! tested per recorded op and per rule.

use std::fmt;

use crate::scalar::Scalar;

/// When an [`Anomaly`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// While recording: an op's output value.
    Forward,
    /// During the reverse sweep: a gradient.
    Backward,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Forward => "forward",
            Phase::Backward => "backward",
        })
    }
}

/// The first NaN or ±Inf anomaly mode met on a tape.
///
/// Read it with [`Tape::anomaly`](crate::Tape::anomaly) (forward, or the
/// first found on the tape) or [`Grads::anomaly`](crate::Grads::anomaly)
/// (the first found by the time a sweep ended, forward included).
///
/// ```
/// use gradflow::{Tape, TapeOptions, Tensor};
/// use gradflow::tape::Phase;
///
/// let tape = Tape::<f64>::with_options(TapeOptions::default().with_anomaly(true));
/// let x = tape.leaf(Tensor::from_vec(vec![1.0, -1.0], [2])?);
/// let y = {
///     let _layer = tape.scope("layers.2");
///     x.ln() // ln(-1) = NaN
/// };
/// let grads = tape.backward(y.sum_all());
/// let a = grads.anomaly().expect("the NaN is reported");
/// assert_eq!((a.phase, a.op, a.path.as_str(), a.nonfinite), (Phase::Forward, "ln", "layers.2", 1));
/// assert_eq!(a.to_string(), r#"forward: NaN/Inf in the output of node #1 (op ln) in "layers.2": 1 of 2 elements"#);
/// # Ok::<(), gradflow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Anomaly {
    /// Found while recording ([`Phase::Forward`]) or during the sweep
    /// ([`Phase::Backward`]).
    pub phase: Phase,
    /// The op of `node`, as printed in the tape (`"custom"` for custom ops).
    pub op: &'static str,
    /// The scope path `node` was recorded under; `""` if none.
    pub path: String,
    /// The node's index on the tape. Forward: the node whose value is
    /// non-finite. Backward: the node whose complete gradient is
    /// non-finite, or, when [`Anomaly::input`] is set, the node whose
    /// backward rule produced the non-finite gradient.
    pub node: usize,
    /// Backward only: set when the offender was a gradient that `node`'s
    /// backward rule sent to this input node (its own gradient was finite,
    /// so the rule made the NaN/Inf — e.g. `sqrt` at 0).
    pub input: Option<usize>,
    /// How many elements are NaN or ±Inf.
    pub nonfinite: usize,
    /// How many elements the offending tensor has.
    pub numel: usize,
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match self.input {
            Some(input) => format!(
                "the gradient that the backward rule of node #{} (op {}) sent to node #{input}",
                self.node, self.op
            ),
            None => format!(
                "the {} of node #{} (op {})",
                match self.phase {
                    Phase::Forward => "output",
                    Phase::Backward => "gradient",
                },
                self.node,
                self.op
            ),
        };
        write!(f, "{}: NaN/Inf in {at}", self.phase)?;
        if !self.path.is_empty() {
            write!(f, " in {:?}", self.path)?;
        }
        write!(f, ": {} of {} elements", self.nonfinite, self.numel)
    }
}

impl std::error::Error for Anomaly {}

/// How many elements of `data` are NaN or ±Inf. Kept out of line: anomaly
/// mode's checks stay off the sweep's hot path when the mode is off.
#[inline(never)]
pub(crate) fn count_nonfinite<T: Scalar>(data: &[T]) -> usize {
    if all_finite(data) {
        0
    } else {
        data.iter().filter(|x| !x.is_finite()).count()
    }
}

/// Whether every element is finite: the fast path, in independent lanes so
/// that it vectorizes. `x·0` is `±0` for finite `x` and NaN for NaN and
/// ±Inf, and a NaN stays in every sum it enters.
fn all_finite<T: Scalar>(data: &[T]) -> bool {
    const LANES: usize = 8;
    let zero = T::zero();
    let chunks = data.chunks_exact(LANES);
    let mut sum = zero;
    for &x in chunks.remainder() {
        sum += x * zero;
    }
    let mut acc = [zero; LANES];
    for chunk in chunks {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a += x * zero;
        }
    }
    for a in acc {
        sum += a;
    }
    sum == zero
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nan_and_both_infinities_only() {
        let v = [
            0.0f32,
            -0.0,
            1.0,
            f32::MAX,
            f32::MIN_POSITIVE / 2.0,
            f32::NAN,
        ];
        assert_eq!(count_nonfinite(&v), 1);
        let v = [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 3.0];
        assert_eq!(count_nonfinite(&v), 3);
        assert_eq!(count_nonfinite::<f64>(&[]), 0);
        // Every position of a long slice, in the lanes and in the tail.
        for len in [15, 16, 17, 40] {
            for bad in 0..len {
                for value in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    let mut v = vec![1.5f32; len];
                    v[bad] = value;
                    assert_eq!(count_nonfinite(&v), 1, "len {len}, at {bad}");
                }
            }
            assert_eq!(count_nonfinite(&vec![f32::MAX; len]), 0);
        }
    }

    #[test]
    fn display_names_phase_node_op_and_path() {
        let a = Anomaly {
            phase: Phase::Backward,
            op: "log_softmax",
            path: "3".into(),
            node: 12,
            input: None,
            nonfinite: 2,
            numel: 10,
        };
        assert_eq!(
            a.to_string(),
            r#"backward: NaN/Inf in the gradient of node #12 (op log_softmax) in "3": 2 of 10 elements"#
        );
        let a = Anomaly {
            input: Some(11),
            path: String::new(),
            ..a
        };
        assert_eq!(
            a.to_string(),
            "backward: NaN/Inf in the gradient that the backward rule of node #12 (op log_softmax) \
             sent to node #11: 2 of 10 elements"
        );
    }
}
