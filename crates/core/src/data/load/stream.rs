//! A text table read in pieces, for files larger than memory: everything the whole-file load
//! ([`super::read_text`]) decides — delimiter, header, names, codes kept as text, decimal comma,
//! each column's type, which columns are dates and in which format — is decided once from the
//! file's first [`HEAD_BYTES`], then every piece of about `piece_bytes` is read with those
//! decisions, so the pieces put together are the table the whole-file load gives. A later value
//! that doesn't fit its column's type or date format (the whole-file load would then have typed
//! the column otherwise) ends the read with an error naming the line, never a different table.
//! Files this reader doesn't take (not UTF-8, space-aligned columns) are said so with `None`
//! by [`TextPieces::open`]: those load whole.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::*;

use super::{
    INFER_ROWS, Layout, NULL_TEXTS, SNIFF_LINES, ends_inside_quotes, first_line, layout,
    null_texts_in, null_texts_to_missing, sniff, split_records,
};
use crate::data::dates::{self, DateReading};
use crate::error::{Error, Result};

/// Bytes at the start of the file from which the reading is decided.
pub const HEAD_BYTES: usize = 16 << 20;

/// Bytes per piece when none are asked for: about 16 MB of text, some 40–60 MB as a table.
/// Measured scoring 1M / 5M customers: 16 MB pieces 3.1 s / 14.9 s at 178 / 288 MB peak, 64 MB
/// pieces 3.4 s / 15.9 s at 489 / 535 MB, 8 MB pieces 3.1 s / 15.8 s at 135 / 250 MB.
pub const PIECE_BYTES: usize = 16 << 20;

/// Text tables at least this large are scored in pieces even when they would fit in memory:
/// the output is the same, the memory a piece's (scoring 1M customers whole: 2.9 s, 461 MB
/// peak, 3.7× the table; in pieces 3.1 s, 178 MB, 1.4×).
pub const SCORE_IN_PIECES_FROM: u64 = 16 << 20;

/// Text tables at least this large are loaded piece by piece into one table of a chunk per
/// piece (`load::read_in_pieces`), not parsed from the whole file's bytes held in memory: the
/// same table, without the file's bytes (1M customers, 77 MB of text: loaded 0.46 s and
/// 196 MB peak in pieces, 0.41 s and 259 MB whole).
pub const LOAD_IN_PIECES_FROM: u64 = 16 << 20;

/// Bytes per piece when loading a whole table piece by piece.
pub const LOAD_PIECE_BYTES: usize = 8 << 20;

/// Bytes of the head a table loaded piece by piece is decided from: enough for the rows the
/// whole-file load decides from (its types from the first [`INFER_ROWS`] rows, its missing
/// texts from twice as many). A later value that would have decided otherwise stops the read
/// and the file loads whole, so a smaller head is never a different table, only slower on odd
/// files; [`HEAD_BYTES`] took 0.125 s of the 0.55 s load of 1M customers.
pub const LOAD_HEAD_BYTES: usize = 2 << 20;

/// The reading of the text table at `path` in pieces when `score` and `profile` should read
/// it so: a text file (not a database URL, Excel, Parquet or JSON) larger than
/// [`SCORE_IN_PIECES_FROM`] or than memory allows whole, that [`TextPieces::open`] takes.
pub fn pieces_when_large(path: &Path) -> Result<Option<TextPieces>> {
    pieces_when(path, |len, too_big| too_big || len >= SCORE_IN_PIECES_FROM)
}

/// The reading of the text table at `path` in pieces when it is too large to load whole
/// ([`super::check_fits_in_memory`]), for training on a sample of it ([`TextPieces::sample`]).
pub fn pieces_if_too_big(path: &Path) -> Result<Option<TextPieces>> {
    pieces_when(path, |_, too_big| too_big)
}

/// [`TextPieces::open`] for a text file (not a database URL, Excel, Parquet or JSON) of which
/// `wanted(size, too big to load whole)` says yes.
fn pieces_when(path: &Path, wanted: impl Fn(u64, bool) -> bool) -> Result<Option<TextPieces>> {
    if path.to_str().is_some_and(crate::data::postgres::is_url) {
        return Ok(None);
    }
    // Folders, missing and unreadable files: the whole-file load says what is wrong.
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(None);
    };
    if !meta.is_file() {
        return Ok(None);
    }
    let mut head = [0u8; 64];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return Ok(None);
    };
    let kind = super::file_kind(path, &head[..n]);
    let too_big =
        super::check_fits_in_memory(path, meta.len(), kind, super::available_memory()).is_err();
    if kind != super::FileKind::Text || !wanted(meta.len(), too_big) {
        return Ok(None);
    }
    TextPieces::open(path)
}

