use polars::prelude::*;
use sqlparser::dialect::{
    BigQueryDialect, DatabricksDialect, DuckDbDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;

use super::*;
use crate::data::recipe::Recipe;
use crate::ml::ModelSettings;
use crate::ml::models::ModelKind;

/// Parses `sql` with the dialect's own grammar (sqlparser's), or panics with the error.
fn parses(d: Dialect, sql: &str) {
    let result = match d {
        Dialect::Duckdb => Parser::parse_sql(&DuckDbDialect {}, sql),
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
        // sqlparser's SQLite grammar lacks `AS MATERIALIZED (` (SQLite's own has it since
        // 3.35; tests/sql_export.rs runs the statements in SQLite itself).
        Dialect::Sqlite => Parser::parse_sql(
            &SQLiteDialect {},
            &sql.replace(" AS MATERIALIZED (", " AS ("),
        ),
        Dialect::Spark => Parser::parse_sql(&DatabricksDialect {}, sql),
        Dialect::Bigquery => Parser::parse_sql(&BigQueryDialect {}, sql),
    };
    if let Err(e) = result {
        panic!(
            "{} does not parse: {e}\n{}",
            d.label(),
            &sql[..sql.len().min(3000)]
        );
    }
}

#[test]
fn numbers_are_doubles_that_read_back_exactly() {
    assert_eq!(Dialect::Duckdb.num(0.1).unwrap(), "1e-1");
    assert_eq!(Dialect::Sqlite.num(1.5).unwrap(), "1.5e0");
    assert_eq!(Dialect::Postgres.num(0.1).unwrap(), "1e-1::float8");
    assert_eq!(Dialect::Duckdb.num(-2.25).unwrap(), "(-2.25e0)");
    for x in [0.1, 1.0 / 3.0, -7.123456789012345e-300, 1e300, 123456789.0] {
        let lit = Dialect::Duckdb.num(x).unwrap();
        let back: f64 = lit.trim_matches(['(', ')']).parse().unwrap();
        assert_eq!(back.to_bits(), x.to_bits(), "{lit}");
    }
    assert!(Dialect::Duckdb.num(f64::NAN).is_err());
}

#[test]
fn a_tree_is_one_flat_case_of_its_leaves() {
    let mut t = Tree::leaf(0.5);
    let l = t.split(0, 2, 1.5, 0.2, 0.8);
    t.split(l + 1, 0, -1.0, 0.6, 0.9);
    let sql = tree_case(Dialect::Sqlite, &t, &[]).unwrap();
    assert_eq!(
        sql,
        "CASE WHEN mw_f2 <= 1.5e0 THEN 2e-1 WHEN mw_f2 > 1.5e0 AND mw_f0 <= (-1e0) THEN 6e-1 ELSE 9e-1 END"
    );
    assert_eq!(
        tree_case(Dialect::Sqlite, &Tree::leaf(0.25), &[]).unwrap(),
        "2.5e-1"
    );
}

#[test]
fn a_missing_value_goes_where_the_tree_sends_it() {
    // Node 0 sends a missing f2 right, node 2 a missing f0 left (LightGBM's default sides).
    let mut t = Tree::leaf(0.5);
    t.nan_right = vec![false];
    let l = t.split(0, 2, 1.5, 0.2, 0.8);
    t.split(l + 1, 0, -1.0, 0.6, 0.9);
    t.nan_right[0] = true;
    let sql = tree_case(Dialect::Sqlite, &t, &[true, false, true]).unwrap();
    assert_eq!(
        sql,
        "CASE WHEN mw_f2 <= 1.5e0 THEN 2e-1 WHEN (mw_f2 > 1.5e0 OR mw_f2 IS NULL) AND (mw_f0 <= (-1e0) OR mw_f0 IS NULL) THEN 6e-1 ELSE 9e-1 END"
    );
    // Features that are never NULL: the plain conditions.
    assert_eq!(
        tree_case(Dialect::Sqlite, &t, &[false, false, false]).unwrap(),
        "CASE WHEN mw_f2 <= 1.5e0 THEN 2e-1 WHEN mw_f2 > 1.5e0 AND mw_f0 <= (-1e0) THEN 6e-1 ELSE 9e-1 END"
    );
}

/// A small table with numbers, a category, a date and missing values.
pub(crate) fn table(n: usize) -> DataFrame {
    let age: Vec<Option<f64>> = (0..n)
        .map(|i| (i % 11 != 0).then_some(20.0 + (i * 7 % 50) as f64))
        .collect();
    let spend: Vec<f64> = (0..n).map(|i| (i * 37 % 1000) as f64 / 3.0).collect();
    let region: Vec<&str> = (0..n).map(|i| ["N", "S", "E", "W"][i % 4]).collect();
    let bought: Vec<i32> = (0..n)
        .map(|i| i32::from((i * 37 % 1000) as f64 / 3.0 + (i % 4) as f64 * 40.0 > 200.0))
        .collect();
    let id: Vec<String> = (0..n).map(|i| format!("C{i:05}")).collect();
    df!("id" => id, "age" => age, "spend" => spend, "region" => region, "bought" => bought).unwrap()
}

pub(crate) fn trained(kind: ModelKind, recipe: &str) -> SavedModel {
    trained_for(kind, "bought", recipe)
}

/// `kind` trained on [`table`] for `target` (the other outcome and the id left out).
fn trained_for(kind: ModelKind, target: &str, recipe: &str) -> SavedModel {
    let df = table(400);
    let segments = matches!(kind, ModelKind::KMeans | ModelKind::Gmm);
    let settings = ModelSettings {
        target: (!segments).then(|| target.into()),
        ignore: if segments || target != "bought" {
            vec!["id".into(), "bought".into()]
        } else {
            vec!["id".into()]
        },
        model: Some(kind),
        ..ModelSettings::default()
    };
    let recipe = Recipe::from_json(recipe).unwrap();
    let outcome = crate::train::run(
        &df,
        &recipe,
        &settings,
        crate::train::Detail::Metrics,
        &mut |_| true,
        &crate::jobs::RunControl::default(),
    )
    .unwrap();
    outcome.model
}

const RECIPE: &str = r#"{"steps":[
    {"step":"fill_missing","column":"age","strategy":"median","add_flag":true},
    {"step":"clip_outliers","column":"spend","method":{"method":"iqr","k":1.5}},
    {"step":"filter_rows","column":"spend","op":"greater_or_equal","value":"0"},
    {"step":"log_transform","column":"spend"},
    {"step":"standardize","columns":["age"]},
    {"step":"bin","column":"spend","bins":4},
    {"step":"one_hot","column":"region"}
]}"#;

