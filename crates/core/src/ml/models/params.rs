//! Model settings: one struct per family, every field with a default a marketer can keep, and a
//! table of the settings worth changing ([`ParamSpec`]) that the Model panel draws, the search
//! varies and the CLI's `--param KEY=VALUE` sets — one description, three uses.

use serde::{Deserialize, Serialize};

use super::ModelKind;
pub use super::mlp::MlpParams;
use crate::error::{Error, Result};

/// Logistic regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogisticParams {
    /// L2 penalty (scikit-learn's 1/C): the loss is Σ log loss + l2/2 · |w|².
    pub l2: f64,
    /// The most L-BFGS iterations.
    pub max_iterations: usize,
}

impl Default for LogisticParams {
    fn default() -> Self {
        Self {
            l2: 1.0,
            max_iterations: 100,
        }
    }
}

/// Linear regression: least squares, ridge or elastic net.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinearParams {
    /// Penalty strength α in 1/(2n)·|y − Xw|² + α·(ρ|w|₁ + (1 − ρ)/2·|w|²); 0 = least squares.
    pub penalty: f64,
    /// ρ: 0 = ridge, 1 = lasso, between = elastic net.
    pub l1_ratio: f64,
}

impl Default for LinearParams {
    fn default() -> Self {
        Self {
            penalty: 0.0,
            l1_ratio: 0.0,
        }
    }
}

/// A single decision tree, grown best split first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TreeParams {
    pub max_depth: usize,
    pub max_leaves: usize,
    /// The fewest rows in a leaf; 0 = automatic ([`auto_min_leaf`]).
    pub min_leaf: usize,
}

/// The automatic leaf size of trees and forests: 20 customers for yes/no (steady shares of
/// yes, even for rare responders); for amounts one per 100 training rows, from 1 to 20 (small
/// tables need small leaves to follow the amount). Measured on real tables: see BENCHMARKS.md.
pub fn auto_min_leaf(setting: usize, rows: usize, classification: bool) -> u32 {
    let n = match setting {
        0 if classification => 20,
        0 => (rows / 100).clamp(1, 20),
        n => n,
    };
    n as u32
}

impl Default for TreeParams {
    fn default() -> Self {
        Self {
            max_depth: 8,
            max_leaves: 32,
            min_leaf: 0,
        }
    }
}

/// Random forest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForestParams {
    pub trees: usize,
    /// 0 = no limit.
    pub max_depth: usize,
    /// The fewest rows in a leaf; 0 = automatic ([`auto_min_leaf`]).
    pub min_leaf: usize,
    /// Share of the features tried at each split; 0 = automatic (√features for yes/no, all of
    /// them for amounts, as scikit-learn).
    pub feature_fraction: f64,
}

impl Default for ForestParams {
    fn default() -> Self {
        Self {
            trees: 100,
            max_depth: 0,
            min_leaf: 0,
            feature_fraction: 0.0,
        }
    }
}

/// Gradient-boosted trees (LightGBM's defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoostingParams {
    pub rounds: usize,
    pub learning_rate: f64,
    pub leaves: usize,
    pub min_leaf: usize,
    /// L2 penalty on leaf values (λ).
    pub l2: f64,
    /// Stop after this many rounds without a better holdout loss; 0 = run every round.
    pub patience: usize,
}

impl Default for BoostingParams {
    fn default() -> Self {
        Self {
            rounds: 100,
            learning_rate: 0.1,
            leaves: 31,
            min_leaf: 20,
            l2: 0.0,
            patience: 0,
        }
    }
}

/// Support vector machine with a Gaussian kernel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SvmParams {
    /// Penalty on margin violations (C).
    pub c: f64,
    /// Kernel reach as a multiple of 1/features (scikit-learn's gamma="scale" is 1).
    pub gamma_scale: f64,
    /// The kernel is rows × rows: training uses at most this many rows.
    pub max_rows: usize,
}

impl Default for SvmParams {
    fn default() -> Self {
        Self {
            c: 1.0,
            gamma_scale: 1.0,
            max_rows: 5_000,
        }
    }
}

/// Gaussian naive Bayes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NaiveBayesParams {
    /// Share of the largest feature variance added to every variance, for stability.
    pub var_smoothing: f64,
}

impl Default for NaiveBayesParams {
    fn default() -> Self {
        Self {
            var_smoothing: 1e-9,
        }
    }
}

