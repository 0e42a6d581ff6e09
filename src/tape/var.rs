//! `Var`: a `Copy` handle to a value recorded on a tape.

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

use super::Tape;
use super::hooks::NodeHook;
use crate::scalar::Scalar;
use crate::tensor::{Shape, Tensor};

/// A value on a [`Tape`]: the tape plus an index. `Copy`, so it can be used
/// any number of times; every use adds to its gradient.
///
/// Ops are methods (`x.tanh()`, `a.matmul(b)`) and operators (`a + b`,
/// `a * 2.0`), each recording one node; each op family's file documents the
/// derivative its backward rule applies.
pub struct Var<'t, T: Scalar = f32> {
    tape: &'t Tape<T>,
    index: usize,
}

impl<T: Scalar> Clone for Var<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Scalar> Copy for Var<'_, T> {}

impl<'t, T: Scalar> Var<'t, T> {
    pub(crate) fn new(tape: &'t Tape<T>, index: usize) -> Self {
        Var { tape, index }
    }

    /// The tape this var lives on.
    pub fn tape(self) -> &'t Tape<T> {
        self.tape
    }

    /// The node's index on its tape.
    pub fn index(self) -> usize {
        self.index
    }

    pub(crate) fn tape_id(self) -> u64 {
        self.tape.id()
    }

    /// The forward value (shares storage; no copy).
    ///
    /// # Panics
    /// If backward has consumed the tape (read values before backward).
    #[track_caller]
    pub fn value(self) -> Tensor<T> {
        self.tape.value(self.index)
    }

    /// The forward value, borrowed from the tape (no reference-count
    /// traffic on the hot path of recording an op). Ops call kernels on it
    /// directly, so `#[track_caller]` reaches the user's line.
    #[track_caller]
    pub(crate) fn value_ref(self) -> std::cell::Ref<'t, Tensor<T>> {
        self.tape.value_ref(self.index)
    }

    /// The value of a one-element var.
    ///
    /// # Panics
    /// If it has more than one element, or backward consumed the tape.
    #[track_caller]
    pub fn item(self) -> T {
        self.value().item()
    }

    /// The shape of the value.
    #[track_caller]
    pub fn shape(self) -> Shape {
        self.value_ref().shape_ref().clone()
    }

    /// The same value as a constant: no gradient flows through it.
    pub fn detach(self) -> Var<'t, T> {
        self.tape.constant(self.value())
    }

    /// Whether a gradient will flow into this var.
    pub fn requires_grad(self) -> bool {
        self.tape.nodes.borrow()[self.index].requires_grad
    }

    /// Registers a read-only hook that sees this var's complete gradient
    /// exactly once, when the backward sweep reaches it (after modifiers).
    /// A var that receives no gradient fires nothing.
    pub fn observe(self, f: impl FnMut(&Tensor<T>) + 'static) -> Var<'t, T> {
        self.tape.add_hook(NodeHook::Observe {
            node: self.index,
            f: Box::new(f),
        });
        self
    }

    /// Registers a hook that may change this var's gradient before it flows
    /// to the var's inputs: the change reaches everything upstream.
    /// Modifiers run before observers, in registration order.
    pub fn modify(self, f: impl FnMut(&mut Tensor<T>) + 'static) -> Var<'t, T> {
        self.tape.add_hook(NodeHook::Modify {
            node: self.index,
            f: Box::new(f),
        });
        self
    }

    /// Asserts that `other` lives on the same tape.
    #[track_caller]
    pub(crate) fn same_tape(self, op: &str, other: Var<'t, T>) {
        assert!(
            std::ptr::eq(self.tape, other.tape),
            "{op}: the operands live on different tapes; build the whole computation on one tape"
        );
    }
}

impl<T: Scalar> fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Var(#{})", self.index)
    }
}

macro_rules! var_operator {
    ($trait:ident, $method:ident, $scalar:ident) => {
        impl<'t, T: Scalar> $trait<Var<'t, T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            #[track_caller]
            fn $method(self, rhs: Var<'t, T>) -> Var<'t, T> {
                Var::$method(self, rhs)
            }
        }
        impl<'t, T: Scalar> $trait<T> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: T) -> Var<'t, T> {
                Var::$scalar(self, rhs)
            }
        }
    };
}

var_operator!(Add, add, add_scalar);
var_operator!(Sub, sub, sub_scalar);
var_operator!(Mul, mul, mul_scalar);
var_operator!(Div, div, div_scalar);

impl<'t, T: Scalar> Neg for Var<'t, T> {
    type Output = Var<'t, T>;
    fn neg(self) -> Var<'t, T> {
        Var::neg(self)
    }
}

/// `c ∘ x` with the scalar on the left, for `f32` and `f64`.
macro_rules! scalar_lhs {
    ($($t:ty),*) => {$(
        impl<'t> Add<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn add(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.add_scalar(self)
            }
        }
        impl<'t> Sub<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            /// `c - x`, recorded as `-x + c`.
            fn sub(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.neg().add_scalar(self)
            }
        }
        impl<'t> Mul<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn mul(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.mul_scalar(self)
            }
        }
        impl<'t> Div<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            /// `c / x`, recorded as `c·(1/x)`.
            fn div(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.recip().mul_scalar(self)
            }
        }
    )*};
}

scalar_lhs!(f32, f64);
