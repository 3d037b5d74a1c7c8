//! The uplift forest: trees that split where the response of the treated and the control
//! customers differs most (Rzepakowski & Jaroszewicz 2012, as CausalML's
//! `UpliftRandomForestClassifier` grows them). Each split maximises the gain in divergence
//! between the groups' response rates — Σ (rows of child / rows of node) · D(child) − D(node),
//! D the Kullback-Leibler divergence, the squared Euclidean distance or the χ² divergence —
//! with every child holding at least `min_leaf` customers and `min_per_group` of each group.
//! Rates in a node are pulled toward the parent's by `regularisation` pseudo-customers
//! (CausalML's `n_reg`), so a small node does not claim a huge effect. The gain is not
//! normalised by the split's imbalance (CausalML's `normalization=False`).
//!
//! Features are binned once as our other trees bin them; thresholds are raw values, so the
//! saved forest scores new rows without the bins. Trees grow in parallel on bootstrap
//! resamples, each tree seeded by its number, so the forest is the same on any core count.

use ndarray::ArrayView2;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ml::models::trees::binning::{BinEdges, Binned};
use crate::ml::models::trees::{self, Tree};

/// The divergence between the treated and the control response rates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Kullback-Leibler: p ln(p/q) + (1−p) ln((1−p)/(1−q)).
    #[default]
    Kl,
    /// Squared Euclidean distance: 2 (p − q)².
    Euclidean,
    /// χ²: (p − q)² / q + (p − q)² / (1 − q).
    ChiSquared,
}

impl Criterion {
    pub const ALL: [Self; 3] = [Self::Kl, Self::Euclidean, Self::ChiSquared];

    pub fn label(self) -> &'static str {
        match self {
            Self::Kl => "Kullback-Leibler",
            Self::Euclidean => "Euclidean distance",
            Self::ChiSquared => "chi-squared",
        }
    }

    /// D(treated rate `p`, control rate `q`).
    pub fn divergence(self, p: f64, q: f64) -> f64 {
        const EPS: f64 = 1e-6;
        let p = p.clamp(EPS, 1.0 - EPS);
        let q = q.clamp(EPS, 1.0 - EPS);
        match self {
            Self::Kl => p * (p / q).ln() + (1.0 - p) * ((1.0 - p) / (1.0 - q)).ln(),
            Self::Euclidean => 2.0 * (p - q) * (p - q),
            Self::ChiSquared => (p - q) * (p - q) / q + (p - q) * (p - q) / (1.0 - q),
        }
    }
}

/// The uplift forest's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForestParams {
    pub trees: usize,
    pub max_depth: usize,
    /// The fewest customers in a leaf.
    pub min_leaf: usize,
    /// The fewest customers of each group (treated, control) in a leaf.
    pub min_per_group: usize,
    /// Pseudo-customers pulling a node's rates toward its parent's.
    pub regularisation: f64,
    /// Share of the features tried at each split; 0 = √features.
    pub feature_fraction: f64,
    pub criterion: Criterion,
}

impl Default for ForestParams {
    fn default() -> Self {
        Self {
            trees: 100,
            max_depth: 6,
            min_leaf: 100,
            min_per_group: 10,
            regularisation: 100.0,
            feature_fraction: 0.0,
            criterion: Criterion::Kl,
        }
    }
}

