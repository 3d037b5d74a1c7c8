//! Training: the pipeline from a raw table to a trained, evaluated model, in steps — plan
//! (`plan.rs`: settings checked, rows split, recipe and features fitted on the training rows) →
//! fit (`fit.rs`: the model, step by step, with the live curve) → evaluate (`evaluate.rs`: the
//! held-out rows scored and measured) → insights (`insights.rs`: what the app shows, one variant
//! per question). The CLI and the app run the same pipeline; the worker (`worker.rs`) runs it off
//! the UI thread with progress events, Cancel and "Stop and keep best". Never the UI.

pub mod assess;
pub mod cv;
pub mod evaluate;
pub mod fit;
pub mod insights;
pub mod plan;
pub mod search;
pub mod worker;

use std::time::Instant;

use polars::prelude::*;
use serde::Serialize;

use crate::data::recipe::Recipe;
use crate::error::{Error, Result};
use crate::jobs::RunControl;
use crate::ml::metrics::Metrics;
use crate::ml::models::{StepReport, TrainData};
use crate::ml::saved::SavedModel;
use crate::ml::segments::KPoint;
use crate::ml::{ModelSettings, Task};
pub use assess::assess;
pub use cv::CrossValidation;
pub use evaluate::EvaluatedOn;
pub use insights::{Insights, Sizes};
pub use plan::{Plan, Prepared};
pub use worker::TrainJob;

/// Everything a finished training run produced.
pub struct TrainOutcome {
    pub model: SavedModel,
    pub metrics: Metrics,
    pub evaluated_on: EvaluatedOn,
    /// The evaluated rows with their original columns plus score / prediction / decile / segment.
    pub predictions: DataFrame,
    /// Truth for the evaluated rows (1/0 for yes/no, the amount for regression), in row order.
    pub truth: Vec<f64>,
    /// The loss curve, one entry per step.
    pub curve: Vec<StepReport>,
    /// Cross-validation on the training rows, when folds were asked for.
    pub cv: Option<CrossValidation>,
    /// What the app shows beyond the metrics (asked for with [`Detail::Insights`]).
    pub insights: Option<Insights>,
    /// Notes for the user (skipped columns, dropped rows, unseen categories).
    pub notes: Vec<String>,
    pub train_rows: usize,
    pub holdout_rows: usize,
    /// Time spent fitting the model itself (not preparing, scoring or cross-validating).
    pub fit_secs: f64,
    /// Size of the saved model file (with insights; 0 otherwise).
    pub model_bytes: usize,
    pub elapsed_secs: f64,
}

impl TrainOutcome {
    /// The `--metrics` JSON: the task's metrics, flat, plus how they were obtained.
    pub fn metrics_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(&self.metrics).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            let extra = [
                ("task", serde_json::json!(self.model.task.cli_name())),
                ("model", serde_json::json!(self.model.kind.cli_name())),
                ("evaluated_on", serde_json::json!(self.evaluated_on)),
                ("train_rows", serde_json::json!(self.train_rows)),
                ("holdout_rows", serde_json::json!(self.holdout_rows)),
                ("seed", serde_json::json!(self.model.settings.seed)),
                ("fit_secs", serde_json::json!(self.fit_secs)),
            ];
            for (k, val) in extra {
                map.insert(k.to_owned(), val);
            }
            if let Some(cv) = &self.cv {
                map.insert("cv".to_owned(), cv.json());
            }
        }
        v
    }
}

/// What the curve of a run is about: set when it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveInfo {
    pub task: Task,
    pub kind: crate::ml::models::ModelKind,
    /// What one step is ("epoch", "trees", …).
    pub unit: &'static str,
    pub loss: &'static str,
    pub metric: Option<&'static str>,
}

/// What a training run is busy with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Segments: k-means for k = 2..10 on a sample.
    Sweep,
    /// The model itself, step by step.
    Fitting,
    /// Cross-validation folds on the training rows.
    CrossValidating,
    /// Scoring the evaluated rows and computing what the Predictions step shows.
    Evaluating,
}

/// Progress of a training run, sent from the worker to whoever watches.
pub enum TrainEvent {
    Phase(Phase),
    Started {
        total_steps: usize,
        description: String,
        curve: CurveInfo,
    },
    Step(StepReport),
    /// One k of the sweep that precedes k-means (inertia and silhouette for each k).
    Sweep(KPoint),
    /// One cross-validation fold finished.
    Fold {
        fold: usize,
        folds: usize,
        metrics: Metrics,
    },
    Log(String),
    Finished(Result<Box<TrainOutcome>>),
}

pub(crate) fn f64_values(c: &Column) -> Result<Vec<Option<f64>>> {
    let f = c.cast(&DataType::Float64)?;
    Ok(f.f64()?.iter().collect())
}

/// How much the pipeline computes beyond the model and its metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Only what `train` on the command line writes: model, metrics, scored evaluation rows.
    Metrics,
    /// Also what the app shows, at the app's sizes: ranking, ROC, every customer scored,
    /// importance, the k sweep, segment map and cards, the model file's size.
    Insights(Sizes),
}

/// Trains on `raw` as `settings` say, after cleaning it with `recipe` (fitted on the training
/// rows only): plan → fit → evaluate → insights. `on_event` gets every event but `Finished`; it
/// returns false to stop.
pub fn run(
    raw: &DataFrame,
    recipe: &Recipe,
    settings: &ModelSettings,
    detail: Detail,
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
    control: &RunControl,
) -> Result<TrainOutcome> {
    run_owned(raw.clone(), recipe, settings, detail, on_event, control)
}

