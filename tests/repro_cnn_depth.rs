//! Deep CNNs (examples/cnn_depth.rs): the quick variant passes its frozen
//! criteria, and the nets have the stated number of conv layers.

#[path = "../examples/repro/cnn_depth.rs"]
#[allow(dead_code)]
mod cnn_depth;
#[path = "../examples/repro/common/mod.rs"]
mod common;

use cnn_depth::{Config, VARIANTS, build};
use gradflow::nn::Module;
use gradflow::{Rng, SeedableRng};

#[test]
fn quick_variant_passes_every_table() {
    let outcome = cnn_depth::run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

/// Every variant of depth D has D conv weights `[16, _, 3, 3]` plus the head.
#[test]
fn every_variant_has_the_stated_number_of_conv_layers() {
    for v in VARIANTS {
        let mut rng = Rng::seed_from_u64(1);
        let net = build(v, 7, &mut rng);
        let mut convs = 0;
        net.visit_params(&mut |_, p| {
            if p.shape().len() == 4 {
                convs += 1;
            }
        });
        assert_eq!(convs, 7, "{v:?}");
    }
}
