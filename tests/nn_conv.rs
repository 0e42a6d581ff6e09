//! Convolution, pooling and the convolutional layers: gradients against
//! finite differences over random small shapes, forward values against a
//! naive reference, PyTorch's output sizes, BatchNorm2d statistics, and a
//! state dict with PyTorch's names.

use gradflow::check::{check_gradients, check_layer};
use gradflow::io::{from_bytes, load_state_dict, state_dict, to_bytes};
use gradflow::nn::{
    AvgPool2d, BatchNorm2d, Conv2d, Dense, Flatten, GlobalAvgPool2d, Init, Layer, MaxPool2d,
    Module, Relu, Sequential,
};
use gradflow::{Rng, SeedableRng, Tape, Tensor};
use proptest::prelude::*;

fn input(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::normal(shape, 0.2, 1.0, &mut Rng::seed_from_u64(seed))
}

/// A tensor whose elements are all distinct, at least 0.1 apart (7919 is a
/// prime larger than any test tensor, so `i·7919 mod numel` is a
/// permutation): max pooling has no ties for the finite differences to cross.
fn distinct(shape: &[usize], seed: u64) -> Tensor<f64> {
    let numel: usize = shape.iter().product();
    let offset = seed % numel as u64;
    let data = (0..numel)
        .map(|i| 0.1 * ((i as u64 * 7919 + offset) % numel as u64) as f64 - 0.05 * numel as f64)
        .collect();
    Tensor::from_vec(data, shape).unwrap()
}

/// A convolution case: input, weight and bias shapes and the geometry.
#[derive(Debug, Clone)]
struct ConvCase {
    x: Vec<usize>,
    w: Vec<usize>,
    stride: (usize, usize),
    padding: (usize, usize),
    dilation: (usize, usize),
    bias: bool,
    seed: u64,
}

/// Small random convolutions whose padded input always fits the dilated kernel.
fn conv_case() -> impl Strategy<Value = ConvCase> {
    (
        (1usize..=2, 1usize..=3, 1usize..=3),
        (1usize..=3, 1usize..=3),
        (1usize..=2, 1usize..=2),
        (0usize..=1, 0usize..=1),
        (1usize..=2, 1usize..=2),
        (0usize..=3, 0usize..=3),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |((n, c, o), (kh, kw), stride, padding, dilation, (eh, ew), bias, seed)| {
                let size = |k: usize, p: usize, d: usize, e: usize| {
                    (d * (k - 1) + 1 + e).saturating_sub(2 * p).max(1)
                };
                ConvCase {
                    x: vec![
                        n,
                        c,
                        size(kh, padding.0, dilation.0, eh),
                        size(kw, padding.1, dilation.1, ew),
                    ],
                    w: vec![o, c, kh, kw],
                    stride,
                    padding,
                    dilation,
                    bias,
                    seed,
                }
            },
        )
}

/// PyTorch's output size: `⌊(size + 2p - d(k - 1) - 1)/s⌋ + 1`.
fn out_size(size: usize, k: usize, s: usize, p: usize, d: usize) -> usize {
    (size + 2 * p - d * (k - 1) - 1) / s + 1
}

/// The convolution written as its definition, seven nested loops.
#[allow(clippy::needless_range_loop)] // reference code: indices mirror the formula
fn naive_conv2d(
    case: &ConvCase,
    x: &Tensor<f64>,
    w: &Tensor<f64>,
    b: Option<&Tensor<f64>>,
) -> Tensor<f64> {
    let [n, c, h, wd] = case.x[..] else {
        unreachable!()
    };
    let [o, _, kh, kw] = case.w[..] else {
        unreachable!()
    };
    let (sh, sw) = case.stride;
    let (ph, pw) = case.padding;
    let (dh, dw) = case.dilation;
    let oh = out_size(h, kh, sh, ph, dh);
    let ow = out_size(wd, kw, sw, pw, dw);
    let (xd, wdat) = (x.data(), w.data());
    let mut out = vec![0.0; n * o * oh * ow];
    for b_ in 0..n {
        for oc in 0..o {
            for i in 0..oh {
                for j in 0..ow {
                    let mut acc = b.map_or(0.0, |b| b.data()[oc]);
                    for ch in 0..c {
                        for ki in 0..kh {
                            for kj in 0..kw {
                                let iy = (i * sh + ki * dh) as isize - ph as isize;
                                let ix = (j * sw + kj * dw) as isize - pw as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                                    continue;
                                }
                                let (iy, ix) = (iy as usize, ix as usize);
                                acc += wdat[((oc * c + ch) * kh + ki) * kw + kj]
                                    * xd[((b_ * c + ch) * h + iy) * wd + ix];
                            }
                        }
                    }
                    out[((b_ * o + oc) * oh + i) * ow + j] = acc;
                }
            }
        }
    }
    Tensor::from_vec(out, [n, o, oh, ow]).unwrap()
}

