//! E4 + E5 (He et al. 2015; Hanin 2018): the quick variant passes its frozen
//! criteria, and the exact identities of papers.md §0 items 1–2 hold.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/relu_depth.rs"]
mod relu_depth;

use gradflow::nn::Init;
use gradflow::{Rng, SeedableRng, Tensor, Transpose};
use relu_depth::{Config, Scheme, digamma_half, forward_prediction, log_r_moments, trigamma_half};

#[test]
fn quick_variant_passes_every_criterion() {
    let outcome = relu_depth::run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

/// Mean over `nets` random ReLU nets (zero bias, one Gaussian input each)
/// of ‖h_L‖²/‖h_0‖², with its standard error.
fn mc_ratio(init: Init, n: usize, depth: usize, nets: usize, seed: u64) -> (f64, f64) {
    let mut rng = Rng::seed_from_u64(seed);
    let mut xs = Vec::with_capacity(nets);
    for _ in 0..nets {
        let x = Tensor::<f64>::normal([1, n], 0.0, 1.0, &mut rng);
        let mut h = x.clone();
        for _ in 0..depth {
            let w = init.tensor::<f64, _>(&[n, n], &mut rng);
            h = h.matmul_t(Transpose::No, &w, Transpose::Yes).relu();
        }
        let sq = |t: &Tensor<f64>| t.data().iter().map(|v| v * v).sum::<f64>();
        xs.push(sq(&h) / sq(&x));
    }
    let m = xs.iter().sum::<f64>() / nets as f64;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (nets as f64 - 1.0);
    (m, (v / nets as f64).sqrt())
}

#[test]
fn relu_norm_is_preserved_in_expectation_for_any_symmetric_law() {
    // §0 item 1: E‖h_L‖² = ‖h_0‖²·Π(n·Var/2), exact at finite width.
    let (n, depth, nets) = (32, 6, 2000);
    let cases = [
        (Init::he_normal(), 1.0),
        (Init::he_uniform(), 1.0),
        // n·Var/2 = 0.8 per layer: 0.8^6 = 0.262.
        (
            Init::Normal {
                mean: 0.0,
                std: (1.6 / n as f64).sqrt(),
            },
            0.8f64.powi(depth as i32),
        ),
        // Xavier at equal widths: n·Var/2 = 1/2 per layer.
        (Init::XavierNormal { gain: 1.0 }, 0.5f64.powi(depth as i32)),
    ];
    for (i, (init, predicted)) in cases.into_iter().enumerate() {
        let (m, se) = mc_ratio(init, n, depth, nets, 40 + i as u64);
        assert!(
            (m - predicted).abs() < 4.0 * se,
            "{init:?}: mean ratio {m} ± {se}, predicted {predicted}"
        );
    }
    // The same product as the experiment's closed form.
    assert_eq!(forward_prediction(Scheme::He, &[64, 128, 128]), 1.0);
    let x = forward_prediction(Scheme::Xavier, &[128; 31]);
    assert!((x / 0.5f64.powi(30) - 1.0).abs() < 1e-12);
}

#[test]
fn digamma_and_trigamma_at_half_integers_match_lgamma_differences() {
    for k in 1..60 {
        let x = k as f64 / 2.0;
        let h = 1e-4;
        let lg = libm::lgamma;
        let psi = (lg(x + h) - lg(x - h)) / (2.0 * h);
        let psi1 = (lg(x + h) - 2.0 * lg(x) + lg(x - h)) / (h * h);
        assert!((digamma_half(k) - psi).abs() < 1e-6, "ψ({x})");
        assert!(
            (trigamma_half(k) - psi1).abs() < 1e-4 * psi1.max(1.0),
            "ψ'({x})"
        );
    }
}

#[test]
fn log_moments_match_the_papers_table_and_the_large_n_limit() {
    // papers.md §0 item 2, computed independently there.
    for (n, mean, var) in [
        (16, -0.1764, 0.4196),
        (20, -0.1372, 0.3118),
        (32, -0.0825, 0.1775),
        (64, -0.0401, 0.0830),
        (100, -0.0254, 0.0519),
    ] {
        let (m, v) = log_r_moments(n);
        assert!(
            (m - mean).abs() < 1e-4 && (v - var).abs() < 1e-4,
            "n={n}: {m} {v}"
        );
    }
    let (m, v) = log_r_moments(1000);
    assert!((m * 1000.0 / -2.5 - 1.0).abs() < 0.01 && (v * 1000.0 / 5.0 - 1.0).abs() < 0.01);
}

#[test]
fn one_layer_log_ratio_matches_the_prediction_within_three_standard_errors() {
    // §0 item 2 for a single layer of width 16, many draws.
    let n = 16;
    let mut rng = Rng::seed_from_u64(9);
    let x = Tensor::<f64>::normal([1, n], 0.0, 1.0, &mut rng);
    let h0: f64 = x.data().iter().map(|v| v * v).sum();
    let mut logs = Vec::new();
    for _ in 0..10_000 {
        let w = Init::he_normal().tensor::<f64, _>(&[n, n], &mut rng);
        let h = x.matmul_t(Transpose::No, &w, Transpose::Yes).relu();
        let r: f64 = h.data().iter().map(|v| v * v).sum::<f64>() / h0;
        if r > 0.0 {
            logs.push(r.ln());
        }
    }
    let ((m, m_se), (v, v_se)) = relu_depth::moments(&logs);
    let (pm, pv) = log_r_moments(n);
    assert!((m - pm).abs() < 3.0 * m_se, "mean {m} ± {m_se} vs {pm}");
    assert!((v - pv).abs() < 3.0 * v_se, "var {v} ± {v_se} vs {pv}");
}
