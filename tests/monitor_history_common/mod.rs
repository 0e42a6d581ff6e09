//! Shared by `tests/monitor_history.rs` and `tests/monitor_history_input.rs`:
//! a trained history, bit-exact comparison keys, record builders.

// Re-exported for both test files; each uses only part of them.
#![allow(unused_imports)]

pub use std::fs;
pub use std::path::PathBuf;
pub use std::sync::LazyLock;
pub use std::sync::atomic::{AtomicU64, Ordering};

pub use gradflow::monitor::{
    GradMonitor, GradStats, LayerKind, LayerRecord, ParamRecord, StepRecord, history_from_csv,
    history_from_jsonl, history_to_csv, history_to_jsonl, load_csv, load_jsonl,
};
pub use gradflow::nn::{Dense, Init, Layer, Relu, Sequential};
pub use gradflow::optim::{Optimizer, Sgd, SgdConfig};
pub use gradflow::tape::Phase;
pub use gradflow::{Anomaly, Error, ParamId, Rng, SeedableRng, Tape, TapeOptions, Tensor};
pub use proptest::prelude::*;

// ---------------------------------------------------------------- helpers

/// A fresh empty directory for one test.
pub fn scratch(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gradflow-history-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Four steps of SGD on `Dense(4→8) → Relu → Dense(8→3)`, with the tape's
/// anomaly mode on; step 2 sees a NaN input, so its gradients (and global
/// norm) are not finite, its record holds the forward anomaly, and the
/// optimizer skips it. Update norms are attached at steps 0 and 3 only.
pub fn trained_monitor() -> GradMonitor {
    let mut rng = Rng::seed_from_u64(11);
    let mut model = Sequential::<f32>::new();
    model.add(Dense::new(4, 8, Init::he_normal(), &mut rng));
    model.add(Relu);
    model.add(Dense::new(8, 3, Init::xavier_uniform(), &mut rng));
    let mut opt = Sgd::<f32>::new(SgdConfig {
        lr: 0.1,
        ..SgdConfig::default()
    })
    .unwrap();
    let mut monitor = GradMonitor::new();
    for step in 0..4 {
        let mut x = Tensor::<f32>::normal([5, 4], 0.0, 1.0, &mut rng);
        if step == 2 {
            x.data_mut()[1] = f32::NAN;
        }
        let mut grads = {
            let tape = Tape::with_options(TapeOptions::default().with_anomaly(true));
            let loss = model.forward(tape.constant(x)).square().mean_all();
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&model, &mut grads);
        if step != 2 {
            let updates = opt.step(&mut model, &grads);
            if step != 1 {
                monitor.record_updates(&model, &updates);
            }
        }
    }
    monitor
}

pub static MONITOR: LazyLock<GradMonitor> = LazyLock::new(trained_monitor);

pub fn history() -> &'static [StepRecord] {
    MONITOR.history()
}

/// A float's bits, with every NaN the same (payloads are not kept).
pub fn bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

pub fn opt_bits(x: Option<f64>) -> Option<u64> {
    x.map(bits)
}

pub type StatsKey = (u64, u64, u64, u64, u64, u64, Option<u64>);

pub fn stats_key(s: &GradStats) -> StatsKey {
    // Destructured in full: a new field fails to compile until compared.
    let GradStats {
        numel,
        l2,
        sum_abs,
        max_abs,
        zeros,
        nonfinite,
        dead_frac,
    } = *s;
    (
        numel,
        bits(l2),
        bits(sum_abs),
        bits(max_abs),
        zeros,
        nonfinite,
        opt_bits(dead_frac),
    )
}

pub type AnomalyKey = (
    Phase,
    &'static str,
    String,
    usize,
    Option<usize>,
    usize,
    usize,
);

pub fn anomaly_key(a: &Anomaly) -> AnomalyKey {
    // `..` is required (`Anomaly` is non-exhaustive): a new field is not
    // caught here, but `StepRecord`'s `PartialEq` in the anomaly tests is.
    let Anomaly {
        phase,
        op,
        path,
        node,
        input,
        nonfinite,
        numel,
        ..
    } = a;
    (*phase, *op, path.clone(), *node, *input, *nonfinite, *numel)
}

