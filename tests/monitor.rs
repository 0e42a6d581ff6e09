//! The gradient-flow monitor: statistics match direct observation, the
//! report flags vanishing where theory predicts it and not elsewhere, and a
//! NaN is reported at the layer it entered.

use std::sync::{Arc, Mutex};

use gradflow::monitor::{Finding, GradMonitor, GradStats, LayerKind, Schedule};
use gradflow::nn::{Dense, Init, Layer, Module, Relu, Sequential, Sigmoid};
use gradflow::{Rng, SeedableRng, Tape, Tensor, Var};

fn mlp(depth: usize, width: usize, init: Init, relu: bool, seed: u64) -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    let mut model = Sequential::new();
    for _ in 0..depth {
        model.add(Dense::new(width, width, init, &mut rng));
        if relu {
            model.add(Relu);
        } else {
            model.add(Sigmoid);
        }
    }
    model
}

fn one_step(model: &mut Sequential<f32>, monitor: &mut GradMonitor, seed: u64) {
    let mut rng = Rng::seed_from_u64(seed);
    let x = Tensor::<f32>::normal([32, 64], 0.0, 1.0, &mut rng);
    let mut grads = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x)).square().mean_all();
        tape.backward_with(loss, monitor)
    };
    monitor.record_params(model, &mut grads);
}

#[test]
fn deep_sigmoid_mlp_with_glorot_standard_init_is_flagged_as_vanishing() {
    let mut model = mlp(20, 64, Init::GlorotStandard, false, 1);
    let mut monitor = GradMonitor::new();
    one_step(&mut model, &mut monitor, 2);
    let report = monitor.report().unwrap();
    assert!(report.is_vanishing(), "{report}");
    assert!(report.first_over_last.unwrap() < 1e-3);
    assert_eq!(report.layers.len(), 20, "one row per dense layer");
    assert!(report.layers.iter().all(|l| l.kind == LayerKind::Weighted));
    assert!(matches!(
        report
            .findings
            .iter()
            .find(|f| matches!(f, Finding::Vanishing { .. })),
        Some(Finding::Vanishing {
            saturating: true,
            ..
        })
    ));
}

#[test]
fn deep_relu_mlp_with_he_init_is_not_flagged() {
    let mut model = mlp(20, 64, Init::he_normal(), true, 3);
    let mut monitor = GradMonitor::new();
    one_step(&mut model, &mut monitor, 4);
    let report = monitor.report().unwrap();
    assert!(!report.is_vanishing(), "{report}");
    assert!(!report.is_exploding(), "{report}");
    let ratio = report.first_over_last.unwrap();
    assert!((0.05..20.0).contains(&ratio), "{ratio}");
}

#[test]
fn layer_output_statistics_match_the_gradient_observed_directly() {
    let mut model = mlp(3, 8, Init::xavier_uniform(), false, 5);
    let mut monitor = GradMonitor::new();
    let seen: Arc<Mutex<Option<Tensor<f32>>>> = Arc::new(Mutex::new(None));
    let mut rng = Rng::seed_from_u64(6);
    let x = Tensor::<f32>::normal([4, 8], 0.0, 1.0, &mut rng);
    let mut grads = {
        let tape = Tape::new();
        let h = model.forward(tape.constant(x));
        // The model's last layer ("5", a sigmoid) output is h itself.
        let store = seen.clone();
        let h = h.observe(move |g| *store.lock().unwrap() = Some(g.clone()));
        tape.backward_with(h.square().mean_all(), &mut monitor)
    };
    monitor.record_params(&model, &mut grads);
    let record = monitor.history().last().unwrap();
    let last = record.layers.iter().find(|l| l.path == "5").unwrap();
    let direct = GradStats::of_layer_output(seen.lock().unwrap().as_ref().unwrap());
    assert_eq!(last.stats, direct);
}

#[test]
fn attaching_a_monitor_leaves_gradients_bit_identical() {
    let mut model = mlp(4, 16, Init::he_normal(), true, 7);
    let x = Tensor::<f32>::normal([8, 16], 0.0, 1.0, &mut Rng::seed_from_u64(8));
    let plain = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x.clone())).square().mean_all();
        tape.backward(loss)
    };
    let mut monitor = GradMonitor::new();
    let watched = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x)).square().mean_all();
        tape.backward_with(loss, &mut monitor)
    };
    for (id, g) in plain.iter() {
        let w = watched.get_id(id).unwrap();
        assert!(
            g.data()
                .iter()
                .zip(w.data())
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }
}

