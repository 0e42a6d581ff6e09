//! JSON Lines: one object per step, one step per line, with the step's
//! anomaly report when the tape's anomaly mode found one.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Number, Value};

use super::{
    Parse, finish_record, in_file, invalid, kind_from_label, param_id, read_text, shown, static_op,
};
use crate::error::Result;
use crate::monitor::{GradStats, LayerRecord, ParamRecord, StepRecord};
use crate::tape::{Anomaly, ParamId, Phase};

/// The history as JSON Lines: one object per step, one step per line.
///
/// ```text
/// {"step":3,"global_norm":0.5,"global_ema":null,
///  "anomaly":{"phase":"backward","op":"sqrt","path":"2","node":7,"input":5,
///             "nonfinite":1,"numel":64},
///  "layers":[{"path":"0","op":"linear","kind":"weighted","order":4,"has_params":true,
///             "numel":64,"l2":..,"sum_abs":..,"max_abs":..,"zeros":0,"nonfinite":0,"dead_frac":0.0}],
///  "params":[{"name":"0.weight","numel":..,"l2":..,"sum_abs":..,"max_abs":..,"zeros":..,
///             "nonfinite":..,"dead_frac":null,"weight_l2":..,"update_l2":null}]}
/// ```
///
/// (shown wrapped; each object is on one line). Every key is always
/// present; `None` is `null`. Integers are JSON integers; floats are JSON
/// numbers in the shortest round-trip form, except the non-finite values
/// JSON cannot express, written as the strings `"NaN"`, `"inf"` and
/// `"-inf"`.
///
/// `anomaly` is the step's [`StepRecord::anomaly`]: `null`, or the
/// [`Anomaly`]'s fields with `phase` as `"forward"` or `"backward"` and
/// `input` `null` unless a backward rule sent the non-finite gradient.
pub fn history_to_jsonl(records: &[StepRecord]) -> String {
    let mut out = String::new();
    for r in records {
        let _ = write!(
            out,
            "{{\"step\":{},\"global_norm\":{},\"global_ema\":{},\"anomaly\":",
            r.step,
            json_opt_float(r.global_norm),
            json_opt_float(r.global_ema)
        );
        match &r.anomaly {
            Some(a) => push_json_anomaly(&mut out, a),
            None => out.push_str("null"),
        }
        out.push_str(",\"layers\":[");
        for (i, l) in r.layers.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"path\":{},\"op\":{},\"kind\":{},\"order\":{},\"has_params\":{},",
                json_string(&l.path),
                json_string(l.op),
                json_string(l.kind.label()),
                l.order,
                l.has_params
            );
            push_json_stats(&mut out, &l.stats);
            out.push('}');
        }
        out.push_str("],\"params\":[");
        for (i, p) in r.params.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{{\"name\":{},", json_string(&p.name));
            push_json_stats(&mut out, &p.stats);
            let _ = write!(
                out,
                ",\"weight_l2\":{},\"update_l2\":{}}}",
                json_float(p.weight_l2),
                json_opt_float(p.update_l2)
            );
        }
        out.push_str("]}\n");
    }
    out
}

