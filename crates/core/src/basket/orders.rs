//! From a table to orders: sets of item ids, with the item names in alphabetical order (so an
//! itemset's ids sorted are its names sorted). Two layouts: long (one row per order line:
//! an order id and an item) and wide (one row per order, one column per item, present when
//! non-zero, true or yes). Polars does the grouping.

use polars::prelude::*;

use crate::data::transactions::column_for as find;
use crate::error::{Error, Result};

/// Orders as sets of items.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Orders {
    /// Item names, alphabetical; an item's id is its index.
    pub items: Vec<String>,
    /// Each order's item ids, ascending, without repeats.
    pub orders: Vec<Vec<u32>>,
}

impl Orders {
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Names of the item ids, joined by `|` (ids ascending give names in alphabetical order).
    pub fn names(&self, ids: &[u32]) -> String {
        ids.iter()
            .map(|&i| self.items.get(i as usize).map_or("?", String::as_str))
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// The layout of the table.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One row per order line: the order id column and the item column.
    Long { order: String, item: String },
    /// One row per order, one column per item; the named columns are not items.
    Wide { ignore: Vec<String> },
}

/// Item ids of a text column of item names: the names, sorted, and each row's id (None where
/// the name is missing).
pub(crate) fn item_ids(names: &Column) -> Result<(Vec<String>, Vec<Option<u32>>)> {
    let names = names.cast(&DataType::String)?;
    let frame = DataFrame::new_infer_height(vec![names.with_name("item".into())])?;
    let dictionary = frame
        .clone()
        .lazy()
        .select([col("item")])
        .drop_nulls(None)
        .unique(None, UniqueKeepStrategy::Any)
        .sort(["item"], SortMultipleOptions::default())
        .with_row_index("id", None)
        .collect()?;
    let ids = frame
        .lazy()
        .join(
            dictionary.clone().lazy(),
            [col("item")],
            [col("item")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .select([col("id").cast(DataType::UInt32)])
        .collect()?;
    let items = dictionary
        .column("item")?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_owned())
        .collect();
    let ids = ids.column("id")?.u32()?.iter().collect();
    Ok((items, ids))
}

/// Orders from `df` in `layout`.
pub fn orders(df: &DataFrame, layout: &Layout) -> Result<Orders> {
    match layout {
        Layout::Long { order, item } => long(df, order, item),
        Layout::Wide { ignore } => wide(df, ignore),
    }
}

fn long(df: &DataFrame, order: &str, item: &str) -> Result<Orders> {
    let order_column = find(df, order, "order id")?.cast(&DataType::String)?;
    let (items, ids) = item_ids(find(df, item, "item")?)?;
    let lines = DataFrame::new_infer_height(vec![
        order_column.with_name("order".into()),
        Column::new("id".into(), ids),
    ])?;
    grouped(
        lines,
        [col("order")],
        items,
        &format!("both an order id ('{order}') and an item ('{item}')"),
    )
}

/// Orders from order lines without an order id: a customer's lines on one day are one order.
pub fn by_customer_and_day(
    df: &DataFrame,
    customer: &str,
    date: &str,
    item: &str,
) -> Result<Orders> {
    let days = crate::data::dates::day_numbers(find(df, date, "date")?)?;
    let (items, ids) = item_ids(find(df, item, "item")?)?;
    let lines = DataFrame::new_infer_height(vec![
        find(df, customer, "customer")?
            .cast(&DataType::String)?
            .with_name("customer".into()),
        Column::new("day".into(), days),
        Column::new("id".into(), ids),
    ])?;
    grouped(
        lines,
        [col("customer"), col("day")],
        items,
        &format!("a customer ('{customer}'), a date ('{date}') and an item ('{item}')"),
    )
}

/// Orders from lines (`id` and the key columns): one per distinct key.
fn grouped<const N: usize>(
    lines: DataFrame,
    key: [Expr; N],
    items: Vec<String>,
    needs: &str,
) -> Result<Orders> {
    let names: Vec<Expr> = key.to_vec();
    let grouped = lines
        .lazy()
        .drop_nulls(None)
        .unique(None, UniqueKeepStrategy::Any)
        .group_by(key)
        .agg([col("id").sort(SortOptions::default())])
        .sort_by_exprs(names, SortMultipleOptions::default())
        .collect()?;
    let mut orders = Vec::with_capacity(grouped.height());
    let lists = grouped.column("id")?.list()?;
    for i in 0..lists.len() {
        if let Some(list) = lists.get_as_series(i) {
            orders.push(list.u32()?.into_no_null_iter().collect());
        }
    }
    if orders.is_empty() {
        return Err(Error::InvalidInput(format!("no row has {needs}")));
    }
    Ok(Orders { items, orders })
}

/// Whether a wide column's value says "in the order".
fn present(c: &Column) -> Result<Option<Vec<bool>>> {
    let dtype = c.dtype();
    if dtype.is_bool() {
        return Ok(Some(c.bool()?.iter().map(|v| v == Some(true)).collect()));
    }
    if dtype.is_primitive_numeric() {
        let v = c.cast(&DataType::Float64)?;
        return Ok(Some(
            v.f64()?
                .iter()
                .map(|v| v.is_some_and(|x| x != 0.0))
                .collect(),
        ));
    }
    if dtype == &DataType::String {
        let mut out = Vec::with_capacity(c.len());
        for v in c.str()?.iter() {
            let v = v.map(|s| s.trim().to_ascii_lowercase());
            match v.as_deref() {
                None | Some("" | "no" | "n" | "false" | "0") => out.push(false),
                Some("yes" | "y" | "true" | "1") => out.push(true),
                Some(_) => return Ok(None),
            }
        }
        return Ok(Some(out));
    }
    Ok(None)
}

fn wide(df: &DataFrame, ignore: &[String]) -> Result<Orders> {
    for name in ignore {
        find(df, name, "column to ignore")?;
    }
    let mut columns: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| !ignore.iter().any(|i| i == c.name().as_str()))
        .collect();
    columns.sort_by(|a, b| a.name().cmp(b.name()));
    if columns.is_empty() {
        return Err(Error::InvalidInput(
            "no item columns are left after --ignore".into(),
        ));
    }
    let mut orders = vec![Vec::new(); df.height()];
    let mut items = Vec::with_capacity(columns.len());
    for (id, c) in columns.iter().enumerate() {
        let Some(flags) = present(c)? else {
            return Err(Error::InvalidInput(format!(
                "column '{}' is not an item column (values other than numbers, true/false or yes/no): leave it out with --ignore '{}'",
                c.name(),
                c.name()
            )));
        };
        items.push(c.name().to_string());
        for (row, flag) in flags.into_iter().enumerate() {
            if flag {
                orders[row].push(id as u32);
            }
        }
    }
    Ok(Orders { items, orders })
}
