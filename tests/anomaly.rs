//! Anomaly mode: the first NaN/±Inf of a step is reported with its phase,
//! node, op and scope path; later ones are not; with the mode off nothing is
//! reported; and the mode never changes a gradient.

use gradflow::nn::{Dense, Init, Layer, Module, Sequential, Tanh};
use gradflow::tape::Phase;
use gradflow::{Anomaly, Grads, Param, Rng, SeedableRng, Tape, TapeOptions, Tensor};

fn anomaly_on() -> TapeOptions {
    TapeOptions::default().with_anomaly(true)
}

fn t(values: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), [values.len()]).unwrap()
}

#[test]
fn options_default_to_anomaly_off_and_the_builder_sets_it() {
    assert!(!TapeOptions::default().anomaly);
    assert!(anomaly_on().anomaly);
    assert!(!anomaly_on().with_anomaly(false).anomaly);
    // The builders compose.
    let both = TapeOptions::default()
        .with_retain_graph(true)
        .with_anomaly(true);
    assert!(both.retain_graph && both.anomaly);
}

#[test]
fn a_nan_made_in_forward_is_reported_with_op_path_and_phase() {
    let tape = Tape::<f64>::with_options(anomaly_on());
    let x = tape.leaf(t(&[2.0, -1.0, 3.0]));
    let h = x.mul_scalar(0.5);
    let y = {
        let _layers = tape.scope("layers");
        let _two = tape.scope("2");
        h.ln() // ln(-0.5) = NaN
    };
    // Found while recording, before any backward.
    let a = tape.anomaly().expect("ln of a negative value is reported");
    assert_eq!(a.phase, Phase::Forward);
    assert_eq!(a.op, "ln");
    assert_eq!(a.path, "layers.2");
    assert_eq!(a.node, y.index());
    assert_eq!(a.input, None);
    assert_eq!((a.nonfinite, a.numel), (1, 3));
    let text = a.to_string();
    assert!(text.starts_with("forward"), "{text}");
    assert!(text.contains("ln") && text.contains("layers.2"), "{text}");
    assert!(text.contains(&format!("#{}", y.index())), "{text}");

    // Carried into the sweep's gradients.
    let grads = tape.backward(y.sum_all());
    assert_eq!(grads.anomaly(), Some(&a));
    assert_eq!(tape.anomaly(), Some(a));
}

#[test]
fn a_forward_nan_in_ops_on_constants_is_reported_too() {
    // Ops whose inputs need no gradient are recorded as constants; their
    // values are still checked, under the op's own name.
    let tape = Tape::<f64>::with_options(anomaly_on());
    let x = tape.constant(t(&[0.0, 1.0]));
    let y = {
        let _s = tape.scope("pre");
        x.recip() // 1/0 = inf
    };
    let a = tape.anomaly().expect("reported");
    assert_eq!(
        (a.phase, a.op, a.path.as_str(), a.node, a.nonfinite),
        (Phase::Forward, "recip", "pre", y.index(), 1)
    );
}

#[test]
fn a_nan_set_by_a_modify_hook_is_reported_in_backward_at_that_node() {
    let tape = Tape::<f64>::with_options(anomaly_on());
    let x = tape.leaf(t(&[0.1, 0.2, 0.3, 0.4]));
    let a = {
        let _s = tape.scope("block.0");
        x.tanh()
    };
    let b = {
        let _s = tape.scope("block.1");
        a.mul_scalar(3.0).modify(|g| g.data_mut()[2] = f64::NAN)
    };
    let c = {
        let _s = tape.scope("head");
        b.square()
    };
    assert!(tape.anomaly().is_none(), "forward is finite");
    let grads = tape.backward(c.sum_all());
    let found = grads.anomaly().expect("the hook's NaN is reported");
    assert_eq!(found.phase, Phase::Backward);
    assert_eq!(found.op, "mul_scalar");
    assert_eq!(found.path, "block.1");
    assert_eq!(found.node, b.index());
    assert_eq!(found.input, None, "the node's own (modified) gradient");
    assert_eq!((found.nonfinite, found.numel), (1, 4));
    assert!(found.to_string().starts_with("backward"), "{found}");
    // The NaN did flow upstream (backward is not changed), but the report
    // stays at its origin.
    assert!(grads.wrt(x).unwrap().data()[2].is_nan());
    // The tape keeps it as well.
    assert_eq!(tape.anomaly().as_ref(), Some(found));
}

