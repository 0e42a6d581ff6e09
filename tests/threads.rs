//! Threads: everything a user keeps across steps (tensors, parameters,
//! layers, optimizers, schedules, state dicts, the monitor, the error type)
//! is `Send + Sync`, and independent models trained on several threads at
//! once end bit-identical to the same models trained one after another.
//!
//! The tape is the exception: it is single-threaded (see the `tape` module
//! docs, which show it cannot be sent), so each thread builds its own.

use gradflow::io::{Checkpoint, LoadReport, StateDict, StateTensor};
use gradflow::monitor::{
    Finding, GradMonitor, GradStats, HookHandle, LayerKind, LayerRecord, ParamRecord, Report,
    Schedule as MonitorSchedule, SiteKind, StepRecord, Thresholds,
};
use gradflow::nn::{
    AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dense, Dropout, Elu, FanMode, Flatten, Gelu,
    GlobalAvgPool2d, Init, Layer, LayerNorm, LeakyRelu, LstmCell, MaxPool2d, Module, Nonlinearity,
    Relu, Residual, RnnCell, RnnNonlinearity, Sequential, Sigmoid, Silu, Softplus, Softsign, Tanh,
};
use gradflow::optim::{
    Adam, AdamConfig, ChainedLr, ClipReport, Constant, CosineAnnealing, ExponentialLr, Fixed,
    LinearWarmup, Momentum, NonFinite, Optimizer, RmsProp, RmsPropConfig, SequentialLr, Sgd,
    SgdConfig, StepLr, UpdateNorm, UpdateNorms, WeightDecay, clip_global_norm,
};
use gradflow::tape::Phase;
use gradflow::{
    Anomaly, Error, Grads, Indices, Param, ParamId, Rng, SeedableRng, Shape, Tape, TapeOptions,
    Tensor,
};

fn assert_send_sync<T: Send + Sync>() {}

fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn tensors_params_and_gradients_are_send_sync() {
    assert_send_sync::<Tensor<f32>>();
    assert_send_sync::<Tensor<f64>>();
    assert_send_sync::<Param<f32>>();
    assert_send_sync::<Param<f64>>();
    assert_send_sync::<ParamId>();
    assert_send_sync::<Grads<f32>>();
    assert_send_sync::<Grads<f64>>();
    assert_send_sync::<Shape>();
    assert_send_sync::<Indices>();
    assert_send_sync::<TapeOptions>();
    assert_send_sync::<Anomaly>();
    assert_send_sync::<Phase>();
}

#[test]
fn every_layer_is_send_sync() {
    fn layer<L: Layer<f32> + Layer<f64> + Send + Sync>() {}
    for_both_dtypes::<Dense<f32>, Dense<f64>>();
    layer::<Relu>();
    layer::<LeakyRelu>();
    layer::<Elu>();
    layer::<Gelu>();
    layer::<Sigmoid>();
    layer::<Silu>();
    layer::<Softplus>();
    layer::<Softsign>();
    layer::<Tanh>();
    layer::<Dropout>();
    layer::<Flatten>();
    layer::<MaxPool2d>();
    layer::<AvgPool2d>();
    layer::<GlobalAvgPool2d>();
    for_both_dtypes::<BatchNorm1d<f32>, BatchNorm1d<f64>>();
    for_both_dtypes::<BatchNorm2d<f32>, BatchNorm2d<f64>>();
    for_both_dtypes::<LayerNorm<f32>, LayerNorm<f64>>();
    for_both_dtypes::<Conv2d<f32>, Conv2d<f64>>();
    for_both_dtypes::<Residual<f32>, Residual<f64>>();
    for_both_dtypes::<Sequential<f32>, Sequential<f64>>();
    assert_send_sync::<RnnCell<f32>>();
    assert_send_sync::<RnnCell<f64>>();
    assert_send_sync::<LstmCell<f32>>();
    assert_send_sync::<LstmCell<f64>>();
    assert_send_sync::<RnnNonlinearity>();
    assert_send_sync::<Init>();
    assert_send_sync::<FanMode>();
    assert_send_sync::<Nonlinearity>();
    // `Module: Send + Sync`, so boxed layers (what `Sequential` holds) are too.
    assert_send_sync::<Box<dyn Layer<f32>>>();
    assert_send_sync::<Box<dyn Module<f64>>>();
}

fn for_both_dtypes<A: Layer<f32> + Send + Sync, B: Layer<f64> + Send + Sync>() {}

