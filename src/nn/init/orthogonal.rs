//! Orthogonal initialization: a Householder QR of a Gaussian sample, as
//! `torch.nn.init.orthogonal_`.

use rand::Rng as RandomSource;

use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// `torch.nn.init.orthogonal_`; see [`Init::Orthogonal`].
#[track_caller]
pub(super) fn orthogonal<T: Scalar, R: RandomSource + ?Sized>(
    shape: &[usize],
    gain: f64,
    rng: &mut R,
) -> Tensor<T> {
    assert!(
        shape.len() >= 2,
        "Init::Orthogonal: only tensors with 2 or more dimensions are supported, got shape {shape:?} \
         (rank {})",
        shape.len()
    );
    assert!(
        gain.is_finite(),
        "Init::Orthogonal: gain must be finite, got {gain}"
    );
    if shape.contains(&0) {
        return Tensor::zeros(shape);
    }
    let rows = shape[0];
    let cols = shape[1..].iter().product::<usize>();
    let sample = Tensor::<f64>::normal([rows, cols], 0.0, 1.0, rng);
    // Factor the tall one of A and Aᵀ. The row-major [rows, cols] sample is
    // A in column-major order and, read the other way, Aᵀ in column-major
    // order; `thin_q` takes column-major input and returns Q column-major.
    let data: Vec<T> = if rows >= cols {
        // A (rows×cols) column-major: element (i, j) at j·rows + i.
        let mut a = vec![0.0; rows * cols];
        for (i, row) in sample.data().chunks_exact(cols).enumerate() {
            for (j, &x) in row.iter().enumerate() {
                a[j * rows + i] = x;
            }
        }
        let q = thin_q(&mut a, rows, cols);
        // W = Q, row-major: W[i][j] = Q[j·rows + i].
        let mut w = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            w.extend((0..cols).map(|j| T::of(gain * q[j * rows + i])));
        }
        w
    } else {
        // Aᵀ (cols×rows) column-major is the row-major sample itself, and
        // W = Qᵀ (rows×cols) row-major is Q (cols×rows) column-major.
        let mut a = sample.to_vec();
        let q = thin_q(&mut a, cols, rows);
        q.into_iter().map(|x| T::of(gain * x)).collect()
    };
    // rows·cols elements, the shape's count.
    Tensor::from_parts(data, shape.into())
}

/// The thin `Q` (`m×n`, column-major) of the column-major `m×n` matrix `a`
/// (`m >= n`, overwritten), by Householder QR, with each column `k`
/// multiplied by the sign of `R[k][k]` (`+1` when it is zero), so that the
/// factorization has a positive diagonal in `R`.
fn thin_q(a: &mut [f64], m: usize, n: usize) -> Vec<f64> {
    debug_assert!(m >= n && a.len() == m * n);
    // Reflector k is H_k = I - 2·v·vᵀ on rows k.., `v` of unit norm; an
    // empty `v` stands for H_k = I (a zero column below the diagonal).
    let mut reflectors: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut signs = vec![1.0; n];
    for k in 0..n {
        let x = &a[k * m + k..(k + 1) * m];
        let norm = dot(x, x).sqrt();
        if norm == 0.0 {
            reflectors.push(Vec::new());
            continue;
        }
        // R[k][k] = -sign(x₀)·‖x‖: the choice that avoids cancellation in
        // v₀ = x₀ - R[k][k], and LAPACK's.
        let r_kk = -norm.copysign(x[0]);
        let mut v = x.to_vec();
        v[0] -= r_kk;
        let v_norm = dot(&v, &v).sqrt();
        v.iter_mut().for_each(|vi| *vi /= v_norm);
        // Column k becomes (R[k][k], 0, ...) and is not read again; apply
        // H_k to the columns to its right.
        for j in k + 1..n {
            reflect(&v, &mut a[j * m + k..(j + 1) * m]);
        }
        signs[k] = if r_kk < 0.0 { -1.0 } else { 1.0 };
        reflectors.push(v);
    }
    // Q = H_0·H_1·…·H_{n-1}·[I_n; 0], applied right to left. Before H_k is
    // applied, columns j < k are still e_j, which H_k (rows k..) leaves
    // alone, so only columns k.. are touched.
    let mut q = vec![0.0; m * n];
    for j in 0..n {
        q[j * m + j] = 1.0;
    }
    for (k, v) in reflectors.iter().enumerate().rev() {
        if v.is_empty() {
            continue;
        }
        for j in k..n {
            reflect(v, &mut q[j * m + k..(j + 1) * m]);
        }
    }
    for (column, &sign) in q.chunks_exact_mut(m).zip(&signs) {
        if sign < 0.0 {
            column.iter_mut().for_each(|x| *x = -*x);
        }
    }
    q
}

/// `c ← (I - 2·v·vᵀ)·c` for a unit vector `v`.
fn reflect(v: &[f64], c: &mut [f64]) {
    let d = 2.0 * dot(v, c);
    for (ci, &vi) in c.iter_mut().zip(v) {
        *ci -= d * vi;
    }
}

/// Dot product with four interleaved accumulators (fixed order).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (a4, a_rest) = a.split_at(a.len() / 4 * 4);
    let (b4, b_rest) = b.split_at(a4.len());
    for (x, y) in a4.chunks_exact(4).zip(b4.chunks_exact(4)) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f64 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}
