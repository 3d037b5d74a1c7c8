//! Steps on missing values: fill them (learning the value from the training rows), or drop the
//! rows that have them.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{FittedStep, column, f64_column, is_numeric, no_values, numeric_values, value_counts};
use crate::data::{ROW_ID, median};
use crate::error::{Error, Result};

/// How to fill missing values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillStrategy {
    Mean,
    Median,
    MostFrequent,
    /// A value the user types (`value`).
    Constant,
    /// The text "missing", as a category of its own (text columns).
    MissingCategory,
}

impl FillStrategy {
    pub const ALL: [Self; 5] = [
        Self::Mean,
        Self::Median,
        Self::MostFrequent,
        Self::Constant,
        Self::MissingCategory,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Median => "median",
            Self::MostFrequent => "most frequent value",
            Self::Constant => "value",
            Self::MissingCategory => "category \"missing\"",
        }
    }

    /// Whether it needs a numeric column.
    pub fn numeric_only(self) -> bool {
        matches!(self, Self::Mean | Self::Median)
    }
}

/// A value learned for filling missing entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FillValue {
    Number(f64),
    Text(String),
}

pub(super) fn describe_fill(
    column: &str,
    strategy: FillStrategy,
    value: Option<&str>,
    add_flag: bool,
) -> String {
    let with = match strategy {
        FillStrategy::Constant => format!("\"{}\"", value.unwrap_or("")),
        s => format!("the {}", s.label()),
    };
    let flag = if add_flag { " (flag them first)" } else { "" };
    format!("Fill missing {column} with {with}{flag}")
}

pub(super) fn fit_fill(
    df: &DataFrame,
    name: &str,
    strategy: FillStrategy,
    value: Option<&str>,
    add_flag: bool,
) -> Result<FittedStep> {
    let c = column(df, name)?;
    let numeric = is_numeric(c);
    let fill = match strategy {
        FillStrategy::Mean | FillStrategy::Median if !numeric => {
            return Err(Error::InvalidInput(format!(
                "column '{name}' is text: fill it with the most frequent value or a category instead of the {}",
                strategy.label()
            )));
        }
        FillStrategy::Mean => {
            let v = numeric_values(c)?;
            if v.is_empty() {
                return Err(no_values(name));
            }
            FillValue::Number(v.iter().sum::<f64>() / v.len() as f64)
        }
        FillStrategy::Median => {
            FillValue::Number(median(numeric_values(c)?).ok_or_else(|| no_values(name))?)
        }
        FillStrategy::MostFrequent => {
            let top = value_counts(c)?
                .into_iter()
                .next()
                .ok_or_else(|| no_values(name))?
                .0;
            match top.parse::<f64>() {
                Ok(x) if numeric => FillValue::Number(x),
                _ => FillValue::Text(top),
            }
        }
        FillStrategy::Constant => {
            let v = value.unwrap_or_default().to_owned();
            match v.trim().parse::<f64>() {
                Ok(x) if numeric => FillValue::Number(x),
                _ if numeric => {
                    return Err(Error::InvalidInput(format!(
                        "column '{name}' holds numbers: '{v}' is not a number"
                    )));
                }
                _ => FillValue::Text(v),
            }
        }
        FillStrategy::MissingCategory => {
            if numeric {
                return Err(Error::InvalidInput(format!(
                    "column '{name}' holds numbers: a \"missing\" category is for text columns"
                )));
            }
            FillValue::Text("missing".to_owned())
        }
    };
    Ok(FittedStep::FillMissing {
        column: name.to_owned(),
        value: fill,
        add_flag,
    })
}

pub(super) fn apply_fill(
    df: &DataFrame,
    name: &str,
    value: &FillValue,
    add_flag: bool,
) -> Result<DataFrame> {
    let c = column(df, name)?;
    let filled = match value {
        FillValue::Number(x) => {
            // Chunk by chunk (a table loaded in pieces keeps its pieces' sizes).
            let f = f64_column(c)?.fill_null_with_values(*x)?.into_column();
            if c.dtype().is_integer() && x.fract() == 0.0 {
                f.cast(c.dtype())?
            } else {
                f
            }
        }
        FillValue::Text(t) => {
            let s = c.cast(&DataType::String)?;
            let ca: StringChunked = s
                .str()?
                .iter()
                .map(|v| Some(v.unwrap_or(t.as_str())))
                .collect();
            ca.into_column()
        }
    };
    let mut out = df.clone();
    if add_flag {
        let flag: Vec<i32> = c
            .is_null()
            .iter()
            .map(|m| i32::from(m.unwrap_or(false)))
            .collect();
        let position = df.get_column_index(name).unwrap_or(df.width());
        out.insert_column(
            position + 1,
            Column::new(format!("{name}_was_missing").into(), flag),
        )?;
    }
    out.with_column(filled.with_name(name.into()))?;
    Ok(out)
}

pub(super) fn drop_rows(df: &DataFrame, columns: &[String]) -> Result<DataFrame> {
    for c in columns {
        column(df, c)?;
    }
    let subset: Vec<String> = if columns.is_empty() {
        df.get_column_names()
            .iter()
            .map(|n| n.to_string())
            .filter(|n| n != ROW_ID)
            .collect()
    } else {
        columns.to_vec()
    };
    Ok(df.drop_nulls(Some(subset.as_slice()))?)
}
