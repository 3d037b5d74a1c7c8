//! Forecasting: a value (or a count of rows) over time, one series per group if asked, and
//! the methods every forecaster compares (mean, naive, seasonal naive, drift), exponential
//! smoothing with its form chosen by AICc, and a recurrent network, each judged honestly: fitted
//! on the history before a held-out test period (the last `test` periods) and scored on it as
//! R's `accuracy()` does, then in a rolling-origin backtest; the best on the test period is
//! named, and every method forecasts `horizon` periods past the data from a fit on all of it.
//!
//! - [`series`]: from a table to series (frequency, aggregation, groups, gaps).
//! - [`baselines`], [`ets`], [`rnn`]: the methods.
//! - [`accuracy`]: RMSE, MAE, MAPE, MASE; the autocorrelation of residuals.

pub mod accuracy;
pub mod baselines;
pub mod ets;
pub mod output;
pub mod rnn;
pub mod series;

use polars::prelude::DataFrame;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::jobs::Control;
pub use accuracy::Accuracy;
pub use series::{Agg, Freq, Series, SeriesSet, SeriesSpec};

/// The standard normal quantiles of 80% and 95% two-sided intervals.
pub const Z80: f64 = 1.281_551_565_544_600_4;
pub const Z95: f64 = 1.959_963_984_540_054;

/// A forecast over some periods with its 80% and 95% prediction intervals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub mean: Vec<f64>,
    pub lo80: Vec<f64>,
    pub hi80: Vec<f64>,
    pub lo95: Vec<f64>,
    pub hi95: Vec<f64>,
}

impl Forecast {
    /// Normal intervals: `mean` ± z·`sd` at each step.
    pub fn normal(mean: Vec<f64>, sd: &[f64]) -> Forecast {
        let band = |z: f64, sign: f64| -> Vec<f64> {
            mean.iter().zip(sd).map(|(m, s)| m + sign * z * s).collect()
        };
        Forecast {
            lo80: band(Z80, -1.0),
            hi80: band(Z80, 1.0),
            lo95: band(Z95, -1.0),
            hi95: band(Z95, 1.0),
            mean,
        }
    }

    pub fn len(&self) -> usize {
        self.mean.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }
}

/// A forecasting method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Mean,
    Naive,
    Snaive,
    Drift,
    Ets,
    Rnn,
    /// The method with the lowest MASE on the test period.
    Auto,
}

impl Method {
    pub const ALL: [Method; 7] = [
        Method::Mean,
        Method::Naive,
        Method::Snaive,
        Method::Drift,
        Method::Ets,
        Method::Rnn,
        Method::Auto,
    ];

    /// The name on the command line and in files.
    pub fn key(self) -> &'static str {
        match self {
            Method::Mean => "mean",
            Method::Naive => "naive",
            Method::Snaive => "snaive",
            Method::Drift => "drift",
            Method::Ets => "ets",
            Method::Rnn => "rnn",
            Method::Auto => "auto",
        }
    }

    /// The name a marketer reads.
    pub fn label(self) -> &'static str {
        match self {
            Method::Mean => "Mean",
            Method::Naive => "Naive (last value)",
            Method::Snaive => "Seasonal naive",
            Method::Drift => "Drift",
            Method::Ets => "Exponential smoothing",
            Method::Rnn => "Recurrent network (GRU)",
            Method::Auto => "Best on the test period",
        }
    }
}

/// Everything a forecasting run needs besides the table (saved with the project).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub series: SeriesSpec,
    /// Periods held out at the end (default: one season if the series is at least three
    /// seasons long, else 20%).
    pub test: Option<usize>,
    /// Periods forecast past the data (default: `test`).
    pub horizon: Option<usize>,
    /// The seasonal period (default: the frequency's: 7 days, 52 weeks, 12 months, 4 quarters).
    pub season: Option<usize>,
    /// Methods to run; `Auto` adds the best of the others under its own name.
    pub methods: Vec<Method>,
    pub seed: u64,
    /// Forecast origins of the rolling backtest (the test period's own origin and the ones
    /// before it, `test` periods apart).
    pub origins: usize,
    pub rnn: rnn::RnnSettings,
}

impl Settings {
    pub fn new(series: SeriesSpec) -> Self {
        Self {
            series,
            test: None,
            horizon: None,
            season: None,
            methods: Method::ALL.to_vec(),
            seed: 42,
            origins: 3,
            rnn: rnn::RnnSettings::default(),
        }
    }
}

