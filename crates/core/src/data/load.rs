//! Reading customer tables the way marketers have them.
//!
//! Text tables are sniffed before polars sees them: UTF-8 with or without BOM, UTF-16 with BOM,
//! and Windows-1252 as a fallback; LF, CRLF or CR-only line ends; comma, semicolon, tab, pipe or
//! runs of spaces (aligned text); a header or none; decimal commas; dates as ISO, d.m.Y, m/d/Y
//! or (when unambiguous) d/m/Y; codes with leading zeros stay text. Excel (.xlsx/.xls, any sheet),
//! Parquet, NDJSON and JSON arrays are read too. When a file can't be read the error names the
//! line and says what to do.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::*;

use super::dates;
use crate::error::{Error, Result};

/// Bytes read per chunk when loading with progress.
const CHUNK_BYTES: usize = 4 << 20;

/// Rows polars looks at to decide column types before falling back to a full scan.
const INFER_ROWS: usize = 10_000;

/// Lines looked at when sniffing delimiter, header and column quirks.
const SNIFF_LINES: usize = 200;

/// Texts that mean "missing" in exports.
const NULL_TEXTS: [&str; 8] = ["", "NA", "N/A", "#N/A", "null", "NULL", "None", "-"];

/// What kind of file a path holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Text,
    Excel,
    Parquet,
    Json,
    NdJson,
}

/// Choices the user makes about a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The worksheet of an Excel file (the first one when `None`).
    pub sheet: Option<String>,
}

/// The kind of file, from its first bytes, then its name.
pub fn file_kind(path: &Path, head: &[u8]) -> FileKind {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if head.starts_with(b"PAR1") {
        return FileKind::Parquet;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return FileKind::Excel;
    }
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => return FileKind::Excel,
        "parquet" => return FileKind::Parquet,
        "ndjson" | "jsonl" => return FileKind::NdJson,
        _ => {}
    }
    let first = head
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(head)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    match (first, ext.as_str()) {
        (Some(b'['), _) => FileKind::Json,
        (Some(b'{'), _) => FileKind::NdJson,
        (_, "json") => FileKind::Json,
        _ => FileKind::Text,
    }
}

/// The worksheets of an Excel file, in order.
pub fn sheet_names(path: &Path) -> Result<Vec<String>> {
    use calamine::Reader;
    let wb = calamine::open_workbook_auto(path)
        .map_err(|e| Error::bad_file(path, format!("can't be read as a workbook: {e}")))?;
    Ok(wb.sheet_names().to_vec())
}

/// Loads the table at `path` (a file, or a `postgresql://` URL), reporting bytes read as `(read, total)` and stopping early (with
/// [`Error::Cancelled`]) once `cancel` is set.
pub fn load_path(
    path: &Path,
    options: &LoadOptions,
    on_progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<DataFrame> {
    // A `postgresql://` URL reads from the database (see [`super::postgres`]).
    if let Some(url) = path.to_str().filter(|s| super::postgres::is_url(s)) {
        let location = super::postgres::Location::parse(url)?;
        return super::postgres::read(&location, on_progress, cancel);
    }
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::bad_file(path, "not found: check the name and folder")
        }
        _ => Error::io(path, e),
    })?;
    if meta.is_dir() {
        return Err(Error::bad_file(
            path,
            "is a folder, not a file: pick a data file",
        ));
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Error::io(path, e))?;
    let kind = file_kind(path, &head[..n]);
    check_fits_in_memory(path, meta.len(), kind, available_memory())?;
    let mut df = match kind {
        FileKind::Excel => read_excel(path, options.sheet.as_deref())?,
        FileKind::Parquet => {
            let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            ParquetReader::new(f).finish().map_err(|e| {
                Error::bad_file(
                    path,
                    format!("is not a readable Parquet file: {}", first_line(&e)),
                )
            })?
        }
        kind @ (FileKind::Json | FileKind::NdJson) => {
            let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let format = if kind == FileKind::Json {
                JsonFormat::Json
            } else {
                JsonFormat::JsonLines
            };
            JsonReader::new(f)
                .with_json_format(format)
                .finish()
                .map_err(|e| {
                    Error::bad_file(path, format!("is not readable JSON: {}", first_line(&e)))
                })?
        }
        FileKind::Text => {
            if meta.len() >= stream::LOAD_IN_PIECES_FROM
                && let Some(df) = read_in_pieces(path, on_progress, cancel)?
            {
                return Ok(df);
            }
            let bytes = read_with_progress(path, meta.len(), on_progress, cancel)?;
            return read_text(bytes, path);
        }
    };
    on_progress(meta.len(), meta.len());
    if df.width() == 0 {
        return Err(Error::bad_file(path, "has no columns"));
    }
    df.rechunk_mut_par();
    dates::convert_text_dates(&mut df)?;
    dates::convert_compact_dates(&mut df)?;
    Ok(df)
}

