//! A bug inside model code (a panic, injected through the test hook) is caught on the worker,
//! shown to the user as a notification, and the app goes on working: the next training run
//! succeeds. Its own test binary, because the hook is process-wide.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::sync::atomic::Ordering;
use std::time::Duration;

use egui_kittest::Harness;
use marketing_workbench::ui::app::{DataCommand, ModelCommand, TrainCommand};
use marketing_workbench::ui::{App, RunStatus, Startup};
use workbench_core::ml::models::PANIC_FOR_TESTS;

fn step_until(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    for _ in 0..3_000 {
        h.step();
        if done(h.state()) {
            h.run_steps(2);
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn a_panic_in_model_code_is_reported_and_the_app_keeps_working() {
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadSample);
    step_until(&mut h, "the sample to load", |a| a.state.cleaned.is_some());
    h.state_mut()
        .push(ModelCommand::SetTarget(Some("responded".to_owned())));
    h.run_steps(2);

    PANIC_FOR_TESTS.store(true, Ordering::Relaxed);
    h.state_mut().push(TrainCommand::Start);
    step_until(&mut h, "the failed run to end", |a| {
        !a.is_training()
            && a.state
                .training
                .as_ref()
                .is_some_and(|r| matches!(r.status, RunStatus::Failed(_)))
    });
    PANIC_FOR_TESTS.store(false, Ordering::Relaxed);
    let errors = h.state().notifications.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("internal error in model code")),
        "{errors:?}"
    );

    h.state_mut().push(TrainCommand::Start);
    step_until(&mut h, "the next run to succeed", |a| {
        !a.is_training()
            && a.state
                .training
                .as_ref()
                .is_some_and(|r| r.outcome().is_some())
    });
}
