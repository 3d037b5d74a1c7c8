//! Maximum likelihood for the purchase and spend models: L-BFGS (the logistic regression's own,
//! `ml::models::optim`) on the logarithms of the parameters, which keeps them positive, with
//! central-difference gradients of the mean negative log-likelihood. Each iteration is a step
//! on the live curve.

use crate::error::{Error, Result};
use crate::jobs::Control;
use crate::ml::models::optim::{Lbfgs, Progress};

/// One optimiser iteration, for the live curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitStep {
    pub iteration: usize,
    pub max_iterations: usize,
    /// Mean negative log-likelihood per customer.
    pub loss: f64,
}

/// The most iterations a fit takes.
pub const MAX_ITERATIONS: usize = 500;

/// Minimises `nll` (mean negative log-likelihood of positive parameters) from `start`; `report`
/// answers each iteration with Continue, Stop (keep the parameters so far) or Cancel.
pub fn minimise(
    start: &[f64],
    nll: &dyn Fn(&[f64]) -> f64,
    report: &mut dyn FnMut(FitStep) -> Control,
) -> Result<(Vec<f64>, f64)> {
    let mut objective = |w: &[f64], grad: &mut [f64]| -> f64 {
        let p: Vec<f64> = w.iter().map(|v| v.exp()).collect();
        let f = nll(&p);
        let mut q = w.to_vec();
        for j in 0..w.len() {
            let h = 1e-6;
            q[j] = w[j] + h;
            let up = nll(&q.iter().map(|v| v.exp()).collect::<Vec<_>>());
            q[j] = w[j] - h;
            let down = nll(&q.iter().map(|v| v.exp()).collect::<Vec<_>>());
            q[j] = w[j];
            grad[j] = (up - down) / (2.0 * h);
        }
        // A point whose likelihood or slope can't be computed is one the line search avoids.
        if f.is_finite() && grad.iter().all(|g| g.is_finite()) {
            f
        } else {
            f64::INFINITY
        }
    };
    let w0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
    let mut opt = Lbfgs::new(w0, 10, &mut objective);
    if !opt.loss.is_finite() {
        return Err(Error::InvalidInput(
            "the model can't be fitted to these customers (the likelihood is not finite at the start)".into(),
        ));
    }
    for iteration in 1..=MAX_ITERATIONS {
        let progress = opt.iterate(&mut objective, 1e-9);
        match report(FitStep {
            iteration,
            max_iterations: MAX_ITERATIONS,
            loss: opt.loss,
        }) {
            Control::Cancel => return Err(Error::Cancelled),
            Control::Stop => break,
            Control::Continue => {}
        }
        if progress == Progress::Converged {
            break;
        }
    }
    let params: Vec<f64> = opt.w.iter().map(|v| v.exp()).collect();
    Ok((params, opt.loss))
}
