//! Matrix products: 2-D and batched 3-D, through matrixmultiply's gemm, with
//! a plain-loop path for small products where gemm's fixed cost dominates.
//!
//! Transposed operands are read through strides ([`Tensor::matmul_t`]), so
//! backward rules (`dA = dC·Bᵀ`, `dB = Aᵀ·dC`) and the fused dense layer never
//! copy a transpose.

use super::small_gemm::small_gemm;
use super::{Shape, Tensor};
use crate::scalar::Scalar;

/// Whether a matmul operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Transpose {
    /// Use the matrix as stored.
    #[default]
    No,
    /// Use its transpose (read through swapped strides; nothing is copied).
    Yes,
}

/// Products with at most this many multiply-adds (`m·k·n`) take the plain
/// loop. Measured with `cargo bench --bench matmul`: at 1×16×16 the loop is
/// 2–3× faster than matrixmultiply and at 16³ 20–30% faster; at 32³ the two
/// tie, and for thin shapes (`n < 8`) the loop's scalar tail is slower, so
/// the threshold stays at 16³ until a shape-aware rule is measured.
pub const SMALL_PRODUCT_MAX_FLOPS: usize = 4096;

/// A read-only strided matrix view: element `(i, j)` is at
/// `data[i·row_stride + j·col_stride]`.
#[derive(Clone, Copy)]
pub(crate) struct MatRef<'a, T> {
    pub data: &'a [T],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a, T: Scalar> MatRef<'a, T> {
    /// A contiguous row-major `rows × cols` block, optionally transposed.
    pub(crate) fn new(data: &'a [T], rows: usize, cols: usize, t: Transpose) -> Self {
        debug_assert_eq!(data.len(), rows * cols);
        match t {
            Transpose::No => MatRef {
                data,
                rows,
                cols,
                row_stride: cols,
                col_stride: 1,
            },
            Transpose::Yes => MatRef {
                data,
                rows: cols,
                cols: rows,
                row_stride: 1,
                col_stride: cols,
            },
        }
    }

    /// Columns `start .. start + len` as a view of the same data.
    fn columns(self, start: usize, len: usize) -> Self {
        MatRef {
            data: &self.data[(start * self.col_stride).min(self.data.len())..],
            cols: len,
            ..self
        }
    }

    /// Rows `start .. start + len` as a view of the same data.
    fn rows_range(self, start: usize, len: usize) -> Self {
        MatRef {
            data: &self.data[(start * self.row_stride).min(self.data.len())..],
            rows: len,
            ..self
        }
    }

    /// The index one past the last element the view can address.
    fn extent(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride + 1
        }
    }
}

/// `c ← a·b` for a row-major, contiguous `c` of `a.rows × b.cols` elements.
///
/// # Panics
/// If the inner dimensions differ or a view reaches past its slice (the
/// callers check shapes first; this guards the `unsafe` call).
#[inline]
pub(crate) fn gemm<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: &mut [T]) {
    let (m, k, n) = check_operands(a, b, c.len());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(T::zero());
        return;
    }
    if m * k * n <= SMALL_PRODUCT_MAX_FLOPS {
        small_gemm(a, b, c);
        return;
    }
    let c = c.as_mut_ptr();
    // SAFETY: `c` is a distinct `&mut` slice of exactly `m·n` elements,
    // written with row stride `n`; the views are in bounds (asserted above).
    unsafe { gemm_split(a, b, c, n) }
}

/// `(m, k, n)` of `a·b` into an output of `len` elements, after checking
/// the shapes and that both views stay inside their slices (this guards the
/// `unsafe` gemm calls).
fn check_operands<T: Scalar>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    len: usize,
) -> (usize, usize, usize) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "gemm: inner dimensions differ");
    assert_eq!(len, m * n, "gemm: output has the wrong length");
    assert!(
        a.extent() <= a.data.len() && b.extent() <= b.data.len(),
        "gemm: view out of bounds"
    );
    (m, k, n)
}

