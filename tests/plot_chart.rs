//! `LineChart` (feature `plot`): charts on linear and log axes written as
//! SVG and PNG, errors (not panics) for charts with nothing to draw, and
//! no harm to an existing file when a save fails.
//!
//! Set `GRADFLOW_PLOT_DIR` to keep the charts there for a look:
//! `GRADFLOW_PLOT_DIR=/tmp/figures cargo test --features plot --test plot_chart`.
#![cfg(feature = "plot")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use gradflow::Error;
use gradflow::plot::LineChart;

/// A fresh empty directory under the system's temporary directory.
fn scratch_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gradflow-chart-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves `chart` as `name.svg` and `name.png` in `dir` (and in
/// `GRADFLOW_PLOT_DIR` when set), checks both, and returns the SVG's text.
fn save_both(chart: &LineChart, dir: &Path, name: &str) -> String {
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(keep) = std::env::var_os("GRADFLOW_PLOT_DIR") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        dirs.push(keep);
    }
    for d in &dirs {
        chart.save(d.join(format!("{name}.svg"))).unwrap();
        chart.save(d.join(format!("{name}.png"))).unwrap();
    }
    let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
    assert!(png.len() > 1000, "{name}.png: {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}.png");
    let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
    let head = svg.trim_start();
    assert!(head.starts_with("<svg") || head.starts_with("<?xml"));
    assert!(svg.trim_end().ends_with("</svg>"), "{name}.svg is cut");
    svg
}

fn assert_invalid(result: gradflow::Result<()>) {
    assert!(
        matches!(result, Err(Error::InvalidArgument { .. })),
        "expected InvalidArgument, got {result:?}"
    );
}

/// A loss falling like `2.3·exp(-t/300)` with a little wobble.
fn loss_curve(steps: usize) -> Vec<(f64, f64)> {
    (0..steps)
        .map(|i| {
            let t = i as f64 * 10.0;
            (t, 2.3 * (-t / 300.0).exp() * (1.0 + 0.05 * (t / 7.0).sin()))
        })
        .collect()
}

