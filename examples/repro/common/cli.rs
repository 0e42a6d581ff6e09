//! A small flag parser: `--name value` pairs and bare `--flag`s.
//!
//! The examples take a handful of numeric flags; a full argument-parsing
//! dependency would cost more build time than it saves.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

/// Parsed command-line flags.
#[derive(Debug, Clone, Default)]
pub struct Args {
    values: BTreeMap<String, String>,
    flags: Vec<String>,
}

impl Args {
    /// Parses `std::env::args()`; prints `usage` and exits with status 2 on
    /// `--help` or a malformed argument.
    pub fn parse(usage: &str) -> Args {
        match Args::from_iter(std::env::args().skip(1)) {
            Ok(args) if !args.flag("help") => args,
            Ok(_) => {
                println!("{usage}");
                std::process::exit(0);
            }
            Err(e) => {
                eprintln!("error: {e}\n\n{usage}");
                std::process::exit(2);
            }
        }
    }

    /// Parses the given arguments (without the program name). A `--name`
    /// followed by a value that does not start with `--` takes it;
    /// otherwise it is a bare flag.
    pub fn from_iter(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut out = Args::default();
        let mut it = args.into_iter().peekable();
        while let Some(arg) = it.next() {
            let Some(name) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument `{arg}` (flags start with --)"));
            };
            if let Some((k, v)) = name.split_once('=') {
                out.values.insert(k.to_string(), v.to_string());
            } else if it.peek().is_some_and(|v| !v.starts_with("--")) {
                let v = it.next().unwrap_or_default();
                out.values.insert(name.to_string(), v);
            } else {
                out.flags.push(name.to_string());
            }
        }
        Ok(out)
    }

    /// Whether the bare flag `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    /// The value of `--name`, parsed, or `default`; exits with status 2
    /// and a message if the value does not parse.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> T {
        match self.values.get(name) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| {
                eprintln!("error: --{name} {v}: not a valid value");
                std::process::exit(2);
            }),
        }
    }

    /// The comma-separated list `--name a,b,c`, each item parsed, or
    /// `default`; exits with status 2 and a message if an item does not
    /// parse.
    pub fn list<T: FromStr + Clone>(&self, name: &str, default: &[T]) -> Vec<T> {
        match self.values.get(name) {
            None => default.to_vec(),
            Some(v) => v
                .split(',')
                .map(|item| item.trim().parse())
                .collect::<Result<_, _>>()
                .unwrap_or_else(|_| {
                    eprintln!("error: --{name} {v}: not a comma-separated list of valid values");
                    std::process::exit(2);
                }),
        }
    }

    /// `quick()` under `--quick` (the tests' configuration), else
    /// `standard()`.
    pub fn preset<C>(&self, quick: impl FnOnce() -> C, standard: impl FnOnce() -> C) -> C {
        if self.flag("quick") {
            quick()
        } else {
            standard()
        }
    }

    /// `--seed`, default 0.
    pub fn seed(&self) -> u64 {
        self.get("seed", 0)
    }

    /// `--out DIR`, default `target/repro/<example>`.
    pub fn out_dir(&self, example: &str) -> PathBuf {
        match self.values.get("out") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from("target").join("repro").join(example),
        }
    }
}
