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

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::record::{LayerKind, LayerRecord, StepRecord};
use crate::error::{Error, Result};

/// The name the bundled font is registered under; SVGs carry it as their
/// `font-family`, so a viewer without DejaVu Sans falls back to its own
/// sans-serif.
const FONT: &str = "DejaVu Sans, sans-serif";
static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 620;
const TITLE_SIZE: f64 = 26.0;
const DESC_SIZE: f64 = 17.0;
const LABEL_SIZE: f64 = 15.0;

/// Okabe–Ito colours (distinguishable with the common colour-vision
/// deficiencies), yellow left out as too pale on white.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];
const NORM_COLOR: RGBColor = RGBColor(0, 114, 178);
const CLIP_COLOR: RGBColor = RGBColor(213, 94, 0);
const ALERT_COLOR: RGBColor = RGBColor(200, 0, 0);
const MISSING_COLOR: RGBColor = RGBColor(215, 215, 215);
const GRID_COLOR: RGBColor = RGBColor(225, 225, 225);

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

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
/// [`Error::InvalidArgument`] if `runs` is empty, a run has no layer
/// records (was the monitor passed to `backward_with`?), no layer has a
/// nonzero gradient, or the extension is neither `svg` nor `png`;
/// [`Error::Io`] if drawing or writing the file fails.
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
/// [`Error::InvalidArgument`] if `records` is empty, no record has layer
/// records, no layer has a nonzero gradient, or the extension is neither
/// `svg` nor `png`; [`Error::Io`] if drawing or writing the file fails.
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
/// [`Error::InvalidArgument`] if no record has a positive or non-finite
/// global norm, `clip` is not positive and finite, or the extension is
/// neither `svg` nor `png`; [`Error::Io`] if drawing or writing the file
/// fails.
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

// ---------------------------------------------------------------------------
// Rendering: one drawing routine per figure, generic over the backend.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Svg,
    Png,
}

impl Format {
    fn of(path: &Path, context: &'static str) -> Result<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => Err(Error::InvalidArgument {
                context,
                reason: format!(
                    "cannot tell the figure's format from {}: use a .svg or .png extension",
                    path.display()
                ),
            }),
        }
    }
}

/// A figure that can draw itself on any plotters backend.
trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

fn render(figure: &impl Figure, format: Format, path: &Path, context: &'static str) -> Result<()> {
    let draw_err = |e: &dyn std::fmt::Display| Error::Io {
        context,
        path: path.display().to_string(),
        kind: std::io::ErrorKind::Other,
        message: format!("drawing the figure: {e}"),
    };
    if !register_bundled_font() {
        return Err(draw_err(&"the bundled font could not be parsed"));
    }
    let bytes = match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
                figure.draw(&root).map_err(|e| draw_err(&e))?;
                root.present().map_err(|e| draw_err(&e))?;
            }
            svg.into_bytes()
        }
        Format::Png => {
            let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
            {
                let root =
                    BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
                figure.draw(&root).map_err(|e| draw_err(&e))?;
                root.present().map_err(|e| draw_err(&e))?;
            }
            encode_png(&rgb, WIDTH, HEIGHT).map_err(|e| draw_err(&e))?
        }
    };
    crate::io::write_atomic(path, |f| f.write_all(&bytes))
}

fn encode_png(
    rgb: &[u8],
    width: u32,
    height: u32,
) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Registers the bundled DejaVu Sans with plotters, once per process;
/// whether that worked.
fn register_bundled_font() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| register_font(FONT, FontStyle::Normal, FONT_DATA).is_ok())
}

fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

// ---------------------------------------------------------------------------
// Helpers shared by the figures.

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

/// `log10(x)` for a positive finite `x`.
fn log10_of(x: f64) -> Option<f64> {
    (x > 0.0 && x.is_finite()).then(|| x.log10())
}

