//! The monitor's history exported as tidy CSV and JSON Lines and reloaded:
//! every number comes back bit for bit (NaN and ±inf included), names with
//! commas, quotes and line breaks survive, JSON Lines keeps each step's
//! anomaly report (CSV does not), the formats are pinned as text, saves are
//! atomic, and hostile input is an error, never a panic.
//!
//! Malformed and hostile input: `tests/monitor_history_input.rs`.

#[allow(dead_code)]
mod monitor_history_common;

use monitor_history_common::*;

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
