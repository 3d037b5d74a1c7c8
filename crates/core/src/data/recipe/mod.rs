//! The cleaning recipe: an ordered list of steps, each plain data (serde), so it can be shown,
//! undone, disabled, saved as JSON and replayed on next month's file by column name.
//!
//! One module per step family — columns (drop, rename, type), missing (fill, drop rows), rows
//! (filter, dedupe), numbers (clip, log, scale, bin), categories (one-hot), date_parts, derive —
//! each owning its settings types, its fitting, applying and wording; this file holds the step
//! list (`Step`, serde, the saved JSON), the catalogue the Clean panel offers (`StepKind`), and
//! the dispatch.
//!
//! A [`Recipe`] is what the user asked for. Fitting it on the training rows gives a
//! [`FittedRecipe`], which also holds everything learned from those rows (fill values,
//! categories, means and spreads, clip limits, bin edges, reference dates) and replays it
//! unchanged on any other table. Every step keeps the hidden row-id column ([`super::ROW_ID`]).

use std::collections::HashMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::ROW_ID;
use super::profile::ColumnProfile;
use crate::error::{Error, Result};

mod categories;
mod columns;
mod date_parts;
mod derive;
mod missing;
mod numbers;
mod rows;
mod text;

pub use columns::ColumnType;
pub use date_parts::DateParts;
pub use derive::Arithmetic;
pub use missing::{FillStrategy, FillValue};
pub use numbers::ClipMethod;
pub use rows::FilterOp;

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
    /// Add `<column>_sentiment`: VADER's compound score (−1..1) of each text (English), as
    /// `text --sentiment` computes it; missing texts stay missing.
    Sentiment { column: String },
    /// Add `<column>_theme`: which of `themes` themes (NMF on the training rows' TF-IDF) each
    /// text is mostly about, named by its number and top two terms.
    Themes { column: String, themes: usize },
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
            } => missing::describe_fill(column, *strategy, value.as_deref(), *add_flag),
            Self::DropMissingRows { columns } => {
                format!("Drop rows missing a value in {}", list(columns))
            }
            Self::FilterRows { column, op, value } => rows::describe_filter(column, *op, value),
            Self::RemoveDuplicates { columns } => {
                format!("Remove duplicate rows (by {})", list(columns))
            }
            Self::ClipOutliers { column, method } => numbers::describe_clip(column, *method),
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
            Self::Sentiment { column } => format!("Sentiment of {column} (VADER)"),
            Self::Themes { column, themes } => format!("{themes} themes of {column} (NMF)"),
        }
    }
}

/// The kinds of step, as the Clean panel offers them: the catalogue its add-step form is made
/// from (each [`Step`] variant has one, see [`Step::kind`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StepKind {
    #[default]
    Drop,
    Rename,
    ChangeType,
    Fill,
    DropMissingRows,
    Filter,
    Dedupe,
    Clip,
    Log,
    Standardize,
    MinMax,
    Bin,
    OneHot,
    DateParts,
    Derive,
    Sentiment,
    Themes,
}

impl StepKind {
    pub const ALL: [Self; 17] = [
        Self::Drop,
        Self::Rename,
        Self::ChangeType,
        Self::Fill,
        Self::DropMissingRows,
        Self::Filter,
        Self::Dedupe,
        Self::Clip,
        Self::Log,
        Self::Standardize,
        Self::MinMax,
        Self::Bin,
        Self::OneHot,
        Self::DateParts,
        Self::Derive,
        Self::Sentiment,
        Self::Themes,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Drop => "Drop a column",
            Self::Rename => "Rename a column",
            Self::ChangeType => "Change a column's type",
            Self::Fill => "Fill missing values",
            Self::DropMissingRows => "Drop rows with missing values",
            Self::Filter => "Keep rows where…",
            Self::Dedupe => "Remove duplicate rows",
            Self::Clip => "Clip outliers",
            Self::Log => "Log transform",
            Self::Standardize => "Standardise",
            Self::MinMax => "Scale to 0–1",
            Self::Bin => "Bin into quantiles",
            Self::OneHot => "One-hot encode",
            Self::DateParts => "Date to recency, month, weekday",
            Self::Derive => "New column from two columns",
            Self::Sentiment => "Sentiment of a text",
            Self::Themes => "Themes of a text",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Self::Drop => {
                "Remove a column the model should never see (an ID, a leak from the future)."
            }
            Self::Rename => "Give a column a clearer name.",
            Self::ChangeType => {
                "Read a column as numbers, whole numbers, text, dates or yes/no; values that don't fit become missing."
            }
            Self::Fill => {
                "Replace missing values with the column's mean, median, most frequent value, a value you give, or a \"missing\" category."
            }
            Self::DropMissingRows => {
                "Remove customers with a missing value in a column (or in any column)."
            }
            Self::Filter => "Keep only the customers that meet a condition.",
            Self::Dedupe => "Keep the first of customers that appear more than once.",
            Self::Clip => {
                "Limit extreme values (Tukey's fences at 1.5 IQR) so a few big spenders don't dominate."
            }
            Self::Log => "Replace x by ln(1 + x): tames long-tailed amounts such as spend.",
            Self::Standardize => {
                "Rescale numbers to mean 0 and spread 1, so no column dominates by its units."
            }
            Self::MinMax => "Rescale numbers to run from 0 (the smallest) to 1 (the largest).",
            Self::Bin => {
                "Add a column with the value's quantile group (1 = lowest), e.g. spend quintiles."
            }
            Self::OneHot => "Turn a text column into one yes/no column per category.",
            Self::DateParts => {
                "Add days since the date (to the latest date), its month and its weekday."
            }
            Self::Derive => "Add a column computed from two others, e.g. spend per visit.",
            Self::Sentiment => {
                "Add <column>_sentiment: how positive each text is, from -1 to 1 (VADER, English), a number any model can use."
            }
            Self::Themes => {
                "Add <column>_theme: which of K themes (groups of words texts share, found by NMF on the training rows) each text is mostly about, a category any model can use."
            }
        }
    }

    /// Which columns the step can take.
    pub fn accepts(self, c: &ColumnProfile) -> bool {
        match self {
            Self::Clip
            | Self::Log
            | Self::Standardize
            | Self::MinMax
            | Self::Bin
            | Self::Derive => c.is_numeric(),
            Self::OneHot => !c.is_numeric() && c.dtype != "date",
            Self::Fill => c.missing > 0,
            Self::DateParts => c.dtype == "date" || c.dtype.starts_with("datetime"),
            Self::Sentiment | Self::Themes => c.dtype == "str",
            _ => true,
        }
    }

    /// The extra first entry of the column list, for steps that can take every column.
    pub fn all_entry(self) -> Option<&'static str> {
        match self {
            Self::Standardize | Self::MinMax => Some(ALL_NUMERIC),
            Self::DropMissingRows | Self::Dedupe => Some(ALL_COLUMNS),
            _ => None,
        }
    }
}

