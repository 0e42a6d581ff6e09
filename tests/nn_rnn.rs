//! Recurrent cells: gradients through unrolled sequences against finite
//! differences, the LSTM against a plain-loop reference, PyTorch's names,
//! shapes and init, state dicts, and the per-step monitor sites.

use std::sync::{Arc, Mutex};

use gradflow::check::check_layer;
use gradflow::io::{load_state_dict, state_dict};
use gradflow::monitor::{GradMonitor, GradStats, LayerKind};
use gradflow::nn::{Layer, LstmCell, Module, Param, RnnCell, RnnNonlinearity, unroll};
use gradflow::{Rng, SeedableRng, Tape, Tensor, Var};
use proptest::prelude::*;

fn normal(shape: &[usize], std: f64, seed: u64) -> Tensor<f64> {
    Tensor::normal(shape, 0.0, std, &mut Rng::seed_from_u64(seed))
}

/// A cell unrolled over `steps` steps, as a layer for `check_layer`: the
/// input `[N, steps·I + S·H]` holds the inputs `x_0 … x_{steps-1}` and then
/// the initial state (`h0`, and `c0` for the LSTM); the output concatenates
/// every hidden state (and the LSTM's last cell state) along axis 1. So the
/// input gradient covers every `x_t` and the initial state, and the
/// parameter gradients are summed over all steps.
struct Unrolled<C> {
    cell: C,
    steps: usize,
    input: usize,
    hidden: usize,
}

impl<C: Module<f64>> Module<f64> for Unrolled<C> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<f64>)) {
        self.cell.visit_params(f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<f64>)) {
        self.cell.visit_params_mut(f);
    }

    fn describe(&self) -> String {
        format!("Unrolled({})", self.cell.describe())
    }
}

impl<C: Module<f64>> Unrolled<C> {
    fn xs<'t>(&self, packed: Var<'t, f64>) -> Vec<Var<'t, f64>> {
        (0..self.steps)
            .map(|t| packed.narrow(1, t * self.input, self.input))
            .collect()
    }

    fn state<'t>(&self, packed: Var<'t, f64>, k: usize) -> Var<'t, f64> {
        packed.narrow(1, self.steps * self.input + k * self.hidden, self.hidden)
    }
}

impl Layer<f64> for Unrolled<RnnCell<f64>> {
    fn forward<'t>(&mut self, packed: Var<'t, f64>) -> Var<'t, f64> {
        let xs = self.xs(packed);
        let h0 = self.state(packed, 0);
        let hs = unroll(&mut self.cell, &xs, h0);
        Var::concat(&hs, 1)
    }
}

impl Layer<f64> for Unrolled<LstmCell<f64>> {
    fn forward<'t>(&mut self, packed: Var<'t, f64>) -> Var<'t, f64> {
        let xs = self.xs(packed);
        let state0 = (self.state(packed, 0), self.state(packed, 1));
        let states = unroll(&mut self.cell, &xs, state0);
        let mut outs: Vec<_> = states.iter().map(|&(h, _)| h).collect();
        outs.push(states.last().unwrap().1);
        Var::concat(&outs, 1)
    }
}

