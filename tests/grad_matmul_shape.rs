#![cfg(feature = "testing")]
//! Gradients of the matrix products (`src/tape/ops/matmul.rs`) and of the
//! shape ops (`src/tape/ops/shape.rs`) against central finite differences
//! in `f64`.
//!
//! Matrix products: random `m, k, n` in 1..=4 and batches in 1..=3, in every
//! operand layout `Tensor::matmul` accepts (2-D; batched 3-D; a batch of 1
//! broadcast against a larger batch, on either side; 3-D × 2-D and 2-D ×
//! 3-D), each checked with all four `Transpose` combinations.
//!
//! Shape ops: random shapes of rank 1..=3 with dims 1..=4, and random valid
//! arguments (target shapes, axes, permutations, slices, operand counts).

use gradflow::testing::{assert_gradients, broadcast_pair, shape, tensor};
use gradflow::{Shape, Tensor, Transpose, Var};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// Matrix products
// ---------------------------------------------------------------------------

/// A product `op(A)·op(B)` with `op(A)` of `[batch_a.., m, k]` and `op(B)` of
/// `[batch_b.., k, n]` (`None`: a 2-D operand), and the operands' elements
/// in row-major order (laid out per transpose when the tensors are built).
#[derive(Clone, Debug)]
struct MatMulCase {
    batch_a: Option<usize>,
    batch_b: Option<usize>,
    m: usize,
    k: usize,
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

/// The batch sizes of the two operands in one layout.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// `[m, k] · [k, n]`.
    TwoD,
    /// `[b, m, k] · [b, k, n]`, `b` in 1..=3.
    Batched,
    /// `[1, m, k] · [b, k, n]` or `[b, m, k] · [1, k, n]`, `b` in 2..=3.
    BatchOneBroadcast,
    /// `[b, m, k] · [k, n]`.
    ThreeDTimesTwoD,
    /// `[m, k] · [b, k, n]`.
    TwoDTimesThreeD,
}

fn batches(layout: Layout) -> BoxedStrategy<(Option<usize>, Option<usize>)> {
    match layout {
        Layout::TwoD => Just((None, None)).boxed(),
        Layout::Batched => (1usize..=3).prop_map(|b| (Some(b), Some(b))).boxed(),
        Layout::BatchOneBroadcast => (2usize..=3, any::<bool>())
            .prop_map(|(b, left)| {
                if left {
                    (Some(1), Some(b))
                } else {
                    (Some(b), Some(1))
                }
            })
            .boxed(),
        Layout::ThreeDTimesTwoD => (1usize..=3).prop_map(|b| (Some(b), None)).boxed(),
        Layout::TwoDTimesThreeD => (1usize..=3).prop_map(|b| (None, Some(b))).boxed(),
    }
}

fn matmul_case(layout: Layout) -> impl Strategy<Value = MatMulCase> {
    (batches(layout), 1usize..=4, 1usize..=4, 1usize..=4).prop_flat_map(
        |((batch_a, batch_b), m, k, n)| {
            let len_a = batch_a.unwrap_or(1) * m * k;
            let len_b = batch_b.unwrap_or(1) * k * n;
            (
                prop::collection::vec(-2.0f64..=2.0, len_a),
                prop::collection::vec(-2.0f64..=2.0, len_b),
            )
                .prop_map(move |(a, b)| MatMulCase {
                    batch_a,
                    batch_b,
                    m,
                    k,
                    n,
                    a,
                    b,
                })
        },
    )
}

fn any_layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        Just(Layout::TwoD),
        Just(Layout::Batched),
        Just(Layout::BatchOneBroadcast),
        Just(Layout::ThreeDTimesTwoD),
        Just(Layout::TwoDTimesThreeD),
    ]
}

/// The stored shape of an operand used as `rows × cols` after `t`.
fn stored(batch: Option<usize>, rows: usize, cols: usize, t: Transpose) -> Vec<usize> {
    let (r, c) = match t {
        Transpose::No => (rows, cols),
        Transpose::Yes => (cols, rows),
    };
    batch.map_or(vec![r, c], |b| vec![b, r, c])
}

impl MatMulCase {
    /// The operands, stored so that `matmul_t(ta, .., tb)` multiplies them.
    fn operands(&self, ta: Transpose, tb: Transpose) -> [Tensor<f64>; 2] {
        let a = stored(self.batch_a, self.m, self.k, ta);
        let b = stored(self.batch_b, self.k, self.n, tb);
        [
            Tensor::from_vec(self.a.clone(), a).expect("length matches"),
            Tensor::from_vec(self.b.clone(), b).expect("length matches"),
        ]
    }
}