/// About how many times its size on disk a file of `kind` takes in memory at the peak of
/// loading it.
pub fn memory_factor(kind: FileKind) -> u64 {
    match kind {
        // The bytes read, their decoded (UTF-8, LF) copy, and the columns polars builds.
        FileKind::Text | FileKind::Json | FileKind::NdJson => 3,
        // Compressed column chunks, decompressed.
        FileKind::Parquet => 5,
        // Zipped XML: every cell becomes a value of its own before the columns are built.
        FileKind::Excel => 10,
    }
}

/// Refuses a file of `size` bytes of `kind` that would not fit in the `available` bytes of
/// memory once loaded ([`memory_factor`]); `None` (not known) lets every file through. Pure:
/// [`load_path`] passes [`available_memory`].
pub fn check_fits_in_memory(
    path: &Path,
    size: u64,
    kind: FileKind,
    available: Option<u64>,
) -> Result<()> {
    let Some(available) = available else {
        return Ok(());
    };
    let need = size.saturating_mul(memory_factor(kind));
    if need <= available {
        return Ok(());
    }
    Err(Error::bad_file(
        path,
        format!(
            "{} would take about {} of memory to load, more than the {} free: close other programs, or load a smaller extract (fewer rows or columns)",
            byte_size(size),
            byte_size(need),
            byte_size(available)
        ),
    ))
}

/// A size in bytes as people say it: "38.2 GB", "512 MB" (powers of 1000, like file managers).
pub fn byte_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} bytes"),
        _ if value < 99.95 => format!("{value:.1} {}", UNITS[unit]),
        _ => format!("{value:.0} {}", UNITS[unit]),
    }
}

/// Memory the process can still take, in bytes: Linux's `MemAvailable`, lowered to the room
/// left under the process's cgroup limit (containers) when it has one, and to
/// `MW_MEMORY_LIMIT` when set (bytes, or with K, M, G: "2G" — to leave memory to other
/// programs). `None` when none of these can be read (other systems, no /proc): then no file is
/// refused for its size.
pub fn available_memory() -> Option<u64> {
    let limit = std::env::var("MW_MEMORY_LIMIT")
        .ok()
        .and_then(|v| parse_bytes(&v));
    #[cfg(target_os = "linux")]
    let system = mem_available(&std::fs::read_to_string("/proc/meminfo").unwrap_or_default())
        .map(|available| cgroup_room().map_or(available, |room| room.min(available)));
    #[cfg(not(target_os = "linux"))]
    let system: Option<u64> = None;
    match (system, limit) {
        (Some(s), Some(l)) => Some(s.min(l)),
        (s, l) => s.or(l),
    }
}

/// "2G", "600M", "512k", "1.5G" or a plain number of bytes (powers of 1024).
pub fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], t[i..].trim()),
        None => (t, ""),
    };
    let scale: u64 = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return None,
    };
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some((value * scale as f64) as u64)
}

/// `MemAvailable` of /proc/meminfo, in bytes.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn mem_available(meminfo: &str) -> Option<u64> {
    let rest = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?;
    let mut parts = rest.split_whitespace();
    let value: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") => value.checked_mul(1024),
        None => Some(value),
        Some(_) => None,
    }
}

