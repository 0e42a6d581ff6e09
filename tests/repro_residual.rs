//! E10 (examples/residual.rs): the quick variant passes its frozen
//! criteria, and the exact init identities hold.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/residual.rs"]
mod residual;

use gradflow::nn::Layer;
use gradflow::{Rng, SeedableRng, Tape, Tensor};
use residual::{Config, Variant, WIDTH, residual_stack};

#[test]
fn quick_variant_passes_every_table() {
    let outcome = residual::run(&Config::quick());
    common::assert_passed(&outcome.tables);
}

/// SkipInit (α = 0) and Fixup (W₂ = 0) stacks are the identity at init,
/// bit for bit, forward and backward.
#[test]
fn skip_init_and_fixup_are_the_identity_at_init() {
    for variant in [Variant::SkipInit, Variant::Fixup] {
        let mut rng = Rng::seed_from_u64(5);
        let mut stack = residual_stack(variant, 30, WIDTH, &mut rng);
        let x0 = Tensor::<f64>::normal([3, WIDTH], 0.0, 1.0, &mut rng);
        let tape = Tape::<f64>::new();
        let x = tape.leaf(x0.clone());
        let mut h = x;
        for block in &mut stack {
            h = block.forward(h);
        }
        assert_eq!(h.value().to_vec(), x0.to_vec(), "{variant:?} forward");
        let grads = tape.backward(h.sum_all());
        assert!(
            grads.wrt(x).expect("leaf").data().iter().all(|&g| g == 1.0),
            "{variant:?} input gradient"
        );
    }
}

/// One block multiplies E‖x‖² by exactly 1 + α² (§0 item 6): checked over
/// 1500 independent blocks to 4 standard errors, for α = 1 and α = 0.3.
#[test]
fn one_block_multiplies_the_squared_norm_by_one_plus_alpha_squared() {
    for alpha in [1.0, 0.3] {
        let mut ratios = Vec::new();
        for s in 0..1500u64 {
            let mut rng = Rng::seed_from_u64(10_000 + s);
            let mut stack = residual_stack(Variant::Alpha(alpha), 1, WIDTH, &mut rng);
            let x0 = Tensor::<f64>::normal([1, WIDTH], 0.0, 1.0, &mut rng);
            let tape = Tape::<f64>::new();
            let y = stack[0].forward(tape.constant(x0.clone())).value();
            let sq = |t: &Tensor<f64>| t.data().iter().map(|v| v * v).sum::<f64>();
            ratios.push(sq(&y) / sq(&x0));
        }
        let n = ratios.len() as f64;
        let mean = ratios.iter().sum::<f64>() / n;
        let var = ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let se = (var / n).sqrt();
        let want = 1.0 + alpha * alpha;
        assert!(
            (mean - want).abs() <= 4.0 * se,
            "α = {alpha}: mean {mean} ± {se}, want {want}"
        );
    }
}
