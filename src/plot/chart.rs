//! [`LineChart`]: lines, dashed lines, dots and reference lines on linear
//! or log₁₀ axes — learning curves, ratios against depth, a measurement
//! beside its prediction.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{LinearAxis, Ticked, decade_axis, linear_label, log10_of, pow10_label, segments};
use super::legend::{LegendItem, Swatch, draw_legend, legend_width};
use super::{
    DESC_SIZE, DrawResult, Figure, Format, GRID_COLOR, LABEL_SIZE, TITLE_SIZE, font, palette,
    render,
};
use crate::error::{Error, Result};

/// A line series with more points than this is drawn without its dots,
/// which would hide the line.
const MAX_DOTS: usize = 80;

/// Reference lines are grey, in these shades by turn.
const REFERENCE_GREYS: [RGBColor; 3] = [
    RGBColor(90, 90, 90),
    RGBColor(150, 150, 150),
    RGBColor(60, 60, 60),
];

/// A line chart: one or more named series of `(x, y)` points on linear or
/// log₁₀ axes, with optional horizontal reference lines, a title, axis
/// labels and a legend beside the plot; saved as SVG or PNG.
///
/// Build it with the methods below, in any order, then [`save`](Self::save)
/// it. Series take their colours, in the order added, from the Okabe–Ito
/// palette (readable with the common colour-vision deficiencies);
/// reference lines are grey and dashed. The axes fit the data (and the
/// reference lines) with a little room: a linear axis gets ticks at round
/// numbers, a log axis ticks at the decades labelled `10ⁿ`.
///
/// Points a series cannot show are skipped: a coordinate that is NaN or
/// infinite, or not positive on a log axis. A line breaks at such a point,
/// so a diverged run ends where its loss became NaN instead of drawing a
/// line to nowhere. Lines join the points in the order given.
///
/// ```no_run
/// use gradflow::plot::LineChart;
/// # fn main() -> gradflow::Result<()> {
/// # let (sigmoid, relu) = (vec![0.5, 0.4], vec![0.5, 0.1]);
/// // `sigmoid` and `relu` hold one loss per step.
/// let steps = |losses: &[f64]| -> Vec<(f64, f64)> {
///     losses.iter().enumerate().map(|(i, &l)| (i as f64, l)).collect()
/// };
/// LineChart::new("Training loss")
///     .x_label("step")
///     .y_label("cross-entropy loss")
///     .log_y()
///     .series("sigmoid", steps(&sigmoid))
///     .series("ReLU+He", steps(&relu))
///     .hline(10f64.ln(), "chance (ln 10)")
///     .save("loss.png")?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use = "a chart is drawn only by `save`"]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    log_x: bool,
    log_y: bool,
    series: Vec<Series>,
    hlines: Vec<ReferenceLine>,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// A solid line with a dot at each point.
    Line,
    /// A dashed line.
    Dashed,
    /// Dots only.
    Dots,
}

#[derive(Debug, Clone, PartialEq)]
struct Series {
    name: String,
    mark: Mark,
    points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
struct ReferenceLine {
    y: f64,
    label: String,
}

impl LineChart {
    /// An empty chart titled `title`, with linear axes and no labels.
    pub fn new(title: impl Into<String>) -> LineChart {
        LineChart {
            title: title.into(),
            ..LineChart::default()
        }
    }

    /// Describes the x axis below it, e.g. `"step"`.
    pub fn x_label(mut self, label: impl Into<String>) -> LineChart {
        self.x_label = label.into();
        self
    }

    /// Describes the y axis beside it, e.g. `"cross-entropy loss"`.
    pub fn y_label(mut self, label: impl Into<String>) -> LineChart {
        self.y_label = label.into();
        self
    }

    /// Puts the x axis on a log₁₀ scale: points with `x <= 0` are skipped.
    pub fn log_x(mut self) -> LineChart {
        self.log_x = true;
        self
    }

    /// Puts the y axis on a log₁₀ scale: points with `y <= 0` are skipped.
    pub fn log_y(mut self) -> LineChart {
        self.log_y = true;
        self
    }