#[test]
fn optimizers_schedules_and_clipping_are_send_sync() {
    assert_send_sync::<Sgd<f32>>();
    assert_send_sync::<Sgd<f64>>();
    assert_send_sync::<SgdConfig>();
    assert_send_sync::<Momentum>();
    assert_send_sync::<Adam<f32>>();
    assert_send_sync::<Adam<f64>>();
    assert_send_sync::<AdamConfig>();
    assert_send_sync::<WeightDecay>();
    assert_send_sync::<RmsProp<f32>>();
    assert_send_sync::<RmsProp<f64>>();
    assert_send_sync::<RmsPropConfig>();
    assert_send_sync::<UpdateNorm>();
    assert_send_sync::<UpdateNorms>();
    assert_send_sync::<ClipReport>();
    assert_send_sync::<NonFinite>();
    assert_send_sync::<Constant>();
    assert_send_sync::<Fixed>();
    assert_send_sync::<StepLr>();
    assert_send_sync::<ExponentialLr>();
    assert_send_sync::<CosineAnnealing>();
    assert_send_sync::<LinearWarmup>();
    assert_send_sync::<SequentialLr<LinearWarmup, CosineAnnealing>>();
    assert_send_sync::<ChainedLr<StepLr, ExponentialLr>>();
    // The `Optimizer` trait has no `Send + Sync` bound, so a type-erased
    // optimizer that must cross threads says so.
    assert_send_sync::<Box<dyn Optimizer<f32> + Send + Sync>>();
}

#[test]
fn state_dicts_checkpoints_and_monitor_types_are_send_sync() {
    assert_send_sync::<StateDict>();
    assert_send_sync::<StateTensor>();
    assert_send_sync::<Checkpoint>();
    assert_send_sync::<LoadReport>();
    assert_send_sync::<GradMonitor>();
    assert_send_sync::<MonitorSchedule>();
    assert_send_sync::<StepRecord>();
    assert_send_sync::<LayerRecord>();
    assert_send_sync::<ParamRecord>();
    assert_send_sync::<LayerKind>();
    assert_send_sync::<GradStats>();
    assert_send_sync::<Report>();
    assert_send_sync::<Finding>();
    assert_send_sync::<Thresholds>();
    assert_send_sync::<HookHandle>();
    assert_send_sync::<SiteKind>();
    assert_send_sync::<gradflow::check::CheckOptions>();
}

#[test]
fn error_is_a_send_sync_static_std_error() {
    assert_error::<Error>();
    assert_send_sync::<gradflow::Result<Tensor<f32>>>();
    // Boxes into the usual `Box<dyn Error + Send + Sync>` and back.
    let e = Tensor::<f32>::from_vec(vec![1.0], [2]).unwrap_err();
    let boxed: Box<dyn std::error::Error + Send + Sync + 'static> = Box::new(e.clone());
    assert_eq!(boxed.downcast_ref::<Error>(), Some(&e));
}

/// `Error` is `#[non_exhaustive]`: outside the crate a match naming every
/// variant still needs a wildcard arm. Were the attribute dropped, the
/// wildcard would be unreachable and this would not compile.
#[deny(unreachable_patterns)]
fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::LengthMismatch { .. } => "length",
        Error::InvalidShape { .. } => "shape",
        Error::GradientMismatch { .. } => "gradient",
        Error::DirectionalMismatch { .. } => "directional",
        Error::InvalidArgument { .. } => "argument",
        Error::Io { .. } => "io",
        Error::InvalidFormat { .. } => "format",
        Error::KeyMismatch { .. } => "keys",
        Error::ShapeMismatch { .. } => "state shape",
        Error::DtypeMismatch { .. } => "dtype",
        Error::InvalidState { .. } => "state",
        Error::NonFiniteGradient { .. } => "non-finite",
        _ => "newer",
    }
}

#[test]
fn error_is_non_exhaustive() {
    let e = Tensor::<f32>::from_vec(vec![1.0], [2]).unwrap_err();
    assert_eq!(error_kind(&e), "length");
}

// ---------------------------------------------------------------------------
// Training on several threads.

/// A small model with every kind of state a step touches: dense weights,
/// batch norm running statistics and a dropout generator.
fn model(seed: u64) -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    Sequential::new()
        .push(Dense::new(6, 24, Init::he_uniform(), &mut rng))
        .push(BatchNorm1d::new(24))
        .push(Relu)
        .push(Dropout::new(0.1, seed))
        .push(Dense::new(24, 3, Init::xavier_uniform(), &mut rng))
}

