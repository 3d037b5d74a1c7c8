//! Random forest: trees grown on bootstrap resamples of the customers, each split choosing from
//! a random subset of the inputs (per split, as Breiman's forest and scikit-learn do — not per
//! tree), their leaf values averaged. Trees grow in parallel, one per core, on our histogram
//! learner; every tree added is a step on the live curve.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::{ForestParams, auto_min_leaf};
use super::tree::least_squares;
use super::trees::binning::{BinEdges, MAX_BINS};
use super::trees::grow::{GrowParams, Grower};
use super::trees::{self, Tree};
use super::{Best, Reporter, TrainData, Watch, ask};
use crate::error::Result;

/// Rows of each side the live curve is measured on.
const CURVE_ROWS: usize = 10_000;

/// Depth of a tree "without limit" (a guard against pathological chains).
const UNLIMITED_DEPTH: usize = 64;

/// The fitted forest: each row's prediction is the mean of its leaf values over the trees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    pub features: usize,
    pub trees: Vec<Tree>,
}

impl Forest {
    pub fn predict<T: trees::Value>(&self, x: ndarray::ArrayView2<T>) -> Result<Vec<f64>> {
        let refs: Vec<&Tree> = self.trees.iter().collect();
        trees::check(&refs, self.features, x)?;
        let k = self.trees.len().max(1) as f64;
        Ok(trees::sum_of_trees(&refs, x)
            .into_iter()
            .map(|s| s / k)
            .collect())
    }
}

/// Inputs tried per split.
pub fn features_per_split(params: &ForestParams, features: usize, classification: bool) -> usize {
    let m = if params.feature_fraction > 0.0 {
        (params.feature_fraction * features as f64).ceil() as usize
    } else if classification {
        (features as f64).sqrt().round() as usize
    } else {
        features
    };
    m.clamp(1, features.max(1))
}

/// A bootstrap resample of `n` rows, as row indices in ascending order (repeats included).
fn bootstrap(n: usize, rng: &mut impl Rng) -> Vec<u32> {
    let mut counts = vec![0u32; n];
    for _ in 0..n {
        counts[rng.gen_range(0..n)] += 1;
    }
    let mut rows = Vec::with_capacity(n);
    for (r, &c) in counts.iter().enumerate() {
        for _ in 0..c {
            rows.push(r as u32);
        }
    }
    rows
}

pub fn train(
    params: &ForestParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<Forest> {
    let (n, features) = (data.x.nrows(), data.x.ncols());
    let edges = BinEdges::fit(data.x, MAX_BINS, seed);
    let binned = edges.apply(data.x);
    let gh = least_squares(data);
    let grow = GrowParams {
        max_depth: if params.max_depth == 0 {
            UNLIMITED_DEPTH
        } else {
            params.max_depth
        },
        max_leaves: usize::MAX,
        min_leaf: auto_min_leaf(params.min_leaf, n, data.is_classification()),
        min_hessian: 0.0,
        l2: 0.0,
        min_gain: 0.0,
        features_per_split: features_per_split(params, features, data.is_classification()),
        best_first: false,
        // Trees run in parallel instead.
        parallel: false,
    };
    let grower = Grower::new(&edges, &binned, None, &gh, &grow);
    // Each step walks every sampled row down the new tree: a smaller sample keeps that cheap.
    let watch = Watch::with_limit(data, seed, CURVE_ROWS);
    let mut train_sum = vec![0.0; watch.train_rows.len()];
    let mut valid_sum = vec![0.0; watch.valid_rows.len()];
    let total = params.trees.max(1);
    let batch = rayon::current_num_threads().max(1);
    let mut forest: Vec<Tree> = Vec::with_capacity(total);
    let mut best = Best::default();
    'grow: for start in (0..total).step_by(batch) {
        let end = (start + batch).min(total);
        // Each tree's randomness comes from the seed and its number alone, so the forest is
        // the same whatever the number of cores.
        let grown: Vec<Tree> = (start..end)
            .into_par_iter()
            .map(|t| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                    seed ^ (t as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
                );
                let rows = bootstrap(n, &mut rng);
                let mut tree = grower.grow(rows, &mut rng, None).tree;
                tree.shrink_to_fit();
                tree
            })
            .collect();
        for tree in grown {
            for (s, &r) in train_sum.iter_mut().zip(&watch.train_rows) {
                *s += tree.value_of(data.x.row(r));
            }
            for (s, &r) in valid_sum.iter_mut().zip(&watch.valid_rows) {
                *s += tree.value_of(data.valid_x.row(r));
            }
            forest.push(tree);
            let k = forest.len() as f64;
            let mean = |v: &[f64]| v.iter().map(|s| s / k).collect::<Vec<_>>();
            let r = watch.report(forest.len(), total, &mean(&train_sum), &mean(&valid_sum));
            best.offer(&r);
            if !ask(report, r)? {
                forest.truncate(best.step.max(1));
                break 'grow;
            }
        }
    }
    Ok(Forest {
        features,
        trees: forest,
    })
}
