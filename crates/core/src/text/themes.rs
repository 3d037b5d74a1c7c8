//! What the texts are about: the terms that set one group apart from the rest (log-odds with an
//! informative Dirichlet prior), themes found without labels (non-negative matrix
//! factorisation of the TF-IDF matrix), and keyword in context.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::tfidf::Csr;
use super::tokens::Tokenizer;
use crate::error::{Error, Result};

/// How distinctive each term is of one group against all the others: the z-score of the
/// log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin'
/// Words", eq. 22), the prior being each term's count in all texts together (α_w = y_w, α₀ = n).
/// Positive: the group says it more than the rest; below −2 or above 2 is rarely chance.
///
/// `group_counts[g][w]` is how often term `w` occurs in group `g`'s texts.
pub fn log_odds(group_counts: &[Vec<u64>]) -> Vec<Vec<f64>> {
    let terms = group_counts.first().map_or(0, Vec::len);
    let total: Vec<f64> = (0..terms)
        .map(|w| group_counts.iter().map(|g| g[w] as f64).sum())
        .collect();
    let a0: f64 = total.iter().sum();
    let sizes: Vec<f64> = group_counts
        .iter()
        .map(|g| g.iter().map(|&c| c as f64).sum())
        .collect();
    let all: f64 = sizes.iter().sum();
    group_counts
        .iter()
        .zip(&sizes)
        .map(|(g, &ni)| {
            let nj = all - ni;
            (0..terms)
                .map(|w| {
                    let a = total[w];
                    let yi = g[w] as f64;
                    let yj = total[w] - yi;
                    let li = ((yi + a) / (ni + a0 - yi - a)).ln();
                    let lj = ((yj + a) / (nj + a0 - yj - a)).ln();
                    let var = 1.0 / (yi + a) + 1.0 / (yj + a);
                    if a > 0.0 { (li - lj) / var.sqrt() } else { 0.0 }
                })
                .collect()
        })
        .collect()
}

/// One theme: its most weighted terms and the texts most about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    /// 1-based, as written in the `theme` column.
    pub number: usize,
    /// The top terms with their weights in the theme, heaviest first.
    pub terms: Vec<(String, f64)>,
    /// Row numbers of the texts most about this theme, most first.
    pub examples: Vec<usize>,
    /// Those texts (filled in by [`super::analyse`]).
    #[serde(default)]
    pub example_texts: Vec<String>,
    /// How many texts have it as their main theme.
    pub documents: usize,
}

/// Themes of a TF-IDF matrix and each text's main theme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Themes {
    pub themes: Vec<Theme>,
    /// Per row: its main theme (1..=K), or `None` for a text with no known term.
    pub assignment: Vec<Option<usize>>,
    /// ‖X − WH‖ / ‖X‖ at the end.
    pub relative_error: f64,
    pub iterations: usize,
    /// H, term by term (terms × K): each term's weight in each theme, to place new texts with
    /// [`assign`].
    #[serde(skip)]
    pub components: Vec<f64>,
}

