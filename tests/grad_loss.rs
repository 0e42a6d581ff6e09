#![cfg(feature = "testing")]
//! The fused losses (`src/tape/ops/loss.rs`): gradients against central
//! finite differences in `f64`, and forwards against naive `f64`
//! references written here from the textbook formulas (unshifted softmax,
//! `-(y ln σ + (1-y) ln(1-σ))`), over random batch sizes N in 1..=5,
//! class counts C in 2..=5, targets and label smoothing in [0, 0.3].

use gradflow::testing::{assert_gradients, tensor};
use gradflow::{Indices, Tensor};
use proptest::prelude::*;

/// `[N, C]` scores with elements in `[low, high]` and `N` random targets.
fn scores_and_targets(low: f64, high: f64) -> impl Strategy<Value = (Tensor<f64>, Indices)> {
    (1usize..=5, 2usize..=5).prop_flat_map(move |(n, c)| {
        (
            tensor(vec![n, c], low, high),
            prop::collection::vec(0..c, n).prop_map(Indices::from),
        )
    })
}

/// Two `[N, C]` tensors, elements in `[low_a, high_a]` and `[low_b, high_b]`.
fn pair(
    (low_a, high_a): (f64, f64),
    (low_b, high_b): (f64, f64),
) -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    (1usize..=5, 2usize..=5).prop_flat_map(move |(n, c)| {
        (
            tensor(vec![n, c], low_a, high_a),
            tensor(vec![n, c], low_b, high_b),
        )
    })
}

/// Rows of an `[N, C]` tensor.
fn rows(x: &Tensor<f64>) -> Vec<&[f64]> {
    x.data().chunks(x.shape()[1]).collect()
}

/// `mean_i [(1-ε)·(-ln p_{i,tᵢ}) + ε/C · Σ_c (-ln p_{i,c})]` with the
/// unshifted `p = e^x / Σ e^x` (fine for the moderate logits used here).
fn naive_cross_entropy(x: &Tensor<f64>, targets: &Indices, eps: f64) -> f64 {
    let c = x.shape()[1] as f64;
    let per_row: Vec<f64> = rows(x)
        .iter()
        .zip(targets.data())
        .map(|(row, &t)| {
            let z: f64 = row.iter().map(|v| v.exp()).sum();
            let nll = |j: usize| -(row[j].exp() / z).ln();
            (1.0 - eps) * nll(t) + eps / c * (0..row.len()).map(nll).sum::<f64>()
        })
        .collect();
    per_row.iter().sum::<f64>() / per_row.len() as f64
}

/// `(softmax(x) - q)/N`, `q = (1-ε)·onehot + ε/C`, unshifted.
fn naive_cross_entropy_grad(x: &Tensor<f64>, targets: &Indices, eps: f64) -> Vec<f64> {
    let (n, c) = (x.shape()[0] as f64, x.shape()[1]);
    let mut out = Vec::new();
    for (row, &t) in rows(x).iter().zip(targets.data()) {
        let z: f64 = row.iter().map(|v| v.exp()).sum();
        for (j, v) in row.iter().enumerate() {
            let q = eps / c as f64 + if j == t { 1.0 - eps } else { 0.0 };
            out.push((v.exp() / z - q) / n);
        }
    }
    out
}

fn naive_nll(lp: &Tensor<f64>, targets: &Indices) -> f64 {
    let picked: Vec<f64> = rows(lp)
        .iter()
        .zip(targets.data())
        .map(|(row, &t)| row[t])
        .collect();
    -picked.iter().sum::<f64>() / picked.len() as f64
}

/// The textbook `-(y ln σ(x) + (1-y) ln(1-σ(x)))`, averaged.
fn naive_bce(x: &Tensor<f64>, y: &Tensor<f64>) -> f64 {
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let total: f64 = x
        .data()
        .iter()
        .zip(y.data())
        .map(|(&x, &y)| -(y * sig(x).ln() + (1.0 - y) * (1.0 - sig(x)).ln()))
        .sum();
    total / x.numel() as f64
}

fn naive_mse(a: &Tensor<f64>, b: &Tensor<f64>) -> f64 {
    let total: f64 = a
        .data()
        .iter()
        .zip(b.data())
        .map(|(&a, &b)| (a - b).powi(2))
        .sum();
    total / a.numel() as f64
}

