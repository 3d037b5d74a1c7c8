//! Customer lifetime value from a table of purchases — a room of its own (ARCHITECTURE.md, "A
//! room for each new question"): which columns it needs ([`Columns`]), its settings
//! ([`Settings`]), the fit with progress and Cancel ([`fit`]) and the result ([`Outcome`]): BG/NBD
//! or Pareto/NBD for how many more purchases each customer makes and whether they are still
//! active, Gamma-Gamma for what a purchase is worth, and the lifetime value over a horizon
//! with a discount rate and a margin.

pub mod bgnbd;
pub mod diagnostics;
pub mod fit;
pub mod gamma_gamma;
pub mod pareto;
pub mod special;
pub mod summary;

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{Error, Result};
use crate::jobs::Control;
pub use bgnbd::BgNbd;
pub use fit::FitStep;
pub use gamma_gamma::GammaGamma;
pub use pareto::ParetoNbd;
pub use summary::{Summary, summarise};

/// The columns of a purchase table the question needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Columns {
    pub customer: String,
    pub date: String,
    /// Order value; without it only purchases are modelled, not their value.
    pub amount: Option<String>,
    /// When set, the amount is a price per unit and a line's value is amount × this column.
    #[serde(default)]
    pub quantity: Option<String>,
}

/// The unit of time of frequency, recency, T and the horizon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Day,
    #[default]
    Week,
    /// 365.25 / 12 days.
    Month,
}

impl Unit {
    pub fn days(self) -> f64 {
        match self {
            Self::Day => 1.0,
            Self::Week => 7.0,
            Self::Month => 365.25 / 12.0,
        }
    }

    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// Units in a year: the default horizon.
    pub fn per_year(self) -> f64 {
        match self {
            Self::Day => 365.0,
            Self::Week => 52.0,
            Self::Month => 12.0,
        }
    }
}

/// Which model counts future purchases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PurchaseModel {
    #[default]
    Bgnbd,
    ParetoNbd,
}

impl PurchaseModel {
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Bgnbd => "bgnbd",
            Self::ParetoNbd => "pareto-nbd",
        }
    }
}

/// How lifetime value is worked out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub unit: Unit,
    /// The last day of the calibration period (day number); `None`: the last date in the file.
    pub calibration_end: Option<i32>,
    /// Units ahead for expected purchases and lifetime value; `None`: one year.
    pub horizon: Option<f64>,
    /// Discount rate per unit of time.
    pub discount: f64,
    /// Share of an order's value that is profit.
    pub margin: f64,
    pub model: PurchaseModel,
}

impl Settings {
    /// Whether the settings can be used (checked before any data is read).
    pub fn check(&self) -> Result<()> {
        if !(self.margin.is_finite() && self.margin > 0.0) {
            return Err(Error::InvalidInput(
                "the margin must be above 0 (1 = the whole order value)".into(),
            ));
        }
        if !(self.discount.is_finite() && self.discount >= 0.0) {
            return Err(Error::InvalidInput(
                "the discount rate must be 0 or more".into(),
            ));
        }
        if self.horizon.is_some_and(|h| !(h.is_finite() && h > 0.0)) {
            return Err(Error::InvalidInput("the horizon must be above 0".into()));
        }
        Ok(())
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            unit: Unit::Week,
            calibration_end: None,
            horizon: None,
            discount: 0.0,
            margin: 1.0,
            model: PurchaseModel::Bgnbd,
        }
    }
}

/// A fitted purchase model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Purchases {
    BgNbd(BgNbd),
    ParetoNbd(ParetoNbd),
}

impl Purchases {
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        match self {
            Self::BgNbd(m) => m.p_alive(x, t_x, t),
            Self::ParetoNbd(m) => m.p_alive(x, t_x, t),
        }
    }

    pub fn expected_purchases(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> f64 {
        match self {
            Self::BgNbd(m) => m.expected_purchases(horizon, x, t_x, t),
            Self::ParetoNbd(m) => m.expected_purchases(horizon, x, t_x, t),
        }
    }

    /// The parameters as the `--metrics` JSON names them.
    pub fn params_json(&self) -> serde_json::Value {
        match self {
            Self::BgNbd(m) => json!({"r": m.r, "alpha": m.alpha, "a": m.a, "b": m.b}),
            Self::ParetoNbd(m) => json!({"r": m.r, "alpha": m.alpha, "s": m.s, "beta": m.beta}),
        }
    }

    pub fn in_words(&self) -> Vec<String> {
        match self {
            Self::BgNbd(m) => m.in_words(),
            Self::ParetoNbd(m) => m.in_words(),
        }
    }
}

