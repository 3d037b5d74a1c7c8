//! Recognising a table of purchases (one row per order line) and guessing its columns from
//! their names and types: the customer, the date, the amount, the order id, the product, the
//! category and the quantity. The user confirms or changes each guess.

use serde::{Deserialize, Serialize};

use super::profile::{ColumnProfile, Profile};

/// The columns of a purchase table; empty strings are "none".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderColumns {
    pub customer: String,
    pub date: String,
    pub amount: String,
    pub order: String,
    pub product: String,
    pub category: String,
    pub quantity: String,
    /// The amount is a price per unit: an order line's value is amount × quantity.
    pub per_unit: bool,
}

/// The column `name` of a purchase table, picked as the `role` (customer, date, item…); a
/// missing one is named with its role.
pub fn column_for<'a>(
    df: &'a polars::prelude::DataFrame,
    name: &str,
    role: &str,
) -> crate::error::Result<&'a polars::prelude::Column> {
    df.column(name)
        .map_err(|_| crate::error::Error::missing_column(name, format!("named as the {role}")))
}

fn optional(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

impl OrderColumns {
    pub fn amount(&self) -> Option<String> {
        optional(&self.amount)
    }

    /// The quantity to multiply the amount by, when the amount is a price per unit.
    pub fn per_unit_quantity(&self) -> Option<String> {
        optional(&self.quantity).filter(|_| self.per_unit && !self.amount.is_empty())
    }

    pub fn order(&self) -> Option<String> {
        optional(&self.order)
    }

    /// The item column: the product, else the category.
    pub fn item(&self) -> Option<String> {
        optional(&self.product).or_else(|| optional(&self.category))
    }
}

fn words(name: &str) -> String {
    name.to_ascii_lowercase().replace(['-', ' ', '.'], "_")
}

fn named(c: &ColumnProfile, hints: &[&str]) -> bool {
    let n = words(&c.name);
    hints.iter().any(|h| {
        n == *h || n.starts_with(&format!("{h}_")) || n.ends_with(&format!("_{h}")) || n.contains(h)
    })
}

fn is_date(c: &ColumnProfile) -> bool {
    c.dtype == "date" || c.dtype.starts_with("datetime")
}

/// The best column for `hints` among those `fits`, not yet taken.
fn pick<'a>(
    profile: &'a Profile,
    taken: &[String],
    fits: impl Fn(&ColumnProfile) -> bool,
    hints: &[&str],
) -> Option<&'a ColumnProfile> {
    // The hints in order of preference: "amount" beats "value" wherever the columns stand.
    hints.iter().find_map(|h| {
        profile
            .columns
            .iter()
            .find(|c| !taken.contains(&c.name) && fits(c) && named(c, &[*h]))
    })
}