fn json_string(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

fn json_float(x: f64) -> String {
    match Number::from_f64(x) {
        Some(n) => n.to_string(),
        None if x.is_nan() => "\"NaN\"".to_string(),
        None if x > 0.0 => "\"inf\"".to_string(),
        None => "\"-inf\"".to_string(),
    }
}

fn json_opt_float(x: Option<f64>) -> String {
    x.map_or_else(|| "null".to_string(), json_float)
}

fn push_json_stats(out: &mut String, s: &GradStats) {
    let _ = write!(
        out,
        "\"numel\":{},\"l2\":{},\"sum_abs\":{},\"max_abs\":{},\"zeros\":{},\"nonfinite\":{},\"dead_frac\":{}",
        s.numel,
        json_float(s.l2),
        json_float(s.sum_abs),
        json_float(s.max_abs),
        s.zeros,
        s.nonfinite,
        json_opt_float(s.dead_frac)
    );
}

fn push_json_anomaly(out: &mut String, a: &Anomaly) {
    let input = a
        .input
        .map_or_else(|| "null".to_string(), |i| i.to_string());
    let _ = write!(
        out,
        "{{\"phase\":{},\"op\":{},\"path\":{},\"node\":{},\"input\":{input},\"nonfinite\":{},\"numel\":{}}}",
        json_string(phase_label(a.phase)),
        json_string(a.op),
        json_string(&a.path),
        a.node,
        a.nonfinite,
        a.numel
    );
}

/// The format's name for a phase (the same words as its `Display`, fixed
/// here so that the format does not follow the message text).
fn phase_label(phase: Phase) -> &'static str {
    match phase {
        Phase::Forward => "forward",
        Phase::Backward => "backward",
    }
}

fn phase_from_label(label: &str) -> Option<Phase> {
    [Phase::Forward, Phase::Backward]
        .into_iter()
        .find(|&p| phase_label(p) == label)
}

/// Parses [`history_to_jsonl`]'s format back into step records, one per
/// non-blank line. Keys other than the documented ones are ignored; every
/// documented key must be present (`null` for `None`), except the step's
/// `anomaly`: files written before it was kept have no such key, and load
/// with `anomaly: None`. Each distinct parameter name gets one fresh
/// [`ParamId`].
///
/// # Errors
/// [`Error::InvalidFormat`](crate::Error::InvalidFormat) naming the line
/// and key, for: a line that is not a JSON object, a missing key, a value
/// of the wrong type (a negative or fractional integer, a string other
/// than `"NaN"`, `"inf"`, `"-inf"` where a float belongs), an unknown `op`
/// or `kind`, an `anomaly` that is neither `null` nor an object, and an
/// unknown anomaly `phase` or `op`. Never panics, whatever the input.
pub fn history_from_jsonl(text: &str) -> Result<Vec<StepRecord>> {
    from_jsonl(text, "history_from_jsonl")
}

/// Reads a history saved with
/// [`GradMonitor::save_jsonl`](crate::monitor::GradMonitor::save_jsonl).
///
/// # Errors
/// [`Error::Io`](crate::Error::Io) if the file cannot be read;
/// [`Error::InvalidFormat`](crate::Error::InvalidFormat) (naming the file
/// and line) as for [`history_from_jsonl`], or if the file is not UTF-8.
pub fn load_jsonl(path: impl AsRef<Path>) -> Result<Vec<StepRecord>> {
    let path = path.as_ref();
    let text = read_text(path, "load_jsonl")?;
    from_jsonl(&text, "load_jsonl").map_err(|e| in_file(e, path))
}

fn from_jsonl(text: &str, context: &'static str) -> Result<Vec<StepRecord>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut ids = HashMap::new();
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |reason: String| invalid(context, format!("line {}: {reason}", i + 1));
        check_array_density(line).map_err(at)?;
        let value: Value =
            serde_json::from_str(line).map_err(|e| at(format!("not valid JSON: {e}")))?;
        records.push(step_from_json(&value, &mut ids).map_err(at)?);
    }
    Ok(records)
}

type Object = Map<String, Value>;

