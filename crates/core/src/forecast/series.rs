//! From a table to time series: the date column read (any accepted date form), rows grouped
//! into periods of a frequency (guessed from the dates' spacing unless chosen), a value
//! aggregated per period (sum, mean or a count of rows), one series per group when a group
//! column is given, and the gaps between periods filled explicitly (and marked).

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::dates;
use crate::error::{Error, Result};

/// How often a series has a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Freq {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Freq {
    pub const ALL: [Freq; 5] = [
        Freq::Day,
        Freq::Week,
        Freq::Month,
        Freq::Quarter,
        Freq::Year,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Freq::Day => "day",
            Freq::Week => "week",
            Freq::Month => "month",
            Freq::Quarter => "quarter",
            Freq::Year => "year",
        }
    }

    /// The usual seasonal period: a week of days, a year of weeks, months or quarters.
    pub fn season(self) -> usize {
        match self {
            Freq::Day => 7,
            Freq::Week => 52,
            Freq::Month => 12,
            Freq::Quarter => 4,
            Freq::Year => 1,
        }
    }

    /// The period a day falls in (weeks start on Monday), as a whole number that counts
    /// periods.
    pub fn period_of(self, day: i32) -> i64 {
        let (y, m, _) = dates::ymd(day);
        let months = i64::from(y - 1970) * 12 + i64::from(m) - 1;
        match self {
            Freq::Day => i64::from(day),
            // 1970-01-05 was a Monday (day 4).
            Freq::Week => i64::from(day - 4).div_euclid(7),
            Freq::Month => months,
            Freq::Quarter => months.div_euclid(3),
            Freq::Year => i64::from(y - 1970),
        }
    }

    /// The first day of a period.
    pub fn start_day(self, period: i64) -> i32 {
        let first_of = |months: i64| {
            let y = 1970 + months.div_euclid(12) as i32;
            let m = months.rem_euclid(12) as u32 + 1;
            dates::from_ymd(y, m, 1).unwrap_or_default()
        };
        match self {
            Freq::Day => period as i32,
            Freq::Week => period as i32 * 7 + 4,
            Freq::Month => first_of(period),
            Freq::Quarter => first_of(period * 3),
            Freq::Year => first_of(period * 12),
        }
    }

    /// The position of a period within its season, 0-based (month of the year, weekday, …).
    pub fn position_in_season(self, period: i64, season: usize) -> usize {
        match self {
            // Day 0 was a Thursday: Monday = 0.
            Freq::Day if season == 7 => (period + 3).rem_euclid(7) as usize,
            _ => period.rem_euclid(season.max(1) as i64) as usize,
        }
    }

    /// The frequency whose spacing is nearest to `days` between consecutive dates.
    fn nearest(days: f64) -> Freq {
        let spacing = [1.0, 7.0, 30.44, 91.31, 365.25];
        let mut best = (Freq::Day, f64::INFINITY);
        for (f, s) in Freq::ALL.into_iter().zip(spacing) {
            let d = (days.max(0.5) / s).ln().abs();
            if d < best.1 {
                best = (f, d);
            }
        }
        best.0
    }
}

/// How the rows of a period become its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Agg {
    Sum,
    Mean,
    Count,
}

impl Agg {
    pub const ALL: [Agg; 3] = [Agg::Sum, Agg::Mean, Agg::Count];

    pub fn name(self) -> &'static str {
        match self {
            Agg::Sum => "sum",
            Agg::Mean => "mean",
            Agg::Count => "count",
        }
    }
}

/// Which columns make the series, and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesSpec {
    pub date: String,
    /// The value column; without it, each period's value is its number of rows.
    pub value: Option<String>,
    /// One series per value of this column.
    pub by: Option<String>,
    /// Guessed from the dates when `None`.
    pub freq: Option<Freq>,
    /// Sum with a value column, count without one, when `None`.
    pub agg: Option<Agg>,
}

impl SeriesSpec {
    pub fn new(date: impl Into<String>) -> Self {
        Self {
            date: date.into(),
            value: None,
            by: None,
            freq: None,
            agg: None,
        }
    }

    /// The aggregation in effect.
    pub fn agg(&self) -> Agg {
        match (self.agg, &self.value) {
            (Some(a), Some(_)) => a,
            (_, None) => Agg::Count,
            (None, Some(_)) => Agg::Sum,
        }
    }
}

