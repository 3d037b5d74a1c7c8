//! Logistic regression with an L2 penalty and optional per-row (class) weights, fitted by our
//! L-BFGS ([`super::optim`]) one iteration per step, so the live curve shows every iteration
//! without restarting the optimiser. The loss and gradient are one fused pass over the rows,
//! in parallel (see ARCHITECTURE.md for why this replaces linfa-logistic). Free text arrives
//! as the sparse TF-IDF of its whole vocabulary ([`Rows`]): each row costs its own terms only.

use rayon::prelude::*;

use super::optim::{Lbfgs, Progress};
use super::params::LogisticParams;
use super::{Best, Reporter, Rows, TrainData, TrainedModel, Watch, ask};
use crate::error::{Error, Result};

/// L-BFGS stops when no gradient component of the mean loss exceeds this (scikit-learn's tol).
const GRADIENT_TOLERANCE: f64 = 1e-4;

/// Rows per parallel chunk of the loss.
const CHUNK: usize = 8_192;

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// log(1 + eᶻ) without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Mean weighted log loss plus `l2 / (2 Σw) · |w|²`, and its gradient; `w` ends with the
/// intercept (not penalised).
fn loss_and_gradient(
    data: &TrainData,
    l2: f64,
    total_weight: f64,
    w: &[f64],
    grad: &mut [f64],
) -> f64 {
    let x = data.rows();
    let (n, p) = (x.nrows(), x.ncols());
    // Fixed chunks summed in order: the same numbers whatever the threads do.
    let parts: Vec<(f64, Vec<f64>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut loss = 0.0;
            let mut g = vec![0.0; p + 1];
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let z = x.dot(i, w) + w[p];
                let (y, wt) = (data.y[i], data.weight(i));
                loss += wt * (softplus(z) - y * z);
                let r = wt * (sigmoid(z) - y);
                x.add_to(i, r, &mut g);
                g[p] += r;
            }
            (loss, g)
        })
        .collect();
    let mut loss = 0.0;
    let mut g = vec![0.0; p + 1];
    for (l, part) in parts {
        loss += l;
        for (a, b) in g.iter_mut().zip(&part) {
            *a += b;
        }
    }
    let penalty = l2 / total_weight;
    let mut out = loss / total_weight;
    for j in 0..p {
        grad[j] = g[j] / total_weight + penalty * w[j];
        out += 0.5 * penalty * w[j] * w[j];
    }
    grad[p] = g[p] / total_weight;
    out
}

fn model_of(w: &[f64]) -> TrainedModel {
    let p = w.len() - 1;
    TrainedModel::Logistic {
        weights: w[..p].to_vec(),
        intercept: w[p],
    }
}

/// Mean weighted cross-entropy of several classes plus `l2 / (2 Σw) · |W|²`, and its gradient;
/// `w` holds class after class `p` weights then the intercept.
fn multinomial_loss(
    data: &TrainData,
    l2: f64,
    total_weight: f64,
    w: &[f64],
    grad: &mut [f64],
) -> f64 {
    let x = data.rows();
    let (n, p, k) = (x.nrows(), x.ncols(), data.classes);
    let parts: Vec<(f64, Vec<f64>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut loss = 0.0;
            let mut g = vec![0.0; k * (p + 1)];
            let mut z = vec![0.0; k];
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                for (c, zc) in z.iter_mut().enumerate() {
                    let wc = &w[c * (p + 1)..(c + 1) * (p + 1)];
                    *zc = x.dot(i, wc) + wc[p];
                }
                let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = z.iter().map(|v| (v - top).exp()).sum();
                let log_sum = top + sum.ln();
                let (y, wt) = (data.y[i] as usize, data.weight(i));
                loss += wt * (log_sum - z[y.min(k - 1)]);
                for (c, &zc) in z.iter().enumerate() {
                    let r = wt * ((zc - log_sum).exp() - f64::from(u8::from(c == y)));
                    let gc = &mut g[c * (p + 1)..(c + 1) * (p + 1)];
                    x.add_to(i, r, gc);
                    gc[p] += r;
                }
            }
            (loss, g)
        })
        .collect();
    let mut loss = 0.0;
    grad.iter_mut().for_each(|g| *g = 0.0);
    for (l, part) in parts {
        loss += l;
        for (a, b) in grad.iter_mut().zip(&part) {
            *a += b;
        }
    }
    let penalty = l2 / total_weight;
    let mut out = loss / total_weight;
    for c in 0..k {
        for j in 0..=p {
            let idx = c * (p + 1) + j;
            grad[idx] /= total_weight;
            if j < p {
                grad[idx] += penalty * w[idx];
                out += 0.5 * penalty * w[idx] * w[idx];
            }
        }
    }
    out
}

/// Class probabilities (rows × classes) of the rows `rows` of `x`.
fn multinomial_probs(w: &[f64], k: usize, x: Rows, rows: &[usize]) -> Vec<f64> {
    let p = x.ncols();
    let mut out = Vec::with_capacity(rows.len() * k);
    for &r in rows {
        let z: Vec<f64> = (0..k)
            .map(|c| {
                let wc = &w[c * (p + 1)..(c + 1) * (p + 1)];
                x.dot(r, wc) + wc[p]
            })
            .collect();
        let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z.iter().map(|v| (v - top).exp()).collect();
        let sum: f64 = e.iter().sum();
        out.extend(e.iter().map(|v| v / sum));
    }
    out
}

fn multinomial_of(w: &[f64], k: usize, p: usize) -> TrainedModel {
    TrainedModel::Multinomial {
        weights: (0..k)
            .map(|c| w[c * (p + 1)..c * (p + 1) + p].to_vec())
            .collect(),
        intercepts: (0..k).map(|c| w[c * (p + 1) + p]).collect(),
    }
}