/// Guesses the columns of a purchase table; `None` when it does not look like one (no date
/// column, or no column whose values repeat across rows to be a customer).
pub fn guess(profile: &Profile) -> Option<OrderColumns> {
    let rows = profile.distinct_rows();
    let mut taken = Vec::new();
    let date = pick(
        profile,
        &taken,
        is_date,
        &["order_date", "purchase_date", "date", "time", "day"],
    )
    .or_else(|| profile.columns.iter().find(|c| is_date(c)))?;
    taken.push(date.name.clone());
    let repeats = |c: &ColumnProfile| c.distinct < rows && c.distinct > 1 && !is_date(c);
    // Named like a customer, else (a file without a header: column_1, column_2, …) the first
    // repeating id-like column.
    let headerless = profile
        .columns
        .iter()
        .all(|c| c.name.starts_with("column_"));
    let customer = pick(
        profile,
        &taken,
        repeats,
        &[
            "customer", "client", "user", "member", "buyer", "account", "cust",
        ],
    )
    .or_else(|| {
        profile
            .columns
            .iter()
            .find(|c| headerless && repeats(c) && (c.dtype == "str" || c.dtype.starts_with('i')))
    })?;
    taken.push(customer.name.clone());
    let mut out = OrderColumns {
        customer: customer.name.clone(),
        date: date.name.clone(),
        ..Default::default()
    };
    let numeric = |c: &ColumnProfile| c.is_numeric();
    if let Some(c) = pick(
        profile,
        &taken,
        numeric,
        &["amount", "revenue", "sales", "total", "value", "spend"],
    ) {
        out.amount = c.name.clone();
        taken.push(c.name.clone());
    }
    if let Some(c) = pick(
        profile,
        &taken,
        |c| c.distinct > 1,
        &[
            "order",
            "invoice",
            "basket",
            "transaction",
            "receipt",
            "ticket",
        ],
    ) {
        out.order = c.name.clone();
        taken.push(c.name.clone());
    }
    let text = |c: &ColumnProfile| !c.is_numeric() && !is_date(c);
    if let Some(c) = pick(
        profile,
        &taken,
        text,
        &[
            "product",
            "item",
            "sku",
            "stockcode",
            "article",
            "description",
        ],
    ) {
        out.product = c.name.clone();
        taken.push(c.name.clone());
    }
    if let Some(c) = pick(
        profile,
        &taken,
        text,
        &["category", "department", "group", "class", "family"],
    ) {
        out.category = c.name.clone();
        taken.push(c.name.clone());
    }
    if let Some(c) = pick(
        profile,
        &taken,
        numeric,
        &["quantity", "qty", "units", "count"],
    ) {
        out.quantity = c.name.clone();
        taken.push(c.name.clone());
        // No line value but a unit price (as in the UCI Online Retail export): the value is
        // price × quantity.
        if out.amount.is_empty()
            && let Some(p) = pick(profile, &taken, numeric, &["unit_price", "price"])
        {
            out.amount = p.name.clone();
            out.per_unit = true;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "a test stops at the first broken expectation"
    )]
    use super::*;
    use crate::data::{profile, sample_orders};

    #[test]
    fn the_order_sample_is_recognised() {
        let s = sample_orders::generate(300, 1).unwrap();
        let p = profile::profile(&s.frame).unwrap();
        let g = guess(&p).unwrap();
        assert_eq!(
            g,
            OrderColumns {
                customer: "customer_id".into(),
                date: "order_date".into(),
                amount: "amount".into(),
                order: "order_id".into(),
                product: "product".into(),
                category: "category".into(),
                quantity: "quantity".into(),
                per_unit: false,
            }
        );
        // A unit price is not the order line's value; the hints' order wins over the columns'.
        let retail = polars::prelude::df!(
            "InvoiceDate" => ["2011-01-01", "2011-01-02", "2011-01-02"],
            "UnitPrice" => [2.5, 3.0, 1.0],
            "CustomerID" => [1, 1, 2],
            "LineValue" => [5.0, 3.0, 4.0],
            "Amount" => [5.0, 3.0, 4.0],
        )
        .unwrap();
        let mut retail = retail;
        crate::data::dates::convert_text_dates(&mut retail).unwrap();
        let g = guess(&profile::profile(&retail).unwrap()).unwrap();
        assert_eq!(
            (g.customer.as_str(), g.amount.as_str()),
            ("CustomerID", "Amount")
        );
        // Only a unit price and a quantity: the value is their product.
        let mut lines = polars::prelude::df!(
            "InvoiceDate" => ["2011-01-01", "2011-01-02", "2011-01-02"],
            "UnitPrice" => [2.5, 3.0, 1.0],
            "Quantity" => [2, 1, 4],
            "CustomerID" => [1, 1, 2],
        )
        .unwrap();
        crate::data::dates::convert_text_dates(&mut lines).unwrap();
        let g = guess(&profile::profile(&lines).unwrap()).unwrap();
        assert_eq!(
            (g.amount.as_str(), g.per_unit, g.per_unit_quantity()),
            ("UnitPrice", true, Some("Quantity".to_owned()))
        );
        let customers = crate::data::sample::generate(300, 1).unwrap();
        let p = profile::profile(&customers.frame).unwrap();
        assert_eq!(
            guess(&p),
            None,
            "one row per customer is not a purchase table"
        );
    }
}
