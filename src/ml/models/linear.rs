//! Ordinary least squares (linfa-linear): one closed-form step.

use linfa::prelude::*;
use linfa_linear::LinearRegression;
use ndarray::Array1;

use super::{Reporter, StepReport, TrainData, TrainedModel};
use crate::error::{Error, Result};
use crate::ml::metrics;

pub fn train(data: &TrainData, report: &mut Reporter) -> Result<TrainedModel> {
    let y = Array1::from(data.y.to_vec());
    let dataset = Dataset::new(data.x.to_owned(), y);
    let fitted = LinearRegression::new()
        .fit(&dataset)
        .map_err(|e| Error::Model(format!("linear regression: {e}")))?;
    let model = TrainedModel::Linear {
        weights: fitted.params().to_vec(),
        intercept: fitted.intercept(),
    };
    let train_rmse = metrics::regression(&model.predict(data.x)?, data.y).rmse;
    let valid_rmse = if data.valid_y.is_empty() {
        None
    } else {
        Some(metrics::regression(&model.predict(data.valid_x)?, data.valid_y).rmse)
    };
    let keep_going = report(StepReport {
        step: 1,
        total_steps: 1,
        train_loss: train_rmse.powi(2),
        valid_loss: valid_rmse.map(|r| r.powi(2)),
        valid_metric: valid_rmse,
    });
    if keep_going {
        Ok(model)
    } else {
        Err(Error::Cancelled)
    }
}
