//! Misuse of an op panics at the user's line (every public op is
//! `#[track_caller]` down to the check) with a message that names the op,
//! shows the shapes involved and says how to fix the call.
//!
//! Each case runs under [`catch`], which installs a panic hook that records
//! the panic's message and location, and restores the previous hook after.

use std::panic::{AssertUnwindSafe, Location};
use std::sync::{Arc, Mutex, PoisonError};

use gradflow::nn::{
    BatchNorm1d, BatchNorm2d, Conv2d, Dense, Init, Layer, LayerNorm, LstmCell, Residual, RnnCell,
    RnnNonlinearity, Sequential, unroll,
};
use gradflow::{Indices, Rng, SeedableRng, Tape, Tensor};

/// What a caught panic said and where it was raised.
#[derive(Debug)]
struct Caught {
    message: String,
    file: String,
    line: u32,
}

/// Serialises the tests of this file: the panic hook is process-global.
static HOOK: Mutex<()> = Mutex::new(());

/// Runs `f`, which must panic, and returns the panic's message and
/// location. The previous panic hook is restored before returning.
#[track_caller]
fn catch<R>(f: impl FnOnce() -> R) -> Caught {
    let _serial = HOOK.lock().unwrap_or_else(PoisonError::into_inner);
    let seen: Arc<Mutex<Option<Caught>>> = Arc::default();
    let slot = Arc::clone(&seen);
    let this_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() != this_thread {
            return;
        }
        let message = info
            .payload_as_str()
            .unwrap_or("<non-string panic payload>")
            .to_string();
        let (file, line) = info
            .location()
            .map_or((String::new(), 0), |l| (l.file().to_string(), l.line()));
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Caught {
            message,
            file,
            line,
        });
    }));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    assert!(result.is_err(), "expected a panic");
    let caught = seen.lock().unwrap_or_else(PoisonError::into_inner).take();
    caught.expect("the panic hook ran")
}

/// Asserts the panic was raised at `line` of this file and that its
/// message contains every one of `needles`.
#[track_caller]
fn assert_misuse(caught: &Caught, line: u32, needles: &[&str]) {
    assert_eq!(
        (caught.file.as_str(), caught.line),
        (file!(), line),
        "the panic points into the library instead of the user's line: {caught:?}"
    );
    for needle in needles {
        assert!(
            caught.message.contains(needle),
            "message lacks {needle:?}: {}",
            caught.message
        );
    }
}

/// The line after the one calling this (where the misuse is written).
#[track_caller]
fn next_line() -> u32 {
    Location::caller().line() + 1
}

fn ones(shape: &[usize]) -> Tensor<f32> {
    Tensor::ones(shape)
}

fn rng() -> Rng {
    Rng::seed_from_u64(0)
}

/// The fix the broadcasting ops suggest.
const BROADCAST_FIX: &str = "reshape one operand, or add a size-1 axis";
/// The rule and fix matmul states.
const MATMUL_FIX: &str = "the columns of the left operand must equal the rows of the right";

// ---------------------------------------------------------------------------
// Broadcasting arithmetic.

#[test]
fn tensor_add_of_shapes_that_do_not_broadcast_names_both_shapes() {
    let (a, b) = (ones(&[2, 3]), ones(&[4]));
    let line = next_line();
    let caught = catch(|| a.add(&b));
    assert_misuse(
        &caught,
        line,
        &["add: shapes [2, 3] and [4] do not broadcast", BROADCAST_FIX],
    );
    let line = next_line();
    let caught = catch(|| &a + &b);
    assert_misuse(
        &caught,
        line,
        &["add: shapes [2, 3] and [4]", BROADCAST_FIX],
    );
}

#[test]
fn tensor_mul_of_shapes_that_do_not_broadcast_names_both_shapes() {
    let (a, b) = (ones(&[2, 3]), ones(&[3, 2]));
    let line = next_line();
    let caught = catch(|| a.mul(&b));
    assert_misuse(
        &caught,
        line,
        &[
            "mul: shapes [2, 3] and [3, 2] do not broadcast",
            BROADCAST_FIX,
        ],
    );
    let line = next_line();
    let caught = catch(|| &a * &b);
    assert_misuse(
        &caught,
        line,
        &["mul: shapes [2, 3] and [3, 2]", BROADCAST_FIX],
    );
}

#[test]
fn var_add_and_mul_of_shapes_that_do_not_broadcast_point_at_the_call() {
    let tape = Tape::new();
    let (a, b, c) = (
        tape.constant(ones(&[2, 3])),
        tape.constant(ones(&[4])),
        tape.constant(ones(&[3, 2])),
    );
    let line = next_line();
    let caught = catch(|| a + b);
    assert_misuse(
        &caught,
        line,
        &["add: shapes [2, 3] and [4]", BROADCAST_FIX],
    );
    let line = next_line();
    let caught = catch(|| a.mul(c));
    assert_misuse(
        &caught,
        line,
        &["mul: shapes [2, 3] and [3, 2]", BROADCAST_FIX],
    );
}

