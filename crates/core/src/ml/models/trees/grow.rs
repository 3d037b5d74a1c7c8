//! Growing one tree on binned rows from per-row gradients and hessians (second-order, as in
//! XGBoost / LightGBM). With `g = −w·y` and `h = w` the same search is a weighted
//! least-squares (variance, equivalently Gini for 0/1 targets) tree, which forests and the
//! single decision tree use; boosting passes the gradients of its loss.
//!
//! Rows are kept in one index array partitioned in place, so a node is a range of it. A node's
//! histogram (per feature and bin: Σg, Σh, rows) gives every candidate split in one scan; with
//! all features in play the larger child's histogram is the parent's minus the smaller child's.

use std::ops::Range;

use rand::Rng;
use rand::seq::index::sample;
use rayon::prelude::*;

use super::Tree;
use super::binning::{BinEdges, Binned};
use crate::ml::models::Control;

/// Gradient and hessian of one row's loss.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GradHess {
    pub g: f32,
    pub h: f32,
}

#[derive(Clone, Copy, Debug, Default)]
struct Bin {
    g: f64,
    h: f64,
    n: u32,
}

impl Bin {
    fn add(&mut self, gh: GradHess) {
        self.g += f64::from(gh.g);
        self.h += f64::from(gh.h);
        self.n += 1;
    }
}

/// How a tree may grow.
#[derive(Clone, Debug)]
pub struct GrowParams {
    /// Deepest level (the root is level 0).
    pub max_depth: usize,
    /// The most leaves.
    pub max_leaves: usize,
    /// The fewest rows in a leaf (bootstrap copies count).
    pub min_leaf: u32,
    /// The smallest sum of hessians in a leaf.
    pub min_hessian: f64,
    /// L2 penalty on leaf values (λ).
    pub l2: f64,
    /// A split must improve the objective by more than this.
    pub min_gain: f64,
    /// Features tried at each split: all of them when this is at least their number.
    pub features_per_split: usize,
    /// Split the leaf with the largest gain first (needed with `max_leaves`); otherwise depth first.
    pub best_first: bool,
    /// Build histograms in parallel over features (off when trees themselves run in parallel).
    pub parallel: bool,
}

/// The training and validation rows that reached one leaf.
#[derive(Clone, Debug)]
pub struct LeafRows {
    pub node: usize,
    pub rows: Range<usize>,
    pub valid: Range<usize>,
}

/// A grown tree and where every row ended up.
pub struct Grown {
    pub tree: Tree,
    /// In split order: the node each split was made at (for truncating to the first k splits).
    pub split_nodes: Vec<usize>,
    pub leaves: Vec<LeafRows>,
    /// Training rows, grouped by leaf (see [`LeafRows::rows`]).
    pub rows: Vec<u32>,
    /// Validation rows, grouped by leaf (see [`LeafRows::valid`]).
    pub valid_rows: Vec<u32>,
}

/// What one split changed, for watching a single tree grow.
pub struct SplitMade<'a> {
    /// Leaves the tree has now.
    pub leaves: usize,
    pub left_rows: &'a [u32],
    pub right_rows: &'a [u32],
    pub left_valid: &'a [u32],
    pub right_valid: &'a [u32],
    pub left_value: f64,
    pub right_value: f64,
}

#[derive(Clone, Copy, Debug)]
struct Split {
    feature: usize,
    bin: u8,
    gain: f64,
    left: Bin,
}

struct Pending {
    node: usize,
    rows: Range<usize>,
    valid: Range<usize>,
    depth: usize,
    total: Bin,
    /// Histogram over all features (only kept when every feature is in play).
    hist: Option<Vec<Bin>>,
    split: Option<Split>,
}

/// Histograms kept at once at most (each is a few hundred KB with many features).
const MAX_KEPT_HISTOGRAMS: usize = 64;

/// Nodes with fewer rows than this search splits by sorting their rows' bins, not by filling
/// a whole histogram.
const SMALL_NODE: usize = 64;

/// Grows one tree.
pub struct Grower<'a> {
    edges: &'a BinEdges,
    data: &'a Binned,
    valid: Option<&'a Binned>,
    gh: &'a [GradHess],
    params: &'a GrowParams,
    offsets: Vec<usize>,
    total_bins: usize,
}

