//! State dicts, safetensors files and checkpoints: bit-exact round trips,
//! PyTorch's strict/non-strict loading, atomic saves, hostile bytes.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use gradflow::io::{
    Checkpoint, LoadReport, Metadata, StateDict, StateTensor, from_bytes, from_bytes_with_metadata,
    load_safetensors, load_safetensors_with_metadata, load_state_dict, save_safetensors,
    save_safetensors_with_metadata, state_dict, to_bytes, write_atomic,
};
use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, Module, Relu, Sequential};
use gradflow::{Error, Rng, Scalar, SeedableRng, Tape, Tensor};
use proptest::prelude::*;

// ---------------------------------------------------------------- helpers

/// A fresh empty directory for one test.
fn scratch(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gradflow-state-dict-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// `Dense(4→8) → BatchNorm1d(8) → Relu → Dense(8→3)`, as the PyTorch
/// `nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))`.
fn model<T: Scalar>(seed: u64) -> Sequential<T> {
    let mut rng = Rng::seed_from_u64(seed);
    Sequential::new()
        .push(Dense::new(4, 8, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(8))
        .push(Relu)
        .push(Dense::new(8, 3, Init::xavier_uniform(), &mut rng))
}

/// The model after `steps` training-mode forward passes, so batch norm's
/// running statistics and counter are not their initial values.
fn trained<T: Scalar>(seed: u64, steps: usize) -> Sequential<T> {
    let mut m = model::<T>(seed);
    let mut rng = Rng::seed_from_u64(seed + 100);
    for _ in 0..steps {
        let tape = Tape::<T>::new();
        let x = Tensor::normal([16, 4], T::of(0.5), T::of(2.0), &mut rng);
        m.forward(tape.constant(x));
    }
    m
}

fn eval_output<T: Scalar>(m: &mut Sequential<T>) -> Tensor<T> {
    gradflow::nn::eval(m);
    let x = Tensor::normal([5, 4], T::zero(), T::one(), &mut Rng::seed_from_u64(9));
    let tape = Tape::<T>::new();
    let y = m.forward(tape.constant(x)).value();
    gradflow::nn::train(m);
    y
}

/// Every element's bits (so -0.0 ≠ 0.0 and NaN payloads count).
fn bits(entry: &StateTensor) -> (Vec<usize>, Vec<u64>) {
    let data = match entry {
        StateTensor::F32(t) => t.data().iter().map(|x| u64::from(x.to_bits())).collect(),
        StateTensor::F64(t) => t.data().iter().map(|x| x.to_bits()).collect(),
        StateTensor::I64 { data, .. } => data.iter().map(|&x| x as u64).collect(),
        _ => unreachable!(),
    };
    (entry.shape().to_vec(), data)
}

fn assert_bit_exact(a: &StateDict, b: &StateDict) {
    assert_eq!(a.names().collect::<Vec<_>>(), b.names().collect::<Vec<_>>());
    for (name, x) in a.iter() {
        let y = b.get(name).unwrap();
        assert_eq!(x.dtype(), y.dtype(), "{name}");
        assert_eq!(bits(x), bits(y), "{name}");
    }
}

/// A safetensors image built by hand: length prefix, the header padded with
/// spaces to a multiple of 8, the data. Independent of gradflow's writer.
fn image(header: &str, data: &[u8]) -> Vec<u8> {
    let mut header = header.to_string();
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn le_f32(xs: &[f32]) -> Vec<u8> {
    xs.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn format_err(r: Result<StateDict, Error>) -> String {
    match r {
        Err(e @ Error::InvalidFormat { .. }) => e.to_string(),
        other => panic!("expected InvalidFormat, got {other:?}"),
    }
}

const PYTORCH_ORDER: [&str; 9] = [
    "0.weight",
    "0.bias",
    "1.weight",
    "1.bias",
    "1.running_mean",
    "1.running_var",
    "1.num_batches_tracked",
    "3.weight",
    "3.bias",
];

// ------------------------------------------------------------ round trips

fn round_trip<T: Scalar>(dtype: &str) {
    let mut original = trained::<T>(1, 3);
    let saved = state_dict(&original);
    assert_eq!(saved.names().collect::<Vec<_>>(), PYTORCH_ORDER);
    assert_eq!(
        saved.get("1.num_batches_tracked"),
        Some(&StateTensor::I64 {
            data: vec![3],
            shape: vec![]
        })
    );
    assert_eq!(saved.get("0.weight").unwrap().dtype(), dtype);
    // The buffers moved away from their initial zeros and ones.
    assert!(
        bits(saved.get("1.running_mean").unwrap())
            .1
            .iter()
            .all(|&b| b != 0)
    );
    let ones = bits(&StateTensor::from_tensor(&Tensor::<T>::ones([8])));
    assert_ne!(bits(saved.get("1.running_var").unwrap()), ones);

    let dir = scratch("round-trip");
    let path = dir.join("model.safetensors");
    save_safetensors(&saved, &path).unwrap();
    let loaded = load_safetensors(&path).unwrap();
    assert_bit_exact(&saved, &loaded);
    assert_eq!(loaded, saved);

    let mut fresh = model::<T>(2);
    assert_ne!(state_dict(&fresh), saved);
    let report = load_state_dict(&mut fresh, &loaded, true).unwrap();
    assert_eq!(report, LoadReport::default());
    assert!(report.is_complete());
    assert_bit_exact(&state_dict(&fresh), &saved);
    let (a, b) = (eval_output(&mut original), eval_output(&mut fresh));
    assert_eq!(
        bits(&StateTensor::from_tensor(&a)),
        bits(&StateTensor::from_tensor(&b))
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn round_trip_is_bit_exact_f32() {
    round_trip::<f32>("F32");
}

#[test]
fn round_trip_is_bit_exact_f64() {
    round_trip::<f64>("F64");
}

#[test]
fn special_values_survive_bit_for_bit() {
    let values = [
        f32::NAN,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MIN_POSITIVE / 4.0,
        1.0,
    ];
    let mut nan_payload = StateDict::new();
    let mut t = Tensor::from_vec(values.to_vec(), [2, 3]).unwrap();
    t.data_mut()[5] = f32::from_bits(0x7fc0_1234);
    nan_payload.insert("x", StateTensor::F32(t));
    nan_payload.insert(
        "n",
        StateTensor::I64 {
            data: vec![i64::MIN, -1, i64::MAX],
            shape: vec![3],
        },
    );
    let back = from_bytes(&to_bytes(&nan_payload).unwrap()).unwrap();
    assert_bit_exact(&nan_payload, &back);
}

#[test]
fn metadata_round_trips() {
    let dir = scratch("metadata");
    let path = dir.join("m.safetensors");
    let meta = Metadata::from([
        ("format".to_string(), "pt".to_string()),
        ("note".to_string(), "épsilon \"quoted\"\n".to_string()),
    ]);
    save_safetensors_with_metadata(&state_dict(&model::<f32>(3)), &meta, &path).unwrap();
    let (state, back) = load_safetensors_with_metadata(&path).unwrap();
    assert_eq!(back, meta);
    assert_eq!(state, state_dict(&model::<f32>(3)));
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn checkpoint_round_trips_model_optimizer_and_step() {
    let dir = scratch("checkpoint");
    let path = dir.join("ckpt.safetensors");
    let mut optimizer = StateDict::new();
    optimizer.insert(
        "state.0.exp_avg",
        StateTensor::F32(Tensor::normal([8, 4], 0.0, 1.0, &mut Rng::seed_from_u64(5))),
    );
    optimizer.insert(
        "state.0.step",
        StateTensor::I64 {
            data: vec![41],
            shape: vec![],
        },
    );
    let ckpt = Checkpoint {
        model: state_dict(&trained::<f32>(4, 2)),
        optimizer,
        step: 41,
    };
    ckpt.save(&path).unwrap();
    let back = Checkpoint::load(&path).unwrap();
    assert_eq!(back, ckpt);
    assert_bit_exact(&back.model, &ckpt.model);
    // One ordinary safetensors file with prefixed names.
    let (flat, meta) = load_safetensors_with_metadata(&path).unwrap();
    assert!(flat.contains("model.1.running_var") && flat.contains("optimizer.state.0.step"));
    assert_eq!(meta["step"], "41");
    let mut fresh = model::<f32>(6);
    load_state_dict(&mut fresh, &back.model, true).unwrap();
    assert_bit_exact(&state_dict(&fresh), &ckpt.model);
    fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------- strict and non-strict load

#[test]
fn missing_key_strict_is_an_error_and_non_strict_is_reported() {
    let source = trained::<f32>(7, 2);
    let mut state = state_dict(&source);
    state.remove("1.running_var").unwrap();

    let mut target = model::<f32>(8);
    let before = state_dict(&target);
    let err = load_state_dict(&mut target, &state, true).unwrap_err();
    assert_eq!(
        err,
        Error::KeyMismatch {
            context: "load_state_dict",
            missing: vec!["1.running_var".to_string()],
            unexpected: vec![],
        }
    );
    assert_eq!(
        err.to_string(),
        r#"load_state_dict: missing keys ["1.running_var"]"#
    );
    assert_eq!(
        state_dict(&target),
        before,
        "a failed load must change nothing"
    );

    let report = load_state_dict(&mut target, &state, false).unwrap();
    assert_eq!(report.missing, ["1.running_var"]);
    assert!(report.unexpected.is_empty());
    let after = state_dict(&target);
    assert_eq!(after.get("0.weight"), state.get("0.weight"));
    assert_eq!(
        after.get("1.num_batches_tracked"),
        state.get("1.num_batches_tracked")
    );
    assert_eq!(
        after.get("1.running_var"),
        before.get("1.running_var"),
        "missing entries stay"
    );
}

#[test]
fn unexpected_key_strict_is_an_error_and_non_strict_is_reported() {
    let mut state = state_dict(&trained::<f64>(9, 1));
    state.insert("4.weight", StateTensor::F64(Tensor::ones([2, 3])));
    let mut target = model::<f64>(10);
    let before = state_dict(&target);

    let err = load_state_dict(&mut target, &state, true).unwrap_err();
    assert!(
        matches!(&err, Error::KeyMismatch { missing, unexpected, .. }
        if missing.is_empty() && unexpected == &["4.weight"])
    );
    assert!(
        err.to_string().contains(r#"unexpected keys ["4.weight"]"#),
        "{err}"
    );
    assert_eq!(state_dict(&target), before);

    let report = load_state_dict(&mut target, &state, false).unwrap();
    assert_eq!(report.unexpected, ["4.weight"]);
    assert!(report.missing.is_empty() && !report.is_complete());
    state.remove("4.weight");
    assert_eq!(state_dict(&target), state);
}

#[test]
fn both_missing_and_unexpected_are_listed_together() {
    let mut state = state_dict(&model::<f32>(1));
    let w = state.remove("3.weight").unwrap();
    state.insert("3.weights", w);
    let err = load_state_dict(&mut model::<f32>(2), &state, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"load_state_dict: missing keys ["3.weight"]; unexpected keys ["3.weights"]"#
    );
}

#[test]
fn wrong_shape_is_an_error_even_when_not_strict_and_changes_nothing() {
    let mut state = state_dict(&model::<f32>(11));
    // Last in order, so a write-as-you-go loader would already have
    // overwritten everything else.
    state.insert("3.bias", StateTensor::F32(Tensor::zeros([4])));
    let mut target = model::<f32>(12);
    let before = state_dict(&target);
    for strict in [true, false] {
        let err = load_state_dict(&mut target, &state, strict).unwrap_err();
        assert_eq!(
            err,
            Error::ShapeMismatch {
                context: "load_state_dict",
                key: "3.bias".to_string(),
                expected: vec![3],
                actual: vec![4],
            }
        );
        let msg = err.to_string();
        assert!(
            msg.contains("\"3.bias\"") && msg.contains("[4]") && msg.contains("[3]"),
            "{msg}"
        );
        assert_eq!(state_dict(&target), before);
    }
    // A counter must be rank 0.
    let mut state = state_dict(&model::<f32>(11));
    state.insert(
        "1.num_batches_tracked",
        StateTensor::I64 {
            data: vec![1],
            shape: vec![1],
        },
    );
    let err = load_state_dict(&mut target, &state, false).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { ref key, .. } if key == "1.num_batches_tracked"));
}

#[test]
fn wrong_dtype_is_an_error_naming_the_key_and_cast_floats_converts() {
    let f64_state = state_dict(&trained::<f64>(13, 2));
    let mut target = model::<f32>(14);
    let before = state_dict(&target);
    let err = load_state_dict(&mut target, &f64_state, true).unwrap_err();
    assert_eq!(
        err,
        Error::DtypeMismatch {
            context: "load_state_dict",
            key: "0.weight".to_string(),
            expected: "F32",
            actual: "F64",
        }
    );
    assert_eq!(
        err.to_string(),
        r#"load_state_dict: "0.weight" is F64 in the state dict but the destination holds F32"#
    );
    assert_eq!(state_dict(&target), before);

    // F32 into f64 likewise.
    let f32_state = state_dict(&model::<f32>(1));
    let err = load_state_dict(&mut model::<f64>(1), &f32_state, false).unwrap_err();
    assert!(matches!(
        err,
        Error::DtypeMismatch {
            expected: "F64",
            actual: "F32",
            ..
        }
    ));

    // A float where the counter belongs.
    let mut state = state_dict(&model::<f32>(1));
    state.insert(
        "1.num_batches_tracked",
        StateTensor::F32(Tensor::scalar(2.0)),
    );
    let err = load_state_dict(&mut target, &state, true).unwrap_err();
    assert!(
        matches!(err, Error::DtypeMismatch { ref key, expected: "I64", actual: "F32", .. }
        if key == "1.num_batches_tracked")
    );

    // Explicit conversion: rounds each element to nearest, keeps the counter.
    load_state_dict(&mut target, &f64_state.cast_floats::<f32>(), true).unwrap();
    let got = state_dict(&target);
    let (StateTensor::F32(w), Some(StateTensor::F64(w64))) =
        (got.get("0.weight").unwrap(), f64_state.get("0.weight"))
    else {
        panic!("dtypes")
    };
    assert_eq!(
        w.to_vec(),
        w64.to_vec().iter().map(|&x| x as f32).collect::<Vec<_>>()
    );
    assert_eq!(
        got.get("1.num_batches_tracked"),
        f64_state.get("1.num_batches_tracked")
    );
}

// ------------------------------------------------------------ bad files

#[test]
fn truncated_files_are_clear_errors() {
    let bytes = to_bytes(&state_dict(&trained::<f32>(15, 1))).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    for cut in [0, 3, 8, 9, 8 + n / 2, 8 + n, 8 + n + 5, bytes.len() - 1] {
        let msg = format_err(from_bytes(&bytes[..cut]));
        assert!(
            msg.starts_with("from_bytes: ") && msg.contains("truncated"),
            "cut {cut}: {msg}"
        );
    }
    // From disk the message names the file.
    let dir = scratch("truncated");
    let path = dir.join("cut.safetensors");
    fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
    let msg = format_err(load_safetensors(&path));
    assert!(
        msg.starts_with("load_safetensors: ") && msg.contains("cut.safetensors"),
        "{msg}"
    );
    assert!(
        msg.contains("data offsets") && msg.contains("truncated"),
        "{msg}"
    );
    // A missing file is an I/O error, not a format error.
    let err = load_safetensors(dir.join("absent.safetensors")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io {
                kind: io::ErrorKind::NotFound,
                ..
            }
        ),
        "{err:?}"
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn corrupted_headers_are_clear_errors() {
    let good = to_bytes(&state_dict(&model::<f32>(16))).unwrap();

    // Not JSON.
    let mut bad = good.clone();
    bad[8] = b'X';
    let msg = format_err(from_bytes(&bad));
    assert!(
        msg.contains("not a JSON object") && msg.contains("corrupted header"),
        "{msg}"
    );

    // Not UTF-8.
    let mut bad = good.clone();
    bad[10] = 0xff;
    assert!(format_err(from_bytes(&bad)).contains("UTF-8"));

    // Absurd declared sizes: rejected before anything is allocated.
    for declared in [u64::MAX, 1 << 40, 100_000_001] {
        let mut bad = good.clone();
        bad[..8].copy_from_slice(&declared.to_le_bytes());
        let msg = format_err(from_bytes(&bad));
        assert!(msg.contains("exceeds") && msg.contains("limit"), "{msg}");
    }
    let mut bad = good.clone();
    bad[..8].copy_from_slice(&(good.len() as u64).to_le_bytes());
    assert!(format_err(from_bytes(&bad)).contains("runs past the end"));

    // A shape that does not match the byte count.
    let bytes = image(
        r#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
        &[0; 8],
    );
    let msg = format_err(from_bytes(&bytes));
    assert!(
        msg.contains("\"w\"") && msg.contains("needs 12 bytes"),
        "{msg}"
    );

    // A shape whose element count overflows.
    let bytes = image(
        r#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
        &[0; 8],
    );
    assert!(format_err(from_bytes(&bytes)).contains("more than usize::MAX"));

    // Bad metadata.
    let bytes = image(r#"{"__metadata__":{"a":1}}"#, &[]);
    assert!(format_err(from_bytes(&bytes)).contains("__metadata__"));
}

#[test]
fn unsupported_dtypes_are_clear_errors() {
    let bytes = image(
        r#"{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#,
        &[0; 4],
    );
    let msg = format_err(from_bytes(&bytes));
    assert!(
        msg.contains("\"w\" has dtype F16") && msg.contains("F32, F64 and I64"),
        "{msg}"
    );
    let bytes = image(
        r#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#,
        &[0; 4],
    );
    let msg = format_err(from_bytes(&bytes));
    assert!(msg.contains("\"w\"") && msg.contains("F33"), "{msg}");
}

#[test]
fn bad_offsets_and_names_are_clear_errors() {
    let f =
        |a: usize, b: usize| format!(r#"{{"dtype":"F32","shape":[1],"data_offsets":[{a},{b}]}}"#);
    let cases: Vec<(String, usize, &str)> = vec![
        (
            format!(r#"{{"a":{},"b":{}}}"#, f(0, 4), f(0, 4)),
            4,
            "overlaps",
        ),
        (
            format!(r#"{{"a":{},"b":{}}}"#, f(0, 4), f(8, 12)),
            12,
            "gap",
        ),
        (format!(r#"{{"a":{}}}"#, f(4, 8)), 8, "gap"),
        (format!(r#"{{"a":{}}}"#, f(0, 4)), 12, "belong to no tensor"),
        (format!(r#"{{"a":{}}}"#, f(8, 4)), 8, "outside"),
        (
            format!(r#"{{"a":{}}}"#, f(usize::MAX - 3, usize::MAX)),
            8,
            "outside",
        ),
        (
            format!(r#"{{"a":{},"a":{}}}"#, f(0, 4), f(4, 8)),
            8,
            "\"a\" appears twice",
        ),
        (format!(r#"{{"":{}}}"#, f(0, 4)), 4, "empty name"),
        (
            r#"{"a":{"dtype":"F32","shape":[1]}}"#.to_string(),
            4,
            "data_offsets",
        ),
    ];
    for (header, data_len, needle) in cases {
        let msg = format_err(from_bytes(&image(&header, &vec![0; data_len])));
        assert!(msg.contains(needle), "{header}: {msg}");
    }
}

// ------------------------------------------------------- atomic saving

/// Writes through to the file until `left` bytes are used up, then fails.
struct FailAfter<'a> {
    file: &'a mut fs::File,
    left: usize,
}

impl Write for FailAfter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "injected: disk full",
            ));
        }
        let n = buf.len().min(self.left);
        let n = self.file.write(&buf[..n])?;
        self.left -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[test]
fn an_interrupted_save_leaves_the_previous_file_intact_and_loadable() {
    let dir = scratch("interrupted");
    let path = dir.join("model.safetensors");
    let v1 = state_dict(&trained::<f32>(17, 1));
    save_safetensors(&v1, &path).unwrap();
    let v1_bytes = fs::read(&path).unwrap();

    let v2 = state_dict(&trained::<f32>(18, 4));
    let v2_bytes = to_bytes(&v2).unwrap();
    for n in [0, 1, 8, v2_bytes.len() / 2, v2_bytes.len() - 1] {
        let err = write_atomic(&path, |file| {
            FailAfter { file, left: n }.write_all(&v2_bytes)
        })
        .unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Io {
                    kind: io::ErrorKind::StorageFull,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("injected: disk full"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), v1_bytes, "failed after {n} bytes");
        assert_bit_exact(&load_safetensors(&path).unwrap(), &v1);
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            ["model.safetensors"],
            "no temporary file is left behind"
        );
    }
    // The same writer with room enough succeeds and replaces the file.
    write_atomic(&path, |file| {
        FailAfter {
            file,
            left: usize::MAX,
        }
        .write_all(&v2_bytes)
    })
    .unwrap();
    assert_bit_exact(&load_safetensors(&path).unwrap(), &v2);

    // A failed checkpoint save names its caller and keeps the old checkpoint.
    let ckpt_path = dir.join("ckpt.safetensors");
    let ckpt = Checkpoint {
        model: v1,
        optimizer: StateDict::new(),
        step: 7,
    };
    ckpt.save(&ckpt_path).unwrap();
    let err = Checkpoint {
        model: v2,
        optimizer: StateDict::new(),
        step: 8,
    }
    .save(dir.join("missing-dir/ckpt.safetensors"))
    .unwrap_err();
    assert!(err.to_string().starts_with("Checkpoint::save: "), "{err}");
    assert_eq!(Checkpoint::load(&ckpt_path).unwrap(), ckpt);
    fs::remove_dir_all(dir).unwrap();
}

// --------------------------------------- files written by other software

/// What `safetensors.torch.save_file(m.state_dict(), path)` writes for
/// `m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))` (with
/// `metadata={"format": "pt"}`): the header lists tensors by data offset,
/// 8-byte dtypes first and then by name, compact JSON, space padding.
/// Built by hand here, independently of gradflow's writer.
fn pytorch_style_file() -> Vec<u8> {
    let header = concat!(
        r#"{"__metadata__":{"format":"pt"},"#,
        r#""1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"#,
        r#""0.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"#,
        r#""0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[16,40]},"#,
        r#""1.bias":{"dtype":"F32","shape":[2],"data_offsets":[40,48]},"#,
        r#""1.running_mean":{"dtype":"F32","shape":[2],"data_offsets":[48,56]},"#,
        r#""1.running_var":{"dtype":"F32","shape":[2],"data_offsets":[56,64]},"#,
        r#""1.weight":{"dtype":"F32","shape":[2],"data_offsets":[64,72]}}"#
    );
    let mut data = 12i64.to_le_bytes().to_vec();
    data.extend(le_f32(&BIAS));
    data.extend(le_f32(&WEIGHT));
    data.extend(le_f32(&[0.0, 0.0])); // 1.bias
    data.extend(le_f32(&RUNNING_MEAN));
    data.extend(le_f32(&RUNNING_VAR));
    data.extend(le_f32(&[1.0, 1.0])); // 1.weight
    image(header, &data)
}

const WEIGHT: [f32; 6] = [0.1, -0.2, 0.3, -0.4, 0.5, -0.6]; // [2, 3]
const BIAS: [f32; 2] = [0.01, -0.02];
const RUNNING_MEAN: [f32; 2] = [0.25, -0.75];
const RUNNING_VAR: [f32; 2] = [1.5, 0.5];

#[test]
fn a_pytorch_style_file_loads_into_the_equivalent_model() {
    let bytes = pytorch_style_file();
    let (state, meta) = from_bytes_with_metadata(&bytes).unwrap();
    assert_eq!(meta["format"], "pt");
    // The file's header order is kept.
    assert_eq!(state.names().next(), Some("1.num_batches_tracked"));
    assert_eq!(
        state.get("0.weight"),
        Some(&StateTensor::F32(
            Tensor::from_vec(WEIGHT.to_vec(), [2, 3]).unwrap()
        ))
    );

    let mut rng = Rng::seed_from_u64(19);
    let mut m = Sequential::<f32>::new()
        .push(Dense::new(3, 2, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(2));
    assert!(load_state_dict(&mut m, &state, true).unwrap().is_complete());
    let got = state_dict(&m);
    let f = |name: &str| match got.get(name) {
        Some(StateTensor::F32(t)) => t.to_vec(),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(f("0.weight"), WEIGHT);
    assert_eq!(f("0.bias"), BIAS);
    assert_eq!(f("1.running_mean"), RUNNING_MEAN);
    assert_eq!(f("1.running_var"), RUNNING_VAR);
    assert_eq!(
        got.get("1.num_batches_tracked"),
        Some(&StateTensor::I64 {
            data: vec![12],
            shape: vec![]
        })
    );
    // And gradflow's own file for it holds the same tensors.
    assert_eq!(from_bytes(&to_bytes(&got).unwrap()).unwrap(), got);
}

#[test]
fn header_whitespace_and_order_do_not_matter() {
    // Pretty JSON, header order unlike the data order, an F64 tensor.
    let header = "{\n  \"b\" : {\"data_offsets\": [8, 16], \"shape\": [1], \"dtype\": \"F64\"},\n  \"a\" : {\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": [0, 8]}\n}";
    let mut data = 2.5f64.to_le_bytes().to_vec();
    data.extend((-1.25f64).to_le_bytes());
    let state = from_bytes(&image(header, &data)).unwrap();
    assert_eq!(state.names().collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(state.get("a"), Some(&StateTensor::F64(Tensor::scalar(2.5))));
    assert_eq!(
        state.get("b"),
        Some(&StateTensor::F64(
            Tensor::from_vec(vec![-1.25], [1]).unwrap()
        ))
    );
}

// ------------------------------------------------------------- fuzzing

fn valid_file() -> Vec<u8> {
    let mut meta = Metadata::new();
    meta.insert("k".to_string(), "v".to_string());
    let state = state_dict(&trained::<f32>(20, 1));
    gradflow::io::to_bytes_with_metadata(&state, &meta).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = from_bytes(&bytes);
        let _ = Checkpoint::from_bytes(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_plausible_length_never_panic(
        n in 0u64..256,
        body in proptest::collection::vec(any::<u8>(), 0..384),
    ) {
        let mut bytes = n.to_le_bytes().to_vec();
        bytes.extend(body);
        let _ = from_bytes(&bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid_file();
        for (at, mask) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(state) = from_bytes(&bytes) {
            // Whatever parses is a consistent state dict that round-trips
            // (unless a flipped name became unstorable).
            for (_, t) in state.iter() {
                prop_assert_eq!(t.numel(), t.shape().iter().product::<usize>());
            }
            if let Ok(again) = to_bytes(&state) {
                let back = from_bytes(&again).unwrap();
                prop_assert_eq!(back.len(), state.len());
            }
        }
        let _ = Checkpoint::from_bytes(&bytes);
    }

    #[test]
    fn mutated_headers_never_panic(
        flips in proptest::collection::vec((0usize..600, any::<u8>()), 1..6),
    ) {
        // Flips aimed at the JSON header, where the parser does its work.
        let mut bytes = valid_file();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        for (at, byte) in flips {
            bytes[8 + at % n] = byte;
        }
        let _ = from_bytes(&bytes);
    }
}

#[test]
fn model_load_type_checks_through_dyn_module() {
    // The functions take `&dyn Module<T>`, so any module works, boxed or not.
    let boxed: Box<dyn Module<f32>> = Box::new(model::<f32>(21));
    let state = state_dict(boxed.as_ref());
    let mut target: Box<dyn Module<f32>> = Box::new(model::<f32>(22));
    load_state_dict(target.as_mut(), &state, true).unwrap();
    assert_eq!(state_dict(target.as_ref()), state);
}
