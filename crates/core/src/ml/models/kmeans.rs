//! k-means on the standardised features: greedy k-means++ seeding (as scikit-learn: each new
//! centre is the best of 2 + ln k candidates drawn in proportion to squared distance), then
//! Lloyd iterations, one per step on the live curve, until the centres move less than
//! scikit-learn's tolerance. A segment left empty takes the customer farthest from its centre.
//! Distances and sums run in parallel over fixed blocks of rows added in order, so the result
//! never depends on the number of cores. (Ours rather than linfa-clustering's: see
//! ARCHITECTURE.md.)

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::params::KMeansParams;
use super::{Best, Reporter, StepReport, TrainData, TrainedModel, ask};
use crate::error::{Error, Result};
use ndarray::{ArrayView2, Axis};

/// scikit-learn's tolerance: stop when the centres' total squared move is below this share of
/// the features' mean variance.
const TOLERANCE: f64 = 1e-4;

/// Rows per parallel block.
const BLOCK: usize = 8_192;

/// The squared distance between a row (single-precision features, each widened) and a centre,
/// summed in double precision.
fn squared_distance<T: Copy + Into<f64>>(a: &[T], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, y)| {
            let d = x.into() - y;
            d * d
        })
        .sum()
}

/// The nearest of `centroids` (flat, `k × p`) to `row`, and the squared distance to it. The
/// row is widened once, on the stack for up to 64 features (then each centre's distance is the
/// double-precision loop the compiler unrolls best).
fn nearest(row: &[f32], centroids: &[f64], p: usize) -> (usize, f64) {
    let mut stack = [0.0f64; 64];
    let heap: Vec<f64>;
    let wide: &[f64] = if row.len() <= stack.len() {
        for (w, &v) in stack.iter_mut().zip(row) {
            *w = f64::from(v);
        }
        &stack[..row.len()]
    } else {
        heap = row.iter().map(|&v| f64::from(v)).collect();
        &heap
    };
    nearest_wide(wide, centroids, p)
}

fn nearest_wide(row: &[f64], centroids: &[f64], p: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, centre) in centroids.chunks_exact(p.max(1)).enumerate() {
        let d = squared_distance(row, centre);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// Row `i` of `x` as a slice (copied into `buf` only when the matrix is not in row order).
fn row_of<'a, 'x: 'a>(x: ArrayView2<'x, f32>, i: usize, buf: &'a mut Vec<f32>) -> &'a [f32] {
    let row = x.index_axis_move(Axis(0), i);
    if let Some(s) = row.to_slice() {
        return s;
    }
    buf.clear();
    buf.extend(row.iter());
    buf
}

/// Row `i` of `x` in double precision, in `buf` (for the mixture's likelihoods).
pub(super) fn row_f64<'a>(x: ArrayView2<f32>, i: usize, buf: &'a mut Vec<f64>) -> &'a [f64] {
    buf.clear();
    buf.extend(x.row(i).iter().map(|&v| f64::from(v)));
    buf
}

/// Nearest centroid and squared distance to it, per row.
pub fn assign(x: ArrayView2<f32>, centroids: &[Vec<f64>]) -> Vec<(usize, f64)> {
    let p = x.ncols();
    let flat: Vec<f64> = centroids.iter().flatten().copied().collect();
    (0..x.nrows())
        .into_par_iter()
        .with_min_len(1024)
        .map_init(Vec::new, |buf, i| nearest(row_of(x, i, buf), &flat, p))
        .collect()
}

/// Mean squared distance of rows to their nearest centroid.
pub fn inertia(x: ArrayView2<f32>, centroids: &[Vec<f64>]) -> f64 {
    let a = assign(x, centroids);
    a.iter().map(|(_, d)| d).sum::<f64>() / a.len().max(1) as f64
}

/// One Lloyd step's sums: per centre the rows' sum and count, and the total squared distance.
struct Sums {
    sum: Vec<f64>,
    count: Vec<f64>,
    inertia: f64,
    /// The row farthest from its centre, and that distance (for an empty segment).
    farthest: (usize, f64),
}

