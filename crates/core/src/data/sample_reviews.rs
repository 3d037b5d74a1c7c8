//! A seeded generator of customer posts (reviews, survey answers, support tickets, social
//! posts) for the customers of the customer sample, with known themes and sentiment.
//!
//! Each post is about one of [`THEMES`] and is positive or negative; it is put together from
//! phrase templates (an opening, one or two sentences on its theme, sometimes a closing remark),
//! with degree words, capitals, exclamation marks, emoticons and emoji mixed in as people write.
//! Customers who churned (in the customer table of the same seed) write more, more negatively,
//! and more about refunds and customer service, so "refund" is a word that goes with churn.
//! The truth (each post's theme and sentiment) comes back with the table, unwritten.

use polars::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::sample::{self, REFERENCE_DAY};
use super::sample_orders::CATALOGUE;
use crate::error::Result;

/// The planted themes, in order (the truth's theme numbers index this).
pub const THEMES: [&str; 6] = [
    "delivery",
    "price",
    "quality",
    "customer service",
    "app and website",
    "returns and refunds",
];

/// (positive sentences, negative sentences) per theme; `{p}` is a product.
const SENTENCES: [(&[&str], &[&str]); 6] = [
    (
        &[
            "The {p} arrived a day early and the parcel was packed with care.",
            "Fast delivery, the courier was friendly and on time.",
            "Shipping was quick and the tracking updates were accurate.",
            "My {p} was delivered the next morning, great delivery service.",
        ],
        &[
            "The {p} arrived two weeks late and the box was damaged.",
            "Delivery was late again and the courier never rang the bell.",
            "The parcel got lost and the tracking never updated.",
            "Shipping took forever and the package arrived crushed.",
        ],
    ),
    (
        &[
            "Great price for the {p}, cheaper than anywhere else.",
            "Good value for money and the discount code worked.",
            "The sale price was excellent and worth every penny.",
            "Fair prices and a nice loyalty discount.",
        ],
        &[
            "The {p} is overpriced, far too expensive for what it is.",
            "The prices went up again and the discount code did not work.",
            "Hidden fees at checkout made it much more expensive than advertised.",
            "Not worth the money, cheaper elsewhere.",
        ],
    ),
    (
        &[
            "The {p} is excellent quality and works perfectly.",
            "Solid build quality, the {p} feels sturdy and well made.",
            "The {p} is beautiful and the materials are great.",
            "Works as described and the quality is superb.",
        ],
        &[
            "The {p} broke after a week, poor quality.",
            "Cheap materials, the {p} stopped working after two days.",
            "The {p} was defective and looks nothing like the photos.",
            "Terrible quality, the {p} fell apart.",
        ],
    ),
    (
        &[
            "Customer service was helpful and solved my problem quickly.",
            "The support agent was friendly, patient and kind.",
            "Support answered my email within an hour, very helpful team.",
            "The staff on the phone were polite and helpful.",
        ],
        &[
            "Customer service was rude and never answered my emails.",
            "I waited an hour on the phone and support was useless.",
            "The support agent hung up on me, awful service.",
            "Nobody from customer service replied to my complaint.",
        ],
    ),
    (
        &[
            "The app is easy to use and checkout was smooth.",
            "The website is clean and finding the {p} was easy.",
            "Love the new app, ordering takes a minute.",
            "The website search works well and the checkout is fast.",
        ],
        &[
            "The app keeps crashing at checkout.",
            "The website is slow and the login fails every time.",
            "The app logged me out and lost my basket, frustrating.",
            "Checkout on the website failed three times with an error.",
        ],
    ),
    (
        &[
            "The refund came back to my card within two days, easy return.",
            "Returning the {p} was simple and the refund was quick.",
            "Free returns and a fast refund, no questions asked.",
            "They refunded me straight away, hassle free.",
        ],
        &[
            "Still waiting for my refund after a month.",
            "They refused to refund the {p} and the return label never came.",
            "The refund was rejected and I was charged twice.",
            "I returned the {p} weeks ago and still no refund, I want my money back.",
        ],
    ),
];

const OPEN_POSITIVE: [&str; 5] = [
    "",
    "Really happy with this order.",
    "Love this shop!",
    "Five stars from me.",
    "Very pleased.",
];
const OPEN_NEGATIVE: [&str; 5] = [
    "",
    "Very disappointed.",
    "Not happy at all.",
    "Worst experience ever.",
    "What a mess.",
];
const CLOSE_POSITIVE: [&str; 6] = [
    "",
    "Will buy again :)",
    "Highly recommend!",
    "Thanks! 😀",
    "Keep it up 👍",
    "",
];
const CLOSE_NEGATIVE: [&str; 6] = [
    "",
    "Never again :(",
    "I will not order again.",
    "So frustrating 😡",
    "Cancelling my account.",
    "",
];

