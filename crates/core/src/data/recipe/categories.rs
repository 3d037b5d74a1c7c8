//! One-hot encoding: a text column becomes one 0/1 column per category (the most frequent ones,
//! learned from the training rows; the rest go to `<column>=other`).

use std::collections::HashMap;

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
    let index: HashMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let width = categories.len() + usize::from(other);
    let mut cols = vec![Vec::with_capacity(df.height()); width];
    for v in values.iter() {
        let hit = match v {
            None => None,
            Some(v) => index.get(v).copied().or(other.then_some(categories.len())),
        };
        for (j, col) in cols.iter_mut().enumerate() {
            col.push(i32::from(hit == Some(j)));
        }
    }
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
