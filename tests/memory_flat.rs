//! A short version of `examples/memory_soak.rs` (which runs 10,000 steps):
//! the resident set of `mlp_wide` training does not grow between step 100
//! and step 300. Linux only; the only test in its binary, so no other test
//! allocates meanwhile.

#[path = "../benches/common/workloads.rs"]
#[allow(dead_code)]
mod workloads;

#[path = "../benches/common/proc_stats.rs"]
#[allow(dead_code)]
mod proc_stats;

use proc_stats::rss_bytes;

#[cfg(target_os = "linux")]
#[test]
fn mlp_wide_training_holds_a_flat_resident_set() {
    let mut w = workloads::Workload::new("mlp_wide");
    for _ in 0..100 {
        w.step();
    }
    let early = rss_bytes().expect("VmRSS in /proc/self/status");
    for _ in 0..200 {
        w.step();
    }
    let late = rss_bytes().expect("VmRSS in /proc/self/status");
    assert!(
        late <= early + (1 << 20),
        "RSS grew from {early} to {late} bytes over 200 steps"
    );
}
