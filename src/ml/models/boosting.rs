//! Gradient-boosted trees, as LightGBM grows them: each round fits a tree of at most `leaves`
//! leaves, best split first, to the gradients and hessians of the loss (log loss for yes/no,
//! squared error for amounts), on 255-bin histograms built in parallel over features, and adds
//! it scaled by the learning rate. Every round is a step on the live curve; early stopping and
//! "Stop and keep best" keep the rounds up to the best holdout loss.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::logistic::sigmoid;
use super::params::BoostingParams;
use super::trees::binning::{BinEdges, MAX_BINS};
use super::trees::grow::{GradHess, GrowParams, Grower};
use super::trees::{self, Tree};
use super::{Best, Reporter, TrainData, Watch, ask};
use crate::error::Result;

/// How the summed score becomes a prediction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// A probability: the logistic function of the score.
    Logistic,
    /// The score is the amount.
    Identity,
}

/// The fitted ensemble: prediction = link(base + Σ tree values); the learning rate is already
/// in the leaf values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Boosting {
    pub features: usize,
    pub base: f64,
    pub link: Link,
    pub trees: Vec<Tree>,
}

impl Boosting {
    pub fn predict(&self, x: ndarray::ArrayView2<f64>) -> Result<Vec<f64>> {
        let refs: Vec<&Tree> = self.trees.iter().collect();
        trees::check(&refs, self.features, x)?;
        Ok(trees::sum_of_trees(&refs, x)
            .into_iter()
            .map(|s| self.output(self.base + s))
            .collect())
    }

    fn output(&self, score: f64) -> f64 {
        match self.link {
            Link::Logistic => sigmoid(score),
            Link::Identity => score,
        }
    }
}

/// The hessian floor for yes/no rows scored (almost) certainly right.
const MIN_HESSIAN_PER_ROW: f64 = 1e-16;

pub fn train(
    params: &BoostingParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<Boosting> {
    let (n, features) = (data.x.nrows(), data.x.ncols());
    let link = if data.is_classification() {
        Link::Logistic
    } else {
        Link::Identity
    };
    let edges = BinEdges::fit(data.x, MAX_BINS, seed);
    let binned = edges.apply(data.x);
    let valid = edges.apply(data.valid_x);
    let grow = GrowParams {
        max_depth: usize::MAX,
        max_leaves: params.leaves.max(2),
        min_leaf: params.min_leaf.max(1) as u32,
        // LightGBM's min_sum_hessian_in_leaf.
        min_hessian: 1e-3,
        l2: params.l2,
        min_gain: 0.0,
        features_per_split: usize::MAX,
        best_first: true,
        parallel: true,
    };

    // Start from the (weighted) base rate or mean, as LightGBM's boost_from_average.
    let (sw, swy) = (0..n).fold((0.0, 0.0), |(a, b), i| {
        (a + data.weight(i), b + data.weight(i) * data.y[i])
    });
    let mean = if sw > 0.0 { swy / sw } else { 0.0 };
    let base = match link {
        Link::Logistic => {
            let p = mean.clamp(1e-6, 1.0 - 1e-6);
            (p / (1.0 - p)).ln()
        }
        Link::Identity => mean,
    };
    let mut score = vec![base; n];
    let mut valid_score = vec![base; data.valid_x.nrows()];
    let mut gh = vec![GradHess::default(); n];
    let watch = Watch::new(data, seed);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut model = Boosting {
        features,
        base,
        link,
        trees: Vec::with_capacity(params.rounds),
    };
    let mut best = Best::default();
    let total = params.rounds.max(1);
    for round in 1..=total {
        gh.par_iter_mut()
            .with_min_len(4096)
            .enumerate()
            .for_each(|(i, out)| {
                let (w, y, f) = (data.weight(i), data.y[i], score[i]);
                *out = match link {
                    Link::Logistic => {
                        let p = sigmoid(f);
                        GradHess {
                            g: (w * (p - y)) as f32,
                            h: (w * (p * (1.0 - p)).max(MIN_HESSIAN_PER_ROW)) as f32,
                        }
                    }
                    Link::Identity => GradHess {
                        g: (w * (f - y)) as f32,
                        h: w as f32,
                    },
                };
            });
        let mut grown = Grower::new(&edges, &binned, Some(&valid), &gh, &grow).grow(
            (0..n as u32).collect(),
            &mut rng,
            None,
        );
        for v in &mut grown.tree.value {
            *v *= params.learning_rate;
        }
        // Every row's leaf is known from the partition: no need to run the tree again.
        for leaf in &grown.leaves {
            let v = grown.tree.value[leaf.node];
            for &r in &grown.rows[leaf.rows.clone()] {
                score[r as usize] += v;
            }
            for &r in &grown.valid_rows[leaf.valid.clone()] {
                valid_score[r as usize] += v;
            }
        }
        model.trees.push(grown.tree);
        let out = |rows: &[usize], s: &[f64]| -> Vec<f64> {
            rows.iter().map(|&r| model.output(s[r])).collect()
        };
        let r = watch.report(
            round,
            total,
            &out(&watch.train_rows, &score),
            &out(&watch.valid_rows, &valid_score),
        );
        best.offer(&r);
        let patience_over = params.patience > 0 && best.since(round) >= params.patience;
        if !ask(report, r)? || patience_over {
            model.trees.truncate(best.step.max(1));
            break;
        }
    }
    Ok(model)
}
