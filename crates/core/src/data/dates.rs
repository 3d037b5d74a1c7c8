//! Dates written the ways exports write them: ISO (2024-03-31), European (31.03.2024,
//! 31-03-2024), US (03/31/2024) and day-first with slashes (31/03/2024) when no value is
//! ambiguous. Dates are handled as day numbers (days since 1970-01-01), as polars stores them.

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::error::{Error, Result};

/// Formats tried, in order of preference. With slashes, month-first wins when both fit.
const FORMATS: [&str; 6] = [
    "%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%d-%m-%Y",
];

/// Values checked when deciding whether a text column holds dates.
const SAMPLE: usize = 2_000;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

fn day_number(d: NaiveDate) -> i32 {
    (d - epoch()).num_days() as i32
}

fn date_of(day: i32) -> NaiveDate {
    epoch() + chrono::Duration::days(i64::from(day))
}

/// A day number as ISO text (2024-03-31).
pub fn iso_date(day: i32) -> String {
    date_of(day).format("%Y-%m-%d").to_string()
}

/// Month (1–12) of a day number.
pub fn month_of(day: i32) -> u32 {
    date_of(day).month()
}

/// Weekday of a day number, 1 = Monday … 7 = Sunday.
pub fn weekday_of(day: i32) -> u32 {
    date_of(day).weekday().number_from_monday()
}

/// The date part of `s` (a time after a space or `T` is ignored).
fn date_part(s: &str) -> &str {
    let s = s.trim();
    s.split(['T', ' ']).next().unwrap_or(s)
}

/// The three numbers of a date written with `sep` ("31.03.2024" → 31, 3, 2024), each of 1–4
/// digits, or `None`.
fn three_numbers(s: &str, sep: u8) -> Option<[u32; 3]> {
    let mut out = [0u32; 3];
    let mut parts = s.as_bytes().split(|&b| b == sep);
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 4 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *slot = part.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0'));
    }
    parts.next().is_none().then_some(out)
}

/// [`parse_with`] without chrono's format interpreter, for the plain forms of our formats (a
/// four-digit year, one- or two-digit day and month); `None` sends the value to chrono.
fn parse_fast(s: &str, format: &str) -> Option<i32> {
    let (sep, order) = match format {
        "%Y-%m-%d" => (b'-', [0, 1, 2]),
        "%Y/%m/%d" => (b'/', [0, 1, 2]),
        "%d.%m.%Y" => (b'.', [2, 1, 0]),
        "%m/%d/%Y" => (b'/', [2, 0, 1]),
        "%d/%m/%Y" => (b'/', [2, 1, 0]),
        "%d-%m-%Y" => (b'-', [2, 1, 0]),
        _ => return None,
    };
    let text = date_part(s);
    let n = three_numbers(text, sep)?;
    // chrono reads a year of four digits here and a month or day of one or two.
    let widths: Vec<usize> = text.split(sep as char).map(str::len).collect();
    if widths[order[0]] != 4 || widths[order[1]] > 2 || widths[order[2]] > 2 {
        return None;
    }
    let (y, m, d) = (n[order[0]] as i32, n[order[1]], n[order[2]]);
    NaiveDate::from_ymd_opt(y, m, d)
        .filter(|d| (1800..=2200).contains(&d.year()))
        .map(day_number)
}

fn parse_with(s: &str, format: &str) -> Option<i32> {
    NaiveDate::parse_from_str(date_part(s), format)
        .ok()
        .filter(|d| (1800..=2200).contains(&d.year()))
        .map(day_number)
}

/// Parses one date in any of the accepted formats.
pub fn parse_one(s: &str) -> Option<i32> {
    FORMATS.iter().find_map(|f| parse_with(s, f))
}

/// The one format that reads every sampled value, if any. With slashes, when both readings
/// fit, month-first wins, except for dates whose first number is always 1 and whose second
/// varies (`01/03/2024`, `01/04/2024`, …): those are the first of each month written day-first
/// (monthly data), not the first twelve days of January.
pub fn detect_format<'a>(values: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    let sample: Vec<&str> = values
        .filter(|v| !v.trim().is_empty())
        .take(SAMPLE)
        .collect();
    if sample.is_empty() || !sample.iter().all(|v| v.chars().any(|c| c.is_ascii_digit())) {
        return None;
    }
    let found = FORMATS
        .iter()
        .copied()
        .find(|f| sample.iter().all(|v| parse_with(v, f).is_some()))?;
    if found == "%m/%d/%Y" && firsts_of_months(&sample) {
        return Some("%d/%m/%Y");
    }
    Some(found)
}

