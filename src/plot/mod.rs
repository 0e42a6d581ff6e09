//! Figures as SVG or PNG (feature `plot`): a small line-chart builder for
//! learning curves, ratios against depth and the like, and the machinery
//! the gradient-flow figures of [`monitor::plot`](crate::monitor::plot)
//! are drawn with.
//!
//! [`LineChart`] draws lines, dashed lines, dots and horizontal reference
//! lines on linear or log₁₀ axes, with a legend at the side:
//!
//! ```no_run
//! use gradflow::plot::LineChart;
//! # fn main() -> gradflow::Result<()> {
//! let loss = [(0.0, 2.30), (100.0, 1.20), (200.0, 0.61), (300.0, 0.35)];
//! LineChart::new("Training loss")
//!     .x_label("step")
//!     .y_label("cross-entropy loss")
//!     .log_y()
//!     .series("ReLU+He", loss)
//!     .hline(10f64.ln(), "chance (ln 10)")
//!     .save("loss.svg")?;
//! # Ok(())
//! # }
//! ```
//!
//! The format follows the path's extension: `.svg` (text, scalable) or
//! `.png` (a bitmap), case-insensitive. Figures are 1000×620 pixels, drawn
//! in memory first and written with
//! [`write_atomic`](crate::io::write_atomic), so a failure leaves the old
//! file (or none) in place.
//!
//! Text is laid out and, in PNGs, drawn with DejaVu Sans, which the crate
//! bundles (`assets/fonts/`, Bitstream Vera licence): no system font
//! library is needed. SVGs name `DejaVu Sans, sans-serif` as their font.
//!
//! See `docs/plot.md` for the chart's conventions.

pub(crate) mod axes;
mod chart;
pub(crate) mod legend;

pub use chart::LineChart;

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;

use crate::error::{Error, Result};

/// The name the bundled font is registered under; SVGs carry it as their
/// `font-family`, so a viewer without DejaVu Sans falls back to its own
/// sans-serif.
const FONT: &str = "DejaVu Sans, sans-serif";
static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Every figure's size in pixels.
const WIDTH: u32 = 1000;
const HEIGHT: u32 = 620;

/// Text sizes: the figure's title, the axis descriptions, tick labels and
/// legend entries.
pub(crate) const TITLE_SIZE: f64 = 26.0;
pub(crate) const DESC_SIZE: f64 = 17.0;
pub(crate) const LABEL_SIZE: f64 = 15.0;

/// Okabe–Ito colours (distinguishable with the common colour-vision
/// deficiencies), yellow left out as too pale on white.
pub(crate) const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];
/// The light grid behind the data.
pub(crate) const GRID_COLOR: RGBColor = RGBColor(225, 225, 225);

/// The `i`-th colour of [`PALETTE`], cycling.
pub(crate) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Matplotlib's viridis (perceptually uniform, readable in grey and with
/// the common colour-vision deficiencies) at `t` in `[0, 1]`, interpolated
/// between nine samples; NaN gives the low end.
pub(crate) fn viridis(t: f64) -> RGBColor {
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

/// The bundled font at `size` pixels, in black.
pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// What drawing on backend `DB` returns.
pub(crate) type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The file format of a figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Format {
    Svg,
    Png,
}

impl Format {
    /// The format named by `path`'s extension (`svg` or `png`, any case).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for any other extension, or none.
    pub(crate) fn of(path: &Path, context: &'static str) -> Result<Format> {
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

/// A figure that can draw itself on any plotters backend: its data are
/// checked when it is built, so drawing fails only in the backend.
pub(crate) trait Figure {
    /// Draws the whole figure, background included, on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Draws `figure` in memory as `format` and writes it to `path`
/// atomically.
///
/// # Errors
/// [`Error::Io`] if the bundled font cannot be registered, drawing or
/// encoding fails (with `context` as the error's context), or writing the
/// file fails.
pub(crate) fn render(
    figure: &impl Figure,
    format: Format,
    path: &Path,
    context: &'static str,
) -> Result<()> {
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

/// An 8-bit RGB bitmap as PNG bytes (plotters' own encoder only writes to
/// a path, which would not be atomic).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_picks_the_format() {
        assert_eq!(Format::of(Path::new("a/b.SVG"), "t").unwrap(), Format::Svg);
        assert_eq!(Format::of(Path::new("b.png"), "t").unwrap(), Format::Png);
        assert!(Format::of(Path::new("b.pdf"), "t").is_err());
        assert!(Format::of(Path::new("b"), "t").is_err());
    }

    #[test]
    fn viridis_runs_from_purple_to_yellow_and_clamps() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }
}
