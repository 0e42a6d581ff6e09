//! A model's state dict out ([`state_dict`]) and in ([`load_state_dict`]).

use std::collections::{HashMap, HashSet};

use super::{StateDict, StateTensor};
use crate::error::{Error, Result};
use crate::nn::{Buffer, BufferMut, Module};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

const LOAD: &str = "load_state_dict";

/// What [`load_state_dict`] did not match, as PyTorch's
/// `_IncompatibleKeys(missing_keys, unexpected_keys)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadReport {
    /// Keys the model has that the state dict lacks (left unchanged), in
    /// the model's state-dict order.
    pub missing: Vec<String>,
    /// Keys in the state dict the model does not have (ignored), in the
    /// state dict's order.
    pub unexpected: Vec<String>,
}

impl LoadReport {
    /// Whether every key matched (nothing missing, nothing unexpected).
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// A model's parameters and buffers by name, as PyTorch's
/// `module.state_dict()`.
///
/// Float tensors are shared, not copied (copy on write keeps the state dict
/// unchanged when the model trains on). `Buffer::Count` values (batch
/// norm's `num_batches_tracked`) become rank-0 `I64` entries, as PyTorch
/// stores them.
///
/// **Order** is PyTorch's: module by module in tree order, each module's
/// parameters then its buffers (`0.weight, 0.bias, 1.weight, 1.bias,
/// 1.running_mean, 1.running_var, 1.num_batches_tracked, 3.weight, ...`).
/// The [`Module`] trait visits all parameters and then all buffers, so the
/// two lists are merged by module path (the name up to its last dot): a
/// module's buffers follow its parameters; between modules the visiting
/// orders decide, and where they cannot (a module with only parameters next
/// to one with only buffers) a parent precedes its children, numbered
/// siblings go in numeric order and other siblings put parameters first.
/// For chains of `Sequential`, `Residual` and the built-in layers this is
/// exactly PyTorch's order. The order matters only for display and file
/// layout: loading matches by name.
pub fn state_dict<T: Scalar>(model: &dyn Module<T>) -> StateDict {
    let mut params = Vec::new();
    model.visit_params(&mut |name, p| {
        params.push((name.to_string(), StateTensor::from_tensor(p.value())));
    });
    let mut buffers = Vec::new();
    model.visit_buffers(&mut |name, b| {
        let entry = match b {
            Buffer::Tensor(t) => StateTensor::from_tensor(t),
            Buffer::Count(c) => StateTensor::I64 {
                data: vec![c],
                shape: Vec::new(),
            },
        };
        buffers.push((name.to_string(), entry));
    });
    let mut out = StateDict::new();
    let mut seen = HashSet::new();
    for (name, entry) in module_order(params, buffers) {
        if seen.insert(name.clone()) {
            out.push_new(name, entry);
        } else {
            out.insert(name, entry);
        }
    }
    out
}

/// Loads `state` into `model`, as PyTorch's `module.load_state_dict(state,
/// strict)`: every parameter and buffer whose name is in `state` is
/// replaced (parameters keep their identity, so optimizer state stays
/// attached).
///
/// - Keys the model has but `state` lacks are *missing*; keys in `state`
///   the model does not have are *unexpected*. With `strict`, either is an
///   [`Error::KeyMismatch`] listing all of them; without, they come back in
///   the [`LoadReport`] and everything that matched is loaded.
/// - An entry whose shape differs is always an [`Error::ShapeMismatch`]
///   naming the key and both shapes, strict or not (as PyTorch).
/// - An entry whose dtype differs is always an [`Error::DtypeMismatch`]:
///   an `F64` entry into an `f32` model, `F32` into `f64`, or anything but
///   `I64` into a counter. PyTorch converts silently instead; gradflow
///   refuses so that a round trip is bit-exact by construction and a
///   precision loss is never an accident. Convert explicitly with
///   [`StateDict::cast_floats`].
/// - A rank-0 `I64` entry of the wrong length (its fields are public) is an
///   [`Error::LengthMismatch`].
///
/// Shape and dtype errors are reported first (the first in state-dict
/// order), then strict key errors. The whole state is checked before
/// anything is written: on `Err` the model is unchanged.
pub fn load_state_dict<T: Scalar>(
    model: &mut dyn Module<T>,
    state: &StateDict,
    strict: bool,
) -> Result<LoadReport> {
    // The model's entries, in state-dict order.
    let mut params = Vec::new();
    model.visit_params(&mut |name, p| {
        params.push((name.to_string(), Want::Tensor(p.shape().to_vec())))
    });
    let mut buffers = Vec::new();
    model.visit_buffers(&mut |name, b| {
        let want = match b {
            Buffer::Tensor(t) => Want::Tensor(t.shape().to_vec()),
            Buffer::Count(_) => Want::Count,
        };
        buffers.push((name.to_string(), want));
    });
    let wanted = module_order(params, buffers);

    // Validate everything before writing anything.
    let index: HashMap<&str, &StateTensor> = state.iter().collect();
    let mut plan: HashMap<String, Value<T>> = HashMap::with_capacity(wanted.len());
    let mut missing = Vec::new();
    for (name, want) in &wanted {
        let Some(&entry) = index.get(name.as_str()) else {
            missing.push(name.clone());
            continue;
        };
        let value = check_entry::<T>(name, want, entry)?;
        plan.insert(name.clone(), value);
    }
    let known: HashSet<&str> = wanted.iter().map(|(n, _)| n.as_str()).collect();
    let unexpected: Vec<String> = state
        .names()
        .filter(|n| !known.contains(n))
        .map(str::to_string)
        .collect();
    if strict && !(missing.is_empty() && unexpected.is_empty()) {
        return Err(Error::KeyMismatch {
            context: LOAD,
            missing,
            unexpected,
        });
    }

    // Write. Shapes were checked against the same visit; the checks here
    // only guard against a module whose mutable visit disagrees with its
    // shared one (such entries are skipped rather than panicking).
    model.visit_params_mut(&mut |name, p| {
        if let Some(Value::Tensor(t)) = plan.get(name)
            && t.shape() == p.shape()
        {
            p.set(t.clone());
        }
    });
    model.visit_buffers_mut(&mut |name, b| match (b, plan.get(name)) {
        (BufferMut::Tensor(dst), Some(Value::Tensor(t))) if dst.shape() == t.shape() => {
            *dst = t.clone();
        }
        (BufferMut::Count(dst), Some(Value::Count(c))) => *dst = *c,
        _ => {}
    });
    Ok(LoadReport {
        missing,
        unexpected,
    })
}

/// What the model holds under a name.
enum Want {
    Tensor(Vec<usize>),
    Count,
}

/// A checked value ready to write.
enum Value<T: Scalar> {
    Tensor(Tensor<T>),
    Count(i64),
}

fn check_entry<T: Scalar>(name: &str, want: &Want, entry: &StateTensor) -> Result<Value<T>> {
    let dtype_err = |expected: &'static str| Error::DtypeMismatch {
        context: LOAD,
        key: name.to_string(),
        expected,
        actual: entry.dtype(),
    };
    let shape_err = |expected: &[usize]| Error::ShapeMismatch {
        context: LOAD,
        key: name.to_string(),
        expected: expected.to_vec(),
        actual: entry.shape().to_vec(),
    };
    match want {
        Want::Tensor(shape) => {
            let tensor = entry.to_tensor::<T>().ok_or_else(|| dtype_err(T::DTYPE))?;
            if tensor.shape() != shape.as_slice() {
                return Err(shape_err(shape));
            }
            Ok(Value::Tensor(tensor))
        }
        Want::Count => {
            let StateTensor::I64 { data, shape } = entry else {
                return Err(dtype_err("I64"));
            };
            if !shape.is_empty() {
                return Err(shape_err(&[]));
            }
            match data.as_slice() {
                [c] => Ok(Value::Count(*c)),
                _ => Err(Error::LengthMismatch {
                    context: LOAD,
                    shape: Vec::new(),
                    expected: 1,
                    actual: data.len(),
                }),
            }
        }
    }
}

