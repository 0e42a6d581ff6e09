//! The loops of batch and layer norm, written so that they vectorize.
//!
//! Elements are grouped (one mean and variance per group) and each has an
//! affine index (which `γ`, `β` applies). Three shapes of loop cover the
//! layouts, each over contiguous slices with the per-group constants
//! hoisted or read as slices — never a per-element index division or
//! `Option` test, which kept the old element-at-a-time walk scalar (the
//! norms were a quarter of a batch-normalized MLP's step):
//!
//! - [`Walk::Wide`]: batch norm over `[N, C]`: each of the `N` rows holds
//!   one element of every group, so the per-group sums are elementwise
//!   slice operations across the row.
//! - [`Walk::Runs`]: batch norm over `[N, C, L]` (`L > 1`): runs of `L`
//!   elements sharing a group and an affine index.
//! - [`Walk::Rows`]: layer norm: one group per row of `D` elements, the
//!   affine index running along the row.
//!
//! Sums within a run use eight lanes, combined in a fixed order, so results
//! are the same on every run and every machine.

use crate::dispatch::with_avx2;
use crate::scalar::Scalar;

/// How elements are grouped and which affine entry applies to each.
#[derive(Clone, Copy, Debug)]
pub(super) enum Layout {
    /// `x` viewed as `[n, c, l]`: one group per channel `c` (batch norm).
    Channels { n: usize, c: usize, l: usize },
    /// `x` viewed as `[rows, d]`: one group per row (layer norm).
    Rows { rows: usize, d: usize },
}

impl Layout {
    pub(super) fn groups(self) -> usize {
        match self {
            Layout::Channels { c, .. } => c,
            Layout::Rows { rows, .. } => rows,
        }
    }

    /// Elements per group (`M`).
    pub(super) fn group_size(self) -> usize {
        match self {
            Layout::Channels { n, l, .. } => n * l,
            Layout::Rows { d, .. } => d,
        }
    }

    fn walk(self) -> Walk {
        match self {
            Layout::Channels { c, l: 1, .. } => Walk::Wide { c },
            Layout::Channels { c, l, .. } => Walk::Runs { c, l },
            Layout::Rows { d, .. } => Walk::Rows { d },
        }
    }
}

#[derive(Clone, Copy)]
enum Walk {
    Wide { c: usize },
    Runs { c: usize, l: usize },
    Rows { d: usize },
}

/// `Σ f(a[i], b[i])` in eight lanes, then the lanes in order, then the tail.
#[inline(always)]
fn lane_sum<T: Scalar>(a: &[T], b: &[T], f: impl Fn(T, T) -> T) -> T {
    lane_sums(a, b, |x, y| [f(x, y)])[0]
}

/// `K` sums of one pass, each as [`lane_sum`] would add it.
#[inline(always)]
fn lane_sums<T: Scalar, const K: usize>(a: &[T], b: &[T], f: impl Fn(T, T) -> [T; K]) -> [T; K] {
    let mut acc = [[T::zero(); 8]; K];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (at, bt) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for l in 0..8 {
            let v = f(x[l], y[l]);
            for k in 0..K {
                acc[k][l] += v[k];
            }
        }
    }
    let mut s = acc.map(|lanes| lanes.iter().fold(T::zero(), |s, &v| s + v));
    for (&x, &y) in at.iter().zip(bt) {
        let v = f(x, y);
        for k in 0..K {
            s[k] += v[k];
        }
    }
    s
}