/// Whether every value's first number is 1 while the second takes more than one value.
fn firsts_of_months(sample: &[&str]) -> bool {
    let mut seconds = sample
        .iter()
        .filter_map(|v| three_numbers(date_part(v), b'/'));
    let Some(first) = seconds.next() else {
        return false;
    };
    let mut varies = false;
    for n in std::iter::once(first).chain(seconds) {
        if n[0] != 1 {
            return false;
        }
        varies |= n[1] != first[1];
    }
    varies
}

/// Year, month (1–12) and day of a day number.
pub fn ymd(day: i32) -> (i32, u32, u32) {
    let d = date_of(day);
    (d.year(), d.month(), d.day())
}

/// The day number of a calendar date, if it exists.
pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<i32> {
    NaiveDate::from_ymd_opt(year, month, day).map(day_number)
}

/// Day numbers of a date, datetime or date-text column.
pub fn day_numbers(c: &Column) -> Result<Vec<Option<i32>>> {
    match c.dtype() {
        DataType::Date => Ok(c.cast(&DataType::Int32)?.i32()?.iter().collect()),
        DataType::Datetime(unit, _) => {
            let per_day: i64 = match unit {
                TimeUnit::Milliseconds => 86_400_000,
                TimeUnit::Microseconds => 86_400_000_000,
                TimeUnit::Nanoseconds => 86_400_000_000_000,
            };
            Ok(c.cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|v| v.map(|t| t.div_euclid(per_day) as i32))
                .collect())
        }
        DataType::String => {
            let s = c.str()?;
            let format = detect_format(s.iter().flatten()).ok_or_else(|| not_dates(c))?;
            Ok(s.iter()
                .map(|v| v.and_then(|v| parse_with(v, format)))
                .collect())
        }
        t if t.is_integer() => compact_days(c)?.ok_or_else(|| not_dates(c)),
        _ => Err(not_dates(c)),
    }
}

/// The day number of a date written as the whole number YYYYMMDD (19970101).
fn compact_day(v: i64) -> Option<i32> {
    if !(18_000_101..=22_001_231).contains(&v) {
        return None;
    }
    let (y, m, d) = (v / 10_000, (v / 100) % 100, v % 100);
    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32).map(day_number)
}

/// Day numbers of a whole-number column whose every value is a date written YYYYMMDD; `None`
/// when a value is not one.
fn compact_days(c: &Column) -> Result<Option<Vec<Option<i32>>>> {
    let v = c.cast(&DataType::Int64)?;
    let mut out = Vec::with_capacity(v.len());
    for x in v.i64()?.iter() {
        match x {
            None => out.push(None),
            Some(x) => match compact_day(x) {
                Some(d) => out.push(Some(d)),
                None => return Ok(None),
            },
        }
    }
    Ok(Some(out))
}

/// Whether a column's name says it holds dates, or is a made-up name of a file without a
/// header (`column_2`).
fn named_like_a_date(name: &str) -> bool {
    let n = name.to_lowercase();
    n.starts_with("column_")
        || n.contains("date")
        || n.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|p| matches!(p, "day" | "time" | "dt" | "datum"))
}

/// Turns whole-number columns of dates written YYYYMMDD (as old exports write them:
/// 19970101) into Date columns, when the column's name says it holds dates or the file had no
/// header. (An 8-digit code column named otherwise stays a number; Clean's "change type"
/// makes it a date.)
pub fn convert_compact_dates(df: &mut DataFrame) -> Result<()> {
    let mut converted = Vec::new();
    for c in df.columns() {
        if !c.dtype().is_integer() || !named_like_a_date(c.name()) || c.null_count() == c.len() {
            continue;
        }
        if let Some(days) = compact_days(c)? {
            converted.push(Column::new(c.name().clone(), days).cast(&DataType::Date)?);
        }
    }
    for c in converted {
        df.with_column(c)?;
    }
    Ok(())
}

