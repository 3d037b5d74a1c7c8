//! A seeded generator of realistic customer tables, with known signal.
//!
//! The response target is drawn from a logistic function of the customer's features that we
//! know exactly, so tests can compare a model's AUC with the best AUC any model could reach
//! (the AUC of the true probabilities on the same rows). Some of its terms are deliberately
//! out of a linear model's reach: response peaks at mid tenure, falls off for the youngest and
//! oldest customers, and grows with the logarithm of recency rather than recency itself.

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_distr::{Binomial, Distribution, Exp, LogNormal, Normal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::Result;

/// Names of the three target columns the sample carries.
pub const TARGETS: [&str; 3] = ["responded", "churned", "spend_next_90d"];

/// The day the sample's "today" is (2025-10-01), in days since 1970-01-01.
pub const REFERENCE_DAY: i32 = 20_362;

const REGIONS: [&str; 5] = ["North", "South", "East", "West", "Central"];
const REGION_WEIGHTS: [f64; 5] = [0.22, 0.24, 0.18, 0.21, 0.15];
const CHANNELS: [&str; 5] = ["Email", "Search", "Social", "Referral", "Display"];
const CHANNEL_WEIGHTS: [f64; 5] = [0.25, 0.30, 0.20, 0.10, 0.15];

/// A generated table and, per row, the true probability behind `responded`.
pub struct SampleData {
    /// The customer table, as it would be exported from a CRM.
    pub frame: DataFrame,
    /// The probability each customer responds, from which `responded` was drawn.
    pub true_response_probability: Vec<f64>,
}

/// The true response probability, given a customer's (complete) features.
///
/// Shared by the generator and documented here so the signal is explicit.
#[allow(clippy::too_many_arguments)]
fn response_logit(
    age: f64,
    channel: usize,
    tenure_months: f64,
    visits: f64,
    clicks: f64,
    days_since_purchase: f64,
    discount_usage: f64,
) -> f64 {
    let mid_tenure = (-((tenure_months - 18.0) / 10.0).powi(2)).exp();
    let age_curve = ((age - 45.0) / 15.0).powi(2);
    -1.45 + 0.38 * clicks + 0.10 * visits - 0.65 * (1.0 + days_since_purchase).ln()
        + 1.1 * mid_tenure
        - 0.3 * age_curve
        + 1.3 * discount_usage
        + match channel {
            0 => 0.55,  // Email
            3 => 0.35,  // Referral
            4 => -0.25, // Display
            _ => 0.0,
        }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

pub(crate) fn pick(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let mut u: f64 = rng.r#gen::<f64>() * weights.iter().sum::<f64>();
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Draws `rows` customers from `seed`. The same seed always gives the same table.
pub fn generate(rows: usize, seed: u64) -> Result<SampleData> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // Invariant: every distribution parameter below is a finite constant or clamped to a valid
    // range before use, so the constructors cannot fail; we still map their errors to a message.
    let bad = |what: &str| crate::error::Error::InvalidInput(format!("sample generator: {what}"));
    let std_normal = Normal::new(0.0, 1.0).map_err(|_| bad("normal"))?;
    let tenure_dist = Exp::new(1.0 / 22.0).map_err(|_| bad("exponential"))?;

    let mut customer_id = Vec::with_capacity(rows);
    let mut age = Vec::with_capacity(rows);
    let mut region = Vec::with_capacity(rows);
    let mut channel = Vec::with_capacity(rows);
    let mut signup_day = Vec::with_capacity(rows);
    let mut tenure = Vec::with_capacity(rows);
    let mut visits = Vec::with_capacity(rows);
    let mut opens = Vec::with_capacity(rows);
    let mut clicks = Vec::with_capacity(rows);
    let mut abandons = Vec::with_capacity(rows);
    let mut days_since = Vec::with_capacity(rows);
    let mut total_spend = Vec::with_capacity(rows);
    let mut avg_order = Vec::with_capacity(rows);
    let mut discount = Vec::with_capacity(rows);
    let mut responded = Vec::with_capacity(rows);
    let mut churned = Vec::with_capacity(rows);
    let mut spend_next = Vec::with_capacity(rows);
    let mut true_p = Vec::with_capacity(rows);

    for i in 0..rows {
        let engagement: f64 = std_normal.sample(&mut rng);
        let a = (43.0 + 13.0 * std_normal.sample(&mut rng))
            .clamp(18.0, 85.0)
            .round();
        let r = pick(&mut rng, &REGION_WEIGHTS);
        let c = pick(&mut rng, &CHANNEL_WEIGHTS);
        let t: f64 = tenure_dist.sample(&mut rng);
        let t = t.min(120.0).floor();
        let day = REFERENCE_DAY - (t * 30.44) as i32 - rng.gen_range(0..30);

        let channel_boost = if c == 0 { 0.2 } else { 0.0 };
        let visit_rate = (0.9 + 0.55 * engagement + channel_boost).exp();
        let v = Poisson::new(visit_rate.clamp(0.01, 500.0))
            .map_err(|_| bad("visits"))?
            .sample(&mut rng);
        let open_rate = (1.6 + 0.45 * engagement + channel_boost).exp();
        let o = Poisson::new(open_rate.clamp(0.01, 500.0))
            .map_err(|_| bad("opens"))?
            .sample(&mut rng);
        let click_p = sigmoid(-1.4 + 0.6 * engagement);
        let k = Binomial::new(o as u64, click_p)
            .map_err(|_| bad("clicks"))?
            .sample(&mut rng) as f64;
        let ab = Poisson::new(0.2 + 0.15 * v)
            .map_err(|_| bad("abandons"))?
            .sample(&mut rng);
        let recency_mean = (4.0 - 0.45 * engagement).exp();
        let d = Exp::new(1.0 / recency_mean)
            .map_err(|_| bad("recency"))?
            .sample(&mut rng)
            .min(730.0)
            .floor();
        let orders = 1.0
            + Poisson::new((0.5 + t / 6.0) * (0.3 * engagement).exp())
                .map_err(|_| bad("orders"))?
                .sample(&mut rng);
        let aov = LogNormal::new((55.0f64).ln() + 0.1 * (a - 43.0) / 13.0, 0.4)
            .map_err(|_| bad("order value"))?
            .sample(&mut rng);
        let spend = orders * aov * (0.9 + 0.2 * rng.r#gen::<f64>());
        let du = sigmoid(-1.0 + 0.8 * std_normal.sample(&mut rng));

        let p = sigmoid(response_logit(a, c, t, v, k, d, du));
        let churn_p = sigmoid(
            -2.6 + 0.55 * (1.0 + d).ln() - 0.25 * v - 0.02 * t + if c == 4 { 0.4 } else { 0.0 },
        );
        let next = (15.0
            + 0.45 * aov * v.sqrt() * (-d / 180.0).exp()
            + 0.01 * spend
            + 12.0 * std_normal.sample(&mut rng))
        .max(0.0);

        customer_id.push(format!("C{:07}", i + 1));
        age.push((rng.r#gen::<f64>() >= 0.02).then_some(a as i64));
        region.push((rng.r#gen::<f64>() >= 0.01).then_some(REGIONS[r]));
        channel.push(CHANNELS[c]);
        signup_day.push(day);
        tenure.push(t as i64);
        visits.push(v as i64);
        opens.push((rng.r#gen::<f64>() >= 0.01).then_some(o as i64));
        clicks.push(k as i64);
        abandons.push(ab as i64);
        days_since.push((rng.r#gen::<f64>() >= 0.015).then_some(d as i64));
        total_spend.push(round2(spend));
        avg_order.push(round2(aov));
        discount.push(round2(du));
        responded.push(i64::from(rng.r#gen::<f64>() < p));
        churned.push(i64::from(rng.r#gen::<f64>() < churn_p));
        spend_next.push(round2(next));
        true_p.push(p);
    }

    let columns = vec![
        Column::new("customer_id".into(), customer_id),
        Column::new("age".into(), age),
        Column::new("region".into(), region),
        Column::new("channel".into(), channel),
        Column::new("signup_date".into(), signup_day).cast(&DataType::Date)?,
        Column::new("tenure_months".into(), tenure),
        Column::new("visits_30d".into(), visits),
        Column::new("email_opens".into(), opens),
        Column::new("email_clicks".into(), clicks),
        Column::new("cart_abandons".into(), abandons),
        Column::new("days_since_last_purchase".into(), days_since),
        Column::new("total_spend".into(), total_spend),
        Column::new("avg_order_value".into(), avg_order),
        Column::new("discount_usage".into(), discount),
        Column::new("responded".into(), responded),
        Column::new("churned".into(), churned),
        Column::new("spend_next_90d".into(), spend_next),
    ];
    Ok(SampleData {
        frame: DataFrame::new(rows, columns)?,
        true_response_probability: true_p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::metrics::auc;

    #[test]
    fn same_seed_same_table() {
        let a = generate(500, 3).unwrap();
        let b = generate(500, 3).unwrap();
        assert!(a.frame.equals_missing(&b.frame));
        assert_eq!(a.true_response_probability, b.true_response_probability);
    }

    #[test]
    fn response_rate_and_ceiling_are_as_documented() {
        let s = generate(40_000, 11).unwrap();
        let y: Vec<bool> = s
            .frame
            .column("responded")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .map(|v| v == 1)
            .collect();
        let rate = y.iter().filter(|v| **v).count() as f64 / y.len() as f64;
        let ceiling = auc(&s.true_response_probability, &y);
        eprintln!("response rate {rate:.3}, true-probability AUC {ceiling:.3}");
        assert!((0.10..=0.20).contains(&rate), "rate {rate}");
        assert!((0.76..=0.86).contains(&ceiling), "ceiling {ceiling}");
        assert!(s.frame.column("age").unwrap().null_count() > 0);
    }
}