impl<'a> Grower<'a> {
    pub fn new(
        edges: &'a BinEdges,
        data: &'a Binned,
        valid: Option<&'a Binned>,
        gh: &'a [GradHess],
        params: &'a GrowParams,
    ) -> Self {
        let mut offsets = Vec::with_capacity(edges.features() + 1);
        let mut total_bins = 0;
        for f in 0..edges.features() {
            offsets.push(total_bins);
            total_bins += edges.bins(f);
        }
        offsets.push(total_bins);
        Self {
            edges,
            data,
            valid,
            gh,
            params,
            offsets,
            total_bins,
        }
    }

    fn leaf_value(&self, b: &Bin) -> f64 {
        -b.g / (b.h + self.params.l2)
    }

    fn score(&self, g: f64, h: f64) -> f64 {
        g * g / (h + self.params.l2)
    }

    /// Grows a tree on `rows` (indices into the training rows; repeats count as copies),
    /// calling `on_split` after every split when given; it may stop the growth early.
    pub fn grow(
        &self,
        mut rows: Vec<u32>,
        rng: &mut impl Rng,
        mut on_split: Option<&mut dyn FnMut(SplitMade) -> Control>,
    ) -> Grown {
        let all_features = self.params.features_per_split >= self.edges.features();
        let mut valid_rows: Vec<u32> = self
            .valid
            .map_or(Vec::new(), |v| (0..v.rows as u32).collect());
        let mut scratch = Vec::new();

        let total = rows.iter().fold(Bin::default(), |mut b, &r| {
            b.add(self.gh[r as usize]);
            b
        });
        let mut tree = Tree::leaf(self.leaf_value(&total));
        let mut split_nodes = Vec::new();
        let mut kept = 0;
        let mut root = Pending {
            node: 0,
            rows: 0..rows.len(),
            valid: 0..valid_rows.len(),
            depth: 0,
            total,
            hist: None,
            split: None,
        };
        let root_hist = (all_features && self.may_split(&root)).then(|| self.histogram(&rows));
        self.evaluate(&mut root, &rows, root_hist, &mut kept, rng);
        // Leaves that may still split; the others are done.
        let mut frontier = Vec::new();
        let mut done = Vec::new();
        if root.split.is_some() {
            frontier.push(root)
        } else {
            done.push(root)
        }
        let mut leaves = 1;
        while leaves < self.params.max_leaves {
            // The next leaf to split: the best one, or the most recent (depth first).
            let pick = if self.params.best_first {
                frontier
                    .iter()
                    .enumerate()
                    .max_by(|a, b| {
                        let gain = |l: &Pending| l.split.map_or(f64::NEG_INFINITY, |s| s.gain);
                        gain(a.1).total_cmp(&gain(b.1)).then(b.0.cmp(&a.0))
                    })
                    .map(|(i, _)| i)
            } else {
                frontier.len().checked_sub(1)
            };
            let Some(i) = pick else { break };
            let mut leaf = frontier.swap_remove(i);
            let Some(split) = leaf.split.take() else {
                done.push(leaf);
                continue;
            };
            let parent_hist = leaf.hist.take();
            if parent_hist.is_some() {
                kept -= 1;
            }

            // Partition the leaf's rows (and validation rows) between the children.
            let col = &self.data.columns[split.feature];
            let mid = leaf.rows.start
                + partition(&mut rows[leaf.rows.clone()], col, split.bin, &mut scratch);
            let vmid = match self.valid {
                Some(v) => {
                    leaf.valid.start
                        + partition(
                            &mut valid_rows[leaf.valid.clone()],
                            &v.columns[split.feature],
                            split.bin,
                            &mut scratch,
                        )
                }
                None => leaf.valid.start,
            };
            let left_total = split.left;
            let right_total = Bin {
                g: leaf.total.g - left_total.g,
                h: leaf.total.h - left_total.h,
                n: leaf.total.n - left_total.n,
            };
            let (lv, rv) = (self.leaf_value(&left_total), self.leaf_value(&right_total));
            let threshold = self.edges.threshold(split.feature, usize::from(split.bin));
            let left_node = tree.split(leaf.node, split.feature, threshold, lv, rv);
            split_nodes.push(leaf.node);
            leaves += 1;

            let child = |node, rows: Range<usize>, valid: Range<usize>, total| Pending {
                node,
                rows,
                valid,
                depth: leaf.depth + 1,
                total,
                hist: None,
                split: None,
            };
            let mut left = child(
                left_node,
                leaf.rows.start..mid,
                leaf.valid.start..vmid,
                left_total,
            );
            let mut right = child(
                left_node + 1,
                mid..leaf.rows.end,
                vmid..leaf.valid.end,
                right_total,
            );
            let stop = on_split.as_mut().is_some_and(|f| {
                f(SplitMade {
                    leaves,
                    left_rows: &rows[left.rows.clone()],
                    right_rows: &rows[right.rows.clone()],
                    left_valid: &valid_rows[left.valid.clone()],
                    right_valid: &valid_rows[right.valid.clone()],
                    left_value: lv,
                    right_value: rv,
                }) != Control::Continue
            });
            if stop {
                done.push(left);
                done.push(right);
                break;
            }
            // The smaller child is scanned; the larger one, when the parent's histogram is at
            // hand, is the parent minus the smaller.
            let (small, large) = if left.rows.len() <= right.rows.len() {
                (&mut left, &mut right)
            } else {
                (&mut right, &mut left)
            };
            let (small_may, large_may) = (self.may_split(small), self.may_split(large));
            let (small_hist, large_hist) = if all_features && (small_may || large_may) {
                let s = self.histogram(&rows[small.rows.clone()]);
                let l = large_may.then(|| match &parent_hist {
                    Some(parent) => subtract(parent, &s),
                    None => self.histogram(&rows[large.rows.clone()]),
                });
                (small_may.then_some(s), l)
            } else {
                (None, None)
            };
            self.evaluate(small, &rows, small_hist, &mut kept, rng);
            self.evaluate(large, &rows, large_hist, &mut kept, rng);
            for c in [left, right] {
                if c.split.is_some() {
                    frontier.push(c)
                } else {
                    done.push(c)
                }
            }
        }
        done.extend(frontier);
        let leaves = done
            .into_iter()
            .map(|l| LeafRows {
                node: l.node,
                rows: l.rows,
                valid: l.valid,
            })
            .collect();
        Grown {
            tree,
            split_nodes,
            leaves,
            rows,
            valid_rows,
        }
    }

