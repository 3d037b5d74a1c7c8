//! What customers are saying: a text column read as text — its language, its terms, VADER
//! sentiment (English), the terms that set groups apart, and themes.
//!
//! - `tokens`: language detection, words (jieba for Chinese), stop words, stems, pairs.
//! - `vader`: VADER sentiment, equal to vaderSentiment 3.3.2.
//! - `tfidf`: the vocabulary and the sparse TF-IDF matrix.
//! - `themes`: log-odds of terms by group, NMF themes, keyword in context.
//!
//! [`analyse`] is the job the command line's `text` runs; the results add columns to the table
//! ([`TextResult::with_columns`]) and write the term table and the metrics.

pub mod embed;
pub mod tfidf;
pub mod themes;
pub mod tokens;
pub mod vader;

use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use tfidf::{TfidfSettings, Vectorizer};
use themes::Themes;
use tokens::{Language, TokenOptions, Tokenizer};
use vader::Label;

/// Texts read to guess whether a column is text.
const TEXT_SAMPLE: usize = 2_000;

/// Whether a column holds free text rather than labels or identifiers: text whose values are
/// mostly different (at least half distinct) and several words long (a median of 3 or more
/// words, or 6 or more characters of Chinese, Japanese or Korean), judged on its first 2,000
/// values.
pub fn looks_like_text(c: &Column) -> bool {
    let Ok(s) = c.str() else {
        return false;
    };
    let values: Vec<&str> = s.iter().flatten().take(TEXT_SAMPLE).collect();
    if values.len() < 5 {
        return false;
    }
    let mut distinct = values.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() * 2 < values.len() {
        return false;
    }
    let mut lengths: Vec<usize> = values.iter().map(|v| words_in(v)).collect();
    let mid = lengths.len() / 2;
    let (_, median, _) = lengths.select_nth_unstable(mid);
    *median >= 3
}

/// Words in a text for the text test: Unicode words, counting runs of CJK characters as one
/// word per two characters (they are written without spaces).
fn words_in(v: &str) -> usize {
    use unicode_segmentation::UnicodeSegmentation;
    let cjk = v.chars().filter(|c| is_cjk(*c)).count();
    if cjk > 0 {
        cjk / 2 + v.unicode_words().filter(|w| !w.chars().any(is_cjk)).count()
    } else {
        v.unicode_words().count()
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{3040}'..='\u{30ff}' | '\u{ac00}'..='\u{d7af}')
}

/// What a column's profile says about its text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextSummary {
    /// The detected language's code (`en`, `zh`, `other`).
    pub language: String,
    /// Words per text: 10th, 50th and 90th percentile.
    pub words: [usize; 3],
    /// The most frequent terms (words, stop words aside) and how many texts hold each.
    pub top_terms: Vec<(String, u64)>,
    /// How many texts these were read from (the first ones, at most 10,000).
    pub read: usize,
}

/// Texts a profile reads for its summary.
const SUMMARY_TEXTS: usize = 10_000;

/// The profile's look at a text column: language, lengths, top terms, from its first 10,000
/// texts.
pub fn summary(c: &Column) -> Option<TextSummary> {
    let s = c.str().ok()?;
    let texts: Vec<&str> = s.iter().flatten().take(SUMMARY_TEXTS).collect();
    if texts.is_empty() {
        return None;
    }
    let language = tokens::detect(texts.iter().copied());
    let tokenizer = Tokenizer::new(&TokenOptions {
        pairs: false,
        ..TokenOptions::new(language)
    });
    let words: Vec<Vec<String>> = texts.par_iter().map(|t| tokenizer.words(t)).collect();
    let mut lengths: Vec<usize> = words.iter().map(Vec::len).collect();
    lengths.sort_unstable();
    let at = |q: f64| lengths[((lengths.len() - 1) as f64 * q).round() as usize];
    let mut documents: std::collections::HashMap<&str, u64> = Default::default();
    for w in &words {
        let mut distinct: Vec<&str> = w.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            *documents.entry(t).or_default() += 1;
        }
    }
    let mut top: Vec<(&str, u64)> = documents.into_iter().collect();
    top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    top.truncate(10);
    Some(TextSummary {
        language: language.code().to_owned(),
        words: [at(0.1), at(0.5), at(0.9)],
        top_terms: top.into_iter().map(|(t, n)| (t.to_owned(), n)).collect(),
        read: texts.len(),
    })
}

