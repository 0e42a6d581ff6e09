//! Singular values in f64, for the spectra of weight matrices, their
//! products and layer Jacobians.

/// Singular values of the row-major `rows×cols` matrix `a`, sorted
/// descending (`min(rows, cols)` of them), by one-sided Jacobi (Hestenes):
/// accurate in relative terms even for tiny singular values.
///
/// # Panics
/// If `a.len() != rows * cols`.
pub fn singular_values(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    assert_eq!(a.len(), rows * cols, "singular_values: shape");
    // Rotate the columns of the taller orientation: a wide matrix has the
    // singular values of its transpose.
    let (m, n) = (rows.max(cols), rows.min(cols));
    let at = |i: usize, j: usize| {
        if rows >= cols {
            a[i * cols + j]
        } else {
            a[j * cols + i]
        }
    };
    let mut columns: Vec<Vec<f64>> = (0..n).map(|j| (0..m).map(|i| at(i, j)).collect()).collect();
    for _sweep in 0..60 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (lo, hi) = columns.split_at_mut(q);
                if rotate_pair(&mut lo[p], &mut hi[0]) {
                    rotated = true;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let mut sv: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    sv.sort_by(|a, b| b.total_cmp(a));
    sv
}

/// One Jacobi rotation making columns `cp` and `cq` orthogonal; false if
/// they already are (to working precision).
fn rotate_pair(cp: &mut [f64], cq: &mut [f64]) -> bool {
    let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
    for (x, y) in cp.iter().zip(cq.iter()) {
        alpha += x * x;
        beta += y * y;
        gamma += x * y;
    }
    if gamma.abs() <= 1e-15 * (alpha * beta).sqrt() || gamma == 0.0 {
        return false;
    }
    let zeta = (beta - alpha) / (2.0 * gamma);
    let t = if zeta == 0.0 {
        1.0
    } else {
        zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt())
    };
    let c = 1.0 / (1.0 + t * t).sqrt();
    let s = c * t;
    for (x, y) in cp.iter_mut().zip(cq.iter_mut()) {
        let (xp, yq) = (*x, *y);
        *x = c * xp - s * yq;
        *y = s * xp + c * yq;
    }
    true
}

/// Mean singular value of the row-major `rows×cols` matrix `a`.
pub fn mean_singular_value(a: &[f64], rows: usize, cols: usize) -> f64 {
    let sv = singular_values(a, rows, cols);
    sv.iter().sum::<f64>() / sv.len() as f64
}

/// The largest singular value of the square row-major `n×n` matrix `a`, by
/// power iteration on `AᵀA` to convergence (relative change ≤ 1e-15, at
/// most 10 000 iterations).
pub fn spectral_norm(a: &[f64], n: usize) -> f64 {
    let mut v = vec![1.0 / (n as f64).sqrt(); n];
    let mut sigma = 0.0;
    for _ in 0..10_000 {
        let av: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| a[i * n + j] * v[j]).sum())
            .collect();
        let mut atav: Vec<f64> = (0..n)
            .map(|j| (0..n).map(|i| a[i * n + j] * av[i]).sum())
            .collect();
        let norm = atav.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        atav.iter_mut().for_each(|x| *x /= norm);
        let next = norm.sqrt();
        v = atav;
        if (next - sigma).abs() <= 1e-15 * next {
            return next;
        }
        sigma = next;
    }
    sigma
}
