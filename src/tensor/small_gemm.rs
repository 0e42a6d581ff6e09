//! Plain-loop matrix products for shapes too small for matrixmultiply's
//! packing to pay off (its fixed cost is about 0.2–0.4 µs a call).
//!
//! Register-blocked loops written once, generic over the element type, and
//! compiled twice: for the baseline target and, behind a runtime check, with
//! AVX2 and FMA (where the accumulation becomes fused multiply-adds). The
//! benchmark `cargo bench --bench matmul` shows the AVX2 version is what
//! makes 16³ beat gemm; the baseline build alone is 3× slower there.

use super::matmul::MatRef;
use crate::scalar::Scalar;

/// `c ← a·b` (`c` row-major, contiguous), choosing the fastest compiled copy.
pub(crate) fn small_gemm<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above),
            // which is all `small_gemm_avx2` requires beyond its arguments.
            unsafe { small_gemm_avx2(a, b, c) };
            return;
        }
    }
    small_gemm_impl::<T, false>(a, b, c);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn small_gemm_avx2<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: &mut [T]) {
    small_gemm_impl::<T, true>(a, b, c);
}

/// `acc + x·y`, fused when the build has FMA (never a libm call).
#[inline(always)]
fn madd<T: Scalar, const FMA: bool>(acc: T, x: T, y: T) -> T {
    if FMA { x.mul_add(y, acc) } else { acc + x * y }
}

#[inline(always)]
fn small_gemm_impl<T: Scalar, const FMA: bool>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: &mut [T]) {
    if b.col_stride == 1 {
        // Strips of 8 columns: one 256-bit vector of f32, two of f64 (two
        // independent chains per row measured faster for f64 at 16³).
        rows_times_contiguous_b::<T, FMA, 8>(a, b, c);
    } else if a.col_stride == 1 && b.row_stride == 1 {
        dots::<T, FMA>(a, b, c);
    } else {
        strided::<T, FMA>(a, b, c);
    }
}

/// Rows of `c` computed together, so that each loaded vector of `b` feeds
/// several independent multiply-add chains.
const ROWS: usize = 4;

/// `b` contiguous along its rows: blocks of `ROWS` rows, then single rows.
#[inline(always)]
fn rows_times_contiguous_b<T: Scalar, const FMA: bool, const W: usize>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let m = a.rows;
    let mut i = 0;
    while i + ROWS <= m {
        row_block::<T, FMA, W, ROWS>(a, b, c, i);
        i += ROWS;
    }
    for r in i..m {
        single_row::<T, FMA, W>(a, b, c, r);
    }
}

/// Rows `i..i + R` of `c`: each `W`-wide strip (one 256-bit vector) of
/// each row accumulates `a(i,p)·b(p, j..j+W)` over `p` in registers —
/// arrays of exactly one vector each, which the compiler maps onto vector
/// registers — then the leftover columns one dot product at a time.
#[inline(always)]
fn row_block<T: Scalar, const FMA: bool, const W: usize, const R: usize>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    i: usize,
) {
    row_block_from::<T, FMA, W, R>(a, b, c, i, 0);
}

