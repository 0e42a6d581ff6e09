//! The gradient-flow figures (feature `plot`): drawn from real records of
//! short training runs, written as SVG and PNG, with errors (not panics)
//! for input that holds nothing to draw.
//!
//! Set `GRADFLOW_PLOT_DIR` to keep a PNG and an SVG of each figure there
//! for a look: `GRADFLOW_PLOT_DIR=/tmp/figures cargo test --features plot
//! --test monitor_plot`.
#![cfg(feature = "plot")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use gradflow::monitor::plot::{plot_depth_profile, plot_global_norm, plot_heatmap};
use gradflow::monitor::{GradMonitor, StepRecord};
use gradflow::nn::loss::mse;
use gradflow::nn::{BatchNorm1d, Dense, Init, Layer, Module, Relu, Residual, Sequential, Sigmoid};
use gradflow::optim::{NonFinite, Optimizer, Sgd, SgdConfig, clip_global_norm};
use gradflow::{Error, Rng, SeedableRng, Tape, Tensor, Var};

const DEPTH: usize = 10;
const WIDTH: usize = 32;
const BATCH: usize = 16;
const STEPS: u64 = 12;
const CLIP: f64 = 1.0;

fn sigmoid_mlp(rng: &mut Rng) -> Sequential<f32> {
    let mut m = Sequential::new();
    for _ in 0..DEPTH {
        m.add(Dense::new(WIDTH, WIDTH, Init::GlorotStandard, rng));
        m.add(Sigmoid);
    }
    m
}

fn relu_he_mlp(rng: &mut Rng) -> Sequential<f32> {
    let mut m = Sequential::new();
    for _ in 0..DEPTH {
        m.add(Dense::new(WIDTH, WIDTH, Init::he_normal(), rng));
        m.add(Relu);
    }
    m
}

fn relu_bn_mlp(rng: &mut Rng) -> Sequential<f32> {
    let mut m = Sequential::new();
    for _ in 0..DEPTH {
        m.add(Dense::new(WIDTH, WIDTH, Init::GlorotStandard, rng));
        m.add(BatchNorm1d::new(WIDTH));
        m.add(Relu);
    }
    m
}

fn residual_mlp(rng: &mut Rng) -> Sequential<f32> {
    let mut m = Sequential::new();
    for _ in 0..DEPTH {
        let block = Sequential::new()
            .push(Dense::new(WIDTH, WIDTH, Init::GlorotStandard, rng))
            .push(Relu);
        m.add(Residual::new(block));
    }
    m
}

/// Trains `model` for `STEPS` steps of SGD on a fixed random regression,
/// clipping the global norm at `CLIP`, and returns the monitor's history.
fn train(mut model: Sequential<f32>, lr: f64, seed: u64) -> Vec<StepRecord> {
    let mut rng = Rng::seed_from_u64(seed);
    let x = Tensor::<f32>::normal([BATCH, WIDTH], 0.0, 1.0, &mut rng);
    let y = Tensor::<f32>::normal([BATCH, WIDTH], 0.0, 1.0, &mut rng);
    let mut opt = Sgd::new(SgdConfig {
        lr,
        ..SgdConfig::default()
    })
    .unwrap();
    let mut monitor = GradMonitor::new();
    for _ in 0..STEPS {
        let mut grads = {
            let tape = Tape::new();
            let out = model.forward(tape.constant(x.clone()));
            let loss = mse(out, tape.constant(y.clone()));
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&model, &mut grads);
        clip_global_norm(&model, &mut grads, CLIP, NonFinite::Error).unwrap();
        opt.step(&mut model, &grads);
    }
    monitor.history().to_vec()
}

struct Runs {
    sigmoid: Vec<StepRecord>,
    relu_he: Vec<StepRecord>,
    relu_bn: Vec<StepRecord>,
    residual: Vec<StepRecord>,
}

/// The four runs, trained once for all the tests.
fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let mut rng = Rng::seed_from_u64(1);
        Runs {
            sigmoid: train(sigmoid_mlp(&mut rng), 0.5, 2),
            relu_he: train(relu_he_mlp(&mut rng), 0.05, 3),
            relu_bn: train(relu_bn_mlp(&mut rng), 0.05, 4),
            // A large step size: the norm grows, so clipping bites.
            residual: train(residual_mlp(&mut rng), 0.2, 5),
        }
    })
}