/// A layer that multiplies by 1 but corrupts its output gradient with NaN.
struct PoisonGrad;

impl Module<f32> for PoisonGrad {
    fn visit_params(&self, _f: &mut dyn FnMut(&str, &gradflow::Param<f32>)) {}
    fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&str, &mut gradflow::Param<f32>)) {}
    fn describe(&self) -> String {
        "PoisonGrad".to_string()
    }
}

impl Layer<f32> for PoisonGrad {
    fn forward<'t>(&mut self, x: Var<'t, f32>) -> Var<'t, f32> {
        // The hook runs when the sweep reaches this node; the NaN then flows
        // into every layer before it.
        (x * 1.0).modify(|g| g.data_mut()[0] = f32::NAN)
    }
}

#[test]
fn nan_injected_into_one_layer_is_reported_at_that_layer() {
    let mut rng = Rng::seed_from_u64(9);
    let mut model = Sequential::new();
    for i in 0..6 {
        model.add(Dense::<f32>::new(8, 8, Init::he_normal(), &mut rng));
        if i == 3 {
            model.add(PoisonGrad); // layer "7"
        }
        model.add(Relu);
    }
    let mut monitor = GradMonitor::new();
    let x = Tensor::<f32>::normal([4, 8], 0.0, 1.0, &mut rng);
    let mut grads = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x)).square().mean_all();
        tape.backward_with(loss, &mut monitor)
    };
    monitor.record_params(&model, &mut grads);
    let report = monitor.report().unwrap();
    match &report.findings[0] {
        Finding::NonFinite { layer, .. } => assert_eq!(layer, "7", "{report}"),
        other => panic!("expected a non-finite finding first, got {other:?}\n{report}"),
    }
}

#[test]
fn parameter_statistics_under_micro_batches_equal_those_of_the_accumulated_gradient() {
    let mut model = mlp(3, 8, Init::xavier_uniform(), false, 10);
    let mut rng = Rng::seed_from_u64(11);
    let batches: Vec<Tensor<f32>> = (0..4)
        .map(|_| Tensor::normal([2, 8], 0.0, 1.0, &mut rng))
        .collect();
    let mut monitor = GradMonitor::new();
    let mut total = gradflow::Grads::new();
    for x in &batches {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x.clone())).square().mean_all();
        total.accumulate(&tape.backward_with(loss, &mut monitor));
    }
    monitor.record_params(&model, &mut total);
    assert_eq!(monitor.history().len(), 1, "one step, not four");
    let record = &monitor.history()[0];
    model.visit_params(&mut |name, p| {
        let rec = record.params.iter().find(|r| r.name == name).unwrap();
        assert_eq!(rec.stats, GradStats::of(total.get(p).unwrap()));
    });
}

#[test]
fn schedule_skips_steps_and_off_records_nothing() {
    let mut model = mlp(2, 64, Init::he_normal(), true, 12);
    let mut every_third = GradMonitor::with_schedule(Schedule::Every(3));
    let mut off = GradMonitor::with_schedule(Schedule::Off);
    for step in 0..7 {
        one_step(&mut model, &mut every_third, step);
        one_step(&mut model, &mut off, step);
    }
    let steps: Vec<u64> = every_third.history().iter().map(|r| r.step).collect();
    assert_eq!(steps, vec![0, 3, 6]);
    assert!(off.history().is_empty());
    let log = Schedule::LogSpaced { per_decade: 3 };
    let picked: Vec<u64> = (0..120).filter(|&s| log.is_active(s)).collect();
    assert_eq!(&picked[..10], &(0..10).collect::<Vec<_>>()[..]);
    assert!(picked.len() < 20, "{picked:?}");
}

#[test]
fn report_renders_an_aligned_table_with_findings() {
    let mut model = mlp(20, 64, Init::GlorotStandard, false, 1);
    let mut monitor = GradMonitor::new();
    one_step(&mut model, &mut monitor, 2);
    let text = monitor.report().unwrap().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "gradient flow at step 0");
    assert!(lines[1].starts_with("layer"), "{text}");
    // Header and 20 rows share one column layout.
    let header_len = lines[1].chars().count();
    for row in &lines[2..22] {
        assert_eq!(row.chars().count(), header_len, "{text}");
    }
    assert!(lines[2].starts_with("0 "), "input layer first: {text}");
    assert!(text.contains("! vanishing"), "{text}");
    assert!(text.contains("→ saturating activations"), "{text}");
}