/// Bytes left under this process's cgroup memory limit (the limit less what is in use and can't
/// be reclaimed); `None` without a limit or when anything is unreadable.
#[cfg(target_os = "linux")]
fn cgroup_room() -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    cgroup_room_in(&own, &|p: &Path| std::fs::read_to_string(p).ok())
}

/// [`cgroup_room`] from the text of /proc/self/cgroup and a reader of the cgroup files. cgroup
/// v2 (`0::/path`): `memory.max` ("max" is no limit), `memory.current`, `inactive_file` of
/// `memory.stat`. cgroup v1 (`N:memory:/path`, or a line naming memory among other
/// controllers): `memory.limit_in_bytes` (a number near 2^63 is no limit),
/// `memory.usage_in_bytes`, `total_inactive_file`. The v2 limit is taken when both exist.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn cgroup_room_in(own: &str, read: &dyn Fn(&Path) -> Option<String>) -> Option<u64> {
    let number =
        |dir: &Path, name: &str| -> Option<u64> { read(&dir.join(name))?.trim().parse().ok() };
    let cache = |dir: &Path, key: &str| {
        read(&dir.join("memory.stat")).map_or(0, |s| reclaimable_cache(&s, key))
    };
    let room =
        |limit: u64, current: u64, cache: u64| limit.saturating_sub(current.saturating_sub(cache));
    if let Some(rel) = own.lines().find_map(|l| l.strip_prefix("0::")) {
        let dir = Path::new("/sys/fs/cgroup").join(rel.trim().trim_start_matches('/'));
        if let (Some(limit), Some(current)) =
            (number(&dir, "memory.max"), number(&dir, "memory.current"))
        {
            return Some(room(limit, current, cache(&dir, "inactive_file")));
        }
    }
    let rel = own.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then_some(path)
    })?;
    let dir = Path::new("/sys/fs/cgroup/memory").join(rel.trim().trim_start_matches('/'));
    let limit = number(&dir, "memory.limit_in_bytes")?;
    if limit >= 1 << 60 {
        return None; // v1 writes "no limit" as the largest page-aligned i64
    }
    let current = number(&dir, "memory.usage_in_bytes")?;
    Some(room(limit, current, cache(&dir, "total_inactive_file")))
}

/// File cache counted in a cgroup's use that the kernel drops before it runs out (`key`:
/// `inactive_file` in v2, `total_inactive_file` in v1).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn reclaimable_cache(stat: &str, key: &str) -> u64 {
    stat.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn first_line(e: &PolarsError) -> String {
    e.to_string()
        .lines()
        .next()
        .unwrap_or("unknown error")
        .to_owned()
}

