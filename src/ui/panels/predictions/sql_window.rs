//! "Score in your database…": the model as one SQL statement for the warehouse's engine, shown,
//! copied or saved.

use workbench_core::export_sql::{Dialect, SqlExport, export};
use workbench_core::train::TrainOutcome;

use crate::ui::app::{Command, ExportCommand};

/// Lines of the statement the window shows (the whole of it is copied and saved).
const PREVIEW_LINES: usize = 40;

/// Characters of a line the window shows (a tree's line can be thousands long).
const MAX_LINE_CHARS: usize = 400;

/// What a statement was made for: the training run, database, table and ID column.
type SqlKey = (u64, Dialect, String, Option<String>);

/// What the window is set to, and the statement made for it.
#[derive(Debug)]
pub struct SqlView {
    pub open: bool,
    pub dialect: Dialect,
    pub table: String,
    /// The column naming each customer (kept, and the deciles' tie-break).
    pub id: Option<String>,
    /// The statement for (run, dialect, table, id), or why there is none.
    made: Option<(SqlKey, Result<SqlExport, String>)>,
}

impl Default for SqlView {
    fn default() -> Self {
        Self {
            open: false,
            dialect: Dialect::Duckdb,
            table: "customers".into(),
            id: None,
            made: None,
        }
    }
}

impl SqlView {
    /// The statement for the current settings (made again only when they change: a few
    /// milliseconds for a 100-tree model).
    fn statement(&mut self, run: u64, o: &TrainOutcome) -> &Result<SqlExport, String> {
        let key = (run, self.dialect, self.table.clone(), self.id.clone());
        if self.made.as_ref().is_some_and(|(k, _)| *k != key) {
            self.made = None;
        }
        let (dialect, table, id) = (self.dialect, self.table.clone(), self.id.clone());
        &self
            .made
            .get_or_insert_with(|| {
                let made =
                    export(&o.model, dialect, &table, id.as_deref()).map_err(|e| e.one_line());
                (key, made)
            })
            .1
    }
}

/// The window: engine, table, id column; the statement's first lines; Copy and Save.
pub(super) fn sql_window_ui(
    ui: &mut egui::Ui,
    run: u64,
    o: &TrainOutcome,
    view: &mut SqlView,
    cmds: &mut Vec<Command>,
) {
    if !view.open {
        return;
    }
    let mut open = view.open;
    let columns: Vec<String> = o
        .predictions
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .filter(|n| !["score", "prediction", "decile", "segment"].contains(&n.as_str()))
        .collect();
    if view.id.is_none() {
        view.id = columns.first().cloned();
    }
    egui::Window::new("Score in your database")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_width(720.0)
        .default_height(520.0)
        .show(ui.ctx(), |ui| {
            ui.weak("The whole model — cleaning steps, features and the model itself — as one SQL statement. Run it where your customers are and every row gets the score, prediction and decile this app gives it, without exporting the table.");
            ui.add_space(4.0);
            egui::Grid::new("sql_settings").num_columns(2).show(ui, |ui| {
                ui.label("Database");
                egui::ComboBox::from_id_salt("sql_dialect")
                    .selected_text(view.dialect.label())
                    .show_ui(ui, |ui| {
                        for d in Dialect::ALL {
                            ui.selectable_value(&mut view.dialect, d, d.label());
                        }
                    });
                ui.end_row();
                ui.label("Table");
                ui.text_edit_singleline(&mut view.table)
                    .on_hover_text("The table holding the customers, as in the file the model was trained on (schema.table works).");
                ui.end_row();
                ui.label("Customer ID");
                egui::ComboBox::from_id_salt("sql_id")
                    .selected_text(view.id.as_deref().unwrap_or("none"))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut view.id, None, "none");
                        for c in &columns {
                            ui.selectable_value(&mut view.id, Some(c.clone()), c);
                        }
                    })
                    .response
                    .on_hover_text("Kept in the output beside the scores, and orders customers with equal scores in the deciles.");
                ui.end_row();
            });
            ui.add_space(6.0);
            match view.statement(run, o) {
                Err(why) => {
                    ui.colored_label(ui.visuals().warn_fg_color, format!("No SQL for this model: {why}"));
                }
                Ok(made) => {
                    let lines = made.sql.lines().count();
                    ui.label(format!(
                        "{} lines, {}",
                        crate::ui::format::count(lines),
                        workbench_core::data::load::byte_size(made.sql.len() as u64)
                    ));
                    for w in &made.warnings {
                        ui.colored_label(ui.visuals().warn_fg_color, w);
                    }
                    let mut preview: String = made
                        .sql
                        .lines()
                        .take(PREVIEW_LINES)
                        .map(|l| {
                            let mut shown: String = l.chars().take(MAX_LINE_CHARS).collect();
                            if shown.len() < l.len() {
                                shown.push('…');
                            }
                            shown.push('\n');
                            shown
                        })
                        .collect();
                    if lines > PREVIEW_LINES {
                        preview.push_str(&format!("… {} more lines (copied and saved in full)\n", lines - PREVIEW_LINES));
                    }
                    egui::ScrollArea::both().max_height(320.0).show(ui, |ui| {
                        // Lines as they are (no wrapping), scrolled sideways.
                        ui.add(
                            egui::Label::new(egui::RichText::new(preview).monospace().size(12.0))
                                .extend(),
                        );
                    });
                    ui.horizontal(|ui| {
                        if ui.button("Copy SQL").clicked() {
                            ui.ctx().copy_text(made.sql.clone());
                        }
                        if ui.button("Save…").clicked() {
                            cmds.push(ExportCommand::SqlDialog.into());
                        }
                    });
                }
            }
        });
    view.open = open;
}
