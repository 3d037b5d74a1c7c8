//! The cleaning recipe: an ordered list of steps, each plain data (serde), so it can be shown,
//! undone, saved as JSON and replayed on next month's file by column name.
//!
//! A [`Recipe`] is what the user asked for. Fitting it on the training rows gives a
//! [`FittedRecipe`], which also holds everything learned from those rows (fill values,
//! categories, means and spreads) and replays it unchanged on any other table.

use std::collections::HashMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::median;
use crate::error::{Error, Result};

/// How to fill missing values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillStrategy {
    Mean,
    Median,
    MostFrequent,
}

impl FillStrategy {
    pub const ALL: [Self; 3] = [Self::Mean, Self::Median, Self::MostFrequent];

    pub fn label(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Median => "median",
            Self::MostFrequent => "most frequent",
        }
    }
}

fn default_max_categories() -> usize {
    20
}

/// One cleaning step, as the user configured it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Remove columns.
    DropColumns { columns: Vec<String> },
    /// Replace missing values of a column with a value learned from the training rows.
    FillMissing {
        column: String,
        strategy: FillStrategy,
    },
    /// Replace a text column by one 0/1 column per category (the most frequent
    /// `max_categories`; the rest go to `<column>=other`).
    OneHot {
        column: String,
        #[serde(default = "default_max_categories")]
        max_categories: usize,
    },
    /// Rescale numeric columns to mean 0 and standard deviation 1 (of the training rows).
    Standardize { columns: Vec<String> },
}

impl Step {
    /// A short sentence for the recipe list.
    pub fn describe(&self) -> String {
        match self {
            Self::DropColumns { columns } => format!("Drop {}", columns.join(", ")),
            Self::FillMissing { column, strategy } => {
                format!("Fill missing {column} with the {}", strategy.label())
            }
            Self::OneHot {
                column,
                max_categories,
            } => format!("One-hot encode {column} (up to {max_categories} categories)"),
            Self::Standardize { columns } => format!("Standardise {}", columns.join(", ")),
        }
    }
}

/// A value learned for filling missing entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FillValue {
    Number(f64),
    Text(String),
}

/// A step with everything it learned from the training rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum FittedStep {
    DropColumns {
        columns: Vec<String>,
    },
    FillMissing {
        column: String,
        value: FillValue,
    },
    OneHot {
        column: String,
        categories: Vec<String>,
        /// Whether training had categories beyond the cap (an `=other` column exists).
        other: bool,
    },
    Standardize {
        /// (column, mean, standard deviation).
        columns: Vec<(String, f64, f64)>,
    },
}

/// The user's recipe.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub steps: Vec<Step>,
}

/// A recipe fitted on training rows; replays the same transformation on any table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FittedRecipe {
    pub steps: Vec<FittedStep>,
}

impl Recipe {
    /// Reads a recipe saved as JSON.
    pub fn from_json(text: &str) -> std::result::Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Fits each step on `df` (as transformed by the steps before it) and returns the fitted
    /// recipe with the transformed table.
    pub fn fit_transform(&self, df: &DataFrame) -> Result<(FittedRecipe, DataFrame)> {
        let mut df = df.clone();
        let mut fitted = Vec::with_capacity(self.steps.len());
        for (i, step) in self.steps.iter().enumerate() {
            let f = fit_step(step, &df).map_err(|e| at_step(i, e))?;
            df = apply_step(&f, &df).map_err(|e| at_step(i, e))?;
            fitted.push(f);
        }
        Ok((FittedRecipe { steps: fitted }, df))
    }
}

impl FittedRecipe {
    /// Applies the fitted steps to `df`.
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        let mut df = df.clone();
        for (i, step) in self.steps.iter().enumerate() {
            df = apply_step(step, &df).map_err(|e| at_step(i, e))?;
        }
        Ok(df)
    }
}

fn at_step(index: usize, err: Error) -> Error {
    match err {
        Error::MissingColumn { name, .. } => {
            Error::missing_column(name, format!("needed by recipe step {}", index + 1))
        }
        other => other,
    }
}

fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| Error::missing_column(name, ""))
}

