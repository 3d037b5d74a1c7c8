//! `forecast`: a value (or a count of rows) over time, per group if asked; every method's
//! accuracy on a held-out test period, and forecasts past the data.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use workbench_core::data::export;
use workbench_core::error::{Error, Result};
use workbench_core::forecast::{self, Agg, Freq, Method, SeriesSpec, Settings, Watch};

use super::load_file;

/// `forecast`'s arguments (the contract other tools drive).
#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// A table with a date column: one row per period, or many (orders), aggregated per period.
    pub file: PathBuf,
    /// The date column.
    #[arg(long)]
    pub date: String,
    /// The value column (without it, the series counts rows per period).
    #[arg(long)]
    pub value: Option<String>,
    /// One series per value of this column.
    #[arg(long)]
    pub by: Option<String>,
    /// The period (default: guessed from the dates' spacing).
    #[arg(long, value_enum)]
    pub freq: Option<FreqArg>,
    /// How a period's rows become its value (default: sum, or count without --value).
    #[arg(long, value_enum)]
    pub agg: Option<AggArg>,
    /// Periods held out at the end to test on (default: one season when the series is at
    /// least three seasons long, else 20% of the periods).
    #[arg(long, value_name = "N")]
    pub test: Option<usize>,
    /// Periods to forecast past the data (default: --test).
    #[arg(long, value_name = "N")]
    pub horizon: Option<usize>,
    /// The seasonal period (default: 7 for days, 52 weeks, 12 months, 4 quarters, none for
    /// years).
    #[arg(long, value_name = "N")]
    pub season: Option<usize>,
    /// A method; repeat for several (default: all, plus auto: the best on the test period).
    #[arg(long = "model", value_enum)]
    pub models: Vec<MethodArg>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write each method's accuracy on the test period, and the best (JSON).
    #[arg(long, value_name = "FILE.json")]
    pub metrics: Option<PathBuf>,
    /// Write the forecasts with 80% and 95% intervals (CSV).
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FreqArg {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AggArg {
    Sum,
    Mean,
    Count,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Mean,
    Naive,
    Snaive,
    Drift,
    Ets,
    Rnn,
    Auto,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Mean => Method::Mean,
            MethodArg::Naive => Method::Naive,
            MethodArg::Snaive => Method::Snaive,
            MethodArg::Drift => Method::Drift,
            MethodArg::Ets => Method::Ets,
            MethodArg::Rnn => Method::Rnn,
            MethodArg::Auto => Method::Auto,
        }
    }
}

/// `forecast`: builds the series, runs the methods, writes what was asked.
pub fn forecast(args: ForecastArgs) -> Result<()> {
    let data = load_file(&args.file)?;
    let spec = SeriesSpec {
        date: args.date.clone(),
        value: args.value.clone(),
        by: args.by.clone(),
        freq: args.freq.map(|f| match f {
            FreqArg::Day => Freq::Day,
            FreqArg::Week => Freq::Week,
            FreqArg::Month => Freq::Month,
            FreqArg::Quarter => Freq::Quarter,
            FreqArg::Year => Freq::Year,
        }),
        agg: args.agg.map(|a| match a {
            AggArg::Sum => Agg::Sum,
            AggArg::Mean => Agg::Mean,
            AggArg::Count => Agg::Count,
        }),
    };
    if args.agg.is_some() && args.value.is_none() && args.agg != Some(AggArg::Count) {
        return Err(Error::InvalidInput(
            "--agg sum or mean needs --value (without it, the series counts rows)".into(),
        ));
    }
    let mut settings = Settings::new(spec);
    settings.test = args.test;
    settings.horizon = args.horizon;
    settings.season = args.season;
    settings.seed = args.seed;
    if !args.models.is_empty() {
        settings.methods = Vec::new();
        for m in &args.models {
            let m = Method::from(*m);
            if !settings.methods.contains(&m) {
                settings.methods.push(m);
            }
        }
    }
    let result = forecast::run(&data, &settings, &Watch::none())
        .map_err(|e| super::transactions::in_file(e, &args.file))?;
    print_summary(&result);
    if let Some(path) = &args.metrics {
        export::write_json(&result.metrics_json(), path)?;
    }
    if let Some(path) = &args.out {
        export::write_csv(&result.table()?, path)?;
    }
    Ok(())
}

fn print_summary(r: &forecast::ForecastResult) {
    let s = &r.total;
    println!(
        "{} {}s ({}{}), season {}, the last {} held out",
        s.series.len(),
        r.freq.name(),
        r.agg.name(),
        if s.series.gaps() > 0 {
            format!(", {} empty periods filled", s.series.gaps())
        } else {
            String::new()
        },
        r.season,
        s.test
    );
    println!(
        "{:<8} {:>12} {:>12} {:>8} {:>7}  fitted",
        "model", "RMSE", "MAE", "MAPE", "MASE"
    );
    for m in &s.ranking {
        if let Some(x) = s.method(*m) {
            let a = &x.accuracy;
            println!(
                "{:<8} {:>12.2} {:>12.2} {:>8.2} {:>7.2}  {}",
                m.key(),
                a.rmse,
                a.mae,
                a.mape,
                a.mase,
                x.detail
            );
        }
    }
    for (m, why) in &s.skipped {
        eprintln!("note: {} not run: {why}", m.key());
    }
    if let Some(best) = s.ranking.first() {
        println!("best on the test period: {}", best.key());
    }
    if !r.groups.is_empty() {
        println!("{} groups forecast", r.groups.len());
    }
    for (g, why) in &r.failed_groups {
        eprintln!("note: group '{g}' not forecast: {why}");
    }
}