/// The spend model and its check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spend {
    pub model: GammaGamma,
    pub log_likelihood: f64,
    /// Pearson correlation of frequency and mean repeat value among repeat customers: the
    /// model assumes none.
    pub frequency_value_correlation: f64,
    /// The mean of the repeat customers' mean repeat values, for when the model has none.
    pub observed_mean: f64,
}

impl Spend {
    /// The expected value of a customer's next purchases: Gamma-Gamma's, except where it has
    /// no finite answer (q ≤ 1: values too heavy-tailed), where the customer's own mean (or
    /// the observed mean, without repeats) stands in; a customer whose repeats were worth
    /// nothing gets the population's expectation.
    pub fn expected_value(&self, x: f64, m: f64) -> f64 {
        if self.model.q <= 1.0 {
            return if x > 0.0 && m > 0.0 {
                m
            } else {
                self.observed_mean
            };
        }
        if x > 0.0 && m > 0.0 {
            self.model.expected_value(x, m)
        } else {
            self.model.expected_value(0.0, 0.0)
        }
    }
}

/// Everything the question produced.
pub struct Outcome {
    pub settings: Settings,
    pub summary: Summary,
    pub purchases: Purchases,
    /// Total log-likelihood of the purchase model.
    pub log_likelihood: f64,
    pub spend: Option<Spend>,
    /// Per customer, in the summary's order.
    pub p_alive: Vec<f64>,
    pub expected_purchases: Vec<f64>,
    pub expected_avg_value: Vec<f64>,
    pub clv: Vec<f64>,
    /// The horizon used, in units.
    pub horizon: f64,
    /// Holdout: (actual, predicted) repeat purchases, when purchases after the calibration
    /// end exist.
    pub holdout: Option<(f64, f64)>,
    /// The live curve: mean negative log-likelihood per optimiser iteration.
    pub curve: Vec<FitStep>,
    pub notes: Vec<String>,
}

/// Fits the models on `df`'s purchases; `report` gets every optimiser iteration (of the
/// purchase model, then the spend model) and answers Continue, Stop or Cancel.
pub fn fit(
    df: &DataFrame,
    columns: &Columns,
    settings: &Settings,
    report: &mut dyn FnMut(FitStep) -> Control,
) -> Result<Outcome> {
    settings.check()?;
    let summary = summarise(df, columns, settings.calibration_end, settings.unit)?;
    let mut notes = Vec::new();
    if summary.rows_without_key > 0 {
        notes.push(format!(
            "{} purchases without a customer or a date were left out",
            summary.rows_without_key
        ));
    }
    let repeat = summary.frequency.iter().filter(|&&x| x > 0.0).count();
    if summary.len() < 10 || repeat < 2 {
        return Err(Error::InvalidInput(format!(
            "{} customers, {repeat} with a repeat purchase by the calibration end: too few to fit a purchase model",
            summary.len()
        )));
    }
    let mut curve = Vec::new();
    let mut on_step = |s: FitStep| {
        curve.push(s);
        report(s)
    };
    let n = summary.len() as f64;
    let (purchases, log_likelihood) = match settings.model {
        PurchaseModel::Bgnbd => {
            let (p, nll) = fit::minimise(
                &[1.0, 1.0, 1.0, 1.0],
                &|p| BgNbd::from_slice(p).mean_nll(&summary),
                &mut on_step,
            )?;
            (Purchases::BgNbd(BgNbd::from_slice(&p)), -nll * n)
        }
        PurchaseModel::ParetoNbd => {
            let (p, nll) = fit::minimise(
                &[1.0, 1.0, 1.0, 1.0],
                &|p| ParetoNbd::from_slice(p).mean_nll(&summary),
                &mut on_step,
            )?;
            (Purchases::ParetoNbd(ParetoNbd::from_slice(&p)), -nll * n)
        }
    };
    let spend = match &columns.amount {
        None => None,
        Some(_) => {
            let pairs: Vec<(f64, f64)> = summary
                .frequency
                .iter()
                .zip(&summary.monetary)
                .filter(|&(&x, &m)| x > 0.0 && m > 0.0)
                .map(|(&x, &m)| (x, m))
                .collect();
            if pairs.len() < 2 {
                notes.push(
                    "too few repeat customers with a positive order value to model spend".into(),
                );
                None
            } else {
                let (p, nll) = fit::minimise(
                    &[1.0, 1.0, 1.0],
                    &|p| GammaGamma::from_slice(p).mean_nll(&pairs),
                    &mut on_step,
                )?;
                let (xs, ms): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
                let model = GammaGamma::from_slice(&p);
                if model.q <= 1.0 {
                    notes.push(format!(
                        "order values are too heavy-tailed for the spend model (q = {:.3} ≤ 1): each customer's own mean value is used instead",
                        model.q
                    ));
                }
                Some(Spend {
                    model,
                    log_likelihood: -nll * pairs.len() as f64,
                    frequency_value_correlation: pearson(&xs, &ms),
                    observed_mean: ms.iter().sum::<f64>() / ms.len() as f64,
                })
            }
        }
    };
    if let Some(s) = &spend
        && s.frequency_value_correlation.abs() > 0.3
    {
        notes.push(format!(
            "frequency and order value are correlated ({:.2}): Gamma-Gamma assumes they are not, so expected values lean on the average",
            s.frequency_value_correlation
        ));
    }
    let horizon = settings.horizon.unwrap_or(settings.unit.per_year());
    let s = &summary;
    let p_alive: Vec<f64> = (0..s.len())
        .map(|i| purchases.p_alive(s.frequency[i], s.recency[i], s.t[i]))
        .collect();
    let expected_purchases: Vec<f64> = (0..s.len())
        .map(|i| purchases.expected_purchases(horizon, s.frequency[i], s.recency[i], s.t[i]))
        .collect();
    let expected_avg_value: Vec<f64> = (0..s.len())
        .map(|i| match &spend {
            Some(sp) => sp.expected_value(s.frequency[i], s.monetary[i]),
            None => 0.0,
        })
        .collect();
    let clv: Vec<f64> = (0..s.len())
        .map(|i| {
            lifetime_value(
                &purchases,
                (s.frequency[i], s.recency[i], s.t[i]),
                expected_avg_value[i],
                horizon,
                settings,
            )
        })
        .collect();
    let holdout_length = s.holdout_length(settings.unit);
    let holdout = (holdout_length > 0.0).then(|| {
        let actual = s.holdout.iter().sum::<f64>();
        let predicted = (0..s.len())
            .map(|i| {
                purchases.expected_purchases(holdout_length, s.frequency[i], s.recency[i], s.t[i])
            })
            .sum::<f64>();
        (actual, predicted)
    });
    Ok(Outcome {
        settings: settings.clone(),
        purchases,
        log_likelihood,
        spend,
        p_alive,
        expected_purchases,
        expected_avg_value,
        clv,
        horizon,
        holdout,
        curve,
        notes,
        summary,
    })
}

