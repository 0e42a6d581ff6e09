//! Optimizer state from arbitrary bytes: decoded as safetensors, then
//! loaded into SGD (Nesterov), Adam (AMSGrad, L2), AdamW and RMSprop
//! (centered, momentum) for a small model. Loading returns `Ok` or `Err`,
//! never panics; after a successful load a training step must not panic
//! either.
#![no_main]

use gradflow::io::from_bytes;
use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, Relu, Sequential};
use gradflow::optim::{
    Adam, AdamConfig, Momentum, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig, WeightDecay,
};
use gradflow::{Rng, SeedableRng, Tape, Tensor};
use libfuzzer_sys::fuzz_target;

fn model() -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(5);
    Sequential::<f32>::new()
        .push(Dense::new(3, 4, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(4))
        .push(Relu)
        .push(Dense::new(4, 2, Init::xavier_uniform(), &mut rng))
}

fn optimizers() -> Vec<Box<dyn Optimizer<f32>>> {
    vec![
        Box::new(
            Sgd::new(SgdConfig {
                lr: 0.1,
                momentum: Momentum::Nesterov(0.9),
                ..SgdConfig::default()
            })
            .unwrap(),
        ),
        Box::new(
            Adam::new(AdamConfig {
                amsgrad: true,
                weight_decay: WeightDecay::L2(0.01),
                ..AdamConfig::default()
            })
            .unwrap(),
        ),
        Box::new(
            Adam::new(AdamConfig {
                weight_decay: WeightDecay::Decoupled(0.01),
                ..AdamConfig::default()
            })
            .unwrap(),
        ),
        Box::new(
            RmsProp::new(RmsPropConfig {
                momentum: 0.9,
                centered: true,
                ..RmsPropConfig::default()
            })
            .unwrap(),
        ),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(state) = from_bytes(data) else { return };
    for mut opt in optimizers() {
        let mut m = model();
        if opt.load_state_dict(&m, &state).is_ok() {
            let mut rng = Rng::seed_from_u64(1);
            let x = Tensor::<f32>::normal([5, 3], 0.0, 1.0, &mut rng);
            let grads = {
                let tape = Tape::new();
                let loss = m.forward(tape.constant(x)).square().mean_all();
                tape.backward(loss)
            };
            opt.step(&mut m, &grads);
            // What loaded saves again and loads again.
            let saved = opt.state_dict(&m);
            opt.load_state_dict(&m, &saved).unwrap();
        }
    }
});
