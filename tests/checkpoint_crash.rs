//! Nothing is lost when a save dies: a save whose writer fails after any
//! number of bytes, and a process killed (SIGKILL) while it saves, both
//! leave the previous checkpoint — or the complete new one — at the path,
//! loadable.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gradflow::io::{Checkpoint, state_dict, write_atomic};
use gradflow::nn::{Dense, Init, Layer, Relu, Sequential};
use gradflow::optim::{Adam, AdamConfig, Optimizer};
use gradflow::{Rng, SeedableRng, Tape, Tensor};

/// A checkpoint of a model trained `steps` Adam steps from `seed`: big
/// enough (≈ 3 MB) that a kill lands inside the write most of the time.
fn checkpoint(seed: u64, steps: u64) -> Checkpoint {
    let mut rng = Rng::seed_from_u64(seed);
    let mut model = Sequential::new()
        .push(Dense::<f32>::new(256, 512, Init::he_normal(), &mut rng))
        .push(Relu)
        .push(Dense::new(512, 4, Init::xavier_uniform(), &mut rng));
    let mut opt = Adam::new(AdamConfig::default()).unwrap();
    let x = Tensor::<f32>::normal([8, 256], 0.0, 1.0, &mut rng);
    let y = Tensor::<f32>::normal([8, 4], 0.0, 1.0, &mut rng);
    for _ in 0..steps {
        let tape = Tape::new();
        let loss = model
            .forward(tape.constant(x.clone()))
            .mse(tape.constant(y.clone()));
        let grads = tape.backward(loss);
        opt.step(&mut model, &grads);
    }
    Checkpoint {
        model: state_dict(&model),
        optimizer: opt.state_dict(&model),
        step: steps,
    }
}

fn fresh_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradflow-crash-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_save_that_fails_after_any_number_of_bytes_leaves_the_previous_checkpoint() {
    let dir = fresh_dir("fail");
    let path = dir.join("ckpt.safetensors");
    let old = checkpoint(1, 2);
    old.save(&path).unwrap();
    let new_bytes = checkpoint(2, 3).to_bytes().unwrap();
    let header = 8 + u64::from_le_bytes(new_bytes[..8].try_into().unwrap()) as usize;
    let cuts = [
        0,
        1,
        7,
        8,
        header / 2,
        header,
        header + 1,
        new_bytes.len() / 2,
        new_bytes.len() - 1,
    ];
    for cut in cuts {
        let failed = write_atomic(&path, |f| {
            f.write_all(&new_bytes[..cut])?;
            Err(std::io::Error::other("the disk filled up"))
        });
        let err = failed.expect_err("the failing writer must fail the save");
        assert!(
            err.to_string().contains("the disk filled up"),
            "cut {cut}: {err}"
        );
        assert_eq!(Checkpoint::load(&path).unwrap(), old, "cut {cut}");
        // The temporary file is gone: only the checkpoint remains.
        assert_eq!(entries(&dir), ["ckpt.safetensors"], "cut {cut}");
    }
    // A writer that panics midway is no different.
    let panicked = std::panic::catch_unwind(|| {
        write_atomic(&path, |f| {
            f.write_all(&new_bytes[..header + 10])?;
            panic!("killed midway");
        })
    });
    assert!(panicked.is_err());
    assert_eq!(Checkpoint::load(&path).unwrap(), old);
    assert_eq!(entries(&dir), ["ckpt.safetensors"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

const CHILD_DIR: &str = "GRADFLOW_CRASH_TEST_DIR";

/// Child mode of the kill test: saves checkpoints `a` and `b` in turn at
/// `$GRADFLOW_CRASH_TEST_DIR/ckpt.safetensors` until it is killed. Does
/// nothing when run on its own.
#[test]
#[ignore = "run by a_process_killed_while_saving_leaves_a_complete_checkpoint"]
fn child_saves_checkpoints_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let path = dir.join("ckpt.safetensors");
    let (a, b) = (checkpoint(1, 2), checkpoint(2, 3));
    a.save(&path).unwrap();
    std::fs::write(dir.join("ready"), b"").unwrap();
    for i in 0u64.. {
        if i % 2 == 0 { &b } else { &a }.save(&path).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_process_killed_while_saving_leaves_a_complete_checkpoint() {
    let (a, b) = (checkpoint(1, 2), checkpoint(2, 3));
    let exe = std::env::current_exe().unwrap();
    for round in 0..6u64 {
        let dir = fresh_dir(&format!("kill{round}"));
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_saves_checkpoints_until_killed",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while !dir.join("ready").exists() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the child never saved"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        // Different points in the save loop each round.
        std::thread::sleep(Duration::from_millis(3 + 7 * round));
        child.kill().unwrap(); // SIGKILL: no destructor, no cleanup runs
        child.wait().unwrap();

        let loaded = Checkpoint::load(dir.join("ckpt.safetensors"))
            .unwrap_or_else(|e| panic!("round {round}: the checkpoint is unreadable: {e}"));
        assert!(
            loaded == a || loaded == b,
            "round {round}: the checkpoint is neither the old nor the new one"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
