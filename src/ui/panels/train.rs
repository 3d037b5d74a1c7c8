//! Train: the live loss curve, the progress bar with time left, Cancel, and the log.

use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::ml::Task;
use crate::ui::app::{AppState, Command, RunStatus, WorkflowStep};
use crate::ui::format;

pub fn train_panel_ui(ui: &mut egui::Ui, state: &AppState, running: bool, cmds: &mut Vec<Command>) {
    let Some(run) = &state.training else {
        super::waiting_ui(
            ui,
            "Nothing trained yet: set up the model in Model, then press Train.",
        );
        return;
    };
    super::heading_ui(ui, "Training", &run.description);
    let done_steps = run.curve.last().map_or(0, |r| r.step);
    let total = run.total_steps.max(1);
    ui.horizontal(|ui| {
        let fraction = match run.status {
            RunStatus::Done(_) => 1.0,
            _ => done_steps as f32 / total as f32,
        };
        let left = if running && done_steps > 0 {
            let per_step = run.elapsed_secs / done_steps as f64;
            format!(
                " · about {} left at most",
                format::seconds(per_step * (total - done_steps) as f64)
            )
        } else {
            String::new()
        };
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width(360.0)
                .text(format!("step {done_steps} of at most {total}{left}")),
        );
        if running {
            if ui.button("Cancel").clicked() {
                cmds.push(Command::CancelTraining);
            }
            ui.spinner();
        }
    });
    match &run.status {
        RunStatus::Running => {}
        RunStatus::Done(o) => {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "Done in {} after {} steps.",
                    format::seconds(o.elapsed_secs),
                    o.curve.len()
                ));
                if ui.button("See the predictions").clicked() {
                    cmds.push(Command::SelectStep(WorkflowStep::Predictions));
                }
            });
        }
        RunStatus::Failed(e) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("Training failed: {e}"));
        }
        RunStatus::Cancelled => {
            ui.label(format!("Cancelled after {done_steps} steps."));
        }
    }
    ui.add_space(6.0);

    let task = state.settings.task.unwrap_or(Task::Classification);
    let (loss_name, metric_name) = match task {
        Task::Classification => ("log loss", "validation AUC"),
        Task::Regression => ("mean squared error", "validation RMSE"),
        Task::Segments => ("inertia (mean squared distance)", ""),
    };
    let train: Vec<[f64; 2]> = run
        .curve
        .iter()
        .map(|r| [r.step as f64, r.train_loss])
        .collect();
    let valid: Vec<[f64; 2]> = run
        .curve
        .iter()
        .filter_map(|r| r.valid_loss.map(|v| [r.step as f64, v]))
        .collect();
    let metric: Vec<[f64; 2]> = run
        .curve
        .iter()
        .filter_map(|r| r.valid_metric.map(|v| [r.step as f64, v]))
        .collect();
    let height = (ui.available_height() - 140.0).max(160.0);
    ui.columns(if metric.is_empty() { 1 } else { 2 }, |cols| {
        cols[0].strong(format!("Loss: {loss_name}"));
        Plot::new("loss_curve")
            .height(height)
            .legend(Legend::default())
            .x_axis_label("step")
            .allow_scroll(false)
            .show(&mut cols[0], |p| {
                p.line(Line::new("training", PlotPoints::from(train)));
                if !valid.is_empty() {
                    p.line(Line::new("held out", PlotPoints::from(valid)));
                }
            });
        if !metric.is_empty() {
            cols[1].strong(metric_name);
            Plot::new("metric_curve")
                .height(height)
                .legend(Legend::default())
                .x_axis_label("step")
                .allow_scroll(false)
                .show(&mut cols[1], |p| {
                    p.line(Line::new(metric_name, PlotPoints::from(metric)));
                });
        }
    });
    if !run.log.is_empty() {
        egui::CollapsingHeader::new(format!("Log ({})", run.log.len()))
            .default_open(true)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .max_height(100.0)
                    .show(ui, |ui| {
                        for line in &run.log {
                            ui.weak(line);
                        }
                    });
            });
    }
}