/// Assigns every row of `x` to its nearest centre (flat `k × p`) and sums per centre.
fn lloyd_sums(x: ArrayView2<f32>, centroids: &[f64], k: usize) -> Sums {
    let (n, p) = (x.nrows(), x.ncols());
    let parts: Vec<Sums> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let mut s = Sums {
                sum: vec![0.0; k * p],
                count: vec![0.0; k],
                inertia: 0.0,
                farthest: (0, -1.0),
            };
            let mut buf = Vec::new();
            for i in b * BLOCK..((b + 1) * BLOCK).min(n) {
                let row = row_of(x, i, &mut buf);
                let (c, d) = nearest(row, centroids, p);
                s.count[c] += 1.0;
                for (acc, &v) in s.sum[c * p..(c + 1) * p].iter_mut().zip(row) {
                    *acc += f64::from(v);
                }
                s.inertia += d;
                if d > s.farthest.1 {
                    s.farthest = (i, d);
                }
            }
            s
        })
        .collect();
    let mut total = Sums {
        sum: vec![0.0; k * p],
        count: vec![0.0; k],
        inertia: 0.0,
        farthest: (0, -1.0),
    };
    for part in parts {
        for (a, b) in total.sum.iter_mut().zip(&part.sum) {
            *a += b;
        }
        for (a, b) in total.count.iter_mut().zip(&part.count) {
            *a += b;
        }
        total.inertia += part.inertia;
        if part.farthest.1 > total.farthest.1 {
            total.farthest = part.farthest;
        }
    }
    total
}

/// Greedy k-means++: the first centre a random row; each next one the candidate (of 2 + ln k
/// drawn with probability ∝ squared distance to the nearest centre so far) that lowers the
/// total squared distance most.
fn seed_centres(x: ArrayView2<f32>, k: usize, rng: &mut impl Rng) -> Vec<f64> {
    let (n, p) = (x.nrows(), x.ncols());
    let trials = 2 + (k as f64).ln() as usize;
    let mut buf = Vec::new();
    let widened = |r: &[f32]| -> Vec<f64> { r.iter().map(|&v| f64::from(v)).collect() };
    let mut centres: Vec<f64> = widened(row_of(x, rng.gen_range(0..n), &mut buf));
    let distance_to = |centre: &[f64]| -> Vec<f64> {
        (0..n)
            .into_par_iter()
            .with_min_len(BLOCK)
            .map_init(Vec::new, |buf, i| {
                squared_distance(row_of(x, i, buf), centre)
            })
            .collect()
    };
    let mut closest = distance_to(&centres[..p]);
    for _ in 1..k {
        let total: f64 = closest.iter().sum();
        let mut best: Option<(f64, Vec<f64>, Vec<f64>)> = None;
        for _ in 0..trials {
            // Draw a row with probability ∝ its squared distance (uniformly if all are 0).
            let pick = if total > 0.0 {
                let mut u = rng.r#gen::<f64>() * total;
                closest
                    .iter()
                    .position(|&d| {
                        u -= d;
                        u < 0.0
                    })
                    .unwrap_or(n - 1)
            } else {
                rng.gen_range(0..n)
            };
            let candidate = widened(row_of(x, pick, &mut buf));
            let d = distance_to(&candidate);
            let merged: Vec<f64> = d.iter().zip(&closest).map(|(a, b)| a.min(*b)).collect();
            let potential: f64 = merged.iter().sum();
            if best.as_ref().is_none_or(|b| potential < b.0) {
                best = Some((potential, candidate, merged));
            }
        }
        if let Some((_, candidate, merged)) = best {
            centres.extend(candidate);
            closest = merged;
        }
    }
    centres
}

fn model_of(centres: &[f64], p: usize) -> TrainedModel {
    TrainedModel::KMeans {
        centroids: centres
            .chunks_exact(p.max(1))
            .map(<[f64]>::to_vec)
            .collect(),
    }
}