#[test]
fn every_dialect_parses_for_each_model_kind() {
    for kind in [
        ModelKind::Logistic,
        ModelKind::Tree,
        ModelKind::Forest,
        ModelKind::Boosting,
        ModelKind::KMeans,
        ModelKind::NaiveBayes,
        ModelKind::Gmm,
    ] {
        let model = trained(kind, RECIPE);
        for d in Dialect::ALL {
            let out = export(&model, d, "crm.customers", Some("id")).unwrap();
            parses(d, &out.sql);
            assert!(out.warnings.is_empty());
            assert!(out.sql.contains(match kind {
                ModelKind::KMeans => "mw_d0",
                ModelKind::Gmm => "mw_p0",
                _ => "mw_score",
            }));
        }
    }
    let postgres = export(
        &trained(ModelKind::Logistic, RECIPE),
        Dialect::Postgres,
        "t",
        None,
    )
    .unwrap()
    .sql;
    assert!(postgres.contains("SET jit = off;"));
}

#[test]
fn what_sql_cannot_do_is_refused_with_the_reason() {
    let svm = trained(ModelKind::Svm, r#"{"steps":[]}"#);
    let err = export(&svm, Dialect::Duckdb, "t", None).unwrap_err();
    assert!(err.to_string().contains("support vector"), "{err}");
    let dedupe = trained(
        ModelKind::Logistic,
        r#"{"steps":[{"step":"remove_duplicates","columns":["id"]}]}"#,
    );
    let err = export(&dedupe, Dialect::Duckdb, "t", None).unwrap_err();
    assert!(err.to_string().contains("no SQL form yet"), "{err}");
    let model = trained(ModelKind::Logistic, r#"{"steps":[]}"#);
    assert!(export(&model, Dialect::Duckdb, " ", None).is_err());
}

#[test]
fn several_classes_are_written_with_a_probability_per_class() {
    for kind in [
        ModelKind::Logistic,
        ModelKind::NaiveBayes,
        ModelKind::Boosting,
        ModelKind::Mlp,
    ] {
        let model = trained_for(kind, "region", r#"{"steps":[]}"#);
        assert_eq!(model.labels.len(), 4, "{kind:?}");
        for d in Dialect::ALL {
            if kind == ModelKind::Mlp && d.single().is_none() {
                continue;
            }
            let out = export(&model, d, "t", Some("id")).unwrap();
            parses(d, &out.sql);
            for label in ["p_E", "p_N", "p_S", "p_W"] {
                assert!(out.sql.contains(&d.ident(label)), "{kind:?} {d:?}: {label}");
            }
            assert!(out.sql.contains(&format!("THEN {} ELSE", d.text("S"))));
        }
    }
}

#[test]
fn the_network_is_written_in_float32_where_the_engine_has_it() {
    let model = trained(ModelKind::Mlp, RECIPE);
    let crate::ml::models::TrainedModel::Mlp(m) = &model.model else {
        panic!("an MLP");
    };
    let (layers, _) = m.parts();
    for d in [Dialect::Duckdb, Dialect::Postgres, Dialect::Spark] {
        let out = export(&model, d, "crm.customers", Some("id")).unwrap();
        parses(d, &out.sql);
        // Every weight and bias once, as the double equal to the float32.
        let single = d.single().unwrap();
        let w = layers[0].weights[3];
        assert!(
            out.sql.contains(&format!(
                "CAST({} AS {single})",
                d.num(f64::from(w)).unwrap()
            )),
            "{}",
            &out.sql[..2000]
        );
        let casts = out.sql.matches(&format!(" AS {single})")).count();
        let hidden: usize = layers[..layers.len() - 1].iter().map(|l| l.outputs).sum();
        let parameters = m.parameter_count() + layers[0].inputs + hidden;
        assert_eq!(
            casts, parameters,
            "weights, biases, features and ReLU's zeros"
        );
        assert!(out.sql.contains("mw_layer1") && out.sql.contains("mw_h1_0"));
    }
    for d in [Dialect::Sqlite, Dialect::Bigquery] {
        let err = export(&model, d, "t", None).unwrap_err().to_string();
        assert!(err.contains("float32"), "{err}");
    }
}