/// One method's results on one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    pub method: Method,
    /// What was fitted in the end, e.g. "ETS(M,A,N)".
    pub detail: String,
    /// Fitted on the history before the test period, forecasting it.
    pub test: Forecast,
    pub accuracy: Accuracy,
    /// Mean accuracy over the backtest's origins (`None` when the series is too short for a
    /// second origin).
    pub backtest: Option<Accuracy>,
    pub origins: usize,
    /// Fitted on the whole series, forecasting `horizon` periods past it.
    pub future: Forecast,
    /// One-step in-sample forecasts of the whole-series fit (NaN where there is none).
    pub fitted: Vec<f64>,
    /// Training and validation loss per epoch (the recurrent network's whole-series fit).
    pub losses: Vec<(f64, f64)>,
}

impl MethodResult {
    pub fn residuals(&self, values: &[f64]) -> Vec<f64> {
        values
            .iter()
            .zip(&self.fitted)
            .map(|(y, f)| y - f)
            .collect()
    }
}

/// The results on one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesResult {
    pub series: Series,
    pub test: usize,
    pub horizon: usize,
    /// The in-sample seasonal naive MAE of the training part (the MASE scale).
    pub scale: f64,
    pub methods: Vec<MethodResult>,
    /// Methods that could not run on this series, and why.
    pub skipped: Vec<(Method, String)>,
    /// Methods by test MASE (then RMSE), best first.
    pub ranking: Vec<Method>,
}

impl SeriesResult {
    pub fn best(&self) -> Option<&MethodResult> {
        self.ranking.first().and_then(|m| self.method(*m))
    }

    pub fn method(&self, m: Method) -> Option<&MethodResult> {
        self.methods.iter().find(|r| r.method == m)
    }
}

/// A whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForecastResult {
    pub settings: Settings,
    pub freq: Freq,
    pub freq_guessed: bool,
    pub agg: Agg,
    pub season: usize,
    pub rows_skipped: usize,
    /// The first day of the last period when it was left out for ending early (see
    /// [`series::SeriesSet::partial_period_dropped`]).
    #[serde(default)]
    pub partial_period_dropped: Option<i32>,
    /// The series of all rows.
    pub total: SeriesResult,
    /// One per group (with a group column).
    pub groups: Vec<SeriesResult>,
    /// Groups that could not be forecast (too short), and why.
    pub failed_groups: Vec<(String, String)>,
}

/// Who watches a run: hears its events, and is asked after every step whether to go on.
pub struct Watch<'a> {
    pub event: &'a (dyn Fn(Event) + Sync),
    pub control: &'a (dyn Fn() -> Control + Sync),
}

impl Watch<'_> {
    /// Nobody: the run goes on to the end.
    pub fn none() -> Watch<'static> {
        Watch {
            event: &|_| {},
            control: &|| Control::Continue,
        }
    }
}

/// What a run reports while it works.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Series done out of all.
    Series { done: usize, total: usize },
    /// An epoch of the recurrent network: on which series, which fit ("before the test
    /// period", "backtest origin k", "whole series").
    Epoch {
        series: String,
        stage: String,
        epoch: usize,
        train: f64,
        valid: f64,
    },
}

/// A series guessed from a table's columns: the first date column; a value column named like
/// sales or amounts (else a count of rows); a group column named like a region, category,
/// channel or segment with at most 30 values. `None` without a date column.
pub fn guess(profile: &crate::data::profile::Profile) -> Option<SeriesSpec> {
    let date = profile.columns.iter().find(|c| c.date_range.is_some())?;
    let named = |c: &crate::data::profile::ColumnProfile, words: &[&str]| {
        let n = c.name.to_lowercase();
        words.iter().any(|w| n.contains(w))
    };
    const VALUES: [&str; 8] = [
        "amount", "sales", "revenue", "value", "spend", "units", "quantity", "orders",
    ];
    const GROUPS: [&str; 6] = [
        "region", "category", "channel", "segment", "store", "country",
    ];
    let value = VALUES.iter().find_map(|w| {
        profile
            .columns
            .iter()
            .find(|c| c.is_numeric() && c.date_range.is_none() && named(c, &[w]))
    });
    let by = GROUPS.iter().find_map(|w| {
        profile
            .columns
            .iter()
            .find(|c| !c.is_numeric() && (2..=30).contains(&c.distinct) && named(c, &[w]))
    });
    Some(SeriesSpec {
        date: date.name.clone(),
        value: value.map(|c| c.name.clone()),
        by: by.map(|c| c.name.clone()),
        freq: None,
        agg: None,
    })
}

