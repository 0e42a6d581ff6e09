//! Determinism: the same seed gives bit-identical parameters, buffers and
//! gradient norms in this process, in fresh processes, and with one or two
//! matmul threads; the global norm moves by at most one f32 ulp when the
//! same parameters are summed in another order.
//!
//! The cross-process tests re-run this test binary as a child that executes
//! only [`child_prints_bits`] (ignored unless asked for), selected and
//! configured through environment variables, and parse the bits it prints.

use std::collections::BTreeMap;
use std::process::Command;

use gradflow::io::{StateTensor, state_dict};
use gradflow::monitor::GradMonitor;
use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, Module, Relu, Sequential, Tanh};
use gradflow::optim::{
    Adam, AdamConfig, Momentum, NonFinite, Optimizer, Sgd, SgdConfig, clip_global_norm,
};
use gradflow::{Param, Rng, SeedableRng, Tape, Tensor};

/// Which scenario the child runs (unset: not a child).
const SCENARIO_VAR: &str = "GRADFLOW_DETERMINISM_SCENARIO";
/// Prefix of the lines the child prints.
const MARK: &str = "GRADFLOW-BITS";

/// Prefix of the line with the child's number of OS threads.
const THREADS_MARK: &str = "GRADFLOW-OS-THREADS";

/// Every number a run ends with, by name, as raw bits: parameters and
/// buffers from the state dict, and the gradient norms of every step.
type Bits = BTreeMap<String, Vec<u64>>;

fn state_bits(model: &dyn Module<f32>, bits: &mut Bits) {
    for (name, entry) in state_dict(model).iter() {
        let v = match entry {
            StateTensor::F32(t) => t.data().iter().map(|x| u64::from(x.to_bits())).collect(),
            StateTensor::F64(t) => t.data().iter().map(|x| x.to_bits()).collect(),
            StateTensor::I64 { data, .. } => data.iter().map(|&x| x as u64).collect(),
            other => panic!("unexpected state entry {name}: {}", other.dtype()),
        };
        bits.insert(name.to_string(), v);
    }
}

/// Trains `model` for `steps` full-batch steps on `(x, y)` with MSE,
/// recording three global norms per step: [`gradflow::Grads::global_norm`],
/// [`clip_global_norm`]'s `norm_before` and the monitor's.
fn train(
    model: &mut Sequential<f32>,
    opt: &mut dyn Optimizer<f32>,
    x: &Tensor<f32>,
    y: &Tensor<f32>,
    steps: usize,
) -> Bits {
    let mut monitor = GradMonitor::new();
    let mut norms = Vec::new();
    for _ in 0..steps {
        let mut grads = {
            let tape = Tape::new();
            let pred = model.forward(tape.constant(x.clone()));
            let loss = (pred - tape.constant(y.clone())).square().mean_all();
            tape.backward(loss)
        };
        norms.push(grads.global_norm().to_bits());
        monitor.record_params(&*model, &mut grads);
        let recorded = monitor.history().last().and_then(|r| r.global_norm);
        norms.push(recorded.expect("every step is recorded").to_bits());
        let clip = clip_global_norm(&*model, &mut grads, 1.0, NonFinite::Error).unwrap();
        norms.push(clip.norm_before.to_bits());
        norms.push(clip.norm_after.to_bits());
        opt.step(model, &grads);
    }
    let mut bits = Bits::new();
    state_bits(model, &mut bits);
    bits.insert("global_norms".to_string(), norms);
    bits
}

fn data(rng: &mut Rng, n: usize, inputs: usize, outputs: usize) -> (Tensor<f32>, Tensor<f32>) {
    let x = Tensor::normal([n, inputs], 0.0, 1.0, rng);
    let y = Tensor::normal([n, outputs], 0.0, 1.0, rng);
    (x, y)
}