/// An axis range in whole decades around `[lo, hi]`, at least one decade
/// wide, with ticks at the decades (at most `max_ticks`, every 1, 2, 5,
/// 10, ... decades), and at 2 and 5 times each decade when the range is
/// only one or two decades wide.
fn decade_axis(lo: f64, hi: f64, max_ticks: usize) -> (f64, f64, Vec<f64>) {
    // A little room, so no point or line sits on the frame.
    let pad = 0.02 * (hi - lo).clamp(1.0, 5.0);
    let (mut a, mut b) = ((lo - pad).floor(), (hi + pad).ceil());
    if b - a < 1.0 {
        a -= 1.0;
        b += 1.0;
    }
    let span = b - a;
    let step = nice_step(span, max_ticks).max(1.0);
    let mut ticks = Vec::new();
    let mut t = (a / step).ceil() * step;
    while t <= b + 1e-9 {
        ticks.push(t);
        if span <= 2.0 && t < b {
            ticks.extend([t + 2f64.log10(), t + 5f64.log10()]);
        }
        t += step;
    }
    (a, b, ticks)
}

/// The smallest step of 1, 2 or 5 times a power of ten giving at most
/// `max_ticks` ticks over `span`.
fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let max_ticks = max_ticks.max(2) as f64;
    let raw = span / (max_ticks - 1.0);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw - 1e-12)
        .unwrap_or(10.0 * mag)
}

/// Integer ticks over `[lo, hi]`, at most `max_ticks`.
fn integer_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    let step = nice_step((hi - lo).max(1.0), max_ticks).max(1.0).round();
    let mut t = (lo / step).ceil() * step;
    let mut ticks = Vec::new();
    while t <= hi + 1e-9 {
        ticks.push(t);
        t += step;
    }
    ticks
}

/// The tick label of `v` on a log₁₀ axis: `10ⁿ` for a whole `v`, else
/// the value `10^v` as a short decimal (`0.2`, `50`) or `m×10ⁿ`.
fn pow10_label(v: f64) -> String {
    let r = v.round();
    if (v - r).abs() < 1e-6 {
        return match r as i64 {
            0 => "1".to_string(),
            1 => "10".to_string(),
            k => format!("10{}", superscript(k)),
        };
    }
    let x = 10f64.powf(v);
    let n = v.floor();
    if (-2.0..=3.0).contains(&n) {
        short_number(x)
    } else {
        let m = x / 10f64.powf(n);
        format!(
            "{}×10{}",
            short_number((m * 10.0).round() / 10.0),
            superscript(n as i64)
        )
    }
}

