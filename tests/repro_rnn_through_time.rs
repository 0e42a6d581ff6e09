//! The seed's recurrent case (examples/rnn_through_time.rs): the quick variant passes its frozen
//! criteria — the init-time gradient claim at T = 50 (headline: the tanh
//! RNN's `‖∂L/∂h_0‖/‖∂L/∂h_49‖` is below the LSTM's by at least
//! `HEADLINE_FACTOR`), the exploding RNN tamed by clipping, and a short
//! training run of the recall task at T = 5.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/rnn_through_time.rs"]
mod rnn_through_time;

use rnn_through_time::{Config, HEADLINE_FACTOR, T_INIT};

#[test]
fn quick_variant_passes_every_table() {
    let outcome = rnn_through_time::run(&Config::quick());
    common::assert_passed(&outcome.tables);
    // The monitor saw one site per step, t0..t49, all nonzero and finite.
    for r in outcome.init.iter().flatten() {
        assert_eq!(r.norms.len(), T_INIT);
        assert!(r.norms.iter().all(|&n| n > 0.0 && n.is_finite()));
    }
    // The per-step bound of the tanh RNN holds for every net, not only the
    // worst one the table shows.
    for r in &outcome.init[0] {
        assert!(r.max_step() <= r.sigma.expect("RNN") * (1.0 + 1e-9));
    }
    assert_eq!(HEADLINE_FACTOR, 1e5, "the frozen headline factor");
}