pub type LayerKey = (String, &'static str, usize, LayerKind, StatsKey, bool);
pub type ParamKey = (String, StatsKey, u64, Option<u64>);
pub type StepKey = (
    u64,
    Option<u64>,
    Option<u64>,
    Option<AnomalyKey>,
    Vec<LayerKey>,
    Vec<ParamKey>,
);

/// Everything a record holds but its parameter ids, floats as bits.
pub fn key(r: &StepRecord) -> StepKey {
    let layers = r
        .layers
        .iter()
        .map(|l| {
            let LayerRecord {
                path,
                op,
                order,
                kind,
                stats,
                has_params,
            } = l;
            (
                path.clone(),
                *op,
                *order,
                *kind,
                stats_key(stats),
                *has_params,
            )
        })
        .collect();
    let params = r
        .params
        .iter()
        .map(|p| {
            let ParamRecord {
                name,
                id: _,
                stats,
                weight_l2,
                update_l2,
            } = p;
            (
                name.clone(),
                stats_key(stats),
                bits(*weight_l2),
                opt_bits(*update_l2),
            )
        })
        .collect();
    (
        r.step,
        opt_bits(r.global_norm),
        opt_bits(r.global_ema),
        r.anomaly.as_ref().map(anomaly_key),
        layers,
        params,
    )
}

/// The reloaded history equals the original in every field but the
/// parameter ids, which are fresh, one per name.
pub fn assert_same(original: &[StepRecord], loaded: &[StepRecord]) {
    assert_eq!(original.len(), loaded.len(), "number of steps");
    for (a, b) in original.iter().zip(loaded) {
        assert_eq!(key(a), key(b), "step {}", a.step);
    }
    let mut ids = std::collections::HashMap::new();
    for p in loaded.iter().flat_map(|r| &r.params) {
        assert_eq!(
            *ids.entry(p.name.clone()).or_insert(p.id),
            p.id,
            "{}",
            p.name
        );
    }
    let distinct: std::collections::HashSet<ParamId> = ids.values().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "one id per name");
}

/// The records as CSV keeps them: without their anomaly reports.
pub fn without_anomalies(records: &[StepRecord]) -> Vec<StepRecord> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.anomaly = None;
            r
        })
        .collect()
}

/// A CSV reload equals the original in everything CSV carries, and has no
/// anomaly reports.
pub fn assert_same_but_anomalies(original: &[StepRecord], loaded: &[StepRecord]) {
    assert_same(&without_anomalies(original), loaded);
}

/// A monitor record with hand-picked contents (records can only be made by
/// a monitor; their public fields can be replaced).
pub fn record(step: u64, layers: Vec<LayerRecord>, params: Vec<ParamRecord>) -> StepRecord {
    let mut r = history()[0].clone();
    r.step = step;
    r.layers = layers;
    r.params = params;
    r.global_norm = None;
    r.global_ema = None;
    r.anomaly = None;
    r
}

pub fn stats(numel: u64, l2: f64, sum_abs: f64, max_abs: f64, dead_frac: Option<f64>) -> GradStats {
    GradStats {
        numel,
        l2,
        sum_abs,
        max_abs,
        zeros: 2,
        nonfinite: 1,
        dead_frac,
    }
}

pub fn layer(path: &str, op: &'static str, order: usize) -> LayerRecord {
    LayerRecord {
        path: path.to_string(),
        op,
        order,
        kind: LayerKind::Weighted,
        stats: stats(40, 0.125, 2.5, 0.375, Some(0.25)),
        has_params: true,
    }
}

pub fn param(name: &str) -> ParamRecord {
    ParamRecord {
        name: name.to_string(),
        id: ParamId::fresh(),
        stats: stats(32, 1e-7, 3.0, f64::INFINITY, None),
        weight_l2: 2.0,
        update_l2: None,
    }
}

/// The anomalies a tape reports, each made by a real tape (`Anomaly` is
/// non-exhaustive, so tests outside the crate cannot build one): a forward
/// NaN (`ln(-1)`), a NaN a hook put in a node's own gradient, and an
/// infinite derivative a backward rule sent to its input (`sqrt` at 0).
pub fn tape_anomalies() -> [Anomaly; 3] {
    let on = || TapeOptions::default().with_anomaly(true);
    let values = |v: &[f64]| Tensor::from_vec(v.to_vec(), [v.len()]).unwrap();
    let forward = {
        let tape = Tape::<f64>::with_options(on());
        let x = tape.leaf(values(&[1.0, -1.0]));
        let _s = tape.scope("enc.0");
        let _ = x.ln();
        tape.anomaly().expect("ln(-1) is reported")
    };
    let own_gradient = {
        let tape = Tape::<f64>::with_options(on());
        let x = tape.leaf(values(&[0.1, 0.2]));
        let y = {
            let _s = tape.scope("block,\"1\"");
            x.tanh().modify(|g| g.data_mut()[1] = f64::NAN)
        };
        let grads = tape.backward(y.sum_all());
        grads.anomaly().expect("the hook's NaN is reported").clone()
    };
    let sent_to_input = {
        let tape = Tape::<f64>::with_options(on());
        let x = tape.leaf(values(&[4.0, 0.0, 1.0]));
        let y = {
            let _s = tape.scope("head");
            x.mul_scalar(1.0).sqrt()
        };
        let grads = tape.backward(y.sum_all());
        grads
            .anomaly()
            .expect("the inf derivative is reported")
            .clone()
    };
    [forward, own_gradient, sent_to_input]
}

pub static ANOMALIES: LazyLock<[Anomaly; 3]> = LazyLock::new(tape_anomalies);

pub const HEADER: &str = "step,site,name,op,kind,order,has_params,numel,l2,sum_abs,max_abs,\
                      zeros,nonfinite,dead_frac,weight_l2,update_l2,global_norm,global_ema";

pub fn invalid_reason(e: Error) -> String {
    match e {
        Error::InvalidFormat { reason, .. } => reason,
        other => panic!("expected InvalidFormat, got {other:?}"),
    }
}
