//! The legend: a framed column of entries, each a swatch and a label,
//! drawn in a panel beside the plotting area.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawResult, LABEL_SIZE, font};

/// Height of one legend entry, in pixels.
pub(crate) const LEGEND_ROW: i32 = 26;
const SWATCH_W: i32 = 30;

/// What a legend entry shows beside its label.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
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

/// One legend entry.
pub(crate) struct LegendItem {
    pub(crate) label: String,
    pub(crate) swatch: Swatch,
}

impl LegendItem {
    pub(crate) fn new(label: impl Into<String>, swatch: Swatch) -> LegendItem {
        LegendItem {
            label: label.into(),
            swatch,
        }
    }
}

/// The width a legend panel needs for `items`, at most two fifths of
/// `root`'s width.
pub(crate) fn legend_width<DB: DrawingBackend>(
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

/// Draws a framed legend at the top of `area`, `top` pixels down; nothing
/// for no items.
pub(crate) fn draw_legend<DB: DrawingBackend>(
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
        draw_swatch(area, item.swatch, (sx0, sx1), y)?;
        area.draw_text(&item.label, &style, (sx1 + 10, y))?;
    }
    Ok(())
}

/// Draws `swatch` between `x0` and `x1`, centred on row `y`.
fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x0, x1): (i32, i32),
    y: i32,
) -> DrawResult<DB> {
    let mid = (x0 + x1) / 2;
    match swatch {
        Swatch::LineDot(c) => {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(2)))?;
            area.draw(&Circle::new((mid, y), 4, c.filled()))?;
        }
        Swatch::Line(c) => {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(2)))?;
        }
        Swatch::Dashed(c) => {
            for k in 0..3 {
                let a = x0 + k * 11;
                area.draw(&PathElement::new(
                    vec![(a, y), ((a + 7).min(x1), y)],
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
    Ok(())
}