/// Whether the text table at `path` fits in memory whole ([`super::check_fits_in_memory`]).
pub fn fits_whole(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| {
        super::check_fits_in_memory(
            path,
            m.len(),
            super::FileKind::Text,
            super::available_memory(),
        )
        .is_ok()
    })
}

/// Text bytes of sample per byte of memory left: training takes some 5–8 times the table's
/// size, and a table some 2 times its text.
const SAMPLE_TEXT_PER_MEMORY: u64 = 16;

/// A uniform random sample of a table's rows and how many rows the table has.
pub struct Sample {
    pub frame: DataFrame,
    pub total_rows: usize,
}

/// Where row `index` falls in [0, 1), the same for a seed whatever the pieces (SplitMix64).
fn unit(seed: u64, index: u64) -> f64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A text table's reading, decided from its head, to read it piece by piece.
#[derive(Debug)]
pub struct TextPieces {
    path: PathBuf,
    separator: u8,
    names: Vec<String>,
    /// Each column's type as polars reads it (dates come after), under polars' own names.
    schema: SchemaRef,
    decimal_comma: bool,
    /// The missing-value texts the head uses, given to polars (each one costs it a comparison
    /// per field); the others are found as the whole-file load finds them.
    nulls: Vec<&'static str>,
    /// Columns read as dates, by position.
    dates: Vec<(usize, DateReading)>,
    /// Where the rows start (past a byte-order mark and the header line).
    start: u64,
    /// Rows and bytes of rows in the head, to estimate the file's rows.
    head_rows: usize,
    head_bytes: usize,
    /// The file's line number of the first row.
    first_line: usize,
    len: u64,
}

/// A piece of the table and where it was in the file.
pub struct Piece {
    pub frame: DataFrame,
    /// The file's line number of the piece's first row.
    pub first_line: usize,
    /// Bytes of the file read so far, of [`TextPieces::len`].
    pub bytes_done: u64,
}

/// The end of the last whole record in `text` (just past its line end), read from a record's
/// start; `None` when no record ends in it.
fn last_record_end(text: &[u8], separator: u8) -> Option<usize> {
    let mut end = text.len();
    loop {
        let nl = memchr::memrchr(b'\n', &text[..end])?;
        if !ends_inside_quotes(&text[..=nl], separator) {
            return Some(nl + 1);
        }
        end = nl;
    }
}

/// `text` with the whole-file load's line ends: CR LF and lone CR become LF.
fn lf_only(text: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !text.contains(&b'\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {}
            b'\r' => out.push(b'\n'),
            b => out.push(b),
        }
    }
    std::borrow::Cow::Owned(out)
}

impl TextPieces {
    /// Decides how to read the text table at `path` from its first [`HEAD_BYTES`]; `None` for
    /// a file that must load whole (not UTF-8, columns aligned with spaces, no rows).
    pub fn open(path: &Path) -> Result<Option<Self>> {
        Self::open_with_head(path, HEAD_BYTES)
    }

