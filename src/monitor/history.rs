//! The monitor's history, exported and reloaded: tidy CSV (one row per
//! step × site) and JSON Lines (one object per step).
//!
//! Both formats reload to the same numbers, bit for bit: floats are written
//! in Rust's shortest round-trip form. What a reload cannot restore is
//! process-bound: [`ParamId`]s are not stable across runs, so each distinct
//! parameter name in a file gets one fresh id (the same id at every step of
//! that load), and NaN payloads are not kept (every NaN reloads as
//! [`f64::NAN`]). The columns and keys are documented in
//! `docs/monitoring.md` and on [`history_to_csv`] and [`history_to_jsonl`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Number, Value};

use super::{GradStats, LayerKind, LayerRecord, ParamRecord, StepRecord};
use crate::error::{Error, Result};
use crate::tape::ParamId;

/// Internal parse errors: the reason, without context or line.
type Parse<T> = std::result::Result<T, String>;

// ---------------------------------------------------------------------------
// Shared vocabulary
// ---------------------------------------------------------------------------

/// Every name `Op::name` returns (`src/tape/ops`): the op of a reloaded
/// layer must be one of these. Keep in sync when an op is added.
const OP_NAMES: &[&str] = &[
    "leaf",
    // unary
    "neg",
    "exp",
    "ln",
    "sqrt",
    "abs",
    "square",
    "recip",
    "powf",
    "powi",
    "clamp",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "gelu_tanh",
    "softplus",
    "silu",
    "softsign",
    "add_scalar",
    "mul_scalar",
    "div_scalar",
    // binary
    "add",
    "sub",
    "mul",
    "div",
    "maximum",
    "minimum",
    // reductions
    "sum",
    "mean",
    "max",
    "min",
    "var",
    "matmul",
    // shape
    "reshape",
    "permute",
    "broadcast_to",
    "sum_to",
    "narrow",
    "concat",
    "stack",
    // index
    "gather",
    "index_select",
    // softmax
    "softmax",
    "log_softmax",
    "logsumexp",
    // losses
    "cross_entropy",
    "nll",
    "bce_with_logits",
    "mse",
    // normalization
    "batch_norm",
    "layer_norm",
    "custom",
];

/// The static name of a known op.
fn static_op(name: &str) -> Option<&'static str> {
    OP_NAMES.iter().copied().find(|&n| n == name)
}

/// Every layer kind (a unit test keeps this list exhaustive).
const KINDS: [LayerKind; 5] = [
    LayerKind::Weighted,
    LayerKind::Normalization,
    LayerKind::Activation,
    LayerKind::Container,
    LayerKind::Other,
];

fn kind_from_label(label: &str) -> Option<LayerKind> {
    KINDS.into_iter().find(|k| k.label() == label)
}

/// A value for an error message, quoted and cut to a readable length.
fn shown(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    match s.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{:?}...", &s[..end]),
        None => format!("{s:?}"),
    }
}

/// Bitwise equality, with every NaN equal to every NaN.
fn same_f64(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (None, None) => true,
        _ => false,
    }
}

/// Reloads build records through the monitor's own constructor; the
/// layers' `has_params` flags are what the recording scratch
/// (`weighted_paths`) held for them.
fn finish_record(mut record: StepRecord) -> StepRecord {
    let weighted: Vec<String> = record
        .layers
        .iter()
        .filter(|l| l.has_params)
        .map(|l| l.path.clone())
        .collect();
    for path in &weighted {
        record.mark_weighted(path);
    }
    record
}

/// One fresh id per distinct parameter name within one load.
fn param_id(ids: &mut HashMap<String, ParamId>, name: &str) -> ParamId {
    match ids.get(name) {
        Some(&id) => id,
        None => {
            let id = ParamId::fresh();
            ids.insert(name.to_string(), id);
            id
        }
    }
}