/// k-means.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KMeansParams {
    pub k: usize,
    pub max_iterations: usize,
    /// Starts, each from its own k-means++ seeding, run to convergence; the lowest inertia is
    /// kept (scikit-learn's `n_init`).
    pub starts: usize,
}

impl Default for KMeansParams {
    fn default() -> Self {
        Self {
            k: 4,
            max_iterations: 300,
            starts: 10,
        }
    }
}

/// Gaussian mixture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GmmParams {
    pub k: usize,
    pub max_iterations: usize,
    /// Added to every variance (scikit-learn's `reg_covar`), so a segment whose customers all
    /// share one value of a column does not collapse onto it. 0.01 (a tenth of a standard
    /// deviation, squared), not scikit-learn's 1e-6: with one-hot columns, a tiny floor lets
    /// segments form around a rare category (the sample, k = 8: smallest two 0.15 % and 0.12 %
    /// of customers at 1e-6, 0.7 % and 0.8 % at 1e-3, 1.4 % and 1.9 % at 0.01; silhouette
    /// 0.155 at 1e-3, 0.159 at 0.01).
    pub min_variance: f64,
    /// Starts, each k-means from its own seed then EM to convergence; the highest likelihood
    /// is kept.
    pub starts: usize,
}

impl Default for GmmParams {
    fn default() -> Self {
        Self {
            k: 4,
            max_iterations: 100,
            min_variance: 0.01,
            starts: 10,
        }
    }
}

/// The settings of every family; each model reads its own, so switching models keeps each
/// one's settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "HyperparamsFile")]
pub struct Hyperparams {
    pub logistic: LogisticParams,
    pub linear: LinearParams,
    pub tree: TreeParams,
    pub forest: ForestParams,
    pub boosting: BoostingParams,
    pub svm: SvmParams,
    pub naive_bayes: NaiveBayesParams,
    pub mlp: MlpParams,
    pub kmeans: KMeansParams,
    pub gmm: GmmParams,
}

/// What files hold: today's layout, or the first version's flat `l2`, `max_iterations`, `k`.
#[derive(Deserialize)]
#[serde(default)]
struct HyperparamsFile {
    logistic: LogisticParams,
    linear: LinearParams,
    tree: TreeParams,
    forest: ForestParams,
    boosting: BoostingParams,
    svm: SvmParams,
    naive_bayes: NaiveBayesParams,
    mlp: MlpParams,
    kmeans: KMeansParams,
    gmm: GmmParams,
    l2: Option<f64>,
    max_iterations: Option<u64>,
    k: Option<usize>,
}

impl Default for HyperparamsFile {
    fn default() -> Self {
        let h = Hyperparams::default();
        Self {
            logistic: h.logistic,
            linear: h.linear,
            tree: h.tree,
            forest: h.forest,
            boosting: h.boosting,
            svm: h.svm,
            naive_bayes: h.naive_bayes,
            mlp: h.mlp,
            kmeans: h.kmeans,
            gmm: h.gmm,
            l2: None,
            max_iterations: None,
            k: None,
        }
    }
}

impl From<HyperparamsFile> for Hyperparams {
    fn from(f: HyperparamsFile) -> Self {
        let mut h = Self {
            logistic: f.logistic,
            linear: f.linear,
            tree: f.tree,
            forest: f.forest,
            boosting: f.boosting,
            svm: f.svm,
            naive_bayes: f.naive_bayes,
            mlp: f.mlp,
            kmeans: f.kmeans,
            gmm: f.gmm,
        };
        if let Some(l2) = f.l2 {
            h.logistic.l2 = l2;
        }
        if let Some(m) = f.max_iterations {
            h.logistic.max_iterations = m as usize;
            h.kmeans.max_iterations = m as usize;
        }
        if let Some(k) = f.k {
            h.kmeans.k = k;
        }
        h
    }
}

/// One setting a user may change: its name, help, range, and the values a search tries.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// The name `--param` takes.
    pub key: &'static str,
    pub label: &'static str,
    /// One line for the hover.
    pub help: &'static str,
    pub min: f64,
    pub max: f64,
    pub integer: bool,
    /// Values spread over orders of magnitude (dragging and searching go by factors).
    pub log_scale: bool,
    /// What the search tries (empty: not searched).
    pub grid: &'static [f64],
    /// What 0 means, when it means something other than the number ("automatic", "off").
    pub zero: Option<&'static str>,
}

