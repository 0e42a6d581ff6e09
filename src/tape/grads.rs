//! Gradients: plain data keyed by parameter identity, outliving the tape.

use std::fmt;

use super::{Anomaly, Param, ParamId, Var};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// The gradients one backward pass produced: one tensor per parameter (and
/// per gradient-requiring leaf var, and per var asked for with
/// [`Tape::retain`](crate::Tape::retain)), keyed by [`ParamId`].
///
/// Plain data with no lifetime: it outlives the tape, and two `Grads` can
/// be summed to accumulate micro-batches. Iteration is in ascending
/// `ParamId` order, so sums over it are deterministic.
#[derive(Clone, Default)]
pub struct Grads<T: Scalar = f32> {
    /// Sorted by id, ids unique (after `finish`).
    by_id: Vec<(ParamId, Tensor<T>)>,
    /// `(tape id, node index) → id` for leaf and retained vars.
    vars: Vec<((u64, usize), ParamId)>,
    /// The tapes whose sweeps made these gradients: a parameter's var on
    /// one of them finds its gradient through that tape's parameter index
    /// (a `vars` entry per parameter per step cost more than the ids).
    tapes: Vec<u64>,
    /// Anomaly mode's first offender (boxed: `Grads` stays small).
    anomaly: Option<Box<Anomaly>>,
}

impl<T: Scalar> Grads<T> {
    /// No gradients.
    pub fn new() -> Grads<T> {
        Grads {
            by_id: Vec::new(),
            vars: Vec::new(),
            tapes: Vec::new(),
            anomaly: None,
        }
    }

    /// Anomaly mode: the first NaN/±Inf found by the time the sweep that
    /// produced these gradients ended — in a recorded op's output
    /// ([`Phase::Forward`](crate::tape::Phase::Forward), found while
    /// recording) or in a gradient of this sweep
    /// ([`Phase::Backward`](crate::tape::Phase::Backward)). `None` when
    /// the tape's anomaly mode is off
    /// ([`TapeOptions::with_anomaly`](crate::TapeOptions::with_anomaly))
    /// or everything checked was finite. After
    /// [`Grads::accumulate`], the first one of `self` and `other`.
    pub fn anomaly(&self) -> Option<&Anomaly> {
        self.anomaly.as_deref()
    }

    /// Records the sweep's anomaly (replacing any).
    pub(crate) fn set_anomaly(&mut self, anomaly: Anomaly) {
        self.anomaly = Some(Box::new(anomaly));
    }

    /// Adds `grad` to the gradient of `id` (inserting it if new).
    #[track_caller]
    pub(crate) fn insert(&mut self, id: ParamId, grad: Tensor<T>) {
        match self.by_id.binary_search_by_key(&id, |(k, _)| *k) {
            Ok(pos) => self.by_id[pos].1.add_inplace(&grad),
            Err(pos) => self.by_id.insert(pos, (id, grad)),
        }
    }

    /// Records a gradient during the sweep, unsorted; [`Grads::finish`]
    /// sorts once at the end (the sweep meets each id once).
    /// No gradients yet from tape `tape`'s sweep, with room for `params`
    /// parameters and `vars` other vars without reallocating.
    pub(crate) fn for_sweep(tape: u64, params: usize, vars: usize) -> Grads<T> {
        Grads {
            by_id: Vec::with_capacity(params + vars),
            vars: Vec::with_capacity(vars),
            tapes: vec![tape],
            anomaly: None,
        }
    }

    /// A parameter's gradient from the sweep (each parameter is one node
    /// of a tape, so it arrives once).
    pub(crate) fn insert_param(&mut self, id: ParamId, grad: Tensor<T>) {
        self.by_id.push((id, grad));
    }

    pub(crate) fn insert_var(&mut self, key: (u64, usize), id: ParamId, grad: Tensor<T>) {
        self.vars.push((key, id));
        self.by_id.push((id, grad));
    }

    pub(crate) fn finish(&mut self) {
        // The sweep meets parameters last-recorded first, and ids usually
        // grow in recording order: reversing then sorts in one pass.
        self.by_id.reverse();
        if !self.by_id.is_sorted_by_key(|(id, _)| *id) {
            self.by_id.sort_unstable_by_key(|(id, _)| *id);
        }
    }

    fn position(&self, id: ParamId) -> Option<usize> {
        self.by_id.binary_search_by_key(&id, |(k, _)| *k).ok()
    }

    /// A parameter's place in the table (`0..len()`) and its gradient.
    pub(crate) fn find(&self, id: ParamId) -> Option<(usize, &Tensor<T>)> {
        self.position(id).map(|p| (p, &self.by_id[p].1))
    }

    /// The gradient of a parameter, if it received one.
    pub fn get(&self, param: &Param<T>) -> Option<&Tensor<T>> {
        self.get_id(param.id())
    }

    /// The gradient for a parameter id.
    pub fn get_id(&self, id: ParamId) -> Option<&Tensor<T>> {
        self.position(id).map(|p| &self.by_id[p].1)
    }

    /// Mutable access to a parameter's gradient (for clipping or hooks).
    pub fn get_mut(&mut self, id: ParamId) -> Option<&mut Tensor<T>> {
        self.position(id).map(|p| &mut self.by_id[p].1)
    }