fn invalid(context: &'static str, reason: String) -> Error {
    Error::InvalidFormat { context, reason }
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

const COLUMNS: [&str; 18] = [
    "step",
    "site",
    "name",
    "op",
    "kind",
    "order",
    "has_params",
    "numel",
    "l2",
    "sum_abs",
    "max_abs",
    "zeros",
    "nonfinite",
    "dead_frac",
    "weight_l2",
    "update_l2",
    "global_norm",
    "global_ema",
];
const NCOLS: usize = COLUMNS.len();

// Column indices.
const STEP: usize = 0;
const SITE: usize = 1;
const NAME: usize = 2;
const OP: usize = 3;
const KIND: usize = 4;
const ORDER: usize = 5;
const HAS_PARAMS: usize = 6;
const NUMEL: usize = 7;
const L2: usize = 8;
const SUM_ABS: usize = 9;
const MAX_ABS: usize = 10;
const ZEROS: usize = 11;
const NONFINITE: usize = 12;
const DEAD_FRAC: usize = 13;
const WEIGHT_L2: usize = 14;
const UPDATE_L2: usize = 15;
const GLOBAL_NORM: usize = 16;
const GLOBAL_EMA: usize = 17;

/// The history as tidy CSV: a header, then one row per step × site.
///
/// Columns: `step,site,name,op,kind,order,has_params,numel,l2,sum_abs,`
/// `max_abs,zeros,nonfinite,dead_frac,weight_l2,update_l2,global_norm,global_ema`.
///
/// - `site` is `layer` (name = the layer's path, with `op`, `kind`,
///   `order`, `has_params`) or `param` (name = the parameter's path, with
///   `weight_l2` and `update_l2`); a step with neither gets one `step` row
///   so that it survives the round trip;
/// - the gradient statistics ([`GradStats`]) fill `numel..dead_frac` on
///   layer and param rows; `global_norm` and `global_ema` repeat on every
///   row of their step;
/// - cells that do not apply, and `None` values, are empty;
/// - floats use Rust's shortest round-trip form (`{}`: `0.25`, `-0`,
///   `NaN`, `inf`, `-inf`), so [`history_from_csv`] restores them exactly;
/// - a cell holding a comma, a quote or a line break is quoted as in
///   RFC 4180 (`"a,""b"""`); rows end with `\n`.
pub fn history_to_csv(records: &[StepRecord]) -> String {
    let mut out = String::new();
    push_csv_row(&mut out, COLUMNS.iter().copied());
    for record in records {
        let mut base: [String; NCOLS] = Default::default();
        base[STEP] = record.step.to_string();
        base[GLOBAL_NORM] = opt_float_cell(record.global_norm);
        base[GLOBAL_EMA] = opt_float_cell(record.global_ema);
        if record.layers.is_empty() && record.params.is_empty() {
            let mut row = base.clone();
            row[SITE] = "step".to_string();
            push_csv_row(&mut out, row.iter().map(String::as_str));
        }
        for layer in &record.layers {
            let mut row = base.clone();
            row[SITE] = "layer".to_string();
            row[NAME].clone_from(&layer.path);
            row[OP] = layer.op.to_string();
            row[KIND] = layer.kind.label().to_string();
            row[ORDER] = layer.order.to_string();
            row[HAS_PARAMS] = layer.has_params.to_string();
            put_stats_cells(&mut row, &layer.stats);
            push_csv_row(&mut out, row.iter().map(String::as_str));
        }
        for param in &record.params {
            let mut row = base.clone();
            row[SITE] = "param".to_string();
            row[NAME].clone_from(&param.name);
            put_stats_cells(&mut row, &param.stats);
            row[WEIGHT_L2] = param.weight_l2.to_string();
            row[UPDATE_L2] = opt_float_cell(param.update_l2);
            push_csv_row(&mut out, row.iter().map(String::as_str));
        }
    }
    out
}

fn opt_float_cell(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

fn put_stats_cells(row: &mut [String; NCOLS], s: &GradStats) {
    row[NUMEL] = s.numel.to_string();
    row[L2] = s.l2.to_string();
    row[SUM_ABS] = s.sum_abs.to_string();
    row[MAX_ABS] = s.max_abs.to_string();
    row[ZEROS] = s.zeros.to_string();
    row[NONFINITE] = s.nonfinite.to_string();
    row[DEAD_FRAC] = opt_float_cell(s.dead_frac);
}

fn push_csv_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push('\n');
}

/// Parses [`history_to_csv`]'s format back into step records.
///
/// Rows are grouped into steps by runs of equal `step` values (so two
/// adjacent records with the same step index come back as one); within a
/// step, layer and param rows keep their order. Lines may end with `\n` or
/// `\r\n`; blank lines and a leading byte-order mark are skipped. Each
/// distinct parameter name gets one fresh [`ParamId`].
///
/// # Errors
/// [`Error::InvalidFormat`] naming the line and column, for: a header other
/// than the one above, a row with the wrong number of cells, malformed
/// quoting, a number or flag that does not parse, an unknown `site`, `op`
/// or `kind`, a cell filled that must be empty for its site (or empty that
/// must be filled), and rows of one step that disagree on `global_norm` or
/// `global_ema`. Never panics, whatever the input.
pub fn history_from_csv(text: &str) -> Result<Vec<StepRecord>> {
    from_csv(text, "history_from_csv")
}

fn from_csv(text: &str, context: &'static str) -> Result<Vec<StepRecord>> {
    let at = |line: usize, reason: String| invalid(context, format!("line {line}: {reason}"));
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = CsvReader {
        text,
        pos: 0,
        line: 1,
    };
    let (line, header) = reader
        .next_record()
        .map_err(|(line, reason)| at(line, reason))?
        .ok_or_else(|| invalid(context, "empty input: no header row".to_string()))?;
    if header != COLUMNS {
        return Err(at(
            line,
            format!(
                "the header is not `{}`, found {}",
                COLUMNS.join(","),
                shown(&header.join(","))
            ),
        ));
    }
    let mut builder = CsvBuilder::default();
    while let Some((line, cells)) = reader
        .next_record()
        .map_err(|(line, reason)| at(line, reason))?
    {
        builder.row(&cells).map_err(|reason| at(line, reason))?;
    }
    Ok(builder.finish())
}

/// RFC 4180 records over a string, with line numbers for errors.
struct CsvReader<'a> {
    text: &'a str,
    /// Byte offset (always on a char boundary: only ASCII is stepped over).
    pos: usize,
    /// 1-based line of `pos`.
    line: usize,
}

