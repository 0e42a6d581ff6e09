//! (b) Heat map: log₁₀ gradient RMS per layer (rows) and recorded step
//! (columns), with a colour bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ALERT_COLOR, profile_layers};
use crate::error::{Error, Result};
use crate::monitor::record::StepRecord;
use crate::plot::axes::{Ticked, decade_axis, log10_of, pow10_label};
use crate::plot::legend::{LEGEND_ROW, LegendItem, Swatch, draw_legend, legend_width};
use crate::plot::{DESC_SIZE, DrawResult, Figure, LABEL_SIZE, TITLE_SIZE, font, viridis};

/// A cell without a value.
const MISSING_COLOR: RGBColor = RGBColor(215, 215, 215);

struct Cell {
    log_rms: Option<f64>,
    nonfinite: bool,
}

pub(super) struct Heatmap {
    steps: Vec<u64>,
    /// Row labels, input first.
    layers: Vec<String>,
    /// `cells[row][column]`.
    cells: Vec<Vec<Cell>>,
    lo: f64,
    hi: f64,
}

impl Heatmap {
    pub(super) fn new(records: &[StepRecord]) -> Result<Heatmap> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_ticks_stay_within_the_limit_and_include_the_last_cell() {
        assert_eq!(cell_ticks(3, 12), vec![0.5, 1.5, 2.5]);
        let t = cell_ticks(100, 12);
        assert!(t.len() <= 13, "{t:?}");
        assert_eq!(*t.last().unwrap(), 99.5);
        assert_eq!(cell_ticks(1, 5), vec![0.5]);
    }
}
