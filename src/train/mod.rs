//! Training: the pipeline from a raw table to a trained, evaluated model (and its
//! cross-validation), and the worker that runs it off the UI thread with progress events,
//! Cancel and "Stop and keep best". Never the UI.

pub mod cv;
pub mod job;
pub mod plan;
pub mod search;
pub mod task;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use ndarray::Array2;
use polars::prelude::*;
use serde::Serialize;

use crate::data::recipe::Recipe;
use crate::error::{Error, Result};
use crate::ml::importance::{self, Importance};
use crate::ml::metrics::{self, Metrics};
use crate::ml::models::{self, Control, StepReport, TrainData};
use crate::ml::saved::{SavedModel, Scored};
use crate::ml::segments::KPoint;
use crate::ml::targeting::Ranking;
use crate::ml::{ModelSettings, Task};
pub use cv::CrossValidation;
pub use job::TrainJob;
pub use plan::{Plan, Prepared};
pub use task::Waker;

/// Silhouette is computed on at most this many customers (it is quadratic).
const SILHOUETTE_SAMPLE: usize = 2_000;

/// Points in the predicted-against-actual scatter (a plot draws every one).
pub const SCATTER_POINTS: usize = 4_000;

/// The ROC curve is thinned to about this many points (plenty for a plot).
pub const ROC_POINTS: usize = 512;

/// Which rows the metrics describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluatedOn {
    /// Rows held out from training: an honest estimate.
    Holdout,
    /// The training rows themselves (holdout 0): optimistic.
    Training,
}

/// What the user has asked a running job to do; the worker reads it after every step.
#[derive(Debug, Default)]
pub struct RunControl(AtomicU8);

impl RunControl {
    const RUN: u8 = 0;
    const STOP: u8 = 1;
    const CANCEL: u8 = 2;

