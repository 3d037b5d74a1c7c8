//! The real App, driven as a user would: load the sample, pick the target, train, read the AUC
//! on screen, export. Native dialogs are replaced by the commands they would send.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

mod common;

use std::time::Duration;

use common::step_until;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use marketing_workbench::ui::app::{
    DataCommand, ExportCommand, ModelCommand, ModelFile, ProjectCommand, RecipeCommand,
    TrainCommand,
};
use marketing_workbench::ui::{App, Startup};
use workbench_core::data::load;
use workbench_core::ml::metrics::Metrics;
use workbench_core::train::Insights;

/// Steps the app until `done` holds, letting worker threads run in between.
/// A file the app wrote, read back with the app's own loader.
fn read_table(path: &std::path::Path) -> polars::prelude::DataFrame {
    let cancel = std::sync::atomic::AtomicBool::new(false);
    load::load_path(path, &Default::default(), &mut |_, _| {}, &cancel).unwrap()
}

/// The text of the one label on screen that contains `text`.
fn label_containing(h: &Harness<'_, App>, text: &str) -> String {
    h.get_by_label_contains(text)
        .accesskit_node()
        .value()
        .unwrap_or_default()
}

#[test]
fn sample_to_trained_model_to_exported_csv() {
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadSample);
    step_until(&mut h, "the sample to load", |a| {
        a.state.dataset.is_some() && a.state.cleaned.is_some()
    });
    assert_eq!(
        h.state().state.dataset.as_ref().unwrap().frame.height(),
        20_000
    );
    assert!(h.query_all_by_label_contains("20,000 customers").count() > 0);

    // Model: pick the target, as the target combo box does, then press Train.
    h.get_by_label("3  Model").click();
    h.run_steps(2);
    h.state_mut()
        .push(ModelCommand::SetTarget(Some("responded".to_owned())));
    h.run_steps(2);
    {
        let s = &h.state().state.settings;
        assert_eq!(s.target.as_deref(), Some("responded"));
        assert_eq!(s.task, Some(workbench_core::ml::Task::Classification));
    }
    h.get_by_label("Train").click();
    step_until(&mut h, "training to finish", |a| {
        !a.is_training()
            && a.state
                .training
                .as_ref()
                .is_some_and(|r| r.outcome().is_some())
    });

    // The AUC on screen is the model's holdout AUC.
    let shown = label_containing(&h, "AUC 0.");
    let shown_auc: f64 = shown.trim_start_matches("AUC ").parse().unwrap();
    let outcome = h
        .state()
        .state
        .training
        .as_ref()
        .unwrap()
        .outcome()
        .unwrap();
    let Metrics::Classification(m) = &outcome.metrics else {
        panic!("expected yes/no metrics");
    };
    assert!((shown_auc - m.auc).abs() < 0.0005, "{shown} vs {}", m.auc);
    assert!(
        m.auc > 0.7,
        "the sample's signal was not learned: AUC {}",
        m.auc
    );
    assert!(!outcome.curve.is_empty());
    let holdout_rows = outcome.holdout_rows;

    h.get_by_label("5  Predictions").click();
    h.run_steps(2);
    // The Export window: keep only the ID and the results, as Excel.
    h.get_by_label("Export…").click();
    h.run_steps(2);
    h.get_by_label("Only ID and results").click();
    h.run_steps(2);
    let xlsx = tempfile::tempdir().unwrap();
    let xlsx_path = xlsx.path().join("scored.xlsx");
    h.state_mut().push(ExportCommand::To(xlsx_path.clone()));
    step_until(&mut h, "the Excel export", |a| {
        a.state.exported.as_ref() == Some(&xlsx_path)
    });
    let book = read_table(&xlsx_path);
    let names: Vec<&str> = book.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["customer_id", "score", "prediction", "decile"]);
    assert_eq!(book.height(), 4_000);
    h.get_by_label("All").click();
    h.run_steps(2);

    // Export, as the save dialog would.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scored.csv");
    h.state_mut().push(ExportCommand::To(path.clone()));
    step_until(&mut h, "the export", |a| {
        a.state.exported.as_ref() == Some(&path)
    });
    let out = read_table(&path);
    assert_eq!(out.height(), holdout_rows);
    assert_eq!(holdout_rows, 4_000);
    let names: Vec<&str> = out.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(names.len(), 17 + 3);
    assert!(names.ends_with(&["score", "prediction", "decile"]));

    // Score in your database: the statement shown, then saved as the save dialog would.
    h.get_by_label("Score in your database…").click();
    h.run_steps(2);
    assert!(h.query_all_by_label_contains(" lines, ").count() > 0);
    let sql_path = dir.path().join("score.sql");
    h.state_mut().push(ExportCommand::SqlTo(sql_path.clone()));
    step_until(&mut h, "the SQL file", |a| {
        a.state.exported.as_ref() == Some(&sql_path)
    });
    let sql = std::fs::read_to_string(&sql_path).unwrap();
    assert!(
        sql.starts_with(
            "-- Marketing Workbench: Logistic regression predicting 'responded', scoring customers in DuckDB."
        ),
        "{}",
        &sql[..200]
    );
    assert!(sql.contains("SELECT \"customer_id\", ") && sql.contains("AS \"decile\""));
    assert!(h.state().notifications.errors().is_empty());

    // The model as ONNX, as the save dialog would have it written.
    let onnx_path = dir.path().join("model.onnx");
    h.state_mut().push(ExportCommand::ModelFileTo {
        path: onnx_path.clone(),
        format: ModelFile::Onnx,
    });
    step_until(&mut h, "the ONNX file", |a| {
        a.state.exported.as_ref() == Some(&onnx_path)
    });
    assert!(std::fs::metadata(&onnx_path).unwrap().len() > 100);
    // A logistic regression has no LightGBM form: asked anyway, the export worker says why.
    let lgb_path = dir.path().join("model.txt");
    h.state_mut().push(ExportCommand::ModelFileTo {
        path: lgb_path.clone(),
        format: ModelFile::LightGbm,
    });
    step_until(&mut h, "the LightGBM refusal", |a| {
        !a.notifications.errors().is_empty()
    });
    assert!(
        h.state().notifications.errors()[0].contains("no LightGBM form"),
        "{:?}",
        h.state().notifications.errors()
    );
    assert!(!lgb_path.exists());
}

