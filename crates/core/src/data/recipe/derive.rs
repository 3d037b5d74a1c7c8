//! A new column from two others: sum, difference, product or ratio (division by zero: missing).

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{column, f64_column};
use crate::data::ROW_ID;
use crate::error::{Error, Result};

/// How a new column is made from two others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arithmetic {
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl Arithmetic {
    pub const ALL: [Self; 4] = [Self::Add, Self::Subtract, Self::Multiply, Self::Divide];

    pub fn symbol(self) -> &'static str {
        match self {
            Self::Add => "+",
            Self::Subtract => "−",
            Self::Multiply => "×",
            Self::Divide => "÷",
        }
    }
}

pub(super) fn apply(
    df: &DataFrame,
    name: &str,
    left: &str,
    op: Arithmetic,
    right: &str,
) -> Result<DataFrame> {
    let (a, b) = (
        f64_column(column(df, left)?)?,
        f64_column(column(df, right)?)?,
    );
    let name = name.trim();
    if name.is_empty() || name == ROW_ID {
        return Err(Error::InvalidInput(format!(
            "'{name}' can't be a column name"
        )));
    }
    let v: Float64Chunked = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| {
            let (x, y) = (x?, y?);
            let r = match op {
                Arithmetic::Add => x + y,
                Arithmetic::Subtract => x - y,
                Arithmetic::Multiply => x * y,
                Arithmetic::Divide => x / y,
            };
            r.is_finite().then_some(r)
        })
        .collect();
    let mut out = df.clone();
    out.with_column(v.into_column().with_name(name.into()))?;
    Ok(out)
}
