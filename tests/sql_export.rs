//! `export-model --format sql` run in real engines: the statement scores the customers table
//! inside SQLite (Python's sqlite3), DuckDB (the `duckdb` package) and PostgreSQL (when
//! `PGHOST` names a server, as .ci/run starts one), and every row must get the app's own
//! `score` output: the same rows, scores (and amounts) within 1e-12, the same yes/no and decile.
//!
//! The engines run through tests/data/sql/run_sql.py with `MW_PYTHON` (set by .ci/run, with
//! DuckDB installed), else `python3`; without `MW_PYTHON` an engine that is missing is skipped
//! with a note on stderr, with it every one is required.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use common::{run, stderr};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> (String, bool) {
    match std::env::var("MW_PYTHON") {
        Ok(p) => (p, true),
        Err(_) => ("python3".to_owned(), false),
    }
}

/// The engines to check, with the dialect each reads.
fn engines() -> Vec<(&'static str, &'static str)> {
    let (python, required) = python();
    let has = |module: &str| {
        Command::new(&python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut out = Vec::new();
    for (engine, module, dialect) in [
        ("sqlite", "sqlite3", "sqlite"),
        ("duckdb", "duckdb", "duckdb"),
    ] {
        if has(module) {
            out.push((engine, dialect));
        } else {
            assert!(!required, "MW_PYTHON has no {module}");
            eprintln!("note: {engine} skipped ({python} has no {module})");
        }
    }
    if std::env::var("PGHOST").is_ok() {
        out.push(("postgres", "postgres"));
    } else {
        assert!(
            std::env::var("MW_REQUIRE_POSTGRES").is_err(),
            "PostgreSQL is required but PGHOST is not set"
        );
        eprintln!("note: postgres skipped (no PGHOST)");
    }
    out
}

/// Rows of a CSV by the `customer_id` column.
fn by_id(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let row: HashMap<String, String> = names
                .iter()
                .map(|n| n.to_string())
                .zip(l.split(',').map(str::to_owned))
                .collect();
            (row["customer_id"].clone(), row)
        })
        .collect()
}

fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// `model` exported for `dialect` and run in `engine` on `data` (as the table `customers`):
/// its rows by customer. The statement and the result go beside `stem` (`stem.ENGINE.sql`,
/// `stem.ENGINE.csv`).
fn scored_in(
    engine: &str,
    dialect: &str,
    model: &Path,
    data: &Path,
    stem: &Path,
) -> HashMap<String, HashMap<String, String>> {
    by_id(&common::scored_by_sql(
        &python().0,
        engine,
        dialect,
        model,
        data,
        stem,
    ))
}

