//! E6 (Saxe et al. 2014): the quick variant passes its frozen criteria, and
//! the exact facts hold: orthogonal products are isometries and Eqs. 11–12
//! agree.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/orthogonal_linear.rs"]
mod orthogonal_linear;

use common::linalg::singular_values;
use gradflow::nn::Init;
use gradflow::{Rng, SeedableRng, Tensor, Transpose};
use orthogonal_linear::{Config, fuss_catalan_edge, product, saxe_t_half, saxe_u};

#[test]
fn quick_variant_passes_every_criterion() {
    let outcome = orthogonal_linear::run(&Config::quick());
    common::assert_passed(&outcome.tables);
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
        let sv = singular_values(p.data(), 64, 64);
        let dev = sv.iter().fold(0.0f64, |m, s| m.max((s - 1.0).abs()));
        assert!(dev < 1e-12, "L={factors}: max |s − 1| = {dev:e}");
    }
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