/// Non-negative matrix factorisation X ≈ W·H with K themes, by Lee and Seung's multiplicative
/// updates for the Frobenius norm, from a seeded random start scaled as scikit-learn's `init =
/// "random"` (√(mean X / K)). Every product is a fixed-order sum, so the same seed gives the same
/// themes on any number of threads.
pub fn nmf(
    x: &Csr,
    terms: &[String],
    k: usize,
    seed: u64,
    max_iter: usize,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Themes> {
    if k < 2 {
        return Err(Error::InvalidInput("themes: ask for 2 or more".into()));
    }
    if x.rows < k || x.cols < k {
        return Err(Error::InvalidInput(format!(
            "{k} themes need at least {k} texts and {k} terms ({} texts, {} terms)",
            x.rows, x.cols
        )));
    }
    let (n, m) = (x.rows, x.cols);
    let xt = x.transpose();
    let mean = x.values.iter().map(|&v| f64::from(v)).sum::<f64>() / (n * m) as f64;
    let scale = (mean / k as f64).sqrt();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut w: Vec<f64> = (0..n * k).map(|_| scale * rng.r#gen::<f64>()).collect();
    // H is kept term by term (m × K): row j holds term j's weight in each theme.
    let mut h: Vec<f64> = (0..k * m).map(|_| scale * rng.r#gen::<f64>()).collect();
    let eps = 1e-12;
    let x_norm2: f64 = x.values.iter().map(|&v| f64::from(v).powi(2)).sum();
    let mut iterations = 0;
    let mut last_err = f64::INFINITY;
    for it in 0..max_iter {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        // H ← H ∘ (WᵀX) / (WᵀW H), term by term (WᵀX from the rows of Xᵀ).
        let wtw = gram(&w, n, k);
        h.par_chunks_mut(k).enumerate().for_each(|(j, hj)| {
            let (idx, val) = xt.row(j);
            update(hj, idx, val, &w, &wtw, k, eps);
        });
        // W ← W ∘ (X Hᵀ) / (W H Hᵀ), text by text.
        let hht = gram(&h, m, k);
        w.par_chunks_mut(k).enumerate().for_each(|(i, wi)| {
            let (idx, val) = x.row(i);
            update(wi, idx, val, &h, &hht, k, eps);
        });
        iterations = it + 1;
        if it % 10 == 9 || it + 1 == max_iter {
            let err = error(x, &w, &h, k, x_norm2);
            progress(it + 1, max_iter);
            if (last_err - err).abs() < 1e-4 * last_err.max(1e-12) {
                break;
            }
            last_err = err;
        }
    }
    let relative_error = error(x, &w, &h, k, x_norm2);

    let assignment: Vec<Option<usize>> = (0..n)
        .map(|i| {
            let wi = &w[i * k..(i + 1) * k];
            if x.indptr[i] == x.indptr[i + 1] {
                return None;
            }
            let (best, _) = wi
                .iter()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |b, (t, &v)| if v > b.1 { (t, v) } else { b },
                );
            Some(best + 1)
        })
        .collect();
    let themes = (0..k)
        .map(|t| {
            let ht: Vec<f64> = (0..m).map(|j| h[j * k + t]).collect();
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by(|&a, &b| ht[b].total_cmp(&ht[a]).then(a.cmp(&b)));
            let mut docs: Vec<usize> = (0..n).filter(|&i| assignment[i] == Some(t + 1)).collect();
            let documents = docs.len();
            docs.sort_by(|&a, &b| w[b * k + t].total_cmp(&w[a * k + t]).then(a.cmp(&b)));
            docs.truncate(5);
            Theme {
                number: t + 1,
                terms: order
                    .into_iter()
                    .take(10)
                    .filter(|&j| ht[j] > 0.0)
                    .map(|j| (terms[j].clone(), ht[j]))
                    .collect(),
                examples: docs,
                example_texts: Vec::new(),
                documents,
            }
        })
        .collect();
    Ok(Themes {
        themes,
        assignment,
        relative_error,
        iterations,
        components: h,
    })
}

/// Updates of a text's theme weights with the themes held fixed, as [`assign`] runs them.
pub const ASSIGN_ITERATIONS: usize = 200;

/// Each text's main theme (1..=K) for fixed themes `h` (terms × K, [`Themes::components`]):
/// its theme weights found by the same multiplicative updates from an even start, as
/// scikit-learn's `NMF.transform` solves for W with H fixed; `None` for a text with no known
/// term. A function of the text alone, so training rows and new rows are placed alike.
pub fn assign(x: &Csr, h: &[f64], k: usize) -> Vec<Option<usize>> {
    let hht = gram(h, x.cols, k);
    (0..x.rows)
        .into_par_iter()
        .map(|i| {
            let (idx, val) = x.row(i);
            if idx.is_empty() {
                return None;
            }
            let mut w = vec![1.0 / k as f64; k];
            for _ in 0..ASSIGN_ITERATIONS {
                update(&mut w, idx, val, h, &hht, k, 1e-12);
            }
            let (best, _) =
                w.iter().enumerate().fold(
                    (0, f64::NEG_INFINITY),
                    |b, (t, &v)| {
                        if v > b.1 { (t, v) } else { b }
                    },
                );
            Some(best + 1)
        })
        .collect()
}

/// One multiplicative step for one row `r` of a factor (a text's theme weights, or a term's),
/// given the sparse row of X (or Xᵀ) it multiplies, the other factor `o` (row-major, K wide)
/// and the other factor's Gram matrix: r ← r ∘ (x·O) / (r·OᵀO).
fn update(r: &mut [f64], idx: &[u32], val: &[f32], o: &[f64], gram: &[f64], k: usize, eps: f64) {
    let mut num = vec![0.0; k];
    for (&i, &v) in idx.iter().zip(val) {
        let oi = &o[i as usize * k..(i as usize + 1) * k];
        for (acc, &ov) in num.iter_mut().zip(oi) {
            *acc += f64::from(v) * ov;
        }
    }
    let den: Vec<f64> = (0..k)
        .map(|t| (0..k).map(|s| r[s] * gram[s * k + t]).sum::<f64>())
        .collect();
    for t in 0..k {
        r[t] *= num[t] / (den[t] + eps);
    }
}

/// AᵀA of an n × K row-major matrix.
fn gram(w: &[f64], n: usize, k: usize) -> Vec<f64> {
    let mut g = vec![0.0; k * k];
    for i in 0..n {
        let wi = &w[i * k..(i + 1) * k];
        for s in 0..k {
            for t in 0..k {
                g[s * k + t] += wi[s] * wi[t];
            }
        }
    }
    g
}

/// ‖X − WH‖ / ‖X‖ via ‖X‖² − 2⟨X, WH⟩ + ‖WH‖² (never forming WH).
fn error(x: &Csr, w: &[f64], h: &[f64], k: usize, x_norm2: f64) -> f64 {
    let m = x.cols;
    let cross: f64 = (0..x.rows)
        .map(|i| {
            let (idx, val) = x.row(i);
            idx.iter()
                .zip(val)
                .map(|(&j, &v)| {
                    f64::from(v)
                        * (0..k)
                            .map(|t| w[i * k + t] * h[j as usize * k + t])
                            .sum::<f64>()
                })
                .sum::<f64>()
        })
        .sum();
    let wtw = gram(w, x.rows, k);
    let hht = gram(h, m, k);
    let wh2: f64 = (0..k * k).map(|i| wtw[i] * hht[i]).sum();
    ((x_norm2 - 2.0 * cross + wh2).max(0.0) / x_norm2.max(1e-300)).sqrt()
}

/// A sentence that holds a picked term, for keyword in context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InContext {
    /// The text's row.
    pub row: usize,
    pub sentence: String,
}

/// Every sentence (up to `limit`) whose terms include `term` (a word or a word pair, as the
/// tokenizer makes them), in row order.
pub fn keyword_in_context(
    texts: &[Option<&str>],
    term: &str,
    tokenizer: &Tokenizer,
    limit: usize,
) -> Vec<InContext> {
    let mut out = Vec::new();
    for (row, t) in texts.iter().enumerate() {
        let Some(t) = t else { continue };
        for sentence in t.split_inclusive(['.', '!', '?', '。', '！', '？', '\n']) {
            let sentence = sentence.trim();
            if sentence.is_empty() {
                continue;
            }
            if tokenizer.terms(sentence).iter().any(|s| s == term) {
                out.push(InContext {
                    row,
                    sentence: sentence.to_owned(),
                });
                if out.len() >= limit {
                    return out;
                }
            }
        }
    }
    out
}