/// `a·b` as a new tensor of `shape` (which must hold `a.rows × b.cols`
/// elements), written by [`gemm_uninit`] without zeroing first.
pub(crate) fn product<T: Scalar>(shape: Shape, a: MatRef<'_, T>, b: MatRef<'_, T>) -> Tensor<T> {
    // SAFETY: `gemm_uninit` initializes every element of the output.
    unsafe { Tensor::build_uninit(shape, |out| gemm_uninit(a, b, out)) }
}

/// [`gemm`] into a fresh, uninitialized buffer: large products are written
/// straight by matrixmultiply (beta 0 writes every element and reads none),
/// so the buffer is not zeroed first — a memset of every product output
/// was 2–3% of an MLP's step. Small and empty products zero it first.
///
/// # Panics
/// As [`gemm`].
pub(crate) fn gemm_uninit<T: Scalar>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [std::mem::MaybeUninit<T>],
) {
    let (m, k, n) = check_operands(a, b, c.len());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || m * k * n <= SMALL_PRODUCT_MAX_FLOPS {
        c.fill(std::mem::MaybeUninit::new(T::zero()));
        // SAFETY: every element was just initialized; `MaybeUninit<T>` has
        // `T`'s layout.
        let c = unsafe { &mut *(c as *mut [std::mem::MaybeUninit<T>] as *mut [T]) };
        gemm(a, b, c);
        return;
    }
    // SAFETY: `c` is a distinct `&mut` buffer of exactly `m·n` elements,
    // written (never read) with row stride `n` by gemm with beta 0; the
    // views are in bounds (asserted above).
    unsafe { gemm_split(a, b, c.as_mut_ptr().cast::<T>(), n) }
}

/// Products with at least this many multiply-adds are split in two and run
/// on two cores when the `threading` feature has a second one. Below it the
/// hand-off (≈ 1 µs to a spinning worker) and the duplicated packing cost
/// more than the half product saves.
pub const PARALLEL_PRODUCT_MIN_FLOPS: usize = 1 << 19;

/// Splits the output's columns (or rows) in two halves for [`parallel::join`]
/// (crate::parallel::join) when the product is large enough, else calls gemm.
/// Each output element is computed by the same sequence of multiply-adds
/// either way (matrixmultiply's blocking along `k` does not depend on `m` or
/// `n`), so the result is bit-identical with one thread or two.
///
/// # Safety
/// `a` and `b` in bounds of their slices; `c` valid for writes of
/// `a.rows × b.cols` elements at `c[i·rsc + j]`, and not aliasing `a` or `b`.
unsafe fn gemm_split<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: *mut T, rsc: usize) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m * k * n >= PARALLEL_PRODUCT_MIN_FLOPS && crate::parallel::threads() > 1 {
        // Split the dimension whose halves duplicate less packing: halving
        // `n` packs `a` twice, halving `m` packs `b` twice. Split points on
        // multiples of 16 keep both halves on whole kernel tiles.
        let split = |len: usize| len.div_ceil(32) * 16;
        let c = SendPtr(c);
        if m <= n && n >= 32 {
            let n0 = split(n);
            let (left, right) = (b.columns(0, n0), b.columns(n0, n - n0));
            crate::parallel::join(
                // SAFETY: the halves write disjoint column blocks of `c`.
                || unsafe { gemm_raw(a, left, { c }.0, rsc) },
                || unsafe { gemm_raw(a, right, { c }.0.add(n0), rsc) },
            );
            return;
        }
        if m >= 32 {
            let m0 = split(m);
            let (top, bottom) = (a.rows_range(0, m0), a.rows_range(m0, m - m0));
            crate::parallel::join(
                // SAFETY: the halves write disjoint row blocks of `c`.
                || unsafe { gemm_raw(top, b, { c }.0, rsc) },
                || unsafe { gemm_raw(bottom, b, { c }.0.add(m0 * rsc), rsc) },
            );
            return;
        }
        // SAFETY: forwarded.
        return unsafe { gemm_raw(a, b, c.0, rsc) };
    }
    // SAFETY: forwarded.
    unsafe { gemm_raw(a, b, c, rsc) }
}