fn numeric_values(c: &Column) -> Result<Vec<f64>> {
    if !c.dtype().is_primitive_numeric() && !c.dtype().is_bool() {
        return Err(Error::InvalidInput(format!(
            "column '{}' is {}, not numbers",
            c.name(),
            c.dtype()
        )));
    }
    let f = c.cast(&DataType::Float64)?;
    Ok(f.f64()?
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .collect())
}

/// Frequencies of a column's non-missing values, as text, most frequent first (ties by text).
fn value_counts(c: &Column) -> Result<Vec<(String, usize)>> {
    let s = c.cast(&DataType::String)?;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in s.str()?.iter().flatten() {
        *counts.entry(v).or_default() += 1;
    }
    let mut out: Vec<(String, usize)> =
        counts.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

fn fit_step(step: &Step, df: &DataFrame) -> Result<FittedStep> {
    Ok(match step {
        Step::DropColumns { columns } => {
            for c in columns {
                column(df, c)?;
            }
            FittedStep::DropColumns {
                columns: columns.clone(),
            }
        }
        Step::FillMissing {
            column: name,
            strategy,
        } => {
            let c = column(df, name)?;
            let numeric = c.dtype().is_primitive_numeric();
            let no_values = || {
                Error::InvalidInput(format!(
                    "column '{name}' has no values to learn a fill value from"
                ))
            };
            let value = match (strategy, numeric) {
                (FillStrategy::Mean, true) => {
                    let v = numeric_values(c)?;
                    if v.is_empty() {
                        return Err(no_values());
                    }
                    FillValue::Number(v.iter().sum::<f64>() / v.len() as f64)
                }
                (FillStrategy::Median, true) => {
                    FillValue::Number(median(numeric_values(c)?).ok_or_else(no_values)?)
                }
                (FillStrategy::MostFrequent, _) => {
                    let top = value_counts(c)?.into_iter().next().ok_or_else(no_values)?.0;
                    match top.parse::<f64>() {
                        Ok(x) if numeric => FillValue::Number(x),
                        _ => FillValue::Text(top),
                    }
                }
                (_, false) => {
                    return Err(Error::InvalidInput(format!(
                        "column '{name}' is text: fill it with the most frequent value instead of the {}",
                        strategy.label()
                    )));
                }
            };
            FittedStep::FillMissing {
                column: name.clone(),
                value,
            }
        }
        Step::OneHot {
            column: name,
            max_categories,
        } => {
            let counts = value_counts(column(df, name)?)?;
            let keep = (*max_categories).max(1);
            FittedStep::OneHot {
                column: name.clone(),
                other: counts.len() > keep,
                categories: counts.into_iter().take(keep).map(|(k, _)| k).collect(),
            }
        }
        Step::Standardize { columns } => {
            let mut fitted = Vec::with_capacity(columns.len());
            for name in columns {
                let v = numeric_values(column(df, name)?)?;
                let n = v.len().max(1) as f64;
                let mean = v.iter().sum::<f64>() / n;
                let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
                fitted.push((name.clone(), mean, if sd > 0.0 { sd } else { 1.0 }));
            }
            FittedStep::Standardize { columns: fitted }
        }
    })
}

fn apply_step(step: &FittedStep, df: &DataFrame) -> Result<DataFrame> {
    Ok(match step {
        FittedStep::DropColumns { columns } => {
            for c in columns {
                column(df, c)?;
            }
            df.drop_many(columns.iter().map(String::as_str))
        }
        FittedStep::FillMissing {
            column: name,
            value,
        } => {
            let c = column(df, name)?;
            let filled = match value {
                FillValue::Number(x) => {
                    let is_int = c.dtype().is_integer() && x.fract() == 0.0;
                    let f = c.cast(&DataType::Float64)?;
                    let f: Float64Chunked =
                        f.f64()?.iter().map(|v| Some(v.unwrap_or(*x))).collect();
                    let f = f.into_column();
                    if is_int { f.cast(c.dtype())? } else { f }
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
            out.with_column(filled.with_name(name.as_str().into()))?;
            out
        }
        FittedStep::OneHot {
            column: name,
            categories,
            other,
        } => {
            let c = column(df, name)?.cast(&DataType::String)?;
            let values = c.str()?;
            let index: HashMap<&str, usize> = categories
                .iter()
                .enumerate()
                .map(|(i, k)| (k.as_str(), i))
                .collect();
            let width = categories.len() + usize::from(*other);
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
            out.drop(name)?
        }
        FittedStep::Standardize { columns } => {
            let mut out = df.clone();
            for (name, mean, sd) in columns {
                let c = column(df, name)?;
                let f = c.cast(&DataType::Float64)?;
                let scaled: Float64Chunked = f.f64()?.apply_values(|x| (x - mean) / sd);
                out.with_column(scaled.into_column().with_name(name.as_str().into()))?;
            }
            out
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> DataFrame {
        df!(
            "id" => ["a", "b", "c", "d"],
            "age" => [Some(20i64), None, Some(40), Some(30)],
            "region" => [Some("N"), Some("S"), None, Some("N")],
            "spend" => [1.0, 2.0, 3.0, 4.0],
        )
        .unwrap()
    }

    #[test]
    fn fits_and_replays_each_step() {
        let recipe = Recipe {
            steps: vec![
                Step::DropColumns {
                    columns: vec!["id".into()],
                },
                Step::FillMissing {
                    column: "age".into(),
                    strategy: FillStrategy::Mean,
                },
                Step::OneHot {
                    column: "region".into(),
                    max_categories: 20,
                },
                Step::Standardize {
                    columns: vec!["spend".into()],
                },
            ],
        };
        let (fitted, out) = recipe.fit_transform(&table()).unwrap();
        assert_eq!(
            out.get_column_names(),
            ["age", "region=N", "region=S", "spend"]
        );
        assert_eq!(out.column("age").unwrap().null_count(), 0);
        assert_eq!(
            out.column("age").unwrap().get(1).unwrap(),
            AnyValue::Int64(30)
        );
        let n: Vec<i32> = out
            .column("region=N")
            .unwrap()
            .i32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(n, [1, 0, 0, 1]);
        let spend = out.column("spend").unwrap().f64().unwrap();
        assert!((spend.get(0).unwrap() + 1.341_640_786).abs() < 1e-6);

        // Replaying on new rows uses what was learned, not the new rows' statistics.
        let new = df!(
            "id" => ["x"], "age" => [None::<i64>], "region" => [Some("W")], "spend" => [2.5],
        )
        .unwrap();
        let out = fitted.transform(&new).unwrap();
        assert_eq!(
            out.column("age").unwrap().get(0).unwrap(),
            AnyValue::Int64(30)
        );
        assert_eq!(
            out.column("region=N").unwrap().get(0).unwrap(),
            AnyValue::Int32(0)
        );
        assert_eq!(
            out.column("spend").unwrap().get(0).unwrap(),
            AnyValue::Float64(0.0)
        );

        // JSON round trip gives the same output.
        let json = serde_json::to_string(&fitted).unwrap();
        let again: FittedRecipe = serde_json::from_str(&json).unwrap();
        assert!(
            again
                .transform(&table())
                .unwrap()
                .equals_missing(&fitted.transform(&table()).unwrap())
        );
    }

    #[test]
    fn missing_column_is_named() {
        let recipe = Recipe {
            steps: vec![Step::DropColumns {
                columns: vec!["nope".into()],
            }],
        };
        let err = recipe.fit_transform(&table()).unwrap_err().to_string();
        assert_eq!(
            err,
            "column 'nope' is not in the data (needed by recipe step 1)"
        );
    }

    #[test]
    fn recipe_json_is_readable() {
        let r = Recipe::from_json(
            r#"{"steps":[{"step":"fill_missing","column":"age","strategy":"median"},
                         {"step":"one_hot","column":"region"}]}"#,
        )
        .unwrap();
        assert_eq!(r.steps.len(), 2);
        let (_, out) = r.fit_transform(&table()).unwrap();
        assert_eq!(
            out.column("age").unwrap().get(1).unwrap(),
            AnyValue::Int64(30)
        );
    }
}