/// Refuses a line whose JSON arrays are too dense to be history records,
/// before `serde_json` builds it.
///
/// `serde_json` holds an array as a `Vec<Value>`: 32 bytes per element and
/// up to twice that while the vector grows, so `[0,0,0,...]` would ask the
/// allocator for 32 bytes per byte of input. The format's arrays hold
/// layer and parameter objects of a hundred bytes or more; an array with
/// more than `16384 + len/16` elements (a bound that keeps every
/// allocation under `4 × len + 1 MiB`) is an error. Strings are skipped;
/// nesting deeper than `serde_json`'s limit of 128 is left to it to refuse
/// (it stops there, so nothing past that point is ever built).
fn check_array_density(line: &str) -> Parse<()> {
    const SERDE_DEPTH_LIMIT: usize = 128;
    let limit = 16_384 + line.len() / 16;
    // Per open bracket: `Some(elements so far)` for an array, `None` for an object.
    let mut open: Vec<Option<usize>> = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => {
                if open.len() == SERDE_DEPTH_LIMIT {
                    return Ok(());
                }
                open.push((b[i] == b'[').then_some(1));
            }
            b']' | b'}' => {
                open.pop();
            }
            b',' => {
                if let Some(Some(n)) = open.last_mut() {
                    *n += 1;
                    if *n > limit {
                        return Err(format!(
                            "an array of more than {limit} elements in a {}-byte line is too dense to hold history records",
                            line.len()
                        ));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn step_from_json(value: &Value, ids: &mut HashMap<String, ParamId>) -> Parse<StepRecord> {
    let obj = value
        .as_object()
        .ok_or_else(|| format!("expected a JSON object, found {}", shown_json(value)))?;
    let mut record = StepRecord::new(json_u64(obj, "step")?);
    record.global_norm = json_opt_f64(obj, "global_norm")?;
    record.global_ema = json_opt_f64(obj, "global_ema")?;
    record.anomaly = match obj.get("anomaly") {
        None | Some(Value::Null) => None,
        Some(Value::Object(a)) => Some(anomaly_from_json(a).map_err(|e| format!("anomaly: {e}"))?),
        Some(v) => {
            return Err(format!(
                "key `anomaly`: expected an object or null, found {}",
                shown_json(v)
            ));
        }
    };
    for (i, v) in json_array(obj, "layers")?.iter().enumerate() {
        let layer = v
            .as_object()
            .ok_or_else(|| format!("expected an object, found {}", shown_json(v)))
            .and_then(layer_from_json)
            .map_err(|e| format!("layers[{i}]: {e}"))?;
        record.layers.push(layer);
    }
    for (i, v) in json_array(obj, "params")?.iter().enumerate() {
        let param = v
            .as_object()
            .ok_or_else(|| format!("expected an object, found {}", shown_json(v)))
            .and_then(|p| param_from_json(p, ids))
            .map_err(|e| format!("params[{i}]: {e}"))?;
        record.params.push(param);
    }
    Ok(finish_record(record))
}

fn layer_from_json(obj: &Object) -> Parse<LayerRecord> {
    let op = json_str(obj, "op")?;
    let kind = json_str(obj, "kind")?;
    Ok(LayerRecord {
        path: json_str(obj, "path")?.to_string(),
        op: static_op(op).ok_or_else(|| format!("key `op`: unknown op {}", shown(op)))?,
        order: json_usize(obj, "order")?,
        kind: kind_from_label(kind)
            .ok_or_else(|| format!("key `kind`: unknown layer kind {}", shown(kind)))?,
        stats: json_stats(obj)?,
        has_params: json_field(obj, "has_params")?
            .as_bool()
            .ok_or_else(|| "key `has_params`: expected true or false".to_string())?,
    })
}

fn param_from_json(obj: &Object, ids: &mut HashMap<String, ParamId>) -> Parse<ParamRecord> {
    let name = json_str(obj, "name")?;
    Ok(ParamRecord {
        name: name.to_string(),
        id: param_id(ids, name),
        stats: json_stats(obj)?,
        weight_l2: json_f64(obj, "weight_l2")?,
        update_l2: json_opt_f64(obj, "update_l2")?,
    })
}

fn json_stats(obj: &Object) -> Parse<GradStats> {
    Ok(GradStats {
        numel: json_u64(obj, "numel")?,
        l2: json_f64(obj, "l2")?,
        sum_abs: json_f64(obj, "sum_abs")?,
        max_abs: json_f64(obj, "max_abs")?,
        zeros: json_u64(obj, "zeros")?,
        nonfinite: json_u64(obj, "nonfinite")?,
        dead_frac: json_opt_f64(obj, "dead_frac")?,
    })
}

/// The fields of a step's `anomaly` object; all are required (`input`
/// may be `null`).
fn anomaly_from_json(obj: &Object) -> Parse<Anomaly> {
    let phase = json_str(obj, "phase")?;
    let op = json_str(obj, "op")?;
    Ok(Anomaly {
        phase: phase_from_label(phase).ok_or_else(|| {
            format!(
                "key `phase`: expected \"forward\" or \"backward\", found {}",
                shown(phase)
            )
        })?,
        op: static_op(op).ok_or_else(|| format!("key `op`: unknown op {}", shown(op)))?,
        path: json_str(obj, "path")?.to_string(),
        node: json_usize(obj, "node")?,
        input: if json_field(obj, "input")?.is_null() {
            None
        } else {
            Some(json_usize(obj, "input")?)
        },
        nonfinite: json_usize(obj, "nonfinite")?,
        numel: json_usize(obj, "numel")?,
    })
}

fn shown_json(v: &Value) -> String {
    let text = v.to_string();
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text,
    }
}

fn json_field<'v>(obj: &'v Object, key: &str) -> Parse<&'v Value> {
    obj.get(key).ok_or_else(|| format!("missing key `{key}`"))
}

fn json_u64(obj: &Object, key: &str) -> Parse<u64> {
    let v = json_field(obj, key)?;
    v.as_u64().ok_or_else(|| {
        format!(
            "key `{key}`: expected an unsigned integer, found {}",
            shown_json(v)
        )
    })
}

fn json_usize(obj: &Object, key: &str) -> Parse<usize> {
    let n = json_u64(obj, key)?;
    usize::try_from(n).map_err(|_| format!("key `{key}`: {n} is too large"))
}

fn json_f64(obj: &Object, key: &str) -> Parse<f64> {
    let v = json_field(obj, key)?;
    let x = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    };
    x.ok_or_else(|| {
        format!(
            "key `{key}`: expected a number (or \"NaN\", \"inf\", \"-inf\"), found {}",
            shown_json(v)
        )
    })
}