/// One series: a value per period, from `start` on, without gaps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The group's value (`None` for the series of all rows).
    pub group: Option<String>,
    pub freq: Freq,
    /// The first period (see [`Freq::period_of`]).
    pub start: i64,
    pub values: Vec<f64>,
    /// Periods that had no rows, filled (0 for sums and counts, the straight line between
    /// neighbours for means).
    pub filled: Vec<bool>,
}

impl Series {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The first day of the `i`-th period (may be past the data, for forecasts).
    pub fn day(&self, i: usize) -> i32 {
        self.freq.start_day(self.start + i as i64)
    }

    /// The label of a group, or "all" for the series of every row.
    pub fn label(&self) -> &str {
        self.group.as_deref().unwrap_or("all")
    }

    pub fn gaps(&self) -> usize {
        self.filled.iter().filter(|f| **f).count()
    }
}

/// The series of a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesSet {
    pub freq: Freq,
    /// Whether the frequency was guessed (not chosen).
    pub freq_guessed: bool,
    pub agg: Agg,
    /// The series of all rows together (with a group column too: the total, or the mean over
    /// every row).
    pub total: Series,
    /// One per group value, in the order of their totals (largest first); empty without a
    /// group column.
    pub groups: Vec<Series>,
    /// Rows left out because their date (or value) was missing.
    pub rows_skipped: usize,
    /// The first day of the last period when it was left out: the dates are finer than the
    /// period and stop before its end (a week of orders holding only its Monday), so its sum
    /// or count would read as a collapse.
    pub partial_period_dropped: Option<i32>,
}

/// The frequency a date column suggests: the median spacing of its distinct dates; dates that
/// repeat a lot (an event log: orders, visits) on a daily spacing are read weekly, the grain
/// plans are made in.
pub fn guess_freq(days: &[i32]) -> Option<Freq> {
    let mut distinct: Vec<i32> = days.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 2 {
        return None;
    }
    let mut gaps: Vec<f64> = distinct
        .windows(2)
        .map(|w| f64::from(w[1] - w[0]))
        .collect();
    let freq = spacing(&mut gaps);
    if freq == Freq::Day && days.len() as f64 >= 2.0 * distinct.len() as f64 {
        return Some(Freq::Week);
    }
    Some(freq)
}

/// The frequency nearest to the median gap between consecutive distinct dates.
fn spacing(gaps: &mut [f64]) -> Freq {
    let mid = gaps.len() / 2;
    let (_, median, _) = gaps.select_nth_unstable_by(mid, f64::total_cmp);
    Freq::nearest(*median)
}

/// Whether the period `last` is cut short: the dates come finer than `freq` (days within
/// weeks, months within quarters) and the latest of them, `max_day`, stops before the period's
/// last step at that finer spacing.
fn cut_short(known: &[i32], freq: Freq, last: i64, max_day: i32) -> bool {
    let mut distinct: Vec<i32> = known.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 2 {
        return false;
    }
    let mut gaps: Vec<f64> = distinct
        .windows(2)
        .map(|w| f64::from(w[1] - w[0]))
        .collect();
    let fine = spacing(&mut gaps);
    if Freq::ALL.iter().position(|f| *f == fine) >= Freq::ALL.iter().position(|f| *f == freq) {
        return false;
    }
    let end_day = freq.start_day(last + 1) - 1;
    fine.period_of(max_day) < fine.period_of(end_day)
}

