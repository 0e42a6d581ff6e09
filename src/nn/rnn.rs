//! Recurrent cells (Elman RNN, LSTM) and the unroll that runs them over a
//! sequence, one name scope per time step.

use std::fmt;

use super::Module;
use super::init::bias_bound;
use crate::scalar::Scalar;
use crate::tape::{Param, Var};
use crate::tensor::{Tensor, Transpose};

/// The activation of an [`RnnCell`], as `torch.nn.RNNCell`'s
/// `nonlinearity` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RnnNonlinearity {
    /// `tanh` (PyTorch's default).
    #[default]
    Tanh,
    /// `relu`.
    Relu,
}

/// A recurrent cell: one time step maps an input and a state to the next
/// state. [`unroll`] runs it over a sequence.
pub trait Recurrent<T: Scalar = f32>: Module<T> {
    /// What the cell carries from step to step: the hidden state `h` for
    /// [`RnnCell`], `(h, c)` for [`LstmCell`].
    type State<'t>: Copy;

    /// Records one time step on `x`'s tape: `x` is `[N, input]`, the
    /// state's tensors `[N, hidden]`. The hidden state is the last node
    /// recorded, so it is the output of the scope the step runs in.
    ///
    /// `#[track_caller]` here (not only on the impls), so that a shape
    /// panic points at the user's line through `dyn Recurrent` too.
    #[track_caller]
    fn step<'t>(&mut self, x: Var<'t, T>, state: Self::State<'t>) -> Self::State<'t>;

    /// The hidden state `h` of a state.
    fn hidden<'t>(state: Self::State<'t>) -> Var<'t, T>;
}

/// Runs `cell` over the sequence `xs` from `state0` and returns the state
/// after every step (`states[t]` follows `xs[t]`).
///
/// Step `t` runs inside the tape's name scope `"t{t}"` (`t0`, `t1`, ...),
/// whose output is the hidden state `h_t`: a
/// [`GradMonitor`](crate::monitor::GradMonitor) passed to
/// [`Tape::backward_with`](crate::Tape::backward_with) records `∂L/∂h_t`
/// for every `t` as the layer site `t{t}` (nested under any scope open at
/// the call). The cell's parameters are one node each on the tape, so
/// their gradients are summed over the steps (backpropagation through
/// time).
///
/// ```
/// use gradflow::nn::{RnnCell, RnnNonlinearity, unroll};
/// use gradflow::{Rng, SeedableRng, Tape, Tensor};
///
/// let mut rng = Rng::seed_from_u64(0);
/// let mut cell = RnnCell::<f32>::new(3, 4, RnnNonlinearity::Tanh, &mut rng);
/// let tape = Tape::new();
/// let xs: Vec<_> = (0..5).map(|_| tape.constant(Tensor::ones([2, 3]))).collect();
/// let hs = unroll(&mut cell, &xs, tape.constant(Tensor::zeros([2, 4])));
/// assert_eq!(hs.len(), 5);
/// assert_eq!(hs[4].shape(), [2, 4]);
/// ```
#[track_caller]
pub fn unroll<'t, T: Scalar, C: Recurrent<T> + ?Sized>(
    cell: &mut C,
    xs: &[Var<'t, T>],
    state0: C::State<'t>,
) -> Vec<C::State<'t>> {
    let mut states = Vec::with_capacity(xs.len());
    let mut state = state0;
    for (t, &x) in xs.iter().enumerate() {
        let _scope = x.tape().scope(&format!("t{t}"));
        state = cell.step(x, state);
        states.push(state);
    }
    states
}

/// The four parameters every cell here has, with PyTorch's names and
/// layout: `weight_ih [G·H, I]`, `weight_hh [G·H, H]`, `bias_ih [G·H]`,
/// `bias_hh [G·H]` for `G` stacked gates (1 for the Elman cell, 4 for the
/// LSTM).
struct Weights<T: Scalar> {
    weight_ih: Param<T>,
    weight_hh: Param<T>,
    bias_ih: Param<T>,
    bias_hh: Param<T>,
}