    /// Adds a series drawn as a solid line through `points`, with a dot at
    /// each point (left out when the series has more than 80 points that
    /// can be shown). An empty `name` leaves it out of the legend.
    pub fn series(
        self,
        name: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> LineChart {
        self.with_series(name.into(), Mark::Line, points)
    }

    /// Adds a series drawn as a dashed line without dots: a theory curve
    /// or a prediction beside measured series.
    pub fn dashed_series(
        self,
        name: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> LineChart {
        self.with_series(name.into(), Mark::Dashed, points)
    }

    /// Adds a series drawn as dots only: samples with no order to join.
    pub fn scatter(
        self,
        name: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> LineChart {
        self.with_series(name.into(), Mark::Dots, points)
    }

    /// Adds a horizontal reference line at `y` across the whole plot,
    /// named `label` in the legend (an empty label leaves it out). The y
    /// axis is stretched to show it.
    pub fn hline(mut self, y: f64, label: impl Into<String>) -> LineChart {
        self.hlines.push(ReferenceLine {
            y,
            label: label.into(),
        });
        self
    }

    fn with_series(
        mut self,
        name: String,
        mark: Mark,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> LineChart {
        self.series.push(Series {
            name,
            mark,
            points: points.into_iter().collect(),
        });
        self
    }

    /// Draws the chart and writes it to `path`, as SVG or PNG by the
    /// extension (`.svg` or `.png`, any case). The file is replaced
    /// atomically: on any error an existing file at `path` is left as it
    /// was.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the extension is neither `svg` nor
    /// `png`, the chart has no series, no point of any series can be shown
    /// (every coordinate NaN or infinite, or none positive on a log axis),
    /// or a reference line is not finite (or not positive on a log y
    /// axis); [`Error::Io`] if drawing or writing the file fails.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        const CONTEXT: &str = "LineChart::save";
        let path = path.as_ref();
        let format = Format::of(path, CONTEXT)?;
        let figure = ChartFigure::new(self, CONTEXT)?;
        render(&figure, format, path, CONTEXT)
    }
}

/// An axis ready to draw: its range and ticks in drawing coordinates
/// (`log10` of the data on a log axis).
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    /// `None` on a log axis; the tick step on a linear one.
    linear_step: Option<f64>,
}

impl Axis {
    /// An axis over the drawing coordinates `[lo, hi]`.
    fn fit(lo: f64, hi: f64, log: bool, max_ticks: usize) -> Axis {
        if log {
            let (lo, hi, ticks) = decade_axis(lo, hi, max_ticks);
            Axis {
                lo,
                hi,
                ticks,
                linear_step: None,
            }
        } else {
            let axis = LinearAxis::new(lo, hi, max_ticks);
            Axis {
                lo: axis.lo,
                hi: axis.hi,
                ticks: axis.ticks,
                linear_step: Some(axis.step),
            }
        }
    }

    fn label(&self, v: f64) -> String {
        match self.linear_step {
            Some(step) => linear_label(v, step),
            None => pow10_label(v),
        }
    }

    fn coord(&self) -> Ticked {
        Ticked::new(self.lo, self.hi, self.ticks.clone())
    }
}

/// A coordinate as drawn: `log10(v)` on a log axis, `v` on a linear one;
/// `None` where it cannot be shown.
fn to_axis(v: f64, log: bool) -> Option<f64> {
    if log {
        log10_of(v)
    } else {
        v.is_finite().then_some(v)
    }
}

/// A checked chart in drawing coordinates.
struct ChartFigure<'a> {
    chart: &'a LineChart,
    /// Per series, its points with `None` where one cannot be shown.
    points: Vec<Vec<(f64, Option<f64>)>>,
    /// The reference lines' heights.
    hlines: Vec<f64>,
    x: Axis,
    y: Axis,
}

impl<'a> ChartFigure<'a> {
    fn new(chart: &'a LineChart, context: &'static str) -> Result<ChartFigure<'a>> {
        let invalid = |reason: String| Error::InvalidArgument { context, reason };
        if chart.series.is_empty() {
            return Err(invalid(
                "the chart has no series: add one with series, dashed_series or scatter"
                    .to_string(),
            ));
        }
        let mut hlines = Vec::with_capacity(chart.hlines.len());
        for line in &chart.hlines {
            let y = to_axis(line.y, chart.log_y).ok_or_else(|| {
                let need = if chart.log_y {
                    "positive and finite on the log y axis"
                } else {
                    "finite"
                };
                invalid(format!(
                    "the reference line \"{}\" is at y = {}: it must be {need}",
                    line.label, line.y
                ))
            })?;
            hlines.push(y);
        }
        let points: Vec<Vec<(f64, Option<f64>)>> = chart
            .series
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .map(|&(x, y)| match to_axis(x, chart.log_x) {
                        Some(x) => (x, to_axis(y, chart.log_y)),
                        None => (f64::NAN, None),
                    })
                    .collect()
            })
            .collect();
        let shown = || points.iter().flatten().filter_map(|&(x, y)| Some((x, y?)));
        if shown().next().is_none() {
            let finite = chart
                .series
                .iter()
                .flat_map(|s| &s.points)
                .any(|(x, y)| x.is_finite() && y.is_finite());
            return Err(invalid(if finite {
                "no point is positive on the log axis: nothing to draw".to_string()
            } else {
                "no series has a point with finite coordinates: nothing to draw".to_string()
            }));
        }
        let range = |vs: &mut dyn Iterator<Item = f64>| {
            vs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
        };
        let (x_lo, x_hi) = range(&mut shown().map(|p| p.0));
        let (y_lo, y_hi) = range(&mut shown().map(|p| p.1).chain(hlines.iter().copied()));
        Ok(ChartFigure {
            chart,
            points,
            hlines,
            x: Axis::fit(x_lo, x_hi, chart.log_x, 11),
            y: Axis::fit(y_lo, y_hi, chart.log_y, 12),
        })
    }

    /// Whether series `i` is drawn with dots.
    fn dotted(&self, i: usize) -> bool {
        match self.chart.series[i].mark {
            Mark::Line => self.points[i].iter().filter(|p| p.1.is_some()).count() <= MAX_DOTS,
            Mark::Dashed => false,
            Mark::Dots => true,
        }
    }

    fn legend(&self) -> Vec<LegendItem> {
        let series = self.chart.series.iter().enumerate().map(|(i, s)| {
            let color = palette(i);
            let swatch = match s.mark {
                Mark::Line if self.dotted(i) => Swatch::LineDot(color),
                Mark::Line => Swatch::Line(color),
                Mark::Dashed => Swatch::Dashed(color),
                Mark::Dots => Swatch::Dot(color),
            };
            (s.name.as_str(), swatch)
        });
        let lines = self.chart.hlines.iter().enumerate().map(|(k, line)| {
            let grey = REFERENCE_GREYS[k % REFERENCE_GREYS.len()];
            (line.label.as_str(), Swatch::Dashed(grey))
        });
        series
            .chain(lines)
            .filter(|(label, _)| !label.is_empty())
            .map(|(label, swatch)| LegendItem::new(label, swatch))
            .collect()
    }
}

