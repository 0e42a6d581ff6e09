//! Training checkpoints: model, optimizer and step in one file.

use std::io::Write;
use std::path::Path;

use super::StateDict;
use super::atomic::write_atomic_in;
use super::format::{Metadata, decode, encode, read_file};
use crate::error::{Error, Result};

const MODEL: &str = "model";
const OPTIMIZER: &str = "optimizer";
const STEP: &str = "step";
const FORMAT: &str = "format";
const FORMAT_VALUE: &str = "gradflow.checkpoint.v1";

/// Everything needed to resume training, saved as **one** safetensors file.
///
/// Model entries are stored as `model.NAME`, optimizer entries as
/// `optimizer.NAME`; the step is the decimal string `step` in the file's
/// metadata (with `format = "gradflow.checkpoint.v1"`), so the file is also
/// an ordinary safetensors file that `safetensors.torch.load_file` reads.
/// [`Checkpoint::save`] is atomic: the previous checkpoint survives a crash
/// or a failed write.
///
/// ```
/// use gradflow::io::{Checkpoint, StateDict, StateTensor, from_bytes};
/// use gradflow::Tensor;
///
/// let mut model = StateDict::new();
/// model.insert("0.weight", StateTensor::F32(Tensor::ones([2, 3])));
/// let ckpt = Checkpoint { model, optimizer: StateDict::new(), step: 1200 };
/// let bytes = ckpt.to_bytes()?;
/// assert!(from_bytes(&bytes)?.contains("model.0.weight"));
/// assert_eq!(Checkpoint::from_bytes(&bytes)?, ckpt);
/// # Ok::<(), gradflow::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checkpoint {
    /// The model's state dict (e.g. from [`state_dict`](super::state_dict)).
    pub model: StateDict,
    /// The optimizer's state.
    pub optimizer: StateDict,
    /// Training steps taken.
    pub step: u64,
}

