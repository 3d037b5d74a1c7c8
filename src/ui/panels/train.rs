//! Train: what is being trained and in which phase, a progress bar with time left, Cancel and
//! "Stop and keep best", the live curves (loss and holdout metric per step; the k sweep for
//! segments), the cross-validation folds, the leaderboard of models trained on this data, and
//! the log.

use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::ui::app::{AppState, Command, RunStatus, TrainCommand, TrainingRun, WorkflowStep};
use crate::ui::format;
use workbench_core::train::{EvaluatedOn, Phase};

pub fn train_panel_ui(ui: &mut egui::Ui, state: &AppState, running: bool, cmds: &mut Vec<Command>) {
    let Some(run) = &state.training else {
        super::waiting_ui(
            ui,
            "Nothing trained yet: set up the model in Model, then press Train.",
        );
        return;
    };
    super::heading_ui(ui, "Training", &run.description);
    progress_ui(ui, state, run, running, cmds);
    ui.add_space(6.0);
    egui::ScrollArea::vertical().show(ui, |ui| {
        curves_ui(ui, run);
        if run.fold_count >= 2 || !run.folds.is_empty() {
            ui.add_space(8.0);
            folds_ui(ui, run);
        }
        if !state.leaderboard.is_empty() || !state.queue.is_empty() {
            ui.add_space(8.0);
            leaderboard_ui(ui, state, running, cmds);
        }
        if !run.log.is_empty() {
            ui.add_space(8.0);
            egui::CollapsingHeader::new(format!("Log ({})", run.log.len()))
                .default_open(true)
                .show(ui, |ui| {
                    for line in &run.log {
                        ui.weak(line);
                    }
                });
        }
    });
}

/// The progress bar for the current phase, its time left, and the buttons.
fn progress_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    run: &TrainingRun,
    running: bool,
    cmds: &mut Vec<Command>,
) {
    let done_steps = run.curve.last().map_or(0, |r| r.step);
    let total = run.total_steps.max(1);
    let unit = run.curve_info.as_ref().map_or("steps", |c| c.unit);
    let since_phase = run.phase_started.elapsed().as_secs_f64();
    let (fraction, text) = match (&run.status, run.phase) {
        (RunStatus::Done(_), _) => (1.0, "done".to_owned()),
        (RunStatus::Running, Some(Phase::Sweep)) => (
            run.sweep.len() as f32 / 9.0,
            format!(
                "trying k = 2…10: k = {} done",
                run.sweep.last().map_or(1, |p| p.k)
            ),
        ),
        (RunStatus::Running, Some(Phase::CrossValidating)) => {
            let done = run.folds.len();
            let k = run.fold_count.max(1);
            let left = match (run.fit_secs, done) {
                (_, d) if d > 0 => since_phase / d as f64 * (k - d) as f64,
                (Some(fit), _) => fit * k as f64,
                _ => f64::NAN,
            };
            (
                done as f32 / k as f32,
                format!(
                    "cross-validation: fold {} of {k}{}",
                    (done + 1).min(k),
                    time_left(left)
                ),
            )
        }
        (RunStatus::Running, Some(Phase::Evaluating)) => {
            (1.0, "scoring customers and measuring the model".to_owned())
        }
        _ => {
            let left = if done_steps > 0 {
                since_phase / done_steps as f64 * (total - done_steps.min(total)) as f64
            } else {
                f64::NAN
            };
            (
                done_steps as f32 / total as f32,
                format!("{unit}: {done_steps} of at most {total}{}", time_left(left)),
            )
        }
    };
    ui.horizontal(|ui| {
        ui.add(egui::ProgressBar::new(fraction).desired_width(420.0).text(text));
        if running {
            let fitting = matches!(run.phase, Some(Phase::Fitting) | Some(Phase::CrossValidating));
            if ui
                .add_enabled(fitting, egui::Button::new("Stop and keep best"))
                .on_hover_text("Finish now with the best step so far (lowest held-out loss) and go on to the results. During cross-validation: stop after this fold.")
                .clicked()
            {
                cmds.push(TrainCommand::Stop.into());
            }
            if ui.button("Cancel").on_hover_text("Abandon this run (and any models queued after it).").clicked() {
                cmds.push(TrainCommand::Cancel.into());
            }
            ui.spinner();
        }
    });
    if !state.queue.is_empty() {
        let next: Vec<&str> = state
            .queue
            .iter()
            .filter_map(|s| s.model.map(|m| m.label()))
            .collect();
        ui.weak(format!("Comparing models: next {}", next.join(", ")));
    }
    match &run.status {
        RunStatus::Running => {}
        RunStatus::Done(o) => {
            ui.horizontal(|ui| {
                ui.label(if o.evaluated_on == EvaluatedOn::AllRows {
                    format!(
                        "Read and measured on {} customers in {}.",
                        format::count(o.holdout_rows),
                        format::seconds(o.elapsed_secs)
                    )
                } else {
                    format!(
                        "Done in {} ({} to fit) after {} {unit}.",
                        format::seconds(o.elapsed_secs),
                        format::seconds(o.fit_secs),
                        o.curve.len()
                    )
                });
                if ui.button("See the predictions").clicked() {
                    cmds.push(Command::SelectStep(WorkflowStep::Predictions));
                }
            });
        }
        RunStatus::Failed(e) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("Training failed: {e}"));
        }
        RunStatus::Cancelled => {
            ui.label(format!("Cancelled after {done_steps} {unit}."));
        }
    }
}

