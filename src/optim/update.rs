//! In-place parameter updates: the chunked loop every optimizer runs (with
//! the update norms the monitor reports), and the split of a large
//! parameter's update across two cores.

use crate::scalar::Scalar;

/// Parameters of at least this many elements are updated in two halves,
/// one per core. The update streams the parameter, its gradient and the
/// optimizer's state through memory (SGD with momentum: 20 bytes an f32
/// element; Adam: 28), so a large one is bound by one core's bandwidth;
/// below this size the fork-join costs more than the second core saves.
const SPLIT_MIN: usize = 1 << 15;

/// Elements per chunk of [`Accum::update`] (each half of a split is whole
/// chunks).
const CHUNK: usize = 256;

/// What an update reads and writes, split into two disjoint halves at an
/// element index: the parameter's slice, its gradient's, the state's.
pub(crate) trait Halves: Sized + Send {
    fn halves(self, mid: usize) -> (Self, Self);
}

impl<T: Send> Halves for &mut [T] {
    fn halves(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

impl<T: Sync> Halves for &[T] {
    fn halves(self, mid: usize) -> (Self, Self) {
        self.split_at(mid)
    }
}

impl<A: Halves> Halves for Option<A> {
    fn halves(self, mid: usize) -> (Self, Self) {
        match self {
            Some(a) => {
                let (x, y) = a.halves(mid);
                (Some(x), Some(y))
            }
            None => (None, None),
        }
    }
}

macro_rules! tuple_halves {
    ($($name:ident),+) => {
        impl<$($name: Halves),+> Halves for ($($name,)+) {
            #[allow(non_snake_case)]
            fn halves(self, mid: usize) -> (Self, Self) {
                let ($($name,)+) = self;
                $(let $name = $name.halves(mid);)+
                (($($name.0,)+), ($($name.1,)+))
            }
        }
    };
}
tuple_halves!(A, B);
tuple_halves!(A, B, C);
tuple_halves!(A, B, C, D);
tuple_halves!(A, B, C, D, E);

/// Runs `body(parts, acc)` over a parameter's `len` elements: at once when
/// small, else as two halves (whole chunks each) on two cores, their norms
/// added into `acc` first half first. Whether it splits depends on `len`
/// alone, never on the threads available, so results are the same bits
/// with one thread or two.
pub(crate) fn split_update<P: Halves>(
    len: usize,
    parts: P,
    acc: &mut Accum,
    body: impl Fn(P, &mut Accum) + Sync,
) {
    if len < SPLIT_MIN {
        body(parts, acc);
        return;
    }
    let mid = len / 2 / CHUNK * CHUNK;
    let (first, second) = parts.halves(mid);
    let run = |part: P| {
        let mut a = Accum::default();
        body(part, &mut a);
        a
    };
    let (a, b) = crate::parallel::join(|| run(first), || run(second));
    acc.update_sq += a.update_sq;
    acc.update_sq += b.update_sq;
    acc.param_sq += a.param_sq;
    acc.param_sq += b.param_sq;
}

/// Sums of squares for [`UpdateNorm`]: per chunk in the element type, totals in f64.
#[derive(Default)]
pub(crate) struct Accum {
    pub(super) update_sq: f64,
    pub(super) param_sq: f64,
}

impl Accum {
    /// Updates `theta` in place, a chunk at a time: `f(range, chunk)`
    /// rewrites `chunk`, which is `theta[range]`, and may read and write
    /// the optimizer's state over the same `range`. Accumulates
    /// `Σ(new - old)²` and `Σ old²` on the way.
    ///
    /// Each chunk's old values are kept in a small stack buffer so that the
    /// update itself is a plain elementwise loop (written by `f` over
    /// zipped slices: no bounds checks, no reductions) and the norms are a
    /// separate loop over sixteen independent lanes; both vectorize, where
    /// one fused loop with a running sum stayed scalar. Within a chunk the
    /// lanes sum in the element type (each lane adds 16 squares: for `f32`
    /// a relative error near 1e-6, ample for a diagnostic, at a third of
    /// the cost of converting every element to `f64` — which was 7% of a
    /// deep MLP's SGD step); each chunk's lanes are then added into `f64`
    /// totals in a fixed order. Callers wrap it in
    /// [`with_avx2`](crate::dispatch::with_avx2) for wider vectors.
    #[inline(always)]
    pub(crate) fn update<T: Scalar>(
        &mut self,
        theta: &mut [T],
        mut f: impl FnMut(std::ops::Range<usize>, &mut [T]),
    ) {
        // Left uninitialized: each chunk's prefix is written before it is
        // read (zeroing 1 KiB per parameter showed in tiny networks' steps).
        const LANES: usize = 16;
        let mut old = [std::mem::MaybeUninit::<T>::uninit(); CHUNK];
        let (mut dsq, mut psq) = (0.0f64, 0.0f64);
        for (c, chunk) in theta.chunks_mut(CHUNK).enumerate() {
            let start = c * CHUNK;
            let old_buf = &mut old[..chunk.len()];
            for (o, &x) in old_buf.iter_mut().zip(chunk.iter()) {
                o.write(x);
            }
            // SAFETY: every element of `old_buf` was written just above, and
            // `MaybeUninit<T>` has `T`'s layout.
            let old: &[T] =
                unsafe { &*(old_buf as *const [std::mem::MaybeUninit<T>] as *const [T]) };
            f(start..start + chunk.len(), chunk);
            let mut d_lanes = [T::zero(); LANES];
            let mut p_lanes = [T::zero(); LANES];
            let mut olds = old.chunks_exact(LANES);
            let mut news = chunk.chunks_exact(LANES);
            for (o16, n16) in (&mut olds).zip(&mut news) {
                for l in 0..LANES {
                    let o = o16[l];
                    let d = n16[l] - o;
                    d_lanes[l] += d * d;
                    p_lanes[l] += o * o;
                }
            }
            for (l, (&o, &n)) in olds.remainder().iter().zip(news.remainder()).enumerate() {
                let d = n - o;
                d_lanes[l] += d * d;
                p_lanes[l] += o * o;
            }
            for l in 0..LANES {
                dsq += d_lanes[l].as_f64();
                psq += p_lanes[l].as_f64();
            }
        }
        self.update_sq += dsq;
        self.param_sq += psq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A momentum-SGD-like update over `(theta, g, buf)`.
    fn body(parts: (&mut [f32], &[f32], &mut [f32]), acc: &mut Accum) {
        let (theta, g, b) = parts;
        acc.update(theta, |r, t| {
            for ((t, &gi), bi) in t.iter_mut().zip(&g[r.clone()]).zip(&mut b[r]) {
                *bi = 0.9 * *bi + gi;
                *t -= 0.01 * *bi;
            }
        });
    }

    fn inputs(n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let f = |i: usize, k: f32| (i as f32 * k).sin() * 3.0;
        (
            (0..n).map(|i| f(i, 0.37)).collect(),
            (0..n).map(|i| f(i, 1.13)).collect(),
            (0..n).map(|i| f(i, 0.71)).collect(),
        )
    }

    #[test]
    fn a_split_update_writes_the_same_bits_as_one_pass() {
        // Odd length: the halves meet at a chunk boundary, not at n / 2.
        let n = SPLIT_MIN * 2 + 777;
        let (mut t1, g, mut b1) = inputs(n);
        let (mut t2, mut b2) = (t1.clone(), b1.clone());
        let mut whole = Accum::default();
        body((&mut t1, &g, &mut b1), &mut whole);
        let mut split = Accum::default();
        split_update(n, (&mut t2[..], &g[..], &mut b2[..]), &mut split, body);
        assert!(t1.iter().zip(&t2).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(b1.iter().zip(&b2).all(|(a, b)| a.to_bits() == b.to_bits()));
        // The norms differ only in how the f64 chunk totals were grouped.
        let rel = |a: f64, b: f64| (a - b).abs() / a.abs();
        assert!(rel(whole.update_sq, split.update_sq) < 1e-12);
        assert!(rel(whole.param_sq, split.param_sq) < 1e-12);
        assert!(whole.update_sq > 0.0);
    }

    #[test]
    fn the_split_norms_are_the_halves_added_in_order() {
        let n = SPLIT_MIN + 300;
        let (mut t, g, mut b) = inputs(n);
        let mid = n / 2 / CHUNK * CHUNK;
        let (mut t_lo, mut b_lo) = (t[..mid].to_vec(), b[..mid].to_vec());
        let (mut t_hi, mut b_hi) = (t[mid..].to_vec(), b[mid..].to_vec());
        let (mut lo, mut hi) = (Accum::default(), Accum::default());
        body((&mut t_lo, &g[..mid], &mut b_lo), &mut lo);
        body((&mut t_hi, &g[mid..], &mut b_hi), &mut hi);
        let mut split = Accum::default();
        split_update(n, (&mut t[..], &g[..], &mut b[..]), &mut split, body);
        assert_eq!(
            split.update_sq.to_bits(),
            (lo.update_sq + hi.update_sq).to_bits()
        );
        assert_eq!(
            split.param_sq.to_bits(),
            (lo.param_sq + hi.param_sq).to_bits()
        );
        // Below the threshold: one pass, not halves.
        let small = SPLIT_MIN - 1;
        let (mut t, g, mut b) = inputs(small);
        let (mut t1, mut b1) = (t.clone(), b.clone());
        let (mut once, mut via) = (Accum::default(), Accum::default());
        body((&mut t1, &g, &mut b1), &mut once);
        split_update(small, (&mut t[..], &g[..], &mut b[..]), &mut via, body);
        assert_eq!(once.update_sq.to_bits(), via.update_sq.to_bits());
    }
}
