//! Gradient statistics in one fused pass.

use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// Independent accumulators per chunk: 16 f32 lanes fill one AVX-512 or two
/// AVX registers, enough to hide the add latency.
const LANES: usize = 16;
/// Elements summed in the element type before folding into f64: 64 terms
/// per f32 lane stay within ~4e-6 relative in the worst case (plenty for a
/// diagnostic), and folding this rarely keeps the fold off the profile (it
/// was 40% of the pass at 256).
const CHUNK: usize = 1024;

/// Summary statistics of one gradient tensor, computed in a single pass
/// with no allocation ([`GradStats::of`]).
///
/// Non-finite elements (NaN, ±inf) are counted in `nonfinite` and left out
/// of every other sum, so one bad element does not hide the magnitude of
/// the rest. The L2 norm is accumulated in `f64` with scaling (as LAPACK's
/// `nrm2`), so squares of huge `f32` values do not overflow.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GradStats {
    /// Number of elements.
    pub numel: u64,
    /// `√(Σ g²)` over the finite elements.
    pub l2: f64,
    /// `Σ |g|` over the finite elements.
    pub sum_abs: f64,
    /// `max |g|` over the finite elements.
    pub max_abs: f64,
    /// Number of elements exactly zero.
    pub zeros: u64,
    /// Number of NaN or infinite elements.
    pub nonfinite: u64,
    /// For a layer output `[batch, units, ...]`: the fraction of units whose
    /// gradient is exactly zero for every example (dead units).
    pub dead_frac: Option<f64>,
}

impl GradStats {
    /// Statistics of every element of `g`.
    pub fn of<T: Scalar>(g: &Tensor<T>) -> GradStats {
        let data = g.data();
        let acc = crate::dispatch::with_avx2(
            #[inline(always)]
            || accumulate(data),
        );
        acc.finish(g.numel() as u64)
    }

    /// As [`GradStats::of`], plus the dead-unit fraction for a layer output
    /// of shape `[batch, units, ...]`: a unit is dead when its gradient is
    /// exactly zero for every example (and every trailing position).
    pub fn of_layer_output<T: Scalar>(g: &Tensor<T>) -> GradStats {
        let mut stats = GradStats::of(g);
        if g.rank() >= 2 && g.shape()[0] > 0 && g.shape()[1] > 0 {
            let (batch, units) = (g.shape()[0], g.shape()[1]);
            let inner = g.numel() / (batch * units);
            let data = g.data();
            let dead = (0..units)
                .filter(|&u| {
                    (0..batch).all(|b| {
                        let start = (b * units + u) * inner;
                        data[start..start + inner].iter().all(|&x| x == T::zero())
                    })
                })
                .count();
            stats.dead_frac = Some(dead as f64 / units as f64);
        }
        stats
    }

    /// `l2 / √numel`: the typical element size, comparable across layers of
    /// different widths (raw L2 grows with `√numel`).
    pub fn rms(&self) -> f64 {
        if self.numel == 0 {
            0.0
        } else {
            self.l2 / (self.numel as f64).sqrt()
        }
    }

    /// `Σ|g| / numel`.
    pub fn mean_abs(&self) -> f64 {
        if self.numel == 0 {
            0.0
        } else {
            self.sum_abs / self.numel as f64
        }
    }

    /// Fraction of exact zeros.
    pub fn zero_frac(&self) -> f64 {
        if self.numel == 0 {
            0.0
        } else {
            self.zeros as f64 / self.numel as f64
        }
    }

    /// Combines the statistics of two tensors (micro-batches, or a
    /// parameter's pieces) as if they were one.
    pub fn merge(&self, other: &GradStats) -> GradStats {
        GradStats {
            numel: self.numel + other.numel,
            l2: self.l2.hypot(other.l2),
            sum_abs: self.sum_abs + other.sum_abs,
            max_abs: self.max_abs.max(other.max_abs),
            zeros: self.zeros + other.zeros,
            nonfinite: self.nonfinite + other.nonfinite,
            dead_frac: match (self.dead_frac, other.dead_frac) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }
}

/// The fused pass behind [`GradStats::of`].
#[inline(always)]
fn accumulate<T: Scalar>(data: &[T]) -> Accumulator {
    let mut acc = Accumulator::default();
    // Chunks accumulate in the element type over `LANES` independent
    // lanes (fixed-size arrays the compiler keeps in vector registers),
    // then fold into f64. A chunk whose sums are not finite — huge
    // values whose squares overflow, or NaN/Inf — is redone element by
    // element with the careful path.
    for chunk in data.chunks(CHUNK) {
        let mut sq = [T::zero(); LANES];
        let mut abs = [T::zero(); LANES];
        let mut max = [T::zero(); LANES];
        let mut zeros = [0u32; LANES];
        let mut blocks = chunk.chunks_exact(LANES);
        for block in &mut blocks {
            for l in 0..LANES {
                let a = block[l].abs();
                sq[l] += a * a;
                abs[l] += a;
                max[l] = if a > max[l] { a } else { max[l] };
                zeros[l] += u32::from(a == T::zero());
            }
        }
        for (l, &x) in blocks.remainder().iter().enumerate() {
            let a = x.abs();
            sq[l] += a * a;
            abs[l] += a;
            max[l] = if a > max[l] { a } else { max[l] };
            zeros[l] += u32::from(a == T::zero());
        }
        let chunk_sq: f64 = sq.iter().map(|v| v.as_f64()).sum();
        let chunk_abs: f64 = abs.iter().map(|v| v.as_f64()).sum();
        if chunk_sq.is_finite() && chunk_abs.is_finite() {
            // Finite sums mean finite lanes: compare in the element type.
            let chunk_max = max
                .iter()
                .fold(T::zero(), |m, &v| if v > m { v } else { m });
            acc.add_chunk(
                chunk_sq,
                chunk_abs,
                chunk_max.as_f64(),
                zeros.iter().sum::<u32>() as u64,
            );
        } else {
            for &x in chunk {
                acc.add_careful(x.as_f64());
            }
        }
    }
    acc
}

/// Running sums of [`GradStats::of`]: fast chunks add plain sums of
/// squares; the careful path keeps a scaled sum (LAPACK `nrm2`) so that no
/// square overflows; the two combine at the end.
#[derive(Default)]
struct Accumulator {
    plain_ssq: f64,
    scale: f64,
    scaled_ssq: f64,
    sum_abs: f64,
    max_abs: f64,
    zeros: u64,
    nonfinite: u64,
}

impl Accumulator {
    #[inline(always)]
    fn add_chunk(&mut self, ssq: f64, sum_abs: f64, max_abs: f64, zeros: u64) {
        self.plain_ssq += ssq;
        self.sum_abs += sum_abs;
        self.max_abs = self.max_abs.max(max_abs);
        self.zeros += zeros;
    }