impl Checkpoint {
    /// The checkpoint as safetensors bytes.
    ///
    /// # Errors
    /// As [`to_bytes`](super::to_bytes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.encode("Checkpoint::to_bytes")
    }

    /// Parses a checkpoint.
    ///
    /// # Errors
    /// As [`from_bytes`](super::from_bytes), and [`Error::InvalidFormat`] if
    /// the metadata has no valid `step`, the `format` is not one this
    /// version reads, or an entry is neither `model.*` nor `optimizer.*`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Checkpoint> {
        let context = "Checkpoint::from_bytes";
        let (state, metadata) = decode(bytes, context, "")?;
        Checkpoint::split(state, &metadata, context, "")
    }

    /// Saves the checkpoint at `path`, atomically (see
    /// [`write_atomic`](super::write_atomic)).
    ///
    /// # Errors
    /// As [`Checkpoint::to_bytes`], and [`Error::Io`] naming the step and
    /// path that failed.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let context = "Checkpoint::save";
        let bytes = self.encode(context)?;
        write_atomic_in(path.as_ref(), context, |f| f.write_all(&bytes))
    }

    /// Loads a checkpoint saved by [`Checkpoint::save`].
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, otherwise as
    /// [`Checkpoint::from_bytes`] with the path in the message.
    pub fn load(path: impl AsRef<Path>) -> Result<Checkpoint> {
        let context = "Checkpoint::load";
        let path = path.as_ref();
        let (state, metadata) = read_file(path, context)?;
        Checkpoint::split(state, &metadata, context, &format!("{}: ", path.display()))
    }

    fn encode(&self, context: &'static str) -> Result<Vec<u8>> {
        let mut all = self.model.with_prefix(MODEL);
        for (name, t) in self.optimizer.with_prefix(OPTIMIZER) {
            all.push_new(name, t);
        }
        let metadata = Metadata::from([
            (FORMAT.to_string(), FORMAT_VALUE.to_string()),
            (STEP.to_string(), self.step.to_string()),
        ]);
        encode(&all, &metadata, context)
    }

    fn split(
        state: StateDict,
        metadata: &Metadata,
        context: &'static str,
        source: &str,
    ) -> Result<Checkpoint> {
        let bad = |reason: String| Error::InvalidFormat {
            context,
            reason: format!("{source}{reason}"),
        };
        if let Some(format) = metadata.get(FORMAT)
            && format != FORMAT_VALUE
        {
            return Err(bad(format!(
                "metadata format \"{format}\" is not \"{FORMAT_VALUE}\", the checkpoint format this version reads"
            )));
        }
        let step = metadata
            .get(STEP)
            .ok_or_else(|| bad("not a checkpoint: the metadata has no \"step\"".to_string()))?;
        let step = step.parse::<u64>().map_err(|_| {
            bad(format!(
                "metadata \"step\" is \"{step}\", not an unsigned integer"
            ))
        })?;
        let mut checkpoint = Checkpoint {
            step,
            ..Checkpoint::default()
        };
        let (model_prefix, optimizer_prefix) = (format!("{MODEL}."), format!("{OPTIMIZER}."));
        for (name, t) in state {
            // Names were unique in the file, so they are unique in each part;
            // an empty remainder was rejected as an empty name on saving and
            // is rejected here too.
            let (part, rest) = if let Some(rest) = name.strip_prefix(&model_prefix) {
                (&mut checkpoint.model, rest)
            } else if let Some(rest) = name.strip_prefix(&optimizer_prefix) {
                (&mut checkpoint.optimizer, rest)
            } else {
                return Err(bad(format!(
                    "entry \"{name}\" is neither \"{MODEL}.*\" nor \"{OPTIMIZER}.*\""
                )));
            };
            if rest.is_empty() {
                return Err(bad(format!(
                    "entry \"{name}\" has an empty name after its prefix"
                )));
            }
            part.push_new(rest.to_string(), t);
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::atomic::tests::scratch_dir;
    use crate::io::{StateTensor, from_bytes_with_metadata, to_bytes_with_metadata};
    use crate::tensor::Tensor;

    fn sample() -> Checkpoint {
        let mut model = StateDict::new();
        model.insert(
            "0.weight",
            StateTensor::F64(Tensor::from_vec(vec![1.0, 2.0], [1, 2]).unwrap()),
        );
        model.insert(
            "1.num_batches_tracked",
            StateTensor::I64 {
                data: vec![3],
                shape: vec![],
            },
        );
        let mut optimizer = StateDict::new();
        optimizer.insert(
            "state.0.exp_avg",
            StateTensor::F64(Tensor::from_vec(vec![0.5, 0.25], [1, 2]).unwrap()),
        );
        Checkpoint {
            model,
            optimizer,
            step: u64::MAX,
        }
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = scratch_dir("ckpt");
        let path = dir.join("c.safetensors");
        sample().save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), sample());
        let (flat, meta) = from_bytes_with_metadata(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            flat.names().collect::<Vec<_>>(),
            [
                "model.0.weight",
                "model.1.num_batches_tracked",
                "optimizer.state.0.exp_avg"
            ]
        );
        assert_eq!(meta[STEP], u64::MAX.to_string());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn refuses_files_that_are_not_checkpoints() {
        let mut plain = StateDict::new();
        plain.insert("model.w", StateTensor::F32(Tensor::scalar(1.0)));
        let no_step = to_bytes_with_metadata(&plain, &Metadata::new()).unwrap();
        assert!(
            Checkpoint::from_bytes(&no_step)
                .unwrap_err()
                .to_string()
                .contains("no \"step\"")
        );

        let meta = |step: &str| Metadata::from([(STEP.to_string(), step.to_string())]);
        let bad_step = to_bytes_with_metadata(&plain, &meta("-1")).unwrap();
        assert!(
            Checkpoint::from_bytes(&bad_step)
                .unwrap_err()
                .to_string()
                .contains("\"-1\"")
        );

        plain.insert("other.w", StateTensor::F32(Tensor::scalar(1.0)));
        let stray = to_bytes_with_metadata(&plain, &meta("4")).unwrap();
        assert!(
            Checkpoint::from_bytes(&stray)
                .unwrap_err()
                .to_string()
                .contains("\"other.w\"")
        );

        let mut m = meta("4");
        m.insert(FORMAT.to_string(), "something.else".to_string());
        let wrong_format = to_bytes_with_metadata(&StateDict::new(), &m).unwrap();
        assert!(
            Checkpoint::from_bytes(&wrong_format)
                .unwrap_err()
                .to_string()
                .contains("something.else")
        );
    }
}
