//! Linear regression — least squares, ridge, lasso or elastic net — from the weighted moments
//! of the rows (means, XᵀX, Xᵀy). The rows are taken in ten seeded tenths: after each tenth the
//! model is solved on the rows seen so far, so the live curve is a learning curve, and the last
//! step is the exact fit on every row. Least squares and ridge solve the normal equations by
//! Cholesky; with a lasso share, coordinate descent runs on the same moments. Collinear columns
//! (a total next to its parts) make plain least squares singular: a tiny ridge then gives the
//! same predictions.
//!
//! Free text read as its whole vocabulary ([`super::Rows::words`], tens of thousands of sparse
//! features) has no room for a features × features matrix: the same penalised least squares is
//! then minimised by gradient over the sparse rows — L-BFGS for least squares and ridge,
//! accelerated proximal gradient (FISTA) with a lasso share — still in ten tenths of the rows,
//! each solve starting from the last.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::optim::{Lbfgs, Progress};
use super::params::LinearParams;
use super::{Best, Reporter, Rows, TrainData, TrainedModel, Watch, ask};
use crate::error::{Error, Result};

/// Steps of a linear fit: the rows arrive in this many parts.
pub const CHUNKS: usize = 10;

/// Rows per parallel block when summing moments.
const BLOCK: usize = 4_096;

/// Weighted sums over the rows seen so far.
#[derive(Clone, Debug)]
struct Moments {
    p: usize,
    sw: f64,
    sx: Vec<f64>,
    sy: f64,
    /// Σ w·x·xᵀ, full p × p.
    sxx: Vec<f64>,
    sxy: Vec<f64>,
}

impl Moments {
    fn new(p: usize) -> Self {
        Self {
            p,
            sw: 0.0,
            sx: vec![0.0; p],
            sy: 0.0,
            sxx: vec![0.0; p * p],
            sxy: vec![0.0; p],
        }
    }

    fn add(&mut self, o: &Moments) {
        self.sw += o.sw;
        self.sy += o.sy;
        for (a, b) in self.sx.iter_mut().zip(&o.sx) {
            *a += b;
        }
        for (a, b) in self.sxx.iter_mut().zip(&o.sxx) {
            *a += b;
        }
        for (a, b) in self.sxy.iter_mut().zip(&o.sxy) {
            *a += b;
        }
    }

    /// Adds `rows` (in parallel blocks summed in order, so the result never depends on threads).
    fn add_rows(&mut self, data: &TrainData, rows: &[usize]) {
        let p = self.p;
        let parts: Vec<Moments> = rows
            .par_chunks(BLOCK)
            .map(|block| {
                let mut m = Moments::new(p);
                for &i in block {
                    let (x, y, w) = (data.x.row(i), data.y[i], data.weight(i));
                    m.sw += w;
                    m.sy += w * y;
                    for a in 0..p {
                        let wa = w * f64::from(x[a]);
                        m.sx[a] += wa;
                        m.sxy[a] += wa * y;
                        for b in 0..=a {
                            m.sxx[a * p + b] += wa * f64::from(x[b]);
                        }
                    }
                }
                m
            })
            .collect();
        for part in &parts {
            self.add(part);
        }
    }

    /// Covariance matrix C and vector c (divided by Σw), and the means.
    fn centred(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>, f64) {
        let p = self.p;
        let sw = self.sw.max(f64::MIN_POSITIVE);
        let mx: Vec<f64> = self.sx.iter().map(|v| v / sw).collect();
        let my = self.sy / sw;
        let mut c = vec![0.0; p * p];
        for a in 0..p {
            for b in 0..=a {
                let v = self.sxx[a * p + b] / sw - mx[a] * mx[b];
                c[a * p + b] = v;
                c[b * p + a] = v;
            }
        }
        let cy = (0..p).map(|a| self.sxy[a] / sw - mx[a] * my).collect();
        (c, cy, mx, my)
    }
}