/// Margin × the value of the purchases expected in each unit of the horizon, discounted to
/// today: Σ_{k=1..⌈h⌉} (E[X(k)] − E[X(k−1)]) · value / (1 + d)^k, the last unit cut at h.
fn lifetime_value(
    purchases: &Purchases,
    (x, t_x, t): (f64, f64, f64),
    value: f64,
    horizon: f64,
    settings: &Settings,
) -> f64 {
    let mut total = 0.0;
    let mut before = 0.0;
    let steps = horizon.ceil() as usize;
    for k in 1..=steps {
        let at = (k as f64).min(horizon);
        let expected = purchases.expected_purchases(at, x, t_x, t);
        total += (expected - before) * value / (1.0 + settings.discount).powf(k as f64);
        before = expected;
    }
    settings.margin * total
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    if sxx > 0.0 && syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        0.0
    }
}

/// The columns [`join_to_customers`] adds.
pub const JOINED: [&str; 4] = ["p_alive", "expected_purchases", "expected_avg_value", "clv"];

/// Adds each customer's P(alive), expected purchases, expected value and lifetime value (from
/// `values`, a table of [`Outcome::customers`]'s columns) to `customers`, matched on its
/// column `key` (compared as text). Customers without purchases by the calibration end get
/// none. Returns the table and how many of its rows were matched.
pub fn join_to_customers(
    customers: &DataFrame,
    key: &str,
    values: &DataFrame,
) -> Result<(DataFrame, usize)> {
    if customers.column(key).is_err() {
        return Err(Error::missing_column(
            key,
            " (the customer id to match purchases on)",
        ));
    }
    if let Some(clash) = JOINED.iter().find(|c| customers.column(c).is_ok()) {
        return Err(Error::InvalidInput(format!(
            "the customer table already has a column '{clash}': rename or drop it first"
        )));
    }
    const KEY: &str = "__customer_key";
    let mut keep: Vec<Expr> = customers
        .get_column_names()
        .into_iter()
        .map(|n| col(n.clone()))
        .collect();
    keep.extend(JOINED.iter().map(|c| col(*c)));
    let mut picked = vec![col("customer").cast(DataType::String).alias(KEY)];
    picked.extend(JOINED.iter().map(|c| col(*c)));
    let joined = customers
        .clone()
        .lazy()
        .with_column(col(key).cast(DataType::String).alias(KEY))
        .join(
            values.clone().lazy().select(picked),
            [col(KEY)],
            [col(KEY)],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .select(keep)
        .collect()?;
    let matched = joined.height() - joined.column("clv")?.null_count();
    Ok((joined, matched))
}

/// The column of a customer table that holds the ids named `customer` in the purchases: one
/// of that name, else one named like a customer id whose values are all different.
pub fn customer_key(customers: &DataFrame, customer: &str) -> Option<String> {
    if customers.column(customer).is_ok() {
        return Some(customer.to_owned());
    }
    let unique = |c: &Column| c.n_unique().is_ok_and(|n| n == customers.height());
    customers
        .columns()
        .iter()
        .find(|c| {
            let n = c.name().to_lowercase();
            (n.contains("customer") || n.contains("client") || n == "id") && unique(c)
        })
        .map(|c| c.name().to_string())
}

/// The day as ISO text.
fn iso(day: i32) -> String {
    crate::data::dates::iso_date(day)
}

impl Outcome {
    /// One row per customer: `customer`, `frequency`, `recency`, `T`, `monetary_value`,
    /// `p_alive`, `expected_purchases`, `expected_avg_value`, `clv`.
    pub fn customers(&self) -> Result<DataFrame> {
        let s = &self.summary;
        Ok(DataFrame::new_infer_height(vec![
            Column::new("customer".into(), s.customers.clone()),
            Column::new("frequency".into(), s.frequency.clone()),
            Column::new("recency".into(), s.recency.clone()),
            Column::new("T".into(), s.t.clone()),
            Column::new("monetary_value".into(), s.monetary.clone()),
            Column::new("p_alive".into(), self.p_alive.clone()),
            Column::new("expected_purchases".into(), self.expected_purchases.clone()),
            Column::new("expected_avg_value".into(), self.expected_avg_value.clone()),
            Column::new("clv".into(), self.clv.clone()),
        ])?)
    }

    /// Customers the model thinks are probably gone (P(alive) below `threshold`) who were
    /// worth most: the win-back list, by their repeat spend (frequency × mean repeat value),
    /// highest first; without an amount column, by their repeat purchases.
    pub fn win_back(&self, threshold: f64) -> Result<DataFrame> {
        let gone = self
            .customers()?
            .lazy()
            .filter(col("p_alive").lt(lit(threshold)));
        let (gone, by) = if self.spend.is_some() {
            let spend = (col("frequency") * col("monetary_value")).alias("repeat_spend");
            (gone.with_column(spend), "repeat_spend")
        } else {
            (gone, "frequency")
        };
        Ok(gone
            .filter(col(by).gt(lit(0.0)))
            .sort(
                [by],
                SortMultipleOptions::default().with_order_descending(true),
            )
            .collect()?)
    }

    /// The customers by lifetime value, highest first.
    ///
    /// (See [`join_to_customers`] for adding these to a table of customers.)
    pub fn by_value(&self) -> Result<DataFrame> {
        Ok(self.customers()?.sort(
            ["clv"],
            SortMultipleOptions::default().with_order_descending(true),
        )?)
    }

    /// The `--metrics` JSON.
    pub fn metrics_json(&self) -> serde_json::Value {
        let s = &self.summary;
        let mut v = json!({
            "model": self.settings.model.cli_name(),
            "params": self.purchases.params_json(),
            "log_likelihood": self.log_likelihood,
            "customers": s.len(),
            "repeat_customers": s.frequency.iter().filter(|&&x| x > 0.0).count(),
            "calibration_end": iso(s.calibration_end),
            "unit": self.settings.unit.cli_name(),
            "horizon": self.horizon,
        });
        if let (Some(map), Some(sp)) = (v.as_object_mut(), &self.spend) {
            map.insert(
                "spend".into(),
                json!({
                    "p": sp.model.p,
                    "q": sp.model.q,
                    "v": sp.model.v,
                    "log_likelihood": sp.log_likelihood,
                    "frequency_value_correlation": sp.frequency_value_correlation,
                }),
            );
        }
        if let (Some(map), Some((actual, predicted))) = (v.as_object_mut(), self.holdout) {
            map.insert(
                "holdout".into(),
                json!({"actual_purchases": actual, "predicted_purchases": predicted}),
            );
        }
        v
    }
}
