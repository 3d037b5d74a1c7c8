//! Forecasting in the real App, driven as a user would: open the sample orders, ask what comes
//! next (a weekly series per region), run every method with the network's live loss, read the
//! ranking, the residuals, the season and the groups, export the forecasts; the numbers equal
//! the CLI's for the same seed.
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
use marketing_workbench::ui::app::{DataCommand, ForecastCommand, ForecastStatus, WorkflowStep};
use marketing_workbench::ui::{App, Startup};
use workbench_core::forecast::{ForecastResult, Freq, Method};

fn finished(a: &App) -> bool {
    a.state
        .forecast
        .run
        .as_ref()
        .is_some_and(|r| !matches!(r.status, ForecastStatus::Running))
}

fn result<'a>(h: &'a Harness<'_, App>) -> &'a ForecastResult {
    let run = h.state().state.forecast.run.as_ref().unwrap();
    match &run.status {
        ForecastStatus::Done(r) => r,
        ForecastStatus::Failed(e) => panic!("the run failed: {e}"),
        _ => panic!("the run did not finish"),
    }
}

#[test]
fn the_sample_orders_forecast_weekly_per_region() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadOrdersSample);
    step_until(&mut h, "the sample orders to load", |a| {
        a.state.dataset.is_some()
    });
    let f = &h.state().state.forecast;
    assert!(f.possible);
    let s = f.settings.as_ref().unwrap();
    assert_eq!(s.series.date, "order_date");
    assert_eq!(s.series.value.as_deref(), Some("amount"));
    assert_eq!(s.series.by.as_deref(), Some("region"));

    // From the Data step's button to Model.
    h.get_by_label("What comes next?").click();
    h.run_steps(3);
    assert_eq!(h.state().state.step, WorkflowStep::Model);
    assert!(h.state().state.forecast.active);
    // A smaller network than the default, so the test is quick; everything else as it comes.
    let mut s = h.state().state.forecast.settings.clone().unwrap();
    s.rnn.max_epochs = 40;
    h.state_mut()
        .push(ForecastCommand::Change(Box::new(s.clone())));
    h.run_steps(2);
    h.get_by_label("Run").click();
    step_until(&mut h, "the network's live loss", |a| {
        a.state
            .forecast
            .run
            .as_ref()
            .is_some_and(|r| !r.losses.is_empty() || !matches!(r.status, ForecastStatus::Running))
    });
    step_until(&mut h, "the forecast", finished);
    assert_eq!(h.state().state.step, WorkflowStep::Predictions);
    let r = result(&h);
    assert_eq!(r.freq, Freq::Week);
    assert!(r.groups.len() >= 5, "a series per region");
    for m in [
        Method::Mean,
        Method::Naive,
        Method::Snaive,
        Method::Drift,
        Method::Ets,
        Method::Rnn,
    ] {
        let got = r.total.method(m).unwrap_or_else(|| panic!("{m:?} ran"));
        assert_eq!(got.future.len(), r.total.horizon);
        assert!(got.future.lo95[0] < got.future.hi95[0]);
    }
    assert!(
        !h.state()
            .state
            .forecast
            .run
            .as_ref()
            .unwrap()
            .losses
            .is_empty()
    );
    h.get_by_label("Best on the test period");
    for (tab, shows) in [
        ("Accuracy", "backtest MASE"),
        ("Residuals", "Autocorrelation of the residuals"),
        ("Season", "week of the year"),
        ("Groups", "forecast total ahead"),
    ] {
        h.get_by_label(tab).click();
        h.run_steps(3);
        h.get_by_label_contains(shows);
    }

    // Export: every method's test and future rows per region.
    let path = dir.path().join("forecasts.csv");
    h.state_mut().push(ForecastCommand::ExportTo(path.clone()));
    step_until(&mut h, "the export", |_| path.exists());
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "date,group,model,actual,forecast,lo80,hi80,lo95,hi95"
    );
    let r = result(&h);
    let per_series = r.total.test + r.total.horizon;
    let methods: usize = r.groups.iter().map(|g| g.methods.len() + 1).sum();
    assert_eq!(lines.len() - 1, methods * per_series);

    // The CLI on the same orders with the same settings gives the same numbers.
    let customers = dir.path().join("c.csv");
    let orders = dir.path().join("o.csv");
    let metrics = dir.path().join("m.json");
    let bin = env!("CARGO_BIN_EXE_marketing-workbench");
    let o = Command::new(bin)
        .args(["sample", "--rows", "20000", "--seed", "42", "--out"])
        .arg(&customers)
        .arg("--transactions")
        .arg(&orders)
        .output()
        .unwrap();
    assert!(o.status.success());
    // The network's epochs are a setting the CLI has no flag for: compare the other methods.
    let o = Command::new(bin)
        .arg("forecast")
        .arg(&orders)
        .args([
            "--date",
            "order_date",
            "--value",
            "amount",
            "--by",
            "region",
        ])
        .args(["--model", "mean", "--model", "naive", "--model", "snaive"])
        .args([
            "--model",
            "drift",
            "--model",
            "ets",
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
    let app = r.metrics_json();
    for name in ["mean", "naive", "snaive", "drift", "ets"] {
        assert_eq!(m["models"][name], app["models"][name], "{name}");
        assert_eq!(
            m["groups"]["North"]["models"][name],
            app["groups"]["North"]["models"][name]
        );
    }
    assert_eq!(m["test"], app["test"]);
    assert_eq!(m["periods"], app["periods"]);
}

/// Cancel stops a long network run; the app says so.
#[test]
fn cancel_stops_the_network() {
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadOrdersSample);
    step_until(&mut h, "the sample to load", |a| a.state.dataset.is_some());
    h.state_mut().push(ForecastCommand::SetActive(true));
    let mut s = h.state().state.forecast.settings.clone().unwrap();
    s.methods = vec![Method::Rnn];
    s.rnn.max_epochs = 100_000;
    s.rnn.patience = 100_000;
    h.state_mut().push(ForecastCommand::Change(Box::new(s)));
    h.state_mut().push(ForecastCommand::Start);
    step_until(&mut h, "a few epochs", |a| {
        a.state
            .forecast
            .run
            .as_ref()
            .is_some_and(|r| r.losses.iter().any(|(_, c)| c.len() >= 2))
    });
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    let run = h.state().state.forecast.run.as_ref().unwrap();
    assert!(matches!(run.status, ForecastStatus::Cancelled));
}