impl<T: Scalar> Weights<T> {
    /// PyTorch's default init: `U(±1/√hidden)` for every parameter.
    fn new<R: rand::Rng + ?Sized>(gates: usize, input: usize, hidden: usize, rng: &mut R) -> Self {
        let bound = T::of(bias_bound(hidden));
        let mut uniform = |shape: &[usize]| Param::new(Tensor::uniform(shape, -bound, bound, rng));
        Weights {
            weight_ih: uniform(&[gates * hidden, input]),
            weight_hh: uniform(&[gates * hidden, hidden]),
            bias_ih: uniform(&[gates * hidden]),
            bias_hh: uniform(&[gates * hidden]),
        }
    }

    /// The given tensors, checked against `gates·hidden` (the message names
    /// the cell).
    #[track_caller]
    fn from_tensors(
        cell: &str,
        gates: usize,
        weight_ih: Tensor<T>,
        weight_hh: Tensor<T>,
        bias_ih: Tensor<T>,
        bias_hh: Tensor<T>,
    ) -> Self {
        assert!(
            weight_ih.rank() == 2
                && weight_ih.shape()[0].is_multiple_of(gates)
                && weight_ih.shape()[0] > 0,
            "{cell}: weight_ih must be [{gates}·hidden, input], got {:?}",
            weight_ih.shape()
        );
        let rows = weight_ih.shape()[0];
        let hidden = rows / gates;
        assert!(
            weight_hh.shape() == [rows, hidden],
            "{cell}: weight_hh of shape {:?} does not fit weight_ih {:?}; it must be [{rows}, {hidden}]",
            weight_hh.shape(),
            weight_ih.shape()
        );
        for (name, b) in [("bias_ih", &bias_ih), ("bias_hh", &bias_hh)] {
            assert!(
                b.shape() == [rows],
                "{cell}: {name} of shape {:?} must be [{rows}]",
                b.shape()
            );
        }
        Weights {
            weight_ih: Param::new(weight_ih),
            weight_hh: Param::new(weight_hh),
            bias_ih: Param::new(bias_ih),
            bias_hh: Param::new(bias_hh),
        }
    }

    fn input_size(&self) -> usize {
        self.weight_ih.shape()[1]
    }

    fn hidden_size(&self) -> usize {
        self.weight_hh.shape()[1]
    }

    /// Checks one step's operands: `x` `[N, I]` and each state tensor
    /// `[N, H]` (the message names the cell and says what fits).
    #[track_caller]
    fn check_step(&self, cell: &str, x: Var<'_, T>, state: &[(&str, Var<'_, T>)]) {
        let (input, hidden) = (self.input_size(), self.hidden_size());
        let x = x.shape();
        if x.rank() != 2 || x[1] != input {
            panic!(
                "{cell}: input of shape {x:?} must be [N, {input}] (batch, {input} input features); \
                 one time step takes one [N, {input}] slice of the sequence (or build the cell with \
                 the input's feature count)"
            );
        }
        for &(name, s) in state {
            let s = s.shape();
            if s.dims() != [x[0], hidden] {
                panic!(
                    "{cell}: {name} of shape {s:?} must be [{}, {hidden}] (the input's batch, the \
                     cell's {hidden} hidden units); start from zeros of that shape",
                    x[0]
                );
            }
        }
    }

    /// `x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh`, `[N, G·H]`; the weights are read
    /// transposed through strides.
    fn preactivation<'t>(&self, x: Var<'t, T>, h: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        let affine = |v: Var<'t, T>, w: &Param<T>, b: &Param<T>| {
            v.matmul_t(Transpose::No, tape.param(w), Transpose::Yes) + tape.param(b)
        };
        affine(x, &self.weight_ih, &self.bias_ih) + affine(h, &self.weight_hh, &self.bias_hh)
    }

    fn visit(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        f("weight_ih", &self.weight_ih);
        f("weight_hh", &self.weight_hh);
        f("bias_ih", &self.bias_ih);
        f("bias_hh", &self.bias_hh);
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        f("weight_ih", &mut self.weight_ih);
        f("weight_hh", &mut self.weight_hh);
        f("bias_ih", &mut self.bias_ih);
        f("bias_hh", &mut self.bias_hh);
    }
}