fn json_opt_f64(obj: &Object, key: &str) -> Parse<Option<f64>> {
    if json_field(obj, key)?.is_null() {
        Ok(None)
    } else {
        json_f64(obj, key).map(Some)
    }
}

fn json_str<'v>(obj: &'v Object, key: &str) -> Parse<&'v str> {
    let v = json_field(obj, key)?;
    v.as_str()
        .ok_or_else(|| format!("key `{key}`: expected a string, found {}", shown_json(v)))
}

fn json_array<'v>(obj: &'v Object, key: &str) -> Parse<&'v Vec<Value>> {
    let v = json_field(obj, key)?;
    v.as_array()
        .ok_or_else(|| format!("key `{key}`: expected an array, found {}", shown_json(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_labels_parse_back_and_unknown_ones_do_not() {
        for phase in [Phase::Forward, Phase::Backward] {
            assert_eq!(phase_from_label(phase_label(phase)), Some(phase));
            // The format's words are the ones users read in messages.
            assert_eq!(phase_label(phase), phase.to_string());
        }
        assert_eq!(phase_from_label("Forward"), None);
        assert_eq!(phase_from_label(""), None);
    }

    #[test]
    fn anomaly_round_trips_through_a_line() {
        let mut r = StepRecord::new(4);
        r.anomaly = Some(Anomaly {
            phase: Phase::Backward,
            op: "sqrt",
            path: "2.\"odd\"\n".to_string(),
            node: usize::MAX,
            input: Some(0),
            nonfinite: 3,
            numel: 9,
        });
        let text = history_to_jsonl(std::slice::from_ref(&r));
        assert!(
            text.contains(r#""anomaly":{"phase":"backward","op":"sqrt","path":"2.\"odd\"\n","#),
            "{text}"
        );
        let back = history_from_jsonl(&text).unwrap();
        assert_eq!(back[0].anomaly, r.anomaly);
    }
}
