//! Layers: gradients against finite differences, PyTorch naming, batch norm
//! statistics, train/eval behaviour.

use gradflow::check::check_layer;
use gradflow::nn::{
    BatchNorm1d, Dense, Dropout, Gelu, Init, Layer, LayerNorm, Module, Relu, Residual, Sequential,
    Sigmoid, Tanh,
};
use gradflow::{Rng, SeedableRng, Tape, Tensor};

fn input(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::normal(shape, 0.2, 1.0, &mut Rng::seed_from_u64(seed))
}

#[test]
fn dense_grad_matches_finite_differences_with_and_without_bias() {
    let mut rng = Rng::seed_from_u64(1);
    let mut with_bias = Dense::<f64>::new(4, 3, Init::xavier_uniform(), &mut rng);
    check_layer(&mut with_bias, &input(&[5, 4], 2)).unwrap();
    let mut without = Dense::<f64>::without_bias(4, 3, Init::he_normal(), &mut rng);
    check_layer(&mut without, &input(&[5, 4], 3)).unwrap();
}

#[test]
fn batch_norm_grad_matches_finite_differences_in_train_and_eval_mode() {
    let mut bn = BatchNorm1d::<f64>::new(3);
    // Non-trivial affine parameters and running statistics.
    bn.visit_params_mut(&mut |_, p| {
        let v = p.value().map(|x| x + 0.3);
        p.set(v);
    });
    check_layer(&mut bn, &input(&[6, 3], 4)).unwrap();
    check_layer(&mut bn, &input(&[4, 3, 2], 5)).unwrap();
    gradflow::nn::eval(&mut bn);
    check_layer(&mut bn, &input(&[6, 3], 6)).unwrap();
    check_layer(&mut bn, &input(&[4, 3, 2], 7)).unwrap();
}

#[test]
fn layer_norm_grad_matches_finite_differences() {
    let mut ln = LayerNorm::<f64>::new(&[4]);
    ln.visit_params_mut(&mut |_, p| {
        let v = p.value().map(|x| x * 1.5 - 0.2);
        p.set(v);
    });
    check_layer(&mut ln, &input(&[3, 4], 8)).unwrap();
    let mut ln2 = LayerNorm::<f64>::new(&[2, 3]);
    check_layer(&mut ln2, &input(&[2, 2, 3], 9)).unwrap();
}

#[test]
fn residual_grad_matches_finite_differences() {
    let mut rng = Rng::seed_from_u64(10);
    let block = Sequential::new()
        .push(Dense::<f64>::new(4, 4, Init::xavier_uniform(), &mut rng))
        .push(Tanh);
    let mut res = Residual::new(block);
    check_layer(&mut res, &input(&[3, 4], 11)).unwrap();

    let block = Sequential::new()
        .push(Dense::<f64>::new(4, 6, Init::xavier_uniform(), &mut rng))
        .push(Gelu::default());
    let mut projected = Residual::new(block)
        .with_projection(Dense::without_bias(4, 6, Init::xavier_uniform(), &mut rng))
        .with_skip_init();
    // Move alpha off zero so the branch's gradient is exercised too.
    projected.visit_params_mut(&mut |name, p| {
        if name == "alpha" {
            p.set(Tensor::full([1], 0.7));
        }
    });
    check_layer(&mut projected, &input(&[3, 4], 12)).unwrap();
}

