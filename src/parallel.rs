//! Fork-join across cores for the `threading` feature: [`join`] runs two
//! closures at once, one on the calling thread and one on a pooled worker.
//!
//! Why not rayon or matrixmultiply's own pool: the products of the networks
//! this crate is about (64×256×256 takes ≈ 0.1 ms) are too short for a
//! worker that has gone to sleep — waking it through the kernel costs tens
//! of microseconds on a VM, which ate the whole gain when measured. So each
//! worker spins for a while after its last job (as OpenMP runtimes do) and
//! only then parks; during a training step it is always awake.
//!
//! Without the feature, or when every worker is busy (another thread is
//! joining, or a join nested inside a job), [`join`] runs both closures on
//! the calling thread. Results never depend on which happened: callers split
//! work into parts whose arithmetic is the same wherever it runs.
//!
//! The thread count is `GRADFLOW_NUM_THREADS`, else `MATMUL_NUM_THREADS`
//! (matrixmultiply's variable, so one setting governs both), else the
//! number of logical CPUs; read once.

/// How many threads gradflow's products may use: 1 without the `threading`
/// feature, else `GRADFLOW_NUM_THREADS`, else `MATMUL_NUM_THREADS`, else
/// the number of logical CPUs (read once; re-exported as
/// `gradflow::num_threads`).
pub fn threads() -> usize {
    imp::threads()
}

/// Runs `a` and `b`, possibly at the same time, and returns both results.
/// A panic in either is resumed on the caller after both have finished.
pub(crate) fn join<RA: Send, RB: Send>(
    a: impl FnOnce() -> RA + Send,
    b: impl FnOnce() -> RB + Send,
) -> (RA, RB) {
    imp::join(a, b)
}

#[cfg(not(feature = "threading"))]
mod imp {
    pub(super) fn threads() -> usize {
        1
    }

    pub(super) fn join<RA, RB>(a: impl FnOnce() -> RA, b: impl FnOnce() -> RB) -> (RA, RB) {
        (a(), b())
    }
}

