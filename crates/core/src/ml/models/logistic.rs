//! Logistic regression with an L2 penalty and optional per-row (class) weights, fitted by our
//! L-BFGS ([`super::optim`]) one iteration per step, so the live curve shows every iteration
//! without restarting the optimiser. The loss and gradient are one fused pass over the rows,
//! in parallel (see ARCHITECTURE.md for why this replaces linfa-logistic).

use rayon::prelude::*;

use super::optim::{Lbfgs, Progress};
use super::params::LogisticParams;
use super::{Best, Reporter, TrainData, TrainedModel, Watch, ask};
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
    let (n, p) = (data.x.nrows(), data.x.ncols());
    // Fixed chunks summed in order: the same numbers whatever the threads do.
    let parts: Vec<(f64, Vec<f64>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut loss = 0.0;
            let mut g = vec![0.0; p + 1];
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let row = data.x.row(i);
                let z = row.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + w[p];
                let (y, wt) = (data.y[i], data.weight(i));
                loss += wt * (softplus(z) - y * z);
                let r = wt * (sigmoid(z) - y);
                for (gj, xj) in g.iter_mut().zip(row.iter()) {
                    *gj += r * xj;
                }
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
    let (n, p, k) = (data.x.nrows(), data.x.ncols(), data.classes);
    let parts: Vec<(f64, Vec<f64>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut loss = 0.0;
            let mut g = vec![0.0; k * (p + 1)];
            let mut z = vec![0.0; k];
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let row = data.x.row(i);
                for (c, zc) in z.iter_mut().enumerate() {
                    let wc = &w[c * (p + 1)..(c + 1) * (p + 1)];
                    *zc = row.iter().zip(wc).map(|(a, b)| a * b).sum::<f64>() + wc[p];
                }
                let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = z.iter().map(|v| (v - top).exp()).sum();
                let log_sum = top + sum.ln();
                let (y, wt) = (data.y[i] as usize, data.weight(i));
                loss += wt * (log_sum - z[y.min(k - 1)]);
                for (c, &zc) in z.iter().enumerate() {
                    let r = wt * ((zc - log_sum).exp() - f64::from(u8::from(c == y)));
                    let gc = &mut g[c * (p + 1)..(c + 1) * (p + 1)];
                    for (gj, xj) in gc.iter_mut().zip(row.iter()) {
                        *gj += r * xj;
                    }
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
fn multinomial_probs(w: &[f64], k: usize, x: ndarray::ArrayView2<f64>, rows: &[usize]) -> Vec<f64> {
    let p = x.ncols();
    let mut out = Vec::with_capacity(rows.len() * k);
    for &r in rows {
        let row = x.row(r);
        let z: Vec<f64> = (0..k)
            .map(|c| {
                let wc = &w[c * (p + 1)..(c + 1) * (p + 1)];
                row.iter().zip(wc).map(|(a, b)| a * b).sum::<f64>() + wc[p]
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
    let (p, k) = (data.x.ncols(), data.classes);
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
            &multinomial_probs(&opt.w, k, data.x, &watch.train_rows),
            &multinomial_probs(&opt.w, k, data.valid_x, &watch.valid_rows),
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
    let p = data.x.ncols();
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
    let scores = |w: &[f64], x: ndarray::ArrayView2<f64>, rows: &[usize]| -> Vec<f64> {
        rows.iter()
            .map(|&r| sigmoid(x.row(r).iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + w[p]))
            .collect()
    };
    let total = params.max_iterations.max(1);
    let mut best = Best::default();
    let mut best_w = opt.w.clone();
    for step in 1..=total {
        let progress = opt.iterate(&mut objective, GRADIENT_TOLERANCE);
        let r = watch.report(
            step,
            total,
            &scores(&opt.w, data.x, &watch.train_rows),
            &scores(&opt.w, data.valid_x, &watch.valid_rows),
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
