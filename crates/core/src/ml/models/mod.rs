//! The model families behind one interface: train on a feature matrix while reporting steps
//! that mean something (iterations, splits, trees, rounds, epochs, rows seen), then predict from
//! the fitted parameters alone.

pub mod bayes;
pub mod boosting;
pub mod forest;
pub mod gmm;
pub mod kmeans;
pub mod linear;
pub mod logistic;
pub mod mlp;
pub mod optim;
pub mod params;
pub mod svm;
pub mod tree;
pub mod trees;

use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

pub use super::question::Answer;
use crate::error::{Error, Result};
use crate::ml::metrics;
use crate::text::tfidf::Csr;
pub use params::{Hyperparams, ParamSpec};

/// What a model is asked to predict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// A yes/no outcome (campaign response, churn).
    Classification,
    /// An amount (spend next quarter).
    Regression,
    /// Groups of similar customers, no target.
    Segments,
}

impl Task {
    pub const ALL: [Self; 3] = [Self::Classification, Self::Regression, Self::Segments];

    /// The marketer's words for the task.
    pub fn label(self) -> &'static str {
        match self {
            Self::Classification => "Predict a yes/no or a category",
            Self::Regression => "Predict an amount",
            Self::Segments => "Find segments",
        }
    }

    /// The name the CLI takes.
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Classification => "classification",
            Self::Regression => "regression",
            Self::Segments => "segments",
        }
    }

    /// The model a marketer who changes nothing gets.
    pub fn default_model(self) -> ModelKind {
        match self {
            Self::Classification => ModelKind::Logistic,
            Self::Regression => ModelKind::Linear,
            Self::Segments => ModelKind::KMeans,
        }
    }

    /// The loss the training curve shows, and the holdout metric beside it.
    pub fn curve_names(self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::Classification => ("log loss", Some("validation AUC")),
            Self::Regression => ("mean squared error", Some("validation RMSE")),
            Self::Segments => ("inertia (mean squared distance)", None),
        }
    }
}

/// A model family, by its CLI name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    Logistic,
    Linear,
    Tree,
    Forest,
    Boosting,
    Svm,
    NaiveBayes,
    Mlp,
    #[serde(rename = "kmeans")]
    KMeans,
    Gmm,
}

