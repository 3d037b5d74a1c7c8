//! Tests of the parent module, which declares this file under #[cfg(test)].

use super::*;
use crate::jobs::{Next, catch_panic};
use crate::ml::models::ModelKind;

/// The sizes the tests ask insights for (about the app's).
const SIZES: Sizes = Sizes {
    roc_points: 512,
    scatter_points: 4_000,
    map_points: 5_000,
    map_cells: (480, 320),
};

fn sample() -> DataFrame {
    crate::data::sample::generate(2_000, 5).unwrap().frame
}

fn settings() -> ModelSettings {
    ModelSettings {
        target: Some("responded".into()),
        ignore: vec!["churned".into(), "spend_next_90d".into()],
        ..ModelSettings::default()
    }
}

/// Trains the sample with `settings`, answering every event with `answer`.
fn train_with(
    settings: &ModelSettings,
    answer: &mut dyn FnMut(&TrainEvent) -> bool,
    control: &RunControl,
) -> Result<TrainOutcome> {
    run(
        &sample(),
        &Recipe::default(),
        settings,
        Detail::Insights(SIZES),
        &mut |e| answer(&e),
        control,
    )
}

#[test]
fn a_panic_in_model_code_becomes_an_error() {
    let r: Result<()> = catch_panic(|| panic!("boom in a model"));
    let err = r.unwrap_err().to_string();
    assert!(err.contains("boom in a model"), "{err}");
}

#[test]
fn cancel_stops_after_the_current_step() {
    let mut steps = 0;
    let r = train_with(
        &settings(),
        &mut |e| {
            if matches!(e, TrainEvent::Step(_)) {
                steps += 1;
            }
            steps < 1
        },
        &RunControl::default(),
    );
    assert!(matches!(r, Err(Error::Cancelled)));
    assert_eq!(steps, 1);
    let cancelled = RunControl::default();
    cancelled.cancel();
    let r = train_with(&settings(), &mut |_| true, &cancelled);
    assert!(matches!(r, Err(Error::Cancelled)));
}

