//! `clv`, `basket` and `recommend`: the questions asked of a table of purchases.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::{Args, ValueEnum};
use workbench_core::basket;
use workbench_core::clv::{self, Columns, PurchaseModel, Settings, Unit};
use workbench_core::data::{dates, export};
use workbench_core::error::{Error, Result};
use workbench_core::jobs::Control;
use workbench_core::recommend;

use super::load_file;

/// `clv`'s arguments (the contract other tools drive).
#[derive(Debug, Args)]
pub struct ClvArgs {
    /// A table of purchases: one row per purchase.
    pub file: PathBuf,
    /// The customer id column.
    #[arg(long)]
    pub customer: String,
    /// The purchase date column.
    #[arg(long)]
    pub date: String,
    /// The order value column (without it, only purchases are modelled, not their value).
    #[arg(long)]
    pub amount: Option<String>,
    /// The last day of the calibration period (the model is checked on the purchases after
    /// it); default: the last date in the file.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub calibration_end: Option<i32>,
    /// The unit of frequency, recency, T and the horizon.
    #[arg(long, value_enum, default_value_t = UnitArg::Week)]
    pub unit: UnitArg,
    /// Units ahead for expected purchases and lifetime value (default: one year).
    #[arg(long, value_name = "N")]
    pub horizon: Option<f64>,
    /// Discount rate per unit.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub discount: f64,
    /// Share of an order's value that is profit.
    #[arg(long, value_name = "FRACTION", default_value_t = 1.0)]
    pub margin: f64,
    /// The purchase model.
    #[arg(long, value_enum, default_value_t = ModelArg::Bgnbd)]
    pub model: ModelArg,
    /// Write the fitted parameters, log-likelihoods and the holdout check (JSON).
    #[arg(long, value_name = "FILE.json")]
    pub metrics: Option<PathBuf>,
    /// Write one row per customer.
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    Day,
    Week,
    Month,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    Bgnbd,
    ParetoNbd,
}

fn parse_date(s: &str) -> std::result::Result<i32, String> {
    dates::parse_one(s).ok_or_else(|| format!("'{s}' is not a date (e.g. 1997-09-30)"))
}

/// `clv`: purchase and spend models fitted, lifetime value per customer.
pub fn clv(args: ClvArgs) -> Result<()> {
    let data = load_file(&args.file)?;
    let columns = Columns {
        customer: args.customer.clone(),
        date: args.date.clone(),
        amount: args.amount.clone(),
        quantity: None,
    };
    let settings = Settings {
        unit: match args.unit {
            UnitArg::Day => Unit::Day,
            UnitArg::Week => Unit::Week,
            UnitArg::Month => Unit::Month,
        },
        calibration_end: args.calibration_end,
        horizon: args.horizon,
        discount: args.discount,
        margin: args.margin,
        model: match args.model {
            ModelArg::Bgnbd => PurchaseModel::Bgnbd,
            ModelArg::ParetoNbd => PurchaseModel::ParetoNbd,
        },
    };
    settings.check()?;
    let outcome = clv::fit(&data, &columns, &settings, &mut |_| Control::Continue)
        .map_err(|e| in_file(e, &args.file))?;
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    print_summary(&outcome);
    if let Some(path) = &args.metrics {
        export::write_json(&outcome.metrics_json(), path)?;
    }
    if let Some(path) = &args.out {
        export::write_csv(&outcome.customers()?, path)?;
    }
    Ok(())
}

/// Once the settings are checked, what goes wrong is the file's: its name goes in front.
pub(crate) fn in_file(e: Error, file: &Path) -> Error {
    match e {
        Error::MissingColumn { name, context } => {
            Error::bad_file(file, format!("column '{name}' is missing{context}"))
        }
        Error::InvalidInput(message) => Error::bad_file(file, message),
        other => other,
    }
}

fn print_summary(o: &clv::Outcome) {
    let s = &o.summary;
    println!(
        "{} customers ({} with a repeat purchase), calibration to {}",
        s.len(),
        s.frequency.iter().filter(|&&x| x > 0.0).count(),
        dates::iso_date(s.calibration_end)
    );
    for line in o.purchases.in_words() {
        println!("{line}");
    }
    println!("log-likelihood {:.1}", o.log_likelihood);
    if let Some(sp) = &o.spend {
        println!("{}", sp.model.in_words());
    }
    if let Some((actual, predicted)) = o.holdout {
        println!("holdout: {actual:.0} repeat purchases, the model expected {predicted:.1}");
    }
}

