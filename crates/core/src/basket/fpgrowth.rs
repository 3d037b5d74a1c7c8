//! Frequent itemsets by FP-growth (Han, Pei and Yin 2000): the orders are compressed into a
//! prefix tree of items in descending frequency, and each item's conditional tree is mined
//! for the itemsets that end with it. Counts are exact: an itemset's count is the number of
//! orders holding all its items.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// A frequent itemset: item ids ascending, and the number of orders holding all of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Itemset {
    pub items: Vec<u32>,
    pub count: u64,
}

/// A prefix tree of (weighted) transactions whose items are ranks: 0 is the most frequent.
struct Tree {
    item: Vec<u32>,
    count: Vec<u64>,
    parent: Vec<u32>,
    children: HashMap<(u32, u32), u32>,
    /// Per rank, the nodes holding it.
    header: Vec<Vec<u32>>,
}

const ROOT: u32 = 0;

impl Tree {
    fn new(ranks: usize) -> Self {
        Self {
            item: vec![u32::MAX],
            count: vec![0],
            parent: vec![ROOT],
            children: HashMap::new(),
            header: vec![Vec::new(); ranks],
        }
    }

    /// Adds a path of ranks (ascending) with weight `count`.
    fn insert(&mut self, path: &[u32], count: u64) {
        let mut node = ROOT;
        for &rank in path {
            node = match self.children.get(&(node, rank)) {
                Some(&child) => child,
                None => {
                    let child = self.item.len() as u32;
                    self.item.push(rank);
                    self.count.push(0);
                    self.parent.push(node);
                    self.children.insert((node, rank), child);
                    self.header[rank as usize].push(child);
                    child
                }
            };
            self.count[node as usize] += count;
        }
    }

    /// The ranks on the way from `node`'s parent up to the root, ascending.
    fn prefix(&self, node: u32, out: &mut Vec<u32>) {
        out.clear();
        let mut at = self.parent[node as usize];
        while at != ROOT {
            out.push(self.item[at as usize]);
            at = self.parent[at as usize];
        }
        out.reverse();
    }
}

struct Miner<'a> {
    min_count: u64,
    max_len: usize,
    out: Vec<(Vec<u32>, u64)>,
    cancel: &'a AtomicBool,
    /// Told the share of the top tree's items mined.
    progress: &'a mut dyn FnMut(f64),
}

impl Miner<'_> {
    /// Every frequent itemset of `tree` (whose items are all frequent here) joined to `suffix`.
    fn mine(&mut self, tree: &Tree, suffix: &mut Vec<u32>) -> Result<()> {
        let mut path = Vec::new();
        let top = suffix.is_empty();
        let ranks = tree.header.len();
        for rank in (0..ranks).rev() {
            if top {
                (self.progress)(0.2 + 0.7 * (ranks - rank) as f64 / ranks as f64);
            }
            let nodes = &tree.header[rank];
            let support: u64 = nodes.iter().map(|&n| tree.count[n as usize]).sum();
            if support < self.min_count {
                continue;
            }
            suffix.push(rank as u32);
            self.out.push((suffix.clone(), support));
            if suffix.len() < self.max_len {
                if self.cancel.load(Ordering::Relaxed) {
                    return Err(Error::Cancelled);
                }
                // The conditional pattern base: the prefixes of `rank`'s nodes, with counts.
                let mut counts = vec![0u64; rank];
                let mut base = Vec::with_capacity(nodes.len());
                for &n in nodes {
                    tree.prefix(n, &mut path);
                    if path.is_empty() {
                        continue;
                    }
                    let c = tree.count[n as usize];
                    for &r in &path {
                        counts[r as usize] += c;
                    }
                    base.push((path.clone(), c));
                }
                if counts.iter().any(|&c| c >= self.min_count) {
                    let mut conditional = Tree::new(rank);
                    for (p, c) in &mut base {
                        p.retain(|&r| counts[r as usize] >= self.min_count);
                        if !p.is_empty() {
                            conditional.insert(p, *c);
                        }
                    }
                    self.mine(&conditional, suffix)?;
                }
            }
            suffix.pop();
        }
        Ok(())
    }
}

