//! A seeded generator of order histories with known answers, for the same customers the
//! customer sample holds (ids `C0000001`, …; the customer table's own purchase columns are
//! drawn separately and do not summarise these orders).
//!
//! - When: each customer's first purchase falls in a 12-week cohort window, 78 weeks before
//!   the sample's "today"; after it, purchases follow BG/NBD with [`PURCHASES`]: while active
//!   a customer buys at rate λ ~ gamma(r, α) per week, and after each repeat purchase drops
//!   out with probability p ~ beta(a, b).
//! - How much: order values follow Gamma-Gamma with [`SPEND`]: each customer's mean order
//!   value is p/ν with ν ~ gamma(q, γ), and each order's value ~ gamma(p, ν).
//! - Where: each order's `region` is its customer's in the customer table of the same seed.
//! - What: products from a catalogue of categories; each customer prefers a category, and
//!   [`AFFINITIES`] plant co-purchases (a printer is often followed by ink).
//!
//! The truth comes back with the table: the parameters, and each customer's purchases in the
//! 52 weeks after the file ends (simulated, not written), so tests know what a correct model
//! must recover.

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::sample::REFERENCE_DAY;
use crate::error::{Error, Result};

/// BG/NBD parameters of the purchase process (per week): r, α, a, b.
pub const PURCHASES: [f64; 4] = [0.35, 5.0, 0.8, 2.5];
/// Gamma-Gamma parameters of order values: p, q, γ (mean order value pγ/(q − 1) = 30).
pub const SPEND: [f64; 3] = [6.0, 4.0, 15.0];
/// Weeks of history in the file, and weeks of the cohort window.
pub const HISTORY_WEEKS: i32 = 78;
pub const COHORT_WEEKS: i32 = 12;
/// Weeks after the file's end whose purchases are returned as the truth.
pub const FUTURE_WEEKS: f64 = 52.0;

/// Products by category.
pub const CATALOGUE: [(&str, &[&str]); 6] = [
    (
        "Electronics",
        &[
            "laptop",
            "printer",
            "ink cartridges",
            "mouse",
            "keyboard",
            "monitor",
            "usb cable",
        ],
    ),
    (
        "Kitchen",
        &[
            "coffee maker",
            "coffee beans",
            "coffee filters",
            "mug",
            "kettle",
            "tea",
        ],
    ),
    (
        "Outdoor",
        &[
            "tent",
            "sleeping bag",
            "camping stove",
            "gas canister",
            "lantern",
            "hiking boots",
        ],
    ),
    (
        "Sports",
        &[
            "running shoes",
            "running socks",
            "water bottle",
            "fitness tracker",
            "yoga mat",
        ],
    ),
    (
        "Books",
        &["novel", "cookbook", "travel guide", "children's book"],
    ),
    (
        "Beauty",
        &["shampoo", "conditioner", "face cream", "sunscreen"],
    ),
];

const CATEGORY_WEIGHTS: [f64; 6] = [0.25, 0.2, 0.15, 0.15, 0.15, 0.1];

/// Planted co-purchases: (bought, then often, chance when the next pick follows an affinity).
pub const AFFINITIES: [(&str, &str, f64); 12] = [
    ("printer", "ink cartridges", 0.8),
    ("laptop", "mouse", 0.5),
    ("laptop", "usb cable", 0.3),
    ("monitor", "keyboard", 0.4),
    ("coffee maker", "coffee beans", 0.8),
    ("coffee maker", "coffee filters", 0.5),
    ("tent", "sleeping bag", 0.7),
    ("camping stove", "gas canister", 0.8),
    ("running shoes", "running socks", 0.7),
    ("fitness tracker", "water bottle", 0.4),
    ("shampoo", "conditioner", 0.7),
    ("cookbook", "coffee beans", 0.2),
];

/// The generated order lines and the truth behind them.
pub struct OrderSample {
    /// One row per order line: `order_id`, `customer_id`, `order_date`, `product`,
    /// `category`, `quantity`, `amount` (the line's share of the order value).
    pub frame: DataFrame,
    /// Per customer (in id order): purchases in the [`FUTURE_WEEKS`] after the file ends.
    pub future_purchases: Vec<u32>,
    /// The last day in the file (day number).
    pub end_day: i32,
}

struct Catalogue {
    names: Vec<&'static str>,
    category: Vec<usize>,
    /// Per product, its follow-ups (product index, chance).
    follow: Vec<Vec<(usize, f64)>>,
}

impl Catalogue {
    fn new() -> Self {
        let mut names = Vec::new();
        let mut category = Vec::new();
        for (c, (_, products)) in CATALOGUE.iter().enumerate() {
            for p in *products {
                names.push(*p);
                category.push(c);
            }
        }
        let index = |n: &str| names.iter().position(|x| *x == n);
        let mut follow = vec![Vec::new(); names.len()];
        for (from, to, chance) in AFFINITIES {
            if let (Some(f), Some(t)) = (index(from), index(to)) {
                follow[f].push((t, chance));
            }
        }
        Self {
            names,
            category,
            follow,
        }
    }

    /// A product of `category` (the first products of a category are the more popular).
    fn in_category(&self, rng: &mut impl Rng, category: usize) -> usize {
        let members: Vec<usize> = (0..self.names.len())
            .filter(|&p| self.category[p] == category)
            .collect();
        let weights: Vec<f64> = (0..members.len())
            .map(|k| 1.0 / (1.0 + k as f64 * 0.5))
            .collect();
        members[super::sample::pick(rng, &weights)]
    }

