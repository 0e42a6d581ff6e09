//! A chain of layers.

use std::fmt;

use super::{Buffer, BufferMut, Layer, Module, join};
use crate::scalar::Scalar;
use crate::tape::{Param, Tape, Var};
use crate::tensor::{Shape, Tensor};

/// Layers applied one after the other, named `"0"`, `"1"`, ... as in
/// `torch.nn.Sequential`. Each child runs inside a name scope on the tape,
/// so its nodes carry its path.
///
/// ```
/// use gradflow::nn::{Dense, Init, Relu, Sequential};
/// use gradflow::{Rng, SeedableRng};
///
/// let mut rng = Rng::seed_from_u64(0);
/// let model = Sequential::<f32>::new()
///     .push(Dense::new(4, 8, Init::he_normal(), &mut rng))
///     .push(Relu)
///     .push(Dense::new(8, 2, Init::xavier_uniform(), &mut rng));
/// assert_eq!(model.len(), 3);
/// assert_eq!(gradflow::nn::Module::num_params(&model), 4 * 8 + 8 + 8 * 2 + 2);
/// ```
pub struct Sequential<T: Scalar = f32> {
    // Children are named by their index ("0", "1", ... as PyTorch's
    // `nn.Sequential`), written out when needed rather than stored.
    layers: Vec<Box<dyn Layer<T>>>,
}

/// Layer `i`'s name, written into `buf`: forward names every layer on every
/// step, and a model's stored `String` per layer was a tenth of a tiny
/// network's bookkeeping.
fn index_name(i: usize, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    let mut rest = i;
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

impl<T: Scalar> Default for Sequential<T> {
    fn default() -> Self {
        Sequential::new()
    }
}

impl<T: Scalar> Sequential<T> {
    /// An empty chain.
    pub fn new() -> Self {
        Sequential { layers: Vec::new() }
    }

    /// Appends a layer (builder style).
    pub fn push(mut self, layer: impl Layer<T> + 'static) -> Self {
        self.add(layer);
        self
    }

    /// Appends a layer.
    pub fn add(&mut self, layer: impl Layer<T> + 'static) {
        self.add_boxed(Box::new(layer));
    }

    /// Appends a boxed layer.
    pub fn add_boxed(&mut self, layer: Box<dyn Layer<T>>) {
        // A model is built once and kept for the whole run: its list is
        // held at its length rather than doubled (a few dozen layers cost
        // a few dozen small reallocations, once).
        self.layers.reserve_exact(1);
        self.layers.push(layer);
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The layers.
    pub fn layers(&self) -> &[Box<dyn Layer<T>>] {
        &self.layers
    }

    /// The layers, mutably: to run them one at a time (e.g. to look at
    /// each layer's output) or to change one in place. Calling
    /// `layers_mut()[i].forward(x)` records no name scope: hold
    /// `let _scope = tape.scope(&i.to_string());` around it to keep the
    /// monitor's layer names.
    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer<T>>] {
        &mut self.layers
    }

    /// A table of the layers with their output shapes for an input of
    /// `input_shape` and their parameter counts (runs one forward pass in
    /// evaluation mode on zeros, then restores training mode).
    pub fn summary(&mut self, input_shape: &[usize]) -> String {
        let tape = Tape::<T>::new();
        let mut x = tape.constant(Tensor::zeros(Shape::new(input_shape)));
        let mut rows = vec![(
            "layer".to_string(),
            "output shape".to_string(),
            "params".to_string(),
        )];
        let mut total = 0;
        self.set_training(false);
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let name = &mut [0; 20];
            let name = index_name(i, name);
            x = layer.forward(x);
            let n = layer.num_params();
            total += n;
            rows.push((
                format!("{name}: {}", layer.describe()),
                format!("{:?}", x.shape().dims()),
                n.to_string(),
            ));
        }
        self.set_training(true);
        let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (a, b, c) in &rows {
            out.push_str(&format!("{a:<w0$}  {b:<w1$}  {c:>10}\n"));
        }
        out.push_str(&format!("total parameters: {total}\n"));
        out
    }
}

impl<T: Scalar> Module<T> for Sequential<T> {
    fn visit_params(&self, f: &mut dyn FnMut(&str, &Param<T>)) {
        for (i, layer) in self.layers.iter().enumerate() {
            let name = &mut [0; 20];
            let name = index_name(i, name);
            layer.visit_params(&mut |n, p| f(&join(name, n), p));
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&str, &mut Param<T>)) {
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let name = &mut [0; 20];
            let name = index_name(i, name);
            layer.visit_params_mut(&mut |n, p| f(&join(name, n), p));
        }
    }

    fn for_each_param_mut(&mut self, f: &mut dyn FnMut(&mut Param<T>)) {
        for layer in &mut self.layers {
            layer.for_each_param_mut(f);
        }
    }

    fn visit_buffers(&self, f: &mut dyn FnMut(&str, Buffer<'_, T>)) {
        for (i, layer) in self.layers.iter().enumerate() {
            let name = &mut [0; 20];
            let name = index_name(i, name);
            layer.visit_buffers(&mut |n, b| f(&join(name, n), b));
        }
    }

    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&str, BufferMut<'_, T>)) {
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let name = &mut [0; 20];
            let name = index_name(i, name);
            layer.visit_buffers_mut(&mut |n, b| f(&join(name, n), b));
        }
    }

    fn set_training(&mut self, training: bool) {
        for layer in &mut self.layers {
            layer.set_training(training);
        }
    }

    fn describe(&self) -> String {
        format!("Sequential({} layers)", self.layers.len())
    }
}

impl<T: Scalar> Layer<T> for Sequential<T> {
    /// Runs the layers in order, each in its name scope. A layer's shape
    /// panic points at the caller of this `forward`.
    #[track_caller]
    fn forward<'t>(&mut self, mut x: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let name = &mut [0; 20];
            let name = index_name(i, name);
            let _scope = tape.scope(name);
            x = layer.forward(x);
        }
        x
    }
}

impl<T: Scalar> fmt::Display for Sequential<T> {
    /// One line per layer with its parameter count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        for (i, layer) in self.layers.iter().enumerate() {
            let name = &mut [0; 20];
            let name = index_name(i, name);
            writeln!(
                f,
                "  ({name}): {}  [{} params]",
                layer.describe(),
                layer.num_params()
            )?;
        }
        write!(f, ")  total {} params", self.num_params())
    }
}

#[cfg(test)]
mod tests {
    use super::index_name;

    #[test]
    fn index_names_are_the_decimal_indices() {
        for i in [0, 7, 9, 10, 99, 100, 12345, usize::MAX] {
            assert_eq!(index_name(i, &mut [0; 20]), i.to_string());
        }
    }
}
