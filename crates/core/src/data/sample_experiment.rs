//! A randomised campaign test on the sample customers: `treated` (a fair coin per customer)
//! and `converted` (1/0), whose true probability depends on the group in a known,
//! heterogeneous way, so tests know each customer's true uplift and the best ranking any model
//! could make.
//!
//! The control group converts with p₀ = σ(−2.4 + 0.22·min(visits, 12) − 0.006·min(days since
//! the last purchase, 365)). The offer adds, on the probability scale:
//! - **persuadables** (discount use ≥ 0.4 and tenure under 24 months): +0.20;
//! - **do-not-disturbs** (tenure of 48 months or more, reached by e-mail): −0.10;
//! - **sure things** (7 or more visits in 30 days: p₀ is already high): +0.00;
//! - **lost causes** (no purchase for 180 days or more): +0.00;
//! - everyone else: +0.03.
//!
//! The rules are checked in that order (a persuadable with 7 visits is a persuadable). Missing
//! visits or recency count as the sample's typical 3 visits and 30 days.

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::sample::SampleData;
use crate::error::Result;

/// Visits in 30 days from which a customer buys anyway (a sure thing).
const SURE_VISITS: f64 = 7.0;

/// The groups of customers the offer treats differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Persuadable,
    DoNotDisturb,
    SureThing,
    LostCause,
    Other,
}

impl Kind {
    /// The true effect of the offer on the conversion probability.
    pub fn effect(self) -> f64 {
        match self {
            Self::Persuadable => 0.20,
            Self::DoNotDisturb => -0.10,
            Self::SureThing | Self::LostCause => 0.0,
            Self::Other => 0.03,
        }
    }
}

/// The experiment's columns and the truth behind them.
pub struct Experiment {
    /// The customers with `treated` (1/0) and `converted` (1/0) added.
    pub frame: DataFrame,
    pub kind: Vec<Kind>,
    /// Each customer's conversion probability without and with the offer.
    pub p_control: Vec<f64>,
    pub p_treated: Vec<f64>,
}

impl Experiment {
    /// Each customer's true uplift.
    pub fn true_uplift(&self) -> Vec<f64> {
        self.p_treated
            .iter()
            .zip(&self.p_control)
            .map(|(t, c)| t - c)
            .collect()
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn numbers(df: &DataFrame, name: &str, missing: f64) -> Result<Vec<f64>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(missing))
        .collect())
}

/// Adds the experiment to the sample customers; the same seed gives the same groups and
/// outcomes (drawn from their own stream, so the customers stay as `sample` makes them).
pub fn add(sample: &SampleData, seed: u64) -> Result<Experiment> {
    let df = &sample.frame;
    let visits = numbers(df, "visits_30d", 3.0)?;
    let days = numbers(df, "days_since_last_purchase", 30.0)?;
    let discount = numbers(df, "discount_usage", 0.0)?;
    let tenure = numbers(df, "tenure_months", 0.0)?;
    let channel = df.column("channel")?.cast(&DataType::String)?;
    let channel = channel.str()?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x0e_c0_ff_ee);
    let n = df.height();
    let (mut kind, mut p_control, mut p_treated) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut treated, mut converted) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let k = if discount[i] >= 0.4 && tenure[i] < 24.0 {
            Kind::Persuadable
        } else if tenure[i] >= 48.0 && channel.get(i) == Some("Email") {
            Kind::DoNotDisturb
        } else if visits[i] >= SURE_VISITS {
            Kind::SureThing
        } else if days[i] >= 180.0 {
            Kind::LostCause
        } else {
            Kind::Other
        };
        let p0 = sigmoid(-2.4 + 0.22 * visits[i].min(12.0) - 0.006 * days[i].min(365.0));
        let p1 = (p0 + k.effect()).clamp(0.0, 1.0);
        let t = rng.r#gen::<bool>();
        let y = rng.r#gen::<f64>() < if t { p1 } else { p0 };
        kind.push(k);
        p_control.push(p0);
        p_treated.push(p1);
        treated.push(i64::from(t));
        converted.push(i64::from(y));
    }
    let mut frame = df.clone();
    frame.with_column(Column::new("treated".into(), treated))?;
    frame.with_column(Column::new("converted".into(), converted))?;
    Ok(Experiment {
        frame,
        kind,
        p_control,
        p_treated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_there_and_the_groups_are_fair() {
        let s = super::super::sample::generate(20_000, 7).unwrap();
        let e = add(&s, 7).unwrap();
        let share = |k: Kind| e.kind.iter().filter(|&&x| x == k).count() as f64 / 20_000.0;
        for k in [
            Kind::Persuadable,
            Kind::DoNotDisturb,
            Kind::SureThing,
            Kind::LostCause,
            Kind::Other,
        ] {
            assert!(share(k) > 0.02, "{k:?}: {}", share(k));
        }
        let treated = e
            .frame
            .column("treated")
            .unwrap()
            .i64()
            .unwrap()
            .sum()
            .unwrap();
        assert!((treated as f64 / 20_000.0 - 0.5).abs() < 0.02);
        let again = add(&s, 7).unwrap();
        assert!(e.frame.equals_missing(&again.frame));
    }
}
