//! Uplift: the metrics equal scikit-uplift's on the same inputs; on the experiment sample each
//! method finds the customers the offer changes, close to what the true uplift itself ranks;
//! a saved uplift model scores a file without the treatment and outcome columns exactly as
//! it scored the held-out rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

use std::collections::HashMap;

use workbench_core::data::recipe::Recipe;
use workbench_core::data::{sample, sample_experiment};
use workbench_core::jobs::RunControl;
use workbench_core::ml::ModelSettings;
use workbench_core::ml::models::ModelKind;
use workbench_core::uplift::{self, AnyModel, Method, Rows, Settings, metrics};

#[derive(serde::Deserialize)]
struct Case {
    y: Vec<f64>,
    treatment: Vec<u8>,
    uplift: Vec<f64>,
    qini_auc_score: f64,
    uplift_auc_score: f64,
    uplift_at_30: Option<f64>,
    uplift_by_decile: Option<Vec<Option<f64>>>,
}

#[derive(serde::Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

fn same(ours: f64, theirs: Option<f64>, what: &str) {
    match theirs {
        Some(t) => assert!(
            (ours - t).abs() < 1e-9,
            "{what}: ours {ours}, scikit-uplift {t}"
        ),
        None => assert!(ours.is_nan(), "{what}: ours {ours}, scikit-uplift NaN"),
    }
}

/// tests/data/uplift/sklift_reference.json: scikit-uplift 0.5.1 on seeded inputs with ties
/// (made by make_reference.py beside it).
#[test]
fn metrics_equal_scikit_uplift() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/uplift/sklift_reference.json"
    );
    let r: Reference = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(r.cases.len(), 6);
    for (i, c) in r.cases.iter().enumerate() {
        let treated: Vec<bool> = c.treatment.iter().map(|&t| t == 1).collect();
        let rows = Rows {
            outcome: &c.y,
            treated: &treated,
            uplift: &c.uplift,
        };
        same(
            metrics::qini_auc(rows),
            Some(c.qini_auc_score),
            &format!("case {i} qini"),
        );
        same(
            metrics::uplift_auc(rows),
            Some(c.uplift_auc_score),
            &format!("case {i} uplift auc"),
        );
        same(
            metrics::uplift_at_k(rows, 0.3),
            c.uplift_at_30,
            &format!("case {i} uplift@30%"),
        );
        if let Some(d) = &c.uplift_by_decile {
            for (k, (ours, theirs)) in metrics::by_decile(rows).iter().zip(d).enumerate() {
                same(ours.uplift(), *theirs, &format!("case {i} decile {k}"));
            }
        }
    }
}

fn settings(method: Method, model: ModelKind) -> Settings {
    Settings {
        model: ModelSettings {
            target: Some("converted".into()),
            model: Some(model),
            ignore: vec![
                "customer_id".into(),
                "responded".into(),
                "churned".into(),
                "spend_next_90d".into(),
            ],
            holdout: 0.3,
            seed: 7,
            ..Settings::default().model
        },
        treatment: "treated".into(),
        method,
        ..Settings::default()
    }
}

