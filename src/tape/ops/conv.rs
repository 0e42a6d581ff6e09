//! 2-D convolution and pooling over `NCHW` inputs, as PyTorch's `conv2d`
//! (groups = 1), `max_pool2d` and `avg_pool2d` (no padding).
//!
//! Convolution goes through im2col: for each image, the patches are laid out
//! as the columns of a `[C·KH·KW, OH·OW]` matrix `X̃`, and the output is
//! `Y = W·X̃ + b` with the weight viewed as `[O, C·KH·KW]`. Backward, per
//! image: `dW += dY·X̃ᵀ`, `dX̃ = Wᵀ·dY` scattered back onto the input
//! (col2im, adding where patches overlap), and `db = Σ dY` over `N, OH, OW`.
//! The columns are rebuilt in backward rather than kept.
//!
//! Max pooling sends each output gradient to the arg-max of its window (the
//! first maximum on ties, as PyTorch); average pooling spreads it evenly
//! over the window, `1/(KH·KW)` to each element.

use crate::scalar::Scalar;
use crate::tape::Var;
use crate::tape::backward::Ctx;
use crate::tensor::Tensor;
use crate::tensor::matmul::{MatRef, Transpose, gemm};

use super::Op;

/// Sizes of one 2-D sliding-window op: input `[n, c, h, w]`, kernel
/// `kh × kw`, stride, zero padding and dilation; output `oh × ow`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    kh: usize,
    kw: usize,
    stride: (usize, usize),
    padding: (usize, usize),
    dilation: (usize, usize),
    oh: usize,
    ow: usize,
}

impl Window {
    /// The window's geometry, with PyTorch's output size
    /// `⌊(H + 2·p - d·(K - 1) - 1)/s⌋ + 1` per spatial axis.
    #[track_caller]
    fn new(
        op: &str,
        input: &[usize],
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
        dilation: (usize, usize),
    ) -> Window {
        let [n, c, h, w] = *input else {
            panic!("{op}: expects an input [N, C, H, W], got {input:?}");
        };
        assert!(
            kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0,
            "{op}: kernel {kernel:?} and stride {stride:?} must be positive"
        );
        assert!(
            dilation.0 > 0 && dilation.1 > 0,
            "{op}: dilation {dilation:?} must be positive"
        );
        let out = |size: usize, k: usize, s: usize, p: usize, d: usize| {
            let span = d * (k - 1) + 1;
            assert!(
                size + 2 * p >= span,
                "{op}: input of shape {input:?} padded by {padding:?} is smaller than the \
                 kernel {kernel:?} with dilation {dilation:?}"
            );
            (size + 2 * p - span) / s + 1
        };
        Window {
            n,
            c,
            h,
            w,
            kh: kernel.0,
            kw: kernel.1,
            stride,
            padding,
            dilation,
            oh: out(h, kernel.0, stride.0, padding.0, dilation.0),
            ow: out(w, kernel.1, stride.1, padding.1, dilation.1),
        }
    }

    /// Output positions per channel, `OH·OW`.
    fn positions(&self) -> usize {
        self.oh * self.ow
    }