/// Checks `matmul_t` with all four transpose combinations on one case.
fn check_all_transposes(case: &MatMulCase) -> Result<(), TestCaseError> {
    for ta in [Transpose::No, Transpose::Yes] {
        for tb in [Transpose::No, Transpose::Yes] {
            assert_gradients(move |v| v[0].matmul_t(ta, v[1], tb), &case.operands(ta, tb))
                .map_err(|e| TestCaseError::fail(format!("matmul_t({ta:?}, {tb:?}): {e}")))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Shape ops
// ---------------------------------------------------------------------------

/// A tensor and another shape with as many elements: its dims shuffled,
/// or flattened, optionally with a size-1 axis inserted.
fn reshape_case() -> impl Strategy<Value = (Tensor<f64>, Vec<usize>)> {
    shape(3, 4)
        .prop_flat_map(|s| {
            let rank = s.len();
            (
                tensor(s.clone(), -3.0, 3.0),
                Just(s).prop_shuffle(),
                any::<bool>(),
                prop::option::of(0..=rank),
            )
        })
        .prop_map(|(x, mut target, flatten, one_at)| {
            if flatten {
                target = vec![target.iter().product()];
            }
            if let Some(at) = one_at {
                target.insert(at.min(target.len()), 1);
            }
            (x, target)
        })
}

/// A tensor and an axis in `0..rank` (`0..=rank` when `inclusive`).
fn tensor_and_axis(inclusive: bool) -> impl Strategy<Value = (Tensor<f64>, usize)> {
    shape(3, 4).prop_flat_map(move |s| {
        let rank = s.len();
        let axes = if inclusive { 0..rank + 1 } else { 0..rank };
        (tensor(s, -3.0, 3.0), axes)
    })
}

/// A tensor with a size-1 axis, and that axis.
fn squeeze_case() -> impl Strategy<Value = (Tensor<f64>, usize)> {
    shape(3, 4)
        .prop_flat_map(|s| {
            let rank = s.len();
            (Just(s), 0..rank)
        })
        .prop_flat_map(|(mut s, axis)| {
            s[axis] = 1;
            (tensor(s, -3.0, 3.0), Just(axis))
        })
}

/// A tensor and a random permutation of its axes.
fn permute_case() -> impl Strategy<Value = (Tensor<f64>, Vec<usize>)> {
    shape(3, 4).prop_flat_map(|s| {
        let rank = s.len();
        (
            tensor(s, -3.0, 3.0),
            Just((0..rank).collect::<Vec<_>>()).prop_shuffle(),
        )
    })
}

/// A tensor and two of its axes (possibly the same).
fn transpose_case() -> impl Strategy<Value = (Tensor<f64>, usize, usize)> {
    shape(3, 4).prop_flat_map(|s| {
        let rank = s.len();
        (tensor(s, -3.0, 3.0), 0..rank, 0..rank)
    })
}

/// Two shapes that broadcast together, and their broadcast shape.
fn broadcast_shapes() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    broadcast_pair(3, 4).prop_map(|(a, b)| {
        let full = Shape::broadcast(&a, &b).expect("broadcast_pair broadcasts");
        (a, full.to_vec())
    })
}

/// A tensor, an axis, and a slice `start..start + len` along it (`len ≥ 1`).
fn narrow_case() -> impl Strategy<Value = (Tensor<f64>, usize, usize, usize)> {
    tensor_and_axis(false)
        .prop_flat_map(|(x, axis)| {
            let size = x.shape()[axis];
            (Just(x), Just(axis), 0..size)
        })
        .prop_flat_map(|(x, axis, start)| {
            let size = x.shape()[axis];
            (Just(x), Just(axis), Just(start), 1..=size - start)
        })
}

/// 1..=3 tensors with one shape except along `axis`, and `axis`.
fn concat_case() -> impl Strategy<Value = (Vec<Tensor<f64>>, usize)> {
    shape(3, 4)
        .prop_flat_map(|s| {
            let rank = s.len();
            (Just(s), 0..rank, prop::collection::vec(1usize..=4, 1..=3))
        })
        .prop_flat_map(|(s, axis, lens)| {
            let parts: Vec<_> = lens
                .into_iter()
                .map(|len| {
                    let mut part = s.clone();
                    part[axis] = len;
                    tensor(part, -3.0, 3.0)
                })
                .collect();
            (parts, Just(axis))
        })
}

/// 1..=3 tensors of one shape, and an axis in `0..=rank` to stack them on.
fn stack_case() -> impl Strategy<Value = (Vec<Tensor<f64>>, usize)> {
    (shape(3, 4), 1usize..=3).prop_flat_map(|(s, count)| {
        let rank = s.len();
        (prop::collection::vec(tensor(s, -3.0, 3.0), count), 0..=rank)
    })
}

/// `x` of `[leading.., in]`, `weight` `[out, in]` and `bias` `[out]` for `linear`.
fn linear_case() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>, Tensor<f64>)> {
    (shape(2, 3), 1usize..=4, 1usize..=4).prop_flat_map(|(mut leading, inputs, outputs)| {
        leading.push(inputs);
        (
            tensor(leading, -2.0, 2.0),
            tensor(vec![outputs, inputs], -2.0, 2.0),
            tensor(vec![outputs], -2.0, 2.0),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn linear_grad_matches_finite_differences_with_and_without_bias(
        (x, w, b) in linear_case(),
    ) {
        assert_gradients(|v| v[0].linear(v[1], Some(v[2])), &[x.clone(), w.clone(), b])?;
        assert_gradients(|v| v[0].linear(v[1], None), &[x, w])?;
    }

    #[test]
    fn matmul_grad_matches_finite_differences_in_every_layout(
        case in any_layout().prop_flat_map(matmul_case),
    ) {
        assert_gradients(|v| v[0].matmul(v[1]), &case.operands(Transpose::No, Transpose::No))?;
    }

    #[test]
    fn matmul_t_grad_matches_finite_differences_2d_with_all_transposes(
        case in matmul_case(Layout::TwoD),
    ) {
        check_all_transposes(&case)?;
    }

    #[test]
    fn matmul_t_grad_matches_finite_differences_batched_3d_with_all_transposes(
        case in matmul_case(Layout::Batched),
    ) {
        check_all_transposes(&case)?;
    }

    #[test]
    fn matmul_t_grad_matches_finite_differences_with_batch_1_broadcast_and_all_transposes(
        case in matmul_case(Layout::BatchOneBroadcast),
    ) {
        check_all_transposes(&case)?;
    }

    #[test]
    fn matmul_t_grad_matches_finite_differences_3d_times_2d_with_all_transposes(
        case in matmul_case(Layout::ThreeDTimesTwoD),
    ) {
        check_all_transposes(&case)?;
    }

    #[test]
    fn matmul_t_grad_matches_finite_differences_2d_times_3d_with_all_transposes(
        case in matmul_case(Layout::TwoDTimesThreeD),
    ) {
        check_all_transposes(&case)?;
    }

    #[test]
    fn reshape_grad_matches_finite_differences((x, target) in reshape_case()) {
        assert_gradients(|v| v[0].reshape(target.as_slice()), &[x])?;
    }

    #[test]
    fn unsqueeze_grad_matches_finite_differences((x, axis) in tensor_and_axis(true)) {
        assert_gradients(|v| v[0].unsqueeze(axis), &[x])?;
    }

    #[test]
    fn squeeze_grad_matches_finite_differences((x, axis) in squeeze_case()) {
        assert_gradients(|v| v[0].squeeze(axis), &[x])?;
    }

    #[test]
    fn permute_grad_matches_finite_differences((x, perm) in permute_case()) {
        assert_gradients(|v| v[0].permute(&perm), &[x])?;
    }

    #[test]
    fn transpose_grad_matches_finite_differences((x, a, b) in transpose_case()) {
        assert_gradients(|v| v[0].transpose(a, b), &[x])?;
    }

    #[test]
    fn broadcast_to_grad_matches_finite_differences(
        (x, full) in broadcast_shapes()
            .prop_flat_map(|(small, full)| (tensor(small, -3.0, 3.0), Just(full))),
    ) {
        assert_gradients(|v| v[0].broadcast_to(full.as_slice()), &[x])?;
    }

    #[test]
    fn sum_to_grad_matches_finite_differences(
        (x, small) in broadcast_shapes()
            .prop_flat_map(|(small, full)| (tensor(full, -3.0, 3.0), Just(small))),
    ) {
        assert_gradients(|v| v[0].sum_to(small.as_slice()), &[x])?;
    }

    #[test]
    fn narrow_grad_matches_finite_differences((x, axis, start, len) in narrow_case()) {
        assert_gradients(|v| v[0].narrow(axis, start, len), &[x])?;
    }

    #[test]
    fn concat_grad_matches_finite_differences((parts, axis) in concat_case()) {
        assert_gradients(|v| Var::concat(v, axis), &parts)?;
    }

    #[test]
    fn stack_grad_matches_finite_differences((parts, axis) in stack_case()) {
        assert_gradients(|v| Var::stack(v, axis), &parts)?;
    }

    /// Shape ops between nonlinear ops, with one input used twice: the
    /// moved gradients are non-uniform and meet again (fan-in).
    #[test]
    fn chained_shape_ops_grad_matches_finite_differences((x, perm) in permute_case()) {
        assert_gradients(
            |v| {
                let y = v[0].tanh().permute(&perm).unsqueeze(0);
                let z = Var::concat(&[y, v[0].square().permute(&perm).unsqueeze(0)], 0);
                z.sum_to(&[1usize][..]).reshape(&[1usize][..]).exp() + v[0].sum_all()
            },
            &[x],
        )?;
    }
}
