//! Property tests for `Tensor::matmul` and `Tensor::matmul_t`: every
//! transpose combination, 2-D and batched 3-D operands (with batch-1
//! broadcasting and mixed 3-D × 2-D ranks), on both sides of the small-product
//! threshold (`m·k·n <= 4096` takes the plain loop, larger products
//! matrixmultiply), in `f32` and `f64`.
//!
//! Expected values come from a naive triple loop written here, accumulating
//! in `f64`, that reads operands through their logical (transposed) indices
//! and follows `torch.matmul`'s batching rules.

use gradflow::{Rng, Scalar, SeedableRng, Tensor, Transpose};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Operands of one product: stored shapes, transposes and stored values.
#[derive(Clone, Debug)]
struct Case {
    a_shape: Vec<usize>,
    ta: Transpose,
    a: Vec<f64>,
    b_shape: Vec<usize>,
    tb: Transpose,
    b: Vec<f64>,
}

/// How the batch dimensions of a product are laid out.
#[derive(Clone, Copy, Debug)]
enum Batching {
    /// `[m, k] · [k, n]`.
    Plain,
    /// `[b, m, k] · [b, k, n]`.
    Equal(usize),
    /// `[1, m, k] · [b, k, n]`.
    LeftOne(usize),
    /// `[b, m, k] · [1, k, n]`.
    RightOne(usize),
    /// `[m, k] · [b, k, n]`.
    Left2d(usize),
    /// `[b, m, k] · [k, n]`.
    Right2d(usize),
}

/// The stored shape of an operand whose logical (post-transpose) matrix is
/// `rows × cols`, with an optional leading batch dimension.
fn stored_shape(batch: Option<usize>, rows: usize, cols: usize, t: Transpose) -> Vec<usize> {
    let matrix = match t {
        Transpose::No => [rows, cols],
        Transpose::Yes => [cols, rows],
    };
    batch.into_iter().chain(matrix).collect()
}

fn shapes(
    batching: Batching,
    (m, k, n): (usize, usize, usize),
    ta: Transpose,
    tb: Transpose,
) -> (Vec<usize>, Vec<usize>) {
    let (ba, bb) = match batching {
        Batching::Plain => (None, None),
        Batching::Equal(b) => (Some(b), Some(b)),
        Batching::LeftOne(b) => (Some(1), Some(b)),
        Batching::RightOne(b) => (Some(b), Some(1)),
        Batching::Left2d(b) => (None, Some(b)),
        Batching::Right2d(b) => (Some(b), None),
    };
    (stored_shape(ba, m, k, ta), stored_shape(bb, k, n, tb))
}

fn transpose() -> impl Strategy<Value = Transpose> {
    prop_oneof![Just(Transpose::No), Just(Transpose::Yes)]
}

fn batching(max_batch: usize) -> impl Strategy<Value = Batching> {
    prop_oneof![
        (0..=max_batch).prop_map(Batching::Equal),
        (0..=max_batch).prop_map(Batching::LeftOne),
        (0..=max_batch).prop_map(Batching::RightOne),
        (0..=max_batch).prop_map(Batching::Left2d),
        (0..=max_batch).prop_map(Batching::Right2d),
    ]
}

/// Random values in `[-10, 10]` for operands of the given shapes.
fn case_for(
    batching: impl Strategy<Value = Batching>,
    dims: impl Strategy<Value = (usize, usize, usize)>,
) -> impl Strategy<Value = Case> {
    (batching, dims, transpose(), transpose()).prop_flat_map(|(batching, mkn, ta, tb)| {
        let (a_shape, b_shape) = shapes(batching, mkn, ta, tb);
        let len_a: usize = a_shape.iter().product();
        let len_b: usize = b_shape.iter().product();
        (
            prop::collection::vec(-10.0f64..=10.0, len_a),
            prop::collection::vec(-10.0f64..=10.0, len_b),
        )
            .prop_map(move |(a, b)| Case {
                a_shape: a_shape.clone(),
                ta,
                a,
                b_shape: b_shape.clone(),
                tb,
                b,
            })
    })
}

fn dims(max: usize) -> impl Strategy<Value = (usize, usize, usize)> {
    (0..=max, 0..=max, 0..=max)
}

/// Element `(i, j)` of the logical matrix of a stored row-major matrix with
/// `stored_cols` columns starting at `base`.
fn logical(data: &[f64], base: usize, stored_cols: usize, t: Transpose, i: usize, j: usize) -> f64 {
    match t {
        Transpose::No => data[base + i * stored_cols + j],
        Transpose::Yes => data[base + j * stored_cols + i],
    }
}

