//! A short version of `examples/memory_soak.rs` (which runs 10,000 steps):
//! the resident set of `mlp_wide` training does not grow between step 100
//! and step 300. Linux only; the only test in its binary, so no other test
//! allocates meanwhile.

#[path = "../benches/common/workloads.rs"]
#[allow(dead_code)]
mod workloads;

fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

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
