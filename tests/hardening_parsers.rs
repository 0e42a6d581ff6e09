//! Every parser of outside data survives arbitrary bytes: safetensors state
//! dicts ([`from_bytes`], [`load_safetensors`]), checkpoints
//! ([`Checkpoint::from_bytes`]), state dicts loaded into a model
//! ([`load_state_dict`]) and into the optimizers
//! ([`Optimizer::load_state_dict`]), and the monitor's history files
//! ([`history_from_csv`], [`history_from_jsonl`]).
//!
//! Each call must return `Ok` or `Err` — never panic — and never ask the
//! allocator for more than `4 × input length + 1 MiB` in one request. A
//! counting global allocator below enforces the bound: it records the
//! largest single request made *by the calling thread* while a parser call
//! is being measured (proptest's own allocations, and other tests' threads,
//! do not count).
//!
//! Inputs are arbitrary bytes and valid files written by the crate's own
//! writers, then mutated: truncated, bytes flipped, the safetensors header
//! length overwritten, numbers in the header or history replaced with huge
//! or negative ones, dtypes replaced, names duplicated or emptied, deep
//! nesting and long arrays spliced in. Each input that once crashed or
//! over-allocated is kept below as a named regression test.
//!
//! `docs/fuzzing.md` describes these campaigns and the cargo-fuzz targets
//! in `fuzz/`. The long campaign is `#[ignore]`d:
//! `HARDENING_CASES=1000000 cargo test --release --test hardening_parsers -- --ignored long_campaign`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::LazyLock;

use gradflow::io::{
    Checkpoint, Metadata, StateDict, StateTensor, from_bytes, from_bytes_with_metadata,
    load_safetensors, load_state_dict, state_dict, to_bytes, to_bytes_with_metadata,
};
use gradflow::monitor::{
    GradMonitor, LayerRecord, ParamRecord, StepRecord, history_from_csv, history_from_jsonl,
    history_to_csv, history_to_jsonl,
};
use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, Relu, Sequential};
use gradflow::optim::{
    Adam, AdamConfig, Momentum, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig, WeightDecay,
};
use gradflow::{Error, Rng, SeedableRng, Tape, TapeOptions, Tensor};
use proptest::prelude::*;
use proptest::sample::Index;

// ------------------------------------------------------- allocation bound

/// The system allocator, recording the largest request of a measured call.
struct CountingAllocator;

thread_local! {
    /// Whether this thread is inside a measured parser call.
    static ARMED: Cell<bool> = const { Cell::new(false) };
    /// The largest single request (bytes) since the call started.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            LARGEST.with(|m| m.set(m.get().max(size)));
        }
    });
}

// SAFETY: every method forwards to `System` with the same arguments; the
// bookkeeping only touches const-initialized thread-locals of `Cell`s,
// which neither allocate nor unwind.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc(new_size);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Disarms the counter even when the measured call panics.
struct Disarm;

impl Drop for Disarm {
    fn drop(&mut self) {
        ARMED.with(|a| a.set(false));
    }
}

/// Runs `f`, returning its result and the largest single allocation it
/// requested on this thread.
fn measured<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|m| m.set(0));
    ARMED.with(|a| a.set(true));
    let guard = Disarm;
    let r = f();
    drop(guard);
    (r, LARGEST.with(Cell::get))
}

/// The bound every parser keeps: `4 × input + 1 MiB` in one request.
fn allocation_bound(input_len: usize) -> usize {
    4 * input_len + (1 << 20)
}

/// Runs a parser entry on `input` under the allocation bound; panics (so
/// that proptest reports the input) if the bound is broken. Panics inside
/// `f` propagate too.
fn check_bounded<R>(what: &str, input_len: usize, f: impl FnOnce() -> R) -> R {
    let (r, largest) = measured(f);
    assert!(
        largest <= allocation_bound(input_len),
        "{what}: one allocation of {largest} bytes for a {input_len}-byte input (bound {})",
        allocation_bound(input_len)
    );
    r
}

// ------------------------------------------------------------ fixtures

/// `Dense(3→4) → BatchNorm1d(4) → Relu → Dense(4→2)`: weights, biases,
/// running statistics and an `I64` batch counter.
fn model() -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(5);
    Sequential::<f32>::new()
        .push(Dense::new(3, 4, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(4))
        .push(Relu)
        .push(Dense::new(4, 2, Init::xavier_uniform(), &mut rng))
}

/// One SGD-style training step's gradients for `model`.
fn train_step(model: &mut Sequential<f32>, opt: &mut dyn Optimizer<f32>, seed: u64) {
    let mut rng = Rng::seed_from_u64(seed);
    let x = Tensor::<f32>::normal([5, 3], 0.0, 1.0, &mut rng);
    let grads = {
        let tape = Tape::new();
        let loss = model.forward(tape.constant(x)).square().mean_all();
        tape.backward(loss)
    };
    opt.step(model, &grads);
}

