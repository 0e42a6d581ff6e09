//! A first look at gradflow's tensors: build a few, combine them, print them.
//!
//! Run with `cargo run --release --example quickstart`.

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
    Ok(())
}