#[test]
fn a_linear_chart_holds_its_title_series_and_reference_line() {
    let dir = scratch_dir("linear");
    let chart = LineChart::new("Accuracy against width")
        .x_label("hidden units")
        .y_label("test accuracy")
        .series(
            "ReLU",
            [(8.0, 0.81), (16.0, 0.88), (32.0, 0.93), (64.0, 0.95)],
        )
        .series(
            "sigmoid",
            [(8.0, 0.62), (16.0, 0.70), (32.0, 0.74), (64.0, 0.75)],
        )
        .dashed_series("ceiling", [(8.0, 0.97), (64.0, 0.97)])
        .scatter("single seeds", [(16.0, 0.86), (16.0, 0.90), (32.0, 0.92)])
        .hline(0.1, "chance");
    let svg = save_both(&chart, &dir, "linear");
    for text in [
        "Accuracy against width",
        "hidden units",
        "test accuracy",
        "ReLU",
        "sigmoid",
        "ceiling",
        "single seeds",
        "chance",
    ] {
        assert!(svg.contains(text), "the SVG lacks {text:?}");
    }
    // Nice linear ticks with one decimal on the accuracy axis.
    assert!(svg.contains("0.5") && svg.contains("0.9"), "y tick labels");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_log_chart_gets_decade_labels_and_breaks_at_unshowable_points() {
    let dir = scratch_dir("log");
    let mut diverged = loss_curve(40);
    diverged[25].1 = f64::NAN;
    diverged[26].1 = 0.0;
    diverged.truncate(30);
    let chart = LineChart::new("Training loss")
        .x_label("step")
        .y_label("loss")
        .log_y()
        .series("stable", loss_curve(200))
        .series("diverged", diverged)
        .hline(10f64.ln(), "chance (ln 10)");
    let svg = save_both(&chart, &dir, "log_y");
    for text in ["Training loss", "stable", "diverged", "chance (ln 10)"] {
        assert!(svg.contains(text), "the SVG lacks {text:?}");
    }
    assert!(svg.contains("10⁻¹"), "decade tick labels");

    let sweep = LineChart::new("Final loss against learning rate")
        .x_label("learning rate")
        .log_x()
        .log_y()
        .series("SGD", [(1e-4, 2.0), (1e-3, 0.9), (1e-2, 0.3), (1e-1, 0.5)])
        .dashed_series("theory", [(1e-4, 1.8), (1e-1, 0.2)]);
    let svg = save_both(&sweep, &dir, "log_xy");
    assert!(svg.contains("10⁻⁴") && svg.contains("SGD") && svg.contains("theory"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bare_chart_without_title_labels_or_legend_is_drawn() {
    let dir = scratch_dir("bare");
    let chart = LineChart::new("").series("", [(1.0, -3.0), (2.0, 5.0), (3.0, 4.0)]);
    let svg = save_both(&chart, &dir, "bare");
    assert!(
        svg.contains("-2") && svg.contains("4"),
        "linear tick labels"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_extension_is_read_in_any_case() {
    let dir = scratch_dir("case");
    let chart = LineChart::new("t").series("s", [(0.0, 1.0), (1.0, 2.0)]);
    chart.save(dir.join("a.SVG")).unwrap();
    chart.save(dir.join("a.Png")).unwrap();
    let png = std::fs::read(dir.join("a.Png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn charts_with_nothing_to_draw_are_errors_not_panics() {
    let dir = scratch_dir("errors");
    let svg = dir.join("x.svg");
    let png = dir.join("x.png");
    let good = LineChart::new("t").series("s", [(0.0, 1.0), (1.0, 2.0)]);

    assert_invalid(LineChart::new("empty").save(&svg));
    assert_invalid(LineChart::new("only a line").hline(1.0, "h").save(&png));
    assert_invalid(LineChart::new("no points").series("s", []).save(&svg));
    assert_invalid(
        LineChart::new("all NaN")
            .series("s", [(0.0, f64::NAN), (1.0, f64::NAN)])
            .scatter("t", [(f64::NAN, 1.0), (f64::INFINITY, 2.0)])
            .save(&png),
    );
    assert_invalid(
        LineChart::new("log y")
            .log_y()
            .series("s", [(0.0, 0.0), (1.0, -1.0)])
            .save(&svg),
    );
    assert_invalid(
        LineChart::new("log x")
            .log_x()
            .series("s", [(0.0, 1.0), (-1.0, 2.0)])
            .save(&svg),
    );
    assert_invalid(good.clone().hline(f64::NAN, "nan").save(&svg));
    assert_invalid(good.clone().log_y().hline(-1.0, "negative").save(&svg));
    assert_invalid(good.save(dir.join("x.txt")));
    assert_invalid(good.save(dir.join("noextension")));

    // Nothing was written by any failed call.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_failed_save_leaves_the_existing_file_untouched() {
    let dir = scratch_dir("keep");
    let good = LineChart::new("kept").series("s", [(0.0, 1.0), (1.0, 2.0)]);
    for name in ["kept.svg", "kept.png"] {
        let path = dir.join(name);
        good.save(&path).unwrap();
        let before = std::fs::read(&path).unwrap();
        assert_invalid(LineChart::new("replacement").save(&path));
        assert_invalid(
            LineChart::new("replacement")
                .series("s", [(1.0, f64::NAN)])
                .save(&path),
        );
        assert_eq!(std::fs::read(&path).unwrap(), before, "{name} changed");
    }
    // A missing directory is an I/O error, and leaves no file behind.
    let err = good.save(dir.join("no/such/dir/c.svg")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["kept.png", "kept.svg"]);
    std::fs::remove_dir_all(dir).unwrap();
}