type CsvResult<T> = std::result::Result<T, (usize, String)>;

impl CsvReader<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.text.as_bytes().get(self.pos + ahead).copied()
    }

    /// The next record and the line it starts on; blank lines are skipped.
    fn next_record(&mut self) -> CsvResult<Option<(usize, Vec<String>)>> {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(b'\n'), _) => self.pos += 1,
                (Some(b'\r'), Some(b'\n')) => self.pos += 2,
                _ => break,
            }
            self.line += 1;
        }
        if self.pos >= self.text.len() {
            return Ok(None);
        }
        let start = self.line;
        let mut fields = Vec::new();
        loop {
            fields.push(self.field()?);
            match (self.peek(0), self.peek(1)) {
                (Some(b','), _) => self.pos += 1,
                (Some(b'\n'), _) => {
                    self.pos += 1;
                    self.line += 1;
                    break;
                }
                (Some(b'\r'), Some(b'\n')) => {
                    self.pos += 2;
                    self.line += 1;
                    break;
                }
                (None, _) => break,
                _ => {
                    return Err((
                        self.line,
                        "a quoted cell must be followed by a comma or a line end".to_string(),
                    ));
                }
            }
        }
        Ok(Some((start, fields)))
    }

    fn field(&mut self) -> CsvResult<String> {
        if self.peek(0) == Some(b'"') {
            let open = self.line;
            self.pos += 1;
            let mut out = String::new();
            loop {
                let rest = &self.text[self.pos..];
                let Some(i) = rest.find('"') else {
                    return Err((open, "a quoted cell is never closed".to_string()));
                };
                let chunk = &rest[..i];
                self.line += chunk.matches('\n').count();
                out.push_str(chunk);
                self.pos += i + 1;
                if self.peek(0) == Some(b'"') {
                    out.push('"');
                    self.pos += 1;
                } else {
                    return Ok(out);
                }
            }
        }
        let rest = &self.text[self.pos..];
        let end = rest.find([',', '\n', '\r', '"']).unwrap_or(rest.len());
        let cell = rest[..end].to_string();
        self.pos += end;
        match (self.peek(0), self.peek(1)) {
            (Some(b'"'), _) => Err((
                self.line,
                "a quote inside an unquoted cell (quote the whole cell and double the quote)"
                    .to_string(),
            )),
            (Some(b'\r'), next) if next != Some(b'\n') => {
                Err((self.line, "a carriage return outside quotes".to_string()))
            }
            _ => Ok(cell),
        }
    }
}