/// Solves A·w = b for symmetric positive definite A (p × p) by Cholesky; None if it isn't.
fn cholesky_solve(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut sum = a[i * p + j];
            for k in 0..j {
                sum -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                l[i * p + i] = sum.sqrt();
            } else {
                l[i * p + j] = sum / l[j * p + j];
            }
        }
    }
    let mut z = vec![0.0; p];
    for i in 0..p {
        let s: f64 = (0..i).map(|k| l[i * p + k] * z[k]).sum();
        z[i] = (b[i] - s) / l[i * p + i];
    }
    let mut w = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| l[k * p + i] * w[k]).sum();
        w[i] = (z[i] - s) / l[i * p + i];
    }
    Some(w)
}

/// Coordinate descent for ½wᵀCw − cᵀw + α(ρ|w|₁ + (1 − ρ)/2·|w|²), from `w`.
fn elastic_net(c: &[f64], cy: &[f64], p: usize, alpha: f64, rho: f64, w: &mut [f64]) {
    let (l1, l2) = (alpha * rho, alpha * (1.0 - rho));
    for _ in 0..10_000 {
        let mut largest_move: f64 = 0.0;
        for j in 0..p {
            let diag = c[j * p + j];
            if diag + l2 <= 0.0 {
                w[j] = 0.0;
                continue;
            }
            let others: f64 = (0..p)
                .filter(|&k| k != j)
                .map(|k| c[j * p + k] * w[k])
                .sum();
            let z = cy[j] - others;
            let new = z.signum() * (z.abs() - l1).max(0.0) / (diag + l2);
            largest_move = largest_move.max((new - w[j]).abs());
            w[j] = new;
        }
        if largest_move < 1e-10 {
            break;
        }
    }
}

/// Fits the weights and intercept from the moments.
fn solve(m: &Moments, params: &LinearParams, warm: &[f64]) -> Result<(Vec<f64>, f64)> {
    let p = m.p;
    let (c, cy, mx, my) = m.centred();
    let alpha = params.penalty.max(0.0);
    let rho = params.l1_ratio.clamp(0.0, 1.0);
    let w = if alpha > 0.0 && rho > 0.0 {
        let mut w = warm.to_vec();
        elastic_net(&c, &cy, p, alpha, rho, &mut w);
        w
    } else {
        let scale = (0..p).map(|i| c[i * p + i]).fold(0.0, f64::max).max(1e-300);
        // Plain least squares first; if the columns are collinear, the smallest ridge that
        // makes the equations solvable.
        [
            alpha,
            alpha + 1e-10 * scale + 1e-12,
            alpha + 1e-6 * scale + 1e-9,
        ]
        .into_iter()
        .find_map(|ridge| {
            let mut a = c.clone();
            for i in 0..p {
                a[i * p + i] += ridge;
            }
            cholesky_solve(&a, &cy, p)
        })
        .ok_or_else(|| {
            Error::Model("linear regression: the equations have no stable solution".into())
        })?
    };
    let intercept = my - w.iter().zip(&mx).map(|(a, b)| a * b).sum::<f64>();
    Ok((w, intercept))
}

/// The most features linear regression takes: its moments are a features × features matrix
/// (5,000² doubles: 200 MB) solved in features³ steps.
pub const MAX_FEATURES: usize = 5_000;

