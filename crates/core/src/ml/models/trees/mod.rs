//! Our histogram tree learner, shared by the decision tree, the random forest and gradient
//! boosting (see ARCHITECTURE.md for why it replaces linfa-trees / linfa-ensemble): features
//! are binned once ([`binning`]), trees grow from per-row gradients ([`grow`]), and the fitted
//! trees keep raw-value thresholds, so prediction needs no bins.

pub mod binning;
pub mod grow;

use ndarray::{ArrayView1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A fitted binary tree. Node 0 is the root; a split node `i` sends a row to `left[i]` when
/// `row[feature[i]] <= threshold[i]`, else to `left[i] + 1`. Leaves have `feature == -1`.
/// Every node keeps its value, so a tree can be cut back to its first splits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub feature: Vec<i32>,
    pub threshold: Vec<f64>,
    pub left: Vec<u32>,
    pub value: Vec<f64>,
    /// Per node, whether a missing value (NaN) goes right. Only trees read from another
    /// engine's file (LightGBM) have it; our own trees see filled inputs, and would send a NaN
    /// left (`NaN > t` is false). Empty, or one entry per node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nan_right: Vec<bool>,
}

impl Tree {
    /// A tree of one leaf.
    pub fn leaf(value: f64) -> Self {
        Self {
            feature: vec![-1],
            threshold: vec![0.0],
            left: vec![0],
            value: vec![value],
            nan_right: Vec::new(),
        }
    }

    /// Splits leaf `node`; returns the index of its left child (the right one follows it).
    pub fn split(
        &mut self,
        node: usize,
        feature: usize,
        threshold: f64,
        left_value: f64,
        right_value: f64,
    ) -> usize {
        let left = self.feature.len();
        self.feature[node] = feature as i32;
        self.threshold[node] = threshold;
        self.left[node] = left as u32;
        for v in [left_value, right_value] {
            self.feature.push(-1);
            self.threshold.push(0.0);
            self.left.push(0);
            self.value.push(v);
            if !self.nan_right.is_empty() {
                self.nan_right.push(false);
            }
        }
        left
    }

    /// Gives back the room the node lists grew into while splitting (up to as much again as
    /// the tree holds): a forest keeps a hundred trees at once.
    pub fn shrink_to_fit(&mut self) {
        self.feature.shrink_to_fit();
        self.threshold.shrink_to_fit();
        self.left.shrink_to_fit();
        self.value.shrink_to_fit();
        self.nan_right.shrink_to_fit();
    }

    pub fn nodes(&self) -> usize {
        self.feature.len()
    }

    pub fn leaves(&self) -> usize {
        self.feature.iter().filter(|&&f| f < 0).count()
    }

    /// [`Tree::value_of`] for a row stored contiguously (plain slice indexing: the hot loop of
    /// scoring).
    pub fn value_at<T: Value>(&self, row: &[T]) -> f64 {
        if !self.nan_right.is_empty() {
            return self.value_routing_missing(|f| row[f].into());
        }
        let mut i = 0;
        loop {
            let f = self.feature[i];
            if f < 0 {
                return self.value[i];
            }
            i = self.left[i] as usize + usize::from(row[f as usize].into() > self.threshold[i]);
        }
    }

    /// Adds to each of `sums` the value of the leaf its row lands in: `rows` holds the rows one
    /// after another, `width` values each. Several rows walk down together, so the wait for
    /// one row's next node overlaps the others' (a row's walk is a chain of dependent reads).
    /// Only for trees that send no missing value right (`nan_right` empty).
    fn add_values<T: Value>(&self, rows: &[T], width: usize, sums: &mut [f64]) {
        const TOGETHER: usize = 8;
        for (group, sums) in sums.chunks_mut(TOGETHER).enumerate() {
            let first = group * TOGETHER * width;
            let mut node = [0usize; TOGETHER];
            loop {
                let mut walking = false;
                for (lane, i) in node.iter_mut().enumerate().take(sums.len()) {
                    let f = self.feature[*i];
                    if f >= 0 {
                        let v: f64 = rows[first + lane * width + f as usize].into();
                        *i = self.left[*i] as usize + usize::from(v > self.threshold[*i]);
                        walking = true;
                    }
                }
                if !walking {
                    break;
                }
            }
            for (s, &i) in sums.iter_mut().zip(&node) {
                *s += self.value[i];
            }
        }
    }

