//! The feature schema: which columns feed a model and how each becomes numbers. It is fitted on
//! the training rows and replayed by column NAME at scoring time, so a file whose columns come
//! in another order scores the same.

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;

use ndarray::Array2;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::median;
use crate::error::{Error, Result};
use crate::ml::models::Rows;
use crate::text::tfidf::{Csr, TfidfSettings, Vectorizer, tokenize_all};
use crate::text::tokens::{TokenOptions, Tokenizer, detect};

/// Text columns with more distinct values than this are not used as categories (IDs, free
/// text).
pub const MAX_AUTO_CATEGORIES: usize = 30;

/// A free-text column becomes this many TF-IDF features at most: its most frequent terms (words
/// and adjacent word pairs in at least two training texts), as scikit-learn's
/// `TfidfVectorizer(max_features=500, min_df=2, sublinear_tf=True)` keeps them. Every model
/// reads them in its dense matrix (about 4 KB per row).
pub const TEXT_TERMS: usize = 500;

/// For the linear models ([`crate::ml::ModelKind::reads_words`]) a free-text column is its
/// whole vocabulary instead — every word and pair in two or more training texts, up to this
/// many, the most frequent — stored sparse (a row costs only its own terms: 100,000 posts of
/// about 30 terms take 24 MB), as scikit-learn's `TfidfVectorizer(min_df=2)` feeds
/// `LogisticRegression`.
pub const WORD_TERMS: usize = 50_000;

/// How one input column becomes features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Encoding {
    /// A number (or yes/no); missing values take `fill`, the training median (NaN, written
    /// `null`, for a model read from a LightGBM file, whose trees route missing values).
    Number {
        #[serde(with = "nan_as_null")]
        fill: f64,
    },
    /// A date or time, as days since 1970-01-01; missing values take `fill`.
    Date {
        #[serde(with = "nan_as_null")]
        fill: f64,
    },
    /// One 0/1 feature per category listed; other and missing values are all zeros.
    Categories {
        values: Vec<String>,
        /// A category seen in training but left out because the others imply it (all zeros).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// Free text: one TF-IDF feature per term of the vocabulary fitted on the training texts
    /// (missing texts are all zeros).
    Text {
        vectorizer: Box<Vectorizer>,
        /// The whole vocabulary, sparse, after every dense feature (for linear models), rather
        /// than the [`TEXT_TERMS`] most frequent terms as dense features; not standardised.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        sparse: bool,
    },
}

impl Encoding {
    /// How many features it makes.
    pub fn width(&self) -> usize {
        match self {
            Encoding::Categories { values, .. } => values.len(),
            Encoding::Text { vectorizer, .. } => vectorizer.terms.len(),
            Encoding::Number { .. } | Encoding::Date { .. } => 1,
        }
    }

    /// Whether its features are sparse (after the dense ones).
    pub fn is_sparse(&self) -> bool {
        matches!(self, Encoding::Text { sparse: true, .. })
    }
}

/// A number that may be NaN, written as JSON `null` (JSON has no NaN).
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_nan() {
            s.serialize_none()
        } else {
            s.serialize_f64(*v)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// An input column with its encoding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub column: String,
    pub encoding: Encoding,
}

/// The fitted feature schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSchema {
    pub inputs: Vec<Input>,
    /// Feature names: one per dense matrix column, then one per sparse column (see
    /// [`crate::ml::models::Rows`]).
    pub names: Vec<String>,
    /// Training mean and standard deviation of each feature; dense features are standardised
    /// (sparse ones keep 0 and 1).
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    /// Columns that were left out, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// A feature matrix and how many category values it had not seen in training.
pub struct Matrix {
    /// The dense features, standardised, in single precision (half the memory of double:
    /// 1M customers' 23 features take 88 MB, not 176; each value is rounded once, from
    /// double).
    pub x: Array2<f32>,
    /// Free text read as the whole vocabulary, sparse (None without such an input).
    pub words: Option<Csr>,
    pub unseen_categories: usize,
}

/// Features before standardising, in double precision (a block of rows at a time, or what
/// another engine reads).
struct Encoded {
    x: Array2<f64>,
    words: Option<Csr>,
    unseen_categories: usize,
}

/// Rows per block when a table is encoded: 64k rows (12 MB of unscaled features for 23
/// features); [`crate::train::Plan::split_off`] chunks its parts so.
pub const BLOCK_ROWS: usize = 1 << 16;

