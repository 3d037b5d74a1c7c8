//! What a forecasting run writes: the metrics JSON and the forecast table (the command line's
//! contract, and the app's export).

use polars::prelude::*;
use serde_json::{Map, Value, json};

use super::{Accuracy, ForecastResult, Method, SeriesResult};
use crate::data::dates;
use crate::error::Result;

fn accuracy_json(a: &Accuracy) -> Value {
    json!({ "rmse": a.rmse, "mae": a.mae, "mape": a.mape, "mase": a.mase })
}

/// The methods to write for a series: the fitted ones in the order asked, then `auto` (the
/// best) when asked for.
fn written(s: &SeriesResult, asked: &[Method]) -> Vec<(Method, usize)> {
    let mut out: Vec<(Method, usize)> = asked
        .iter()
        .filter_map(|m| {
            s.methods
                .iter()
                .position(|r| r.method == *m)
                .map(|i| (*m, i))
        })
        .collect();
    if asked.contains(&Method::Auto)
        && let Some(best) = s.ranking.first()
        && let Some(i) = s.methods.iter().position(|r| r.method == *best)
    {
        out.push((Method::Auto, i));
    }
    out
}

fn series_json(s: &SeriesResult, asked: &[Method]) -> Value {
    let mut models = Map::new();
    let mut backtest = Map::new();
    let mut fitted = Map::new();
    for (method, i) in written(s, asked) {
        let r = &s.methods[i];
        models.insert(method.key().into(), accuracy_json(&r.accuracy));
        if let Some(b) = &r.backtest {
            backtest.insert(method.key().into(), accuracy_json(b));
        }
        fitted.insert(method.key().into(), Value::String(r.detail.clone()));
    }
    let skipped: Map<String, Value> = s
        .skipped
        .iter()
        .map(|(m, why)| (m.key().to_owned(), Value::String(why.clone())))
        .collect();
    json!({
        "periods": s.series.len(),
        "test": s.test,
        "gaps_filled": s.series.gaps(),
        "models": models,
        "best": s.ranking.first().map(|m| m.key()),
        "ranking": s.ranking.iter().map(|m| m.key()).collect::<Vec<_>>(),
        "backtest": backtest,
        "fitted": fitted,
        "skipped": skipped,
    })
}

impl ForecastResult {
    /// The metrics JSON: `freq`, `season`, `periods`, `test`, `models` {name: {rmse, mae, mape,
    /// mase}}, `best`; with a group column, `groups` {group: the same object} (the top level is
    /// then the series of all rows). Beside them: the ranking, the backtest's mean accuracy,
    /// what each method fitted, and what could not run.
    pub fn metrics_json(&self) -> Value {
        let asked = &self.settings.methods;
        let mut top = series_json(&self.total, asked);
        if let Value::Object(o) = &mut top {
            o.insert("freq".into(), json!(self.freq.name()));
            o.insert("season".into(), json!(self.season));
            o.insert("horizon".into(), json!(self.total.horizon));
            o.insert("aggregation".into(), json!(self.agg.name()));
            o.insert("rows_skipped".into(), json!(self.rows_skipped));
            o.insert(
                "partial_period_dropped".into(),
                json!(self.partial_period_dropped.map(dates::iso_date)),
            );
            if self.settings.series.by.is_some() {
                let groups: Map<String, Value> = self
                    .groups
                    .iter()
                    .map(|g| (g.series.label().to_owned(), series_json(g, asked)))
                    .collect();
                o.insert("groups".into(), Value::Object(groups));
                let failed: Map<String, Value> = self
                    .failed_groups
                    .iter()
                    .map(|(g, why)| (g.clone(), Value::String(why.clone())))
                    .collect();
                o.insert("failed_groups".into(), Value::Object(failed));
            }
        }
        top
    }

    /// The forecast table: `date`, `group` (with a group column), `model`, `actual` (empty in
    /// the future), `forecast`, `lo80`, `hi80`, `lo95`, `hi95` — the test period (forecast from
    /// the history before it) and the horizon past the data (from all of it), per method.
    pub fn table(&self) -> Result<DataFrame> {
        let grouped = self.settings.series.by.is_some();
        let series: Vec<&SeriesResult> = if grouped {
            self.groups.iter().collect()
        } else {
            vec![&self.total]
        };
        let mut date = Vec::new();
        let mut group = Vec::new();
        let mut model = Vec::new();
        let mut actual: Vec<Option<f64>> = Vec::new();
        let mut cols: [Vec<f64>; 5] = Default::default();
        for s in series {
            let n = s.series.len();
            for (method, i) in written(s, &self.settings.methods) {
                let r = &s.methods[i];
                let parts = [(&r.test, n - s.test, true), (&r.future, n, false)];
                for (f, first, known) in parts {
                    for j in 0..f.len() {
                        let t = first + j;
                        date.push(dates::iso_date(s.series.day(t)));
                        group.push(s.series.label().to_owned());
                        model.push(method.key());
                        actual.push(known.then(|| s.series.values[t]));
                        for (c, v) in cols
                            .iter_mut()
                            .zip([&f.mean, &f.lo80, &f.hi80, &f.lo95, &f.hi95])
                        {
                            c.push(v[j]);
                        }
                    }
                }
            }
        }
        let [forecast, lo80, hi80, lo95, hi95] = cols;
        let mut columns = vec![Column::new("date".into(), date)];
        if grouped {
            columns.push(Column::new("group".into(), group));
        }
        columns.extend([
            Column::new("model".into(), model),
            Column::new("actual".into(), actual),
            Column::new("forecast".into(), forecast),
            Column::new("lo80".into(), lo80),
            Column::new("hi80".into(), hi80),
            Column::new("lo95".into(), lo95),
            Column::new("hi95".into(), hi95),
        ]);
        Ok(DataFrame::new_infer_height(columns)?)
    }
}
