//! Axes: ranges, tick positions and tick labels for linear and log₁₀
//! axes, and [`Ticked`], the coordinate that draws exactly those ticks.
//!
//! A log axis is drawn as a linear axis over `log10` of the data, so
//! every function here works in the coordinate the chart is drawn in.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// `log10(x)` for a positive finite `x`.
pub(crate) fn log10_of(x: f64) -> Option<f64> {
    (x > 0.0 && x.is_finite()).then(|| x.log10())
}

/// An axis range in whole decades around `[lo, hi]` (in `log10` units),
/// at least one decade wide, with ticks at the decades (at most
/// `max_ticks`, every 1, 2, 5, 10, ... decades), and at 2 and 5 times each
/// decade when the range is only one or two decades wide.
pub(crate) fn decade_axis(lo: f64, hi: f64, max_ticks: usize) -> (f64, f64, Vec<f64>) {
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

/// A linear axis around `[lo, hi]`: the range with 4% room either side
/// (a single value gets room of 10% of itself, or 1 at zero), ticks at the
/// multiples of a nice step inside it (at most `max_ticks`), and the step,
/// which [`linear_label`] needs.
pub(crate) struct LinearAxis {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) step: f64,
    pub(crate) ticks: Vec<f64>,
}

impl LinearAxis {
    pub(crate) fn new(lo: f64, hi: f64, max_ticks: usize) -> LinearAxis {
        let (mut lo, mut hi) = (lo.min(hi), lo.max(hi));
        if hi - lo <= 1e-12 * lo.abs().max(hi.abs()) {
            let room = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
            (lo, hi) = (lo - room, hi + room);
        }
        let pad = 0.04 * (hi - lo);
        let (lo, hi) = (lo - pad, hi + pad);
        let mut step = nice_step(hi - lo, max_ticks);
        if !(step > 0.0 && step.is_finite()) {
            step = hi - lo;
        }
        // Whole multiples of the step, so labels carry no rounding noise;
        // `take` bounds the loop even for absurd (overflowing) ranges.
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        let ticks = (first..=last)
            .take(max_ticks.max(2) + 1)
            .map(|k| k as f64 * step)
            .collect();
        LinearAxis {
            lo,
            hi,
            step,
            ticks,
        }
    }
}

/// The smallest step of 1, 2 or 5 times a power of ten giving at most
/// `max_ticks` ticks over `span`.
pub(crate) fn nice_step(span: f64, max_ticks: usize) -> f64 {
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
pub(crate) fn integer_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
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
pub(crate) fn pow10_label(v: f64) -> String {
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

/// The tick label of `v` on a linear axis whose ticks are `step` apart:
/// as many decimals as the step needs (`0.25` → `0.2`, `0.4`), or `m×10ⁿ`
/// for values of a million and more or steps below `10⁻⁴`.
pub(crate) fn linear_label(v: f64, step: f64) -> String {
    // `+ 0.0` turns a negative zero into a positive one.
    let v = v + 0.0;
    let step_exp = step.abs().log10().floor();
    if v.abs() < 1e6 && step >= 1e-4 {
        let decimals = (-step_exp).max(0.0) as usize;
        return format!("{v:.decimals$}");
    }
    if v == 0.0 || !v.is_finite() {
        return v.to_string();
    }
    let n = v.abs().log10().floor();
    let digits = (n - step_exp).clamp(0.0, 6.0) as usize;
    let m = v / 10f64.powf(n);
    format!("{m:.digits$}×10{}", superscript(n as i64))
}

/// `k` in superscript digits: `⁻¹²`.
pub(crate) fn superscript(k: i64) -> String {
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

/// A number as people write it: `1`, `0.5`, `250`, `1e-4`.
pub(crate) fn short_number(x: f64) -> String {
    if (1e-3..1e5).contains(&x.abs()) {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{x:.1e}")
    }
}

/// Splits a sequence of points at the missing values into runs of
/// consecutive present ones.
pub(crate) fn segments(points: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
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
pub(crate) struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    pub(crate) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticked {
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
    fn linear_axis_pads_the_data_and_ticks_at_nice_multiples() {
        let axis = LinearAxis::new(0.0, 1000.0, 11);
        assert!(axis.lo < 0.0 && axis.hi > 1000.0);
        assert_eq!(axis.step, 200.0);
        assert_eq!(axis.ticks, [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
        let axis = LinearAxis::new(-0.05, 0.93, 12);
        assert_eq!(axis.step, 0.1);
        let labels: Vec<String> = axis
            .ticks
            .iter()
            .map(|&t| linear_label(t, axis.step))
            .collect();
        assert_eq!(
            labels,
            [
                "0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"
            ]
        );
        // A single value, zero or not, still gets a range and ticks.
        for v in [0.0, 3.0, -2e-9] {
            let axis = LinearAxis::new(v, v, 10);
            assert!(axis.lo < v && axis.hi > v, "{v}");
            assert!(axis.ticks.len() >= 2, "{v}: {:?}", axis.ticks);
        }
        // An overflowing span neither hangs nor panics.
        let axis = LinearAxis::new(-f64::MAX, f64::MAX, 10);
        assert!(axis.ticks.len() <= 11);
    }

    #[test]
    fn linear_labels_switch_to_powers_of_ten_at_the_extremes() {
        assert_eq!(linear_label(0.0, 0.5), "0.0");
        assert_eq!(linear_label(-0.0, 0.5), "0.0");
        assert_eq!(linear_label(0.0, 2e-5), "0");
        assert_eq!(linear_label(2.5, 0.5), "2.5");
        assert_eq!(linear_label(400.0, 100.0), "400");
        assert_eq!(linear_label(1.2e6, 2e5), "1.2×10⁶");
        assert_eq!(linear_label(3e-7, 1e-7), "3×10⁻⁷");
        assert_eq!(linear_label(-4e-5, 2e-5), "-4×10⁻⁵");
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
}