impl ModelKind {
    pub const ALL: [Self; 10] = [
        Self::Logistic,
        Self::Linear,
        Self::Tree,
        Self::Forest,
        Self::Boosting,
        Self::Svm,
        Self::NaiveBayes,
        Self::Mlp,
        Self::KMeans,
        Self::Gmm,
    ];

    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Logistic => "logistic",
            Self::Linear => "linear",
            Self::Tree => "tree",
            Self::Forest => "forest",
            Self::Boosting => "boosting",
            Self::Svm => "svm",
            Self::NaiveBayes => "naive-bayes",
            Self::Mlp => "mlp",
            Self::KMeans => "kmeans",
            Self::Gmm => "gmm",
        }
    }

    pub fn from_cli_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.cli_name() == name)
    }

    /// The name shown in the GUI.
    pub fn label(self) -> &'static str {
        match self {
            Self::Logistic => "Logistic regression",
            Self::Linear => "Linear regression",
            Self::Tree => "Decision tree",
            Self::Forest => "Random forest",
            Self::Boosting => "Gradient boosting",
            Self::Svm => "Support vector machine",
            Self::NaiveBayes => "Naive Bayes",
            Self::Mlp => "Neural network (MLP)",
            Self::KMeans => "k-means",
            Self::Gmm => "Gaussian mixture",
        }
    }

    /// A one-line explanation for a marketer.
    pub fn help(self) -> &'static str {
        match self {
            Self::Logistic => {
                "Scores each customer with a weighted sum of their features; fast, robust, easy to explain."
            }
            Self::Linear => {
                "Predicts an amount as a weighted sum of the features; with a penalty it becomes ridge, lasso or elastic net."
            }
            Self::Tree => {
                "A short list of yes/no questions about a customer; easy to read, rarely the most accurate."
            }
            Self::Forest => {
                "Many trees, each grown on a resample of customers, vote; robust with little tuning."
            }
            Self::Boosting => {
                "Small trees added one after another, each fixing the last one's errors; usually the most accurate on customer tables."
            }
            Self::Svm => {
                "Finds the widest boundary between responders and the rest; slow on big tables, so it trains on a sample."
            }
            Self::NaiveBayes => {
                "Combines how each column alone separates the groups; very fast, a good baseline."
            }
            Self::Mlp => {
                "A small neural network; can find interactions between columns, needs more rows and time."
            }
            Self::KMeans => {
                "Groups customers around k centres so that each group is as tight as possible."
            }
            Self::Gmm => {
                "Groups customers into k groups that may differ in size and spread; slower than k-means, and each customer gets a probability per group."
            }
        }
    }

    /// What this model's training steps are (a plural noun: "rounds"), for the curve's axis
    /// and the progress text. k-means and the mixture with several starts step by start.
    pub fn step_unit(self, params: &Hyperparams) -> &'static str {
        match self {
            Self::KMeans if params.kmeans.starts > 1 => "starts (each run to convergence)",
            Self::Gmm if params.gmm.starts > 1 => "starts (each run to convergence)",
            Self::Logistic | Self::KMeans | Self::Gmm => "iterations",
            Self::Linear | Self::NaiveBayes => "tenths of the customers seen",
            Self::Tree => "splits",
            Self::Forest => "trees",
            Self::Boosting => "rounds",
            Self::Svm => "sample stages (1/8, 1/4, 1/2, all)",
            Self::Mlp => "epochs",
        }
    }

    /// Whether this build can train it.
    pub fn is_available(self) -> bool {
        true
    }

    /// Whether it reads free text as the whole vocabulary stored sparse ([`Rows::words`]):
    /// the linear models, which train by gradient on it. The others read the most frequent
    /// terms as dense features.
    pub fn reads_words(self) -> bool {
        matches!(self, Self::Logistic | Self::Linear)
    }

    /// The most steps a run with `params` takes (for the progress bar).
    pub fn planned_steps(self, params: &Hyperparams) -> usize {
        let n = match self {
            Self::Logistic => params.logistic.max_iterations,
            Self::Linear | Self::NaiveBayes => linear::CHUNKS,
            Self::Tree => params.tree.max_leaves.saturating_sub(1),
            Self::Forest => params.forest.trees,
            Self::Boosting => params.boosting.rounds,
            Self::Svm => svm::STAGES,
            Self::Mlp => params.mlp.epochs,
            Self::KMeans if params.kmeans.starts > 1 => params.kmeans.starts,
            Self::KMeans => params.kmeans.max_iterations,
            Self::Gmm if params.gmm.starts > 1 => params.gmm.starts,
            Self::Gmm => params.gmm.max_iterations,
        };
        n.max(1)
    }
}

/// What the watcher of a training run wants after each step (the worker pattern's own type).
pub use crate::jobs::Control;

/// What a model reports after each step of training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// 1-based step number.
    pub step: usize,
    /// The most steps this run will take.
    pub total_steps: usize,
    /// Loss on the training rows (log loss, mean squared error, or inertia).
    pub train_loss: f64,
    /// The same loss on the holdout rows, when there are any.
    pub valid_loss: Option<f64>,
    /// The task's headline metric on the holdout rows (AUC for yes/no, RMSE for amounts)
    /// when there are any.
    pub valid_metric: Option<f64>,
}

/// Called after every step; its answer says whether to go on.
pub type Reporter<'a> = dyn FnMut(StepReport) -> Control + 'a;

/// Reports `r`; `Ok(true)` to go on, `Ok(false)` to stop and keep the best, or `Cancelled`.
pub fn ask(report: &mut Reporter, r: StepReport) -> Result<bool> {
    match report(r) {
        Control::Continue => Ok(true),
        Control::Stop => Ok(false),
        Control::Cancel => Err(Error::Cancelled),
    }
}