#[test]
fn an_infinite_derivative_is_reported_at_the_rule_that_made_it() {
    // d sqrt(x)/dx = 1/(2 sqrt x) is inf at 0: the sqrt node's own gradient
    // is finite, the gradient its rule sends to x is not.
    let tape = Tape::<f64>::with_options(anomaly_on());
    let x = tape.leaf(t(&[4.0, 0.0, 1.0]));
    let h = x.mul_scalar(1.0);
    let y = {
        let _s = tape.scope("enc");
        h.sqrt()
    };
    let loss = y.sum_all();
    assert!(tape.anomaly().is_none(), "sqrt(0) = 0 is finite");
    let grads = tape.backward(loss);
    let a = grads.anomaly().expect("the inf derivative is reported");
    assert_eq!(a.phase, Phase::Backward);
    assert_eq!(a.op, "sqrt");
    assert_eq!(a.path, "enc");
    assert_eq!(a.node, y.index());
    assert_eq!(a.input, Some(h.index()));
    assert_eq!((a.nonfinite, a.numel), (1, 3));
    let text = a.to_string();
    assert!(text.contains("sqrt") && text.contains("enc"), "{text}");
    assert!(grads.wrt(x).unwrap().data()[1].is_infinite());
}

#[test]
fn the_first_forward_offender_wins() {
    let tape = Tape::<f64>::with_options(anomaly_on());
    let x = tape.leaf(t(&[-1.0, 1.0]));
    let first = {
        let _s = tape.scope("a");
        x.sqrt() // NaN at -1
    };
    let second = {
        let _s = tape.scope("b");
        x.mul_scalar(0.0).ln() // -inf twice
    };
    let _third = first + second;
    let a = tape.anomaly().unwrap();
    assert_eq!(
        (a.op, a.path.as_str(), a.node, a.nonfinite),
        ("sqrt", "a", first.index(), 1)
    );
    // Backward NaNs (everything downstream of the forward NaN) do not
    // replace it either.
    let grads = tape.backward(_third.sum_all());
    let g = grads.anomaly().unwrap();
    assert_eq!((g.phase, g.node), (Phase::Forward, first.index()));
}

#[test]
fn the_first_backward_offender_in_sweep_order_wins() {
    // Two hooks make NaNs: the sweep reaches the later-recorded node first.
    let tape = Tape::<f64>::with_options(anomaly_on());
    let x = tape.leaf(t(&[1.0, 2.0]));
    let early = {
        let _s = tape.scope("early");
        x.exp().modify(|g| g.data_mut()[0] = f64::NAN)
    };
    let late = {
        let _s = tape.scope("late");
        early.tanh().modify(|g| g.data_mut()[1] = f64::INFINITY)
    };
    let grads = tape.backward(late.sum_all());
    let a = grads.anomaly().unwrap();
    assert_eq!(
        (a.phase, a.op, a.path.as_str(), a.node, a.input, a.nonfinite),
        (Phase::Backward, "tanh", "late", late.index(), None, 1)
    );
}

#[test]
fn with_anomaly_off_nothing_is_reported_even_when_nans_occur() {
    for options in [
        TapeOptions::default(),
        TapeOptions::default().with_anomaly(false),
    ] {
        let tape = Tape::<f64>::with_options(options);
        let x = tape.leaf(t(&[-1.0, 0.0, 1.0]));
        let y = {
            let _s = tape.scope("layers.2");
            x.ln().modify(|g| g.data_mut()[2] = f64::NAN)
        };
        let z = x.sqrt();
        assert!(tape.anomaly().is_none());
        let grads = tape.backward((y + z).sum_all());
        assert!(grads.wrt(x).unwrap().data().iter().any(|v| v.is_nan()));
        assert!(grads.anomaly().is_none());
        assert!(tape.anomaly().is_none());
    }
}

