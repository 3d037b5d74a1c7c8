//! Evaluate: score the held-out rows (or the training rows when none are held out) through the
//! model file's own `score`, and measure them. [`metrics_of`] is the one place where a question
//! picks its metrics; training, cross-validation and the search all call it.

use ndarray::{Array2, ArrayView2};
use polars::prelude::*;

use super::f64_values;
use super::plan::Prepared;
use crate::error::{Error, Result};
use crate::ml::metrics::{self, Metrics};
use crate::ml::models::{Rows, TrainedModel};
use crate::ml::saved::{SCORE, SEGMENT, SavedModel, Scored};
use crate::ml::{Answer, Question};
use crate::text::tfidf::Csr;

/// Silhouette is computed on at most this many customers (it is quadratic).
const SILHOUETTE_SAMPLE: usize = 2_000;

/// Which rows the metrics describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluatedOn {
    /// Rows held out from training: an honest estimate.
    Holdout,
    /// The training rows themselves (holdout 0): optimistic.
    Training,
    /// Every row with a target, by a model trained elsewhere (an imported LightGBM model):
    /// honest only if none of these rows were among the ones it was trained on.
    AllRows,
}

/// The evaluated rows, scored and measured.
pub struct Evaluation {
    pub evaluated_on: EvaluatedOn,
    pub metrics: Metrics,
    /// The evaluated rows with their original columns plus score / prediction / decile / segment.
    pub predictions: DataFrame,
    /// Each evaluated row's score (or segment number).
    pub scores: Vec<f64>,
    /// Truth for the evaluated rows (1/0 for yes/no, the class, the amount), in row order.
    pub truth: Vec<f64>,
    /// The evaluated rows cleaned by the recipe and encoded as features.
    pub clean: DataFrame,
    pub x: Array2<f32>,
    /// The evaluated rows' free text, sparse, for a model that reads words.
    pub words: Option<Csr>,
    /// Category values in the evaluated rows that training never saw.
    pub unseen_categories: usize,
}

/// Scores and measures the held-out rows of `prepared` (its training rows when none are held
/// out) with `saved`. Without `keep_features` the evaluated rows' features are let go once
/// measured, before the rows are scored from their table (which encodes them again), and the
/// evaluation's `x` is empty.
pub fn evaluate(
    saved: &SavedModel,
    question: &Question,
    prepared: Prepared,
    seed: u64,
    keep_features: bool,
) -> Result<Evaluation> {
    let Prepared {
        train_raw,
        hold_raw,
        train_clean,
        hold_clean,
        x,
        words,
        y,
        valid_x,
        valid_words,
        valid_y,
        ..
    } = prepared;
    let (evaluated_on, raw, truth, (x, words), clean) = match hold_clean {
        None => (EvaluatedOn::Training, train_raw, y, (x, words), train_clean),
        Some(h) => {
            // The training rows' features are not needed to score the held-out rows.
            drop((x, words, y));
            (
                EvaluatedOn::Holdout,
                hold_raw,
                valid_y,
                (valid_x, valid_words),
                h,
            )
        }
    };
    // A forest may have let go of the held-out rows' features (`train::fit`): then a yes/no or
    // an amount is measured from the rows' scores, the same numbers.
    let features_gone = x.nrows() == 0 && !truth.is_empty();
    let measured = if !features_gone {
        Some(metrics_of(
            question,
            &saved.model,
            Rows::new(x.view(), words.as_ref()),
            &truth,
            seed,
        )?)
    } else {
        None
    };
    let (x, words) = if keep_features {
        (x, words)
    } else {
        (Array2::zeros((0, x.ncols())), None)
    };
    // What training freed and these features are handed back before the scoring allocates.
    crate::memory::give_back();
    let (predictions, scores, unseen_categories) = scored(saved, &raw)?;
    let metrics = match measured {
        Some(m) => m,
        None => metrics_of_scores(question, &scores, &truth)?,
    };
    Ok(Evaluation {
        evaluated_on,
        metrics,
        predictions,
        scores,
        truth,
        clean,
        x,
        words,
        unseen_categories,
    })
}