/// The rows a model reads: dense features (standardised, no missing values), then, for models
/// that [read words](ModelKind::reads_words), the TF-IDF weights of free text over the whole
/// vocabulary, stored sparse. Feature `j` is dense column `j` below `dense.ncols()`, and sparse
/// column `j − dense.ncols()` from there.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    pub dense: ArrayView2<'a, f32>,
    pub words: Option<&'a Csr>,
}

impl<'a> From<ArrayView2<'a, f32>> for Rows<'a> {
    fn from(dense: ArrayView2<'a, f32>) -> Self {
        Self { dense, words: None }
    }
}

impl<'a> Rows<'a> {
    pub fn new(dense: ArrayView2<'a, f32>, words: Option<&'a Csr>) -> Self {
        Self { dense, words }
    }

    pub fn nrows(&self) -> usize {
        self.dense.nrows()
    }

    /// Dense and sparse features together.
    pub fn ncols(&self) -> usize {
        self.dense.ncols() + self.words.map_or(0, |w| w.cols)
    }

    /// Row `i` times `w` (which has [`Rows::ncols`] entries or more): the dense part summed
    /// in column order, then the row's sparse entries.
    #[inline]
    pub fn dot(&self, i: usize, w: &[f64]) -> f64 {
        let d = self.dense.ncols();
        let mut s = self
            .dense
            .row(i)
            .iter()
            .zip(w)
            .map(|(&a, b)| f64::from(a) * b)
            .sum::<f64>();
        if let Some(m) = self.words {
            let (cols, values) = m.row(i);
            let ws = &w[d..];
            for (&k, &v) in cols.iter().zip(values) {
                s += f64::from(v) * ws[k as usize];
            }
        }
        s
    }

    /// `g += r · row i`.
    #[inline]
    pub fn add_to(&self, i: usize, r: f64, g: &mut [f64]) {
        let d = self.dense.ncols();
        for (gj, xj) in g.iter_mut().zip(self.dense.row(i).iter()) {
            *gj += r * f64::from(*xj);
        }
        if let Some(m) = self.words {
            let (cols, values) = m.row(i);
            let gs = &mut g[d..];
            for (&k, &v) in cols.iter().zip(values) {
                gs[k as usize] += r * f64::from(v);
            }
        }
    }

    /// The dense features, for a model that reads nothing else.
    pub fn dense_only(&self) -> Result<ArrayView2<'a, f32>> {
        match self.words {
            None => Ok(self.dense),
            Some(_) => Err(Error::Model(
                "this model reads free text as its most frequent terms, not the whole vocabulary"
                    .into(),
            )),
        }
    }

    /// Checks that the sparse part has a row for every dense row.
    fn check(&self) -> Result<()> {
        match self.words {
            Some(w) if w.rows != self.dense.nrows() || w.indptr.len() != w.rows + 1 => {
                Err(Error::Model(format!(
                    "the text features have {} rows for {} rows of data",
                    w.rows,
                    self.dense.nrows()
                )))
            }
            _ => Ok(()),
        }
    }
}

/// Rows for training and for watching the holdout. Features are standardised (mean 0, sd 1 on
/// the training rows) and have no missing values.
pub struct TrainData<'a> {
    pub x: ArrayView2<'a, f32>,
    /// Free text over the whole vocabulary, sparse, for models that [read
    /// words](ModelKind::reads_words) (see [`Rows`]).
    pub words: Option<&'a Csr>,
    pub valid_words: Option<&'a Csr>,
    /// Target: 1.0 / 0.0 for yes/no; the class index (0..classes) for several classes; the
    /// amount for regression; empty for segments.
    pub y: &'a [f64],
    /// Per-row weights (to give rare responders more weight); None = all 1.
    pub weights: Option<&'a [f64]>,
    pub valid_x: ArrayView2<'a, f32>,
    pub valid_y: &'a [f64],
    /// 2 for yes/no, K > 2 for several classes, 0 for an amount or segments.
    pub classes: usize,
}

