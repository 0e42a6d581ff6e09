//! Parameter names for hand-written stacks of dense layers with an
//! activation after each: named as a `Sequential` would name them (dense
//! layers at even indices: `"0.weight"`, `"2.weight"`, ...), so the
//! monitor's records read the same as for a `Sequential`.

use gradflow::Scalar;
use gradflow::nn::{Dense, Module, Param};

/// Visits every parameter of `dense` under its `Sequential` name.
pub fn visit_dense<T: Scalar>(dense: &[Dense<T>], f: &mut dyn FnMut(&str, &Param<T>)) {
    for (i, d) in dense.iter().enumerate() {
        d.visit_params(&mut |name, p| f(&format!("{}.{name}", 2 * i), p));
    }
}

/// [`visit_dense`], mutably.
pub fn visit_dense_mut<T: Scalar>(dense: &mut [Dense<T>], f: &mut dyn FnMut(&str, &mut Param<T>)) {
    for (i, d) in dense.iter_mut().enumerate() {
        d.visit_params_mut(&mut |name, p| f(&format!("{}.{name}", 2 * i), p));
    }
}