// ---------------------------------------------------------------------------
// Matrix products and reshapes.

#[test]
fn tensor_matmul_with_different_inner_dimensions_names_the_shapes() {
    let (a, b) = (ones(&[2, 3]), ones(&[4, 5]));
    let line = next_line();
    let caught = catch(|| a.matmul(&b));
    assert_misuse(
        &caught,
        line,
        &[
            "matmul: inner dimensions differ: [2, 3] · [4, 5]",
            MATMUL_FIX,
            "matmul_t",
        ],
    );
}

#[test]
fn var_matmul_with_different_inner_dimensions_names_the_shapes() {
    let tape = Tape::new();
    let (a, b) = (tape.constant(ones(&[2, 3])), tape.constant(ones(&[4, 5])));
    let line = next_line();
    let caught = catch(|| a.matmul(b));
    assert_misuse(
        &caught,
        line,
        &[
            "matmul: inner dimensions differ: [2, 3] · [4, 5]",
            MATMUL_FIX,
        ],
    );
}

#[test]
fn reshape_to_another_element_count_names_both_counts() {
    let a = ones(&[2, 3]);
    let line = next_line();
    let caught = catch(|| a.reshape([4, 2]));
    let expected =
        "reshape: cannot view shape [2, 3] (6 elements) as [4, 2]; the element counts must match";
    assert_misuse(&caught, line, &[expected]);
    let tape = Tape::new();
    let v = tape.constant(a);
    let line = next_line();
    let caught = catch(|| v.reshape([4, 2]));
    assert_misuse(&caught, line, &[expected]);
}

// ---------------------------------------------------------------------------
// Losses.

const CLASS_OUT_OF_RANGE: &str = "cross_entropy: class index 3 is out of range for 3 classes \
                                  (logits shape [2, 3]); targets must lie in 0..3";

#[test]
fn tensor_cross_entropy_with_a_class_out_of_range_names_it() {
    let (logits, targets) = (ones(&[2, 3]), Indices::new(&[0, 3]));
    let line = next_line();
    let caught = catch(|| logits.cross_entropy(&targets, 0.0));
    assert_misuse(&caught, line, &[CLASS_OUT_OF_RANGE]);
}

#[test]
fn tape_cross_entropy_with_a_class_out_of_range_names_it() {
    let tape = Tape::new();
    let (logits, targets) = (tape.constant(ones(&[2, 3])), Indices::new(&[0, 3]));
    let line = next_line();
    let caught = catch(|| logits.cross_entropy(&targets));
    assert_misuse(&caught, line, &[CLASS_OUT_OF_RANGE]);
    let line = next_line();
    let caught = catch(|| gradflow::nn::loss::cross_entropy(logits, &targets));
    assert_misuse(&caught, line, &[CLASS_OUT_OF_RANGE]);
}

// ---------------------------------------------------------------------------
// Layers.

#[test]
fn dense_given_the_wrong_input_width_says_which_width_it_takes() {
    let mut dense = Dense::<f32>::new(4, 2, Init::xavier_uniform(), &mut rng());
    let tape = Tape::new();
    let x = tape.constant(ones(&[3, 5]));
    let line = next_line();
    let caught = catch(|| dense.forward(x));
    assert_misuse(
        &caught,
        line,
        &[
            "Dense(4 → 2, bias): input of shape [3, 5] has 5 features but the layer takes 4",
            "the input's last dimension must be 4",
        ],
    );
}

#[test]
fn batch_norm_1d_given_the_wrong_number_of_features_names_the_shapes() {
    let mut norm = BatchNorm1d::<f32>::new(4);
    let tape = Tape::new();
    let x = tape.constant(ones(&[3, 5]));
    let line = next_line();
    let caught = catch(|| norm.forward(x));
    assert_misuse(
        &caught,
        line,
        &["BatchNorm1d: expects [N, 4] or [N, 4, L], got [3, 5]"],
    );
}

#[test]
fn batch_norm_2d_given_the_wrong_number_of_channels_names_the_shapes() {
    let mut norm = BatchNorm2d::<f32>::new(4);
    let tape = Tape::new();
    let x = tape.constant(ones(&[3, 5, 2, 2]));
    let line = next_line();
    let caught = catch(|| norm.forward(x));
    assert_misuse(
        &caught,
        line,
        &[
            "BatchNorm2d: expects [N, 4, H, W], got [3, 5, 2, 2]",
            "channels are dimension 1",
        ],
    );
}

#[test]
fn layer_norm_given_the_wrong_trailing_shape_names_the_shapes() {
    let mut norm = LayerNorm::<f32>::new(&[4]);
    let tape = Tape::new();
    let x = tape.constant(ones(&[3, 5]));
    let line = next_line();
    let caught = catch(|| norm.forward(x));
    assert_misuse(
        &caught,
        line,
        &["LayerNorm: input of shape [3, 5] does not end with the normalized shape [4]"],
    );
}