/// `torch.matmul(op(a), op(b))` for 2-D/3-D operands, by the definition:
/// returns the output shape and values (accumulated in `f64`).
fn naive_matmul(
    a: &[f64],
    a_shape: &[usize],
    ta: Transpose,
    b: &[f64],
    b_shape: &[usize],
    tb: Transpose,
) -> (Vec<usize>, Vec<f64>) {
    let split = |shape: &[usize]| match *shape {
        [r, c] => (None, r, c),
        [bt, r, c] => (Some(bt), r, c),
        _ => panic!("reference: rank must be 2 or 3"),
    };
    let (batch_a, ra, ca) = split(a_shape);
    let (batch_b, rb, cb) = split(b_shape);
    let (m, k) = if ta == Transpose::No {
        (ra, ca)
    } else {
        (ca, ra)
    };
    let n = if tb == Transpose::No { cb } else { rb };
    let batch = match (batch_a, batch_b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x),
        (Some(x), Some(y)) if x == y => Some(x),
        (Some(1), Some(y)) => Some(y),
        (Some(x), Some(1)) => Some(x),
        _ => panic!("reference: batch sizes differ"),
    };
    let count = batch.unwrap_or(1);
    let mut out = Vec::with_capacity(count * m * n);
    for bi in 0..count {
        // A missing or size-1 batch dimension is repeated.
        let ia = if batch_a.unwrap_or(1) == 1 { 0 } else { bi };
        let ib = if batch_b.unwrap_or(1) == 1 { 0 } else { bi };
        let (base_a, base_b) = (ia * ra * ca, ib * rb * cb);
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0.0f64;
                for p in 0..k {
                    acc += logical(a, base_a, ca, ta, i, p) * logical(b, base_b, cb, tb, p, j);
                }
                out.push(acc);
            }
        }
    }
    let shape = match batch {
        None => vec![m, n],
        Some(bt) => vec![bt, m, n],
    };
    (shape, out)
}

/// The inner dimension `k` of a case.
fn inner_dim(case: &Case) -> usize {
    let r = case.a_shape.len();
    match case.ta {
        Transpose::No => case.a_shape[r - 1],
        Transpose::Yes => case.a_shape[r - 2],
    }
}

