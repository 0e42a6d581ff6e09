//! The monitor's history, exported and reloaded: tidy CSV (one row per
//! step × site, `csv.rs`) and JSON Lines (one object per step, `jsonl.rs`).
//!
//! Both formats reload to the same numbers, bit for bit: floats are written
//! in Rust's shortest round-trip form. What a reload cannot restore is
//! process-bound: [`ParamId`]s are not stable across runs, so each distinct
//! parameter name in a file gets one fresh id (the same id at every step of
//! that load), and NaN payloads are not kept (every NaN reloads as
//! [`f64::NAN`]). JSON Lines also carries each step's anomaly report
//! ([`StepRecord::anomaly`]); CSV, a table of gradient statistics, does
//! not. The columns and keys are documented in `docs/monitoring.md` and on
//! [`history_to_csv`] and [`history_to_jsonl`].
//!
//! This file holds what both formats share: the op and layer-kind
//! vocabulary a reload checks names against, the rebuilding of records,
//! and error and file helpers.

mod csv;
mod jsonl;

pub use self::csv::{history_from_csv, history_to_csv, load_csv};
pub use self::jsonl::{history_from_jsonl, history_to_jsonl, load_jsonl};

use std::collections::HashMap;
use std::path::Path;

use super::{LayerKind, StepRecord};
use crate::error::{Error, Result};
use crate::tape::ParamId;

/// Internal parse errors: the reason, without context or line.
type Parse<T> = std::result::Result<T, String>;

// ---------------------------------------------------------------------------
// Shared vocabulary
// ---------------------------------------------------------------------------

/// Every name `Op::name` returns (`src/tape/ops`): the op of a reloaded
/// layer or anomaly must be one of these. Keep in sync when an op is added
/// (the unit test `every_op_name_is_known_to_the_loaders` checks).
const OP_NAMES: &[&str] = &[
    "leaf",
    // unary
    "neg",
    "exp",
    "ln",
    "sqrt",
    "abs",
    "square",
    "recip",
    "powf",
    "powi",
    "clamp",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "gelu_tanh",
    "softplus",
    "silu",
    "softsign",
    "add_scalar",
    "mul_scalar",
    "div_scalar",
    // binary
    "add",
    "sub",
    "mul",
    "div",
    "maximum",
    "minimum",
    // reductions
    "sum",
    "mean",
    "max",
    "min",
    "var",
    "matmul",
    "linear",
    // shape
    "reshape",
    "permute",
    "broadcast_to",
    "sum_to",
    "narrow",
    "concat",
    "stack",
    // index
    "gather",
    "index_select",
    // softmax
    "softmax",
    "log_softmax",
    "logsumexp",
    // losses
    "cross_entropy",
    "nll",
    "bce_with_logits",
    "mse",
    // normalization
    "batch_norm",
    "layer_norm",
    // convolution and pooling
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "custom",
];

/// The static name of a known op.
fn static_op(name: &str) -> Option<&'static str> {
    OP_NAMES.iter().copied().find(|&n| n == name)
}

/// Every layer kind (a unit test keeps this list exhaustive).
const KINDS: [LayerKind; 5] = [
    LayerKind::Weighted,
    LayerKind::Normalization,
    LayerKind::Activation,
    LayerKind::Container,
    LayerKind::Other,
];

fn kind_from_label(label: &str) -> Option<LayerKind> {
    KINDS.into_iter().find(|k| k.label() == label)
}

// ---------------------------------------------------------------------------
// Rebuilding records
// ---------------------------------------------------------------------------

/// Reloads build records through the monitor's own constructor; the
/// layers' `has_params` flags are what the recording scratch
/// (`weighted_paths`) held for them.
fn finish_record(mut record: StepRecord) -> StepRecord {
    let weighted: Vec<String> = record
        .layers
        .iter()
        .filter(|l| l.has_params)
        .map(|l| l.path.clone())
        .collect();
    for path in &weighted {
        record.mark_weighted(path);
    }
    record
}

/// One fresh id per distinct parameter name within one load.
fn param_id(ids: &mut HashMap<String, ParamId>, name: &str) -> ParamId {
    match ids.get(name) {
        Some(&id) => id,
        None => {
            let id = ParamId::fresh();
            ids.insert(name.to_string(), id);
            id
        }
    }
}

// ---------------------------------------------------------------------------
// Errors and files
// ---------------------------------------------------------------------------

