//! Which columns the model leans on: permutation importance (any model) — how much the
//! held-out quality drops when one input column's values are shuffled between customers — and,
//! for linear models, the weights of the standardised features.

use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::features::{Encoding, FeatureSchema};
use super::metrics;
use super::models::{Rows, Task, TrainedModel};
use crate::error::Result;
use crate::text::tfidf::Csr;

/// Rows used for permutation importance (a seeded sample of the evaluated rows beyond this).
pub const MAX_ROWS: usize = 20_000;

/// One column's importance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    pub column: String,
    /// Drop in AUC (yes/no), accuracy (several classes) or R² (amounts) when the column is
    /// shuffled; 0 = not used.
    pub drop: f64,
}

/// AUC (yes/no), accuracy (several classes) or R² (amounts) of `model` on `x`.
fn quality(
    task: Task,
    model: &TrainedModel,
    x: Rows,
    truth: &[f64],
    classes: usize,
) -> Result<f64> {
    Ok(match task {
        Task::Classification if classes > 2 => {
            let probs = model.predict_proba(x)?;
            let right = probs
                .rows()
                .into_iter()
                .zip(truth)
                .filter(|(p, t)| metrics::argmax(p.as_slice().unwrap_or(&[])) == **t as usize)
                .count();
            right as f64 / truth.len().max(1) as f64
        }
        Task::Classification => {
            let labels: Vec<bool> = truth.iter().map(|&v| v > 0.5).collect();
            metrics::auc(&model.predict(x)?, &labels)
        }
        _ => metrics::regression(&model.predict(x)?, truth).r2,
    })
}

/// `cleaned` and `truth`, or a seeded sample of [`MAX_ROWS`] of their rows (in row order).
fn sample(
    cleaned: &DataFrame,
    truth: &[f64],
    rng: &mut Xoshiro256PlusPlus,
) -> Result<(DataFrame, Vec<f64>)> {
    if cleaned.height() <= MAX_ROWS {
        return Ok((cleaned.clone(), truth.to_vec()));
    }
    let mut idx: Vec<usize> = (0..cleaned.height()).collect();
    idx.shuffle(rng);
    idx.truncate(MAX_ROWS);
    idx.sort_unstable();
    let ca = IdxCa::from_vec("i".into(), idx.iter().map(|&i| i as IdxSize).collect());
    Ok((cleaned.take(&ca)?, idx.iter().map(|&i| truth[i]).collect()))
}

/// Terms tried per free-text input by [`words`]: the ones in the most training texts.
pub const WORDS_TRIED: usize = 40;

/// For a model with free-text inputs: the drop in quality when one term's feature is shuffled
/// between rows (the rest of the text kept), for the [`WORDS_TRIED`] terms in the most training
/// texts of each text input, named `column:term`, most important first. Works for every model,
/// where linear weights ([`coefficients`]) exist only for linear ones.
pub fn words(
    schema: &FeatureSchema,
    model: &TrainedModel,
    (task, classes): (Task, usize),
    cleaned: &DataFrame,
    truth: &[f64],
    seed: u64,
) -> Result<Vec<Importance>> {
    let has_text = schema
        .inputs
        .iter()
        .any(|i| matches!(i.encoding, Encoding::Text { .. }));
    if !has_text || task == Task::Segments || cleaned.height() < 2 {
        return Ok(Vec::new());
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x3c4d);
    let (frame, truth) = sample(cleaned, truth, &mut rng)?;
    let m = schema.matrix(&frame)?;
    let base = quality(task, model, m.rows(), &truth, classes)?;
    let mut x = m.x;
    let dense = x.ncols();
    let mut out = Vec::new();
    for (input, start) in schema.inputs.iter().zip(schema.starts()) {
        if let Encoding::Text { vectorizer, .. } = &input.encoding {
            let mut order: Vec<usize> = (0..vectorizer.terms.len()).collect();
            order.sort_by(|&a, &b| {
                vectorizer.documents[b]
                    .cmp(&vectorizer.documents[a])
                    .then(a.cmp(&b))
            });
            for t in order.into_iter().take(WORDS_TRIED) {
                let j = start + t;
                let q = match &m.words {
                    Some(words) if j >= dense => {
                        let shuffled = shuffle_column(words, j - dense, &mut rng);
                        quality(
                            task,
                            model,
                            Rows::new(x.view(), Some(&shuffled)),
                            &truth,
                            classes,
                        )?
                    }
                    words => {
                        let kept: Vec<f32> = x.column(j).to_vec();
                        let mut shuffled = kept.clone();
                        shuffled.shuffle(&mut rng);
                        x.column_mut(j).assign(&ndarray::Array1::from(shuffled));
                        let q = quality(
                            task,
                            model,
                            Rows::new(x.view(), words.as_ref()),
                            &truth,
                            classes,
                        )?;
                        x.column_mut(j).assign(&ndarray::Array1::from(kept));
                        q
                    }
                };
                out.push(Importance {
                    column: schema.names[j].clone(),
                    drop: base - q,
                });
            }
        }
    }
    out.sort_by(|a, b| b.drop.total_cmp(&a.drop));
    Ok(out)
}