    /// Rows of the im2col matrix, `C·KH·KW`.
    fn patch_len(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Calls `f(row, col, offset)` for every im2col entry of one image that
    /// falls inside the input: `row` indexes `(c, ki, kj)`, `col` the output
    /// position `(oy, ox)`, `offset` the element within the image `[C, H, W]`.
    /// Entries in the zero padding are skipped.
    #[inline(always)]
    fn for_each_tap(&self, mut f: impl FnMut(usize, usize, usize)) {
        let (sh, sw) = self.stride;
        let (ph, pw) = self.padding;
        let (dh, dw) = self.dilation;
        let mut row = 0;
        for ch in 0..self.c {
            for ki in 0..self.kh {
                for kj in 0..self.kw {
                    for oy in 0..self.oh {
                        // Input row `oy·sh + ki·dh - ph`, skipped if in the padding.
                        let Some(iy) = (oy * sh + ki * dh).checked_sub(ph).filter(|&y| y < self.h)
                        else {
                            continue;
                        };
                        for ox in 0..self.ow {
                            let Some(ix) =
                                (ox * sw + kj * dw).checked_sub(pw).filter(|&x| x < self.w)
                            else {
                                continue;
                            };
                            f(row, oy * self.ow + ox, (ch * self.h + iy) * self.w + ix);
                        }
                    }
                    row += 1;
                }
            }
        }
    }

    /// The im2col matrix `[C·KH·KW, OH·OW]` of one image `[C, H, W]`.
    fn im2col<T: Scalar>(&self, image: &[T], cols: &mut [T]) {
        cols.fill(T::zero());
        let l = self.positions();
        self.for_each_tap(|row, col, at| cols[row * l + col] = image[at]);
    }

    /// Adds the im2col-shaped `cols` back onto one image (col2im).
    fn col2im<T: Scalar>(&self, cols: &[T], image: &mut [T]) {
        let l = self.positions();
        self.for_each_tap(|row, col, at| image[at] += cols[row * l + col]);
    }

    /// Calls `f(output index, input index)` for every element of every
    /// pooling window (no padding, no dilation), windows in output order
    /// and elements in row-major order within a window.
    #[inline(always)]
    fn for_each_pool_tap(&self, mut f: impl FnMut(usize, usize)) {
        let (sh, sw) = self.stride;
        let mut o = 0;
        for plane in 0..self.n * self.c {
            let base = plane * self.h * self.w;
            for oy in 0..self.oh {
                for ox in 0..self.ow {
                    for ki in 0..self.kh {
                        for kj in 0..self.kw {
                            f(o, base + (oy * sh + ki) * self.w + ox * sw + kj);
                        }
                    }
                    o += 1;
                }
            }
        }
    }
}

/// What a recorded convolution or pooling node needs for its backward rule.
pub(crate) enum ConvOp {
    /// `conv2d(x, weight, bias)`.
    Conv {
        x: usize,
        weight: usize,
        bias: Option<usize>,
        window: Window,
    },
    /// `max_pool2d`: the flat input index of each output's arg-max.
    MaxPool { x: usize, argmax: Vec<usize> },
    /// `avg_pool2d`.
    AvgPool { x: usize, window: Window },
}

impl ConvOp {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            ConvOp::Conv { .. } => "conv2d",
            ConvOp::MaxPool { .. } => "max_pool2d",
            ConvOp::AvgPool { .. } => "avg_pool2d",
        }
    }

    pub(crate) fn inputs(&self) -> impl Iterator<Item = usize> + '_ {
        let (x, rest) = match self {
            ConvOp::Conv {
                x, weight, bias, ..
            } => (*x, [Some(*weight), *bias]),
            ConvOp::MaxPool { x, .. } | ConvOp::AvgPool { x, .. } => (*x, [None, None]),
        };
        std::iter::once(x).chain(rest.into_iter().flatten())
    }

    pub(crate) fn backward<T: Scalar>(&self, dy: Tensor<T>, ctx: &mut Ctx<'_, T>) {
        match self {
            ConvOp::Conv {
                x,
                weight,
                bias,
                window,
            } => conv_backward(*x, *weight, *bias, window, &dy, ctx),
            // d/dx: each output gradient goes to its window's arg-max.
            ConvOp::MaxPool { x, argmax } => {
                if ctx.needs(*x) {
                    let shape = ctx.value(*x).shape_ref().clone();
                    let dyd = dy.data();
                    let dx = Tensor::build(shape, |out| {
                        out.fill(T::zero());
                        for (&at, &g) in argmax.iter().zip(dyd) {
                            out[at] += g;
                        }
                    });
                    ctx.send(*x, dx);
                }
            }
            // d/dx: `g/(KH·KW)` to every element of the window.
            ConvOp::AvgPool { x, window } => {
                if ctx.needs(*x) {
                    let shape = ctx.value(*x).shape_ref().clone();
                    let scale = T::of((window.kh * window.kw) as f64).recip();
                    let dyd = dy.data();
                    let dx = Tensor::build(shape, |out| {
                        out.fill(T::zero());
                        window.for_each_pool_tap(|o, i| out[i] += dyd[o] * scale);
                    });
                    ctx.send(*x, dx);
                }
            }
        }
    }
}

