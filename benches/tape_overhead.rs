//! The tape's fixed cost on a tiny network, where it dominates: forward and
//! backward of 8 × [x·W (16×16) + b, tanh] → x·W (16×1) + b with an MSE
//! loss, batch 1, f32, written with raw tape ops (plus one `exp` node off
//! the gradient's path). Then the same with an observer on that node, to
//! show that hooks cost nothing where they are not hit, and with anomaly
//! mode on (every op's output and every gradient checked for NaN/Inf).
//!
//! `cargo bench --bench tape_overhead`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gradflow::{Grads, Param, Rng, SeedableRng, Tape, TapeOptions, Tensor};

struct Net {
    layers: Vec<(Param<f32>, Param<f32>)>,
}

impl Net {
    fn new() -> Net {
        let mut rng = Rng::seed_from_u64(0);
        let mut layers = Vec::new();
        for i in 0..9 {
            let out = if i == 8 { 1 } else { 16 };
            let bound = 0.25;
            let w = Tensor::uniform([16, out], -bound, bound, &mut rng);
            let b = Tensor::uniform([out], -bound, bound, &mut rng);
            layers.push((Param::new(w), Param::new(b)));
        }
        Net { layers }
    }

    fn step(
        &self,
        x: &Tensor<f32>,
        y: &Tensor<f32>,
        observe_unrelated: bool,
        anomaly: bool,
    ) -> Grads<f32> {
        let tape = Tape::with_options(TapeOptions::default().with_anomaly(anomaly));
        let mut h = tape.constant(x.clone());
        // A node off the gradient's path, recorded in both variants so that
        // they differ only by the hook, which never fires.
        let unrelated = h.exp();
        if observe_unrelated {
            let _ = unrelated.observe(|g| {
                black_box(g);
            });
        }
        for (i, (w, b)) in self.layers.iter().enumerate() {
            h = h.matmul(tape.param(w)) + tape.param(b);
            if i < 8 {
                h = h.tanh();
            }
        }
        let loss = (h - tape.constant(y.clone())).square().mean_all();
        tape.backward(loss)
    }
}

fn tape_overhead(c: &mut Criterion) {
    let net = Net::new();
    let mut rng = Rng::seed_from_u64(1);
    let x = Tensor::<f32>::uniform([1, 16], -1.0, 1.0, &mut rng);
    let y = Tensor::<f32>::uniform([1, 1], -1.0, 1.0, &mut rng);
    let mut group = c.benchmark_group("tape_overhead");
    // Interleaved twice (plain, observed, anomaly, then again) so that
    // drift during the run does not favour any variant; compare the second
    // round.
    for round in ["", "_again"] {
        group.bench_function(format!("mlp_8x16_batch1{round}"), |b| {
            b.iter(|| black_box(net.step(black_box(&x), &y, false, false)))
        });
        group.bench_function(format!("mlp_8x16_batch1_unrelated_observer{round}"), |b| {
            b.iter(|| black_box(net.step(black_box(&x), &y, true, false)))
        });
        group.bench_function(format!("mlp_8x16_batch1_anomaly{round}"), |b| {
            b.iter(|| {
                let grads = net.step(black_box(&x), &y, false, true);
                assert!(grads.anomaly().is_none());
                black_box(grads)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, tape_overhead);
criterion_main!(benches);
