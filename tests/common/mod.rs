//! Helpers shared by the integration tests: driving the app until a job is done, running the
//! binary. Each test binary includes this module and uses a part of it.
#![allow(
    dead_code,
    clippy::expect_used,
    reason = "each test binary uses a part; a test stops at the first broken expectation"
)]

use std::process::{Command, Output};
use std::time::Duration;

use egui_kittest::Harness;
use marketing_workbench::ui::App;

/// Steps the app until `done` holds (two more frames after, for the panels to catch up), or
/// panics after two minutes naming `what` and the app's error notifications.
pub fn step_until(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    for _ in 0..12_000 {
        h.step();
        if done(h.state()) {
            h.run_steps(2);
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "timed out waiting for {what}; errors: {:?}",
        h.state().notifications.errors()
    );
}

/// Runs the command-line binary with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marketing-workbench"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// What a run wrote on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The Python to check against: `MW_PYTHON` (as .ci/run sets it; then it must have `modules`,
/// comma-separated), else `python3` if it has them; `None`, with a note, when the check may be
/// skipped.
pub fn python_with(modules: &str) -> Option<String> {
    let (python, required) = match std::env::var("MW_PYTHON") {
        Ok(p) => (p, true),
        Err(_) => ("python3".to_owned(), false),
    };
    let has = Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        assert!(!required, "MW_PYTHON has no {modules}");
        eprintln!("note: skipped ({python} has no {modules})");
        return None;
    }
    Some(python)
}

/// Trains `kind` for `target` on the sample customers in `data` with `recipe`, the other
/// outcomes and the id left out, and saves it to `model`.
pub fn train_sample_model(
    data: &str,
    kind: &str,
    target: &str,
    recipe: &std::path::Path,
    params: &[&str],
    model: &std::path::Path,
) {
    let mut args = vec![
        "train",
        data,
        "--target",
        target,
        "--model",
        kind,
        "--recipe",
        recipe.to_str().expect("a UTF-8 path"),
        "--save-model",
        model.to_str().expect("a UTF-8 path"),
    ];
    for c in ["customer_id", "churned", "spend_next_90d", "responded"] {
        if c != target {
            args.extend(["--ignore", c]);
        }
    }
    args.extend(params);
    let o = run(&args);
    assert!(o.status.success(), "{kind}: {}", stderr(&o));
}

/// Writes what another engine's copy of `saved` reads for the rows of `table` — the
/// recipe-applied, unscaled features, missing values as NaN — as a CSV with the feature names
/// as its header; returns whether any value is missing.
pub fn write_unscaled_features(
    saved: &workbench_core::ml::saved::SavedModel,
    table: &polars::prelude::DataFrame,
    path: &std::path::Path,
) -> bool {
    let clean = saved.recipe.transform(table).expect("the recipe replays");
    let x = saved
        .features
        .unscaled_matrix(&clean)
        .expect("the features are made");
    let mut csv = saved.features.names.join(",");
    csv.push('\n');
    for row in x.rows() {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    std::fs::write(path, csv).expect("the features are written");
    x.iter().any(|v| v.is_nan())
}

/// `model` exported as SQL for `dialect` (`--id customer_id`) and run in `engine` by
/// tests/data/sql/run_sql.py with `python` on `data` as the table `customers`; the statement
/// and the result go beside `stem` (`stem.ENGINE.sql`, `stem.ENGINE.csv`): the result's path.
pub fn scored_by_sql(
    python: &str,
    engine: &str,
    dialect: &str,
    model: &std::path::Path,
    data: &std::path::Path,
    stem: &std::path::Path,
) -> std::path::PathBuf {
    let sql = stem.with_extension(format!("{engine}.sql"));
    let out = stem.with_extension(format!("{engine}.csv"));
    let o = run(&[
        "export-model",
        model.to_str().expect("a UTF-8 path"),
        "--format",
        "sql",
        "--dialect",
        dialect,
        "--id",
        "customer_id",
        "--out",
        sql.to_str().expect("a UTF-8 path"),
    ]);
    assert!(o.status.success(), "{engine}: {}", stderr(&o));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sql/run_sql.py");
    let o = Command::new(python)
        .arg(&script)
        .args([
            engine,
            data.to_str().expect("a UTF-8 path"),
            sql.to_str().expect("a UTF-8 path"),
            out.to_str().expect("a UTF-8 path"),
        ])
        .output()
        .expect("python runs");
    assert!(o.status.success(), "{engine}: {}", stderr(&o));
    out
}

/// `marketing-workbench sample --rows ROWS --seed SEED` written to `dir/customers.csv`: its path.
pub fn sample_customers(dir: &std::path::Path, rows: usize, seed: u64) -> std::path::PathBuf {
    let data = dir.join("customers.csv");
    let o = run(&[
        "sample",
        "--rows",
        &rows.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        data.to_str().expect("a UTF-8 path"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    data
}