const fn spec(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    (min, max): (f64, f64),
    integer: bool,
    log_scale: bool,
    grid: &'static [f64],
) -> ParamSpec {
    ParamSpec {
        key,
        label,
        help,
        min,
        max,
        integer,
        log_scale,
        grid,
        zero: None,
    }
}

/// [`spec`] for a setting whose 0 means `meaning`.
const fn spec_zero(s: ParamSpec, meaning: &'static str) -> ParamSpec {
    ParamSpec {
        zero: Some(meaning),
        ..s
    }
}

const LOGISTIC: &[ParamSpec] = &[
    spec(
        "l2",
        "Regularisation",
        "How strongly weights are pulled towards zero (L2, scikit-learn's 1/C). Higher is simpler and steadier; 1 is a sound default.",
        (0.0, 1e6),
        false,
        true,
        &[0.01, 0.1, 1.0, 10.0, 100.0],
    ),
    spec(
        "max_iterations",
        "Iterations",
        "The most optimiser iterations; training stops earlier once the loss settles.",
        (1.0, 10_000.0),
        true,
        false,
        &[],
    ),
];

const LINEAR: &[ParamSpec] = &[
    spec_zero(
        spec(
            "penalty",
            "Penalty",
            "Pulls weights towards zero to avoid chasing noise; 0 is plain least squares.",
            (0.0, 1e4),
            false,
            true,
            &[0.0, 0.001, 0.01, 0.1, 1.0],
        ),
        "none",
    ),
    spec(
        "l1_ratio",
        "Lasso share",
        "0 = ridge (shrinks all weights), 1 = lasso (sets unhelpful weights to exactly zero), between = elastic net.",
        (0.0, 1.0),
        false,
        false,
        &[0.0, 0.5, 1.0],
    ),
];

const TREE: &[ParamSpec] = &[
    spec(
        "max_leaves",
        "Leaves",
        "The most groups the tree may end with; more fit finer patterns but can chase noise.",
        (2.0, 4096.0),
        true,
        true,
        &[8.0, 16.0, 32.0, 64.0, 128.0],
    ),
    spec(
        "max_depth",
        "Depth",
        "The most questions asked about a customer on the way to a leaf.",
        (1.0, 30.0),
        true,
        false,
        &[],
    ),
    spec_zero(
        spec(
            "min_leaf",
            "Customers per leaf",
            "The fewest customers a leaf may hold; larger leaves give steadier estimates. 0 = automatic: 20 for a yes/no, for amounts 1 per 100 customers (at most 20).",
            (0.0, 1e6),
            true,
            false,
            &[5.0, 20.0, 50.0, 200.0],
        ),
        "automatic",
    ),
];

const FOREST: &[ParamSpec] = &[
    spec(
        "trees",
        "Trees",
        "How many trees vote; more are steadier but slower. 100 is plenty for most tables.",
        (1.0, 5_000.0),
        true,
        true,
        &[],
    ),
    spec_zero(
        spec(
            "min_leaf",
            "Customers per leaf",
            "The fewest customers a leaf may hold; larger leaves give smoother scores. 0 = automatic: 20 for a yes/no, for amounts 1 per 100 customers (at most 20).",
            (0.0, 1e6),
            true,
            false,
            &[2.0, 5.0, 20.0, 50.0],
        ),
        "automatic",
    ),
    spec_zero(
        spec(
            "max_depth",
            "Depth",
            "The most questions per tree; 0 lets trees grow until leaves are small.",
            (0.0, 64.0),
            true,
            false,
            &[],
        ),
        "no limit",
    ),
    spec_zero(
        spec(
            "feature_fraction",
            "Columns per split",
            "Share of the inputs each split may choose from; 0 = automatic (the square root of their number for yes/no, all of them for amounts).",
            (0.0, 1.0),
            false,
            false,
            &[0.0, 0.5, 1.0],
        ),
        "automatic",
    ),
];

