//! The cleaning recipe: an ordered list of steps, each plain data (serde), so it can be shown,
//! undone, disabled, saved as JSON and replayed on next month's file by column name.
//!
//! A [`Recipe`] is what the user asked for. Fitting it on the training rows gives a
//! [`FittedRecipe`], which also holds everything learned from those rows (fill values,
//! categories, means and spreads, clip limits, bin edges, reference dates) and replays it
//! unchanged on any other table. Every step keeps the hidden row-id column ([`super::ROW_ID`]).

use std::collections::{HashMap, HashSet};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{ROW_ID, dates, median};
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

/// How to find outliers to clip.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ClipMethod {
    /// Beyond `k` interquartile ranges outside the quartiles (Tukey's fences; k = 1.5 usually).
    Iqr { k: f64 },
    /// Below the `low` and above the `high` percentile (0–100).
    Percentiles { low: f64, high: f64 },
}

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

fn default_max_categories() -> usize {
    20
}

/// One cleaning step, as the user configured it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Remove columns.
    DropColumns { columns: Vec<String> },
    /// Give a column a new name.
    Rename { from: String, to: String },
    /// Convert a column (values that don't convert become missing).
    ChangeType { column: String, to: ColumnType },
    /// Replace missing values, optionally adding a `<column>_was_missing` 0/1 column first.
    FillMissing {
        column: String,
        strategy: FillStrategy,
        /// The value for [`FillStrategy::Constant`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(default)]
        add_flag: bool,
    },
    /// Remove rows with a missing value in any of `columns` (any column when empty).
    DropMissingRows {
        #[serde(default)]
        columns: Vec<String>,
    },
    /// Keep only rows where `column op value` holds.
    FilterRows {
        column: String,
        op: FilterOp,
        #[serde(default)]
        value: String,
    },
    /// Keep the first of rows that are equal in `columns` (all columns when empty).
    RemoveDuplicates {
        #[serde(default)]
        columns: Vec<String>,
    },
    /// Limit extreme values to limits learned from the training rows.
    ClipOutliers { column: String, method: ClipMethod },
    /// Replace x by ln(1 + x) (x ≤ −1 becomes missing).
    LogTransform { column: String },
    /// Rescale to mean 0 and standard deviation 1 (of the training rows).
    Standardize { columns: Vec<String> },
    /// Rescale to 0–1 (the training rows' minimum and maximum).
    MinMax { columns: Vec<String> },
    /// Add `<column>_bin`: the quantile bin (1..=bins) of each value, edges from the training rows.
    Bin { column: String, bins: usize },
    /// Replace a text column by one 0/1 column per category (the most frequent
    /// `max_categories`; the rest go to `<column>=other`).
    OneHot {
        column: String,
        #[serde(default = "default_max_categories")]
        max_categories: usize,
    },
    /// Add `<column>_days_since`, `<column>_month`, `<column>_weekday` from a date column.
    DateParts {
        column: String,
        #[serde(default)]
        parts: DateParts,
    },
    /// Add a column `name` = `left op right` (division by zero gives missing).
    Derive {
        name: String,
        left: String,
        op: Arithmetic,
        right: String,
    },
}

impl Step {
    /// A short sentence for the recipe list.
    pub fn describe(&self) -> String {
        let list = |c: &[String]| {
            if c.is_empty() {
                "every column".to_owned()
            } else {
                c.join(", ")
            }
        };
        match self {
            Self::DropColumns { columns } => format!("Drop {}", columns.join(", ")),
            Self::Rename { from, to } => format!("Rename {from} to {to}"),
            Self::ChangeType { column, to } => format!("Make {column} a {}", to.label()),
            Self::FillMissing {
                column,
                strategy,
                value,
                add_flag,
            } => {
                let with = match strategy {
                    FillStrategy::Constant => format!("\"{}\"", value.as_deref().unwrap_or("")),
                    s => format!("the {}", s.label()),
                };
                let flag = if *add_flag { " (flag them first)" } else { "" };
                format!("Fill missing {column} with {with}{flag}")
            }
            Self::DropMissingRows { columns } => {
                format!("Drop rows missing a value in {}", list(columns))
            }
            Self::FilterRows { column, op, value } => {
                if op.takes_value() {
                    format!("Keep rows where {column} {} {value}", op.label())
                } else {
                    format!("Keep rows where {column} {}", op.label())
                }
            }
            Self::RemoveDuplicates { columns } => {
                format!("Remove duplicate rows (by {})", list(columns))
            }
            Self::ClipOutliers { column, method } => match method {
                ClipMethod::Iqr { k } => format!("Clip {column} at {k} IQR beyond the quartiles"),
                ClipMethod::Percentiles { low, high } => {
                    format!("Clip {column} to its {low}th–{high}th percentiles")
                }
            },
            Self::LogTransform { column } => format!("Log-transform {column}"),
            Self::Standardize { columns } => format!("Standardise {}", columns.join(", ")),
            Self::MinMax { columns } => format!("Scale {} to 0–1", columns.join(", ")),
            Self::Bin { column, bins } => format!("Bin {column} into {bins} quantiles"),
            Self::OneHot {
                column,
                max_categories,
            } => format!("One-hot encode {column} (up to {max_categories} categories)"),
            Self::DateParts { column, .. } => format!("Date parts of {column}"),
            Self::Derive {
                name,
                left,
                op,
                right,
            } => format!("{name} = {left} {} {right}", op.symbol()),
        }
    }
}

