//! Insights: what the app shows beyond the metrics, one variant per question — for a yes/no the
//! ranked customers, the ROC curve and every loaded customer scored (the targeting calculator's
//! population); for amounts the fit scatter and the residuals; for segments the k sweep, the
//! customer map and the segment cards; and for every question with a target, what matters
//! (permutation importance) and the linear weights. The caller passes the sizes its screen needs.

use ndarray::ArrayView2;
use polars::prelude::*;

use super::evaluate::Evaluation;
use super::f64_values;
use crate::data::profile::Histogram;
use crate::error::Result;
use crate::ml::importance::{self, Importance};
use crate::ml::metrics;
use crate::ml::saved::{SCORE, SavedModel};
use crate::ml::segments::{self, KPoint, SegmentReport};
use crate::ml::targeting::Ranking;
use crate::ml::{Answer, Question};

/// How much of each curve and map the caller's screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// The ROC curve is thinned to about this many points.
    pub roc_points: usize,
    /// Points in the predicted-against-actual scatter.
    pub scatter_points: usize,
    /// Customers drawn on the segment map as points.
    pub map_points: usize,
    /// The segment map's density grid, in cells (width, height).
    pub map_cells: (usize, usize),
}

/// What matters for a model with a target.
#[derive(Clone, Debug, Default)]
pub struct Explanation {
    /// Permutation importance of each input column on the evaluated rows, most important first.
    pub importance: Vec<Importance>,
    /// Linear models: each feature's weight (standardised units), largest first.
    pub coefficients: Vec<(String, f64)>,
    /// Models with free-text inputs: the drop in quality when one term is shuffled, for the
    /// most common terms (`column:term`), most important first.
    pub words: Vec<Importance>,
}

/// A yes/no model's insights.
pub struct YesNoInsights {
    /// The evaluated customers ranked by score with their outcomes.
    pub ranking: Ranking,
    /// ROC curve points (false positive rate, true positive rate).
    pub roc: Vec<[f64; 2]>,
    /// Every loaded customer scored (what the targeting calculator picks from).
    pub population: DataFrame,
    /// The population's scores, highest first.
    pub population_scores: Vec<f64>,
    pub explanation: Explanation,
}

/// An amount model's insights.
pub struct AmountInsights {
    /// (actual, predicted) for evaluated customers, thinned to the caller's size.
    pub scatter: Vec<[f64; 2]>,
    /// The residuals (predicted − actual) of the evaluated customers.
    pub residuals: Option<Histogram>,
    pub explanation: Explanation,
}

/// What the app shows beyond the metrics, per question.
pub enum Insights {
    YesNo(YesNoInsights),
    SeveralClasses(Explanation),
    Amount(AmountInsights),
    Segments(SegmentReport),
}

impl Insights {
    /// What matters, for questions with a target.
    pub fn explanation(&self) -> Option<&Explanation> {
        match self {
            Self::YesNo(i) => Some(&i.explanation),
            Self::SeveralClasses(e) => Some(e),
            Self::Amount(i) => Some(&i.explanation),
            Self::Segments(_) => None,
        }
    }
}

/// The k sweep before segments: inertia and silhouette for k = 2..10, each sent as it comes.
pub fn sweep(
    x: ArrayView2<f32>,
    seed: u64,
    is_cancelled: &dyn Fn() -> bool,
    on_point: &mut dyn FnMut(KPoint),
) -> Result<Option<Vec<KPoint>>> {
    let mut points = Vec::new();
    for k in segments::SWEEP_KS {
        if is_cancelled() {
            return Ok(None);
        }
        if let Some(point) = segments::sweep_point(x, k, seed)? {
            on_point(point);
            points.push(point);
        }
    }
    Ok(Some(points))
}

/// The table everyone is scored on, and the question's insights.
pub struct Inputs<'a> {
    pub question: &'a Question,
    pub saved: &'a SavedModel,
    pub evaluation: &'a Evaluation,
    /// Every loaded customer (with the hidden row number).
    pub everyone: &'a DataFrame,
    /// The k sweep (segments).
    pub sweep: Vec<KPoint>,
    pub seed: u64,
}

/// Builds the question's insights.
pub fn build(inputs: Inputs<'_>, sizes: Sizes) -> Result<Insights> {
    let Inputs {
        question,
        saved,
        evaluation: e,
        everyone,
        sweep,
        seed,
    } = inputs;
    let explanation = || -> Result<Explanation> {
        Ok(Explanation {
            importance: importance::permutation(
                &saved.features,
                &saved.model,
                (question.task, question.class_count()),
                &e.clean,
                &e.truth,
                seed,
            )?,
            coefficients: importance::coefficients(&saved.features, &saved.model),
            words: importance::words(
                &saved.features,
                &saved.model,
                (question.task, question.class_count()),
                &e.clean,
                &e.truth,
                seed,
            )?,
        })
    };
    Ok(match question.answer() {
        Answer::YesNo => {
            let labels: Vec<bool> = e.truth.iter().map(|&v| v > 0.5).collect();
            let ranking = Ranking::new(&e.scores, &labels);
            let population = saved.score(everyone)?.frame;
            let mut population_scores: Vec<f64> = f64_values(population.column(SCORE)?)?
                .into_iter()
                .map(|v| v.unwrap_or(0.0))
                .collect();
            population_scores.sort_unstable_by(|a, b| b.total_cmp(a));
            let all = metrics::roc_points(&e.scores, &labels);
            let stride = all.len().div_ceil(sizes.roc_points.max(1)).max(1);
            let mut roc: Vec<[f64; 2]> = all.iter().step_by(stride).copied().collect();
            if let Some(last) = all.last()
                && roc.last() != Some(last)
            {
                roc.push(*last);
            }
            Insights::YesNo(YesNoInsights {
                ranking,
                roc,
                population,
                population_scores,
                explanation: explanation()?,
            })
        }
        Answer::SeveralClasses => Insights::SeveralClasses(explanation()?),
        Answer::Amount => {
            let stride = e.scores.len().div_ceil(sizes.scatter_points.max(1)).max(1);
            let scatter = e
                .truth
                .iter()
                .zip(&e.scores)
                .step_by(stride)
                .map(|(&a, &p)| [a, p])
                .collect();
            let res: Vec<f64> = e.scores.iter().zip(&e.truth).map(|(p, a)| p - a).collect();
            let (lo, hi) = res
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            let residuals = (lo.is_finite() && hi.is_finite())
                .then(|| crate::data::profile::histogram(&res, lo, hi));
            Insights::Amount(AmountInsights {
                scatter,
                residuals,
                explanation: explanation()?,
            })
        }
        Answer::Segment => {
            let k = saved.model.segments().unwrap_or(0);
            let labels: Vec<u32> = e.scores.iter().map(|&s| s as u32).collect();
            let report = segments::report(
                &e.predictions,
                e.x.view(),
                &labels,
                k,
                sweep,
                (seed, sizes.map_points),
            )?;
            // The map shows every loaded customer, not only the evaluated ones.
            let cleaned = saved.recipe.transform(everyone)?;
            let x_all = saved.features.matrix(&cleaned)?.x;
            let segments_all: Vec<u32> = saved
                .model
                .predict(x_all.view())?
                .into_iter()
                .map(|s| s as u32 + 1)
                .collect();
            Insights::Segments(report.with_density(x_all.view(), &segments_all, sizes.map_cells))
        }
    })
}
