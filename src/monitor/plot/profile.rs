//! (a) Gradient RMS against depth, one line per run.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::profile_layers;
use crate::error::{Error, Result};
use crate::monitor::record::StepRecord;
use crate::plot::axes::{Ticked, decade_axis, integer_ticks, log10_of, pow10_label, segments};
use crate::plot::legend::{LegendItem, Swatch, draw_legend, legend_width};
use crate::plot::{
    DESC_SIZE, DrawResult, Figure, GRID_COLOR, LABEL_SIZE, TITLE_SIZE, font, palette,
};

struct ProfileRun {
    name: String,
    /// `(layer index, log10 rms)`.
    points: Vec<(f64, Option<f64>)>,
}

pub(super) struct DepthProfile {
    runs: Vec<ProfileRun>,
    max_depth: usize,
    lo: f64,
    hi: f64,
    title: String,
}

impl DepthProfile {
    pub(super) fn new(runs: &[(&str, &StepRecord)]) -> Result<DepthProfile> {
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
                swatch: Swatch::LineDot(palette(i)),
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
            let color = palette(i);
            for seg in segments(&run.points) {
                chart.draw_series(LineSeries::new(seg.iter().copied(), color.stroke_width(2)))?;
                chart.draw_series(seg.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
            }
        }
        draw_legend(&side, 12, &items)
    }
}