impl<'a> TrainData<'a> {
    /// The same rows with the training and held-out features `x` and `valid_x` (kept for less
    /// long).
    pub fn with_features<'b>(
        &self,
        x: ArrayView2<'b, f32>,
        valid_x: ArrayView2<'b, f32>,
    ) -> TrainData<'b>
    where
        'a: 'b,
    {
        TrainData {
            x,
            words: self.words,
            valid_words: self.valid_words,
            y: self.y,
            weights: self.weights,
            valid_x,
            valid_y: self.valid_y,
            classes: self.classes,
        }
    }

    /// The training rows, dense and sparse.
    pub fn rows(&self) -> Rows<'a> {
        Rows::new(self.x, self.words)
    }

    /// The holdout rows, dense and sparse.
    pub fn valid_rows(&self) -> Rows<'a> {
        Rows::new(self.valid_x, self.valid_words)
    }

    /// Every feature, dense and sparse.
    pub fn ncols(&self) -> usize {
        self.rows().ncols()
    }

    /// The weight of training row `i`.
    pub fn weight(&self, i: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[i])
    }

    pub fn is_classification(&self) -> bool {
        self.classes >= 2
    }

    /// Several classes (not a yes/no).
    pub fn is_multiclass(&self) -> bool {
        self.classes > 2
    }
}

/// The live curve measures losses and the metric on at most this many training and holdout
/// rows (a seeded sample), so watching costs little next to learning (an AUC's standard error
/// on 20,000 rows is about 0.005).
pub const CURVE_ROWS: usize = 20_000;

/// Turns predictions into step reports, on samples of the training and holdout rows.
pub struct Watch<'a> {
    y: &'a [f64],
    valid_y: &'a [f64],
    classification: bool,
    classes: usize,
    /// The training rows the curve is measured on.
    pub train_rows: Vec<usize>,
    /// The holdout rows the curve is measured on.
    pub valid_rows: Vec<usize>,
}

fn curve_sample(n: usize, limit: usize, seed: u64) -> Vec<usize> {
    if n <= limit {
        return (0..n).collect();
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xc0_7e);
    let mut rows = sample(&mut rng, n, limit).into_vec();
    rows.sort_unstable();
    rows
}

impl<'a> Watch<'a> {
    pub fn new(data: &'a TrainData, seed: u64) -> Self {
        Self::with_limit(data, seed, CURVE_ROWS)
    }

    /// Measures on at most `limit` rows of each side (for models slow to predict).
    pub fn with_limit(data: &'a TrainData, seed: u64, limit: usize) -> Self {
        Self::for_rows(data, (data.x.nrows(), data.valid_x.nrows()), seed, limit)
    }

    /// [`Watch::with_limit`] for a model that kept its training and held-out rows in another
    /// form than `data.x` and `data.valid_x` (which may be empty): `rows` of each.
    pub fn for_rows(data: &'a TrainData, rows: (usize, usize), seed: u64, limit: usize) -> Self {
        Self {
            y: data.y,
            valid_y: data.valid_y,
            classification: data.is_classification(),
            classes: data.classes,
            train_rows: curve_sample(rows.0, limit, seed),
            valid_rows: curve_sample(rows.1, limit, seed ^ 1),
        }
    }

    /// A report from predictions (probabilities or amounts) of the sampled rows, in the order
    /// of [`Watch::train_rows`] and [`Watch::valid_rows`].
    pub fn report(
        &self,
        step: usize,
        total_steps: usize,
        train: &[f64],
        valid: &[f64],
    ) -> StepReport {
        let (train_loss, _) = self.measure(&self.train_rows, self.y, train);
        let (valid_loss, valid_metric) = if self.valid_rows.is_empty() {
            (None, None)
        } else {
            let (l, m) = self.measure(&self.valid_rows, self.valid_y, valid);
            (Some(l), Some(m))
        };
        StepReport {
            step,
            total_steps,
            train_loss,
            valid_loss,
            valid_metric,
        }
    }