    /// The gradient of a leaf var (from [`Tape::leaf`](crate::Tape::leaf))
    /// or a retained var, from the backward pass of that var's tape.
    ///
    /// For a parameter's var ([`Tape::param`](crate::Tape::param)), this is
    /// the parameter's gradient in `self`, if `self` came from that var's
    /// tape (alone or accumulated with others).
    pub fn wrt(&self, var: Var<'_, T>) -> Option<&Tensor<T>> {
        let key = (var.tape_id(), var.index());
        if let Some(&(_, id)) = self.vars.iter().find(|(k, _)| *k == key) {
            return self.get_id(id);
        }
        if !self.tapes.contains(&var.tape_id()) {
            return None;
        }
        self.get_id(var.tape().param_at(var.index())?)
    }

    /// Adds every gradient of `other` into `self` (micro-batch accumulation).
    ///
    /// # Panics
    /// If a parameter's gradients have different shapes.
    #[track_caller]
    pub fn accumulate(&mut self, other: &Grads<T>) {
        for (id, g) in &other.by_id {
            self.insert(*id, g.clone());
        }
        self.vars.extend(other.vars.iter().copied());
        for &tape in &other.tapes {
            if !self.tapes.contains(&tape) {
                self.tapes.push(tape);
            }
        }
        if self.anomaly.is_none() {
            self.anomaly.clone_from(&other.anomaly);
        }
    }

    /// Multiplies every gradient by `factor` in place.
    pub fn scale(&mut self, factor: T) {
        for (_, g) in &mut self.by_id {
            g.map_inplace(|x| x * factor);
        }
    }

    /// `(id, gradient)` pairs in ascending id order.
    pub fn iter(&self) -> impl Iterator<Item = (ParamId, &Tensor<T>)> {
        self.by_id.iter().map(|(id, g)| (*id, g))
    }

    /// Mutable `(id, gradient)` pairs in ascending id order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (ParamId, &mut Tensor<T>)> {
        self.by_id.iter_mut().map(|(id, g)| (*id, &mut *g))
    }

    /// Number of gradients held.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no gradient is held.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The L2 norm of all gradients together, `sqrt(Σ g²)`, over unique ids
    /// in ascending order, accumulated in `f64` with scaling (as LAPACK's
    /// `nrm2`) so that no square overflows even for f32 values near 1e19.
    /// Non-finite elements make the result non-finite.
    pub fn global_norm(&self) -> f64 {
        let mut total = 0.0f64;
        let mut infinite = false;
        for (_, g) in &self.by_id {
            let n = g.l2_norm();
            if n.is_nan() {
                return f64::NAN;
            }
            infinite |= n.is_infinite();
            total = total.hypot(n);
        }
        if infinite { f64::INFINITY } else { total }
    }
}

impl<T: Scalar> fmt::Debug for Grads<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.by_id.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_norm_does_not_overflow_in_f32_range() {
        let mut g = Grads::<f32>::new();
        g.insert(ParamId::fresh(), Tensor::full([4], 1e19));
        // sqrt(4·1e38) = 2e19; a naive f32 sum of squares would be inf.
        assert!((g.global_norm() / 2e19 - 1.0).abs() < 1e-6);
    }

    #[test]
    fn global_norm_of_nan_is_nan_and_of_inf_is_inf() {
        let mut g = Grads::<f64>::new();
        g.insert(
            ParamId::fresh(),
            Tensor::from_vec(vec![1.0, f64::NAN], [2]).unwrap(),
        );
        assert!(g.global_norm().is_nan());
        let mut g = Grads::<f64>::new();
        g.insert(
            ParamId::fresh(),
            Tensor::from_vec(vec![1.0, f64::INFINITY], [2]).unwrap(),
        );
        assert_eq!(g.global_norm(), f64::INFINITY);
    }

    #[test]
    fn accumulate_sums_matching_ids() {
        let id = ParamId::fresh();
        let mut a = Grads::<f64>::new();
        a.insert(id, Tensor::full([2], 1.0));
        let mut b = Grads::<f64>::new();
        b.insert(id, Tensor::full([2], 2.0));
        b.insert(ParamId::fresh(), Tensor::full([1], 5.0));
        a.accumulate(&b);
        assert_eq!(a.get_id(id).unwrap().to_vec(), vec![3.0, 3.0]);
        assert_eq!(a.len(), 2);
        // 3² + 3² + 5² = 43
        assert!((a.global_norm() - 43f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn wrt_finds_a_parameters_gradient_through_its_own_tape_only() {
        use crate::Tape;
        let p = Param::new(Tensor::<f64>::from_vec(vec![1.0, -2.0], [2]).unwrap());
        let tape_a = Tape::<f64>::new();
        let pa = tape_a.param(&p);
        let x = tape_a.leaf(Tensor::from_vec(vec![3.0, 4.0], [2]).unwrap());
        // d/dp Σ p·x = x, d/dx = p.
        let ga = tape_a.backward(pa.mul(x).sum(&[], false));
        assert_eq!(ga.wrt(pa).unwrap().to_vec(), vec![3.0, 4.0]);
        assert_eq!(ga.wrt(x).unwrap().to_vec(), vec![1.0, -2.0]);

        let tape_b = Tape::<f64>::new();
        let pb = tape_b.param(&p);
        assert!(
            ga.wrt(pb).is_none(),
            "another tape's var of the same parameter"
        );
        let gb = tape_b.backward(pb.square().sum(&[], false));
        assert_eq!(gb.wrt(pb).unwrap().to_vec(), vec![2.0, -4.0]);

        // Accumulated: both tapes' vars see the summed gradient.
        let mut sum = ga.clone();
        sum.accumulate(&gb);
        assert_eq!(sum.wrt(pb).unwrap().to_vec(), vec![5.0, 0.0]);
        assert_eq!(sum.wrt(pa).unwrap().to_vec(), vec![5.0, 0.0]);
        assert_eq!(sum.wrt(x).unwrap().to_vec(), vec![1.0, -2.0]);
    }
}