/// `basket`'s arguments (the contract other tools drive).
#[derive(Debug, Args)]
pub struct BasketArgs {
    /// Orders: long (one row per order line, with --order and --item) or wide (one row per
    /// order, one column per item, present when non-zero, true or yes).
    pub file: PathBuf,
    /// The order id column (long layout; with --item).
    #[arg(long, requires = "item")]
    pub order: Option<String>,
    /// The item column (long layout; with --order).
    #[arg(long, requires = "order")]
    pub item: Option<String>,
    /// A column that is not an item (wide layout); repeat for several.
    #[arg(long, value_name = "COL")]
    pub ignore: Vec<String>,
    /// Least share of orders an itemset must be in.
    #[arg(long, value_name = "F", default_value_t = 0.01)]
    pub min_support: f64,
    /// Least confidence of a rule.
    #[arg(long, value_name = "F", default_value_t = 0.5)]
    pub min_confidence: f64,
    /// Least lift of a rule.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    pub min_lift: f64,
    /// Most items in an itemset.
    #[arg(long, value_name = "N")]
    pub max_len: Option<usize>,
    /// Write the rules (CSV).
    #[arg(long, value_name = "FILE.csv")]
    pub rules: PathBuf,
    /// Write the counts of orders, items, itemsets and rules (JSON).
    #[arg(long, value_name = "FILE.json")]
    pub metrics: Option<PathBuf>,
}

/// `basket`: frequent itemsets and association rules.
pub fn basket(args: BasketArgs) -> Result<()> {
    let data = load_file(&args.file)?;
    let layout = match (&args.order, &args.item) {
        (Some(order), Some(item)) => basket::Layout::Long {
            order: order.clone(),
            item: item.clone(),
        },
        _ => basket::Layout::Wide {
            ignore: args.ignore.clone(),
        },
    };
    let settings = basket::Settings {
        min_support: args.min_support,
        min_confidence: args.min_confidence,
        min_lift: args.min_lift,
        max_len: args.max_len,
    };
    settings.check()?;
    let orders = basket::orders::orders(&data, &layout).map_err(|e| in_file(e, &args.file))?;
    let outcome = basket::fit(orders, &settings, &mut |_| {}, &AtomicBool::new(false))
        .map_err(|e| in_file(e, &args.file))?;
    println!(
        "{} orders, {} items: {} frequent itemsets, {} rules",
        outcome.orders.len(),
        outcome.orders.items.len(),
        outcome.itemsets.len(),
        outcome.rules.len()
    );
    export::write_csv(&outcome.rules_frame()?, &args.rules)?;
    if let Some(path) = &args.metrics {
        export::write_json(&outcome.metrics_json(), path)?;
    }
    Ok(())
}

/// `recommend`'s arguments (the contract other tools drive).
#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// Order lines: one row per customer and item bought.
    pub file: PathBuf,
    /// The customer id column.
    #[arg(long)]
    pub customer: String,
    /// The item column.
    #[arg(long)]
    pub item: String,
    /// The purchase date column (orders happen in date order).
    #[arg(long)]
    pub date: Option<String>,
    /// The order id column (without it, a customer's lines on one day are one order).
    #[arg(long)]
    pub order: Option<String>,
    /// Items per customer.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub top: usize,
    /// Write the recommendations (CSV).
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// Write the held-out check against the most-popular baseline (JSON).
    #[arg(long, value_name = "FILE.json")]
    pub metrics: Option<PathBuf>,
}

/// `recommend`: the top items each customer has not bought yet, with reasons.
pub fn recommend(args: RecommendArgs) -> Result<()> {
    if args.top == 0 {
        return Err(Error::InvalidInput("--top must be at least 1".into()));
    }
    let data = load_file(&args.file)?;
    let columns = recommend::Columns {
        customer: args.customer.clone(),
        item: args.item.clone(),
        date: args.date.clone(),
        order: args.order.clone(),
    };
    let outcome = recommend::fit(
        &data,
        &columns,
        args.top,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .map_err(|e| in_file(e, &args.file))?;
    let metrics = outcome.metrics_json();
    if args.metrics.is_some() && metrics.is_none() {
        return Err(Error::bad_file(
            &args.file,
            "no customer has two orders to hold the last one out: name the --date or --order column",
        ));
    }
    println!(
        "{} customers, {} items",
        outcome.histories.len(),
        outcome.items.len()
    );
    if let Some(e) = &outcome.evaluation {
        println!(
            "last order held out ({} customers): hit rate@{top} {:.3} (most popular: {:.3}), recall@{top} {:.3} (most popular: {:.3})",
            e.customers_evaluated,
            e.hit_rate,
            e.baseline_hit_rate,
            e.recall,
            e.baseline_recall,
            top = args.top
        );
    }
    export::write_csv(&outcome.frame()?, &args.out)?;
    if let (Some(path), Some(m)) = (&args.metrics, &metrics) {
        export::write_json(m, path)?;
    }
    Ok(())
}
