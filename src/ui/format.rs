//! How values are written on screen.

use polars::prelude::AnyValue;

/// A table cell as text: missing is empty, text has no quotes, floats are short.
pub fn cell(v: &AnyValue) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => (*s).to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(f) => number(*f),
        AnyValue::Float32(f) => number(f64::from(*f)),
        other => other.to_string(),
    }
}

/// A number with at most four decimals and no trailing zeros.
pub fn number(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{f:.0}");
    }
    let s = format!("{f:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Money and other amounts: whole numbers with thousands separators from 100 up, two
/// decimals below.
pub fn amount(f: f64) -> String {
    if !f.is_finite() {
        return number(f);
    }
    if f.abs() >= 100.0 {
        let sign = if f < 0.0 { "-" } else { "" };
        format!("{sign}{}", count(f.abs().round() as usize))
    } else {
        format!("{f:.2}")
    }
}

/// A model setting: like [`number`], but tiny values in scientific notation ("1e-9").
pub fn setting(f: f64) -> String {
    if f != 0.0 && f.abs() < 1e-3 {
        format!("{f:e}")
    } else {
        number(f)
    }
}

/// A file size: "812 B", "14.2 KB", "3.1 MB".
pub fn bytes(n: usize) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n} B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.1} KB", n / 1024.0)
    } else {
        format!("{:.1} MB", n / (1024.0 * 1024.0))
    }
}

/// An integer with thousands separators: 20000 to "20,000".
pub fn count(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A duration for a status line: "0.4 s", "2 min 05 s".
pub fn seconds(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        let s = secs.round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(count(20_000), "20,000");
        assert_eq!(count(999), "999");
        assert_eq!(number(0.81234567), "0.8123");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(3.0), "3");
        assert_eq!(cell(&AnyValue::String("a")), "a");
        assert_eq!(seconds(125.0), "2 min 05 s");
        assert_eq!(setting(1e-9), "1e-9");
        assert_eq!(setting(0.1), "0.1");
        assert_eq!(bytes(2_048), "2.0 KB");
    }
}