/// The optimizers under test, each configured to keep every state field.
fn optimizers() -> Vec<(&'static str, Box<dyn Optimizer<f32>>)> {
    vec![
        (
            "sgd",
            Box::new(
                Sgd::new(SgdConfig {
                    lr: 0.1,
                    momentum: Momentum::Nesterov(0.9),
                    ..SgdConfig::default()
                })
                .unwrap(),
            ),
        ),
        (
            "adam",
            Box::new(
                Adam::new(AdamConfig {
                    amsgrad: true,
                    weight_decay: WeightDecay::L2(0.01),
                    ..AdamConfig::default()
                })
                .unwrap(),
            ),
        ),
        (
            "adamw",
            Box::new(
                Adam::new(AdamConfig {
                    weight_decay: WeightDecay::Decoupled(0.01),
                    ..AdamConfig::default()
                })
                .unwrap(),
            ),
        ),
        (
            "rmsprop",
            Box::new(
                RmsProp::new(RmsPropConfig {
                    momentum: 0.9,
                    centered: true,
                    ..RmsPropConfig::default()
                })
                .unwrap(),
            ),
        ),
    ]
}

/// The model's state dict as safetensors bytes, with metadata.
static MODEL_FILE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let meta = Metadata::from([("format".to_string(), "pt".to_string())]);
    to_bytes_with_metadata(&state_dict(&model()), &meta).unwrap()
});

/// Each optimizer's state after two steps, as safetensors bytes.
static OPTIMIZER_FILES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    optimizers()
        .into_iter()
        .map(|(_, mut opt)| {
            let mut m = model();
            train_step(&mut m, opt.as_mut(), 1);
            train_step(&mut m, opt.as_mut(), 2);
            to_bytes(&opt.state_dict(&m)).unwrap()
        })
        .collect()
});

/// A checkpoint of the model and Adam's state.
static CHECKPOINT_FILE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let (_, mut opt) = optimizers().swap_remove(1);
    let mut m = model();
    train_step(&mut m, opt.as_mut(), 3);
    Checkpoint {
        model: state_dict(&m),
        optimizer: opt.state_dict(&m),
        step: 17,
    }
    .to_bytes()
    .unwrap()
});

/// Three monitored steps (the second with a NaN input, so one record holds
/// an anomaly and non-finite statistics).
static MONITOR: LazyLock<GradMonitor> = LazyLock::new(|| {
    let mut rng = Rng::seed_from_u64(9);
    let mut m = model();
    let (_, mut opt) = optimizers().swap_remove(0);
    let mut monitor = GradMonitor::new();
    for step in 0..3 {
        let mut x = Tensor::<f32>::normal([5, 3], 0.0, 1.0, &mut rng);
        if step == 1 {
            x.data_mut()[2] = f32::NAN;
        }
        let mut grads = {
            let tape = Tape::with_options(TapeOptions::default().with_anomaly(true));
            let loss = m.forward(tape.constant(x)).square().mean_all();
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&m, &mut grads);
        if step != 1 {
            let updates = opt.step(&mut m, &grads);
            monitor.record_updates(&m, &updates);
        }
    }
    monitor
});

static CSV_FILE: LazyLock<String> = LazyLock::new(|| history_to_csv(MONITOR.history()));
static JSONL_FILE: LazyLock<String> = LazyLock::new(|| history_to_jsonl(MONITOR.history()));

// ------------------------------------------------------------ entry points

/// Both safetensors entry points.
fn parse_safetensors(bytes: &[u8]) {
    let a = check_bounded("from_bytes", bytes.len(), || from_bytes(bytes));
    let b = check_bounded("from_bytes_with_metadata", bytes.len(), || {
        from_bytes_with_metadata(bytes)
    });
    assert_eq!(a.is_ok(), b.is_ok());
    if let Ok(state) = a {
        // What parses must write back and parse again to the same bytes
        // (compared as bytes: NaN != NaN, but its bits round-trip).
        if let Ok(again) = to_bytes(&state) {
            assert_eq!(to_bytes(&from_bytes(&again).unwrap()).unwrap(), again);
        }
    }
}

fn parse_checkpoint(bytes: &[u8]) {
    let c = check_bounded("Checkpoint::from_bytes", bytes.len(), || {
        Checkpoint::from_bytes(bytes)
    });
    if let Ok(c) = c {
        let bytes = c.to_bytes().unwrap();
        let again = Checkpoint::from_bytes(&bytes).unwrap();
        assert_eq!(again.to_bytes().unwrap(), bytes);
        assert_eq!(again.step, c.step);
    }
}

/// Decodes and loads into a fresh model, strict and not; an `Err` leaves
/// the model unchanged.
fn load_into_model(bytes: &[u8]) {
    for strict in [true, false] {
        let mut m = model();
        let before = state_dict(&m);
        let r = check_bounded("load_state_dict", bytes.len(), || {
            from_bytes(bytes).and_then(|s| load_state_dict(&mut m, &s, strict))
        });
        if r.is_err() {
            assert_eq!(state_dict(&m), before, "a failed load changed the model");
        }
    }
}