/// A fresh empty directory under the system's temporary directory.
fn scratch_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gradflow-plot-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn assert_svg(path: &Path, title: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(!text.is_empty(), "{} is empty", path.display());
    let head = text.trim_start();
    assert!(
        head.starts_with("<svg") || head.starts_with("<?xml"),
        "{} does not start as an SVG: {:?}",
        path.display(),
        &head[..head.len().min(60)]
    );
    assert!(
        text.contains(title),
        "{} lacks the title {title:?}",
        path.display()
    );
    assert!(
        text.trim_end().ends_with("</svg>"),
        "{} is cut",
        path.display()
    );
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 1000,
        "{} is too small: {} bytes",
        path.display(),
        bytes.len()
    );
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
}

/// Writes `name` as SVG and PNG into `dir` (and into `GRADFLOW_PLOT_DIR`
/// when set) with `draw`, and checks both files.
fn both_formats(dir: &Path, name: &str, title: &str, draw: impl Fn(&Path) -> gradflow::Result<()>) {
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(keep) = std::env::var_os("GRADFLOW_PLOT_DIR") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        dirs.push(keep);
    }
    for d in dirs {
        let svg = d.join(format!("{name}.svg"));
        let png = d.join(format!("{name}.png"));
        draw(&svg).unwrap();
        draw(&png).unwrap();
        assert_svg(&svg, title);
        assert_png(&png);
    }
}

