//! The step list on the left: each step, whether it is done, and what it is waiting for.

use crate::ui::app::{
    AppState, Command, ForecastStatus, OrdersQuestion, OrdersResult, OrdersStatus, RunStatus,
    TextStatus, UpliftStatus, WorkflowStep,
};
use crate::ui::format;
use workbench_core::ml::Task;
use workbench_core::ml::metrics::Metrics;

/// Whether a step is done and a one-line status, for a question about purchases.
fn orders_status(
    state: &AppState,
    question: OrdersQuestion,
    step: WorkflowStep,
) -> Option<(bool, String)> {
    let run = state.orders.run.as_ref();
    Some(match step {
        WorkflowStep::Data | WorkflowStep::Clean => return None,
        WorkflowStep::Model => (true, question.label().to_owned()),
        WorkflowStep::Train => match run.map(|r| &r.status) {
            Some(OrdersStatus::Running) => (false, "Running…".into()),
            Some(OrdersStatus::Done(_)) => (
                true,
                format!(
                    "Done in {}",
                    format::seconds(run.map_or(0.0, |r| r.elapsed_secs))
                ),
            ),
            Some(OrdersStatus::Failed(_)) => (false, "Failed: see Train".into()),
            Some(OrdersStatus::Cancelled) => (false, "Cancelled".into()),
            None => (false, "Press Run in Model".into()),
        },
        WorkflowStep::Predictions => match run.and_then(|r| r.result()) {
            Some(OrdersResult::LifetimeValue { outcome, .. }) => (
                true,
                format!("{} customers valued", format::count(outcome.summary.len())),
            ),
            Some(OrdersResult::Baskets { outcome, .. }) => (
                true,
                format!("{} rules", format::count(outcome.rules.len())),
            ),
            Some(OrdersResult::Recommendations { outcome, .. }) => (
                true,
                match &outcome.evaluation {
                    Some(e) => format!("hit rate {:.1}%", 100.0 * e.hit_rate),
                    None => format!("{} customers", format::count(outcome.histories.len())),
                },
            ),
            None => (false, "Run the question first".into()),
        },
    })
}

/// Whether a step is done and a one-line status, for a campaign test.
fn uplift_status(state: &AppState, step: WorkflowStep) -> Option<(bool, String)> {
    let run = state.uplift.run.as_ref();
    Some(match step {
        WorkflowStep::Data | WorkflowStep::Clean => return None,
        WorkflowStep::Model => (true, "Whom the offer changes".to_owned()),
        WorkflowStep::Train => match run.map(|r| &r.status) {
            Some(UpliftStatus::Running) => (false, "Running…".into()),
            Some(UpliftStatus::Done(_)) => (
                true,
                format!(
                    "Done in {}",
                    format::seconds(run.map_or(0.0, |r| r.elapsed_secs))
                ),
            ),
            Some(UpliftStatus::Failed(_)) => (false, "Failed: see Train".into()),
            Some(UpliftStatus::Cancelled) => (false, "Cancelled".into()),
            None => (false, "Press Run in Model".into()),
        },
        WorkflowStep::Predictions => match run.and_then(|r| r.result()) {
            Some(r) => (true, format!("Qini {:.3}", r.outcome.evaluation.qini_auc)),
            None => (false, "Run the model first".into()),
        },
    })
}

/// Whether a step is done and a one-line status, for reading texts.
fn text_status(state: &AppState, step: WorkflowStep) -> Option<(bool, String)> {
    let run = state.text.run.as_ref();
    Some(match step {
        WorkflowStep::Data | WorkflowStep::Clean => return None,
        WorkflowStep::Model => (true, "What customers are saying".to_owned()),
        WorkflowStep::Train => match run.map(|r| &r.status) {
            Some(TextStatus::Running) => (
                false,
                format!("{}…", run.map_or("Reading", |r| r.stage.0.as_str())),
            ),
            Some(TextStatus::Done(_)) => (
                true,
                format!(
                    "Done in {}",
                    format::seconds(run.map_or(0.0, |r| r.elapsed_secs))
                ),
            ),
            Some(TextStatus::Failed(_)) => (false, "Failed: see Train".into()),
            Some(TextStatus::Cancelled) => (false, "Cancelled".into()),
            None => (false, "Press Read in Model".into()),
        },
        WorkflowStep::Predictions => match run.and_then(|r| r.done()) {
            Some(d) => (true, format!("{} texts", format::count(d.result.documents))),
            None => (false, "Read the texts first".into()),
        },
    })
}