/// What a text analysis runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextSettings {
    /// The text column.
    pub column: String,
    /// The language to read it in; `None` detects it.
    pub language: Option<Language>,
    /// VADER sentiment per text (English).
    pub sentiment: bool,
    /// Group the texts into this many themes.
    pub themes: Option<usize>,
    /// Terms that set each value of this column apart (log-odds).
    pub by: Option<String>,
    /// Seeds the themes' random start.
    pub seed: u64,
    /// Terms must appear in this many texts; at most so many terms.
    pub min_df: usize,
    pub max_terms: usize,
    /// Snowball stemming of English words.
    pub stem: bool,
    /// A date column: terms and sentiment month by month.
    #[serde(default)]
    pub date: Option<String>,
    /// Train word vectors on the texts (skip-gram, see [`embed`]).
    #[serde(default)]
    pub embeddings: bool,
}

impl TextSettings {
    pub fn new(column: impl Into<String>) -> Self {
        TextSettings {
            column: column.into(),
            language: None,
            sentiment: false,
            themes: None,
            by: None,
            seed: 42,
            min_df: 2,
            max_terms: 50_000,
            stem: false,
            date: None,
            embeddings: false,
        }
    }
}

/// A term of the vocabulary with its counts (and, with groups, how distinctive it is of each).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub term: String,
    /// Occurrences in all texts.
    pub count: u64,
    /// Texts it occurs in.
    pub documents: u64,
    /// Per group (in [`TextResult::groups`] order): the log-odds z-score.
    pub log_odds: Vec<f64>,
    /// The first rows (up to [`POSTINGS`]) whose text holds it, for keyword in context.
    pub rows: Vec<u32>,
}

/// Rows kept per term for keyword in context.
pub const POSTINGS: usize = 100;
/// Terms followed month by month.
const TERMS_OVER_TIME: usize = 50;

/// Month by month: texts, mean sentiment, and the texts holding each frequent term.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverTime {
    /// `YYYY-MM`, every month from the first to the last date.
    pub months: Vec<String>,
    pub documents: Vec<u64>,
    /// Mean compound score per month (with sentiment; `None` for a month without texts).
    pub sentiment: Vec<Option<f64>>,
    /// The most frequent terms, each with the texts holding it per month.
    pub terms: Vec<(String, Vec<u64>)>,
}

/// Everything a text analysis found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextResult {
    pub settings: TextSettings,
    pub language: Language,
    /// Whether the language was detected (not chosen).
    pub language_detected: bool,
    /// Rows with a text.
    pub documents: usize,
    /// Rows (of all rows).
    pub rows: usize,
    /// The vocabulary, most frequent first (ties alphabetical).
    pub terms: Vec<Term>,
    /// The group values, with `by`.
    pub groups: Vec<String>,
    /// Per row: the VADER compound score (missing text: `None`).
    pub sentiment: Option<Vec<Option<f64>>>,
    pub themes: Option<Themes>,
    /// Words per text: the 10th, 50th and 90th percentiles.
    pub length_words: [usize; 3],
    /// With a date column.
    pub over_time: Option<OverTime>,
    /// Word vectors, when asked for.
    #[serde(default)]
    pub words: Option<embed::WordVectors>,
    /// Per row, with word vectors: the text's vector, the mean of its known words' vectors
    /// (`None` for a missing text or one without a known word).
    #[serde(skip)]
    pub document_vectors: Option<Vec<Option<Vec<f32>>>>,
}

/// How a long job tells where it is: (stage, done, of).
pub type Progress<'a> = &'a mut dyn FnMut(&str, usize, usize);

/// Reads a text column: language, vocabulary, and the sentiment, themes and group contrasts
/// asked for.
pub fn analyse(
    df: &DataFrame,
    settings: &TextSettings,
    cancel: &AtomicBool,
    progress: Progress,
) -> Result<TextResult> {
    analyse_with(df, settings, cancel, progress, &mut |_, _| {})
}