    /// [`Self::open`] deciding from the first `head_bytes` of the file.
    pub fn open_with_head(path: &Path, head_bytes: usize) -> Result<Option<Self>> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut head = Vec::with_capacity(head_bytes.min(len as usize));
        (&mut file)
            .take(head_bytes as u64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(path, e))?;
        let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            3
        } else {
            0
        };
        let body = &head[bom..];
        if body.contains(&0) || encoding_rs::Encoding::for_bom(&head).is_some_and(|(_, n)| n != 3) {
            return Ok(None);
        }
        // The head up to its last whole line (the whole file when it is the whole file).
        let whole = head.len() as u64 == len;
        let cut = if whole {
            body.len()
        } else {
            match memchr::memrchr(b'\n', body) {
                Some(nl) => nl + 1,
                None => return Ok(None),
            }
        };
        if std::str::from_utf8(&body[..cut]).is_err() {
            return Ok(None);
        }
        let mut text = lf_only(&body[..cut]).into_owned();
        if text.last() != Some(&b'\n') {
            text.push(b'\n');
        }
        let sniffed = sniff(&text);
        if sniffed.aligned.is_some() {
            return Ok(None);
        }
        let separator = sniffed.separator;
        let text = match last_record_end(&text, separator) {
            Some(end) => &text[..end],
            None => return Ok(None),
        };
        let records = split_records(text, separator, SNIFF_LINES);
        let Some(Layout {
            has_header,
            names,
            keep_text,
            decimal_comma,
            has_rows: true,
        }) = layout(&records, separator)
        else {
            return Ok(None);
        };
        let header_end = if has_header {
            memchr::memchr(b'\n', text).map_or(text.len(), |i| i + 1)
        } else {
            0
        };
        // The types polars gives the head's rows, as the whole-file load asks for them.
        let read = |infer: Option<usize>| {
            let mut options =
                csv_options(separator, decimal_comma, &NULL_TEXTS).with_infer_schema_length(infer);
            if !keep_text.is_empty() {
                options = options
                    .with_schema_overwrite(Some(Arc::new(Schema::from_iter(keep_text.clone()))));
            }
            options
                .into_reader_with_file_handle(std::io::Cursor::new(&text[header_end..]))
                .finish()
        };
        let mut df = match read(Some(INFER_ROWS)).or_else(|_| read(None)) {
            Ok(df) => df,
            // Let the whole-file load say what is wrong.
            Err(_) => return Ok(None),
        };
        if df.width() != names.len() {
            return Ok(None);
        }
        let schema = df.schema().clone();
        df.set_column_names(&names)?;
        let mut readings = Vec::new();
        for (j, c) in df.columns().iter().enumerate() {
            if let Some(r) = dates::reading_of(c)? {
                readings.push((j, r));
            }
        }
        // Text dates first, then YYYYMMDD numbers, as the whole-file load converts them.
        readings.sort_by_key(|(_, r)| matches!(r, DateReading::Compact));
        // In the file itself (its line ends may be CR LF).
        let header_bytes = if has_header {
            memchr::memchr(b'\n', body).map_or(body.len(), |i| i + 1)
        } else {
            0
        };
        let start = (bom + header_bytes) as u64;
        Ok(Some(Self {
            path: path.to_path_buf(),
            separator,
            names,
            schema,
            decimal_comma,
            nulls: null_texts_in(text, separator, 2 * INFER_ROWS + 1),
            dates: readings,
            start,
            head_rows: df.height(),
            head_bytes: text.len() - header_end,
            first_line: 1 + usize::from(has_header),
            len,
        }))
    }

    /// The file's size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file has no bytes (never, for a file [`Self::open`] took).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// About how many rows the file has, from the head's bytes per row.
    pub fn estimated_rows(&self) -> usize {
        let per_row = self.head_bytes as f64 / self.head_rows.max(1) as f64;
        ((self.len - self.start) as f64 / per_row.max(1.0)).round() as usize
    }

    /// Rows of a sample to train on with `memory` bytes left (at least 1,000).
    pub fn rows_fitting(&self, memory: u64) -> usize {
        let per_row = (self.head_bytes as f64 / self.head_rows.max(1) as f64).max(1.0);
        ((memory / SAMPLE_TEXT_PER_MEMORY) as f64 / per_row).max(1_000.0) as usize
    }

    /// A uniform random sample of about `rows` of the table's rows, read piece by piece: each
    /// row is kept with the same chance (`rows` over the estimated rows), decided by `seed` and
    /// its place in the file alone, so the same seed gives the same rows whatever the pieces.
    pub fn sample(&self, rows: usize, seed: u64, cancel: &AtomicBool) -> Result<Sample> {
        self.sample_each(rows, seed, cancel, &mut |_| Ok(()))
    }

    /// [`Self::sample`], giving `each` every whole piece on the way.
    pub fn sample_each(
        &self,
        rows: usize,
        seed: u64,
        cancel: &AtomicBool,
        each: &mut dyn FnMut(&Piece) -> Result<()>,
    ) -> Result<Sample> {
        let share = (rows as f64 / self.estimated_rows().max(1) as f64).min(1.0);
        let mut kept: Option<DataFrame> = None;
        let mut seen: u64 = 0;
        self.for_each(PIECE_BYTES, cancel, &mut |piece| {
            each(&piece)?;
            let n = piece.frame.height() as u64;
            let mask: BooleanChunked = (seen..seen + n).map(|i| unit(seed, i) < share).collect();
            seen += n;
            let part = piece.frame.filter(&mask)?;
            match &mut kept {
                Some(k) => {
                    k.vstack_mut(&part)?;
                }
                None => kept = Some(part),
            }
            Ok(())
        })?;
        let mut frame = match kept {
            Some(k) => k,
            None => DataFrame::empty_with_schema(&self.schema).with_column_names(&self.names)?,
        };
        frame.rechunk_mut_par();
        Ok(Sample {
            frame,
            total_rows: seen as usize,
        })
    }

    /// Reads the table in pieces of about `piece_bytes` of text, each given to `each` in file
    /// order; stops at the first error (of the file or of `each`) or when `cancel` is set.
    pub fn for_each(
        &self,
        piece_bytes: usize,
        cancel: &AtomicBool,
        each: &mut dyn FnMut(Piece) -> Result<()>,
    ) -> Result<()> {
        let path = &self.path;
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        file.seek(SeekFrom::Start(self.start))
            .map_err(|e| Error::io(path, e))?;
        let mut pending: Vec<u8> = Vec::new();
        let mut line = self.first_line;
        let mut done = self.start;
        let mut at_end = false;
        while !at_end {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            let want = piece_bytes.max(1 << 12);
            let before = pending.len();
            // Exactly the piece's room: `read_to_end` would double a full buffer.
            pending.reserve_exact(want);
            (&mut file)
                .take(want as u64)
                .read_to_end(&mut pending)
                .map_err(|e| Error::io(path, e))?;
            at_end = pending.len() - before < want;
            let end = if at_end {
                pending.len()
            } else {
                match last_record_end(&pending, self.separator) {
                    Some(end) => end,
                    // One record longer than a piece: read on.
                    None => continue,
                }
            };
            if end == 0 {
                continue;
            }
            let rest = pending.split_off(end);
            let text = std::mem::replace(&mut pending, rest);
            done += text.len() as u64;
            let lines = memchr::memchr_iter(b'\n', &text).count();
            if std::str::from_utf8(&text).is_err() {
                return Err(Error::bad_file(
                    path,
                    format!(
                        "lines {line}–{}: not UTF-8 text like the file's first rows",
                        line + lines
                    ),
                ));
            }
            let frame = self.piece(&text, line)?;
            each(Piece {
                frame,
                first_line: line,
                bytes_done: done,
            })?;
            line += lines;
        }
        Ok(())
    }

    /// One piece of text (whole records) as a table typed as the head decided.
    fn piece(&self, text: &[u8], line: usize) -> Result<DataFrame> {
        let mut text = lf_only(text);
        if text.last() != Some(&b'\n') {
            text.to_mut().push(b'\n');
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            return DataFrame::empty_with_schema(&self.schema).with_column_names(&self.names);
        }
        let lines = memchr::memchr_iter(b'\n', &text).count();
        let beyond = |what: String| {
            Error::bad_file(
                &self.path,
                format!(
                    "lines {line}–{}: {what} (a file read in pieces takes each column's type from its first rows)",
                    line + lines - 1
                ),
            )
        };
        let read = |nulls: &[&str]| {
            csv_options(self.separator, self.decimal_comma, nulls)
                .with_schema(Some(self.schema.clone()))
                .into_reader_with_file_handle(std::io::Cursor::new(&*text))
                .finish()
        };
        // As the whole-file load: a missing-value text the head doesn't use makes a number
        // column's read fail (read again with all of them), and in a text column is made
        // missing afterwards.
        let some_unseen = self.nulls.len() < NULL_TEXTS.len();
        let mut df = match read(&self.nulls) {
            Err(_) if some_unseen => read(&NULL_TEXTS),
            read => read,
        }
        .map_err(|e| beyond(first_line(&e)))?;
        if some_unseen {
            null_texts_to_missing(&mut df)?;
        }
        if df.width() != self.names.len() {
            return Err(beyond(format!(
                "{} fields, the header has {}",
                df.width(),
                self.names.len()
            )));
        }
        df.set_column_names(&self.names)?;
        for &(j, reading) in &self.dates {
            let c = &df.columns()[j];
            match dates::read_as(c, reading)? {
                Ok(converted) => {
                    df.replace_column(j, converted)?;
                }
                Err((row, value)) => {
                    return Err(Error::bad_file(
                        &self.path,
                        format!(
                            "line {}: '{value}' in column '{}' is not a date like the column's first rows",
                            line + row,
                            self.names[j]
                        ),
                    ));
                }
            }
        }
        Ok(df)
    }
}