    /// (loss, metric) of predictions `p` of `rows` whose truth is in `y`.
    fn measure(&self, rows: &[usize], y: &[f64], p: &[f64]) -> (f64, f64) {
        if self.classification {
            let labels: Vec<bool> = rows.iter().map(|&r| y[r] > 0.5).collect();
            (metrics::log_loss(p, &labels), metrics::auc(p, &labels))
        } else {
            let truth: Vec<f64> = rows.iter().map(|&r| y[r]).collect();
            let mse = p
                .iter()
                .zip(&truth)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                / truth.len().max(1) as f64;
            (mse, mse.sqrt())
        }
    }

    /// A report from class probabilities of the sampled rows (rows × classes, row-major):
    /// log loss, and accuracy as the holdout metric.
    pub fn report_probs(
        &self,
        step: usize,
        total_steps: usize,
        train: &[f64],
        valid: &[f64],
    ) -> StepReport {
        let k = self.classes.max(1);
        let measure = |rows: &[usize], y: &[f64], p: &[f64]| -> (f64, f64) {
            let (mut loss, mut right) = (0.0, 0usize);
            for (probs, &r) in p.chunks_exact(k).zip(rows) {
                let actual = y[r] as usize;
                loss -= probs
                    .get(actual)
                    .copied()
                    .unwrap_or(0.0)
                    .clamp(1e-15, 1.0)
                    .ln();
                right += usize::from(metrics::argmax(probs) == actual);
            }
            let n = rows.len().max(1) as f64;
            (loss / n, right as f64 / n)
        };
        let (train_loss, _) = measure(&self.train_rows, self.y, train);
        let (valid_loss, valid_metric) = if self.valid_rows.is_empty() {
            (None, None)
        } else {
            let (l, a) = measure(&self.valid_rows, self.valid_y, valid);
            (Some(l), Some(a))
        };
        StepReport {
            step,
            total_steps,
            train_loss,
            valid_loss,
            valid_metric,
        }
    }

    /// A report from full prediction vectors (every training row, every holdout row).
    pub fn report_full(
        &self,
        step: usize,
        total_steps: usize,
        train: &[f64],
        valid: &[f64],
    ) -> StepReport {
        let t: Vec<f64> = self.train_rows.iter().map(|&r| train[r]).collect();
        let v: Vec<f64> = self.valid_rows.iter().map(|&r| valid[r]).collect();
        self.report(step, total_steps, &t, &v)
    }
}

/// The step with the lowest holdout loss so far (training loss without a holdout).
#[derive(Clone, Copy, Debug, Default)]
pub struct Best {
    /// The best step (0 before any).
    pub step: usize,
    loss: f64,
}

impl Best {
    /// Takes a step's report; true when it is the new best.
    pub fn offer(&mut self, r: &StepReport) -> bool {
        let loss = r.valid_loss.unwrap_or(r.train_loss);
        if self.step == 0 || loss < self.loss || (loss.is_nan() && self.loss.is_nan()) {
            self.step = r.step;
            self.loss = loss;
            true
        } else {
            false
        }
    }

    /// Steps since the best one, at step `now`.
    pub fn since(&self, now: usize) -> usize {
        now.saturating_sub(self.step)
    }
}