    /// Whether a leaf is allowed to split at all (depth, size).
    fn may_split(&self, leaf: &Pending) -> bool {
        let p = &self.params;
        leaf.depth < p.max_depth
            && u64::from(leaf.total.n) >= 2 * u64::from(p.min_leaf.max(1))
            && leaf.total.h >= 2.0 * p.min_hessian
    }

    /// Finds the leaf's best split, from `hist` (all features) or from per-feature histograms
    /// of a sample of features; keeps `hist` for the children's subtraction while few are kept.
    fn evaluate(
        &self,
        leaf: &mut Pending,
        rows: &[u32],
        hist: Option<Vec<Bin>>,
        kept: &mut usize,
        rng: &mut impl Rng,
    ) {
        if !self.may_split(leaf) {
            return;
        }
        match hist {
            Some(hist) => {
                let mut best: Option<Split> = None;
                for f in 0..self.edges.features() {
                    let bins = &hist[self.offsets[f]..self.offsets[f + 1]];
                    let c = self.scan(
                        f,
                        bins.iter().enumerate().map(|(k, b)| (k as u8, *b)),
                        &leaf.total,
                    );
                    best = better(best, c);
                }
                leaf.split = best;
                if best.is_some() && *kept < MAX_KEPT_HISTOGRAMS {
                    *kept += 1;
                    leaf.hist = Some(hist);
                }
            }
            None => {
                let count = self
                    .params
                    .features_per_split
                    .clamp(1, self.edges.features());
                let features = sample(rng, self.edges.features(), count).into_vec();
                leaf.split =
                    self.best_split_sampled(&features, &rows[leaf.rows.clone()], &leaf.total);
            }
        }
    }

