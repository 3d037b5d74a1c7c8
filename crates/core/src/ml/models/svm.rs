//! Support vector machine with a Gaussian kernel (linfa-svm's SMO solver), probabilities by
//! Platt scaling (linfa's Newton method). The kernel compares every pair of training rows, so
//! training uses a seeded sample of at most `max_rows` customers (the Model panel says so); the
//! live curve trains on 1/8, 1/4, 1/2 and all of that sample in turn — a learning curve.
//! The fitted support vectors, their weights, ρ and the Platt coefficients are stored as plain
//! numbers; prediction is ours.

use linfa::composing::platt_scaling::{PlattParams, platt_newton_method};
use linfa::prelude::*;
use linfa_svm::Svm;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::SvmParams;
use super::{Best, Reporter, TrainData, Watch, ask};
use crate::error::{Error, Result};

/// Steps of an SVM fit: growing shares of the training sample.
pub const STAGES: usize = 4;

/// Rows the live curve is measured on (each prediction visits every support vector).
const CURVE_ROWS: usize = 4_000;

/// Support vectors with |α| below this do not count (as linfa-svm).
const ALPHA_EPSILON: f64 = 100.0 * f64::EPSILON;

/// The fitted SVM: P(yes) = 1 / (1 + exp(a·f + b)), f = Σ coef·exp(−γ|sv − x|²) − ρ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SvmModel {
    pub features: usize,
    pub gamma: f64,
    /// Support vectors, row after row.
    pub support: Vec<f64>,
    pub coef: Vec<f64>,
    pub rho: f64,
    pub platt_a: f64,
    pub platt_b: f64,
}

impl SvmModel {
    /// The decision value of a row of features (read in double precision).
    fn decision_of(&self, row: ArrayView1<f32>) -> f64 {
        let row: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
        self.decision(&row)
    }

    fn decision(&self, row: &[f64]) -> f64 {
        let p = self.features;
        self.support
            .chunks_exact(p.max(1))
            .zip(&self.coef)
            .map(|(sv, c)| {
                let d: f64 = sv
                    .iter()
                    .zip(row.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                c * (-self.gamma * d).exp()
            })
            .sum::<f64>()
            - self.rho
    }

    fn probability(&self, f: f64) -> f64 {
        let z = self.platt_a * f + self.platt_b;
        if z >= 0.0 {
            (-z).exp() / (1.0 + (-z).exp())
        } else {
            1.0 / (1.0 + z.exp())
        }
    }

    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<f64>> {
        if x.ncols() != self.features {
            return Err(Error::Model(format!(
                "the model takes {} features, the data gives {}",
                self.features,
                x.ncols()
            )));
        }
        if self.features == 0 || self.support.len() != self.coef.len() * self.features {
            return Err(Error::Model("the SVM model is malformed".into()));
        }
        Ok((0..x.nrows())
            .into_par_iter()
            .with_min_len(64)
            .map(|i| self.probability(self.decision_of(x.row(i))))
            .collect())
    }
}

/// Fits on the rows `rows` of the training data.
fn fit(params: &SvmParams, data: &TrainData, rows: &[usize], gamma: f64) -> Result<SvmModel> {
    let p = data.x.ncols();
    let x = Array2::from_shape_fn((rows.len(), p), |(i, j)| f64::from(data.x[[rows[i], j]]));
    let y: Array1<bool> = rows.iter().map(|&r| data.y[r] > 0.5).collect();
    if y.iter().all(|&v| v) || y.iter().all(|&v| !v) {
        return Err(Error::InvalidInput(
            "the SVM's sample holds only one class".into(),
        ));
    }
    // Class weights scale C per class (the SVM can't weigh single rows).
    let mean_weight = |pos: bool| {
        let w: Vec<f64> = rows
            .iter()
            .filter(|&&r| (data.y[r] > 0.5) == pos)
            .map(|&r| data.weight(r))
            .collect();
        w.iter().sum::<f64>() / w.len().max(1) as f64
    };
    let c = params.c.max(1e-12);
    let dataset = Dataset::new(x.clone(), y.clone());
    let fitted: Svm<f64, bool> = Svm::<f64, bool>::params()
        .pos_neg_weights(c * mean_weight(true), c * mean_weight(false))
        .gaussian_kernel(1.0 / gamma)
        .fit(&dataset)
        .map_err(|e| Error::Model(format!("support vector machine: {e}")))?;
    let keep: Vec<usize> = (0..rows.len())
        .filter(|&i| fitted.alpha[i].abs() > ALPHA_EPSILON)
        .collect();
    let mut model = SvmModel {
        features: p,
        gamma,
        support: keep.iter().flat_map(|&i| x.row(i).to_vec()).collect(),
        coef: keep.iter().map(|&i| fitted.alpha[i]).collect(),
        rho: fitted.rho,
        platt_a: 0.0,
        platt_b: 0.0,
    };
    let decisions: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| model.decision(&r.to_vec()))
        .collect();
    let platt = PlattParams::<f64, ()>::default()
        .check()
        .map_err(|e| Error::Model(format!("Platt scaling: {e}")))?;
    let (a, b) = platt_newton_method(decisions.view(), y.view(), &platt)
        .map_err(|e| Error::Model(format!("Platt scaling: {e}")))?;
    (model.platt_a, model.platt_b) = (a, b);
    Ok(model)
}

pub fn train(
    params: &SvmParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<SvmModel> {
    if data.classes != 2 {
        return Err(Error::InvalidInput(
            "the support vector machine here predicts a yes/no".into(),
        ));
    }
    let n = data.x.nrows();
    let gamma = params.gamma_scale.max(1e-12) / data.x.ncols().max(1) as f64;
    let mut rows: Vec<usize> = (0..n).collect();
    rows.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    rows.truncate(params.max_rows.max(2));
    let watch = Watch::with_limit(data, seed, CURVE_ROWS);
    let mut best = Best::default();
    let (mut last, mut best_model) = (None, None);
    for stage in 1..=STAGES {
        let take = (rows.len() >> (STAGES - stage)).max(50.min(rows.len()));
        let mut part = rows[..take].to_vec();
        part.sort_unstable();
        let model = match fit(params, data, &part, gamma) {
            Ok(m) => m,
            // A small first stage may hold one class only; later stages are larger.
            Err(Error::InvalidInput(_)) if stage < STAGES => continue,
            Err(e) => return Err(e),
        };
        let pick = |x: ArrayView2<f32>, rows: &[usize]| -> Vec<f64> {
            rows.iter()
                .map(|&r| model.probability(model.decision_of(x.row(r))))
                .collect()
        };
        let r = watch.report(
            stage,
            STAGES,
            &pick(data.x, &watch.train_rows),
            &pick(data.valid_x, &watch.valid_rows),
        );
        if best.offer(&r) {
            best_model = Some(model.clone());
        }
        last = Some(model);
        if !ask(report, r)? {
            last = best_model;
            break;
        }
    }
    last.ok_or_else(|| Error::Model("the support vector machine trained no stage".into()))
}
