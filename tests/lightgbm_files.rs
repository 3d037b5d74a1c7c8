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

#[test]
fn models_trained_by_lightgbm_score_in_the_app_as_lightgbm_predicts() {
    let Some(python) = common::python_with("lightgbm, numpy") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = Command::new(&python)
        .arg(script())
        .args(["train", d.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let data = d.join("data.csv");
    for (kind, columns) in [
        ("binary", &["score"][..]),
        ("regression", &["score"][..]),
        ("multiclass", &["p_0", "p_1", "p_2"][..]),
    ] {
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
            data.to_str().unwrap(),
            "--out",
            scored.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
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
        // Written back as a LightGBM file, it reads as the same model.
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
        let back = d.join(format!("{kind}.again.json"));
        let o = run(&[
            "import-model",
            again.to_str().unwrap(),
            "--format",
            "lightgbm",
            "--out",
            back.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        let (a, b) = (
            SavedModel::load(&model).unwrap(),
            SavedModel::load(&back).unwrap(),
        );
        assert_eq!(a.features.names, b.features.names);
        assert!(a.model == b.model, "{kind}: read back as another model");
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
