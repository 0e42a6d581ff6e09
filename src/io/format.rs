//! The safetensors format: state dicts to and from bytes and files.
//!
//! A file is an 8-byte little-endian header length `n`, `n` bytes of JSON
//! (`{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
//! ..., "__metadata__": {"key": "value"}}`, padded with spaces to a multiple
//! of 8), then the tensors' little-endian, row-major bytes, back to back.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

use ::safetensors::Dtype;
use ::safetensors::tensor::TensorInfo;

use super::atomic::write_atomic_in;
use super::{StateDict, StateTensor};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// The free-form string metadata of a safetensors file (its `__metadata__`
/// entry), sorted by key so files are byte-for-byte reproducible.
pub type Metadata = BTreeMap<String, String>;

/// The largest header accepted or written: the safetensors crate's limit.
pub(crate) const MAX_HEADER: usize = 100_000_000;
const METADATA_KEY: &str = "__metadata__";

/// The state dict as safetensors bytes (no metadata).
///
/// Entries are listed in the header in the state dict's order, which
/// [`from_bytes`] restores. The data section holds 8-byte dtypes (`I64`,
/// `F64`) before `F32`, as the safetensors crate and
/// `safetensors.torch.save_file` lay them out, so every tensor is aligned
/// to its element size.
///
/// # Errors
/// [`Error::InvalidArgument`] for a name that cannot be stored (empty, or
/// the reserved `__metadata__`) or a header over 100 MB;
/// [`Error::LengthMismatch`] for an `I64` entry whose data does not fit its
/// shape.
pub fn to_bytes(state: &StateDict) -> Result<Vec<u8>> {
    encode(state, &Metadata::new(), "to_bytes")
}

/// [`to_bytes`] with string metadata in the header's `__metadata__` (left
/// out when `metadata` is empty, as PyTorch does for `None`).
///
/// # Errors
/// As [`to_bytes`].
pub fn to_bytes_with_metadata(state: &StateDict, metadata: &Metadata) -> Result<Vec<u8>> {
    encode(state, metadata, "to_bytes")
}

/// Parses safetensors bytes, as [`from_bytes_with_metadata`] without the
/// metadata.
///
/// # Errors
/// As [`from_bytes_with_metadata`].
pub fn from_bytes(bytes: &[u8]) -> Result<StateDict> {
    decode(bytes, "from_bytes", "").map(|(s, _)| s)
}

/// Parses safetensors bytes into a state dict (in the header's order) and
/// the `__metadata__` strings (empty if absent).
///
/// Reads files written by [`to_bytes`], by the safetensors crate and by
/// `safetensors.torch.save_file`. Hostile input never panics and never
/// makes one allocation larger than `4 × bytes.len() + 1 MiB` (see
/// `docs/fuzzing.md`).
///
/// # Errors
/// [`Error::InvalidFormat`] (its reason starting `invalid safetensors:`)
/// saying what is wrong: input shorter than the 8-byte length prefix, a
/// header length over 100 MB or past the end of the input (a truncated
/// file), a header that is not UTF-8 JSON, an empty or duplicate name, a
/// dtype other than `F32`, `F64` and `I64`, a shape of more than 1024
/// dimensions or whose nonzero dimensions overflow, offsets outside the
/// data, overlapping or leaving gaps, a shape that does not match its byte
/// count, trailing bytes.
pub fn from_bytes_with_metadata(bytes: &[u8]) -> Result<(StateDict, Metadata)> {
    decode(bytes, "from_bytes", "")
}

/// Saves the state dict as a safetensors file at `path`, atomically (see
/// [`write_atomic`](super::write_atomic)): a crash or a failed write leaves
/// any previous file intact.
///
/// # Errors
/// As [`to_bytes`], and [`Error::Io`] naming the step and path that failed.
pub fn save_safetensors(state: &StateDict, path: impl AsRef<Path>) -> Result<()> {
    save_safetensors_with_metadata(state, &Metadata::new(), path)
}

/// [`save_safetensors`] with string metadata.
///
/// # Errors
/// As [`save_safetensors`].
pub fn save_safetensors_with_metadata(
    state: &StateDict,
    metadata: &Metadata,
    path: impl AsRef<Path>,
) -> Result<()> {
    let context = "save_safetensors";
    let bytes = encode(state, metadata, context)?;
    write_atomic_in(path.as_ref(), context, |f| f.write_all(&bytes))
}