/// Whether a step is done and a one-line status, for a forecast.
fn forecast_status(state: &AppState, step: WorkflowStep) -> Option<(bool, String)> {
    let run = state.forecast.run.as_ref();
    Some(match step {
        WorkflowStep::Data | WorkflowStep::Clean => return None,
        WorkflowStep::Model => (true, "What comes next".to_owned()),
        WorkflowStep::Train => match run.map(|r| &r.status) {
            Some(ForecastStatus::Running) => {
                let (done, total) = run.map_or((0, 0), |r| r.series);
                (false, format!("Forecasting… {done} of {total} series"))
            }
            Some(ForecastStatus::Done(_)) => (
                true,
                format!(
                    "Done in {}",
                    format::seconds(run.map_or(0.0, |r| r.elapsed_secs))
                ),
            ),
            Some(ForecastStatus::Failed(_)) => (false, "Failed: see Train".into()),
            Some(ForecastStatus::Cancelled) => (false, "Cancelled".into()),
            None => (false, "Press Run in Model".into()),
        },
        WorkflowStep::Predictions => match run.and_then(|r| r.result()) {
            Some(r) => match r.total.best() {
                Some(b) => (true, format!("best: {}", b.method.key())),
                None => (true, "no method ran".into()),
            },
            None => (false, "Run the forecast first".into()),
        },
    })
}

/// Whether a step is done and a one-line status.
fn status(state: &AppState, step: WorkflowStep, training: bool) -> (bool, String) {
    let has_data = state.dataset.is_some();
    if let Some(q) = state.orders.question
        && let Some(s) = orders_status(state, q, step)
    {
        return s;
    }
    if state.uplift.active
        && let Some(s) = uplift_status(state, step)
    {
        return s;
    }
    if state.forecast.active
        && let Some(s) = forecast_status(state, step)
    {
        return s;
    }
    if state.text.active
        && let Some(s) = text_status(state, step)
    {
        return s;
    }
    match step {
        WorkflowStep::Data => match &state.dataset {
            Some(d) => (
                true,
                format!("{} · {} rows", d.name, format::count(d.frame.height())),
            ),
            None => (false, "Open a file or the sample".into()),
        },
        WorkflowStep::Clean if !has_data => (false, "Waiting for data".into()),
        WorkflowStep::Clean => match state.recipe.steps.len() {
            0 => (true, "Optional: no steps yet".into()),
            1 => (true, "1 step".into()),
            n => (true, format!("{n} steps")),
        },
        WorkflowStep::Model if !has_data => (false, "Waiting for data".into()),
        WorkflowStep::Model => match (&state.settings.task, &state.settings.target) {
            (Some(Task::Segments), _) => (true, "Find segments".into()),
            (_, Some(t)) => (true, format!("Predict {t}")),
            _ => (false, "Pick a target column".into()),
        },
        WorkflowStep::Train => match state.training.as_ref().map(|r| &r.status) {
            _ if training => {
                let r = state.training.as_ref();
                let pct = r.map_or(0.0, |r| {
                    r.curve.len() as f64 / r.total_steps.max(1) as f64 * 100.0
                });
                (false, format!("Training… {pct:.0}%"))
            }
            Some(RunStatus::Done(o)) => {
                (true, format!("Done in {}", format::seconds(o.elapsed_secs)))
            }
            Some(RunStatus::Failed(_)) => (false, "Failed: see Train".into()),
            Some(RunStatus::Cancelled) => (false, "Cancelled".into()),
            _ if !has_data => (false, "Waiting for data".into()),
            _ => (false, "Press Train in Model".into()),
        },
        WorkflowStep::Predictions => match state.training.as_ref().and_then(|r| r.outcome()) {
            Some(o) => (
                true,
                match &o.metrics {
                    Metrics::Classification(m) => format!("AUC {:.3}", m.auc),
                    Metrics::Multiclass(m) => format!("accuracy {:.3}", m.accuracy),
                    Metrics::Regression(m) => format!("RMSE {}", format::number(m.rmse)),
                    Metrics::Segments(m) => format!("{} segments", m.k),
                },
            ),
            None => (false, "Train a model first".into()),
        },
    }
}

pub fn steps_ui(ui: &mut egui::Ui, state: &AppState, training: bool, cmds: &mut Vec<Command>) {
    ui.add_space(8.0);
    ui.strong("Workflow");
    ui.add_space(4.0);
    for (i, step) in WorkflowStep::ALL.into_iter().enumerate() {
        let (done, text) = status(state, step, training);
        let selected = state.step == step;
        ui.add_space(4.0);
        let response = ui
            .horizontal(|ui| {
                let mark = if done { "✔" } else { "○" };
                let color = if done {
                    ui.visuals().widgets.active.fg_stroke.color
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.label(egui::RichText::new(mark).color(color));
                ui.add(
                    egui::Button::selectable(selected, format!("{}  {}", i + 1, step.title()))
                        .min_size(egui::vec2(160.0, 24.0)),
                )
            })
            .inner;
        if response.clicked() {
            cmds.push(Command::SelectStep(step));
        }
        ui.horizontal(|ui| {
            ui.add_space(22.0);
            ui.add(egui::Label::new(egui::RichText::new(text).small().weak()).truncate());
        });
    }
}
