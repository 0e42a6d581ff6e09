//! Tidy CSV: a header, then one row per step × site (layer output or
//! parameter) of gradient statistics. A step's anomaly report
//! ([`StepRecord::anomaly`]) is not a statistic of a site and has no
//! column: CSV does not carry it, and reloads have `anomaly: None` (JSON
//! Lines keeps it).

use std::collections::HashMap;
use std::path::Path;

use super::{
    Parse, finish_record, in_file, invalid, kind_from_label, param_id, read_text, shown, static_op,
};
use crate::error::Result;
use crate::monitor::{GradStats, LayerRecord, ParamRecord, StepRecord};
use crate::tape::ParamId;

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
///
/// The step's anomaly report ([`StepRecord::anomaly`]) is not written:
/// CSV holds statistics per site only. Use [`history_to_jsonl`] to keep it.
///
/// [`history_to_jsonl`]: crate::monitor::history_to_jsonl
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
/// distinct parameter name gets one fresh [`ParamId`]. Every record's
/// `anomaly` is `None`: the format does not carry it.
///
/// # Errors
/// [`Error::InvalidFormat`](crate::Error::InvalidFormat) naming the line
/// and column, for: a header other
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
    let Record {
        line,
        cells: header,
        ..
    } = reader
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
    while let Some(record) = reader
        .next_record()
        .map_err(|(line, reason)| at(line, reason))?
    {
        if record.count != NCOLS {
            return Err(at(
                record.line,
                format!("expected {NCOLS} cells, found {}", record.count),
            ));
        }
        builder
            .row(&record.cells)
            .map_err(|reason| at(record.line, reason))?;
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

/// One CSV record: its first line, its first `NCOLS + 1` cells (enough to
/// tell a right row from a wrong one) and how many cells it had.
struct Record {
    line: usize,
    cells: Vec<String>,
    count: usize,
}

impl CsvReader<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.text.as_bytes().get(self.pos + ahead).copied()
    }

    /// The next record and the line it starts on; blank lines are skipped.
    fn next_record(&mut self) -> CsvResult<Option<Record>> {
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
        let mut count = 0usize;
        loop {
            // Cells past one too many are counted, not kept: a line of a
            // million commas must not become a million `String`s.
            let cell = self.field()?;
            count += 1;
            if fields.len() <= NCOLS {
                fields.push(cell);
            }
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
        Ok(Some(Record {
            line: start,
            cells: fields,
            count,
        }))
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

/// Bitwise equality, with every NaN equal to every NaN.
fn same_f64(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (None, None) => true,
        _ => false,
    }
}

/// Reads a history saved with
/// [`GradMonitor::save_csv`](crate::monitor::GradMonitor::save_csv).
///
/// # Errors
/// [`Error::Io`](crate::Error::Io) if the file cannot be read;
/// [`Error::InvalidFormat`](crate::Error::InvalidFormat) (naming the file
/// and line) as for [`history_from_csv`], or if the file is not UTF-8.
pub fn load_csv(path: impl AsRef<Path>) -> Result<Vec<StepRecord>> {
    let path = path.as_ref();
    let text = read_text(path, "load_csv")?;
    from_csv(&text, "load_csv").map_err(|e| in_file(e, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reader_handles_quotes_crlf_and_reports_lines() {
        let mut r = CsvReader {
            text: "a,\"b,\"\"c\"\"\nd\"\r\n\n,x\n",
            pos: 0,
            line: 1,
        };
        let mut next = || r.next_record().unwrap().map(|r| (r.line, r.cells));
        assert_eq!(
            next(),
            Some((1, vec!["a".to_string(), "b,\"c\"\nd".to_string()]))
        );
        assert_eq!(next(), Some((4, vec![String::new(), "x".to_string()])));
        assert_eq!(next(), None);
        let mut bad = CsvReader {
            text: "a\n\"open",
            pos: 0,
            line: 1,
        };
        bad.next_record().unwrap();
        assert!(matches!(bad.next_record(), Err((2, _))));
    }

    #[test]
    fn csv_reader_counts_cells_past_the_ones_it_keeps() {
        let mut r = CsvReader {
            text: &",".repeat(100),
            pos: 0,
            line: 1,
        };
        let record = r.next_record().unwrap().unwrap();
        assert_eq!(record.count, 101);
        assert_eq!(record.cells.len(), NCOLS + 1);
    }
}
