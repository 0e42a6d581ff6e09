//! One training step of each of the four workloads shared with the PyTorch,
//! candle, burn and dfdx benchmarks in `../shared/bench` (see
//! `benches/common/workloads.rs`). `cargo bench --bench training`; with
//! `--features threading` large products use two cores
//! (`GRADFLOW_NUM_THREADS` sets the pool's size).
//! The peers' own JSON format comes from `examples/bench_workloads.rs`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

// Shared with examples/bench_workloads.rs, which also reports sizes.
#[allow(dead_code)]
#[path = "common/workloads.rs"]
mod workloads;

use workloads::{NAMES, Workload};

fn training(c: &mut Criterion) {
    let mut group = c.benchmark_group("training");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    for name in NAMES {
        let mut w = Workload::new(name);
        group.bench_function(name, |b| b.iter(|| black_box(w.step())));
    }
    group.finish();
}

criterion_group!(benches, training);
criterion_main!(benches);
