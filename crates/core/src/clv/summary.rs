//! From a table of purchases to one row per customer, as the literature defines it: frequency
//! = repeat purchase occasions (purchases on one day are one occasion), recency = time from the
//! first to the last purchase, T = time from the first purchase to the end of the calibration
//! period, monetary value = the mean value of the repeat occasions; all in the chosen unit, and
//! the purchase occasions after the calibration end (the holdout). Polars does the grouping.

use polars::prelude::*;

use super::{Columns, Unit};
use crate::data::dates;
use crate::data::transactions::column_for;
use crate::error::{Error, Result};

/// One row per customer who bought by the calibration end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub customers: Vec<String>,
    pub frequency: Vec<f64>,
    pub recency: Vec<f64>,
    pub t: Vec<f64>,
    /// Mean value of the repeat occasions (0 without repeats or without an amount column).
    pub monetary: Vec<f64>,
    /// Purchase occasions after the calibration end, up to the last date in the file.
    pub holdout: Vec<f64>,
    /// The calibration end and the last date, as day numbers (days since 1970-01-01).
    pub calibration_end: i32,
    pub observation_end: i32,
    /// Rows left out: no customer or no date.
    pub rows_without_key: usize,
    /// Each customer's first purchase day.
    pub first_day: Vec<i32>,
    /// The days of every repeat purchase occasion of these customers, calibration and
    /// holdout, for the tracking chart.
    pub repeat_days: Vec<i32>,
}

impl Summary {
    /// The holdout period's length in units (0 when the calibration ends at the last date).
    pub fn holdout_length(&self, unit: Unit) -> f64 {
        f64::from(self.observation_end - self.calibration_end) / unit.days()
    }

    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
}

fn as_f64(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect())
}

/// Summarises the purchases in `df` per customer.
pub fn summarise(
    df: &DataFrame,
    columns: &Columns,
    calibration_end: Option<i32>,
    unit: Unit,
) -> Result<Summary> {
    let find = |name: &str, role: &str| column_for(df, name, role);
    let customer = find(&columns.customer, "customer")?.cast(&DataType::String)?;
    let days = dates::day_numbers(find(&columns.date, "date")?)?;
    let amount: Vec<Option<f64>> = match &columns.amount {
        Some(a) => {
            let c = find(a, "amount")?;
            if !(c.dtype().is_primitive_numeric()) {
                return Err(Error::InvalidInput(format!(
                    "column '{a}' is {}, not amounts: pick the column of order values",
                    c.dtype()
                )));
            }
            let values = c.cast(&DataType::Float64)?;
            match &columns.quantity {
                Some(q) => {
                    let units = find(q, "quantity")?;
                    if !units.dtype().is_primitive_numeric() {
                        return Err(Error::InvalidInput(format!(
                            "column '{q}' is {}, not quantities: pick the column of units per line",
                            units.dtype()
                        )));
                    }
                    let units = units.cast(&DataType::Float64)?;
                    (values.as_materialized_series() * units.as_materialized_series())?
                        .f64()?
                        .iter()
                        .collect()
                }
                None => values.f64()?.iter().collect(),
            }
        }
        None => vec![Some(0.0); df.height()],
    };
    let table = DataFrame::new_infer_height(vec![
        customer.with_name("customer".into()),
        Column::new("day".into(), days),
        Column::new("amount".into(), amount),
    ])?;
    let rows = table.height();
    let table = table.drop_nulls(Some(&["customer".to_owned(), "day".to_owned()]))?;
    let rows_without_key = rows - table.height();
    if table.height() == 0 {
        return Err(Error::InvalidInput(format!(
            "no purchase has both a customer ('{}') and a date ('{}')",
            columns.customer, columns.date
        )));
    }
    let day_range = table.column("day")?.i32()?;
    let observation_end = day_range.max().unwrap_or(0);
    let first_day = day_range.min().unwrap_or(0);
    let calibration_end = calibration_end.unwrap_or(observation_end);
    if calibration_end < first_day {
        return Err(Error::InvalidInput(
            "the calibration period ends before the first purchase: pick a later date".into(),
        ));
    }
    // Purchases on one day are one occasion.
    let occasions = table
        .lazy()
        .group_by([col("customer"), col("day")])
        .agg([col("amount").sum()])
        // A day that is only a refund (its lines sum below 0) is not a purchase.
        .filter(col("amount").gt_eq(lit(0.0)))
        .sort(["customer", "day"], SortMultipleOptions::default())
        .collect()?;
    let (first_days, repeat_days) = first_and_repeat_days(&occasions, calibration_end)?;
    let calibration = occasions
        .clone()
        .lazy()
        .filter(col("day").lt_eq(lit(calibration_end)))
        .group_by_stable([col("customer")])
        .agg([
            col("day").first().alias("first"),
            col("day").last().alias("last"),
            col("day").count().alias("occasions"),
            col("amount").sum().alias("total"),
            col("amount").first().alias("first_amount"),
        ]);
    let holdout = occasions
        .lazy()
        .filter(col("day").gt(lit(calibration_end)))
        .group_by([col("customer")])
        .agg([col("day").count().alias("holdout")]);
    let joined = calibration
        .join(
            holdout,
            [col("customer")],
            [col("customer")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(["customer"], SortMultipleOptions::default())
        .collect()?;
    let customers: Vec<String> = joined
        .column("customer")?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_owned())
        .collect();
    let first = as_f64(&joined, "first")?;
    let last = as_f64(&joined, "last")?;
    let count = as_f64(&joined, "occasions")?;
    let total = as_f64(&joined, "total")?;
    let first_amount = as_f64(&joined, "first_amount")?;
    let holdout = as_f64(&joined, "holdout")?;
    let u = unit.days();
    let end = f64::from(calibration_end);
    let first_day = customers
        .iter()
        .map(|c| {
            first_days
                .get(c.as_str())
                .copied()
                .unwrap_or(calibration_end)
        })
        .collect();
    let frequency: Vec<f64> = count.iter().map(|c| c - 1.0).collect();
    Ok(Summary {
        recency: last.iter().zip(&first).map(|(l, f)| (l - f) / u).collect(),
        t: first.iter().map(|f| (end - f) / u).collect(),
        monetary: frequency
            .iter()
            .zip(total.iter().zip(&first_amount))
            .map(|(&x, (t, f))| if x > 0.0 { (t - f) / x } else { 0.0 })
            .collect(),
        frequency,
        holdout,
        customers,
        calibration_end,
        observation_end,
        rows_without_key,
        first_day,
        repeat_days,
    })
}

/// From the occasions sorted by customer and day: each customer's first day, and the days of
/// the repeat occasions of customers who bought by the calibration end.
fn first_and_repeat_days(
    occasions: &DataFrame,
    calibration_end: i32,
) -> Result<(std::collections::HashMap<String, i32>, Vec<i32>)> {
    let customers = occasions.column("customer")?.str()?;
    let days = occasions.column("day")?.i32()?;
    let mut first = std::collections::HashMap::new();
    let mut repeats = Vec::new();
    let mut current: Option<(&str, i32)> = None;
    for (c, d) in customers.iter().zip(days.iter()) {
        let (Some(c), Some(d)) = (c, d) else { continue };
        match current {
            Some((name, first_day)) if name == c => {
                if first_day <= calibration_end {
                    repeats.push(d);
                }
            }
            _ => {
                current = Some((c, d));
                first.insert(c.to_owned(), d);
            }
        }
    }
    Ok((first, repeats))
}
