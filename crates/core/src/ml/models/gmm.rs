//! Gaussian mixture on the standardised features: k segments, each a normal distribution with
//! its own centre and its own spread along every feature (diagonal covariances), and its share
//! of the customers. It starts from k-means (as scikit-learn does), then runs
//! expectation–maximisation, one iteration per step on the live curve, until the mean
//! log-likelihood per customer gains less than scikit-learn's tolerance (1e-3). A customer
//! belongs to the segment most likely to have produced them. Unlike k-means, segments may differ
//! in size and spread: a tight group of big spenders next to a loose crowd of occasional buyers.
//!
//! Diagonal rather than full covariances: a full one costs p² per customer and segment (1M
//! customers × 8 segments × 400 for 20 features per iteration), and one-hot columns make it
//! singular; the diagonal one is what a marketer can read ("spends vary little in this
//! segment"). Sums run in parallel over fixed blocks of rows added in order, so the result
//! never depends on the number of cores.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::kmeans::{self, row_f64};
use super::params::GmmParams;
use super::{Best, Reporter, StepReport, TrainData, TrainedModel, ask};
use crate::error::{Error, Result};

/// scikit-learn's tolerance on the gain in mean log-likelihood per customer.
const TOLERANCE: f64 = 1e-3;

/// Rows per parallel block.
const BLOCK: usize = 8_192;

/// ln(2π).
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// A fitted mixture: per segment its share, centre and variances (standardised units).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gmm {
    pub weights: Vec<f64>,
    pub means: Vec<Vec<f64>>,
    pub variances: Vec<Vec<f64>>,
}

/// What the E-step needs per segment, precomputed: ln(share) − ½ Σ ln(2π variance), the centre
/// and 1 / variance.
struct Compiled {
    constant: Vec<f64>,
    means: Vec<f64>,
    precision: Vec<f64>,
    p: usize,
}

impl Compiled {
    /// ln(share × density) of `row` under every segment, into `out`.
    fn log_joint(&self, row: &[f64], out: &mut [f64]) {
        let p = self.p;
        for (c, o) in out.iter_mut().enumerate() {
            let (m, q) = (
                &self.means[c * p..(c + 1) * p],
                &self.precision[c * p..(c + 1) * p],
            );
            let mut d = 0.0;
            for j in 0..p {
                let e = row[j] - m[j];
                d += e * e * q[j];
            }
            *o = self.constant[c] - 0.5 * d;
        }
    }
}

/// ln Σ exp(v), and `v` turned into the normalised probabilities.
fn normalise(v: &mut [f64]) -> f64 {
    let top = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - top).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
    top + sum.ln()
}

/// One E-step's sums: per segment Σ r, Σ r·x, Σ r·x², and the total log-likelihood.
struct Sums {
    n: Vec<f64>,
    sx: Vec<f64>,
    sxx: Vec<f64>,
    log_likelihood: f64,
}

impl Sums {
    fn zero(k: usize, p: usize) -> Self {
        Self {
            n: vec![0.0; k],
            sx: vec![0.0; k * p],
            sxx: vec![0.0; k * p],
            log_likelihood: 0.0,
        }
    }

    fn add(&mut self, other: &Self) {
        for (a, b) in self.n.iter_mut().zip(&other.n) {
            *a += b;
        }
        for (a, b) in self.sx.iter_mut().zip(&other.sx) {
            *a += b;
        }
        for (a, b) in self.sxx.iter_mut().zip(&other.sxx) {
            *a += b;
        }
        self.log_likelihood += other.log_likelihood;
    }
}

impl Gmm {
    fn k(&self) -> usize {
        self.weights.len()
    }

    /// Checks the shapes and values (a model file is data from outside).
    fn check(&self, p: usize) -> Result<()> {
        let k = self.k();
        let bad = |what: &str| Err(Error::Model(format!("the Gaussian mixture {what}")));
        if k == 0 || self.means.len() != k || self.variances.len() != k {
            return bad("has no segments or its parts differ in number");
        }
        if self
            .means
            .iter()
            .chain(&self.variances)
            .any(|v| v.len() != p)
        {
            return Err(Error::Model(format!(
                "the model takes {} features, the data gives {p}",
                self.means[0].len()
            )));
        }
        if self.weights.iter().any(|w| !(w.is_finite() && *w > 0.0))
            || self
                .variances
                .iter()
                .flatten()
                .any(|v| !(v.is_finite() && *v > 0.0))
            || self.means.iter().flatten().any(|m| !m.is_finite())
        {
            return bad("has a share, centre or variance that is not a positive finite number");
        }
        Ok(())
    }