/// A trained model: only its fitted parameters, so the file stays small and stable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum TrainedModel {
    /// P(positive) = sigmoid(x·weights + intercept).
    Logistic {
        weights: Vec<f64>,
        intercept: f64,
    },
    /// Several classes: P(class k) = softmax(x·weights[k] + intercepts[k]).
    Multinomial {
        weights: Vec<Vec<f64>>,
        intercepts: Vec<f64>,
    },
    /// amount = x·weights + intercept.
    Linear {
        weights: Vec<f64>,
        intercept: f64,
    },
    /// Each row goes to its nearest centroid.
    KMeans {
        centroids: Vec<Vec<f64>>,
    },
    /// Each row goes to the segment most likely to have produced it.
    Gmm(gmm::Gmm),
    /// One decision tree: the leaf's share of "yes" (or mean amount).
    DecisionTree(tree::DecisionTree),
    /// The mean of many trees' leaf values.
    Forest(forest::Forest),
    /// A base score plus every round's tree (through the logistic function for yes/no).
    Boosting(boosting::Boosting),
    Svm(svm::SvmModel),
    NaiveBayes(bayes::NaiveBayes),
    Mlp(mlp::MlpModel),
}

impl TrainedModel {
    /// One number per row: probability, amount, or segment number (0-based).
    pub fn predict<'a>(&self, rows: impl Into<Rows<'a>>) -> Result<Vec<f64>> {
        let rows: Rows = rows.into();
        rows.check()?;
        let width = |w: usize| {
            if rows.ncols() == w {
                Ok(())
            } else {
                Err(Error::Model(format!(
                    "the model takes {w} features, the data gives {}",
                    rows.ncols()
                )))
            }
        };
        match self {
            Self::Logistic { weights, intercept } => {
                width(weights.len())?;
                Ok(linear_scores(rows, weights, *intercept)
                    .into_iter()
                    .map(logistic::sigmoid)
                    .collect())
            }
            Self::Linear { weights, intercept } => {
                width(weights.len())?;
                Ok(linear_scores(rows, weights, *intercept))
            }
            Self::Multinomial { .. } => Ok(most_likely(&self.predict_proba(rows)?)),
            Self::KMeans { centroids } => {
                width(centroids.first().map_or(0, Vec::len))?;
                if centroids.iter().any(|c| c.len() != rows.ncols()) {
                    return Err(Error::Model(
                        "the model's centroids differ in length".into(),
                    ));
                }
                Ok(kmeans::assign(rows.dense_only()?, centroids)
                    .into_iter()
                    .map(|(c, _)| c as f64)
                    .collect())
            }
            Self::DecisionTree(m) => m.predict(rows.dense_only()?),
            Self::Forest(m) => m.predict(rows.dense_only()?),
            Self::Boosting(m) => m.predict(rows.dense_only()?),
            Self::Svm(m) => m.predict(rows.dense_only()?),
            Self::NaiveBayes(m) => m.predict(rows.dense_only()?),
            Self::Mlp(m) => m.predict(rows.dense_only()?),
            Self::Gmm(m) => m.predict(rows.dense_only()?),
        }
    }

    /// Class probabilities, rows × classes: for a yes/no model `[P(no), P(yes)]`.
    pub fn predict_proba<'a>(&self, rows: impl Into<Rows<'a>>) -> Result<Array2<f64>> {
        let rows: Rows = rows.into();
        rows.check()?;
        match self {
            Self::Multinomial {
                weights,
                intercepts,
            } => {
                let k = weights.len();
                if k < 2 || intercepts.len() != k || weights.iter().any(|w| w.len() != rows.ncols())
                {
                    return Err(Error::Model(format!(
                        "the model takes {} features, the data gives {}",
                        weights.first().map_or(0, Vec::len),
                        rows.ncols()
                    )));
                }
                let mut out = Array2::zeros((rows.nrows(), k));
                for (i, mut o) in out.rows_mut().into_iter().enumerate() {
                    for c in 0..k {
                        o[c] = rows.dot(i, &weights[c]) + intercepts[c];
                    }
                    let top = o.fold(f64::NEG_INFINITY, |m, v| m.max(*v));
                    o.mapv_inplace(|v| (v - top).exp());
                    let sum = o.sum();
                    o.mapv_inplace(|v| v / sum);
                }
                Ok(out)
            }
            Self::Boosting(m) => m.predict_proba(rows.dense_only()?),
            Self::NaiveBayes(m) => m.predict_proba(rows.dense_only()?),
            Self::Mlp(m) => m.predict_proba(rows.dense_only()?),
            Self::Linear { .. } | Self::KMeans { .. } | Self::Gmm(_) => {
                Err(Error::Model("this model does not predict classes".into()))
            }
            _ => {
                let p = self.predict(rows)?;
                let mut out = Array2::zeros((p.len(), 2));
                for (i, v) in p.into_iter().enumerate() {
                    out[[i, 0]] = 1.0 - v;
                    out[[i, 1]] = v;
                }
                Ok(out)
            }
        }
    }

    /// The number of segments of a segmentation model.
    pub fn segments(&self) -> Option<usize> {
        match self {
            Self::KMeans { centroids } => Some(centroids.len()),
            Self::Gmm(m) => Some(m.means.len()),
            _ => None,
        }
    }

    /// The centre of each segment of a segmentation model.
    pub fn centres(&self) -> Option<&[Vec<f64>]> {
        match self {
            Self::KMeans { centroids } => Some(centroids),
            Self::Gmm(m) => Some(&m.means),
            _ => None,
        }
    }
}

