//! Random forest: trees grown on bootstrap resamples of the customers, each split choosing from
//! a random subset of the inputs (per split, as Breiman's forest and scikit-learn do — not per
//! tree), their leaf values averaged. Trees grow in parallel, one per core, on our histogram
//! learner; every tree added is a step on the live curve.

use ndarray::{Array2, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::{ForestParams, auto_min_leaf};
use super::tree::least_squares;
use super::trees::binning::{BinEdges, Binned, MAX_BINS};
use super::trees::grow::{GrowParams, Grower};
use super::trees::{self, Tree};
use super::{Best, Reporter, TrainData, Watch, ask, curve_sample};
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
    draw(n, n, rng)
}

/// `draws` rows drawn from `n` with replacement, in ascending order.
fn draw(n: usize, draws: usize, rng: &mut impl Rng) -> Vec<u32> {
    // A byte per row (a row drawn 256 times or more, about never, counts on in `more`): each
    // tree growing holds this, a core's worth at once.
    let mut counts = vec![0u8; n];
    let mut more: Vec<u32> = Vec::new();
    for _ in 0..draws {
        let r = rng.gen_range(0..n);
        match counts[r].checked_add(1) {
            Some(c) => counts[r] = c,
            None => more.push(r as u32),
        }
    }
    more.sort_unstable();
    let mut rows = Vec::with_capacity(draws);
    let mut extra = more.iter().peekable();
    for (r, &c) in counts.iter().enumerate() {
        let mut c = usize::from(c);
        while extra.next_if(|&&m| m as usize == r).is_some() {
            c += 1;
        }
        rows.extend(std::iter::repeat_n(r as u32, c));
    }
    rows
}

/// What a forest reads of the features: the training rows' bins, and the rows of each side its
/// live curve is measured on. Once it is made the features themselves can go (1M customers:
/// 74 MB of training features and 18 MB held out, as single precision; 18 MB of bins).
pub struct ForestRows {
    edges: BinEdges,
    binned: Binned,
    /// The rows the curve is measured on ([`Watch::train_rows`], [`Watch::valid_rows`]),
    /// copied, and how many rows each side has.
    curve_x: Array2<f32>,
    valid_curve_x: Array2<f32>,
    rows: (usize, usize),
}

impl ForestRows {
    pub fn of(data: &TrainData, seed: u64) -> Self {
        let edges = BinEdges::fit(data.x, MAX_BINS, seed);
        let binned = edges.apply(data.x);
        let rows = (data.x.nrows(), data.valid_x.nrows());
        // As `Watch::for_rows` samples them.
        let curve = |x: ArrayView2<f32>, seed| {
            x.select(Axis(0), &curve_sample(x.nrows(), CURVE_ROWS, seed))
        };
        Self {
            edges,
            binned,
            curve_x: curve(data.x, seed),
            valid_curve_x: curve(data.valid_x, seed ^ 1),
            rows,
        }
    }
}

pub fn train(
    params: &ForestParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<Forest> {
    train_binned(params, &ForestRows::of(data, seed), data, seed, report)
}

/// [`train`] on rows already binned: `data`'s features are not read (they may be empty), only
/// its targets and weights.
pub fn train_binned(
    params: &ForestParams,
    rows: &ForestRows,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<Forest> {
    let ForestRows {
        edges,
        binned,
        curve_x,
        valid_curve_x,
        rows,
    } = rows;
    let (n, features) = (binned.rows, edges.features());
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
    let grower = Grower::new(edges, binned, None, &gh, &grow);
    // Each step walks every sampled row down the new tree: a smaller sample keeps that cheap.
    let watch = Watch::for_rows(data, *rows, seed, CURVE_ROWS);
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
        // Each tree's row lists and the room its node lists grew into are freed between the
        // trees that stay, in every thread's heap: hand those pages back.
        crate::memory::give_back();
        for tree in grown {
            for (s, row) in train_sum.iter_mut().zip(curve_x.rows()) {
                *s += tree.value_of(row);
            }
            for (s, row) in valid_sum.iter_mut().zip(valid_curve_x.rows()) {
                *s += tree.value_of(row);
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

#[cfg(test)]
mod tests {
    use super::super::{Control, Features, Hyperparams, ModelKind, StepReport, train_letting_go};
    use super::*;

    #[test]
    fn a_bootstrap_counts_every_draw_even_past_a_byte() {
        for (n, draws) in [(1_000, 1_000), (3, 2_000)] {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
            let mut counts = vec![0usize; n];
            for _ in 0..draws {
                counts[rng.gen_range(0..n)] += 1;
            }
            let rows = draw(n, draws, &mut Xoshiro256PlusPlus::seed_from_u64(9));
            let mut expected = Vec::new();
            for (r, &c) in counts.iter().enumerate() {
                expected.extend(std::iter::repeat_n(r as u32, c));
            }
            assert_eq!(rows, expected);
        }
    }

    #[test]
    fn a_forest_grown_from_bins_alone_is_the_forest_grown_from_the_features() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut rows = |n: usize| {
            let x = Array2::from_shape_fn((n, 4), |_| rng.gen_range(-2.0f32..2.0));
            let y: Vec<f64> = x
                .rows()
                .into_iter()
                .map(|r| f64::from(u8::from(r[0] + 0.5 * r[1] > 0.2)))
                .collect();
            (x, y)
        };
        let (x, y) = rows(3_000);
        let (valid_x, valid_y) = rows(500);
        let rest = TrainData {
            x: x.view(),
            words: None,
            valid_words: None,
            y: &y,
            weights: None,
            valid_x: valid_x.view(),
            valid_y: &valid_y,
            classes: 2,
        };
        let mut params = Hyperparams::default();
        params.forest.trees = 6;
        let grow = |kind, letting_go: bool| {
            let mut curve: Vec<StepReport> = Vec::new();
            let mut report = |r| {
                curve.push(r);
                Control::Continue
            };
            let mut given = Features {
                x: x.clone(),
                valid_x: valid_x.clone(),
                valid_x_may_go: true,
            };
            let model = if letting_go {
                train_letting_go(kind, &params, &mut given, &rest, 7, &mut report)
            } else {
                super::super::train(kind, &params, &rest, 7, &mut report)
            };
            (model.unwrap(), curve, given.x, given.valid_x)
        };
        let (whole, whole_curve, ..) = grow(ModelKind::Forest, false);
        let (binned, binned_curve, given, valid) = grow(ModelKind::Forest, true);
        assert_eq!(binned, whole);
        assert_eq!(binned_curve, whole_curve);
        assert_eq!(whole_curve.len(), 6);
        assert!(
            whole_curve[5].valid_metric.unwrap() > 0.9,
            "{whole_curve:?}"
        );
        assert_eq!((given.dim(), valid.dim()), ((0, 4), (0, 4)));
        // Learners that read the features keep them.
        let (.., given, valid) = grow(ModelKind::Logistic, true);
        assert_eq!((given, valid), (x.clone(), valid_x.clone()));
    }
}