fn read_with_progress(
    path: &Path,
    total: u64,
    on_progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<Vec<u8>> {
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
    Ok(bytes)
}

/// The text table at `path` read piece by piece ([`stream::TextPieces`]) into one table of
/// many chunks, never holding the file's bytes: the same table as [`read_text`] gives, some
/// 60 MB less at the peak for 1M customers. `None` when the whole-file load must read it — a
/// file the pieces reader doesn't take, or one it stops on (a later value that doesn't fit
/// the first rows' types, a broken row): reading it whole then gives its table or says what
/// is wrong, and where.
pub fn read_in_pieces(
    path: &Path,
    on_progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<Option<DataFrame>> {
    let Some(pieces) = stream::TextPieces::open_with_head(path, stream::LOAD_HEAD_BYTES)? else {
        return Ok(None);
    };
    let total = pieces.len();
    let mut table: Option<DataFrame> = None;
    let mut freed = crate::memory::Freed::default();
    let read = pieces.for_each(stream::LOAD_PIECE_BYTES, cancel, &mut |piece| {
        on_progress(piece.bytes_done, total);
        let mut frame = piece.frame;
        // One chunk per piece, not polars' one per thread and piece (16 per 8 MB here).
        frame.rechunk_mut_par();
        match &mut table {
            Some(t) => {
                t.vstack_mut_owned(frame)?;
            }
            None => table = Some(frame),
        }
        // The piece's text and polars' parsing buffers, freed: not kept by the process.
        freed.add(stream::LOAD_PIECE_BYTES);
        Ok(())
    });
    match read {
        Ok(()) => Ok(table.filter(|t| t.width() > 0)),
        Err(Error::Cancelled) => Err(Error::Cancelled),
        Err(_) => Ok(None),
    }
}

/// Parses CSV-like text in `bytes`; `source` names it in error messages.
pub fn read_text_bytes(bytes: &[u8], source: &Path) -> Result<DataFrame> {
    read_text(bytes.to_vec(), source)
}

/// [`read_text_bytes`] on bytes it may keep: UTF-8 text with LF line ends is parsed in place,
/// without a second copy of the file in memory.
pub fn read_text(bytes: Vec<u8>, source: &Path) -> Result<DataFrame> {
    let mut text = decode(bytes, source)?;
    let mut sniff = sniff(&text);
    if let Some(spacing) = sniff.aligned {
        text = aligned_to_tabs(&text, spacing);
        sniff.separator = b'\t';
    }
    if ends_inside_quotes(&text, sniff.separator) {
        return Err(unclosed_quote(source));
    }
    let records = split_records(&text, sniff.separator, SNIFF_LINES);
    let Some(Layout {
        has_header,
        names,
        keep_text,
        decimal_comma,
        has_rows,
    }) = layout(&records, sniff.separator)
    else {
        return Err(Error::bad_file(source, "is empty"));
    };
    // Every missing-value text costs polars a comparison per field, so it first gets only those
    // seen in the rows it infers types from (twice as many, to be sure). One that shows up later
    // in a number column makes that read fail, and the file is read again with all of them; in
    // a text column it is made missing afterwards. The outcome is the same either way.
    let seen_nulls = null_texts_in(&text, sniff.separator, 2 * INFER_ROWS + 1);

    let read = |nulls: &[&str], infer: Option<usize>| {
        let mut options = CsvReadOptions::default()
            .with_has_header(false)
            .with_skip_rows(usize::from(has_header))
            .with_infer_schema_length(infer)
            .with_parse_options(
                CsvParseOptions::default()
                    .with_separator(sniff.separator)
                    // Dates are ours to read (polars would take 03/04 as 3 April).
                    .with_try_parse_dates(false)
                    .with_decimal_comma(decimal_comma)
                    .with_null_values((!nulls.is_empty()).then(|| {
                        NullValues::AllColumns(nulls.iter().map(|s| (*s).into()).collect())
                    })),
            );
        if !keep_text.is_empty() {
            options =
                options.with_schema_overwrite(Some(Arc::new(Schema::from_iter(keep_text.clone()))));
        }
        options
            .into_reader_with_file_handle(std::io::Cursor::new(text.as_slice()))
            .finish()
    };
    if !has_rows && has_header {
        return Err(Error::bad_file(source, "has column names but no rows"));
    }
    let some_nulls_unseen = seen_nulls.len() < NULL_TEXTS.len();
    let mut df = match read(&seen_nulls, Some(INFER_ROWS)) {
        Ok(df) => df,
        Err(e) => match if some_nulls_unseen {
            read(&NULL_TEXTS, Some(INFER_ROWS))
        } else {
            Err(e)
        } {
            Ok(df) => df,
            // A value past the inferred rows that does not fit the inferred type: scan every
            // row.
            Err(_) => read(&NULL_TEXTS, None)
                .map_err(|e| describe_csv_error(&text, sniff.separator, source, &e))?,
        },
    };
    if some_nulls_unseen {
        null_texts_to_missing(&mut df)?;
    }
    if df.width() == 0 {
        return Err(Error::bad_file(source, "has no columns"));
    }
    if df.width() != names.len() {
        return Err(describe_csv_error(
            &text,
            sniff.separator,
            source,
            &PolarsError::ComputeError("the rows have different numbers of fields".into()),
        ));
    }
    df.set_column_names(&names)?;
    dates::convert_text_dates(&mut df)?;
    dates::convert_compact_dates(&mut df)?;
    Ok(df)
}

/// What the first records of a text table say about all of it.
struct Layout {
    has_header: bool,
    names: Vec<String>,
    /// Columns of codes with leading zeros ("00123"), which must stay text, not become 123 —
    /// under polars' names column_1.. (the header line is skipped and named by us).
    keep_text: Vec<Field>,
    decimal_comma: bool,
    /// Whether any record follows the header.
    has_rows: bool,
}

/// The [`Layout`] of the first `records` of a table separated by `separator`; `None` without
/// any record.
fn layout(records: &[(usize, Vec<String>)], separator: u8) -> Option<Layout> {
    let (_, first) = records.first()?;
    let has_header = looks_like_header(records);
    let width = first.len();
    let names: Vec<String> = if has_header {
        clean_names(first)
    } else {
        (1..=width).map(|i| format!("column_{i}")).collect()
    };
    let data_rows = &records[usize::from(has_header)..];
    let keep_text: Vec<Field> = (0..width)
        .filter(|&j| {
            data_rows
                .iter()
                .any(|(_, r)| r.get(j).is_some_and(|v| is_leading_zero_code(v)))
        })
        .map(|j| Field::new(format!("column_{}", j + 1).into(), DataType::String))
        .collect();
    Some(Layout {
        has_header,
        names,
        keep_text,
        decimal_comma: separator != b',' && uses_decimal_comma(data_rows),
        has_rows: !data_rows.is_empty(),
    })
}

/// The missing-value texts that are a whole field (quoted or not) somewhere in the first `lines`
/// lines of `text`.
fn null_texts_in(text: &[u8], separator: u8, lines: usize) -> Vec<&'static str> {
    let end = memchr::memchr_iter(b'\n', text)
        .nth(lines)
        .map_or(text.len(), |i| i + 1);
    let head = &text[..end];
    let edge = |b: Option<&u8>| b.is_none_or(|&b| b == separator || b == b'\n' || b == b'"');
    NULL_TEXTS
        .into_iter()
        .filter(|t| {
            if t.is_empty() {
                let (sep, nl) = (separator, b'\n');
                return head.first() == Some(&sep)
                    || [[sep, sep], [sep, nl], [nl, sep], [b'"', b'"']]
                        .iter()
                        .any(|pair| memchr::memmem::find(head, pair).is_some());
            }
            memchr::memmem::find_iter(head, t.as_bytes()).any(|i| {
                edge(i.checked_sub(1).and_then(|j| head.get(j))) && edge(head.get(i + t.len()))
            })
        })
        .collect()
}

/// Makes the missing-value texts in text columns missing.
fn null_texts_to_missing(df: &mut DataFrame) -> Result<()> {
    use rayon::prelude::*;
    let is_null_text = |v: &str| v.len() <= 4 && NULL_TEXTS.contains(&v);
    let fixed: Vec<Column> = super::on_polars_pool(|| {
        df.columns()
            .par_iter()
            .filter_map(|c| {
                let s = c.str().ok()?;
                s.iter().flatten().any(is_null_text).then(|| {
                    let kept: StringChunked =
                        s.iter().map(|v| v.filter(|v| !is_null_text(v))).collect();
                    kept.with_name(c.name().clone()).into_column()
                })
            })
            .collect()
    });
    for c in fixed {
        df.with_column(c)?;
    }
    Ok(())
}

/// UTF-8 without BOM, with LF line ends and a newline at the end, whatever came in.
fn decode(bytes: Vec<u8>, source: &Path) -> Result<Vec<u8>> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::bad_file(source, "is empty"));
    }
    let mut text = if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(&bytes) {
        let (cow, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        cow.into_owned().into_bytes()
    } else if std::str::from_utf8(&bytes).is_ok() {
        bytes
    } else {
        if bytes[..bytes.len().min(8192)].contains(&0) {
            return Err(Error::bad_file(
                source,
                "contains binary data (NUL bytes), not a text table: pick a CSV, Excel, Parquet or JSON file",
            ));
        }
        // Not UTF-8: Windows-1252 (a superset of Latin-1), what spreadsheets on Windows write.
        let (cow, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
        cow.into_owned().into_bytes()
    };
    if text[..text.len().min(8192)].contains(&0) {
        return Err(Error::bad_file(
            source,
            "contains binary data (NUL bytes), not a text table: pick a CSV, Excel, Parquet or JSON file",
        ));
    }
    if text.contains(&b'\r') {
        let mut out = Vec::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'\r' if text.get(i + 1) == Some(&b'\n') => {}
                b'\r' => out.push(b'\n'),
                b => out.push(b),
            }
            i += 1;
        }
        text = out;
    }
    // The last line ends with a newline too. Besides being what text files do, this keeps
    // polars 0.55's CSV parser safe: a file ending in a lone opening quote (`a,b\n1,"`) gave it
    // a one-byte quoted field, which it slices as [1..0] unchecked (found by fuzzing).
    if text.last() != Some(&b'\n') {
        text.push(b'\n');
    }
    Ok(text)
}

