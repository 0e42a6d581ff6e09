//! E8's quick variant (every table must pass) and the exact BN → ReLU
//! prediction of papers.md §0 item 5.

#[allow(dead_code)]
#[path = "../examples/repro/batch_norm.rs"]
mod batch_norm;
#[path = "../examples/repro/common/mod.rs"]
mod common;

use batch_norm::{BN_RELU_RATE, Config, init_gradients, percentile, run};

#[test]
fn quick_run_passes_every_table() {
    let outcome = run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

/// The log-mean per-layer ratio over interior layers and 5 networks, for
/// the given configuration.
fn log_mean_ratio(bn: bool, depth: usize, width: usize, batch: usize) -> f64 {
    let mut logs = Vec::new();
    for seed in 0..5 {
        let (sq, _) = init_gradients(depth, width, batch, bn, 100 + seed);
        for l in 4..=depth - 2 {
            logs.push((sq[l - 2] / sq[l - 1]).ln());
        }
    }
    (logs.iter().sum::<f64>() / logs.len() as f64).exp()
}

#[test]
fn bn_relu_squared_gradient_grows_by_pi_over_pi_minus_one_per_layer() {
    // Yang et al. 2019 (large batch): ×π/(π−1) = 1.467 per layer. Geometric
    // mean over 15 interior layers × 5 nets at width 128, batch 128;
    // tolerance ±5% (the statistical spread of this estimate is ≈ 1%).
    let rate = log_mean_ratio(true, 20, 128, 128);
    assert!(
        (rate / BN_RELU_RATE - 1.0).abs() < 0.05,
        "measured {rate}, predicted {BN_RELU_RATE}"
    );
    // Without BN, He init preserves the squared norm: rate 1.
    let plain = log_mean_ratio(false, 20, 128, 128);
    assert!((plain - 1.0).abs() < 0.05, "measured {plain}");
}

#[test]
fn percentile_interpolates_like_numpy() {
    let v = [1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(percentile(&v, 50.0), 3.0);
    assert!((percentile(&v, 15.0) - 1.6).abs() < 1e-12);
    assert!((percentile(&v, 85.0) - 4.4).abs() < 1e-12);
}
