//! Feature binning for the histogram tree learner: each feature's values are cut into at most
//! [`MAX_BINS`] ranges at training quantiles, and every row keeps a one-byte bin per feature.
//! Splits are searched over bins, never over raw values, which makes a node's split search
//! O(rows + bins) instead of a sort.

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// The most bins per feature (a bin index fits a byte).
pub const MAX_BINS: usize = 255;

/// Edges are found from at most this many rows (as LightGBM's `bin_construct_sample_cnt`).
pub const SAMPLE_ROWS: usize = 200_000;

/// The cut points of every feature, fitted on training rows.
#[derive(Clone, Debug, Default)]
pub struct BinEdges {
    /// Per feature, ascending upper edges: bin `b` holds values `edges[b-1] < v <= edges[b]`;
    /// the last bin (index `edges.len()`) holds everything above the last edge.
    pub edges: Vec<Vec<f64>>,
}

/// Rows as bins, one column of bytes per feature.
#[derive(Clone, Debug, Default)]
pub struct Binned {
    pub rows: usize,
    pub columns: Vec<Vec<u8>>,
    /// Two-bin features never in their second bin together (the 0/1 columns of one text
    /// column, say), each group read as one column ([`Binned::with_bundles`]).
    pub bundles: Vec<Bundle>,
}

/// Features that are never "on" (in bin 1) in the same row, stored as one column: 0 when all
/// are off, `j + 1` when `members[j]` is on. One histogram of the bundle gives every member's
/// (its bin 1 is the bundle's bin j + 1, its bin 0 the rest of the node): LightGBM's exclusive
/// feature bundling, for the one-hot columns customer tables are full of.
#[derive(Clone, Debug, Default)]
pub struct Bundle {
    pub members: Vec<usize>,
    pub column: Vec<u8>,
}

/// A bundle holds at most this many features (its bins must fit a byte).
const MAX_BUNDLE: usize = 254;

impl Binned {
    /// Groups the two-bin features of `edges` that are never on together into bundles (greedily,
    /// in feature order; a bundle of one is no bundle).
    pub fn with_bundles(mut self, edges: &BinEdges) -> Self {
        let n = self.rows;
        let mut groups: Vec<(Vec<usize>, Vec<bool>)> = Vec::new();
        for f in (0..edges.features()).filter(|&f| edges.bins(f) == 2) {
            let col = &self.columns[f];
            let fits = |used: &[bool]| col.iter().zip(used).all(|(&b, &u)| b == 0 || !u);
            let slot = groups
                .iter()
                .position(|(members, used)| members.len() < MAX_BUNDLE && fits(used));
            let (members, used) = match slot {
                Some(i) => &mut groups[i],
                None => {
                    groups.push((Vec::new(), vec![false; n]));
                    let last = groups.len() - 1;
                    &mut groups[last]
                }
            };
            members.push(f);
            for (u, &b) in used.iter_mut().zip(col) {
                *u |= b == 1;
            }
        }
        self.bundles = groups
            .into_iter()
            .filter(|(members, _)| members.len() >= 2)
            .map(|(members, _)| {
                let mut column = vec![0u8; n];
                for (j, &f) in members.iter().enumerate() {
                    for (c, &b) in column.iter_mut().zip(&self.columns[f]) {
                        if b == 1 {
                            *c = j as u8 + 1;
                        }
                    }
                }
                Bundle { members, column }
            })
            .collect();
        self
    }
}

impl BinEdges {
    /// Fits edges on (a seeded sample of) the rows of `x`.
    pub fn fit(x: ArrayView2<f32>, max_bins: usize, seed: u64) -> Self {
        let max_bins = max_bins.clamp(2, MAX_BINS);
        let n = x.nrows();
        let rows: Option<Vec<usize>> = (n > SAMPLE_ROWS).then(|| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xb1_75);
            let mut r = sample(&mut rng, n, SAMPLE_ROWS).into_vec();
            r.sort_unstable();
            r
        });
        let edges = (0..x.ncols())
            .into_par_iter()
            .map(|f| {
                let col = x.column(f);
                let mut v: Vec<f64> = match &rows {
                    Some(r) => r.iter().map(|&i| f64::from(col[i])).collect(),
                    None => col.iter().map(|&v| f64::from(v)).collect(),
                };
                v.retain(|x| x.is_finite());
                v.sort_unstable_by(f64::total_cmp);
                edges_of_sorted(&v, max_bins)
            })
            .collect();
        Self { edges }
    }

    pub fn features(&self) -> usize {
        self.edges.len()
    }

    /// Number of bins of feature `f`.
    pub fn bins(&self, f: usize) -> usize {
        self.edges[f].len() + 1
    }

    /// The raw-value threshold of a split that sends bins `0..=bin` left: `x <= threshold`.
    pub fn threshold(&self, f: usize, bin: usize) -> f64 {
        self.edges[f][bin]
    }

    /// The bin of value `v` of feature `f`. Features arrive imputed, so there are no NaNs; one
    /// would land in bin 0 (every `edge < NaN` is false), never panic.
    pub fn bin_of(&self, f: usize, v: f64) -> u8 {
        let e = &self.edges[f];
        // Values equal to an edge belong to that edge's bin: `x <= edge` goes left.
        e.partition_point(|&edge| edge < v) as u8
    }

    /// Bins every row of `x` (which must have [`BinEdges::features`] columns).
    pub fn apply(&self, x: ArrayView2<f32>) -> Binned {
        let columns = (0..self.features())
            .into_par_iter()
            .map(|f| {
                x.column(f)
                    .iter()
                    .map(|&v| self.bin_of(f, f64::from(v)))
                    .collect()
            })
            .collect();
        Binned {
            rows: x.nrows(),
            columns,
            bundles: Vec::new(),
        }
    }
}

