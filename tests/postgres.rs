//! PostgreSQL as a source and a destination, against a real server (`PGHOST`, as .ci/run
//! starts one; without it the tests say so and stop, unless `MW_REQUIRE_POSTGRES` is set):
//! the sample customers go into a table, come back equal, train a boosting model read from the
//! database, are scored from the database into a new table (replaced atomically), and the
//! scores equal those of the same model on the CSV file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use common::{run, stderr};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use polars::prelude::*;
use workbench_core::data::load::{LoadOptions, load_path};
use workbench_core::data::postgres::{Location, What, write};

/// A URL of the test server's database (host, user and database from the environment).
fn server() -> Option<String> {
    if std::env::var("PGHOST").is_err() {
        assert!(
            std::env::var("MW_REQUIRE_POSTGRES").is_err(),
            "PostgreSQL is required but PGHOST is not set"
        );
        eprintln!("note: skipped (no PGHOST)");
        return None;
    }
    Some("postgresql:///".to_owned() + &std::env::var("PGDATABASE").unwrap_or("postgres".into()))
}

fn load(source: &str) -> DataFrame {
    load_path(
        Path::new(source),
        &LoadOptions::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap()
}

/// Each table's rows sorted by `customer_id`, for comparing tables read different ways.
fn sorted(df: &DataFrame) -> DataFrame {
    df.sort(["customer_id"], SortMultipleOptions::default())
        .unwrap()
}

#[test]
fn customers_round_trip_train_and_score_in_the_database() {
    let Some(db) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    let csv_s = csv.to_str().unwrap();
    // 20,000 customers: big enough (≈ 400 pages) to be read in parallel parts.
    let o = run(&["sample", "--rows", "20000", "--seed", "5", "--out", csv_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = load(csv_s);

    // Into a table and back: the same columns, types and values.
    let table = format!("{db}?table=mw_test_customers");
    let rows = write(&Location::parse(&table).unwrap(), &file).unwrap();
    assert_eq!(rows, 20_000);
    let back = load(&table);
    assert_eq!(back.get_column_names(), file.get_column_names());
    for (a, b) in file.columns().iter().zip(back.columns()) {
        assert_eq!(a.dtype(), b.dtype(), "{}", a.name());
    }
    assert!(sorted(&file).equals_missing(&sorted(&back)));

    // A query and a sample read too; the sample is repeatable.
    let query = format!(
        "{db}?query=SELECT%20customer_id%2C%20age%20FROM%20mw_test_customers%20WHERE%20age%20%3E%2040"
    );
    let q = load(&query);
    assert_eq!(q.width(), 2);
    let older = file
        .column("age")
        .unwrap()
        .as_materialized_series()
        .gt(40)
        .unwrap()
        .sum()
        .unwrap_or(0);
    assert_eq!(q.height(), older as usize);
    let sample = format!("{table}&sample=20");
    let (s1, s2) = (load(&sample), load(&sample));
    assert!(
        s1.height() > 3_700 && s1.height() < 4_300,
        "{}",
        s1.height()
    );
    assert!(s1.equals_missing(&s2));

    // Train on the table, score the table into another table, compare with the file's scores.
    let model = dir.path().join("boosting.json");
    let o = run(&[
        "train",
        &table,
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
        model.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let scores = format!("{db}?table=mw_test_scores");
    for _ in 0..2 {
        // The second run replaces the table the first one wrote.
        let o = run(&["score", model.to_str().unwrap(), &table, "--out", &scores]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("20000 rows written"), "{}", stderr(&o));
    }
    let from_file = dir.path().join("scored.csv");
    let o = run(&[
        "score",
        model.to_str().unwrap(),
        csv_s,
        "--out",
        from_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (ours, theirs) = (
        sorted(&load(from_file.to_str().unwrap())),
        sorted(&load(&scores)),
    );
    assert_eq!(ours.height(), 20_000);
    // `prediction` is text in the database (the labels as written), numbers in a CSV file.
    for name in ["score", "prediction", "decile"] {
        let text = |df: &DataFrame| df.column(name).unwrap().cast(&DataType::String).unwrap();
        assert!(text(&ours).equals_missing(&text(&theirs)), "{name} differs");
    }
}

#[test]
fn a_failed_write_leaves_the_old_table_and_no_trace() {
    let Some(db) = server() else { return };
    let df = df!("customer_id" => ["a", "b"], "score" => [0.25, 0.5]).unwrap();
    let base = Location::parse(&db).unwrap();
    let kept = base.with(What::Table("mw_test_kept".into()), None);
    let psql = |sql: &str| {
        let o = std::process::Command::new("psql")
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    };
    psql("DROP VIEW IF EXISTS mw_test_view");
    write(&kept, &df).unwrap();
    // A view can't be dropped as a table: the transaction stops before the rename.
    psql("CREATE VIEW mw_test_view AS SELECT * FROM mw_test_kept");
    let view = base.with(What::Table("mw_test_view".into()), None);
    let bigger = df!("customer_id" => ["x", "y", "z"], "score" => [1.0, 2.0, 3.0]).unwrap();
    let e = write(&view, &bigger).err().unwrap();
    assert!(e.to_string().contains("can't replace the table"), "{e}");
    let still = load(&view.shown);
    assert_eq!(still.height(), 2);
    // Nor is a table other objects depend on replaced behind their back: the message says so.
    let e = write(&kept, &bigger).err().unwrap();
    assert!(e.to_string().contains("depend on it"), "{e}");
    assert_eq!(load(&kept.shown).height(), 2);
    let tables = workbench_core::data::postgres::tables(&base).unwrap();
    assert!(tables.contains(&"mw_test_kept".to_owned()), "{tables:?}");
    assert!(!tables.iter().any(|t| t.contains("mw_new")), "{tables:?}");

    // A password in the URL is never in a message.
    let o = run(&[
        "profile",
        "postgresql://nobody:hunter2@/no_such_db_mw?table=t",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(!e.contains("hunter2") && e.contains("no_such_db_mw"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

/// The app's "Open database…": list the tables, preview a sampled table, open it; the sampling
/// is said on screen and in the table's name, and no password is kept in the source.
#[test]
fn the_app_opens_a_sampled_table_from_the_database() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use marketing_workbench::ui::{App, Startup};
    use workbench_core::project::DataSource;

    let Some(db) = server() else { return };
    let customers = df!(
        "customer_id" => (0..3000).map(|i| format!("C{i:05}")).collect::<Vec<_>>(),
        "spend" => (0..3000).map(|i| f64::from(i % 97) * 1.5).collect::<Vec<_>>()
    )
    .unwrap();
    let base = Location::parse(&db).unwrap();
    write(
        &base.with(What::Table("mw_ui_customers".into()), None),
        &customers,
    )
    .unwrap();

    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.run_steps(2);
    h.get_by_label("Open database…").click();
    h.run_steps(2);
    // A password given in the URL is used but not kept in what the app remembers.
    h.state_mut().panels.data.database.url = db.replace(":///", "://postgres:not-needed@/");
    h.run_steps(1);
    h.get_by_label("List tables").click();
    common::step_until(&mut h, "the tables to be listed", |a| {
        a.panels
            .data
            .database
            .tables
            .contains(&"mw_ui_customers".to_owned())
    });
    {
        let view = &mut h.state_mut().panels.data.database;
        view.table = Some("mw_ui_customers".into());
        view.sampled = true;
        view.percent = 20.0;
    }
    h.run_steps(2);
    assert!(
        h.query_all_by_label_contains("a random 20% of the table's rows")
            .count()
            > 0
    );
    h.get_by_label("Preview").click();
    common::step_until(&mut h, "the preview", |a| {
        a.panels.data.database.preview.is_some()
    });
    let preview = h.state().panels.data.database.preview.clone().unwrap();
    assert!(preview.height() > 0 && preview.height() <= 100);
    assert_eq!(preview.width(), 2);
    h.get_by_label("Open").click();
    common::step_until(&mut h, "the sampled table to load", |a| {
        a.state.dataset.is_some() && a.state.cleaned.is_some()
    });
    let ds = h.state().state.dataset.as_ref().unwrap();
    assert!(ds.name.contains("20% sample"), "{}", ds.name);
    let rows = ds.frame.height();
    assert!(rows > 450 && rows < 750, "{rows}");
    let DataSource::Database { url } = &ds.source else {
        panic!("not a database source")
    };
    assert!(
        !url.contains("not-needed") && url.contains("sample=20"),
        "{url}"
    );
    assert!(!h.state().panels.data.database.open);
}

/// The whole round in the app: customers opened from the database, a boosting model trained,
/// every customer's score written back to a table through the export window's command; the
/// table holds the model's own scores of every row.
#[test]
fn the_app_trains_on_a_database_table_and_writes_the_scores_back() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use marketing_workbench::ui::app::{
        DataCommand, ExportCommand, ModelCommand, RunStatus, TrainCommand,
    };
    use marketing_workbench::ui::{App, Startup};

    let Some(db) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    let o = run(&[
        "sample",
        "--rows",
        "2000",
        "--seed",
        "8",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let base = Location::parse(&db).unwrap();
    let source = base.with(What::Table("mw_app_customers".into()), None);
    write(&source, &load(csv.to_str().unwrap())).unwrap();

    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::OpenDatabase {
        url: source.shown.clone(),
        password: String::new(),
    });
    common::step_until(&mut h, "the table to load", |a| {
        a.state.dataset.is_some() && a.state.cleaned.is_some()
    });
    h.get_by_label("3  Model").click();
    h.run_steps(2);
    h.state_mut()
        .push(ModelCommand::SetTarget(Some("responded".to_owned())));
    h.run_steps(2);
    let mut settings = h.state().state.settings.clone();
    settings.model = Some(workbench_core::ml::ModelKind::Boosting);
    settings.ignore = vec![
        "customer_id".into(),
        "churned".into(),
        "spend_next_90d".into(),
    ];
    h.state_mut().push(ModelCommand::Change(Box::new(settings)));
    h.run_steps(2);
    h.state_mut().push(TrainCommand::Start);
    common::step_until(&mut h, "training to end", |a| {
        !a.is_training() && a.state.training.is_some()
    });
    if let RunStatus::Failed(why) = &h.state().state.training.as_ref().unwrap().status {
        panic!("training failed: {why}");
    }
    let scores = base.with(What::Table("mw_app_scores".into()), None);
    h.state_mut().push(ExportCommand::ToDatabase {
        url: scores.shown.clone(),
        password: String::new(),
    });
    common::step_until(&mut h, "the scores to be written", |a| {
        a.state.exported.as_deref() == Some(Path::new(&scores.shown))
    });
    assert!(h.state().notifications.errors().is_empty());
    let written = sorted(&load(&scores.shown));
    assert_eq!(written.height(), 2000);
    let state = &h.state().state;
    let model = &state.training.as_ref().unwrap().outcome().unwrap().model;
    assert_eq!(model.kind, workbench_core::ml::ModelKind::Boosting);
    let own = sorted(
        &model
            .score(&state.dataset.as_ref().unwrap().frame)
            .unwrap()
            .frame,
    );
    assert!(
        own.column("score")
            .unwrap()
            .equals_missing(written.column("score").unwrap())
    );
}