fn time_left(secs: f64) -> String {
    if secs.is_finite() && secs > 0.5 {
        format!(" · about {} left", format::seconds(secs))
    } else {
        String::new()
    }
}

/// The live loss and metric curves (and the k sweep for segments).
fn curves_ui(ui: &mut egui::Ui, run: &TrainingRun) {
    let Some(info) = &run.curve_info else {
        ui.weak("Preparing the data…");
        return;
    };
    if run.total_steps == 0 && run.curve.is_empty() {
        // A model trained elsewhere: nothing was fitted here.
        ui.weak("A model trained elsewhere: no training curve here. Its numbers, measured on every customer of this table with a target, are in Predictions.");
        return;
    }
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
    let sweep = !run.sweep.is_empty();
    let columns = 1 + usize::from(!metric.is_empty()) + usize::from(sweep);
    let height = 260.0;
    ui.columns(columns, |cols| {
        let mut c = 0;
        if sweep {
            cols[c].strong("k sweep: inertia (lower is tighter) and silhouette (higher is clearer)");
            let inertia: Vec<[f64; 2]> = run.sweep.iter().map(|p| [p.k as f64, p.inertia]).collect();
            let silhouette: Vec<[f64; 2]> = run.sweep.iter().map(|p| [p.k as f64, p.silhouette]).collect();
            // Two charts: inertia is in squared standardised units (tens), silhouette in -1..1,
            // so on one axis the silhouette would be a flat line at 0.
            Plot::new("sweep_inertia")
                .height(height / 2.0 - 4.0)
                .y_axis_label("inertia")
                .allow_scroll(false)
                .show(&mut cols[c], |p| {
                    p.line(Line::new("inertia", PlotPoints::from(inertia)));
                });
            Plot::new("sweep_silhouette")
                .height(height / 2.0 - 4.0)
                .x_axis_label("k (segments)")
                .y_axis_label("silhouette")
                .allow_scroll(false)
                .show(&mut cols[c], |p| {
                    p.line(Line::new("silhouette", PlotPoints::from(silhouette)));
                });
            c += 1;
        }
        cols[c]
            .strong(format!("Loss: {}", info.loss))
            .on_hover_text("Training loss falls as the model fits; when the held-out loss stops falling (or rises), more steps only memorise the training rows.");
        Plot::new("loss_curve")
            .height(height)
            .legend(Legend::default())
            .x_axis_label(info.unit)
            .allow_scroll(false)
            .show(&mut cols[c], |p| {
                p.line(Line::new("training", PlotPoints::from(train)));
                if !valid.is_empty() {
                    p.line(Line::new("held out", PlotPoints::from(valid)));
                }
            });
        c += 1;
        if let (false, Some(name)) = (metric.is_empty(), info.metric) {
            cols[c].strong(name).on_hover_text(
                "Measured on up to 20,000 held-out customers after every step; the final numbers in Predictions use every held-out customer.",
            );
            Plot::new("metric_curve")
                .height(height)
                .legend(Legend::default())
                .x_axis_label(info.unit)
                .allow_scroll(false)
                .show(&mut cols[c], |p| {
                    p.line(Line::new(name, PlotPoints::from(metric)));
                });
        }
    });
}

