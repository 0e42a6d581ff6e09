//! Hooks by name on the monitor: order, removal, replacement, effect.

use std::sync::{Arc, Mutex};

use gradflow::monitor::{GradMonitor, GradRef};
use gradflow::nn::{Dense, Init, Layer, Module, Sequential, Tanh};
use gradflow::{Grads, Rng, Scalar, SeedableRng, Tape, Tensor};

fn model<T: Scalar>() -> Sequential<T> {
    let mut rng = Rng::seed_from_u64(1);
    Sequential::new()
        .push(Dense::new(4, 4, Init::xavier_uniform(), &mut rng))
        .push(Tanh)
        .push(Dense::new(4, 2, Init::xavier_uniform(), &mut rng))
}

fn step<T: Scalar>(model: &mut Sequential<T>, monitor: &mut GradMonitor) -> Grads<T> {
    let x = Tensor::<T>::normal([3, 4], T::zero(), T::one(), &mut Rng::seed_from_u64(2));
    let mut grads = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x)).square().mean_all();
        tape.backward_with(loss, monitor)
    };
    monitor.record_params(model, &mut grads);
    grads
}

fn bits(g: &Grads<f32>) -> Vec<u32> {
    g.iter()
        .flat_map(|(_, t)| t.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>())
        .collect()
}

#[test]
fn observers_leave_gradients_bit_identical() {
    let mut m = model::<f32>();
    let plain = step(&mut m, &mut GradMonitor::new());
    let mut monitor = GradMonitor::new();
    let seen = Arc::new(Mutex::new(0usize));
    let (a, b) = (seen.clone(), seen.clone());
    let _h1 = monitor.observe_layer("1", move |_, g| *a.lock().unwrap() += g.shape().len());
    let _h2 = monitor.observe_param("0.weight", move |_, _| *b.lock().unwrap() += 100);
    let watched = step(&mut m, &mut monitor);
    assert_eq!(bits(&plain), bits(&watched));
    assert_eq!(*seen.lock().unwrap(), 2 + 100, "each observer ran once");
}

#[test]
fn modifiers_run_by_priority_and_observers_see_the_edit() {
    let mut m = model::<f64>();
    let mut monitor = GradMonitor::new();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let l0 = log.clone();
    let _late = monitor.modify_param("0.weight", 10, move |_, mut g| {
        l1.lock().unwrap().push("param x10".into());
        g.scale(10.0);
    });
    // Lower priority: runs first although registered second. (x + 1)·10.
    let _early = monitor.modify_param("0.weight", -1, move |_, mut g| {
        l0.lock().unwrap().push("param +1".into());
        g.map(|v| v + 1.0);
    });
    let _obs = monitor.observe_param("0.weight", move |_, g| {
        l2.lock()
            .unwrap()
            .push(format!("observed {:.3}", g.stats().l2));
    });
    let _layer = monitor.modify_layer("2", -5, move |ctx, _| {
        l3.lock().unwrap().push(format!("layer {} first", ctx.name));
    });
    let plain = step(&mut m, &mut GradMonitor::new());
    let edited = step(&mut m, &mut monitor);
    let w = {
        let mut id = None;
        m.visit_params(&mut |n, p| {
            if n == "0.weight" {
                id = Some(p.id());
            }
        });
        id.unwrap()
    };
    let want = plain.get_id(w).unwrap().add_scalar(1.0).mul_scalar(10.0);
    assert_eq!(edited.get_id(w).unwrap(), &want);
    let log = log.lock().unwrap();
    assert_eq!(
        log[0], "layer 2 first",
        "layer modifiers run during backward"
    );
    assert_eq!(log[1], "param +1", "priority -1 before 10");
    assert_eq!(log[2], "param x10");
    let l2 = want.data().iter().map(|v| v * v).sum::<f64>().sqrt();
    assert_eq!(
        log[3],
        format!("observed {l2:.3}"),
        "the observer sees the edited gradient"
    );
}

#[test]
fn a_layer_modifier_changes_the_gradients_upstream() {
    let mut m = model::<f32>();
    let mut monitor = GradMonitor::new();
    // Zero the gradient arriving at the tanh layer's output: nothing flows
    // to layer 0 any more, while layer 2 still learns.
    let _h = monitor.modify_layer("1", 0, |_, mut g| g.scale(0.0));
    let grads = step(&mut m, &mut monitor);
    m.visit_params(&mut |name, p| {
        let g = grads.get(p).unwrap();
        let zero = g.data().iter().all(|&v| v == 0.0);
        assert_eq!(zero, name.starts_with("0."), "{name}");
    });
}

#[test]
fn a_dropped_handle_unregisters_and_re_registering_does_not_pile_up() {
    let mut m = model::<f32>();
    let mut monitor = GradMonitor::new();
    let count = Arc::new(Mutex::new(0));
    let c = count.clone();
    let handle = monitor.observe_layer("0", move |_, _| *c.lock().unwrap() += 1);
    step(&mut m, &mut monitor);
    drop(handle);
    step(&mut m, &mut monitor);
    assert_eq!(*count.lock().unwrap(), 1);

    for _ in 0..5 {
        let c = count.clone();
        monitor
            .observe_layer("0", move |_, _| *c.lock().unwrap() += 1)
            .keep();
    }
    step(&mut m, &mut monitor);
    assert_eq!(*count.lock().unwrap(), 2, "five registrations, one hook");
}

#[test]
fn hooks_work_in_f32_and_f64_alike() {
    let mut monitor = GradMonitor::new();
    let kinds = Arc::new(Mutex::new(Vec::new()));
    let k = kinds.clone();
    monitor
        .observe_layer("2", move |_, g| {
            k.lock().unwrap().push(matches!(g, GradRef::F32(_)));
        })
        .keep();
    step(&mut model::<f32>(), &mut monitor);
    step(&mut model::<f64>(), &mut monitor);
    assert_eq!(*kinds.lock().unwrap(), vec![true, false]);
}