/// Merges parameters and buffers (each in visiting order) into PyTorch's
/// per-module order; see [`state_dict`].
fn module_order<V>(params: Vec<(String, V)>, buffers: Vec<(String, V)>) -> Vec<(String, V)> {
    let params = group_by_module(params);
    let buffers = group_by_module(buffers);
    let param_modules: HashMap<&str, usize> = params
        .iter()
        .enumerate()
        .map(|(i, g)| (g.0.as_str(), i))
        .collect();
    let buffer_modules: HashMap<&str, usize> = buffers
        .iter()
        .enumerate()
        .map(|(i, g)| (g.0.as_str(), i))
        .collect();
    // Decide the interleaving on indices first, then move the entries.
    let (mut i, mut j) = (0, 0);
    let mut takes = Vec::with_capacity(params.len() + buffers.len());
    while i < params.len() && j < buffers.len() {
        let (mp, mb) = (params[i].0.as_str(), buffers[j].0.as_str());
        if mp == mb {
            // One module: its parameters, then its buffers.
            takes.extend([true, false]);
            i += 1;
            j += 1;
            continue;
        }
        let params_first = if param_modules.get(mb).is_some_and(|&k| k > i) {
            true // mb has parameters later on: it comes after mp
        } else if buffer_modules.get(mp).is_some_and(|&k| k > j) {
            false // mp has buffers later on: it comes after mb
        } else {
            tree_order_params_first(mp, mb)
        };
        if params_first {
            takes.push(true);
            i += 1;
        } else {
            takes.push(false);
            j += 1;
        }
    }
    let mut params = params.into_iter();
    let mut buffers = buffers.into_iter();
    let mut out = Vec::new();
    for take_param in takes {
        let group = if take_param {
            params.next()
        } else {
            buffers.next()
        };
        out.extend(group.into_iter().flat_map(|g| g.1));
    }
    out.extend(params.flat_map(|g| g.1));
    out.extend(buffers.flat_map(|g| g.1));
    out
}

