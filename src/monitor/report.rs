//! One step's report: layer table, ratios, findings with advice.

use std::fmt;

use super::record::{LayerKind, LayerRecord, ParamRecord, StepRecord};
use crate::tape::{Anomaly, Phase};

/// Thresholds for the report's findings (defaults from the research notes
/// behind the monitor; every one can be changed).
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// Vanishing if `rms(first layer)/rms(last layer)` is below this (1e-3).
    pub vanish_ratio: f64,
    /// Exploding if that ratio is above this (1e3).
    pub explode_ratio: f64,
    /// Exploding if the global gradient norm is above this (1e3).
    pub max_global_norm: f64,
    /// A spike if the global norm exceeds this multiple of its running average (10).
    pub spike_factor: f64,
    /// Dead units reported above this fraction of a layer's units (0.5).
    pub dead_fraction: f64,
    /// A parameter is stalled below this gradient-to-weight ratio (1e-6).
    pub stall_ratio: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            vanish_ratio: 1e-3,
            explode_ratio: 1e3,
            max_global_norm: 1e3,
            spike_factor: 10.0,
            dead_fraction: 0.5,
            stall_ratio: 1e-6,
        }
    }
}

/// Something the report noticed, with the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Finding {
    /// The first layer's output gradient is far smaller than the last's.
    Vanishing {
        /// `rms(first)/rms(last)`.
        ratio: f64,
        /// The first layer's path.
        first: String,
        /// The last layer's path.
        last: String,
        /// Whether saturating activations (sigmoid, tanh, softsign) are in the stack.
        saturating: bool,
    },
    /// The first layer's output gradient is far larger than the last's.
    Exploding {
        /// `rms(first)/rms(last)`.
        ratio: f64,
    },
    /// The global gradient norm is above its limit.
    LargeGlobalNorm {
        /// The norm.
        norm: f64,
        /// The limit.
        limit: f64,
    },
    /// The global norm jumped above a multiple of its running average.
    Spike {
        /// The norm.
        norm: f64,
        /// Its running average before this step.
        average: f64,
    },
    /// Non-finite gradients: the first layer in backward order that has them.
    NonFinite {
        /// The layer's path.
        layer: String,
        /// The op that produced the layer's output.
        op: &'static str,
        /// How many elements are NaN or infinite.
        count: u64,
    },
    /// Many units receive no gradient from any example.
    DeadUnits {
        /// The layer's path.
        layer: String,
        /// Fraction of dead units.
        fraction: f64,
    },
    /// Parameters whose gradients are negligible next to their size
    /// (one finding for all of them, in the model's order).
    Stalled {
        /// `(parameter path, ‖g‖/‖w‖)` for each stalled parameter.
        params: Vec<(String, f64)>,
    },
    /// The tape's anomaly mode found the step's first NaN/±Inf: the op,
    /// node and scope path where it appeared (from
    /// [`Grads::anomaly`](crate::Grads::anomaly)).
    Anomaly(Anomaly),
}

