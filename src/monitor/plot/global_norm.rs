//! (c) The global pre-clip gradient norm over the steps, with the clip
//! threshold and the clipped steps.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::ALERT_COLOR;
use crate::error::{Error, Result};
use crate::monitor::record::StepRecord;
use crate::plot::axes::{
    Ticked, decade_axis, integer_ticks, log10_of, pow10_label, segments, short_number,
};
use crate::plot::legend::{LegendItem, Swatch, draw_legend, legend_width};
use crate::plot::{DESC_SIZE, DrawResult, Figure, GRID_COLOR, LABEL_SIZE, TITLE_SIZE, font};

const NORM_COLOR: RGBColor = RGBColor(0, 114, 178);
const CLIP_COLOR: RGBColor = RGBColor(213, 94, 0);

pub(super) struct GlobalNorm {
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
    pub(super) fn new(records: &[StepRecord], clip: Option<f64>) -> Result<GlobalNorm> {
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
