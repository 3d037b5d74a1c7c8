//! What sells together — a room of its own (ARCHITECTURE.md, "A room for each new question"):
//! orders from a table in either layout ([`orders`]), frequent itemsets by FP-growth
//! ([`fpgrowth`]) and association rules with support, confidence, lift, leverage and
//! conviction, as the literature (and mlxtend) defines them: support = orders holding the
//! items / all orders.

pub mod fpgrowth;
pub mod orders;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{Error, Result};
pub use fpgrowth::{Itemset, frequent_itemsets};
pub use orders::{Layout, Orders};

/// Thresholds of the search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Least share of orders an itemset must be in.
    pub min_support: f64,
    /// Least confidence of a rule.
    pub min_confidence: f64,
    /// Least lift of a rule (0: any).
    pub min_lift: f64,
    /// Most items in an itemset (`None`: no limit).
    pub max_len: Option<usize>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            min_support: 0.01,
            min_confidence: 0.5,
            min_lift: 0.0,
            max_len: None,
        }
    }
}

impl Settings {
    /// Whether the thresholds can be used (checked before any data is read).
    pub fn check(&self) -> Result<()> {
        if !(self.min_support > 0.0 && self.min_support <= 1.0) {
            return Err(Error::InvalidInput(format!(
                "the minimum support {} is not above 0 and at most 1",
                self.min_support
            )));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(Error::InvalidInput(format!(
                "the minimum confidence {} is not between 0 and 1",
                self.min_confidence
            )));
        }
        if self.min_lift.is_nan() || self.min_lift < 0.0 {
            return Err(Error::InvalidInput(format!(
                "the minimum lift {} is below 0",
                self.min_lift
            )));
        }
        if self.max_len == Some(0) {
            return Err(Error::InvalidInput(
                "the largest itemset must hold at least 1 item".into(),
            ));
        }
        Ok(())
    }
}

/// "Customers who bought the antecedents also bought the consequents".
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Item ids ascending (names alphabetical).
    pub antecedents: Vec<u32>,
    pub consequents: Vec<u32>,
    /// Orders holding both sides.
    pub count: u64,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
    pub leverage: f64,
    /// (1 − support(consequents)) / (1 − confidence); infinite when the confidence is 1.
    pub conviction: f64,
}

/// Everything the question produced.
pub struct Outcome {
    pub settings: Settings,
    pub orders: Orders,
    pub itemsets: Vec<Itemset>,
    /// Strongest first: by lift, then confidence, then support.
    pub rules: Vec<Rule>,
}

/// Itemsets and rules of `orders`.
pub fn fit(
    orders: Orders,
    settings: &Settings,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<Outcome> {
    settings.check()?;
    let Settings {
        min_support,
        min_confidence,
        min_lift,
        max_len,
    } = *settings;
    let n = orders.len();
    if n == 0 {
        return Err(Error::InvalidInput("there are no orders".into()));
    }
    // As mlxtend: an itemset is frequent when its count reaches ⌈min_support × orders⌉.
    let min_count = (min_support * n as f64 - 1e-9).ceil().max(1.0) as u64;
    let itemsets = frequent_itemsets(
        &orders.orders,
        orders.items.len(),
        min_count,
        max_len.unwrap_or(usize::MAX),
        progress,
        cancel,
    )?;
    let rules = rules(&itemsets, n, min_confidence, min_lift, &orders, cancel)?;
    progress(1.0);
    Ok(Outcome {
        settings: settings.clone(),
        orders,
        itemsets,
        rules,
    })
}

/// Every rule A → C with A ∪ C a frequent itemset, A and C non-empty and disjoint.
fn rules(
    itemsets: &[Itemset],
    orders: usize,
    min_confidence: f64,
    min_lift: f64,
    names: &Orders,
    cancel: &AtomicBool,
) -> Result<Vec<Rule>> {
    let n = orders as f64;
    let count_of: HashMap<&[u32], u64> = itemsets
        .iter()
        .map(|s| (s.items.as_slice(), s.count))
        .collect();
    let mut out = Vec::new();
    for set in itemsets.iter().filter(|s| s.items.len() >= 2) {
        // A long itemset has 2^k − 2 splits: look at the cancel flag between itemsets.
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let k = set.items.len();
        let support = set.count as f64 / n;
        for mask in 1u64..(1u64 << k) - 1 {
            let (mut a, mut c) = (Vec::new(), Vec::new());
            for (bit, &item) in set.items.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    a.push(item);
                } else {
                    c.push(item);
                }
            }
            // Every subset of a frequent itemset is frequent, so both are counted.
            let (Some(&count_a), Some(&count_c)) =
                (count_of.get(a.as_slice()), count_of.get(c.as_slice()))
            else {
                continue;
            };
            let (support_a, support_c) = (count_a as f64 / n, count_c as f64 / n);
            let confidence = set.count as f64 / count_a as f64;
            let lift = confidence / support_c;
            if confidence < min_confidence || lift < min_lift {
                continue;
            }
            out.push(Rule {
                antecedents: a,
                consequents: c,
                count: set.count,
                support,
                confidence,
                lift,
                leverage: support - support_a * support_c,
                conviction: if confidence >= 1.0 {
                    f64::INFINITY
                } else {
                    (1.0 - support_c) / (1.0 - confidence)
                },
            });
        }
    }
    out.sort_by(|x, y| {
        y.lift
            .total_cmp(&x.lift)
            .then(y.confidence.total_cmp(&x.confidence))
            .then(y.support.total_cmp(&x.support))
            .then_with(|| {
                names
                    .names(&x.antecedents)
                    .cmp(&names.names(&y.antecedents))
            })
            .then_with(|| {
                names
                    .names(&x.consequents)
                    .cmp(&names.names(&y.consequents))
            })
    });
    Ok(out)
}

impl Outcome {
    /// The rules table: `antecedents`, `consequents`, `support`, `confidence`, `lift`,
    /// `leverage`, `conviction`, `count`.
    pub fn rules_frame(&self) -> Result<DataFrame> {
        let r = &self.rules;
        let text = |f: &dyn Fn(&Rule) -> &[u32]| -> Vec<String> {
            r.iter().map(|x| self.orders.names(f(x))).collect()
        };
        let num = |f: &dyn Fn(&Rule) -> f64| -> Vec<f64> { r.iter().map(f).collect() };
        Ok(DataFrame::new_infer_height(vec![
            Column::new("antecedents".into(), text(&|x| &x.antecedents)),
            Column::new("consequents".into(), text(&|x| &x.consequents)),
            Column::new("support".into(), num(&|x| x.support)),
            Column::new("confidence".into(), num(&|x| x.confidence)),
            Column::new("lift".into(), num(&|x| x.lift)),
            Column::new("leverage".into(), num(&|x| x.leverage)),
            Column::new("conviction".into(), num(&|x| x.conviction)),
            Column::new(
                "count".into(),
                r.iter().map(|x| x.count).collect::<Vec<u64>>(),
            ),
        ])?)
    }

    /// The `--metrics` JSON: `orders`, `items`, `itemsets`, `rules`.
    pub fn metrics_json(&self) -> serde_json::Value {
        json!({
            "orders": self.orders.len(),
            "items": self.orders.items.len(),
            "itemsets": self.itemsets.len(),
            "rules": self.rules.len(),
        })
    }

    /// Rules whose antecedents are exactly `item`: "customers who bought X also bought".
    pub fn also_bought(&self, item: u32) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.antecedents == [item])
            .collect()
    }
}