/// A raw output pointer moved into [`crate::parallel::join`]'s closures.
#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);

// SAFETY: each closure writes a disjoint block through it, and `join` waits
// for both before the caller's `&mut` borrow of the output ends.
unsafe impl<T: Send> Send for SendPtr<T> {}
// SAFETY: as above; shared references to the wrapper only copy the pointer.
unsafe impl<T: Send> Sync for SendPtr<T> {}

/// matrixmultiply's gemm with beta 0.
///
/// # Safety
/// As [`gemm_split`].
#[inline]
unsafe fn gemm_raw<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: *mut T, rsc: usize) {
    // SAFETY: `a` addresses `(m-1)·rsa + (k-1)·csa < a.data.len()` at most and
    // `b` likewise (checked by the callers through `extent`); `c` is valid
    // for the `m × n` block with strides `(rsc, 1)` and aliases neither
    // input (the caller's contract). matrixmultiply reads no element of `c`
    // because beta is 0. Strides fit `isize` because they index real slices.
    unsafe {
        T::gemm(
            a.rows,
            a.cols,
            b.cols,
            a.data.as_ptr(),
            a.row_stride as isize,
            a.col_stride as isize,
            b.data.as_ptr(),
            b.row_stride as isize,
            b.col_stride as isize,
            c,
            rsc as isize,
            1,
        );
    }
}

/// Rows and columns of a stored matrix once `t` is applied.
#[inline]
fn oriented(rows: usize, cols: usize, t: Transpose) -> (usize, usize) {
    match t {
        Transpose::No => (rows, cols),
        Transpose::Yes => (cols, rows),
    }
}

impl<T: Scalar> Tensor<T> {
    /// Matrix product, as `torch.matmul` restricted to 2-D and 3-D operands:
    ///
    /// - `[m, k] · [k, n] → [m, n]`;
    /// - `[b, m, k] · [b, k, n] → [b, m, n]` (a batch of 1 on either side
    ///   broadcasts);
    /// - `[b, m, k] · [k, n] → [b, m, n]` and `[m, k] · [b, k, n] → [b, m, n]`.
    ///
    /// ```
    /// use gradflow::Tensor;
    /// let a = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2])?;
    /// let i = Tensor::<f64>::eye(2);
    /// assert_eq!(a.matmul(&i), a);
    /// # Ok::<(), gradflow::Error>(())
    /// ```
    ///
    /// # Panics
    /// If either operand is not 2-D or 3-D, the inner dimensions differ, or
    /// the batch sizes differ and neither is 1.
    #[track_caller]
    pub fn matmul(&self, other: &Tensor<T>) -> Tensor<T> {
        self.matmul_t(Transpose::No, other, Transpose::No)
    }