/// What one CSV row adds to its step.
enum Site {
    Layer(LayerRecord),
    Param(ParamRecord),
    Step,
}

#[derive(Default)]
struct CsvBuilder {
    done: Vec<StepRecord>,
    current: Option<StepRecord>,
    ids: HashMap<String, ParamId>,
}

impl CsvBuilder {
    fn row(&mut self, cells: &[String]) -> Parse<()> {
        if cells.len() != NCOLS {
            return Err(format!("expected {NCOLS} cells, found {}", cells.len()));
        }
        let step = cell_u64(cells, STEP)?;
        let global_norm = cell_opt_f64(cells, GLOBAL_NORM)?;
        let global_ema = cell_opt_f64(cells, GLOBAL_EMA)?;
        let site = match cells[SITE].as_str() {
            "layer" => {
                require_empty(cells, &[WEIGHT_L2, UPDATE_L2], "layer")?;
                let op = static_op(&cells[OP])
                    .ok_or_else(|| format!("column `op`: unknown op {}", shown(&cells[OP])))?;
                let kind = kind_from_label(&cells[KIND]).ok_or_else(|| {
                    format!("column `kind`: unknown layer kind {}", shown(&cells[KIND]))
                })?;
                let order = usize::try_from(cell_u64(cells, ORDER)?)
                    .map_err(|_| format!("column `order`: {} is too large", cells[ORDER]))?;
                let has_params = match cells[HAS_PARAMS].as_str() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(format!(
                            "column `has_params`: expected true or false, found {}",
                            shown(other)
                        ));
                    }
                };
                Site::Layer(LayerRecord {
                    path: cells[NAME].clone(),
                    op,
                    order,
                    kind,
                    stats: cell_stats(cells)?,
                    has_params,
                })
            }
            "param" => {
                require_empty(cells, &[OP, KIND, ORDER, HAS_PARAMS], "param")?;
                let stats = cell_stats(cells)?;
                let weight_l2 = cell_f64(cells, WEIGHT_L2)?;
                let update_l2 = cell_opt_f64(cells, UPDATE_L2)?;
                Site::Param(ParamRecord {
                    name: cells[NAME].clone(),
                    id: param_id(&mut self.ids, &cells[NAME]),
                    stats,
                    weight_l2,
                    update_l2,
                })
            }
            "step" => {
                let cols: Vec<usize> = (NAME..GLOBAL_NORM).collect();
                require_empty(cells, &cols, "step")?;
                Site::Step
            }
            other => {
                return Err(format!(
                    "column `site`: expected layer, param or step, found {}",
                    shown(other)
                ));
            }
        };
        let record = self.record_for(step, global_norm, global_ema)?;
        match site {
            Site::Layer(layer) => record.layers.push(layer),
            Site::Param(param) => record.params.push(param),
            Site::Step => {}
        }
        Ok(())
    }

    /// The record a row of `step` belongs to: the current one if it has
    /// the same step, else a new one.
    fn record_for(
        &mut self,
        step: u64,
        global_norm: Option<f64>,
        global_ema: Option<f64>,
    ) -> Parse<&mut StepRecord> {
        match &self.current {
            Some(current) if current.step == step => {
                if !same_f64(current.global_norm, global_norm) {
                    return Err(format!(
                        "column `global_norm`: differs from the earlier rows of step {step}"
                    ));
                }
                if !same_f64(current.global_ema, global_ema) {
                    return Err(format!(
                        "column `global_ema`: differs from the earlier rows of step {step}"
                    ));
                }
            }
            _ => {
                if let Some(previous) = self.current.take() {
                    self.done.push(finish_record(previous));
                }
            }
        }
        Ok(self.current.get_or_insert_with(|| {
            let mut record = StepRecord::new(step);
            record.global_norm = global_norm;
            record.global_ema = global_ema;
            record
        }))
    }

    fn finish(mut self) -> Vec<StepRecord> {
        if let Some(last) = self.current.take() {
            self.done.push(finish_record(last));
        }
        self.done
    }
}

