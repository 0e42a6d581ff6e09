//! The reproductions' shared pieces: the digits load as documented, flags
//! parse, tables render and judge, `finish` writes the outputs, and the
//! numerics (singular values, quadrature, median) are exact where they can
//! be checked.

#[path = "../examples/repro/common/mod.rs"]
mod common;

use std::process::ExitCode;
use std::time::Instant;

use common::linalg::{mean_singular_value, singular_values, spectral_norm};
use common::quadrature::{gaussian_mean, gaussian_mean_2d};
use common::{Args, Digits, Table, accuracy, finish, median, permutation};
use gradflow::nn::Init;
use gradflow::{Rng, SeedableRng, Tensor};

#[test]
fn digits_split_and_standardize() {
    let d = Digits::<f64>::load();
    assert_eq!(d.train_x.shape(), &[1437, 64]);
    assert_eq!(d.test_x.shape(), &[360, 64]);
    assert!(
        d.train_y
            .data()
            .iter()
            .chain(d.test_y.data())
            .all(|&l| l < 10)
    );
    // Every class is present in both parts.
    for c in 0..10 {
        assert!(d.train_y.data().contains(&c) && d.test_y.data().contains(&c));
    }
    // Standardized per pixel on the training set: mean 0, std 1 or 0.
    for p in 0..64 {
        let col: Vec<f64> = (0..1437).map(|r| d.train_x.data()[r * 64 + p]).collect();
        let mean = col.iter().sum::<f64>() / 1437.0;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 1437.0;
        assert!(mean.abs() < 1e-9, "pixel {p} mean {mean}");
        assert!(
            (var - 1.0).abs() < 1e-9 || var < 1e-18,
            "pixel {p} var {var}"
        );
    }
}

#[test]
fn permutation_is_a_seeded_permutation() {
    let a = permutation(100, &mut Rng::seed_from_u64(3));
    let mut sorted = a.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    assert_eq!(a, permutation(100, &mut Rng::seed_from_u64(3)));
    assert_ne!(a, permutation(100, &mut Rng::seed_from_u64(4)));
}

#[test]
fn accuracy_counts_argmax_hits() {
    let logits = Tensor::<f32>::from_vec(vec![1.0, 2.0, 5.0, 0.0, 0.0, 3.0], [3, 2]).unwrap();
    let labels = gradflow::Indices::from_vec(vec![1, 0, 0], [3]).unwrap();
    assert!((accuracy(&logits, &labels) - 2.0 / 3.0).abs() < 1e-12);
}

#[test]
fn flags_parse() {
    let args =
        Args::from_iter(["--depth", "7", "--quick", "--out=dir", "--seed", "3"].map(String::from))
            .unwrap();
    assert_eq!(args.get("depth", 20usize), 7);
    assert_eq!(args.get("width", 128usize), 128);
    assert!(args.flag("quick") && !args.flag("full"));
    assert_eq!(args.seed(), 3);
    assert_eq!(args.out_dir("x"), std::path::PathBuf::from("dir"));
    assert!(Args::from_iter(["depth".to_string()]).is_err());
}

#[test]
fn list_flag_parses_comma_separated_values() {
    let args = Args::from_iter(["--depths", "8, 22,30"].map(String::from)).unwrap();
    assert_eq!(args.list("depths", &[1usize]), vec![8, 22, 30]);
    assert_eq!(args.list("widths", &[64usize, 128]), vec![64, 128]);
    assert_eq!(args.list("depths", &[0.5f64]), vec![8.0, 22.0, 30.0]);
}

#[test]
fn table_judges_and_renders() {
    let mut t = Table::new("E0");
    t.check("ratio", "0.5", "0.49", "0.51", "within 10%", true)
        .report("note", "—", "—", "x,y");
    assert!(t.passed());
    let shown = t.to_string();
    assert!(shown.contains("E0") && shown.contains("pass") && shown.contains("0.51"));
    assert!(t.to_csv().contains("\"x,y\""));
    t.check("bad", "1", "1", "2", "= 1", false);
    assert!(!t.passed());
    assert_eq!(t.failures().len(), 1);
}

