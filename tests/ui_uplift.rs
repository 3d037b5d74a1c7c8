//! The campaign-test question in the real App, driven as a user would: open the sample
//! campaign test, ask whom the offer changes, read the experiment, run a method live, read the
//! results, export the targeting list; the numbers equal the CLI's for the same seed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use std::process::Command;

use common::step_until;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marketing_workbench::ui::app::{
    CheckStatus, DataCommand, UpliftCommand, UpliftResult, UpliftStatus, WorkflowStep,
};
use marketing_workbench::ui::{App, Startup};
use workbench_core::uplift::Method;

fn finished(a: &App) -> bool {
    a.state
        .uplift
        .run
        .as_ref()
        .is_some_and(|r| !matches!(r.status, UpliftStatus::Running))
}

fn result<'a>(h: &'a Harness<'_, App>) -> &'a UpliftResult {
    let run = h.state().state.uplift.run.as_ref().unwrap();
    match &run.status {
        UpliftStatus::Done(r) => r,
        UpliftStatus::Failed(e) => panic!("the run failed: {e}"),
        _ => panic!("the run did not finish"),
    }
}

#[test]
fn the_sample_campaign_test_finds_whom_the_offer_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadExperimentSample);
    step_until(&mut h, "the sample campaign test to load", |a| {
        a.state.dataset.is_some()
    });
    let u = &h.state().state.uplift;
    assert!(u.recognised);
    assert_eq!(u.settings.treatment, "treated");
    assert_eq!(u.settings.model.target.as_deref(), Some("converted"));

    // From the Data step's button to Model, where the experiment is checked.
    h.get_by_label("Whom does the offer change?").click();
    step_until(&mut h, "the experiment check", |a| {
        matches!(
            a.state.uplift.check,
            Some(CheckStatus::Done(_) | CheckStatus::Failed(_))
        )
    });
    assert_eq!(h.state().state.step, WorkflowStep::Model);
    let Some(CheckStatus::Done(d)) = &h.state().state.uplift.check else {
        panic!("the check failed");
    };
    assert_eq!(d.effect.n_treated + d.effect.n_control, 20_000);
    assert!(d.effect.ate > 0.0);
    h.get_by_label_contains("they look randomised");

    // The uplift forest, 20 trees, trained live.
    h.get_by_label("Uplift forest").click();
    h.run_steps(2);
    let mut s = h.state().state.uplift.settings.clone();
    assert_eq!(s.method, Method::UpliftForest);
    s.forest.trees = 20;
    h.state_mut().push(UpliftCommand::Change(Box::new(s)));
    h.run_steps(2);
    h.get_by_label("Run").click();
    step_until(&mut h, "the uplift forest", finished);
    assert_eq!(h.state().state.step, WorkflowStep::Predictions);
    let r = result(&h);
    assert_eq!(
        h.state().state.uplift.run.as_ref().unwrap().curve.len(),
        20,
        "a step per tree"
    );
    let qini = r.outcome.evaluation.qini_auc;
    assert!(qini > 0.03, "Qini {qini}");
    assert_eq!(
        r.scored.height(),
        20_000,
        "every customer scored for targeting"
    );
    h.get_by_label_contains("Qini coefficient");

    // The CLI on the same sample with the same settings gives the same numbers.
    let csv = dir.path().join("experiment.csv");
    let metrics = dir.path().join("m.json");
    let bin = env!("CARGO_BIN_EXE_marketing-workbench");
    let o = Command::new(bin)
        .args([
            "sample",
            "--rows",
            "20000",
            "--seed",
            "42",
            "--experiment",
            "--out",
        ])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = Command::new(bin)
        .arg("train")
        .arg(&csv)
        .args([
            "--task",
            "uplift",
            "--treatment",
            "treated",
            "--target",
            "converted",
            "--uplift-method",
            "uplift-forest",
            "--param",
            "trees=20",
            // The app's default held-out share and seed are the command line's.
            "--seed",
            "42",
            "--metrics",
        ])
        .arg(&metrics)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    assert!(
        (m["qini_auc"].as_f64().unwrap() - qini).abs() < 1e-12,
        "CLI {} vs app {qini}",
        m["qini_auc"]
    );

    // Targeting: the best cut-off's list, exported.
    h.get_by_label("Targeting").click();
    h.run_steps(2);
    let best = {
        let r = result(&h);
        r.targeting.best_by_uplift(1.0, 30.0).contacted
    };
    assert!(best > 0 && best < 20_000, "best cut-off {best}");
    h.get_by_label_contains("Export this list").click();
    h.run_steps(2);
    let path = dir.path().join("targets.csv");
    h.state_mut().push(UpliftCommand::ExportTo {
        path: path.clone(),
        contacted: best,
    });
    step_until(&mut h, "the export", |_| path.exists());
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), best + 1);
    assert!(
        lines[0].ends_with("uplift,p_treated,p_control,decile"),
        "{}",
        lines[0]
    );
    let uplift: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.split(',').rev().nth(3).unwrap().parse().unwrap())
        .collect();
    assert!(
        uplift.windows(2).all(|w| w[0] >= w[1]),
        "highest uplift first"
    );
}