/// The test period's default length for `n` periods and season `m`.
pub fn default_test(n: usize, m: usize) -> usize {
    if m > 1 && n >= 3 * m {
        m
    } else {
        ((n as f64) * 0.2).ceil().max(1.0) as usize
    }
}

/// Builds the series of `df` and forecasts each; `report` may stop or cancel.
pub fn run(df: &DataFrame, settings: &Settings, watch: &Watch) -> Result<ForecastResult> {
    let set = series::build(df, &settings.series)?;
    run_series(set, settings, watch)
}

/// Forecasts series already built.
pub fn run_series(set: SeriesSet, settings: &Settings, watch: &Watch) -> Result<ForecastResult> {
    let season = settings.season.unwrap_or(set.freq.season()).max(1);
    let n = set.total.len();
    let test = settings.test.unwrap_or_else(|| default_test(n, season));
    if test == 0 {
        return Err(Error::InvalidInput(
            "the test period must be at least 1 period".into(),
        ));
    }
    if test + 2 > n {
        return Err(Error::InvalidInput(format!(
            "the series has {n} {}s: too short to hold out {test} for a test and fit a model on the rest",
            set.freq.name()
        )));
    }
    let horizon = settings.horizon.unwrap_or(test).max(1);
    let plan = Plan {
        watch,
        season,
        test,
        horizon,
        settings,
    };
    let total_count = 1 + set.groups.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        (watch.event)(Event::Series {
            done: d,
            total: total_count,
        });
    };
    let total = plan.forecast(set.total, 0)?;
    tick();
    let outcomes: Vec<(String, Result<SeriesResult>)> = set
        .groups
        .into_par_iter()
        .enumerate()
        .map(|(i, s)| {
            let name = s.label().to_owned();
            let r = plan.forecast(s, i as u64 + 1);
            tick();
            (name, r)
        })
        .collect();
    let mut groups = Vec::new();
    let mut failed_groups = Vec::new();
    for (name, r) in outcomes {
        match r {
            Ok(g) => groups.push(g),
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => failed_groups.push((name, e.to_string())),
        }
    }
    Ok(ForecastResult {
        settings: settings.clone(),
        freq: set.freq,
        freq_guessed: set.freq_guessed,
        agg: set.agg,
        season,
        rows_skipped: set.rows_skipped,
        partial_period_dropped: set.partial_period_dropped,
        total,
        groups,
        failed_groups,
    })
}

struct Plan<'a> {
    watch: &'a Watch<'a>,
    season: usize,
    test: usize,
    horizon: usize,
    settings: &'a Settings,
}

/// One method fitted to a history: its in-sample fitted values, forecast and what it was.
struct Fitted {
    detail: String,
    fitted: Vec<f64>,
    forecast: Forecast,
    losses: Vec<(f64, f64)>,
}