/// Consecutive entries of one module (the name up to its last dot).
fn group_by_module<V>(entries: Vec<(String, V)>) -> Vec<(String, Vec<(String, V)>)> {
    let mut groups: Vec<(String, Vec<(String, V)>)> = Vec::new();
    for (name, value) in entries {
        let module = name.rsplit_once('.').map_or("", |(m, _)| m);
        match groups.last_mut() {
            Some(g) if g.0 == module => g.1.push((name, value)),
            _ => groups.push((module.to_string(), vec![(name, value)])),
        }
    }
    groups
}

/// Whether module `a` (with parameters) comes before module `b` (with
/// buffers) when nothing else decides: an ancestor first, numbered siblings
/// by number, otherwise parameters first.
fn tree_order_params_first(a: &str, b: &str) -> bool {
    let split = |m: &'_ str| -> Vec<String> {
        if m.is_empty() {
            Vec::new()
        } else {
            m.split('.').map(str::to_string).collect()
        }
    };
    let (a, b) = (split(a), split(b));
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            return match (x.parse::<u64>(), y.parse::<u64>()) {
                (Ok(x), Ok(y)) => x < y,
                _ => true,
            };
        }
    }
    // One is a prefix of the other: the ancestor (shorter path) first.
    a.len() <= b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[(String, ())]) -> Vec<&str> {
        v.iter().map(|(n, _)| n.as_str()).collect()
    }

    fn list(names: &[&str]) -> Vec<(String, ())> {
        names.iter().map(|n| (n.to_string(), ())).collect()
    }

    #[test]
    fn module_order_interleaves_like_pytorch() {
        let params = list(&[
            "0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias",
        ]);
        let buffers = list(&["1.running_mean", "1.running_var", "1.num_batches_tracked"]);
        let merged = module_order(params, buffers);
        assert_eq!(
            names(&merged),
            [
                "0.weight",
                "0.bias",
                "1.weight",
                "1.bias",
                "1.running_mean",
                "1.running_var",
                "1.num_batches_tracked",
                "3.weight",
                "3.bias"
            ]
        );
    }

    #[test]
    fn module_order_places_buffer_only_modules_by_number() {
        // 10 comes after 2 numerically (not as strings); 1 has no params.
        let params = list(&["0.weight", "2.weight", "10.weight"]);
        let buffers = list(&["1.running_mean", "11.running_mean"]);
        let merged = module_order(params, buffers);
        assert_eq!(
            names(&merged),
            [
                "0.weight",
                "1.running_mean",
                "2.weight",
                "10.weight",
                "11.running_mean"
            ]
        );
        // A parent's own entries precede its children's.
        let merged = module_order(list(&["a.b.weight"]), list(&["a.count"]));
        assert_eq!(names(&merged), ["a.count", "a.b.weight"]);
    }

    #[test]
    fn module_order_keeps_a_modules_entries_together() {
        let params = list(&["x.w", "y.w", "z.w"]);
        let buffers = list(&["q.b", "y.b", "p.b"]);
        let merged = module_order(params, buffers);
        assert_eq!(names(&merged), ["x.w", "q.b", "y.w", "y.b", "z.w", "p.b"]);
    }
}
