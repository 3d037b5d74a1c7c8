//! RFM from a transaction table (one row per purchase: customer, date, amount): per customer the
//! recency (days since the last purchase, up to the day after the latest purchase in the file),
//! the frequency (purchases) and the monetary value (total spent), each scored 1–5 by quintile
//! (5 = most recent / most frequent / biggest), and a named segment from R and F.

use polars::prelude::*;

use super::dates;
use crate::error::{Error, Result};

/// The segment a customer's recency and frequency scores (1–5) put them in.
pub fn segment_name(r: u8, f: u8) -> &'static str {
    match (r, f) {
        (4..=5, 4..=5) => "Champions",
        (1, 4..=5) => "Can't lose them",
        (1..=2, 3..=5) => "At risk",
        (3, 4..=5) => "Loyal",
        (4..=5, 2..=3) => "Potential loyalists",
        (4..=5, 1) => "New customers",
        (1, 1) => "Lost",
        (1..=2, 1..=2) => "Hibernating",
        _ => "Need attention",
    }
}

/// Quintile score 1–5 of each value (ties share a score); `higher_is_better` flips recency.
fn scores(values: &[f64], higher_is_better: bool) -> Vec<u8> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    values
        .iter()
        .map(|v| {
            // Where the value sits between the smallest (0) and the largest (n − 1): its fifth.
            let below = sorted.partition_point(|x| x < v);
            let q = ((below * 5) / (n - 1).max(1)).min(4) as u8 + 1;
            if higher_is_better { q } else { 6 - q }
        })
        .collect()
}

/// The RFM table of `transactions`.
pub fn rfm(
    transactions: &DataFrame,
    customer: &str,
    date: &str,
    amount: &str,
) -> Result<DataFrame> {
    let col = |name: &str| {
        transactions
            .column(name)
            .map_err(|_| Error::missing_column(name, "needed for RFM"))
    };
    let days = dates::day_numbers(col(date)?)?;
    let amounts = col(amount)?;
    if !amounts.dtype().is_primitive_numeric() {
        return Err(Error::InvalidInput(format!(
            "column '{amount}' must hold amounts (numbers)"
        )));
    }
    let base = DataFrame::new(
        transactions.height(),
        vec![
            col(customer)?
                .cast(&DataType::String)?
                .with_name("customer".into()),
            Column::new("day".into(), days),
            amounts.cast(&DataType::Float64)?.with_name("amount".into()),
        ],
    )?;
    let grouped = base
        .lazy()
        .filter(
            col_expr("customer")
                .is_not_null()
                .and(col_expr("day").is_not_null()),
        )
        .group_by_stable([col_expr("customer")])
        .agg([
            col_expr("day").max().alias("last_day"),
            col_expr("day").count().alias("frequency"),
            col_expr("amount").sum().alias("monetary"),
        ])
        .collect()?;
    if grouped.height() == 0 {
        return Err(Error::InvalidInput(
            "no transactions with a customer and a date".into(),
        ));
    }
    let last: Vec<f64> = grouped
        .column("last_day")?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let as_of = last.iter().copied().fold(f64::NEG_INFINITY, f64::max) + 1.0;
    let recency: Vec<f64> = last.iter().map(|d| as_of - d).collect();
    let frequency: Vec<f64> = grouped
        .column("frequency")?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let monetary: Vec<f64> = grouped
        .column("monetary")?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let (r, f, m) = (
        scores(&recency, false),
        scores(&frequency, true),
        scores(&monetary, true),
    );
    let segment: Vec<&str> = r
        .iter()
        .zip(&f)
        .map(|(&r, &f)| segment_name(r, f))
        .collect();
    let as_i32 = |v: &[u8]| v.iter().map(|&x| i32::from(x)).collect::<Vec<_>>();
    Ok(DataFrame::new(
        grouped.height(),
        vec![
            grouped
                .column("customer")?
                .clone()
                .with_name(customer.into()),
            Column::new(
                "recency_days".into(),
                recency.iter().map(|&d| d as i64).collect::<Vec<_>>(),
            ),
            Column::new(
                "frequency".into(),
                frequency.iter().map(|&d| d as i64).collect::<Vec<_>>(),
            ),
            Column::new("monetary".into(), monetary),
            Column::new("r_score".into(), as_i32(&r)),
            Column::new("f_score".into(), as_i32(&f)),
            Column::new("m_score".into(), as_i32(&m)),
            Column::new("rfm_segment".into(), segment),
        ],
    )?)
}

fn col_expr(name: &str) -> Expr {
    polars::prelude::col(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfm_by_hand() {
        let t = df!(
            "cust" => ["a", "a", "a", "b", "c", "c"],
            "when" => ["2024-01-01", "2024-03-01", "2024-03-30", "2023-06-01", "2024-03-31", "2024-02-01"],
            "spent" => [10.0, 20.0, 30.0, 5.0, 100.0, 1.0],
        )
        .unwrap();
        let out = rfm(&t, "cust", "when", "spent").unwrap();
        assert_eq!(out.height(), 3);
        let row = |name: &str, i: usize| out.column(name).unwrap().get(i).unwrap();
        // Customers in order of first appearance: a, b, c. As of 2024-04-01.
        assert_eq!(row("recency_days", 0), AnyValue::Int64(2));
        assert_eq!(row("recency_days", 1), AnyValue::Int64(305));
        assert_eq!(row("recency_days", 2), AnyValue::Int64(1));
        assert_eq!(row("frequency", 0), AnyValue::Int64(3));
        assert_eq!(row("monetary", 2), AnyValue::Float64(101.0));
        // b is the least recent and least frequent of three; c the most recent.
        assert_eq!(row("r_score", 1), AnyValue::Int32(1));
        assert_eq!(row("f_score", 1), AnyValue::Int32(1));
        assert_eq!(row("r_score", 2), AnyValue::Int32(5));
        assert_eq!(row("m_score", 2), AnyValue::Int32(5));
        assert_eq!(row("rfm_segment", 1).get_str(), Some("Lost"));
        assert_eq!(segment_name(5, 5), "Champions");
        assert_eq!(segment_name(1, 1), "Lost");
        assert_eq!(segment_name(2, 4), "At risk");
    }
}
