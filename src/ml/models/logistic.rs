//! Logistic regression (linfa-logistic, L-BFGS), trained in short chunks from the last
//! parameters so every chunk is a point on the live loss curve.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::Array1;

use super::{Hyperparams, Reporter, StepReport, TrainData, TrainedModel};
use crate::error::{Error, Result};
use crate::ml::metrics;

/// Optimiser iterations per reported step.
const ITERATIONS_PER_STEP: u64 = 5;

/// Training stops once a step improves the training loss by less than this (relative).
const RELATIVE_TOLERANCE: f64 = 1e-7;

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

pub fn train(
    params: &Hyperparams,
    data: &TrainData,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    let y: Array1<bool> = data.y.iter().map(|&v| v > 0.5).collect();
    let labels: Vec<bool> = y.to_vec();
    let valid_labels: Vec<bool> = data.valid_y.iter().map(|&v| v > 0.5).collect();
    let dataset = Dataset::new(data.x.to_owned(), y);
    let total_steps = params.max_iterations.div_ceil(ITERATIONS_PER_STEP).max(1) as usize;

    let mut raw_params: Option<Array1<f64>> = None;
    let mut best = None;
    let mut last_loss = f64::INFINITY;
    for step in 1..=total_steps {
        let mut solver = LogisticRegression::default()
            .alpha(params.l2)
            .max_iterations(ITERATIONS_PER_STEP);
        if let Some(p) = raw_params.take() {
            solver = solver.initial_params(p);
        }
        let fitted = solver
            .fit(&dataset)
            .map_err(|e| Error::Model(format!("logistic regression: {e}")))?;
        // linfa calls the first label it meets "positive": turn the weights round if that was `false`.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        let mut raw = fitted.params().to_vec();
        raw.push(fitted.intercept());
        raw_params = Some(Array1::from(raw));
        let model = TrainedModel::Logistic {
            weights: fitted.params().iter().map(|w| w * sign).collect(),
            intercept: fitted.intercept() * sign,
        };

        let train_scores = model.predict(data.x)?;
        let train_loss = metrics::log_loss(&train_scores, &labels);
        let (valid_loss, valid_metric) = if valid_labels.is_empty() {
            (None, None)
        } else {
            let s = model.predict(data.valid_x)?;
            (
                Some(metrics::log_loss(&s, &valid_labels)),
                Some(metrics::auc(&s, &valid_labels)),
            )
        };
        best = Some(model);
        let keep_going = report(StepReport {
            step,
            total_steps,
            train_loss,
            valid_loss,
            valid_metric,
        });
        if !keep_going {
            return Err(Error::Cancelled);
        }
        if last_loss.is_finite()
            && (last_loss - train_loss).abs() <= RELATIVE_TOLERANCE * last_loss.abs().max(1e-12)
        {
            break;
        }
        last_loss = train_loss;
    }
    best.ok_or_else(|| Error::Model("logistic regression ran no step".into()))
}