pub fn train(
    params: &LinearParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    if data.words.is_some() {
        return train_words(params, data, seed, report);
    }
    let (n, p) = (data.x.nrows(), data.x.ncols());
    if p > MAX_FEATURES {
        return Err(Error::InvalidInput(format!(
            "linear regression on {p} features needs a {p} × {p} matrix ({:.1} GB) and hours to solve it: use gradient boosting or a random forest, or leave columns out (at most {MAX_FEATURES} features)",
            (p * p * 8) as f64 / 1e9
        )));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let watch = Watch::new(data, seed);
    let predict = |w: &[f64], b: f64, x: ndarray::ArrayView2<f32>, rows: &[usize]| -> Vec<f64> {
        rows.iter().map(|&r| Rows::from(x).dot(r, w) + b).collect()
    };
    let mut moments = Moments::new(p);
    let mut w = vec![0.0; p];
    let mut intercept = 0.0;
    let mut best = Best::default();
    let mut best_fit = (w.clone(), intercept);
    let chunks = CHUNKS.min(n).max(1);
    for step in 1..=chunks {
        let mut rows = order[(step - 1) * n / chunks..step * n / chunks].to_vec();
        rows.sort_unstable();
        moments.add_rows(data, &rows);
        (w, intercept) = solve(&moments, params, &w)?;
        let r = watch.report(
            step,
            chunks,
            &predict(&w, intercept, data.x, &watch.train_rows),
            &predict(&w, intercept, data.valid_x, &watch.valid_rows),
        );
        if best.offer(&r) {
            best_fit = (w.clone(), intercept);
        }
        if !ask(report, r)? {
            (w, intercept) = best_fit;
            break;
        }
    }
    Ok(TrainedModel::Linear {
        weights: w,
        intercept,
    })
}

/// Rows per parallel chunk of the gradient over sparse rows.
const CHUNK: usize = 8_192;

/// Mean weighted squared error / 2 of `rows` plus `l2 / 2 · |w|²`, and its gradient; `w` ends
/// with the intercept (not penalised).
fn squared_loss(
    x: Rows,
    (y, data): (&[f64], &TrainData),
    rows: &[usize],
    l2: f64,
    w: &[f64],
    grad: &mut [f64],
) -> f64 {
    let p = x.ncols();
    // Fixed chunks summed in order: the same numbers whatever the threads do.
    let parts: Vec<(f64, f64, Vec<f64>)> = rows
        .par_chunks(CHUNK)
        .map(|chunk| {
            let (mut loss, mut sw) = (0.0, 0.0);
            let mut g = vec![0.0; p + 1];
            for &i in chunk {
                let wt = data.weight(i);
                let r = x.dot(i, w) + w[p] - y[i];
                loss += wt * r * r;
                sw += wt;
                x.add_to(i, wt * r, &mut g);
                g[p] += wt * r;
            }
            (loss, sw, g)
        })
        .collect();
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (mut loss, mut sw) = (0.0, 0.0);
    for (l, s, part) in parts {
        loss += l;
        sw += s;
        for (a, b) in grad.iter_mut().zip(&part) {
            *a += b;
        }
    }
    let sw = sw.max(f64::MIN_POSITIVE);
    let mut out = 0.5 * loss / sw;
    for j in 0..=p {
        grad[j] /= sw;
        if j < p {
            grad[j] += l2 * w[j];
            out += 0.5 * l2 * w[j] * w[j];
        }
    }
    out
}

/// Minimises `f(w) + l1·|w[..p]|₁` from `w` by FISTA with backtracking (Beck & Teboulle 2009);
/// the last entry (the intercept) is not penalised.
fn fista(f: &mut impl FnMut(&[f64], &mut [f64]) -> f64, w: &mut Vec<f64>, l1: f64) {
    let p = w.len() - 1;
    let mut lipschitz = 1.0;
    let (mut y, mut t) = (w.clone(), 1.0f64);
    let mut g = vec![0.0; w.len()];
    let mut scratch = vec![0.0; w.len()];
    for _ in 0..MAX_ITERATIONS {
        let fy = f(&y, &mut g);
        let next = loop {
            let step = 1.0 / lipschitz;
            let next: Vec<f64> = (0..=p)
                .map(|j| {
                    let v = y[j] - step * g[j];
                    if j < p {
                        v.signum() * (v.abs() - l1 * step).max(0.0)
                    } else {
                        v
                    }
                })
                .collect();
            let d: Vec<f64> = next.iter().zip(&y).map(|(a, b)| a - b).collect();
            let model = fy
                + d.iter().zip(&g).map(|(a, b)| a * b).sum::<f64>()
                + 0.5 * lipschitz * d.iter().map(|v| v * v).sum::<f64>();
            let fx = f(&next, &mut scratch);
            if fx <= model + 1e-12 * fy.abs() || lipschitz > 1e12 {
                break next;
            }
            lipschitz *= 2.0;
        };
        let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
        let moved = next
            .iter()
            .zip(w.iter())
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        for j in 0..=p {
            y[j] = next[j] + (t - 1.0) / t_next * (next[j] - w[j]);
        }
        *w = next;
        t = t_next;
        if moved < GRADIENT_TOLERANCE {
            break;
        }
    }
}

/// Iterations of one solve on free text (per tenth of the rows).
const MAX_ITERATIONS: usize = 1_000;

/// Stop when no gradient component (L-BFGS) or weight move (FISTA) exceeds this, in units of
/// the target's standard deviation.
const GRADIENT_TOLERANCE: f64 = 1e-9;

/// Linear regression over dense features and sparse free text (see the module's notes). The
/// target is standardised while solving, so the tolerances mean the same for any amount; the
/// penalties are scaled so the minimum is the one the moments would give.
fn train_words(
    params: &LinearParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    let x = data.rows();
    let (n, p) = (x.nrows(), x.ncols());
    let total_weight: f64 = (0..n).map(|i| data.weight(i)).sum();
    if total_weight <= 0.0 || !total_weight.is_finite() {
        return Err(Error::InvalidInput(
            "the training rows have no weight".into(),
        ));
    }
    let mean = (0..n).map(|i| data.weight(i) * data.y[i]).sum::<f64>() / total_weight;
    let var = (0..n)
        .map(|i| data.weight(i) * (data.y[i] - mean).powi(2))
        .sum::<f64>()
        / total_weight;
    let sd = if var.sqrt() > 1e-12 { var.sqrt() } else { 1.0 };
    let y: Vec<f64> = data.y.iter().map(|v| (v - mean) / sd).collect();
    let alpha = params.penalty.max(0.0);
    let rho = params.l1_ratio.clamp(0.0, 1.0);
    let (l1, l2) = (alpha * rho / sd, alpha * (1.0 - rho));

    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let watch = Watch::new(data, seed);
    // Back to the target's units.
    let model_of = |w: &[f64]| TrainedModel::Linear {
        weights: w[..p].iter().map(|v| v * sd).collect(),
        intercept: w[p] * sd + mean,
    };
    let predict = |w: &[f64], x: Rows, rows: &[usize]| -> Vec<f64> {
        rows.iter()
            .map(|&r| (x.dot(r, w) + w[p]) * sd + mean)
            .collect()
    };
    let mut w = vec![0.0; p + 1];
    let mut best = Best::default();
    let mut best_w = w.clone();
    let chunks = CHUNKS.min(n).max(1);
    for step in 1..=chunks {
        let mut rows = order[..step * n / chunks].to_vec();
        rows.sort_unstable();
        let mut objective = |w: &[f64], g: &mut [f64]| squared_loss(x, (&y, data), &rows, l2, w, g);
        if l1 > 0.0 {
            fista(&mut objective, &mut w, l1);
        } else {
            let mut opt = Lbfgs::new(w.clone(), 10, &mut objective);
            for _ in 0..MAX_ITERATIONS {
                if opt.iterate_to(&mut objective, GRADIENT_TOLERANCE, 0.0) == Progress::Converged {
                    break;
                }
            }
            w = opt.w;
        }
        if w.iter().any(|v| !v.is_finite()) {
            return Err(Error::Model(
                "linear regression on free text did not converge (the weights overflowed)".into(),
            ));
        }
        let r = watch.report(
            step,
            chunks,
            &predict(&w, x, &watch.train_rows),
            &predict(&w, data.valid_rows(), &watch.valid_rows),
        );
        if best.offer(&r) {
            best_w.clone_from(&w);
        }
        if !ask(report, r)? {
            return Ok(model_of(&best_w));
        }
    }
    Ok(model_of(&w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tfidf::Csr;
    use ndarray::array;

    fn fit(x: ndarray::Array2<f64>, y: &[f64], params: LinearParams) -> (Vec<f64>, f64) {
        let x = x.mapv(|v| v as f32);
        let empty = super::super::empty_matrix(x.ncols());
        let data = TrainData {
            words: None,
            valid_words: None,
            x: x.view(),
            y,
            weights: None,
            valid_x: empty.view(),
            valid_y: &[],
            classes: 0,
        };
        match train(&params, &data, 1, &mut |_| super::super::Control::Continue).unwrap() {
            TrainedModel::Linear { weights, intercept } => (weights, intercept),
            _ => unreachable!(),
        }
    }

    #[test]
    fn least_squares_recovers_an_exact_line() {
        // y = 2a − b + 1
        let x = array![[1.0, 0.0], [2.0, 1.0], [3.0, 0.5], [4.0, 2.0], [0.0, 3.0]];
        let y: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|r| 2.0 * r[0] - r[1] + 1.0)
            .collect();
        let (w, b) = fit(x, &y, LinearParams::default());
        assert!((w[0] - 2.0).abs() < 1e-9 && (w[1] + 1.0).abs() < 1e-9 && (b - 1.0).abs() < 1e-9);
    }

    #[test]
    fn collinear_columns_still_fit() {
        // y = 2a + 1, with b a copy of a: OLS is singular, a tiny ridge splits the weight.
        let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]];
        let y = [3.0, 5.0, 7.0, 9.0];
        let (w, b) = fit(x, &y, LinearParams::default());
        for (i, yi) in y.iter().enumerate() {
            let p = w[0] * (i + 1) as f64 + w[1] * (i + 1) as f64 + b;
            assert!((p - yi).abs() < 1e-4, "{p} vs {yi}");
        }
    }

    #[test]
    fn lasso_drops_a_useless_column_and_matches_the_closed_form() {
        // y = 3a, b unrelated noise; columns are centred with unit variance.
        let a = [-1.5, -0.5, 0.5, 1.5, -1.0, 1.0];
        let bcol = [0.3, -0.2, 0.1, -0.1, 0.2, -0.3];
        let x =
            ndarray::Array2::from_shape_fn((6, 2), |(i, j)| if j == 0 { a[i] } else { bcol[i] });
        let y: Vec<f64> = a.iter().map(|v| 3.0 * v).collect();
        let (w, _) = fit(
            x,
            &y,
            LinearParams {
                penalty: 0.1,
                l1_ratio: 1.0,
            },
        );
        // One-column lasso: w = (cov(a, y) − α) / var(a).
        let var_a = a.iter().map(|v| v * v).sum::<f64>() / 6.0;
        assert!((w[0] - (3.0 * var_a - 0.1) / var_a).abs() < 1e-6, "{w:?}");
        assert_eq!(w[1], 0.0);
    }

    #[test]
    fn sparse_text_gives_the_fit_of_the_same_features_dense() {
        use super::super::test_support::{dense_and_sparse, weights_of};
        let (all, head, words) = dense_and_sparse(400, 6);
        let y: Vec<f64> = all
            .rows()
            .into_iter()
            .map(|r| r.mapv(f64::from))
            .enumerate()
            .map(|(i, r)| 100.0 + 20.0 * r[0] + 50.0 * r[4] - 30.0 * r[7] + ((i % 5) as f64))
            .collect();
        let empty = super::super::empty_matrix(3);
        let no_words = Csr {
            cols: 6,
            indptr: vec![0],
            ..Csr::default()
        };
        for params in [
            LinearParams::default(),
            LinearParams {
                penalty: 0.5,
                l1_ratio: 0.0,
            },
            LinearParams {
                penalty: 0.5,
                l1_ratio: 0.5,
            },
        ] {
            let (mw, mb) = fit(all.mapv(f64::from), &y, params.clone());
            let moments: Vec<f64> = mw.into_iter().chain([mb]).collect();
            let data = TrainData {
                x: head.view(),
                words: Some(&words),
                valid_words: Some(&no_words),
                y: &y,
                weights: None,
                valid_x: empty.view(),
                valid_y: &[],
                classes: 0,
            };
            let sparse =
                train(&params, &data, 1, &mut |_| super::super::Control::Continue).unwrap();
            let w = weights_of(&sparse);
            for (a, b) in moments.iter().zip(&w) {
                assert!(
                    (a - b).abs() < 1e-5 * (1.0 + a.abs()),
                    "{params:?}: {moments:?} vs {w:?}"
                );
            }
        }
    }
}
