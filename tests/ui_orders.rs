//! The questions about purchases in the real App, driven as a user would: open the sample
//! orders, confirm the columns, ask each question, watch it run, read the results, export.
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
    Command as AppCommand, DataCommand, OrdersCommand, OrdersQuestion, OrdersResult, OrdersStatus,
    OrdersTable, WorkflowStep,
};
use marketing_workbench::ui::{App, Startup};
use workbench_core::clv::Purchases;
use workbench_core::data::{dates, load};

fn finished(a: &App) -> bool {
    a.state
        .orders
        .run
        .as_ref()
        .is_some_and(|r| !matches!(r.status, OrdersStatus::Running))
}

fn result<'a>(h: &'a Harness<'_, App>) -> &'a OrdersResult {
    let run = h.state().state.orders.run.as_ref().unwrap();
    match &run.status {
        OrdersStatus::Done(r) => r,
        OrdersStatus::Failed(e) => panic!("the run failed: {e}"),
        _ => panic!("the run did not finish"),
    }
}

#[test]
fn the_sample_orders_answer_all_three_questions() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadOrdersSample);
    step_until(&mut h, "the sample orders to load", |a| {
        a.state.dataset.is_some()
    });
    let orders = &h.state().state.orders;
    assert!(orders.recognised);
    assert_eq!(orders.settings.columns.customer, "customer_id");
    assert_eq!(orders.settings.columns.order, "order_id");
    assert!(
        h.query_all_by_label_contains("A table of purchases")
            .count()
            > 0
    );

    // Lifetime value, from the Data step's button; calibration ends 26 weeks before the end.
    h.get_by_label("Lifetime value").click();
    h.run_steps(3);
    assert_eq!(
        h.state().state.orders.question,
        Some(OrdersQuestion::LifetimeValue)
    );
    // Typed as a user would: the only text field on the page.
    let field = h.get_by_role(egui::accesskit::Role::TextInput);
    field.click();
    h.run_steps(2);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text("2025-03-31");
    h.run_steps(3);
    assert_eq!(
        h.state().state.orders.settings.clv.calibration_end,
        dates::parse_one("2025-03-31")
    );
    h.get_by_label("Run: Lifetime value").click();
    step_until(&mut h, "lifetime value", finished);
    let OrdersResult::LifetimeValue {
        outcome, win_back, ..
    } = result(&h)
    else {
        panic!("lifetime value asked for")
    };
    let Purchases::BgNbd(gui) = outcome.purchases else {
        panic!("BG/NBD is the default")
    };
    let (actual, predicted) = outcome.holdout.unwrap();
    assert!(
        (predicted - actual).abs() / actual < 0.1,
        "{actual} vs {predicted}"
    );
    let gone = win_back.height();
    assert!(gone > 100);
    assert!(
        h.state().state.orders.run.as_ref().unwrap().curve.len() > 5,
        "the live curve"
    );
    assert!(
        h.query_all_by_label_contains("Likely gone but valuable")
            .count()
            > 0
    );
    assert!(h.query_all_by_label_contains("the model expected").count() > 0);
    // Every diagnostic chart can be saved as a picture.
    assert!(h.query_all_by_label("Save PNG…").count() >= 5);

    // The CLI gives the same numbers from the same sample written to disk.
    let customers_csv = dir.path().join("customers.csv");
    let orders_csv = dir.path().join("orders.csv");
    let metrics = dir.path().join("clv.json");
    let bin = env!("CARGO_BIN_EXE_marketing-workbench");
    let ok = |args: &[&str]| {
        let o = Command::new(bin).args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    ok(&[
        "sample",
        "--rows",
        "20000",
        "--seed",
        "42",
        "--out",
        customers_csv.to_str().unwrap(),
        "--transactions",
        orders_csv.to_str().unwrap(),
    ]);
    ok(&[
        "clv",
        orders_csv.to_str().unwrap(),
        "--customer",
        "customer_id",
        "--date",
        "order_date",
        "--amount",
        "amount",
        "--calibration-end",
        "2025-03-31",
        "--metrics",
        metrics.to_str().unwrap(),
    ]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    for (key, value) in [
        ("r", gui.r),
        ("alpha", gui.alpha),
        ("a", gui.a),
        ("b", gui.b),
    ] {
        let cli = m["params"][key].as_f64().unwrap();
        assert!(
            (cli - value).abs() <= 1e-9 * value.abs(),
            "{key}: GUI {value}, CLI {cli}"
        );
    }

    // The win-back list, exported: every row likely gone, as many rows as shown.
    let path = dir.path().join("win_back.csv");
    h.state_mut()
        .push(OrdersCommand::ExportTo(OrdersTable::WinBack, path.clone()));
    step_until(&mut h, "the export", |a| a.state.exported.is_some());
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let written = load::load_path(&path, &Default::default(), &mut |_, _| {}, &cancel).unwrap();
    assert_eq!(written.height(), gone);
    assert!(
        written
            .column("p_alive")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .all(|p| p < 0.5)
    );

    // What sells together.
    h.state_mut()
        .push(OrdersCommand::SetQuestion(Some(OrdersQuestion::Baskets)));
    let mut settings = h.state().state.orders.settings.clone();
    settings.basket.min_support = 0.002;
    settings.basket.min_confidence = 0.2;
    h.state_mut()
        .push(OrdersCommand::Change(Box::new(settings)));
    h.state_mut()
        .push(AppCommand::SelectStep(WorkflowStep::Model));
    h.run_steps(2);
    h.get_by_label("Run: What sells together").click();
    step_until(&mut h, "the rules", finished);
    let OrdersResult::Baskets { outcome, .. } = result(&h) else {
        panic!("baskets asked for")
    };
    assert!(
        outcome
            .rules
            .iter()
            .any(|r| outcome.orders.names(&r.antecedents) == "printer"
                && outcome.orders.names(&r.consequents) == "ink cartridges")
    );
    assert!(h.query_all_by_label_contains("rules shown").count() > 0);

    // What to recommend.
    h.state_mut().push(OrdersCommand::SetQuestion(Some(
        OrdersQuestion::Recommendations,
    )));
    h.state_mut()
        .push(AppCommand::SelectStep(WorkflowStep::Model));
    h.run_steps(2);
    h.get_by_label("Run: What to recommend").click();
    step_until(&mut h, "the recommendations", finished);
    let OrdersResult::Recommendations { outcome, .. } = result(&h) else {
        panic!("recommendations asked for")
    };
    let e = outcome.evaluation.unwrap();
    assert!(e.hit_rate > e.baseline_hit_rate);
    assert!(h.query_all_by_label_contains("hit rate at 5").count() > 0);
}

/// Lifetime value added to the customer table becomes something to predict or describe
/// segments with.
#[test]
fn lifetime_value_joins_the_customer_table_in_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let customers_csv = dir.path().join("customers.csv");
    let orders_csv = dir.path().join("orders.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_marketing-workbench"))
        .args(["sample", "--rows", "3000", "--seed", "9", "--out"])
        .arg(&customers_csv)
        .arg("--transactions")
        .arg(&orders_csv)
        .output()
        .unwrap();
    assert!(o.status.success());
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::OpenPath(orders_csv));
    step_until(&mut h, "the orders to load", |a| a.state.dataset.is_some());
    h.state_mut().push(OrdersCommand::SetQuestion(Some(
        OrdersQuestion::LifetimeValue,
    )));
    h.state_mut().push(OrdersCommand::Start);
    step_until(&mut h, "lifetime value", finished);
    assert!(h.query_all_by_label("Add to a customer table…").count() == 1);
    h.state_mut().push(OrdersCommand::JoinTo(customers_csv));
    step_until(&mut h, "the customer table", |a| {
        a.state
            .dataset
            .as_ref()
            .is_some_and(|d| d.name.contains("lifetime value"))
    });
    let ds = h.state().state.dataset.as_ref().unwrap();
    assert_eq!(ds.frame.height(), 3_000);
    assert!(ds.name.contains("3,000 of 3,000 matched"), "{}", ds.name);
    for c in ["customer_id", "responded", "p_alive", "clv"] {
        assert!(ds.frame.column(c).is_ok(), "{c}");
    }
    assert!(
        !h.state().state.orders.recognised,
        "a customer table, not purchases"
    );
}
