//! The four training workloads of `../shared/bench` (PyTorch, candle, burn,
//! dfdx), written with gradflow: shared by `benches/training.rs` (criterion)
//! and `examples/bench_workloads.rs` (the JSON lines the peers print).
//!
//! One step = forward + loss + backward + optimizer update + reading the
//! loss back, f32, on the same fixed batch every step, as the peers do.

use gradflow::nn::{BatchNorm1d, Dense, Layer, Relu, Residual, Sequential, Tanh};
use gradflow::optim::{Adam, AdamConfig, Momentum, Optimizer, Sgd, SgdConfig};
use gradflow::{Indices, Rng, SeedableRng, Tape, Tensor};

/// The workloads' names, in the peers' order.
pub const NAMES: [&str; 4] = ["mlp_wide", "mlp_deep", "mlp_deep_bn_res", "tiny"];

/// What the loss compares the output with.
enum Target {
    Classes(Indices),
    Values(Tensor<f32>),
}

/// A model, its optimizer and its fixed batch.
pub struct Workload {
    name: &'static str,
    model: Sequential<f32>,
    opt: Box<dyn Optimizer<f32>>,
    x: Tensor<f32>,
    target: Target,
}

impl Workload {
    /// Builds workload `name` (one of [`NAMES`]) with PyTorch's default
    /// `nn.Linear` init, from a fixed seed.
    ///
    /// # Panics
    /// On an unknown name.
    pub fn new(name: &str) -> Workload {
        let mut rng = Rng::seed_from_u64(0);
        let rng = &mut rng;
        let adam = || -> Box<dyn Optimizer<f32>> {
            Box::new(Adam::new(AdamConfig::default()).expect("valid config"))
        };
        let sgd = |momentum| -> Box<dyn Optimizer<f32>> {
            Box::new(
                Sgd::new(SgdConfig {
                    lr: 0.01,
                    momentum,
                    ..SgdConfig::default()
                })
                .expect("valid config"),
            )
        };
        let classes = |n: usize, rng: &mut Rng| {
            let u = Tensor::<f64>::uniform([n], 0.0, 10.0, rng);
            let labels = u.data().iter().map(|&v| (v as usize).min(9)).collect();
            Target::Classes(Indices::from_vec(labels, [n]).expect("1-D"))
        };
        let (name, model, opt, x, target) = match name {
            "mlp_wide" => {
                let model = Sequential::new()
                    .push(Dense::with_default_init(784, 512, rng))
                    .push(Relu)
                    .push(Dense::with_default_init(512, 512, rng))
                    .push(Relu)
                    .push(Dense::with_default_init(512, 10, rng));
                let x = Tensor::normal([128, 784], 0.0, 1.0, rng);
                ("mlp_wide", model, adam(), x, classes(128, rng))
            }
            "mlp_deep" => {
                let mut model = Sequential::new();
                for _ in 0..32 {
                    model.add(Dense::with_default_init(256, 256, rng));
                    model.add(Tanh);
                }
                model.add(Dense::with_default_init(256, 10, rng));
                let x = Tensor::normal([64, 256], 0.0, 1.0, rng);
                let y = Tensor::normal([64, 10], 0.0, 1.0, rng);
                let opt = sgd(Momentum::Classic(0.9));
                ("mlp_deep", model, opt, x, Target::Values(y))
            }
            "mlp_deep_bn_res" => {
                let mut model = Sequential::new();
                for _ in 0..16 {
                    let block = Sequential::new()
                        .push(Dense::with_default_init(256, 256, rng))
                        .push(BatchNorm1d::new(256))
                        .push(Relu);
                    model.add(Residual::new(block));
                }
                model.add(Dense::with_default_init(256, 10, rng));
                let x = Tensor::normal([64, 256], 0.0, 1.0, rng);
                ("mlp_deep_bn_res", model, adam(), x, classes(64, rng))
            }
            "tiny" => {
                let mut model = Sequential::new();
                for _ in 0..8 {
                    model.add(Dense::with_default_init(16, 16, rng));
                    model.add(Tanh);
                }
                model.add(Dense::with_default_init(16, 1, rng));
                let x = Tensor::normal([1, 16], 0.0, 1.0, rng);
                let y = Tensor::normal([1, 1], 0.0, 1.0, rng);
                ("tiny", model, sgd(Momentum::None), x, Target::Values(y))
            }
            other => panic!("unknown workload {other:?}; expected one of {NAMES:?}"),
        };
        Workload {
            name,
            model,
            opt,
            x,
            target,
        }
    }

    /// One training step; returns the loss (read back, as the peers do).
    pub fn step(&mut self) -> f32 {
        let (loss, grads) = {
            let tape = Tape::new();
            let out = self.model.forward(tape.constant(self.x.clone()));
            let loss = match &self.target {
                Target::Classes(y) => out.cross_entropy(y),
                Target::Values(y) => out.mse(tape.constant(y.clone())),
            };
            let value = loss.value().data()[0];
            (value, tape.backward(loss))
        };
        self.opt.step(&mut self.model, &grads);
        loss
    }

    /// Number of parameters (elements).
    pub fn num_params(&self) -> usize {
        use gradflow::nn::Module;
        let mut n = 0;
        self.model.visit_params(&mut |_, p| n += p.value().numel());
        n
    }

    /// The bytes a training step must hold at its peak (f32): parameters,
    /// their gradients, the optimizer's state, the batch, and the
    /// activations backward needs — each dense layer's input (for `dW`),
    /// each activation's output (tanh, ReLU) or input (batch norm), the
    /// loss's logits — counted from the shapes (`docs/performance.md`).
    pub fn must_hold_bytes(&self) -> usize {
        let p = self.num_params();
        let (state, batch, activations) = match self.name {
            // Adam: two moments. Saved beyond the batch (784 per example):
            // the two hidden outputs (each ReLU's output is also the next
            // dense layer's input) and the logits; 128 examples.
            "mlp_wide" => (2 * p, 128 * 784, 128 * (512 + 512 + 10)),
            // Momentum buffer. 32 tanh outputs of 256 (each also the next
            // dense input) and the output; 64 examples.
            "mlp_deep" => (p, 64 * 256, 64 * (32 * 256 + 10)),
            // Adam. Per block: the batch norm's input, the ReLU's output and
            // the block's output (the next dense input and skip; the last
            // is the head's input); the logits.
            "mlp_deep_bn_res" => (2 * p, 64 * 256, 64 * (16 * 3 * 256 + 10)),
            // Plain SGD: no state. 8 tanh outputs of 16 and the output.
            _ => (0, 16, 8 * 16 + 1),
        };
        4 * (2 * p + state + batch + activations)
    }
}