fn not_dates(c: &Column) -> Error {
    const ACCEPTED: &str = "accepted: 2024-03-31, 31.03.2024, 03/31/2024, 31/03/2024, 20240331";
    // The first value no format reads, with its row, when there is one.
    let first_bad = c.str().ok().and_then(|s| {
        s.iter().enumerate().find_map(|(i, v)| {
            v.filter(|v| !v.trim().is_empty() && FORMATS.iter().all(|f| parse_with(v, f).is_none()))
                .map(|v| (i + 1, v.to_owned()))
        })
    });
    Error::InvalidInput(match first_bad {
        Some((row, value)) => format!(
            "column '{}' does not hold dates: row {row} is '{value}' ({ACCEPTED})",
            c.name()
        ),
        None => format!("column '{}' does not hold dates ({ACCEPTED})", c.name()),
    })
}

/// A text column of dates as a Date column.
pub fn to_date_column(c: &Column) -> Result<Column> {
    let days = day_numbers(c)?;
    Ok(Column::new(c.name().clone(), days).cast(&DataType::Date)?)
}

/// ISO date-times that keep their time of day.
const DATETIME_FORMATS: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];

/// A text column of ISO date-times (with a time that isn't always midnight) as a Datetime column.
fn to_datetime(c: &Column) -> Result<Option<Column>> {
    let s = c.str()?;
    let sample: Vec<&str> = s
        .iter()
        .flatten()
        .filter(|v| !v.trim().is_empty())
        .take(SAMPLE)
        .collect();
    let Some(format) = DATETIME_FORMATS.iter().find(|f| {
        !sample.is_empty()
            && sample.iter().all(|v| {
                chrono::NaiveDateTime::parse_from_str(v.trim().trim_end_matches('Z'), f).is_ok()
            })
    }) else {
        return Ok(None);
    };
    // Each value as (milliseconds, whether at midnight); a value that doesn't read keeps the
    // column as text.
    let Some(ms) = par_map_all(s, |v| match v {
        None => Some(None),
        Some(v) => {
            match chrono::NaiveDateTime::parse_from_str(v.trim().trim_end_matches('Z'), format) {
                Ok(t) => Some(Some((
                    t.and_utc().timestamp_millis(),
                    t.time() == chrono::NaiveTime::MIN,
                ))),
                Err(_) if v.trim().is_empty() => Some(None),
                Err(_) => None,
            }
        }
    }) else {
        return Ok(None);
    };
    let midnight = ms.iter().flatten().all(|&(_, m)| m);
    let ms: Vec<Option<i64>> = ms.into_iter().map(|t| t.map(|(ms, _)| ms)).collect();
    if midnight {
        return Ok(None);
    }
    Ok(Some(
        Column::new(c.name().clone(), ms)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?,
    ))
}