impl Finding {
    /// One line of advice, drawn from the known cures.
    pub fn advice(&self) -> &'static str {
        match self {
            Finding::Vanishing {
                saturating: true, ..
            } => {
                "saturating activations shrink the gradient at every layer: use ReLU-family activations with He init, \
                 Xavier init for tanh, normalization (BatchNorm/LayerNorm), or residual connections"
            }
            Finding::Vanishing { .. } => {
                "gradients shrink with depth: check the init (He for ReLU, Xavier for tanh), add normalization or residual connections"
            }
            Finding::Exploding { .. } | Finding::LargeGlobalNorm { .. } => {
                "gradients grow with depth: lower the init gain or learning rate, clip the global norm, or add normalization"
            }
            Finding::Spike { .. } => {
                "lower the learning rate, or clip the global norm near its median pre-clip value"
            }
            Finding::NonFinite { .. } => {
                "a NaN/Inf appeared here first: look for log/sqrt/division of zero or overflow; lower the learning rate; clip"
            }
            Finding::DeadUnits { .. } => {
                "dead ReLU units: lower the learning rate, use LeakyReLU/ELU, or He init with a small positive bias"
            }
            Finding::Stalled { .. } => {
                "these parameters barely move: their layers may sit behind a vanishing gradient"
            }
            Finding::Anomaly(a) => match (a.phase, a.input) {
                (Phase::Forward, _) => {
                    "this op's input left its domain or overflowed: guard log/sqrt/division with an epsilon or clamp, \
                     check the data and the init, lower the learning rate"
                }
                (Phase::Backward, Some(_)) => {
                    "this op's derivative is infinite at its input (sqrt or log at 0, division by ~0, negative powers): \
                     add an epsilon or clamp the input"
                }
                (Phase::Backward, None) => {
                    "the gradient became non-finite here: a hook or modifier wrote it, or summing contributions overflowed; \
                     lower the learning rate or loss scale, clip"
                }
            },
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Vanishing {
                ratio, first, last, ..
            } => {
                write!(
                    f,
                    "vanishing: rms(∂L/∂{first}) / rms(∂L/∂{last}) = {ratio:.2e}"
                )
            }
            Finding::Exploding { ratio } => {
                write!(f, "exploding: first/last layer gradient rms = {ratio:.2e}")
            }
            Finding::LargeGlobalNorm { norm, limit } => {
                write!(
                    f,
                    "exploding: global gradient norm {norm:.3e} above {limit:.1e}"
                )
            }
            Finding::Spike { norm, average } => {
                write!(
                    f,
                    "spike: global gradient norm {norm:.3e} vs running average {average:.3e}"
                )
            }
            Finding::NonFinite { layer, op, count } => {
                write!(
                    f,
                    "non-finite: {count} NaN/Inf in the gradient of layer {layer} (op {op})"
                )
            }
            Finding::DeadUnits { layer, fraction } => {
                write!(
                    f,
                    "dead units: {:.0}% of layer {layer}'s units get no gradient",
                    fraction * 100.0
                )
            }
            Finding::Stalled { params } => {
                let worst = params.iter().fold(f64::INFINITY, |m, (_, r)| m.min(*r));
                let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
                let shown = if names.len() > 6 {
                    format!("{}, ... ({} in all)", names[..6].join(", "), names.len())
                } else {
                    names.join(", ")
                };
                write!(
                    f,
                    "stalled: ‖g‖/‖w‖ below the threshold (worst {worst:.1e}) for {shown}"
                )
            }
            Finding::Anomaly(a) => write!(f, "anomaly mode, {a}"),
        }
    }
}

/// The report for one recorded step.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The step.
    pub step: u64,
    /// Weighted and normalization layers, input to output.
    pub layers: Vec<LayerRecord>,
    /// Activation layers, input to output (shown on request).
    pub activations: Vec<LayerRecord>,
    /// Parameters.
    pub params: Vec<ParamRecord>,
    /// `rms(first layer)/rms(last layer)` of output gradients.
    pub first_over_last: Option<f64>,
    /// The global pre-clip norm.
    pub global_norm: Option<f64>,
    /// What the report noticed.
    pub findings: Vec<Finding>,
    show_activations: bool,
}