/// Where a post was written.
const SOURCES: [&str; 4] = ["review", "survey", "support ticket", "social"];

/// The generated posts and the truth behind them.
pub struct ReviewSample {
    /// `post_id`, `customer_id`, `post_date`, `source`, `rating` (1–5), `text`.
    pub frame: DataFrame,
    /// Per post: the index in [`THEMES`] of what it is about.
    pub theme: Vec<usize>,
    /// Per post: whether it was written positive.
    pub positive: Vec<bool>,
}

/// Posts by about a third of `customers` sample customers (ids `C0000001`, …), over the year
/// before the sample's "today".
pub fn generate(customers: usize, seed: u64) -> Result<ReviewSample> {
    let table = sample::generate(customers, seed)?.frame;
    let churned: Vec<bool> = table
        .column("churned")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .map(|v| v == Some(1))
        .collect();
    let ids: Vec<String> = table
        .column("customer_id")?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_owned())
        .collect();
    let products: Vec<&str> = CATALOGUE
        .iter()
        .flat_map(|(_, p)| p.iter().copied())
        .collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x7265_7669_6577);
    let (mut post_id, mut customer_id, mut post_date, mut source, mut rating, mut text) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let (mut theme_truth, mut positive_truth) = (Vec::new(), Vec::new());
    for (c, id) in ids.iter().enumerate() {
        let left = churned[c];
        let writes = if left { 0.55 } else { 0.25 };
        if !rng.gen_bool(writes) {
            continue;
        }
        let posts = 1 + usize::from(rng.gen_bool(0.3));
        for _ in 0..posts {
            let positive = rng.gen_bool(if left { 0.25 } else { 0.7 });
            // Churned customers write about refunds and service more than anything else.
            let weights: [f64; 6] = if left {
                [0.15, 0.1, 0.1, 0.25, 0.1, 0.3]
            } else {
                [0.25, 0.2, 0.25, 0.1, 0.15, 0.05]
            };
            let theme = pick(&mut rng, &weights);
            let (good, bad) = SENTENCES[theme];
            let pool = if positive { good } else { bad };
            let product = products[rng.gen_range(0..products.len())];
            let mut parts: Vec<String> = Vec::new();
            let open = if positive {
                &OPEN_POSITIVE[..]
            } else {
                &OPEN_NEGATIVE[..]
            };
            parts.push(open[rng.gen_range(0..open.len())].to_owned());
            let mut chosen: Vec<&str> = pool.choose_multiple(&mut rng, 2).copied().collect();
            chosen.truncate(1 + usize::from(rng.gen_bool(0.4)));
            for s in chosen {
                let mut s = s.replace("{p}", product);
                if rng.gen_bool(0.15) {
                    s = s.replacen(" was ", " was really ", 1);
                }
                if rng.gen_bool(0.1) {
                    s = s.trim_end_matches('.').to_owned() + "!!";
                }
                if rng.gen_bool(0.05) {
                    s = s.to_uppercase();
                }
                parts.push(s);
            }
            let close = if positive {
                &CLOSE_POSITIVE[..]
            } else {
                &CLOSE_NEGATIVE[..]
            };
            parts.push(close[rng.gen_range(0..close.len())].to_owned());
            let body = parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let stars = if positive {
                4 + i64::from(rng.gen_bool(0.6))
            } else {
                1 + rng.gen_range(0..3)
            };
            post_id.push(format!("P{:07}", post_id.len() + 1));
            customer_id.push(id.clone());
            post_date.push(REFERENCE_DAY - 1 - rng.gen_range(0..364));
            source.push(SOURCES[rng.gen_range(0..SOURCES.len())]);
            rating.push(stars);
            text.push(body);
            theme_truth.push(theme);
            positive_truth.push(positive);
        }
    }
    let frame = DataFrame::new_infer_height(vec![
        Column::new("post_id".into(), post_id),
        Column::new("customer_id".into(), customer_id),
        Column::new("post_date".into(), post_date).cast(&DataType::Date)?,
        Column::new("source".into(), source),
        Column::new("rating".into(), rating),
        Column::new("text".into(), text),
    ])?;
    Ok(ReviewSample {
        frame,
        theme: theme_truth,
        positive: positive_truth,
    })
}

fn pick(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.r#gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}
