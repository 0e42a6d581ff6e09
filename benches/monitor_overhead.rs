//! What watching costs: one training step (forward, backward, SGD update)
//! of a 32-layer, width-256, batch-64 tanh MLP, f32 — with no monitor, with
//! a monitor attached but off this step, and with one recording every layer
//! output and every parameter every step.
//!
//! `cargo bench --bench monitor_overhead`. Compare the medians of one run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gradflow::monitor::{GradMonitor, GradStats, Schedule};
use gradflow::nn::{Dense, Init, Layer, Sequential, Tanh};
use gradflow::optim::{Momentum, Optimizer, Sgd, SgdConfig};
use gradflow::{Rng, SeedableRng, Tape, Tensor};

fn model() -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(0);
    let mut m = Sequential::new();
    for _ in 0..32 {
        m.add(Dense::new(256, 256, Init::xavier_uniform(), &mut rng));
        m.add(Tanh);
    }
    m
}

enum Watch {
    None,
    Off(GradMonitor),
    Every(GradMonitor),
}

fn step(
    m: &mut Sequential<f32>,
    opt: &mut Sgd<f32>,
    x: &Tensor<f32>,
    y: &Tensor<f32>,
    watch: &mut Watch,
) {
    let mut grads = {
        let tape = Tape::new();
        let loss = m
            .forward(tape.constant(x.clone()))
            .mse(tape.constant(y.clone()));
        match watch {
            Watch::None => tape.backward(loss),
            Watch::Off(mon) | Watch::Every(mon) => tape.backward_with(loss, mon),
        }
    };
    if let Watch::Off(mon) | Watch::Every(mon) = watch {
        mon.record_params(m, &mut grads);
    }
    let updates = opt.step(m, &grads);
    if let Watch::Off(mon) | Watch::Every(mon) = watch {
        mon.record_updates(m, &updates);
    }
    black_box(updates);
}

fn monitor_overhead(c: &mut Criterion) {
    let mut rng = Rng::seed_from_u64(1);
    let x = Tensor::<f32>::normal([64, 256], 0.0, 1.0, &mut rng);
    let y = Tensor::<f32>::normal([64, 256], 0.0, 0.5, &mut rng);
    let mut group = c.benchmark_group("monitor_overhead");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    let config = SgdConfig {
        lr: 1e-3,
        momentum: Momentum::None,
        ..SgdConfig::default()
    };
    // The three variants take turns, one step each, and each benchmark
    // times only its own variant's steps: drift of the machine, the
    // allocator's state and the caches are shared by all three instead of
    // showing up as overhead (run one after the other, they differed by
    // ±5% from run to run).
    let names = ["no_monitor", "attached_off", "recording_every_step"];
    let mut runs: Vec<(Sequential<f32>, Sgd<f32>, Watch)> = vec![
        (
            model(),
            Sgd::new(config).expect("valid config"),
            Watch::None,
        ),
        (
            model(),
            Sgd::new(config).expect("valid config"),
            Watch::Off(GradMonitor::with_schedule(Schedule::Off)),
        ),
        (
            model(),
            Sgd::new(config).expect("valid config"),
            Watch::Every(GradMonitor::new()),
        ),
    ];
    for (target, name) in names.iter().enumerate() {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    for (v, (m, opt, watch)) in runs.iter_mut().enumerate() {
                        let start = Instant::now();
                        step(m, opt, &x, &y, watch);
                        if v == target {
                            timed += start.elapsed();
                        }
                    }
                }
                timed
            })
        });
    }
    group.finish();
}

/// The fused statistics pass alone, in cache (64 Ki elements) and out of
/// L2 (4 Mi elements), against a plain sum of squares over the same data.
fn grad_stats(c: &mut Criterion) {
    let mut rng = Rng::seed_from_u64(2);
    let mut group = c.benchmark_group("grad_stats");
    for n in [1usize << 16, 1 << 22] {
        let g = Tensor::<f32>::normal([n], 0.0, 1.0, &mut rng);
        group.throughput(criterion::Throughput::Bytes((n * 4) as u64));
        group.bench_function(format!("stats_{n}"), |b| {
            b.iter(|| GradStats::of(black_box(&g)))
        });
        group.bench_function(format!("l2_norm_{n}"), |b| {
            b.iter(|| black_box(&g).l2_norm())
        });
    }
    group.finish();
}

criterion_group!(benches, monitor_overhead, grad_stats);
criterion_main!(benches);