/// Loads `state` into every optimizer; after a successful load, a training
/// step must not panic either.
fn load_into_optimizers(state: &StateDict, input_len: Option<usize>) {
    for (name, mut opt) in optimizers() {
        let mut m = model();
        let r = match input_len {
            Some(len) => check_bounded(name, len, || opt.load_state_dict(&m, state)),
            None => opt.load_state_dict(&m, state),
        };
        if r.is_ok() {
            train_step(&mut m, opt.as_mut(), 4);
        }
    }
}

fn decode_and_load_optimizers(bytes: &[u8]) {
    if let Ok(state) = check_bounded("from_bytes", bytes.len(), || from_bytes(bytes)) {
        load_into_optimizers(&state, Some(bytes.len()));
    }
}

/// The history readers' bound: `4 × input + 1 MiB`, plus what the records
/// themselves take. A CSV step row of 23 bytes legitimately becomes a
/// `StepRecord` of ~200 (layer and parameter rows alike), and the `Vec`s
/// holding them may be twice as long as full; that output, proportional to
/// the number of lines, is allowed on top.
fn history_bound(text: &str) -> usize {
    let rows = text.bytes().filter(|&c| c == b'\n').count() + 1;
    let record = std::mem::size_of::<StepRecord>()
        .max(std::mem::size_of::<LayerRecord>())
        .max(std::mem::size_of::<ParamRecord>());
    allocation_bound(text.len()) + 2 * record * rows
}

fn check_history<R>(what: &str, text: &str, f: impl FnOnce() -> R) -> R {
    let bound = history_bound(text);
    let (r, largest) = measured(f);
    assert!(
        largest <= bound,
        "{what}: one allocation of {largest} bytes for a {}-byte input (bound {bound})",
        text.len()
    );
    r
}

fn parse_csv(text: &str) {
    let r = check_history("history_from_csv", text, || history_from_csv(text));
    if let Ok(records) = r {
        let again = history_from_csv(&history_to_csv(&records)).unwrap();
        assert_eq!(again.len(), records.len());
    }
}

fn parse_jsonl(text: &str) {
    let r = check_history("history_from_jsonl", text, || history_from_jsonl(text));
    if let Ok(records) = r {
        let again = history_from_jsonl(&history_to_jsonl(&records)).unwrap();
        assert_eq!(again.len(), records.len());
    }
}

// ------------------------------------------------------------- mutations

/// Texts spliced over a token of a JSON header or history line: numbers at
/// and past the integer limits, wrong dtypes, empty and reserved names,
/// values of the wrong type.
const SPLICES: &[&str] = &[
    "0",
    "1",
    "-1",
    "-0",
    "1.5",
    "1e308",
    "1e999",
    "-1e999",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "null",
    "true",
    "[]",
    "{}",
    "\"\"",
    "\"I64\"",
    "\"F64\"",
    "\"F32\"",
    "\"BF16\"",
    "\"F16\"",
    "\"U8\"",
    "\"BOOL\"",
    "\"F8_E4M3\"",
    "\"garbage\"",
    "\"NaN\"",
    "\"inf\"",
    "\"-inf\"",
    "\"__metadata__\"",
    "\"0.weight\"",
    "\"model.0.weight\"",
    "\"optimizer.state.0.weight.step\"",
    "\"state.0.weight.step\"",
    "\"param_groups.0.lr\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\",
    "[0,18446744073709551615,18446744073709551615]",
    "[4294967296,4294967296]",
    "[18446744073709551615]",
    "[0,0]",
    "[1,0]",
    "[24,0]",
    "{\"a\":1}",
    ",",
    ":",
    "]",
    "}",
];

/// Generated splices: deep nesting and long, dense arrays or digit runs.
#[derive(Debug, Clone)]
enum Splice {
    Fixed(Index),
    Nested(usize),
    NestedObjects(usize),
    LongArray(usize),
    LongDigits(usize),
    LongString(usize),
    LongObject(usize),
}

impl Splice {
    fn text(&self) -> String {
        match self {
            Splice::Fixed(i) => i.get(SPLICES).to_string(),
            Splice::Nested(n) => format!("{}{}", "[".repeat(*n), "]".repeat(*n)),
            Splice::NestedObjects(n) => format!("{}1{}", "{\"a\":".repeat(*n), "}".repeat(*n)),
            Splice::LongArray(n) => format!("[{}1]", "1,".repeat(*n)),
            Splice::LongDigits(n) => "9".repeat(*n),
            Splice::LongString(n) => format!("\"{}\"", "x".repeat(*n)),
            Splice::LongObject(n) => {
                let entries: Vec<String> = (0..*n).map(|k| format!("\"{k:x}\":\"\"")).collect();
                format!("{{{}}}", entries.join(","))
            }
        }
    }
}

