//! Tests of the initializers: moments, gains, fans, orthogonality.
use std::f64::consts::SQRT_2;

use super::*;
use crate::{Rng, SeedableRng};

/// Sample mean and variance (divisor `n - 1`), in f64.
fn moments<T: Scalar>(t: &Tensor<T>) -> (f64, f64) {
    let n = t.numel() as f64;
    let mean = t.data().iter().map(|x| x.as_f64()).sum::<f64>() / n;
    let var = t
        .data()
        .iter()
        .map(|x| (x.as_f64() - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    (mean, var)
}

/// Mean and variance within 5 standard errors of `N(mean, std²)`'s.
fn assert_normal<T: Scalar>(t: &Tensor<T>, mean: f64, std: f64, what: &str) {
    let n = t.numel() as f64;
    assert!(n >= 1e5, "{what}: only {n} samples");
    let (m, v) = moments(t);
    let var = std * std;
    let se_mean = std / n.sqrt();
    let se_var = var * (2.0 / (n - 1.0)).sqrt();
    assert!(
        (m - mean).abs() < 5.0 * se_mean,
        "{what}: mean {m}, want {mean} ± {}",
        5.0 * se_mean
    );
    assert!(
        (v - var).abs() < 5.0 * se_var,
        "{what}: variance {v}, want {var} ± {}",
        5.0 * se_var
    );
}

/// Mean and variance within 5 standard errors of `U[low, high)`'s, and
/// the samples inside the bounds and reaching close to both.
fn assert_uniform<T: Scalar>(t: &Tensor<T>, low: f64, high: f64, what: &str) {
    let n = t.numel() as f64;
    assert!(n >= 1e5, "{what}: only {n} samples");
    let (m, v) = moments(t);
    let half = (high - low) / 2.0;
    let mean = (low + high) / 2.0;
    let var = half * half / 3.0;
    // var(s²) ≈ (m4 - σ⁴)/n with m4 = b⁴/5 for U(-b, b).
    let m4 = half.powi(4) / 5.0;
    let se_mean = var.sqrt() / n.sqrt();
    let se_var = ((m4 - var * var) / n).sqrt();
    assert!(
        (m - mean).abs() < 5.0 * se_mean,
        "{what}: mean {m}, want {mean} ± {}",
        5.0 * se_mean
    );
    assert!(
        (v - var).abs() < 5.0 * se_var,
        "{what}: variance {v}, want {var} ± {}",
        5.0 * se_var
    );
    let (lo, hi) = t
        .data()
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x.as_f64()), hi.max(x.as_f64()))
        });
    // Rounding the bounds to f32 may move them by half an ulp.
    let slack = 1e-7 * half;
    assert!(
        lo >= low - slack && hi <= high + slack,
        "{what}: samples span [{lo}, {hi}], outside [{low}, {high})"
    );
    // With n ≥ 1e5 samples the extremes are within ~1e-4 of the bounds.
    assert!(
        lo < low + 1e-3 * half && hi > high - 1e-3 * half,
        "{what}: samples span only [{lo}, {hi}] of [{low}, {high})"
    );
}

fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

#[test]
fn gains_match_pytorch_table() {
    assert_eq!(calculate_gain(Nonlinearity::Linear), 1.0);
    assert_eq!(calculate_gain(Nonlinearity::Conv), 1.0);
    assert_eq!(calculate_gain(Nonlinearity::Sigmoid), 1.0);
    assert_eq!(calculate_gain(Nonlinearity::Tanh), 5.0 / 3.0);
    assert_eq!(calculate_gain(Nonlinearity::Relu), SQRT_2);
    assert_eq!(calculate_gain(Nonlinearity::Selu), 0.75);
    let leaky = calculate_gain(Nonlinearity::LeakyRelu(0.2));
    assert!((leaky - (2.0f64 / 1.04).sqrt()).abs() < 1e-15, "{leaky}");
    // torch.nn.init.calculate_gain('leaky_relu') (slope 0.01).
    let default = calculate_gain(Nonlinearity::LeakyRelu(0.01));
    assert!(
        (default - 1.414_142_856_997_835_4).abs() < 1e-15,
        "{default}"
    );
    assert_eq!(calculate_gain(Nonlinearity::LeakyRelu(0.0)), SQRT_2);
    assert_eq!(calculate_gain(Nonlinearity::LeakyRelu(1.0)), 1.0);
}