#[test]
fn conv2d_given_the_wrong_input_channels_says_which_shape_fits() {
    let mut conv = Conv2d::<f32>::new(3, 2, (3, 3), Init::xavier_uniform(), &mut rng());
    let tape = Tape::new();
    let x = tape.constant(ones(&[1, 4, 5, 5]));
    let line = next_line();
    let caught = catch(|| conv.forward(x));
    assert_misuse(
        &caught,
        line,
        &[
            "conv2d: input of shape [1, 4, 5, 5] does not fit weight [2, 3, 3, 3]; it must be [N, 3, H, W]",
        ],
    );
}

#[test]
fn recurrent_cells_given_the_wrong_shapes_say_which_shapes_fit() {
    let mut rnn = RnnCell::<f32>::new(3, 4, RnnNonlinearity::Tanh, &mut rng());
    let mut lstm = LstmCell::<f32>::new(3, 4, &mut rng());
    let tape = Tape::new();
    let (x, wide_x) = (tape.constant(ones(&[2, 3])), tape.constant(ones(&[2, 5])));
    let (h, wrong_batch) = (tape.constant(ones(&[2, 4])), tape.constant(ones(&[3, 4])));
    let line = next_line();
    let caught = catch(|| rnn.step(wide_x, h));
    assert_misuse(
        &caught,
        line,
        &["RnnCell: input of shape [2, 5] must be [N, 3]"],
    );
    let line = next_line();
    let caught = catch(|| lstm.step(x, (h, wrong_batch)));
    assert_misuse(
        &caught,
        line,
        &[
            "LstmCell: cell state c of shape [3, 4] must be [2, 4]",
            "start from zeros of that shape",
        ],
    );
    // Through `unroll` (generic over the cell), at the `unroll` call.
    let xs = [x, wide_x];
    let line = next_line();
    let caught = catch(|| unroll(&mut rnn, &xs, h));
    assert_misuse(
        &caught,
        line,
        &["RnnCell: input of shape [2, 5] must be [N, 3]"],
    );
}

// ---------------------------------------------------------------------------
// Modes.

#[test]
fn batch_norm_in_training_mode_with_one_value_per_channel_says_what_to_do() {
    let tape = Tape::new();
    let mut norm = BatchNorm1d::<f32>::new(4);
    let x = tape.constant(ones(&[1, 4]));
    let line = next_line();
    let caught = catch(|| norm.forward(x));
    assert_misuse(
        &caught,
        line,
        &[
            "batch_norm: expected more than 1 value per channel when training, got input of shape [1, 4]",
            "use a batch larger than 1, or evaluation mode",
        ],
    );
    // Evaluation mode normalizes with the running statistics instead.
    gradflow::nn::eval(&mut norm);
    assert_eq!(norm.forward(x).shape(), [1, 4]);

    let mut norm = BatchNorm2d::<f32>::new(4);
    let x = tape.constant(ones(&[1, 4, 1, 1]));
    let line = next_line();
    let caught = catch(|| norm.forward(x));
    assert_misuse(
        &caught,
        line,
        &[
            "more than 1 value per channel when training",
            "[1, 4, 1, 1]",
        ],
    );
}

// ---------------------------------------------------------------------------
// Containers.

/// A layer inside `Sequential` or `Residual` is called through
/// `dyn Layer`; the location reaches the user's line only if
/// `Layer::forward` is `#[track_caller]` in the trait itself.
#[test]
fn containers_point_a_layer_misuse_at_the_callers_line() {
    let mut model =
        Sequential::<f32>::new().push(Dense::new(4, 2, Init::xavier_uniform(), &mut rng()));
    let mut residual = Residual::<f32>::new(Dense::new(4, 4, Init::xavier_uniform(), &mut rng()));
    let tape = Tape::new();
    let x = tape.constant(ones(&[3, 5]));
    let line = next_line();
    let caught = catch(|| model.forward(x));
    assert_misuse(
        &caught,
        line,
        &["Dense(4 → 2, bias): input of shape [3, 5]"],
    );
    let line = next_line();
    let caught = catch(|| residual.forward(x));
    assert_misuse(
        &caught,
        line,
        &["Dense(4 → 4, bias): input of shape [3, 5]"],
    );
}

#[test]
fn containers_pass_a_layer_misuse_message_through() {
    let mut model =
        Sequential::<f32>::new().push(Dense::new(4, 2, Init::xavier_uniform(), &mut rng()));
    let tape = Tape::new();
    let x = tape.constant(ones(&[3, 5]));
    let caught = catch(|| model.forward(x));
    assert!(
        caught
            .message
            .contains("Dense(4 → 2, bias): input of shape [3, 5] has 5 features"),
        "{caught:?}"
    );
}