impl Report {
    pub(crate) fn new(record: &StepRecord, th: &Thresholds) -> Report {
        let layers: Vec<LayerRecord> = record
            .layers_of(&[LayerKind::Weighted, LayerKind::Normalization])
            .cloned()
            .collect();
        let activations: Vec<LayerRecord> = record
            .layers_of(&[LayerKind::Activation])
            .cloned()
            .collect();
        let basis: Vec<&LayerRecord> = if layers.is_empty() {
            record
                .layers_of(&[LayerKind::Activation, LayerKind::Other])
                .collect()
        } else {
            layers.iter().collect()
        };
        let first_over_last = match (basis.first(), basis.last()) {
            (Some(a), Some(b)) if basis.len() > 1 => Some(a.stats.rms() / b.stats.rms()),
            _ => None,
        };
        let mut findings = Vec::new();
        // The tape's own account of the first NaN/Inf names the op that made
        // it, so it leads; then the layers' non-finite counts.
        if let Some(a) = &record.anomaly {
            findings.push(Finding::Anomaly(a.clone()));
        }
        if let Some(bad) = record
            .layers
            .iter()
            .filter(|l| l.stats.nonfinite > 0)
            .max_by_key(|l| l.order)
        {
            findings.push(Finding::NonFinite {
                layer: bad.path.clone(),
                op: bad.op,
                count: bad.stats.nonfinite,
            });
        }
        if let Some(ratio) = first_over_last {
            let saturating = record
                .layers
                .iter()
                .any(|l| matches!(l.op, "sigmoid" | "tanh" | "softsign"));
            if ratio < th.vanish_ratio {
                findings.push(Finding::Vanishing {
                    ratio,
                    first: basis[0].path.clone(),
                    last: basis[basis.len() - 1].path.clone(),
                    saturating,
                });
            } else if ratio > th.explode_ratio {
                findings.push(Finding::Exploding { ratio });
            }
        }
        if let Some(norm) = record.global_norm {
            if norm > th.max_global_norm {
                findings.push(Finding::LargeGlobalNorm {
                    norm,
                    limit: th.max_global_norm,
                });
            }
            if let Some(average) = record.global_ema
                && norm > th.spike_factor * average
            {
                findings.push(Finding::Spike { norm, average });
            }
        }
        for l in &record.layers {
            if let Some(frac) = l.stats.dead_frac
                && frac > th.dead_fraction
                && matches!(l.kind, LayerKind::Activation | LayerKind::Weighted)
            {
                findings.push(Finding::DeadUnits {
                    layer: l.path.clone(),
                    fraction: frac,
                });
            }
        }
        // A layer whose output goes straight into a normalization layer has
        // a bias the normalization subtracts again: its gradient is zero by
        // construction, not a sign of a stalled layer.
        let absorbed_bias = |name: &str| {
            let Some(path) = name.strip_suffix(".bias") else {
                return false;
            };
            let mut layers = record.layers.iter().skip_while(|l| l.path != path);
            layers.next().is_some()
                && layers
                    .find(|l| l.kind != LayerKind::Container)
                    .is_some_and(|l| l.kind == LayerKind::Normalization)
        };
        let stalled: Vec<(String, f64)> = record
            .params
            .iter()
            .filter(|p| !absorbed_bias(&p.name))
            .map(|p| (p.name.clone(), p.grad_to_weight()))
            .filter(|(_, r)| *r < th.stall_ratio)
            .collect();
        if !stalled.is_empty() {
            findings.push(Finding::Stalled { params: stalled });
        }
        Report {
            step: record.step,
            layers,
            activations,
            params: record.params.clone(),
            first_over_last,
            global_norm: record.global_norm,
            findings,
            show_activations: false,
        }
    }

    /// Includes activation layers in the printed table.
    pub fn with_activations(mut self) -> Report {
        self.show_activations = true;
        self
    }

    /// Whether a vanishing-gradient finding was made.
    pub fn is_vanishing(&self) -> bool {
        self.findings
            .iter()
            .any(|f| matches!(f, Finding::Vanishing { .. }))
    }

    /// Whether an exploding-gradient finding was made.
    pub fn is_exploding(&self) -> bool {
        self.findings.iter().any(|f| {
            matches!(
                f,
                Finding::Exploding { .. } | Finding::LargeGlobalNorm { .. }
            )
        })
    }
}

impl fmt::Display for Report {
    /// An aligned table: one row per layer (input to output), then the
    /// summary numbers and each finding with its advice.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "gradient flow at step {}", self.step)?;
        let mut rows: Vec<&LayerRecord> = self.layers.iter().collect();
        if self.show_activations {
            rows.extend(self.activations.iter());
            rows.sort_by_key(|l| l.order);
        }
        let width = rows.iter().map(|l| l.path.len()).max().unwrap_or(5).max(5);
        writeln!(
            f,
            "{:<width$}  {:<10}  {:<12}  {:>10}  {:>10}  {:>10}  {:>6}  {:>6}  {:>5}",
            "layer", "kind", "op", "rms", "mean|g|", "max|g|", "zeros", "dead", "nan"
        )?;
        for l in rows {
            let s = &l.stats;
            let dead = s
                .dead_frac
                .map_or("-".to_string(), |d| format!("{:.0}%", d * 100.0));
            writeln!(
                f,
                "{:<width$}  {:<10}  {:<12}  {:>10.3e}  {:>10.3e}  {:>10.3e}  {:>5.0}%  {:>6}  {:>5}",
                l.path,
                l.kind.label(),
                l.op,
                s.rms(),
                s.mean_abs(),
                s.max_abs,
                s.zero_frac() * 100.0,
                dead,
                s.nonfinite
            )?;
        }
        if let Some(r) = self.first_over_last {
            writeln!(f, "first/last layer rms ratio: {r:.3e}")?;
        }
        if let Some(g) = self.global_norm {
            writeln!(f, "global gradient norm (pre-clip): {g:.3e}")?;
        }
        if self.findings.is_empty() {
            writeln!(f, "no findings: gradients flow")?;
        }
        for finding in &self.findings {
            writeln!(f, "! {finding}")?;
            writeln!(f, "  → {}", finding.advice())?;
        }
        Ok(())
    }
}
