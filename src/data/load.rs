//! Reading customer tables from files and bytes.
//!
//! Text files are sniffed before polars sees them: a UTF-8 byte-order mark is dropped, text that
//! is not UTF-8 is read as Latin-1 instead of failing, CR-only line ends become LF, and the
//! delimiter (comma, semicolon, tab or pipe) is chosen from the first lines. When polars rejects
//! a file we scan it ourselves to say which line is at fault.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::*;

use crate::error::{Error, Result};

/// Bytes read per chunk when loading with progress.
const CHUNK_BYTES: usize = 4 << 20;

/// Rows polars looks at to decide column types before falling back to a full scan.
const INFER_ROWS: usize = 10_000;

/// Loads the table at `path`, reporting bytes read as `(read, total)` and stopping early (with
/// [`Error::Cancelled`]) once `cancel` is set.
pub fn load_path(
    path: &Path,
    on_progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<DataFrame> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::bad_file(
            path,
            "is a folder, not a file: pick a CSV file",
        ));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if let Some(kind) = match ext.as_str() {
        "xlsx" | "xls" | "xlsm" => Some("Excel workbooks"),
        "parquet" => Some("Parquet files"),
        "json" | "ndjson" | "jsonl" => Some("JSON files"),
        _ => None,
    } {
        return Err(Error::bad_file(
            path,
            format!("{kind} can't be opened yet: export the sheet as CSV and open that"),
        ));
    }

    let total = meta.len();
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut chunk = vec![0u8; CHUNK_BYTES];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let n = file.read(&mut chunk).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        on_progress(bytes.len() as u64, total);
    }
    read_csv_bytes(&bytes, path)
}

/// Parses CSV-like text in `bytes`; `source` names it in error messages.
pub fn read_csv_bytes(bytes: &[u8], source: &Path) -> Result<DataFrame> {
    let text = normalise_text(bytes, source)?;
    let separator = sniff_separator(&text);
    let read = |infer: Option<usize>| {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(infer)
            .with_parse_options(
                CsvParseOptions::default()
                    .with_separator(separator)
                    .with_try_parse_dates(true),
            )
            .into_reader_with_file_handle(std::io::Cursor::new(text.as_slice()))
            .finish()
    };
    let mut df = match read(Some(INFER_ROWS)) {
        Ok(df) => df,
        // A value past the inferred rows that does not fit the inferred type: scan every row.
        Err(_) => read(None).map_err(|e| describe_csv_error(&text, separator, source, &e))?,
    };
    if df.width() == 0 {
        return Err(Error::bad_file(source, "has no columns"));
    }
    let names: Vec<PlSmallStr> = df
        .get_column_names()
        .iter()
        .map(|n| n.trim().trim_start_matches('\u{feff}').into())
        .collect();
    df.set_column_names(&names)?;
    df.rechunk_mut();
    Ok(df)
}

/// UTF-8 without BOM and with LF line ends, whatever came in.
fn normalise_text(bytes: &[u8], source: &Path) -> Result<Vec<u8>> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::bad_file(source, "is empty"));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Error::bad_file(
            source,
            "is UTF-16 text, which can't be read yet: save it as UTF-8 CSV",
        ));
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Err(Error::bad_file(
            source,
            "contains binary data (NUL bytes), not a text table: pick a CSV file",
        ));
    }
    let mut text = match std::str::from_utf8(bytes) {
        Ok(_) => bytes.to_vec(),
        // Not UTF-8: Latin-1 maps every byte to the code point of the same number.
        Err(_) => bytes
            .iter()
            .map(|&b| char::from(b))
            .collect::<String>()
            .into_bytes(),
    };
    if !text.contains(&b'\n') && text.contains(&b'\r') {
        for b in &mut text {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
    }
    Ok(text)
}

/// Counts fields per line for the first lines, outside quotes.
fn field_counts(text: &[u8], separator: u8, max_lines: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut in_quotes, mut fields, mut line, mut line_has_content) = (false, 1, 1, false);
    for &b in text {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                line_has_content = true;
            }
            b'\n' if !in_quotes => {
                if line_has_content {
                    out.push((line, fields));
                    if out.len() >= max_lines {
                        return out;
                    }
                }
                line += 1;
                fields = 1;
                line_has_content = false;
            }
            b'\n' => line += 1,
            b'\r' => {}
            _ if b == separator && !in_quotes => {
                fields += 1;
                line_has_content = true;
            }
            _ => line_has_content = true,
        }
    }
    if line_has_content {
        out.push((line, fields));
    }
    out
}