/// Loads a safetensors file (e.g. one written by
/// `safetensors.torch.save_file(model.state_dict(), path)`).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, otherwise as
/// [`from_bytes_with_metadata`] with the path in the message.
pub fn load_safetensors(path: impl AsRef<Path>) -> Result<StateDict> {
    load_safetensors_with_metadata(path).map(|(s, _)| s)
}

/// [`load_safetensors`] returning the metadata too.
///
/// # Errors
/// As [`load_safetensors`].
pub fn load_safetensors_with_metadata(path: impl AsRef<Path>) -> Result<(StateDict, Metadata)> {
    read_file(path.as_ref(), "load_safetensors")
}

/// Reads and parses a file, naming `context` and the path in errors.
pub(crate) fn read_file(path: &Path, context: &'static str) -> Result<(StateDict, Metadata)> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        context,
        path: path.display().to_string(),
        kind: e.kind(),
        message: format!("reading: {e}"),
    })?;
    decode(&bytes, context, &format!("{}: ", path.display()))
}

/// Writes the file image: header in insertion order, data by dtype size.
pub(crate) fn encode(
    state: &StateDict,
    metadata: &Metadata,
    context: &'static str,
) -> Result<Vec<u8>> {
    let invalid = |reason: String| Error::InvalidArgument { context, reason };
    for (name, t) in state.iter() {
        if name.is_empty() {
            return Err(invalid("a state dict entry has an empty name".to_string()));
        }
        if name == METADATA_KEY {
            return Err(invalid(format!(
                "the name \"{METADATA_KEY}\" is reserved for metadata"
            )));
        }
        if let StateTensor::I64 { data, shape } = t {
            let expected = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
            if expected != Some(data.len()) {
                return Err(Error::LengthMismatch {
                    context,
                    shape: shape.clone(),
                    expected: expected.unwrap_or(usize::MAX),
                    actual: data.len(),
                });
            }
        }
    }

    // Data layout: 8-byte elements first so every tensor is aligned to its
    // element size (the header is padded to a multiple of 8).
    let entries: Vec<(&str, &StateTensor)> = state.iter().collect();
    let mut layout: Vec<usize> = (0..entries.len()).collect();
    layout.sort_by_key(|&i| std::cmp::Reverse(elem_size(entries[i].1)));
    let mut offsets = vec![(0usize, 0usize); entries.len()];
    let mut cursor = 0usize;
    for &i in &layout {
        let len = entries[i].1.numel() * elem_size(entries[i].1);
        offsets[i] = (cursor, cursor + len);
        cursor += len;
    }

    let enc = |e: serde_json::Error| invalid(format!("encoding the header: {e}"));
    let mut header = String::from("{");
    if !metadata.is_empty() {
        header.push_str(&serde_json::to_string(METADATA_KEY).map_err(enc)?);
        header.push(':');
        header.push_str(&serde_json::to_string(metadata).map_err(enc)?);
    }
    for ((name, t), (begin, end)) in entries.iter().zip(&offsets) {
        if header.len() > 1 {
            header.push(',');
        }
        let shape: Vec<String> = t.shape().iter().map(usize::to_string).collect();
        header.push_str(&serde_json::to_string(name).map_err(enc)?);
        header.push_str(&format!(
            ":{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{begin},{end}]}}",
            t.dtype(),
            shape.join(",")
        ));
    }
    header.push('}');
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    if header.len() > MAX_HEADER {
        return Err(invalid(format!(
            "the header would be {} bytes, over the {MAX_HEADER}-byte limit readers accept",
            header.len()
        )));
    }

    let mut out = Vec::with_capacity(8 + header.len() + cursor);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for &i in &layout {
        match entries[i].1 {
            StateTensor::F32(t) => t
                .data()
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            StateTensor::F64(t) => t
                .data()
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            StateTensor::I64 { data, .. } => data
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        }
    }
    debug_assert_eq!(out.len(), 8 + header.len() + cursor);
    Ok(out)
}

fn elem_size(t: &StateTensor) -> usize {
    match t {
        StateTensor::F32(_) => 4,
        StateTensor::F64(_) | StateTensor::I64 { .. } => 8,
    }
}