fn mlp(seed: u64) -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    let mut model = Sequential::new();
    for _ in 0..3 {
        model.add(Dense::new(8, 8, Init::xavier_uniform(), &mut rng));
        model.add(Tanh);
    }
    model.add(Dense::new(8, 3, Init::xavier_uniform(), &mut rng));
    model
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Poison {
    None,
    /// An inf derivative in backward only (sqrt at 0).
    Backward,
    /// That, and a NaN in forward (ln of a negative value).
    Both,
    /// A NaN set in the logits' gradient by a hook.
    Hook,
}

/// One step of the MLP with a log-softmax loss, poisoned as asked.
fn step(model: &mut Sequential<f32>, options: TapeOptions, poison: Poison) -> Grads<f32> {
    let mut rng = Rng::seed_from_u64(7);
    let x = Tensor::<f32>::normal([4, 8], 0.0, 1.0, &mut rng);
    let tape = Tape::with_options(options);
    let mut logits = model.forward(tape.constant(x));
    if poison == Poison::Hook {
        logits = logits.modify(|g| g.data_mut()[5] = f32::NAN);
    }
    let logp = logits.log_softmax(1);
    let mut loss = logp.mean_all().neg();
    if matches!(poison, Poison::Backward | Poison::Both) {
        loss = loss + logits.mul_scalar(0.0).sqrt().sum_all();
    }
    if poison == Poison::Both {
        loss = loss + logits.sub_scalar(1e3).ln().mean_all();
    }
    tape.backward(loss)
}

#[test]
fn finite_runs_report_none() {
    let mut model = mlp(1);
    let grads = step(&mut model, anomaly_on(), Poison::None);
    assert!(!grads.is_empty());
    assert!(grads.global_norm().is_finite());
    assert_eq!(grads.anomaly(), None);

    let tape = Tape::<f32>::with_options(anomaly_on());
    let w = Param::new(Tensor::<f32>::full([3], 0.5));
    let loss = tape.param(&w).sigmoid().ln().sum_all();
    assert!(tape.anomaly().is_none());
    let grads = tape.backward(loss);
    assert!(grads.anomaly().is_none());
    assert!(tape.anomaly().is_none());
}

#[test]
fn gradients_are_bit_identical_with_anomaly_on_and_off() {
    for poison in [Poison::None, Poison::Backward, Poison::Both, Poison::Hook] {
        let mut model = mlp(2);
        let off = step(&mut model, TapeOptions::default(), poison);
        let on = step(&mut model, anomaly_on(), poison);
        assert!(off.anomaly().is_none());
        assert_eq!(
            on.anomaly().map(|a| a.phase),
            match poison {
                Poison::None => None,
                Poison::Backward | Poison::Hook => Some(Phase::Backward),
                Poison::Both => Some(Phase::Forward),
            }
        );
        if poison != Poison::None {
            assert!(
                !off.global_norm().is_finite(),
                "the poison reached the grads"
            );
        }
        assert_eq!(off.len(), on.len());
        for ((id_off, g_off), (id_on, g_on)) in off.iter().zip(on.iter()) {
            assert_eq!(id_off, id_on);
            let bits = |g: &Tensor<f32>| g.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(g_off), bits(g_on), "param {id_off}, poison {poison:?}");
        }
    }
}

#[test]
fn a_poisoned_mlp_step_reports_its_first_offender() {
    let mut model = mlp(3);
    let grads = step(&mut model, anomaly_on(), Poison::Both);
    let a: &Anomaly = grads.anomaly().unwrap();
    // ln(logits - 1000) is the first non-finite value recorded; the sqrt's
    // inf derivative comes later (in backward) and is not reported.
    assert_eq!((a.phase, a.op, a.path.as_str()), (Phase::Forward, "ln", ""));
    assert_eq!((a.nonfinite, a.numel), (12, 12));

    let grads = step(&mut model, anomaly_on(), Poison::Backward);
    let a = grads.anomaly().unwrap();
    assert_eq!(
        (a.phase, a.op, a.path.as_str(), a.input.is_some()),
        (Phase::Backward, "sqrt", "", true)
    );
    assert_eq!((a.nonfinite, a.numel), (12, 12));

    let grads = step(&mut model, anomaly_on(), Poison::Hook);
    let a = grads.anomaly().unwrap();
    assert_eq!(
        (a.phase, a.op, a.path.as_str(), a.input, a.nonfinite),
        (Phase::Backward, "linear", "6", None, 1)
    );
}