    /// Finish the current model now, keeping its best step so far.
    pub fn stop(&self) {
        let _ =
            self.0
                .compare_exchange(Self::RUN, Self::STOP, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Abandon the run.
    pub fn cancel(&self) {
        self.0.store(Self::CANCEL, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed) == Self::CANCEL
    }

    /// What a model should do after its current step.
    pub fn control(&self) -> Control {
        match self.0.load(Ordering::Relaxed) {
            Self::RUN => Control::Continue,
            Self::STOP => Control::Stop,
            _ => Control::Cancel,
        }
    }

    /// A stop applies to one model: later work (cross-validation) runs normally.
    fn consume_stop(&self) {
        let _ =
            self.0
                .compare_exchange(Self::STOP, Self::RUN, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// Everything a finished training run produced.
pub struct TrainOutcome {
    pub model: SavedModel,
    pub metrics: Metrics,
    pub evaluated_on: EvaluatedOn,
    /// The evaluated rows with their original columns plus score / prediction / decile / segment.
    pub predictions: DataFrame,
    /// Truth for the evaluated rows (1/0 for yes/no, the amount for regression), in row order.
    pub truth: Vec<f64>,
    /// Amounts: (actual, predicted) for at most [`SCATTER_POINTS`] evaluated customers.
    pub scatter: Vec<[f64; 2]>,
    /// Amounts: the residuals (predicted − actual) of the evaluated customers.
    pub residuals: Option<crate::data::profile::Histogram>,
    /// Segments: the k sweep, the customer map and the segment cards.
    pub segments: Option<crate::ml::segments::SegmentReport>,
    /// Permutation importance of each input column on the evaluated rows, most important first.
    pub importance: Vec<Importance>,
    /// Linear models: each feature's weight (standardised units), largest first.
    pub coefficients: Vec<(String, f64)>,
    /// The loss curve, one entry per step.
    pub curve: Vec<StepReport>,
    /// Cross-validation on the training rows, when folds were asked for.
    pub cv: Option<CrossValidation>,
    /// ROC curve points (false positive rate, true positive rate) for yes/no models, at most
    /// [`ROC_POINTS`] of them.
    pub roc: Vec<[f64; 2]>,
    /// Yes/no models: the evaluated customers ranked by score with their outcomes.
    pub ranking: Option<Ranking>,
    /// Yes/no models: every loaded customer scored (what the targeting calculator picks from).
    pub population: Option<DataFrame>,
    /// The population's scores, highest first.
    pub population_scores: Vec<f64>,
    /// Notes for the user (skipped columns, dropped rows, unseen categories).
    pub notes: Vec<String>,
    pub train_rows: usize,
    pub holdout_rows: usize,
    /// Time spent fitting the model itself (not preparing, scoring or cross-validating).
    pub fit_secs: f64,
    /// Size of the saved model file.
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
    pub kind: models::ModelKind,
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

/// Runs `work`, turning a panic into an error so a bug in model code never kills the app.
pub fn catch_panic<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Err(Error::Model(format!("internal error in model code: {msg}")))
    })
}

pub(crate) fn f64_values(c: &Column) -> Result<Vec<Option<f64>>> {
    let f = c.cast(&DataType::Float64)?;
    Ok(f.f64()?.iter().collect())
}

/// How much the worker computes beyond the model and its metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Only what `train` on the command line writes: model, metrics, scored evaluation rows.
    Metrics,
    /// Also what the app shows: ranking, ROC, every customer scored, importance, segment cards.
    Insights,
}

/// Trains on `raw` as `settings` say, after cleaning it with `recipe` (fitted on the training
/// rows only). `on_event` gets every event but `Finished`; it returns false to stop.
pub fn run(
    raw: &DataFrame,
    recipe: &Recipe,
    settings: &ModelSettings,
    detail: Detail,
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
    control: &RunControl,
) -> Result<TrainOutcome> {
    let started = Instant::now();
    let plan = Plan::new(raw, settings)?;
    let mut notes = plan.notes.clone();
    let (train_rows, hold_rows) = plan.split(settings.holdout, settings.seed)?;
    let prepared = plan.prepare(recipe, settings, &train_rows, &hold_rows)?;
    notes.extend(prepared.notes.iter().cloned());
    if hold_rows.is_empty() && settings.holdout > 0.0 {
        notes.push("too few rows to hold any out: the measures describe the training rows".into());
    }
    let (task, kind) = (plan.task, plan.kind);
    let description = format!(
        "{} on {} rows × {} features{}",
        kind.label(),
        train_rows.len(),
        prepared.schema.names.len(),
        if hold_rows.is_empty() {
            String::new()
        } else {
            format!(", {} held out", hold_rows.len())
        }
    );
    let (loss, metric) = if !plan.labels.is_empty() {
        ("log loss", Some("validation accuracy"))
    } else if kind == models::ModelKind::Gmm {
        ("negative log-likelihood per customer", None)
    } else {
        task.curve_names()
    };
    let total_steps = kind.planned_steps(&settings.params);
    let mut go_on = on_event(TrainEvent::Started {
        total_steps,
        description,
        curve: CurveInfo {
            task,
            kind,
            unit: kind.step_unit(),
            loss,
            metric,
        },
    });
    for n in &notes {
        go_on &= on_event(TrainEvent::Log(n.clone()));
    }
    if !go_on {
        return Err(Error::Cancelled);
    }

    // Segments: the k sweep first, so the user sees how tight each k would be.
    let sweep = if task == Task::Segments && detail == Detail::Insights {
        on_event(TrainEvent::Phase(Phase::Sweep));
        let mut points = Vec::new();
        for k in crate::ml::segments::SWEEP_KS {
            if control.is_cancelled() {
                return Err(Error::Cancelled);
            }
            if let Some(point) =
                crate::ml::segments::sweep_point(prepared.x.view(), k, settings.seed)?
            {
                on_event(TrainEvent::Sweep(point));
                points.push(point);
            }
        }
        Some(points)
    } else {
        None
    };

    on_event(TrainEvent::Phase(Phase::Fitting));
    let fit_started = Instant::now();
    let mut curve = Vec::new();
    let model = {
        let data = prepared.train_data(plan.class_count());
        models::train(kind, &settings.params, &data, settings.seed, &mut |r| {
            curve.push(r);
            if on_event(TrainEvent::Step(r)) {
                control.control()
            } else {
                Control::Cancel
            }
        })?
    };
    let fit_secs = fit_started.elapsed().as_secs_f64();
    control.consume_stop();

    let saved = SavedModel::new(
        &plan,
        settings,
        prepared.fitted_recipe.clone(),
        prepared.schema.clone(),
        model,
    );
    // Writing a big forest out only to measure it costs seconds: the app shows it, `train`
    // on the command line doesn't.
    let model_bytes = if detail == Detail::Insights {
        json_size(&saved)
    } else {
        0
    };

    let cv = if settings.folds >= 2 && task != Task::Segments {
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

    // Evaluate on the holdout, or on the training rows when there is none.
    on_event(TrainEvent::Phase(Phase::Evaluating));
    let Prepared {
        train_raw,
        hold_raw,
        train_clean,
        hold_clean,
        x,
        y,
        valid_x,
        valid_y,
        ..
    } = prepared;
    let (evaluated_on, eval_raw, eval_truth, eval_x) = if hold_rows.is_empty() {
        (EvaluatedOn::Training, &train_raw, &y, &x)
    } else {
        (EvaluatedOn::Holdout, &hold_raw, &valid_y, &valid_x)
    };
    // Scored through the very function `score` uses, so a saved model reproduces these rows.
    let Scored {
        frame: predictions,
        unseen_categories,
        ..
    } = saved.score(eval_raw)?;
    if unseen_categories > 0 {
        notes.push(format!(
            "{unseen_categories} category values in the evaluated rows were not seen in training"
        ));
    }
    let scores = f64_values(
        predictions
            .column(crate::ml::saved::SCORE)
            .or_else(|_| predictions.column(crate::ml::saved::SEGMENT))?,
    )?
    .into_iter()
    .map(|v| v.unwrap_or(f64::NAN))
    .collect::<Vec<_>>();
    let insights = detail == Detail::Insights;
    let mut roc = Vec::new();
    let (mut ranking, mut population) = (None, None);
    let mut population_scores = Vec::new();
    let (mut scatter, mut residuals) = (Vec::new(), None);
    let metrics = match task {
        Task::Classification if !plan.labels.is_empty() => {
            let probs = saved.model.predict_proba(eval_x.view())?;
            let truth: Vec<usize> = eval_truth.iter().map(|&v| v as usize).collect();
            Metrics::Multiclass(metrics::multiclass(
                probs.as_slice().unwrap_or(&[]),
                &truth,
                &plan.labels,
            ))
        }
        Task::Classification => {
            let labels: Vec<bool> = eval_truth.iter().map(|&v| v > 0.5).collect();
            if insights {
                ranking = Some(Ranking::new(&scores, &labels));
                let scored = saved.score(&plan.raw)?.frame;
                population_scores = f64_values(scored.column(crate::ml::saved::SCORE)?)?
                    .into_iter()
                    .map(|v| v.unwrap_or(0.0))
                    .collect();
                population_scores.sort_unstable_by(|a, b| b.total_cmp(a));
                population = Some(scored);
                let all = metrics::roc_points(&scores, &labels);
                let stride = all.len().div_ceil(ROC_POINTS).max(1);
                roc = all.iter().step_by(stride).copied().collect();
                if let Some(last) = all.last()
                    && roc.last() != Some(last)
                {
                    roc.push(*last);
                }
            }
            Metrics::Classification(metrics::classification(&scores, &labels, saved.threshold))
        }
        Task::Regression => {
            let stride = scores.len().div_ceil(SCATTER_POINTS).max(1);
            scatter = eval_truth
                .iter()
                .zip(&scores)
                .step_by(stride)
                .map(|(&a, &p)| [a, p])
                .collect();
            let res: Vec<f64> = scores.iter().zip(eval_truth).map(|(p, a)| p - a).collect();
            let (lo, hi) = res
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            if lo.is_finite() && hi.is_finite() {
                residuals = Some(crate::data::profile::histogram(&res, lo, hi));
            }
            Metrics::Regression(metrics::regression(&scores, eval_truth))
        }
        Task::Segments => segment_metrics(&saved, eval_x, &scores, settings.seed)?,
    };
    let eval_clean = hold_clean.as_ref().unwrap_or(&train_clean);
    let segments = match (task, sweep, insights) {
        (Task::Segments, Some(sweep), true) => {
            let k = saved.model.segments().unwrap_or(0);
            let labels: Vec<u32> = scores.iter().map(|&s| s as u32).collect();
            let report = crate::ml::segments::report(
                &predictions,
                eval_x.view(),
                &labels,
                k,
                sweep,
                settings.seed,
            )?;
            // The map shows every loaded customer, not only the evaluated ones.
            let everyone = saved.recipe.transform(&plan.raw)?;
            let x_all = saved.features.matrix(&everyone)?.x;
            let segments_all: Vec<u32> = saved
                .model
                .predict(x_all.view())?
                .into_iter()
                .map(|s| s as u32 + 1)
                .collect();
            Some(report.with_density(x_all.view(), &segments_all))
        }
        _ => None,
    };
    let importance = if insights {
        importance::permutation(
            &saved.features,
            &saved.model,
            (task, plan.class_count()),
            eval_clean,
            eval_truth,
            settings.seed,
        )?
    } else {
        Vec::new()
    };
    let coefficients = importance::coefficients(&saved.features, &saved.model);
    Ok(TrainOutcome {
        segments,
        scatter,
        residuals,
        importance,
        coefficients,
        model: saved,
        metrics,
        evaluated_on,
        predictions,
        truth: eval_truth.clone(),
        curve,
        cv,
        roc,
        ranking,
        population,
        population_scores,
        notes,
        train_rows: train_rows.len(),
        holdout_rows: hold_rows.len(),
        fit_secs,
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
    let _ = serde_json::to_writer(&mut c, value);
    c.0
}

fn segment_metrics(
    model: &SavedModel,
    x: &Array2<f64>,
    segments: &[f64],
    seed: u64,
) -> Result<Metrics> {
    let Some(centres) = model.model.centres() else {
        return Err(Error::Model("segments without centres".into()));
    };
    let k = centres.len();
    let labels: Vec<usize> = segments
        .iter()
        .map(|&s| (s as usize).saturating_sub(1))
        .collect();
    let mut sizes = vec![0u64; k];
    for &l in &labels {
        if l < k {
            sizes[l] += 1;
        }
    }
    let n = labels.len();
    let sample: Vec<usize> = if n <= SILHOUETTE_SAMPLE {
        (0..n).collect()
    } else {
        crate::ml::split::holdout(n, None, SILHOUETTE_SAMPLE as f64 / n as f64, seed).holdout
    };
    let flat: Vec<f64> = x.iter().copied().collect();
    Ok(Metrics::Segments(metrics::SegmentMetrics {
        k,
        // The mean squared distance to the centre of each row's own segment (for k-means the
        // nearest one; a Gaussian mixture may put a row in a wider segment farther away).
        inertia: x
            .rows()
            .into_iter()
            .zip(&labels)
            .filter_map(|(row, &l)| {
                centres.get(l).map(|c| {
                    row.iter()
                        .zip(c)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                })
            })
            .sum::<f64>()
            / n.max(1) as f64,
        silhouette: metrics::silhouette(&flat, x.ncols(), &labels, &sample),
        sizes,
    }))
}

/// The data a model trains on, borrowed from prepared rows.
impl Prepared {
    pub fn train_data(&self, classes: usize) -> TrainData<'_> {
        TrainData {
            x: self.x.view(),
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