/// [`run`] on a table given up to it (`train` on the command line). When nothing after the
/// fit needs every row (no insights, no cross-validation), the table is split into training
/// and held-out rows a column at a time, each column let go once split; either way the
/// training rows are encoded a chunk at a time, each chunk let go once in the feature matrix
/// ([`Plan::prepare_rows`]), with [`crate::memory::give_back`] after each of those steps:
/// 1M customers, logistic regression, peak 606 -> 228 MB (with features in single
/// precision), the same model but for their last digits.
pub fn run_owned(
    raw: DataFrame,
    recipe: &Recipe,
    settings: &ModelSettings,
    detail: Detail,
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
    control: &RunControl,
) -> Result<TrainOutcome> {
    let started = Instant::now();
    // Plan.
    let mut plan = Plan::new(&raw, settings)?;
    drop(raw);
    crate::memory::give_back();
    let mut notes = plan.notes.clone();
    let (train_rows, hold_rows) = plan.split(settings.holdout, settings.seed)?;
    let every_row_needed = matches!(detail, Detail::Insights(_))
        || (settings.folds >= 2 && plan.question.task != Task::Segments);
    let (train_count, hold_count) = (train_rows.len(), hold_rows.len());
    let (mut prepared, train_rows) = if every_row_needed {
        // The table stays (insights score every customer, folds split the training rows
        // again); the training rows' copy is let go once encoded all the same.
        let prepared = plan.prepare_taking(recipe, settings, &train_rows, &hold_rows, true)?;
        (prepared, train_rows)
    } else {
        let (train_raw, hold_raw) = plan.split_off(&train_rows, &hold_rows)?;
        // Nothing reads the lists of rows again (1M customers: 8 MB).
        drop((train_rows, hold_rows));
        let prepared = plan.prepare_rows(recipe, settings, train_raw, hold_raw, true)?;
        (prepared, Vec::new())
    };
    notes.extend(prepared.notes.iter().cloned());
    if hold_count == 0 && settings.holdout > 0.0 {
        notes.push("too few rows to hold any out: the measures describe the training rows".into());
    }
    if !fit::announce(&plan, &prepared, settings, &notes, on_event) {
        return Err(Error::Cancelled);
    }

    // Segments: the k sweep first, so the user sees how tight each k would be.
    let sweep = match detail {
        Detail::Insights(_) if plan.question.task == Task::Segments => {
            on_event(TrainEvent::Phase(Phase::Sweep));
            insights::sweep(
                prepared.x.view(),
                settings.seed,
                &|| control.is_cancelled(),
                &mut |p| {
                    on_event(TrainEvent::Sweep(p));
                },
            )?
            .ok_or(Error::Cancelled)?
        }
        _ => Vec::new(),
    };

    // Fit.
    on_event(TrainEvent::Phase(Phase::Fitting));
    let insights_wanted = matches!(detail, Detail::Insights(_));
    let fitted = fit::fit(
        &plan,
        &mut prepared,
        settings,
        on_event,
        control,
        insights_wanted,
    )?;
    let saved = fitted.model;
    // Writing a big forest out only to measure it costs seconds: the app shows it, `train`
    // on the command line doesn't.
    let model_bytes = match detail {
        Detail::Insights(_) => json_size(&saved),
        Detail::Metrics => 0,
    };
    let cv = if settings.folds >= 2 && plan.question.task != Task::Segments {
        on_event(TrainEvent::Phase(Phase::CrossValidating));
        Some(cv::run(
            &plan,
            recipe,
            settings,
            &train_rows,
            on_event,
            control,
        )?)
    } else {
        None
    };

    // Evaluate, on the holdout or, when there is none, on the training rows.
    on_event(TrainEvent::Phase(Phase::Evaluating));
    let evaluation = evaluate::evaluate(
        &saved,
        &plan.question,
        prepared,
        settings.seed,
        insights_wanted,
    )?;
    if evaluation.unseen_categories > 0 {
        notes.push(format!(
            "{} category values in the evaluated rows were not seen in training",
            evaluation.unseen_categories
        ));
    }

    // Insights.
    let insights = match detail {
        Detail::Insights(sizes) => Some(insights::build(
            insights::Inputs {
                question: &plan.question,
                saved: &saved,
                evaluation: &evaluation,
                everyone: &plan.raw,
                sweep,
                seed: settings.seed,
            },
            sizes,
        )?),
        Detail::Metrics => None,
    };
    Ok(TrainOutcome {
        model: saved,
        metrics: evaluation.metrics,
        evaluated_on: evaluation.evaluated_on,
        predictions: evaluation.predictions,
        truth: evaluation.truth,
        curve: fitted.curve,
        cv,
        insights,
        notes,
        train_rows: train_count,
        holdout_rows: hold_count,
        fit_secs: fitted.fit_secs,
        model_bytes,
        elapsed_secs: started.elapsed().as_secs_f64(),
    })
}

/// Bytes `value` takes as JSON, counted without keeping the text.
fn json_size(value: &impl Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    serde_json::to_writer(&mut c, value).map_or(0, |()| c.0)
}

/// The data a model trains on, borrowed from prepared rows.
impl Prepared {
    pub fn train_data(&self, classes: usize) -> TrainData<'_> {
        TrainData {
            x: self.x.view(),
            words: self.words.as_ref(),
            valid_words: self.valid_words.as_ref(),
            y: &self.y,
            weights: self.weights.as_deref(),
            valid_x: self.valid_x.view(),
            valid_y: &self.valid_y,
            classes,
        }
    }
}

#[cfg(test)]
mod tests;