/// A tanh MLP trained with Adam for 100 steps.
fn mlp_adam() -> Bits {
    let mut rng = Rng::seed_from_u64(7);
    let mut model = Sequential::<f32>::new()
        .push(Dense::new(8, 32, Init::xavier_uniform(), &mut rng))
        .push(Tanh)
        .push(Dense::new(32, 32, Init::xavier_uniform(), &mut rng))
        .push(Tanh)
        .push(Dense::new(32, 4, Init::xavier_uniform(), &mut rng));
    let mut opt = Adam::new(AdamConfig {
        lr: 1e-2,
        ..AdamConfig::default()
    })
    .unwrap();
    let (x, y) = data(&mut rng, 64, 8, 4);
    train(&mut model, &mut opt, &x, &y, 100)
}

/// Dense → BatchNorm1d → ReLU → Dense with SGD momentum for 100 steps
/// (the running statistics are compared too).
fn batch_norm_sgd() -> Bits {
    let mut rng = Rng::seed_from_u64(11);
    let mut model = Sequential::<f32>::new()
        .push(Dense::new(8, 32, Init::he_uniform(), &mut rng))
        .push(BatchNorm1d::new(32))
        .push(Relu)
        .push(Dense::new(32, 4, Init::he_uniform(), &mut rng));
    let mut opt = Sgd::new(SgdConfig {
        lr: 5e-2,
        momentum: Momentum::Classic(0.9),
        ..SgdConfig::default()
    })
    .unwrap();
    let (x, y) = data(&mut rng, 64, 8, 4);
    train(&mut model, &mut opt, &x, &y, 100)
}

/// Products of 128×512×512 (forward and both backward products), large
/// enough that with the `threading` feature they run on two threads when
/// the thread count allows (gradflow splits the output in halves over its
/// own workers), and Adam updates of 512×512 weights, which are split in
/// two halves, one per core, the same way.
fn wide_mlp() -> Bits {
    let mut rng = Rng::seed_from_u64(3);
    let mut model = Sequential::<f32>::new()
        .push(Dense::new(512, 512, Init::xavier_uniform(), &mut rng))
        .push(Tanh)
        .push(Dense::new(512, 512, Init::xavier_uniform(), &mut rng))
        .push(Tanh)
        .push(Dense::new(512, 16, Init::xavier_uniform(), &mut rng));
    let mut opt = Adam::new(AdamConfig {
        lr: 1e-3,
        ..AdamConfig::default()
    })
    .unwrap();
    let (x, y) = data(&mut rng, 128, 512, 16);
    train(&mut model, &mut opt, &x, &y, 8)
}

fn run_scenario(name: &str) -> Bits {
    match name {
        "mlp_adam" => mlp_adam(),
        "batch_norm_sgd" => batch_norm_sgd(),
        "wide_mlp" => wide_mlp(),
        other => panic!("unknown scenario {other:?}"),
    }
}

/// The child's side: runs the scenario named in the environment and prints
/// its bits, one `GRADFLOW-BITS name hex...` line per entry. Ignored in
/// normal runs; the parents below run it with `--ignored --exact`.
#[test]
#[ignore = "run by the cross-process tests in a child process"]
fn child_prints_bits() {
    let Ok(name) = std::env::var(SCENARIO_VAR) else {
        return;
    };
    for (key, values) in run_scenario(&name) {
        let hex: Vec<String> = values.iter().map(|v| format!("{v:x}")).collect();
        println!("{MARK} {key} {}", hex.join(" "));
    }
    // The process's OS threads (gradflow's pool workers included), so the
    // parent can tell that a second thread really ran.
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        println!("{THREADS_MARK} {}", tasks.count());
    }
}

/// What a child printed: its bits, and its OS thread count where the
/// platform tells (Linux).
struct Child {
    bits: Bits,
    os_threads: Option<usize>,
}

