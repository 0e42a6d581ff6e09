//! The fused dense layer, `y = x·Wᵀ + b` (PyTorch's `F.linear`), as one
//! node: the bias is added in place into the product's buffer, and backward
//! computes `dx = dy·W`, `dW = dyᵀ·x` (each product split over the cores
//! with the `threading` feature) and `db = Σ_rows dy`, without the separate
//! add node, its output buffer and its broadcast reduction.
//! The arithmetic is the same as `x.matmul_t(No, w, Yes) + b`, bit for bit.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::matmul::{MatRef, product};
use crate::tensor::{Tensor, Transpose};

use super::Op;

pub(crate) struct LinearOp {
    pub(crate) x: usize,
    pub(crate) w: usize,
    pub(crate) b: Option<usize>,
}

impl LinearOp {
    pub(crate) fn inputs(&self) -> impl Iterator<Item = usize> + '_ {
        [self.x, self.w].into_iter().chain(self.b)
    }

    /// `dx = dy·W`, `dW = dyᵀ·x` (x viewed as `[rows, in]`), `db = Σ_rows dy`.
    pub(crate) fn backward<T: Scalar>(&self, g: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        let (x, w) = (ctx.value(self.x), ctx.value(self.w));
        let (outputs, inputs) = (w.shape()[0], w.shape()[1]);
        let rows = g.numel() / outputs.max(1);
        let gd = g.data();
        let (need_x, need_w) = (ctx.needs(self.x), ctx.needs(self.w));
        // The two products run one after the other, each split over the
        // cores inside `gemm`. Running them side by side instead (one per
        // core) measured 30% slower on the 2-core machine: `dW` (`k` =
        // batch) is the slower product, so one core waited, and the
        // worker's own output buffer came from its own malloc arena, with
        // fresh pages to fault in on every step.
        let dx = need_x.then(|| {
            let g = MatRef::new(gd, rows, outputs, Transpose::No);
            product(
                x.shape_ref().clone(),
                g,
                MatRef::new(w.data(), outputs, inputs, Transpose::No),
            )
        });
        let dw = need_w.then(|| {
            let gt = MatRef::new(gd, rows, outputs, Transpose::Yes);
            product(
                w.shape_ref().clone(),
                gt,
                MatRef::new(x.data(), rows, inputs, Transpose::No),
            )
        });
        // The same row-sum kernel the broadcast add's backward uses.
        let db = self
            .b
            .filter(|&b| ctx.needs(b))
            .map(|b| (b, g.sum_to(ctx.value(b).shape_ref().clone())));
        if let Some(dx) = dx {
            ctx.send(self.x, dx);
        }
        if let Some(dw) = dw {
            ctx.send(self.w, dw);
        }
        if let Some((b, db)) = db {
            ctx.send(b, db);
        }
    }
}

