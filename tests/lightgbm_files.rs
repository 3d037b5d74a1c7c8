//! LightGBM model files checked by LightGBM itself (the `lightgbm` package of `MW_PYTHON`, as
//! .ci/run installs it; without `MW_PYTHON` and without lightgbm the tests say so and stop):
//! - `export-model --format lightgbm`: a tree, a forest and a boosting model trained with a
//!   recipe on the sample customers, loaded by `lightgbm.Booster(model_file=…)` and run on the
//!   recipe-applied, unscaled features (missing ages left missing), give the app's own scores:
//!   equal doubles on every row.
//! - `import-model --format lightgbm`: models trained by LightGBM (yes/no, amount, three
//!   classes; inputs with missing values) score the same rows as LightGBM predicts them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use common::{run, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use workbench_core::data::load::{LoadOptions, load_path};
use workbench_core::ml::saved::SavedModel;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lightgbm/run_lgb.py")
}

/// Each line of a file of space-separated doubles.
fn rows_of(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(' ').map(|v| v.parse().unwrap()).collect())
        .collect()
}

/// A folder with LightGBM's models trained by run_lgb.py (binary, regression, multiclass),
/// their predictions and the data; `None` when the check may be skipped (no LightGBM).
fn trained_by_lightgbm() -> Option<tempfile::TempDir> {
    let python = common::python_with("lightgbm, numpy")?;
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(&python)
        .arg(script())
        .args(["train", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    Some(dir)
}

/// The values of a column of a CSV file written by the app.
fn csv_column(path: &Path, name: &str) -> Vec<f64> {
    let df = load_path(
        path,
        &LoadOptions::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    df.column(name)
        .unwrap()
        .cast(&polars::prelude::DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

#[test]
fn lightgbm_scores_our_exported_models_as_the_app_does() {
    let Some(python) = common::python_with("lightgbm, numpy") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("customers.csv");
    let data_s = data.to_str().unwrap();
    let o = run(&["sample", "--rows", "3000", "--seed", "11", "--out", data_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    // No fill for age: its missing values reach the model and take its fill.
    let recipe = dir.path().join("recipe.json");
    std::fs::write(
        &recipe,
        r#"{"steps": [
  {"step": "clip_outliers", "column": "avg_order_value", "method": {"method": "iqr", "k": 1.5}},
  {"step": "log_transform", "column": "total_spend"},
  {"step": "standardize", "columns": ["total_spend", "visits_30d"]},
  {"step": "one_hot", "column": "region", "max_categories": 3}
]}"#,
    )
    .unwrap();
    let table = load_path(
        &data,
        &LoadOptions::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert!(table.column("age").unwrap().null_count() > 0);
    for (kind, target, params) in [
        ("boosting", "responded", &["--param", "rounds=60"][..]),
        ("forest", "responded", &["--param", "trees=15"][..]),
        ("tree", "churned", &[][..]),
        ("boosting", "spend_next_90d", &["--param", "rounds=30"][..]),
    ] {
        let model = dir.path().join(format!("{kind}-{target}.json"));
        common::train_sample_model(data_s, kind, target, &recipe, params, &model);
        let file = model.with_extension("txt");
        let o = run(&[
            "export-model",
            model.to_str().unwrap(),
            "--format",
            "lightgbm",
            "--out",
            file.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("features in this order"),
            "{}",
            stderr(&o)
        );

        // The recipe-applied, unscaled features, as the user's engine would hold them.
        let saved = SavedModel::load(&model).unwrap();
        let features = model.with_extension("features.csv");
        assert!(
            common::write_unscaled_features(&saved, &table, &features),
            "missing ages reach the model"
        );
        let theirs = model.with_extension("lgb");
        let o = Command::new(&python)
            .arg(script())
            .args(["predict", file.to_str().unwrap()])
            .args([features.to_str().unwrap(), theirs.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        let theirs = rows_of(&theirs);
        let app = saved.score(&table).unwrap();
        let ours: Vec<f64> = app
            .frame
            .column("score")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(ours.len(), theirs.len());
        let distinct = ours.iter().filter(|&&v| v != ours[0]).count();
        assert!(distinct > 100, "{kind} on {target} learned nothing");
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            // Equal doubles (a zero leaf may come back as +0 for −0).
            assert!(
                *a == b[0],
                "{kind} on {target}, row {i}: app {a}, LightGBM {}",
                b[0]
            );
        }
    }
}

/// The LightGBM model `d/<kind>.txt` (run_lgb.py's, or one written again) read with
/// `import-model` and scored on `d/data.csv` by `score`: the model file and the scored file.
fn imported_and_scored(d: &Path, kind: &str) -> (PathBuf, PathBuf) {
    let model = d.join(format!("{kind}.json"));
    let o = run(&[
        "import-model",
        d.join(format!("{kind}.txt")).to_str().unwrap(),
        "--format",
        "lightgbm",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{kind}: {}", stderr(&o));
    let scored = d.join(format!("{kind}.scored.csv"));
    let o = run(&[
        "score",
        model.to_str().unwrap(),
        d.join("data.csv").to_str().unwrap(),
        "--out",
        scored.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{kind}: {}", stderr(&o));
    (model, scored)
}

#[test]
fn models_trained_by_lightgbm_score_in_the_app_as_lightgbm_predicts() {
    let Some(dir) = trained_by_lightgbm() else {
        return;
    };
    let d = dir.path();
    for (kind, columns) in [
        ("binary", &["score"][..]),
        ("regression", &["score"][..]),
        ("multiclass", &["p_0", "p_1", "p_2"][..]),
    ] {
        let (model, scored) = imported_and_scored(d, kind);
        let theirs = rows_of(&d.join(format!("{kind}.pred")));
        for (c, name) in columns.iter().enumerate() {
            let ours = csv_column(&scored, name);
            assert_eq!(ours.len(), theirs.len());
            let worst = ours
                .iter()
                .zip(&theirs)
                .map(|(a, b)| (a - b[c]).abs())
                .fold(0.0, f64::max);
            // Sums of the same doubles in the same order: equal, but for softmax (LightGBM
            // subtracts the largest score first, as we do; exp may round differently).
            let tolerance = if kind == "multiclass" { 1e-15 } else { 0.0 };
            assert!(
                worst <= tolerance,
                "{kind} {name}: worst difference {worst:e}"
            );
        }
        // Written back as a LightGBM file, it reads as a model that scores every row the same.
        // Not the same numbers: a threshold goes out as the largest raw value the app sends
        // left, which reads features in single precision (a LightGBM threshold t comes back as
        // the largest double that rounds to at most t).
        let again = d.join(format!("{kind}.again.txt"));
        let o = run(&[
            "export-model",
            model.to_str().unwrap(),
            "--format",
            "lightgbm",
            "--out",
            again.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        let (back, again_scored) = imported_and_scored(d, &format!("{kind}.again"));
        let (a, b) = (
            SavedModel::load(&model).unwrap(),
            SavedModel::load(&back).unwrap(),
        );
        assert_eq!(a.features.names, b.features.names);
        for name in columns {
            let (first, second) = (csv_column(&scored, name), csv_column(&again_scored, name));
            assert!(
                first
                    .iter()
                    .zip(&second)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{kind} {name}: read back, it scores otherwise"
            );
        }
    }
    // A file that is not a LightGBM model: one line, the file and the line.
    let bad = d.join("bad.txt");
    std::fs::write(&bad, "tree\nversion=v4\nTree=0\nnum_leaves=x\n").unwrap();
    let o = run(&[
        "import-model",
        bad.to_str().unwrap(),
        "--format",
        "lightgbm",
        "--out",
        d.join("bad.json").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("bad.txt") && e.contains("line "), "{e}");
    assert!(!d.join("bad.json").exists());
}

/// A scored CSV's `score` by `customer_id` (numbers as written: doubles keep every bit).
fn scores_by_id(path: &Path) -> std::collections::HashMap<String, f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (id, score) = (
        names.iter().position(|n| *n == "customer_id").unwrap(),
        names.iter().position(|n| *n == "score").unwrap(),
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[id].to_owned(), f[score].parse().unwrap())
        })
        .collect()
}

#[test]
fn a_model_trained_by_lightgbm_scores_as_sql_where_missing_values_go_its_own_way() {
    let Some(dir) = trained_by_lightgbm() else {
        return;
    };
    let d = dir.path();
    let data = d.join("data.csv");
    // PostgreSQL's server reads the file as its own user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let python = common::python_with("duckdb").unwrap_or_else(|| "python3".to_owned());
    let mut engines = vec!["sqlite"];
    if common::python_with("duckdb").is_some() {
        engines.push("duckdb");
    }
    if std::env::var("PGHOST").is_ok() {
        engines.push("postgres");
    }
    for kind in ["binary", "regression"] {
        let (model, scored) = imported_and_scored(d, kind);
        let ours = scores_by_id(&scored);
        for engine in &engines {
            let out = common::scored_by_sql(&python, engine, engine, &model, &data, &d.join(kind));
            let sql = std::fs::read_to_string(d.join(format!("{kind}.{engine}.sql"))).unwrap();
            assert!(
                sql.contains("IS NULL)"),
                "{kind} {engine}: missing values routed"
            );
            let theirs = scores_by_id(&out);
            assert_eq!(theirs.len(), ours.len(), "{kind} {engine}: the same rows");
            let worst = ours
                .iter()
                .map(|(id, a)| (a - theirs[id]).abs())
                .fold(0.0, f64::max);
            // Sums of the same leaves in the same order; the yes/no link's exp is the engine's.
            assert!(
                worst <= 1e-15,
                "{kind} in {engine}: worst difference {worst:e}"
            );
        }
    }
}

/// A table read by the app (data.csv written by run_lgb.py).
fn table(path: &Path) -> polars::prelude::DataFrame {
    load_path(
        path,
        &LoadOptions::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap()
}

#[test]
fn models_trained_by_lightgbm_are_measured_on_the_table_like_our_own() {
    use workbench_core::jobs::RunControl;
    use workbench_core::ml::metrics::{self, Metrics};
    use workbench_core::train::{self, Detail, EvaluatedOn};

    let Some(dir) = trained_by_lightgbm() else {
        return;
    };
    let d = dir.path();
    let df = table(&d.join("data.csv"));
    let pred = |kind: &str| rows_of(&d.join(format!("{kind}.pred")));
    let assess = |kind: &str, target: &str| {
        let saved =
            workbench_core::lightgbm::import(&d.join(format!("{kind}.txt")), Some(target)).unwrap();
        train::assess(
            &df,
            saved,
            Detail::Metrics,
            &mut |_| true,
            &RunControl::default(),
        )
        .unwrap()
    };

    // Yes/no: LightGBM's 1 is the table's "yes"; the metrics are those of LightGBM's own
    // predictions against the table's answers, on all 4,000 rows.
    let o = assess("binary", "responded");
    assert_eq!(o.evaluated_on, EvaluatedOn::AllRows);
    assert_eq!((o.train_rows, o.holdout_rows), (0, 4000));
    assert!(
        o.notes.iter().any(|n| n.contains("read as 'yes'")),
        "{:?}",
        o.notes
    );
    let yes: Vec<bool> = df
        .column("responded")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v == Some("yes"))
        .collect();
    let theirs: Vec<f64> = pred("binary").iter().map(|r| r[0]).collect();
    let Metrics::Classification(m) = &o.metrics else {
        panic!("{:?}", o.metrics)
    };
    assert_eq!(*m, metrics::classification(&theirs, &yes, 0.5));
    assert!(m.auc > 0.8, "AUC {}", m.auc);
    assert_eq!(o.model.classes.as_ref().unwrap().positive, "yes");
    let predicted = o.predictions.column("prediction").unwrap().str().unwrap();
    assert!(
        predicted
            .iter()
            .all(|p| p == Some("yes") || p == Some("no"))
    );

    // An amount.
    let o = assess("regression", "amount");
    let amount: Vec<f64> = df
        .column("amount")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let theirs: Vec<f64> = pred("regression").iter().map(|r| r[0]).collect();
    assert_eq!(
        o.metrics,
        Metrics::Regression(metrics::regression(&theirs, &amount))
    );

    // Several classes: LightGBM's class k is the table's tier k.
    let o = assess("multiclass", "tier");
    assert_eq!(o.model.labels, ["0", "1", "2"]);
    let tier: Vec<usize> = df
        .column("tier")
        .unwrap()
        .cast(&polars::prelude::DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .map(|v| v as usize)
        .collect();
    let probs: Vec<f64> = pred("multiclass").into_iter().flatten().collect();
    let Metrics::Multiclass(m) = &o.metrics else {
        panic!("{:?}", o.metrics)
    };
    let expected = metrics::multiclass(&probs, &tier, &o.model.labels);
    assert!((m.accuracy - expected.accuracy).abs() < 1e-12);
    assert!((m.log_loss - expected.log_loss).abs() < 1e-12);

    // A target the file can't answer: one clear line.
    let saved = workbench_core::lightgbm::import(&d.join("binary.txt"), Some("amount")).unwrap();
    let e = train::assess(
        &df,
        saved,
        Detail::Metrics,
        &mut |_| true,
        &RunControl::default(),
    )
    .err()
    .unwrap()
    .one_line();
    assert!(e.contains("classification") || e.contains("yes/no"), "{e}");
}

#[test]
fn the_app_opens_a_lightgbm_model_and_shows_it_like_its_own() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use marketing_workbench::ui::app::{
        DataCommand, ModelCommand, ProjectCommand, RunStatus, TrainCommand,
    };
    use marketing_workbench::ui::{App, Startup};
    use workbench_core::ml::metrics::Metrics;
    use workbench_core::train::EvaluatedOn;

    let Some(dir) = trained_by_lightgbm() else {
        return;
    };
    let d = dir.path();

    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut()
        .push(DataCommand::OpenPath(d.join("data.csv")));
    common::step_until(&mut h, "the table to load", |a| {
        a.state.dataset.is_some() && a.state.cleaned.is_some()
    });
    h.get_by_label("3  Model").click();
    h.run_steps(2);
    h.state_mut()
        .push(ModelCommand::SetTarget(Some("responded".to_owned())));
    h.run_steps(2);
    h.get_by_label("Use a model trained elsewhere").click();
    h.run_steps(2);
    assert!(h.query_by_label("Open a LightGBM model…").is_some());
    h.state_mut()
        .push(TrainCommand::Import(d.join("binary.txt")));
    common::step_until(&mut h, "the model to be measured", |a| {
        !a.is_training() && a.state.training.is_some()
    });
    let run = h.state().state.training.as_ref().unwrap();
    if let RunStatus::Failed(why) = &run.status {
        panic!("import failed: {why}");
    }
    let o = run.outcome().unwrap();
    assert_eq!(o.evaluated_on, EvaluatedOn::AllRows);
    assert_eq!(o.model.kind, workbench_core::ml::ModelKind::Boosting);
    let Metrics::Classification(m) = &o.metrics else {
        panic!("{:?}", o.metrics)
    };
    assert!(m.auc > 0.8, "AUC {}", m.auc);
    // Shown in the app as a model like its own: what it is, its predictions and what drives it.
    assert!(o.insights.is_some());
    h.run_steps(2);
    assert!(
        h.query_all_by_label_contains("no training curve here")
            .count()
            > 0
    );
    h.get_by_label("See the predictions").click();
    h.run_steps(3);
    assert!(
        h.query_all_by_label_contains("A model trained elsewhere, measured on all 4,000")
            .count()
            > 0
    );
    assert!(h.state().notifications.errors().is_empty());

    // Saved in a project and opened again: the same model, measured again (not retrained).
    let project = d.join("imported.mwb.json");
    h.state_mut().push(ProjectCommand::SaveTo(project.clone()));
    h.run_steps(2);
    let saved = workbench_core::project::Project::load(&project).unwrap();
    assert!(saved.model_trained_elsewhere);
    let first = o_metrics(&h);
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut()
        .push(ProjectCommand::OpenFrom(project.clone()));
    common::step_until(&mut h, "the project's model to be measured", |a| {
        !a.is_training()
            && a.state
                .training
                .as_ref()
                .is_some_and(|r| r.outcome().is_some())
    });
    let o = h
        .state()
        .state
        .training
        .as_ref()
        .unwrap()
        .outcome()
        .unwrap();
    assert_eq!(o.evaluated_on, EvaluatedOn::AllRows);
    assert!(o.model.model == saved.model.as_ref().unwrap().model);
    assert_eq!(o_metrics(&h), first);
    assert!(h.state().notifications.errors().is_empty());
}

/// The metrics of the run the app shows, as JSON (to compare two runs).
fn o_metrics(h: &egui_kittest::Harness<'_, marketing_workbench::ui::App>) -> String {
    let run = h.state().state.training.as_ref().unwrap();
    serde_json::to_string(&run.outcome().unwrap().metrics).unwrap()
}
