//! Steps on a text column: its sentiment (VADER) and its theme (NMF themes fitted on the
//! training rows), each added as a column a model can use.

use std::sync::atomic::AtomicBool;

use polars::prelude::*;
use rayon::prelude::*;

use super::{FittedStep, column, with_columns};
use crate::error::{Error, Result};
use crate::text::tfidf::{TfidfSettings, Vectorizer, tokenize_all};
use crate::text::themes;
use crate::text::tokens::{TokenOptions, Tokenizer, detect};

/// Terms a themes step keeps (the most frequent in two or more training texts): enough for
/// themes, small enough for the model file.
const THEME_TERMS: usize = 5_000;
/// The themes' random start (a recipe has no seed of its own; the same rows give the same
/// themes every time).
const THEME_SEED: u64 = 42;

fn texts<'a>(df: &'a DataFrame, name: &str, what: &str) -> Result<&'a StringChunked> {
    let c = column(df, name)?;
    c.str().map_err(|_| {
        Error::InvalidInput(format!(
            "column '{name}' is not text ({}): {what} reads text",
            c.dtype()
        ))
    })
}

/// Adds `<name>_sentiment`: VADER's compound score of each text (in parallel, row order kept).
pub(super) fn sentiment(df: &DataFrame, name: &str) -> Result<DataFrame> {
    let texts: Vec<Option<&str>> = texts(df, name, "sentiment")?.iter().collect();
    let v = crate::text::vader::vader();
    let scores: Vec<Option<f64>> = texts
        .par_iter()
        .map(|t| t.map(|t| v.polarity(t).compound))
        .collect();
    with_columns(
        df,
        vec![Column::new(format!("{name}_sentiment").into(), scores)],
    )
}

/// Learns `k` themes of the texts in `name`: the vocabulary (language detected, words and word
/// pairs) and NMF's theme-term weights, each theme named by its number and top two terms.
pub(super) fn fit_themes(df: &DataFrame, name: &str, k: usize) -> Result<FittedStep> {
    let texts: Vec<Option<&str>> = texts(df, name, "themes")?.iter().collect();
    let options = TokenOptions::new(detect(texts.iter().flatten().copied()));
    let docs = tokenize_all(&texts, &Tokenizer::new(&options), &AtomicBool::new(false))?;
    let vectorizer = Vectorizer::fit(
        &docs,
        &TfidfSettings {
            max_terms: THEME_TERMS,
            ..TfidfSettings::new(options)
        },
    )?;
    let x = vectorizer.transform(&docs);
    let found = themes::nmf(
        &x,
        &vectorizer.terms,
        k,
        THEME_SEED,
        300,
        &AtomicBool::new(false),
        &mut |_, _| {},
    )?;
    let names = found
        .themes
        .iter()
        .map(|t| {
            let top: Vec<&str> = t.terms.iter().take(2).map(|(w, _)| w.as_str()).collect();
            format!("{}: {}", t.number, top.join(", "))
        })
        .collect();
    Ok(FittedStep::Themes {
        column: name.to_owned(),
        vectorizer: Box::new(vectorizer),
        components: found.components,
        names,
    })
}

/// Adds `<name>_theme`: each text's main theme by name (missing for a text with no known term).
pub(super) fn apply_themes(
    df: &DataFrame,
    name: &str,
    vectorizer: &Vectorizer,
    components: &[f64],
    names: &[String],
) -> Result<DataFrame> {
    let k = names.len();
    if k == 0 || components.len() != k * vectorizer.terms.len() {
        return Err(Error::Model(format!(
            "the themes step of '{name}' is inconsistent ({} weights for {k} themes of {} terms)",
            components.len(),
            vectorizer.terms.len()
        )));
    }
    let texts: Vec<Option<&str>> = texts(df, name, "themes")?.iter().collect();
    let tokenizer = Tokenizer::new(&vectorizer.settings.tokens);
    let docs = tokenize_all(&texts, &tokenizer, &AtomicBool::new(false))?;
    let x = vectorizer.transform(&docs);
    let theme: Vec<Option<&str>> = themes::assign(&x, components, k)
        .into_iter()
        .map(|t| t.map(|t| names[t - 1].as_str()))
        .collect();
    with_columns(df, vec![Column::new(format!("{name}_theme").into(), theme)])
}