/// All itemsets of at most `max_len` items held by at least `min_count` orders; `progress`
/// gets the share of top-level items mined, and `cancel` stops the search.
pub fn frequent_itemsets(
    orders: &[Vec<u32>],
    n_items: usize,
    min_count: u64,
    max_len: usize,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<Vec<Itemset>> {
    let min_count = min_count.max(1);
    let mut item_counts = vec![0u64; n_items];
    for order in orders {
        for &i in order {
            if let Some(c) = item_counts.get_mut(i as usize) {
                *c += 1;
            }
        }
    }
    // Ranks: frequent items by descending count, ties by id.
    let mut frequent: Vec<u32> = (0..n_items as u32)
        .filter(|&i| item_counts[i as usize] >= min_count)
        .collect();
    frequent.sort_by_key(|&i| (std::cmp::Reverse(item_counts[i as usize]), i));
    let mut rank_of = vec![u32::MAX; n_items];
    for (rank, &i) in frequent.iter().enumerate() {
        rank_of[i as usize] = rank as u32;
    }
    let mut tree = Tree::new(frequent.len());
    let mut path = Vec::new();
    for order in orders {
        path.clear();
        path.extend(
            order
                .iter()
                .filter_map(|&i| rank_of.get(i as usize).copied())
                .filter(|&r| r != u32::MAX),
        );
        path.sort_unstable();
        path.dedup();
        if !path.is_empty() {
            tree.insert(&path, 1);
        }
    }
    progress(0.2);
    let mut miner = Miner {
        min_count,
        max_len: max_len.max(1),
        out: Vec::new(),
        cancel,
        progress,
    };
    miner.mine(&tree, &mut Vec::new())?;
    let mut sets: Vec<Itemset> = miner
        .out
        .into_iter()
        .map(|(ranks, count)| {
            let mut items: Vec<u32> = ranks.iter().map(|&r| frequent[r as usize]).collect();
            items.sort_unstable();
            Itemset { items, count }
        })
        .collect();
    sets.sort_by(|a, b| {
        a.items
            .len()
            .cmp(&b.items.len())
            .then(a.items.cmp(&b.items))
    });
    Ok(sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every itemset of the orders' items, counted by brute force.
    fn brute_force(
        orders: &[Vec<u32>],
        n_items: usize,
        min_count: u64,
        max_len: usize,
    ) -> Vec<Itemset> {
        let mut out = Vec::new();
        for mask in 1u32..(1 << n_items) {
            let items: Vec<u32> = (0..n_items as u32)
                .filter(|i| mask & (1 << i) != 0)
                .collect();
            if items.len() > max_len {
                continue;
            }
            let count = orders
                .iter()
                .filter(|o| items.iter().all(|i| o.contains(i)))
                .count() as u64;
            if count >= min_count {
                out.push(Itemset { items, count });
            }
        }
        out.sort_by(|a, b| {
            a.items
                .len()
                .cmp(&b.items.len())
                .then(a.items.cmp(&b.items))
        });
        out
    }

    #[test]
    fn counts_equal_a_brute_force_count() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        for round in 0..30 {
            let n_items = 3 + round % 8;
            let orders: Vec<Vec<u32>> = (0..200)
                .map(|_| {
                    let mut o: Vec<u32> = (0..n_items as u32)
                        .filter(|i| rng.gen_bool(0.15 + 0.6 / f64::from(i + 1)))
                        .collect();
                    o.sort_unstable();
                    o
                })
                .collect();
            for (min_count, max_len) in [(1, 10), (10, 10), (30, 2), (60, 3)] {
                let cancel = AtomicBool::new(false);
                let fast =
                    frequent_itemsets(&orders, n_items, min_count, max_len, &mut |_| {}, &cancel)
                        .unwrap();
                assert_eq!(
                    fast,
                    brute_force(&orders, n_items, min_count, max_len),
                    "round {round}"
                );
            }
        }
    }
}