/// `dW = Σₙ dYₙ·X̃ₙᵀ`, `dXₙ = col2im(Wᵀ·dYₙ)`, `db = Σ dY` over `N, OH, OW`.
fn conv_backward<T: Scalar>(
    x: usize,
    weight: usize,
    bias: Option<usize>,
    win: &Window,
    dy: &Tensor<T>,
    ctx: &mut Ctx<'_, T>,
) {
    let (l, p) = (win.positions(), win.patch_len());
    let o = ctx.value(weight).shape()[0];
    let image_len = win.c * win.h * win.w;
    let dyd = dy.data();
    let db = bias.filter(|&b| ctx.needs(b)).map(|b| {
        let mut db = vec![T::zero(); o];
        for (k, chunk) in dyd.chunks_exact(l).enumerate() {
            db[k % o] += chunk.iter().fold(T::zero(), |s, &v| s + v);
        }
        (b, Tensor::from_parts(db, [o].into()))
    });
    let dw = ctx.needs(weight).then(|| {
        let xd = ctx.value(x).data();
        let mut cols = vec![T::zero(); p * l];
        let mut part = vec![T::zero(); o * p];
        let mut dw = vec![T::zero(); o * p];
        for (image, dyn_) in xd.chunks_exact(image_len).zip(dyd.chunks_exact(o * l)) {
            win.im2col(image, &mut cols);
            gemm(
                MatRef::new(dyn_, o, l, Transpose::No),
                MatRef::new(&cols, p, l, Transpose::Yes),
                &mut part,
            );
            for (a, &b) in dw.iter_mut().zip(&part) {
                *a += b;
            }
        }
        Tensor::from_parts(dw, ctx.value(weight).shape_ref().clone())
    });
    let dx = ctx.needs(x).then(|| {
        let wd = ctx.value(weight).data();
        let mut cols = vec![T::zero(); p * l];
        Tensor::build(ctx.value(x).shape_ref().clone(), |out| {
            out.fill(T::zero());
            for (image, dyn_) in out.chunks_exact_mut(image_len).zip(dyd.chunks_exact(o * l)) {
                gemm(
                    MatRef::new(wd, o, p, Transpose::Yes),
                    MatRef::new(dyn_, o, l, Transpose::No),
                    &mut cols,
                );
                win.col2im(&cols, image);
            }
        })
    });
    if let Some(dx) = dx {
        ctx.send(x, dx);
    }
    if let Some(dw) = dw {
        ctx.send(weight, dw);
    }
    if let Some((b, db)) = db {
        ctx.send(b, db);
    }
}

