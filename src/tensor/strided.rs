//! Row-by-row walks over strided (possibly broadcast) operands.

use super::Shape;

/// Walks the rows (last dimension) of a row-major `shape`, yielding for each
/// row the starting offset into each of `N` operands read through the given
/// strides (broadcast strides may be 0). The kernels then run a tight loop
/// over the row, whose stride per operand is `strides[k][rank - 1]`.
pub(crate) struct StridedRows<'a, const N: usize> {
    shape: &'a [usize],
    strides: [&'a [usize]; N],
    counter: Shape,
    offsets: [usize; N],
    remaining: usize,
}

impl<'a, const N: usize> StridedRows<'a, N> {
    /// Rows of `shape` (rank ≥ 1, every dimension nonzero unless empty).
    #[inline]
    pub(crate) fn new(shape: &'a [usize], strides: [&'a [usize]; N]) -> Self {
        let rank = shape.len();
        let rows = if rank == 0 {
            1
        } else {
            shape[..rank - 1].iter().product()
        };
        let numel: usize = shape.iter().product();
        StridedRows {
            shape,
            strides,
            counter: Shape::zeros(rank.saturating_sub(1)),
            offsets: [0; N],
            remaining: if numel == 0 { 0 } else { rows },
        }
    }
}

impl<const N: usize> Iterator for StridedRows<'_, N> {
    type Item = [usize; N];

    #[inline]
    fn next(&mut self) -> Option<[usize; N]> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let current = self.offsets;
        // Odometer increment over the outer dimensions, innermost first.
        let counter = self.counter.dims_mut();
        for d in (0..counter.len()).rev() {
            counter[d] += 1;
            for k in 0..N {
                self.offsets[k] += self.strides[k][d];
            }
            if counter[d] < self.shape[d] {
                break;
            }
            for k in 0..N {
                self.offsets[k] -= self.strides[k][d] * self.shape[d];
            }
            counter[d] = 0;
        }
        Some(current)
    }
}
