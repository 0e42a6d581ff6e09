//! Tensor shapes: dimensions stored inline up to rank 4, NumPy broadcasting.

use std::fmt;
use std::ops::Deref;

/// The largest rank stored without a heap allocation.
pub const INLINE_RANK: usize = 4;

/// The dimensions of a tensor, outermost first (row-major).
///
/// Ranks up to [`INLINE_RANK`] live inline, so cloning a shape — which every
/// recorded op does — never allocates; larger ranks fall back to the heap.
/// `Shape` dereferences to `&[usize]`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Shape(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    // Invariant: dims[rank..] are zero, so derived equality is structural.
    Inline {
        rank: u8,
        dims: [usize; INLINE_RANK],
    },
    Heap(Box<[usize]>),
}

impl Shape {
    /// A shape with the given dimensions.
    #[inline]
    pub fn new(dims: &[usize]) -> Shape {
        if dims.len() <= INLINE_RANK {
            let mut inline = [0; INLINE_RANK];
            inline[..dims.len()].copy_from_slice(dims);
            Shape(Repr::Inline {
                rank: dims.len() as u8,
                dims: inline,
            })
        } else {
            Shape(Repr::Heap(dims.into()))
        }
    }

    /// A shape of the given rank with every dimension 0 (a scratch value
    /// to fill in; no heap allocation up to rank 4).
    #[inline]
    pub(crate) fn zeros(rank: usize) -> Shape {
        if rank <= INLINE_RANK {
            Shape(Repr::Inline {
                rank: rank as u8,
                dims: [0; INLINE_RANK],
            })
        } else {
            Shape(Repr::Heap(vec![0; rank].into()))
        }
    }

    /// The shape of a scalar (rank 0, one element).
    #[inline]
    pub fn scalar() -> Shape {
        Shape::new(&[])
    }

    /// The dimensions as a slice.
    #[inline]
    pub fn dims(&self) -> &[usize] {
        match &self.0 {
            Repr::Inline { rank, dims } => &dims[..*rank as usize],
            Repr::Heap(dims) => dims,
        }
    }

    /// Number of dimensions.
    #[inline]
    pub fn rank(&self) -> usize {
        self.dims().len()
    }

    /// Number of elements: the product of the dimensions (1 for a scalar).
    ///
    /// # Panics
    /// If the product overflows `usize`; [`Shape::checked_numel`] does not.
    #[inline]
    pub fn numel(&self) -> usize {
        self.checked_numel()
            .unwrap_or_else(|| panic!("shape {:?}: element count overflows usize", self.dims()))
    }

    /// Number of elements, or `None` if the product overflows `usize`.
    #[inline]
    pub fn checked_numel(&self) -> Option<usize> {
        self.dims()
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
    }

    /// Row-major strides of a contiguous tensor of this shape, in elements.
    #[inline]
    pub fn strides(&self) -> Shape {
        let dims = self.dims();
        let mut strides = Shape::new(dims);
        let s = strides.dims_mut();
        let mut acc = 1;
        for i in (0..dims.len()).rev() {
            s[i] = acc;
            acc *= dims[i];
        }
        strides
    }

    /// The shape both operands of a NumPy-style broadcast take, or `None`
    /// when some pair of trailing-aligned dimensions differs and neither is 1.
    pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Shape> {
        let rank = a.len().max(b.len());
        let mut out = Shape::zeros(rank);
        let o = out.dims_mut();
        for i in 0..rank {
            let da = if i < rank - a.len() {
                1
            } else {
                a[i - (rank - a.len())]
            };
            let db = if i < rank - b.len() {
                1
            } else {
                b[i - (rank - b.len())]
            };
            o[i] = match (da, db) {
                _ if da == db => da,
                (1, d) | (d, 1) => d,
                _ => return None,
            };
        }
        Some(out)
    }

    #[inline]
    pub(crate) fn dims_mut(&mut self) -> &mut [usize] {
        match &mut self.0 {
            Repr::Inline { rank, dims } => &mut dims[..*rank as usize],
            Repr::Heap(dims) => dims,
        }
    }
}