/// Group means and biased variances (two passes, fixed order). The mean is
/// taken relative to the group's first element `x₀`, `μ = x₀ + Σ(x - x₀)/M`,
/// so a constant group gets exactly `μ = x₀` and `σ² = 0`, as PyTorch's
/// Welford moments do, instead of a rounding error in `μ` that the
/// normalization would scale by `1/√eps` (a row of -7.3 in `f32` gave
/// `x̂ ≈ 1.5e-3`, not 0; with `eps = 0`, a finite value where PyTorch has
/// `0·inf = NaN`).
pub(super) fn moments<T: Scalar>(x: &[T], layout: Layout) -> (Vec<T>, Vec<T>) {
    let groups = layout.groups();
    let count = T::of(layout.group_size() as f64);
    let mut mean = vec![T::zero(); groups];
    let mut var = vec![T::zero(); groups];
    if x.is_empty() || groups == 0 {
        return (mean, var);
    }
    with_avx2(
        #[inline(always)]
        || match layout.walk() {
            Walk::Wide { c } => {
                let shift = &x[..c];
                for row in x.chunks_exact(c) {
                    for ((m, &v), &s) in mean.iter_mut().zip(row).zip(shift) {
                        *m += v - s;
                    }
                }
                for (m, &s) in mean.iter_mut().zip(shift) {
                    *m = s + *m / count;
                }
                for row in x.chunks_exact(c) {
                    for ((q, &v), &m) in var.iter_mut().zip(row).zip(&mean) {
                        let d = v - m;
                        *q += d * d;
                    }
                }
            }
            Walk::Runs { c, l } => {
                let shift: Vec<T> = x.chunks_exact(l).take(c).map(|r| r[0]).collect();
                for (k, run) in x.chunks_exact(l).enumerate() {
                    let s = shift[k % c];
                    mean[k % c] += lane_sum(run, run, |v, _| v - s);
                }
                for (m, &s) in mean.iter_mut().zip(&shift) {
                    *m = s + *m / count;
                }
                for (k, run) in x.chunks_exact(l).enumerate() {
                    let m = mean[k % c];
                    var[k % c] += lane_sum(run, run, |v, _| (v - m) * (v - m));
                }
            }
            Walk::Rows { d } => {
                for ((row, m), q) in x.chunks_exact(d).zip(&mut mean).zip(&mut var) {
                    let s = row[0];
                    *m = s + lane_sum(row, row, |v, _| v - s) / count;
                    let mu = *m;
                    *q = lane_sum(row, row, |v, _| (v - mu) * (v - mu));
                }
            }
        },
    );
    for v in &mut var {
        *v /= count;
    }
    (mean, var)
}

/// `out = (x - μ)·s·γ + β` per element (`γ`, `β` per affine index; pass
/// ones and zeros for none).
pub(super) fn normalize<T: Scalar>(
    x: &[T],
    layout: Layout,
    mean: &[T],
    invstd: &[T],
    gamma: &[T],
    beta: &[T],
    out: &mut [T],
) {
    if x.is_empty() || layout.groups() == 0 {
        return;
    }
    with_avx2(
        #[inline(always)]
        || match layout.walk() {
            Walk::Wide { c } => {
                for (o, row) in out.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
                    let consts = mean.iter().zip(invstd).zip(gamma.iter().zip(beta));
                    for ((o, &v), ((&m, &s), (&g, &b))) in o.iter_mut().zip(row).zip(consts) {
                        *o = (v - m) * s * g + b;
                    }
                }
            }
            Walk::Runs { c, l } => {
                for (k, (o, run)) in out.chunks_exact_mut(l).zip(x.chunks_exact(l)).enumerate() {
                    let ch = k % c;
                    let (m, s, g, b) = (mean[ch], invstd[ch], gamma[ch], beta[ch]);
                    for (o, &v) in o.iter_mut().zip(run) {
                        *o = (v - m) * s * g + b;
                    }
                }
            }
            Walk::Rows { d } => {
                let rows = out.chunks_exact_mut(d).zip(x.chunks_exact(d));
                for ((o, row), (&m, &s)) in rows.zip(mean.iter().zip(invstd)) {
                    for ((o, &v), (&g, &b)) in o.iter_mut().zip(row).zip(gamma.iter().zip(beta)) {
                        *o = (v - m) * s * g + b;
                    }
                }
            }
        },
    );
}

/// The sums backward needs, from one pass over `x` and `dy`: per group
/// `Σg` and `Σg·x̂` (with `g = γ·dy`), per affine index `Σdy·x̂` (`dγ`) and
/// `Σdy` (`dβ`).
pub(super) struct Sums<T> {
    pub sum_g: Vec<T>,
    pub sum_gx: Vec<T>,
    pub dgamma: Vec<T>,
    pub dbeta: Vec<T>,
}