#[cfg(feature = "threading")]
mod imp {
    use std::any::Any;
    use std::cell::UnsafeCell;
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::*};
    use std::thread::Thread;
    use std::time::{Duration, Instant};

    /// How long an idle worker spins before it parks.
    const SPIN: Duration = Duration::from_millis(2);

    const IDLE: u8 = 0;
    const CLAIMED: u8 = 1;
    const READY: u8 = 2;
    const RUNNING: u8 = 3;
    const DONE: u8 = 4;

    /// A job: a closure on the joining thread's stack, erased to `'static`.
    /// Sound because `join` does not return (or unwind) before the worker
    /// has set `DONE`, so the closure outlives every use.
    type Job = *mut (dyn FnMut() + Send + 'static);

    struct Slot {
        state: AtomicU8,
        sleeping: AtomicBool,
        job: UnsafeCell<Option<Job>>,
        panic: UnsafeCell<Option<Box<dyn Any + Send>>>,
        thread: OnceLock<Thread>,
    }

    // SAFETY: `job` and `panic` are only touched by the thread that owns the
    // slot in the current phase of `state`: the claiming caller from CLAIMED
    // to READY, after taking a READY job back, and after DONE; the worker
    // from RUNNING (which only it sets, from READY) to DONE.
    // The Release/Acquire pairs on `state` order those accesses.
    unsafe impl Sync for Slot {}

    struct Pool {
        slots: Vec<&'static Slot>,
    }

    fn configured_threads() -> usize {
        ["GRADFLOW_NUM_THREADS", "MATMUL_NUM_THREADS"]
            .iter()
            .find_map(|v| std::env::var(v).ok()?.trim().parse::<usize>().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }

    fn pool() -> &'static Pool {
        static POOL: OnceLock<Pool> = OnceLock::new();
        POOL.get_or_init(|| {
            let mut slots = Vec::new();
            for i in 1..configured_threads() {
                let slot: &'static Slot = Box::leak(Box::new(Slot {
                    state: AtomicU8::new(IDLE),
                    sleeping: AtomicBool::new(false),
                    job: UnsafeCell::new(None),
                    panic: UnsafeCell::new(None),
                    thread: OnceLock::new(),
                }));
                let spawned = std::thread::Builder::new()
                    .name(format!("gradflow-worker-{i}"))
                    .spawn(move || work(slot));
                // A worker that cannot be spawned is simply not used.
                if let Ok(handle) = spawned {
                    let _ = slot.thread.set(handle.thread().clone());
                    slots.push(slot);
                }
            }
            Pool { slots }
        })
    }

    pub(super) fn threads() -> usize {
        pool().slots.len() + 1
    }

    fn work(slot: &'static Slot) {
        loop {
            let mut since = Instant::now();
            let mut spins = 0u32;
            while slot
                .state
                .compare_exchange_weak(READY, RUNNING, Acquire, Relaxed)
                .is_err()
            {
                spins = spins.wrapping_add(1);
                if !spins.is_multiple_of(64) {
                    std::hint::spin_loop();
                } else if since.elapsed() <= SPIN {
                    // Give the core away if another thread wants it: on a
                    // busy machine a pure spin starves the joining thread.
                    std::thread::yield_now();
                } else {
                    slot.sleeping.store(true, SeqCst);
                    if slot.state.load(SeqCst) != READY {
                        std::thread::park();
                    }
                    slot.sleeping.store(false, SeqCst);
                    since = Instant::now();
                }
            }
            // SAFETY: RUNNING hands `job` to this thread until it stores DONE;
            // the pointer is valid until then (see `Job`).
            let job = unsafe { (*slot.job.get()).take() };
            if let Some(job) = job {
                // SAFETY: as above; the closure is not used anywhere else meanwhile.
                let result = catch_unwind(AssertUnwindSafe(|| unsafe { (*job)() }));
                // SAFETY: this thread owns `panic` until it stores DONE.
                unsafe { *slot.panic.get() = result.err() };
            }
            slot.state.store(DONE, Release);
        }
    }

    /// Waits for the claimed slot's job on drop, so the job's closure (on
    /// the caller's stack) outlives the worker's use even if `a` unwinds.
    struct Claim(&'static Slot);

    impl Claim {
        /// Takes the job back if the worker has not started it (it may be
        /// descheduled on a busy machine: better run `b` here than wait).
        fn take_back(&self) -> bool {
            let back = self
                .0
                .state
                .compare_exchange(READY, CLAIMED, Acquire, Relaxed);
            if back.is_ok() {
                // SAFETY: CLAIMED again: the slot's cells are this thread's.
                unsafe { *self.0.job.get() = None };
                self.0.state.store(IDLE, Release);
                #[cfg(test)]
                std::thread::yield_now();
            }
            back.is_ok()
        }

        fn wait(&self) -> Option<Box<dyn Any + Send>> {
            let mut spins = 0u32;
            while self.0.state.load(Acquire) != DONE {
                spins = spins.wrapping_add(1);
                if spins.is_multiple_of(64) {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
            // SAFETY: DONE hands `panic` back to the claiming thread.
            let panic = unsafe { (*self.0.panic.get()).take() };
            self.0.state.store(IDLE, Release);
            // Tests widen the window in which another caller may claim the
            // slot just released (see `racing_callers_never_lose_or_steal_a_job`).
            #[cfg(test)]
            std::thread::yield_now();
            panic
        }
    }

    impl Drop for Claim {
        /// Only reached when `a` unwinds: the slot is still this caller's
        /// (READY, RUNNING or DONE), so take the job back or wait for it.
        fn drop(&mut self) {
            if !self.take_back() {
                let _ = self.wait();
            }
        }
    }

    pub(super) fn join<RA: Send, RB: Send>(
        a: impl FnOnce() -> RA + Send,
        b: impl FnOnce() -> RB + Send,
    ) -> (RA, RB) {
        let free = pool().slots.iter().find(|s| {
            s.state
                .compare_exchange(IDLE, CLAIMED, Acquire, Relaxed)
                .is_ok()
        });
        let Some(&slot) = free else {
            return (a(), b());
        };
        let mut b = Some(b);
        let mut rb = None;
        let mut run_b = || rb = b.take().map(|b| b());
        let job: *mut (dyn FnMut() + Send + '_) = &mut run_b;
        // SAFETY: only the lifetime is erased; see `Job`.
        let job: Job = unsafe { std::mem::transmute(job) };
        // SAFETY: CLAIMED gives this thread `job` until it stores READY.
        unsafe { *slot.job.get() = Some(job) };
        let claim = Claim(slot);
        slot.state.store(READY, SeqCst);
        if slot.sleeping.load(SeqCst)
            && let Some(t) = slot.thread.get()
        {
            t.unpark();
        }
        let ra = a();
        // Both outcomes release the slot (IDLE), after which another caller
        // may claim it at once: the claim must be forgotten, not dropped,
        // or its drop would see that caller's job as its own and take it
        // back or wait for it (a lost job and a caller spinning forever).
        if claim.take_back() {
            std::mem::forget(claim);
            run_b();
        } else {
            let panic = claim.wait();
            std::mem::forget(claim);
            if let Some(p) = panic {
                resume_unwind(p);
            }
        }
        (
            ra,
            rb.unwrap_or_else(|| unreachable!("the worker ran the job")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_returns_both_results_and_nests() {
        let (a, (b, c)) = join(|| 1 + 1, || join(|| "b", || vec![3; 2]));
        assert_eq!((a, b, c), (2, "b", vec![3, 3]));
    }

    #[test]
    fn join_writes_through_disjoint_borrows() {
        let mut v = vec![0u64; 1000];
        let (lo, hi) = v.split_at_mut(500);
        join(
            || lo.iter_mut().enumerate().for_each(|(i, x)| *x = i as u64),
            || {
                hi.iter_mut()
                    .enumerate()
                    .for_each(|(i, x)| *x = 500 + i as u64)
            },
        );
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
    }

    #[test]
    fn a_panic_in_either_closure_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| join(|| 1, || panic!("in b")));
        assert!(r.is_err());
        let r = std::panic::catch_unwind(|| join(|| panic!("in a"), || 2));
        assert!(r.is_err());
        // The pool still works afterwards.
        assert_eq!(join(|| 3, || 4), (3, 4));
    }

    /// Callers racing for the worker, many times over: a slot released by
    /// one caller and claimed by the next at once must never be touched by
    /// the first again (that race stole or hung jobs in two test threads
    /// that trained at the same time). A watchdog turns a hang into a
    /// failure.
    #[test]
    fn racing_callers_never_lose_or_steal_a_job() {
        let (done, finished) = std::sync::mpsc::channel();
        for t in 0..3u64 {
            let done = done.clone();
            std::thread::spawn(move || {
                // A little work in each half, so the worker really takes
                // jobs and callers hand the slot back and forth.
                let work =
                    |x: u64| (0..200).fold(x, |h, k| std::hint::black_box(h.rotate_left(5) ^ k));
                for i in 0..20_000u64 {
                    let (a, b) = join(|| work(t ^ i), || work(t.wrapping_mul(i)));
                    assert_eq!((a, b), (work(t ^ i), work(t.wrapping_mul(i))));
                }
                let _ = done.send(t);
            });
        }
        drop(done);
        for _ in 0..3 {
            finished
                .recv_timeout(std::time::Duration::from_secs(30))
                .expect("a joining thread hung or panicked");
        }
    }

    #[test]
    fn many_threads_joining_at_once_all_get_their_results() {
        std::thread::scope(|s| {
            for t in 0..4u64 {
                s.spawn(move || {
                    for i in 0..200u64 {
                        assert_eq!(join(|| t * i, || t + i), (t * i, t + i));
                    }
                });
            }
        });
    }
}