impl Figure for ChartFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled(&self.chart.title, font(TITLE_SIZE))?;
        let items = self.legend();
        let legend_w = if items.is_empty() {
            0
        } else {
            legend_width(root, &items)?
        };
        let (w, _) = body.dim_in_pixel();
        let (plot, side) = body.split_horizontally(w - legend_w);

        let mut widest_y = 0;
        for &t in &self.y.ticks {
            let label = self.y.label(t);
            widest_y = widest_y.max(root.estimate_text_size(&label, &font(LABEL_SIZE))?.0);
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(58)
            .y_label_area_size((widest_y + 48).clamp(70, 220))
            .build_cartesian_2d(self.x.coord(), self.y.coord())?;
        let x_format = |v: &f64| self.x.label(*v);
        let y_format = |v: &f64| self.y.label(*v);
        let mut mesh = chart.configure_mesh();
        mesh.bold_line_style(GRID_COLOR)
            .label_style(font(LABEL_SIZE))
            .axis_desc_style(font(DESC_SIZE))
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format);
        if !self.chart.x_label.is_empty() {
            mesh.x_desc(self.chart.x_label.as_str());
        }
        if !self.chart.y_label.is_empty() {
            mesh.y_desc(self.chart.y_label.as_str());
        }
        mesh.draw()?;

        // Reference lines behind the data.
        for (k, &y) in self.hlines.iter().enumerate() {
            let grey = REFERENCE_GREYS[k % REFERENCE_GREYS.len()];
            chart.draw_series(DashedLineSeries::new(
                [(self.x.lo, y), (self.x.hi, y)],
                12,
                6,
                grey.stroke_width(2),
            ))?;
        }
        for (i, series) in self.chart.series.iter().enumerate() {
            let color = palette(i);
            let dotted = self.dotted(i);
            for seg in segments(&self.points[i]) {
                match series.mark {
                    Mark::Line => {
                        chart.draw_series(LineSeries::new(
                            seg.iter().copied(),
                            color.stroke_width(2),
                        ))?;
                    }
                    Mark::Dashed => {
                        chart.draw_series(DashedLineSeries::new(
                            seg.iter().copied(),
                            9,
                            6,
                            color.stroke_width(2),
                        ))?;
                    }
                    Mark::Dots => {}
                }
                if dotted {
                    let radius = if series.mark == Mark::Dots { 4 } else { 3 };
                    chart
                        .draw_series(seg.iter().map(|&p| Circle::new(p, radius, color.filled())))?;
                }
            }
        }
        draw_legend(&side, 12, &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(chart: &LineChart) -> String {
        match ChartFigure::new(chart, "t") {
            Err(Error::InvalidArgument { reason, .. }) => reason,
            Err(e) => panic!("expected InvalidArgument, got {e:?}"),
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn unshowable_points_break_the_line_and_stay_off_the_axes() {
        let chart = LineChart::new("t").log_y().series(
            "s",
            [
                (1.0, 10.0),
                (2.0, f64::NAN),
                (3.0, -1.0),
                (4.0, 1000.0),
                (f64::INFINITY, 5.0),
            ],
        );
        let figure = ChartFigure::new(&chart, "t").unwrap();
        assert_eq!(segments(&figure.points[0]), [[(1.0, 1.0)], [(4.0, 3.0)]]);
        assert!(figure.x.lo < 1.0 && figure.x.hi > 4.0 && figure.x.hi < 5.0);
        assert_eq!((figure.y.lo, figure.y.hi), (0.0, 4.0));
    }

    #[test]
    fn reference_lines_stretch_the_y_axis() {
        let chart = LineChart::new("t")
            .series("s", [(0.0, 1.0), (1.0, 2.0)])
            .hline(10.0, "ten");
        let figure = ChartFigure::new(&chart, "t").unwrap();
        assert!(figure.y.hi > 10.0 && figure.y.lo < 1.0);
    }

    #[test]
    fn what_cannot_be_drawn_is_named_in_the_error() {
        assert!(invalid(&LineChart::new("t")).contains("no series"));
        let nan = LineChart::new("t").series("s", [(0.0, f64::NAN)]);
        assert!(invalid(&nan).contains("finite"));
        let negative = LineChart::new("t").log_y().scatter("s", [(1.0, -2.0)]);
        assert!(invalid(&negative).contains("log axis"));
        let bad_line = LineChart::new("t")
            .log_y()
            .series("s", [(1.0, 2.0)])
            .hline(0.0, "zero");
        assert!(invalid(&bad_line).contains("\"zero\""));
    }

    #[test]
    fn long_series_lose_their_dots_and_unnamed_ones_their_legend_entry() {
        let long = (0..200).map(|i| (f64::from(i), 1.0));
        let chart = LineChart::new("t")
            .series("long", long)
            .series("short", [(0.0, 1.0)])
            .dashed_series("", [(0.0, 2.0)]);
        let figure = ChartFigure::new(&chart, "t").unwrap();
        assert!(!figure.dotted(0) && figure.dotted(1) && !figure.dotted(2));
        let labels: Vec<String> = figure.legend().into_iter().map(|i| i.label).collect();
        assert_eq!(labels, ["long", "short"]);
    }
}