impl<'t, T: Scalar> Var<'t, T> {
    /// 2-D convolution (cross-correlation, as `torch.nn.functional.conv2d`
    /// with `groups = 1`) of an input `[N, C, H, W]` with a weight
    /// `[O, C, KH, KW]` and an optional bias `[O]`:
    /// `y[n, o, i, j] = b[o] + Σ_{c,ki,kj} w[o, c, ki, kj]·x[n, c, i·sh + ki·dh - ph, j·sw + kj·dw - pw]`,
    /// zero outside the input. The output is `[N, O, OH, OW]` with
    /// `OH = ⌊(H + 2·ph - dh·(KH - 1) - 1)/sh⌋ + 1` (and likewise `OW`).
    ///
    /// Forward by im2col and a matrix product; `dW = Σ dY·X̃ᵀ`,
    /// `dx = col2im(Wᵀ·dY)`, `db = Σ dY` over `N, OH, OW`.
    ///
    /// # Panics
    /// If the input is not 4-D, the weight is not `[O, C, KH, KW]` with the
    /// input's `C`, the bias is not `[O]`, a stride or dilation is 0, or the
    /// padded input is smaller than the dilated kernel.
    #[track_caller]
    pub fn conv2d(
        self,
        weight: Var<'t, T>,
        bias: Option<Var<'t, T>>,
        stride: (usize, usize),
        padding: (usize, usize),
        dilation: (usize, usize),
    ) -> Var<'t, T> {
        self.same_tape("conv2d", weight);
        let (xs, ws) = (self.shape(), weight.shape());
        let [o, wc, kh, kw] = *ws.dims() else {
            panic!("conv2d: expects a weight [O, C, KH, KW], got {ws:?} (input {xs:?})");
        };
        assert!(
            xs.rank() == 4 && xs[1] == wc,
            "conv2d: input of shape {xs:?} does not fit weight {ws:?}; it must be [N, {wc}, H, W]"
        );
        if let Some(b) = bias {
            self.same_tape("conv2d", b);
            let bs = b.shape();
            assert!(
                bs.dims() == [o],
                "conv2d: bias of shape {bs:?} does not fit weight {ws:?}; it must be [{o}]"
            );
        }
        let win = Window::new("conv2d", xs.dims(), (kh, kw), stride, padding, dilation);
        let (l, p) = (win.positions(), win.patch_len());
        let value = {
            let x = self.value_ref();
            let w = weight.value_ref();
            let b = bias.map(|b| b.value());
            let image_len = win.c * win.h * win.w;
            let mut cols = vec![T::zero(); p * l];
            Tensor::build(
                crate::tensor::Shape::new(&[win.n, o, win.oh, win.ow]),
                |out| {
                    for (image, y) in x
                        .data()
                        .chunks_exact(image_len)
                        .zip(out.chunks_exact_mut(o * l))
                    {
                        win.im2col(image, &mut cols);
                        gemm(
                            MatRef::new(w.data(), o, p, Transpose::No),
                            MatRef::new(&cols, p, l, Transpose::No),
                            y,
                        );
                        if let Some(b) = &b {
                            for (row, &bo) in y.chunks_exact_mut(l).zip(b.data()) {
                                row.iter_mut().for_each(|v| *v += bo);
                            }
                        }
                    }
                },
            )
        };
        let op = ConvOp::Conv {
            x: self.index(),
            weight: weight.index(),
            bias: bias.map(|b| b.index()),
            window: win,
        };
        self.tape().record(value, Op::Conv(Box::new(op)))
    }

    /// 2-D max pooling over an input `[N, C, H, W]` (no padding, no
    /// dilation), as `torch.nn.functional.max_pool2d(x, kernel, stride)`:
    /// each output is the maximum of its `KH × KW` window; the output is
    /// `[N, C, ⌊(H - KH)/sh⌋ + 1, ⌊(W - KW)/sw⌋ + 1]`. The gradient goes to
    /// the window's arg-max, the first maximum in row-major order on ties
    /// (as PyTorch).
    ///
    /// # Panics
    /// If the input is not 4-D, a kernel size or stride is 0, or the kernel
    /// is larger than the input.
    #[track_caller]
    pub fn max_pool2d(self, kernel: (usize, usize), stride: (usize, usize)) -> Var<'t, T> {
        let win = Window::new(
            "max_pool2d",
            self.shape().dims(),
            kernel,
            stride,
            (0, 0),
            (1, 1),
        );
        let out_len = win.n * win.c * win.positions();
        let mut argmax = vec![usize::MAX; out_len];
        let value = {
            let x = self.value_ref();
            let xd = x.data();
            Tensor::build(
                crate::tensor::Shape::new(&[win.n, win.c, win.oh, win.ow]),
                |out: &mut [T]| {
                    win.for_each_pool_tap(|o, i| {
                        // Strictly greater keeps the first maximum; the first
                        // NaN wins and stays, as PyTorch.
                        let first = argmax[o] == usize::MAX;
                        let better = !out[o].is_nan() && (xd[i] > out[o] || xd[i].is_nan());
                        if first || better {
                            out[o] = xd[i];
                            argmax[o] = i;
                        }
                    });
                },
            )
        };
        let op = ConvOp::MaxPool {
            x: self.index(),
            argmax,
        };
        self.tape().record(value, Op::Conv(Box::new(op)))
    }

    /// 2-D average pooling over an input `[N, C, H, W]` (no padding), as
    /// `torch.nn.functional.avg_pool2d(x, kernel, stride)`: each output is
    /// the mean of its `KH × KW` window; output size as
    /// [`max_pool2d`](Var::max_pool2d). d/dx = `1/(KH·KW)` for every
    /// element of each window the element is in.
    ///
    /// # Panics
    /// If the input is not 4-D, a kernel size or stride is 0, or the kernel
    /// is larger than the input.
    #[track_caller]
    pub fn avg_pool2d(self, kernel: (usize, usize), stride: (usize, usize)) -> Var<'t, T> {
        let win = Window::new(
            "avg_pool2d",
            self.shape().dims(),
            kernel,
            stride,
            (0, 0),
            (1, 1),
        );
        let scale = T::of((win.kh * win.kw) as f64).recip();
        let value = {
            let x = self.value_ref();
            let xd = x.data();
            Tensor::build(
                crate::tensor::Shape::new(&[win.n, win.c, win.oh, win.ow]),
                |out| {
                    out.fill(T::zero());
                    win.for_each_pool_tap(|o, i| out[o] += xd[i]);
                    out.iter_mut().for_each(|v| *v *= scale);
                },
            )
        };
        let op = ConvOp::AvgPool {
            x: self.index(),
            window: win,
        };
        self.tape().record(value, Op::Conv(Box::new(op)))
    }

    /// Global average pooling: the mean over `H` and `W` of an input
    /// `[N, C, H, W]`, giving `[N, C]` (a `mean` over the last two axes,
    /// as `torch.nn.AdaptiveAvgPool2d(1)` followed by a flatten).
    ///
    /// # Panics
    /// If the input is not 4-D.
    #[track_caller]
    pub fn global_avg_pool2d(self) -> Var<'t, T> {
        let shape = self.shape();
        assert!(
            shape.rank() == 4,
            "global_avg_pool2d: expects an input [N, C, H, W], got {shape:?}"
        );
        self.mean(&[2, 3], false)
    }
}

