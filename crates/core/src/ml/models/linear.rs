//! Linear regression — least squares, ridge, lasso or elastic net — from the weighted moments
//! of the rows (means, XᵀX, Xᵀy). The rows are taken in ten seeded tenths: after each tenth the
//! model is solved on the rows seen so far, so the live curve is a learning curve, and the last
//! step is the exact fit on every row. Least squares and ridge solve the normal equations by
//! Cholesky; with a lasso share, coordinate descent runs on the same moments. Collinear columns
//! (a total next to its parts) make plain least squares singular: a tiny ridge then gives the
//! same predictions.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::params::LinearParams;
use super::{Best, Reporter, TrainData, TrainedModel, Watch, ask};
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
                        let wa = w * x[a];
                        m.sx[a] += wa;
                        m.sxy[a] += wa * y;
                        for b in 0..=a {
                            m.sxx[a * p + b] += wa * x[b];
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
    let predict = |w: &[f64], b: f64, x: ndarray::ArrayView2<f64>, rows: &[usize]| -> Vec<f64> {
        rows.iter()
            .map(|&r| x.row(r).iter().zip(w).map(|(a, c)| a * c).sum::<f64>() + b)
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn fit(x: ndarray::Array2<f64>, y: &[f64], params: LinearParams) -> (Vec<f64>, f64) {
        let empty = super::super::empty_matrix(x.ncols());
        let data = TrainData {
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
}