#[test]
fn every_figure_is_written_as_svg_and_png() {
    let r = runs();
    let dir = scratch_dir("all");
    let last = |h: &[StepRecord]| h.last().unwrap().clone();
    let (sig, he, bn, res) = (
        last(&r.sigmoid),
        last(&r.relu_he),
        last(&r.relu_bn),
        last(&r.residual),
    );
    let profile = [
        ("sigmoid", &sig),
        ("ReLU+He", &he),
        ("ReLU+BN", &bn),
        ("residual", &res),
    ];
    both_formats(&dir, "depth_profile", "Gradient RMS by depth", |p| {
        plot_depth_profile(&profile, p)
    });
    both_formats(
        &dir,
        "heatmap",
        "Gradient RMS per layer over training",
        |p| plot_heatmap(&r.sigmoid, p),
    );
    both_formats(
        &dir,
        "global_norm",
        "Global gradient norm (pre-clip)",
        |p| plot_global_norm(&r.relu_he, Some(CLIP), p),
    );
    // No temporary files are left beside the figures.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "depth_profile.png",
            "depth_profile.svg",
            "global_norm.png",
            "global_norm.svg",
            "heatmap.png",
            "heatmap.svg"
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_depth_profile_names_every_run_and_the_sigmoid_run_vanishes() {
    let r = runs();
    let dir = scratch_dir("profile");
    let sig = r.sigmoid.last().unwrap();
    let he = r.relu_he.last().unwrap();
    let path = dir.join("p.svg");
    plot_depth_profile(&[("sigmoid", sig), ("ReLU+He", he)], &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains(">\nsigmoid\n<") || svg.contains("sigmoid"));
    assert!(svg.contains("ReLU+He"));
    assert!(svg.contains("layer index"), "x axis label");
    // The data behind the figure: sigmoid's first dense layer sees a far
    // smaller gradient than its last (the report's rule), ReLU+He's not.
    let ratio = |rec: &StepRecord| {
        let w: Vec<f64> = rec
            .layers_of(&[gradflow::monitor::LayerKind::Weighted])
            .map(|l| l.stats.rms())
            .collect();
        w[0] / w[w.len() - 1]
    };
    assert!(ratio(sig) < 1e-2, "{}", ratio(sig));
    assert!(ratio(he) > 1e-2, "{}", ratio(he));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_heatmap_covers_batch_norm_and_residual_runs() {
    let r = runs();
    let dir = scratch_dir("heat");
    for (name, history) in [("bn", &r.relu_bn), ("res", &r.residual)] {
        let svg = dir.join(format!("{name}.svg"));
        plot_heatmap(history, &svg).unwrap();
        assert_svg(&svg, "Gradient RMS per layer over training");
        // Every step is a column label.
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(
            text.contains(&format!("\n{}\n", STEPS - 1)),
            "last step labelled"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_global_norm_figure_marks_the_clipped_steps() {
    let r = runs();
    let dir = scratch_dir("norm");
    let history = &r.relu_he;
    let clipped = history
        .iter()
        .filter(|s| s.global_norm.unwrap() > CLIP)
        .count();
    assert!(
        clipped > 0 && clipped < history.len(),
        "the ReLU+He run should need clipping at some steps only"
    );
    let svg = dir.join("n.svg");
    plot_global_norm(history, Some(CLIP), &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("clip threshold 1"), "clip line in the legend");
    assert!(
        text.contains(&format!("clipped: {clipped} of {STEPS} steps")),
        "count of clipped steps in the legend"
    );
    // Without a threshold: no clip line.
    plot_global_norm(history, None, &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(!text.contains("clip threshold"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn empty_or_unusable_input_is_an_error_not_a_panic() {
    let dir = scratch_dir("empty");
    let svg = dir.join("x.svg");
    let png = dir.join("x.png");
    let invalid = |r: gradflow::Result<()>| {
        assert!(
            matches!(r, Err(Error::InvalidArgument { .. })),
            "expected InvalidArgument, got {r:?}"
        );
    };
    invalid(plot_depth_profile(&[], &svg));
    invalid(plot_heatmap(&[], &png));
    invalid(plot_global_norm(&[], Some(1.0), &svg));
    invalid(plot_global_norm(&[], None, &png));

    // A step with no layers (the monitor was not passed to backward_with)
    // and no global norm.
    let mut monitor = GradMonitor::new();
    let model = relu_he_mlp(&mut Rng::seed_from_u64(9));
    monitor.record_params(&model, &mut gradflow::Grads::new());
    let bare = monitor.history()[0].clone();
    assert!(bare.layers.is_empty());
    invalid(plot_depth_profile(&[("bare", &bare)], &svg));
    invalid(plot_heatmap(std::slice::from_ref(&bare), &svg));

    // Bad clip thresholds and unknown extensions.
    let r = runs();
    invalid(plot_global_norm(&r.relu_he, Some(0.0), &svg));
    invalid(plot_global_norm(&r.relu_he, Some(f64::NAN), &svg));
    invalid(plot_heatmap(&r.relu_he, dir.join("x.pdf")));
    invalid(plot_heatmap(&r.relu_he, dir.join("noextension")));

    // Nothing was written by any failed call.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_missing_directory_is_an_io_error() {
    let r = runs();
    let dir = scratch_dir("missing");
    let err = plot_heatmap(&r.relu_he, dir.join("no/such/dir/h.png")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Multiplies by 1, and on its `at`-th forward pass (0-based) corrupts the
/// output gradient with NaN, which then flows into every layer before it.
struct PoisonOnce {
    calls: usize,
    at: usize,
}

impl Module<f32> for PoisonOnce {
    fn visit_params(&self, _f: &mut dyn FnMut(&str, &gradflow::Param<f32>)) {}
    fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&str, &mut gradflow::Param<f32>)) {}
    fn describe(&self) -> String {
        "PoisonOnce".to_string()
    }
}

impl Layer<f32> for PoisonOnce {
    fn forward<'t>(&mut self, x: Var<'t, f32>) -> Var<'t, f32> {
        let poison = self.calls == self.at;
        self.calls += 1;
        (x * 1.0).modify(move |g| {
            if poison {
                g.data_mut().fill(f32::NAN);
            }
        })
    }
}

#[test]
fn non_finite_gradients_are_marked_not_fatal() {
    let mut rng = Rng::seed_from_u64(21);
    let mut model = Sequential::new();
    for i in 0..4 {
        model.add(Dense::<f32>::new(WIDTH, WIDTH, Init::he_normal(), &mut rng));
        if i == 2 {
            model.add(PoisonOnce { calls: 0, at: 3 });
        }
        model.add(Relu);
    }
    let x = Tensor::<f32>::normal([BATCH, WIDTH], 0.0, 1.0, &mut rng);
    let mut monitor = GradMonitor::new();
    for _ in 0..6 {
        let mut grads = {
            let tape = Tape::new();
            let loss = model.forward(tape.constant(x.clone())).square().mean_all();
            tape.backward_with(loss, &mut monitor)
        };
        monitor.record_params(&model, &mut grads);
    }
    let history = monitor.history();
    assert!(history[3].global_norm.unwrap().is_nan());
    assert!(history[3].layers.iter().any(|l| l.stats.nonfinite > 0));

    let dir = scratch_dir("nan");
    both_formats(
        &dir,
        "heatmap_nan",
        "Gradient RMS per layer over training",
        |p| plot_heatmap(history, p),
    );
    both_formats(
        &dir,
        "global_norm_nan",
        "Global gradient norm (pre-clip)",
        |p| plot_global_norm(history, Some(1.0), p),
    );
    let heat = std::fs::read_to_string(dir.join("heatmap_nan.svg")).unwrap();
    assert!(heat.contains("NaN/Inf present") && heat.contains("no gradient"));
    let norm = std::fs::read_to_string(dir.join("global_norm_nan.svg")).unwrap();
    assert!(norm.contains("NaN/Inf norm: 1 step"));
    std::fs::remove_dir_all(dir).unwrap();
}
