//! Crash-safe file replacement: write a temporary file beside the target,
//! flush it to disk, rename it over the target.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

const CONTEXT: &str = "write_atomic";

/// Replaces the file at `path` with what `write` writes, atomically: either
/// the old file (or none) or the complete new one is ever seen at `path`,
/// even if the process crashes or `write` fails midway.
///
/// `write` receives a new temporary file in the same directory (named
/// `.NAME.PID.N.tmp`). When it returns `Ok`, the file is flushed with
/// `sync_all`, renamed over `path` (an atomic replacement on POSIX and on
/// Windows), and on Unix the directory is synced too so the rename itself
/// survives a power loss (best effort: a directory that cannot be opened
/// is skipped). If `write` fails or panics, or any step before the rename
/// fails, the temporary file is removed and `path` is untouched.
///
/// Every save in [`gradflow::io`](crate::io) goes through here; pass your
/// own `write` to add progress reporting or to test failures:
///
/// ```
/// use std::io::Write;
/// # let dir = std::env::temp_dir().join(format!("gradflow-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("notes.txt");
/// gradflow::io::write_atomic(&path, |f| f.write_all(b"first"))?;
/// // A writer that fails halfway leaves the first version in place.
/// let failed = gradflow::io::write_atomic(&path, |f| {
///     f.write_all(b"sec")?;
///     Err(std::io::Error::other("disk on fire"))
/// });
/// assert!(failed.is_err());
/// assert_eq!(std::fs::read(&path).unwrap(), b"first");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), gradflow::Error>(())
/// ```
///
/// The new file gets the old one's permissions when there was one (else
/// the process's defaults). A symbolic link at `path` is replaced by a
/// regular file, not written through.
///
/// # Errors
/// [`Error::Io`] naming the step that failed and the path.
pub fn write_atomic(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<()> {
    write_atomic_in(path.as_ref(), CONTEXT, write)
}

/// [`write_atomic`] with the caller's name in errors.
pub(crate) fn write_atomic_in(
    path: &Path,
    context: &'static str,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<()> {
    let io_err = |step: &str, p: &Path, e: io::Error| Error::Io {
        context,
        path: p.display().to_string(),
        kind: e.kind(),
        message: format!("{step}: {e}"),
    };
    let file_name = path.file_name().ok_or_else(|| Error::Io {
        context,
        path: path.display().to_string(),
        kind: io::ErrorKind::InvalidInput,
        message: "the path does not name a file".to_string(),
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };

    // A fresh name: the process id and a counter make clashes unlikely and
    // `create_new` makes them harmless (try again with the next number).
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let (tmp_path, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = std::ffi::OsString::from(".");
        name.push(file_name);
        name.push(format!(".{}.{n}.tmp", std::process::id()));
        let candidate = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => break (candidate, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err("creating a temporary file", &candidate, e)),
        }
    };
    let guard = RemoveOnDrop(Some(tmp_path.clone()));

    if let Ok(meta) = fs::metadata(path) {
        // Best effort: keep the permissions of the file being replaced.
        let _ = file.set_permissions(meta.permissions());
    }
    write(&mut file).map_err(|e| io_err("writing", &tmp_path, e))?;
    file.sync_all()
        .map_err(|e| io_err("syncing the temporary file", &tmp_path, e))?;
    drop(file);
    fs::rename(&tmp_path, path)
        .map_err(|e| io_err("renaming the temporary file over it", path, e))?;
    guard.disarm();

    #[cfg(unix)]
    if let Ok(d) = File::open(&dir) {
        d.sync_all()
            .map_err(|e| io_err("syncing the directory after the rename", &dir, e))?;
    }
    Ok(())
}

/// Removes the temporary file unless disarmed (on error and on panic).
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A fresh empty directory under the system's temporary directory.
    pub(crate) fn scratch_dir(tag: &str) -> PathBuf {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "gradflow-io-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = scratch_dir("replace");
        let path = dir.join("a.bin");
        write_atomic(&path, |f| f.write_all(b"one")).unwrap();
        write_atomic(&path, |f| f.write_all(b"two two")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two two");
        assert_eq!(entries(&dir), ["a.bin"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failing_writer_keeps_the_old_file_and_cleans_up() {
        let dir = scratch_dir("fail");
        let path = dir.join("a.bin");
        write_atomic(&path, |f| f.write_all(b"old")).unwrap();
        let err = write_atomic(&path, |f| {
            f.write_all(b"partial")?;
            Err(io::Error::new(io::ErrorKind::StorageFull, "injected"))
        })
        .unwrap_err();
        match &err {
            Error::Io { kind, message, .. } => {
                assert_eq!(*kind, io::ErrorKind::StorageFull);
                assert!(message.starts_with("writing: injected"), "{message}");
            }
            e => panic!("unexpected {e:?}"),
        }
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(&dir), ["a.bin"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_panicking_writer_cleans_up() {
        let dir = scratch_dir("panic");
        let path = dir.join("a.bin");
        let r = std::panic::catch_unwind(|| {
            let _ = write_atomic(&path, |_| panic!("boom"));
        });
        assert!(r.is_err());
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_io_error_naming_the_path() {
        let dir = scratch_dir("missing");
        let path = dir.join("no/such/dir/a.bin");
        let err = write_atomic(&path, |f| f.write_all(b"x")).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Io {
                    kind: io::ErrorKind::NotFound,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("no/such/dir"), "{err}");
        fs::remove_dir_all(dir).unwrap();
    }
}
