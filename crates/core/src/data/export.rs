//! Atomic file writers: every file is written beside its target under a temporary name and
//! renamed over it only once complete, so a failure never leaves a half-written file or
//! damages the file that was there.

use std::io::{BufWriter, Write};
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

/// Writes `path` through `write`, atomically.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut std::fs::File>) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(Error::bad_file(
            path,
            "is a folder: give a file name to write",
        ));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(path, e))?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        write(&mut w)?;
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    // A temp file is private (0600); give the result the target's permissions, or the usual
    // ones for a new file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::metadata(path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
        tmp.as_file()
            .set_permissions(perms)
            .map_err(|e| Error::io(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Writes `df` as a comma-separated file with a header, atomically.
pub fn write_csv(df: &DataFrame, path: &Path) -> Result<()> {
    let mut df = df.clone();
    write_atomic(path, |w| {
        CsvWriter::new(w)
            .include_header(true)
            .finish(&mut df)
            .map_err(|e| Error::bad_file(path, e.to_string()))
    })
}

/// The file formats the scored customers can be exported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableFormat {
    Csv,
    Xlsx,
}

impl TableFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    /// The format a file name asks for (CSV unless it ends in .xlsx).
    pub fn of(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("xlsx") => Self::Xlsx,
            _ => Self::Csv,
        }
    }
}

/// Writes `df` as a table in `format`, atomically.
pub fn write_table(df: &DataFrame, path: &Path, format: TableFormat) -> Result<()> {
    match format {
        TableFormat::Csv => write_csv(df, path),
        TableFormat::Xlsx => write_xlsx(df, path),
    }
}

/// Excel allows 1,048,576 rows per sheet, the header included.
pub const XLSX_MAX_ROWS: usize = 1_048_575;

/// Writes `df` as an Excel workbook (one sheet, a header row, dates as dates), atomically.
pub fn write_xlsx(df: &DataFrame, path: &Path) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    if df.height() > XLSX_MAX_ROWS {
        return Err(Error::bad_file(
            path,
            format!(
                "{} rows don't fit in an Excel sheet (at most {XLSX_MAX_ROWS}): export CSV instead",
                df.height()
            ),
        ));
    }
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::bad_file(path, e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("customers").map_err(xlsx)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (j, c) in df.columns().iter().enumerate() {
        let col = j as u16;
        sheet
            .write_string_with_format(0, col, c.name().as_str(), &bold)
            .map_err(xlsx)?;
        match c.dtype() {
            DataType::Date => {
                let days = c.cast(&DataType::Int32)?;
                for (i, v) in days.i32()?.iter().enumerate() {
                    if let Some(d) = v {
                        // Excel counts days from 1899-12-30.
                        sheet
                            .write_number_with_format(
                                i as u32 + 1,
                                col,
                                f64::from(d) + 25_569.0,
                                &date,
                            )
                            .map_err(xlsx)?;
                    }
                }
            }
            t if t.is_primitive_numeric() || t.is_bool() => {
                let f = c.cast(&DataType::Float64)?;
                for (i, v) in f.f64()?.iter().enumerate() {
                    if let Some(x) = v.filter(|x| x.is_finite()) {
                        sheet.write_number(i as u32 + 1, col, x).map_err(xlsx)?;
                    }
                }
            }
            _ => {
                let s = c.cast(&DataType::String)?;
                for (i, v) in s.str()?.iter().enumerate() {
                    if let Some(text) = v {
                        sheet.write_string(i as u32 + 1, col, text).map_err(xlsx)?;
                    }
                }
            }
        }
    }
    let bytes = book.save_to_buffer().map_err(xlsx)?;
    write_atomic(path, |w| {
        w.write_all(&bytes).map_err(|e| Error::io(path, e))
    })
}

/// What a versioned JSON file of ours is: its `format` tag, the newest `format_version` this
/// build reads, the largest size accepted, and a word for messages ("model", "project").
pub struct JsonKind {
    pub format: &'static str,
    pub version: u32,
    pub max_bytes: u64,
    pub noun: &'static str,
}

/// Reads one of our versioned JSON files, refusing other files, newer versions and oversized
/// files with a message that says which.
pub fn read_versioned_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    kind: &JsonKind,
) -> Result<T> {
    use std::io::Read;
    let noun = kind.noun;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > kind.max_bytes {
        return Err(too_large(path, noun));
    }
    let mut bytes = Vec::new();
    file.take(kind.max_bytes)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    parse_versioned_json(&bytes, kind, path)
}