proptest! {
    // Each case checks every input and parameter element by central
    // differences through the whole unrolled sequence: keep the count modest.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn rnn_cell_grad_matches_finite_differences_through_time(
        batch in 1usize..4,
        input in 1usize..4,
        hidden in 1usize..5,
        steps in 1usize..6,
        relu in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let act = if relu { RnnNonlinearity::Relu } else { RnnNonlinearity::Tanh };
        let cell = RnnCell::<f64>::new(input, hidden, act, &mut Rng::seed_from_u64(seed));
        let mut unrolled = Unrolled { cell, steps, input, hidden };
        let packed = normal(&[batch, steps * input + hidden], 1.0, seed + 10_000);
        let checked = check_layer(&mut unrolled, &packed);
        prop_assert!(checked.is_ok(), "{act:?}: {}", checked.unwrap_err());
    }

    #[test]
    fn lstm_cell_grad_matches_finite_differences_through_time(
        batch in 1usize..3,
        input in 1usize..4,
        hidden in 1usize..4,
        steps in 1usize..5,
        seed in 0u64..1000,
    ) {
        let cell = LstmCell::<f64>::new(input, hidden, &mut Rng::seed_from_u64(seed));
        let mut unrolled = Unrolled { cell, steps, input, hidden };
        let packed = normal(&[batch, steps * input + 2 * hidden], 1.0, seed + 10_000);
        let checked = check_layer(&mut unrolled, &packed);
        prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// One LSTM step with plain loops on row-major `Vec<f64>`s, PyTorch's gate
/// order `i, f, g, o` along the rows of the stacked weights.
#[allow(clippy::needless_range_loop, reason = "index loops mirror the formula")]
#[allow(clippy::too_many_arguments, reason = "test-only reference code")]
fn reference_lstm_step(
    w_ih: &[f64],
    w_hh: &[f64],
    b_ih: &[f64],
    b_hh: &[f64],
    (batch, input, hidden): (usize, usize, usize),
    x: &[f64],
    h: &[f64],
    c: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let mut h_next = vec![0.0; batch * hidden];
    let mut c_next = vec![0.0; batch * hidden];
    for n in 0..batch {
        let pre = |row: usize| {
            let mut s = b_ih[row] + b_hh[row];
            for k in 0..input {
                s += x[n * input + k] * w_ih[row * input + k];
            }
            for k in 0..hidden {
                s += h[n * hidden + k] * w_hh[row * hidden + k];
            }
            s
        };
        for j in 0..hidden {
            let i = sigmoid(pre(j));
            let f = sigmoid(pre(hidden + j));
            let g = pre(2 * hidden + j).tanh();
            let o = sigmoid(pre(3 * hidden + j));
            let cn = f * c[n * hidden + j] + i * g;
            c_next[n * hidden + j] = cn;
            h_next[n * hidden + j] = o * cn.tanh();
        }
    }
    (h_next, c_next)
}

#[test]
fn lstm_forward_matches_a_plain_loop_reference_in_pytorch_gate_order() {
    let (batch, input, hidden, steps) = (3, 4, 5, 3);
    let w_ih = normal(&[4 * hidden, input], 0.5, 20);
    let w_hh = normal(&[4 * hidden, hidden], 0.5, 21);
    let b_ih = normal(&[4 * hidden], 0.5, 22);
    let b_hh = normal(&[4 * hidden], 0.5, 23);
    let xs: Vec<_> = (0..steps)
        .map(|t| normal(&[batch, input], 1.0, 30 + t as u64))
        .collect();
    let h0 = normal(&[batch, hidden], 1.0, 40);
    let c0 = normal(&[batch, hidden], 1.0, 41);

    let mut cell = LstmCell::from_tensors(w_ih.clone(), w_hh.clone(), b_ih.clone(), b_hh.clone());
    let tape = Tape::<f64>::new();
    let x_vars: Vec<_> = xs.iter().map(|x| tape.constant(x.clone())).collect();
    let states = unroll(
        &mut cell,
        &x_vars,
        (tape.constant(h0.clone()), tape.constant(c0.clone())),
    );

    let (mut h, mut c) = (h0.data().to_vec(), c0.data().to_vec());
    for (t, x) in xs.iter().enumerate() {
        (h, c) = reference_lstm_step(
            w_ih.data(),
            w_hh.data(),
            b_ih.data(),
            b_hh.data(),
            (batch, input, hidden),
            x.data(),
            &h,
            &c,
        );
        let (h_var, c_var) = states[t];
        for (name, got, want) in [("h", h_var.value(), &h), ("c", c_var.value(), &c)] {
            assert_eq!(got.shape(), [batch, hidden]);
            for (e, (a, b)) in got.data().iter().zip(want.iter()).enumerate() {
                assert!((a - b).abs() <= 1e-12, "step {t}, {name}[{e}]: {a} vs {b}");
            }
        }
    }
}

fn names_and_shapes(m: &dyn Module<f64>) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    m.visit_params(&mut |name, p| out.push((name.to_string(), p.shape().to_vec())));
    out
}

#[test]
fn parameters_follow_pytorch_names_shapes_and_default_init() {
    let (input, hidden) = (6, 16);
    let mut rng = Rng::seed_from_u64(50);
    let rnn = RnnCell::<f64>::new(input, hidden, RnnNonlinearity::Tanh, &mut rng);
    let lstm = LstmCell::<f64>::new(input, hidden, &mut rng);
    let expect = |rows: usize| {
        vec![
            ("weight_ih".to_string(), vec![rows, input]),
            ("weight_hh".to_string(), vec![rows, hidden]),
            ("bias_ih".to_string(), vec![rows]),
            ("bias_hh".to_string(), vec![rows]),
        ]
    };
    assert_eq!(names_and_shapes(&rnn), expect(hidden));
    assert_eq!(names_and_shapes(&lstm), expect(4 * hidden));
    assert_eq!(rnn.num_params(), hidden * (input + hidden + 2));
    assert_eq!(lstm.num_params(), 4 * hidden * (input + hidden + 2));
    assert_eq!(rnn.describe(), "RnnCell(6 → 16, tanh)");
    assert_eq!(lstm.describe(), "LstmCell(6 → 16)");

    // U(±1/√hidden) for every tensor, the bound nearly reached.
    let bound = 1.0 / (hidden as f64).sqrt();
    for cell in [&rnn as &dyn Module<f64>, &lstm] {
        cell.visit_params(&mut |name, p| {
            let max = p.value().data().iter().fold(0.0f64, |m, x| m.max(x.abs()));
            assert!(max <= bound, "{name}: {max} > {bound}");
            assert!(max > 0.75 * bound, "{name}: {max} far below {bound}");
        });
    }
}

