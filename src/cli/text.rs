//! `text`: a text column read as text — language, terms, VADER sentiment, themes, and the
//! terms that set groups apart.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::{Args, ValueEnum};
use workbench_core::data::export;
use workbench_core::error::Result;
use workbench_core::text::tokens::Language;
use workbench_core::text::{self, TextSettings};

use super::load_file;

/// `text`'s arguments (the contract other tools drive).
#[derive(Debug, Args)]
pub struct TextArgs {
    pub file: PathBuf,
    /// The text column.
    #[arg(long)]
    pub text: String,
    /// The language to read it in (default: detected).
    #[arg(long, value_enum, default_value_t = LanguageArg::Auto)]
    pub language: LanguageArg,
    /// Add `sentiment` (VADER's compound score, −1..1) and `sentiment_label` (English).
    #[arg(long)]
    pub sentiment: bool,
    /// Group the texts into K themes (NMF on TF-IDF) and add `theme` (1..K).
    #[arg(long, value_name = "K")]
    pub themes: Option<usize>,
    /// Compare the terms of each value of this column with the rest (log-odds in --terms).
    #[arg(long, value_name = "COL")]
    pub by: Option<String>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Every input column plus the added ones (CSV).
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// The vocabulary: term, count, documents (and log_odds_<group> per group with --by).
    #[arg(long, value_name = "FILE.csv")]
    pub terms: Option<PathBuf>,
    /// Documents, language, vocabulary size, themes with their top terms, sentiment counts
    /// (JSON).
    #[arg(long, value_name = "FILE.json")]
    pub metrics: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LanguageArg {
    Auto,
    En,
    Zh,
}

pub fn text(args: TextArgs) -> Result<()> {
    let data = load_file(&args.file)?;
    let settings = TextSettings {
        language: match args.language {
            LanguageArg::Auto => None,
            LanguageArg::En => Some(Language::English),
            LanguageArg::Zh => Some(Language::Chinese),
        },
        sentiment: args.sentiment,
        themes: args.themes,
        by: args.by.clone(),
        seed: args.seed,
        ..TextSettings::new(&args.text)
    };
    let result = text::analyse(&data, &settings, &AtomicBool::new(false), &mut |_, _, _| {})
        .map_err(|e| super::transactions::in_file(e, &args.file))?;
    println!(
        "{} texts in '{}', read as {}{}; {} terms (median {} words a text)",
        result.documents,
        args.text,
        result.language.name(),
        if result.language_detected {
            " (detected)"
        } else {
            ""
        },
        result.terms.len(),
        result.length_words[1]
    );
    let top: Vec<&str> = result
        .terms
        .iter()
        .take(10)
        .map(|t| t.term.as_str())
        .collect();
    println!("most frequent: {}", top.join(", "));
    if let Some([p, n, neg]) = result.label_counts() {
        println!("sentiment: {p} positive, {n} neutral, {neg} negative");
    }
    if let Some(t) = &result.themes {
        for th in &t.themes {
            let words: Vec<&str> = th.terms.iter().take(6).map(|(w, _)| w.as_str()).collect();
            println!(
                "theme {} ({} texts): {}",
                th.number,
                th.documents,
                words.join(", ")
            );
        }
    }
    export::write_csv(&result.with_columns(&data)?, &args.out)?;
    if let Some(path) = &args.terms {
        export::write_csv(&result.terms_frame()?, path)?;
    }
    if let Some(path) = &args.metrics {
        export::write_json(&result.metrics_json(), path)?;
    }
    Ok(())
}
