//! The menu bar, the status bar, keyboard shortcuts and dropped files, and the restore prompt.

use std::path::PathBuf;

use workbench_core::project::DataSource;

use super::App;
use super::commands::{
    Command, DataCommand, ExportCommand, ProjectCommand, RecipeCommand, TrainCommand,
};
use crate::ui::format;

impl App {
    /// Dropped files, shortcuts, and commands that came back from dialog threads.
    pub(super) fn handle_input(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            // A LightGBM model dropped onto open data is measured on it; any other file opens.
            if self.state.dataset.is_some() && workbench_core::lightgbm::looks_like_model(&p) {
                self.push(TrainCommand::Import(p));
            } else {
                self.push(DataCommand::OpenPath(p));
            }
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::O)) {
            self.push(DataCommand::OpenFileDialog);
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::S)) {
            self.push(ProjectCommand::SaveDialog);
        }
        // Ctrl+Z in a text field undoes the typing, not the recipe.
        if !ctx.egui_wants_keyboard_input() {
            let shift_command = egui::Modifiers::COMMAND | egui::Modifiers::SHIFT;
            if ctx.input_mut(|i| i.consume_key(shift_command, egui::Key::Z)) {
                self.push(RecipeCommand::Redo);
            } else if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Z)) {
                self.push(RecipeCommand::Undo);
            }
        }
        while let Ok(c) = self.inbox.1.try_recv() {
            self.push(c);
        }
    }

    pub(super) fn menu_bar_ui(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open…  (Ctrl+O)").clicked() {
                    self.push(DataCommand::OpenFileDialog);
                }
                if ui.button("Open database…").clicked() {
                    self.push(DataCommand::OpenDatabaseDialog);
                }
                if ui.button("Open the sample customers").clicked() {
                    self.push(DataCommand::LoadSample);
                }
                if ui.button("Open the sample orders").clicked() {
                    self.push(DataCommand::LoadOrdersSample);
                }
                if ui.button("Open the sample campaign test").clicked() {
                    self.push(DataCommand::LoadExperimentSample);
                }
                if ui.button("Open the sample posts").clicked() {
                    self.push(DataCommand::LoadPostsSample);
                }
                let recent = self.settings.recent_files.clone();
                if !recent.is_empty() {
                    ui.menu_button("Open recent", |ui| {
                        for p in recent {
                            if ui.button(p.display().to_string()).clicked() {
                                self.push(DataCommand::OpenPath(p));
                            }
                        }
                    });
                }
                ui.separator();
                if ui.button("Open project…").clicked() {
                    self.push(ProjectCommand::OpenDialog);
                }
                if ui.button("Save project…  (Ctrl+S)").clicked() {
                    self.push(ProjectCommand::SaveDialog);
                }
                ui.separator();
                let can_export = self
                    .state
                    .training
                    .as_ref()
                    .is_some_and(|r| r.outcome().is_some());
                if ui
                    .add_enabled(can_export, egui::Button::new("Export predictions…"))
                    .clicked()
                {
                    self.push(ExportCommand::Dialog);
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
                ui.checkbox(&mut self.frames.overlay, "Frame times")
                    .on_hover_text("Show how long each frame takes: the app's own work, and the whole frame with painting.");
                let dark = ui.ctx().global_style().visuals.dark_mode;
                if ui
                    .button(if dark { "Light theme" } else { "Dark theme" })
                    .clicked()
                {
                    ui.ctx().set_theme(if dark {
                        egui::Theme::Light
                    } else {
                        egui::Theme::Dark
                    });
                    self.settings.dark_mode = Some(!dark);
                }
            });
        });
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some((label, progress)) = self.jobs.status() {
                ui.spinner();
                ui.label(label);
                if let Some(p) = progress {
                    ui.add(
                        egui::ProgressBar::new(p as f32)
                            .desired_width(160.0)
                            .show_percentage(),
                    );
                }
                if self.jobs.load.is_busy() && ui.button("Cancel").clicked() {
                    self.push(DataCommand::CancelLoad);
                }
            } else if let Some(ds) = &self.state.dataset {
                ui.label(format!(
                    "{} · {} {} × {} columns",
                    ds.name,
                    format::count(ds.frame.height()),
                    self.state.row_word(),
                    format::count(ds.frame.width())
                ));
            } else {
                ui.label("No data: open a file or the sample (File menu)");
            }
        });
    }

    /// "Restore the last session?", while there is one to offer.
    pub(super) fn restore_prompt_ui(&self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        let Some(offer) = &self.state.restore_offer else {
            return;
        };
        let what = match &offer.source {
            DataSource::Sample => "the sample customers".to_owned(),
            DataSource::OrdersSample => "the sample orders".to_owned(),
            DataSource::ExperimentSample => "the sample campaign test".to_owned(),
            DataSource::PostsSample => "the sample posts".to_owned(),
            DataSource::File { path, .. } => path.display().to_string(),
            DataSource::Database { url } => url.clone(),
        };
        egui::Window::new("Restore the last session?")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label("Marketing Workbench did not close properly last time.");
                ui.label(format!(
                    "Reopen {what} with its recipe ({} steps) and model settings?",
                    offer.recipe.steps.len()
                ));
                ui.horizontal(|ui| {
                    if ui.button("Restore").clicked() {
                        cmds.push(ProjectCommand::RestoreSession.into());
                    }
                    if ui.button("Start fresh").clicked() {
                        cmds.push(ProjectCommand::DiscardSession.into());
                    }
                });
            });
    }
}