/// Pins the report's layout: a 2-hidden-layer f64 model with fixed seeds.
/// If a deliberate change to the table breaks this, update the text.
#[test]
fn report_layout_snapshot() {
    let mut rng = Rng::seed_from_u64(42);
    let mut model = Sequential::<f64>::new()
        .push(Dense::new(3, 4, Init::xavier_uniform(), &mut rng))
        .push(Sigmoid)
        .push(Dense::new(4, 2, Init::xavier_uniform(), &mut rng));
    let x = Tensor::<f64>::normal([5, 3], 0.0, 1.0, &mut rng);
    let mut monitor = GradMonitor::new();
    let mut grads = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x)).square().mean_all();
        tape.backward_with(loss, &mut monitor)
    };
    monitor.record_params(&model, &mut grads);
    let text = monitor.report().unwrap().with_activations().to_string();
    let expected = SNAPSHOT;
    assert_eq!(
        text, expected,
        "\n--- got ---\n{text}\n--- expected ---\n{expected}"
    );
}

const SNAPSHOT: &str = concat!(
    "gradient flow at step 0\n",
    "layer  kind        op                   rms     mean|g|      max|g|   zeros    dead    nan\n",
    "0      weighted    linear          4.251e-2    3.988e-2    6.819e-2      0%      0%      0\n",
    "1      activation  sigmoid         2.018e-1    1.872e-1    3.089e-1      0%      0%      0\n",
    "2      weighted    linear          2.269e-1    2.045e-1    3.339e-1      0%      0%      0\n",
    "first/last layer rms ratio: 1.874e-1\n",
    "global gradient norm (pre-clip): 2.518e0\n",
    "no findings: gradients flow\n",
);

#[test]
fn anomaly_mode_names_the_op_that_made_the_nan_first_in_the_report() {
    let mut rng = Rng::seed_from_u64(12);
    let mut model = mlp(3, 8, Init::he_normal(), true, 12);
    let mut monitor = GradMonitor::new();
    let x = Tensor::<f32>::normal([4, 8], 0.0, 1.0, &mut rng);
    let mut grads = {
        let tape = Tape::with_options(gradflow::TapeOptions::default().with_anomaly(true));
        // sqrt at 0 has an infinite derivative: the backward rule of `sqrt`
        // makes the first non-finite gradient.
        let y = model.forward(tape.constant(x));
        let loss = (y * 0.0).sqrt().sum_all();
        tape.backward_with(loss, &mut monitor)
    };
    let expected = grads
        .anomaly()
        .cloned()
        .expect("anomaly mode found the Inf");
    monitor.record_params(&model, &mut grads);
    let record = monitor.history().last().unwrap();
    assert_eq!(record.anomaly.as_ref(), Some(&expected));
    let report = monitor.report().unwrap();
    match &report.findings[0] {
        Finding::Anomaly(a) => {
            assert_eq!(a.op, "sqrt", "{report}");
            assert_eq!(a, &expected);
        }
        other => panic!("expected the anomaly first, got {other:?}\n{report}"),
    }
    assert!(report.to_string().contains("sqrt"), "{report}");

    // Without anomaly mode the step carries none.
    let mut grads = {
        let tape = Tape::new();
        let loss = model
            .forward(tape.constant(Tensor::ones([4, 8])))
            .square()
            .mean_all();
        tape.backward_with(loss, &mut monitor)
    };
    monitor.record_params(&model, &mut grads);
    assert!(monitor.history().last().unwrap().anomaly.is_none());
}

