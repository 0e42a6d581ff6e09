//! The monitor's history exported as tidy CSV and JSON Lines and reloaded:
//! every number comes back bit for bit (NaN and ±inf included), names with
//! commas, quotes and line breaks survive, JSON Lines keeps each step's
//! anomaly report (CSV does not), the formats are pinned as text, saves are
//! atomic, and hostile input is an error, never a panic.

use std::fs;
use std::path::PathBuf;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use gradflow::monitor::{
    GradMonitor, GradStats, LayerKind, LayerRecord, ParamRecord, StepRecord, history_from_csv,
    history_from_jsonl, history_to_csv, history_to_jsonl, load_csv, load_jsonl,
};
use gradflow::nn::{Dense, Init, Layer, Relu, Sequential};
use gradflow::optim::{Optimizer, Sgd, SgdConfig};
use gradflow::tape::Phase;
use gradflow::{Anomaly, Error, ParamId, Rng, SeedableRng, Tape, TapeOptions, Tensor};
use proptest::prelude::*;

// ---------------------------------------------------------------- helpers

/// A fresh empty directory for one test.
fn scratch(tag: &str) -> PathBuf {
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
fn trained_monitor() -> GradMonitor {
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

static MONITOR: LazyLock<GradMonitor> = LazyLock::new(trained_monitor);

fn history() -> &'static [StepRecord] {
    MONITOR.history()
}

/// A float's bits, with every NaN the same (payloads are not kept).
fn bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

fn opt_bits(x: Option<f64>) -> Option<u64> {
    x.map(bits)
}

type StatsKey = (u64, u64, u64, u64, u64, u64, Option<u64>);

fn stats_key(s: &GradStats) -> StatsKey {
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

type AnomalyKey = (
    Phase,
    &'static str,
    String,
    usize,
    Option<usize>,
    usize,
    usize,
);

fn anomaly_key(a: &Anomaly) -> AnomalyKey {
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

type LayerKey = (String, &'static str, usize, LayerKind, StatsKey, bool);
type ParamKey = (String, StatsKey, u64, Option<u64>);
type StepKey = (
    u64,
    Option<u64>,
    Option<u64>,
    Option<AnomalyKey>,
    Vec<LayerKey>,
    Vec<ParamKey>,
);

/// Everything a record holds but its parameter ids, floats as bits.
fn key(r: &StepRecord) -> StepKey {
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
fn assert_same(original: &[StepRecord], loaded: &[StepRecord]) {
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
fn without_anomalies(records: &[StepRecord]) -> Vec<StepRecord> {
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
fn assert_same_but_anomalies(original: &[StepRecord], loaded: &[StepRecord]) {
    assert_same(&without_anomalies(original), loaded);
}

/// A monitor record with hand-picked contents (records can only be made by
/// a monitor; their public fields can be replaced).
fn record(step: u64, layers: Vec<LayerRecord>, params: Vec<ParamRecord>) -> StepRecord {
    let mut r = history()[0].clone();
    r.step = step;
    r.layers = layers;
    r.params = params;
    r.global_norm = None;
    r.global_ema = None;
    r.anomaly = None;
    r
}

fn stats(numel: u64, l2: f64, sum_abs: f64, max_abs: f64, dead_frac: Option<f64>) -> GradStats {
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

fn layer(path: &str, op: &'static str, order: usize) -> LayerRecord {
    LayerRecord {
        path: path.to_string(),
        op,
        order,
        kind: LayerKind::Weighted,
        stats: stats(40, 0.125, 2.5, 0.375, Some(0.25)),
        has_params: true,
    }
}

fn param(name: &str) -> ParamRecord {
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
fn tape_anomalies() -> [Anomaly; 3] {
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

static ANOMALIES: LazyLock<[Anomaly; 3]> = LazyLock::new(tape_anomalies);

const HEADER: &str = "step,site,name,op,kind,order,has_params,numel,l2,sum_abs,max_abs,\
                      zeros,nonfinite,dead_frac,weight_l2,update_l2,global_norm,global_ema";

fn invalid_reason(e: Error) -> String {
    match e {
        Error::InvalidFormat { reason, .. } => reason,
        other => panic!("expected InvalidFormat, got {other:?}"),
    }
}

// ---------------------------------------------------------------- round trips

#[test]
fn the_trained_history_has_what_the_round_trips_must_carry() {
    let h = history();
    assert_eq!(h.len(), 4);
    assert!(h[2].global_norm.unwrap().is_nan(), "{:?}", h[2].global_norm);
    assert!(h[2].layers.iter().any(|l| l.stats.nonfinite > 0));
    assert!(h[2].params.iter().any(|p| p.stats.nonfinite > 0));
    assert!(h[0].params.iter().all(|p| p.update_l2.is_some()));
    assert!(h[1].params.iter().all(|p| p.update_l2.is_none()));
    assert!(h[0].global_ema.is_none() && h[3].global_ema.is_some());
    assert!(h[0].layers.iter().any(|l| l.has_params));
    assert!(h[0].layers.iter().any(|l| !l.has_params));
    assert!(h[0].layers.iter().any(|l| l.stats.dead_frac.is_some()));
    let a = h[2]
        .anomaly
        .as_ref()
        .expect("the NaN input's forward anomaly");
    assert_eq!((a.phase, a.input), (Phase::Forward, None));
    assert_eq!(h.iter().filter(|r| r.anomaly.is_some()).count(), 1);
}

#[test]
fn csv_round_trip_of_a_trained_history_is_bit_exact() {
    let text = history_to_csv(history());
    let back = history_from_csv(&text).unwrap();
    assert_same_but_anomalies(history(), &back);
    // And again: reloaded records export to the same text.
    assert_eq!(history_to_csv(&back), text);
}

#[test]
fn jsonl_round_trip_of_a_trained_history_is_bit_exact() {
    let text = history_to_jsonl(history());
    assert_eq!(text.lines().count(), history().len(), "one line per step");
    let back = history_from_jsonl(&text).unwrap();
    assert_same(history(), &back);
    assert_eq!(history_to_jsonl(&back), text);
}

#[test]
fn reloaded_params_get_fresh_ids_one_per_name() {
    for back in [
        history_from_csv(&history_to_csv(history())).unwrap(),
        history_from_jsonl(&history_to_jsonl(history())).unwrap(),
    ] {
        let orig: Vec<ParamId> = history()[0].params.iter().map(|p| p.id).collect();
        let ids: Vec<ParamId> = back[0].params.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), 4);
        assert!(
            ids.iter().all(|id| !orig.contains(id)),
            "ids are not reused"
        );
        for r in &back[1..] {
            let later: Vec<ParamId> = r.params.iter().map(|p| p.id).collect();
            assert_eq!(later, ids, "the same parameter keeps its id across steps");
        }
    }
}

#[test]
fn extreme_floats_round_trip_bit_exact_in_both_formats() {
    let odd = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        -f64::MAX,
        0.1 + 0.2,
        1e-7,
        123456789.12345679,
    ];
    let mut layers = Vec::new();
    let mut params = Vec::new();
    for (i, &x) in odd.iter().enumerate() {
        let mut l = layer(&format!("{i}"), "relu", i);
        l.stats = stats(7, x, x, x, Some(x));
        layers.push(l);
        let mut p = param(&format!("{i}.weight"));
        p.stats = stats(7, x, x, x, Some(x));
        p.weight_l2 = x;
        p.update_l2 = Some(x);
        params.push(p);
    }
    let mut r = record(9, layers, params);
    r.global_norm = Some(f64::NEG_INFINITY);
    r.global_ema = Some(-0.0);
    let h = vec![r];
    assert_same(&h, &history_from_csv(&history_to_csv(&h)).unwrap());
    assert_same(&h, &history_from_jsonl(&history_to_jsonl(&h)).unwrap());
}

#[test]
fn a_step_without_sites_survives_as_a_step_row() {
    // record_params with no gradient of any parameter and no monitored
    // sweep: the step holds only its global norm.
    let mut rng = Rng::seed_from_u64(3);
    let model = {
        let mut m = Sequential::<f32>::new();
        m.add(Dense::new(2, 2, Init::he_normal(), &mut rng));
        m
    };
    let mut monitor = GradMonitor::new();
    let mut grads = {
        let tape = Tape::new();
        let loss = tape.constant(Tensor::<f32>::ones([3])).square().mean_all();
        tape.backward(loss)
    };
    monitor.record_params(&model, &mut grads);
    let h = monitor.history();
    assert!(h[0].layers.is_empty() && h[0].params.is_empty());
    let text = history_to_csv(h);
    assert_eq!(
        text.lines().nth(1).unwrap(),
        format!("0,step,,,,,,,,,,,,,,,{},", h[0].global_norm.unwrap())
    );
    assert_same(h, &history_from_csv(&text).unwrap());
    assert_same(h, &history_from_jsonl(&history_to_jsonl(h)).unwrap());
}

#[test]
fn empty_history_is_a_header_or_nothing() {
    assert_eq!(history_to_csv(&[]), format!("{HEADER}\n"));
    assert!(history_from_csv(&history_to_csv(&[])).unwrap().is_empty());
    assert_eq!(history_to_jsonl(&[]), "");
    assert!(history_from_jsonl("").unwrap().is_empty());
    assert!(history_from_csv("").is_err(), "no header");
}

// ---------------------------------------------------------------- pinned text

#[test]
fn csv_header_and_rows_are_pinned() {
    let mut r = record(3, vec![layer("0", "add", 4)], vec![param("0.weight")]);
    r.global_norm = Some(f64::NAN);
    r.global_ema = Some(0.5);
    let text = history_to_csv(&[r]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(
        lines[1],
        "3,layer,0,add,weighted,4,true,40,0.125,2.5,0.375,2,1,0.25,,,NaN,0.5"
    );
    assert_eq!(
        lines[2],
        "3,param,0.weight,,,,,32,0.0000001,3,inf,2,1,,2,,NaN,0.5"
    );
    assert_eq!(lines.len(), 3);
    assert!(text.ends_with('\n'));
}

#[test]
fn jsonl_line_is_pinned() {
    let mut p = param("0.weight");
    p.update_l2 = Some(-0.0);
    let mut r = record(3, vec![layer("0", "add", 4)], vec![p]);
    r.global_norm = Some(f64::NAN);
    let text = history_to_jsonl(&[r]);
    assert_eq!(
        text,
        concat!(
            r#"{"step":3,"global_norm":"NaN","global_ema":null,"anomaly":null,"#,
            r#""layers":[{"path":"0","op":"add","#,
            r#""kind":"weighted","order":4,"has_params":true,"numel":40,"l2":0.125,"sum_abs":2.5,"#,
            r#""max_abs":0.375,"zeros":2,"nonfinite":1,"dead_frac":0.25}],"params":[{"name":"0.weight","#,
            r#""numel":32,"l2":1e-7,"sum_abs":3.0,"max_abs":"inf","zeros":2,"nonfinite":1,"#,
            r#""dead_frac":null,"weight_l2":2.0,"update_l2":-0.0}]}"#,
            "\n"
        )
    );
    // Valid JSON to any reader: serde_json parses it as it stands.
    let v: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(v["params"][0]["max_abs"], "inf");
}

#[test]
fn names_with_commas_quotes_and_line_breaks_are_quoted_and_survive() {
    let odd_layer = "block,\"a\"";
    let odd_param = "w\n1,\r\n\"q\" é";
    let h = vec![record(
        0,
        vec![layer(odd_layer, "add", 1), layer("", "relu", 2)],
        vec![param(odd_param), param("plain")],
    )];
    let text = history_to_csv(&h);
    assert!(text.contains(",\"block,\"\"a\"\"\",add,"), "{text}");
    assert!(text.contains(",\"w\n1,\r\n\"\"q\"\" é\",,"), "{text}");
    assert!(text.contains(",plain,"), "unquoted when not needed: {text}");
    let back = history_from_csv(&text).unwrap();
    assert_eq!(back[0].layers[0].path, odd_layer);
    assert_eq!(back[0].params[0].name, odd_param);
    assert_same(&h, &back);
    // CRLF line ends (as RFC 4180 writes them) read the same.
    let crlf = history_to_csv(history()).replace('\n', "\r\n");
    assert_same_but_anomalies(history(), &history_from_csv(&crlf).unwrap());
    let back = history_from_jsonl(&history_to_jsonl(&h)).unwrap();
    assert_same(&h, &back);
}

// ---------------------------------------------------------------- anomaly reports

#[test]
fn the_tape_anomalies_cover_both_phases_with_and_without_input() {
    let [forward, own_gradient, sent_to_input] = &*ANOMALIES;
    assert_eq!(
        (
            forward.phase,
            forward.op,
            forward.path.as_str(),
            forward.input
        ),
        (Phase::Forward, "ln", "enc.0", None)
    );
    assert_eq!(
        (own_gradient.phase, own_gradient.op, own_gradient.input),
        (Phase::Backward, "tanh", None)
    );
    assert_eq!(
        (
            sent_to_input.phase,
            sent_to_input.op,
            sent_to_input.path.as_str()
        ),
        (Phase::Backward, "sqrt", "head")
    );
    // Nodes: x = #0, mul_scalar = #1, sqrt = #2 (pinned below).
    assert_eq!((sent_to_input.node, sent_to_input.input), (2, Some(1)));
    assert_eq!((sent_to_input.nonfinite, sent_to_input.numel), (1, 3));
}

#[test]
fn jsonl_round_trip_of_anomalies_is_exact() {
    let [forward, own_gradient, sent_to_input] = ANOMALIES.clone();
    // The format keeps whatever the fields hold, even a combination the
    // tape does not make (a forward anomaly with an input).
    let mut edited = sent_to_input.clone();
    edited.phase = Phase::Forward;
    edited.path = "w\n1,\"q\" é".to_string();
    edited.node = usize::MAX;
    edited.nonfinite = 0;
    edited.numel = usize::MAX;
    let h: Vec<StepRecord> = (0u64..)
        .zip([forward, own_gradient, sent_to_input, edited])
        .map(|(step, a)| {
            let mut r = record(step, vec![layer("0", "add", 4)], vec![param("0.weight")]);
            r.anomaly = Some(a);
            r
        })
        .collect();
    let text = history_to_jsonl(&h);
    let back = history_from_jsonl(&text).unwrap();
    assert_same(&h, &back);
    for (original, loaded) in h.iter().zip(&back) {
        // `Anomaly`'s own equality: every field, present and future.
        assert_eq!(loaded.anomaly, original.anomaly);
    }
    assert_eq!(history_to_jsonl(&back), text);
}

#[test]
fn jsonl_anomaly_object_is_pinned() {
    let mut r = record(5, vec![], vec![]);
    r.anomaly = Some(ANOMALIES[2].clone());
    let text = history_to_jsonl(&[r]);
    assert_eq!(
        text,
        concat!(
            r#"{"step":5,"global_norm":null,"global_ema":null,"anomaly":{"phase":"backward","#,
            r#""op":"sqrt","path":"head","node":2,"input":1,"nonfinite":1,"numel":3},"#,
            r#""layers":[],"params":[]}"#,
            "\n"
        )
    );
    let mut r = record(6, vec![], vec![]);
    r.anomaly = Some(ANOMALIES[0].clone());
    let v: serde_json::Value = serde_json::from_str(history_to_jsonl(&[r]).trim_end()).unwrap();
    assert_eq!(v["anomaly"]["phase"], "forward");
    assert!(v["anomaly"]["input"].is_null());
}

#[test]
fn jsonl_without_the_anomaly_key_loads_with_none() {
    // A line as written before the anomaly was kept.
    let old = concat!(
        r#"{"step":3,"global_norm":0.5,"global_ema":null,"layers":[{"path":"0","op":"add","#,
        r#""kind":"weighted","order":4,"has_params":true,"numel":40,"l2":0.125,"sum_abs":2.5,"#,
        r#""max_abs":0.375,"zeros":2,"nonfinite":1,"dead_frac":0.25}],"params":[]}"#,
        "\n"
    );
    let back = history_from_jsonl(old).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].anomaly, None);
    assert_eq!(back[0].layers[0].op, "add");
    // The trained history (step 2 holds an anomaly) with the key removed
    // from every line.
    let stripped: String = history_to_jsonl(history())
        .lines()
        .map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v.as_object_mut().unwrap().remove("anomaly").is_some());
            format!("{v}\n")
        })
        .collect();
    assert!(!stripped.contains("anomaly"));
    assert_same_but_anomalies(history(), &history_from_jsonl(&stripped).unwrap());
}

#[test]
fn csv_does_not_carry_the_anomaly() {
    let mut r = record(3, vec![layer("0", "add", 4)], vec![param("0.weight")]);
    let plain = history_to_csv(std::slice::from_ref(&r));
    r.anomaly = Some(ANOMALIES[0].clone());
    assert_eq!(history_to_csv(std::slice::from_ref(&r)), plain);
    let back = history_from_csv(&plain).unwrap();
    assert_eq!(back[0].anomaly, None);
    assert_same_but_anomalies(&[r], &back);
}

// ---------------------------------------------------------------- files

#[test]
fn saves_are_atomic_and_load_back() {
    let dir = scratch("save");
    let csv = dir.join("history.csv");
    let jsonl = dir.join("history.jsonl");
    // A stale file is replaced, not appended to.
    fs::write(&csv, "old contents").unwrap();
    MONITOR.save_csv(&csv).unwrap();
    MONITOR.save_jsonl(&jsonl).unwrap();
    MONITOR.save_csv(&csv).unwrap();
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["history.csv", "history.jsonl"],
        "no temporary file left"
    );
    assert_eq!(fs::read_to_string(&csv).unwrap(), history_to_csv(history()));
    assert_same_but_anomalies(history(), &load_csv(&csv).unwrap());
    assert_same(history(), &load_jsonl(&jsonl).unwrap());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_save_leaves_nothing_and_loads_name_the_file() {
    let dir = scratch("fail");
    let missing = dir.join("no-such-dir").join("h.csv");
    assert!(matches!(MONITOR.save_csv(&missing), Err(Error::Io { .. })));
    assert!(matches!(
        MONITOR.save_jsonl(&missing),
        Err(Error::Io { .. })
    ));
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
    assert!(matches!(load_csv(&missing), Err(Error::Io { .. })));
    assert!(matches!(load_jsonl(&missing), Err(Error::Io { .. })));
    let bad = dir.join("bad.csv");
    fs::write(&bad, format!("{HEADER}\n0,layer\n")).unwrap();
    let reason = invalid_reason(load_csv(&bad).unwrap_err());
    assert!(
        reason.contains("bad.csv") && reason.contains("line 2"),
        "{reason}"
    );
    fs::write(&bad, [0xff, 0xfe, 0x00]).unwrap();
    assert!(matches!(load_csv(&bad), Err(Error::InvalidFormat { .. })));
    assert!(matches!(load_jsonl(&bad), Err(Error::InvalidFormat { .. })));
    fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------- bad input

fn csv_error(text: &str) -> String {
    invalid_reason(history_from_csv(text).unwrap_err())
}

fn jsonl_error(text: &str) -> String {
    invalid_reason(history_from_jsonl(text).unwrap_err())
}

#[test]
fn malformed_csv_is_an_error_naming_line_and_column() {
    let good = history_to_csv(&[record(
        3,
        vec![layer("0", "add", 4)],
        vec![param("0.weight")],
    )]);
    assert!(history_from_csv(&good).is_ok());
    let cases: &[(String, &str)] = &[
        // The header without `has_params` is not this format.
        (
            good.replacen(",has_params", "", 1),
            "line 1: the header is not",
        ),
        (
            good.replace(",add,", ",frobnicate,"),
            "line 2: column `op`: unknown op",
        ),
        (
            good.replace(",weighted,", ",dense,"),
            "column `kind`: unknown layer kind",
        ),
        (good.replace(",true,", ",yes,"), "column `has_params`"),
        (good.replace(",param,", ",bias,"), "line 3: column `site`"),
        (
            good.replace(",0.125,", ",0.1.25,"),
            "column `l2`: expected a number",
        ),
        (
            good.replace(",40,", ",-40,"),
            "column `numel`: expected an unsigned integer",
        ),
        (
            good.replace(",0.25,,,", ",0.25,1,,"),
            "column `weight_l2`: must be empty",
        ),
        (
            good.replace(",,,,,32,", ",add,,,,32,"),
            "column `op`: must be empty",
        ),
        (
            good.replace(",3,inf,2,1,,2,", ",3,inf,2,1,,,"),
            "column `weight_l2`: expected",
        ),
        (
            good.replace(",0.25,,,,\n", ",0.25,,,,,\n"),
            "expected 18 cells, found 19",
        ),
        (
            good.replace("0.weight", "0.\"weight"),
            "a quote inside an unquoted cell",
        ),
        (
            good.replace("0.weight", "\"0.weight"),
            "line 3: a quoted cell is never closed",
        ),
        (
            good.replace("0.weight", "\"0.\"weight"),
            "must be followed by a comma",
        ),
        (good.replace("\n3,param", "\r3,param"), "carriage return"),
    ];
    for (text, expected) in cases {
        assert_ne!(text, &good, "the mutation for {expected:?} changed nothing");
        let reason = csv_error(text);
        assert!(reason.contains(expected), "{expected:?} not in {reason:?}");
    }
}

#[test]
fn rows_of_one_step_must_agree_on_the_global_norms() {
    let mut r = record(3, vec![layer("0", "add", 4)], vec![param("0.weight")]);
    r.global_norm = Some(1.5);
    let good = history_to_csv(&[r]);
    assert!(history_from_csv(&good).is_ok());
    let (head, last) = good.trim_end().rsplit_once('\n').unwrap();
    let bad = format!("{head}\n{}\n", last.replace(",1.5,", ",2.5,"));
    assert!(csv_error(&bad).contains("line 3: column `global_norm`: differs"));
    let bad = format!("{head}\n{last}1\n");
    assert!(csv_error(&bad).contains("`global_ema`: differs"), "{bad}");
}

#[test]
fn malformed_jsonl_is_an_error_naming_line_and_key() {
    let good = history_to_jsonl(&[
        record(1, vec![], vec![]),
        record(3, vec![layer("0", "add", 4)], vec![param("0.weight")]),
    ]);
    assert!(history_from_jsonl(&good).is_ok());
    let cases: &[(String, &str)] = &[
        (
            good.replace("\"op\":\"add\"", "\"op\":\"frob\""),
            "line 2: layers[0]: key `op`: unknown op",
        ),
        (
            good.replace("\"kind\":\"weighted\"", "\"kind\":\"x\""),
            "key `kind`",
        ),
        (
            good.replace("\"max_abs\":\"inf\"", "\"max_abs\":\"Infinity\""),
            "params[0]: key `max_abs`",
        ),
        (
            good.replace("\"step\":3", "\"step\":-3"),
            "line 2: key `step`: expected an unsigned integer",
        ),
        (good.replace("\"step\":3", "\"step\":3.0"), "key `step`"),
        (
            good.replace(",\"update_l2\":null", ""),
            "params[0]: missing key `update_l2`",
        ),
        (
            good.replace("\"has_params\":true", "\"has_params\":1"),
            "key `has_params`",
        ),
        (
            good.replace("\"layers\":[]", "\"layers\":{}"),
            "line 1: key `layers`: expected an array",
        ),
        (
            good.replace("\"params\":[{", "\"params\":[7,{"),
            "params[0]: expected an object",
        ),
        (good.replacen('{', "[", 1), "line 1: not valid JSON"),
        (good.replace("]}\n", "]}} \n"), "not valid JSON"),
        ("[1,2]\n".to_string(), "expected a JSON object"),
    ];
    for (text, expected) in cases {
        assert_ne!(text, &good, "the mutation for {expected:?} changed nothing");
        let reason = jsonl_error(text);
        assert!(reason.contains(expected), "{expected:?} not in {reason:?}");
    }
    // Unknown keys are ignored; blank lines and CRLF are fine.
    let extended = good.replace("\"step\":3,", "\"step\":3,\"comment\":\"hi\",");
    let crlf = format!("\n{}\r\n\r\n", extended.replace('\n', "\r\n"));
    assert_same(
        &history_from_jsonl(&good).unwrap(),
        &history_from_jsonl(&crlf).unwrap(),
    );
}

#[test]
fn a_malformed_anomaly_is_an_error_naming_line_and_key() {
    let mut r = record(3, vec![], vec![]);
    r.anomaly = Some(ANOMALIES[2].clone());
    let good = history_to_jsonl(&[record(1, vec![], vec![]), r]);
    assert!(history_from_jsonl(&good).is_ok());
    let backward = "\"phase\":\"backward\"";
    let cases: &[(String, &str)] = &[
        (
            good.replace(backward, "\"phase\":\"sideways\""),
            r#"line 2: anomaly: key `phase`: expected "forward" or "backward", found "sideways""#,
        ),
        (
            good.replace(backward, "\"phase\":\"Backward\""),
            "anomaly: key `phase`",
        ),
        (
            good.replace(backward, "\"phase\":1"),
            "anomaly: key `phase`: expected a string",
        ),
        (
            good.replace("\"op\":\"sqrt\"", "\"op\":\"cbrt\""),
            r#"line 2: anomaly: key `op`: unknown op "cbrt""#,
        ),
        (
            good.replace("\"input\":1", "\"input\":-1"),
            "anomaly: key `input`: expected an unsigned integer",
        ),
        (
            good.replace("\"node\":2", "\"node\":2.5"),
            "anomaly: key `node`",
        ),
        (
            good.replace(",\"numel\":3", ""),
            "line 2: anomaly: missing key `numel`",
        ),
        (
            good.replace("\"anomaly\":null", "\"anomaly\":\"none\""),
            "line 1: key `anomaly`: expected an object or null",
        ),
        (
            good.replace("\"anomaly\":null", "\"anomaly\":[]"),
            "key `anomaly`: expected an object or null",
        ),
    ];
    for (text, expected) in cases {
        assert_ne!(text, &good, "the mutation for {expected:?} changed nothing");
        let reason = jsonl_error(text);
        assert!(reason.contains(expected), "{expected:?} not in {reason:?}");
    }
}

// ---------------------------------------------------------------- hostile input

static VALID_CSV: LazyLock<String> = LazyLock::new(|| history_to_csv(history()));
static VALID_JSONL: LazyLock<String> = LazyLock::new(|| history_to_jsonl(history()));

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
    Truncate(usize),
    DuplicateLine(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Characters that matter to the formats, and any character at all.
    let ch = prop_oneof![
        3 => proptest::sample::select(vec![
            ',', '"', '\n', '\r', '0', '1', '9', '.', '-', 'e', 'N', 'i', '{', '}', '[', ']',
            ':', ' ', '\\',
        ]),
        1 => any::<char>(),
    ];
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), ch.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<usize>(), ch).prop_map(|(i, c)| Edit::Replace(i, c)),
        any::<usize>().prop_map(Edit::Truncate),
        any::<usize>().prop_map(Edit::DuplicateLine),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let n = chars.len().max(1);
        match *e {
            Edit::Delete(i) if !chars.is_empty() => {
                chars.remove(i % n);
            }
            Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
            Edit::Replace(i, c) if !chars.is_empty() => chars[i % n] = c,
            Edit::Truncate(i) => chars.truncate(i % (chars.len() + 1)),
            Edit::DuplicateLine(i) => {
                let s: String = chars.iter().collect();
                let lines: Vec<&str> = s.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let k = i % lines.len();
                    let mut out = String::new();
                    for (j, l) in lines.iter().enumerate() {
                        out.push_str(l);
                        if j == k {
                            out.push_str(l);
                        }
                    }
                    chars = out.chars().collect();
                }
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Whatever a loader accepts exports and reloads to the same records.
/// (CSV has no record index: adjacent records of the same step, which
/// only a JSON Lines file can hold, come back from CSV as one.)
fn check_fixed_point(loaded: &[StepRecord]) {
    if loaded.windows(2).all(|w| w[0].step != w[1].step) {
        assert_same_but_anomalies(loaded, &history_from_csv(&history_to_csv(loaded)).unwrap());
    }
    assert_same(
        loaded,
        &history_from_jsonl(&history_to_jsonl(loaded)).unwrap(),
    );
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        proptest::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            5e-324
        ]),
        -1e3..1e3f64,
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![".{0,12}", "[,\"\r\n a]{0,6}"]
}

fn any_stats() -> impl Strategy<Value = GradStats> {
    (
        any::<u64>(),
        any_f64(),
        any_f64(),
        any_f64(),
        any::<u64>(),
        any::<u64>(),
        proptest::option::of(any_f64()),
    )
        .prop_map(
            |(numel, l2, sum_abs, max_abs, zeros, nonfinite, dead_frac)| GradStats {
                numel,
                l2,
                sum_abs,
                max_abs,
                zeros,
                nonfinite,
                dead_frac,
            },
        )
}

fn any_layer() -> impl Strategy<Value = LayerRecord> {
    (
        name(),
        proptest::sample::select(vec!["add", "relu", "batch_norm", "matmul", "custom"]),
        any::<usize>(),
        proptest::sample::select(vec![
            LayerKind::Weighted,
            LayerKind::Normalization,
            LayerKind::Activation,
            LayerKind::Container,
            LayerKind::Other,
        ]),
        any_stats(),
        any::<bool>(),
    )
        .prop_map(|(path, op, order, kind, stats, has_params)| LayerRecord {
            path,
            op,
            order,
            kind,
            stats,
            has_params,
        })
}

fn any_param() -> impl Strategy<Value = ParamRecord> {
    (
        name(),
        any_stats(),
        any_f64(),
        proptest::option::of(any_f64()),
    )
        .prop_map(|(name, stats, weight_l2, update_l2)| ParamRecord {
            name,
            id: ParamId::fresh(),
            stats,
            weight_l2,
            update_l2,
        })
}

fn any_anomaly() -> impl Strategy<Value = Anomaly> {
    (
        proptest::sample::select(vec![Phase::Forward, Phase::Backward]),
        proptest::sample::select(vec!["ln", "sqrt", "leaf", "log_softmax", "custom"]),
        name(),
        any::<usize>(),
        proptest::option::of(any::<usize>()),
        any::<usize>(),
        any::<usize>(),
    )
        .prop_map(|(phase, op, path, node, input, nonfinite, numel)| {
            // Non-exhaustive: start from a tape's anomaly, set every field.
            let mut a = ANOMALIES[0].clone();
            a.phase = phase;
            a.op = op;
            a.path = path;
            a.node = node;
            a.input = input;
            a.nonfinite = nonfinite;
            a.numel = numel;
            a
        })
}

fn any_history() -> impl Strategy<Value = Vec<StepRecord>> {
    proptest::collection::vec(
        (
            0u64..1000,
            proptest::collection::vec(any_layer(), 0..3),
            proptest::collection::vec(any_param(), 0..3),
            proptest::option::of(any_f64()),
            proptest::option::of(any_f64()),
            proptest::option::of(any_anomaly()),
        ),
        0..4,
    )
    .prop_map(|steps| {
        let mut next = 0u64;
        steps
            .into_iter()
            .map(
                |(gap, layers, mut params, global_norm, global_ema, anomaly)| {
                    // Steps increase (adjacent equal steps would merge in CSV);
                    // one name is one parameter, so names are made distinct.
                    next += gap + 1;
                    for (i, p) in params.iter_mut().enumerate() {
                        p.name = format!("{i}:{}", p.name);
                    }
                    let mut r = record(next, layers, params);
                    r.global_norm = global_norm;
                    r.global_ema = global_ema;
                    r.anomaly = anomaly;
                    r
                },
            )
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_loads_or_fails_without_panicking(
        text in prop_oneof![
            ".*",
            "[,\"\n\r0-9a-z.{}:\\[\\]-]*",
            ".*".prop_map(|s| format!("{HEADER}\n{s}")),
            "[,\"\n0-9a-z.]*".prop_map(|s| format!("{HEADER}\n3,layer,{s}")),
        ]
    ) {
        if let Ok(h) = history_from_csv(&text) {
            check_fixed_point(&h);
        }
        if let Ok(h) = history_from_jsonl(&text) {
            check_fixed_point(&h);
        }
    }

    #[test]
    fn mutated_files_load_or_fail_without_panicking(
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        if let Ok(h) = history_from_csv(&apply(&VALID_CSV, &edits)) {
            check_fixed_point(&h);
        }
        if let Ok(h) = history_from_jsonl(&apply(&VALID_JSONL, &edits)) {
            check_fixed_point(&h);
        }
    }

    #[test]
    fn any_history_round_trips_bit_exact(h in any_history()) {
        assert_same_but_anomalies(&h, &history_from_csv(&history_to_csv(&h)).unwrap());
        assert_same(&h, &history_from_jsonl(&history_to_jsonl(&h)).unwrap());
    }
}