/// [`analyse`], also telling `loss` the word vectors' mean loss after each epoch (epoch, loss).
pub fn analyse_with(
    df: &DataFrame,
    settings: &TextSettings,
    cancel: &AtomicBool,
    progress: Progress,
    loss: &mut dyn FnMut(usize, f64),
) -> Result<TextResult> {
    let column = df
        .column(&settings.column)
        .map_err(|_| Error::InvalidInput(format!("there is no column '{}'", settings.column)))?;
    let as_text = column.cast(&DataType::String)?;
    let texts: Vec<Option<&str>> = as_text.str()?.iter().collect();
    let documents = texts.iter().flatten().count();
    if documents == 0 {
        return Err(Error::InvalidInput(format!(
            "the column '{}' has no text",
            settings.column
        )));
    }
    let (language, language_detected) = match settings.language {
        Some(l) => (l, false),
        None => (tokens::detect(texts.iter().flatten().copied()), true),
    };
    if settings.sentiment && language != Language::English {
        return Err(Error::InvalidInput(format!(
            "sentiment out of the box reads English, and '{}' reads as {}: train a model on a \
             labelled column instead, or choose --language en",
            settings.column,
            language.name()
        )));
    }
    progress("Reading words", 0, 1);
    let options = TokenOptions {
        stem: settings.stem,
        ..TokenOptions::new(language)
    };
    let tokenizer = Tokenizer::new(&options);
    let words: Vec<Vec<String>> = texts
        .par_iter()
        .map(|t| {
            if cancel.load(Ordering::Relaxed) {
                return Vec::new();
            }
            t.map(|t| tokenizer.words(t)).unwrap_or_default()
        })
        .collect();
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    let mut lengths: Vec<usize> = texts
        .iter()
        .zip(&words)
        .filter(|(t, _)| t.is_some())
        .map(|(_, w)| w.len())
        .collect();
    lengths.sort_unstable();
    let at = |q: f64| lengths[((lengths.len() - 1) as f64 * q).round() as usize];
    let length_words = [at(0.1), at(0.5), at(0.9)];
    // Terms are the words and their pairs; the words themselves are kept for word vectors.
    let (docs, words): (Vec<Vec<String>>, Vec<Vec<String>>) = if settings.embeddings {
        let docs = words
            .par_iter()
            .map(|w| tokenizer.terms_of(w.clone()))
            .collect();
        (docs, words)
    } else {
        let docs = words
            .into_par_iter()
            .map(|w| tokenizer.terms_of(w))
            .collect();
        (docs, Vec::new())
    };
    let tfidf_settings = TfidfSettings {
        min_df: settings.min_df,
        max_terms: settings.max_terms,
        ..TfidfSettings::new(options)
    };
    let vectorizer = Vectorizer::fit(&docs, &tfidf_settings)?;
    progress("Reading words", 1, 1);

    let (groups, log_odds) = match &settings.by {
        Some(by) => group_contrast(df, by, &docs, &vectorizer)?,
        None => (Vec::new(), Vec::new()),
    };
    // Each term's texts: the first few rows for keyword in context.
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); vectorizer.terms.len()];
    for (i, doc) in docs.iter().enumerate() {
        for t in doc {
            if let Some(j) = vectorizer.column_of(t) {
                let r = &mut rows[j];
                if r.len() < POSTINGS && r.last() != Some(&(i as u32)) {
                    r.push(i as u32);
                }
            }
        }
    }
    let mut terms: Vec<Term> = vectorizer
        .terms
        .iter()
        .zip(rows)
        .enumerate()
        .map(|(j, (t, rows))| Term {
            term: t.clone(),
            count: vectorizer.counts[j],
            documents: vectorizer.documents[j],
            log_odds: log_odds.iter().map(|g: &Vec<f64>| g[j]).collect(),
            rows,
        })
        .collect();
    terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));

    let sentiment = if settings.sentiment {
        progress("Sentiment", 0, 1);
        let v = vader::vader();
        let scores: Vec<Option<f64>> = texts
            .par_iter()
            .map(|t| {
                if cancel.load(Ordering::Relaxed) {
                    return None;
                }
                t.map(|t| v.polarity(t).compound)
            })
            .collect();
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        progress("Sentiment", 1, 1);
        Some(scores)
    } else {
        None
    };

    let themes = match settings.themes {
        Some(k) => {
            let x = vectorizer.transform(&docs);
            let mut report = |done: usize, of: usize| progress("Themes", done, of);
            let mut found = themes::nmf(
                &x,
                &vectorizer.terms,
                k,
                settings.seed,
                300,
                cancel,
                &mut report,
            )?;
            for t in &mut found.themes {
                t.example_texts = t
                    .examples
                    .iter()
                    .filter_map(|&i| texts[i].map(str::to_owned))
                    .collect();
            }
            Some(found)
        }
        None => None,
    };
    let over_time = match &settings.date {
        Some(d) => Some(over_time(df, d, &docs, &terms, sentiment.as_deref())?),
        None => None,
    };
    let word_vectors = if settings.embeddings {
        let embed_settings = embed::EmbedSettings::default();
        progress("Word vectors", 0, embed_settings.epochs);
        let mut epoch = |e: usize, of: usize, l: f64| {
            loss(e, l);
            progress("Word vectors", e, of);
        };
        Some(embed::train(
            &words,
            &embed_settings,
            settings.seed,
            cancel,
            &mut epoch,
        )?)
    } else {
        None
    };
    let document_vectors = word_vectors.as_ref().map(|wv| {
        texts
            .iter()
            .zip(&words)
            .map(|(t, w)| t.and_then(|_| wv.document(w)))
            .collect()
    });
    Ok(TextResult {
        settings: settings.clone(),
        language,
        language_detected,
        documents,
        rows: texts.len(),
        terms,
        groups,
        sentiment,
        themes,
        length_words,
        over_time,
        words: word_vectors,
        document_vectors,
    })
}

