//! Quick variant of `examples/digits.rs`: 8 epochs instead of 40, one
//! seed; the test accuracy must clear a lower frozen bound and the
//! checkpoint, saved to a file and reloaded into a freshly built model,
//! must give bit-identical test logits.

#[path = "../examples/repro/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../examples/repro/digits.rs"]
mod digits;

use digits::{Config, QUICK_TARGET};

#[test]
fn quick_variant_learns_and_checkpoint_round_trips() {
    let dir = std::env::temp_dir().join(format!("gradflow_repro_digits_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("checkpoint.safetensors");
    let cfg = Config {
        checkpoint: Some(path.clone()),
        ..Config::quick()
    };
    let out = digits::run(&cfg);
    eprintln!("{}\n{}", digits::seeds_table(&out), out.table);
    let run = &out.runs[0];
    assert!(
        run.accuracy >= QUICK_TARGET,
        "test accuracy {} below {QUICK_TARGET}",
        run.accuracy
    );
    assert!(
        run.checkpoint_identical,
        "max |Δ| {}",
        run.checkpoint_max_diff
    );
    assert!(path.exists(), "the checkpoint file was written");
    // The file is a checkpoint of this model and step.
    let ck = gradflow::io::Checkpoint::load(&path).unwrap();
    assert_eq!(ck.step, run.steps);
    assert!(ck.model.contains("0.weight") && !ck.optimizer.is_empty());
    // The monitor recorded the last step and found nothing wrong.
    let report = run.report_data.as_ref().expect("a step was recorded");
    assert_eq!(report.step, run.steps - 1);
    assert!(!report.is_vanishing() && !report.is_exploding(), "{report}");
    assert!(out.table.passed(), "{}", out.table);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_run_below_the_target_fails_the_judge() {
    let cfg = Config {
        epochs: 3,
        warmup_epochs: 1,
        target: 0.999,
        ..Config::quick()
    };
    let out = digits::run(&cfg);
    assert!(!out.table.passed(), "{}", out.table);
}
