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