const BOOSTING: &[ParamSpec] = &[
    spec(
        "rounds",
        "Rounds",
        "How many small trees are added one after another, each correcting the last.",
        (1.0, 10_000.0),
        true,
        true,
        &[],
    ),
    spec(
        "learning_rate",
        "Learning rate",
        "How much each tree corrects; smaller needs more rounds but generalises better.",
        (0.001, 1.0),
        false,
        true,
        &[0.03, 0.1, 0.3],
    ),
    spec(
        "leaves",
        "Leaves per tree",
        "How detailed each tree is (LightGBM's num_leaves).",
        (2.0, 1024.0),
        true,
        true,
        &[15.0, 31.0, 63.0],
    ),
    spec(
        "min_leaf",
        "Customers per leaf",
        "The fewest customers a leaf may hold.",
        (1.0, 1e6),
        true,
        true,
        &[],
    ),
    spec(
        "l2",
        "Leaf penalty",
        "Pulls each leaf's correction towards zero (λ); steadies small leaves.",
        (0.0, 1e4),
        false,
        false,
        &[],
    ),
    spec_zero(
        spec(
            "patience",
            "Early stopping",
            "Stop after this many rounds without a better held-out loss and keep the best round; 0 runs every round.",
            (0.0, 1_000.0),
            true,
            false,
            &[],
        ),
        "off",
    ),
];

const SVM: &[ParamSpec] = &[
    spec(
        "c",
        "C",
        "How hard the model tries to classify every training customer correctly; higher fits tighter.",
        (1e-4, 1e4),
        false,
        true,
        &[0.1, 1.0, 10.0],
    ),
    spec(
        "gamma_scale",
        "Kernel reach",
        "How local each customer's influence is (× 1/inputs); higher = more local and wigglier.",
        (1e-3, 1e3),
        false,
        true,
        &[0.25, 1.0, 4.0],
    ),
    spec(
        "max_rows",
        "Training rows",
        "The kernel compares every pair of rows, so training uses at most this many customers (a seeded sample).",
        (100.0, 20_000.0),
        true,
        true,
        &[],
    ),
];

const NAIVE_BAYES: &[ParamSpec] = &[spec(
    "var_smoothing",
    "Smoothing",
    "Share of the largest variance added to every column's variance; steadies rare or constant columns.",
    (0.0, 1.0),
    false,
    true,
    &[1e-9, 1e-6, 1e-3, 1e-1],
)];

const MLP: &[ParamSpec] = &[
    spec(
        "hidden_layers",
        "Hidden layers",
        "How many layers of units sit between the inputs and the answer.",
        (1.0, 4.0),
        true,
        false,
        &[1.0, 2.0],
    ),
    spec(
        "units",
        "Units per layer",
        "How many units each hidden layer has; more can learn more, and overfit more.",
        (4.0, 1024.0),
        true,
        true,
        &[32.0, 64.0, 128.0],
    ),
    spec(
        "epochs",
        "Epochs",
        "The most passes over the training customers.",
        (1.0, 10_000.0),
        true,
        true,
        &[],
    ),
    spec(
        "learning_rate",
        "Learning rate",
        "Adam's step size.",
        (1e-5, 1.0),
        false,
        true,
        &[],
    ),
    spec(
        "batch_size",
        "Batch size",
        "Customers per update.",
        (1.0, 65_536.0),
        true,
        true,
        &[],
    ),
    spec_zero(
        spec(
            "patience",
            "Early stopping",
            "Stop after this many epochs without a better held-out loss and keep the best epoch; 0 runs every epoch.",
            (0.0, 1_000.0),
            true,
            false,
            &[],
        ),
        "off",
    ),
    spec(
        "l2",
        "Weight decay",
        "L2 penalty on the weights (scikit-learn's alpha).",
        (0.0, 1.0),
        false,
        true,
        &[1e-5, 1e-4, 1e-3],
    ),
];

/// The number of segments, for both segmentation models.
const SEGMENTS_K: ParamSpec = spec(
    "k",
    "Segments (k)",
    "How many groups of customers to find.",
    (2.0, 1_000.0),
    true,
    false,
    &[],
);

/// Starts of k-means and the mixture.
const STARTS: ParamSpec = spec(
    "starts",
    "Starts",
    "Runs from different random beginnings; the best is kept (scikit-learn runs 10). Each start costs a whole run: 1 is 10 times faster, and may settle for worse segments.",
    (1.0, 100.0),
    true,
    false,
    &[],
);

const KMEANS: &[ParamSpec] = &[
    SEGMENTS_K,
    spec(
        "max_iterations",
        "Iterations",
        "The most passes; training stops once segments stop moving.",
        (1.0, 10_000.0),
        true,
        false,
        &[],
    ),
    STARTS,
];