    /// `op(self) · op(other)` where `op` transposes the last two dimensions
    /// when asked, without copying: `a.matmul_t(Transpose::No, &b,
    /// Transpose::Yes)` is `a·bᵀ`. Shapes as in [`Tensor::matmul`], after
    /// transposition.
    ///
    /// # Panics
    /// As [`Tensor::matmul`].
    #[track_caller]
    pub fn matmul_t(&self, ta: Transpose, other: &Tensor<T>, tb: Transpose) -> Tensor<T> {
        let (sa, sb) = (self.shape(), other.shape());
        let ok_rank = |r: usize| r == 2 || r == 3;
        assert!(
            ok_rank(sa.len()) && ok_rank(sb.len()),
            "matmul: operands must be 2-D or 3-D (batched), got shapes {sa:?} and {sb:?}; \
             reshape vectors to [1, n] or [n, 1]"
        );
        let (batch_a, ra, ca) = batch_dims(sa);
        let (batch_b, rb, cb) = batch_dims(sb);
        let (m, k) = oriented(ra, ca, ta);
        let (k2, n) = oriented(rb, cb, tb);
        assert!(
            k == k2,
            "matmul: inner dimensions differ: {sa:?}{} · {sb:?}{} multiplies [{m}, {k}] by [{k2}, {n}]; \
             the columns of the left operand must equal the rows of the right \
             (check the operands' order, or transpose one with matmul_t)",
            if ta == Transpose::Yes { "ᵀ" } else { "" },
            if tb == Transpose::Yes { "ᵀ" } else { "" },
        );
        let batch = match (batch_a, batch_b) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            (x, y) => panic!(
                "matmul: batch sizes {x} and {y} differ (shapes {sa:?} and {sb:?}); they must be equal or 1"
            ),
        };
        let shape = if sa.len() == 2 && sb.len() == 2 {
            Shape::new(&[m, n])
        } else {
            Shape::new(&[batch, m, n])
        };
        // SAFETY: the `batch` chunks of `m·n` cover the `batch·m·n`
        // elements, and `gemm_uninit` initializes every element of each.
        unsafe {
            Tensor::build_uninit(shape, |out| {
                let (size_a, size_b) = (ra * ca, rb * cb);
                for (i, c) in out.chunks_exact_mut((m * n).max(1)).enumerate().take(batch) {
                    let ia = if batch_a == 1 { 0 } else { i };
                    let ib = if batch_b == 1 { 0 } else { i };
                    let a = MatRef::new(&self.data()[ia * size_a..(ia + 1) * size_a], ra, ca, ta);
                    let b = MatRef::new(&other.data()[ib * size_b..(ib + 1) * size_b], rb, cb, tb);
                    gemm_uninit(a, b, c);
                }
            })
        }
    }
}

/// `(batch, rows, cols)` of a 2-D (batch 1) or 3-D shape.
#[inline]
fn batch_dims(shape: &[usize]) -> (usize, usize, usize) {
    match *shape {
        [r, c] => (1, r, c),
        [b, r, c] => (b, r, c),
        _ => unreachable!("rank checked by the caller"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_by_two_product() {
        let a = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2]).unwrap();
        let b = Tensor::<f64>::from_vec(vec![5.0, 6.0, 7.0, 8.0], [2, 2]).unwrap();
        // [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]]
        assert_eq!(a.matmul(&b).to_vec(), vec![19.0, 22.0, 43.0, 50.0]);
        // a·bᵀ = [[1·5+2·6, 1·7+2·8], [3·5+4·6, 3·7+4·8]]
        assert_eq!(
            a.matmul_t(Transpose::No, &b, Transpose::Yes).to_vec(),
            vec![17.0, 23.0, 39.0, 53.0]
        );
        // aᵀ·b = [[1·5+3·7, 1·6+3·8], [2·5+4·7, 2·6+4·8]]
        assert_eq!(
            a.matmul_t(Transpose::Yes, &b, Transpose::No).to_vec(),
            vec![26.0, 30.0, 38.0, 44.0]
        );
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() {
        let a = Tensor::<f32>::zeros([2, 0]);
        let b = Tensor::<f32>::zeros([0, 3]);
        assert_eq!(a.matmul(&b), Tensor::zeros([2, 3]));
    }

    #[test]
    #[should_panic(expected = "matmul: inner dimensions differ: [2, 3] · [4, 5]")]
    fn inner_mismatch_panics_with_shapes() {
        let _ = Tensor::<f32>::zeros([2, 3]).matmul(&Tensor::zeros([4, 5]));
    }

    #[test]
    #[should_panic(expected = "matmul: batch sizes 2 and 3 differ")]
    fn batch_mismatch_panics() {
        let _ = Tensor::<f32>::zeros([2, 2, 2]).matmul(&Tensor::zeros([3, 2, 2]));
    }
}
