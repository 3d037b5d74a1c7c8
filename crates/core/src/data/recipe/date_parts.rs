//! Dates to model inputs: days since (the latest training date), month, weekday.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{FittedStep, column, no_values};
use crate::data::dates;
use crate::error::Result;

/// Which parts of a date to derive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateParts {
    /// Days from the date to the latest date in the training rows.
    pub days_since: bool,
    /// Month 1–12.
    pub month: bool,
    /// Weekday 1 (Monday) – 7 (Sunday).
    pub weekday: bool,
}

impl Default for DateParts {
    fn default() -> Self {
        Self {
            days_since: true,
            month: true,
            weekday: true,
        }
    }
}

pub(super) fn fit(df: &DataFrame, name: &str, parts: DateParts) -> Result<FittedStep> {
    let days = dates::day_numbers(column(df, name)?)?;
    let reference_day = days
        .iter()
        .flatten()
        .copied()
        .max()
        .ok_or_else(|| no_values(name))?;
    Ok(FittedStep::DateParts {
        column: name.to_owned(),
        reference_day,
        parts,
    })
}

pub(super) fn apply(
    df: &DataFrame,
    name: &str,
    reference_day: i32,
    parts: DateParts,
) -> Result<DataFrame> {
    let days = dates::day_numbers(column(df, name)?)?;
    let mut out = df.clone();
    let mut position = df.get_column_index(name).unwrap_or(df.width()) + 1;
    let mut add = |suffix: &str, f: &dyn Fn(i32) -> i32| -> Result<()> {
        let v: Vec<Option<i32>> = days.iter().map(|d| d.map(f)).collect();
        out.insert_column(position, Column::new(format!("{name}_{suffix}").into(), v))?;
        position += 1;
        Ok(())
    };
    if parts.days_since {
        add("days_since", &|d| reference_day - d)?;
    }
    if parts.month {
        add("month", &|d| dates::month_of(d) as i32)?;
    }
    if parts.weekday {
        add("weekday", &|d| dates::weekday_of(d) as i32)?;
    }
    Ok(out)
}
