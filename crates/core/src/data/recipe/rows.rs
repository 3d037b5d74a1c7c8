//! Steps on rows: keep those meeting a condition, remove duplicates.

use std::collections::HashSet;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{column, f64_column, is_numeric};
use crate::data::{ROW_ID, dates};
use crate::error::{Error, Result};

/// A comparison for filtering rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    Equals,
    NotEquals,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Contains,
    IsMissing,
    IsNotMissing,
}

impl FilterOp {
    pub const ALL: [Self; 9] = [
        Self::Equals,
        Self::NotEquals,
        Self::Less,
        Self::LessOrEqual,
        Self::Greater,
        Self::GreaterOrEqual,
        Self::Contains,
        Self::IsMissing,
        Self::IsNotMissing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Equals => "=",
            Self::NotEquals => "≠",
            Self::Less => "<",
            Self::LessOrEqual => "≤",
            Self::Greater => ">",
            Self::GreaterOrEqual => "≥",
            Self::Contains => "contains",
            Self::IsMissing => "is missing",
            Self::IsNotMissing => "is not missing",
        }
    }

    /// Whether the comparison takes a value.
    pub fn takes_value(self) -> bool {
        !matches!(self, Self::IsMissing | Self::IsNotMissing)
    }
}

pub(super) fn describe_filter(column: &str, op: FilterOp, value: &str) -> String {
    if op.takes_value() {
        format!("Keep rows where {column} {} {value}", op.label())
    } else {
        format!("Keep rows where {column} {}", op.label())
    }
}

/// Checks the condition against the column's type before any row is looked at.
pub(super) fn check_filter(df: &DataFrame, name: &str, op: FilterOp, value: &str) -> Result<()> {
    filter_mask(&column(df, name)?.head(Some(0)), op, value).map(|_| ())
}

pub(super) fn filter(df: DataFrame, name: &str, op: FilterOp, value: &str) -> Result<DataFrame> {
    let mask = filter_mask(column(&df, name)?, op, value)?;
    filter_owned(df, &mask)
}

/// `df.filter(mask)` a block of rows at a time (the first column's chunks: a loaded table's
/// pieces), each block let go once its rows are kept, so that the kept rows and the whole
/// table are not both in memory where the blocks own their memory (1M customers read in 10
/// pieces, bench/recipe.json: 266 MB at the peak, where filtering whole took 312 MB and
/// column by column 306-320; 208 MB with the freed blocks given back each time).
fn filter_owned(df: DataFrame, mask: &BooleanChunked) -> Result<DataFrame> {
    let lengths: Vec<usize> = match df.columns().first() {
        Some(c) if c.n_chunks() > 1 => c.as_materialized_series().chunk_lengths().collect(),
        _ => return Ok(df.filter(mask)?),
    };
    let mut rest = df;
    let mut kept: Option<DataFrame> = None;
    let mut offset = 0usize;
    let mut freed = crate::memory::Freed::default();
    for len in lengths {
        let block = rest.slice(0, len);
        rest = rest.slice(len as i64, rest.height() - len);
        let part = block.filter(&mask.slice(offset as i64, len))?;
        freed.add(block.estimated_size());
        drop(block);
        offset += len;
        match &mut kept {
            Some(k) => {
                k.vstack_mut_owned(part)?;
            }
            None => kept = Some(part),
        }
    }
    Ok(kept.unwrap_or(rest))
}

pub(super) fn remove_duplicates(df: &DataFrame, columns: &[String]) -> Result<DataFrame> {
    for c in columns {
        column(df, c)?;
    }
    let subset: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| {
            c.name().as_str() != ROW_ID
                && (columns.is_empty() || columns.iter().any(|n| n == c.name().as_str()))
        })
        .collect();
    let as_text: Vec<Column> = subset
        .iter()
        .map(|c| c.cast(&DataType::String))
        .collect::<PolarsResult<_>>()?;
    let texts: Vec<&StringChunked> = as_text
        .iter()
        .map(|c| c.str())
        .collect::<PolarsResult<_>>()?;
    let mut seen = HashSet::with_capacity(df.height());
    let keep: BooleanChunked = (0..df.height())
        .map(|i| {
            let key: Vec<Option<&str>> = texts.iter().map(|t| t.get(i)).collect();
            Some(seen.insert(key))
        })
        .collect();
    Ok(df.filter(&keep)?)
}

fn compare_numbers(op: FilterOp, x: f64, v: f64) -> bool {
    match op {
        FilterOp::Equals => x == v,
        FilterOp::NotEquals => x != v,
        FilterOp::Less => x < v,
        FilterOp::LessOrEqual => x <= v,
        FilterOp::Greater => x > v,
        FilterOp::GreaterOrEqual => x >= v,
        _ => false,
    }
}

fn filter_mask(c: &Column, op: FilterOp, value: &str) -> Result<BooleanChunked> {
    let name = c.name().to_string();
    let mask: BooleanChunked = match op {
        FilterOp::IsMissing => c.is_null(),
        FilterOp::IsNotMissing => c.is_not_null(),
        FilterOp::Contains => {
            let s = c.cast(&DataType::String)?;
            s.str()?
                .iter()
                .map(|v| Some(v.is_some_and(|v| v.contains(value))))
                .collect()
        }
        _ if is_numeric(c) => {
            let v: f64 = value.trim().parse().map_err(|_| {
                Error::InvalidInput(format!(
                    "column '{name}' holds numbers: '{value}' is not a number"
                ))
            })?;
            f64_column(c)?
                .iter()
                .map(|x| Some(x.is_some_and(|x| compare_numbers(op, x, v))))
                .collect()
        }
        _ if matches!(c.dtype(), DataType::Date) => {
            let v = dates::parse_one(value).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "column '{name}' holds dates: '{value}' is not a date (use YYYY-MM-DD)"
                ))
            })?;
            dates::day_numbers(c)?
                .iter()
                .map(|x| Some(x.is_some_and(|x| compare_numbers(op, f64::from(x), f64::from(v)))))
                .collect()
        }
        _ => {
            let s = c.cast(&DataType::String)?;
            s.str()?
                .iter()
                .map(|x| {
                    Some(x.is_some_and(|x| match op {
                        FilterOp::Equals => x == value,
                        FilterOp::NotEquals => x != value,
                        FilterOp::Less => x < value,
                        FilterOp::LessOrEqual => x <= value,
                        FilterOp::Greater => x > value,
                        FilterOp::GreaterOrEqual => x >= value,
                        _ => false,
                    }))
                })
                .collect()
        }
    };
    Ok(mask)
}
