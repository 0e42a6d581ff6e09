//! Random tensors from a caller's seeded RNG.
//!
//! The sampling algorithms are written here, on top of the raw 64-bit
//! stream, rather than borrowed from `rand_distr`: a distribution crate may
//! change its algorithm between versions, and then the same seed would no
//! longer give the same network. With [`Rng`](crate::Rng) (PCG, a fixed
//! algorithm) the same seed gives the same tensor, bit for bit, forever.

use rand::Rng as RandomSource;

use super::{Shape, Tensor};
use crate::scalar::Scalar;

impl<T: Scalar> Tensor<T> {
    /// Samples from `U[low, high)`, as `torch.Tensor.uniform_`:
    /// `low + (high - low)·u` with `u` uniform in `[0, 1)`.
    ///
    /// ```
    /// use gradflow::{Rng, SeedableRng, Tensor};
    /// let mut rng = Rng::seed_from_u64(0);
    /// let w = Tensor::<f32>::uniform([3, 4], -0.5, 0.5, &mut rng);
    /// assert!(w.data().iter().all(|&x| (-0.5..0.5).contains(&x)));
    /// ```
    ///
    /// # Panics
    /// If `low > high` or either bound is not finite.
    #[track_caller]
    pub fn uniform<R: RandomSource + ?Sized>(
        shape: impl Into<Shape>,
        low: T,
        high: T,
        rng: &mut R,
    ) -> Tensor<T> {
        assert!(
            low.is_finite() && high.is_finite() && low <= high,
            "Tensor::uniform: bounds must be finite with low <= high, got low = {low}, high = {high}"
        );
        let shape = shape.into();
        let width = high - low;
        let data = (0..shape.numel())
            .map(|_| low + width * T::unit_from_bits(rng.next_u64()))
            .collect();
        Tensor::from_parts(data, shape)
    }

    /// Samples from `N(mean, std²)` by the Box–Muller transform, computed in
    /// `f64` and rounded once.
    ///
    /// # Panics
    /// If `std` is negative or either argument is not finite.
    #[track_caller]
    pub fn normal<R: RandomSource + ?Sized>(
        shape: impl Into<Shape>,
        mean: T,
        std: T,
        rng: &mut R,
    ) -> Tensor<T> {
        assert!(
            mean.is_finite() && std.is_finite() && std >= T::zero(),
            "Tensor::normal: mean must be finite and std finite and >= 0, got mean = {mean}, std = {std}"
        );
        let shape = shape.into();
        let n = shape.numel();
        let (mean, std) = (mean.as_f64(), std.as_f64());
        let mut data = Vec::with_capacity(n);
        while data.len() < n {
            let (z0, z1) = standard_normal_pair(rng);
            data.push(T::of(mean + std * z0));
            if data.len() < n {
                data.push(T::of(mean + std * z1));
            }
        }
        Tensor::from_parts(data, shape)
    }
}

/// Two independent standard normal samples (Box–Muller).
fn standard_normal_pair<R: RandomSource + ?Sized>(rng: &mut R) -> (f64, f64) {
    // u1 in (0, 1]: never 0, so ln(u1) is finite.
    let u1 = 1.0 - f64::unit_from_bits(rng.next_u64());
    let u2 = f64::unit_from_bits(rng.next_u64());
    let radius = (-2.0 * u1.ln()).sqrt();
    let angle = std::f64::consts::TAU * u2;
    (radius * angle.cos(), radius * angle.sin())
}

#[cfg(test)]
mod tests {
    use crate::{Rng, SeedableRng, Tensor};

    #[test]
    fn same_seed_same_tensor() {
        let a = Tensor::<f64>::normal([100], 0.0, 1.0, &mut Rng::seed_from_u64(7));
        let b = Tensor::<f64>::normal([100], 0.0, 1.0, &mut Rng::seed_from_u64(7));
        let c = Tensor::<f64>::normal([100], 0.0, 1.0, &mut Rng::seed_from_u64(8));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    /// Sample moments within 5 standard errors of the distribution's.
    #[test]
    fn moments_match_the_distribution() {
        let n = 200_000;
        let mut rng = Rng::seed_from_u64(1);
        let z = Tensor::<f64>::normal([n], 2.0, 3.0, &mut rng);
        let mean = z.data().iter().sum::<f64>() / n as f64;
        let var = z.data().iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        // se(mean) = σ/√n; se(var) ≈ σ²·√(2/(n-1)) for a normal.
        assert!(
            (mean - 2.0).abs() < 5.0 * 3.0 / (n as f64).sqrt(),
            "mean {mean}"
        );
        assert!(
            (var - 9.0).abs() < 5.0 * 9.0 * (2.0 / (n - 1) as f64).sqrt(),
            "var {var}"
        );

        let u = Tensor::<f64>::uniform([n], -1.0, 3.0, &mut rng);
        let mean = u.data().iter().sum::<f64>() / n as f64;
        // U[a,b): mean (a+b)/2 = 1, variance (b-a)²/12 = 4/3.
        assert!(
            (mean - 1.0).abs() < 5.0 * (4.0f64 / 3.0 / n as f64).sqrt(),
            "mean {mean}"
        );
        assert!(u.data().iter().all(|&x| (-1.0..3.0).contains(&x)));
    }

    #[test]
    #[should_panic(expected = "Tensor::normal: mean must be finite and std finite and >= 0")]
    fn negative_std_panics() {
        Tensor::<f32>::normal([2], 0.0, -1.0, &mut Rng::seed_from_u64(0));
    }
}
