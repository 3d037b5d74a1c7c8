//! Scoring a text table larger than memory: read in pieces ([`TextPieces`]), each piece
//! scored by [`SavedModel::score`] and kept on disk (Parquet, beside the output) with only its
//! scores in memory; then the deciles, which rank every row against all the others, computed
//! once over all scores as the whole-table `score` computes them, and the pieces written out as
//! one CSV with them. The output is the file `score` writes for the whole table; memory is
//! about one piece plus 9 bytes per row.

use std::path::Path;
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

fn parquet_error(path: &Path, e: &PolarsError) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
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
        let mut has_deciles = false;
        input.for_each(piece_bytes, cancel, &mut |piece| {
            // Ranked below, against every row.
            let scored = self.score_ranked(&piece.frame, false)?;
            done.unseen_categories += scored.unseen_categories;
            done.removed_rows += scored.removed_rows;
            let mut frame = scored.frame;
            if let Ok(c) = frame.column(SCORE)
                && frame.get_column_index(DECILE).is_some()
            {
                has_deciles = true;
                scores.extend(c.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)));
            }
            done.rows += frame.height();
            let path = parts.path().join(format!("{}.parquet", done.pieces));
            let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            ParquetWriter::new(file)
                .with_compression(ParquetCompression::Uncompressed)
                .finish(&mut frame)
                .map_err(|e| parquet_error(&path, &e))?;
            done.pieces += 1;
            on_progress(piece.bytes_done, input.len());
            Ok(())
        })?;
        // Every row ranked against all the others, as the whole table's `score` ranks them.
        let ranks = if has_deciles {
            deciles(&scores)
        } else {
            Vec::new()
        };
        drop(scores);
        write_atomic(out, |w| {
            let mut at = 0;
            for i in 0..done.pieces {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Error::Cancelled);
                }
                let path = parts.path().join(format!("{i}.parquet"));
                let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
                let mut frame = ParquetReader::new(file)
                    .finish()
                    .map_err(|e| parquet_error(&path, &e))?;
                if has_deciles {
                    let n = frame.height();
                    let d: Vec<i32> = ranks[at..at + n].iter().map(|&d| i32::from(d)).collect();
                    frame.replace(DECILE, Column::new(DECILE.into(), d))?;
                    at += n;
                }
                CsvWriter::new(&mut *w)
                    .include_header(i == 0)
                    .finish(&mut frame)
                    .map_err(|e| Error::bad_file(out, e.to_string()))?;
            }
            Ok(())
        })?;
        Ok(done)
    }
}
