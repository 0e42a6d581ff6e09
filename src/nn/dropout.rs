//! Dropout, with its own seeded generator.

use super::{Layer, Module};
use crate::scalar::Scalar;
use crate::tape::{Param, Var};
use crate::tensor::Tensor;
use crate::{Rng, SeedableRng};

/// Zeroes each element with probability `p` in training mode and scales
/// the rest by `1/(1-p)`, as `torch.nn.Dropout`; the identity in
/// evaluation mode. Masks come from the layer's own generator, seeded at
/// construction, so runs repeat exactly.
#[derive(Debug, Clone)]
pub struct Dropout {
    p: f64,
    rng: Rng,
    training: bool,
}

impl Dropout {
    /// Dropout with probability `p`, its masks drawn from `seed`.
    ///
    /// # Panics
    /// If `p` is not in `[0, 1)`.
    #[track_caller]
    pub fn new(p: f64, seed: u64) -> Dropout {
        assert!(
            (0.0..1.0).contains(&p),
            "Dropout: p must be in [0, 1), got {p}"
        );
        Dropout {
            p,
            rng: Rng::seed_from_u64(seed),
            training: true,
        }
    }
}

impl<T: Scalar> Module<T> for Dropout {
    fn visit_params(&self, _f: &mut dyn FnMut(&str, &Param<T>)) {}
    fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&str, &mut Param<T>)) {}
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
    fn describe(&self) -> String {
        format!("Dropout(p={})", self.p)
    }
}

impl<T: Scalar> Layer<T> for Dropout {
    fn forward<'t>(&mut self, x: Var<'t, T>) -> Var<'t, T> {
        if !self.training || self.p == 0.0 {
            return x;
        }
        let keep = T::of(1.0 / (1.0 - self.p));
        let u = Tensor::<T>::uniform(x.shape(), T::zero(), T::one(), &mut self.rng);
        let p = T::of(self.p);
        let mask = u.map(|v| if v >= p { keep } else { T::zero() });
        x * x.tape().constant(mask)
    }
}
