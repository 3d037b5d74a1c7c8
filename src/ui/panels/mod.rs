//! One file per workflow step; each is a function that reads state and pushes commands.

pub mod clean;
pub mod data;
pub mod model;
pub mod orders;
pub mod predictions;
pub mod steps;
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
pub fn waiting_ui(ui: &mut egui::Ui, text: &str) {
    ui.add_space(40.0);
    ui.vertical_centered(|ui| {
        ui.label(egui::RichText::new(text).size(16.0).weak());
    });
}
