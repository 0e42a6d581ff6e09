//! The tape's named behaviours: fan-in, shared parameters, hook firing,
//! freeing storage, scopes, observers, and finite gradients at the edges.

use std::cell::RefCell;
use std::rc::Rc;

use gradflow::{BackwardObserver, GradSite, Param, Tape, TapeOptions, Tensor, Var};

#[test]
fn a_var_used_twice_gets_the_sum_of_both_paths() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::from_vec(vec![1.5, -2.0], [2]).unwrap());
    // y = sin-free polynomial: x·x + 3x, dy/dx = 2x + 3
    let y = (x * x + x * 3.0).sum_all();
    let g = tape.backward(y);
    assert_eq!(
        g.wrt(x).unwrap().to_vec(),
        vec![2.0 * 1.5 + 3.0, 2.0 * -2.0 + 3.0]
    );
}

#[test]
fn a_parameter_used_by_two_ops_gets_one_summed_gradient() {
    let w = Param::new(Tensor::<f64>::from_vec(vec![2.0], [1]).unwrap());
    let tape = Tape::new();
    let x = tape.constant(Tensor::from_vec(vec![5.0], [1]).unwrap());
    // Put on the tape twice, as a layer applied twice would.
    let a = tape.param(&w) * x;
    let b = tape.param(&w).square();
    let grads = tape.backward((a + b).sum_all());
    // d/dw (w·x + w²) = x + 2w = 9
    assert_eq!(grads.get(&w).unwrap().to_vec(), vec![9.0]);
    assert_eq!(grads.len(), 1);
}

#[test]
fn observers_see_the_complete_gradient_once() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(2.0));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let h = (x * 3.0).observe(move |g| log.borrow_mut().push(g.item()));
    // h feeds two consumers: its gradient is 1 + 2h = 1 + 12 = 13.
    let y = h + h.square();
    tape.backward(y);
    assert_eq!(*seen.borrow(), vec![13.0]);
}

#[test]
fn a_node_without_gradient_fires_no_hook() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(2.0));
    let fired = Rc::new(RefCell::new(0));
    let count = fired.clone();
    let _unused = x.exp().observe(move |_| *count.borrow_mut() += 1);
    tape.backward(x * 2.0);
    assert_eq!(*fired.borrow(), 0);
}

#[test]
fn a_modifier_changes_the_gradients_upstream_and_runs_before_observers() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(1.0));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let h = (x * 4.0)
        .observe(move |g| log.borrow_mut().push(g.item()))
        .modify(|g| g.map_inplace(|v| v * 10.0));
    let grads = tape.backward(h.sum_all());
    // The observer, registered first, still sees the modified gradient.
    assert_eq!(*seen.borrow(), vec![10.0]);
    // dL/dx = 4 · (modified 10)
    assert_eq!(grads.wrt(x).unwrap().item(), 40.0);
}

#[test]
fn modifiers_run_in_registration_order() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(1.0));
    let h = (x * 1.0)
        .modify(|g| g.map_inplace(|v| v + 1.0))
        .modify(|g| g.map_inplace(|v| v * 3.0));
    let grads = tape.backward(h);
    assert_eq!(grads.wrt(x).unwrap().item(), (1.0 + 1.0) * 3.0);
}

#[test]
fn after_backward_and_drop_a_param_storage_is_uniquely_owned() {
    let mut w = Param::new(Tensor::<f32>::ones([16, 16]));
    let grads = {
        let tape = Tape::new();
        let x = tape.constant(Tensor::ones([1, 16]));
        let wv = tape.param(&w);
        assert!(
            !w.value().is_unique(),
            "the tape shares the parameter's storage"
        );
        let y = x.matmul(wv).tanh().sum_all();
        tape.backward(y)
    };
    assert!(w.value().is_unique());
    let before = w.value().data().as_ptr();
    let g = grads.get(&w).unwrap().clone();
    w.value_mut().axpy_inplace(-0.1, &g);
    assert_eq!(
        w.value().data().as_ptr(),
        before,
        "the update copied the buffer"
    );
}

#[test]
fn backward_frees_the_tape_even_while_the_tape_is_alive() {
    let w = Param::new(Tensor::<f32>::ones([4]));
    let tape = Tape::new();
    let y = (tape.param(&w) * 2.0).sum_all();
    tape.backward(y);
    assert!(w.value().is_unique());
    assert!(tape.is_empty());
}

#[test]
fn retain_graph_keeps_values_for_a_second_sweep() {
    let tape = Tape::<f64>::with_options(TapeOptions::default().with_retain_graph(true));
    let x = tape.leaf(Tensor::scalar(3.0));
    let y = x.square();
    let first = tape.backward(y);
    let second = tape.backward(y);
    assert_eq!(first.wrt(x).unwrap().item(), 6.0);
    assert_eq!(second.wrt(x).unwrap().item(), 6.0);
    assert_eq!(y.item(), 9.0);
}

#[test]
#[should_panic(expected = "backward consumed the tape")]
fn reading_a_value_after_backward_panics_with_a_clear_message() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(3.0));
    let y = x.square();
    tape.backward(y);
    let _ = y.value();
}

#[test]
fn detach_stops_the_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(3.0));
    let y = x * x.detach();
    let grads = tape.backward(y);
    assert_eq!(grads.wrt(x).unwrap().item(), 3.0);
}

