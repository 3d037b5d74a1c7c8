//! The export window: which columns go out, and as CSV or Excel.

use workbench_core::train::TrainOutcome;

use crate::ui::app::{Command, ExportCommand};

use super::PredictionsView;

/// Which columns go out, and as CSV or Excel.
pub(super) fn export_window_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    sample_of: Option<usize>,
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
                ui.label("To");
                if ui
                    .radio(
                        !view.export_to_database && view.export_format == TableFormat::Csv,
                        "CSV",
                    )
                    .clicked()
                {
                    view.export_to_database = false;
                    view.export_format = TableFormat::Csv;
                }
                if ui
                    .radio(
                        !view.export_to_database && view.export_format == TableFormat::Xlsx,
                        "Excel (.xlsx)",
                    )
                    .clicked()
                {
                    view.export_to_database = false;
                    view.export_format = TableFormat::Xlsx;
                }
                ui.radio_value(&mut view.export_to_database, true, "A PostgreSQL table");
            });
            if view.export_to_database {
                database_ui(ui, view);
            } else {
                ui.weak("The evaluated customers with their scores.");
            }
            // The table is a sample of a file too large to load: all of the file, scored.
            if let Some(rows) = sample_of
                && !view.export_to_database
            {
                ui.horizontal(|ui| {
                    if ui
                        .button(format!(
                            "Score every customer of the file ({})…",
                            crate::ui::format::count(rows)
                        ))
                        .on_hover_text("Reads the whole file in pieces and writes every row with its score, prediction and decile (ranked over all rows) as CSV, in constant memory: the file the command line's `score` writes. All columns.")
                        .clicked()
                    {
                        cmds.push(ExportCommand::WholeFileDialog.into());
                    }
                });
            }
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
            let destination = view.export_to_database.then(|| database_location(view));
            match &destination {
                Some(Err(why)) => {
                    ui.add_enabled(false, egui::Button::new("Write to the database"));
                    ui.weak(why);
                }
                Some(Ok(_)) => go = ui.button("Write to the database").clicked(),
                None => go = ui.button("Export…").clicked(),
            }
        });
    view.export_open = open && !go;
    if go {
        match view.export_to_database.then(|| database_location(view)) {
            Some(Ok(url)) => {
                // A password written in the URL itself is used, not kept in the URL.
                let password = if view.db_password.is_empty() {
                    workbench_core::data::postgres::Location::parse(view.db_url.trim())
                        .ok()
                        .and_then(|l| l.password())
                        .unwrap_or_default()
                } else {
                    view.db_password.clone()
                };
                cmds.push(ExportCommand::ToDatabase { url, password }.into());
            }
            Some(Err(_)) => {}
            None => cmds.push(ExportCommand::Dialog.into()),
        }
    }
}

/// The database and table the scores go to.
fn database_ui(ui: &mut egui::Ui, view: &mut PredictionsView) {
    ui.weak("Every customer of the table, scored by the model, replaces the table (in one transaction: it is the old table or the whole new one).");
    egui::Grid::new("export_db").num_columns(2).show(ui, |ui| {
        ui.label("Database");
        ui.add(
            egui::TextEdit::singleline(&mut view.db_url)
                .desired_width(360.0)
                .hint_text("postgresql://user@host:5432/database"),
        );
        ui.end_row();
        ui.label("Table");
        ui.text_edit_singleline(&mut view.db_table)
            .on_hover_text("schema.table works; an existing table of that name is replaced");
        ui.end_row();
        ui.label("Password");
        ui.add(egui::TextEdit::singleline(&mut view.db_password).password(true))
            .on_hover_text(
                "Empty: the one the data was opened with, PGPASSWORD or ~/.pgpass. Never saved.",
            );
        ui.end_row();
    });
}

/// The URL (without password) of the table the scores go to, or why there is none.
fn database_location(view: &PredictionsView) -> Result<String, String> {
    use workbench_core::data::postgres::{Location, What};
    let table = view.db_table.trim();
    if table.is_empty() {
        return Err("Name the table".into());
    }
    let base = Location::parse(view.db_url.trim()).map_err(|e| e.one_line())?;
    Ok(base.with(What::Table(table.to_owned()), None).shown)
}
