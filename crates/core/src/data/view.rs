//! A table sorted and filtered for display (the scored customers' table): the same filter the
//! recipe's "keep rows where" step applies, then a stable sort with missing values last.

use polars::prelude::*;

use super::recipe::{FilterOp, Recipe, Step};
use crate::error::Result;

/// How a table is sorted and filtered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableView {
    /// Column and whether highest first.
    pub sort: Option<(String, bool)>,
    /// Keep rows where `column op value`.
    pub filter: Option<(String, FilterOp, String)>,
}

impl TableView {
    /// `df` filtered, then sorted (rows that tie keep their order).
    pub fn apply(&self, df: &DataFrame) -> Result<DataFrame> {
        let mut out = df.clone();
        if let Some((column, op, value)) = &self.filter {
            let mut recipe = Recipe::default();
            recipe.push(Step::FilterRows {
                column: column.clone(),
                op: *op,
                value: value.clone(),
            });
            out = recipe.fit_transform(&out)?.1;
        }
        if let Some((column, descending)) = &self.sort {
            out = out.sort(
                [column.as_str()],
                SortMultipleOptions::default()
                    .with_order_descending(*descending)
                    .with_nulls_last(true)
                    .with_maintain_order(true),
            )?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_then_sorts_with_missing_last() {
        let df =
            df!("id" => ["a", "b", "c", "d"], "score" => [Some(0.2), None, Some(0.9), Some(0.5)])
                .unwrap();
        let view = TableView {
            sort: Some(("score".into(), true)),
            filter: Some(("id".into(), FilterOp::NotEquals, "d".into())),
        };
        let out = view.apply(&df).unwrap();
        let ids: Vec<_> = out.column("id").unwrap().str().unwrap().iter().collect();
        assert_eq!(ids, [Some("c"), Some("a"), Some("b")]);
    }
}
