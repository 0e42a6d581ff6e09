//! The four training workloads of the side-by-side benchmark
//! (`../shared/bench`: PyTorch, candle, burn, dfdx), printed as the peers
//! print them: one JSON line per workload,
//! `{"peer":"gradflow","workload":..,"median_ms":..,"min_ms":..,"max_ms":..,"threads":..}`.
//!
//! ```sh
//! cargo run --release --features threading --example bench_workloads      # the CPU count (2 here)
//! GRADFLOW_NUM_THREADS=1 cargo run --release --features threading --example bench_workloads
//! ```
//!
//! 10 warm-up steps, then the median of 50 timed steps; for `tiny` each
//! timed sample is the mean of 20 steps (a single step is too short for the
//! clock). `--memory` adds each workload's peak heap during a step, counted
//! by a counting global allocator from the heap the process held before the
//! workload was built (so it counts the model, optimizer, batch and step),
//! beside the bytes a step must hold (`docs/performance.md` gives the
//! formula); each workload then runs in a process of its own. Pass
//! workload names to run only those.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[path = "../benches/common/workloads.rs"]
mod workloads;

#[path = "../benches/common/proc_stats.rs"]
#[allow(dead_code)]
mod proc_stats;

use proc_stats::minor_faults;
use workloads::{NAMES, Workload};

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters are
// only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer and layouts.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let memory = args.iter().any(|a| a == "--memory");
    let chosen: Vec<&str> = NAMES
        .into_iter()
        .filter(|n| !args.iter().any(|a| !a.starts_with("--")) || args.iter().any(|a| a == n))
        .collect();
    if memory && chosen.len() > 1 {
        // A thread keeps its tapes' spare allocations after a workload
        // ends; the next one would reuse them uncounted. One process each.
        for name in chosen {
            let exe = std::env::current_exe().expect("the running example's path");
            let child = std::process::Command::new(exe)
                .args(["--memory", name])
                .output()
                .expect("the example runs itself");
            print!("{}", String::from_utf8_lossy(&child.stdout));
            assert!(
                child.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&child.stderr)
            );
        }
        return;
    }
    for name in chosen {
        // What the process held before this workload existed (the
        // runtime's own allocations, the arguments, stdout's buffer): not
        // the training step's, so not counted in its figures.
        let process = LIVE.load(Ordering::Relaxed);
        let mut w = Workload::new(name);
        let per_sample = if name == "tiny" { 20 } else { 1 };
        let warmup = if name == "tiny" { 100 } else { 10 };
        for _ in 0..warmup {
            w.step();
        }
        // Measured after the warm-up (the step's recycled allocations have
        // their steady size) and before the timing loop allocates its
        // samples, so the figure is the model's and the step's alone.
        let heap = memory.then(|| {
            let before = LIVE.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            w.step();
            let peak = PEAK.load(Ordering::Relaxed);
            // Fresh pages a steady step touches: 0 when every buffer it
            // allocates comes back from the allocator's free lists.
            let faults = minor_faults().map(|f0| {
                for _ in 0..20 {
                    w.step();
                }
                minor_faults().map_or(f64::NAN, |f1| (f1 - f0) as f64 / 20.0)
            });
            (before - process, peak - process, faults)
        });
        let mut samples_ms = Vec::with_capacity(50);
        let mut loss = 0.0;
        for _ in 0..50 {
            let t = Instant::now();
            for _ in 0..per_sample {
                loss = w.step();
            }
            samples_ms.push(t.elapsed().as_secs_f64() * 1e3 / per_sample as f64);
        }
        samples_ms.sort_by(f64::total_cmp);
        let median = (samples_ms[24] + samples_ms[25]) / 2.0;
        let mut line = format!(
            "{{\"peer\":\"gradflow\",\"workload\":\"{name}\",\"median_ms\":{median:.4},\"min_ms\":{:.4},\"max_ms\":{:.4},\"threads\":{},\"final_loss\":{loss:.6}",
            samples_ms[0],
            samples_ms[49],
            gradflow::num_threads()
        );
        if let Some((before, peak, faults)) = heap {
            let must = w.must_hold_bytes();
            line += &format!(
                ",\"heap_before_step_bytes\":{before},\"peak_heap_bytes\":{peak},\"must_hold_bytes\":{must},\"peak_over_must\":{:.3},\"params\":{}",
                peak as f64 / must as f64,
                w.num_params()
            );
            if let Some(f) = faults {
                line += &format!(",\"minor_faults_per_step\":{f:.2}");
            }
        }
        line.push('}');
        println!("{line}");
    }
}
