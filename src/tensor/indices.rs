//! Integer tensors: class targets, gather indices, argmax results.

use std::fmt;

use super::Shape;
use crate::error::{Error, Result};

/// An n-d array of `usize`, contiguous and row-major: class targets for a
/// loss, indices for [`Tensor::gather`](crate::Tensor::gather) and
/// [`Tensor::index_select`](crate::Tensor::index_select), results of
/// [`Tensor::argmax`](crate::Tensor::argmax).
///
/// ```
/// use gradflow::Indices;
/// let targets = Indices::from(&[3usize, 0, 7][..]);
/// assert_eq!(targets.shape(), [3]);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Indices {
    data: Vec<usize>,
    shape: Shape,
}

impl Indices {
    /// A 1-D index tensor copying `data`.
    #[inline]
    pub fn new(data: &[usize]) -> Indices {
        Indices {
            data: data.to_vec(),
            shape: Shape::new(&[data.len()]),
        }
    }

    /// Indices owning `data`, laid out row-major in `shape`.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] if the length does not match the shape.
    pub fn from_vec(data: Vec<usize>, shape: impl Into<Shape>) -> Result<Indices> {
        let shape = shape.into();
        let expected = shape.checked_numel().ok_or_else(|| Error::InvalidShape {
            context: "Indices::from_vec",
            shape: shape.to_vec(),
            reason: "element count overflows usize".to_string(),
        })?;
        if data.len() != expected {
            return Err(Error::LengthMismatch {
                context: "Indices::from_vec",
                shape: shape.to_vec(),
                expected,
                actual: data.len(),
            });
        }
        Ok(Indices { data, shape })
    }

    #[inline]
    pub(crate) fn from_parts(data: Vec<usize>, shape: Shape) -> Indices {
        debug_assert_eq!(data.len(), shape.numel());
        Indices { data, shape }
    }

    /// The dimensions.
    #[inline]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of dimensions.
    #[inline]
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }

    /// Number of elements.
    #[inline]
    pub fn numel(&self) -> usize {
        self.data.len()
    }

    /// The indices in row-major order.
    #[inline]
    pub fn data(&self) -> &[usize] {
        &self.data
    }

    /// The indices as a `Vec`.
    pub fn to_vec(&self) -> Vec<usize> {
        self.data.clone()
    }

    /// The largest index, or `None` when empty.
    pub fn max(&self) -> Option<usize> {
        self.data.iter().copied().max()
    }
}

impl From<&[usize]> for Indices {
    #[inline]
    fn from(data: &[usize]) -> Indices {
        Indices::new(data)
    }
}

impl From<Vec<usize>> for Indices {
    #[inline]
    fn from(data: Vec<usize>) -> Indices {
        let shape = Shape::new(&[data.len()]);
        Indices { data, shape }
    }
}

impl fmt::Debug for Indices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Indices{:?}", self.shape())?;
        if self.numel() <= super::display::MAX_SHOWN {
            write!(f, " {:?}", self.data)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_checks_length() {
        assert!(Indices::from_vec(vec![1, 2, 3], [2, 2]).is_err());
        let i = Indices::from_vec(vec![1, 2, 3, 4], [2, 2]).unwrap();
        assert_eq!(i.shape(), [2, 2]);
        assert_eq!(i.max(), Some(4));
    }
}
