//! Data: open a file (dialog, drag-and-drop, recent) or the sample; the column list with type and
//! missing share; the table.

use crate::data::profile::Profile;
use crate::ui::app::{AppState, Command};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;

pub fn data_panel_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    let Some(ds) = &state.dataset else {
        super::heading_ui(
            ui,
            "Customer data",
            "One row per customer, one column per fact about them.",
        );
        ui.add_space(30.0);
        ui.vertical_centered(|ui| {
            if ui.button("Open a file…").clicked() {
                cmds.push(Command::OpenFileDialog);
            }
            ui.add_space(6.0);
            if ui.button("Open the sample customers").clicked() {
                cmds.push(Command::LoadSample);
            }
            ui.add_space(10.0);
            ui.weak("or drop a CSV file onto this window");
        });
        return;
    };
    ui.horizontal(|ui| {
        ui.heading(&ds.name);
        ui.label(format!(
            "{} customers × {} columns",
            format::count(ds.frame.height()),
            ds.frame.width()
        ));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Open the sample").clicked() {
                cmds.push(Command::LoadSample);
            }
            if ui.button("Open a file…").clicked() {
                cmds.push(Command::OpenFileDialog);
            }
        });
    });
    ui.separator();
    egui::Panel::left("data_columns")
        .resizable(true)
        .default_size(330.0)
        .show(ui, |ui| columns_ui(ui, &ds.profile));
    egui::CentralPanel::default().show(ui, |ui| table_ui(ui, "data_table", &ds.frame));
}

/// The column list: name, type, missing share and a flag for columns that need attention.
pub fn columns_ui(ui: &mut egui::Ui, profile: &Profile) {
    ui.strong("Columns");
    egui::ScrollArea::vertical()
        .id_salt("columns_list")
        .show(ui, |ui| {
            egui::Grid::new("columns_grid")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    ui.weak("name");
                    ui.weak("type");
                    ui.weak("missing");
                    ui.weak("");
                    ui.end_row();
                    for c in &profile.columns {
                        ui.label(&c.name);
                        ui.weak(&c.dtype);
                        let pct = format!("{:.1}%", 100.0 * c.missing_fraction);
                        if c.missing_fraction > 0.2 {
                            ui.colored_label(ui.visuals().warn_fg_color, pct)
                                .on_hover_text("More than a fifth of the values are missing");
                        } else {
                            ui.label(pct);
                        }
                        let flag = if c.distinct <= 1 {
                            Some((
                                "constant",
                                "Every row has the same value: it can't tell customers apart",
                            ))
                        } else if !c.is_numeric() && c.distinct == profile.rows {
                            Some((
                                "ID-like",
                                "A different value in every row: an identifier, not a feature",
                            ))
                        } else {
                            None
                        };
                        match flag {
                            Some((label, why)) => {
                                ui.colored_label(ui.visuals().warn_fg_color, label)
                                    .on_hover_text(why);
                            }
                            None => {
                                ui.label("");
                            }
                        }
                        ui.end_row();
                    }
                });
        });
}