#[test]
fn retained_intermediate_gradients_are_reported() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(2.0));
    let h = x * 5.0;
    tape.retain(h);
    let grads = tape.backward(h.square());
    // dL/dh = 2h = 20
    assert_eq!(grads.wrt(h).unwrap().item(), 20.0);
}

#[test]
fn scopes_label_nodes_in_the_printed_tape() {
    let tape = Tape::<f32>::new();
    let x = tape.leaf(Tensor::ones([2, 3]));
    let y = {
        let _model = tape.scope("model");
        let h = {
            let _layer = tape.scope("0");
            x.tanh()
        };
        let _layer = tape.scope("1");
        h.relu()
    };
    let printed = tape.to_string();
    assert!(printed.contains("tanh(#0)"), "{printed}");
    assert!(printed.contains("@model.0"), "{printed}");
    assert!(printed.contains("relu(#1)"), "{printed}");
    assert!(printed.contains("@model.1"), "{printed}");
    assert_eq!(tape.len(), 3, "scopes insert no ops");
    let _ = y;
}

#[derive(Default)]
struct Recorder {
    sites: Vec<(String, Vec<String>, f64)>,
}

impl BackwardObserver<f64> for Recorder {
    fn observe(&mut self, site: &GradSite<'_>, grad: &Tensor<f64>) {
        let outputs = site.output_of.iter().map(|s| s.to_string()).collect();
        self.sites
            .push((site.path.to_string(), outputs, grad.sum_all().item()));
    }
}

#[test]
fn backward_observer_sees_each_labelled_node_with_its_layer_outputs() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(0.5));
    let y = {
        let _a = tape.scope("a");
        let h = x * 2.0; // node 1
        h * 3.0 // node 2: output of "a"
    };
    let loss = y * 4.0; // unlabelled
    let mut rec = Recorder::default();
    tape.backward_with(loss, &mut rec);
    assert_eq!(
        rec.sites,
        vec![
            ("a".to_string(), vec!["a".to_string()], 4.0),
            ("a".to_string(), vec![], 12.0),
        ]
    );
}

fn log_softmax_picked<'t>(v: &[Var<'t, f32>]) -> Var<'t, f32> {
    v[0].log_softmax(1).narrow(1, 0, 1).sum_all()
}

#[test]
fn log_softmax_gradient_at_huge_logits_is_finite_and_correct() {
    for logits in [vec![1e4f32, -1e4, 0.0], vec![-1e4, 1e4, 9999.0]] {
        let tape = Tape::<f32>::new();
        let x = tape.leaf(Tensor::from_vec(logits.clone(), [1, 3]).unwrap());
        let grads = tape.backward(log_softmax_picked(&[x]));
        let g = grads.wrt(x).unwrap().to_vec();
        // d log p₀ / dx = onehot₀ - softmax(x), computed here in f64.
        let m = logits.iter().cloned().fold(f32::MIN, f32::max) as f64;
        let z: f64 = logits.iter().map(|&v| (v as f64 - m).exp()).sum();
        for (j, &gj) in g.iter().enumerate() {
            let p = (logits[j] as f64 - m).exp() / z;
            let want = if j == 0 { 1.0 - p } else { -p };
            assert!(gj.is_finite());
            assert!((gj as f64 - want).abs() < 1e-6, "{g:?}");
        }
    }
}

#[test]
fn f32_gradients_of_the_edge_cases_are_finite() {
    let tape = Tape::<f32>::new();
    let x = tape.leaf(Tensor::from_vec(vec![-90.0, 90.0, -30.0, 30.0, 0.0], [5]).unwrap());
    let y =
        x.sigmoid().sum_all() + x.tanh().sum_all() + x.relu().sum_all() + x.softplus().sum_all();
    let grads = tape.backward(y);
    let g = grads.wrt(x).unwrap();
    assert!(g.all_finite(), "{g:?}");
}

#[test]
fn sigmoid_grad_at_minus_90_is_zero_in_f32_and_tiny_in_f64() {
    let tape = Tape::<f32>::new();
    let x = tape.leaf(Tensor::scalar(-90.0));
    // e⁹⁰ overflows f32, so σ(-90) = 1/inf = 0 and σ' = 0·(1 - 0) = 0, not NaN.
    assert_eq!(tape.backward(x.sigmoid()).wrt(x).unwrap().item(), 0.0);

    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::scalar(-90.0));
    let g = tape.backward(x.sigmoid()).wrt(x).unwrap().item();
    assert!(g.is_finite() && (0.0..1e-38).contains(&g));
}

#[test]
fn shape_errors_in_ops_point_at_the_callers_line() {
    use std::sync::{Arc, Mutex};
    let location = Arc::new(Mutex::new(String::new()));
    let seen = location.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Some(l) = info.location() {
            *seen.lock().unwrap() = l.file().to_string();
        }
    }));
    let result = std::panic::catch_unwind(|| {
        let tape = Tape::<f32>::new();
        let a = tape.leaf(Tensor::zeros([2, 3]));
        let b = tape.leaf(Tensor::zeros([4, 5]));
        let _ = a.matmul(b);
    });
    std::panic::set_hook(previous);
    assert!(result.is_err());
    assert!(
        location.lock().unwrap().ends_with("tape_semantics.rs"),
        "panic reported at {}",
        location.lock().unwrap()
    );
}
