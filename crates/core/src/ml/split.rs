//! Seeded train / holdout splits.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Row positions for training and for the holdout, each in ascending order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub holdout: Vec<usize>,
}

/// Splits `n` rows, holding out `fraction` of them (0 ≤ fraction < 1). With `strata` (a class
/// per row), each class is held out in the same proportion. The same seed gives the same split.
pub fn holdout(n: usize, strata: Option<&[usize]>, fraction: f64, seed: u64) -> Split {
    let fraction = fraction.clamp(0.0, 0.95);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let groups: Vec<Vec<usize>> = match strata {
        Some(s) => {
            let k = s.iter().copied().max().map_or(0, |m| m + 1);
            // Each class's list sized once (a million rows: no list and its grown copy).
            let mut sizes = vec![0usize; k];
            for &c in s.iter().take(n) {
                sizes[c] += 1;
            }
            let mut g: Vec<Vec<usize>> = sizes.into_iter().map(Vec::with_capacity).collect();
            for (i, &c) in s.iter().enumerate().take(n) {
                g[c].push(i);
            }
            g
        }
        None => vec![(0..n).collect()],
    };
    // Each group rounds its share: at most one more row per group than the fraction.
    let held = (n as f64 * fraction) as usize + groups.len();
    let (mut train, mut hold) = (Vec::with_capacity(n), Vec::with_capacity(held));
    for mut g in groups {
        g.shuffle(&mut rng);
        let h = (g.len() as f64 * fraction).round() as usize;
        hold.extend_from_slice(&g[..h]);
        train.extend_from_slice(&g[h..]);
    }
    train.sort_unstable();
    hold.sort_unstable();
    Split {
        train,
        holdout: hold,
    }
}

/// Assigns each of `n` rows to one of `k` folds, each class (with `strata`) spread evenly over
/// the folds. The same seed gives the same folds.
pub fn folds(n: usize, strata: Option<&[usize]>, k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xf01d);
    let classes = strata.map_or(1, |s| s.iter().copied().max().map_or(1, |m| m + 1));
    let mut groups = vec![Vec::new(); classes];
    for i in 0..n {
        groups[strata.map_or(0, |s| s[i])].push(i);
    }
    let mut fold = vec![0; n];
    // Continue the round-robin across classes so the folds' sizes differ by at most one.
    let mut next = 0;
    for mut g in groups {
        g.shuffle(&mut rng);
        for i in g {
            fold[i] = next % k;
            next += 1;
        }
    }
    fold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_balanced_and_seeded() {
        let strata: Vec<usize> = (0..103).map(|i| usize::from(i % 5 == 0)).collect();
        let f = folds(103, Some(&strata), 5, 3);
        for k in 0..5 {
            let size = f.iter().filter(|&&x| x == k).count();
            assert!((20..=21).contains(&size), "{size}");
            let pos = (0..103).filter(|&i| f[i] == k && strata[i] == 1).count();
            assert!((4..=5).contains(&pos), "{pos}");
        }
        assert_eq!(f, folds(103, Some(&strata), 5, 3));
        assert_ne!(f, folds(103, Some(&strata), 5, 4));
    }

    #[test]
    fn stratified_and_seeded() {
        let strata: Vec<usize> = (0..1000).map(|i| usize::from(i % 10 == 0)).collect();
        let s = holdout(1000, Some(&strata), 0.2, 7);
        assert_eq!(s.holdout.len(), 200);
        assert_eq!(s.holdout.iter().filter(|&&i| strata[i] == 1).count(), 20);
        assert_eq!(s, holdout(1000, Some(&strata), 0.2, 7));
        assert_ne!(s, holdout(1000, Some(&strata), 0.2, 8));
        let all = holdout(10, None, 0.0, 1);
        assert_eq!((all.train.len(), all.holdout.len()), (10, 0));
    }
}