/// Each cross-validation fold's headline numbers and their mean ± sd.
fn folds_ui(ui: &mut egui::Ui, run: &TrainingRun) {
    let k = run.fold_count.max(run.folds.len());
    ui.strong(format!("Cross-validation ({k} folds of the training rows)"))
        .on_hover_text("The model is refitted on all folds but one and measured on the one left out, for each fold in turn: the spread shows how much the numbers move with the sample.");
    let Some(first) = run.folds.first() else {
        ui.weak("Runs after the model has trained.");
        return;
    };
    let names: Vec<&str> = first.numbers().into_iter().map(|(n, _)| n).collect();
    egui::Grid::new("cv_folds")
        .striped(true)
        .num_columns(names.len() + 1)
        .show(ui, |ui| {
            ui.strong("fold");
            for n in &names {
                ui.strong(*n);
            }
            ui.end_row();
            for (i, m) in run.folds.iter().enumerate() {
                ui.label((i + 1).to_string());
                for (_, v) in m.numbers() {
                    ui.label(format::number(v));
                }
                ui.end_row();
            }
            if let Some(o) = run.outcome()
                && let Some(cv) = &o.cv
            {
                ui.strong("mean ± sd");
                for s in &cv.summary {
                    ui.strong(format!(
                        "{} ± {}",
                        format::number(s.mean),
                        format::number(s.sd)
                    ));
                }
                ui.end_row();
            }
        });
}

/// One row of the leaderboard.
struct Row<'a> {
    run: &'a TrainingRun,
    /// Index in the leaderboard (None: the run being shown).
    index: Option<usize>,
}

fn leaderboard_ui(ui: &mut egui::Ui, state: &AppState, running: bool, cmds: &mut Vec<Command>) {
    ui.strong("Leaderboard: models trained on this data")
        .on_hover_text("Every model here used the same held-out customers (same seed and share), so their numbers compare directly. Inspect one to see its predictions and export it.");
    let mut rows: Vec<Row> = state
        .leaderboard
        .iter()
        .enumerate()
        .map(|(i, run)| Row {
            run,
            index: Some(i),
        })
        .collect();
    if let Some(run) = &state.training
        && run.outcome().is_some()
    {
        rows.push(Row { run, index: None });
    }
    let headline = |r: &Row| r.run.outcome().map(|o| o.metrics.headline());
    let higher_is_better = rows.iter().find_map(&headline).is_none_or(|h| h.2);
    rows.sort_by(|a, b| {
        let (x, y) = (
            headline(a).map_or(f64::NAN, |h| h.1),
            headline(b).map_or(f64::NAN, |h| h.1),
        );
        let ord = x.total_cmp(&y);
        if higher_is_better { ord.reverse() } else { ord }
    });
    egui::Grid::new("leaderboard").striped(true).num_columns(7).show(ui, |ui| {
        for h in ["", "model", "held-out", "cross-validation", "fit time", "size", ""] {
            ui.strong(h);
        }
        ui.end_row();
        for (rank, row) in rows.iter().enumerate() {
            let Some(o) = row.run.outcome() else { continue };
            let (name, value, _) = o.metrics.headline();
            ui.label(format!("{}.", rank + 1));
            let label = if o.evaluated_on == EvaluatedOn::AllRows {
                format!("{} (LightGBM file)", o.model.kind.label())
            } else {
                o.model.kind.label().to_owned()
            };
            if row.index.is_none() {
                ui.strong(format!("{label} (shown)"));
            } else {
                ui.label(label);
            }
            ui.label(format!(
                "{name} {}{}",
                format::number(value),
                if o.evaluated_on == EvaluatedOn::AllRows { " (all rows)" } else { "" }
            ));
            ui.label(o.cv.as_ref().and_then(|c| c.headline()).map_or("–".to_owned(), |(_, m, s)| {
                format!("{} ± {}", format::number(m), format::number(s))
            }));
            ui.label(format::seconds(o.fit_secs));
            ui.label(format::bytes(o.model_bytes));
            match row.index {
                Some(i) => {
                    if ui
                        .add_enabled(!running, egui::Button::new("Inspect"))
                        .on_hover_text("Show this model in Train and Predictions; Export then writes its scores.")
                        .clicked()
                    {
                        cmds.push(TrainCommand::Inspect(i).into());
                    }
                }
                None => {
                    ui.label("");
                }
            }
            ui.end_row();
        }
    });
    if !matches!(
        state.training.as_ref().map(|r| &r.status),
        Some(RunStatus::Done(_)) | None
    ) {
        ui.weak("The run in progress joins the leaderboard when it finishes.");
    }
}