trait WithNames: Sized {
    fn with_column_names(self, names: &[String]) -> Result<Self>;
}

impl WithNames for DataFrame {
    fn with_column_names(mut self, names: &[String]) -> Result<Self> {
        self.set_column_names(names)?;
        Ok(self)
    }
}

/// The CSV options every piece and the head are read with: our separator and decimal comma,
/// every missing-value text, dates left as text (they are ours to read).
fn csv_options(separator: u8, decimal_comma: bool, nulls: &[&str]) -> CsvReadOptions {
    CsvReadOptions::default()
        .with_has_header(false)
        .with_parse_options(
            CsvParseOptions::default()
                .with_separator(separator)
                .with_try_parse_dates(false)
                .with_decimal_comma(decimal_comma)
                .with_null_values(
                    (!nulls.is_empty()).then(|| {
                        NullValues::AllColumns(nulls.iter().map(|s| (*s).into()).collect())
                    }),
                ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces of `text` read back together, and the whole-file load of it.
    fn both(text: &str, piece_bytes: usize) -> (DataFrame, DataFrame) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let pieces = TextPieces::open_with_head(&path, 16 << 10)
            .unwrap()
            .expect("read in pieces");
        let mut parts: Vec<DataFrame> = Vec::new();
        pieces
            .for_each(piece_bytes, &AtomicBool::new(false), &mut |p| {
                parts.push(p.frame);
                Ok(())
            })
            .unwrap();
        assert!(parts.len() > 1, "{} pieces", parts.len());
        let mut joined = parts.remove(0);
        for p in parts {
            joined.vstack_mut(&p).unwrap();
        }
        let whole = super::super::read_text(text.as_bytes().to_vec(), &path).unwrap();
        (joined, whole)
    }

    #[test]
    fn pieces_put_together_are_the_whole_file_table() {
        let mut text = String::from("id;amount;joined;code;note;stamp;visit_date\r\n");
        for i in 0..3000 {
            let note = match i % 7 {
                0 => "\"two\nlines; quoted\"".to_owned(),
                1 => "NA".to_owned(),
                _ => format!("n{i}"),
            };
            text.push_str(&format!(
                "{i};{},{:02};{:02}/{:02}/2023;{:05};{note};2024-01-{:02} {:02}:30:00;{}\r\n",
                i * 3,
                i % 100,
                1 + i % 28,
                1 + i % 12,
                i % 1000,
                1 + i % 28,
                i % 24,
                20_230_101 + (i % 28)
            ));
        }
        // Small pieces: records split at every place, quoted line ends kept inside a piece.
        let (joined, whole) = both(&text, 4096);
        assert_eq!(joined.schema(), whole.schema());
        for (a, b) in joined.columns().iter().zip(whole.columns()) {
            assert!(
                a.as_materialized_series()
                    .equals_missing(b.as_materialized_series()),
                "{}: {:?} {:?}",
                a.name(),
                a.head(Some(3)),
                b.head(Some(3))
            );
        }
        assert_eq!(whole.column("joined").unwrap().dtype(), &DataType::Date);
        assert_eq!(whole.column("code").unwrap().dtype(), &DataType::String);
        assert_eq!(whole.column("visit_date").unwrap().dtype(), &DataType::Date);
        assert!(matches!(
            whole.column("stamp").unwrap().dtype(),
            DataType::Datetime(..)
        ));
    }

    #[test]
    fn a_later_value_of_another_kind_is_an_error_with_its_line() {
        let mut text = String::from("id,joined\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},2023-01-{:02}\n", 1 + i % 28));
        }
        text.push_str("20000,soon\n");
        // The error reading `text` in pieces of 8 KB decided from its first 16 KB.
        let error_of = |text: &str| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t.csv");
            std::fs::write(&path, text).unwrap();
            let pieces = TextPieces::open_with_head(&path, 16 << 10)
                .unwrap()
                .unwrap();
            pieces
                .for_each(8192, &AtomicBool::new(false), &mut |_| Ok(()))
                .err()
                .unwrap()
                .to_string()
        };
        let e = error_of(&text);
        assert!(e.contains("line 20002") && e.contains("'soon'"), "{e}");
        let e = error_of(&text.replace("20000,soon\n", "x,2023-01-01\n"));
        assert!(e.contains("lines ") && e.contains("t.csv"), "{e}");
    }

    #[test]
    fn a_sample_is_the_same_rows_whatever_the_pieces() {
        let mut text = String::from("id,spend\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},{}.5\n", i % 97));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let pieces = TextPieces::open_with_head(&path, 16 << 10)
            .unwrap()
            .unwrap();
        let estimated = pieces.estimated_rows();
        assert!((15_000..25_000).contains(&estimated), "{estimated}");
        let a = pieces.sample(2_000, 7, &AtomicBool::new(false)).unwrap();
        assert_eq!(a.total_rows, 20_000);
        let n = a.frame.height();
        assert!((1_500..2_300).contains(&n), "{n} rows");
        // The same rows from the same seed; others from another.
        let b = pieces.sample(2_000, 7, &AtomicBool::new(false)).unwrap();
        assert!(a.frame.equals(&b.frame));
        let c = pieces.sample(2_000, 8, &AtomicBool::new(false)).unwrap();
        assert!(!a.frame.equals(&c.frame));
        assert_eq!(a.frame.get_column_names()[1].as_str(), "spend");
    }
}