    fn compile(&self) -> Compiled {
        let p = self.means.first().map_or(0, Vec::len);
        Compiled {
            constant: self
                .weights
                .iter()
                .zip(&self.variances)
                .map(|(w, var)| w.ln() - 0.5 * var.iter().map(|v| LN_2PI + v.ln()).sum::<f64>())
                .collect(),
            means: self.means.iter().flatten().copied().collect(),
            precision: self.variances.iter().flatten().map(|v| 1.0 / v).collect(),
            p,
        }
    }

    /// Per segment, what scoring computes with (for the SQL export): ln(share) − ½ Σ ln(2π
    /// variance), the centre, and 1 / variance — the very numbers of the E-step.
    pub(crate) fn sql_parts(&self) -> Vec<(f64, Vec<f64>, Vec<f64>)> {
        let c = self.compile();
        if c.p == 0 {
            return c
                .constant
                .iter()
                .map(|&k| (k, Vec::new(), Vec::new()))
                .collect();
        }
        c.constant
            .iter()
            .zip(c.means.chunks(c.p))
            .zip(c.precision.chunks(c.p))
            .map(|((&k, m), q)| (k, m.to_vec(), q.to_vec()))
            .collect()
    }

    /// Each row's probability of belonging to each segment, rows × k.
    pub fn predict_proba(&self, x: ArrayView2<f32>) -> Result<Array2<f64>> {
        self.check(x.ncols())?;
        let (k, c) = (self.k(), self.compile());
        let rows: Vec<Vec<f64>> = (0..x.nrows())
            .into_par_iter()
            .with_min_len(1024)
            .map_init(Vec::new, |buf, i| {
                let mut v = vec![0.0; k];
                c.log_joint(row_f64(x, i, buf), &mut v);
                normalise(&mut v);
                v
            })
            .collect();
        let mut out = Array2::zeros((x.nrows(), k));
        for (mut o, v) in out.rows_mut().into_iter().zip(rows) {
            o.assign(&ndarray::ArrayView1::from(&v));
        }
        Ok(out)
    }

    /// The most likely segment of each row (0-based).
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<f64>> {
        let probs = self.predict_proba(x)?;
        Ok(probs
            .rows()
            .into_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |best, (c, &v)| {
                        if v > best.1 { (c, v) } else { best }
                    })
                    .0 as f64
            })
            .collect())
    }

    /// The mean log-likelihood per row (higher is better); `None` without rows.
    pub fn mean_log_likelihood(&self, x: ArrayView2<f32>) -> Result<Option<f64>> {
        self.check(x.ncols())?;
        if x.nrows() == 0 {
            return Ok(None);
        }
        Ok(Some(
            e_step(x, &self.compile(), self.k()).log_likelihood / x.nrows() as f64,
        ))
    }
}

/// The E-step over every row of `x`, summed for the M-step.
fn e_step(x: ArrayView2<f32>, c: &Compiled, k: usize) -> Sums {
    let (n, p) = (x.nrows(), x.ncols());
    let parts: Vec<Sums> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let mut s = Sums::zero(k, p);
            let (mut buf, mut r) = (Vec::new(), vec![0.0; k]);
            for i in b * BLOCK..((b + 1) * BLOCK).min(n) {
                let row = row_f64(x, i, &mut buf);
                c.log_joint(row, &mut r);
                s.log_likelihood += normalise(&mut r);
                for (seg, &w) in r.iter().enumerate() {
                    s.n[seg] += w;
                    let (sx, sxx) = (
                        &mut s.sx[seg * p..(seg + 1) * p],
                        &mut s.sxx[seg * p..(seg + 1) * p],
                    );
                    for j in 0..p {
                        let v = row[j];
                        sx[j] += w * v;
                        sxx[j] += w * v * v;
                    }
                }
            }
            s
        })
        .collect();
    let mut total = Sums::zero(k, p);
    for part in &parts {
        total.add(part);
    }
    total
}

/// The M-step: shares, centres and variances from the sums (each variance at least `floor`).
fn m_step(s: &Sums, rows: usize, p: usize, floor: f64) -> Gmm {
    let k = s.n.len();
    // As scikit-learn: a segment nobody belongs to keeps a tiny share, not a division by 0.
    let n: Vec<f64> = s.n.iter().map(|v| v + 10.0 * f64::EPSILON).collect();
    let means: Vec<Vec<f64>> = (0..k)
        .map(|c| s.sx[c * p..(c + 1) * p].iter().map(|v| v / n[c]).collect())
        .collect();
    let variances = (0..k)
        .map(|c| {
            s.sxx[c * p..(c + 1) * p]
                .iter()
                .zip(&means[c])
                .map(|(q, m)| (q / n[c] - m * m).max(0.0) + floor)
                .collect()
        })
        .collect();
    let total: f64 = n.iter().sum();
    Gmm {
        weights: n
            .iter()
            .map(|v| v / total.max(rows as f64 * f64::EPSILON))
            .collect(),
        means,
        variances,
    }
}