#[test]
fn finish_writes_every_output_and_fails_on_a_failed_claim() {
    let dir = std::env::temp_dir().join(format!("gradflow_finish_{}", std::process::id()));
    let mut passing = Table::new("E0");
    passing.check("ok", "1", "1", "1", "= 1", true);
    let code = finish(
        &dir,
        Instant::now(),
        [("table_a.csv", &passing)],
        &[("curves.csv", "step,loss\n0,1\n".to_string())],
        |out| Ok(vec![out.write("figure.svg", "<svg/>")?]),
    );
    assert_eq!(code, ExitCode::SUCCESS);
    for name in ["table_a.csv", "curves.csv", "figure.svg"] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    let mut failing = passing.clone();
    failing.check("bad", "1", "1", "2", "= 1", false);
    let code = finish(
        &dir,
        Instant::now(),
        [("table_b.csv", &failing)],
        &[],
        |_| Ok(Vec::new()),
    );
    assert_eq!(code, ExitCode::FAILURE);
    assert!(dir.join("table_b.csv").is_file());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn median_of_odd_even_and_empty() {
    assert_eq!(median([0.9, 0.99, 0.95]), 0.95);
    let even = vec![0.9, 1.0];
    assert_eq!(median(&even), 0.95);
    assert_eq!(even, [0.9, 1.0], "borrowed, not sorted in place");
    assert_eq!(median([3.0, 1.0, 2.0].into_iter().map(|x| 2.0 * x)), 4.0);
    assert!(median(Vec::<f64>::new()).is_nan());
}

#[test]
fn quadrature_is_exact_on_gaussian_moments() {
    // x = √q z: E[x²] = q, E[x⁴] = 3q², E[cos x] = e^(−q/2).
    for q in [0.01f64, 0.3, 1.0, 4.0, 50.0] {
        assert!((gaussian_mean(q, |x| x * x) - q).abs() < 1e-12 * q.max(1.0));
        assert!((gaussian_mean(q, |x| x.powi(4)) - 3.0 * q * q).abs() < 1e-10 * q * q);
        assert!((gaussian_mean(q, f64::cos) - (-q / 2.0).exp()).abs() < 1e-12);
    }
    // q < 0 counts as 0; 2-D: E[(z₁z₂)²] = 1.
    assert_eq!(
        gaussian_mean(-1.0, |x| x + 1.0),
        gaussian_mean(0.0, |x| x + 1.0)
    );
    assert!((gaussian_mean_2d(|a, b| (a * b).powi(2)) - 1.0).abs() < 1e-9);
}

#[test]
fn quadrature_handles_a_kink_and_a_jump_at_zero() {
    // A kink (like softsign′), O(h²): E[|z|] = √(2/π); a jump (ReLU′²),
    // O(h³) mid-interval: P(z > 0) = 1/2.
    let abs = gaussian_mean(1.0, f64::abs);
    assert!(
        (abs - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-7,
        "{abs}"
    );
    let step = gaussian_mean(1.0, |z| if z > 0.0 { 1.0 } else { 0.0 });
    assert!((step - 0.5).abs() < 1e-10, "{step}");
}

#[test]
fn jacobi_svd_recovers_known_singular_values() {
    let mut rng = Rng::seed_from_u64(5);
    let n = 24;
    let q1 = Init::Orthogonal { gain: 1.0 }.tensor::<f64, _>(&[n, n], &mut rng);
    let q2 = Init::Orthogonal { gain: 1.0 }.tensor::<f64, _>(&[n, n], &mut rng);
    // Spread over 6 orders of magnitude.
    let d: Vec<f64> = (0..n).map(|i| 10f64.powf(-(i as f64) / 4.0)).collect();
    let dm = Tensor::from_vec(d.clone(), [1, n]).unwrap();
    let a = (&q1 * &dm).matmul(&q2);
    let sv = singular_values(a.data(), n, n);
    for (s, want) in sv.iter().zip(&d) {
        assert!((s / want - 1.0).abs() < 1e-8, "{s} vs {want}");
    }
    assert!((sv[0] - 1.0).abs() < 1e-13);
}

#[test]
fn singular_values_of_a_wide_matrix_match_its_transpose() {
    let mut rng = Rng::seed_from_u64(2);
    let (rows, cols) = (5, 9);
    let a = Tensor::<f64>::normal([rows, cols], 0.0, 1.0, &mut rng);
    let at: Vec<f64> = (0..cols * rows)
        .map(|k| a.data()[(k % rows) * cols + k / rows])
        .collect();
    let wide = singular_values(a.data(), rows, cols);
    let tall = singular_values(&at, cols, rows);
    assert_eq!(wide.len(), rows);
    for (w, t) in wide.iter().zip(&tall) {
        assert!((w - t).abs() < 1e-12 * tall[0], "{wide:?} vs {tall:?}");
    }
    // Σ s² is the squared Frobenius norm.
    let frob: f64 = a.data().iter().map(|x| x * x).sum();
    assert!((wide.iter().map(|s| s * s).sum::<f64>() - frob).abs() < 1e-10 * frob);
}

#[test]
fn quarter_circle_mean_singular_value() {
    // papers.md §0 item 3: (8/3π)·σ for a square i.i.d. matrix with entry
    // variance σ²/n; 0.490 for U[±1/√n] (σ² = 1/3), 0.849 for Xavier.
    let n = 200;
    let mut rng = Rng::seed_from_u64(1);
    for (init, want) in [
        (Init::GlorotStandard, 0.490),
        (Init::xavier_uniform(), 0.849),
    ] {
        let w = init.tensor::<f64, _>(&[n, n], &mut rng);
        let got = mean_singular_value(w.data(), n, n);
        assert!((got / want - 1.0).abs() < 0.02, "{got} vs {want}");
    }
    assert!((8.0 / (3.0 * std::f64::consts::PI) / 3f64.sqrt() - 0.490).abs() < 5e-4);
}

#[test]
fn spectral_norm_of_a_known_matrix() {
    // [[3, 0], [4, 5]]: singular values √45 and √5.
    let s = spectral_norm(&[3.0, 0.0, 4.0, 5.0], 2);
    assert!((s - 45f64.sqrt()).abs() < 1e-12, "{s}");
}