#[test]
#[should_panic(expected = "LstmCell: weight_hh of shape [8, 3] does not fit weight_ih [8, 2]")]
fn lstm_from_tensors_rejects_mismatched_shapes() {
    let _ = LstmCell::from_tensors(
        Tensor::<f64>::zeros([8, 2]),
        Tensor::zeros([8, 3]),
        Tensor::zeros([8]),
        Tensor::zeros([8]),
    );
}

fn lstm_output(cell: &mut LstmCell<f64>) -> Tensor<f64> {
    let tape = Tape::<f64>::new();
    let xs: Vec<_> = (0..3)
        .map(|t| tape.constant(normal(&[2, 3], 1.0, 60 + t)))
        .collect();
    let zeros = tape.constant(Tensor::zeros([2, 4]));
    let states = unroll(cell, &xs, (zeros, zeros));
    states.last().unwrap().0.value()
}

#[test]
fn state_dict_round_trip_restores_the_lstm_exactly() {
    let mut original = LstmCell::<f64>::new(3, 4, &mut Rng::seed_from_u64(70));
    let saved = state_dict(&original);
    assert_eq!(
        saved.names().collect::<Vec<_>>(),
        ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    );
    let mut restored = LstmCell::<f64>::new(3, 4, &mut Rng::seed_from_u64(71));
    assert_ne!(
        lstm_output(&mut original).data(),
        lstm_output(&mut restored).data()
    );
    load_state_dict(&mut restored, &saved, true).unwrap();
    let (a, b) = (lstm_output(&mut original), lstm_output(&mut restored));
    let bits = |t: &Tensor<f64>| t.data().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&b));
}

/// `∂L/∂h_t = ∂L/∂h_{t+1}·diag(1 - h²_{t+1})·W_hh`, so with `‖W_hh‖₂ ≤
/// 0.6` every step back multiplies the gradient's norm by at most 0.6.
#[test]
fn monitor_records_the_hidden_state_gradient_of_every_step_decaying_toward_t0() {
    let (batch, input, hidden, steps) = (4, 3, 8, 6);
    let mut rng = Rng::seed_from_u64(80);
    let w_hh = normal(&[hidden, hidden], 1.0, 81);
    let frobenius = w_hh.data().iter().map(|x| x * x).sum::<f64>().sqrt();
    // The Frobenius norm bounds the spectral norm: ‖W_hh‖₂ ≤ 0.6.
    let w_hh = w_hh.map(|x| x * 0.6 / frobenius);
    let mut cell = RnnCell::from_tensors(
        Tensor::uniform([hidden, input], -0.5, 0.5, &mut rng),
        w_hh,
        Tensor::uniform([hidden], -0.1, 0.1, &mut rng),
        Tensor::uniform([hidden], -0.1, 0.1, &mut rng),
        RnnNonlinearity::Tanh,
    );

    let mut monitor = GradMonitor::new();
    let observed: Arc<Mutex<Vec<Option<Tensor<f64>>>>> = Arc::new(Mutex::new(vec![None; steps]));
    let mut grads = {
        let tape = Tape::<f64>::new();
        let xs: Vec<_> = (0..steps)
            .map(|t| tape.constant(normal(&[batch, input], 1.0, 90 + t as u64)))
            .collect();
        let hs = unroll(
            &mut cell,
            &xs,
            tape.constant(Tensor::zeros([batch, hidden])),
        );
        for (t, h) in hs.iter().enumerate() {
            let store = observed.clone();
            h.observe(move |g| store.lock().unwrap()[t] = Some(g.clone()));
        }
        // ∂L/∂h_{T-1} is all ones.
        let loss = hs.last().unwrap().sum_all();
        tape.backward_with(loss, &mut monitor)
    };
    monitor.record_params(&cell, &mut grads);

    let layers = &monitor.history()[0].layers;
    let paths: Vec<&str> = layers.iter().map(|l| l.path.as_str()).collect();
    let expected: Vec<String> = (0..steps).map(|t| format!("t{t}")).collect();
    assert_eq!(paths, expected);
    // The parameters enter the tape in t0; later steps end in a parameter-free tanh.
    assert_eq!(layers[0].kind, LayerKind::Weighted);
    assert!(layers[1..].iter().all(|l| l.kind == LayerKind::Activation));

    let observed = observed.lock().unwrap();
    for (t, layer) in layers.iter().enumerate() {
        let direct = GradStats::of_layer_output(observed[t].as_ref().unwrap());
        assert_eq!(layer.stats, direct, "t{t}");
        assert_eq!(layer.stats.numel, (batch * hidden) as u64);
    }
    let last = &layers[steps - 1].stats;
    assert_eq!(last.max_abs, 1.0);
    assert!((last.l2 - ((batch * hidden) as f64).sqrt()).abs() < 1e-12);
    for t in 0..steps - 1 {
        let (earlier, later) = (layers[t].stats.l2, layers[t + 1].stats.l2);
        assert!(
            earlier > 0.0 && earlier <= 0.6 * later,
            "‖∂L/∂h_{t}‖ = {earlier} is not ≤ 0.6·‖∂L/∂h_{}‖ = {}",
            t + 1,
            0.6 * later
        );
    }
}
