//! The output folder (figures and CSVs) and progress bars.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::table::Table;

/// Where an example writes its files; created on first use.
#[derive(Debug, Clone)]
pub struct OutDir {
    dir: PathBuf,
}

impl OutDir {
    /// `dir`, created (with parents) if missing.
    ///
    /// # Errors
    /// If the folder cannot be created.
    pub fn create(dir: impl Into<PathBuf>) -> gradflow::Result<OutDir> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| gradflow::Error::Io {
            context: "OutDir::create",
            path: dir.display().to_string(),
            kind: e.kind(),
            message: e.to_string(),
        })?;
        Ok(OutDir { dir })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// `folder/name`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `text` to `folder/name` atomically.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn write(&self, name: &str, text: &str) -> gradflow::Result<PathBuf> {
        let path = self.file(name);
        gradflow::io::write_atomic(&path, |f| {
            use std::io::Write;
            f.write_all(text.as_bytes())
        })?;
        Ok(path)
    }

    /// Writes a table's rows as `folder/name` (CSV).
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn write_table(&self, name: &str, table: &Table) -> gradflow::Result<PathBuf> {
        self.write(name, &table.to_csv())
    }
}

/// A progress bar on stderr with the loss in its message (hidden when
/// stderr is not a terminal, e.g. under `cargo test`).
pub fn progress(len: u64, prefix: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(prefix.to_string());
    bar
}

/// The end of every example's `main`: prints each table, writes it to
/// `out_dir` as CSV under its file name, writes the `extra_csv` texts and
/// the `figures`, and prints each file written, then the folder and the
/// time since `started`.
///
/// Exit status: failure if a file cannot be written or a checked claim
/// fails (each failing claim listed on stderr), success otherwise.
pub fn finish<'t, N: AsRef<str>>(
    out_dir: &Path,
    started: Instant,
    tables: impl IntoIterator<Item = (N, &'t Table)>,
    extra_csv: &[(&str, String)],
    figures: impl FnOnce(&OutDir) -> gradflow::Result<Vec<PathBuf>>,
) -> ExitCode {
    let tables: Vec<(N, &Table)> = tables.into_iter().collect();
    for (_, table) in &tables {
        println!("{table}");
    }
    let written = OutDir::create(out_dir).and_then(|out| {
        let mut files = Vec::new();
        for (name, table) in &tables {
            files.push(out.write_table(name.as_ref(), table)?);
        }
        for (name, text) in extra_csv {
            files.push(out.write(name, text)?);
        }
        files.extend(figures(&out)?);
        Ok(files)
    });
    match written {
        Ok(files) => {
            for f in files {
                println!("wrote {}", f.display());
            }
        }
        Err(e) => {
            eprintln!("error writing to {}: {e}", out_dir.display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "\noutput folder: {}  ({:.1} s)",
        out_dir.display(),
        started.elapsed().as_secs_f64()
    );
    let failures: Vec<_> = tables.iter().flat_map(|(_, t)| t.failures()).collect();
    for c in &failures {
        eprintln!(
            "FAILED: {} — measured {}, needed {}",
            c.what, c.measured, c.criterion
        );
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