fn max_abs(xs: &[f64]) -> f64 {
    xs.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// The per-element tolerance: relative error `rel` per multiply-add, times
/// `k` and the largest possible product, plus a small absolute floor.
fn tolerance<T: Scalar>(k: usize, a: &[f64], b: &[f64]) -> f64 {
    let rel = if std::mem::size_of::<T>() == 4 {
        1e-5
    } else {
        1e-12
    };
    rel * k as f64 * max_abs(a) * max_abs(b) + rel
}

/// Runs `matmul_t` (and `matmul` when neither side is transposed) on the
/// case rounded to `T`, and compares with the naive product of the rounded
/// values.
fn check_case<T: Scalar>(case: &Case) -> Result<(), TestCaseError> {
    let a =
        Tensor::<T>::from_vec(case.a.iter().map(|&x| T::of(x)).collect(), &case.a_shape).unwrap();
    let b =
        Tensor::<T>::from_vec(case.b.iter().map(|&x| T::of(x)).collect(), &case.b_shape).unwrap();
    let a64: Vec<f64> = a.data().iter().map(|x| x.as_f64()).collect();
    let b64: Vec<f64> = b.data().iter().map(|x| x.as_f64()).collect();
    let (shape, expected) =
        naive_matmul(&a64, &case.a_shape, case.ta, &b64, &case.b_shape, case.tb);
    let tol = tolerance::<T>(inner_dim(case), &a64, &b64);

    let got = a.matmul_t(case.ta, &b, case.tb);
    prop_assert_eq!(got.shape(), &shape[..]);
    for (flat, (g, e)) in got.data().iter().zip(&expected).enumerate() {
        let err = (g.as_f64() - e).abs();
        prop_assert!(
            err <= tol,
            "element {} of {:?}: got {}, naive {}, error {:e} > tolerance {:e}",
            flat,
            shape,
            g,
            e,
            err,
            tol
        );
    }
    if case.ta == Transpose::No && case.tb == Transpose::No {
        // `matmul` is `matmul_t(No, _, No)`: the very same values.
        prop_assert!(a.matmul(&b) == got, "matmul differs from matmul_t(No, No)");
    }
    Ok(())
}

/// Fills a `rows × cols` matrix with seeded uniform values in `[-1, 1)`.
fn seeded(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    Tensor::<f64>::uniform([rows, cols], -1.0, 1.0, &mut rng).into_vec()
}

fn check_fixed<T: Scalar>(m: usize, k: usize, n: usize, seed: u64) {
    for ta in [Transpose::No, Transpose::Yes] {
        for tb in [Transpose::No, Transpose::Yes] {
            let (a_shape, b_shape) = shapes(Batching::Plain, (m, k, n), ta, tb);
            let case = Case {
                a: seeded(a_shape[0], a_shape[1], seed),
                a_shape,
                ta,
                b: seeded(b_shape[0], b_shape[1], seed + 1),
                b_shape,
                tb,
            };
            if let Err(e) = check_case::<T>(&case) {
                panic!("{m}x{k}x{n} with {ta:?}, {tb:?}: {e}");
            }
        }
    }
}

macro_rules! matmul_properties {
    ($name:ident, $t:ty) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(48))]

                #[test]
                fn matmul_t_of_matrices_matches_the_naive_product_for_every_transpose(
                    case in case_for(Just(Batching::Plain), dims(40))
                ) {
                    check_case::<$t>(&case)?;
                }

                #[test]
                fn batched_matmul_t_matches_the_naive_product_with_broadcast_batches(
                    case in case_for(batching(4), dims(40))
                ) {
                    check_case::<$t>(&case)?;
                }
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(12))]

                #[test]
                fn matmul_t_of_larger_matrices_matches_the_naive_product(
                    case in case_for(Just(Batching::Plain), (17usize..=70, 17usize..=70, 17usize..=70))
                ) {
                    check_case::<$t>(&case)?;
                }

                #[test]
                fn batched_matmul_t_of_larger_matrices_matches_the_naive_product(
                    case in case_for(batching(3), (17usize..=70, 17usize..=70, 17usize..=70))
                ) {
                    check_case::<$t>(&case)?;
                }
            }

            #[test]
            fn products_on_either_side_of_the_small_product_threshold_match_the_naive_product() {
                // m·k·n = 4095, 4096 (the last plain-loop size), 4097 and 4352.
                for (m, k, n) in [
                    (5, 819, 1),
                    (16, 16, 16),
                    (1, 4096, 1),
                    (4096, 1, 1),
                    (17, 241, 1),
                    (17, 16, 16),
                    (16, 17, 16),
                    (16, 16, 17),
                ] {
                    check_fixed::<$t>(m, k, n, 7);
                }
            }

            #[test]
            fn products_with_an_empty_dimension_have_the_right_shape_and_zeros() {
                for (m, k, n) in [(0, 3, 4), (3, 0, 4), (3, 4, 0), (0, 0, 0), (50, 0, 60)] {
                    check_fixed::<$t>(m, k, n, 11);
                }
            }
        }
    };
}

matmul_properties!(f32_matmul, f32);
matmul_properties!(f64_matmul, f64);

#[test]
fn matmul_of_a_small_and_a_large_shape_agree_with_the_naive_product_to_a_tolerance_that_scales_with_k()
 {
    check_fixed::<f32>(1, 16, 16, 3);
    check_fixed::<f32>(300, 300, 300, 5);
    check_fixed::<f64>(300, 300, 300, 5);
}

#[test]
#[should_panic(expected = "matmul: inner dimensions differ")]
fn matmul_with_different_inner_dimensions_panics() {
    let _ = Tensor::<f32>::zeros([2, 3]).matmul(&Tensor::zeros([4, 5]));
}

#[test]
#[should_panic(expected = "matmul: inner dimensions differ")]
fn matmul_t_with_different_inner_dimensions_after_transposing_panics() {
    // [2, 3]ᵀ is [3, 2]: its 2 columns do not meet the 3 rows of [3, 4].
    let _ = Tensor::<f64>::zeros([2, 3]).matmul_t(
        Transpose::Yes,
        &Tensor::zeros([3, 4]),
        Transpose::No,
    );
}

#[test]
#[should_panic(expected = "matmul: batch sizes 2 and 3 differ")]
fn matmul_with_incompatible_batches_panics() {
    let _ = Tensor::<f32>::zeros([2, 4, 5]).matmul(&Tensor::zeros([3, 5, 6]));
}

#[test]
#[should_panic(expected = "matmul: operands must be 2-D or 3-D")]
fn matmul_of_a_vector_panics() {
    let _ = Tensor::<f32>::zeros([3]).matmul(&Tensor::zeros([3, 2]));
}
