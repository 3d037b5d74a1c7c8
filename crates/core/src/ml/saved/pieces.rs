//! Scoring a text table larger than memory: read in pieces ([`TextPieces`]), each piece
//! scored by [`SavedModel::score`] and written on disk (beside the output) as the CSV text
//! `score` writes, less its decile column, with only its scores in memory; then the deciles,
//! which rank every row against all the others, computed once over all scores as the
//! whole-table `score` computes them, and put into the text record by record as it is copied
//! to the output. The output is the file `score` writes for the whole table; memory is about
//! one piece plus 9 bytes per row. (The pieces were kept as Parquet before: writing and
//! reading it back, then formatting the CSV, cost 20M rows some 6 s more than formatting each
//! piece once and copying the text.)

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::*;

use super::{DECILE, SCORE, SavedModel};
use crate::data::export::write_atomic;
use crate::data::load::stream::TextPieces;
use crate::error::{Error, Result};
use crate::ml::metrics::deciles;

/// What scoring in pieces did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScoredFile {
    pub rows: usize,
    pub pieces: usize,
    /// Category values the model had not seen in training.
    pub unseen_categories: usize,
    /// Rows the recipe filtered out (not in the output).
    pub removed_rows: usize,
}

/// A decile's text, by decile (0 unused).
const DECILE_TEXT: [&[u8]; 11] = [
    b"0", b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"9", b"10",
];

/// The scored pieces as CSV text on disk, split around the decile column.
struct Split {
    before: (PathBuf, BufWriter<File>),
    after: (PathBuf, BufWriter<File>),
}

impl Split {
    fn create(dir: &Path) -> Result<Self> {
        let open = |name: &str| -> Result<(PathBuf, BufWriter<File>)> {
            let path = dir.join(name);
            let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
            Ok((path, BufWriter::with_capacity(1 << 20, file)))
        };
        Ok(Self {
            before: open("before.csv")?,
            after: open("after.csv")?,
        })
    }

    /// Appends `frame`'s rows (and names, when `header`): the columns before `decile_at` to
    /// one file, those after it to the other; all of them to the first without a decile.
    fn write(
        &mut self,
        frame: &DataFrame,
        decile_at: Option<usize>,
        header: bool,
    ) -> PolarsResult<()> {
        let columns = frame.columns();
        let (first, rest) = match decile_at {
            Some(at) if at < columns.len() => (&columns[..at], &columns[at + 1..]),
            _ => (columns, &columns[..0]),
        };
        let part = |cols: &[Column], to: &mut BufWriter<File>| -> PolarsResult<()> {
            if cols.is_empty() {
                return Ok(());
            }
            let mut df = DataFrame::new(frame.height(), cols.to_vec())?;
            CsvWriter::new(to).include_header(header).finish(&mut df)
        };
        part(first, &mut self.before.1)?;
        part(rest, &mut self.after.1)
    }

    /// Flushes both files: their paths (the second only when something went to it).
    fn finish(self) -> Result<(PathBuf, Option<PathBuf>)> {
        let done = |(path, mut w): (PathBuf, BufWriter<File>)| -> Result<(PathBuf, bool)> {
            w.flush().map_err(|e| Error::io(&path, e))?;
            let used = w
                .get_ref()
                .metadata()
                .map_err(|e| Error::io(&path, e))?
                .len()
                > 0;
            Ok((path, used))
        };
        let (before, _) = done(self.before)?;
        let (after, used) = done(self.after)?;
        Ok((before, used.then_some(after)))
    }
}

/// CSV records read back one at a time (a record ends at a line end outside quotes).
struct Records {
    path: PathBuf,
    reader: BufReader<File>,
}

impl Records {
    fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            path: path.to_owned(),
            reader: BufReader::with_capacity(1 << 20, file),
        })
    }

    /// The next record into `line`, without its line end.
    fn next(&mut self, line: &mut Vec<u8>) -> Result<()> {
        line.clear();
        loop {
            let n = self
                .reader
                .read_until(b'\n', line)
                .map_err(|e| Error::io(&self.path, e))?;
            if n == 0 {
                return Err(Error::bad_file(
                    &self.path,
                    "the scored pieces end before their last row",
                ));
            }
            // An odd count of quotes so far: the line end is inside a quoted value.
            if memchr::memchr_iter(b'"', line).count().is_multiple_of(2) {
                break;
            }
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        Ok(())
    }
}

