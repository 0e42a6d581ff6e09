//! The reproductions' shared pieces: the digits load as documented, flags
//! parse, tables render and judge.

#[path = "../examples/repro/common/mod.rs"]
mod common;

use common::{Args, Digits, Table, accuracy, permutation};
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