/// Each row's largest probability.
pub fn most_likely(probs: &Array2<f64>) -> Vec<f64> {
    probs
        .rows()
        .into_iter()
        .map(|r| r.fold(0.0f64, |m, v| m.max(*v)))
        .collect()
}

fn linear_scores(rows: Rows, weights: &[f64], intercept: f64) -> Vec<f64> {
    use rayon::prelude::*;
    (0..rows.nrows())
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| rows.dot(i, weights) + intercept)
        .collect()
}

/// Test hook: while set, model code panics as it starts, so tests can check that a bug in a
/// model is caught, reported and survived. The app never sets it.
#[doc(hidden)]
pub static PANIC_FOR_TESTS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Trains `kind` on `data`, calling `report` after every step.
pub fn train(
    kind: ModelKind,
    params: &Hyperparams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    check_training(kind, data)?;
    match kind {
        ModelKind::Logistic => logistic::train(&params.logistic, data, seed, report),
        ModelKind::Linear => linear::train(&params.linear, data, seed, report),
        ModelKind::KMeans => kmeans::train(&params.kmeans, data, seed, report),
        ModelKind::Gmm => gmm::train(&params.gmm, data, seed, report),
        ModelKind::Tree => {
            tree::train(&params.tree, data, seed, report).map(TrainedModel::DecisionTree)
        }
        ModelKind::Forest => {
            forest::train(&params.forest, data, seed, report).map(TrainedModel::Forest)
        }
        ModelKind::Boosting => {
            boosting::train(&params.boosting, data, seed, report).map(TrainedModel::Boosting)
        }
        ModelKind::Svm => svm::train(&params.svm, data, seed, report).map(TrainedModel::Svm),
        ModelKind::NaiveBayes => {
            bayes::train(&params.naive_bayes, data, seed, report).map(TrainedModel::NaiveBayes)
        }
        ModelKind::Mlp => mlp::train(&params.mlp, data, seed, report).map(TrainedModel::Mlp),
    }
}

/// The features a caller hands to [`train_letting_go`]: the training rows' and the held-out
/// rows', and whether the held-out ones may go too.
pub struct Features {
    pub x: Array2<f32>,
    pub valid_x: Array2<f32>,
    pub valid_x_may_go: bool,
}