    /// The value of the leaf `row` lands in.
    pub fn value_of<T: Value>(&self, row: ArrayView1<T>) -> f64 {
        if !self.nan_right.is_empty() {
            return self.value_routing_missing(|f| row[f].into());
        }
        let mut i = 0;
        loop {
            let f = self.feature[i];
            if f < 0 {
                return self.value[i];
            }
            i = self.left[i] as usize + usize::from(row[f as usize].into() > self.threshold[i]);
        }
    }

    /// The value of the leaf a row lands in when missing values go their node's own way.
    fn value_routing_missing(&self, get: impl Fn(usize) -> f64) -> f64 {
        let mut i = 0;
        loop {
            let f = self.feature[i];
            if f < 0 {
                return self.value[i];
            }
            let x = get(f as usize);
            let right = if x.is_nan() {
                self.nan_right[i]
            } else {
                x > self.threshold[i]
            };
            i = self.left[i] as usize + usize::from(right);
        }
    }

    /// Checks a tree read from a file before it is used: consistent lengths, features within
    /// `features`, children after their parent (so no cycles) and inside the tree.
    pub fn validate(&self, features: usize) -> Result<()> {
        let n = self.feature.len();
        if n == 0
            || self.threshold.len() != n
            || self.left.len() != n
            || self.value.len() != n
            || !(self.nan_right.is_empty() || self.nan_right.len() == n)
        {
            return Err(Error::Model("a tree in the model file is malformed".into()));
        }
        for i in 0..n {
            let f = self.feature[i];
            if f < 0 {
                continue;
            }
            let l = self.left[i] as usize;
            if f as usize >= features || l <= i || l + 1 >= n {
                return Err(Error::Model(format!(
                    "a tree in the model file is malformed (node {i})"
                )));
            }
        }
        Ok(())
    }

    /// The tree as it was after its first `keep` splits (`split_nodes` lists the nodes in the
    /// order they were split); later splits become leaves with their node's value.
    pub fn truncated(&self, split_nodes: &[usize], keep: usize) -> Tree {
        let mut kept = vec![false; self.nodes()];
        for &n in split_nodes.iter().take(keep) {
            kept[n] = true;
        }
        let mut out = Tree::leaf(self.value[0]);
        if !self.nan_right.is_empty() {
            out.nan_right.push(false);
        }
        // (node in self, node in out)
        let mut stack = vec![(0usize, 0usize)];
        while let Some((src, dst)) = stack.pop() {
            if self.feature[src] < 0 || !kept[src] {
                continue;
            }
            let l = self.left[src] as usize;
            let new_left = out.split(
                dst,
                self.feature[src] as usize,
                self.threshold[src],
                self.value[l],
                self.value[l + 1],
            );
            if !self.nan_right.is_empty() {
                out.nan_right[dst] = self.nan_right[src];
            }
            stack.push((l, new_left));
            stack.push((l + 1, new_left + 1));
        }
        out
    }
}

/// A feature value trees read: the app's features are single precision; a model read from
/// LightGBM is checked against LightGBM, which reads raw values in double precision.
pub trait Value: Copy + Into<f64> + Send + Sync {}
impl Value for f32 {}
impl Value for f64 {}

/// Rows walked down one tree before the next tree is taken: the tree's upper nodes stay in
/// the cache for the whole block. A forest grown on a million customers holds some 45,000
/// nodes a tree (a megabyte); walking one row down every tree in turn missed the cache at
/// almost every node.
const ROWS_PER_TREE_WALK: usize = 512;

