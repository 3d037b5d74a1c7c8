//! One-hot encoding: a text column becomes one 0/1 column per category (the most frequent ones,
//! learned from the training rows; the rest go to `<column>=other`).

use polars::prelude::*;

use super::{FittedStep, column, value_counts};
use crate::error::{Error, Result};

pub(super) fn fit_one_hot(df: &DataFrame, name: &str, max_categories: usize) -> Result<FittedStep> {
    let counts = value_counts(column(df, name)?)?;
    let keep = max_categories.max(1);
    Ok(FittedStep::OneHot {
        column: name.to_owned(),
        other: counts.len() > keep,
        categories: counts.into_iter().take(keep).map(|(k, _)| k).collect(),
    })
}

pub(super) fn apply_one_hot(
    df: &DataFrame,
    name: &str,
    categories: &[String],
    other: bool,
) -> Result<DataFrame> {
    let c = column(df, name)?.cast(&DataType::String)?;
    let values = c.str()?;
    let index: PlHashMap<&str, u32> = categories
        .iter()
        .zip(0u32..)
        .map(|(k, i)| (k.as_str(), i))
        .collect();
    let width = categories.len() + usize::from(other);
    // Each row's column, looked up once (no column for a missing value, or for a value not
    // kept without "other"); then each 0/1 column in one pass over them.
    let none = u32::MAX;
    let other_at = if other { categories.len() as u32 } else { none };
    let hits: Vec<u32> = values
        .iter()
        .map(|v| v.map_or(none, |v| index.get(v).copied().unwrap_or(other_at)))
        .collect();
    let cols: Vec<Vec<i32>> = (0..width as u32)
        .map(|j| hits.iter().map(|&h| i32::from(h == j)).collect())
        .collect();
    let mut out = df.clone();
    let position = df
        .get_column_index(name)
        .ok_or_else(|| Error::missing_column(name, ""))?;
    for (j, values) in cols.into_iter().enumerate().rev() {
        let label = categories.get(j).map_or("other", String::as_str);
        out.insert_column(
            position + 1,
            Column::new(format!("{name}={label}").into(), values),
        )?;
    }
    Ok(out.drop(name)?)
}
