//! Matrix products: gradflow's `Tensor::matmul` (output allocation included)
//! beside matrixmultiply's gemm called directly into a preallocated buffer,
//! in GFLOP/s (criterion's "elem/s" here counts flops: 2·m·k·n per product).
//!
//! `cargo bench --bench matmul`; one thread unless the `threading` feature
//! is on (then products of at least 2^19 multiply-adds use two cores; the
//! direct call stays on one).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gradflow::{Rng, Scalar, SeedableRng, Tensor};

/// `(m, k, n)` shapes named in the tensor-layer issue.
const SHAPES: &[(usize, usize, usize)] = &[
    (1, 16, 16),
    (16, 16, 16),
    (32, 32, 32),
    (64, 256, 256),
    (128, 128, 128),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
];

/// matrixmultiply's gemm on row-major operands, `c ← a·b`.
trait DirectGemm: Scalar {
    fn direct(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]);
}

impl DirectGemm for f32 {
    fn direct(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
        assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n);
        // SAFETY: the slices hold exactly m·k, k·n and m·n elements, read
        // row-major with the strides given; `c` is a distinct &mut slice.
        unsafe {
            matrixmultiply::sgemm(
                m,
                k,
                n,
                1.0,
                a.as_ptr(),
                k as isize,
                1,
                b.as_ptr(),
                n as isize,
                1,
                0.0,
                c.as_mut_ptr(),
                n as isize,
                1,
            )
        }
    }
}

impl DirectGemm for f64 {
    fn direct(m: usize, k: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
        assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n);
        // SAFETY: as for f32.
        unsafe {
            matrixmultiply::dgemm(
                m,
                k,
                n,
                1.0,
                a.as_ptr(),
                k as isize,
                1,
                b.as_ptr(),
                n as isize,
                1,
                0.0,
                c.as_mut_ptr(),
                n as isize,
                1,
            )
        }
    }
}

fn bench_type<T: DirectGemm>(c: &mut Criterion, name: &str) {
    let mut group = c.benchmark_group(format!("matmul_{name}"));
    let mut rng = Rng::seed_from_u64(0);
    for &(m, k, n) in SHAPES {
        let flops = 2 * m * k * n;
        group.throughput(Throughput::Elements(flops as u64));
        // Big products run for milliseconds: fewer samples keep the run short.
        if flops > 100_000_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(4));
        } else {
            group.sample_size(50);
            group.measurement_time(Duration::from_secs(2));
        }
        let a = Tensor::<T>::uniform([m, k], T::of(-1.0), T::of(1.0), &mut rng);
        let b = Tensor::<T>::uniform([k, n], T::of(-1.0), T::of(1.0), &mut rng);
        let label = format!("{m}x{k}x{n}");
        group.bench_with_input(BenchmarkId::new("gradflow", &label), &(), |bench, _| {
            bench.iter(|| black_box(black_box(&a).matmul(black_box(&b))))
        });
        let mut out = vec![T::zero(); m * n];
        group.bench_with_input(BenchmarkId::new("direct_gemm", &label), &(), |bench, _| {
            bench.iter(|| {
                T::direct(m, k, n, black_box(a.data()), black_box(b.data()), &mut out);
                black_box(&out);
            })
        });
    }
    group.finish();
}

fn matmul(c: &mut Criterion) {
    bench_type::<f32>(c, "f32");
    bench_type::<f64>(c, "f64");
}

criterion_group!(benches, matmul);
criterion_main!(benches);