impl SavedModel {
    /// Scores the table `input` reads, piece by piece, into the CSV file `out` (written
    /// atomically); `on_progress(bytes read, of bytes)`.
    pub fn score_pieces(
        &self,
        input: &TextPieces,
        out: &Path,
        piece_bytes: usize,
        on_progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<ScoredFile> {
        if !self.recipe.is_row_wise() {
            return Err(Error::InvalidInput(
                "the model's recipe removes duplicate rows, which needs the whole table at once: it can't score a file larger than memory".into(),
            ));
        }
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let parts = tempfile::Builder::new()
            .prefix(".mw-score-pieces.")
            .tempdir_in(dir)
            .map_err(|e| Error::io(out, e))?;
        let mut done = ScoredFile::default();
        let mut scores: Vec<f64> = Vec::new();
        // Each piece's CSV as `score` writes it, less the decile column: the columns before
        // it in one file and those after it (a several-class model's probabilities) in another,
        // the deciles going in between once every row is ranked.
        let mut text = Split::create(parts.path())?;
        let mut decile_at: Option<usize> = None;
        let mut names: Vec<String> = Vec::new();
        input.for_each(piece_bytes, cancel, &mut |piece| {
            // Ranked below, against every row.
            let scored = self.score_ranked(&piece.frame, false)?;
            done.unseen_categories += scored.unseen_categories;
            done.removed_rows += scored.removed_rows;
            let frame = scored.frame;
            let at = match (frame.column(SCORE), frame.get_column_index(DECILE)) {
                (Ok(c), Some(at)) => {
                    scores.extend(c.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)));
                    Some(at)
                }
                _ => None,
            };
            if done.pieces == 0 {
                decile_at = at;
                names = frame
                    .get_column_names()
                    .iter()
                    .map(|n| n.to_string())
                    .collect();
            }
            text.write(&frame, decile_at, done.pieces == 0)
                .map_err(|e| Error::bad_file(out, e.to_string()))?;
            done.rows += frame.height();
            done.pieces += 1;
            on_progress(piece.bytes_done, input.len());
            Ok(())
        })?;
        let (before, after) = text.finish()?;
        // Every row ranked against all the others, as the whole table's `score` ranks them.
        let ranks = match decile_at {
            Some(_) => deciles(&scores),
            None => Vec::new(),
        };
        drop(scores);
        write_atomic(out, |w| {
            let mut before = Records::open(&before)?;
            let Some(at) = decile_at else {
                std::io::copy(&mut before.reader, w).map_err(|e| Error::io(out, e))?;
                return Ok(());
            };
            let mut after = match after {
                Some(p) if at + 1 < names.len() => Some(Records::open(&p)?),
                _ => None,
            };
            let mut line = Vec::new();
            let write_err = |e: std::io::Error| Error::io(out, e);
            // The header, then each row with its decile.
            for row in 0..=ranks.len() {
                if row % (1 << 20) == 0 && cancel.load(Ordering::Relaxed) {
                    return Err(Error::Cancelled);
                }
                before.next(&mut line)?;
                w.write_all(&line).map_err(write_err)?;
                w.write_all(b",").map_err(write_err)?;
                match row {
                    0 => w.write_all(DECILE.as_bytes()),
                    r => w.write_all(DECILE_TEXT[usize::from(ranks[r - 1]).min(10)]),
                }
                .map_err(write_err)?;
                if let Some(a) = &mut after {
                    a.next(&mut line)?;
                    w.write_all(b",").map_err(write_err)?;
                    w.write_all(&line).map_err(write_err)?;
                }
                w.write_all(b"\n").map_err(write_err)?;
            }
            Ok(())
        })?;
        Ok(done)
    }
}