pub(super) fn backward_sums<T: Scalar>(
    x: &[T],
    dy: &[T],
    layout: Layout,
    mean: &[T],
    invstd: &[T],
    gamma: &[T],
) -> Sums<T> {
    let groups = layout.groups();
    let zeros = |n: usize| vec![T::zero(); n];
    let mut s = Sums {
        sum_g: zeros(groups),
        sum_gx: zeros(groups),
        dgamma: zeros(gamma.len()),
        dbeta: zeros(gamma.len()),
    };
    if x.is_empty() || groups == 0 {
        return s;
    }
    with_avx2(
        #[inline(always)]
        || match layout.walk() {
            Walk::Wide { c } => {
                for (row, drow) in x.chunks_exact(c).zip(dy.chunks_exact(c)) {
                    let consts = mean.iter().zip(invstd).zip(gamma);
                    let sums = s.sum_g.iter_mut().zip(&mut s.sum_gx);
                    let affine = s.dgamma.iter_mut().zip(&mut s.dbeta);
                    let elems = row.iter().zip(drow).zip(consts);
                    for (((&v, &dv), ((&m, &sd), &g)), ((sg, sgx), (dg, db))) in
                        elems.zip(sums.zip(affine))
                    {
                        let xh = (v - m) * sd;
                        let gi = dv * g;
                        *sg += gi;
                        *sgx += gi * xh;
                        *dg += dv * xh;
                        *db += dv;
                    }
                }
            }
            Walk::Runs { c, l } => {
                for (k, (run, drun)) in x.chunks_exact(l).zip(dy.chunks_exact(l)).enumerate() {
                    let ch = k % c;
                    let (m, sd, g) = (mean[ch], invstd[ch], gamma[ch]);
                    // One pass for the four sums.
                    let [dxh, dsum, sg, sgx] = lane_sums(run, drun, |v, dv| {
                        let xh = (v - m) * sd;
                        [dv * xh, dv, dv * g, dv * g * xh]
                    });
                    s.sum_g[ch] += sg;
                    s.sum_gx[ch] += sgx;
                    s.dgamma[ch] += dxh;
                    s.dbeta[ch] += dsum;
                }
            }
            Walk::Rows { d } => {
                let rows = x.chunks_exact(d).zip(dy.chunks_exact(d));
                for (r, (row, drow)) in rows.enumerate() {
                    let (m, sd) = (mean[r], invstd[r]);
                    let mut acc_g = [T::zero(); 8];
                    let mut acc_gx = [T::zero(); 8];
                    let affine = s.dgamma.iter_mut().zip(&mut s.dbeta).zip(gamma);
                    for (i, ((&v, &dv), ((dg, db), &g))) in
                        row.iter().zip(drow).zip(affine).enumerate()
                    {
                        let xh = (v - m) * sd;
                        let gi = dv * g;
                        acc_g[i % 8] += gi;
                        acc_gx[i % 8] += gi * xh;
                        *dg += dv * xh;
                        *db += dv;
                    }
                    s.sum_g[r] = acc_g.iter().fold(T::zero(), |a, &v| a + v);
                    s.sum_gx[r] = acc_gx.iter().fold(T::zero(), |a, &v| a + v);
                }
            }
        },
    );
    s
}

