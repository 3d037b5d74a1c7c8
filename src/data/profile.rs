//! Per-column summaries: what the Data panel's column list and `profile --json` show.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// A summary of a whole table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub rows: usize,
    pub columns: Vec<ColumnProfile>,
}

/// A summary of one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    /// The column's type as polars names it (`i64`, `f64`, `str`, `date`, …).
    pub dtype: String,
    /// How many values are missing.
    pub missing: usize,
    /// Missing values as a share of all rows (0..1).
    pub missing_fraction: f64,
    /// How many distinct values (missing counts as one).
    pub distinct: usize,
    /// Smallest, largest and mean value, for numeric columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
}

impl ColumnProfile {
    /// True for integer and floating-point columns.
    pub fn is_numeric(&self) -> bool {
        self.min.is_some() || self.mean.is_some()
    }
}

/// Summarises every column of `df`.
pub fn profile(df: &DataFrame) -> Result<Profile> {
    let rows = df.height();
    let columns = df
        .columns()
        .iter()
        .map(|c| {
            let missing = c.null_count();
            let numeric = c.dtype().is_primitive_numeric();
            let stats = if numeric {
                let f = c.cast(&DataType::Float64)?;
                let ca = f.f64()?;
                (ca.min(), ca.max(), ca.mean())
            } else {
                (None, None, None)
            };
            Ok(ColumnProfile {
                name: c.name().to_string(),
                dtype: c.dtype().to_string(),
                missing,
                missing_fraction: if rows == 0 {
                    0.0
                } else {
                    missing as f64 / rows as f64
                },
                distinct: c.n_unique()?,
                min: stats.0,
                max: stats.1,
                mean: stats.2,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Profile { rows, columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_missing_and_distinct() {
        let df = df!(
            "x" => [Some(1i64), None, Some(3), Some(3)],
            "s" => [Some("a"), Some("b"), None, None],
        )
        .unwrap();
        let p = profile(&df).unwrap();
        assert_eq!(p.rows, 4);
        let x = &p.columns[0];
        assert_eq!((x.missing, x.distinct), (1, 3));
        assert_eq!((x.min, x.max), (Some(1.0), Some(3.0)));
        assert!((x.mean.unwrap() - 7.0 / 3.0).abs() < 1e-12);
        let s = &p.columns[1];
        assert_eq!(s.missing_fraction, 0.5);
        assert!(!s.is_numeric());
    }
}