/// Cancel stops a long forest within a step; the app says so.
#[test]
fn cancel_stops_the_forest() {
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadExperimentSample);
    step_until(&mut h, "the sample to load", |a| a.state.dataset.is_some());
    h.state_mut().push(UpliftCommand::SetActive(true));
    let mut s = h.state().state.uplift.settings.clone();
    s.method = Method::UpliftForest;
    s.forest.trees = 1_000;
    h.state_mut().push(UpliftCommand::Change(Box::new(s)));
    h.state_mut().push(UpliftCommand::Start);
    step_until(&mut h, "a few trees", |a| {
        a.state
            .uplift
            .run
            .as_ref()
            .is_some_and(|r| r.curve.len() >= 2)
    });
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    let run = h.state().state.uplift.run.as_ref().unwrap();
    assert!(matches!(run.status, UpliftStatus::Cancelled));
    assert!(run.curve.len() < 1_000);
}

/// A project saved while the campaign-test question is asked reopens on it, settings and all.
#[test]
fn a_project_keeps_the_campaign_question() {
    use marketing_workbench::ui::app::ProjectCommand;
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadExperimentSample);
    step_until(&mut h, "the sample to load", |a| a.state.dataset.is_some());
    h.state_mut().push(UpliftCommand::SetActive(true));
    let mut s = h.state().state.uplift.settings.clone();
    s.method = Method::ClassTransformation;
    s.model.seed = 9;
    h.state_mut()
        .push(UpliftCommand::Change(Box::new(s.clone())));
    h.run_steps(2);
    let path = dir.path().join("test.mwb.json");
    h.state_mut().push(ProjectCommand::SaveTo(path.clone()));
    h.run_steps(2);
    assert!(path.exists());

    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(ProjectCommand::OpenFrom(path));
    step_until(&mut h, "the project and its experiment check", |a| {
        matches!(a.state.uplift.check, Some(CheckStatus::Done(_)))
    });
    let u = &h.state().state.uplift;
    assert!(u.active);
    assert_eq!(u.settings, s);
    assert_eq!(h.state().state.step, WorkflowStep::Model);

    // A recipe change checks the experiment again, on the table the model would see.
    use marketing_workbench::ui::app::RecipeCommand;
    use workbench_core::data::recipe::Step;
    h.state_mut()
        .push(RecipeCommand::AddStep(Step::DropColumns {
            columns: vec!["age".into()],
        }));
    step_until(
        &mut h,
        "the check without age",
        |a| matches!(&a.state.uplift.check, Some(CheckStatus::Done(d)) if d.balance.iter().all(|b| b.feature != "age")),
    );
}