fn splice() -> impl Strategy<Value = Splice> {
    prop_oneof![
        6 => any::<Index>().prop_map(Splice::Fixed),
        1 => prop_oneof![Just(100usize), Just(129), Just(5_000), Just(100_000)].prop_map(Splice::Nested),
        1 => prop_oneof![Just(100usize), Just(129), Just(5_000)].prop_map(Splice::NestedObjects),
        1 => prop_oneof![Just(100usize), Just(1_025), Just(70_000), Just(300_000)].prop_map(Splice::LongArray),
        1 => prop_oneof![Just(30usize), Just(400), Just(100_000)].prop_map(Splice::LongDigits),
        1 => prop_oneof![Just(1_000usize), Just(100_000)].prop_map(Splice::LongString),
        1 => prop_oneof![Just(1_000usize), Just(200_000)].prop_map(Splice::LongObject),
    ]
}

/// One edit of a file image.
#[derive(Debug, Clone)]
enum Edit {
    /// Keep only a prefix.
    Truncate(Index),
    /// XOR one byte.
    Flip(Index, u8),
    /// Overwrite bytes from a position.
    Overwrite(Index, Vec<u8>),
    /// Insert bytes at a position.
    Insert(Index, Vec<u8>),
    /// Remove a run of bytes.
    Remove(Index, usize),
    /// Replace the `Index`-th token (a number or a quoted string; for
    /// safetensors, of the JSON header) with a splice.
    Token(Index, Splice),
    /// Repeat the `Index`-th line (history) or top-level header entry.
    Duplicate(Index),
    /// Overwrite the safetensors 8-byte header length.
    HeaderLength(u64),
}

fn header_length() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(7),
        Just(100_000_000),
        Just(100_000_001),
        Just(u64::from(u32::MAX)),
        Just(1 << 32),
        Just(i64::MAX as u64),
        Just(u64::MAX),
        any::<u64>(),
        0u64..2048,
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => any::<Index>().prop_map(Edit::Truncate),
        3 => (any::<Index>(), 1u8..).prop_map(|(i, x)| Edit::Flip(i, x)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Edit::Overwrite(i, b)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Remove(i, n)),
        6 => (any::<Index>(), splice()).prop_map(|(i, s)| Edit::Token(i, s)),
        1 => any::<Index>().prop_map(Edit::Duplicate),
        2 => header_length().prop_map(Edit::HeaderLength),
    ]
}