impl Plan<'_> {
    fn forecast(&self, series: Series, index: u64) -> Result<SeriesResult> {
        let watch = self.watch;
        let y = &series.values;
        let n = y.len();
        let m = self.season;
        let test = self.test;
        if test + 2 > n {
            return Err(Error::InvalidInput(format!(
                "{} {}s: too short for a test period of {test}",
                n,
                series.freq.name()
            )));
        }
        let train = &y[..n - test];
        let actual = &y[n - test..];
        let scale = accuracy::mase_scale(train, m);
        let seed = self.settings.seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut methods = Vec::new();
        let mut skipped = Vec::new();
        let label = series.label().to_owned();
        for &method in &self.settings.methods {
            if method == Method::Auto {
                continue;
            }
            // Every network fit reports its epochs; a Stop ends the current fit early.
            let live = |stage: String| {
                let label = label.clone();
                move |epoch: usize, train: f64, valid: f64| {
                    (watch.event)(Event::Epoch {
                        series: label.clone(),
                        stage: stage.clone(),
                        epoch,
                        train,
                        valid,
                    });
                    (watch.control)()
                }
            };
            let on_test = match self.fit(
                method,
                train,
                test,
                seed,
                &live("before the test period".into()),
            ) {
                Ok(f) => f,
                Err(Error::Cancelled) => return Err(Error::Cancelled),
                Err(e) => {
                    skipped.push((method, e.to_string()));
                    continue;
                }
            };
            let accuracy = accuracy::accuracy(actual, &on_test.forecast.mean, scale);
            // The rolling origins before the test period's own.
            let mut scores = vec![accuracy];
            for k in 1..self.settings.origins {
                let Some(origin) = n.checked_sub(test * (k + 1)) else {
                    break;
                };
                let history = &y[..origin];
                let stage = format!("backtest origin {}", k + 1);
                match self.fit(method, history, test, seed ^ k as u64, &live(stage)) {
                    Ok(f) => scores.push(accuracy::accuracy(
                        &y[origin..origin + test],
                        &f.forecast.mean,
                        accuracy::mase_scale(history, m),
                    )),
                    Err(Error::Cancelled) => return Err(Error::Cancelled),
                    Err(_) => break,
                }
            }
            let backtest = (scores.len() > 1).then(|| mean_accuracy(&scores));
            let whole = match self.fit(method, y, self.horizon, seed, &live("whole series".into()))
            {
                Ok(f) => f,
                Err(Error::Cancelled) => return Err(Error::Cancelled),
                Err(e) => {
                    skipped.push((method, e.to_string()));
                    continue;
                }
            };
            methods.push(MethodResult {
                method,
                detail: whole.detail,
                test: on_test.forecast,
                accuracy,
                origins: scores.len(),
                backtest,
                future: whole.forecast,
                fitted: whole.fitted,
                losses: whole.losses,
            });
        }
        let mut ranking: Vec<&MethodResult> = methods.iter().collect();
        let key = |a: &Accuracy| {
            (
                if a.mase.is_finite() {
                    a.mase
                } else {
                    f64::INFINITY
                },
                if a.rmse.is_finite() {
                    a.rmse
                } else {
                    f64::INFINITY
                },
            )
        };
        ranking.sort_by(|a, b| {
            let (ka, kb) = (key(&a.accuracy), key(&b.accuracy));
            ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
        });
        let ranking = ranking.iter().map(|r| r.method).collect();
        Ok(SeriesResult {
            series,
            test,
            horizon: self.horizon,
            scale,
            methods,
            skipped,
            ranking,
        })
    }

    /// Fits `method` to `y` and forecasts `h` periods.
    fn fit(
        &self,
        method: Method,
        y: &[f64],
        h: usize,
        seed: u64,
        epoch: &dyn Fn(usize, f64, f64) -> Control,
    ) -> Result<Fitted> {
        let m = self.season;
        let simple = |b| {
            baselines::fit(b, y, m, h).map(|f| Fitted {
                detail: method.label().to_owned(),
                fitted: f.fitted,
                forecast: f.forecast,
                losses: Vec::new(),
            })
        };
        match method {
            Method::Mean => simple(baselines::Baseline::Mean),
            Method::Naive => simple(baselines::Baseline::Naive),
            Method::Snaive => {
                if m < 2 {
                    return Err(Error::InvalidInput(
                        "no season: the seasonal naive forecast is the naive one".into(),
                    ));
                }
                simple(baselines::Baseline::SeasonalNaive)
            }
            Method::Drift => simple(baselines::Baseline::Drift),
            Method::Ets => {
                let mut control = || match (self.watch.control)() {
                    Control::Cancel => Control::Cancel,
                    _ => Control::Continue,
                };
                let fit = ets::auto(y, m, &mut control)?;
                Ok(Fitted {
                    detail: fit.form.name(),
                    forecast: fit.forecast(h, seed),
                    fitted: fit.fitted,
                    losses: Vec::new(),
                })
            }
            Method::Rnn => {
                let fit = rnn::fit(y, m, &self.settings.rnn, seed, epoch)?;
                Ok(Fitted {
                    detail: fit.describe(),
                    forecast: fit.forecast(h, seed),
                    fitted: fit.fitted.clone(),
                    losses: fit.losses.clone(),
                })
            }
            Method::Auto => Err(Error::InvalidInput("auto is chosen, not fitted".into())),
        }
    }
}

fn mean_accuracy(scores: &[Accuracy]) -> Accuracy {
    let mean = |f: fn(&Accuracy) -> f64| scores.iter().map(f).sum::<f64>() / scores.len() as f64;
    Accuracy {
        rmse: mean(|a| a.rmse),
        mae: mean(|a| a.mae),
        mape: mean(|a| a.mape),
        mase: mean(|a| a.mase),
    }
}