    /// Σg, Σh and rows per bin of every feature over `rows`.
    fn histogram(&self, rows: &[u32]) -> Vec<Bin> {
        let mut hist = vec![Bin::default(); self.total_bins];
        // All rows in order (a root without resampling): read the columns straight through.
        let identity = rows.len() == self.gh.len()
            && rows.first() == Some(&0)
            && rows.last().is_some_and(|&l| l as usize == rows.len() - 1)
            && rows.windows(2).all(|w| w[1] == w[0] + 1);
        let n = rows.len();
        // What one pass over the rows fills: a feature's histogram, or a bundle's, whose bins
        // then give each member's.
        let p = self.edges.features();
        let mut slots: Vec<Option<&mut [Bin]>> = Vec::with_capacity(p);
        let mut rest: &mut [Bin] = &mut hist;
        for f in 0..p {
            let (this, tail) = rest.split_at_mut(self.offsets[f + 1] - self.offsets[f]);
            slots.push(Some(this));
            rest = tail;
        }
        let mut units: Vec<Unit> = Vec::with_capacity(p);
        for b in &self.data.bundles {
            let out: Vec<&mut [Bin]> = b.members.iter().filter_map(|&f| slots[f].take()).collect();
            if out.len() == b.members.len() {
                units.push(Unit {
                    column: &b.column,
                    bins: b.members.len() + 1,
                    out: UnitOut::Bundle(out),
                });
            }
        }
        for (f, slot) in slots.into_iter().enumerate() {
            if let Some(bins) = slot {
                units.push(Unit {
                    column: &self.data.columns[f],
                    bins: bins.len(),
                    out: UnitOut::Feature(bins),
                });
            }
        }
        // Rows go by blocks, each block through every unit of a group: the block's gradients
        // (gathered per block for a node's scattered rows, by each worker for itself) stay in
        // cache instead of being read from memory once per unit.
        let fill = |mut group: Vec<Unit>| {
            let big = |bins: usize| n >= 8 * COPIES * bins;
            let mut acc: Vec<Accumulator> = group
                .iter()
                .map(|u| {
                    if big(u.bins) {
                        Accumulator::Copies(Box::new([[Bin::default(); 256]; COPIES]))
                    } else {
                        Accumulator::Direct(vec![Bin::default(); 256])
                    }
                })
                .collect();
            let mut gathered_bins = vec![0u8; BLOCK_ROWS.min(n)];
            let mut gathered_gh = Vec::with_capacity(BLOCK_ROWS.min(n));
            for start in (0..n).step_by(BLOCK_ROWS) {
                let end = (start + BLOCK_ROWS).min(n);
                let gh: &[GradHess] = if identity {
                    &self.gh[start..end]
                } else {
                    gathered_gh.clear();
                    gathered_gh.extend(rows[start..end].iter().map(|&r| self.gh[r as usize]));
                    &gathered_gh
                };
                for (unit, acc) in group.iter().zip(&mut acc) {
                    let col = unit.column;
                    let block: &[u8] = if identity {
                        &col[start..end]
                    } else {
                        let buf = &mut gathered_bins[..end - start];
                        for (b, &r) in buf.iter_mut().zip(&rows[start..end]) {
                            *b = col[r as usize];
                        }
                        buf
                    };
                    match acc {
                        Accumulator::Copies(c) => accumulate(c, block, gh),
                        Accumulator::Direct(bins) => {
                            for (&b, &g) in block.iter().zip(gh) {
                                bins[usize::from(b)].add(g);
                            }
                        }
                    }
                }
            }
            for (unit, acc) in group.iter_mut().zip(&acc) {
                let totals: Vec<Bin> = (0..unit.bins).map(|k| acc.bin(k)).collect();
                match &mut unit.out {
                    UnitOut::Feature(bins) => bins.copy_from_slice(&totals),
                    UnitOut::Bundle(members) => {
                        let node = totals.iter().fold(Bin::default(), |mut t, b| {
                            t.g += b.g;
                            t.h += b.h;
                            t.n += b.n;
                            t
                        });
                        for (j, bins) in members.iter_mut().enumerate() {
                            let on = totals[j + 1];
                            bins[1] = on;
                            bins[0] = Bin {
                                g: node.g - on.g,
                                h: node.h - on.h,
                                n: node.n - on.n,
                            };
                        }
                    }
                }
            }
        };
        let groups = if self.params.parallel && n * units.len() >= 1 << 16 {
            rayon::current_num_threads().clamp(1, units.len().max(1))
        } else {
            1
        };
        // Units dealt round-robin to the groups (one per thread), bundles first.
        let mut grouped: Vec<Vec<Unit>> = (0..groups).map(|_| Vec::new()).collect();
        for (i, u) in units.into_iter().enumerate() {
            grouped[i % groups].push(u);
        }
        if groups > 1 {
            grouped.into_par_iter().for_each(fill);
        } else {
            grouped.into_iter().for_each(fill);
        }
        hist
    }

