//! The model families behind one interface: train on a feature matrix while reporting
//! meaningful steps, then predict from the fitted parameters alone.

pub mod kmeans;
pub mod linear;
pub mod logistic;

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
            Self::Classification => "Predict a yes/no",
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
}

/// A model family, by its CLI name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
}

impl ModelKind {
    pub const ALL: [Self; 9] = [
        Self::Logistic,
        Self::Linear,
        Self::Tree,
        Self::Forest,
        Self::Boosting,
        Self::Svm,
        Self::NaiveBayes,
        Self::Mlp,
        Self::KMeans,
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
        }
    }

    /// A one-line explanation for a marketer.
    pub fn help(self) -> &'static str {
        match self {
            Self::Logistic => {
                "Scores each customer with a weighted sum of their features; fast, robust, easy to explain."
            }
            Self::Linear => "Predicts an amount as a weighted sum of the features.",
            Self::KMeans => {
                "Groups customers around k centres so that each group is as tight as possible."
            }
            _ => "Not available yet.",
        }
    }

    /// Whether this build can train it.
    pub fn is_available(self) -> bool {
        matches!(self, Self::Logistic | Self::Linear | Self::KMeans)
    }

    /// The tasks it can do.
    pub fn supports(self, task: Task) -> bool {
        match self {
            Self::Logistic | Self::Svm | Self::NaiveBayes => task == Task::Classification,
            Self::Linear => task == Task::Regression,
            Self::KMeans => task == Task::Segments,
            Self::Tree | Self::Forest | Self::Boosting | Self::Mlp => task != Task::Segments,
        }
    }
}

/// Settings of the models, each used by the families it names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hyperparams {
    /// Logistic regression: strength of the L2 penalty (scikit-learn's 1/C).
    pub l2: f64,
    /// Logistic regression and k-means: the most optimiser iterations.
    pub max_iterations: u64,
    /// k-means: the number of segments.
    pub k: usize,
}

impl Default for Hyperparams {
    fn default() -> Self {
        Self {
            l2: 1.0,
            max_iterations: 100,
            k: 4,
        }
    }
}

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
    /// The task's headline metric on the holdout rows (AUC, RMSE) when there are any.
    pub valid_metric: Option<f64>,
}

/// Whether training should go on after a step (false once the user cancels).
pub type Reporter<'a> = dyn FnMut(StepReport) -> bool + 'a;

/// Rows for training and for watching the holdout.
pub struct TrainData<'a> {
    pub x: ArrayView2<'a, f64>,
    /// Target: 1.0 / 0.0 for yes/no, the amount for regression, empty for segments.
    pub y: &'a [f64],
    pub valid_x: ArrayView2<'a, f64>,
    pub valid_y: &'a [f64],
}

/// A trained model: only its fitted parameters, so the file stays small and stable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum TrainedModel {
    /// P(positive) = sigmoid(x·weights + intercept).
    Logistic { weights: Vec<f64>, intercept: f64 },
    /// amount = x·weights + intercept.
    Linear { weights: Vec<f64>, intercept: f64 },
    /// Each row goes to its nearest centroid.
    KMeans { centroids: Vec<Vec<f64>> },
}

impl TrainedModel {
    /// One number per row: probability, amount, or segment number.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        let width = match self {
            Self::Logistic { weights, .. } | Self::Linear { weights, .. } => weights.len(),
            Self::KMeans { centroids } => centroids.first().map_or(0, Vec::len),
        };
        if x.ncols() != width {
            return Err(Error::Model(format!(
                "the model takes {width} features, the data gives {}",
                x.ncols()
            )));
        }
        Ok(match self {
            Self::Logistic { weights, intercept } => linear_scores(x, weights, *intercept)
                .into_iter()
                .map(logistic::sigmoid)
                .collect(),
            Self::Linear { weights, intercept } => linear_scores(x, weights, *intercept),
            Self::KMeans { centroids } => kmeans::assign(x, centroids)
                .into_iter()
                .map(|(c, _)| c as f64)
                .collect(),
        })
    }
}

fn linear_scores(x: ArrayView2<f64>, weights: &[f64], intercept: f64) -> Vec<f64> {
    x.rows()
        .into_iter()
        .map(|r| r.iter().zip(weights).map(|(a, b)| a * b).sum::<f64>() + intercept)
        .collect()
}

/// Trains `kind` on `data`, calling `report` after every step.
pub fn train(
    kind: ModelKind,
    params: &Hyperparams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    match kind {
        ModelKind::Logistic => logistic::train(params, data, report),
        ModelKind::Linear => linear::train(data, report),
        ModelKind::KMeans => kmeans::train(params, data, seed, report),
        other => Err(Error::NotAvailable(other.cli_name().to_owned())),
    }
}

/// An empty matrix with `cols` columns (for "no holdout").
pub fn empty_matrix(cols: usize) -> Array2<f64> {
    Array2::zeros((0, cols))
}