/// Byte spans of numbers (`-`, digits, `.`, `e`, `+`) and quoted strings.
fn token_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == b'[' || c == b'{' {
            // A flat array or object (no nesting inside) is one token too.
            let close = if c == b'[' { b']' } else { b'}' };
            if let Some(len) = text[i + 1..]
                .iter()
                .position(|&c| matches!(c, b']' | b'[' | b'{' | b'}'))
                && text[i + 1 + len] == close
            {
                spans.push((i, i + len + 2));
            }
            i += 1;
        } else if c == b'"' {
            let start = i;
            i += 1;
            while i < text.len() && text[i] != b'"' {
                i += if text[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(text.len());
            spans.push((start, i));
        } else if c.is_ascii_digit() || c == b'-' {
            let start = i;
            while i < text.len()
                && (text[i].is_ascii_alphanumeric() || matches!(text[i], b'-' | b'+' | b'.'))
            {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

/// The safetensors header (if the length prefix is sane) and its bounds.
fn header_span(bytes: &[u8]) -> Option<(usize, usize)> {
    let n = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    let end = 8usize.checked_add(usize::try_from(n).ok()?)?;
    (end <= bytes.len()).then_some((8, end))
}

/// Replaces `bytes[range]` with `with`; in a safetensors image whose header
/// holds `range`, the length prefix follows the header's new length
/// (`relength`).
fn replace(bytes: &mut Vec<u8>, range: (usize, usize), with: &[u8], relength: bool) {
    let header = header_span(bytes);
    bytes.splice(range.0..range.1, with.iter().copied());
    if relength
        && let Some((start, end)) = header
        && range.0 >= start
        && range.1 <= end
    {
        let n = (end - start + with.len() - (range.1 - range.0)) as u64;
        bytes[..8].copy_from_slice(&n.to_le_bytes());
    }
}

/// Applies edits to a safetensors image (`safetensors`: tokens are taken
/// from the header, the prefix kept in step) or to a text file.
fn apply(mut bytes: Vec<u8>, edits: &[Edit], safetensors: bool) -> Vec<u8> {
    for e in edits {
        let len = bytes.len();
        match e {
            Edit::Truncate(i) => bytes.truncate(i.index(len + 1)),
            Edit::Flip(i, x) if len > 0 => bytes[i.index(len)] ^= x,
            Edit::Overwrite(i, b) if len > 0 => {
                let at = i.index(len);
                for (k, &v) in b.iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(at + k) {
                        *slot = v;
                    }
                }
            }
            Edit::Insert(i, b) => {
                let at = i.index(len + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Remove(i, n) if len > 0 => {
                let at = i.index(len);
                bytes.drain(at..(at + n).min(len));
            }
            Edit::Token(i, s) => {
                let (base, region) = match (safetensors, header_span(&bytes)) {
                    (true, Some((a, b))) => (a, &bytes[a..b]),
                    (true, None) => continue,
                    (false, _) => (0, &bytes[..]),
                };
                let spans = token_spans(region);
                if spans.is_empty() {
                    continue;
                }
                let (a, b) = spans[i.index(spans.len())];
                replace(&mut bytes, (base + a, base + b), s.text().as_bytes(), true);
            }
            Edit::Duplicate(i) => {
                if safetensors {
                    // Repeat the header's first entry (up to the first
                    // `},`), keeping the prefix in step.
                    let Some((a, b)) = header_span(&bytes) else {
                        continue;
                    };
                    let header = bytes[a..b].to_vec();
                    let Some(end) = header.windows(2).position(|w| w == b"},") else {
                        continue;
                    };
                    let entry = header[1..end + 2].to_vec();
                    replace(&mut bytes, (a + 1, a + 1), &entry, true);
                } else {
                    let lines: Vec<&[u8]> = bytes.split_inclusive(|&c| c == b'\n').collect();
                    if lines.is_empty() {
                        continue;
                    }
                    let k = i.index(lines.len());
                    let mut out = Vec::with_capacity(len * 2);
                    for (j, l) in lines.iter().enumerate() {
                        out.extend_from_slice(l);
                        if j == k {
                            out.extend_from_slice(l);
                        }
                    }
                    bytes = out;
                }
            }
            Edit::HeaderLength(n) if len >= 8 => bytes[..8].copy_from_slice(&n.to_le_bytes()),
            _ => {}
        }
    }
    bytes
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..4)
}

/// Arbitrary bytes, biased towards ones that pass the first checks: a small
/// header length prefix followed by JSON-ish text.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        (0u64..300, "[{}\\[\\]\":,0-9a-zA-Z_. ]{0,300}").prop_map(|(n, s)| {
            let mut b = n.to_le_bytes().to_vec();
            b.extend_from_slice(s.as_bytes());
            b
        }),
        "[{}\\[\\]\":,0-9a-zA-Z_. ]{0,300}".prop_map(|s| {
            let mut b = (s.len() as u64).to_le_bytes().to_vec();
            b.extend_from_slice(s.as_bytes());
            b
        }),
    ]
}

fn text_garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[{}\\[\\]\":,0-9a-zA-Z_.\\-\n\r ]{0,400}",
        "(step|site|layer|param|true|false|NaN|inf|relu|weighted|,|\"|\n|[0-9.e\\-]{1,25}){0,80}",
    ]
}

// ------------------------------------------------------------- proptests

fn cases() -> u32 {
    std::env::var("HARDENING_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2048)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A valid file of one of the kinds the safetensors readers take.
fn safetensors_base() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(MODEL_FILE.clone()),
        Just(CHECKPOINT_FILE.clone()),
        (0..4usize).prop_map(|i| OPTIMIZER_FILES[i].clone()),
    ]
}

proptest! {
    #![proptest_config(config(cases()))]

    #[test]
    fn safetensors_readers_survive_arbitrary_bytes(bytes in garbage()) {
        parse_safetensors(&bytes);
        parse_checkpoint(&bytes);
    }

    #[test]
    fn safetensors_readers_survive_mutated_files(base in safetensors_base(), e in edits()) {
        let bytes = apply(base, &e, true);
        parse_safetensors(&bytes);
        parse_checkpoint(&bytes);
    }

    #[test]
    fn model_loading_survives_mutated_files(e in edits()) {
        load_into_model(&apply(MODEL_FILE.clone(), &e, true));
    }

    #[test]
    fn optimizer_loading_survives_mutated_files(i in 0..4usize, e in edits()) {
        decode_and_load_optimizers(&apply(OPTIMIZER_FILES[i].clone(), &e, true));
    }

    #[test]
    fn optimizer_loading_survives_constructed_state_dicts(state in constructed_state()) {
        load_into_optimizers(&state, None);
    }

    #[test]
    fn history_readers_survive_arbitrary_text(text in text_garbage()) {
        parse_csv(&text);
        parse_jsonl(&text);
    }

    #[test]
    fn history_csv_survives_mutated_files(e in edits()) {
        let bytes = apply(CSV_FILE.clone().into_bytes(), &e, false);
        parse_csv(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn history_jsonl_survives_mutated_files(e in edits()) {
        let bytes = apply(JSONL_FILE.clone().into_bytes(), &e, false);
        parse_jsonl(&String::from_utf8_lossy(&bytes));
    }
}

// ----------------------------------------------- constructed state dicts

/// Names optimizers read, names they do not, and garbage.
fn state_name() -> impl Strategy<Value = String> {
    let params = [
        "0.weight", "0.bias", "3.weight", "3.bias", "1.weight", "9.weight", "",
    ];
    let fields = [
        "step",
        "exp_avg",
        "exp_avg_sq",
        "max_exp_avg_sq",
        "square_avg",
        "momentum_buffer",
        "grad_avg",
        "other",
    ];
    let hypers = [
        "lr",
        "betas",
        "eps",
        "weight_decay",
        "amsgrad",
        "decoupled_weight_decay",
        "alpha",
        "momentum",
        "dampening",
        "nesterov",
        "centered",
        "extra",
    ];
    prop_oneof![
        (0..params.len(), 0..fields.len())
            .prop_map(move |(p, f)| format!("state.{}.{}", params[p], fields[f])),
        (0..hypers.len()).prop_map(move |h| format!("param_groups.0.{}", hypers[h])),
        "[a-z0-9._]{0,12}",
    ]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-0.0),
        Just(1.0),
        Just(0.9),
        Just(0.999),
        Just(1e-8),
        Just(-1.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(1e39), // infinite as f32
        any::<f64>(),
    ]
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        Just(vec![]),
        Just(vec![1]),
        Just(vec![2]),
        Just(vec![4]),
        Just(vec![4, 3]),
        Just(vec![2, 4]),
        Just(vec![3, 4]),
        Just(vec![0]),
        Just(vec![4, 0]),
        prop::collection::vec(0usize..5, 0..4),
    ]
}