#[test]
fn a_bad_file_is_a_notification_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "a,b\n1,2\n3,4,5,6\n").unwrap();
    let mut h = Harness::builder().build_eframe(|cc| App::new(cc, Startup::Open(bad)));
    step_until(&mut h, "the error", |a| {
        !a.notifications.errors().is_empty()
    });
    let errors = h.state().notifications.errors().join(" ");
    assert!(
        errors.contains("line 3 has 4 fields, the header has 2"),
        "{errors}"
    );
    assert!(h.state().state.dataset.is_none());
}

/// Waits until no recipe is being applied.
fn settle(h: &mut Harness<'_, App>) {
    step_until(h, "the recipe to apply", |a| {
        !a.is_busy() && a.state.cleaned.is_some()
    });
}

#[test]
fn recipe_undo_redo_and_replay_in_the_cli() {
    use workbench_core::data::recipe::{FillStrategy, Recipe, Step};
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Sample));
    settle(&mut h);
    h.get_by_label("2  Clean").click();
    h.run_steps(2);

    // Three steps, as the Add step button would push them.
    for step in [
        Step::FillMissing {
            column: "age".into(),
            strategy: FillStrategy::Median,
            value: None,
            add_flag: true,
        },
        Step::OneHot {
            column: "region".into(),
            max_categories: 20,
        },
        Step::DropColumns {
            columns: vec!["customer_id".into()],
        },
    ] {
        h.state_mut().push(RecipeCommand::AddStep(step));
        h.run_steps(2);
        settle(&mut h);
    }
    let width = |h: &Harness<'_, App>| h.state().state.cleaned.as_ref().unwrap().frame.width();
    assert_eq!(h.state().state.recipe.steps.len(), 3);
    let full_width = width(&h);

    // Undo with the button, then with Ctrl+Z; redo with Ctrl+Shift+Z.
    h.get_by_label("Undo").click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(h.state().state.recipe.steps.len(), 2);
    assert_eq!(width(&h), full_width + 1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(h.state().state.recipe.steps.len(), 1);
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run_steps(2);
    settle(&mut h);
    h.get_by_label("Redo").click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(h.state().state.recipe.steps.len(), 3);
    assert_eq!(width(&h), full_width);

    // Save it as the Save button's dialog would; the CLI's recipe gives the table the app shows.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recipe.json");
    h.state_mut().push(RecipeCommand::SaveTo(path.clone()));
    h.run_steps(3);
    let saved = Recipe::load(&path).unwrap();
    assert_eq!(saved, h.state().state.recipe);
    let shown = h.state().state.cleaned.as_ref().unwrap().frame.clone();
    let raw = h.state().state.dataset.as_ref().unwrap().frame.clone();
    let (_, replayed) = saved.fit_transform(&raw).unwrap();
    assert!(replayed.equals_missing(&shown));

    // And `train --recipe` accepts it.
    let data = dir.path().join("customers.csv");
    std::fs::write(&data, workbench_core::samples::CUSTOMERS_CSV).unwrap();
    let metrics = dir.path().join("m.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marketing-workbench"))
        .args([
            "train",
            data.to_str().unwrap(),
            "--target",
            "responded",
            "--recipe",
        ])
        .arg(&path)
        .arg("--metrics")
        .arg(&metrics)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(metrics.exists());
}