#[test]
fn fans_of_linear_and_conv_weights() {
    assert_eq!(fans(&[400, 300]), (300, 400));
    assert_eq!(fans(&[8, 3, 5, 5]), (75, 200));
    assert_eq!(fans(&[6, 4, 3]), (12, 18));
    assert_eq!(fans(&[2, 3, 0]), (0, 0));
}

#[test]
#[should_panic(expected = "fans: fan in and fan out can not be computed for a tensor of shape [5]")]
fn fans_of_a_vector_panics() {
    fans(&[5]);
}

#[test]
#[should_panic(expected = "they need rank >= 2")]
fn fan_based_init_of_a_vector_panics() {
    Init::he_normal().tensor::<f32, _>(&[5], &mut rng(0));
}

#[test]
#[should_panic(expected = "Init::Orthogonal: only tensors with 2 or more dimensions")]
fn orthogonal_of_a_vector_panics() {
    Init::Orthogonal { gain: 1.0 }.tensor::<f64, _>(&[5], &mut rng(0));
}

#[test]
#[should_panic(expected = "Init::Uniform: bounds must be finite with low <= high")]
fn uniform_with_reversed_bounds_panics() {
    Init::Uniform {
        low: 1.0,
        high: 0.0,
    }
    .tensor::<f32, _>(&[3], &mut rng(0));
}

#[test]
#[should_panic(expected = "Init::XavierNormal: gain must be finite and >= 0")]
fn negative_xavier_gain_panics() {
    Init::XavierNormal { gain: -1.0 }.tensor::<f32, _>(&[3, 3], &mut rng(0));
}

#[test]
#[should_panic(expected = "a leaky-ReLU slope must be finite")]
fn nan_leaky_slope_panics() {
    Init::KaimingUniform {
        mode: FanMode::FanIn,
        nonlinearity: Nonlinearity::LeakyRelu(f64::NAN),
    }
    .tensor::<f32, _>(&[3, 3], &mut rng(0));
}

#[test]
fn bias_bound_is_one_over_root_fan_in() {
    assert_eq!(bias_bound(300), 1.0 / 300f64.sqrt());
    assert_eq!(bias_bound(1), 1.0);
    assert_eq!(bias_bound(0), 0.0);
}

#[test]
fn constant_initializers_fill_any_shape() {
    let r = &mut rng(0);
    assert_eq!(
        Init::Zeros.tensor::<f32, _>(&[2, 3], r),
        Tensor::zeros([2, 3])
    );
    assert_eq!(Init::Ones.tensor::<f64, _>(&[4], r), Tensor::ones([4]));
    let c = Init::Constant(0.25).tensor::<f32, _>(&[], r);
    assert_eq!((c.rank(), c.item()), (0, 0.25));
}

#[test]
fn empty_shapes_give_empty_tensors() {
    let r = &mut rng(0);
    for init in [
        Init::he_normal(),
        Init::he_uniform(),
        Init::xavier_uniform(),
        Init::XavierNormal { gain: 1.0 },
        Init::LecunNormal,
        Init::GlorotStandard,
        Init::Orthogonal { gain: 1.0 },
    ] {
        for shape in [[0, 5], [5, 0]] {
            let t = init.tensor::<f32, _>(&shape, r);
            assert_eq!((t.shape(), t.numel()), (&shape[..], 0), "{init:?}");
        }
    }
}