    /// The best split over `features`, each feature's histogram built on the fly (by sorting
    /// the rows' bins when the node is small).
    fn best_split_sampled(&self, features: &[usize], rows: &[u32], total: &Bin) -> Option<Split> {
        let mut best: Option<Split> = None;
        let mut bins = Vec::new();
        let mut sparse: Vec<(u8, GradHess)> = Vec::new();
        let mut merged: Vec<(u8, Bin)> = Vec::new();
        for &f in features {
            let col = &self.data.columns[f];
            let candidate = if rows.len() < SMALL_NODE {
                sparse.clear();
                sparse.extend(rows.iter().map(|&r| (col[r as usize], self.gh[r as usize])));
                sparse.sort_unstable_by_key(|e| e.0);
                merged.clear();
                for &(b, gh) in &sparse {
                    match merged.last_mut() {
                        Some((last, acc)) if *last == b => acc.add(gh),
                        _ => {
                            let mut acc = Bin::default();
                            acc.add(gh);
                            merged.push((b, acc));
                        }
                    }
                }
                self.scan(f, merged.iter().copied(), total)
            } else {
                bins.clear();
                bins.resize(self.edges.bins(f), Bin::default());
                for &r in rows {
                    bins[usize::from(col[r as usize])].add(self.gh[r as usize]);
                }
                self.scan(
                    f,
                    bins.iter().enumerate().map(|(k, b)| (k as u8, *b)),
                    total,
                )
            };
            best = better(best, candidate);
        }
        best
    }

    /// Scans one feature's bins in ascending order for the best "bins ≤ b go left" split.
    fn scan(
        &self,
        feature: usize,
        bins: impl Iterator<Item = (u8, Bin)>,
        total: &Bin,
    ) -> Option<Split> {
        let p = self.params;
        let parent = self.score(total.g, total.h);
        // Rounding makes a useless split (a pure node) look a hair better than none.
        let floor = p.min_gain.max(1e-12 * total.h.abs());
        let mut left = Bin::default();
        let mut best: Option<Split> = None;
        for (b, bin) in bins {
            if bin.n == 0 {
                continue;
            }
            left.g += bin.g;
            left.h += bin.h;
            left.n += bin.n;
            let right_n = total.n - left.n;
            if right_n == 0 {
                break;
            }
            let right_h = total.h - left.h;
            if left.n < p.min_leaf
                || right_n < p.min_leaf
                || left.h < p.min_hessian
                || right_h < p.min_hessian
            {
                continue;
            }
            let gain = self.score(left.g, left.h) + self.score(total.g - left.g, right_h) - parent;
            if gain > floor && best.is_none_or(|s| gain > s.gain) {
                best = Some(Split {
                    feature,
                    bin: b,
                    gain,
                    left,
                });
            }
        }
        best
    }
}

/// One pass of a histogram: the column it reads, its number of bins, and where its bins go.
struct Unit<'a> {
    column: &'a [u8],
    bins: usize,
    out: UnitOut<'a>,
}