/// The pooled windows written out: `(max, mean)` of every window.
fn naive_pool(x: &Tensor<f64>, k: (usize, usize), s: (usize, usize)) -> (Vec<f64>, Vec<f64>) {
    let [n, c, h, w] = x.shape()[..] else {
        unreachable!()
    };
    let (oh, ow) = ((h - k.0) / s.0 + 1, (w - k.1) / s.1 + 1);
    let (mut max, mut mean) = (Vec::new(), Vec::new());
    for plane in 0..n * c {
        for i in 0..oh {
            for j in 0..ow {
                let window: Vec<f64> = (0..k.0)
                    .flat_map(|a| (0..k.1).map(move |b| (a, b)))
                    .map(|(a, b)| x.data()[(plane * h + i * s.0 + a) * w + j * s.1 + b])
                    .collect();
                max.push(window.iter().copied().fold(f64::NEG_INFINITY, f64::max));
                mean.push(window.iter().sum::<f64>() / window.len() as f64);
            }
        }
    }
    (max, mean)
}

/// A pooling case: input shape with `H ≥ KH`, `W ≥ KW`, kernel, stride.
fn pool_case() -> impl Strategy<Value = (Vec<usize>, (usize, usize), (usize, usize), u64)> {
    (
        (1usize..=2, 1usize..=2),
        (1usize..=3, 1usize..=3),
        (1usize..=3, 1usize..=3),
        (0usize..=3, 0usize..=3),
        any::<u64>(),
    )
        .prop_map(|((n, c), k, s, (eh, ew), seed)| (vec![n, c, k.0 + eh, k.1 + ew], k, s, seed))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn conv2d_grad_matches_finite_differences_for_input_weight_and_bias(case in conv_case()) {
        let mut inputs = vec![input(&case.x, case.seed), input(&case.w, case.seed ^ 1)];
        if case.bias {
            inputs.push(input(&case.w[..1], case.seed ^ 2));
        }
        let (s, p, d) = (case.stride, case.padding, case.dilation);
        let result = check_gradients(
            |v| v[0].conv2d(v[1], v.get(2).copied(), s, p, d).tanh(),
            &inputs,
        );
        prop_assert!(result.is_ok(), "{case:?}: {result:?}");
    }

    #[test]
    fn conv2d_forward_matches_the_naive_seven_loop_reference(case in conv_case()) {
        let x = input(&case.x, case.seed);
        let w = input(&case.w, case.seed ^ 1);
        let b = case.bias.then(|| input(&case.w[..1], case.seed ^ 2));
        let tape = Tape::<f64>::new();
        let y = tape
            .constant(x.clone())
            .conv2d(
                tape.constant(w.clone()),
                b.clone().map(|b| tape.constant(b)),
                case.stride,
                case.padding,
                case.dilation,
            )
            .value();
        let expected = naive_conv2d(&case, &x, &w, b.as_ref());
        prop_assert_eq!(y.shape(), expected.shape());
        for (a, e) in y.data().iter().zip(expected.data()) {
            prop_assert!((a - e).abs() < 1e-12, "{case:?}: {a} vs {e}");
        }
    }

    #[test]
    fn max_pool2d_grad_matches_finite_differences_without_ties(case in pool_case()) {
        let (shape, k, s, seed) = case;
        let x = distinct(&shape, seed);
        let result = check_gradients(|v| v[0].max_pool2d(k, s).square(), &[x]);
        prop_assert!(result.is_ok(), "{shape:?} {k:?} {s:?}: {result:?}");
    }

    #[test]
    fn avg_pool2d_grad_matches_finite_differences(case in pool_case()) {
        let (shape, k, s, seed) = case;
        let x = input(&shape, seed);
        let result = check_gradients(|v| v[0].avg_pool2d(k, s).square(), &[x]);
        prop_assert!(result.is_ok(), "{shape:?} {k:?} {s:?}: {result:?}");
    }

    #[test]
    fn pooling_forward_matches_the_naive_windows(case in pool_case()) {
        let (shape, k, s, seed) = case;
        let x = input(&shape, seed);
        let (max, mean) = naive_pool(&x, k, s);
        let tape = Tape::<f64>::new();
        let xv = tape.constant(x);
        let pooled = xv.max_pool2d(k, s).value();
        prop_assert_eq!(pooled.data(), &max[..]);
        for (a, e) in xv.avg_pool2d(k, s).value().data().iter().zip(&mean) {
            prop_assert!((a - e).abs() < 1e-12);
        }
    }
}