impl ForestParams {
    /// Sets one setting from `KEY=VALUE` text (the CLI's `--param`).
    pub fn set_from_text(&mut self, text: &str) -> Result<()> {
        let Some((key, value)) = text.split_once('=') else {
            return Err(Error::InvalidInput(format!(
                "--param '{text}' is not KEY=VALUE"
            )));
        };
        let (key, value) = (key.trim(), value.trim());
        if key == "criterion" {
            self.criterion = match value {
                "kl" => Criterion::Kl,
                "euclidean" | "ed" => Criterion::Euclidean,
                "chi" | "chi-squared" => Criterion::ChiSquared,
                _ => {
                    return Err(Error::InvalidInput(format!(
                        "--param criterion: '{value}' is not kl, euclidean or chi-squared"
                    )));
                }
            };
            return Ok(());
        }
        let v: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "--param {key}: '{value}' is not a number of 0 or more"
                ))
            })?;
        let whole = || {
            if v.fract() == 0.0 && v >= 1.0 {
                Ok(v as usize)
            } else {
                Err(Error::InvalidInput(format!(
                    "--param {key}: '{value}' is not a whole number of 1 or more"
                )))
            }
        };
        match key {
            "trees" => self.trees = whole()?,
            "max_depth" => self.max_depth = whole()?,
            "min_leaf" => self.min_leaf = whole()?,
            "min_per_group" => self.min_per_group = whole()?,
            "regularisation" => self.regularisation = v,
            "feature_fraction" if v <= 1.0 => self.feature_fraction = v,
            _ => {
                return Err(Error::InvalidInput(format!(
                    "--param {key}: the uplift forest's settings are trees, max_depth, min_leaf, min_per_group, regularisation, feature_fraction (0 to 1) and criterion (kl, euclidean, chi-squared)"
                )));
            }
        }
        Ok(())
    }
}

/// One uplift tree: the structure with each node's treated response rate as its value, and
/// each node's control response rate beside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpliftTree {
    pub tree: Tree,
    pub control: Vec<f64>,
}

impl UpliftTree {
    /// (treated rate, control rate) of the leaf `row` lands in.
    fn rates(&self, row: ndarray::ArrayView1<f32>) -> (f64, f64) {
        let t = &self.tree;
        let mut i = 0;
        loop {
            let f = t.feature[i];
            if f < 0 {
                return (t.value[i], self.control[i]);
            }
            i = t.left[i] as usize + usize::from(f64::from(row[f as usize]) > t.threshold[i]);
        }
    }
}

/// The fitted forest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpliftForest {
    pub features: usize,
    pub trees: Vec<UpliftTree>,
}

impl UpliftForest {
    /// Each row's (treated, control) response probability: the mean over the trees.
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<(Vec<f64>, Vec<f64>)> {
        let refs: Vec<&Tree> = self.trees.iter().map(|t| &t.tree).collect();
        trees::check(&refs, self.features, x)?;
        if self.trees.iter().any(|t| t.control.len() != t.tree.nodes()) {
            return Err(Error::Model(
                "an uplift tree's control rates don't match its nodes".into(),
            ));
        }
        let k = self.trees.len().max(1) as f64;
        Ok((0..x.nrows())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let (mut t, mut c) = (0.0, 0.0);
                for tree in &self.trees {
                    let (a, b) = tree.rates(x.row(i));
                    t += a;
                    c += b;
                }
                (t / k, c / k)
            })
            .unzip())
    }
}

/// Counts in a node or a bin: treated rows, treated responders, control rows, control
/// responders.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    nt: f64,
    yt: f64,
    nc: f64,
    yc: f64,
}

impl Counts {
    fn add(&mut self, o: &Self) {
        self.nt += o.nt;
        self.yt += o.yt;
        self.nc += o.nc;
        self.yc += o.yc;
    }

    fn minus(&self, o: &Self) -> Self {
        Self {
            nt: self.nt - o.nt,
            yt: self.yt - o.yt,
            nc: self.nc - o.nc,
            yc: self.yc - o.yc,
        }
    }

    fn rows(&self) -> f64 {
        self.nt + self.nc
    }

    /// Rates pulled toward `prior` by `reg` pseudo-customers.
    fn rates(&self, prior: (f64, f64), reg: f64) -> (f64, f64) {
        (
            (self.yt + reg * prior.0) / (self.nt + reg),
            (self.yc + reg * prior.1) / (self.nc + reg),
        )
    }
}

/// What one tree learns from.
struct Data<'a> {
    edges: &'a BinEdges,
    binned: &'a Binned,
    outcome: &'a [f64],
    treated: &'a [bool],
    params: &'a ForestParams,
    features_per_split: usize,
}