/// Texts, mean sentiment and the most frequent terms per calendar month of `date`.
fn over_time(
    df: &DataFrame,
    date: &str,
    docs: &[Vec<String>],
    terms: &[Term],
    sentiment: Option<&[Option<f64>]>,
) -> Result<OverTime> {
    use crate::data::dates;
    let c = df
        .column(date)
        .map_err(|_| Error::InvalidInput(format!("there is no date column '{date}'")))?;
    let days = dates::day_numbers(c)
        .map_err(|e| Error::InvalidInput(format!("'{date}' does not hold dates: {e}")))?;
    let month = |d: i32| {
        let (y, m, _) = dates::ymd(d);
        i64::from(y) * 12 + i64::from(m) - 1
    };
    let known: Vec<i64> = days.iter().flatten().map(|&d| month(d)).collect();
    let (Some(&first), Some(&last)) = (known.iter().min(), known.iter().max()) else {
        return Err(Error::InvalidInput(format!("'{date}' has no dates")));
    };
    let n = (last - first + 1) as usize;
    if n > 1_200 {
        return Err(Error::InvalidInput(format!(
            "'{date}' spans {n} months: more than a hundred years"
        )));
    }
    let top: Vec<&str> = terms
        .iter()
        .take(TERMS_OVER_TIME)
        .map(|t| t.term.as_str())
        .collect();
    let mut documents = vec![0u64; n];
    let mut sums = vec![(0.0, 0u64); n];
    let mut per_term = vec![vec![0u64; n]; top.len()];
    for (i, day) in days.iter().enumerate() {
        let Some(d) = day else { continue };
        let m = (month(*d) - first) as usize;
        documents[m] += 1;
        if let Some(Some(v)) = sentiment.map(|s| s[i]) {
            sums[m].0 += v;
            sums[m].1 += 1;
        }
        for (k, t) in top.iter().enumerate() {
            if docs[i].iter().any(|w| w == t) {
                per_term[k][m] += 1;
            }
        }
    }
    Ok(OverTime {
        months: (0..n as i64)
            .map(|k| {
                let m = first + k;
                format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
            })
            .collect(),
        documents,
        sentiment: sums
            .into_iter()
            .map(|(s, k)| (sentiment.is_some() && k > 0).then(|| s / k as f64))
            .collect(),
        terms: top
            .into_iter()
            .zip(per_term)
            .map(|(t, c)| (t.to_owned(), c))
            .collect(),
    })
}

/// The group values of `by` (most texts first, ties in text order) and per group the log-odds
/// z-score of every vocabulary term.
fn group_contrast(
    df: &DataFrame,
    by: &str,
    docs: &[Vec<String>],
    vectorizer: &Vectorizer,
) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let c = df
        .column(by)
        .map_err(|_| Error::InvalidInput(format!("there is no column '{by}' to compare by")))?;
    let c = c.cast(&DataType::String)?;
    let values: Vec<String> = c
        .str()?
        .iter()
        .map(|v| v.unwrap_or("(missing)").to_owned())
        .collect();
    let mut names: Vec<(String, usize)> = Vec::new();
    for v in &values {
        match names.iter_mut().find(|(n, _)| n == v) {
            Some((_, k)) => *k += 1,
            None => {
                if names.len() >= 50 {
                    return Err(Error::InvalidInput(format!(
                        "'{by}' has more than 50 values: compare by a column with fewer groups"
                    )));
                }
                names.push((v.clone(), 1));
            }
        }
    }
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let groups: Vec<String> = names.into_iter().map(|(n, _)| n).collect();
    let mut counts = vec![vec![0u64; vectorizer.terms.len()]; groups.len()];
    for (doc, v) in docs.iter().zip(&values) {
        let g = groups.iter().position(|n| n == v).unwrap_or_default();
        for t in doc {
            if let Some(j) = vectorizer.column_of(t) {
                counts[g][j] += 1;
            }
        }
    }
    Ok((groups, themes::log_odds(&counts)))
}