#[test]
fn layer_paths_come_from_containers() {
    // Sequential scopes its children "0", "1", ...; nested ones join with
    // dots. A NaN weight in the dense layer "1.2" makes its product NaN.
    let block = |seed| {
        let mut rng = Rng::seed_from_u64(seed);
        let mut b = Sequential::<f32>::new();
        for _ in 0..2 {
            b.add(Dense::new(8, 8, Init::xavier_uniform(), &mut rng));
            b.add(Tanh);
        }
        b
    };
    let mut model = Sequential::new();
    model.add(block(4));
    model.add(block(5));
    let mut poisoned = 0;
    model.visit_params_mut(&mut |name, p| {
        if name == "1.2.weight" {
            p.value_mut().data_mut()[0] = f32::NAN;
            poisoned += 1;
        }
    });
    assert_eq!(poisoned, 1);
    let mut rng = Rng::seed_from_u64(8);
    let x = Tensor::<f32>::normal([2, 8], 0.0, 1.0, &mut rng);
    let tape = Tape::with_options(anomaly_on());
    let y = model.forward(tape.constant(x));
    let a = tape.anomaly().unwrap();
    assert_eq!(
        (a.phase, a.op, a.path.as_str(), a.numel),
        (Phase::Forward, "linear", "1.2", 16)
    );
    assert_eq!(a.nonfinite, 2, "one NaN per row of the batch");
    let grads = tape.backward(y.square().mean_all());
    assert_eq!(grads.anomaly(), Some(&a));
}

#[test]
fn a_retained_graph_reports_per_sweep() {
    let tape = Tape::<f64>::with_options(anomaly_on().with_retain_graph(true));
    let x = tape.leaf(t(&[0.0, 1.0]));
    let y = x.sqrt();
    let clean = x.square().sum_all();
    let bad = y.sum_all();
    // A clean sweep, then one whose rule makes an inf, then a clean one
    // again: each sweep's Grads reports its own backward anomaly.
    assert!(tape.backward(clean).anomaly().is_none());
    let g = tape.backward(bad);
    assert_eq!(
        g.anomaly().map(|a| (a.node, a.op)),
        Some((y.index(), "sqrt"))
    );
    assert!(tape.backward(clean).anomaly().is_none());
    // The tape keeps the first one found.
    assert_eq!(tape.anomaly().map(|a| a.node), Some(y.index()));
}

#[test]
fn accumulate_keeps_the_first_anomaly() {
    let clean = {
        let tape = Tape::<f64>::with_options(anomaly_on());
        let x = tape.leaf(t(&[1.0]));
        tape.backward(x.square().sum_all())
    };
    let poisoned = {
        let tape = Tape::<f64>::with_options(anomaly_on());
        let x = tape.leaf(t(&[0.0]));
        tape.backward(x.sqrt().sum_all())
    };
    let mut acc = clean.clone();
    acc.accumulate(&poisoned);
    assert_eq!(acc.anomaly(), poisoned.anomaly());
    assert!(acc.anomaly().is_some());
    let mut acc = poisoned.clone();
    acc.accumulate(&clean);
    assert_eq!(acc.anomaly(), poisoned.anomaly());
}

#[test]
fn the_monitor_has_a_finding_for_an_anomaly() {
    use gradflow::monitor::Finding;
    let tape = Tape::<f64>::with_options(anomaly_on());
    let x = tape.leaf(t(&[0.0, 1.0]));
    let y = {
        let _s = tape.scope("enc");
        x.sqrt()
    };
    let grads = tape.backward(y.sum_all());
    let finding = Finding::Anomaly(grads.anomaly().unwrap().clone());
    let text = finding.to_string();
    assert!(text.contains("sqrt") && text.contains("\"enc\""), "{text}");
    assert!(finding.advice().contains("derivative is infinite"));
    let forward = Finding::Anomaly({
        let tape = Tape::<f64>::with_options(anomaly_on());
        let _ = tape.leaf(t(&[-1.0])).ln();
        tape.anomaly().unwrap()
    });
    assert!(forward.advice().contains("domain"), "{}", forward.advice());
}
