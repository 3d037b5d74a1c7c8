//! Per-column summaries (the Data panel's column list and `profile --json`), and, once a
//! target is chosen, how the target varies with each column and how numeric columns correlate.

use std::hash::BuildHasher;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::ROW_ID;
use crate::error::{Error, Result};

/// Bars in a numeric column's histogram.
const HISTOGRAM_BINS: usize = 20;
/// Most frequent values listed for a text column.
const TOP_VALUES: usize = 10;
/// A text column with more distinct values than this is flagged high-cardinality.
const HIGH_CARDINALITY: usize = 50;

/// Something about a column a marketer should look at before modelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// One value (or none) in every row.
    Constant,
    /// More than half the values are missing.
    MostlyMissing,
    /// A different value in every row: an identifier, not a feature.
    IdLike,
    /// Text with very many distinct values.
    HighCardinality,
    /// Text where some values are numbers and others are not.
    MixedType,
    /// Free text: several words in each value, mostly different values.
    Text,
}

impl Flag {
    pub fn label(self) -> &'static str {
        match self {
            Self::Constant => "constant",
            Self::MostlyMissing => "mostly missing",
            Self::IdLike => "ID-like",
            Self::HighCardinality => "many values",
            Self::MixedType => "mixed types",
            Self::Text => "free text",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Self::Constant => {
                "Every row has the same value: it can't tell customers apart. Drop it."
            }
            Self::MostlyMissing => {
                "More than half the values are missing: fill them (with a was-missing flag) or drop the column."
            }
            Self::IdLike => {
                "A different value in every row: an identifier, not something a model can learn from."
            }
            Self::HighCardinality => {
                "Very many different texts: one-hot encoding would make a column for each; keep the most frequent or drop it."
            }
            Self::MixedType => {
                "Some values are numbers and some are text: check the export, then change the type in Clean."
            }
            Self::Text => {
                "What people wrote: read it as text (terms, sentiment, themes) rather than as labels."
            }
        }
    }
}

/// Counts of a numeric column in equal-width bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// `counts.len() + 1` bin edges, ascending.
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

/// A summary of a whole table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub rows: usize,
    pub columns: Vec<ColumnProfile>,
    /// For a table too large to load ([`profile_pieces`]): the rows of the uniform random
    /// sample that distinct counts, quartiles, histograms, top values and flags describe (rows,
    /// missing values, min, max, mean, std and date ranges are of every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rows: Option<usize>,
}

impl Profile {
    /// The rows that distinct counts describe: the sample's for a table profiled in pieces.
    pub fn distinct_rows(&self) -> usize {
        self.sample_rows.unwrap_or(self.rows)
    }
}

/// A summary of one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    /// The column's type as polars names it (`i64`, `f64`, `str`, `date`, …).
    pub dtype: String,
    /// How many values are missing.
    pub missing: usize,
    /// Missing values as a share of all rows (0..1).
    pub missing_fraction: f64,
    /// How many distinct values (missing counts as one).
    pub distinct: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Quartiles: 25th, 50th (median) and 75th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quartiles: Option<[f64; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Histogram>,
    /// The most frequent values of a text (or yes/no) column with their counts.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub top_values: Vec<(String, u64)>,
    /// First and last date, for date columns (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_range: Option<(String, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub flags: Vec<Flag>,
    /// For free text: its language, lengths and most frequent terms.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text: Option<crate::text::TextSummary>,
}

impl ColumnProfile {
    /// True for integer and floating-point columns.
    pub fn is_numeric(&self) -> bool {
        self.mean.is_some()
    }
}

fn numbers(c: &Column) -> Result<Vec<f64>> {
    let f = c.cast(&DataType::Float64)?;
    Ok(f.f64()?
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .collect())
}

/// The `q`-quantile of `sorted` values, linear between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let lo_v = sorted[lo];
    match sorted.get(lo + 1) {
        Some(&hi_v) if pos.fract() != 0.0 => lo_v + (hi_v - lo_v) * pos.fract(),
        _ => lo_v,
    }
}

/// A number column's finite values, sorted, with their mean and variance (in the column's
/// order) and how many distinct values the column has, missing and NaN included as polars'
/// `n_unique` counts them. Sorting once gives the distinct count and the quartiles (polars'
/// `n_unique` sorts a copy and a shifted copy: some 24 MB more per million rows).
struct SortedNumbers {
    sorted: Vec<f64>,
    mean: f64,
    var: f64,
    distinct: usize,
}