#[test]
fn targeting_calculator_exports_exactly_the_planned_list() {
    use workbench_core::ml::targeting::{Campaign, plan};
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Sample));
    step_until(&mut h, "the sample", |a| a.state.cleaned.is_some());
    h.state_mut()
        .push(ModelCommand::SetTarget(Some("responded".to_owned())));
    h.run_steps(2);
    h.state_mut().push(TrainCommand::Start);
    step_until(&mut h, "training", |a| {
        !a.is_training()
            && a.state
                .training
                .as_ref()
                .is_some_and(|r| r.outcome().is_some())
    });
    h.get_by_label("5  Predictions").click();
    h.run_steps(2);
    h.get_by_label("Whom to contact").click();
    h.run_steps(2);

    // The default campaign: cost 1 per contact, 20 per conversion, no budget or cap.
    let outcome = h
        .state()
        .state
        .training
        .as_ref()
        .unwrap()
        .outcome()
        .unwrap();
    let Some(Insights::YesNo(yn)) = &outcome.insights else {
        panic!("a yes/no model has yes/no insights")
    };
    let scores = yn.population_scores.clone();
    assert_eq!(scores.len(), 20_000);
    let campaign = Campaign {
        cost_per_contact: 1.0,
        value_per_conversion: 20.0,
        budget: None,
        max_contacts: None,
    };
    let p = plan(&scores, &campaign, 300);
    // Contact everyone whose probability beats cost / value = 5%.
    assert!(scores[p.contacts - 1] >= 0.05 && scores.get(p.contacts).is_none_or(|s| *s <= 0.05));
    let shown = format!(
        "Contact the top {} customers",
        marketing_workbench::ui::format::count(p.contacts)
    );
    assert!(h.query_by_label_contains(&shown).is_some(), "{shown}");
    let _ = h.get_by_label("Export this list…");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.csv");
    h.state_mut().push(ExportCommand::ListTo {
        path: path.clone(),
        contacts: p.contacts,
    });
    step_until(&mut h, "the list", |a| !a.is_busy() && path.exists());
    let list = read_table(&path);
    assert_eq!(list.height(), p.contacts);
    let written: Vec<f64> = list
        .column("score")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!(written.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(written[0], scores[0]);
    let expected: f64 = scores[..p.contacts].iter().sum();
    assert!((written.iter().sum::<f64>() - expected).abs() < 1e-6 * expected);

    // The scored table, filtered to the top two deciles and sorted by score, lowest first.
    use workbench_core::data::recipe::FilterOp;
    use workbench_core::data::view::TableView;
    h.state_mut().push(ExportCommand::ViewScored(TableView {
        sort: Some(("score".into(), false)),
        filter: Some(("decile".into(), FilterOp::LessOrEqual, "2".into())),
    }));
    step_until(&mut h, "the table view", |a| {
        !a.is_busy()
            && a.state
                .training
                .as_ref()
                .and_then(|r| r.display.as_ref())
                .is_some_and(|d| d.height() == 800)
    });
    let shown = h
        .state()
        .state
        .training
        .as_ref()
        .unwrap()
        .display
        .clone()
        .unwrap();
    let s: Vec<f64> = shown
        .column("score")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!(s.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(shown.get_column_names()[0].as_str(), "score");
}

#[test]
fn a_saved_project_reopens_to_the_same_numbers() {
    use workbench_core::data::recipe::Step;
    let metrics_of = |h: &Harness<'_, App>| {
        let o = h
            .state()
            .state
            .training
            .as_ref()
            .unwrap()
            .outcome()
            .unwrap();
        (o.metrics.clone(), o.model.clone())
    };
    let mut h = Harness::builder().build_eframe(|cc| App::new(cc, Startup::Sample));
    step_until(&mut h, "the sample", |a| a.state.cleaned.is_some());
    h.state_mut()
        .push(RecipeCommand::AddStep(Step::DropColumns {
            columns: vec!["churned".into()],
        }));
    h.state_mut()
        .push(ModelCommand::SetTarget(Some("responded".to_owned())));
    h.run_steps(2);
    settle(&mut h);
    h.state_mut().state.settings.seed = 7;
    h.state_mut().push(TrainCommand::Start);
    step_until(&mut h, "training", |a| {
        !a.is_training()
            && a.state
                .training
                .as_ref()
                .is_some_and(|r| r.outcome().is_some())
    });
    let before = metrics_of(&h);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("campaign.mwb.json");
    h.state_mut().push(ProjectCommand::SaveTo(path.clone()));
    h.run_steps(2);
    assert!(path.exists());

    // A fresh app opens it: same data, recipe, settings, and (retrained) the same model.
    let mut h = Harness::builder().build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(ProjectCommand::OpenFrom(path));
    step_until(&mut h, "the project", |a| {
        !a.is_busy()
            && a.state
                .training
                .as_ref()
                .is_some_and(|r| r.outcome().is_some())
    });
    assert_eq!(h.state().state.recipe.steps.len(), 1);
    assert_eq!(h.state().state.settings.seed, 7);
    assert_eq!(metrics_of(&h), before);
}