    /// A follow-up of something in `bought`, if one is drawn.
    fn follow_up(&self, rng: &mut impl Rng, bought: &[usize]) -> Option<usize> {
        for &b in bought.iter().rev() {
            for &(t, chance) in &self.follow[b] {
                if !bought.contains(&t) && rng.r#gen::<f64>() < chance {
                    return Some(t);
                }
            }
        }
        None
    }
}

/// Order lines for `customers` customers from `seed`; the same seed gives the same file.
pub fn generate(customers: usize, seed: u64) -> Result<OrderSample> {
    let bad = |what: &str| Error::InvalidInput(format!("order generator: {what}"));
    // A stream of its own, so the customer table of the same seed is unchanged.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6f72_6465_7273);
    let [r, alpha, a, b] = PURCHASES;
    let [p, q, gamma] = SPEND;
    let rate = Gamma::new(r, 1.0 / alpha).map_err(|_| bad("rate"))?;
    let dropout = Beta::new(a, b).map_err(|_| bad("dropout"))?;
    let scale = Gamma::new(q, 1.0 / gamma).map_err(|_| bad("value"))?;
    let catalogue = Catalogue::new();
    let end_day = REFERENCE_DAY - 1;
    let start_day = REFERENCE_DAY - 7 * HISTORY_WEEKS;
    let end_week = f64::from(end_day - start_day + 1) / 7.0;

    let (
        mut order_id,
        mut customer_id,
        mut day_col,
        mut product,
        mut category,
        mut quantity,
        mut amount,
    ) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut future_purchases = Vec::with_capacity(customers);
    let mut orders = 0u64;
    for c in 0..customers {
        let id = format!("C{:07}", c + 1);
        let lambda = rate.sample(&mut rng).max(1e-9);
        let p_drop: f64 = dropout.sample(&mut rng);
        let nu: f64 = scale.sample(&mut rng);
        let value = Gamma::new(p, 1.0 / nu).map_err(|_| bad("order value"))?;
        let gap = Exp::new(lambda).map_err(|_| bad("gap"))?;
        let favourite = super::sample::pick(&mut rng, &CATEGORY_WEIGHTS);
        // Purchase times in weeks from the window's start: the first, then repeats while active.
        let mut times = vec![rng.r#gen::<f64>() * f64::from(COHORT_WEEKS)];
        let mut future = 0u32;
        let mut t = times[0];
        loop {
            t += gap.sample(&mut rng);
            if t >= end_week + FUTURE_WEEKS {
                break;
            }
            if t < end_week {
                times.push(t);
            } else {
                future += 1;
            }
            if rng.r#gen::<f64>() < p_drop {
                break;
            }
        }
        future_purchases.push(future);
        let mut bought: Vec<usize> = Vec::new();
        for &week in &times {
            orders += 1;
            let day = start_day + (week * 7.0).floor() as i32;
            let total = (value.sample(&mut rng) * 100.0).round().max(1.0) / 100.0;
            // The order's products: a follow-up of an earlier purchase, or one of the favourite
            // category (sometimes any category), plus in-order companions.
            let first = catalogue.follow_up(&mut rng, &bought).unwrap_or_else(|| {
                let cat = if rng.r#gen::<f64>() < 0.8 {
                    favourite
                } else {
                    super::sample::pick(&mut rng, &CATEGORY_WEIGHTS)
                };
                catalogue.in_category(&mut rng, cat)
            });
            let mut lines = vec![first];
            while lines.len() < 4 {
                match catalogue.follow_up(&mut rng, &lines) {
                    Some(next) if rng.r#gen::<f64>() < 0.75 => lines.push(next),
                    _ => break,
                }
            }
            if rng.r#gen::<f64>() < 0.25 {
                let extra = catalogue.in_category(&mut rng, favourite);
                if !lines.contains(&extra) {
                    lines.push(extra);
                }
            }
            // The order value split over its lines, in cents, summing exactly.
            let cents = (total * 100.0).round() as i64;
            let weights: Vec<f64> = lines.iter().map(|_| 0.5 + rng.r#gen::<f64>()).collect();
            let sum: f64 = weights.iter().sum();
            let mut left = cents;
            for (k, &line) in lines.iter().enumerate() {
                let share = if k + 1 == lines.len() {
                    left
                } else {
                    ((cents as f64) * weights[k] / sum).round() as i64
                };
                left -= share;
                order_id.push(format!("O{orders:08}"));
                customer_id.push(id.clone());
                day_col.push(day);
                product.push(catalogue.names[line]);
                category.push(CATALOGUE[catalogue.category[line]].0);
                quantity.push(1 + i64::from(rng.r#gen::<f64>() < 0.15));
                amount.push(share as f64 / 100.0);
            }
            for l in lines {
                if !bought.contains(&l) {
                    bought.push(l);
                }
            }
        }
    }
    let frame = DataFrame::new_infer_height(vec![
        Column::new("order_id".into(), order_id),
        Column::new("customer_id".into(), customer_id),
        Column::new("order_date".into(), day_col).cast(&DataType::Date)?,
        Column::new("product".into(), product),
        Column::new("category".into(), category),
        Column::new("quantity".into(), quantity),
        Column::new("amount".into(), amount),
    ])?
    .sort(["order_date", "order_id"], SortMultipleOptions::default())?;
    // Each order ships to its customer's region, as the customer table of the same seed has it
    // (missing where the customer's is).
    let regions = super::sample::generate(customers, seed)?
        .frame
        .select(["customer_id", "region"])?;
    let frame = frame
        .lazy()
        .join(
            regions.lazy(),
            [col("customer_id")],
            [col("customer_id")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .collect()?;
    Ok(OrderSample {
        frame,
        future_purchases,
        end_day,
    })
}
