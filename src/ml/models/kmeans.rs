//! k-means (linfa-clustering): k-means++ once from the seed, then one Lloyd iteration per step
//! from the previous centroids, so each iteration's inertia is a point on the live curve.

use linfa::prelude::*;
use linfa_clustering::{KMeans, KMeansInit};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

use super::params::KMeansParams;
use super::{Reporter, StepReport, TrainData, TrainedModel, ask};
use crate::error::{Error, Result};

/// Training stops once no centroid moves further than this (in standard deviations).
const TOLERANCE: f64 = 1e-4;

/// Nearest centroid and squared distance to it, per row.
pub fn assign(x: ArrayView2<f64>, centroids: &[Vec<f64>]) -> Vec<(usize, f64)> {
    x.rows()
        .into_iter()
        .map(|r| {
            centroids
                .iter()
                .enumerate()
                .map(|(c, centre)| {
                    let d: f64 = r.iter().zip(centre).map(|(a, b)| (a - b).powi(2)).sum();
                    (c, d)
                })
                .fold(
                    (0, f64::INFINITY),
                    |best, cur| if cur.1 < best.1 { cur } else { best },
                )
        })
        .collect()
}

/// Mean squared distance of rows to their nearest centroid.
pub fn inertia(x: ArrayView2<f64>, centroids: &[Vec<f64>]) -> f64 {
    let a = assign(x, centroids);
    a.iter().map(|(_, d)| d).sum::<f64>() / a.len().max(1) as f64
}

fn to_vecs(c: &Array2<f64>) -> Vec<Vec<f64>> {
    c.rows().into_iter().map(|r| r.to_vec()).collect()
}

pub fn train(
    params: &KMeansParams,
    data: &TrainData,
    seed: u64,
    report: &mut Reporter,
) -> Result<TrainedModel> {
    let k = params.k;
    if k < 2 {
        return Err(Error::InvalidInput(
            "k-means needs at least 2 segments".into(),
        ));
    }
    if data.x.nrows() < k {
        return Err(Error::InvalidInput(format!(
            "k-means with {k} segments needs at least {k} rows, the data has {}",
            data.x.nrows()
        )));
    }
    let dataset = DatasetBase::from(data.x.to_owned());
    let total_steps = params.max_iterations.max(1);
    let mut centroids: Option<Array2<f64>> = None;
    for step in 1..=total_steps {
        let init = match &centroids {
            Some(c) => KMeansInit::Precomputed(c.clone()),
            None => KMeansInit::KMeansPlusPlus,
        };
        let fitted = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
            .init_method(init)
            .n_runs(1)
            .max_n_iterations(1)
            .tolerance(TOLERANCE)
            .fit(&dataset)
            .map_err(|e| Error::Model(format!("k-means: {e}")))?;
        let new = fitted.centroids().clone();
        let moved = centroids.as_ref().map_or(f64::INFINITY, |old| {
            old.rows()
                .into_iter()
                .zip(new.rows())
                .map(|(a, b)| {
                    a.iter()
                        .zip(b)
                        .map(|(p, q)| (p - q).powi(2))
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(0.0, f64::max)
        });
        let cv = to_vecs(&new);
        let go_on = ask(
            report,
            StepReport {
                step,
                total_steps,
                train_loss: inertia(data.x, &cv),
                valid_loss: (data.valid_x.nrows() > 0).then(|| inertia(data.valid_x, &cv)),
                valid_metric: None,
            },
        )?;
        centroids = Some(new);
        if !go_on {
            break;
        }
        if moved < TOLERANCE {
            break;
        }
    }
    let centroids = centroids.ok_or_else(|| Error::Model("k-means ran no step".into()))?;
    Ok(TrainedModel::KMeans {
        centroids: to_vecs(&centroids),
    })
}