/// The entry that stands for every numeric column.
pub const ALL_NUMERIC: &str = "All numeric columns";
/// The entry that stands for every column.
pub const ALL_COLUMNS: &str = "All columns";

impl Step {
    /// Which kind of step this is, in the catalogue.
    pub fn kind(&self) -> StepKind {
        match self {
            Self::DropColumns { .. } => StepKind::Drop,
            Self::Rename { .. } => StepKind::Rename,
            Self::ChangeType { .. } => StepKind::ChangeType,
            Self::FillMissing { .. } => StepKind::Fill,
            Self::DropMissingRows { .. } => StepKind::DropMissingRows,
            Self::FilterRows { .. } => StepKind::Filter,
            Self::RemoveDuplicates { .. } => StepKind::Dedupe,
            Self::ClipOutliers { .. } => StepKind::Clip,
            Self::LogTransform { .. } => StepKind::Log,
            Self::Standardize { .. } => StepKind::Standardize,
            Self::MinMax { .. } => StepKind::MinMax,
            Self::Bin { .. } => StepKind::Bin,
            Self::OneHot { .. } => StepKind::OneHot,
            Self::DateParts { .. } => StepKind::DateParts,
            Self::Derive { .. } => StepKind::Derive,
            Self::Sentiment { .. } => StepKind::Sentiment,
            Self::Themes { .. } => StepKind::Themes,
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
    /// The vocabulary and the themes' term weights (terms × K), each theme's name.
    Themes {
        column: String,
        vectorizer: Box<crate::text::tfidf::Vectorizer>,
        components: Vec<f64>,
        names: Vec<String>,
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

impl FittedRecipe {
    /// Whether each row comes out of the recipe from itself alone (every step but removing
    /// duplicates), so the table can be cleaned piece by piece.
    pub fn is_row_wise(&self) -> bool {
        !self.steps.iter().any(|s| {
            matches!(
                s,
                FittedStep::Plain {
                    step: Step::RemoveDuplicates { .. }
                }
            )
        })
    }
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
        self.fit_transform_owned(df.clone())
    }

    /// [`Recipe::fit_transform`] on a table given up to it: each column a step replaces, and
    /// the rows a filter drops, leave memory as the step is done, where the caller's copy
    /// would keep them (1M customers read in pieces, bench/recipe.json: 208 MB at the peak, not 364).
    pub fn fit_transform_owned(&self, df: DataFrame) -> Result<(FittedRecipe, DataFrame)> {
        let (fitted, out, _) = self.fit_owned(df)?;
        Ok((fitted, out))
    }

    /// Like [`Recipe::fit_transform`], also saying what each step did (disabled steps: `None`).
    pub fn fit_transform_with_effects(
        &self,
        df: &DataFrame,
    ) -> Result<(FittedRecipe, DataFrame, Vec<Option<StepEffect>>)> {
        self.fit_owned(df.clone())
    }

    fn fit_owned(
        &self,
        mut df: DataFrame,
    ) -> Result<(FittedRecipe, DataFrame, Vec<Option<StepEffect>>)> {
        let mut fitted = Vec::with_capacity(self.steps.len());
        let mut effects = Vec::with_capacity(self.steps.len());
        for (i, rs) in self.steps.iter().enumerate() {
            if !rs.enabled {
                effects.push(None);
                continue;
            }
            let before = visible_shape(&df);
            let f = fit_step(&rs.step, &df).map_err(|e| at_step(i, e))?;
            df = apply_step(&f, df).map_err(|e| at_step(i, e))?;
            crate::memory::give_back();
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
            df = apply_step(step, df).map_err(|e| at_step(i, e))?;
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

/// Fits `step` on `df`: what it learns goes into its fitted form; a step that learns nothing
/// is checked now (its columns, a filter's value), so the error names the step.
fn fit_step(step: &Step, df: &DataFrame) -> Result<FittedStep> {
    match step {
        Step::FillMissing {
            column: name,
            strategy,
            value,
            add_flag,
        } => missing::fit_fill(df, name, *strategy, value.as_deref(), *add_flag),
        Step::OneHot {
            column: name,
            max_categories,
        } => categories::fit_one_hot(df, name, *max_categories),
        Step::Standardize { columns } => numbers::fit_scale(df, columns, true),
        Step::MinMax { columns } => numbers::fit_scale(df, columns, false),
        Step::ClipOutliers {
            column: name,
            method,
        } => numbers::fit_clip(df, name, *method),
        Step::Bin { column: name, bins } => numbers::fit_bin(df, name, *bins),
        Step::DateParts {
            column: name,
            parts,
        } => date_parts::fit(df, name, *parts),
        Step::Themes {
            column: name,
            themes,
        } => text::fit_themes(df, name, *themes),
        Step::DropColumns { .. }
        | Step::Rename { .. }
        | Step::ChangeType { .. }
        | Step::DropMissingRows { .. }
        | Step::FilterRows { .. }
        | Step::RemoveDuplicates { .. }
        | Step::LogTransform { .. }
        | Step::Sentiment { .. }
        | Step::Derive { .. } => {
            for name in referenced_columns(step) {
                column(df, name)?;
            }
            if let Step::FilterRows {
                column: name,
                op,
                value,
            } = step
            {
                rows::check_filter(df, name, *op, value)?;
            }
            Ok(FittedStep::Plain { step: step.clone() })
        }
    }
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
        | Step::DateParts { column: c, .. }
        | Step::Themes { column: c, .. }
        | Step::Sentiment { column: c } => vec![c.as_str()],
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

/// Applies a fitted step to `df`, which it owns: what the step replaces is freed with it.
fn apply_step(step: &FittedStep, df: DataFrame) -> Result<DataFrame> {
    match step {
        FittedStep::Plain { step } => apply_plain(step, df),
        FittedStep::FillMissing {
            column: name,
            value,
            add_flag,
        } => missing::apply_fill(&df, name, value, *add_flag),
        FittedStep::OneHot {
            column: name,
            categories,
            other,
        } => categories::apply_one_hot(&df, name, categories, *other),
        FittedStep::Scale { columns } => numbers::apply_scale(&df, columns),
        FittedStep::Clip {
            column: name,
            low,
            high,
        } => numbers::apply_clip(&df, name, *low, *high),
        FittedStep::Bin {
            column: name,
            edges,
        } => numbers::apply_bin(&df, name, edges),
        FittedStep::DateParts {
            column: name,
            reference_day,
            parts,
        } => date_parts::apply(&df, name, *reference_day, *parts),
        FittedStep::Themes {
            column: name,
            vectorizer,
            components,
            names,
        } => text::apply_themes(&df, name, vectorizer, components, names),
    }
}

/// Applies a step that learns nothing (one that does is fitted on `df` first).
fn apply_plain(step: &Step, df: DataFrame) -> Result<DataFrame> {
    match step {
        Step::DropColumns { columns } => columns::drop(&df, columns),
        Step::Rename { from, to } => columns::rename(&df, from, to),
        Step::ChangeType { column: name, to } => columns::change_type(&df, name, *to),
        Step::DropMissingRows { columns } => missing::drop_rows(&df, columns),
        Step::FilterRows {
            column: name,
            op,
            value,
        } => rows::filter(df, name, *op, value),
        Step::RemoveDuplicates { columns } => rows::remove_duplicates(&df, columns),
        Step::LogTransform { column: name } => numbers::log(&df, name),
        Step::Derive {
            name,
            left,
            op,
            right,
        } => derive::apply(&df, name, left, *op, right),
        Step::Sentiment { column: name } => text::sentiment(&df, name),
        // Steps that learn something are applied in their fitted form.
        Step::FillMissing { .. }
        | Step::OneHot { .. }
        | Step::Standardize { .. }
        | Step::MinMax { .. }
        | Step::ClipOutliers { .. }
        | Step::Bin { .. }
        | Step::Themes { .. }
        | Step::DateParts { .. } => apply_step(&fit_step(step, &df)?, df),
    }
}

#[cfg(test)]
mod tests;
