//! What to recommend — a room of its own (ARCHITECTURE.md, "A room for each new question"):
//! for each customer, the products they have not bought yet that buyers of their products
//! buy most often (item-to-item co-occurrence: the score of a product is the sum, over the
//! customer's products, of the share of that product's buyers who also bought it), with the
//! strongest reason in words. Measured honestly: each customer's last order is held out, the
//! model is built from the rest, and hit rate and recall at N are compared with recommending
//! the most popular products.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::basket::orders::item_ids;
use crate::data::dates;
use crate::data::transactions::column_for;
use crate::error::{Error, Result};

/// The columns of an order-line table the question needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Columns {
    pub customer: String,
    pub item: String,
    /// Orders happen in date order; without an order id, a customer's lines on one day are
    /// one order.
    pub date: Option<String>,
    pub order: Option<String>,
}

/// One customer's orders, oldest first, each a set of item ids (ascending).
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    pub customer: String,
    pub orders: Vec<Vec<u32>>,
}

impl History {
    /// Every item bought, ascending, without repeats.
    fn items(&self, orders: usize) -> Vec<u32> {
        let mut all: Vec<u32> = self.orders[..orders].iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Order lines grouped into customers' histories; item names alphabetical, ids their index.
pub fn histories(df: &DataFrame, columns: &Columns) -> Result<(Vec<String>, Vec<History>)> {
    let find = |name: &str, role: &str| column_for(df, name, role);
    let customer = find(&columns.customer, "customer")?.cast(&DataType::String)?;
    let (items, ids) = item_ids(find(&columns.item, "item")?)?;
    let mut frame = vec![
        customer.with_name("customer".into()),
        Column::new("id".into(), ids),
    ];
    let day: Vec<Option<i32>> = match &columns.date {
        Some(d) => dates::day_numbers(find(d, "date")?)?,
        None => vec![Some(0); df.height()],
    };
    frame.push(Column::new("day".into(), day));
    let order = match &columns.order {
        Some(o) => find(o, "order id")?.cast(&DataType::String)?,
        // Without an order id: one order per customer and day (one in all without a date).
        None => Column::new("order".into(), vec![""; df.height()]),
    };
    frame.push(order.with_name("order".into()));
    let key = if columns.order.is_some() {
        vec![col("customer"), col("order")]
    } else {
        vec![col("customer"), col("day")]
    };
    let grouped = DataFrame::new_infer_height(frame)?
        .lazy()
        .with_row_index("row", None)
        .drop_nulls(Some(cols(["customer", "id", "day", "order"])))
        .group_by(key)
        .agg([
            col("id").unique().sort(SortOptions::default()),
            col("day").min().alias("first_day"),
            col("row").min().alias("first_row"),
        ])
        .sort(
            ["customer", "first_day", "first_row"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    let customers = grouped.column("customer")?.str()?;
    let lists = grouped.column("id")?.list()?;
    let mut out: Vec<History> = Vec::new();
    for (i, name) in customers.iter().enumerate() {
        let (Some(name), Some(list)) = (name, lists.get_as_series(i)) else {
            continue;
        };
        let order: Vec<u32> = list.u32()?.into_no_null_iter().collect();
        match out.last_mut() {
            Some(h) if h.customer == name => h.orders.push(order),
            _ => out.push(History {
                customer: name.to_owned(),
                orders: vec![order],
            }),
        }
    }
    if out.is_empty() {
        return Err(Error::InvalidInput(format!(
            "no row has both a customer ('{}') and an item ('{}')",
            columns.customer, columns.item
        )));
    }
    Ok((items, out))
}

/// Item-to-item co-occurrence over customers.
pub struct CoOccurrence {
    /// Customers who bought each item.
    pub buyers: Vec<u32>,
    /// Per item, the customers who bought it and each other item.
    pub together: Vec<HashMap<u32, u32>>,
}

impl CoOccurrence {
    /// Counts over each customer's set of items.
    pub fn new<'a>(n_items: usize, baskets: impl Iterator<Item = &'a [u32]>) -> Self {
        let mut buyers = vec![0u32; n_items];
        let mut together = vec![HashMap::new(); n_items];
        for items in baskets {
            for &i in items {
                buyers[i as usize] += 1;
                for &j in items {
                    if i != j {
                        *together[i as usize].entry(j).or_insert(0) += 1;
                    }
                }
            }
        }
        Self { buyers, together }
    }

    /// Share of `i`'s buyers who bought `j`.
    pub fn share(&self, i: u32, j: u32) -> f64 {
        let n = self.buyers[i as usize];
        if n == 0 {
            return 0.0;
        }
        f64::from(self.together[i as usize].get(&j).copied().unwrap_or(0)) / f64::from(n)
    }

    /// Items by popularity, most bought first (ties by id).
    fn popular(&self) -> Vec<u32> {
        let mut all: Vec<u32> = (0..self.buyers.len() as u32)
            .filter(|&i| self.buyers[i as usize] > 0)
            .collect();
        all.sort_by_key(|&i| (std::cmp::Reverse(self.buyers[i as usize]), i));
        all
    }
}

/// A recommendation: the item, its score, and the item that speaks most for it (`None` when
/// only popularity does).
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    pub item: u32,
    pub score: f64,
    pub because: Option<u32>,
}

/// The `top` items `owned` (ascending) does not hold, best first.
fn recommend_for(model: &CoOccurrence, popular: &[u32], owned: &[u32], top: usize) -> Vec<Pick> {
    let mut scores: HashMap<u32, (f64, u32, f64)> = HashMap::new();
    for &i in owned {
        let n = f64::from(model.buyers[i as usize].max(1));
        for (&j, &c) in &model.together[i as usize] {
            if owned.binary_search(&j).is_ok() {
                continue;
            }
            let share = f64::from(c) / n;
            let e = scores.entry(j).or_insert((0.0, i, 0.0));
            e.0 += share;
            if share > e.2 || (share == e.2 && i < e.1) {
                e.1 = i;
                e.2 = share;
            }
        }
    }
    let mut picks: Vec<Pick> = scores
        .into_iter()
        .map(|(item, (score, because, _))| Pick {
            item,
            score,
            because: Some(because),
        })
        .collect();
    picks.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(model.buyers[b.item as usize].cmp(&model.buyers[a.item as usize]))
            .then(a.item.cmp(&b.item))
    });
    picks.truncate(top);
    // Too few from co-purchases: the most popular items fill the list.
    for &item in popular {
        if picks.len() >= top {
            break;
        }
        if owned.binary_search(&item).is_err() && !picks.iter().any(|p| p.item == item) {
            picks.push(Pick {
                item,
                score: 0.0,
                because: None,
            });
        }
    }
    picks
}

