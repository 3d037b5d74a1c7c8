//! Gaussian naive Bayes: per class, a prior and each feature's mean and variance; a customer's
//! class probabilities combine the features as if they were independent. The moments are
//! accumulated over ten seeded tenths of the rows, so the live curve shows the model as it sees
//! more customers; the last step is the fit on every row. Our own (about 100 lines) because
//! linfa-bayes takes no sample weights and keeps its fitted parameters private; the variance
//! smoothing follows scikit-learn (a share of the largest feature variance).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::linear::CHUNKS;
use super::params::NaiveBayesParams;
use super::{Best, Reporter, TrainData, Watch, ask};
use crate::error::{Error, Result};

/// One class: its prior and the Gaussian of every feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassModel {
    pub prior: f64,
    pub mean: Vec<f64>,
    pub variance: Vec<f64>,
}

/// The fitted model; for yes/no, class 0 is "no" and class 1 is "yes".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayes {
    pub features: usize,
    pub classes: Vec<ClassModel>,
}

impl NaiveBayes {
    /// Class probabilities of one row.
    fn probabilities(&self, row: ndarray::ArrayView1<f32>) -> Vec<f64> {
        let logs: Vec<f64> = self
            .classes
            .iter()
            .map(|c| {
                let mut l = c.prior.max(f64::MIN_POSITIVE).ln();
                for ((&x, m), v) in row.iter().zip(&c.mean).zip(&c.variance) {
                    l -= 0.5
                        * ((2.0 * std::f64::consts::PI * v).ln() + (f64::from(x) - m).powi(2) / v);
                }
                l
            })
            .collect();
        let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
        let sum: f64 = e.iter().sum();
        e.iter().map(|v| v / sum).collect()
    }

    fn check(&self, x: ndarray::ArrayView2<f32>) -> Result<()> {
        if x.ncols() != self.features {
            return Err(Error::Model(format!(
                "the model takes {} features, the data gives {}",
                self.features,
                x.ncols()
            )));
        }
        let ok = self.classes.len() >= 2
            && self.classes.iter().all(|c| {
                c.mean.len() == self.features
                    && c.variance.len() == self.features
                    && c.variance.iter().all(|v| *v > 0.0 && v.is_finite())
            });
        if ok {
            Ok(())
        } else {
            Err(Error::Model("the naive Bayes model is malformed".into()))
        }
    }

    /// P(yes) per row (several classes: the most likely class's probability).
    pub fn predict(&self, x: ndarray::ArrayView2<f32>) -> Result<Vec<f64>> {
        self.check(x)?;
        let yes_no = self.classes.len() == 2;
        Ok((0..x.nrows())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let p = self.probabilities(x.row(i));
                if yes_no {
                    p[1]
                } else {
                    p.iter().copied().fold(0.0, f64::max)
                }
            })
            .collect())
    }

    /// Class probabilities, rows × classes.
    pub fn predict_proba(&self, x: ndarray::ArrayView2<f32>) -> Result<ndarray::Array2<f64>> {
        self.check(x)?;
        let k = self.classes.len();
        let flat: Vec<f64> = (0..x.nrows())
            .into_par_iter()
            .with_min_len(1024)
            .flat_map_iter(|i| self.probabilities(x.row(i)))
            .collect();
        ndarray::Array2::from_shape_vec((x.nrows(), k), flat)
            .map_err(|e| Error::Model(format!("naive Bayes: {e}")))
    }
}

/// Weighted Σw, Σw·x, Σw·x² of one class.
#[derive(Clone)]
struct Sums {
    w: f64,
    x: Vec<f64>,
    xx: Vec<f64>,
}

pub fn train(
    params: &NaiveBayesParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<NaiveBayes> {
    let (n, p) = (data.x.nrows(), data.x.ncols());
    let k = data.classes;
    if k < 2 {
        return Err(Error::InvalidInput(
            "naive Bayes predicts classes, not an amount".into(),
        ));
    }
    // scikit-learn's epsilon: a share of the largest variance of any feature over all rows.
    let largest_variance = (0..p)
        .map(|j| super::variance(data.x.column(j)))
        .fold(0.0, f64::max);
    let epsilon = (params.var_smoothing.max(0.0) * largest_variance).max(1e-12);

    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let mut sums = vec![
        Sums {
            w: 0.0,
            x: vec![0.0; p],
            xx: vec![0.0; p],
        };
        k
    ];
    let watch = Watch::new(data, seed);
    let mut best = Best::default();
    let mut model = None;
    let mut best_model = None;
    let chunks = CHUNKS.min(n).max(1);
    for step in 1..=chunks {
        for &i in &order[(step - 1) * n / chunks..step * n / chunks] {
            let class = if k == 2 {
                usize::from(data.y[i] > 0.5)
            } else {
                (data.y[i] as usize).min(k - 1)
            };
            let s = &mut sums[class];
            let w = data.weight(i);
            s.w += w;
            for (j, &v) in data.x.row(i).iter().enumerate() {
                let v = f64::from(v);
                s.x[j] += w * v;
                s.xx[j] += w * v * v;
            }
        }
        let total: f64 = sums.iter().map(|s| s.w).sum();
        if sums.iter().any(|s| s.w <= 0.0) {
            // Until every class has been seen there is nothing to compare.
            continue;
        }
        let m = NaiveBayes {
            features: p,
            classes: sums
                .iter()
                .map(|s| {
                    let mean: Vec<f64> = s.x.iter().map(|v| v / s.w).collect();
                    ClassModel {
                        prior: s.w / total,
                        variance: s
                            .xx
                            .iter()
                            .zip(&mean)
                            .map(|(xx, m)| (xx / s.w - m * m).max(0.0) + epsilon)
                            .collect(),
                        mean,
                    }
                })
                .collect(),
        };
        let r = if k == 2 {
            let pick = |x: ndarray::ArrayView2<f32>, rows: &[usize]| -> Vec<f64> {
                rows.iter().map(|&r| m.probabilities(x.row(r))[1]).collect()
            };
            watch.report(
                step,
                chunks,
                &pick(data.x, &watch.train_rows),
                &pick(data.valid_x, &watch.valid_rows),
            )
        } else {
            let all = |x: ndarray::ArrayView2<f32>, rows: &[usize]| -> Vec<f64> {
                rows.iter()
                    .flat_map(|&r| m.probabilities(x.row(r)))
                    .collect()
            };
            watch.report_probs(
                step,
                chunks,
                &all(data.x, &watch.train_rows),
                &all(data.valid_x, &watch.valid_rows),
            )
        };
        if best.offer(&r) {
            best_model = Some(m.clone());
        }
        let go_on = ask(report, r)?;
        model = Some(m);
        if !go_on {
            model = best_model;
            break;
        }
    }
    model.ok_or_else(|| Error::InvalidInput("naive Bayes needs rows of every class".into()))
}