/// The columns of `inputs` in `df`, as blocks of at most [`BLOCK_ROWS`] consecutive rows.
/// With `own`, `df` is given up and the blocks follow its chunks, so each chunk is let go
/// with its last block; otherwise they are slices of `df` (nothing copied).
fn blocks_of(inputs: &[Input], df: DataFrame, own: bool) -> Result<Vec<DataFrame>> {
    let mut names = Vec::with_capacity(inputs.len());
    for i in inputs {
        if df.get_column_index(&i.column).is_none() {
            return Err(Error::missing_column(&i.column, "the model needs it"));
        }
        names.push(PlSmallStr::from(i.column.as_str()));
    }
    let n = df.height();
    let mut df = df.select(names)?;
    let parts: Vec<DataFrame> = if own && df.first_col_n_chunks() > 1 {
        let parts = df.split_chunks().collect();
        drop(df);
        crate::memory::give_back();
        parts
    } else {
        vec![df]
    };
    let mut blocks = Vec::new();
    for part in parts {
        // A table without columns has no height of its own: it spans the rows asked for.
        let h = if part.width() == 0 { n } else { part.height() };
        let mut at = 0;
        while at < h {
            let len = BLOCK_ROWS.min(h - at);
            blocks.push(if part.width() == 0 {
                DataFrame::empty_with_height(len)
            } else {
                part.slice(at as i64, len)
            });
            at += len;
        }
    }
    Ok(blocks)
}

impl Matrix {
    /// Dense and sparse features, as models read them.
    pub fn rows(&self) -> Rows<'_> {
        Rows::new(self.x.view(), self.words.as_ref())
    }
}

/// The sparse matrices of several text inputs side by side (one row per row of data).
fn side_by_side(parts: Vec<Csr>, rows: usize) -> Csr {
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap_or_default();
    }
    let mut out = Csr {
        rows,
        indptr: Vec::with_capacity(rows + 1),
        ..Csr::default()
    };
    out.indptr.push(0);
    for i in 0..rows {
        let mut offset = 0u32;
        for m in &parts {
            let (cols, values) = m.row(i);
            out.indices.extend(cols.iter().map(|c| c + offset));
            out.values.extend_from_slice(values);
            offset += m.cols as u32;
        }
        out.indptr.push(out.indices.len());
    }
    out.cols = parts.iter().map(|m| m.cols).sum();
    out
}

/// Sparse matrices of consecutive rows, one below another (the same columns).
fn one_below_another(parts: Vec<Csr>) -> Csr {
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap_or_default();
    }
    let mut out = Csr {
        cols: parts.first().map_or(0, |m| m.cols),
        indptr: vec![0],
        ..Csr::default()
    };
    for m in parts {
        let at = out.indices.len();
        out.indptr
            .extend(m.indptr.iter().skip(1).map(|&end| at + end));
        out.indices.extend_from_slice(&m.indices);
        out.values.extend_from_slice(&m.values);
        out.rows += m.rows;
    }
    out
}