enum UnitOut<'a> {
    Feature(&'a mut [Bin]),
    /// The members' histograms (two bins each).
    Bundle(Vec<&'a mut [Bin]>),
}

/// Where a pass adds up: four interleaved copies for big nodes, one histogram for small ones.
enum Accumulator {
    Copies(Box<Copies>),
    Direct(Vec<Bin>),
}

impl Accumulator {
    /// The total of bin `k`.
    fn bin(&self, k: usize) -> Bin {
        match self {
            Self::Copies(c) => c.iter().fold(Bin::default(), |mut t, copy| {
                t.g += copy[k].g;
                t.h += copy[k].h;
                t.n += copy[k].n;
                t
            }),
            Self::Direct(bins) => bins[k],
        }
    }
}

/// Interleaved histogram copies per feature (see [`accumulate`]).
const COPIES: usize = 4;

/// Rows per block when filling histograms (their gradients: 32 KB).
const BLOCK_ROWS: usize = 4_096;

/// Interleaved histograms of one feature, indexed by a bin byte (so no bounds checks).
type Copies = [[Bin; 256]; COPIES];

/// Adds each row's gradients (`gh[i]`) to its bin (`bins[i]`). Consecutive rows often share a
/// bin (a 0/1 column has two), and each add would then wait for the previous one's store: four
/// interleaved copies of the histogram (row i into copy i mod 4) keep four adds in flight; they
/// are summed once the node is done.
fn accumulate(copies: &mut Copies, bins: &[u8], gh: &[GradHess]) {
    let [a, b, c, d] = copies;
    let (quads, rest) = (bins.chunks_exact(COPIES), gh.chunks_exact(COPIES));
    let (tail_bins, tail_gh) = (quads.remainder(), rest.remainder());
    for (k, g) in quads.zip(rest) {
        a[usize::from(k[0])].add(g[0]);
        b[usize::from(k[1])].add(g[1]);
        c[usize::from(k[2])].add(g[2]);
        d[usize::from(k[3])].add(g[3]);
    }
    for (&k, &g) in tail_bins.iter().zip(tail_gh) {
        a[usize::from(k)].add(g);
    }
}

/// The better of two candidate splits (the first on a tie, so results don't depend on order).
fn better(a: Option<Split>, b: Option<Split>) -> Option<Split> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.gain > x.gain { y } else { x }),
        (x, y) => x.or(y),
    }
}

fn subtract(parent: &[Bin], child: &[Bin]) -> Vec<Bin> {
    parent
        .iter()
        .zip(child)
        .map(|(p, c)| Bin {
            g: p.g - c.g,
            h: p.h - c.h,
            n: p.n - c.n,
        })
        .collect()
}

/// Rows per block when partitioning a big node in parallel.
const PARTITION_BLOCK: usize = 65_536;

/// Moves the rows whose bin is at most `bin` to the front (keeping order on both sides) and
/// returns how many there are. Big nodes are partitioned block by block in parallel, then the
/// blocks' left and right parts are laid out in order: the same result either way.
fn partition(rows: &mut [u32], col: &[u8], bin: u8, scratch: &mut Vec<u32>) -> usize {
    if rows.len() < 2 * PARTITION_BLOCK {
        return partition_serial(rows, col, bin, scratch);
    }
    let lefts: Vec<usize> = rows
        .par_chunks_mut(PARTITION_BLOCK)
        .map(|block| partition_serial(block, col, bin, &mut Vec::new()))
        .collect();
    // Each block is now [its left | its right]; gather all lefts, then all rights.
    scratch.clear();
    scratch.reserve(rows.len());
    for (block, &l) in rows.chunks(PARTITION_BLOCK).zip(&lefts) {
        scratch.extend_from_slice(&block[..l]);
    }
    let total_left = scratch.len();
    for (block, &l) in rows.chunks(PARTITION_BLOCK).zip(&lefts) {
        scratch.extend_from_slice(&block[l..]);
    }
    rows.copy_from_slice(scratch);
    total_left
}

fn partition_serial(rows: &mut [u32], col: &[u8], bin: u8, scratch: &mut Vec<u32>) -> usize {
    // Branch-free: whether a row goes left is a coin toss to the branch predictor, so every
    // row is written to both sides and only the side it belongs to moves on.
    scratch.resize(rows.len(), 0);
    let (mut w, mut s) = (0, 0);
    for i in 0..rows.len() {
        let r = rows[i];
        let left = usize::from(col[r as usize] <= bin);
        rows[w] = r;
        scratch[s] = r;
        w += left;
        s += 1 - left;
    }
    rows[w..].copy_from_slice(&scratch[..s]);
    w
}
