//! Figures of gradient flow, as SVG or PNG (feature `plot`).
//!
//! Three figures, each from recorded [`StepRecord`]s:
//!
//! - [`plot_depth_profile`]: the gradient RMS of each layer's output
//!   against depth, one line per run — the picture of a vanishing (or
//!   exploding) gradient, and of what He init, batch norm or a residual
//!   connection does to it;
//! - [`plot_heatmap`]: log₁₀ RMS per layer (rows) and recorded step
//!   (columns), with a colour bar — how the profile moves during training;
//! - [`plot_global_norm`]: the global pre-clip gradient norm over the
//!   steps, with the clip threshold and the clipped steps marked.
//!
//! The format follows the path's extension: `.svg` (text, scalable) or
//! `.png` (a bitmap). Every file is written atomically with
//! [`write_atomic`](crate::io::write_atomic): the figure is drawn in memory
//! first, so a failure leaves the old file (or none) in place.
//!
//! Text is laid out and, in PNGs, drawn with DejaVu Sans, which the crate
//! bundles (`assets/fonts/`, Bitstream Vera licence): no system font
//! library is needed. SVGs name `DejaVu Sans, sans-serif` as their font.
//!
//! The figures are drawn with the machinery of [`crate::plot`], whose
//! [`LineChart`](crate::plot::LineChart) draws figures of your own.
//!
//! ```no_run
//! use gradflow::monitor::GradMonitor;
//! use gradflow::monitor::plot::{plot_depth_profile, plot_global_norm, plot_heatmap};
//! # fn main() -> gradflow::Result<()> {
//! # let monitor = GradMonitor::new();
//! let history = monitor.history();
//! let last = history.last().expect("a recorded step");
//! plot_depth_profile(&[("my model", last)], "depth.svg")?;
//! plot_heatmap(history, "heatmap.png")?;
//! plot_global_norm(history, Some(1.0), "global_norm.png")?;
//! # Ok(())
//! # }
//! ```

mod global_norm;
mod heatmap;
mod profile;

use std::path::Path;

use plotters::style::RGBColor;

use super::record::{LayerKind, LayerRecord, StepRecord};
use crate::error::Result;
use crate::plot::{Format, render};
use global_norm::GlobalNorm;
use heatmap::Heatmap;
use profile::DepthProfile;

/// Marks non-finite gradients: a heat-map cell's border, a global norm's
/// cross.
const ALERT_COLOR: RGBColor = RGBColor(200, 0, 0);

/// Plots the gradient RMS of each layer's output against depth (layer
/// index, input to output), on a log₁₀ axis, one line per run, with a
/// legend naming the runs (e.g. `"sigmoid"`, `"ReLU+He"`, `"ReLU+BN"`,
/// `"residual"`).
///
/// The layers are those the [`Report`](super::Report) tabulates: weighted
/// and normalization layers ([`LayerKind::Weighted`],
/// [`LayerKind::Normalization`]), or every recorded layer if a run has
/// neither. A layer whose gradient is exactly zero (or has no finite
/// element) has no place on a log axis: its point is left out and the
/// line broken there.
///
/// Written as SVG or PNG by the extension of `path`.
///
/// # Errors
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `runs` is
/// empty, a run has no layer records (was the monitor passed to
/// `backward_with`?), no layer has a nonzero gradient, or the extension is
/// neither `svg` nor `png`; [`Error::Io`](crate::Error::Io) if drawing or
/// writing the file fails.
pub fn plot_depth_profile(runs: &[(&str, &StepRecord)], path: impl AsRef<Path>) -> Result<()> {
    const CONTEXT: &str = "plot_depth_profile";
    let path = path.as_ref();
    let format = Format::of(path, CONTEXT)?;
    let figure = DepthProfile::new(runs)?;
    render(&figure, format, path, CONTEXT)
}

/// Plots log₁₀ of the gradient RMS of each layer's output as a heat map:
/// layers (input at the bottom, output at the top) against the recorded
/// steps (one column per record, in the order given), with a colour bar.
///
/// Layers are chosen as in [`plot_depth_profile`]. Cells without a value
/// (a layer absent from a step, or a zero gradient) are grey; a cell whose
/// gradient held NaN or infinity gets a red border.
///
/// Written as SVG or PNG by the extension of `path`.
///
/// # Errors
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `records`
/// is empty, no record has layer records, no layer has a nonzero gradient,
/// or the extension is neither `svg` nor `png`;
/// [`Error::Io`](crate::Error::Io) if drawing or writing the file fails.
pub fn plot_heatmap(records: &[StepRecord], path: impl AsRef<Path>) -> Result<()> {
    const CONTEXT: &str = "plot_heatmap";
    let path = path.as_ref();
    let format = Format::of(path, CONTEXT)?;
    let figure = Heatmap::new(records)?;
    render(&figure, format, path, CONTEXT)
}

/// Plots the global pre-clip gradient norm (`‖g‖₂` over all parameters)
/// against the step, on a log₁₀ axis. With `clip = Some(max_norm)`, the
/// threshold is a dashed horizontal line and the steps whose norm exceeds
/// it (the ones clipping scaled down) are marked.
///
/// Records without a global norm (no `record_params`) are skipped; a NaN
/// or infinite norm is marked with a red cross at the top of the plot, and
/// a zero norm (off any log axis) is left out.
///
/// Written as SVG or PNG by the extension of `path`.
///
/// # Errors
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if no record
/// has a positive or non-finite global norm, `clip` is not positive and
/// finite, or the extension is neither `svg` nor `png`;
/// [`Error::Io`](crate::Error::Io) if drawing or writing the file fails.
pub fn plot_global_norm(
    records: &[StepRecord],
    clip: Option<f64>,
    path: impl AsRef<Path>,
) -> Result<()> {
    const CONTEXT: &str = "plot_global_norm";
    let path = path.as_ref();
    let format = Format::of(path, CONTEXT)?;
    let figure = GlobalNorm::new(records, clip)?;
    render(&figure, format, path, CONTEXT)
}

/// The layers a profile shows: weighted and normalization layers, as the
/// report does, else every layer.
fn profile_layers(record: &StepRecord) -> Vec<&LayerRecord> {
    let chosen: Vec<&LayerRecord> = record
        .layers_of(&[LayerKind::Weighted, LayerKind::Normalization])
        .collect();
    if chosen.is_empty() {
        record.layers.iter().collect()
    } else {
        chosen
    }
}