fn state_tensor() -> impl Strategy<Value = StateTensor> {
    prop_oneof![
        (shape(), float()).prop_map(|(s, x)| StateTensor::F32(Tensor::full(s, x as f32))),
        (shape(), float()).prop_map(|(s, x)| StateTensor::F64(Tensor::full(s, x))),
        (
            shape(),
            prop_oneof![
                Just(0i64),
                Just(1),
                Just(2),
                Just(-1),
                Just(i64::MAX),
                Just(i64::MIN),
                any::<i64>()
            ]
        )
            .prop_map(|(s, x)| {
                let n = s.iter().product();
                StateTensor::I64 {
                    data: vec![x; n],
                    shape: s,
                }
            }),
        // Public fields allow a length that does not match the shape.
        (shape(), prop::collection::vec(any::<i64>(), 0..3))
            .prop_map(|(shape, data)| StateTensor::I64 { data, shape }),
    ]
}

/// A real optimizer state with entries replaced, removed or added, or an
/// arbitrary dict of plausible names.
fn constructed_state() -> impl Strategy<Value = StateDict> {
    let edits = prop::collection::vec((0..3u8, state_name(), any::<Index>(), state_tensor()), 0..6);
    prop_oneof![
        (0..4usize, edits).prop_map(|(i, edits)| {
            let mut s = from_bytes(&OPTIMIZER_FILES[i]).unwrap();
            for (op, name, which, t) in edits {
                let names: Vec<String> = s.names().map(str::to_string).collect();
                match op {
                    0 if !names.is_empty() => {
                        s.insert(which.get(&names).clone(), t);
                    }
                    1 if !names.is_empty() => {
                        s.remove(which.get(&names).as_str());
                    }
                    _ => s.insert(name, t),
                }
            }
            s
        }),
        prop::collection::vec((state_name(), state_tensor()), 0..12).prop_map(|entries| {
            let mut s = StateDict::new();
            for (n, t) in entries {
                s.insert(n, t);
            }
            s
        }),
    ]
}

// ------------------------------------------------- the long campaign

/// The fuzz targets as one proptest campaign per target, for machines
/// without cargo-fuzz: `HARDENING_CASES` inputs each (default 1,000,000).
#[test]
#[ignore = "long campaign: run with HARDENING_CASES and --ignored"]
fn long_campaign() {
    let cases = std::env::var("HARDENING_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let mut runner = proptest::test_runner::TestRunner::new(config(cases));
    let st = (safetensors_base(), edits());
    runner
        .run(&st, |(base, e)| {
            let bytes = apply(base, &e, true);
            parse_safetensors(&bytes);
            parse_checkpoint(&bytes);
            load_into_model(&bytes);
            decode_and_load_optimizers(&bytes);
            Ok(())
        })
        .unwrap();
    runner
        .run(&constructed_state(), |s| {
            load_into_optimizers(&s, None);
            Ok(())
        })
        .unwrap();
    runner
        .run(&edits(), |e| {
            parse_csv(&String::from_utf8_lossy(&apply(
                CSV_FILE.clone().into_bytes(),
                &e,
                false,
            )));
            parse_jsonl(&String::from_utf8_lossy(&apply(
                JSONL_FILE.clone().into_bytes(),
                &e,
                false,
            )));
            Ok(())
        })
        .unwrap();
}

/// Writes the valid files the fuzz targets start from into
/// `fuzz/corpus/<target>/`.
#[test]
#[ignore = "writes the fuzz corpus seeds"]
fn write_fuzz_seeds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    write("safetensors", "model", &MODEL_FILE);
    write("safetensors", "checkpoint", &CHECKPOINT_FILE);
    write("checkpoint", "checkpoint", &CHECKPOINT_FILE);
    write("checkpoint", "model", &MODEL_FILE);
    for (i, (name, _)) in optimizers().iter().enumerate() {
        write("optimizer_state", name, &OPTIMIZER_FILES[i]);
        write("safetensors", name, &OPTIMIZER_FILES[i]);
    }
    write("optimizer_state", "model", &MODEL_FILE);
    write("history_csv", "history", CSV_FILE.as_bytes());
    write("history_jsonl", "history", JSONL_FILE.as_bytes());
}

