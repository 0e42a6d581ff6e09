//! Long training runs hold a flat resident set: trains the `mlp_wide`
//! workload (batch 128, 784-512-512-10, ReLU, cross-entropy, Adam) and
//! reads the operating system's resident-set size (`VmRSS` in
//! `/proc/self/status`) after 1,000 and after 10,000 steps.
//!
//! ```sh
//! cargo run --release --example memory_soak                 # 10,000 steps, ≈ 1–2 min
//! cargo run --release --example memory_soak -- --steps 3000 --check-at 1000
//! ```
//!
//! Exits non-zero when the RSS after the last step exceeds the RSS at the
//! check point by more than 1 MiB (`docs/reliability.md`). Linux only (other
//! systems: prints that RSS is unavailable and exits 0).

#[path = "../benches/common/workloads.rs"]
#[allow(dead_code)]
mod workloads;

#[path = "../benches/common/proc_stats.rs"]
#[allow(dead_code)]
mod proc_stats;

use std::time::Instant;

use proc_stats::rss_bytes;
use workloads::Workload;

fn flag(args: &[String], name: &str, default: u64) -> u64 {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                eprintln!("{name} needs a whole number");
                std::process::exit(2)
            }),
        None => default,
    }
}

const TOLERANCE_BYTES: u64 = 1 << 20;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let steps = flag(&args, "--steps", 10_000);
    let check_at = flag(&args, "--check-at", 1_000);
    if check_at == 0 || check_at >= steps {
        eprintln!("--check-at must be between 1 and --steps - 1");
        std::process::exit(2);
    }
    let Some(start) = rss_bytes() else {
        println!("resident-set size unavailable on this system (no /proc/self/status)");
        return;
    };
    let mut w = Workload::new("mlp_wide");
    let t = Instant::now();
    let mut at_check = 0;
    let mut loss = f32::NAN;
    for step in 1..=steps {
        loss = w.step();
        if step == check_at {
            at_check = rss_bytes().unwrap_or(0);
        }
        if step % 1000 == 0 || step == steps {
            println!(
                "step {step:>6}: RSS {:>8.2} MiB, loss {loss:.5}, {:.1} s",
                rss_bytes().unwrap_or(0) as f64 / 1048576.0,
                t.elapsed().as_secs_f64()
            );
        }
    }
    let end = rss_bytes().unwrap_or(0);
    let growth = end as i64 - at_check as i64;
    println!(
        "RSS at start {:.2} MiB, after {check_at} steps {:.2} MiB, after {steps} steps {:.2} MiB: growth {:+} KiB (tolerance {} KiB); final loss {loss:.5}",
        start as f64 / 1048576.0,
        at_check as f64 / 1048576.0,
        end as f64 / 1048576.0,
        growth / 1024,
        TOLERANCE_BYTES / 1024
    );
    if growth > TOLERANCE_BYTES as i64 {
        eprintln!("FAIL: the resident set grew by more than 1 MiB");
        std::process::exit(1);
    }
}
