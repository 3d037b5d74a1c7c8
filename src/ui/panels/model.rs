//! Model: the question (task), the target, which columns are used, the model and its main
//! settings, and how it is validated. Train starts here.

use crate::ml::{ModelKind, Task};
use crate::ui::app::{AppState, Command};

pub fn model_panel_ui(
    ui: &mut egui::Ui,
    state: &mut AppState,
    training: bool,
    cmds: &mut Vec<Command>,
) {
    let Some(ds) = &state.dataset else {
        super::waiting_ui(ui, "Open a data file in Data first.");
        return;
    };
    let profile = state
        .cleaned
        .as_ref()
        .map(|c| &c.profile)
        .unwrap_or(&ds.profile);
    let settings = &mut state.settings;
    egui::ScrollArea::vertical().show(ui, |ui| {
        super::heading_ui(ui, "Model", "What do you want to know about your customers?");
        egui::Grid::new("model_grid")
            .num_columns(2)
            .spacing([16.0, 10.0])
            .show(ui, |ui| {
                ui.label("Question");
                ui.horizontal(|ui| {
                    for t in Task::ALL {
                        let selected = settings.task == Some(t);
                        if ui.radio(selected, t.label()).clicked() && !selected {
                            settings.task = Some(t);
                            if !settings.model.is_some_and(|m| m.supports(t)) {
                                settings.model = Some(t.default_model());
                            }
                        }
                    }
                });
                ui.end_row();

                let segments = settings.task == Some(Task::Segments);
                ui.label("Target");
                ui.add_enabled_ui(!segments, |ui| {
                    let current = settings.target.clone();
                    let mut picked = current.clone();
                    egui::ComboBox::from_id_salt("target")
                        .selected_text(current.as_deref().unwrap_or("pick the column to predict"))
                        .width(260.0)
                        .height(520.0)
                        .show_ui(ui, |ui| {
                            for c in &profile.columns {
                                ui.selectable_value(&mut picked, Some(c.name.clone()), &c.name);
                            }
                        })
                        .response
                        .on_hover_text("The column the model learns to predict, e.g. whether a customer responded.");
                    if picked != current {
                        cmds.push(Command::SetTarget(picked));
                    }
                });
                ui.end_row();

                let task = settings.task.unwrap_or(Task::Classification);
                ui.label("Model");
                ui.vertical(|ui| {
                    let current = settings.model.unwrap_or_else(|| task.default_model());
                    egui::ComboBox::from_id_salt("model_kind")
                        .selected_text(current.label())
                        .width(260.0)
                        .show_ui(ui, |ui| {
                            for m in ModelKind::ALL.into_iter().filter(|m| m.supports(task)) {
                                ui.add_enabled_ui(m.is_available(), |ui| {
                                    let mut value = settings.model;
                                    if ui.selectable_value(&mut value, Some(m), m.label()).clicked() {
                                        settings.model = value;
                                    }
                                })
                                .response
                                .on_disabled_hover_text("Not available yet");
                            }
                        });
                    ui.weak(current.help());
                });
                ui.end_row();

                let p = &mut settings.params;
                match settings.model.unwrap_or_else(|| task.default_model()) {
                    ModelKind::Logistic => {
                        ui.label("Regularisation");
                        ui.add(egui::DragValue::new(&mut p.l2).range(0.0..=1e6).speed(0.1))
                            .on_hover_text("How strongly weights are pulled towards zero (L2). Higher is simpler and steadier; 1 is a sound default.");
                        ui.end_row();
                        ui.label("Iterations");
                        ui.add(egui::DragValue::new(&mut p.max_iterations).range(5..=10_000))
                            .on_hover_text("The most optimiser iterations; training stops earlier once the loss settles.");
                        ui.end_row();
                    }
                    ModelKind::KMeans => {
                        ui.label("Segments (k)");
                        ui.add(egui::DragValue::new(&mut p.k).range(2..=50))
                            .on_hover_text("How many groups of customers to find.");
                        ui.end_row();
                        ui.label("Iterations");
                        ui.add(egui::DragValue::new(&mut p.max_iterations).range(1..=10_000))
                            .on_hover_text("The most passes; training stops once segments stop moving.");
                        ui.end_row();
                    }
                    _ => {}
                }

                ui.label("Held out");
                let mut pct = settings.holdout * 100.0;
                if ui
                    .add(egui::Slider::new(&mut pct, 0.0..=50.0).suffix(" %").integer())
                    .on_hover_text("Customers kept aside to measure the model honestly. 0 trains on everyone (the measures are then optimistic).")
                    .changed()
                {
                    settings.holdout = pct / 100.0;
                }
                ui.end_row();

                ui.label("Seed");
                ui.add(egui::DragValue::new(&mut settings.seed))
                    .on_hover_text("The same seed gives the same split and the same model, in the app and the command line.");
                ui.end_row();
            });

        ui.add_space(8.0);
        egui::CollapsingHeader::new(format!(
            "Columns used ({} ignored)",
            settings.ignore.len()
        ))
        .default_open(false)
        .show(ui, |ui| {
            ui.weak("Untick columns the model must not see: identifiers, or facts known only after the outcome.");
            egui::Grid::new("used_columns").num_columns(3).show(ui, |ui| {
                for (i, c) in profile.columns.iter().enumerate() {
                    if Some(&c.name) == settings.target.as_ref() {
                        continue;
                    }
                    let mut used = !settings.ignore.contains(&c.name);
                    if ui.checkbox(&mut used, &c.name).changed() {
                        if used {
                            settings.ignore.retain(|x| x != &c.name);
                        } else {
                            settings.ignore.push(c.name.clone());
                        }
                    }
                    if i % 3 == 2 {
                        ui.end_row();
                    }
                }
            });
        });

        ui.add_space(12.0);
        let waiting = if settings.task.is_none() && settings.target.is_none() {
            Some("Pick a target column, or choose Find segments")
        } else if settings.task != Some(Task::Segments) && settings.target.is_none() {
            Some("Pick a target column")
        } else {
            None
        };
        ui.horizontal(|ui| {
            let button = egui::Button::new(egui::RichText::new("Train").strong()).min_size(egui::vec2(120.0, 30.0));
            if ui.add_enabled(waiting.is_none() && !training, button).clicked() {
                cmds.push(Command::StartTraining);
            }
            if let Some(w) = waiting {
                ui.weak(w);
            } else if training {
                ui.weak("A model is training: see Train");
            }
        });
    });
}
