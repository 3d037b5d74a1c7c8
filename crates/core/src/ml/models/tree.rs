//! A single decision tree, grown best split first (see [`super::trees`]): every split is a
//! step on the live curve, and "Stop and keep best" cuts the tree back to the number of splits
//! that did best on the holdout.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::params::{TreeParams, auto_min_leaf};
use super::trees::binning::{BinEdges, MAX_BINS};
use super::trees::grow::{GradHess, GrowParams, Grower, SplitMade};
use super::trees::{self, Tree};
use super::{Best, Control, Reporter, TrainData, Watch};
use crate::error::{Error, Result};

/// A fitted tree: a leaf's share of "yes" (weighted), or its mean amount.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    pub features: usize,
    pub tree: Tree,
}

impl DecisionTree {
    pub fn predict<T: trees::Value>(&self, x: ndarray::ArrayView2<T>) -> Result<Vec<f64>> {
        trees::check(&[&self.tree], self.features, x)?;
        Ok(trees::sum_of_trees(&[&self.tree], x))
    }
}

/// Gradients that make the tree learner a weighted least-squares tree: leaf values are
/// weighted means of the target (for 0/1, the share of yes), gains are variance reductions.
pub fn least_squares(data: &TrainData) -> Vec<GradHess> {
    data.y
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let w = data.weight(i);
            GradHess {
                g: (-w * y) as f32,
                h: w as f32,
            }
        })
        .collect()
}

/// Customers of the rarer class a leaf should expect, at least, when the leaf size is automatic.
const EXPECTED_RARE_PER_LEAF: f64 = 4.0;

/// The leaf size of a single tree. Automatic for a yes/no: big enough that a leaf expects
/// [`EXPECTED_RARE_PER_LEAF`] customers of the rarer class (at least 20, at most an eighth of
/// the rows). With rare buyers, small leaves hold none and tie at a share of 0, and the tree
/// ranks no better than chance: on 7,000 customers with 1% buyers, test AUC 0.54 with leaves
/// of 20, 0.67 with this rule (a depth-6 tree of scikit-learn: 0.64); on ISLP's Caravan (6%)
/// 0.692 → 0.706 and Default (3.3%) 0.911 → 0.935, six seeds each (BENCHMARKS.md).
fn tree_min_leaf(setting: usize, data: &TrainData) -> u32 {
    let n = data.y.len();
    if setting != 0 || !data.is_classification() || n == 0 {
        return auto_min_leaf(setting, n, data.is_classification());
    }
    let yes = data.y.iter().filter(|&&v| v > 0.5).count();
    let rare = yes.min(n - yes).max(1) as f64 / n as f64;
    let wanted = (EXPECTED_RARE_PER_LEAF / rare).ceil() as usize;
    wanted.clamp(20, (n / 8).max(20)) as u32
}

pub fn train(
    params: &TreeParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<DecisionTree> {
    let (n, features) = (data.x.nrows(), data.x.ncols());
    let edges = BinEdges::fit(data.x, MAX_BINS, seed);
    let binned = edges.apply(data.x).with_bundles(&edges);
    let valid = edges.apply(data.valid_x);
    let gh = least_squares(data);
    let grow = GrowParams {
        max_depth: params.max_depth.max(1),
        max_leaves: params.max_leaves.max(2),
        min_leaf: tree_min_leaf(params.min_leaf, data),
        min_hessian: 0.0,
        l2: 0.0,
        min_gain: 0.0,
        features_per_split: usize::MAX,
        best_first: true,
        parallel: true,
    };
    let root = {
        let (g, h) = gh.iter().fold((0.0, 0.0), |(g, h), v| {
            (g + f64::from(v.g), h + f64::from(v.h))
        });
        if h > 0.0 { -g / h } else { 0.0 }
    };
    let watch = Watch::new(data, seed);
    let mut train_pred = vec![root; n];
    let mut valid_pred = vec![root; data.valid_x.nrows()];
    let total_steps = grow.max_leaves - 1;
    let mut best = Best::default();
    let (mut step, mut stopped, mut cancelled) = (0, false, false);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut on_split = |s: SplitMade| {
        step += 1;
        for (rows, value) in [(s.left_rows, s.left_value), (s.right_rows, s.right_value)] {
            for &r in rows {
                train_pred[r as usize] = value;
            }
        }
        for (rows, value) in [(s.left_valid, s.left_value), (s.right_valid, s.right_value)] {
            for &r in rows {
                valid_pred[r as usize] = value;
            }
        }
        let r = watch.report_full(step, total_steps, &train_pred, &valid_pred);
        best.offer(&r);
        let answer = report(r);
        stopped = answer == Control::Stop;
        cancelled = answer == Control::Cancel;
        answer
    };
    let grown = Grower::new(&edges, &binned, Some(&valid), &gh, &grow).grow(
        (0..n as u32).collect(),
        &mut rng,
        Some(&mut on_split),
    );
    if cancelled {
        return Err(Error::Cancelled);
    }
    if step == 0 {
        // Nothing to split on: the curve still gets its one point.
        let r = watch.report_full(1, 1, &train_pred, &valid_pred);
        super::ask(report, r)?;
    }
    let tree = if stopped {
        grown.tree.truncated(&grown.split_nodes, best.step)
    } else {
        grown.tree
    };
    Ok(DecisionTree { features, tree })
}