    fn add_careful(&mut self, x: f64) {
        let a = x.abs();
        if !a.is_finite() {
            self.nonfinite += 1;
            return;
        }
        if a == 0.0 {
            self.zeros += 1;
            return;
        }
        self.sum_abs += a;
        self.max_abs = self.max_abs.max(a);
        if self.scale < a {
            self.scaled_ssq = 1.0 + self.scaled_ssq * (self.scale / a) * (self.scale / a);
            self.scale = a;
        } else {
            self.scaled_ssq += (a / self.scale) * (a / self.scale);
        }
    }

    fn finish(self, numel: u64) -> GradStats {
        // ‖g‖ = √(plain + scale²·scaled), combined without forming scale².
        let l2 = if self.scale == 0.0 {
            self.plain_ssq.sqrt()
        } else {
            self.scale * (self.scaled_ssq + self.plain_ssq / self.scale / self.scale).sqrt()
        };
        GradStats {
            numel,
            l2,
            sum_abs: self.sum_abs,
            max_abs: self.max_abs,
            zeros: self.zeros,
            nonfinite: self.nonfinite,
            dead_frac: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_a_known_gradient() {
        let g = Tensor::<f64>::from_vec(vec![3.0, -4.0, 0.0, 0.0], [4]).unwrap();
        let s = GradStats::of(&g);
        assert_eq!(s.numel, 4);
        assert!((s.l2 - 5.0).abs() < 1e-15);
        assert!((s.rms() - 2.5).abs() < 1e-15);
        assert_eq!(s.sum_abs, 7.0);
        assert_eq!(s.mean_abs(), 1.75);
        assert_eq!(s.max_abs, 4.0);
        assert_eq!(s.zeros, 2);
        assert_eq!(s.zero_frac(), 0.5);
        assert_eq!(s.nonfinite, 0);
    }

    #[test]
    fn nonfinite_values_are_counted_and_kept_out_of_the_norms() {
        let g = Tensor::<f32>::from_vec(
            vec![f32::NAN, 1.0, f32::INFINITY, -2.0, f32::NEG_INFINITY],
            [5],
        )
        .unwrap();
        let s = GradStats::of(&g);
        assert_eq!(s.nonfinite, 3);
        assert!((s.l2 - 5f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.max_abs, 2.0);
        assert_eq!(s.sum_abs, 3.0);
    }

    #[test]
    fn all_zero_gradient_has_zero_norm_and_full_zero_fraction() {
        let s = GradStats::of(&Tensor::<f32>::zeros([3, 3]));
        assert_eq!(s.l2, 0.0);
        assert_eq!(s.rms(), 0.0);
        assert_eq!(s.zero_frac(), 1.0);
    }

    #[test]
    fn huge_f32_values_do_not_overflow_the_norm() {
        // 3e30² = 9e60 overflows f32 (max 3.4e38) but not the scaled sum.
        let g = Tensor::<f32>::from_vec(vec![3e30, 4e30], [2]).unwrap();
        let s = GradStats::of(&g);
        assert!((s.l2 / 5e30 - 1.0).abs() < 1e-6, "{}", s.l2);
        assert!(s.l2.is_finite());
    }

    #[test]
    fn dead_units_are_zero_for_every_example() {
        // [batch 2, units 3]: unit 1 is zero in both rows, unit 2 in one only.
        let g = Tensor::<f64>::from_vec(vec![1.0, 0.0, 0.0, 2.0, 0.0, 5.0], [2, 3]).unwrap();
        let s = GradStats::of_layer_output(&g);
        assert_eq!(s.dead_frac, Some(1.0 / 3.0));
    }

    #[test]
    fn merge_equals_statistics_of_the_concatenation() {
        let a = Tensor::<f64>::from_vec(vec![1.0, -2.0, 0.0], [3]).unwrap();
        let b = Tensor::<f64>::from_vec(vec![3.0, f64::NAN], [2]).unwrap();
        let both = Tensor::concat(&[&a, &b], 0);
        let merged = GradStats::of(&a).merge(&GradStats::of(&b));
        let direct = GradStats::of(&both);
        assert!((merged.l2 - direct.l2).abs() < 1e-12);
        assert_eq!(merged.numel, direct.numel);
        assert_eq!(merged.sum_abs, direct.sum_abs);
        assert_eq!(merged.zeros, direct.zeros);
        assert_eq!(merged.nonfinite, direct.nonfinite);
    }
}
