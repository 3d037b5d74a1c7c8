//! The export window: which columns go out, and as CSV or Excel.

use workbench_core::train::TrainOutcome;

use crate::ui::app::{Command, ExportCommand};

use super::PredictionsView;

/// Which columns go out, and as CSV or Excel.
pub(super) fn export_window_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    view: &mut PredictionsView,
    cmds: &mut Vec<Command>,
) {
    use workbench_core::data::export::TableFormat;
    let mut open = view.export_open;
    let mut go = false;
    egui::Window::new("Export scored customers")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_height(420.0)
        .show(ui.ctx(), |ui| {
            ui.horizontal(|ui| {
                ui.label("Format");
                ui.radio_value(&mut view.export_format, TableFormat::Csv, "CSV");
                ui.radio_value(&mut view.export_format, TableFormat::Xlsx, "Excel (.xlsx)");
            });
            ui.horizontal(|ui| {
                if ui.small_button("All").clicked() {
                    view.export_excluded.clear();
                }
                if ui.small_button("Only ID and results").clicked() {
                    let keep = ["score", "prediction", "decile", "segment"];
                    view.export_excluded = o
                        .predictions
                        .get_column_names()
                        .iter()
                        .enumerate()
                        .filter(|(i, n)| *i != 0 && !keep.contains(&n.as_str()))
                        .map(|(_, n)| n.to_string())
                        .collect();
                }
            });
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .show(ui, |ui| {
                    for name in o.predictions.get_column_names() {
                        let name = name.to_string();
                        let mut on = !view.export_excluded.contains(&name);
                        if ui.checkbox(&mut on, &name).changed() {
                            if on {
                                view.export_excluded.retain(|n| n != &name);
                            } else {
                                view.export_excluded.push(name);
                            }
                        }
                    }
                });
            go = ui.button("Export…").clicked();
        });
    view.export_open = open && !go;
    if go {
        cmds.push(ExportCommand::Dialog.into());
    }
}