const GMM: &[ParamSpec] = &[
    SEGMENTS_K,
    spec(
        "max_iterations",
        "Iterations",
        "The most passes; training stops once the fit stops improving.",
        (1.0, 10_000.0),
        true,
        false,
        &[],
    ),
    spec(
        "min_variance",
        "Variance floor",
        "Added to every segment's spread, so a segment cannot shrink onto one value of a column.",
        (1e-9, 1.0),
        false,
        true,
        &[],
    ),
    STARTS,
];

impl ModelKind {
    /// The settings of this model a user may change.
    pub fn param_specs(self) -> &'static [ParamSpec] {
        match self {
            Self::Logistic => LOGISTIC,
            Self::Linear => LINEAR,
            Self::Tree => TREE,
            Self::Forest => FOREST,
            Self::Boosting => BOOSTING,
            Self::Svm => SVM,
            Self::NaiveBayes => NAIVE_BAYES,
            Self::Mlp => MLP,
            Self::KMeans => KMEANS,
            Self::Gmm => GMM,
        }
    }

    /// The spec named `key`, if this model has it.
    pub fn param_spec(self, key: &str) -> Option<&'static ParamSpec> {
        self.param_specs().iter().find(|s| s.key == key)
    }
}

/// Reads or writes one numeric field through its key.
fn field(h: &mut Hyperparams, kind: ModelKind, key: &str, new: Option<f64>) -> Option<f64> {
    fn float(slot: &mut f64, new: Option<f64>) -> f64 {
        if let Some(v) = new {
            *slot = v;
        }
        *slot
    }
    fn int(slot: &mut usize, new: Option<f64>) -> f64 {
        if let Some(v) = new {
            *slot = v.round().max(0.0) as usize;
        }
        *slot as f64
    }
    Some(match (kind, key) {
        (ModelKind::Logistic, "l2") => float(&mut h.logistic.l2, new),
        (ModelKind::Logistic, "max_iterations") => int(&mut h.logistic.max_iterations, new),
        (ModelKind::Linear, "penalty") => float(&mut h.linear.penalty, new),
        (ModelKind::Linear, "l1_ratio") => float(&mut h.linear.l1_ratio, new),
        (ModelKind::Tree, "max_depth") => int(&mut h.tree.max_depth, new),
        (ModelKind::Tree, "max_leaves") => int(&mut h.tree.max_leaves, new),
        (ModelKind::Tree, "min_leaf") => int(&mut h.tree.min_leaf, new),
        (ModelKind::Forest, "trees") => int(&mut h.forest.trees, new),
        (ModelKind::Forest, "max_depth") => int(&mut h.forest.max_depth, new),
        (ModelKind::Forest, "min_leaf") => int(&mut h.forest.min_leaf, new),
        (ModelKind::Forest, "feature_fraction") => float(&mut h.forest.feature_fraction, new),
        (ModelKind::Boosting, "rounds") => int(&mut h.boosting.rounds, new),
        (ModelKind::Boosting, "learning_rate") => float(&mut h.boosting.learning_rate, new),
        (ModelKind::Boosting, "leaves") => int(&mut h.boosting.leaves, new),
        (ModelKind::Boosting, "min_leaf") => int(&mut h.boosting.min_leaf, new),
        (ModelKind::Boosting, "l2") => float(&mut h.boosting.l2, new),
        (ModelKind::Boosting, "patience") => int(&mut h.boosting.patience, new),
        (ModelKind::Svm, "c") => float(&mut h.svm.c, new),
        (ModelKind::Svm, "gamma_scale") => float(&mut h.svm.gamma_scale, new),
        (ModelKind::Svm, "max_rows") => int(&mut h.svm.max_rows, new),
        (ModelKind::NaiveBayes, "var_smoothing") => float(&mut h.naive_bayes.var_smoothing, new),
        (ModelKind::Mlp, "hidden_layers") => int(&mut h.mlp.hidden_layers, new),
        (ModelKind::Mlp, "units") => int(&mut h.mlp.units, new),
        (ModelKind::Mlp, "epochs") => int(&mut h.mlp.epochs, new),
        (ModelKind::Mlp, "learning_rate") => float(&mut h.mlp.learning_rate, new),
        (ModelKind::Mlp, "batch_size") => int(&mut h.mlp.batch_size, new),
        (ModelKind::Mlp, "patience") => int(&mut h.mlp.patience, new),
        (ModelKind::Mlp, "l2") => float(&mut h.mlp.l2, new),
        (ModelKind::KMeans, "k") => int(&mut h.kmeans.k, new),
        (ModelKind::KMeans, "max_iterations") => int(&mut h.kmeans.max_iterations, new),
        (ModelKind::KMeans, "starts") => int(&mut h.kmeans.starts, new),
        (ModelKind::Gmm, "starts") => int(&mut h.gmm.starts, new),
        (ModelKind::Gmm, "k") => int(&mut h.gmm.k, new),
        (ModelKind::Gmm, "max_iterations") => int(&mut h.gmm.max_iterations, new),
        (ModelKind::Gmm, "min_variance") => float(&mut h.gmm.min_variance, new),
        _ => return None,
    })
}

