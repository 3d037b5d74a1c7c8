//! Every model, on the generated sample whose truth is known: it learns the signal (AUC near
//! the ceiling the true probabilities reach on the same rows; RMSE near the noise the amount was
//! drawn with), a saved model scores exactly what training scored, Cancel stops within one
//! step, and the same seed gives the same numbers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use polars::prelude::*;
use workbench_core::data::recipe::Recipe;
use workbench_core::data::sample;
use workbench_core::error::Error;
use workbench_core::jobs::RunControl;
use workbench_core::ml::metrics::{Metrics, auc};
use workbench_core::ml::saved::{SCORE, SavedModel};
use workbench_core::ml::{ModelKind, ModelSettings, Task};
use workbench_core::train::{self, Detail, TrainEvent, TrainOutcome};

/// The sample's `spend_next_90d` is a function of the other columns plus normal noise with
/// this standard deviation (see `data::sample`): no model can have a smaller RMSE.
const SPEND_NOISE: f64 = 12.0;

struct Sample {
    frame: DataFrame,
    true_p: Vec<f64>,
}

fn sample_of(rows: usize) -> Sample {
    let s = sample::generate(rows, 5).unwrap();
    Sample {
        frame: s.frame,
        true_p: s.true_response_probability,
    }
}

fn settings(kind: ModelKind, target: &str) -> ModelSettings {
    let others = ["responded", "churned", "spend_next_90d"];
    ModelSettings {
        task: Some(if target == "responded" {
            Task::Classification
        } else {
            Task::Regression
        }),
        target: Some(target.into()),
        ignore: others
            .iter()
            .filter(|t| **t != target)
            .map(|t| (*t).to_owned())
            .collect(),
        model: Some(kind),
        ..ModelSettings::default()
    }
}

fn train(frame: &DataFrame, s: &ModelSettings) -> TrainOutcome {
    train::run(
        frame,
        &Recipe::default(),
        s,
        Detail::Metrics,
        &mut |_| true,
        &RunControl::default(),
    )
    .unwrap_or_else(|e| panic!("{:?}: {e}", s.model))
}

