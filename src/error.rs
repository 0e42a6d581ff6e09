//! The crate's one error type.
//!
//! Misuse inside an op (mismatched shapes, an index out of range) is a
//! programming error and panics with a message naming the op. Everything
//! that takes outside data — constructors from vectors, files, state dicts —
//! returns `Result<_, Error>` instead.

use std::fmt;

/// Every fallible operation in gradflow returns this error.
///
/// Messages are lower case and say what went wrong and where.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A buffer's length does not match the number of elements its shape needs.
    LengthMismatch {
        /// What was being built, e.g. `"Tensor::from_vec"`.
        context: &'static str,
        /// The requested shape.
        shape: Vec<usize>,
        /// Elements the shape needs.
        expected: usize,
        /// Elements supplied.
        actual: usize,
    },
    /// A shape that cannot describe a tensor (e.g. its element count overflows `usize`).
    InvalidShape {
        /// What was being built.
        context: &'static str,
        /// The offending shape.
        shape: Vec<usize>,
        /// Why it is invalid.
        reason: String,
    },
    /// The gradient checker found an analytic gradient element that
    /// disagrees with central finite differences (the worst one is named).
    GradientMismatch {
        /// Which input (position in the checked function's argument list).
        input: usize,
        /// The element's multi-dimensional index in that input.
        index: Vec<usize>,
        /// The gradient the tape computed.
        analytic: f64,
        /// The central finite-difference estimate.
        numeric: f64,
    },
    /// The checker's fast mode found a directional derivative `vᵀJu` that
    /// disagrees with its finite-difference estimate.
    DirectionalMismatch {
        /// `vᵀJu` from the tape.
        analytic: f64,
        /// `(L(x + eps·u) - L(x - eps·u)) / 2eps`.
        numeric: f64,
    },
    /// An argument outside its valid range (e.g. a negative standard deviation).
    InvalidArgument {
        /// What was being called.
        context: &'static str,
        /// What is wrong with the argument.
        reason: String,
    },
    /// Reading, writing or renaming a file failed.
    Io {
        /// What was being done, e.g. `"save_safetensors"`.
        context: &'static str,
        /// The file involved.
        path: String,
        /// The operating system's error kind.
        kind: std::io::ErrorKind,
        /// The step that failed and the operating system's message.
        message: String,
    },
    /// Bytes that are not a valid safetensors file or checkpoint (truncated,
    /// a corrupted header, an unsupported dtype, bad offsets, ...).
    InvalidFormat {
        /// What was being read, e.g. `"load_safetensors"`.
        context: &'static str,
        /// What is wrong, naming the file and entry where known.
        reason: String,
    },
    /// Strict state-dict loading found keys the model lacks or misses keys
    /// it needs (PyTorch's `missing_keys` / `unexpected_keys`).
    KeyMismatch {
        /// What was being loaded, e.g. `"load_state_dict"`.
        context: &'static str,
        /// Keys the model needs that the state dict lacks.
        missing: Vec<String>,
        /// Keys in the state dict that the model does not have.
        unexpected: Vec<String>,
    },
    /// A state-dict entry whose shape differs from the one it is loaded into.
    ShapeMismatch {
        /// What was being loaded.
        context: &'static str,
        /// The entry's name.
        key: String,
        /// The shape the destination has.
        expected: Vec<usize>,
        /// The shape the state dict holds.
        actual: Vec<usize>,
    },
    /// A state-dict entry whose element type differs from the one it is
    /// loaded into (e.g. `F64` into an `f32` model).
    DtypeMismatch {
        /// What was being loaded.
        context: &'static str,
        /// The entry's name.
        key: String,
        /// The dtype the destination holds (`"F32"`, `"F64"` or `"I64"`).
        expected: &'static str,
        /// The dtype the state dict holds.
        actual: &'static str,
    },
    /// A saved state (an optimizer's state dict) lacks an entry, or holds
    /// one that does not fit the model or the optimizer.
    InvalidState {
        /// What was loading, e.g. `"Adam::load_state_dict"`.
        context: &'static str,
        /// The entry's name, e.g. `"state.0.weight.exp_avg"`.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Gradients hold NaN or infinity where finite values are required
    /// (gradient clipping with [`NonFinite::Error`](crate::optim::NonFinite::Error)).
    NonFiniteGradient {
        /// What was running, e.g. `"clip_global_norm"`.
        context: &'static str,
        /// The global gradient norm (NaN or infinity).
        norm: f64,
        /// Model paths of the parameters whose gradients are not finite.
        params: Vec<String>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LengthMismatch {
                context,
                shape,
                expected,
                actual,
            } => write!(
                f,
                "{context}: shape {shape:?} needs {expected} elements but {actual} were given"
            ),
            Error::InvalidShape {
                context,
                shape,
                reason,
            } => write!(f, "{context}: invalid shape {shape:?}: {reason}"),
            Error::GradientMismatch {
                input,
                index,
                analytic,
                numeric,
            } => write!(
                f,
                "gradient check: input {input} at index {index:?}: analytic {analytic:e} but finite differences give {numeric:e}"
            ),
            Error::DirectionalMismatch { analytic, numeric } => write!(
                f,
                "gradient check: directional derivative is {analytic:e} analytically but {numeric:e} by finite differences"
            ),
            Error::InvalidArgument { context, reason } => write!(f, "{context}: {reason}"),
            Error::Io {
                context,
                path,
                message,
                ..
            } => write!(f, "{context}: {path}: {message}"),
            Error::InvalidFormat { context, reason } => write!(f, "{context}: {reason}"),
            Error::KeyMismatch {
                context,
                missing,
                unexpected,
            } => {
                write!(f, "{context}: ")?;
                if !missing.is_empty() {
                    write!(f, "missing keys {missing:?}")?;
                }
                if !missing.is_empty() && !unexpected.is_empty() {
                    f.write_str("; ")?;
                }
                if !unexpected.is_empty() {
                    write!(f, "unexpected keys {unexpected:?}")?;
                }
                Ok(())
            }
            Error::ShapeMismatch {
                context,
                key,
                expected,
                actual,
            } => write!(
                f,
                "{context}: \"{key}\" has shape {actual:?} in the state dict but the destination has shape {expected:?}"
            ),
            Error::DtypeMismatch {
                context,
                key,
                expected,
                actual,
            } => write!(
                f,
                "{context}: \"{key}\" is {actual} in the state dict but the destination holds {expected}"
            ),
            Error::InvalidState {
                context,
                entry,
                reason,
            } => write!(f, "{context}: state entry \"{entry}\": {reason}"),
            Error::NonFiniteGradient {
                context,
                norm,
                params,
            } => write!(
                f,
                "{context}: gradient norm is {norm}; non-finite gradients in {}",
                if params.is_empty() {
                    "no parameter of the model".to_string()
                } else {
                    params.join(", ")
                }
            ),
        }
    }
}

impl std::error::Error for Error {}

/// `Result` with gradflow's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_static<E: std::error::Error + Send + Sync + 'static>() {}

    #[test]
    fn error_is_send_sync_static() {
        assert_send_sync_static::<Error>();
    }

    #[test]
    fn length_mismatch_message_names_shape_and_counts() {
        let e = Error::LengthMismatch {
            context: "Tensor::from_vec",
            shape: vec![2, 3],
            expected: 6,
            actual: 5,
        };
        assert_eq!(
            e.to_string(),
            "Tensor::from_vec: shape [2, 3] needs 6 elements but 5 were given"
        );
    }
}
