//! How far a forecast was from what happened, as R's `forecast::accuracy()` defines it:
//! RMSE, MAE, MAPE (in per cent) and MASE (the MAE over the in-sample MAE of the seasonal naive
//! forecast, lag m; lag 1 when there is no season or too little history for one).

use serde::{Deserialize, Serialize};

/// Errors of a forecast over a period. A measure that can't be computed (MAPE with a zero
/// actual, MASE on a constant history) is NaN, written `null` in JSON.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    pub rmse: f64,
    pub mae: f64,
    pub mape: f64,
    pub mase: f64,
}

/// The in-sample mean absolute error of the seasonal naive forecast of `train` with lag `m`
/// (lag 1 when `m` ≤ 1 or the history is not longer than `m`).
pub fn mase_scale(train: &[f64], m: usize) -> f64 {
    let lag = if m > 1 && train.len() > m { m } else { 1 };
    if train.len() <= lag {
        return f64::NAN;
    }
    let diffs: Vec<f64> = train
        .iter()
        .zip(&train[lag..])
        .map(|(a, b)| (b - a).abs())
        .collect();
    diffs.iter().sum::<f64>() / diffs.len() as f64
}

/// The accuracy of `forecast` against `actual` (same length), scaled by `scale` (see
/// [`mase_scale`]).
pub fn accuracy(actual: &[f64], forecast: &[f64], scale: f64) -> Accuracy {
    let pairs: Vec<(f64, f64)> = actual
        .iter()
        .zip(forecast)
        .filter(|(a, f)| a.is_finite() && f.is_finite())
        .map(|(a, f)| (*a, *f))
        .collect();
    if pairs.is_empty() {
        return Accuracy {
            rmse: f64::NAN,
            mae: f64::NAN,
            mape: f64::NAN,
            mase: f64::NAN,
        };
    }
    let n = pairs.len() as f64;
    let mse = pairs.iter().map(|(a, f)| (a - f).powi(2)).sum::<f64>() / n;
    let mae = pairs.iter().map(|(a, f)| (a - f).abs()).sum::<f64>() / n;
    let mape = if pairs.iter().any(|(a, _)| *a == 0.0) {
        f64::NAN
    } else {
        100.0 * pairs.iter().map(|(a, f)| ((a - f) / a).abs()).sum::<f64>() / n
    };
    let mase = if scale > 0.0 { mae / scale } else { f64::NAN };
    Accuracy {
        rmse: mse.sqrt(),
        mae,
        mape,
        mase,
    }
}

/// Autocorrelations of `x` at lags 1..=`lags` (the ACF as R's `acf()` computes it: the lag-k
/// autocovariance over the variance, both with divisor n). NaN values are left out.
pub fn acf(x: &[f64], lags: usize) -> Vec<f64> {
    let v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    let n = v.len();
    if n < 2 {
        return Vec::new();
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    let var: f64 = v.iter().map(|a| (a - mean).powi(2)).sum();
    if var <= 0.0 {
        return vec![0.0; lags.min(n - 1)];
    }
    (1..=lags.min(n - 1))
        .map(|k| {
            v.iter()
                .zip(&v[k..])
                .map(|(a, b)| (a - mean) * (b - mean))
                .sum::<f64>()
                / var
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // Errors 1, −2, 3 on actuals 10, 20, 30.
        let a = accuracy(&[10.0, 20.0, 30.0], &[9.0, 22.0, 27.0], 2.0);
        assert!((a.rmse - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((a.mae - 2.0).abs() < 1e-12);
        assert!((a.mape - 100.0 * (0.1 + 0.1 + 0.1) / 3.0).abs() < 1e-12);
        assert!((a.mase - 1.0).abs() < 1e-12);
        // Seasonal naive errors of 1, 2, 4, 8 with lag 2: |4−1|, |8−2| → 4.5.
        assert!((mase_scale(&[1.0, 2.0, 4.0, 8.0], 2) - 4.5).abs() < 1e-12);
        assert!(accuracy(&[0.0], &[1.0], 1.0).mape.is_nan());
        let r = acf(&[1.0, 2.0, 3.0, 4.0], 1);
        // Mean 2.5: (−1.5·−0.5 + −0.5·0.5 + 0.5·1.5) / 5 = 1.25 / 5.
        assert!((r[0] - 0.25).abs() < 1e-12);
    }
}