#[cfg(test)]
mod tests {
    use crate::check::check_gradients;
    use crate::{Tape, Tensor};

    fn data(shape: &[usize], seed: u64) -> Tensor<f64> {
        use crate::{Rng, SeedableRng};
        Tensor::normal(shape, 0.1, 1.0, &mut Rng::seed_from_u64(seed))
    }

    #[test]
    fn conv2d_grad_matches_finite_differences_with_stride_padding_dilation() {
        check_gradients(
            |v| v[0].conv2d(v[1], Some(v[2]), (2, 1), (1, 2), (1, 2)).tanh(),
            &[
                data(&[2, 2, 5, 4], 1),
                data(&[3, 2, 2, 3], 2),
                data(&[3], 3),
            ],
        )
        .unwrap();
    }

    #[test]
    fn conv2d_with_a_1x1_kernel_is_a_matmul_over_channels() {
        let tape = Tape::<f64>::new();
        let x = tape.constant(data(&[1, 2, 1, 3], 4));
        let w = tape.constant(Tensor::from_vec(vec![1.0, 10.0], [1, 2, 1, 1]).unwrap());
        let y = x.conv2d(w, None, (1, 1), (0, 0), (1, 1)).value();
        let xv = x.value();
        for j in 0..3 {
            let expected = xv.data()[j] + 10.0 * xv.data()[3 + j];
            assert!((y.data()[j] - expected).abs() < 1e-12);
        }
    }

    #[test]
    fn max_pool2d_takes_the_first_maximum_on_ties() {
        let tape = Tape::<f64>::new();
        let x = tape.leaf(Tensor::from_vec(vec![1.0, 3.0, 3.0, 0.0], [1, 1, 2, 2]).unwrap());
        let y = x.max_pool2d((2, 2), (2, 2));
        assert_eq!(y.value().data(), [3.0]);
        let grads = tape.backward(y.sum_all());
        assert_eq!(grads.wrt(x).unwrap().data(), [0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "conv2d: input of shape")]
    fn conv2d_with_mismatched_channels_panics() {
        let tape = Tape::<f64>::new();
        let x = tape.constant(Tensor::zeros([1, 3, 4, 4]));
        let w = tape.constant(Tensor::zeros([2, 2, 3, 3]));
        let _ = x.conv2d(w, None, (1, 1), (0, 0), (1, 1));
    }
}