/// Trains a fresh model for `steps` steps with Adam and gradient clipping;
/// returns every parameter and buffer as raw bits.
fn train(seed: u64, steps: usize) -> Vec<(String, Vec<u32>)> {
    let mut net = model(seed);
    let mut opt = Adam::new(AdamConfig {
        lr: 1e-2,
        ..AdamConfig::default()
    })
    .unwrap();
    let mut rng = Rng::seed_from_u64(seed + 1000);
    let x = Tensor::<f32>::normal([32, 6], 0.0, 1.0, &mut rng);
    let y = Tensor::<f32>::normal([32, 3], 0.0, 1.0, &mut rng);
    for _ in 0..steps {
        let mut grads = {
            let tape = Tape::new();
            let pred = net.forward(tape.constant(x.clone()));
            let loss = (pred - tape.constant(y.clone())).square().mean_all();
            tape.backward(loss)
        };
        clip_global_norm(&net, &mut grads, 1.0, NonFinite::Error).unwrap();
        opt.step(&mut net, &grads);
    }
    gradflow::io::state_dict(&net)
        .iter()
        .map(|(name, entry)| {
            let bits = match entry {
                StateTensor::F32(t) => t.data().iter().map(|x| x.to_bits()).collect(),
                StateTensor::I64 { data, .. } => data.iter().map(|&x| x as u32).collect(),
                other => panic!("{name}: unexpected {}", other.dtype()),
            };
            (name.to_string(), bits)
        })
        .collect()
}

#[test]
fn four_models_trained_on_four_threads_match_sequential_training() {
    const SEEDS: [u64; 4] = [1, 2, 3, 4];
    const STEPS: usize = 30;
    let sequential: Vec<_> = SEEDS.iter().map(|&s| train(s, STEPS)).collect();
    let parallel: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = SEEDS
            .iter()
            .map(|&s| scope.spawn(move || train(s, STEPS)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(sequential.len(), parallel.len());
    for (seed, (a, b)) in SEEDS.iter().zip(sequential.iter().zip(&parallel)) {
        assert!(a.iter().any(|(name, _)| name == "1.running_var"));
        assert_eq!(a, b, "model with seed {seed}");
    }
    // Different seeds really are different models.
    assert_ne!(sequential[0], sequential[1]);
}

#[test]
fn a_model_and_its_optimizer_move_between_threads_mid_training() {
    let mut rng = Rng::seed_from_u64(9);
    let x = Tensor::<f32>::normal([16, 6], 0.0, 1.0, &mut rng);
    let y = Tensor::<f32>::normal([16, 3], 0.0, 1.0, &mut rng);
    let step = |net: &mut Sequential<f32>, opt: &mut Sgd<f32>| {
        let grads = {
            let tape = Tape::new();
            let pred = net.forward(tape.constant(x.clone()));
            let loss = (pred - tape.constant(y.clone())).square().mean_all();
            tape.backward(loss)
        };
        opt.step(net, &grads);
    };
    let config = SgdConfig {
        lr: 0.1,
        momentum: Momentum::Classic(0.9),
        ..SgdConfig::default()
    };
    let (mut here, mut here_opt) = (model(5), Sgd::new(config).unwrap());
    for _ in 0..6 {
        step(&mut here, &mut here_opt);
    }
    // Three steps on each of two other threads, handing the state over.
    let (mut moved, mut moved_opt) = (model(5), Sgd::new(config).unwrap());
    for _ in 0..2 {
        (moved, moved_opt) = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    for _ in 0..3 {
                        step(&mut moved, &mut moved_opt);
                    }
                    (moved, moved_opt)
                })
                .join()
                .unwrap()
        });
    }
    let bits = |m: &Sequential<f32>| {
        let mut v = Vec::new();
        m.visit_params(&mut |_, p| v.extend(p.value().data().iter().map(|x| x.to_bits())));
        v
    };
    assert_eq!(bits(&here), bits(&moved));
}

#[test]
fn a_model_is_shared_read_only_across_threads() {
    let net = model(3);
    let reference = gradflow::io::state_dict(&net);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                assert_eq!(gradflow::io::state_dict(&net), reference);
                assert_eq!(net.num_params(), 6 * 24 + 24 + 24 + 24 + 24 * 3 + 3);
            });
        }
    });
}
