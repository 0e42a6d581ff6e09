//! The table every reproduction prints: each claim with the paper's
//! number, the number theory predicts, what gradflow measured, and whether
//! the frozen pass criterion holds.

use std::fmt;

/// One checked (or reported) claim.
#[derive(Debug, Clone)]
pub struct Claim {
    /// What is measured, e.g. `"tanh standard: ∂C/∂s top→bottom ratio"`.
    pub what: String,
    /// The paper's number or statement (`"—"` if none).
    pub paper: String,
    /// The prediction derived from theory (`"—"` if none).
    pub predicted: String,
    /// What gradflow measured.
    pub measured: String,
    /// The criterion, e.g. `"< 0.2"`; empty for a reported-only row.
    pub criterion: String,
    /// `Some(pass)` for a checked claim, `None` for a reported-only row.
    pub pass: Option<bool>,
}

/// A titled list of claims.
#[derive(Debug, Clone)]
pub struct Table {
    /// E.g. `"E1 — Glorot & Bengio 2010 §4.2"`.
    pub title: String,
    /// The rows.
    pub claims: Vec<Claim>,
}

impl Table {
    /// An empty table.
    pub fn new(title: impl Into<String>) -> Table {
        Table {
            title: title.into(),
            claims: Vec::new(),
        }
    }

    /// Adds a checked claim.
    pub fn check(
        &mut self,
        what: impl Into<String>,
        paper: impl Into<String>,
        predicted: impl Into<String>,
        measured: impl Into<String>,
        criterion: impl Into<String>,
        pass: bool,
    ) -> &mut Table {
        self.push(
            [what.into(), paper.into(), predicted.into(), measured.into()],
            criterion.into(),
            Some(pass),
        )
    }

    /// Adds a reported-only row.
    pub fn report(
        &mut self,
        what: impl Into<String>,
        paper: impl Into<String>,
        predicted: impl Into<String>,
        measured: impl Into<String>,
    ) -> &mut Table {
        self.push(
            [what.into(), paper.into(), predicted.into(), measured.into()],
            String::new(),
            None,
        )
    }

    fn push(
        &mut self,
        [what, paper, predicted, measured]: [String; 4],
        criterion: String,
        pass: Option<bool>,
    ) -> &mut Table {
        self.claims.push(Claim {
            what,
            paper,
            predicted,
            measured,
            criterion,
            pass,
        });
        self
    }

    /// Whether every checked claim passes.
    pub fn passed(&self) -> bool {
        self.claims.iter().all(|c| c.pass != Some(false))
    }

    /// The failing claims' descriptions.
    pub fn failures(&self) -> Vec<&Claim> {
        self.claims
            .iter()
            .filter(|c| c.pass == Some(false))
            .collect()
    }

    /// The rows as CSV lines (header first), for the output folder.
    pub fn to_csv(&self) -> String {
        let esc = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::from("claim,paper,predicted,measured,criterion,pass\n");
        for c in &self.claims {
            let pass = match c.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "",
            };
            out += &[
                &c.what,
                &c.paper,
                &c.predicted,
                &c.measured,
                &c.criterion,
                pass,
            ]
            .map(&esc)
            .join(",");
            out.push('\n');
        }
        out
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = ["claim", "paper", "predicted", "measured", "criterion", ""];
        let rows: Vec<[String; 6]> = self
            .claims
            .iter()
            .map(|c| {
                [
                    c.what.clone(),
                    c.paper.clone(),
                    c.predicted.clone(),
                    c.measured.clone(),
                    c.criterion.clone(),
                    match c.pass {
                        Some(true) => "pass".into(),
                        Some(false) => "FAIL".into(),
                        None => String::new(),
                    },
                ]
            })
            .collect();
        let width = |i: usize| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..6).map(width).collect();
        writeln!(f, "{}", self.title)?;
        let line = |f: &mut fmt::Formatter<'_>, cells: &[&str]| -> fmt::Result {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(c.chars().count());
                s += c;
                s += &" ".repeat(pad + 2);
            }
            writeln!(f, "  {}", s.trim_end())
        };
        line(f, &header)?;
        let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
        line(f, &rule.iter().map(String::as_str).collect::<Vec<_>>())?;
        for r in &rows {
            line(f, &r.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
        Ok(())
    }
}

/// Panics, showing the table, if any checked claim of `tables` fails (the
/// quick-variant tests' assertion).
pub fn assert_passed(tables: &[Table]) {
    for t in tables {
        assert!(t.passed(), "criteria failed:\n{t}");
    }
}

/// Formats a number for a table: 3 significant digits, scientific outside
/// [1e-3, 1e4).
pub fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if (1e-3..1e4).contains(&a) {
        let digits = (2 - a.log10().floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    } else {
        format!("{x:.2e}")
    }
}