#[test]
fn transactions_become_an_rfm_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.csv");
    std::fs::write(
        &path,
        "order,customer,date,amount\n1,a,2024-01-01,10\n2,a,2024-03-30,30\n3,b,2023-06-01,5\n4,c,2024-03-31,100\n",
    )
    .unwrap();
    let mut h = Harness::builder().build_eframe(|cc| App::new(cc, Startup::Open(path)));
    step_until(&mut h, "the orders", |a| a.state.cleaned.is_some());
    h.state_mut().push(DataCommand::MakeRfm {
        customer: "customer".into(),
        date: "date".into(),
        amount: "amount".into(),
    });
    step_until(&mut h, "the RFM table", |a| {
        a.state
            .dataset
            .as_ref()
            .is_some_and(|d| d.derived.is_some())
            && a.state.cleaned.is_some()
    });
    let ds = h.state().state.dataset.as_ref().unwrap();
    assert_eq!(ds.frame.height(), 3);
    assert!(ds.frame.column("rfm_segment").is_ok());
    assert!(ds.name.ends_with("(RFM)"));
}

/// Names of this process's threads that start with `train:` (Linux; empty elsewhere).
fn training_threads() -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .map(|name| name.trim_end().to_owned())
        .filter(|name| name.starts_with("train:"))
        .collect()
}

