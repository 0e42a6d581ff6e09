//! Integer indexing: each rule scatters the gradient back to the positions
//! it was read from (`index_add`, `scatter_add`), accumulating repeats.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::{Indices, Tensor};

use super::Op;

pub(crate) struct IndexOp {
    pub(crate) x: usize,
    pub(crate) axis: usize,
    /// Boxed: it is the largest payload of any op, and `Op` is as large
    /// as its largest variant.
    pub(crate) indices: Box<Indices>,
    pub(crate) gather: bool,
}

impl IndexOp {
    pub(crate) fn name(&self) -> &'static str {
        if self.gather {
            "gather"
        } else {
            "index_select"
        }
    }

    pub(crate) fn backward<T: Scalar>(&self, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let shape = ctx.value(self.x).shape_ref().clone();
        let dx = if self.gather {
            g.scatter_add(self.axis, &self.indices, shape)
        } else {
            g.index_add(self.axis, &self.indices, shape)
        };
        ctx.send(self.x, dx);
    }
}

impl<'t, T: Scalar> Var<'t, T> {
    /// Picks slices along `axis`, as [`Tensor::index_select`]; the gradient
    /// is added back at the picked positions (`index_add`).
    #[track_caller]
    pub fn index_select(self, axis: usize, indices: &Indices) -> Var<'t, T> {
        let value = self.value_ref().index_select(axis, indices);
        let op = IndexOp {
            x: self.index(),
            axis,
            indices: Box::new(indices.clone()),
            gather: false,
        };
        self.tape().record(value, Op::Index(op))
    }

    /// Gathers along `axis`, as [`Tensor::gather`]; the gradient is added
    /// back at the gathered positions (`scatter_add`).
    #[track_caller]
    pub fn gather(self, axis: usize, index: &Indices) -> Var<'t, T> {
        let value = self.value_ref().gather(axis, index);
        let op = IndexOp {
            x: self.index(),
            axis,
            indices: Box::new(index.clone()),
            gather: true,
        };
        self.tape().record(value, Op::Index(op))
    }
}