/// Turns every text column whose values are all dates in one format into a Date column (or a
/// Datetime column for ISO date-times with times of day).
pub fn convert_text_dates(df: &mut DataFrame) -> Result<()> {
    use rayon::prelude::*;
    let converted: Vec<Column> = super::on_polars_pool(|| {
        df.columns()
            .par_iter()
            .filter(|c| c.dtype().is_string())
            .map(to_date_or_datetime)
            .collect::<Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    for c in converted {
        df.with_column(c)?;
    }
    Ok(())
}

/// A text column as a Date or Datetime column, if every value reads as one.
fn to_date_or_datetime(c: &Column) -> Result<Option<Column>> {
    if let Some(dt) = to_datetime(c)? {
        return Ok(Some(dt));
    }
    let s = c.str()?;
    let Some(format) = detect_format(s.iter().flatten()) else {
        return Ok(None);
    };
    // Every value must read: a column with one odd value stays text, untouched.
    let Some(days) = par_map_all(s, |v| match v {
        None => Some(None),
        Some(v) => match parse_fast(v, format).or_else(|| parse_with(v, format)) {
            Some(day) => Some(Some(day)),
            None if v.trim().is_empty() => Some(None),
            None => None,
        },
    }) else {
        return Ok(None);
    };
    Ok(Some(
        Column::new(c.name().clone(), days).cast(&DataType::Date)?,
    ))
}

/// `f` of every value of `s`, in order, computed on all cores; `None` if `f` gives `None` for
/// any value.
fn par_map_all<T: Send>(
    s: &StringChunked,
    f: impl Fn(Option<&str>) -> Option<T> + Sync,
) -> Option<Vec<T>> {
    use rayon::prelude::*;
    const PART: usize = 1 << 16;
    let parts: Vec<Vec<T>> = (0..s.len().div_ceil(PART))
        .into_par_iter()
        .map(|i| s.slice((i * PART) as i64, PART).iter().map(&f).collect())
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(s.len());
    for part in parts {
        out.extend(part);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_reads_what_chrono_reads() {
        let cases = [
            ("2024-03-31", "%Y-%m-%d"),
            ("2024-3-1", "%Y-%m-%d"),
            ("2024/12/01", "%Y/%m/%d"),
            ("31.03.2024", "%d.%m.%Y"),
            ("03/31/2024", "%m/%d/%Y"),
            ("31/03/2024", "%d/%m/%Y"),
            ("31-03-2024", "%d-%m-%Y"),
            ("2024-02-29 10:00:00", "%Y-%m-%d"),
            ("2023-02-29", "%Y-%m-%d"),
            ("1700-01-01", "%Y-%m-%d"),
            ("24-03-31", "%Y-%m-%d"),
            ("2024-003-31", "%Y-%m-%d"),
            ("2024-03-031", "%Y-%m-%d"),
        ];
        for (text, format) in cases {
            assert_eq!(
                parse_fast(text, format).or_else(|| parse_with(text, format)),
                parse_with(text, format),
                "{text} {format}"
            );
        }
        assert_eq!(
            parse_fast("2024-03-31", "%Y-%m-%d"),
            parse_with("2024-03-31", "%Y-%m-%d")
        );
        assert!(parse_fast("2024-03-31", "%Y-%m-%d").is_some());
    }

    #[test]
    fn formats_and_ambiguity() {
        assert_eq!(
            detect_format(["31.03.2024", "01.12.2023"].into_iter()),
            Some("%d.%m.%Y")
        );
        assert_eq!(
            detect_format(["03/31/2024", "12/01/2023"].into_iter()),
            Some("%m/%d/%Y")
        );
        assert_eq!(
            detect_format(["31/03/2024", "01/12/2023"].into_iter()),
            Some("%d/%m/%Y")
        );
        // Both readings fit: month first.
        assert_eq!(detect_format(["03/04/2024"].into_iter()), Some("%m/%d/%Y"));
        // Except the first of every month, written day-first: monthly data.
        let monthly = ["01/01/2024", "01/02/2024", "01/03/2024", "01/12/2024"];
        assert_eq!(detect_format(monthly.into_iter()), Some("%d/%m/%Y"));
        assert_eq!(parse_with("01/03/2024", "%d/%m/%Y"), from_ymd(2024, 3, 1));
        // One date alone stays month-first (nothing varies).
        assert_eq!(detect_format(["01/03/2024"].into_iter()), Some("%m/%d/%Y"));
        assert_eq!(ymd(from_ymd(2010, 4, 1).unwrap_or_default()), (2010, 4, 1));
        assert_eq!(
            detect_format(["2024-03-31 10:00:00"].into_iter()),
            Some("%Y-%m-%d")
        );
        assert_eq!(detect_format(["hello", "2024-01-01"].into_iter()), None);
        assert_eq!(detect_format(["00123"].into_iter()), None);
        assert_eq!(parse_one("1970-01-02"), Some(1));
        assert_eq!(weekday_of(0), 4); // 1970-01-01 was a Thursday
        assert_eq!(month_of(31), 2);
    }

    #[test]
    fn converts_only_clean_date_columns() {
        let mut df = df!(
            "d" => ["31.03.2024", "01.04.2024"],
            "x" => ["31.03.2024", "soon"],
        )
        .unwrap();
        convert_text_dates(&mut df).unwrap();
        assert_eq!(df.column("d").unwrap().dtype(), &DataType::Date);
        assert_eq!(df.column("x").unwrap().dtype(), &DataType::String);
    }
}

/// How a column becomes dates, decided once from the first rows of a file read in pieces
/// ([`super::load::stream`]) and applied to every piece, as the whole-file load would read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateReading {
    /// ISO date-times with times of day, in this format.
    Datetime(&'static str),
    /// Dates in this format.
    Date(&'static str),
    /// Whole numbers written YYYYMMDD.
    Compact,
}

/// How [`convert_text_dates`] and [`convert_compact_dates`] read `c`: `None` leaves it as it is.
pub(crate) fn reading_of(c: &Column) -> Result<Option<DateReading>> {
    if c.dtype().is_string() {
        let Some(converted) = to_date_or_datetime(c)? else {
            return Ok(None);
        };
        let s = c.str()?;
        let sample: Vec<&str> = s
            .iter()
            .flatten()
            .filter(|v| !v.trim().is_empty())
            .take(SAMPLE)
            .collect();
        return Ok(match converted.dtype() {
            DataType::Datetime(..) => DATETIME_FORMATS
                .iter()
                .find(|f| {
                    sample.iter().all(|v| {
                        chrono::NaiveDateTime::parse_from_str(v.trim().trim_end_matches('Z'), f)
                            .is_ok()
                    })
                })
                .map(|f| DateReading::Datetime(f)),
            _ => detect_format(sample.into_iter()).map(DateReading::Date),
        });
    }
    if c.dtype().is_integer()
        && named_like_a_date(c.name())
        && c.null_count() != c.len()
        && compact_days(c)?.is_some()
    {
        return Ok(Some(DateReading::Compact));
    }
    Ok(None)
}

/// `c` read as `reading` says; `Err((row, value))` names the first value that doesn't read
/// that way (its row in `c`, from 0).
pub(crate) fn read_as(
    c: &Column,
    reading: DateReading,
) -> Result<std::result::Result<Column, (usize, String)>> {
    let first_bad = |ok: &dyn Fn(&str) -> bool| -> Result<(usize, String)> {
        let s = c.cast(&DataType::String)?;
        let found = s.str()?.iter().enumerate().find_map(|(i, v)| {
            v.filter(|v| !v.trim().is_empty() && !ok(v))
                .map(|v| (i, v.to_owned()))
        });
        Ok(found.unwrap_or((0, String::new())))
    };
    match reading {
        DateReading::Compact => match compact_days(c)? {
            Some(days) => Ok(Ok(
                Column::new(c.name().clone(), days).cast(&DataType::Date)?
            )),
            None => Ok(Err(first_bad(&|v| {
                v.parse::<i64>().ok().and_then(compact_day).is_some()
            })?)),
        },
        DateReading::Date(format) => {
            let s = c.str()?;
            let days = par_map_all(s, |v| match v {
                None => Some(None),
                Some(v) => match parse_fast(v, format).or_else(|| parse_with(v, format)) {
                    Some(day) => Some(Some(day)),
                    None if v.trim().is_empty() => Some(None),
                    None => None,
                },
            });
            match days {
                Some(days) => Ok(Ok(
                    Column::new(c.name().clone(), days).cast(&DataType::Date)?
                )),
                None => Ok(Err(first_bad(&|v| {
                    parse_fast(v, format)
                        .or_else(|| parse_with(v, format))
                        .is_some()
                })?)),
            }
        }
        DateReading::Datetime(format) => {
            let read = |v: &str| {
                chrono::NaiveDateTime::parse_from_str(v.trim().trim_end_matches('Z'), format).ok()
            };
            let s = c.str()?;
            let ms = par_map_all(s, |v| match v {
                None => Some(None),
                Some(v) => match read(v) {
                    Some(t) => Some(Some(t.and_utc().timestamp_millis())),
                    None if v.trim().is_empty() => Some(None),
                    None => None,
                },
            });
            match ms {
                Some(ms) => Ok(Ok(Column::new(c.name().clone(), ms)
                    .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?)),
                None => Ok(Err(first_bad(&|v| read(v).is_some())?)),
            }
        }
    }
}