fn require_empty(cells: &[String], cols: &[usize], site: &str) -> Parse<()> {
    match cols.iter().find(|&&c| !cells[c].is_empty()) {
        None => Ok(()),
        Some(&c) => Err(format!(
            "column `{}`: must be empty on a {site} row, found {}",
            COLUMNS[c],
            shown(&cells[c])
        )),
    }
}

fn cell_u64(cells: &[String], col: usize) -> Parse<u64> {
    cells[col].parse().map_err(|_| {
        format!(
            "column `{}`: expected an unsigned integer, found {}",
            COLUMNS[col],
            shown(&cells[col])
        )
    })
}

fn cell_f64(cells: &[String], col: usize) -> Parse<f64> {
    cells[col].parse().map_err(|_| {
        format!(
            "column `{}`: expected a number, found {}",
            COLUMNS[col],
            shown(&cells[col])
        )
    })
}

fn cell_opt_f64(cells: &[String], col: usize) -> Parse<Option<f64>> {
    if cells[col].is_empty() {
        Ok(None)
    } else {
        cell_f64(cells, col).map(Some)
    }
}

fn cell_stats(cells: &[String]) -> Parse<GradStats> {
    Ok(GradStats {
        numel: cell_u64(cells, NUMEL)?,
        l2: cell_f64(cells, L2)?,
        sum_abs: cell_f64(cells, SUM_ABS)?,
        max_abs: cell_f64(cells, MAX_ABS)?,
        zeros: cell_u64(cells, ZEROS)?,
        nonfinite: cell_u64(cells, NONFINITE)?,
        dead_frac: cell_opt_f64(cells, DEAD_FRAC)?,
    })
}

// ---------------------------------------------------------------------------
// JSON Lines
// ---------------------------------------------------------------------------