/// The Elman recurrent cell, as `torch.nn.RNNCell`:
/// `h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)` with `act` tanh or ReLU.
///
/// Parameters (PyTorch's names and layout): `weight_ih [H, I]`,
/// `weight_hh [H, H]`, `bias_ih [H]`, `bias_hh [H]`, all initialized
/// `U(±1/√H)`.
pub struct RnnCell<T: Scalar = f32> {
    weights: Weights<T>,
    nonlinearity: RnnNonlinearity,
}

impl<T: Scalar> RnnCell<T> {
    /// A cell from `input` features to `hidden` units with PyTorch's
    /// default init, `U(±1/√hidden)` for every parameter.
    pub fn new<R: rand::Rng + ?Sized>(
        input: usize,
        hidden: usize,
        nonlinearity: RnnNonlinearity,
        rng: &mut R,
    ) -> Self {
        RnnCell {
            weights: Weights::new(1, input, hidden, rng),
            nonlinearity,
        }
    }

    /// A cell with the given `weight_ih [H, I]`, `weight_hh [H, H]`,
    /// `bias_ih [H]` and `bias_hh [H]`.
    ///
    /// # Panics
    /// If the shapes do not fit together.
    #[track_caller]
    pub fn from_tensors(
        weight_ih: Tensor<T>,
        weight_hh: Tensor<T>,
        bias_ih: Tensor<T>,
        bias_hh: Tensor<T>,
        nonlinearity: RnnNonlinearity,
    ) -> Self {
        RnnCell {
            weights: Weights::from_tensors("RnnCell", 1, weight_ih, weight_hh, bias_ih, bias_hh),
            nonlinearity,
        }
    }

    /// Input features `I`.
    pub fn input_size(&self) -> usize {
        self.weights.input_size()
    }

    /// Hidden units `H`.
    pub fn hidden_size(&self) -> usize {
        self.weights.hidden_size()
    }

    /// The activation.
    pub fn nonlinearity(&self) -> RnnNonlinearity {
        self.nonlinearity
    }

    /// One time step: `h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)` for `x`
    /// `[N, I]` and `h` `[N, H]`; returns `h'` `[N, H]`.
    ///
    /// # Panics
    /// If `x` is not `[N, I]` or `h` not `[N, H]`.
    #[track_caller]
    pub fn step<'t>(&mut self, x: Var<'t, T>, h: Var<'t, T>) -> Var<'t, T> {
        self.weights
            .check_step("RnnCell", x, &[("hidden state", h)]);
        let pre = self.weights.preactivation(x, h);
        match self.nonlinearity {
            RnnNonlinearity::Tanh => pre.tanh(),
            RnnNonlinearity::Relu => pre.relu(),
        }
    }
}

impl<T: Scalar> Recurrent<T> for RnnCell<T> {
    type State<'t> = Var<'t, T>;

    #[track_caller]
    fn step<'t>(&mut self, x: Var<'t, T>, h: Self::State<'t>) -> Self::State<'t> {
        RnnCell::step(self, x, h)
    }

    fn hidden<'t>(h: Self::State<'t>) -> Var<'t, T> {
        h
    }
}

impl<T: Scalar> Module<T> for RnnCell<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        self.weights.visit(f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        self.weights.visit_mut(f);
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl<T: Scalar> fmt::Display for RnnCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let act = match self.nonlinearity {
            RnnNonlinearity::Tanh => "tanh",
            RnnNonlinearity::Relu => "relu",
        };
        write!(
            f,
            "RnnCell({} → {}, {act})",
            self.input_size(),
            self.hidden_size()
        )
    }
}

