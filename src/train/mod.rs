//! Training: the pipeline from a raw table to a trained, evaluated model, and the worker that
//! runs it off the UI thread with progress events and Cancel. Never the UI.

pub mod task;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::Instant;

use ndarray::Array2;
use polars::prelude::*;
use serde::Serialize;

use crate::data::ROW_ID;
use crate::data::recipe::Recipe;
use crate::error::{Error, Result};
use crate::ml::features::FeatureSchema;
use crate::ml::importance::{self, Importance};
use crate::ml::metrics::{self, Metrics};
use crate::ml::models::{self, StepReport, TrainData};
use crate::ml::saved::{SavedModel, Scored};
use crate::ml::targeting::Ranking;
use crate::ml::{ModelSettings, Task, choose_classes, infer_task, labels_of, split};
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
            ];
            for (k, val) in extra {
                map.insert(k.to_owned(), val);
            }
        }
        v
    }
}

/// Progress of a training run, sent from the worker to whoever watches.
pub enum TrainEvent {
    Started {
        total_steps: usize,
        description: String,
    },
    Step(StepReport),
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

fn f64_values(c: &Column) -> Result<Vec<Option<f64>>> {
    let f = c.cast(&DataType::Float64)?;
    Ok(f.f64()?.iter().collect())
}

fn take_rows(df: &DataFrame, rows: &[usize]) -> Result<DataFrame> {
    let idx = IdxCa::from_vec("row".into(), rows.iter().map(|&i| i as IdxSize).collect());
    Ok(df.take(&idx)?)
}

/// Trains on `raw` as `settings` say, after cleaning it with `recipe` (fitted on the training
/// rows only). `on_event` gets every event but `Finished`; it returns false to stop.
pub fn run(
    raw: &DataFrame,
    recipe: &Recipe,
    settings: &ModelSettings,
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
    cancel: &AtomicBool,
) -> Result<TrainOutcome> {
    let started = Instant::now();
    let mut notes = Vec::new();
    let target = settings.target.as_deref();
    let task = match settings.task {
        Some(t) => t,
        None => infer_task(raw, target)?,
    };
    if task != Task::Segments && target.is_none() {
        return Err(Error::InvalidInput(
            "pick a target column: the column to predict".into(),
        ));
    }
    let target = if task == Task::Segments { None } else { target };
    let kind = settings.model.unwrap_or_else(|| task.default_model());
    if !kind.supports(task) {
        return Err(Error::InvalidInput(format!(
            "{} can't be used to {}",
            kind.label(),
            task.label().to_lowercase()
        )));
    }
    if !kind.is_available() {
        return Err(Error::NotAvailable(kind.cli_name().to_owned()));
    }
    for name in settings.ignore.iter().map(String::as_str).chain(target) {
        if raw.get_column_index(name).is_none() {
            return Err(Error::missing_column(name, "named in the model settings"));
        }
    }
    if raw.height() == 0 {
        return Err(Error::InvalidInput("the data has no rows".into()));
    }

    // Rows with a known target, and the strata for a stratified split.
    let raw = raw.with_row_index(ROW_ID.into(), None)?;
    let (usable, strata, classes) = match (task, target) {
        (Task::Classification, Some(t)) => {
            let labels = labels_of(raw.column(t)?)?;
            let classes = choose_classes(t, &labels, settings.positive.as_deref())?;
            let mut usable = Vec::new();
            let mut strata = Vec::new();
            for (i, l) in labels.iter().enumerate() {
                if let Some(l) = l {
                    usable.push(i);
                    strata.push(usize::from(*l == classes.positive));
                }
            }
            (usable, Some(strata), Some(classes))
        }
        (Task::Regression, Some(t)) => {
            let c = raw.column(t)?;
            if !c.dtype().is_primitive_numeric() {
                return Err(Error::InvalidInput(format!(
                    "target '{t}' is {}, not an amount: predict a yes/no instead",
                    c.dtype()
                )));
            }
            let usable = f64_values(c)?
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.filter(|x| x.is_finite()).map(|_| i))
                .collect();
            (usable, None, None)
        }
        _ => ((0..raw.height()).collect(), None, None),
    };
    let dropped = raw.height() - usable.len();
    if dropped > 0 {
        notes.push(format!(
            "{dropped} rows without a target value were left out"
        ));
    }
    let min_rows = if task == Task::Segments {
        settings.params.k.max(2)
    } else {
        2
    };
    if usable.len() < min_rows {
        return Err(Error::InvalidInput(format!(
            "only {} usable row{}: at least {min_rows} are needed",
            usable.len(),
            if usable.len() == 1 { "" } else { "s" }
        )));
    }
    let part = split::holdout(
        usable.len(),
        strata.as_deref(),
        settings.holdout,
        settings.seed,
    );
    let to_rows = |p: &[usize]| p.iter().map(|&i| usable[i]).collect::<Vec<_>>();
    let (train_rows, hold_rows) = (to_rows(&part.train), to_rows(&part.holdout));
    if let Some(s) = &strata {
        let pos = part.train.iter().filter(|&&i| s[i] == 1).count();
        if pos == 0 || pos == part.train.len() {
            return Err(Error::InvalidInput(
                "the training rows hold only one class: lower the holdout or add rows".into(),
            ));
        }
    }
    let train_raw = take_rows(&raw, &train_rows)?;
    let hold_raw = take_rows(&raw, &hold_rows)?;

