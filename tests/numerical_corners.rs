//! Numerical corners give PyTorch's answer, in value and gradient, for
//! `f32` and `f64`: normalization of constant rows and channels, losses and
//! softmax at logits of ±1e4, ±3e38 and ±inf, activations at ±1e4 and ±inf,
//! and the clipping norm of gradients whose squares overflow.
//!
//! Every expected number comes from PyTorch, through
//! `tests/data/numerical_corners.py` (the `TORCH` table at the end of this
//! file is that script's output; rerun it to regenerate). The inputs come
//! from the same table. `docs/numerics.md` lists the corners.
//!
//! Comparison (`assert_torch`): NaN must be NaN and ±inf the same inf; an
//! exact 0 must be 0 (either sign); anything else within a relative
//! `1e-6` (f32) or `1e-12` (f64) of PyTorch's value — relative to
//! `max(|want|, scale)`. `scale` is given only for batch and layer norm:
//! PyTorch's kernels expand them into terms that cancel (batch norm's
//! output is `x·α + β'`), and leave rounding noise of the size of those
//! terms where the exact answer is 0 or small. There, `f32` results are
//! also compared with PyTorch's `f64` answer. The tolerance is never taken
//! below the smallest normal number (subnormal results have fewer bits).

use gradflow::nn::{self, BatchNorm1d, BatchNorm2d, Buffer, Layer, LayerNorm, Module};
use gradflow::optim::{NonFinite, clip_global_norm};
use gradflow::{Error, Indices, Param, Scalar, Tape, Tensor, Var};

const INF: f64 = f64::INFINITY;
const NAN: f64 = f64::NAN;

/// PyTorch's values for `key`.
#[track_caller]
fn torch(key: &str) -> &'static [f64] {
    torch_opt(key).unwrap_or_else(|| {
        panic!("no PyTorch value for {key}: rerun tests/data/numerical_corners.py")
    })
}

fn torch_opt(key: &str) -> Option<&'static [f64]> {
    TORCH.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn dtype<T: Scalar>() -> &'static str {
    if T::DTYPE == "F32" { "f32" } else { "f64" }
}

fn rel<T: Scalar>() -> f64 {
    if T::DTYPE == "F32" { 1e-6 } else { 1e-12 }
}

fn tensor<T: Scalar>(values: &[f64], shape: &[usize]) -> Tensor<T> {
    Tensor::from_vec(values.iter().map(|&v| T::of(v)).collect(), shape).unwrap()
}

fn as_f64<T: Scalar>(t: &Tensor<T>) -> Vec<f64> {
    t.data().iter().map(|v| v.as_f64()).collect()
}

/// Compares `got` with PyTorch's `key` (see the module doc for the rule).
#[track_caller]
fn assert_torch<T: Scalar>(key: &str, got: &[f64]) {
    assert_torch_scaled::<T>(key, got, None);
}

#[track_caller]
fn assert_torch_scaled<T: Scalar>(key: &str, got: &[f64], scale: Option<&[f64]>) {
    let want = torch(key);
    assert_eq!(got.len(), want.len(), "{key}: length");
    let smallest_normal = T::min_positive_value().as_f64();
    let mut bad = Vec::new();
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() {
            g == w
        } else if w == 0.0 && scale.is_none() {
            g == 0.0
        } else {
            let s = scale.map_or(0.0, |s| s[i]);
            let tol = rel::<T>() * w.abs().max(s).max(smallest_normal);
            g.is_finite() && (g - w).abs() <= tol
        };
        if !ok {
            bad.push(format!("[{i}] got {g:e}, PyTorch {w:e}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{key} ({}): {}\n got {got:?}\nwant {want:?}",
        dtype::<T>(),
        bad.join("; ")
    );
}

/// Sets a module's parameters by name.
fn set_params<T: Scalar>(module: &mut dyn Module<T>, values: &[(&str, &[f64])]) {
    module.visit_params_mut(&mut |name, p| {
        let (_, v) = values.iter().find(|(n, _)| *n == name).expect("parameter");
        p.set(tensor(v, p.shape()));
    });
}

/// A module's parameter ids by name.
fn param_id<T: Scalar>(module: &dyn Module<T>, name: &str) -> gradflow::ParamId {
    let mut id = None;
    module.visit_params(&mut |n, p| {
        if n == name {
            id = Some(p.id());
        }
    });
    id.expect("parameter")
}

fn buffer<T: Scalar>(module: &dyn Module<T>, name: &str) -> Vec<f64> {
    let mut out = None;
    module.visit_buffers(&mut |n, b| {
        if let (true, Buffer::Tensor(t)) = (n == name, b) {
            out = Some(as_f64(t));
        }
    });
    out.expect("buffer")
}

// ---------------------------------------------------------------------------
// Layer norm of a constant row

/// Rows 0 and 1 of the `[3, 3]` input are constant, row 2 is `[1, 2, 4]`.
/// Runs the tape op (`Var::layer_norm`) and the module (`nn::LayerNorm`).
fn layer_norm_case<T: Scalar>(constants: &str, affine: bool, eps: f64) {
    let kind = if affine { "affine" } else { "plain" };
    let eps_name = if eps == 0.0 { "0" } else { "1e-05" };
    let key = format!(
        "layer_norm/{constants}_{kind}_eps{eps_name}/{}",
        dtype::<T>()
    );
    let x = tensor::<T>(torch(&format!("{key}/x")), &[3, 3]);
    let w = tensor::<T>(torch("layer_norm/w"), &[3, 3]);
    let (gamma, beta) = (torch("layer_norm/gamma"), torch("layer_norm/beta"));

    // The tape op.
    let tape = Tape::<T>::new();
    let xv = tape.leaf(x.clone());
    let g = tape.leaf(tensor(gamma, &[3]));
    let b = tape.leaf(tensor(beta, &[3]));
    let affine_vars = if affine {
        (Some(g), Some(b))
    } else {
        (None, None)
    };
    let y = xv.layer_norm(3, affine_vars.0, affine_vars.1, T::of(eps));
    let y_value = y.value();
    let grads = tape.backward((y * tape.constant(w.clone())).sum_all());
    let y = as_f64(&y_value);
    assert_torch::<T>(&format!("{key}/y"), &y);
    let dx = as_f64(grads.wrt(xv).unwrap());
    assert_ln_grads::<T>(
        &key,
        &dx,
        affine.then(|| (grads.wrt(g).unwrap(), grads.wrt(b).unwrap())),
    );
    if eps != 0.0 {
        // A constant row normalizes to exactly 0: the output is β itself.
        for j in 0..6 {
            let want = if affine {
                T::of(beta[j % 3]).as_f64()
            } else {
                0.0
            };
            assert_eq!(y[j], want, "{key}: constant rows give exactly β");
        }
    }

    // The module.
    let mut layer = LayerNorm::<T>::new(&[3]).with_eps(eps);
    if affine {
        set_params(&mut layer, &[("weight", gamma), ("bias", beta)]);
    } else {
        layer = layer.without_affine();
    }
    let tape = Tape::<T>::new();
    let xv = tape.leaf(x);
    let y = layer.forward(xv);
    let y_value = y.value();
    let grads = tape.backward((y * tape.constant(w)).sum_all());
    assert_torch::<T>(&format!("{key}/y"), &as_f64(&y_value));
    let dx = as_f64(grads.wrt(xv).unwrap());
    let affine_grads = affine.then(|| {
        let dgamma = grads.get_id(param_id(&layer, "weight")).unwrap();
        let dbeta = grads.get_id(param_id(&layer, "bias")).unwrap();
        (dgamma, dbeta)
    });
    assert_ln_grads::<T>(&key, &dx, affine_grads);
}

/// PyTorch's layer-norm backward expands `dx` and `dγ` into terms that
/// cancel (for a constant row they are of size `|x|/√eps`), so its `f32`
/// values carry that rounding: compare within its scale, and, in `f32`,
/// also with PyTorch's `f64` answer (what the exact arithmetic gives).
#[track_caller]
fn assert_ln_grads<T: Scalar>(key: &str, dx: &[f64], affine: Option<(&Tensor<T>, &Tensor<T>)>) {
    assert_torch_scaled::<T>(
        &format!("{key}/dx"),
        dx,
        Some(torch(&format!("{key}/dx_scale"))),
    );
    assert_near_f64_answer::<T>(&format!("{key}/dx"), dx);
    if let Some((dgamma, dbeta)) = affine {
        let dgamma = as_f64(dgamma);
        let scale = torch(&format!("{key}/dgamma_scale"));
        assert_torch_scaled::<T>(&format!("{key}/dgamma"), &dgamma, Some(scale));
        assert_near_f64_answer::<T>(&format!("{key}/dgamma"), &dgamma);
        assert_torch::<T>(&format!("{key}/dbeta"), &as_f64(dbeta));
    }
}

/// In `f32`: `got` within `1e-6` of the largest magnitude of PyTorch's
/// `f64` answer for the same inputs (NaN where it is NaN).
#[track_caller]
fn assert_near_f64_answer<T: Scalar>(key: &str, got: &[f64]) {
    if T::DTYPE != "F32" {
        return;
    }
    let want = torch(&key.replace("/f32/", "/f64/"));
    let size = want
        .iter()
        .filter(|w| w.is_finite())
        .fold(0.0f64, |a, w| a.max(w.abs()));
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = if w.is_finite() {
            (g - w).abs() <= 1e-6 * size
        } else {
            g.is_nan() == w.is_nan()
        };
        assert!(
            ok,
            "{key}[{i}]: got {g:e}, PyTorch's f64 answer {w:e}\n got {got:?}\nwant {want:?}"
        );
    }
}

#[test]
fn layer_norm_of_a_constant_row_is_exactly_beta_with_pytorchs_gradient() {
    for constants in ["small", "large"] {
        for affine in [true, false] {
            layer_norm_case::<f32>(constants, affine, 1e-5);
            layer_norm_case::<f64>(constants, affine, 1e-5);
        }
    }
}

#[test]
fn layer_norm_of_a_constant_row_with_eps_zero_is_nan_as_pytorch() {
    for constants in ["small", "large"] {
        for affine in [true, false] {
            layer_norm_case::<f32>(constants, affine, 0.0);
            layer_norm_case::<f64>(constants, affine, 0.0);
        }
    }
}

// ---------------------------------------------------------------------------
// Batch norm of a constant channel

/// Channel 0 holds the constant `c`, channel 1 varied values. Training
/// step (value, gradients, running statistics), then evaluation mode on the
/// same input.
fn batch_norm_case<T: Scalar, L: Layer<T> + Module<T>>(
    corner: &str,
    c: &str,
    affine: bool,
    mut layer: L,
    shape: &[usize],
) {
    let kind = if affine { "affine" } else { "plain" };
    let key = format!("{corner}/{c}_{kind}/{}", dtype::<T>());
    let at = |q: &str| format!("{key}/{q}");
    let (gamma, beta) = (torch("batch_norm/gamma"), torch("batch_norm/beta"));
    if affine {
        set_params(&mut layer, &[("weight", gamma), ("bias", beta)]);
    }
    let x = tensor::<T>(torch(&at("x")), shape);
    let w = tensor::<T>(torch(&format!("{corner}/w")), shape);
    let per_channel: usize = shape.iter().product::<usize>() / shape[0] / 2;
    let channel_of = |i: usize| (i / per_channel) % 2;

    let tape = Tape::<T>::new();
    let xv = tape.leaf(x.clone());
    let y = layer.forward(xv);
    let y_value = y.value();
    let grads = tape.backward((y * tape.constant(w.clone())).sum_all());
    let y = as_f64(&y_value);
    assert_torch_scaled::<T>(&at("y"), &y, Some(torch(&at("y_scale"))));
    let dx = as_f64(grads.wrt(xv).unwrap());
    assert_torch_scaled::<T>(&at("dx"), &dx, Some(torch(&at("dx_scale"))));
    assert_near_f64_answer::<T>(&at("dx"), &dx);
    // The constant channel normalizes to exactly 0: the output is β itself
    // (PyTorch: 0 up to the rounding of x·α, checked above).
    for (i, &v) in y.iter().enumerate() {
        if channel_of(i) == 0 {
            let want = if affine { T::of(beta[0]).as_f64() } else { 0.0 };
            assert_eq!(v, want, "{key}: the constant channel gives exactly β");
        }
    }
    if affine {
        let dgamma = as_f64(grads.get_id(param_id(&layer, "weight")).unwrap());
        assert_torch_scaled::<T>(&at("dgamma"), &dgamma, Some(torch(&at("dgamma_scale"))));
        assert_near_f64_answer::<T>(&at("dgamma"), &dgamma);
        assert_eq!(dgamma[0], 0.0, "{key}: x̂ = 0 gives no weight gradient");
        let dbeta = grads.get_id(param_id(&layer, "bias")).unwrap();
        assert_torch::<T>(&at("dbeta"), &as_f64(dbeta));
    }
    // Unbiased variance in the running estimate: 0 for the constant channel.
    assert_torch::<T>(&at("running_mean"), &buffer(&layer, "running_mean"));
    assert_torch::<T>(&at("running_var"), &buffer(&layer, "running_var"));

    nn::eval(&mut layer);
    let tape = Tape::<T>::new();
    let xv = tape.leaf(x);
    let y = layer.forward(xv);
    let y_value = y.value();
    let grads = tape.backward((y * tape.constant(w)).sum_all());
    assert_torch::<T>(&at("eval_y"), &as_f64(&y_value));
    assert_torch::<T>(&at("eval_dx"), &as_f64(grads.wrt(xv).unwrap()));
    if affine {
        let dgamma = grads.get_id(param_id(&layer, "weight")).unwrap();
        let dbeta = grads.get_id(param_id(&layer, "bias")).unwrap();
        assert_torch::<T>(&at("eval_dgamma"), &as_f64(dgamma));
        assert_torch::<T>(&at("eval_dbeta"), &as_f64(dbeta));
    }
}

const BN_CONSTANTS: [&str; 4] = ["0.1", "-7.3", "3", "10000"];

#[test]
fn batch_norm1d_of_a_constant_feature_matches_pytorch_in_train_and_eval() {
    for c in BN_CONSTANTS {
        for affine in [true, false] {
            let layer = |l: BatchNorm1d<f32>| if affine { l } else { l.without_affine() };
            batch_norm_case::<f32, _>(
                "batch_norm1d",
                c,
                affine,
                layer(BatchNorm1d::new(2)),
                &[3, 2],
            );
            let layer = |l: BatchNorm1d<f64>| if affine { l } else { l.without_affine() };
            batch_norm_case::<f64, _>(
                "batch_norm1d",
                c,
                affine,
                layer(BatchNorm1d::new(2)),
                &[3, 2],
            );
        }
    }
}

#[test]
fn batch_norm2d_of_a_constant_channel_matches_pytorch_in_train_and_eval() {
    let shape = [2, 2, 2, 2];
    for c in BN_CONSTANTS {
        for affine in [true, false] {
            let layer = |l: BatchNorm2d<f32>| if affine { l } else { l.without_affine() };
            batch_norm_case::<f32, _>(
                "batch_norm2d",
                c,
                affine,
                layer(BatchNorm2d::new(2)),
                &shape,
            );
            let layer = |l: BatchNorm2d<f64>| if affine { l } else { l.without_affine() };
            batch_norm_case::<f64, _>(
                "batch_norm2d",
                c,
                affine,
                layer(BatchNorm2d::new(2)),
                &shape,
            );
        }
    }
}

#[test]
fn batch_norm_tape_op_of_a_constant_channel_with_eps_zero_is_nan() {
    // PyTorch refuses eps = 0 in training ("eps must be positive"); the
    // tape op accepts it and gives 0·inf = NaN on the constant channel,
    // as PyTorch's layer norm does for a constant row.
    let tape = Tape::<f64>::new();
    let x = tape.leaf(tensor(&[0.1, 1.0, 0.1, 2.0, 0.1, 4.0], &[3, 2]));
    let (y, stats) = x.batch_norm(None, None, 0.0);
    assert_eq!(stats.var.to_vec()[0], 0.0);
    let y_value = y.value();
    let grads = tape.backward((y * y).sum_all());
    let (y, dx) = (y_value.to_vec(), grads.wrt(x).unwrap().to_vec());
    for i in [0, 2, 4] {
        assert!(y[i].is_nan() && dx[i].is_nan());
    }
    for i in [1, 3, 5] {
        assert!(y[i].is_finite() && dx[i].is_finite());
    }
}

// ---------------------------------------------------------------------------
// Softmax, log-softmax and logsumexp at infinite and huge logits

const SOFTMAX_ROWS: [&str; 10] = [
    "one_neg_inf",
    "all_neg_inf",
    "one_pos_inf",
    "two_pos_inf",
    "pos_and_neg_inf",
    "neg_and_pos_inf",
    "ties_and_neg_inf",
    "mixed_1e4",
    "mixed_3e38",
    "tied_3e38",
];

/// Runs `function` on each row `[1, 3]` with the upstream gradient
/// `[1, 2, 3]` (or 1 for logsumexp's single output).
fn softmax_family_case<T: Scalar>(function: &str) {
    for row in SOFTMAX_ROWS {
        let key = format!("{function}/{row}/{}", dtype::<T>());
        let tape = Tape::<T>::new();
        let x = tape.leaf(tensor(torch(&format!("{key}/x")), &[1, 3]));
        let (y, w) = match function {
            "softmax" => (x.softmax(1), torch("softmax/w")),
            "log_softmax" => (x.log_softmax(1), torch("softmax/w")),
            _ => (x.logsumexp(1, false), &[1.0][..]),
        };
        let w = tape.constant(tensor(w, y.shape().dims()));
        let y_value = y.value();
        let grads = tape.backward((y * w).sum_all());
        assert_torch::<T>(&format!("{key}/y"), &as_f64(&y_value));
        assert_torch::<T>(&format!("{key}/dx"), &as_f64(grads.wrt(x).unwrap()));
    }
}

#[test]
fn softmax_at_infinite_and_huge_logits_matches_pytorch() {
    softmax_family_case::<f32>("softmax");
    softmax_family_case::<f64>("softmax");
}

#[test]
fn log_softmax_at_infinite_and_huge_logits_matches_pytorch() {
    softmax_family_case::<f32>("log_softmax");
    softmax_family_case::<f64>("log_softmax");
}

#[test]
fn logsumexp_at_infinite_and_huge_logits_matches_pytorch() {
    softmax_family_case::<f32>("logsumexp");
    softmax_family_case::<f64>("logsumexp");
}

// ---------------------------------------------------------------------------
// Class losses

fn targets(key: &str) -> Indices {
    let t: Vec<usize> = torch(&format!("{key}/targets"))
        .iter()
        .map(|&v| v as usize)
        .collect();
    Indices::new(&t)
}

fn cross_entropy_case<T: Scalar>(case: &str) {
    for (ls, ls_name) in [(0.0, "0"), (0.1, "0.1")] {
        let key = format!("cross_entropy/{case}_ls{ls_name}/{}", dtype::<T>());
        let x = torch(&format!("{key}/x"));
        let t = targets(&key);
        let tape = Tape::<T>::new();
        let xv = tape.leaf(tensor(x, &[x.len() / 3, 3]));
        let loss = if ls == 0.0 {
            nn::loss::cross_entropy(xv, &t)
        } else {
            nn::loss::cross_entropy_smoothed(xv, &t, T::of(ls))
        };
        let loss_value = loss.value();
        let grads = tape.backward(loss);
        assert_torch::<T>(&format!("{key}/loss"), &as_f64(&loss_value));
        assert_torch::<T>(&format!("{key}/dx"), &as_f64(grads.wrt(xv).unwrap()));
    }
}

#[test]
fn cross_entropy_at_logits_plus_minus_1e4_matches_pytorch() {
    for case in [
        "target_at_max",
        "target_at_min",
        "target_at_zero",
        "all_plus_1e4",
        "all_minus_1e4",
        "two_rows",
    ] {
        cross_entropy_case::<f32>(case);
        cross_entropy_case::<f64>(case);
    }
}

#[test]
fn cross_entropy_with_a_minus_inf_logit_matches_pytorch() {
    // A masked class: finite loss unless it is the target (or label
    // smoothing spreads mass onto it): then inf, with a finite gradient.
    for case in ["masked_class_is_target", "masked_class_not_target"] {
        cross_entropy_case::<f32>(case);
        cross_entropy_case::<f64>(case);
    }
}

#[test]
fn cross_entropy_at_logits_plus_minus_3e38_matches_pytorch() {
    // f32: the loss 6e38 overflows to inf; the gradient stays finite.
    cross_entropy_case::<f32>("plus_minus_3e38");
    cross_entropy_case::<f64>("plus_minus_3e38");
}

fn nll_case<T: Scalar>(case: &str) {
    let key = format!("nll/{case}/{}", dtype::<T>());
    let tape = Tape::<T>::new();
    let x = tape.leaf(tensor(torch(&format!("{key}/x")), &[1, 3]));
    let loss = nn::loss::nll(x, &targets(&key));
    let loss_value = loss.value();
    let grads = tape.backward(loss);
    assert_torch::<T>(&format!("{key}/loss"), &as_f64(&loss_value));
    assert_torch::<T>(&format!("{key}/dx"), &as_f64(grads.wrt(x).unwrap()));
}

#[test]
fn nll_at_plus_minus_1e4_and_minus_inf_matches_pytorch() {
    for case in ["plus_minus_1e4", "neg_inf_at_target", "neg_inf_elsewhere"] {
        nll_case::<f32>(case);
        nll_case::<f64>(case);
    }
}

fn bce_case<T: Scalar>(case: &str) {
    let key = format!("bce_with_logits/{case}/{}", dtype::<T>());
    let (x, y) = (torch(&format!("{key}/x")), torch(&format!("{key}/y")));
    let tape = Tape::<T>::new();
    let xv = tape.leaf(tensor(x, &[x.len()]));
    let yv = tape.leaf(tensor(y, &[y.len()]));
    let loss = nn::loss::bce_with_logits(xv, yv);
    let loss_value = loss.value();
    let grads = tape.backward(loss);
    assert_torch::<T>(&format!("{key}/loss"), &as_f64(&loss_value));
    assert_torch::<T>(&format!("{key}/dx"), &as_f64(grads.wrt(xv).unwrap()));
    assert_torch::<T>(&format!("{key}/dy"), &as_f64(grads.wrt(yv).unwrap()));
}

#[test]
fn bce_with_logits_at_plus_minus_1e4_matches_pytorch() {
    for case in [
        "point0",
        "point1",
        "point2",
        "point3",
        "point4",
        "batch_1e4",
    ] {
        bce_case::<f32>(case);
        bce_case::<f64>(case);
    }
}

#[test]
fn bce_with_logits_at_infinite_logits_is_nan_or_inf_as_pytorch() {
    // PyTorch's (1 - y)·x - logsigmoid(x): NaN at (inf, 1), (-inf, 0) and
    // (-inf, 1), where 0·inf or inf - inf appears; inf at (inf, 0).
    for case in ["point5", "point6", "point7", "point8"] {
        bce_case::<f32>(case);
        bce_case::<f64>(case);
    }
}

#[test]
fn bce_with_logits_at_plus_minus_3e38_matches_pytorch() {
    // f32: each element's loss is 3e38; their mean's sum overflows to inf.
    for case in ["point9", "point10", "batch_3e38"] {
        bce_case::<f32>(case);
        bce_case::<f64>(case);
    }
}

// ---------------------------------------------------------------------------
// Activations at ±1e4, ±inf, ±3e38, ±100 and 0

/// `f` on every point at once; the gradient of the sum is `f'` per point.
fn activation_case<T: Scalar>(name: &str, f: impl for<'t> Fn(Var<'t, T>) -> Var<'t, T>) {
    let points = torch("activation/x");
    let tape = Tape::<T>::new();
    let x = tape.leaf(tensor(points, &[points.len()]));
    let y = f(x);
    let y_value = y.value();
    let grads = tape.backward(y.sum_all());
    let key = format!("activation/{name}/{}", dtype::<T>());
    assert_torch::<T>(&format!("{key}/y"), &as_f64(&y_value));
    assert_torch::<T>(&format!("{key}/dx"), &as_f64(grads.wrt(x).unwrap()));
}