/// The most dimensions a tensor in a file may have. PyTorch's practical
/// limit is far lower; the cap keeps a header of `[1,1,1,...]` from
/// becoming a shape vector four times its size.
pub(crate) const MAX_RANK: usize = 1024;

/// Parses a file image. `source` (`"path: "` or empty) starts every reason.
///
/// Hostile input never panics and never makes one allocation larger than
/// `4 × bytes.len() + 1 MiB`: the header is scanned and checked one entry
/// at a time, so that nothing is built for an entry before the previous
/// ones proved valid, and a shape is counted before it is parsed.
pub(crate) fn decode(
    bytes: &[u8],
    context: &'static str,
    source: &str,
) -> Result<(StateDict, Metadata)> {
    let bad = |reason: String| Error::InvalidFormat {
        context,
        reason: format!("{source}invalid safetensors: {reason}"),
    };
    let len = bytes.len();
    let Some((prefix, rest)) = bytes.split_first_chunk::<8>() else {
        return Err(bad(format!(
            "{len} bytes is too short for the 8-byte header length (truncated file?)"
        )));
    };
    let declared = u64::from_le_bytes(*prefix);
    if declared > MAX_HEADER as u64 {
        return Err(bad(format!(
            "declared header length {declared} exceeds the {MAX_HEADER}-byte limit (corrupted header?)"
        )));
    }
    let n = declared as usize;
    if n > rest.len() {
        return Err(bad(format!(
            "declared header length {n} runs past the end of the {len}-byte input (truncated file?)"
        )));
    }
    let (header, data) = rest.split_at(n);
    let data_len = data.len();
    let header = std::str::from_utf8(header).map_err(|e| {
        bad(format!(
            "the header is not valid UTF-8 ({e}) (corrupted header?)"
        ))
    })?;

    // Names, metadata, dtypes and offsets, checked entry by entry so that
    // every message names the tensor and the first bad entry stops the scan.
    let mut seen = HashSet::new();
    let mut metadata = Metadata::new();
    let mut tensors: Vec<(String, TensorInfo)> = Vec::new();
    let mut entry = |name: String, value: &str| -> Result<()> {
        if !seen.insert(name.clone()) {
            return Err(bad(format!(
                "the name \"{name}\" appears twice in the header"
            )));
        }
        if name == METADATA_KEY {
            metadata = serde_json::from_str(value)
                .map_err(|e| bad(format!("\"{METADATA_KEY}\" must map names to strings: {e}")))?;
            return Ok(());
        }
        if name.is_empty() {
            return Err(bad("a tensor has an empty name".to_string()));
        }
        // A valid entry has one comma per dimension past the first, one
        // between its offsets and two between its fields.
        let commas = value.bytes().filter(|&c| c == b',').count();
        if commas > MAX_RANK + 2 {
            return Err(bad(format!(
                "tensor \"{name}\": its header entry has {commas} commas, more than a shape of at most {MAX_RANK} dimensions needs"
            )));
        }
        let info: TensorInfo =
            serde_json::from_str(value).map_err(|e| bad(format!("tensor \"{name}\": {e}")))?;
        let size = match info.dtype {
            Dtype::F32 => 4,
            Dtype::F64 | Dtype::I64 => 8,
            other => {
                return Err(bad(format!(
                    "tensor \"{name}\" has dtype {other}; gradflow reads F32, F64 and I64"
                )));
            }
        };
        let (begin, end) = info.data_offsets;
        if begin > end || end > data_len {
            return Err(bad(format!(
                "tensor \"{name}\": data offsets [{begin}, {end}] lie outside the {data_len}-byte data section (truncated file?)"
            )));
        }
        let needed = info
            .shape
            .iter()
            .try_fold(size, |a: usize, &d| a.checked_mul(d));
        if needed != Some(end - begin) {
            return Err(bad(format!(
                "tensor \"{name}\": shape {:?} of {} needs {} bytes but its offsets [{begin}, {end}] hold {}",
                info.shape,
                info.dtype,
                needed.map_or("more than usize::MAX".to_string(), |b| b.to_string()),
                end - begin
            )));
        }
        // A zero-sized tensor's other dimensions must still describe a
        // layout: their product (the strides) must fit in memory.
        let layout = info
            .shape
            .iter()
            .filter(|&&d| d != 0)
            .try_fold(size, |a: usize, &d| a.checked_mul(d));
        if layout.is_none_or(|b| b > isize::MAX as usize) {
            return Err(bad(format!(
                "tensor \"{name}\": shape {:?} is too large to lay out (its nonzero dimensions overflow)",
                info.shape
            )));
        }
        tensors.push((name, info));
        Ok(())
    };
    top_level_entries(header, &mut entry).map_err(|e| match e {
        Scan::Syntax(e) => bad(format!("{e} (corrupted header?)")),
        Scan::Entry(e) => e,
    })?;

    let mut spans: Vec<(usize, usize, &str)> = tensors
        .iter()
        .map(|(n, i)| (i.data_offsets.0, i.data_offsets.1, n.as_str()))
        .collect();
    spans.sort_unstable();
    let mut cursor = 0;
    for (begin, end, name) in spans {
        if begin != cursor {
            let what = if begin < cursor {
                "overlaps the previous tensor"
            } else {
                "leaves a gap before it"
            };
            return Err(bad(format!(
                "tensor \"{name}\": data offsets [{begin}, {end}] {what} (the data must be packed)"
            )));
        }
        cursor = end;
    }
    if cursor != data_len {
        return Err(bad(format!(
            "{} bytes after the last tensor's data belong to no tensor",
            data_len - cursor
        )));
    }

    // Everything the safetensors crate's `SafeTensors::deserialize`
    // validates has been checked above (it is not called: it parses the
    // metadata into a `HashMap`, which a header of many tiny entries turns
    // into an allocation many times the input's size).
    let mut state = StateDict::new();
    for (name, info) in tensors {
        let raw = &data[info.data_offsets.0..info.data_offsets.1];
        let shape = info.shape.as_slice();
        let tensor = match info.dtype {
            Dtype::F32 => {
                let data = raw
                    .as_chunks::<4>()
                    .0
                    .iter()
                    .map(|c| f32::from_le_bytes(*c))
                    .collect();
                StateTensor::F32(Tensor::from_vec(data, shape)?)
            }
            Dtype::F64 => {
                let data = raw
                    .as_chunks::<8>()
                    .0
                    .iter()
                    .map(|c| f64::from_le_bytes(*c))
                    .collect();
                StateTensor::F64(Tensor::from_vec(data, shape)?)
            }
            _ => StateTensor::I64 {
                data: raw
                    .as_chunks::<8>()
                    .0
                    .iter()
                    .map(|c| i64::from_le_bytes(*c))
                    .collect(),
                shape: info.shape,
            },
        };
        state.push_new(name, tensor);
    }
    Ok((state, metadata))
}