    // Clean: fit on the training rows, replay on the holdout.
    let (fitted_recipe, train_clean) = recipe.fit_transform(&train_raw)?;
    if let Some(t) = target
        && train_clean.get_column_index(t).is_none()
    {
        return Err(Error::InvalidInput(format!(
            "the recipe removes the target '{t}': take that step out or pick another target"
        )));
    }
    let mut exclude: Vec<&str> = settings.ignore.iter().map(String::as_str).collect();
    exclude.push(ROW_ID);
    exclude.extend(target);
    let schema = FeatureSchema::fit(&train_clean, &exclude)?;
    for (col, why) in &schema.skipped {
        notes.push(format!("column '{col}' not used: {why}"));
    }
    let x = schema.matrix(&train_clean)?.x;
    if x.ncols() >= x.nrows() {
        notes.push(format!(
            "{} features for {} training rows: the model can memorise them; expect held-out results to be worse",
            x.ncols(),
            x.nrows()
        ));
    }
    if hold_rows.is_empty() && settings.holdout > 0.0 {
        notes.push("too few rows to hold any out: the measures describe the training rows".into());
    }
    let truth_of = |df: &DataFrame| -> Result<Vec<f64>> {
        match (task, target, &classes) {
            (Task::Classification, Some(t), Some(c)) => Ok(labels_of(df.column(t)?)?
                .into_iter()
                .map(|l| f64::from(u8::from(l.as_deref() == Some(c.positive.as_str()))))
                .collect()),
            (Task::Regression, Some(t), _) => Ok(f64_values(df.column(t)?)?
                .into_iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect()),
            _ => Ok(Vec::new()),
        }
    };
    let y = truth_of(&train_clean)?;
    let hold_clean = if hold_rows.is_empty() {
        None
    } else {
        Some(fitted_recipe.transform(&hold_raw)?)
    };
    let (valid_x, valid_y) = match &hold_clean {
        None => (models::empty_matrix(x.ncols()), Vec::new()),
        Some(h) => (schema.matrix(h)?.x, truth_of(h)?),
    };

    let description = format!(
        "{} on {} rows × {} features{}",
        kind.label(),
        train_rows.len(),
        schema.names.len(),
        if hold_rows.is_empty() {
            String::new()
        } else {
            format!(", {} held out", hold_rows.len())
        }
    );
    let total_steps = match kind {
        models::ModelKind::Linear => 1,
        models::ModelKind::Logistic => settings.params.max_iterations.div_ceil(5).max(1) as usize,
        _ => settings.params.max_iterations.max(1) as usize,
    };
    on_event(TrainEvent::Started {
        total_steps,
        description,
    });
    for n in &notes {
        on_event(TrainEvent::Log(n.clone()));
    }

    let mut curve = Vec::new();
    let data = TrainData {
        x: x.view(),
        y: &y,
        valid_x: valid_x.view(),
        valid_y: &valid_y,
    };
    let model = models::train(kind, &settings.params, &data, settings.seed, &mut |r| {
        curve.push(r);
        on_event(TrainEvent::Step(r)) && !cancel.load(Ordering::Relaxed)
    })?;

    let saved = SavedModel {
        format: crate::ml::saved::FORMAT.to_owned(),
        format_version: crate::ml::saved::FORMAT_VERSION,
        task,
        kind,
        target: target.map(str::to_owned),
        classes,
        threshold: 0.5,
        settings: settings.clone(),
        recipe: fitted_recipe,
        features: schema,
        model,
    };

    // Evaluate on the holdout, or on the training rows when there is none.
    let (evaluated_on, eval_raw, eval_truth, eval_x) = if hold_rows.is_empty() {
        (EvaluatedOn::Training, &train_raw, &y, &x)
    } else {
        (EvaluatedOn::Holdout, &hold_raw, &valid_y, &valid_x)
    };
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
    let mut roc = Vec::new();
    let (mut ranking, mut population) = (None, None);
    let mut population_scores = Vec::new();
    let (mut scatter, mut residuals) = (Vec::new(), None);
    let metrics = match task {
        Task::Classification => {
            let labels: Vec<bool> = eval_truth.iter().map(|&v| v > 0.5).collect();
            ranking = Some(Ranking::new(&scores, &labels));
            let scored = saved.score(&raw)?.frame;
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
    let segments = if task == Task::Segments {
        let k = match &saved.model {
            models::TrainedModel::KMeans { centroids } => centroids.len(),
            _ => 0,
        };
        let labels: Vec<u32> = scores.iter().map(|&s| s as u32).collect();
        Some(crate::ml::segments::report(
            &predictions,
            eval_x.view(),
            &labels,
            k,
            settings.seed,
        )?)
    } else {
        None
    };
    let importance = importance::permutation(
        &saved.features,
        &saved.model,
        task,
        eval_clean,
        eval_truth,
        settings.seed,
    )?;
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
        roc,
        ranking,
        population,
        population_scores,
        notes,
        train_rows: train_rows.len(),
        holdout_rows: hold_rows.len(),
        elapsed_secs: started.elapsed().as_secs_f64(),
    })
}

