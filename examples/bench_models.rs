//! Our learners against linfa's on the same feature matrix (the sample customers, `responded`),
//! to back the choices in ARCHITECTURE.md: `cargo run --release --example bench_models [ROWS]`.
//! Prints one line per learner: seconds to fit and holdout AUC.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::time::Instant;

use linfa::prelude::*;
use ndarray::Array1;
use rand::SeedableRng;
use workbench_core::data::recipe::Recipe;
use workbench_core::data::sample;
use workbench_core::ml::metrics::auc;
use workbench_core::ml::models::{self, Control, ModelKind};
use workbench_core::ml::{ModelSettings, Task};
use workbench_core::train::Plan;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(200_000);
    let frame = sample::generate(rows, 7)?.frame;
    let settings = ModelSettings {
        task: Some(Task::Classification),
        target: Some("responded".into()),
        ignore: vec!["churned".into(), "spend_next_90d".into()],
        ..ModelSettings::default()
    };
    let plan = Plan::new(&frame, &settings)?;
    let (train, hold) = plan.split(0.2, 42)?;
    let p = plan.prepare(&Recipe::default(), &settings, &train, &hold)?;
    let labels: Vec<bool> = p.valid_y.iter().map(|&v| v > 0.5).collect();
    println!(
        "{} training rows × {} features, {} held out",
        p.x.nrows(),
        p.x.ncols(),
        p.valid_x.nrows()
    );
    let report = |name: &str, secs: f64, scores: &[f64]| {
        println!("{name:<36} {secs:>8.2} s   AUC {:.4}", auc(scores, &labels));
    };

    for (kind, params) in [
        (ModelKind::Logistic, settings.params.clone()),
        (ModelKind::Tree, {
            let mut h = settings.params.clone();
            // The same shape as the linfa tree below: depth 8, every leaf allowed.
            h.tree.max_leaves = 256;
            h
        }),
        (ModelKind::Forest, settings.params.clone()),
        (ModelKind::Boosting, settings.params.clone()),
        (ModelKind::KMeans, {
            let mut h = settings.params.clone();
            h.kmeans.k = 8;
            h
        }),
    ] {
        let data = p.train_data(if kind == ModelKind::KMeans { 0 } else { 2 });
        let t = Instant::now();
        let m = models::train(kind, &params, &data, 42, &mut |_| Control::Continue)?;
        let secs = t.elapsed().as_secs_f64();
        if kind == ModelKind::KMeans {
            let inertia = match &m {
                models::TrainedModel::KMeans { centroids } => {
                    models::kmeans::inertia(p.x.view(), centroids)
                }
                _ => f64::NAN,
            };
            println!(
                "{:<36} {secs:>8.2} s   inertia {inertia:.4}",
                "ours: k-means (k = 8)"
            );
        } else {
            report(
                &format!("ours: {}", kind.label()),
                secs,
                &m.predict(p.valid_x.view())?,
            );
        }
    }

    // linfa-logistic: 100 L-BFGS iterations, the same L2 penalty.
    let y: Array1<bool> = p.y.iter().map(|&v| v > 0.5).collect();
    // linfa reads the features in double precision, as before ours went to single.
    let (x64, valid_x64) = (p.x.mapv(f64::from), p.valid_x.mapv(f64::from));
    let dataset = Dataset::new(x64.clone(), y);
    let t = Instant::now();
    let fitted = linfa_logistic::LogisticRegression::default()
        .alpha(1.0)
        .max_iterations(100)
        .fit(&dataset)?;
    let secs = t.elapsed().as_secs_f64();
    let probs = fitted.predict_probabilities(&valid_x64);
    // linfa's "positive" is the first label it met: turn round if that was `false`.
    let sign = fitted.labels().pos.class;
    let scores: Vec<f64> = probs
        .iter()
        .map(|&q| if sign { q } else { 1.0 - q })
        .collect();
    report("linfa-logistic (L-BFGS, 100 it.)", secs, &scores);

    // linfa-clustering: k-means, k = 8, one k-means++ start (as ours), at most 300 iterations.
    let t = Instant::now();
    let km = linfa_clustering::KMeans::params_with_rng(
        8,
        rand_xoshiro::Xoshiro256Plus::seed_from_u64(42),
    )
    .n_runs(1)
    .max_n_iterations(300)
    .tolerance(1e-4)
    .fit(&DatasetBase::from(x64.clone()))?;
    let secs = t.elapsed().as_secs_f64();
    let centroids: Vec<Vec<f64>> = km
        .centroids()
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();
    println!(
        "{:<36} {secs:>8.2} s   inertia {:.4}",
        "linfa-clustering k-means (k = 8)",
        models::kmeans::inertia(p.x.view(), &centroids)
    );

    // linfa-trees: a depth-8 tree (every node scans every row).
    let yu: Array1<usize> = p.y.iter().map(|&v| usize::from(v > 0.5)).collect();
    let dataset = Dataset::new(x64, yu);
    let t = Instant::now();
    let tree = linfa_trees::DecisionTree::params()
        .max_depth(Some(8))
        .min_weight_leaf(20.0)
        .fit(&dataset)?;
    let secs = t.elapsed().as_secs_f64();
    let pred = tree.predict(&valid_x64);
    let scores: Vec<f64> = pred.iter().map(|&c| c as f64).collect();
    report("linfa-trees (depth 8; AUC of labels)", secs, &scores);
    Ok(())
}
