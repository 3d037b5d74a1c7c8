//! Gradient-boosted trees, as LightGBM grows them: each round fits a tree of at most `leaves`
//! leaves, best split first, to the gradients and hessians of the loss (log loss for yes/no,
//! squared error for amounts), on 255-bin histograms built in parallel over features, and adds
//! it scaled by the learning rate. Every round is a step on the live curve; early stopping and
//! "Stop and keep best" keep the rounds up to the best holdout loss.

use ndarray::Array2;
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
use crate::error::{Error, Result};

/// How the summed score becomes a prediction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// A probability: the logistic function of the score.
    Logistic,
    /// The score is the amount.
    Identity,
    /// Several classes: one score per class, turned into probabilities by softmax.
    Softmax,
}

/// The fitted ensemble: prediction = link(base + Σ tree values); the learning rate is already
/// in the leaf values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Boosting {
    pub features: usize,
    pub base: f64,
    pub link: Link,
    /// Round after round; with several classes, one tree per class in each round.
    pub trees: Vec<Tree>,
    /// Several classes: each class's starting score.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_bases: Vec<f64>,
}

impl Boosting {
    /// P(yes), the amount, or (several classes) the most likely class's probability.
    pub fn predict<T: trees::Value>(&self, x: ndarray::ArrayView2<T>) -> Result<Vec<f64>> {
        if self.link == Link::Softmax {
            return Ok(super::most_likely(&self.predict_proba(x)?));
        }
        let refs: Vec<&Tree> = self.trees.iter().collect();
        trees::check(&refs, self.features, x)?;
        Ok(trees::sum_of_trees(&refs, x)
            .into_iter()
            .map(|s| self.output(self.base + s))
            .collect())
    }

    /// Class probabilities, rows × classes.
    pub fn predict_proba<T: trees::Value>(&self, x: ndarray::ArrayView2<T>) -> Result<Array2<f64>> {
        match self.link {
            Link::Softmax => {
                let k = self.class_bases.len();
                if k < 2 || !self.trees.len().is_multiple_of(k) {
                    return Err(Error::Model("the boosting model is malformed".into()));
                }
                let mut out = Array2::zeros((x.nrows(), k));
                for c in 0..k {
                    let refs: Vec<&Tree> = self.trees.iter().skip(c).step_by(k).collect();
                    trees::check(&refs, self.features, x)?;
                    for (o, s) in out
                        .column_mut(c)
                        .iter_mut()
                        .zip(trees::sum_of_trees(&refs, x))
                    {
                        *o = self.class_bases[c] + s;
                    }
                }
                for mut row in out.rows_mut() {
                    softmax_in_place(row.as_slice_mut().unwrap_or(&mut []));
                }
                Ok(out)
            }
            Link::Logistic => {
                let p = self.predict(x)?;
                Ok(Array2::from_shape_fn((p.len(), 2), |(i, c)| {
                    if c == 1 { p[i] } else { 1.0 - p[i] }
                }))
            }
            Link::Identity => Err(Error::Model(
                "an amount model does not predict classes".into(),
            )),
        }
    }

    fn output(&self, score: f64) -> f64 {
        match self.link {
            Link::Logistic => sigmoid(score),
            Link::Identity | Link::Softmax => score,
        }
    }
}

/// Scores → probabilities (in place), shifted by the largest so nothing overflows.
fn softmax_in_place(v: &mut [f64]) {
    let top = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - top).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
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
    if data.is_multiclass() {
        return train_softmax(params, data, seed, report);
    }
    let (n, features) = (data.x.nrows(), data.x.ncols());
    let link = if data.is_classification() {
        Link::Logistic
    } else {
        Link::Identity
    };
    let edges = BinEdges::fit(data.x, MAX_BINS, seed);
    let binned = edges.apply(data.x).with_bundles(&edges);
    let valid = edges.apply(data.valid_x);
    let grow = grow_params(params);

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
        Link::Identity | Link::Softmax => mean,
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
        class_bases: Vec::new(),
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
                    Link::Identity | Link::Softmax => GradHess {
                        g: (w * (f - y)) as f32,
                        h: w as f32,
                    },
                };
            });
        let grower = Grower::new(&edges, &binned, Some(&valid), &gh, &grow);
        let tree = add_round(grower, n, params.learning_rate, &mut rng, |valid, r, v| {
            if valid {
                valid_score[r] += v;
            } else {
                score[r] += v;
            }
        });
        model.trees.push(tree);
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