// ------------------------------------------------------ error messages

fn message(r: Result<impl std::fmt::Debug, Error>) -> String {
    r.expect_err("the corrupted input must be refused")
        .to_string()
}

/// The safetensors image of `header` (the length prefix matching) and `data`.
fn image(header: &str, data: &[u8]) -> Vec<u8> {
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(data);
    b
}

#[test]
fn safetensors_errors_name_the_format_and_the_tensor() {
    let m = message(from_bytes(b"abc"));
    assert!(m.contains("safetensors") && m.contains("truncated"), "{m}");

    let mut huge = MODEL_FILE.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    let m = message(from_bytes(&huge));
    assert!(
        m.contains("safetensors") && m.contains("header length"),
        "{m}"
    );

    let m = message(from_bytes(&image(
        r#"{"w":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}"#,
        &[0; 2],
    )));
    assert!(m.contains("\"w\"") && m.contains("BF16"), "{m}");

    let m = message(from_bytes(&image(
        r#"{"w":{"dtype":"F32","shape":[18446744073709551615,2],"data_offsets":[0,4]}}"#,
        &[0; 4],
    )));
    assert!(m.contains("\"w\"") && m.contains("shape"), "{m}");

    let m = message(from_bytes(&image(
        r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}"#,
        &[0; 4],
    )));
    assert!(m.contains("\"w\"") && m.contains("offsets"), "{m}");

    let m = message(Checkpoint::from_bytes(&MODEL_FILE[..MODEL_FILE.len() - 1]));
    assert!(m.contains("Checkpoint::from_bytes"), "{m}");
}