impl Data<'_> {
    fn counts(&self, rows: &[u32]) -> Counts {
        let mut c = Counts::default();
        for &r in rows {
            let r = r as usize;
            if self.treated[r] {
                c.nt += 1.0;
                c.yt += self.outcome[r];
            } else {
                c.nc += 1.0;
                c.yc += self.outcome[r];
            }
        }
        c
    }

    fn allowed(&self, c: &Counts) -> bool {
        let p = self.params;
        c.rows() >= p.min_leaf as f64
            && c.nt >= p.min_per_group as f64
            && c.nc >= p.min_per_group as f64
    }

    /// The best split of `rows` (counts `node`, rates `rates`): (gain, feature, last bin left).
    fn best_split(
        &self,
        rows: &[u32],
        node: &Counts,
        rates: (f64, f64),
        rng: &mut impl Rng,
    ) -> Option<(f64, usize, usize)> {
        let p = self.params;
        let crit = p.criterion;
        let parent = crit.divergence(rates.0, rates.1);
        let n = node.rows();
        let features = self.edges.features();
        let tried = sample(rng, features, self.features_per_split.min(features));
        let mut best: Option<(f64, usize, usize)> = None;
        for f in tried {
            let bins = self.edges.bins(f);
            if bins < 2 {
                continue;
            }
            let mut hist = vec![Counts::default(); bins];
            let col = &self.binned.columns[f];
            for &r in rows {
                let r = r as usize;
                let h = &mut hist[usize::from(col[r])];
                if self.treated[r] {
                    h.nt += 1.0;
                    h.yt += self.outcome[r];
                } else {
                    h.nc += 1.0;
                    h.yc += self.outcome[r];
                }
            }
            let mut left = Counts::default();
            for (b, h) in hist.iter().enumerate().take(bins - 1) {
                left.add(h);
                let right = node.minus(&left);
                if !self.allowed(&left) || !self.allowed(&right) {
                    continue;
                }
                let (lt, lc) = left.rates(rates, p.regularisation);
                let (rt, rc) = right.rates(rates, p.regularisation);
                let gain = left.rows() / n * crit.divergence(lt, lc)
                    + right.rows() / n * crit.divergence(rt, rc)
                    - parent;
                if gain > 1e-12 && best.is_none_or(|(g, _, _)| gain > g) {
                    best = Some((gain, f, b));
                }
            }
        }
        best
    }

    /// Grows one tree on `rows` (a bootstrap resample).
    fn grow(&self, rows: Vec<u32>, rng: &mut impl Rng) -> UpliftTree {
        let root = self.counts(&rows);
        // The root's rates, unregularised (nothing above to pull toward).
        let root_rates = (root.yt / root.nt.max(1.0), root.yc / root.nc.max(1.0));
        let mut out = UpliftTree {
            tree: Tree::leaf(root_rates.0),
            control: vec![root_rates.1],
        };
        // Depth-first: (node, its rows, its counts, its rates, its depth).
        let mut stack = vec![(0usize, rows, root, root_rates, 0usize)];
        while let Some((node, rows, counts, rates, depth)) = stack.pop() {
            if depth >= self.params.max_depth {
                continue;
            }
            let Some((_, f, bin)) = self.best_split(&rows, &counts, rates, rng) else {
                continue;
            };
            let col = &self.binned.columns[f];
            let (left_rows, right_rows): (Vec<u32>, Vec<u32>) = rows
                .into_iter()
                .partition(|&r| usize::from(col[r as usize]) <= bin);
            let (lc, rc) = (self.counts(&left_rows), self.counts(&right_rows));
            let reg = self.params.regularisation;
            let (lr, rr) = (lc.rates(rates, reg), rc.rates(rates, reg));
            let left = out
                .tree
                .split(node, f, self.edges.threshold(f, bin), lr.0, rr.0);
            out.control.push(lr.1);
            out.control.push(rr.1);
            stack.push((left, left_rows, lc, lr, depth + 1));
            stack.push((left + 1, right_rows, rc, rr, depth + 1));
        }
        out
    }
}

/// A bootstrap resample of `n` rows (repeats included), in ascending order.
fn bootstrap(n: usize, rng: &mut impl Rng) -> Vec<u32> {
    let mut counts = vec![0u32; n];
    for _ in 0..n {
        counts[rng.gen_range(0..n)] += 1;
    }
    let mut rows = Vec::with_capacity(n);
    for (r, &c) in counts.iter().enumerate() {
        rows.extend(std::iter::repeat_n(r as u32, c as usize));
    }
    rows
}