/// `|got - want| <= tol·(1 + |want|)`, as a proptest failure.
fn close(got: f64, want: f64, tol: f64, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        (got - want).abs() <= tol * (1.0 + want.abs()),
        "{what}: got {got}, want {want} (tol {tol})"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn cross_entropy_grad_matches_finite_differences(
        (x, targets) in scores_and_targets(-3.0, 3.0),
        eps in 0.0..=0.3f64,
    ) {
        assert_gradients(|v| v[0].cross_entropy_smoothed(&targets, eps), &[x])?;
    }

    #[test]
    fn cross_entropy_forward_matches_naive_reference(
        (x, targets) in scores_and_targets(-3.0, 3.0),
        eps in 0.0..=0.3f64,
    ) {
        let want = naive_cross_entropy(&x, &targets, eps);
        close(x.cross_entropy(&targets, eps), want, 1e-13, "f64")?;
        close(x.cast::<f32>().cross_entropy(&targets, eps as f32) as f64, want, 1e-5, "f32")?;
    }

    /// Logits `s + x` with `|s| ≈ 1e4`: f32 holds them to about 1e-3, so the
    /// reference is taken on the rounded f32 logits minus `s` (exact in f64),
    /// which softmax's shift invariance makes the same loss.
    #[test]
    fn cross_entropy_near_1e4_matches_the_shifted_reference_in_f32(
        (x, targets) in scores_and_targets(-3.0, 3.0),
        eps in 0.0..=0.3f64,
        shift in prop_oneof![Just(1e4f64), Just(-1e4f64), 9990.0..=10010.0f64],
    ) {
        let big = x.map(|v| v + shift).cast::<f32>();
        let rounded = big.cast::<f64>().map(|v| v - shift);
        let tape = gradflow::Tape::<f32>::new();
        let logits = tape.leaf(big);
        let loss = logits.cross_entropy_smoothed(&targets, eps as f32);
        let value = loss.item() as f64;
        let grads = tape.backward(loss);
        let grad = grads.wrt(logits).unwrap();
        prop_assert!(value.is_finite() && grad.all_finite());
        close(value, naive_cross_entropy(&rounded, &targets, eps), 1e-5, "loss")?;
        for (g, w) in grad.data().iter().zip(naive_cross_entropy_grad(&rounded, &targets, eps)) {
            close(*g as f64, w, 1e-6, "grad")?;
        }
    }

    #[test]
    fn nll_grad_matches_finite_differences((lp, targets) in scores_and_targets(-5.0, 0.0)) {
        assert_gradients(|v| v[0].nll(&targets), &[lp])?;
    }

    #[test]
    fn nll_forward_matches_naive_reference((x, targets) in scores_and_targets(-3.0, 3.0)) {
        let lp = x.log_softmax(1);
        let want = naive_nll(&lp, &targets);
        close(lp.nll(&targets), want, 1e-15, "f64")?;
        close(lp.cast::<f32>().nll(&targets) as f64, want, 1e-6, "f32")?;
        // nll of log_softmax is cross-entropy.
        close(want, naive_cross_entropy(&x, &targets, 0.0), 1e-13, "vs cross_entropy")?;
    }

    #[test]
    fn bce_with_logits_grad_matches_finite_differences((x, y) in pair((-4.0, 4.0), (0.0, 1.0))) {
        assert_gradients(|v| v[0].bce_with_logits(v[1]), &[x, y])?;
    }

    #[test]
    fn bce_with_logits_forward_matches_naive_reference((x, y) in pair((-4.0, 4.0), (0.0, 1.0))) {
        let want = naive_bce(&x, &y);
        close(x.binary_cross_entropy_with_logits(&y), want, 1e-13, "f64")?;
        let (x32, y32) = (x.cast::<f32>(), y.cast::<f32>());
        close(x32.binary_cross_entropy_with_logits(&y32) as f64, want, 1e-5, "f32")?;
    }

    #[test]
    fn mse_grad_matches_finite_differences((a, b) in pair((-3.0, 3.0), (-3.0, 3.0))) {
        assert_gradients(|v| v[0].mse(v[1]), &[a, b])?;
    }

    #[test]
    fn mse_forward_matches_naive_reference((a, b) in pair((-3.0, 3.0), (-3.0, 3.0))) {
        let want = naive_mse(&a, &b);
        close(a.mse(&b), want, 1e-14, "f64")?;
        close(a.cast::<f32>().mse(&b.cast::<f32>()) as f64, want, 1e-5, "f32")?;
    }
}
