//! The monitor's history readers given malformed and hostile input: each
//! error names the line and the column or key, and arbitrary or mutated
//! text loads or fails without panicking (round trips and pinned formats:
//! `tests/monitor_history.rs`).

#[allow(dead_code)]
mod monitor_history_common;

use monitor_history_common::*;

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