/// Each method on the experiment sample: its held-out Qini coefficient against the one the
/// true uplift gives on the same rows (the best any model could rank them, up to the noise of
/// the outcomes). Measured with these seeds (share of the truth's Qini 0.0674): two models with
/// logistic regression 0.83, with boosting 0.62; class transformation with logistic regression
/// 0.81 (with boosting about 0.3: the transformed outcome is noisy and boosting fits the
/// noise); uplift forest, default settings, 1.01 (the truth's own Qini is noisy too). The test
/// asks for 0.6, 0.45, 0.6 and 0.5.
#[test]
fn each_method_finds_whom_the_offer_changes() {
    let customers = sample::generate(40_000, 11).unwrap();
    let e = sample_experiment::add(&customers, 11).unwrap();
    let truth: HashMap<String, f64> = e
        .frame
        .column("customer_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|c| c.unwrap().to_owned())
        .zip(e.true_uplift())
        .collect();
    let mut found = Vec::new();
    for (method, model, share) in [
        (Method::TwoModel, ModelKind::Logistic, 0.6),
        (Method::TwoModel, ModelKind::Boosting, 0.45),
        (Method::ClassTransformation, ModelKind::Logistic, 0.6),
        (Method::UpliftForest, ModelKind::Logistic, 0.5),
    ] {
        let s = settings(method, model);
        let o = uplift::run(
            &e.frame,
            &Recipe::default(),
            &s,
            &mut |_| {},
            &RunControl::default(),
        )
        .unwrap();
        let ids = o.predictions.column("customer_id").unwrap().str().unwrap();
        let true_uplift: Vec<f64> = ids.iter().map(|c| truth[c.unwrap()]).collect();
        let best = metrics::qini_auc(Rows {
            outcome: &o.outcome,
            treated: &o.treated,
            uplift: &true_uplift,
        });
        let ours = o.evaluation.qini_auc;
        eprintln!(
            "{method:?}: Qini {ours:.4}, the truth's {best:.4} ({:.2})",
            ours / best
        );
        assert!(
            best > 0.05,
            "the sample's effect shows in the held-out rows: {best}"
        );
        found.push((method, ours, share * best));
        assert_eq!(o.evaluation.deciles.len(), 10);
        assert!(!o.curve.is_empty());
        // The experiment: about half treated, the effect positive overall.
        assert!((o.experiment.n_treated as f64 / 40_000.0 - 0.5).abs() < 0.02);
        assert!(
            o.experiment.ate > 0.0 && o.experiment.ate_ci[0] > 0.0,
            "{:?}",
            o.experiment
        );
        assert!(
            uplift::experiment::unbalanced(&o.balance).is_empty(),
            "randomised groups are balanced: {:?}",
            &o.balance[..2]
        );
    }
    for (method, ours, needed) in found {
        assert!(ours > needed, "{method:?}: Qini {ours}, needed {needed}");
    }
}

/// Save → load → score a file without the treatment and outcome columns: the same uplift as
/// the held-out predictions, to the last bit.
#[test]
fn a_saved_uplift_model_scores_new_customers_exactly() {
    let customers = sample::generate(6_000, 3).unwrap();
    let e = sample_experiment::add(&customers, 3).unwrap();
    for method in Method::ALL {
        let s = settings(method, ModelKind::Logistic);
        let o = uplift::run(
            &e.frame,
            &Recipe::default(),
            &s,
            &mut |_| {},
            &RunControl::default(),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("uplift.json");
        o.model.save(&path).unwrap();
        let AnyModel::Uplift(m) = AnyModel::load(&path).unwrap() else {
            panic!("an uplift model file reads back as one");
        };
        let held_out = o.predictions.drop_many([
            "treated",
            "converted",
            "uplift",
            "p_treated",
            "p_control",
            "decile",
        ]);
        let scored = m.score(&held_out).unwrap().frame;
        let names: Vec<&str> = scored
            .get_column_names()
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            &names[names.len() - 4..],
            ["uplift", "p_treated", "p_control", "decile"]
        );
        assert!(
            scored
                .column("uplift")
                .unwrap()
                .equals(o.predictions.column("uplift").unwrap()),
            "{method:?}"
        );
        assert_eq!(
            scored.column("p_treated").unwrap().null_count() == scored.height(),
            method == Method::ClassTransformation
        );
    }
}

/// Bad settings say what to do.
#[test]
fn bad_settings_say_what_to_do() {
    let customers = sample::generate(500, 3).unwrap();
    let e = sample_experiment::add(&customers, 3).unwrap();
    let run = |s: &Settings| {
        uplift::run(
            &e.frame,
            &Recipe::default(),
            s,
            &mut |_| {},
            &RunControl::default(),
        )
        .err()
        .unwrap()
        .to_string()
    };
    let mut s = settings(Method::TwoModel, ModelKind::Logistic);
    s.treatment = "region".into();
    assert!(run(&s).contains("two values"), "{}", run(&s));
    // Naming one of several offers as treated would mix the others into the control group.
    s.treated = Some("North".into());
    assert!(run(&s).contains("two values"), "{}", run(&s));
    s.treated = None;
    s.treatment = "nope".into();
    assert!(run(&s).contains("nope"), "{}", run(&s));
    let mut s = settings(Method::TwoModel, ModelKind::KMeans);
    assert!(run(&s).contains("can't estimate"), "{}", run(&s));
    // The forest uses no learner of the zoo: whatever is picked there doesn't matter.
    let mut forest = s.clone();
    forest.method = Method::UpliftForest;
    forest.forest.trees = 2;
    assert!(
        uplift::run(
            &e.frame,
            &Recipe::default(),
            &forest,
            &mut |_| {},
            &RunControl::default()
        )
        .is_ok()
    );
    s.model.model = Some(ModelKind::Logistic);
    s.treatment = "converted".into();
    assert!(run(&s).contains("same column"), "{}", run(&s));
}

/// The sample's experiment columns are found by their names; the plain customers have none.
#[test]
fn a_campaign_test_is_recognised() {
    use workbench_core::data::profile::profile;
    let customers = sample::generate(500, 3).unwrap();
    assert_eq!(uplift::guess(&profile(&customers.frame).unwrap()), None);
    let e = sample_experiment::add(&customers, 3).unwrap();
    assert_eq!(
        uplift::guess(&profile(&e.frame).unwrap()),
        Some(("treated".to_owned(), "converted".to_owned()))
    );
}

/// The experiment as the app shows it before any model.
#[test]
fn the_experiment_is_described_before_modelling() {
    let customers = sample::generate(8_000, 4).unwrap();
    let e = sample_experiment::add(&customers, 4).unwrap();
    let s = settings(Method::TwoModel, ModelKind::Logistic);
    let d = uplift::describe(&e.frame, &Recipe::default(), &s).unwrap();
    assert_eq!(d.treated_label, "1");
    assert_eq!(d.effect.n_treated + d.effect.n_control, 8_000);
    let y = e.frame.column("converted").unwrap().i64().unwrap();
    let t = e.frame.column("treated").unwrap().i64().unwrap();
    let (mut yt, mut nt) = (0.0, 0.0);
    for (y, t) in y.iter().zip(t.iter()) {
        if t == Some(1) {
            nt += 1.0;
            yt += y.unwrap() as f64;
        }
    }
    assert!((d.effect.treated_rate - yt / nt).abs() < 1e-12);
    assert!(!d.balance.is_empty());
    assert!(
        d.balance
            .iter()
            .all(|b| b.feature != "treated" && b.feature != "converted")
    );
}

/// The `decile` column groups the rows exactly as the decile table does.
#[test]
fn the_decile_column_is_the_decile_table() {
    let customers = sample::generate(3_000, 8).unwrap();
    let e = sample_experiment::add(&customers, 8).unwrap();
    let s = settings(Method::TwoModel, ModelKind::Tree);
    let o = uplift::run(
        &e.frame,
        &Recipe::default(),
        &s,
        &mut |_| {},
        &RunControl::default(),
    )
    .unwrap();
    let decile = o.predictions.column("decile").unwrap().i32().unwrap();
    for (d, row) in o.evaluation.deciles.iter().enumerate() {
        let members: Vec<usize> = decile
            .iter()
            .enumerate()
            .filter(|(_, v)| *v == Some(d as i32 + 1))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(members.len(), row.treated + row.control, "decile {}", d + 1);
        let treated = members.iter().filter(|&&i| o.treated[i]).count();
        assert_eq!(treated, row.treated, "decile {}", d + 1);
    }
}