fn sorted_numbers(c: &Column) -> Result<SortedNumbers> {
    let f = c.cast(&DataType::Float64)?;
    let f = f.f64()?;
    let mut v = Vec::with_capacity(f.len() - f.null_count());
    let (mut nan, mut up, mut down) = (false, false, false);
    for x in f.iter().flatten() {
        if x.is_finite() {
            v.push(x);
        } else if x.is_nan() {
            nan = true;
        } else if x > 0.0 {
            up = true;
        } else {
            down = true;
        }
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    v.sort_unstable_by(f64::total_cmp);
    // Whole numbers past 2^53 are not all distinct as doubles: polars counts those.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    let exact = !c.dtype().is_integer()
        || v.first().is_none_or(|&lo| lo >= -EXACT) && v.last().is_none_or(|&hi| hi <= EXACT);
    let distinct = if exact {
        let runs = usize::from(!v.is_empty()) + v.windows(2).filter(|w| w[0] != w[1]).count();
        runs + usize::from(nan)
            + usize::from(up)
            + usize::from(down)
            + usize::from(c.null_count() > 0)
    } else {
        c.n_unique()?
    };
    Ok(SortedNumbers {
        sorted: v,
        mean,
        var,
        distinct,
    })
}

/// Counts of `values` in equal-width bins between `min` and `max`.
pub fn histogram(values: &[f64], min: f64, max: f64) -> Histogram {
    let bins = if max > min { HISTOGRAM_BINS } else { 1 };
    let width = if max > min {
        (max - min) / bins as f64
    } else {
        1.0
    };
    let mut counts = vec![0u64; bins];
    for &v in values {
        let b = (((v - min) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    Histogram {
        edges: (0..=bins).map(|i| min + width * i as f64).collect(),
        counts,
    }
}

/// The values of a number column with few of them, most frequent first, written as the
/// column would be as text (counted as numbers: no text per row).
fn few_numbers(c: &Column) -> Result<Vec<(String, u64)>> {
    let mut counts: Vec<(f64, u64)> = Vec::new();
    for v in c.cast(&DataType::Float64)?.f64()?.iter().flatten() {
        match counts.iter_mut().find(|(x, _)| x.total_cmp(&v).is_eq()) {
            Some((_, n)) => *n += 1,
            None => counts.push((v, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.total_cmp(&b.0)));
    let integer = c.dtype().is_integer();
    Ok(counts
        .into_iter()
        .take(TOP_VALUES)
        .map(|(v, n)| {
            (
                if integer {
                    format!("{v:.0}")
                } else {
                    format!("{v}")
                },
                n,
            )
        })
        .collect())
}

/// How many distinct values `c` has as text, missing aside (an identifier's million values
/// counted in 8 bytes each, as the profile counts them).
pub fn distinct_texts(c: &Column) -> Result<usize> {
    Ok(top_values(c)?.1)
}

/// The most frequent values of `c` as text (most frequent first, ties in text order) and how
/// many distinct values it has, missing aside.
fn top_values(c: &Column) -> Result<(Vec<(String, u64)>, usize)> {
    let s = c.cast(&DataType::String)?;
    let s = s.str()?;
    let head: PlHashSet<&str> = s.iter().flatten().take(10_000).collect();
    if head.len() <= 5_000 || u32::try_from(s.len()).is_err() {
        let mut counts: PlHashMap<&str, u64> = PlHashMap::new();
        for v in s.iter().flatten() {
            *counts.entry(v).or_default() += 1;
        }
        return Ok((
            most_frequent(counts.iter().map(|(k, v)| (*k, *v))),
            counts.len(),
        ));
    }
    // Mostly different values (an identifier): each counted as its first row and a count, 8
    // bytes, sized for every row so the table is not grown and rehashed twenty times (a
    // million IDs: 18 MB, where a map of the texts took 50 MB and the list of them 24 more).
    let arrays: Vec<_> = s.downcast_iter().collect();
    let mut starts = Vec::with_capacity(arrays.len());
    let mut at = 0usize;
    for a in &arrays {
        starts.push(at);
        at += a.len();
    }
    // Rows are below u32::MAX (checked above).
    let text = |row: u32| {
        let k = starts.partition_point(|&st| st <= row as usize) - 1;
        arrays[k].value(row as usize - starts[k])
    };
    let state = PlRandomState::default();
    let mut table: hashbrown::HashTable<(u32, u32)> = hashbrown::HashTable::with_capacity(s.len());
    for (k, a) in arrays.iter().enumerate() {
        for (i, v) in a.iter().enumerate() {
            let Some(v) = v else { continue };
            let h = state.hash_one(v);
            match table.find_mut(h, |&(r, _)| text(r) == v) {
                Some(entry) => entry.1 += 1,
                None => {
                    let row = (starts[k] + i) as u32;
                    table.insert_unique(h, (row, 1), |&(r, _)| state.hash_one(text(r)));
                }
            }
        }
    }
    let top = most_frequent(table.iter().map(|&(r, n)| (text(r), u64::from(n))));
    Ok((top, table.len()))
}

/// The [`TOP_VALUES`] most frequent of `counts`, most frequent first, ties in text order.
fn most_frequent<'a>(counts: impl Iterator<Item = (&'a str, u64)>) -> Vec<(String, u64)> {
    let order = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    let mut best: Vec<(&str, u64)> = Vec::with_capacity(TOP_VALUES + 1);
    for e in counts {
        if best.len() == TOP_VALUES
            && best
                .last()
                .is_some_and(|w| order(&e, w) != std::cmp::Ordering::Less)
        {
            continue;
        }
        let at = best.partition_point(|b| order(b, &e) == std::cmp::Ordering::Less);
        best.insert(at, e);
        best.truncate(TOP_VALUES);
    }
    best.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Whether a column looks like an identifier: text (or whole numbers named like an ID) with a
/// different value in every row.
pub fn is_id_like(c: &Column, distinct_non_null: usize) -> bool {
    let present = c.len() - c.null_count();
    if present < 20 || distinct_non_null != present {
        return false;
    }
    if c.dtype().is_string() {
        return true;
    }
    let name = c.name().to_ascii_lowercase();
    c.dtype().is_integer()
        && (name == "id"
            || name.ends_with("_id")
            || name.ends_with(" id")
            || name.ends_with("id") && name.len() <= 12)
}

fn day_text(day: i32) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (epoch + chrono::Duration::days(i64::from(day))).to_string()
}

/// Summarises one column.
pub fn profile_column(c: &Column, rows: usize) -> Result<ColumnProfile> {
    let missing = c.null_count();
    let dtype = c.dtype();
    let labels = dtype.is_string() || dtype.is_bool() || dtype.is_categorical();
    let numbers = if dtype.is_primitive_numeric() {
        Some(sorted_numbers(c)?)
    } else {
        None
    };
    // Labels are counted once, for their most frequent values and how many there are.
    let (top, distinct) = if labels {
        let (top, distinct_non_null) = top_values(c)?;
        (top, distinct_non_null + usize::from(missing > 0))
    } else if let Some(n) = &numbers {
        (Vec::new(), n.distinct)
    } else {
        (Vec::new(), c.n_unique()?)
    };
    let distinct_non_null = distinct - usize::from(missing > 0);
    let mut p = ColumnProfile {
        name: c.name().to_string(),
        dtype: dtype.to_string(),
        missing,
        missing_fraction: if rows == 0 {
            0.0
        } else {
            missing as f64 / rows as f64
        },
        distinct,
        min: None,
        quartiles: None,
        max: None,
        mean: None,
        std: None,
        histogram: None,
        top_values: Vec::new(),
        date_range: None,
        flags: Vec::new(),
        text: None,
    };
    if let Some(n) = numbers {
        if let (Some(&min), Some(&max)) = (n.sorted.first(), n.sorted.last()) {
            p.histogram = Some(histogram(&n.sorted, min, max));
            p.quartiles = Some([
                quantile(&n.sorted, 0.25),
                quantile(&n.sorted, 0.5),
                quantile(&n.sorted, 0.75),
            ]);
            (p.min, p.max, p.mean, p.std) =
                (Some(min), Some(max), Some(n.mean), Some(n.var.sqrt()));
        }
        // A number with a few values (a 0/1 flag, a rating) is also a set of labels.
        if distinct <= TOP_VALUES {
            p.top_values = few_numbers(c)?;
        }
    } else if matches!(dtype, DataType::Date) {
        let days = c.cast(&DataType::Int32)?;
        let days = days.i32()?;
        if let (Some(lo), Some(hi)) = (days.min(), days.max()) {
            p.date_range = Some((day_text(lo), day_text(hi)));
        }
    } else if labels {
        p.top_values = top;
        if dtype.is_string() {
            let s = c.str()?;
            let (mut num, mut total) = (0usize, 0usize);
            for v in s.iter().flatten().take(10_000) {
                total += 1;
                num += usize::from(v.trim().parse::<f64>().is_ok());
            }
            if total > 0 && num > 0 && num < total && (num as f64 / total as f64) >= 0.2 {
                p.flags.push(Flag::MixedType);
            }
        }
    }
    if distinct_non_null <= 1 {
        p.flags.push(Flag::Constant);
    }
    if p.missing_fraction > 0.5 {
        p.flags.push(Flag::MostlyMissing);
    }
    if dtype.is_string() && crate::text::looks_like_text(c) {
        p.flags.push(Flag::Text);
        p.text = crate::text::summary(c);
    } else if is_id_like(c, distinct_non_null) {
        p.flags.push(Flag::IdLike);
    } else if dtype.is_string() && distinct_non_null > HIGH_CARDINALITY {
        p.flags.push(Flag::HighCardinality);
    }
    Ok(p)
}

/// Summarises every column of `df` (the hidden row id aside).
pub fn profile(df: &DataFrame) -> Result<Profile> {
    let rows = df.height();
    use rayon::prelude::*;
    let columns: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| c.name().as_str() != ROW_ID)
        .collect();
    let columns = super::on_polars_pool(|| {
        columns
            .par_iter()
            .map(|c| profile_column(c, rows))
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(Profile {
        rows,
        columns,
        sample_rows: None,
    })
}

/// Missing values, extremes, mean and spread of one column over every piece of a table.
#[derive(Clone, Debug, Default)]
struct Running {
    missing: usize,
    /// Finite numbers: count, mean and sum of squared deviations (merged by Chan's formula).
    n: usize,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    /// Date columns: first and last day.
    days: Option<(i32, i32)>,
}

impl Running {
    fn add(&mut self, c: &Column) -> Result<()> {
        self.missing += c.null_count();
        if c.dtype().is_primitive_numeric() {
            let v = numbers(c)?;
            if v.is_empty() {
                return Ok(());
            }
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let m2 = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
            let (lo, hi) = v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            if self.n == 0 {
                (self.min, self.max) = (lo, hi);
            } else {
                (self.min, self.max) = (self.min.min(lo), self.max.max(hi));
            }
            let total = self.n as f64 + n;
            let delta = mean - self.mean;
            self.m2 += m2 + delta * delta * self.n as f64 * n / total;
            self.mean += delta * n / total;
            self.n += v.len();
        } else if matches!(c.dtype(), DataType::Date) {
            let days = c.cast(&DataType::Int32)?;
            let days = days.i32()?;
            if let (Some(lo), Some(hi)) = (days.min(), days.max()) {
                self.days = Some(match self.days {
                    Some((a, b)) => (a.min(lo), b.max(hi)),
                    None => (lo, hi),
                });
            }
        }
        Ok(())
    }

    /// Puts the exact numbers into `p`, a column profile of a sample of `rows` rows.
    fn apply(&self, p: &mut ColumnProfile, rows: usize) {
        p.missing = self.missing;
        p.missing_fraction = if rows == 0 {
            0.0
        } else {
            self.missing as f64 / rows as f64
        };
        if p.mean.is_some() && self.n > 0 {
            p.min = Some(self.min);
            p.max = Some(self.max);
            p.mean = Some(self.mean);
            p.std = Some((self.m2 / self.n as f64).sqrt());
        }
        if let (Some(_), Some((lo, hi))) = (&p.date_range, self.days) {
            p.date_range = Some((day_text(lo), day_text(hi)));
        }
    }
}

/// The profile of a table read in pieces (one too large to load whole): rows, missing values,
/// min, max, mean, std and date ranges of every row; distinct counts, quartiles, histograms,
/// top values and flags of a uniform random sample of about `sample_rows` rows (drawn with
/// `seed`), which [`Profile::sample_rows`] says.
pub fn profile_pieces(
    pieces: &super::load::stream::TextPieces,
    sample_rows: usize,
    seed: u64,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Profile> {
    sample_and_profile(pieces, sample_rows, seed, cancel, &mut |_| Ok(())).map(|(_, p)| p)
}

/// One pass over a table read in pieces: a uniform random sample of about `rows` rows
/// (drawn with `seed`, as [`TextPieces::sample_each`](super::load::stream::TextPieces::sample_each))
/// and its profile with the numbers that are exact over every row (see [`profile_pieces`]).
/// `each` sees every piece (for progress).
pub fn sample_and_profile(
    pieces: &super::load::stream::TextPieces,
    rows: usize,
    seed: u64,
    cancel: &std::sync::atomic::AtomicBool,
    each: &mut dyn FnMut(&super::load::stream::Piece) -> Result<()>,
) -> Result<(super::load::stream::Sample, Profile)> {
    let mut running = vec![Running::default(); pieces.names().len()];
    let sample = pieces.sample_each(rows, seed, cancel, &mut |piece| {
        for (r, c) in running.iter_mut().zip(piece.frame.columns()) {
            r.add(c)?;
        }
        each(piece)
    })?;
    let mut p = profile(&sample.frame)?;
    // Every row kept: the profile of the whole table, as loading it whole gives.
    if sample.frame.height() == sample.total_rows {
        return Ok((sample, p));
    }
    for (c, r) in p.columns.iter_mut().zip(&running) {
        r.apply(c, sample.total_rows);
    }
    p.rows = sample.total_rows;
    p.sample_rows = Some(sample.frame.height());
    Ok((sample, p))
}

/// One group of customers (a bin or a category) and the target's value in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub label: String,
    pub count: u64,
    /// Response rate (yes/no target) or mean amount.
    pub value: f64,
}

/// How the target varies with one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    pub column: String,
    pub groups: Vec<Group>,
    /// Spread of the target between groups: the count-weighted standard deviation of the group
    /// values around the overall value. Columns are ranked by it.
    pub spread: f64,
}

/// The target against every other column, most telling first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetProfile {
    pub target: String,
    /// For a yes/no target, the label counted as "yes"; the values are then rates.
    pub positive: Option<String>,
    /// The overall rate or mean.
    pub overall: f64,
    pub drivers: Vec<Driver>,
}

/// The target's value per row: 1/0 for `positive`, else the number (rows without one: None).
fn target_values(c: &Column, positive: Option<&str>) -> Result<Vec<Option<f64>>> {
    match positive {
        Some(p) => {
            let s = c.cast(&DataType::String)?;
            Ok(s.str()?
                .iter()
                .map(|v| v.map(|v| f64::from(u8::from(v == p))))
                .collect())
        }
        None => {
            if !c.dtype().is_primitive_numeric() {
                return Err(Error::InvalidInput(format!(
                    "target '{}' is not a number: say which label counts as yes",
                    c.name()
                )));
            }
            let f = c.cast(&DataType::Float64)?;
            Ok(f.f64()?
                .iter()
                .map(|v| v.filter(|x| x.is_finite()))
                .collect())
        }
    }
}

fn group_key_numeric(v: Option<f64>, edges: &[f64]) -> usize {
    match v {
        None => edges.len() + 1,
        Some(x) => edges.partition_point(|e| *e < x),
    }
}

/// How the target varies with each column: per quintile of numbers, per category of text.
pub fn target_profile(
    df: &DataFrame,
    target: &str,
    positive: Option<&str>,
) -> Result<TargetProfile> {
    let t = df
        .column(target)
        .map_err(|_| Error::missing_column(target, "chosen as the target"))?;
    let y = target_values(t, positive)?;
    let known: Vec<f64> = y.iter().flatten().copied().collect();
    if known.is_empty() {
        return Err(Error::InvalidInput(format!(
            "target '{target}' has no values"
        )));
    }
    let overall = known.iter().sum::<f64>() / known.len() as f64;
    let mut drivers = Vec::new();
    for c in df.columns() {
        let name = c.name().as_str();
        if name == target || name == ROW_ID {
            continue;
        }
        let dtype = c.dtype();
        // Per row: group index; labels per index.
        let (keys, labels): (Vec<usize>, Vec<String>) = if dtype.is_primitive_numeric() {
            let f = c.cast(&DataType::Float64)?;
            let vals: Vec<Option<f64>> = f
                .f64()?
                .iter()
                .map(|v| v.filter(|x| x.is_finite()))
                .collect();
            let mut sorted: Vec<f64> = vals.iter().flatten().copied().collect();
            if sorted.is_empty() {
                continue;
            }
            sorted.sort_by(f64::total_cmp);
            let mut edges: Vec<f64> = (1..5)
                .filter_map(|i| super::recipe::quantile_sorted(&sorted, i as f64 / 5.0))
                .collect();
            edges.dedup();
            let mut labels = Vec::with_capacity(edges.len() + 2);
            let fmt = crate::data::profile::short_number;
            for i in 0..=edges.len() {
                labels.push(match (i.checked_sub(1).map(|j| edges[j]), edges.get(i)) {
                    (None, Some(hi)) => format!("≤ {}", fmt(*hi)),
                    (Some(lo), Some(hi)) => format!("{}–{}", fmt(lo), fmt(*hi)),
                    (Some(lo), None) => format!("> {}", fmt(lo)),
                    (None, None) => "all".to_owned(),
                });
            }
            labels.push("missing".to_owned());
            (
                vals.iter().map(|v| group_key_numeric(*v, &edges)).collect(),
                labels,
            )
        } else if dtype.is_string() || dtype.is_bool() || dtype.is_categorical() {
            let (top, distinct) = top_values(c)?;
            if distinct > 1_000 {
                continue; // an identifier: one group per customer says nothing
            }
            let top: Vec<String> = top.into_iter().take(8).map(|(k, _)| k).collect();
            let index: PlHashMap<&str, usize> = top
                .iter()
                .enumerate()
                .map(|(i, k)| (k.as_str(), i))
                .collect();
            let s = c.cast(&DataType::String)?;
            let keys = s
                .str()?
                .iter()
                .map(|v| match v {
                    None => top.len() + 1,
                    Some(v) => index.get(v).copied().unwrap_or(top.len()),
                })
                .collect();
            let mut labels = top.clone();
            labels.push("other".to_owned());
            labels.push("missing".to_owned());
            (keys, labels)
        } else {
            continue;
        };
        let mut sum = vec![0.0; labels.len()];
        let mut count = vec![0u64; labels.len()];
        for (k, v) in keys.iter().zip(&y) {
            if let Some(v) = v {
                sum[*k] += v;
                count[*k] += 1;
            }
        }
        let total: u64 = count.iter().sum();
        let groups: Vec<Group> = labels
            .into_iter()
            .enumerate()
            .filter(|(i, _)| count[*i] > 0)
            .map(|(i, label)| Group {
                label,
                count: count[i],
                value: sum[i] / count[i] as f64,
            })
            .collect();
        let spread = (groups
            .iter()
            .map(|g| g.count as f64 * (g.value - overall).powi(2))
            .sum::<f64>()
            / total.max(1) as f64)
            .sqrt();
        drivers.push(Driver {
            column: name.to_owned(),
            groups,
            spread,
        });
    }
    drivers.sort_by(|a, b| b.spread.total_cmp(&a.spread));
    Ok(TargetProfile {
        target: target.to_owned(),
        positive: positive.map(str::to_owned),
        overall,
        drivers,
    })
}

/// A number with about three significant digits, for bin labels.
pub fn short_number(x: f64) -> String {
    if x.abs() >= 1000.0 || x.fract() == 0.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// Pearson correlations between numeric columns (pairwise complete), at most `max_columns`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Correlations {
    pub columns: Vec<String>,
    /// `matrix[i][j]`, NaN where a column is constant.
    pub matrix: Vec<Vec<f64>>,
}

pub fn correlations(df: &DataFrame, max_columns: usize) -> Result<Correlations> {
    let numeric: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric() && c.name().as_str() != ROW_ID)
        .take(max_columns)
        .collect();
    let values: Vec<Vec<Option<f64>>> = numeric
        .iter()
        .map(|c| {
            let f = c.cast(&DataType::Float64)?;
            Ok(f.f64()?
                .iter()
                .map(|v| v.filter(|x| x.is_finite()))
                .collect())
        })
        .collect::<Result<_>>()?;
    use rayon::prelude::*;
    let k = numeric.len();
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (i..k).map(move |j| (i, j))).collect();
    let rs: Vec<f64> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            for (a, b) in values[i].iter().zip(&values[j]) {
                if let (Some(x), Some(y)) = (a, b) {
                    n += 1.0;
                    sx += x;
                    sy += y;
                    sxx += x * x;
                    syy += y * y;
                    sxy += x * y;
                }
            }
            let cov = sxy - sx * sy / n;
            let r = cov / ((sxx - sx * sx / n) * (syy - sy * sy / n)).sqrt();
            if r.is_finite() {
                r.clamp(-1.0, 1.0)
            } else {
                f64::NAN
            }
        })
        .collect();
    let mut matrix = vec![vec![f64::NAN; k]; k];
    for (&(i, j), &r) in pairs.iter().zip(&rs) {
        matrix[i][j] = r;
        matrix[j][i] = r;
    }
    Ok(Correlations {
        columns: numeric.iter().map(|c| c.name().to_string()).collect(),
        matrix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_missing_distinct_and_quartiles() {
        let df = df!(
            "x" => [Some(1i64), None, Some(3), Some(3), Some(5)],
            "s" => [Some("a"), Some("b"), None, None, Some("a")],
        )
        .unwrap();
        let p = profile(&df).unwrap();
        assert_eq!(p.rows, 5);
        let x = &p.columns[0];
        assert_eq!((x.missing, x.distinct), (1, 4));
        assert_eq!((x.min, x.max), (Some(1.0), Some(5.0)));
        assert_eq!(x.mean, Some(3.0));
        // Values 1, 3, 3, 5: quartiles by linear interpolation 2.5, 3, 3.5.
        assert_eq!(x.quartiles, Some([2.5, 3.0, 3.5]));
        assert_eq!(x.histogram.as_ref().unwrap().counts.iter().sum::<u64>(), 4);
        let s = &p.columns[1];
        assert_eq!(s.missing_fraction, 0.4);
        assert_eq!(s.top_values[0], ("a".to_owned(), 2));
        assert!(!s.is_numeric());
    }

    #[test]
    fn flags() {
        let ids: Vec<String> = (0..100).map(|i| format!("C{i}")).collect();
        let mixed: Vec<&str> = (0..100)
            .map(|i| if i % 2 == 0 { "12" } else { "n/a" })
            .collect();
        let mostly: Vec<Option<i64>> = (0..100).map(|i| (i < 10).then_some(i)).collect();
        let df = df!("id" => ids, "c" => vec![1; 100], "m" => mixed, "mm" => mostly).unwrap();
        let p = profile(&df).unwrap();
        assert_eq!(p.columns[0].flags, [Flag::IdLike]);
        assert_eq!(p.columns[1].flags, [Flag::Constant]);
        assert_eq!(p.columns[2].flags, [Flag::MixedType]);
        assert_eq!(p.columns[3].flags, [Flag::MostlyMissing]);
    }

    #[test]
    fn target_rates_by_group() {
        let df = df!(
            "y" => [1, 0, 1, 0, 0, 0],
            "channel" => ["Email", "Email", "Email", "Search", "Search", "Search"],
            "noise" => ["a", "a", "b", "b", "a", "b"],
        )
        .unwrap();
        let t = target_profile(&df, "y", Some("1")).unwrap();
        assert!((t.overall - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(t.drivers[0].column, "channel");
        let email = t.drivers[0]
            .groups
            .iter()
            .find(|g| g.label == "Email")
            .unwrap();
        assert!((email.value - 2.0 / 3.0).abs() < 1e-12);
        assert!(t.drivers[0].spread > t.drivers[1].spread);
    }

    #[test]
    fn correlation_by_hand() {
        let df =
            df!("a" => [1.0, 2.0, 3.0], "b" => [2.0, 4.0, 6.0], "c" => [3.0, 2.0, 1.0]).unwrap();
        let c = correlations(&df, 10).unwrap();
        assert!((c.matrix[0][1] - 1.0).abs() < 1e-12);
        assert!((c.matrix[0][2] + 1.0).abs() < 1e-12);
    }
}