/// The delimiter that splits the first lines into the same number of fields (more than one),
/// preferring the one giving the most fields; comma when nothing fits.
fn sniff_separator(text: &[u8]) -> u8 {
    let mut best = (b',', 0usize, 0usize); // (separator, consistent lines, fields)
    for sep in [b',', b';', b'\t', b'|'] {
        let counts = field_counts(text, sep, 30);
        let Some(&(_, header)) = counts.first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        let consistent = counts.iter().filter(|(_, c)| *c == header).count();
        if (consistent, header) > (best.1, best.2) {
            best = (sep, consistent, header);
        }
    }
    best.0
}

/// Turns a polars parse error into one that names the line, by scanning the text ourselves.
fn describe_csv_error(text: &[u8], separator: u8, source: &Path, err: &PolarsError) -> Error {
    let counts = field_counts(text, separator, usize::MAX);
    if let Some(&(_, header)) = counts.first()
        && let Some(&(line, fields)) = counts.iter().skip(1).find(|(_, c)| *c != header)
    {
        return Error::bad_file(
            source,
            format!(
                "line {line} has {fields} fields, the header has {header}: fix or remove that line"
            ),
        );
    }
    if text.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
        return Error::bad_file(
            source,
            "a quoted field is never closed (odd number of \" characters)",
        );
    }
    let msg = err.to_string();
    Error::bad_file(source, msg.lines().next().unwrap_or("could not be read"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<DataFrame> {
        read_csv_bytes(text.as_bytes(), Path::new("t.csv"))
    }

    #[test]
    fn sniffs_semicolons_and_tabs() {
        let df = read("a;b;c\n1;2;3\n4;5;6\n").unwrap();
        assert_eq!(df.shape(), (2, 3));
        let df = read("a\tb\n1\t2\n").unwrap();
        assert_eq!(df.get_column_names(), ["a", "b"]);
    }

    #[test]
    fn trims_names_and_drops_bom() {
        let df = read_csv_bytes(b"\xEF\xBB\xBF id , spend \n1,2.5\n", Path::new("t.csv")).unwrap();
        assert_eq!(df.get_column_names(), ["id", "spend"]);
        assert_eq!(df.column("spend").unwrap().dtype(), &DataType::Float64);
    }

    #[test]
    fn cr_only_and_latin1() {
        let df = read_csv_bytes(b"name,n\rJos\xe9,1\rAnn,2\r", Path::new("t.csv")).unwrap();
        assert_eq!(df.height(), 2);
        let name = df.column("name").unwrap().get(0).unwrap();
        assert_eq!(name.get_str(), Some("José"));
    }

    #[test]
    fn dates_become_dates() {
        let df = read("d,x\n2024-01-31,1\n2024-02-01,2\n").unwrap();
        assert_eq!(df.column("d").unwrap().dtype(), &DataType::Date);
    }

    #[test]
    fn errors_name_the_line() {
        let err = read("a,b,c\n1,2,3\n4,5,6,7,8\n").unwrap_err().to_string();
        assert!(
            err.contains("line 3 has 5 fields, the header has 3"),
            "{err}"
        );
        assert!(read("").unwrap_err().to_string().contains("is empty"));
        let err = read_csv_bytes(b"a,b\n\0\0\0", Path::new("x.bin")).unwrap_err();
        assert!(err.to_string().contains("binary"), "{err}");
    }

    #[test]
    fn missing_and_folder_paths() {
        let cancel = AtomicBool::new(false);
        let err = load_path(Path::new("/no/such/file.csv"), &mut |_, _| {}, &cancel).unwrap_err();
        assert!(err.to_string().starts_with("/no/such/file.csv"), "{err}");
        let err = load_path(Path::new("/tmp"), &mut |_, _| {}, &cancel).unwrap_err();
        assert!(err.to_string().contains("folder"), "{err}");
    }
}
