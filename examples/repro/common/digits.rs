//! The UCI handwritten digits (1797 8×8 images, from scikit-learn), shipped
//! in `data/digits.csv.gz` with its notice.

use std::io::Read;

use gradflow::prelude::*;
use gradflow::{Indices, Scalar};

/// Number of training examples in the fixed split (the rest, 360, test).
pub const TRAIN: usize = 1437;
const ROWS: usize = 1797;
const PIXELS: usize = 64;

/// The digits, split 1437/360 by a fixed permutation (seed 0), pixels
/// scaled to [0, 1] and standardized per pixel with the training set's
/// mean and standard deviation (constant pixels become 0).
#[derive(Debug, Clone)]
pub struct Digits<T: Scalar> {
    /// `[1437, 64]`.
    pub train_x: Tensor<T>,
    /// 1437 labels, 0..=9.
    pub train_y: Indices,
    /// `[360, 64]`.
    pub test_x: Tensor<T>,
    /// 360 labels.
    pub test_y: Indices,
}

impl<T: Scalar> Digits<T> {
    /// Reads `data/digits.csv.gz` from the crate's directory.
    ///
    /// # Panics
    /// If the file is missing or malformed: the examples cannot run
    /// without it, and the message says which file and line.
    pub fn load() -> Digits<T> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut pixels = Vec::with_capacity(ROWS * PIXELS);
        let mut labels = Vec::with_capacity(ROWS);
        for (i, line) in text.lines().enumerate() {
            let cells: Vec<f64> = line
                .split(',')
                .map(|c| c.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{path}:{}: {e}", i + 1));
            assert_eq!(
                cells.len(),
                PIXELS + 1,
                "{path}:{}: expected 65 values",
                i + 1
            );
            pixels.extend(cells[..PIXELS].iter().map(|p| p / 16.0));
            labels.push(cells[PIXELS] as usize);
        }
        assert_eq!(labels.len(), ROWS, "{path}: expected {ROWS} rows");

        // A fixed shuffle: the file is roughly ordered by writer.
        let order = permutation(ROWS, &mut Rng::seed_from_u64(0));
        let (train, test) = order.split_at(TRAIN);

        let mut mean = [0.0f64; PIXELS];
        let mut sq = [0.0f64; PIXELS];
        for &r in train {
            for p in 0..PIXELS {
                let v = pixels[r * PIXELS + p];
                mean[p] += v;
                sq[p] += v * v;
            }
        }
        let n = TRAIN as f64;
        let std: Vec<f64> = (0..PIXELS)
            .map(|p| {
                mean[p] /= n;
                (sq[p] / n - mean[p] * mean[p]).max(0.0).sqrt()
            })
            .collect();
        let take = |rows: &[usize]| {
            let mut x = Vec::with_capacity(rows.len() * PIXELS);
            for &r in rows {
                for p in 0..PIXELS {
                    let v = pixels[r * PIXELS + p];
                    x.push(T::of(if std[p] > 1e-12 {
                        (v - mean[p]) / std[p]
                    } else {
                        0.0
                    }));
                }
            }
            let y = rows.iter().map(|&r| labels[r]).collect::<Vec<_>>();
            (
                Tensor::from_vec(x, [rows.len(), PIXELS]).expect("shape matches"),
                Indices::from_vec(y, [rows.len()]).expect("shape matches"),
            )
        };
        let (train_x, train_y) = take(train);
        let (test_x, test_y) = take(test);
        Digits {
            train_x,
            train_y,
            test_x,
            test_y,
        }
    }

    /// Rows `rows` of the training set, as a batch.
    pub fn train_batch(&self, rows: &[usize]) -> (Tensor<T>, Indices) {
        let idx = Indices::from_vec(rows.to_vec(), [rows.len()]).expect("1-D");
        let x = self.train_x.index_select(0, &idx);
        let y = rows.iter().map(|&r| self.train_y.data()[r]).collect();
        (x, Indices::from_vec(y, [rows.len()]).expect("1-D"))
    }

    /// One-hot targets `[n, 10]` for `labels` (regression examples).
    pub fn one_hot(labels: &Indices) -> Tensor<T> {
        let mut t = vec![T::zero(); labels.numel() * 10];
        for (i, &l) in labels.data().iter().enumerate() {
            t[i * 10 + l] = T::one();
        }
        Tensor::from_vec(t, [labels.numel(), 10]).expect("shape matches")
    }
}

/// Fraction of rows of `logits` whose argmax is the label.
pub fn accuracy<T: Scalar>(logits: &Tensor<T>, labels: &Indices) -> f64 {
    let pred = logits.argmax(1, false);
    let hits = pred
        .data()
        .iter()
        .zip(labels.data())
        .filter(|(p, l)| p == l)
        .count();
    hits as f64 / labels.numel() as f64
}

/// A random permutation of `0..n` from `rng` (sorting uniform keys: the
/// same seed gives the same order on every platform).
pub fn permutation(n: usize, rng: &mut Rng) -> Vec<usize> {
    let keys = Tensor::<f64>::uniform([n], 0.0, 1.0, rng);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| keys.data()[a].total_cmp(&keys.data()[b]));
    order
}