#[test]
fn exported_sql_scores_every_row_as_the_app_does_in_every_engine() {
    let engines = engines();
    let dir = tempfile::tempdir().unwrap();
    let data = path(dir.path(), "customers.csv");
    let data_s = data.to_str().unwrap();
    let o = run(&["sample", "--rows", "3000", "--seed", "11", "--out", data_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    // PostgreSQL's server reads the file as its own user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // A derived ratio (division by zero: missing), fill, clip, log, standardise, one-hot and a
    // row filter (the benchmark's recipe), a bin, the parts of a date, and a text column
    // filled with a category of its own.
    let recipe = path(dir.path(), "recipe.json");
    std::fs::write(
        &recipe,
        r#"{"steps": [
  {"step": "derive", "name": "spend_per_visit", "left": "total_spend", "op": "divide", "right": "visits_30d"},
  {"step": "fill_missing", "column": "age", "strategy": "median", "add_flag": true},
  {"step": "clip_outliers", "column": "avg_order_value", "method": {"method": "iqr", "k": 1.5}},
  {"step": "log_transform", "column": "total_spend"},
  {"step": "standardize", "columns": ["total_spend", "avg_order_value", "visits_30d"]},
  {"step": "fill_missing", "column": "region", "strategy": "missing_category"},
  {"step": "one_hot", "column": "region", "max_categories": 3},
  {"step": "filter_rows", "column": "tenure_months", "op": "greater_or_equal", "value": "6"},
  {"step": "bin", "column": "email_opens", "bins": 4},
  {"step": "date_parts", "column": "signup_date"}
]}"#,
    )
    .unwrap();
    // (model, target — none for segments —, settings)
    let models: [(&str, &str, &[&str]); 15] = [
        ("boosting", "responded", &["--param", "rounds=60"]),
        ("logistic", "responded", &[]),
        ("forest", "responded", &["--param", "trees=15"]),
        ("tree", "churned", &[]),
        ("linear", "spend_next_90d", &[]),
        ("boosting", "spend_next_90d", &["--param", "rounds=30"]),
        ("kmeans", "", &["--k", "5"]),
        ("naive-bayes", "responded", &[]),
        ("gmm", "", &["--k", "4"]),
        // The network in float32 (SQLite has no float32: refused, below).
        ("mlp", "responded", &["--param", "epochs=15"]),
        ("mlp", "spend_next_90d", &["--param", "epochs=15"]),
        // Several classes: a probability per class, softmax in the app's order.
        ("logistic", "channel", &[]),
        ("boosting", "channel", &["--param", "rounds=20"]),
        ("naive-bayes", "channel", &[]),
        ("mlp", "channel", &["--param", "epochs=10"]),
    ];
    for (i, (kind, target, params)) in models.iter().enumerate() {
        let model = path(dir.path(), &format!("m{i}.json"));
        let question: [&str; 2] = if target.is_empty() {
            ["--task", "segments"]
        } else {
            ["--target", target]
        };
        let mut args = vec![
            "train",
            data_s,
            question[0],
            question[1],
            "--model",
            kind,
            "--recipe",
            recipe.to_str().unwrap(),
            "--save-model",
            model.to_str().unwrap(),
        ];
        // The other outcomes and the id are not inputs.
        for c in ["customer_id", "churned", "spend_next_90d", "responded"] {
            if c != *target {
                args.extend(["--ignore", c]);
            }
        }
        args.extend(params.iter());
        let o = run(&args);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        let ours = path(dir.path(), &format!("m{i}.scored.csv"));
        let o = run(&[
            "score",
            model.to_str().unwrap(),
            data_s,
            "--out",
            ours.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let ours = by_id(&ours);
        assert!(
            ours.len() > 2000 && ours.len() < 3000,
            "the filter keeps most rows"
        );
        for (engine, dialect) in &engines {
            if *kind == "mlp" && *dialect == "sqlite" {
                let o = run(&[
                    "export-model",
                    model.to_str().unwrap(),
                    "--format",
                    "sql",
                    "--dialect",
                    dialect,
                    "--out",
                    path(dir.path(), "mlp.sqlite.sql").to_str().unwrap(),
                ]);
                assert_eq!(o.status.code(), Some(1));
                assert!(
                    stderr(&o).contains("no float32 arithmetic"),
                    "{}",
                    stderr(&o)
                );
                continue;
            }
            let theirs = scored_in(
                engine,
                dialect,
                &model,
                &data,
                &dir.path().join(format!("m{i}")),
            );
            assert_eq!(
                theirs.len(),
                ours.len(),
                "{kind} in {engine}: the same rows"
            );
            let mut largest: f64 = 0.0;
            for (id, mine) in &ours {
                let row = &theirs[id];
                if target.is_empty() {
                    assert_eq!(mine["segment"], row["segment"], "{kind} in {engine}, {id}");
                    continue;
                }
                let (a, b): (f64, f64) = (
                    mine["score"].parse().unwrap(),
                    row["score"].parse().unwrap(),
                );
                largest = largest.max((a - b).abs());
                if *target == "spend_next_90d" {
                    // The amount itself: as close as the score.
                    let (a, b): (f64, f64) = (
                        mine["prediction"].parse().unwrap(),
                        row["prediction"].parse().unwrap(),
                    );
                    assert!(
                        (a - b).abs() <= 1e-12,
                        "{kind} in {engine}, {id}: {a} vs {b}"
                    );
                } else {
                    assert_eq!(
                        mine["prediction"], row["prediction"],
                        "{kind} in {engine}, {id}"
                    );
                }
                assert_eq!(mine["decile"], row["decile"], "{kind} in {engine}, {id}");
                for (name, p) in mine.iter().filter(|(n, _)| n.starts_with("p_")) {
                    let (a, b): (f64, f64) = (p.parse().unwrap(), row[name].parse().unwrap());
                    largest = largest.max((a - b).abs());
                }
                assert_eq!(
                    mine["tenure_months"], row["tenure_months"],
                    "{id}: the input columns pass through"
                );
            }
            assert!(
                largest <= 1e-12,
                "{kind} {target} in {engine}: scores differ by {largest:e}"
            );
            eprintln!(
                "{kind} {target} in {engine}: {} rows, largest score difference {largest:e}",
                ours.len()
            );
        }
    }
}

#[test]
fn export_model_says_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = path(dir.path(), "customers.csv");
    let data_s = data.to_str().unwrap();
    assert!(
        run(&["sample", "--rows", "800", "--seed", "2", "--out", data_s])
            .status
            .success()
    );
    let model = path(dir.path(), "svm.json");
    let o = run(&[
        "train",
        data_s,
        "--target",
        "responded",
        "--model",
        "svm",
        "--ignore",
        "customer_id",
        "--ignore",
        "churned",
        "--ignore",
        "spend_next_90d",
        "--save-model",
        model.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = path(dir.path(), "svm.sql");
    for (format, needle) in [
        ("sql", "support vector"),
        ("lightgbm", "no LightGBM form"),
        ("onnx", "not built yet"),
    ] {
        let o = run(&[
            "export-model",
            model.to_str().unwrap(),
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        let e = stderr(&o);
        assert!(e.contains(needle) && e.lines().count() == 1, "{e}");
        assert!(!out.exists(), "nothing written");
    }
}

/// The largest and smallest doubles `x` on either side of the split: the raw values whose
/// standardised value `(x − mean) / scale` is the last one at or below `t` and the first one
/// above it (and `t` itself when some `x` lands on it exactly).
fn around(t: f64, mean: f64, scale: f64) -> Vec<f64> {
    let z = |x: f64| (x - mean) / scale;
    let mut x = t * scale + mean;
    // Walk to the last x with z(x) <= t.
    while z(x) > t {
        x = x.next_down();
    }
    while z(x.next_up()) <= t {
        x = x.next_up();
    }
    vec![x, x.next_up()]
}

#[test]
fn rows_on_either_side_of_every_threshold_go_where_the_app_sends_them() {
    use workbench_core::ml::features::Encoding;
    use workbench_core::ml::models::TrainedModel;
    use workbench_core::ml::saved::SavedModel;

    let engines = engines();
    let dir = tempfile::tempdir().unwrap();
    let base = path(dir.path(), "customers.csv");
    let o = run(&[
        "sample",
        "--rows",
        "2000",
        "--seed",
        "5",
        "--out",
        base.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let model_path = path(dir.path(), "boosting.json");
    let o = run(&[
        "train",
        base.to_str().unwrap(),
        "--target",
        "responded",
        "--model",
        "boosting",
        "--param",
        "rounds=40",
        "--ignore",
        "customer_id",
        "--ignore",
        "churned",
        "--ignore",
        "spend_next_90d",
        "--save-model",
        model_path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let model = SavedModel::load(&model_path).unwrap();
    let TrainedModel::Boosting(b) = &model.model else {
        panic!("a boosting model")
    };
    // Feature j → (input column, mean, scale) for the number inputs.
    let schema = &model.features;
    let mut numbers: HashMap<usize, (String, f64, f64)> = HashMap::new();
    let mut j = 0;
    for input in &schema.inputs {
        if matches!(input.encoding, Encoding::Number { .. }) {
            numbers.insert(j, (input.column.clone(), schema.means[j], schema.scales[j]));
        }
        j += input.encoding.width();
    }
    // One row per side of every split on a number: the first customer with that column set.
    let text = std::fs::read_to_string(&base).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_owned();
    let names: Vec<&str> = header.split(',').collect();
    let first: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let mut out = header.clone();
    out.push('\n');
    let mut rows = 0;
    for tree in &b.trees {
        for (node, &f) in tree.feature.iter().enumerate() {
            let Some((column, mean, scale)) =
                (f >= 0).then(|| numbers.get(&(f as usize))).flatten()
            else {
                continue;
            };
            let at = names.iter().position(|n| n == column).unwrap();
            for x in around(tree.threshold[node], *mean, *scale) {
                let mut row = first.clone();
                row[0] = format!("T{rows:06}");
                row[at] = format!("{x:?}");
                out.push_str(&row.join(","));
                out.push('\n');
                rows += 1;
            }
        }
    }
    assert!(rows > 200, "{rows} boundary rows");
    let data = path(dir.path(), "boundaries.csv");
    std::fs::write(&data, out).unwrap();
    let ours = path(dir.path(), "ours.csv");
    let o = run(&[
        "score",
        model_path.to_str().unwrap(),
        data.to_str().unwrap(),
        "--out",
        ours.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ours = by_id(&ours);
    for (engine, dialect) in &engines {
        let theirs = scored_in(
            engine,
            dialect,
            &model_path,
            &data,
            &dir.path().join("boundaries"),
        );
        assert_eq!(theirs.len(), rows);
        for (id, mine) in &ours {
            // Every tree's leaf the same: the sums are the same to the bit.
            assert_eq!(
                mine["score"].parse::<f64>().unwrap().to_bits(),
                theirs[id]["score"].parse::<f64>().unwrap().to_bits(),
                "{engine}, {id}"
            );
        }
        eprintln!("{engine}: {rows} rows on either side of every threshold, every score equal");
    }
}
