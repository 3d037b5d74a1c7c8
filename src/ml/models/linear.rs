//! Ordinary least squares (linfa-linear): one closed-form step. When the columns are collinear
//! (a total next to its parts, a copied column) the normal equations are singular and linfa
//! refuses; we then solve them with a tiny ridge penalty ourselves, which gives the
//! minimum-norm-like solution and the same predictions OLS would.

use linfa::prelude::*;
use linfa_linear::LinearRegression;
use ndarray::Array1;

use super::{Reporter, StepReport, TrainData, TrainedModel};
use crate::error::{Error, Result};
use crate::ml::metrics;

pub fn train(data: &TrainData, report: &mut Reporter) -> Result<TrainedModel> {
    let y = Array1::from(data.y.to_vec());
    let dataset = Dataset::new(data.x.to_owned(), y);
    let model = match LinearRegression::new().fit(&dataset) {
        Ok(fitted) => TrainedModel::Linear {
            weights: fitted.params().to_vec(),
            intercept: fitted.intercept(),
        },
        Err(_) => ridge(data.x, data.y, 1e-6)?,
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

/// Least squares with an L2 penalty `lambda · n` on the weights (not the intercept), by Cholesky.
pub fn ridge(x: ndarray::ArrayView2<f64>, y: &[f64], lambda: f64) -> Result<TrainedModel> {
    let (n, p) = (x.nrows(), x.ncols());
    let x_mean: Vec<f64> = (0..p)
        .map(|j| x.column(j).sum() / n.max(1) as f64)
        .collect();
    let y_mean = y.iter().sum::<f64>() / n.max(1) as f64;
    // Centred normal equations: (XcᵀXc + λnI) w = Xcᵀyc.
    let mut a = vec![0.0; p * p];
    let mut b = vec![0.0; p];
    for (row, &yi) in x.rows().into_iter().zip(y) {
        let xc: Vec<f64> = row.iter().zip(&x_mean).map(|(v, m)| v - m).collect();
        for i in 0..p {
            b[i] += xc[i] * (yi - y_mean);
            for j in 0..=i {
                a[i * p + j] += xc[i] * xc[j];
            }
        }
    }
    let scale = (0..p).map(|i| a[i * p + i]).fold(0.0, f64::max).max(1.0);
    for i in 0..p {
        a[i * p + i] += lambda * scale;
    }
    // Cholesky A = LLᵀ (lower triangle), then two triangular solves.
    for i in 0..p {
        for j in 0..=i {
            let mut sum = a[i * p + j];
            for k in 0..j {
                sum -= a[i * p + k] * a[j * p + k];
            }
            if i == j {
                if sum <= 0.0 {
                    return Err(Error::Model(
                        "linear regression: the equations have no stable solution".into(),
                    ));
                }
                a[i * p + i] = sum.sqrt();
            } else {
                a[i * p + j] = sum / a[j * p + j];
            }
        }
    }
    let mut z = vec![0.0; p];
    for i in 0..p {
        let s: f64 = (0..i).map(|k| a[i * p + k] * z[k]).sum();
        z[i] = (b[i] - s) / a[i * p + i];
    }
    let mut w = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| a[k * p + i] * w[k]).sum();
        w[i] = (z[i] - s) / a[i * p + i];
    }
    let intercept = y_mean - w.iter().zip(&x_mean).map(|(a, b)| a * b).sum::<f64>();
    Ok(TrainedModel::Linear {
        weights: w,
        intercept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn collinear_columns_still_fit() {
        // y = 2a + 1, with b a copy of a: OLS is singular, ridge splits the weight.
        let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]];
        let y = [3.0, 5.0, 7.0, 9.0];
        let m = ridge(x.view(), &y, 1e-9).unwrap();
        let p = m.predict(x.view()).unwrap();
        for (a, b) in p.iter().zip(y) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }
}