fn too_large(path: &Path, noun: &str) -> Error {
    Error::bad_file(path, format!("is too large to be a {noun} file"))
}

/// Parses the bytes of one of our versioned JSON files (`source` names it in messages): the
/// checks of [`read_versioned_json`] without the file.
pub fn parse_versioned_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    kind: &JsonKind,
    source: &Path,
) -> Result<T> {
    let noun = kind.noun;
    if bytes.len() as u64 > kind.max_bytes {
        return Err(too_large(source, noun));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::bad_file(source, format!("is not a {noun} file (not text)")))?;
    // The header first, read past everything else without building it (a forest's file is
    // tens of megabytes: a `serde_json::Value` of it took several times that).
    let not_ours = || Error::bad_file(source, format!("is not a Marketing Workbench {noun} file"));
    let header: Header = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            return not_ours();
        }
        Error::bad_file(
            source,
            format!(
                "is not a {noun} file (line {}, column {}: {e})",
                e.line(),
                e.column()
            ),
        )
    })?;
    if header.format.as_ref().and_then(|f| f.as_str()) != Some(kind.format) {
        return Err(not_ours());
    }
    let version = header
        .format_version
        .as_ref()
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if version > u64::from(kind.version) {
        return Err(Error::bad_file(
            source,
            format!(
                "was saved by a newer Marketing Workbench ({noun} format {version}, this one reads {}): update the app",
                kind.version
            ),
        ));
    }
    serde_json::from_str(text)
        .map_err(|e| Error::bad_file(source, format!("is a damaged {noun} file: {e}")))
}

/// What every one of our JSON files starts with; the other fields are skipped, not kept.
#[derive(serde::Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<serde_json::Value>,
    #[serde(default)]
    format_version: Option<serde_json::Value>,
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(value: &T, path: &Path) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)
            .map_err(|e| Error::bad_file(path, e.to_string()))?;
        w.write_all(b"\n").map_err(|e| Error::io(path, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_versioned_file_is_checked_by_its_header_then_read_whole() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Thing {
            format: String,
            size: u32,
        }
        let kind = JsonKind {
            format: "mw-thing",
            version: 2,
            max_bytes: 1000,
            noun: "thing",
        };
        let read = |text: &str| {
            parse_versioned_json::<Thing>(text.as_bytes(), &kind, Path::new("t.json"))
                .map_err(|e| e.to_string())
        };
        let ok = read(r#"{"size": 3, "extra": [1, {"a": 2}], "format": "mw-thing"}"#).unwrap();
        assert_eq!(ok.size, 3);
        for other in [r#"{"format": "other"}"#, r#"{"format": 3}"#, "[1, 2]", "{}"] {
            let err = read(other).unwrap_err();
            assert!(
                err.contains("is not a Marketing Workbench thing file"),
                "{other}: {err}"
            );
        }
        let err = read("{\n\"format\": \"mw-thing\",\n\"size\": }").unwrap_err();
        assert!(err.contains("is not a thing file (line 3, column"), "{err}");
        let err = read(r#"{"format": "mw-thing", "format_version": 3, "size": 1}"#).unwrap_err();
        assert!(err.contains("newer Marketing Workbench"), "{err}");
        let err = read(r#"{"format": "mw-thing", "size": "big"}"#).unwrap_err();
        assert!(err.contains("is a damaged thing file"), "{err}");
    }

    #[test]
    fn failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"half").unwrap();
            Err(Error::InvalidInput("boom".into()))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temp file left behind"
        );

        let df = df!("a" => [1, 2]).unwrap();
        write_csv(&df, &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\n1\n2\n");
    }

    #[test]
    fn xlsx_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.xlsx");
        let df = df!("id" => ["a", "b"], "score" => [0.25, 0.75], "n" => [1i64, 2]).unwrap();
        write_xlsx(&df, &path).unwrap();
        let back = crate::data::load::load_path(
            &path,
            &Default::default(),
            &mut |_, _| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(back.get_column_names(), ["id", "score", "n"]);
        assert_eq!(
            back.column("score").unwrap().get(1).unwrap(),
            AnyValue::Float64(0.75)
        );
        assert_eq!(TableFormat::of(&path), TableFormat::Xlsx);
    }
}
