//! E7's quick variant (every table must pass) and the mean-field
//! theory's exact checks.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/edge_of_chaos.rs"]
mod edge_of_chaos;

use edge_of_chaos::{Config, SIGMA_B2, run, theory};

#[test]
fn quick_run_passes_every_table() {
    let outcome = run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

#[test]
fn fixed_point_solves_the_length_map_and_chi1_is_one_at_criticality() {
    for sw2 in [1.0, 1.76, 4.0] {
        let q = theory::q_star(sw2, SIGMA_B2);
        assert!((theory::length_map(q, sw2, SIGMA_B2) - q).abs() < 1e-12);
    }
    let c = theory::critical_sw2(SIGMA_B2);
    assert!((theory::chi1(c, SIGMA_B2) - 1.0).abs() < 1e-9);
    // Without bias and in the ordered phase, q* = 0 and χ₁ = σ_w².
    assert!(theory::q_star(0.8, 0.0) < 1e-9);
    assert!((theory::chi1(0.8, 0.0) - 0.8).abs() < 1e-8);
}

#[test]
fn chaotic_phase_correlation_fixed_point_matches_papers_md() {
    // papers.md §1.8: c* = 0.45, 0.30, 0.17 and ξ_c = 11.8, 9.1, 7.0 for
    // σ_w² = 2.5, 3, 4 (2-D quadrature there too).
    for (sw2, c_md, xi_md) in [(2.5, 0.45, 11.8), (3.0, 0.30, 9.1), (4.0, 0.17, 7.0)] {
        let c = theory::c_star(sw2, SIGMA_B2);
        let xi = theory::xi_c(sw2, SIGMA_B2);
        assert!((c - c_md).abs() < 0.01, "σ_w² = {sw2}: c* = {c}");
        assert!((xi / xi_md - 1.0).abs() < 0.02, "σ_w² = {sw2}: ξ_c = {xi}");
    }
    // σ_w² = 2: papers.md says c* = 0.73, ξ_c = 23.2; this quadrature and
    // an independent pure-Python Simpson rule (160 × 160 intervals) both
    // give c* = 0.7441, ξ_c = 25.2. Near criticality c* is sensitive: the
    // map's slope at c* is 0.96, so an error of 1e-3 in the map moves c* by
    // 0.025. Check the fixed-point property itself.
    let q = theory::q_star(2.0, SIGMA_B2);
    let c = theory::c_star(2.0, SIGMA_B2);
    assert!((theory::correlation_map(c, q, 2.0, SIGMA_B2) - c).abs() < 1e-9);
    assert!((c - 0.7441).abs() < 1e-3, "c* = {c}");
    // Ordered phase: ξ_c = −1/log χ₁ (3.6 at σ_w² = 1, 15.8 at 1.5).
    assert!((theory::xi_c(1.0, SIGMA_B2) - 3.6).abs() < 0.05);
    assert!((theory::xi_c(1.5, SIGMA_B2) - 15.8).abs() < 0.2);
}