/// `dx = s/M · (M·g - Σg - x̂·Σ(g·x̂))` per element, with `g = γ·dy`.
#[allow(clippy::too_many_arguments)]
pub(super) fn backward_dx<T: Scalar>(
    x: &[T],
    dy: &[T],
    layout: Layout,
    mean: &[T],
    invstd: &[T],
    gamma: &[T],
    sums: &Sums<T>,
    out: &mut [T],
) {
    if x.is_empty() || layout.groups() == 0 {
        return;
    }
    let m = T::of(layout.group_size() as f64);
    let (sum_g, sum_gx) = (&sums.sum_g, &sums.sum_gx);
    with_avx2(
        #[inline(always)]
        || match layout.walk() {
            Walk::Wide { c } => {
                let rows = out
                    .chunks_exact_mut(c)
                    .zip(x.chunks_exact(c))
                    .zip(dy.chunks_exact(c));
                for ((o, row), drow) in rows {
                    let consts = mean
                        .iter()
                        .zip(invstd)
                        .zip(gamma)
                        .zip(sum_g.iter().zip(sum_gx));
                    let elems = o.iter_mut().zip(row).zip(drow);
                    for (((o, &v), &dv), (((&mu, &sd), &g), (&sg, &sgx))) in elems.zip(consts) {
                        let xh = (v - mu) * sd;
                        *o = sd / m * (m * (dv * g) - sg - xh * sgx);
                    }
                }
            }
            Walk::Runs { c, l } => {
                let runs = out
                    .chunks_exact_mut(l)
                    .zip(x.chunks_exact(l))
                    .zip(dy.chunks_exact(l));
                for (k, ((o, run), drun)) in runs.enumerate() {
                    let ch = k % c;
                    let (mu, sd, g, sg, sgx) =
                        (mean[ch], invstd[ch], gamma[ch], sum_g[ch], sum_gx[ch]);
                    for ((o, &v), &dv) in o.iter_mut().zip(run).zip(drun) {
                        let xh = (v - mu) * sd;
                        *o = sd / m * (m * (dv * g) - sg - xh * sgx);
                    }
                }
            }
            Walk::Rows { d } => {
                let rows = out
                    .chunks_exact_mut(d)
                    .zip(x.chunks_exact(d))
                    .zip(dy.chunks_exact(d));
                for (r, ((o, row), drow)) in rows.enumerate() {
                    let (mu, sd, sg, sgx) = (mean[r], invstd[r], sum_g[r], sum_gx[r]);
                    for (((o, &v), &dv), &g) in o.iter_mut().zip(row).zip(drow).zip(gamma) {
                        let xh = (v - mu) * sd;
                        *o = sd / m * (m * (dv * g) - sg - xh * sgx);
                    }
                }
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The element-at-a-time definitions, in f64, as the reference.
    fn naive(x: &[f64], dy: &[f64], layout: Layout, gamma: &[f64]) -> [Vec<f64>; 5] {
        let (groups, m) = (layout.groups(), layout.group_size() as f64);
        let at = |i: usize| match layout {
            Layout::Channels { c, l, .. } => ((i / l) % c, (i / l) % c),
            Layout::Rows { d, .. } => (i / d, i % d),
        };
        let mut mean = vec![0.0; groups];
        (0..x.len()).for_each(|i| mean[at(i).0] += x[i] / m);
        let mut var = vec![0.0; groups];
        (0..x.len()).for_each(|i| var[at(i).0] += (x[i] - mean[at(i).0]).powi(2) / m);
        let s: Vec<f64> = var.iter().map(|v| 1.0 / (v + 1e-5f64).sqrt()).collect();
        let xh = |i: usize| (x[i] - mean[at(i).0]) * s[at(i).0];
        let (mut sg, mut sgx) = (vec![0.0; groups], vec![0.0; groups]);
        let (mut dg, mut db) = (vec![0.0; gamma.len()], vec![0.0; gamma.len()]);
        for (i, &d) in dy.iter().enumerate() {
            let (g, a) = at(i);
            sg[g] += d * gamma[a];
            sgx[g] += d * gamma[a] * xh(i);
            dg[a] += d * xh(i);
            db[a] += d;
        }
        let dx = (0..x.len())
            .map(|i| {
                let (g, a) = at(i);
                s[g] / m * (m * dy[i] * gamma[a] - sg[g] - xh(i) * sgx[g])
            })
            .collect();
        let y = (0..x.len()).map(|i| xh(i) * gamma[at(i).1] + 0.5).collect();
        [mean, y, dx, dg, db]
    }

    #[test]
    fn every_walk_matches_the_element_at_a_time_definitions() {
        let layouts = [
            Layout::Channels { n: 13, c: 5, l: 1 },
            Layout::Channels { n: 3, c: 4, l: 11 },
            Layout::Channels { n: 2, c: 3, l: 17 },
            Layout::Rows { rows: 4, d: 19 },
            Layout::Rows { rows: 3, d: 8 },
        ];
        for (t, layout) in layouts.into_iter().enumerate() {
            let n = layout.groups() * layout.group_size();
            let wave = |k: f64| (0..n).map(move |i| ((i as f64 + k) * 0.37).sin() * 2.0 + 0.3);
            let (x, dy): (Vec<f64>, Vec<f64>) =
                (wave(1.0).collect(), wave(7.0 + t as f64).collect());
            let len = match layout {
                Layout::Channels { c, .. } => c,
                Layout::Rows { d, .. } => d,
            };
            let gamma: Vec<f64> = (0..len).map(|a| 0.5 + a as f64 * 0.25).collect();
            let beta = vec![0.5; len];
            let [mean_ref, y_ref, dx_ref, dg_ref, db_ref] = naive(&x, &dy, layout, &gamma);

            let (mean, var) = moments(&x, layout);
            let s: Vec<f64> = var.iter().map(|v| 1.0 / (v + 1e-5).sqrt()).collect();
            let mut y = vec![0.0; n];
            normalize(&x, layout, &mean, &s, &gamma, &beta, &mut y);
            let sums = backward_sums(&x, &dy, layout, &mean, &s, &gamma);
            let mut dx = vec![0.0; n];
            backward_dx(&x, &dy, layout, &mean, &s, &gamma, &sums, &mut dx);
            let pairs = [
                (&mean, &mean_ref),
                (&y, &y_ref),
                (&dx, &dx_ref),
                (&sums.dgamma, &dg_ref),
                (&sums.dbeta, &db_ref),
            ];
            for (k, (got, want)) in pairs.into_iter().enumerate() {
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(want) {
                    assert!(
                        (g - w).abs() <= 1e-9 * (1.0 + w.abs()),
                        "{layout:?} #{k}: {g} vs {w}"
                    );
                }
            }
        }
    }
}
