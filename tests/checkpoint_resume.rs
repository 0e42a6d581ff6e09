//! A training loop checkpointed midway (model, optimizer, step) and
//! resumed in fresh objects continues with bit-identical losses and
//! parameters.

use gradflow::io::{Checkpoint, load_state_dict, state_dict};
use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, Module, Relu, Sequential};
use gradflow::optim::{Adam, AdamConfig, Optimizer};
use gradflow::{Rng, SeedableRng, Tape, Tensor};

fn model(seed: u64) -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    Sequential::new()
        .push(Dense::new(6, 16, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(16))
        .push(Relu)
        .push(Dense::new(16, 16, Init::he_normal(), &mut rng))
        .push(Relu)
        .push(Dense::new(16, 1, Init::xavier_uniform(), &mut rng))
}

fn batch(step: u64) -> (Tensor<f32>, Tensor<f32>) {
    let mut rng = Rng::seed_from_u64(1000 + step);
    let x = Tensor::<f32>::normal([8, 6], 0.0, 1.0, &mut rng);
    let y = x.sum(&[1], true).sin_free();
    (x, y)
}

trait SinFree {
    fn sin_free(&self) -> Self;
}

impl SinFree for Tensor<f32> {
    fn sin_free(&self) -> Self {
        self.tanh().mul_scalar(2.0)
    }
}

fn train_step(model: &mut Sequential<f32>, opt: &mut Adam<f32>, step: u64) -> f32 {
    let (x, y) = batch(step);
    let tape = Tape::new();
    let loss = model.forward(tape.constant(x)).mse(tape.constant(y));
    let value = loss.item();
    let grads = tape.backward(loss);
    opt.step(model, &grads);
    value
}

fn params(model: &Sequential<f32>) -> Vec<u32> {
    let mut bits = Vec::new();
    model.visit_params(&mut |_, p| bits.extend(p.value().data().iter().map(|v| v.to_bits())));
    bits
}

#[test]
fn resuming_from_a_checkpoint_continues_bit_identically() {
    let dir = std::env::temp_dir().join(format!("gradflow-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ckpt.safetensors");

    // Uninterrupted run: 12 steps, checkpoint after step 5.
    let mut m = model(1);
    let mut opt = Adam::new(AdamConfig::default()).unwrap();
    let mut losses = Vec::new();
    for step in 0..12 {
        if step == 6 {
            Checkpoint {
                model: state_dict(&m),
                optimizer: opt.state_dict(&m),
                step,
            }
            .save(&path)
            .unwrap();
        }
        losses.push(train_step(&mut m, &mut opt, step));
    }

    // Resumed run: fresh model (other seed) and optimizer, loaded.
    let ckpt = Checkpoint::load(&path).unwrap();
    let mut resumed = model(99);
    load_state_dict(&mut resumed, &ckpt.model, true).unwrap();
    let mut opt2 = Adam::new(AdamConfig::default()).unwrap();
    opt2.load_state_dict(&resumed, &ckpt.optimizer).unwrap();
    let mut resumed_losses = Vec::new();
    for step in ckpt.step..12 {
        resumed_losses.push(train_step(&mut resumed, &mut opt2, step));
    }
    std::fs::remove_dir_all(&dir).ok();

    let tail: Vec<u32> = losses[6..].iter().map(|l| l.to_bits()).collect();
    let again: Vec<u32> = resumed_losses.iter().map(|l| l.to_bits()).collect();
    assert_eq!(tail, again, "losses after resuming differ");
    assert_eq!(
        params(&m),
        params(&resumed),
        "parameters after resuming differ"
    );
    assert!(losses[11] < losses[0], "the run should learn: {losses:?}");
}