impl<'t, T: Scalar> Var<'t, T> {
    /// The dense layer's map `y = x·Wᵀ + b` as one node (PyTorch's
    /// `F.linear`): `x` is `[..., in]`, `weight` `[out, in]`, `bias` `[out]`;
    /// `y` is `[..., out]`. Gradients: `dx = dy·W`, `dW = dyᵀ·x` over every
    /// leading position, `db = Σ dy` over them. The same numbers as
    /// `x.matmul_t(No, weight, Yes) + bias`, with one node instead of two
    /// and no transposed copies.
    ///
    /// ```
    /// use gradflow::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.leaf(Tensor::from_vec(vec![1.0, 2.0], [1, 2])?);
    /// let w = tape.leaf(Tensor::from_vec(vec![3.0, 4.0, 5.0, 6.0], [2, 2])?);
    /// let b = tape.leaf(Tensor::from_vec(vec![0.5, -0.5], [2])?);
    /// let y = x.linear(w, Some(b));
    /// assert_eq!(y.value().data(), [11.5, 16.5]);
    /// # Ok::<(), gradflow::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `weight` is not 2-D, `x`'s last dimension differs from `weight`'s
    /// second, or `bias` is not `[out]`.
    #[track_caller]
    pub fn linear(self, weight: Var<'t, T>, bias: Option<Var<'t, T>>) -> Var<'t, T> {
        self.same_tape("linear", weight);
        let (xs, ws) = (self.shape(), weight.shape());
        let (outputs, inputs) = match *ws.dims() {
            [o, i] => (o, i),
            _ => panic!("linear: the weight must be 2-D [out, in], got shape {ws:?}"),
        };
        assert!(
            xs.dims().last() == Some(&inputs),
            "linear: input of shape {xs:?} does not match weight of shape {ws:?}: \
             the input's last dimension must be {inputs}"
        );
        if let Some(b) = bias {
            self.same_tape("linear", b);
            let bs = b.shape();
            assert!(
                bs.dims() == [outputs],
                "linear: bias of shape {bs:?} does not match weight of shape {ws:?}: it must be [{outputs}]"
            );
        }
        // The input's shape with `outputs` last (inline up to rank 4: no
        // allocation on the hot path of every dense layer).
        let mut out_shape = xs;
        if let Some(last) = out_shape.dims_mut().last_mut() {
            *last = outputs;
        }
        let value = {
            let (x, w) = (self.value_ref(), weight.value_ref());
            let b = bias.map(|b| b.value_ref());
            let rows = x.numel() / inputs.max(1);
            let xm = MatRef::new(x.data(), rows, inputs, Transpose::No);
            let wt = MatRef::new(w.data(), outputs, inputs, Transpose::Yes);
            let mut y = product(out_shape, xm, wt);
            if let Some(b) = &b {
                // The new buffer is unique: no copy.
                for row in y.data_mut().chunks_exact_mut(outputs.max(1)) {
                    for (y, &bj) in row.iter_mut().zip(b.data()) {
                        *y += bj;
                    }
                }
            }
            y
        };
        let op = LinearOp {
            x: self.index(),
            w: weight.index(),
            b: bias.map(|b| b.index()),
        };
        self.tape().record(value, Op::Linear(op))
    }
}

#[cfg(test)]
mod tests {
    use crate::check::check_gradients;
    use crate::{Rng, SeedableRng, Tape, Tensor, Transpose};

    fn data(shape: &[usize], seed: u64) -> Tensor<f64> {
        Tensor::normal(shape, 0.0, 1.0, &mut Rng::seed_from_u64(seed))
    }

    #[test]
    fn linear_grad_matches_finite_differences_with_and_without_bias() {
        for xs in [vec![3, 4], vec![2, 3, 4], vec![4]] {
            check_gradients(
                |v| v[0].linear(v[1], Some(v[2])).tanh(),
                &[data(&xs, 1), data(&[5, 4], 2), data(&[5], 3)],
            )
            .unwrap();
            check_gradients(
                |v| v[0].linear(v[1], None).tanh(),
                &[data(&xs, 4), data(&[5, 4], 5)],
            )
            .unwrap();
        }
    }

    /// Output and every gradient of `linear` (fused) or of `matmul + add`.
    fn run(fused: bool, x: &Tensor<f64>, w: &Tensor<f64>, b: &Tensor<f64>) -> Vec<Vec<f64>> {
        let tape = Tape::new();
        let (xv, wv, bv) = (
            tape.leaf(x.clone()),
            tape.leaf(w.clone()),
            tape.leaf(b.clone()),
        );
        let y = if fused {
            xv.linear(wv, Some(bv))
        } else {
            xv.matmul_t(Transpose::No, wv, Transpose::Yes) + bv
        };
        let seed = data(y.shape().dims(), 9);
        let mut out = vec![y.value().data().to_vec()];
        let g = tape.backward((y * tape.constant(seed)).sum_all());
        for v in [xv, wv, bv] {
            out.push(g.wrt(v).unwrap().data().to_vec());
        }
        out
    }

    #[test]
    fn linear_gives_the_bits_of_matmul_plus_bias() {
        // Large enough for matrixmultiply (and the two-core split with
        // `threading`), and a small one for the plain-loop path.
        for (rows, inputs, outputs) in [(7, 40, 30), (96, 80, 72), (2, 3, 4)] {
            let (x, w, b) = (
                data(&[rows, inputs], 6),
                data(&[outputs, inputs], 7),
                data(&[outputs], 8),
            );
            assert_eq!(run(true, &x, &w, &b), run(false, &x, &w, &b));
        }
    }

    #[test]
    #[should_panic(
        expected = "linear: input of shape [3, 5] does not match weight of shape [2, 4]"
    )]
    fn linear_with_a_wrong_input_width_names_both_shapes() {
        let tape = Tape::<f64>::new();
        let _ = tape
            .leaf(data(&[3, 5], 1))
            .linear(tape.leaf(data(&[2, 4], 2)), None);
    }
}
