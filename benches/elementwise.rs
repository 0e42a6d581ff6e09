//! Elementwise kernels in GB/s (bytes read plus bytes written): `tanh`,
//! `exp` and a broadcast add (a `[rows, 100]` matrix plus a `[100]` bias
//! row, the shape of a dense layer's bias) on 1e3, 1e5 and 1e6 elements;
//! and `tanh` on a dense layer's output (64×256, 128×512) beside the same
//! kernel through `map`, which stays on one core, to show what splitting a
//! costly map over two cores buys.
//!
//! `cargo bench --bench elementwise`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gradflow::{Rng, Scalar, SeedableRng, Tensor};

const SIZES: &[usize] = &[1_000, 100_000, 1_000_000];

fn elementwise(c: &mut Criterion) {
    let mut rng = Rng::seed_from_u64(0);
    let mut group = c.benchmark_group("elementwise_f32");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(2));
    let bytes = std::mem::size_of::<f32>();
    for &n in SIZES {
        let x = Tensor::<f32>::uniform([n / 100, 100], -3.0, 3.0, &mut rng);
        let bias = Tensor::<f32>::uniform([100], -1.0, 1.0, &mut rng);
        group.throughput(Throughput::Bytes((2 * n * bytes) as u64));
        group.bench_with_input(BenchmarkId::new("tanh", n), &(), |b, _| {
            b.iter(|| black_box(black_box(&x).tanh()))
        });
        group.bench_with_input(BenchmarkId::new("exp", n), &(), |b, _| {
            b.iter(|| black_box(black_box(&x).exp()))
        });
        // The bias row stays in cache: count the matrix read and written.
        group.bench_with_input(BenchmarkId::new("broadcast_add", n), &(), |b, _| {
            b.iter(|| black_box(black_box(&x).add(black_box(&bias))))
        });
    }
    group.finish();
}

fn costly_map_split(c: &mut Criterion) {
    let mut rng = Rng::seed_from_u64(1);
    let mut group = c.benchmark_group("tanh_two_cores");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(2));
    for shape in [[64, 256], [128, 512]] {
        let x = Tensor::<f32>::uniform(shape, -3.0, 3.0, &mut rng);
        let id = format!("{}x{}", shape[0], shape[1]);
        group.bench_with_input(BenchmarkId::new("split", &id), &(), |b, _| {
            b.iter(|| black_box(black_box(&x).tanh()))
        });
        group.bench_with_input(BenchmarkId::new("one_core", &id), &(), |b, _| {
            b.iter(|| black_box(black_box(&x).map(f32::tanh_kernel)))
        });
    }
    group.finish();
}

criterion_group!(benches, elementwise, costly_map_split);
criterion_main!(benches);