/// The most popular items `owned` does not hold.
fn popular_for(popular: &[u32], owned: &[u32], top: usize) -> Vec<u32> {
    popular
        .iter()
        .copied()
        .filter(|i| owned.binary_search(i).is_err())
        .take(top)
        .collect()
}

/// Hit rate and recall at N, of the model and of the popularity baseline.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub customers_evaluated: usize,
    pub hit_rate: f64,
    pub recall: f64,
    pub baseline_hit_rate: f64,
    pub baseline_recall: f64,
}

/// Everything the question produced.
pub struct Outcome {
    pub items: Vec<String>,
    pub histories: Vec<History>,
    pub top: usize,
    /// Per customer (in `histories` order), the picks, best first.
    pub picks: Vec<Vec<Pick>>,
    /// The model on everyone's full history, for reasons.
    pub model: CoOccurrence,
    /// `None` when no customer has two orders (or orders can't be told apart).
    pub evaluation: Option<Evaluation>,
}

/// Recommendations for every customer of `df`, and the held-out check.
pub fn fit(
    df: &DataFrame,
    columns: &Columns,
    top: usize,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<Outcome> {
    if top == 0 {
        return Err(Error::InvalidInput("--top must be at least 1".into()));
    }
    let (items, histories) = histories(df, columns)?;
    progress(0.2);
    let evaluation = evaluate(&histories, items.len(), top, cancel)?;
    progress(0.6);
    let owned: Vec<Vec<u32>> = histories.iter().map(|h| h.items(h.orders.len())).collect();
    let model = CoOccurrence::new(items.len(), owned.iter().map(Vec::as_slice));
    let popular = model.popular();
    let mut picks = Vec::with_capacity(histories.len());
    for (k, o) in owned.iter().enumerate() {
        if k % 4096 == 0 && cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        picks.push(recommend_for(&model, &popular, o, top));
    }
    progress(1.0);
    Ok(Outcome {
        items,
        histories,
        top,
        picks,
        model,
        evaluation,
    })
}

/// Leave-last-order-out: the model is built without each customer's last order; customers
/// whose last order holds an item they had not bought before are scored on those items.
fn evaluate(
    histories: &[History],
    n_items: usize,
    top: usize,
    cancel: &AtomicBool,
) -> Result<Option<Evaluation>> {
    let earlier: Vec<Vec<u32>> = histories
        .iter()
        .map(|h| match h.orders.len() {
            1 => h.items(1),
            n => h.items(n - 1),
        })
        .collect();
    let model = CoOccurrence::new(n_items, earlier.iter().map(Vec::as_slice));
    let popular = model.popular();
    let (mut evaluated, mut hits, mut recall, mut base_hits, mut base_recall) =
        (0usize, 0usize, 0.0, 0usize, 0.0);
    for (k, (h, owned)) in histories.iter().zip(&earlier).enumerate() {
        if k % 4096 == 0 && cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        if h.orders.len() < 2 {
            continue;
        }
        let Some(last) = h.orders.last() else {
            continue;
        };
        let new: Vec<u32> = last
            .iter()
            .copied()
            .filter(|i| owned.binary_search(i).is_err())
            .collect();
        if new.is_empty() {
            continue;
        }
        evaluated += 1;
        let found = recommend_for(&model, &popular, owned, top)
            .iter()
            .filter(|p| new.contains(&p.item))
            .count();
        hits += usize::from(found > 0);
        recall += found as f64 / new.len() as f64;
        let base = popular_for(&popular, owned, top)
            .iter()
            .filter(|i| new.contains(i))
            .count();
        base_hits += usize::from(base > 0);
        base_recall += base as f64 / new.len() as f64;
    }
    if evaluated == 0 {
        return Ok(None);
    }
    let n = evaluated as f64;
    Ok(Some(Evaluation {
        customers_evaluated: evaluated,
        hit_rate: hits as f64 / n,
        recall: recall / n,
        baseline_hit_rate: base_hits as f64 / n,
        baseline_recall: base_recall / n,
    }))
}

impl Outcome {
    /// Why `pick` is recommended, in words.
    pub fn reason(&self, pick: &Pick) -> String {
        let name = |i: u32| self.items.get(i as usize).map_or("?", String::as_str);
        match pick.because {
            Some(i) => format!(
                "bought {}; {:.0}% of {} buyers bought {}",
                name(i),
                100.0 * self.model.share(i, pick.item),
                name(i),
                name(pick.item)
            ),
            None => {
                let share = f64::from(self.model.buyers[pick.item as usize])
                    / self.histories.len().max(1) as f64;
                format!(
                    "popular: {:.0}% of customers bought {}",
                    100.0 * share,
                    name(pick.item)
                )
            }
        }
    }

    /// The list: `customer`, `rank`, `item`, `score`, `reason`.
    pub fn frame(&self) -> Result<DataFrame> {
        let (mut customer, mut rank, mut item, mut score, mut reason) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (h, picks) in self.histories.iter().zip(&self.picks) {
            for (r, p) in picks.iter().enumerate() {
                customer.push(h.customer.clone());
                rank.push(r as u32 + 1);
                item.push(self.items.get(p.item as usize).cloned().unwrap_or_default());
                score.push(p.score);
                reason.push(self.reason(p));
            }
        }
        Ok(DataFrame::new_infer_height(vec![
            Column::new("customer".into(), customer),
            Column::new("rank".into(), rank),
            Column::new("item".into(), item),
            Column::new("score".into(), score),
            Column::new("reason".into(), reason),
        ])?)
    }

    /// The `--metrics` JSON (`None` without an evaluation).
    pub fn metrics_json(&self) -> Option<serde_json::Value> {
        self.evaluation.map(|e| {
            json!({
                "customers_evaluated": e.customers_evaluated,
                "hit_rate": e.hit_rate,
                "recall": e.recall,
                "baseline_hit_rate": e.baseline_hit_rate,
                "baseline_recall": e.baseline_recall,
                "top": self.top,
            })
        })
    }
}