fn superscript(k: i64) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::new();
    if k < 0 {
        s.push('⁻');
    }
    for c in k.unsigned_abs().to_string().chars() {
        s.push(DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// Splits a sequence of points at the missing values into runs of
/// consecutive present ones.
fn segments(points: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for &(x, y) in points {
        match y {
            Some(y) => current.push((x, y)),
            None => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A linear `f64` axis with the tick positions given (plotters' own
/// `with_key_points` drops the value formatter that `configure_mesh`
/// needs).
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticked {
        Ticked { lo, hi, ticks }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let t = ((value - self.lo) / span).clamp(-1.0, 2.0);
        limit.0 + ((limit.1 - limit.0) as f64 * t).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// What a legend entry shows beside its label.
#[derive(Debug, Clone, Copy)]
enum Swatch {
    /// A line with a dot on it.
    LineDot(RGBColor),
    /// A line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled dot.
    Dot(RGBColor),
    /// A cross.
    Cross(RGBColor),
    /// A filled square with a border.
    Square(RGBColor, RGBColor),
}

struct LegendItem {
    label: String,
    swatch: Swatch,
}

const LEGEND_ROW: i32 = 26;
const SWATCH_W: i32 = 30;

/// The width a legend panel needs for `items`.
fn legend_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> std::result::Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
    let style = font(LABEL_SIZE);
    let mut widest = 0;
    for item in items {
        widest = widest.max(root.estimate_text_size(&item.label, &style)?.0);
    }
    let (w, _) = root.dim_in_pixel();
    Ok((widest + SWATCH_W as u32 + 50).clamp(140, w * 2 / 5))
}

/// Draws a framed legend at the top of `area`, `top` pixels down.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: i32,
    items: &[LegendItem],
) -> DrawResult<DB> {
    if items.is_empty() {
        return Ok(());
    }
    let (w, _) = area.dim_in_pixel();
    let (x0, x1) = (6, w as i32 - 10);
    let bottom = top + 10 + LEGEND_ROW * items.len() as i32;
    area.draw(&Rectangle::new(
        [(x0, top), (x1, bottom)],
        RGBColor(120, 120, 120).stroke_width(1),
    ))?;
    let style = font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, item) in items.iter().enumerate() {
        let y = top + 5 + LEGEND_ROW / 2 + LEGEND_ROW * i as i32;
        let (sx0, sx1) = (x0 + 10, x0 + 10 + SWATCH_W);
        let mid = (sx0 + sx1) / 2;
        match item.swatch {
            Swatch::LineDot(c) => {
                area.draw(&PathElement::new(
                    vec![(sx0, y), (sx1, y)],
                    c.stroke_width(2),
                ))?;
                area.draw(&Circle::new((mid, y), 4, c.filled()))?;
            }
            Swatch::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(sx0, y), (sx1, y)],
                    c.stroke_width(2),
                ))?;
            }
            Swatch::Dashed(c) => {
                for k in 0..3 {
                    let a = sx0 + k * 11;
                    area.draw(&PathElement::new(
                        vec![(a, y), ((a + 7).min(sx1), y)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Swatch::Dot(c) => area.draw(&Circle::new((mid, y), 5, c.filled()))?,
            Swatch::Cross(c) => area.draw(&Cross::new((mid, y), 5, c.stroke_width(2)))?,
            Swatch::Square(fill, border) => {
                area.draw(&Rectangle::new(
                    [(mid - 7, y - 7), (mid + 7, y + 7)],
                    fill.filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(mid - 7, y - 7), (mid + 7, y + 7)],
                    border.stroke_width(2),
                ))?;
            }
        }
        area.draw_text(&item.label, &style, (sx1 + 10, y))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// (a) Gradient RMS against depth.

struct ProfileRun {
    name: String,
    /// `(layer index, log10 rms)`.
    points: Vec<(f64, Option<f64>)>,
}

struct DepthProfile {
    runs: Vec<ProfileRun>,
    max_depth: usize,
    lo: f64,
    hi: f64,
    title: String,
}

impl DepthProfile {
    fn new(runs: &[(&str, &StepRecord)]) -> Result<DepthProfile> {
        const CONTEXT: &str = "plot_depth_profile";
        let invalid = |reason: String| Error::InvalidArgument {
            context: CONTEXT,
            reason,
        };
        if runs.is_empty() {
            return Err(invalid("no runs to plot".to_string()));
        }
        let mut out = Vec::with_capacity(runs.len());
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut max_depth = 0;
        for (name, record) in runs {
            let layers = profile_layers(record);
            if layers.is_empty() {
                return Err(invalid(format!(
                    "run \"{name}\" (step {}) has no layer records: pass the monitor to Tape::backward_with",
                    record.step
                )));
            }
            max_depth = max_depth.max(layers.len());
            let points: Vec<(f64, Option<f64>)> = layers
                .iter()
                .enumerate()
                .map(|(i, l)| (i as f64, log10_of(l.stats.rms())))
                .collect();
            for y in points.iter().filter_map(|p| p.1) {
                lo = lo.min(y);
                hi = hi.max(y);
            }
            out.push(ProfileRun {
                name: name.to_string(),
                points,
            });
        }
        if !lo.is_finite() {
            return Err(invalid(
                "no layer has a nonzero finite gradient RMS: nothing to draw on a log axis"
                    .to_string(),
            ));
        }
        let first_step = runs[0].1.step;
        let title = if runs.iter().all(|(_, r)| r.step == first_step) {
            format!("Gradient RMS by depth (step {first_step})")
        } else {
            "Gradient RMS by depth".to_string()
        };
        Ok(DepthProfile {
            runs: out,
            max_depth,
            lo,
            hi,
            title,
        })
    }
}

impl Figure for DepthProfile {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled(&self.title, font(TITLE_SIZE))?;
        let items: Vec<LegendItem> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, run)| LegendItem {
                label: run.name.clone(),
                swatch: Swatch::LineDot(PALETTE[i % PALETTE.len()]),
            })
            .collect();
        let legend_w = legend_width(root, &items)?;
        let (w, _) = body.dim_in_pixel();
        let (plot, side) = body.split_horizontally(w - legend_w);

        let (y0, y1, y_ticks) = decade_axis(self.lo, self.hi, 12);
        let x_max = (self.max_depth.max(2) - 1) as f64;
        let x_ticks = integer_ticks(0.0, x_max, 16);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(58)
            .y_label_area_size(88)
            .build_cartesian_2d(
                Ticked::new(-0.4, x_max + 0.4, x_ticks),
                Ticked::new(y0, y1, y_ticks),
            )?;
        chart
            .configure_mesh()
            .bold_line_style(GRID_COLOR)
            .label_style(font(LABEL_SIZE))
            .axis_desc_style(font(DESC_SIZE))
            .x_desc("layer index (input → output)")
            .y_desc("RMS of ∂L/∂(layer output), log scale")
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .y_label_formatter(&|v| pow10_label(*v))
            .draw()?;
        for (i, run) in self.runs.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            for seg in segments(&run.points) {
                chart.draw_series(LineSeries::new(seg.iter().copied(), color.stroke_width(2)))?;
                chart.draw_series(seg.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
            }
        }
        draw_legend(&side, 12, &items)
    }
}

// ---------------------------------------------------------------------------
// (b) Heat map: layers × steps.

struct Cell {
    log_rms: Option<f64>,
    nonfinite: bool,
}

struct Heatmap {
    steps: Vec<u64>,
    /// Row labels, input first.
    layers: Vec<String>,
    /// `cells[row][column]`.
    cells: Vec<Vec<Cell>>,
    lo: f64,
    hi: f64,
}

impl Heatmap {
    fn new(records: &[StepRecord]) -> Result<Heatmap> {
        const CONTEXT: &str = "plot_heatmap";
        let invalid = |reason: &str| Error::InvalidArgument {
            context: CONTEXT,
            reason: reason.to_string(),
        };
        if records.is_empty() {
            return Err(invalid("no records to plot"));
        }
        // Rows: every layer any record shows, in tape order of its first
        // appearance (the architecture is normally the same at every step).
        let mut rows: Vec<(usize, usize, String)> = Vec::new();
        for record in records {
            for layer in profile_layers(record) {
                if !rows.iter().any(|r| r.2 == layer.path) {
                    rows.push((layer.order, rows.len(), layer.path.clone()));
                }
            }
        }
        if rows.is_empty() {
            return Err(invalid(
                "no record has layer records: pass the monitor to Tape::backward_with",
            ));
        }
        rows.sort_by_key(|r| (r.0, r.1));
        let layers: Vec<String> = rows.into_iter().map(|r| r.2).collect();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let cells: Vec<Vec<Cell>> = layers
            .iter()
            .map(|path| {
                records
                    .iter()
                    .map(|record| {
                        let layer = record.layers.iter().find(|l| &l.path == path);
                        let log_rms = layer.and_then(|l| log10_of(l.stats.rms()));
                        if let Some(v) = log_rms {
                            lo = lo.min(v);
                            hi = hi.max(v);
                        }
                        Cell {
                            log_rms,
                            nonfinite: layer.is_some_and(|l| l.stats.nonfinite > 0),
                        }
                    })
                    .collect()
            })
            .collect();
        if !lo.is_finite() {
            return Err(invalid(
                "no layer has a nonzero finite gradient RMS: nothing to colour",
            ));
        }
        if hi - lo < 1e-9 {
            lo -= 0.5;
            hi += 0.5;
        }
        Ok(Heatmap {
            steps: records.iter().map(|r| r.step).collect(),
            layers,
            cells,
            lo,
            hi,
        })
    }

    fn color(&self, v: f64) -> RGBColor {
        viridis((v - self.lo) / (self.hi - self.lo))
    }
}

/// Matplotlib's viridis (perceptually uniform, readable in grey and with
/// the common colour-vision deficiencies) at `t` in `[0, 1]`, interpolated
/// between nine samples.
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 45.0, 123.0),
        (59.0, 82.0, 139.0),
        (44.0, 114.0, 142.0),
        (33.0, 145.0, 140.0),
        (40.0, 174.0, 128.0),
        (94.0, 201.0, 98.0),
        (173.0, 220.0, 48.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Centres of every k-th of `n` unit cells, at most `max` of them, the
/// last cell always included.
fn cell_ticks(n: usize, max: usize) -> Vec<f64> {
    let stride = n.div_ceil(max.max(1)).max(1);
    let mut idx: Vec<usize> = (0..n).step_by(stride).collect();
    if let Some(&last) = idx.last()
        && last != n - 1
    {
        if n - 1 - last < stride / 2 + 1 && idx.len() > 1 {
            idx.pop();
        }
        idx.push(n - 1);
    }
    idx.into_iter().map(|i| i as f64 + 0.5).collect()
}

impl Figure for Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Gradient RMS per layer over training", font(TITLE_SIZE))?;
        let any_missing = self.cells.iter().flatten().any(|c| c.log_rms.is_none());
        let any_nonfinite = self.cells.iter().flatten().any(|c| c.nonfinite);
        let mut notes = Vec::new();
        if any_missing {
            notes.push(LegendItem {
                label: "no gradient".to_string(),
                swatch: Swatch::Square(MISSING_COLOR, MISSING_COLOR),
            });
        }
        if any_nonfinite {
            notes.push(LegendItem {
                label: "NaN/Inf present".to_string(),
                swatch: Swatch::Square(WHITE, ALERT_COLOR),
            });
        }
        let side_w = legend_width(root, &notes)?.max(150);
        let (w, _) = body.dim_in_pixel();
        let (plot, side) = body.split_horizontally(w - side_w);

        let (n_rows, n_cols) = (self.layers.len(), self.steps.len());
        let (_, plot_h) = plot.dim_in_pixel();
        let row_ticks = cell_ticks(n_rows, ((plot_h as usize).saturating_sub(90) / 20).max(2));
        let col_ticks = cell_ticks(n_cols, 12);
        let widest_row = self
            .layers
            .iter()
            .map(|l| root.estimate_text_size(l, &font(LABEL_SIZE)).map(|s| s.0))
            .try_fold(0u32, |m, w| w.map(|w| m.max(w)))?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(58)
            .y_label_area_size((widest_row + 45).clamp(70, 220))
            .build_cartesian_2d(
                Ticked::new(0.0, n_cols as f64, col_ticks),
                Ticked::new(0.0, n_rows as f64, row_ticks),
            )?;
        let steps = &self.steps;
        let layers = &self.layers;
        chart
            .configure_mesh()
            .disable_mesh()
            .label_style(font(LABEL_SIZE))
            .axis_desc_style(font(DESC_SIZE))
            .x_desc("training step (one column per recorded step)")
            .y_desc("layer: model path (input at the bottom)")
            .x_label_formatter(&|v| {
                steps
                    .get(v.floor() as usize)
                    .map_or_else(String::new, |s| s.to_string())
            })
            .y_label_formatter(&|v| layers.get(v.floor() as usize).cloned().unwrap_or_default())
            .draw()?;
        chart.draw_series(self.cells.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().map(move |(c, cell)| {
                let color = cell.log_rms.map_or(MISSING_COLOR, |v| self.color(v));
                Rectangle::new(
                    [(c as f64, r as f64), (c as f64 + 1.0, r as f64 + 1.0)],
                    color.filled(),
                )
            })
        }))?;
        chart.draw_series(self.cells.iter().enumerate().flat_map(|(r, row)| {
            row.iter()
                .enumerate()
                .filter(|(_, cell)| cell.nonfinite)
                .map(move |(c, _)| {
                    Rectangle::new(
                        [(c as f64, r as f64), (c as f64 + 1.0, r as f64 + 1.0)],
                        ALERT_COLOR.stroke_width(2),
                    )
                })
        }))?;

        // The colour bar beside the plotting area, at its height, with the
        // notes below it.
        let (_, rows_px) = chart.plotting_area().get_pixel_range();
        let (_, side_y) = side.get_base_pixel();
        let notes_h = if notes.is_empty() {
            0
        } else {
            30 + LEGEND_ROW * notes.len() as i32
        };
        let (top, bottom) = (rows_px.start - side_y, rows_px.end - side_y - notes_h);
        let (bar_x0, bar_x1) = (10, 38);
        let (lo, hi) = (self.lo, self.hi);
        let to_y =
            |v: f64| bottom - ((v - lo) / (hi - lo) * f64::from(bottom - top)).round() as i32;
        for y in top..bottom {
            let v = lo + (hi - lo) * f64::from(bottom - y) / f64::from(bottom - top);
            side.draw(&Rectangle::new(
                [(bar_x0, y), (bar_x1, y + 1)],
                self.color(v).filled(),
            ))?;
        }
        side.draw(&Rectangle::new(
            [(bar_x0, top), (bar_x1, bottom)],
            BLACK.stroke_width(1),
        ))?;
        let mut ticks: Vec<f64> = decade_axis(lo, hi, 10)
            .2
            .into_iter()
            .filter(|t| (lo - 1e-9..=hi + 1e-9).contains(t))
            .collect();
        if ticks.len() < 2 {
            ticks = vec![lo, hi];
        }
        let tick_style = font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
        for t in ticks {
            let y = to_y(t);
            side.draw(&PathElement::new(
                vec![(bar_x1, y), (bar_x1 + 5, y)],
                BLACK.stroke_width(1),
            ))?;
            side.draw_text(&pow10_label(t), &tick_style, (bar_x1 + 9, y))?;
        }
        let (side_w, _) = side.dim_in_pixel();
        let desc_style = font(DESC_SIZE)
            .transform(FontTransform::Rotate90)
            .pos(Pos::new(HPos::Center, VPos::Top));
        side.draw_text(
            "RMS of ∂L/∂(layer output)",
            &desc_style,
            (side_w as i32 - 6, (top + bottom) / 2),
        )?;
        draw_legend(&side, bottom + 20, &notes)
    }
}