/// Why [`top_level_entries`] stopped: malformed JSON, or the caller's
/// check of an entry.
enum Scan {
    Syntax(String),
    Entry(Error),
}

/// Calls `entry` with the top-level `(name, raw JSON value)` pairs of a
/// JSON object, in order and with duplicates kept (JSON maps lose both).
/// Scans without recursion; anything malformed is an error, never a panic.
/// Values are not checked here: `entry` parses each on its own.
fn top_level_entries(
    s: &str,
    entry: &mut dyn FnMut(String, &str) -> Result<()>,
) -> std::result::Result<(), Scan> {
    let syntax = Scan::Syntax;
    let b = s.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err(syntax("the header is not a JSON object".to_string()));
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if b.get(i) != Some(&b'"') {
                return Err(syntax(format!(
                    "expected a quoted name at byte {i} of the header"
                )));
            }
            let end = string_end(b, i).map_err(syntax)?;
            let name: String = serde_json::from_str(&s[i..end])
                .map_err(|e| syntax(format!("bad name at byte {i} of the header: {e}")))?;
            i = skip_ws(b, end);
            if b.get(i) != Some(&b':') {
                return Err(syntax(format!(
                    "expected ':' after \"{name}\" in the header"
                )));
            }
            let start = skip_ws(b, i + 1);
            i = value_end(b, start).map_err(syntax)?;
            entry(name, &s[start..i]).map_err(Scan::Entry)?;
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => {
                    return Err(syntax(format!(
                        "expected ',' or '}}' at byte {i} of the header"
                    )));
                }
            }
        }
    }
    if skip_ws(b, i) != b.len() {
        return Err(syntax(
            "characters follow the header's JSON object".to_string(),
        ));
    }
    Ok(())
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The index just past the string starting with the quote at `start`.
fn string_end(b: &[u8], start: usize) -> std::result::Result<usize, String> {
    let mut j = start + 1;
    loop {
        match b.get(j) {
            None => return Err(format!("unterminated string at byte {start} of the header")),
            Some(b'"') => return Ok(j + 1),
            Some(b'\\') => j += 2,
            Some(_) => j += 1,
        }
    }
}