/// The mixture k-means' segments give: hard segments make the first shares, centres, spreads.
fn start_from_kmeans(x: ArrayView2<f32>, k: usize, seed: u64, min_variance: f64) -> Gmm {
    let p = x.ncols();
    let (centres, _) = kmeans::converge(x, k, 100, seed);
    let centroids: Vec<Vec<f64>> = centres
        .chunks_exact(p.max(1))
        .map(<[f64]>::to_vec)
        .collect();
    let labels = kmeans::assign(x, &centroids);
    let mut sums = Sums::zero(k, p);
    let mut buf = Vec::new();
    for (i, &(c, _)) in labels.iter().enumerate() {
        let row = row_f64(x, i, &mut buf);
        sums.n[c] += 1.0;
        let (sx, sxx) = (
            &mut sums.sx[c * p..(c + 1) * p],
            &mut sums.sxx[c * p..(c + 1) * p],
        );
        for ((a, q), v) in sx.iter_mut().zip(sxx.iter_mut()).zip(row) {
            *a += v;
            *q += v * v;
        }
    }
    m_step(&sums, x.nrows(), p, min_variance)
}

/// EM from `model` until the mean log-likelihood gains less than the tolerance; `on_step` gets
/// each iteration's model and mean log-likelihood and answers whether to go on. Returns the last
/// model and its mean log-likelihood.
fn em(
    x: ArrayView2<f32>,
    mut model: Gmm,
    params: &GmmParams,
    on_step: &mut dyn FnMut(usize, &Gmm, f64) -> Result<bool>,
) -> Result<(Gmm, f64)> {
    let (n, p, k) = (x.nrows(), x.ncols(), params.k);
    let mut previous = f64::NEG_INFINITY;
    for step in 1..=params.max_iterations.max(1) {
        // The E-step measures the current model and gathers what the next one needs.
        let sums = e_step(x, &model.compile(), k);
        let log_likelihood = sums.log_likelihood / n as f64;
        if !on_step(step, &model, log_likelihood)? {
            return Ok((model, log_likelihood));
        }
        if (log_likelihood - previous).abs() < TOLERANCE {
            return Ok((model, log_likelihood));
        }
        previous = log_likelihood;
        model = m_step(&sums, n, p, params.min_variance);
    }
    let last = e_step(x, &model.compile(), k).log_likelihood / n as f64;
    Ok((model, last))
}