/// Grows one round's tree on all `n` training rows, shrinks its leaves by `learning_rate`, and
/// passes each row's leaf value to `add(is_validation_row, row, value)`: every row's leaf is
/// known from the partition, so the tree need not be run again.
fn add_round(
    grower: Grower,
    n: usize,
    learning_rate: f64,
    rng: &mut impl rand::Rng,
    mut add: impl FnMut(bool, usize, f64),
) -> Tree {
    let mut grown = grower.grow((0..n as u32).collect(), rng, None);
    for v in &mut grown.tree.value {
        *v *= learning_rate;
    }
    for leaf in &grown.leaves {
        let v = grown.tree.value[leaf.node];
        for &r in &grown.rows[leaf.rows.clone()] {
            add(false, r as usize, v);
        }
        for &r in &grown.valid_rows[leaf.valid.clone()] {
            add(true, r as usize, v);
        }
    }
    grown.tree
}

/// The tree settings of a boosting round.
fn grow_params(params: &BoostingParams) -> GrowParams {
    GrowParams {
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
    }
}

/// Several classes: every round grows one tree per class on the softmax cross-entropy's
/// gradients (LightGBM's multiclass objective, with its K / (K − 1) hessian factor).
fn train_softmax(
    params: &BoostingParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<Boosting> {
    let (n, features, k) = (data.x.nrows(), data.x.ncols(), data.classes);
    let edges = BinEdges::fit(data.x, MAX_BINS, seed);
    let binned = edges.apply(data.x).with_bundles(&edges);
    let valid = edges.apply(data.valid_x);
    let grow = grow_params(params);
    // Start from the (weighted) class shares.
    let mut share = vec![0.0; k];
    for i in 0..n {
        share[(data.y[i] as usize).min(k - 1)] += data.weight(i);
    }
    let total: f64 = share.iter().sum();
    let class_bases: Vec<f64> = share
        .iter()
        .map(|s| (s / total.max(f64::MIN_POSITIVE)).max(1e-6).ln())
        .collect();
    let m = data.valid_x.nrows();
    let mut score: Vec<f64> = (0..n * k).map(|i| class_bases[i % k]).collect();
    let mut valid_score: Vec<f64> = (0..m * k).map(|i| class_bases[i % k]).collect();
    let mut probs = vec![0.0; n * k];
    let mut gh = vec![GradHess::default(); n];
    let factor = k as f64 / (k as f64 - 1.0);
    let watch = Watch::new(data, seed);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut model = Boosting {
        features,
        base: 0.0,
        link: Link::Softmax,
        trees: Vec::with_capacity(params.rounds * k),
        class_bases,
    };
    let mut best = Best::default();
    let rounds = params.rounds.max(1);
    let sample_probs = |rows: &[usize], s: &[f64]| -> Vec<f64> {
        let mut out = Vec::with_capacity(rows.len() * k);
        for &r in rows {
            let mut p = s[r * k..(r + 1) * k].to_vec();
            softmax_in_place(&mut p);
            out.extend(p);
        }
        out
    };
    for round in 1..=rounds {
        probs
            .par_chunks_mut(k)
            .zip(score.par_chunks(k))
            .with_min_len(1024)
            .for_each(|(p, s)| {
                p.copy_from_slice(s);
                softmax_in_place(p);
            });
        for c in 0..k {
            gh.par_iter_mut()
                .with_min_len(4096)
                .enumerate()
                .for_each(|(i, out)| {
                    let (w, p) = (data.weight(i), probs[i * k + c]);
                    let y = f64::from(u8::from(data.y[i] as usize == c));
                    *out = GradHess {
                        g: (w * (p - y)) as f32,
                        h: (w * factor * (p * (1.0 - p)).max(MIN_HESSIAN_PER_ROW)) as f32,
                    };
                });
            let grower = Grower::new(&edges, &binned, Some(&valid), &gh, &grow);
            let tree = add_round(grower, n, params.learning_rate, &mut rng, |valid, r, v| {
                if valid {
                    valid_score[r * k + c] += v;
                } else {
                    score[r * k + c] += v;
                }
            });
            model.trees.push(tree);
        }
        let r = watch.report_probs(
            round,
            rounds,
            &sample_probs(&watch.train_rows, &score),
            &sample_probs(&watch.valid_rows, &valid_score),
        );
        best.offer(&r);
        let patience_over = params.patience > 0 && best.since(round) >= params.patience;
        if !ask(report, r)? || patience_over {
            model.trees.truncate(best.step.max(1) * k);
            break;
        }
    }
    Ok(model)
}