/// The delimiter, and whether columns are aligned with runs of spaces instead (and how).
struct Sniff {
    separator: u8,
    aligned: Option<Spacing>,
}

/// How the fields of space-aligned text are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spacing {
    /// Any run of spaces or tabs is one separator (values have no spaces in them).
    Runs,
    /// Two or more spaces separate fields; a single space belongs to a value ("New York").
    Wide,
}

/// Lines looked at to decide the delimiter.
const DELIMITER_LINES: usize = 30;

fn sniff(text: &[u8]) -> Sniff {
    let mut best = (b',', 0usize, 0usize); // (separator, consistent lines, fields)
    for sep in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = split_records(text, sep, DELIMITER_LINES)
            .iter()
            .map(|(_, r)| r.len())
            .collect();
        let Some(&header) = counts.first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        let consistent = counts.iter().filter(|c| **c == header).count();
        if (consistent, header) > (best.1, best.2) {
            best = (sep, consistent, header);
        }
    }
    if best.1 == 0 {
        // No delimiter splits the lines: aligned text, if one way of splitting on spaces gives
        // every line the same number of fields. Decided once for the file: old exports pad
        // columns with runs of varying width, so a line with a double space and one without are
        // split the same way.
        let lines: Vec<&str> = std::str::from_utf8(text)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(DELIMITER_LINES)
            .collect();
        for spacing in [Spacing::Runs, Spacing::Wide] {
            let widths: Vec<usize> = lines
                .iter()
                .map(|l| split_aligned(l, spacing).len())
                .collect();
            if widths.first().is_some_and(|&w| w >= 2) && widths.iter().all(|&w| w == widths[0]) {
                return Sniff {
                    separator: b'\t',
                    aligned: Some(spacing),
                };
            }
        }
    }
    Sniff {
        separator: best.0,
        aligned: None,
    }
}