#[test]
fn uniform_and_normal_moments() {
    let r = &mut rng(1);
    let u = Init::Uniform {
        low: -1.0,
        high: 3.0,
    }
    .tensor::<f64, _>(&[400, 300], r);
    assert_uniform(&u, -1.0, 3.0, "Uniform f64");
    let u = Init::Uniform {
        low: 0.5,
        high: 0.75,
    }
    .tensor::<f32, _>(&[400, 300], r);
    assert_uniform(&u, 0.5, 0.75, "Uniform f32");
    let z = Init::Normal {
        mean: 2.0,
        std: 0.5,
    }
    .tensor::<f64, _>(&[400, 300], r);
    assert_normal(&z, 2.0, 0.5, "Normal f64");
    let z = Init::Normal {
        mean: -1.0,
        std: 3.0,
    }
    .tensor::<f32, _>(&[400, 300], r);
    assert_normal(&z, -1.0, 3.0, "Normal f32");
}

#[test]
fn xavier_moments() {
    let r = &mut rng(2);
    // fan_in 300, fan_out 400.
    let b = (6.0f64 / 700.0).sqrt();
    let w = Init::xavier_uniform().tensor::<f64, _>(&[400, 300], r);
    assert_uniform(&w, -b, b, "XavierUniform gain 1");
    let gain = calculate_gain(Nonlinearity::Tanh);
    let w = Init::XavierUniform { gain }.tensor::<f32, _>(&[400, 300], r);
    assert_uniform(&w, -gain * b, gain * b, "XavierUniform gain 5/3 f32");
    let w = Init::XavierNormal { gain: 2.0 }.tensor::<f64, _>(&[400, 300], r);
    assert_normal(&w, 0.0, 2.0 * (2.0f64 / 700.0).sqrt(), "XavierNormal");
    // Conv [64, 32, 7, 7]: fan_in 32·49 = 1568, fan_out 64·49 = 3136.
    let w = Init::XavierNormal { gain: 1.0 }.tensor::<f32, _>(&[64, 32, 7, 7], r);
    assert_normal(&w, 0.0, (2.0f64 / 4704.0).sqrt(), "XavierNormal conv");
}

#[test]
fn kaiming_moments() {
    let r = &mut rng(3);
    // He uniform: U(±√(6/fan_in)), fan_in 300.
    let w = Init::he_uniform().tensor::<f64, _>(&[400, 300], r);
    let b = (6.0f64 / 300.0).sqrt();
    assert_uniform(&w, -b, b, "he_uniform");
    // fan_out 400, tanh gain 5/3: bound (5/3)·√(3/400).
    let w = Init::KaimingUniform {
        mode: FanMode::FanOut,
        nonlinearity: Nonlinearity::Tanh,
    }
    .tensor::<f32, _>(&[400, 300], r);
    let b = 5.0 / 3.0 * (3.0f64 / 400.0).sqrt();
    assert_uniform(&w, -b, b, "KaimingUniform fan_out tanh");
    // He normal: N(0, 2/fan_in).
    let w = Init::he_normal().tensor::<f64, _>(&[256, 512], r);
    assert_normal(&w, 0.0, (2.0f64 / 512.0).sqrt(), "he_normal");
    // Conv, fan_out = 64·49 = 3136, leaky_relu(0.2): std √(2/1.04)/√3136.
    let w = Init::KaimingNormal {
        mode: FanMode::FanOut,
        nonlinearity: Nonlinearity::LeakyRelu(0.2),
    }
    .tensor::<f32, _>(&[64, 32, 7, 7], r);
    let std = (2.0f64 / 1.04).sqrt() / 3136f64.sqrt();
    assert_normal(&w, 0.0, std, "KaimingNormal fan_out leaky conv");
}