#[test]
fn weight_norms_come_from_the_optimizer_once_updates_are_recorded() {
    use gradflow::optim::{Optimizer, Sgd, SgdConfig};
    let mut model = mlp(3, 8, Init::xavier_uniform(), true, 13);
    let mut opt = Sgd::new(SgdConfig {
        lr: 0.1,
        ..SgdConfig::default()
    })
    .unwrap();
    let mut monitor = GradMonitor::new();
    let mut weight_norms_before = Vec::new();
    for step in 0..3 {
        // ‖w‖ of the weights this step's gradient is taken at, computed here.
        let mut norms = Vec::new();
        model.visit_params(&mut |_, p| {
            let n = p
                .value()
                .data()
                .iter()
                .map(|&v| (v as f64) * (v as f64))
                .sum::<f64>();
            norms.push(n.sqrt());
        });
        weight_norms_before.push(norms);
        let x = Tensor::<f32>::normal([16, 8], 0.0, 1.0, &mut Rng::seed_from_u64(step));
        let mut grads = {
            let tape = Tape::new();
            let loss = model.forward(tape.constant(x)).square().mean_all();
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&model, &mut grads);
        let last = monitor.history().last().unwrap();
        if step == 0 {
            // Before any record_updates the monitor measures them itself.
            assert!(last.params.iter().all(|p| p.weight_l2.is_finite()));
        } else {
            // Afterwards they wait for the optimizer's figures.
            assert!(last.params.iter().all(|p| p.weight_l2.is_nan()));
        }
        let updates = opt.step(&mut model, &grads);
        monitor.record_updates(&model, &updates);
    }
    for (record, expected) in monitor.history().iter().zip(&weight_norms_before) {
        assert_eq!(record.params.len(), expected.len());
        for (p, &w) in record.params.iter().zip(expected) {
            // f32 lanes (the monitor's own pass) or f64 (the optimizer's).
            assert!(
                (p.weight_l2 / w - 1.0).abs() < 1e-6,
                "{}: {} vs {w}",
                p.name,
                p.weight_l2
            );
            assert!(p.update_l2.is_some_and(|u| u > 0.0), "{}", p.name);
        }
    }
}

#[test]
fn a_bias_feeding_batch_norm_is_not_reported_stalled() {
    use gradflow::nn::BatchNorm1d;
    let mut rng = Rng::seed_from_u64(14);
    let mut model = Sequential::<f32>::new()
        .push(Dense::new(8, 8, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(8))
        .push(Relu)
        .push(Dense::new(8, 8, Init::he_normal(), &mut rng))
        .push(Relu)
        .push(Dense::new(8, 1, Init::he_normal(), &mut rng));
    let mut monitor = GradMonitor::new();
    let x = Tensor::<f32>::normal([16, 8], 0.0, 1.0, &mut rng);
    let mut grads = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x)).square().mean_all();
        tape.backward_with(loss, &mut monitor)
    };
    monitor.record_params(&model, &mut grads);
    let record = monitor.history().last().unwrap();
    // The bias before the batch norm gets (almost) no gradient: BN removes
    // the batch mean, and with it any constant shift.
    let bias = record.params.iter().find(|p| p.name == "0.bias").unwrap();
    assert!(bias.grad_to_weight() < 1e-6, "{}", bias.grad_to_weight());
    let report = monitor.report().unwrap();
    assert!(
        !report
            .findings
            .iter()
            .any(|f| matches!(f, Finding::Stalled { .. })),
        "{report}"
    );
}

#[test]
fn batch_norm2d_is_a_normalization_site() {
    use gradflow::nn::{BatchNorm2d, Conv2d, Flatten};
    let mut rng = Rng::seed_from_u64(15);
    let mut model = Sequential::<f32>::new()
        .push(Conv2d::new(2, 3, (3, 3), Init::he_normal(), &mut rng))
        .push(BatchNorm2d::new(3))
        .push(Relu)
        .push(Flatten)
        .push(Dense::new(3 * 4 * 4, 1, Init::he_normal(), &mut rng));
    let mut monitor = GradMonitor::new();
    let x = Tensor::<f32>::normal([4, 2, 6, 6], 0.0, 1.0, &mut rng);
    let mut grads = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x)).square().mean_all();
        tape.backward_with(loss, &mut monitor)
    };
    monitor.record_params(&model, &mut grads);
    let record = monitor.history().last().unwrap();
    let kind = |path: &str| {
        record
            .layers
            .iter()
            .find(|l| l.path == path)
            .map(|l| l.kind)
    };
    assert_eq!(kind("0"), Some(LayerKind::Weighted));
    assert_eq!(kind("1"), Some(LayerKind::Normalization));
}