/// Fields of an aligned-text line.
fn split_aligned(line: &str, spacing: Spacing) -> Vec<&str> {
    let line = line.trim();
    match spacing {
        Spacing::Runs => line.split_whitespace().collect(),
        Spacing::Wide => line
            .split("  ")
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect(),
    }
}

fn aligned_to_tabs(text: &[u8], spacing: Spacing) -> Vec<u8> {
    let s = String::from_utf8_lossy(text);
    let mut out = String::with_capacity(s.len());
    for line in s.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str(&split_aligned(line, spacing).join("\t"));
        out.push('\n');
    }
    out.into_bytes()
}

/// The first `max` records as fields (quotes honoured, quotes removed), with the line each starts on.
fn split_records(text: &[u8], separator: u8, max: usize) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let (mut in_quotes, mut line, mut start_line, mut any) = (false, 1, 1, false);
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'"' if in_quotes && text.get(i + 1) == Some(&b'"') => {
                field.push(b'"');
                i += 1;
            }
            b'"' => {
                in_quotes = !in_quotes;
                any = true;
            }
            b'\n' if !in_quotes => {
                if any || !field.is_empty() || !fields.is_empty() {
                    fields.push(String::from_utf8_lossy(&field).into_owned());
                    out.push((start_line, std::mem::take(&mut fields)));
                    if out.len() >= max {
                        return out;
                    }
                }
                field.clear();
                any = false;
                line += 1;
                start_line = line;
            }
            b'\n' => {
                field.push(b);
                line += 1;
            }
            _ if b == separator && !in_quotes => {
                fields.push(String::from_utf8_lossy(&field).into_owned());
                field.clear();
                any = true;
            }
            _ => {
                field.push(b);
                any = true;
            }
        }
        i += 1;
    }
    if any || !field.is_empty() || !fields.is_empty() {
        fields.push(String::from_utf8_lossy(&field).into_owned());
        out.push((start_line, fields));
    }
    out
}