/// A segmentation model (`what`) can find `k` segments in `n` rows.
pub(super) fn check_k(what: &str, k: usize, n: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::InvalidInput(format!(
            "{what} needs at least 2 segments"
        )));
    }
    if n < k {
        return Err(Error::InvalidInput(format!(
            "{what} with {k} segments needs at least {k} rows, the data has {n}"
        )));
    }
    Ok(())
}

/// The features' mean variance: scikit-learn's tolerance is relative to it.
fn mean_variance(x: ArrayView2<f32>) -> f64 {
    let p = x.ncols();
    (0..p).map(|j| super::variance(x.column(j))).sum::<f64>() / p.max(1) as f64
}

/// One Lloyd iteration: every centre moves to the mean of its rows (an empty one to the row
/// farthest from its centre). Returns the new centres and how far they moved in all.
fn lloyd_step(x: ArrayView2<f32>, centres: &[f64], k: usize) -> (Vec<f64>, f64) {
    let p = x.ncols();
    let sums = lloyd_sums(x, centres, k);
    let mut next = centres.to_vec();
    for c in 0..k {
        let target = &mut next[c * p..(c + 1) * p];
        if sums.count[c] > 0.0 {
            for (t, s) in target.iter_mut().zip(&sums.sum[c * p..(c + 1) * p]) {
                *t = s / sums.count[c];
            }
        } else {
            // An empty segment restarts at the customer farthest from its centre.
            let mut buf = Vec::new();
            for (t, &v) in target.iter_mut().zip(row_of(x, sums.farthest.0, &mut buf)) {
                *t = f64::from(v);
            }
        }
    }
    let moved = centres
        .iter()
        .zip(&next)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    (next, moved)
}

fn as_centroids(centres: &[f64], p: usize) -> Vec<Vec<f64>> {
    centres
        .chunks_exact(p.max(1))
        .map(<[f64]>::to_vec)
        .collect()
}

