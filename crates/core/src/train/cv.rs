//! k-fold cross-validation on the training rows: each fold's model is fitted (recipe, schema and
//! all) on the other folds and measured on its own; the summary is each metric's mean and
//! standard deviation over the folds. The held-out rows stay untouched for the final measure.

use serde_json::json;

use super::evaluate::metrics_of;
use super::plan::Plan;
use super::{RunControl, TrainEvent};
use crate::data::recipe::Recipe;
use crate::error::{Error, Result};
use crate::ml::metrics::Metrics;
use crate::ml::models::{self, Control, Rows};
use crate::ml::{ModelSettings, split};

/// Mean and standard deviation of one metric over the folds.
#[derive(Clone, Debug, PartialEq)]
pub struct Stat {
    pub name: &'static str,
    pub mean: f64,
    /// Sample standard deviation (n − 1).
    pub sd: f64,
}

/// The folds' metrics and their summary.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossValidation {
    pub folds: Vec<Metrics>,
    pub summary: Vec<Stat>,
}

impl CrossValidation {
    /// Summarises fold metrics (all of one task).
    pub fn new(folds: Vec<Metrics>) -> Self {
        let names: Vec<&'static str> = folds
            .first()
            .map(|m| m.numbers().into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        let summary = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let v: Vec<f64> = folds
                    .iter()
                    .filter_map(|m| m.numbers().get(i).map(|x| x.1))
                    .collect();
                let (mean, sd) = mean_sd(&v);
                Stat { name, mean, sd }
            })
            .collect();
        Self { folds, summary }
    }

    /// The headline metric's mean and sd (AUC or RMSE).
    pub fn headline(&self) -> Option<(&'static str, f64, f64)> {
        let (name, _, _) = self.folds.first()?.headline();
        let key = name.to_lowercase();
        self.summary
            .iter()
            .find(|s| s.name == key)
            .map(|s| (name, s.mean, s.sd))
    }

    /// `"cv": {"folds": k, "auc": {"mean": …, "sd": …}, …}` for the `--metrics` file.
    pub fn json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("folds".into(), json!(self.folds.len()));
        for s in &self.summary {
            map.insert(s.name.into(), json!({"mean": s.mean, "sd": s.sd}));
        }
        serde_json::Value::Object(map)
    }
}

/// Mean and sample standard deviation.
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (mean, sd)
}

/// Fold number of each of `rows` (positions in the plan's table), stratified for yes/no.
pub fn assign_folds(plan: &Plan, rows: &[usize], folds: usize, seed: u64) -> Vec<usize> {
    let strata: Option<Vec<usize>> = plan.strata.as_ref().map(|s| {
        let mut class_of = vec![0; plan.raw.height()];
        for (&row, &c) in plan.usable.iter().zip(s) {
            class_of[row] = c;
        }
        rows.iter().map(|&r| class_of[r]).collect()
    });
    split::folds(rows.len(), strata.as_deref(), folds, seed)
}

/// Cross-validates `settings` on `rows`, sending a `Fold` event after each fold. A Stop ends it
/// with the folds done so far (at least two, or it is an error).
pub fn run(
    plan: &Plan,
    recipe: &Recipe,
    settings: &ModelSettings,
    rows: &[usize],
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
    control: &RunControl,
) -> Result<CrossValidation> {
    let k = settings.folds.max(2);
    if rows.len() < 2 * k {
        return Err(Error::InvalidInput(format!(
            "{k}-fold cross-validation needs at least {} training rows, there are {}",
            2 * k,
            rows.len()
        )));
    }
    let fold_of = assign_folds(plan, rows, k, settings.seed);
    let mut results = Vec::with_capacity(k);
    for fold in 0..k {
        let (fit_rows, test_rows): (Vec<usize>, Vec<usize>) = {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for (i, &r) in rows.iter().enumerate() {
                if fold_of[i] == fold {
                    b.push(r)
                } else {
                    a.push(r)
                }
            }
            (a, b)
        };
        let metrics = fit_and_measure(plan, recipe, settings, &fit_rows, &test_rows, control)?;
        if !on_event(TrainEvent::Fold {
            fold: fold + 1,
            folds: k,
            metrics: metrics.clone(),
        }) {
            return Err(Error::Cancelled);
        }
        results.push(metrics);
        if control.control() == Control::Stop && results.len() >= 2 {
            control.consume_stop();
            break;
        }
    }
    Ok(CrossValidation::new(results))
}

/// Trains on `fit_rows` and measures on `test_rows` (the held-out rows of a fold).
pub fn fit_and_measure(
    plan: &Plan,
    recipe: &Recipe,
    settings: &ModelSettings,
    fit_rows: &[usize],
    test_rows: &[usize],
    control: &RunControl,
) -> Result<Metrics> {
    let prepared = plan.prepare_features(recipe, settings, fit_rows, test_rows)?;
    let data = prepared.train_data(plan.class_count());
    let model = models::train(
        plan.question.kind,
        &settings.params,
        &data,
        settings.seed,
        &mut |_| {
            // A fold always finishes (Stop ends the cross-validation between folds).
            if control.is_cancelled() {
                Control::Cancel
            } else {
                Control::Continue
            }
        },
    )?;
    metrics_of(
        &plan.question,
        &model,
        Rows::new(prepared.valid_x.view(), prepared.valid_words.as_ref()),
        &prepared.valid_y,
        settings.seed,
    )
}
