//! Steps on numbers: clip outliers, log, standardise, scale to 0–1, bin into quantiles. All but
//! the log learn from the training rows (limits, means and spreads, edges).

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    FittedStep, column, f64_column, no_values, numeric_values, quantile_sorted, sorted_values,
    with_columns,
};
use crate::error::Result;

/// How to find outliers to clip.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ClipMethod {
    /// Beyond `k` interquartile ranges outside the quartiles (Tukey's fences; k = 1.5 usually).
    Iqr { k: f64 },
    /// Below the `low` and above the `high` percentile (0–100).
    Percentiles { low: f64, high: f64 },
}

pub(super) fn describe_clip(column: &str, method: ClipMethod) -> String {
    match method {
        ClipMethod::Iqr { k } => format!("Clip {column} at {k} IQR beyond the quartiles"),
        ClipMethod::Percentiles { low, high } => {
            format!("Clip {column} to its {low}th–{high}th percentiles")
        }
    }
}

pub(super) fn fit_clip(df: &DataFrame, name: &str, method: ClipMethod) -> Result<FittedStep> {
    let v = sorted_values(column(df, name)?)?;
    let q = |p: f64| quantile_sorted(&v, p).ok_or_else(|| no_values(name));
    let (low, high) = match method {
        ClipMethod::Iqr { k } => {
            let (q1, q3) = (q(0.25)?, q(0.75)?);
            (q1 - k * (q3 - q1), q3 + k * (q3 - q1))
        }
        ClipMethod::Percentiles { low, high } => (q(low / 100.0)?, q(high / 100.0)?),
    };
    Ok(FittedStep::Clip {
        column: name.to_owned(),
        low,
        high,
    })
}

pub(super) fn apply_clip(df: &DataFrame, name: &str, low: f64, high: f64) -> Result<DataFrame> {
    let c = column(df, name)?;
    let f = f64_column(c)?;
    let clipped: Float64Chunked = f.apply_values(|x| x.clamp(low, high));
    let mut col = clipped.into_column();
    if c.dtype().is_integer() && low.fract() == 0.0 && high.fract() == 0.0 {
        col = col.cast(c.dtype())?;
    }
    with_columns(df, vec![col.with_name(name.into())])
}

pub(super) fn log(df: &DataFrame, name: &str) -> Result<DataFrame> {
    let f = f64_column(column(df, name)?)?;
    let logged: Float64Chunked = f
        .iter()
        .map(|v| v.and_then(|x| (x > -1.0).then(|| x.ln_1p())))
        .collect();
    with_columns(df, vec![logged.into_column().with_name(name.into())])
}

/// Standardise (`standardize`: mean and standard deviation) or min-max scale each column.
pub(super) fn fit_scale(
    df: &DataFrame,
    columns: &[String],
    standardize: bool,
) -> Result<FittedStep> {
    let mut fitted = Vec::with_capacity(columns.len());
    for name in columns {
        let v = numeric_values(column(df, name)?)?;
        if v.is_empty() {
            return Err(no_values(name));
        }
        let n = v.len() as f64;
        let (offset, divisor) = if standardize {
            let mean = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
            (mean, sd)
        } else {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi - lo)
        };
        fitted.push((
            name.clone(),
            offset,
            if divisor > 0.0 { divisor } else { 1.0 },
        ));
    }
    Ok(FittedStep::Scale { columns: fitted })
}

pub(super) fn apply_scale(df: &DataFrame, columns: &[(String, f64, f64)]) -> Result<DataFrame> {
    let mut new = Vec::with_capacity(columns.len());
    for (name, offset, divisor) in columns {
        let f = f64_column(column(df, name)?)?;
        let scaled: Float64Chunked = f.apply_values(|x| (x - offset) / divisor);
        new.push(scaled.into_column().with_name(name.as_str().into()));
    }
    with_columns(df, new)
}

pub(super) fn fit_bin(df: &DataFrame, name: &str, bins: usize) -> Result<FittedStep> {
    let v = sorted_values(column(df, name)?)?;
    let bins = bins.clamp(2, 100);
    let mut edges: Vec<f64> = (1..bins)
        .filter_map(|i| quantile_sorted(&v, i as f64 / bins as f64))
        .collect();
    if edges.is_empty() {
        return Err(no_values(name));
    }
    edges.dedup();
    Ok(FittedStep::Bin {
        column: name.to_owned(),
        edges,
    })
}

pub(super) fn apply_bin(df: &DataFrame, name: &str, edges: &[f64]) -> Result<DataFrame> {
    let f = f64_column(column(df, name)?)?;
    let bins: Vec<Option<i32>> = f
        .iter()
        .map(|v| {
            v.filter(|x| x.is_finite())
                .map(|x| edges.partition_point(|e| *e < x) as i32 + 1)
        })
        .collect();
    let mut out = df.clone();
    let position = df.get_column_index(name).unwrap_or(df.width());
    out.insert_column(
        position + 1,
        Column::new(format!("{name}_bin").into(), bins),
    )?;
    Ok(out)
}