/// A Gaussian mixture. With one start, a step is an EM iteration; with several (10 by
/// default), a step is a whole start — k-means from its own seed, then EM to convergence — and
/// the start with the highest likelihood is kept: `starts` times the work of one fit.
pub fn train(
    params: &GmmParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    let k = params.k;
    let (n, _p) = (data.x.nrows(), data.x.ncols());
    kmeans::check_k("a Gaussian mixture", k, n)?;
    if !(params.min_variance.is_finite() && params.min_variance > 0.0) {
        return Err(Error::InvalidInput(
            "the variance floor must be a positive number".into(),
        ));
    }
    if params.starts > 1 {
        let mut best: Option<(Gmm, f64)> = None;
        for s in 0..params.starts {
            let start =
                start_from_kmeans(data.x, k, kmeans::start_seed(seed, s), params.min_variance);
            let (model, log_likelihood) = em(data.x, start, params, &mut |_, _, _| Ok(true))?;
            if best.as_ref().is_none_or(|b| log_likelihood > b.1) {
                best = Some((model, log_likelihood));
            }
            let Some((kept, kept_ll)) = &best else {
                break;
            };
            let r = StepReport {
                step: s + 1,
                total_steps: params.starts,
                train_loss: -kept_ll,
                valid_loss: kept.mean_log_likelihood(data.valid_x)?.map(|v| -v),
                valid_metric: None,
            };
            if !ask(report, r)? {
                break;
            }
        }
        let Some((model, _)) = best else {
            return Err(Error::Model("the mixture ran no start".into()));
        };
        return Ok(TrainedModel::Gmm(model));
    }
    let start = start_from_kmeans(data.x, k, seed, params.min_variance);
    let total_steps = params.max_iterations.max(1);
    let mut best = Best::default();
    let mut best_model = start.clone();
    let mut stopped = false;
    let (model, _) = em(data.x, start, params, &mut |step, model, log_likelihood| {
        let r = StepReport {
            step,
            total_steps,
            train_loss: -log_likelihood,
            valid_loss: model.mean_log_likelihood(data.valid_x)?.map(|v| -v),
            valid_metric: None,
        };
        if best.offer(&r) {
            best_model.clone_from(model);
        }
        let go_on = ask(report, r)?;
        stopped = !go_on;
        Ok(go_on)
    })?;
    Ok(TrainedModel::Gmm(if stopped { best_model } else { model }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::models::{Control, empty_matrix};
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn finds_groups_of_different_size_and_spread() {
        // 75 % of rows in a wide group around (0, 0) (sd 2), 25 % in a tight one around (6, 6)
        // (sd 0.3).
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let unit = Normal::new(0.0, 1.0).unwrap();
        let n = 4_000;
        let x = Array2::from_shape_fn((n, 2), |(i, _)| {
            if i % 4 == 0 {
                6.0 + 0.3 * unit.sample(&mut rng)
            } else {
                2.0 * unit.sample(&mut rng)
            }
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
        let params = GmmParams {
            k: 2,
            min_variance: 1e-6,
            ..GmmParams::default()
        };
        let mut curve = Vec::new();
        let m = train(&params, &data, 1, &mut |r| {
            curve.push(r.train_loss);
            Control::Continue
        })
        .unwrap();
        let TrainedModel::Gmm(g) = &m else {
            unreachable!()
        };
        let tight = usize::from(g.means[1][0] > g.means[0][0]);
        let wide = 1 - tight;
        assert!((g.weights[tight] - 0.25).abs() < 0.02, "{g:?}");
        for j in 0..2 {
            assert!((g.means[tight][j] - 6.0).abs() < 0.05, "{g:?}");
            assert!(g.means[wide][j].abs() < 0.15, "{g:?}");
            assert!((g.variances[tight][j] - 0.09).abs() < 0.02, "{g:?}");
            assert!((g.variances[wide][j] - 4.0).abs() < 0.4, "{g:?}");
        }
        // EM never lowers the likelihood.
        assert!(curve.windows(2).all(|w| w[1] <= w[0] + 1e-6), "{curve:?}");
        // Rows are put in the group that made them (a wide row rarely lands near (6, 6)).
        let seg = g.predict(x.view()).unwrap();
        let right = seg
            .iter()
            .enumerate()
            .filter(|(i, s)| (**s as usize == tight) == (i % 4 == 0))
            .count();
        assert!(right as f64 / n as f64 > 0.98, "{right}");
        let probs = g.predict_proba(x.view()).unwrap();
        assert!(
            probs
                .rows()
                .into_iter()
                .all(|r| (r.sum() - 1.0).abs() < 1e-9)
        );
        // Same seed, same model.
        assert_eq!(
            m,
            train(&params, &data, 1, &mut |_| Control::Continue).unwrap()
        );
        // A model file with the wrong width is an error, not a panic.
        assert!(g.predict(Array2::zeros((3, 5)).view()).is_err());
    }

    #[test]
    fn several_starts_keep_the_most_likely_fit() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(21);
        let unit = Normal::new(0.0, 1.0).unwrap();
        let x = Array2::from_shape_fn((2_000, 4), |(i, j)| {
            let g = (i * 3) % 5;
            let centre = if j == g % 4 { 2.5 } else { 0.0 };
            centre + unit.sample(&mut rng) * (0.6 + 0.2 * g as f64)
        })
        .mapv(|v| v as f32);
        let empty = empty_matrix(4);
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
        let params = GmmParams {
            k: 5,
            ..GmmParams::default()
        };
        let singles: Vec<f64> = (0..params.starts)
            .map(|s| {
                let start =
                    start_from_kmeans(x.view(), 5, kmeans::start_seed(9, s), params.min_variance);
                em(x.view(), start, &params, &mut |_, _, _| Ok(true))
                    .unwrap()
                    .1
            })
            .collect();
        let best = singles.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut steps = 0;
        let m = train(&params, &data, 9, &mut |_| {
            steps += 1;
            Control::Continue
        })
        .unwrap();
        let TrainedModel::Gmm(g) = &m else {
            unreachable!()
        };
        assert_eq!(steps, params.starts, "one step per start");
        let kept = e_step(x.view(), &g.compile(), 5).log_likelihood / 2_000.0;
        assert!((kept - best).abs() < 1e-12, "{kept} vs {best}");
        assert!(best >= singles[0]);
    }
}