#[test]
fn lecun_and_glorot_standard_moments() {
    let r = &mut rng(4);
    let w = Init::LecunNormal.tensor::<f64, _>(&[400, 300], r);
    assert_normal(&w, 0.0, 1.0 / 300f64.sqrt(), "LecunNormal");
    let w = Init::LecunNormal.tensor::<f32, _>(&[64, 32, 7, 7], r);
    assert_normal(&w, 0.0, 1.0 / 1568f64.sqrt(), "LecunNormal conv");
    let w = Init::GlorotStandard.tensor::<f64, _>(&[400, 300], r);
    let b = 1.0 / 300f64.sqrt();
    assert_uniform(&w, -b, b, "GlorotStandard");
    let w = Init::GlorotStandard.tensor::<f32, _>(&[64, 32, 7, 7], r);
    let b = 1.0 / 1568f64.sqrt();
    assert_uniform(&w, -b, b, "GlorotStandard conv");
}

/// PyTorch's Linear default, `kaiming_uniform_(w, a=√5)`, is Glorot's
/// standard initialization: same draws, bounds equal to rounding.
#[test]
fn glorot_standard_is_kaiming_uniform_with_a_root_5() {
    let torch_default = Init::KaimingUniform {
        mode: FanMode::FanIn,
        nonlinearity: Nonlinearity::LeakyRelu(5f64.sqrt()),
    };
    let a = torch_default.tensor::<f64, _>(&[30, 20], &mut rng(5));
    let b = Init::GlorotStandard.tensor::<f64, _>(&[30, 20], &mut rng(5));
    for (x, y) in a.data().iter().zip(b.data()) {
        assert!((x - y).abs() <= 1e-14, "{x} vs {y}");
    }
}

/// `Wᵀ·W` (`rows >= cols`) or `W·Wᵀ` (`rows < cols`) of the weight
/// viewed as `[rows, numel/rows]`, as a dense row-major matrix.
fn gram(w: &[f64], rows: usize, cols: usize) -> (usize, Vec<f64>) {
    let at = |i: usize, j: usize| w[i * cols + j];
    if rows >= cols {
        let g = (0..cols * cols)
            .map(|ij| (0..rows).map(|k| at(k, ij / cols) * at(k, ij % cols)).sum())
            .collect();
        (cols, g)
    } else {
        let g = (0..rows * rows)
            .map(|ij| (0..cols).map(|k| at(ij / rows, k) * at(ij % rows, k)).sum())
            .collect();
        (rows, g)
    }
}

fn assert_gram_is_scaled_identity(w: &[f64], rows: usize, gain: f64, tol: f64, what: &str) {
    let cols = w.len() / rows;
    let (n, g) = gram(w, rows, cols);
    let want_diag = gain * gain;
    let mut worst = 0.0f64;
    for i in 0..n {
        for j in 0..n {
            let want = if i == j { want_diag } else { 0.0 };
            worst = worst.max((g[i * n + j] - want).abs());
        }
    }
    assert!(
        worst <= tol * want_diag,
        "{what}: Gram matrix is {worst} from {want_diag}·I"
    );
}

#[test]
fn orthogonal_gives_orthonormal_rows_or_columns() {
    let r = &mut rng(6);
    for (shape, gain) in [
        (&[50, 30][..], 1.0),
        (&[30, 50][..], 1.0),
        (&[64, 64][..], 1.0),
        (&[16, 4, 3, 3][..], 2.0), // wide: 16 × 36
        (&[40, 2, 2, 2][..], 0.5), // tall: 40 × 8
        (&[1, 7][..], 1.0),        // a single unit row
        (&[7, 1][..], SQRT_2),     // a single column
    ] {
        let w = Init::Orthogonal { gain }.tensor::<f64, _>(shape, r);
        assert_eq!(w.shape(), shape);
        // The brief asks for 1e-5; Householder QR in f64 gives ~1e-15.
        assert_gram_is_scaled_identity(w.data(), shape[0], gain, 1e-12, &format!("{shape:?}"));
    }
    let w = Init::Orthogonal { gain: 1.0 }.tensor::<f32, _>(&[64, 48], r);
    let w = w.cast::<f64>();
    assert_gram_is_scaled_identity(w.data(), 64, 1.0, 1e-5, "f32 [64, 48]");
}