/// `m` with column `col`'s values (zeros included) shuffled between rows.
fn shuffle_column(m: &Csr, col: usize, rng: &mut Xoshiro256PlusPlus) -> Csr {
    let mut values = vec![0.0f32; m.rows];
    for (i, v) in values.iter_mut().enumerate() {
        let (cols, vals) = m.row(i);
        if let Ok(k) = cols.binary_search(&(col as u32)) {
            *v = vals[k];
        }
    }
    values.shuffle(rng);
    let mut out = Csr {
        rows: m.rows,
        cols: m.cols,
        indptr: Vec::with_capacity(m.rows + 1),
        indices: Vec::with_capacity(m.nnz() + m.rows),
        values: Vec::with_capacity(m.nnz() + m.rows),
    };
    out.indptr.push(0);
    for (i, &new) in values.iter().enumerate() {
        let (cols, vals) = m.row(i);
        let at = cols.partition_point(|&c| (c as usize) < col);
        let skip = usize::from(cols.get(at) == Some(&(col as u32)));
        out.indices.extend_from_slice(&cols[..at]);
        out.values.extend_from_slice(&vals[..at]);
        if new != 0.0 {
            out.indices.push(col as u32);
            out.values.push(new);
        }
        out.indices.extend_from_slice(&cols[at + skip..]);
        out.values.extend_from_slice(&vals[at + skip..]);
        out.indptr.push(out.indices.len());
    }
    out
}

/// Permutation importance of every input column of `schema`, on `cleaned` rows with `truth`,
/// most important first.
pub fn permutation(
    schema: &FeatureSchema,
    model: &TrainedModel,
    (task, classes): (Task, usize),
    cleaned: &DataFrame,
    truth: &[f64],
    seed: u64,
) -> Result<Vec<Importance>> {
    if task == Task::Segments || cleaned.height() < 2 {
        return Ok(Vec::new());
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x1a2b);
    let (frame, truth) = sample(cleaned, truth, &mut rng)?;
    let base = quality(task, model, schema.matrix(&frame)?.rows(), &truth, classes)?;
    let mut out = Vec::with_capacity(schema.inputs.len());
    for input in &schema.inputs {
        let mut perm: Vec<IdxSize> = (0..frame.height() as IdxSize).collect();
        perm.shuffle(&mut rng);
        let shuffled = frame
            .column(&input.column)?
            .take(&IdxCa::from_vec("p".into(), perm))?;
        let mut f = frame.clone();
        f.with_column(shuffled)?;
        let q = quality(task, model, schema.matrix(&f)?.rows(), &truth, classes)?;
        out.push(Importance {
            column: input.column.clone(),
            drop: base - q,
        });
    }
    out.sort_by(|a, b| b.drop.total_cmp(&a.drop));
    Ok(out)
}