impl TextResult {
    /// The label counts of the sentiment, in [`Label::ALL`] order.
    pub fn label_counts(&self) -> Option<[usize; 3]> {
        let s = self.sentiment.as_ref()?;
        let mut counts = [0usize; 3];
        for v in s.iter().flatten() {
            let l = Label::of(*v);
            let i = Label::ALL.iter().position(|x| *x == l).unwrap_or_default();
            counts[i] += 1;
        }
        Some(counts)
    }

    /// `df` with `sentiment` and `sentiment_label` (when run) and `theme` (1..K, when run)
    /// added. A column of that name already there is replaced.
    pub fn with_columns(&self, df: &DataFrame) -> Result<DataFrame> {
        let mut out = df.clone();
        if let Some(s) = &self.sentiment {
            let labels: Vec<Option<&str>> =
                s.iter().map(|v| v.map(|v| Label::of(v).name())).collect();
            out.with_column(Column::new("sentiment".into(), s.clone()))?;
            out.with_column(Column::new("sentiment_label".into(), labels))?;
        }
        if let Some(t) = &self.themes {
            let theme: Vec<Option<i64>> =
                t.assignment.iter().map(|a| a.map(|a| a as i64)).collect();
            out.with_column(Column::new("theme".into(), theme))?;
        }
        Ok(out)
    }

    /// `df` (the table the texts were read from, or it with [`TextResult::with_columns`]) with
    /// one column per word-vector dimension, `<column>_vec_1`, `<column>_vec_2`, …: each text's
    /// document vector, numbers any model can take as inputs. Unchanged without word vectors.
    pub fn with_document_vectors(&self, df: &DataFrame) -> Result<DataFrame> {
        let (Some(vectors), Some(words)) = (&self.document_vectors, &self.words) else {
            return Ok(df.clone());
        };
        let mut out = df.clone();
        for k in 0..words.dim() {
            let values: Vec<Option<f32>> =
                vectors.iter().map(|v| v.as_ref().map(|v| v[k])).collect();
            out.with_column(Column::new(
                format!("{}_vec_{}", self.settings.column, k + 1).into(),
                values,
            ))?;
        }
        Ok(out)
    }

    /// The term table: `term`, `count`, `documents`, and with groups one `log_odds_<group>`
    /// column per group.
    pub fn terms_frame(&self) -> Result<DataFrame> {
        let mut columns = vec![
            Column::new(
                "term".into(),
                self.terms
                    .iter()
                    .map(|t| t.term.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "count".into(),
                self.terms.iter().map(|t| t.count).collect::<Vec<_>>(),
            ),
            Column::new(
                "documents".into(),
                self.terms.iter().map(|t| t.documents).collect::<Vec<_>>(),
            ),
        ];
        for (g, name) in self.groups.iter().enumerate() {
            columns.push(Column::new(
                format!("log_odds_{name}").into(),
                self.terms.iter().map(|t| t.log_odds[g]).collect::<Vec<_>>(),
            ));
        }
        Ok(DataFrame::new_infer_height(columns)?)
    }

    /// The metrics: `documents`, `language`, `vocabulary`, `themes` (each with its top terms),
    /// and the sentiment label counts.
    pub fn metrics_json(&self) -> Value {
        let mut out = json!({
            "column": self.settings.column,
            "documents": self.documents,
            "rows": self.rows,
            "language": self.language.code(),
            "language_detected": self.language_detected,
            "vocabulary": self.terms.len(),
            "words_per_text": { "p10": self.length_words[0], "median": self.length_words[1], "p90": self.length_words[2] },
        });
        if let Value::Object(o) = &mut out {
            if let Some(t) = &self.themes {
                o.insert(
                    "themes".into(),
                    Value::Array(
                        t.themes
                            .iter()
                            .map(|th| {
                                json!({
                                    "theme": th.number,
                                    "documents": th.documents,
                                    "terms": th.terms.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(),
                                })
                            })
                            .collect(),
                    ),
                );
                o.insert("themes_relative_error".into(), json!(t.relative_error));
            }
            if let Some(c) = self.label_counts() {
                o.insert(
                    "sentiment".into(),
                    json!({ "positive": c[0], "neutral": c[1], "negative": c[2] }),
                );
            }
            if !self.groups.is_empty() {
                o.insert("by".into(), json!(self.settings.by));
                o.insert("groups".into(), json!(self.groups));
            }
        }
        out
    }
}
