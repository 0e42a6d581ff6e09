//! Run-time CPU feature dispatch for the crate's hot loops.
//!
//! The crate is built for the baseline target (no `target-cpu` flags, so it
//! runs on any x86_64 or aarch64). Loops that vectorize well are written
//! once as plain generic Rust and compiled a second time with AVX2 enabled;
//! [`with_avx2`] picks that copy when the CPU has it.

/// Calls `f`, compiled with AVX2 when the running CPU supports it.
///
/// Mark the closure `#[inline(always)]` and keep its body (and whatever it
/// calls) `#[inline(always)]`, so that it is inlined into the AVX2 copy and
/// compiled with the feature.
#[inline(always)]
pub(crate) fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above), the only
            // requirement of `call_avx2`.
            return unsafe { call_avx2(f) };
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn call_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}