#[test]
fn sequential_grad_matches_finite_differences() {
    let mut rng = Rng::seed_from_u64(13);
    let mut model = Sequential::new()
        .push(Dense::<f64>::new(3, 5, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(5))
        .push(Sigmoid)
        .push(Dense::new(5, 2, Init::xavier_uniform(), &mut rng));
    check_layer(&mut model, &input(&[4, 3], 14)).unwrap();
}

#[test]
fn names_follow_pytorch_module_paths() {
    let mut rng = Rng::seed_from_u64(0);
    let block = Sequential::<f32>::new()
        .push(Dense::new(4, 4, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(4))
        .push(Relu);
    let model = Sequential::new()
        .push(Dense::new(2, 4, Init::he_normal(), &mut rng))
        .push(Relu)
        .push(Residual::new(block));
    let mut params = Vec::new();
    model.visit_params(&mut |name, _| params.push(name.to_string()));
    assert_eq!(
        params,
        vec![
            "0.weight",
            "0.bias",
            "2.block.0.weight",
            "2.block.0.bias",
            "2.block.1.weight",
            "2.block.1.bias"
        ]
    );
    let mut buffers = Vec::new();
    model.visit_buffers(&mut |name, _| buffers.push(name.to_string()));
    assert_eq!(
        buffers,
        vec![
            "2.block.1.running_mean",
            "2.block.1.running_var",
            "2.block.1.num_batches_tracked"
        ]
    );
    assert_eq!(model.num_params(), 2 * 4 + 4 + 4 * 4 + 4 + 4 + 4);
}

#[test]
fn batch_norm_running_statistics_follow_the_closed_form() {
    let mut bn = BatchNorm1d::<f64>::new(2);
    let batches: Vec<Tensor<f64>> = (0..5).map(|k| input(&[8, 2], 20 + k)).collect();
    for x in &batches {
        let tape = Tape::new();
        let _ = bn.forward(tape.constant(x.clone()));
    }
    // running_k = 0.9·running_{k-1} + 0.1·stat_k, from mean 0 / var 1.
    for c in 0..2 {
        let (mut mean, mut var) = (0.0, 1.0);
        for x in &batches {
            let col: Vec<f64> = (0..8).map(|i| x.get(&[i, c]).unwrap()).collect();
            let m = col.iter().sum::<f64>() / 8.0;
            let unbiased = col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / 7.0;
            mean = 0.9 * mean + 0.1 * m;
            var = 0.9 * var + 0.1 * unbiased;
        }
        assert!((bn.running_mean().data()[c] - mean).abs() < 1e-12);
        assert!((bn.running_var().data()[c] - var).abs() < 1e-12);
    }
    assert_eq!(bn.num_batches_tracked(), 5);

    // Evaluation mode normalizes with the running statistics.
    gradflow::nn::eval(&mut bn);
    let x = input(&[3, 2], 30);
    let tape = Tape::new();
    let y = bn.forward(tape.constant(x.clone())).value();
    for i in 0..3 {
        for c in 0..2 {
            let want = (x.get(&[i, c]).unwrap() - bn.running_mean().data()[c])
                / (bn.running_var().data()[c] + 1e-5).sqrt();
            assert!((y.get(&[i, c]).unwrap() - want).abs() < 1e-12);
        }
    }
    assert_eq!(
        bn.num_batches_tracked(),
        5,
        "eval mode does not count batches"
    );
}

#[test]
#[should_panic(expected = "expected more than 1 value per channel when training")]
fn batch_norm_of_a_single_example_in_training_mode_panics() {
    let mut bn = BatchNorm1d::<f32>::new(3);
    let tape = Tape::new();
    let _ = bn.forward(tape.constant(Tensor::ones([1, 3])));
}

#[test]
fn a_layer_applied_twice_gets_one_summed_gradient() {
    let mut rng = Rng::seed_from_u64(3);
    let mut layer = Dense::<f64>::new(3, 3, Init::xavier_uniform(), &mut rng);
    let x = input(&[2, 3], 31);
    let tape = Tape::new();
    let h = layer.forward(tape.constant(x.clone()));
    let y = layer.forward(h);
    let grads = tape.backward(y.sum_all());
    assert_eq!(grads.len(), 2, "one gradient per parameter, not per use");
    // d/db of sum(W(Wx + b) + b) = N·(1 + Wᵀ·1) per coordinate.
    let w = layer.weight().value().clone();
    let gb = grads.get(layer.bias().unwrap()).unwrap();
    for j in 0..3 {
        let col_sum: f64 = (0..3).map(|i| w.get(&[i, j]).unwrap()).sum();
        assert!((gb.data()[j] - 2.0 * (1.0 + col_sum)).abs() < 1e-12);
    }
}

#[test]
fn dropout_is_identity_in_eval_and_rescales_in_training() {
    let mut drop = Dropout::new(0.25, 7);
    let x = Tensor::<f64>::ones([1000]);
    let tape = Tape::new();
    let y = Layer::<f64>::forward(&mut drop, tape.constant(x.clone())).value();
    let kept = y.data().iter().filter(|&&v| v != 0.0).count();
    assert!(
        y.data()
            .iter()
            .all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-12)
    );
    // Binomial(1000, 0.75): mean 750, sd ≈ 13.7.
    assert!((kept as f64 - 750.0).abs() < 5.0 * 13.7, "{kept}");
    Module::<f64>::set_training(&mut drop, false);
    let y = Layer::<f64>::forward(&mut drop, tape.constant(x.clone())).value();
    assert_eq!(y, x);
}

#[test]
fn models_are_send_and_sync() {
    fn assert_send_sync<M: Send + Sync>() {}
    assert_send_sync::<Sequential<f32>>();
    assert_send_sync::<Dense<f64>>();
    assert_send_sync::<BatchNorm1d<f32>>();
    assert_send_sync::<LayerNorm<f32>>();
    assert_send_sync::<Residual<f32>>();
    assert_send_sync::<Dropout>();
    assert_send_sync::<Tensor<f32>>();
    assert_send_sync::<gradflow::Param<f64>>();
}

#[test]
fn model_prints_a_table_of_layers_shapes_and_counts() {
    let mut rng = Rng::seed_from_u64(0);
    let mut model = Sequential::<f32>::new()
        .push(Dense::new(8, 16, Init::he_normal(), &mut rng))
        .push(Relu)
        .push(Dense::new(16, 3, Init::xavier_uniform(), &mut rng));
    let table = model.summary(&[2, 8]);
    assert!(table.contains("0: Dense(8 → 16, bias)"), "{table}");
    assert!(table.contains("[2, 16]"), "{table}");
    assert!(table.contains("[2, 3]"), "{table}");
    assert!(table.contains("total parameters: 195"), "{table}");
    assert!(model.to_string().contains("(1): ReLU"));
}

#[test]
fn containers_label_every_node_with_the_layer_path() {
    let mut rng = Rng::seed_from_u64(0);
    let mut model = Sequential::<f32>::new()
        .push(Dense::new(2, 2, Init::he_normal(), &mut rng))
        .push(Residual::new(Sequential::new().push(Tanh)));
    let tape = Tape::new();
    let _ = model.forward(tape.constant(Tensor::ones([1, 2])));
    let printed = tape.to_string();
    assert!(printed.contains("@0"), "{printed}");
    assert!(printed.contains("@1.block.0"), "{printed}");
}

#[test]
fn running_the_layers_one_at_a_time_matches_forward() {
    use gradflow::nn::{Dense, Init, Layer, Relu, Sequential};
    use gradflow::{Rng, SeedableRng, Tape, Tensor};
    let mut rng = Rng::seed_from_u64(21);
    let mut model = Sequential::<f64>::new()
        .push(Dense::new(4, 5, Init::he_normal(), &mut rng))
        .push(Relu)
        .push(Dense::new(5, 2, Init::he_normal(), &mut rng));
    let x = Tensor::<f64>::normal([3, 4], 0.0, 1.0, &mut rng);
    let tape = Tape::new();
    let whole = model.forward(tape.constant(x.clone())).value();
    let mut h = tape.constant(x);
    let mut norms = Vec::new();
    for (i, layer) in model.layers_mut().iter_mut().enumerate() {
        let _scope = tape.scope(&i.to_string());
        h = layer.forward(h);
        norms.push(h.value().l2_norm());
    }
    assert_eq!(h.value(), whole);
    assert_eq!(norms.len(), 3);
    // The ReLU zeroes the negative part: its output is no larger.
    assert!(norms[1] <= norms[0]);
}
