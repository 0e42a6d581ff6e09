//! The GAN experiment's quick variant (every table must pass) and the saturation of
//! `log(1 − σ(s))` in its stable form, checked against the closed form.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/gan_generator.rs"]
mod gan_generator;

use gan_generator::{Config, coverage, run};
use gradflow::{Tape, Tensor};

#[test]
fn quick_run_passes_every_table() {
    let outcome = run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

#[test]
fn stable_generator_losses_have_the_closed_form_gradients() {
    // d/ds[−softplus(s)] = −σ(s) (vanishes as s → −∞);
    // d/ds[softplus(−s)] = −σ(−s) (tends to −1).
    for s0 in [-30.0f64, -10.0, -1.0, 0.0, 2.0] {
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let tape = Tape::new();
        let s = tape.leaf(Tensor::<f64>::from_vec(vec![s0], [1]).unwrap());
        let g = tape.backward(s.softplus().neg().sum_all());
        let got = g.wrt(s).unwrap().data()[0];
        assert!(
            (got + sig(s0)).abs() <= 1e-12 * sig(s0).max(1e-300) + 1e-300,
            "{s0}: {got}"
        );
        let tape = Tape::new();
        let s = tape.leaf(Tensor::<f64>::from_vec(vec![s0], [1]).unwrap());
        let g = tape.backward(s.neg().softplus().sum_all());
        let got = g.wrt(s).unwrap().data()[0];
        assert!((got + sig(-s0)).abs() <= 1e-12, "{s0}: {got}");
    }
}

#[test]
fn coverage_counts_modes_within_three_sigma() {
    let pts = [(2.0, 0.0), (2.1, 0.0), (0.0, 2.0), (0.0, 0.0)];
    let (modes, frac) = coverage(&pts);
    assert_eq!(modes, 2);
    assert!((frac - 0.75).abs() < 1e-12);
}