/// The result is PyTorch's: the `Q` of the same Gaussian sample whose
/// `R = Qᵀ·A` is upper triangular with a positive diagonal.
#[test]
fn orthogonal_is_the_q_with_positive_r_diagonal() {
    for (rows, cols) in [(12, 7), (7, 12), (9, 9)] {
        let w = Init::Orthogonal { gain: 1.0 }.tensor::<f64, _>(&[rows, cols], &mut rng(7));
        let a = Tensor::<f64>::normal([rows, cols], 0.0, 1.0, &mut rng(7));
        let (w, a) = (w.data(), a.data());
        // Tall: A = W·R, R = Wᵀ·A (cols×cols). Wide: Aᵀ = Wᵀ·R, R = W·Aᵀ (rows×rows).
        let (n, r_at): (usize, Box<dyn Fn(usize, usize) -> f64>) = if rows >= cols {
            (
                cols,
                Box::new(|i, j| (0..rows).map(|k| w[k * cols + i] * a[k * cols + j]).sum()),
            )
        } else {
            (
                rows,
                Box::new(|i, j| (0..cols).map(|k| w[i * cols + k] * a[j * cols + k]).sum()),
            )
        };
        for i in 0..n {
            assert!(
                r_at(i, i) > 1e-3,
                "[{rows}, {cols}]: R[{i}][{i}] = {}",
                r_at(i, i)
            );
            for j in 0..i {
                assert!(
                    r_at(i, j).abs() < 1e-12,
                    "[{rows}, {cols}]: R[{i}][{j}] = {}",
                    r_at(i, j)
                );
            }
        }
    }
}

/// Orthogonal entries have mean square `gain²/max(rows, cols)` exactly
/// (the Frobenius norm of a semi-orthogonal matrix is √min(rows, cols)).
#[test]
fn orthogonal_mean_square_is_gain_squared_over_max_dim() {
    let w = Init::Orthogonal { gain: 3.0 }.tensor::<f64, _>(&[40, 25], &mut rng(8));
    let ms = w.data().iter().map(|x| x * x).sum::<f64>() / w.numel() as f64;
    assert!((ms - 9.0 / 40.0).abs() < 1e-12, "{ms}");
}

#[test]
fn same_seed_same_tensor() {
    let inits = [
        Init::Uniform {
            low: -2.0,
            high: 1.0,
        },
        Init::Normal {
            mean: 0.0,
            std: 1.0,
        },
        Init::xavier_uniform(),
        Init::XavierNormal { gain: 1.0 },
        Init::he_uniform(),
        Init::he_normal(),
        Init::LecunNormal,
        Init::GlorotStandard,
        Init::Orthogonal { gain: 1.0 },
    ];
    for init in inits {
        let a = init.tensor::<f32, _>(&[20, 3, 2], &mut rng(9));
        let b = init.tensor::<f32, _>(&[20, 3, 2], &mut rng(9));
        let c = init.tensor::<f32, _>(&[20, 3, 2], &mut rng(10));
        assert_eq!(a, b, "{init:?}");
        assert_ne!(a, c, "{init:?}");
    }
}

#[test]
fn convenience_constructors() {
    assert_eq!(Init::xavier_uniform(), Init::XavierUniform { gain: 1.0 });
    assert_eq!(
        Init::he_normal(),
        Init::KaimingNormal {
            mode: FanMode::FanIn,
            nonlinearity: Nonlinearity::Relu
        }
    );
    assert_eq!(
        Init::he_uniform(),
        Init::KaimingUniform {
            mode: FanMode::FanIn,
            nonlinearity: Nonlinearity::Relu
        }
    );
}