#[test]
fn closing_the_window_during_training_stops_and_joins_the_worker() {
    // Other tests of this binary train at the same time, in the same process: the threads are
    // counted in a process of its own, where this test runs again, alone.
    const ALONE: &str = "MWB_TEST_CLOSE_DURING_TRAINING";
    const NAME: &str = "closing_the_window_during_training_stops_and_joins_the_worker";
    if std::env::var_os(ALONE).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(ALONE, "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "the test did not run: {text}");
        return;
    }

    let mut h = Harness::builder().build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadSample);
    step_until(&mut h, "the sample to load", |a| {
        a.state.dataset.is_some() && a.state.cleaned.is_some()
    });
    h.state_mut()
        .push(ModelCommand::SetTarget(Some("responded".to_owned())));
    h.run_steps(2);
    // The slowest family, so that the window closes while it trains.
    h.state_mut().state.settings.model = Some(workbench_core::ml::ModelKind::Mlp);
    h.state_mut().push(TrainCommand::Start);
    let linux = std::path::Path::new("/proc/self/task").exists();
    let mut running = false;
    for _ in 0..3_000 {
        h.step();
        if h.state().is_training() && (!linux || !training_threads().is_empty()) {
            running = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        running,
        "training did not start; errors: {:?}",
        h.state().notifications.errors()
    );

    // Closing the window drops the app, and with it the training job, which cancels the run
    // and joins its thread.
    let started = std::time::Instant::now();
    drop(h);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "closing took {took:?}");
    // A joined thread can stay listed for a moment after it ended.
    let mut left = training_threads();
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        left = training_threads();
    }
    assert!(left.is_empty(), "threads left running: {left:?}");
    println!("closed in {took:?} during training");
}

/// The frame-time script goes through its phases by itself on the sample (table scroll, a
/// training run, k-means, the segment map) and records frames in each.
#[test]
fn the_frame_bench_script_runs_through_its_phases() {
    use marketing_workbench::ui::{Launch, Script};
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| {
            App::new(cc, Startup::Empty).launch(Launch {
                frame_stats: Some(dir.path().join("frames.json")),
                script: Some(Script::FrameBench),
            })
        });
    h.state_mut().push(DataCommand::LoadSample);
    step_until(&mut h, "the script to finish", |a| !a.is_scripted());
    let summary = h.state().frames.summary();
    let phases: Vec<(String, u64)> = summary["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["phase"].as_str().unwrap().to_owned(),
                p["frames"].as_u64().unwrap(),
            )
        })
        .collect();
    let names: Vec<&str> = phases.iter().map(|(n, _)| n.as_str()).collect();
    for phase in [
        "table scroll",
        "training in progress",
        "training k-means",
        "segment map",
    ] {
        assert!(names.contains(&phase), "{names:?}");
    }
    let frames = |name: &str| phases.iter().find(|(n, _)| n == name).unwrap().1;
    assert!(frames("table scroll") >= 300, "{phases:?}");
    assert!(frames("segment map") >= 300, "{phases:?}");
    assert!(
        h.state()
            .state
            .training
            .as_ref()
            .unwrap()
            .outcome()
            .is_some()
    );
}

#[test]
fn a_file_of_twenty_thousand_columns_opens_in_the_data_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let mut text = String::from("target");
    for j in 0..20_000 {
        text.push_str(&format!(",x{j}"));
    }
    text.push('\n');
    for i in 0..50 {
        text.push_str(&format!("{}", i % 2));
        for j in 0..20_000 {
            text.push_str(&format!(",{}", (i * 31 + j * 7) % 97));
        }
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::OpenPath(path));
    step_until(&mut h, "the wide file to load", |a| {
        a.state.dataset.is_some() && a.state.cleaned.is_some()
    });
    assert_eq!(
        h.state().state.dataset.as_ref().unwrap().frame.width(),
        20_001
    );
    assert!(h.query_all_by_label_contains("20,001 columns").count() > 0);
    // The Data step draws its table and column list without giving up.
    h.get_by_label("1  Data").click();
    h.run_steps(3);
    assert!(h.state().notifications.errors().is_empty());
}