/// [`train`] for a caller that needs the features no more once the model is fitted: they are
/// in `features`, the rest of the data is `rest` (whose own features are not read). A forest
/// reads bins and its curve's rows: `features.x` (and `valid_x` when it may go) are emptied
/// once those are made, before its trees grow (1M customers: 354 -> 230 MiB peak). Every other
/// learner reads the features as [`train`] does, and they stay.
pub fn train_letting_go(
    kind: ModelKind,
    params: &Hyperparams,
    features: &mut Features,
    rest: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    let Features {
        x,
        valid_x,
        valid_x_may_go,
    } = features;
    let data = rest.with_features(x.view(), valid_x.view());
    if kind != ModelKind::Forest {
        return train(kind, params, &data, seed, report);
    }
    check_training(kind, &data)?;
    let rows = forest::ForestRows::of(&data, seed);
    *x = Array2::zeros((0, x.ncols()));
    if *valid_x_may_go {
        *valid_x = Array2::zeros((0, valid_x.ncols()));
    }
    crate::memory::give_back();
    let data = rest.with_features(x.view(), valid_x.view());
    forest::train_binned(&params.forest, &rows, &data, seed, report).map(TrainedModel::Forest)
}

/// What every learner refuses before it starts.
fn check_training(kind: ModelKind, data: &TrainData) -> Result<()> {
    if PANIC_FOR_TESTS.load(std::sync::atomic::Ordering::Relaxed) {
        panic!("a bug in model code (test hook)");
    }
    if data.x.nrows() == 0 {
        return Err(Error::InvalidInput("there are no training rows".into()));
    }
    if data.words.is_some() && !kind.reads_words() {
        return Err(Error::Model(format!(
            "{} reads free text as its most frequent terms, not the whole vocabulary",
            kind.label()
        )));
    }
    data.rows().check()?;
    data.valid_rows().check()?;
    if data.is_multiclass() && !kind.can_answer(Answer::SeveralClasses) {
        return Err(Error::InvalidInput(Answer::SeveralClasses.refusal(kind)));
    }
    Ok(())
}

/// An empty matrix with `cols` columns (for "no holdout").
/// The variance of a column of features (over its rows, about their mean), in double
/// precision.
pub fn variance(col: ndarray::ArrayView1<f32>) -> f64 {
    let n = col.len().max(1) as f64;
    let mean = col.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    col.iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n
}

pub fn empty_matrix(cols: usize) -> Array2<f32> {
    Array2::zeros((0, cols))
}

/// Shared by the models' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::TrainedModel;
    use crate::text::tfidf::Csr;
    use ndarray::Array2;

    /// `n` rows of 3 dense features and `words` sparse ones (most entries zero), as one dense
    /// matrix, and as its dense head with the rest sparse.
    pub fn dense_and_sparse(n: usize, words: usize) -> (Array2<f32>, Array2<f32>, Csr) {
        let all = Array2::from_shape_fn((n, 3 + words), |(i, j)| {
            // splitmix64 of the cell: values that look independent.
            let mut z = ((i * 64 + j) as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            let h = ((z ^ (z >> 31)) % 1_000) as f64 / 1_000.0;
            if j < 3 {
                h * 2.0 - 1.0
            } else if h < 0.3 {
                h * 3.0
            } else {
                0.0
            }
        });
        let head = all.slice(ndarray::s![.., ..3]).to_owned();
        let mut m = Csr {
            rows: n,
            cols: words,
            indptr: vec![0],
            ..Csr::default()
        };
        for r in all.rows() {
            for (k, &v) in r.iter().skip(3).enumerate() {
                if v != 0.0 {
                    m.indices.push(k as u32);
                    m.values.push(v as f32);
                }
            }
            m.indptr.push(m.indices.len());
        }
        // The dense copy holds exactly the f32 values the sparse one does.
        (all.mapv(|v| v as f32), head.mapv(|v| v as f32), m)
    }

    /// Every weight and intercept of a linear model, flat.
    pub fn weights_of(m: &TrainedModel) -> Vec<f64> {
        match m {
            TrainedModel::Logistic { weights, intercept }
            | TrainedModel::Linear { weights, intercept } => {
                weights.iter().copied().chain([*intercept]).collect()
            }
            TrainedModel::Multinomial {
                weights,
                intercepts,
            } => weights
                .iter()
                .flatten()
                .chain(intercepts)
                .copied()
                .collect(),
            _ => Vec::new(),
        }
    }
}
