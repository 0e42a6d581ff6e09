//! Define a differentiable op of your own and check its backward rule
//! against finite differences — by hand, and as a property test.
//!
//! Run with `cargo run --release --example custom_op --features testing`.

use gradflow::check::{CheckMode, CheckOptions, check_gradients, check_gradients_with};
use gradflow::testing::{assert_gradients, shape, tensor};
use gradflow::{CustomOp, Tensor, Var};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

/// The "swish-β" activation `x·σ(βx)` with a fixed β, and its derivative
/// `σ(βx) + βx·σ(βx)(1 - σ(βx))`.
struct Swish {
    beta: f64,
}

impl CustomOp<f64> for Swish {
    fn name(&self) -> &str {
        "swish"
    }

    fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
        let x = inputs[0];
        x.mul(&x.mul_scalar(self.beta).sigmoid())
    }

    fn backward(
        &self,
        inputs: &[&Tensor<f64>],
        _output: &Tensor<f64>,
        grad: &Tensor<f64>,
    ) -> Vec<Option<Tensor<f64>>> {
        let beta = self.beta;
        let local = inputs[0].map(|x| {
            let s = 1.0 / (1.0 + (-beta * x).exp());
            s + beta * x * s * (1.0 - s)
        });
        vec![Some(grad.mul(&local))]
    }
}

/// The same op with a forgotten factor: the checker must catch it.
struct BrokenSwish;

impl CustomOp<f64> for BrokenSwish {
    fn name(&self) -> &str {
        "broken_swish"
    }

    fn forward(&self, inputs: &[&Tensor<f64>]) -> Tensor<f64> {
        inputs[0].mul(&inputs[0].sigmoid())
    }

    fn backward(
        &self,
        inputs: &[&Tensor<f64>],
        _output: &Tensor<f64>,
        grad: &Tensor<f64>,
    ) -> Vec<Option<Tensor<f64>>> {
        vec![Some(grad.mul(&inputs[0].sigmoid()))] // missing x·σ'(x)
    }
}

fn main() -> Result<(), gradflow::Error> {
    let x = Tensor::from_vec(vec![-2.0, -0.5, 0.0, 0.7, 3.0], [5])?;

    // 1. One check, every element: PyTorch's gradcheck tolerances.
    check_gradients(
        |v| Var::custom(Swish { beta: 1.5 }, &[v[0]]),
        std::slice::from_ref(&x),
    )?;
    println!("swish: analytic gradient matches finite differences");

    // 2. The fast mode compares one random directional derivative.
    let fast = CheckOptions {
        mode: CheckMode::Fast,
        ..CheckOptions::default()
    };
    check_gradients_with(
        |v| Var::custom(Swish { beta: 1.5 }, &[v[0]]),
        std::slice::from_ref(&x),
        &fast,
    )?;
    println!("swish: directional derivative matches too");

    // 3. A wrong backward is caught, and the error names the element.
    match check_gradients(|v| Var::custom(BrokenSwish, &[v[0]]), &[x]) {
        Ok(()) => unreachable!("the broken rule must fail"),
        Err(e) => println!("broken_swish: {e}"),
    }

    // 4. As a property test over random shapes and values (what you would
    //    write inside `proptest! { ... }` in a test file).
    let config = ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(32)
    };
    let mut runner = TestRunner::new(config);
    let inputs = shape(3, 4).prop_flat_map(|s| tensor(s, -4.0, 4.0));
    runner
        .run(&inputs, |x| {
            assert_gradients(|v| Var::custom(Swish { beta: 0.8 }, &[v[0]]), &[x])
        })
        .expect("swish passes 32 random cases");
    println!("swish: 32 random shapes and values pass");
    Ok(())
}