impl Hyperparams {
    /// How many segments the segmentation model `kind` looks for.
    pub fn segments_k(&self, kind: ModelKind) -> usize {
        match kind {
            ModelKind::Gmm => self.gmm.k,
            _ => self.kmeans.k,
        }
    }

    /// The value of setting `key` of model `kind`.
    pub fn get(&self, kind: ModelKind, key: &str) -> Option<f64> {
        field(&mut self.clone(), kind, key, None)
    }

    /// Sets `key` of model `kind`, checking it against the spec's range.
    pub fn set(&mut self, kind: ModelKind, key: &str, value: f64) -> Result<()> {
        let Some(spec) = kind.param_spec(key) else {
            let known: Vec<&str> = kind.param_specs().iter().map(|s| s.key).collect();
            return Err(Error::InvalidInput(format!(
                "{} has no setting '{key}' (it has: {})",
                kind.label(),
                known.join(", ")
            )));
        };
        if !value.is_finite() || value < spec.min || value > spec.max {
            return Err(Error::InvalidInput(format!(
                "{key} = {value} is outside {}..{} for {}",
                spec.min,
                spec.max,
                kind.label()
            )));
        }
        field(self, kind, key, Some(value));
        Ok(())
    }

    /// Applies `KEY=VALUE` (the CLI's `--param`).
    pub fn set_from_text(&mut self, kind: ModelKind, text: &str) -> Result<()> {
        let Some((key, value)) = text.split_once('=') else {
            return Err(Error::InvalidInput(format!(
                "--param '{text}' is not KEY=VALUE"
            )));
        };
        let v: f64 = value.trim().parse().map_err(|_| {
            Error::InvalidInput(format!("--param {key}: '{value}' is not a number"))
        })?;
        self.set(kind, key.trim(), v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_reads_and_writes_its_field() {
        for kind in ModelKind::ALL {
            for spec in kind.param_specs() {
                let mut h = Hyperparams::default();
                let default = h.get(kind, spec.key);
                assert!(default.is_some(), "{kind:?} {}", spec.key);
                let v = if spec.integer {
                    spec.min.max(1.0).ceil()
                } else {
                    spec.max
                };
                h.set(kind, spec.key, v).unwrap();
                assert_eq!(h.get(kind, spec.key), Some(v), "{kind:?} {}", spec.key);
                assert!(h.set(kind, spec.key, spec.max * 2.0 + 1.0).is_err());
                for &g in spec.grid {
                    assert!(g >= spec.min && g <= spec.max, "{kind:?} {} grid", spec.key);
                }
            }
        }
        let mut h = Hyperparams::default();
        h.set_from_text(ModelKind::Boosting, "leaves=63").unwrap();
        assert_eq!(h.boosting.leaves, 63);
        assert!(h.set_from_text(ModelKind::Boosting, "trees=3").is_err());
        assert!(h.set_from_text(ModelKind::Boosting, "leaves").is_err());
    }

    #[test]
    fn first_version_files_still_read() {
        let h: Hyperparams =
            serde_json::from_str(r#"{"l2": 2.5, "max_iterations": 40, "k": 6}"#).unwrap();
        assert_eq!(h.logistic.l2, 2.5);
        assert_eq!(h.logistic.max_iterations, 40);
        assert_eq!(h.kmeans.k, 6);
        let back: Hyperparams = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
        assert_eq!(back, h);
    }
}
