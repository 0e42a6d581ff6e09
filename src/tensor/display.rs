//! `Debug` and `Display` for tensors: the shape always, the values when few.

use std::fmt;

use super::Tensor;
use crate::scalar::Scalar;

/// Tensors with at most this many elements print their values.
pub(crate) const MAX_SHOWN: usize = 100;

/// Writes `data` (row-major in `shape`) as nested brackets. `multiline`
/// puts each outermost row on its own line, indented under the first.
fn write_nested<T: Scalar>(
    f: &mut fmt::Formatter<'_>,
    data: &[T],
    shape: &[usize],
    indent: usize,
    multiline: bool,
    debug: bool,
) -> fmt::Result {
    let Some((&len, rest)) = shape.split_first() else {
        return if debug {
            write!(f, "{:?}", data[0])
        } else if let Some(p) = f.precision() {
            write!(f, "{:.*}", p, data[0])
        } else {
            write!(f, "{}", data[0])
        };
    };
    let stride: usize = rest.iter().product();
    f.write_str("[")?;
    for i in 0..len {
        if i > 0 {
            if multiline && !rest.is_empty() {
                write!(f, ",\n{:width$}", "", width = indent + 1)?;
            } else {
                f.write_str(", ")?;
            }
        }
        let chunk = &data[i * stride..(i + 1) * stride];
        write_nested(f, chunk, rest, indent + 1, multiline, debug)?;
    }
    f.write_str("]")
}

impl<T: Scalar> fmt::Debug for Tensor<T> {
    /// `Tensor<f32>[2, 2] [[1.0, 2.0], [3.0, 4.0]]`; values omitted past
    /// 100 elements.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dtype = if T::DTYPE == "F32" { "f32" } else { "f64" };
        write!(f, "Tensor<{dtype}>{:?}", self.shape())?;
        if self.numel() <= MAX_SHOWN {
            f.write_str(" ")?;
            write_nested(f, self.data(), self.shape(), 0, false, true)?;
        } else {
            write!(f, " ({} elements)", self.numel())?;
        }
        Ok(())
    }
}

impl<T: Scalar> fmt::Display for Tensor<T> {
    /// One row per line for matrices and up, then the shape:
    ///
    /// ```text
    /// [[1, 2],
    ///  [3, 4]] shape [2, 2]
    /// ```
    ///
    /// A precision (`{:.3}`) applies to every value. Past 100 elements only
    /// the shape and the first and last values are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.numel() <= MAX_SHOWN {
            write_nested(f, self.data(), self.shape(), 0, true, false)?;
            write!(f, " shape {:?}", self.shape())
        } else {
            let d = self.data();
            write!(
                f,
                "[{}, {}, ..., {}] shape {:?} ({} elements)",
                d[0],
                d[1],
                d[d.len() - 1],
                self.shape(),
                self.numel()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn debug_shows_shape_and_values() {
        let t = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2]).unwrap();
        assert_eq!(
            format!("{t:?}"),
            "Tensor<f32>[2, 2] [[1.0, 2.0], [3.0, 4.0]]"
        );
        assert_eq!(
            format!("{:?}", Tensor::<f64>::scalar(0.5)),
            "Tensor<f64>[] 0.5"
        );
    }

    #[test]
    fn display_puts_rows_on_lines() {
        let t = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2]).unwrap();
        assert_eq!(format!("{t:.1}"), "[[1.0, 2.0],\n [3.0, 4.0]] shape [2, 2]");
    }

    #[test]
    fn large_tensors_elide_values() {
        let t = Tensor::<f32>::zeros([20, 20]);
        assert_eq!(format!("{t:?}"), "Tensor<f32>[20, 20] (400 elements)");
        assert!(format!("{t}").contains("shape [20, 20] (400 elements)"));
    }
}