fn column<'a>(df: &'a DataFrame, name: &str, role: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| {
        Error::InvalidInput(format!(
            "the {role} column '{name}' is not in the table (columns: {})",
            df.get_column_names()
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Builds the series `spec` describes.
pub fn build(df: &DataFrame, spec: &SeriesSpec) -> Result<SeriesSet> {
    let date = column(df, &spec.date, "date")?;
    let days = dates::day_numbers(date).map_err(|e| {
        Error::InvalidInput(format!(
            "the date column '{}' does not hold dates: {e}",
            spec.date
        ))
    })?;
    let known: Vec<i32> = days.iter().flatten().copied().collect();
    if known.is_empty() {
        return Err(Error::InvalidInput(format!(
            "the date column '{}' has no dates",
            spec.date
        )));
    }
    let (freq, freq_guessed) = match spec.freq {
        Some(f) => (f, false),
        None => (guess_freq(&known).unwrap_or(Freq::Day), true),
    };
    let agg = spec.agg();
    let periods: Vec<Option<i64>> = days.iter().map(|d| d.map(|d| freq.period_of(d))).collect();
    let mut columns = vec![
        Column::new("period".into(), periods),
        Column::new("day".into(), days.clone()),
    ];
    match &spec.value {
        Some(v) => {
            let c = column(df, v, "value")?;
            if !c.dtype().is_primitive_numeric() && !c.dtype().is_bool() {
                return Err(Error::InvalidInput(format!(
                    "the value column '{v}' is not numeric ({})",
                    c.dtype()
                )));
            }
            columns.push(c.cast(&DataType::Float64)?.with_name("value".into()));
        }
        None => columns.push(Column::new("value".into(), vec![1.0f64; df.height()])),
    }
    if let Some(by) = &spec.by {
        let c = column(df, by, "group")?;
        columns.push(c.cast(&DataType::String)?.with_name("group".into()));
    }
    let frame = DataFrame::new_infer_height(columns)?;
    let before = frame.height();
    let frame = frame
        .lazy()
        .filter(col("period").is_not_null().and(col("value").is_not_null()))
        .collect()?;
    let rows_skipped = before - frame.height();
    if frame.height() == 0 {
        return Err(Error::InvalidInput(format!(
            "no row has both a date in '{}' and a value",
            spec.date
        )));
    }
    let mut last = frame.column("period")?.i64()?.max().unwrap_or_default();
    let first = frame.column("period")?.i64()?.min().unwrap_or_default();
    let max_day = frame.column("day")?.i32()?.max().unwrap_or_default();
    // A mean over part of a period is still a mean; a sum or a count is not.
    let partial_period_dropped =
        (agg != Agg::Mean && last > first + 1 && cut_short(&known, freq, last, max_day))
            .then(|| freq.start_day(last));
    let frame = if partial_period_dropped.is_some() {
        last -= 1;
        frame
            .lazy()
            .filter(col("period").lt_eq(lit(last)))
            .collect()?
    } else {
        frame
    };
    let total = aggregate(frame.clone().lazy(), &[], agg)?;
    let total = series_of(&total, None, freq, agg, last)?;
    let mut groups = Vec::new();
    if spec.by.is_some() {
        let frame = frame
            .lazy()
            .with_column(col("group").fill_null(lit("(missing)")))
            .collect()?;
        let per = aggregate(frame.clone().lazy(), &["group"], agg)?;
        let order = frame
            .lazy()
            .group_by([col("group")])
            .agg([col("value").sum().alias("size")])
            .sort_by_exprs(
                [col("size"), col("group")],
                SortMultipleOptions::default().with_order_descending_multi([true, false]),
            )
            .collect()?;
        for name in order.column("group")?.str()?.iter().flatten() {
            let rows = per
                .clone()
                .lazy()
                .filter(col("group").eq(lit(name)))
                .collect()?;
            groups.push(series_of(&rows, Some(name.to_owned()), freq, agg, last)?);
        }
    }
    Ok(SeriesSet {
        freq,
        freq_guessed,
        agg,
        total,
        groups,
        rows_skipped,
        partial_period_dropped,
    })
}

/// One row per (group, period) with the aggregated value, sorted by period. The fold is ours,
/// in row order, rather than polars' group-by: its parallel partial sums add floats in an order
/// that changes between runs, and the same file must give the same numbers every time.
fn aggregate(frame: LazyFrame, keys: &[&str], agg: Agg) -> Result<DataFrame> {
    let frame = frame.collect()?;
    let periods = frame.column("period")?.i64()?;
    let values = frame.column("value")?.f64()?;
    let groups = match keys.first() {
        Some(k) => Some(frame.column(k)?.str()?.clone()),
        None => None,
    };
    let mut cells: std::collections::BTreeMap<(i64, String), (f64, usize)> = Default::default();
    for i in 0..frame.height() {
        let (Some(p), Some(v)) = (periods.get(i), values.get(i)) else {
            continue;
        };
        let g = groups
            .as_ref()
            .and_then(|g| g.get(i))
            .unwrap_or_default()
            .to_owned();
        let cell = cells.entry((p, g)).or_insert((0.0, 0));
        cell.0 += v;
        cell.1 += 1;
    }
    let mut period = Vec::with_capacity(cells.len());
    let mut group = Vec::with_capacity(cells.len());
    let mut value = Vec::with_capacity(cells.len());
    for ((p, g), (sum, count)) in cells {
        period.push(p);
        group.push(g);
        value.push(match agg {
            Agg::Sum => sum,
            Agg::Mean => sum / count as f64,
            Agg::Count => count as f64,
        });
    }
    let mut columns = vec![
        Column::new("period".into(), period),
        Column::new("value".into(), value),
    ];
    if let Some(k) = keys.first() {
        columns.push(Column::new((*k).into(), group));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// The aggregated rows of one group as a series from its first period to `last` (sums and
/// counts run on to the table's last period: a group with no rows there had none), gaps filled.
fn series_of(
    rows: &DataFrame,
    group: Option<String>,
    freq: Freq,
    agg: Agg,
    last: i64,
) -> Result<Series> {
    let periods: Vec<i64> = rows.column("period")?.i64()?.iter().flatten().collect();
    let values: Vec<f64> = rows
        .column("value")?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let (Some(&first), Some(&own_last)) = (periods.first(), periods.last()) else {
        return Err(Error::InvalidInput("a group has no rows".into()));
    };
    let end = if agg == Agg::Mean { own_last } else { last };
    let n = usize::try_from(end - first + 1)
        .map_err(|_| Error::InvalidInput("the dates run backwards".into()))?;
    if n > 5_000_000 {
        return Err(Error::InvalidInput(format!(
            "{n} {}s between the first and last date: choose a longer period",
            freq.name()
        )));
    }
    let mut out = vec![f64::NAN; n];
    for (p, v) in periods.iter().zip(&values) {
        out[(p - first) as usize] = *v;
    }
    let filled: Vec<bool> = out.iter().map(|v| v.is_nan()).collect();
    match agg {
        Agg::Sum | Agg::Count => out.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0),
        Agg::Mean => interpolate(&mut out),
    }
    Ok(Series {
        group,
        freq,
        start: first,
        values: out,
        filled,
    })
}

/// Fills NaN runs with the straight line between their neighbours (the ends exist: a mean
/// series runs from its first to its last period with rows).
fn interpolate(values: &mut [f64]) {
    let mut i = 0;
    while i < values.len() {
        if !values[i].is_nan() {
            i += 1;
            continue;
        }
        let start = i;
        while i < values.len() && values[i].is_nan() {
            i += 1;
        }
        let before = start.checked_sub(1).map(|j| values[j]);
        let after = values.get(i).copied();
        let (a, b) = match (before, after) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => (a, a),
            (None, Some(b)) => (b, b),
            (None, None) => (0.0, 0.0),
        };
        let span = (i - start + 1) as f64;
        for (k, v) in values[start..i].iter_mut().enumerate() {
            *v = a + (b - a) * (k + 1) as f64 / span;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_round_trip() {
        for f in Freq::ALL {
            for day in [-800, -1, 0, 4, 10_000, 20_000] {
                let p = f.period_of(day);
                let start = f.start_day(p);
                assert!(start <= day, "{f:?} {day}");
                assert_eq!(f.period_of(start), p);
                assert_eq!(f.period_of(f.start_day(p + 1) - 1), p);
            }
        }
        // 2024-03-31 is in 2024 Q1, March, and the week of Monday 2024-03-25.
        let day = dates::from_ymd(2024, 3, 31).unwrap_or_default();
        assert_eq!(
            dates::iso_date(Freq::Week.start_day(Freq::Week.period_of(day))),
            "2024-03-25"
        );
        assert_eq!(
            dates::iso_date(Freq::Quarter.start_day(Freq::Quarter.period_of(day))),
            "2024-01-01"
        );
        assert_eq!(Freq::Day.position_in_season(4, 7), 0); // a Monday
    }

    #[test]
    fn guesses_the_frequency() {
        let months: Vec<i32> = (1..=24)
            .map(|m| dates::from_ymd(2020 + (m - 1) / 12, ((m - 1) % 12 + 1) as u32, 1))
            .map(Option::unwrap_or_default)
            .collect();
        assert_eq!(guess_freq(&months), Some(Freq::Month));
        let weeks: Vec<i32> = (0..30).map(|w| 100 + 7 * w).collect();
        assert_eq!(guess_freq(&weeks), Some(Freq::Week));
        let daily: Vec<i32> = (0..30).collect();
        assert_eq!(guess_freq(&daily), Some(Freq::Day));
        // Many rows a day: an event log, read weekly.
        let log: Vec<i32> = (0..300).map(|i| i / 5).collect();
        assert_eq!(guess_freq(&log), Some(Freq::Week));
    }

    #[test]
    fn monthly_dates_written_day_first_are_months() {
        let text: Vec<String> = (1..=12).map(|m| format!("01/{m:02}/2021")).collect();
        let df = DataFrame::new_infer_height(vec![
            Column::new("month".into(), text),
            Column::new("sales".into(), (1..=12).map(f64::from).collect::<Vec<_>>()),
        ])
        .unwrap_or_default();
        let set = build(
            &df,
            &SeriesSpec {
                value: Some("sales".into()),
                ..SeriesSpec::new("month")
            },
        );
        let set = set.map_err(|e| e.to_string());
        assert!(set.is_ok(), "{set:?}");
        let Ok(set) = set else { return };
        assert_eq!(set.freq, Freq::Month);
        assert_eq!(set.total.len(), 12);
        assert_eq!(set.total.gaps(), 0);
        assert_eq!(dates::iso_date(set.total.day(11)), "2021-12-01");
    }

    #[test]
    fn gaps_are_filled_and_marked() {
        let days = vec![0, 1, 1, 4];
        let df = DataFrame::new_infer_height(vec![
            Column::new("d".into(), days)
                .cast(&DataType::Date)
                .unwrap_or_default(),
            Column::new("v".into(), vec![1.0, 2.0, 3.0, 4.0]),
            Column::new("g".into(), vec!["a", "b", "a", "a"]),
        ])
        .unwrap_or_default();
        let spec = SeriesSpec {
            value: Some("v".into()),
            by: Some("g".into()),
            freq: Some(Freq::Day),
            ..SeriesSpec::new("d")
        };
        let Ok(set) = build(&df, &spec) else {
            panic!("build failed")
        };
        assert_eq!(set.total.values, vec![1.0, 5.0, 0.0, 0.0, 4.0]);
        assert_eq!(set.total.gaps(), 2);
        assert_eq!(set.groups[0].label(), "a");
        assert_eq!(set.groups[0].values, vec![1.0, 3.0, 0.0, 0.0, 4.0]);
        // b starts on its first day and runs to the table's last.
        assert_eq!(set.groups[1].values, vec![2.0, 0.0, 0.0, 0.0]);
        let mean = SeriesSpec {
            agg: Some(Agg::Mean),
            by: None,
            ..spec
        };
        let Ok(set) = build(&df, &mean) else {
            panic!("build failed")
        };
        assert_eq!(set.total.values, vec![1.0, 2.5, 3.0, 3.5, 4.0]);
        let count = SeriesSpec {
            freq: Some(Freq::Day),
            ..SeriesSpec::new("d")
        };
        let count = build(&df, &count).map(|s| s.total.values);
        assert_eq!(count.ok(), Some(vec![1.0, 2.0, 0.0, 0.0, 1.0]));
    }

    #[test]
    fn a_last_period_the_dates_stop_inside_is_left_out() {
        // Every day from Monday 2024-01-01 to Monday 2024-01-15: two whole weeks and one day.
        let start = dates::from_ymd(2024, 1, 1).unwrap_or_default();
        let days: Vec<String> = (0..15).map(|i| dates::iso_date(start + i)).collect();
        let df = DataFrame::new_infer_height(vec![
            Column::new("d".into(), days),
            Column::new("v".into(), vec![1.0f64; 15]),
        ])
        .unwrap_or_default();
        let weekly = SeriesSpec {
            value: Some("v".into()),
            freq: Some(Freq::Week),
            ..SeriesSpec::new("d")
        };
        let Ok(set) = build(&df, &weekly) else {
            panic!("build failed")
        };
        assert_eq!(set.total.values, vec![7.0, 7.0]);
        assert_eq!(set.partial_period_dropped, Some(start + 14));
        // A mean keeps it; so does a daily series.
        let mean = SeriesSpec {
            agg: Some(Agg::Mean),
            ..weekly.clone()
        };
        let set = build(&df, &mean).map(|s| (s.total.values, s.partial_period_dropped));
        assert_eq!(set.ok(), Some((vec![1.0, 1.0, 1.0], None)));
        let daily = SeriesSpec {
            freq: Some(Freq::Day),
            ..weekly
        };
        let set = build(&df, &daily).map(|s| (s.total.len(), s.partial_period_dropped));
        assert_eq!(set.ok(), Some((15, None)));
    }
}