/// Edges for sorted finite values: one bin per distinct value when there are few, else cuts at
/// equal-count positions that never split a run of equal values (a value with many rows gets a
/// bin to itself). Each edge is the midpoint between the two distinct values it separates.
fn edges_of_sorted(v: &[f64], max_bins: usize) -> Vec<f64> {
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &x in v {
        match distinct.last_mut() {
            Some((last, count)) if *last == x => *count += 1,
            _ => distinct.push((x, 1)),
        }
    }
    if distinct.len() <= 1 {
        return Vec::new();
    }
    let mid = |i: usize| {
        let (a, b) = (distinct[i].0, distinct[i + 1].0);
        let m = a + (b - a) / 2.0;
        // Guard against rounding putting the midpoint on the upper value.
        if m < b { m } else { a }
    };
    if distinct.len() <= max_bins {
        return (0..distinct.len() - 1).map(mid).collect();
    }
    let mut edges = Vec::with_capacity(max_bins - 1);
    let mut in_bin = 0usize;
    let mut remaining = v.len();
    for i in 0..distinct.len() - 1 {
        in_bin += distinct[i].1;
        remaining -= distinct[i].1;
        let bins_left = (max_bins - edges.len()) as f64;
        // Close the bin once it holds its share of the rows still to place.
        let target = (in_bin + remaining) as f64 / bins_left;
        let next_is_big = distinct[i + 1].1 as f64 >= target;
        if (in_bin as f64 >= target || next_is_big) && edges.len() < max_bins - 1 {
            edges.push(mid(i));
            in_bin = 0;
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn few_values_get_a_bin_each_and_bins_match_thresholds() {
        let x = Array2::from_shape_vec((6, 1), vec![3.0, 1.0, 2.0, 2.0, 1.0, 3.0]).unwrap();
        let e = BinEdges::fit(x.view(), 255, 1);
        assert_eq!(e.edges[0], vec![1.5, 2.5]);
        let b = e.apply(x.view());
        assert_eq!(b.columns[0], vec![2, 0, 1, 1, 0, 2]);
        // "bin <= b" is exactly "x <= threshold(b)".
        for bin in 0..2 {
            let t = e.threshold(0, bin);
            for (i, &v) in x.column(0).iter().enumerate() {
                assert_eq!(usize::from(b.columns[0][i]) <= bin, f64::from(v) <= t);
            }
        }
    }

    #[test]
    fn many_values_fill_at_most_max_bins_with_similar_counts() {
        let v: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.37).collect();
        let x = Array2::from_shape_vec((v.len(), 1), v)
            .unwrap()
            .mapv(|v| v as f32);
        let e = BinEdges::fit(x.view(), 16, 1);
        assert!(e.bins(0) <= 16 && e.bins(0) >= 14, "{}", e.bins(0));
        let b = e.apply(x.view());
        let mut counts = vec![0; e.bins(0)];
        for &k in &b.columns[0] {
            counts[k as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (500..=900).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn a_heavy_value_gets_its_own_bin() {
        // Half the rows are 0 (say, customers who never bought).
        let v: Vec<f64> = (0..2_000)
            .map(|i| if i % 2 == 0 { 0.0 } else { f64::from(i) })
            .collect();
        let x = Array2::from_shape_vec((v.len(), 1), v)
            .unwrap()
            .mapv(|v| v as f32);
        let e = BinEdges::fit(x.view(), 8, 1);
        let b = e.apply(x.view());
        let zero_bin = b.columns[0][0];
        let zeros = b.columns[0].iter().filter(|&&k| k == zero_bin).count();
        assert_eq!(zeros, 1_000);
    }

    #[test]
    fn one_hot_columns_bundle_and_others_do_not() {
        // Columns 0..3: one-hot of a 3-valued text (row i has value i % 3, the last implied);
        // column 3: a flag on together with column 0; column 4: a number.
        let x = Array2::from_shape_fn((9, 5), |(i, j)| match j {
            0 => f64::from(u8::from(i % 3 == 0)),
            1 => f64::from(u8::from(i % 3 == 1)),
            3 => f64::from(u8::from(i % 3 == 0)),
            4 => i as f64,
            _ => 0.5,
        })
        .mapv(|v| v as f32);
        let e = BinEdges::fit(x.view(), 255, 1);
        let b = e.apply(x.view()).with_bundles(&e);
        assert_eq!(b.bundles.len(), 1);
        assert_eq!(b.bundles[0].members, vec![0, 1]);
        assert_eq!(b.bundles[0].column, vec![1, 2, 0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn a_constant_feature_has_one_bin() {
        let x = Array2::from_elem((5, 1), 2.0);
        let e = BinEdges::fit(x.view(), 255, 1);
        assert_eq!(e.bins(0), 1);
        assert_eq!(e.apply(x.view()).columns[0], vec![0; 5]);
    }
}