/// Runs [`child_prints_bits`] in a fresh process of this test binary.
fn run_child(scenario: &str, matmul_threads: Option<usize>) -> Child {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([
        "child_prints_bits",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(SCENARIO_VAR, scenario);
    if let Some(n) = matmul_threads {
        // gradflow's pool reads the first, else the second (the variable
        // matrixmultiply's own threading would read).
        cmd.env("GRADFLOW_NUM_THREADS", n.to_string())
            .env("MATMUL_NUM_THREADS", n.to_string());
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child {scenario} failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut bits = Bits::new();
    let mut os_threads = None;
    for line in stdout.lines() {
        if let Some(start) = line.find(THREADS_MARK) {
            os_threads = Some(line[start + THREADS_MARK.len()..].trim().parse().unwrap());
            continue;
        }
        // libtest may print "test child_prints_bits ... " on the same line.
        let Some(start) = line.find(MARK) else {
            continue;
        };
        let rest = &line[start + MARK.len()..];
        let mut words = rest.split_whitespace();
        let key = words.next().unwrap().to_string();
        let values = words.map(|w| u64::from_str_radix(w, 16).unwrap()).collect();
        bits.insert(key, values);
    }
    assert!(
        !bits.is_empty(),
        "child {scenario} printed no bits:\n{stdout}"
    );
    Child { bits, os_threads }
}

#[track_caller]
fn assert_same_bits(a: &Bits, b: &Bits, what: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: different entries"
    );
    for (key, va) in a {
        let vb = &b[key];
        assert_eq!(va.len(), vb.len(), "{what}: {key} has a different length");
        if let Some(i) = va.iter().zip(vb).position(|(x, y)| x != y) {
            panic!("{what}: {key}[{i}] differs: {:#x} vs {:#x}", va[i], vb[i]);
        }
    }
}

#[test]
fn mlp_with_adam_is_bit_identical_in_process_and_across_processes() {
    let here = run_scenario("mlp_adam");
    assert_same_bits(&here, &run_scenario("mlp_adam"), "second in-process run");
    assert_eq!(here["global_norms"].len(), 400);
    for child in 0..2 {
        let there = run_child("mlp_adam", None).bits;
        assert_same_bits(&here, &there, &format!("child process {child}"));
    }
}

#[test]
fn batch_norm_with_sgd_momentum_is_bit_identical_across_processes() {
    let here = run_scenario("batch_norm_sgd");
    assert!(here.contains_key("1.running_var"), "{:?}", here.keys());
    assert_same_bits(
        &here,
        &run_scenario("batch_norm_sgd"),
        "second in-process run",
    );
    for child in 0..2 {
        let there = run_child("batch_norm_sgd", None).bits;
        assert_same_bits(&here, &there, &format!("child process {child}"));
    }
}

/// One and two threads give the same bits: products are split into
/// blocks of the output, never a dot product, so each element is summed in
/// the same order; optimizer updates are split by size alone, never by the
/// threads available. Meaningful with
/// `--features threading` (CI runs `--all-features`); without it both
/// children run single-threaded.
#[test]
fn one_and_two_matmul_threads_give_the_same_bits() {
    let one = run_child("wide_mlp", Some(1));
    let two = run_child("wide_mlp", Some(2));
    assert_same_bits(&one.bits, &two.bits, "1 vs 2 threads");
    let here = run_scenario("wide_mlp");
    assert_same_bits(&one.bits, &here, "child vs in-process");
    // With the feature on, the second child really had a second matmul
    // thread (gradflow's pool starts one more OS thread).
    if cfg!(feature = "threading")
        && let (Some(a), Some(b)) = (one.os_threads, two.os_threads)
    {
        assert!(b > a, "2 threads started no extra OS thread: {a} vs {b}");
    }
}

// ---------------------------------------------------------------------------
// Global norm under a different order of the same gradients.

/// The same parameters visited in a chosen order.
struct Ordered {
    params: Vec<Param<f32>>,
    order: Vec<usize>,
}

impl Module<f32> for Ordered {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<f32>)) {
        for &i in &self.order {
            f(&i.to_string(), &self.params[i]);
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<f32>)) {
        for &i in &self.order {
            f(&i.to_string(), &mut self.params[i]);
        }
    }

    fn describe(&self) -> String {
        format!("Ordered({:?})", self.order)
    }
}

