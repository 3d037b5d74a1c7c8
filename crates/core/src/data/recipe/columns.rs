//! Steps on whole columns: drop, rename, change type.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{column, is_numeric, with_columns};
use crate::data::{ROW_ID, dates};
use crate::error::{Error, Result};

/// A column type the user can convert to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Number,
    Integer,
    Text,
    Date,
    Boolean,
}

impl ColumnType {
    pub const ALL: [Self; 5] = [
        Self::Number,
        Self::Integer,
        Self::Text,
        Self::Date,
        Self::Boolean,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Integer => "whole number",
            Self::Text => "text",
            Self::Date => "date",
            Self::Boolean => "yes/no",
        }
    }
}

pub(super) fn drop(df: &DataFrame, columns: &[String]) -> Result<DataFrame> {
    for c in columns {
        column(df, c)?;
    }
    Ok(df.drop_many(columns.iter().map(String::as_str)))
}

pub(super) fn rename(df: &DataFrame, from: &str, to: &str) -> Result<DataFrame> {
    column(df, from)?;
    let to = to.trim();
    if to.is_empty() || to == ROW_ID {
        return Err(Error::InvalidInput(format!(
            "'{to}' can't be a column name"
        )));
    }
    if from != to && df.get_column_index(to).is_some() {
        return Err(Error::InvalidInput(format!(
            "a column named '{to}' already exists"
        )));
    }
    let mut out = df.clone();
    out.rename(from, to.into())?;
    Ok(out)
}

pub(super) fn change_type(df: &DataFrame, name: &str, to: ColumnType) -> Result<DataFrame> {
    let c = column(df, name)?;
    let converted = match to {
        ColumnType::Number => convert_numbers(c, &DataType::Float64)?,
        ColumnType::Integer => convert_numbers(c, &DataType::Int64)?,
        ColumnType::Text => c.cast(&DataType::String)?,
        ColumnType::Boolean => {
            let s = c.cast(&DataType::String)?;
            let ca: BooleanChunked = s
                .str()?
                .iter()
                .map(|v| {
                    v.and_then(|v| match v.trim().to_ascii_lowercase().as_str() {
                        "1" | "1.0" | "true" | "yes" | "y" | "t" => Some(true),
                        "0" | "0.0" | "false" | "no" | "n" | "f" => Some(false),
                        _ => None,
                    })
                })
                .collect();
            ca.into_column()
        }
        ColumnType::Date => {
            if matches!(c.dtype(), DataType::Date) {
                c.clone()
            } else {
                dates::to_date_column(c)?
            }
        }
    };
    with_columns(df, vec![converted.with_name(name.into())])
}

/// Numbers from numbers or text (decimal comma accepted; what doesn't parse becomes missing).
fn convert_numbers(c: &Column, to: &DataType) -> Result<Column> {
    if is_numeric(c) {
        return Ok(c.cast(to)?);
    }
    let s = c.cast(&DataType::String)?;
    let f: Float64Chunked = s
        .str()?
        .iter()
        .map(|v| {
            v.and_then(|v| {
                let t = v.trim();
                t.parse::<f64>()
                    .ok()
                    .or_else(|| t.replace(',', ".").parse::<f64>().ok())
            })
        })
        .collect();
    Ok(f.into_column().cast(to)?)
}
