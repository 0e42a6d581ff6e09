//! Summary statistics over seeds and examples.

use std::borrow::Borrow;

/// The median of `values` (the mean of the two middle ones for an even
/// count; NaN for none). Takes a slice (`median(&v)`) or an iterator
/// (`median(runs.iter().map(|r| r.loss))`).
pub fn median(values: impl IntoIterator<Item = impl Borrow<f64>>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().map(|x| *x.borrow()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}