#[test]
fn load_safetensors_names_the_file() {
    let dir = std::env::temp_dir().join(format!("gradflow-hardening-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cut.safetensors");
    std::fs::write(&path, &MODEL_FILE[..MODEL_FILE.len() / 2]).unwrap();
    let m = message(load_safetensors(&path));
    assert!(
        m.contains("load_safetensors") && m.contains("cut.safetensors"),
        "{m}"
    );
    let m = message(Checkpoint::load(&path));
    assert!(
        m.contains("Checkpoint::load") && m.contains("cut.safetensors"),
        "{m}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn optimizer_errors_name_the_entry() {
    let mut state = from_bytes(&OPTIMIZER_FILES[1]).unwrap();
    state.insert(
        "state.0.weight.step",
        StateTensor::F64(Tensor::scalar(f64::NAN)),
    );
    let m = message(optimizers()[1].1.load_state_dict(&model(), &state));
    assert!(
        m.contains("Adam::load_state_dict") && m.contains("state.0.weight.step"),
        "{m}"
    );
    state.insert(
        "state.0.weight.step",
        StateTensor::I64 {
            data: vec![-3],
            shape: vec![],
        },
    );
    let m = message(optimizers()[1].1.load_state_dict(&model(), &state));
    assert!(m.contains("state.0.weight.step") && m.contains("-3"), "{m}");
}

#[test]
fn history_errors_name_the_line() {
    let mut csv = CSV_FILE.clone();
    csv.push_str("18446744073709551616,step,,,,,,,,,,,,,,,,\n");
    let m = message(history_from_csv(&csv));
    assert!(
        m.contains("history_from_csv") && m.contains("line") && m.contains("step"),
        "{m}"
    );
    let m = message(history_from_jsonl("{\"step\":1e999}"));
    assert!(
        m.contains("history_from_jsonl") && m.contains("line 1"),
        "{m}"
    );
}

// ------------------------------------------------------- regressions

/// The fixtures are what they claim: valid files every reader accepts.
#[test]
fn fixtures_are_valid() {
    parse_safetensors(&MODEL_FILE);
    assert!(Checkpoint::from_bytes(&CHECKPOINT_FILE).is_ok());
    assert!(load_state_dict(&mut model(), &from_bytes(&MODEL_FILE).unwrap(), true).is_ok());
    for ((_, mut opt), bytes) in optimizers().into_iter().zip(OPTIMIZER_FILES.iter()) {
        opt.load_state_dict(&model(), &from_bytes(bytes).unwrap())
            .unwrap();
    }
    assert_eq!(history_from_csv(&CSV_FILE).unwrap().len(), 3);
    assert_eq!(history_from_jsonl(&JSONL_FILE).unwrap().len(), 3);
}

/// A CSV row of 100,000 commas: each empty cell was kept as a `String`
/// (24 bytes per input byte) before the row's length was checked.
#[test]
fn regression_csv_row_of_many_commas_is_refused_without_a_cell_per_comma() {
    let mut text = CSV_FILE.lines().next().unwrap().to_string();
    text.push_str("\n0");
    text.push_str(&",".repeat(100_000));
    text.push('\n');
    let m = message(check_history("history_from_csv", &text, || {
        history_from_csv(&text)
    }));
    assert!(m.contains("line 2") && m.contains("found 100001"), "{m}");
}

/// A JSON Lines line `[0,0,...]` of 200,000 elements: `serde_json` built a
/// `Vec<Value>` of 32 bytes per element (8 MiB for 400 KB).
#[test]
fn regression_jsonl_dense_array_is_refused_before_parsing() {
    let text = format!("[{}0]", "0,".repeat(200_000));
    let m = message(check_history("history_from_jsonl", &text, || {
        history_from_jsonl(&text)
    }));
    assert!(m.contains("line 1") && m.contains("too dense"), "{m}");
    // Inside a record, as a mutated file has it.
    let text = format!(
        "{{\"step\":0,\"global_norm\":null,\"global_ema\":null,\"layers\":[{}{{}}],\"params\":[]}}",
        "{},".repeat(200_000)
    );
    let m = message(check_history("history_from_jsonl", &text, || {
        history_from_jsonl(&text)
    }));
    assert!(m.contains("too dense"), "{m}");
}

/// `__metadata__` with 200,000 tiny entries: the safetensors crate's
/// re-parse of the header put them in a `HashMap<String, String>`
/// (~12 MiB for a 1.5 MB file).
#[test]
fn regression_safetensors_metadata_of_many_entries_stays_within_bound() {
    let entries: Vec<String> = (0..200_000).map(|k| format!("\"{k:x}\":\"\"")).collect();
    let bytes = image(
        &format!("{{\"__metadata__\":{{{}}}}}", entries.join(",")),
        &[],
    );
    let (state, meta) = check_bounded("from_bytes_with_metadata", bytes.len(), || {
        from_bytes_with_metadata(&bytes)
    })
    .unwrap();
    assert!(state.is_empty());
    assert_eq!(meta.len(), 200_000);
}

/// A header of 200,000 entries `"":0`: all were collected (40 bytes per
/// 5-byte entry) before the first empty name was refused.
#[test]
fn regression_safetensors_many_empty_names_stop_at_the_first() {
    let header = format!("{{{}\"\":0}}", "\"\":0,".repeat(200_000));
    let bytes = image(&header, &[]);
    let m = message(check_bounded("from_bytes", bytes.len(), || {
        from_bytes(&bytes)
    }));
    assert!(m.contains("empty name"), "{m}");
}

/// A shape of 300,000 ones: parsed into a `Vec<usize>` of 8 bytes per
/// 2-byte dimension (4 MiB for 600 KB) before anything checked its rank.
#[test]
fn regression_safetensors_shape_of_huge_rank_is_refused_before_parsing() {
    let header = format!(
        "{{\"w\":{{\"dtype\":\"F32\",\"shape\":[{}1],\"data_offsets\":[0,4]}}}}",
        "1,".repeat(300_000)
    );
    let bytes = image(&header, &[0; 4]);
    let m = message(check_bounded("from_bytes", bytes.len(), || {
        from_bytes(&bytes)
    }));
    assert!(m.contains("\"w\"") && m.contains("1024 dimensions"), "{m}");
    // A rank within the cap still loads.
    let header = format!(
        "{{\"w\":{{\"dtype\":\"F32\",\"shape\":[{}1],\"data_offsets\":[0,4]}}}}",
        "1,".repeat(1_000)
    );
    assert_eq!(
        from_bytes(&image(&header, &[0; 4]))
            .unwrap()
            .get("w")
            .unwrap()
            .shape()
            .len(),
        1_001
    );
}

/// A zero-sized tensor whose other dimensions overflow: it loaded, and
/// its row-major strides (`2^40 · 2^40`) overflow `usize` as soon as an op
/// lays it out.
#[test]
fn regression_safetensors_zero_sized_shape_with_overflowing_dims_is_refused() {
    let bytes = image(
        r#"{"z":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}}"#,
        &[],
    );
    let m = message(from_bytes(&bytes));
    assert!(m.contains("\"z\"") && m.contains("too large"), "{m}");
    // Zero-sized tensors of sane shapes still load.
    let bytes = image(
        r#"{"z":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}"#,
        &[],
    );
    assert_eq!(
        from_bytes(&bytes).unwrap().get("z").unwrap().shape(),
        [0, 3]
    );
}