/// Whether text column `c` has more than `k` distinct values (missing aside): counted until
/// there are more, not all of them (an identifier's million values would take 40 MB).
fn more_values_than(c: &Column, k: usize) -> Result<bool> {
    let text = as_text(c)?;
    let mut seen: PlHashSet<&str> = PlHashSet::with_capacity(k + 1);
    for v in text.str()?.iter().flatten() {
        seen.insert(v);
        if seen.len() > k {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The finite values of a number or date column (dates as days), in order.
fn finite_numbers(c: &Column) -> Result<Vec<f64>> {
    let numbers = numbers_of(c)?;
    // Sized once: collected from a filter the list would grow by doubling, it and its grown
    // copy held together.
    let mut out = Vec::with_capacity(c.len() - c.null_count());
    out.extend(numbers.f64()?.iter().flatten().filter(|x| x.is_finite()));
    Ok(out)
}

/// A number or date column as f64 (dates as days).
fn numbers_of(c: &Column) -> Result<Column> {
    let f = match c.dtype() {
        DataType::Date => c.cast(&DataType::Int32)?.cast(&DataType::Float64)?,
        DataType::Datetime(unit, _) => {
            let per_day = match unit {
                TimeUnit::Milliseconds => 86_400_000.0,
                TimeUnit::Microseconds => 86_400_000_000.0,
                TimeUnit::Nanoseconds => 86_400_000_000_000.0,
            };
            let raw = c.cast(&DataType::Int64)?.cast(&DataType::Float64)?;
            let ca: Float64Chunked = raw.f64()?.apply_values(|v| v / per_day);
            ca.into_column()
        }
        _ => c.cast(&DataType::Float64)?,
    };
    Ok(f)
}

/// A column as text, to be read with `.str()?.iter()` (no string is copied per row).
fn as_text(c: &Column) -> Result<Column> {
    Ok(c.cast(&DataType::String)?)
}

/// The vocabulary of a free-text column: its language detected, words and word pairs; the
/// [`TEXT_TERMS`] most frequent, or [`WORD_TERMS`] for sparse features.
fn fit_text(c: &Column, sparse: bool) -> Result<Vectorizer> {
    let text = as_text(c)?;
    let s = text.str()?;
    let tokens = TokenOptions::new(detect(s.iter().flatten()));
    let texts: Vec<Option<&str>> = s.iter().collect();
    let docs = tokenize_all(&texts, &Tokenizer::new(&tokens), &AtomicBool::new(false))?;
    Vectorizer::fit(
        &docs,
        &TfidfSettings {
            max_terms: if sparse { WORD_TERMS } else { TEXT_TERMS },
            ..TfidfSettings::new(tokens)
        },
    )
}

impl FeatureSchema {
    /// Chooses and fits the inputs: every column of `df` except those in `exclude`.
    pub fn fit(df: &DataFrame, exclude: &[&str]) -> Result<Self> {
        Ok(Self::fit_matrix(df, exclude, &[], false)?.0)
    }

    /// [`FeatureSchema::fit`], also giving the standardised matrix of `df` (as
    /// [`FeatureSchema::matrix`] would, without encoding the rows again). Columns in `text`
    /// are read as free text whatever they look like; others are when they look like it
    /// ([`crate::text::looks_like_text`]). With `words`, free text is its whole vocabulary,
    /// sparse (for a model that [reads words](crate::ml::ModelKind::reads_words)).
    pub fn fit_matrix(
        df: &DataFrame,
        exclude: &[&str],
        text: &[&str],
        words: bool,
    ) -> Result<(Self, Matrix)> {
        let (inputs, skipped) = Self::choose_inputs(df, exclude, text, words)?;
        let blocks = blocks_of(&inputs, df.clone(), false)?;
        Self::fit_blocks(inputs, skipped, blocks, df.height())
    }

    /// [`FeatureSchema::fit_matrix`] on a table given up to it: the table is read a chunk of
    /// rows at a time, and each chunk let go once its rows are in the matrix, so the table
    /// and the matrix are never both whole (1M customers: the peak of training falls by
    /// about the table's size). The same schema and matrix.
    pub fn fit_matrix_owned(
        df: DataFrame,
        exclude: &[&str],
        text: &[&str],
        words: bool,
    ) -> Result<(Self, Matrix)> {
        let (inputs, skipped) = Self::choose_inputs(&df, exclude, text, words)?;
        let n = df.height();
        let blocks = blocks_of(&inputs, df, true)?;
        Self::fit_blocks(inputs, skipped, blocks, n)
    }

    /// The inputs of a schema over `df` (see [`FeatureSchema::fit_matrix`]) and the columns
    /// left out, with why.
    #[allow(
        clippy::type_complexity,
        reason = "a pair of plain lists, named in the doc"
    )]
    fn choose_inputs(
        df: &DataFrame,
        exclude: &[&str],
        text: &[&str],
        words: bool,
    ) -> Result<(Vec<Input>, Vec<(String, String)>)> {
        let exclude: HashSet<&str> = exclude.iter().copied().collect();
        for t in text {
            if df.get_column_index(t).is_none() {
                return Err(Error::missing_column(*t, "it is to be read as text"));
            }
        }
        let mut inputs = Vec::new();
        let mut skipped = Vec::new();
        for c in df.columns() {
            let name = c.name().as_str();
            if exclude.contains(name) {
                continue;
            }
            let dtype = c.dtype();
            if dtype.is_integer() {
                let distinct = c.n_unique()? - usize::from(c.null_count() > 0);
                if crate::data::profile::is_id_like(c, distinct) {
                    skipped.push((
                        name.to_owned(),
                        "an identifier (a different number in every row)".to_owned(),
                    ));
                    continue;
                }
            }
            let forced = text.contains(&name);
            let encoding = if forced
                || ((dtype.is_string() || dtype.is_categorical())
                    && more_values_than(c, MAX_AUTO_CATEGORIES)?
                    && crate::text::looks_like_text(&as_text(c)?))
            {
                match fit_text(c, words) {
                    Ok(v) => Encoding::Text {
                        vectorizer: Box::new(v),
                        sparse: words,
                    },
                    Err(Error::InvalidInput(why)) => {
                        skipped.push((name.to_owned(), format!("free text, but {why}")));
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            } else if dtype.is_primitive_numeric() || dtype.is_bool() {
                let v = finite_numbers(c)?;
                if v.is_empty() {
                    skipped.push((name.to_owned(), "has no values".to_owned()));
                    continue;
                }
                Encoding::Number {
                    fill: median(v).unwrap_or(0.0),
                }
            } else if matches!(dtype, DataType::Date | DataType::Datetime(..)) {
                let v = finite_numbers(c)?;
                Encoding::Date {
                    fill: median(v).unwrap_or(0.0),
                }
            } else if dtype.is_string() || dtype.is_categorical() {
                let text = as_text(c)?;
                if more_values_than(c, MAX_AUTO_CATEGORIES)? {
                    skipped.push((
                        name.to_owned(),
                        format!(
                            "{} distinct values (ID-like); one-hot encode it in Clean to use it, or read it as text",
                            crate::data::profile::distinct_texts(c)?
                        ),
                    ));
                    continue;
                }
                let mut counts: PlHashMap<&str, usize> = PlHashMap::new();
                for v in text.str()?.iter().flatten() {
                    *counts.entry(v).or_default() += 1;
                }
                let mut values: Vec<(String, usize)> =
                    counts.into_iter().map(|(v, n)| (v.to_owned(), n)).collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                Encoding::Categories {
                    values: values.into_iter().map(|(v, _)| v).collect(),
                    reference: None,
                }
            } else {
                skipped.push((name.to_owned(), format!("type {dtype} is not used")));
                continue;
            };
            inputs.push(Input {
                column: name.to_owned(),
                encoding,
            });
        }
        Ok((inputs, skipped))
    }

    /// The schema of `inputs` fitted on the rows of `blocks` (`n` in all, each block holding
    /// the inputs' columns), and their standardised matrix. What can't tell customers apart
    /// is dropped: constant numbers, categories every row (or no row) has, and one category
    /// of each text column when the others cover every row (it is implied by them, and would
    /// make linear models' equations singular). Each feature's mean and spread are summed
    /// down the rows in row order, a block at a time (two passes: the sum, then the squares
    /// about the mean); the matrix is written last, each block let go once in it.
    fn fit_blocks(
        inputs: Vec<Input>,
        mut skipped: Vec<(String, String)>,
        blocks: Vec<DataFrame>,
        n: usize,
    ) -> Result<(Self, Matrix)> {
        // Every input's dense features, unscaled (free text read sparse has none).
        let probe = Self::with_inputs(
            inputs
                .iter()
                .filter(|i| !i.encoding.is_sparse())
                .cloned()
                .collect(),
            Vec::new(),
        );
        let width = probe.dense_width();
        let rows = n.max(1) as f64;
        let mut sums = vec![0.0f64; width];
        // Per categories input: whether every row has one of its values.
        let mut covered: Vec<bool> = probe
            .inputs
            .iter()
            .filter(|i| matches!(i.encoding, Encoding::Categories { .. }))
            .map(|_| true)
            .collect();
        for block in &blocks {
            let x = probe.encode(block, true)?.x;
            for row in x.rows() {
                for (s, v) in sums.iter_mut().zip(row) {
                    *s += v;
                }
            }
            let (mut j, mut k) = (0, 0);
            for input in &probe.inputs {
                let w = input.encoding.width();
                if matches!(input.encoding, Encoding::Categories { .. }) {
                    covered[k] = covered[k]
                        && x.rows()
                            .into_iter()
                            .all(|r| (j..j + w).any(|c| r[c] == 1.0));
                    k += 1;
                }
                j += w;
            }
        }
        let means: Vec<f64> = sums.iter().map(|s| s / rows).collect();
        let mut squares = vec![0.0f64; width];
        for block in &blocks {
            let x = probe.encode(block, true)?.x;
            for row in x.rows() {
                for ((s, v), m) in squares.iter_mut().zip(row).zip(&means) {
                    *s += (v - m).powi(2);
                }
            }
        }
        let sds: Vec<f64> = squares.iter().map(|s| (s / rows).sqrt()).collect();
        let mut covers = covered.into_iter();
        let mut kept = Vec::with_capacity(inputs.len());
        // The probe's columns that stay, in the kept inputs' order.
        let mut columns = Vec::with_capacity(sds.len());
        let mut j = 0;
        for mut input in inputs {
            match &mut input.encoding {
                Encoding::Categories { values, reference } => {
                    let width = values.len();
                    let mut keep: Vec<bool> = (0..width).map(|k| sds[j + k] > 1e-12).collect();
                    if covers.next().unwrap_or(false)
                        && let Some(last) = keep.iter().rposition(|k| *k)
                    {
                        keep[last] = false; // the least frequent: implied by the others
                        *reference = Some(values[last].clone());
                    }
                    let mut k = 0;
                    values.retain(|_| {
                        k += 1;
                        keep[k - 1]
                    });
                    if values.is_empty() {
                        j += width;
                        skipped.push((input.column.clone(), "one value in every row".to_owned()));
                        continue;
                    }
                    columns.extend((0..width).filter(|&k| keep[k]).map(|k| j + k));
                    j += width;
                }
                Encoding::Text { sparse: true, .. } => {}
                Encoding::Text { vectorizer, .. } => {
                    // Every term is in two or more training texts, so none is constant unless
                    // it is in all of them; such a term is kept (scaled by 1).
                    let width = vectorizer.terms.len();
                    columns.extend(j..j + width);
                    j += width;
                }
                _ => {
                    j += 1;
                    if sds[j - 1] <= 1e-12 {
                        skipped.push((
                            input.column.clone(),
                            "the same value in every row".to_owned(),
                        ));
                        continue;
                    }
                    columns.push(j - 1);
                }
            }
            kept.push(input);
        }
        if kept.is_empty() {
            return Err(Error::InvalidInput(
                "no usable input columns: every column is the target, ignored, constant or unusable"
                    .into(),
            ));
        }
        let mut schema = Self::with_inputs(kept, skipped);
        for (d, &c) in columns.iter().enumerate() {
            schema.means[d] = means[c];
            schema.scales[d] = if sds[c] > 1e-12 { sds[c] } else { 1.0 };
        }
        let mut m = schema.standardised(blocks, n, true)?;
        // Values the schema dropped as constant are no news in training.
        m.unseen_categories = 0;
        Ok((schema, m))
    }

    /// A schema over `inputs`, not yet scaled.
    fn with_inputs(inputs: Vec<Input>, skipped: Vec<(String, String)>) -> Self {
        let dense = inputs.iter().filter(|i| !i.encoding.is_sparse());
        let sparse = inputs.iter().filter(|i| i.encoding.is_sparse());
        let names = dense
            .chain(sparse)
            .flat_map(|i| match &i.encoding {
                Encoding::Categories { values, .. } => values
                    .iter()
                    .map(|v| format!("{}={v}", i.column))
                    .collect::<Vec<_>>(),
                Encoding::Text { vectorizer, .. } => vectorizer
                    .terms
                    .iter()
                    .map(|t| format!("{}:{t}", i.column))
                    .collect::<Vec<_>>(),
                _ => vec![i.column.clone()],
            })
            .collect::<Vec<_>>();
        Self {
            means: vec![0.0; names.len()],
            scales: vec![1.0; names.len()],
            names,
            inputs,
            skipped,
        }
    }

    /// Checks a schema read from a file: its inputs, names, means and scales agree in width.
    pub fn check(&self) -> Result<()> {
        for i in &self.inputs {
            if let Encoding::Text { vectorizer, .. } = &i.encoding {
                vectorizer.check()?;
            }
        }
        let width: usize = self.inputs.iter().map(|i| i.encoding.width()).sum();
        let n = self.names.len();
        if width != n || self.means.len() != n || self.scales.len() != n {
            return Err(Error::Model(format!(
                "the model's feature list is inconsistent ({width} features from its inputs, {n} names, {} means, {} scales)",
                self.means.len(),
                self.scales.len()
            )));
        }
        Ok(())
    }

    /// The standardised feature matrix of `df`, which must have every input column.
    pub fn matrix(&self, df: &DataFrame) -> Result<Matrix> {
        self.check()?;
        let blocks = blocks_of(&self.inputs, df.clone(), false)?;
        self.standardised(blocks, df.height(), false)
    }

    /// The dense features of `df` before standardising, with missing numbers and dates left
    /// as NaN rather than filled (missing categories are zeros, as always): what another
    /// engine's copy of the model reads (see [`crate::lightgbm`]).
    pub fn unscaled_matrix(&self, df: &DataFrame) -> Result<Array2<f64>> {
        self.check()?;
        Ok(self.encode(df, false)?.x)
    }

    /// The standardised features of `blocks` (consecutive rows, `n` in all) in single
    /// precision: each value (x − mean) / scale in double precision, then rounded once.
    /// With `let_go`, the blocks own their rows, given back as each is written.
    fn standardised(&self, blocks: Vec<DataFrame>, n: usize, let_go: bool) -> Result<Matrix> {
        let mut x = Array2::<f32>::zeros((n, self.dense_width()));
        let mut words = Vec::new();
        let mut unseen = 0;
        let mut start = 0;
        for block in blocks {
            let h = block.height();
            let e = self.encode(&block, true)?;
            drop(block);
            if let_go {
                crate::memory::give_back();
            }
            for (r, row) in e.x.rows().into_iter().enumerate() {
                let mut out = x.row_mut(start + r);
                for (((o, v), mean), scale) in
                    out.iter_mut().zip(row).zip(&self.means).zip(&self.scales)
                {
                    *o = ((v - mean) / scale) as f32;
                }
            }
            words.extend(e.words);
            unseen += e.unseen_categories;
            start += h;
        }
        Ok(Matrix {
            x,
            words: (!words.is_empty()).then(|| one_below_another(words)),
            unseen_categories: unseen,
        })
    }

    /// How many features are dense (the first ones).
    pub fn dense_width(&self) -> usize {
        self.inputs
            .iter()
            .filter(|i| !i.encoding.is_sparse())
            .map(|i| i.encoding.width())
            .sum()
    }

    /// Where each input's features start among all the features (dense ones first, then the
    /// sparse ones), in the order of [`FeatureSchema::inputs`].
    pub fn starts(&self) -> Vec<usize> {
        let (mut dense, mut sparse) = (0, self.dense_width());
        self.inputs
            .iter()
            .map(|i| {
                let at = if i.encoding.is_sparse() {
                    &mut sparse
                } else {
                    &mut dense
                };
                *at += i.encoding.width();
                *at - i.encoding.width()
            })
            .collect()
    }

    /// Unscaled features; missing numbers take their fill, or NaN without `fill_missing`.
    fn encode(&self, df: &DataFrame, fill_missing: bool) -> Result<Encoded> {
        let mut x = Array2::<f64>::zeros((df.height(), self.dense_width()));
        let (sparse, unseen) = self.encode_into(df, fill_missing, x.view_mut())?;
        Ok(Encoded {
            x,
            words: (!sparse.is_empty()).then(|| side_by_side(sparse, df.height())),
            unseen_categories: unseen,
        })
    }

    /// Encodes `df` into `x` (zeros, `df`'s height by the dense width): the sparse text
    /// inputs' matrices, in order, and how many category values were unseen.
    fn encode_into(
        &self,
        df: &DataFrame,
        fill_missing: bool,
        mut x: ndarray::ArrayViewMut2<f64>,
    ) -> Result<(Vec<Csr>, usize)> {
        let n = df.height();
        let mut sparse = Vec::new();
        let mut unseen = 0;
        let mut j = 0;
        for input in &self.inputs {
            let c = df
                .column(&input.column)
                .map_err(|_| Error::missing_column(&input.column, "the model needs it"))?;
            match &input.encoding {
                Encoding::Number { fill } | Encoding::Date { fill } => {
                    let wrong = |_| {
                        Error::InvalidInput(format!(
                            "column '{}' must hold numbers for this model, found {}",
                            input.column,
                            c.dtype()
                        ))
                    };
                    let values = numbers_of(c).map_err(wrong)?;
                    let values = values.f64().map_err(|e| wrong(e.into()))?;
                    for (i, v) in values.iter().enumerate() {
                        x[[i, j]] = match v.filter(|v| v.is_finite()) {
                            Some(v) => v,
                            None if fill_missing => *fill,
                            None => f64::NAN,
                        };
                    }
                    j += 1;
                }
                Encoding::Categories { values, reference } => {
                    let index: PlHashMap<&str, usize> = values
                        .iter()
                        .enumerate()
                        .map(|(k, v)| (v.as_str(), k))
                        .collect();
                    let text = as_text(c)?;
                    for (i, v) in text.str()?.iter().enumerate() {
                        let Some(v) = v else { continue };
                        match index.get(v) {
                            Some(&k) => x[[i, j + k]] = 1.0,
                            None if reference.as_deref() == Some(v) => {}
                            None => unseen += 1,
                        }
                    }
                    j += values.len();
                }
                Encoding::Text {
                    vectorizer,
                    sparse: s,
                } => {
                    let text = as_text(c)?;
                    let texts: Vec<Option<&str>> = text.str()?.iter().collect();
                    let tokenizer = Tokenizer::new(&vectorizer.settings.tokens);
                    let docs = tokenize_all(&texts, &tokenizer, &AtomicBool::new(false))?;
                    let m = vectorizer.transform(&docs);
                    if *s {
                        sparse.push(m);
                        continue;
                    }
                    for i in 0..n {
                        let (cols, weights) = m.row(i);
                        for (&k, &w) in cols.iter().zip(weights) {
                            x[[i, j + k as usize]] = f64::from(w);
                        }
                    }
                    j += vectorizer.terms.len();
                }
            }
        }
        Ok((sparse, unseen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_name_and_replays_in_any_column_order() {
        let train = df!(
            "id" => ["a", "b", "c", "d"],
            "age" => [Some(20.0), None, Some(40.0), Some(30.0)],
            "region" => ["N", "S", "N", "S"],
        )
        .unwrap();
        let schema = FeatureSchema::fit(&train, &["id"]).unwrap();
        // Every row is N or S, so region=S is implied by region=N and left out.
        assert_eq!(schema.names, ["age", "region=N"]);
        let m = schema.matrix(&train).unwrap();
        // The missing age is filled with the median 30, which is also the mean → 0 after scaling.
        assert_eq!(m.x[[1, 0]], 0.0);

        let shuffled = df!("region" => ["W", "N"], "age" => [30.0, 30.0]).unwrap();
        let m = schema.matrix(&shuffled).unwrap();
        assert_eq!(m.unseen_categories, 1);
        assert_eq!(m.x[[0, 0]], 0.0);
        assert_eq!(m.x[[1, 1]], (1.0 - 0.5) / 0.5);
        assert_eq!(m.x[[0, 1]], (0.0 - 0.5) / 0.5);

        let err = schema.matrix(&df!("age" => [1.0]).unwrap()).err().unwrap();
        assert_eq!(
            err.to_string(),
            "column 'region' is not in the data (the model needs it)"
        );
    }

    #[test]
    fn a_table_given_up_in_chunks_is_encoded_into_the_same_schema_and_matrix() {
        let rows = 200;
        let notes = [
            "late delivery again",
            "great price and quality",
            "the parcel was late",
            "quality is great",
        ];
        let whole = df!(
            "id" => (0..rows).map(|i| format!("C{i:04}")).collect::<Vec<_>>(),
            "spend" => (0..rows).map(|i| (i % 7 != 0).then_some(i as f64 * 1.5)).collect::<Vec<_>>(),
            "visits" => (0..rows).map(|i| (i * 7 % 11) as i64).collect::<Vec<_>>(),
            "region" => (0..rows).map(|i| ["N", "S", "E"][i % 3]).collect::<Vec<_>>(),
            "channel" => (0..rows).map(|i| (i % 5 != 1).then_some(["web", "shop"][i % 2])).collect::<Vec<_>>(),
            "note" => (0..rows).map(|i| notes[i % 4]).collect::<Vec<_>>(),
        )
        .unwrap();
        // In chunks of uneven size, as a table loaded in pieces and split is.
        let mut chunked = whole.slice(0, 70);
        chunked.vstack_mut_owned(whole.slice(70, 64)).unwrap();
        chunked.vstack_mut_owned(whole.slice(134, 66)).unwrap();
        assert_eq!(chunked.first_col_n_chunks(), 3);
        for words in [false, true] {
            let (schema, m) = FeatureSchema::fit_matrix(&whole, &[], &["note"], words).unwrap();
            let (owned_schema, owned) =
                FeatureSchema::fit_matrix_owned(chunked.clone(), &[], &["note"], words).unwrap();
            assert_eq!(owned_schema, schema);
            assert_eq!(owned.x, m.x);
            assert_eq!(owned.words, m.words);
            assert!(
                schema
                    .skipped
                    .iter()
                    .any(|(c, why)| c == "id" && why.starts_with("200 distinct"))
            );
        }
    }

    #[test]
    fn drops_constant_columns() {
        let df =
            df!("c" => [5.0, 5.0, 5.0], "x" => [1.0, 2.0, 3.0], "k" => ["a", "a", "a"]).unwrap();
        let schema = FeatureSchema::fit(&df, &[]).unwrap();
        assert_eq!(schema.names, ["x"]);
        assert_eq!(schema.skipped.len(), 2);
        assert!(FeatureSchema::fit(&df, &["x"]).is_err());
    }

    #[test]
    fn free_text_becomes_tf_idf_features_fitted_on_training_rows() {
        let train = df!(
            "note" => [
                "late delivery again and again",
                "late delivery, very annoyed",
                "great price and great quality",
                "great quality for the price",
                "the parcel was late",
                "quality is great",
            ],
            "code" => ["a1", "b2", "c3", "d4", "e5", "f6"],
        )
        .unwrap();
        // Six distinct texts is below the automatic threshold: name the column.
        let schema = FeatureSchema::fit_matrix(&train, &["code"], &["note"], false)
            .unwrap()
            .0;
        assert!(schema.names.contains(&"note:late".to_owned()));
        assert!(schema.names.contains(&"note:late delivery".to_owned()));
        assert!(
            !schema.names.iter().any(|n| n == "note:annoyed"),
            "one text only"
        );
        assert!(!schema.names.iter().any(|n| n == "note:the"), "a stop word");
        // A new text: known terms weigh by their idf, unknown ones are ignored, rows are unit
        // length before scaling.
        let new = df!("note" => [Some("late late delivery, broken"), None]).unwrap();
        let raw = schema.encode(&new, true).unwrap().x;
        let late = schema.names.iter().position(|n| n == "note:late").unwrap();
        let pair = schema
            .names
            .iter()
            .position(|n| n == "note:late delivery")
            .unwrap();
        let norm: f64 = raw.row(0).iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-6);
        assert!(
            raw[[0, late]] > raw[[0, pair]],
            "twice the count, sublinear"
        );
        assert_eq!(raw.row(1).sum(), 0.0);
        // The vocabulary travels with the schema.
        let back: FeatureSchema =
            serde_json::from_str(&serde_json::to_string(&schema).unwrap()).unwrap();
        assert_eq!(back.encode(&new, true).unwrap().x, raw);
        let err = FeatureSchema::fit_matrix(&train, &[], &["review"], false)
            .err()
            .unwrap();
        assert!(err.to_string().contains("'review'"), "{err}");
    }

    #[test]
    fn for_linear_models_free_text_is_its_whole_vocabulary_sparse_after_the_dense_features() {
        let train = df!(
            "note" => [
                "late delivery again and again",
                "late delivery, very annoyed",
                "great price and great quality",
                "great quality for the price",
                "the parcel was late",
                "quality is great",
            ],
            "spend" => [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
            "region" => ["N", "S", "N", "S", "N", "N"],
        )
        .unwrap();
        let (schema, m) = FeatureSchema::fit_matrix(&train, &[], &["note"], true).unwrap();
        let dense = schema.dense_width();
        assert_eq!(dense, 2);
        assert_eq!(schema.names[..2], ["spend", "region=N"]);
        assert!(schema.names[2..].iter().all(|n| n.starts_with("note:")));
        assert_eq!(
            schema.starts(),
            [2, 0, 1],
            "note first among inputs, its terms last"
        );
        let words = m.words.as_ref().unwrap();
        assert_eq!((m.x.ncols(), words.cols), (2, schema.names.len() - 2));
        assert_eq!(m.rows().ncols(), schema.names.len());
        // Sparse terms keep their TF-IDF values (rows of unit length), not standardised.
        let (_, v) = words.row(0);
        let norm: f64 = v.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-6);
        assert_eq!(schema.means[2..].iter().sum::<f64>(), 0.0);
        // Replayed from the model file on new rows: the same words, found by name.
        let back: FeatureSchema =
            serde_json::from_str(&serde_json::to_string(&schema).unwrap()).unwrap();
        let new = df!(
            "region" => ["S"],
            "spend" => [35.0],
            "note" => ["late, late and late"],
        )
        .unwrap();
        let again = back.matrix(&new).unwrap();
        let (cols, _) = again.words.as_ref().unwrap().row(0);
        let late = schema.names.iter().position(|n| n == "note:late").unwrap();
        assert_eq!(cols, [(late - dense) as u32]);
    }

    #[test]
    fn skips_id_like_text() {
        let ids: Vec<String> = (0..100).map(|i| format!("C{i}")).collect();
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let df = df!("id" => ids, "x" => x).unwrap();
        let schema = FeatureSchema::fit(&df, &[]).unwrap();
        assert_eq!(schema.names, ["x"]);
        assert_eq!(schema.skipped[0].0, "id");
    }
}