/// Values of very different magnitudes, so that the f64 sums do depend on
/// the order.
fn gradient_values(n: usize) -> Vec<Tensor<f32>> {
    let mut rng = Rng::seed_from_u64(5);
    (0..n)
        .map(|i| {
            let scale = 10f32.powi(i as i32 % 9 - 4);
            Tensor::normal([3 + i % 5, 7], 0.0, scale, &mut rng)
        })
        .collect()
}

/// Gradients `∂(½Σp²)/∂p = p` of `params`, ids in creation order.
fn grads_of(params: &[Param<f32>]) -> gradflow::Grads<f32> {
    let tape = Tape::new();
    let mut loss = tape.constant(Tensor::scalar(0.0));
    for p in params {
        loss = loss + tape.param(p).square().sum_all() * 0.5;
    }
    tape.backward(loss)
}

#[track_caller]
fn assert_within_one_f32_ulp(a: f64, b: f64, what: &str) {
    let (fa, fb) = (a as f32, b as f32);
    let ulps = (i64::from(fa.to_bits()) - i64::from(fb.to_bits())).abs();
    assert!(
        ulps <= 1,
        "{what}: {a:e} vs {b:e} differ by {ulps} f32 ulps"
    );
    assert!(((a - b) / a).abs() < 1e-12, "{what}: {a:e} vs {b:e}");
}

#[test]
fn global_norm_changes_by_at_most_one_f32_ulp_when_the_order_changes() {
    let values = gradient_values(40);
    let n = values.len();
    // The same values, created (so given ids, and summed) forwards and in
    // a scrambled order.
    let forward: Vec<Param<f32>> = values.iter().cloned().map(Param::new).collect();
    let scramble: Vec<usize> = (0..n).map(|i| (i * 17 + 3) % n).collect();
    let scrambled: Vec<Param<f32>> = scramble
        .iter()
        .map(|&i| Param::new(values[i].clone()))
        .collect();
    let g_forward = grads_of(&forward);
    let g_scrambled = grads_of(&scrambled);
    let a = g_forward.global_norm();
    let b = g_scrambled.global_norm();
    // The same program gives the same bits every time.
    assert_eq!(a.to_bits(), grads_of(&forward).global_norm().to_bits());
    assert_eq!(a.to_bits(), g_forward.global_norm().to_bits());
    assert_within_one_f32_ulp(a, b, "Grads::global_norm, permuted ids");

    // One model, its parameters registered in two orders: clipping sums in
    // id order (unchanged), the monitor in registration order.
    let mut in_order = Ordered {
        params: forward,
        order: (0..n).collect(),
    };
    let mut reversed_order = (0..n).rev().collect();
    let mut norms = Vec::new();
    for _ in 0..2 {
        let mut grads = g_forward.clone();
        let clip = clip_global_norm(&in_order, &mut grads, f64::MAX, NonFinite::Error).unwrap();
        let mut monitor = GradMonitor::new();
        monitor.record_params(&in_order, &mut grads);
        let recorded = monitor.history()[0].global_norm.unwrap();
        norms.push((clip.norm_before, recorded));
        std::mem::swap(&mut in_order.order, &mut reversed_order);
    }
    let [(clip_a, monitor_a), (clip_b, monitor_b)] = norms[..] else {
        unreachable!()
    };
    assert_eq!(clip_a.to_bits(), a.to_bits(), "clip sums as Grads does");
    assert_eq!(
        clip_b.to_bits(),
        a.to_bits(),
        "clip ignores registration order"
    );
    assert_within_one_f32_ulp(monitor_a, a, "monitor vs Grads::global_norm");
    assert_within_one_f32_ulp(monitor_a, monitor_b, "monitor, reversed registration");
}