fn scores(df: &DataFrame) -> Vec<f64> {
    df.column(SCORE)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

/// The AUC the true probabilities reach on the evaluated rows of `o`.
fn ceiling(sample: &Sample, o: &TrainOutcome) -> f64 {
    let ids = o.predictions.column("customer_id").unwrap().str().unwrap();
    let p: Vec<f64> = ids
        .iter()
        .map(|id| {
            sample.true_p[id
                .unwrap()
                .trim_start_matches('C')
                .parse::<usize>()
                .unwrap()
                - 1]
        })
        .collect();
    let labels: Vec<bool> = o.truth.iter().map(|&v| v > 0.5).collect();
    auc(&p, &labels)
}

/// How far below the ceiling each yes/no model may land on 4,000 held-out rows (the AUC's
/// standard error there is about 0.01). The response has three terms no linear model can
/// represent (see `data::sample`), so the linear ones lose some; a single tree of 32 leaves
/// is coarse; naive Bayes treats correlated columns (visits, opens, clicks) as independent;
/// the SVM trains on a 5,000-row sample. Measured values are in the comments.
const YES_NO: [(ModelKind, f64); 7] = [
    (ModelKind::Logistic, 0.05),   // measured 0.029 below
    (ModelKind::Tree, 0.06),       // 0.035
    (ModelKind::Forest, 0.035),    // 0.018
    (ModelKind::Boosting, 0.035),  // 0.018
    (ModelKind::Svm, 0.13),        // 0.111
    (ModelKind::NaiveBayes, 0.08), // 0.054
    (ModelKind::Mlp, 0.045),       // 0.026
];

#[test]
fn every_yes_no_model_learns_the_known_signal() {
    let sample = sample_of(20_000);
    for (kind, margin) in YES_NO {
        let o = train(&sample.frame, &settings(kind, "responded"));
        let Metrics::Classification(m) = &o.metrics else {
            panic!("{kind:?}: not yes/no metrics")
        };
        let top = ceiling(&sample, &o);
        println!(
            "{kind:?}: AUC {:.4}, ceiling {top:.4}, gap {:.4}",
            m.auc,
            top - m.auc
        );
        assert!(
            m.auc > top - margin,
            "{kind:?}: AUC {} vs ceiling {top}",
            m.auc
        );
        // Above the ceiling only sampling noise is possible (about two standard errors).
        assert!(
            m.auc < top + 0.02,
            "{kind:?}: AUC {} vs ceiling {top}",
            m.auc
        );
    }
}

/// How far above the noise each amount model's RMSE may be (a ratio), on 4,000 held-out
/// rows. The amount grows with order value × √visits × e^(−recency/180): trees and networks
/// can follow that, a straight line can't.
const AMOUNTS: [(ModelKind, f64); 5] = [
    (ModelKind::Linear, 1.45),   // measured 1.34
    (ModelKind::Tree, 1.35),     // 1.23
    (ModelKind::Forest, 1.10),   // 1.03
    (ModelKind::Boosting, 1.08), // 1.005
    (ModelKind::Mlp, 1.10),      // 1.02
];

#[test]
fn every_amount_model_gets_close_to_the_noise() {
    let sample = sample_of(20_000);
    for (kind, ratio) in AMOUNTS {
        let o = train(&sample.frame, &settings(kind, "spend_next_90d"));
        let Metrics::Regression(m) = &o.metrics else {
            panic!("{kind:?}: not amount metrics")
        };
        println!(
            "{kind:?}: RMSE {:.3} = {:.3} × the noise",
            m.rmse,
            m.rmse / SPEND_NOISE
        );
        assert!(m.rmse < SPEND_NOISE * ratio, "{kind:?}: RMSE {}", m.rmse);
        // Below the noise only by sampling luck (and the clip at 0).
        assert!(m.rmse > SPEND_NOISE * 0.9, "{kind:?}: RMSE {}", m.rmse);
    }
}

#[test]
fn a_saved_model_scores_exactly_what_training_scored() {
    let sample = sample_of(3_000);
    let dir = tempfile::tempdir().unwrap();
    let cases = ModelKind::ALL.into_iter().filter_map(|k| {
        [Task::Classification, Task::Regression, Task::Segments]
            .into_iter()
            .find(|t| k.supports(*t))
            .map(|t| (k, t))
    });
    for (kind, task) in cases {
        let s = match task {
            Task::Classification => settings(kind, "responded"),
            Task::Regression => settings(kind, "spend_next_90d"),
            Task::Segments => ModelSettings {
                task: Some(Task::Segments),
                ignore: vec![
                    "responded".into(),
                    "churned".into(),
                    "spend_next_90d".into(),
                ],
                model: Some(kind),
                ..ModelSettings::default()
            },
        };
        let o = train(&sample.frame, &s);
        let path = dir.path().join(format!("{}.json", kind.cli_name()));
        o.model.save(&path).unwrap();
        let loaded = SavedModel::load(&path).unwrap();
        assert_eq!(loaded, o.model, "{kind:?}: the file holds the same model");
        // The evaluated rows, as they were in the file (hidden row number dropped).
        let names: Vec<&str> = sample
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect();
        let rows = o.predictions.select(names).unwrap();
        let again = loaded.score(&rows).unwrap().frame;
        let column = if task == Task::Segments {
            "segment"
        } else {
            SCORE
        };
        assert_eq!(
            again.column(column).unwrap(),
            o.predictions.column(column).unwrap(),
            "{kind:?}"
        );
    }
}

#[test]
fn cancel_stops_every_model_within_one_step() {
    let sample = sample_of(2_000);
    for kind in ModelKind::ALL {
        let s = if kind.supports(Task::Classification) {
            settings(kind, "responded")
        } else if kind.supports(Task::Regression) {
            settings(kind, "spend_next_90d")
        } else {
            ModelSettings {
                task: Some(Task::Segments),
                model: Some(kind),
                ..ModelSettings::default()
            }
        };
        let mut steps = 0;
        let r = train::run(
            &sample.frame,
            &Recipe::default(),
            &s,
            Detail::Metrics,
            &mut |e| {
                if matches!(e, TrainEvent::Step(_)) {
                    steps += 1;
                }
                steps < 1
            },
            &RunControl::default(),
        );
        assert!(
            matches!(r, Err(Error::Cancelled)),
            "{kind:?}: {:?}",
            r.err()
        );
        assert_eq!(steps, 1, "{kind:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_numbers_for_every_model() {
    let sample = sample_of(2_000);
    for kind in ModelKind::ALL {
        let s = if kind.supports(Task::Classification) {
            settings(kind, "responded")
        } else if kind.supports(Task::Regression) {
            settings(kind, "spend_next_90d")
        } else {
            ModelSettings {
                task: Some(Task::Segments),
                model: Some(kind),
                ..ModelSettings::default()
            }
        };
        let (a, b) = (train(&sample.frame, &s), train(&sample.frame, &s));
        assert_eq!(a.metrics, b.metrics, "{kind:?}");
        assert_eq!(a.model, b.model, "{kind:?}");
        assert_eq!(scores_or_segments(&a), scores_or_segments(&b), "{kind:?}");
    }
}

fn scores_or_segments(o: &TrainOutcome) -> Vec<f64> {
    if o.predictions.column(SCORE).is_ok() {
        scores(&o.predictions)
    } else {
        o.predictions
            .column("segment")
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect()
    }
}