/// Each row's sum of leaf values over `trees`, in parallel over blocks of rows (each row's
/// values summed in the trees' order, whichever way the row is read).
pub fn sum_of_trees<T: Value>(trees: &[&Tree], x: ArrayView2<T>) -> Vec<f64> {
    // -0.0 is the neutral element `Iterator::sum` starts from: the sums are those of
    // `trees.iter().map(..).sum()`, bit for bit.
    let mut sums = vec![-0.0; x.nrows()];
    sums.par_chunks_mut(ROWS_PER_TREE_WALK)
        .enumerate()
        .for_each(|(block, sums)| {
            let first = block * ROWS_PER_TREE_WALK;
            let rows = x.slice(ndarray::s![first..first + sums.len(), ..]);
            for tree in trees {
                match rows.as_slice() {
                    Some(all) if tree.nan_right.is_empty() => {
                        tree.add_values(all, rows.ncols(), sums)
                    }
                    _ => {
                        for (s, row) in sums.iter_mut().zip(rows.rows()) {
                            *s += tree.value_of(row);
                        }
                    }
                }
            }
        });
    sums
}

/// Checks every tree and the width of `x` before predicting.
pub fn check<T: Value>(trees: &[&Tree], features: usize, x: ArrayView2<T>) -> Result<()> {
    if x.ncols() != features {
        return Err(Error::Model(format!(
            "the model takes {features} features, the data gives {}",
            x.ncols()
        )));
    }
    trees.iter().try_for_each(|t| t.validate(features))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn predicts_by_threshold_and_truncates_by_split_order() {
        let mut t = Tree::leaf(0.5);
        let l = t.split(0, 0, 1.0, 0.2, 0.8); // x0 <= 1
        let _ = t.split(l + 1, 1, 0.0, 0.6, 0.9); // then x1 <= 0
        assert_eq!(t.value_of(array![1.0, 5.0].view()), 0.2);
        assert_eq!(t.value_of(array![2.0, -1.0].view()), 0.6);
        assert_eq!(t.value_of(array![2.0, 1.0].view()), 0.9);
        assert_eq!(t.leaves(), 3);
        t.validate(2).unwrap();
        assert!(t.validate(1).is_err());
        let one = t.truncated(&[0, l + 1], 1);
        assert_eq!(one.nodes(), 3);
        assert_eq!(one.value_of(array![2.0, 1.0].view()), 0.8);
        assert_eq!(t.truncated(&[0, l + 1], 2), t);
    }

    #[test]
    fn trees_walked_by_blocks_of_rows_sum_as_row_by_row() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        // Trees of random shape over 3 features.
        let trees: Vec<Tree> = (0..7)
            .map(|_| {
                let mut t = Tree::leaf(rng.gen_range(-1.0..1.0));
                for _ in 0..40 {
                    let leaves: Vec<usize> = (0..t.nodes()).filter(|&i| t.feature[i] < 0).collect();
                    let node = leaves[rng.gen_range(0..leaves.len())];
                    t.split(
                        node,
                        rng.gen_range(0..3),
                        rng.gen_range(-1.0..1.0),
                        rng.gen_range(-1.0..1.0),
                        rng.gen_range(-1.0..1.0),
                    );
                }
                t
            })
            .collect();
        let refs: Vec<&Tree> = trees.iter().collect();
        // Not a multiple of the block or of the rows walked together.
        let rows = 2 * ROWS_PER_TREE_WALK + 13;
        let x = ndarray::Array2::from_shape_fn((rows, 4), |_| rng.gen_range(-1.5f32..1.5));
        let by_row = |x: ArrayView2<f32>| -> Vec<f64> {
            x.rows()
                .into_iter()
                .map(|r| refs.iter().map(|t| t.value_of(r)).sum())
                .collect()
        };
        let first_three = x.slice(ndarray::s![.., ..3]);
        assert_eq!(sum_of_trees(&refs, first_three), by_row(first_three));
        let contiguous = first_three.to_owned();
        assert_eq!(
            sum_of_trees(&refs, contiguous.view()),
            by_row(contiguous.view())
        );
        assert_eq!(sum_of_trees(&[], contiguous.view()), vec![0.0; rows]);
    }

    #[test]
    fn malformed_trees_are_refused() {
        let cyclic = Tree {
            feature: vec![0, -1, -1],
            threshold: vec![0.0; 3],
            left: vec![0, 0, 0],
            value: vec![0.0; 3],
            nan_right: Vec::new(),
        };
        assert!(cyclic.validate(1).is_err());
        let short = Tree {
            feature: vec![0],
            threshold: vec![],
            left: vec![1],
            value: vec![0.0],
            nan_right: Vec::new(),
        };
        assert!(short.validate(1).is_err());
    }
}