// ---------------------------------------------------------------------------
// (c) Global norm over the steps.

struct GlobalNorm {
    /// `(step, log10 norm)`, `None` for a zero norm.
    points: Vec<(f64, Option<f64>)>,
    /// Steps whose norm is NaN or infinite.
    nonfinite: Vec<f64>,
    /// `log10(clip)`.
    clip: Option<f64>,
    clipped: Vec<(f64, f64)>,
    recorded: usize,
    lo: f64,
    hi: f64,
    first_step: f64,
    last_step: f64,
}

impl GlobalNorm {
    fn new(records: &[StepRecord], clip: Option<f64>) -> Result<GlobalNorm> {
        const CONTEXT: &str = "plot_global_norm";
        let invalid = |reason: String| Error::InvalidArgument {
            context: CONTEXT,
            reason,
        };
        if let Some(c) = clip
            && !(c > 0.0 && c.is_finite())
        {
            return Err(invalid(format!(
                "the clip threshold must be positive and finite, got {c}"
            )));
        }
        let with_norm: Vec<(u64, f64)> = records
            .iter()
            .filter_map(|r| r.global_norm.map(|n| (r.step, n)))
            .collect();
        let mut points = Vec::new();
        let mut nonfinite = Vec::new();
        let mut clipped = Vec::new();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &(step, norm) in &with_norm {
            let x = step as f64;
            if !norm.is_finite() {
                nonfinite.push(x);
                points.push((x, None));
                continue;
            }
            let y = log10_of(norm);
            if let Some(y) = y {
                lo = lo.min(y);
                hi = hi.max(y);
                if let Some(c) = clip
                    && norm > c
                {
                    clipped.push((x, y));
                }
            }
            points.push((x, y));
        }
        if !lo.is_finite() && nonfinite.is_empty() {
            return Err(invalid(if with_norm.is_empty() {
                "no record has a global norm: call GradMonitor::record_params each step".to_string()
            } else {
                "every global norm is zero: nothing to draw on a log axis".to_string()
            }));
        }
        let clip = clip.map(f64::log10);
        if let Some(c) = clip {
            lo = lo.min(c);
            hi = hi.max(c);
        }
        if !lo.is_finite() {
            // Only non-finite norms and no clip: an arbitrary decade.
            (lo, hi) = (0.0, 1.0);
        }
        let first_step = with_norm.first().map_or(0.0, |p| p.0 as f64);
        let last_step = with_norm.last().map_or(0.0, |p| p.0 as f64);
        Ok(GlobalNorm {
            points,
            nonfinite,
            clip,
            clipped,
            recorded: with_norm.len(),
            lo,
            hi,
            first_step,
            last_step,
        })
    }
}