/// The most weights [`coefficients`] lists (free text can give 50,000).
pub const MAX_COEFFICIENTS: usize = 200;

/// The weights of a linear or logistic model per feature (standardised units), largest first,
/// at most [`MAX_COEFFICIENTS`].
pub fn coefficients(schema: &FeatureSchema, model: &TrainedModel) -> Vec<(String, f64)> {
    let weights = match model {
        TrainedModel::Logistic { weights, .. } | TrainedModel::Linear { weights, .. } => weights,
        _ => return Vec::new(),
    };
    let mut out: Vec<(String, f64)> = schema
        .names
        .iter()
        .cloned()
        .zip(weights.iter().copied())
        .collect();
    out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    out.truncate(MAX_COEFFICIENTS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_used_column_matters_and_the_unused_does_not() {
        let n = 400;
        let signal: Vec<f64> = (0..n).map(|i| (i % 20) as f64).collect();
        let noise: Vec<f64> = (0..n).map(|i| ((i * 7) % 13) as f64).collect();
        let truth: Vec<f64> = signal.iter().map(|&s| 2.0 * s + 1.0).collect();
        let df = df!("signal" => signal, "noise" => noise).unwrap();
        let schema = FeatureSchema::fit(&df, &[]).unwrap();
        // The true model in standardised units: weight on signal only.
        let m = schema.matrix(&df).unwrap();
        let empty = super::super::models::empty_matrix(m.x.ncols());
        let data = super::super::models::TrainData {
            x: m.x.view(),
            words: None,
            valid_words: None,
            y: &truth,
            weights: None,
            valid_x: empty.view(),
            valid_y: &[],
            classes: 0,
        };
        let fitted =
            super::super::models::linear::train(&Default::default(), &data, 1, &mut |_| {
                super::super::models::Control::Continue
            })
            .unwrap();
        let imp = permutation(&schema, &fitted, (Task::Regression, 0), &df, &truth, 1).unwrap();
        assert_eq!(imp[0].column, "signal");
        assert!(imp[0].drop > 1.0, "{imp:?}");
        assert!(imp[1].drop.abs() < 1e-6, "{imp:?}");
        let coef = coefficients(&schema, &fitted);
        assert_eq!(coef[0].0, "signal");
    }

    #[test]
    fn a_shuffled_sparse_column_keeps_its_values_and_the_others() {
        // Rows: {0: 1, 2: 2}, {}, {1: 3, 2: 4}, {0: 5}.
        let m = Csr {
            rows: 4,
            cols: 3,
            indptr: vec![0, 2, 2, 4, 5],
            indices: vec![0, 2, 1, 2, 0],
            values: vec![1.0, 2.0, 3.0, 4.0, 5.0],
        };
        let dense = |m: &Csr| -> Vec<Vec<f32>> {
            (0..m.rows)
                .map(|i| {
                    let mut r = vec![0.0; m.cols];
                    let (c, v) = m.row(i);
                    for (&c, &v) in c.iter().zip(v) {
                        r[c as usize] = v;
                    }
                    r
                })
                .collect()
        };
        let before = dense(&m);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut moved = false;
        for _ in 0..10 {
            let s = shuffle_column(&m, 2, &mut rng);
            let after = dense(&s);
            for (a, b) in before.iter().zip(&after) {
                assert_eq!(a[..2], b[..2]);
            }
            let mut col: Vec<f32> = after.iter().map(|r| r[2]).collect();
            moved |= col != [2.0, 0.0, 4.0, 0.0];
            col.sort_by(f32::total_cmp);
            assert_eq!(col, [0.0, 0.0, 2.0, 4.0]);
            for i in 0..4 {
                assert!(s.row(i).0.windows(2).all(|w| w[0] < w[1]), "sorted columns");
                assert!(!s.row(i).1.contains(&0.0), "no stored zeros");
            }
        }
        assert!(moved);
    }
}