/// [`row_block`] from column `start` on.
#[inline(always)]
fn row_block_from<T: Scalar, const FMA: bool, const W: usize, const R: usize>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    i: usize,
    start: usize,
) {
    let (k, n) = (a.cols, b.cols);
    debug_assert!(i + R <= a.rows);
    let mut j = start;
    while j + W <= n {
        let mut acc = [[T::zero(); W]; R];
        for p in 0..k {
            // SAFETY: `gemm` asserted that every (row, column) of each view
            // lies inside its slice (`MatRef::extent`); here `i + r < m`,
            // `p < k` and `j + W <= n`, so each index is one of those
            // positions. Unchecked reads keep bounds checks out of the
            // innermost loop, which halves the time at 16³.
            let bv: [T; W] = std::array::from_fn(|l| unsafe {
                *b.data
                    .get_unchecked(p * b.row_stride + (j + l) * b.col_stride)
            });
            for (r, acc_r) in acc.iter_mut().enumerate() {
                // SAFETY: as above.
                let x = unsafe {
                    *a.data
                        .get_unchecked((i + r) * a.row_stride + p * a.col_stride)
                };
                for l in 0..W {
                    acc_r[l] = madd::<T, FMA>(acc_r[l], x, bv[l]);
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            c[(i + r) * n + j..][..W].copy_from_slice(acc_r);
        }
        j += W;
    }
    for r in i..i + R {
        tail_columns::<T, FMA>(a, b, c, r, j);
    }
}

/// Row `r` of `c` alone (a batch of one: `x·W` in a tiny network): two
/// strips per pass over `p`, so twice as many independent multiply-add
/// chains as [`row_block`] has for one row; the rest as there.
#[inline(always)]
fn single_row<T: Scalar, const FMA: bool, const W: usize>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    r: usize,
) {
    let (k, n) = (a.cols, b.cols);
    let mut j = 0;
    while j + 2 * W <= n {
        let mut acc0 = [T::zero(); W];
        let mut acc1 = [T::zero(); W];
        for p in 0..k {
            // SAFETY: as in `row_block`: `r < m`, `p < k`, `j + 2W <= n`,
            // all inside the views `gemm` checked.
            let (x, b0, b1) = unsafe {
                let x = *a.data.get_unchecked(r * a.row_stride + p * a.col_stride);
                let at = |col: usize| *b.data.get_unchecked(p * b.row_stride + col * b.col_stride);
                let b0: [T; W] = std::array::from_fn(|l| at(j + l));
                let b1: [T; W] = std::array::from_fn(|l| at(j + W + l));
                (x, b0, b1)
            };
            for l in 0..W {
                acc0[l] = madd::<T, FMA>(acc0[l], x, b0[l]);
                acc1[l] = madd::<T, FMA>(acc1[l], x, b1[l]);
            }
        }
        c[r * n + j..][..W].copy_from_slice(&acc0);
        c[r * n + j + W..][..W].copy_from_slice(&acc1);
        j += 2 * W;
    }
    if j + W <= n {
        row_block_from::<T, FMA, W, 1>(a, b, c, r, j);
    } else {
        tail_columns::<T, FMA>(a, b, c, r, j);
    }
}

/// Columns `from..n` of row `r` of `c`, one dot product each.
#[inline(always)]
fn tail_columns<T: Scalar, const FMA: bool>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    r: usize,
    from: usize,
) {
    let (k, n) = (a.cols, b.cols);
    for j in from..n {
        let mut acc = T::zero();
        for p in 0..k {
            let x = a.data[r * a.row_stride + p * a.col_stride];
            acc = madd::<T, FMA>(acc, x, b.data[p * b.row_stride + j]);
        }
        c[r * n + j] = acc;
    }
}

/// `a` contiguous along its rows and `b` along its columns (`b` is a
/// transposed row-major matrix, as in `x·Wᵀ`): each output is a dot product
/// of two contiguous runs; four columns share each load of `a`.
#[inline(always)]
fn dots<T: Scalar, const FMA: bool>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: &mut [T]) {
    const LANES: usize = 8;
    let (k, n) = (a.cols, b.cols);
    for (i, c_row) in c.chunks_exact_mut(n).enumerate() {
        let a_row = &a.data[i * a.row_stride..][..k];
        for (jb, c_block) in c_row.chunks_mut(4).enumerate() {
            let mut acc = [[T::zero(); LANES]; 4];
            let cols: [&[T]; 4] = std::array::from_fn(|q| {
                let j = (jb * 4 + q).min(n - 1);
                &b.data[j * b.col_stride..][..k]
            });
            let full = k / LANES * LANES;
            // Both slices are exactly `LANES` long, so the conversions
            // cannot fail (and compile to no check in this hot loop).
            #[allow(clippy::unwrap_used)]
            for p in (0..full).step_by(LANES) {
                let x: &[T; LANES] = a_row[p..p + LANES].try_into().unwrap();
                for (acc_q, col) in acc.iter_mut().zip(&cols) {
                    let y: &[T; LANES] = col[p..p + LANES].try_into().unwrap();
                    for l in 0..LANES {
                        acc_q[l] = madd::<T, FMA>(acc_q[l], x[l], y[l]);
                    }
                }
            }
            for (q, out) in c_block.iter_mut().enumerate() {
                let mut total = T::zero();
                for &s in &acc[q] {
                    total += s;
                }
                for p in full..k {
                    total = madd::<T, FMA>(total, a_row[p], cols[q][p]);
                }
                *out = total;
            }
        }
    }
}

/// Any strides: one dot product per output.
#[inline(always)]
fn strided<T: Scalar, const FMA: bool>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: &mut [T]) {
    let (k, n) = (a.cols, b.cols);
    for (i, c_row) in c.chunks_exact_mut(n).enumerate() {
        for (j, out) in c_row.iter_mut().enumerate() {
            let mut acc = T::zero();
            for p in 0..k {
                let x = a.data[i * a.row_stride + p * a.col_stride];
                let y = b.data[p * b.row_stride + j * b.col_stride];
                acc = madd::<T, FMA>(acc, x, y);
            }
            *out = acc;
        }
    }
}