impl Figure for GlobalNorm {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Global gradient norm (pre-clip)", font(TITLE_SIZE))?;
        let mut items = vec![LegendItem {
            label: "‖g‖₂, all parameters".to_string(),
            swatch: Swatch::Line(NORM_COLOR),
        }];
        if let Some(c) = self.clip {
            items.push(LegendItem {
                label: format!("clip threshold {}", short_number(10f64.powf(c))),
                swatch: Swatch::Dashed(CLIP_COLOR),
            });
            items.push(LegendItem {
                label: format!(
                    "clipped: {} of {}",
                    self.clipped.len(),
                    steps(self.recorded)
                ),
                swatch: Swatch::Dot(CLIP_COLOR),
            });
        }
        if !self.nonfinite.is_empty() {
            items.push(LegendItem {
                label: format!("NaN/Inf norm: {}", steps(self.nonfinite.len())),
                swatch: Swatch::Cross(ALERT_COLOR),
            });
        }
        let legend_w = legend_width(root, &items)?;
        let (w, _) = body.dim_in_pixel();
        let (plot, side) = body.split_horizontally(w - legend_w);

        let (y0, y1, y_ticks) = decade_axis(self.lo, self.hi, 12);
        // Room above the data for the non-finite markers.
        let y1 = if self.nonfinite.is_empty() {
            y1
        } else {
            y1 + 0.1 * (y1 - y0)
        };
        let (mut x0, mut x1) = (self.first_step, self.last_step);
        if x1 - x0 < 1.0 {
            x0 -= 1.0;
            x1 += 1.0;
        }
        let pad = 0.02 * (x1 - x0);
        let x_ticks = integer_ticks(x0.max(0.0), x1, 11);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(58)
            .y_label_area_size(88)
            .build_cartesian_2d(
                Ticked::new(x0 - pad, x1 + pad, x_ticks),
                Ticked::new(y0, y1, y_ticks),
            )?;
        chart
            .configure_mesh()
            .bold_line_style(GRID_COLOR)
            .label_style(font(LABEL_SIZE))
            .axis_desc_style(font(DESC_SIZE))
            .x_desc("training step")
            .y_desc("global gradient norm ‖g‖₂, log scale")
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .y_label_formatter(&|v| pow10_label(*v))
            .draw()?;
        let few = self.points.len() <= 80;
        for seg in segments(&self.points) {
            chart.draw_series(LineSeries::new(
                seg.iter().copied(),
                NORM_COLOR.stroke_width(2),
            ))?;
            if few {
                chart.draw_series(seg.iter().map(|&p| Circle::new(p, 3, NORM_COLOR.filled())))?;
            }
        }
        if let Some(c) = self.clip {
            chart.draw_series(DashedLineSeries::new(
                [(x0 - pad, c), (x1 + pad, c)],
                9,
                6,
                CLIP_COLOR.stroke_width(2),
            ))?;
            chart.draw_series(
                self.clipped
                    .iter()
                    .map(|&p| Circle::new(p, 5, CLIP_COLOR.filled())),
            )?;
        }
        let top = y1 - 0.04 * (y1 - y0);
        chart.draw_series(
            self.nonfinite
                .iter()
                .map(|&x| Cross::new((x, top), 6, ALERT_COLOR.stroke_width(2))),
        )?;
        draw_legend(&side, 12, &items)
    }
}