/// The index just past the JSON value starting at `start` (nesting tracked
/// with a counter, not recursion).
fn value_end(b: &[u8], start: usize) -> std::result::Result<usize, String> {
    let mut depth = 0usize;
    let mut j = start;
    let incomplete = || format!("incomplete value at byte {start} of the header");
    loop {
        match b.get(j) {
            None => {
                return if depth == 0 && j > start {
                    Ok(j)
                } else {
                    Err(incomplete())
                };
            }
            Some(b'"') => {
                j = string_end(b, j)?;
                if depth == 0 {
                    return Ok(j);
                }
            }
            Some(b'{' | b'[') => {
                depth += 1;
                j += 1;
            }
            Some(b'}' | b']') => {
                if depth == 0 {
                    return if j > start { Ok(j) } else { Err(incomplete()) };
                }
                depth -= 1;
                j += 1;
                if depth == 0 {
                    return Ok(j);
                }
            }
            Some(b',') if depth == 0 => return if j > start { Ok(j) } else { Err(incomplete()) },
            Some(_) => j += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::safetensors::SafeTensors;

    fn sample() -> StateDict {
        let mut s = StateDict::new();
        s.insert(
            "b.weight",
            StateTensor::F32(Tensor::from_vec(vec![1.5f32, -2.0, 3.25], [3]).unwrap()),
        );
        s.insert(
            "a.count",
            StateTensor::I64 {
                data: vec![-7],
                shape: vec![],
            },
        );
        s.insert(
            "c.x",
            StateTensor::F64(Tensor::from_vec(vec![0.1f64, f64::MIN_POSITIVE], [2, 1]).unwrap()),
        );
        s
    }

    #[test]
    fn header_keeps_insertion_order_and_data_is_aligned() {
        let bytes = to_bytes(&sample()).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        assert!(n.is_multiple_of(8));
        let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
        let (b, a, c) = (
            header.find("b.weight"),
            header.find("a.count"),
            header.find("c.x"),
        );
        assert!(b < a && a < c, "{header}");
        // 8-byte dtypes come first in the data: I64 at 0, F64 at 8, F32 at 24.
        assert!(header.contains(r#""a.count":{"dtype":"I64","shape":[],"data_offsets":[0,8]}"#));
        assert!(header.contains(r#""c.x":{"dtype":"F64","shape":[2,1],"data_offsets":[8,24]}"#));
        assert!(
            header.contains(r#""b.weight":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}"#)
        );
        let back = from_bytes(&bytes).unwrap();
        assert_eq!(back, sample());
        assert_eq!(
            back.names().collect::<Vec<_>>(),
            ["b.weight", "a.count", "c.x"]
        );
    }

    #[test]
    fn the_reference_crate_reads_our_files_and_we_read_its() {
        let bytes =
            to_bytes_with_metadata(&sample(), &Metadata::from([("k".into(), "v".into())])).unwrap();
        let theirs = SafeTensors::deserialize(&bytes).unwrap();
        let w = theirs.tensor("b.weight").unwrap();
        assert_eq!(w.dtype(), Dtype::F32);
        assert_eq!(
            w.data(),
            [1.5f32, -2.0, 3.25]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect::<Vec<_>>()
        );
        let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
        assert_eq!(meta.metadata().as_ref().unwrap()["k"], "v");

        // The crate's own writer (what safetensors.torch.save_file calls).
        struct View(Dtype, Vec<usize>, Vec<u8>);
        impl ::safetensors::View for &View {
            fn dtype(&self) -> Dtype {
                self.0
            }
            fn shape(&self) -> &[usize] {
                &self.1
            }
            fn data(&self) -> std::borrow::Cow<'_, [u8]> {
                (&self.2[..]).into()
            }
            fn data_len(&self) -> usize {
                self.2.len()
            }
        }
        let w = View(
            Dtype::F32,
            vec![2],
            [1.0f32, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect(),
        );
        let c = View(Dtype::I64, vec![], 5i64.to_le_bytes().to_vec());
        let meta = std::collections::HashMap::from([("format".to_string(), "pt".to_string())]);
        let bytes = ::safetensors::serialize([("w", &w), ("n", &c)], Some(meta)).unwrap();
        let (state, meta) = from_bytes_with_metadata(&bytes).unwrap();
        assert_eq!(meta["format"], "pt");
        assert_eq!(
            state.get("w"),
            Some(&StateTensor::F32(
                Tensor::from_vec(vec![1.0, 2.0], [2]).unwrap()
            ))
        );
        assert_eq!(
            state.get("n"),
            Some(&StateTensor::I64 {
                data: vec![5],
                shape: vec![]
            })
        );
    }

    /// The scanner's entries, collected.
    fn entries(s: &str) -> std::result::Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        top_level_entries(s, &mut |n, v| {
            out.push((n, v.to_string()));
            Ok(())
        })
        .map_err(|e| match e {
            Scan::Syntax(e) => e,
            Scan::Entry(e) => e.to_string(),
        })?;
        Ok(out)
    }

    #[test]
    fn scanner_keeps_duplicates_and_order() {
        let e = entries(r#" {"b": {"x": [1, "}"]}, "a\"q": 2 , "b":"s"}  "#).unwrap();
        let names: Vec<&str> = e.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["b", "a\"q", "b"]);
        assert_eq!(e[0].1, r#"{"x": [1, "}"]}"#);
        assert_eq!(e[1].1.trim(), "2");
        assert_eq!(entries("{}").unwrap(), vec![]);
        for bad in [
            "",
            "[]",
            "{",
            "{\"a\"",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":1} x",
            "{\"a\\",
            "{\"a\":[1",
        ] {
            assert!(entries(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn escaped_duplicate_names_are_caught() {
        // "a" and "\u0061" are the same name once unescaped.
        let header = r#"{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"\u0061":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0; 8]);
        let err = from_bytes(&bytes).unwrap_err().to_string();
        assert!(err.contains("\"a\" appears twice"), "{err}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for value in [
            format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000)),
            format!("{}1{}", "{\"a\":".repeat(200_000), "}".repeat(200_000)),
            "[".repeat(1_000_000),
        ] {
            let header = format!("{{\"w\":{value}}}");
            let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
            bytes.extend_from_slice(header.as_bytes());
            assert!(matches!(
                from_bytes(&bytes),
                Err(Error::InvalidFormat { .. })
            ));
            let header = format!("{{\"__metadata__\":{value}}}");
            let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
            bytes.extend_from_slice(header.as_bytes());
            assert!(matches!(
                from_bytes(&bytes),
                Err(Error::InvalidFormat { .. })
            ));
        }
    }

    #[test]
    fn names_that_cannot_be_stored_are_refused() {
        let mut s = StateDict::new();
        s.insert("", StateTensor::F32(Tensor::scalar(1.0)));
        assert!(matches!(to_bytes(&s), Err(Error::InvalidArgument { .. })));
        let mut s = StateDict::new();
        s.insert(METADATA_KEY, StateTensor::F32(Tensor::scalar(1.0)));
        assert!(to_bytes(&s).unwrap_err().to_string().contains("reserved"));
        let mut s = StateDict::new();
        s.insert(
            "n",
            StateTensor::I64 {
                data: vec![1, 2],
                shape: vec![3],
            },
        );
        assert!(matches!(
            to_bytes(&s),
            Err(Error::LengthMismatch {
                expected: 3,
                actual: 2,
                ..
            })
        ));
    }

    #[test]
    fn empty_and_zero_sized() {
        let bytes = to_bytes(&StateDict::new()).unwrap();
        assert_eq!(from_bytes(&bytes).unwrap(), StateDict::new());
        let mut s = StateDict::new();
        s.insert(
            "z",
            StateTensor::F32(Tensor::from_vec(vec![], [0, 3]).unwrap()),
        );
        s.insert(
            "y",
            StateTensor::F64(Tensor::from_vec(vec![], [2, 0]).unwrap()),
        );
        s.insert("x", StateTensor::F32(Tensor::scalar(2.0)));
        let back = from_bytes(&to_bytes(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