#[test]
fn stop_keeps_the_best_step_so_far_for_every_model() {
    for kind in [
        ModelKind::Logistic,
        ModelKind::Tree,
        ModelKind::Forest,
        ModelKind::Boosting,
        ModelKind::NaiveBayes,
    ] {
        let s = ModelSettings {
            model: Some(kind),
            ..settings()
        };
        let control = RunControl::default();
        let mut steps = 0;
        let o = train_with(
            &s,
            &mut |e| {
                if matches!(e, TrainEvent::Step(_)) {
                    steps += 1;
                    if steps == 3 {
                        control.stop();
                    }
                }
                true
            },
            &control,
        )
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(
            o.curve.len(),
            3,
            "{kind:?} stopped after the step it was asked to"
        );
        assert!(
            o.metrics.headline().1 > 0.6,
            "{kind:?} kept a working model"
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_numbers() {
    for kind in [ModelKind::Logistic, ModelKind::Forest, ModelKind::Boosting] {
        let s = ModelSettings {
            model: Some(kind),
            ..settings()
        };
        let a = train_with(&s, &mut |_| true, &RunControl::default()).unwrap();
        let b = train_with(&s, &mut |_| true, &RunControl::default()).unwrap();
        assert_eq!(a.metrics, b.metrics, "{kind:?}");
        assert_eq!(a.model, b.model, "{kind:?}");
    }
}

#[test]
fn a_table_given_up_to_training_gives_the_model_trained_on_a_borrowed_one() {
    // `train` on the command line: the table split a column at a time, the training rows let
    // go once encoded; a recipe with a filter, so the rows it keeps are checked too.
    let mut recipe = Recipe::default();
    recipe.push(crate::data::recipe::Step::FilterRows {
        column: "tenure_months".into(),
        op: crate::data::recipe::FilterOp::GreaterOrEqual,
        value: "6".into(),
    });
    // The forest lets go of the features once binned (measured from the held-out scores) when
    // nothing is explained, keeps them when the insights need them.
    for kind in [ModelKind::Logistic, ModelKind::Boosting, ModelKind::Forest] {
        let s = ModelSettings {
            model: Some(kind),
            ..settings()
        };
        let run_on = |owned: bool| {
            let table = sample();
            let mut events = |_| true;
            let control = RunControl::default();
            if owned {
                run_owned(table, &recipe, &s, Detail::Metrics, &mut events, &control)
            } else {
                // Insights need every row: the table is kept whole, its rows copied out.
                run(
                    &table,
                    &recipe,
                    &s,
                    Detail::Insights(SIZES),
                    &mut events,
                    &control,
                )
            }
            .unwrap()
        };
        let (owned, borrowed) = (run_on(true), run_on(false));
        assert_eq!(owned.model, borrowed.model, "{kind:?}");
        assert_eq!(owned.metrics, borrowed.metrics, "{kind:?}");
        assert!(owned.predictions.equals_missing(&borrowed.predictions));
        assert_eq!(owned.train_rows, borrowed.train_rows);
        let explained = borrowed.insights.as_ref().and_then(|i| i.explanation());
        assert!(
            explained.is_some_and(|e| e.importance.iter().any(|i| i.drop > 0.0)),
            "{kind:?}"
        );
    }
}

#[test]
fn cross_validation_reports_every_fold_and_a_summary() {
    let s = ModelSettings {
        folds: 4,
        ..settings()
    };
    let mut folds = Vec::new();
    let o = train_with(
        &s,
        &mut |e| {
            if let TrainEvent::Fold { fold, folds: k, .. } = e {
                folds.push((*fold, *k));
            }
            true
        },
        &RunControl::default(),
    )
    .unwrap();
    assert_eq!(folds, [(1, 4), (2, 4), (3, 4), (4, 4)]);
    let cv = o.cv.clone().unwrap();
    let (name, mean, sd) = cv.headline().unwrap();
    assert_eq!(name, "AUC");
    let aucs: Vec<f64> = cv.folds.iter().map(|m| m.headline().1).collect();
    let (m, s) = cv::mean_sd(&aucs);
    assert_eq!((mean, sd), (m, s));
    assert!(mean > 0.7 && sd < 0.1, "{mean} ± {sd}");
    let json = o.metrics_json();
    assert_eq!(json["cv"]["folds"], 4);
    assert!(json["cv"]["auc"]["mean"].as_f64().is_some());
}

#[test]
fn the_search_tries_its_grid_and_picks_the_best() {
    let s = ModelSettings {
        model: Some(ModelKind::Logistic),
        ..settings()
    };
    let mut points = 0;
    let out = search::run(
        &sample(),
        &Recipe::default(),
        &s,
        3,
        &mut |e| {
            if matches!(e, search::SearchEvent::Point(_)) {
                points += 1;
            }
            true
        },
        &RunControl::default(),
    )
    .unwrap();
    assert_eq!(points, search::grid(ModelKind::Logistic).len());
    assert_eq!(out.candidates.len(), points);
    let best = &out.candidates[out.best];
    assert!(out.candidates.iter().all(|c| c.mean <= best.mean));
    let tuned = out.best_params(&s.params);
    assert_eq!(tuned.logistic.l2, best.values[0].1);
}

#[test]
fn balanced_weights_give_each_class_the_same_total() {
    let y = [1.0, 0.0, 0.0, 0.0];
    let w = plan::balanced_weights(&y, 2);
    assert_eq!(w, [2.0, 2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0]);
}

#[test]
fn the_worker_reports_steps_and_finishes() {
    let job = worker::spawn(
        sample(),
        Recipe::default(),
        settings(),
        SIZES,
        std::sync::Arc::new(|| {}),
    )
    .unwrap();
    let mut steps = 0;
    loop {
        match job.try_next() {
            Next::Event(TrainEvent::Step(_)) => steps += 1,
            Next::Event(TrainEvent::Finished(r)) => {
                assert!(r.is_ok());
                break;
            }
            Next::Empty => std::thread::sleep(std::time::Duration::from_millis(2)),
            Next::Ended => panic!("ended without Finished"),
            Next::Event(_) => {}
        }
    }
    assert!(steps > 1);
}