/// A step in a recipe, with whether it is switched on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecipeStep {
    #[serde(flatten)]
    pub step: Step,
    #[serde(default = "enabled_default", skip_serializing_if = "is_true")]
    pub enabled: bool,
}

fn enabled_default() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl From<Step> for RecipeStep {
    fn from(step: Step) -> Self {
        Self {
            step,
            enabled: true,
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
#[serde(tag = "fitted", rename_all = "snake_case")]
pub enum FittedStep {
    /// A step that learns nothing: replayed as configured.
    Plain {
        step: Step,
    },
    FillMissing {
        column: String,
        value: FillValue,
        add_flag: bool,
    },
    OneHot {
        column: String,
        categories: Vec<String>,
        /// Whether training had categories beyond the cap (an `=other` column exists).
        other: bool,
    },
    /// `(x − offset) / divisor` per column (standardise and min-max).
    Scale {
        columns: Vec<(String, f64, f64)>,
    },
    Clip {
        column: String,
        low: f64,
        high: f64,
    },
    /// Inner bin edges, ascending (`bins − 1` of them).
    Bin {
        column: String,
        edges: Vec<f64>,
    },
    DateParts {
        column: String,
        /// Days since 1970-01-01 of the latest training date.
        reference_day: i32,
        parts: DateParts,
    },
}

/// What one step did to the table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEffect {
    pub rows_before: usize,
    pub rows_after: usize,
    pub columns_before: usize,
    pub columns_after: usize,
    pub missing_before: usize,
    pub missing_after: usize,
}

/// The user's recipe.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub steps: Vec<RecipeStep>,
}

/// A recipe fitted on training rows; replays the same transformation on any table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FittedRecipe {
    pub steps: Vec<FittedStep>,
}

fn visible_shape(df: &DataFrame) -> (usize, usize, usize) {
    let cols = df.columns().iter().filter(|c| c.name().as_str() != ROW_ID);
    let (mut n, mut missing) = (0, 0);
    for c in cols {
        n += 1;
        missing += c.null_count();
    }
    (df.height(), n, missing)
}

impl Recipe {
    /// Reads a recipe saved as JSON.
    pub fn from_json(text: &str) -> std::result::Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Reads a recipe file, saying where it is wrong.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&text).map_err(|e| {
            Error::bad_file(
                path,
                format!(
                    "is not a recipe (line {}, column {}: {e})",
                    e.line(),
                    e.column()
                ),
            )
        })
    }

    /// The recipe as pretty JSON (what [`Recipe::from_json`] reads).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Appends an enabled step.
    pub fn push(&mut self, step: Step) {
        self.steps.push(step.into());
    }

    /// Fits each enabled step on `df` (as transformed by the steps before it) and returns the
    /// fitted recipe with the transformed table.
    pub fn fit_transform(&self, df: &DataFrame) -> Result<(FittedRecipe, DataFrame)> {
        let (fitted, out, _) = self.fit_transform_with_effects(df)?;
        Ok((fitted, out))
    }

    /// Like [`Recipe::fit_transform`], also saying what each step did (disabled steps: `None`).
    pub fn fit_transform_with_effects(
        &self,
        df: &DataFrame,
    ) -> Result<(FittedRecipe, DataFrame, Vec<Option<StepEffect>>)> {
        let mut df = df.clone();
        let mut fitted = Vec::with_capacity(self.steps.len());
        let mut effects = Vec::with_capacity(self.steps.len());
        for (i, rs) in self.steps.iter().enumerate() {
            if !rs.enabled {
                effects.push(None);
                continue;
            }
            let before = visible_shape(&df);
            let f = fit_step(&rs.step, &df).map_err(|e| at_step(i, e))?;
            df = apply_step(&f, &df).map_err(|e| at_step(i, e))?;
            let after = visible_shape(&df);
            effects.push(Some(StepEffect {
                rows_before: before.0,
                rows_after: after.0,
                columns_before: before.1,
                columns_after: after.1,
                missing_before: before.2,
                missing_after: after.2,
            }));
            fitted.push(f);
        }
        Ok((FittedRecipe { steps: fitted }, df, effects))
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
        Error::InvalidInput(m) => Error::InvalidInput(format!("recipe step {}: {m}", index + 1)),
        other => other,
    }
}

fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    if name == ROW_ID {
        return Err(Error::missing_column(name, ""));
    }
    df.column(name).map_err(|_| Error::missing_column(name, ""))
}

fn is_numeric(c: &Column) -> bool {
    c.dtype().is_primitive_numeric() || c.dtype().is_bool()
}

fn not_numbers(c: &Column) -> Error {
    Error::InvalidInput(format!(
        "column '{}' is {}, not numbers",
        c.name(),
        c.dtype()
    ))
}

fn f64_column(c: &Column) -> Result<Float64Chunked> {
    if !is_numeric(c) {
        return Err(not_numbers(c));
    }
    Ok(c.cast(&DataType::Float64)?.f64()?.clone())
}

fn numeric_values(c: &Column) -> Result<Vec<f64>> {
    Ok(f64_column(c)?
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

/// The `q`-quantile (0..1) of sorted values, linear between neighbours.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn sorted_values(c: &Column) -> Result<Vec<f64>> {
    let mut v = numeric_values(c)?;
    v.sort_by(f64::total_cmp);
    Ok(v)
}

fn no_values(name: &str) -> Error {
    Error::InvalidInput(format!("column '{name}' has no values to learn from"))
}

fn fit_step(step: &Step, df: &DataFrame) -> Result<FittedStep> {
    let plain = || FittedStep::Plain { step: step.clone() };
    Ok(match step {
        Step::FillMissing {
            column: name,
            strategy,
            value,
            add_flag,
        } => {
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
                    let v = value.clone().unwrap_or_default();
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
            FittedStep::FillMissing {
                column: name.clone(),
                value: fill,
                add_flag: *add_flag,
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
        Step::Standardize { columns } | Step::MinMax { columns } => {
            let standardize = matches!(step, Step::Standardize { .. });
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
            FittedStep::Scale { columns: fitted }
        }
        Step::ClipOutliers {
            column: name,
            method,
        } => {
            let v = sorted_values(column(df, name)?)?;
            let q = |p: f64| quantile_sorted(&v, p).ok_or_else(|| no_values(name));
            let (low, high) = match method {
                ClipMethod::Iqr { k } => {
                    let (q1, q3) = (q(0.25)?, q(0.75)?);
                    (q1 - k * (q3 - q1), q3 + k * (q3 - q1))
                }
                ClipMethod::Percentiles { low, high } => (q(low / 100.0)?, q(high / 100.0)?),
            };
            FittedStep::Clip {
                column: name.clone(),
                low,
                high,
            }
        }
        Step::Bin { column: name, bins } => {
            let v = sorted_values(column(df, name)?)?;
            let bins = (*bins).clamp(2, 100);
            let mut edges: Vec<f64> = (1..bins)
                .filter_map(|i| quantile_sorted(&v, i as f64 / bins as f64))
                .collect();
            if edges.is_empty() {
                return Err(no_values(name));
            }
            edges.dedup();
            FittedStep::Bin {
                column: name.clone(),
                edges,
            }
        }
        Step::DateParts {
            column: name,
            parts,
        } => {
            let days = dates::day_numbers(column(df, name)?)?;
            let reference_day = days
                .iter()
                .flatten()
                .copied()
                .max()
                .ok_or_else(|| no_values(name))?;
            FittedStep::DateParts {
                column: name.clone(),
                reference_day,
                parts: *parts,
            }
        }
        Step::DropColumns { .. }
        | Step::Rename { .. }
        | Step::ChangeType { .. }
        | Step::DropMissingRows { .. }
        | Step::FilterRows { .. }
        | Step::RemoveDuplicates { .. }
        | Step::LogTransform { .. }
        | Step::Derive { .. } => {
            // Check now what can be checked, so the error names the step.
            for name in referenced_columns(step) {
                column(df, name)?;
            }
            if let Step::FilterRows {
                column: name,
                op,
                value,
            } = step
            {
                filter_mask(&column(df, name)?.head(Some(0)), *op, value)?;
            }
            plain()
        }
    })
}

/// The columns a step reads.
fn referenced_columns(step: &Step) -> Vec<&str> {
    match step {
        Step::DropColumns { columns }
        | Step::DropMissingRows { columns }
        | Step::RemoveDuplicates { columns }
        | Step::Standardize { columns }
        | Step::MinMax { columns } => columns.iter().map(String::as_str).collect(),
        Step::Rename { from: c, .. }
        | Step::ChangeType { column: c, .. }
        | Step::FillMissing { column: c, .. }
        | Step::FilterRows { column: c, .. }
        | Step::ClipOutliers { column: c, .. }
        | Step::LogTransform { column: c }
        | Step::Bin { column: c, .. }
        | Step::OneHot { column: c, .. }
        | Step::DateParts { column: c, .. } => vec![c.as_str()],
        Step::Derive { left, right, .. } => vec![left.as_str(), right.as_str()],
    }
}

fn with_columns(df: &DataFrame, columns: Vec<Column>) -> Result<DataFrame> {
    let mut out = df.clone();
    for c in columns {
        out.with_column(c)?;
    }
    Ok(out)
}

fn apply_step(step: &FittedStep, df: &DataFrame) -> Result<DataFrame> {
    Ok(match step {
        FittedStep::Plain { step } => apply_plain(step, df)?,
        FittedStep::FillMissing {
            column: name,
            value,
            add_flag,
        } => {
            let c = column(df, name)?;
            let filled = match value {
                FillValue::Number(x) => {
                    let f: Float64Chunked = f64_column(c)?
                        .iter()
                        .map(|v| Some(v.unwrap_or(*x)))
                        .collect();
                    let f = f.into_column();
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
            if *add_flag {
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
        FittedStep::Scale { columns } => {
            let mut new = Vec::with_capacity(columns.len());
            for (name, offset, divisor) in columns {
                let f = f64_column(column(df, name)?)?;
                let scaled: Float64Chunked = f.apply_values(|x| (x - offset) / divisor);
                new.push(scaled.into_column().with_name(name.as_str().into()));
            }
            with_columns(df, new)?
        }
        FittedStep::Clip {
            column: name,
            low,
            high,
        } => {
            let c = column(df, name)?;
            let f = f64_column(c)?;
            let clipped: Float64Chunked = f.apply_values(|x| x.clamp(*low, *high));
            let mut col = clipped.into_column();
            if c.dtype().is_integer() && low.fract() == 0.0 && high.fract() == 0.0 {
                col = col.cast(c.dtype())?;
            }
            with_columns(df, vec![col.with_name(name.as_str().into())])?
        }
        FittedStep::Bin {
            column: name,
            edges,
        } => {
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
            out
        }
        FittedStep::DateParts {
            column: name,
            reference_day,
            parts,
        } => {
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
            out
        }
    })
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

fn apply_plain(step: &Step, df: &DataFrame) -> Result<DataFrame> {
    Ok(match step {
        Step::DropColumns { columns } => {
            for c in columns {
                column(df, c)?;
            }
            df.drop_many(columns.iter().map(String::as_str))
        }
        Step::Rename { from, to } => {
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
            out
        }
        Step::ChangeType { column: name, to } => {
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
            with_columns(df, vec![converted.with_name(name.as_str().into())])?
        }
        Step::DropMissingRows { columns } => {
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
                columns.clone()
            };
            df.drop_nulls(Some(subset.as_slice()))?
        }
        Step::FilterRows {
            column: name,
            op,
            value,
        } => {
            let mask = filter_mask(column(df, name)?, *op, value)?;
            df.filter(&mask)?
        }
        Step::RemoveDuplicates { columns } => {
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
            df.filter(&keep)?
        }
        Step::LogTransform { column: name } => {
            let f = f64_column(column(df, name)?)?;
            let logged: Float64Chunked = f
                .iter()
                .map(|v| v.and_then(|x| (x > -1.0).then(|| x.ln_1p())))
                .collect();
            with_columns(
                df,
                vec![logged.into_column().with_name(name.as_str().into())],
            )?
        }
        Step::Derive {
            name,
            left,
            op,
            right,
        } => {
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
            out
        }
        // Steps that learn something are applied in their fitted form.
        Step::FillMissing { .. }
        | Step::OneHot { .. }
        | Step::Standardize { .. }
        | Step::MinMax { .. }
        | Step::ClipOutliers { .. }
        | Step::Bin { .. }
        | Step::DateParts { .. } => {
            let fitted = fit_step(step, df)?;
            apply_step(&fitted, df)?
        }
    })
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

#[cfg(test)]
mod tests;