#[test]
fn conv2d_output_shape_follows_pytorch_formula() {
    // (input, weight, stride, padding, dilation, expected output)
    let cases = [
        (
            [1, 1, 32, 32],
            [6, 1, 5, 5],
            (1, 1),
            (0, 0),
            (1, 1),
            [1, 6, 28, 28],
        ),
        (
            [2, 3, 32, 32],
            [8, 3, 3, 3],
            (2, 2),
            (1, 1),
            (1, 1),
            [2, 8, 16, 16],
        ),
        (
            [1, 1, 28, 28],
            [1, 1, 3, 3],
            (2, 2),
            (0, 0),
            (1, 1),
            [1, 1, 13, 13],
        ),
        (
            [1, 2, 7, 7],
            [1, 2, 3, 3],
            (1, 1),
            (0, 0),
            (2, 2),
            [1, 1, 3, 3],
        ),
        (
            [2, 3, 10, 7],
            [4, 3, 3, 2],
            (3, 2),
            (1, 0),
            (2, 1),
            [2, 4, 3, 3],
        ),
        (
            [1, 1, 1, 1],
            [1, 1, 3, 3],
            (1, 1),
            (1, 1),
            (1, 1),
            [1, 1, 1, 1],
        ),
    ];
    for (x, w, s, p, d, expected) in cases {
        let tape = Tape::<f32>::new();
        let y =
            tape.constant(Tensor::zeros(x))
                .conv2d(tape.constant(Tensor::zeros(w)), None, s, p, d);
        assert_eq!(
            y.shape(),
            expected,
            "{x:?} * {w:?}, s {s:?} p {p:?} d {d:?}"
        );
    }
    let tape = Tape::<f32>::new();
    let x = tape.constant(Tensor::zeros([2, 3, 7, 5]));
    assert_eq!(x.max_pool2d((2, 2), (2, 2)).shape(), [2, 3, 3, 2]);
    assert_eq!(x.avg_pool2d((3, 2), (1, 2)).shape(), [2, 3, 5, 2]);
    assert_eq!(x.global_avg_pool2d().shape(), [2, 3]);
}

#[test]
#[should_panic(
    expected = "conv2d: input of shape [1, 1, 2, 2] padded by (0, 0) is smaller than the kernel (3, 3)"
)]
fn conv2d_with_a_kernel_larger_than_the_input_panics() {
    let tape = Tape::<f32>::new();
    let _ = tape.constant(Tensor::zeros([1, 1, 2, 2])).conv2d(
        tape.constant(Tensor::zeros([1, 1, 3, 3])),
        None,
        (1, 1),
        (0, 0),
        (1, 1),
    );
}

#[test]
#[should_panic(expected = "conv2d: bias of shape [3] does not fit weight [2, 1, 1, 1]")]
fn conv2d_with_a_wrong_bias_panics() {
    let tape = Tape::<f32>::new();
    let _ = tape.constant(Tensor::zeros([1, 1, 2, 2])).conv2d(
        tape.constant(Tensor::zeros([2, 1, 1, 1])),
        Some(tape.constant(Tensor::zeros([3]))),
        (1, 1),
        (0, 0),
        (1, 1),
    );
}

