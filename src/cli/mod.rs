//! The command line over the same core the GUI uses. Exit codes: 0 success, 1 bad data or
//! files (one line on stderr saying what and where), 2 bad usage (clap's own message).

//!
//! One file per command family: `table.rs` (sample, profile), `models.rs` (train, score),
//! `transactions.rs` (clv, basket, recommend), `forecast.rs`.

mod forecast;
mod models;
mod table;
mod text;
mod transactions;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};
use workbench_core::data::load;
use workbench_core::error::Result;

pub use forecast::ForecastArgs;
pub use models::{TrainArgs, summary};
pub use text::TextArgs;
pub use transactions::{BasketArgs, ClvArgs, RecommendArgs};

/// Marketing Workbench: customer models for marketers. With no command it opens the app.
#[derive(Debug, Parser)]
#[command(name = "marketing-workbench", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The app only: record every frame's time and write p50 / p95 / max (JSON) here when the
    /// window closes.
    #[arg(long, value_name = "FILE")]
    pub frame_stats: Option<PathBuf>,
    /// The app only: run a script by itself (frame-bench: scroll the table, train, show the
    /// segment map, then close), for measurements.
    #[arg(long, value_enum)]
    pub script: Option<AppScript>,
}

/// A script the app can run by itself (`--script`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AppScript {
    /// Table scrolling, a training run, the segment map: the frame-time benchmark.
    FrameBench,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the app with FILE loaded.
    Open { file: PathBuf },
    /// Write a generated sample customer table.
    Sample {
        #[arg(long, default_value_t = 20_000)]
        rows: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Also write an order history for the same customers (one row per order line).
        #[arg(long, value_name = "FILE.csv")]
        transactions: Option<PathBuf>,
        /// Also write posts by the same customers (reviews, surveys, support tickets, social
        /// posts) with planted themes and sentiment.
        #[arg(long, value_name = "FILE.csv")]
        reviews: Option<PathBuf>,
        /// Add a randomised campaign test: `treated` (1/0) and `converted` (1/0), whose
        /// probability depends on the group differently for different customers.
        #[arg(long)]
        experiment: bool,
    },
    /// Summarise each column of FILE.
    Profile {
        file: PathBuf,
        /// Print JSON: {"rows": N, "columns": [{"name", "dtype", "missing", ...}]}.
        #[arg(long)]
        json: bool,
    },
    /// Train a model on FILE and report how good it is.
    Train(Box<TrainArgs>),
    /// Score FILE with a saved model.
    Score {
        model_file: PathBuf,
        file: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Lifetime value from a table of purchases: BG/NBD or Pareto/NBD, and Gamma-Gamma.
    Clv(Box<ClvArgs>),
    /// What sells together: frequent itemsets and association rules from orders.
    Basket(Box<BasketArgs>),
    /// What to recommend: each customer's top items not bought yet, checked on their last order.
    Recommend(Box<RecommendArgs>),
    /// Forecast a value (or a count of rows) over time: baselines, exponential smoothing and a
    /// recurrent network, judged on a held-out test period.
    Forecast(Box<ForecastArgs>),
    /// Read a text column: language, terms, VADER sentiment (English), themes, and the terms
    /// that set groups apart.
    Text(Box<TextArgs>),
    /// Write a saved model for other engines: the whole pipeline as one SQL SELECT
    /// (`--format sql`, in the dialect of `--dialect`) that scores a table where it lives, or a
    /// LightGBM text model (`--format lightgbm`) of a tree, forest or boosting model.
    ExportModel(Box<models::ExportModelArgs>),
    /// Read a model trained elsewhere (`--format lightgbm`: a LightGBM text model) as a model
    /// file that `score`, `export-model` and the app use like one of ours.
    ImportModel(Box<models::ImportModelArgs>),
}

pub(crate) fn parse_fraction(s: &str) -> std::result::Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (0.0..1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 1 (exclusive)"))
    }
}

pub(crate) fn load_file(path: &Path) -> Result<polars::prelude::DataFrame> {
    load::load_path(
        path,
        &load::LoadOptions::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
}

/// Runs a subcommand other than `open`.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Open { .. } => Ok(()),
        Command::Sample {
            rows,
            seed,
            out,
            transactions,
            reviews,
            experiment,
        } => table::sample(
            rows,
            seed,
            &out,
            transactions.as_deref(),
            reviews.as_deref(),
            experiment,
        ),
        Command::Profile { file, json } => table::profile(&file, json),
        Command::Train(args) => models::train(*args),
        Command::Score {
            model_file,
            file,
            out,
        } => models::score(&model_file, &file, &out),
        Command::Clv(args) => transactions::clv(*args),
        Command::Basket(args) => transactions::basket(*args),
        Command::Recommend(args) => transactions::recommend(*args),
        Command::Forecast(args) => forecast::forecast(*args),
        Command::Text(args) => text::text(*args),
        Command::ExportModel(args) => models::export_model(&args),
        Command::ImportModel(args) => models::import_model(&args),
    }
}
