//! The benchmarks every forecaster compares against (Hyndman & Athanasopoulos, Forecasting:
//! Principles and Practice, §3.1 and §3.5): the mean, the last value (naive), the value one
//! season ago (seasonal naive) and the line through the first and last values (drift), with
//! normal prediction intervals from the in-sample residuals' standard deviation σ:
//! mean σ√(1 + 1/T), naive σ√h, seasonal naive σ√(⌊(h−1)/m⌋ + 1), drift σ√(h(1 + h/T)).

use super::Forecast;
use crate::error::{Error, Result};

/// The simple methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    Mean,
    Naive,
    SeasonalNaive,
    Drift,
}

/// A baseline fitted to a history: in-sample one-step fitted values (NaN where the method has
/// none) and its forecast.
#[derive(Clone, Debug)]
pub struct BaselineFit {
    pub fitted: Vec<f64>,
    pub forecast: Forecast,
}

/// Fits `method` to `y` (season `m`) and forecasts `h` periods.
pub fn fit(method: Baseline, y: &[f64], m: usize, h: usize) -> Result<BaselineFit> {
    let n = y.len();
    let need = match method {
        Baseline::Mean => 1,
        Baseline::Naive | Baseline::Drift => 2,
        Baseline::SeasonalNaive => m.max(1) + 1,
    };
    if n < need {
        return Err(Error::InvalidInput(format!(
            "{n} periods of history; this method needs at least {need}"
        )));
    }
    let last = y[n - 1];
    // The standard error of the h-step forecast from σ.
    type Spread = Box<dyn Fn(usize, f64) -> f64>;
    let (fitted, mean, se): (Vec<f64>, Vec<f64>, Spread) = match method {
        Baseline::Mean => {
            let avg = y.iter().sum::<f64>() / n as f64;
            let tn = n as f64;
            (
                vec![avg; n],
                vec![avg; h],
                Box::new(move |_, s| s * (1.0 + 1.0 / tn).sqrt()),
            )
        }
        Baseline::Naive => {
            let fitted = std::iter::once(f64::NAN).chain(y[..n - 1].iter().copied());
            (
                fitted.collect(),
                vec![last; h],
                Box::new(|j, s| s * (j as f64).sqrt()),
            )
        }
        Baseline::SeasonalNaive => {
            let m = m.max(1);
            let fitted = (0..n).map(|t| if t >= m { y[t - m] } else { f64::NAN });
            let mean = (1..=h).map(|j| y[n - m + (j - 1) % m]);
            (
                fitted.collect(),
                mean.collect(),
                Box::new(move |j, s| s * (((j - 1) / m) as f64 + 1.0).sqrt()),
            )
        }
        Baseline::Drift => {
            let slope = (last - y[0]) / (n - 1) as f64;
            let fitted = std::iter::once(f64::NAN).chain(y[..n - 1].iter().map(|v| v + slope));
            let tn = n as f64;
            (
                fitted.collect(),
                (1..=h).map(|j| last + slope * j as f64).collect(),
                Box::new(move |j, s| {
                    let j = j as f64;
                    s * (j * (1.0 + j / tn)).sqrt()
                }),
            )
        }
    };
    let residuals: Vec<f64> = y
        .iter()
        .zip(&fitted)
        .map(|(a, f)| a - f)
        .filter(|e| e.is_finite())
        .collect();
    let sigma = match method {
        // The mean's residuals have one parameter taken out; the others' none (R's rwf).
        Baseline::Mean | Baseline::Drift => sd(&residuals),
        Baseline::Naive | Baseline::SeasonalNaive => {
            (residuals.iter().map(|e| e * e).sum::<f64>() / residuals.len().max(1) as f64).sqrt()
        }
    };
    let spread: Vec<f64> = (1..=h).map(|j| se(j, sigma)).collect();
    Ok(BaselineFit {
        fitted,
        forecast: Forecast::normal(mean, &spread),
    })
}

/// Sample standard deviation (divisor n − 1).
fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::super::Z95;
    use super::*;

    #[test]
    fn point_forecasts() {
        let y = [1.0, 2.0, 3.0, 10.0, 2.0, 3.0, 4.0, 12.0];
        let get = |b| {
            fit(b, &y, 4, 5)
                .map(|f| f.forecast.mean)
                .unwrap_or_default()
        };
        assert_eq!(get(Baseline::Mean), vec![37.0 / 8.0; 5]);
        assert_eq!(get(Baseline::Naive), vec![12.0; 5]);
        assert_eq!(get(Baseline::SeasonalNaive), vec![2.0, 3.0, 4.0, 12.0, 2.0]);
        let drift = get(Baseline::Drift);
        assert!((drift[1] - (12.0 + 2.0 * 11.0 / 7.0)).abs() < 1e-12);
        // Naive: residuals 1, 1, 7, −8, 1, 1, 8 → σ = √(181/7); the 95% interval at h = 4 is
        // 12 ± 1.96σ·2.
        let naive = fit(Baseline::Naive, &y, 4, 4).map(|f| f.forecast);
        let Ok(naive) = naive else { panic!() };
        let sigma = (181.0f64 / 7.0).sqrt();
        assert!((naive.hi95[3] - (12.0 + Z95 * sigma * 2.0)).abs() < 1e-9);
        assert!(fit(Baseline::SeasonalNaive, &y[..3], 4, 1).is_err());
    }
}