/// A value for an error message, quoted and cut to a readable length.
fn shown(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    match s.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{:?}...", &s[..end]),
        None => format!("{s:?}"),
    }
}

fn invalid(context: &'static str, reason: String) -> Error {
    Error::InvalidFormat { context, reason }
}

/// A whole file as text: [`Error::Io`] if it cannot be read,
/// [`Error::InvalidFormat`] if it is not UTF-8.
fn read_text(path: &Path, context: &'static str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        context,
        path: path.display().to_string(),
        kind: e.kind(),
        message: format!("reading: {e}"),
    })?;
    String::from_utf8(bytes)
        .map_err(|e| invalid(context, format!("{}: not UTF-8 text ({e})", path.display())))
}

/// Prefixes a format error's reason with the file it came from.
fn in_file(e: Error, path: &Path) -> Error {
    match e {
        Error::InvalidFormat { context, reason } => Error::InvalidFormat {
            context,
            reason: format!("{}: {reason}", path.display()),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::GradStats;

    /// The string literals returned by every `fn name(&self) -> &'static str`
    /// of the tape's op families, read from their source.
    fn op_names_in_source() -> Vec<String> {
        const SOURCES: [&str; 10] = [
            include_str!("../../tape/ops/mod.rs"),
            include_str!("../../tape/ops/unary.rs"),
            include_str!("../../tape/ops/binary.rs"),
            include_str!("../../tape/ops/reduce.rs"),
            include_str!("../../tape/ops/matmul.rs"),
            include_str!("../../tape/ops/shape.rs"),
            include_str!("../../tape/ops/index.rs"),
            include_str!("../../tape/ops/softmax.rs"),
            include_str!("../../tape/ops/loss.rs"),
            include_str!("../../tape/ops/norm.rs"),
        ];
        let mut names = Vec::new();
        for src in SOURCES {
            for (start, _) in src.match_indices("fn name(&self) -> &'static str {") {
                let body = &src[start..];
                let end = body.find("\n    }\n").expect("the fn ends");
                for (i, part) in body[..end].split('"').enumerate() {
                    if i % 2 == 1 {
                        names.push(part.to_string());
                    }
                }
            }
        }
        names
    }

    #[test]
    fn every_op_name_is_known_to_the_loaders() {
        let names = op_names_in_source();
        // Guards the scan itself: it must see every family.
        for expected in [
            "leaf",
            "matmul",
            "tanh",
            "add",
            "sum",
            "reshape",
            "cross_entropy",
            "layer_norm",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "scan missed {expected}: {names:?}"
            );
        }
        for name in &names {
            assert!(
                static_op(name).is_some(),
                "op `{name}` is missing from OP_NAMES: history files naming it would not load"
            );
        }
    }

    #[test]
    fn every_layer_kind_has_a_label_that_parses_back() {
        for kind in KINDS {
            // Exhaustive on purpose: a new kind fails to compile here until
            // it is added to `KINDS`.
            match kind {
                LayerKind::Weighted
                | LayerKind::Normalization
                | LayerKind::Activation
                | LayerKind::Container
                | LayerKind::Other => {}
            }
            assert_eq!(kind_from_label(kind.label()), Some(kind));
        }
    }

    #[test]
    fn op_table_knows_the_tape_ops_once_each() {
        for op in [
            "sigmoid",
            "relu",
            "batch_norm",
            "layer_norm",
            "matmul",
            "custom",
        ] {
            assert_eq!(static_op(op), Some(op));
        }
        assert_eq!(static_op("Relu"), None);
        let mut sorted = OP_NAMES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), OP_NAMES.len(), "duplicate op names");
    }

    #[test]
    fn reloaded_weighted_paths_restore_has_params_on_reclassification() {
        let mut r = StepRecord::new(7);
        let stats = GradStats::default();
        r.add_layer_output("0", "add", 3, &stats);
        r.add_layer_output("1", "relu", 4, &stats);
        r.mark_weighted("0");
        r.finish_layers();
        for back in [
            history_from_csv(&history_to_csv(std::slice::from_ref(&r))).unwrap(),
            history_from_jsonl(&history_to_jsonl(std::slice::from_ref(&r))).unwrap(),
        ] {
            let mut again = back[0].clone();
            again.finish_layers();
            // Without the rebuilt scratch, layer "0" would lose
            // `has_params` and turn from weighted into other.
            assert_eq!(again.layers, r.layers);
            assert_eq!(again.layers[0].kind, LayerKind::Weighted);
        }
    }
}
