//! E6 (Saxe et al. 2014): the quick variant passes its frozen criteria, and
//! the exact facts hold: orthogonal products are isometries, the SVD used
//! for the spectra is right, and Eqs. 11–12 agree.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/orthogonal_linear.rs"]
mod orthogonal_linear;

use gradflow::nn::Init;
use gradflow::{Rng, SeedableRng, Tensor, Transpose};
use orthogonal_linear::{Config, fuss_catalan_edge, product, saxe_t_half, saxe_u, singular_values};

#[test]
fn quick_variant_passes_every_criterion() {
    let outcome = orthogonal_linear::run(&Config::quick());
    for t in &outcome.tables {
        assert!(t.passed(), "criteria failed:\n{t}");
    }
}

#[test]
fn products_of_orthogonal_matrices_have_every_singular_value_one() {
    let mut rng = Rng::seed_from_u64(3);
    for factors in [1, 7, 30] {
        let p = product(Init::Orthogonal { gain: 1.0 }, 64, factors, &mut rng);
        let gram = p.matmul_t(Transpose::Yes, &p, Transpose::No);
        let eye = Tensor::<f64>::eye(64);
        let off = gram
            .data()
            .iter()
            .zip(eye.data())
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(off < 1e-12, "L={factors}: max |PᵀP − I| = {off:e}");
        let sv = singular_values(&p);
        let dev = sv.iter().fold(0.0f64, |m, s| m.max((s - 1.0).abs()));
        assert!(dev < 1e-12, "L={factors}: max |s − 1| = {dev:e}");
    }
}

#[test]
fn jacobi_svd_recovers_known_singular_values() {
    let mut rng = Rng::seed_from_u64(5);
    let n = 24;
    let q1 = Init::Orthogonal { gain: 1.0 }.tensor::<f64, _>(&[n, n], &mut rng);
    let q2 = Init::Orthogonal { gain: 1.0 }.tensor::<f64, _>(&[n, n], &mut rng);
    // Spread over 6 orders of magnitude.
    let d: Vec<f64> = (0..n).map(|i| 10f64.powf(-(i as f64) / 4.0)).collect();
    let dm = Tensor::from_vec(d.clone(), [1, n]).unwrap();
    let a = (&q1 * &dm).matmul(&q2);
    let sv = singular_values(&a);
    for (s, want) in sv.iter().zip(&d) {
        assert!((s / want - 1.0).abs() < 1e-8, "{s} vs {want}");
    }
    assert!((sv[0] - 1.0).abs() < 1e-13);
}

#[test]
fn saxe_equations_11_and_12_agree() {
    for (s, u0, tau) in [(3.0, 1e-4, 1000.0), (0.5, 1e-3, 250.0), (2.0, 1e-6, 1.0)] {
        assert!((saxe_u(s, u0, tau, 0.0) - u0).abs() < 1e-15);
        let th = saxe_t_half(s, u0, tau);
        assert!((saxe_u(s, u0, tau, th) / (s / 2.0) - 1.0).abs() < 1e-12);
        assert!((saxe_u(s, u0, tau, 5.0 * th) / s - 1.0).abs() < 1e-6);
    }
    // Fuss–Catalan edges quoted in papers.md §0 item 4.
    for (l, edge) in [(2, 6.75), (5, 14.9), (10, 28.5), (20, 55.7)] {
        assert!((fuss_catalan_edge(l) / edge - 1.0).abs() < 0.005, "L={l}");
    }
}