fn is_number(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty() && (v.parse::<f64>().is_ok() || v.replacen(',', ".", 1).parse::<f64>().is_ok())
}

fn is_leading_zero_code(v: &str) -> bool {
    let v = v.trim();
    v.len() > 1 && v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit())
}

/// A first line is a header unless it looks like the data under it: some field of it is a
/// number (or date) in a column that holds numbers (or dates) below.
fn looks_like_header(records: &[(usize, Vec<String>)]) -> bool {
    let Some((_, first)) = records.first() else {
        return true;
    };
    let rest = &records[1..];
    if rest.is_empty() {
        return true;
    }
    let kind = |v: &str| {
        if is_number(v) {
            1
        } else if dates::parse_one(v).is_some() {
            2
        } else {
            0
        }
    };
    !first.iter().enumerate().any(|(j, v)| {
        let k = kind(v);
        k != 0
            && rest
                .iter()
                .filter_map(|(_, r)| r.get(j))
                .filter(|x| !x.trim().is_empty())
                .all(|x| kind(x) == k)
    })
}

/// Header names trimmed of spaces and BOMs; blanks named `column_N`; repeats numbered.
fn clean_names(raw: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for (j, n) in raw.iter().enumerate() {
        let base = n.trim().trim_start_matches('\u{feff}').trim().to_owned();
        let base = if base.is_empty() || base == super::ROW_ID {
            format!("column_{}", j + 1)
        } else {
            base
        };
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        names.push(name);
    }
    names
}

/// Whether numbers are written 12,5 rather than 12.5.
fn uses_decimal_comma(rows: &[(usize, Vec<String>)]) -> bool {
    let (mut comma, mut dot) = (0, 0);
    for (_, r) in rows {
        for v in r {
            let v = v.trim().trim_start_matches('-');
            if let Some((a, b)) = v.split_once(',')
                && !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
            {
                comma += 1;
            } else if let Some((a, b)) = v.split_once('.')
                && !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
            {
                dot += 1;
            }
        }
    }
    comma > 0 && comma >= dot
}

fn unclosed_quote(source: &Path) -> Error {
    Error::bad_file(
        source,
        "a quoted field is never closed (odd number of \" characters)",
    )
}

/// Whether the text ends inside a quoted field, read as polars reads quotes: a field that starts
/// with `"` ends at the first separator or line end after an even number of quotes. (Polars
/// takes such a file, truncated mid-field, as if the quote closed at the end.)
fn ends_inside_quotes(text: &[u8], separator: u8) -> bool {
    let mut i = 0;
    while let Some(q) = memchr::memchr(b'"', &text[i..]).map(|q| i + q) {
        // A quote inside an unquoted field is a plain character.
        if q > 0 && text[q - 1] != separator && text[q - 1] != b'\n' {
            i = q + 1;
            continue;
        }
        // A quoted field: quotes toggle it open and closed; once closed, it ends at the next
        // separator or line end.
        let mut at = q + 1;
        loop {
            let Some(close) = memchr::memchr(b'"', &text[at..]) else {
                return true;
            };
            at += close + 1;
            match memchr::memchr3(b'"', separator, b'\n', &text[at..]) {
                None => return false,
                Some(k) if text[at + k] == b'"' => at += k + 1,
                Some(k) => {
                    at += k + 1;
                    break;
                }
            }
        }
        i = at;
    }
    false
}

/// Turns a polars parse error into one that names the line, by scanning the text ourselves.
fn describe_csv_error(text: &[u8], separator: u8, source: &Path, err: &PolarsError) -> Error {
    let records = split_records(text, separator, usize::MAX);
    if let Some((_, header)) = records.first()
        && let Some((line, fields)) = records
            .iter()
            .skip(1)
            .find(|(_, r)| r.len() != header.len())
    {
        return Error::bad_file(
            source,
            format!(
                "line {line} has {} fields, the header has {}: fix or remove that line",
                fields.len(),
                header.len()
            ),
        );
    }
    if text.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
        return unclosed_quote(source);
    }
    Error::bad_file(source, first_line(err))
}

