//! What the monitor keeps for each recorded step: numbers only, no tensors.

use super::GradStats;
use crate::tape::{Anomaly, ParamId};

/// What kind of layer a scope is, as seen from the tape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LayerKind {
    /// It put parameters on the tape (dense, and affine norms count as
    /// normalization below).
    Weighted,
    /// Its output is a batch-norm or layer-norm node.
    Normalization,
    /// Its output is an activation and it has no parameters.
    Activation,
    /// A container of other recorded layers (e.g. a residual block).
    Container,
    /// Anything else.
    Other,
}

impl LayerKind {
    /// Short label for tables and CSV.
    pub fn label(self) -> &'static str {
        match self {
            LayerKind::Weighted => "weighted",
            LayerKind::Normalization => "norm",
            LayerKind::Activation => "activation",
            LayerKind::Container => "container",
            LayerKind::Other => "other",
        }
    }
}

const ACTIVATION_OPS: &[&str] = &[
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
];

/// The gradient of the loss with respect to one layer's output, for one
/// step (merged over the step's backward sweeps).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRecord {
    /// The layer's path, e.g. `"3"` or `"2.block.0"`.
    pub path: String,
    /// The op that produced the layer's output.
    pub op: &'static str,
    /// Position of the output on the tape: orders layers input to output.
    pub order: usize,
    /// What kind of layer it is.
    pub kind: LayerKind,
    /// Statistics of `∂L/∂output`.
    pub stats: GradStats,
    /// Whether parameters were recorded in this layer's scope.
    pub has_params: bool,
}

/// One parameter's gradient for one step.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRecord {
    /// The parameter's path, e.g. `"0.weight"`.
    pub name: String,
    /// Its identity.
    pub id: ParamId,
    /// Statistics of its gradient (before clipping).
    pub stats: GradStats,
    /// `‖w‖₂` of the weights the gradient was taken at. NaN until
    /// [`GradMonitor::record_updates`](super::GradMonitor::record_updates)
    /// supplies it, once the monitor has seen that call (the optimizer
    /// measures it in its own pass, so the monitor need not read every
    /// weight again).
    pub weight_l2: f64,
    /// `‖Δw‖₂` of the optimizer's update, if recorded.
    pub update_l2: Option<f64>,
}

impl ParamRecord {
    /// `‖g‖/‖w‖` (infinite for a zero weight with a nonzero gradient).
    pub fn grad_to_weight(&self) -> f64 {
        self.stats.l2 / self.weight_l2
    }

    /// `‖Δw‖/‖w‖`, if the update was recorded.
    pub fn update_to_weight(&self) -> Option<f64> {
        self.update_l2.map(|u| u / self.weight_l2)
    }
}

/// Everything recorded for one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// The step index.
    pub step: u64,
    /// Layer outputs, input to output.
    pub layers: Vec<LayerRecord>,
    /// Parameters, in the model's visiting order.
    pub params: Vec<ParamRecord>,
    /// `‖g‖₂` over all parameters, before clipping.
    pub global_norm: Option<f64>,
    /// The running average of the global norm before this step.
    pub global_ema: Option<f64>,
    /// The first NaN/±Inf the tape's anomaly mode found in this step's
    /// backward sweeps ([`Grads::anomaly`](crate::Grads::anomaly)), if the
    /// mode was on and found one.
    pub anomaly: Option<Anomaly>,
    /// Paths of layers that own parameters (a set: reloading a history
    /// with many layers must not scan a list per layer).
    weighted_paths: std::collections::BTreeSet<String>,
}

impl StepRecord {
    pub(crate) fn new(step: u64) -> StepRecord {
        StepRecord {
            step,
            layers: Vec::new(),
            params: Vec::new(),
            global_norm: None,
            global_ema: None,
            anomaly: None,
            weighted_paths: std::collections::BTreeSet::new(),
        }
    }

    pub(crate) fn mark_weighted(&mut self, path: &str) {
        if !self.weighted_paths.contains(path) {
            self.weighted_paths.insert(path.to_string());
        }
    }

    #[cfg(test)]
    pub(crate) fn add_layer_output(
        &mut self,
        path: &str,
        op: &'static str,
        order: usize,
        stats: &GradStats,
    ) {
        match self.layers.iter().position(|l| l.path == path) {
            Some(slot) => self.merge_layer_output(slot, stats),
            None => {
                self.push_layer_output(path, op, order, stats);
            }
        }
    }

    /// Appends a layer seen for the first time this step; returns its slot.
    pub(crate) fn push_layer_output(
        &mut self,
        path: &str,
        op: &'static str,
        order: usize,
        stats: &GradStats,
    ) -> usize {
        self.layers.push(LayerRecord {
            path: path.to_string(),
            op,
            order,
            kind: LayerKind::Other,
            stats: *stats,
            has_params: false,
        });
        self.layers.len() - 1
    }

    /// Adds another gradient reaching the layer in `slot` (a layer used
    /// twice in one step).
    pub(crate) fn merge_layer_output(&mut self, slot: usize, stats: &GradStats) {
        let layer = &mut self.layers[slot];
        layer.stats = layer.stats.merge(stats);
    }

    /// Sorts layers input to output and classifies them.
    pub(crate) fn finish_layers(&mut self) {
        // Containers first by order, then the deeper path: a block and its
        // last child share an output node.
        self.layers
            .sort_by(|a, b| a.order.cmp(&b.order).then(b.path.len().cmp(&a.path.len())));
        // Sorted, a container's children follow the first path at or after
        // "its path." — one binary search per layer, not a scan.
        let mut paths: Vec<String> = self.layers.iter().map(|l| l.path.clone()).collect();
        paths.sort_unstable();
        for layer in &mut self.layers {
            let prefix = format!("{}.", layer.path);
            let next = paths.partition_point(|p| p.as_str() < prefix.as_str());
            let is_container = paths.get(next).is_some_and(|p| p.starts_with(&prefix));
            layer.has_params = self.weighted_paths.contains(&layer.path);
            layer.kind = if is_container {
                LayerKind::Container
            } else if matches!(layer.op, "batch_norm" | "layer_norm") {
                LayerKind::Normalization
            } else if layer.has_params {
                LayerKind::Weighted
            } else if ACTIVATION_OPS.contains(&layer.op) {
                LayerKind::Activation
            } else {
                LayerKind::Other
            };
        }
    }

    /// Layers of the given kinds, input to output.
    pub fn layers_of(&self, kinds: &[LayerKind]) -> impl Iterator<Item = &LayerRecord> {
        self.layers.iter().filter(move |l| kinds.contains(&l.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_the_paths_with_children_and_nothing_else() {
        let mut r = StepRecord::new(0);
        let s = GradStats::default();
        // "1" holds "1.0"; "10" and "1x" only share its first character;
        // "2" is a leaf whose name another path merely starts with ("2x").
        for (i, path) in ["0", "1.0", "1", "10", "1x", "2", "2x"].iter().enumerate() {
            r.push_layer_output(path, "tanh", i, &s);
        }
        let slot = r.layers.iter().position(|l| l.path == "1.0").unwrap();
        r.merge_layer_output(slot, &s);
        r.finish_layers();
        let kind = |p: &str| r.layers.iter().find(|l| l.path == p).unwrap().kind;
        assert_eq!(kind("1"), LayerKind::Container);
        for leaf in ["0", "1.0", "10", "1x", "2", "2x"] {
            assert_eq!(kind(leaf), LayerKind::Activation, "{leaf}");
        }
        assert_eq!(r.layers.len(), 7, "merging adds no layer");
    }
}