/// The history as JSON Lines: one object per step, one step per line.
///
/// ```text
/// {"step":3,"global_norm":0.5,"global_ema":null,
///  "layers":[{"path":"0","op":"add","kind":"weighted","order":4,"has_params":true,
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
pub fn history_to_jsonl(records: &[StepRecord]) -> String {
    let mut out = String::new();
    for r in records {
        let _ = write!(
            out,
            "{{\"step\":{},\"global_norm\":{},\"global_ema\":{},\"layers\":[",
            r.step,
            json_opt_float(r.global_norm),
            json_opt_float(r.global_ema)
        );
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

/// Parses [`history_to_jsonl`]'s format back into step records, one per
/// non-blank line. Keys other than the documented ones are ignored; every
/// documented key must be present (`null` for `None`). Each distinct
/// parameter name gets one fresh [`ParamId`].
///
/// # Errors
/// [`Error::InvalidFormat`] naming the line and key, for: a line that is
/// not a JSON object, a missing key, a value of the wrong type (a negative
/// or fractional integer, a string other than `"NaN"`, `"inf"`, `"-inf"`
/// where a float belongs), an unknown `op` or `kind`. Never panics,
/// whatever the input.
pub fn history_from_jsonl(text: &str) -> Result<Vec<StepRecord>> {
    from_jsonl(text, "history_from_jsonl")
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
        let value: Value =
            serde_json::from_str(line).map_err(|e| at(format!("not valid JSON: {e}")))?;
        records.push(step_from_json(&value, &mut ids).map_err(at)?);
    }
    Ok(records)
}

type Object = Map<String, Value>;

fn step_from_json(value: &Value, ids: &mut HashMap<String, ParamId>) -> Parse<StepRecord> {
    let obj = value
        .as_object()
        .ok_or_else(|| format!("expected a JSON object, found {}", shown_json(value)))?;
    let mut record = StepRecord::new(json_u64(obj, "step")?);
    record.global_norm = json_opt_f64(obj, "global_norm")?;
    record.global_ema = json_opt_f64(obj, "global_ema")?;
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
    let order = json_u64(obj, "order")?;
    Ok(LayerRecord {
        path: json_str(obj, "path")?.to_string(),
        op: static_op(op).ok_or_else(|| format!("key `op`: unknown op {}", shown(op)))?,
        order: usize::try_from(order).map_err(|_| format!("key `order`: {order} is too large"))?,
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

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// Reads a history saved with
/// [`GradMonitor::save_csv`](super::GradMonitor::save_csv).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::InvalidFormat`]
/// (naming the file and line) as for [`history_from_csv`], or if the file
/// is not UTF-8.
pub fn load_csv(path: impl AsRef<Path>) -> Result<Vec<StepRecord>> {
    let path = path.as_ref();
    let text = read_text(path, "load_csv")?;
    from_csv(&text, "load_csv").map_err(|e| in_file(e, path))
}

/// Reads a history saved with
/// [`GradMonitor::save_jsonl`](super::GradMonitor::save_jsonl).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::InvalidFormat`]
/// (naming the file and line) as for [`history_from_jsonl`], or if the file
/// is not UTF-8.
pub fn load_jsonl(path: impl AsRef<Path>) -> Result<Vec<StepRecord>> {
    let path = path.as_ref();
    let text = read_text(path, "load_jsonl")?;
    from_jsonl(&text, "load_jsonl").map_err(|e| in_file(e, path))
}

fn read_text(path: &Path, context: &'static str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        context,
        path: path.display().to_string(),
        kind: e.kind(),
        message: format!("reading: {e}"),
    })?;
    String::from_utf8(bytes)
        .map_err(|e| invalid(context, format!("{}: not UTF-8 text ({e})", path.display())))
}

fn in_file(e: Error, path: &Path) -> Error {
    match e {
        Error::InvalidFormat { context, reason } => Error::InvalidFormat {
            context,
            reason: format!("{}: {reason}", path.display()),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_kind_has_a_label_that_parses_back() {
        for kind in KINDS {
            // Exhaustive on purpose: a new kind fails to compile here until
            // it is added to `KINDS`.
            match kind {
                LayerKind::Weighted
                | LayerKind::Normalization
                | LayerKind::Activation
                | LayerKind::Container
                | LayerKind::Other => {}
            }
            assert_eq!(kind_from_label(kind.label()), Some(kind));
        }
    }

    #[test]
    fn op_table_knows_the_tape_ops_once_each() {
        for op in [
            "sigmoid",
            "relu",
            "batch_norm",
            "layer_norm",
            "matmul",
            "custom",
        ] {
            assert_eq!(static_op(op), Some(op));
        }
        assert_eq!(static_op("Relu"), None);
        let mut sorted = OP_NAMES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), OP_NAMES.len(), "duplicate op names");
    }

    #[test]
    fn reloaded_weighted_paths_restore_has_params_on_reclassification() {
        let mut r = StepRecord::new(7);
        let stats = GradStats::default();
        r.add_layer_output("0", "add", 3, &stats);
        r.add_layer_output("1", "relu", 4, &stats);
        r.mark_weighted("0");
        r.finish_layers();
        let back = history_from_csv(&history_to_csv(std::slice::from_ref(&r))).unwrap();
        let mut again = back[0].clone();
        again.finish_layers();
        // Without the rebuilt scratch, layer "0" would lose `has_params`
        // and turn from weighted into other.
        assert_eq!(again.layers, r.layers);
        assert_eq!(again.layers[0].kind, LayerKind::Weighted);
    }

    #[test]
    fn csv_reader_handles_quotes_crlf_and_reports_lines() {
        let mut r = CsvReader {
            text: "a,\"b,\"\"c\"\"\nd\"\r\n\n,x\n",
            pos: 0,
            line: 1,
        };
        assert_eq!(
            r.next_record().unwrap(),
            Some((1, vec!["a".to_string(), "b,\"c\"\nd".to_string()]))
        );
        assert_eq!(
            r.next_record().unwrap(),
            Some((4, vec![String::new(), "x".to_string()]))
        );
        assert_eq!(r.next_record().unwrap(), None);
        let mut bad = CsvReader {
            text: "a\n\"open",
            pos: 0,
            line: 1,
        };
        bad.next_record().unwrap();
        assert_eq!(bad.next_record().unwrap_err().0, 2);
    }
}