/// Scores and measures every row of `raw` (rows of the table with its hidden row number, each
/// with a target, whose truth is `truth`) with `saved`, encoded through the model's own recipe
/// and features: how a model trained elsewhere is judged on the table at hand.
pub fn evaluate_all(
    saved: &SavedModel,
    question: &Question,
    raw: DataFrame,
    truth: Vec<f64>,
    seed: u64,
) -> Result<Evaluation> {
    let (predictions, scores, unseen_categories) = scored(saved, &raw)?;
    let clean = saved.recipe.transform(&raw)?;
    if clean.height() != raw.height() {
        return Err(Error::InvalidInput(format!(
            "the model's recipe filters out {} of the {} rows: it can't be measured row by row",
            raw.height() - clean.height(),
            raw.height()
        )));
    }
    let m = saved.features.matrix(&clean)?;
    let metrics = metrics_of(question, &saved.model, m.rows(), &truth, seed)?;
    Ok(Evaluation {
        evaluated_on: EvaluatedOn::AllRows,
        metrics,
        predictions,
        scores,
        truth,
        clean,
        x: m.x,
        words: m.words,
        unseen_categories,
    })
}

/// `raw` scored through the very function `score` uses (so a saved model reproduces these
/// rows), each row's score (or segment number), and the category values it had not seen.
fn scored(saved: &SavedModel, raw: &DataFrame) -> Result<(DataFrame, Vec<f64>, usize)> {
    let Scored {
        frame: predictions,
        unseen_categories,
        ..
    } = saved.score(raw)?;
    let scores: Vec<f64> = f64_values(
        predictions
            .column(SCORE)
            .or_else(|_| predictions.column(SEGMENT))?,
    )?
    .into_iter()
    .map(|v| v.unwrap_or(f64::NAN))
    .collect();
    Ok((predictions, scores, unseen_categories))
}

/// The metrics of `model` on the rows `x` whose truth is `truth`, as the question asks for.
pub fn metrics_of(
    question: &Question,
    model: &TrainedModel,
    x: Rows,
    truth: &[f64],
    seed: u64,
) -> Result<Metrics> {
    Ok(match question.answer() {
        Answer::SeveralClasses => {
            let probs = model.predict_proba(x)?;
            let classes: Vec<usize> = truth.iter().map(|&v| v as usize).collect();
            Metrics::Multiclass(metrics::multiclass(
                probs.as_slice().unwrap_or(&[]),
                &classes,
                &question.labels,
            ))
        }
        Answer::YesNo => {
            let labels: Vec<bool> = truth.iter().map(|&v| v > 0.5).collect();
            Metrics::Classification(metrics::classification(&model.predict(x)?, &labels, 0.5))
        }
        Answer::Amount => Metrics::Regression(metrics::regression(&model.predict(x)?, truth)),
        Answer::Segment => segment_metrics(model, x.dense_only()?, seed)?,
    })
}

/// The metrics of a yes/no or an amount from the evaluated rows' scores (the features gone).
fn metrics_of_scores(question: &Question, scores: &[f64], truth: &[f64]) -> Result<Metrics> {
    if scores.len() != truth.len() {
        return Err(Error::Model(format!(
            "{} scores for {} evaluated rows",
            scores.len(),
            truth.len()
        )));
    }
    Ok(match question.answer() {
        Answer::YesNo => {
            let labels: Vec<bool> = truth.iter().map(|&v| v > 0.5).collect();
            Metrics::Classification(metrics::classification(scores, &labels, 0.5))
        }
        Answer::Amount => Metrics::Regression(metrics::regression(scores, truth)),
        Answer::SeveralClasses | Answer::Segment => {
            return Err(Error::Model(
                "the evaluated rows' features were let go before they were measured".into(),
            ));
        }
    })
}

fn segment_metrics(model: &TrainedModel, x: ArrayView2<f32>, seed: u64) -> Result<Metrics> {
    let Some(centres) = model.centres() else {
        return Err(Error::Model("segments without centres".into()));
    };
    let k = centres.len();
    let labels: Vec<usize> = model.predict(x)?.iter().map(|&s| s as usize).collect();
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
    let flat: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
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
                        .map(|(&a, b)| (f64::from(a) - b).powi(2))
                        .sum::<f64>()
                })
            })
            .sum::<f64>()
            / n.max(1) as f64,
        silhouette: metrics::silhouette(&flat, x.ncols(), &labels, &sample),
        sizes,
    }))
}
