//! A first look at gradflow: tensors, then a small network trained with the
//! gradient-flow monitor watching, then the same depth with sigmoids and
//! PyTorch's default init, where the monitor sees the gradient vanish.
//!
//! Run with `cargo run --release --example quickstart`.

use gradflow::monitor::GradMonitor;
use gradflow::nn::{Dense, Init, Layer, Relu, Sequential, Sigmoid};
use gradflow::optim::{Adam, AdamConfig, Optimizer};
use gradflow::prelude::*;

fn main() -> Result<(), Error> {
    let mut rng = Rng::seed_from_u64(0);

    // A batch of 4 inputs with 3 features, and a 2×3 weight matrix.
    let x = Tensor::<f32>::normal([4, 3], 0.0, 1.0, &mut rng);
    let w = Tensor::<f32>::from_vec(vec![0.5, -0.2, 0.1, 0.3, 0.8, -0.5], [2, 3])?;
    let b = Tensor::<f32>::from_vec(vec![0.1, -0.1], [2])?;
    println!("x = {x:.3}\n");

    // A dense layer by hand: y = x·wᵀ + b (the transpose is read through
    // strides, not copied; the bias broadcasts over the rows).
    let y = &x.matmul_t(Transpose::No, &w, Transpose::Yes) + &b;
    println!("y = x·wᵀ + b = {y:.3}\n");

    // Activations squash the signal; their slopes are what vanish in deep nets.
    println!("tanh(y)    = {:.3}", y.tanh());
    println!("sigmoid(y) = {:.3}", y.sigmoid());
    println!("relu(y)    = {:.3}\n", y.relu());

    // Softmax is computed shifted by the row maximum: huge logits stay finite.
    let logits = Tensor::<f32>::from_vec(vec![1e4, 0.0, -1e4, 2.0, 1.0, 0.5], [2, 3])?;
    println!("softmax(logits) = {:.4}", logits.softmax(1));
    println!("log_softmax     = {:.4}", logits.log_softmax(1));
    println!("argmax per row  = {:?}\n", logits.argmax(1, false).to_vec());

    // Reductions over axes, and the variance with PyTorch's correction.
    println!("column means    = {:.3}", x.mean(&[0], false));
    println!("row variances   = {:.3}", x.var(&[1], 1, false));

    // Outside data is checked: a wrong length is an error, not a panic.
    match Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0], [2, 2]) {
        Ok(_) => unreachable!(),
        Err(e) => println!("\nbad input is an error: {e}"),
    }

    train_and_watch(&mut rng)?;
    Ok(())
}

/// Trains a ReLU network with Adam while the monitor records every step,
/// then shows what a deep sigmoid stack with the default init looks like.
fn train_and_watch(rng: &mut Rng) -> Result<(), Error> {
    let x = Tensor::<f32>::normal([64, 8], 0.0, 1.0, rng);
    let y = x.sum(&[1], true).tanh();
    let mut model = Sequential::<f32>::new()
        .push(Dense::new(8, 64, Init::he_normal(), rng))
        .push(Relu)
        .push(Dense::new(64, 64, Init::he_normal(), rng))
        .push(Relu)
        .push(Dense::new(64, 1, Init::xavier_uniform(), rng));
    let mut opt = Adam::new(AdamConfig::default())?;
    let mut monitor = GradMonitor::new();
    for step in 0..200 {
        let (loss, mut grads) = {
            let tape = Tape::new();
            let loss = model
                .forward(tape.constant(x.clone()))
                .mse(tape.constant(y.clone()));
            let value = loss.item();
            (value, tape.backward_with(loss, &mut monitor))
        };
        monitor.record_params(&model, &mut grads);
        let updates = opt.step(&mut model, &grads);
        monitor.record_updates(&model, &updates);
        if step % 50 == 0 || step == 199 {
            println!("step {step:>3}  loss {loss:.5}");
        }
    }
    println!("\n{}", monitor.report().expect("steps were recorded"));

    // The seed's story: 12 sigmoid layers with PyTorch's default Linear init.
    let mut deep = Sequential::<f32>::new();
    deep.add(Dense::new(8, 64, Init::GlorotStandard, rng));
    for _ in 0..11 {
        deep.add(Sigmoid);
        deep.add(Dense::new(64, 64, Init::GlorotStandard, rng));
    }
    deep.add(Sigmoid);
    deep.add(Dense::new(64, 1, Init::GlorotStandard, rng));
    let mut watch = GradMonitor::new();
    let mut grads = {
        let tape = Tape::new();
        let loss = deep.forward(tape.constant(x)).mse(tape.constant(y));
        tape.backward_with(loss, &mut watch)
    };
    watch.record_params(&deep, &mut grads);
    println!("{}", watch.report().expect("one step recorded"));
    Ok(())
}