/// The long short-term memory cell, as `torch.nn.LSTMCell`:
///
/// ```text
/// [i f g o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh      (each [N, H])
/// i, f, o = σ(·),  g = tanh(·)
/// c' = f ⊙ c + i ⊙ g
/// h' = o ⊙ tanh(c')
/// ```
///
/// Parameters (PyTorch's names, layout and gate order `i, f, g, o` stacked
/// along the first axis): `weight_ih [4H, I]`, `weight_hh [4H, H]`,
/// `bias_ih [4H]`, `bias_hh [4H]`, all initialized `U(±1/√H)`. The
/// `[N, 4H]` pre-activation is computed once and cut into the four gates
/// with [`Var::narrow`].
pub struct LstmCell<T: Scalar = f32> {
    weights: Weights<T>,
}

impl<T: Scalar> LstmCell<T> {
    /// A cell from `input` features to `hidden` units with PyTorch's
    /// default init, `U(±1/√hidden)` for every parameter.
    pub fn new<R: rand::Rng + ?Sized>(input: usize, hidden: usize, rng: &mut R) -> Self {
        LstmCell {
            weights: Weights::new(4, input, hidden, rng),
        }
    }

    /// A cell with the given `weight_ih [4H, I]`, `weight_hh [4H, H]`,
    /// `bias_ih [4H]` and `bias_hh [4H]`, gates in the order `i, f, g, o`.
    ///
    /// # Panics
    /// If the shapes do not fit together.
    #[track_caller]
    pub fn from_tensors(
        weight_ih: Tensor<T>,
        weight_hh: Tensor<T>,
        bias_ih: Tensor<T>,
        bias_hh: Tensor<T>,
    ) -> Self {
        LstmCell {
            weights: Weights::from_tensors("LstmCell", 4, weight_ih, weight_hh, bias_ih, bias_hh),
        }
    }

    /// Input features `I`.
    pub fn input_size(&self) -> usize {
        self.weights.input_size()
    }

    /// Hidden units `H`.
    pub fn hidden_size(&self) -> usize {
        self.weights.hidden_size()
    }

    /// One time step for `x` `[N, I]` and the state `(h, c)`, both
    /// `[N, H]`; returns `(h', c')`. `h'` is recorded last.
    ///
    /// # Panics
    /// If `x` is not `[N, I]` or `h` or `c` not `[N, H]`.
    #[track_caller]
    pub fn step<'t>(
        &mut self,
        x: Var<'t, T>,
        (h, c): (Var<'t, T>, Var<'t, T>),
    ) -> (Var<'t, T>, Var<'t, T>) {
        self.weights
            .check_step("LstmCell", x, &[("hidden state h", h), ("cell state c", c)]);
        let hidden = self.hidden_size();
        let gates = self.weights.preactivation(x, h);
        let gate = |k: usize| gates.narrow(1, k * hidden, hidden);
        let input_gate = gate(0).sigmoid();
        let forget_gate = gate(1).sigmoid();
        let candidate = gate(2).tanh();
        let output_gate = gate(3).sigmoid();
        let c_next = forget_gate * c + input_gate * candidate;
        let h_next = output_gate * c_next.tanh();
        (h_next, c_next)
    }
}

impl<T: Scalar> Recurrent<T> for LstmCell<T> {
    type State<'t> = (Var<'t, T>, Var<'t, T>);

    #[track_caller]
    fn step<'t>(&mut self, x: Var<'t, T>, state: Self::State<'t>) -> Self::State<'t> {
        LstmCell::step(self, x, state)
    }

    fn hidden<'t>(state: Self::State<'t>) -> Var<'t, T> {
        let (h, _) = state;
        h
    }
}

impl<T: Scalar> Module<T> for LstmCell<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        self.weights.visit(f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        self.weights.visit_mut(f);
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl<T: Scalar> fmt::Display for LstmCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LstmCell({} → {})",
            self.input_size(),
            self.hidden_size()
        )
    }
}

impl<T: Scalar> fmt::Debug for RnnCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<T: Scalar> fmt::Debug for LstmCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
