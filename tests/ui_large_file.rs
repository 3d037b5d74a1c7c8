//! The app opening a text table too large to load whole (`MW_MEMORY_LIMIT` plays the small
//! machine): a uniform random sample of the rows that fit, read in pieces on the load worker,
//! named as such.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use common::run as run_cli;
use common::stderr;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marketing_workbench::ui::app::{
    DataCommand, ExportCommand, ModelCommand, RunStatus, TrainCommand,
};
use marketing_workbench::ui::{App, Startup};

#[test]
fn a_file_larger_than_memory_opens_as_a_named_sample() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::sample_customers(dir.path(), 20000, 6);
    let size = std::fs::metadata(&data).unwrap().len();
    // The app under the limit: this test run again as a process of its own with
    // MW_MEMORY_LIMIT set (the environment can't be changed safely in a running test).
    if std::env::var("MW_MEMORY_LIMIT").is_err() {
        let o = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_file_larger_than_memory_opens_as_a_named_sample",
                "--nocapture",
            ])
            .env("MW_MEMORY_LIMIT", size.to_string())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{said}\n{}", stderr(&o));
        assert!(said.contains("1 passed"), "the test ran again: {said}");
        return;
    }
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::OpenPath(data.clone()));
    common::step_until(&mut h, "the sample to load", |a| {
        a.state.dataset.is_some() && a.state.cleaned.is_some()
    });
    let ds = h.state().state.dataset.as_ref().unwrap();
    let rows = ds.frame.height();
    assert!((1000..20000).contains(&rows), "{rows} rows");
    // Its profile, read in the same pass: counts exact over every row of the file, the rest
    // of the sample.
    assert_eq!(ds.profile.rows, 20000);
    assert_eq!(ds.profile.sample_rows, Some(rows));
    let whole =
        workbench_core::data::load::read_text_bytes(&std::fs::read(&data).unwrap(), &data).unwrap();
    let exact = workbench_core::data::profile::profile(&whole).unwrap();
    let mut with_missing = 0;
    for (a, b) in ds.profile.columns.iter().zip(&exact.columns) {
        assert_eq!((&a.name, a.missing), (&b.name, b.missing));
        assert_eq!(
            (a.min, a.max, &a.date_range),
            (b.min, b.max, &b.date_range),
            "{}",
            a.name
        );
        if let (Some(x), Some(y)) = (a.mean, b.mean) {
            assert!(
                (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                "{}: {x} vs {y}",
                a.name
            );
        }
        with_missing += usize::from(a.missing > 0);
    }
    assert!(
        with_missing > 0,
        "the sample file has missing values to count"
    );
    assert!(
        ds.name.contains("a random sample of") && ds.name.contains("of its 20,000 rows"),
        "{}",
        ds.name
    );
    h.run_steps(2);
    assert!(h.query_all_by_label_contains("a random sample of").count() > 0);
    assert!(h.state().notifications.errors().is_empty());
    {
        let view = &mut h.state_mut().panels.data;
        view.tab = marketing_workbench::ui::panels::data::DataTab::Column;
        view.selected = Some("total_spend".to_owned());
    }
    h.run_steps(2);
    assert!(
        h.query_all_by_label_contains("counted over all 20,000 rows of the file")
            .count()
            > 0
    );

    // A model trained on the sample scores every customer of the file, from Export.
    h.state_mut()
        .push(ModelCommand::SetTarget(Some("responded".to_owned())));
    h.run_steps(2);
    let mut settings = h.state().state.settings.clone();
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
    let out = dir.path().join("every_customer.csv");
    h.state_mut().push(ExportCommand::WholeFileTo(out.clone()));
    common::step_until(&mut h, "every customer to be scored", |a| {
        a.state.exported.as_deref() == Some(out.as_path())
    });
    assert!(h.state().notifications.errors().is_empty());
    let model = dir.path().join("model.json");
    let state = &h.state().state;
    let run = state.training.as_ref().unwrap();
    run.outcome().unwrap().model.save(&model).unwrap();
    let by_cli = dir.path().join("by_cli.csv");
    let o = run_cli(&[
        "score",
        model.to_str().unwrap(),
        data.to_str().unwrap(),
        "--out",
        by_cli.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(&by_cli).unwrap(),
    );
    assert_eq!(a.lines().count(), 20001);
    assert!(a == b, "the app's file differs from `score`'s");
}