/// Reads a worksheet: the first row names the columns; each column's type follows its cells.
fn read_excel(path: &Path, sheet: Option<&str>) -> Result<DataFrame> {
    use calamine::{Data, Reader};
    let mut wb = calamine::open_workbook_auto(path)
        .map_err(|e| Error::bad_file(path, format!("can't be read as a workbook: {e}")))?;
    let names = wb.sheet_names().to_vec();
    let sheet = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_owned(),
        Some(s) => {
            return Err(Error::bad_file(
                path,
                format!("has no sheet '{s}' (it has: {})", names.join(", ")),
            ));
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::bad_file(path, "has no worksheets"))?,
    };
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| Error::bad_file(path, format!("sheet '{sheet}' can't be read: {e}")))?;
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(Error::bad_file(path, format!("sheet '{sheet}' is empty")));
    };
    let header: Vec<String> = header.iter().map(|c| c.to_string()).collect();
    let names = clean_names(&header);
    let body: Vec<&[Data]> = rows.collect();
    let mut columns = Vec::with_capacity(names.len());
    for (j, name) in names.iter().enumerate() {
        let cells: Vec<&Data> = body
            .iter()
            .map(|r| r.get(j).unwrap_or(&Data::Empty))
            .collect();
        let present = || cells.iter().filter(|c| !matches!(c, Data::Empty));
        let name: PlSmallStr = name.as_str().into();
        let col = if present().all(|c| matches!(c, Data::Int(_))) {
            let v: Vec<Option<i64>> = cells
                .iter()
                .map(|c| match c {
                    Data::Int(i) => Some(*i),
                    _ => None,
                })
                .collect();
            Column::new(name, v)
        } else if present().all(|c| matches!(c, Data::Int(_) | Data::Float(_))) {
            let v: Vec<Option<f64>> = cells
                .iter()
                .map(|c| match c {
                    Data::Int(i) => Some(*i as f64),
                    Data::Float(f) => Some(*f),
                    _ => None,
                })
                .collect();
            if v.iter()
                .flatten()
                .all(|f| f.fract() == 0.0 && f.abs() < 9e15)
            {
                Column::new(
                    name,
                    v.iter().map(|f| f.map(|f| f as i64)).collect::<Vec<_>>(),
                )
            } else {
                Column::new(name, v)
            }
        } else if present().all(|c| matches!(c, Data::Bool(_))) {
            let v: Vec<Option<bool>> = cells
                .iter()
                .map(|c| match c {
                    Data::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect();
            Column::new(name, v)
        } else if present().next().is_some() && present().all(|c| matches!(c, Data::DateTime(_))) {
            let stamps: Vec<Option<chrono::NaiveDateTime>> = cells
                .iter()
                .map(|c| match c {
                    Data::DateTime(d) => d.as_datetime(),
                    _ => None,
                })
                .collect();
            let midnight = stamps
                .iter()
                .flatten()
                .all(|t| t.time() == chrono::NaiveTime::MIN);
            if midnight {
                let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
                let days: Vec<Option<i32>> = stamps
                    .iter()
                    .map(|t| t.map(|t| (t.date() - epoch).num_days() as i32))
                    .collect();
                Column::new(name, days).cast(&DataType::Date)?
            } else {
                let ms: Vec<Option<i64>> = stamps
                    .iter()
                    .map(|t| t.map(|t| t.and_utc().timestamp_millis()))
                    .collect();
                Column::new(name, ms).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?
            }
        } else {
            let v: Vec<Option<String>> = cells
                .iter()
                .map(|c| match c {
                    Data::Empty => None,
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => {
                        Some(format!("{}", *f as i64))
                    }
                    other => Some(other.to_string()),
                })
                .collect();
            Column::new(name, v)
        };
        columns.push(col);
    }
    Ok(DataFrame::new(body.len(), columns)?)
}

pub mod stream;

#[cfg(test)]
mod tests;