#[test]
fn max_pool2d_sends_the_gradient_to_the_first_maximum_on_ties() {
    let tape = Tape::<f64>::new();
    let x = tape.leaf(Tensor::from_vec(vec![2.0, 5.0, 5.0, 1.0, 5.0, 0.0], [1, 1, 2, 3]).unwrap());
    let y = x.max_pool2d((2, 2), (1, 1));
    assert_eq!(y.value().data(), [5.0, 5.0]);
    let grads = tape.backward(y.sum_all());
    // Both windows hold three 5s; each picks its first in row-major order,
    // `x[0, 1]`, so that element gets both gradients.
    assert_eq!(grads.wrt(x).unwrap().data(), [0.0, 2.0, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn global_avg_pool2d_is_the_mean_over_height_and_width() {
    let tape = Tape::<f64>::new();
    let x = input(&[2, 3, 4, 5], 20);
    let y = GlobalAvgPool2d.forward(tape.constant(x.clone())).value();
    assert_eq!(y.shape(), [2, 3]);
    for (plane, &m) in x.data().chunks_exact(20).zip(y.data()) {
        assert!((plane.iter().sum::<f64>() / 20.0 - m).abs() < 1e-12);
    }
    check_layer(&mut GlobalAvgPool2d, &x).unwrap();
}

#[test]
fn flatten_keeps_the_batch_and_joins_the_rest() {
    let tape = Tape::<f64>::new();
    let x = input(&[2, 3, 4, 5], 21);
    let y = Flatten.forward(tape.constant(x.clone())).value();
    assert_eq!(y.shape(), [2, 60]);
    assert_eq!(y.data(), x.data());
}

#[test]
fn conv2d_layer_grad_matches_finite_differences_with_stride_padding_dilation() {
    let mut rng = Rng::seed_from_u64(30);
    let mut conv = Conv2d::<f64>::new(2, 3, (3, 2), Init::GlorotStandard, &mut rng)
        .with_stride((2, 1))
        .with_padding((1, 1))
        .with_dilation((1, 2));
    check_layer(&mut conv, &input(&[2, 2, 5, 4], 31)).unwrap();
    let mut plain = Conv2d::<f64>::new(1, 2, (2, 2), Init::he_normal(), &mut rng).without_bias();
    check_layer(&mut plain, &input(&[1, 1, 3, 3], 32)).unwrap();
}

#[test]
fn conv2d_default_init_is_uniform_within_one_over_root_fan_in() {
    let mut rng = Rng::seed_from_u64(33);
    let conv = Conv2d::<f64>::new(4, 16, (3, 3), Init::GlorotStandard, &mut rng);
    let bound = 1.0 / (4.0 * 9.0f64).sqrt();
    let mut names = Vec::new();
    conv.visit_params(&mut |name, p| {
        names.push(name.to_string());
        assert!(p.value().data().iter().all(|v| v.abs() <= bound), "{name}");
        // Spread over the range, not bunched near zero.
        let max = p.value().data().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(max > 0.5 * bound, "{name}: max {max}");
    });
    assert_eq!(names, ["weight", "bias"]);
    assert_eq!(conv.weight().shape(), [16, 4, 3, 3]);
}

#[test]
fn pooling_layers_grad_matches_finite_differences() {
    check_layer(&mut MaxPool2d::new((2, 2)), &distinct(&[2, 2, 4, 5], 40)).unwrap();
    check_layer(
        &mut MaxPool2d::new((3, 2)).with_stride((1, 1)),
        &distinct(&[1, 2, 4, 3], 41),
    )
    .unwrap();
    check_layer(&mut AvgPool2d::new((2, 2)), &input(&[2, 2, 4, 5], 42)).unwrap();
    check_layer(
        &mut AvgPool2d::new((2, 3)).with_stride((1, 2)),
        &input(&[1, 2, 3, 5], 43),
    )
    .unwrap();
}

#[test]
fn batch_norm2d_grad_matches_finite_differences_in_train_and_eval_mode() {
    let mut bn = BatchNorm2d::<f64>::new(3);
    bn.visit_params_mut(&mut |_, p| {
        let v = p.value().map(|x| x + 0.3);
        p.set(v);
    });
    check_layer(&mut bn, &input(&[2, 3, 2, 3], 50)).unwrap();
    check_layer(&mut bn, &input(&[1, 3, 3, 2], 51)).unwrap();
    gradflow::nn::eval(&mut bn);
    check_layer(&mut bn, &input(&[2, 3, 2, 3], 52)).unwrap();
}

#[test]
fn batch_norm2d_output_has_zero_mean_unit_variance_per_channel() {
    let mut bn = BatchNorm2d::<f64>::new(3).with_eps(0.0);
    let tape = Tape::<f64>::new();
    let x = Tensor::normal([4, 3, 5, 6], 2.0, 3.0, &mut Rng::seed_from_u64(53));
    let y = bn.forward(tape.constant(x.clone())).value();
    assert_eq!(y.shape(), [4, 3, 5, 6]);
    let mean = y.mean(&[0, 2, 3], false);
    let var = y.var(&[0, 2, 3], 0, false);
    for c in 0..3 {
        assert!(
            mean.data()[c].abs() < 1e-12,
            "channel {c}: mean {}",
            mean.data()[c]
        );
        assert!(
            (var.data()[c] - 1.0).abs() < 1e-9,
            "channel {c}: var {}",
            var.data()[c]
        );
    }
    // Running statistics as BatchNorm1d: momentum 0.1, unbiased variance
    // over the N·H·W values of each channel.
    let batch_mean = x.mean(&[0, 2, 3], false);
    let batch_var = x.var(&[0, 2, 3], 1, false);
    for c in 0..3 {
        assert!((bn.running_mean().data()[c] - 0.1 * batch_mean.data()[c]).abs() < 1e-12);
        let expected = 0.9 + 0.1 * batch_var.data()[c];
        assert!((bn.running_var().data()[c] - expected).abs() < 1e-12);
    }
    assert_eq!(bn.num_batches_tracked(), 1);
}

/// `Conv2d(2→4, 3×3, pad 1) → BatchNorm2d(4) → ReLU → MaxPool2d(2) →
/// Flatten → Dense(16→3)`, as the same `nn.Sequential` in PyTorch.
fn conv_net(seed: u64) -> Sequential<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    Sequential::new()
        .push(Conv2d::new(2, 4, (3, 3), Init::GlorotStandard, &mut rng).with_padding((1, 1)))
        .push(BatchNorm2d::new(4))
        .push(Relu)
        .push(MaxPool2d::new((2, 2)))
        .push(Flatten)
        .push(Dense::new(16, 3, Init::xavier_uniform(), &mut rng))
}

#[test]
fn state_dict_with_conv2d_and_batch_norm2d_round_trips_with_pytorch_names() {
    let mut original = conv_net(60);
    let mut rng = Rng::seed_from_u64(61);
    for _ in 0..2 {
        let tape = Tape::<f32>::new();
        original.forward(tape.constant(Tensor::normal([3, 2, 4, 4], 0.5, 2.0, &mut rng)));
    }
    let saved = state_dict(&original);
    assert_eq!(
        saved.names().collect::<Vec<_>>(),
        [
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "1.num_batches_tracked",
            "5.weight",
            "5.bias",
        ]
    );
    assert_eq!(saved.get("0.weight").unwrap().shape(), [4, 2, 3, 3]);
    assert_eq!(saved.get("1.running_mean").unwrap().shape(), [4]);

    let loaded = from_bytes(&to_bytes(&saved).unwrap()).unwrap();
    let mut fresh = conv_net(62);
    assert_ne!(state_dict(&fresh), saved);
    load_state_dict(&mut fresh, &loaded, true).unwrap();
    assert_eq!(state_dict(&fresh), saved);

    gradflow::nn::eval(&mut original);
    gradflow::nn::eval(&mut fresh);
    let x = Tensor::normal([2, 2, 4, 4], 0.0, 1.0, &mut Rng::seed_from_u64(63));
    let tape = Tape::<f32>::new();
    let a = original.forward(tape.constant(x.clone())).value();
    let b = fresh.forward(tape.constant(x)).value();
    assert_eq!(a, b);
}