/// Trains the forest on `x` (outcome 1/0, group), calling `after_tree(trees so far, forest)`
/// after each tree; it answers whether to go on.
pub fn train(
    params: &ForestParams,
    x: ArrayView2<f32>,
    outcome: &[f64],
    treated: &[bool],
    seed: u64,
    after_tree: &mut dyn FnMut(&UpliftForest) -> Result<bool>,
) -> Result<UpliftForest> {
    let (n, features) = (x.nrows(), x.ncols());
    if n == 0 || features == 0 {
        return Err(Error::InvalidInput(
            "the uplift forest needs rows and at least one input".into(),
        ));
    }
    let edges = BinEdges::fit(x, 64, seed);
    let binned = edges.apply(x);
    let features_per_split = if params.feature_fraction > 0.0 {
        (params.feature_fraction * features as f64).ceil() as usize
    } else {
        (features as f64).sqrt().round() as usize
    }
    .clamp(1, features);
    let data = Data {
        edges: &edges,
        binned: &binned,
        outcome,
        treated,
        params,
        features_per_split,
    };
    let total = params.trees.max(1);
    let batch = rayon::current_num_threads().max(1);
    let mut forest = UpliftForest {
        features,
        trees: Vec::with_capacity(total),
    };
    for start in (0..total).step_by(batch) {
        let end = (start + batch).min(total);
        let grown: Vec<UpliftTree> = (start..end)
            .into_par_iter()
            .map(|t| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                    seed ^ (t as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15),
                );
                let rows = bootstrap(n, &mut rng);
                data.grow(rows, &mut rng)
            })
            .collect();
        for tree in grown {
            forest.trees.push(tree);
            if !after_tree(&forest)? {
                return Ok(forest);
            }
        }
    }
    Ok(forest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divergences_by_hand() {
        assert!(Criterion::Kl.divergence(0.3, 0.3).abs() < 1e-15);
        let kl = 0.4 * (0.4f64 / 0.2).ln() + 0.6 * (0.6f64 / 0.8).ln();
        assert!((Criterion::Kl.divergence(0.4, 0.2) - kl).abs() < 1e-12);
        assert!((Criterion::Euclidean.divergence(0.4, 0.2) - 0.08).abs() < 1e-12);
        assert!(
            (Criterion::ChiSquared.divergence(0.4, 0.2) - (0.04 / 0.2 + 0.04 / 0.8)).abs() < 1e-12
        );
    }

    /// The offer works only where feature 0 > 0: the first split finds it.
    #[test]
    fn the_first_split_finds_where_the_offer_works() {
        let n = 20_000;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut x = ndarray::Array2::zeros((n, 2));
        let mut y = Vec::new();
        let mut t = Vec::new();
        for i in 0..n {
            let a: f64 = rng.r#gen::<f64>() * 2.0 - 1.0;
            let b: f64 = rng.r#gen::<f64>();
            x[[i, 0]] = a as f32;
            x[[i, 1]] = b as f32;
            let treated = rng.r#gen::<bool>();
            let p = 0.1 + if treated && a > 0.0 { 0.3 } else { 0.0 };
            t.push(treated);
            y.push(f64::from(u8::from(rng.r#gen::<f64>() < p)));
        }
        let params = ForestParams {
            trees: 4,
            max_depth: 1,
            feature_fraction: 1.0,
            ..ForestParams::default()
        };
        let f = train(&params, x.view(), &y, &t, 1, &mut |_| Ok(true)).unwrap();
        for tree in &f.trees {
            assert_eq!(tree.tree.feature[0], 0);
            assert!(
                tree.tree.threshold[0].abs() < 0.1,
                "{}",
                tree.tree.threshold[0]
            );
        }
        let (pt, pc) = f
            .predict(ndarray::array![[0.5, 0.5], [-0.5, 0.5]].view())
            .unwrap();
        assert!(
            pt[0] - pc[0] > 0.2,
            "uplift where it works: {}",
            pt[0] - pc[0]
        );
        assert!(
            (pt[1] - pc[1]).abs() < 0.05,
            "none where it doesn't: {}",
            pt[1] - pc[1]
        );
    }
}