/// Checks the op and its `nn` layer, in `f32` and `f64`.
macro_rules! activation_test {
    ($test:ident, $name:literal, |$x:ident| $op:expr, $layer:expr) => {
        #[test]
        fn $test() {
            fn both<T: Scalar>() {
                activation_case::<T>($name, |$x| $op);
                activation_case::<T>($name, |x| $layer.forward(x));
            }
            both::<f32>();
            both::<f64>();
        }
    };
}

activation_test!(
    sigmoid_at_huge_and_infinite_inputs_matches_pytorch,
    "sigmoid",
    |x| x.sigmoid(),
    nn::Sigmoid
);
activation_test!(
    tanh_at_huge_and_infinite_inputs_matches_pytorch,
    "tanh",
    |x| x.tanh(),
    nn::Tanh
);
activation_test!(
    relu_at_huge_and_infinite_inputs_matches_pytorch,
    "relu",
    |x| x.relu(),
    nn::Relu
);
activation_test!(
    leaky_relu_at_huge_and_infinite_inputs_matches_pytorch,
    "leaky_relu",
    |x| x.leaky_relu(T::of(0.01)),
    nn::LeakyRelu {
        negative_slope: 0.01
    }
);
activation_test!(
    elu_at_huge_and_infinite_inputs_matches_pytorch,
    "elu",
    |x| x.elu(T::of(1.0)),
    nn::Elu { alpha: 1.0 }
);
activation_test!(
    elu_with_alpha_half_at_huge_and_infinite_inputs_matches_pytorch,
    "elu_alpha_0.5",
    |x| x.elu(T::of(0.5)),
    nn::Elu { alpha: 0.5 }
);
activation_test!(
    gelu_at_huge_and_infinite_inputs_matches_pytorch,
    "gelu",
    |x| x.gelu(),
    nn::Gelu {
        tanh_approximation: false
    }
);
activation_test!(
    gelu_tanh_at_huge_and_infinite_inputs_matches_pytorch,
    "gelu_tanh",
    |x| x.gelu_tanh(),
    nn::Gelu {
        tanh_approximation: true
    }
);
activation_test!(
    softplus_at_huge_and_infinite_inputs_matches_pytorch,
    "softplus",
    |x| x.softplus(),
    nn::Softplus::default()
);
activation_test!(
    softplus_with_beta_and_threshold_at_huge_and_infinite_inputs_matches_pytorch,
    "softplus_beta2_threshold5",
    |x| x.softplus_with(T::of(2.0), T::of(5.0)),
    nn::Softplus {
        beta: 2.0,
        threshold: 5.0
    }
);
activation_test!(
    silu_at_huge_and_infinite_inputs_matches_pytorch,
    "silu",
    |x| x.silu(),
    nn::Silu
);
/// PyTorch differentiates softsign `x/(1 + |x|)` by the quotient rule,
/// whose two terms cancel at large `|x|`: in f32 9.99717e-9 at 1e4, where
/// `1/10001²` = 9.99800e-9 (8e-5 off); in f64 0 at 3e38, where the
/// derivative is 1.1e-77. gradflow computes `1/(1 + |x|)²` directly. So the
/// value and the NaN/inf pattern of the gradient (NaN at ±inf, as the
/// value) are PyTorch's, and the finite gradients the exact derivative.
fn softsign_case<T: Scalar>(f: impl for<'t> Fn(Var<'t, T>) -> Var<'t, T>) {
    let points = torch("activation/x");
    let tape = Tape::<T>::new();
    let x = tape.leaf(tensor(points, &[points.len()]));
    let y = f(x);
    let y_value = y.value();
    let grads = tape.backward(y.sum_all());
    let key = format!("activation/softsign/{}", dtype::<T>());
    assert_torch::<T>(&format!("{key}/y"), &as_f64(&y_value));
    let dx = as_f64(grads.wrt(x).unwrap());
    for (i, (&g, &w)) in dx.iter().zip(torch(&format!("{key}/dx"))).enumerate() {
        let x = T::of(points[i]).as_f64();
        let exact = T::of(1.0 / ((1.0 + x.abs()) * (1.0 + x.abs()))).as_f64();
        let ok = if w.is_nan() {
            g.is_nan()
        } else {
            w.is_finite() && (g - exact).abs() <= rel::<T>() * exact
        };
        assert!(
            ok,
            "softsign'({x:e}) in {}: got {g:e}, exact {exact:e}, PyTorch {w:e}",
            dtype::<T>()
        );
    }
    // The cancellation, in PyTorch's own numbers.
    let pytorch_f32 = torch("activation/softsign/f32/dx")[0];
    assert!((pytorch_f32 * 10001.0 * 10001.0 - 1.0).abs() > 1e-5);
    assert_eq!(torch("activation/softsign/f64/dx")[4], 0.0);
}

#[test]
fn softsign_at_huge_and_infinite_inputs_matches_pytorch_up_to_its_cancellation() {
    softsign_case::<f32>(|x| x.softsign());
    softsign_case::<f64>(|x| x.softsign());
    softsign_case::<f32>(|x| nn::Softsign.forward(x));
    softsign_case::<f64>(|x| nn::Softsign.forward(x));
}

#[test]
fn exp_at_huge_and_infinite_inputs_matches_pytorch() {
    activation_case::<f32>("exp", |x| x.exp());
    activation_case::<f64>("exp", |x| x.exp());
}

// ---------------------------------------------------------------------------
// Clipping by the global norm

/// Two parameters, `a` and `b`.
struct TwoParams<T: Scalar> {
    a: Param<T>,
    b: Param<T>,
}

impl<T: Scalar> Module<T> for TwoParams<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        f("a", &self.a);
        f("b", &self.b);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        f("a", &mut self.a);
        f("b", &mut self.b);
    }

    fn describe(&self) -> String {
        "TwoParams".to_string()
    }
}

/// `clip_global_norm(max_norm = 1)` on the gradients `g0`, `g1` of the case;
/// returns the report under `policy` and the clipped gradients.
fn clip_case<T: Scalar>(
    case: &str,
    policy: NonFinite,
) -> (
    gradflow::Result<gradflow::optim::ClipReport>,
    Vec<f64>,
    Vec<f64>,
) {
    let key = format!("clip_grad_norm/{case}/{}", dtype::<T>());
    let (g0, g1) = (torch(&format!("{key}/g0")), torch(&format!("{key}/g1")));
    let model = TwoParams {
        a: Param::new(Tensor::<T>::zeros([g0.len()])),
        b: Param::new(Tensor::<T>::zeros([g1.len()])),
    };
    // ∂/∂p Σ p·c = c exactly, NaN and inf included.
    let tape = Tape::<T>::new();
    let loss = (tape.param(&model.a) * tape.constant(tensor(g0, &[g0.len()]))).sum_all()
        + (tape.param(&model.b) * tape.constant(tensor(g1, &[g1.len()]))).sum_all();
    let mut grads = tape.backward(loss);
    let report = clip_global_norm(&model, &mut grads, 1.0, policy);
    let a = as_f64(grads.get(&model.a).unwrap());
    let b = as_f64(grads.get(&model.b).unwrap());
    (report, a, b)
}

/// Propagate is PyTorch's arithmetic (`error_if_nonfinite=False`); Error
/// is `error_if_nonfinite=True`, raising exactly when PyTorch's norm is
/// not finite.
fn clip_matches_pytorch<T: Scalar>(case: &str) {
    let key = format!("clip_grad_norm/{case}/{}", dtype::<T>());
    let (report, a, b) = clip_case::<T>(case, NonFinite::Propagate);
    let report = report.unwrap();
    assert_torch::<T>(&format!("{key}/norm"), &[report.norm_before]);
    assert_torch::<T>(&format!("{key}/clipped_g0"), &a);
    assert_torch::<T>(&format!("{key}/clipped_g1"), &b);
    let finite = torch(&format!("{key}/norm"))[0].is_finite();
    match clip_case::<T>(case, NonFinite::Error).0 {
        Ok(r) => assert!(finite, "{key}: PyTorch's norm is not finite, ours {r:?}"),
        Err(Error::NonFiniteGradient { norm, .. }) => {
            assert!(!finite, "{key}: PyTorch's norm is finite, ours {norm}")
        }
        Err(other) => panic!("{key}: {other}"),
    }
}

#[test]
fn clip_global_norm_of_f32_gradients_whose_squares_overflow_is_inf_as_pytorch() {
    // PyTorch sums squares in the gradients' dtype: 1e20² overflows f32, so
    // the norm is inf and the scale 0; f64 holds them and clips normally.
    for case in [
        "squares_overflow_1e20",
        "squares_overflow_3e38",
        "squares_overflow_1e20_and_3e38",
        "sum_of_squares_overflows_4x1e19",
    ] {
        clip_matches_pytorch::<f32>(case);
        clip_matches_pytorch::<f64>(case);
    }
}

#[test]
fn clip_global_norm_of_non_finite_and_ordinary_gradients_matches_pytorch() {
    for case in ["infinite_element", "nan_element", "ordinary_3_4"] {
        clip_matches_pytorch::<f32>(case);
        clip_matches_pytorch::<f64>(case);
    }
}

#[test]
fn clip_global_norm_of_f32_gradients_whose_squares_underflow_matches_pytorch() {
    // Both sum squares in f32: 1e-25² underflows to 0, so the reported norm
    // is 0, and the scale 1 (the 1e-6 term dominates either way).
    for case in ["squares_underflow_1e-25", "squares_underflow_1e-30_with_1"] {
        clip_matches_pytorch::<f32>(case);
        clip_matches_pytorch::<f64>(case);
    }
}

// ---------------------------------------------------------------------------
// PyTorch's values

