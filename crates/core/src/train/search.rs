//! A small cross-validated search over a model's settings: every combination of the grids of
//! (at most) its first two searchable settings, each scored by k-fold cross-validation on the
//! training rows (the held-out rows are never looked at). Folds are cleaned and encoded once and
//! reused by every combination.

use std::time::Instant;

use polars::prelude::DataFrame;

use super::cv::{assign_folds, mean_sd};
use super::evaluate::metrics_of;
use super::plan::{Plan, Prepared};
use crate::data::recipe::Recipe;
use crate::error::{Error, Result};
use crate::jobs::{Job, OnDrop, RunControl, Waker, catch_panic};
use crate::ml::ModelSettings;
use crate::ml::models::{self, Control, Hyperparams, ModelKind, Rows};

/// How many settings a search varies at most (a grid of two keeps it small).
pub const MAX_SEARCHED: usize = 2;

/// One combination of settings and how it did.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// (setting key, value) pairs.
    pub values: Vec<(&'static str, f64)>,
    /// Mean and sd of the headline metric over the folds.
    pub mean: f64,
    pub sd: f64,
    pub secs: f64,
}

/// The finished search.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchOutcome {
    pub kind: ModelKind,
    pub metric: &'static str,
    pub higher_is_better: bool,
    pub folds: usize,
    pub candidates: Vec<Candidate>,
    /// Index of the best candidate.
    pub best: usize,
}

impl SearchOutcome {
    /// `params` with the best candidate's values.
    pub fn best_params(&self, params: &Hyperparams) -> Hyperparams {
        let mut p = params.clone();
        if let Some(c) = self.candidates.get(self.best) {
            for &(key, v) in &c.values {
                // Ignored: the values come from the model's own search grid, within its specs.
                #[expect(clippy::let_underscore_must_use, reason = "see the comment above")]
                let _ = p.set(self.kind, key, v);
            }
        }
        p
    }
}

/// Progress of a search.
pub enum SearchEvent {
    Started { points: usize, description: String },
    Point(Candidate),
    Finished(Result<SearchOutcome>),
}

/// The combinations a search tries for `kind`.
pub fn grid(kind: ModelKind) -> Vec<Vec<(&'static str, f64)>> {
    let specs: Vec<_> = kind
        .param_specs()
        .iter()
        .filter(|s| !s.grid.is_empty())
        .take(MAX_SEARCHED)
        .collect();
    let mut points: Vec<Vec<(&'static str, f64)>> = vec![Vec::new()];
    for s in specs {
        points = points
            .into_iter()
            .flat_map(|p| {
                s.grid.iter().map(move |&v| {
                    let mut q = p.clone();
                    q.push((s.key, v));
                    q
                })
            })
            .collect();
    }
    points.retain(|p| !p.is_empty());
    points
}

/// Runs the search; `on_point` gets each candidate as it finishes (false back: stop listening).
pub fn run(
    raw: &DataFrame,
    recipe: &Recipe,
    settings: &ModelSettings,
    folds: usize,
    on_event: &mut dyn FnMut(SearchEvent) -> bool,
    control: &RunControl,
) -> Result<SearchOutcome> {
    let plan = Plan::new(raw, settings)?;
    if plan.question.task == crate::ml::Task::Segments {
        return Err(Error::InvalidInput(
            "the search compares predictions: it needs a yes/no or an amount to predict".into(),
        ));
    }
    let points = grid(plan.question.kind);
    if points.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} has no settings to search",
            plan.question.kind.label()
        )));
    }
    let k = folds.max(2);
    let (train_rows, _) = plan.split(settings.holdout, settings.seed)?;
    on_event(SearchEvent::Started {
        points: points.len(),
        description: format!(
            "{}: {} combinations × {k} folds on {} training rows",
            plan.question.kind.label(),
            points.len(),
            train_rows.len()
        ),
    });
    let fold_of = assign_folds(&plan, &train_rows, k, settings.seed);
    let prepared: Vec<Prepared> = (0..k)
        .map(|fold| {
            let (mut fit, mut test) = (Vec::new(), Vec::new());
            for (i, &r) in train_rows.iter().enumerate() {
                if fold_of[i] == fold {
                    test.push(r)
                } else {
                    fit.push(r)
                }
            }
            plan.prepare_features(recipe, settings, &fit, &test)
        })
        .collect::<Result<_>>()?;
    let mut candidates = Vec::with_capacity(points.len());
    let mut metric = ("", true);
    for values in points {
        let started = Instant::now();
        let mut params = settings.params.clone();
        for &(key, v) in &values {
            params.set(plan.question.kind, key, v)?;
        }
        let mut scores = Vec::with_capacity(k);
        for p in &prepared {
            let data = p.train_data(plan.class_count());
            let model = models::train(
                plan.question.kind,
                &params,
                &data,
                settings.seed,
                &mut |_| {
                    if control.is_cancelled() {
                        Control::Cancel
                    } else {
                        Control::Continue
                    }
                },
            )?;
            let m = metrics_of(
                &plan.question,
                &model,
                Rows::new(p.valid_x.view(), p.valid_words.as_ref()),
                &p.valid_y,
                settings.seed,
            )?;
            let (name, value, higher) = m.headline();
            metric = (name, higher);
            scores.push(value);
        }
        let (mean, sd) = mean_sd(&scores);
        let c = Candidate {
            values,
            mean,
            sd,
            secs: started.elapsed().as_secs_f64(),
        };
        candidates.push(c.clone());
        if !on_event(SearchEvent::Point(c)) {
            return Err(Error::Cancelled);
        }
        if control.control() != Control::Continue {
            if control.is_cancelled() {
                return Err(Error::Cancelled);
            }
            break;
        }
    }
    let (name, higher) = metric;
    let key = |c: &Candidate| if higher { c.mean } else { -c.mean };
    let best = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.mean.is_finite())
        .max_by(|a, b| key(a.1).total_cmp(&key(b.1)).then(b.0.cmp(&a.0)))
        .map_or(0, |(i, _)| i);
    Ok(SearchOutcome {
        kind: plan.question.kind,
        metric: name,
        higher_is_better: higher,
        folds: k,
        candidates,
        best,
    })
}

/// A search on its own thread.
pub type SearchJob = Job<SearchEvent>;

/// Starts a search on a thread named `search:<model>`, joined when dropped.
pub fn spawn(
    raw: DataFrame,
    recipe: Recipe,
    settings: ModelSettings,
    folds: usize,
    waker: Waker,
) -> Result<SearchJob> {
    let model = settings.model.map_or("auto", |m| m.cli_name());
    Job::start(
        format!("search:{model}"),
        format!("Searching settings of {model}"),
        OnDrop::CancelAndJoin,
        waker,
        move |ctx| {
            let result = catch_panic(|| {
                run(
                    &raw,
                    &recipe,
                    &settings,
                    folds,
                    &mut |e| ctx.send(e),
                    ctx.control(),
                )
            });
            // A failed send means the app dropped the job: nobody is left to tell.
            ctx.send(SearchEvent::Finished(result));
        },
    )
}