/// The seed of start `s` (start 0 uses the run's own seed).
pub(super) fn start_seed(seed: u64, s: usize) -> u64 {
    seed.wrapping_add((s as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// One start run to convergence without reporting: greedy k-means++ from `seed`, then Lloyd
/// iterations. Returns the centres and their mean squared distance (the objective).
pub(super) fn converge(
    x: ArrayView2<f32>,
    k: usize,
    max_iterations: usize,
    seed: u64,
) -> (Vec<f64>, f64) {
    let p = x.ncols();
    let tolerance = TOLERANCE * mean_variance(x);
    let mut centres = seed_centres(x, k, &mut Xoshiro256PlusPlus::seed_from_u64(seed));
    for _ in 0..max_iterations.max(1) {
        let (next, moved) = lloyd_step(x, &centres, k);
        centres = next;
        if moved <= tolerance {
            break;
        }
    }
    let objective = inertia(x, &as_centroids(&centres, p));
    (centres, objective)
}

/// k-means. With one start, a step is a Lloyd iteration; with several (scikit-learn's
/// `n_init`, 10 by default), a step is a whole start run to convergence, and the start with the
/// lowest inertia is kept: `starts` times the work of one run, for a solution that does not
/// hang on one unlucky seeding.
pub fn train(
    params: &KMeansParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    let k = params.k;
    let (n, p) = (data.x.nrows(), data.x.ncols());
    check_k("k-means", k, n)?;
    if params.starts > 1 {
        let mut best: Option<(Vec<f64>, f64)> = None;
        for s in 0..params.starts {
            let (centres, objective) =
                converge(data.x, k, params.max_iterations, start_seed(seed, s));
            if best.as_ref().is_none_or(|b| objective < b.1) {
                best = Some((centres, objective));
            }
            let Some((kept, kept_objective)) = &best else {
                break;
            };
            let r = StepReport {
                step: s + 1,
                total_steps: params.starts,
                train_loss: *kept_objective,
                valid_loss: (data.valid_x.nrows() > 0)
                    .then(|| inertia(data.valid_x, &as_centroids(kept, p))),
                valid_metric: None,
            };
            if !ask(report, r)? {
                break;
            }
        }
        let Some((centres, _)) = best else {
            return Err(Error::Model("k-means ran no start".into()));
        };
        return Ok(model_of(&centres, p));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut centres = seed_centres(data.x, k, &mut rng);
    let tolerance = TOLERANCE * mean_variance(data.x);
    let total_steps = params.max_iterations.max(1);
    let mut best = Best::default();
    let mut best_centres = centres.clone();
    for step in 1..=total_steps {
        let (next, moved) = lloyd_step(data.x, &centres, k);
        centres = next;
        let centroids = as_centroids(&centres, p);
        let r = StepReport {
            step,
            total_steps,
            train_loss: inertia(data.x, &centroids),
            valid_loss: (data.valid_x.nrows() > 0).then(|| inertia(data.valid_x, &centroids)),
            valid_metric: None,
        };
        if best.offer(&r) {
            best_centres.clone_from(&centres);
        }
        if !ask(report, r)? {
            return Ok(model_of(&best_centres, p));
        }
        if moved <= tolerance {
            break;
        }
    }
    Ok(model_of(&centres, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::models::{Control, empty_matrix};
    use ndarray::Array2;

    #[test]
    fn finds_three_separated_groups() {
        // Three tight groups around (0,0), (10,0), (0,10).
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let x = Array2::from_shape_fn((300, 2), |(i, j)| {
            centres[i % 3][j] + rng.gen_range(-0.5..0.5)
        });
        let empty = empty_matrix(2);
        let data = TrainData {
            words: None,
            valid_words: None,
            x: x.view(),
            y: &[],
            weights: None,
            valid_x: empty.view(),
            valid_y: &[],
            classes: 0,
        };
        let params = KMeansParams {
            k: 3,
            max_iterations: 100,
            starts: 1,
        };
        let m = train(&params, &data, 1, &mut |_| Control::Continue).unwrap();
        let TrainedModel::KMeans { centroids } = &m else {
            unreachable!()
        };
        for c in centres {
            let d = centroids
                .iter()
                .map(|k| squared_distance(k, &c.map(f64::from)))
                .fold(f64::INFINITY, f64::min);
            assert!(d < 0.1, "{centroids:?}");
        }
        // Inertia: the spread of a uniform ±0.5 in two dimensions, 2 × 1/12.
        assert!((inertia(x.view(), centroids) - 2.0 / 12.0).abs() < 0.03);
        assert_eq!(
            m,
            train(&params, &data, 1, &mut |_| Control::Continue).unwrap()
        );
    }

    #[test]
    fn several_starts_keep_the_lowest_inertia() {
        // Five groups of unequal spread in 6 dimensions: single starts land in different optima.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let x = Array2::from_shape_fn((1_500, 6), |(i, j)| {
            let g = (i * 7) % 5;
            let centre =
                if j == g % 6 { 3.0 } else { 0.0 } + if j == (g + 2) % 6 { 1.5 } else { 0.0 };
            centre + rng.gen_range(-1.5..1.5) * (1.0 + g as f64 * 0.3)
        })
        .mapv(|v| v as f32);
        let empty = empty_matrix(6);
        let data = TrainData {
            words: None,
            valid_words: None,
            x: x.view(),
            y: &[],
            weights: None,
            valid_x: empty.view(),
            valid_y: &[],
            classes: 0,
        };
        let one = |seed| converge(x.view(), 5, 300, seed).1;
        let singles: Vec<f64> = (0..10).map(|s| one(start_seed(7, s))).collect();
        let params = KMeansParams {
            k: 5,
            max_iterations: 300,
            starts: 10,
        };
        let mut steps = 0;
        let m = train(&params, &data, 7, &mut |_| {
            steps += 1;
            Control::Continue
        })
        .unwrap();
        let TrainedModel::KMeans { centroids } = &m else {
            unreachable!()
        };
        let best = singles.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(steps, 10, "one step per start");
        assert!((inertia(x.view(), centroids) - best).abs() < 1e-12);
        // The first start alone is what one start gives.
        assert!(singles[0] >= best);
    }
}