// BEGIN GENERATED by tests/data/numerical_corners.py
// torch 2.15.0+cu132
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // PyTorch's numbers, e.g. ln 2, as printed
const TORCH: &[(&str, &[f64])] = &[
    ("layer_norm/small_affine_eps1e-05/f32/x", &[0.10000000149011612, 0.10000000149011612, 0.10000000149011612, -7.300000190734863, -7.300000190734863, -7.300000190734863, 1.0, 2.0, 4.0]),
    ("layer_norm/small_affine_eps1e-05/f32/y", &[0.10000000149011612, -0.20000000298023224, 0.30000001192092896, 0.10000000149011612, -0.20000000298023224, 0.30000001192092896, -0.4345206916332245, -0.7345205545425415, -1.7044527530670166]),
    ("layer_norm/small_affine_eps1e-05/f32/dx", &[158.1138916015625, 1264.9111328125, -1423.0250244140625, 105.40927124023438, 579.7509765625, -685.16015625, 0.4581655263900757, -0.6872396469116211, 0.22907434403896332]),
    ("layer_norm/small_affine_eps1e-05/f32/dx_scale", &[3795840.1024749754, 3796946.8996560345, 3797105.013539043, 10111067751.44309, 10111067909.556974, 10111068542.012506, 14.632420057155134, 20.144639682324488, 28.362844912606164]),
    ("layer_norm/small_affine_eps1e-05/f32/dgamma", &[-0.267272412776947, 0.26726847887039185, 2.004481077194214]),
    ("layer_norm/small_affine_eps1e-05/f32/dbeta", &[0.25, 1.5, 6.5]),
    ("layer_norm/small_affine_eps1e-05/f32/dgamma_scale", &[4680.839209580108, 2438.4282455073894, 9431.204592303287]),
    ("layer_norm/small_affine_eps0/f32/x", &[0.10000000149011612, 0.10000000149011612, 0.10000000149011612, -7.300000190734863, -7.300000190734863, -7.300000190734863, 1.0, 2.0, 4.0]),
    ("layer_norm/small_affine_eps0/f32/y", &[NAN, NAN, NAN, NAN, NAN, NAN, -0.434522420167923, -0.7345223426818848, -1.704459309577942]),
    ("layer_norm/small_affine_eps0/f32/dx", &[NAN, NAN, NAN, NAN, NAN, NAN, 0.45816218852996826, -0.6872430443763733, 0.22908109426498413]),
    ("layer_norm/small_affine_eps0/f32/dx_scale", &[INF, INF, INF, INF, INF, INF, 14.632552994705238, 20.144816109148994, 28.363099297956044]),
    ("layer_norm/small_affine_eps0/f32/dgamma", &[NAN, NAN, NAN]),
    ("layer_norm/small_affine_eps0/f32/dbeta", &[0.25, 1.5, 6.5]),
    ("layer_norm/small_affine_eps0/f32/dgamma_scale", &[INF, INF, INF]),
    ("layer_norm/small_plain_eps1e-05/f32/x", &[0.10000000149011612, 0.10000000149011612, 0.10000000149011612, -7.300000190734863, -7.300000190734863, -7.300000190734863, 1.0, 2.0, 4.0]),
    ("layer_norm/small_plain_eps1e-05/f32/y", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.06904137134552, -0.26726028323173523, 1.3363018035888672]),
    ("layer_norm/small_plain_eps1e-05/f32/dx", &[-316.2278137207031, 0.0, 316.227783203125, -474.3416748046875, 0.0, 474.3416748046875, 0.5726969242095947, -0.8590520620346069, 0.28635501861572266]),
    ("layer_norm/small_plain_eps1e-05/f32/dx_scale", &[2530770.8868273287, 2531087.114593345, 2531403.342359362, 7864163999.928262, 7864163841.814379, 7864164316.156028, 9.334969375683979, 12.456172647824264, 17.896798043517105]),
    ("layer_norm/small_plain_eps0/f32/x", &[0.10000000149011612, 0.10000000149011612, 0.10000000149011612, -7.300000190734863, -7.300000190734863, -7.300000190734863, 1.0, 2.0, 4.0]),
    ("layer_norm/small_plain_eps0/f32/y", &[NAN, NAN, NAN, NAN, NAN, NAN, -1.069044828414917, -0.26726117730140686, 1.3363062143325806]),
    ("layer_norm/small_plain_eps0/f32/dx", &[NAN, NAN, NAN, NAN, NAN, NAN, 0.5727025270462036, -0.8590540289878845, 0.28635138273239136]),
    ("layer_norm/small_plain_eps0/f32/dx_scale", &[INF, INF, INF, INF, INF, INF, 9.335053378226826, 12.456282881989784, 17.89695816377842]),
    ("layer_norm/large_affine_eps1e-05/f32/x", &[3.0, 3.0, 3.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0]),
    ("layer_norm/large_affine_eps1e-05/f32/y", &[0.10000000149011612, -0.20000000298023224, 0.30000001192092896, 0.10000000149011612, -0.20000000298023224, 0.30000001192092896, -0.4345206916332245, -0.7345205545425415, -1.7044527530670166]),
    ("layer_norm/large_affine_eps1e-05/f32/dx", &[158.1138916015625, 1264.9111328125, -1423.0250244140625, 105.40927124023438, 579.7509765625, -685.16015625, 0.4581655263900757, -0.6872396469116211, 0.22907434403896332]),
    ("layer_norm/large_affine_eps1e-05/f32/dx_scale", &[3415260979.77903, 3415262086.576211, 3415262244.690094, 1.8973665961010908e+16, 1.8973665961011064e+16, 1.8973665961011696e+16, 14.632420057155134, 20.144639682324488, 28.362844912606164]),
    ("layer_norm/large_affine_eps1e-05/f32/dgamma", &[-0.34929159283638, 0.3082759380340576, 2.168515205383301]),
    ("layer_norm/large_affine_eps1e-05/f32/dbeta", &[0.25, 1.5, 6.5]),
    ("layer_norm/large_affine_eps1e-05/f32/dgamma_scale", &[6326453.355083816, 3166075.8677455583, 12654810.35738273]),
    ("layer_norm/large_affine_eps0/f32/x", &[3.0, 3.0, 3.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0]),
    ("layer_norm/large_affine_eps0/f32/y", &[NAN, NAN, NAN, NAN, NAN, NAN, -0.434522420167923, -0.7345223426818848, -1.704459309577942]),
    ("layer_norm/large_affine_eps0/f32/dx", &[NAN, NAN, NAN, NAN, NAN, NAN, 0.45816218852996826, -0.6872430443763733, 0.22908109426498413]),
    ("layer_norm/large_affine_eps0/f32/dx_scale", &[INF, INF, INF, INF, INF, INF, 14.632552994705238, 20.144816109148994, 28.363099297956044]),
    ("layer_norm/large_affine_eps0/f32/dgamma", &[NAN, NAN, NAN]),
    ("layer_norm/large_affine_eps0/f32/dbeta", &[0.25, 1.5, 6.5]),
    ("layer_norm/large_affine_eps0/f32/dgamma_scale", &[INF, INF, INF]),
    ("layer_norm/large_plain_eps1e-05/f32/x", &[3.0, 3.0, 3.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0]),
    ("layer_norm/large_plain_eps1e-05/f32/y", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.06904137134552, -0.26726028323173523, 1.3363018035888672]),
    ("layer_norm/large_plain_eps1e-05/f32/dx", &[-316.227783203125, 0.0, 316.227783203125, -474.3416748046875, 0.0, 474.3416748046875, 0.5726969242095947, -0.8590520620346069, 0.28635501861572266]),
    ("layer_norm/large_plain_eps1e-05/f32/dx_scale", &[2276840864.0045304, 2276841180.2322965, 2276841496.4600625, 1.4757295747453116e+16, 1.4757295747452958e+16, 1.4757295747453432e+16, 9.334969375683979, 12.456172647824264, 17.896798043517105]),
    ("layer_norm/large_plain_eps0/f32/x", &[3.0, 3.0, 3.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0]),
    ("layer_norm/large_plain_eps0/f32/y", &[NAN, NAN, NAN, NAN, NAN, NAN, -1.069044828414917, -0.26726117730140686, 1.3363062143325806]),
    ("layer_norm/large_plain_eps0/f32/dx", &[NAN, NAN, NAN, NAN, NAN, NAN, 0.5727025270462036, -0.8590540289878845, 0.28635138273239136]),
    ("layer_norm/large_plain_eps0/f32/dx_scale", &[INF, INF, INF, INF, INF, INF, 9.335053378226826, 12.456282881989784, 17.89695816377842]),
    ("layer_norm/small_affine_eps1e-05/f64/x", &[0.1, 0.1, 0.1, -7.3, -7.3, -7.3, 1.0, 2.0, 4.0]),
    ("layer_norm/small_affine_eps1e-05/f64/y", &[0.1, -0.2, 0.3, 0.1, -0.2, 0.3, -0.43452076572514886, -0.7345207657251491, -1.7044528714693077]),
    ("layer_norm/small_affine_eps1e-05/f64/dx", &[158.11388300841895, 1264.9110640673516, -1423.0249470757706, 105.40925533894597, 579.7509043642028, -685.1601597031488, 0.4581654424476443, -0.6872397879758123, 0.22907434552816713]),
    ("layer_norm/small_affine_eps1e-05/f64/dx_scale", &[3795839.9893831136, 3796946.7865641727, 3797104.900447181, 10111067223.077902, 10111067381.191786, 10111068013.647318, 14.632420057155134, 20.144639682324488, 28.362844912606164]),
    ("layer_norm/small_affine_eps1e-05/f64/dgamma", &[-0.2672603828626765, 0.26726038286262466, 2.00445287146951]),
    ("layer_norm/small_affine_eps1e-05/f64/dbeta", &[0.25, 1.5, 6.5]),
    ("layer_norm/small_affine_eps1e-05/f64/dgamma_scale", &[4680.839088006357, 2438.4281833068653, 9431.204348213352]),
    ("layer_norm/small_affine_eps0/f64/x", &[0.1, 0.1, 0.1, -7.3, -7.3, -7.3, 1.0, 2.0, 4.0]),
    ("layer_norm/small_affine_eps0/f64/y", &[NAN, NAN, NAN, NAN, NAN, NAN, -0.4345224838248489, -0.734522483824849, -1.7044593143431828]),
    ("layer_norm/small_affine_eps0/f64/dx", &[NAN, NAN, NAN, NAN, NAN, NAN, 0.4581621289927276, -0.6872431934890915, 0.2290810644963635]),
    ("layer_norm/small_affine_eps0/f64/dx_scale", &[INF, INF, INF, INF, INF, INF, 14.632552994705238, 20.144816109148994, 28.363099297956044]),
    ("layer_norm/small_affine_eps0/f64/dgamma", &[NAN, NAN, NAN]),
    ("layer_norm/small_affine_eps0/f64/dbeta", &[0.25, 1.5, 6.5]),
    ("layer_norm/small_affine_eps0/f64/dgamma_scale", &[INF, INF, INF]),
    ("layer_norm/small_plain_eps1e-05/f64/x", &[0.1, 0.1, 0.1, -7.3, -7.3, -7.3, 1.0, 2.0, 4.0]),
    ("layer_norm/small_plain_eps1e-05/f64/y", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0690415314502977, -0.26726038286257453, 1.3363019143128718]),
    ("layer_norm/small_plain_eps1e-05/f64/dx", &[-316.22776601683785, 0.0, 316.2277660168379, -474.34164902525686, 0.0, 474.34164902525686, 0.5726971387953387, -0.8590521510358193, 0.28635501224048077]),
    ("layer_norm/small_plain_eps1e-05/f64/dx_scale", &[2530770.8114327537, 2531087.03919877, 2531403.266964787, 7864163588.977561, 7864163430.863678, 7864163905.205327, 9.334969375683979, 12.456172647824264, 17.896798043517105]),
    ("layer_norm/small_plain_eps0/f64/x", &[0.1, 0.1, 0.1, -7.3, -7.3, -7.3, 1.0, 2.0, 4.0]),
    ("layer_norm/small_plain_eps0/f64/y", &[NAN, NAN, NAN, NAN, NAN, NAN, -1.0690449676496978, -0.2672612419124245, 1.3363062095621219]),
    ("layer_norm/small_plain_eps0/f64/dx", &[NAN, NAN, NAN, NAN, NAN, NAN, 0.5727026612409095, -0.859053991861364, 0.2863513306204548]),
    ("layer_norm/small_plain_eps0/f64/dx_scale", &[INF, INF, INF, INF, INF, INF, 9.335053378226826, 12.456282881989784, 17.89695816377842]),
    ("layer_norm/large_affine_eps1e-05/f64/x", &[3.0, 3.0, 3.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0]),
    ("layer_norm/large_affine_eps1e-05/f64/y", &[0.1, -0.2, 0.3, 0.1, -0.2, 0.3, -0.43452076572514886, -0.7345207657251491, -1.7044528714693077]),
    ("layer_norm/large_affine_eps1e-05/f64/dx", &[158.11388300841895, 1264.9110640673516, -1423.0249470757706, 105.40925533894597, 579.7509043642028, -685.1601597031488, 0.4581654424476443, -0.6872397879758123, 0.22907434552816713]),
    ("layer_norm/large_affine_eps1e-05/f64/dx_scale", &[3415260979.77903, 3415262086.576211, 3415262244.690094, 1.8973665961010908e+16, 1.8973665961011064e+16, 1.8973665961011696e+16, 14.632420057155134, 20.144639682324488, 28.362844912606164]),
    ("layer_norm/large_affine_eps1e-05/f64/dgamma", &[-0.2672603828261947, 0.2672603828443847, 2.0044528713965484]),
    ("layer_norm/large_affine_eps1e-05/f64/dbeta", &[0.25, 1.5, 6.5]),
    ("layer_norm/large_affine_eps1e-05/f64/dgamma_scale", &[6326453.355083816, 3166075.8677455583, 12654810.35738273]),
    ("layer_norm/large_affine_eps0/f64/x", &[3.0, 3.0, 3.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0]),
    ("layer_norm/large_affine_eps0/f64/y", &[NAN, NAN, NAN, NAN, NAN, NAN, -0.4345224838248489, -0.734522483824849, -1.7044593143431828]),
    ("layer_norm/large_affine_eps0/f64/dx", &[NAN, NAN, NAN, NAN, NAN, NAN, 0.4581621289927276, -0.6872431934890915, 0.2290810644963635]),
    ("layer_norm/large_affine_eps0/f64/dx_scale", &[INF, INF, INF, INF, INF, INF, 14.632552994705238, 20.144816109148994, 28.363099297956044]),
    ("layer_norm/large_affine_eps0/f64/dgamma", &[NAN, NAN, NAN]),
    ("layer_norm/large_affine_eps0/f64/dbeta", &[0.25, 1.5, 6.5]),
    ("layer_norm/large_affine_eps0/f64/dgamma_scale", &[INF, INF, INF]),
    ("layer_norm/large_plain_eps1e-05/f64/x", &[3.0, 3.0, 3.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0]),
    ("layer_norm/large_plain_eps1e-05/f64/y", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0690415314502977, -0.26726038286257453, 1.3363019143128718]),
    ("layer_norm/large_plain_eps1e-05/f64/dx", &[-316.2277660168379, 0.0, 316.2277660168379, -474.34164902525686, 0.0, 474.34164902525686, 0.5726971387953387, -0.8590521510358193, 0.28635501224048077]),
    ("layer_norm/large_plain_eps1e-05/f64/dx_scale", &[2276840864.0045304, 2276841180.2322965, 2276841496.4600625, 1.4757295747453116e+16, 1.4757295747452958e+16, 1.4757295747453432e+16, 9.334969375683979, 12.456172647824264, 17.896798043517105]),
    ("layer_norm/large_plain_eps0/f64/x", &[3.0, 3.0, 3.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0]),
    ("layer_norm/large_plain_eps0/f64/y", &[NAN, NAN, NAN, NAN, NAN, NAN, -1.0690449676496978, -0.2672612419124245, 1.3363062095621219]),
    ("layer_norm/large_plain_eps0/f64/dx", &[NAN, NAN, NAN, NAN, NAN, NAN, 0.5727026612409095, -0.859053991861364, 0.2863513306204548]),
    ("layer_norm/large_plain_eps0/f64/dx_scale", &[INF, INF, INF, INF, INF, INF, 9.335053378226826, 12.456282881989784, 17.89695816377842]),
    ("layer_norm/w", &[1.0, 2.0, 3.0, -1.0, 0.5, 2.0, 0.25, -1.0, 1.5]),
    ("layer_norm/gamma", &[0.5, 2.0, -1.5]),
    ("layer_norm/beta", &[0.1, -0.2, 0.3]),
    ("batch_norm1d/0.1_affine/f32/x", &[0.10000000149011612, 1.0, 0.10000000149011612, 2.0, 0.10000000149011612, 4.0]),
    ("batch_norm1d/0.1_affine/f32/y", &[0.10000023245811462, 2.438082695007324, 0.10000023245811462, 0.8345205783843994, 0.10000023245811462, -2.3726038932800293]),
    ("batch_norm1d/0.1_affine/f32/dx", &[52.70462417602539, 1.0308529138565063, -421.63702392578125, -1.5462943315505981, 368.932373046875, 0.515441358089447]),
    ("batch_norm1d/0.1_affine/f32/y_scale", &[15.811388536449941, 1.6035622971754464, 15.811388536449941, 3.207124594350893, 15.811388536449941, 6.414249188701786]),
    ("batch_norm1d/0.1_affine/f32/dx_scale", &[474.34164902525686, 3.7034569603659375, 632.4555320336758, 4.333434121589308, 790.5694150420948, 4.829766487604353]),
    ("batch_norm1d/0.1_affine/f32/dgamma", &[0.0, -2.2717130184173584]),
    ("batch_norm1d/0.1_affine/f32/dbeta", &[2.0, 1.0]),
    ("batch_norm1d/0.1_affine/f32/dgamma_scale", &[189.7366624373993, 6.013358614407924]),
    ("batch_norm1d/0.1_affine/f32/running_mean", &[0.010000000707805157, 0.23333333432674408]),
    ("batch_norm1d/0.1_affine/f32/running_var", &[0.8999999761581421, 1.1333333253860474]),
    ("batch_norm1d/0.1_affine/f32/eval_y", &[0.14743390679359436, -1.140309453010559, 0.14743390679359436, -3.0189738273620605, 0.14743390679359436, -6.776302814483643]),
    ("batch_norm1d/0.1_affine/f32/eval_dx", &[0.527043342590332, -0.9393323063850403, -1.054086685180664, -2.8179969787597656, 1.581130027770996, 1.8786646127700806]),
    ("batch_norm1d/0.1_affine/f32/eval_dgamma", &[0.18973560631275177, -0.6888437271118164]),
    ("batch_norm1d/0.1_affine/f32/eval_dbeta", &[2.0, 1.0]),
    ("batch_norm2d/0.1_affine/f32/x", &[0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 1.0, 2.0, 4.0, -1.0, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/0.1_affine/f32/y", &[0.10000023245811462, 0.10000023245811462, 0.10000023245811462, 0.10000023245811462, 0.5626125335693359, -0.48783743381500244, -2.5887374877929688, 2.6635124683380127, 0.10000023245811462, 0.10000023245811462, 0.10000023245811462, 0.10000023245811462, 1.0878374576568604, -1.5382874011993408, -1.0130624771118164, 3.7139625549316406]),
    ("batch_norm2d/0.1_affine/f32/dx", &[138.34963989257812, 59.292701721191406, -335.9919738769531, 217.40658569335938, -2.0284552574157715, 1.88356614112854, -0.009053361602127552, -0.3984483778476715, -98.82117462158203, 177.87811279296875, 98.82117462158203, -256.93505859375, -1.358341097831726, 0.8059501051902771, -0.3622230887413025, 1.4670051336288452]),
    ("batch_norm2d/0.1_affine/f32/y_scale", &[15.811388536449941, 15.811388536449941, 15.811388536449941, 15.811388536449941, 1.0504500139822086, 2.100900027964417, 4.201800055928834, 1.0504500139822086, 15.811388536449941, 15.811388536449941, 15.811388536449941, 15.811388536449941, 0.5252250069911043, 3.1513500419466256, 2.6261250349555216, 2.100900027964417]),
    ("batch_norm2d/0.1_affine/f32/dx_scale", &[335.9920013928903, 256.9350598886808, 494.10588440130925, 415.0489428970998, 4.637600681029655, 2.7517706445279977, 2.8242130998923822, 4.447430632898486, 256.9350598886808, 375.520472144995, 296.4635306407855, 415.0489428970998, 4.327445665501311, 2.394073116966861, 2.966840635990758, 3.301895594850694]),
    ("batch_norm2d/0.1_affine/f32/dgamma", &[0.0, -4.2017998695373535]),
    ("batch_norm2d/0.1_affine/f32/dbeta", &[1.0, 8.0]),
    ("batch_norm2d/0.1_affine/f32/dgamma_scale", &[284.60499365609894, 7.090537594379908]),
    ("batch_norm2d/0.1_affine/f32/running_mean", &[0.010000000707805157, 0.125]),
    ("batch_norm2d/0.1_affine/f32/running_var", &[0.8999999761581421, 1.3142856359481812]),
    ("batch_norm2d/0.1_affine/f32/eval_y", &[0.14743390679359436, 0.14743390679359436, 0.14743390679359436, 0.14743390679359436, -1.226481318473816, -2.971031427383423, -6.460131645202637, 2.2626190185546875, 0.14743390679359436, 0.14743390679359436, 0.14743390679359436, 0.14743390679359436, -0.35420626401901245, -4.71558141708374, -3.843306541442871, 4.007168769836426]),
    ("batch_norm2d/0.1_affine/f32/eval_dx", &[0.527043342590332, 0.263521671295166, -1.054086685180664, 0.790565013885498, -5.233650207519531, 1.744550108909607, -0.43613752722740173, -3.489100217819214, -0.263521671295166, 0.658804178237915, 0.395282506942749, -0.790565013885498, -4.361375331878662, 0.43613752722740173, -1.744550108909607, -0.8722750544548035]),
    ("batch_norm2d/0.1_affine/f32/eval_dgamma", &[0.09486780315637589, 0.8722750544548035]),
    ("batch_norm2d/0.1_affine/f32/eval_dbeta", &[1.0, 8.0]),
    ("batch_norm1d/0.1_plain/f32/x", &[0.10000000149011612, 1.0, 0.10000000149011612, 2.0, 0.10000000149011612, 4.0]),
    ("batch_norm1d/0.1_plain/f32/y", &[-2.917233814514475e-07, -1.0690414905548096, -2.917233814514475e-07, -0.2672603130340576, -2.917233814514475e-07, 1.3363019227981567]),
    ("batch_norm1d/0.1_plain/f32/dx", &[105.40924835205078, -0.5154264569282532, -843.2740478515625, 0.7731471657752991, 737.86474609375, -0.2577206790447235]),
    ("batch_norm1d/0.1_plain/f32/y_scale", &[31.622777072899883, 0.8017811485877232, 31.622777072899883, 1.6035622971754464, 31.622777072899883, 3.207124594350893]),
    ("batch_norm1d/0.1_plain/f32/dx_scale", &[948.6832980505137, 1.8517284801829688, 1264.9110640673516, 2.166717060794654, 1581.1388300841895, 2.4148832438021763]),
    ("batch_norm1d/0.1_plain/f32/running_mean", &[0.010000000707805157, 0.23333333432674408]),
    ("batch_norm1d/0.1_plain/f32/running_var", &[0.8999999761581421, 1.1333333253860474]),
    ("batch_norm1d/0.1_plain/f32/eval_y", &[0.09486780315637589, 0.7201547026634216, 0.09486780315637589, 1.659487009048462, 0.09486780315637589, 3.538151502609253]),
    ("batch_norm1d/0.1_plain/f32/eval_dx", &[1.054086685180664, 0.46966615319252014, -2.108173370361328, 1.4089984893798828, 3.162260055541992, -0.9393323063850403]),
    ("batch_norm2d/0.1_plain/f32/x", &[0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 1.0, 2.0, 4.0, -1.0, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/0.1_plain/f32/y", &[-2.917233814514475e-07, -2.917233814514475e-07, -2.917233814514475e-07, -2.917233814514475e-07, -0.1313062310218811, 0.3939187526702881, 1.4443687200546265, -1.1817562580108643, -2.917233814514475e-07, -2.917233814514475e-07, -2.917233814514475e-07, -2.917233814514475e-07, -0.3939187228679657, 0.9191437363624573, 0.6565312147140503, -1.7069811820983887]),
    ("batch_norm2d/0.1_plain/f32/dx", &[276.69927978515625, 118.58540344238281, -671.9839477539062, 434.81317138671875, 1.0142276287078857, -0.94178307056427, 0.004526680801063776, 0.19922418892383575, -197.64234924316406, 355.7562255859375, 197.64234924316406, -513.8701171875, 0.679170548915863, -0.40297505259513855, 0.18111154437065125, -0.7335025668144226]),
    ("batch_norm2d/0.1_plain/f32/y_scale", &[31.622777072899883, 31.622777072899883, 31.622777072899883, 31.622777072899883, 0.5252250069911043, 1.0504500139822086, 2.100900027964417, 0.5252250069911043, 31.622777072899883, 31.622777072899883, 31.622777072899883, 31.622777072899883, 0.26261250349555215, 1.5756750209733128, 1.3130625174777608, 1.0504500139822086]),
    ("batch_norm2d/0.1_plain/f32/dx_scale", &[671.9840027857806, 513.8701197773617, 988.2117688026185, 830.0978857941996, 2.3188003405148274, 1.3758853222639988, 1.4121065499461911, 2.223715316449243, 513.8701197773617, 751.04094428999, 592.927061281571, 830.0978857941996, 2.1637228327506555, 1.1970365584834306, 1.483420317995379, 1.650947797425347]),
    ("batch_norm2d/0.1_plain/f32/running_mean", &[0.010000000707805157, 0.125]),
    ("batch_norm2d/0.1_plain/f32/running_var", &[0.8999999761581421, 1.3142856359481812]),
    ("batch_norm2d/0.1_plain/f32/eval_y", &[0.09486780315637589, 0.09486780315637589, 0.09486780315637589, 0.09486780315637589, 0.7632406949996948, 1.6355156898498535, 3.38006591796875, -0.9813094139099121, 0.09486780315637589, 0.09486780315637589, 0.09486780315637589, 0.09486780315637589, 0.3271031379699707, 2.5077908039093018, 2.071653366088867, -1.8535845279693604]),
    ("batch_norm2d/0.1_plain/f32/eval_dx", &[1.054086685180664, 0.527043342590332, -2.108173370361328, 1.581130027770996, 2.6168251037597656, -0.8722750544548035, 0.21806876361370087, 1.744550108909607, -0.527043342590332, 1.31760835647583, 0.790565013885498, -1.581130027770996, 2.180687665939331, -0.21806876361370087, 0.8722750544548035, 0.43613752722740173]),
    ("batch_norm1d/-7.3_affine/f32/x", &[-7.300000190734863, 1.0, -7.300000190734863, 2.0, -7.300000190734863, 4.0]),
    ("batch_norm1d/-7.3_affine/f32/y", &[0.09997136890888214, 2.438082695007324, 0.09997136890888214, 0.8345205783843994, 0.09997136890888214, -2.3726038932800293]),
    ("batch_norm1d/-7.3_affine/f32/dx", &[52.70462417602539, 1.0308529138565063, -421.63702392578125, -1.5462943315505981, 368.932373046875, 0.515441358089447]),
    ("batch_norm1d/-7.3_affine/f32/y_scale", &[1154.2313761192881, 1.6035622971754464, 1154.2313761192881, 3.207124594350893, 1154.2313761192881, 6.414249188701786]),
    ("batch_norm1d/-7.3_affine/f32/dx_scale", &[474.34164902525686, 3.7034569603659375, 632.4555320336758, 4.333434121589308, 790.5694150420948, 4.829766487604353]),
    ("batch_norm1d/-7.3_affine/f32/dgamma", &[0.0, -2.2717130184173584]),
    ("batch_norm1d/-7.3_affine/f32/dbeta", &[2.0, 1.0]),
    ("batch_norm1d/-7.3_affine/f32/dgamma_scale", &[13850.776513431458, 6.013358614407924]),
    ("batch_norm1d/-7.3_affine/f32/running_mean", &[-0.7300000190734863, 0.23333333432674408]),
    ("batch_norm1d/-7.3_affine/f32/running_var", &[0.8999999761581421, 1.1333333253860474]),
    ("batch_norm1d/-7.3_affine/f32/eval_y", &[-3.3626749515533447, -1.140309453010559, -3.3626749515533447, -3.0189738273620605, -3.3626749515533447, -6.776302814483643]),
    ("batch_norm1d/-7.3_affine/f32/eval_dx", &[0.527043342590332, -0.9393323063850403, -1.054086685180664, -2.8179969787597656, 1.581130027770996, 1.8786646127700806]),
    ("batch_norm1d/-7.3_affine/f32/eval_dgamma", &[-13.850700378417969, -0.6888437271118164]),
    ("batch_norm1d/-7.3_affine/f32/eval_dbeta", &[2.0, 1.0]),
    ("batch_norm2d/-7.3_affine/f32/x", &[-7.300000190734863, -7.300000190734863, -7.300000190734863, -7.300000190734863, 1.0, 2.0, 4.0, -1.0, -7.300000190734863, -7.300000190734863, -7.300000190734863, -7.300000190734863, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/-7.3_affine/f32/y", &[0.09997136890888214, 0.09997136890888214, 0.09997136890888214, 0.09997136890888214, 0.5626125335693359, -0.48783743381500244, -2.5887374877929688, 2.6635124683380127, 0.09997136890888214, 0.09997136890888214, 0.09997136890888214, 0.09997136890888214, 1.0878374576568604, -1.5382874011993408, -1.0130624771118164, 3.7139625549316406]),
    ("batch_norm2d/-7.3_affine/f32/dx", &[138.34963989257812, 59.292701721191406, -335.9919738769531, 217.40658569335938, -2.0284552574157715, 1.88356614112854, -0.009053361602127552, -0.3984483778476715, -98.82117462158203, 177.87811279296875, 98.82117462158203, -256.93505859375, -1.358341097831726, 0.8059501051902771, -0.3622230887413025, 1.4670051336288452]),
    ("batch_norm2d/-7.3_affine/f32/y_scale", &[1154.2313761192881, 1154.2313761192881, 1154.2313761192881, 1154.2313761192881, 1.0504500139822086, 2.100900027964417, 4.201800055928834, 1.0504500139822086, 1154.2313761192881, 1154.2313761192881, 1154.2313761192881, 1154.2313761192881, 0.5252250069911043, 3.1513500419466256, 2.6261250349555216, 2.100900027964417]),
    ("batch_norm2d/-7.3_affine/f32/dx_scale", &[335.9920013928903, 256.9350598886808, 494.10588440130925, 415.0489428970998, 4.637600681029655, 2.7517706445279977, 2.8242130998923822, 4.447430632898486, 256.9350598886808, 375.520472144995, 296.4635306407855, 415.0489428970998, 4.327445665501311, 2.394073116966861, 2.966840635990758, 3.301895594850694]),
    ("batch_norm2d/-7.3_affine/f32/dgamma", &[0.0, -4.2017998695373535]),
    ("batch_norm2d/-7.3_affine/f32/dbeta", &[1.0, 8.0]),
    ("batch_norm2d/-7.3_affine/f32/dgamma_scale", &[20776.16477014719, 7.090537594379908]),
    ("batch_norm2d/-7.3_affine/f32/running_mean", &[-0.7300000190734863, 0.125]),
    ("batch_norm2d/-7.3_affine/f32/running_var", &[0.8999999761581421, 1.3142856359481812]),
    ("batch_norm2d/-7.3_affine/f32/eval_y", &[-3.3626749515533447, -3.3626749515533447, -3.3626749515533447, -3.3626749515533447, -1.226481318473816, -2.971031427383423, -6.460131645202637, 2.2626190185546875, -3.3626749515533447, -3.3626749515533447, -3.3626749515533447, -3.3626749515533447, -0.35420626401901245, -4.71558141708374, -3.843306541442871, 4.007168769836426]),
    ("batch_norm2d/-7.3_affine/f32/eval_dx", &[0.527043342590332, 0.263521671295166, -1.054086685180664, 0.790565013885498, -5.233650207519531, 1.744550108909607, -0.43613752722740173, -3.489100217819214, -0.263521671295166, 0.658804178237915, 0.395282506942749, -0.790565013885498, -4.361375331878662, 0.43613752722740173, -1.744550108909607, -0.8722750544548035]),
    ("batch_norm2d/-7.3_affine/f32/eval_dgamma", &[-6.925351142883301, 0.8722750544548035]),
    ("batch_norm2d/-7.3_affine/f32/eval_dbeta", &[1.0, 8.0]),
    ("batch_norm1d/-7.3_plain/f32/x", &[-7.300000190734863, 1.0, -7.300000190734863, 2.0, -7.300000190734863, 4.0]),
    ("batch_norm1d/-7.3_plain/f32/y", &[-8.43577436171472e-06, -1.0690414905548096, -8.43577436171472e-06, -0.2672603130340576, -8.43577436171472e-06, 1.3363019227981567]),
    ("batch_norm1d/-7.3_plain/f32/dx", &[105.40924835205078, -0.5154264569282532, -843.2740478515625, 0.7731471657752991, 737.86474609375, -0.2577206790447235]),
    ("batch_norm1d/-7.3_plain/f32/y_scale", &[2308.4627522385763, 0.8017811485877232, 2308.4627522385763, 1.6035622971754464, 2308.4627522385763, 3.207124594350893]),
    ("batch_norm1d/-7.3_plain/f32/dx_scale", &[948.6832980505137, 1.8517284801829688, 1264.9110640673516, 2.166717060794654, 1581.1388300841895, 2.4148832438021763]),
    ("batch_norm1d/-7.3_plain/f32/running_mean", &[-0.7300000190734863, 0.23333333432674408]),
    ("batch_norm1d/-7.3_plain/f32/running_var", &[0.8999999761581421, 1.1333333253860474]),
    ("batch_norm1d/-7.3_plain/f32/eval_y", &[-6.925349712371826, 0.7201547026634216, -6.925349712371826, 1.659487009048462, -6.925349712371826, 3.538151502609253]),
    ("batch_norm1d/-7.3_plain/f32/eval_dx", &[1.054086685180664, 0.46966615319252014, -2.108173370361328, 1.4089984893798828, 3.162260055541992, -0.9393323063850403]),
    ("batch_norm2d/-7.3_plain/f32/x", &[-7.300000190734863, -7.300000190734863, -7.300000190734863, -7.300000190734863, 1.0, 2.0, 4.0, -1.0, -7.300000190734863, -7.300000190734863, -7.300000190734863, -7.300000190734863, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/-7.3_plain/f32/y", &[-8.43577436171472e-06, -8.43577436171472e-06, -8.43577436171472e-06, -8.43577436171472e-06, -0.1313062310218811, 0.3939187526702881, 1.4443687200546265, -1.1817562580108643, -8.43577436171472e-06, -8.43577436171472e-06, -8.43577436171472e-06, -8.43577436171472e-06, -0.3939187228679657, 0.9191437363624573, 0.6565312147140503, -1.7069811820983887]),
    ("batch_norm2d/-7.3_plain/f32/dx", &[276.69927978515625, 118.58540344238281, -671.9839477539062, 434.81317138671875, 1.0142276287078857, -0.94178307056427, 0.004526680801063776, 0.19922418892383575, -197.64234924316406, 355.7562255859375, 197.64234924316406, -513.8701171875, 0.679170548915863, -0.40297505259513855, 0.18111154437065125, -0.7335025668144226]),
    ("batch_norm2d/-7.3_plain/f32/y_scale", &[2308.4627522385763, 2308.4627522385763, 2308.4627522385763, 2308.4627522385763, 0.5252250069911043, 1.0504500139822086, 2.100900027964417, 0.5252250069911043, 2308.4627522385763, 2308.4627522385763, 2308.4627522385763, 2308.4627522385763, 0.26261250349555215, 1.5756750209733128, 1.3130625174777608, 1.0504500139822086]),
    ("batch_norm2d/-7.3_plain/f32/dx_scale", &[671.9840027857806, 513.8701197773617, 988.2117688026185, 830.0978857941996, 2.3188003405148274, 1.3758853222639988, 1.4121065499461911, 2.223715316449243, 513.8701197773617, 751.04094428999, 592.927061281571, 830.0978857941996, 2.1637228327506555, 1.1970365584834306, 1.483420317995379, 1.650947797425347]),
    ("batch_norm2d/-7.3_plain/f32/running_mean", &[-0.7300000190734863, 0.125]),
    ("batch_norm2d/-7.3_plain/f32/running_var", &[0.8999999761581421, 1.3142856359481812]),
    ("batch_norm2d/-7.3_plain/f32/eval_y", &[-6.925349712371826, -6.925349712371826, -6.925349712371826, -6.925349712371826, 0.7632406949996948, 1.6355156898498535, 3.38006591796875, -0.9813094139099121, -6.925349712371826, -6.925349712371826, -6.925349712371826, -6.925349712371826, 0.3271031379699707, 2.5077908039093018, 2.071653366088867, -1.8535845279693604]),
    ("batch_norm2d/-7.3_plain/f32/eval_dx", &[1.054086685180664, 0.527043342590332, -2.108173370361328, 1.581130027770996, 2.6168251037597656, -0.8722750544548035, 0.21806876361370087, 1.744550108909607, -0.527043342590332, 1.31760835647583, 0.790565013885498, -1.581130027770996, 2.180687665939331, -0.21806876361370087, 0.8722750544548035, 0.43613752722740173]),
    ("batch_norm1d/3_affine/f32/x", &[3.0, 1.0, 3.0, 2.0, 3.0, 4.0]),
    ("batch_norm1d/3_affine/f32/y", &[0.0999908447265625, 2.438082695007324, 0.0999908447265625, 0.8345205783843994, 0.0999908447265625, -2.3726038932800293]),
    ("batch_norm1d/3_affine/f32/dx", &[52.70462417602539, 1.0308529138565063, -421.63702392578125, -1.5462943315505981, 368.932373046875, 0.515441358089447]),
    ("batch_norm1d/3_affine/f32/y_scale", &[474.34164902525686, 1.6035622971754464, 474.34164902525686, 3.207124594350893, 474.34164902525686, 6.414249188701786]),
    ("batch_norm1d/3_affine/f32/dx_scale", &[474.34164902525686, 3.7034569603659375, 632.4555320336758, 4.333434121589308, 790.5694150420948, 4.829766487604353]),
    ("batch_norm1d/3_affine/f32/dgamma", &[0.0, -2.2717130184173584]),
    ("batch_norm1d/3_affine/f32/dbeta", &[2.0, 1.0]),
    ("batch_norm1d/3_affine/f32/dgamma_scale", &[5692.099788303082, 6.013358614407924]),
    ("batch_norm1d/3_affine/f32/running_mean", &[0.30000001192092896, 0.23333333432674408]),
    ("batch_norm1d/3_affine/f32/running_var", &[0.8999999761581421, 1.1333333253860474]),
    ("batch_norm1d/3_affine/f32/eval_y", &[1.5230170488357544, -1.140309453010559, 1.5230170488357544, -3.0189738273620605, 1.5230170488357544, -6.776302814483643]),
    ("batch_norm1d/3_affine/f32/eval_dx", &[0.527043342590332, -0.9393323063850403, -1.054086685180664, -2.8179969787597656, 1.581130027770996, 1.8786646127700806]),
    ("batch_norm1d/3_affine/f32/eval_dgamma", &[5.692068576812744, -0.6888437271118164]),
    ("batch_norm1d/3_affine/f32/eval_dbeta", &[2.0, 1.0]),
    ("batch_norm2d/3_affine/f32/x", &[3.0, 3.0, 3.0, 3.0, 1.0, 2.0, 4.0, -1.0, 3.0, 3.0, 3.0, 3.0, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/3_affine/f32/y", &[0.0999908447265625, 0.0999908447265625, 0.0999908447265625, 0.0999908447265625, 0.5626125335693359, -0.48783743381500244, -2.5887374877929688, 2.6635124683380127, 0.0999908447265625, 0.0999908447265625, 0.0999908447265625, 0.0999908447265625, 1.0878374576568604, -1.5382874011993408, -1.0130624771118164, 3.7139625549316406]),
    ("batch_norm2d/3_affine/f32/dx", &[138.34963989257812, 59.292701721191406, -335.9919738769531, 217.40658569335938, -2.0284552574157715, 1.88356614112854, -0.009053361602127552, -0.3984483778476715, -98.82117462158203, 177.87811279296875, 98.82117462158203, -256.93505859375, -1.358341097831726, 0.8059501051902771, -0.3622230887413025, 1.4670051336288452]),
    ("batch_norm2d/3_affine/f32/y_scale", &[474.34164902525686, 474.34164902525686, 474.34164902525686, 474.34164902525686, 1.0504500139822086, 2.100900027964417, 4.201800055928834, 1.0504500139822086, 474.34164902525686, 474.34164902525686, 474.34164902525686, 474.34164902525686, 0.5252250069911043, 3.1513500419466256, 2.6261250349555216, 2.100900027964417]),
    ("batch_norm2d/3_affine/f32/dx_scale", &[335.9920013928903, 256.9350598886808, 494.10588440130925, 415.0489428970998, 4.637600681029655, 2.7517706445279977, 2.8242130998923822, 4.447430632898486, 256.9350598886808, 375.520472144995, 296.4635306407855, 415.0489428970998, 4.327445665501311, 2.394073116966861, 2.966840635990758, 3.301895594850694]),
    ("batch_norm2d/3_affine/f32/dgamma", &[0.0, -4.2017998695373535]),
    ("batch_norm2d/3_affine/f32/dbeta", &[1.0, 8.0]),
    ("batch_norm2d/3_affine/f32/dgamma_scale", &[8538.149682454623, 7.090537594379908]),
    ("batch_norm2d/3_affine/f32/running_mean", &[0.30000001192092896, 0.125]),
    ("batch_norm2d/3_affine/f32/running_var", &[0.8999999761581421, 1.3142856359481812]),
    ("batch_norm2d/3_affine/f32/eval_y", &[1.5230170488357544, 1.5230170488357544, 1.5230170488357544, 1.5230170488357544, -1.226481318473816, -2.971031427383423, -6.460131645202637, 2.2626190185546875, 1.5230170488357544, 1.5230170488357544, 1.5230170488357544, 1.5230170488357544, -0.35420626401901245, -4.71558141708374, -3.843306541442871, 4.007168769836426]),
    ("batch_norm2d/3_affine/f32/eval_dx", &[0.527043342590332, 0.263521671295166, -1.054086685180664, 0.790565013885498, -5.233650207519531, 1.744550108909607, -0.43613752722740173, -3.489100217819214, -0.263521671295166, 0.658804178237915, 0.395282506942749, -0.790565013885498, -4.361375331878662, 0.43613752722740173, -1.744550108909607, -0.8722750544548035]),
    ("batch_norm2d/3_affine/f32/eval_dgamma", &[2.846034288406372, 0.8722750544548035]),
    ("batch_norm2d/3_affine/f32/eval_dbeta", &[1.0, 8.0]),
    ("batch_norm1d/3_plain/f32/x", &[3.0, 1.0, 3.0, 2.0, 3.0, 4.0]),
    ("batch_norm1d/3_plain/f32/y", &[3.0517578125e-05, -1.0690414905548096, 3.0517578125e-05, -0.2672603130340576, 3.0517578125e-05, 1.3363019227981567]),
    ("batch_norm1d/3_plain/f32/dx", &[105.40924835205078, -0.5154264569282532, -843.2740478515625, 0.7731471657752991, 737.86474609375, -0.2577206790447235]),
    ("batch_norm1d/3_plain/f32/y_scale", &[948.6832980505137, 0.8017811485877232, 948.6832980505137, 1.6035622971754464, 948.6832980505137, 3.207124594350893]),
    ("batch_norm1d/3_plain/f32/dx_scale", &[948.6832980505137, 1.8517284801829688, 1264.9110640673516, 2.166717060794654, 1581.1388300841895, 2.4148832438021763]),
    ("batch_norm1d/3_plain/f32/running_mean", &[0.30000001192092896, 0.23333333432674408]),
    ("batch_norm1d/3_plain/f32/running_var", &[0.8999999761581421, 1.1333333253860474]),
    ("batch_norm1d/3_plain/f32/eval_y", &[2.846034049987793, 0.7201547026634216, 2.846034049987793, 1.659487009048462, 2.846034049987793, 3.538151502609253]),
    ("batch_norm1d/3_plain/f32/eval_dx", &[1.054086685180664, 0.46966615319252014, -2.108173370361328, 1.4089984893798828, 3.162260055541992, -0.9393323063850403]),
    ("batch_norm2d/3_plain/f32/x", &[3.0, 3.0, 3.0, 3.0, 1.0, 2.0, 4.0, -1.0, 3.0, 3.0, 3.0, 3.0, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/3_plain/f32/y", &[3.0517578125e-05, 3.0517578125e-05, 3.0517578125e-05, 3.0517578125e-05, -0.1313062310218811, 0.3939187526702881, 1.4443687200546265, -1.1817562580108643, 3.0517578125e-05, 3.0517578125e-05, 3.0517578125e-05, 3.0517578125e-05, -0.3939187228679657, 0.9191437363624573, 0.6565312147140503, -1.7069811820983887]),
    ("batch_norm2d/3_plain/f32/dx", &[276.69927978515625, 118.58540344238281, -671.9839477539062, 434.81317138671875, 1.0142276287078857, -0.94178307056427, 0.004526680801063776, 0.19922418892383575, -197.64234924316406, 355.7562255859375, 197.64234924316406, -513.8701171875, 0.679170548915863, -0.40297505259513855, 0.18111154437065125, -0.7335025668144226]),
    ("batch_norm2d/3_plain/f32/y_scale", &[948.6832980505137, 948.6832980505137, 948.6832980505137, 948.6832980505137, 0.5252250069911043, 1.0504500139822086, 2.100900027964417, 0.5252250069911043, 948.6832980505137, 948.6832980505137, 948.6832980505137, 948.6832980505137, 0.26261250349555215, 1.5756750209733128, 1.3130625174777608, 1.0504500139822086]),
    ("batch_norm2d/3_plain/f32/dx_scale", &[671.9840027857806, 513.8701197773617, 988.2117688026185, 830.0978857941996, 2.3188003405148274, 1.3758853222639988, 1.4121065499461911, 2.223715316449243, 513.8701197773617, 751.04094428999, 592.927061281571, 830.0978857941996, 2.1637228327506555, 1.1970365584834306, 1.483420317995379, 1.650947797425347]),
    ("batch_norm2d/3_plain/f32/running_mean", &[0.30000001192092896, 0.125]),
    ("batch_norm2d/3_plain/f32/running_var", &[0.8999999761581421, 1.3142856359481812]),
    ("batch_norm2d/3_plain/f32/eval_y", &[2.846034049987793, 2.846034049987793, 2.846034049987793, 2.846034049987793, 0.7632406949996948, 1.6355156898498535, 3.38006591796875, -0.9813094139099121, 2.846034049987793, 2.846034049987793, 2.846034049987793, 2.846034049987793, 0.3271031379699707, 2.5077908039093018, 2.071653366088867, -1.8535845279693604]),
    ("batch_norm2d/3_plain/f32/eval_dx", &[1.054086685180664, 0.527043342590332, -2.108173370361328, 1.581130027770996, 2.6168251037597656, -0.8722750544548035, 0.21806876361370087, 1.744550108909607, -0.527043342590332, 1.31760835647583, 0.790565013885498, -1.581130027770996, 2.180687665939331, -0.21806876361370087, 0.8722750544548035, 0.43613752722740173]),
    ("batch_norm1d/10000_affine/f32/x", &[10000.0, 1.0, 10000.0, 2.0, 10000.0, 4.0]),
    ("batch_norm1d/10000_affine/f32/y", &[0.138427734375, 2.438082695007324, 0.138427734375, 0.8345205783843994, 0.138427734375, -2.3726038932800293]),
    ("batch_norm1d/10000_affine/f32/dx", &[52.70462417602539, 1.0308529138565063, -421.63702392578125, -1.5462943315505981, 368.932373046875, 0.515441358089447]),
    ("batch_norm1d/10000_affine/f32/y_scale", &[1581138.8300841895, 1.6035622971754464, 1581138.8300841895, 3.207124594350893, 1581138.8300841895, 6.414249188701786]),
    ("batch_norm1d/10000_affine/f32/dx_scale", &[474.34164902525686, 3.7034569603659375, 632.4555320336758, 4.333434121589308, 790.5694150420948, 4.829766487604353]),
    ("batch_norm1d/10000_affine/f32/dgamma", &[0.0, -2.2717130184173584]),
    ("batch_norm1d/10000_affine/f32/dbeta", &[2.0, 1.0]),
    ("batch_norm1d/10000_affine/f32/dgamma_scale", &[18973665.961010274, 6.013358614407924]),
    ("batch_norm1d/10000_affine/f32/running_mean", &[1000.0, 0.23333333432674408]),
    ("batch_norm1d/10000_affine/f32/running_var", &[0.8999999761581421, 1.1333333253860474]),
    ("batch_norm1d/10000_affine/f32/eval_y", &[4743.490234375, -1.140309453010559, 4743.490234375, -3.0189738273620605, 4743.490234375, -6.776302814483643]),
    ("batch_norm1d/10000_affine/f32/eval_dx", &[0.527043342590332, -0.9393323063850403, -1.054086685180664, -2.8179969787597656, 1.581130027770996, 1.8786646127700806]),
    ("batch_norm1d/10000_affine/f32/eval_dgamma", &[18973.560546875, -0.6888437271118164]),
    ("batch_norm1d/10000_affine/f32/eval_dbeta", &[2.0, 1.0]),
    ("batch_norm2d/10000_affine/f32/x", &[10000.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0, -1.0, 10000.0, 10000.0, 10000.0, 10000.0, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/10000_affine/f32/y", &[0.138427734375, 0.138427734375, 0.138427734375, 0.138427734375, 0.5626125335693359, -0.48783743381500244, -2.5887374877929688, 2.6635124683380127, 0.138427734375, 0.138427734375, 0.138427734375, 0.138427734375, 1.0878374576568604, -1.5382874011993408, -1.0130624771118164, 3.7139625549316406]),
    ("batch_norm2d/10000_affine/f32/dx", &[138.34963989257812, 59.292701721191406, -335.9919738769531, 217.40658569335938, -2.0284552574157715, 1.88356614112854, -0.009053361602127552, -0.3984483778476715, -98.82117462158203, 177.87811279296875, 98.82117462158203, -256.93505859375, -1.358341097831726, 0.8059501051902771, -0.3622230887413025, 1.4670051336288452]),
    ("batch_norm2d/10000_affine/f32/y_scale", &[1581138.8300841895, 1581138.8300841895, 1581138.8300841895, 1581138.8300841895, 1.0504500139822086, 2.100900027964417, 4.201800055928834, 1.0504500139822086, 1581138.8300841895, 1581138.8300841895, 1581138.8300841895, 1581138.8300841895, 0.5252250069911043, 3.1513500419466256, 2.6261250349555216, 2.100900027964417]),
    ("batch_norm2d/10000_affine/f32/dx_scale", &[335.9920013928903, 256.9350598886808, 494.10588440130925, 415.0489428970998, 4.637600681029655, 2.7517706445279977, 2.8242130998923822, 4.447430632898486, 256.9350598886808, 375.520472144995, 296.4635306407855, 415.0489428970998, 4.327445665501311, 2.394073116966861, 2.966840635990758, 3.301895594850694]),
    ("batch_norm2d/10000_affine/f32/dgamma", &[0.0, -4.2017998695373535]),
    ("batch_norm2d/10000_affine/f32/dbeta", &[1.0, 8.0]),
    ("batch_norm2d/10000_affine/f32/dgamma_scale", &[28460498.94151541, 7.090537594379908]),
    ("batch_norm2d/10000_affine/f32/running_mean", &[1000.0, 0.125]),
    ("batch_norm2d/10000_affine/f32/running_var", &[0.8999999761581421, 1.3142856359481812]),
    ("batch_norm2d/10000_affine/f32/eval_y", &[4743.490234375, 4743.490234375, 4743.490234375, 4743.490234375, -1.226481318473816, -2.971031427383423, -6.460131645202637, 2.2626190185546875, 4743.490234375, 4743.490234375, 4743.490234375, 4743.490234375, -0.35420626401901245, -4.71558141708374, -3.843306541442871, 4.007168769836426]),
    ("batch_norm2d/10000_affine/f32/eval_dx", &[0.527043342590332, 0.263521671295166, -1.054086685180664, 0.790565013885498, -5.233650207519531, 1.744550108909607, -0.43613752722740173, -3.489100217819214, -0.263521671295166, 0.658804178237915, 0.395282506942749, -0.790565013885498, -4.361375331878662, 0.43613752722740173, -1.744550108909607, -0.8722750544548035]),
    ("batch_norm2d/10000_affine/f32/eval_dgamma", &[9486.7802734375, 0.8722750544548035]),
    ("batch_norm2d/10000_affine/f32/eval_dbeta", &[1.0, 8.0]),
    ("batch_norm1d/10000_plain/f32/x", &[10000.0, 1.0, 10000.0, 2.0, 10000.0, 4.0]),
    ("batch_norm1d/10000_plain/f32/y", &[0.02685546875, -1.0690414905548096, 0.02685546875, -0.2672603130340576, 0.02685546875, 1.3363019227981567]),
    ("batch_norm1d/10000_plain/f32/dx", &[105.40924835205078, -0.5154264569282532, -843.2740478515625, 0.7731471657752991, 737.86474609375, -0.2577206790447235]),
    ("batch_norm1d/10000_plain/f32/y_scale", &[3162277.660168379, 0.8017811485877232, 3162277.660168379, 1.6035622971754464, 3162277.660168379, 3.207124594350893]),
    ("batch_norm1d/10000_plain/f32/dx_scale", &[948.6832980505137, 1.8517284801829688, 1264.9110640673516, 2.166717060794654, 1581.1388300841895, 2.4148832438021763]),
    ("batch_norm1d/10000_plain/f32/running_mean", &[1000.0, 0.23333333432674408]),
    ("batch_norm1d/10000_plain/f32/running_var", &[0.8999999761581421, 1.1333333253860474]),
    ("batch_norm1d/10000_plain/f32/eval_y", &[9486.7802734375, 0.7201547026634216, 9486.7802734375, 1.659487009048462, 9486.7802734375, 3.538151502609253]),
    ("batch_norm1d/10000_plain/f32/eval_dx", &[1.054086685180664, 0.46966615319252014, -2.108173370361328, 1.4089984893798828, 3.162260055541992, -0.9393323063850403]),
    ("batch_norm2d/10000_plain/f32/x", &[10000.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0, -1.0, 10000.0, 10000.0, 10000.0, 10000.0, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/10000_plain/f32/y", &[0.02685546875, 0.02685546875, 0.02685546875, 0.02685546875, -0.1313062310218811, 0.3939187526702881, 1.4443687200546265, -1.1817562580108643, 0.02685546875, 0.02685546875, 0.02685546875, 0.02685546875, -0.3939187228679657, 0.9191437363624573, 0.6565312147140503, -1.7069811820983887]),
    ("batch_norm2d/10000_plain/f32/dx", &[276.69927978515625, 118.58540344238281, -671.9839477539062, 434.81317138671875, 1.0142276287078857, -0.94178307056427, 0.004526680801063776, 0.19922418892383575, -197.64234924316406, 355.7562255859375, 197.64234924316406, -513.8701171875, 0.679170548915863, -0.40297505259513855, 0.18111154437065125, -0.7335025668144226]),
    ("batch_norm2d/10000_plain/f32/y_scale", &[3162277.660168379, 3162277.660168379, 3162277.660168379, 3162277.660168379, 0.5252250069911043, 1.0504500139822086, 2.100900027964417, 0.5252250069911043, 3162277.660168379, 3162277.660168379, 3162277.660168379, 3162277.660168379, 0.26261250349555215, 1.5756750209733128, 1.3130625174777608, 1.0504500139822086]),
    ("batch_norm2d/10000_plain/f32/dx_scale", &[671.9840027857806, 513.8701197773617, 988.2117688026185, 830.0978857941996, 2.3188003405148274, 1.3758853222639988, 1.4121065499461911, 2.223715316449243, 513.8701197773617, 751.04094428999, 592.927061281571, 830.0978857941996, 2.1637228327506555, 1.1970365584834306, 1.483420317995379, 1.650947797425347]),
    ("batch_norm2d/10000_plain/f32/running_mean", &[1000.0, 0.125]),
    ("batch_norm2d/10000_plain/f32/running_var", &[0.8999999761581421, 1.3142856359481812]),
    ("batch_norm2d/10000_plain/f32/eval_y", &[9486.7802734375, 9486.7802734375, 9486.7802734375, 9486.7802734375, 0.7632406949996948, 1.6355156898498535, 3.38006591796875, -0.9813094139099121, 9486.7802734375, 9486.7802734375, 9486.7802734375, 9486.7802734375, 0.3271031379699707, 2.5077908039093018, 2.071653366088867, -1.8535845279693604]),
    ("batch_norm2d/10000_plain/f32/eval_dx", &[1.054086685180664, 0.527043342590332, -2.108173370361328, 1.581130027770996, 2.6168251037597656, -0.8722750544548035, 0.21806876361370087, 1.744550108909607, -0.527043342590332, 1.31760835647583, 0.790565013885498, -1.581130027770996, 2.180687665939331, -0.21806876361370087, 0.8722750544548035, 0.43613752722740173]),
    ("batch_norm1d/0.1_affine/f64/x", &[0.1, 1.0, 0.1, 2.0, 0.1, 4.0]),
    ("batch_norm1d/0.1_affine/f64/y", &[0.09999999999999767, 2.4380830629005956, 0.09999999999999767, 0.834520765725149, 0.09999999999999767, -2.372603828625744]),
    ("batch_norm1d/0.1_affine/f64/dx", &[52.70462766947299, 1.0308531317401934, -421.6370213557839, -1.546294301387329, 368.9323936863109, 0.5154411696471356]),
    ("batch_norm1d/0.1_affine/f64/y_scale", &[15.811388300841896, 1.6035622971754464, 15.811388300841896, 3.207124594350893, 15.811388300841896, 6.414249188701786]),
    ("batch_norm1d/0.1_affine/f64/dx_scale", &[474.34164902525686, 3.7034569603659375, 632.4555320336758, 4.333434121589308, 790.5694150420948, 4.829766487604353]),
    ("batch_norm1d/0.1_affine/f64/dgamma", &[-8.777083671441752e-15, -2.2717132543318823]),
    ("batch_norm1d/0.1_affine/f64/dbeta", &[2.0, 1.0]),
    ("batch_norm1d/0.1_affine/f64/dgamma_scale", &[189.73665961010278, 6.013358614407924]),
    ("batch_norm1d/0.1_affine/f64/running_mean", &[0.010000000000000002, 0.23333333333333336]),
    ("batch_norm1d/0.1_affine/f64/running_var", &[0.9, 1.1333333333333333]),
    ("batch_norm1d/0.1_affine/f64/eval_y", &[0.14743390138158335, -1.140309515203176, 0.14743390138158335, -3.0189741002507966, 0.14743390138158335, -6.7763032703460375]),
    ("batch_norm1d/0.1_affine/f64/eval_dx", &[0.5270433486842594, -0.9393322925238103, -1.0540866973685188, -2.817996877571431, 1.5811300460527782, 1.8786645850476207]),
    ("batch_norm1d/0.1_affine/f64/eval_dgamma", &[0.1897356055263334, -0.6888436811841276]),
    ("batch_norm1d/0.1_affine/f64/eval_dbeta", &[2.0, 1.0]),
    ("batch_norm2d/0.1_affine/f64/x", &[0.1, 0.1, 0.1, 0.1, 1.0, 2.0, 4.0, -1.0, 0.1, 0.1, 0.1, 0.1, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/0.1_affine/f64/y", &[0.100000000000003, 0.100000000000003, 0.100000000000003, 0.100000000000003, 0.5626125034955523, -0.48783751048665636, -2.5887375384510736, 2.6635125314599692, 0.100000000000003, 0.100000000000003, 0.100000000000003, 0.100000000000003, 1.0878375104866564, -1.538287524468865, -1.0130625174777608, 3.713962545442178]),
    ("batch_norm2d/0.1_affine/f64/dx", &[138.34964763236658, 59.29270612815711, -335.9920013928903, 217.40658913657606, -2.028455399261172, 1.8835661418546805, -0.009053405249044561, -0.3984483556529987, -98.82117688026185, 177.87811838447132, 98.82117688026185, -256.9350598886808, -1.3583411348635763, 0.8059501165550419, -0.3622231435162277, 1.4670051801332964]),
    ("batch_norm2d/0.1_affine/f64/y_scale", &[15.811388300841896, 15.811388300841896, 15.811388300841896, 15.811388300841896, 1.0504500139822086, 2.100900027964417, 4.201800055928834, 1.0504500139822086, 15.811388300841896, 15.811388300841896, 15.811388300841896, 15.811388300841896, 0.5252250069911043, 3.1513500419466256, 2.6261250349555216, 2.100900027964417]),
    ("batch_norm2d/0.1_affine/f64/dx_scale", &[335.9920013928903, 256.9350598886808, 494.10588440130925, 415.0489428970998, 4.637600681029655, 2.7517706445279977, 2.8242130998923822, 4.447430632898486, 256.9350598886808, 375.520472144995, 296.4635306407855, 415.0489428970998, 4.327445665501311, 2.394073116966861, 2.966840635990758, 3.301895594850694]),
    ("batch_norm2d/0.1_affine/f64/dgamma", &[4.388541835720876e-15, -4.201800055928834]),
    ("batch_norm2d/0.1_affine/f64/dbeta", &[1.0, 8.0]),
    ("batch_norm2d/0.1_affine/f64/dgamma_scale", &[284.60498941515414, 7.090537594379908]),
    ("batch_norm2d/0.1_affine/f64/running_mean", &[0.01, 0.125]),
    ("batch_norm2d/0.1_affine/f64/running_var", &[0.9, 1.3142857142857145]),
    ("batch_norm2d/0.1_affine/f64/eval_y", &[0.14743390138158335, 0.14743390138158335, 0.14743390138158335, 0.14743390138158335, -1.2264813507251702, -2.9710314658396504, -6.460131696068611, 2.2626188795037905, 0.14743390138158335, 0.14743390138158335, 0.14743390138158335, 0.14743390138158335, -0.35420629316793006, -4.71558158095413, -3.8433065233968904, 4.0071689946182705]),
    ("batch_norm2d/0.1_affine/f64/eval_dx", &[0.5270433486842594, 0.2635216743421297, -1.0540866973685188, 0.7905650230263891, -5.233650345343441, 1.7445501151144802, -0.43613752877862005, -3.4891002302289604, -0.2635216743421297, 0.6588041858553242, 0.39528251151319455, -0.7905650230263891, -4.361375287786201, 0.43613752877862005, -1.7445501151144802, -0.8722750575572401]),
    ("batch_norm2d/0.1_affine/f64/eval_dgamma", &[0.09486780276316668, 0.8722750575572401]),
    ("batch_norm2d/0.1_affine/f64/eval_dbeta", &[1.0, 8.0]),
    ("batch_norm1d/0.1_plain/f64/x", &[0.1, 1.0, 0.1, 2.0, 0.1, 4.0]),
    ("batch_norm1d/0.1_plain/f64/y", &[-3.928925151792451e-15, -1.069041531450298, -3.928925151792451e-15, -0.2672603828625746, -3.928925151792451e-15, 1.3363019143128718]),
    ("batch_norm1d/0.1_plain/f64/dx", &[105.40925533894598, -0.5154265658700967, -843.2740427115677, 0.7731471506936645, 737.8647873726218, -0.2577205848235678]),
    ("batch_norm1d/0.1_plain/f64/y_scale", &[31.622776601683793, 0.8017811485877232, 31.622776601683793, 1.6035622971754464, 31.622776601683793, 3.207124594350893]),
    ("batch_norm1d/0.1_plain/f64/dx_scale", &[948.6832980505137, 1.8517284801829688, 1264.9110640673516, 2.166717060794654, 1581.1388300841895, 2.4148832438021763]),
    ("batch_norm1d/0.1_plain/f64/running_mean", &[0.010000000000000002, 0.23333333333333336]),
    ("batch_norm1d/0.1_plain/f64/running_var", &[0.9, 1.1333333333333333]),
    ("batch_norm1d/0.1_plain/f64/eval_y", &[0.0948678027631667, 0.7201547576015879, 0.0948678027631667, 1.6594870501253982, 0.0948678027631667, 3.538151635173019]),
    ("batch_norm1d/0.1_plain/f64/eval_dx", &[1.0540866973685188, 0.46966614626190517, -2.1081733947370376, 1.4089984387857155, 3.1622600921055564, -0.9393322925238103]),
    ("batch_norm2d/0.1_plain/f64/x", &[0.1, 0.1, 0.1, 0.1, 1.0, 2.0, 4.0, -1.0, 0.1, 0.1, 0.1, 0.1, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/0.1_plain/f64/y", &[3.1765022058085507e-15, 3.1765022058085507e-15, 3.1765022058085507e-15, 3.1765022058085507e-15, -0.1313062517477761, 0.3939187552433282, 1.444368769225537, -1.1817562657299847, 3.1765022058085507e-15, 3.1765022058085507e-15, 3.1765022058085507e-15, 3.1765022058085507e-15, -0.39391875524332826, 0.9191437622344325, 0.6565312587388803, -1.7069812727210891]),
    ("batch_norm2d/0.1_plain/f64/dx", &[276.69929526473317, 118.58541225631421, -671.9840027857806, 434.8131782731521, 1.014227699630586, -0.9417830709273403, 0.004526702624522281, 0.19922417782649934, -197.6423537605237, 355.75623676894264, 197.6423537605237, -513.8701197773617, 0.6791705674317882, -0.40297505827752095, 0.18111157175811385, -0.7335025900666482]),
    ("batch_norm2d/0.1_plain/f64/y_scale", &[31.622776601683793, 31.622776601683793, 31.622776601683793, 31.622776601683793, 0.5252250069911043, 1.0504500139822086, 2.100900027964417, 0.5252250069911043, 31.622776601683793, 31.622776601683793, 31.622776601683793, 31.622776601683793, 0.26261250349555215, 1.5756750209733128, 1.3130625174777608, 1.0504500139822086]),
    ("batch_norm2d/0.1_plain/f64/dx_scale", &[671.9840027857806, 513.8701197773617, 988.2117688026185, 830.0978857941996, 2.3188003405148274, 1.3758853222639988, 1.4121065499461911, 2.223715316449243, 513.8701197773617, 751.04094428999, 592.927061281571, 830.0978857941996, 2.1637228327506555, 1.1970365584834306, 1.483420317995379, 1.650947797425347]),
    ("batch_norm2d/0.1_plain/f64/running_mean", &[0.01, 0.125]),
    ("batch_norm2d/0.1_plain/f64/running_var", &[0.9, 1.3142857142857145]),
    ("batch_norm2d/0.1_plain/f64/eval_y", &[0.0948678027631667, 0.0948678027631667, 0.0948678027631667, 0.0948678027631667, 0.7632406753625851, 1.635515732919825, 3.3800658480343055, -0.9813094397518951, 0.0948678027631667, 0.0948678027631667, 0.0948678027631667, 0.0948678027631667, 0.32710314658396505, 2.507790790477065, 2.071653261698445, -1.8535844973091353]),
    ("batch_norm2d/0.1_plain/f64/eval_dx", &[1.0540866973685188, 0.5270433486842594, -2.1081733947370376, 1.5811300460527782, 2.6168251726717204, -0.8722750575572401, 0.21806876438931003, 1.7445501151144802, -0.5270433486842594, 1.3176083717106484, 0.7905650230263891, -1.5811300460527782, 2.1806876438931004, -0.21806876438931003, 0.8722750575572401, 0.43613752877862005]),
    ("batch_norm1d/-7.3_affine/f64/x", &[-7.3, 1.0, -7.3, 2.0, -7.3, 4.0]),
    ("batch_norm1d/-7.3_affine/f64/y", &[0.09999999999995987, 2.4380830629005956, 0.09999999999995987, 0.834520765725149, 0.09999999999995987, -2.372603828625744]),
    ("batch_norm1d/-7.3_affine/f64/dx", &[52.70462766947299, 1.0308531317401934, -421.6370213557839, -1.546294301387329, 368.9323936863109, 0.5154411696471356]),
    ("batch_norm1d/-7.3_affine/f64/y_scale", &[1154.2313459614584, 1.6035622971754464, 1154.2313459614584, 3.207124594350893, 1154.2313459614584, 6.414249188701786]),
    ("batch_norm1d/-7.3_affine/f64/dx_scale", &[474.34164902525686, 3.7034569603659375, 632.4555320336758, 4.333434121589308, 790.5694150420948, 4.829766487604353]),
    ("batch_norm1d/-7.3_affine/f64/dgamma", &[0.0, -2.2717132543318823]),
    ("batch_norm1d/-7.3_affine/f64/dbeta", &[2.0, 1.0]),
    ("batch_norm1d/-7.3_affine/f64/dgamma_scale", &[13850.776151537499, 6.013358614407924]),
    ("batch_norm1d/-7.3_affine/f64/running_mean", &[-0.73, 0.23333333333333336]),
    ("batch_norm1d/-7.3_affine/f64/running_var", &[0.9, 1.1333333333333333]),
    ("batch_norm1d/-7.3_affine/f64/eval_y", &[-3.3626748008555842, -1.140309515203176, -3.3626748008555842, -3.0189741002507966, -3.3626748008555842, -6.7763032703460375]),
    ("batch_norm1d/-7.3_affine/f64/eval_dx", &[0.5270433486842594, -0.9393322925238103, -1.0540866973685188, -2.817996877571431, 1.5811300460527782, 1.8786645850476207]),
    ("batch_norm1d/-7.3_affine/f64/eval_dgamma", &[-13.850699203422337, -0.6888436811841276]),
    ("batch_norm1d/-7.3_affine/f64/eval_dbeta", &[2.0, 1.0]),
    ("batch_norm2d/-7.3_affine/f64/x", &[-7.3, -7.3, -7.3, -7.3, 1.0, 2.0, 4.0, -1.0, -7.3, -7.3, -7.3, -7.3, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/-7.3_affine/f64/y", &[0.09999999999995987, 0.09999999999995987, 0.09999999999995987, 0.09999999999995987, 0.5626125034955523, -0.48783751048665636, -2.5887375384510736, 2.6635125314599692, 0.09999999999995987, 0.09999999999995987, 0.09999999999995987, 0.09999999999995987, 1.0878375104866564, -1.538287524468865, -1.0130625174777608, 3.713962545442178]),
    ("batch_norm2d/-7.3_affine/f64/dx", &[138.34964763236658, 59.29270612815711, -335.9920013928903, 217.40658913657606, -2.028455399261172, 1.8835661418546805, -0.009053405249044561, -0.3984483556529987, -98.82117688026185, 177.87811838447132, 98.82117688026185, -256.9350598886808, -1.3583411348635763, 0.8059501165550419, -0.3622231435162277, 1.4670051801332964]),
    ("batch_norm2d/-7.3_affine/f64/y_scale", &[1154.2313459614584, 1154.2313459614584, 1154.2313459614584, 1154.2313459614584, 1.0504500139822086, 2.100900027964417, 4.201800055928834, 1.0504500139822086, 1154.2313459614584, 1154.2313459614584, 1154.2313459614584, 1154.2313459614584, 0.5252250069911043, 3.1513500419466256, 2.6261250349555216, 2.100900027964417]),
    ("batch_norm2d/-7.3_affine/f64/dx_scale", &[335.9920013928903, 256.9350598886808, 494.10588440130925, 415.0489428970998, 4.637600681029655, 2.7517706445279977, 2.8242130998923822, 4.447430632898486, 256.9350598886808, 375.520472144995, 296.4635306407855, 415.0489428970998, 4.327445665501311, 2.394073116966861, 2.966840635990758, 3.301895594850694]),
    ("batch_norm2d/-7.3_affine/f64/dgamma", &[-2.8086667748613606e-13, -4.201800055928834]),
    ("batch_norm2d/-7.3_affine/f64/dbeta", &[1.0, 8.0]),
    ("batch_norm2d/-7.3_affine/f64/dgamma_scale", &[20776.16422730625, 7.090537594379908]),
    ("batch_norm2d/-7.3_affine/f64/running_mean", &[-0.73, 0.125]),
    ("batch_norm2d/-7.3_affine/f64/running_var", &[0.9, 1.3142857142857145]),
    ("batch_norm2d/-7.3_affine/f64/eval_y", &[-3.3626748008555842, -3.3626748008555842, -3.3626748008555842, -3.3626748008555842, -1.2264813507251702, -2.9710314658396504, -6.460131696068611, 2.2626188795037905, -3.3626748008555842, -3.3626748008555842, -3.3626748008555842, -3.3626748008555842, -0.35420629316793006, -4.71558158095413, -3.8433065233968904, 4.0071689946182705]),
    ("batch_norm2d/-7.3_affine/f64/eval_dx", &[0.5270433486842594, 0.2635216743421297, -1.0540866973685188, 0.7905650230263891, -5.233650345343441, 1.7445501151144802, -0.43613752877862005, -3.4891002302289604, -0.2635216743421297, 0.6588041858553242, 0.39528251151319455, -0.7905650230263891, -4.361375287786201, 0.43613752877862005, -1.7445501151144802, -0.8722750575572401]),
    ("batch_norm2d/-7.3_affine/f64/eval_dgamma", &[-6.925349601711169, 0.8722750575572401]),
    ("batch_norm2d/-7.3_affine/f64/eval_dbeta", &[1.0, 8.0]),
    ("batch_norm1d/-7.3_plain/f64/x", &[-7.3, 1.0, -7.3, 2.0, -7.3, 4.0]),
    ("batch_norm1d/-7.3_plain/f64/y", &[1.0164807058587362e-13, -1.069041531450298, 1.0164807058587362e-13, -0.2672603828625746, 1.0164807058587362e-13, 1.3363019143128718]),
    ("batch_norm1d/-7.3_plain/f64/dx", &[105.40925533894598, -0.5154265658700967, -843.2740427115677, 0.7731471506936645, 737.8647873726218, -0.2577205848235678]),
    ("batch_norm1d/-7.3_plain/f64/y_scale", &[2308.4626919229167, 0.8017811485877232, 2308.4626919229167, 1.6035622971754464, 2308.4626919229167, 3.207124594350893]),
    ("batch_norm1d/-7.3_plain/f64/dx_scale", &[948.6832980505137, 1.8517284801829688, 1264.9110640673516, 2.166717060794654, 1581.1388300841895, 2.4148832438021763]),
    ("batch_norm1d/-7.3_plain/f64/running_mean", &[-0.73, 0.23333333333333336]),
    ("batch_norm1d/-7.3_plain/f64/running_var", &[0.9, 1.1333333333333333]),
    ("batch_norm1d/-7.3_plain/f64/eval_y", &[-6.925349601711169, 0.7201547576015879, -6.925349601711169, 1.6594870501253982, -6.925349601711169, 3.538151635173019]),
    ("batch_norm1d/-7.3_plain/f64/eval_dx", &[1.0540866973685188, 0.46966614626190517, -2.1081733947370376, 1.4089984387857155, 3.1622600921055564, -0.9393322925238103]),
    ("batch_norm2d/-7.3_plain/f64/x", &[-7.3, -7.3, -7.3, -7.3, 1.0, 2.0, 4.0, -1.0, -7.3, -7.3, -7.3, -7.3, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/-7.3_plain/f64/y", &[-3.530992803005905e-13, -3.530992803005905e-13, -3.530992803005905e-13, -3.530992803005905e-13, -0.1313062517477761, 0.3939187552433282, 1.444368769225537, -1.1817562657299847, -3.530992803005905e-13, -3.530992803005905e-13, -3.530992803005905e-13, -3.530992803005905e-13, -0.39391875524332826, 0.9191437622344325, 0.6565312587388803, -1.7069812727210891]),
    ("batch_norm2d/-7.3_plain/f64/dx", &[276.69929526473317, 118.58541225631421, -671.9840027857806, 434.8131782731521, 1.014227699630586, -0.9417830709273403, 0.004526702624522281, 0.19922417782649934, -197.6423537605237, 355.75623676894264, 197.6423537605237, -513.8701197773617, 0.6791705674317882, -0.40297505827752095, 0.18111157175811385, -0.7335025900666482]),
    ("batch_norm2d/-7.3_plain/f64/y_scale", &[2308.4626919229167, 2308.4626919229167, 2308.4626919229167, 2308.4626919229167, 0.5252250069911043, 1.0504500139822086, 2.100900027964417, 0.5252250069911043, 2308.4626919229167, 2308.4626919229167, 2308.4626919229167, 2308.4626919229167, 0.26261250349555215, 1.5756750209733128, 1.3130625174777608, 1.0504500139822086]),
    ("batch_norm2d/-7.3_plain/f64/dx_scale", &[671.9840027857806, 513.8701197773617, 988.2117688026185, 830.0978857941996, 2.3188003405148274, 1.3758853222639988, 1.4121065499461911, 2.223715316449243, 513.8701197773617, 751.04094428999, 592.927061281571, 830.0978857941996, 2.1637228327506555, 1.1970365584834306, 1.483420317995379, 1.650947797425347]),
    ("batch_norm2d/-7.3_plain/f64/running_mean", &[-0.73, 0.125]),
    ("batch_norm2d/-7.3_plain/f64/running_var", &[0.9, 1.3142857142857145]),
    ("batch_norm2d/-7.3_plain/f64/eval_y", &[-6.925349601711169, -6.925349601711169, -6.925349601711169, -6.925349601711169, 0.7632406753625851, 1.635515732919825, 3.3800658480343055, -0.9813094397518951, -6.925349601711169, -6.925349601711169, -6.925349601711169, -6.925349601711169, 0.32710314658396505, 2.507790790477065, 2.071653261698445, -1.8535844973091353]),
    ("batch_norm2d/-7.3_plain/f64/eval_dx", &[1.0540866973685188, 0.5270433486842594, -2.1081733947370376, 1.5811300460527782, 2.6168251726717204, -0.8722750575572401, 0.21806876438931003, 1.7445501151144802, -0.5270433486842594, 1.3176083717106484, 0.7905650230263891, -1.5811300460527782, 2.1806876438931004, -0.21806876438931003, 0.8722750575572401, 0.43613752877862005]),
    ("batch_norm1d/3_affine/f64/x", &[3.0, 1.0, 3.0, 2.0, 3.0, 4.0]),
    ("batch_norm1d/3_affine/f64/y", &[0.10000000000002274, 2.4380830629005956, 0.10000000000002274, 0.834520765725149, 0.10000000000002274, -2.372603828625744]),
    ("batch_norm1d/3_affine/f64/dx", &[52.70462766947299, 1.0308531317401934, -421.6370213557839, -1.546294301387329, 368.9323936863109, 0.5154411696471356]),
    ("batch_norm1d/3_affine/f64/y_scale", &[474.34164902525686, 1.6035622971754464, 474.34164902525686, 3.207124594350893, 474.34164902525686, 6.414249188701786]),
    ("batch_norm1d/3_affine/f64/dx_scale", &[474.34164902525686, 3.7034569603659375, 632.4555320336758, 4.333434121589308, 790.5694150420948, 4.829766487604353]),
    ("batch_norm1d/3_affine/f64/dgamma", &[0.0, -2.2717132543318823]),
    ("batch_norm1d/3_affine/f64/dbeta", &[2.0, 1.0]),
    ("batch_norm1d/3_affine/f64/dgamma_scale", &[5692.099788303082, 6.013358614407924]),
    ("batch_norm1d/3_affine/f64/running_mean", &[0.30000000000000004, 0.23333333333333336]),
    ("batch_norm1d/3_affine/f64/running_var", &[0.9, 1.1333333333333333]),
    ("batch_norm1d/3_affine/f64/eval_y", &[1.5230170414475004, -1.140309515203176, 1.5230170414475004, -3.0189741002507966, 1.5230170414475004, -6.7763032703460375]),
    ("batch_norm1d/3_affine/f64/eval_dx", &[0.5270433486842594, -0.9393322925238103, -1.0540866973685188, -2.817996877571431, 1.5811300460527782, 1.8786645850476207]),
    ("batch_norm1d/3_affine/f64/eval_dgamma", &[5.692068165790003, -0.6888436811841276]),
    ("batch_norm1d/3_affine/f64/eval_dbeta", &[2.0, 1.0]),
    ("batch_norm2d/3_affine/f64/x", &[3.0, 3.0, 3.0, 3.0, 1.0, 2.0, 4.0, -1.0, 3.0, 3.0, 3.0, 3.0, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/3_affine/f64/y", &[0.10000000000002274, 0.10000000000002274, 0.10000000000002274, 0.10000000000002274, 0.5626125034955523, -0.48783751048665636, -2.5887375384510736, 2.6635125314599692, 0.10000000000002274, 0.10000000000002274, 0.10000000000002274, 0.10000000000002274, 1.0878375104866564, -1.538287524468865, -1.0130625174777608, 3.713962545442178]),
    ("batch_norm2d/3_affine/f64/dx", &[138.34964763236658, 59.29270612815711, -335.9920013928903, 217.40658913657606, -2.028455399261172, 1.8835661418546805, -0.009053405249044561, -0.3984483556529987, -98.82117688026185, 177.87811838447132, 98.82117688026185, -256.9350598886808, -1.3583411348635763, 0.8059501165550419, -0.3622231435162277, 1.4670051801332964]),
    ("batch_norm2d/3_affine/f64/y_scale", &[474.34164902525686, 474.34164902525686, 474.34164902525686, 474.34164902525686, 1.0504500139822086, 2.100900027964417, 4.201800055928834, 1.0504500139822086, 474.34164902525686, 474.34164902525686, 474.34164902525686, 474.34164902525686, 0.5252250069911043, 3.1513500419466256, 2.6261250349555216, 2.100900027964417]),
    ("batch_norm2d/3_affine/f64/dx_scale", &[335.9920013928903, 256.9350598886808, 494.10588440130925, 415.0489428970998, 4.637600681029655, 2.7517706445279977, 2.8242130998923822, 4.447430632898486, 256.9350598886808, 375.520472144995, 296.4635306407855, 415.0489428970998, 4.327445665501311, 2.394073116966861, 2.966840635990758, 3.301895594850694]),
    ("batch_norm2d/3_affine/f64/dgamma", &[0.0, -4.201800055928834]),
    ("batch_norm2d/3_affine/f64/dbeta", &[1.0, 8.0]),
    ("batch_norm2d/3_affine/f64/dgamma_scale", &[8538.149682454623, 7.090537594379908]),
    ("batch_norm2d/3_affine/f64/running_mean", &[0.30000000000000004, 0.125]),
    ("batch_norm2d/3_affine/f64/running_var", &[0.9, 1.3142857142857145]),
    ("batch_norm2d/3_affine/f64/eval_y", &[1.5230170414475004, 1.5230170414475004, 1.5230170414475004, 1.5230170414475004, -1.2264813507251702, -2.9710314658396504, -6.460131696068611, 2.2626188795037905, 1.5230170414475004, 1.5230170414475004, 1.5230170414475004, 1.5230170414475004, -0.35420629316793006, -4.71558158095413, -3.8433065233968904, 4.0071689946182705]),
    ("batch_norm2d/3_affine/f64/eval_dx", &[0.5270433486842594, 0.2635216743421297, -1.0540866973685188, 0.7905650230263891, -5.233650345343441, 1.7445501151144802, -0.43613752877862005, -3.4891002302289604, -0.2635216743421297, 0.6588041858553242, 0.39528251151319455, -0.7905650230263891, -4.361375287786201, 0.43613752877862005, -1.7445501151144802, -0.8722750575572401]),
    ("batch_norm2d/3_affine/f64/eval_dgamma", &[2.846034082895002, 0.8722750575572401]),
    ("batch_norm2d/3_affine/f64/eval_dbeta", &[1.0, 8.0]),
    ("batch_norm1d/3_plain/f64/x", &[3.0, 1.0, 3.0, 2.0, 3.0, 4.0]),
    ("batch_norm1d/3_plain/f64/y", &[0.0, -1.069041531450298, 0.0, -0.2672603828625746, 0.0, 1.3363019143128718]),
    ("batch_norm1d/3_plain/f64/dx", &[105.40925533894598, -0.5154265658700967, -843.2740427115677, 0.7731471506936645, 737.8647873726218, -0.2577205848235678]),
    ("batch_norm1d/3_plain/f64/y_scale", &[948.6832980505137, 0.8017811485877232, 948.6832980505137, 1.6035622971754464, 948.6832980505137, 3.207124594350893]),
    ("batch_norm1d/3_plain/f64/dx_scale", &[948.6832980505137, 1.8517284801829688, 1264.9110640673516, 2.166717060794654, 1581.1388300841895, 2.4148832438021763]),
    ("batch_norm1d/3_plain/f64/running_mean", &[0.30000000000000004, 0.23333333333333336]),
    ("batch_norm1d/3_plain/f64/running_var", &[0.9, 1.1333333333333333]),
    ("batch_norm1d/3_plain/f64/eval_y", &[2.8460340828950006, 0.7201547576015879, 2.8460340828950006, 1.6594870501253982, 2.8460340828950006, 3.538151635173019]),
    ("batch_norm1d/3_plain/f64/eval_dx", &[1.0540866973685188, 0.46966614626190517, -2.1081733947370376, 1.4089984387857155, 3.1622600921055564, -0.9393322925238103]),
    ("batch_norm2d/3_plain/f64/x", &[3.0, 3.0, 3.0, 3.0, 1.0, 2.0, 4.0, -1.0, 3.0, 3.0, 3.0, 3.0, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/3_plain/f64/y", &[0.0, 0.0, 0.0, 0.0, -0.1313062517477761, 0.3939187552433282, 1.444368769225537, -1.1817562657299847, 0.0, 0.0, 0.0, 0.0, -0.39391875524332826, 0.9191437622344325, 0.6565312587388803, -1.7069812727210891]),
    ("batch_norm2d/3_plain/f64/dx", &[276.69929526473317, 118.58541225631421, -671.9840027857806, 434.8131782731521, 1.014227699630586, -0.9417830709273403, 0.004526702624522281, 0.19922417782649934, -197.6423537605237, 355.75623676894264, 197.6423537605237, -513.8701197773617, 0.6791705674317882, -0.40297505827752095, 0.18111157175811385, -0.7335025900666482]),
    ("batch_norm2d/3_plain/f64/y_scale", &[948.6832980505137, 948.6832980505137, 948.6832980505137, 948.6832980505137, 0.5252250069911043, 1.0504500139822086, 2.100900027964417, 0.5252250069911043, 948.6832980505137, 948.6832980505137, 948.6832980505137, 948.6832980505137, 0.26261250349555215, 1.5756750209733128, 1.3130625174777608, 1.0504500139822086]),
    ("batch_norm2d/3_plain/f64/dx_scale", &[671.9840027857806, 513.8701197773617, 988.2117688026185, 830.0978857941996, 2.3188003405148274, 1.3758853222639988, 1.4121065499461911, 2.223715316449243, 513.8701197773617, 751.04094428999, 592.927061281571, 830.0978857941996, 2.1637228327506555, 1.1970365584834306, 1.483420317995379, 1.650947797425347]),
    ("batch_norm2d/3_plain/f64/running_mean", &[0.30000000000000004, 0.125]),
    ("batch_norm2d/3_plain/f64/running_var", &[0.9, 1.3142857142857145]),
    ("batch_norm2d/3_plain/f64/eval_y", &[2.8460340828950006, 2.8460340828950006, 2.8460340828950006, 2.8460340828950006, 0.7632406753625851, 1.635515732919825, 3.3800658480343055, -0.9813094397518951, 2.8460340828950006, 2.8460340828950006, 2.8460340828950006, 2.8460340828950006, 0.32710314658396505, 2.507790790477065, 2.071653261698445, -1.8535844973091353]),
    ("batch_norm2d/3_plain/f64/eval_dx", &[1.0540866973685188, 0.5270433486842594, -2.1081733947370376, 1.5811300460527782, 2.6168251726717204, -0.8722750575572401, 0.21806876438931003, 1.7445501151144802, -0.5270433486842594, 1.3176083717106484, 0.7905650230263891, -1.5811300460527782, 2.1806876438931004, -0.21806876438931003, 0.8722750575572401, 0.43613752877862005]),
    ("batch_norm1d/10000_affine/f64/x", &[10000.0, 1.0, 10000.0, 2.0, 10000.0, 4.0]),
    ("batch_norm1d/10000_affine/f64/y", &[0.10000000007494236, 2.4380830629005956, 0.10000000007494236, 0.834520765725149, 0.10000000007494236, -2.372603828625744]),
    ("batch_norm1d/10000_affine/f64/dx", &[52.70462766947299, 1.0308531317401934, -421.6370213557839, -1.546294301387329, 368.9323936863109, 0.5154411696471356]),
    ("batch_norm1d/10000_affine/f64/y_scale", &[1581138.8300841895, 1.6035622971754464, 1581138.8300841895, 3.207124594350893, 1581138.8300841895, 6.414249188701786]),
    ("batch_norm1d/10000_affine/f64/dx_scale", &[474.34164902525686, 3.7034569603659375, 632.4555320336758, 4.333434121589308, 790.5694150420948, 4.829766487604353]),
    ("batch_norm1d/10000_affine/f64/dgamma", &[0.0, -2.2717132543318823]),
    ("batch_norm1d/10000_affine/f64/dbeta", &[2.0, 1.0]),
    ("batch_norm1d/10000_affine/f64/dgamma_scale", &[18973665.961010274, 6.013358614407924]),
    ("batch_norm1d/10000_affine/f64/running_mean", &[1000.0, 0.23333333333333336]),
    ("batch_norm1d/10000_affine/f64/running_var", &[0.9, 1.1333333333333333]),
    ("batch_norm1d/10000_affine/f64/eval_y", &[4743.490138158335, -1.140309515203176, 4743.490138158335, -3.0189741002507966, 4743.490138158335, -6.7763032703460375]),
    ("batch_norm1d/10000_affine/f64/eval_dx", &[0.5270433486842594, -0.9393322925238103, -1.0540866973685188, -2.817996877571431, 1.5811300460527782, 1.8786645850476207]),
    ("batch_norm1d/10000_affine/f64/eval_dgamma", &[18973.56055263334, -0.6888436811841276]),
    ("batch_norm1d/10000_affine/f64/eval_dbeta", &[2.0, 1.0]),
    ("batch_norm2d/10000_affine/f64/x", &[10000.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0, -1.0, 10000.0, 10000.0, 10000.0, 10000.0, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/10000_affine/f64/y", &[0.10000000007494236, 0.10000000007494236, 0.10000000007494236, 0.10000000007494236, 0.5626125034955523, -0.48783751048665636, -2.5887375384510736, 2.6635125314599692, 0.10000000007494236, 0.10000000007494236, 0.10000000007494236, 0.10000000007494236, 1.0878375104866564, -1.538287524468865, -1.0130625174777608, 3.713962545442178]),
    ("batch_norm2d/10000_affine/f64/dx", &[138.34964763236658, 59.29270612815711, -335.9920013928903, 217.40658913657606, -2.028455399261172, 1.8835661418546805, -0.009053405249044561, -0.3984483556529987, -98.82117688026185, 177.87811838447132, 98.82117688026185, -256.9350598886808, -1.3583411348635763, 0.8059501165550419, -0.3622231435162277, 1.4670051801332964]),
    ("batch_norm2d/10000_affine/f64/y_scale", &[1581138.8300841895, 1581138.8300841895, 1581138.8300841895, 1581138.8300841895, 1.0504500139822086, 2.100900027964417, 4.201800055928834, 1.0504500139822086, 1581138.8300841895, 1581138.8300841895, 1581138.8300841895, 1581138.8300841895, 0.5252250069911043, 3.1513500419466256, 2.6261250349555216, 2.100900027964417]),
    ("batch_norm2d/10000_affine/f64/dx_scale", &[335.9920013928903, 256.9350598886808, 494.10588440130925, 415.0489428970998, 4.637600681029655, 2.7517706445279977, 2.8242130998923822, 4.447430632898486, 256.9350598886808, 375.520472144995, 296.4635306407855, 415.0489428970998, 4.327445665501311, 2.394073116966861, 2.966840635990758, 3.301895594850694]),
    ("batch_norm2d/10000_affine/f64/dgamma", &[0.0, -4.201800055928834]),
    ("batch_norm2d/10000_affine/f64/dbeta", &[1.0, 8.0]),
    ("batch_norm2d/10000_affine/f64/dgamma_scale", &[28460498.94151541, 7.090537594379908]),
    ("batch_norm2d/10000_affine/f64/running_mean", &[1000.0, 0.125]),
    ("batch_norm2d/10000_affine/f64/running_var", &[0.9, 1.3142857142857145]),
    ("batch_norm2d/10000_affine/f64/eval_y", &[4743.490138158335, 4743.490138158335, 4743.490138158335, 4743.490138158335, -1.2264813507251702, -2.9710314658396504, -6.460131696068611, 2.2626188795037905, 4743.490138158335, 4743.490138158335, 4743.490138158335, 4743.490138158335, -0.35420629316793006, -4.71558158095413, -3.8433065233968904, 4.0071689946182705]),
    ("batch_norm2d/10000_affine/f64/eval_dx", &[0.5270433486842594, 0.2635216743421297, -1.0540866973685188, 0.7905650230263891, -5.233650345343441, 1.7445501151144802, -0.43613752877862005, -3.4891002302289604, -0.2635216743421297, 0.6588041858553242, 0.39528251151319455, -0.7905650230263891, -4.361375287786201, 0.43613752877862005, -1.7445501151144802, -0.8722750575572401]),
    ("batch_norm2d/10000_affine/f64/eval_dgamma", &[9486.78027631667, 0.8722750575572401]),
    ("batch_norm2d/10000_affine/f64/eval_dbeta", &[1.0, 8.0]),
    ("batch_norm1d/10000_plain/f64/x", &[10000.0, 1.0, 10000.0, 2.0, 10000.0, 4.0]),
    ("batch_norm1d/10000_plain/f64/y", &[-3.637978807091713e-11, -1.069041531450298, -3.637978807091713e-11, -0.2672603828625746, -3.637978807091713e-11, 1.3363019143128718]),
    ("batch_norm1d/10000_plain/f64/dx", &[105.40925533894598, -0.5154265658700967, -843.2740427115677, 0.7731471506936645, 737.8647873726218, -0.2577205848235678]),
    ("batch_norm1d/10000_plain/f64/y_scale", &[3162277.660168379, 0.8017811485877232, 3162277.660168379, 1.6035622971754464, 3162277.660168379, 3.207124594350893]),
    ("batch_norm1d/10000_plain/f64/dx_scale", &[948.6832980505137, 1.8517284801829688, 1264.9110640673516, 2.166717060794654, 1581.1388300841895, 2.4148832438021763]),
    ("batch_norm1d/10000_plain/f64/running_mean", &[1000.0, 0.23333333333333336]),
    ("batch_norm1d/10000_plain/f64/running_var", &[0.9, 1.1333333333333333]),
    ("batch_norm1d/10000_plain/f64/eval_y", &[9486.78027631667, 0.7201547576015879, 9486.78027631667, 1.6594870501253982, 9486.78027631667, 3.538151635173019]),
    ("batch_norm1d/10000_plain/f64/eval_dx", &[1.0540866973685188, 0.46966614626190517, -2.1081733947370376, 1.4089984387857155, 3.1622600921055564, -0.9393322925238103]),
    ("batch_norm2d/10000_plain/f64/x", &[10000.0, 10000.0, 10000.0, 10000.0, 1.0, 2.0, 4.0, -1.0, 10000.0, 10000.0, 10000.0, 10000.0, 0.5, 3.0, 2.5, -2.0]),
    ("batch_norm2d/10000_plain/f64/y", &[-3.637978807091713e-11, -3.637978807091713e-11, -3.637978807091713e-11, -3.637978807091713e-11, -0.1313062517477761, 0.3939187552433282, 1.444368769225537, -1.1817562657299847, -3.637978807091713e-11, -3.637978807091713e-11, -3.637978807091713e-11, -3.637978807091713e-11, -0.39391875524332826, 0.9191437622344325, 0.6565312587388803, -1.7069812727210891]),
    ("batch_norm2d/10000_plain/f64/dx", &[276.69929526473317, 118.58541225631421, -671.9840027857806, 434.8131782731521, 1.014227699630586, -0.9417830709273403, 0.004526702624522281, 0.19922417782649934, -197.6423537605237, 355.75623676894264, 197.6423537605237, -513.8701197773617, 0.6791705674317882, -0.40297505827752095, 0.18111157175811385, -0.7335025900666482]),
    ("batch_norm2d/10000_plain/f64/y_scale", &[3162277.660168379, 3162277.660168379, 3162277.660168379, 3162277.660168379, 0.5252250069911043, 1.0504500139822086, 2.100900027964417, 0.5252250069911043, 3162277.660168379, 3162277.660168379, 3162277.660168379, 3162277.660168379, 0.26261250349555215, 1.5756750209733128, 1.3130625174777608, 1.0504500139822086]),
    ("batch_norm2d/10000_plain/f64/dx_scale", &[671.9840027857806, 513.8701197773617, 988.2117688026185, 830.0978857941996, 2.3188003405148274, 1.3758853222639988, 1.4121065499461911, 2.223715316449243, 513.8701197773617, 751.04094428999, 592.927061281571, 830.0978857941996, 2.1637228327506555, 1.1970365584834306, 1.483420317995379, 1.650947797425347]),
    ("batch_norm2d/10000_plain/f64/running_mean", &[1000.0, 0.125]),
    ("batch_norm2d/10000_plain/f64/running_var", &[0.9, 1.3142857142857145]),
    ("batch_norm2d/10000_plain/f64/eval_y", &[9486.78027631667, 9486.78027631667, 9486.78027631667, 9486.78027631667, 0.7632406753625851, 1.635515732919825, 3.3800658480343055, -0.9813094397518951, 9486.78027631667, 9486.78027631667, 9486.78027631667, 9486.78027631667, 0.32710314658396505, 2.507790790477065, 2.071653261698445, -1.8535844973091353]),
    ("batch_norm2d/10000_plain/f64/eval_dx", &[1.0540866973685188, 0.5270433486842594, -2.1081733947370376, 1.5811300460527782, 2.6168251726717204, -0.8722750575572401, 0.21806876438931003, 1.7445501151144802, -0.5270433486842594, 1.3176083717106484, 0.7905650230263891, -1.5811300460527782, 2.1806876438931004, -0.21806876438931003, 0.8722750575572401, 0.43613752877862005]),
    ("batch_norm/gamma", &[0.5, -2.0]),
    ("batch_norm/beta", &[0.1, 0.3]),
    ("batch_norm1d/w", &[1.0, 0.5, -2.0, 1.5, 3.0, -1.0]),
    ("batch_norm2d/w", &[1.0, 0.5, -2.0, 1.5, 3.0, -1.0, 0.25, 2.0, -0.5, 1.25, 0.75, -1.5, 2.5, -0.25, 1.0, 0.5]),
    ("softmax/w", &[1.0, 2.0, 3.0]),
    ("softmax/one_neg_inf/f32/x", &[0.0, -INF, 1.0]),
    ("softmax/one_neg_inf/f32/y", &[0.2689414322376251, 0.0, 0.7310585975646973]),
    ("softmax/one_neg_inf/f32/dx", &[-0.3932238817214966, -0.0, 0.3932238519191742]),
    ("log_softmax/one_neg_inf/f32/x", &[0.0, -INF, 1.0]),
    ("log_softmax/one_neg_inf/f32/y", &[-1.31326162815094, -INF, -0.31326165795326233]),
    ("log_softmax/one_neg_inf/f32/dx", &[-0.6136485934257507, 2.0, -1.3863515853881836]),
    ("logsumexp/one_neg_inf/f32/x", &[0.0, -INF, 1.0]),
    ("logsumexp/one_neg_inf/f32/y", &[1.31326162815094]),
    ("logsumexp/one_neg_inf/f32/dx", &[0.2689414322376251, 0.0, 0.7310585975646973]),
    ("softmax/all_neg_inf/f32/x", &[-INF, -INF, -INF]),
    ("softmax/all_neg_inf/f32/y", &[NAN, NAN, NAN]),
    ("softmax/all_neg_inf/f32/dx", &[NAN, NAN, NAN]),
    ("log_softmax/all_neg_inf/f32/x", &[-INF, -INF, -INF]),
    ("log_softmax/all_neg_inf/f32/y", &[NAN, NAN, NAN]),
    ("log_softmax/all_neg_inf/f32/dx", &[NAN, NAN, NAN]),
    ("logsumexp/all_neg_inf/f32/x", &[-INF, -INF, -INF]),
    ("logsumexp/all_neg_inf/f32/y", &[-INF]),
    ("logsumexp/all_neg_inf/f32/dx", &[NAN, NAN, NAN]),
    ("softmax/one_pos_inf/f32/x", &[INF, 0.0, 1.0]),
    ("softmax/one_pos_inf/f32/y", &[NAN, NAN, NAN]),
    ("softmax/one_pos_inf/f32/dx", &[NAN, NAN, NAN]),
    ("log_softmax/one_pos_inf/f32/x", &[INF, 0.0, 1.0]),
    ("log_softmax/one_pos_inf/f32/y", &[NAN, NAN, NAN]),
    ("log_softmax/one_pos_inf/f32/dx", &[NAN, NAN, NAN]),
    ("logsumexp/one_pos_inf/f32/x", &[INF, 0.0, 1.0]),
    ("logsumexp/one_pos_inf/f32/y", &[INF]),
    ("logsumexp/one_pos_inf/f32/dx", &[NAN, 0.0, 0.0]),
    ("softmax/two_pos_inf/f32/x", &[INF, INF, 0.0]),
    ("softmax/two_pos_inf/f32/y", &[NAN, NAN, NAN]),
    ("softmax/two_pos_inf/f32/dx", &[NAN, NAN, NAN]),
    ("log_softmax/two_pos_inf/f32/x", &[INF, INF, 0.0]),
    ("log_softmax/two_pos_inf/f32/y", &[NAN, NAN, NAN]),
    ("log_softmax/two_pos_inf/f32/dx", &[NAN, NAN, NAN]),
    ("logsumexp/two_pos_inf/f32/x", &[INF, INF, 0.0]),
    ("logsumexp/two_pos_inf/f32/y", &[INF]),
    ("logsumexp/two_pos_inf/f32/dx", &[NAN, NAN, 0.0]),
    ("softmax/pos_and_neg_inf/f32/x", &[INF, -INF, 0.0]),
    ("softmax/pos_and_neg_inf/f32/y", &[NAN, NAN, NAN]),
    ("softmax/pos_and_neg_inf/f32/dx", &[NAN, NAN, NAN]),
    ("log_softmax/pos_and_neg_inf/f32/x", &[INF, -INF, 0.0]),
    ("log_softmax/pos_and_neg_inf/f32/y", &[NAN, NAN, NAN]),
    ("log_softmax/pos_and_neg_inf/f32/dx", &[NAN, NAN, NAN]),
    ("logsumexp/pos_and_neg_inf/f32/x", &[INF, -INF, 0.0]),
    ("logsumexp/pos_and_neg_inf/f32/y", &[INF]),
    ("logsumexp/pos_and_neg_inf/f32/dx", &[NAN, 0.0, 0.0]),
    ("softmax/neg_and_pos_inf/f32/x", &[-INF, 0.0, INF]),
    ("softmax/neg_and_pos_inf/f32/y", &[NAN, NAN, NAN]),
    ("softmax/neg_and_pos_inf/f32/dx", &[NAN, NAN, NAN]),
    ("log_softmax/neg_and_pos_inf/f32/x", &[-INF, 0.0, INF]),
    ("log_softmax/neg_and_pos_inf/f32/y", &[NAN, NAN, NAN]),
    ("log_softmax/neg_and_pos_inf/f32/dx", &[NAN, NAN, NAN]),
    ("logsumexp/neg_and_pos_inf/f32/x", &[-INF, 0.0, INF]),
    ("logsumexp/neg_and_pos_inf/f32/y", &[INF]),
    ("logsumexp/neg_and_pos_inf/f32/dx", &[0.0, 0.0, NAN]),
    ("softmax/ties_and_neg_inf/f32/x", &[0.0, 0.0, -INF]),
    ("softmax/ties_and_neg_inf/f32/y", &[0.5, 0.5, 0.0]),
    ("softmax/ties_and_neg_inf/f32/dx", &[-0.25, 0.25, 0.0]),
    ("log_softmax/ties_and_neg_inf/f32/x", &[0.0, 0.0, -INF]),
    ("log_softmax/ties_and_neg_inf/f32/y", &[-0.6931471824645996, -0.6931471824645996, -INF]),
    ("log_softmax/ties_and_neg_inf/f32/dx", &[-2.0, -1.0, 3.0]),
    ("logsumexp/ties_and_neg_inf/f32/x", &[0.0, 0.0, -INF]),
    ("logsumexp/ties_and_neg_inf/f32/y", &[0.6931471824645996]),
    ("logsumexp/ties_and_neg_inf/f32/dx", &[0.5, 0.5, 0.0]),
    ("softmax/mixed_1e4/f32/x", &[10000.0, -10000.0, 0.0]),
    ("softmax/mixed_1e4/f32/y", &[1.0, 0.0, 0.0]),
    ("softmax/mixed_1e4/f32/dx", &[0.0, 0.0, 0.0]),
    ("log_softmax/mixed_1e4/f32/x", &[10000.0, -10000.0, 0.0]),
    ("log_softmax/mixed_1e4/f32/y", &[0.0, -20000.0, -10000.0]),
    ("log_softmax/mixed_1e4/f32/dx", &[-5.0, 2.0, 3.0]),
    ("logsumexp/mixed_1e4/f32/x", &[10000.0, -10000.0, 0.0]),
    ("logsumexp/mixed_1e4/f32/y", &[10000.0]),
    ("logsumexp/mixed_1e4/f32/dx", &[1.0, 0.0, 0.0]),
    ("softmax/mixed_3e38/f32/x", &[3.0000000054977558e+38, -3.0000000054977558e+38, 0.0]),
    ("softmax/mixed_3e38/f32/y", &[1.0, 0.0, 0.0]),
    ("softmax/mixed_3e38/f32/dx", &[0.0, 0.0, 0.0]),
    ("log_softmax/mixed_3e38/f32/x", &[3.0000000054977558e+38, -3.0000000054977558e+38, 0.0]),
    ("log_softmax/mixed_3e38/f32/y", &[0.0, -INF, -3.0000000054977558e+38]),
    ("log_softmax/mixed_3e38/f32/dx", &[-5.0, 2.0, 3.0]),
    ("logsumexp/mixed_3e38/f32/x", &[3.0000000054977558e+38, -3.0000000054977558e+38, 0.0]),
    ("logsumexp/mixed_3e38/f32/y", &[3.0000000054977558e+38]),
    ("logsumexp/mixed_3e38/f32/dx", &[1.0, 0.0, 0.0]),
    ("softmax/tied_3e38/f32/x", &[3.0000000054977558e+38, 3.0000000054977558e+38, 1.0]),
    ("softmax/tied_3e38/f32/y", &[0.5, 0.5, 0.0]),
    ("softmax/tied_3e38/f32/dx", &[-0.25, 0.25, 0.0]),
    ("log_softmax/tied_3e38/f32/x", &[3.0000000054977558e+38, 3.0000000054977558e+38, 1.0]),
    ("log_softmax/tied_3e38/f32/y", &[-0.6931471824645996, -0.6931471824645996, -3.0000000054977558e+38]),
    ("log_softmax/tied_3e38/f32/dx", &[-2.0, -1.0, 3.0]),
    ("logsumexp/tied_3e38/f32/x", &[3.0000000054977558e+38, 3.0000000054977558e+38, 1.0]),
    ("logsumexp/tied_3e38/f32/y", &[3.0000000054977558e+38]),
    ("logsumexp/tied_3e38/f32/dx", &[1.0, 1.0, 0.0]),
    ("softmax/one_neg_inf/f64/x", &[0.0, -INF, 1.0]),
    ("softmax/one_neg_inf/f64/y", &[0.26894142136999516, 0.0, 0.7310585786300049]),
    ("softmax/one_neg_inf/f64/dx", &[-0.3932238664829638, -0.0, 0.39322386648296354]),
    ("log_softmax/one_neg_inf/f64/x", &[0.0, -INF, 1.0]),
    ("log_softmax/one_neg_inf/f64/y", &[-1.3132616875182228, -INF, -0.31326168751822286]),
    ("log_softmax/one_neg_inf/f64/dx", &[-0.6136485282199706, 2.0, -1.3863514717800294]),
    ("logsumexp/one_neg_inf/f64/x", &[0.0, -INF, 1.0]),
    ("logsumexp/one_neg_inf/f64/y", &[1.3132616875182228]),
    ("logsumexp/one_neg_inf/f64/dx", &[0.2689414213699951, 0.0, 0.7310585786300049]),
    ("softmax/all_neg_inf/f64/x", &[-INF, -INF, -INF]),
    ("softmax/all_neg_inf/f64/y", &[NAN, NAN, NAN]),
    ("softmax/all_neg_inf/f64/dx", &[NAN, NAN, NAN]),
    ("log_softmax/all_neg_inf/f64/x", &[-INF, -INF, -INF]),
    ("log_softmax/all_neg_inf/f64/y", &[NAN, NAN, NAN]),
    ("log_softmax/all_neg_inf/f64/dx", &[NAN, NAN, NAN]),
    ("logsumexp/all_neg_inf/f64/x", &[-INF, -INF, -INF]),
    ("logsumexp/all_neg_inf/f64/y", &[-INF]),
    ("logsumexp/all_neg_inf/f64/dx", &[NAN, NAN, NAN]),
    ("softmax/one_pos_inf/f64/x", &[INF, 0.0, 1.0]),
    ("softmax/one_pos_inf/f64/y", &[NAN, NAN, NAN]),
    ("softmax/one_pos_inf/f64/dx", &[NAN, NAN, NAN]),
    ("log_softmax/one_pos_inf/f64/x", &[INF, 0.0, 1.0]),
    ("log_softmax/one_pos_inf/f64/y", &[NAN, NAN, NAN]),
    ("log_softmax/one_pos_inf/f64/dx", &[NAN, NAN, NAN]),
    ("logsumexp/one_pos_inf/f64/x", &[INF, 0.0, 1.0]),
    ("logsumexp/one_pos_inf/f64/y", &[INF]),
    ("logsumexp/one_pos_inf/f64/dx", &[NAN, 0.0, 0.0]),
    ("softmax/two_pos_inf/f64/x", &[INF, INF, 0.0]),
    ("softmax/two_pos_inf/f64/y", &[NAN, NAN, NAN]),
    ("softmax/two_pos_inf/f64/dx", &[NAN, NAN, NAN]),
    ("log_softmax/two_pos_inf/f64/x", &[INF, INF, 0.0]),
    ("log_softmax/two_pos_inf/f64/y", &[NAN, NAN, NAN]),
    ("log_softmax/two_pos_inf/f64/dx", &[NAN, NAN, NAN]),
    ("logsumexp/two_pos_inf/f64/x", &[INF, INF, 0.0]),
    ("logsumexp/two_pos_inf/f64/y", &[INF]),
    ("logsumexp/two_pos_inf/f64/dx", &[NAN, NAN, 0.0]),
    ("softmax/pos_and_neg_inf/f64/x", &[INF, -INF, 0.0]),
    ("softmax/pos_and_neg_inf/f64/y", &[NAN, NAN, NAN]),
    ("softmax/pos_and_neg_inf/f64/dx", &[NAN, NAN, NAN]),
    ("log_softmax/pos_and_neg_inf/f64/x", &[INF, -INF, 0.0]),
    ("log_softmax/pos_and_neg_inf/f64/y", &[NAN, NAN, NAN]),
    ("log_softmax/pos_and_neg_inf/f64/dx", &[NAN, NAN, NAN]),
    ("logsumexp/pos_and_neg_inf/f64/x", &[INF, -INF, 0.0]),
    ("logsumexp/pos_and_neg_inf/f64/y", &[INF]),
    ("logsumexp/pos_and_neg_inf/f64/dx", &[NAN, 0.0, 0.0]),
    ("softmax/neg_and_pos_inf/f64/x", &[-INF, 0.0, INF]),
    ("softmax/neg_and_pos_inf/f64/y", &[NAN, NAN, NAN]),
    ("softmax/neg_and_pos_inf/f64/dx", &[NAN, NAN, NAN]),
    ("log_softmax/neg_and_pos_inf/f64/x", &[-INF, 0.0, INF]),
    ("log_softmax/neg_and_pos_inf/f64/y", &[NAN, NAN, NAN]),
    ("log_softmax/neg_and_pos_inf/f64/dx", &[NAN, NAN, NAN]),
    ("logsumexp/neg_and_pos_inf/f64/x", &[-INF, 0.0, INF]),
    ("logsumexp/neg_and_pos_inf/f64/y", &[INF]),
    ("logsumexp/neg_and_pos_inf/f64/dx", &[0.0, 0.0, NAN]),
    ("softmax/ties_and_neg_inf/f64/x", &[0.0, 0.0, -INF]),
    ("softmax/ties_and_neg_inf/f64/y", &[0.5, 0.5, 0.0]),
    ("softmax/ties_and_neg_inf/f64/dx", &[-0.25, 0.25, 0.0]),
    ("log_softmax/ties_and_neg_inf/f64/x", &[0.0, 0.0, -INF]),
    ("log_softmax/ties_and_neg_inf/f64/y", &[-0.6931471805599453, -0.6931471805599453, -INF]),
    ("log_softmax/ties_and_neg_inf/f64/dx", &[-2.0, -1.0, 3.0]),
    ("logsumexp/ties_and_neg_inf/f64/x", &[0.0, 0.0, -INF]),
    ("logsumexp/ties_and_neg_inf/f64/y", &[0.6931471805599453]),
    ("logsumexp/ties_and_neg_inf/f64/dx", &[0.5, 0.5, 0.0]),
    ("softmax/mixed_1e4/f64/x", &[10000.0, -10000.0, 0.0]),
    ("softmax/mixed_1e4/f64/y", &[1.0, 0.0, 0.0]),
    ("softmax/mixed_1e4/f64/dx", &[0.0, 0.0, 0.0]),
    ("log_softmax/mixed_1e4/f64/x", &[10000.0, -10000.0, 0.0]),
    ("log_softmax/mixed_1e4/f64/y", &[0.0, -20000.0, -10000.0]),
    ("log_softmax/mixed_1e4/f64/dx", &[-5.0, 2.0, 3.0]),
    ("logsumexp/mixed_1e4/f64/x", &[10000.0, -10000.0, 0.0]),
    ("logsumexp/mixed_1e4/f64/y", &[10000.0]),
    ("logsumexp/mixed_1e4/f64/dx", &[1.0, 0.0, 0.0]),
    ("softmax/mixed_3e38/f64/x", &[3e+38, -3e+38, 0.0]),
    ("softmax/mixed_3e38/f64/y", &[1.0, 0.0, 0.0]),
    ("softmax/mixed_3e38/f64/dx", &[0.0, 0.0, 0.0]),
    ("log_softmax/mixed_3e38/f64/x", &[3e+38, -3e+38, 0.0]),
    ("log_softmax/mixed_3e38/f64/y", &[0.0, -6e+38, -3e+38]),
    ("log_softmax/mixed_3e38/f64/dx", &[-5.0, 2.0, 3.0]),
    ("logsumexp/mixed_3e38/f64/x", &[3e+38, -3e+38, 0.0]),
    ("logsumexp/mixed_3e38/f64/y", &[3e+38]),
    ("logsumexp/mixed_3e38/f64/dx", &[1.0, 0.0, 0.0]),
    ("softmax/tied_3e38/f64/x", &[3e+38, 3e+38, 1.0]),
    ("softmax/tied_3e38/f64/y", &[0.5, 0.5, 0.0]),
    ("softmax/tied_3e38/f64/dx", &[-0.25, 0.25, 0.0]),
    ("log_softmax/tied_3e38/f64/x", &[3e+38, 3e+38, 1.0]),
    ("log_softmax/tied_3e38/f64/y", &[-0.6931471805599453, -0.6931471805599453, -3e+38]),
    ("log_softmax/tied_3e38/f64/dx", &[-2.0, -1.0, 3.0]),
    ("logsumexp/tied_3e38/f64/x", &[3e+38, 3e+38, 1.0]),
    ("logsumexp/tied_3e38/f64/y", &[3e+38]),
    ("logsumexp/tied_3e38/f64/dx", &[1.0, 1.0, 0.0]),
    ("cross_entropy/target_at_max_ls0/f32/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_max_ls0/f32/targets", &[0.0]),
    ("cross_entropy/target_at_max_ls0/f32/loss", &[0.0]),
    ("cross_entropy/target_at_max_ls0/f32/dx", &[0.0, 0.0, 0.0]),
    ("cross_entropy/target_at_max_ls0.1/f32/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_max_ls0.1/f32/targets", &[0.0]),
    ("cross_entropy/target_at_max_ls0.1/f32/loss", &[1000.0000610351562]),
    ("cross_entropy/target_at_max_ls0.1/f32/dx", &[0.06666666269302368, -0.03333333507180214, -0.03333333507180214]),
    ("cross_entropy/target_at_min_ls0/f32/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_min_ls0/f32/targets", &[1.0]),
    ("cross_entropy/target_at_min_ls0/f32/loss", &[20000.0]),
    ("cross_entropy/target_at_min_ls0/f32/dx", &[1.0, -1.0, 0.0]),
    ("cross_entropy/target_at_min_ls0.1/f32/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_min_ls0.1/f32/targets", &[1.0]),
    ("cross_entropy/target_at_min_ls0.1/f32/loss", &[19000.0]),
    ("cross_entropy/target_at_min_ls0.1/f32/dx", &[0.9666666388511658, -0.9333333373069763, -0.03333333507180214]),
    ("cross_entropy/target_at_zero_ls0/f32/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_zero_ls0/f32/targets", &[2.0]),
    ("cross_entropy/target_at_zero_ls0/f32/loss", &[10000.0]),
    ("cross_entropy/target_at_zero_ls0/f32/dx", &[1.0, 0.0, -1.0]),
    ("cross_entropy/target_at_zero_ls0.1/f32/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_zero_ls0.1/f32/targets", &[2.0]),
    ("cross_entropy/target_at_zero_ls0.1/f32/loss", &[10000.0]),
    ("cross_entropy/target_at_zero_ls0.1/f32/dx", &[0.9666666388511658, -0.03333333507180214, -0.9333333373069763]),
    ("cross_entropy/all_plus_1e4_ls0/f32/x", &[10000.0, 10000.0, 10000.0]),
    ("cross_entropy/all_plus_1e4_ls0/f32/targets", &[1.0]),
    ("cross_entropy/all_plus_1e4_ls0/f32/loss", &[1.0986123085021973]),
    ("cross_entropy/all_plus_1e4_ls0/f32/dx", &[0.3333333134651184, -0.6666666865348816, 0.3333333134651184]),
    ("cross_entropy/all_plus_1e4_ls0.1/f32/x", &[10000.0, 10000.0, 10000.0]),
    ("cross_entropy/all_plus_1e4_ls0.1/f32/targets", &[1.0]),
    ("cross_entropy/all_plus_1e4_ls0.1/f32/loss", &[1.0986123085021973]),
    ("cross_entropy/all_plus_1e4_ls0.1/f32/dx", &[0.29999998211860657, -0.6000000238418579, 0.29999998211860657]),
    ("cross_entropy/all_minus_1e4_ls0/f32/x", &[-10000.0, -10000.0, -10000.0]),
    ("cross_entropy/all_minus_1e4_ls0/f32/targets", &[1.0]),
    ("cross_entropy/all_minus_1e4_ls0/f32/loss", &[1.0986123085021973]),
    ("cross_entropy/all_minus_1e4_ls0/f32/dx", &[0.3333333134651184, -0.6666666865348816, 0.3333333134651184]),
    ("cross_entropy/all_minus_1e4_ls0.1/f32/x", &[-10000.0, -10000.0, -10000.0]),
    ("cross_entropy/all_minus_1e4_ls0.1/f32/targets", &[1.0]),
    ("cross_entropy/all_minus_1e4_ls0.1/f32/loss", &[1.0986123085021973]),
    ("cross_entropy/all_minus_1e4_ls0.1/f32/dx", &[0.29999998211860657, -0.6000000238418579, 0.29999998211860657]),
    ("cross_entropy/two_rows_ls0/f32/x", &[-10000.0, 0.0, 10000.0, 10000.0, 10000.0, -10000.0]),
    ("cross_entropy/two_rows_ls0/f32/targets", &[0.0, 2.0]),
    ("cross_entropy/two_rows_ls0/f32/loss", &[20000.34765625]),
    ("cross_entropy/two_rows_ls0/f32/dx", &[-0.5, 0.0, 0.5, 0.25, 0.25, -0.5]),
    ("cross_entropy/two_rows_ls0.1/f32/x", &[-10000.0, 0.0, 10000.0, 10000.0, 10000.0, -10000.0]),
    ("cross_entropy/two_rows_ls0.1/f32/targets", &[0.0, 2.0]),
    ("cross_entropy/two_rows_ls0.1/f32/loss", &[18833.6796875]),
    ("cross_entropy/two_rows_ls0.1/f32/dx", &[-0.46666666865348816, -0.01666666753590107, 0.4833333194255829, 0.23333333432674408, 0.23333333432674408, -0.46666666865348816]),
    ("cross_entropy/masked_class_is_target_ls0/f32/x", &[0.0, -INF, 1.0]),
    ("cross_entropy/masked_class_is_target_ls0/f32/targets", &[1.0]),
    ("cross_entropy/masked_class_is_target_ls0/f32/loss", &[INF]),
    ("cross_entropy/masked_class_is_target_ls0/f32/dx", &[0.2689414322376251, -1.0, 0.7310585975646973]),
    ("cross_entropy/masked_class_is_target_ls0.1/f32/x", &[0.0, -INF, 1.0]),
    ("cross_entropy/masked_class_is_target_ls0.1/f32/targets", &[1.0]),
    ("cross_entropy/masked_class_is_target_ls0.1/f32/loss", &[INF]),
    ("cross_entropy/masked_class_is_target_ls0.1/f32/dx", &[0.23560810089111328, -0.9333333373069763, 0.697725236415863]),
    ("cross_entropy/masked_class_not_target_ls0/f32/x", &[0.0, -INF, 1.0]),
    ("cross_entropy/masked_class_not_target_ls0/f32/targets", &[0.0]),
    ("cross_entropy/masked_class_not_target_ls0/f32/loss", &[1.31326162815094]),
    ("cross_entropy/masked_class_not_target_ls0/f32/dx", &[-0.7310585975646973, 0.0, 0.7310585975646973]),
    ("cross_entropy/masked_class_not_target_ls0.1/f32/x", &[0.0, -INF, 1.0]),
    ("cross_entropy/masked_class_not_target_ls0.1/f32/targets", &[0.0]),
    ("cross_entropy/masked_class_not_target_ls0.1/f32/loss", &[INF]),
    ("cross_entropy/masked_class_not_target_ls0.1/f32/dx", &[-0.6643918752670288, -0.03333333507180214, 0.697725236415863]),
    ("cross_entropy/plus_minus_3e38_ls0/f32/x", &[3.0000000054977558e+38, -3.0000000054977558e+38, 0.0]),
    ("cross_entropy/plus_minus_3e38_ls0/f32/targets", &[1.0]),
    ("cross_entropy/plus_minus_3e38_ls0/f32/loss", &[INF]),
    ("cross_entropy/plus_minus_3e38_ls0/f32/dx", &[1.0, -1.0, 0.0]),
    ("cross_entropy/plus_minus_3e38_ls0.1/f32/x", &[3.0000000054977558e+38, -3.0000000054977558e+38, 0.0]),
    ("cross_entropy/plus_minus_3e38_ls0.1/f32/targets", &[1.0]),
    ("cross_entropy/plus_minus_3e38_ls0.1/f32/loss", &[INF]),
    ("cross_entropy/plus_minus_3e38_ls0.1/f32/dx", &[0.9666666388511658, -0.9333333373069763, -0.03333333507180214]),
    ("nll/plus_minus_1e4/f32/x", &[10000.0, -10000.0, 0.0]),
    ("nll/plus_minus_1e4/f32/targets", &[1.0]),
    ("nll/plus_minus_1e4/f32/loss", &[10000.0]),
    ("nll/plus_minus_1e4/f32/dx", &[0.0, -1.0, 0.0]),
    ("nll/neg_inf_at_target/f32/x", &[-INF, 0.0, 0.0]),
    ("nll/neg_inf_at_target/f32/targets", &[0.0]),
    ("nll/neg_inf_at_target/f32/loss", &[INF]),
    ("nll/neg_inf_at_target/f32/dx", &[-1.0, 0.0, 0.0]),
    ("nll/neg_inf_elsewhere/f32/x", &[-INF, 0.0, 0.0]),
    ("nll/neg_inf_elsewhere/f32/targets", &[1.0]),
    ("nll/neg_inf_elsewhere/f32/loss", &[0.0]),
    ("nll/neg_inf_elsewhere/f32/dx", &[0.0, -1.0, 0.0]),
    ("cross_entropy/target_at_max_ls0/f64/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_max_ls0/f64/targets", &[0.0]),
    ("cross_entropy/target_at_max_ls0/f64/loss", &[0.0]),
    ("cross_entropy/target_at_max_ls0/f64/dx", &[0.0, 0.0, 0.0]),
    ("cross_entropy/target_at_max_ls0.1/f64/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_max_ls0.1/f64/targets", &[0.0]),
    ("cross_entropy/target_at_max_ls0.1/f64/loss", &[1000.0]),
    ("cross_entropy/target_at_max_ls0.1/f64/dx", &[0.06666666666666665, -0.03333333333333333, -0.03333333333333333]),
    ("cross_entropy/target_at_min_ls0/f64/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_min_ls0/f64/targets", &[1.0]),
    ("cross_entropy/target_at_min_ls0/f64/loss", &[20000.0]),
    ("cross_entropy/target_at_min_ls0/f64/dx", &[1.0, -1.0, 0.0]),
    ("cross_entropy/target_at_min_ls0.1/f64/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_min_ls0.1/f64/targets", &[1.0]),
    ("cross_entropy/target_at_min_ls0.1/f64/loss", &[19000.0]),
    ("cross_entropy/target_at_min_ls0.1/f64/dx", &[0.9666666666666667, -0.9333333333333333, -0.03333333333333333]),
    ("cross_entropy/target_at_zero_ls0/f64/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_zero_ls0/f64/targets", &[2.0]),
    ("cross_entropy/target_at_zero_ls0/f64/loss", &[10000.0]),
    ("cross_entropy/target_at_zero_ls0/f64/dx", &[1.0, 0.0, -1.0]),
    ("cross_entropy/target_at_zero_ls0.1/f64/x", &[10000.0, -10000.0, 0.0]),
    ("cross_entropy/target_at_zero_ls0.1/f64/targets", &[2.0]),
    ("cross_entropy/target_at_zero_ls0.1/f64/loss", &[10000.0]),
    ("cross_entropy/target_at_zero_ls0.1/f64/dx", &[0.9666666666666667, -0.03333333333333333, -0.9333333333333333]),
    ("cross_entropy/all_plus_1e4_ls0/f64/x", &[10000.0, 10000.0, 10000.0]),
    ("cross_entropy/all_plus_1e4_ls0/f64/targets", &[1.0]),
    ("cross_entropy/all_plus_1e4_ls0/f64/loss", &[1.0986122886681098]),
    ("cross_entropy/all_plus_1e4_ls0/f64/dx", &[0.3333333333333333, -0.6666666666666667, 0.3333333333333333]),
    ("cross_entropy/all_plus_1e4_ls0.1/f64/x", &[10000.0, 10000.0, 10000.0]),
    ("cross_entropy/all_plus_1e4_ls0.1/f64/targets", &[1.0]),
    ("cross_entropy/all_plus_1e4_ls0.1/f64/loss", &[1.0986122886681098]),
    ("cross_entropy/all_plus_1e4_ls0.1/f64/dx", &[0.3, -0.6000000000000001, 0.3]),
    ("cross_entropy/all_minus_1e4_ls0/f64/x", &[-10000.0, -10000.0, -10000.0]),
    ("cross_entropy/all_minus_1e4_ls0/f64/targets", &[1.0]),
    ("cross_entropy/all_minus_1e4_ls0/f64/loss", &[1.0986122886681098]),
    ("cross_entropy/all_minus_1e4_ls0/f64/dx", &[0.3333333333333333, -0.6666666666666667, 0.3333333333333333]),
    ("cross_entropy/all_minus_1e4_ls0.1/f64/x", &[-10000.0, -10000.0, -10000.0]),
    ("cross_entropy/all_minus_1e4_ls0.1/f64/targets", &[1.0]),
    ("cross_entropy/all_minus_1e4_ls0.1/f64/loss", &[1.0986122886681098]),
    ("cross_entropy/all_minus_1e4_ls0.1/f64/dx", &[0.3, -0.6000000000000001, 0.3]),
    ("cross_entropy/two_rows_ls0/f64/x", &[-10000.0, 0.0, 10000.0, 10000.0, 10000.0, -10000.0]),
    ("cross_entropy/two_rows_ls0/f64/targets", &[0.0, 2.0]),
    ("cross_entropy/two_rows_ls0/f64/loss", &[20000.34657359028]),
    ("cross_entropy/two_rows_ls0/f64/dx", &[-0.5, 0.0, 0.5, 0.25, 0.25, -0.5]),
    ("cross_entropy/two_rows_ls0.1/f64/x", &[-10000.0, 0.0, 10000.0, 10000.0, 10000.0, -10000.0]),
    ("cross_entropy/two_rows_ls0.1/f64/targets", &[0.0, 2.0]),
    ("cross_entropy/two_rows_ls0.1/f64/loss", &[18833.67990692361]),
    ("cross_entropy/two_rows_ls0.1/f64/dx", &[-0.4666666666666667, -0.016666666666666666, 0.48333333333333334, 0.23333333333333334, 0.23333333333333334, -0.4666666666666667]),
    ("cross_entropy/masked_class_is_target_ls0/f64/x", &[0.0, -INF, 1.0]),
    ("cross_entropy/masked_class_is_target_ls0/f64/targets", &[1.0]),
    ("cross_entropy/masked_class_is_target_ls0/f64/loss", &[INF]),
    ("cross_entropy/masked_class_is_target_ls0/f64/dx", &[0.2689414213699951, -1.0, 0.7310585786300049]),
    ("cross_entropy/masked_class_is_target_ls0.1/f64/x", &[0.0, -INF, 1.0]),
    ("cross_entropy/masked_class_is_target_ls0.1/f64/targets", &[1.0]),
    ("cross_entropy/masked_class_is_target_ls0.1/f64/loss", &[INF]),
    ("cross_entropy/masked_class_is_target_ls0.1/f64/dx", &[0.23560808803666178, -0.9333333333333333, 0.6977252452966716]),
    ("cross_entropy/masked_class_not_target_ls0/f64/x", &[0.0, -INF, 1.0]),
    ("cross_entropy/masked_class_not_target_ls0/f64/targets", &[0.0]),
    ("cross_entropy/masked_class_not_target_ls0/f64/loss", &[1.3132616875182228]),
    ("cross_entropy/masked_class_not_target_ls0/f64/dx", &[-0.7310585786300049, 0.0, 0.7310585786300049]),
    ("cross_entropy/masked_class_not_target_ls0.1/f64/x", &[0.0, -INF, 1.0]),
    ("cross_entropy/masked_class_not_target_ls0.1/f64/targets", &[0.0]),
    ("cross_entropy/masked_class_not_target_ls0.1/f64/loss", &[INF]),
    ("cross_entropy/masked_class_not_target_ls0.1/f64/dx", &[-0.6643919119633382, -0.03333333333333333, 0.6977252452966716]),
    ("cross_entropy/plus_minus_3e38_ls0/f64/x", &[3e+38, -3e+38, 0.0]),
    ("cross_entropy/plus_minus_3e38_ls0/f64/targets", &[1.0]),
    ("cross_entropy/plus_minus_3e38_ls0/f64/loss", &[6e+38]),
    ("cross_entropy/plus_minus_3e38_ls0/f64/dx", &[1.0, -1.0, 0.0]),
    ("cross_entropy/plus_minus_3e38_ls0.1/f64/x", &[3e+38, -3e+38, 0.0]),
    ("cross_entropy/plus_minus_3e38_ls0.1/f64/targets", &[1.0]),
    ("cross_entropy/plus_minus_3e38_ls0.1/f64/loss", &[5.7000000000000005e+38]),
    ("cross_entropy/plus_minus_3e38_ls0.1/f64/dx", &[0.9666666666666667, -0.9333333333333333, -0.03333333333333333]),
    ("nll/plus_minus_1e4/f64/x", &[10000.0, -10000.0, 0.0]),
    ("nll/plus_minus_1e4/f64/targets", &[1.0]),
    ("nll/plus_minus_1e4/f64/loss", &[10000.0]),
    ("nll/plus_minus_1e4/f64/dx", &[0.0, -1.0, 0.0]),
    ("nll/neg_inf_at_target/f64/x", &[-INF, 0.0, 0.0]),
    ("nll/neg_inf_at_target/f64/targets", &[0.0]),
    ("nll/neg_inf_at_target/f64/loss", &[INF]),
    ("nll/neg_inf_at_target/f64/dx", &[-1.0, 0.0, 0.0]),
    ("nll/neg_inf_elsewhere/f64/x", &[-INF, 0.0, 0.0]),
    ("nll/neg_inf_elsewhere/f64/targets", &[1.0]),
    ("nll/neg_inf_elsewhere/f64/loss", &[0.0]),
    ("nll/neg_inf_elsewhere/f64/dx", &[0.0, -1.0, 0.0]),
    ("bce_with_logits/point0/f32/x", &[10000.0]),
    ("bce_with_logits/point0/f32/y", &[1.0]),
    ("bce_with_logits/point0/f32/loss", &[0.0]),
    ("bce_with_logits/point0/f32/dx", &[0.0]),
    ("bce_with_logits/point0/f32/dy", &[-10000.0]),
    ("bce_with_logits/point1/f32/x", &[-10000.0]),
    ("bce_with_logits/point1/f32/y", &[0.0]),
    ("bce_with_logits/point1/f32/loss", &[0.0]),
    ("bce_with_logits/point1/f32/dx", &[0.0]),
    ("bce_with_logits/point1/f32/dy", &[10000.0]),
    ("bce_with_logits/point2/f32/x", &[10000.0]),
    ("bce_with_logits/point2/f32/y", &[0.0]),
    ("bce_with_logits/point2/f32/loss", &[10000.0]),
    ("bce_with_logits/point2/f32/dx", &[1.0]),
    ("bce_with_logits/point2/f32/dy", &[-10000.0]),
    ("bce_with_logits/point3/f32/x", &[-10000.0]),
    ("bce_with_logits/point3/f32/y", &[1.0]),
    ("bce_with_logits/point3/f32/loss", &[10000.0]),
    ("bce_with_logits/point3/f32/dx", &[-1.0]),
    ("bce_with_logits/point3/f32/dy", &[10000.0]),
    ("bce_with_logits/point4/f32/x", &[10000.0]),
    ("bce_with_logits/point4/f32/y", &[0.25]),
    ("bce_with_logits/point4/f32/loss", &[7500.0]),
    ("bce_with_logits/point4/f32/dx", &[0.75]),
    ("bce_with_logits/point4/f32/dy", &[-10000.0]),
    ("bce_with_logits/point5/f32/x", &[INF]),
    ("bce_with_logits/point5/f32/y", &[1.0]),
    ("bce_with_logits/point5/f32/loss", &[NAN]),
    ("bce_with_logits/point5/f32/dx", &[0.0]),
    ("bce_with_logits/point5/f32/dy", &[-INF]),
    ("bce_with_logits/point6/f32/x", &[-INF]),
    ("bce_with_logits/point6/f32/y", &[0.0]),
    ("bce_with_logits/point6/f32/loss", &[NAN]),
    ("bce_with_logits/point6/f32/dx", &[0.0]),
    ("bce_with_logits/point6/f32/dy", &[INF]),
    ("bce_with_logits/point7/f32/x", &[INF]),
    ("bce_with_logits/point7/f32/y", &[0.0]),
    ("bce_with_logits/point7/f32/loss", &[INF]),
    ("bce_with_logits/point7/f32/dx", &[1.0]),
    ("bce_with_logits/point7/f32/dy", &[-INF]),
    ("bce_with_logits/point8/f32/x", &[-INF]),
    ("bce_with_logits/point8/f32/y", &[1.0]),
    ("bce_with_logits/point8/f32/loss", &[NAN]),
    ("bce_with_logits/point8/f32/dx", &[-1.0]),
    ("bce_with_logits/point8/f32/dy", &[INF]),
    ("bce_with_logits/point9/f32/x", &[3.0000000054977558e+38]),
    ("bce_with_logits/point9/f32/y", &[0.0]),
    ("bce_with_logits/point9/f32/loss", &[3.0000000054977558e+38]),
    ("bce_with_logits/point9/f32/dx", &[1.0]),
    ("bce_with_logits/point9/f32/dy", &[-3.0000000054977558e+38]),
    ("bce_with_logits/point10/f32/x", &[-3.0000000054977558e+38]),
    ("bce_with_logits/point10/f32/y", &[1.0]),
    ("bce_with_logits/point10/f32/loss", &[3.0000000054977558e+38]),
    ("bce_with_logits/point10/f32/dx", &[-1.0]),
    ("bce_with_logits/point10/f32/dy", &[3.0000000054977558e+38]),
    ("bce_with_logits/batch_1e4/f32/x", &[10000.0, -10000.0, 10000.0, -10000.0, 0.0]),
    ("bce_with_logits/batch_1e4/f32/y", &[1.0, 0.0, 0.0, 1.0, 0.5]),
    ("bce_with_logits/batch_1e4/f32/loss", &[4000.138671875]),
    ("bce_with_logits/batch_1e4/f32/dx", &[0.0, 0.0, 0.20000000298023224, -0.20000000298023224, 0.0]),
    ("bce_with_logits/batch_1e4/f32/dy", &[-2000.0, 2000.0, -2000.0, 2000.0, -0.0]),
    ("bce_with_logits/batch_3e38/f32/x", &[3.0000000054977558e+38, -3.0000000054977558e+38]),
    ("bce_with_logits/batch_3e38/f32/y", &[0.0, 1.0]),
    ("bce_with_logits/batch_3e38/f32/loss", &[INF]),
    ("bce_with_logits/batch_3e38/f32/dx", &[0.5, -0.5]),
    ("bce_with_logits/batch_3e38/f32/dy", &[-1.5000000027488779e+38, 1.5000000027488779e+38]),
    ("bce_with_logits/point0/f64/x", &[10000.0]),
    ("bce_with_logits/point0/f64/y", &[1.0]),
    ("bce_with_logits/point0/f64/loss", &[0.0]),
    ("bce_with_logits/point0/f64/dx", &[0.0]),
    ("bce_with_logits/point0/f64/dy", &[-10000.0]),
    ("bce_with_logits/point1/f64/x", &[-10000.0]),
    ("bce_with_logits/point1/f64/y", &[0.0]),
    ("bce_with_logits/point1/f64/loss", &[0.0]),
    ("bce_with_logits/point1/f64/dx", &[0.0]),
    ("bce_with_logits/point1/f64/dy", &[10000.0]),
    ("bce_with_logits/point2/f64/x", &[10000.0]),
    ("bce_with_logits/point2/f64/y", &[0.0]),
    ("bce_with_logits/point2/f64/loss", &[10000.0]),
    ("bce_with_logits/point2/f64/dx", &[1.0]),
    ("bce_with_logits/point2/f64/dy", &[-10000.0]),
    ("bce_with_logits/point3/f64/x", &[-10000.0]),
    ("bce_with_logits/point3/f64/y", &[1.0]),
    ("bce_with_logits/point3/f64/loss", &[10000.0]),
    ("bce_with_logits/point3/f64/dx", &[-1.0]),
    ("bce_with_logits/point3/f64/dy", &[10000.0]),
    ("bce_with_logits/point4/f64/x", &[10000.0]),
    ("bce_with_logits/point4/f64/y", &[0.25]),
    ("bce_with_logits/point4/f64/loss", &[7500.0]),
    ("bce_with_logits/point4/f64/dx", &[0.75]),
    ("bce_with_logits/point4/f64/dy", &[-10000.0]),
    ("bce_with_logits/point5/f64/x", &[INF]),
    ("bce_with_logits/point5/f64/y", &[1.0]),
    ("bce_with_logits/point5/f64/loss", &[NAN]),
    ("bce_with_logits/point5/f64/dx", &[0.0]),
    ("bce_with_logits/point5/f64/dy", &[-INF]),
    ("bce_with_logits/point6/f64/x", &[-INF]),
    ("bce_with_logits/point6/f64/y", &[0.0]),
    ("bce_with_logits/point6/f64/loss", &[NAN]),
    ("bce_with_logits/point6/f64/dx", &[0.0]),
    ("bce_with_logits/point6/f64/dy", &[INF]),
    ("bce_with_logits/point7/f64/x", &[INF]),
    ("bce_with_logits/point7/f64/y", &[0.0]),
    ("bce_with_logits/point7/f64/loss", &[INF]),
    ("bce_with_logits/point7/f64/dx", &[1.0]),
    ("bce_with_logits/point7/f64/dy", &[-INF]),
    ("bce_with_logits/point8/f64/x", &[-INF]),
    ("bce_with_logits/point8/f64/y", &[1.0]),
    ("bce_with_logits/point8/f64/loss", &[NAN]),
    ("bce_with_logits/point8/f64/dx", &[-1.0]),
    ("bce_with_logits/point8/f64/dy", &[INF]),
    ("bce_with_logits/point9/f64/x", &[3e+38]),
    ("bce_with_logits/point9/f64/y", &[0.0]),
    ("bce_with_logits/point9/f64/loss", &[3e+38]),
    ("bce_with_logits/point9/f64/dx", &[1.0]),
    ("bce_with_logits/point9/f64/dy", &[-3e+38]),
    ("bce_with_logits/point10/f64/x", &[-3e+38]),
    ("bce_with_logits/point10/f64/y", &[1.0]),
    ("bce_with_logits/point10/f64/loss", &[3e+38]),
    ("bce_with_logits/point10/f64/dx", &[-1.0]),
    ("bce_with_logits/point10/f64/dy", &[3e+38]),
    ("bce_with_logits/batch_1e4/f64/x", &[10000.0, -10000.0, 10000.0, -10000.0, 0.0]),
    ("bce_with_logits/batch_1e4/f64/y", &[1.0, 0.0, 0.0, 1.0, 0.5]),
    ("bce_with_logits/batch_1e4/f64/loss", &[4000.138629436112]),
    ("bce_with_logits/batch_1e4/f64/dx", &[0.0, 0.0, 0.2, -0.2, 0.0]),
    ("bce_with_logits/batch_1e4/f64/dy", &[-2000.0, 2000.0, -2000.0, 2000.0, -0.0]),
    ("bce_with_logits/batch_3e38/f64/x", &[3e+38, -3e+38]),
    ("bce_with_logits/batch_3e38/f64/y", &[0.0, 1.0]),
    ("bce_with_logits/batch_3e38/f64/loss", &[3e+38]),
    ("bce_with_logits/batch_3e38/f64/dx", &[0.5, -0.5]),
    ("bce_with_logits/batch_3e38/f64/dy", &[-1.5e+38, 1.5e+38]),
    ("activation/x", &[10000.0, -10000.0, INF, -INF, 3e+38, -3e+38, 100.0, -100.0, 0.0]),
    ("activation/sigmoid/f32/y", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.5]),
    ("activation/sigmoid/f32/dx", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25]),
    ("activation/tanh/f32/y", &[1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 0.0]),
    ("activation/tanh/f32/dx", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]),
    ("activation/relu/f32/y", &[10000.0, 0.0, INF, 0.0, 3.0000000054977558e+38, 0.0, 100.0, 0.0, 0.0]),
    ("activation/relu/f32/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0]),
    ("activation/leaky_relu/f32/y", &[10000.0, -100.0, INF, -INF, 3.0000000054977558e+38, -3.000000043527274e+36, 100.0, -1.0, 0.0]),
    ("activation/leaky_relu/f32/dx", &[1.0, 0.009999999776482582, 1.0, 0.009999999776482582, 1.0, 0.009999999776482582, 1.0, 0.009999999776482582, 0.009999999776482582]),
    ("activation/elu/f32/y", &[10000.0, -1.0, INF, -1.0, 3.0000000054977558e+38, -1.0, 100.0, -1.0, 0.0]),
    ("activation/elu/f32/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 3.783505853677006e-44, 1.0]),
    ("activation/elu_alpha_0.5/f32/y", &[10000.0, -0.5, INF, -0.5, 3.0000000054977558e+38, -0.5, 100.0, -0.5, 0.0]),
    ("activation/elu_alpha_0.5/f32/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.961817850054744e-44, 0.5]),
    // gelu f32 at inf: one element gives (inf, nan), 17 elements give (nan, nan)
    // gelu f32 at 3e+38: one element gives (3.0000000054977558e+38, 1.0), 17 elements give (inf, 1.0)
    ("activation/gelu/f32/y", &[10000.0, -0.0, INF, NAN, 3.0000000054977558e+38, -0.0, 100.0, -0.0, 0.0]),
    ("activation/gelu/f32/dx", &[1.0, 0.0, NAN, NAN, 1.0, 0.0, 1.0, 0.0, 0.5]),
    ("activation/gelu_tanh/f32/y", &[10000.0, -0.0, INF, NAN, 3.0000000054977558e+38, -0.0, 100.0, -0.0, 0.0]),
    ("activation/gelu_tanh/f32/dx", &[1.0, 0.0, NAN, NAN, NAN, NAN, 1.0, 0.0, 0.5]),
    ("activation/softplus/f32/y", &[10000.0, 0.0, INF, 0.0, 3.0000000054977558e+38, 0.0, 100.0, 3.783505853677006e-44, 0.6931471824645996]),
    ("activation/softplus/f32/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 3.783505853677006e-44, 0.5]),
    ("activation/softplus_beta2_threshold5/f32/y", &[10000.0, 0.0, INF, 0.0, 3.0000000054977558e+38, 0.0, 100.0, 0.0, 0.3465735912322998]),
    ("activation/softplus_beta2_threshold5/f32/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.5]),
    ("activation/silu/f32/y", &[10000.0, -0.0, INF, NAN, 3.0000000054977558e+38, -0.0, 100.0, -0.0, 0.0]),
    ("activation/silu/f32/dx", &[1.0, -0.0, NAN, NAN, 1.0, -0.0, 1.0, -0.0, 0.5]),
    ("activation/softsign/f32/y", &[0.9998999834060669, -0.9998999834060669, NAN, NAN, 1.0, -1.0, 0.9900990128517151, -0.9900990128517151, 0.0]),
    ("activation/softsign/f32/dx", &[9.997165761888027e-09, 9.997165761888027e-09, NAN, NAN, 0.0, 0.0, 9.802915155887604e-05, 9.802915155887604e-05, 1.0]),
    ("activation/exp/f32/y", &[INF, 0.0, INF, 0.0, INF, 0.0, INF, 3.783505853677006e-44, 1.0]),
    ("activation/exp/f32/dx", &[INF, 0.0, INF, 0.0, INF, 0.0, INF, 3.783505853677006e-44, 1.0]),
    ("activation/sigmoid/f64/y", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 3.7200759760208356e-44, 0.5]),
    ("activation/sigmoid/f64/dx", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.7200759760208356e-44, 0.25]),
    ("activation/tanh/f64/y", &[1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 0.0]),
    ("activation/tanh/f64/dx", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]),
    ("activation/relu/f64/y", &[10000.0, 0.0, INF, 0.0, 3e+38, 0.0, 100.0, 0.0, 0.0]),
    ("activation/relu/f64/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0]),
    ("activation/leaky_relu/f64/y", &[10000.0, -100.0, INF, -INF, 3e+38, -3e+36, 100.0, -1.0, 0.0]),
    ("activation/leaky_relu/f64/dx", &[1.0, 0.01, 1.0, 0.01, 1.0, 0.01, 1.0, 0.01, 0.01]),
    ("activation/elu/f64/y", &[10000.0, -1.0, INF, -1.0, 3e+38, -1.0, 100.0, -1.0, 0.0]),
    ("activation/elu/f64/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 3.720075976020836e-44, 1.0]),
    ("activation/elu_alpha_0.5/f64/y", &[10000.0, -0.5, INF, -0.5, 3e+38, -0.5, 100.0, -0.5, 0.0]),
    ("activation/elu_alpha_0.5/f64/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.860037988010418e-44, 0.5]),
    ("activation/gelu/f64/y", &[10000.0, -0.0, INF, NAN, 3e+38, -0.0, 100.0, -0.0, 0.0]),
    ("activation/gelu/f64/dx", &[1.0, 0.0, NAN, NAN, 1.0, 0.0, 1.0, 0.0, 0.5]),
    ("activation/gelu_tanh/f64/y", &[10000.0, -0.0, INF, NAN, 3e+38, -0.0, 100.0, -0.0, 0.0]),
    ("activation/gelu_tanh/f64/dx", &[1.0, 0.0, NAN, NAN, 1.0, 0.0, 1.0, 0.0, 0.5]),
    ("activation/softplus/f64/y", &[10000.0, 0.0, INF, 0.0, 3e+38, 0.0, 100.0, 3.720075976020836e-44, 0.6931471805599453]),
    ("activation/softplus/f64/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 3.720075976020836e-44, 0.5]),
    ("activation/softplus_beta2_threshold5/f64/y", &[10000.0, 0.0, INF, 0.0, 3e+38, 0.0, 100.0, 6.919482633683688e-88, 0.34657359027997264]),
    ("activation/softplus_beta2_threshold5/f64/dx", &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.3838965267367376e-87, 0.5]),
    ("activation/silu/f64/y", &[10000.0, -0.0, INF, NAN, 3e+38, -0.0, 100.0, -3.720075976020836e-42, 0.0]),
    ("activation/silu/f64/dx", &[1.0, -0.0, NAN, NAN, 1.0, -0.0, 1.0, -3.682875216260627e-42, 0.5]),
    ("activation/softsign/f64/y", &[0.9999000099990001, -0.9999000099990001, NAN, NAN, 1.0, -1.0, 0.9900990099009901, -0.9900990099009901, 0.0]),
    ("activation/softsign/f64/dx", &[9.998000299960897e-09, 9.998000299960897e-09, NAN, NAN, 0.0, 0.0, 9.80296049406925e-05, 9.80296049406925e-05, 1.0]),
    ("activation/exp/f64/y", &[INF, 0.0, INF, 0.0, INF, 0.0, 2.6881171418161356e+43, 3.720075976020836e-44, 1.0]),
    ("activation/exp/f64/dx", &[INF, 0.0, INF, 0.0, INF, 0.0, 2.6881171418161356e+43, 3.720075976020836e-44, 1.0]),
    ("clip_grad_norm/squares_overflow_1e20/f32/g0", &[1e+20, 1.0]),
    ("clip_grad_norm/squares_overflow_1e20/f32/g1", &[3.0]),
    ("clip_grad_norm/squares_overflow_1e20/f32/norm", &[INF]),
    ("clip_grad_norm/squares_overflow_1e20/f32/clipped_g0", &[0.0, 0.0]),
    ("clip_grad_norm/squares_overflow_1e20/f32/clipped_g1", &[0.0]),
    ("clip_grad_norm/squares_overflow_3e38/f32/g0", &[3e+38, 1.0]),
    ("clip_grad_norm/squares_overflow_3e38/f32/g1", &[1.0]),
    ("clip_grad_norm/squares_overflow_3e38/f32/norm", &[INF]),
    ("clip_grad_norm/squares_overflow_3e38/f32/clipped_g0", &[0.0, 0.0]),
    ("clip_grad_norm/squares_overflow_3e38/f32/clipped_g1", &[0.0]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f32/g0", &[1e+20, 3e+38]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f32/g1", &[2.0]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f32/norm", &[INF]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f32/clipped_g0", &[0.0, 0.0]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f32/clipped_g1", &[0.0]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f32/g0", &[1e+19, 1e+19, 1e+19, 1e+19]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f32/g1", &[1.0]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f32/norm", &[INF]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f32/clipped_g0", &[0.0, 0.0, 0.0, 0.0]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f32/clipped_g1", &[0.0]),
    ("clip_grad_norm/infinite_element/f32/g0", &[INF, 1.0]),
    ("clip_grad_norm/infinite_element/f32/g1", &[1.0]),
    ("clip_grad_norm/infinite_element/f32/norm", &[INF]),
    ("clip_grad_norm/infinite_element/f32/clipped_g0", &[NAN, 0.0]),
    ("clip_grad_norm/infinite_element/f32/clipped_g1", &[0.0]),
    ("clip_grad_norm/nan_element/f32/g0", &[NAN, 1.0]),
    ("clip_grad_norm/nan_element/f32/g1", &[1.0]),
    ("clip_grad_norm/nan_element/f32/norm", &[NAN]),
    ("clip_grad_norm/nan_element/f32/clipped_g0", &[NAN, NAN]),
    ("clip_grad_norm/nan_element/f32/clipped_g1", &[NAN]),
    ("clip_grad_norm/ordinary_3_4/f32/g0", &[3.0, 4.0]),
    ("clip_grad_norm/ordinary_3_4/f32/g1", &[0.0]),
    ("clip_grad_norm/ordinary_3_4/f32/norm", &[5.0]),
    ("clip_grad_norm/ordinary_3_4/f32/clipped_g0", &[0.5999999046325684, 0.7999998331069946]),
    ("clip_grad_norm/ordinary_3_4/f32/clipped_g1", &[0.0]),
    ("clip_grad_norm/squares_underflow_1e-25/f32/g0", &[1e-25]),
    ("clip_grad_norm/squares_underflow_1e-25/f32/g1", &[1e-25]),
    ("clip_grad_norm/squares_underflow_1e-25/f32/norm", &[0.0]),
    ("clip_grad_norm/squares_underflow_1e-25/f32/clipped_g0", &[1.0000000195414814e-25]),
    ("clip_grad_norm/squares_underflow_1e-25/f32/clipped_g1", &[1.0000000195414814e-25]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f32/g0", &[1e-30, 1e-30]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f32/g1", &[1.0]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f32/norm", &[1.0]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f32/clipped_g0", &[9.999990627755962e-31, 9.999990627755962e-31]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f32/clipped_g1", &[0.9999990463256836]),
    ("clip_grad_norm/squares_overflow_1e20/f64/g0", &[1e+20, 1.0]),
    ("clip_grad_norm/squares_overflow_1e20/f64/g1", &[3.0]),
    ("clip_grad_norm/squares_overflow_1e20/f64/norm", &[1e+20]),
    ("clip_grad_norm/squares_overflow_1e20/f64/clipped_g0", &[1.0, 1e-20]),
    ("clip_grad_norm/squares_overflow_1e20/f64/clipped_g1", &[2.9999999999999997e-20]),
    ("clip_grad_norm/squares_overflow_3e38/f64/g0", &[3e+38, 1.0]),
    ("clip_grad_norm/squares_overflow_3e38/f64/g1", &[1.0]),
    ("clip_grad_norm/squares_overflow_3e38/f64/norm", &[3e+38]),
    ("clip_grad_norm/squares_overflow_3e38/f64/clipped_g0", &[1.0, 3.3333333333333334e-39]),
    ("clip_grad_norm/squares_overflow_3e38/f64/clipped_g1", &[3.3333333333333334e-39]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f64/g0", &[1e+20, 3e+38]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f64/g1", &[2.0]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f64/norm", &[3e+38]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f64/clipped_g0", &[3.3333333333333334e-19, 1.0]),
    ("clip_grad_norm/squares_overflow_1e20_and_3e38/f64/clipped_g1", &[6.666666666666667e-39]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f64/g0", &[1e+19, 1e+19, 1e+19, 1e+19]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f64/g1", &[1.0]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f64/norm", &[2e+19]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f64/clipped_g0", &[0.5, 0.5, 0.5, 0.5]),
    ("clip_grad_norm/sum_of_squares_overflows_4x1e19/f64/clipped_g1", &[5e-20]),
    ("clip_grad_norm/infinite_element/f64/g0", &[INF, 1.0]),
    ("clip_grad_norm/infinite_element/f64/g1", &[1.0]),
    ("clip_grad_norm/infinite_element/f64/norm", &[INF]),
    ("clip_grad_norm/infinite_element/f64/clipped_g0", &[NAN, 0.0]),
    ("clip_grad_norm/infinite_element/f64/clipped_g1", &[0.0]),
    ("clip_grad_norm/nan_element/f64/g0", &[NAN, 1.0]),
    ("clip_grad_norm/nan_element/f64/g1", &[1.0]),
    ("clip_grad_norm/nan_element/f64/norm", &[NAN]),
    ("clip_grad_norm/nan_element/f64/clipped_g0", &[NAN, NAN]),
    ("clip_grad_norm/nan_element/f64/clipped_g1", &[NAN]),
    ("clip_grad_norm/ordinary_3_4/f64/g0", &[3.0, 4.0]),
    ("clip_grad_norm/ordinary_3_4/f64/g1", &[0.0]),
    ("clip_grad_norm/ordinary_3_4/f64/norm", &[5.0]),
    ("clip_grad_norm/ordinary_3_4/f64/clipped_g0", &[0.599999880000024, 0.799999840000032]),
    ("clip_grad_norm/ordinary_3_4/f64/clipped_g1", &[0.0]),
    ("clip_grad_norm/squares_underflow_1e-25/f64/g0", &[1e-25]),
    ("clip_grad_norm/squares_underflow_1e-25/f64/g1", &[1e-25]),
    ("clip_grad_norm/squares_underflow_1e-25/f64/norm", &[1.4142135623730952e-25]),
    ("clip_grad_norm/squares_underflow_1e-25/f64/clipped_g0", &[1e-25]),
    ("clip_grad_norm/squares_underflow_1e-25/f64/clipped_g1", &[1e-25]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f64/g0", &[1e-30, 1e-30]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f64/g1", &[1.0]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f64/norm", &[1.0]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f64/clipped_g0", &[9.999990000010002e-31, 9.999990000010002e-31]),
    ("clip_grad_norm/squares_underflow_1e-30_with_1/f64/clipped_g1", &[0.9999990000010001]),
];
// END GENERATED
