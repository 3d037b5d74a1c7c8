//! One file per workflow step; each is a function that reads state and pushes commands.

pub mod clean;
pub mod data;
pub mod forecast;
pub mod model;
pub mod orders;
pub mod predictions;
pub mod steps;
pub mod text;
pub mod train;
pub mod uplift;

/// A panel heading with a one-line explanation under it.
pub fn heading_ui(ui: &mut egui::Ui, title: &str, subtitle: &str) {
    ui.add_space(4.0);
    ui.heading(title);
    ui.weak(subtitle);
    ui.add_space(6.0);
}

/// Text explaining what a step is waiting for, centred in the panel.
/// A run's progress bar with `text`, and while `busy` a Cancel button (true when clicked) and
/// a spinner. `fraction` is the job's progress while running; a run that ended shows full.
pub fn run_progress_ui(
    ui: &mut egui::Ui,
    text: String,
    running: bool,
    fraction: f64,
    busy: bool,
) -> bool {
    ui.horizontal(|ui| {
        let fraction = if running { fraction } else { 1.0 };
        ui.add(
            egui::ProgressBar::new(fraction as f32)
                .desired_width(420.0)
                .text(text),
        );
        let cancel = busy && ui.button("Cancel").clicked();
        if busy {
            ui.spinner();
        }
        cancel
    })
    .inner
}

pub fn waiting_ui(ui: &mut egui::Ui, text: &str) {
    ui.add_space(40.0);
    ui.vertical_centered(|ui| {
        ui.label(egui::RichText::new(text).size(16.0).weak());
    });
}