/// `"1 step"`, `"3 steps"`.
fn steps(n: usize) -> String {
    if n == 1 {
        "1 step".to_string()
    } else {
        format!("{n} steps")
    }
}

/// A threshold as people write it: `1`, `0.5`, `250`, `1e-4`.
fn short_number(x: f64) -> String {
    if (1e-3..1e5).contains(&x.abs()) {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{x:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decade_axis_covers_the_data_with_whole_decade_ticks() {
        let (a, b, ticks) = decade_axis(-7.3, -1.2, 12);
        assert_eq!((a, b), (-8.0, -1.0));
        assert_eq!(ticks, (-8..=-1).map(f64::from).collect::<Vec<_>>());
        // Data on a decade gets a decade of room beyond it.
        let (a, b, ticks) = decade_axis(-30.5, 2.0, 10);
        assert_eq!((a, b), (-31.0, 3.0));
        assert!(ticks.len() <= 10 && ticks.iter().all(|t| t.fract() == 0.0));
        let (a, b, ticks) = decade_axis(-3.0, -3.0, 10);
        assert!(a < -3.0 && b > -3.0);
        // Narrow ranges get ticks at 2 and 5 times each decade too.
        let labels: Vec<String> = ticks.iter().map(|&t| pow10_label(t)).collect();
        assert_eq!(
            labels,
            [
                "10⁻⁴",
                "2×10⁻⁴",
                "5×10⁻⁴",
                "10⁻³",
                "2×10⁻³",
                "5×10⁻³",
                "10⁻²"
            ]
        );
    }

    #[test]
    fn labels_are_powers_of_ten_with_superscripts() {
        assert_eq!(pow10_label(-6.0), "10⁻⁶");
        assert_eq!(pow10_label(0.0), "1");
        assert_eq!(pow10_label(12.0), "10¹²");
        assert_eq!(pow10_label(2f64.log10() - 1.0), "0.2");
        assert_eq!(pow10_label(5f64.log10() + 1.0), "50");
        assert_eq!(short_number(1.0), "1");
        assert_eq!(short_number(0.25), "0.25");
        assert_eq!(short_number(1e-6), "1.0e-6");
    }

    #[test]
    fn segments_break_at_missing_points() {
        let pts = [
            (0.0, Some(1.0)),
            (1.0, None),
            (2.0, Some(2.0)),
            (3.0, Some(3.0)),
        ];
        assert_eq!(
            segments(&pts),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
    }

    #[test]
    fn cell_ticks_stay_within_the_limit_and_include_the_last_cell() {
        assert_eq!(cell_ticks(3, 12), vec![0.5, 1.5, 2.5]);
        let t = cell_ticks(100, 12);
        assert!(t.len() <= 13, "{t:?}");
        assert_eq!(*t.last().unwrap(), 99.5);
        assert_eq!(cell_ticks(1, 5), vec![0.5]);
    }

    #[test]
    fn the_extension_picks_the_format() {
        assert_eq!(Format::of(Path::new("a/b.SVG"), "t").unwrap(), Format::Svg);
        assert_eq!(Format::of(Path::new("b.png"), "t").unwrap(), Format::Png);
        assert!(Format::of(Path::new("b.pdf"), "t").is_err());
        assert!(Format::of(Path::new("b"), "t").is_err());
    }
}