fn segment_metrics(
    model: &SavedModel,
    x: &Array2<f64>,
    segments: &[f64],
    seed: u64,
) -> Result<Metrics> {
    let models::TrainedModel::KMeans { centroids } = &model.model else {
        return Err(Error::Model("segments without centroids".into()));
    };
    let k = centroids.len();
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
        split::holdout(n, None, SILHOUETTE_SAMPLE as f64 / n as f64, seed).holdout
    };
    let flat: Vec<f64> = x.iter().copied().collect();
    Ok(Metrics::Segments(metrics::SegmentMetrics {
        k,
        inertia: models::kmeans::inertia(x.view(), centroids),
        silhouette: metrics::silhouette(&flat, x.ncols(), &labels, &sample),
        sizes,
    }))
}

/// A training run on its own named thread.
pub struct TrainJob {
    pub events: Receiver<TrainEvent>,
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TrainJob {
    /// Starts training on a thread named `train:<model>`; `waker` is called after each event.
    pub fn spawn(
        raw: DataFrame,
        recipe: Recipe,
        settings: ModelSettings,
        waker: Waker,
    ) -> Result<Self> {
        let (tx, rx): (Sender<TrainEvent>, _) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let name = format!("train:{}", settings.model.map_or("auto", |m| m.cli_name()));
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                let result = catch_panic(|| {
                    run(
                        &raw,
                        &recipe,
                        &settings,
                        &mut |e| {
                            let ok = tx.send(e).is_ok();
                            waker();
                            ok
                        },
                        &flag,
                    )
                });
                let _ = tx.send(TrainEvent::Finished(result.map(Box::new)));
                waker();
            })
            .map_err(|e| Error::Model(format!("could not start the training thread: {e}")))?;
        Ok(Self {
            events: rx,
            cancel,
            thread: Some(thread),
        })
    }

    /// Asks the run to stop at its next step.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Drop for TrainJob {
    fn drop(&mut self) {
        self.cancel();
        if let Some(t) = self.thread.take() {
            // The run checks the flag after every step, so this returns within one step.
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DataFrame {
        crate::data::sample::generate(2_000, 5).unwrap().frame
    }

    fn settings() -> ModelSettings {
        ModelSettings {
            target: Some("responded".into()),
            ignore: vec!["churned".into(), "spend_next_90d".into()],
            ..ModelSettings::default()
        }
    }

    /// The sample with default settings, nothing cancelled.
    fn train_sample() -> Result<TrainOutcome> {
        run(
            &sample(),
            &Recipe::default(),
            &settings(),
            &mut |_| true,
            &AtomicBool::new(false),
        )
    }

    #[test]
    fn a_panic_in_model_code_becomes_an_error() {
        let r: Result<()> = catch_panic(|| panic!("boom in a model"));
        let err = r.unwrap_err().to_string();
        assert!(err.contains("boom in a model"), "{err}");
    }

    #[test]
    fn cancel_stops_after_the_current_step() {
        let mut steps = 0;
        let r = run(
            &sample(),
            &Recipe::default(),
            &settings(),
            &mut |e| {
                if matches!(e, TrainEvent::Step(_)) {
                    steps += 1;
                }
                steps < 1
            },
            &AtomicBool::new(false),
        );
        assert!(matches!(r, Err(Error::Cancelled)));
        assert_eq!(steps, 1);
        let r = run(
            &sample(),
            &Recipe::default(),
            &settings(),
            &mut |_| true,
            &AtomicBool::new(true),
        );
        assert!(matches!(r, Err(Error::Cancelled)));
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (a, b) = (train_sample().unwrap(), train_sample().unwrap());
        assert_eq!(a.metrics, b.metrics);
        assert_eq!(a.model, b.model);
    }

    #[test]
    fn the_worker_reports_steps_and_finishes() {
        let job =
            TrainJob::spawn(sample(), Recipe::default(), settings(), Arc::new(|| {})).unwrap();
        let mut steps = 0;
        loop {
            match job.events.recv().unwrap() {
                TrainEvent::Step(_) => steps += 1,
                TrainEvent::Finished(r) => {
                    assert!(r.is_ok());
                    break;
                }
                _ => {}
            }
        }
        assert!(steps > 1);
    }
}