/// Whether two dimension lists are equal. Shapes are short, so an inline
/// loop beats the `memcmp` call a slice comparison compiles to (measurable
/// on tiny networks, where every op compares shapes).
#[inline]
pub(crate) fn same_dims(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Strides that read a tensor of shape `from` as if it had the (broadcast)
/// shape `to`: stride 0 along every dimension that is broadcast.
///
/// `from` must be broadcastable to `to`.
pub(crate) fn broadcast_strides(from: &[usize], to: &[usize]) -> Shape {
    let own = Shape::new(from).strides();
    let offset = to.len() - from.len();
    let mut out = Shape::zeros(to.len());
    let o = out.dims_mut();
    for (i, (&d, &s)) in from.iter().zip(own.iter()).enumerate() {
        o[offset + i] = if d == 1 && to[offset + i] != 1 { 0 } else { s };
    }
    out
}

impl Deref for Shape {
    type Target = [usize];
    #[inline]
    fn deref(&self) -> &[usize] {
        self.dims()
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.dims(), f)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.dims(), f)
    }
}

impl From<&[usize]> for Shape {
    #[inline]
    fn from(dims: &[usize]) -> Shape {
        Shape::new(dims)
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    #[inline]
    fn from(dims: [usize; N]) -> Shape {
        Shape::new(&dims)
    }
}

impl<const N: usize> From<&[usize; N]> for Shape {
    #[inline]
    fn from(dims: &[usize; N]) -> Shape {
        Shape::new(dims)
    }
}

impl From<Vec<usize>> for Shape {
    #[inline]
    fn from(dims: Vec<usize>) -> Shape {
        Shape::new(&dims)
    }
}

impl From<&Vec<usize>> for Shape {
    #[inline]
    fn from(dims: &Vec<usize>) -> Shape {
        Shape::new(dims)
    }
}

impl From<&Shape> for Shape {
    #[inline]
    fn from(shape: &Shape) -> Shape {
        shape.clone()
    }
}

impl PartialEq<[usize]> for Shape {
    #[inline]
    fn eq(&self, other: &[usize]) -> bool {
        self.dims() == other
    }
}

impl<const N: usize> PartialEq<[usize; N]> for Shape {
    #[inline]
    fn eq(&self, other: &[usize; N]) -> bool {
        self.dims() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_shapes_behave_alike() {
        let small = Shape::new(&[2, 3, 4]);
        assert_eq!(small.dims(), &[2, 3, 4]);
        assert_eq!(small.numel(), 24);
        let big = Shape::new(&[1, 2, 1, 2, 1, 2, 1, 2]);
        assert_eq!(big.rank(), 8);
        assert_eq!(big.numel(), 16);
        assert_eq!(Shape::scalar().numel(), 1);
    }

    #[test]
    fn strides_are_row_major() {
        assert_eq!(Shape::new(&[2, 3, 4]).strides().dims(), &[12, 4, 1]);
        assert_eq!(Shape::new(&[5]).strides().dims(), &[1]);
    }

    #[test]
    fn broadcast_follows_numpy_rules() {
        assert_eq!(Shape::broadcast(&[4, 1, 3], &[5, 1]).unwrap(), [4, 5, 3]);
        assert_eq!(Shape::broadcast(&[], &[2, 2]).unwrap(), [2, 2]);
        assert_eq!(Shape::broadcast(&[0, 1], &[1, 3]).unwrap(), [0, 3]);
        assert!(Shape::broadcast(&[2, 3], &[3, 2]).is_none());
    }

    #[test]
    fn broadcast_strides_zero_the_stretched_dims() {
        assert_eq!(broadcast_strides(&[3, 1], &[2, 3, 4]).dims(), &[0, 1, 0]);
    }

    #[test]
    fn overflowing_shape_has_no_numel() {
        assert!(Shape::new(&[usize::MAX, 2]).checked_numel().is_none());
    }
}