/// Several classes: multinomial (softmax) logistic regression, as scikit-learn's default.
fn train_multinomial(
    params: &LogisticParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    let (p, k) = (data.ncols(), data.classes);
    let total_weight: f64 = (0..data.x.nrows()).map(|i| data.weight(i)).sum();
    if total_weight <= 0.0 || !total_weight.is_finite() {
        return Err(Error::InvalidInput(
            "the training rows have no weight".into(),
        ));
    }
    let l2 = params.l2.max(0.0);
    let mut objective = |w: &[f64], g: &mut [f64]| multinomial_loss(data, l2, total_weight, w, g);
    let mut opt = Lbfgs::new(vec![0.0; k * (p + 1)], 10, &mut objective);
    let watch = Watch::new(data, seed);
    let total = params.max_iterations.max(1);
    let mut best = Best::default();
    let mut best_w = opt.w.clone();
    for step in 1..=total {
        let progress = opt.iterate(&mut objective, GRADIENT_TOLERANCE);
        let r = watch.report_probs(
            step,
            total,
            &multinomial_probs(&opt.w, k, data.rows(), &watch.train_rows),
            &multinomial_probs(&opt.w, k, data.valid_rows(), &watch.valid_rows),
        );
        if best.offer(&r) {
            best_w.clone_from(&opt.w);
        }
        if !ask(report, r)? {
            return Ok(multinomial_of(&best_w, k, p));
        }
        if progress == Progress::Converged {
            break;
        }
    }
    if opt.w.iter().any(|v| !v.is_finite()) {
        return Err(Error::Model(
            "logistic regression did not converge (the weights overflowed)".into(),
        ));
    }
    Ok(multinomial_of(&opt.w, k, p))
}

pub fn train(
    params: &LogisticParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    if data.is_multiclass() {
        return train_multinomial(params, data, seed, report);
    }
    let p = data.ncols();
    let total_weight: f64 = (0..data.x.nrows()).map(|i| data.weight(i)).sum();
    if total_weight <= 0.0 || !total_weight.is_finite() {
        return Err(Error::InvalidInput(
            "the training rows have no weight".into(),
        ));
    }
    let l2 = params.l2.max(0.0);
    let mut objective = |w: &[f64], g: &mut [f64]| loss_and_gradient(data, l2, total_weight, w, g);
    let mut opt = Lbfgs::new(vec![0.0; p + 1], 10, &mut objective);
    let watch = Watch::new(data, seed);
    let scores = |w: &[f64], x: Rows, rows: &[usize]| -> Vec<f64> {
        rows.iter().map(|&r| sigmoid(x.dot(r, w) + w[p])).collect()
    };
    let total = params.max_iterations.max(1);
    let mut best = Best::default();
    let mut best_w = opt.w.clone();
    for step in 1..=total {
        let progress = opt.iterate(&mut objective, GRADIENT_TOLERANCE);
        let r = watch.report(
            step,
            total,
            &scores(&opt.w, data.rows(), &watch.train_rows),
            &scores(&opt.w, data.valid_rows(), &watch.valid_rows),
        );
        if best.offer(&r) {
            best_w.clone_from(&opt.w);
        }
        if !ask(report, r)? {
            return Ok(model_of(&best_w));
        }
        if progress == Progress::Converged {
            break;
        }
    }
    if opt.w.iter().any(|v| !v.is_finite()) {
        return Err(Error::Model(
            "logistic regression did not converge (the weights overflowed)".into(),
        ));
    }
    Ok(model_of(&opt.w))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{dense_and_sparse, weights_of};
    use super::super::{Control, TrainData, empty_matrix};
    use super::*;

    fn fit(
        x: &ndarray::Array2<f32>,
        words: Option<&Csr>,
        y: &[f64],
        classes: usize,
    ) -> TrainedModel {
        let empty = empty_matrix(x.ncols());
        let empty_words = words.map(|w| Csr {
            cols: w.cols,
            indptr: vec![0],
            ..Csr::default()
        });
        let data = TrainData {
            x: x.view(),
            words,
            valid_words: empty_words.as_ref(),
            y,
            weights: None,
            valid_x: empty.view(),
            valid_y: &[],
            classes,
        };
        train(&LogisticParams::default(), &data, 1, &mut |_| {
            Control::Continue
        })
        .unwrap()
    }

    /// Trains on the same features held all dense, then with the last ones sparse.
    fn both(y: &[f64], classes: usize) -> (TrainedModel, TrainedModel) {
        let (all, head, words) = dense_and_sparse(y.len(), 7);
        (
            fit(&all, None, y, classes),
            fit(&head, Some(&words), y, classes),
        )
    }

    use crate::text::tfidf::Csr;

    #[test]
    fn sparse_text_gives_the_weights_of_the_same_features_dense() {
        let (all, _, _) = dense_and_sparse(300, 7);
        // A yes/no that leans on a dense feature and on two sparse ones.
        let y: Vec<f64> = all
            .rows()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                f64::from(u8::from(
                    f64::from(r[0] + 2.0 * r[3] - 3.0 * r[5]) + 0.3 * ((i % 7) as f64 - 3.0) > 0.0,
                ))
            })
            .collect();
        let (dense, sparse) = both(&y, 2);
        let (a, b) = (weights_of(&dense), weights_of(&sparse));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
        assert!(a[3] > 0.5 && a[5] < -0.5, "{a:?}");
        // Several classes too.
        let y3: Vec<f64> = all
            .rows()
            .into_iter()
            .map(|r| {
                if r[3] > 0.5 {
                    2.0
                } else if r[0] > 0.0 {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let (dense, sparse) = both(&y3, 3);
        let (a, b) = (weights_of(&dense), weights_of(&sparse));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }
}
